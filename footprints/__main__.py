"""Run the ``footprints`` console script as ``python -m footprints``."""

import sys

from footprints.cli import main

sys.exit(main())
