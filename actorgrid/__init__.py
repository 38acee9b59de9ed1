"""actorgrid: a peer-to-peer energy grid in which every device is an asyncio actor.

Energy is metered, priced, settled and paid for automatically, with payments and an
audit trail on the IOTA ledger.
"""

__version__ = "0.1.0"
