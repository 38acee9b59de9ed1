"""The ``actorgrid`` command line.

Sub-commands are contributed by the parts that own them; each such module exposes
``add_parser(subparsers)``, which registers its sub-command(s) and sets ``handler`` (a
callable taking the parsed namespace and returning an exit status) as a default.

* ``actorgrid demo [CONFIG]``, ``actorgrid tree CONFIG`` -- :mod:`actorgrid.actors.cli`
* ``actorgrid node --port N``                          -- :mod:`actorgrid.ledger.node.cli`
* ``actorgrid mam follow ROOT``                        -- :mod:`actorgrid.ledger.mam.cli`
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable, Sequence
from typing import Any

#: Modules that contribute sub-commands, in the order they appear in ``--help``.
COMMAND_MODULES = (
    "actorgrid.actors.cli",
    "actorgrid.ledger.node.cli",
    "actorgrid.ledger.mam.cli",
)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, with every sub-command registered."""
    parser = argparse.ArgumentParser(
        prog="actorgrid",
        description="A peer-to-peer energy grid of asyncio actors, paid on the IOTA ledger.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        module = importlib.import_module(name)
        add_parser: Callable[[Any], None] = module.add_parser
        add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the chosen sub-command; returns the exit status."""
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)
