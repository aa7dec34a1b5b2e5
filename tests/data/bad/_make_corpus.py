"""Write the bad-input corpus (run from the repository root: python tests/data/bad/_make_corpus.py).

Each file is small and named for what is wrong with it; MANIFEST.csv says which loader reads it,
what should happen (an error of a given class, a warning while it loads, or a clean load) and a
fragment of the message (for ``loads``: ``column=value`` that must be in the loaded table).
"""

# ruff: noqa: E501
# (a table of cases: long message fragments read best on one line)
from __future__ import annotations

import csv
import io
import json
import struct
import warnings
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio
from shapely.geometry import box

HERE = Path(__file__).resolve().parent
BNG_CRS = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}}
H = "code,name,list_size,lat,lon\n"
ROW = "A81001,The Densham Surgery,4111,54.5616,-1.3190\n"
ROW2 = "A81002,Queens Park Medical Centre,19189,54.5692,-1.3139\n"

MANIFEST: list[dict[str, str]] = []


def entry(file: str, loader: str, expected: str, kind: str, fragment: str, note: str) -> None:
    MANIFEST.append(
        {
            "file": file,
            "loader": loader,
            "expected": expected,
            "kind": kind,
            "fragment": fragment,
            "note": note,
        }
    )


def text(name: str, content: str, encoding: str = "utf-8") -> None:
    (HERE / name).write_bytes(content.encode(encoding))


def raw(name: str, content: bytes) -> None:
    (HERE / name).write_bytes(content)


def square(x: float, y: float, size: float = 10_000) -> list[list[list[float]]]:
    return [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]]


def geojson(name: str, features: list[dict[str, Any]], *, crs: Any = BNG_CRS) -> None:
    document: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if crs is not None:
        document["crs"] = crs
    text(name, json.dumps(document, indent=1))


def feature(code: str | None, geometry: Any, **extra: Any) -> dict[str, Any]:
    properties = {"CCG20CD": code, "CCG20NM": f"NHS {code} CCG", **extra}
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def polygon(x: float = 400_000, y: float = 400_000) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": square(x, y)}


# A rough outline of England (lon/lat), for placing practices that lie in Wales, Scotland,
# the Isle of Man or the sea: not a corpus file, a base the placement cases are checked on.
ENGLAND = [
    (-2.03, 55.80), (-2.48, 55.35), (-3.05, 55.00), (-3.40, 54.90), (-3.60, 54.50),
    (-3.25, 54.05), (-2.90, 54.05), (-3.05, 53.80), (-3.00, 53.65), (-3.20, 53.40),
    (-3.00, 53.25), (-2.90, 53.10), (-3.10, 52.80), (-3.20, 52.50), (-3.05, 52.30),
    (-3.10, 52.05), (-2.95, 51.90), (-2.65, 51.60), (-2.70, 51.50), (-3.00, 51.35),
    (-3.50, 51.20), (-4.55, 51.00), (-5.75, 50.05), (-5.20, 49.95), (-4.15, 50.30),
    (-3.65, 50.20), (-2.90, 50.70), (-2.45, 50.50), (-1.30, 50.55), (-0.80, 50.70),
    (0.25, 50.72), (0.97, 50.90), (1.40, 51.15), (1.45, 51.38), (0.90, 51.50),
    (1.20, 51.78), (1.35, 51.95), (1.78, 52.48), (1.30, 52.95), (0.50, 52.95),
    (0.35, 53.15), (0.15, 53.55), (-0.07, 54.12), (-0.60, 54.50), (-1.15, 54.65),
    (-1.42, 55.02), (-1.80, 55.68), (-2.03, 55.80),
]  # fmt: skip


