"""Small plans for the store's tests."""

from __future__ import annotations

from footprints.plan import Plan


def grid_plan(practices: int = 12, networks: int = 3) -> Plan:
    """Practices P000… spread over networks N0…, each network named."""
    assignment = {f"P{i:03d}": f"N{i % networks}" for i in range(practices)}
    return Plan(assignment, {f"N{n}": f"Network {n}" for n in range(networks)})
