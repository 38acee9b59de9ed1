"""Declarative grid description: load and validate ``config/*.toml``.

>>> config = load_config("config/demo.toml")
>>> config.calendar().slots, config.tariffs.retail, [c.id for c in config.consumers][:2]

Every problem raises :class:`ConfigError` naming the key path and what is wrong, e.g.
``entities.consumers[3].profile.annual_kwh: must be > 0, got -5``; nothing is half-loaded.
The schema (all money in whole iotas, prices in iotas per kWh; ``?`` = optional)::

    [grid]      name, slot_minutes? (15), start (TOML date/datetime or ISO string; a date
                or naive time is UTC), slots? (96), clock? ("sim" | "wall"),
                reading_grace_s? (30.0: how long a producer waits for late readings)
    [tariffs]   retail_i_per_kwh, feed_in_i_per_kwh, and at most one of
                grid_fee_i_per_kwh (int) | grid_fee_share (0 <= share < 1, e.g. 0.2 or "1/5")
    [clearing]  rule? ("pay_as_clear" | "pay_as_bid" | "fixed"),
                producer_rate_i_per_kwh (only and required for "fixed")
    [payments]  threshold_i? (1), batch_i? (1)
    [ledger]    node? ("embedded" | "http://host:port"), mwm? (9), depth? (3),
                milestone_interval_s? (1.0), genesis? {grid_i, utility_i, consumer_i,
                producer_i} (default balance of each wallet; an entity's balance_i wins)
    [mam]       enabled? (true), security? (2: 1..3), mode? ("public"|"private"|"restricted")
    [seeds]     source? ("demo" | "env" | "keystore"), keystore? (path, for "keystore"),
                demo_phrase? (for "demo": seeds are derived from it — NOT secret)
    [[entities.producers]]           id, asking_price_i_per_kwh, balance_i?
      [[entities.producers.sources]] id, profile
    [[entities.consumers]]           id, max_price_i_per_kwh, profile, balance_i?

A ``profile`` is a table whose ``kind`` selects the model; it is handed unchanged (csv
paths made absolute) to :func:`actorgrid.profiles.make_profile`::

    {kind = "pv", kwp, tilt, azimuth}           {kind = "wind", turbine_type, hub_height, count?}
    {kind = "csv", path, column}                {kind = "fixed", wh}
    {kind = "random", min_wh, max_wh, seed}     {kind = "bdew", profile = "H25"|"G25", annual_kwh}

(plus the optional keys the profiles package documents). Ids are 1-64 characters of
``[A-Za-z0-9_.-]`` and unique across the grid name, ``utility``, producers, sources and
consumers. Values must fit the wire messages: prices at most 10**9 i/kWh, balances at
most the IOTA supply, at most 2**32 slots.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from fractions import Fraction
from hashlib import shake_256
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

from actorgrid.market import (
    DEFAULT_RULE,
    RULES,
    ClearingRule,
    GridFee,
    Iota,
    PaymentPolicy,
    PerKwhFee,
    Price,
    ShareFee,
    SlotCalendar,
    Tariffs,
    rule_by_name,
)
from actorgrid.protocol.energy import MAX_IOTA, MAX_PRICE, MAX_SLOT

if TYPE_CHECKING:
    from actorgrid.ledger.keystore import SecretSeed

__all__ = [
    "PROFILE_KEYS",
    "UTILITY_ID",
    "ClearingConfig",
    "ConfigError",
    "ConsumerConfig",
    "GridConfig",
    "GridSection",
    "LedgerConfig",
    "MamConfig",
    "ProducerConfig",
    "SeedsConfig",
    "SourceConfig",
    "demo_seed",
    "load_config",
    "parse_config",
]

UTILITY_ID: Final = "utility"
"""Wallet name of the external utility (buyer and seller of last resort)."""

PROFILE_KEYS: Final[Mapping[str, tuple[str, ...]]] = {
    "pv": ("kwp", "tilt", "azimuth"),
    "wind": ("turbine_type", "hub_height"),
    "csv": ("path", "column"),
    "fixed": ("wh",),
    "random": ("min_wh", "max_wh", "seed"),
    "bdew": ("profile", "annual_kwh"),
}
"""Required keys of each profile kind (the profiles package checks the rest)."""

_ID_RE: Final = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_TRYTES: Final = "9ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class ConfigError(ValueError):
    """An invalid grid description; ``path`` is the offending key (``a.b[3].c``)."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}" if path else problem)


