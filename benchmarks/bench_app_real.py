"""The app on a real area in a real browser: Kent and Medway 2020 (issue #14's benchmark).

The app runs under ``streamlit run`` and Debian's Chromium drives it (``tools/browser.py``),
with Kent and Medway's 206 practices (CCG E38000237) from the 2020 practices file, the
national CCG, STP and LAD layers and the national ePCN file of December 2019 as the current
plan, loaded through the app's uploaders as a CCG lead would. Three measurements:

1. **Move → drawn**: from the Move click to the moved practice drawn in its new network's
   colour on the map (``--moves`` moves, each undone after; the median and the worst).
2. **Opening a saved session**: a new page, in a browser context of its own (no cache), at
   the session's address (area in the URL) until the map is drawn with its labels; on the
   way, when the page says the plan is restored, when the map's frame is on the page and
   when Leaflet has made the map in it.
3. **Map payload**: what streamlit-folium sends for the map of the CCG — the base map (once
   per area) and the plan's layers (on every edit) — and the bytes the page received over
   its websocket per move (the whole page, tables included).

Only the map's CDN requests are routed through Playwright (``tools.browser.OUTSIDE``);
``--route-app`` routes the app's own requests too, a round trip to this script each, as the
benchmark did before 2026-11-27 (to compare with its older figures).

Run: ``.venv/bin/python benchmarks/bench_app_real.py --data ../shared/data [--moves 9]
[--opens 3] [--route-app] [--markdown BENCHMARKS.md]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import folium
import pandas as pd
from mdtable import md_table, write_section
from snapshot import DEFAULT_DATA, REPO

sys.path.insert(0, str(REPO))  # the repository's tools/ (the browser plumbing)

from browser_moves import move_and_undo

from tools.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    KENT,
    MAP_FRAME,
    OUTSIDE,
    TIMEOUT_MS,
    choose,
    kent_files,
    map_frame,
    offline_page,
    running_app,
    upload,
)

SECTION = "## The app on a real area: Kent and Medway 2020 in a browser"


def map_payload(data: Path, folder: Path) -> dict[str, int]:
    """Bytes streamlit-folium sends for the CCG's map: base map and plan layers."""
    import streamlit_folium

    from footprints.livemap import base_map, map_scope, plan_layers, stable_colours
    from footprints.metrics import footprints
    from footprints.region import load_region

    files = kent_files(data, folder)
    region = load_region(
        files[0], files[1], stp_boundaries=files[2], patches=files[3], plan=files[4]
    )
    assert region.current is not None
    plan = region.current
    shapes = footprints(plan, region.catchments)
    sizes = region.practices.set_index("code")["list_size"]
    shapes["population"] = shapes["network_id"].map(
        {n: int(sizes.reindex(p).fillna(0).sum()) for n, p in plan.networks().items()}
    )
    scope = map_scope(
        region.practices, [KENT], ccgs=region.ccgs, stps=region.stps, patches=region.patches
    )
    fmap = base_map(scope)
    layers = plan_layers(scope, plan, shapes, stable_colours(plan, shapes, {}))
    fmap.get_root().render()
    base = sum(
        len(text)
        for text in (
            streamlit_folium._get_html(fmap),
            streamlit_folium._get_header(fmap),
            streamlit_folium._get_map_string(fmap),
        )
    )
    edit = sum(
        len(streamlit_folium._get_feature_group_string(layer, fmap, index))
        for index, layer in enumerate(layers)
    )
    edit += len(streamlit_folium._get_layer_control_string(folium.LayerControl(), fmap))
    return {"base": base, "layers": edit, "practices": len(scope.practices)}


