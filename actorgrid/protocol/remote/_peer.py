"""What a node keeps about each peer and about the live connection to it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

from actorgrid.protocol.remote._outbox import Outbox
from actorgrid.protocol.remote._ref import RemoteRef
from actorgrid.runtime import ActorRef

__all__ = ["Connection", "Peer"]


@dataclass(slots=True)
class Connection:
    """One authenticated websocket to a peer."""

    ws: web.WebSocketResponse | aiohttp.ClientWebSocketResponse
    key: bytes  # per-connection MAC key
    peer_epoch: int  # the peer's outgoing stream on this connection
    cursor: int  # next own seq to transmit on this connection
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    ack_due: bool = True  # tell the peer our receive state first thing


class Peer:
    """Everything one node keeps about one peer."""

    def __init__(self, name: str, secret: bytes, outbox: Outbox) -> None:
        self.name = name
        self.secret = secret
        self.outbox = outbox
        self.url: str | None = None
        self.conn: Connection | None = None
        self.rx: dict[int, int | None] = {}  # peer stream epoch -> highest delivered seq
        # Held while a frame's envelopes are checked against ``rx`` and delivered: a
        # replacement connection must not re-deliver what an old one is still delivering.
        self.rx_lock = asyncio.Lock()
        self.down = False
        self.down_timer: asyncio.TimerHandle | None = None
        self.watchers: dict[RemoteRef, set[ActorRef]] = {}
        self.room: list[asyncio.Future[None]] = []  # senders waiting for outbox room
        self.drained: list[asyncio.Future[None]] = []  # waiters for an empty outbox
