"""The embedded IOTA tangle node: validation, SQLite tangle, IRI API, PyOTA adapter.

Example::

    from iota import Iota
    node = TangleNode("tangle.db", mwm=9, genesis=Genesis.from_toml("genesis.toml"))
    api = Iota(EmbeddedAdapter(node), seed)       # in-process, no HTTP
    # or: await serve(node, "127.0.0.1", 14265); Iota("http://127.0.0.1:14265", seed)
"""

from actorgrid.ledger.node.adapter import EmbeddedAdapter
from actorgrid.ledger.node.attach import attach_bundle
from actorgrid.ledger.node.errors import (
    BadRequest,
    GenesisError,
    InsufficientBalance,
    InvalidBundle,
    InvalidTransaction,
    NodeError,
    NotSolid,
)
from actorgrid.ledger.node.genesis import AddressFunding, Genesis, SeedFunding
from actorgrid.ledger.node.node import TangleNode
from actorgrid.ledger.node.server import NodeServer, create_app, serve, start_server

__all__ = [
    "AddressFunding",
    "BadRequest",
    "EmbeddedAdapter",
    "Genesis",
    "GenesisError",
    "InsufficientBalance",
    "InvalidBundle",
    "InvalidTransaction",
    "NodeError",
    "NodeServer",
    "NotSolid",
    "SeedFunding",
    "TangleNode",
    "attach_bundle",
    "create_app",
    "serve",
    "start_server",
]
