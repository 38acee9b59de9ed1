"""The supervision tree of a grid as plain data, and its printer (``actorgrid tree CONFIG``).

Layout (paths as the runtime names them)::

    /                       root supervisor (one_for_one)
    /ledger                 supervisor of the ledger
    /ledger/writer          the ledger actor (single writer to the tangle)
    /ledger/mam             the MAM stream publisher (when MAM is on)
    /grid                   supervisor of the grid's subtree
    /grid/operator          the Grid actor (clearing, billing, payouts, utility)
    /grid/<producer>        one supervisor per producer
    /grid/<producer>/agent  the Producer actor
    /grid/<producer>/<src>  its Source actors
    /grid/consumers         supervisor of the consumers
    /grid/consumers/<id>    Consumer actors

The tree is built first as :class:`TreeNode` data so it can be printed and compared without
starting anything (OTP's "behaviour as data").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from actorgrid.actors.spec import GridSpec

__all__ = [
    "CONSUMERS",
    "GRID",
    "LEDGER",
    "LEDGER_MAM",
    "LEDGER_WRITER",
    "OPERATOR",
    "PRODUCER_AGENT",
    "TreeNode",
    "grid_tree",
    "render_tree",
]

LEDGER = "ledger"
LEDGER_WRITER = "writer"
LEDGER_MAM = "mam"
GRID = "grid"
OPERATOR = "operator"
CONSUMERS = "consumers"
PRODUCER_AGENT = "agent"


@dataclass(frozen=True, slots=True)
class TreeNode:
    """One node: a supervisor (``children`` set) or a worker actor."""

    name: str
    kind: str  # "supervisor" | "ledger" | "grid" | "producer" | "source" | "consumer"
    restart: str = "permanent"
    strategy: str | None = None  # supervisors only
    detail: str = ""
    children: tuple[TreeNode, ...] = field(default_factory=tuple)

    @property
    def is_supervisor(self) -> bool:
        """True for supervisor nodes."""
        return self.kind == "supervisor"

    def walk(self, prefix: str = "") -> list[tuple[str, TreeNode]]:
        """(path, node) for this node and every descendant, depth first."""
        path = f"{prefix}/{self.name}" if self.name else (prefix or "/")
        out = [(path, self)]
        for child in self.children:
            out.extend(child.walk("" if path == "/" else path))
        return out


def grid_tree(spec: GridSpec) -> TreeNode:
    """The supervision tree for ``spec``."""
    producers = tuple(
        TreeNode(
            p.id,
            "supervisor",
            strategy="one_for_one",
            children=(
                TreeNode(PRODUCER_AGENT, "producer", detail=f"{p.id}, asks {p.price} i/kWh"),
                *(TreeNode(s.id, "source", detail=_profile_text(s.profile)) for s in p.sources),
            ),
        )
        for p in spec.producers
    )
    consumers = TreeNode(
        CONSUMERS,
        "supervisor",
        strategy="one_for_one",
        children=tuple(
            TreeNode(c.id, "consumer", detail=f"{_profile_text(c.profile)}, max {c.max_price}")
            for c in spec.consumers
        ),
    )
    grid = TreeNode(
        GRID,
        "supervisor",
        strategy="one_for_one",
        children=(
            TreeNode(OPERATOR, "grid", detail=f"rule {spec.clearing_rule}"),
            *producers,
            consumers,
        ),
    )
    ledger = TreeNode(
        LEDGER,
        "supervisor",
        strategy="one_for_one",
        children=(
            TreeNode(LEDGER_WRITER, "ledger", detail=f"embedded node, mwm {spec.ledger.mwm}"),
        ),
    )
    return TreeNode("", "supervisor", strategy="one_for_one", children=(ledger, grid))


def render_tree(root: TreeNode) -> str:
    """Box-drawing text of the tree, one node per line."""
    lines = [f"/ ({_label(root)})"]
    _render_children(root, "", lines)
    return "\n".join(lines)


def _render_children(node: TreeNode, indent: str, lines: list[str]) -> None:
    for i, child in enumerate(node.children):
        last = i == len(node.children) - 1
        lines.append(f"{indent}{'└── ' if last else '├── '}{child.name} ({_label(child)})")
        _render_children(child, indent + ("    " if last else "│   "), lines)


def _label(node: TreeNode) -> str:
    if node.is_supervisor:
        return f"supervisor, {node.strategy}"
    text = f"{node.kind}, {node.restart}"
    return f"{text}: {node.detail}" if node.detail else text


def _profile_text(profile: Mapping[str, Any]) -> str:
    return str(profile.get("kind", "?"))
