"""A small typed facade over PyOTA for the ledger: plain ``str``/``int`` in and out.

Works with any PyOTA adapter: ``NodeClient.connect("http://127.0.0.1:14265")`` for an external
node (IRI or ``actorgrid node``), or ``NodeClient(iota.Iota(EmbeddedAdapter(node)))`` for the
embedded one. Calls are synchronous; the ledger actor runs them on a dedicated thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["NodeClient", "NodeError"]


class NodeError(Exception):
    """The node refused a request or answered something the ledger cannot use."""


class NodeClient:
    """Typed wrapper of the IRI commands the ledger needs."""

    def __init__(self, api: Any) -> None:
        self.api = api

    @classmethod
    def connect(cls, target: Any) -> NodeClient:
        """A client for a node URL (``http://host:port``) or a PyOTA adapter instance."""
        from iota import StrictIota

        return cls(StrictIota(target))

    def balances(self, addresses: Sequence[str]) -> list[int]:
        """Confirmed balances of ``addresses`` (81 trytes each)."""
        if not addresses:
            return []
        res = self._call("get_balances", addresses=self._addresses(addresses), threshold=100)
        return [int(b) for b in res["balances"]]

    def were_spent(self, addresses: Sequence[str]) -> list[bool]:
        """``wereAddressesSpentFrom`` for each address."""
        if not addresses:
            return []
        res = self._call("were_addresses_spent_from", addresses=self._addresses(addresses))
        return [bool(s) for s in res["states"]]

    def tips(self, depth: int) -> tuple[str, str]:
        """Trunk and branch to approve (``getTransactionsToApprove``)."""
        res = self._call("get_transactions_to_approve", depth=depth)
        return str(res["trunkTransaction"]), str(res["branchTransaction"])

    def store_and_broadcast(self, trytes: Sequence[str]) -> None:
        """Store attached transaction trytes on the node and broadcast them."""
        from iota import TransactionTrytes

        tt = [TransactionTrytes(t.encode("ascii")) for t in trytes]
        self._call("store_transactions", trytes=tt)
        self._call("broadcast_transactions", trytes=tt)

    def bundle_tails(self, bundle_hash: str) -> list[str]:
        """Hashes of every tail transaction (index 0) the node knows for ``bundle_hash``."""
        from iota import BundleHash, Transaction

        res = self._call("find_transactions", bundles=[BundleHash(bundle_hash.encode("ascii"))])
        hashes = list(res["hashes"])
        if not hashes:
            return []
        trytes = self._call("get_trytes", hashes=hashes)["trytes"]
        tails = []
        for h, t in zip(hashes, trytes, strict=True):
            txn = Transaction.from_tryte_string(t, hash_=h)
            if txn.current_index == 0:
                tails.append(str(h))
        return tails

    def confirmed(self, tails: Sequence[str]) -> bool:
        """True if any of ``tails`` is confirmed (``getInclusionStates``)."""
        from iota import TransactionHash

        if not tails:
            return False
        hashes = [TransactionHash(t.encode("ascii")) for t in tails]
        res = self._call("get_inclusion_states", transactions=hashes, tips=[])
        return any(bool(s) for s in res["states"])

    def consistent(self, tails: Sequence[str]) -> bool:
        """``checkConsistency``: may these tails still be promoted?"""
        from iota import TransactionHash

        try:
            res = self._call(
                "check_consistency", tails=[TransactionHash(t.encode("ascii")) for t in tails]
            )
        except NodeError:
            return False
        return bool(res["state"])

    def _addresses(self, addresses: Sequence[str]) -> list[Any]:
        from iota import Address

        return [Address(a[:81].encode("ascii")) for a in addresses]

    def _call(self, command: str, **kwargs: Any) -> dict[str, Any]:
        from iota import BadApiResponse

        try:
            res: dict[str, Any] = getattr(self.api, command)(**kwargs)
        except BadApiResponse as exc:
            raise NodeError(f"{command}: {exc}") from exc
        except ValueError as exc:  # PyOTA's request/response filters
            raise NodeError(f"{command}: {exc}") from exc
        return res
