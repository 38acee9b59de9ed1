"""``actorgrid node`` argument parsing and start-up errors."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from actorgrid.ledger.node.cli import add_parser, run


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="actorgrid")
    add_parser(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def test_parser_options() -> None:
    argv = "node --port 15000 --db x.db --mwm 5 --genesis g.toml --milestone-interval 2.5"
    args = _parse(argv.split())
    assert (args.port, args.db, args.mwm, args.genesis) == (15000, "x.db", 5, "g.toml")
    assert args.milestone_interval == 2.5
    assert args.handler is run
    defaults = _parse(["node"])
    assert (defaults.port, defaults.mwm, defaults.milestone_interval) == (14265, 9, 5.0)


@pytest.mark.parametrize(
    "extra",
    [["--genesis", "missing.toml"], ["--mwm", "0"], ["--milestone-interval", "-1"]],
)
def test_bad_configuration_exits_2(
    tmp_path: Path, extra: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    args = _parse(["node", "--db", str(tmp_path / "t.db"), *extra])
    assert run(args) == 2
    assert "actorgrid node:" in capsys.readouterr().err
