"""Seeds for wallets: loaded from a keystore file (mode 0600) or ``ACTORGRID_SEED_<ENTITY>``.

A seed is the whole wallet: anyone who reads it can spend every iota of the entity. This module
therefore never logs or prints one: :class:`SecretSeed` masks itself in ``repr``/``str`` and error
messages name the entity, never the value.

Keystore file format (JSON, owner-only permissions, e.g. ``chmod 600 keys.json``)::

    {"seeds": {"grid": "ABC...9", "consumer-1": "XYZ...9"}}
"""

from __future__ import annotations

import json
import os
import re
import secrets
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Final

__all__ = [
    "ENV_PREFIX",
    "InvalidSeedError",
    "KeystoreError",
    "KeystorePermissionError",
    "SecretSeed",
    "SeedNotFoundError",
    "env_var_for",
    "generate_keystore",
    "load_keystore",
    "load_seed",
]

ENV_PREFIX: Final = "ACTORGRID_SEED_"
SEED_LEN: Final = 81
_TRYTES: Final = "9ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_SEED_RE: Final = re.compile(r"^[9A-Z]{81}$")


class KeystoreError(Exception):
    """Base class of keystore errors; messages never contain a seed."""


class KeystorePermissionError(KeystoreError):
    """The keystore file is readable or writable by group or others."""


class SeedNotFoundError(KeystoreError, KeyError):
    """No seed is configured for the entity (neither environment nor keystore file)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "seed not found"


class InvalidSeedError(KeystoreError, ValueError):
    """A configured seed is not 81 trytes (``[9A-Z]``)."""


class SecretSeed:
    """An 81-tryte IOTA seed that refuses to show itself.

    ``repr``/``str`` print ``SecretSeed(<redacted>)``; use :meth:`reveal` only to hand the value
    to the signing code. Pickling is allowed (the signing worker process needs the seed), so never
    pickle one anywhere else.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str) or not _SEED_RE.match(value):
            raise InvalidSeedError("a seed must be exactly 81 trytes [9A-Z]")
        self._value = value

    @classmethod
    def generate(cls) -> SecretSeed:
        """A fresh random seed from the operating system's CSPRNG."""
        return cls("".join(secrets.choice(_TRYTES) for _ in range(SEED_LEN)))

    def reveal(self) -> str:
        """The seed's trytes. Pass them straight to signing code; never log them."""
        return self._value

    def __repr__(self) -> str:
        return "SecretSeed(<redacted>)"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretSeed) and secrets.compare_digest(self._value, other._value)

    def __hash__(self) -> int:
        return hash(("SecretSeed", self._value))

    def __getstate__(self) -> str:
        return self._value

    def __setstate__(self, state: str) -> None:
        self._value = state


def env_var_for(entity: str) -> str:
    """The environment variable holding ``entity``'s seed: ``ACTORGRID_SEED_<ENTITY>``.

    The entity id is upper-cased and every character outside ``[A-Z0-9]`` becomes ``_``
    (``consumer-1`` -> ``ACTORGRID_SEED_CONSUMER_1``).
    """
    return ENV_PREFIX + re.sub(r"[^A-Z0-9]", "_", entity.upper())


def load_seed(
    entity: str,
    keystore: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> SecretSeed:
    """The seed of ``entity``: the environment variable wins over the keystore file.

    Raises :class:`SeedNotFoundError` if neither has it, :class:`KeystorePermissionError` if the
    file is accessible to group/others, :class:`InvalidSeedError` for a malformed seed.
    """
    env = os.environ if environ is None else environ
    value = env.get(env_var_for(entity))
    if value is not None:
        try:
            return SecretSeed(value.strip())
        except InvalidSeedError:
            raise InvalidSeedError(f"{env_var_for(entity)} is not an 81-tryte seed") from None
    if keystore is not None:
        seeds = load_keystore(keystore)
        if entity in seeds:
            return seeds[entity]
    raise SeedNotFoundError(
        f"no seed for entity {entity!r}: set {env_var_for(entity)} or add it to the keystore"
    )


def load_keystore(path: str | os.PathLike[str]) -> dict[str, SecretSeed]:
    """All seeds of a keystore file; refuses files with any group/other permission bits."""
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise KeystoreError(f"keystore {p} does not exist") from None
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeystorePermissionError(
            f"keystore {p} has mode {stat.S_IMODE(st.st_mode):o}; run: chmod 600 {p}"
        )
    try:
        raw = json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise KeystoreError(f"keystore {p} is not valid JSON") from None
    seeds = raw.get("seeds") if isinstance(raw, dict) else None
    if not isinstance(seeds, dict):
        raise KeystoreError(f'keystore {p} must be a JSON object {{"seeds": {{entity: seed}}}}')
    out: dict[str, SecretSeed] = {}
    for entity, value in seeds.items():
        try:
            out[str(entity)] = SecretSeed(value)
        except InvalidSeedError:
            raise InvalidSeedError(f"keystore {p}: seed of {entity!r} is not 81 trytes") from None
    return out


def generate_keystore(path: str | os.PathLike[str], entities: Iterable[str]) -> None:
    """Create a new keystore file (mode 0600, never overwrites) with a random seed per entity."""
    p = Path(path)
    body = json.dumps({"seeds": {e: SecretSeed.generate().reveal() for e in entities}}, indent=2)
    fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(body + "\n")
