"""Sign-in for real in a browser: Streamlit's own ``st.login`` against a local OIDC provider.

The app runs with an ``[auth]`` section in its secrets that points at
``tools/oidc_stub.py`` (discovery, authorize, token and key endpoints on 127.0.0.1); the
browser presses *Sign in*, follows Streamlit's redirects through the provider and back, and
the app is then signed in as the provider's user: the plan it starts is that user's, and its
first version records them. Nothing is faked inside Streamlit (tests/test_app_signin.py
covers the rules with a faked ``st.user``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_browser import _require

from footprints.store import Store
from footprints.store.sessions import open_app_plan
from tools.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LEAFLET,
    MAP_FRAME,
    TIMEOUT_MS,
    AppNotStartedError,
    offline_page,
    running_app,
)
from tools.oidc_stub import auth_secrets, oidc_provider

pytestmark = pytest.mark.slow

EMAIL = "ann@example.org"


def test_st_login_signs_in_through_an_oidc_provider_and_the_plan_is_the_users(
    tmp_path: Path,
) -> None:
    _require(CHROMIUM, "Chromium")
    _require(LEAFLET / "leaflet.js", "Leaflet (Debian's libjs-leaflet)")
    from playwright.sync_api import expect, sync_playwright

    state_dir = tmp_path / "sessions"
    state_dir.mkdir()
    with oidc_provider(EMAIL) as provider:
        secrets = auth_secrets(tmp_path / "secrets.toml", provider)
        try:
            with (
                running_app(state_dir, tmp_path / "streamlit.log", secrets=secrets) as url,
                sync_playwright() as playwright,
            ):
                browser = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
                )
                try:
                    page = offline_page(browser)
                    expect.set_options(timeout=TIMEOUT_MS)
                    page.goto(url)
                    expect(page.get_by_text("Sign in to start a plan")).to_be_visible()
                    expect(page.locator(MAP_FRAME)).to_have_count(0)  # no plan yet
                    assert not provider.signed_in
                    page.get_by_role("button", name="Sign in").click()
                    page.wait_for_url("**plan=*")
                    expect(page.get_by_text(f"Signed in as {EMAIL}")).to_be_visible()
                    expect(page.locator(MAP_FRAME)).to_be_visible()
                    key = page.url.split("plan=", 1)[1].split("&", 1)[0]
                finally:
                    browser.close()
        except AppNotStartedError as error:
            pytest.fail(str(error))
    assert provider.signed_in == [EMAIL]  # one ID token, through the provider
    with Store(state_dir / "plans.sqlite") as store:
        handle = open_app_plan(store, key)
        assert handle is not None
        assert handle.summary().owner == EMAIL
        assert [v.author for v in handle.versions()] == [EMAIL]
