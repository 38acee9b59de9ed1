"""Text and JSON ↔ trytes, as the reference's ``TrytesHelper`` / ``TextHelper`` (§14).

PyOTA's ``TryteString.from_unicode`` agrees only for pure ASCII (it encodes UTF-8 bytes),
so the reference's UTF-16 ``\\uXXXX`` escaping is reproduced here.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from ._trinary import ALPHABET, is_trytes

_POSITION = {ch: i for i, ch in enumerate(ALPHABET)}
_ESCAPE_RE = re.compile(r"\\u([0-9a-fA-F]{4})")


def from_ascii(text: str) -> str:
    """Two trytes per UTF-16 code unit (each must be < 729), low digit first."""
    out = []
    for unit in _utf16_units(text):
        if unit >= 729:
            raise ValueError("fromAscii only encodes code units below 729")
        out.append(ALPHABET[unit % 27] + ALPHABET[unit // 27])
    return "".join(out)


def to_ascii(trytes: str) -> str:
    """Inverse of ``from_ascii``; ``trytes`` must have even length."""
    if not is_trytes(trytes) or len(trytes) % 2:
        raise ValueError("toAscii needs an even-length tryte string")
    units = [_POSITION[trytes[i]] + 27 * _POSITION[trytes[i + 1]] for i in range(0, len(trytes), 2)]
    return _from_utf16_units(units)


def string_to_trytes(text: str) -> str:
    """Escape U+007F..U+FFFF code units as ``\\uxxxx``, then ``from_ascii``."""
    escaped = "".join(
        f"\\u{unit:04x}" if unit >= 0x7F else chr(unit) for unit in _utf16_units(text)
    )
    return from_ascii(escaped)


def string_from_trytes(trytes: str) -> str:
    """Inverse of ``string_to_trytes`` (strips trailing ``9`` padding first)."""
    stripped = trytes.rstrip("9")
    if len(stripped) % 2:
        stripped += "9"
    return _unescape(to_ascii(stripped))


def object_to_trytes(value: Any) -> str:
    """``JSON.stringify`` then ``string_to_trytes``.

    Integral floats are written as integers, as JavaScript does; other floats use
    Python's shortest repr, which matches JavaScript except for some exponent forms.
    """
    text = json.dumps(
        _js_numbers(value), separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return string_to_trytes(text)


def object_from_trytes(trytes: str) -> Any:
    """Inverse of ``object_to_trytes``; raises ``ValueError`` if it is not JSON.

    The escaped text is handed to the JSON parser as it is (JSON reads ``\\uXXXX`` and
    surrogate pairs itself): same result as the reference for everything it can read,
    and also correct for control characters and literal backslash-u in strings, where
    the reference's un-escape-then-parse fails.
    """
    stripped = trytes.rstrip("9")
    if len(stripped) % 2:
        stripped += "9"
    return json.loads(to_ascii(stripped))


def _js_numbers(value: Any) -> Any:
    if (
        isinstance(value, float)
        and math.isfinite(value)
        and value.is_integer()
        and abs(value) < 1e21
    ):
        return int(value)
    if isinstance(value, dict):
        return {k: _js_numbers(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_js_numbers(v) for v in value]
    return value


def _utf16_units(text: str) -> list[int]:
    data = text.encode("utf-16-le", "surrogatepass")
    return [int.from_bytes(data[i : i + 2], "little") for i in range(0, len(data), 2)]


def _from_utf16_units(units: list[int]) -> str:
    data = b"".join(u.to_bytes(2, "little") for u in units)
    return data.decode("utf-16-le", "surrogatepass")


def _unescape(text: str) -> str:
    raw = _ESCAPE_RE.sub(lambda m: chr(int(m.group(1), 16)), text)
    # Re-join surrogate pairs that were escaped separately; keep lone ones as they are.
    return raw.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
