"""Fuzzing the loaders: any input either loads or raises one of footprints' own errors.

Hypothesis writes random CSV text (headers drawn from the accepted aliases plus junk; cells
empty, text, numbers, unicode, huge, NaN, quotes, delimiters, newlines; in UTF-8, UTF-8 with
BOM or Latin-1) and random GeoJSON (feature collections with missing, garbage or wrong-type
geometry, nested junk properties) and feeds them to every loader. Anything but a
:class:`~footprints.errors.FootprintsError` — a pandas, GDAL or shapely exception, a Python
warning (pytest turns warnings into errors) — fails the test: the user would see a traceback.

Bounded for speed: ``FUZZ_EXAMPLES`` examples per loader (120; set
``FOOTPRINTS_FUZZ_EXAMPLES=2000`` for a deep run), no deadline.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from footprints.errors import FootprintsError
from footprints.io import (
    read_boundaries,
    read_epcn,
    read_epraccur,
    read_gp_reg_pat,
    read_patches,
    read_plan,
    read_postcode_lookup,
    read_practices,
    read_qof_mapping,
)

FUZZ_EXAMPLES = int(os.environ.get("FOOTPRINTS_FUZZ_EXAMPLES", "120"))  # raise for a deep run
TEST_DATA = Path(__file__).resolve().parent / "data"

FUZZ = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="footprints-fuzz-") as folder:
        yield Path(folder)


# --------------------------------------------------------------------------------------------
# CSV text
# --------------------------------------------------------------------------------------------

PRACTICE_HEADERS = [
    "code", "name", "list_size", "lat", "lon", "easting", "northing", "postcode", "ccg",
    "stp", "patch", "network", "practice_code", "ORG_CODE", "NUMBER_OF_PATIENTS",
    "list_size_2020_01", "list_size_2021_01_qof", "latitude", "longitude", "pcn_code",
    "ccg20_ons_code", "ccg20_code", "STP20_CODE", "Practice Name", "CCG20CD", "oseast1m",
]  # fmt: skip
PLAN_HEADERS = [
    "practice_code", "network_id", "network_name", "code", "network", "pcn_code", "pcn_name",
    "Partner Organisation Code", "PCN Code", "PCN Name", "Practice to PCN Relationship End Date",
]  # fmt: skip
EPCN_HEADERS = [
    "Partner Organisation Code", "Partner Name", "PCN Code", "PCN Name",
    "Practice Parent CCG Code", "Practice to PCN Relationship End Date", "code", "end_date",
]  # fmt: skip
GP_REG_HEADERS = [
    "CODE", "PRACTICE_CODE", "NUMBER_OF_PATIENTS", "ONS_CCG_CODE", "CCG_CODE", "POSTCODE",
    "SEX", "AGE", "list_size", "ORG_CODE",
]  # fmt: skip
QOF_HEADERS = [
    "PRACTICE_CODE", "PRACTICE_NAME", "CCG_ONS_CODE", "CCG_ODS_CODE", "STP_ONS_CODE",
    "STP_CODE", "PCN_ODS_CODE", "PCN_NAME", "PCN_CODE",
]  # fmt: skip
EPRACCUR_HEADERS = [
    "org_code", "name", "postcode", "open_date", "close_date", "status_code", "commissioner",
    "prescribing_setting", "code", "status",
]  # fmt: skip
POSTCODE_HEADERS = [
    "postcode", "pcds", "pcd", "pcd2", "postcode_nospace", "easting", "northing", "oseast1m",
    "osnrth1m", "lat", "long", "latitude", "longitude",
]  # fmt: skip

SPECIAL_CELLS = [
    "", " ", "NaN", "nan", "NULL", "None", "inf", "-inf", "1e400", "-0", "0", "-1", "4111.5",
    "12,345", "1,2,3", "54,5", "12 345", "99999999999999999999999", "1.23457E+11", "8.1E+04",
    "81001.0", "A81001", "a81001 ", "U", "E38000001", "01A", "TS18 1HU", "ZZ99 9ZZ",
    "54.5", "-1.3", "444136", "518701", "55.95", "-3.19", "51.48", "-3.18", "4", "A", "=A1",
    '"', '""', ",", ";", "\t", "\n", "\r\n", "é", "\u200b", "\ufeff", "\u00a0", "🏥", "x" * 300,
]  # fmt: skip
ENGLAND_NUMBERS = st.one_of(
    st.floats(min_value=50.0, max_value=55.5).map(lambda v: f"{v:.5f}"),
    st.floats(min_value=-5.5, max_value=1.7).map(lambda v: f"{v:.5f}"),
    st.integers(min_value=90_000, max_value=650_000).map(str),
    st.integers(min_value=0, max_value=200_000).map(str),
)
CELLS = st.one_of(
    st.sampled_from(SPECIAL_CELLS),
    ENGLAND_NUMBERS,
    st.text(max_size=12),
    st.text(alphabet=",;\t\"'\n\r |\\=", max_size=6),
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)


# Plausible values by (normalised) column name, so that many examples load and the code
# after the header checks is exercised too; junk cells are mixed in.
PLAUSIBLE: dict[str, st.SearchStrategy[str]] = {
    "code": st.one_of(
        st.integers(81_000, 81_999).map(lambda n: f"A{n}"),
        st.sampled_from(["a81003", " B82004 ", "P1", "Y00001"]),
    ),
    "name": st.sampled_from(["The Densham Surgery", "Café Surgery", "Dr Ó Néill", ""]),
    "list_size": st.one_of(
        st.integers(0, 60_000).map(str), st.sampled_from(["12,345", "4111.0", "0"])
    ),
    "lat": st.floats(50.0, 55.5).map(lambda v: f"{v:.6f}"),
    "lon": st.floats(-5.5, 1.7).map(lambda v: f"{v:.6f}"),
    "easting": st.integers(90_000, 650_000).map(str),
    "northing": st.integers(10_000, 660_000).map(str),
    "postcode": st.sampled_from(["TS18 1HU", "ts181hu", "TS182AW", "ZZ99 9ZZ", ""]),
    "ccg": st.sampled_from(["E38000247", "16C", "00K", "", "01A"]),
    "stp": st.sampled_from(["E54000050", "QHM", ""]),
    "patch": st.sampled_from(["NORTH", "SOUTH", ""]),
    "network": st.sampled_from(["U89141", "U", "N1", "N2", ""]),
    "network_name": st.sampled_from(["Stockton PCN", "", "=VLOOKUP(A2)"]),
    "sex": st.sampled_from(["ALL", "MALE", ""]),
    "age": st.sampled_from(["ALL", "0_4", ""]),
    "status": st.sampled_from(["A", "C", "D"]),
    "prescribing_setting": st.sampled_from(["4", "8", ""]),
    "end_date": st.sampled_from(["", "", "20200331"]),
}
_ROLE = {
    "practice_code": "code", "org_code": "code", "partner_organisation_code": "code",
    "practice_name": "name", "partner_name": "name", "number_of_patients": "list_size",
    "list_size_2020_01": "list_size", "list_size_2021_01_qof": "list_size",
    "latitude": "lat", "longitude": "lon", "long": "lon", "oseast1m": "easting",
    "osnrth1m": "northing", "pcds": "postcode", "pcd": "postcode", "pcd2": "postcode",
    "postcode_nospace": "postcode", "pcn_code": "network", "pcn_ods_code": "network",
    "network_id": "network", "pcn_name": "network_name", "ccg20_ons_code": "ccg",
    "ccg20_code": "ccg", "ccg20cd": "ccg", "ons_ccg_code": "ccg", "ccg_code": "ccg",
    "ccg_ons_code": "ccg", "ccg_ods_code": "ccg", "commissioner": "ccg",
    "practice_parent_ccg_code": "ccg", "stp20_code": "stp", "stp_ons_code": "stp",
    "stp_code": "stp", "status_code": "status",
    "practice_to_pcn_relationship_end_date": "end_date",
}  # fmt: skip
# Headers that make each loader's required columns, to start the plausible examples from.
VALID_HEADERS: dict[str, list[list[str]]] = {
    "practices": [
        ["code", "name", "list_size", "lat", "lon"],
        ["practice_code", "Practice Name", "NUMBER_OF_PATIENTS", "easting", "northing", "ccg"],
        ["code", "name", "list_size", "postcode", "network", "patch"],
    ],
    "plan": [["practice_code", "network_id", "network_name"], ["code", "pcn_code"]],
    "epcn": [EPCN_HEADERS[:6]],
    "gp_reg": [["CODE", "POSTCODE", "SEX", "AGE", "NUMBER_OF_PATIENTS", "ONS_CCG_CODE"]],
    "qof": [["PRACTICE_CODE", "PRACTICE_NAME", "CCG_ONS_CODE", "STP_ONS_CODE", "PCN_ODS_CODE"]],
    "epraccur": [["org_code", "name", "postcode", "status_code", "commissioner"]],
    "postcodes": [["postcode", "easting", "northing"], ["pcds", "lat", "long"]],
}


def _role(header: str) -> str:
    normal = "_".join("".join(c if c.isalnum() else " " for c in header.lower()).split())
    return _ROLE.get(normal, normal)


@st.composite
def csv_bytes(
    draw: st.DrawFn, headers: list[str], valid: list[list[str]], *, header_row: bool = True
) -> bytes:
    """A CSV file's bytes: junk, or a valid header with plausible cells and junk mixed in."""
    plausible = draw(st.booleans())
    if plausible:
        header = list(draw(st.sampled_from(valid)))
        header += draw(
            st.lists(st.one_of(st.sampled_from(headers), st.text(max_size=6)), max_size=2)
        )
        header = draw(st.permutations(header))
    else:
        header = draw(
            st.lists(
                st.one_of(st.sampled_from(headers), st.text(max_size=8)), min_size=1, max_size=8
            )
        )
    width = len(header)

    def cell(column: str) -> st.SearchStrategy[str]:
        good = PLAUSIBLE.get(_role(column))
        if plausible and good is not None:
            return st.one_of(*[good] * 7, CELLS)  # mostly plausible
        return CELLS

    row = st.tuples(*(cell(c) for c in header)).map(list)
    junk_row = st.lists(CELLS, max_size=width + 2)
    rows = draw(st.lists(row if plausible else st.one_of(row, junk_row), max_size=6))
    table = ([header] if header_row else []) + rows
    if draw(st.booleans()) or plausible:  # well-formed quoting
        buffer = io.StringIO()
        sep = draw(st.sampled_from([",", ",", ",", ";", "\t"]))
        csv.writer(buffer, delimiter=sep).writerows(table)
        text = buffer.getvalue()
    else:  # naive joins: broken quoting, stray delimiters
        text = "\n".join(",".join(cells) for cells in table)
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "latin-1", "utf-16"]))
    return text.encode(encoding, errors="replace")


