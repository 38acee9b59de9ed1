"""The ``actorgrid`` command line: ``demo``, ``node``, ``tree``, ``mam``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the chosen sub-command; returns the exit status."""
    parser = argparse.ArgumentParser(prog="actorgrid", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="run the demo grid")
    args = parser.parse_args(argv)
    if args.command == "demo":
        print("actorgrid demo: not built yet", file=sys.stderr)
        return 1
    return 2
