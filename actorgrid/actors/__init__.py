"""actorgrid.actors: the energy entities as actors, and the run that drives them.

>>> from actorgrid.actors import load_grid_spec, run_grid, TangleLedger, format_summary
>>> spec = load_grid_spec("config/demo.toml")
>>> results = asyncio.run(run_grid(spec, ledger=TangleLedger(spec)))
>>> print(format_summary(results))

* :class:`SourceActor`, :class:`ProducerActor`, :class:`ConsumerActor`, :class:`GridActor`:
  thin shells around :mod:`actorgrid.market` (clearing, settlement, payment policy).
* :func:`run_grid` (``actors.run``): builds the supervision tree (:func:`grid_tree` prints
  it), runs the slots on a ``SimClock`` or ``WallClock``, injects :class:`Fault` s, settles,
  returns plain :class:`RunResults`.
* :func:`build_report` / :func:`format_summary` / :func:`write_report` / :func:`write_plot`.
* Payments: :class:`TangleLedger` (ledger actor + embedded node + MAM streams) or the
  books-only :class:`BookLedger`.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from actorgrid.actors.configure import grid_spec_from_config, load_grid_spec, without_ledger
    from actorgrid.actors.consumer import ConsumerActor
    from actorgrid.actors.grid import GridActor
    from actorgrid.actors.payments import BookLedger, LedgerPort
    from actorgrid.actors.plot import write_plot
    from actorgrid.actors.producer import ProducerActor
    from actorgrid.actors.report import build_report, format_summary, write_report
    from actorgrid.actors.results import LedgerFigures, ParticipantResult, RunResults, SlotResult
    from actorgrid.actors.run import Fault, RunError, run_grid
    from actorgrid.actors.source import SourceActor
    from actorgrid.actors.spec import (
        ConsumerSpec,
        GridSpec,
        LedgerSpec,
        ProducerSpec,
        SourceSpec,
        TimingSpec,
    )
    from actorgrid.actors.tangle import TangleLedger
    from actorgrid.actors.tree import TreeNode, grid_tree, render_tree

# Imported lazily: ``actorgrid --help`` and ``actorgrid node`` need none of this.
_LAZY = {
    "BookLedger": "actorgrid.actors.payments",
    "ConsumerActor": "actorgrid.actors.consumer",
    "ConsumerSpec": "actorgrid.actors.spec",
    "Fault": "actorgrid.actors.run",
    "GridActor": "actorgrid.actors.grid",
    "GridSpec": "actorgrid.actors.spec",
    "LedgerFigures": "actorgrid.actors.results",
    "LedgerPort": "actorgrid.actors.payments",
    "LedgerSpec": "actorgrid.actors.spec",
    "ParticipantResult": "actorgrid.actors.results",
    "ProducerActor": "actorgrid.actors.producer",
    "ProducerSpec": "actorgrid.actors.spec",
    "RunError": "actorgrid.actors.run",
    "RunResults": "actorgrid.actors.results",
    "SlotResult": "actorgrid.actors.results",
    "SourceActor": "actorgrid.actors.source",
    "SourceSpec": "actorgrid.actors.spec",
    "TangleLedger": "actorgrid.actors.tangle",
    "TimingSpec": "actorgrid.actors.spec",
    "TreeNode": "actorgrid.actors.tree",
    "build_report": "actorgrid.actors.report",
    "format_summary": "actorgrid.actors.report",
    "grid_spec_from_config": "actorgrid.actors.configure",
    "grid_tree": "actorgrid.actors.tree",
    "load_grid_spec": "actorgrid.actors.configure",
    "render_tree": "actorgrid.actors.tree",
    "run_grid": "actorgrid.actors.run",
    "without_ledger": "actorgrid.actors.configure",
    "write_plot": "actorgrid.actors.plot",
    "write_report": "actorgrid.actors.report",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


__all__ = [
    "BookLedger",
    "ConsumerActor",
    "ConsumerSpec",
    "Fault",
    "GridActor",
    "GridSpec",
    "LedgerFigures",
    "LedgerPort",
    "LedgerSpec",
    "ParticipantResult",
    "ProducerActor",
    "ProducerSpec",
    "RunError",
    "RunResults",
    "SlotResult",
    "SourceActor",
    "SourceSpec",
    "TangleLedger",
    "TimingSpec",
    "TreeNode",
    "build_report",
    "format_summary",
    "grid_spec_from_config",
    "grid_tree",
    "load_grid_spec",
    "render_tree",
    "run_grid",
    "without_ledger",
    "write_plot",
    "write_report",
]
