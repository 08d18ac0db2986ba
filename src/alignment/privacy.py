"""Student privacy: small-cell suppression of counts, protected against an attacker who knows the rule.

Every published count table is additive: within a *group* (the clusters of a region × year × measure, the
programs of a region × year × cluster × measure) the cells add up to the group's total. A reader who knows
the total, the shown cells, that counts are whole and non-negative, what each label means and how hidden
cells are chosen can work out, for each hidden cell, the range of values it can take (the *feasible
interval*: the minimum and the maximum of the cell over all tables consistent with what is published, two
linear programmes). A small count is protected when that range is no narrower than its label: a cell
written ``<10`` must still be able to take every value from 1 to 9 (and no hidden cell is ever pinned to
one value, which matters for a threshold of 2).

What a reader is assumed to know (the *published rule*):

- ``<t``: the count is from 1 to t − 1 (``0 < n < t``; a true zero is always shown, since "no students"
  singles out no one).
- ``withheld`` in a group that also holds a ``<t`` cell: a *complementary* cell, hidden to protect the
  small ones. It is a count of at least t and, because complements are taken smallest first, no larger
  than the smallest count of at least t still shown in its group.
- ``withheld`` in a group with no ``<t`` cell: the whole group was withheld (see below), so the cell may be
  any count from 0 up; from 1 up when the group shows a 0 (its zeros were left shown).
- ``suppressed`` / ``not reported``: missing in the source file; it adds nothing to the published total.
- Parts of a program that an institution places file divides over regions (:mod:`alignment.supply`): the
  reader knows the file's shares, so the parts are in known proportions across regions. Every part is at
  least t and always shown; a withheld cluster count that holds parts is at least their sum and has no
  upper bound (it may be withheld for its own small count beside the parts, ``need`` in
  :func:`protect_group`), and a shown cluster count made of parts alone is never a complement.
- A group's total is published whenever it is at least t (through shares, demand equivalents, the
  count of the enclosing cell, or a later run); a total below t never is.

The protection (:func:`suppress_counts`), per group and count column:

1. **Primary suppression.** A count ``0 < n < t`` is hidden and written ``<t``; a value already ``<NA>``
   stays hidden (it is outside the total).
2. **Complementary suppression.** While some ``<t`` cell's feasible interval is narrower than 1 … t − 1,
   the smallest shown count of the group (at least t; ties: first in row order) is hidden as ``withheld``.
   For one equation ``Σ hidden = S`` with bounds ``l_i ≤ x_i ≤ u_i`` the linear programmes have the
   closed form ``x_j ∈ [max(l_j, S − Σ_{i≠j} u_i), min(u_j, S − Σ_{i≠j} l_i)]``, so cell j keeps its whole
   label range exactly when the other hidden cells can move down by ``t − 1 − n_j`` and up by ``n_j − 1``
   within their bounds.
3. **Whole group withheld.** When no shown count is left to add and a small count is still not protected,
   every non-zero cell of the group is withheld. Its zeros stay shown (0) when every small count keeps its
   label's range although a reader then knows each withheld cell is at least 1; otherwise the zeros are
   withheld too, and each cell may be anything from 0 to the total.

A group whose total is below t needs no complement (the total is never published); a group with a single
cell cannot be protected by its neighbours. :func:`feasible_ranges` computes the intervals of any set of
additive equations (several linked groups) with :func:`scipy.optimize.linprog`; the run audit
(:mod:`alignment.audit`) uses it to attack what was actually published.

>>> df = pd.DataFrame({"g": ["a"] * 4, "completers": [4, 20, 21, 40]})
>>> out = suppress_counts(df, ["completers"], threshold=10, group_by=["g"])
>>> out["completers"].tolist()  # 20 alone: 4 + 20 = 24 and 20 ≤ 21 would leave the 4 at 3 … 9
[<NA>, <NA>, <NA>, 40]
>>> out["completers_withheld"].tolist()
[False, True, True, False]
>>> format_count(4, 10), format_count(0, 10), format_count(1234, 10)
('<10', '0', '1,234')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from .constants import privacy_threshold

__all__ = [
    "Equation",
    "feasible_ranges",
    "format_count",
    "is_small",
    "label_range",
    "protect_group",
    "suppress_counts",
]

_EPS = 1e-6


def is_small(n: object, threshold: int | None = None) -> bool:
    """True when ``n`` is a count that must not be printed: ``0 < n < threshold``, or unknown (<NA>).

    ``threshold`` defaults to the default preset's privacy threshold (:func:`alignment.constants.privacy_threshold`).

    >>> is_small(3), is_small(0), is_small(10), is_small(pd.NA)
    (True, False, False, True)
    """
    if n is None or pd.isna(n):
        return True
    return 0 < float(n) < (privacy_threshold() if threshold is None else threshold)


def format_count(n: object, threshold: int | None = None) -> str:
    """A student count as text for reports: ``"<10"`` for ``0 < n < threshold``, ``"suppressed"`` for <NA>.

    Zero is shown as ``"0"``; other counts with a thousands separator. Fractional counts (from the
    ``split`` allocation rule) are rounded to the nearest whole student for display.

    >>> format_count(pd.NA), format_count(9.5, 10), format_count(10.4, 10)
    ('suppressed', '<10', '10')
    """
    if n is None or pd.isna(n):
        return "suppressed"
    threshold = privacy_threshold() if threshold is None else threshold
    value = float(n)
    if 0 < value < threshold:
        return f"<{threshold}"
    return f"{round(value):,}"


def label_range(threshold: float, integer: bool = True) -> tuple[float, float]:
    """The values a ``<threshold`` label allows: 1 … t − 1 for whole counts, 0 … t for fractional ones.

    >>> label_range(10), label_range(10, integer=False)
    ((1.0, 9.0), (0.0, 10.0))
    """
    return (1.0, float(threshold) - 1) if integer else (0.0, float(threshold))


def _covers(lo: np.ndarray, hi: np.ndarray, lab_lo: float, lab_hi: float) -> np.ndarray:
    """Protected: the interval holds the label's whole range and is never a single value (``<2`` is)."""
    return (lo <= lab_lo + _EPS) & (hi >= lab_hi - _EPS) & (hi - lo >= 1 - _EPS)


