"""The submission pack: PDF pages, extractable figures, waivers and the HTML twin."""

from __future__ import annotations

import html
import re
import warnings
from pathlib import Path

import pypdf
import pytest

from footprints.cli import main
from footprints.demo import demo_files, load_demo
from footprints.errors import InfeasibleError, InputError
from footprints.io import read_waivers, write_plan
from footprints.plan import Band, Plan
from footprints.region import Region
from footprints.report import (
    MAX_PACK_PRACTICES,
    PACK_TITLE_AREAS,
    build_pack,
    pack_title,
    write_pack,
)


@pytest.fixture(scope="module")
def demo() -> Region:
    return load_demo()


def _populations(region: Region) -> dict[str, int]:
    assert region.current is not None
    size = dict(zip(region.practices["code"], region.practices["list_size"], strict=True))
    return {
        network: sum(int(size[p]) for p in practices)
        for network, practices in region.current.networks().items()
    }


def _out_of_band(region: Region) -> list[str]:
    band = Band()
    return sorted(n for n, pop in _populations(region).items() if not band.contains(pop))


@pytest.fixture(scope="module")
def pack(demo: Region, tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], str]:
    assert demo.current is not None
    waived = _out_of_band(demo)[0]
    path = tmp_path_factory.mktemp("pack") / "pack.pdf"
    written = write_pack(demo, demo.current, path, waivers={waived: "Island practice, rural"})
    return written, waived


def _pdf_text(path: Path) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(path).pages]


def test_pack_writes_a_pdf_and_its_html_twin(pack: tuple[list[Path], str]) -> None:
    written, _ = pack
    assert [p.suffix for p in written] == [".pdf", ".html"]
    assert written[1] == written[0].with_suffix(".html")
    assert written[0].read_bytes().startswith(b"%PDF")


def test_pdf_pages_and_sections(demo: Region, pack: tuple[list[Path], str]) -> None:
    pages = _pdf_text(pack[0][0])
    # Every page carries its number in the footer, so the count is the page count.
    numbers = [int(m.group(1)) for text in pages for m in re.finditer(r"page (\d+)\b", text)]
    assert numbers == list(range(1, len(pages) + 1))
    # One section per CCG, each opening with its map page.
    for code, name in zip(demo.ccgs["code"], demo.ccgs["name"], strict=True):
        openings = [i for i, text in enumerate(pages) if f"{name} ({code})" in text]
        assert len(openings) == 1
    assert len(pages) > len(demo.ccgs)  # map pages plus the network pages


def test_pdf_text_has_each_networks_combined_list_size(
    demo: Region, pack: tuple[list[Path], str]
) -> None:
    text = "\n".join(_pdf_text(pack[0][0]))
    for network, population in _populations(demo).items():
        assert f"Combined list size: {population:,}" in text, network
    assert re.search(r"\d{2},\d{3}", text)


def test_pack_shows_band_status_and_waivers(demo: Region, pack: tuple[list[Path], str]) -> None:
    assert demo.current is not None
    written, waived = pack
    text = "\n".join(_pdf_text(written[0]))
    assert "Waiver reason: Island practice, rural" in text
    unwaived = [n for n in _out_of_band(demo) if n != waived]
    assert text.count("Waiver reason: none recorded") == len(unwaived)
    sections = build_pack(demo, demo.current, waivers={waived: "Island practice, rural"})
    blocks = {n.network_id: n for s in sections for n in s.networks}
    assert set(blocks) == set(demo.current.networks())
    for network, population in _populations(demo).items():
        status = blocks[network].band_status
        assert status.startswith("in the band") == Band().contains(population)


def test_pack_lists_member_practices_with_list_sizes(
    demo: Region, pack: tuple[list[Path], str]
) -> None:
    text = "\n".join(_pdf_text(pack[0][0]))
    for row in demo.practices.head(10).itertuples():
        assert re.search(rf"{row.code}\s.*\s{int(row.list_size):,}", text), row.code


