"""``footprints plans …``: the plan store from the command line.

``list``, ``show``, ``versions``, ``import``, ``export``, ``name``, ``restore`` and ``diff``,
each with ``--store`` (a database URL or a SQLite file; default ``$FOOTPRINTS_STORE`` or
``plans.sqlite`` in the user's data folder). A version is given by its number, its name or
``head``. Exit statuses are the console script's (:mod:`footprints.cli`): 0 done (``diff``:
the versions are identical), 1 ``diff``: they differ, 2 an unknown plan or version, a store
that cannot be opened, a file that cannot be read or written, a conflicting save.

:func:`add_plans_parser` adds the commands to the console script's parser; the script passes
in how to add its region options and how to export a plan, which need the region.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from footprints.atomic import write_text
from footprints.errors import count
from footprints.io import read_plan, warn_unknown_waivers
from footprints.io.cells import spreadsheet_csv
from footprints.plan import Plan, PlanState
from footprints.region import REGION_OPTIONS, load_region_from

# The store (SQLAlchemy) is imported by the functions that use it: every command builds this
# module's parser, and only ``footprints plans …`` and ``report --comments-of`` open a store.
if TYPE_CHECKING:
    from footprints.store import PlanHandle, Version, VersionInfo

__all__ = ["add_plans_parser", "existing_store"]

Exporter = Callable[[argparse.Namespace, Plan], int]
"""Writes a plan as ``footprints export`` does (the options it reads are on ``args``)."""


def _when(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M}"


def _table(header: Sequence[str], rows: Iterable[Sequence[object]], right: set[int]) -> str:
    """Align columns: text left, the columns numbered in ``right`` right."""
    cells = [list(header), *([str(c) for c in row] for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = [
        "  ".join(
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ).rstrip()
        for row in cells
    ]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def _info_json(info: VersionInfo, head: int) -> dict[str, Any]:
    return {
        "number": info.number,
        "name": info.name,
        "parent": info.parent,
        "saved": info.created_at.isoformat(),
        "author": info.author,
        "label": info.label,
        "practices": info.practices,
        "networks": info.networks,
        "head": info.number == head,
    }


def _print_json(document: object) -> None:
    json.dump(document, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def existing_store(location: str | None, *, new: bool = False) -> str | None:
    """Return ``--store`` as given, once a SQLite store's file is known to be usable.

    Opening a store makes its file (and folders) when missing: right for ``plans import``
    (``new``), wrong for a command that only reads or changes a plan already saved, which
    found "no plans" in a store made by the typo in its path.

    Raises
    ------
    StoreError
        For a SQLite file that does not exist (unless ``new``; nothing is created), a folder,
        or an in-memory database (nothing saved in it would outlive the command).
    """
    from footprints.store import StoreError
    from footprints.store.engine import sqlite_file, store_url

    url = store_url(location)
    if url.get_backend_name() != "sqlite":
        return location
    given = "--store" if location is not None else "the default store (no --store)"
    path = sqlite_file(url)
    if path is None:
        raise StoreError(
            f"{given} {location or ''} is an in-memory database: nothing saved in it outlives "
            "the command — give the plan store's file (e.g. plans.sqlite) or a database URL"
        )
    if path.is_dir():
        raise StoreError(
            f"{given} names the folder {path}, not a plan store's file — give the file, "
            f"e.g. {path / 'plans.sqlite'}"
        )
    if not new and not path.exists():
        raise StoreError(
            f"there is no plan store at {path}: {given} names a file that does not exist "
            "(nothing was created) — check the path, or save a plan there first with "
            f"footprints plans import NAME PLAN.csv --store {path}"
        )
    return location


@contextmanager
def _opened(args: argparse.Namespace) -> Iterator[PlanHandle]:
    """Open the store ``--store`` names and the plan ``args.plan``; close the store after."""
    from footprints.store import Store

    with Store(existing_store(args.store)) as store:
        yield store.open(args.plan)


# --------------------------------------------------------------------------------------------
# The commands
# --------------------------------------------------------------------------------------------


def _run_list(args: argparse.Namespace) -> int:
    from footprints.store import Store

    with Store(existing_store(args.store)) as store:
        plans = store.plans()
        where = store.where
    if args.json:
        _print_json(
            [
                {
                    "name": p.name,
                    "head": p.head,
                    "updated": p.updated_at.isoformat(),
                    "owner": p.owner,
                    "editors": list(p.editors),
                    "practices": p.practices,
                    "networks": p.networks,
                }
                for p in plans
            ]
        )
        return 0
    if not plans:
        print(
            f"The store at {where} holds no plans yet: add one with "
            "footprints plans import NAME PLAN.csv"
        )
        return 0
    print(f"{len(plans):,} plan{'s' if len(plans) != 1 else ''} in the store at {where}:")
    rows = [
        (p.name, p.head, _when(p.updated_at), p.owner or "—", p.practices, p.networks)
        for p in plans
    ]
    header = ("plan", "versions", "saved (UTC)", "owner", "practices", "networks")
    print(_table(header, rows, right={1, 4, 5}))
    return 0


def _describe(version: Version, head: int) -> list[str]:
    info, state = version.info, version.state
    who = f" by {info.author}" if info.author else ""
    title = f"{info.title()} of {head}" + (" (the newest)" if info.number == head else "")
    locks = ", ".join(sorted(state.locks)) or "none"
    return [
        f"{title}, saved {_when(info.created_at)} UTC{who}: {info.label}",
        f"{count(info.practices, 'practice')} in {count(info.networks, 'network')}; "
        f"locked: {locks}; "
        f"{len(state.waivers):,} waiver reason{'s' if len(state.waivers) != 1 else ''}",
    ]


def _option_words(options: dict[str, Any]) -> str:
    """Say the region's options as the command line gives them (``--boundary-code X``)."""
    words = []
    for name, value in sorted(options.items()):
        if name == "practice_columns" and isinstance(value, dict):
            words += [f"--practice-column {field}={column}" for field, column in value.items()]
        elif value is True:
            words.append(_flag(name))
        else:
            words.append(f"{_flag(name)} {value}")
    return ", ".join(words)


