"""End to end: `alignment demo` in a fresh working directory, then checks of what a person would open."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from alignment.cli import main
from alignment.manifest import sha256_file

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> Path:
    """Run the whole demo once (through the console entry point) in an empty folder."""
    work = tmp_path_factory.mktemp("demo")
    proc = subprocess.run(
        [sys.executable, "-m", "alignment.cli", "demo", "--no-progress", "--workers", "2"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(
        r"done in [\d.]+ s \(.*demand [\d.]+ s.*region reports [\d.]+ s.*privacy audit", proc.stdout
    ), proc.stdout
    return work


def test_demo_writes_every_promised_file(demo_run):
    reports = demo_run / "reports" / "demo"
    assert (reports / "index.html").is_file()
    assert (reports / "manifest.json").is_file()
    assert (demo_run / "data" / "processed" / "demo" / "alignment.parquet").is_file()
    regions = pd.read_csv(demo_run / "data" / "raw" / "demo" / "regions.csv", dtype=str)
    assert regions["county_fips"].nunique() >= 30 and regions["region_id"].nunique() >= 5
    index = (reports / "index.html").read_text()
    assert (reports / "state-tables.xlsx").is_file() and 'href="state-tables.xlsx"' in index
    assert (reports / "maps.gpkg").is_file() and 'href="maps.gpkg"' in index
    assert "data:image/png;base64," in index  # the statewide overview map, embedded
    for rid in regions["region_id"].unique():
        assert (reports / rid / "report.html").is_file()
        assert (reports / rid / "tables.xlsx").is_file()
        assert f'href="{rid}/report.html"' in index and f'href="{rid}/tables.xlsx"' in index
        if shutil.which("chromium"):
            assert (reports / rid / "report.pdf").read_bytes().startswith(b"%PDF")
    assert not list((demo_run / "reports").glob(".*partial*")), "no staging folder may be left behind"


def test_reports_are_offline_code_free_and_say_synthetic(demo_run):
    for page in (demo_run / "reports" / "demo").rglob("*.html"):
        text = page.read_text()
        assert "synthetic" in text.lower(), page
        assert not re.search(r"<script[^>]+src=", text), page
        assert not re.search(r"<link[^>]+href=[\"']https?:", text), page
        assert "Traceback" not in text and "jp-OutputArea-error" not in text, page
        assert 'data-mime-type="application/vnd.jupyter.stderr"' not in text, page
        assert "import " not in text or page.name == "index.html", f"code leaked into {page}"


def test_region_report_content(demo_run):
    page = next((demo_run / "reports" / "demo").glob("*/report.html")).read_text()
    assert "What to do" in page
    for heading in ("Expand: occupations", "Review: programs", "Keep: programs"):
        assert heading in page
    assert page.count("data:image/png;base64") >= 3  # charts and the map, embedded
    assert "<th" in page


def test_every_region_report_links_to_the_index_its_files_and_its_sections(demo_run):
    from html.parser import HTMLParser

    class Links(HTMLParser):
        def __init__(self):
            super().__init__()
            self.hrefs, self.ids = [], set()

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "a" and a.get("href"):
                self.hrefs.append(a["href"])
            if a.get("id"):
                self.ids.add(a["id"])

    pages = sorted((demo_run / "reports" / "demo").glob("*/report.html"))
    assert pages
    for page in pages:
        found = Links()
        found.feed(page.read_text(encoding="utf-8"))
        for href in (
            "../index.html",
            "tables.xlsx",
            *(["report.pdf"] if (page.parent / "report.pdf").exists() else []),
        ):
            assert href in found.hrefs, (page, href)
            assert (page.parent / href).is_file(), (page, href)
        contents = [h[1:] for h in found.hrefs if h.startswith("#") and not h.startswith("#-")]
        assert "Summary" in contents and "Data-notes" in contents
        assert set(contents) <= found.ids  # every contents entry leads to its section


def test_manifest_records_inputs_with_sha256(demo_run):
    manifest = json.loads((demo_run / "reports" / "demo" / "manifest.json").read_text())
    raw = demo_run / "data" / "raw" / "demo"
    assert manifest["synthetic"] is True and manifest["run"] == "demo"
    roles = {r["role"] for r in manifest["inputs"]}
    assert {"enrollment", "regions", "qcew", "oews", "living_wage"} <= roles
    for rec in manifest["inputs"]:
        assert sha256_file(raw / rec["path"]) == rec["sha256"]
    assert "pandas" in manifest["libraries"] and manifest["config"]["run"] == "demo"


def test_alignment_table_against_hand_computation(demo_run):
    """Shares, location quotient and dissimilarity recomputed from the raw QCEW CSVs with plain pandas."""
    processed = demo_run / "data" / "processed" / "demo"
    al = pd.read_parquet(processed / "alignment.parquet")
    year = int(al["year"].iloc[0])
    raw = demo_run / "data" / "raw" / "demo"
    regions = pd.read_csv(raw / "regions.csv", dtype=str)
    frames = [pd.read_csv(p, dtype=str) for p in sorted((raw / "qcew").glob(f"{year}.annual *.csv"))]
    q = pd.concat(frames)
    q["emp"] = pd.to_numeric(q["annual_avg_emplvl"])
    region = regions["region_id"].iloc[0]
    counties = set(regions.loc[regions["region_id"] == region, "county_fips"])

    def totals(areas):
        rows = q[q["area_fips"].isin(areas)]
        return rows[(rows["own_code"] == "0") & (rows["industry_code"] == "10")]["emp"].sum()

    total_region, total_us = totals(counties), totals({"US000"})
    # the region's employment and share for one cluster, from the sum of its counties
    row = al[(al["region_id"] == region)].sort_values("employment", ascending=False).iloc[0]
    lq_hand = (row["employment"] / total_region) / (_us_cluster_employment(q, row["cluster_code"]) / total_us)
    assert row["lq"] == pytest.approx(lq_hand, rel=1e-6)
    mine = al[al["region_id"] == region]
    assert mine["supply_share"].sum() == pytest.approx(1.0)
    assert mine["demand_share"].sum() == pytest.approx(1.0)
    d_hand = 0.5 * (mine["supply_share"] - mine["demand_share"]).abs().sum()
    d = pd.read_parquet(processed / "dissimilarity.parquet")
    assert d[(d["region_id"] == region) & (d["year"] == year)]["dissimilarity"].iloc[0] == pytest.approx(
        d_hand
    )


def test_completers_against_openings_by_hand_from_the_raw_files(demo_run):
    """One region × occupation row (Metro, registered nurses) and one program row of the completers-against-
    openings tables, recomputed with plain pandas from the demo's raw files and the package's CIP → SOC list."""
    raw = demo_run / "data" / "raw" / "demo"
    processed = demo_run / "data" / "processed" / "demo"

    def num(x: object) -> float:
        return float(str(x).replace(",", ""))

    oews = pd.read_excel(raw / "oews" / "all_data_M2024.xlsx", dtype=str)
    regions = pd.read_csv(raw / "regions.csv", dtype=str)
    metro = regions[regions["region_id"] == "metro"]
    (area,) = metro["oews_area"].unique()  # the metro region is exactly one OEWS area
    county_jobs = 0.0
    for fips in metro["county_fips"]:
        (path,) = (raw / "qcew").glob(f"2024.annual {fips} *.csv")
        q = pd.read_csv(path, dtype=str)
        county_jobs += num(
            q.loc[(q["own_code"] == "0") & (q["industry_code"] == "10"), "annual_avg_emplvl"].iloc[0]
        )
    in_area = oews[oews["AREA"] == area].set_index("OCC_CODE")
    weight = county_jobs / num(in_area.loc["00-0000", "TOT_EMP"])
    nation = oews[oews["AREA"] == "99"].set_index("OCC_CODE")
    ep = pd.read_excel(raw / "projections" / "occupation.xlsx", sheet_name="Table 1.10", header=1)
    ep = ep.set_index("2024 National Employment Matrix code")
    opening_col = [c for c in ep.columns if str(c).startswith("Occupational openings")][0]

    def employment(soc: str) -> float:
        return weight * num(in_area.loc[soc, "TOT_EMP"])

    def openings(soc: str) -> float:  # national openings × the region's share of the nation's jobs in it
        return num(ep.loc[soc, opening_col]) * 1000 * employment(soc) / num(nation.loc[soc, "TOT_EMP"])

    # postsecondary completers of 2023-24 in Metro's counties, spread over each CIP's occupations by employment
    enr = pd.read_csv(raw / "enrollment.csv", dtype=str)
    enr = enr[
        (enr["School Year"] == "2023-24")
        & (enr["Program Level"] == "Postsecondary")
        & enr["County FIPS"].isin(set(metro["county_fips"]))
    ]
    reference = Path(__file__).parents[1] / "src" / "alignment" / "reference"
    links = pd.read_csv(reference / "cip_soc.csv", dtype=str)
    # an award counts against the occupations whose typical entry education fits it (award_education.csv)
    fit = pd.read_csv(reference / "award_education.csv").set_index("credential_level")
    award_codes = {
        "Certificate (less than 1 year)": "certificate_lt1yr",
        "Certificate (1-2 years)": "certificate_1_2yr",
        "Associate degree": "associate",
    }
    ranks = {
        "No formal educational credential": 1,
        "High school diploma or equivalent": 2,
        "Some college, no degree": 3,
        "Postsecondary nondegree award": 4,
        "Associate's degree": 5,
        "Bachelor's degree": 6,
        "Master's degree": 7,
        "Doctoral or professional degree": 8,
    }
    ep12 = pd.read_excel(raw / "projections" / "occupation.xlsx", sheet_name="Table 1.2", header=1)
    education = dict(
        zip(
            ep12["2024 National Employment Matrix code"],
            ep12["Typical education needed for entry"],
            strict=True,
        )
    )

    def fits(soc: str, award: str) -> bool:
        lo, hi = fit.loc[award_codes[award], ["education_min", "education_max"]]
        rank = ranks.get(str(education.get(soc)).replace("’", "'"))
        return rank is None or lo <= rank <= hi

    completers: dict[str, float] = {}
    for _, prog in enr.iterrows():
        digits = "".join(ch for ch in str(prog["CIP Code"]) if ch.isdigit() or ch == ".")
        whole, _, part = digits.partition(".")  # the demo writes some codes as 513801 or 1.0101
        cip = (
            f"{whole.zfill(2)}.{part.ljust(4, '0')}"
            if part
            else f"{digits.zfill(6)[:2]}.{digits.zfill(6)[2:]}"
        )
        socs = [s for s in links.loc[links["cip"] == cip, "soc"] if fits(s, prog["Award Level"])]
        socs = [s for s in socs if s in in_area.index]
        total = sum(employment(s) for s in socs)
        for s in socs:
            completers[s] = completers.get(s, 0.0) + num(prog["Completers"]) * employment(s) / total

    occ = pd.read_parquet(processed / "occupation_alignment.parquet")
    rn = occ[(occ["region_id"] == "metro") & (occ["soc"] == "29-1141")].iloc[0]
    assert rn["employment"] == pytest.approx(employment("29-1141"), rel=1e-9)
    assert rn["openings"] == pytest.approx(openings("29-1141"), rel=1e-9)
    assert rn["completers"] == pytest.approx(completers["29-1141"], rel=1e-9)
    assert rn["completers_per_opening"] == pytest.approx(
        completers["29-1141"] / openings("29-1141"), rel=1e-9
    )
    assert rn["median_wage_hourly_usd"] == pytest.approx(num(in_area.loc["29-1141", "H_MEDIAN"]))
    assert rn["entry_wage_hourly_usd"] == pytest.approx(num(in_area.loc["29-1141", "A_PCT25"]) / 2080)
    assert rn["wage_area_level"] == "region"

    # one program: every occupation its CIP links to, each counted once, with every program's completers in it
    programs = pd.read_parquet(processed / "program_alignment.parquet")
    row = programs[(programs["region_id"] == "metro") & (programs["cip"] == "51.3801")].iloc[0]
    socs = [s for s in links.loc[links["cip"] == "51.3801", "soc"] if fits(s, "Associate degree")]
    socs = [s for s in socs if s in in_area.index]
    linked = sum(openings(s) for s in socs)
    assert row["openings_linked"] == pytest.approx(linked, rel=1e-9)
    assert row["completers_per_opening"] == pytest.approx(
        sum(completers.get(s, 0.0) for s in socs) / linked, rel=1e-9
    )


def test_supply_flags_agree_with_completers_and_openings(demo_run):
    """No program is flagged for more completers than demand while its occupations have more openings than
    completers, and no occupation is flagged as short of completers where completers exceed openings."""
    processed = demo_run / "data" / "processed" / "demo"
    flags = pd.read_parquet(processed / "flags.parquet")
    programs = pd.read_parquet(processed / "program_alignment.parquet")
    occupations = pd.read_parquet(processed / "occupation_alignment.parquet").set_index(["region_id", "soc"])
    over = flags[flags["flag"] == "OVERSUPPLIED"]
    under = flags[flags["flag"] == "UNDERSUPPLIED"]
    assert len(over) and len(under)  # the demo has both kinds
    for f in over.itertuples():
        rows = programs[
            (programs["region_id"] == f.region_id)
            & (programs["cip"] == f.cip)
            & (programs["credential_level"] == f.credential_level)
        ]
        assert len(rows) == len(f.institution.split("; "))  # one flag names every institution
        assert (rows["completers_linked"] > rows["openings_linked"]).all(), f.reason
    for f in under.itertuples():
        o = occupations.loc[(f.region_id, f.soc)]
        assert o["completers"] < o["openings"], f.reason
        assert bool(o["meets_family_wage"])
    # the first screen lists them: every review row carries a flag, every expand row is a short occupation
    d = pd.read_parquet(processed / "decisions.parquet")
    assert set(d["decision"]) == {"expand", "review", "keep"}
    assert (d.loc[d["decision"] == "review", "flags"].str.len() > 0).all()
    expand = d[d["decision"] == "expand"]
    assert set(zip(expand["region_id"], expand["soc"], strict=True)) == set(
        zip(under["region_id"], under["soc"], strict=True)
    )


def _us_cluster_employment(q: pd.DataFrame, cluster_code: str) -> float:
    from alignment.reference import load_naics_cluster, map_naics_to_clusters

    us = q[(q["area_fips"] == "US000") & q["own_code"].isin(["1", "2", "3", "5"])]
    us = us[us["industry_code"].str.fullmatch(r"\d{3}") & ~us["industry_code"].isin(["101", "102"])]
    links = map_naics_to_clusters(pd.Series(us["industry_code"].unique()), load_naics_cluster("2024"))
    links = links[links["cluster_code"] == cluster_code]
    merged = us.merge(links, on="industry_code")
    return float((merged["emp"] * merged["share"].astype(float)).sum())


def test_broken_enrollment_is_reported_and_nothing_is_written(demo_run, tmp_path, capsys, monkeypatch):
    """Missing column, text in a count, unknown county: one message each, naming file, row and column."""
    work = tmp_path / "w"
    shutil.copytree(demo_run / "data" / "raw" / "demo", work / "data" / "raw" / "demo")
    shutil.copytree(demo_run / "reports", work / "reports")
    before = {p: p.read_bytes() for p in (work / "reports").rglob("*") if p.is_file()}
    enrollment = work / "data" / "raw" / "demo" / "enrollment.csv"
    df = pd.read_csv(enrollment, dtype=str, keep_default_na=False)
    count_col = [c for c in df.columns if c.lower().startswith("completers")][0]
    county_col = [c for c in df.columns if "county" in c.lower()][0]
    df.loc[3, count_col] = "twelve"
    df.loc[5, county_col] = "41999"
    df.to_csv(enrollment, index=False)
    monkeypatch.chdir(work)
    code = main(["run", "data/raw/demo/config.yml", "--no-progress"])
    err = capsys.readouterr().err
    assert code == 1
    assert f"enrollment.csv, row 5, column '{count_col}'" in err and "twelve" in err
    assert "row 7" in err and "41999" in err
    after = {p: p.read_bytes() for p in (work / "reports").rglob("*") if p.is_file()}
    assert after == before, "a refused run must not touch the previous reports"

    df = df.drop(columns=[count_col, "Concentrators", "Enrolled"], errors="ignore")
    df.to_csv(enrollment, index=False)
    code = main(["validate", "data/raw/demo/config.yml"])
    err = capsys.readouterr().err
    assert code == 1 and "enrollment.csv" in err and "column" in err
    assert os.listdir(work / "reports") == ["demo"]


def test_pages_fetch_nothing_from_the_network(demo_run):
    for page in (demo_run / "reports" / "demo").rglob("*.html"):
        text = page.read_text()
        assert not re.search(r"\ssrc=[\"']?(https?:)?//", text), page
        assert not re.search(r"url\([\"']?(https?:)?//", text), page
        assert not re.search(r"@import", text), page


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")
def test_pages_open_in_headless_chromium_without_console_errors(demo_run, tmp_path):
    pages = [
        demo_run / "reports" / "demo" / "index.html",
        *sorted((demo_run / "reports" / "demo").glob("*/report.html"))[:2],
    ]
    for page in pages:
        proc = subprocess.run(
            [
                "chromium",
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={tmp_path / page.parent.name}",
                "--enable-logging=stderr",
                "--v=0",
                "--dump-dom",
                page.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
        assert not console, f"{page}: {console}"
        assert "<h1" in proc.stdout


def _tree_digests(*folders: Path) -> dict[str, str]:
    """sha256 of every file under the folders (hidden staging folders included, so nothing escapes)."""
    return {
        str(p.relative_to(folder.parent)): sha256_file(p)
        for folder in folders
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_notebooks_kept_or_viewed_later_change_nothing(demo_run, tmp_path):
    """Notebooks are views: executing 01-03 against the published run, and re-executing a region report kept
    with the run (as an analyst would in JupyterLab, with the parameters it was run with), writes nothing
    under data/processed/demo or reports/demo."""
    import papermill

    from alignment.paths import NOTEBOOKS_DIR
    from alignment.views import VIEW_NOTEBOOKS

    processed, reports = demo_run / "data" / "processed" / "demo", demo_run / "reports" / "demo"
    before = _tree_digests(processed, reports, demo_run / "data" / "processed", demo_run / "reports")
    for name in VIEW_NOTEBOOKS:
        papermill.execute_notebook(
            str(NOTEBOOKS_DIR / name),
            str(tmp_path / name),
            parameters={"processed_dir": str(processed)},
            kernel_name="python3",
            progress_bar=False,
            cwd=str(NOTEBOOKS_DIR),
        )
    kept = processed / "notebooks" / "04_region_report_metro.ipynb"
    assert json.loads(kept.read_text())["metadata"]["papermill"]["parameters"]["processed_dir"] == str(
        processed.resolve()
    ), "the kept notebook must name the published folder, not the staging folder it ran in"
    papermill.execute_notebook(
        str(kept), str(tmp_path / kept.name), kernel_name="python3", progress_bar=False, cwd=str(tmp_path)
    )
    after = _tree_digests(processed, reports, demo_run / "data" / "processed", demo_run / "reports")
    assert before == after


def table_digest(df: pd.DataFrame) -> str:
    """sha256 of a table's columns, dtypes kind and values (floats to 9 significant digits)."""
    import hashlib

    h = hashlib.sha256()
    for name in df.columns:
        col = df[name]
        if pd.api.types.is_float_dtype(col.dtype):
            col = col.astype("float64").map(lambda v: "" if pd.isna(v) else f"{v:.9g}")
        elif col.dtype == object and any(isinstance(v, bytes) for v in col):  # geometry as WKB
            col = col.map(lambda v: v.hex() if isinstance(v, bytes) else v)
        h.update(f"{name}:{col.dtype.kind}".encode())
        h.update(pd.util.hash_pandas_object(col.astype("string"), index=False).to_numpy().tobytes())
    return h.hexdigest()


