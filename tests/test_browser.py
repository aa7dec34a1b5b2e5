"""The running app in a real browser: Debian's Chromium driven by Playwright.

The app is started with ``streamlit run`` on a free port, sessions saved in a temporary
folder; the map's JavaScript comes from CDNs the test machine cannot reach, so the browser's
requests for them are answered locally (``tools/browser.py``). Four tests: the demo region
(a click, a move, a refresh, a drawn shape, a proposal); Kent and Medway 2020 loaded from the
real files with the national ePCN file as the current plan (choose the area, move, undo,
rename, record a waiver, re-optimise with a lock); one plan open in two contexts (the
stale-tab notice and the merge); and a view link in another context (no editing widget, a
comment's marker on the map and its HTML shown as text, the revoked link). Sign-in has its
own server: tests/test_browser_signin.py.

Chromium and Leaflet are Debian packages (``make pytest`` installs them). Without them the
tests are skipped on a developer's machine, and fail in CI (``CI`` set) rather than skip.

The machine may be busy (other test runs, other builds): every wait is on a condition, with
a generous ceiling (:data:`TIMEOUT_MS`), never a short fixed one.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from footprints.livemap import COMMENT_COLOUR
from footprints.store import Store
from footprints.store.sessions import load_session, open_app_plan
from tools.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    JS_COMMENT_TIPS,
    JS_MARKER_COLOUR,
    JS_NETWORK_COLOUR,
    KENT,
    LEAFLET,
    MAP_FRAME,
    MAP_SETTLED,
    REPO,
    TIMEOUT_MS,
    AppNotStartedError,
    choose,
    idle,
    kent_files,
    map_frame,
    offline_page,
    running_app,
    select_codes,
    upload,
)

pytestmark = pytest.mark.slow

#: Where the screenshot goes: ``make screenshot`` sets this to docs/screenshot.png (the
#: README's picture); a plain test run writes it under pytest's temporary folder.
SCREENSHOT_ENV = "FOOTPRINTS_SCREENSHOT"
#: Where the CCG lead's guide's pictures go: ``make screenshot`` sets this to docs/images;
#: a plain test run writes them under pytest's temporary folder.
GUIDE_SHOTS_ENV = "FOOTPRINTS_GUIDE_SHOTS"


def _require(path: Path, what: str) -> None:
    if path.exists():
        return
    message = (
        f"{what} is missing at {path}: `make pytest` installs it "
        "(apt-get install chromium libjs-leaflet)"
    )
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sessions")


@pytest.fixture(scope="module")
def server(state_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app under ``streamlit run``, on a free port; yields its URL."""
    _require(CHROMIUM, "Chromium")
    _require(LEAFLET / "leaflet.js", "Leaflet (Debian's libjs-leaflet)")
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    try:
        with running_app(state_dir, log) as url:
            yield url
    except AppNotStartedError as error:
        pytest.fail(str(error))


def _session_of(page: Any) -> str:
    """The plan's key in the page's URL (``?plan=…``)."""
    query = page.url.split("?", 1)[1]
    return next(part.split("=", 1)[1] for part in query.split("&") if part.startswith("plan="))


def _saved(state_dir: Path, session: str | None = None) -> dict[str, Any]:
    """The plan's newest version in the store, as the session it saves (history and all).

    ``session`` is the plan's key; without one, the store must hold exactly one plan.
    """
    with Store(state_dir / "plans.sqlite") as store:
        if session is None:
            (only,) = store.plans()
            handle = store.open(only.name)
        else:
            found = open_app_plan(store, session)
            assert found is not None, f"no plan {session} in the store"
            handle = found
        return load_session(handle).to_dict()


