"""``actorgrid demo [CONFIG]`` and ``actorgrid tree CONFIG``."""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from actorgrid.actors.results import SlotResult
from actorgrid.runtime import run as run_on_precise_loop

__all__ = ["DEFAULT_CONFIG", "add_parser", "main_demo", "main_tree"]

DEFAULT_CONFIG = Path("config/demo.toml")


def add_parser(subparsers: Any) -> None:
    """Register ``demo`` and ``tree`` on an argparse sub-parser collection."""
    demo = subparsers.add_parser(
        "demo",
        help="run a grid (default config/demo.toml) and print its summary",
        description="Run a grid described by CONFIG: its sources, producers, consumers and "
        "grid as supervised actors, paying on the embedded IOTA node, with MAM audit "
        "channels; prints progress and a summary at the end.",
    )
    demo.add_argument("config", nargs="?", default=str(DEFAULT_CONFIG), help="grid TOML file")
    demo.add_argument("--report", metavar="FILE", help="write the summary as JSON to FILE")
    demo.add_argument("--plot", metavar="FILE.png", help="draw energy and prices to FILE.png")
    demo.add_argument(
        "--clock", choices=("sim", "wall"), help="simulated (fast) or wall-clock (live) time"
    )
    demo.add_argument(
        "--speed",
        type=float,
        default=1.0,
        metavar="X",
        help="run the clock X times faster than real time (e.g. --clock wall --speed 60: "
        "a 15-minute slot every 15 s)",
    )
    demo.add_argument(
        "--no-ledger",
        action="store_true",
        help="books-only payments, no tangle and no MAM (for a quick look at the market)",
    )
    demo.add_argument(
        "--mam-every",
        type=int,
        default=24,
        metavar="N",
        help="publish each entity's MAM stream every N slots (default 24; 0 disables MAM)",
    )
    demo.add_argument(
        "--payout-every",
        type=int,
        default=1,
        metavar="N",
        help="pay producers every N slots (statements stay per slot; default 1)",
    )
    demo.add_argument(
        "--ledger-dir",
        metavar="DIR",
        help="keep the tangle, journal and MAM channels in DIR (serve it afterwards with "
        "`actorgrid node --db DIR/tangle.sqlite` and read a stream with `actorgrid mam follow`)",
    )
    demo.add_argument(
        "--crash",
        action="append",
        default=[],
        type=_crash_spec,
        metavar="ENTITY@SLOT",
        help="crash ENTITY in the middle of SLOT (repeatable); its supervisor restarts it and "
        "the run's figures must not change",
    )
    demo.add_argument("--quiet", action="store_true", help="no progress lines")
    demo.set_defaults(handler=main_demo)

    tree = subparsers.add_parser(
        "tree", help="print the supervision tree of a grid", description="Print the tree."
    )
    tree.add_argument("config", help="grid TOML file")
    tree.set_defaults(handler=main_tree)


def main_tree(args: argparse.Namespace) -> int:
    """Print the supervision tree of ``args.config``."""
    from actorgrid.actors.configure import grid_spec_from_config
    from actorgrid.actors.tree import grid_tree, render_tree
    from actorgrid.config import ConfigError, load_config

    try:
        spec = grid_spec_from_config(load_config(args.config, check_profiles=False))
    except ConfigError as exc:
        print(f"actorgrid tree: invalid config: {exc}", file=sys.stderr)
        return 2
    print(render_tree(grid_tree(spec)))
    return 0


