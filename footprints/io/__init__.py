"""Loaders for the generic practices CSV, the NHS Digital / ONS formats, boundaries and plans.

Every loader returns tables in the canonical shape of ``docs/ARCHITECTURE.md``: codes are
stripped, upper-case strings; geometry is in British National Grid (EPSG:27700); optional
code columns (``ccg``, ``stp``, ``patch``, ``network``, ``ods_code``, ``parent``) hold a
``str`` or ``None`` (object dtype, never ``NaN``). Every problem found in a file is collected
and raised together in one :class:`~footprints.errors.InputError`; a required column that is
absent raises :class:`~footprints.errors.MissingColumnError` listing the columns found and the
names accepted.

Where a file has several columns for one field, which wins (for a CCG, the ONS code
``ccg20_ons_code`` over the ODS ``ccg20_code``) is said in :mod:`footprints.io.columns`.

The PCN code ``U`` ("Unallocated") is NHS Digital's placeholder for a practice in no network:
it is read as no network (``None``).

What the readers forgive, and what they refuse
    CSVs are read as UTF-8 (with or without BOM), UTF-16 with BOM (Excel "Unicode text"), or
    else Windows-1252/Latin-1, accents intact; a first line with no comma but semicolons or
    tabs sets the separator. Codes are stripped of spaces and invisible characters and
    upper-cased; ``12,345`` is a number but a decimal comma (``54,5``) is an error, and so
    are separators that read two ways (``30,000.5``, and ``30.000`` as a list size), named
    with their file, row, column and value rather than guessed; trailing
    empty cells and rows (Excel's ``,,,,``) are dropped. Refused, with the row: cells beyond
    the header, an unclosed quote, a repeated or ambiguous header, a code Excel turned into a
    number (``8.1E+04``), a list size that is negative, fractional or over
    :data:`MAX_LIST_SIZE` (0 is a warning). Zips are checked before GDAL opens them: member
    paths that escape the folder are refused, as is anything larger, on disk or unzipped
    (the bytes counted as they come out, whatever the headers say), than
    :func:`input_size_limit` allows (:data:`MAX_INPUT_BYTES` by default); a table read whole
    (practices, plans, list sizes) larger than :func:`table_size_limit` allows
    (:data:`MAX_TABLE_BYTES`) is refused before it is read. Boundary files
    that GDAL or GEOS cannot read, or whose CRS puts them outside England, are errors.

Modules, each depending only on those above it
    :mod:`~footprints.io.cells` (what a cell's text means: codes, numbers, list sizes),
    :mod:`~footprints.io.tables` (size limits, decoding, rows, headers, Excel sheets),
    :mod:`~footprints.io.archives` (zip safety), :mod:`~footprints.io.columns` (column
    aliases), :mod:`~footprints.io.postcodes` (postcode lookups),
    :mod:`~footprints.io.practices` (the generic practices CSV), :mod:`~footprints.io.nhs`
    (the published NHS Digital / ONS formats), :mod:`~footprints.io.boundaries` (boundary
    and patch layers), :mod:`~footprints.io.registrations` (where patients live: the LSOA
    registrations file, LSOA polygons and centroids), :mod:`~footprints.io.plans` (every
    plan read and write, and the one extension → format table). The package imports
    nothing of footprints but :mod:`footprints.errors`, :mod:`footprints.atomic` (every
    file written is renamed into place whole), :mod:`footprints.crs` and
    :mod:`footprints.plan`.
"""

from __future__ import annotations

from footprints.io.boundaries import names_upper_areas, read_boundaries, read_patches
from footprints.io.cells import MAX_LIST_SIZE
from footprints.io.geoplans import is_geo_plan, read_geo_plan
from footprints.io.nhs import (
    assemble_practices,
    read_epcn,
    read_epraccur,
    read_gp_reg_pat,
    read_qof_mapping,
)
from footprints.io.plans import (
    EXPORT_FORMATS,
    PLAN_FORMATS,
    PlanFormat,
    accepted_extensions,
    plan_format,
    read_plan,
    write_plan,
)
from footprints.io.postcodes import normalise_postcode, read_postcode_lookup
from footprints.io.practices import (
    PRACTICE_FIELDS,
    practice_column_choices,
    practices_name_field,
    read_practices,
)
from footprints.io.registrations import (
    Registrations,
    read_lsoa_boundaries,
    read_lsoa_centroids,
    read_lsoa_registrations,
)
from footprints.io.tables import (
    INPUT_LIMIT_ENV,
    MAX_INPUT_BYTES,
    MAX_TABLE_BYTES,
    TABLE_LIMIT_ENV,
    input_size_limit,
    max_input_bytes,
    max_table_bytes,
    table_size_limit,
)
from footprints.io.waivers import read_waivers, warn_unknown_waivers

__all__ = [
    "EXPORT_FORMATS",
    "INPUT_LIMIT_ENV",
    "MAX_INPUT_BYTES",
    "MAX_LIST_SIZE",
    "MAX_TABLE_BYTES",
    "PLAN_FORMATS",
    "PRACTICE_FIELDS",
    "TABLE_LIMIT_ENV",
    "PlanFormat",
    "Registrations",
    "accepted_extensions",
    "assemble_practices",
    "input_size_limit",
    "is_geo_plan",
    "max_input_bytes",
    "max_table_bytes",
    "names_upper_areas",
    "normalise_postcode",
    "plan_format",
    "practice_column_choices",
    "practices_name_field",
    "read_boundaries",
    "read_epcn",
    "read_epraccur",
    "read_geo_plan",
    "read_gp_reg_pat",
    "read_lsoa_boundaries",
    "read_lsoa_centroids",
    "read_lsoa_registrations",
    "read_patches",
    "read_plan",
    "read_postcode_lookup",
    "read_practices",
    "read_qof_mapping",
    "read_waivers",
    "table_size_limit",
    "warn_unknown_waivers",
    "write_plan",
]
