"""Where patients live: NHS Digital's LSOA registrations file, LSOA polygons and centroids.

"Patients Registered at a GP Practice" is published every quarter with an LSOA-level file
(``gp-reg-pat-prac-lsoa-all.csv``): ``PUBLICATION, EXTRACT_DATE, PRACTICE_CODE,
PRACTICE_NAME, LSOA_CODE, SEX, NUMBER_OF_PATIENTS``, one row per practice and LSOA. It is
read plain, gzipped or zipped, and in the four-column shape some copies keep
(``PRACTICE_CODE, PRACTICE_NAME, LSOA_CODE, NUMBER_OF_PATIENTS``). Rows for Welsh LSOAs
(``W01…``) and for patients with no LSOA (``NO2011``, blank) are counted and reported,
not silently dropped; they count towards a practice's total but place nobody on the map.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from footprints.crs import BNG, WGS84
from footprints.errors import InputError, Problem, ProblemLog, count
from footprints.io.boundaries import read_boundaries
from footprints.io.cells import _parse_number, _refuse_one_sex
from footprints.io.columns import _Field, _resolve_columns
from footprints.io.tables import (
    PathLike,
    _check_exists,
    _decode,
    _delimiter,
    _read_csv,
    _unpacked,
)

__all__ = [
    "SET_ASIDE",
    "Registrations",
    "read_lsoa_boundaries",
    "read_lsoa_centroids",
    "read_lsoa_registrations",
    "registration_problems",
]

logger = logging.getLogger(__name__)

_ENGLISH_LSOA = re.compile(r"E01\d{6}")
_WELSH_LSOA = re.compile(r"W01\d{6}")
_SHOWN = 10  # bad rows named one by one before "and N more"

_REGISTRATION_FIELDS = [
    _Field("code", (("practice_code", "org_code", "code"),)),
    # the census year in the name too (``LSOA_2021_CODE``, ``LSOA21_CODE``), as ONS writes it
    _Field(
        "lsoa", (("lsoa_code", r"lsoa\d{2}cd", r"lsoa_20\d{2}_code", r"lsoa\d{2}_code", "lsoa"),)
    ),
    _Field("patients", (("number_of_patients", "patients", "count"),)),
    _Field("sex", (("sex",),)),
    _Field("extract_date", (("extract_date",),)),
]
_CENTROID_FIELDS = [
    _Field(
        "code", ((r"lsoa\d{2}cd", "lsoa_code", r"lsoa_20\d{2}_code", r"lsoa\d{2}_code", "code"),)
    ),
    _Field("easting", (("easting", "x"),)),
    _Field("northing", (("northing", "y"),)),
    _Field("lat", (("lat", "latitude"),)),
    _Field("lon", (("lon", "long", "longitude"),)),
]


SET_ASIDE = ("welsh_rows", "welsh_patients", "unplaced_rows", "unplaced_patients")
"""The columns of :attr:`Registrations.set_aside`."""


@dataclass(frozen=True)
class Registrations:
    """The LSOA registrations file: how many of each practice's patients live in each LSOA.

    Parameters
    ----------
    counts
        ``practice`` (str), ``lsoa`` (str, an English LSOA code), ``patients`` (int64, > 0):
        one row per practice and LSOA, rows for the same pair added together.
    totals
        Practice → all its patients in the file, Welsh and unplaced rows included (the
        figure that matches its published list size).
    source
        The file as the user named it.
    extract_date
        The file's ``EXTRACT_DATE`` (e.g. ``04JAN2021``), or ``None`` when it has none.
    welsh_rows, welsh_patients
        Rows (and their patients) for Welsh LSOAs.
    unplaced_rows, unplaced_patients
        Rows (and patients) with no LSOA code of England or Wales (``NO2011``, blank).
    unplaced_codes
        The codes those rows hold, as written (``NO2011`` in files of 2011 LSOAs, ``NO2021``
        or ``CLOSED`` in later ones; ``""`` for a blank cell), so that messages name them.
    set_aside
        The same four figures per practice (index: practice code; columns ``welsh_rows``,
        ``welsh_patients``, ``unplaced_rows``, ``unplaced_patients``), for the practices
        with any: what a region's practices set aside, not the whole file's.
    """

    counts: pd.DataFrame
    totals: pd.Series
    source: str
    extract_date: str | None = None
    welsh_rows: int = 0
    welsh_patients: int = 0
    unplaced_rows: int = 0
    unplaced_patients: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)
    unplaced_codes: tuple[str, ...] = ()
    set_aside: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SET_ASIDE))

    @property
    def practices(self) -> int:
        """The number of practices in the file."""
        return len(self.totals)

    @property
    def patients(self) -> int:
        """Every patient in the file, wherever they live."""
        return int(self.totals.sum())

    def unplaced_words(self) -> str:
        """Name the codes of the rows with no LSOA as the file writes them (``NO2021 or blank``).

        Files of 2011 LSOAs write ``NO2011``; later ones other codes: a fixed ``NO2011`` named
        a code the user's file does not hold.
        """
        codes = [code or "blank" for code in self.unplaced_codes] or ["blank"]
        shown = codes[:_SHOWN] + ([f"{len(codes) - _SHOWN:,} more"] if len(codes) > _SHOWN else [])
        return ", ".join(shown[:-1]) + " or " + shown[-1] if len(shown) > 1 else shown[0]

    def describe(self) -> str:
        """Say in one sentence what the file holds and what was set aside."""
        date = f" (extract {self.extract_date})" if self.extract_date else ""
        held = (
            f"{self.source}{date}: {count(self.practices, 'practice')}, "
            f"{count(self.patients, 'patient')}; "
        )
        parts = []
        if self.welsh_rows:
            parts.append(f"{self.welsh_patients:,} in {count(self.welsh_rows, 'Welsh LSOA row')}")
        if self.unplaced_rows:
            parts.append(
                f"{self.unplaced_patients:,} in {count(self.unplaced_rows, 'row')} with no LSOA "
                f"({self.unplaced_words()})"
            )
        if not parts:
            return held + "no Welsh LSOA rows and no rows without an LSOA: nothing set aside"
        return (
            held
            + " and ".join(parts)
            + " count towards practice totals but are not placed on the map"
        )


def _read_text(path: PathLike, source: str) -> str:
    """Read the file's text, unpacked from gzip or zip, up to the input size limit."""
    raw = Path(path).read_bytes()
    data = _unpacked(
        raw,
        source,
        table=False,
        prefer="all",
        wanted="one CSV of registrations by LSOA",
        fix="give gp-reg-pat-prac-lsoa-all.csv itself, or a zip holding only it",
    )
    if data is raw and raw.startswith(b"PK\x03\x04"):  # a zip holding no CSV, or damaged
        if not zipfile.is_zipfile(io.BytesIO(raw)):
            problem = Problem(source, "is not a readable zip archive", "download it again")
        elif "xl/workbook.xml" in zipfile.ZipFile(io.BytesIO(raw)).namelist():
            problem = Problem(  # an .xlsx is a zip: it was called one holding no CSV
                source,
                "is an Excel workbook, not a CSV: the registrations file is read as CSV",
                "save the sheet as 'CSV UTF-8 (comma delimited)', or give the published "
                "gp-reg-pat-prac-lsoa-all.csv (or the zip holding it)",
            )
        else:
            problem = Problem(
                source,
                "the archive should hold one CSV of registrations by LSOA (found none)",
                "give gp-reg-pat-prac-lsoa-all.csv itself, or a zip holding only it",
            )
        raise InputError([problem])
    return _decode(data, source)