def test_html_twin_has_the_same_figures_and_embedded_maps(
    demo: Region, pack: tuple[list[Path], str]
) -> None:
    document = pack[0][1].read_text(encoding="utf-8")
    assert document.count('src="data:image/png;base64,') == len(demo.ccgs)
    for population in _populations(demo).values():
        assert f"Combined list size: {population:,}" in document
    assert "Island practice, rural" in document


def test_read_waivers(tmp_path: Path) -> None:
    good = tmp_path / "waivers.csv"
    good.write_text("network_id,reason\nuz0029,Island\n UZ0030 ,Rural\n", encoding="utf-8")
    assert read_waivers(good) == {"uz0029": "Island", "UZ0030": "Rural"}  # ids as written
    bad = tmp_path / "bad.csv"
    bad.write_text("network,why\nUZ0029,Island\n", encoding="utf-8")
    with pytest.raises(InputError, match="network_id"):
        read_waivers(bad)


def test_a_waiver_is_given_to_the_network_of_exactly_its_id(
    demo: Region, caplog: pytest.LogCaptureFixture
) -> None:
    assert demo.current is not None
    network = sorted(demo.current.networks())[0]
    sections = build_pack(demo, demo.current, waivers={network.lower(): "Island"})
    assert all(n.waiver is None for s in sections for n in s.networks)
    assert (
        f"waivers name 1 network not in the plan: {network.lower()!r} (did you mean "
        f"{network!r}?); network ids are compared exactly"
    ) in caplog.text


def test_a_waiver_of_a_mistyped_id_names_the_network_meant(
    demo: Region, caplog: pytest.LogCaptureFixture
) -> None:
    """'U01351' for Kent and Medway's U01315 was named with no hint (only a case or spacing
    difference was)."""
    assert demo.current is not None
    network = sorted(demo.current.networks())[0]
    typed = network[:3] + "O" + network[4:]  # a letter O for a zero: UZ0O01
    assert network == "UZ0001" and typed not in demo.current.networks()
    build_pack(demo, demo.current, waivers={typed: "Island"})
    assert f"{typed!r} (did you mean {network!r}?)" in caplog.text


