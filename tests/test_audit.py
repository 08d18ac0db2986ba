"""The run audit: published files that show or give back a small student count are found, clean ones are not."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alignment.audit import Finding, audit_run
from alignment.build import load_processed
from alignment.publish import protect_tables
from alignment.report import narrative
from alignment.report.workbook import write_region_workbook

REGION = "south"


@pytest.fixture(scope="module")
def run(tmp_path_factory, build_demo_stages):
    root = tmp_path_factory.mktemp("audit")
    cfg, paths, processed = build_demo_stages(root)
    reports = root / "reports"
    write_region_workbook(reports / REGION / "tables.xlsx", load_processed(processed), REGION, cfg=cfg)
    ctx = narrative.region_context(paths["config"], processed, REGION)
    page = (
        "<html><body><h1>South</h1>" + narrative.table_html(narrative.cluster_table(ctx)) + "</body></html>"
    )
    (reports / REGION / "report.html").write_text(page, encoding="utf-8")
    (reports / "manifest.json").write_text(
        json.dumps({"year": cfg.year, "thresholds": {"privacy_threshold": 10}}), encoding="utf-8"
    )
    return cfg, processed, reports


def _copy_reports(src: Path, dst: Path) -> Path:
    dst.mkdir(parents=True)
    (dst / "manifest.json").write_text((src / "manifest.json").read_text())
    return dst


def test_clean_published_region_files_give_nothing_back(run):
    _, processed, reports = run
    t = time.perf_counter()
    found = audit_run(reports, processed)
    assert found == []
    assert time.perf_counter() - t < 10


@pytest.mark.parametrize("folder", ["reports", ".demo.partial-1234"])
def test_shown_small_count_in_a_workbook_is_found(run, tmp_path, folder):
    """Also inside a hidden staging folder, where a run is audited before it is published."""
    _, processed, reports = run
    out = _copy_reports(reports, tmp_path / folder)
    wb = openpyxl.load_workbook(reports / REGION / "tables.xlsx")
    ws = wb["Supply"]
    target = next(c for row in ws.iter_rows(min_row=2) for c in row if c.value == "<10")
    target.value = 4
    (out / REGION).mkdir()
    wb.save(out / REGION / "tables.xlsx")
    found = audit_run(out, processed)
    shown = [f for f in found if f.location == f"Supply!{target.coordinate}"]
    assert len(shown) == 1
    assert shown[0].file == f"{REGION}/tables.xlsx"
    assert "shown" in shown[0].found and "student-count column" in shown[0].why
    assert str(shown[0]).startswith(f"{REGION}/tables.xlsx: Supply!{target.coordinate}: ")


def test_small_completers_of_occupations_in_a_workbook_are_found(run, tmp_path):
    """The Occupations sheet prints completers of occupations as "<10"; a small number there is a finding."""
    _, processed, reports = run
    out = _copy_reports(reports, tmp_path / "reports")
    wb = openpyxl.load_workbook(reports / REGION / "tables.xlsx")
    ws = wb["Occupations"]
    header = [c.value for c in ws[1]]
    col = header.index("Completers a year") + 1
    values = [ws.cell(row=r, column=col).value for r in range(2, ws.max_row + 1)]
    assert "<10" in values and not any(str(v).isdigit() and 0 < int(v) < 10 for v in values)
    row = values.index("<10") + 2
    ws.cell(row=row, column=col).value = "6"
    (out / REGION).mkdir()
    wb.save(out / REGION / "tables.xlsx")
    found = [
        f
        for f in audit_run(out, processed)
        if f.location == f"Occupations!{ws.cell(row=row, column=col).coordinate}"
    ]
    assert len(found) == 1 and "completers of occupations" in found[0].why


def test_one_hidden_cell_with_a_published_total_is_found(run, tmp_path):
    cfg, processed, reports = run
    al = pd.read_parquet(processed / "alignment.parquet")
    al = al[(al["region_id"] == REGION) & (al["year"] == cfg.year)].sort_values("cluster_name")
    small = al[(al["supply"] > 0) & (al["supply"] < 10)]
    assert len(small)  # the demo has small clusters in every region
    hide = small["cluster_code"].iloc[0]
    table = pd.DataFrame(
        {
            "Cluster": al["cluster_name"],
            "Completers": [
                "<10" if c == hide else f"{int(v):,}"
                for c, v in zip(al["cluster_code"], al["supply"], strict=True)
            ],
            "Share of students": [
                "–" if c == hide else f"{100 * v:.1f}%"
                for c, v in zip(al["cluster_code"], al["supply_share"], strict=True)
            ],
        }
    ).reset_index(drop=True)
    row = int(table.index[table["Cluster"] == al.set_index("cluster_code").loc[hide, "cluster_name"]][0])
    out = _copy_reports(reports, tmp_path / "reports")
    (out / REGION).mkdir()
    (out / REGION / "report.html").write_text(narrative.table_html(table), encoding="utf-8")
    found = audit_run(out, processed)
    assert [(f.file, f.location) for f in found] == [
        (f"{REGION}/report.html", f"table 1, row {row + 1}, column 'Completers'")
    ]
    assert "only unknown count" in found[0].why and "total is published" in found[0].why


def test_one_hidden_program_under_a_shown_cluster_total_is_found(run, tmp_path):
    """The programs of a cluster add up to its count: one hidden program beside a shown total is recoverable."""
    _, processed, reports = run
    pr = pd.read_parquet(processed / "programs.parquet")
    sup = pd.read_parquet(processed / "supply.parquet")
    key = ["region_id", "year", "cluster_code"]
    g = pr[pr["cluster_code"].notna()].groupby(key)["completers"]
    ok = g.apply(lambda s: s.notna().all() and len(s) >= 3 and (s >= 10).sum() == len(s))
    region, year, cluster = ok[ok].index[0]
    rows = pr[(pr["region_id"] == region) & (pr["year"] == year) & (pr["cluster_code"] == cluster)]
    total = int(sup.loc[(sup[key] == [region, year, cluster]).all(axis=1), "completers"].iloc[0])
    html = "<table><tr><th>Region</th><th>Year</th><th>Cluster</th><th>Completers</th></tr>"
    html += f"<tr><td>{region}</td><td>{year}</td><td>{cluster}</td><td>{total}</td></tr></table>"
    html += "<table><tr><th>Region</th><th>Year</th><th>Cluster</th><th>Source file</th><th>Source row</th>"
    html += "<th>Completers</th></tr>"
    # the audit is told the first program holds 4 (tampered raw), shown as <10; the rest shown
    pr2 = pr.copy()
    first = rows.index[0]
    pr2.loc[first, "completers"] = 4
    sup2 = sup.copy()
    sup2.loc[(sup[key] == [region, year, cluster]).all(axis=1), "completers"] = (
        total - rows["completers"].iloc[0] + 4
    )
    for i, r in rows.iterrows():
        shown = "<10" if i == first else str(int(r["completers"]))
        html += f"<tr><td>{region}</td><td>{year}</td><td>{cluster}</td><td>{r['source_file']}</td>"
        html += f"<td>{r['source_row']}</td><td>{shown}</td></tr>"
    html = html.replace(f"<td>{total}</td>", f"<td>{total - int(rows['completers'].iloc[0]) + 4}</td>")
    proc = tmp_path / "processed"
    proc.mkdir()
    pd.read_parquet(processed / "alignment.parquet").to_parquet(proc / "alignment.parquet")
    pr2.to_parquet(proc / "programs.parquet")
    sup2.to_parquet(proc / "supply.parquet")
    out = _copy_reports(reports, tmp_path / "reports")
    (out / "page.html").write_text(html + "</table>", encoding="utf-8")
    found = audit_run(out, proc)
    assert len(found) == 1 and found[0].file == "page.html"
    assert found[0].location == "table 2, row 1, column 'Completers'"
    assert "programs of its group" in found[0].why


def test_small_number_in_text_is_found(run, tmp_path):
    _, processed, reports = run
    out = _copy_reports(reports, tmp_path / "reports")
    (out / "note.html").write_text("<p>Only 3 completers in 2024; about 4 completers expected.</p>")
    found = audit_run(out, processed)
    assert [f.found for f in found] == ["text '3 completers'"]
    assert isinstance(found[0], Finding) and found[0].location == "page text"


def _published_html(al: pd.DataFrame, sup: pd.DataFrame, pr: pd.DataFrame) -> str:
    a = pd.DataFrame(
        {
            "Region": al["region_id"],
            "Year": al["year"],
            "Cluster code": al["cluster_code"],
            "Completers": al["supply_text"].astype(str),
            "Share of completers (%)": [
                f"{100 * v:.4f}%" if pd.notna(v) else "–" for v in al["supply_share"]
            ],
        }
    )
    s = pd.DataFrame(
        {
            "Region": sup["region_id"],
            "Year": sup["year"],
            "Cluster code": sup["cluster_code"],
            "Completers": sup["completers_text"].astype(str),
        }
    )
    p = pd.DataFrame(
        {
            "Region": pr["region_id"],
            "Year": pr["year"],
            "Cluster": pr["cluster_code"],
            "Source file": pr["source_file"],
            "Source row": pr["source_row"],
            "Completers": pr["completers_text"].astype(str),
        }
    )
    return "".join(narrative.table_html(t) for t in (a, s, p))


counts = st.lists(st.integers(min_value=0, max_value=40), min_size=2, max_size=6)


def _processed_tables(run, regions) -> tuple:
    """Processed tables from region × cluster × program counts (``None`` = suppressed in the source file),
    built the way the pipeline does."""
    cfg, _, _ = run
    cfg = replace(cfg, thresholds={**cfg.thresholds, "privacy_threshold": 10})
    prog_rows, row = [], 2
    for r, clusters in enumerate(regions):
        for c, programs in enumerate(clusters):
            for n in programs:
                prog_rows.append((f"r{r}", cfg.year, f"c{c}", "e.csv", row, n))
                row += 1
    pr = pd.DataFrame(
        prog_rows, columns=["region_id", "year", "cluster_code", "source_file", "source_row", "completers"]
    )
    pr["completers"] = pd.array(pr["completers"].tolist(), dtype="Int64")
    pr["suppressed"] = pr["completers"].isna()
    sup = pr.groupby(["region_id", "year", "cluster_code"], as_index=False).agg(
        completers=("completers", lambda x: x.sum(min_count=1)), suppressed=("suppressed", "any")
    )
    sup["completers"] = sup["completers"].astype("Int64")
    al = sup.rename(columns={"completers": "supply"})
    total = al.groupby("region_id")["supply"].transform("sum")
    al["supply_share"] = (al["supply"] / total.where(total > 0)).astype("Float64")
    al = al.assign(
        region_name=al["region_id"],
        cluster_name=al["cluster_code"],
        supply_measure="completers",
        gap=pd.NA,
        ratio=pd.NA,
        demand_equivalent=pd.NA,
    )
    flags = pd.DataFrame(columns=["region_id", "cluster_code", "flag", "severity", "reason", "year"])
    return cfg, {"alignment": al, "supply": sup, "programs": pr, "flags": flags}


def _write_processed(root: Path, tables: dict) -> Path:
    (root / "processed").mkdir(parents=True)
    (root / "reports").mkdir()
    for name in ("alignment", "supply", "programs"):
        tables[name].to_parquet(root / "processed" / f"{name}.parquet")
    return root / "processed"


def _audit_random_counts(run, tmp_path_factory, regions) -> list:
    """Build processed and published tables from region × cluster × program counts the way the pipeline
    does, publish them, and audit the published page."""
    cfg, tables = _processed_tables(run, regions)
    pub = protect_tables(tables, cfg)
    root = tmp_path_factory.mktemp("prop")
    processed = _write_processed(root, tables)
    (root / "reports" / "tables.html").write_text(
        _published_html(pub["alignment"], pub["supply"], pub["programs"])
    )
    return audit_run(root / "reports", processed, threshold=10)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(counts, min_size=1, max_size=4), min_size=1, max_size=3))
def test_protected_tables_never_give_a_small_count_back(run, tmp_path_factory, regions):
    """Random region × cluster × program counts (no source suppression): the published tables pass the audit."""
    assert _audit_random_counts(run, tmp_path_factory, regions) == []


counts_with_source_gaps = st.lists(
    st.one_of(st.none(), st.integers(min_value=0, max_value=40)), min_size=2, max_size=6
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(counts_with_source_gaps, min_size=1, max_size=4), min_size=1, max_size=3))
def test_source_suppressed_cells_never_help_recover_a_small_count(run, tmp_path_factory, regions):
    """As above with cells already suppressed in the source file: they are unknown to the reader too, so they
    can never serve as the complement that hides a small count; the published tables still pass the audit."""
    assert _audit_random_counts(run, tmp_path_factory, regions) == []


def test_cli_audit_exits_0_when_clean_and_1_with_findings(run, tmp_path, capsys):
    from alignment.cli import main

    _, processed, reports = run
    for sub, target in (("rep", reports), ("proc", processed)):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "r").symlink_to(target, target_is_directory=True)
    args = ["--reports-dir", str(tmp_path / "rep"), "--processed-dir", str(tmp_path / "proc")]
    assert main(["audit", "r", *args]) == 0
    (reports / "note.html").write_text("<p>2 students</p>")
    try:
        assert main(["audit", "r", *args]) == 1
        assert "note.html: page text: text '2 students'" in capsys.readouterr().out
    finally:
        (reports / "note.html").unlink()


def _old_rule_text(values: list[int], t: int = 10) -> list[object]:
    """How the earlier rule wrote a group: small counts "<10", and when exactly one was hidden, the smallest
    shown positive count "withheld"."""
    small = [0 < v < t for v in values]
    text: list[object] = [f"<{t}" if s else v for v, s in zip(values, small, strict=True)]
    if sum(small) == 1:
        shown = [(v, i) for i, (v, s) in enumerate(zip(values, small, strict=True)) if not s and v > 0]
        if shown:
            text[min(shown)[1]] = "withheld"
    return text


def test_the_earlier_rule_is_caught_and_the_new_one_passes(run, tmp_path):
    """Issue case: a cluster of 102 = 1 + 10 + 91. The earlier rule wrote "<10", "withheld" (the smallest
    shown count, so at least 10), 91 beside the shown 102: 102 − 91 = 11 = 10 + 1 gives both back."""
    cfg, tables = _processed_tables(run, [[[1, 10, 91], [40, 30, 25]]])
    processed = _write_processed(tmp_path, tables)
    old = tables["programs"].assign(completers_text=_old_rule_text([1, 10, 91]) + [40, 30, 25])
    sup = tables["supply"].assign(completers_text=tables["supply"]["completers"].astype(int))
    al = protect_tables(tables, cfg)["alignment"]  # clusters 102 and 95: shown either way
    (tmp_path / "reports" / "old.html").write_text(_published_html(al, sup, old))
    found = audit_run(tmp_path / "reports", processed, threshold=10)
    assert [(f.file, f.location) for f in found] == [("old.html", "table 3, row 1, column 'Completers'")]
    assert "worked out exactly" in found[0].why and "program (source row 2)" in found[0].found
    (tmp_path / "reports" / "old.html").unlink()
    pub = protect_tables(tables, cfg)
    assert pub["programs"]["completers_text"].tolist() == ["<10", "withheld", "withheld", 40, 30, 25]
    (tmp_path / "reports" / "new.html").write_text(
        _published_html(pub["alignment"], pub["supply"], pub["programs"])
    )
    assert audit_run(tmp_path / "reports", processed, threshold=10) == []


def test_a_narrowed_count_in_a_geopackage_is_found(run, tmp_path):
    """Clusters 4 | 12 | 30 (total 46) written "<10", "withheld", 30 in a map layer: 46 − 30 = 16 with the
    withheld count at least 10 leaves the 4 at 1 … 6."""
    import geopandas as gpd
    from shapely.geometry import Point

    cfg, tables = _processed_tables(run, [[[4], [12], [30]]])
    processed = _write_processed(tmp_path, tables)
    layer = gpd.GeoDataFrame(
        {
            "region_id": "r0",
            "year": cfg.year,
            "cluster_code": ["c0", "c1", "c2"],
            "supply": [None, None, 30.0],
            "supply_text": ["<10", "withheld", "30"],
            "supply_share": [None, None, 30 / 46],
        },
        geometry=[Point(0, 0)] * 3,
        crs="EPSG:4269",
    )
    layer.to_file(tmp_path / "reports" / "maps.gpkg", layer="gap_by_region", driver="GPKG")
    found = audit_run(tmp_path / "reports", processed, threshold=10)
    assert [(f.file, f.location) for f in found] == [
        ("maps.gpkg", "layer gap_by_region, row 1, column 'Completers'")
    ]
    assert "narrowed to 1–6" in found[0].why


def test_small_counts_in_a_published_parquet_file_and_in_alt_text_are_found(run, tmp_path):
    cfg, tables = _processed_tables(run, [[[4, 40], [30]]])
    processed = _write_processed(tmp_path, tables)
    tables["programs"].to_parquet(tmp_path / "reports" / "programs.parquet")
    (tmp_path / "reports" / "chart.html").write_text(
        '<p><img src="x.png" alt="Only 3 completers in 2024"></p>'
    )
    found = audit_run(tmp_path / "reports", processed, threshold=10)
    assert ("programs.parquet", "table, row 1, column 'Completers'") in [(f.file, f.location) for f in found]
    assert ("chart.html", "page text", "text '3 completers'") in [
        (f.file, f.location, f.found) for f in found
    ]


def test_zeros_stay_shown_beside_withheld_programs_and_the_audit_agrees(run, tmp_path):
    """Clusters 3 (= 3 + 0), 16 (= 11 + 5 + 0) and 40: the 3 is "<10", the 16 its complement, every program
    of both withheld, yet their zeros stay 0 — a reader then knows each withheld program is at least 1, which
    leaves the 3 at 1 … 9 (it is its cluster's only non-zero program) and the 5 at 1 … 17."""
    cfg, tables = _processed_tables(run, [[[3, 0], [11, 5, 0], [40]]])
    processed = _write_processed(tmp_path, tables)
    pub = protect_tables(tables, cfg)
    assert pub["programs"]["completers_text"].astype(str).tolist() == [
        "withheld", "0", "withheld", "withheld", "0", "40",
    ]  # fmt: skip
    (tmp_path / "reports" / "zeros.html").write_text(
        _published_html(pub["alignment"], pub["supply"], pub["programs"])
    )
    assert audit_run(tmp_path / "reports", processed, threshold=10) == []


def test_a_zero_shown_beside_two_withheld_programs_of_a_small_cluster_is_caught(run, tmp_path):
    """Cluster 5 (= 1 + 4 + 0) is "<10": had its 0 been shown beside the two withheld programs, each would be
    at least 1, so the cluster at least 2 — narrower than 1 … 9. The protection withholds that zero; the audit
    catches a page that shows it."""
    cfg, tables = _processed_tables(run, [[[1, 4, 0], [30], [40]]])
    processed = _write_processed(tmp_path, tables)
    pub = protect_tables(tables, cfg)
    assert pub["programs"]["completers_text"].astype(str).tolist()[:3] == ["withheld"] * 3
    (tmp_path / "reports" / "ok.html").write_text(
        _published_html(pub["alignment"], pub["supply"], pub["programs"])
    )
    assert audit_run(tmp_path / "reports", processed, threshold=10) == []
    (tmp_path / "reports" / "ok.html").unlink()
    shown = pub["programs"].copy()
    shown["completers_text"] = shown["completers_text"].astype(object)
    shown.loc[2, "completers_text"] = 0
    (tmp_path / "reports" / "bad.html").write_text(_published_html(pub["alignment"], pub["supply"], shown))
    assert audit_run(tmp_path / "reports", processed, threshold=10)


def test_a_zero_beside_two_withheld_programs_of_a_small_cluster_withheld_whole_is_withheld(run, tmp_path):
    """A region of 13 = 11 + 2 is withheld whole; the 2 is two programs of 1 beside a 0. Showing the 0 would
    tell a reader each program is at least 1, so the cluster at least 2, narrowing its 1 … 9."""
    cfg, tables = _processed_tables(run, [[[11], [1, 1, 0]]])
    pub = protect_tables(tables, cfg)
    assert pub["programs"]["completers_text"].tolist() == ["withheld"] * 4
    processed = _write_processed(tmp_path, tables)
    (tmp_path / "reports" / "t.html").write_text(
        _published_html(pub["alignment"], pub["supply"], pub["programs"])
    )
    assert audit_run(tmp_path / "reports", processed, threshold=10) == []


# ------------------------------------------------------------------ programs placed in several regions


def _placed_tables(run, regions: list, college: list[int], shares: list[int]) -> tuple:
    """Processed tables built as a run builds them when an institution places file divides a college over the
    regions: ``regions`` region × cluster × program counts of institutions the file does not place, ``college``
    the college's count per cluster (its main campus in region 0), ``shares`` its weight per region."""
    from alignment.supply import assign_programs, place_programs, supply_by_cluster

    cfg, _ = _processed_tables(run, [[[0]]])
    n = len(regions)
    county = {r: f"50{2 * r + 1:03d}" for r in range(max(n, len(shares)))}
    region_table = pd.DataFrame(
        {"county_fips": list(county.values()), "region_id": [f"r{r}" for r in county]}
    )
    clusters = max([len(c) for c in regions] + [len(college)])
    lookup = pd.DataFrame({"cip": [f"{11 + c}.0101" for c in range(clusters)]}).assign(
        cluster_code=[f"c{c}" for c in range(clusters)], rank=1, matched=True
    )
    rows, line = [], 2
    for r, per_cluster in enumerate(regions):
        for c, programs in enumerate(per_cluster):
            for i, v in enumerate(programs):
                rows.append((f"U{r}-{c}-{i}", pd.NA, county[r], f"{11 + c}.0101", v, line))
                line += 1
    for c, v in enumerate(college):
        rows.append(("College", "900", county[0], f"{11 + c}.0101", v, line))
        line += 1
    enr = pd.DataFrame(
        rows, columns=["institution", "unitid", "county_fips", "cip", "completers", "source_row"]
    )
    enr = enr.assign(year=cfg.year, suppressed=False, source_file="e.csv", program_name=enr["institution"])
    enr["completers"] = pd.array(enr["completers"].tolist(), dtype="Int64")
    weights = pd.Series(shares[: len(county)], dtype="float64")
    places = pd.DataFrame(
        {
            "key": "id:900",
            "cip": pd.array([pd.NA] * len(weights), dtype="string"),
            "county_fips": [county[r] for r in weights.index],
            "share": weights / weights.sum(),
        }
    )
    placed = place_programs(enr, places, region_table, lookup, min_part=10)
    programs, _ = assign_programs(placed, region_table, lookup)
    programs = programs[programs["region_id"].notna()].reset_index(drop=True)
    sup = supply_by_cluster(programs, ["completers"])
    al = sup.rename(columns={"completers": "supply"})
    total = al.groupby("region_id")["supply"].transform("sum")
    al["supply_share"] = (al["supply"] / total.where(total > 0)).astype("Float64")
    al = al.assign(
        region_name=al["region_id"],
        cluster_name=al["cluster_code"],
        supply_measure="completers",
        gap=pd.NA,
        ratio=pd.NA,
        demand_equivalent=pd.NA,
    )
    flags = pd.DataFrame(columns=["region_id", "cluster_code", "flag", "severity", "reason", "year"])
    return cfg, {"alignment": al, "supply": sup, "programs": programs, "flags": flags}


small_counts = st.lists(st.integers(min_value=0, max_value=25), min_size=1, max_size=3)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.lists(small_counts, min_size=1, max_size=3), min_size=2, max_size=3),
    st.lists(st.integers(min_value=0, max_value=80), min_size=1, max_size=3),
    st.lists(st.integers(min_value=1, max_value=6), min_size=2, max_size=3),
)
def test_a_college_divided_over_regions_never_gives_a_small_count_back(
    run, tmp_path_factory, regions, college, shares
):
    """A reader who knows the places file's shares can put a program's parts in several regions together
    (the audit's attack joins them); the published tables still give no small count back."""
    cfg, tables = _placed_tables(run, regions, college, shares)
    pub = protect_tables(tables, cfg)
    parts = pd.to_numeric(tables["programs"]["place_share"]).lt(1)
    assert not pub["programs"].loc[parts, "completers_suppressed"].any()  # parts are always shown
    root = tmp_path_factory.mktemp("placed")
    processed = _write_processed(root, tables)
    (root / "reports" / "tables.html").write_text(
        _published_html(pub["alignment"], pub["supply"], pub["programs"])
    )
    assert audit_run(root / "reports", processed, threshold=10) == []