def read_lsoa_registrations(path: PathLike) -> Registrations:
    """Read NHS Digital's LSOA registrations file (plain, ``.gz`` or ``.zip``).

    Parameters
    ----------
    path
        ``gp-reg-pat-prac-lsoa-all.csv`` as published, or a copy keeping
        ``PRACTICE_CODE, LSOA_CODE, NUMBER_OF_PATIENTS`` (other columns are ignored). Where a
        ``SEX`` column holds ``ALL`` rows only those are used; where it holds only ``MALE``
        and ``FEMALE`` rows they are added together (so are the rows of a practice that has
        no ``ALL`` rows among others that do, with a warning naming it).

    Returns
    -------
    Registrations
        The counts for English LSOAs, each practice's total, and what was set aside.

    Raises
    ------
    InputError
        For a missing file or column, or counts that are not whole numbers (each bad row
        named).
    """
    source = str(path)
    _check_exists(path, source)
    text = _read_text(path, source)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=_delimiter(text, source),
            dtype=str,
            keep_default_na=False,
            engine="c",
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise InputError(
            [Problem(source, f"cannot be read as CSV ({error})", "save it again as CSV")]
        ) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    # rows of empty cells (a spreadsheet's ",,,," lines) are no registrations; the index
    # keeps each row's number for the messages
    if len(frame.columns) and (frame.iloc[:, -1] == "").any():  # a blank row ends empty
        frame = frame[(frame != "").any(axis=1)]
    _refuse_the_totals_file(frame, source)
    if frame.empty:  # a download cut short: every practice would fall back without a word
        raise InputError(
            [
                Problem(
                    source,
                    "has a header but no rows",
                    "download gp-reg-pat-prac-lsoa-all.csv again: it has a row per practice "
                    "and LSOA",
                )
            ]
        )
    resolved = _resolve_columns(
        frame, _REGISTRATION_FIELDS, source=source, required=("code", "lsoa", "patients")
    )
    code_col, lsoa_col = str(resolved["code"]), str(resolved["lsoa"])
    patients_col = str(resolved["patients"])
    log = ProblemLog(source, logger)
    frame = _without_totals(frame, code_col, log)
    frame = _one_sex(frame, resolved["sex"], source, code_col)
    practice = _joined(frame[code_col].str.strip().str.upper(), "practice code", log)
    lsoa = _joined(frame[lsoa_col].str.strip().str.upper(), "LSOA code", log)
    patients = _counts(frame[patients_col], frame.index, source)
    totals = patients.groupby(practice.to_numpy()).sum().astype("int64")
    english = lsoa.str.fullmatch(_ENGLISH_LSOA.pattern).to_numpy()
    welsh = lsoa.str.fullmatch(_WELSH_LSOA.pattern).to_numpy()
    unplaced = ~(english | welsh)
    counts = pd.DataFrame(
        {
            "practice": practice.to_numpy()[english],
            "lsoa": lsoa.to_numpy()[english],
            "patients": patients.to_numpy()[english],
        }
    )
    counts = counts[counts["patients"] > 0]
    counts = counts.groupby(["practice", "lsoa"], as_index=False, sort=True)["patients"].sum()
    date_col = resolved["extract_date"]
    dates = sorted(set(frame[date_col].str.strip())) if date_col is not None else []
    registrations = Registrations(
        counts=counts.astype({"patients": "int64"}),
        totals=totals.sort_index(),
        source=source,
        extract_date=", ".join(d for d in dates if d) or None,
        welsh_rows=int(welsh.sum()),
        welsh_patients=int(patients.to_numpy()[welsh].sum()),
        unplaced_rows=int(unplaced.sum()),
        unplaced_patients=int(patients.to_numpy()[unplaced].sum()),
        unplaced_codes=tuple(sorted(set(lsoa.to_numpy()[unplaced]), key=lambda c: (not c, c))),
        set_aside=_set_aside(practice, patients, welsh, unplaced),
    )
    logger.info("%s", registrations.describe())
    return registrations


