"""Tests for privacy.py: primary and complementary suppression, the interval attack, and count formatting."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from alignment.privacy import (
    Equation,
    attack,
    feasible_ranges,
    format_count,
    is_small,
    protect_group,
    suppress_counts,
)


def test_primary_suppression_keeps_zero_and_large():
    df = pd.DataFrame({"n": [0, 3, 9, 10, 250]})
    out = suppress_counts(df, ["n"], threshold=10)
    # 3 and 9 hidden; 0 is a true zero and shown. 3 + 9 = 12 alone would tell the 3 is 3 … 9 (the other is
    # at most 9), so the 10 is withheld as well
    assert out["n"].tolist() == [0, pd.NA, pd.NA, pd.NA, 250]
    assert out["n_suppressed"].tolist() == [False, True, True, True, False]
    assert out["n_withheld"].tolist() == [False, False, False, True, False]
    assert out["n"].dtype == "Int64"


def test_complementary_hides_next_smallest_positive():
    df = pd.DataFrame({"region": ["a"] * 4 + ["b"] * 3, "n": [0, 4, 15, 30, 12, 40, 50]})
    out = suppress_counts(df, ["n"], threshold=10, group_by=["region"])
    # group a: 4 hidden alone -> the smallest shown positive cell (15) is hidden too, not the zero
    assert out["n"].tolist()[:4] == [0, pd.NA, pd.NA, 30]
    # group b: nothing small, nothing hidden
    assert out["n"].tolist()[4:] == [12, 40, 50]


def test_complementary_ties_and_index_kept():
    df = pd.DataFrame({"g": ["x", "x", "x", "x"], "n": [5, 20, 20, 60]}, index=[10, 10, 11, 12])
    out = suppress_counts(df, ["n"], group_by=["g"])
    assert list(out.index) == [10, 10, 11, 12]
    # one 20 withheld beside a shown 20 is at most 20, so 5 + 20 = 25 would put the 5 at 5 … 9: both 20s go
    assert out["n_suppressed"].tolist() == [True, True, True, False]
    assert out["n_withheld"].tolist() == [False, True, True, False]


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
    # a fractional "<10" may be anything from 0 to 10; 2.5 + 12.5 = 15 would cap it at 5, so 30 goes too
    assert out["n_suppressed"].tolist() == [True, True, True]


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
        # a group total below the threshold is never published (nothing to subtract from)
        if len(part) < 2 or original.sum() < threshold:
            continue
        # never exactly one hidden cell in a group: total − shown cells never equals a single hidden value
        assert hidden.sum() != 1, g
        if hidden.sum() >= 2:
            total_minus_shown = original.sum() - original[~hidden].sum()
            hidden_positive = original[hidden][original[hidden] > 0]
            if len(hidden_positive) >= 2:
                assert all(total_minus_shown != v for v in hidden_positive)


def test_a_cell_missing_in_the_source_does_not_protect_a_small_count():
    """Total 50 = 10 + 14 + 22 + 4 + (suppressed in the source): the 4 needs complements of its own."""
    df = pd.DataFrame({"g": ["a"] * 5, "n": pd.array([10, 14, 22, 4, pd.NA], dtype="Int64")})
    out = suppress_counts(df, ["n"], threshold=10, group_by=["g"])
    # 4 + 10 = 14 caps the 4 at 4; 4 + 10 + 14 = 28 at 8; only with the 22 can it still be anything to 9
    assert out["n_suppressed"].tolist() == [True, True, True, True, True]
    assert out["n_withheld"].tolist() == [True, True, True, False, False]
    assert out["n"].isna().all()


# ------------------------------------------------------------------------------- the interval attack


def _cells(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["component", "level", "cluster", "sibling", "value", "state"])


def test_the_old_rule_pins_both_hidden_cells_and_the_new_one_does_not():
    """Issue case: a cluster of 102 with programs 1, 10 and 91. The old rule hid the 1 and the smallest
    shown count (10, "withheld" = at least 10): 102 − 91 = 11 = 10 + 1 gives both back."""
    old = _cells(
        [
            ("r", "cluster", "E", None, 102.0, "shown"),
            ("r", "program", "E", None, 1.0, "small"),
            ("r", "program", "E", None, 10.0, "withheld"),
            ("r", "program", "E", None, 91.0, "shown"),
        ]
    )
    found = attack(old, 10)
    assert found[["lo", "hi"]].values.tolist() == [[1.0, 1.0]] and not found["protected"].any()
    hidden, withheld = protect_group(np.array([1.0, 10.0, 91.0]), 10)
    assert hidden.tolist() == [True, True, True] and withheld.tolist() == [False, True, True]
    state = np.where(~hidden, "shown", np.where(withheld, "withheld", "small"))
    new = old.assign(state=["shown", *state])
    found = attack(new, 10)
    assert found[["lo", "hi"]].values.tolist() == [[1.0, 9.0]] and found["protected"].all()


def test_the_smallest_first_rule_bounds_a_withheld_cell_from_above():
    """4 and a withheld 30 beside a shown 31: the reader knows the 30 is at most 31 (smallest first)."""
    cells = _cells(
        [
            ("r", "cluster", "a", None, 4.0, "small"),
            ("r", "cluster", "b", None, 30.0, "withheld"),
            ("r", "cluster", "c", None, 31.0, "shown"),
        ]
    )
    found = attack(cells, 10)
    assert found[["lo", "hi"]].values.tolist() == [[3.0, 9.0]]
    assert protect_group(np.array([4.0, 30.0, 31.0]), 10)[0].tolist() == [True, True, True]


def test_a_group_that_cannot_be_protected_is_withheld_whole_and_its_zero_stays_shown():
    hidden, withheld = protect_group(np.array([4.0, 11.0, 0.0]), 10)
    assert hidden.tolist() == [True, True, False] and withheld.tolist() == [True, True, False]
    # the reader sees a 0 beside two withheld cells: each is from 1 to 14, the 4 keeps its 1 … 9
    cells = _cells(
        [
            ("r", "cluster", "a", None, 4.0, "withheld"),
            ("r", "cluster", "b", None, 11.0, "withheld"),
            ("r", "cluster", "c", None, 0.0, "shown"),
        ]
    )
    found = attack(cells, 10)
    assert found[["lo", "hi"]].values.tolist() == [[1.0, 14.0]] and found["protected"].all()


def test_a_zero_is_withheld_too_when_showing_it_would_narrow_a_small_count():
    # 1 + 1 + 1 + 8 = 11: with the 0 shown each withheld cell is 1 … 8, so the 8 could not be 9
    hidden, withheld = protect_group(np.array([1.0, 1.0, 1.0, 8.0, 0.0]), 10)
    assert hidden.all() and withheld.all()
    cells = _cells(
        [("r", "cluster", c, None, v, "withheld") for c, v in zip("abcde", [1, 1, 1, 8, 0.0], strict=True)]
    )
    found = attack(cells, 10)
    assert found["protected"].all()
    assert found[["lo", "hi"]].values.tolist()[0] == [0.0, 11.0]


def test_a_small_total_is_not_published_so_nothing_is_added():
    hidden, withheld = protect_group(np.array([4.0, 3.0, 0.0]), 10)
    assert hidden.tolist() == [True, True, False] and not withheld.any()


def test_programs_of_a_hidden_cluster_are_free_and_linked_groups_use_linprog():
    """Cluster 5 (<10) with programs 2 + 3 written withheld; clusters 5 + 20 (withheld) + 40 = 65."""
    cells = _cells(
        [
            ("r", "cluster", "a", None, 5.0, "small"),
            ("r", "cluster", "b", None, 20.0, "withheld"),
            ("r", "cluster", "c", None, 40.0, "shown"),
            ("r", "program", "a", None, 2.0, "withheld"),
            ("r", "program", "a", None, 3.0, "withheld"),
            ("r", "program", "b", None, 20.0, "withheld"),
        ]
    )
    found = attack(cells, 10)
    assert found["protected"].all()
    assert found[["lo", "hi"]].values.tolist() == [[1.0, 9.0], [0.0, 9.0], [0.0, 9.0]]
    # written <10, two programs of a <10 cluster would bound each other: 2 + 3 ≤ 9 caps each at 8
    small = cells.assign(state=["small", "withheld", "shown", "small", "small", "withheld"])
    assert not attack(small, 10)["protected"].all()


def test_split_parts_are_equal():
    """A program split over clusters a and b: its parts are equal, so a part shown in b gives a's back."""
    cells = _cells(
        [
            ("r", "cluster", "a", None, 34.0, "shown"),
            ("r", "program", "a", "p1", 4.0, "small"),
            ("r", "program", "a", None, 30.0, "withheld"),
            ("r", "cluster", "b", None, 44.0, "shown"),
            ("r", "program", "b", "p1", 4.0, "shown"),
            ("r", "program", "b", None, 40.0, "shown"),
        ]
    )
    found = attack(cells, 10)
    assert found[["lo", "hi"]].values.tolist() == [[4.0, 4.0]]


