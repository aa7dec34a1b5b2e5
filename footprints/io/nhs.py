"""The published NHS Digital and ONS formats, and joining them into the practices table.

``epraccur.csv`` (practices, no header row), "Patients Registered at a GP Practice"
(list sizes), QOF ``MAPPING_NHS_GEOGRAPHIES`` (practice → PCN, CCG, STP) and ePCN membership
(``ePCN.xlsx`` or its CSV copy); :func:`assemble_practices` joins them, with a postcode
lookup, into the canonical practices table.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from footprints.errors import MissingColumnError, ProblemLog
from footprints.io.cells import (
    _code,
    _duplicates,
    _is_blank,
    _objects,
    _optional_code,
    _optional_network,
    _parse_list_size,
    _practice_code,
    _refuse_one_sex,
    _skipped_blank_rows,
)
from footprints.io.columns import (
    _EPCN_FIELDS,
    _EPRACCUR_FIELDS,
    _GP_REG_PAT_FIELDS,
    _LIST_SIZE_FIELDS,
    _QOF_MAPPING_FIELDS,
    _normalise_name,
    _required,
    _resolve_columns,
)
from footprints.io.practices import _practices_from_frame
from footprints.io.tables import (
    _EXCEL,
    PathLike,
    _read_csv,
    _read_excel_sheets,
    _strip_cells,
    _with_header,
)

__all__ = [
    "assemble_practices",
    "read_epcn",
    "read_epraccur",
    "read_gp_reg_pat",
    "read_qof_mapping",
]

logger = logging.getLogger(__name__)


# epraccur.csv has no header row; its documented column order (27 columns, "Null" padding):
_EPRACCUR_POSITIONS = {
    "code": 0,
    "name": 1,
    "postcode": 9,
    "open_date": 10,
    "close_date": 11,
    "status": 12,
    "ccg": 14,  # Commissioner
    "prescribing_setting": 25,
}
# The same columns with the six "Null" columns dropped (21 columns).
_EPRACCUR_POSITIONS_COMPACT = {**_EPRACCUR_POSITIONS, "prescribing_setting": 20}


def read_epraccur(path: PathLike, *, gp_only: bool = True) -> pd.DataFrame:
    """Read NHS Digital's ``epraccur.csv`` (GP practices).

    The published file has no header row and a documented column order; a copy with a header
    row added is read by column names instead.

    Parameters
    ----------
    path
        The epraccur CSV.
    gp_only
        Keep only prescribing setting 4 (GP practice), when the column is present.

    Returns
    -------
    pandas.DataFrame
        ``code, name, postcode, ccg`` (the commissioner's ODS code), ``status`` (A active,
        C closed, D dormant, P proposed), ``open_date, close_date, prescribing_setting``.
    """
    source = str(path)
    frame = _read_csv(path, header=False)
    first = [_normalise_name(v) for v in frame.iloc[0]] if len(frame) else []
    if "postcode" in first or (first and first[0] in {"org_code", "organisation_code", "code"}):
        frame = _with_header(frame, source)
        resolved = _resolve_columns(
            frame, _EPRACCUR_FIELDS, source=source, required=("code", "name", "postcode")
        )
        table = pd.DataFrame(
            {name: frame[column] if column is not None else "" for name, column in resolved.items()}
        )
        first_row = 2
    else:
        width = frame.shape[1]
        if width >= 26:
            positions = _EPRACCUR_POSITIONS
        elif width == 21:
            positions = _EPRACCUR_POSITIONS_COMPACT
        else:
            raise MissingColumnError(
                f"{source}: {width} columns and no header row; epraccur has 27 columns in the "
                "documented order (organisation code, name, …, postcode 10th, commissioner "
                "15th, prescribing setting 26th). Give the published file or add a header row."
            )
        table = pd.DataFrame({name: frame[pos] for name, pos in positions.items()})
        first_row = 1
    table = table.reset_index(drop=True)
    log = ProblemLog(source, logger)
    table["code"] = table["code"].map(_code)
    blank = (frame == "").all(axis=1).to_numpy()  # a row each, as the table's
    for offset in np.flatnonzero((table["code"] == "").to_numpy() & ~blank):
        log.error("the practice code is empty", "remove the row", row=int(offset) + first_row)
    _duplicates(table["code"].tolist(), log, what="practice code", first_row=first_row)
    _skipped_blank_rows(
        [int(offset) + first_row for offset in np.flatnonzero(blank)], log, what="practice"
    )
    log.raise_if_errors()
    table = table[~blank].reset_index(drop=True)
    table["ccg"] = _objects(table["ccg"].map(_optional_code))
    table["status"] = table["status"].map(_code)
    if gp_only and (table["prescribing_setting"] != "").any():
        table = table[table["prescribing_setting"] == "4"].reset_index(drop=True)
    logger.info(
        "%s: %d practices (%d active)", source, len(table), int((table["status"] == "A").sum())
    )
    return table


def read_gp_reg_pat(path: PathLike) -> pd.DataFrame:
    """Read "Patients Registered at a GP Practice" (``gp-reg-pat-prac-all.csv``).

    Returns
    -------
    pandas.DataFrame
        ``code, list_size, ccg, postcode``; ``ccg`` is the ONS code (``ONS_CCG_CODE``) where
        the file has it, else the ODS ``CCG_CODE``. Only all-sex, all-age totals are kept.
    """
    source = str(path)
    frame = _read_csv(path)
    resolved = _resolve_columns(
        frame, _GP_REG_PAT_FIELDS, source=source, required=("code", "list_size")
    )
    sex_column = resolved["sex"]
    if sex_column is not None:
        # the single-age file of one sex, published beside the totals: its ALL-age rows were
        # read as the men's (or women's) list sizes, with a warning that male and female
        # rows were added
        _refuse_one_sex(
            set(frame[sex_column].str.strip().str.upper()) - {""},
            column=sex_column,
            source=source,
            consequence="read as list sizes, each practice would have about half its patients",
            fix="give the all-persons totals, gp-reg-pat-prac-all.csv, from the same "
            "publication (or the male and female files joined into one)",
        )
    log = ProblemLog(source, logger)
    blank = (frame == "").all(axis=1)
    _skipped_blank_rows([int(i) + 2 for i in frame.index[blank]], log, what="practice")
    keep = ~blank
    for filter_field in ("sex", "age"):
        filter_column = resolved[filter_field]
        if filter_column is not None:
            keep &= frame[filter_column].str.upper().isin(["ALL", ""])
    code_column, size_column = _required(resolved, "code"), _required(resolved, "list_size")
    frame = pd.concat([frame[keep], _male_plus_female(frame, keep, resolved, log)])
    codes: list[str] = []
    sizes: list[int | None] = []
    for offset, (code_text, size_text) in enumerate(
        zip(frame[code_column], frame[size_column], strict=True)
    ):
        row = int(frame.index[offset]) + 2
        code = _practice_code(code_text, log, row=row)
        sizes.append(_parse_list_size(str(size_text), log, row=row, code=code, column=size_column))
        codes.append(code)
    _duplicates(codes, log, what="practice code")
    log.raise_if_errors()

    def optional_column(name: str) -> list[str | None]:
        col = resolved[name]
        return [None] * len(frame) if col is None else [_optional_code(v) for v in frame[col]]

    table = pd.DataFrame(
        {
            "code": pd.Series(codes, dtype="str"),
            "list_size": pd.Series(sizes, dtype="int64"),
            "ccg": optional_column("ccg"),
            "postcode": optional_column("postcode"),
        }
    )
    table["ccg"] = _objects(table["ccg"])
    table["postcode"] = _objects(table["postcode"])
    logger.info(
        "%s: %d practices, %s patients", source, len(table), f"{int(table['list_size'].sum()):,}"
    )
    return table


def _male_plus_female(
    frame: pd.DataFrame, keep: pd.Series, resolved: dict[str, str | None], log: ProblemLog
) -> pd.DataFrame:
    """One all-persons row for each practice that has only male and female rows, warned.

    A file joining the all-persons totals with the per-sex ones may leave some practices
    without an ``ALL`` row: keeping only those rows dropped the practices (no list size).
    Their all-ages rows are added together instead, with one warning naming them.
    """
    sex_column, age_column = resolved["sex"], resolved["age"]
    code_column, size_column = str(resolved["code"]), str(resolved["list_size"])
    if sex_column is None:
        return frame.iloc[:0]
    codes = frame[code_column].map(_code)
    all_ages = (
        frame[age_column].str.upper().isin(["ALL", ""])
        if age_column is not None
        else pd.Series(True, index=frame.index)
    )
    missing = all_ages & ~codes.isin(set(codes[keep])) & (codes != "")
    if not missing.any():
        return frame.iloc[:0]
    sizes = pd.to_numeric(frame.loc[missing, size_column].str.replace(",", ""), errors="coerce")
    rows = frame[missing].groupby(codes[missing], sort=False).head(1).copy()
    if not sizes.isna().any():  # else each row's own error, from the first, names it
        totals = sizes.groupby(codes[missing], sort=False).sum()
        rows[size_column] = [str(int(totals[c])) for c in codes[rows.index]]
    named = sorted(set(codes[missing]))
    if not keep.any():
        _warn_summed_by_sex(frame, missing, sizes, resolved, log, practices=len(named))
        return rows
    shown = ", ".join(named[:10]) + (f" and {len(named) - 10:,} more" if len(named) > 10 else "")
    log.warn(
        f"{len(named):,} practice{' has' if len(named) == 1 else 's have'} no {sex_column} = "
        f"ALL row ({shown}): {'its' if len(named) == 1 else 'their'} male and female rows "
        "are added together",
        "nothing to do if the file joins the all-persons totals with the per-sex ones; "
        "otherwise check the file holds every practice's ALL row",
    )
    return rows


def _warn_summed_by_sex(
    frame: pd.DataFrame,
    missing: pd.Series,
    sizes: pd.Series,
    resolved: dict[str, str | None],
    log: ProblemLog,
    *,
    practices: int,
) -> None:
    """Say plainly how a file with no all-persons row at all was read, and what to do.

    The quinary-age file (``gp-reg-pat-prac-quin-age.csv``: each practice's patients by sex
    and five-year age band, ``AGE_GROUP_5``) has no ``SEX = ALL`` row; every practice was
    named as lacking one, 'their male and female rows are added together', 'nothing to do if
    the file joins the all-persons totals with the per-sex ones': not what the file is.
    """
    own = {resolved["code"], resolved["list_size"], resolved["sex"], resolved["ccg"]}
    bands = [
        str(column)
        for column in frame.columns
        if column not in own and str(column).strip().lower().startswith("age")
    ]
    by = (
        f"sex and age band ({bands[0]}: {frame.loc[missing, bands[0]].nunique():,} bands)"
        if bands
        else "sex"
    )
    total = "" if sizes.isna().any() else f", {int(sizes.sum()):,} patients"
    log.warn(
        f"no row counts all persons ({resolved['sex']} is never ALL): the file counts each "
        f"practice's patients by {by}, so each practice's list size is read as the sum of "
        f"its rows ({int(missing.sum()):,} rows for {practices:,} "
        f"practice{'' if practices == 1 else 's'}{total})",
        "nothing to do if these are all of each practice's rows; the totals file of the same "
        "publication, gp-reg-pat-prac-all.csv, gives the same list sizes with one row per "
        "practice",
    )


def read_qof_mapping(path: PathLike) -> pd.DataFrame:
    """Read QOF ``MAPPING_NHS_GEOGRAPHIES`` (practice → PCN, CCG, STP).

    Returns
    -------
    pandas.DataFrame
        ``code, name, ccg`` (ONS ``CCG_ONS_CODE``), ``stp`` (ONS ``STP_ONS_CODE``),
        ``network`` (``PCN_ODS_CODE``; ``U`` read as ``None``), ``network_name``.
    """
    source = str(path)
    frame = _read_csv(path)
    resolved = _resolve_columns(
        frame, _QOF_MAPPING_FIELDS, source=source, required=("code", "ccg", "stp", "network")
    )
    log = ProblemLog(source, logger)
    codes = [_code(v) for v in frame[resolved["code"]]]
    blank = (frame == "").all(axis=1).to_numpy()
    for offset, code in enumerate(codes):
        if not code and not blank[offset]:
            log.error("the practice code is empty", "remove the row", row=offset + 2)
    _duplicates(codes, log, what="practice code")
    _skipped_blank_rows([int(i) + 2 for i in np.flatnonzero(blank)], log, what="practice")
    log.raise_if_errors()
    frame = frame[~blank]
    codes = [code for code, empty in zip(codes, blank, strict=True) if not empty]
    name_col, network_name_col = resolved["name"], resolved["network_name"]
    table = pd.DataFrame(
        {
            "code": pd.Series(codes, dtype="str"),
            "name": frame[name_col].reset_index(drop=True) if name_col else pd.Series(codes),
            "ccg": [_optional_code(v) for v in frame[resolved["ccg"]]],
            "stp": [_optional_code(v) for v in frame[resolved["stp"]]],
            "network": [_optional_network(v) for v in frame[resolved["network"]]],
            "network_name": (
                list(frame[network_name_col]) if network_name_col else [None] * len(frame)
            ),
        }
    )
    table["network_name"] = [
        None if pd.isna(network) else name
        for network, name in zip(table["network"], table["network_name"], strict=True)
    ]
    for key in ("ccg", "stp", "network", "network_name"):
        table[key] = _objects(table[key])
    logger.info(
        "%s: %d practices in %d networks, %d CCGs, %d STPs",
        source,
        len(table),
        table["network"].nunique(),
        table["ccg"].nunique(),
        table["stp"].nunique(),
    )
    return table


def _refuse_pcn_details(frame: pd.DataFrame, source: str) -> None:
    """Say so when a CSV is the ePCN workbook's "PCN Details" sheet: a PCN a row, no practices.

    It is the workbook's first sheet, so "Save as CSV" in Excel writes it; the membership is
    on the "PCN Core Partner Details" sheet.
    """
    normal = {_normalise_name(c) for c in frame.columns}
    details = {"pcn_code", "pcn_name"} <= normal and bool(
        normal & {"open_date_yyyymmdd", "open_date", "current_clinical_commissioning_group_code"}
    )
    if details and not normal & {"partner_organisation_code", "practice_code", "code"}:
        raise MissingColumnError(
            f"{source}: this is the ePCN file's 'PCN Details' sheet (one row per PCN, with no "
            "practices), not its membership: save the sheet 'PCN Core Partner Details' as CSV "
            "instead, or give the ePCN .xlsx workbook itself"
        )


_EXCEL_EPOCH = dt.date(1899, 12, 30)
"""Day 0 of Excel's serial dates (a date cell read as text gives its serial number)."""