_TOTALS_LABEL = re.compile(r"(GRAND\s*)?TOTALS?|ALL(\s+PRACTICES)?|SUM", re.IGNORECASE)
"""A practice code cell that labels a row of sums (a spreadsheet's ``TOTAL`` line)."""


def _without_totals(frame: pd.DataFrame, code_col: str, log: ProblemLog) -> pd.DataFrame:
    """Drop rows of sums (practice code ``TOTAL``, ``All`` …), with a warning naming them.

    A file summed in a spreadsheet ends with a ``TOTAL,,,N`` line: read as a practice
    called TOTAL, its N patients (every patient again) were counted as having no LSOA.
    """
    codes = frame[code_col].str.strip()
    sums = codes.str.fullmatch(_TOTALS_LABEL.pattern, case=False).to_numpy()
    if not sums.any():
        return frame
    rows = frame.index[sums]
    shown = ", ".join(f"{codes[i]!r} on row {int(i) + 2}" for i in rows[:_SHOWN]) + (
        f" and {len(rows) - _SHOWN:,} more" if len(rows) > _SHOWN else ""
    )
    log.warn(
        f"{count(len(rows), 'row')} of sums, not of a practice ({shown}), left out",
        "nothing to do if those rows are totals; else give the practice's ODS code",
    )
    return frame[~sums]


