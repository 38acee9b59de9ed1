"""``python -m actorgrid.ledger.mam check FILE``: run a MAM v0 vector file."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .check import main as check_main


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m actorgrid.ledger.mam")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="check a MAM v0 vector file")
    check.add_argument("file")
    args = parser.parse_args(argv)
    return check_main(args.file)


if __name__ == "__main__":
    sys.exit(main())