def main() -> None:
    for old in HERE.glob("*"):
        if old.name not in {"_make_corpus.py", "README.md"}:
            old.unlink()
    geojson(
        "base_england_outline.geojson",
        [
            {
                "type": "Feature",
                "properties": {"CCG20CD": "E38000001", "CCG20CDH": "01A", "CCG20NM": "England"},
                "geometry": {"type": "Polygon", "coordinates": [[list(p) for p in ENGLAND]]},
            }
        ],
        crs=None,
    )

    # ---- encodings -------------------------------------------------------------------------
    raw(
        "practices_utf8_bom.csv",
        b"\xef\xbb\xbf" + (H + "A81001,Café Médical,4111,54.5616,-1.319\n").encode(),
    )
    entry(
        "practices_utf8_bom.csv",
        "read_practices",
        "loads",
        "loads",
        "code=A81001",
        "UTF-8 with a byte-order mark: the BOM must not stick to the first header",
    )
    text(
        "practices_latin1_accents.csv",
        H + "A81001,Dr Ó Néill & Brontë Surgery,4111,54.5616,-1.319\n",
        "latin-1",
    )
    entry(
        "practices_latin1_accents.csv",
        "read_practices",
        "loads",
        "loads",
        "name=Dr Ó Néill & Brontë Surgery",
        "Latin-1 accents read intact",
    )
    text(
        "practices_cp1252_curly_quote.csv",
        H + "A81001,St Mary’s Surgery – Stockton,4111,54.5616,-1.319\n",
        "cp1252",
    )
    entry(
        "practices_cp1252_curly_quote.csv",
        "read_practices",
        "loads",
        "loads",
        "name=St Mary’s Surgery – Stockton",
        "Windows-1252 (Excel 'CSV'): curly quote and en dash",
    )
    text("practices_utf16_excel_unicode_text.csv", (H + ROW).replace(",", "\t"), "utf-16")
    entry(
        "practices_utf16_excel_unicode_text.csv",
        "read_practices",
        "loads",
        "loads",
        "code=A81001",
        "Excel 'Unicode Text': UTF-16 with BOM, tab-separated",
    )
    raw("practices_nul_bytes.csv", (H + "A81001,The\x00Surgery,4111,54.56,-1.31\n").encode())
    entry(
        "practices_nul_bytes.csv",
        "read_practices",
        "InputError",
        "error",
        "contains NUL bytes",
        "binary content in a CSV",
    )
    raw("practices_xlsx_renamed.csv", b"PK\x03\x04" + b"\x00" * 60)
    entry(
        "practices_xlsx_renamed.csv",
        "read_practices",
        "InputError",
        "error",
        "is an Excel workbook or a zip archive, not a CSV",
        "a workbook saved with a .csv name",
    )

    # ---- delimiters and structure ----------------------------------------------------------
    text("practices_semicolon.csv", (H + ROW).replace(",", ";"))
    entry(
        "practices_semicolon.csv",
        "read_practices",
        "loads",
        "loads",
        "code=A81001",
        "European Excel: semicolon-separated, detected",
    )
    text("practices_tab.csv", (H + ROW).replace(",", "\t"))
    entry(
        "practices_tab.csv",
        "read_practices",
        "loads",
        "loads",
        "list_size=4111",
        "tab-separated, detected",
    )
    text(
        "practices_semicolon_decimal_comma.csv",
        H.replace(",", ";") + "A81001;Surgery;4111;54,5616;-1,319\n",
    )
    entry(
        "practices_semicolon_decimal_comma.csv",
        "read_practices",
        "InputError",
        "error",
        "are not numbers (a comma is read only as a thousands separator)",
        "decimal commas are refused, not misread as 545616",
    )
    text(
        "practices_blank_header.csv",
        "code,name,,list_size,lat,lon\nA81001,Surgery,x,4111,54.5616,-1.319\n",
    )
    entry(
        "practices_blank_header.csv",
        "read_practices",
        "loads",
        "loads",
        "list_size=4111",
        "a blank header cell: the column is named '(blank column 3)' and ignored",
    )
    text(
        "practices_duplicate_header.csv",
        "code,name,list_size,list_size,lat,lon\nA81001,S,4111,4200,54.56,-1.31\n",
    )
    entry(
        "practices_duplicate_header.csv",
        "read_practices",
        "InputError",
        "error",
        "the header has 2 columns that could be list_size: 'list_size', 'list_size (repeat 2)'",
        "a repeated header: which list size is meant?",
    )
    text(
        "practices_header_case_variants.csv",
        "code,name,List Size,list_size,lat,lon\nA81001,S,4111,4200,54.56,-1.31\n",
    )
    entry(
        "practices_header_case_variants.csv",
        "read_practices",
        "InputError",
        "error",
        "columns that could be list_size: 'List Size', 'list_size'",
        "two headers that differ only in case and spacing",
    )
    text("practices_blank_first_row.csv", ",,,,\n" + H + ROW)
    entry(
        "practices_blank_first_row.csv",
        "read_practices",
        "InputError",
        "error",
        "the first row (the header) is blank",
        "blank rows above the header",
    )
    text("practices_ragged_row.csv", H + "A81001,Smith, Jones and Partners,4111,54.56,-1.31\n")
    entry(
        "practices_ragged_row.csv",
        "read_practices",
        "InputError",
        "error",
        "row 2: the row has 6 cells but the first row has 5",
        "an unquoted comma in a name",
    )
    text("practices_trailing_commas.csv", H + ROW.rstrip("\n") + ",,\n" + ROW2.rstrip("\n") + ",\n")
    entry(
        "practices_trailing_commas.csv",
        "read_practices",
        "loads",
        "loads",
        "code=A81002",
        "Excel's empty trailing cells are dropped",
    )
    text("practices_trailing_blank_rows.csv", H + ROW + ",,,,\n,,,,\n\n")
    entry(
        "practices_trailing_blank_rows.csv",
        "read_practices",
        "loads",
        "loads",
        "code=A81001",
        "Excel's blank rows at the end are dropped",
    )
    text("practices_unclosed_quote.csv", H + ROW + 'A81002,"Queens Park,19189,54.56,-1.31\n')
    entry(
        "practices_unclosed_quote.csv",
        "read_practices",
        "InputError",
        "error",
        'row 3: a quote (") opens a cell that is never closed',
        "a quote that swallows the file",
    )
    text("practices_empty.csv", "")
    entry(
        "practices_empty.csv",
        "read_practices",
        "InputError",
        "error",
        "the file is empty",
        "zero bytes",
    )
    text("practices_header_only.csv", H)
    entry(
        "practices_header_only.csv",
        "read_practices",
        "InputError",
        "error",
        "has a header but no practice rows",
        "no practices at all",
    )

    # ---- codes -----------------------------------------------------------------------------
    text("practices_code_lowercase.csv", H + " a81001 ,Surgery,4111,54.5616,-1.319\n")
    entry(
        "practices_code_lowercase.csv",
        "read_practices",
        "loads",
        "loads",
        "code=A81001",
        "codes in lower case with spaces are normalised",
    )
    text("practices_code_zero_width_space.csv", H + "A81001\u200b,Surgery,4111,54.5616,-1.319\n")
    entry(
        "practices_code_zero_width_space.csv",
        "read_practices",
        "loads",
        "loads",
        "code=A81001",
        "an invisible zero-width space pasted from the web is dropped",
    )
    text("practices_code_excel_scientific.csv", H + "8.1001E+04,Surgery,4111,54.5616,-1.319\n")
    entry(
        "practices_code_excel_scientific.csv",
        "read_practices",
        "InputError",
        "error",
        "practice code '8.1001E+04' looks like a number reformatted by Excel",
        "Excel turned a code into scientific notation",
    )
    text("practices_code_excel_float.csv", H + "81001.0,Surgery,4111,54.5616,-1.319\n")
    entry(
        "practices_code_excel_float.csv",
        "read_practices",
        "InputError",
        "error",
        "practice code '81001.0' looks like a number reformatted by Excel",
        "a code read as a float somewhere upstream",
    )
    text(
        "practices_ccg_leading_zero_lost.csv",
        "code,name,list_size,lat,lon,ccg\nA81001,Surgery,4111,52.5,-1.5,1A\n",
    )
    entry(
        "practices_ccg_leading_zero_lost.csv",
        "place_practices",
        "loads",
        "warning",
        "read as E38000001 (01A, England) (leading zeros restored",
        "a CCG ODS code that lost its leading zero (01A → 1A)",
    )

    # ---- list sizes ------------------------------------------------------------------------
    text("practices_list_size_thousands.csv", H + 'A81001,Surgery,"12,345",54.5616,-1.319\n')
    entry(
        "practices_list_size_thousands.csv",
        "read_practices",
        "loads",
        "loads",
        "list_size=12345",
        "Excel's thousands separator",
    )
    text("practices_list_size_decimal_comma.csv", H + 'A81001,Surgery,"4,5",54.5616,-1.319\n')
    entry(
        "practices_list_size_decimal_comma.csv",
        "read_practices",
        "InputError",
        "error",
        "list size '4,5' is not a number (a comma is read only as a thousands separator",
        "a comma that is not a thousands separator",
    )
    # Separators that can be read two ways are refused, naming the file, row, column, value.
    ambiguous = [
        (
            "practices_list_size_dot_thousands.csv",
            H + "A81001,Surgery,30.000,54.5616,-1.319\n",
            "row 2 (A81001): list size '30.000' in column 'list_size' is ambiguous: 30 or 30,000?",
            "a European thousands dot: 30 patients or 30,000? (was read as 30)",
        ),
        (
            "practices_list_size_grouped_decimal.csv",
            H + 'A81001,Surgery,"30,000.5",54.5616,-1.319\n',
            "row 2 (A81001): list size '30,000.5' in column 'list_size' is ambiguous: a "
            "thousands separator beside a decimal point",
            "a thousands comma and a decimal point together",
        ),
        (
            "practices_easting_grouped_decimal.csv",
            'code,name,list_size,Easting,Northing\nA81001,Surgery,4111,"444,123.5",518000\n',
            "row 2 (A81001): easting '444,123.5' in column 'Easting' is ambiguous",
            "a coordinate with a thousands comma and a decimal point",
        ),
    ]
    for file, content, fragment, note in ambiguous:
        text(file, content)
        entry(file, "read_practices", "InputError", "error", fragment, note)
    text(
        "practices_list_size_plain_and_grouped.csv",
        H + ROW + 'A81002,Surgery,"30,000",54.5692,-1.3139\nA81003,Surgery,30000,54.57,-1.31\n',
    )
    entry(
        "practices_list_size_plain_and_grouped.csv",
        "read_practices",
        "loads",
        "loads",
        "list_size=30000",
        "30,000 and 30000 are both read as 30,000",
    )
    text("practices_list_size_zero.csv", H + "A81001,Closing Surgery,0,54.5616,-1.319\n" + ROW2)
    entry(
        "practices_list_size_zero.csv",
        "read_practices",
        "loads",
        "warning",
        "row 2 (A81001): list size is 0: the practice has no registered patients",
        "legal (a new or closing practice) but warned",
    )
    text("practices_list_size_negative.csv", H + "A81001,Surgery,-4111,54.5616,-1.319\n")
    entry(
        "practices_list_size_negative.csv",
        "read_practices",
        "InputError",
        "error",
        "row 2 (A81001): list size -4111 is negative",
        "negative",
    )
    text("practices_list_size_fractional.csv", H + "A81001,Surgery,4111.5,54.5616,-1.319\n")
    entry(
        "practices_list_size_fractional.csv",
        "read_practices",
        "InputError",
        "error",
        "list size 4111.5 is not a whole number",
        "fractional",
    )
    text("practices_list_size_absurd.csv", H + "A81001,Surgery,10000000,54.5616,-1.319\n")
    entry(
        "practices_list_size_absurd.csv",
        "read_practices",
        "InputError",
        "error",
        "list size 10000000 is not credible for one practice",
        "10 million patients",
    )
    text(
        "practices_list_size_huge_digits.csv",
        H + "A81001,Surgery,99999999999999999999999,54.56,-1.31\n",
    )
    entry(
        "practices_list_size_huge_digits.csv",
        "read_practices",
        "InputError",
        "error",
        "is not credible for one practice",
        "beyond int64 (was an OverflowError traceback)",
    )
    text("practices_list_size_nan.csv", H + "A81001,Surgery,NaN,54.5616,-1.319\n")
    entry(
        "practices_list_size_nan.csv",
        "read_practices",
        "InputError",
        "error",
        "list size 'NaN' is not a number",
        "NaN as text",
    )
    text("practices_list_size_total_row.csv", H + ROW + ROW2 + 'TOTAL,,"23,300",,\n')
    entry(
        "practices_list_size_total_row.csv",
        "read_practices",
        "loads",
        "warning",
        "row 4 (TOTAL): the row TOTAL (23,300 patients) looks like a spreadsheet total",
        "a spreadsheet total row at the end: passed over",
    )
    text("practices_blank_row_inside.csv", H + ROW + ",,,,\n\n" + ROW2)
    entry(
        "practices_blank_row_inside.csv",
        "read_practices",
        "loads",
        "warning",
        "2 empty rows passed over (rows 3, 4)",
        "empty rows in the middle (a deleted row in Excel): passed over, counted",
    )
    text("practices_no_site_among_placed.csv", H + ROW + "A81002,No Site Surgery,5000,,\n")
    entry(
        "practices_no_site_among_placed.csv",
        "read_practices",
        "loads",
        "warning",
        "1 practice has no coordinates and cannot be placed: row 3 (A81002); it is left out",
        "one practice with no location among placed ones (an all-England run went on)",
    )

    # ---- coordinates -----------------------------------------------------------------------
    text("practices_latlon_nan.csv", H + "A81001,Surgery,4111,NaN,nan\n")
    entry(
        "practices_latlon_nan.csv",
        "read_practices",
        "InputError",
        "error",
        "lat/lon 'NaN', 'nan' are not numbers",
        "NaN coordinates",
    )
    text("practices_latlon_swapped.csv", H + "A81001,Surgery,4111,-1.319,54.5616\n")
    entry(
        "practices_latlon_swapped.csv",
        "read_practices",
        "InputError",
        "error",
        "look swapped: swapping them puts the practice in England",
        "lat and lon swapped",
    )
    text("practices_latlon_edinburgh.csv", H + "A81001,Edinburgh Surgery,4111,55.9533,-3.1883\n")
    entry(
        "practices_latlon_edinburgh.csv",
        "read_practices",
        "InputError",
        "error",
        "lat 55.9533, lon -3.1883 is outside England",
        "Scotland, north of England's box",
    )
    text("practices_latlon_in_metres.csv", H + "A81001,Surgery,4111,518701,444136\n")
    entry(
        "practices_latlon_in_metres.csv",
        "read_practices",
        "InputError",
        "error",
        "are not degrees (they look like metres)",
        "metres in lat/lon columns",
    )
    text(
        "practices_bng_in_degrees.csv",
        "code,name,list_size,easting,northing\nA81001,S,4111,-1.319,54.5616\n",
    )
    entry(
        "practices_bng_in_degrees.csv",
        "read_practices",
        "InputError",
        "error",
        "look like longitude/latitude degrees, not metres",
        "degrees in easting/northing",
    )
    for name, lat, lon, what in [
        ("practices_in_cardiff.csv", 51.4816, -3.1791, "Wales (Cardiff)"),
        ("practices_in_glasgow.csv", 55.8642, -4.2518, "Scotland (Glasgow), inside the box"),
        ("practices_in_north_sea.csv", 54.0, 1.5, "the North Sea"),
        ("practices_isle_of_man.csv", 54.15, -4.48, "the Isle of Man"),
    ]:
        text(name, H + f"A81001,Surgery,4111,{lat},{lon}\n")
        entry(
            name,
            "place_practices",
            "InputError",
            "error",
            "lies outside every CCG polygon; the nearest, E38000001 (01A, England)",
            f"a site in {what}: inside England's box, caught against the boundaries",
        )
    text(
        "practices_in_wales_row_names_ccg.csv",
        "code,name,list_size,lat,lon,ccg\nA81001,S,4111,51.4816,-3.1791,01A\n",
    )
    entry(
        "practices_in_wales_row_names_ccg.csv",
        "place_practices",
        "loads",
        "warning",
        "practice A81001 lies outside every CCG polygon",
        "a Cardiff site whose row names an English CCG: within far_m (50 km, which the "
        "Isles of Scilly need), so kept in the row's CCG with a warning",
    )
    text(
        "practices_in_glasgow_row_names_ccg.csv",
        "code,name,list_size,lat,lon,ccg\nA81001,S,4111,55.8642,-4.2518,01A\n",
    )
    entry(
        "practices_in_glasgow_row_names_ccg.csv",
        "place_practices",
        "loads",
        "warning",
        "practice A81001 (S) lies 120 km outside its own CCG E38000001 (01A, England), beyond "
        "the 50 km of a local site; kept in E38000001 as its row says",
        "a Glasgow site whose row names an English CCG: beyond far_m, a far-away (digital-first) "
        "practice kept in its CCG with a warning",
    )
    entry(
        "practices_in_glasgow_row_names_ccg.csv",
        "place_practices strict_sites=true",
        "InputError",
        "error",
        "km outside its own CCG E38000001 (01A, England) (the limit is 50 km)",
        "the same with strict_sites (--strict-sites): beyond far_m, an error",
    )

    # ---- boundaries ------------------------------------------------------------------------
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [
                [400000, 400000],
                [410000, 410000],
                [410000, 400000],
                [400000, 410000],
                [400000, 400000],
            ]
        ],
    }
    geojson("boundaries_bowtie_self_intersecting.geojson", [feature("E38000001", bowtie)])
    entry(
        "boundaries_bowtie_self_intersecting.geojson",
        "read_boundaries",
        "loads",
        "warning",
        "feature 1 (E38000001) had an invalid geometry (Self-intersection",
        "repaired with make_valid",
    )
    geojson(
        "boundaries_empty_polygon.geojson",
        [
            feature("E38000001", polygon()),
            feature("E38000002", {"type": "Polygon", "coordinates": []}),
        ],
    )
    entry(
        "boundaries_empty_polygon.geojson",
        "read_boundaries",
        "InputError",
        "error",
        "feature 2 (E38000002) has an empty geometry",
        "an empty polygon",
    )
    geojson("boundaries_null_geometry.geojson", [feature("E38000001", None)])
    entry(
        "boundaries_null_geometry.geojson",
        "read_boundaries",
        "InputError",
        "error",
        "feature 1 (E38000001) has an empty geometry",
        "geometry: null",
    )
    collection = {
        "type": "GeometryCollection",
        "geometries": [
            polygon(),
            {"type": "LineString", "coordinates": [[400000, 400000], [420000, 420000]]},
        ],
    }
    geojson("boundaries_geometrycollection.geojson", [feature("E38000001", collection)])
    entry(
        "boundaries_geometrycollection.geojson",
        "read_boundaries",
        "loads",
        "warning",
        "is a GeometryCollection; its 1 polygon part(s) are used and 1 other part(s) dropped",
        "a GeometryCollection holding a polygon and a line",
    )
    lines = {
        "type": "GeometryCollection",
        "geometries": [{"type": "Point", "coordinates": [400000, 400000]}],
    }
    geojson("boundaries_geometrycollection_no_polygon.geojson", [feature("E38000001", lines)])
    entry(
        "boundaries_geometrycollection_no_polygon.geojson",
        "read_boundaries",
        "InputError",
        "error",
        "is a GeometryCollection with no polygon in it (Point)",
        "nothing to use",
    )
    geojson(
        "boundaries_points.geojson",
        [feature("E38000001", {"type": "Point", "coordinates": [400000, 400000]})],
    )
    entry(
        "boundaries_points.geojson",
        "read_boundaries",
        "InputError",
        "error",
        "feature 1 (E38000001) is a Point, not a polygon",
        "points, not areas",
    )
    geojson(
        "boundaries_one_point_ring.geojson",
        [feature("E38000001", {"type": "Polygon", "coordinates": [[[400000, 400000]]]})],
    )
    entry(
        "boundaries_one_point_ring.geojson",
        "read_boundaries",
        "InputError",
        "error",
        "has a geometry that cannot be built (point array must contain 0 or >1 elements)",
        "a one-point ring (was a GEOSException traceback)",
    )
    geojson(
        "boundaries_missing_code.geojson",
        [feature("E38000001", polygon()), feature(None, polygon(420_000))],
    )
    entry(
        "boundaries_missing_code.geojson",
        "read_boundaries",
        "InputError",
        "error",
        "feature 2 has no code in CCG20CD",
        "a feature without its code",
    )
    geojson(
        "boundaries_duplicate_codes.geojson",
        [feature("E38000001", polygon()), feature("e38000001 ", polygon(420_000))],
    )
    entry(
        "boundaries_duplicate_codes.geojson",
        "read_boundaries",
        "InputError",
        "error",
        "code E38000001 is on features 1, 2",
        "the same code twice, once in lower case",
    )
    geojson("boundaries_lowercase_codes.geojson", [feature("e38000001", polygon())])
    entry(
        "boundaries_lowercase_codes.geojson",
        "read_boundaries",
        "loads",
        "loads",
        "code=E38000001",
        "codes upper-cased",
    )
    geojson("boundaries_metres_without_crs.geojson", [feature("E38000001", polygon())], crs=None)
    entry(
        "boundaries_metres_without_crs.geojson",
        "read_boundaries",
        "loads",
        "warning",
        "look like British National Grid metres, so EPSG:27700 is assumed",
        "GeoJSON (EPSG:4326 by default) holding metres",
    )
    geojson(
        "boundaries_wrong_crs_3857.geojson",
        [feature("E38000001", polygon())],
        crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}},
    )
    entry(
        "boundaries_wrong_crs_3857.geojson",
        "read_boundaries",
        "InputError",
        "error",
        "the areas lie outside England",
        "BNG metres declared as Web Mercator",
    )
    lonlat_square = {
        "type": "Polygon",
        "coordinates": [[[-1.5, 53.0], [-1.4, 53.0], [-1.4, 53.1], [-1.5, 53.1], [-1.5, 53.0]]],
    }
    geojson("boundaries_degrees_declared_bng.geojson", [feature("E38000001", lonlat_square)])
    entry(
        "boundaries_degrees_declared_bng.geojson",
        "read_boundaries",
        "loads",
        "warning",
        "look like longitude/latitude in England (a few units, not metres), so EPSG:4326 is assumed",
        "degrees in a file that says EPSG:27700",
    )
    geojson(
        "boundaries_unknown_units_no_crs.geojson",
        [feature("E38000001", polygon(5_000_000, 9_000_000))],
        crs=None,
    )
    entry(
        "boundaries_unknown_units_no_crs.geojson",
        "read_boundaries",
        "InputError",
        "error",
        "are out of range: the CRS is probably wrong",
        "no CRS member (so EPSG:4326) and coordinates of no known kind",
    )
    geojson(
        "boundaries_partly_in_scotland.geojson",
        [feature("E38000001", polygon()), feature("S08000020", polygon(250_000, 800_000))],
    )
    entry(
        "boundaries_partly_in_scotland.geojson",
        "read_boundaries",
        "loads",
        "warning",
        "feature 2 (S08000020) lies outside England",
        "a UK-wide file: the Highland feature is flagged",
    )
    geojson(
        "boundaries_list_property.geojson", [feature("E38000001", polygon(), flags=[False, True])]
    )
    entry(
        "boundaries_list_property.geojson",
        "read_boundaries",
        "loads",
        "warning",
        "the column 'flags' cannot be read",
        "a list-of-booleans property (was a pyogrio ValueError)",
    )
    geojson("boundaries_empty_collection.geojson", [])
    entry(
        "boundaries_empty_collection.geojson",
        "read_boundaries",
        "InputError",
        "error",
        "has no features",
        "a FeatureCollection with no features",
    )
    text("boundaries_not_json.geojson", "<html><body>502 Bad Gateway</body></html>\n")
    entry(
        "boundaries_not_json.geojson",
        "read_boundaries",
        "InputError",
        "error",
        "cannot be read as a boundary file",
        "an error page saved as GeoJSON",
    )
    text(
        "boundaries_truncated.geojson",
        json.dumps({"type": "FeatureCollection", "features": [feature("E38000001", polygon())]})[
            :90
        ],
    )
    entry(
        "boundaries_truncated.geojson",
        "read_boundaries",
        "InputError",
        "error",
        "cannot be read as a boundary file",
        "a download cut short",
    )
    text("boundaries_table_not_geo.csv", "CCG20CD,CCG20NM\nE38000001,NHS Alpha CCG\n")
    entry(
        "boundaries_table_not_geo.csv",
        "read_boundaries",
        "InputError",
        "error",
        "has no geometries",
        "a table given where boundaries are wanted",
    )
    geojson(
        "patches_points.geojson",
        [
            {
                "type": "Feature",
                "properties": {"patch": "NORTH"},
                "geometry": {"type": "Point", "coordinates": [400000, 400000]},
            }
        ],
    )
    entry(
        "patches_points.geojson",
        "read_patches",
        "InputError",
        "error",
        "feature 1 (NORTH) is a Point, not a polygon",
        "patch sites, not patch areas",
    )

    # ---- archives --------------------------------------------------------------------------
    folder = HERE / "_shp"
    folder.mkdir(exist_ok=True)
    frame = gpd.GeoDataFrame(
        {"SICBL23CD": ["E38000001"], "SICBL23NM": ["NHS Alpha"]},
        geometry=[box(400000, 400000, 410000, 410000)],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pyogrio.write_dataframe(frame, folder / "subicb.shp")
    with zipfile.ZipFile(HERE / "boundaries_shapefile_no_prj.zip", "w") as archive:
        for part in sorted(folder.glob("subicb.*")):
            if part.suffix != ".prj":
                archive.write(part, part.name)
    for part in folder.iterdir():
        part.unlink()
    folder.rmdir()
    entry(
        "boundaries_shapefile_no_prj.zip",
        "read_boundaries",
        "loads",
        "warning",
        "the file has no CRS; its coordinates look like British National Grid metres",
        "a zipped shapefile without its .prj",
    )
    member = json.dumps(
        {"type": "FeatureCollection", "crs": BNG_CRS, "features": [feature("E38000001", polygon())]}
    )
    with zipfile.ZipFile(HERE / "boundaries_zip_slip.zip", "w") as archive:
        archive.writestr("ccg.geojson", member)
        archive.writestr("../../outside.geojson", member)
    entry(
        "boundaries_zip_slip.zip",
        "read_boundaries",
        "InputError",
        "error",
        "refused: the archive has member paths that point outside its folder ('../../outside.geojson')",
        "zip slip: a member path climbing out of the folder",
    )
    with zipfile.ZipFile(HERE / "boundaries_zip_absolute_path.zip", "w") as archive:
        archive.writestr(zipfile.ZipInfo("/etc/ccg.geojson"), member)
    entry(
        "boundaries_zip_absolute_path.zip",
        "read_boundaries",
        "InputError",
        "error",
        "refused: the archive has member paths that point outside its folder ('/etc/ccg.geojson')",
        "zip slip: an absolute member path",
    )
    with zipfile.ZipFile(HERE / "boundaries_zip_no_layer.zip", "w") as archive:
        archive.writestr("README.txt", "boundaries to follow\n")
    entry(
        "boundaries_zip_no_layer.zip",
        "read_boundaries",
        "InputError",
        "error",
        "the archive holds no boundary layer (found: README.txt)",
        "nothing GDAL can read",
    )
    text("boundaries_not_a_zip.zip", "this is not a zip archive\n")
    entry(
        "boundaries_not_a_zip.zip",
        "read_boundaries",
        "InputError",
        "error",
        "is not a readable zip archive",
        "a text file named .zip",
    )
    padded = (
        json.dumps(
            {
                "type": "FeatureCollection",
                "crs": BNG_CRS,
                "features": [feature("E38000001", polygon())],
            }
        )
        + " " * 200_000
    )
    with zipfile.ZipFile(
        HERE / "boundaries_zip_bomb_small.zip", "w", zipfile.ZIP_DEFLATED
    ) as archive:
        archive.writestr("ccg.geojson", padded)
    entry(
        "boundaries_zip_bomb_small.zip",
        "read_boundaries max_bytes=50000",
        "InputError",
        "error",
        "the archive unzipped is 200,",
        "unzips far beyond the limit (a small zip bomb)",
    )
    # The same padded layer, but both headers (local and central) say it unzips to 1,000
    # bytes: the sizes stated pass any limit; GDAL's /vsizip/ would unpack all 200 KB.
    lying = io.BytesIO()
    with zipfile.ZipFile(lying, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            zipfile.ZipInfo("ccg.geojson", (2020, 1, 1, 0, 0, 0)), padded, zipfile.ZIP_DEFLATED
        )
    data = bytearray(lying.getvalue())
    struct.pack_into("<I", data, 22, 1_000)  # the local header's uncompressed size
    struct.pack_into("<I", data, data.find(b"PK\x01\x02") + 24, 1_000)  # the central one's
    raw("boundaries_zip_lying_sizes.zip", bytes(data))
    entry(
        "boundaries_zip_lying_sizes.zip",
        "read_boundaries max_bytes=50000",
        "InputError",
        "error",
        "member 'ccg.geojson' is damaged or holds more than its header's 1,000 bytes",
        "headers that understate the size: stopped while unzipping, not after",
    )
    text("practices_oversized_table.csv", H + ROW * 40)
    entry(
        "practices_oversized_table.csv",
        "read_practices max_table_bytes=1000",
        "InputError",
        "error",
        "over the 1,000 bytes limit for a table read whole into memory",
        "a practices file over the table limit (150 MB once peaked at 5.6 GB): refused unread",
    )
    text("practices_oversized.csv", H + ROW * 40)
    entry(
        "practices_oversized.csv",
        "read_practices max_bytes=1000",
        "InputError",
        "error",
        "over the 1,000 bytes limit for one input",
        "an upload over the size limit",
    )

    # ---- plans -----------------------------------------------------------------------------
    text(
        "plan_network_ids_near_duplicate.csv",
        "practice_code,network_id,network_name\nP1,PCN 1,North\nP2,PCN 1,North\n"
        "P3,pcn1,South\nP4,PCN1,East\nP5,N2,West\nP6,N2,West\n",
    )
    entry(
        "plan_network_ids_near_duplicate.csv",
        "read_plan",
        "loads",
        "warning",
        "network ids 'PCN 1' (2 practices) and 'PCN1' (1 practice) and 'pcn1' (1 practice) "
        "differ only in case or spaces; they are kept as 3 networks",
        "ids differing in case and spaces were merged silently, their names dropped",
    )
    text(
        "plan_duplicate_practice.csv",
        "practice_code,network_id,network_name\nP1,N1,North\nP2,N1,North\nP1,N2,South\n",
    )
    entry(
        "plan_duplicate_practice.csv",
        "read_plan",
        "InputError",
        "error",
        "row 4 (P1): practice P1 appears on rows 2, 4",
        "one practice in two rows",
    )
    text("plan_blank_row_inside.csv", "practice_code,network_id\nP1,N1\n,\nP2,N1\n")
    entry(
        "plan_blank_row_inside.csv",
        "read_plan",
        "loads",
        "warning",
        "1 empty row passed over (row 3)",
        "an empty row in the middle of a plan: passed over",
    )
    text(
        "plan_unknown_practice.csv",
        "practice_code,network_id\n" + "".join(f"P{i},N1\n" for i in range(1, 7)) + "P9,N1\n",
    )
    entry(
        "plan_unknown_practice.csv",
        "validate",
        "coverage",
        "violation",
        "not in this area's practice list: P9",
        "a code the practices file does not have",
    )
    text(
        "plan_missing_practice.csv",
        "practice_code,network_id\n" + "".join(f"P{i},N1\n" for i in range(1, 6)),
    )
    entry(
        "plan_missing_practice.csv",
        "validate",
        "coverage",
        "violation",
        "is in no network",
        "P6 left out of the plan",
    )
    text("plan_code_excel_float.csv", "practice_code,network_id\n81001.0,N1\n")
    entry(
        "plan_code_excel_float.csv",
        "read_plan",
        "InputError",
        "error",
        "looks like a number reformatted by Excel",
        "a mangled practice code in a plan",
    )
    text("plan_no_network_column.csv", "practice_code,practice_name\nP1,One\n")
    entry(
        "plan_no_network_column.csv",
        "read_plan",
        "MissingColumnError",
        "error",
        "no column for network",
        "a practice list, not a plan",
    )

    # ---- plan exports that are damaged or hostile ------------------------------------------
    practices_layer = gpd.GeoDataFrame(
        {"practice_code": ["P1", "P2"], "network_id": ["N1", "N1"], "network_name": ["A", "A"]},
        geometry=gpd.points_from_xy([401_000, 402_000], [401_000, 402_000]),
        crs="EPSG:27700",
    )
    networks_layer = gpd.GeoDataFrame(
        {"network_id": ["N1"], "network_name": ["A"], "practice_codes": ["P1, P2"]},
        geometry=[box(400_000, 400_000, 410_000, 410_000)],
        crs="EPSG:27700",
    )
    whole = HERE / "plan_gpkg_whole.tmp.gpkg"
    for layer, frame in (("networks", networks_layer), ("practices", practices_layer)):
        pyogrio.write_dataframe(frame, whole, layer=layer, driver="GPKG")
    raw("plan_gpkg_truncated.gpkg", whole.read_bytes()[:4096])
    whole.unlink()
    entry(
        "plan_gpkg_truncated.gpkg",
        "read_plan",
        "InputError",
        "error",
        "cannot be read as a GeoPackage",
        "an export cut short by a full disk (was a GDAL traceback)",
    )
    raw("plan_gpkg_not_a_database.gpkg", b"PCN plan\n" * 40)
    entry(
        "plan_gpkg_not_a_database.gpkg",
        "read_plan",
        "InputError",
        "error",
        "cannot be read as a GeoPackage",
        "a text file named .gpkg (was a GDAL traceback)",
    )
    networks_only = HERE / "plan_gpkg_networks_only.gpkg"
    networks_only.unlink(missing_ok=True)
    pyogrio.write_dataframe(networks_layer, networks_only, layer="networks", driver="GPKG")
    entry(
        "plan_gpkg_networks_only.gpkg",
        "read_plan",
        "InputError",
        "error",
        "has a networks layer but no practices layer",
        "an export killed after its first layer (was read as a whole plan)",
    )
    text(
        "plan_geojson_deeply_nested.geojson",
        '{"type": "FeatureCollection", "features": ' + "[" * 100_000 + "]" * 100_000 + "}",
    )
    entry(
        "plan_geojson_deeply_nested.geojson",
        "read_plan",
        "InputError",
        "error",
        "is nested too deeply to be a plan",
        "100,000 nested arrays (was a RecursionError)",
    )
    plan_collection = {"type": "FeatureCollection", "features": []}
    text(
        "plan_geojson_practice_codes_malformed.geojson",
        json.dumps(
            plan_collection
            | {
                "features": [
                    {"type": "Feature", "geometry": None, "properties": properties}
                    for properties in (
                        {"network_id": "N1", "practice_codes": '["P1", "P2"'},
                        {"network_id": "N2", "practice_codes": {"P3": 1}},
                        {"network_id": "N3", "practice_codes": [["P4"]]},
                    )
                ]
            }
        ),
    )
    entry(
        "plan_geojson_practice_codes_malformed.geojson",
        "read_plan",
        "InputError",
        "error",
        'feature 1: property practice_codes \'["P1", "P2"\' is not a valid JSON list of codes',
        "unclosed JSON, an object and nested lists as practice_codes (was a traceback)",
    )
    text(
        "plan_geojson_features_not_objects.geojson",
        json.dumps(plan_collection | {"features": [1, "P1", None]}),
    )
    entry(
        "plan_geojson_features_not_objects.geojson",
        "read_plan",
        "InputError",
        "error",
        "feature 2 is str 'P1', not a GeoJSON Feature object",
        "numbers, strings and null as features (was an AttributeError)",
    )
    text(
        "plan_geojson_properties_not_object.geojson",
        json.dumps(
            plan_collection
            | {"features": [{"type": "Feature", "geometry": None, "properties": ["P1", "N1"]}]}
        ),
    )
    entry(
        "plan_geojson_properties_not_object.geojson",
        "read_plan",
        "InputError",
        "error",
        "feature 1: its properties are list, not an object",
        "a list where the properties belong (was a ValueError traceback)",
    )

    # ---- published NHS formats -------------------------------------------------------------
    text(
        "epcn_blank_row_inside.csv",
        "Partner Organisation Code,Partner Name,PCN Code,PCN Name\n"
        "A81001,Surgery,U1,One PCN\n,,,\nA81002,Other,U1,One PCN\n",
    )
    entry(
        "epcn_blank_row_inside.csv",
        "read_epcn",
        "loads",
        "warning",
        "1 empty row passed over (row 3)",
        "an empty row in the ePCN membership: passed over",
    )
    text(
        "epcn_empty_pcn_code.csv",
        "Partner Organisation Code,Partner Name,PCN Code,PCN Name\nA81001,Surgery,,\n",
    )
    entry(
        "epcn_empty_pcn_code.csv",
        "read_epcn",
        "InputError",
        "error",
        "row 2 (A81001): the PCN code is empty",
        "a member row with no PCN",
    )
    raw("epcn_corrupt.xlsx", b"PK\x03\x04not really a workbook")
    entry(
        "epcn_corrupt.xlsx",
        "read_epcn",
        "InputError",
        "error",
        "cannot be read as an Excel workbook",
        "a damaged download",
    )
    text("gp_reg_pat_thousands.csv", 'CODE,SEX,AGE,NUMBER_OF_PATIENTS\nA81001,ALL,ALL,"12,345"\n')
    entry(
        "gp_reg_pat_thousands.csv",
        "read_gp_reg_pat",
        "loads",
        "loads",
        "list_size=12345",
        "a list size with a thousands separator",
    )
    text("gp_reg_pat_dot_thousands.csv", "CODE,SEX,AGE,NUMBER_OF_PATIENTS\nA81001,ALL,ALL,12.345\n")
    entry(
        "gp_reg_pat_dot_thousands.csv",
        "read_gp_reg_pat",
        "InputError",
        "error",
        "list size '12.345' in column 'NUMBER_OF_PATIENTS' is ambiguous: 12.345 or 12,345?",
        "a European thousands dot in NHS Digital's list sizes",
    )
    text(
        "gp_reg_pat_duplicate_header.csv",
        "CODE,NUMBER_OF_PATIENTS,NUMBER_OF_PATIENTS\nA81001,4100,4200\n",
    )
    entry(
        "gp_reg_pat_duplicate_header.csv",
        "read_gp_reg_pat",
        "InputError",
        "error",
        "the header has 2 columns that could be list_size",
        "a repeated column",
    )
    text(
        "bad_qof_mapping_missing_stp.csv",
        "PRACTICE_CODE,CCG_ONS_CODE,PCN_ODS_CODE\nA81001,E38000247,U89141\n",
    )
    entry(
        "bad_qof_mapping_missing_stp.csv",
        "read_qof_mapping",
        "MissingColumnError",
        "error",
        "no column for stp",
        "an STP column cut out",
    )
    text("bad_epraccur_too_few_columns.csv", '"A81001","THE DENSHAM SURGERY","Y63","TS18 1HU"\n')
    entry(
        "bad_epraccur_too_few_columns.csv",
        "read_epraccur",
        "MissingColumnError",
        "error",
        "4 columns and no header row",
        "a truncated epraccur",
    )
    text(
        "bad_epraccur_duplicate_header.csv",
        "org_code,name,postcode,postcode,commissioner\nA81001,S,TS18 1HU,TS18 1HU,00K\n",
    )
    entry(
        "bad_epraccur_duplicate_header.csv",
        "read_epraccur",
        "InputError",
        "error",
        "the header has 2 columns that could be postcode",
        "a repeated header in an added header row (was a pandas traceback)",
    )
    text("postcodes_no_coordinates.csv", "postcode,district\nTS18 1HU,Stockton\n")
    entry(
        "postcodes_no_coordinates.csv",
        "read_postcode_lookup",
        "MissingColumnError",
        "error",
        "no coordinate columns",
        "a lookup without coordinates",
    )
    text(
        "postcodes_duplicate_header.csv",
        "postcode,easting,easting,northing\nTS18 1HU,444136,1,518701\n",
    )
    entry(
        "postcodes_duplicate_header.csv",
        "read_postcode_lookup",
        "InputError",
        "error",
        "the header has 2 columns that could be easting",
        "a repeated column (was a pandas traceback)",
    )
    text(
        "postcodes_no_grid_references.csv",
        "pcds,oseast1m,osnrth1m,lat,long\nZZ99 9ZZ,,,99.999999,0.000000\n",
    )
    entry(
        "postcodes_no_grid_references.csv",
        "read_postcode_lookup",
        "InputError",
        "error",
        "none of its 1 rows has a postcode with coordinates",
        "ONSPD's 'no grid reference' rows only",
    )
    text("postcodes_semicolon_excel.csv", "postcode;easting;northing\nTS18 1HU;444136;518701\n")
    entry(
        "postcodes_semicolon_excel.csv",
        "read_postcode_lookup",
        "loads",
        "loads",
        "postcode=TS181HU",
        "semicolon-separated lookup",
    )

    with open(HERE / "MANIFEST.csv", "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(MANIFEST[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(sorted(MANIFEST, key=lambda e: e["file"]))
    print(f"wrote {len(MANIFEST)} corpus files to {HERE}")


if __name__ == "__main__":
    main()
