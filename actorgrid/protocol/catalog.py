"""The catalogue of message modules: ``load_all()`` makes the registry complete."""

from __future__ import annotations

import importlib

from actorgrid.protocol.registry import REGISTRY, Registry

__all__ = ["MESSAGE_MODULES", "load_all"]

MESSAGE_MODULES: tuple[str, ...] = (
    "actorgrid.protocol.control",
    "actorgrid.protocol.energy",
    "actorgrid.ledger.messages",
)
"""Every module that registers messages, in import order."""


def load_all() -> Registry:
    """Import every message module and return the (now complete) default registry.

    A module that does not exist yet is skipped; any other import failure (including a
    missing module *inside* one of them) propagates, so a broken message module is loud.
    """
    for name in MESSAGE_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return REGISTRY
