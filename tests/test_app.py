"""The Streamlit app's logic through Streamlit's AppTest (no browser).

The demo region and its first proposal are cached per process (``st.cache_resource``), so
only the first test pays for loading and optimising the demo (about 10 s).
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import shapely
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import app_test as app_test_module
from test_region_homes import X0, Y0, write_crossing_inputs

from app.markdown import plain, shown
from app.uploads import UPLOAD_ROLES
from footprints import background as background_module
from footprints import optimiser as optimiser_module
from footprints.crs import BNG, WGS84
from footprints.io import read_plan
from footprints.optimiser import area as area_module
from footprints.optimiser.candidates import EnumerationTimeoutError
from footprints.optimiser.fallback import POLISHED
from footprints.optimiser.problem import AreaProblem
from footprints.plan import Band, Plan
from footprints.session import STATE_DIR_ENV, SavedSession, SessionStore
from footprints.store import STORE_ENV, Store
from footprints.store.sessions import load_session, open_app_plan

pytestmark = pytest.mark.slow

APP = Path(__file__).resolve().parents[1] / "app.py"
DEMO = Path(__file__).resolve().parents[1] / "boundaries" / "demo"
TIMEOUT = 600  # a ceiling per script run: generous, for a busy machine


class _RecordingStorage(MemoryMediaFileStorage):
    """Keeps every file the app hands to the browser (download buttons), by file id."""

    files: dict[str, bytes] = {}  # noqa: RUF012 - shared on purpose: one per test process

    def load_and_get_id(
        self, path_or_data: Any, mimetype: str, kind: Any, filename: str | None = None
    ) -> str:
        file_id = super().load_and_get_id(path_or_data, mimetype, kind, filename)
        data = path_or_data.encode() if isinstance(path_or_data, str) else bytes(path_or_data)
        _RecordingStorage.files[file_id] = data
        return file_id


@pytest.fixture
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "sessions"
    monkeypatch.setenv(STATE_DIR_ENV, str(folder))
    monkeypatch.setenv(STORE_ENV, str(tmp_path / "plans.sqlite"))
    monkeypatch.setattr(app_test_module, "MemoryMediaFileStorage", _RecordingStorage)
    yield folder


def _start(key: str | None = None, *, param: str = "plan") -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    if key is not None:
        at.query_params[param] = key
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _plan(at: AppTest) -> Plan:
    plan: Plan = at.session_state["working"].plan
    return plan


def _violation_rules(at: AppTest) -> list[str]:
    """The rules of the violations the panel lists, in the words it shows them."""
    lines = [re.match(r"\*\*(.+?)\*\* \((hard|waivable)\)", shown(m.value)) for m in at.markdown]
    shown_rules = [line.group(1) for line in lines if line]
    report = at.session_state["_derived"]["report"]
    assert len(shown_rules) == len(report.violations)
    return shown_rules


def _session_id(at: AppTest) -> str:
    """The plan's key in the tab's URL (``?plan=…``)."""
    key = at.query_params["plan"]
    return key[0] if isinstance(key, list) else str(key)


def _saved(key: str) -> SavedSession:
    """The plan's newest version in the store, as the app saved it."""
    with Store() as store:
        handle = open_app_plan(store, key)
        assert handle is not None, f"no plan {key} in the store"
        return load_session(handle)


def _border_move(at: AppTest) -> tuple[str, str]:
    """A practice and a network of a neighbouring practice in another CCG."""
    region = at.session_state["_derived"]["region"]
    plan = _plan(at)
    graph = region.validation_graph
    for practice, neighbour in sorted(graph.edges):
        if graph.nodes[practice]["ccg"] != graph.nodes[neighbour]["ccg"]:
            return practice, plan.assignment[neighbour]
    raise AssertionError("the demo has no practices on a CCG border")


def _first_ccg(at: AppTest) -> str:
    region = at.session_state["_derived"]["region"]
    return str(sorted(region.ccgs["code"])[0])


def _click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _open_tab(at: AppTest, label: str) -> AppTest:
    """Open a tab under the map (only the open tab's content is drawn), as a click on it."""
    at.session_state["tab"] = label
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _finish_optimiser(at: AppTest) -> AppTest:
    """Wait for the background optimiser, then run the page once more, as its timer does."""
    job = at.session_state["optimiser_job"]
    assert job.wait(TIMEOUT), "the optimiser did not finish"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "optimiser_job" not in at.session_state
    return at


def test_opens_on_the_demo_with_a_proposed_plan_and_saves_it(state_dir: Path) -> None:
    at = _start()

    assert "Demo region" in at.sidebar.markdown[0].value
    assert int(_metric(at, "Networks")) > 20
    plan = _plan(at)
    assert len(plan) == 141
    assert at.session_state["working"].label == "proposal"
    assert _metric(at, "Not contiguous") == "0"
    assert _metric(at, "Boundary crossings") == "0"
    session = _session_id(at)
    assert SessionStore.valid_id(session)
    saved = _saved(session)
    assert saved.working.pointer == 0 and saved.version == 1
    assert saved.working.plan == plan


def test_propose_runs_the_optimiser_for_the_chosen_ccg(state_dir: Path) -> None:
    at = _start()
    at.selectbox(key="area_ccg").set_value(_first_ccg(at)).run()
    at.number_input(key="time_limit").set_value(10.0).run()
    _click(at, "propose")
    # The optimiser runs in the background: the page shows its progress and a Stop button.
    assert at.button(key="propose").disabled
    _finish_optimiser(at)
    assert not at.button(key="propose").disabled

    results = at.session_state["results"]
    assert len(results) == 1
    (result,) = results.values()
    assert result.status in {"optimal", "feasible"}
    assert at.session_state["working"].label.startswith("proposal")
    (notice,) = [s.value for s in at.success if "Optimiser finished" in s.value]
    # The notice says which plan the area got: proved optimal, or its certified gap.
    words = "proved optimal" if result.status == "optimal" else "certified gap"
    assert words in notice and "quick constructive" not in notice
    _open_tab(at, "Optimiser results")
    table = next(d.value for d in at.dataframe if "status" in d.value.columns)
    assert list(table["status"]) == [result.status]
    assert "gap" in table.columns
    # Which plan it is, in words: never the quick constructive plan on the demo.
    assert list(table["plan"]) == ["proved optimal" if result.status == "optimal" else "optimised"]


