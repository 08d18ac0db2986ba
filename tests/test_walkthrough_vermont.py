"""The real-data walkthrough (docs/real-data-walkthrough.md): Vermont on the publishers' own files.

Runs `alignment run docs/examples/vermont/config.yml` when the shared real-data folder sits beside the
repository, then checks the figures against the source files by hand-written pandas, not the package.
"""

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.realdata]

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "docs" / "examples" / "vermont" / "config.yml"
REAL = REPO.parent / "shared" / "real-data"


@pytest.fixture(scope="module")
def vermont(tmp_path_factory) -> Path:
    if not REAL.is_dir():
        pytest.skip(f"real data not present: {REAL}")
    work = tmp_path_factory.mktemp("vermont")
    proc = subprocess.run(
        [sys.executable, "-m", "alignment.cli", "run", str(CONFIG), "--no-progress", "--workers", "2"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return work


def processed(work: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(work / "data" / "processed" / "vermont-real" / f"{name}.parquet")


def test_every_region_has_a_report_with_the_occupation_section(vermont):
    reports = vermont / "reports" / "vermont-real"
    regions = pd.read_csv(CONFIG.parent / "regions.csv", dtype=str)
    assert (reports / "index.html").is_file()
    for name in regions["region_name"].unique():
        rid = name.lower().replace(" ", "-")
        html = (reports / rid / "report.html").read_text()
        assert "Occupations: openings, wages and high-skill, high-wage, in-demand jobs" in html
        assert "QCEW 2016" in html and "IPEDS Completions" in html
        assert str(REPO.parent) not in html and "shared/real-data" not in html  # no machine paths on the page


def test_supply_is_the_ipeds_sub_baccalaureate_completions_of_vermont(vermont):
    """Sum of first-major sub-baccalaureate awards of Vermont institutions, from the raw files by hand."""
    hd = pd.read_csv(
        REAL / "ipeds-hd" / "hd2023.csv", encoding="utf-8-sig", dtype=str, usecols=["UNITID", "FIPS"]
    )
    vt = set(hd.loc[hd["FIPS"].astype(int) == 50, "UNITID"].astype(int))
    programs = processed(vermont, "programs")
    for year in (2022, 2023, 2024):
        c = pd.read_parquet(REAL / "ipeds-completions-first-majors" / f"c{year}_a.parquet")
        cols = {k.lower(): k for k in c.columns}
        c = c[c[cols["unitid"]].astype(int).isin(vt)]
        c = c[c[cols["awlevel"]].astype(int).isin([1, 2, 3, 4, 20, 21])]  # below the bachelor's degree
        c = c[~c[cols["cipcode"]].astype(str).str.startswith("99")]
        expected = int(pd.to_numeric(c[cols["ctotalt"]]).sum())
        got = int(programs.loc[programs["year"] == year, "completers"].sum())
        assert got == expected, (year, got, expected)


def test_estimated_openings_are_national_openings_times_the_regions_share_of_the_occupation(vermont):
    """openings(r, s) = O_US,s × E_r,s / E_US,s: national openings scaled by the region's share of the
    nation's jobs in the occupation. The region's jobs come from the staffing pattern (all of its industries'
    workers), so E_US,s is the projections' own national employment, the same concept."""
    occ = processed(vermont, "occupations")
    ep = pd.read_excel(
        REAL / "bls-employment-projections" / "occupation.xlsx", sheet_name="Table 1.10", header=1
    )
    code = [c for c in ep.columns if "code" in str(c).lower()][0]
    openings = [c for c in ep.columns if str(c).startswith("Occupational openings")][0]
    nurse_us = float(ep.loc[ep[code] == "29-1141", openings].iloc[0]) * 1000
    employment = [c for c in ep.columns if str(c).startswith("Employment, ")][0]  # base year, in thousands
    nurses_us_jobs = float(ep.loc[ep[code] == "29-1141", employment].iloc[0]) * 1000
    got = occ[(occ["region_id"] == "northwest") & (occ["soc"] == "29-1141")].iloc[0]
    assert got["openings_source"] == "estimated"
    assert got["openings_annual"] == pytest.approx(nurse_us * got["employment"] / nurses_us_jobs, rel=1e-9)


def test_regions_have_their_own_occupation_mix_by_staffing_pattern(vermont):
    """With a national OEWS file only, each region's occupations come from its own industries (staffing
    pattern), so the regions' occupation mixes differ, and nearly all QCEW jobs are placed."""
    occ = processed(vermont, "occupations")
    assert set(occ["employment_method"]) == {"staffing pattern"}
    share = occ.assign(group=occ["soc"].str[:2]).pivot_table(
        index="region_id", columns="group", values="employment", aggfunc="sum"
    )
    share = share.div(share.sum(axis=1), axis=0)
    assert share["29"].max() - share["29"].min() > 0.005  # healthcare practitioners
    assert share["25"].max() - share["25"].min() > 0.01  # education
    coverage = processed(vermont, "staffing_coverage")
    assert (coverage["share_placed"] > 0.95).all()
    # openings per job stay the nation's rate: no cluster has more openings a year than jobs
    demand = processed(vermont, "occupation_demand")
    assert (demand["openings_annual"] < demand["occupation_employment"]).all()


def test_first_screen_is_decided_on_completers_against_openings(vermont):
    """Every supply flag agrees with the true completers and openings (it is decided on what the published
    counts allow, a narrower view); the Northwest's nursing shortfall and cosmetology review lead its lists."""
    flags = processed(vermont, "flags")
    programs = processed(vermont, "program_alignment")
    occupations = processed(vermont, "occupation_alignment").set_index(["region_id", "soc"])
    for f in flags[flags["flag"] == "OVERSUPPLIED"].itertuples():
        rows = programs[
            (programs["region_id"] == f.region_id)
            & (programs["cip"] == f.cip)
            & (programs["credential_level"] == f.credential_level)
        ]
        assert (rows["completers_linked"] > rows["openings_linked"]).all(), f.reason
    for f in flags[flags["flag"] == "UNDERSUPPLIED"].itertuples():
        assert (
            occupations.loc[(f.region_id, f.soc), "completers"]
            < occupations.loc[(f.region_id, f.soc), "openings"]
        )
    d = processed(vermont, "decisions")
    nw = d[d["region_id"] == "northwest"]
    first = nw.sort_values("rank").groupby("decision").head(1).set_index("decision")
    assert first.loc["expand", "soc"] == "29-1141"  # registered nurses
    assert first.loc["review", "cip"] == "12.0401"  # cosmetology
    # the report says where IPEDS counts awards, beside the list and in the data notes
    page = (vermont / "reports" / "vermont-real" / "northwest" / "report.html").read_text(encoding="utf-8")
    assert "main campus" in page and "Where awards are counted" in page
    # every line of a list carries openings and a completers figure as published (never 1 … 9)
    assert nw["openings"].notna().all()
    assert not nw["completers_text"].str.fullmatch(r"[1-9]").any()


def test_reports_name_the_year_of_the_jobs(vermont):
    """Demand is QCEW 2016 and supply 2024: the banner, the summary and every jobs chart say so."""
    page = (vermont / "reports" / "vermont-real" / "northwest" / "report.html").read_text(encoding="utf-8")
    assert "Years differ." in page
    assert "of jobs in 2016" in page  # the summary's largest employer cluster
    assert "Share of jobs (2016)" in page  # the cluster table
    assert "Bar chart for Northwest, students 2024, jobs 2016" in page  # supply vs demand chart, alt text
    assert "location quotients by career cluster for Northwest, 2016" in page
    assert "from the 2021 living-wage table" in page  # the summary names the living-wage table's year
    assert "Openings a year (2024–34 projections)" in page  # the decision lists name the projection period
    index = (vermont / "reports" / "vermont-real" / "index.html").read_text(encoding="utf-8")
    assert "Dissimilarity index, students 2024 vs jobs 2016" in index
    assert "program mix (2024) is from its job mix (2016)" in index


def test_no_job_is_lost_to_suppression(vermont):
    """Each region's cluster employment adds up to its counties' published all-industry totals (read here from
    the QCEW files by hand), and the data notes give the withheld share BLS's figures leave to estimate."""
    import re

    cols = ["area_fips", "own_code", "industry_code", "month1_emplvl", "month2_emplvl", "month3_emplvl"]
    files = sorted((REAL / "bls-qcew" / "qtrly_by_area_vt_2016").glob("*.csv"))
    raw = pd.concat([pd.read_csv(f, usecols=cols, dtype=str) for f in files])
    total = raw[(raw["own_code"] == "0") & (raw["industry_code"] == "10")].copy()
    months = total[cols[3:]].astype(float)
    total["employment"] = months.mean(axis=1)
    per_county = total.groupby("area_fips")["employment"].mean()  # the mean of the four quarters
    regions = pd.read_csv(CONFIG.parent / "regions.csv", dtype=str)
    demand = processed(vermont, "demand")
    demand = demand[demand["year"] == 2016]
    for name, g in regions.groupby("region_name"):
        rid = name.lower().replace(" ", "-")
        mine = demand[demand["region_id"] == rid]
        assert mine["employment"].sum() == pytest.approx(per_county[list(g["county_fips"])].sum(), abs=1.0)
        page = (vermont / "reports" / "vermont-real" / rid / "report.html").read_text(encoding="utf-8")
        imputed = mine["employment_imputed"].sum() / mine["employment"].sum()
        note = re.search(
            r"Jobs BLS withholds</strong>: ([\d,]+) of the region's ([\d,]+) jobs in 2016 \((\d+)%\)", page
        )
        assert note, rid
        assert int(note.group(3)) == round(imputed * 100)
    education = demand[(demand["region_id"] == "northwest") & (demand["cluster_code"] == "education")]
    assert education["lq"].iloc[0] > 1.0  # around Burlington, with the university: 0.58 while jobs were lost


def test_published_outputs_pass_the_privacy_audit(vermont):
    from alignment.audit import audit_run

    findings = audit_run(
        vermont / "reports" / "vermont-real", vermont / "data" / "processed" / "vermont-real", 10
    )
    assert findings == []
