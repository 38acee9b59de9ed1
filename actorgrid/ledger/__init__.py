"""actorgrid.ledger: wallets, the durable journal and the ledger actor (single tangle writer).

Public face (the embedded node is :mod:`actorgrid.ledger.node`, MAM is
:mod:`actorgrid.ledger.mam`)::

    from actorgrid.ledger import LedgerActor, LedgerConfig, NodeClient, load_seed
    from actorgrid.ledger.messages import TransferRequest, TransferConfirmed, PublishRequest

    config = LedgerConfig(
        journal_path="ledger.db",
        node=lambda: NodeClient.connect("http://127.0.0.1:14265"),
        wallets={"grid": load_seed("grid", "keys.json")},
    )
    ledger = await system.spawn(lambda: LedgerActor(config), name="ledger")

Submodules are imported lazily, so ``import actorgrid.ledger.node`` stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from actorgrid.ledger.actor import PUBLISH_LANE, LedgerActor, LedgerConfig, LedgerCrash
    from actorgrid.ledger.journal import Journal, JournalError
    from actorgrid.ledger.keystore import (
        KeystoreError,
        SecretSeed,
        generate_keystore,
        load_keystore,
        load_seed,
    )
    from actorgrid.ledger.node_client import NodeClient, NodeError
    from actorgrid.ledger.wallet import Wallet
    from actorgrid.ledger.workers import LedgerWorkers

__all__ = [
    "PUBLISH_LANE",
    "Journal",
    "JournalError",
    "KeystoreError",
    "LedgerActor",
    "LedgerConfig",
    "LedgerCrash",
    "LedgerWorkers",
    "NodeClient",
    "NodeError",
    "SecretSeed",
    "Wallet",
    "generate_keystore",
    "load_keystore",
    "load_seed",
]

_WHERE = {
    "PUBLISH_LANE": "actor",
    "LedgerActor": "actor",
    "LedgerConfig": "actor",
    "LedgerCrash": "actor",
    "Journal": "journal",
    "JournalError": "journal",
    "KeystoreError": "keystore",
    "SecretSeed": "keystore",
    "generate_keystore": "keystore",
    "load_keystore": "keystore",
    "load_seed": "keystore",
    "NodeClient": "node_client",
    "NodeError": "node_client",
    "Wallet": "wallet",
    "LedgerWorkers": "workers",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'actorgrid.ledger' has no attribute {name!r}")
    return getattr(importlib.import_module(f"actorgrid.ledger.{module}"), name)
