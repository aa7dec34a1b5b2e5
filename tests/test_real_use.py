"""What a new user meets on real areas: messages, warnings and options found by using the tool.

Each test here reproduces something that fell short when the guides were followed on NHS
North West London (2021, with registrations) and Kent and Medway (2020, with its real PCN
membership), on small hand-made files where the real ones are not needed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_region_homes import write_inputs

from footprints.cli import main


def _files(paths: dict[str, Path]) -> list[str]:
    return ["--practices", str(paths["practices"]), "--boundaries", str(paths["ccg"])]


def _homes(paths: dict[str, Path]) -> list[str]:
    return ["--registrations", str(paths["registrations"]), "--lsoa-boundaries", str(paths["lsoa"])]


def test_the_command_line_says_when_registrations_disagree_with_list_sizes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A registrations file of another quarter: every disagreeing practice is named."""
    paths = write_inputs(tmp_path)
    text = paths["practices"].read_text(encoding="utf-8")
    paths["practices"].write_text(text.replace("A1,Alpha,1000", "A1,Alpha,1500"), "utf-8")
    plan = tmp_path / "plan.csv"
    plan.write_text("practice_code,network_id\nA1,N1\nA2,N1\nB1,N2\nB2,N2\n", encoding="utf-8")
    status = main(["validate", *_files(paths), *_homes(paths), "--plan", str(plan), "--min", "0"])
    assert status in (0, 1)
    err = caplog.text  # the console script logs warnings to stderr
    assert "practice A1 has 1,000 registered patients in the file but a list size of 1,500" in err
    assert "1 practice has no registrations in the file (B2)" in err
    assert "100 patients in 1 rows live in Welsh LSOAs" in err