def _loads_or_raises_own_error(load: Callable[[Path], Any], path: Path) -> None:
    """Any other exception (or warning, made an error by pytest) fails the example."""
    with contextlib.suppress(FootprintsError):
        load(path)


def _write(workdir: Path, name: str, data: bytes) -> Path:
    path = workdir / name
    path.write_bytes(data)
    return path


POSTCODES = TEST_DATA / "io_postcodes.csv"

CSV_LOADERS: list[tuple[str, Callable[[Path], Any], list[str], str, bool]] = [
    ("read_practices", read_practices, PRACTICE_HEADERS, "practices", True),
    (
        "read_practices_postcodes",
        lambda p: read_practices(p, postcodes=POSTCODES),
        PRACTICE_HEADERS,
        "practices",
        True,
    ),
    ("read_plan", read_plan, PLAN_HEADERS, "plan", True),
    ("read_epcn", read_epcn, EPCN_HEADERS, "epcn", True),
    ("read_gp_reg_pat", read_gp_reg_pat, GP_REG_HEADERS, "gp_reg", True),
    ("read_qof_mapping", read_qof_mapping, QOF_HEADERS, "qof", True),
    ("read_epraccur", read_epraccur, EPRACCUR_HEADERS, "epraccur", True),
    ("read_epraccur_noheader", read_epraccur, EPRACCUR_HEADERS, "epraccur", False),
    ("read_postcode_lookup", read_postcode_lookup, POSTCODE_HEADERS, "postcodes", True),
    ("read_postcode_lookup_noheader", read_postcode_lookup, POSTCODE_HEADERS, "postcodes", False),
]