def test_demo_tables_equal_the_stored_baseline(demo_run):
    """The demo's tables have the content recorded in tests/baselines/demo_tables.json (made before the
    build chain replaced the stage notebooks). After a deliberate change of a table, regenerate the file
    with ``ALIGNMENT_UPDATE_BASELINE=1`` and say why in the commit."""
    processed = demo_run / "data" / "processed" / "demo"
    stored_path = Path(__file__).parent / "baselines" / "demo_tables.json"
    now = {p.stem: table_digest(pd.read_parquet(p)) for p in sorted(processed.glob("*.parquet"))}
    if os.environ.get("ALIGNMENT_UPDATE_BASELINE") == "1":
        stored_path.write_text(json.dumps(now, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    stored = json.loads(stored_path.read_text(encoding="utf-8"))
    changed = sorted(k for k in stored if now.get(k) != stored[k])
    assert not changed, f"tables differ from the stored baseline: {changed}"


def test_rerun_gives_byte_identical_tables_and_reports(demo_run):
    """Same inputs, same outputs: only the manifest carries a time stamp. Runs last: it replaces the run."""

    def digests() -> dict[str, str]:
        out = {}
        for folder in (demo_run / "data" / "processed" / "demo", demo_run / "reports" / "demo"):
            for p in sorted(folder.rglob("*")):
                if p.suffix in {".parquet", ".html", ".xlsx", ".pdf", ".gpkg"}:
                    out[str(p.relative_to(demo_run))] = sha256_file(p)
        return out

    before = digests()
    proc = subprocess.run(
        [sys.executable, "-m", "alignment.cli", "run", "data/raw/demo/config.yml", "--no-progress"],
        cwd=demo_run,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    after = digests()
    assert before.keys() == after.keys()
    changed = [k for k in before if before[k] != after[k]]
    assert not changed, f"not deterministic: {changed}"


def test_published_run_passes_the_privacy_audit(demo_run, capsys, monkeypatch):
    monkeypatch.chdir(demo_run)
    assert main(["audit", "demo"]) == 0
    assert "no small student count" in capsys.readouterr().out


def test_index_and_a_region_report_have_no_serious_accessibility_violations(demo_run):
    """axe-core in headless Chromium (screen and print) and the page-structure checks on the demo's pages."""
    from alignment.report import a11y
    from alignment.report.pdf import pdf_renderer

    axe_js = a11y.find_axe_js()
    if pdf_renderer() is None or axe_js is None:
        pytest.skip("needs headless Chromium and axe-core (pip install axe-core-python)")
    pages = a11y.run_pages(demo_run / "reports" / "demo")
    assert [p.name for p in pages] == ["index.html", "report.html"]
    for page in pages:
        assert a11y.structure_problems(page.read_text(encoding="utf-8")) == [], page
        for media in a11y.MEDIA:
            found = a11y.audit_page(page, axe_js=axe_js, media=media)
            assert a11y.failing(found) == [], f"{page} ({media}):\n" + "\n".join(v.summary() for v in found)