def test_the_running_app_shows_the_map_and_moves_a_practice(
    server: str, state_dir: Path, tmp_path: Path
) -> None:
    screenshot = Path(os.environ.get(SCREENSHOT_ENV) or tmp_path / "screenshot.png")
    from playwright.sync_api import expect, sync_playwright

    practices = pd.read_csv(REPO / "boundaries" / "demo" / "practices.csv")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = offline_page(browser)
            expect.set_options(timeout=TIMEOUT_MS)

            started = time.monotonic()
            page.goto(server)
            page.wait_for_url("**plan=*")
            iframe = page.locator(MAP_FRAME)
            expect(iframe).to_be_visible()
            folium = page.frame_locator(MAP_FRAME)
            expect(folium.locator(".footprints-label").first).to_be_attached()
            first_load = time.monotonic() - started
            assert folium.locator(".footprints-label").count() >= 20  # network labels
            assert folium.locator("path.leaflet-interactive").count() > 141  # shapes + markers
            expect(page.get_by_text("Networks", exact=True)).to_be_visible()

            # The practice to move, and a network it is not in.
            plan = _saved(state_dir, _session_of(page))["history"][0]["assignment"]
            code = "Z00001"
            target = sorted({n for n in plan.values() if n != plan[code]})[0]
            row = practices.loc[practices["code"] == code].iloc[0]

            # Click its marker on the map, where Leaflet placed it, once Leaflet has stopped
            # fitting the map (a click during a zoom animation lands elsewhere). The app's
            # answer is a rerun, which a busy machine can take minutes over: each click waits
            # on the answer with a generous ceiling, and is retried only if it missed.
            frame = next(f for f in page.frames if "streamlit_folium" in f.url)
            for attempt in range(3):
                frame.wait_for_function(MAP_SETTLED, timeout=TIMEOUT_MS)
                box = iframe.bounding_box()
                assert box is not None
                x, y = frame.evaluate(
                    "([lat, lng]) => { const p = window.map.latLngToContainerPoint([lat, lng]);"
                    " const r = window.map.getContainer().getBoundingClientRect();"
                    " return [p.x + r.left, p.y + r.top]; }",
                    [float(row["lat"]), float(row["lon"])],
                )
                page.mouse.click(box["x"] + x, box["y"] + y)
                try:
                    expect(page.get_by_text(f"({code})").first).to_be_visible(
                        timeout=TIMEOUT_MS // 3
                    )
                    break
                except AssertionError:
                    if attempt == 2:
                        raise

            # Choose the network and move it.
            page.get_by_role("combobox", name="Move to").click()
            page.keyboard.type(target)
            page.keyboard.press("Enter")
            moved_at = time.monotonic()
            page.get_by_role("button", name="Move", exact=True).click()
            expect(page.get_by_text("Moved 1 practice")).to_be_visible()
            rerender = time.monotonic() - moved_at
            expect(folium.locator(".footprints-label").first).to_be_attached()

            saved = _saved(state_dir, _session_of(page))
            assert saved["pointer"] == 1
            assert saved["history"][1]["set"] == {code: target}
            expect(page.get_by_text(f"move {code} to {target}", exact=False)).to_be_visible()

            # A refresh keeps the plan: the session id is in the URL.
            page.reload()
            expect(page.get_by_text("Restored your saved plan.")).to_be_visible()
            expect(page.get_by_text("step 2 of 2", exact=False)).to_be_visible()
            expect(folium.locator(".footprints-label").first).to_be_attached()
            frame = next(f for f in page.frames if "streamlit_folium" in f.url)
            frame.wait_for_function(MAP_SETTLED, timeout=TIMEOUT_MS)  # tiles and labels in place
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot))
            assert screenshot.stat().st_size > 10_000

            # Drawing a shape selects the practices inside it (the draw toolbar is stood in
            # for, so the shape is handed to the map as Leaflet.draw would).
            near = practices[
                practices["lat"].between(row["lat"] - 0.01, row["lat"] + 0.01)
                & practices["lon"].between(row["lon"] - 0.015, row["lon"] + 0.015)
            ]
            frame = next(f for f in page.frames if "streamlit_folium" in f.url)
            frame.evaluate(
                "([s, w, n, e]) => window.map.fire('draw:created', {layerType: 'rectangle',"
                " layer: L.rectangle([[s, w], [n, e]])})",
                [row["lat"] - 0.01, row["lon"] - 0.015, row["lat"] + 0.01, row["lon"] + 0.015],
            )
            expect(page.get_by_text(f"Selected {len(near)} practice")).to_be_visible()

            # The optimiser runs in the background; its progress fragment polls it and the
            # page applies the proposal when it is done, with no further click.
            page.get_by_role("button", name="Propose networks").click()
            expect(page.get_by_text("Optimiser finished in")).to_be_visible()
            expect(page.get_by_role("button", name="Propose networks")).to_be_enabled()
            last = _saved(state_dir, _session_of(page))["history"][-1]
            assert last["label"].startswith("proposal (")
            print(f"first load {first_load:.1f} s, re-render after a move {rerender:.1f} s")
        finally:
            browser.close()


# --------------------------------------------------------------------------------------------
# Kent and Medway 2020 from the real files, and one session in two pages
# --------------------------------------------------------------------------------------------


