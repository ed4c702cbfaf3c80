"""The ``alliance-sim`` command line (:func:`sim.cli.main.main` is the console script)."""