def _epcn_date(text: object) -> dt.date | None:
    """Read a relationship date of the ePCN file: ``None`` where empty or not a date.

    As the file gives it: ``YYYYMMDD``, an Excel serial number, ISO or day-first text.
    """
    value = "" if text is None else str(text).strip()
    if not value or value.lower() == "nan":
        return None
    if re.fullmatch(r"\d{8}", value):
        parsed = pd.to_datetime(value, format="%Y%m%d", errors="coerce")
    elif re.fullmatch(r"\d{1,5}(\.0+)?", value):
        return _EXCEL_EPOCH + dt.timedelta(days=int(float(value)))
    elif re.match(r"\d{4}-\d{2}-\d{2}", value):
        parsed = pd.to_datetime(value, errors="coerce")
    else:
        parsed = pd.to_datetime(value, dayfirst=True, errors="coerce")
    return None if pd.isna(parsed) else parsed.date()


def read_epcn(path: PathLike, *, as_of: dt.date | None = None) -> pd.DataFrame:
    """Read ePCN membership: ``ePCN.xlsx`` (sheet "PCN Core Partner Details") or its CSV copy.

    The members on ``as_of`` (default: today): a membership whose relationship end date is
    on or before it has ended, one whose start date is after it has not begun (the file
    lists a practice changing network on 1 April under both networks before then). An end
    date that is not a date counts as ended.

    Returns
    -------
    pandas.DataFrame
        ``code, name, network, network_name, ccg`` (the practice's parent CCG, ODS code).
    """
    source = str(path)
    is_excel = Path(path).suffix.lower() in _EXCEL
    sheets = _read_excel_sheets(path) if is_excel else {}
    frame = _excel_sheet(sheets, "core_partner", source) if is_excel else _read_csv(path)
    _refuse_pcn_details(frame, source)
    resolved = _resolve_columns(frame, _EPCN_FIELDS, source=source, required=("code", "network"))
    names = _epcn_network_names(sheets)
    log = ProblemLog(source, logger)
    rows: list[dict[str, Any]] = []
    ended = later = 0
    blank_rows: list[int] = []
    today = as_of or dt.date.today()
    for offset, record in enumerate(frame.to_dict("records")):
        row = offset + 2
        end_text = record[resolved["end_date"]] if resolved["end_date"] is not None else None
        if end_text is not None and str(end_text).strip() not in ("", "nan"):
            end = _epcn_date(end_text)
            if end is None or end <= today:
                ended += 1
                continue
        start = _epcn_date(record[resolved["start_date"]]) if resolved["start_date"] else None
        if start is not None and start > today:
            later += 1
            continue
        code = _code(record[resolved["code"]])
        network = _optional_code(record[resolved["network"]])
        if not code and _is_blank(record):
            blank_rows.append(row)
            continue
        if not code:
            log.error("the practice code is empty", "remove the row", row=row)
            continue
        if network is None:
            log.error("the PCN code is empty", "give the practice's PCN code", row=row, code=code)
            continue
        network_name = record[resolved["network_name"]] if resolved["network_name"] else ""
        # A workbook's formula cell reads as its formula; in a CSV "=…" is a name's text.
        if not network_name or (is_excel and network_name.startswith("=")):
            network_name = names.get(network, network)
        rows.append(
            {
                "row": row,
                "code": code,
                "name": record[resolved["name"]] if resolved["name"] else code,
                "network": network,
                "network_name": network_name,
                "ccg": _optional_code(record[resolved["ccg"]]) if resolved["ccg"] else None,
            }
        )
    _skipped_blank_rows(blank_rows, log, what="membership")
    seen: dict[str, list[int]] = {}
    networks: dict[str, set[str]] = {}
    for entry in rows:
        seen.setdefault(entry["code"], []).append(entry["row"])
        networks.setdefault(entry["code"], set()).add(entry["network"])
    repeated: set[int] = set()  # rows repeating a membership already read: dropped
    for code, where in seen.items():
        if len(where) > 1 and len(networks[code]) == 1:
            log.warn(
                f"practice {code} is listed in PCN {next(iter(networks[code]))} on rows "
                f"{', '.join(map(str, where))}; read once",
                "nothing to do; remove the repeated rows to silence this",
                row=where[1],
                code=code,
            )
            repeated.update(where[1:])
        elif len(where) > 1:
            log.error(
                f"practice {code} is a current member of more than one PCN "
                f"(rows {', '.join(map(str, where))})",
                "give the rows it has left an end date, or remove them",
                row=where[1],
                code=code,
            )
    log.raise_if_errors()
    rows = [entry for entry in rows if entry["row"] not in repeated]
    table = pd.DataFrame(rows, columns=["row", "code", "name", "network", "network_name", "ccg"])
    table = table.drop(columns="row")
    table["code"] = table["code"].astype("str")
    table["ccg"] = _objects(table["ccg"])
    logger.info(
        "%s: %d current members of %d PCNs on %s (%d ended memberships excluded, %d that "
        "begin later)",
        source,
        len(table),
        table["network"].nunique(),
        today.isoformat(),
        ended,
        later,
    )
    return table


