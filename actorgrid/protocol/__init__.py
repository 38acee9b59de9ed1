"""actorgrid.protocol."""