@dataclass(frozen=True, slots=True)
class GridSection:
    """Slot timing and clock of the grid."""

    name: str
    slot_minutes: int
    start: datetime
    slots: int
    clock: Literal["sim", "wall"]
    reading_grace_s: float


@dataclass(frozen=True, slots=True)
class ClearingConfig:
    """The clearing rule by name, with its parameters."""

    rule: str
    params: Mapping[str, int]

    def build(self) -> ClearingRule:
        """The configured rule (see :mod:`actorgrid.market.rules`)."""
        return rule_by_name(self.rule, **self.params)


@dataclass(frozen=True, slots=True)
class LedgerConfig:
    """Where the tangle is and the genesis balances of the wallets."""

    node: str
    mwm: int
    depth: int
    milestone_interval_s: float
    genesis: Mapping[str, Iota]

    @property
    def embedded(self) -> bool:
        """Whether the grid runs its own in-process node."""
        return self.node == "embedded"


@dataclass(frozen=True, slots=True)
class MamConfig:
    """MAM audit channels."""

    enabled: bool
    security: int
    mode: Literal["public", "private", "restricted"]


@dataclass(frozen=True, slots=True)
class SeedsConfig:
    """Where wallet seeds come from; ``demo`` derives NON-SECRET seeds from a phrase."""

    source: Literal["demo", "env", "keystore"]
    keystore: Path | None
    demo_phrase: str

    def seed_for(self, entity_id: str) -> SecretSeed:
        """The seed of ``entity_id``'s wallet.

        ``demo``: derived from ``demo_phrase`` (public, for demos and tests only);
        ``env``/``keystore``: :func:`actorgrid.ledger.keystore.load_seed` (the environment
        variable ``ACTORGRID_SEED_<ID>`` wins over the keystore file).
        """
        from actorgrid.ledger.keystore import SecretSeed, load_seed

        if self.source == "demo":
            return SecretSeed(demo_seed(self.demo_phrase, entity_id))
        return load_seed(entity_id, self.keystore)


@dataclass(frozen=True, slots=True)
class SourceConfig:
    """A source and the plain-dict spec of its generation profile."""

    id: str
    profile: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ProducerConfig:
    """A producer, its asking price (i/kWh) and its sources."""

    id: str
    asking_price: Price
    sources: tuple[SourceConfig, ...]
    balance_i: Iota | None = None


@dataclass(frozen=True, slots=True)
class ConsumerConfig:
    """A consumer, its maximum price (i/kWh, fee included) and its load profile."""

    id: str
    max_price: Price
    profile: Mapping[str, Any]
    balance_i: Iota | None = None


@dataclass(frozen=True, slots=True)
class GridConfig:
    """A whole validated grid description."""

    grid: GridSection
    tariffs: Tariffs
    clearing: ClearingConfig
    payments: PaymentPolicy
    ledger: LedgerConfig
    mam: MamConfig
    seeds: SeedsConfig
    producers: tuple[ProducerConfig, ...]
    consumers: tuple[ConsumerConfig, ...]

    def calendar(self) -> SlotCalendar:
        """The run's slots."""
        return SlotCalendar(self.grid.start, self.grid.slot_minutes, self.grid.slots)

    def sources(self) -> list[tuple[ProducerConfig, SourceConfig]]:
        """Every source with its producer."""
        return [(p, s) for p in self.producers for s in p.sources]

    @property
    def devices(self) -> int:
        """Number of metered devices (sources + consumers)."""
        return sum(len(p.sources) for p in self.producers) + len(self.consumers)