def _region_text(meta: dict[str, Any]) -> str:
    """Say the region the app opens the plan on (its meta), with its files' paths."""
    from footprints.store.sessions import FILES_REGION

    files = meta.get("uploads") if isinstance(meta.get("uploads"), dict) else {}
    if meta.get("region") == FILES_REGION and files:
        options = meta.get("options")
        read = _option_words(options if isinstance(options, dict) else {})
        return (
            "the files "
            + ", ".join(f"{role} {path}" for role, path in sorted(files.items()))
            + (f", read with {read}" if read else "")
        )
    if meta.get("region") == "upload":
        return "the files uploaded in the app"
    return "the demo region"


def _run_show(args: argparse.Namespace) -> int:
    from footprints.store.sessions import FILES_REGION

    with _opened(args) as handle:
        version = handle.version(args.version)
        head = handle.head_number()
        comments = handle.comments(status="open")
        meta = handle.meta()
    plan, state = version.plan, version.state
    if args.json:
        _print_json(
            {
                "plan": handle.name,
                "version": _info_json(version.info, head),
                "assignment": dict(sorted(plan.assignment.items())),
                "names": dict(sorted(plan.names.items())),
                "locks": sorted(state.locks),
                "waivers": dict(sorted(state.waivers.items())),
                "open_comments": len(comments),
                "region": meta.get("region", "demo"),
                "region_files": meta.get("uploads", {})
                if meta.get("region") == FILES_REGION
                else {},
                "region_options": meta.get("options", {}),
            }
        )
        return 0
    print(f"Plan {handle.name!r}, " + "\n".join(_describe(version, head)))
    print(f"The app opens it on {_region_text(meta)}.")
    print(f"{len(comments):,} open comment{'s' if len(comments) != 1 else ''}")
    open_on: dict[str, int] = {}
    for comment in comments:
        if comment.target_kind == "network":
            open_on[comment.target] = open_on.get(comment.target, 0) + 1
    rows = [
        (
            network,
            plan.network_name(network),
            len(members),
            "locked" if network in state.locks else "",
            open_on.get(network, ""),
            state.waivers.get(network, ""),
        )
        for network, members in plan.networks().items()
    ]
    header = ("network", "name", "practices", "lock", "comments", "waiver reason")
    print(_table(header, rows, right={2, 4}))
    return 0


