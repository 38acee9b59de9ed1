"""Generic control messages: acknowledgements, errors, hello/goodbye, ping/pong.

These are domain-free; the remote layer uses ``Hello``, ``Goodbye``, ``Ping``/``Pong`` and
answers a failed remote ``ask`` with ``ErrorReply``. Actors may use ``Ack``/``Nack`` and
``ErrorReply`` as generic replies.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Annotated

from actorgrid.protocol.registry import MaxLen, Message, Range, message

__all__ = [
    "Ack",
    "ErrorCode",
    "ErrorReply",
    "Goodbye",
    "Hello",
    "Nack",
    "Ping",
    "Pong",
]

NodeName = Annotated[str, MaxLen(128)]
Detail = Annotated[str, MaxLen(1024)]
RequestId = Annotated[int, Range(0, 2**64 - 1)]


class ErrorCode(enum.IntEnum):
    """Why a request failed, as carried by :class:`ErrorReply`."""

    UNKNOWN_TARGET = 1  # no exported actor at that path
    ACTOR_DIED = 2  # the actor stopped or crashed while handling the request
    TIMEOUT = 3  # the actor did not answer in time
    MAILBOX_FULL = 4  # the actor rejected the message
    BAD_MESSAGE = 5  # the payload did not decode, or the reply could not be encoded
    INTERNAL = 6  # any other failure on the far side


@message("control.ack", version=1)
@dataclass(frozen=True, slots=True)
class Ack(Message):
    """Request ``ref`` was accepted."""

    ref: RequestId


@message("control.nack", version=1)
@dataclass(frozen=True, slots=True)
class Nack(Message):
    """Request ``ref`` was refused, with a reason."""

    ref: RequestId
    reason: Detail


@message("control.error", version=1)
@dataclass(frozen=True, slots=True)
class ErrorReply(Message):
    """A request failed on the far side; the remote ``ask`` raises a typed error from it."""

    code: ErrorCode
    detail: Detail


@message("control.hello", version=1)
@dataclass(frozen=True, slots=True)
class Hello(Message):
    """First frame of a connection: who speaks, and which wire protocol version."""

    node: NodeName
    protocol: Annotated[int, Range(0, 0xFFFF)]
    session: RequestId  # random per process start: lets the peer notice a restart
    epoch: RequestId = 0  # identifies the sender's outgoing message stream (see remote)
    nonce: Annotated[bytes, MaxLen(64)] = b""  # fresh per connection attempt


@message("control.goodbye", version=1)
@dataclass(frozen=True, slots=True)
class Goodbye(Message):
    """The sender is leaving on purpose (not a crash)."""

    node: NodeName
    reason: Detail = ""


@message("control.ping", version=1)
@dataclass(frozen=True, slots=True)
class Ping(Message):
    """Liveness probe; answered with a ``Pong`` carrying the same nonce."""

    nonce: RequestId


@message("control.pong", version=1)
@dataclass(frozen=True, slots=True)
class Pong(Message):
    """Answer to ``Ping``."""

    nonce: RequestId
