"""The 2020 snapshot of the shared data that the benchmarks read, named in one place.

The data folder defaults to ``$FOOTPRINTS_SHARED_DATA``, else ``../shared/data`` beside the
repository. The paths below are relative to that folder. :func:`load_england` loads all of
England 2020 through :func:`footprints.region.load_region`: 6,720 practices (their
``pcn_code`` as the real plan), the 135 derived CCGs of April 2020, the 42 derived STPs and
the 314 local authority districts of 2020 standing in for nursing patches.

The scripts run as ``python benchmarks/<script>.py``, which puts this folder on
``sys.path``, so they import it as ``snapshot``.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from footprints.region import Region, load_region

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = Path(os.environ.get("FOOTPRINTS_SHARED_DATA", REPO.parent / "shared" / "data"))

PRACTICES = Path("practices/practices_2020.csv")
CCGS = Path("boundaries/ccg_2020_derived/ccg_2020_04_derived_from_ccg2019_buc.geojson")
STPS = Path("boundaries/stp_2020_derived/stp_2020_04_derived_from_ccg_buc.geojson")
LADS = Path("boundaries/lad_2020_derived/lad_2020_derived_from_lsoa2011_bgc.geojson")


def load_england(data: Path, *, plan: bool = True) -> Region:
    """England 2020 with CCGs, STPs, LAD stand-in patches and, with ``plan``, the real plan
    (``pcn_code`` of the practices file) as ``region.current``."""
    practices = data / PRACTICES
    return load_region(
        practices,
        data / CCGS,
        stp_boundaries=data / STPS,
        patches=data / LADS,
        plan=practices if plan else None,
    )


def add_england_options(parser: argparse.ArgumentParser, *, seed: bool = True) -> None:
    """The options of the whole-England runs: ``--data``, ``--time-limit`` (15 s per CCG),
    ``--processes`` (2) and, with ``seed``, ``--seed`` (0)."""
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--time-limit", type=float, default=15.0)
    parser.add_argument("--processes", type=int, default=2)
    if seed:
        parser.add_argument("--seed", type=int, default=0)