def _run_versions(args: argparse.Namespace) -> int:
    with _opened(args) as handle:
        versions = handle.versions()
    head = versions[-1].number
    if args.json:
        _print_json([_info_json(v, head) for v in versions])
        return 0
    print(f"Plan {handle.name!r}: {len(versions):,} versions (the newest is {head})")
    rows = [
        (
            v.number,
            v.name or "",
            _when(v.created_at),
            v.author or "—",
            v.practices,
            v.networks,
            v.label,
        )
        for v in versions
    ]
    header = ("version", "name", "saved (UTC)", "by", "practices", "networks", "what")
    print(_table(header, rows, right={0, 4, 5}))
    return 0


def _flag(role: str) -> str:
    return "--" + role.replace("_", "-")


def _region_files(args: argparse.Namespace) -> dict[str, Path] | None:
    """Return the region files ``import`` names (role → file), or ``None`` for none."""
    from footprints.store import InvalidValueError
    from footprints.store.sessions import REGION_FILE_ROLES

    files = {r: getattr(args, r) for r in REGION_FILE_ROLES if getattr(args, r) is not None}
    if files and args.demo:
        raise InvalidValueError(
            f"--demo or the region's files ({', '.join(_flag(r) for r in files)}), not both"
        )
    missing = [_flag(r) for r in ("practices", "boundaries") if r not in files]
    if files and missing:
        raise InvalidValueError(
            f"{' and '.join(missing)} required with {', '.join(_flag(r) for r in files)}: the "
            "app opens the plan on the region of these files"
        )
    return files or None


def _region_options(args: argparse.Namespace) -> dict[str, Any]:
    """Return the options ``import`` reads the region's files with (those given)."""
    given = {name: getattr(args, name, None) for name in REGION_OPTIONS}
    if given["practice_columns"]:
        given["practice_columns"] = dict(given["practice_columns"])
    return {name: value for name, value in given.items() if _given(value)}


def _given(value: object) -> bool:
    """Whether an option was given: not left out, not an unset flag, not empty (0 is given)."""
    return value is not None and value is not False and value != {}


def _region_of(args: argparse.Namespace, plan: Plan) -> tuple[Plan, dict[str, Any] | None]:
    """Return the plan cut to the region ``import`` names and the meta recording it.

    ``None`` for the meta when no region is named. The region is loaded as the app will
    load it (:func:`load_region_from`, with the same options): a plan covering a wider area
    (the national ePCN file) is cut to its practices, with a warning, as ``validate`` cuts
    it; a plan naming practices that are not in the region is refused.
    """
    from footprints.store import InvalidValueError
    from footprints.store.sessions import region_meta

    files = _region_files(args)
    options = _region_options(args)
    if files is None and options:
        raise InvalidValueError(
            f"{', '.join(_flag(o) for o in options)} read the region's files: give them "
            "(--practices, --boundaries …) as well"
        )
    if files is None and not args.demo:
        return plan, None
    if files is None:
        from footprints.demo import load_demo

        region = load_demo()
    else:
        region = load_region_from({**files, "plan": args.file}, options)
        assert region.current is not None  # a plan was given
        if len(region.current):  # a plan of another region altogether is refused below
            plan = region.current
    where = files["practices"] if files is not None else "the demo region"
    unknown = sorted(set(plan.assignment) - set(region.practices["code"].astype(str)))
    if unknown:
        shown = ", ".join(unknown[:5]) + (
            f" and {len(unknown) - 5:,} more" if len(unknown) > 5 else ""
        )
        raise InvalidValueError(
            f"{len(unknown):,} of the {len(plan):,} practices of {args.file} are not in "
            f"{where}: {shown}; give the region the plan was made on, or add them to its "
            "practices file"
        )
    print(
        f"Region: {where} ({count(len(region.practices), 'practice')} in "
        f"{count(len(region.ccgs), 'CCG')}); "
        "the app opens the plan on it."
    )
    return plan, region_meta(files, options)


