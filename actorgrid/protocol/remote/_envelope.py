"""Wire envelopes of the remote layer and their authentication.

A websocket binary message is ``mac || body``: ``mac`` is HMAC-SHA256 (32 bytes) over
``body`` and ``body`` is one or more msgpack envelopes back to back (a batch)::

    (kind, seq, corr, target, sender, payload, timeout_ms)

``seq`` numbers the reliable envelopes (tell/ask/reply/fail) of one sender stream,
``corr`` ties a reply to its ask, ``target`` is the exposed actor path, ``sender`` the
sending node's name, ``payload`` codec bytes, ``timeout_ms`` an ask's timeout.

The two handshake messages are MAC'd with the per-peer secret; every later message with a
per-connection key derived from the secret and both sides' fresh nonces, so frames of an
old connection cannot be replayed into a new one.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Any, NamedTuple

import msgpack

__all__ = [
    "ACK",
    "ASK",
    "FAIL",
    "HELLO",
    "MAC_LEN",
    "MAX_PATH",
    "RELIABLE",
    "REPLY",
    "TELL",
    "Envelope",
    "ProtocolViolation",
    "conn_key",
    "envelopes",
    "pack_envelope",
    "seal",
    "unseal",
]

HELLO, TELL, ASK, REPLY, FAIL, ACK = 0, 1, 2, 3, 4, 5
RELIABLE = frozenset({TELL, ASK, REPLY, FAIL})
MAC_LEN = 32
MAX_PATH = 1024
_U64 = 2**64 - 1


class ProtocolViolation(Exception):
    """A peer sent something the protocol does not allow; the connection is closed."""


class Envelope(NamedTuple):
    """One decoded envelope."""

    kind: int
    seq: int
    corr: int
    target: str
    sender: str
    payload: bytes
    timeout_ms: int


_pack = msgpack.Packer(autoreset=True).pack


def pack_envelope(
    kind: int,
    seq: int = 0,
    corr: int = 0,
    target: str = "",
    sender: str = "",
    payload: bytes = b"",
    timeout_ms: int = 0,
) -> bytes:
    """Pack one envelope (no MAC; see :func:`seal`)."""
    data: bytes = _pack((kind, seq, corr, target, sender, payload, timeout_ms))
    return data


def seal(key: bytes, body: bytes) -> bytes:
    """``mac || body``."""
    return hmac.digest(key, body, "sha256") + body


def unseal(key: bytes, frame: bytes) -> bytes:
    """Check the MAC of ``frame`` and return its body; ``ProtocolViolation`` if wrong."""
    if len(frame) <= MAC_LEN:
        raise ProtocolViolation("frame too short to carry a MAC")
    body = frame[MAC_LEN:]
    if not hmac.compare_digest(hmac.digest(key, body, "sha256"), frame[:MAC_LEN]):
        raise ProtocolViolation("bad MAC")
    return body


def conn_key(secret: bytes, client_nonce: bytes, server_nonce: bytes) -> bytes:
    """The per-connection MAC key."""
    return hmac.digest(secret, b"actorgrid-remote/1|" + client_nonce + server_nonce, "sha256")


def _reject_ext(code: int, data: bytes) -> Any:
    raise ProtocolViolation(f"msgpack extension type {code} in an envelope")


def envelopes(body: bytes, max_payload: int) -> Iterator[Envelope]:
    """Iterate the envelopes of a batch body, checking each one's shape and sizes."""
    unpacker = msgpack.Unpacker(
        use_list=False,
        raw=False,
        strict_map_key=True,
        ext_hook=_reject_ext,
        max_buffer_size=len(body) or 1,
        max_bin_len=max_payload,
        max_str_len=MAX_PATH,
        max_array_len=7,
        max_map_len=0,
        max_ext_len=0,
    )
    unpacker.feed(body)
    try:
        for item in unpacker:
            yield _check(item)
    except ProtocolViolation:
        raise
    except Exception as exc:  # msgpack's ValueError family: truncated, too long, ...
        raise ProtocolViolation(f"malformed envelope: {exc}") from None


def _check(item: Any) -> Envelope:
    if item.__class__ is not tuple or len(item) != 7:
        raise ProtocolViolation("envelope is not a 7-item array")
    kind, seq, corr, target, sender, payload, timeout_ms = item
    if not (
        kind.__class__ is int
        and HELLO <= kind <= ACK
        and seq.__class__ is int
        and 0 <= seq <= _U64
        and corr.__class__ is int
        and 0 <= corr <= _U64
        and target.__class__ is str
        and sender.__class__ is str
        and payload.__class__ is bytes
        and timeout_ms.__class__ is int
        and 0 <= timeout_ms <= 2**32
    ):
        raise ProtocolViolation("envelope fields have wrong types or ranges")
    return Envelope(kind, seq, corr, target, sender, payload, timeout_ms)