def load_config(path: str | Path, *, check_profiles: bool = True) -> GridConfig:
    """Read and validate the TOML grid description at ``path``.

    ``check_profiles`` also validates every profile spec with the profiles package (its
    import pulls in pvlib; pass ``False`` for a quick structural check).
    """
    p = Path(path)
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError("", f"cannot read {p}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("", f"{p} is not valid TOML: {exc}") from None
    return parse_config(raw, base_dir=p.parent, check_profiles=check_profiles)


def parse_config(
    raw: Mapping[str, Any], *, base_dir: Path | None = None, check_profiles: bool = True
) -> GridConfig:
    """Validate an already parsed description (relative csv paths resolve from ``base_dir``)."""
    top = _Table(raw, "")
    top.only("grid", "tariffs", "clearing", "payments", "ledger", "mam", "seeds", "entities")
    base = base_dir if base_dir is not None else Path.cwd()
    grid = _grid(top.table("grid"))
    entities = top.table("entities")
    entities.only("producers", "consumers")
    producers = tuple(_producer(t, base) for t in entities.tables("producers", required=False))
    consumers = tuple(_consumer(t, base) for t in entities.tables("consumers", required=False))
    config = GridConfig(
        grid=grid,
        tariffs=_tariffs(top.table("tariffs")),
        clearing=_clearing(top.table("clearing", required=False)),
        payments=_payments(top.table("payments", required=False)),
        ledger=_ledger(top.table("ledger", required=False), grid.name, producers, consumers),
        mam=_mam(top.table("mam", required=False)),
        seeds=_seeds(top.table("seeds", required=False), base),
        producers=producers,
        consumers=consumers,
    )
    _check_unique_ids(config)
    if check_profiles:
        _check_profiles(config)
    return config


def demo_seed(phrase: str, entity_id: str) -> str:
    """A deterministic 81-tryte seed from a public phrase: for demos and tests ONLY."""
    # Not secret by design, so the slight modulo bias of bytes -> trytes does not matter.
    digest = shake_256(f"{phrase}\x00{entity_id}".encode()).digest(81)
    return "".join(_TRYTES[b % 27] for b in digest)


# -- sections ------------------------------------------------------------------------------


def _grid(t: _Table) -> GridSection:
    t.only("name", "slot_minutes", "start", "slots", "clock", "reading_grace_s")
    minutes = t.integer("slot_minutes", default=15, low=1)
    if 1440 % minutes:
        raise ConfigError(t.key("slot_minutes"), f"must divide a day (1440), got {minutes}")
    return GridSection(
        name=t.ident("name"),
        slot_minutes=minutes,
        start=t.moment("start"),
        slots=t.integer("slots", default=96, low=1, high=MAX_SLOT + 1),
        clock=t.choice("clock", ("sim", "wall"), default="sim"),  # type: ignore[arg-type]
        reading_grace_s=t.number("reading_grace_s", default=30.0, low=0.0),
    )


def _tariffs(t: _Table) -> Tariffs:
    t.only("retail_i_per_kwh", "feed_in_i_per_kwh", "grid_fee_i_per_kwh", "grid_fee_share")
    fee: GridFee = PerKwhFee(Price(0))
    if "grid_fee_i_per_kwh" in t.raw and "grid_fee_share" in t.raw:
        raise ConfigError(t.key("grid_fee_share"), "give grid_fee_i_per_kwh or grid_fee_share")
    if "grid_fee_i_per_kwh" in t.raw:
        fee = PerKwhFee(Price(t.price("grid_fee_i_per_kwh")))
    elif "grid_fee_share" in t.raw:
        fee = ShareFee(t.share("grid_fee_share"))
    return Tariffs(
        retail=t.price("retail_i_per_kwh"),
        feed_in=t.price("feed_in_i_per_kwh"),
        fee=fee,
    )


def _clearing(t: _Table) -> ClearingConfig:
    t.only("rule", "producer_rate_i_per_kwh")
    rule = t.choice("rule", tuple(RULES), default=DEFAULT_RULE)
    params: dict[str, int] = {}
    if rule == "fixed":
        params["producer_rate"] = t.price("producer_rate_i_per_kwh")
    elif "producer_rate_i_per_kwh" in t.raw:
        raise ConfigError(t.key("producer_rate_i_per_kwh"), f"only for rule 'fixed', not {rule!r}")
    return ClearingConfig(rule, params)


def _payments(t: _Table) -> PaymentPolicy:
    t.only("threshold_i", "batch_i")
    return PaymentPolicy(
        Iota(t.integer("threshold_i", default=1, low=1)),
        Iota(t.integer("batch_i", default=1, low=1)),
    )


def _ledger(
    t: _Table,
    grid_name: str,
    producers: tuple[ProducerConfig, ...],
    consumers: tuple[ConsumerConfig, ...],
) -> LedgerConfig:
    t.only("node", "mwm", "depth", "milestone_interval_s", "genesis")
    node = t.string("node", default="embedded")
    if node != "embedded" and not re.match(r"^https?://[^\s/]+(:\d+)?/?$", node):
        raise ConfigError(t.key("node"), f'must be "embedded" or an http(s) URL, got {node!r}')
    g = t.table("genesis", required=False)
    g.only("grid_i", "utility_i", "consumer_i", "producer_i")
    genesis: dict[str, Iota] = {
        grid_name: g.iota("grid_i", default=0),
        UTILITY_ID: g.iota("utility_i", default=0),
    }
    producer_i = g.iota("producer_i", default=0)
    consumer_i = g.iota("consumer_i", default=0)
    for p in producers:
        genesis[p.id] = producer_i if p.balance_i is None else p.balance_i
    for c in consumers:
        genesis[c.id] = consumer_i if c.balance_i is None else c.balance_i
    return LedgerConfig(
        node=node,
        mwm=t.integer("mwm", default=9, low=1, high=243),
        depth=t.integer("depth", default=3, low=1, high=15),
        milestone_interval_s=t.number("milestone_interval_s", default=1.0, low=0.0),
        genesis=genesis,
    )


def _mam(t: _Table) -> MamConfig:
    t.only("enabled", "security", "mode")
    return MamConfig(
        enabled=t.boolean("enabled", default=True),
        security=t.integer("security", default=2, low=1, high=3),
        mode=t.choice("mode", ("public", "private", "restricted"), default="restricted"),  # type: ignore[arg-type]
    )


def _seeds(t: _Table, base: Path) -> SeedsConfig:
    t.only("source", "keystore", "demo_phrase")
    source = t.choice("source", ("demo", "env", "keystore"), default="env")
    keystore = t.string("keystore", default="") or None
    if source == "keystore" and keystore is None:
        raise ConfigError(t.key("keystore"), 'is required when source = "keystore"')
    if source != "demo" and "demo_phrase" in t.raw:
        raise ConfigError(t.key("demo_phrase"), 'only allowed with source = "demo"')
    return SeedsConfig(
        source=source,  # type: ignore[arg-type]
        keystore=None if keystore is None else (base / keystore).resolve(),
        demo_phrase=t.string("demo_phrase", default="actorgrid demo seeds - NOT SECRET"),
    )


def _producer(t: _Table, base: Path) -> ProducerConfig:
    t.only("id", "asking_price_i_per_kwh", "balance_i", "sources")
    ident = t.ident("id")
    sources: list[SourceConfig] = []
    for s in t.tables("sources", required=True):
        s.only("id", "profile")
        sources.append(SourceConfig(s.ident("id"), _profile(s, base)))
    if not sources:
        raise ConfigError(t.key("sources"), "a producer needs at least one source")
    return ProducerConfig(
        ident,
        t.price("asking_price_i_per_kwh"),
        tuple(sources),
        _balance(t),
    )


def _consumer(t: _Table, base: Path) -> ConsumerConfig:
    t.only("id", "max_price_i_per_kwh", "balance_i", "profile")
    return ConsumerConfig(
        t.ident("id"),
        t.price("max_price_i_per_kwh"),
        _profile(t, base),
        _balance(t),
    )


def _balance(t: _Table) -> Iota | None:
    return t.iota("balance_i") if "balance_i" in t.raw else None


def _profile(owner: _Table, base: Path) -> dict[str, Any]:
    t = owner.table("profile")
    kind = t.choice("kind", tuple(PROFILE_KEYS))
    for key in PROFILE_KEYS[kind]:
        if key not in t.raw:
            raise ConfigError(t.key(key), f"is required for a {kind} profile")
    spec = dict(t.raw)
    if kind == "csv":
        spec["path"] = str((base / t.string("path")).resolve())
    for key in ("kwp", "annual_kwh", "hub_height", "count", "max_wh"):
        if key in spec:
            t.number(key, low=0.0, low_exclusive=key != "max_wh")
    for key in ("wh", "min_wh"):
        if key in spec:
            t.number(key, low=0.0)
    if kind == "random" and t.number("max_wh") < t.number("min_wh"):
        raise ConfigError(t.key("max_wh"), "must be >= min_wh")
    return spec


def _check_unique_ids(config: GridConfig) -> None:
    seen = {config.grid.name: "grid.name", UTILITY_ID: "(the utility)"}
    entries: list[tuple[str, str]] = []
    for i, p in enumerate(config.producers):
        entries.append((p.id, f"entities.producers[{i}].id"))
        entries.extend(
            (s.id, f"entities.producers[{i}].sources[{j}].id") for j, s in enumerate(p.sources)
        )
    entries.extend((c.id, f"entities.consumers[{i}].id") for i, c in enumerate(config.consumers))
    for ident, where in entries:
        if ident in seen:
            raise ConfigError(where, f"id {ident!r} is already used by {seen[ident]}")
        seen[ident] = where


def _check_profiles(config: GridConfig) -> None:
    """Deep-validate every profile spec with the profiles package (lazy import)."""
    from actorgrid.profiles import ProfileError, parse_spec

    specs: list[tuple[str, Mapping[str, Any]]] = []
    for i, p in enumerate(config.producers):
        specs.extend(
            (f"entities.producers[{i}].sources[{j}].profile", s.profile)
            for j, s in enumerate(p.sources)
        )
    specs.extend(
        (f"entities.consumers[{i}].profile", c.profile) for i, c in enumerate(config.consumers)
    )
    for where, spec in specs:
        try:
            parse_spec(spec)
        except ProfileError as exc:
            raise ConfigError(f"{where}.{exc.key}", exc.problem) from None


# -- a typed, path-aware reader over one TOML table -----------------------------------------


class _Table:
    """Typed access to one table of the description; errors name the full key path."""

    def __init__(self, raw: object, path: str) -> None:
        if not isinstance(raw, Mapping):
            raise ConfigError(path, f"must be a table, got {type(raw).__name__}")
        self.raw: Mapping[str, Any] = raw
        self.path = path

    def key(self, name: str) -> str:
        """The full path of ``name`` in this table."""
        return f"{self.path}.{name}" if self.path else name

    def only(self, *allowed: str) -> None:
        """Reject keys other than ``allowed`` (catches typos)."""
        for name in self.raw:
            if name not in allowed:
                raise ConfigError(self.key(name), f"unknown key (allowed: {', '.join(allowed)})")

    def _get(self, name: str, default: object) -> object:
        if name in self.raw:
            return self.raw[name]
        if default is None:
            raise ConfigError(self.key(name), "is required")
        return default

    def table(self, name: str, *, required: bool = True) -> _Table:
        """A sub-table (an empty one if optional and absent)."""
        if name not in self.raw:
            if required:
                raise ConfigError(self.key(name), "is required")
            return _Table({}, self.key(name))
        return _Table(self.raw[name], self.key(name))

    def tables(self, name: str, *, required: bool) -> list[_Table]:
        """An array of tables (``[[name]]``)."""
        value = self._get(name, None if required else [])
        if not isinstance(value, list):
            raise ConfigError(self.key(name), f"must be an array of tables, got {value!r}")
        return [_Table(item, f"{self.key(name)}[{i}]") for i, item in enumerate(value)]

    def integer(
        self,
        name: str,
        *,
        default: int | None = None,
        low: int | None = None,
        high: int | None = None,
    ) -> int:
        """An integer (not a bool or float) within ``[low, high]``."""
        value = self._get(name, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(self.key(name), f"must be an integer, got {value!r}")
        if low is not None and value < low:
            raise ConfigError(self.key(name), f"must be >= {low}, got {value}")
        if high is not None and value > high:
            raise ConfigError(self.key(name), f"must be <= {high}, got {value}")
        return value

    def price(self, name: str) -> Price:
        """A required price in whole i/kWh, within what the wire messages carry."""
        return Price(self.integer(name, low=0, high=MAX_PRICE))

    def iota(self, name: str, *, default: int | None = None) -> Iota:
        """An amount of whole iotas, at most the IOTA supply."""
        return Iota(self.integer(name, default=default, low=0, high=MAX_IOTA))

    def number(
        self,
        name: str,
        *,
        default: float | None = None,
        low: float | None = None,
        low_exclusive: bool = False,
    ) -> float:
        """A finite real number ``>= low`` (``> low`` if ``low_exclusive``)."""
        value = self._get(name, default)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise ConfigError(self.key(name), f"must be a finite number, got {value!r}")
        if low is not None and (value <= low if low_exclusive else value < low):
            relation = ">" if low_exclusive else ">="
            raise ConfigError(self.key(name), f"must be {relation} {low:g}, got {value!r}")
        return float(value)

    def string(self, name: str, *, default: str | None = None) -> str:
        """A string."""
        value = self._get(name, default)
        if not isinstance(value, str):
            raise ConfigError(self.key(name), f"must be a string, got {value!r}")
        return value

    def ident(self, name: str) -> str:
        """An entity id: 1-64 characters of ``[A-Za-z0-9_.-]``."""
        value = self.string(name)
        if not _ID_RE.match(value):
            raise ConfigError(self.key(name), f"must be 1-64 of [A-Za-z0-9_.-], got {value!r}")
        return value

    def choice(self, name: str, choices: tuple[str, ...], *, default: str | None = None) -> str:
        """One of ``choices``."""
        value = self.string(name, default=default)
        if value not in choices:
            raise ConfigError(self.key(name), f"must be one of {', '.join(choices)}; got {value!r}")
        return value

    def boolean(self, name: str, *, default: bool) -> bool:
        """``true`` or ``false``."""
        value = self._get(name, default)
        if not isinstance(value, bool):
            raise ConfigError(self.key(name), f"must be true or false, got {value!r}")
        return value

    def share(self, name: str) -> Fraction:
        """An exact fraction in ``[0, 1)`` from a decimal (``0.2``) or ratio (``"1/5"``)."""
        value = self._get(name, None)
        try:
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise ValueError
            share = Fraction(str(value))  # str() keeps the decimal as written: 0.2 -> 1/5
        except (ValueError, ZeroDivisionError):
            raise ConfigError(self.key(name), f"must be a fraction, got {value!r}") from None
        if not 0 <= share < 1:
            raise ConfigError(self.key(name), f"must be in [0, 1), got {value!r}")
        return share

    def moment(self, name: str) -> datetime:
        """A timezone-aware start: TOML date (midnight UTC), datetime or ISO string."""
        value = self._get(name, None)
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                raise ConfigError(self.key(name), f"must be an ISO date, got {value!r}") from None
        if isinstance(value, datetime):
            return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        if isinstance(value, date):
            return datetime.combine(value, time(0), tzinfo=UTC)
        raise ConfigError(self.key(name), f"must be a date or datetime, got {value!r}")
