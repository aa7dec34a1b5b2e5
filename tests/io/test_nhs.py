"""The published NHS Digital / ONS formats, and assembling them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from footprints.errors import InputError, collected_warnings
from footprints.io import (
    assemble_practices,
    read_epcn,
    read_epraccur,
    read_gp_reg_pat,
    read_plan,
    read_postcode_lookup,
    read_qof_mapping,
)

PRACTICE_COLUMNS = ["code", "name", "list_size", "ccg", "stp", "patch", "network", "geometry"]


def test_read_epraccur_without_header(test_data: Path) -> None:
    practices = read_epraccur(test_data / "io_epraccur_noheader.csv")
    assert practices["code"].tolist() == ["A81001", "A81002"]  # prescribing setting 8 dropped
    assert practices["postcode"].tolist() == ["TS18 1HU", "TS18 2AW"]
    assert practices["status"].tolist() == ["A", "C"]
    assert practices["ccg"].tolist() == ["00K", "00K"]
    assert practices["close_date"].tolist() == ["", "20190331"]
    assert len(read_epraccur(test_data / "io_epraccur_noheader.csv", gp_only=False)) == 3


def test_read_epraccur_with_added_header(test_data: Path) -> None:
    practices = read_epraccur(test_data / "io_epraccur_header.csv")
    assert practices[["code", "postcode", "ccg", "status"]].iloc[0].tolist() == [
        "A81001",
        "TS18 1HU",
        "00K",
        "A",
    ]


def test_read_epraccur_duplicates_use_file_rows(test_data: Path) -> None:
    # no header: the first data row is row 1
    with pytest.raises(InputError, match="A81001 appears on rows 1, 2"):
        read_epraccur(test_data / "io_epraccur_duplicate_codes.csv")


def test_read_gp_reg_pat(test_data: Path) -> None:
    table = read_gp_reg_pat(test_data / "io_gp_reg_pat.csv")
    assert list(table.columns) == ["code", "list_size", "ccg", "postcode"]
    assert table["list_size"].tolist() == [4100, 19200]  # the MALE row is not a total
    assert table["ccg"].tolist() == ["E38000247", "E38000247"]


def test_read_gp_reg_pat_bad_sizes(test_data: Path) -> None:
    with pytest.raises(InputError) as caught:
        read_gp_reg_pat(test_data / "io_gp_reg_pat_bad_sizes.csv")
    assert [(p.row, p.code) for p in caught.value.problems] == [(2, "A81001"), (3, "A81002")]
    assert "list size -5 is negative" in str(caught.value)
    assert "list size 'n/a' is not a number" in str(caught.value)


def test_read_qof_mapping(test_data: Path) -> None:
    table = read_qof_mapping(test_data / "io_qof_mapping.csv")
    assert table.iloc[0][["code", "ccg", "stp", "network", "network_name"]].tolist() == [
        "A81001",
        "E38000247",
        "E54000050",
        "U89141",
        "Stockton PCN",
    ]
    assert table["network"].iloc[1] is None
    assert table["network_name"].iloc[1] is None


def test_read_epcn_csv_drops_ended_memberships(test_data: Path) -> None:
    members = read_epcn(test_data / "io_epcn_core_partner.csv")
    assert dict(zip(members["code"], members["network"], strict=True)) == {
        "A81001": "U89141",
        "A81002": "U07032",
    }
    assert members["network_name"].tolist() == ["STOCKTON PCN", "NORTH STOCKTON PCN"]


def _write_epcn_xlsx(path: Path, csv_path: Path, *, formula_names: bool) -> None:
    rows = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    workbook = openpyxl.Workbook()
    details = workbook.active
    assert details is not None
    details.title = "PCN Details"
    details.append(["PCN Code", "PCN Name"])
    details.append(["U89141", "STOCKTON PCN"])
    details.append(["U07032", "NORTH STOCKTON PCN"])
    members = workbook.create_sheet("PCN Core Partner Details")
    members.append([c.replace(" ", "\n", 1) for c in rows.columns])  # as in the 2022 file
    for number, values in enumerate(rows.itertuples(index=False), start=2):
        cells: list[object] = [v or None for v in values]
        if formula_names:
            cells[5] = f"=VLOOKUP(E{number},'PCN Details'!A:B,2,FALSE)"
        members.append(cells)
    workbook.save(path)


@pytest.mark.parametrize("formula_names", [False, True])
def test_read_epcn_xlsx(test_data: Path, tmp_path: Path, formula_names: bool) -> None:
    path = tmp_path / "ePCN.xlsx"
    _write_epcn_xlsx(path, test_data / "io_epcn_core_partner.csv", formula_names=formula_names)
    members = read_epcn(path)
    assert members["code"].tolist() == ["A81001", "A81002"]
    assert members["network_name"].tolist() == ["STOCKTON PCN", "NORTH STOCKTON PCN"]
    plan = read_plan(path)
    assert plan.assignment == {"A81001": "U89141", "A81002": "U07032"}


def test_read_epcn_two_current_networks(test_data: Path) -> None:
    with pytest.raises(InputError, match=r"A81001 is a current member of more than one PCN"):
        read_epcn(test_data / "io_epcn_two_current_networks.csv")


def test_assemble_practices(test_data: Path) -> None:
    practices = assemble_practices(
        mapping=test_data / "io_qof_mapping.csv",
        epraccur=test_data / "io_epraccur_noheader.csv",
        list_sizes=test_data / "io_qof_list_sizes.csv",
        postcodes=test_data / "io_postcodes.csv",
    )
    assert list(practices.columns) == PRACTICE_COLUMNS
    assert practices["list_size"].tolist() == [4111, 19189]
    assert practices["ccg"].tolist() == ["E38000247", "E38000247"]
    assert practices["network"].tolist() == ["U89141", None]


def test_assemble_practices_from_epraccur_and_gp_reg_pat(test_data: Path) -> None:
    practices = assemble_practices(
        epraccur=test_data / "io_epraccur_noheader.csv",
        list_sizes=test_data / "io_gp_reg_pat.csv",
        postcodes=test_data / "io_postcodes.csv",
        epcn=test_data / "io_epcn_core_partner.csv",
    )
    assert practices["code"].tolist() == ["A81001"]  # A81002 is closed
    assert practices[["list_size", "ccg", "network"]].iloc[0].tolist() == [4100, "00K", "U89141"]


@pytest.mark.realdata
def test_real_published_formats(shared_data: Path) -> None:
    practices_dir = shared_data / "practices"
    epraccur = read_epraccur(practices_dir / "epraccur_2019-11_gp_practices_england.csv")
    assert len(epraccur) == 8204 and (epraccur["status"] == "A").sum() == 6830
    registered = read_gp_reg_pat(shared_data / "list_sizes" / "gp-reg-pat-prac-all_2021-01.csv")
    assert len(registered) == 6658 and registered["list_size"].sum() == 60_606_345
    membership = shared_data / "pcn_membership"
    mapping = read_qof_mapping(membership / "qof_MAPPING_NHS_GEOGRAPHIES_2019-20.csv")
    assert len(mapping) == 6720 and mapping["ccg"].nunique() == 135
    assert mapping["network"].nunique() == 1250
    from_xlsx = read_epcn(membership / "ePCN_2019-12.xlsx")
    from_csv = read_epcn(membership / "epcn_2019-12_core_partner_details.csv")
    assert len(from_xlsx) == 6757
    pd.testing.assert_frame_equal(from_xlsx, from_csv)
    later = pd.read_csv(membership / "epcn_2022-04_core_partner_details.csv", dtype=str)
    current = later["Practice to PCN Relationship End Date"].isna().sum()
    assert len(read_epcn(membership / "epcn_2022-04_core_partner_details.csv")) == current
    lookup = read_postcode_lookup(
        shared_data / "postcodes" / "practice_postcodes_codepoint_open.csv"
    )
    assert len(lookup) == 7668 and lookup["postcode"].is_unique


@pytest.mark.realdata
def test_real_assembled_practices_report_unknown_postcodes(shared_data: Path) -> None:
    membership = shared_data / "pcn_membership"
    postcodes = shared_data / "postcodes" / "practice_postcodes_codepoint_open.csv"
    epraccur = shared_data / "practices" / "epraccur_2019-11_gp_practices_england.csv"
    # independent check: practices whose epraccur postcode is not in the lookup
    known = set(pd.read_csv(postcodes, dtype=str)["postcode_nospace"])
    codes = set(
        pd.read_csv(membership / "qof_MAPPING_NHS_GEOGRAPHIES_2019-20.csv")["PRACTICE_CODE"]
    )
    places = pd.read_csv(epraccur, dtype=str)
    places = places[places["org_code"].isin(codes)]
    typed = places["postcode"].str.replace(" ", "")
    unknown = places[~typed.isin(known)]
    # a postcode whose sector (all but the last two characters) the lookup has is placed
    # there with a warning (LA14 2IB: three practices); the others are errors
    sectors = {code[:-2] for code in known}
    in_sector = unknown["postcode"].str.replace(" ", "").str[:-2].isin(sectors)
    placed, refused = (
        set(unknown.loc[in_sector, "org_code"]),
        set(unknown.loc[~in_sector, "org_code"]),
    )
    assert placed and refused
    with collected_warnings() as warned, pytest.raises(InputError) as caught:
        assemble_practices(
            mapping=membership / "qof_MAPPING_NHS_GEOGRAPHIES_2019-20.csv",
            epraccur=epraccur,
            list_sizes=shared_data / "list_sizes" / "qof_list_size_2020-01.csv",
            postcodes=postcodes,
        )
    assert {p.code for p in caught.value.errors} == refused
    assert all("is not in the postcode lookup" in p.message for p in caught.value.errors)
    sector_warnings = {p.code for p in warned if "centre of its postcode sector" in p.message}
    assert sector_warnings == placed


def test_read_epcn_a_membership_listed_twice_is_read_once_with_a_warning(
    test_data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The same practice in the same PCN on two current rows is no conflict.

    It was refused as "a current member of more than one PCN", which it is not."""
    lines = (test_data / "io_epcn_core_partner.csv").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "epcn.csv"
    path.write_text("\n".join([*lines, lines[1]]) + "\n", encoding="utf-8")
    members = read_epcn(path)
    assert members["code"].tolist() == ["A81001", "A81002"]
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any(
        f"row {len(lines) + 1} (A81001): practice A81001 is listed in PCN U89141 on rows 2, "
        f"{len(lines) + 1}" in message
        for message in warned
    ), warned


