"""Sharing a plan in the app through AppTest: links with exactly their rights, revoked links.

A view link's page has no editing widget, and an edit forced on it anyway is refused by the
store (nothing is saved; the page shows the plan as stored). A link opens its own plan and
nothing of another's.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from test_app import (
    _border_move,
    _click,
    _download,
    _open_tab,
    _plan,
    _saved,
    _session_id,
    _start,
    state_dir,
)
from test_region_homes import write_crossing_inputs

from app.markdown import shown
from app.tabs import TABS
from footprints.cli import main
from footprints.io import read_plan
from footprints.session import WorkingPlan
from footprints.store import Store
from footprints.store.sessions import open_app_plan

pytestmark = pytest.mark.slow

__all__ = ["state_dir"]  # the fixture, used by name

_EDITING_KEYS = (
    "move",
    "undo",
    "redo",
    "lock_toggle",
    "rename",
    "propose",
    "reoptimise",
    "load_files",
    "make_view_link",
    "make_edit_link",
    "make_comment_link",
    "stale_merge",
)


def _keys(at: AppTest) -> set[str]:
    """The keys of every widget on the page (the sidebar's included)."""
    keys: set[str] = set()
    for kind in ("button", "text_input", "text_area", "multiselect", "toggle", "number_input"):
        for widget in [*getattr(at, kind), *getattr(at.sidebar, kind)]:
            if widget.key:
                keys.add(str(widget.key))
    return keys


def _keys_of_every_tab(at: AppTest) -> set[str]:
    """The keys of every widget on the page, each tab under the map opened in turn."""
    keys: set[str] = set()
    for label in TABS:
        keys |= _keys(_open_tab(at, label))
    return keys


def _make_link(owner: AppTest, permission: str) -> str:
    """Press the owner's *View link* or *Edit link*; return the token the page shows once."""
    _click(owner, f"make_{permission}_link")
    (url,) = [c.value for c in owner.sidebar.code if "?link=" in c.value]
    token = url.split("?link=", 1)[1]
    assert len(token) == 43  # secrets.token_urlsafe(32)
    owner.run()
    assert not [c for c in owner.sidebar.code if "?link=" in c.value]  # shown only once
    return token


def _moved(at: AppTest) -> tuple[str, str, WorkingPlan]:
    practice, network = _border_move(at)
    working = WorkingPlan(_plan(at))
    working.move([practice], network)
    return practice, network, working


def test_a_view_link_shows_the_plan_with_no_way_to_edit_it(state_dir: Path) -> None:
    owner = _start()
    key = _session_id(owner)
    token = _make_link(owner, "view")
    visitor = _start(token, param="link")
    assert _plan(visitor) == _plan(owner)
    assert any("Opened a shared plan to view" in shown(s.value) for s in visitor.success)
    keys = _keys_of_every_tab(visitor)
    assert not set(_EDITING_KEYS) & keys, set(_EDITING_KEYS) & keys
    assert "prepare_exports" in keys  # the pack can be downloaded
    assert "plan" not in visitor.query_params  # the plan's key is not shown to the visitor
    assert not any(key in shown(c.value) for c in visitor.caption)

    # A forged edit: the tab's plan changed behind the page, then a save is triggered.
    practice, network, working = _moved(visitor)
    visitor.session_state["working"] = working
    area = visitor.selectbox(key="area_stp")
    code = area.options[-1].rsplit("(", 1)[1].rstrip(")")  # "Name (E54000001)"
    area.set_value(code).run()
    assert any("Nothing was saved" in shown(e.value) for e in visitor.error)
    assert _saved(key).version == 1  # the store refused: no version was made
    assert _plan(visitor).assignment[practice] != network  # the page shows the plan stored

    # The owner's page lists the link; an edit link lets its holder save.
    edit_token = _make_link(owner, "edit")
    editor = _start(edit_token, param="link")
    assert "move" in _keys(editor)
    practice, network = _border_move(editor)
    editor.multiselect(key="selected").set_value([practice]).run()
    editor.selectbox(key="target").set_value(network).run()
    _click(editor, "move")
    assert _saved(key).working.plan.assignment[practice] == network
    assert "plan" not in editor.query_params


def test_a_revoked_link_stops_working_with_a_clear_message(state_dir: Path) -> None:
    owner = _start()
    token = _make_link(owner, "view")
    visitor = _start(token, param="link")
    (revoke,) = [b for b in owner.sidebar.button if str(b.key).startswith("revoke_link_")]
    revoke.click().run()
    assert any("Revoked link" in shown(s.value) for s in owner.success)

    visitor.run()  # the open tab stops at its next run
    assert any("no longer opens a plan" in shown(e.value) for e in visitor.error)
    assert not visitor.metric  # the page stopped: no plan shown
    again = _start(token, param="link")  # and the link opens nothing afresh
    said = [shown(e.value) for e in again.error]
    assert any("was revoked" in e for e in said), said
    assert "working" not in again.session_state  # no plan was made for it
    nonsense = _start("x" * 43, param="link")
    assert any("mistyped" in shown(e.value) for e in nonsense.error)


def test_a_link_opens_its_own_plan_and_nothing_of_another(state_dir: Path) -> None:
    first, second = _start(), _start()
    practice, network = _border_move(second)
    second.multiselect(key="selected").set_value([practice]).run()
    second.selectbox(key="target").set_value(network).run()
    _click(second, "move")
    token = _make_link(first, "view")
    visitor = _start(token, param="link")
    assert _plan(visitor) == _saved(_session_id(first)).working.plan
    assert _plan(visitor).assignment[practice] != network  # the other plan's edit
    assert visitor.session_state["_plan_key"] == _session_id(first)


SCRIPT = '<script>alert("x")</script> **bold** $x$'


def _comment_markdown(at: AppTest, text: str) -> list[str]:
    """The raw Markdown of every comment line shown that holds ``text`` once unescaped."""
    return [m.value for m in at.markdown if text in shown(m.value)]


def test_comments_are_added_shown_as_text_resolved_and_kept_to_their_plan(
    state_dir: Path,
) -> None:
    owner = _start()
    key = _session_id(owner)
    network = owner.session_state["lock_network"]
    owner.text_area(key="comment_body").input(SCRIPT).run()
    _click(owner, "add_comment")
    assert any("Added comment 1 on network" in shown(s.value) for s in owner.success)
    (line,) = _comment_markdown(owner, SCRIPT)
    bare = re.sub(r"\\[" + re.escape(string.punctuation) + "]", "", line)
    assert not set(bare) & set("$*<>")  # nothing left for Markdown or HTML to read
    table = next(d for d in owner.dataframe if "comment" in d.value.columns)
    assert list(table.value["comment"]) == [SCRIPT]  # the table shows the text as written
    assert list(table.value["on"]) == [f"network {network}"]

    # A comment on a practice: the first one selected.
    practice = sorted(_plan(owner).assignment)[0]
    owner.multiselect(key="selected").set_value([practice]).run()
    owner.radio(key="comment_kind").set_value("practice").run()
    assert owner.selectbox(key="comment_target").value == practice
    owner.text_area(key="comment_body").input("stays with its neighbours").run()
    _click(owner, "add_comment")
    with Store() as store:
        handle = open_app_plan(store, key)
        assert handle is not None
        stored = handle.comments()
    assert [(c.target_kind, c.target, c.body) for c in stored] == [
        ("network", network, SCRIPT),
        ("practice", practice, "stays with its neighbours"),
    ]

    # A view link reads the comments, and may neither add nor resolve one.
    visitor = _start(_make_link(owner, "view"), param="link")
    assert _comment_markdown(visitor, SCRIPT)
    keys = _keys(visitor)
    assert "add_comment" not in keys and not any(k.startswith("resolve_comment_") for k in keys)
    commenter = _start(_make_link(owner, "comment"), param="link")  # comments, edits nothing
    assert "add_comment" in _keys(commenter) and "move" not in _keys(commenter)
    commenter.text_area(key="comment_body").input("from the comment link").run()
    _click(commenter, "add_comment")
    assert not commenter.error, [e.value for e in commenter.error]
    with Store() as store:
        handle = open_app_plan(store, key)
        assert handle is not None
        assert [c.body for c in handle.comments()][-1] == "from the comment link"
        assert handle.head_number() == 1  # a comment is no version
    other = _start(_make_link(_start(), "view"), param="link")  # another plan's link
    assert not _comment_markdown(other, SCRIPT)
    assert not any("comment" in d.value.columns for d in other.dataframe)

    # The pack, with the option on, prints the open comments; resolving takes one out.
    _open_tab(owner, "Export")
    owner.checkbox(key="export_comments").check().run()
    _click(owner, "prepare_exports")
    pack = _download(owner, "Download submission_pack.html").decode("utf-8")
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in pack and "<script>al" not in pack
    assert f"Open comment on practice {practice}" in pack
    _click(owner, f"resolve_comment_{stored[1].id}")
    assert any("Resolved comment" in shown(s.value) for s in owner.success)
    assert not _comment_markdown(owner, "stays with its neighbours")
    _click(owner, "prepare_exports")
    pack = _download(owner, "Download submission_pack.html").decode("utf-8")
    assert "stays with its neighbours" not in pack and "alert" in pack
    owner.checkbox(key="export_comments").uncheck().run()
    _click(owner, "prepare_exports")
    assert "alert" not in _download(owner, "Download submission_pack.html").decode("utf-8")


def test_versions_are_named_compared_and_restored_as_a_new_version(state_dir: Path) -> None:
    at = _start()
    key = _session_id(at)
    first = _plan(at)
    practice, network = _border_move(at)
    at.multiselect(key="selected").set_value([practice]).run()
    at.selectbox(key="target").set_value(network).run()
    _click(at, "move")
    _open_tab(at, "History")
    table = next(d for d in at.dataframe if "version" in d.value.columns)
    assert list(table.value["version"]) == [2, 1]

    at.selectbox(key="version_pick").set_value(2).run()
    at.selectbox(key="compare_from").set_value(1).run()
    said = [shown(c.value) for c in at.caption]
    assert any("From version 1 to version 2: 1 practice moved" in c for c in said), said
    assert any(f"{practice}: {first.assignment[practice]} → {network}" in t.value for t in at.text)

    at.text_input(key="version_name").input("for the board, 3 March").run()
    _click(at, "name_version")
    assert any('Named version 2 "for the board, 3 March"' in shown(s.value) for s in at.success)

    at.selectbox(key="version_pick").set_value(1).run()
    _click(at, "restore_version")
    assert any("Restored version 1 as version 3" in shown(s.value) for s in at.success)
    assert _plan(at) == first and at.session_state["working"].can_undo
    with Store() as store:
        handle = open_app_plan(store, key)
        assert handle is not None
        infos = handle.versions()
    assert [(v.number, v.name, v.label) for v in infos] == [
        (1, None, "proposal"),
        (2, "for the board, 3 March", f"move {practice} to {network}"),
        (3, None, "restore version 1"),
    ]
    assert _saved(key).working.plan == first

    visitor = _open_tab(_start(_make_link(at, "view"), param="link"), "History")
    assert any("version" in d.value.columns for d in visitor.dataframe)
    assert not {"name_version", "restore_version"} & _keys(visitor)


def test_a_plan_imported_with_its_region_files_opens_on_them(
    state_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "region").mkdir()
    files = write_crossing_inputs(tmp_path / "region")
    region_options = [
        "--practices", str(files["practices"]), "--boundaries", str(files["ccg"]),
        "--registrations", str(files["registrations"]), "--lsoa-boundaries", str(files["lsoa"]),
    ]  # fmt: skip
    assert main(["plans", "import", "Crossing draft", str(files["plan"]), *region_options]) == 0
    with Store() as store:
        token, _ = store.open("Crossing draft").create_link("edit")

    editor = _start(token, param="link")
    the_region = editor.session_state["_derived"]["region"]
    assert sorted(the_region.practices["code"]) == ["A1", "A2", "B1", "B2"]  # not the demo's
    assert the_region.geography == "registrations"
    assert _plan(editor) == read_plan(files["plan"])
    assert not editor.error, [e.value for e in editor.error]
    assert any("The plan's files" in shown(m.value) for m in editor.sidebar.markdown)
    # An edit saves the region with the version: the plan opens on its files again.
    editor.multiselect(key="selected").set_value(["A2"]).run()
    editor.selectbox(key="target").set_value("N2").run()
    _click(editor, "move")
    again = _start(token, param="link")
    assert _plan(again).assignment["A2"] == "N2"
    assert sorted(again.session_state["_derived"]["region"].practices["code"]) == [
        "A1", "A2", "B1", "B2",
    ]  # fmt: skip

    # Files gone from the server: the plan is still shown, and the page names them.
    files["registrations"].rename(tmp_path / "moved.csv")
    gone = _start(token, param="link")
    said = [shown(e.value) for e in gone.error]
    assert any(f"could not be found: registrations {files['registrations']}" in s for s in said), (
        said
    )
    assert _plan(gone) == _plan(again)
    with Store() as store:
        assert store.open("Crossing draft").head_number() == 2  # nothing saved over it
    # A save from that tab (a setting changed) keeps the plan's region and files.
    gone.number_input(key="band_max").set_value(52_000).run()
    with Store() as store:
        assert store.open("Crossing draft").head_number() == 3
    (tmp_path / "moved.csv").rename(files["registrations"])
    back = _start(token, param="link")
    assert not back.error, [shown(e.value) for e in back.error]
    assert sorted(back.session_state["_derived"]["region"].practices["code"]) == [
        "A1", "A2", "B1", "B2",
    ]  # fmt: skip