def _joined(codes: pd.Series, what: str, log: ProblemLog) -> pd.Series:
    """Return the codes with any space inside removed, with a warning naming the first rows.

    ODS practice codes and ONS LSOA codes never hold a space; one typed or pasted inside
    (``E01 000001``) made the LSOA a stranger to the boundaries (its patients not placed)
    and the practice a stranger to the practices file.
    """
    spaced = codes.str.contains(r"\s", regex=True)
    if not spaced.any():
        return codes
    joined = codes.str.replace(r"\s+", "", regex=True)
    rows = codes.index[spaced.to_numpy()]
    shown = ", ".join(f"{codes[i]!r} on row {int(i) + 2}" for i in rows[:_SHOWN]) + (
        f" and {len(rows) - _SHOWN:,} more" if len(rows) > _SHOWN else ""
    )
    log.warn(
        f"{count(len(rows), what)} {'has a space' if len(rows) == 1 else 'have spaces'} "
        f"inside ({shown}); read without the spaces",
        f"remove the spaces from the {what}s in the file (they have none)",
    )
    return joined


def _unknown_lsoas(
    registrations: Registrations, codes: pd.Series, known: set[str]
) -> list[Problem]:
    """Warn about the loaded practices' patients in LSOAs the boundary file lacks."""
    counts = registrations.counts
    ours = counts[counts["practice"].isin(set(codes))]
    lost = ours[~ours["lsoa"].isin(known)]
    if lost.empty:
        return []
    missing = sorted(lost["lsoa"].unique())
    shown = ", ".join(missing[:_SHOWN]) + (
        f" and {len(missing) - _SHOWN:,} more" if len(missing) > _SHOWN else ""
    )
    return [
        Problem(
            registrations.source,
            f"of the {len(codes):,} practices loaded, {int(lost['patients'].sum()):,} patients "
            f"in {count(len(lost), 'row')} live in LSOAs that are not in the LSOA boundaries file "
            f"({shown}): they count towards their practices' totals but are not placed on the "
            "map, and a practice with none placed is given the Voronoi catchment of its surgery",
            "give LSOA boundaries of the same LSOA vintage as the registrations file (2011 "
            "codes, or 2021 codes in files from the 2021 Census LSOAs on), covering the area",
            severity="warning",
        )
    ]


def _refuse_the_totals_file(frame: pd.DataFrame, source: str) -> None:
    """Say so when the file is the practice totals of the same publication, not the LSOA file.

    Both are called "Patients Registered at a GP Practice"; the totals file
    (``gp-reg-pat-prac-all.csv``: ``CODE, POSTCODE, SEX, AGE, NUMBER_OF_PATIENTS``) gives
    list sizes, not where patients live.
    """
    names = {str(c).strip().lower() for c in frame.columns}
    if {"code", "age", "number_of_patients"} <= names and not any("lsoa" in n for n in names):
        raise InputError(
            [
                Problem(
                    source,
                    "this is NHS Digital's practice totals file (gp-reg-pat-prac-all.csv: list "
                    "sizes by practice), not the LSOA file: it does not say where patients live",
                    "give gp-reg-pat-prac-lsoa-all.csv from the same publication (its "
                    "'LSOA' zip); the totals file gives list sizes for the practices file",
                )
            ]
        )


def _set_aside(
    practice: pd.Series,
    patients: pd.Series,
    welsh: npt.NDArray[np.bool_],
    unplaced: npt.NDArray[np.bool_],
) -> pd.DataFrame:
    """Per practice with any: its Welsh and unplaced rows and patients (:data:`SET_ASIDE`)."""
    kept = welsh | unplaced
    counts = patients.to_numpy()[kept]
    table = pd.DataFrame(
        {
            "practice": practice.to_numpy()[kept],
            "welsh_rows": welsh[kept].astype("int64"),
            "welsh_patients": np.where(welsh[kept], counts, 0),
            "unplaced_rows": unplaced[kept].astype("int64"),
            "unplaced_patients": np.where(unplaced[kept], counts, 0),
        }
    )
    return table.groupby("practice").sum().astype("int64")[list(SET_ASIDE)]


