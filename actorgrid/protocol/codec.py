"""The msgpack codec for registered messages.

Wire form: one msgpack array ``[tag, major, minor, field1, field2, ...]``; nested messages
are ``[minor, field1, ...]`` (their class is fixed by the schema), tuples are arrays, enums
travel by value. Fields are positional, in declaration order, which is why a new minor
version may only append fields (see the README's forward-compatibility rule).

Decoding never executes code or builds arbitrary objects: the msgpack unpacker runs with
``strict_map_key``, an ext hook that rejects every extension type, and length limits
bounded by the frame; only registered message classes are ever instantiated, and only
through their validating constructors.
"""

from __future__ import annotations

from typing import Any

import msgpack

from actorgrid.protocol.registry import (
    PACKERS,
    REGISTRY,
    Message,
    MessageValidationError,
    Registry,
)

__all__ = ["DEFAULT_MAX_FRAME", "DecodeError", "EncodeError", "decode", "encode"]

DEFAULT_MAX_FRAME = 64 * 1024
"""Default frame size limit in bytes, for both encode and decode."""

_PACKERS = PACKERS
_DECODERS = REGISTRY.decoders
_unpackb = msgpack.unpackb


class DecodeError(ValueError):
    """Bytes that are not a valid, known, supported message. The message says why."""


class EncodeError(ValueError):
    """A message cannot be encoded (not registered, or larger than the frame limit)."""


def _reject_ext(code: int, data: bytes) -> Any:
    raise DecodeError(f"msgpack extension type {code} is not allowed")


def encode(msg: Message, *, max_size: int = DEFAULT_MAX_FRAME) -> bytes:
    """Encode a registered message to bytes; ``EncodeError`` if above ``max_size``."""
    try:
        pack = _PACKERS[msg.__class__]
    except KeyError:
        raise EncodeError(f"{type(msg).__qualname__} is not a registered message") from None
    data = pack(msg)
    if len(data) > max_size:
        raise EncodeError(
            f"{type(msg).__qualname__}: encoded size {len(data)} exceeds frame limit {max_size}"
        )
    return data


def decode(
    data: bytes | bytearray | memoryview,
    *,
    max_size: int = DEFAULT_MAX_FRAME,
    registry: Registry | None = None,
) -> Message:
    """Decode bytes produced by :func:`encode`. Anything invalid raises ``DecodeError``.

    ``registry`` defaults to the process-wide ``REGISTRY``.
    """
    if registry is None and len(data) <= max_size:
        # Fast path: valid frames of the default registry. Any failure is re-done on the
        # careful path below, which raises the precise DecodeError (failures are rare, and
        # everything here is deterministic). unpackb bounds max_{str,bin,array,map,ext}_len
        # by len(data) <= max_size itself; strict_map_key and raw=False are its defaults.
        try:
            wire = _unpackb(data, use_list=False, ext_hook=_reject_ext)
            return _DECODERS[wire[0]](wire)  # type: ignore[no-any-return]
        except Exception:  # explained on the careful path
            pass
    return _decode_careful(data, max_size, REGISTRY if registry is None else registry)


def _decode_careful(
    data: bytes | bytearray | memoryview, max_size: int, registry: Registry
) -> Message:
    """Decode step by step, turning every failure into a DecodeError that says why."""
    if len(data) > max_size:
        raise DecodeError(f"frame of {len(data)} bytes exceeds limit {max_size}")
    n = len(data)
    try:
        wire = _unpackb(
            data,
            use_list=False,
            raw=False,
            strict_map_key=True,
            ext_hook=_reject_ext,
            max_str_len=n,
            max_bin_len=n,
            max_array_len=n,
            max_map_len=n,
            max_ext_len=n,
        )
    except DecodeError:
        raise
    except Exception as exc:  # msgpack raises ValueError subclasses, TypeError, ...
        raise DecodeError(f"not a valid msgpack frame: {exc}") from None
    _explain_header(wire)
    from_wire = registry.decoders.get(wire[0])
    if from_wire is None:
        raise DecodeError(f"unknown message tag {wire[0]!r:.80}")
    try:
        return from_wire(wire)  # type: ignore[no-any-return]
    except MessageValidationError as exc:
        raise DecodeError(f"{wire[0]}: {exc}") from None
    except (ValueError, TypeError) as exc:  # e.g. raised by a message's own __post_init__
        raise DecodeError(f"{wire[0]}: invalid message: {exc}") from None
    except Exception as exc:  # a message's own __post_init__ may raise anything
        raise DecodeError(f"{wire[0]}: invalid message: {type(exc).__name__}: {exc}") from None


def _explain_header(wire: Any) -> None:
    """Raise DecodeError if ``wire`` does not even look like ``[tag, major, minor, ...]``."""
    if wire.__class__ is not tuple or len(wire) < 3:
        raise DecodeError("not a message: expected an array [tag, major, minor, ...]")
    if wire[0].__class__ is not str or wire[1].__class__ is not int or wire[2].__class__ is not int:
        raise DecodeError("not a message: bad tag/version header")
