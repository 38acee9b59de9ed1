"""Validation of IRI request parameters; every failure is a :class:`BadRequest`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from actorgrid.ledger.node.errors import BadRequest
from actorgrid.ledger.trytes import HASH_TRYTES, address_checksum, is_trytes

__all__ = [
    "MAX_LIST",
    "address_list",
    "hash_list",
    "integer",
    "trytes_list",
]

#: longest list accepted in any request field (IRI's maxGetTrytes default)
MAX_LIST: Final = 10_000


def _list(request: Mapping[str, Any], key: str, required: bool) -> list[Any] | None:
    if key not in request or request[key] is None:
        if required:
            raise BadRequest(f"Invalid params: '{key}' is required")
        return None
    value = request[key]
    if not isinstance(value, list):
        raise BadRequest(f"Invalid params: '{key}' must be a list")
    if len(value) > MAX_LIST:
        raise BadRequest(f"Invalid params: '{key}' has more than {MAX_LIST} entries")
    return value


def hash_list(
    request: Mapping[str, Any], key: str, *, required: bool = True, length: int = HASH_TRYTES
) -> list[str] | None:
    """A list of tryte strings of exactly ``length`` (hashes, bundles: 81; tags: 27)."""
    values = _list(request, key, required)
    if values is None:
        return None
    for value in values:
        if not is_trytes(value, length):
            raise BadRequest(f"Invalid {key} input: {str(value)[:100]!r}")
    return values


def address_list(
    request: Mapping[str, Any], key: str = "addresses", *, required: bool = True
) -> list[str] | None:
    """Addresses of 81 trytes, or 90 with a valid checksum (returned without it)."""
    values = _list(request, key, required)
    if values is None:
        return None
    out: list[str] = []
    for value in values:
        if is_trytes(value, HASH_TRYTES + 9):
            if address_checksum(value[:HASH_TRYTES]) != value[HASH_TRYTES:]:
                raise BadRequest(f"Invalid address checksum: {value}")
            value = value[:HASH_TRYTES]
        elif not is_trytes(value, HASH_TRYTES):
            raise BadRequest(f"Invalid address input: {str(value)[:100]!r}")
        out.append(value)
    return out


def trytes_list(request: Mapping[str, Any], key: str = "trytes") -> list[Any]:
    """A required, non-empty list (each element is checked by the transaction parser)."""
    values = _list(request, key, True)
    assert values is not None
    if not values:
        raise BadRequest(f"Invalid params: '{key}' is empty")
    return values


def integer(
    request: Mapping[str, Any],
    key: str,
    *,
    low: int,
    high: int,
    default: int | None = None,
) -> int:
    """An integer parameter within ``low..high`` (``default`` if absent and allowed)."""
    value = request.get(key)
    if value is None:
        if default is None:
            raise BadRequest(f"Invalid params: '{key}' is required")
        return default
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise BadRequest(f"Invalid {key} input: must be an integer in {low}..{high}")
    return value