def _without(meta: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in meta.items() if k != key}


_IMPORT_ATTEMPTS = 5
"""Saves a ``plans import`` tries when others save the plan at the same moment."""


def _save_import(
    args: argparse.Namespace,
    handle: PlanHandle,
    plan: Plan,
    waivers: dict[str, str] | None,
    label: str,
    meta: dict[str, Any] | None,
) -> VersionInfo:
    """Save the imported plan as the newest version of an existing plan, on its head."""
    from footprints.store import InvalidValueError

    head, old_meta = handle.head_and_meta()
    if meta is None and len(head.plan) and not set(plan.assignment) & set(head.plan.assignment):
        raise InvalidValueError(  # another area's plan saved as this one's version
            f"{args.file} places {count(len(plan), 'practice')}, none of the "
            f"{count(len(head.plan), 'practice')} of plan {handle.name!r} (version "
            f"{head.info.number}, such as {', '.join(sorted(head.plan.assignment)[:3])}): "
            "it is another area's plan — import it under another name, or give its "
            "region (--practices, --boundaries …) to save it here on that region"
        )
    used = set(plan.assignment.values())
    state = PlanState(
        plan,
        frozenset(n for n in head.state.locks if n in used),
        waivers
        if waivers is not None
        else {n: r for n, r in head.state.waivers.items() if n in used},
    )
    return handle.save(
        state,
        base=head.number,
        label=label,
        author=args.author,
        # the region named now replaces the one recorded, options and all
        meta=None if meta is None else {**_without(old_meta, "options"), **meta},
    )


def _store_first(location: str | None) -> str | None:
    """Check ``plans import``'s store before the region's files are read (the slow part).

    A store file that is no store (a spreadsheet, a GeoPackage), a folder, or a database
    that cannot be reached was refused only after the whole region was loaded. A store
    that does not exist yet is made only once there is a plan to save in it.
    """
    from footprints.store import Store
    from footprints.store.engine import sqlite_file, store_url

    location = existing_store(location, new=True)
    url = store_url(location)
    path = sqlite_file(url) if url.get_backend_name() == "sqlite" else None
    if path is None or path.exists():
        Store(location).close()
    return location


def _import_file(args: argparse.Namespace) -> Path:
    """Return the file ``import`` reads; refuse a command missing the plan's name or the file.

    ``plans import plan.csv`` (no name) took the file for the name and said only 'the
    following arguments are required: file', to a user who had given the file.
    """
    from footprints.store import InvalidValueError

    if args.file is not None:
        return Path(args.file)
    given = Path(args.plan)
    if given.suffix or given.exists():
        raise InvalidValueError(
            f"plans import {args.plan}: give the plan's name first, then the file "
            f"(footprints plans import NAME {args.plan}); the name is new, or an existing "
            "plan's to save a new version of it"
        )
    raise InvalidValueError(
        f"plans import {args.plan}: give the plan file after the plan's name "
        f"(footprints plans import {args.plan} PLAN.csv)"
    )


