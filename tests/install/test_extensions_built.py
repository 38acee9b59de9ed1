"""The project's C extensions are built by its own install and are the backends in use."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize(
    "module",
    ["actorgrid.ledger._curl81", "actorgrid.ledger._kerl", "actorgrid.ledger.mam._curl27"],
)
def test_extension_is_built(module: str) -> None:
    assert importlib.import_module(module).__file__, module


def test_extensions_are_the_backends_in_use() -> None:
    from actorgrid.ledger import curlp81, trytes
    from actorgrid.ledger.mam import curl

    assert curlp81.BACKEND == "c"
    assert curl.BACKEND == "c"
    assert trytes._c_repeat is not None
