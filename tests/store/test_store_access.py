"""Links, sign-in and comments: who may do what, enforced in the store on every call."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from store_plans import grid_plan

from footprints.store import (
    TOKEN_BYTES,
    InvalidValueError,
    LinkError,
    NotFoundError,
    Permission,
    PermissionDeniedError,
    PlanHandle,
    Store,
)

#: Every call that changes a plan, and the least permission it needs.
WRITES: dict[str, tuple[Permission, Callable[[PlanHandle], Any]]] = {
    "save": (Permission.EDIT, lambda h: h.save(grid_plan(), base=h.head_number())),
    "restore": (Permission.EDIT, lambda h: h.restore(1)),
    "name_version": (Permission.EDIT, lambda h: h.name_version(1, "board")),
    "set_meta": (Permission.EDIT, lambda h: h.set_meta({"x": 1})),
    "add_comment": (Permission.COMMENT, lambda h: h.add_comment("network", "N1", "hello")),
    "resolve_comment": (Permission.COMMENT, lambda h: h.resolve_comment(1)),
    "reopen_comment": (Permission.COMMENT, lambda h: h.reopen_comment(1)),
    "create_link": (Permission.OWN, lambda h: h.create_link("view")),
    "revoke_link": (Permission.OWN, lambda h: h.revoke_link(1)),
    "links": (Permission.OWN, lambda h: h.links()),
    "set_owner": (Permission.OWN, lambda h: h.set_owner("mallory")),
    "add_editor": (Permission.OWN, lambda h: h.add_editor("mallory")),
    "remove_editor": (Permission.OWN, lambda h: h.remove_editor("olive")),
}


def _snapshot(store_url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: what "nothing changed" is checked against."""
    engine = sa.create_engine(store_url)
    try:
        with engine.connect() as connection:
            names = sorted(sa.inspect(connection).get_table_names())
            return {
                name: sorted(
                    (
                        tuple(map(repr, row))
                        for row in connection.execute(sa.text(f"SELECT * FROM {name}"))
                    ),
                )
                for name in names
            }
    finally:
        engine.dispose()


@pytest.fixture
def shared(store: Store) -> PlanHandle:
    """A plan with two versions, one comment, an owner and an editor."""
    handle = store.create("shared", grid_plan(), owner="olive")
    handle.save(grid_plan().moved(["P001"], "N0"), base=1)
    handle.add_comment("network", "N1", "too big?")
    handle.add_editor("eddie")
    return handle


@pytest.mark.parametrize("level", [Permission.VIEW, Permission.COMMENT, Permission.EDIT])
def test_a_link_does_only_what_it_gives_and_a_refused_call_changes_nothing(
    store: Store, store_url: str, shared: PlanHandle, level: Permission
) -> None:
    token, _ = shared.create_link(level)
    visitor = store.open_link(token)
    assert visitor.permission is level
    assert visitor.version().plan == shared.version().plan  # every link reads
    for name, (needed, call) in WRITES.items():
        if level >= needed:
            continue
        before = _snapshot(store_url)
        with pytest.raises(PermissionDeniedError, match="plan 'shared': this link may only"):
            call(visitor)
        assert _snapshot(store_url) == before, f"{name} through a {level.word} link changed data"


def test_a_comment_link_comments_and_an_edit_link_saves(store: Store, shared: PlanHandle) -> None:
    comment_token, _ = shared.create_link("comment")
    commenter = store.open_link(comment_token, user=None)
    made = commenter.add_comment("practice", "P003", "moving?", author="Dr Patel")
    assert made.author == "Dr Patel"
    assert commenter.resolve_comment(made.id).resolved_at is not None
    edit_token, _ = shared.create_link("edit")
    editor = store.open_link(edit_token)
    info = editor.save(grid_plan(), base=editor.head_number(), author="trust lead")
    assert info.author == "trust lead" and shared.head_number() == info.number


def test_a_revoked_link_stops_working_even_for_a_handle_already_open(
    store: Store, shared: PlanHandle
) -> None:
    token, link = shared.create_link("edit", label="for the practices")
    visitor = store.open_link(token)
    revoked = shared.revoke_link(link.id, author="olive")
    assert not revoked.active and revoked.revoked_by == "olive"
    with pytest.raises(LinkError, match="link to plan 'shared' was revoked"):
        store.open_link(token)
    with pytest.raises(LinkError, match="was revoked"):
        visitor.version()
    with pytest.raises(LinkError, match="was revoked"):
        visitor.save(grid_plan(), base=2)
    assert shared.head_number() == 2


