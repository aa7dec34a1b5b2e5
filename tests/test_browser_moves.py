"""The browser benchmarks' shared move loop (benchmarks/browser_moves.py), on a fake page."""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from benchmark_scripts import benchmark_script


@pytest.fixture(scope="module")
def moves() -> Iterator[ModuleType]:
    yield from benchmark_script("browser_moves")


class _Page:
    """The app's page and its map's frame as the loop sees them: markers and their colours."""

    def __init__(self, colours: dict[str, str], plan: dict[str, str]) -> None:
        self.colours, self.plan = colours, dict(plan)
        self.said: list[str] = []
        self.chosen: str | None = None
        self.selected: str | None = None
        self.received: list[int] = []
        self.history: list[dict[str, str]] = []

    # the frame
    def evaluate(self, script: str, arg: str) -> str | None:
        if arg in self.plan:  # a practice's marker; else a network's colour
            return self.colours.get(self.plan.get(arg, ""))
        return self.colours.get(arg)

    def wait_for_function(self, script: str, *, arg: list[str], timeout: int) -> None:
        code, colour = arg
        assert self.colours[self.plan[code]] == colour, "waited for a colour never drawn"
        self.said.append(f"drawn {code} {colour}")

    # the page
    def get_by_role(self, role: str, *, name: str, exact: bool = False) -> _Page:
        self.button = name
        return self

    def click(self) -> None:
        self.said.append(f"click {self.button}")
        if self.button == "Move":
            assert self.selected is not None and self.chosen is not None
            self.history.append(dict(self.plan))
            self.plan[self.selected] = self.chosen
            self.received.append(1_000)
        else:
            self.plan = self.history.pop()


def test_a_move_is_timed_until_drawn_in_another_colour_then_undone(
    moves: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = {"P1": "N1", "P2": "N2", "P3": "N3", "P4": "N4"}
    page = _Page({"N1": "red", "N2": "red", "N3": "blue", "N4": "green"}, plan)

    def select(p: Any, code: str) -> None:
        p.selected = code

    def choose(p: Any, label: str, text: str) -> None:
        assert label == "Move to"
        p.chosen = text

    monkeypatch.setattr(moves, "select_codes", select)
    monkeypatch.setattr(moves, "choose", choose)
    monkeypatch.setattr(moves, "idle", lambda p: p.said.append("idle"))
    seconds, size = moves.move_and_undo(page, page, "P1", plan, 0, received=page.received)
    assert page.chosen == "N3"  # N2 is drawn in P1's red: the move would not show
    assert seconds >= 0 and size == 1_000
    drawn = ["idle", "click Move", "drawn P1 blue", "idle"]
    assert page.said == [*drawn, "click ↶ Undo", "drawn P1 red", "idle"]
    assert page.plan == plan  # undone
    undone: list[float] = []
    assert moves.move_and_undo(page, page, "P1", plan, 2, undone=undone)[1] == 0  # N4, no bytes
    assert page.chosen == "N4"
    assert len(undone) == 1 and undone[0] >= 0  # the undo timed too
