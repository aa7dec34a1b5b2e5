"""What a new user meets on real areas: messages, warnings and options found by using the tool.

Each test here reproduces something that fell short when the guides were followed on NHS
North West London (2021, with registrations) and Kent and Medway (2020, with its real PCN
membership), on small hand-made files where the real ones are not needed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from test_region_homes import lsoa, write_inputs

from footprints.cli import main
from footprints.io.plans import read_plan


def _files(paths: dict[str, Path]) -> list[str]:
    return ["--practices", str(paths["practices"]), "--boundaries", str(paths["ccg"])]


def _homes(paths: dict[str, Path]) -> list[str]:
    return ["--registrations", str(paths["registrations"]), "--lsoa-boundaries", str(paths["lsoa"])]


def test_the_command_line_says_when_registrations_disagree_with_list_sizes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A registrations file of another quarter: every disagreeing practice is named."""
    paths = write_inputs(tmp_path)
    text = paths["practices"].read_text(encoding="utf-8")
    text = text.replace("A1,Alpha,1000", "A1,Alpha,1500").replace("A2,Beta,1000", "A2,Beta,900")
    paths["practices"].write_text(text, "utf-8")
    plan = tmp_path / "plan.csv"
    plan.write_text("practice_code,network_id\nA1,N1\nA2,N1\nB1,N2\nB2,N2\n", encoding="utf-8")
    status = main(["validate", *_files(paths), *_homes(paths), "--plan", str(plan), "--min", "0"])
    assert status in (0, 1)
    err = caplog.text  # the console script logs warnings to stderr
    assert "practice A1 has 1,000 registered patients in the file but a list size of 1,500" in err
    assert "1 practice has no registrations in the file (B2)" in err
    assert (
        "2 of the 3 practices in the file have registered patients differing from their list "
        "size by more than 2% (2,000 registered against 2,400 listed)"
    ) in err
    assert "100 patients in 1 row live in Welsh LSOAs" in err


def test_a_practices_file_with_two_list_sizes_is_read_with_practice_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """practices_2021.csv as published has a QOF and a registrations list size."""
    paths = write_inputs(tmp_path)
    lines = paths["practices"].read_text(encoding="utf-8").splitlines()
    header = lines[0].replace("list_size", "list_size_2021_01_gpreg,list_size_2021_01_qof")
    rows = [",".join([*row.split(",")[:3], "9999", *row.split(",")[3:]]) for row in lines[1:]]
    paths["practices"].write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    plan = tmp_path / "plan.csv"
    plan.write_text("practice_code,network_id\nA1,N1\nA2,N1\nB1,N2\nB2,N2\n", encoding="utf-8")
    command = ["validate", *_files(paths), "--plan", str(plan), "--min", "0", "--json"]
    assert main(command) == 2
    err = capsys.readouterr().err
    assert "several columns could be list_size" in err
    assert "--practice-column list_size=list_size_2021_01_gpreg on the command line" in err
    chosen = ["--practice-column", "list_size=list_size_2021_01_gpreg"]
    assert main([*command, *chosen]) == 0
    assert '"in_band": 2' in capsys.readouterr().out  # 2,000 and 1,600 patients, not 9,999
    assert main([*command, "--practice-column", "size=list_size_2021_01_qof"]) == 2
    assert "give FIELD=COLUMN, FIELD one of code, name, list_size" in capsys.readouterr().err
    # diff --practices reads the same file: it named --practice-column but did not take it
    moved = tmp_path / "moved.csv"
    moved.write_text("practice_code,network_id\nA1,N1\nA2,N2\nB1,N2\nB2,N2\n", encoding="utf-8")
    compare = ["diff", "--practices", str(paths["practices"]), str(plan), str(moved), "--json"]
    assert main(compare) == 2
    assert "--practice-column list_size=" in capsys.readouterr().err
    assert main([*compare, *chosen]) == 1
    networks = json.loads(capsys.readouterr().out)["networks"]
    assert next((n["a"], n["a_population"], n["b_population"]) for n in networks) == (
        "N1",
        2000,  # the registrations' list sizes, not the QOF's 9,999 each
        1000,
    )


