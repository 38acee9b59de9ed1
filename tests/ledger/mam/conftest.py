"""Fixtures for the MAM tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from iota import Iota
from mam_support import FakeTangle

from actorgrid.ledger.mam import curl


@pytest.fixture
def tangle() -> FakeTangle:
    return FakeTangle()


@pytest.fixture
def api(tangle: FakeTangle) -> Iota:
    return Iota(tangle)


@pytest.fixture(params=["c", "numpy"])
def backend(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run a test on both Curl backends (the C one must be built)."""
    previous = curl.BACKEND
    curl.use_backend(request.param)
    try:
        yield request.param
    finally:
        curl.use_backend(previous)
