"""footprints — Streamlit app. Widgets and session state only; all logic is in footprints/."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from footprints.maps import plan_map
from footprints.metrics import footprints as network_footprints
from footprints.plan import Band
from footprints.region import Region, load_demo
from footprints.validate import validate

st.set_page_config(page_title="footprints — PCN planner", layout="wide")


@st.cache_resource(show_spinner="Loading the demo region…")
def _demo() -> Region:
    return load_demo()


region = _demo()
plan = region.current
st.title("footprints")
st.caption(
    f"Demo region: {len(region.practices)} practices in {len(region.ccgs)} CCGs. "
    "The current plan is shown with its flaws."
)

if plan is not None:
    report = validate(plan, region.validation_graph, band=Band())
    summary = report.summary
    cols = st.columns(4)
    cols[0].metric("Networks", summary["networks"])
    cols[1].metric("In band", summary["in_band"])
    cols[2].metric("Below / above", f"{summary['below']} / {summary['above']}")
    cols[3].metric("Violations", len(report.violations))
    shapes = network_footprints(plan, region.upper_catchments)
    fmap = plan_map(
        region.practices, plan, ccgs=region.ccgs, patches=region.patches, footprints=shapes
    )
    st_folium(fmap, height=600, use_container_width=True, returned_objects=[])
    with st.expander("Violations", expanded=True):
        for violation in report.violations:
            st.write(f"**{violation.rule}** ({violation.severity}): {violation.message}")
