"""Code normalization: a catalogue of messy cells per code type, plus hypothesis properties."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from alignment.codes import (
    STATE_FIPS,
    cip_family,
    cip_series,
    clean_text,
    normalize,
    normalize_cip,
    normalize_cip_series,
    normalize_county_fips,
    normalize_county_fips_series,
    normalize_naics,
    normalize_soc,
    normalize_state_fips,
    slugify,
)

CIP_CATALOGUE = [
    ("01.0000", "01.0000"),
    (" 01.0000 ", "01.0000"),
    ('="01.0000"', "01.0000"),
    ("'01.0000", "01.0000"),
    ('"01.0000"', "01.0000"),
    ("01.0000\u00a0", "01.0000"),
    ("1", "01.0000"),
    (1, "01.0000"),
    ("1.0", "01.0000"),
    (1.0, "01.0000"),
    ("1.01", "01.0100"),
    (1.01, "01.0100"),
    ("51.38", "51.3800"),
    (51.38, "51.3800"),
    (51.3801, "51.3801"),
    ("01.00", "01.0000"),
    ("10000", "01.0000"),
    (10000, "01.0000"),
    ("10000.0", "01.0000"),
    ("513801", "51.3801"),
    ("51.3801", "51.3801"),
    ("51.", "51.0000"),
    ("51.3801.00", None),
    ("51.38011", None),
    (51.380123, None),
    ("51.38XX", None),
    ("abc", None),
    ("5138", None),
    ("1234567", None),
    ("", None),
    ("   ", None),
    (None, None),
    (np.nan, None),
    (pd.NA, None),
]


@pytest.mark.parametrize(("raw", "expected"), CIP_CATALOGUE)
def test_normalize_cip_catalogue(raw, expected):
    assert normalize_cip(raw) == expected


def test_normalize_cip_series_matches_scalar_and_keeps_index():
    raws = [raw for raw, _ in CIP_CATALOGUE]
    s = pd.Series(raws, index=range(10, 10 + len(raws)), dtype=object, name="cip")
    out = normalize_cip_series(s)
    assert out.dtype == "string"
    assert list(out.index) == list(s.index)
    assert out.name == "cip"
    assert [None if pd.isna(v) else v for v in out] == [e for _, e in CIP_CATALOGUE]


def test_cip_series_and_family():
    assert cip_series("51.3801") == "51.38"
    assert cip_family("51.3801") == "51"
    assert cip_series(1.01) == "01.01"
    assert cip_family("junk") is None


SOC_CATALOGUE = [
    ("15-1252", "15-1252"),
    ("151252", "15-1252"),
    (151252, "15-1252"),
    ("15-1252.00", "15-1252"),
    ("15-1252.01", "15-1252"),
    ("15.1252", "15-1252"),
    (15.1252, "15-1252"),
    (11.101, "11-1010"),
    (" 15-1252 ", "15-1252"),
    ('="15-1252"', "15-1252"),
    ("00-0000", "00-0000"),
    ("15-125", None),
    ("15-12520", None),
    ("15-1252-00", None),
    ("SOC 15-1252", None),
    ("1-1252", None),
    (None, None),
]


@pytest.mark.parametrize(("raw", "expected"), SOC_CATALOGUE)
def test_normalize_soc_catalogue(raw, expected):
    assert normalize_soc(raw) == expected


NAICS_CATALOGUE = [
    ("311", "311"),
    (311, "311"),
    ("5413.0", "5413"),
    (5413.0, "5413"),
    ("31-33", "31-33"),
    ("44-45", "44-45"),
    ("48-49", "48-49"),
    ("31\u201333", "31-33"),
    (" 48-49 ", "48-49"),
    ("10", "10"),
    ("101", "101"),
    ("102", "102"),
    ("1011", "1011"),
    ("000000", "000000"),
    ("541511", "541511"),
    ("'23", "23"),
    ("1", None),
    ("5415111", None),
    ("31-34", None),
    ("NAICS 311", None),
    ("31.5", None),
    ("", None),
    (None, None),
]


@pytest.mark.parametrize(("raw", "expected"), NAICS_CATALOGUE)
def test_normalize_naics_catalogue(raw, expected):
    assert normalize_naics(raw) == expected


COUNTY_CATALOGUE = [
    (("6037", None), "06037"),
    ((6037, None), "06037"),
    ((6037.0, None), "06037"),
    (("06037.0", None), "06037"),
    (("'06037", None), "06037"),
    (('="06037"', None), "06037"),
    (("06037", None), "06037"),
    (("37", "06"), "06037"),
    ((37, "CA"), "06037"),
    (("037", 6), "06037"),
    (("6037", "06"), "06037"),
    (("41051", "06"), None),  # not in the expected state
    (("37", None), None),  # a 3-digit code needs its state
    (("37", "XX"), None),
    (("US000", None), None),
    (("50000", None), None),  # a state total, not a county
    (("06999", None), None),  # BLS "unknown or undefined"
    (("C1234", None), None),
    (("03001", None), None),  # 03 is not a state
    (("060370", None), None),
    (("", None), None),
    ((None, "06"), None),
]


@pytest.mark.parametrize(("args", "expected"), COUNTY_CATALOGUE)
def test_normalize_county_fips_catalogue(args, expected):
    assert normalize_county_fips(*args) == expected


STATE_CATALOGUE = [
    (6, "06"),
    ("6", "06"),
    ("06", "06"),
    (6.0, "06"),
    ("6.0", "06"),
    ("CA", "06"),
    ("ca", "06"),
    (" Ca ", "06"),
    ("DC", "11"),
    ("PR", "72"),
    ("GU", "66"),
    ("VI", "78"),
    (72, "72"),
    ("03", None),
    ("99", None),
    ("US", None),
    ("06037", None),
    ("California", None),
    (None, None),
]


@pytest.mark.parametrize(("raw", "expected"), STATE_CATALOGUE)
def test_normalize_state_fips_catalogue(raw, expected):
    assert normalize_state_fips(raw) == expected


def test_state_table_has_states_dc_and_territories():
    assert len(STATE_FIPS) == 50 + 1 + 6
    assert STATE_FIPS["WY"] == "56" and STATE_FIPS["AS"] == "60"


def test_county_series_with_per_row_states():
    s = pd.Series(["37", "1", "6037", None, "51"], index=[5, 6, 7, 8, 9])
    states = pd.Series(["06", "OR", "06", "06", None], index=[0, 1, 2, 3, 4])
    out = normalize_county_fips_series(s, states)
    assert list(out.index) == [5, 6, 7, 8, 9]
    assert out.tolist()[:3] == ["06037", "41001", "06037"]
    assert out.isna().tolist() == [False, False, False, True, True]


def test_normalize_dispatch_and_unknown_kind():
    assert normalize(pd.Series(["6", "CA"]), "state_fips").tolist() == ["06", "06"]
    assert normalize(pd.Series(["31-33", "x"]), "naics").tolist() == ["31-33", pd.NA]
    with pytest.raises(ValueError, match="unknown code kind 'zip'"):
        normalize(pd.Series(["1"]), "zip")


def test_series_on_a_million_rows_is_fast():
    import time

    values = pd.Series(np.tile(["1.0", "51.3801", '="01.0000"', "x", "513801"], 200_000))
    start = time.perf_counter()
    out = normalize_cip_series(values)
    assert time.perf_counter() - start < 5
    assert out.iloc[:5].tolist() == ["01.0000", "51.3801", "01.0000", pd.NA, "51.3801"]
    assert int(out.isna().sum()) == 200_000


def test_clean_text():
    assert clean_text(' ="06037" ') == "06037"
    assert clean_text(6037.0) == "6037"
    assert clean_text("   ") is None


SLUGS = [
    ("Greater Los Angeles WDB", "greater-los-angeles-wdb"),
    ("  Région Côte-Nord / WDA #3 ", "region-cote-nord-wda-3"),
    ("Region 1", "region-1"),
    ("..", slugify("..")),
    ("", "unnamed"),
    (None, "unnamed"),
]


@pytest.mark.parametrize(("text", "expected"), SLUGS)
def test_slugify_catalogue(text, expected):
    assert slugify(text) == expected


# --- properties ---------------------------------------------------------------------------------------------

cip_codes = st.builds(lambda f, d: f"{f:02d}.{d:04d}", st.integers(0, 99), st.integers(0, 9999))
messy = st.one_of(
    st.text(max_size=12),
    st.integers(-10, 10_000_000),
    st.floats(allow_nan=True, allow_infinity=False, width=64),
    cip_codes,
    cip_codes.map(lambda c: f'="{c}"'),
    cip_codes.map(lambda c: c.rstrip("0")),
)


@given(messy)
def test_cip_normalization_is_idempotent(value):
    once = normalize_cip(value)
    assert once is None or normalize_cip(once) == once


@given(cip_codes)
def test_cip_zero_padding_preserved(code):
    assert normalize_cip(code) == code
    assert normalize_cip(f"'{code}") == code
    assert normalize_cip(code.replace(".", "")) == code


@given(cip_codes)
def test_cip_restored_after_excel_drops_zeros(code):
    assert normalize_cip(float(code)) == code
    assert normalize_cip(code.rstrip("0")) == code


@given(st.integers(10, 99), st.integers(0, 9999))
def test_soc_forms_agree(major, detail):
    code = f"{major}-{detail:04d}"
    forms = [code, code.replace("-", ""), code.replace("-", "."), code + ".00", f" {code} "]
    assert {normalize_soc(f) for f in forms} == {code}
    assert normalize_soc(normalize_soc(code)) == code


@given(st.one_of(st.text(max_size=8), st.integers(0, 10_000_000), st.sampled_from(["31-33", "44-45", "10"])))
def test_naics_idempotent(value):
    once = normalize_naics(value)
    assert once is None or normalize_naics(once) == once


@given(st.sampled_from(sorted(STATE_FIPS.values())), st.integers(1, 998))
def test_county_padding_preserved_and_idempotent(state, county):
    code = f"{state}{county:03d}"
    assert normalize_county_fips(code) == code
    assert normalize_county_fips(int(code)) == code
    assert normalize_county_fips(str(county), state_fips=state) == code
    assert normalize_county_fips(normalize_county_fips(code)) == code


@given(st.one_of(st.text(max_size=6), st.integers(-5, 200)))
def test_state_idempotent(value):
    once = normalize_state_fips(value)
    assert once is None or normalize_state_fips(once) == once


@given(st.text(max_size=40))
def test_slug_shape(text):
    slug = slugify(text)
    assert slug and ".." not in slug
    assert set(slug) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")
    assert slugify(slug) == slug