def _run_import(args: argparse.Namespace, read_waivers: Callable[[Path], dict[str, str]]) -> int:
    from footprints.store import ConflictError, Store

    file = _import_file(args)
    location = _store_first(args.store)
    plan = read_plan(file)
    waivers = read_waivers(args.waivers) if args.waivers is not None else None
    label = args.label or f"import {file.name}"
    plan, meta = _region_of(args, plan)
    if waivers:
        warn_unknown_waivers(waivers, plan, source=f"--waivers {args.waivers}")
    with Store(location) as store:
        if not store.exists(args.plan):
            handle = store.create(
                args.plan,
                PlanState(plan, waivers=waivers or {}),
                author=args.author,
                label=label,
                meta=meta,
            )
            info = handle.version().info
        else:
            handle = store.open(args.plan)
            for attempt in range(_IMPORT_ATTEMPTS):
                try:
                    info = _save_import(args, handle, plan, waivers, label, meta)
                    break
                except ConflictError as conflict:  # another save came between read and write
                    if attempt + 1 == _IMPORT_ATTEMPTS:
                        raise
                    print(
                        f"Version {conflict.theirs.number} of plan {handle.name!r} "
                        f"({conflict.theirs.info.label}) was saved while this import ran: "
                        "this one is saved on top of it."
                    )
    print(
        f"Saved {args.file} as version {info.number} of plan {handle.name!r} "
        f"({count(info.practices, 'practice')} in {count(info.networks, 'network')})."
    )
    return 0


def _run_export(args: argparse.Namespace, export: Exporter) -> int:
    from footprints.store import InvalidValueError

    with _opened(args) as handle:
        version = handle.version(args.version)
        _, meta = handle.head_and_meta()
    files = meta.get("uploads") if isinstance(meta.get("uploads"), dict) else {}
    if not args.demo and args.practices is None and args.boundaries is None and files:
        # the region's files are not read from the store: say which the plan was saved on
        options = meta.get("options")
        read = _option_words(options if isinstance(options, dict) else {})
        raise InvalidValueError(
            f"plans export needs the region's files: give --practices and --boundaries "
            f"(plan {handle.name!r} was imported on "
            + " ".join(f"{_flag(role)} {path}" for role, path in sorted(files.items()))
            + (f", read with {read}" if read else "")
            + ")"
        )
    status = export(args, version.plan)
    if args.waivers_out is not None:
        table = pd.DataFrame(
            sorted(version.state.waivers.items()), columns=["network_id", "reason"], dtype=object
        )
        write_text(args.waivers_out, spreadsheet_csv(table))
        print(f"  {args.waivers_out} ({len(table):,} waiver reasons)")
    print(f"(plan {handle.name!r}, {version.info.title()})")
    return status


def _run_name(args: argparse.Namespace) -> int:
    with _opened(args) as handle:
        info = handle.name_version(args.version, None if args.clear else args.name)
    if info.name is None:
        print(f"Version {info.number} of plan {handle.name!r} has no name now.")
    else:
        print(f"Named version {info.number} of plan {handle.name!r} {info.name!r}.")
    return 0


def _run_restore(args: argparse.Namespace) -> int:
    with _opened(args) as handle:
        info = handle.restore(args.version, author=args.author)
    print(
        f"Restored {info.label.removeprefix('restore ')} of plan {handle.name!r} as version "
        f"{info.number} ({count(info.practices, 'practice')} in "
        f"{count(info.networks, 'network')})."
    )
    return 0


def _run_diff(args: argparse.Namespace) -> int:
    with _opened(args) as handle:
        difference = handle.diff(args.a, args.b)
    if args.json:
        _print_json(difference.to_dict())
    else:
        print(difference.to_text())
    return 0 if difference.identical else 1


# --------------------------------------------------------------------------------------------
# The parser
# --------------------------------------------------------------------------------------------


