"""A PyOTA adapter that calls a :class:`TangleNode` in-process (no HTTP)."""

from __future__ import annotations

import json
from typing import Any

from iota.adapter import BadApiResponse, BaseAdapter
from iota.json import JsonEncoder

from actorgrid.ledger.node.node import TangleNode

__all__ = ["EmbeddedAdapter"]


class EmbeddedAdapter(BaseAdapter):  # type: ignore[misc]  # PyOTA is untyped
    """``iota.Iota(EmbeddedAdapter(node), seed)`` behaves like ``Iota("http://...")``.

    Requests go through the same JSON encoding as PyOTA's ``HttpAdapter`` (so PyOTA's
    ``TryteString`` values become plain strings) and errors raise the same
    ``BadApiResponse`` ("400 response from node: ...").
    """

    supported_protocols = ()

    def __init__(self, node: TangleNode) -> None:
        super().__init__()
        self.node = node

    def get_uri(self) -> str:
        """A pseudo-URI naming the embedded node."""
        return "embedded://tangle-node"

    def send_request(self, payload: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """Run ``payload`` on the node; raise ``BadApiResponse`` on an error response."""
        request = json.loads(JsonEncoder().encode(payload))
        response = self.node.handle(request)
        if "error" in response:
            raise BadApiResponse(f"400 response from node: {response['error']}")
        if "exception" in response:
            raise BadApiResponse(f"500 response from node: {response['exception']}")
        return response
