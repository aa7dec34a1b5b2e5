"""Writing output files atomically: a killed or failed write leaves the previous file intact.

Every file footprints writes (plan CSVs, GeoJSON, GeoPackage, the pack's PDF and HTML, the
demo's files) goes through :func:`replacing`: the writer writes under a temporary name in
the same folder (``.plan.<random>.partial.gpkg`` for ``plan.gpkg``), and only when every
file of the group is complete is each renamed over its target (:func:`os.replace`, atomic
on one file system). A write that fails, or a process killed half-way, leaves the previous
files as they were and at most a ``*.partial*`` file beside them (removed on failure; a
kill leaves one, which no reader mistakes for the output).

A file that cannot be written (a folder that is missing or read-only, a full disk) raises
:class:`~footprints.errors.OutputError`, naming the file and what to do.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from footprints.errors import OutputError

__all__ = [
    "PARTIAL_MARK",
    "check_writable",
    "output_error",
    "replacing",
    "write_bytes",
    "write_text",
]

logger = logging.getLogger(__name__)

PathLike = str | os.PathLike[str]

PARTIAL_MARK = ".partial"
"""Part of every temporary file's name (``.plan.<random>.partial.csv``)."""

#: Files SQLite (GeoPackage) may leave beside a database it was writing.
_SIDE_FILES = ("-journal", "-wal", "-shm")


def _temporary(target: Path) -> Path:
    """Name a temporary file beside ``target`` that keeps its extension (GDAL reads it)."""
    suffix = "".join(target.suffixes[-1:])
    stem = target.name[: len(target.name) - len(suffix)] if suffix else target.name
    return target.with_name(f".{stem}.{secrets.token_hex(4)}{PARTIAL_MARK}{suffix}")


def output_error(target: PathLike, error: BaseException) -> OutputError:
    """Explain why ``target`` could not be written, from the error the write raised.

    Parameters
    ----------
    target
        The file the user asked for (not the temporary one).
    error
        The :class:`OSError` (or a GDAL error) the write raised.

    Returns
    -------
    OutputError
        Naming the file, the reason and the fix; ``errno`` is the original one, if any.
    """
    number = getattr(error, "errno", None)
    reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
    folder = Path(target).parent
    if number == errno.ENOSPC or "No space left" in str(error):
        what, fix = "the disk is full", "free some space or write to another disk"
    elif number is None and _free_bytes(folder) < _NEARLY_FULL:
        # GDAL's words for a full disk are its SQLite's or driver's ('no such table:
        # gpkg_contents', 'disk I/O error'), with no errno: they were given as the reason,
        # with 'check the path and the folder's permissions'
        said = reason if len(reason) <= 120 else reason[:119] + "…"
        what = f"the disk is full ({_free_bytes(folder):,} bytes free; the writer said: {said})"
        fix = "free some space or write to another disk"
    elif number in (errno.EACCES, errno.EPERM, errno.EROFS) or "ermission denied" in str(error):
        what = f"the folder {folder} cannot be written to ({reason})"
        fix = "choose a folder you may write to"
    elif number == errno.ENOENT and not folder.is_dir():
        what, fix = f"the folder {folder} does not exist", "create it first, or choose another"
    else:
        what, fix = reason, "check the path and the folder's permissions"
    message = f"cannot write {target}: {what} — {fix}; any previous file there is unchanged"
    return OutputError(message, number=number, path=str(target))


_NEARLY_FULL = 1 << 20
"""Free bytes under which a write failing without an errno is put down to a full disk."""


def _free_bytes(folder: Path) -> int:
    """Free bytes on the disk holding ``folder`` (a large number when it cannot be told)."""
    try:
        return int(shutil.disk_usage(folder).free)
    except OSError:
        return 1 << 62


def _remove(path: Path) -> None:
    for candidate in (path, *(path.with_name(path.name + side) for side in _SIDE_FILES)):
        with contextlib.suppress(FileNotFoundError):
            candidate.unlink()


def check_writable(target: PathLike) -> None:
    """Check that ``target`` can be written: not a folder, in a folder that exists and is writable.

    Commands call it before long work (the optimiser), so a bad ``--out`` is reported at once.

    Raises
    ------
    OutputError
        Naming the file, what is wrong and the fix.
    """
    target = Path(target)
    if target.is_dir():
        raise OutputError(
            f"cannot write {target}: it is a folder — give a file name inside it",
            number=errno.EISDIR,
            path=str(target),
        )
    folder = target.parent
    if folder.exists() and not folder.is_dir():  # it was called a folder that does not exist
        raise OutputError(
            f"cannot write {target}: {folder} is a file, not a folder — check the path",
            number=errno.ENOTDIR,
            path=str(target),
        )
    if not folder.is_dir():
        raise OutputError(
            f"cannot write {target}: the folder {folder} does not exist — create it first, "
            "or choose another",
            number=errno.ENOENT,
            path=str(target),
        )
    probe = _temporary(target)
    try:
        probe.open("xb").close()
    except OSError as error:
        raise output_error(target, error) from None
    probe.unlink()


def _sync(path: Path) -> None:
    """Flush ``path`` to the disk, so the rename never exposes a file the disk lacks.

    A full disk can first show here; a file system that cannot sync (``EINVAL``) is let be.
    """
    with path.open("rb") as handle:
        try:
            os.fsync(handle.fileno())
        except OSError as error:
            if error.errno not in (errno.EINVAL, errno.ENOTSUP):
                raise


@contextmanager
def replacing(*targets: PathLike) -> Iterator[tuple[Path, ...]]:
    """Yield temporary paths for ``targets``; when the block ends well, rename each into place.

    Parameters
    ----------
    *targets
        The files to write, committed together: none is replaced until all are written.

    Yields
    ------
    tuple of Path
        One temporary path per target, in the same folder, keeping the target's extension;
        none exists yet. The block writes each of them.

    Raises
    ------
    OutputError
        A target is a folder, its folder is missing or cannot be written, or the write
        failed with an :class:`OSError` (a full disk). The temporary files are removed and
        the previous files are left as they were.
    """
    paths = [Path(target) for target in targets]
    for path in paths:
        check_writable(path)
    temporaries = tuple(_temporary(path) for path in paths)
    try:
        yield temporaries
        for temporary in temporaries:
            if not temporary.is_file():
                raise RuntimeError(f"the writer did not write {temporary}")  # a bug, not input
            _sync(temporary)
        for temporary, path in zip(temporaries, paths, strict=True):
            os.replace(temporary, path)
    except OutputError:
        _cleanup(temporaries)
        raise
    except OSError as error:
        _cleanup(temporaries)
        target = next(
            (p for t, p in zip(temporaries, paths, strict=True) if str(t) == error.filename),
            paths[0],
        )
        raise output_error(target, error) from None
    except BaseException:
        _cleanup(temporaries)
        raise


def _cleanup(temporaries: tuple[Path, ...]) -> None:
    for temporary in temporaries:
        _remove(temporary)


def write_text(path: PathLike, text: str, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (see :func:`replacing`); return the path."""
    return write_bytes(path, text.encode(encoding))


def write_bytes(path: PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`replacing`); return the path."""
    with replacing(path) as (temporary,), temporary.open("xb") as stream:
        stream.write(data)
    return Path(path)
