"""Three processes over loopback websockets; one producer is killed and restarted mid-way.

The grid process records every (sender, k) it receives and reports how many distinct ones
it saw and how many duplicates reached the application; the test expects all of them
exactly once.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

import pytest

N = 1500  # messages per sender

CHILD = r"""
import asyncio, json, logging, sys
from dataclasses import dataclass
from typing import Annotated
from actorgrid.protocol import Message, MaxLen, Range, message
from actorgrid.protocol.remote import RemoteNode
from actorgrid.runtime import Actor, ActorSystem

@message("test.mp.reading", version=1)
@dataclass(frozen=True, slots=True)
class Reading(Message):
    sender: Annotated[str, MaxLen(16)]
    k: Annotated[int, Range(0, 10**9)]

@message("test.mp.query", version=1)
@dataclass(frozen=True, slots=True)
class Query(Message):
    sender: Annotated[str, MaxLen(16)]

@message("test.mp.count", version=1)
@dataclass(frozen=True, slots=True)
class Count(Message):
    distinct: int
    duplicates: int

SECRETS = {name: (name + "-shared-secret-0123").encode() for name in ("p1", "p2", "c1")}

class Grid(Actor):
    def __init__(self, expected):
        self.seen, self.dups, self.expected, self.asks = set(), 0, expected, 0
    async def on_receive(self, m):
        if isinstance(m, Query):
            self.asks += 1
            return Count(len(self.seen), self.dups)
        key = (m.sender, m.k)
        if key in self.seen:
            self.dups += 1
        self.seen.add(key)
        if len(self.seen) == self.expected:
            print("RESULT", json.dumps({"distinct": len(self.seen), "duplicates": self.dups,
                                        "asks": self.asks}), flush=True)

async def grid(n):
    async with ActorSystem("grid") as system:
        ref = await system.spawn(lambda: Grid(3 * n), name="grid")
        async with RemoteNode(system, "grid", secrets=SECRETS) as node:
            node.expose(ref)
            print("URL", node.url, flush=True)
            await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
            # on stdin EOF: the final count, which includes anything that arrived late
            final = await ref.ask(Query("grid"), timeout=10)
            print("FINAL", json.dumps({"distinct": final.distinct,
                                       "duplicates": final.duplicates}), flush=True)

async def sender(name, url, n, journal):
    async with ActorSystem(name) as system:
        async with RemoteNode(system, name, secrets={"grid": SECRETS[name]},
                              journal=journal or None) as node:
            node.connect("grid", url)
            grid = node.ref("grid", "/grid")
            start = node.sent_count("grid")
            print("START", start, flush=True)
            for k in range(start, n):
                await grid.send(Reading(name, k))
                if k % 50 == 0:
                    print("SENT", k, flush=True)
                    await asyncio.sleep(0.002)  # pace, so the kill lands mid-stream
                if name.startswith("c") and k % 100 == 0:
                    count = await grid.ask(Query(name), timeout=10)
                    assert isinstance(count, Count) and count.duplicates == 0, count
            await node.drained("grid")
            print("DONE", flush=True)
            await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)

mode = sys.argv[1]
logging.basicConfig(level=logging.INFO, format=f"%(asctime)s {mode} %(name)s %(message)s")
if mode == "grid":
    asyncio.run(grid(int(sys.argv[2])))
else:
    asyncio.run(sender(mode, sys.argv[2], int(sys.argv[3]), sys.argv[4]))
"""


class Child:
    """A child process running CHILD; we read its stdout lines."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    @classmethod
    async def start(cls, *args: str) -> Child:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", CHILD, *args,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=env,
        )  # fmt: skip
        return cls(proc)

    async def line_starting(self, prefix: str, timeout: float = 60) -> str:  # noqa: ASYNC109
        async with asyncio.timeout(timeout):
            assert self.proc.stdout is not None
            while True:
                raw = await self.proc.stdout.readline()
                if not raw:
                    raise AssertionError(
                        f"child exited (rc={self.proc.returncode}) before {prefix}"
                    )
                line = raw.decode().strip()
                if line.startswith(prefix):
                    return line

    async def stop(self) -> None:
        if self.proc.returncode is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                async with asyncio.timeout(10):
                    await self.proc.wait()
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()

    async def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()


@pytest.mark.slow
async def test_killed_producer_restarts_without_loss_or_duplicates(tmp_path: Path) -> None:
    journal = str(tmp_path / "p1.journal")
    children: list[Child] = []
    try:
        grid = await Child.start("grid", str(N))
        children.append(grid)
        url = (await grid.line_starting("URL")).split()[1]
        p1 = await Child.start("p1", url, str(N), journal)
        p2 = await Child.start("p2", url, str(N), str(tmp_path / "p2.journal"))
        c1 = await Child.start("c1", url, str(N), "")
        children += [p1, p2, c1]
        await p1.line_starting(f"SENT {N // 3 // 50 * 50}")
        await p1.kill()  # SIGKILL: no clean shutdown, the journal is all that survives
        p1_again = await Child.start("p1", url, str(N), journal)
        children.append(p1_again)
        resumed = int((await p1_again.line_starting("START")).split()[1])
        assert 0 < resumed < N  # it did not start over, and had work left
        result = json.loads((await grid.line_starting("RESULT", timeout=120)).split(" ", 1)[1])
        assert result["distinct"] == 3 * N
        assert result["duplicates"] == 0
        assert result["asks"] >= N // 100
        for child in (p1_again, p2, c1):
            await child.line_starting("DONE")  # every sender's outbox is acknowledged
        assert grid.proc.stdin is not None
        grid.proc.stdin.close()
        final = json.loads((await grid.line_starting("FINAL")).split(" ", 1)[1])
        assert final == {"distinct": 3 * N, "duplicates": 0}  # nothing late, nothing twice
    finally:
        for child in children:
            await child.stop()
