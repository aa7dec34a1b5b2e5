"""The move loop the app's browser benchmarks share (``bench_app_real``, ``bench_app_homes``).

A practice is moved to a neighbouring-looking network drawn in another colour, timed from
the *Move* click until its marker is drawn in that colour, then undone (until drawn in its
old colour again). Import it after the repository is on ``sys.path`` (``tools.browser``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from tools.browser import (
    JS_MARKER_COLOUR,
    JS_NETWORK_COLOUR,
    TIMEOUT_MS,
    choose,
    idle,
    select_codes,
)

__all__ = ["move_and_undo"]


def _drawn_in(frame: Any, code: str, colour: str | None) -> None:
    """Wait until the practice's marker is drawn in ``colour``."""
    frame.wait_for_function(
        f"([c, colour]) => ({JS_MARKER_COLOUR})(c) === colour",
        arg=[code, colour],
        timeout=TIMEOUT_MS,
    )


def move_and_undo(
    page: Any,
    frame: Any,
    code: str,
    network_of: Mapping[str, str],
    step: int,
    *,
    received: list[int] | None = None,
    undone: list[float] | None = None,
) -> tuple[float, int]:
    """Move ``code`` in the page, time it until drawn, and undo it.

    Parameters
    ----------
    page, frame
        The app's page and its map's frame (``tools.browser.map_frame``).
    code
        The practice moved.
    network_of
        Practice → network of the current plan; the target is the first network from the
        ``step``-th (in code order, the practice's own left out) drawn in a colour other
        than the practice's.
    received
        A list a websocket listener appends each received frame's size to: emptied at the
        click, summed once the page is idle again.

    Returns
    -------
    tuple of float and int
        Seconds from the *Move* click until the marker is drawn in the target's colour, and
        the bytes received from the click until the page is idle (0 without ``received``).
        The undo is timed the same way (the *Undo* click until drawn in the old colour) and
        appended to ``undone`` when given.
    """
    before = frame.evaluate(JS_MARKER_COLOUR, code)
    target = next(
        n
        for n in sorted(set(network_of.values()) - {network_of[code]})[step:]
        if frame.evaluate(JS_NETWORK_COLOUR, n) not in (None, before)
    )
    select_codes(page, code)
    choose(page, "Move to", target)
    idle(page)
    colour = frame.evaluate(JS_NETWORK_COLOUR, target)
    if received is not None:
        received.clear()
    clicked = time.monotonic()
    page.get_by_role("button", name="Move", exact=True).click()
    _drawn_in(frame, code, colour)
    seconds = time.monotonic() - clicked
    idle(page)
    size = sum(received) if received is not None else 0
    clicked = time.monotonic()
    page.get_by_role("button", name="↶ Undo").click()
    _drawn_in(frame, code, before)
    if undone is not None:
        undone.append(time.monotonic() - clicked)
    idle(page)
    return seconds, size