def _one_sex(frame: pd.DataFrame, sex_col: str | None, source: str, code_col: str) -> pd.DataFrame:
    """Keep each practice's ``ALL`` rows where it has them; otherwise its rows (male + female).

    A file of one sex only (NHS Digital's ``gp-reg-pat-prac-lsoa-male.csv`` or ``-female``,
    beside the all-persons file in the published zip) is refused: it would place half of
    each practice's patients, with a warning per practice that its count is half its list.
    A file joined from the all-persons file and the male and female ones may give some
    practices ``ALL`` rows and others only ``MALE`` and ``FEMALE`` rows: the practices
    without ``ALL`` rows are counted as male + female, with a warning naming them (keeping
    only the ``ALL`` rows dropped those practices, who then had no homes at all).
    """
    if sex_col is None:
        return frame
    sex = frame[sex_col].str.strip().str.upper()
    if (sex == "ALL").any():
        practice = frame[code_col].str.strip().str.upper()
        with_all = set(practice[sex == "ALL"])
        summed = ~practice.isin(with_all)
        if summed.any():
            codes = sorted(set(practice[summed]))
            shown = ", ".join(codes[:10]) + (
                f" and {len(codes) - 10:,} more" if len(codes) > 10 else ""
            )
            logger.warning(
                "%s",
                Problem(
                    source,
                    f"{len(codes):,} practice{' has' if len(codes) == 1 else 's have'} no "
                    f"{sex_col} = ALL rows ({shown}): {'its' if len(codes) == 1 else 'their'} "
                    "other rows (male and female) are added together",
                    "nothing to do if the file joins the all-persons file with the male and "
                    "female ones; otherwise check the file holds every practice's ALL rows",
                    severity="warning",
                ),
            )
        return frame[(sex == "ALL") | summed]
    _refuse_one_sex(
        set(sex.unique()),
        column=sex_col,
        source=source,
        fix="give the all-persons file, gp-reg-pat-prac-lsoa-all.csv (or the zip holding it)",
    )
    return frame


def _counts(values: pd.Series, index: pd.Index, source: str) -> pd.Series:
    """Whole numbers ≥ 0, or an InputError naming every bad row (the first few)."""
    text = values.str.strip()
    good = text.str.fullmatch(r"\d+")
    if not good.all():  # a spreadsheet's "1,234" or "1234.0": read as list sizes are
        text = text.copy()
        for i in index[~good]:
            try:
                value = _parse_number(str(text[i]), whole=True)
            except ValueError:
                continue
            if value is not None and value >= 0 and value == int(value):
                text[i], good[i] = str(int(value)), True
    if not good.all():
        log = ProblemLog(source, logger)
        bad = [(int(i) + 2, t) for i, t in zip(index[~good], text[~good], strict=True)]
        for row, cell in bad[:_SHOWN]:
            log.error(
                f"NUMBER_OF_PATIENTS {cell!r} is not a whole number of patients",
                "give a whole count of 0 or more",
                row=row,
            )
        if len(bad) > _SHOWN:
            log.error(f"{len(bad) - _SHOWN:,} more rows have counts that are not whole numbers")
        log.raise_if_errors()
    return pd.Series(text.astype("int64").to_numpy(), index=index)


def read_lsoa_boundaries(path: PathLike, *, code_column: str | None = None) -> gpd.GeoDataFrame:
    """Read LSOA polygons (ONS BGC, or any file pyogrio reads with an LSOA code column).

    Returns
    -------
    geopandas.GeoDataFrame
        ``code``, ``name``, geometry (EPSG:27700), one row per LSOA.
    """
    try:
        layer = read_boundaries(path, code_column=code_column, level="lsoa")
    except InputError as error:
        if not any(p.message.startswith("has no geometries") for p in error.problems):
            raise
        raise InputError([_table_as_lsoa_boundaries(path)]) from None
    return gpd.GeoDataFrame(
        {"code": layer["code"], "name": layer["name"]}, geometry=layer.geometry, crs=BNG
    )


