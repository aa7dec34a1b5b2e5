"""Sign-in in the app through AppTest, with a faked ``st.user``: off by default, and on.

On (an ``[auth]`` section in the secrets) a tab signs in before it starts or opens a plan;
the plan is owned by whoever started it, opened only by its owner and editors, and every
version records who made it. Off, nobody signs in and plans have no owner.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import streamlit
from streamlit.testing.v1 import AppTest
from test_app import APP, TIMEOUT, _click, _session_id, _start, state_dir

from app.markdown import shown
from footprints.store import Store
from footprints.store.sessions import open_app_plan

pytestmark = pytest.mark.slow

__all__ = ["state_dir"]  # the fixture, used by name

AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "not-a-secret-for-tests",
    "client_id": "footprints-test",
    "client_secret": "not-a-secret-either",
    "server_metadata_url": "https://login.example.org/.well-known/openid-configuration",
}


@dataclass
class FakeUser:
    """What ``st.user`` answers: signed in or not, and the e-mail."""

    is_logged_in: bool = False
    email: str | None = None


@pytest.fixture
def signed(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeUser]:
    """``st.user`` faked (sign in by setting its fields); ``st.login`` records its calls."""
    fake = FakeUser()
    monkeypatch.setattr(streamlit, "user", fake)
    calls: list[str] = []
    monkeypatch.setattr(streamlit, "login", lambda *a, **k: calls.append("login"))
    monkeypatch.setattr(streamlit, "logout", lambda *a, **k: calls.append("logout"))
    yield fake


def _with_auth(key: str | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.secrets["auth"] = AUTH
    if key is not None:
        at.query_params["plan"] = key
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _move(at: AppTest) -> None:
    """Move a practice the plan has not moved yet to another network."""
    plan = at.session_state["working"].plan
    practice = sorted(plan.assignment)[len(at.session_state["working"].history)]
    network = next(n for n in sorted(plan.networks()) if n != plan.assignment[practice])
    at.multiselect(key="selected").set_value([practice]).run()
    at.selectbox(key="target").set_value(network).run()
    _click(at, "move")


def _plan_facts(key: str) -> tuple[str | None, tuple[str, ...], list[str | None]]:
    with Store() as store:
        handle = open_app_plan(store, key)
        assert handle is not None
        summary = handle.summary()
        return summary.owner, summary.editors, [v.author for v in handle.versions()]


def test_sign_in_is_off_by_default(state_dir: Path, signed: FakeUser) -> None:
    at = _start()
    assert not [b for b in at.button if b.key in {"sign_in", "sign_out"}]
    assert not [b for b in at.sidebar.button if b.key in {"sign_in", "sign_out"}]
    _move(at)
    assert _plan_facts(_session_id(at)) == (None, (), [None, None])


def test_with_sign_in_on_plans_have_owners_editors_and_authors(
    state_dir: Path, signed: FakeUser
) -> None:
    out = _with_auth()
    assert [b.key for b in out.button] == ["sign_in"]
    assert "working" not in out.session_state and not out.metric  # nothing shown or made
    with Store() as store:
        assert store.plans() == []

    signed.is_logged_in, signed.email = True, "ann@example.org"
    ann = _with_auth()
    assert any("Signed in as ann@example.org" in shown(c.value) for c in ann.sidebar.caption)
    key = _session_id(ann)
    _move(ann)
    assert _plan_facts(key) == ("ann@example.org", (), ["ann@example.org", "ann@example.org"])

    signed.email = "bo@example.org"  # another user, at Ann's address
    bo = _with_auth(key)
    said = [shown(e.value) for e in bo.error]
    assert any("You cannot open this plan" in e and "ann@example.org" in e for e in said), said
    assert not bo.metric

    signed.email = "ann@example.org"
    ann = _with_auth(key)
    ann.sidebar.text_input(key="editor_to_add").input("bo@example.org").run()
    _click(ann, "add_editor")
    assert _plan_facts(key)[1] == ("bo@example.org",)

    signed.email = "bo@example.org"
    bo = _with_auth(key)
    _move(bo)
    assert not bo.error, [e.value for e in bo.error]
    assert _plan_facts(key)[2][-1] == "bo@example.org", _plan_facts(key)
    assert not [b for b in bo.sidebar.button if b.key in {"add_editor", "make_view_link"}]