@pytest.mark.parametrize(
    ("name", "load", "headers", "kind", "header_row"),
    CSV_LOADERS,
    ids=[c[0] for c in CSV_LOADERS],
)
def test_csv_loaders_raise_only_their_own_errors(
    workdir: Path,
    name: str,
    load: Callable[[Path], Any],
    headers: list[str],
    kind: str,
    header_row: bool,
) -> None:
    @FUZZ
    @given(data=csv_bytes(headers, VALID_HEADERS[kind], header_row=header_row))
    def run(data: bytes) -> None:
        _loads_or_raises_own_error(load, _write(workdir, f"{name}.csv", data))

    run()


# --------------------------------------------------------------------------------------------
# GeoJSON
# --------------------------------------------------------------------------------------------

JUNK = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=8),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)
PROPERTY_KEYS = ["CCG20CD", "CCG20CDH", "CCG20NM", "STP20CD", "code", "name", "patch", "parent"]


@st.composite
def ring(draw: st.DrawFn) -> list[list[float]]:
    """A closed ring around a point in England, in metres or degrees, maybe self-crossing."""
    if draw(st.booleans()):
        x, y, size = draw(st.floats(300_000, 500_000)), draw(st.floats(200_000, 500_000)), 5000.0
    else:
        x, y, size = draw(st.floats(-3.0, 0.5)), draw(st.floats(51.0, 54.0)), 0.05
    points = draw(
        st.lists(
            st.tuples(st.floats(-1, 1), st.floats(-1, 1)),
            min_size=0,
            max_size=5,
        )
    )
    coordinates = [[x + size * dx, y + size * dy] for dx, dy in points]
    if coordinates and draw(st.booleans()):
        coordinates.append(coordinates[0])
    return coordinates


