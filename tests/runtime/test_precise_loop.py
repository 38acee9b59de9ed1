"""The precise event loop: epoll readiness, microsecond waits, and asyncio on top of it."""

from __future__ import annotations

import asyncio
import selectors
import socket
import sys

import pytest

import actorgrid.runtime as rt
from actorgrid.runtime import _loop

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="epoll")


def test_a_fractional_millisecond_wait_is_passed_on_exactly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    waits: list[float] = []
    real_select = _loop.select.select

    def spy(r: list[int], w: list[int], x: list[int], timeout: float) -> object:
        waits.append(timeout)
        return real_select(r, w, x, timeout)

    monkeypatch.setattr(_loop.select, "select", spy)
    with rt.PreciseEpollSelector() as sel:
        assert sel.select(0.00025) == []
        assert sel.select(0) == []  # no wait: straight to epoll
        assert sel.select(0.002) == []  # whole milliseconds: epoll is exact
    assert waits == [0.00025]  # epoll alone would have waited 1 ms


def test_ready_descriptors_are_reported_as_by_epoll() -> None:
    a, b = socket.socketpair()
    with a, b, rt.PreciseEpollSelector() as sel:
        key = sel.register(a, selectors.EVENT_READ, data="reader")
        assert sel.select(0.0003) == []
        b.send(b"x")
        assert sel.select(0.0003) == [(key, selectors.EVENT_READ)]
        assert sel.select(None) == [(key, selectors.EVENT_READ)]


def test_actor_system_runs_on_the_precise_loop() -> None:
    class Echo(rt.Actor):
        async def on_receive(self, message: object) -> object:
            return message

    async def main() -> tuple[object, bool]:
        loop = asyncio.get_running_loop()
        precise = isinstance(getattr(loop, "_selector", None), rt.PreciseEpollSelector)
        async with rt.ActorSystem("precise") as system:
            ref = await system.spawn(Echo, name="echo")
            reply = await ref.ask("ping", timeout=5)
            # timers and socket I/O on the same loop
            await asyncio.sleep(0.0005)
            server = await _echo_server()
            host, port = server.sockets[0].getsockname()[:2]
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(b"hello\n")
            line = await reader.readline()
            writer.close()
            await writer.wait_closed()
            server.close()
            await server.wait_closed()
        return (reply, line), precise

    (reply, precise) = rt.run(main())
    assert reply == ("ping", b"hello\n")
    assert precise


async def _echo_server() -> asyncio.Server:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(await reader.readline())
        await writer.drain()
        writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0)