def protect_group(
    values: np.ndarray,
    threshold: float,
    integer: bool = True,
    floor: np.ndarray | None = None,
    need: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Hidden and withheld cells of one group (``values`` float, NaN = missing in the source).

    Returns two boolean arrays: ``hidden`` (not shown: small, missing, complementary or withheld with the
    whole group) and ``withheld`` (hidden and written ``withheld`` rather than ``<t`` or ``suppressed``).
    See the module docstring for the rule.

    ``floor`` (a cluster count that holds parts of programs placed by an institution places file, which are
    always shown: the reader knows the count is at least their sum) and ``need`` (such a count whose own
    part, the count minus the placed parts, is from 1 to t − 1): a cell with a floor is withheld like any
    complement, but the reader knows it only as at least t and its floor, with no upper bound; a ``need``
    cell is withheld and its own part keeps the whole range of a ``<t`` label (from floor + 1 to floor + t
    − 1). Without them the rule is the module docstring's.

    >>> h, w = protect_group(np.array([1.0, 10.0, 91.0]), 10)  # 10 alone would pin the 1 (11 = 10 + 1)
    >>> h.tolist(), w.tolist()
    ([True, True, True], [False, True, True])
    >>> h, w = protect_group(np.array([4.0, 11.0, 0.0]), 10)  # 4 + 11: the 4 could be 1 … 5 only
    >>> h.tolist(), w.tolist()  # both withheld; the 0 stays shown (the 4 may still be 1 … 14)
    ([True, True, False], [True, True, False])
    >>> h, w = protect_group(np.array([1.0, 1.0, 1.0, 8.0, 0.0]), 10)  # 0 shown: each of 4 cells ≤ 8
    >>> h.tolist(), w.tolist()
    ([True, True, True, True, True], [True, True, True, True, True])
    >>> h, w = protect_group(np.array([34.0, 20.0, 40.0]), 10, floor=np.array([30.0, 0, 0]),
    ...     need=np.array([True, False, False]))  # 34 = 30 placed + 4 of its own: 20 withheld beside it
    >>> h.tolist(), w.tolist()
    ([True, True, False], [True, True, False])
    """
    v = np.asarray(values, dtype=float)
    known = ~np.isnan(v)
    f = np.zeros(len(v)) if floor is None else np.nan_to_num(np.asarray(floor, dtype=float))
    nd = np.zeros(len(v), dtype=bool) if need is None else np.asarray(need, dtype=bool) & known
    small = known & (v > 0) & (v < threshold) & ~nd
    target = small | nd
    hidden = ~known | target
    withheld = nd.copy()
    if not target.any() or float(v[known].sum()) < threshold:
        return hidden, withheld  # nothing small, or a total that is never published
    lab_lo, lab_hi = label_range(threshold, integer)
    need_lo, need_hi = np.where(nd, f + lab_lo, lab_lo), np.where(nd, f + lab_hi, lab_hi)
    # a count made of placed parts alone is known to the reader (its parts are shown): never a complement
    fixed = known & (f > 0) & (v - f <= 1e-9)
    while True:
        shown_big = known & ~hidden & (v >= threshold) & ~fixed
        m = float(v[shown_big].min()) if shown_big.any() else np.inf
        cells = hidden & known
        x = v[cells]
        lb = np.where(small[cells], lab_lo, np.maximum(float(threshold), f[cells]))
        ub = np.where(small[cells], lab_hi, np.where(f[cells] > 0, np.inf, m))
        lo, hi = _closed_form(float(x.sum()), lb, ub)
        t_ = target[cells]
        if bool(_covers(lo[t_], hi[t_], need_lo[cells][t_], need_hi[cells][t_]).all()):
            return hidden, withheld
        if not shown_big.any():
            # no shown count left to hide: withhold the whole group. Its zeros stay shown when every small
            # count keeps its label's range with each withheld count known to be at least lab_lo; else
            # they are withheld too
            nonzero = known & (v > 0) & ~fixed
            x = v[nonzero]
            lb = np.maximum(lab_lo, f[nonzero])
            lo, hi = _closed_form(float(x.sum()), lb, np.full(len(x), np.inf))
            t_ = target[nonzero]
            if bool(_covers(lo[t_], hi[t_], need_lo[nonzero][t_], need_hi[nonzero][t_]).all()):
                return ~known | nonzero, nonzero.copy()
            return np.ones(len(v), dtype=bool), known.copy()
        pick = int(np.flatnonzero(shown_big & (v == m))[0])
        hidden[pick] = True
        withheld[pick] = True


def suppress_counts(
    df: pd.DataFrame,
    count_columns: Sequence[str],
    threshold: int | None = None,
    group_by: list[str] | None = None,
    floors: Mapping[str, pd.Series] | None = None,
    needs: Mapping[str, pd.Series] | None = None,
    whole: Mapping[str, pd.Series] | None = None,
) -> pd.DataFrame:
    """Primary and complementary suppression of ``count_columns`` (see the module docstring).

    Groups are the rows sharing ``group_by`` (the whole table when ``None``); each group's cells add up to
    its total. Returns a copy of ``df`` in which every count column is nullable (``Int64``, or ``Float64``
    when the input held fractions) with hidden cells ``<NA>``, plus per count column a boolean
    ``<column>_suppressed`` (True = hidden, for whatever reason) and ``<column>_withheld`` (hidden and to
    be written ``withheld``: a complementary cell, or any cell of a group withheld as a whole). Row order
    and index are kept. ``floors`` and ``needs`` (per count column, aligned with ``df``): the placed parts
    each cell holds and the cells whose own part is small (:func:`protect_group`). ``whole`` (per count
    column, aligned with ``df``): whether each row's counts are known to be whole, so that a group labels
    them 1 … t − 1 (a group whose rows are not all whole, 0 … t); without it a column holding any fraction
    is fractional throughout.
    """
    threshold = privacy_threshold() if threshold is None else threshold
    out = df.copy()
    if group_by:
        group_ids = out.groupby(group_by, dropna=False, sort=False).ngroup().to_numpy()
    else:
        group_ids = np.zeros(len(out), dtype=int)
    for col in count_columns:
        values = pd.to_numeric(out[col], errors="coerce")
        is_int = bool(values.dropna().eq(values.dropna().round()).all())
        values = values.astype("Int64" if is_int else "Float64")
        v = values.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        floor = None
        if floors is not None and col in floors:
            floor = pd.to_numeric(floors[col], errors="coerce").astype("float64").fillna(0.0).to_numpy()
        need = None
        if needs is not None and col in needs:
            need = needs[col].fillna(False).astype(bool).to_numpy() & ~np.isnan(v)
        hidden = np.isnan(v) | ((v > 0) & (v < threshold))
        withheld = np.zeros(len(v), dtype=bool)
        if need is not None:
            hidden, withheld = hidden | need, need.copy()
        small = pd.Series((v > 0) & (v < threshold) | (need if need is not None else False))
        todo = np.unique(group_ids[small.groupby(group_ids).transform("any").to_numpy(dtype=bool)])
        whole_rows = None
        if whole is not None and col in whole:
            whole_rows = whole[col].fillna(False).astype(bool).to_numpy()
        for g in todo:
            rows = np.flatnonzero(group_ids == g)
            h, w = protect_group(
                v[rows],
                threshold,
                is_int if whole_rows is None else bool(whole_rows[rows].all()),
                floor=None if floor is None else floor[rows],
                need=None if need is None else need[rows],
            )
            hidden[rows], withheld[rows] = h, w
        out[col] = values.mask(pd.Series(hidden, index=out.index))
        out[f"{col}_suppressed"] = hidden
        out[f"{col}_withheld"] = withheld
    return out


# ------------------------------------------------------------------------------------------- the attack


@dataclass(frozen=True)
class Equation:
    """``Σ_i coef_i · x_i = rhs`` over variable indices ``cells``."""

    cells: tuple[int, ...]
    coefs: tuple[float, ...]
    rhs: float


def _components(n: int, equations: Sequence[Equation]) -> list[tuple[list[int], list[int]]]:
    """Variables linked through equations: (variable indices, equation indices) per component."""
    parent = list(range(n))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for eq in equations:
        for c in eq.cells[1:]:
            ra, rb = find(eq.cells[0]), find(c)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    var: dict[int, list[int]] = {}
    for i in range(n):
        var.setdefault(find(i), []).append(i)
    eqs: dict[int, list[int]] = {}
    for k, eq in enumerate(equations):
        if eq.cells:
            eqs.setdefault(find(eq.cells[0]), []).append(k)
    return [(var[r], eqs.get(r, [])) for r in sorted(var)]


def feasible_ranges(
    lower: Sequence[float],
    upper: Sequence[float],
    equations: Sequence[Equation],
    targets: Sequence[int] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The feasible interval of each target variable: min and max over ``lower ≤ x ≤ upper``, equations.

    Variables linked by no equation keep their bounds. A component made of one equation with unit
    coefficients uses the closed form of its two linear programmes; any other component is solved with
    :func:`scipy.optimize.linprog` (HiGHS), two programmes per target. Returns ``lo``, ``hi`` (NaN for
    variables not asked for) and ``feasible`` (False for the variables of a component whose constraints
    admit no solution: the bounds assumed do not hold for that table).

    >>> lo, hi, ok = feasible_ranges([1, 10, 0], [9, np.inf, np.inf], [Equation((0, 1), (1, 1), 11)])
    >>> lo.tolist(), hi.tolist(), ok.tolist()
    ([1.0, 10.0, 0.0], [1.0, 10.0, inf], [True, True, True])
    """
    lb = np.asarray(lower, dtype=float)
    ub = np.asarray(upper, dtype=float)
    n = len(lb)
    want = np.zeros(n, dtype=bool)
    want[list(range(n)) if targets is None else list(targets)] = True
    lo = np.where(want, lb, np.nan)
    hi = np.where(want, ub, np.nan)
    feasible = np.ones(n, dtype=bool)
    equations = _substitute_fixed(lb, ub, equations, feasible)
    for cells, eq_ids in _components(n, equations):
        if not eq_ids or not want[cells].any():
            continue
        eqs = [equations[k] for k in eq_ids]
        if (
            len(eqs) == 1
            and all(c == 1 for c in eqs[0].coefs)
            and len(set(eqs[0].cells)) == len(eqs[0].cells)
        ):
            idx = np.array(eqs[0].cells)
            rhs = eqs[0].rhs
            if lb[idx].sum() > rhs + _EPS or ub[idx].sum() < rhs - _EPS:
                feasible[idx] = False
                continue
            lo_j, hi_j = _closed_form(rhs, lb[idx], ub[idx])
            lo[idx] = np.where(want[idx], lo_j, np.nan)
            hi[idx] = np.where(want[idx], hi_j, np.nan)
            continue
        pos = {c: k for k, c in enumerate(cells)}
        a = np.zeros((len(eqs), len(cells)))
        b = np.zeros(len(eqs))
        for r, eq in enumerate(eqs):
            for c, coef in zip(eq.cells, eq.coefs, strict=True):
                a[r, pos[c]] += coef
            b[r] = eq.rhs
        bounds = [(lb[c], None if np.isinf(ub[c]) else ub[c]) for c in cells]
        for c in cells:
            if not want[c]:
                continue
            obj = np.zeros(len(cells))
            obj[pos[c]] = 1.0
            res_min = linprog(obj, A_eq=a, b_eq=b, bounds=bounds, method="highs")
            if res_min.status == 2:  # infeasible
                feasible[cells] = False
                lo[cells] = hi[cells] = np.nan
                break
            res_max = linprog(-obj, A_eq=a, b_eq=b, bounds=bounds, method="highs")
            lo[c] = res_min.fun if res_min.status == 0 else lb[c]
            hi[c] = -res_max.fun if res_max.status == 0 else np.inf
    return lo, hi, feasible


def _substitute_fixed(
    lb: np.ndarray, ub: np.ndarray, equations: Sequence[Equation], feasible: np.ndarray
) -> list[Equation]:
    """The equations with every fixed variable (``lb == ub``: a shown cell) moved to the right-hand side.

    The same linear programmes, much smaller: a cluster whose total is shown no longer links its
    programs to the region's equation, so most components become one equation (closed form). An
    equation left with no free variable that does not hold marks its variables infeasible.
    """
    fixed = np.isclose(lb, ub, rtol=0.0, atol=_EPS) & np.isfinite(ub)
    out = []
    for eq in equations:
        cells, coefs, rhs = [], [], eq.rhs
        for c, coef in zip(eq.cells, eq.coefs, strict=True):
            if fixed[c]:
                rhs -= coef * lb[c]
            else:
                cells.append(c)
                coefs.append(coef)
        if not cells:
            if abs(rhs) > 1e-6 * max(1.0, abs(eq.rhs)):
                feasible[list(eq.cells)] = False
            continue
        out.append(Equation(tuple(cells), tuple(coefs), rhs))
    return out


def _closed_form(rhs: float, lb: np.ndarray, ub: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``x_j ∈ [max(l_j, S − Σ_{i≠j} u_i), min(u_j, S − Σ_{i≠j} l_i)]`` for ``Σ x = S``, ``l ≤ x ≤ u``."""
    inf = np.isinf(ub)
    n_inf = int(inf.sum())
    up_finite = float(ub[~inf].sum())
    others_inf = (n_inf - inf.astype(int)) > 0
    others_up = np.where(others_inf, np.inf, up_finite - np.where(inf, 0.0, ub))
    lo = np.maximum(lb, rhs - others_up)
    hi = np.minimum(ub, rhs - (float(lb.sum()) - lb))
    return lo, hi


ATTACK_COLUMNS = ("component", "level", "cluster", "sibling", "value", "state")


def _bounds(
    state: np.ndarray,
    group: np.ndarray,
    value: np.ndarray,
    threshold: float,
    integer: bool,
    rule: bool,
    floor: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """What a reader knows of each cell from its label (see the module docstring). ``floor``: the placed
    parts a cluster count holds (shown in its programs), a lower bound of the count; under the rule a
    withheld count with a floor has no upper bound (it may be withheld for its own small count)."""
    lb, ub = _label_bounds(state, group, value, threshold, integer, rule, floor)
    if floor is not None:
        has = (floor > 0) & (state != "shown")
        lb = np.where(has, np.maximum(lb, floor), lb)
        if rule:
            ub = np.where(has & (state == "withheld"), np.inf, ub)
    return lb, ub


def _label_bounds(
    state: np.ndarray,
    group: np.ndarray,
    value: np.ndarray,
    threshold: float,
    integer: bool,
    rule: bool,
    floor: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    lab_lo, lab_hi = label_range(threshold, integer)
    # a shown count made of placed parts alone is never a complement, so it does not bound one
    parts_only = np.zeros(len(value), dtype=bool) if floor is None else (floor > 0) & (value - floor <= 1e-9)
    lb = np.where(state == "shown", value, 0.0)
    ub = np.where(state == "shown", value, np.inf)
    lb = np.where(state == "small", lab_lo, lb)
    ub = np.where(state == "small", lab_hi, ub)
    if rule:
        for g in np.unique(group[state == "withheld"]):
            in_g = group == g
            if not (in_g & (state == "small")).any():
                # a group withheld as a whole: anything from 0 up; at least lab_lo when its zeros are shown
                if (in_g & (state == "shown") & (value == 0)).any():
                    w = in_g & (state == "withheld")
                    lb[w] = lab_lo
                continue
            big = in_g & (state == "shown") & (value >= threshold) & ~parts_only
            m = float(value[big].min()) if big.any() else np.inf
            w = in_g & (state == "withheld")
            lb[w], ub[w] = float(threshold), m
    return lb, ub


def _linked_components(cells: pd.DataFrame) -> np.ndarray:
    """One label per cell: its component, or the first of the components its ``link`` keys join."""
    comp = cells["component"].astype("string").fillna("\x00").to_numpy(dtype=object)
    if "link" not in cells.columns:
        return comp
    parent: dict[object, object] = {c: c for c in comp}

    def find(a: object) -> object:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    link = cells["link"].to_numpy(dtype=object)
    first: dict[object, object] = {}
    for c, k in zip(comp, link, strict=True):
        if pd.isna(k):
            continue
        if k not in first:
            first[k] = c
            continue
        ra, rb = find(first[k]), find(c)
        if ra != rb:
            parent[rb] = ra
    return np.array([find(c) for c in comp], dtype=object)


def attack(cells: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """The interval attack on published count tables: the feasible range of every hidden small count.

    ``cells`` is one row per published cell (columns :data:`ATTACK_COLUMNS`): ``component`` (the cells
    that share one total: a region × year × measure), ``level`` (``"cluster"`` or ``"program"``),
    ``cluster`` (the cluster a program belongs to), ``sibling`` (the same program allocated to several
    clusters under the ``split`` rule, whose parts are equal; ``<NA>`` otherwise), ``value`` (the true
    count; NaN = missing in the source, outside every total) and ``state``: ``"shown"``, ``"small"``
    (written ``<t``), ``"withheld"`` or ``"unknown"`` (hidden, or not published, with a label that says
    nothing). The reader knows every group total of at least ``threshold``, the shown cells and the
    bounds of each label under the published rule (module docstring); a program's cluster cell is the
    total of its programs.

    Optional columns ``link`` and ``weight``: the parts of one program placed in several regions by an
    institution places file share a ``link`` key, and each is ``weight`` × the program's count (its share of
    the program). A reader who knows the file's shares knows that ``x_a / weight_a = x_b / weight_b``, so the
    components those parts are in are attacked together.

    Returns the hidden cells whose true value is from 1 to threshold − 1 (index kept) with ``lo``, ``hi``
    (the feasible interval), ``model`` (``"rule"``; ``"labels"`` where the table does not follow the
    published rule, so only ``<t`` bounds were used) and ``protected`` (the interval covers the whole range
    of a ``<t`` label).
    """
    out = []
    supers = _linked_components(cells)
    for _, whole_group in cells.groupby(supers, sort=False, dropna=False):
        found = _attack_linked(whole_group, threshold)
        if found is not None:
            out.append(found)
    if not out:
        return pd.DataFrame(columns=[*cells.columns, "lo", "hi", "model", "protected"])
    return pd.concat(out)


def _attack_linked(cells: pd.DataFrame, threshold: float) -> pd.DataFrame | None:
    """:func:`attack` on components joined by links (one component when nothing links it)."""
    value = cells["value"].astype(float).to_numpy()
    state = cells["state"].astype(str).to_numpy()
    known = ~np.isnan(value)
    target = known & (state != "shown") & (value > 0) & (value < threshold)
    if not target.any():
        return None
    level = cells["level"].astype(str).to_numpy()
    comp = cells["component"].astype("string").fillna("\x00").to_numpy(dtype=object)
    cluster = cells["cluster"].astype("string").fillna("").to_numpy(dtype=object)
    # bounds groups: the clusters of a component, and the programs of each of its clusters
    group = pd.factorize(
        pd.MultiIndex.from_arrays([comp, np.where(level == "cluster", "", "p:" + cluster.astype(str))])
    )[0]
    link = cells["link"].to_numpy(dtype=object) if "link" in cells.columns else np.full(len(cells), None)
    part = (level == "program") & ~pd.isna(link)
    if part.any():  # placed parts are not among the programs a withheld program is bounded by: own groups
        group = np.where(part, -1 - np.arange(len(cells)), group)
    # the placed parts a cluster count holds, shown in its programs: a lower bound the reader knows
    floor = np.zeros(len(cells))
    shown_part = part & (state == "shown") & known
    if shown_part.any():
        held = pd.Series(value[shown_part]).groupby([comp[shown_part], cluster[shown_part]]).sum()
        at = pd.MultiIndex.from_arrays([comp, cluster])
        floor = np.where(level == "cluster", held.reindex(at).fillna(0.0).to_numpy(), 0.0)
    rows = np.flatnonzero(known)
    var = {int(r): k for k, r in enumerate(rows)}
    equations: list[Equation] = []
    integer = np.ones(len(cells), dtype=bool)
    sib = cells["sibling"].to_numpy(dtype=object)
    for c in pd.unique(comp):
        in_c = comp == c
        whole = value[in_c & known]
        integer[in_c] = bool(np.all(whole == np.round(whole)))
        mine = rows[in_c[rows]]
        clusters = mine[level[mine] == "cluster"]
        total = float(value[clusters].sum())
        if len(clusters) and total >= threshold:
            equations.append(Equation(tuple(var[int(r)] for r in clusters), (1.0,) * len(clusters), total))
        cluster_row = {cluster[r]: int(r) for r in clusters}
        programs = mine[level[mine] == "program"]
        for k in np.unique(cluster[programs]):
            members = [int(r) for r in programs if cluster[r] == k]
            if k == "" or k not in cluster_row:
                continue
            idx = tuple(var[r] for r in members) + (var[cluster_row[k]],)
            equations.append(Equation(idx, (1.0,) * len(members) + (-1.0,), 0.0))
        by_sib: dict[object, list[int]] = {}
        for r in programs:
            if not pd.isna(sib[r]):
                by_sib.setdefault(sib[r], []).append(int(r))
        for members in by_sib.values():
            for a, b in zip(members, members[1:], strict=False):
                equations.append(Equation((var[a], var[b]), (1.0, -1.0), 0.0))
    if part.any():
        weight = np.ones(len(cells))
        if "weight" in cells.columns:
            weight = pd.to_numeric(cells["weight"], errors="coerce").astype("float64").to_numpy()
        by_link: dict[object, list[int]] = {}
        for r in rows:
            if not pd.isna(link[r]) and np.isfinite(weight[r]) and weight[r] > 0:
                by_link.setdefault(link[r], []).append(int(r))
        for members in by_link.values():
            for a, b in zip(members, members[1:], strict=False):
                if comp[a] != comp[b] or pd.isna(sib[a]) or sib[a] != sib[b]:
                    equations.append(Equation((var[a], var[b]), (weight[b], -weight[a]), 0.0))
    targets = [var[int(r)] for r in np.flatnonzero(target)]
    lab_lo = np.where(integer, 1.0, 0.0)
    lab_hi = np.where(integer, float(threshold) - 1, float(threshold))
    for model in ("rule", "labels"):
        lb, ub = _bounds_mixed(state, group, value, threshold, integer, model == "rule", floor)
        lo, hi, ok = feasible_ranges(lb[rows], ub[rows], equations, targets)
        if ok[targets].all():
            break
    found = cells.iloc[np.flatnonzero(target)].copy()
    found["lo"] = lo[targets]
    found["hi"] = hi[targets]
    found["model"] = model if ok[targets].all() else "infeasible"
    t_rows = np.flatnonzero(target)
    found["protected"] = _covers(
        found["lo"].to_numpy(), found["hi"].to_numpy(), lab_lo[t_rows], lab_hi[t_rows]
    )
    return found


def _bounds_mixed(
    state: np.ndarray,
    group: np.ndarray,
    value: np.ndarray,
    threshold: float,
    integer: np.ndarray,
    rule: bool,
    floor: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_bounds` over cells whose components differ in whether their counts are whole."""
    lb = np.zeros(len(value))
    ub = np.zeros(len(value))
    for whole in (True, False):
        mine = integer == whole
        if mine.any():
            lo, hi = _bounds(state, group, value, threshold, whole, rule, floor)
            lb[mine], ub[mine] = lo[mine], hi[mine]
    return lb, ub
