"""actorgrid.actors."""
