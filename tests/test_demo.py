"""The synthetic Demo State generator: determinism, coverage, real layouts and internal consistency."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from alignment.demo import QCEW_ANNUAL_HEADER, generate_demo

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real-data"
LANCASTER = REAL / "bls-qcew" / "annual_by_area_lancaster_pa"
YEARS = (2022, 2023, 2024)

# 2-digit CIP family -> 2024 Career Cluster, used only when the reference module is unavailable
FAMILY_CLUSTER = {
    "01": "agriculture",
    "03": "energy-natural-resources",
    "10": "arts",
    "11": "digital-technology",
    "12": "hospitality",
    "13": "education",
    "15": "advanced-manufacturing",
    "19": "education",
    "43": "public-service-safety",
    "46": "construction",
    "47": "supply-chain-transportation",
    "48": "advanced-manufacturing",
    "49": "supply-chain-transportation",
    "50": "arts",
    "51": "healthcare",
    "52": "management",
}
# fmt: off
OEWS_COLUMNS = [
    "AREA", "AREA_TITLE", "AREA_TYPE", "PRIM_STATE", "NAICS", "NAICS_TITLE", "I_GROUP", "OWN_CODE",
    "OCC_CODE", "OCC_TITLE", "O_GROUP", "TOT_EMP", "EMP_PRSE", "JOBS_1000", "LOC_QUOTIENT", "PCT_TOTAL",
    "PCT_RPT", "H_MEAN", "A_MEAN", "MEAN_PRSE", "H_PCT10", "H_PCT25", "H_MEDIAN", "H_PCT75", "H_PCT90",
    "A_PCT10", "A_PCT25", "A_MEDIAN", "A_PCT75", "A_PCT90", "ANNUAL", "HOURLY",
]
# fmt: on
NUMBERS = [
    "annual_avg_estabs_count",
    "annual_avg_emplvl",
    "total_annual_wages",
    "avg_annual_pay",
    "lq_annual_avg_emplvl",
    "oty_annual_avg_emplvl_chg",
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("raw") / "demo"
    start = time.perf_counter()
    paths = generate_demo(out)
    paths["_seconds"] = time.perf_counter() - start  # type: ignore[assignment]
    return paths


@pytest.fixture(scope="module")
def qcew(demo) -> pd.DataFrame:
    frames = []
    for path in sorted(demo["qcew"].glob("*.csv")):
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        frames.append(df.assign(file=path.name))
    df = pd.concat(frames, ignore_index=True)
    for col in NUMBERS:
        df[col] = pd.to_numeric(df[col])
    df["year"] = df["year"].astype(int)
    return df


@pytest.fixture(scope="module")
def enrollment(demo) -> pd.DataFrame:
    return pd.read_csv(demo["enrollment"], dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def oews(demo) -> pd.DataFrame:
    return pd.read_excel(demo["oews"], sheet_name=0, dtype=object)


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


# --- the whole set


def test_same_seed_gives_byte_identical_files(demo, tmp_path):
    again = generate_demo(tmp_path / "demo")
    first, second = _files(demo["config"].parent), _files(again["config"].parent)
    assert sorted(first) == sorted(second)
    assert [name for name in first if first[name] != second[name]] == []


def test_writes_every_promised_file_and_no_staging_folder(demo):
    out = demo["config"].parent
    for key in ("config", "regions", "enrollment", "oews", "living_wage", "readme"):
        assert demo[key].is_file(), key
    assert demo["oews"].name == "all_data_M2024.xlsx"
    assert len(list(demo["qcew"].glob("*.csv"))) == (36 + 2) * 3
    assert [p.name for p in out.parent.iterdir()] == ["demo"]
    assert "synthetic" in demo["readme"].read_text().lower()
    assert demo["_seconds"] < 20  # normally about 2 s; generous for a busy machine


def test_rerun_replaces_the_folder(tmp_path):
    out = tmp_path / "demo"
    generate_demo(out, years=(2024,))
    (out / "stale.txt").write_text("left from an older run")
    generate_demo(out, years=(2023, 2024))
    assert not (out / "stale.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo"]
    assert len(list((out / "qcew").glob("2023.annual *.csv"))) == 38


def test_config_is_the_documented_demo_config_and_names_existing_files(demo):
    cfg = yaml.safe_load(demo["config"].read_text())
    assert cfg["run"] == "demo" and cfg["synthetic"] is True and cfg["title"] == "Demo State"
    assert cfg["year"] == 2024 and cfg["state_fips"] == "41" and cfg["framework"] == "2024"
    assert cfg["family_wage"] == {"source": "living_wage", "adults": 1, "children": 1}
    base = demo["config"].parent
    for key, rel in cfg["inputs"].items():
        if key == "qcew_base_area":
            assert rel == "US000"
        else:
            assert list(base.glob(rel)), f"{key}: {rel}"


# --- regions


def test_regions_cover_36_counties_in_6_regions(demo):
    df = pd.read_csv(demo["regions"], dtype=str)
    assert list(df.columns) == [
        "county_fips",
        "county_name",
        "region_id",
        "region_name",
        "region_type",
        "oews_area",
    ]
    assert len(df) == 36 and df["county_fips"].is_unique
    assert df["county_fips"].str.fullmatch(r"41\d{3}").all()
    assert df.loc[df["county_fips"] == "41051", "county_name"].item() == "Multnomah County"
    assert df.loc[df["county_fips"] == "41069", "region_id"].item() == "central"  # Wheeler
    sizes = df.groupby("region_id").size().to_dict()
    assert sizes == {"central": 8, "coast": 5, "east": 8, "metro": 4, "south": 5, "valley": 6}
    assert (df["region_type"] == "workforce_area").all()
    assert df.groupby("region_id")["oews_area"].nunique().eq(1).all()
    assert sorted(df["oews_area"].unique()) == [f"410000{i}" for i in range(1, 7)]
    assert df["region_name"].str.endswith("Demo Region").all()


# --- enrollment


def test_enrollment_layout_years_and_programs(enrollment):
    assert list(enrollment.columns) == [
        "School Year",
        "District Name",
        "County FIPS",
        "Program Code",
        "Program Name",
        "CIP Code",
        "Program Level",
        "Award Level",
        "Enrolled",
        "Concentrators",
        "Completers",
    ]
    college = enrollment["Program Level"] == "Postsecondary"
    assert enrollment.loc[college, "Award Level"].str.len().gt(0).all()
    assert enrollment.loc[~college, "Award Level"].fillna("").eq("").all()
    assert sorted(enrollment["School Year"].unique()) == ["2021-22", "2022-23", "2023-24"]
    assert set(enrollment["Program Level"]) == {"Secondary", "Postsecondary"}
    clean = enrollment["CIP Code"][enrollment["CIP Code"].str.fullmatch(r"\d{2}\.\d{4}")]
    assert clean.nunique() >= 40
    colleges = enrollment.loc[enrollment["Program Level"] == "Postsecondary", "District Name"].unique()
    assert len(colleges) == 6
    assert enrollment["County FIPS"].nunique() == 36


def test_enrollment_messy_cips_and_exactly_one_invalid_program(enrollment):
    raw = set(enrollment["CIP Code"])
    assert {'="01.0000"', "1.0", "513801"} <= raw
    odd = enrollment[~enrollment["CIP Code"].str.fullmatch(r"\d{2}\.\d{4}|=\"\d{2}\.\d{4}\"|1\.0|\d{6}")]
    assert odd["CIP Code"].unique().tolist() == ["CIP TBD"]
    assert odd[["District Name", "Program Code"]].drop_duplicates().shape[0] == 1


def test_enrollment_counts_small_suppressed_and_ordered(enrollment):
    counts = enrollment[["Enrolled", "Concentrators", "Completers"]]
    starred = counts.eq("*")
    assert 3 <= starred.any(axis=1).sum() <= 10
    assert not starred["Enrolled"].any()
    n = counts.apply(pd.to_numeric, errors="coerce")
    assert (n.dropna() >= 0).all().all()
    assert (n["Enrolled"] < 10).sum() >= 5  # small programs stay visible too
    ok = n.dropna()
    assert (ok["Completers"] <= ok["Concentrators"]).all()
    assert (ok["Concentrators"] <= ok["Enrolled"]).all()
    part = n.dropna(subset=["Enrolled", "Concentrators"])
    assert (part["Concentrators"] <= part["Enrolled"]).all()


def test_enrollment_reaches_at_least_ten_clusters(enrollment):
    from alignment.codes import normalize_cip_series

    cips = normalize_cip_series(enrollment["CIP Code"]).dropna().drop_duplicates()
    try:
        from alignment.reference import load_cip_cluster, lookup_cip_cluster

        found = lookup_cip_cluster(cips, load_cip_cluster("2024"))
        clusters = set(found.loc[found["matched"] & found["rank"].eq(1), "cluster_code"])
    except ImportError:
        clusters = {FAMILY_CLUSTER[c[:2]] for c in cips if c[:2] in FAMILY_CLUSTER}
    assert len(clusters) >= 10


def test_supply_mismatches_are_there_on_purpose(demo, enrollment):
    regions = pd.read_csv(demo["regions"], dtype=str).set_index("county_fips")["region_id"]
    df = enrollment.assign(region=enrollment["County FIPS"].map(regions))
    by_region = df.groupby("region")["CIP Code"].agg(set)
    assert "48.0508" not in by_region["valley"]  # manufacturing region, no welding
    assert "49.0205" not in by_region["east"]  # freight region, no truck driving
    assert not {"12.0503", "52.0901", "52.0903"} & by_region["coast"]
    coast_culinary = df[(df["region"] == "coast") & df["CIP Code"].str.startswith("12.05")]
    assert pd.to_numeric(coast_culinary["Enrolled"]).max() < 20  # one tiny program only
    latest = df[df["School Year"] == "2023-24"].assign(
        n=lambda d: pd.to_numeric(d["Enrolled"], errors="coerce")
    )
    cosmetology = latest[latest["CIP Code"] == "12.0401"].groupby("region")["n"].sum()
    share = cosmetology / latest.groupby("region")["n"].sum()
    assert share.idxmax() == "south"


# --- QCEW


def test_qcew_header_and_quoting(demo):
    path = demo["qcew"] / "2024.annual 41051 Multnomah County, Oregon.csv"
    data = path.read_bytes()
    first, second = data.split(b"\r\n")[:2]
    assert first.decode() == ",".join(f'"{c}"' for c in QCEW_ANNUAL_HEADER)
    assert len(QCEW_ANNUAL_HEADER) == 43
    assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    row = next(csv.reader([second.decode()]))
    assert row[:8] == ["41051", "0", "10", "70", "0", "2024", "A", ""]
    assert second.startswith(b'"41051","0","10","70","0","2024","A","","Multnomah County, Oregon",')
    assert row[21] == "1.00"  # lq of the total is 1.00, printed with two decimals


@pytest.mark.realdata
def test_qcew_header_equals_the_real_bls_file(demo):
    if not LANCASTER.is_dir():
        pytest.skip("../shared/real-data/bls-qcew is not present")
    real = LANCASTER / "2016.annual 42071 Lancaster County, Pennsylvania.csv"
    ours = demo["qcew"] / "2024.annual 41000 Oregon -- Statewide.csv"
    assert ours.read_bytes().split(b"\r\n")[0] == real.read_bytes().split(b"\r\n")[0]


def test_qcew_file_names_and_levels(qcew):
    names = set(qcew["file"])
    assert "2024.annual 41051 Multnomah County, Oregon.csv" in names
    assert "2022.annual 41000 Oregon -- Statewide.csv" in names
    assert "2023.annual US000 U.S. TOTAL.csv" in names
    levels = qcew.groupby("area_fips")["agglvl_code"].agg(lambda s: sorted(set(s)))
    assert levels["41000"] == ["50", "51", "54", "55"]
    assert levels["41051"] == ["70", "71", "74", "75"]
    assert sorted(set(qcew.loc[qcew["area_fips"] == "US000", "agglvl_code"])) == ["10", "11", "14", "15"]
    assert set(qcew["own_code"]) == {"0", "1", "2", "3", "5"}
    subsectors = qcew.loc[qcew["agglvl_code"] == "75", "industry_code"].unique()
    assert 40 <= len(subsectors) <= 60
    sectors = set(qcew.loc[qcew["agglvl_code"] == "74", "industry_code"])
    assert {"11", "23", "31-33", "44-45", "48-49", "62", "72", "92"} <= sectors
    gov = qcew[qcew["own_code"].isin(["1", "2", "3"]) & qcew["agglvl_code"].eq("75")]
    assert {"611", "622"} <= set(gov["industry_code"])


def test_qcew_suppressed_rows_are_zero_and_n(qcew):
    hidden = qcew[qcew["disclosure_code"] == "N"]
    assert len(hidden) > 50
    assert set(hidden["agglvl_code"]) == {"75"}
    assert (hidden[["annual_avg_emplvl", "total_annual_wages", "avg_annual_pay"]] == 0).all().all()
    assert (hidden["annual_avg_estabs_count"] > 0).all()  # BLS still shows establishments
    assert (hidden["lq_disclosure_code"] == "N").all() and (hidden["oty_disclosure_code"] == "N").all()
    assert set(qcew["disclosure_code"]) == {"", "N"}
    # complementary suppression: never a lone hidden cell in an ownership x sector
    sub = qcew[qcew["agglvl_code"] == "75"].copy()
    ranges = {
        "31": "31-33",
        "32": "31-33",
        "33": "31-33",
        "44": "44-45",
        "45": "44-45",
        "48": "48-49",
        "49": "48-49",
    }
    sub["sector"] = sub["industry_code"].str.slice(0, 2).map(lambda s: ranges.get(s, s))
    n_hidden = sub.groupby(["area_fips", "year", "own_code", "sector"])["disclosure_code"].agg(
        lambda s: (s == "N").sum()
    )
    assert not (n_hidden == 1).any()


def test_qcew_totals_are_consistent(qcew):
    emp = "annual_avg_emplvl"
    key = ["area_fips", "year", "own_code"]
    rows = qcew[qcew["area_fips"] != "US000"]
    for kind, (tot, own, sec, sub) in {
        "county": ("70", "71", "74", "75"),
        "state": ("50", "51", "54", "55"),
    }.items():
        part = rows[rows["agglvl_code"].isin([tot, own, sec, sub])]
        assert len(part), kind
        owners = part[part["agglvl_code"] == own].groupby(["area_fips", "year"])[emp].sum()
        totals = part[part["agglvl_code"] == tot].set_index(["area_fips", "year"])[emp]
        assert owners.sort_index().equals(totals.sort_index())
        sectors = part[part["agglvl_code"] == sec].groupby(key)[emp].sum()
        owner_totals = part[part["agglvl_code"] == own].set_index(key)[emp]
        assert sectors.sort_index().equals(owner_totals.sort_index())
    # subsectors sum to their sector wherever every subsector is disclosed (Multnomah has no suppression)
    mult = qcew[(qcew["area_fips"] == "41051") & (qcew["year"] == 2024) & (qcew["own_code"] == "5")]
    sector_row = mult[(mult["agglvl_code"] == "74") & (mult["industry_code"] == "62")][emp].item()
    subs = mult[(mult["agglvl_code"] == "75") & mult["industry_code"].isin(["621", "622", "623", "624"])][emp]
    assert len(subs) == 4 and subs.sum() == sector_row
    manuf = mult[(mult["agglvl_code"] == "75") & mult["industry_code"].str.match(r"3[123]\d$")][emp].sum()
    assert manuf == mult[(mult["agglvl_code"] == "74") & (mult["industry_code"] == "31-33")][emp].item()
    # the state file is the sum of the county files (suppressed cells included, through the disclosed totals)
    y = qcew[qcew["year"] == 2024]
    county_total = y.loc[y["agglvl_code"] == "70", emp].sum()
    assert county_total == y.loc[y["agglvl_code"] == "50", emp].item()


def test_qcew_pay_lq_and_oty_follow_the_bls_formulas(qcew):
    def row(area, year, own, industry):
        m = (qcew["area_fips"] == area) & (qcew["year"] == year) & (qcew["own_code"] == own)
        return qcew[m & (qcew["industry_code"] == industry)].iloc[0]

    r = row("41051", 2024, "5", "622")
    assert r["avg_annual_pay"] == round(r["total_annual_wages"] / r["annual_avg_emplvl"])
    area_total, us_cell, us_total = (
        row("41051", 2024, "0", "10"),
        row("US000", 2024, "5", "622"),
        row("US000", 2024, "0", "10"),
    )
    lq = (r["annual_avg_emplvl"] / area_total["annual_avg_emplvl"]) / (
        us_cell["annual_avg_emplvl"] / us_total["annual_avg_emplvl"]
    )
    assert r["lq_annual_avg_emplvl"] == pytest.approx(round(lq, 2), abs=0.005)
    before = row("41051", 2023, "5", "622")
    assert r["oty_annual_avg_emplvl_chg"] == r["annual_avg_emplvl"] - before["annual_avg_emplvl"]
    growth = qcew[(qcew["agglvl_code"] == "70") & (qcew["year"] == 2024)]
    assert (
        growth["oty_annual_avg_emplvl_chg"]
        .between(-0.05 * growth["annual_avg_emplvl"], 0.08 * growth["annual_avg_emplvl"])
        .all()
    )


def test_regions_have_different_industry_mixes(demo, qcew):
    regions = pd.read_csv(demo["regions"], dtype=str).set_index("county_fips")["region_id"]
    y = qcew[(qcew["year"] == 2024) & qcew["agglvl_code"].isin(["70", "75"])].copy()
    y["region"] = y["area_fips"].map(regions)
    total = y[y["agglvl_code"] == "70"].groupby("region")["annual_avg_emplvl"].sum()
    sub = y[y["agglvl_code"] == "75"].groupby(["region", "industry_code"])["annual_avg_emplvl"].sum()
    share = sub.div(total, level="region").unstack(fill_value=0)  # disclosed cells only: a lower bound
    assert share["518"].idxmax() == "metro"
    assert share["721"].idxmax() in {"coast", "central"}
    assert share["321"].idxmax() == "south"
    assert share["111"].idxmax() == "east"
    assert share["812"]["south"] < share["812"]["metro"]


# --- OEWS


def test_oews_has_the_bls_columns_areas_and_markers(demo, oews):
    wb = openpyxl.load_workbook(demo["oews"], read_only=True)
    assert wb.sheetnames[0] == "All May 2024 data"
    assert list(oews.columns) == OEWS_COLUMNS
    areas = oews.groupby("AREA")["AREA_TYPE"].first().to_dict()
    assert areas["99"] == "1" and areas["41"] == "2"
    assert sorted(a for a, t in areas.items() if t in ("4", "6")) == [f"410000{i}" for i in range(1, 7)]
    assert set(oews["NAICS"]) == {"000000"} and set(oews["OWN_CODE"]) == {"1235"}
    assert (oews["OCC_CODE"] == "00-0000").sum() == 8
    values = oews.to_numpy().ravel().tolist()
    assert values.count("**") >= 1 and values.count("*") >= 1 and values.count("#") >= 1
    nurses = oews[(oews["OCC_CODE"] == "29-1141") & (oews["AREA"] == "99")].iloc[0]
    assert 40 <= nurses["H_MEDIAN"] <= 50 and nurses["A_MEDIAN"] == round(nurses["H_MEDIAN"] * 2080, -1)
    childcare = oews[(oews["OCC_CODE"] == "39-9011") & (oews["AREA"] == "99")].iloc[0]
    assert 13 <= childcare["H_MEDIAN"] <= 17


def test_oews_covers_every_linked_occupation(oews):
    try:
        from alignment.reference import load_cip_soc
    except ImportError:
        pytest.skip("alignment.reference.load_cip_soc is not available")
    linked = set(load_cip_soc()["soc"])
    for area, part in oews.groupby("AREA"):
        assert linked <= set(part["OCC_CODE"]), area
    assert not oews["OCC_TITLE"].str.startswith("Occupation ").any(), "every linked SOC has a typed title"


# --- living wage


def test_living_wage_family_types_and_levels(demo):
    df = pd.read_csv(demo["living_wage"], dtype={"state": str, "county": str})
    assert list(df.columns) == ["year", "state", "county", "adults", "children", "earners", "hourly_wage"]
    assert (df["earners"] == 1).all()  # the two-adult rows are one-earner families, as the README says
    assert sorted(df["year"].unique()) == list(YEARS)
    assert (
        len(df) == 36 * 3 * 8 and (df["state"] == "41").all() and df["county"].str.fullmatch(r"41\d{3}").all()
    )
    one_child = df[(df["adults"] == 1) & (df["children"] == 1)]
    assert one_child["hourly_wage"].between(26, 34).all()
    regions = pd.read_csv(demo["regions"], dtype=str).set_index("county_fips")["region_id"]
    by_region = (
        one_child[one_child["year"] == 2024].groupby(one_child["county"].map(regions))["hourly_wage"].mean()
    )
    assert by_region.idxmax() == "metro"
    fam = df[(df["county"] == "41051") & (df["year"] == 2024)].set_index(["adults", "children"])[
        "hourly_wage"
    ]
    assert fam[(1, 0)] < fam[(1, 1)] < fam[(1, 2)] < fam[(1, 3)]


# --- readers


def test_the_project_readers_read_every_demo_file(demo, qcew, enrollment):
    sources = pytest.importorskip("alignment.sources")
    del sources
    from alignment.sources.enrollment import read_enrollment
    from alignment.sources.living_wage import read_living_wage
    from alignment.sources.oews import read_oews
    from alignment.sources.qcew import read_qcew
    from alignment.sources.regions import read_regions

    q = read_qcew(sorted(demo["qcew"].glob("*.csv")))
    assert len(q) == len(qcew)
    assert q["suppressed"].sum() == (qcew["disclosure_code"] == "N").sum()
    e = read_enrollment(demo["enrollment"])
    assert len(e) == len(enrollment) and sorted(e["year"].unique()) == list(YEARS)
    assert e["cip"].isna().sum() == 3  # the CIP TBD program, once a year
    assert e.loc[e["cip_raw"] == "513801", "cip"].unique().tolist() == ["51.3801"]
    o = read_oews(demo["oews"])
    assert set(o["wage_flag"]) >= {"", "suppressed", "top_coded"}
    assert (o["employment_flag"] == "suppressed").sum() >= 1
    assert len(read_living_wage(demo["living_wage"])) == 36 * 3 * 8
    assert len(read_regions(demo["regions"])) == 36