def test_a_boundary_file_without_a_code_column_names_the_option_to_give(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The message names the command line's option, and the option reads the file."""
    import geopandas as gpd

    paths = write_inputs(tmp_path)
    ccgs = gpd.read_file(paths["ccg"]).rename(columns={"CCG20CD": "area", "CCG20NM": "label"})
    odd = tmp_path / "odd ccg.geojson"
    ccgs.to_file(odd)
    stps = ccgs.assign(area="E54000001", label="S").dissolve(by="area", as_index=False)
    stp_file = tmp_path / "odd stp.geojson"
    stps.rename(columns={"area": "region_of_care"}).to_file(stp_file)
    plan = tmp_path / "plan.csv"
    plan.write_text("practice_code,network_id\nA1,N1\nA2,N1\nB1,N2\nB2,N2\n", encoding="utf-8")
    files = ["--practices", str(paths["practices"]), "--boundaries", str(odd)]
    command = ["validate", *files, "--plan", str(plan), "--min", "0"]
    assert main(command) == 2
    assert "or name it with --boundary-code COLUMN (code_column= in Python)" in (
        capsys.readouterr().err
    )
    named = [*command, "--boundary-code", "area", "--stp-boundaries", str(stp_file)]
    assert main(named) == 2
    assert "or name it with --stp-boundary-code COLUMN" in capsys.readouterr().err
    assert main([*named, "--stp-boundary-code", "region_of_care"]) == 0


def test_diff_with_practices_cuts_a_national_plan_to_their_area(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The ePCN file against a local plan: other areas' networks are not 'dissolved'."""
    import json

    paths = write_inputs(tmp_path)
    national = tmp_path / "national plan.csv"
    national.write_text(
        "practice_code,network_id\nA1,N1\nA2,N1\nB1,N2\nB2,N2\nZ1,X\nZ2,X\nZ3,Y\n",
        encoding="utf-8",
    )
    local = tmp_path / "local plan.csv"
    local.write_text("practice_code,network_id\nA1,N1\nA2,N2\nB1,N2\nB2,N2\n", encoding="utf-8")
    assert main(["diff", str(national), str(local), "--json"]) == 1
    assert set(json.loads(capsys.readouterr().out)["dissolved"]) == {"X", "Y"}
    practices = ["--practices", str(paths["practices"])]
    assert main(["diff", str(national), str(local), "--json", *practices]) == 1
    difference = json.loads(capsys.readouterr().out)
    assert difference["dissolved"] == []
    assert [move["practice"] for move in difference["moved"]] == ["A2"]


def _odd_region(tmp_path: Path) -> tuple[dict[str, Path], list[str]]:
    """The grid region with a CCG file whose code column is not detected, and its options."""
    import geopandas as gpd

    paths = write_inputs(tmp_path)
    odd = tmp_path / "odd ccg.geojson"
    gpd.read_file(paths["ccg"]).rename(columns={"CCG20CD": "area"}).to_file(odd)
    paths["ccg"] = odd
    return paths, [*_files(paths), "--boundary-code", "area", "--strict-sites"]


def test_plans_import_takes_the_region_options_of_propose_and_records_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from footprints.region import load_region_from
    from footprints.store import Store
    from footprints.store.sessions import load_session

    paths, region = _odd_region(tmp_path)
    store = ["--store", str(tmp_path / "plans.sqlite")]
    plan = tmp_path / "plan.csv"
    plan.write_text("practice_code,network_id\nA1,N1\nA2,N1\nB1,N2\nB2,N2\n", encoding="utf-8")
    assert main(["plans", "import", "odd", str(plan), *store, *_files(paths)]) == 2
    assert "or name it with --boundary-code COLUMN" in capsys.readouterr().err
    assert main(["plans", "import", "odd", str(plan), *store, "--boundary-code", "area"]) == 2
    assert "--boundary-code read the region's files: give them" in capsys.readouterr().err
    assert main(["plans", "import", "odd", str(plan), *store, *region]) == 0
    capsys.readouterr()
    assert main(["plans", "show", "odd", *store]) == 0
    assert "read with --boundary-code area, --strict-sites." in capsys.readouterr().out
    assert main(["plans", "show", "odd", *store, "--json"]) == 0
    options = {"boundary_code": "area", "strict_sites": True}
    assert json.loads(capsys.readouterr().out)["region_options"] == options
    with Store(str(tmp_path / "plans.sqlite")) as opened:
        saved = load_session(opened.open("odd"))
    assert saved.region_options == options  # the app reads the files with them
    files = {role: Path(name) for role, name in saved.uploads.items()}
    assert sorted(load_region_from(files, saved.region_options).practices["code"]) == [
        "A1",
        "A2",
        "B1",
        "B2",
    ]
    # a new version naming the region again records the options given now, and only them
    again = [*_files(paths), "--boundary-code", "area"]
    assert main(["plans", "import", "odd", str(plan), *store, *again]) == 0
    with Store(str(tmp_path / "plans.sqlite")) as opened:
        assert load_session(opened.open("odd")).region_options == {"boundary_code": "area"}


def test_plans_import_cuts_a_national_plan_and_refuses_unknown_practices_of_the_area(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The ePCN file is cut to the region, as validate cuts it; a mistyped code is refused."""
    from footprints.store import Store

    paths = write_inputs(tmp_path)
    store = ["--store", str(tmp_path / "plans.sqlite")]
    national = tmp_path / "national.csv"
    national.write_text(
        "practice_code,network_id\nA1,N1\nA2,N1\nB1,N2\nB2,N2\nZ1,X\nZ2,X\n", encoding="utf-8"
    )
    assert main(["plans", "import", "cut", str(national), *store, *_files(paths)]) == 0
    out = capsys.readouterr().out
    assert "(4 practices in 2 networks)" in out
    with Store(str(tmp_path / "plans.sqlite")) as opened:
        assert sorted(opened.open("cut").version().plan.assignment) == ["A1", "A2", "B1", "B2"]
    elsewhere = tmp_path / "elsewhere.csv"
    elsewhere.write_text("practice_code,network_id\nZ1,X\nZ2,Y\n", encoding="utf-8")
    assert main(["plans", "import", "cut", str(elsewhere), *store, *_files(paths)]) == 2
    assert "the plan names none of the 4 practices of the practices file" in capsys.readouterr().err
    typo = tmp_path / "typo.csv"
    typo.write_text("practice_code,network_id\nA1,N1\nA9,N1\nB1,N2\nB2,N2\n", encoding="utf-8")
    assert main(["plans", "import", "cut", str(typo), *store, *_files(paths)]) == 2
    assert f"1 of the 4 practices of {typo} are not in {paths['practices']}: A9" in (
        capsys.readouterr().err
    )


def test_gzipped_and_zipped_tables_are_read_and_bounded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Practices and plans as .csv.gz or in a zip, as the registrations file already may be."""
    import gzip
    import zipfile

    from footprints.errors import InputError
    from footprints.io import read_plan, read_practices, table_size_limit

    paths = write_inputs(tmp_path)
    text = paths["practices"].read_bytes()
    packed = tmp_path / "practices list.csv.gz"
    packed.write_bytes(gzip.compress(text))
    zipped = tmp_path / "practices list.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("practices.csv", text)
    expected = sorted(read_practices(paths["practices"])["code"])
    assert sorted(read_practices(packed)["code"]) == expected
    assert sorted(read_practices(zipped)["code"]) == expected
    plan = tmp_path / "plan.csv.gz"
    plan.write_bytes(gzip.compress(b"practice_code,network_id\nA1,N1\nA2,N1\nB1,N2\nB2,N2\n"))
    assert read_plan(plan).assignment["B2"] == "N2"
    two = tmp_path / "two.zip"
    with zipfile.ZipFile(two, "w") as archive:
        archive.writestr("a.csv", text)
        archive.writestr("b.csv", text)
    with pytest.raises(InputError, match=r"should hold one CSV \(found: a.csv, b.csv\)"):
        read_practices(two)
    big = tmp_path / "big.csv.gz"  # small on disk, large unpacked: bounded by the table limit
    big.write_bytes(gzip.compress(text + b"A3,Alpha," + b"1" * 200_000 + b",1,1\n"))
    with table_size_limit(100_000), pytest.raises(InputError, match="unpacks to more than"):
        read_practices(big)
    command = ["validate", "--practices", str(packed), "--boundaries", str(paths["ccg"])]
    assert main([*command, "--plan", str(plan), "--min", "0"]) == 0


def test_repair_says_which_practices_of_the_current_plan_it_leaves_out(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A plan naming a practice not in the practices file: validate reports it, repair too."""
    paths = write_inputs(tmp_path)
    plan = tmp_path / "plan.csv"
    plan.write_text(
        "practice_code,network_id\nA1,N1\nA2,N1\nB1,N2\nB2,N2\nG99999,N2\n", encoding="utf-8"
    )
    out = tmp_path / "repaired.csv"
    command = ["propose", *_files(paths), "--plan", str(plan), "--repair", "--min", "0"]
    assert main([*command, "--time-limit", "5", "--out", str(out)]) == 0
    assert (
        "the current plan names 1 practice not in the practices file: G99999 (in N2); it is "
        "left out of the repaired plan"
    ) in caplog.text
    assert "G99999" not in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("mode", [[], ["--repair"], ["--repair", "--least-change"]])
def test_propose_without_a_minimum_optimises_every_area(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], mode: list[str]
) -> None:
    """--min 0 is accepted: no area may fall back on a division by the minimum."""
    paths = write_inputs(tmp_path)
    plan = tmp_path / "plan.csv"
    plan.write_text("practice_code,network_id\nA1,N1\nA2,N1\nB1,N2\nB2,N2\n", encoding="utf-8")
    out = tmp_path / "plan out.csv"
    command = ["propose", *_files(paths), "--plan", str(plan), *mode, "--min", "0"]
    assert main([*command, "--time-limit", "5", "--out", str(out)]) == 0
    assert "fallback" not in capsys.readouterr().out


def test_a_practice_in_no_ccg_far_from_every_polygon_names_tolerance_m(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A practice whose row names no CCG, 20 km off: the fix is an option the user can give."""
    from test_region_homes import X0, Y0

    paths = write_inputs(tmp_path)
    text = paths["practices"].read_text(encoding="utf-8")
    far = f"B2,Delta,600,{X0 + 26_000},{Y0 + 500}\n"
    paths["practices"].write_text(text.replace(f"B2,Delta,600,{X0 + 5500},{Y0 + 500}\n", far))
    plan = tmp_path / "plan.csv"
    plan.write_text("practice_code,network_id\nA1,N1\nA2,N1\nB1,N2\nB2,N2\n", encoding="utf-8")
    command = ["validate", *_files(paths), "--plan", str(plan), "--min", "0"]
    assert main(command) == 2
    err = capsys.readouterr().err
    assert "B2 lies outside every CCG polygon; the nearest" in err
    assert "or raise the tolerance (--tolerance-m on the command line" in err
    assert main([*command, "--tolerance-m", "25000"]) == 0
    store = ["--store", str(tmp_path / "plans.sqlite")]
    assert main(["plans", "import", "far", str(plan), *store, *_files(paths)]) == 2
    tolerant = [*_files(paths), "--tolerance-m", "25000"]
    assert main(["plans", "import", "far", str(plan), *store, *tolerant]) == 0
    capsys.readouterr()
    assert main(["plans", "show", "far", *store]) == 0
    assert "read with --tolerance-m 25000.0" in capsys.readouterr().out


def test_a_gzipped_boundary_file_is_read_within_the_input_limit(tmp_path: Path) -> None:
    """ccg.geojson.gz was refused with GDAL's 'not recognized as being in a supported format'."""
    import gzip

    from footprints.errors import InputError
    from footprints.io import input_size_limit, read_boundaries

    paths = write_inputs(tmp_path)
    packed = tmp_path / "ccg 2020.geojson.gz"
    packed.write_bytes(gzip.compress(paths["ccg"].read_bytes()))
    assert sorted(read_boundaries(packed)["code"]) == ["E38000001", "E38000002"]
    with (
        input_size_limit(packed.stat().st_size + 10),
        pytest.raises(InputError, match="unpacks to more than"),
    ):
        read_boundaries(packed)
    broken = tmp_path / "broken.geojson.gz"
    broken.write_bytes(gzip.compress(paths["ccg"].read_bytes())[:60])
    with pytest.raises(InputError, match="cannot be unpacked"):
        read_boundaries(broken)


def test_the_welsh_and_unplaced_warning_counts_the_practices_loaded_not_the_file(
    tmp_path: Path,
) -> None:
    """A national registrations file: the region's own figures, the file's beside them."""
    import pandas as pd

    from footprints.io.registrations import read_lsoa_registrations, registration_problems

    paths = write_inputs(tmp_path)
    with paths["registrations"].open("a", encoding="utf-8") as handle:
        handle.write("B1,Gamma,NO2011,20\nZ9,Zeta,W01000002,5000\nZ9,Zeta,NO2011,300\n")
    registrations = read_lsoa_registrations(paths["registrations"])
    practices = pd.read_csv(paths["practices"], dtype={"code": str})
    texts = [p.message for p in registration_problems(registrations, practices, tolerance=0.5)]
    assert (
        "of the 4 practices loaded, 100 patients in 1 row live in Welsh LSOAs and 20 in 1 row "
        "have no LSOA (NO2011) (in the whole file: 5,100 in 2 Welsh rows, 320 in 2 "
        "rows with no LSOA)"
    ) in " ".join(texts)
    without_b1 = practices[practices["code"] != "B1"]
    texts = [p.message for p in registration_problems(registrations, without_b1, tolerance=0.5)]
    assert not any("Welsh" in text for text in texts)  # none of theirs live in Wales


def test_a_waiver_for_no_network_is_warned_about_naming_the_waivers_file(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    paths = write_inputs(tmp_path)
    plan = tmp_path / "plan.csv"
    plan.write_text("practice_code,network_id\nA1,N1\nA2,N1\nB1,N2\nB2,N2\n", encoding="utf-8")
    waivers = tmp_path / "board waivers.csv"
    waivers.write_text("network_id,reason\nn2,Island\nN9,Gone\n", encoding="utf-8")
    store = f"sqlite:///{tmp_path / 'plans.sqlite'}"
    command = ["plans", "import", "Draft", str(plan), *_files(paths), "--store", store]
    assert main([*command, "--waivers", str(waivers)]) == 0
    assert (
        f"--waivers {waivers}: waivers name 2 networks not in the plan: 'N9', 'n2' (did you "
        "mean 'N2'?); network ids are compared exactly"
    ) in caplog.text


def test_a_missing_column_in_a_file_without_column_options_says_to_rename_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A plan or registrations file has no way to name its columns: the fix is to rename one.

    The message used to say "pass columns={'code': 'COLUMN'}", an argument these readers
    do not take (and Python's words on the command line)."""
    paths = write_inputs(tmp_path)
    plan = tmp_path / "plan.csv"
    plan.write_text("Practice,PCN\nA1,N1\nA2,N1\nB1,N2\nB2,N2\n", encoding="utf-8")
    assert main(["validate", *_files(paths), "--plan", str(plan), "--min", "0"]) == 2
    err = capsys.readouterr().err
    assert "plan.csv: no column for code" in err
    assert "Rename the column to one of the accepted names" in err
    assert "columns=" not in err
    totals = tmp_path / "gp-reg-pat-prac-all.csv"  # the totals file in the LSOA file's slot
    totals.write_text("CODE,SEX,AGE,NUMBER_OF_PATIENTS\nA1,ALL,ALL,1000\n", encoding="utf-8")
    homes = ["--registrations", str(totals), "--lsoa-boundaries", str(paths["lsoa"])]
    plan.write_text("practice_code,network_id\nA1,N1\nA2,N1\nB1,N2\nB2,N2\n", encoding="utf-8")
    assert main(["validate", *_files(paths), *homes, "--plan", str(plan), "--min", "0"]) == 2
    err = capsys.readouterr().err
    assert "gp-reg-pat-prac-all.csv: this is NHS Digital's practice totals file" in err
    assert "give gp-reg-pat-prac-lsoa-all.csv from the same publication" in err


def test_registrations_in_lsoas_the_boundaries_lack_are_reported_and_fall_back(
    tmp_path: Path,
) -> None:
    """A registrations file of 2021 LSOA codes read with 2011 polygons, say.

    The rows whose LSOA the boundary file lacks were dropped without a word (20,000 rows
    of North West London's could vanish so), and a practice all of whose patients lived in
    such LSOAs was left with no homes at all instead of the Voronoi fallback."""
    from footprints.region import load_region

    paths = write_inputs(tmp_path)
    text = paths["registrations"].read_text(encoding="utf-8")
    text = text.replace(f"B1,Gamma,{lsoa(3, 1)},900", "B1,Gamma,E01099999,900")
    text = text.replace(f"A2,Beta,{lsoa(2, 0)},300", "A2,Beta,E01099998,300")
    paths["registrations"].write_text(text, encoding="utf-8")
    region = load_region(
        paths["practices"],
        paths["ccg"],
        registrations=paths["registrations"],
        lsoa_boundaries=paths["lsoa"],
    )
    said = [str(p) for p in region.problems if "not in the LSOA boundaries" in str(p)]
    assert len(said) == 1, [str(p) for p in region.problems]
    assert (
        "of the 4 practices loaded, 1,200 patients in 2 rows live in LSOAs that are not in the "
        "LSOA boundaries file (E01099998, E01099999)"
    ) in said[0]
    assert "same LSOA vintage" in said[0]
    homes = region.homes
    assert homes is not None
    assert "B1" in homes.fallback  # none of its patients could be placed
    assert "A2" not in homes.fallback  # 700 of its patients are placed


def test_export_says_which_practices_of_the_region_are_in_no_network(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Kent and Medway's ePCN file leaves 4 of its 206 practices in no network.

    export said "Wrote 202 practices" and nothing of the other 4 (the ePCN CSV leaves them
    out, the GeoJSON's practices layer has them without a network)."""
    paths = write_inputs(tmp_path)
    plan = tmp_path / "plan.csv"
    plan.write_text("practice_code,network_id\nA1,N1\nA2,N1\nB1,N2\n", encoding="utf-8")
    out = tmp_path / "epcn.csv"
    command = ["export", *_files(paths), "--plan", str(plan), "--format", "epcn", "--out", str(out)]
    assert main(command) == 0
    said = capsys.readouterr().out
    assert "Wrote 3 practices in 2 networks" in said
    assert "1 practice of the region is in no network of the plan (B2)" in said


def test_an_unknown_ccg_on_many_rows_is_one_problem_naming_the_boundaries_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """North West London's 2021 practices against the 2020 CCG boundaries (another year).

    Each of the 352 practices gave the same error, 50 printed and "… and 302 more"; one
    problem per unknown code says it all, with the codes the boundary file has."""
    paths = write_inputs(tmp_path)
    text = paths["practices"].read_text(encoding="utf-8").splitlines()
    text[0] += ",ccg"
    text[1:] = [row + ",E38000256" for row in text[1:]]
    paths["practices"].write_text("\n".join(text) + "\n", encoding="utf-8")
    plan = tmp_path / "plan.csv"
    plan.write_text("practice_code,network_id\nA1,N1\nA2,N1\nB1,N2\nB2,N2\n", encoding="utf-8")
    assert main(["validate", *_files(paths), "--plan", str(plan), "--min", "0"]) == 2
    err = capsys.readouterr().err
    assert "1 problem in the input" in err
    assert (
        "CCG 'E38000256' on the rows of 4 practices (A1, A2, B1, B2) matches no CCG boundary"
    ) in err
    assert "the boundary file has 2 CCGs: E38000001, E38000002" in err


def test_the_loaders_warnings_are_in_the_regions_problems(tmp_path: Path) -> None:
    """A list size of 0, a membership listed twice: the app shows region.problems only.

    The command line printed these loaders' warnings (it reads the log) but the app, and a
    script printing region.problems as the analyst's guide does, never saw them."""
    from footprints.region import load_region

    paths = write_inputs(tmp_path)
    text = paths["practices"].read_text(encoding="utf-8")
    paths["practices"].write_text(text.replace("B2,Delta,600", "B2,Delta,0"), "utf-8")
    plan = tmp_path / "plan.csv"
    plan.write_text(
        "Partner Organisation Code,PCN Code,Practice to PCN Relationship End Date\n"
        "A1,N1,\nA2,N1,\nB1,N2,\nB2,N2,\nB2,N2,\n",
        encoding="utf-8",
    )
    region = load_region(paths["practices"], paths["ccg"], plan=plan)
    said = [str(p) for p in region.problems if p.severity == "warning"]
    assert any("(B2): list size is 0" in line for line in said), said
    assert any("practice B2 is listed in PCN N2 on rows 5, 6; read once" in line for line in said)
    assert len(said) == len(set(said))  # a warning place_practices returns is not repeated


def test_area_takes_a_ccgs_ods_code_and_an_unknown_one_is_named_with_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Kent and Medway is 91Q to a CCG lead: --area 91Q said "no planning area 91Q".

    The areas file takes ODS codes; --area now does too, and an unknown code is answered
    with each area's code and ODS code."""
    import geopandas as gpd

    paths = write_inputs(tmp_path)
    ccgs = gpd.read_file(paths["ccg"])
    ccgs["CCG20CDH"] = ["01A", "02B"]
    ccgs.to_file(paths["ccg"])
    out = tmp_path / "plan.csv"
    base = ["propose", *_files(paths), "--min", "0", "--time-limit", "2", "--processes", "1"]
    assert main([*base, "--area", "02b", "--out", str(out)]) == 0
    assert set(pd.read_csv(out)["practice_code"]) == {"B1", "B2"}
    assert main([*base, "--area", "99Z", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "no planning area 99Z" in err
    assert "E38000001 (01A), E38000002 (02B)" in err


def test_practices_located_by_postcode_only_name_the_postcodes_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A practices file built from epraccur has postcodes only: the fix named Python's
    ``postcodes=``, an argument the command line has no use for."""
    paths = write_inputs(tmp_path)
    paths["practices"].write_text(
        "code,name,list_size,postcode\nA1,Alpha,1000,ZX1 1AA\n", encoding="utf-8"
    )
    plan = tmp_path / "plan.csv"
    plan.write_text("practice_code,network_id\nA1,N1\n", encoding="utf-8")
    assert main(["validate", *_files(paths), "--plan", str(plan)]) == 2
    err = capsys.readouterr().err
    assert "no postcode lookup was given — give a postcode lookup" in err
    assert "--postcodes on the command line, postcodes= in Python" in err
    paths["practices"].write_text("code,name,list_size\nA1,Alpha,1000\n", encoding="utf-8")
    assert main(["validate", *_files(paths), "--plan", str(plan)]) == 2
    assert "--postcodes on the command line" in capsys.readouterr().err


def test_englands_practices_against_one_ccgs_boundary_is_one_problem_saying_how(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A CCG lead gives the national practices file and their CCG's boundary alone (Kent and
    Medway: 134 problems, one per other CCG, each saying to use boundaries of the same
    year): one problem says how to plan that CCG alone."""
    import geopandas as gpd

    paths = write_inputs(tmp_path)
    text = paths["practices"].read_text(encoding="utf-8").splitlines()
    text[0] += ",ccg"
    text[1:] = [row + (",E38000001" if row.startswith("A") else ",E38000002") for row in text[1:]]
    text.append(text[-1].replace("B2,Delta", "C1,Epsilon").replace("E38000002", "E38000003"))
    paths["practices"].write_text("\n".join(text) + "\n", encoding="utf-8")
    ccgs = gpd.read_file(paths["ccg"])
    ccgs[ccgs["CCG20CD"] == "E38000001"].to_file(paths["ccg"])
    plan = tmp_path / "plan.csv"
    plan.write_text("practice_code,network_id\nA1,N1\nA2,N1\n", encoding="utf-8")
    assert main(["validate", *_files(paths), "--plan", str(plan), "--min", "0"]) == 2
    err = capsys.readouterr().err
    assert "1 problem in the input" in err
    assert (
        "the boundary file has 1 CCG (E38000001), holding 2 of the practices; the other 3 are "
        "in 2 CCGs it lacks (E38000002, E38000003)"
    ) in err
    assert "to plan that CCG alone, give a practices file of its practices only" in err


def test_a_practices_files_network_column_is_the_current_plan_without_a_plan_file(
    tmp_path: Path,
) -> None:
    """practices_2020.csv carries each practice's PCN (pcn_code): uploaded without a plan
    file, the app opened Kent and Medway on an empty plan (0 networks, 1 hard violation)."""
    from footprints.region import load_region

    paths = write_inputs(tmp_path)
    text = paths["practices"].read_text(encoding="utf-8").splitlines()
    text[0] += ",pcn_code"
    networks = {"A1": "U00001", "A2": "U00001", "B1": "U00002", "B2": "U"}  # U: unallocated
    text[1:] = [f"{row},{networks[row.split(',')[0]]}" for row in text[1:]]
    paths["practices"].write_text("\n".join(text) + "\n", encoding="utf-8")
    region = load_region(paths["practices"], paths["ccg"])
    assert region.current is not None
    assert dict(region.current.assignment) == {"A1": "U00001", "A2": "U00001", "B1": "U00002"}
    plan = tmp_path / "plan.csv"  # a plan file, when given, is the current plan
    plan.write_text("practice_code,network_id\nA1,N1\nA2,N2\nB1,N2\nB2,N2\n", encoding="utf-8")
    region = load_region(paths["practices"], paths["ccg"], plan=plan)
    assert region.current is not None and region.current.assignment["A1"] == "N1"


def test_a_curve_of_areas_the_pack_has_no_page_for_is_warned_about(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """report --curve with another region's curve (the demo's, for Kent and Medway), or a
    curve of a plan by STP: the pack was written without its page and without a word."""
    import json

    curve = tmp_path / "curve.json"
    areas = [{"area": "E54000032", "priorities": [], "moved": [], "curve": []}]
    curve.write_text(json.dumps({"areas": areas}), encoding="utf-8")
    out = tmp_path / "pack.pdf"
    command = ["report", "--demo", "--curve", str(curve), "--out", str(out), "--no-html"]
    assert main(command) == 0
    assert out.is_file()
    assert (
        "curve.json: 1 area of the file is no CCG of this region (E54000032), so the pack has "
        "no page of what change buys for it"
    ) in caplog.text


@pytest.mark.parametrize("flag", ["--patches-first", "--nest-in-patches"])
def test_a_patch_priority_without_patches_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flag: str
) -> None:
    """Kent and Medway proposed with --patches-first but no --patches: the summary said
    '0 patients outside their network's main patch, the proved minimum'."""
    paths = write_inputs(tmp_path)
    out = tmp_path / "plan.csv"
    command = ["propose", *_files(paths), "--min", "0", "--time-limit", "1", "--out", str(out)]
    assert main([*command, flag]) == 2
    assert f"{flag} puts the nursing patches first, but the region has none" in (
        capsys.readouterr().err
    )
    assert not out.exists()


def test_a_waiver_written_by_the_networks_name_names_its_id(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A CCG lead writes the PCN's name ('SOUTH MAIDSTONE PCN'), not its code (U92034): the
    warning said only that it is not in the plan."""
    paths = write_inputs(tmp_path)
    plan = tmp_path / "plan.csv"
    plan.write_text(
        "practice_code,network_id,network_name\nA1,U92034,SOUTH MAIDSTONE PCN\n"
        "A2,U92034,SOUTH MAIDSTONE PCN\nB1,U00002,WEALD PCN\nB2,U00002,WEALD PCN\n",
        encoding="utf-8",
    )
    waivers = tmp_path / "waivers.csv"
    waivers.write_text("network_id,reason\nSouth Maidstone PCN,rural\n", encoding="utf-8")
    store = f"sqlite:///{tmp_path / 'plans.sqlite'}"
    command = ["plans", "import", "Kent", str(plan), *_files(paths), "--store", store]
    assert main([*command, "--waivers", str(waivers)]) == 0
    assert "'South Maidstone PCN' (did you mean 'U92034'?)" in caplog.text
    assert "give the network's id, such as its PCN code, not its name" in caplog.text


def test_propose_with_no_plan_for_any_area_leaves_the_out_file_as_it_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Kent and Medway's ePCN plan repaired with --max-moves 0 (its detached networks need
    moves) replaced the --out file, the plan being repaired, with a header alone."""
    plan = tmp_path / "plan.csv"  # N1 is in two parts, P1 between them
    text = "practice_code,network_id\nP0,N1\nP1,N2\nP2,N1\n"
    plan.write_text(text, encoding="utf-8")
    command = ["propose", *_one_ccg(tmp_path)]
    command += ["--repair", "--plan", str(plan), "--max-moves", "0", "--min", "0"]
    command += ["--time-limit", "5", "--processes", "1", "--out", str(plan)]
    assert main(command) == 2
    assert plan.read_text(encoding="utf-8") == text
    out = capsys.readouterr().out
    assert "infeasible" in out
    assert f"No plan written: no planning area has a plan (see above); {plan} was left" in out


def test_a_plan_sharing_no_practice_with_the_practices_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Kent and Medway's plan given with North West London's practices (or the demo's) was
    cut to nothing and judged as an empty plan (exit 1, every practice 'in no network');
    diff --practices called two such plans identical (exit 0)."""
    paths = write_inputs(tmp_path)
    plan = tmp_path / "kent.csv"
    plan.write_text("practice_code,network_id\nG82002,U1\nG82006,U1\nG82007,U2\n", "utf-8")
    assert main(["validate", *_files(paths), "--plan", str(plan), "--min", "0"]) == 2
    err = capsys.readouterr().err
    assert f"{plan}: the plan names none of the 4 practices of the practices file" in err
    assert "(it places 3 other practices, such as G82002, G82006, G82007, in 2 networks)" in err
    other = tmp_path / "other.csv"
    other.write_text("practice_code,network_id\nG82002,U1\nG82006,U2\nG82007,U2\n", "utf-8")
    command = ["diff", "--practices", str(paths["practices"]), str(plan), str(other)]
    assert main(command) == 2
    assert "give the plan of this area and date" in capsys.readouterr().err


def test_assembled_practices_problems_name_the_practice_not_a_row_of_no_file(
    tmp_path: Path,
) -> None:
    """epraccur 2019-11 with Code-Point: 'active practices of epraccur…, row 77 (A82010):
    postcode LA14 2IB is not in the postcode lookup' — A82010 is on row 88 of the file (row
    77 of the active practices joined with the list sizes), so the row led to another
    practice."""
    from footprints.errors import InputError
    from footprints.io import assemble_practices

    def practice(code: str, status: str, postcode: str) -> str:
        cells = [code, f"PRACTICE {code}", "Y60", "QZZ", "1 HIGH ST", "", "WEXBRIDGE", "", ""]
        cells += [postcode, "19740401", "", status, "B", "98X", "20130401", "", "01632 960001"]
        cells += ["", "", "", "0", "", "98X", "", "4", ""]
        return ",".join(f'"{cell}"' for cell in cells)

    epraccur = tmp_path / "epraccur.csv"
    rows = [practice(code, "C", "ZX1 1AA") for code in ("Z00001", "Z00004")]  # closed
    rows.append(practice("Z00002", "A", "ZX1 1AA"))
    rows.append(practice("Z00003", "A", "ZX9 9ZZ"))  # the file's row 4; it was called row 3
    epraccur.write_text("\n".join(rows) + "\n", encoding="utf-8")
    sizes = tmp_path / "sizes.csv"
    sizes.write_text(
        "PUBLICATION,EXTRACT_DATE,TYPE,CCG_CODE,ONS_CCG_CODE,CODE,POSTCODE,SEX,AGE,"
        "NUMBER_OF_PATIENTS\n"
        "GP_PRAC_PAT_LIST,01JAN2021,GP,98X,E38900001,Z00002,ZX1 1AA,ALL,ALL,5000\n"
        "GP_PRAC_PAT_LIST,01JAN2021,GP,98X,E38900001,Z00003,ZX9 9ZZ,ALL,ALL,6000\n",
        encoding="utf-8",
    )
    postcodes = tmp_path / "codepoint.csv"
    postcodes.write_text(
        '"ZX1 1AA",10,422780,255557,"E92000001","","","","E06000004",""\n', "utf-8"
    )
    with pytest.raises(InputError) as raised:
        assemble_practices(epraccur=epraccur, list_sizes=sizes, postcodes=postcodes)
    (problem,) = raised.value.errors
    assert problem.code == "Z00003"
    assert problem.row is None
    assert "postcode 'ZX9 9ZZ' is not in the postcode lookup" in str(problem)


def test_diff_reads_a_practices_file_located_by_postcode_with_postcodes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """diff --practices on Kent and Medway's practices located by postcode said to give
    --postcodes, an option diff did not take."""
    practices = tmp_path / "practices.csv"
    practices.write_text(
        "code,name,list_size,postcode\nZ00001,A,13846,ZX1 1AA\nZ00005,B,4188,ZX1 2AB\n", "utf-8"
    )
    postcodes = tmp_path / "codepoint.csv"
    postcodes.write_text(
        '"ZX1 1AA",10,422780,255557,"E92000001","","","","E06000004",""\n'
        '"ZX1 2AB",10,423563,252911,"E92000001","","","","E06000004",""\n',
        encoding="utf-8",
    )
    plan_a, plan_b = tmp_path / "a.csv", tmp_path / "b.csv"
    plan_a.write_text("practice_code,network_id\nZ00001,N1\nZ00005,N1\n", encoding="utf-8")
    plan_b.write_text("practice_code,network_id\nZ00001,N1\nZ00005,N2\n", encoding="utf-8")
    command = ["diff", "--practices", str(practices), str(plan_a), str(plan_b)]
    assert main(command) == 2
    assert "--postcodes on the command line" in capsys.readouterr().err
    assert main([*command, "--postcodes", str(postcodes)]) == 1
    assert "18,034 → 13,846 patients (-4,188)" in capsys.readouterr().out


@pytest.mark.parametrize("command", ["propose", "export"])
def test_out_naming_the_practices_file_is_refused_and_leaves_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    """propose (or export) --practices kent.csv … --out kent.csv replaced the practices file
    with the plan."""
    paths = write_inputs(tmp_path)
    before = paths["practices"].read_bytes()
    plan = tmp_path / "plan.csv"
    plan.write_text("practice_code,network_id\nA1,N1\nA2,N1\nB1,N2\nB2,N2\n", encoding="utf-8")
    extra = ["--time-limit", "1"] if command == "propose" else ["--plan", str(plan)]
    out = tmp_path / "." / paths["practices"].name  # the same file, spelt another way
    assert main([command, *_files(paths), *extra, "--out", str(out)]) == 2
    assert paths["practices"].read_bytes() == before
    assert "is the --practices file: writing there would replace it" in (capsys.readouterr().err)


def test_curve_json_naming_the_boundaries_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Boundaries saved as ccg.json and --curve-json ccg.json: the curves replaced them."""
    paths = write_inputs(tmp_path)
    boundaries = paths["ccg"].with_suffix(".json")
    paths["ccg"].rename(boundaries)
    before = boundaries.read_bytes()
    plan = tmp_path / "plan.csv"
    plan.write_text("practice_code,network_id\nA1,N1\nA2,N1\nB1,N2\nB2,N2\n", encoding="utf-8")
    command = ["propose", "--practices", str(paths["practices"]), "--boundaries", str(boundaries)]
    command += ["--repair", "--plan", str(plan), "--least-change", "--curve-json", str(boundaries)]
    assert main([*command, "--out", str(tmp_path / "out.csv"), "--time-limit", "1"]) == 2
    assert boundaries.read_bytes() == before
    assert "--curve-json" in capsys.readouterr().err


def test_demo_into_a_folder_of_the_users_own_files_is_refused_and_leaves_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """'footprints demo --out .' in the folder of Kent and Medway's practices.csv replaced it
    with the demo's practices."""
    own = tmp_path / "practices.csv"
    own.write_text("practice_code,list_size\nG82002,8430\n", encoding="utf-8")
    assert main(["demo", "--out", str(tmp_path)]) == 2
    assert own.read_text(encoding="utf-8") == "practice_code,list_size\nG82002,8430\n"
    assert "practices.csv is already there and not the demo's" in capsys.readouterr().err
    fresh = tmp_path / "demo"
    assert main(["demo", "--out", str(fresh)]) == 0
    assert main(["demo", "--out", str(fresh)]) == 0  # the demo's own files again: no loss


def _repair_with_no_moves(tmp_path: Path) -> tuple[list[str], Path]:
    """Two CCGs: A's network N1 is in two parts (P1 between them), so A has no plan with
    --max-moves 0; B's plan is fine. The command repairing it, and its --out file."""
    import geopandas as gpd
    import shapely

    x0, y0 = 530000, 180000
    ccg = tmp_path / "ccg.geojson"
    gpd.GeoDataFrame(
        {"CCG20CD": ["E38000001", "E38000002"], "CCG20NM": ["A", "B"]},
        geometry=[
            shapely.box(x0, y0, x0 + 3000, y0 + 1000),
            shapely.box(x0, y0 + 1000, x0 + 3000, y0 + 2000),
        ],
        crs="EPSG:27700",
    ).to_crs("EPSG:4326").to_file(ccg)
    practices = tmp_path / "practices.csv"
    practices.write_text(
        "code,name,list_size,easting,northing\n"
        + "".join(f"P{i},N{i},1000,{x0 + 500 + 1000 * i},{y0 + 500}\n" for i in range(3))
        + "".join(f"Q{i},M{i},1000,{x0 + 500 + 1000 * i},{y0 + 1500}\n" for i in range(3)),
        encoding="utf-8",
    )
    plan = tmp_path / "plan.csv"
    plan.write_text(
        "practice_code,network_id\nP0,N1\nP1,N2\nP2,N1\nQ0,M1\nQ1,M1\nQ2,M1\n", encoding="utf-8"
    )
    out = tmp_path / "out.csv"
    command = ["propose", "--practices", str(practices), "--boundaries", str(ccg)]
    command += ["--repair", "--plan", str(plan), "--max-moves", "0", "--min", "0"]
    command += ["--time-limit", "5", "--processes", "1", "--out", str(out)]
    return command, out


def test_propose_keeps_the_practices_of_an_area_with_no_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """When one area of two had no plan (repaired with --max-moves 0), the written plan
    left its practices out: the next validate called them 'in no network' with no hint why.
    They stay in their current network, and the output says so."""
    command, out = _repair_with_no_moves(tmp_path)
    assert main(command) == 2
    written = read_plan(out).assignment
    assert sorted(written) == ["P0", "P1", "P2", "Q0", "Q1", "Q2"]
    assert [written[p] for p in ("P0", "P1", "P2")] == ["N1", "N2", "N1"]
    text = capsys.readouterr().out
    assert "1 area with no plan (E38000001): the plan keeps 3 practices in their current" in text


def test_no_plan_within_the_move_budget_names_the_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The command line said 'raise max_moves', the library's parameter, not the option."""
    command, _ = _repair_with_no_moves(tmp_path)
    assert main(command) == 2
    text = capsys.readouterr().out
    assert "raise --max-moves" in text
    assert "max_moves" not in text


def test_no_plan_within_the_move_budget_says_how_many_moves_are_needed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """'raise --max-moves' did not say by how much: the user guessed, ran again, guessed."""
    command, _ = _repair_with_no_moves(tmp_path)
    assert main(command) == 2
    text = capsys.readouterr().out
    assert (
        "E38000001: a plan needs 1 practice moved (proved the fewest): give --max-moves 1 or "
        "more, or --least-change instead of --max-moves"
    ) in text
    assert "E38000002:" not in text  # the area with a plan is not solved again


def _one_ccg(tmp_path: Path) -> list[str]:
    """One CCG (E38000001) of three practices P0-P2: the region options for it."""
    import geopandas as gpd
    import shapely

    x0, y0 = 530000, 180000
    ccg = tmp_path / "ccg.geojson"
    gpd.GeoDataFrame(
        {"CCG20CD": ["E38000001"], "CCG20NM": ["A"]},
        geometry=[shapely.box(x0, y0, x0 + 3000, y0 + 1000)],
        crs="EPSG:27700",
    ).to_crs("EPSG:4326").to_file(ccg)
    practices = tmp_path / "practices.csv"
    practices.write_text(
        "code,name,list_size,easting,northing\n"
        + "".join(f"P{i},N{i},1000,{x0 + 500 + 1000 * i},{y0 + 500}\n" for i in range(3)),
        encoding="utf-8",
    )
    return ["--practices", str(practices), "--boundaries", str(ccg)]


def test_counts_of_one_are_singular(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """plans import on one CCG said '(3 practices in 1 CCGs)'; diff said '1 practices moved,
    1 networks created'; export 'Wrote 3 practices in 1 networks'."""
    files = _one_ccg(tmp_path)
    store = ["--store", str(tmp_path / "plans.sqlite")]
    one = tmp_path / "one.csv"
    one.write_text("practice_code,network_id\nP0,N1\nP1,N1\nP2,N1\n", encoding="utf-8")
    assert main(["plans", "import", "one", str(one), *store, *files]) == 0
    out = capsys.readouterr().out
    assert "(3 practices in 1 CCG);" in out
    assert "(3 practices in 1 network)." in out
    moved = tmp_path / "moved.csv"
    moved.write_text("practice_code,network_id\nP0,N1\nP1,N1\nP2,N2\n", encoding="utf-8")
    assert main(["diff", str(one), str(moved)]) == 1
    out = capsys.readouterr().out
    assert "1 practice moved, 1 network created, 0 dissolved, 0 merges, 1 split." in out
    command = ["export", *files, "--plan", str(one), "--out", str(tmp_path / "one.geojson")]
    assert main(command) == 0
    assert "Wrote 3 practices in 1 network (" in capsys.readouterr().out


def test_the_unplaced_warning_leaves_out_a_count_of_nothing(tmp_path: Path) -> None:
    """North West London (no Welsh patients) was told '0 patients in 0 rows live in Welsh
    LSOAs and 1,057 in 195 rows have no LSOA'."""
    import pandas as pd

    from footprints.io.registrations import read_lsoa_registrations, registration_problems

    paths = write_inputs(tmp_path)
    with paths["registrations"].open("a", encoding="utf-8") as handle:
        handle.write("A1,Alpha,NO2011,20\n")
    registrations = read_lsoa_registrations(paths["registrations"])
    practices = pd.read_csv(paths["practices"], dtype={"code": str})
    without_b1 = practices[practices["code"] != "B1"]  # B1 has the Welsh row
    texts = [p.message for p in registration_problems(registrations, without_b1, tolerance=0.5)]
    (text,) = [t for t in texts if "no LSOA" in t]
    assert text.startswith("of the 3 practices loaded, 20 patients in 1 row have no LSOA")
    assert "Welsh LSOAs" not in text


def test_a_one_ccg_region_is_counted_in_the_singular(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An areas file naming a CCG not in a one-CCG region said 'its 1 lower areas'.

    The region's own CCG is on no row: with it grouped, rows of other areas are left out
    with a warning (a national file used for one ICB), not refused.
    """
    files = _one_ccg(tmp_path)
    areas = tmp_path / "areas.csv"
    areas.write_text("ccg,group\nXYZ,G\n", encoding="utf-8")
    command = ["propose", *files, "--areas", str(areas), "--out", str(tmp_path / "out.csv")]
    assert main(command) == 2
    assert "of the region; its 1 lower area: E38000001" in capsys.readouterr().err
