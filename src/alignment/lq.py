"""Location quotients of QCEW rows, computed the way BLS computes its published ``lq_*`` columns.

For an area row (area, ownership ``o``, industry ``i``, year, period) and a measure ``x`` (a monthly
employment level, annual average employment, establishments, wages, ...)::

    LQ = (x[area, o, i] / x[area, own 0, industry 10]) / (x[base, o, i] / x[base, own 0, industry 10])

The denominator of each share is the all-industry, all-ownership total (``own_code 0``, industry ``10``) of
the same area and period, for every ownership row; the base row is the one with the same ownership, industry,
year and period in the base area (the nation, ``US000``, for BLS). BLS prints the result with two decimals,
rounded half up (:func:`round_half_up`).

:func:`location_quotient` is the one place in the package where that formula is computed, from the four
numbers (area value, area total, base value, base total) wherever they come from.
:func:`qcew_location_quotients` finds them for every row of the industry-employment table of
:func:`alignment.sources.qcew.read_qcew`; :func:`alignment.demand.demand_by_region` passes region ×
cluster sums (counties summed into regions, industries into clusters) against the base area of the run.
:func:`compare_with_published` measures how far the result reproduces BLS's own published LQs.
``docs/lq-validation.md`` gives the figures for every Vermont file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import InputError, Problem

__all__ = [
    "MONTH_MEASURES",
    "PUBLISHED",
    "LQComparison",
    "compare_with_published",
    "location_quotient",
    "qcew_location_quotients",
    "round_half_up",
]

MONTH_MEASURES = ("month1_emplvl", "month2_emplvl", "month3_emplvl")
PERIOD_KEYS = ["year", "qtr"]
SERIES_KEYS = ["own_code", "industry_code", *PERIOD_KEYS]
ROW_KEYS = ["area_fips", *SERIES_KEYS]

#: measure -> the published LQ column of the industry-employment table it reproduces. ``employment`` is
#: compared on annual rows only: on quarterly rows ``lq_employment_published`` is BLS's month-3 LQ.
PUBLISHED = {
    "month1_emplvl": "lq_month1_emplvl",
    "month2_emplvl": "lq_month2_emplvl",
    "month3_emplvl": "lq_month3_emplvl",
    "employment": "lq_employment_published",
}

#: measures BLS publishes for rows whose employment and wages are not disclosed (disclosure code ``N``).
DISCLOSED_WHEN_SUPPRESSED = frozenset({"establishments"})

#: measures derived from the table's columns rather than read from one.
DERIVED = ("avg_weekly_wage_usd",)

_TIE_DIGITS = 9  # float noise below 1e-9 of the last kept digit is removed before rounding half up


# ------------------------------------------------------------------------------------------------ rounding


def round_half_up(values, decimals: int = 2):
    """Round half up (away from zero for LQs, which are >= 0), as BLS prints its location quotients.

    Works on a scalar, an array or a Series (``<NA>`` stays ``<NA>``; a Series comes back ``Float64``).
    Binary floating point stores 1.005 as 1.00499999...; that noise (below 1e-9 of the last kept digit) is
    removed first, so a value that is a tie in decimal rounds up as a person would expect.

    >>> round_half_up(1.005), round_half_up(0.125), round_half_up(2.675), round_half_up(1.0049)
    (1.01, 0.13, 2.68, 1.0)
    >>> round_half_up(pd.Series([0.345, None, 12.3449])).tolist()
    [0.35, <NA>, 12.34]
    """
    scale = 10.0**decimals
    if isinstance(values, pd.Series):
        arr = values.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        out = np.floor(np.round(arr * scale, _TIE_DIGITS) + 0.5) / scale
        return pd.Series(out, index=values.index, name=values.name, dtype="Float64")
    if np.ndim(values) == 0:
        if pd.isna(values):
            return values
        return float(np.floor(np.round(float(values) * scale, _TIE_DIGITS) + 0.5) / scale)
    arr = np.asarray(values, dtype=float)
    return np.floor(np.round(arr * scale, _TIE_DIGITS) + 0.5) / scale


# ------------------------------------------------------------------------------------- location quotients


def location_quotient(e_area, total_area, e_base, total_base):
    """Location quotient ``LQ = (e_area / total_area) / (e_base / total_base)`` (BLS QCEW definition).

    ``e_area`` is the measure (employment, ...) of the industry, cluster or series in the area,
    ``total_area`` the all-industry, all-ownership total of the area; ``e_base`` and ``total_base`` the same
    for the base area (the nation, or the state). Works on scalars (returns a float, or ``<NA>``) and on
    Series / arrays, aligned by position and broadcast against scalars (returns a ``Float64`` Series with the
    index of the first Series given). The result is ``<NA>``, never a number, when any input is missing,
    when ``total_area``, ``e_base`` or ``total_base`` is 0 (or negative), or when it would not be finite.

    For an aggregate (a cluster, a multi-county region) pass the *summed* values: LQs are intensive and
    must never be averaged.

    >>> location_quotient(50, 1000, 2000, 100000)
    2.5
    >>> location_quotient(pd.Series([50, 5, pd.NA]), 1000, pd.Series([2000, 0, 10]), 100000).tolist()
    [2.5, <NA>, <NA>]
    """
    args = (e_area, total_area, e_base, total_base)
    e_a, t_a, e_b, t_b = np.broadcast_arrays(*(_floats_or_scalar(x) for x in args))
    lq = lq_array(e_a, t_a, e_b, t_b)
    if all(np.ndim(x) == 0 for x in args):
        return pd.NA if np.isnan(lq) else float(lq)
    index = next((x.index for x in args if isinstance(x, pd.Series)), None)
    return pd.Series(lq, index=index, dtype="Float64")


def lq_array(e_a: np.ndarray, t_a: np.ndarray, e_b: np.ndarray, t_b: np.ndarray) -> np.ndarray:
    """The formula on float arrays of any shape (``nan`` = missing): ``nan`` wherever the LQ is not a number."""
    with np.errstate(divide="ignore", invalid="ignore"):
        lq = (e_a / t_a) / (e_b / t_b)
    bad = ~np.isfinite(lq) | ~(t_a > 0) | ~(e_b > 0) | ~(t_b > 0)
    return np.where(bad, np.nan, lq)


def _floats_or_scalar(value) -> np.ndarray:
    if np.ndim(value) == 0:
        return np.array(np.nan if pd.isna(value) else float(value))
    return _floats(value)


def qcew_location_quotients(
    area: pd.DataFrame,
    base: pd.DataFrame,
    *,
    measures: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Location quotients of every row of ``area`` against the single area of ``base``.

    Both frames are industry-employment tables (:func:`alignment.sources.qcew.read_qcew`); ``area`` may hold
    many areas (a state file and its county files), ``base`` exactly one (the nation). For each area row and
    each measure ``x``, :func:`location_quotient` of::

        x_row, x[area, own 0, industry 10], x_base_row, x[base, own 0, industry 10]

    with all totals taken in the same year and period (``qtr``). The base row has the same ``own_code``,
    ``industry_code``, ``year`` and ``qtr`` (aggregation-level codes differ between areas and are not used).

    ``measures``: columns of the table (``month1_emplvl`` ... ``month3_emplvl``, ``employment``,
    ``establishments``, ``total_wages_usd``, ``avg_annual_pay_usd``) or ``avg_weekly_wage_usd``
    (``total_wages_usd / employment / 13`` for a quarter, ``/ 52`` for a year). Default: the three monthly
    levels when the table has quarterly rows, ``employment`` when it has annual rows (both when mixed).

    Returns one row per area row, in the same order: ``area_fips``, ``own_code``, ``industry_code``,
    ``agglvl_code``, ``year``, ``qtr``, ``lq_<measure>`` (``Float64``, unrounded: round with
    :func:`round_half_up` to compare with BLS), ``lq_note`` (``""`` when every measure has a value, else why
    some have none), ``source_file``, ``source_row`` (when ``area`` has them). An LQ is ``<NA>``, never a
    number, when the area row is suppressed (except ``establishments``, which BLS discloses for such rows),
    when its value is missing, when there is no base row or its value is missing or 0, or when the area or
    base total is missing or 0.

    >>> cols = ["area_fips", "own_code", "industry_code", "year", "qtr", "employment"]
    >>> area = pd.DataFrame([["01001", "0", "10", 2021, "A", 1000.0],
    ...                      ["01001", "5", "31-33", 2021, "A", 200.0]], columns=cols)
    >>> base = pd.DataFrame([["US000", "0", "10", 2021, "A", 100000.0],
    ...                      ["US000", "5", "31-33", 2021, "A", 10000.0]], columns=cols)
    >>> qcew_location_quotients(area, base)["lq_employment"].tolist()
    [1.0, 2.0]
    """
    measures = _default_measures(area) if measures is None else tuple(measures)
    _check_inputs(area, base, measures)
    a = area.reset_index(drop=True)
    values_a = pd.DataFrame({m: _measure(a, m) for m in measures})
    values_b = pd.DataFrame({m: _measure(base, m) for m in measures})

    # the area's own total row (own 0, industry 10) for its year and period
    keyed = pd.concat([a[ROW_KEYS], values_a], axis=1)
    is_total = (a["own_code"] == "0") & (a["industry_code"] == "10")
    totals = keyed.loc[is_total.to_numpy(), ["area_fips", *PERIOD_KEYS, *measures]]
    joined = a[ROW_KEYS].merge(totals, on=["area_fips", *PERIOD_KEYS], how="left", validate="m:1")
    total_a = joined[list(measures)]
    has_total = _indicator(a[ROW_KEYS], totals[["area_fips", *PERIOD_KEYS]], ["area_fips", *PERIOD_KEYS])

    # the base row of the same series, and the base total of the period
    base_keyed = pd.concat(
        [base[SERIES_KEYS].reset_index(drop=True), values_b.reset_index(drop=True)], axis=1
    )
    base_total_mask = ((base["own_code"] == "0") & (base["industry_code"] == "10")).to_numpy()
    base_totals = base_keyed.loc[base_total_mask, [*PERIOD_KEYS, *measures]]
    value_b = a[SERIES_KEYS].merge(base_keyed, on=SERIES_KEYS, how="left", validate="m:1")[list(measures)]
    total_b = a[PERIOD_KEYS].merge(base_totals, on=PERIOD_KEYS, how="left", validate="m:1")[list(measures)]
    has_base = _indicator(a[SERIES_KEYS], base_keyed[SERIES_KEYS], SERIES_KEYS)
    has_base_total = _indicator(a[PERIOD_KEYS], base_totals[PERIOD_KEYS], PERIOD_KEYS)

    suppressed = (
        a["suppressed"].fillna(False).to_numpy(dtype=bool)
        if "suppressed" in a
        else np.zeros(len(a), dtype=bool)
    )
    out = a[[c for c in ["area_fips", "own_code", "industry_code", "agglvl_code"] if c in a]].copy()
    out["year"], out["qtr"] = a["year"], a["qtr"]
    notes: list[tuple[np.ndarray, str]] = [
        (suppressed, "area row suppressed"),
        (~has_total, "no area total (own 0, industry 10)"),
        (~has_base, "no base row"),
        (~has_base_total, "no base total (own 0, industry 10)"),
    ]
    for m in measures:
        e_a, t_a = _floats(values_a[m]), _floats(total_a[m])
        e_b, t_b = _floats(value_b[m]), _floats(total_b[m])
        hidden = suppressed & (m not in DISCLOSED_WHEN_SUPPRESSED)
        lq = location_quotient(e_a, t_a, e_b, t_b).to_numpy(dtype=float, na_value=np.nan)
        bad = hidden | np.isnan(lq)
        out[f"lq_{m}"] = pd.Series(np.where(bad, np.nan, lq), dtype="Float64").mask(bad)
        notes += [
            (~hidden & np.isnan(e_a), f"no area value ({m})"),
            (has_total & ~(t_a > 0), f"area total missing or 0 ({m})"),
            (has_base & ~(e_b > 0), f"base value missing or 0 ({m})"),
            (has_base_total & ~(t_b > 0), f"base total missing or 0 ({m})"),
        ]
    out["lq_note"] = _join_notes(notes, len(a))
    for col in ("source_file", "source_row"):
        if col in a:
            out[col] = a[col]
    return out


