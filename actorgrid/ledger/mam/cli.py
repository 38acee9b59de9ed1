"""``actorgrid mam follow ROOT [--side-key K] [--node URL]``: audit a channel.

Prints one line per verified message (``n<TAB>root<TAB>decoded``; JSON messages as
compact JSON, others as text) and each rejected bundle on stderr. Exit status 1 if any
bundle was rejected, 2 on errors (bad root, node unreachable).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any, TextIO, cast

from .channel import MODES, Mode
from .errors import MamError
from .subscriber import MamSubscriber, ReceivedMessage, RejectedMessage

DEFAULT_NODE = "http://127.0.0.1:14265"


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``mam`` (with ``follow``) on the top-level ``actorgrid`` sub-parsers.

    The chosen handler is ``args.handler(args) -> int``.
    """
    mam = cast(argparse.ArgumentParser, subparsers.add_parser("mam", help="MAM channels"))
    mam_sub = mam.add_subparsers(dest="mam_command", required=True)
    follow = mam_sub.add_parser("follow", help="print the verified messages of a channel")
    follow.add_argument("root", help="root of the first message to read (81 trytes)")
    follow.add_argument("--side-key", help="side key of a restricted channel")
    follow.add_argument(
        "--mode",
        choices=MODES,
        help="default: restricted with a side key, else public (private if nothing is public)",
    )
    follow.add_argument("--node", default=DEFAULT_NODE, help=f"node URL (default {DEFAULT_NODE})")
    follow.add_argument("--watch", action="store_true", help="keep following new messages")
    follow.add_argument("--interval", type=float, default=2.0, help="poll interval with --watch")
    follow.add_argument("--limit", type=int, default=None, help="stop after N messages")
    follow.set_defaults(handler=run_follow)
    return mam


def run_follow(args: argparse.Namespace, out: TextIO | None = None, api: Any = None) -> int:
    """Run ``mam follow`` with parsed ``args``; ``api`` overrides ``--node`` (tests).

    ``out`` defaults to the ``sys.stdout`` of the moment of the call (not of import).
    """
    out = sys.stdout if out is None else out
    try:
        if api is None:
            from iota import Iota

            api = Iota(args.node)  # ValueError (InvalidUri) for a malformed URL
        sub = _subscriber(api, args)
    except (MamError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        if args.watch:
            asyncio.run(_watch(sub, args, out))
        else:
            for n, message in enumerate(sub.poll(args.limit)):
                print(format_message(n, message), file=out, flush=True)
            for bad in sub.rejected:
                print(_rejection(bad), file=sys.stderr)
    except MamError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 1 if sub.rejected else 0


def format_message(n: int, message: ReceivedMessage) -> str:
    """One output line: number, root and the decoded message."""
    try:
        decoded = json.dumps(message.json(), ensure_ascii=False, separators=(",", ":"))
    except ValueError:
        try:
            decoded = message.text()
        except ValueError:
            decoded = message.message
    return f"{n}\t{message.root}\t{decoded}"


def _subscriber(api: Any, args: argparse.Namespace) -> MamSubscriber:
    mode = cast(Mode | None, args.mode)
    if mode is not None or args.side_key:
        return MamSubscriber(api, args.root, args.side_key, mode)
    public = MamSubscriber(api, args.root, None, "public")
    if public.has_bundles():
        return public
    return MamSubscriber(api, args.root, None, "private")


async def _watch(sub: MamSubscriber, args: argparse.Namespace, out: TextIO) -> None:
    n, reported = 0, 0
    while args.limit is None or n < args.limit:
        remaining = None if args.limit is None else args.limit - n
        batch = await sub.poll_async(remaining)
        for message in batch:
            print(format_message(n, message), file=out, flush=True)
            n += 1
        for bad in sub.rejected[reported:]:
            print(_rejection(bad), file=sys.stderr, flush=True)
        reported = len(sub.rejected)
        if not batch:
            await asyncio.sleep(args.interval)


def _rejection(bad: RejectedMessage) -> str:
    return f"REJECTED bundle {bad.bundle_hash} at {bad.address}: {bad.error}"
