"""MAM v0 (Masked Authenticated Messaging), byte-compatible with ``@iota/mam.js`` 1.6.3.

Encoder / decoder::

    state = create_channel(seed, security=2, mode="restricted", side_key="MYKEY")
    msg = create_message(state, object_to_trytes({"command": "hello"}))  # advances state
    parsed = parse_message(msg.payload, msg.root, side_key="MYKEY")     # MamError if bad

Channels on the ledger: ``MamChannelStore`` (SQLite state, crash-safe leaf use),
``MamWriter`` (create + persist + publish), ``MamSubscriber`` (fetch, verify, follow).
``python -m actorgrid.ledger.mam check FILE`` runs a vector file.
"""

from .channel import (
    MODES,
    ChannelState,
    MamMessage,
    Mode,
    channel_root,
    create_channel,
    create_message,
    mask_hash,
    message_address,
    pad_side_key,
    random_trytes,
)
from .curl import BACKEND
from .errors import (
    MamError,
    MamHammingWeightError,
    MamMalformedError,
    MamPayloadError,
    MamSignatureError,
)
from .parser import ParsedMessage, parse_message
from .payload import GOODBYE, HELLO, command, decode_command, encode_command, goodbye, hello
from .store import MamChannelStore, MamStoreError, PublishStatus, StoredChannel, StoredMessage
from .subscriber import MamFetchError, MamSubscriber, ReceivedMessage, RejectedMessage
from .text import (
    from_ascii,
    object_from_trytes,
    object_to_trytes,
    string_from_trytes,
    string_to_trytes,
    to_ascii,
)
from .writer import (
    DEFAULT_TAG,
    MamPublishError,
    MamWriter,
    Publisher,
    ledger_publisher,
)

MamPublisher = MamWriter  # the name used in the task description

__all__ = [
    "BACKEND",
    "DEFAULT_TAG",
    "GOODBYE",
    "HELLO",
    "MODES",
    "ChannelState",
    "MamChannelStore",
    "MamError",
    "MamFetchError",
    "MamHammingWeightError",
    "MamMalformedError",
    "MamMessage",
    "MamPayloadError",
    "MamPublishError",
    "MamPublisher",
    "MamSignatureError",
    "MamStoreError",
    "MamSubscriber",
    "MamWriter",
    "Mode",
    "ParsedMessage",
    "PublishStatus",
    "Publisher",
    "ReceivedMessage",
    "RejectedMessage",
    "StoredChannel",
    "StoredMessage",
    "channel_root",
    "command",
    "create_channel",
    "create_message",
    "decode_command",
    "encode_command",
    "from_ascii",
    "goodbye",
    "hello",
    "ledger_publisher",
    "mask_hash",
    "message_address",
    "object_from_trytes",
    "object_to_trytes",
    "pad_side_key",
    "parse_message",
    "random_trytes",
    "string_from_trytes",
    "string_to_trytes",
    "to_ascii",
]