def _table_as_lsoa_boundaries(path: PathLike) -> Problem:
    """Return the problem of a table given as the LSOA polygons, naming --lsoa-centroids.

    The ONS population-weighted centroids (a CSV of LSOA points) sit beside the polygons
    on the portal, and a new user gives them as the boundaries: say which option takes them.
    """
    try:
        frame = _read_csv(path, table=False)
        resolved = _resolve_columns(frame, _CENTROID_FIELDS, source=str(path), required=("code",))
    except (InputError, ValueError, OSError):
        points = False
    else:
        points = (resolved["easting"] is not None and resolved["northing"] is not None) or (
            resolved["lat"] is not None and resolved["lon"] is not None
        )
    if points:
        return Problem(
            str(path),
            "is a table of LSOA points (codes with coordinates, such as the ONS "
            "population-weighted centroids), not the LSOA polygons",
            "give this file with --lsoa-centroids, and the LSOA boundaries (ONS 'LSOA "
            "(2011) Boundaries', as GeoJSON, GeoPackage or a zipped shapefile) with "
            "--lsoa-boundaries",
        )
    return Problem(
        str(path),
        "has no geometries (is it a table rather than a boundary file?)",
        "give the LSOA polygons (ONS 'LSOA (2011) Boundaries') as GeoJSON, GeoPackage or a "
        "zipped shapefile with --lsoa-boundaries",
    )


def read_lsoa_centroids(path: PathLike) -> pd.DataFrame:
    """Read LSOA population-weighted centroids (CSV with a code and easting/northing or lat/lon).

    The CSV may be gzipped or zipped, like every CSV footprints reads.

    Returns
    -------
    pandas.DataFrame
        ``code``, ``x``, ``y`` (British National Grid metres).

    Raises
    ------
    InputError
        For a file that is no CSV, a missing column, and every row whose code is repeated or
        whose coordinates are empty or not numbers (the first few named by row and code).
    """
    source = str(path)
    frame = _read_csv(path, table=False)
    resolved = _resolve_columns(frame, _CENTROID_FIELDS, source=source, required=("code",))
    codes = frame[str(resolved["code"])].str.strip().str.upper()
    if resolved["easting"] is not None and resolved["northing"] is not None:
        pair = (str(resolved["easting"]), str(resolved["northing"]))
    elif resolved["lat"] is not None and resolved["lon"] is not None:
        pair = (str(resolved["lat"]), str(resolved["lon"]))
    else:
        raise InputError(
            [
                Problem(
                    source,
                    "has no coordinates: neither easting/northing nor lat/lon columns",
                    "give the ONS population-weighted centroids file, which has both",
                )
            ]
        )
    first = pd.to_numeric(frame[pair[0]], errors="coerce")
    second = pd.to_numeric(frame[pair[1]], errors="coerce")
    log = ProblemLog(source, logger)
    bad = np.flatnonzero((first.isna() | second.isna()).to_numpy())
    for position in bad[:_SHOWN]:
        cells = f"{frame[pair[0]].iloc[position]!r}, {frame[pair[1]].iloc[position]!r}"
        log.error(
            f"{pair[0]}/{pair[1]} {cells} are not both numbers",
            f"give {pair[0]} and {pair[1]} as numbers, or delete the row (the LSOA then "
            "takes a point inside its polygon)",
            row=int(position) + 2,
            code=codes.iloc[position] or None,
        )
    if len(bad) > _SHOWN:
        log.error(f"{len(bad) - _SHOWN:,} more rows have coordinates that are not numbers")
    repeated = codes[codes.duplicated(keep=False) & (codes != "")]
    for code, rows in repeated.groupby(repeated).groups.items():
        log.error(
            f"LSOA {code} appears on rows {', '.join(str(int(r) + 2) for r in rows)}",
            "keep one centroid per LSOA",
            row=int(rows[1]) + 2,
            code=str(code),
        )
    log.raise_if_errors()
    if pair[0] == str(resolved["lat"]):
        points = gpd.GeoSeries.from_xy(second, first, crs=WGS84).to_crs(BNG)
        x, y = points.x, points.y
    else:
        x, y = first, second
    table = pd.DataFrame({"code": codes, "x": x, "y": y})
    return table[table["code"] != ""].reset_index(drop=True)


