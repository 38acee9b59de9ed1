"""Grid configuration: the shipped configs load, and every bad key is named."""

from __future__ import annotations

import copy
import tomllib
from datetime import UTC, datetime, timedelta, timezone
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from actorgrid.config import ConfigError, GridConfig, demo_seed, load_config, parse_config
from actorgrid.market import PayAsClear, PerKwhFee, Price, ShareFee

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "config" / "demo.toml"
POC = ROOT / "config" / "poc.toml"


def _raw(path: Path = POC) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _parse(raw: dict[str, Any]) -> GridConfig:
    return parse_config(raw, base_dir=ROOT / "config", check_profiles=False)


def test_demo_is_a_neighbourhood_day() -> None:
    config = load_config(DEMO)  # also validates every profile with the profiles package
    assert config.grid.slot_minutes == 15 and config.grid.slots == 96
    assert config.calendar().end - config.calendar().start == timedelta(days=1)
    kinds = [s.profile["kind"] for _, s in config.sources()]
    homes = [c for c in config.consumers if c.id.startswith("home-")]
    assert len(homes) >= 30
    assert kinds.count("wind") == 2 and kinds.count("pv") >= 10
    businesses = [c for c in config.consumers if c.profile["profile"] == "G25"]
    assert len(businesses) >= 3
    assert isinstance(config.clearing.build(), PayAsClear)
    assert config.seeds.source == "demo"


def test_poc_config_has_the_poc_economics() -> None:
    config = load_config(POC)
    assert config.clearing.rule == "fixed" and config.clearing.params == {"producer_rate": 4}
    assert config.tariffs.fee == PerKwhFee(Price(1))
    assert config.payments.threshold_i == 25 and config.payments.batch_i == 25


def test_genesis_defaults_and_overrides() -> None:
    raw = _raw()
    raw["entities"]["consumers"][1]["balance_i"] = 7
    config = _parse(raw)
    assert config.ledger.genesis["poc-consumer-1"] == 10_000
    assert config.ledger.genesis["poc-consumer-2"] == 7
    assert config.ledger.genesis["utility"] == 100_000
    assert config.ledger.genesis["poc-producer"] == 0
    assert config.ledger.embedded


def _with(raw: dict[str, Any], path: str, value: object) -> dict[str, Any]:
    """A deep copy of ``raw`` with the dotted ``path`` (``a.b[1].c``) set (or deleted)."""
    out = copy.deepcopy(raw)
    node: Any = out
    parts = path.replace("]", "").replace("[", ".").split(".")
    for part in parts[:-1]:
        node = node[int(part)] if part.isdigit() else node[part]
    last = parts[-1]
    if value is _DELETE:
        del node[last]
    else:
        node[int(last) if last.isdigit() else last] = value
    return out


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "error"),
    [
        (
            "entities.consumers[1].profile.max_wh",
            -5,
            "entities.consumers[1].profile.max_wh: must be >= 0, got -5",
        ),
        ("grid.slot_minutes", 7, "grid.slot_minutes: must divide a day"),
        ("grid.slot_minutes", "15", "grid.slot_minutes: must be an integer"),
        ("grid.slots", 0, "grid.slots: must be >= 1, got 0"),
        # values the wire messages could not carry fail here, naming the key, not mid-run
        ("grid.slots", 2**32 + 1, "grid.slots: must be <= 4294967296"),
        ("tariffs.retail_i_per_kwh", 10**9 + 1, "tariffs.retail_i_per_kwh: must be <= 1000000000"),
        ("tariffs.grid_fee_i_per_kwh", 10**10, "tariffs.grid_fee_i_per_kwh: must be <= 100"),
        ("clearing.producer_rate_i_per_kwh", 10**10, "clearing.producer_rate_i_per_kwh: must be <"),
        ("entities.consumers[0].max_price_i_per_kwh", 10**10, "entities.consumers[0].max_price"),
        ("entities.producers[0].asking_price_i_per_kwh", 10**10, "entities.producers[0].asking"),
        ("entities.consumers[0].balance_i", 3**33, "entities.consumers[0].balance_i: must be <="),
        ("ledger.genesis.utility_i", 3**33, "ledger.genesis.utility_i: must be <= "),
        ("grid.clock", "lunar", "grid.clock: must be one of sim, wall"),
        ("grid.start", "yesterday", "grid.start: must be an ISO date"),
        ("grid.name", "bad name!", "grid.name: must be 1-64"),
        ("grid.colour", "red", "grid.colour: unknown key"),
        ("tariffs.retail_i_per_kwh", -1, "tariffs.retail_i_per_kwh: must be >= 0"),
        ("tariffs.retail_i_per_kwh", _DELETE, "tariffs.retail_i_per_kwh: is required"),
        ("tariffs.grid_fee_share", 0.2, "tariffs.grid_fee_share: give grid_fee_i_per_kwh or"),
        ("clearing.rule", "pay_as_wish", "clearing.rule: must be one of"),
        ("clearing.producer_rate_i_per_kwh", _DELETE, "clearing.producer_rate_i_per_kwh: is re"),
        ("payments.batch_i", 0, "payments.batch_i: must be >= 1"),
        ("ledger.node", "ftp://x", "ledger.node: must be"),
        ("ledger.genesis.consumer_i", -3, "ledger.genesis.consumer_i: must be >= 0"),
        ("mam.security", 4, "mam.security: must be <= 3"),
        ("mam.mode", "secret", "mam.mode: must be one of"),
        ("seeds.source", "keystore", "seeds.keystore: is required"),
        ("entities.producers[0].sources", [], "entities.producers[0].sources: a producer needs"),
        ("entities.producers[0].sources[1].id", "poc-solar", "entities.producers[0].sources[1].id"),
        ("entities.consumers[0].id", "poc-grid", "entities.consumers[0].id: id 'poc-grid' is al"),
        ("entities.consumers[0].id", "utility", "entities.consumers[0].id: id 'utility' is alr"),
        ("entities.consumers[0].max_price_i_per_kwh", 1.5, "entities.consumers[0].max_price_i"),
        ("entities.consumers[0].profile.kind", "tidal", "entities.consumers[0].profile.kind"),
        ("entities.consumers[0].profile.seed", _DELETE, "entities.consumers[0].profile.seed: is"),
        ("entities.consumers[0].profile", "fixed", "entities.consumers[0].profile: must be a t"),
    ],
)
def test_bad_values_name_their_key(path: str, value: object, error: str) -> None:
    raw = _raw()
    with pytest.raises(ConfigError) as caught:
        _parse(_with(raw, path, value))
    assert str(caught.value).startswith(error), str(caught.value)
    assert _parse(raw)  # the original is untouched and valid