def _default_measures(area: pd.DataFrame) -> tuple[str, ...]:
    """The three monthly levels for quarterly rows, ``employment`` for annual rows (both when mixed)."""
    annual = area["qtr"].astype("string") == "A" if "qtr" in area else pd.Series(dtype=bool)
    measures = MONTH_MEASURES if (~annual).any() or not len(annual) else ()
    return measures + (("employment",) if annual.any() else ())


def _measure(df: pd.DataFrame, name: str) -> pd.Series:
    """The values of one measure as float (``nan`` = missing), derived measures computed."""
    if name == "avg_weekly_wage_usd":
        weeks = np.where(df["qtr"].astype("string").to_numpy() == "A", 52.0, 13.0)
        wages, employment = _floats(df["total_wages_usd"]), _floats(df["employment"])
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(employment > 0, wages / employment / weeks, np.nan)
        return pd.Series(value, index=df.index).reset_index(drop=True)
    return pd.Series(_floats(df[name])).reset_index(drop=True)


def _floats(values) -> np.ndarray:
    return pd.Series(values).astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def _indicator(left: pd.DataFrame, right: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """For each row of ``left``: is its key among the rows of ``right``?"""
    found = left[keys].merge(right[keys].drop_duplicates().assign(_hit=True), on=keys, how="left")
    return found["_hit"].fillna(False).to_numpy(dtype=bool)


def _join_notes(notes: list[tuple[np.ndarray, str]], n: int) -> pd.Series:
    """``"; "``-joined texts of the notes that hold on each row (``""`` when none)."""
    text = np.full(n, "", dtype=object)
    for mask, note in notes:
        if mask.any():
            text = np.where(mask, np.where(text == "", note, text + "; " + note), text)
    return pd.Series(text, dtype="string")


def _check_inputs(area: pd.DataFrame, base: pd.DataFrame, measures: tuple[str, ...]) -> None:
    """Missing columns, several base areas, duplicated series: one :class:`InputError` listing them all."""
    problems: list[Problem] = []
    for label, df in (("area table", area), ("base table", base)):
        needed = [*ROW_KEYS]
        for m in measures:
            needed += ["total_wages_usd", "employment"] if m in DERIVED else [m]
        for col in dict.fromkeys(needed):
            if col not in df:
                problems.append(
                    Problem(_file_of(df, label), None, col, "missing column for the location quotients")
                )
    if problems:
        raise InputError(problems)
    areas = sorted(base["area_fips"].dropna().astype(str).unique())
    if len(areas) != 1:
        found = ", ".join(areas[:5]) + (" ..." if len(areas) > 5 else "") if areas else "none"
        problems.append(
            Problem(
                _file_of(base, "base table"),
                None,
                "area_fips",
                f"the base of location quotients must be exactly one area (the nation, US000); found: {found}",
            )
        )
    if problems:
        raise InputError(problems)
    for label, df, keys in (("area table", area, ROW_KEYS), ("base table", base, SERIES_KEYS)):
        dup = df.duplicated(keys, keep="first")
        for i in np.flatnonzero(dup.to_numpy())[:20]:
            rec = df.iloc[i]
            where = (
                (str(rec["source_file"]), int(rec["source_row"]))
                if "source_file" in df and "source_row" in df
                else (label, None)
            )
            key = " x ".join(str(rec[k]) for k in keys)
            problems.append(Problem(where[0], where[1], None, f"duplicate {' x '.join(keys)} ({key})"))
    if problems:
        raise InputError(problems)


def _file_of(df: pd.DataFrame, label: str) -> str:
    if "source_file" in df and len(df):
        files = df["source_file"].dropna().astype(str).unique()
        if len(files) == 1:
            return files[0]
        if len(files) > 1:
            return f"{label} ({len(files)} files)"
    return label


# --------------------------------------------------------------------------------- comparison with BLS


@dataclass(frozen=True)
class LQComparison:
    """How far computed LQs, rounded half up to 2 decimals, reproduce BLS's published LQs.

    ``compared`` counts published values (a disclosed row whose LQ BLS printed) for which a computed value
    was expected; a published value the computation left ``<NA>`` (``not_computed``, for example no base
    row) stays in ``compared`` and counts as a miss. ``published_withheld`` counts computed values whose
    published LQ is ``<NA>`` (BLS withheld it: ``lq_disclosure_code N`` or a ``-`` row); they are not compared.
    """

    compared: int
    exact: int
    within: int
    not_computed: int
    published_withheld: int
    max_abs_diff: float
    by_area: pd.DataFrame
    mismatches: pd.DataFrame

    @property
    def exact_rate(self) -> float:
        """Share of compared values equal at 2 decimals."""
        return self.exact / self.compared if self.compared else float("nan")

    @property
    def within_rate(self) -> float:
        """Share of compared values within +-0.01."""
        return self.within / self.compared if self.compared else float("nan")

    def __str__(self) -> str:
        return (
            f"{self.compared:,} published LQs compared: {self.exact:,} exact at 2 decimals "
            f"({self.exact_rate:.2%}), {self.within:,} within +-0.01 ({self.within_rate:.2%}); "
            f"{self.not_computed:,} not computed; largest difference {self.max_abs_diff:.2f}; "
            f"{self.published_withheld:,} computed LQs have no published value"
        )


def compare_with_published(
    area: pd.DataFrame,
    lqs: pd.DataFrame,
    *,
    base: pd.DataFrame | None = None,
    tolerance: float = 0.01,
) -> LQComparison:
    """Compare ``lqs`` (from :func:`qcew_location_quotients` on ``area``) with BLS's LQs printed in ``area``.

    Each ``lq_<measure>`` column of ``lqs`` with a published counterpart in :data:`PUBLISHED` is rounded with
    :func:`round_half_up` and compared value by value (``employment`` on annual rows only). ``mismatches``
    lists every compared value that is not exact at 2 decimals: the row keys, ``measure``, ``lq`` (unrounded),
    ``lq_rounded``, ``published``, ``diff`` (rounded − published), ``lq_note``, ``source_file``, ``source_row``.
    With ``base`` (the base table used), it adds ``base_value`` and ``base_needed_low`` / ``base_needed_high``:
    the interval of base values that would give the published LQ, so an imprecise base value shows as one
    just outside that interval. ``by_area`` gives compared / exact / within per ``area_fips``.
    """
    a = area.reset_index(drop=True)
    lq = lqs.reset_index(drop=True)
    if len(a) != len(lq) or not (a[ROW_KEYS].astype(str).values == lq[ROW_KEYS].astype(str).values).all():
        raise ValueError("lqs must be the result of qcew_location_quotients on this area table (same rows)")
    annual = (a["qtr"].astype("string") == "A").fillna(False).to_numpy(dtype=bool)
    parts = []
    withheld = 0
    for measure, published_col in PUBLISHED.items():
        col = f"lq_{measure}"
        if col not in lq or published_col not in a:
            continue
        computed = _floats(lq[col])
        published = _floats(a[published_col])
        usable = annual if measure == "employment" else ~annual
        withheld += int((usable & np.isnan(published) & ~np.isnan(computed)).sum())
        keep = usable & ~np.isnan(published)
        part = lq.loc[keep, [c for c in lq.columns if not c.startswith("lq_") or c == "lq_note"]].copy()
        part.insert(int(part.columns.get_loc("qtr")) + 1, "measure", measure)
        part["lq"] = computed[keep]
        part["published"] = published[keep]
        if base is not None:
            part = _needed_base(part, a, keep, base, measure)
        parts.append(part)
    if not parts:
        raise ValueError("no lq_<measure> column of lqs has a published LQ column in the area table")
    d = pd.concat(parts, ignore_index=True)
    d["lq_rounded"] = round_half_up(d["lq"].to_numpy(dtype=float))
    d["diff"] = np.round(d["lq_rounded"] - d["published"], 6)
    d["exact"] = d["diff"].abs() < 0.005
    d["within"] = d["diff"].abs() <= tolerance + 1e-9
    by_area = (
        d.groupby("area_fips", sort=True)
        .agg(compared=("exact", "size"), exact=("exact", "sum"), within=("within", "sum"))
        .reset_index()
    )
    mismatches = d.loc[~d["exact"]].drop(columns=["exact", "within"]).reset_index(drop=True)
    order = [c for c in mismatches.columns if c not in ("lq_note", "source_file", "source_row")]
    order += [c for c in ("lq_note", "source_file", "source_row") if c in mismatches]
    return LQComparison(
        compared=len(d),
        exact=int(d["exact"].sum()),
        within=int(d["within"].sum()),
        not_computed=int(d["lq"].isna().sum()),
        published_withheld=withheld,
        max_abs_diff=float(d["diff"].abs().max()) if d["diff"].notna().any() else float("nan"),
        by_area=by_area,
        mismatches=mismatches[order],
    )


def _needed_base(
    part: pd.DataFrame, area: pd.DataFrame, keep: np.ndarray, base: pd.DataFrame, measure: str
) -> pd.DataFrame:
    """Add the base value and the interval of base values that reproduce the published (rounded) LQ.

    ``published - 0.005 <= (e / E) / (b / B) < published + 0.005`` gives
    ``b`` in ``[(e / E) * B / (published + 0.005), (e / E) * B / (published - 0.005)]``.
    """
    values = pd.concat([area[ROW_KEYS], _measure(area, measure).rename(measure)], axis=1)
    totals = values[((area["own_code"] == "0") & (area["industry_code"] == "10")).to_numpy()]
    base_vals = pd.concat(
        [base[SERIES_KEYS].reset_index(drop=True), _measure(base, measure).rename(measure)], axis=1
    )
    base_total = base_vals[(base_vals["own_code"] == "0") & (base_vals["industry_code"] == "10")]
    rows = values[keep].reset_index(drop=True)
    share = rows[measure].to_numpy() / _lookup(rows, totals, ["area_fips", *PERIOD_KEYS], measure)
    big_b = _lookup(rows, base_total, PERIOD_KEYS, measure)
    published = part["published"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        low = share * big_b / (published + 0.005)
        high = np.where(published > 0.005, share * big_b / (published - 0.005), np.inf)
    part = part.copy()
    part["base_value"] = _lookup(rows, base_vals, SERIES_KEYS, measure)
    part["base_needed_low"] = low
    part["base_needed_high"] = high
    return part


def _lookup(rows: pd.DataFrame, table: pd.DataFrame, keys: list[str], col: str) -> np.ndarray:
    found = rows[keys].merge(table[[*keys, col]].drop_duplicates(keys), on=keys, how="left")
    return _floats(found[col])