def add_plans_parser(
    commands: Any,
    *,
    region_arguments: Callable[..., None],
    export: Exporter,
    export_arguments: Callable[[argparse.ArgumentParser], None],
    read_waivers: Callable[[Path], dict[str, str]],
) -> None:
    """Add ``footprints plans`` and its commands to the console script's subparsers.

    Parameters
    ----------
    commands
        The console script's ``add_subparsers()`` object.
    region_arguments
        Adds the region options (``--demo``, ``--practices`` …) ``export`` and ``import``
        read (``band=False``: without ``--min`` and ``--max``).
    export
        Writes a plan as ``footprints export`` does, returning the exit status.
    export_arguments
        Adds ``export``'s own options (``--out``, ``--format``).
    read_waivers
        Reads a waivers CSV (``network_id,reason``).
    """
    store = argparse.ArgumentParser(add_help=False)
    store.add_argument(
        "--store",
        help="the plan store: a SQLite file or a database URL such as "
        "postgresql://USER@HOST/DATABASE (default: $FOOTPRINTS_STORE, else plans.sqlite in "
        "your data folder)",
    )
    as_json = argparse.ArgumentParser(add_help=False)
    as_json.add_argument("--json", action="store_true", help="print JSON")

    plans = commands.add_parser("plans", help="plans in the plan store, and their versions")
    verbs = plans.add_subparsers(dest="plans_command", required=True)

    listing = verbs.add_parser("list", parents=[store, as_json], help="every plan in the store")
    listing.set_defaults(run=_run_list)

    show = verbs.add_parser("show", parents=[store, as_json], help="a version of a plan")
    show.add_argument("plan", help="the plan's name")
    show.add_argument("--version", help="number, name or head (default: head)")
    show.set_defaults(run=_run_show)

    history = verbs.add_parser("versions", parents=[store, as_json], help="a plan's versions")
    history.add_argument("plan", help="the plan's name")
    history.set_defaults(run=_run_versions)

    load = verbs.add_parser(
        "import",
        parents=[store],
        help="save a plan file as a new plan, or as the newest version of a plan",
    )
    load.add_argument("plan", help="the plan's name (made when new)")
    load.add_argument(  # optional here so that a missing name is said in words (_import_file)
        "file", type=Path, nargs="?", help="plan CSV, ePCN file, GeoJSON or GeoPackage"
    )
    load.add_argument("--label", help="what this version is (default: import FILE)")
    load.add_argument("--author", help="who is saving it")
    load.add_argument("--waivers", type=Path, help="CSV (or .xlsx) network_id,reason")
    # the region's options are propose's: checked, and recorded so the app opens the plan on
    # the same region (default: as before, the demo for a new plan)
    region_arguments(load, band=False)
    load.set_defaults(run=lambda args: _run_import(args, read_waivers))

    out = verbs.add_parser(
        "export", parents=[store], help="write a version as plan CSV, ePCN-style CSV, GeoJSON …"
    )
    out.add_argument("plan", help="the plan's name")
    out.add_argument("--version", help="number, name or head (default: head)")
    out.add_argument("--waivers-out", type=Path, help="also write its waiver reasons (CSV)")
    region_arguments(out)
    export_arguments(out)
    out.set_defaults(run=lambda args: _run_export(args, export))

    name = verbs.add_parser("name", parents=[store], help="name a version")
    name.add_argument("plan", help="the plan's name")
    name.add_argument("version", help="number, name or head")
    name.add_argument("name", nargs="?", help='the name, e.g. "for the board, 3 March"')
    name.add_argument("--clear", action="store_true", help="remove the version's name")
    name.set_defaults(run=_check_name)

    restore = verbs.add_parser(
        "restore", parents=[store], help="save an earlier version again as the newest"
    )
    restore.add_argument("plan", help="the plan's name")
    restore.add_argument("version", help="number, name or head")
    restore.add_argument("--author", help="who is restoring it")
    restore.set_defaults(run=_run_restore)

    compare = verbs.add_parser(
        "diff",
        parents=[store, as_json],
        help="what changed between two versions (exit 0 identical, 1 different)",
    )
    compare.add_argument("plan", help="the plan's name")
    compare.add_argument("a", help="the first version: number, name or head")
    compare.add_argument("b", help="the second version")
    compare.set_defaults(run=_run_diff)


def _check_name(args: argparse.Namespace) -> int:
    from footprints.store import InvalidValueError

    if args.clear == (args.name is not None):
        raise InvalidValueError(
            "give a name for the version, or --clear to remove its name (not both)"
        )
    return _run_name(args)