def test_a_waiver_row_without_a_reason_is_named(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """'U24481,' (the reason not yet typed) was read as no waiver without a word: the pack
    said 'Waiver reason: none recorded' for a network the user meant to waive."""
    path = tmp_path / "waivers.csv"
    path.write_text("network_id,reason\nU01315,rural\nU24481,\n", encoding="utf-8")
    assert read_waivers(path)["U01315"] == "rural"
    assert f"{path}, row 3 (U24481): network U24481 has no reason: it is not waived" in (
        caplog.text
    )
    assert "U01315" not in caplog.text


def test_read_waivers_keeps_a_reason_with_unquoted_commas(tmp_path: Path) -> None:
    excel = tmp_path / "waivers.csv"
    excel.write_text(
        'network_id,reason\nUZ0029,Island, linked by ferry only\nUZ0014,"Rural, sparse"\n',
        encoding="utf-8",
    )
    assert read_waivers(excel) == {
        "UZ0029": "Island, linked by ferry only",
        "UZ0014": "Rural, sparse",
    }
    reason_first = tmp_path / "reason_first.csv"
    reason_first.write_text("reason,network_id\nIsland, remote,UZ0029\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 2.*double quotes"):
        read_waivers(reason_first)


def test_cli_report_one_pdf_per_area(demo: Region, tmp_path: Path) -> None:
    waivers = tmp_path / "waivers.csv"
    waivers.write_text("network_id,reason\nUZ0029,Island\n", encoding="utf-8")
    out = tmp_path / "pack.pdf"
    with demo_files() as shipped:
        arguments = ["report", "--demo", "--plan", str(shipped.current_plan)]
        arguments += ["--waivers", str(waivers), "--out", str(out), "--per-area", "--no-html"]
        assert main(arguments) == 0
    written = sorted(tmp_path.glob("pack_*.pdf"))
    assert [p.stem for p in written] == [f"pack_{c}" for c in sorted(demo.ccgs["code"])]
    assert not list(tmp_path.glob("*.html"))
    names = dict(zip(demo.ccgs["code"], demo.ccgs["name"], strict=True))
    for path in written:
        pages = _pdf_text(path)
        code = path.stem.removeprefix("pack_")
        assert f"{names[code]} ({code})" in pages[0]  # the area's map page opens its PDF
        assert len(pages) >= 2


# ---- a pack past its stated size is refused at once ---------------------------------------


def _big_plan(region: Region, rows: int) -> Plan:
    """The region's practices and, past them, practices no file knows: ``rows`` in all."""
    codes = region.practice_codes()
    codes += [f"X{i:06d}" for i in range(rows - len(codes))]
    return Plan({code: f"N{i // 8:05d}" for i, code in enumerate(codes)})


@pytest.mark.parametrize(
    ("rows", "limit"),
    [(100_000, MAX_PACK_PRACTICES), (MAX_PACK_PRACTICES + 1, MAX_PACK_PRACTICES), (301, 300)],
)
def test_a_pack_past_its_stated_size_is_refused_before_any_work(
    demo: Region, rows: int, limit: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A report on a 100,000-row plan ran for over 17 minutes: now refused, naming the limit."""
    import footprints.report as report_module

    def no_work(*args: object, **kwargs: object) -> None:
        raise AssertionError("the plan was validated before its size was checked")

    monkeypatch.setattr(report_module, "validate", no_work)
    out = tmp_path / "pack.pdf"
    with pytest.raises(InfeasibleError) as caught:
        write_pack(demo, _big_plan(demo, rows), out, max_practices=limit)
    assert f"a submission pack presents at most {limit:,} practices" in str(caught.value)
    assert f"this plan has {rows:,} for {len(demo.practices):,} in the practices file" in str(
        caught.value
    )
    assert not out.exists() and not out.with_suffix(".html").exists()


def test_a_pack_at_its_stated_size_is_written(demo: Region, tmp_path: Path) -> None:
    assert demo.current is not None
    size = max(len(demo.current), len(demo.practices))
    written = write_pack(demo, demo.current, tmp_path / "pack.pdf", max_practices=size)
    assert [p.name for p in written] == ["pack.pdf", "pack.html"]


def test_report_on_a_100000_row_plan_presents_the_practices_loaded(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, demo: Region
) -> None:
    """A plan naming 99,859 practices of no file's area is cut to the practices loaded, with
    one warning giving the count (issue #14), so the pack presents the area's 141 practices
    (the pack's own limit is tested on the plan itself, above)."""
    plan = tmp_path / "plan_100000.csv"
    write_plan(_big_plan(demo, 100_000), plan)
    out = tmp_path / "pack.pdf"
    assert main(["report", "--demo", "--plan", str(plan), "--out", str(out)]) == 0
    said = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert [m for m in said if "the plan names 99,859 practices not in the practices file" in m]
    assert out.exists()


def test_a_pack_is_titled_by_its_planning_areas_not_the_practices_file(demo: Region) -> None:
    assert demo.current is not None
    sections = build_pack(demo, demo.current)
    named = [s for s in sections if s.area]
    assert named, "the demo has planning areas"
    # one area: its name (a CCG lead's pack of one CCG), not the file the region came from
    one = pack_title(demo, named[:1])
    assert one == f"PCN submission pack — {named[0].area_name}"
    # more areas than the title names: the region's name
    many = [named[0]] * (PACK_TITLE_AREAS + 1)
    assert pack_title(demo, many) == f"PCN submission pack — {demo.name}"


def test_each_per_area_pack_names_its_own_area(demo: Region, tmp_path: Path) -> None:
    assert demo.current is not None
    written = write_pack(demo, demo.current, tmp_path / "pack.pdf", per_area=True)
    sections = [s for s in build_pack(demo, demo.current) if s.area]
    for section in sections:
        html = (tmp_path / f"pack_{section.area}.html").read_text(encoding="utf-8")
        assert f"PCN submission pack — {section.area_name}" in html
    assert len(written) >= 2 * len(sections)


def test_a_pack_says_when_no_plan_of_an_area_can_have_every_network_in_the_band(
    demo: Region, tmp_path: Path
) -> None:
    # the pack listed the networks outside an impossible band as if a better plan could
    # bring them in (Surrey Heath's 98,208 patients in a band of 45,000-46,000)
    assert demo.current is not None
    totals = demo.practices.groupby("ccg")["list_size"].sum()
    area = str(totals.idxmin())
    total = int(totals[area])
    high = total // 2 - 1  # two hold less than the area's patients, three need more
    band = Band(high - 100, high)
    path = tmp_path / "pack.pdf"
    written = write_pack(demo, demo.current, path, band=band)
    text = " ".join(" ".join(_pdf_text(path)).split())
    expected = (
        f"its {total:,} patients are more than 2 networks of at most {high:,} hold "
        f"({2 * high:,}) and fewer than 3 of at least {high - 100:,} need "
        f"({3 * (high - 100):,}). Record a waiver reason"
    )
    assert "No plan of this area can have every network in the band" in text
    assert expected in text
    assert expected in html_text(written[1])
    write_pack(demo, demo.current, tmp_path / "fits.pdf", html_twin=False)
    assert "No plan of this area" not in " ".join(_pdf_text(tmp_path / "fits.pdf"))


def html_text(path: Path) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", path.read_text())).split())


def test_a_name_the_font_cannot_draw_is_drawn_as_a_question_mark(
    demo: Region, tmp_path: Path
) -> None:
    # an emoji in a network's name printed matplotlib's "Glyph 127973 missing from font(s)
    # DejaVu Sans" warning, with its source path, and drew an empty box
    assert demo.current is not None
    network = sorted(demo.current.networks())[0]
    names = {network: "Harbour 🏥 Café Network"}
    plan = Plan(dict(demo.current.assignment), names=names)
    path = tmp_path / "pack.pdf"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        write_pack(demo, plan, path)
    text = " ".join(_pdf_text(path))
    assert "Harbour ? Café Network" in text
    assert "Harbour 🏥 Café Network" in path.with_suffix(".html").read_text(encoding="utf-8")


def test_a_pack_of_the_area_chosen_presents_only_its_sections(demo: Region, tmp_path: Path) -> None:
    """The app's pack for Kent and Medway out of all of England's files drew every one of the
    135 CCGs (353 s at load 9, a 6.7 MB PDF): ``areas`` keeps the areas asked for."""
    assert demo.current is not None
    codes = sorted(demo.ccgs["code"])
    names = dict(zip(demo.ccgs["code"], demo.ccgs["name"], strict=True))
    pdf, page = write_pack(demo, demo.current, tmp_path / "one.pdf", areas=[codes[1]])
    text = "\n".join(_pdf_text(pdf))
    assert f"{names[codes[1]]} ({codes[1]})" in text
    assert all(f"({c})" not in text for c in codes if c != codes[1])
    html_text = page.read_text(encoding="utf-8")
    assert f"({codes[1]})" in html_text and f"({codes[0]})" not in html_text
    every = write_pack(demo, demo.current, tmp_path / "all.pdf", html_twin=False)
    assert len(_pdf_text(every[0])) > len(_pdf_text(pdf))
    with pytest.raises(InfeasibleError, match="no planning area of the region is among E99"):
        write_pack(demo, demo.current, tmp_path / "none.pdf", areas=["E99"])
    assert not (tmp_path / "none.pdf").exists()
