"""The ledger actor's protocol: requests, acknowledgements and outcome events.

Requests (``TransferRequest``, ``PublishRequest``) are answered, once they are durably
journalled, with ``TransferAccepted``/``PublishAccepted`` (or ``RequestRejected`` for a request
the ledger will never execute). The outcome arrives later as an event sent to the actor at the
request's ``reply_to`` path: ``TransferConfirmed``/``TransferFailed``, ``Published``/
``PublishFailed``. Events may be delivered more than once after a crash: requesters dedupe by
idempotency key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Final

from actorgrid.protocol import MaxLen, Message, MessageValidationError, Range, message

__all__ = [
    "FRAGMENT_TRYTES",
    "MAX_PAYLOAD_TRYTES",
    "MAX_SUPPLY",
    "AddressIssued",
    "AddressRequest",
    "Balance",
    "BalanceQuery",
    "FailureReason",
    "PublishAccepted",
    "PublishFailed",
    "PublishRequest",
    "Published",
    "RejectReason",
    "RequestRejected",
    "RequestStatus",
    "StatusQuery",
    "TransferAccepted",
    "TransferConfirmed",
    "TransferFailed",
    "TransferRequest",
]

MAX_SUPPLY: Final = (3**33 - 1) // 2
FRAGMENT_TRYTES: Final = 2187
MAX_PAYLOAD_TRYTES: Final = FRAGMENT_TRYTES * 32
_ADDRESS_RE: Final = re.compile(r"^[9A-Z]{81}(?:[9A-Z]{9})?$")
_TRYTES_RE: Final = re.compile(r"^[9A-Z]*$")

WalletName = Annotated[str, MaxLen(64)]
IdempotencyKey = Annotated[str, MaxLen(128)]
ActorPath = Annotated[str, MaxLen(256)]
AddressTrytes = Annotated[str, MaxLen(90)]
HashTrytes = Annotated[str, MaxLen(81)]
Amount = Annotated[int, Range(1, MAX_SUPPLY)]
Iotas = Annotated[int, Range(0, MAX_SUPPLY)]


class FailureReason(StrEnum):
    """Why an accepted request could not be executed."""

    INSUFFICIENT_FUNDS = "insufficient_funds"
    SPENT_DESTINATION = "spent_destination"
    INVALID_REQUEST = "invalid_request"
    NODE_REJECTED = "node_rejected"


class RejectReason(StrEnum):
    """Why a request was refused before it was journalled (nothing was recorded)."""

    UNKNOWN_WALLET = "unknown_wallet"
    IDEMPOTENCY_CONFLICT = "idempotency_conflict"
    INVALID_REQUEST = "invalid_request"


def _check_address(value: str, what: str) -> None:
    if not _ADDRESS_RE.match(value):
        raise MessageValidationError(f"{what} must be 81 trytes (or 90 with checksum)")


def _check_key(value: str) -> None:
    if not value:
        raise MessageValidationError("idempotency_key must not be empty")


@message("ledger.transfer_request", version=1)
@dataclass(frozen=True, slots=True)
class TransferRequest(Message):
    """Pay ``amount_i`` iotas from ``wallet`` to ``to_address``; ``reference`` travels on-tangle.

    ``reply_to`` is the path of the actor that receives ``TransferConfirmed``/``TransferFailed``
    (a path, not a ref, so it survives a restart of either side).
    """

    wallet: WalletName
    to_address: AddressTrytes
    amount_i: Amount
    reference: Annotated[str, MaxLen(256)]
    idempotency_key: IdempotencyKey
    reply_to: ActorPath = ""

    def __post_init__(self) -> None:
        _check_address(self.to_address, "to_address")
        _check_key(self.idempotency_key)
        if not self.wallet:
            raise MessageValidationError("wallet must not be empty")


@message("ledger.publish_request", version=1)
@dataclass(frozen=True, slots=True)
class PublishRequest(Message):
    """Attach ``payload_trytes`` as a zero-value bundle to ``address`` (MAM messages)."""

    address: AddressTrytes
    payload_trytes: Annotated[str, MaxLen(MAX_PAYLOAD_TRYTES)]
    tag: Annotated[str, MaxLen(27)]
    idempotency_key: IdempotencyKey
    reply_to: ActorPath = ""

    def __post_init__(self) -> None:
        _check_address(self.address, "address")
        _check_key(self.idempotency_key)
        if not self.payload_trytes or not _TRYTES_RE.match(self.payload_trytes):
            raise MessageValidationError("payload_trytes must be non-empty trytes [9A-Z]")
        if not _TRYTES_RE.match(self.tag):
            raise MessageValidationError("tag must be trytes [9A-Z]")


@message("ledger.transfer_accepted", version=1)
@dataclass(frozen=True, slots=True)
class TransferAccepted(Message):
    """The transfer is journalled; ``duplicate`` if the key was already known (no new payment)."""

    idempotency_key: IdempotencyKey
    request_id: Annotated[int, Range(1, 2**62)]
    state: Annotated[str, MaxLen(16)]
    duplicate: bool = False


@message("ledger.publish_accepted", version=1)
@dataclass(frozen=True, slots=True)
class PublishAccepted(Message):
    """The publish request is journalled; ``duplicate`` as for transfers."""

    idempotency_key: IdempotencyKey
    request_id: Annotated[int, Range(1, 2**62)]
    state: Annotated[str, MaxLen(16)]
    duplicate: bool = False


@message("ledger.request_rejected", version=1)
@dataclass(frozen=True, slots=True)
class RequestRejected(Message):
    """The request was refused and nothing was journalled."""

    idempotency_key: IdempotencyKey
    reason: RejectReason
    detail: Annotated[str, MaxLen(512)] = ""


@message("ledger.transfer_confirmed", version=1)
@dataclass(frozen=True, slots=True)
class TransferConfirmed(Message):
    """Event: the transfer's bundle is confirmed on the tangle."""

    idempotency_key: IdempotencyKey
    wallet: WalletName
    to_address: AddressTrytes
    amount_i: Amount
    bundle_hash: HashTrytes


