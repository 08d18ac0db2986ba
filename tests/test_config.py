"""The run configuration: safe loading, presets, every problem reported with its line."""

from pathlib import Path

import pytest

from alignment.config import available_presets, load_config, load_preset
from alignment.errors import InputError

GOOD = """\
run: test-run
title: Test
year: 2024
state_fips: "41"
framework: "2024"
preset: default
supply_measure: completers
inputs:
  enrollment: enrollment.csv
  qcew: qcew/*.csv
  regions: regions.csv
  living_wage: lw.csv
family_wage:
  source: living_wage
  adults: 1
  children: 1
thresholds:
  privacy_threshold: 12
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "qcew").mkdir()
    for name in ("enrollment.csv", "regions.csv", "lw.csv", "qcew/a.csv", "qcew/b.csv"):
        (tmp_path / name).write_text("x\n")
    return tmp_path


def write(folder: Path, text: str) -> Path:
    p = folder / "config.yml"
    p.write_text(text)
    return p


def test_good_config_resolves_paths_and_merges_preset(folder):
    cfg = load_config(write(folder, GOOD), root=folder)
    assert cfg.run == "test-run" and cfg.year == 2024 and cfg.state_fips == "41"
    assert cfg.inputs.enrollment == folder / "enrollment.csv"
    assert [p.name for p in cfg.inputs.qcew] == ["a.csv", "b.csv"]
    assert cfg.inputs.qcew_base_area == "US000"
    assert cfg.thresholds["privacy_threshold"] == 12  # override wins
    assert cfg.thresholds["oversupply_ratio"] == load_preset("default")["oversupply_ratio"]
    assert cfg.processed_dir == folder / "data" / "processed" / "test-run"
    assert cfg.reports_dir == folder / "reports" / "test-run"
    assert cfg.family_wage.describe() == "1 adult, 1 child"


def test_state_fips_stays_text(folder):
    cfg = load_config(write(folder, GOOD.replace('state_fips: "41"', 'state_fips: "06"')), root=folder)
    assert cfg.state_fips == "06"


def test_every_problem_is_reported_at_once_with_line_and_nearest_key(folder):
    bad = (
        GOOD.replace("regions: regions.csv", "regoins: regions.csv")
        .replace("year: 2024", "year: twenty")
        .replace("privacy_threshold: 12", "privacy_threshold: -3")
        .replace("enrollment: enrollment.csv", "enrollment: missing.csv")
    )
    with pytest.raises(InputError) as info:
        load_config(write(folder, bad), root=folder)
    text = str(info.value)
    problems = {p.column: p for p in info.value.problems}
    assert "did you mean 'inputs.regions'" in text
    assert problems["inputs.regoins"].row == 11
    assert problems["year"].row == 3 and "expected int" in problems["year"].message
    assert problems["thresholds.privacy_threshold"].row == 18
    assert "file not found: 'missing.csv'" in problems["inputs.enrollment"].message
    assert "inputs.regions" in problems and "required" in problems["inputs.regions"].message


def test_unknown_threshold_and_preset_and_choice(folder):
    bad = (
        GOOD.replace("preset: default", "preset: atlantis")
        .replace("privacy_threshold: 12", "oversuply_ratio: 2")
        .replace("supply_measure: completers", "supply_measure: graduates")
    )
    with pytest.raises(InputError) as info:
        load_config(write(folder, bad), root=folder)
    text = str(info.value)
    assert "unknown preset 'atlantis'" in text and "default" in text
    assert "did you mean 'thresholds.oversupply_ratio'" in text
    assert "expected one of enrolled, concentrators, completers; got 'graduates'" in text


def test_glob_matching_nothing_and_invalid_yaml(folder):
    with pytest.raises(InputError, match="no file matches 'nothing/\\*.csv'"):
        load_config(write(folder, GOOD.replace("qcew: qcew/*.csv", "qcew: nothing/*.csv")), root=folder)
    with pytest.raises(InputError, match="row 2: not valid YAML"):
        load_config(write(folder, "run: x\n  bad: [\n"), root=folder)
    with pytest.raises(InputError, match="config file not found"):
        load_config(folder / "nope.yml")


def test_yaml_is_loaded_safely(folder):
    evil = GOOD.replace("title: Test", "title: !!python/object/apply:os.system ['echo hi']")
    with pytest.raises(InputError, match="not valid YAML"):
        load_config(write(folder, evil), root=folder)


def test_run_name_cannot_be_a_path(folder):
    with pytest.raises(InputError, match="a run name is a folder name"):
        load_config(write(folder, GOOD.replace("run: test-run", "run: ../../etc")), root=folder)


def test_presets_are_complete():
    """Every shipped preset sets every threshold, in range (null only where a test may be switched off)."""
    from alignment.config import NULLABLE_THRESHOLDS, THRESHOLD_RANGES

    assert {"default", "tn", "or", "wa", "co"} <= set(available_presets())
    for name in available_presets():
        preset = load_preset(name)
        assert set(preset) == set(THRESHOLD_RANGES), name
        for key, value in preset.items():
            if value is None:
                assert key in NULLABLE_THRESHOLDS, (name, key)
                continue
            lo, hi = THRESHOLD_RANGES[key]
            assert lo <= value <= hi, (name, key, value)


def test_state_preset_values_follow_their_publications():
    tn, or_, wa, co = (load_preset(n) for n in ("tn", "or", "wa", "co"))
    assert tn["high_wage_median_share"] == 0.8 and tn["min_occupation_employment_share"] == 0.0004
    assert tn["in_demand_openings_ratio_median_share"] == 1.0 and tn["high_wage_family_wage_share"] is None
    assert or_["high_wage_median_share"] == 1.0 and or_["in_demand_openings_median_share"] == 1.0
    assert or_["high_skill_min_education"] == 4 and or_["high_skill_apprenticeship"] == 1
    assert wa["min_occupation_employment"] == 50 and wa["in_demand_growth_area_share"] == 0.9
    assert wa["in_demand_min_openings_share"] == 0.0008
    assert co["in_demand_min_openings"] == 40 and co["in_demand_min_growth_pct"] == 10
    assert co["high_wage_family_wage_share"] == 1.0


def test_state_preset_with_overrides_including_null(folder):
    text = (
        GOOD.replace("preset: default", "preset: co")
        + "  in_demand_min_growth_pct: null\n  in_demand_min_openings: 25\n"
    )
    cfg = load_config(write(folder, text), root=folder)
    assert cfg.preset == "co"
    assert cfg.thresholds["in_demand_min_growth_pct"] is None
    assert cfg.thresholds["in_demand_min_openings"] == 25
    assert cfg.thresholds["high_wage_family_wage_share"] == 1.0  # from the preset


def test_null_is_refused_for_flag_thresholds(folder):
    with pytest.raises(InputError, match="thresholds.low_demand_lq.*expected a number"):
        load_config(write(folder, GOOD + "  low_demand_lq: null\n"), root=folder)


def test_count_thresholds_are_whole_numbers(folder):
    with pytest.raises(InputError) as info:
        load_config(
            write(folder, GOOD.replace("privacy_threshold: 12", "privacy_threshold: 9.5")), root=folder
        )
    assert str(info.value.problems[0]) == (
        f"{folder / 'config.yml'}, row 18, column 'thresholds.privacy_threshold': expected a whole number "
        "(a number of students); got 9.5"
    )
    text = GOOD + "  top_n: 2.5\n  min_gap_students: 10.0\n  min_demand_share: 0.5\n"
    with pytest.raises(
        InputError, match=r"thresholds.top_n': expected a whole number \(a number of pathways\)"
    ):
        load_config(write(folder, text), root=folder)
    cfg = load_config(
        write(folder, GOOD + "  min_gap_students: 10.0\n  min_demand_share: 0.5\n"), root=folder
    )
    assert cfg.thresholds["min_gap_students"] == 10 and isinstance(cfg.thresholds["min_gap_students"], int)
    assert cfg.thresholds["min_demand_share"] == 0.5
