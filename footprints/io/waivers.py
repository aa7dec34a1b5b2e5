"""Waivers: the reasons given for networks outside the band, read from a CSV or a workbook.

``network_id,reason`` (a spreadsheet's "Network ID" and "Waiver reason" too): the
validator shows each reason beside its network's band finding (DESIGN.md).
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from footprints.errors import InputError, Problem, ProblemLog, close_matches
from footprints.io.columns import _normalise_name
from footprints.io.tables import _EXCEL, PathLike, _decode, _delimiter, _read_excel_sheets
from footprints.plan import Plan

__all__ = ["MAX_WAIVERS_BYTES", "read_waivers", "warn_unknown_waivers"]

logger = logging.getLogger(__name__)

MAX_WAIVERS_BYTES = 16 * 1024**2
"""Largest waivers file read (one short row per network)."""


def read_waivers(path: PathLike) -> dict[str, str]:
    """Read waiver reasons: ``network_id,reason`` in a CSV or a workbook's first sheet."""
    source = str(path)
    if not Path(path).is_file():
        raise InputError([Problem(source, "file not found", "check the path")])
    data = Path(path).read_bytes()
    if len(data) > MAX_WAIVERS_BYTES:
        raise InputError(
            [
                Problem(
                    source,
                    f"is {len(data):,} bytes; a waivers file is at most "
                    f"{MAX_WAIVERS_BYTES:,} (one short row per network)",
                    "give the CSV network_id,reason",
                )
            ]
        )
    if Path(path).suffix.lower() in _EXCEL:  # reasons typed in Excel: its first sheet
        sheets = _read_excel_sheets(path)
        frame = next(iter(sheets.values()), pd.DataFrame())
        cells = frame.astype(object).where(frame.notna(), "")
        table = [[str(c) for c in frame.columns], *([str(c) for c in row] for row in cells.values)]
        rows = [row for row in table if any(cell.strip() for cell in row)]
        return _waivers_from_rows(rows, source)
    text = _decode(data, source)  # a workbook under a .csv name is refused, UTF-16 read
    sep = _delimiter(text, source)  # European Excel saves with semicolons
    try:
        rows = [
            row
            for row in csv.reader(io.StringIO(text, newline=""), delimiter=sep)
            if any(cell.strip() for cell in row)
        ]
    except csv.Error as error:
        raise InputError(
            [Problem(source, f"cannot be read as CSV ({error})", "save it again as CSV UTF-8")]
        ) from None
    return _waivers_from_rows(rows, source, sep=sep)


_WAIVER_ALIASES = {"waiver_reason": "reason", "waiver": "reason"}
"""Other names of a waivers file's columns (after :func:`_normalise_name`)."""


def _waivers_from_rows(rows: list[list[str]], source: str, *, sep: str = ",") -> dict[str, str]:
    """Waiver reasons from a waivers file's non-blank rows, the header first."""
    found = [cell.strip() for cell in rows[0]] if rows else []
    # "Network ID" and "Waiver reason" as typed in a spreadsheet; a plan file's waiver_reason
    header = [_WAIVER_ALIASES.get(_normalise_name(c), _normalise_name(c)) for c in found]
    missing = [c for c in ("network_id", "reason") if c not in header]
    if not rows:  # 'no column network_id, reason; columns found: ' (nothing after it)
        raise InputError(
            [
                Problem(
                    source,
                    "the file is empty (no header, no waivers)",
                    "give a CSV with the header network_id,reason and a row per waived network",
                )
            ]
        )
    if missing:
        raise InputError(
            [
                Problem(
                    source,
                    f"no column {', '.join(missing)}; columns found: {', '.join(found)}",
                    "give a CSV with the header network_id,reason",
                )
            ]
        )
    network_at, reason_at = header.index("network_id"), header.index("reason")
    waivers: dict[str, str] = {}
    problems = []
    for offset, row in enumerate(rows[1:]):
        if len(row) > len(header):
            if reason_at != len(header) - 1:
                problems.append(
                    Problem(
                        source,
                        f"row has {len(row)} cells but the header has {len(header)}",
                        'put the reason in double quotes ("rural, island")',
                        row=offset + 2,
                    )
                )
                continue
            # An unquoted comma in the reason (the last column): keep the whole sentence.
            row = [*row[:reason_at], sep.join(row[reason_at:])]
        row = row + [""] * (len(header) - len(row))
        network = row[network_at].strip()  # as the plan writes it: ids are compared exactly
        reason = row[reason_at].strip()
        if not network:
            continue
        if not reason:  # read as no waiver: the pack said 'Waiver reason: none recorded'
            ProblemLog(source, logger).warn(
                f"network {network} has no reason: it is not waived",
                "write the reason beside it (why the network may be outside the band)",
                row=offset + 2,
                code=network,
            )
        if network in waivers:
            problems.append(
                Problem(source, f"network {network} has two rows", "keep one", row=offset + 2)
            )
        waivers[network] = reason
    if problems:
        raise InputError(problems)
    logger.info("%s: %d waiver reasons", source, len(waivers))
    return waivers


def warn_unknown_waivers(
    waivers: Mapping[str, str], plan: Plan, *, source: str | None = None
) -> None:
    """Warn about waivers naming no network, with the network meant where ids nearly match.

    Network ids are compared exactly: a waiver for ``uz0029`` is not given to ``UZ0029``,
    but the warning names it. ``source`` (the waivers file, as the user named it) starts
    the warning.
    """
    networks = plan.networks()
    unknown = sorted(set(waivers) - set(networks))
    if not unknown:
        return
    near: dict[str, list[str]] = {}
    for network in networks:
        near.setdefault("".join(network.split()).casefold(), []).append(network)
    for network, name in plan.names.items():  # a waiver written by the network's name
        if network in networks and name:
            near.setdefault("".join(str(name).split()).casefold(), []).append(network)
    named = []
    for waiver in unknown:
        # the same id but for case or spaces, else a close one ('U0151' for U01315)
        meant = near.get("".join(waiver.split()).casefold(), []) or close_matches(waiver, networks)
        named.append(
            f"{waiver!r}" + (f" (did you mean {', '.join(map(repr, meant))}?)" if meant else "")
        )
    logger.warning(
        "%swaivers name %s not in the plan: %s; network ids are compared exactly (give the "
        "network's id, such as its PCN code, not its name)",
        f"{source}: " if source else "",
        f"{len(unknown):,} network{'' if len(unknown) == 1 else 's'}",
        ", ".join(named),
    )
