"""Each nursing patch's figures in two plans: what a re-optimisation changes for its team.

For every patch: the networks it works into (the MDTs its team joins), its extra
memberships (those networks − 1) and the patients it holds for networks based in another
patch (the patch's share of the straddling population: under the Voronoi model the list
sizes of its practices whose network's largest patch is elsewhere; under registration
geography the patients living in it of networks it works into whose main patch is
elsewhere). All three come from :func:`footprints.metrics.patch_alignment`, so their totals
are the plan's straddling figures (under registration geography the patients of patches
below the 5% share are not any patch's, as they work into no network).
"""

from __future__ import annotations

import networkx as nx
import pandas as pd

from footprints.metrics import PatchAlignment, patch_alignment
from footprints.plan import Plan

__all__ = ["PATCH_CHANGE_COLUMNS", "patch_changes", "patch_figures"]

_FIGURES = ("networks", "extra memberships", "patients of networks based elsewhere")
PATCH_CHANGE_COLUMNS = tuple(f"{what} {when}" for what in _FIGURES for when in ("before", "after"))
"""The columns of :func:`patch_changes`, each figure before then after."""


def patch_figures(alignment: PatchAlignment) -> pd.DataFrame:
    """Return each patch's figures in one plan (columns as named in the module notes).

    Parameters
    ----------
    alignment
        The plan's :func:`~footprints.metrics.patch_alignment`.

    Returns
    -------
    pandas.DataFrame
        One row per patch any network works into (index ``patch``, sorted), ``int64``
        columns ``networks``, ``extra memberships`` and ``patients of networks based
        elsewhere``.
    """
    elsewhere: dict[str, int] = {}
    for patches in alignment.network_patches.values():
        for patch, patients in list(patches.items())[1:]:  # largest (the main patch) first
            elsewhere[patch] = elsewhere.get(patch, 0) + int(patients)
    index = pd.Index(sorted(alignment.patch_networks), name="patch")
    networks = [len(alignment.patch_networks[p]) for p in index]
    return pd.DataFrame(
        {
            _FIGURES[0]: networks,
            _FIGURES[1]: [n - 1 for n in networks],
            _FIGURES[2]: [elsewhere.get(p, 0) for p in index],
        },
        index=index,
        dtype="int64",
    )


def patch_changes(before: Plan, after: Plan, graph: nx.Graph) -> pd.DataFrame:
    """Return each patch's figures before and after: what a new plan changes for its team.

    Parameters
    ----------
    before, after
        The two plans (practice → network), e.g. the plan before an optimiser's run and the
        working plan after it.
    graph
        The graph both plans live on (node attributes as
        :func:`~footprints.metrics.patch_alignment` reads them).

    Returns
    -------
    pandas.DataFrame
        One row per patch a network works into in either plan (index ``patch``, sorted),
        ``int64`` columns :data:`PATCH_CHANGE_COLUMNS` (0 in a plan where no network works
        into the patch).
    """
    old = patch_figures(patch_alignment(before, graph))
    new = patch_figures(patch_alignment(after, graph))
    index = old.index.union(new.index)
    old, new = old.reindex(index, fill_value=0), new.reindex(index, fill_value=0)
    table = pd.DataFrame(
        {
            f"{what} {when}": (old if when == "before" else new)[what]
            for what in _FIGURES
            for when in ("before", "after")
        },
        index=index,
    )
    return table.astype("int64")
