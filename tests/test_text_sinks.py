"""Text stays text: every payload of ``tests/data/payloads.json`` through every sink.

Practice, network and area names and waiver reasons are the user's text. Each sink must show
them as written: the folium map and the pack's HTML escape them, the PDF draws them as plain
text (never matplotlib mathematics), Streamlit's Markdown gets them backslash-escaped, and
every CSV the tool writes marks would-be formulas as text (OWASP) and reads back exactly.
"""

from __future__ import annotations

import csv
import json
import re
import string
from html.parser import HTMLParser
from pathlib import Path

import pypdf
import pytest

from app.markdown import plain, shown
from footprints.demo import load_demo
from footprints.export import write_epcn
from footprints.io import read_plan, write_plan
from footprints.io.cells import FORMULA_TRIGGERS
from footprints.maps import plan_map
from footprints.metrics import footprints
from footprints.plan import Plan
from footprints.region import Region
from footprints.report import write_pack

DATA = Path(__file__).resolve().parent / "data"
PAYLOADS: list[str] = json.loads((DATA / "payloads.json").read_text(encoding="utf-8"))["payloads"]
#: A few payloads that are also network ids (codes are upper-cased as the loaders do).
PAYLOAD_IDS = ["$X$", "=1+1", "<B>ID</B>", "@SUM(1)"]


def _spaced(text: str) -> str:
    """Collapse runs of whitespace: PDF text extraction does, and so does the PDF itself."""
    return " ".join(text.split())


@pytest.fixture(scope="module")
def hostile() -> tuple[Region, Plan, dict[str, str]]:
    """The demo region with payload names everywhere: practices, networks, CCGs, waivers."""
    region = load_demo()
    assert region.current is not None
    networks = sorted(region.current.networks())
    ids = {n: (PAYLOAD_IDS[i] if i < len(PAYLOAD_IDS) else n) for i, n in enumerate(networks)}
    assignment = {p: ids[n] for p, n in region.current.assignment.items()}
    names = {ids[n]: PAYLOADS[i % len(PAYLOADS)] for i, n in enumerate(networks)}
    region.practices["name"] = [PAYLOADS[i % len(PAYLOADS)] for i in range(len(region.practices))]
    region.ccgs["name"] = [PAYLOADS[-1 - i] for i in range(len(region.ccgs))]
    waivers = {network: PAYLOADS[-1 - i % len(PAYLOADS)] for i, network in enumerate(names)}
    return region, Plan(assignment, names), waivers


def test_the_payload_list_covers_every_sink() -> None:
    for needed in ("$x$", "**bold**", "<script>alert(1)</script>", "&amp;", "+1", "-1", "@SUM(1)"):
        assert needed in PAYLOADS
    assert any(p.startswith("=HYPERLINK(") for p in PAYLOADS)
    assert any(p.count("$") == 1 for p in PAYLOADS)  # an unbalanced dollar
    assert all(any(p.startswith(t) for p in PAYLOADS) for t in FORMULA_TRIGGERS)


# ---- Markdown (the app) ----------------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markdown_escaping_shows_the_text_itself(payload: str) -> None:
    escaped = plain(payload)
    assert shown(escaped) == payload
    # every punctuation character is escaped, so no Markdown, LaTeX or directive remains
    bare = re.sub(r"\\[" + re.escape(string.punctuation) + "]", "", escaped)
    assert not set(bare) & set(string.punctuation), bare


# ---- HTML: the folium map and the pack's twin ------------------------------------------------


