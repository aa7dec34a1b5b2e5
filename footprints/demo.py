"""The built-in demo region: a fictional STP of three CCGs, shipped as package data.

The files live in the repository's ``boundaries/demo`` and are installed as the package
``footprints.demo_data``; ``tools/make_demo.py`` (in a source checkout) generates them.
Everything here reads them through :mod:`importlib.resources`, so an installed wheel finds
the demo without writing anywhere.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.resources import as_file, files
from pathlib import Path

from footprints.atomic import write_bytes
from footprints.region import Region, load_region

__all__ = ["DEMO_SEED", "DemoFiles", "copy_demo", "demo_files", "load_demo", "other_files"]

logger = logging.getLogger(__name__)

DEMO_SEED = 2020
"""The seed ``tools/make_demo.py`` generated the shipped demo region with."""

_PACKAGE = "footprints.demo_data"
# DemoFiles field → file name.
_FILE_NAMES = {
    "practices": "practices.csv",
    "ccg": "ccg.geojson",
    "stp": "stp.geojson",
    "patches": "patches.geojson",
    "current_plan": "current_plan.csv",
    "current_plan_flaws": "current_plan_flaws.json",
    "readme": "README.md",
}


@dataclass(frozen=True)
class DemoFiles:
    """Paths of the demo region's files: ``practices.csv``, ``ccg.geojson`` and the rest."""

    practices: Path
    ccg: Path
    stp: Path
    patches: Path
    current_plan: Path
    current_plan_flaws: Path
    readme: Path

    @classmethod
    def in_folder(cls, folder: Path) -> DemoFiles:
        """Name the demo's files in ``folder``.

        Parameters
        ----------
        folder
            Where the files are (or are to be written).

        Returns
        -------
        DemoFiles
            ``practices.csv``, ``ccg.geojson``, ``stp.geojson``, ``patches.geojson``,
            ``current_plan.csv``, ``current_plan_flaws.json`` and ``README.md`` in ``folder``.
        """
        return cls(**{name: folder / file for name, file in _FILE_NAMES.items()})


@contextlib.contextmanager
def demo_files() -> Iterator[DemoFiles]:
    """Give real paths of the shipped demo files, valid while the context is open.

    Where the package is installed as files (a wheel, or an editable install) these are the
    files themselves; from a zip they are temporary copies, removed on exit.

    Yields
    ------
    DemoFiles
        The shipped files.
    """
    shipped = files(_PACKAGE)
    with contextlib.ExitStack() as stack:
        paths = {
            name: stack.enter_context(as_file(shipped / file)) for name, file in _FILE_NAMES.items()
        }
        yield DemoFiles(**paths)


def copy_demo(out_dir: Path) -> DemoFiles:
    """Copy the shipped demo files into ``out_dir``.

    Parameters
    ----------
    out_dir
        Folder to write into (created if missing; existing demo files are overwritten).

    Returns
    -------
    DemoFiles
        The paths written.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    shipped = files(_PACKAGE)
    written = DemoFiles.in_folder(out_dir)
    for name, file in _FILE_NAMES.items():
        write_bytes(getattr(written, name), (shipped / file).read_bytes())
    logger.info("Copied the demo region (seed %d) to %s", DEMO_SEED, out_dir)
    return written


def other_files(out_dir: Path) -> list[Path]:
    """Return the files in ``out_dir`` that :func:`copy_demo` would overwrite with others.

    A file of the demo's name holding something else (the user's own ``practices.csv``);
    the demo's own files, copied before, are not listed.

    Parameters
    ----------
    out_dir
        The folder the demo would be copied into.

    Returns
    -------
    list[Path]
        Those files, in the demo's order; empty when copying loses nothing.
    """
    shipped = files(_PACKAGE)
    target = DemoFiles.in_folder(Path(out_dir))
    found = []
    for name, file in _FILE_NAMES.items():
        path: Path = getattr(target, name)
        if path.exists() and (
            not path.is_file() or path.read_bytes() != (shipped / file).read_bytes()
        ):
            found.append(path)
    return found


def load_demo() -> Region:
    """Load the built-in demo region: one STP of three CCGs, nursing patches, a current plan.

    Returns
    -------
    Region
        The shipped files loaded with :func:`footprints.region.load_region`, named ``demo``.
    """
    with demo_files() as shipped:
        region = load_region(
            shipped.practices,
            shipped.ccg,
            stp_boundaries=shipped.stp,
            patches=shipped.patches,
            plan=shipped.current_plan,
        )
    region.name = "demo"
    return region
