"""Remote actors: expose local actors over an aiohttp websocket and reach remote ones.

``RemoteNode`` is the endpoint of one process; ``node.ref(peer, path)`` returns a
``RemoteRef`` with ``tell`` / ``send`` / ``ask`` like a local ``ActorRef``. See the README
section "Remote actors" for delivery guarantees and their limits.
"""

from actorgrid.protocol.remote._node import PROTOCOL_VERSION, RemoteError, RemoteNode
from actorgrid.protocol.remote._ref import RemoteRef

__all__ = ["PROTOCOL_VERSION", "RemoteError", "RemoteNode", "RemoteRef"]
