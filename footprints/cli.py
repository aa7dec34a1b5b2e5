"""The ``footprints`` console script: demo, validate, propose.

Exit codes: 0 success (for ``validate``: no violations), 1 the plan has violations,
2 bad input (every problem is listed) or an infeasible request (explained).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from footprints.errors import FootprintsError, InputError
from footprints.plan import Band

__all__ = ["main"]


def _add_region_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--practices", required=True, type=Path, help="practices CSV")
    parser.add_argument(
        "--boundaries", required=True, type=Path, help="CCG / sub-ICB boundaries file"
    )
    parser.add_argument("--stp-boundaries", type=Path, help="STP / ICB boundaries file")
    parser.add_argument("--patches", type=Path, help="nursing patch polygons")
    parser.add_argument("--postcodes", type=Path, help="postcode lookup (Code-Point Open, ONSPD)")
    parser.add_argument("--boundary-code", help="code column of the boundaries file")
    parser.add_argument("--min", dest="min_population", type=int, default=Band().min_population)
    parser.add_argument("--max", dest="max_population", type=int, default=Band().max_population)


def _load(args: argparse.Namespace, *, plan: Path | None) -> object:
    from footprints.region import load_region

    return load_region(
        args.practices,
        args.boundaries,
        stp_boundaries=args.stp_boundaries,
        patches=args.patches,
        plan=plan,
        postcodes=args.postcodes,
        boundary_code=args.boundary_code,
    )


def _run_demo(args: argparse.Namespace) -> int:
    from footprints.demo import write_demo

    files = write_demo(args.out, seed=args.seed)
    print(f"Wrote the demo region to {args.out}:")
    for path in sorted(vars(files).values()):
        print(f"  {path}")
    return 0


def _run_validate(args: argparse.Namespace) -> int:
    from footprints.region import Region
    from footprints.validate import validate

    region = _load(args, plan=args.plan)
    assert isinstance(region, Region)
    assert region.current is not None
    band = Band(args.min_population, args.max_population)
    report = validate(
        region.current,
        region.validation_graph,
        band=band,
        allow_crossing=args.allow_crossing,
    )
    if args.json:
        json.dump(report.to_dict(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        for violation in report.violations:
            print(f"[{violation.rule}, {violation.severity}] {violation.message}")
        summary = report.summary
        print(
            f"{summary['networks']} networks: {summary['in_band']} in band, "
            f"{summary['below']} below, {summary['above']} above; "
            f"{len(report.violations)} violations"
        )
    return 0 if report.ok else 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="footprints", description="Plan Primary Care Network footprints in England."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log every step")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="write the built-in demo region's input files")
    demo.add_argument("--out", type=Path, default=Path("demo"), help="folder to write")
    demo.add_argument("--seed", type=int, default=2020, help="generator seed")
    demo.set_defaults(run=_run_demo)

    check = commands.add_parser("validate", help="check a plan against every rule")
    _add_region_arguments(check)
    check.add_argument("--plan", required=True, type=Path, help="plan CSV, ePCN file, …")
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.add_argument(
        "--allow-crossing", action="store_true", help="CCG/STP crossings become waivable"
    )
    check.set_defaults(run=_run_validate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 violations, 2 bad input)."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s: %(message)s",
    )
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return int(run(args))
    except InputError as error:
        print(f"footprints: {error}", file=sys.stderr)
        return 2
    except FootprintsError as error:
        print(f"footprints: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(
            f"footprints: cannot read or write {error.filename}: {error.strerror}", file=sys.stderr
        )
        return 2


if __name__ == "__main__":
    sys.exit(main())
