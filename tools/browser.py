"""The running app in a real browser: Debian's Chromium driven by Playwright, offline.

Shared by the browser tests (``tests/test_browser.py``) and the app benchmark
(``benchmarks/bench_app_real.py``). :func:`running_app` starts ``streamlit run app.py`` on a
free port; :func:`offline` answers the map's CDN requests locally (Leaflet from Debian's
``libjs-leaflet``, a small stand-in for Leaflet.draw, empty files for the styling libraries
the map does not use, plain tiles for the base map); the benchmark routes only the
addresses :data:`OUTSIDE` matches to it, so the app's own requests go straight to the app,
as a user's do (the browser tests route every request, the app's let through); the
``JS_*`` scripts read the map Leaflet drew (a practice's colour, a network's colour) inside
streamlit-folium's frame.

The machine may be busy: every wait has a generous ceiling (:data:`TIMEOUT_MS`).
:func:`kent_files` writes the real area both use, Kent and Medway in 2020, from the shared
data (the repository holds none of it).
"""

from __future__ import annotations

import os
import re
import socket
import struct
import subprocess
import sys
import time
import urllib.request
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = [
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "JS_COMMENT_TIPS",
    "JS_MARKER_COLOUR",
    "JS_NETWORK_COLOUR",
    "LEAFLET",
    "MAP_FRAME",
    "MAP_SETTLED",
    "OUTSIDE",
    "REPO",
    "START_TIMEOUT_S",
    "TIMEOUT_MS",
    "AppNotStartedError",
    "choose",
    "idle",
    "kent_files",
    "map_frame",
    "offline",
    "offline_page",
    "running_app",
    "select_codes",
    "tile_png",
    "upload",
]

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
LEAFLET = Path("/usr/share/javascript/leaflet")
#: The flags Chromium needs on a machine with no sandbox, no GPU and a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: The ceiling of every wait on the page: generous, because a loaded machine (load average
#: 7 and more) can take minutes over a rerun that takes a second alone.
TIMEOUT_MS = 300_000
#: The ceiling for the server to answer its health check.
START_TIMEOUT_S = 300
#: Every address but the app's own (``context.route(OUTSIDE, offline)``): matched inside the
#: browser's driver, so the app's requests are not held up by a round trip to Python each.
OUTSIDE = re.compile(r"^(?!http://127\.0\.0\.1[:/])")
#: The iframe streamlit-folium draws the map in.
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
#: The script that tells Leaflet has placed the map and is not moving it.
MAP_SETTLED = (
    "() => window.map && window.map._loaded && !window.map._animatingZoom"
    " && !(window.map._panAnim && window.map._panAnim._inProgress)"
)
#: The fill colour of a practice's marker on the map (argument: its code), or null.
JS_MARKER_COLOUR = """(code) => { let found = null;
  window.map.eachLayer((l) => { if (l.feature && l.feature.properties.c === code
    && l.feature.geometry.type === "Point") { found = l.options.fillColor; } });
  return found; }"""
#: The fill colour of a network's footprint on the map (argument: its id), or null.
JS_NETWORK_COLOUR = """(network) => { let found = null;
  window.map.eachLayer((l) => { if (l.feature && l.feature.properties.n === network)
    { found = l.options.fillColor; } });
  return found; }"""

#: The tooltips of the map's comment markers (argument: their fill colour), each opened as a
#: hover opens it: its text as the reader sees it, and the tags of the elements inside it.
JS_COMMENT_TIPS = """(colour) => { const tips = [];
  window.map.eachLayer((l) => { if (l.feature && l.feature.geometry.type === "Point"
    && l.options.fillColor === colour && l.getTooltip()) {
      l.openTooltip(); const tip = l.getTooltip().getElement();
      tips.push({text: tip.textContent,
                 tags: Array.from(tip.querySelectorAll("*")).map((e) => e.tagName)});
      l.closeTooltip(); } });
  return tips; }"""

