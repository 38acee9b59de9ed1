"""Signing/PoW worker processes end with the process that spawned them, even on kill -9."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

CHILD = textwrap.dedent(
    """
    import asyncio, os, sys
    from actorgrid.ledger.workers import LedgerWorkers

    async def main() -> None:
        workers = LedgerWorkers("process", max_workers=1)
        pid = await workers.run(os.getpid)
        print(pid, flush=True)
        await asyncio.sleep(120)

    if __name__ == "__main__":
        asyncio.run(main())
    """
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (exited, not yet reaped by init) counts as gone
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split()[2] == "Z")


def test_workers_exit_when_their_parent_is_killed(tmp_path: Path) -> None:
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        worker = int(parent.stdout.readline())
        assert _alive(worker)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=30)
        deadline = time.monotonic() + 30
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.05)  # polling an external process; no event to wait on
        assert not _alive(worker), "worker outlived its parent"
    finally:
        parent.kill()


def test_workers_outlive_the_thread_that_started_them() -> None:
    """A pool first used from a short-lived thread (an executor thread of a node, say) keeps
    its workers when that thread ends: only the parent process's death ends them."""
    import threading
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from actorgrid.ledger.workers import _lower_priority

    pool = ProcessPoolExecutor(
        1, mp_context=get_context("spawn"), initializer=_lower_priority, initargs=(None,)
    )
    try:
        pids: list[int] = []
        starter = threading.Thread(target=lambda: pids.append(pool.submit(os.getpid).result()))
        starter.start()
        starter.join()
        assert _alive(pids[0])
        # the starting thread is gone; the worker still serves
        assert pool.submit(os.getpid).result(timeout=30) == pids[0]
        assert pool.submit(sum, [1, 2, 3]).result(timeout=30) == 6
    finally:
        pool.shutdown(wait=True)