def registration_problems(
    registrations: Registrations,
    practices: pd.DataFrame,
    *,
    tolerance: float,
    lsoa_codes: Iterable[str] | None = None,
) -> list[Problem]:
    """Warnings about a registrations file against the practices loaded.

    What was set aside (Welsh LSOAs, patients with no LSOA), patients in English LSOAs that
    ``lsoa_codes`` (the LSOA boundaries' codes, where given) lacks, practices absent from the
    file (they get the Voronoi fallback), and each practice whose registered patients differ
    from its list size by more than ``tolerance`` (a share of its list size).
    """
    source = registrations.source
    problems: list[Problem] = []
    codes = practices["code"].astype(str)
    if lsoa_codes is not None:
        problems.extend(_unknown_lsoas(registrations, codes, set(lsoa_codes)))
    ours = registrations.set_aside.reindex(codes.to_numpy()).fillna(0).astype("int64").sum()
    if ours["welsh_rows"] or ours["unplaced_rows"]:
        whole = (
            f" (in the whole file: {registrations.welsh_patients:,} in "
            f"{count(registrations.welsh_rows, 'Welsh row')}, "
            f"{registrations.unplaced_patients:,} in "
            f"{count(registrations.unplaced_rows, 'row')} with no LSOA)"
            if (registrations.welsh_rows, registrations.unplaced_rows)
            != (ours["welsh_rows"], ours["unplaced_rows"])
            else ""
        )
        problems.append(
            Problem(
                source,
                f"of the {len(codes):,} practices loaded, "
                + " and ".join(
                    part
                    for rows, part in (
                        (
                            ours["welsh_rows"],
                            f"{ours['welsh_patients']:,} patients in "
                            f"{count(ours['welsh_rows'], 'row')} live in Welsh LSOAs",
                        ),
                        (
                            ours["unplaced_rows"],
                            f"{ours['unplaced_patients']:,} "
                            + ("" if ours["welsh_rows"] else "patients ")
                            + f"in {count(ours['unplaced_rows'], 'row')} have no LSOA "
                            f"({registrations.unplaced_words()})",
                        ),
                    )
                    if rows
                )
                + f"{whole}: they count towards their practices' totals but are "
                "not placed on the map",
                severity="warning",
            )
        )
    sizes = pd.to_numeric(practices["list_size"], errors="coerce").fillna(0).astype("int64")
    totals = registrations.totals.reindex(codes.to_numpy())
    missing = codes[totals.isna().to_numpy()].tolist()
    if missing:
        shown = ", ".join(missing[:12]) + (
            f" and {len(missing) - 12} more" if len(missing) > 12 else ""
        )
        problems.append(
            Problem(
                source,
                f"{len(missing):,} practice{'s have' if len(missing) != 1 else ' has'} no "
                f"registrations in the file ({shown}): "
                + ("each is" if len(missing) != 1 else "it is")
                + " given the Voronoi catchment of its surgery instead",
                "use a registrations file of the same quarter as the practices, or check "
                "that these practices were open then",
                severity="warning",
            )
        )
    found = totals.notna().to_numpy()
    registered, listed = totals[found].astype("int64").to_numpy(), sizes[found].to_numpy()
    differ = np.abs(registered - listed) > tolerance * np.maximum(listed, 1)
    if differ.sum() > 1:  # one line for the files as a whole, then each practice
        problems.append(
            Problem(
                source,
                f"{int(differ.sum()):,} of the {int(found.sum()):,} practices in the file have "
                f"registered patients differing from their list size by more than "
                f"{tolerance:.0%} ({int(registered[differ].sum()):,} registered against "
                f"{int(listed[differ].sum()):,} listed)",
                "give list sizes and registrations of the same month (NHS Digital's "
                "'Patients Registered at a GP Practice' publishes both)",
                severity="warning",
            )
        )
    for code, size, total in zip(
        codes[found], sizes[found], totals[found].astype("int64"), strict=True
    ):
        if abs(int(total) - int(size)) > tolerance * max(int(size), 1):
            problems.append(
                Problem(
                    source,
                    f"practice {code} has {int(total):,} registered patients in the file but a "
                    f"list size of {int(size):,} ({int(total) - int(size):+,})",
                    "check that both files are of the same date; the map places the "
                    "registered patients, the band counts the list size",
                    code=code,
                    severity="warning",
                )
            )
    return problems