def in_browser(
    url: str, files: list[Path], moves: int, *, opens: int = 3, route_app: bool = False
) -> dict[str, Any]:
    """Load Kent and Medway in the app, then time moves and openings of the saved session."""
    from playwright.sync_api import expect, sync_playwright

    practices = pd.read_csv(files[0], dtype=str)
    epcn = pd.read_csv(files[4], dtype=str)
    members = epcn[epcn["Partner Organisation Code"].isin(set(practices["practice_code"]))]
    network_of = dict(zip(members["Partner Organisation Code"], members["PCN Code"], strict=True))
    codes = sorted(network_of)
    figures: dict[str, Any] = {"moves": [], "frames": [], "opens": [], "restored": []}
    figures.update({"framed": [], "leaflet": []})
    routed = "**/*" if route_app else OUTSIDE
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = offline_page(browser, height=1100, routed=routed)
            expect.set_options(timeout=TIMEOUT_MS)
            received: list[int] = []
            page.on(
                "websocket",
                lambda ws: ws.on(
                    "framereceived",
                    lambda frame: received.append(
                        len(frame) if isinstance(frame, bytes | str) else 0
                    ),
                ),
            )
            page.goto(url)
            page.wait_for_url("**plan=*")
            expect(page.locator(MAP_FRAME)).to_be_visible()
            page.get_by_text("Load your own files").click()
            upload(page, files)
            started = time.monotonic()
            page.get_by_role("button", name="Load these files").click()
            expect(page.get_by_text("Loaded 206 practices")).to_be_visible()
            choose(page, "CCG / sub-ICB", KENT)
            page.wait_for_url(f"**area={KENT}*")
            frame = map_frame(page)
            figures["load_s"] = time.monotonic() - started
            for step in range(moves):
                code = codes[(step * 23) % len(codes)]
                seconds, size = move_and_undo(
                    page, frame, code, network_of, step, received=received
                )
                figures["moves"].append(seconds)
                figures["frames"].append(size)
                print(f"move {step + 1}: {figures['moves'][-1]:.2f} s", flush=True)
            address = page.url
            page.close()
            for _ in range(opens):  # each in a browser window of its own, as a user would
                other = offline_page(browser, height=1100, routed=routed)
                opened = time.monotonic()
                other.goto(address)
                expect(other.get_by_text("Restored your saved plan.")).to_be_visible()
                figures["restored"].append(time.monotonic() - opened)
                other.locator(MAP_FRAME).wait_for(state="attached")
                figures["framed"].append(time.monotonic() - opened)
                inside = other.frame_locator(MAP_FRAME)
                inside.locator(".leaflet-container").first.wait_for(state="attached")
                figures["leaflet"].append(time.monotonic() - opened)
                expect(inside.locator(".footprints-label").first).to_be_attached()
                figures["opens"].append(time.monotonic() - opened)
                other.context.close()
                print(
                    f"opened in {figures['opens'][-1]:.2f} s (the page said restored after "
                    f"{figures['restored'][-1]:.2f} s, the map's frame on it after "
                    f"{figures['framed'][-1]:.2f} s, Leaflet's map in it after "
                    f"{figures['leaflet'][-1]:.2f} s)",
                    flush=True,
                )
        finally:
            browser.close()
    return figures


def render(
    figures: dict[str, Any], payload: dict[str, int], *, command: str, route_app: bool = False
) -> str:
    """The Markdown section."""
    moves, opens = figures["moves"], figures["opens"]
    rows = [
        (
            "Move click → the practice drawn in its new network",
            f"{statistics.median(moves):.2f} s (worst {max(moves):.2f} s, {len(moves)} moves)",
            "≤ 1 s",
        ),
        (
            "Opening the saved session (new page → map and labels drawn)",
            f"{statistics.median(opens):.2f} s (worst {max(opens):.2f} s, {len(opens)} opens)",
            "≤ 5 s",
        ),
        *(
            (f"… of which until {what}", f"{statistics.median(figures[key]):.2f} s", "")
            for key, what in (
                ("restored", "the page says the plan is restored"),
                ("framed", "the map's frame is on the page"),
                ("leaflet", "Leaflet has made the map in it"),
            )
        ),
        (
            "Map payload for the CCG: base map (sent once per area)",
            f"{payload['base'] / 1e6:.2f} MB",
            "",
        ),
        (
            "Map payload for the CCG: the plan's layers (re-sent on an edit)",
            f"{payload['layers'] / 1e6:.2f} MB",
            "≤ 1 MB in all",
        ),
        (
            "Whole page received per move (websocket, median)",
            f"{statistics.median(figures['frames']) / 1e6:.2f} MB",
            "",
        ),
        ("Loading the files and choosing the area", f"{figures['load_s']:.1f} s", ""),
    ]
    lines = [
        SECTION,
        "",
        f"`{command}` — Kent and Medway (CCG {KENT}, 206 practices, {payload['practices']} on "
        "the map) loaded through the app's uploaders with the national CCG, STP and LAD files "
        "and the national ePCN file as the current plan; Debian's Chromium driven by "
        "Playwright on this machine (other work running)"
        + (
            "; the app's own requests routed through Playwright too (the older harness)."
            if route_app
            else "; only the map's CDN requests routed through Playwright (answered locally)."
        ),
        "",
        *md_table(["measure", "result", "target"], rows),
        "",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the measurements and print (or write) the section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--moves", type=int, default=9)
    parser.add_argument("--opens", type=int, default=3)
    parser.add_argument(
        "--route-app",
        action="store_true",
        help="route the app's own requests through Playwright too (the harness before 2026-11-27)",
    )
    parser.add_argument("--markdown", type=Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        payload = map_payload(args.data, work)
        print(f"map payload: {payload}", flush=True)
        files = kent_files(args.data, work)
        (work / "sessions").mkdir()
        with running_app(work / "sessions", work / "streamlit.log") as url:
            figures = in_browser(url, files, args.moves, opens=args.opens, route_app=args.route_app)
    command = (
        f"python benchmarks/bench_app_real.py --data ../shared/data --moves {args.moves}"
        + (f" --opens {args.opens}" if args.opens != 3 else "")
        + (" --route-app" if args.route_app else "")
        + (f" --markdown {args.markdown}" if args.markdown else "")
    )
    section = render(figures, payload, command=command, route_app=args.route_app)
    print(section)
    if args.markdown:
        write_section(args.markdown, section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