def _shot(page: Any, folder: Path, name: str) -> None:
    """Save a screenshot of the page for the CCG lead's guide, once the page is drawn."""
    idle(page)
    map_frame(page)
    page.get_by_role(
        "heading", name="footprints — Primary Care Network planner"
    ).scroll_into_view_if_needed()
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / name))


def _wait_for_colour(frame: Any, code: str, colour: str) -> None:
    """Wait until the practice's marker is drawn in ``colour``."""
    frame.wait_for_function(
        f"([code, colour]) => ({JS_MARKER_COLOUR})(code) === colour",
        arg=[code, colour],
        timeout=TIMEOUT_MS,
    )


def _eventually(check: Any, what: str) -> None:
    """Wait until ``check()`` holds (the save behind a notice may land a moment after it)."""
    ends = time.monotonic() + TIMEOUT_MS / 1000
    while not check():
        assert time.monotonic() < ends, f"{what}: not so after {TIMEOUT_MS / 1000:.0f} s"
        time.sleep(0.2)


def _plan_now(state_dir: Path, session: str) -> dict[str, str]:
    """The saved working plan (practice → network), replayed from its history."""
    saved = _saved(state_dir, session)
    plan = dict(saved["history"][0]["assignment"])
    for step in saved["history"][1 : saved["pointer"] + 1]:
        plan.update(step["set"])
        for practice in step["unset"]:
            plan.pop(practice, None)
    return plan


def _network_of(state_dir: Path, session: str, practice: str) -> str:
    return _plan_now(state_dir, session)[practice]