@settings(max_examples=200, deadline=None)
@given(
    data=st.lists(st.floats(min_value=0, max_value=30).map(round), min_size=2, max_size=6),
    lows=st.lists(st.integers(min_value=0, max_value=5), min_size=6, max_size=6),
    widths=st.lists(st.one_of(st.none(), st.integers(min_value=0, max_value=20)), min_size=6, max_size=6),
)
def test_closed_form_agrees_with_linprog(data, lows, widths):
    n = len(data)
    lb = np.array([min(lows[i], data[i]) for i in range(n)], dtype=float)
    ub = np.array([np.inf if widths[i] is None else data[i] + widths[i] for i in range(n)], dtype=float)
    eq = Equation(tuple(range(n)), (1.0,) * n, float(sum(data)))
    lo1, hi1, ok1 = feasible_ranges(lb, ub, [eq])
    lo2, hi2, ok2 = feasible_ranges(lb, ub, [eq, eq])  # two equations: solved with linprog
    assert ok1.all() and ok2.all()
    assert np.allclose(lo1, lo2, atol=1e-6)
    assert np.allclose(np.minimum(hi1, 1e6), np.minimum(hi2, 1e6), atol=1e-6)


def _reader_bounds(state: list[str], values: np.ndarray, t: int) -> tuple[np.ndarray, np.ndarray]:
    """The published rule, written out independently of the library: what each label tells a reader."""
    has_small = "small" in state
    zero_shown = any(s == "shown" and v == 0 for s, v in zip(state, values, strict=True))
    big = [v for s, v in zip(state, values, strict=True) if s == "shown" and v >= t]
    m = min(big) if big else np.inf
    lb, ub = [], []
    for s, v in zip(state, values, strict=True):
        if s == "shown":
            lb.append(v), ub.append(v)
        elif s == "small":
            lb.append(1), ub.append(t - 1)
        elif has_small:
            lb.append(t), ub.append(m)
        else:  # withheld as a whole: from 0 up, from 1 up when its zeros are shown
            lb.append(1 if zero_shown else 0), ub.append(np.inf)
    return np.array(lb, dtype=float), np.array(ub, dtype=float)


