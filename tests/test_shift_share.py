"""Shift-share of the change in jobs per region × cluster: formulas, edge cases, the demo run and its outputs."""

from __future__ import annotations

import sqlite3
from types import SimpleNamespace

import numpy as np
import openpyxl
import pandas as pd
import pytest

from alignment import maps, schemas
from alignment.build import load_processed
from alignment.demand import industry_employment_by_cluster
from alignment.inputs import load_reference, read_inputs
from alignment.publish import protect_tables
from alignment.reference import map_naics_to_clusters
from alignment.report.shift_share_text import shift_share_section, shift_share_sentence, shift_share_table
from alignment.report.workbook import write_region_workbook
from alignment.shift_share import (
    EFFECTS,
    SHIFT_SHARE_COLUMNS,
    base_area_employment,
    empty_shift_share,
    round_to_total,
    shift_share,
)


def _region(rows: list[tuple[str, int, str, float | None]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["region_id", "year", "cluster_code", "employment"]).astype(
        {"employment": "Float64"}
    )


def _base(rows: list[tuple[int, str, float | None, float | None]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["year", "cluster_code", "employment", "total_employment"]).astype(
        {"employment": "Float64", "total_employment": "Float64"}
    )


# The worked example of docs/methods.md (section 2, shift-share): all jobs in the nation 10,000 → 11,000 (+10%),
# health 1,000 → 1,200 (+20%), trades 2,000 → 1,900 (−5%); the region's health 400 → 380, trades 100 → 130.
REGION = _region(
    [
        ("r", 2022, "health", 400.0),
        ("r", 2023, "health", 999.0),  # a middle year is not used
        ("r", 2024, "health", 380.0),
        ("r", 2022, "trades", 100.0),
        ("r", 2024, "trades", 130.0),
    ]
)
BASE = _base(
    [
        (2022, "health", 1000.0, 10_000.0),
        (2024, "health", 1200.0, 11_000.0),
        (2022, "trades", 2000.0, 10_000.0),
        (2024, "trades", 1900.0, 11_000.0),
        (2022, None, 7000.0, 10_000.0),  # jobs no cluster covers: part of the total only
        (2024, None, 7900.0, 11_000.0),
    ]
)


def test_hand_computed_example():
    out = shift_share(REGION, BASE, base_area="US000")
    assert list(out.columns) == SHIFT_SHARE_COLUMNS
    out = out.set_index("cluster_code")
    h, t = out.loc["health"], out.loc["trades"]
    assert (int(h["base_year"]), int(h["end_year"]), h["base_area"]) == (2022, 2024, "US000")
    # health: NG = 400 × 0.10 = 40; IM = 400 × (0.20 − 0.10) = 40; RS = 400 × (−0.05 − 0.20) = −100
    assert [h[c] for c in ("employment_base", "employment_end", "change")] == [400.0, 380.0, -20.0]
    assert h["growth_base_total"] == pytest.approx(0.10)
    assert h["growth_base_cluster"] == pytest.approx(0.20)
    assert h["growth_region"] == pytest.approx(-0.05)
    assert [h[e] for e in EFFECTS] == pytest.approx([40.0, 40.0, -100.0])
    # trades: NG = 100 × 0.10 = 10; IM = 100 × (−0.05 − 0.10) = −15; RS = 100 × (0.30 + 0.05) = 35
    assert t["change"] == 30.0
    assert [t[e] for e in EFFECTS] == pytest.approx([10.0, -15.0, 35.0])
    schemas.ShiftShare.validate(out.reset_index(), lazy=True)


def test_the_three_effects_add_up_to_the_change():
    rng = np.random.default_rng(7)
    years = [2019, 2024]
    keys = pd.MultiIndex.from_product(
        [[f"r{k}" for k in range(20)], years, [f"c{k}" for k in range(10)]],
        names=["region_id", "year", "cluster_code"],
    )
    region = keys.to_frame(index=False).assign(employment=rng.uniform(1, 50_000, len(keys)))
    base = pd.DataFrame(
        {
            "year": np.repeat(years, 10),
            "cluster_code": [f"c{k}" for k in range(10)] * 2,
            "employment": rng.uniform(1, 1e6, 20),
            "total_employment": np.repeat(rng.uniform(1e6, 2e7, 2), 10),
        }
    )
    out = shift_share(region, base)
    assert len(out) == 200 and out[list(EFFECTS)].notna().all().all()
    total = out["national_growth"] + out["industry_mix"] + out["regional_share"]
    assert (total - out["change"]).abs().max() <= 1e-9
    # each effect is its textbook formula too
    e0 = out["employment_base"]
    assert np.allclose(out["regional_share"], e0 * (out["growth_region"] - out["growth_base_cluster"]))
    assert np.allclose(out["industry_mix"], e0 * (out["growth_base_cluster"] - out["growth_base_total"]))


def test_one_year_gives_an_empty_table_with_the_columns():
    one = REGION[REGION["year"] == 2024]
    out = shift_share(one, BASE)
    assert out.empty and list(out.columns) == SHIFT_SHARE_COLUMNS
    schemas.ShiftShare.validate(empty_shift_share(), lazy=True)
    # and the report says nothing about it
    ctx = SimpleNamespace(tables={"shift_share": out}, region_id="r")
    assert shift_share_section(ctx) is None
    assert shift_share_section(SimpleNamespace(tables={}, region_id="r")) is None


def test_missing_or_zero_base_values_give_na_never_a_number():
    region = _region(
        [
            ("r", 2022, "zero", 0.0),  # no jobs in the base year: nothing to split
            ("r", 2024, "zero", 50.0),
            ("r", 2024, "new", 20.0),  # no row in the base year
            ("r", 2022, "gone", 20.0),  # no row in the end year
            ("r", 2022, "nobase", 10.0),  # the base area has none of the cluster in the base year
            ("r", 2024, "nobase", 12.0),
            ("r", 2022, None, 5.0),  # jobs no cluster covers are left out
            ("r", 2024, None, 6.0),
        ]
    )
    base = _base(
        [
            (2022, "zero", 10.0, 1000.0),
            (2024, "zero", 11.0, 1100.0),
            (2022, "nobase", 0.0, 1000.0),
            (2024, "nobase", 5.0, 1100.0),
        ]
    )
    out = shift_share(region, base).set_index("cluster_code")
    assert sorted(out.index) == ["gone", "new", "nobase", "zero"]
    assert out.loc["zero", "change"] == 50.0
    assert out.loc[["zero", "new", "gone"], list(EFFECTS)].isna().all().all()
    assert pd.isna(out.loc["new", "change"]) and pd.isna(out.loc["gone", "change"])
    # e_Ni,0 = 0: the cluster's growth in the base area is unknown, so none of the three is given (a row's
    # effects always add up to its change), though the change itself is known
    assert out.loc["nobase", "change"] == 2.0 and pd.isna(out.loc["nobase", "growth_base_cluster"])
    assert out.loc["nobase", list(EFFECTS)].isna().all()
    schemas.ShiftShare.validate(out.reset_index(), lazy=True)

    # the base area's all-industry total missing in the end year: no effect at all
    no_total = BASE.assign(total_employment=BASE["total_employment"].where(BASE["year"] == 2022))
    assert shift_share(REGION, no_total)[list(EFFECTS)].isna().all().all()


def test_bad_input_is_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="lacks the column"):
        shift_share(REGION.drop(columns="employment"), BASE)
    with pytest.raises(ValueError, match="lacks the column.*total_employment"):
        shift_share(REGION, BASE.drop(columns="total_employment"))
    with pytest.raises(ValueError, match="repeat a region_id × year × cluster_code key"):
        shift_share(pd.concat([REGION, REGION.head(1)]), BASE)
    with pytest.raises(ValueError, match="base_year 2019 is not a year"):
        shift_share(REGION, BASE, base_year=2019)
    with pytest.raises(ValueError, match="must be earlier"):
        shift_share(REGION, BASE, base_year=2024, end_year=2022)
    qcew = pd.DataFrame({"area_fips": ["41001"], "own_code": ["0"], "industry_code": ["10"], "year": [2024]})
    with pytest.raises(ValueError, match="'US000' .* is in none of the QCEW rows"):
        base_area_employment(qcew, pd.DataFrame(), "US000")


def test_explicit_years_pick_a_middle_year():
    out = shift_share(
        REGION,
        _base([(2022, "health", 1000.0, 10_000.0), (2023, "health", 1100.0, 10_500.0)]),
        base_year=2022,
        end_year=2023,
    ).set_index("cluster_code")
    assert out.loc["health", "change"] == 599.0
    assert out.loc["health", "national_growth"] == pytest.approx(20.0)
    assert pd.isna(out.loc["trades", "change"])  # trades has no 2023 row


def test_printed_parts_add_up_to_the_printed_change():
    assert round_to_total([10.4, 10.4, 10.4], 31) == [11, 10, 10]
    assert sum(round_to_total([0.5, 0.5, -1.0], 0)) == 0
    rng = np.random.default_rng(3)
    for _ in range(500):
        v = list(rng.normal(0, 500, 3))
        total = round(sum(v)) + int(rng.integers(-1, 2))
        assert sum(round_to_total(v, total)) == total
    row = pd.Series(
        {
            "employment_base": 10.4,
            "employment_end": 11.3,
            "base_year": 2022,
            "end_year": 2024,
            "national_growth": 0.3,
            "industry_mix": 0.3,
            "regional_share": 0.3,
            "cluster_name": "X",
            "cluster_code": "x",
            "base_area": "US000",
        }
    )
    assert shift_share_sentence("X", row, "US000").startswith(
        "Of the 1 job X gained in the region from 2022 to 2024, 1 came"
    )
    table = shift_share_table(pd.DataFrame([row]))
    assert table.iloc[0].tolist() == ["X", "10", "11", "+1", "+1", "+0", "+0"]


# ------------------------------------------------------------------------------------------- the demo run


@pytest.fixture(scope="module")
def demo(tmp_path_factory, build_demo_stages):
    root = tmp_path_factory.mktemp("shift_share")
    cfg, paths, processed = build_demo_stages(root)
    return cfg, load_processed(processed), root


def test_demo_effects_add_up_to_the_change(demo):
    cfg, tables, _ = demo
    ss, dm = tables["shift_share"], tables["demand"]
    schemas.ShiftShare.validate(ss, lazy=True)
    assert len(ss) == 6 * 14  # regions × clusters of the 2024 framework
    assert set(ss["base_year"]) == {2022} and set(ss["end_year"]) == {2024}
    assert set(ss["base_area"]) == {cfg.inputs.qcew_base_area}
    assert ss[list(EFFECTS)].notna().all().all()
    total = ss["national_growth"] + ss["industry_mix"] + ss["regional_share"]
    assert np.allclose(total, ss["change"], rtol=0, atol=1e-6)
    # the region side is the demand table's employment of the two years
    for year, col in ((2022, "employment_base"), (2024, "employment_end")):
        d = dm[(dm["year"] == year) & dm["cluster_code"].notna()].set_index(["region_id", "cluster_code"])
        s = ss.set_index(["region_id", "cluster_code"])[col]
        assert np.allclose(s.to_numpy(float), d.loc[s.index, "employment"].to_numpy(float))
    # the region's cluster growth is the demand table's growth since the first year
    d24 = dm[dm["year"] == 2024].set_index(["region_id", "cluster_code"])["growth_total"]
    s = ss.set_index(["region_id", "cluster_code"])["growth_region"]
    assert np.allclose(s.to_numpy(float), d24.loc[s.index].to_numpy(float))
    # one national growth rate for every row
    assert ss["growth_base_total"].nunique() == 1


def test_demo_base_area_is_built_as_the_location_quotients_base(demo):
    cfg, tables, _ = demo
    inputs, ref = read_inputs(cfg), load_reference(cfg)
    naics = map_naics_to_clusters(
        inputs.qcew["industry_code"].drop_duplicates().reset_index(drop=True), ref.naics_cluster
    )
    base = cfg.inputs.qcew_base_area
    alone = base_area_employment(inputs.qcew, naics, base)
    counties = list(inputs.regions["county_fips"].drop_duplicates())
    with_counties = industry_employment_by_cluster(inputs.qcew, naics, [*counties, base])
    with_counties = with_counties[with_counties["area_fips"] == base][alone.columns].reset_index(drop=True)
    pd.testing.assert_frame_equal(alone, with_counties)
    # and the table's base growth rates are the base area's
    b = alone.dropna(subset=["cluster_code"]).pivot(index="cluster_code", columns="year", values="employment")
    g = (b[2024] / b[2022] - 1).astype(float)
    ss = (
        tables["shift_share"].drop_duplicates("cluster_code").set_index("cluster_code")["growth_base_cluster"]
    )
    assert np.allclose(ss.to_numpy(float), g.loc[ss.index].to_numpy())


def test_demo_report_section_workbook_sheet_and_geopackage_columns(demo, tmp_path):
    cfg, tables, _ = demo
    ctx = SimpleNamespace(tables=tables, region_id="metro")
    section = shift_share_section(ctx)
    assert section.heading == "## What drove the change in jobs, 2022 to 2024"
    assert "against the nation, US000" in section.text
    assert section.text.count("in the region from 2022 to 2024") == 3
    (table,) = section.tables
    assert list(table.columns) == [
        "Cluster",
        "Jobs 2022",
        "Jobs 2024",
        "Change",
        "National growth",
        "Industry mix",
        "Regional share",
    ]
    assert len(table) == 14
    for _, r in table.iterrows():  # every printed row adds up
        num = [int(str(r[c]).replace(",", "")) for c in table.columns[1:]]
        assert num[1] - num[0] == num[2] == num[3] + num[4] + num[5]

    path = write_region_workbook(tmp_path / "tables.xlsx", tables, "metro", cfg=cfg)
    ws = openpyxl.load_workbook(path)["Shift-share"]
    rows = list(ws.iter_rows(values_only=True))
    header = rows[0]
    assert len(rows) == 15 and header[-3:] == (
        "National growth (jobs)",
        "Industry mix (jobs)",
        "Regional share (jobs)",
    )
    for r in rows[1:]:
        assert r[header.index("Change in jobs")] == pytest.approx(sum(r[-3:]), abs=1e-6)

    published = protect_tables(tables, cfg)["alignment"]
    gpkg = maps.run_geopackage(
        tmp_path / "maps.gpkg",
        tables["counties"],
        tables["regions"],
        published,
        year=cfg.year,
        shift_share=tables["shift_share"],
    )
    con = sqlite3.connect(gpkg)
    try:
        got = con.execute(
            "SELECT ss_base_year, ss_end_year, ss_change, ss_national_growth + ss_industry_mix + ss_regional_share "
            "FROM gap_by_region"
        ).fetchall()
    finally:
        con.close()
    assert len(got) == 6 * 14
    assert all(r[0] == 2022 and r[1] == 2024 and r[2] == pytest.approx(r[3], abs=1e-6) for r in got)
