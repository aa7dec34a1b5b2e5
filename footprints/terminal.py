"""What the command line prints: a page of problems, a page of warnings, output that survives.

A file with thousands of bad rows is answered with its first :data:`~footprints.errors.
PROBLEMS_SHOWN` problems and a count of the rest, every problem written to a file whose name
is printed (:func:`bad_input_message`); without ``--verbose`` at most that many warnings are
logged, then a count (:func:`stderr_logging`). :class:`StandardOutput` drops the rest of the
output once its reader has gone (``| head``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from footprints.atomic import write_text
from footprints.errors import PROBLEMS_SHOWN, FootprintsError, InputError

__all__ = ["StandardOutput", "WarningPage", "bad_input_message", "stderr_logging"]


class StandardOutput:
    """The standard output of a command: once its reader has gone, the rest is dropped.

    ``footprints diff a.csv b.csv | head -1`` closes the pipe early; the command then ends
    normally, with its own exit status, rather than with a :class:`BrokenPipeError` (which,
    raised anywhere else, stays an error).
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.reader_gone = False

    def write(self, text: str) -> int:
        """Write ``text``, or drop it once the reader has gone; return its length."""
        if not self.reader_gone:
            try:
                return self.stream.write(text)
            except BrokenPipeError:
                self._drop()
        return len(text)

    def flush(self) -> None:
        """Flush, unless the reader has gone."""
        if not self.reader_gone:
            try:
                self.stream.flush()
            except BrokenPipeError:
                self._drop()

    def _drop(self) -> None:
        """Point the file descriptor at /dev/null, so no later flush fails at exit."""
        self.reader_gone = True
        with contextlib.suppress(OSError, ValueError, AttributeError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self.stream.fileno())
            os.close(devnull)

    def __getattr__(self, name: str) -> Any:
        """Return the stream's own attribute (``fileno``, ``isatty`` …)."""
        return getattr(self.stream, name)


def bad_input_message(error: FootprintsError) -> str:
    """Return an input error's message: a page of its problems, the full list in a file."""
    if not isinstance(error, InputError) or len(error.errors) <= PROBLEMS_SHOWN:
        return str(error)
    try:
        with tempfile.NamedTemporaryFile(
            prefix="footprints-problems-", suffix=".txt", delete=False
        ) as handle:
            listing = Path(handle.name)
        write_text(listing, error.full_text())
    except (OSError, FootprintsError) as failure:  # the temporary folder cannot be written
        return f"{error.page()}\n(the full list could not be written: {failure})"
    return f"{error.page()}\nEvery problem ({len(error.problems):,}) is listed in {listing}"


class WarningPage(logging.Filter):
    """Let the first :data:`PROBLEMS_SHOWN` warnings through; count the rest."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def filter(self, record: logging.LogRecord) -> bool:
        """Pass anything but a warning, and the first warnings; count every warning."""
        if record.levelno != logging.WARNING:
            return True
        self.count += 1
        return self.count <= PROBLEMS_SHOWN

    def close(self) -> None:
        """Say how many warnings were not shown."""
        hidden = self.count - PROBLEMS_SHOWN
        if hidden > 0:
            print(
                f"footprints: … and {hidden:,} more warnings (--verbose shows every one)",
                file=sys.stderr,
            )


@contextlib.contextmanager
def stderr_logging(*, verbose: bool) -> Iterator[None]:
    """Log to stderr (INFO with ``--verbose``), at most a page of warnings without it."""
    before = list(logging.root.handlers)
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s: %(message)s",
    )
    added = [h for h in logging.root.handlers if h not in before]  # none if logging was set up
    page = WarningPage()
    if not verbose:
        for handler in added:
            handler.addFilter(page)
    try:
        yield
    finally:
        for handler in added:
            handler.removeFilter(page)
        page.close()
