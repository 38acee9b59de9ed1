"""Keystore: seeds from env or a 0600 file, never shown."""

from __future__ import annotations

import json
import logging
import os
import pickle
from pathlib import Path

import pytest

from actorgrid.ledger.keystore import (
    InvalidSeedError,
    KeystoreError,
    KeystorePermissionError,
    SecretSeed,
    SeedNotFoundError,
    env_var_for,
    generate_keystore,
    load_keystore,
    load_seed,
)

SEED = "A" * 40 + "9" * 41


def write(path: Path, seeds: dict[str, str], mode: int = 0o600) -> Path:
    path.write_text(json.dumps({"seeds": seeds}))
    os.chmod(path, mode)
    return path


def test_repr_str_and_logs_never_show_the_seed(caplog: pytest.LogCaptureFixture) -> None:
    seed = SecretSeed(SEED)
    assert SEED not in repr(seed) and SEED not in str(seed) and SEED not in f"{seed}"
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("t").info("seed %s %r", seed, seed)
    assert SEED not in caplog.text
    assert seed.reveal() == SEED
    assert pickle.loads(pickle.dumps(seed)) == seed


@pytest.mark.parametrize("bad", ["", "a" * 81, "A" * 80, "A" * 82, "A" * 80 + "1"])
def test_malformed_seed_is_rejected_without_echo(bad: str) -> None:
    with pytest.raises(InvalidSeedError) as err:
        SecretSeed(bad)
    assert bad == "" or bad not in str(err.value)


def test_env_var_wins_over_file(tmp_path: Path) -> None:
    other = "B" * 81
    store = write(tmp_path / "keys.json", {"consumer-1": other})
    assert env_var_for("consumer-1") == "ACTORGRID_SEED_CONSUMER_1"
    env = {"ACTORGRID_SEED_CONSUMER_1": SEED}
    assert load_seed("consumer-1", store, env).reveal() == SEED
    assert load_seed("consumer-1", store, {}).reveal() == other


def test_group_readable_keystore_is_refused(tmp_path: Path) -> None:
    store = write(tmp_path / "keys.json", {"grid": SEED}, mode=0o640)
    with pytest.raises(KeystorePermissionError) as err:
        load_keystore(store)
    assert SEED not in str(err.value)


def test_missing_entity_and_bad_files(tmp_path: Path) -> None:
    store = write(tmp_path / "keys.json", {"grid": SEED})
    with pytest.raises(SeedNotFoundError):
        load_seed("nobody", store, {})
    with pytest.raises(KeystoreError):
        load_keystore(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    os.chmod(bad, 0o600)
    with pytest.raises(KeystoreError):
        load_keystore(bad)
    wrong = write(tmp_path / "wrong.json", {"grid": "x" * 81})
    with pytest.raises(InvalidSeedError) as err:
        load_keystore(wrong)
    assert "x" * 81 not in str(err.value)
    with pytest.raises(InvalidSeedError):
        load_seed("grid", None, {"ACTORGRID_SEED_GRID": "short"})


def test_generate_keystore_is_private_and_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "new.json"
    generate_keystore(path, ["grid", "consumer-1"])
    assert (path.stat().st_mode & 0o777) == 0o600
    seeds = load_keystore(path)
    assert set(seeds) == {"grid", "consumer-1"} and seeds["grid"] != seeds["consumer-1"]
    with pytest.raises(FileExistsError):
        generate_keystore(path, ["grid"])
    assert load_keystore(path) == seeds
