"""Refs to actors in another process: ``tell`` / ``send`` / ``ask`` like a local ``ActorRef``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from actorgrid.protocol.registry import Message

if TYPE_CHECKING:
    from actorgrid.protocol.remote._node import RemoteNode

__all__ = ["RemoteRef"]


class RemoteRef:
    """Address of an actor exposed by peer ``peer`` under ``path``.

    Messages must be registered :class:`~actorgrid.protocol.Message` instances (they are
    encoded with the codec). ``tell`` never waits; it raises ``MailboxFull`` when the
    peer's bounded outgoing queue is full (also while the peer is away), ``EncodeError``
    for a message that cannot be encoded — in both cases nothing is queued.
    """

    __slots__ = ("_node", "path", "peer")

    def __init__(self, node: RemoteNode, peer: str, path: str) -> None:
        self._node = node
        self.peer = peer
        self.path = path

    @property
    def name(self) -> str:
        """The last element of :attr:`path`."""
        return self.path.rsplit("/", 1)[-1]

    @property
    def is_alive(self) -> bool:
        """False while the peer is considered down (see ``RemoteNode.down_after``)."""
        return not self._node.peer_is_down(self.peer)

    def tell(self, message: Message) -> None:
        """Queue ``message`` for delivery (at least once on the wire, once to the actor)."""
        self._node.tell(self, message)

    async def send(self, message: Message) -> None:
        """Like :meth:`tell`, but waits for room in the peer's outgoing queue.

        Raises ``ActorDied`` if the node is (or gets) closed while waiting.
        """
        await self._node.send(self, message)

    async def ask(self, message: Message, timeout: float = 5.0) -> Any:  # noqa: ASYNC109
        """Send ``message`` and return the remote actor's reply.

        Raises ``AskTimeout`` after ``timeout`` seconds, ``ActorDied`` if the remote actor
        died before replying or the peer went down, ``RemoteError`` for other failures on
        the far side (unknown target, undecodable message, unencodable reply).
        """
        return await self._node.ask(self, message, timeout)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, RemoteRef)
            and other._node is self._node
            and (other.peer, other.path) == (self.peer, self.path)
        )

    def __hash__(self) -> int:
        return hash((self.peer, self.path))

    def __repr__(self) -> str:
        return f"<RemoteRef {self.peer}:{self.path}>"
