"""Tests for alignment.suggest: program title -> CIP suggestions and the user's mapping file."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import pytest

from alignment.errors import InputError
from alignment.sources.cip import read_cip_list
from alignment.suggest import (
    MAPPING_COLUMNS,
    SUGGESTION_COLUMNS,
    CipSuggester,
    prepare_text,
    read_accepted_mapping,
    suggest_for_enrollment,
    title_names,
    write_mapping_template,
)

FIXTURES = Path(__file__).parent / "fixtures" / "cip"
REAL = (
    Path(__file__).resolve().parents[1].parent / "shared" / "real-data" / "nces-cip-2020" / "CIPCode2020.csv"
)


@pytest.fixture(scope="module")
def small_list() -> pd.DataFrame:
    return read_cip_list(FIXTURES / "CIPCode2020_small.csv")


@pytest.fixture(scope="module")
def small(small_list) -> CipSuggester:
    return CipSuggester(small_list)


def top(result: pd.DataFrame, query: str, n: int = 1) -> list[str]:
    return result[result["query"] == query].sort_values("rank")["cip"].tolist()[:n]


def test_only_current_six_digit_codes_are_suggested(small):
    # 01 / 01.80 / 48.05 are not 6-digit; 51.2401 was moved away and 60.0406 deleted
    assert list(small.cips) == [
        "01.8001", "01.8301", "11.0201", "12.0401", "12.0503", "46.0201",
        "47.0604", "48.0508", "51.0801", "51.3801", "51.3902", "61.0903",
    ]  # fmt: skip


def test_fixture_suggestions(small):
    queries = [
        "Welding Technology",
        "Nursing Assistant",
        "Auto Mechanics",
        "CNA",
        "Hair Stylist",
        "Carpentry",
    ]
    result = small.suggest(pd.Series(queries), k=3)
    assert list(result.columns) == ["query", "rank", "cip", "title", "score"]
    assert len(result) == 18 and result["rank"].tolist()[:3] == [1, 2, 3]
    assert top(result, "Welding Technology") == ["48.0508"]
    assert top(result, "Nursing Assistant") == ["51.3902"]
    assert top(result, "Auto Mechanics") == ["47.0604"]
    assert top(result, "CNA") == ["51.3902"]  # abbreviation spelled out
    assert top(result, "Hair Stylist") == ["12.0401"]  # an NCES example name
    assert top(result, "Carpentry") == ["46.0201"]
    assert result["score"].between(0, 1).all()
    assert result.groupby("query", sort=False)["score"].apply(lambda s: s.is_monotonic_decreasing).all()
    weld = result[(result["query"] == "Welding Technology") & (result["rank"] == 1)].iloc[0]
    assert weld.title == "Welding Technology/Welder" and weld.score >= 0.8  # one of the code's names


def test_suggest_distinct_non_empty_titles_in_first_seen_order(small):
    result = small.suggest(["Welding", None, "  ", "Culinary Arts", "Welding"], k=1)
    assert result["query"].tolist() == ["Welding", "Culinary Arts"]
    assert result["cip"].tolist() == ["48.0508", "12.0503"]
    assert small.suggest([None, ""], k=2).empty


def test_text_preparation_and_names():
    assert (
        prepare_text("HVAC/R & Auto Tech")
        == "heating ventilation air conditioning r and automotive technology"
    )
    assert title_names("Automobile/Automotive Mechanics Technology/Technician") == [
        "Automobile/Automotive Mechanics Technology/Technician",
        "Automobile",
        "Automotive Mechanics Technology",
    ]


def test_suggester_needs_cip_and_title():
    with pytest.raises(ValueError, match="lacks column"):
        CipSuggester(pd.DataFrame({"cip": ["48.0508"]}))
    with pytest.raises(ValueError, match="no current 6-digit code"):
        CipSuggester(pd.DataFrame({"cip": ["48.05"], "title": ["Precision Metal Working"]}))


def enrollment() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "program_name": ["Welding I", "Nursing Assistant", "Veterinary Medicine", None, "Welding I"],
            "cip": ["48.0508", pd.NA, "51.2401", pd.NA, pd.NA],
            "cip_raw": ["48.0508", "51.39xx", "51.2401", "", "48.05"],
            "source_file": ["enr.csv"] * 5,
            "source_row": [2, 3, 4, 5, 6],
        }
    ).astype({"program_name": "string", "cip": "string", "cip_raw": "string", "source_file": "string"})


def test_suggest_for_enrollment_only_unmatched_rows(small_list):
    result = suggest_for_enrollment(enrollment(), small_list, k=2)
    assert list(result.columns) == SUGGESTION_COLUMNS
    # row 2 has a current code: no suggestion; row 4 holds 51.2401, moved away in CIP 2020
    assert result["source_row"].tolist() == [3, 3, 4, 4, 5, 6, 6]
    first = result[result["rank"] == 1].set_index("source_row")
    assert first.loc[3, "suggested_cip"] == "51.3902" and first.loc[3, "cip_raw"] == "51.39xx"
    assert first.loc[4, "suggested_cip"] == "01.8001"
    assert first.loc[6, "suggested_cip"] == "48.0508"
    no_name = result[result["source_row"] == 5].iloc[0]
    assert pd.isna(no_name["rank"]) and pd.isna(no_name["suggested_cip"])


def test_mapping_round_trip(tmp_path, small_list):
    suggestions = suggest_for_enrollment(enrollment(), small_list, k=2)
    path = write_mapping_template(suggestions, tmp_path / "cip_mapping.csv")
    template = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert list(template.columns) == MAPPING_COLUMNS and (template["accept"] == "").all()
    assert len(template) == 7
    assert read_accepted_mapping(path).empty  # nothing accepted, nothing applied
    template.loc[0, "accept"] = "Yes"  # Nursing Assistant -> 51.3902
    template.loc[2, "accept"] = "x"  # Veterinary Medicine -> 01.8001
    template.loc[4, "suggested_cip"] = "12.0503"  # a code typed by the user for the unnamed program
    template.loc[4, "accept"] = "y"
    template.loc[5, "accept"] = "no"
    template.to_csv(path, index=False)
    accepted = read_accepted_mapping(path, cip_list=small_list)
    assert list(accepted.columns) == ["program_name", "cip_raw", "cip", "source_file", "source_row"]
    assert accepted["cip"].tolist() == ["51.3902", "01.8001", "12.0503"]
    assert accepted["program_name"].tolist()[:2] == ["Nursing Assistant", "Veterinary Medicine"]
    assert accepted["source_row"].tolist() == [2, 4, 6]


def test_mapping_problems_all_reported(tmp_path, small_list):
    path = tmp_path / "m.csv"
    pd.DataFrame(
        {
            "program_name": ["Welding I", "Welding I", "Cooking", "Cooking", "Nursing"],
            "cip_raw": ["48.05", "48.05", "", "", ""],
            "rank": ["1", "2", "1", "2", "1"],
            "suggested_cip": ["48.0508", "46.0201", "", "12.0503", "51.2401"],
            "suggested_title": ["", "", "", "", ""],
            "score": ["0.9", "0.2", "", "0.8", "0.5"],
            "accept": ["yes", "YES", "yes", "maybe", "1"],
        }
    ).to_csv(path, index=False)
    with pytest.raises(InputError) as exc:
        read_accepted_mapping(path, cip_list=small_list)
    got = [(p.row, p.column) for p in exc.value.problems]
    assert got == [(3, "accept"), (4, "suggested_cip"), (5, "accept"), (6, "suggested_cip")]
    text = str(exc.value)
    assert (
        "'Welding I' (CIP as written '48.05') is accepted with 2 different codes (48.0508, 46.0201)" in text
    )
    assert "row 4, column 'suggested_cip': the line is accepted but has no valid CIP code" in text
    assert "expected yes (or y, true, 1, x) to accept the line, or empty / no to skip it, got 'maybe'" in text
    assert "51.2401 is not a current CIP 2020 code" in text


def test_mapping_missing_column(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("program_name,suggested_cip\nWelding,48.0508\n")
    with pytest.raises(InputError, match="required column 'accept' not found"):
        read_accepted_mapping(path)


# --- the real NCES CIP 2020 list ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real() -> CipSuggester:
    if not REAL.is_file():
        pytest.skip(f"real data not present: {REAL}")
    return CipSuggester(read_cip_list(REAL))


@pytest.mark.realdata
def test_real_suggestions(real):
    assert len(real.cips) == 2143  # 2,173 current 6-digit codes less 30 "Reserved" placeholders
    expected_first = {
        "Welding Technology": "48.0508",  # Welding Technology/Welder
        "Nursing Assistant": "51.3902",  # Nursing Assistant/Aide and Patient Care Assistant/Aide
        "CNA": "51.3902",
        "Cosmetology": "12.0401",  # Cosmetology/Cosmetologist, General
        "Culinary Arts": "12.0503",  # Culinary Arts/Chef Training
        "Carpentry": "46.0201",  # Carpentry/Carpenter
        "Electrician": "46.0302",  # Electrician
        "Medical Assistant": "51.0801",  # Medical/Clinical Assistant
        "Dental Assisting": "51.0601",  # Dental Assisting/Assistant
        "Pharmacy Technician": "51.0805",  # Pharmacy Technician/Assistant
        "Diesel Technology": "47.0605",  # Diesel Mechanics Technology/Technician
        "Auto Collision Repair": "47.0603",  # Autobody/Collision and Repair Technology/Technician
        "Baking and Pastry": "12.0501",  # Baking and Pastry Arts/Baker/Pastry Chef
        "Graphic Design": "50.0409",  # Graphic Design
        "Phlebotomy": "51.1009",  # Phlebotomy Technician/Phlebotomist
        "EMT": "51.0904",  # Emergency Medical Technology/Technician (EMT Paramedic)
        "Hair Stylist": "12.0407",  # Hair Styling/Stylist and Hair Design
    }
    result = real.suggest(pd.Series(list(expected_first) + ["Auto Mechanics", "HVAC"]), k=3)
    assert {q: top(result, q)[0] for q in expected_first} == expected_first
    assert "47.0604" in top(result, "Auto Mechanics", 3)  # Automobile/Automotive Mechanics Technology
    assert {"15.0501", "47.0201"} <= set(top(result, "HVAC", 2))  # both heating/air-conditioning codes
    assert result["score"].between(0, 1).all()


@pytest.mark.realdata
def test_real_ten_thousand_titles_in_a_few_seconds(real):
    words = [
        "Welding",
        "Nursing",
        "Auto",
        "Culinary",
        "Carpentry",
        "Design",
        "Health",
        "Business",
        "Computer",
    ]
    titles = pd.Series([f"{words[i % 9]} {words[(i // 9) % 9]} Level {i}" for i in range(10_000)])
    start = time.perf_counter()
    result = real.suggest(titles, k=3)
    elapsed = time.perf_counter() - start
    assert len(result) == 30_000
    assert elapsed < 15, f"{elapsed:.1f} s"
