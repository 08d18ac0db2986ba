"""The institution places file: where an institution's awards are taught (sources/places.py), and the run's
checks of it (inputs.read_institution_places)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from alignment.config import Config, Inputs
from alignment.errors import InputError
from alignment.inputs import read_institution_places
from alignment.sources.places import read_places

GOOD = """unitid,institution,campus,county_fips,share,cip
231165,Vermont State University,Castleton,50021,0.6,
231165,Vermont State University,Randolph,50017,0.4,
231165,Vermont State University,Williston,50007,1,51.38
,Community College of Vermont,Winooski,50007,50%,
,Community College of Vermont,Montpelier,50023,50%,
"""


def _write(tmp_path: Path, text: str, name: str = "places.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_is_read_with_its_groups(tmp_path):
    places = read_places(_write(tmp_path, GOOD))
    assert places["key"].tolist()[:3] == ["id:231165"] * 3
    assert places["key"].iat[3] == "name:community college of vermont"
    assert places["cip"].isna().tolist() == [True, True, False, True, True]
    assert places["cip"].iat[2] == "51.38"
    assert places["county_fips"].tolist() == ["50021", "50017", "50007", "50007", "50023"]
    assert places["share"].tolist() == pytest.approx([0.6, 0.4, 1.0, 0.5, 0.5])
    assert places["campus"].iat[0] == "Castleton" and places["source_row"].tolist() == [2, 3, 4, 5, 6]


def test_shares_that_do_not_add_up_to_1_are_refused_naming_the_institution_and_its_sum(tmp_path):
    text = "unitid,county_fips,share\n231165,50021,0.6\n231165,50017,0.3\n230861,50023,1\n"
    with pytest.raises(InputError) as err:
        read_places(_write(tmp_path, text))
    (problem,) = err.value.problems
    assert problem.row == 2 and problem.column == "share"
    assert "UNITID 231165" in problem.message and "add up to 0.9" in problem.message
    assert "rows 2, 3" in problem.message


def test_a_sum_within_the_tolerance_is_scaled_to_exactly_1(tmp_path):
    rows = "".join(f"230861,{c},0.0833\n" for c in ("50003", "50025", "50001", "50023", "50015", "50019"))
    rows += "".join(f"230861,{c},0.0834\n" for c in ("50021", "50011", "50005", "50027"))
    rows += "230861,50027,0.0833\n230861,50007,0.0833\n"
    places = read_places(_write(tmp_path, "unitid,county_fips,share\n" + rows))
    assert places["share"].sum() == pytest.approx(1.0, abs=1e-12)


def test_bad_county_share_and_cip_are_named_by_row_and_column(tmp_path):
    text = (
        "unitid,county_fips,share,cip\n"
        "231165,50000,0.5,\n"  # a state total, not a county
        "231165,Rutland,0.5,\n"
        "231165,50021,1.5,51\n"
        "231165,50021,1,51.3\n"
        "abc,50021,1,\n"
    )
    with pytest.raises(InputError) as err:
        read_places(_write(tmp_path, text))
    found = {(p.row, p.column) for p in err.value.problems}
    assert found == {(2, "county_fips"), (3, "county_fips"), (4, "share"), (5, "cip"), (6, "unitid")}
    assert "places.csv, row 2, column 'county_fips': expected a 5-digit county FIPS code" in str(err.value)


def test_a_file_without_an_institution_column_is_refused(tmp_path):
    with pytest.raises(InputError, match="no institution column found"):
        read_places(_write(tmp_path, "county_fips,share\n50021,1\n"))


def _cfg(places: Path) -> Config:
    p = Path("x")
    inputs = Inputs(enrollment=p, qcew=(p,), regions=Path("regions.csv"), institution_places=places)
    return Config(path=p, run="t", year=2024, state_fips="50", inputs=inputs)


def test_a_county_in_no_region_is_a_problem_and_an_unknown_institution_a_warning(tmp_path):
    regions = pd.DataFrame({"county_fips": ["50021", "50017"], "region_id": ["south", "central"]})
    regions = regions.assign(region_name=regions["region_id"])
    enrollment = pd.DataFrame(
        {
            "institution": ["Vermont State University"],
            "unitid": ["231165"],
            "county_fips": ["50017"],
            "cip": ["51.3801"],
            "year": [2024],
            "completers": pd.array([40], dtype="Int64"),
        }
    )
    outside = _write(tmp_path, "unitid,county_fips,share\n231165,50021,0.5\n231165,50007,0.5\n", "far.csv")
    with pytest.raises(InputError) as err:
        read_institution_places(_cfg(outside), enrollment, regions)
    (problem,) = err.value.problems
    assert (problem.row, problem.column) == (3, "county_fips")
    assert "county 50007 is not in any region of regions.csv" in problem.message

    text = (
        "unitid,institution,county_fips,share,cip\n"
        "231165,,50021,0.5,\n"
        "231165,,50017,0.5,\n"
        ",Nowhere College,50021,1,\n"
        "231165,,50021,1,11.07\n"
    )
    notes: list = []
    places = read_institution_places(_cfg(_write(tmp_path, text)), enrollment, regions, notes=notes)
    assert len(places) == 4
    assert [(n.row, n.message) for n in notes] == [
        (4, "'Nowhere College': no supply row names this institution; the row places nothing"),
        (
            5,
            "UNITID 231165, program family 11.07: no program of the institution is in this program family; "
            "the row places nothing",
        ),
    ]


REPO = Path(__file__).resolve().parents[1]
VERMONT = REPO / "docs" / "examples" / "vermont"
REAL = REPO.parent / "shared" / "real-data"


@pytest.mark.realdata
def test_the_vermont_example_places_nursing_in_the_south_and_keeps_every_award():
    """docs/examples/vermont/institution_places.csv on the IPEDS files: the South, which has no healthcare
    program when awards count at main campuses, gets its share of the state university's nursing."""
    if not REAL.is_dir():
        pytest.skip(f"real data not present: {REAL}")
    from dataclasses import replace

    from alignment import reference
    from alignment.config import load_config
    from alignment.inputs import load_reference, read_inputs
    from alignment.supply import assign_programs, place_programs, supply_by_cluster

    cfg = load_config(VERMONT / "config.yml")
    cfg = replace(cfg, inputs=replace(cfg.inputs, institution_places=VERMONT / "institution_places.csv"))
    inputs, ref = read_inputs(cfg), load_reference(cfg)
    assert inputs.places is not None and set(inputs.places["unitid"]) == {"231165", "230861"}
    lookup = reference.lookup_cip_cluster(inputs.enrollment["cip"], ref.cip_cluster)
    placed = place_programs(inputs.enrollment, inputs.places, inputs.regions, lookup, min_part=10)
    supply = {}
    for name, rows in (("main campus", inputs.enrollment), ("placed", placed)):
        programs, _ = assign_programs(rows, inputs.regions, lookup)
        s = supply_by_cluster(programs)
        supply[name] = s[s["year"] == 2024].set_index(["region_id", "cluster_code"])["completers"]
    health = ("south", "healthcare-human-services")
    assert health not in supply["main campus"].index  # no healthcare program at a main campus in the South
    assert float(supply["placed"][health]) == pytest.approx(221.0, abs=0.5)
    assert float(supply["placed"].sum()) == pytest.approx(float(supply["main campus"].sum()))  # 1,609
    nursing = placed[(placed["year"] == 2024) & placed["cip"].eq("51.3801")]
    assert nursing["completers"].sum() == pytest.approx(160.0)
    # Central has two campuses of five (Johnson, Randolph); the Northeast Kingdom's own count is below 10 in
    # 2024, so its campus's share went to the other regions (methods, section 1)
    assert sorted(nursing["place_share"].round(2).tolist()) == [0.25, 0.25, 0.5]
