"""Genesis snapshot: the confirmed balances a new tangle starts with.

Example TOML (top level or under ``[genesis]``)::

    [[genesis.addresses]]
    address = "XUERGHWTY...RX"          # 81 trytes (or 90 with checksum)
    balance = 1_000_000

    [[genesis.seeds]]
    seed = "AAAA...A"                  # funds `count` addresses from `index`
    index = 0
    count = 2
    balance = 500_000                  # per address
    security = 2
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from actorgrid.ledger.node.errors import GenesisError
from actorgrid.ledger.trytes import (
    HASH_TRYTES,
    MAX_SUPPLY,
    address_checksum,
    address_from_seed,
    is_trytes,
)

__all__ = ["AddressFunding", "Genesis", "SeedFunding"]


@dataclass(frozen=True, slots=True)
class AddressFunding:
    """``balance`` iotas on an explicit address."""

    address: str
    balance: int


@dataclass(frozen=True, slots=True)
class SeedFunding:
    """``balance`` iotas on each of ``count`` addresses of ``seed`` from ``index``."""

    seed: str = field(repr=False)
    balance: int
    index: int = 0
    count: int = 1
    security: int = 2


@dataclass(frozen=True, slots=True)
class Genesis:
    """A list of fundings; :meth:`balances` resolves them to address -> iotas."""

    entries: tuple[AddressFunding | SeedFunding, ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Genesis:
        """Build from ``{"addresses": [...], "seeds": [...], "balances": {addr: n}}``."""
        if not isinstance(data, Mapping):
            raise GenesisError("genesis must be a table")
        unknown = set(data) - {"addresses", "seeds", "balances"}
        if unknown:
            raise GenesisError(f"unknown genesis keys: {sorted(unknown)}")
        entries: list[AddressFunding | SeedFunding] = []
        for address, balance in _mapping(data.get("balances", {}), "balances").items():
            entries.append(AddressFunding(address, balance))
        for item in _list(data.get("addresses", []), "addresses"):
            entries.append(AddressFunding(item.get("address", ""), item.get("balance", 0)))
        for item in _list(data.get("seeds", []), "seeds"):
            extra = set(item) - {"seed", "balance", "index", "count", "security"}
            if extra:
                raise GenesisError(f"unknown seed funding keys: {sorted(extra)}")
            entries.append(
                SeedFunding(
                    seed=item.get("seed"),  # type: ignore[arg-type]
                    balance=item.get("balance"),  # type: ignore[arg-type]
                    index=item.get("index", 0),
                    count=item.get("count", 1),
                    security=item.get("security", 2),
                )
            )
        genesis = cls(tuple(entries))
        genesis.balances()  # validate now
        return genesis

    @classmethod
    def from_toml(cls, path: str | Path) -> Genesis:
        """Load a TOML file (the genesis table at top level or under ``[genesis]``)."""
        try:
            text = Path(path).read_text()
        except OSError as exc:
            raise GenesisError(f"cannot read genesis file: {exc}") from exc
        return cls.from_toml_text(text)

    @classmethod
    def from_toml_text(cls, text: str) -> Genesis:
        """Parse TOML text (the genesis table at top level or under ``[genesis]``)."""
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise GenesisError(f"invalid genesis TOML: {exc}") from exc
        return cls.from_dict(data.get("genesis", data))

    def balances(self) -> dict[str, int]:
        """Address (81 trytes) -> iotas, summed over entries; raises :class:`GenesisError`."""
        out: dict[str, int] = {}
        for entry in self.entries:
            for address, balance in _resolve(entry):
                out[address] = out.get(address, 0) + balance
        if sum(out.values()) > MAX_SUPPLY:
            raise GenesisError("genesis exceeds the IOTA supply")
        return out

    @property
    def total_supply(self) -> int:
        """Sum of all genesis balances."""
        return sum(self.balances().values())

    def fingerprint(self) -> str:
        """A digest of the resolved balances, stored with the tangle to detect mismatches."""
        return self.fingerprint_of(self.balances())

    @staticmethod
    def fingerprint_of(balances: Mapping[str, int]) -> str:
        """:meth:`fingerprint` from balances already resolved (seed addresses are costly)."""
        body = json.dumps(sorted(balances.items())).encode()
        return hashlib.sha256(body).hexdigest()


def _resolve(entry: AddressFunding | SeedFunding) -> list[tuple[str, int]]:
    _check_balance(entry.balance)
    if isinstance(entry, AddressFunding):
        return [(_check_address(entry.address), entry.balance)]
    if not is_trytes(entry.seed) or not 0 < len(entry.seed) <= HASH_TRYTES:
        raise GenesisError("genesis seed must be 1..81 trytes")
    for name in ("index", "count", "security"):
        value = getattr(entry, name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise GenesisError(f"genesis seed {name} must be a non-negative integer")
    if entry.security not in (1, 2, 3) or not 1 <= entry.count <= 10_000:
        raise GenesisError("genesis seed needs security 1..3 and count 1..10000")
    return [
        (address_from_seed(entry.seed, i, entry.security), entry.balance)
        for i in range(entry.index, entry.index + entry.count)
    ]


def _check_balance(balance: object) -> None:
    if not isinstance(balance, int) or isinstance(balance, bool) or not 0 < balance <= MAX_SUPPLY:
        raise GenesisError("genesis balance must be a positive integer within the supply")


def _check_address(address: object) -> str:
    if is_trytes(address, HASH_TRYTES + 9):
        assert isinstance(address, str)
        if address_checksum(address[:HASH_TRYTES]) != address[HASH_TRYTES:]:
            raise GenesisError(f"genesis address checksum invalid: {address}")
        address = address[:HASH_TRYTES]
    if not is_trytes(address, HASH_TRYTES):
        raise GenesisError(f"genesis address must be 81 trytes: {address!r}")
    assert isinstance(address, str)
    if address[-1] not in "9ABCDWXYZ":
        raise GenesisError(f"genesis address is not a Kerl address (last trit): {address}")
    return address


def _mapping(value: object, name: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise GenesisError(f"genesis {name} must be a table")
    return value


def _list(value: object, name: str) -> Sequence[Mapping[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise GenesisError(f"genesis {name} must be a list of tables")
    return value
