import sys

from footprints.cli import main

sys.exit(main())
