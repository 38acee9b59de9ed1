"""Remote actors in one process: two nodes over loopback websockets."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actorgrid.protocol import decode, encode
from actorgrid.protocol.control import Hello, Ping, Pong
from actorgrid.protocol.remote import RemoteError, RemoteNode
from actorgrid.protocol.remote._envelope import (
    HELLO,
    TELL,
    conn_key,
    envelopes,
    pack_envelope,
    seal,
    unseal,
)
from actorgrid.runtime import Actor, ActorDied, ActorSystem, AskTimeout, MailboxFull, Terminated

SECRET = b"correct horse battery staple"


class Recorder(Actor):
    """Records every message; answers a Ping with a Pong; sets ``done`` after ``expect``."""

    def __init__(self, expect: int = 0) -> None:
        self.got: list[object] = []
        self.expect = expect
        self.done = asyncio.Event()
        self.hold: asyncio.Event | None = None
        self.waiters: list[tuple[int, asyncio.Event]] = []

    async def reached(self, count: int) -> None:
        """Wait until ``count`` messages were received."""
        event = asyncio.Event()
        self.waiters.append((count, event))
        if len(self.got) >= count:
            event.set()
        await asyncio.wait_for(event.wait(), 10)

    async def on_receive(self, message: object) -> object:
        if isinstance(message, Ping) and message.nonce == 666:
            raise RuntimeError("boom")
        if isinstance(message, Ping) and message.nonce == 777:
            assert self.hold is not None
            await self.hold.wait()
        self.got.append(message)
        if len(self.got) >= self.expect:
            self.done.set()
        for count, event in self.waiters:
            if len(self.got) >= count:
                event.set()
        if isinstance(message, Ping):
            return Pong(message.nonce)
        return None


@dataclass
class Pair:
    a: RemoteNode
    b: RemoteNode
    recorder: Recorder
    system_a: ActorSystem


@asynccontextmanager
async def pair(expect: int = 0, **b_options: object) -> AsyncIterator[Pair]:
    """Node ``a`` exposes a Recorder at /rec; node ``b`` dials ``a``."""
    async with ActorSystem("a") as sa, ActorSystem("b") as sb:
        recorder = Recorder(expect)
        ref = await sa.spawn(lambda: recorder, name="rec")
        async with (
            RemoteNode(sa, "a", secrets={"b": SECRET}) as a,
            RemoteNode(sb, "b", secrets={"a": SECRET}, **b_options) as b,  # type: ignore[arg-type]
        ):
            a.expose(ref)
            yield Pair(a, b, recorder, sa)


async def test_tell_and_ask_reach_the_remote_actor_in_order() -> None:
    async with pair(expect=501) as p:
        p.b.connect("a", p.a.url)
        rec = p.b.ref("a", "/rec")
        for i in range(500):
            rec.tell(Ping(i))
        assert await rec.ask(Ping(10_000), timeout=5.0) == Pong(10_000)
        await asyncio.wait_for(p.recorder.done.wait(), 10)
        assert p.recorder.got == [Ping(i) for i in range(500)] + [Ping(10_000)]
        await p.b.drained("a")
        assert p.b.unacked("a") == 0


async def test_remote_ask_failures_are_typed() -> None:
    async with pair() as p:
        p.b.connect("a", p.a.url)
        with pytest.raises(RemoteError, match="UNKNOWN_TARGET"):
            await p.b.ref("a", "/nobody").ask(Ping(1), timeout=5.0)
        with pytest.raises(ActorDied):
            await p.b.ref("a", "/rec").ask(Ping(666), timeout=5.0)  # the actor crashes
        p.recorder.hold = asyncio.Event()
        with pytest.raises(AskTimeout):
            await p.b.ref("a", "/rec").ask(Ping(777), timeout=0.2)
        p.recorder.hold.set()


async def test_messages_are_resent_after_reconnect_and_deduplicated() -> None:
    n = 200
    async with pair(expect=n) as p:
        acked = p.b._acked
        p.b._acked = lambda peer, seq: None  # type: ignore[method-assign]  # lose every ack
        p.b.connect("a", p.a.url)
        rec = p.b.ref("a", "/rec")
        for i in range(n):
            rec.tell(Ping(i))
        await asyncio.wait_for(p.recorder.done.wait(), 10)
        assert p.b.unacked("a") == n  # delivered, but the sender never saw an ack
        conn = p.b._peers["a"].conn
        assert conn is not None
        await conn.ws.close()  # connection drops; b reconnects and sends all n again
        p.recorder.expect, p.recorder.done = n + 1, asyncio.Event()
        rec.tell(Ping(n))  # queued behind the n resent ones, so it arrives after them
        await asyncio.wait_for(p.recorder.done.wait(), 10)
        assert p.a.stats["duplicates"] == n
        p.b._acked = acked  # type: ignore[method-assign]
        rec.tell(Ping(n + 1))
        await asyncio.wait_for(p.b.drained("a"), 10)
        await p.recorder.reached(n + 2)
        assert p.recorder.got == [Ping(i) for i in range(n + 2)]  # exactly once, in order


_STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("tell"), st.integers(1, 40)),
        st.tuples(st.just("drop"), st.sampled_from(["a", "b"])),
        st.tuples(st.just("lose-acks"), st.booleans()),
    ),
    max_size=8,
)


@settings(max_examples=12, deadline=None)
@given(steps=_STEPS)
def test_any_schedule_of_drops_delivers_each_message_once_in_order(
    steps: list[tuple[str, object]],
) -> None:
    async def scenario() -> None:
        async with pair() as p:
            acked = p.b._acked
            p.b.connect("a", p.a.url)
            rec = p.b.ref("a", "/rec")
            sent = 0
            for op, arg in steps:
                if op == "tell":
                    for _ in range(int(arg)):  # type: ignore[call-overload]
                        rec.tell(Ping(sent))
                        sent += 1
                    await asyncio.sleep(0)  # let some of them go out before the next step
                elif op == "drop":
                    conn = (p.a if arg == "a" else p.b)._peers["b" if arg == "a" else "a"].conn
                    if conn is not None:
                        await conn.ws.close()
                else:
                    p.b._acked = (lambda peer, seq: None) if arg else acked  # type: ignore[method-assign]
            p.b._acked = acked  # type: ignore[method-assign]
            rec.tell(Ping(sent))
            await p.recorder.reached(sent + 1)
            await asyncio.wait_for(p.b.drained("a"), 10)
            assert p.recorder.got == [Ping(i) for i in range(sent + 1)]

    asyncio.run(scenario())


async def test_outgoing_queue_is_bounded_while_disconnected() -> None:
    async with pair(max_outbox=3) as p:
        rec = p.b.ref("a", "/rec")
        for i in range(3):
            rec.tell(Ping(i))
        with pytest.raises(MailboxFull):
            rec.tell(Ping(3))
        assert p.b.unacked("a") == 3
        sender = asyncio.create_task(rec.send(Ping(3)))  # waits for room
        p.b.connect("a", p.a.url)
        await asyncio.wait_for(sender, 10)
        await p.recorder.reached(4)
        assert p.recorder.got == [Ping(i) for i in range(4)]


async def test_journal_keeps_unsent_messages_across_a_restart(tmp_path: Path) -> None:
    journal = tmp_path / "b.journal"
    async with ActorSystem("b") as sb:
        async with RemoteNode(sb, "b", secrets={"a": SECRET}, journal=journal) as b:
            for i in range(5):
                b.ref("a", "/rec").tell(Ping(i))
        async with pair(expect=5, journal=journal) as p:
            assert p.b.sent_count("a") == 5
            assert p.b.unacked("a") == 5
            p.b.connect("a", p.a.url)
            await asyncio.wait_for(p.recorder.done.wait(), 10)
            await asyncio.wait_for(p.b.drained("a"), 10)
            assert p.recorder.got == [Ping(i) for i in range(5)]


async def test_restarted_receiver_with_journal_still_drops_duplicates(tmp_path: Path) -> None:
    n = 50
    journal = tmp_path / "a.journal"
    async with ActorSystem("b") as sb, RemoteNode(sb, "b", secrets={"a": SECRET}) as b:
        acked = b._acked
        b._acked = lambda peer, seq: None  # type: ignore[method-assign]  # lose every ack
        rec = b.ref("a", "/rec")
        for i in range(n):
            rec.tell(Ping(i))
        for incarnation in range(2):
            async with ActorSystem("a") as sa:
                recorder = Recorder(expect=n if incarnation == 0 else 1)
                a_ref = await sa.spawn(lambda: recorder, name="rec")  # noqa: B023
                async with RemoteNode(sa, "a", secrets={"b": SECRET}, journal=journal) as a:
                    a.expose(a_ref)
                    b.connect("a", a.url)
                    if incarnation == 0:
                        await asyncio.wait_for(recorder.done.wait(), 10)
                        assert recorder.got == [Ping(i) for i in range(n)]
                    else:
                        rec.tell(Ping(n))  # behind the n resent ones
                        await asyncio.wait_for(recorder.done.wait(), 10)
                        assert a.stats["duplicates"] == n
                        assert recorder.got == [Ping(n)]  # none of the old ones again
                        b._acked = acked  # type: ignore[method-assign]
                        rec.tell(Ping(n + 1))
                        await asyncio.wait_for(b.drained("a"), 10)
                        await recorder.reached(2)
                        assert recorder.got == [Ping(n), Ping(n + 1)]


async def test_peer_that_stays_away_surfaces_as_terminated() -> None:
    class Watcher(Actor):
        def __init__(self) -> None:
            self.events: asyncio.Queue[object] = asyncio.Queue()

        async def on_receive(self, message: object) -> None:
            await self.events.put(message)

    async with ActorSystem("b") as sb:
        watcher = Watcher()
        wref = await sb.spawn(lambda: watcher, name="watcher")
        async with RemoteNode(sb, "b", secrets={"a": SECRET}, down_after=0.2) as b:
            target = b.ref("a", "/rec")
            b.watch(target, wref)
            pending = asyncio.create_task(target.ask(Ping(1), timeout=30))
            event = await asyncio.wait_for(watcher.events.get(), 10)
            assert event == Terminated(target, "peer-down")  # type: ignore[arg-type]
            assert not target.is_alive
            with pytest.raises(ActorDied, match="peer-down"):
                await pending


# ---------------------------------------------------------------- hostile peers


def _hello_frame(secret: bytes, node: str = "b", nonce: bytes | None = None) -> tuple[bytes, bytes]:
    nonce = nonce or secrets.token_bytes(32)
    hello = Hello(node, 1, 1, 1, nonce)
    return seal(secret, pack_envelope(HELLO, payload=encode(hello))), nonce


@asynccontextmanager
async def server_only() -> AsyncIterator[Pair]:
    async with ActorSystem("a") as sa:
        recorder = Recorder()
        ref = await sa.spawn(lambda: recorder, name="rec")
        async with RemoteNode(sa, "a", secrets={"b": SECRET}) as a:
            a.expose(ref)
            yield Pair(a, a, recorder, sa)


async def _handshake(
    url: str, session: aiohttp.ClientSession
) -> tuple[aiohttp.ClientWebSocketResponse, bytes]:
    ws = await session.ws_connect(url)
    frame, nonce = _hello_frame(SECRET)
    await ws.send_bytes(frame)
    reply = await ws.receive()
    assert reply.type == aiohttp.WSMsgType.BINARY
    body = unseal(SECRET, reply.data)
    server_hello = decode(next(envelopes(body, 65536)).payload)
    assert isinstance(server_hello, Hello)
    return ws, conn_key(SECRET, nonce, server_hello.nonce)


@pytest.mark.parametrize(
    "first_frame",
    [
        pytest.param(lambda: _hello_frame(b"wrong secret, same length..")[0], id="wrong-secret"),
        pytest.param(lambda: _hello_frame(SECRET)[0][32:], id="missing-mac"),
        pytest.param(lambda: _hello_frame(SECRET, node="mallory")[0], id="unknown-peer"),
        pytest.param(lambda: b"\x00" * 100, id="garbage"),
    ],
)
async def test_unauthenticated_peers_are_closed_and_logged(
    first_frame: object, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="actorgrid.protocol.remote")
    async with server_only() as p, aiohttp.ClientSession() as session:
        ws = await session.ws_connect(p.a.url)
        await ws.send_bytes(first_frame())  # type: ignore[operator]
        await ws.send_bytes(seal(SECRET, pack_envelope(TELL, 1, 0, "/rec", "b", encode(Ping(1)))))
        msg = await ws.receive()
        assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        assert ws.close_code == aiohttp.WSCloseCode.POLICY_VIOLATION
        assert p.a.stats["auth_failures"] == 1
        assert p.a.stats["delivered"] == 0 and p.recorder.got == []
        assert "rejected connection" in caplog.text


@pytest.mark.parametrize(
    ("make_frame", "stat"),
    [
        pytest.param(lambda key, body: seal(b"x" * 32, body), "auth_failures", id="bad-mac"),
        pytest.param(lambda key, body: body, "auth_failures", id="no-mac"),
        pytest.param(lambda key, body: seal(key, b"\xc1garbage"), "protocol_errors", id="garbage"),
        pytest.param(
            lambda key, body: seal(key, pack_envelope(TELL, 5, 0, "/rec", "b", b"\x00" * 70_000)),
            "protocol_errors",
            id="oversized-payload",
        ),
    ],
)
async def test_bad_frames_after_handshake_close_the_connection(
    make_frame: object, stat: str
) -> None:
    async with server_only() as p, aiohttp.ClientSession() as session:
        ws, key = await _handshake(p.a.url, session)
        body = pack_envelope(TELL, 1, 0, "/rec", "b", encode(Ping(1)))
        await ws.send_bytes(make_frame(key, body))  # type: ignore[operator]
        while (msg := await ws.receive()).type == aiohttp.WSMsgType.BINARY:
            pass  # the server's initial ack
        assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        assert ws.close_code == aiohttp.WSCloseCode.POLICY_VIOLATION
        assert p.a.stats[stat] == 1
        assert p.a.stats["delivered"] == 0 and p.recorder.got == []


async def test_oversized_websocket_message_is_refused() -> None:
    async with server_only() as p, aiohttp.ClientSession() as session:
        ws, key = await _handshake(p.a.url, session)
        await ws.send_bytes(seal(key, b"\x00" * (2 * 1024 * 1024)))
        while (msg := await ws.receive()).type == aiohttp.WSMsgType.BINARY:
            pass
        assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        assert p.recorder.got == []


async def test_valid_raw_frame_is_delivered_once() -> None:
    """Control for the tests above: the same path with correct frames does deliver."""
    async with server_only() as p, aiohttp.ClientSession() as session:
        ws, key = await _handshake(p.a.url, session)
        first = pack_envelope(TELL, 1, 0, "/rec", "b", encode(Ping(1)))
        await ws.send_bytes(seal(key, first))
        await ws.send_bytes(seal(key, first))  # a duplicate
        await ws.send_bytes(seal(key, pack_envelope(TELL, 2, 0, "/rec", "b", encode(Ping(2)))))
        await p.recorder.reached(2)
        await ws.close()
        assert p.recorder.got == [Ping(1), Ping(2)]
        assert p.a.stats["duplicates"] == 1


class _Slow:
    """A fake exposed actor whose first delivery blocks (a full mailbox under backpressure)."""

    path = "/slow"

    def __init__(self) -> None:
        self.got: list[object] = []
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def send(self, message: object) -> None:
        self.got.append(message)
        if len(self.got) == 1:
            self.entered.set()
            await self.release.wait()


async def test_reconnect_during_a_blocked_delivery_does_not_deliver_twice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A new connection must not re-deliver what the old one is still delivering."""
    from actorgrid.protocol.remote import _node

    contended = asyncio.Event()  # the new connection waits for the old delivery to finish

    class SpyLock(asyncio.Lock):
        async def acquire(self) -> bool:
            if self.locked():
                contended.set()
            return await super().acquire()

    async with pair() as p:
        slow = _Slow()
        p.a.expose(slow, "/slow")  # type: ignore[arg-type]
        p.a._peers["b"].rx_lock = SpyLock()
        p.b.connect("a", p.a.url)
        p.b.ref("a", "/slow").tell(Ping(0))
        await asyncio.wait_for(slow.entered.wait(), 10)  # a's reader is now stuck in send

        # ... or the new connection hands the resent Ping(0) over again: a's reader takes
        # a frame carrying it (b's readers run in b's tasks) and, up to its first await,
        # delivers it in that same step.
        resent_read = asyncio.Event()
        real_unseal = _node.unseal

        def spy(key: bytes, frame: bytes) -> bytes:
            body = real_unseal(key, frame)
            if asyncio.current_task() not in p.b._tasks and b"control.ping" in body:
                resent_read.set()
            return body

        monkeypatch.setattr(_node, "unseal", spy)
        p.b._spawn(p.b._dial_loop(p.b._peers["a"]))  # a second connection replaces the first
        waits = {asyncio.ensure_future(e.wait()) for e in (contended, resent_read)}
        _, pending = await asyncio.wait(waits, timeout=10, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        assert contended.is_set() or resent_read.is_set()
        assert slow.got == [Ping(0)]  # not handed over a second time meanwhile
        slow.release.set()
        p.b.ref("a", "/slow").tell(Ping(1))
        await asyncio.wait_for(p.b.drained("a"), 10)
        assert slow.got == [Ping(0), Ping(1)]
        assert p.a.stats["duplicates"] >= 1


async def test_replayed_hello_cannot_displace_the_live_connection() -> None:
    """A hello is MAC'd with the long-term secret, so it can be replayed; the replayer never
    learns the connection key and must not be able to close the peer's real connection."""
    async with pair() as p, aiohttp.ClientSession() as session:
        p.b.connect("a", p.a.url)
        assert await p.b.ref("a", "/rec").ask(Ping(1), timeout=5.0) == Pong(1)
        live = p.a._peers["b"].conn
        assert live is not None
        ws = await session.ws_connect(p.a.url)
        await ws.send_bytes(_hello_frame(SECRET)[0])  # a replayed (valid) hello of b
        reply = await ws.receive()
        assert reply.type == aiohttp.WSMsgType.BINARY  # the server's hello
        forged = seal(b"k" * 32, pack_envelope(TELL, 1, 0, "/rec", "b", encode(Ping(2))))
        await ws.send_bytes(forged)  # without the connection key
        msg = await ws.receive()
        assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        assert ws.close_code == aiohttp.WSCloseCode.POLICY_VIOLATION
        assert p.a._peers["b"].conn is live  # the real connection is untouched
        assert p.a.stats["connections"] == 1 and p.a.stats["auth_failures"] == 1
        assert await p.b.ref("a", "/rec").ask(Ping(3), timeout=5.0) == Pong(3)
        assert p.recorder.got == [Ping(1), Ping(3)]


def test_reloaded_outbox_with_everything_acknowledged_starts_at_next_seq(tmp_path: Path) -> None:
    from actorgrid.protocol.remote._outbox import Journal, Outbox

    journal = Journal(tmp_path / "j")
    box = Outbox("p", 10, journal)
    for seq in (1, 2, 3):
        box.append(seq, b"env%d" % seq)
    box.ack(3)
    journal.close()
    reloaded = Outbox("p", 10, Journal(tmp_path / "j"))
    assert (len(reloaded), reloaded.next_seq) == (0, 4)
    assert reloaded.first_seq == reloaded.next_seq  # nothing to resend, nothing to count
    assert reloaded.since(reloaded.first_seq, 1 << 20) == ([], 4)


async def test_replayed_server_hello_does_not_pass_for_a_connection() -> None:
    """The dialling side, too, trusts a connection only once the far side has proven it
    holds the fresh connection key; a replayed server hello alone is not enough."""
    from aiohttp import web

    done = asyncio.Event()

    async def impostor(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.receive()  # the client's hello
        await ws.send_bytes(_hello_frame(SECRET, node="a")[0])  # a replayed hello of a
        forged = seal(b"k" * 32, pack_envelope(TELL, 1, 0, "/rec", "a", encode(Ping(1))))
        with contextlib.suppress(ConnectionError, RuntimeError):
            await ws.send_bytes(forged)  # it cannot know the connection key
            while (await ws.receive()).type not in (
                aiohttp.WSMsgType.CLOSE,
                aiohttp.WSMsgType.CLOSED,
                aiohttp.WSMsgType.CLOSING,
            ):
                pass
        done.set()
        return ws

    app = web.Application()
    app.router.add_get("/actorgrid", impostor)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with (
            ActorSystem("b") as sb,
            RemoteNode(sb, "b", secrets={"a": SECRET}, backoff=(5.0, 5.0)) as b,
        ):
            b.connect("a", f"ws://127.0.0.1:{port}/actorgrid")
            await asyncio.wait_for(done.wait(), 10)
            assert b.stats["connections"] == 0
            assert not b.connected("a")
    finally:
        await runner.cleanup()


async def test_dialler_keeps_reconnecting_after_an_unexpected_error() -> None:
    """A bug or surprise while serving one connection must not end the dial loop for good."""
    async with pair() as p:
        real = p.b._receive_batch
        failures = [RuntimeError("surprise")]

        async def flaky(peer: object, conn: object, body: bytes) -> None:
            if failures:
                raise failures.pop()
            await real(peer, conn, body)  # type: ignore[arg-type]

        p.b._receive_batch = flaky  # type: ignore[method-assign]
        p.b.connect("a", p.a.url)
        assert await p.b.ref("a", "/rec").ask(Ping(1), timeout=5.0) == Pong(1)
        assert not failures and p.b.stats["connections"] >= 2


async def test_closing_the_node_releases_senders_and_drain_waiters() -> None:
    async with ActorSystem("b") as sb:
        node = RemoteNode(sb, "b", secrets={"a": SECRET}, max_outbox=1)
        await node.start()
        rec = node.ref("a", "/rec")
        rec.tell(Ping(0))  # the peer never connects: the outbox stays full
        sender = asyncio.create_task(rec.send(Ping(1)))
        drain = asyncio.create_task(node.drained("a"))
        await node.close()  # whether they were parked already or start only now
        for task in (sender, drain):
            with pytest.raises(ActorDied, match="node closed"):
                await asyncio.wait_for(task, 5)
