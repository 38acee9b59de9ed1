"""The IOTA stack is installed the way the project needs it (see README, installation notes).

These tests fail if packaging regresses: PyOTA falling back to its ~100x slower pure-Python
Curl, the C proof-of-work library missing, or PyOTA's import-time requirement check breaking.
"""

from __future__ import annotations

import importlib.metadata as md

import pytest

iota = pytest.importorskip("iota")


def test_pyota_imports_with_its_declared_requirements_satisfied() -> None:
    # iota/__init__ calls pkg_resources.require('PyOTA'): importing it at all proves the
    # environment satisfies PyOTA's requirements by name (pysha3 stand-in included).
    assert md.version("PyOTA") == "2.1.0"
    assert md.version("pysha3").startswith("1.0.2")
    import sha3  # provided by safe-pysha3

    # Keccak-384 (what Kerl needs), not NIST SHA3-384: the two differ on the empty input.
    assert sha3.keccak_384(b"").hexdigest().startswith("2c23146a63a29acf")


def test_pyota_uses_the_fast_c_curl() -> None:
    import ccurl
    from iota.crypto import Curl

    assert Curl is ccurl.Curl, f"PyOTA uses {Curl.__module__}.Curl, not pyota-ccurl"


def test_proof_of_work_at_mwm_9_yields_a_hash_pyota_validates() -> None:
    from iota import Address, ProposedBundle, ProposedTransaction, Tag, Transaction, TryteString
    from iota.crypto import Curl
    from pow import ccurl_interface

    mwm = 9
    bundle = ProposedBundle(
        transactions=[
            ProposedTransaction(
                address=Address(b"A" * 81),
                value=0,
                tag=Tag(b"ACTORGRID"),
                message=TryteString.from_unicode("proof of work test"),
            )
        ]
    )
    bundle.finalize()
    tip = b"9" * 81
    attached = ccurl_interface.attach_to_tangle(bundle.as_tryte_strings(), tip, tip, mwm)
    assert len(attached) == 1
    tx = Transaction.from_tryte_string(attached[0])
    # PyOTA recomputes the hash from the trytes with its Curl-P81; PoW means the hash ends
    # in at least `mwm` zero trits.
    trits = tx.hash.as_trits()
    assert all(t == 0 for t in trits[-mwm:]), "hash does not meet MWM 9"
    curl = Curl()
    curl.absorb(TryteString(attached[0]).as_trits())
    out: list[int] = [0] * 243
    curl.squeeze(out)
    assert out == trits
    assert tx.bundle_hash == bundle.hash
