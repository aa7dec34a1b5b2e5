"""How the page names practices and networks in its widgets and tables."""

from __future__ import annotations

from dataclasses import dataclass

from app.data import practice_info
from app.state import NEW, PracticeInfo, state
from footprints.plan import Plan

__all__ = ["Labels", "network_label", "practice_label"]


def network_label(network: str) -> str:
    """Name a network of the working plan, with its id when the name differs."""
    if network == NEW:
        return "➕ a new network…"
    name = state.working.plan.network_name(network)
    return name if name == network else f"{name} ({network})"


def practice_label(code: str) -> str:
    """Name a practice, with its code and its network in the working plan."""
    return _practice_label(code, practice_info().get(code), state.working.plan)


def _practice_label(code: str, info: PracticeInfo | None, plan: Plan) -> str:
    if info is None:
        return code
    network = plan.assignment.get(code)
    where = f" — {plan.network_name(network)}" if network else " — no network"
    return f"{info['name']} ({code}){where}"


@dataclass(frozen=True)
class Labels:
    """The labels of one page run, as plain dicts: format functions must not read state.

    Parameters
    ----------
    networks
        Network id (and :data:`~app.state.NEW`) → label.
    practices
        Practice code → label.
    """

    networks: dict[str, str]
    practices: dict[str, str]

    @classmethod
    def of(cls, plan: Plan) -> Labels:
        """Label the networks of ``plan`` and every practice of the region."""
        networks = {n: network_label(n) for n in plan.networks()} | {NEW: network_label(NEW)}
        known = practice_info()  # read once: each read of the session state costs
        return cls(
            networks, {code: _practice_label(code, info, plan) for code, info in known.items()}
        )