def test_the_briefs_example_error() -> None:
    raw = _with(_raw(DEMO), "entities.consumers[3].profile.annual_kwh", -5)
    with pytest.raises(ConfigError) as caught:
        _parse(raw)
    assert str(caught.value) == "entities.consumers[3].profile.annual_kwh: must be > 0, got -5"


def test_profile_errors_from_the_profiles_package_name_the_key() -> None:
    raw = _with(_raw(DEMO), "entities.producers[0].sources[0].profile.turbine_type", "X-1/1")
    with pytest.raises(ConfigError) as caught:
        parse_config(raw, base_dir=ROOT / "config")
    assert caught.value.path == "entities.producers[0].sources[0].profile.turbine_type"


def test_grid_fee_share_is_exact() -> None:
    raw = _with(_raw(), "tariffs.grid_fee_i_per_kwh", _DELETE)
    assert _parse(_with(raw, "tariffs.grid_fee_share", 0.2)).tariffs.fee == ShareFee(Fraction(1, 5))
    assert _parse(_with(raw, "tariffs.grid_fee_share", "1/3")).tariffs.fee == ShareFee(
        Fraction(1, 3)
    )
    with pytest.raises(ConfigError, match="grid_fee_share: must be in"):
        _parse(_with(raw, "tariffs.grid_fee_share", 1))


def test_start_accepts_dates_and_datetimes() -> None:
    raw = _raw()
    assert _parse(_with(raw, "grid.start", "2026-03-01")).grid.start == datetime(
        2026, 3, 1, tzinfo=UTC
    )
    aware = datetime(2026, 3, 1, 6, tzinfo=timezone(timedelta(hours=-5)))
    assert _parse(_with(raw, "grid.start", aware)).grid.start == aware


def test_csv_paths_resolve_from_the_config_directory() -> None:
    raw = _with(
        _raw(),
        "entities.consumers[0].profile",
        {"kind": "csv", "path": "data/meter.csv", "column": "wh"},
    )
    config = _parse(raw)
    assert config.consumers[0].profile["path"] == str(ROOT / "config" / "data" / "meter.csv")


def test_unreadable_and_invalid_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[grid\nname = 1", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)


def test_demo_seeds_are_deterministic_trytes_and_env_seeds_come_from_env(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seed = demo_seed("phrase", "home-01")
    assert len(seed) == 81 and set(seed) <= set("9ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    assert seed == demo_seed("phrase", "home-01") != demo_seed("phrase", "home-02")
    raw = _with(_raw(), "seeds", {"source": "env"})
    config = _parse(raw)
    monkeypatch.setenv("ACTORGRID_SEED_POC_CONSUMER_1", "A" * 81)
    assert config.seeds.seed_for("poc-consumer-1").reveal() == "A" * 81
