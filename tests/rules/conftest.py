"""The 3x3 grid fixture the rule tests share."""

from __future__ import annotations

import networkx as nx
import pytest
from rule_grids import grid


@pytest.fixture
def g3() -> nx.Graph:
    """3x3 grid, 12,000 patients a practice: each row is a 36,000-patient network."""
    return grid(3, 3, 12_000)
