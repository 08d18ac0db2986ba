"""Tests for privacy.py: primary and complementary suppression, and count formatting."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from alignment.privacy import format_count, is_small, suppress_counts


def test_primary_suppression_keeps_zero_and_large():
    df = pd.DataFrame({"n": [0, 3, 9, 10, 250]})
    out = suppress_counts(df, ["n"], threshold=10)
    # 3 and 9 hidden (two hidden: no complementary needed); 0 is a true zero and shown
    assert out["n"].tolist() == [0, pd.NA, pd.NA, 10, 250]
    assert out["n_suppressed"].tolist() == [False, True, True, False, False]
    assert out["n"].dtype == "Int64"


def test_complementary_hides_next_smallest_positive():
    df = pd.DataFrame({"region": ["a"] * 4 + ["b"] * 3, "n": [0, 4, 15, 30, 12, 40, 50]})
    out = suppress_counts(df, ["n"], threshold=10, group_by=["region"])
    # group a: 4 hidden alone -> the smallest shown positive cell (15) is hidden too, not the zero
    assert out["n"].tolist()[:4] == [0, pd.NA, pd.NA, 30]
    # group b: nothing small, nothing hidden
    assert out["n"].tolist()[4:] == [12, 40, 50]


def test_complementary_ties_and_index_kept():
    df = pd.DataFrame({"g": ["x", "x", "x"], "n": [5, 20, 20]}, index=[10, 10, 11])
    out = suppress_counts(df, ["n"], group_by=["g"])
    assert list(out.index) == [10, 10, 11]
    assert out["n_suppressed"].tolist() == [True, True, False]  # first of the tied 20s


def test_upstream_na_is_hidden_but_protects_nothing():
    df = pd.DataFrame({"n": [pd.NA, 40, 60]}, dtype="Int64")
    out = suppress_counts(df, ["n"])
    # the cell missing in the source is shown as hidden, but it adds nothing to a published total, so it
    # neither needs a complement nor counts as one (counting it let a lone small count be recovered)
    assert out["n_suppressed"].tolist() == [True, False, False]


def test_several_columns_and_no_group_by():
    df = pd.DataFrame({"enrolled": [50, 60, 70], "completers": [3, 20, 25]})
    out = suppress_counts(df, ["enrolled", "completers"], threshold=10)
    assert out["enrolled"].tolist() == [50, 60, 70]
    assert out["completers"].tolist() == [pd.NA, pd.NA, 25]


def test_fractional_counts():
    df = pd.DataFrame({"n": [2.5, 12.5, 30.0]})
    out = suppress_counts(df, ["n"])
    assert out["n"].dtype == "Float64"
    assert out["n_suppressed"].tolist() == [True, True, False]


def test_format_count():
    assert format_count(3) == "<10"
    assert format_count(3, threshold=5) == "<5"
    assert format_count(0) == "0"
    assert format_count(10) == "10"
    assert format_count(12345) == "12,345"
    assert format_count(pd.NA) == "suppressed"
    assert is_small(9) and not is_small(0) and is_small(None)


@settings(max_examples=200, deadline=None)
@given(
    cells=st.lists(
        st.tuples(st.sampled_from(["a", "b", "c"]), st.integers(min_value=0, max_value=60)),
        min_size=1,
        max_size=25,
    ),
    threshold=st.integers(min_value=2, max_value=20),
)
def test_no_hidden_cell_recoverable_by_subtraction(cells, threshold):
    df = pd.DataFrame(cells, columns=["g", "n"])
    out = suppress_counts(df, ["n"], threshold=threshold, group_by=["g"])
    for g, part in out.groupby("g"):
        original = df.loc[part.index, "n"]
        hidden = part["n_suppressed"]
        # every small positive count is hidden; shown values are the originals
        assert hidden[(original > 0) & (original < threshold)].all()
        assert (part.loc[~hidden, "n"] == original[~hidden]).all()
        if len(part) < 2:
            continue
        # never exactly one hidden cell in a group: total − shown cells never equals a single hidden value
        assert hidden.sum() != 1, g
        if hidden.sum() >= 2:
            total_minus_shown = original.sum() - original[~hidden].sum()
            hidden_positive = original[hidden][original[hidden] > 0]
            if len(hidden_positive) >= 2:
                assert all(total_minus_shown != v for v in hidden_positive)


def test_a_cell_missing_in_the_source_does_not_protect_a_small_count():
    """Total 50 = 10 + 14 + 22 + 4 + (suppressed in the source): the 4 needs a complement of its own."""
    df = pd.DataFrame({"g": ["a"] * 5, "n": pd.array([10, 14, 22, 4, pd.NA], dtype="Int64")})
    out = suppress_counts(df, ["n"], threshold=10, group_by=["g"])
    hidden = out["n_suppressed"].tolist()
    assert hidden == [
        True,
        False,
        False,
        True,
        True,
    ]  # the 4, its complement (10) and the source-missing cell
