"""The app on real areas with registration geography, in a real browser, action by action.

What a CCG lead does, timed from the click to what the page shows for it, on two real areas
loaded through the app's uploaders with the January 2021 LSOA registrations, the national
LSOA boundaries and centroids (``tools/browser.py`` drives Debian's Chromium):

- **kent**: Kent and Medway 2020 (E38000237, 206 practices; the national CCG, STP and LAD
  layers, the ePCN file of December 2019 as the current plan);
- **nwl**: NHS North West London 2021 (E38000256; its practices' January 2021 list size
  chosen under *List-size column*, their ``pcn_code`` as the current plan).

Per area: loading the files and choosing the area; **move** (Move click → the practice
drawn in its new network's colour) and **undo** (the *Undo* click → drawn in its old colour
again); **click** (a practice's marker clicked →
the caption saying where its patients live, and the LSOAs shaded on the map); the
**trust view** (its tab clicked → the patch × network table of patients shown); and, with
``--optimise``, **re-optimise** (the button → "Optimiser finished in", at the app's
default time limit) and **least change** (*Start from the current plan*, *Put first: least
change*, then the button → finished, with the curve in the *Optimiser results* tab). The
notices are printed.

Run: ``flock /tmp/fp/heavy.lock .venv/bin/python benchmarks/bench_app_homes.py --data
../shared/data [--areas kent nwl] [--moves 5] [--clicks 5] [--optimise] [--app CHECKOUT]``.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from snapshot import CCGS_2021, DEFAULT_DATA, LADS, LIST_SIZE_2021, PRACTICES_2021, REPO, STPS_2021

sys.path.insert(0, str(REPO))  # the repository's tools/ (the browser plumbing)

from browser_moves import move_and_undo

from tools.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    KENT,
    MAP_FRAME,
    MAP_SETTLED,
    OUTSIDE,
    TIMEOUT_MS,
    choose,
    idle,
    kent_files,
    map_frame,
    offline_page,
    running_app,
    upload,
)

NORTH_WEST_LONDON = "E38000256"
_HOMES = (
    "registrations/gp-reg-pat-prac-lsoa-all_2021-01.csv.gz",
    "lsoa/lsoa2011_bgc_england_simplified.geojson",
    "lsoa/lsoa2011_population_weighted_centroids_england.csv",
)
#: The number of LSOAs the map shades for the practice clicked (the homes layer's polygons).
_JS_HOMES_SHADED = """() => { let n = 0; window.map.eachLayer((l) => {
  const tip = l.feature && l.feature.properties && l.feature.properties.tip;
  if (tip && /patient/.test(tip)) { n += 1; } });
  return n; }"""


def area_files(data: Path, folder: Path, area: str) -> tuple[str, list[Path], str | None]:
    """The area's code, its files in the uploaders' order, and the list-size column to choose."""
    homes = [data / name for name in _HOMES]
    if area == "kent":
        return KENT, [*kent_files(data, folder), *homes], None
    raw = pd.read_csv(data / PRACTICES_2021, dtype=str, keep_default_na=False)
    practices = folder / "north_west_london_practices_2021.csv"
    raw[raw["ccg21_ons_code"] == NORTH_WEST_LONDON].to_csv(practices, index=False)
    files = [practices, data / CCGS_2021, data / STPS_2021, data / LADS, practices, *homes]
    return NORTH_WEST_LONDON, files, LIST_SIZE_2021


def _plan_of(files: list[Path], area: str) -> dict[str, str]:
    if area == "kent":
        practices = pd.read_csv(files[0], dtype=str)
        epcn = pd.read_csv(files[4], dtype=str)
        members = epcn[epcn["Partner Organisation Code"].isin(set(practices["practice_code"]))]
        return dict(zip(members["Partner Organisation Code"], members["PCN Code"], strict=True))
    practices = pd.read_csv(files[0], dtype=str)
    practices = practices[practices["pcn_code"] != "U"]
    return dict(zip(practices["practice_code"], practices["pcn_code"], strict=True))


def _click_marker(page: Any, frame: Any, lat: float, lon: float) -> None:
    page.locator(MAP_FRAME).scroll_into_view_if_needed()
    frame.wait_for_function(MAP_SETTLED, timeout=TIMEOUT_MS)
    box = page.locator(MAP_FRAME).bounding_box()
    x, y = frame.evaluate(
        "([lat, lng]) => { const p = window.map.latLngToContainerPoint([lat, lng]);"
        " const r = window.map.getContainer().getBoundingClientRect();"
        " return [p.x + r.left, p.y + r.top]; }",
        [lat, lon],
    )
    page.mouse.click(box["x"] + x, box["y"] + y)


def run_area(url: str, data: Path, folder: Path, area: str, args: argparse.Namespace) -> dict:
    """Drive the app on one area; give each action's times and the notices seen."""
    from playwright.sync_api import expect, sync_playwright

    code_area, files, list_column = area_files(data, folder, area)
    network_of = _plan_of(files, area)
    practices = pd.read_csv(files[0], dtype=str).set_index("practice_code")
    out: dict[str, Any] = {"move": [], "undo": [], "click": [], "notices": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = offline_page(browser, height=1100, routed=OUTSIDE)
            expect.set_options(timeout=TIMEOUT_MS)
            page.goto(url)
            page.wait_for_url("**plan=*")
            expect(page.locator(MAP_FRAME)).to_be_visible()
            page.get_by_text("Load your own files").click()
            upload(page, files)
            if list_column is not None:  # asked for once a load finds two list-size columns
                page.get_by_role("button", name="Load these files").click()
                expect(page.get_by_role("combobox", name="List-size column")).to_be_visible()
                choose(page, "List-size column", list_column)
            started = time.monotonic()
            page.get_by_role("button", name="Load these files").click()
            expect(page.get_by_text(re.compile(r"^Loaded [\d,]+ practices"))).to_be_visible()
            out["load_s"] = time.monotonic() - started
            choose(page, "CCG / sub-ICB", code_area)
            page.wait_for_url(f"**area={code_area}*")
            frame = map_frame(page)
            out["area_s"] = time.monotonic() - started
            headline = page.get_by_text("eography:", exact=False).first.inner_text()
            out["notices"].append(headline)
            codes = sorted(c for c in network_of if c in practices.index)
            for step in range(args.moves):
                code = codes[(step * 23) % len(codes)]
                moved = move_and_undo(page, frame, code, network_of, step, undone=out["undo"])
                out["move"].append(moved[0])
                print(
                    f"{area} move {step + 1}: {out['move'][-1]:.2f} s, undo "
                    f"{out['undo'][-1]:.2f} s",
                    flush=True,
                )
            for step in range(args.clicks):
                idle(page)
                frame = map_frame(page)
                # a practice in view (the map may be zoomed to the last selection)
                code = next(
                    c
                    for c in codes[step * 37 :] + codes[: step * 37]
                    if frame.evaluate(
                        "([lat, lng]) => window.map.getBounds().pad(-0.1).contains([lat, lng])",
                        [float(practices.at[c, "lat"]), float(practices.at[c, "lon"])],
                    )
                )
                row = practices.loc[code]
                caption = page.get_by_text(f"({code}) live:", exact=False).first
                for attempt in range(3):  # a click during a redraw can miss: retried
                    clicked = time.monotonic()
                    _click_marker(page, frame, float(row["lat"]), float(row["lon"]))
                    try:
                        expect(caption).to_be_visible(timeout=20_000)
                        break
                    except AssertionError:
                        print(f"{area} click {code}: missed (attempt {attempt + 1})", flush=True)
                        frame = map_frame(page)
                else:
                    continue  # its marker could not be hit (covered): not timed
                idle(page)
                frame = map_frame(page)
                shaded = frame.evaluate(_JS_HOMES_SHADED)
                out["click"].append(time.monotonic() - clicked)
                text = caption.inner_text()
                out["notices"].append(f"click {code} ({shaded} LSOAs shaded): {text}")
                print(f"{area} click {code}: {out['click'][-1]:.2f} s; {text[:160]}", flush=True)
                page.get_by_role("button", name="Hide", exact=True).click()
                expect(caption).to_have_count(0)
            idle(page)
            clicked = time.monotonic()
            page.get_by_role("tab", name="Community trust view").click()
            # the table's headers are drawn on a canvas: wait on the caption under it
            expect(page.get_by_text("networks straddle patches", exact=False).first).to_be_visible()
            out["trust_s"] = time.monotonic() - clicked
            trust = page.get_by_role("tabpanel").filter(visible=True).first.inner_text()
            out["notices"].append("trust: " + trust[:600].replace("\n", " | "))
            if args.optimise:
                for mode in ("weights", "least change"):
                    idle(page)
                    if mode != "weights":  # from the current plan, not the run's before
                        page.get_by_role("button", name="Start from the current plan").click()
                        idle(page)
                        page.get_by_text("Least change (re-optimise)", exact=False).first.click()
                        idle(page)
                    clicked = time.monotonic()
                    button = page.get_by_role("button", name="Re-optimise unlocked networks")
                    button.click()
                    # the last run's notice may still be on the page: wait for this run first
                    expect(button).to_be_disabled()
                    finished = page.get_by_text("Optimiser finished in").first
                    expect(finished).to_be_visible()
                    out[f"optimise {mode}"] = time.monotonic() - clicked
                    out["notices"].append(f"{mode}: " + finished.inner_text())
                    print(f"{area} {mode}: {out[f'optimise {mode}']:.1f} s", flush=True)
                    idle(page)  # each run's own results: which plan, which stage ran out
                    page.get_by_role("tab", name="Optimiser results").click()
                    expect(page.get_by_text("Last run took", exact=False).first).to_be_visible()
                    results = page.get_by_role("tabpanel").filter(visible=True).first.inner_text()
                    out["notices"].append(f"{mode} results: " + results[:2500].replace("\n", " | "))
        finally:
            browser.close()
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--areas", nargs="+", choices=["kent", "nwl"], default=["kent", "nwl"])
    parser.add_argument("--moves", type=int, default=5)
    parser.add_argument("--clicks", type=int, default=5)
    parser.add_argument("--optimise", action="store_true")
    parser.add_argument(
        "--app",
        type=Path,
        help="the checkout whose app runs (default this one); run with its .venv's python",
    )
    args = parser.parse_args(argv)
    if args.app is not None:
        import tools.browser

        tools.browser.REPO = args.app.resolve()
    print(f"load average {os.getloadavg()[0]:.2f}", flush=True)
    for area in args.areas:
        with tempfile.TemporaryDirectory() as folder:
            work = Path(folder)
            (work / "sessions").mkdir()
            with running_app(work / "sessions", work / "streamlit.log") as url:
                out = run_area(url, args.data, work, area, args)
        print(f"== {area}: load {out['load_s']:.1f} s, area chosen at {out['area_s']:.1f} s")
        for what in ("move", "undo", "click"):
            times = out[what]
            if times:
                print(
                    f"   {what}: median {statistics.median(times):.2f} s, worst "
                    f"{max(times):.2f} s ({len(times)})"
                )
        print(f"   trust view tab: {out['trust_s']:.2f} s")
        for key in ("optimise weights", "optimise least change"):
            if key in out:
                print(f"   {key}: {out[key]:.1f} s")
        for notice in out["notices"]:
            print("   >", notice)
        print(f"load average {os.getloadavg()[0]:.2f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
