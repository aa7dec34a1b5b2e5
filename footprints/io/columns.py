"""Column aliases: the names each loader accepts for each canonical field, and choosing them.

A field (:class:`_Field`) lists the accepted names in tiers of preference; every loader's
fields are defined here, so an accepted name is added in one place. :func:`_resolve_columns`
maps each field to one column of a table, logs the mapping, and reports a missing required
column (listing the columns found and the names accepted) or an ambiguous one.

Which CCG column wins
    Boundary files key areas by their ONS code (``CCG20CD`` = ``E38…``), so where a practices
    file has several CCG columns the ONS one wins (``ccg20_ons_code`` over ``ccg20_code``),
    then an ODS one (``16C``); :func:`footprints.areas.place_practices` accepts either and
    stores the boundary ``code``. The same holds for STPs (``E54…`` over ``QHM``). Override
    with ``columns={"ccg": "ccg20_code"}``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from footprints.errors import InputError, MissingColumnError, Problem, did_you_mean

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Field:
    """A canonical column and the names accepted for it, in tiers of preference.

    Each tier is a tuple of regular expressions matched in full against a normalised column
    name (lower case, runs of other characters turned into ``_``). The first tier with a
    match wins; two different columns matching in that tier are ambiguous.
    """

    name: str
    tiers: tuple[tuple[str, ...], ...]

    def accepted(self) -> str:
        r"""Return the accepted names, readable: ``ccg\d{2}cd`` → ``ccgNNcd``."""
        names = ", ".join(dict.fromkeys(pattern for tier in self.tiers for pattern in tier))
        names = re.sub(r"\\d\{0,2\}|\\d\{2\}", "NN", names)
        names = re.sub(r"\(([^()]*)\)\?", r"[\1]", names)
        return names.replace("\\w+", "*")


_CODE = _Field(
    "code",
    (
        ("code",),
        (
            "practice_code",
            "org_code",
            "organisation_code",
            "practice_ods_code",
            "ods_code",
            "partner_organisation_code",
        ),
    ),
)
_NAME = _Field(
    "name",
    (("name",), ("practice_name", "org_name", "organisation_name", "partner_name")),
)
_LIST_SIZE = _Field(
    "list_size",
    (
        ("list_size",),
        (
            "number_of_patients",
            "list_size_total",
            "total_list_size",
            "registered_patients",
            "patients",
        ),
        (r"list_size_\w+",),
    ),
)
_LAT = _Field("lat", (("lat", "latitude"),))
_LON = _Field("lon", (("lon", "long", "lng", "longitude"),))
_EASTING = _Field("easting", (("easting", "eastings"), ("oseast1m", "x_bng")))
_NORTHING = _Field("northing", (("northing", "northings"), ("osnrth1m", "y_bng")))
_POSTCODE = _Field("postcode", (("postcode", "post_code"), ("pcds", "pcd", "pcd2")))
_CCG = _Field(
    "ccg",
    (
        ("ccg",),
        (
            r"ccg\d{0,2}_ons_code",
            r"ons_ccg\d{0,2}_code",
            r"ccg\d{2}cd",
            r"sub_icb(_loc(ation)?)?_ons_code",
            r"ons_sub_icb(_loc(ation)?)?_code",  # NHS Digital's files since July 2022
            r"sicbl\d{2}cd",
        ),
        (
            r"ccg\d{0,2}_(ods_)?code",
            r"ccg\d{2}cdh",
            "commissioner",
            r"sub_icb(_loc(ation)?)?(_ods)?_code",
            r"sicbl\d{2}cdh",
        ),
    ),
)
_STP = _Field(
    "stp",
    (
        ("stp", "icb"),
        (
            r"stp\d{0,2}_ons_code",
            r"ons_stp\d{0,2}_code",
            r"stp\d{2}cd",
            r"icb\d{0,2}_ons_code",
            r"ons_icb\d{0,2}_code",
            r"icb\d{2}cd",
        ),
        (r"stp\d{0,2}_(ods_)?code", r"stp\d{2}cdh", r"icb\d{0,2}_(ods_)?code", r"icb\d{2}cdh"),
    ),
)
_PATCH = _Field("patch", (("patch",), ("patch_code", "patch_id", "nursing_patch")))
_NETWORK = _Field(
    "network",
    (
        ("network",),
        ("network_id", "network_code", "pcn", "pcn_code", "pcn_ods_code", "pcn_id"),
    ),
)
_NETWORK_NAME = _Field("network_name", (("network_name",), ("pcn_name",)))

# The fields of each format
_PRACTICE_FIELDS = [
    *(_CODE, _NAME, _LIST_SIZE, _LAT, _LON, _EASTING, _NORTHING, _POSTCODE),
    *(_CCG, _STP, _PATCH, _NETWORK),
]
_LIST_SIZE_FIELDS = [_CODE, _LIST_SIZE]
_EPRACCUR_FIELDS = [
    _Field("code", (("org_code", "organisation_code", "code", "practice_code"),)),
    _Field("name", (("name", "org_name", "organisation_name"),)),
    _Field("postcode", (("postcode",),)),
    _Field("open_date", (("open_date",),)),
    _Field("close_date", (("close_date",),)),
    _Field("status", (("status_code", "status"),)),
    _Field("ccg", (("commissioner",),)),
    _Field("prescribing_setting", (("prescribing_setting",),)),
]
_POSTCODE_FIELDS = [
    _Field(
        "postcode",
        (("postcode", "post_code"), ("pcds",), ("pcd",), ("pcd2",), ("postcode_nospace",)),
    ),
    _EASTING,
    _NORTHING,
    _LAT,
    _LON,
]
_GP_REG_PAT_FIELDS = [
    _Field("code", (("code", "practice_code", "org_code"),)),
    _Field("list_size", (("number_of_patients", "list_size"),)),
    _Field(
        "ccg",
        (
            ("ons_ccg_code", "ccg_ons_code", "ons_sub_icb_location_code"),
            ("ccg_code", "ccg", "sub_icb_location_code"),
        ),
    ),
    _Field("postcode", (("postcode",),)),
    _Field("sex", (("sex",),)),
    _Field("age", (("age",),)),
]
_QOF_MAPPING_FIELDS = [
    _Field("code", (("practice_code",),)),
    _Field("name", (("practice_name",),)),
    _Field("ccg", (("ccg_ons_code",), ("ccg_ods_code", "ccg_code"))),
    _Field("stp", (("stp_ons_code",), ("stp_ods_code", "stp_code"))),
    _Field("network", (("pcn_ods_code", "pcn_code"),)),
    _Field("network_name", (("pcn_name",),)),
]
_EPCN_FIELDS = [
    _Field("code", (("partner_organisation_code", "practice_code", "code"),)),
    _Field("name", (("partner_name", "practice_name", "name"),)),
    _Field("network", (("pcn_code",),)),
    _Field("network_name", (("pcn_name",),)),
    _Field(
        "ccg",
        (("practice_parent_ccg_code", r"practice_parent_sub_icb(_loc(ation)?)?(_code)?"),),
    ),
    _Field("start_date", ((r"practice_to_pcn_relationship_start_date", "start_date"),)),
    _Field("end_date", ((r"practice_to_pcn_relationship_end_date", "end_date"),)),
]
_PLAN_FIELDS = [
    _Field("code", (("practice_code", "code"), _CODE.tiers[1])),
    _Field("network", (("network_id",), *_NETWORK.tiers)),
    _NETWORK_NAME,
]


def _normalise_name(name: object) -> str:
    return re.sub(r"[^0-9a-z]+", "_", str(name).strip().lower()).strip("_")


def _resolve_columns(
    frame: pd.DataFrame,
    fields: Iterable[_Field],
    *,
    source: str,
    required: Iterable[str] = (),
    overrides: Mapping[str, str] | None = None,
    option: str | None = None,
) -> dict[str, str | None]:
    """Map each canonical field to a column of ``frame`` (or ``None``); log the mapping.

    ``option`` is the command line's option naming a column (``--practice-column``), for
    the messages: they then say how to name one both there and in Python (``columns=``).
    """
    fields = list(fields)
    # several columns may share a normalised name ("List Size" and "list_size", or a header
    # that repeats a name, read as "list_size (repeat 2)"): using one is ambiguous
    groups: dict[str, list[str]] = {}
    for original in frame.columns:
        base = re.sub(r" \(repeat \d+\)$", "", str(original))
        groups.setdefault(_normalise_name(base), []).append(str(original))
    by_normal = {normal: originals[0] for normal, originals in groups.items()}
    overrides = dict(overrides or {})
    known = {f.name for f in fields}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ValueError(
            f"columns= names unknown field(s) {unknown}; the fields are {sorted(known)}"
        )
    found = ", ".join(str(c) for c in frame.columns)
    resolved: dict[str, str | None] = {}
    missing: list[str] = []
    problems: list[Problem] = []
    ambiguous: set[str] = set()
    for field_ in fields:
        if field_.name in overrides:
            wanted = overrides[field_.name]
            column: str | None = (
                wanted if wanted in frame.columns else by_normal.get(_normalise_name(wanted))
            )
            if column is None:
                raise MissingColumnError(
                    f"{source}: the column {wanted!r} given for {field_.name} is not in the "
                    f"file{did_you_mean(wanted, map(str, frame.columns))}; columns found: "
                    f"{found}"
                )
            resolved[field_.name] = column
            continue
        resolved[field_.name] = None
        for tier in field_.tiers:
            matches = _tier_matches(tier, by_normal)
            if len(matches) == 1 and len(groups[_normalise_name(matches[0])]) > 1:
                copies = groups[_normalise_name(matches[0])]
                ambiguous.add(field_.name)
                problems.append(
                    Problem(
                        source,
                        f"the header has {len(copies)} columns that could be {field_.name}: "
                        f"{', '.join(repr(c) for c in copies)}",
                        "delete or rename all but one of them",
                    )
                )
                break
            if len(matches) == 1:
                resolved[field_.name] = matches[0]
                break
            if len(matches) > 1:
                ambiguous.add(field_.name)
                problems.append(
                    Problem(
                        source,
                        f"several columns could be {field_.name}: {', '.join(matches)}",
                        f"name the one you mean — {_naming(option, field_.name, matches[0])} —"
                        " or rename the others"
                        if option is not None
                        else "rename all but the one you mean (this file's columns are found "
                        "by their names only)",
                    )
                )
                break
        if resolved[field_.name] is None and field_.name in set(required) - ambiguous:
            missing.append(field_.name)
    if missing:
        accepted = "; ".join(f"{f.name}: {f.accepted()}" for f in fields if f.name in set(missing))
        raise MissingColumnError(
            f"{source}: no column for {', '.join(missing)}. Columns found: {found}. "
            f"Accepted names (case-insensitive) — {accepted}. "
            + (
                f"Rename a column or name it: {_naming(option, missing[0], 'COLUMN')}."
                if option is not None
                else "Rename the column to one of the accepted names (this file's columns are "
                "found by their names only)."
            )
        )
    if problems:
        raise InputError(problems)
    used = ", ".join(f"{name}←{column}" for name, column in resolved.items() if column is not None)
    logger.info("%s: columns used: %s", source, used)
    return resolved


def _tier_matches(tier: tuple[str, ...], by_normal: Mapping[str, str]) -> list[str]:
    """Return the columns (by normalised name → original) one tier of a field accepts."""
    return sorted(
        {
            original
            for normal, original in by_normal.items()
            if any(re.fullmatch(pattern, normal) for pattern in tier)
        }
    )


def column_choices(columns: Iterable[object], fields: Iterable[_Field]) -> dict[str, list[str]]:
    """Return each field that several of ``columns`` could be, with those columns.

    As the reader resolves them: the first tier of a field's names with a match decides,
    and two or more different columns matching there make the field ambiguous (a choice
    for the user, passed back as ``columns={field: column}``).
    """
    by_normal: dict[str, str] = {}
    for original in columns:
        base = re.sub(r" \(repeat \d+\)$", "", str(original))
        by_normal.setdefault(_normalise_name(base), str(original))
    choices: dict[str, list[str]] = {}
    for field_ in fields:
        for tier in field_.tiers:
            matches = _tier_matches(tier, by_normal)
            if len(matches) > 1:
                choices[field_.name] = matches
            if matches:
                break
    return choices


def _naming(option: str, field_name: str, column: str) -> str:
    """Say how to name a field's column: on the command line (``option``) and in Python."""
    python = f"columns={{{field_name!r}: {column!r}}}"
    return f"{option} {field_name}={column} on the command line, {python} in Python"


def _required(resolved: Mapping[str, str | None], name: str) -> str:
    column = resolved[name]
    assert column is not None, name  # _resolve_columns raised for a missing required column
    return column
