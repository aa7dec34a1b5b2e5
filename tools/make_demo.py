"""Generate the demo region's files: ``python tools/make_demo.py [--seed N] [--out DIR]``.

Run from a source checkout (``make demo`` regenerates the shipped ``boundaries/demo``). The
same seed writes byte-identical files; the package ships those of
:data:`footprints.demo.DEMO_SEED`.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
"""The source checkout this script belongs to."""

if str(REPO) not in sys.path:  # run as a script: make `tools` importable
    sys.path.insert(0, str(REPO))

from footprints.demo import DEMO_SEED  # noqa: E402
from tools.demo import write_demo  # noqa: E402


def main(argv: Sequence[str] | None = None) -> int:
    """Write the demo region for the seed and folder the arguments give.

    Parameters
    ----------
    argv
        Command-line arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit code, 0.
    """
    parser = argparse.ArgumentParser(
        prog="python tools/make_demo.py", description="Generate the demo region's files."
    )
    parser.add_argument(
        "--out", type=Path, default=REPO / "boundaries" / "demo", help="folder to write"
    )
    parser.add_argument("--seed", type=int, default=DEMO_SEED, help="generator seed")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every step")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s: %(message)s",
    )
    files = write_demo(args.out, seed=args.seed)
    print(f"Wrote the demo region (seed {args.seed}) to {args.out}:")
    for path in sorted(vars(files).values()):
        print(f"  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