def test_a_ccg_lead_edits_kent_and_medway_from_the_real_files(
    server: str, state_dir: Path, tmp_path: Path, shared_data: Path
) -> None:
    """Load, choose the area, move, undo, rename, record a waiver, re-optimise with a lock."""
    from playwright.sync_api import expect, sync_playwright

    shots = Path(os.environ.get(GUIDE_SHOTS_ENV) or tmp_path / "guide")
    files = kent_files(shared_data, tmp_path)
    practices = pd.read_csv(files[0], dtype=str)
    epcn = pd.read_csv(files[4], dtype=str)
    members = epcn[epcn["Partner Organisation Code"].isin(set(practices["practice_code"]))]
    sizes = practices.set_index("practice_code")["list_size_2020_01"].astype(int)
    population = members.groupby("PCN Code")["Partner Organisation Code"].agg(
        lambda codes: int(sizes.reindex(codes).fillna(0).sum())
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = offline_page(browser, height=1100)
            expect.set_options(timeout=TIMEOUT_MS)
            page.goto(server)
            page.wait_for_url("**plan=*")
            expect(page.locator(MAP_FRAME)).to_be_visible()

            # Load the files: the national ePCN file is cut to the 206 practices, with one
            # warning giving the count.
            page.get_by_text("Load your own files").click()
            upload(page, files)
            page.get_by_role("button", name="Load these files").click()
            expect(page.get_by_text("Loaded 206 practices")).to_be_visible()
            page.get_by_text("Load your own files").click()  # the warnings are in there
            dropped = len(epcn) - len(members)
            warning = page.get_by_text(f"names {dropped:,} practices not in the practices file")
            expect(warning).to_be_visible()
            assert page.get_by_text("not in the practices file").count() == 1
            session = _session_of(page)

            # Choose the area: the menus list only areas holding loaded practices, and the
            # URL names the area.
            choose(page, "CCG / sub-ICB", KENT)
            page.wait_for_url(f"**area={KENT}*")
            frame = map_frame(page)
            expect(page.get_by_text("Networks (42)")).to_be_visible()
            frame.evaluate("() => { window.__sameMap = true; }")  # gone if the map remounts

            # Move a practice to a neighbouring network by typing its code.
            code = str(members.sort_values("Partner Organisation Code").iloc[0, 0])
            home = _network_of(state_dir, session, code)
            # The network of the nearest practice in another network: a move a lead makes.
            sites = practices.set_index("practice_code")[["lat", "lon"]].astype(float)
            others = members[members["PCN Code"] != home].set_index("Partner Organisation Code")
            gap = ((sites.loc[others.index] - sites.loc[code]) ** 2).sum(axis=1)
            target = str(others.at[gap.idxmin(), "PCN Code"])
            select_codes(page, code)
            choose(page, "Move to", target)
            home_colour = frame.evaluate(JS_NETWORK_COLOUR, home)
            target_colour = frame.evaluate(JS_NETWORK_COLOUR, target)
            assert home_colour and target_colour
            page.get_by_role("button", name="Move", exact=True).click()
            expect(page.get_by_text("Moved 1 practice to")).to_be_visible()
            _wait_for_colour(frame, code, target_colour)
            assert frame.evaluate("() => window.__sameMap") is True  # updated in place
            _eventually(lambda: _network_of(state_dir, session, code) == target, "move saved")
            assert frame.evaluate(JS_NETWORK_COLOUR, home) == home_colour  # colours kept
            _shot(page, shots, "ccg-lead-move.png")

            # Undo puts it back.
            page.get_by_role("button", name="↶ Undo").click()
            expect(page.get_by_text("Undone.")).to_be_visible()
            _wait_for_colour(frame, code, home_colour)
            assert _network_of(state_dir, session, code) == home

            # Rename its network: the new name is on the map and saved.
            choose(page, "Network", home)
            page.get_by_role("textbox", name="Name", exact=True).fill("Ashford Rural Test PCN")
            page.get_by_role("button", name="Rename").click()
            expect(page.get_by_text(f"Renamed {home} to Ashford Rural Test PCN.")).to_be_visible()
            expect(
                page.frame_locator(MAP_FRAME).get_by_text("Ashford Rural Test PCN").first
            ).to_be_attached()
            names = _saved(state_dir, session)["history"][-1]["names"]
            assert names[home] == "Ashford Rural Test PCN"

            # Record a waiver for a network above the band.
            above = str(population[population > 50_000].index[0])
            choose(page, "Network", above)
            reason = "Two large practices on one site: splitting them would split the site"
            page.get_by_role("textbox", name="Waiver reason").fill(reason)
            page.get_by_role("button", name="Record the waiver reason").click()
            expect(page.get_by_text(f"Recorded: {reason}")).to_be_visible()
            assert _saved(state_dir, session)["history"][-1]["waivers"] == {above: reason}
            _shot(page, shots, "ccg-lead-network.png")

            # Lock the renamed network, then re-optimise: it is kept as it is.
            choose(page, "Network", "Ashford Rural Test PCN")
            page.get_by_role("button", name="🔒 Lock").click()
            expect(page.get_by_text("Locked Ashford Rural Test PCN")).to_be_visible()
            kept = sorted(members.loc[members["PCN Code"] == home, "Partner Organisation Code"])
            # At the app's default time limit: an optimised plan with its certified gap and
            # bound, or the plan at hand kept with its gap. That the quick constructive plan
            # never stands in at 20 s (issue #16) is a benchmark's claim on a quiet machine
            # (bench_app_reoptimise.py, BENCHMARKS.md); on a busy one the clock can run out
            # first, and then the notice must say so and not call the plan optimised.
            page.get_by_role("button", name="Re-optimise unlocked networks").click()
            finished = page.get_by_text("Optimiser finished in")
            expect(finished).to_be_visible()
            notice = finished.inner_text()
            if "quick constructive" in notice:
                assert "not optimised" in notice and "Allow more time" in notice, notice
                assert "optimised, not proved optimal" not in notice, notice
            else:
                assert re.search(
                    r"certified gap \d+\.\d%: no plan costs less than [\d,]+", notice
                ) or ("proved optimal" in notice), notice
            saved = _saved(state_dir, session)
            label = saved["history"][-1]["label"]
            if "It found no better plan" in notice:  # the plan at hand was at least as good
                assert "your plan is kept" in notice or "already optimal" in notice, notice
                assert label.startswith("lock ")
            else:
                assert "optimised" in notice, notice
                assert label.startswith("re-optimised unlocked networks")
            assert saved["history"][-1]["locks"] == [home]
            after = [p for p, n in _plan_now(state_dir, session).items() if n == home]
            assert sorted(after) == kept
            frame = map_frame(page)
            expect(
                page.frame_locator(MAP_FRAME).get_by_text("Ashford Rural Test PCN 🔒").first
            ).to_be_attached()
            _shot(page, shots, "ccg-lead-reoptimised.png")
        finally:
            browser.close()


def test_one_plan_in_two_browser_contexts_tells_the_stale_one(server: str, state_dir: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    practices = pd.read_csv(REPO / "boundaries" / "demo" / "practices.csv", dtype=str)
    codes = sorted(practices["code"])
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            first = offline_page(browser)
            expect.set_options(timeout=TIMEOUT_MS)
            first.goto(server)
            first.wait_for_url("**plan=*")
            expect(first.locator(MAP_FRAME)).to_be_visible()
            session = _session_of(first)
            # A second browser context (no cookies or storage of the first): another editor.
            second = offline_page(browser)
            second.goto(first.url)
            expect(second.get_by_text("Restored your saved plan.")).to_be_visible()
            # The map on the page and the page's runs over (as for the first tab): a code
            # typed while the map's first value reruns the page could be lost when busy.
            expect(second.locator(MAP_FRAME)).to_be_visible()
            idle(second)

            def move(page: Any, code: str) -> str:
                network = _network_of(state_dir, session, code)
                plan = _saved(state_dir, session)["history"][0]["assignment"]
                target = sorted(set(plan.values()) - {network})[0]
                select_codes(page, code)
                choose(page, "Move to", target)
                page.get_by_role("button", name="Move", exact=True).click()
                return target

            moved_first = move(first, codes[0])
            expect(first.get_by_text("Moved 1 practice to")).to_be_visible()
            move(second, codes[-1])
            expect(second.get_by_text("This plan was saved from another tab")).to_be_visible()
            assert _network_of(state_dir, session, codes[0]) == moved_first  # not overwritten
            second.get_by_role("button", name="Merge my edits into it").click()
            expect(second.get_by_text("Merged this tab's edits")).to_be_visible()
            assert _network_of(state_dir, session, codes[0]) == moved_first
            _eventually(
                lambda: _saved(state_dir, session)["history"][-1]["label"].startswith("merge"),
                "the merge saved as the newest version",
            )
        finally:
            browser.close()


_SCRIPT_COMMENT = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2"> <i>x</i>'


def test_a_view_link_in_another_context_cannot_edit_and_stops_when_revoked(
    server: str, state_dir: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            expect.set_options(timeout=TIMEOUT_MS)
            owner = offline_page(browser)
            owner.goto(server)
            owner.wait_for_url("**plan=*")
            expect(owner.locator(MAP_FRAME)).to_be_visible()
            session = _session_of(owner)
            owner.get_by_role("button", name="View link").click()
            shown_link = owner.locator("[data-testid='stSidebar'] code").filter(has_text="?link=")
            expect(shown_link).to_be_visible()
            url = shown_link.inner_text().strip()
            assert url.startswith(server) and len(url.split("?link=", 1)[1]) == 43
            # A comment written to run as a script or be read as HTML: shown as text.
            plan = _saved(state_dir, session)["history"][-1]["assignment"]
            network = sorted(set(plan.values()))[0]
            with Store(state_dir / "plans.sqlite") as store:
                handle = open_app_plan(store, session)
                assert handle is not None
                handle.add_comment("network", network, _SCRIPT_COMMENT, author="Ann")

            # A second browser context: no cookies, no session of the owner's.
            visitor = offline_page(browser)
            visitor.goto(url)
            expect(visitor.get_by_text("Opened a shared plan to view")).to_be_visible()
            expect(visitor.locator(MAP_FRAME)).to_be_visible()
            expect(visitor.get_by_role("tab", name="Export")).to_be_visible()
            idle(visitor)
            # The comment: its marker drawn on the map, its text shown as written.
            tips = map_frame(visitor).evaluate(JS_COMMENT_TIPS, COMMENT_COLOUR)
            assert len(tips) == 1, tips
            assert _SCRIPT_COMMENT in tips[0]["text"] and "1 open comment" in tips[0]["text"]
            assert set(tips[0]["tags"]) <= {"B", "BR"}, tips  # the tip's own; none of the comment's
            expect(visitor.get_by_text(_SCRIPT_COMMENT, exact=False).first).to_be_visible()
            assert visitor.evaluate("() => window.pwned") is None  # no script ran
            assert map_frame(visitor).evaluate("() => window.pwned") is None
            for name in ("Move", "Undo", "Redo", "Rename", "Propose networks", "Edit link"):
                expect(visitor.get_by_role("button", name=name, exact=True)).to_have_count(0)
            expect(visitor.get_by_role("textbox", name="Practice codes")).to_have_count(0)
            expect(visitor.locator("[data-testid='stFileUploader']")).to_have_count(0)
            assert session not in visitor.url and session not in visitor.content()
            versions = _saved(state_dir, session)

            owner.reload()
            owner.get_by_role("button", name="Revoke").click()
            expect(owner.get_by_text("it opens nothing any more")).to_be_visible()
            visitor.reload()
            expect(visitor.get_by_text("was revoked")).to_be_visible()
            expect(visitor.locator(MAP_FRAME)).to_have_count(0)
            assert _saved(state_dir, session) == versions  # the visitor changed nothing
        finally:
            browser.close()
