"""footprints: plan Primary Care Network footprints in England."""

import signal
import sys

from footprints.errors import (
    FootprintsError,
    InfeasibleError,
    InputError,
    MissingColumnError,
    Problem,
)
from footprints.plan import Band, Plan

#: The name of the optimiser's worker processes (``footprints.optimiser.propose``).
WORKER_PROCESS_NAME = "footprints-optimiser-worker"

# A Ctrl-C reaches the whole process group; in the optimiser's workers the parent turns it
# into a stop and the worker finishes its area with the best plan so far. So a worker must
# ignore SIGINT from as early as it can: multiprocessing names the process before it imports
# anything of ours, and this is the first of our modules any worker imports.
_multiprocessing = sys.modules.get("multiprocessing")
if _multiprocessing is not None and _multiprocessing.current_process().name == WORKER_PROCESS_NAME:
    signal.signal(signal.SIGINT, signal.SIG_IGN)

__all__ = [
    "Band",
    "FootprintsError",
    "InfeasibleError",
    "InputError",
    "MissingColumnError",
    "Plan",
    "Problem",
]

__version__ = "0.1.0"
