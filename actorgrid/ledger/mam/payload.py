"""JSON command payloads with hello / goodbye framing (as the reference PoC uses).

Every message on an actorgrid channel is a UTF-8 JSON object with a string ``command``
field, carried as trytes by ``object_to_trytes``. A channel opens with ``hello`` and
closes with ``goodbye``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import MamPayloadError
from .text import object_from_trytes, object_to_trytes

HELLO = "hello"
GOODBYE = "goodbye"


def encode_command(payload: Mapping[str, Any]) -> str:
    """Trytes of a JSON command object; raises ``MamPayloadError`` without ``command``."""
    command = payload.get("command")
    if not isinstance(command, str) or not command:
        raise MamPayloadError("a command payload needs a non-empty string 'command' field")
    try:
        return object_to_trytes(dict(payload))
    except (TypeError, ValueError) as exc:
        raise MamPayloadError(f"payload is not JSON-serialisable: {exc}") from exc


def command(name: str, **fields: Any) -> str:
    """Trytes of ``{"command": name, **fields}``."""
    return encode_command({"command": name, **fields})


def hello(**fields: Any) -> str:
    """The channel-opening ``hello`` message."""
    return command(HELLO, **fields)


def goodbye(**fields: Any) -> str:
    """The channel-closing ``goodbye`` message."""
    return command(GOODBYE, **fields)


def decode_command(trytes: str) -> dict[str, Any]:
    """The JSON command object in ``trytes``; ``MamPayloadError`` if it is not one."""
    try:
        value = object_from_trytes(trytes)
    except ValueError as exc:
        raise MamPayloadError(f"message is not JSON: {exc}") from exc
    if not isinstance(value, dict) or not isinstance(value.get("command"), str):
        raise MamPayloadError("message is not a JSON object with a string 'command'")
    return value