def test_a_plan_only_local_search_improved_is_not_called_optimised(
    state_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Listing candidates out of time: the quick plan, polished, is named for what it is.

    As North West London 2021 in the app (BENCHMARKS.md, session 16): no exact stage ran in
    the time limit, local search improved the quick plan, and the notice said "optimised".
    """

    def out_of_time(problem: AreaProblem) -> None:
        for piece in problem.pieces:  # as a cut listing leaves them: only local candidates
            piece.bounded = False
        raise EnumerationTimeoutError("listing out of time")

    monkeypatch.setattr(area_module, "_list_pieces", out_of_time)
    at = _start()
    ccg = _first_ccg(at)
    graph = at.session_state["_derived"]["region"].validation_graph
    plan = _plan(at).assignment
    practice, network = next(  # a move inside the CCG: the run's plan is then not the working one
        (a, plan[b])
        for a, b in sorted(graph.edges)
        if graph.nodes[a]["ccg"] == graph.nodes[b]["ccg"] == ccg and plan[a] != plan[b]
    )
    at.multiselect(key="selected").set_value([practice]).run()
    at.selectbox(key="target").set_value(network).run()
    _click(at, "move")
    at.selectbox(key="area_ccg").set_value(ccg).run()
    at.number_input(key="time_limit").set_value(2.0).run()
    _click(at, "propose")
    _finish_optimiser(at)
    (result,) = at.session_state["results"].values()
    assert (result.status, result.fallback) == ("feasible", "constructive")
    assert POLISHED in result.explanations
    (notice,) = [s.value for s in at.success if "Optimiser finished" in s.value]
    assert "not optimised — the quick constructive plan improved by local search only" in notice
    assert "the exact stages gave no plan in the time limit" in notice
    assert "optimised, not proved optimal" not in notice
    _open_tab(at, "Optimiser results")
    table = next(d.value for d in at.dataframe if "status" in d.value.columns)
    assert list(table["plan"]) == ["searched"]


def test_stop_button_keeps_the_best_plan_so_far(
    state_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stop while the optimiser runs: the plan found so far becomes the working plan.

    The demo solves in about two seconds, faster than a test can click, so the optimiser
    here waits for the stop before it solves (as if it were mid-solve); that the solver
    itself stops mid-solve is tested on real CCGs in tests/optimiser/test_area_real.py.
    """
    real_propose = optimiser_module.propose

    def waiting_propose(*args: Any, stop: Any = None, **kwargs: Any) -> Any:
        assert stop.wait(TIMEOUT), "the Stop button did not reach the optimiser"
        return real_propose(*args, stop=stop, **kwargs)

    monkeypatch.setattr(background_module, "propose", waiting_propose)
    at = _start()
    before = _plan(at)
    at.number_input(key="time_limit").set_value(600.0).run()
    _click(at, "propose")
    job = at.session_state["optimiser_job"]
    assert not job.done
    _click(at, "stop_optimiser")
    assert job.stopped
    _finish_optimiser(at)

    after = _plan(at)
    assert set(after.assignment) == set(before.assignment)
    assert at.session_state["working"].label.startswith("proposal, stopped early")
    assert any("Optimiser stopped" in s.value for s in at.success)
    results = at.session_state["results"]
    assert len(results) == 3
    for result in results.values():
        assert result.status == "feasible"
        assert any("the optimiser was stopped" in line for line in result.explanations)
    assert _metric(at, "Not contiguous") == "0"
    # Undo brings back the plan from before the run.
    _click(at, "undo")
    assert _plan(at) == before


def test_move_shows_the_violation_then_undo_and_redo(state_dir: Path) -> None:
    at = _start()
    before = _plan(at)
    assert "Boundary crossing" not in _violation_rules(at)
    practice, network = _border_move(at)

    at.multiselect(key="selected").set_value([practice]).run()
    at.selectbox(key="target").set_value(network).run()
    _click(at, "move")

    assert _plan(at).assignment[practice] == network
    assert "Boundary crossing" in _violation_rules(at)
    assert _metric(at, "Boundary crossings") == "1"
    saved = _saved(_session_id(at))
    assert saved.working.pointer == 1 and saved.version == 2
    assert saved.working.plan.assignment[practice] == network

    (crossing,) = [
        v for v in at.session_state["_derived"]["report"].violations if v.rule == "boundary"
    ]
    choice = f"boundary:{','.join(crossing.networks)}:{','.join(crossing.practices[:3])}"
    at.selectbox(key="violation_choice").set_value(choice).run()
    assert at.session_state["map_focus"] == "violation"

    _click(at, "undo")
    assert _plan(at) == before
    assert "Boundary crossing" not in _violation_rules(at)
    undone = _saved(_session_id(at))
    assert undone.working.pointer == 0 and undone.working.plan == before
    assert undone.version == 3  # the undo is a version too

    _click(at, "redo")
    assert _plan(at).assignment[practice] == network


def test_move_to_a_new_network(state_dir: Path) -> None:
    at = _start()
    practice = sorted(_plan(at).assignment)[0]
    at.multiselect(key="selected").set_value([practice]).run()
    at.selectbox(key="target").set_value("__new__").run()
    at.text_input(key="new_name").input("Harbour PCN").run()
    _click(at, "move")

    plan = _plan(at)
    new = plan.assignment[practice]
    assert plan.network_name(new) == "Harbour PCN"
    assert "Band" in _violation_rules(at)  # one practice alone is below the band


def test_lock_refuses_moves_and_survives_reoptimising(state_dir: Path) -> None:
    at = _start()
    plan = _plan(at)
    band_violations = _violation_rules(at).count("Band")  # the demo's unavoidable ones
    network = sorted(plan.networks())[0]
    members = plan.networks()[network]
    at.selectbox(key="lock_network").set_value(network).run()
    _click(at, "lock_toggle")
    assert at.session_state["working"].locks == {network}

    at.multiselect(key="selected").set_value([members[0]]).run()
    other = next(n for n in plan.networks() if n != network)
    at.selectbox(key="target").set_value(other).run()
    _click(at, "move")
    assert any("is locked" in e.value for e in at.error)
    assert _plan(at).assignment[members[0]] == network

    # Break another network of the same CCG, then re-optimise: it is repaired, the lock kept.
    ccg = at.session_state["_derived"]["region"].validation_graph.nodes[members[0]]["ccg"]
    graph = at.session_state["_derived"]["region"].ccg_graphs[ccg]
    loose = next(p for p in sorted(graph) if plan.assignment[p] != network)
    at.multiselect(key="selected").set_value([loose]).run()
    at.selectbox(key="target").set_value("__new__").run()
    _click(at, "move")
    assert _violation_rules(at).count("Band") > band_violations

    at.selectbox(key="area_ccg").set_value(ccg).run()
    at.number_input(key="time_limit").set_value(10.0).run()
    _click(at, "reoptimise")
    _finish_optimiser(at)
    after = _plan(at)
    assert after.networks()[network] == members
    assert at.session_state["working"].locks == {network}
    assert at.session_state["working"].label.startswith("re-optimised")
    assert _violation_rules(at).count("Band") == band_violations

    at.selectbox(key="lock_network").set_value(network).run()
    _click(at, "lock_toggle")
    assert at.session_state["working"].locks == frozenset()


def test_export_offers_the_plan_csv(state_dir: Path, tmp_path: Path) -> None:
    at = _open_tab(_start(), "Export")
    button = next(b for b in at.download_button if b.label == "Download the plan (CSV)")
    file_id = button.proto.url.rsplit("/", 1)[-1].split(".")[0]
    data = _RecordingStorage.files[file_id]
    assert data.startswith(b"practice_code,network_id,network_name")
    (tmp_path / "plan.csv").write_bytes(data)
    assert dict(read_plan(tmp_path / "plan.csv").assignment) == dict(_plan(at).assignment)


def test_refresh_and_restart_restore_the_same_session_only(state_dir: Path) -> None:
    at = _start()
    session = _session_id(at)
    practice, network = _border_move(at)
    at.multiselect(key="selected").set_value([practice]).run()
    at.selectbox(key="target").set_value(network).run()
    _click(at, "move")
    edited = _plan(at)

    again = _start(session)  # a refresh: a new script session with the same URL
    assert _plan(again) == edited
    assert again.session_state["working"].can_undo
    assert any("Restored" in s.value for s in again.success)

    other = _start()  # another browser tab
    assert _session_id(other) != session
    assert _plan(other) != edited


def test_an_old_session_link_or_an_unknown_plan_says_it_is_gone(state_dir: Path) -> None:
    old = _start("abcdefgh12345678", param="session")  # a link from the sessions folder
    said = [shown(e.value) for e in old.error]
    assert any("session abcdefgh12345678" in e and "is gone" in e for e in said), said
    assert "session" not in old.query_params
    assert _saved(_session_id(old)).version == 1  # a new plan, saved

    missing = _start("nosuchplan123456")
    said = [shown(e.value) for e in missing.error]
    assert any("no plan nosuchplan123456" in e for e in said), said
    assert _session_id(missing) != "nosuchplan123456"


def test_uploaded_files_with_problems_are_explained_in_words(
    state_dir: Path, tmp_path: Path
) -> None:
    at = _start()
    bad = b"code,name,lat,lon\nZ1,Dr One,52.2,-1.7\nZ1,Dr Two,52.3,-1.6\n"
    at.sidebar.file_uploader[0].set_value(("practices.csv", bad, "text/csv"))
    boundaries = (DEMO / "ccg.geojson").read_bytes()
    at.sidebar.file_uploader[1].set_value(("ccg.geojson", boundaries, "application/geo+json"))
    _click(at, "load_files")

    problems = [shown(e.value) for e in at.sidebar.error]
    assert problems, "the loader's problems should be listed"
    assert any("practices.csv" in p for p in problems)
    assert not any("Traceback" in p or "sessions/" in p for p in problems)
    assert at.session_state["region_kind"] == "demo"  # still on the demo


def test_a_refused_upload_shows_its_own_problems_not_the_last_loads_warnings(
    state_dir: Path,
) -> None:
    """The warnings of the files loaded before stayed under the new files' errors, shown
    again as if the refused files had them (and "1 warnings.")."""
    lines = (DEMO / "practices.csv").read_text().splitlines()
    header = lines[0].split(",")
    first = lines[1].split(",")
    first[header.index("list_size")] = "0"
    zero = "\n".join([lines[0], ",".join(first), *lines[2:]]) + "\n"
    boundaries = (DEMO / "ccg.geojson").read_bytes()
    at = _start()
    at.sidebar.file_uploader[0].set_value(("practices.csv", zero.encode(), "text/csv"))
    at.sidebar.file_uploader[1].set_value(("ccg.geojson", boundaries, "application/geo+json"))
    _click(at, "load_files")
    assert [shown(w.value) for w in at.sidebar.warning] == [
        "practices.csv, row 2 (Z00001): list size is 0: the practice has no registered "
        "patients — nothing to do if it is newly opened or closing; otherwise check the figure"
    ]
    assert [shown(s.value) for s in at.success] == [
        "Loaded 141 practices in 3 CCGs; geography: Voronoi catchments of surgery sites (no "
        "registrations file). 1 warning."
    ]

    repeated = "\n".join([*lines, lines[1]]) + "\n"  # no list size of 0; a repeated row
    at.sidebar.file_uploader[0].set_value(("practices.csv", repeated.encode(), "text/csv"))
    _click(at, "load_files")
    errors = [shown(e.value) for e in at.sidebar.error]
    assert len(errors) == 1 and "appears on rows 2, 143" in errors[0], errors
    assert [shown(w.value) for w in at.sidebar.warning] == []

    spaced = repeated.replace("Z00002,", "Z00 002,", 1)  # a warning of the refused file itself
    at.sidebar.file_uploader[0].set_value(("practices.csv", spaced.encode(), "text/csv"))
    _click(at, "load_files")
    warnings = [shown(w.value) for w in at.sidebar.warning]
    assert len(warnings) == 1 and "'Z00 002' has a space inside it" in warnings[0], warnings
    assert len(at.sidebar.error) == 1


def test_load_warnings_are_shown_once_then_kept_in_one_expander(state_dir: Path) -> None:
    """With all of England's files (1,529 warnings) the sidebar drew a page of 50 warning
    boxes and the text of every one on each run of the page, whatever the tab. They are
    shown open after the load, then closed in one expander that says how many there are;
    opened, the warnings about the area chosen come first, and every one stays there."""
    lines = (DEMO / "practices.csv").read_text().splitlines()
    header = lines[0].split(",")
    size, ccg = header.index("list_size"), header.index("ccg")
    rows = [line.split(",") for line in lines[1:]]
    last_ccg = sorted({r[ccg] for r in rows})[-1]
    for row in rows[:3] + [r for r in rows if r[ccg] == last_ccg][:2]:
        row[size] = "0"  # a warning naming the practice
    zeroed = [r[0] for r in rows if r[size] == "0"]
    data = "\n".join([lines[0], *(",".join(r) for r in rows)]) + "\n"
    at = _start()
    at.sidebar.file_uploader[0].set_value(("practices.csv", data.encode(), "text/csv"))
    boundaries = (DEMO / "ccg.geojson").read_bytes()
    at.sidebar.file_uploader[1].set_value(("ccg.geojson", boundaries, "application/geo+json"))
    _click(at, "load_files")
    shown_after_load = [shown(w.value) for w in at.sidebar.warning]
    assert [_practice_named(w) for w in shown_after_load] == zeroed
    at.selectbox(key="area_ccg").set_value(last_ccg).run()
    assert [w.value for w in at.warning] == []  # closed: not drawn again
    labels = [e.label for e in at.sidebar.expander]
    assert f"{len(zeroed)} warnings from loading your files" in labels
    _open_tab(at, "Export")
    assert [w.value for w in at.warning] == []
    at.session_state["load_warnings_open"] = True  # the user opens the expander
    at.run()
    opened = [shown(w.value) for w in at.sidebar.warning]
    ours = [r[0] for r in rows if r[size] == "0" and r[ccg] == last_ccg]
    assert sorted(opened) == sorted(shown_after_load)  # every warning is still there
    assert [_practice_named(w) for w in opened[: len(ours)]] == ours
    assert f"{len(ours)} warnings about the practices of the area chosen" in " ".join(
        c.value for c in at.sidebar.caption
    )


def _practice_named(warning: str) -> str:
    """The practice a warning names: ``practices.csv, row 2 (Z00001): …`` → ``Z00001``."""
    found = re.search(r"\((\w+)\):", warning)
    assert found is not None, warning
    return found.group(1)


def test_the_notice_of_one_ccgs_files_counts_in_words(state_dir: Path) -> None:
    """A CCG's own files (the usual upload) said 'Loaded 41 practices in 1 CCGs'."""
    lines = (DEMO / "practices.csv").read_text().splitlines()
    ccg = lines[0].split(",").index("ccg")
    one = [lines[0], *(line for line in lines[1:] if line.split(",")[ccg] == "E38900001")]
    at = _start()
    data = ("\n".join(one) + "\n").encode()
    at.sidebar.file_uploader[0].set_value(("practices.csv", data, "text/csv"))
    boundaries = (DEMO / "ccg.geojson").read_bytes()
    at.sidebar.file_uploader[1].set_value(("ccg.geojson", boundaries, "application/geo+json"))
    _click(at, "load_files")
    [notice] = [shown(s.value) for s in at.success]
    assert notice.startswith(f"Loaded {len(one) - 1} practices in 1 CCG; "), notice


@pytest.mark.parametrize("bad", [20, 5_000])
def test_a_file_of_many_bad_rows_shows_a_page_and_offers_them_all(
    state_dir: Path, bad: int
) -> None:
    """20,000 bad rows once drew 19,528 error boxes (47 s, then 13 s per click)."""
    at = _start()
    rows = "".join(f"B{i:05d},Bad {i},lots,52.5,-1.7\n" for i in range(bad))
    data = ("code,name,list_size,lat,lon\n" + rows).encode()
    at.sidebar.file_uploader[0].set_value(("practices.csv", data, "text/csv"))
    boundaries = (DEMO / "ccg.geojson").read_bytes()
    at.sidebar.file_uploader[1].set_value(("ccg.geojson", boundaries, "application/geo+json"))
    _click(at, "load_files")
    problems = [shown(e.value) for e in at.sidebar.error]
    assert len(problems) == min(bad, 50)
    assert all("list size 'lots' is not a number" in p for p in problems)
    downloads = [b for b in at.sidebar.download_button if "problems" in b.label]
    if bad <= 50:
        assert downloads == []
        return
    assert f"… and {bad - 50:,} more problems." in [c.value for c in at.sidebar.caption]
    [button] = downloads
    assert button.label == f"Download all {bad:,} problems (text)"
    data = _RecordingStorage.files[button.proto.url.rsplit("/", 1)[-1].split(".")[0]]
    lines = data.decode().splitlines()
    assert len(lines) == bad
    assert lines[-1].startswith(f"practices.csv, row {bad + 1} (B{bad - 1:05d}): list size")


@pytest.mark.parametrize(
    "name", ["$x$", "![x](http://example.invalid/a.png)", "**bold** <b>html</b> :red[x]"]
)
def test_names_in_notices_and_captions_stay_text(state_dir: Path, name: str) -> None:
    """A network name the user typed is escaped wherever Streamlit renders Markdown."""
    at = _start()
    practice = sorted(_plan(at).assignment)[0]
    at.multiselect(key="selected").set_value([practice]).run()
    at.selectbox(key="target").set_value("__new__").run()
    at.text_input(key="new_name").input(name).run()
    _click(at, "move")
    new = _plan(at).assignment[practice]
    (notice,) = [s.value for s in at.success]
    assert shown(notice) == f"Moved 1 practice to {name} ({new})."
    assert plain(name) in notice
    bare = re.sub(r"\\[" + re.escape(string.punctuation) + "]", "", notice)
    assert not set(bare) & set("$*![]()<>:_`")  # nothing left for Markdown to read
    caption = next(c.value for c in at.caption if c.value.startswith("Working plan"))
    assert plain(f"move {practice} to {new}") in caption


def test_uploaded_files_become_the_region(state_dir: Path) -> None:
    at = _start()
    for index, name in enumerate(
        ["practices.csv", "ccg.geojson", "stp.geojson", "patches.geojson", "current_plan.csv"]
    ):
        at.sidebar.file_uploader[index].set_value((name, (DEMO / name).read_bytes(), "text/plain"))
    _click(at, "load_files")

    assert at.session_state["region_kind"] == "upload"
    assert "Your files" in at.sidebar.markdown[0].value
    assert _plan(at) == read_plan(DEMO / "current_plan.csv")
    assert _metric(at, "Boundary crossings") == "1"  # the flawed current plan

    restored = _start(_session_id(at))  # the upload survives a refresh
    assert restored.session_state["region_kind"] == "upload"
    assert _plan(restored) == _plan(at)


def test_a_zipped_plan_export_uploads_as_the_current_plan(state_dir: Path, tmp_path: Path) -> None:
    """The plan slot takes .zip, but a zipped GeoPackage export was 'the archive holds no CSV'."""
    import zipfile

    from footprints.demo import load_demo
    from footprints.export import export_plan

    region = load_demo()
    assert region.current is not None
    export_plan(region, region.current, tmp_path / "plan.gpkg")
    packed = tmp_path / "plan.zip"
    with zipfile.ZipFile(packed, "w") as archive:
        archive.write(tmp_path / "plan.gpkg", "plan.gpkg")
    at = _start()
    for index, name in enumerate(["practices.csv", "ccg.geojson"]):
        at.sidebar.file_uploader[index].set_value((name, (DEMO / name).read_bytes(), "text/plain"))
    at.sidebar.file_uploader[list(UPLOAD_ROLES).index("plan")].set_value(
        ("plan.zip", packed.read_bytes(), "application/zip")
    )
    _click(at, "load_files")
    assert [e.value for e in at.sidebar.error] == []
    assert at.session_state["region_kind"] == "upload"
    assert _plan(at) == region.current


def test_a_failed_upload_of_a_file_of_the_same_name_leaves_the_region_at_work(
    state_dir: Path,
) -> None:
    """A practices.csv without list sizes uploaded over the one the region was read from
    failed to load, but stayed in its place: after a refresh the plan's region could not be
    loaded ('Your uploaded files could not be loaded (.../practices/practices.csv: no column
    for list_size ...)'), the edited plan shown on the demo."""
    at = _start()
    good = {"practices": "practices.csv", "boundaries": "ccg.geojson", "plan": "current_plan.csv"}
    for role, name in good.items():
        at.sidebar.file_uploader[list(UPLOAD_ROLES).index(role)].set_value(
            (name, (DEMO / name).read_bytes(), "text/plain")
        )
    _click(at, "load_files")
    practice = sorted(_plan(at).assignment)[0]
    at.multiselect(key="selected").set_value([practice]).run()
    at.selectbox(key="target").set_value("__new__").run()
    at.text_input(key="new_name").input("Mine").run()
    _click(at, "move")
    edited = _plan(at)

    bad = b"code,name\nZ00001,Dr One\n"
    at.sidebar.file_uploader[0].set_value(("practices.csv", bad, "text/csv"))
    _click(at, "load_files")
    assert any("no column for list_size" in shown(e.value) for e in at.sidebar.error)
    folder = SessionStore().upload_dir(_session_id(at))
    assert (folder / "practices" / "practices.csv").read_bytes() == (
        DEMO / "practices.csv"
    ).read_bytes()
    assert sorted(p.name for p in (folder / "practices").iterdir()) == ["practices.csv"]

    again = _start(_session_id(at))  # a refresh
    assert not [e.value for e in again.error if "could not be loaded" in e.value]
    assert again.session_state["region_kind"] == "upload"
    assert _plan(again) == edited


def test_an_upload_that_no_longer_loads_is_named_as_the_user_named_it(state_dir: Path) -> None:
    """The page named the file by its path on the server, the sessions folder and the
    plan's key: 'Your uploaded files could not be loaded (/srv/.../sessions/KEY/practices/
    practices.csv: ...)'."""
    at = _start()
    for role, name in (("practices", "practices.csv"), ("boundaries", "ccg.geojson")):
        at.sidebar.file_uploader[list(UPLOAD_ROLES).index(role)].set_value(
            (name, (DEMO / name).read_bytes(), "text/plain")
        )
    _click(at, "load_files")
    folder = SessionStore().upload_dir(_session_id(at))
    (folder / "practices" / "practices.csv").write_bytes(b"code,name\nZ00001,Dr One\n")
    again = _start(_session_id(at))
    [said] = [shown(e.value) for e in again.error if "could not be loaded" in e.value]
    assert "Your uploaded files could not be loaded (practices.csv: no column for list_size" in said
    assert str(state_dir) not in said and "sessions" not in said


def test_opening_an_uploaded_plan_reads_its_files_again_only_when_changed(
    state_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.data as data_module

    at = _start()
    for index, name in enumerate(["practices.csv", "ccg.geojson", "current_plan.csv"]):
        slot = ["practices", "boundaries", "plan"][index]
        at.sidebar.file_uploader[list(UPLOAD_ROLES).index(slot)].set_value(
            (name, (DEMO / name).read_bytes(), "text/plain")
        )
    _click(at, "load_files")
    assert at.session_state["region_kind"] == "upload"
    reads: list[Path] = []
    load = data_module.load_region_from

    def counted(paths: Mapping[str, Path], *args: Any, **kwargs: Any) -> Any:
        reads.append(paths["practices"])
        return load(paths, *args, **kwargs)

    monkeypatch.setattr(data_module, "load_region_from", counted)
    key = _session_id(at)
    opened = _start(key)  # the upload loaded the files once for the server: none read again
    assert opened.session_state["region_kind"] == "upload"
    assert _plan(opened) == _plan(at)
    assert reads == []

    folder = SessionStore().upload_dir(key)
    changed = folder / at.session_state["uploads"]["plan"]
    changed.write_bytes(changed.read_bytes() + b"\n")  # the same plan, other bytes
    again = _start(key)
    assert len(reads) == 1  # a changed file is read afresh
    assert _plan(again) == _plan(at)


def test_compare_lists_the_moved_practice_and_highlights_it(state_dir: Path) -> None:
    at = _start()
    practice, network = _border_move(at)
    at.multiselect(key="selected").set_value([practice]).run()
    at.selectbox(key="target").set_value(network).run()
    _click(at, "move")

    _open_tab(at, "Compare")
    at.radio(key="compare_with").set_value("start").run()
    assert _metric(at, "Practices moved") == "1"
    moved = next(
        d.value for d in at.dataframe if list(d.value.columns) == ["practice", "from", "to"]
    )
    assert practice in moved["practice"].iloc[0]
    at.checkbox(key="compare_show").check().run()
    assert at.session_state["map_focus"] == "compare"
    assert at.session_state["compare_moved"] == [practice]

    at.radio(key="compare_with").set_value("current").run()  # the published plan
    assert int(_metric(at, "Practices moved")) > 1


def test_moved_practices_stay_highlighted_as_edits_go_with_the_compare_tab_closed(
    state_dir: Path,
) -> None:
    """The highlight took its list from the Compare tab, drawn only while open: with the tab
    closed an undo left the undone practice highlighted (and a move highlighted only itself)."""
    at = _start()
    practice, network = _border_move(at)
    _open_tab(at, "Compare")
    at.radio(key="compare_with").set_value("start").run()
    at.checkbox(key="compare_show").check().run()
    _open_tab(at, "Populations")  # the Compare tab closed, its box still ticked

    def highlighted() -> set[str]:
        return set(at.session_state["_layers"][2][2])  # the practices the map highlights

    assert highlighted() == set()
    at.multiselect(key="selected").set_value([practice]).run()
    at.selectbox(key="target").set_value(network).run()
    _click(at, "move")
    assert highlighted() == {practice}
    _click(at, "undo")
    assert highlighted() == set()  # nothing moved since the start any more
    _click(at, "redo")
    assert highlighted() == {practice}


def test_community_trust_view_crosses_patches_and_networks(state_dir: Path) -> None:
    at = _open_tab(_start(), "Community trust view")
    table = next(d.value for d in at.dataframe if "networks worked into" in d.value.columns)
    assert len(table) == 10  # the demo's ten nursing patches
    alignment = at.session_state["_derived"]["alignment"]
    patch = sorted(alignment.patch_networks)[0]
    at.selectbox(key="trust_patch").set_value(patch).run()
    assert at.session_state["map_focus"] == "patch"
    at.radio(key="trust_measure").set_value("practices").run()
    table = next(d.value for d in at.dataframe if "networks worked into" in d.value.columns)
    assert table.drop(columns="networks worked into").to_numpy().sum() == 141


def test_a_pack_refused_for_its_size_leaves_the_other_exports(
    state_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.tabs.export as export_tab
    from footprints.errors import InfeasibleError

    def too_large(*args: object, **kwargs: object) -> list[Path]:
        raise InfeasibleError("a submission pack presents at most 10,000 practices")

    monkeypatch.setattr(export_tab, "write_pack", too_large)
    at = _open_tab(_start(), "Export")
    _click(at, "prepare_exports")
    labels = {b.label for b in at.download_button}
    assert {"Download networks.geojson", "Download plan.gpkg"} <= labels
    assert "Download submission_pack.pdf" not in labels
    errors = [shown(e.value) for e in at.error]
    assert errors == ["No submission pack: a submission pack presents at most 10,000 practices"]


def test_export_prepares_geojson_geopackage_and_the_pack(state_dir: Path) -> None:
    at = _open_tab(_start(), "Export")
    _click(at, "prepare_exports")
    labels = {b.label for b in at.download_button}
    assert "Download networks.geojson" in labels
    assert "Download plan.gpkg" in labels
    assert "Download submission_pack.pdf" in labels
    button = next(b for b in at.download_button if b.label == "Download networks.geojson")
    data = _RecordingStorage.files[button.proto.url.rsplit("/", 1)[-1].split(".")[0]]
    collection = json.loads(data)
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == int(_metric(at, "Networks"))


def test_the_pack_presents_the_area_chosen(state_dir: Path) -> None:
    """Kent and Medway out of all of England's files: the pack drew all 135 CCGs (353 s at
    load 9, a 6.7 MB PDF; North West London's past 600 s). It presents the area chosen, and
    the GeoJSON, GeoPackage and ePCN files hold the area's networks (all England's 1,250
    took about 20 s at load 8-10)."""
    at = _start()
    region = at.session_state["_derived"]["region"]
    codes = sorted(str(c) for c in region.ccgs["code"])
    at.selectbox(key="area_ccg").set_value(codes[0]).run()
    _open_tab(at, "Export")
    assert any(f"presents {_name(region, codes[0])} ({codes[0]})" in c.value for c in at.caption)
    _click(at, "prepare_exports")
    pack = _download(at, "Download submission_pack.html").decode()
    assert f"({codes[0]})" in pack
    assert all(f"({c})" not in pack for c in codes[1:])
    networks = json.loads(_download(at, "Download networks.geojson"))
    ccg_of = dict(zip(region.practices["code"], region.practices["ccg"], strict=True))
    plan = _plan(at)
    ours = {n for p, n in plan.assignment.items() if ccg_of.get(p) == codes[0]}
    assert len(ours) < len(plan.networks())
    # the area's networks, whole, with every practice of theirs (Kent's out of 1,250)
    assert {f["properties"]["network_id"] for f in networks["features"]} == ours
    practices = json.loads(_download(at, "Download networks_practices.geojson"))
    assert {f["properties"]["network_id"] for f in practices["features"]} == ours
    assert len(practices["features"]) == sum(n in ours for n in plan.assignment.values())
    assert any(
        f"hold the {len(ours)} networks with a practice in it" in c.value for c in at.caption
    )


def test_prepared_files_are_not_offered_after_another_area_or_band(state_dir: Path) -> None:
    """The files were kept per plan: after choosing another area the Export tab still
    offered the previous area's pack (and after another band, files checked against the
    old band). They are offered only for the plan, area and band they were written for."""
    at = _start()
    region = at.session_state["_derived"]["region"]
    first, second = sorted(str(c) for c in region.ccgs["code"])[:2]
    at.selectbox(key="area_ccg").set_value(first).run()
    _open_tab(at, "Export")
    _click(at, "prepare_exports")
    assert f"({first})" in _download(at, "Download submission_pack.html").decode()
    at.selectbox(key="area_ccg").set_value(second).run()
    assert not any(b.label.startswith("Download submission") for b in at.download_button)
    assert not any(b.label == "Download networks.geojson" for b in at.download_button)
    assert any("another area was chosen" in c.value for c in at.caption)
    _click(at, "prepare_exports")
    pack = _download(at, "Download submission_pack.html").decode()
    assert f"({second})" in pack and f"({first})" not in pack
    at.number_input(key="band_min").set_value(20_000).run()
    assert not any(b.label.startswith("Download submission") for b in at.download_button)
    assert any("population band changed" in c.value for c in at.caption)
    at.number_input(key="band_min").set_value(30_000).run()  # back as prepared: offered again
    assert any(b.label == "Download submission_pack.html" for b in at.download_button)


def _name(region: Any, code: str) -> str:
    return str(region.ccgs.set_index("code").loc[code, "name"])


def _download(at: AppTest, label: str) -> bytes:
    button = next(b for b in at.download_button if b.label == label)
    return _RecordingStorage.files[button.proto.url.rsplit("/", 1)[-1].split(".")[0]]


def test_typed_codes_select_exactly_those_and_a_move_clears_the_selection(
    state_dir: Path,
) -> None:
    at = _start()
    plan = _plan(at)
    first, second = sorted(plan.assignment)[:2]
    at.text_input(key="typed_codes").input(f"{first.lower()}, {second} ZZZ999").run()
    assert list(at.session_state["selected"]) == [first, second]
    assert any("ZZZ999" in e.value for e in at.error)  # the unknown code is named
    target = next(n for n in plan.networks() if n not in {plan.assignment[first]})
    at.selectbox(key="target").set_value(target).run()
    _click(at, "move")
    assert _plan(at).assignment[first] == target
    assert list(at.session_state["selected"]) == []  # the next pick starts afresh


def test_typed_codes_whose_callback_was_lost_still_select(state_dir: Path) -> None:
    """Codes typed while a run was cut short reach the page without their callback."""
    at = _start()
    first = sorted(_plan(at).assignment)[0]
    at.session_state["typed_codes"] = f"{first} ZZZ999"  # the value, no on_change
    at.run()
    assert list(at.session_state["selected"]) == [first]
    assert any("ZZZ999" in e.value for e in at.error)  # said on this run, not a later one
    at.run()
    assert list(at.session_state["selected"]) == [first]
    assert not any("ZZZ999" in e.value for e in at.error)  # taken once


def test_menus_list_only_the_area_chosen(state_dir: Path) -> None:
    at = _start()
    ccg = _first_ccg(at)
    at.selectbox(key="area_ccg").set_value(ccg).run()
    region = at.session_state["_derived"]["region"]
    inside = set(region.practices.loc[region.practices["ccg"] == ccg, "code"])
    plan = _plan(at)
    networks = {plan.assignment[c] for c in inside}
    assert set(at.selectbox(key="target").options) - {"➕ a new network…"} == {
        at.session_state["_derived"]["plan"].network_name(n)
        if plan.network_name(n) == n
        else f"{plan.network_name(n)} ({n})"
        for n in networks
    }
    assert len(at.multiselect(key="selected").options) == len(inside)
    assert at.query_params["area"] in (ccg, [ccg])  # a link opens the same area
    again = _start(_session_id(at))
    assert again.session_state["area_ccg"] == ccg


def test_rename_and_waiver_are_kept_through_save_and_export(state_dir: Path) -> None:
    at = _start()
    report = at.session_state["_derived"]["report"]
    network = next(n for v in report.violations if v.rule == "band" for n in v.networks)
    at.selectbox(key="lock_network").set_value(network).run()
    at.text_input(key="rename_to").input("St Mary's Island PCN").run()
    _click(at, "rename")
    assert _plan(at).network_name(network) == "St Mary's Island PCN"
    at.text_area(key="waiver_reason").input("One practice of 61,089 patients").run()
    _click(at, "record_waiver")
    assert _plan(at).waivers == {network: "One practice of 61,089 patients"}

    restored = _start(_session_id(at))  # saved with the session
    assert _plan(restored).network_name(network) == "St Mary's Island PCN"
    assert _plan(restored).waivers == {network: "One practice of 61,089 patients"}
    _open_tab(restored, "Export")
    csv = _download(restored, "Download the plan (CSV)").decode()
    assert csv.splitlines()[0] == "practice_code,network_id,network_name,waiver_reason"
    assert f'{network},St Mary\'s Island PCN,"One practice of 61,089 patients"' in csv


def test_settings_are_kept_without_an_edit(state_dir: Path) -> None:
    at = _start()
    at.number_input(key="band_min").set_value(28_000).run()
    restored = _start(_session_id(at))
    assert restored.session_state["band_min"] == 28_000


def test_a_stale_tab_is_told_and_merges_its_edits(state_dir: Path) -> None:
    first = _start()
    session = _session_id(first)
    second = _start(session)  # the same session in another tab
    plan = _plan(first)
    practices = sorted(plan.assignment)
    one, two = practices[0], practices[-1]
    to_one = next(n for n in plan.networks() if n != plan.assignment[one])
    to_two = next(n for n in plan.networks() if n != plan.assignment[two])

    first.multiselect(key="selected").set_value([one]).run()
    first.selectbox(key="target").set_value(to_one).run()
    _click(first, "move")

    second.multiselect(key="selected").set_value([two]).run()
    second.selectbox(key="target").set_value(to_two).run()
    _click(second, "move")
    assert any("saved from another tab" in shown(w.value) for w in second.warning)
    saved = _saved(session)
    assert saved.working.plan.assignment[one] == to_one  # nothing overwritten
    assert saved.working.plan.assignment[two] == plan.assignment[two]

    _click(second, "stale_merge")
    merged = _plan(second)
    assert merged.assignment[one] == to_one and merged.assignment[two] == to_two
    assert not any("saved from another tab" in shown(w.value) for w in second.warning)
    saved = _saved(session)
    assert saved.working.plan == merged


def _crossing_files(paths: Mapping[str, Path], *extra: str) -> dict[str, Path]:
    """The upload of :func:`write_crossing_inputs`' files by role, with ``extra`` roles."""
    files = {
        "practices": paths["practices"],
        "boundaries": paths["ccg"],
        "plan": paths["plan"],
        "registrations": paths["registrations"],
        "lsoa_boundaries": paths["lsoa"],
    }
    return files | {role: paths[role] for role in extra}


def _upload(at: AppTest, files: dict[str, Path]) -> AppTest:
    """Put each file in the uploader of its role, then press *Load these files*."""
    roles = list(UPLOAD_ROLES)
    for role, path in files.items():
        uploader = at.sidebar.file_uploader[roles.index(role)]
        uploader.set_value((path.name, path.read_bytes(), "application/octet-stream"))
    return _click(at, "load_files")


def test_uploaded_registrations_put_the_plan_on_patients_homes(
    state_dir: Path, tmp_path: Path
) -> None:
    """tests/test_region_homes.py's grid: N1 = A1, A2 (CCG A); N2 = B1, B2 (CCG B); 50 of
    A1's 1,000 patients live in B1's LSOA; two local authority districts as patches."""
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    paths = write_crossing_inputs(inputs)
    paths["patches"] = inputs / "districts.geojson"
    ccgs = gpd.read_file(paths["ccg"]).sort_values("CCG20CD")  # the districts: the CCGs' outlines
    districts = gpd.GeoDataFrame(
        {"LAD20CD": ["E09000001", "E09000002"], "LAD20NM": ["West", "East"]},
        geometry=list(ccgs.geometry),
        crs=ccgs.crs,
    )
    districts.to_file(paths["patches"])
    at = _upload(_start(), _crossing_files(paths, "patches"))
    assert not at.sidebar.error, [e.value for e in at.sidebar.error]
    assert at.session_state["region"].geography == "registrations"
    said = "eography: where patients live (registrations.csv; 1 practice on the Voronoi fallback)"
    assert any(said in shown(s.value) for s in at.success)  # the notice
    assert any(shown(c.value) == "G" + said for c in at.caption)  # the headline
    assert _metric(at, "Containment") == f"{(1_950 + 1_500) / 3_500:.0%}"
    assert _metric(at, "Territory split") == "0"

    # A click on A1's marker: its LSOAs shaded, 50 of its patients in South's territory
    site = gpd.GeoSeries([shapely.Point(X0 + 500, Y0 + 500)], crs=BNG).to_crs(WGS84).iloc[0]
    at.session_state["map"] = {"last_object_clicked": {"lat": site.y, "lng": site.x}}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["homes_practice"] == "A1"
    assert at.session_state["selected"] == ["A1"]
    where = next(shown(c.value) for c in at.caption if "Where the patients of" in c.value)
    assert where.startswith("Where the patients of Alpha (A1) live: 1,000 patients in 3 LSOAs")
    assert "50 of them (5%) live in another network's territory: South (N2) 50." in where
    _click(at, "hide_homes")
    assert "homes_practice" not in at.session_state
    assert not any("Where the patients of" in c.value for c in at.caption)

    # The trust view counts homes: East holds A1's 50 and B1's 900 + B2's 600 patients
    _open_tab(at, "Community trust view")
    table = next(d.value for d in at.dataframe if "networks worked into" in d.value.columns)
    east = table.loc["East (E09000002)"]
    assert (east["North (N1)"], east["South (N2)"]) == (50, 1_500)
    assert table.loc["West (E09000001)", "North (N1)"] == 1_950
    stand_in = "local authority polygons stand in for nursing patches"
    assert any(stand_in in c.value for c in at.caption)


def _click_on_map(at: AppTest, practice: str) -> AppTest:
    """Click the practice's marker, as the map reports it (its site, tooltip, click count)."""
    region = at.session_state["_derived"]["region"]
    site = region.practices.set_index("code").geometry[practice]
    point = gpd.GeoSeries([site], crs=BNG).to_crs(WGS84).iloc[0]
    seen = at.session_state["map"] if "map" in at.session_state else None  # noqa: SIM401 - no .get
    count = (seen or {}).get("last_object_clicked_count") or 0
    at.session_state["map"] = {
        "last_object_clicked": {"lat": point.y, "lng": point.x},
        "last_object_clicked_tooltip": f"Some practice ({practice})list size 1,000",
        "last_object_clicked_count": count + 1,
    }
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_paint_mode_moves_each_practice_clicked_to_the_active_network(
    state_dir: Path,
) -> None:
    at = _start()
    plan = _plan(at)
    first = sorted(plan.assignment)[0]
    network = next(n for n in sorted(plan.networks()) if n != plan.assignment[first])
    second = next(p for p in sorted(plan.assignment)[1:] if plan.assignment[p] != network)
    at.toggle(key="paint").set_value(True).run()
    at.selectbox(key="paint_network").set_value(network).run()
    _click_on_map(at, first)
    assert _plan(at).assignment[first] == network
    assert list(at.session_state["selected"]) == []
    _click_on_map(at, second)
    assert _plan(at).assignment[second] == network
    assert at.session_state["working"].pointer == 2  # two undoable steps
    _click(at, "undo")
    assert _plan(at).assignment[second] == plan.assignment[second]
    # Out of paint mode a click selects, and moves nothing.
    at.toggle(key="paint").set_value(False).run()
    _click_on_map(at, second)
    assert list(at.session_state["selected"]) == [second]
    assert _plan(at).assignment[second] == plan.assignment[second]


def test_a_click_on_a_footprint_chooses_that_network(state_dir: Path) -> None:
    at = _start()
    facts = at.session_state["_derived"]
    shape = facts["footprints"].iloc[3]
    inside = gpd.GeoSeries([shape.geometry.representative_point()], crs=BNG).to_crs(WGS84)
    at.session_state["map"] = {"last_object_clicked": {"lat": inside.y[0], "lng": inside.x[0]}}
    at.run()
    assert at.session_state["lock_network"] == shape["network_id"]
    _click(at, "lock_toggle")  # the lock toggle acts on it
    assert at.session_state["working"].locks == {shape["network_id"]}


def test_upload_errors_speak_the_app_and_recognise_a_file_in_the_wrong_slot(
    state_dir: Path,
) -> None:
    at = _start()
    two_sizes = (
        b"code,name,lat,lon,list_size_2020_01,list_size_2021_01\nZ1,Dr One,52.2,-1.7,1000,1100\n"
    )
    at.sidebar.file_uploader[0].set_value(("practices.csv", two_sizes, "text/csv"))
    at.sidebar.file_uploader[1].set_value(("stp.geojson", (DEMO / "stp.geojson").read_bytes(), ""))
    _click(at, "load_files")
    problems = " ".join(shown(e.value) for e in at.sidebar.error)
    assert (
        "practices.csv has 2 list-size columns (list_size_2020_01, list_size_2021_01): choose "
        "the one to plan with under List-size column"
    ) in problems.replace("*", "")
    assert "columns=" not in problems

    at.sidebar.file_uploader[0].set_value(
        ("practices.csv", (DEMO / "practices.csv").read_bytes(), "")
    )
    _click(at, "load_files")
    problems = " ".join(shown(e.value) for e in at.sidebar.error)
    assert "stp.geojson: this looks like STP / ICB boundaries" in problems
    assert "load it as the STP / ICB boundaries instead" in problems
    assert at.session_state["region_kind"] == "demo"


def test_compare_draws_both_plans_side_by_side(state_dir: Path) -> None:
    at = _start()
    practice, network = _border_move(at)
    at.multiselect(key="selected").set_value([practice]).run()
    at.selectbox(key="target").set_value(network).run()
    _click(at, "move")
    _open_tab(at, "Compare")
    at.radio(key="compare_with").set_value("start").run()
    at.checkbox(key="compare_maps").check().run()
    assert not at.exception, [e.value for e in at.exception]
    maps = [str(c.proto) for c in at.get("component_instance") if "st_folium" in str(c.proto)]
    assert len(maps) == 2  # the live map, and the two plans side by side
    dual = next(m for m in maps if "map_div2" in m)  # streamlit-folium's second map
    assert dual.count("footprints-label") >= 2  # labels on each side


def test_least_change_reoptimises_with_the_fewest_moves_and_shows_the_curve(
    state_dir: Path,
) -> None:
    """The optimiser panel puts least change first: the curve and the moves show in results."""
    at = _start()
    assert at.button(key="use_current") is not None
    _click(at, "use_current")  # the demo's current plan, with flaws planted in it
    before = _plan(at)
    ccg = _first_ccg(at)
    at.selectbox(key="area_ccg").set_value(ccg).run()
    at.number_input(key="time_limit").set_value(20.0).run()
    at.radio(key="put_first").set_value("least change").run()
    _click(at, "reoptimise")
    _finish_optimiser(at)

    result = at.session_state["results"][ccg]
    fewest = result.priorities[0]
    assert fewest.name == "moves"
    after = _plan(at)
    moved = [p for p in result.assignment if after.assignment[p] != before.assignment.get(p)]
    assert {m.practice for m in result.moved} == set(moved)  # each with its reason
    _open_tab(at, "Optimiser results")
    # A practice over the maximum split off its network is forced, not a move chosen.
    assert fewest.value == result.moves == sum(m.reason != "forced" for m in result.moved)
    assert result.curve[0].budget_from == 0 and result.curve[-1].budget_to == fewest.value
    curve = next(d.value for d in at.dataframe if "most moves" in d.value.columns)
    assert len(curve) == len(result.curve)
    assert list(curve["hard networks"]) == [f"{c.hard_networks:,}" for c in result.curve]
    assert any("What change buys — " in h.value and ccg in h.value for h in at.subheader)
    # the curve as a chart too: moves across, hard / out of band / in band networks up
    charts = [str(c.proto) for c in at.get("vega_lite_chart")]
    assert any("most practices moved" in c and "hard networks" in c for c in charts)
    for move in result.moved:
        assert any(move.practice in m.value for m in at.markdown)

    # A fresh proposal changes everything: least change does not apply, nesting does.
    at.radio(key="put_first").set_value("nest in patches").run()
    _click(at, "propose")
    _finish_optimiser(at)
    result = at.session_state["results"][ccg]
    assert [p.name for p in result.priorities][:1] == ["straddling networks"]
    assert not result.curve


def test_the_maps_layers_are_drawn_again_only_when_what_they_show_changes(
    state_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every run drew the plan's layers afresh, also a run that changed nothing on the map
    (a network chosen in a menu): 0.1–0.3 s a run on Kent and Medway with registrations."""
    import app.live_map

    drawn: list[Plan] = []
    draw = app.live_map.plan_layers

    def counted(area: Any, plan: Plan, *args: Any, **kwargs: Any) -> Any:
        drawn.append(plan)
        return draw(area, plan, *args, **kwargs)

    monkeypatch.setattr(app.live_map, "plan_layers", counted)
    at = _start()
    plan = _plan(at)
    practice = sorted(plan.assignment)[0]
    target = next(n for n in sorted(plan.networks()) if n != plan.assignment[practice])
    at.multiselect(key="selected").set_value([practice]).run()  # the selection is ringed
    assert len(drawn) == 2
    at.selectbox(key="target").set_value(target).run()  # nothing on the map changes
    at.run()
    assert len(drawn) == 2
    _click(at, "move")  # the plan changes: drawn again, with the practice in its new network
    assert len(drawn) == 3
    assert drawn[-1].assignment[practice] == target
    _click(at, "lock_toggle")  # a lock is drawn (dashed, with a padlock in the label)
    assert len(drawn) == 4


def test_the_practice_labels_read_the_practices_once_a_run(
    state_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Labelling every practice read the session state's practice table once per practice
    (several reads of the state each) on every run of the page."""
    import app.labels

    reads: list[int] = []
    read = app.labels.practice_info

    def counted() -> Any:
        reads.append(1)
        return read()

    monkeypatch.setattr(app.labels, "practice_info", counted)
    at = _open_tab(_start(), "Compare")
    plan = _plan(at)
    reads.clear()
    at.run()
    moved = len(at.session_state["compare_moved"])  # the Compare tab names each moved one
    assert len(reads) <= 1 + moved < len(plan.assignment)  # not once per practice as well
    practice = sorted(plan.assignment)[0]
    network = plan.assignment[practice]
    name = at.session_state["_practice_info"][practice]["name"]
    label = f"{name} ({practice}) — {plan.network_name(network)}"
    assert label in at.multiselect(key="selected").options


def test_the_populations_chart_is_built_once_per_plan(
    state_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Populations tab built its chart (Altair) again on every run of the page."""
    import altair as alt

    charts: list[object] = []
    chart = alt.Chart

    def counted(*args: Any, **kwargs: Any) -> Any:
        charts.append(args[0] if args else None)
        return chart(*args, **kwargs)

    at = _start()
    monkeypatch.setattr(alt, "Chart", counted)
    at.run()
    assert charts == []  # the same plan: the chart as built before
    practice = sorted(_plan(at).assignment)[0]
    at.multiselect(key="selected").set_value([practice]).run()
    assert charts == []  # a selection changes no population
    at.selectbox(key="target").set_value("__new__").run()
    _click(at, "move")
    assert len(charts) == 2  # the bars and the band's lines, for the new plan
    assert len(at.get("vega_lite_chart")) == 1  # still drawn


def test_the_trust_views_table_is_counted_once_per_plan_and_measure(
    state_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Community trust view counted the patch x network table on every run of the page."""
    import app.tabs.trust

    counted: list[str] = []
    count = app.tabs.trust.patch_network_table

    def spy(plan: Plan, graph: Any, *, measure: str = "patients") -> Any:
        counted.append(measure)
        return count(plan, graph, measure=measure)  # type: ignore[arg-type]

    monkeypatch.setattr(app.tabs.trust, "patch_network_table", spy)
    at = _open_tab(_start(), "Community trust view")
    counted.clear()
    practice = sorted(_plan(at).assignment)[0]
    at.multiselect(key="selected").set_value([practice]).run()
    assert counted == []  # a selection changes no count
    at.radio(key="trust_measure").set_value("practices").run()
    assert counted == ["practices"]
    at.radio(key="trust_measure").set_value("patients").run()
    at.selectbox(key="target").set_value("__new__").run()
    _click(at, "move")
    assert counted == ["practices", "patients", "patients"]  # the new plan counted
    table = next(d.value for d in at.dataframe if "networks worked into" in d.value.columns)
    assert table.drop(columns="networks worked into").to_numpy().sum() == sum(
        at.session_state["_practice_info"][p]["list_size"] for p in _plan(at).assignment
    )


def test_an_edit_draws_only_the_open_tab_and_the_closed_tabs_keep_their_choices(
    state_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every run of the page drew all six tabs under the map, though one shows: an edit on
    the map counted the trust view's table, compared the plans and read the versions."""
    import app.tabs.compare
    import app.tabs.trust

    counted: list[str] = []
    compared: list[object] = []
    count, compare = app.tabs.trust.patch_network_table, app.tabs.compare.diff_plans

    def count_spy(plan: Plan, graph: Any, *, measure: str = "patients") -> Any:
        counted.append(measure)
        return count(plan, graph, measure=measure)  # type: ignore[arg-type]

    def compare_spy(*args: Any, **kwargs: Any) -> Any:
        compared.append(args[1])
        return compare(*args, **kwargs)

    monkeypatch.setattr(app.tabs.trust, "patch_network_table", count_spy)
    monkeypatch.setattr(app.tabs.compare, "diff_plans", compare_spy)
    at = _open_tab(_start(), "Community trust view")
    at.radio(key="trust_measure").set_value("practices").run()
    _open_tab(at, "Populations")
    counted.clear()
    practice = sorted(_plan(at).assignment)[0]
    at.multiselect(key="selected").set_value([practice]).run()
    at.selectbox(key="target").set_value("__new__").run()
    _click(at, "move")
    assert counted == [] and compared == []  # the closed tabs are not drawn
    assert len(at.get("vega_lite_chart")) == 1  # the open one is
    assert not any("networks worked into" in d.value.columns for d in at.dataframe)
    _open_tab(at, "Community trust view")
    assert at.radio(key="trust_measure").value == "practices"  # kept while its tab was closed
    assert counted == ["practices"]  # the moved plan, counted when its tab opens
    table = next(d.value for d in at.dataframe if "networks worked into" in d.value.columns)
    assert table.drop(columns="networks worked into").to_numpy().sum() == len(_plan(at))


def test_a_click_on_a_covered_marker_after_another_action_chooses_the_one_on_top(
    state_dir: Path, tmp_path: Path
) -> None:
    """The practice a marker's last click chose was remembered across other actions: a fresh
    click on that marker, after choosing another practice or hiding the homes, went on to
    the practice under it instead of the one clicked."""
    paths = write_crossing_inputs(tmp_path)
    text = paths["practices"].read_text(encoding="utf-8")
    text = text.replace(f"A2,Beta,1000,{X0 + 2500},", f"A2,Beta,1000,{X0 + 530},")
    paths["practices"].write_text(text, encoding="utf-8")  # Beta 30 m from Alpha
    at = _upload(_start(), _crossing_files(paths))
    site = gpd.GeoSeries([shapely.Point(X0 + 500, Y0 + 500)], crs=BNG).to_crs(WGS84).iloc[0]
    clicks = iter(range(1, 10))

    def click_on_alpha() -> list[str]:  # Beta's marker is on top: its tooltip comes back
        at.session_state["map"] = {
            "last_object_clicked": {"lat": site.y, "lng": site.x},
            "last_object_clicked_tooltip": "Beta (A2)list size 1,000",
            "last_object_clicked_count": next(clicks),
        }
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return list(at.session_state["selected"])

    assert click_on_alpha() == ["A2"]
    at.multiselect(key="selected").set_value(["B1"]).run()  # another practice chosen
    assert click_on_alpha() == ["A2"]  # the marker clicked, not the one under it
    assert click_on_alpha() == ["A1"]  # clicked again: the one under it
    assert click_on_alpha() == ["A2"]  # and round again
    _click(at, "hide_homes")
    assert click_on_alpha() == ["A2"]  # afresh once its homes are hidden, not A1's turn
    assert at.session_state["homes_practice"] == "A2"


def test_the_lsoa_layer_is_read_once_across_uploads_and_afresh_when_it_changes(
    state_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every upload read the national LSOA boundaries again (about 10 s for England's), also
    when only the practices changed or another session uploaded the same layer."""
    import app.data
    import footprints.region

    read: list[str] = []
    reader = footprints.region.read_lsoa_boundaries

    def counted(path: Any, **kwargs: Any) -> Any:
        read.append(Path(path).read_text(encoding="utf-8"))
        return reader(path, **kwargs)

    monkeypatch.setattr(footprints.region, "read_lsoa_boundaries", counted)
    app.data._lsoa_layer.clear()  # another test's upload of the same layer is kept
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    paths = write_crossing_inputs(inputs)
    files = _crossing_files(paths)
    first = _upload(_start(), files)
    second = _upload(_start(), files)  # another session: its own folder, the same layer
    assert len(read) == 1
    layer = first.session_state["region"].lsoas
    assert second.session_state["region"].lsoas is layer
    assert second.session_state["region"] is not first.session_state["region"]

    # The same file name with another content: read afresh, never the layer kept before.
    collection = json.loads(paths["lsoa"].read_text(encoding="utf-8"))
    gone = collection["features"].pop()["properties"]["LSOA11CD"]  # an LSOA left out
    changed = inputs / "changed"
    changed.mkdir()
    (changed / paths["lsoa"].name).write_text(json.dumps(collection), encoding="utf-8")
    third = _upload(_start(), {**files, "lsoa_boundaries": changed / paths["lsoa"].name})
    assert len(read) == 2
    assert gone not in set(third.session_state["region"].lsoas.codes)
    assert gone in set(layer.codes)


def test_the_registrations_file_is_read_once_across_uploads_and_afresh_when_it_changes(
    state_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every upload read the registrations file again (about 4 s for England's), also when
    only the practices changed or another session uploaded the same file."""
    import app.data
    import footprints.region

    read: list[str] = []
    reader = footprints.region.read_lsoa_registrations

    def counted(path: Any) -> Any:
        read.append(Path(path).read_text(encoding="utf-8"))
        return reader(path)

    monkeypatch.setattr(footprints.region, "read_lsoa_registrations", counted)
    monkeypatch.setattr(app.data, "read_lsoa_registrations", counted)
    app.data._registrations.clear()  # another test's upload of the same file is kept
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    paths = write_crossing_inputs(inputs)
    with paths["registrations"].open("a", encoding="utf-8") as file:
        file.write("TOTAL,,,3100\n")  # a row of sums: a warning the upload shows
    files = _crossing_files(paths)
    first = _upload(_start(), files)
    others = inputs / "others.csv"  # other practices: B2 left out
    others.write_text(paths["practices"].read_text(encoding="utf-8").rsplit("B2,", 1)[0])
    second = _upload(_start(), {**files, "practices": others})  # another session too
    assert len(read) == 1
    regions = [at.session_state["region"] for at in (first, second)]
    assert "B2" not in set(regions[1].practices["code"])
    assert regions[1].registrations.counts is regions[0].registrations.counts
    for at in (first, second):  # each upload says the warning, naming its own file
        (warning,) = [w for w in at.session_state["upload_warnings"] if "of sums" in w]
        assert warning.startswith(f"{paths['registrations'].name}: 1 row of sums")
    sources = [Path(r.registrations.source) for r in regions]
    assert sources[0] != sources[1] and sources[1].parent.parent == SessionStore().upload_dir(
        _session_id(second)
    )

    # The same file name with another content: read afresh, never the counts kept before.
    changed = inputs / "changed"
    changed.mkdir()
    text = paths["registrations"].read_text(encoding="utf-8").replace(",600\n", ",500\n")
    (changed / paths["registrations"].name).write_text(text, encoding="utf-8")
    third = _upload(_start(), {**files, "registrations": changed / paths["registrations"].name})
    assert len(read) == 2
    counts = third.session_state["region"].registrations.counts
    assert counts["patients"].sum() == regions[0].registrations.counts["patients"].sum() - 100


def test_the_pages_facts_compute_the_plans_territories_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page's facts computed the territories twice per plan (about 12 ms each on a CCG
    of 200 practices): once for the territory rule, once for the measures and the map."""
    from app.facts import compute
    from footprints.region import load_region
    from footprints.registration import Homes
    from footprints.rules import validate

    paths = write_crossing_inputs(tmp_path)
    region = load_region(
        paths["practices"],
        paths["ccg"],
        registrations=paths["registrations"],
        lsoa_boundaries=paths["lsoa"],
    )
    computed: list[Mapping[str, str]] = []
    territories = Homes.territories

    def counted(self: Homes, assignment: Mapping[str, str], **kwargs: Any) -> Any:
        computed.append(dict(assignment))
        return territories(self, assignment, **kwargs)

    monkeypatch.setattr(Homes, "territories", counted)
    split = Plan({"A1": "N1", "A2": "N2", "B1": "N1", "B2": "N2"})  # territories in pieces
    for plan in (read_plan(paths["plan"]), split):
        computed.clear()
        facts = compute(plan, Band(), region)
        assert computed == [dict(plan.assignment)]  # once, for the rule and the measures
        assert facts["report"] == validate(plan, region.validation_graph)  # as computed afresh
        assert facts["territories"] is not None


def test_a_practice_whose_marker_another_covers_is_chosen_by_clicking_again(
    state_dir: Path, tmp_path: Path
) -> None:
    """Kent's G82117 could not be clicked: G82128's marker, 30 m away, is drawn over it and
    the browser reports the marker on top, so every click chose G82128."""
    paths = write_crossing_inputs(tmp_path)
    text = paths["practices"].read_text(encoding="utf-8")
    text = text.replace(f"A2,Beta,1000,{X0 + 2500},", f"A2,Beta,1000,{X0 + 530},")
    paths["practices"].write_text(text, encoding="utf-8")  # Beta 30 m from Alpha
    files = _crossing_files(paths)
    at = _upload(_start(), files)
    site = gpd.GeoSeries([shapely.Point(X0 + 500, Y0 + 500)], crs=BNG).to_crs(WGS84).iloc[0]

    def click_on_alpha(count: int) -> None:  # Beta's marker is on top: its tooltip comes back
        at.session_state["map"] = {
            "last_object_clicked": {"lat": site.y, "lng": site.x},
            "last_object_clicked_tooltip": "Beta (A2)list size 1,000",
            "last_object_clicked_count": count,
        }
        at.run()
        assert not at.exception, [e.value for e in at.exception]

    click_on_alpha(1)
    assert at.session_state["selected"] == ["A2"] and at.session_state["homes_practice"] == "A2"
    (said,) = [shown(s.value) for s in at.success if "within 50 m" in s.value]
    assert "chose Beta (A2); click the marker again for Alpha (A1)" in said
    click_on_alpha(2)  # the same marker again: the practice under it
    assert at.session_state["selected"] == ["A1"] and at.session_state["homes_practice"] == "A1"
    assert any("Where the patients of Alpha (A1) live" in shown(c.value) for c in at.caption)
    click_on_alpha(3)  # and round again
    assert at.session_state["selected"] == ["A2"]