def test_a_hidden_part_worked_out_from_its_other_region_is_found(run, tmp_path):
    """The college's 40 nursing completers divided 3:1: a reader who knows the shares reads 30 in r0 and so 10
    in r1, where a 4 sits beside the part: the published tables withhold r1's nursing cluster (14 = 10 placed
    + 4 of its own); had they shown it and withheld its programs, 14 − 30 / 3 would give the 4 back."""
    cfg, tables = _placed_tables(run, [[[20], [15]], [[4], [20]]], [40], [3, 1])
    pr = tables["programs"]
    assert sorted(pd.to_numeric(pr["completers"]).tolist()) == [4.0, 10.0, 15.0, 20.0, 20.0, 30.0]
    processed = _write_processed(tmp_path, tables)
    pub = protect_tables(tables, cfg)
    r1_nursing = (pub["supply"]["region_id"] == "r1") & (pub["supply"]["cluster_code"] == "c0")
    assert pub["supply"].loc[r1_nursing, "completers_text"].tolist() == ["withheld"]
    (tmp_path / "reports" / "good.html").write_text(
        _published_html(pub["alignment"], pub["supply"], pub["programs"])
    )
    assert audit_run(tmp_path / "reports", processed, threshold=10) == []
    # the clusters shown and r1's nursing programs withheld whole: alone, r1's tables leave the 4 anywhere from
    # 0 to 14; with the shares, the part is 30 / 3 = 10 and 14 − 10 gives the 4 back
    text = pd.Series(pd.to_numeric(pr["completers"]).astype(float).round(1).tolist(), dtype=object)
    in_r1 = ((pr["region_id"] == "r1") & (pr["cluster_code"] == "c0")).to_numpy()
    text[in_r1] = "withheld"
    sup = pub["supply"].assign(completers_text=tables["supply"]["completers"].astype(float).round(1))
    al = pub["alignment"].assign(supply_text=tables["alignment"]["supply"].astype(float).round(1))
    (tmp_path / "reports" / "good.html").unlink()
    (tmp_path / "reports" / "bad.html").write_text(
        _published_html(al, sup, pub["programs"].assign(completers_text=text))
    )
    found = audit_run(tmp_path / "reports", processed, threshold=10)
    assert [f.found for f in found if "worked out exactly" in f.why] == [
        "hidden completers of program (source row 4) in c0, r1, 2024"
    ], found
