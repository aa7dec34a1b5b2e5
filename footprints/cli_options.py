"""Option values of the command line: checked while it is parsed, so nothing starts on a bad one.

Each parser is an ``argparse`` ``type=``: a bad value raises ``ArgumentTypeError`` with words
saying what is accepted (``'-3' is not accepted: give a number of processes, 1 or more``).
"""

from __future__ import annotations

import argparse
import contextlib
import math
from collections.abc import Callable, Iterator
from pathlib import Path

from footprints.errors import did_you_mean
from footprints.io import (
    INPUT_LIMIT_ENV,
    MAX_INPUT_BYTES,
    MAX_TABLE_BYTES,
    PRACTICE_FIELDS,
    TABLE_LIMIT_ENV,
    input_size_limit,
    table_size_limit,
)

__all__ = [
    "LARGEST",
    "add_level_arguments",
    "add_limit_arguments",
    "column_choice",
    "cost",
    "input_limits",
    "megabytes",
    "metres",
    "moves",
    "number",
    "population",
    "processes",
    "seconds",
    "seed",
    "whole",
    "workers",
]


def whole(minimum: int, what: str) -> Callable[[str], int]:
    """Parse a whole number of at least ``minimum``; the message says what is accepted."""

    def parse(text: str) -> int:
        try:
            value = int(text.strip().replace("_", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a whole number: give {what}, {minimum:,} or more"
            ) from None
        if value < minimum:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not accepted: give {what}, {minimum:,} or more"
            )
        if value > LARGEST:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not accepted: give {what}, at most {LARGEST:,}"
            )
        return value

    parse.__name__ = what  # argparse names the type in some messages
    parse.__doc__ = f"Parse {what}: a whole number from {minimum:,} to {LARGEST:,}."
    return parse


def number(
    what: str, example: str, *, above_zero: bool, largest: float | None = None
) -> Callable[[str], float]:
    """Parse a finite number, above 0 or at least 0 (and at most ``largest``, if given).

    The message says what is accepted.
    """
    bound = "more than 0" if above_zero else "0 or more"
    if largest is not None:
        bound += f" and at most {largest:,}"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a number: give {what}, {bound}"
            ) from None
        too_large = largest is not None and value > largest
        if not math.isfinite(value) or value < 0 or (above_zero and value == 0) or too_large:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not accepted: give {what}, {bound} (e.g. {example})"
            )
        return value

    parse.__name__ = what  # argparse names the type in some messages
    parse.__doc__ = f"Parse {what}: a finite number, {bound}."
    return parse


LARGEST = 2**31 - 1
"""Largest whole number accepted: OR-Tools takes seeds and counts as 32-bit integers."""
# 1e20 s failed every area's solve: 'OverflowError ... in method Solver_SetTimeLimit, argument
# 2 of type int64_t', each area left with the quick constructive plan (exit 4)
seconds = number("the seconds per area", "60", above_zero=True, largest=LARGEST)
metres = number("a distance in metres", "5000", above_zero=False)
cost = number("a cost in patient-km", "30000", above_zero=False)

population = whole(0, "a number of patients")
processes = whole(1, "a number of processes")
workers = whole(1, "a number of solver threads")
moves = whole(0, "a number of practices")
seed = whole(0, "a seed")
megabytes = whole(1, "a size in megabytes")


def column_choice(text: str) -> tuple[str, str]:
    """Parse ``FIELD=COLUMN`` (``list_size=list_size_2021_01_gpreg``): a practices file's column."""
    field, equals, column = text.partition("=")
    field, column = field.strip().lower(), column.strip()
    if not equals or not column or field not in PRACTICE_FIELDS:
        near = did_you_mean(field, PRACTICE_FIELDS) if field not in PRACTICE_FIELDS else ""
        raise argparse.ArgumentTypeError(
            f"{text!r} is not accepted{near}: "
            "give FIELD=COLUMN, FIELD one of "
            f"{', '.join(PRACTICE_FIELDS)} (e.g. list_size=list_size_2021_01_gpreg)"
        )
    return field, column


def add_limit_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--max-input-mb`` and ``--max-table-mb`` (see :func:`input_limits`)."""
    parser.add_argument(
        "--max-input-mb",
        type=megabytes,
        help=f"largest input file read, in MB (default {MAX_INPUT_BYTES // 1024**2}; "
        f"or {INPUT_LIMIT_ENV})",
    )
    parser.add_argument(
        "--max-table-mb",
        type=megabytes,
        help="largest table read whole into memory (practices, plans, list sizes), in MB "
        f"(default {MAX_TABLE_BYTES // 1024**2}; or {TABLE_LIMIT_ENV})",
    )


@contextlib.contextmanager
def input_limits(args: argparse.Namespace) -> Iterator[None]:
    """Put ``--max-input-mb`` and ``--max-table-mb`` in force while the command runs."""
    with contextlib.ExitStack() as limits:
        if getattr(args, "max_input_mb", None):
            limits.enter_context(input_size_limit(args.max_input_mb * 1024**2))
        if getattr(args, "max_table_mb", None):
            limits.enter_context(table_size_limit(args.max_table_mb * 1024**2))
        yield


def add_level_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--level`` and ``--areas``: the planning areas of ``propose`` and ``validate``."""
    parser.add_argument(
        "--level",
        type=str.lower,
        choices=("lower", "upper"),
        default="lower",
        help="planning areas: lower (each CCG / sub-ICB location, the default) or upper (each "
        "STP / ICB: networks may cross CCG borders inside it, never its own border)",
    )
    parser.add_argument(
        "--areas",
        type=Path,
        help="CSV (or .xlsx) lower_area,group: plan each group of CCGs as one area "
        "(e.g. ICB clusters)",
    )