def _epcn_network_names(sheets: Mapping[str, pd.DataFrame]) -> dict[str, str]:
    """PCN code → name from the "PCN Details" sheet (for files whose names are formulas)."""
    for sheet, frame in sheets.items():
        if _normalise_name(sheet) in {"pcn_details", "pcndetails"}:
            frame = _strip_cells(frame)
            columns = {_normalise_name(c): c for c in frame.columns}
            if "pcn_code" in columns and "pcn_name" in columns:
                return dict(
                    zip(
                        frame[columns["pcn_code"]].map(_code),
                        frame[columns["pcn_name"]],
                        strict=True,
                    )
                )
    return {}


def _excel_sheet(sheets: Mapping[str, pd.DataFrame], wanted: str, source: str) -> pd.DataFrame:
    """Return the sheet whose normalised name contains ``wanted``, as stripped strings.

    The membership sheet renamed ("Sheet1" of a copy) is found by its partner code column.
    """
    for sheet, frame in sheets.items():
        if wanted in _normalise_name(sheet):
            return _strip_cells(frame)
    for frame in sheets.values():
        normal = {_normalise_name(c) for c in frame.columns}
        if wanted == "core_partner" and "partner_organisation_code" in normal:
            return _strip_cells(frame)
    raise MissingColumnError(
        f"{source}: no sheet {wanted.replace('_', ' ')!r}; sheets found: {', '.join(sheets)}"
    )


