"""``actorgrid node``: serve a tangle node over the IRI HTTP API."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from typing import Any

from actorgrid.ledger.node.errors import NodeError
from actorgrid.ledger.node.genesis import Genesis
from actorgrid.ledger.node.node import TangleNode
from actorgrid.ledger.node.server import serve

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``node`` on an ``argparse`` sub-parsers object; handler in ``handler``."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "node",
        help="run the embedded IOTA tangle node over HTTP (IRI API)",
        description="Serve a validated, SQLite-backed IOTA tangle over the IRI HTTP API.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=14265, help="TCP port (default 14265)")
    parser.add_argument(
        "--db", default="tangle.db", help="SQLite file ('' for in-memory; default tangle.db)"
    )
    parser.add_argument("--mwm", type=int, default=9, help="minimum weight magnitude (9)")
    parser.add_argument("--genesis", default=None, help="genesis snapshot TOML file")
    parser.add_argument(
        "--milestone-interval",
        type=float,
        default=5.0,
        help="seconds between milestones; 0 confirms on every store (default 5)",
    )
    parser.set_defaults(handler=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Build the node from ``args`` and serve it until interrupted; returns exit status."""
    try:
        genesis = Genesis.from_toml(args.genesis) if args.genesis else None
        node = TangleNode(
            args.db or None,
            mwm=args.mwm,
            genesis=genesis,
            milestone_interval=args.milestone_interval,
        )
    except (NodeError, ValueError, OSError) as exc:
        print(f"actorgrid node: {exc}", file=sys.stderr)
        return 2
    print(
        f"actorgrid node: serving http://{args.host}:{args.port} (mwm {args.mwm}, "
        f"db {args.db or ':memory:'})",
        file=sys.stderr,
    )
    try:
        asyncio.run(_serve_until_signal(node, args.host, args.port))
    finally:
        node.close()
    return 0


async def _serve_until_signal(node: TangleNode, host: str, port: int) -> None:
    """Serve until SIGINT/SIGTERM, then shut down cleanly (database closed by caller)."""
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, task.cancel)
    with contextlib.suppress(asyncio.CancelledError):
        await serve(node, host, port)
