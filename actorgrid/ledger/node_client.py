"""The ledger's client for an IRI-compatible node: plain IRI JSON commands, typed results.

``NodeClient.connect("http://127.0.0.1:14265")`` talks HTTP to an external node (IRI or
``actorgrid node``); ``NodeClient.connect(adapter)`` uses any PyOTA adapter, e.g.
``EmbeddedAdapter(node)`` for the in-process node. Calls are synchronous; the ledger actor runs
them on a dedicated thread.

Why not ``iota.StrictIota``: its request/response filters re-validate every tryte string in pure
Python (GIL-holding), which the benchmark showed in the metering path's p99. The node validates
what we send anyway; here commands are plain dicts and only the fields we use are read.
"""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Sequence
from typing import Any, Protocol
from urllib.parse import urlsplit

from actorgrid.ledger.trytes import Layout, trytes_to_int

__all__ = ["AdapterTransport", "HttpTransport", "NodeClient", "NodeError", "Transport"]


class NodeError(Exception):
    """The node refused a request or answered something the ledger cannot use."""


class Transport(Protocol):
    """Sends one IRI command (a JSON-able dict) and returns the decoded answer."""

    def send(self, payload: dict[str, Any]) -> dict[str, Any]: ...


class HttpTransport:
    """IRI JSON over HTTP/1.1 with a kept-alive connection (stdlib ``http.client``)."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) node URL: {url!r}")
        self.url = url
        self._parts = parts
        self._timeout = timeout
        self._conn: http.client.HTTPConnection | None = None
        self._lock = threading.Lock()

    def send(self, payload: dict[str, Any]) -> dict[str, Any]:
        """POST ``payload``; ``NodeError`` on a transport failure or an error answer."""
        body = json.dumps(payload).encode("utf-8")
        headers = {"Content-Type": "application/json", "X-IOTA-API-Version": "1"}
        with self._lock:
            for attempt in (1, 2):  # a kept-alive connection may have been closed by the server
                conn = self._connection()
                try:
                    conn.request("POST", self._parts.path or "/", body, headers)
                    resp = conn.getresponse()
                    raw = resp.read()
                    break
                except (OSError, http.client.HTTPException) as exc:
                    conn.close()
                    self._conn = None
                    if attempt == 2:
                        raise NodeError(f"{payload.get('command')}: {exc}") from exc
        try:
            answer = json.loads(raw)
        except ValueError as exc:
            raise NodeError(f"{payload.get('command')}: not JSON (HTTP {resp.status})") from exc
        if resp.status != 200 or not isinstance(answer, dict):
            raise NodeError(f"{payload.get('command')}: HTTP {resp.status}: {answer}")
        return answer

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            cls = (
                http.client.HTTPSConnection
                if self._parts.scheme == "https"
                else http.client.HTTPConnection
            )
            self._conn = cls(self._parts.hostname or "", self._parts.port, timeout=self._timeout)
        return self._conn


class AdapterTransport:
    """Any PyOTA adapter (``adapter.send_request(payload)``), e.g. ``EmbeddedAdapter(node)``."""

    def __init__(self, adapter: Any) -> None:
        self.adapter = adapter

    def send(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Send through the adapter; PyOTA's ``BadApiResponse`` becomes ``NodeError``."""
        from iota.adapter import BadApiResponse

        try:
            answer: dict[str, Any] = self.adapter.send_request(payload)
        except BadApiResponse as exc:
            raise NodeError(f"{payload.get('command')}: {exc}") from exc
        return answer


class NodeClient:
    """Typed wrapper of the IRI commands the ledger needs (addresses are 81 trytes)."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    @classmethod
    def connect(cls, target: Any) -> NodeClient:
        """A client for a node URL (``http://host:port``) or a PyOTA adapter instance."""
        if isinstance(target, str):
            return cls(HttpTransport(target))
        return cls(AdapterTransport(target))

    def balances(self, addresses: Sequence[str]) -> list[int]:
        """Confirmed balances of ``addresses``."""
        if not addresses:
            return []
        res = self._call("getBalances", addresses=[a[:81] for a in addresses], threshold=100)
        return [int(b) for b in res["balances"]]

    def were_spent(self, addresses: Sequence[str]) -> list[bool]:
        """``wereAddressesSpentFrom`` for each address."""
        if not addresses:
            return []
        res = self._call("wereAddressesSpentFrom", addresses=[a[:81] for a in addresses])
        return [bool(s) for s in res["states"]]

    def tips(self, depth: int) -> tuple[str, str]:
        """Trunk and branch to approve (``getTransactionsToApprove``)."""
        res = self._call("getTransactionsToApprove", depth=depth)
        return str(res["trunkTransaction"]), str(res["branchTransaction"])

    def store_and_broadcast(self, trytes: Sequence[str]) -> None:
        """Store attached transaction trytes on the node and broadcast them."""
        self._call("storeTransactions", trytes=list(trytes))
        self._call("broadcastTransactions", trytes=list(trytes))

    def find_transactions(
        self, *, bundles: Sequence[str] = (), addresses: Sequence[str] = ()
    ) -> list[str]:
        """Hashes of transactions in ``bundles`` or on ``addresses``."""
        query: dict[str, Any] = {}
        if bundles:
            query["bundles"] = list(bundles)
        if addresses:
            query["addresses"] = [a[:81] for a in addresses]
        return [str(h) for h in self._call("findTransactions", **query)["hashes"]]

    def trytes(self, hashes: Sequence[str]) -> list[str]:
        """Raw transaction trytes of ``hashes``."""
        if not hashes:
            return []
        return [str(t) for t in self._call("getTrytes", hashes=list(hashes))["trytes"]]

    def bundle_tails(self, bundle_hash: str) -> list[str]:
        """Hashes of every tail transaction (index 0) the node knows for ``bundle_hash``."""
        hashes = self.find_transactions(bundles=[bundle_hash])
        return [
            h
            for h, t in zip(hashes, self.trytes(hashes), strict=True)
            if trytes_to_int(t[Layout.CURRENT_INDEX]) == 0
        ]

    def confirmed(self, tails: Sequence[str]) -> bool:
        """True if any of ``tails`` is confirmed (``getInclusionStates``)."""
        if not tails:
            return False
        res = self._call("getInclusionStates", transactions=list(tails), tips=[])
        return any(bool(s) for s in res["states"])

    def consistent(self, tails: Sequence[str]) -> bool:
        """``checkConsistency``: may these tails still be promoted? (False on any error.)"""
        try:
            return bool(self._call("checkConsistency", tails=list(tails))["state"])
        except NodeError:
            return False

    def _call(self, command: str, **params: Any) -> dict[str, Any]:
        answer = self.transport.send({"command": command, **params})
        if "error" in answer or "exception" in answer:
            raise NodeError(f"{command}: {answer.get('error') or answer.get('exception')}")
        return answer
