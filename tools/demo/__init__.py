"""The demo region generator: a fictional STP of three CCGs, written in the generic formats.

The region sits in British National Grid around E 450,000 N 250,000, but its geography,
towns, practices and list sizes are invented: nothing here is real data. It has

* a dense city CCG (many practices close together, a small area, one health centre shared
  by two practices),
* a market-town CCG (practices clustered in five towns, villages between),
* a rural CCG with two small towns, scattered villages and an island (a separate polygon
  part) with three small practices,

community nursing patches that ignore the CCG borders, and a "current plan" with realistic
flaws planted (networks out of the band, one non-contiguous network, one network crossing a
CCG border), listed in a manifest so tests can check the validator finds exactly those.

Everything is computed in EPSG:27700 on integer metres, then written in EPSG:4326 with six
decimals (about 0.1 m). The current plan is built on the adjacency graphs that
:func:`footprints.graph.area_graph` computes from the *written* coordinates, so the loaders
and the validator see the same adjacency the generator used.

The stages, one module each: :mod:`~tools.demo.geography` (outlines, patches, sites),
:mod:`~tools.demo.names`, :mod:`~tools.demo.graphs`, :mod:`~tools.demo.current_plan` (with
:mod:`~tools.demo.trees`, the spanning-tree splits), :mod:`~tools.demo.manifest` and
:mod:`~tools.demo.files` (the retry loop and the writers). The package ships the files of
seed :data:`footprints.demo.DEMO_SEED` from ``boundaries/demo``; ``tools/make_demo.py``
regenerates them.
"""

from tools.demo.files import write_demo

__all__ = ["write_demo"]