def test_tokens_are_long_random_and_never_stored(
    store: Store, store_url: str, shared: PlanHandle
) -> None:
    tokens = [shared.create_link("view")[0] for _ in range(50)]
    assert TOKEN_BYTES == 32
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{43}", token) for token in tokens)
    assert len(set(tokens)) == len(tokens)
    stored = repr(_snapshot(store_url))
    assert not any(token in stored for token in tokens)
    assert [link.hint for link in shared.links()[-50:]] == [token[:4] for token in tokens]


def test_an_unknown_or_malformed_token_opens_nothing(store: Store, shared: PlanHandle) -> None:
    token, _ = shared.create_link("view")
    for guess in [secrets.token_urlsafe(TOKEN_BYTES), token[:-1], token + "A", "", "x" * 10_000]:
        with pytest.raises(LinkError, match="this link opens no plan"):
            store.open_link(guess)


def test_nothing_of_one_plan_is_reachable_through_another_plans_link(
    store: Store, shared: PlanHandle
) -> None:
    other = store.create("other", grid_plan(), owner="olive")
    secret = other.add_comment("network", "N2", "confidential")
    _, other_link = other.create_link("view")
    token, _ = shared.create_link("edit")
    visitor = store.open_link(token)
    assert visitor.name == "shared"
    assert all(c.body != "confidential" for c in visitor.comments(status="all"))
    with pytest.raises(NotFoundError, match="plan 'shared' has no comment"):
        visitor.resolve_comment(secret.id)
    owner = store.open("shared")
    with pytest.raises(NotFoundError, match="plan 'shared' has no link"):
        owner.revoke_link(other_link.id)
    assert other.comments()[0].is_open and other.links()[0].active


def test_signed_in_users_get_what_the_plan_gives_them(store: Store, shared: PlanHandle) -> None:
    assert store.open_as("shared", "olive").permission is Permission.OWN
    eddie = store.open_as("shared", "eddie")
    assert eddie.permission is Permission.EDIT
    with pytest.raises(PermissionDeniedError, match="belongs to olive, and mallory is not one"):
        store.open_as("shared", "mallory")
    # what a signed-in user does is recorded as theirs, whatever author is passed
    info = eddie.save(grid_plan(), base=2, author="olive")
    assert info.author == "eddie"
    unowned = store.create("local", grid_plan())
    assert store.open_as(unowned.id, "anyone").permission is Permission.EDIT


def test_rights_taken_away_stop_a_signed_in_handle_already_open(
    store: Store, shared: PlanHandle
) -> None:
    eddie = store.open_as("shared", "eddie")
    olive = store.open_as("shared", "olive")
    shared.remove_editor("eddie")
    with pytest.raises(PermissionDeniedError, match="eddie is not one of its editors"):
        eddie.save(grid_plan(), base=2)
    with pytest.raises(PermissionDeniedError):
        store.open_as("shared", "eddie")
    olive.set_owner("someone else")  # olive gives the plan away: she no longer manages it
    with pytest.raises(PermissionDeniedError, match="belongs to someone else"):
        olive.create_link("view")
    with pytest.raises(PermissionDeniedError):  # nor reads it: she is not an editor
        shared.version()
    assert store.open("shared").head_number() == 2


def test_comments_open_resolve_and_keep_their_text_exactly(store: Store) -> None:
    handle = store.create("plan", grid_plan())
    script = '<script>alert("x")</script> & <b>bold</b>'
    first = handle.add_comment("network", "N1", script, author="ann")
    second = handle.add_comment("practice", "P004", "closing in May")
    assert first.body == script and first.version == 1 and first.is_open
    assert [c.id for c in handle.comments()] == [first.id, second.id]
    assert [c.id for c in handle.comments(target_kind="practice")] == [second.id]
    assert [c.id for c in handle.comments(target="N1")] == [first.id]
    handle.resolve_comment(first.id, author="bea")
    assert [c.id for c in handle.comments()] == [second.id]
    (resolved,) = handle.comments(status="resolved")
    assert resolved.resolved_by == "bea" and not resolved.is_open
    assert handle.reopen_comment(first.id).is_open
    assert len(handle.comments(status="all")) == 2


def test_a_comment_names_a_network_or_practice_the_plan_has(store: Store) -> None:
    handle = store.create("plan", grid_plan())
    with pytest.raises(InvalidValueError, match="version 1 has no network 'N9'"):
        handle.add_comment("network", "N9", "where?")
    with pytest.raises(InvalidValueError, match="comment is empty"):
        handle.add_comment("practice", "P001", "   ")
    with pytest.raises(InvalidValueError, match="10,001 characters long; at most 10,000"):
        handle.add_comment("practice", "P001", "x" * 10_001)
    with pytest.raises(InvalidValueError, match="on a network or a practice"):
        handle.add_comment("ccg", "P001", "x")  # type: ignore[arg-type]
