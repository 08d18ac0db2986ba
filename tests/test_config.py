"""The run configuration: safe loading, presets, every problem reported with its line."""

from pathlib import Path

import pytest

from alignment.config import FAMILY_TYPES, available_presets, load_config, load_preset
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


def test_unknown_key_in_a_section_names_its_line_and_the_valid_keys(folder):
    text = GOOD.replace("  children: 1\n", "  children: 1\n  kids: 2\n") + "outputs:\n  report: out\n"
    with pytest.raises(InputError) as info:
        load_config(write(folder, text), root=folder)
    problems = {p.column: p for p in info.value.problems}
    assert problems["family_wage.kids"].row == 17
    assert problems["family_wage.kids"].message == (
        "unknown key (valid keys in family_wage: source, adults, children, earners, median_share, "
        "value_hourly_usd)"
    )
    assert problems["outputs.report"].row == 21
    assert problems["outputs.report"].message == (
        "unknown key; did you mean 'outputs.reports'? (valid keys in outputs: processed, reports)"
    )


def test_a_wrong_type_names_the_expected_type(folder):
    text = (
        GOOD.replace("adults: 1", "adults: two")
        .replace("title: Test", "title: [a, b]")
        .replace("living_wage: lw.csv", "living_wage: {file: lw.csv}")
    )
    with pytest.raises(InputError) as info:
        load_config(write(folder, text + "synthetic: yes please\nfetch: [a]\n"), root=folder)
    messages = {p.column: (p.row, p.message) for p in info.value.problems}
    assert messages["family_wage.adults"] == (15, "expected int, got 'two' (str)")
    assert messages["title"] == (2, "expected text, got ['a', 'b'] (list)")
    assert messages["inputs.living_wage"] == (12, "expected text, got {'file': 'lw.csv'} (dict)")
    assert messages["synthetic"] == (19, "expected bool, got 'yes please' (str)")
    assert messages["fetch"] == (20, "expected a mapping, got ['a'] (list)")
    assert len(info.value.problems) == 5


def test_a_key_of_the_wrong_type_is_also_checked_as_text(folder):
    """``framework: 2020`` is neither text nor a framework: both are said; ``state_fips: 41`` is fine."""
    text = GOOD.replace('framework: "2024"', "framework: 2020").replace(
        'state_fips: "41"', "state_fips: 41.0"
    )
    with pytest.raises(InputError) as info:
        load_config(write(folder, text), root=folder)
    assert [(p.row, p.column, p.message) for p in info.value.problems] == [
        (4, "state_fips", "expected text or int, got 41.0 (float)"),
        (4, "state_fips", "expected 2 digits in quotes, e.g. \"06\"; got '41.0'"),
        (5, "framework", "expected text, got 2020 (int)"),
        (5, "framework", "expected one of 2024, legacy; got '2020'"),
    ]


def test_rules_between_keys_are_reported_with_the_other_problems(folder):
    text = (
        GOOD.replace("  enrollment: enrollment.csv\n", "")
        .replace("source: living_wage", "source: value")
        .replace("children: 1", "children: 4")
        .replace("regions: regions.csv", "regions: nowhere.csv")
    )
    with pytest.raises(InputError) as info:
        load_config(write(folder, text), root=folder)
    assert [(p.row, p.column) for p in info.value.problems] == [
        (8, "inputs.enrollment"),  # on the line of its section
        (10, "inputs.regions"),
        (13, "family_wage.value_hourly_usd"),  # on the line of source
        (15, "family_wage.children"),  # checked whatever the source
    ]
    assert [p.message for p in info.value.problems][2:] == [
        "source 'value' needs value_hourly_usd",
        f"expected 0 to 3 children; got 4; {FAMILY_TYPES}",
    ]


@pytest.mark.parametrize(
    ("family", "expected"),
    [
        ("  adults: 2\n  children: 2\n  earners: 1\n", "2 adults (1 working), 2 children"),
        (
            "  adults: 2\n  children: 0\n  earners: 2\n",
            "2 adults (both working), 0 children, per working adult",
        ),
        ("  adults: 1\n  children: 3\n  earners: 1\n", "1 adult, 3 children"),
        ("  adults: 1\n  children:\n", "1 adult, 0 children"),  # `children:` left empty
    ],
)
def test_the_family_types_mit_publishes_are_named_exactly(folder, family, expected):
    text = GOOD.replace("  adults: 1\n  children: 1\n", family)
    fw = load_config(write(folder, text), root=folder).family_wage
    assert fw.describe() == expected


