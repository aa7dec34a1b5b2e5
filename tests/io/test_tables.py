"""Reading tabular files: encodings, existence, cells."""

from __future__ import annotations

from pathlib import Path

import pytest

from footprints.errors import InputError
from footprints.io import read_practices


def test_read_practices_latin1_fallback(test_data: Path) -> None:
    practices = read_practices(test_data / "practices_latin1.csv")
    assert practices["name"].iloc[0] == "Café Surgery"


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        read_practices(tmp_path / "nowhere.csv")
