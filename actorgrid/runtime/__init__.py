"""actorgrid.runtime."""