@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=12),
    threshold=st.integers(min_value=2, max_value=20),
)
def test_protected_groups_leave_every_small_count_its_whole_range(values, threshold):
    """After protection, the reader's linear programmes (solved with linprog, bounds from the labels under
    the published rule, the total known when at least the threshold) never narrow a small count."""
    v = np.array(values, dtype=float)
    out = suppress_counts(pd.DataFrame({"n": values}), ["n"], threshold=threshold)
    hidden = out["n_suppressed"].to_numpy(dtype=bool)
    withheld = out["n_withheld"].to_numpy(dtype=bool)
    small = (v > 0) & (v < threshold)
    whole = withheld[v > 0].all()  # the group withheld as a whole (its zeros may stay shown)
    assert hidden[small].all() and not (withheld & small & ~whole).any()
    assert not (hidden & (v == 0)).any() or withheld.all()  # a zero is shown, or the whole group withheld
    assert (out.loc[~hidden, "n"].astype(float) == v[~hidden]).all()
    if v.sum() < threshold or not small.any():
        return
    state = np.where(~hidden, "shown", np.where(withheld, "withheld", "small")).tolist()
    lb, ub = _reader_bounds(state, v, threshold)
    assert ((lb <= v) & (v <= ub)).all()  # the rule tells the truth
    eq = Equation(tuple(range(len(v))), (1.0,) * len(v), float(v.sum()))
    lo, hi, ok = feasible_ranges(lb, ub, [eq, eq], targets=np.flatnonzero(small).tolist())
    assert ok.all()
    assert (lo[small] <= 1 + 1e-6).all() and (hi[small] >= threshold - 1 - 1e-6).all(), (state, lo, hi)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(
            st.tuples(st.integers(0, 40), st.sampled_from(["shown", "small", "free"])), min_size=1, max_size=4
        ),
        min_size=1,
        max_size=4,
    ),
    st.booleans(),
)
def test_fixed_cells_substituted_give_the_same_ranges_as_the_whole_linear_programme(groups, cluster_shown):
    """Region = Σ clusters, cluster = Σ programs: the ranges :func:`feasible_ranges` finds (shown cells moved to
    the right-hand side, components split) equal those of the whole programme solved at once."""
    from scipy.optimize import linprog

    lb, ub, equations, cluster_vars = [], [], [], []
    for g, programs in enumerate(groups):
        cluster_total = sum(v for v, _ in programs)
        cv = len(lb)
        cluster_vars.append(cv)
        shown = cluster_shown or g % 2 == 0
        lb.append(cluster_total if shown else 0.0)
        ub.append(cluster_total if shown else np.inf)
        members = []
        for v, state in programs:
            members.append(len(lb))
            lo, hi = {"shown": (v, v), "small": (0, 40), "free": (0, np.inf)}[state]
            lb.append(float(min(lo, v)))
            ub.append(float(max(hi, v)))
        equations.append(Equation((*members, cv), (1.0,) * len(members) + (-1.0,), 0.0))
    total = sum(v for p in groups for v, _ in p)
    equations.append(Equation(tuple(cluster_vars), (1.0,) * len(cluster_vars), float(total)))
    lo, hi, ok = feasible_ranges(lb, ub, equations)
    assert ok.all()
    n = len(lb)
    a = np.zeros((len(equations), n))
    b = np.array([eq.rhs for eq in equations])
    for r, eq in enumerate(equations):
        for c, coef in zip(eq.cells, eq.coefs, strict=True):
            a[r, c] += coef
    bounds = [(lb[i], None if np.isinf(ub[i]) else ub[i]) for i in range(n)]
    for i in range(n):
        obj = np.zeros(n)
        obj[i] = 1.0
        want_lo = linprog(obj, A_eq=a, b_eq=b, bounds=bounds, method="highs")
        want_hi = linprog(-obj, A_eq=a, b_eq=b, bounds=bounds, method="highs")
        assert want_lo.status == 0
        assert np.isclose(lo[i], want_lo.fun, atol=1e-6)
        assert (np.isinf(hi[i]) and want_hi.status == 3) or np.isclose(hi[i], -want_hi.fun, atol=1e-6)