def assemble_practices(
    *,
    epraccur: PathLike | pd.DataFrame | None = None,
    list_sizes: PathLike | pd.DataFrame | None = None,
    mapping: PathLike | pd.DataFrame | None = None,
    postcodes: PathLike | pd.DataFrame | None = None,
    epcn: PathLike | pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Join the published files into the canonical practices table.

    Parameters
    ----------
    epraccur
        Practice names and postcodes (:func:`read_epraccur`). Without ``mapping`` its active
        GP practices (status A) are the practice list and its commissioner is the ``ccg``.
    list_sizes
        ``gp-reg-pat-prac-all.csv`` (:func:`read_gp_reg_pat`) or any CSV with a practice code
        and a list size column (e.g. QOF ``practice_code,list_size_total``).
    mapping
        QOF ``MAPPING_NHS_GEOGRAPHIES`` (:func:`read_qof_mapping`): when given, its practices
        are the practice list, with their CCG, STP and network.
    postcodes
        Postcode lookup (:func:`read_postcode_lookup`) locating each practice's postcode.
    epcn
        ePCN membership (:func:`read_epcn`): the network when ``mapping`` gives none.

    Returns
    -------
    geopandas.GeoDataFrame
        The canonical practices table (see :func:`read_practices`).
    """
    if list_sizes is None or postcodes is None or (epraccur is None and mapping is None):
        raise ValueError("assemble_practices needs list_sizes, postcodes, and epraccur or mapping")
    practices_source = "assembled practices"
    base: pd.DataFrame
    places = _as_table(epraccur, read_epraccur) if epraccur is not None else None
    if mapping is not None:
        base = _as_table(mapping, read_qof_mapping)
        practices_source = f"practices of {_describe(mapping)}"
    else:
        assert places is not None
        base = places[places["status"] == "A"][["code", "name", "ccg"]]
        practices_source = f"active practices of {_describe(epraccur)}"
    base = base.reset_index(drop=True)
    sizes = _as_table(list_sizes, _read_list_sizes).drop_duplicates("code")
    base = _with_list_sizes_only(base, sizes, practices_source, _describe(list_sizes))
    frame = base.merge(sizes[["code", "list_size"]], on="code", how="left")
    postcode = pd.Series("", index=frame.index, dtype=object)
    for table in (places, sizes):
        if table is not None and "postcode" in table.columns:
            found = frame["code"].map(table.drop_duplicates("code").set_index("code")["postcode"])
            postcode = postcode.where(postcode != "", found.fillna(""))
    frame["postcode"] = postcode
    if "network" not in frame.columns and epcn is not None:
        members = _as_table(epcn, read_epcn).set_index("code")
        frame["network"] = frame["code"].map(members["network"])
    strings = pd.DataFrame({c: frame[c].map(_cell) for c in frame.columns})
    columns = {c: c for c in ("code", "name", "list_size", "postcode", "ccg", "stp", "network")}
    resolved: dict[str, str | None] = {k: (v if v in strings else None) for k, v in columns.items()}
    # the joined table's rows are no file's: problems name the practice code, not a row
    return _practices_from_frame(
        strings, resolved, source=practices_source, postcodes=postcodes, first_row=None
    )


def _with_list_sizes_only(
    base: pd.DataFrame, sizes: pd.DataFrame, practices_source: str, sizes_source: str
) -> pd.DataFrame:
    """Leave out, with one warning, the practices the list-size file has no row for.

    ``epraccur`` of one month lists practices opened since the list sizes' month (and a few
    Welsh ones) that have no list size yet; one such practice must not stop England's
    practices being assembled. A row whose list size is empty stays an error.
    """
    listed = base["code"].isin(set(sizes["code"]))
    if listed.all():
        return base
    absent = base.loc[~listed, "code"].astype(str).tolist()
    shown = ", ".join(absent[:12]) + (f" and {len(absent) - 12:,} more" if len(absent) > 12 else "")
    log = ProblemLog(sizes_source, logger)
    log.warn(
        f"{len(absent):,} practice{'s' if len(absent) != 1 else ''} of the practice list "
        f"{'have' if len(absent) != 1 else 'has'} no row in the list-size file ({shown}): left "
        f"out of the practices ({practices_source})",
        "nothing to do for practices opened after the list sizes' date or outside England; "
        "otherwise give list sizes of the same month as the practice list",
    )
    return base[listed].reset_index(drop=True)


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    return str(value)


def _describe(item: object) -> str:
    return "the given table" if isinstance(item, pd.DataFrame) else str(item)


def _as_table(item: PathLike | pd.DataFrame, reader: Any) -> pd.DataFrame:
    return item if isinstance(item, pd.DataFrame) else reader(item)


def _read_list_sizes(path: PathLike) -> pd.DataFrame:
    frame = _read_csv(path)
    if "number_of_patients" in {_normalise_name(c) for c in frame.columns}:
        return read_gp_reg_pat(path)
    source = str(path)
    resolved = _resolve_columns(
        frame, _LIST_SIZE_FIELDS, source=source, required=("code", "list_size")
    )
    log = ProblemLog(source, logger)
    blank = (frame == "").all(axis=1)
    _skipped_blank_rows([int(i) + 2 for i in frame.index[blank]], log, what="practice")
    frame = frame[~blank]  # the index keeps each row's place in the file
    codes = [_practice_code(v, log, row=int(i) + 2) for i, v in frame[resolved["code"]].items()]
    sizes = [
        _parse_list_size(str(v), log, row=int(i) + 2, code=c, column=resolved["list_size"])
        for c, (i, v) in zip(codes, frame[resolved["list_size"]].items(), strict=True)
    ]
    _duplicates(codes, log, what="practice code")
    log.raise_if_errors()
    logger.info("%s: %d list sizes", source, len(codes))
    return pd.DataFrame({"code": codes, "list_size": pd.Series(sizes, dtype="int64")})