class _Elements(HTMLParser):
    """Tags and text of an HTML document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(document: str) -> _Elements:
    parser = _Elements()
    parser.feed(document)
    return parser


def test_map_tooltips_labels_and_legend_show_names_as_text(
    hostile: tuple[Region, Plan, dict[str, str]],
) -> None:
    region, plan, _ = hostile
    shapes = footprints(plan, region.catchments)
    size = dict(zip(region.practices["code"], region.practices["list_size"], strict=True))
    members = plan.networks()
    shapes["population"] = [sum(size[p] for p in members[n]) for n in shapes["network_id"]]
    fmap = plan_map(
        region.practices, plan, ccgs=region.ccgs, patches=region.patches, footprints=shapes
    )
    document = fmap.get_root().render()
    for payload in ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "</script><b>"):
        assert payload not in document  # not even inside the embedded GeoJSON
    # Each tooltip is HTML: the names in it are escaped, so they read as the text itself.
    tips: list[str] = []
    for match in re.finditer(r'"tip":\s*("(?:[^"\\]|\\.)*")', document):
        tips.append(json.loads(match.group(1)))
    assert tips
    tip_text = "\n".join("".join(_parse(tip).text) for tip in tips)
    for payload in PAYLOADS:
        assert _spaced(payload) in _spaced(tip_text), payload  # "{{ 7*7 }}" is no template
    assert {tag for tip in tips for tag in _parse(tip).tags} <= {"b", "br"}
    legend = _parse(document.split("<details", 1)[1].split("</details>", 1)[0])
    assert "script" not in legend.tags and "img" not in legend.tags
    legend_text = _spaced("".join(legend.text))
    for name in plan.names.values():
        assert _spaced(name) in legend_text


@pytest.fixture(scope="module")
def pack(
    hostile: tuple[Region, Plan, dict[str, str]], tmp_path_factory: pytest.TempPathFactory
) -> list[Path]:
    region, plan, waivers = hostile
    path = tmp_path_factory.mktemp("pack") / "pack.pdf"
    return write_pack(region, plan, path, waivers=waivers)


def test_the_pack_html_escapes_every_name_and_reason(
    hostile: tuple[Region, Plan, dict[str, str]], pack: list[Path]
) -> None:
    region, plan, waivers = hostile
    (twin,) = [p for p in pack if p.suffix == ".html"]
    document = _parse(twin.read_text(encoding="utf-8"))
    assert "script" not in document.tags
    assert document.tags.count("img") == len(set(region.ccgs["code"]))  # only the maps
    text = _spaced("\n".join(document.text))
    for payload in [*plan.names.values(), *waivers.values(), *region.ccgs["name"]]:
        assert _spaced(payload) in text, payload


def test_the_pdf_draws_dollars_and_markup_as_plain_text(
    hostile: tuple[Region, Plan, dict[str, str]], pack: list[Path]
) -> None:
    region, plan, waivers = hostile
    (pdf,) = [p for p in pack if p.suffix == ".pdf"]
    text = _spaced("\n".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages))
    for payload in [*plan.names.values(), *waivers.values(), *region.ccgs["name"]]:
        assert _spaced(payload) in text, payload
    for network in PAYLOAD_IDS:
        assert network in text


# ---- CSV: the plan CSV and the ePCN-style CSV -------------------------------------------------


def _cells(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as stream:
        return [cell for row in csv.reader(stream) for cell in row]


def test_the_plan_csv_neutralises_formulas_and_reads_back_exactly(
    hostile: tuple[Region, Plan, dict[str, str]], tmp_path: Path
) -> None:
    _, plan, _ = hostile
    path = tmp_path / "plan.csv"
    write_plan(plan, path)
    cells = _cells(path)
    assert not [c for c in cells if c.startswith(FORMULA_TRIGGERS)]
    assert '\'=HYPERLINK("http://example.invalid","x")' in cells
    assert "'+1" in cells and "'-1" in cells and "'@SUM(1)" in cells and "'=1+1" in cells
    assert read_plan(path) == plan


def test_the_epcn_csv_neutralises_formulas_and_reads_back_exactly(
    hostile: tuple[Region, Plan, dict[str, str]], tmp_path: Path
) -> None:
    region, plan, _ = hostile
    path = tmp_path / "epcn.csv"
    write_epcn(region, plan, path)
    cells = _cells(path)
    assert not [c for c in cells if c.startswith(FORMULA_TRIGGERS)]
    assert read_plan(path) == plan
