"""The 2020 snapshot of the shared data that the benchmarks read, named in one place.

The data folder defaults to ``$FOOTPRINTS_SHARED_DATA``, else ``../shared/data`` beside the
repository. The paths below are relative to that folder. :func:`load_england` loads all of
England 2020 through :func:`footprints.region.load_region`: 6,720 practices (their
``pcn_code`` as the real plan), the 135 derived CCGs of April 2020, the 42 derived STPs and
the 314 local authority districts of 2020 standing in for nursing patches.

:func:`load_england_2021` loads the 2021 snapshot, and both take the January 2021 LSOA
registrations for registration geography.

The scripts run as ``python benchmarks/<script>.py``, which puts this folder on
``sys.path``, so they import it as ``snapshot``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import pandas as pd

from footprints.region import Region, load_region

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = Path(os.environ.get("FOOTPRINTS_SHARED_DATA", REPO.parent / "shared" / "data"))

PRACTICES = Path("practices/practices_2020.csv")
CCGS = Path("boundaries/ccg_2020_derived/ccg_2020_04_derived_from_ccg2019_buc.geojson")
STPS = Path("boundaries/stp_2020_derived/stp_2020_04_derived_from_ccg_buc.geojson")
LADS = Path("boundaries/lad_2020_derived/lad_2020_derived_from_lsoa2011_bgc.geojson")


def load_england(data: Path, *, plan: bool = True, registrations: bool = False) -> Region:
    """England 2020 with CCGs, STPs, LAD stand-in patches and, with ``plan``, the real plan
    (``pcn_code`` of the practices file) as ``region.current``; with ``registrations``, on
    registration geography (the January 2021 LSOA file: practices closed during 2020 are
    not in it and get the Voronoi fallback)."""
    practices = data / PRACTICES
    return load_region(
        practices,
        data / CCGS,
        stp_boundaries=data / STPS,
        patches=data / LADS,
        plan=practices if plan else None,
        **(registration_files(data) if registrations else {}),
    )


def add_england_options(parser: argparse.ArgumentParser, *, seed: bool = True) -> None:
    """The options of the whole-England runs: ``--data``, ``--time-limit`` (15 s per CCG),
    ``--processes`` (2) and, with ``seed``, ``--seed`` (0)."""
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--time-limit", type=float, default=15.0)
    parser.add_argument("--processes", type=int, default=2)
    if seed:
        parser.add_argument("--seed", type=int, default=0)


# ---- registration geography: the 2021 snapshot and the January 2021 LSOA registrations

PRACTICES_2021 = Path("practices/practices_2021.csv")
CCGS_2021 = Path("boundaries/ccg_2021/ccg_2021_04_buc.geojson")
STPS_2021 = Path("boundaries/stp_2021_derived/stp_2021_04_derived_from_ccg2021_buc.geojson")
REGISTRATIONS = Path("registrations/gp-reg-pat-prac-lsoa-all_2021-01.csv.gz")
LSOA_BOUNDARIES = Path("lsoa/lsoa2011_bgc_england_simplified.geojson")
LSOA_CENTROIDS = Path("lsoa/lsoa2011_population_weighted_centroids_england.csv")
LIST_SIZE_2021 = "list_size_2021_01_gpreg"
"""The 2021 file has two list sizes; this one (NHS Digital, January 2021) is the one the
January 2021 LSOA registrations add up to, practice by practice."""


def registration_files(data: Path) -> dict[str, Path]:
    """The keyword arguments of :func:`load_region` that switch on registration geography."""
    return {
        "registrations": data / REGISTRATIONS,
        "lsoa_boundaries": data / LSOA_BOUNDARIES,
        "lsoa_centroids": data / LSOA_CENTROIDS,
    }


def load_england_2021(data: Path, *, registrations: bool = True) -> Region:
    """England 2021: 6,571 practices (``pcn_code`` as the real plan), the 106 CCGs of April
    2021, the 42 derived STPs and the LAD stand-in patches, with the January 2021 LSOA
    registrations when ``registrations``.

    The practices file carries two list sizes (QOF and NHS Digital's); a copy keeping only
    :data:`LIST_SIZE_2021` is read from a temporary folder (outside the repository). Babylon
    GP at Hand Birmingham (Y06487), registered to NHS North West London but standing 133 km
    away, stays in that CCG with a warning, as any far-away practice does.
    """
    raw = pd.read_csv(data / PRACTICES_2021, dtype=str, keep_default_na=False)
    others = [c for c in raw.columns if c.startswith("list_size_") and c != LIST_SIZE_2021]
    with tempfile.TemporaryDirectory() as folder:
        practices = Path(folder) / PRACTICES_2021.name
        raw.drop(columns=others).to_csv(practices, index=False)
        return load_region(
            practices,
            data / CCGS_2021,
            stp_boundaries=data / STPS_2021,
            patches=data / LADS,
            plan=practices,
            **(registration_files(data) if registrations else {}),
        )