@message("ledger.transfer_failed", version=1)
@dataclass(frozen=True, slots=True)
class TransferFailed(Message):
    """Event: the transfer will never be executed (no iota moved)."""

    idempotency_key: IdempotencyKey
    wallet: WalletName
    reason: FailureReason
    detail: Annotated[str, MaxLen(512)] = ""


@message("ledger.published", version=1)
@dataclass(frozen=True, slots=True)
class Published(Message):
    """Event: the payload is attached and stored on the node (readable by address/bundle)."""

    idempotency_key: IdempotencyKey
    address: AddressTrytes
    bundle_hash: HashTrytes
    tail_hash: HashTrytes


@message("ledger.publish_failed", version=1)
@dataclass(frozen=True, slots=True)
class PublishFailed(Message):
    """Event: the payload could not be attached."""

    idempotency_key: IdempotencyKey
    reason: FailureReason
    detail: Annotated[str, MaxLen(512)] = ""


@message("ledger.balance_query", version=1)
@dataclass(frozen=True, slots=True)
class BalanceQuery(Message):
    """Ask for a wallet's balance; answered with :class:`Balance`."""

    wallet: WalletName


@message("ledger.balance", version=1)
@dataclass(frozen=True, slots=True)
class Balance(Message):
    """Confirmed balance, outgoing amount accepted but not yet confirmed, and what is left."""

    wallet: WalletName
    confirmed_i: Iotas
    pending_out_i: Iotas
    available_i: Annotated[int, Range(-MAX_SUPPLY, MAX_SUPPLY)]


@message("ledger.address_request", version=1)
@dataclass(frozen=True, slots=True)
class AddressRequest(Message):
    """Ask for a fresh, never-spent receive address of ``wallet``."""

    wallet: WalletName


@message("ledger.address_issued", version=1)
@dataclass(frozen=True, slots=True)
class AddressIssued(Message):
    """A fresh receive address (81 trytes) and its key index."""

    wallet: WalletName
    address: AddressTrytes
    index: Annotated[int, Range(0, 2**40)]


@message("ledger.status_query", version=1)
@dataclass(frozen=True, slots=True)
class StatusQuery(Message):
    """Ask for the journalled state of a request; answered with :class:`RequestStatus`."""

    idempotency_key: IdempotencyKey


@message("ledger.request_status", version=1)
@dataclass(frozen=True, slots=True)
class RequestStatus(Message):
    """A request's journal state (``unknown`` if the key was never accepted)."""

    idempotency_key: IdempotencyKey
    kind: Annotated[str, MaxLen(16)]
    state: Annotated[str, MaxLen(16)]
    bundle_hash: HashTrytes = ""
    error: Annotated[str, MaxLen(512)] = ""