@pytest.mark.parametrize(
    ("family", "row", "key", "message"),
    [
        (
            "  adults: 2\n  children: 2\n",
            15,
            "earners",
            "2 adults need earners: 1 (one adult works) or 2 (both",
        ),
        ("  adults: 1\n  children: 2\n  earners: 2\n", 17, "earners", "expected 1 (one adult is one earner)"),
        ("  adults: 2\n  children: 2\n  earners: 3\n", 17, "earners", "expected 1 (one adult works) or 2"),
        ("  adults: 3\n  children: 2\n", 15, "adults", "expected 1 or 2 adults; got 3"),
        ("  adults:\n  children: 2\n", 15, "adults", "expected 1 or 2 adults; got 0"),
    ],
)
def test_a_family_type_mit_does_not_publish_is_refused_naming_the_key_and_the_types(
    folder, family, row, key, message
):
    text = GOOD.replace("  adults: 1\n  children: 1\n", family)
    with pytest.raises(InputError) as info:
        load_config(write(folder, text), root=folder)
    (problem,) = info.value.problems
    assert (problem.row, problem.column) == (row, f"family_wage.{key}")
    assert problem.message.startswith(message) and problem.message.endswith(FAMILY_TYPES)


def test_the_rules_without_a_family_type_name_none(folder):
    text = GOOD.replace("source: living_wage", "source: median_share\n  median_share: 0.8").replace(
        "  living_wage: lw.csv\n", "  oews: lw.csv\n"
    )
    fw = load_config(write(folder, text.replace("adults: 1", "adults: 2")), root=folder).family_wage
    assert fw.describe() == "no family type: 80% of the region's median wage"


def test_problems_are_listed_in_the_order_of_the_file(folder):
    text = GOOD.replace("run: test-run\n", "").replace("privacy_threshold: 12", "top_n: 0") + "year: 2023\n"
    with pytest.raises(InputError) as info:
        load_config(write(folder, text), root=folder)
    assert [(p.row, p.column) for p in info.value.problems] == [
        (None, "run"),
        (17, "thresholds.top_n"),
        (18, "year"),  # written twice
    ]


def test_the_config_keeps_its_types_and_the_order_of_the_file(folder):
    (folder / "cw.csv").write_text("x\n")
    (folder / "cte").mkdir()
    text = (
        GOOD.replace('state_fips: "41"', "state_fips: 6").replace("  children: 1\n", "  children:\n")
        + "crosswalks:\n  cip_soc: cw.csv\n  advance_cte_dir: cte\n  cip_cluster_extra: cw.csv\n"
        + "outputs:\n  reports: out/r\n"
    )
    cfg = load_config(write(folder, text), root=folder)
    assert cfg.state_fips == "06" and cfg.title == "Test" and cfg.synthetic is False
    assert cfg.family_wage.adults == 1 and cfg.family_wage.children == 0  # `children:` left empty
    assert isinstance(cfg.inputs.regions, Path) and isinstance(cfg.inputs.qcew, tuple)
    assert list(cfg.crosswalks) == ["cip_soc", "advance_cte_dir", "cip_cluster_extra"]
    assert cfg.crosswalks["advance_cte_dir"] == folder / "cte"
    assert cfg.reports_dir == folder / "out" / "r" and cfg.processed_dir == folder / "data/processed/test-run"
    assert list(cfg.thresholds) == list(load_preset("default")) and cfg.thresholds["privacy_threshold"] == 12
    assert cfg.input_paths()[-3:] == [folder / "cw.csv", folder / "cte", folder / "cw.csv"]


def test_staffing_pattern_needs_its_files_and_keeps_them_as_inputs(folder):
    text = GOOD.replace("preset: default\n", "preset: default\noccupation_employment: staffing_pattern\n")
    with pytest.raises(InputError) as info:
        load_config(write(folder, text))
    (problem,) = info.value.problems
    assert problem.row == 7 and "needs inputs.staffing_patterns" in problem.message
    (folder / "ep").mkdir()
    for name in ("ind_110000.xlsx", "ind_210000.xlsx"):
        (folder / "ep" / name).write_text("x")
    text = text.replace("  living_wage: lw.csv\n", "  living_wage: lw.csv\n  staffing_patterns: ep/*.xlsx\n")
    cfg = load_config(write(folder, text))
    assert cfg.occupation_employment == "staffing_pattern"
    assert [p.name for p in cfg.inputs.staffing_patterns] == ["ind_110000.xlsx", "ind_210000.xlsx"]
    assert set(cfg.inputs.staffing_patterns) <= set(cfg.inputs.files())
    with pytest.raises(InputError, match="one of oews_areas, staffing_pattern"):
        load_config(write(folder, text.replace("staffing_pattern\n", "staffing\n", 1)))


def test_institution_places_is_an_optional_input_file_in_the_manifest(folder):
    from alignment.manifest import input_records

    text = GOOD.replace(
        "  regions: regions.csv\n", "  regions: regions.csv\n  institution_places: places.csv\n"
    )
    with pytest.raises(InputError) as info:
        load_config(write(folder, text), root=folder)
    (problem,) = info.value.problems
    assert problem.column == "inputs.institution_places" and "file not found: 'places.csv'" in problem.message
    (folder / "places.csv").write_text("unitid,county_fips,share\n1,41001,1\n")
    cfg = load_config(write(folder, text), root=folder)
    assert cfg.inputs.institution_places == folder / "places.csv"
    assert cfg.inputs.files()[-1] == folder / "places.csv"
    assert ("institution_places", "places.csv") in {(r["role"], r["path"]) for r in input_records(cfg)}
    assert load_config(write(folder, GOOD), root=folder).inputs.institution_places is None
