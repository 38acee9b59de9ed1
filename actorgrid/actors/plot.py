"""``--plot FILE.png``: energy per slot (produced, consumed, local, imported, exported) and the
clearing price, drawn with matplotlib's Agg backend (no display needed)."""

from __future__ import annotations

from pathlib import Path

from actorgrid.actors.results import RunResults

__all__ = ["write_plot"]


def write_plot(results: RunResults, path: str | Path) -> None:
    """Render the run as a two-panel PNG at ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    slots = [s.slot for s in results.slots]
    fig = Figure(figsize=(11, 7), dpi=100)
    ax_e, ax_p = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    kwh = 1000.0
    ax_e.plot(slots, [s.produced_wh / kwh for s in results.slots], label="produced")
    ax_e.plot(slots, [s.consumed_wh / kwh for s in results.slots], label="consumed")
    ax_e.fill_between(
        slots, [s.local_wh / kwh for s in results.slots], alpha=0.3, label="traded locally"
    )
    ax_e.plot(slots, [s.imported_wh / kwh for s in results.slots], "--", label="imported")
    ax_e.plot(slots, [s.exported_wh / kwh for s in results.slots], ":", label="exported")
    ax_e.set_ylabel("kWh per slot")
    ax_e.set_title(f"{results.grid}: {results.clearing_rule}, {results.slot_minutes}-min slots")
    ax_e.legend(loc="upper left", fontsize="small")
    ax_e.grid(alpha=0.3)
    priced = [s for s in results.slots if s.clearing_price is not None]
    ax_p.step(
        [s.slot for s in priced], [s.clearing_price for s in priced], where="mid", label="clearing"
    )
    ax_p.axhline(results.retail_i_per_kwh, color="red", lw=0.8, label="retail")
    ax_p.axhline(results.feed_in_i_per_kwh, color="green", lw=0.8, label="feed-in")
    ax_p.set_ylabel("i/kWh")
    ax_p.set_xlabel("slot")
    ax_p.legend(loc="upper left", fontsize="small")
    ax_p.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(str(path), format="png")
