"""Postcode lookups (Code-Point Open, ONSPD): postcode → British National Grid point.

Postcodes are compared normalised (:func:`normalise_postcode`: spaces removed, upper case).
A lookup gives easting/northing, or lat/long projected to British National Grid.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import Transformer

from footprints.crs import BNG, WGS84
from footprints.errors import InputError, MissingColumnError, Problem
from footprints.io.columns import _POSTCODE_FIELDS, _resolve_columns
from footprints.io.tables import PathLike, _read_csv, _strip_cells, _with_header

__all__ = [
    "normalise_postcode",
    "read_postcode_lookup",
]

logger = logging.getLogger(__name__)


def normalise_postcode(postcode: object) -> str:
    """``"ts18 1hu "`` → ``"TS181HU"``: spaces removed, upper case."""
    return re.sub(r"\s+", "", str(postcode)).upper()


def _postcode_frame(frame: pd.DataFrame, *, source: str) -> gpd.GeoDataFrame:
    resolved = _resolve_columns(frame, _POSTCODE_FIELDS, source=source, required=("postcode",))
    has_bng = resolved["easting"] is not None and resolved["northing"] is not None
    has_latlon = resolved["lat"] is not None and resolved["lon"] is not None
    if not (has_bng or has_latlon):
        raise MissingColumnError(
            f"{source}: no coordinate columns. Columns found: "
            f"{', '.join(map(str, frame.columns))}. Give easting,northing (or oseast1m,osnrth1m)"
            " or lat,long."
        )

    def numbers(name: str) -> pd.Series:
        column = resolved[name]
        if column is None:
            return pd.Series(np.nan, index=frame.index)
        # as floats: whole-number eastings read as int64 could not take projected lat/longs
        return pd.to_numeric(frame[column].str.replace(",", ""), errors="coerce").astype(float)

    east, north = numbers("easting"), numbers("northing")
    lat, lon = numbers("lat"), numbers("lon")
    # ONSPD marks postcodes with no grid reference as 99.999999 / 0.000000
    lat = lat.where(lat.abs() <= 90)
    use_latlon = (east.isna() | north.isna()) & lat.notna() & lon.notna()
    if use_latlon.any():
        to_bng = Transformer.from_crs(WGS84, BNG, always_xy=True)
        e, n = to_bng.transform(lon[use_latlon].to_numpy(), lat[use_latlon].to_numpy())
        east = east.copy()
        north = north.copy()
        east[use_latlon] = e
        north[use_latlon] = n
    table = pd.DataFrame(
        {
            "postcode": frame[resolved["postcode"]].map(normalise_postcode),
            "easting": east.astype(float),
            "northing": north.astype(float),
        }
    )
    located = table["easting"].notna() & table["northing"].notna() & (table["postcode"] != "")
    table = table[located].drop_duplicates("postcode").reset_index(drop=True)
    lookup = gpd.GeoDataFrame(
        table, geometry=gpd.points_from_xy(table["easting"], table["northing"]), crs=BNG
    )
    lookup.attrs["source"] = source
    logger.info(
        "%s: %d postcodes with coordinates (%d rows without skipped)",
        source,
        len(lookup),
        int((~located).sum()),
    )
    return lookup


def read_postcode_lookup(path: PathLike) -> gpd.GeoDataFrame:
    """Read a postcode lookup: Code-Point Open (with or without header) or ONSPD style.

    Postcodes are normalised (spaces removed, upper case); rows without coordinates are
    skipped; lat/long are projected to British National Grid when easting/northing are absent.

    Returns
    -------
    geopandas.GeoDataFrame
        ``postcode, easting, northing, geometry`` in EPSG:27700, one row per postcode.
    """
    source = str(path)
    frame = _read_csv(path, header=False, table=False)  # a lookup may cover England
    if frame.empty:
        raise InputError([Problem(source, "the file is empty", "give a postcode lookup")])
    first = frame.iloc[0].tolist()
    # Code-Point Open CSVs have no header: postcode, quality, eastings, northings, ...
    headerless = len(first) >= 4 and all(re.fullmatch(r"-?\d+(\.\d+)?", v) for v in first[2:4])
    if headerless:
        frame = frame.rename(columns={0: "postcode", 2: "easting", 3: "northing"})
        frame = frame[["postcode", "easting", "northing"]]
    else:
        frame = _with_header(frame, source)
    lookup = _postcode_frame(frame, source=source)
    if lookup.empty:
        raise InputError(
            [
                Problem(
                    source,
                    f"none of its {len(frame)} rows has a postcode with coordinates",
                    "give a lookup with postcode and easting,northing (or lat,long) filled in",
                )
            ]
        )
    return lookup


def _sector(postcode: str) -> str | None:
    """Return a normalised postcode's sector: ``"LA142IB"`` → ``"LA142"``.

    The sector is the outward code and the inward code's digit; ``None`` when ``postcode``
    has not a postcode's shape.
    """
    if not 5 <= len(postcode) <= 7 or not postcode[-3].isdigit() or not postcode[0].isalpha():
        return None
    return postcode[:-2]


def _sector_centres(
    lookup: Mapping[str, tuple[float, float]],
) -> dict[str, tuple[float, float, int]]:
    """Each postcode sector's mean easting, northing and number of postcodes in ``lookup``."""
    sums: dict[str, list[float]] = {}
    for postcode, (x, y) in lookup.items():
        sector = _sector(postcode)
        if sector is not None:
            total = sums.setdefault(sector, [0.0, 0.0, 0.0])
            total[0] += x
            total[1] += y
            total[2] += 1
    return {s: (x / n, y / n, int(n)) for s, (x, y, n) in sums.items()}


def _postcode_table(postcodes: PathLike | pd.DataFrame) -> dict[str, tuple[float, float]]:
    ready = isinstance(postcodes, pd.DataFrame) and {"postcode", "easting", "northing"} <= set(
        postcodes.columns
    )
    if ready and isinstance(postcodes, pd.DataFrame):
        ready = bool(postcodes[["easting", "northing"]].notna().all().all())
    if ready and isinstance(postcodes, pd.DataFrame):
        table = postcodes  # already a lookup (read_postcode_lookup's output)
    elif isinstance(postcodes, pd.DataFrame):
        plain = pd.DataFrame(postcodes.drop(columns="geometry", errors="ignore"))
        table = _postcode_frame(_strip_cells(plain), source="postcodes")
    else:
        table = read_postcode_lookup(postcodes)
    return {
        normalise_postcode(p): (float(e), float(n))
        for p, e, n in zip(table["postcode"], table["easting"], table["northing"], strict=True)
    }
