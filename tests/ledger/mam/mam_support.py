"""Test helpers for the MAM tests: the vector file and an in-memory tangle behind PyOTA."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

from iota import (
    Address,
    BundleHash,
    Fragment,
    Tag,
    Transaction,
    TransactionHash,
)
from iota.adapter import BaseAdapter

VECTORS = Path(__file__).parent / "vectors" / "dev.json"
FRAGMENT = 2187


def load_cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = json.loads(VECTORS.read_text())["cases"]
    return cases


def _random_hash() -> str:
    return "".join(secrets.choice("9ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(81))


class FakeTangle(BaseAdapter):  # type: ignore[misc]
    """A PyOTA adapter over a dict: enough of IRI for findTransactions / getTrytes.

    ``attach`` stores a zero-value bundle the way the ledger actor publishes a MAM
    payload: one transaction per 2187-tryte fragment, the last padded with ``9``.
    """

    supported_protocols = ("fake",)

    def __init__(self) -> None:
        super().__init__()
        self.trytes: dict[str, str] = {}
        self.by_address: dict[str, list[str]] = {}
        self.requests = 0
        self.fail = False

    def get_uri(self) -> str:
        return "fake://tangle"

    def attach(
        self, address: str, payload: str, tag: str = "MAM", *, bundle: str | None = None
    ) -> str:
        """Store ``payload`` as one attachment: trunks chain tail -> head, like IRI's.

        ``bundle`` reuses a bundle hash (a zero-value bundle's hash does not cover the
        message fragments, so anyone can reattach one with different fragments).
        """
        bundle = bundle or _random_hash()
        pieces = [payload[i : i + FRAGMENT] for i in range(0, len(payload), FRAGMENT)] or [""]
        trunk = ""
        stamp = len(self.trytes)
        for index in reversed(range(len(pieces))):
            tx = Transaction(
                hash_=TransactionHash(_random_hash()),
                signature_message_fragment=Fragment(pieces[index].ljust(FRAGMENT, "9")),
                address=Address(address),
                value=0,
                timestamp=1_700_000_000,
                current_index=index,
                last_index=len(pieces) - 1,
                bundle_hash=BundleHash(bundle),
                trunk_transaction_hash=TransactionHash(trunk),
                branch_transaction_hash=TransactionHash(""),
                tag=Tag(tag),
                attachment_timestamp=stamp,
                attachment_timestamp_lower_bound=0,
                attachment_timestamp_upper_bound=0,
                nonce=Tag(""),
            )
            raw = str(tx.as_tryte_string())
            trunk = str(Transaction.from_tryte_string(raw).hash)
            self.trytes[trunk] = raw
            self.by_address.setdefault(address, []).append(trunk)
        return bundle

    def send_request(self, payload: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        self.requests += 1
        if self.fail:
            raise ConnectionError("node down")
        command = payload["command"]
        if command == "findTransactions":
            hashes: list[str] = []
            for address in payload.get("addresses", []):
                hashes += self.by_address.get(str(address)[:81], [])
            return {"hashes": hashes}
        if command == "getTrytes":
            return {"trytes": [self.trytes[str(h)] for h in payload["hashes"]]}
        raise ValueError(f"unsupported command {command}")