# Leaflet.draw's API as the map script uses it (the real toolbar is not needed here).
_DRAW_STAND_IN = """
L.Draw = L.Draw || {};
L.Draw.Event = {CREATED: 'draw:created', EDITED: 'draw:edited', DELETED: 'draw:deleted'};
L.Control.Draw = L.Control.extend({
  initialize: function (options) { L.setOptions(this, options); },
  onAdd: function () { return L.DomUtil.create('div', 'leaflet-draw-stand-in'); }
});
"""


class AppNotStartedError(RuntimeError):
    """The app's server did not answer its health check; the message holds its log."""


def tile_png(rgb: tuple[int, int, int] = (242, 239, 233), size: int = 256) -> bytes:
    """Make a plain base-map tile, so screenshots' backgrounds look like a quiet map."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * size
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * size))
        + chunk(b"IEND", b"")
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_app(state_dir: Path, log: Path, *, secrets: Path | None = None) -> Iterator[str]:
    """Run the app under ``streamlit run`` on a free port; yield its URL, stop it after.

    Parameters
    ----------
    state_dir
        Where plans are saved: the plan store ``plans.sqlite`` in it (``FOOTPRINTS_STORE``),
        and the plans' uploaded files (``FOOTPRINTS_STATE_DIR``).
    log
        The server's output.
    secrets
        A ``secrets.toml`` for the app (with ``[auth]``: sign-in on); none by default.

    Raises
    ------
    AppNotStartedError
        When the server does not answer within :data:`START_TIMEOUT_S`, or exits.
    """
    port = _free_port()
    env = {
        **os.environ,
        "FOOTPRINTS_STATE_DIR": str(state_dir),
        "FOOTPRINTS_STORE": str(state_dir / "plans.sqlite"),
    }
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(REPO / "app.py"),
        "--server.headless=true",
        f"--server.port={port}",
        "--server.address=127.0.0.1",
        "--server.fileWatcherType=none",
        "--browser.gatherUsageStats=false",
    ]
    if secrets is not None:
        command.append(f"--secrets.files={secrets}")
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=output, stderr=output)
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + START_TIMEOUT_S
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=30) as answer:
                        if answer.status == 200:
                            break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AppNotStartedError(
                        f"streamlit did not start:\n{log.read_text(errors='replace')}"
                    )
                time.sleep(0.5)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def offline(route: Any) -> Any:
    """Answer the map's CDN requests locally; let the app's own requests through.

    A Playwright route handler: ``context.route(OUTSIDE, offline)`` (or ``"**/*"``: the
    app's own requests are let through either way).
    """
    url = route.request.url
    if url.startswith("http://127.0.0.1"):
        return route.continue_()
    name = url.split("?", 1)[0].rsplit("/", 1)[-1]
    if name == "leaflet.js":
        return route.fulfill(path=LEAFLET / "leaflet.js", content_type="text/javascript")
    if name == "leaflet.css":
        return route.fulfill(path=LEAFLET / "leaflet.css", content_type="text/css")
    if "leaflet" in url and (LEAFLET / "images" / name).is_file():
        return route.fulfill(path=LEAFLET / "images" / name, content_type="image/png")
    if name == "leaflet.draw.js":
        return route.fulfill(body=_DRAW_STAND_IN, content_type="text/javascript")
    if name.endswith(".js"):
        return route.fulfill(body="", content_type="text/javascript")
    if name.endswith(".css"):
        return route.fulfill(body="", content_type="text/css")
    if name.endswith(".png") and "basemaps" in url:
        return route.fulfill(body=tile_png(), content_type="image/png")
    return route.abort()


def offline_page(browser: Any, *, height: int = 1000, routed: Any = "**/*") -> Any:
    """Open a page in a new browser context (no cookies of another), offline, waiting long.

    The context's requests that ``routed`` matches (every one by default; :data:`OUTSIDE`
    for all but the app's own) go through :func:`offline`; the page waits up to
    :data:`TIMEOUT_MS` on every action.
    """
    context = browser.new_context(viewport={"width": 1440, "height": height})
    context.route(routed, offline)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return page


def map_frame(page: Any) -> Any:
    """Give the frame the map is drawn in, once Leaflet has placed it and stopped moving it."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while True:
        frame = next((f for f in page.frames if "streamlit_folium" in f.url), None)
        if frame is not None:
            try:
                frame.wait_for_function(MAP_SETTLED, timeout=TIMEOUT_MS)
                return frame
            except Exception:  # the frame was replaced while waiting: look again
                if time.monotonic() > deadline:
                    raise
        elif time.monotonic() > deadline:
            raise TimeoutError("the map's frame did not appear")
        time.sleep(0.25)


#: Kent and Medway's CCG in 2020 (206 practices).
KENT = "E38000237"
_KENT_INPUTS = (
    "boundaries/ccg_2020_derived/ccg_2020_04_derived_from_ccg2019_buc.geojson",
    "boundaries/stp_2020_derived/stp_2020_04_derived_from_ccg_buc.geojson",
    "boundaries/lad_2020_derived/lad_2020_derived_from_lsoa2011_bgc.geojson",
    "pcn_membership/epcn_2019-12_core_partner_details.csv",
)


def kent_files(data: Path, folder: Path) -> list[Path]:
    """Write Kent and Medway's practices in ``folder``; give them and the national files.

    Returns
    -------
    list of Path
        In the order of the app's uploaders: the 206 practices (a file written here from
        the 2020 practices file), the national CCG, STP and LAD (stand-in patch) layers, and
        the national ePCN file of December 2019 as the current plan.
    """
    practices = pd.read_csv(data / "practices" / "practices_2020.csv", dtype=str)
    kent = folder / "kent_and_medway_practices_2020.csv"
    practices[practices["ccg20_ons_code"] == KENT].to_csv(kent, index=False)
    return [kent, *(data / name for name in _KENT_INPUTS)]


def idle(page: Any) -> None:
    """Wait until the app is not running its script (a rerun drawn in full)."""
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(
        timeout=TIMEOUT_MS
    )


def select_codes(page: Any, *codes: str) -> None:
    """Select practices by typing their codes, and wait until the Practices box holds them.

    The page is let finish any run first (a value typed while a run redraws the box can be
    lost), and the wait is on the selection itself, which stays on the page, not on the
    "Selected …" notice, which the next run of the page clears.
    """
    from playwright.sync_api import expect

    idle(page)
    box = page.get_by_role("textbox", name="Practice codes")
    box.fill(" ".join(codes))
    box.press("Enter")
    chosen = page.locator('[data-testid="stMultiSelect"]').filter(
        has=page.get_by_role("combobox", name="Practices", exact=True)
    )
    for code in codes:  # a tag reads "Name (CODE) — network"
        expect(chosen.locator("[data-tag]").filter(has_text=f"({code})")).to_have_count(1)


def choose(page: Any, label: str, text: str) -> None:
    """Choose the option of a select box that ``text`` (typed into it) finds first."""
    idle(page)
    page.get_by_role("combobox", name=label).click()
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def upload(page: Any, files: list[Path]) -> None:
    """Give the app's uploaders these files, in order, each waited for until uploaded.

    A file given while the page reruns can be dropped by the browser: it is given again
    (each attempt waits a third of the ceiling).
    """
    from playwright.sync_api import expect

    uploaders = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
    for index, path in enumerate(files):
        for attempt in range(3):
            idle(page)
            uploaders.nth(index).set_input_files(str(path))
            try:
                expect(page.get_by_test_id("stFileChip")).to_have_count(
                    index + 1, timeout=TIMEOUT_MS // 3
                )
                break
            except AssertionError:
                if attempt == 2:
                    raise
        expect(page.get_by_test_id("stFileChipIconSpinner")).to_have_count(0, timeout=TIMEOUT_MS)
