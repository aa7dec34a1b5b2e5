"""Open comments in the pack (PDF, HTML, ``footprints report --comments-of``) and on the map.

A comment is kept exactly as written, so it may hold HTML or script: everywhere it is shown
it is text.
"""

from __future__ import annotations

from pathlib import Path

import folium
import pypdf
import pytest

from footprints.cli import main
from footprints.demo import load_demo
from footprints.export import network_layer
from footprints.io import write_plan
from footprints.livemap import comment_layer, map_scope
from footprints.plan import Plan
from footprints.region import Region
from footprints.report import write_pack
from footprints.store import Store
from footprints.store.sessions import (
    comment_text,
    comments_by_network,
    comments_by_unassigned_practice,
)

SCRIPT = '<script>alert("x")</script> <b>bold</b> {{ 7*7 }}'


@pytest.fixture(scope="module")
def demo() -> Region:
    return load_demo()


def _targets(region: Region) -> tuple[str, str, str]:
    """A network, one of its practices, and a practice of another network."""
    plan = region.current
    assert plan is not None
    networks = plan.networks()
    first, second = sorted(networks)[:2]
    return first, sorted(networks[first])[0], sorted(networks[second])[0]


def _commented_plan(store: Store, region: Region) -> str:
    assert region.current is not None
    network, practice, other = _targets(region)
    handle = store.create("board draft", region.current)
    handle.add_comment("network", network, f"too big? {SCRIPT}", author="Ann")
    handle.add_comment("practice", practice, "wants to stay", author="Bo")
    done = handle.add_comment("practice", other, "resolved one", author="Cy")
    handle.resolve_comment(done.id)
    return handle.name


def test_the_pack_prints_the_open_comments_as_text(demo: Region, tmp_path: Path) -> None:
    assert demo.current is not None
    network, practice, _ = _targets(demo)
    with Store(tmp_path / "plans.sqlite") as store:
        name = _commented_plan(store, demo)
        opened = store.open(name).comments(status="open")
    comments = comments_by_network(opened, demo.current)
    assert list(comments) == [network] and len(comments[network]) == 2
    pdf, page = write_pack(demo, demo.current, tmp_path / "pack.pdf", comments=comments)
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(pdf).pages)
    assert "Open comment on network" in text and "wants to stay" in text
    assert "resolved one" not in text
    assert "alert" in text and "7*7" in text  # drawn as plain text
    html_text = page.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html_text
    assert "<script>" not in html_text and "<b>bold</b>" not in html_text
    assert f"Open comment on practice {practice} — Bo" in html_text

    plain, plain_html = write_pack(demo, demo.current, tmp_path / "plain.pdf")  # the default
    assert "Open comment" not in plain_html.read_text(encoding="utf-8")
    assert "Open comment" not in "\n".join(p.extract_text() for p in pypdf.PdfReader(plain).pages)


def test_footprints_report_prints_a_stored_plans_open_comments(
    demo: Region, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    location = tmp_path / "plans.sqlite"
    with Store(location) as store:
        name = _commented_plan(store, demo)
    out = tmp_path / "pack.pdf"
    args = ["report", "--demo", "--out", str(out), "--comments-of", name, "--store", str(location)]
    assert main(args) == 0
    assert "2 open comments of plan 'board draft' in the pack" in capsys.readouterr().out
    assert "wants to stay" in out.with_suffix(".html").read_text(encoding="utf-8")
    assert main([*args[:4], "--comments-of", "no such plan", "--store", str(location)]) == 2
    assert "has no plan 'no such plan'" in capsys.readouterr().err


def test_the_map_marks_open_comments_with_their_text_escaped(demo: Region) -> None:
    plan = demo.current
    assert plan is not None
    network, practice, _ = _targets(demo)
    scope = map_scope(demo.practices, None, ccgs=demo.ccgs)
    footprints = network_layer(demo, plan)
    comments = [
        ("network", network, f"network {network} — Ann: {SCRIPT}"),
        ("practice", practice, "practice — Bo: wants to stay"),
        ("practice", "NOT-A-PRACTICE", "left out"),
    ]
    layer = comment_layer(scope, plan, footprints, comments)
    assert layer is not None
    drawn = folium.Map(tiles=None)
    layer.add_to(drawn)
    page = drawn.get_root().render()
    (child,) = [c for c in layer._children.values() if isinstance(getattr(c, "data", None), dict)]
    features = child.data["features"]
    assert len(features) == 2
    tips = " ".join(f["properties"]["t"] for f in features)
    assert "&lt;script&gt;" in tips and "<script>" not in tips and "&#123;&#123;" in tips
    assert "left out" not in tips and "<b>bold</b>" not in tips
    assert "<script>alert" not in page and "alert" in page  # the text, not a script
    assert "{{ 7*7 }}" not in page and "49" not in tips
    assert comment_layer(scope, plan, footprints, []) is None


def test_a_comment_on_a_practice_in_no_network_is_in_the_pack(
    demo: Region, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert demo.current is not None
    _, practice, other = _targets(demo)
    left = {p: n for p, n in demo.current.assignment.items() if p != practice}
    plan = Plan(left, demo.current.names)  # the practice is in no network
    plan_file = tmp_path / "plan.csv"
    write_plan(plan, plan_file)
    location = tmp_path / "plans.sqlite"
    with Store(location) as store:
        handle = store.create("draft without one", demo.current)
        handle.add_comment("practice", practice, f"which network? {SCRIPT}", author="Di")
        handle.add_comment("practice", other, "in a network", author="Ed")
        handle.save(plan, base=1, label="take the practice out")  # the comment stays open
        opened = handle.comments()
    assert comments_by_unassigned_practice(opened, plan) == {practice: [comment_text(opened[0])]}
    out = tmp_path / "pack.pdf"
    args = ["report", "--demo", "--plan", str(plan_file), "--out", str(out)]
    assert main([*args, "--comments-of", "draft without one", "--store", str(location)]) == 0
    assert "2 open comments of plan 'draft without one' in the pack" in capsys.readouterr().out
    page = out.with_suffix(".html").read_text(encoding="utf-8")
    block = page.split("<h2>Practices in no network</h2>", 1)[1].split("</section>", 1)[0]
    assert f"Open comment on practice {practice} — Di" in block
    assert "which network? &lt;script&gt;" in block and "<script>" not in page
    assert "in a network" not in block  # in its network's block
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(out).pages)
    unassigned = text.split("Practices in no network", 1)[1]
    assert f"Open comment on practice {practice}" in unassigned and "which network?" in unassigned
