"""The ``footprints`` console script."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from footprints.errors import FootprintsError

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="footprints", description="Plan Primary Care Network footprints in England."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log every step")
    parser.add_subparsers(dest="command", required=True)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 violations, 2 bad input)."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s"
    )
    try:
        return int(args.run(args))
    except FootprintsError as error:
        print(f"footprints: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
