"""The connection handshake: one ``Hello`` each way, MAC'd with the per-peer secret.

The client speaks first with its name, session, stream epoch and a fresh nonce; the
server checks the MAC with the secret it holds for that name and answers likewise. Both
then derive the per-connection MAC key from the secret and the two nonces.

A hello alone proves nothing about liveness (it is MAC'd with the long-term secret, so a
recorded one can be replayed). Key confirmation follows in ``RemoteNode``: the client
sends a first frame under the connection key, and only then does the server install the
connection (replacing any older one) and answer under that key; the client installs it
once that answer verifies.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from actorgrid.protocol.codec import decode as decode_message
from actorgrid.protocol.codec import encode
from actorgrid.protocol.control import Hello
from actorgrid.protocol.remote._envelope import (
    HELLO,
    MAC_LEN,
    envelopes,
    pack_envelope,
    seal,
    unseal,
)

__all__ = [
    "PROTOCOL_VERSION",
    "HandshakeFailed",
    "check_client_hello",
    "check_server_hello",
    "hello_frame",
    "new_nonce",
]

PROTOCOL_VERSION = 1


class HandshakeFailed(Exception):
    """The peer's hello is missing, malformed, unauthenticated or from the wrong node."""


def new_nonce() -> bytes:
    """A fresh 32-byte nonce for one connection attempt."""
    return secrets.token_bytes(32)


def hello_frame(secret: bytes, node: str, session: int, epoch: int, nonce: bytes) -> bytes:
    """The sealed hello frame of ``node``."""
    hello = Hello(node, PROTOCOL_VERSION, session, epoch, nonce)
    return seal(secret, pack_envelope(HELLO, payload=encode(hello)))


def check_client_hello(
    frame: bytes, peer_secrets: Mapping[str, bytes], max_frame: int
) -> tuple[str, Hello]:
    """Server side: the authenticated hello of a known peer, and that peer's name."""
    if len(frame) <= MAC_LEN:
        raise HandshakeFailed("hello without MAC")
    hello = _read_hello(frame[MAC_LEN:], max_frame)  # parsed, but not yet trusted
    secret = peer_secrets.get(hello.node)
    if secret is None:
        raise HandshakeFailed(f"unknown peer {hello.node!r}")
    unseal(secret, frame)  # raises ProtocolViolation("bad MAC")
    if hello.protocol != PROTOCOL_VERSION:
        raise HandshakeFailed(f"protocol {hello.protocol} unsupported")
    return hello.node, hello


def check_server_hello(frame: bytes, secret: bytes, expected: str, max_frame: int) -> Hello:
    """Client side: the authenticated hello of the peer we dialled."""
    hello = _read_hello(unseal(secret, frame), max_frame)
    if hello.node != expected:
        raise HandshakeFailed(f"expected {expected!r}, got {hello.node!r}")
    return hello


def _read_hello(body: bytes, max_frame: int) -> Hello:
    items = list(envelopes(body, max_frame))
    if len(items) != 1 or items[0].kind != HELLO:
        raise HandshakeFailed("expected exactly one hello envelope")
    hello = decode_message(items[0].payload, max_size=max_frame)
    if not isinstance(hello, Hello) or len(hello.nonce) < 16:
        raise HandshakeFailed("malformed hello")
    return hello
