"""Student privacy: small-cell suppression of counts before anything is shown.

Two steps, as in FERPA-style disclosure avoidance used by state education agencies:

1. **Primary suppression.** A count ``n`` with ``0 < n < threshold`` is replaced by ``<NA>`` and its
   ``<column>_suppressed`` marker is set. A true zero is *shown*: "no students" is publishable and says
   nothing about an individual (a count of zero cannot single anyone out). A value that was already
   ``<NA>`` (suppressed upstream, or missing) stays hidden and is marked too.
2. **Complementary suppression.** Within each group (``group_by``; the whole table when ``None``) a
   published total minus the shown cells would reveal a cell if it were the *only* hidden one. So when
   exactly one cell of a column is hidden in a group of two or more cells, the smallest shown positive
   cell of that group is hidden as well (the smallest shown cell, a zero, when there is no positive one;
   ties: the first in row order). Then every group has 0 or at least 2 hidden cells. One pass suffices
   because each column and group is treated independently.

A group with a single cell cannot be protected by its neighbours: its total must be suppressed by whoever
publishes the total.

>>> df = pd.DataFrame({"g": ["a", "a", "a"], "completers": [4, 12, 30]})
>>> out = suppress_counts(df, ["completers"], threshold=10, group_by=["g"])
>>> out["completers"].tolist()
[<NA>, <NA>, 30]
>>> out["completers_suppressed"].tolist()
[True, True, False]
>>> format_count(4, 10), format_count(0, 10), format_count(1234, 10)
('<10', '0', '1,234')
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

__all__ = ["format_count", "suppress_counts", "is_small"]


def is_small(n: object, threshold: int = 10) -> bool:
    """True when ``n`` is a count that must not be printed: ``0 < n < threshold``, or unknown (<NA>).

    >>> is_small(3), is_small(0), is_small(10), is_small(pd.NA)
    (True, False, False, True)
    """
    if n is None or pd.isna(n):
        return True
    return 0 < float(n) < threshold


def format_count(n: object, threshold: int = 10) -> str:
    """A student count as text for reports: ``"<10"`` for ``0 < n < threshold``, ``"suppressed"`` for <NA>.

    Zero is shown as ``"0"``; other counts with a thousands separator. Fractional counts (from the
    ``split`` allocation rule) are rounded to the nearest whole student for display.

    >>> format_count(pd.NA), format_count(9.5, 10), format_count(10.4, 10)
    ('suppressed', '<10', '10')
    """
    if n is None or pd.isna(n):
        return "suppressed"
    value = float(n)
    if 0 < value < threshold:
        return f"<{threshold}"
    return f"{round(value):,}"


def suppress_counts(
    df: pd.DataFrame,
    count_columns: Sequence[str],
    threshold: int = 10,
    group_by: list[str] | None = None,
) -> pd.DataFrame:
    """Primary and complementary suppression of ``count_columns`` (see the module docstring).

    Returns a copy of ``df`` in which every count column is nullable (``Int64``, or ``Float64`` when the
    input held fractions) with hidden cells ``<NA>``, plus one boolean ``<column>_suppressed`` column per
    count column (True = hidden, for whatever reason). Row order and index are kept.
    """
    out = df.copy()
    for col in count_columns:
        values = pd.to_numeric(out[col], errors="coerce")
        is_int = bool(values.dropna().eq(values.dropna().round()).all())
        values = values.astype("Int64" if is_int else "Float64")
        hidden = (values.isna() | ((values > 0) & (values < threshold))).astype(bool)
        if group_by:
            group_ids = out.groupby(group_by, dropna=False, sort=False).ngroup().to_numpy()
        else:
            group_ids = [0] * len(out)
        hidden = _complementary(values.reset_index(drop=True), hidden.reset_index(drop=True), group_ids)
        hidden.index = out.index
        out[col] = values.mask(hidden)
        out[f"{col}_suppressed"] = hidden
    return out


def _complementary(values: pd.Series, hidden: pd.Series, group_ids: Sequence[int]) -> pd.Series:
    """Hide one more cell in every group of 2+ cells that has exactly one hidden cell (positional index)."""
    hidden = hidden.copy()
    gid = pd.Series(group_ids, index=hidden.index)
    # a cell with no value in the source (suppressed or not reported there) adds nothing to the total, so
    # it cannot protect a hidden count: only hidden cells that hold a number count as hidden here
    hidden_with_value = (hidden & values.notna()).astype(int)
    n_hidden = hidden_with_value.groupby(gid).transform("sum")
    size = hidden.groupby(gid).transform("size")
    for g in gid[(n_hidden == 1) & (size >= 2)].unique():
        shown = values[(gid == g) & ~hidden]
        positive = shown[shown > 0]
        pool = positive if len(positive) else shown
        if pool.empty:  # every other cell of the group is already hidden
            continue
        # stable sort: ties go to the first row in order
        hidden.iloc[pool.sort_values(kind="mergesort").index[0]] = True
    return hidden
