"""actorgrid.protocol: typed immutable messages, one registry and a msgpack codec.

See ``registry`` for declaring messages and ``codec`` for the wire format. Remote actors
live in ``actorgrid.protocol.remote``; ``catalog.load_all()`` imports every message module.
"""

from actorgrid.protocol.codec import DEFAULT_MAX_FRAME, DecodeError, EncodeError, decode, encode
from actorgrid.protocol.registry import (
    REGISTRY,
    MaxLen,
    Message,
    MessageValidationError,
    Range,
    Registry,
    message,
    spec_of,
)

__all__ = [
    "DEFAULT_MAX_FRAME",
    "REGISTRY",
    "DecodeError",
    "EncodeError",
    "MaxLen",
    "Message",
    "MessageValidationError",
    "Range",
    "Registry",
    "decode",
    "encode",
    "message",
    "spec_of",
]
