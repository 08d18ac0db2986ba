"""Tests for alignment.soc_vintage: SOC 2010 codes of older vintages detected and converted to SOC 2018."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from alignment import build
from alignment import inputs as inputs_mod
from alignment.reference import load_cip_cluster, load_cip_soc, load_clusters
from alignment.soc_vintage import (
    builtin_soc_changes,
    detect_soc_vintage,
    onet_to_soc_2018,
    projections_for_run,
    projections_to_soc_2018,
    soc_conversion,
)
from alignment.sources.onet_clusters import onet_soc_cluster, read_onet_career_clusters
from alignment.sources.projections import read_projections
from alignment.sources.staffing import read_soc_crosswalk_2010_2018

HERE = Path(__file__).parent
EP_2024 = HERE / "fixtures" / "projections" / "ep_occupation_2024_34.xlsx"
REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real-data"
REAL_CROSSWALK = REAL / "bls-soc-2010-2018-crosswalk" / "soc_2010_to_2018_crosswalk.xlsx"
REAL_ONET = REAL / "onet-career-clusters-legacy" / "All_Career_Clusters.csv"
REAL_EP = REAL / "bls-employment-projections" / "occupation.xlsx"
ONET_HEADER = "Career Cluster,Career Pathway,Code,Occupation\n"


def _projection_fixtures():
    """The 2016–26 workbook builder of test_sources_projections (one layout, written once)."""
    spec = importlib.util.spec_from_file_location("_ep_fixtures", HERE / "test_sources_projections.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def small_crosswalk(tmp_path: Path) -> pd.DataFrame:
    """A few BLS crosswalk pairs in its layout (title lines, then the header)."""
    path = tmp_path / "soc_2010_to_2018_crosswalk.csv"
    path.write_text(
        "U.S. Bureau of Labor Statistics\n\n"
        "2010 SOC Code,2010 SOC Title,2018 SOC Code,2018 SOC Title\n"
        "11-9061,Funeral Service Managers,11-9171,Funeral Home Managers\n"
        '13-1021,"Buyers and Purchasing Agents, Farm Products",13-1021,"Buyers and Purchasing Agents, Farm Products"\n'
        '13-1022,"Wholesale and Retail Buyers, Except Farm Products",13-1022,"Wholesale and Retail Buyers, Except Farm Products"\n'
        '13-1023,"Purchasing Agents, Except Wholesale, Retail, and Farm Products",13-1023,"Purchasing Agents, Except Wholesale, Retail, and Farm Products"\n'
        "13-2021,Appraisers and Assessors of Real Estate (#),13-2022,Appraisers of Personal and Business Property\n"
        "13-2021,Appraisers and Assessors of Real Estate (#),13-2023,Appraisers and Assessors of Real Estate\n"
        '15-1132,"Software Developers, Applications (#)",15-1252,Software Developers\n'
        '15-1132,"Software Developers, Applications (#)",15-1253,Software Quality Assurance Analysts and Testers\n'
        '15-1133,"Software Developers, Systems Software (#)",15-1252,Software Developers\n'
        '15-1133,"Software Developers, Systems Software (#)",15-1253,Software Quality Assurance Analysts and Testers\n'
        "29-1141,Registered Nurses,29-1141,Registered Nurses\n"
        "47-2111,Electricians,47-2111,Electricians\n"
        "45-3011,Fishers and Related Fishing Workers,45-3031,Fishing and Hunting Workers\n"
        "45-3021,Hunters and Trappers,45-3031,Fishing and Hunting Workers\n"
    )
    return read_soc_crosswalk_2010_2018(path)


# ------------------------------------------------------------------------------------------------ vintage


def test_vintage_from_the_builtin_lists_and_from_the_crosswalk(tmp_path):
    only_2010, only_2018 = builtin_soc_changes()
    assert not only_2010 & only_2018
    assert {"15-1132", "13-2021", "25-2052"} <= only_2010 and {"15-1252", "13-2023"} <= only_2018
    old = detect_soc_vintage(["15-1132", "15-1133", "13-2021", "29-1141", "13-1020", None, "x"])
    assert (old.vintage, old.codes, old.only_2010) == ("2010", 4, ("13-2021", "15-1132", "15-1133"))
    # a current file with one SOC 2010 aggregate (OEWS writes 25-2052 too) is SOC 2018
    assert detect_soc_vintage(["15-1252", "15-1253", "25-2052", "29-1141"]).vintage == "2018"
    cw = small_crosswalk(tmp_path)
    v = detect_soc_vintage(["15-1132", "13-2021", "29-1141", "99-9991"], cw)
    assert (v.vintage, v.only_2010, v.unknown) == ("2010", ("13-2021", "15-1132"), ("99-9991",))
    assert detect_soc_vintage(["15-1252", "29-1141", "99-9991"], cw).vintage == "2018"


def test_conversion_plan_renames_splits_merges_and_keeps(tmp_path):
    cw = small_crosswalk(tmp_path)
    codes = [
        "11-9061",
        "13-1020",
        "13-2021",
        "15-1132",
        "15-1133",
        "29-1141",
        "45-3011",
        "45-3021",
        "99-9991",
    ]
    c = soc_conversion(codes, cw, weights={"15-1252": 1_500_000.0, "15-1253": 200_000.0})
    assert c.renamed == ("11-9061", "45-3011", "45-3021")
    assert c.split == ("13-2021", "15-1132", "15-1133") and c.converted == 6
    assert c.merged == ("15-1252", "15-1253", "45-3031") and c.kept == ("99-9991",)
    assert c.split_equal == ("13-2021",)  # no national employment for 13-2022 / 13-2023
    links = c.links.set_index(["soc", "soc_2018"])["part"]
    # 15-1252 and 15-1253 are each fed by two SOC 2010 codes: 750,000 against 100,000
    assert links["15-1132", "15-1252"] == pytest.approx(750 / 850)
    assert links["13-2021", "13-2022"] == 0.5 and links["13-1020", "13-1020"] == 1.0  # unchanged broad group
    assert c.links.groupby("soc")["part"].sum().round(12).eq(1).all()


# -------------------------------------------------------------------------------------------- projections


@pytest.fixture
def ep_2016(tmp_path) -> pd.DataFrame:
    return read_projections(_projection_fixtures().workbook_2016_26(tmp_path / "occupation.xlsx"))


def test_2016_26_projections_come_out_in_soc_2018(tmp_path, ep_2016):
    cw = small_crosswalk(tmp_path)
    weights = pd.Series({"15-1252": 1_500_000.0, "15-1253": 200_000.0, "29-1141": 3_000_000.0})
    out, notes = projections_to_soc_2018(ep_2016, cw, weights=weights)
    assert list(out.columns) == list(ep_2016.columns)
    assert out.dtypes.to_dict() == ep_2016.dtypes.to_dict()
    assert out.soc.tolist() == [
        "11-9171",
        "13-1020",
        "13-2022",
        "13-2023",
        "15-1252",
        "15-1253",
        "29-1141",
        "47-2111",
    ]
    assert detect_soc_vintage(out.soc, cw).vintage == "2018"
    for col in ("employment_base", "employment_proj", "openings_annual", "exits_annual", "transfers_annual"):
        assert out[col].sum() == pytest.approx(ep_2016[col].sum())  # nothing lost, nothing counted twice
    s = out.set_index("soc")
    # 1,200,000 software developers (2010: 800,000 + 400,000) shared 750,000 : 100,000
    assert s.loc["15-1252", "employment_base"] == pytest.approx(1_200_000 * 750 / 850, abs=1e-3)
    assert s.loc["15-1252", "openings_annual"] == pytest.approx(86_000 * 750 / 850, abs=1e-3)
    assert s.loc["15-1252", "employment_change_pct"] == pytest.approx(11.7)  # 140 / 1,200, recomputed
    assert (
        s.loc["15-1252", "soc_title"] == "Software Developers" and s.loc["15-1252", "o_group"] == "detailed"
    )
    # wage and education of a merged code: the SOC 2010 code with the most employment (15-1132)
    assert s.loc["15-1252", "wage_median_annual_usd"] == 101790.0 and s.loc["15-1252", "source_row"] == 8
    assert (
        s.loc["13-2022", "openings_annual"] == s.loc["13-2023", "openings_annual"] == 3400.0
    )  # equal halves
    assert s.loc["13-2023", "employment_change_pct"] == 5.0
    assert (
        s.loc["11-9171", "soc_title"] == "Funeral Home Managers"
        and s.loc["11-9171", "employment_base"] == 30000
    )
    assert s.loc["29-1141", "soc_title"] == "Registered nurses"  # unchanged rows keep the file's cells
    (note,) = notes
    assert note.file.endswith("occupation.xlsx") and note.row is None
    assert "written in SOC 2010" in note.message and "(2016–2026)" in note.message
    assert "4 of its 6 detailed codes are SOC 2010 codes that SOC 2018 no longer uses" in note.message
    assert "e.g. 11-9061, 13-2021, 15-1132, 15-1133" in note.message
    assert "4 codes converted, 1 renamed to one SOC 2018 code and 3 split among several" in note.message
    assert "in equal shares for 1 code with no such employment" in note.message
    assert "2 codes of SOC 2018 made of several codes of the file" in note.message


def test_without_a_crosswalk_a_soc_2010_file_is_passed_on_with_a_warning(ep_2016):
    out, notes = projections_to_soc_2018(ep_2016, None)
    pd.testing.assert_frame_equal(out, ep_2016)
    (note,) = notes
    assert "written in SOC 2010" in note.message and "crosswalks.soc_2010_2018" in note.message
    assert "4 of its 6 detailed codes are SOC 2010 codes that SOC 2018 no longer uses" in note.message
    assert "(e.g. 11-9061, 13-2021, 15-1132, 15-1133)" in note.message


def test_soc_2018_projections_are_left_alone(tmp_path):
    current = read_projections(EP_2024)
    for cw in (None, small_crosswalk(tmp_path)):
        out, notes = projections_to_soc_2018(current, cw)
        pd.testing.assert_frame_equal(out, current)
        assert notes == []


def test_projections_for_run_split_by_the_run_oews_national_employment(tmp_path):
    workbook = _projection_fixtures().workbook_2016_26(tmp_path / "occupation.xlsx")
    small_crosswalk(tmp_path)  # writes soc_2010_to_2018_crosswalk.csv
    crosswalk = tmp_path / "soc_2010_to_2018_crosswalk.csv"
    cfg = SimpleNamespace(
        inputs=SimpleNamespace(projections=(EP_2024, workbook)), crosswalks={"soc_2010_2018": crosswalk}
    )
    oews = pd.DataFrame(
        {
            "area_code": ["99", "99", "50"],
            "soc": ["13-2022", "13-2023", "13-2022"],
            "employment": [300.0, 100.0, 9.0],
        }
    )
    out, notes = projections_for_run(cfg, oews)
    assert len(notes) == 1 and "occupation.xlsx" in notes[0].file  # the SOC 2018 file gets none
    appraisers = out[out.soc.isin(["13-2022", "13-2023"])].set_index("soc")["openings_annual"]
    assert appraisers.to_dict() == {"13-2022": 5100.0, "13-2023": 1700.0}  # 6,800 shared 3 : 1
    assert set(out.loc[out.base_year == 2024, "soc"]) == set(read_projections(EP_2024).soc)


# ------------------------------------------------------------------------------------ cluster membership


def soc_2010_export(tmp_path: Path) -> Path:
    path = tmp_path / "All_Career_Clusters.csv"
    path.write_text(
        ONET_HEADER
        + "Finance,Business Finance,13-2021.00,Appraisers and Assessors of Real Estate\n"
        + '"Information Technology; Science, Technology, Engineering & Mathematics",'
        + '"Programming and Software Development; Engineering and Technology",'
        + '15-1132.00,"Software Developers, Applications"\n'
        + "Information Technology,Programming and Software Development,15-1133.00,"
        + '"Software Developers, Systems Software"\n'
        + "Health Science,Therapeutic Services,29-1141.00,Registered Nurses\n"
        + "Health Science,Therapeutic Services,29-1141.01,Acute Care Nurses\n"
        + "Human Services,Personal Care Services,11-9061.00,Funeral Service Managers\n"
    )
    return path


def test_a_soc_2010_cluster_export_comes_out_in_soc_2018(tmp_path):
    cw = small_crosswalk(tmp_path)
    df = read_onet_career_clusters(soc_2010_export(tmp_path))
    out, notes = onet_to_soc_2018(df, cw)
    assert list(out.columns) == list(df.columns)
    assert sorted(out.soc.unique()) == ["11-9171", "13-2022", "13-2023", "15-1252", "15-1253", "29-1141"]
    # a split code belongs to every SOC 2018 code it splits into, its O*NET-SOC code kept as written
    appraisers = out[out.onet_soc == "13-2021.00"]
    assert appraisers.soc.tolist() == ["13-2022", "13-2023"] and set(appraisers.cluster_name) == {"Finance"}
    soc = onet_soc_cluster(out)
    assert soc.groupby("soc").share.sum().round(12).eq(1).all()
    # 15-1252 is made of 15-1132 (two clusters) and 15-1133 (one): the clusters of both
    dev = soc[soc.soc == "15-1252"]
    assert set(dev.cluster_name) == {
        "Information Technology",
        "Science, Technology, Engineering & Mathematics",
    }
    assert dev.share.tolist() == [0.5, 0.5]
    (note,) = notes
    assert "Career Cluster export are written in SOC 2010" in note.message
    assert "4 codes converted, 1 renamed to one SOC 2018 code and 3 split among several" in note.message
    assert "go to every SOC 2018 code it splits into" in note.message
    assert "2 codes of SOC 2018 made of several codes of the file" in note.message
    alone, warned = onet_to_soc_2018(df, None)
    pd.testing.assert_frame_equal(alone, df)
    assert "crosswalks.soc_2010_2018" in warned[0].message and "e.g. 11-9061, 13-2021" in warned[0].message


def test_the_legacy_cluster_table_of_a_run_converts_and_notes(tmp_path):
    small_crosswalk(tmp_path)
    export = soc_2010_export(tmp_path)
    cfg = SimpleNamespace(
        framework="legacy",
        cluster_rule="primary",
        crosswalks={"onet_clusters": export, "soc_2010_2018": tmp_path / "soc_2010_to_2018_crosswalk.csv"},
    )
    ref = inputs_mod.Reference(
        clusters=load_clusters("legacy"),
        cip_cluster=load_cip_cluster("legacy"),
        naics_cluster=pd.DataFrame(),
        cip_soc=load_cip_soc(),
    )
    notes: list = []
    table = build.soc_cluster_table(cfg, ref, notes)
    assert {"15-1252", "13-2023", "11-9171"} <= set(table.soc) and "15-1132" not in set(table.soc)
    assert len(notes) == 1 and "Converted to SOC 2018" in notes[0].message
    build.soc_cluster_table(cfg, ref, notes)
    assert len(notes) == 1  # the same note once


# ------------------------------------------------------------------------------------------- real files


@pytest.fixture(scope="module")
def real_crosswalk() -> pd.DataFrame:
    if not REAL_CROSSWALK.exists():
        pytest.skip(f"{REAL_CROSSWALK} not present")
    return read_soc_crosswalk_2010_2018(REAL_CROSSWALK)


@pytest.mark.realdata
def test_builtin_change_lists_agree_with_the_bls_crosswalk(real_crosswalk):
    s10, s18 = set(real_crosswalk.soc_2010), set(real_crosswalk.soc_2018)
    only_2010, only_2018 = builtin_soc_changes()
    assert only_2010 == s10 - s18 and only_2018 == s18 - s10
    assert (len(only_2010), len(only_2018)) == (88, 115)


@pytest.mark.realdata
def test_real_legacy_export_is_soc_2018_and_left_alone(real_crosswalk):
    if not REAL_ONET.exists():
        pytest.skip(f"{REAL_ONET} not present")
    df = read_onet_career_clusters(REAL_ONET)
    v = detect_soc_vintage(df.soc, real_crosswalk)
    # the shared copy is the O*NET-SOC 2019 export: 867 codes, all SOC 2018
    assert (v.vintage, v.codes, len(v.only_2010), len(v.unknown)) == ("2018", 867, 0, 0)
    out, notes = onet_to_soc_2018(df, real_crosswalk)
    pd.testing.assert_frame_equal(out, df)
    assert notes == []


@pytest.mark.realdata
def test_an_export_of_every_soc_2010_code_comes_out_in_soc_2018(tmp_path, real_crosswalk):
    # an export in the O*NET layout listing every SOC 2010 detailed code (built here from the crosswalk's
    # 2010 column, in one made-up cluster): the shape of an O*NET-SOC 2010 taxonomy export
    codes = sorted(set(real_crosswalk.soc_2010))
    path = tmp_path / "All_Career_Clusters.csv"
    path.write_text(ONET_HEADER + "".join(f"Manufacturing,Production,{c}.00,Occupation {c}\n" for c in codes))
    df = read_onet_career_clusters(path)
    out, notes = onet_to_soc_2018(df, real_crosswalk)
    s18 = set(real_crosswalk.soc_2018)
    assert len(codes) == 840 and sum(c not in s18 for c in df.soc.unique()) == 88
    assert sum(c not in s18 for c in out.soc.unique()) == 0 and out.soc.nunique() == 867
    (note,) = notes
    assert "88 of its 840 detailed codes are SOC 2010 codes that SOC 2018 no longer uses" in note.message
    assert "106 codes converted, 64 renamed to one SOC 2018 code and 42 split among several" in note.message
    assert "31 codes of SOC 2018 made of several codes of the file" in note.message


@pytest.mark.realdata
def test_real_current_projections_are_soc_2018(real_crosswalk):
    if not REAL_EP.exists():
        pytest.skip(f"{REAL_EP} not present")
    df = read_projections(REAL_EP)
    v = detect_soc_vintage(df.soc, real_crosswalk)
    # 25-2052 is the one SOC 2010 code: a BLS aggregate OEWS writes too
    assert (v.vintage, v.only_2010, len(v.only_2018)) == ("2018", ("25-2052",), 102)
    out, notes = projections_to_soc_2018(df, real_crosswalk)
    pd.testing.assert_frame_equal(out, df)
    assert notes == []
