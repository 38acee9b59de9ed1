"""actorgrid.market."""
