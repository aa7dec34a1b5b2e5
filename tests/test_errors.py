from __future__ import annotations

import logging

import pytest

from footprints.errors import (
    PROBLEMS_SHOWN,
    FootprintsError,
    InputError,
    MissingColumnError,
    Problem,
    ProblemLog,
)


def test_problem_names_file_row_code_and_fix() -> None:
    problem = Problem("practices.csv", "list size is negative (-5)", "use a count ≥ 0", 7, "A81001")
    assert str(problem) == (
        "practices.csv, row 7 (A81001): list size is negative (-5) — use a count ≥ 0"
    )


def test_log_collects_everything_then_raises_once(caplog: pytest.LogCaptureFixture) -> None:
    log = ProblemLog("practices.csv")
    log.error("duplicate code", "keep one row", row=3, code="A1")
    log.warn("name is blank", row=4, code="B2")
    log.error("list size 'abc' is not a number", "write a whole number", row=5, code="C3")
    with caplog.at_level(logging.WARNING):
        log.warn("second warning")
    assert len(log.errors) == 2
    assert len(log.warnings) == 2
    with pytest.raises(InputError) as caught:
        log.raise_if_errors()
    text = str(caught.value)
    assert text.startswith("2 problems in the input:")
    assert "row 3 (A1): duplicate code — keep one row" in text
    assert "row 5 (C3)" in text
    assert "name is blank" not in text  # warnings are kept on the error, not in its message
    assert len(caught.value.problems) == 4
    assert "second warning" in caplog.text


def test_log_without_errors_does_not_raise() -> None:
    log = ProblemLog("ccg.geojson")
    log.warn("geometry repaired", code="E38000001")
    log.raise_if_errors()


def test_error_classes_also_subclass_builtins() -> None:
    assert issubclass(InputError, ValueError)
    assert issubclass(MissingColumnError, KeyError)
    error = MissingColumnError("practices.csv has no list size column")
    assert isinstance(error, FootprintsError)
    assert str(error) == "practices.csv has no list size column"


@pytest.mark.parametrize("errors", [1, PROBLEMS_SHOWN, PROBLEMS_SHOWN + 1, 20_000])
def test_a_page_of_problems_and_the_full_list(errors: int) -> None:
    problems = [Problem("f.csv", "bad", row=row) for row in range(2, errors + 2)]
    problems.append(Problem("f.csv", "odd", row=1, severity="warning"))
    error = InputError(problems)
    page = error.page().splitlines()
    assert page[0] == f"{errors:,} problem{'s' if errors != 1 else ''} in the input:"
    shown = min(errors, PROBLEMS_SHOWN)
    assert page[1 : shown + 1] == [f"- f.csv, row {row}: bad" for row in range(2, shown + 2)]
    if errors > PROBLEMS_SHOWN:
        assert page[shown + 1 :] == [f"- … and {errors - PROBLEMS_SHOWN:,} more"]
    else:
        assert len(page) == shown + 1
    assert len(str(error).splitlines()) == errors + 1  # str() still lists every error
    full = error.full_text().splitlines()
    assert full[:errors] == [f"error: f.csv, row {row}: bad" for row in range(2, errors + 2)]
    assert full[errors:] == ["warning: f.csv, row 1: odd"]
