"""``python -m sim`` is the same as the ``alliance-sim`` console script."""

import sys

from sim.cli.main import main

sys.exit(main())