def main_demo(args: argparse.Namespace) -> int:
    """Run the grid of ``args.config`` and print (and optionally write) its summary."""
    from actorgrid.actors.configure import grid_spec_from_config, without_ledger
    from actorgrid.actors.plot import write_plot
    from actorgrid.actors.report import format_summary, write_report
    from actorgrid.actors.run import Fault, run_grid
    from actorgrid.config import ConfigError, load_config

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(_one_line_injected_crashes)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"actorgrid demo: invalid config: {exc}", file=sys.stderr)
        return 2
    mam_every = max(0, args.mam_every)
    if not args.speed > 0 or args.payout_every < 1:
        print("actorgrid demo: --speed must be > 0 and --payout-every >= 1", file=sys.stderr)
        return 2
    spec = grid_spec_from_config(
        config, clock=args.clock, mam_every=max(1, mam_every), speed=args.speed
    )
    spec = replace(spec, payout_every=args.payout_every)
    if args.ledger_dir:
        spec = replace(spec, ledger=replace(spec.ledger, db_path=args.ledger_dir))
    if args.no_ledger:
        spec = without_ledger(spec)
    elif mam_every == 0:
        spec = replace(spec, ledger=replace(spec.ledger, mam_enabled=False))
    out = sys.stdout
    print(
        f"actorgrid demo: {spec.name}: {len(spec.producers)} producers, "
        f"{len(spec.sources)} sources, {len(spec.consumers)} consumers, {spec.slots} slots "
        f"of {spec.slot_minutes} min, clock {spec.clock}, "
        f"ledger {'embedded node' if spec.ledger.enabled else 'books only'}",
        file=out,
        flush=True,
    )
    unknown = sorted({entity for entity, _ in args.crash} - _entity_ids(spec))
    if unknown:
        print(f"actorgrid demo: --crash: unknown entity {', '.join(unknown)}", file=sys.stderr)
        return 2
    faults = [Fault(at_s=(slot + 0.5) * spec.slot_s, entity=entity) for entity, slot in args.crash]
    progress = None if args.quiet else _Progress(spec.slots, out)
    results = run_on_precise_loop(
        run_grid(spec, ledger=_ledger_for(spec), progress=progress, faults=faults)
    )
    print(format_summary(results), file=out)
    if args.report:
        write_report(results, args.report)
        print(f"report written to {args.report}", file=out)
    if args.plot:
        write_plot(results, args.plot)
        print(f"plot written to {args.plot}", file=out)
    return 0


def _one_line_injected_crashes(record: logging.LogRecord) -> bool:
    """Log a crash injected with ``--crash`` as one line (it is expected, not a bug)."""
    from actorgrid.actors.control import InjectedCrash

    error = record.exc_info[1] if record.exc_info else None
    if isinstance(error, InjectedCrash):
        record.msg = f"{record.getMessage()}: {error} (its supervisor restarts it)"
        record.args = None
        record.exc_info = None
        record.exc_text = None
    return True


def _crash_spec(text: str) -> tuple[str, int]:
    """Parse ``ENTITY@SLOT`` for ``--crash``."""
    entity, sep, slot = text.rpartition("@")
    if not sep or not entity or not slot.isdigit():
        raise argparse.ArgumentTypeError(f"expected ENTITY@SLOT, got {text!r}")
    return entity, int(slot)


def _entity_ids(spec: Any) -> set[str]:
    """Every entity a fault may name: the grid, producers, sources and consumers."""
    ids = {spec.name}
    ids.update(p.id for p in spec.producers)
    ids.update(s.id for _, s in spec.sources)
    ids.update(c.id for c in spec.consumers)
    return ids


def _ledger_for(spec: Any) -> Any:
    if not spec.ledger.enabled:
        return None
    from actorgrid.actors.tangle import TangleLedger

    return TangleLedger(spec)


class _Progress:
    """Prints one line every few cleared slots."""

    def __init__(self, slots: int, out: TextIO) -> None:
        self.slots = slots
        self.out = out
        self.every = max(1, slots // 12)

    def __call__(self, result: SlotResult) -> None:
        done = result.slot + 1
        if done % self.every and done != self.slots:
            return
        price = "-" if result.clearing_price is None else f"{result.clearing_price} i/kWh"
        print(
            f"  slot {done:>4}/{self.slots}: produced {result.produced_wh:>8} Wh, "
            f"consumed {result.consumed_wh:>8} Wh, local {result.local_wh:>8} Wh, "
            f"price {price}",
            file=self.out,
            flush=True,
        )
