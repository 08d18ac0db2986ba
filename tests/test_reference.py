"""Tests of the package reference tables (Career Clusters frameworks and crosswalks)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from alignment import reference as ref
from alignment.errors import InputError

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real-data"
ADVANCE_CTE = REAL / "advance-cte-career-clusters-2024"
CIP2020 = REAL / "nces-cip-2020" / "CIPCode2020.csv"


def _codes(text: str) -> list[str]:
    return text.split()


# CIP 2020 families with programs (21 and 55 are "Reserved" families without programs)
CIP_FAMILIES = _codes(
    "01 03 04 05 09 10 11 12 13 14 15 16 19 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 "
    "43 44 45 46 47 48 49 50 51 52 53 54 60 61"
)
NAICS_SECTORS = _codes("11 21 22 23 31-33 42 44-45 48-49 51 52 53 54 55 56 61 62 71 72 81 92")
# NAICS 2022 subsectors, plus the 2017 ones that 2022 merged away (retail 442-454, 511, 515)
NAICS_2022_SUBSECTORS = _codes(
    "111 112 113 114 115 211 212 213 221 236 237 238 311 312 313 314 315 316 321 322 323 324 325 326 327 "
    "331 332 333 334 335 336 337 339 423 424 425 441 444 445 449 455 456 457 458 459 481 482 483 484 485 "
    "486 487 488 491 492 493 512 513 516 517 518 519 521 522 523 524 525 531 532 533 541 551 561 562 611 "
    "621 622 623 624 711 712 713 721 722 811 812 813 814 921 922 923 924 925 926 927 928"
)
NAICS_2017_ONLY = _codes("442 443 446 447 448 451 452 453 454 511 515")

realdata = pytest.mark.realdata


# ------------------------------------------------------------------------------------------- frameworks


def test_2024_framework_has_14_clusters_in_6_groupings():
    c = ref.load_clusters("2024")
    assert len(c) == 14
    assert c["grouping"].nunique() == 6
    sizes = c.groupby("grouping").size().to_dict()
    assert sizes == {
        "Building and Moving": 3,
        "Caring for Communities": 3,
        "Connecting and Supporting Success": 3,
        "Creating and Experiencing": 2,
        "Cultivating Resources": 2,
        "Investing in the Future": 1,
    }
    row = c.set_index("cluster_code").loc["arts-entertainment-design"]
    assert row["cluster_name"] == "Arts, Entertainment, & Design"
    assert row["grouping"] == "Creating and Experiencing"
    assert c.set_index("cluster_name").loc["Financial Services", "grouping"] == "Investing in the Future"


def test_2024_has_71_subclusters_with_known_names():
    s = ref.load_subclusters("2024")
    assert len(s) == 71
    assert s["subcluster_code"].is_unique
    per = s.groupby("cluster_code").size()
    assert per["agriculture"] == 6 and per["marketing-sales"] == 4 and per["construction"] == 4
    names = set(s["subcluster_name"])
    assert {
        "Water Systems",
        "Market Research, Analytics, & Ethics",
        "Local, State, & Federal Services",
    } <= names
    assert s.set_index("subcluster_name").loc["Water Systems", "subcluster_code"] == "water-systems"


def test_legacy_has_16_clusters_and_79_pathways():
    c = ref.load_clusters("legacy")
    p = ref.load_subclusters("legacy")
    assert len(c) == 16 and c["grouping"].isna().all()
    assert len(p) == 79 and p["subcluster_code"].is_unique
    assert c["cluster_code"].str.startswith("legacy-").all()
    assert "legacy-health-science" in set(c["cluster_code"])
    per = p.groupby("cluster_code").size()
    assert per["legacy-agriculture-food-natural-resources"] == 7
    assert per["legacy-science-technology-engineering-mathematics"] == 2
    assert per["legacy-transportation-distribution-logistics"] == 7


def test_unknown_framework_is_refused():
    with pytest.raises(ValueError, match="unknown cluster framework"):
        ref.load_clusters("2016")


def test_built_in_tables_are_consistent():
    assert ref.validate_reference() == []


# ------------------------------------------------------------------------------------------ crosswalks


@pytest.mark.parametrize("framework", ["2024", "legacy"])
def test_every_cip_family_has_a_rank_1_cluster(framework):
    t = ref.load_cip_cluster(framework)
    assert t["cip"].str.fullmatch(ref.CIP_PREFIX_RE).all()
    fam = t[(t["cip"].str.len() == 2) & (t["rank"] == 1)]
    assert sorted(fam["cip"]) == sorted(CIP_FAMILIES)
    # one row per (cip, rank), ranks 1..n without gaps
    assert not t.duplicated(["cip", "rank"]).any()
    assert (t.groupby("cip")["rank"].max() == t.groupby("cip").size()).all()


@pytest.mark.parametrize("framework", ["2024", "legacy"])
def test_common_cte_series_are_mapped_at_4_digits(framework):
    keys = set(ref.load_cip_cluster(framework)["cip"])
    wanted = ["01.01", "01.99", "10.03", "11.01", "11.10", "12.04", "12.05", "13.12", "19.07", "43.01"]
    wanted += ["43.02", "47.06", "48.05", "49.02", "50.04", "50.09", "51.06", "51.38", "51.39", "52.02"]
    wanted += ["52.03", "52.09", "52.14"]
    assert [w for w in wanted if w not in keys] == []


@pytest.mark.parametrize("framework", ["2024", "legacy"])
def test_naics_sectors_and_subsectors_covered_and_shares_sum_to_1(framework):
    t = ref.load_naics_cluster(framework)
    codes = set(t["naics"])
    assert set(NAICS_SECTORS) <= codes
    assert set(NAICS_2022_SUBSECTORS) <= codes
    assert set(NAICS_2017_ONLY) <= codes
    assert len(NAICS_2022_SUBSECTORS) == 96
    sums = t.groupby("naics")["share"].sum()
    assert ((sums - 1).abs() < 1e-9).all()
    assert ((t["share"] > 0) & (t["share"] <= 1)).all()


def test_naics_54_splits_between_clusters():
    t = ref.load_naics_cluster("2024")
    s54 = t[t["naics"] == "54"].set_index(["cluster_code", "subcluster_code"])["share"]
    assert len(s54) == 10
    assert s54.loc[("digital-technology", pd.NA)] == pytest.approx(0.24)
    assert s54.loc[("financial-services", "accounting")] == pytest.approx(0.10)


def test_cip_soc_links_are_well_formed():
    t = ref.load_cip_soc()
    assert t["cip"].nunique() >= 55
    assert not t.duplicated(["cip", "soc"]).any()
    assert t["cip"].str.fullmatch(ref.CIP6_RE).all() and t["soc"].str.fullmatch(ref.SOC_RE).all()
    links = set(zip(t["cip"], t["soc"], strict=True))
    for pair in [
        ("51.3801", "29-1141"),
        ("48.0508", "51-4121"),
        ("47.0604", "49-3023"),
        ("12.0503", "35-2014"),
    ]:
        assert pair in links


# -------------------------------------------------------------------------------------------- lookups


def test_lookup_most_specific_prefix_wins():
    t = ref.load_cip_cluster("2024")
    cips = pd.Series(
        ["48.0508", "48.0501", "01.0207", "51.3801", "47.0201", "24.0101", "21.0101", "nonsense", None]
    )
    out = ref.lookup_cip_cluster(cips, t)
    primary = out[out["rank"].isna() | (out["rank"] == 1)].set_index("cip")
    # welding: its own 6-digit row, Advanced Manufacturing first, Construction second
    assert primary.loc["48.0508", "cip_prefix"] == "48.0508"
    assert primary.loc["48.0508", "subcluster_code"] == "production-automation"
    welding = out[out["cip"] == "48.0508"]
    assert welding["cluster_code"].tolist() == ["advanced-manufacturing", "construction"]
    # machinist: no 6-digit row, falls back to the 4-digit series 48.05
    assert primary.loc["48.0501", "cip_prefix"] == "48.05"
    assert primary.loc["01.0207", "subcluster_code"] == "water-systems"
    assert primary.loc["51.3801", "cluster_code"] == "healthcare-human-services"
    assert primary.loc["47.0201", "cluster_code"] == "construction"  # HVAC works in construction
    assert primary.loc["24.0101", "cip_prefix"] == "24"  # 2-digit family
    assert not primary.loc["21.0101", "matched"]  # reserved family
    assert not primary.loc["nonsense", "matched"]
    assert out["cip"].notna().all() and len(primary) == 8  # missing input left out
    assert out["framework"].eq("2024").all()


def test_lookup_legacy_framework():
    out = ref.lookup_cip_cluster(pd.Series(["51.3801", "47.0604"]), ref.load_cip_cluster("legacy"))
    first = out[out["rank"] == 1].set_index("cip")
    assert first.loc["51.3801", "subcluster_code"] == "legacy-therapeutic-services"
    assert first.loc["47.0604", "cluster_code"] == "legacy-transportation-distribution-logistics"


def test_lookup_refuses_mixed_frameworks():
    both = pd.concat([ref.load_cip_cluster("2024"), ref.load_cip_cluster("legacy")])
    with pytest.raises(ValueError, match="mixes frameworks"):
        ref.lookup_cip_cluster(pd.Series(["01.0000"]), both)


def test_map_naics_falls_back_to_parents_and_ranges():
    t = ref.load_naics_cluster("2024")
    codes = pd.Series(["311611", "3111", "541511", "32", "44-45", "10", "1011", "99", "623110"])
    out = ref.map_naics_to_clusters(codes, t)
    key = out.drop_duplicates("industry_code").set_index("industry_code")["naics"]
    assert key["311611"] == "311" and key["3111"] == "311"
    assert key["541511"] == "5415"
    assert key["32"] == "31-33"
    assert key["44-45"] == "44-45"
    assert pd.isna(key["10"]) and pd.isna(key["1011"]) and pd.isna(key["99"])
    assert not out.set_index("industry_code").loc["10", "matched"]
    nursing = out[out["industry_code"] == "623110"]
    assert nursing["share"].sum() == pytest.approx(1.0)
    assert set(nursing["subcluster_code"]) == {
        "physical-health",
        "community-social-services",
        "behavioral-mental-health",
    }
    assert out.groupby("industry_code")["share"].sum().drop(["10", "1011", "99"]).round(9).eq(1).all()


# ------------------------------------------------------------------------------------ user overrides


def test_extra_cip_rows_win_over_built_in(tmp_path):
    f = tmp_path / "extra.csv"
    f.write_text(
        "cip,cluster_code,subcluster_code,rank\n48.0508,construction,skilled-trades,1\n99.0001,education,,1\n"
    )
    t = ref.load_cip_cluster("2024", extra=f)
    weld = t[t["cip"] == "48.0508"]
    assert weld["cluster_code"].tolist() == ["construction"]
    assert weld["framework"].tolist() == ["2024"]
    assert "99.0001" in set(t["cip"])
    assert len(t) == len(ref.load_cip_cluster("2024")) - 2 + 2  # 2 built-in welding rows replaced by 1, 1 new


def test_replace_cip_table(tmp_path):
    f = tmp_path / "mine.csv"
    f.write_text(
        "cip,framework,cluster_code\n48,2024,advanced-manufacturing\n48,legacy,legacy-manufacturing\n"
    )
    t = ref.load_cip_cluster("2024", replace=f)
    assert t[["cip", "cluster_code", "rank"]].values.tolist() == [["48", "advanced-manufacturing", 1]]


def test_extra_naics_default_equal_shares(tmp_path):
    f = tmp_path / "naics.csv"
    f.write_text("naics,cluster_code\n5415,digital-technology\n5415,management-entrepreneurship\n")
    t = ref.load_naics_cluster("2024", extra=f)
    assert t[t["naics"] == "5415"]["share"].tolist() == [0.5, 0.5]


def test_extra_cip_soc(tmp_path):
    f = tmp_path / "soc.csv"
    f.write_text("cip,soc\n51.3801,29-1141\n51.3801,29-1171\n")
    t = ref.load_cip_soc(extra=f)
    assert t[t["cip"] == "51.3801"]["soc"].tolist() == ["29-1141", "29-1171"]


def test_bad_user_csv_names_file_row_and_column(tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text(
        "cip,cluster_code,subcluster_code,rank\n"
        "48.0508,construction,skilled-trades,1\n"
        "4805,construction,,1\n"
        "48.0501,manufacturing,,1\n"
        "48.0510,construction,robotics,x\n"
    )
    with pytest.raises(InputError) as info:
        ref.load_cip_cluster("2024", extra=f)
    text = str(info.value)
    assert "4 problem(s)" in text
    assert f"{f}, row 3, column 'cip'" in text
    assert f"{f}, row 4, column 'cluster_code': unknown cluster_code 'manufacturing'" in text
    assert (
        f"{f}, row 5, column 'subcluster_code': sub-cluster 'robotics' belongs to 'advanced-manufacturing'"
        in text
    )
    assert f"{f}, row 5, column 'rank'" in text


def test_bad_naics_shares_and_missing_column(tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text(
        "naics,cluster_code,share\n54,digital-technology,0.5\n54,marketing-sales,0.4\n5A,agriculture,1\n"
    )
    with pytest.raises(InputError) as info:
        ref.load_naics_cluster("2024", replace=f)
    text = str(info.value)
    assert "row 2, column 'share': shares of NAICS '54' sum to 0.9, expected 1" in text
    assert "row 4, column 'naics'" in text
    g = tmp_path / "nocol.csv"
    g.write_text("cip,cluster\n01,agriculture\n")
    with pytest.raises(InputError, match="column 'cluster_code': required column is missing"):
        ref.load_cip_cluster("2024", extra=g)


def test_bad_cip_soc(tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text("cip,soc\n51.38,29-1141\n51.3801,291141\n")
    with pytest.raises(InputError) as info:
        ref.load_cip_soc(replace=f)
    assert "row 2, column 'cip'" in str(info.value) and "row 3, column 'soc'" in str(info.value)


def test_official_layout_from_project_made_workbooks(tmp_path):
    """read_advance_cte_crosswalks on small invented workbooks in the official layout."""
    overview = pd.DataFrame({"x": ["Overview text"]})
    cip = pd.DataFrame(
        {
            "CIP Code (2020)": ["01.0207", "01.0207", "01.0207", "52.0301", "52.0301", "13.1202", "99.9999"],
            "CIP Title (2020)": ["A.", "A.", "A.", "B.", "B.", "C.", "NO MATCH"],
            "Career Cluster": ["Agriculture", "Education", "Agriculture", "Education", "Financial Services",
                               "Education", "Agriculture"],
            "Sub-Cluster": ["water systems", "Teaching, Training, & Facilitation", "Plant Systems",
                            "Teaching, Training, & Facilitation", "Accounting",
                            "Teaching, Training, & Facilitation", "Agribusiness"],
        }
    )  # fmt: skip
    naics = pd.DataFrame(
        {
            "Career Cluster": [
                "Digital Technology",
                "Marketing & Sales",
                "Marketing & Sales",
                "Construction",
            ],
            "Sub-Cluster": ["Web & Cloud", "Strategic Sales", "Marketing & Advertising", "Skilled Trades"],
            "2-Digit NAICS": ["54", "54", "54", "23"],
            "NAICS title": ["P", "P", "P", "C"],
        }
    )
    with pd.ExcelWriter(tmp_path / "CIP_Career_Clusters_Crosswalk.xlsx") as w:
        overview.to_excel(w, sheet_name="Overview", index=False)
        cip.to_excel(w, sheet_name="CIP - CC - Sub-Clusters", index=False)
    with pd.ExcelWriter(tmp_path / "NAICS_Subclusters_Crosswalk.xlsx") as w:
        overview.to_excel(w, sheet_name="Overview", index=False)
        naics.to_excel(w, sheet_name="CC - Sub-Cluster - NAICS", index=False)
    out = ref.read_advance_cte_crosswalks(tmp_path)
    assert set(out) == {"cip_cluster", "naics_cluster"}
    c = out["cip_cluster"]
    assert "99.9999" not in set(c["cip"])
    assert c[c["cip"] == "01.0207"][["subcluster_code", "rank"]].values.tolist() == [
        ["plant-systems", 1],
        ["water-systems", 2],
        ["teaching-training-facilitation", 3],
    ]
    # Education last for a business CIP, kept first for a teaching CIP
    assert c[c["cip"] == "52.0301"]["cluster_code"].tolist() == ["financial-services", "education"]
    assert c[c["cip"] == "13.1202"]["rank"].tolist() == [1]
    n = out["naics_cluster"].set_index(["naics", "cluster_code"])["share"]
    assert n[("54", "digital-technology")] == 0.5 and n[("54", "marketing-sales")] == 0.5
    assert n[("23", "construction")] == 1.0
    lk = ref.lookup_cip_cluster(pd.Series(["52.0301"]), c)
    assert lk["cluster_code"].iloc[0] == "financial-services"


def test_official_unknown_name_is_reported(tmp_path):
    bad = pd.DataFrame(
        {"CIP Code (2020)": ["01.0000"], "CIP Title (2020)": ["A."], "Career Cluster": ["Agricultura"],
         "Sub-Cluster": ["Plant Systems"]}
    )  # fmt: skip
    with pd.ExcelWriter(tmp_path / "CIP_Career_Clusters_Crosswalk.xlsx") as w:
        bad.to_excel(w, sheet_name="CIP - CC - Sub-Clusters", index=False)
    with pytest.raises(
        InputError, match=r"row 2, column 'Career Cluster': unknown Career Cluster 'Agricultura'"
    ):
        ref.read_advance_cte_crosswalks(tmp_path)
    with pytest.raises(InputError, match="no Advance CTE crosswalk workbook"):
        ref.read_advance_cte_crosswalks(tmp_path / "nowhere")


# ------------------------------------------------------------------------------------------- real data


def _cip2020_six_digit() -> pd.Series:
    d = pd.read_csv(CIP2020, dtype=str)
    for c in ("CIPFamily", "CIPCode"):
        d[c] = d[c].str.replace("=", "").str.strip('"')
    d = d[~d["Action"].isin(["Moved to", "Deleted"]) & (d["CIPTitle"] != "Reserved.")]
    return d.loc[d["CIPCode"].str.len() == 7, "CIPCode"].reset_index(drop=True)


@realdata
def test_realdata_every_cip2020_program_is_matched():
    if not CIP2020.exists():
        pytest.skip("../shared/real-data/nces-cip-2020 is absent")
    six = _cip2020_six_digit()
    fams = set(six.str[:2])
    assert fams == set(CIP_FAMILIES)
    for fw in ref.FRAMEWORKS:
        out = ref.lookup_cip_cluster(six, ref.load_cip_cluster(fw))
        assert out["matched"].all(), out.loc[~out["matched"], "cip"].tolist()[:10]


@realdata
def test_realdata_agreement_with_official_advance_cte(capsys):
    if not ADVANCE_CTE.exists() or not CIP2020.exists():
        pytest.skip("../shared/real-data (Advance CTE workbooks or CIP 2020 list) is absent")
    official = ref.read_advance_cte_crosswalks(ADVANCE_CTE)
    assert set(official) == {"cip_cluster", "soc_cluster", "naics_cluster"}
    oc = official["cip_cluster"]
    assert oc["cip"].nunique() == 1945 and oc["subcluster_code"].nunique() == 71
    assert official["soc_cluster"]["soc"].nunique() == 851

    # CIP: share of CIP 2020 programs whose project rank-1 cluster is among the official clusters
    six = _cip2020_six_digit()
    ours = ref.lookup_cip_cluster(six, ref.load_cip_cluster("2024"))
    ours = ours[ours["rank"] == 1]
    sets = oc.groupby("cip")["cluster_code"].agg(set)
    ours = ours[ours["cip"].isin(sets.index)]
    agree = pd.Series([c in sets[x] for x, c in zip(ours["cip"], ours["cluster_code"], strict=True)])
    official_first = oc[oc["rank"] == 1].set_index("cip")["cluster_code"]
    same_first = (ours["cip"].map(official_first) == ours["cluster_code"]).mean()

    # NAICS: share of sectors whose project primary (largest share) cluster is among the official ones
    on = official["naics_cluster"].groupby("naics")["cluster_code"].agg(set)
    pn = ref.load_naics_cluster("2024").sort_values("share", ascending=False, kind="mergesort")
    primary = pn.drop_duplicates("naics").set_index("naics")["cluster_code"]
    sector_agree = pd.Series([primary[s] in on[s] for s in on.index], index=on.index)
    with capsys.disabled():
        print(
            f"\nCIP agreement: {agree.mean():.1%} of {len(agree)} CIP 2020 programs (rank-1 among official);"
            f" same as official rank-1: {same_first:.1%}"
            f"\nNAICS sector agreement: {sector_agree.mean():.0%} of {len(sector_agree)} sectors;"
            f" differ: {', '.join(sector_agree.index[~sector_agree])}"
        )
    assert len(agree) > 1700
    assert agree.mean() >= 0.90
    assert sector_agree.mean() >= 0.80
