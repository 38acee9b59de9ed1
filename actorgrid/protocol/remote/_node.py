"""``RemoteNode``: exposes local actors on a websocket endpoint and reaches remote ones.

One authenticated aiohttp websocket per peer pair carries batches of envelopes both ways.
Reliable envelopes (tell, ask, reply, fail) are numbered per sender stream, kept in the
sender's bounded outbox until acknowledged, sent again after a reconnect, and
de-duplicated by the receiver, which delivers each exactly once and in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import secrets
from collections.abc import Mapping
from typing import Any

import aiohttp
from aiohttp import web

from actorgrid.protocol.codec import DEFAULT_MAX_FRAME, DecodeError, decode, encode
from actorgrid.protocol.control import ErrorCode, ErrorReply
from actorgrid.protocol.registry import Message
from actorgrid.protocol.remote._envelope import (
    ACK,
    ASK,
    FAIL,
    HELLO,
    MAX_PATH,
    REPLY,
    TELL,
    ProtocolViolation,
    conn_key,
    envelopes,
    pack_envelope,
    seal,
    unseal,
)
from actorgrid.protocol.remote._handshake import (
    PROTOCOL_VERSION,
    HandshakeFailed,
    check_client_hello,
    check_server_hello,
    hello_frame,
    new_nonce,
)
from actorgrid.protocol.remote._outbox import Journal, Outbox
from actorgrid.protocol.remote._peer import Connection, Peer
from actorgrid.protocol.remote._ref import RemoteRef
from actorgrid.runtime import ActorDied, ActorRef, ActorSystem, AskTimeout, MailboxFull, Terminated

__all__ = ["PROTOCOL_VERSION", "RemoteError", "RemoteNode"]

log = logging.getLogger("actorgrid.protocol.remote")

ENDPOINT = "/actorgrid"
_BATCH_BYTES = 256 * 1024
_HANDSHAKE_TIMEOUT = 10.0
_EPOCHS_KEPT = 8


class RemoteError(Exception):
    """A remote ``ask`` failed on the far side for a reason other than death or timeout."""

    def __init__(self, path: str, code: ErrorCode, detail: str) -> None:
        super().__init__(f"remote ask to {path} failed: {code.name}: {detail}")
        self.path = path
        self.code = code
        self.detail = detail


class RemoteNode:
    """A process's endpoint for remote actors.

    ::

        async with RemoteNode(system, "grid", secrets={"meter-box": SECRET}) as node:
            node.expose(grid_ref)                     # reachable as its path
            print(node.url)                           # ws://127.0.0.1:PORT/actorgrid
        # in the other process
        async with RemoteNode(system, "meter-box", secrets={"grid": SECRET}) as node:
            node.connect("grid", url)
            grid = node.ref("grid", "/grid")
            grid.tell(reading); reply = await grid.ask(query, timeout=2.0)

    ``secrets`` maps every peer name allowed to talk to this node to the secret both sides
    share (bytes, at least 16). One side of each pair calls ``connect``; the connection
    then carries traffic both ways (if both sides dial, they keep replacing each other's
    connection). ``journal`` (a file path) makes outgoing messages survive a restart of this
    process. ``max_outbox`` bounds each peer's queue of unacknowledged messages.
    ``down_after`` seconds without a connection mark a peer down: watchers of its refs get
    ``Terminated(ref, "peer-down")`` and pending asks fail with ``ActorDied``.
    """

    def __init__(
        self,
        system: ActorSystem,
        name: str,
        *,
        secrets: Mapping[str, bytes],
        host: str = "127.0.0.1",
        port: int = 0,
        journal: str | os.PathLike[str] | None = None,
        max_outbox: int = 10_000,
        max_frame: int = DEFAULT_MAX_FRAME,
        down_after: float = 10.0,
        backoff: tuple[float, float] = (0.05, 2.0),
        heartbeat: float = 5.0,
    ) -> None:
        if not name or len(name) > 128:
            raise ValueError("node name must be 1..128 characters")
        for peer, secret in secrets.items():
            if not isinstance(secret, bytes) or len(secret) < 16:
                raise ValueError(f"secret for peer {peer!r} must be bytes of >= 16")
        self.system = system
        self.name = name
        self.host = host
        self.port = port
        self.max_frame = max_frame
        self.down_after = down_after
        self._backoff = backoff
        self._heartbeat = heartbeat
        self._journal = Journal(journal) if journal is not None else None
        self.epoch = self._journal.epoch if self._journal else _random_id()
        self.session = _random_id()
        self._secrets = dict(secrets)
        self._peers = {
            peer: Peer(peer, secret, Outbox(peer, max_outbox, self._journal))
            for peer, secret in secrets.items()
        }
        if self._journal is not None:
            for peer_state in self._peers.values():
                peer_state.rx.update(self._journal.load_received(peer_state.name))
        self._exposed: dict[str, ActorRef] = {}
        self._pending: dict[tuple[str, int], tuple[asyncio.Future[Any], str]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self._closing = False
        self.stats: dict[str, int] = dict.fromkeys(
            (
                "delivered",
                "duplicates",
                "resent",
                "auth_failures",
                "protocol_errors",
                "connections",
            ),
            0,
        )

    # ------------------------------------------------------------ lifecycle
    async def __aenter__(self) -> RemoteNode:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self) -> None:
        """Start listening on ``host:port`` (port 0 picks a free one; see :attr:`url`)."""
        app = web.Application()
        app.router.add_get(ENDPOINT, self._accept)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        self._client = aiohttp.ClientSession()

    @property
    def url(self) -> str:
        """The websocket URL peers connect to."""
        return f"ws://{self.host}:{self.port}{ENDPOINT}"

    async def close(self) -> None:
        """Close every connection and task; unacknowledged messages stay in the journal."""
        self._closing = True
        for peer in self._peers.values():
            if peer.down_timer is not None:
                peer.down_timer.cancel()
            if peer.conn is not None:
                await peer.conn.ws.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks)
        for fut, path in self._pending.values():
            if not fut.done():
                fut.set_exception(ActorDied(path, "node closed"))
        self._pending.clear()
        for peer in self._peers.values():
            parked, peer.room, peer.drained = peer.room + peer.drained, [], []
            for fut in parked:
                if not fut.done():
                    fut.set_exception(ActorDied(peer.name, "node closed"))
        if self._client is not None:
            await self._client.close()
        if self._runner is not None:
            await self._runner.cleanup()
        if self._journal is not None:
            self._journal.close()

    # ------------------------------------------------------------ public API
    def expose(self, ref: ActorRef, path: str | None = None) -> str:
        """Make ``ref`` reachable by peers under ``path`` (default: its own path)."""
        where = path or ref.path
        self._exposed[where] = ref
        return where

    def connect(self, peer: str, url: str) -> None:
        """Dial ``peer`` at ``url`` and keep the connection up (reconnecting with backoff)."""
        p = self._peer(peer)
        if p.url is None:
            p.url = url
            self._spawn(self._dial_loop(p))
            if p.conn is None:
                self._arm_down_timer(p)
        p.url = url

    def ref(self, peer: str, path: str) -> RemoteRef:
        """A ref to the actor ``peer`` exposes under ``path`` (at most 1024 characters)."""
        self._peer(peer)
        if not path or len(path) > MAX_PATH:
            raise ValueError(f"remote path must be 1..{MAX_PATH} characters")
        return RemoteRef(self, peer, path)

    def watch(self, ref: RemoteRef, watcher: ActorRef) -> None:
        """Tell ``watcher`` ``Terminated(ref, "peer-down")`` when ``ref``'s peer goes down.

        One-shot, like local death watch; if the peer is already down it is told at once.
        """
        peer = self._peer(ref.peer)
        if peer.down:
            watcher.tell(Terminated(ref, "peer-down"))  # type: ignore[arg-type]
            return
        peer.watchers.setdefault(ref, set()).add(watcher)
        if peer.conn is None:
            self._arm_down_timer(peer)  # a peer we never heard from counts as away, too

    def unwatch(self, ref: RemoteRef, watcher: ActorRef) -> None:
        """Stop watching ``ref``."""
        self._peer(ref.peer).watchers.get(ref, set()).discard(watcher)

    def peer_is_down(self, peer: str) -> bool:
        """True once ``peer`` stayed away for ``down_after`` seconds (until it returns)."""
        return self._peer(peer).down

    def connected(self, peer: str) -> bool:
        """True while a live, authenticated connection to ``peer`` exists."""
        return self._peer(peer).conn is not None

    def sent_count(self, peer: str) -> int:
        """How many reliable messages this node ever queued for ``peer`` (journalled: across
        restarts). An application that tells a numbered sequence resumes from here."""
        return self._peer(peer).outbox.next_seq - 1

    def unacked(self, peer: str) -> int:
        """How many messages to ``peer`` are not yet acknowledged."""
        return len(self._peer(peer).outbox)

    async def drained(self, peer: str) -> None:
        """Wait until every message queued for ``peer`` is acknowledged.

        Raises ``ActorDied`` if the node is (or gets) closed first.
        """
        p = self._peer(peer)
        if len(p.outbox):
            self._check_open(peer)
            fut = asyncio.get_running_loop().create_future()
            p.drained.append(fut)
            await fut

    # ------------------------------------------------------------ sending
    def tell(self, ref: RemoteRef, message: Message) -> None:
        """See :meth:`RemoteRef.tell`."""
        peer = self._peer(ref.peer)
        if peer.outbox.full:
            raise MailboxFull(f"{ref.peer}:{ref.path}", peer.outbox.capacity)
        self._enqueue(peer, TELL, 0, ref.path, encode(message, max_size=self.max_frame), 0)

    async def send(self, ref: RemoteRef, message: Message) -> None:
        """See :meth:`RemoteRef.send`."""
        peer = self._peer(ref.peer)
        payload = encode(message, max_size=self.max_frame)
        while peer.outbox.full:
            self._check_open(ref.peer)
            fut = asyncio.get_running_loop().create_future()
            peer.room.append(fut)
            await fut
        self._enqueue(peer, TELL, 0, ref.path, payload, 0)

    async def ask(self, ref: RemoteRef, message: Message, timeout: float) -> Any:  # noqa: ASYNC109
        """See :meth:`RemoteRef.ask`."""
        peer = self._peer(ref.peer)
        where = f"{ref.peer}:{ref.path}"
        if peer.outbox.full:
            raise MailboxFull(where, peer.outbox.capacity)
        payload = encode(message, max_size=self.max_frame)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        timeout_ms = max(1, min(int(timeout * 1000), 2**32))
        seq = self._enqueue(peer, ASK, 0, ref.path, payload, timeout_ms)
        key = (peer.name, seq)
        self._pending[key] = (future, where)
        handle = loop.call_later(timeout, _expire, future, where, timeout)
        try:
            return await future
        finally:
            handle.cancel()
            self._pending.pop(key, None)

    def _check_open(self, where: str) -> None:
        """Refuse to park a caller on a closed node (nothing would ever wake it)."""
        if self._closing:
            raise ActorDied(where, "node closed")

    def _enqueue(
        self, peer: Peer, kind: int, corr: int, target: str, payload: bytes, timeout_ms: int
    ) -> int:
        seq = peer.outbox.take_seq()
        body = pack_envelope(kind, seq, corr, target, self.name, payload, timeout_ms)
        peer.outbox.append(seq, body)
        if peer.conn is not None:
            peer.conn.wake.set()
        return seq

    # ------------------------------------------------------------ connections
    def _peer(self, name: str) -> Peer:
        try:
            return self._peers[name]
        except KeyError:
            raise KeyError(f"unknown peer {name!r} (no secret configured)") from None

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("remote node %s: task failed", self.name, exc_info=task.exception())

    async def _dial_loop(self, peer: Peer) -> None:
        delay, cap = self._backoff
        first = delay
        assert self._client is not None
        while not self._closing:
            assert peer.url is not None
            try:
                ws = await self._client.ws_connect(
                    peer.url, max_msg_size=self._max_ws_msg(), heartbeat=self._heartbeat
                )
            except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                log.debug("%s: cannot reach %s at %s: %s", self.name, peer.name, peer.url, exc)
            else:
                try:
                    key, epoch, body = await self._client_handshake(ws, peer)
                except (
                    HandshakeFailed,
                    ProtocolViolation,
                    DecodeError,
                    TimeoutError,
                    aiohttp.ClientError,
                    ConnectionError,
                ) as exc:
                    log.warning("%s: handshake with %s failed: %s", self.name, peer.name, exc)
                    await ws.close()
                else:
                    delay = first
                    try:
                        await self._run_connection(peer, ws, key, epoch, body)
                    except Exception:  # keep dialling: queued messages must not strand
                        log.exception("%s: connection to %s failed", self.name, peer.name)
            if self._closing:
                return
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))
            delay = min(delay * 2, cap)

    def _max_ws_msg(self) -> int:
        return _BATCH_BYTES + self.max_frame + 4096

    async def _client_handshake(
        self, ws: aiohttp.ClientWebSocketResponse, peer: Peer
    ) -> tuple[bytes, int, bytes]:
        """Hellos both ways, then one frame each way under the connection key.

        Hellos are MAC'd with the long-term secret and can be replayed; only a frame under
        the key derived from both fresh nonces proves the far side is live and holds the
        secret. The client proves it first (the server waits for that before it installs
        the connection and acks); returns the key, the peer's epoch and its first body.
        """
        nonce = new_nonce()
        await ws.send_bytes(hello_frame(peer.secret, self.name, self.session, self.epoch, nonce))
        async with asyncio.timeout(_HANDSHAKE_TIMEOUT):
            msg = await ws.receive()
        if msg.type != aiohttp.WSMsgType.BINARY:
            raise HandshakeFailed(f"peer answered {msg.type.name}, not a hello")
        hello = check_server_hello(msg.data, peer.secret, peer.name, self.max_frame)
        key = conn_key(peer.secret, nonce, hello.nonce)
        await ws.send_bytes(seal(key, pack_envelope(ACK, peer.rx.get(hello.epoch) or 0)))
        async with asyncio.timeout(_HANDSHAKE_TIMEOUT):
            msg = await ws.receive()
        if msg.type != aiohttp.WSMsgType.BINARY:
            raise HandshakeFailed(f"peer answered {msg.type.name}, not a first frame")
        return key, hello.epoch, unseal(key, msg.data)

    async def _accept(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=self._max_ws_msg(), heartbeat=self._heartbeat)
        await ws.prepare(request)
        try:
            async with asyncio.timeout(_HANDSHAKE_TIMEOUT):
                msg = await ws.receive()
            if msg.type != aiohttp.WSMsgType.BINARY:
                raise HandshakeFailed(f"first message is {msg.type.name}, not a hello")
            name, hello = check_client_hello(msg.data, self._secrets, self.max_frame)
        except (TimeoutError, HandshakeFailed, ProtocolViolation, DecodeError) as exc:
            self.stats["auth_failures"] += 1
            log.warning(
                "%s: rejected connection from %s: %s: %s",
                self.name,
                request.remote,
                type(exc).__name__,
                exc,
            )
            await ws.close(code=aiohttp.WSCloseCode.POLICY_VIOLATION, message=b"auth failed")
            return ws
        peer = self._peers[name]
        nonce = new_nonce()
        await ws.send_bytes(hello_frame(peer.secret, self.name, self.session, self.epoch, nonce))
        key = conn_key(peer.secret, hello.nonce, nonce)
        # A hello can be replayed (it is MAC'd with the long-term secret), so the client
        # only counts as authenticated once a frame under the fresh connection key arrives
        # (its writer sends an ack at once); until then the live connection stays in place.
        try:
            async with asyncio.timeout(_HANDSHAKE_TIMEOUT):
                msg = await ws.receive()
            if msg.type != aiohttp.WSMsgType.BINARY:
                raise HandshakeFailed(f"{msg.type.name} instead of a first frame")
            first = unseal(key, msg.data)
        except (TimeoutError, HandshakeFailed, ProtocolViolation) as exc:
            self.stats["auth_failures"] += 1
            log.warning(
                "%s: rejected connection from %s claiming to be %s: %s: %s",
                self.name,
                request.remote,
                name,
                type(exc).__name__,
                exc,
            )
            await ws.close(code=aiohttp.WSCloseCode.POLICY_VIOLATION, message=b"auth failed")
            return ws
        await self._run_connection(peer, ws, key, hello.epoch, first)
        return ws

    async def _run_connection(
        self,
        peer: Peer,
        ws: web.WebSocketResponse | aiohttp.ClientWebSocketResponse,
        key: bytes,
        peer_epoch: int,
        first: bytes | None = None,
    ) -> None:
        """Install an authenticated connection and serve it until it closes.

        ``first`` is a batch body already read and authenticated during the handshake.
        """
        old = peer.conn
        if old is not None:  # a newer connection replaces a stale one
            await old.ws.close()
        conn = Connection(ws, key, peer_epoch, cursor=peer.outbox.first_seq)
        peer.conn = conn
        self.stats["connections"] += 1
        if peer.outbox.first_seq < peer.outbox.next_seq:
            self.stats["resent"] += peer.outbox.next_seq - peer.outbox.first_seq
        if peer_epoch not in peer.rx:
            peer.rx[peer_epoch] = None  # unknown stream: accept from its first envelope
            if len(peer.rx) > _EPOCHS_KEPT:
                while len(peer.rx) > _EPOCHS_KEPT:
                    del peer.rx[next(iter(peer.rx))]
                if self._journal is not None:
                    self._journal.forget_received(peer.name, list(peer.rx))
        self._peer_up(peer)
        writer = self._spawn(self._write_loop(peer, conn))
        conn.wake.set()
        code = aiohttp.WSCloseCode.OK
        try:
            await self._read_loop(peer, conn, first)
        except ProtocolViolation as exc:
            self.stats["protocol_errors"] += 1
            code = aiohttp.WSCloseCode.POLICY_VIOLATION
            log.warning("%s: closing connection to %s: %s", self.name, peer.name, exc)
        finally:
            writer.cancel()
            if peer.conn is conn:
                peer.conn = None
                self._arm_down_timer(peer)
            await ws.close(code=code)

    async def _write_loop(self, peer: Peer, conn: Connection) -> None:
        ws = conn.ws
        while True:
            await conn.wake.wait()
            conn.wake.clear()
            while not ws.closed:
                if self._journal is not None:
                    # never put on the wire what is not yet durable, nor acknowledge
                    # deliveries whose de-duplication state is not yet durable
                    self._journal.commit()
                parts: list[bytes] = []
                if conn.ack_due:
                    conn.ack_due = False
                    parts.append(pack_envelope(ACK, peer.rx.get(conn.peer_epoch) or 0))
                more, conn.cursor = peer.outbox.since(conn.cursor, _BATCH_BYTES)
                parts.extend(more)
                if not parts:
                    break
                body = b"".join(parts)
                try:
                    await ws.send_bytes(seal(conn.key, body))
                except (ConnectionError, RuntimeError):  # closed under us: reader ends it
                    return

    async def _read_loop(self, peer: Peer, conn: Connection, first: bytes | None) -> None:
        if first is not None:
            async with peer.rx_lock:
                await self._receive_batch(peer, conn, first)
            conn.wake.set()
        async for msg in conn.ws:
            if msg.type != aiohttp.WSMsgType.BINARY:
                if msg.type == aiohttp.WSMsgType.ERROR:
                    raise ProtocolViolation(f"websocket error: {conn.ws.exception()}")
                raise ProtocolViolation(f"unexpected {msg.type.name} message")
            try:
                body = unseal(conn.key, msg.data)
            except ProtocolViolation:
                self.stats["auth_failures"] += 1
                raise
            async with peer.rx_lock:
                await self._receive_batch(peer, conn, body)
            if conn.ack_due:
                conn.wake.set()

    async def _receive_batch(self, peer: Peer, conn: Connection, body: bytes) -> None:
        """Handle one authenticated batch: acks, then reliable envelopes in sequence."""
        for env in envelopes(body, self.max_frame):
            if env.kind == ACK:
                self._acked(peer, env.seq)
                continue
            if env.kind == HELLO:
                raise ProtocolViolation("hello after handshake")
            hw = peer.rx.get(conn.peer_epoch)
            if hw is not None and env.seq <= hw:
                self.stats["duplicates"] += 1
                conn.ack_due = True
                continue
            if hw is not None and env.seq != hw + 1:
                raise ProtocolViolation(f"gap in sequence: got {env.seq} after {hw}")
            await self._deliver(peer, env)
            peer.rx[conn.peer_epoch] = env.seq
            if self._journal is not None:
                self._journal.received(peer.name, conn.peer_epoch, env.seq)
            conn.ack_due = True

    def _acked(self, peer: Peer, seq: int) -> None:
        if peer.outbox.ack(seq):
            while peer.room and not peer.outbox.full:
                fut = peer.room.pop(0)
                if not fut.done():
                    fut.set_result(None)
            if not len(peer.outbox):
                drained, peer.drained = peer.drained, []
                for fut in drained:
                    if not fut.done():
                        fut.set_result(None)

    # ------------------------------------------------------------ delivery
    async def _deliver(self, peer: Peer, env: Any) -> None:
        self.stats["delivered"] += 1
        if env.kind in (REPLY, FAIL):
            self._resolve(peer, env)
            return
        target = self._exposed.get(env.target)
        try:
            message = decode(env.payload, max_size=self.max_frame)
        except DecodeError as exc:
            log.warning("%s: undecodable message from %s: %s", self.name, peer.name, exc)
            if env.kind == ASK:
                self._fail(peer, env.seq, ErrorCode.BAD_MESSAGE, str(exc))
            return
        if target is None:
            log.warning("%s: %s sent to unexposed %r", self.name, peer.name, env.target)
            if env.kind == ASK:
                self._fail(peer, env.seq, ErrorCode.UNKNOWN_TARGET, env.target)
            return
        if env.kind == TELL:
            with contextlib.suppress(MailboxFull):  # REJECT policy: runtime dead-lettered it
                await target.send(message)
        else:
            self._spawn(self._answer(peer, env.seq, target, message, env.timeout_ms / 1000))

    async def _answer(
        self,
        peer: Peer,
        corr: int,
        target: ActorRef,
        message: Message,
        timeout: float,  # noqa: ASYNC109
    ) -> None:
        try:
            reply = await target.ask(message, timeout=timeout)
        except AskTimeout as exc:
            self._fail(peer, corr, ErrorCode.TIMEOUT, str(exc))
            return
        except ActorDied as exc:
            self._fail(peer, corr, ErrorCode.ACTOR_DIED, str(exc))
            return
        except MailboxFull as exc:
            self._fail(peer, corr, ErrorCode.MAILBOX_FULL, str(exc))
            return
        except Exception as exc:
            self._fail(peer, corr, ErrorCode.INTERNAL, f"{type(exc).__name__}: {exc}")
            return
        if reply is not None and not isinstance(reply, Message):
            self._fail(peer, corr, ErrorCode.BAD_MESSAGE, f"reply {type(reply).__name__}")
            return
        try:
            payload = b"" if reply is None else encode(reply, max_size=self.max_frame)
        except ValueError as exc:
            self._fail(peer, corr, ErrorCode.BAD_MESSAGE, str(exc))
            return
        self._enqueue(peer, REPLY, corr, "", payload, 0)

    def _fail(self, peer: Peer, corr: int, code: ErrorCode, detail: str) -> None:
        self._enqueue(peer, FAIL, corr, "", encode(ErrorReply(code, detail[:1024])), 0)

    def _resolve(self, peer: Peer, env: Any) -> None:
        entry = self._pending.get((peer.name, env.corr))
        if entry is None:
            return  # the ask timed out meanwhile, or this process restarted
        future, where = entry
        if future.done():
            return
        try:
            reply = None if not env.payload else decode(env.payload, max_size=self.max_frame)
        except DecodeError as exc:
            future.set_exception(RemoteError(where, ErrorCode.BAD_MESSAGE, str(exc)))
            return
        if env.kind == REPLY:
            future.set_result(reply)
        elif not isinstance(reply, ErrorReply):
            future.set_exception(RemoteError(where, ErrorCode.INTERNAL, "malformed failure"))
        elif reply.code == ErrorCode.TIMEOUT:
            future.set_exception(AskTimeout(where, 0.0))
        elif reply.code == ErrorCode.ACTOR_DIED:
            future.set_exception(ActorDied(where, reply.detail))
        elif reply.code == ErrorCode.MAILBOX_FULL:
            future.set_exception(MailboxFull(where, 0))
        else:
            future.set_exception(RemoteError(where, reply.code, reply.detail))

    # ------------------------------------------------------------ peer liveness
    def _arm_down_timer(self, peer: Peer) -> None:
        if self._closing or peer.down or peer.down_timer is not None:
            return
        loop = asyncio.get_running_loop()
        peer.down_timer = loop.call_later(self.down_after, self._peer_down, peer)

    def _peer_up(self, peer: Peer) -> None:
        if peer.down_timer is not None:
            peer.down_timer.cancel()
            peer.down_timer = None
        peer.down = False

    def _peer_down(self, peer: Peer) -> None:
        peer.down_timer = None
        if peer.conn is not None:
            return
        peer.down = True
        log.warning("%s: peer %s is down (away for %g s)", self.name, peer.name, self.down_after)
        watchers, peer.watchers = peer.watchers, {}
        for ref, refs in watchers.items():
            for watcher in refs:
                with contextlib.suppress(MailboxFull):
                    watcher.tell(Terminated(ref, "peer-down"))  # type: ignore[arg-type]
        for (name, _), (future, where) in list(self._pending.items()):
            if name == peer.name and not future.done():
                future.set_exception(ActorDied(where, "peer-down"))


def _expire(future: asyncio.Future[Any], where: str, timeout: float) -> None:
    if not future.done():
        future.set_exception(AskTimeout(where, timeout))


def _random_id() -> int:
    """A random non-zero 63-bit id (sessions, in-memory stream epochs)."""
    return secrets.randbits(63) | 1