GEOMETRY = st.one_of(
    st.none(),
    JUNK,
    st.builds(lambda r: {"type": "Polygon", "coordinates": [r]}, ring()),
    st.builds(lambda r: {"type": "MultiPolygon", "coordinates": [[r]]}, ring()),
    st.builds(lambda r: {"type": "LineString", "coordinates": r}, ring()),
    st.builds(
        lambda r: {"type": "Point", "coordinates": r[0] if r else []},
        ring(),
    ),
    st.builds(
        lambda r: {
            "type": "GeometryCollection",
            "geometries": [{"type": "Polygon", "coordinates": [r]}],
        },
        ring(),
    ),
    st.builds(
        lambda t, r: {"type": t, "coordinates": r},
        st.sampled_from(["Polygon", "Circle", "", "polygon"]),
        JUNK,
    ),
)
FEATURE = st.one_of(
    st.fixed_dictionaries(
        {
            "type": st.just("Feature"),
            "properties": st.one_of(
                st.dictionaries(
                    st.one_of(st.sampled_from(PROPERTY_KEYS), st.text(max_size=6)),
                    st.one_of(st.sampled_from(["E38000001", "E38000002", "01A", "", "N1"]), JUNK),
                    max_size=4,
                ),
                JUNK,
            ),
            "geometry": GEOMETRY,
        }
    ),
    JUNK,
)
CRS_MEMBER = st.one_of(
    st.just(None),
    st.sampled_from(["EPSG:27700", "EPSG:4326", "EPSG:3857", "EPSG:99999", "nonsense"]).map(
        lambda name: {"type": "name", "properties": {"name": name}}
    ),
    JUNK,
)


@st.composite
def plausible_feature(draw: st.DrawFn, number: int) -> dict[str, Any]:
    """A square area in England (metres or degrees) with codes, sometimes spoiled."""
    x, y = draw(st.floats(350_000, 450_000)), draw(st.floats(300_000, 450_000))
    size = draw(st.floats(1.0, 10_000.0))
    square = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    if draw(st.booleans()):
        square[2] = [x, y + size * 2]  # a bow tie: self-intersecting
    geometry: Any = {"type": "Polygon", "coordinates": [square]}
    if draw(st.integers(0, 4)) == 0:
        geometry = draw(GEOMETRY)
    properties: dict[str, Any] = {
        "CCG20CD": f"E3800000{number}",
        "CCG20NM": draw(st.sampled_from([f"NHS Area {number}", "", None])),
        "STP20CD": "E54000001",
        "patch": f"P{number}",
    }
    if draw(st.integers(0, 4)) == 0:
        properties[draw(st.sampled_from(PROPERTY_KEYS))] = draw(JUNK)
    return {"type": "Feature", "properties": properties, "geometry": geometry}


@st.composite
def geojson_bytes(draw: st.DrawFn) -> bytes:
    if draw(st.booleans()):  # plausible: metres declared as EPSG:27700, or not declared
        count = draw(st.integers(1, 3))
        features = [draw(plausible_feature(n)) for n in range(1, count + 1)]
        crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}}
        document = {"type": "FeatureCollection", "features": features}
        if draw(st.booleans()):
            document["crs"] = crs
        return json.dumps(document).encode()
    document: Any = {"type": "FeatureCollection", "features": draw(st.lists(FEATURE, max_size=4))}
    crs = draw(CRS_MEMBER)
    if crs is not None:
        document["crs"] = crs
    if draw(st.integers(0, 9)) == 0:
        document = draw(JUNK)  # not a feature collection at all
    text = json.dumps(document)
    if draw(st.integers(0, 9)) == 0:
        text = text[: draw(st.integers(0, len(text)))]  # truncated
    return text.encode()


GEO_LOADERS: list[tuple[str, Callable[[Path], Any]]] = [
    ("read_boundaries", read_boundaries),
    ("read_boundaries_stp", lambda p: read_boundaries(p, level="stp")),
    ("read_patches", read_patches),
]


@pytest.mark.parametrize(("name", "load"), GEO_LOADERS, ids=[g[0] for g in GEO_LOADERS])
def test_geojson_loaders_raise_only_their_own_errors(
    workdir: Path, name: str, load: Callable[[Path], Any]
) -> None:
    @FUZZ
    @given(data=geojson_bytes())
    def run(data: bytes) -> None:
        _loads_or_raises_own_error(load, _write(workdir, f"{name}.geojson", data))

    run()
