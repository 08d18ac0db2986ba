"""The build chain: OEWS areas and SOC clusters of the occupation side, accepted CIPs, CIP 2010 migration."""

from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from alignment import build
from alignment import inputs as inputs_mod
from alignment.reference import load_cip_cluster, load_cip_soc, load_clusters
from alignment.sources.cbsa import read_cbsa_delineation

FIXTURES = Path(__file__).parent / "fixtures"


def oews_rows(area: str, total: float, socs: dict[str, float]) -> list[dict]:
    rows = [{"area_code": area, "soc": "00-0000", "employment": total}]
    return rows + [{"area_code": area, "soc": s, "employment": e} for s, e in socs.items()]


def fake_cfg(**inputs) -> SimpleNamespace:
    ins = SimpleNamespace(cbsa_delineation=None, **inputs)
    return SimpleNamespace(
        inputs=ins, state_fips="50", crosswalks={}, framework="2024", cluster_rule="primary"
    )


def test_oews_area_from_region_file_then_state_then_nation_with_employment_weights():
    regions = pd.DataFrame(
        {
            "county_fips": ["50007", "50011", "50021"],
            "region_id": ["nw", "nw", "s"],
            "oews_area": ["0015540", pd.NA, pd.NA],
        }
    )
    oews = pd.DataFrame(oews_rows("0015540", 120_000.0, {}) + oews_rows("50", 300_000.0, {}))
    inputs = SimpleNamespace(regions=regions, oews=oews)
    weights = pd.Series({"50007": 100_000.0, "50011": 20_000.0, "50021": 30_000.0})
    out = build.regions_with_oews_areas(fake_cfg(), inputs, weights)
    assert out["oews_area"].tolist() == [
        "0015540",
        "50",
        "50",
    ]  # the state stands in where the file has no area
    assert out["weight"].tolist() == pytest.approx([100_000 / 120_000, 20_000 / 300_000, 30_000 / 300_000])

    national = pd.DataFrame(oews_rows("99", 150_000_000.0, {}))
    out = build.regions_with_oews_areas(fake_cfg(), SimpleNamespace(regions=regions, oews=national), weights)
    assert set(out["oews_area"]) == {"99"}  # national file only: the nation, weighted by the county's share
    assert out["weight"].iloc[0] == pytest.approx(100_000 / 150_000_000)


def test_oews_area_from_the_cbsa_delineation_when_the_file_has_the_metro_area():
    regions = pd.DataFrame({"county_fips": ["50007", "50021"], "region_id": ["nw", "s"]})
    oews = pd.DataFrame(oews_rows("15540", 1.0, {}) + oews_rows("50", 1.0, {}))
    cfg = fake_cfg()
    cfg.inputs.cbsa_delineation = FIXTURES / "cbsa" / "list1_2023.xlsx"
    delineation = read_cbsa_delineation(cfg.inputs.cbsa_delineation)
    metro = delineation[
        (delineation["metro_micro"] == "metro") & delineation["county_fips"].str.startswith("50")
    ]
    if metro.empty:
        pytest.skip("the CBSA fixture has no Vermont metro county")
    county = metro["county_fips"].iloc[0]
    regions.loc[0, "county_fips"] = county
    oews = pd.DataFrame(oews_rows(metro["cbsa_code"].iloc[0], 1.0, {}) + oews_rows("50", 1.0, {}))
    out = build.regions_with_oews_areas(cfg, SimpleNamespace(regions=regions, oews=oews), None)
    assert out["oews_area"].tolist() == [metro["cbsa_code"].iloc[0], "50"]


def test_soc_clusters_through_the_programs_when_no_official_table():
    cfg = fake_cfg()
    ref = inputs_mod.Reference(
        clusters=load_clusters("2024"),
        cip_cluster=load_cip_cluster("2024"),
        naics_cluster=pd.DataFrame(),
        cip_soc=load_cip_soc(),
    )
    table = build.soc_cluster_table(cfg, ref)
    assert table.groupby("soc")["share"].sum().round(9).eq(1).all()
    nurse = table[table["soc"] == "29-1141"]
    assert nurse["cluster_code"].tolist() == ["healthcare-human-services"]


def test_accepted_cips_apply_only_to_matching_name_and_cell():
    enrollment = pd.DataFrame(
        {
            "program_name": ["Welding Technology", " welding technology ", "Welding Technology"],
            "cip_raw": ["48.05xx", "48.05xx", "TBD"],
            "cip": [pd.NA, pd.NA, pd.NA],
        }
    )
    accepted = pd.DataFrame(
        {"program_name": ["Welding Technology"], "cip_raw": ["48.05xx"], "cip": ["48.0508"]}
    )
    out = inputs_mod.apply_accepted_cips(enrollment, accepted)
    assert out["cip"].tolist()[:2] == ["48.0508", "48.0508"] and pd.isna(out["cip"].iloc[2])
    assert enrollment["cip"].isna().all()  # the input is not changed


def test_cip_2010_codes_are_migrated_and_recorded():
    cfg = fake_cfg(cip_list=None)
    cfg.crosswalks = {"cip_2010_2020": FIXTURES / "cip" / "Crosswalk2010to2020_small.csv"}
    enrollment = pd.DataFrame(
        {
            "cip": ["51.2401", "51.3902", "60.0406"],
            "source_file": ["e.csv"] * 3,
            "source_row": [2, 3, 4],
        }
    )
    record = inputs_mod.migrate_old_cips(cfg, enrollment)
    assert enrollment["cip"].tolist() == ["01.8001", "51.3902", "61.0903"]
    assert record["cip_2010"].tolist() == ["51.2401", "60.0406"]
    assert record["migrated"].tolist() == [True, True] and record["source_row"].tolist() == [2, 4]
    assert "01.8001" in record["note"].iloc[0]
