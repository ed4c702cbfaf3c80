"""Caps on a timeline's size, apart from the engine so that the command line can state them without
loading it."""

#: Most years one projection runs.
MAX_YEARS = 60