def test_assemble_practices_leaves_out_practices_the_list_sizes_lack_with_one_warning(
    test_data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """epraccur of November 2021 against the list sizes of January 2021, as published.

    452 active practices of that epraccur have no row in the list-size file (opened since,
    or Welsh): each was an error, so England could not be assembled at all. They are now
    left out, named in one warning; a practice whose row has an empty list size is still an
    error."""
    lines = (test_data / "io_epraccur_noheader.csv").read_text(encoding="utf-8").splitlines()
    opened = lines[0].replace('"A81001"', '"Y09999"').replace("THE DENSHAM SURGERY", "NEW ONE")
    epraccur = tmp_path / "epraccur.csv"
    epraccur.write_text("\n".join([*lines, opened]) + "\n", encoding="utf-8")
    practices = assemble_practices(
        epraccur=epraccur,
        list_sizes=test_data / "io_gp_reg_pat.csv",
        postcodes=test_data / "io_postcodes.csv",
    )
    assert practices["code"].tolist() == ["A81001"]
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any(
        "1 practice of the practice list has no row in the list-size file (Y09999): left out"
        in message
        for message in warned
    ), warned
    sizes = tmp_path / "sizes.csv"
    sizes.write_text("practice_code,list_size_total\nA81001,\nY09999,100\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"\(A81001\): list size is empty"):
        assemble_practices(
            epraccur=epraccur, list_sizes=sizes, postcodes=test_data / "io_postcodes.csv"
        )


def test_gp_reg_pat_practices_without_an_all_row_are_male_plus_female(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A totals file where some practices have only MALE and FEMALE rows: they were dropped
    (no list size), silently."""
    path = tmp_path / "gp-reg-pat-prac-all.csv"
    path.write_text(
        "CODE,SEX,AGE,NUMBER_OF_PATIENTS\n"
        "A81001,ALL,ALL,7000\n"
        "A81001,MALE,ALL,3400\n"
        "A81002,MALE,ALL,2000\n"
        "A81002,FEMALE,ALL,2500\n"
        "A81002,FEMALE,0,30\n",
        encoding="utf-8",
    )
    table = read_gp_reg_pat(path)
    assert dict(zip(table["code"], table["list_size"], strict=True)) == {
        "A81001": 7000,
        "A81002": 4500,
    }
    assert "1 practice has no SEX = ALL row (A81002)" in caplog.text


def test_the_list_sizes_since_july_2022_give_the_ons_sub_icb_code(tmp_path: Path) -> None:
    """gp-reg-pat-prac-all.csv names its CCG columns SUB_ICB_LOCATION_CODE and
    ONS_SUB_ICB_LOCATION_CODE since July 2022: ccg was read as empty."""
    path = tmp_path / "gp-reg-pat-prac-all.csv"
    path.write_text(
        "PUBLICATION,EXTRACT_DATE,TYPE,SUB_ICB_LOCATION_CODE,ONS_SUB_ICB_LOCATION_CODE,CODE,"
        "POSTCODE,SEX,AGE,NUMBER_OF_PATIENTS\n"
        "GP_PRAC_PAT_LIST,2026-04-01,GP,16C,E38000247,A81001,TS18 1HU,ALL,ALL,4111\n",
        encoding="utf-8",
    )
    table = read_gp_reg_pat(path)
    assert table[["code", "list_size", "ccg"]].to_dict("records") == [
        {"code": "A81001", "list_size": 4111, "ccg": "E38000247"}
    ]


def test_the_epcn_file_since_july_2022_gives_the_practices_sub_icb(tmp_path: Path) -> None:
    """ePCN's membership sheet says 'Practice Parent Sub ICB Loc Code' since the sub-ICB
    locations replaced the CCGs: the practice's parent was read as empty."""
    path = tmp_path / "epcn.csv"
    path.write_text(
        "Partner Organisation Code,Partner Name,Practice Parent Sub ICB Loc Code,"
        "Practice Parent Sub ICB Loc Name,PCN Code,PCN Name,PCN Parent Sub ICB Loc Code,"
        "PCN Parent Sub ICB Loc Name,Practice to PCN Relationship Start Date,"
        "Practice to PCN Relationship End Date,Sub ICB Loc Match?\n"
        "A81001,THE DENSHAM SURGERY,16C,NHS TEES VALLEY ICB - 16C,U89141,NORTH STOCKTON PCN,"
        "16C,NHS TEES VALLEY ICB - 16C,43647,,True\n"
        "A81002,QUEENS PARK,16C,NHS TEES VALLEY ICB - 16C,U89141,NORTH STOCKTON PCN,"
        "16C,NHS TEES VALLEY ICB - 16C,43647,45016,True\n",
        encoding="utf-8",
    )
    table = read_epcn(path)
    assert table[["code", "network", "ccg"]].to_dict("records") == [
        {"code": "A81001", "network": "U89141", "ccg": "16C"}
    ]


@pytest.mark.parametrize(
    ("as_of", "network"), [(dt.date(2026, 3, 31), "U00001"), (dt.date(2026, 4, 1), "U00002")]
)
def test_a_practice_changing_network_on_a_later_date_is_a_member_of_one_at_a_time(
    tmp_path: Path, as_of: dt.date, network: str
) -> None:
    """The ePCN file lists a practice that changes network on 1 April under both networks
    before then: the old row ending that day, the new one starting it. Any end date counted
    as ended, so the practice was read in the new network before it had moved (and a
    practice leaving next month, with no new row yet, in no network). Dates as the file
    gives them: an Excel serial, YYYYMMDD, day-first text."""
    path = tmp_path / "epcn.csv"
    path.write_text(
        "Partner Organisation Code,PCN Code,Practice to PCN Relationship Start Date,"
        "Practice to PCN Relationship End Date\n"
        "A81001,U00001,43647,01/04/2026\n"  # 43647 is 2019-07-01
        "A81001,U00002,20260401,\n"
        "A81002,U00001,43647,46113\n"  # 46113 is 2026-04-01
        "A81003,U00003,20190701,20200331\n",  # ended long ago
        encoding="utf-8",
    )
    table = read_epcn(path, as_of=as_of)
    members = dict(zip(table["code"], table["network"], strict=True))
    assert members["A81001"] == network
    assert ("A81002" in members) == (as_of < dt.date(2026, 4, 1))
    assert "A81003" not in members


def test_a_list_size_file_of_one_sex_is_refused(tmp_path: Path) -> None:
    """The single-age file of men (published beside the totals) gave each practice its male
    patients as its list size, about half of it, with a warning that 'their male and female
    rows are added together'."""
    path = tmp_path / "gp-reg-pat-prac-sing-age-male.csv"
    path.write_text(
        "PUBLICATION,EXTRACT_DATE,ORG_TYPE,ORG_CODE,POSTCODE,SEX,AGE,NUMBER_OF_PATIENTS\n"
        "GP_PRAC_PAT_LIST,2026-04-01,GP,A81001,TS18 1HU,MALE,ALL,2050\n"
        "GP_PRAC_PAT_LIST,2026-04-01,GP,A81001,TS18 1HU,MALE,0,20\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        read_gp_reg_pat(path)
    assert "counts only the male patients (every row's SEX is MALE)" in str(caught.value)
    assert "give the all-persons totals, gp-reg-pat-prac-all.csv" in str(caught.value)


def test_the_quinary_age_file_says_plainly_how_it_was_read(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """gp-reg-pat-prac-quin-age.csv (patients by sex and five-year age band, no ALL row):
    every practice was named as having 'no SEX = ALL row', 'nothing to do if the file joins
    the all-persons totals with the per-sex ones', which it does not."""
    path = tmp_path / "gp-reg-pat-prac-quin-age.csv"
    path.write_text(
        "PUBLICATION,EXTRACT_DATE,TYPE,CCG_CODE,ONS_CCG_CODE,ORG_CODE,POSTCODE,SEX,"
        "AGE_GROUP_5,NUMBER_OF_PATIENTS\n"
        + "".join(
            f"GP_PRAC_PAT_LIST,01JAN2021,GP,00L,E38000130,A84002,NE65 7UW,{sex},{band},{n}\n"
            for sex in ("FEMALE", "MALE")
            for band, n in (("0_4", 300), ("5_9", 320), ("95+", 10))
        ),
        encoding="utf-8",
    )
    table = read_gp_reg_pat(path)
    assert table[["code", "list_size"]].to_dict("records") == [
        {"code": "A84002", "list_size": 1260}
    ]
    assert "no SEX = ALL row" not in caplog.text
    assert (
        "no row counts all persons (SEX is never ALL): the file counts each practice's "
        "patients by sex and age band (AGE_GROUP_5: 3 bands), so each practice's list size is "
        "read as the sum of its rows (6 rows for 1 practice, 1,260 patients)"
    ) in caplog.text
    assert "gp-reg-pat-prac-all.csv, gives the same list sizes" in caplog.text


@pytest.mark.parametrize(
    ("fixture", "argument"),
    [
        ("io_qof_mapping.csv", "mapping"),
        ("io_epraccur_header.csv", "epraccur"),
        ("io_qof_list_sizes.csv", "list_sizes"),
        ("io_gp_reg_pat.csv", "list_sizes"),
    ],
)
def test_an_empty_row_inside_a_published_file_is_passed_over(
    test_data: Path, tmp_path: Path, fixture: str, argument: str
) -> None:
    """An empty row among the practices (a row deleted in Excel leaves ',,,,') stopped the
    assembly of all England's practices ('the practice code is empty'); it is passed over
    with one warning naming the file and the row, and the practices are the same."""
    inputs = {
        "mapping": test_data / "io_qof_mapping.csv",
        "epraccur": test_data / "io_epraccur_noheader.csv",
        "list_sizes": test_data / "io_qof_list_sizes.csv",
        "postcodes": test_data / "io_postcodes.csv",
    }
    expected = assemble_practices(**{**inputs, argument: test_data / fixture})  # type: ignore[arg-type]
    lines = (test_data / fixture).read_text(encoding="utf-8").splitlines()
    width = lines[0].count(",")
    path = tmp_path / fixture
    path.write_text("\n".join([lines[0], "," * width, *lines[1:]]) + "\n", encoding="utf-8")
    with collected_warnings() as warned:
        practices = assemble_practices(**{**inputs, argument: path})  # type: ignore[arg-type]
    assert practices["code"].tolist() == expected["code"].tolist()
    assert [str(w) for w in warned if "empty row" in w.message] == [
        f"{path}: 1 empty row passed over (row 2): it holds no practice — nothing to do; "
        "delete the empty rows to keep the file tidy"
    ]
