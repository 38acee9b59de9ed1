"""actorgrid.ledger."""
