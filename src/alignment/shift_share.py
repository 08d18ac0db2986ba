"""Shift-share: a region's change in jobs per cluster split into national growth, industry mix and regional share.

Classic shift-share analysis of employment between a base year ``0`` and an end year ``t``, for region *r*,
cluster *i* and the base area *N* (the run's ``inputs.qcew_base_area``: the nation ``US000`` or the state, the
same base the location quotients use)::

    g_N   = E_N,t / E_N,0 − 1            growth of all jobs in the base area (all industries, all ownerships)
    g_Ni  = e_Ni,t / e_Ni,0 − 1          growth of the cluster in the base area
    g_ri  = e_ri,t / e_ri,0 − 1          growth of the cluster in the region

    national growth  NG = e_ri,0 · g_N
    industry mix     IM = e_ri,0 · (g_Ni − g_N)
    regional share   RS = e_ri,0 · (g_ri − g_Ni)

    NG + IM + RS = e_ri,0 · g_ri = e_ri,t − e_ri,0

The region's cluster employment is the ``demand`` table's (:func:`alignment.demand.demand_by_region`); the base
area's is built the same way, from the same QCEW rows, by
:func:`alignment.demand.industry_employment_by_cluster` (withheld cells placed by
:mod:`alignment.qcew_recovery`), see :func:`base_area_employment`. The years are the first and the last year of
the run's QCEW; with one year there is nothing to split and the table has no rows. The effects are ``<NA>``,
never a number from nothing, when a value they need is missing or a base-year value they divide by is 0.

>>> region = pd.DataFrame({"region_id": ["r"] * 2, "year": [2022, 2024],
...                        "cluster_code": ["health"] * 2, "employment": [1000.0, 1200.0]})
>>> base = pd.DataFrame({"year": [2022, 2024], "cluster_code": ["health"] * 2,
...                      "employment": [10_000.0, 11_000.0], "total_employment": [100_000.0, 105_000.0]})
>>> row = shift_share(region, base).iloc[0]
>>> [round(float(row[c]), 6) for c in ("change", "national_growth", "industry_mix", "regional_share")]
[200.0, 50.0, 50.0, 100.0]
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from .demand import industry_employment_by_cluster

__all__ = [
    "EFFECTS",
    "SHIFT_SHARE_COLUMNS",
    "base_area_employment",
    "base_area_words",
    "empty_shift_share",
    "round_to_total",
    "shift_share",
    "shift_share_years",
]

#: the three effects, in the order they add up to the change
EFFECTS = ("national_growth", "industry_mix", "regional_share")
SHIFT_SHARE_COLUMNS = [
    "region_id",
    "framework",
    "cluster_code",
    "base_area",
    "base_year",
    "end_year",
    "employment_base",
    "employment_end",
    "change",
    "growth_region",
    "growth_base_cluster",
    "growth_base_total",
    *EFFECTS,
]
_FLOATS = [
    "employment_base",
    "employment_end",
    "change",
    "growth_region",
    "growth_base_cluster",
    "growth_base_total",
    *EFFECTS,
]
_REGION_NEEDS = ("region_id", "year", "cluster_code", "employment")
_BASE_NEEDS = ("year", "cluster_code", "employment", "total_employment")


def empty_shift_share() -> pd.DataFrame:
    """The shift-share table with its columns and no rows (a run with one QCEW year).

    >>> list(empty_shift_share().columns[:3]), len(empty_shift_share())
    (['region_id', 'framework', 'cluster_code'], 0)
    """
    out = pd.DataFrame({c: pd.Series(dtype="string") for c in ("region_id", "framework", "cluster_code")})
    out["base_area"] = pd.Series(dtype="string")
    out["base_year"] = pd.Series(dtype="Int64")
    out["end_year"] = pd.Series(dtype="Int64")
    for c in _FLOATS:
        out[c] = pd.Series(dtype="Float64")
    return out[SHIFT_SHARE_COLUMNS]


def shift_share_years(years: Sequence[int] | pd.Series) -> tuple[int, int] | None:
    """The base and end year of the shift-share: the first and the last year given; ``None`` with fewer than two.

    >>> shift_share_years([2024, 2022, 2023]), shift_share_years([2024, 2024]), shift_share_years([])
    ((2022, 2024), None, None)
    """
    found = sorted({int(y) for y in pd.Series(years).dropna()})
    return (found[0], found[-1]) if len(found) >= 2 else None


def base_area_employment(
    qcew: pd.DataFrame, naics_cluster_long: pd.DataFrame, base_area: str = "US000"
) -> pd.DataFrame:
    """The base area's employment per year × cluster, with its all-industry total, from the run's QCEW rows.

    The same computation :func:`alignment.demand.demand_by_region` makes for the base of its location
    quotients (:func:`alignment.demand.industry_employment_by_cluster`, withheld cells placed first). The base
    area's recovery does not depend on the counties: its reference area is the nation, or none for the nation.
    Returns year, cluster_code, employment, total_employment (``cluster_code <NA>``: jobs no cluster covers).
    Raises ``ValueError`` naming the area when ``qcew`` holds no row of it.
    """
    areas = qcew["area_fips"].astype("string")
    if not (areas == base_area).any():
        raise ValueError(
            f"the base area {base_area!r} (inputs.qcew_base_area) is in none of the QCEW rows; "
            "shift-share needs its employment in the base and the end year"
        )
    emp = industry_employment_by_cluster(qcew, naics_cluster_long, [base_area])
    return emp[["year", "cluster_code", "employment", "total_employment"]].reset_index(drop=True)


def _require(df: pd.DataFrame, needs: Sequence[str], what: str) -> None:
    missing = [c for c in needs if c not in df.columns]
    if missing:
        raise ValueError(
            f"{what} lacks the column(s) {', '.join(missing)}; it has {', '.join(map(str, df.columns))}"
        )


def _growth(end: pd.Series, base: pd.Series) -> pd.Series:
    """end / base − 1 as Float64, ``<NA>`` where either is missing or base is 0."""
    end = pd.Series(end, dtype="Float64")
    base = pd.Series(base, dtype="Float64")
    return (end / base - 1).mask((base == 0).fillna(True).astype(bool))


def shift_share(
    region_employment: pd.DataFrame,
    base_employment: pd.DataFrame,
    *,
    base_area: str = "US000",
    base_year: int | None = None,
    end_year: int | None = None,
) -> pd.DataFrame:
    """Shift-share of each region × cluster's change in jobs from ``base_year`` to ``end_year``.

    ``region_employment``: region_id, year, cluster_code, employment (and framework when known), one row per
    region × year × cluster — the ``demand`` table. ``base_employment``: year, cluster_code, employment,
    total_employment of the base area (:func:`base_area_employment`). The years default to the first and the
    last year of ``region_employment`` (:func:`shift_share_years`); with one year the table is empty
    (:func:`empty_shift_share`). Rows with ``cluster_code <NA>`` (jobs no cluster covers) are left out.

    Columns (:data:`SHIFT_SHARE_COLUMNS`): employment_base (e_ri,0), employment_end (e_ri,t),
    change = e_ri,t − e_ri,0, growth_region (g_ri), growth_base_cluster (g_Ni), growth_base_total (g_N),
    national_growth = e_ri,0 · g_N, industry_mix = e_ri,0 · (g_Ni − g_N), regional_share = e_ri,0 · (g_ri − g_Ni)
    (computed as the change less the other two, the same number, so the three add up to the change). The
    three are ``<NA>`` together when a value they need is missing or a base-year value they divide by is 0
    (e_ri,0, e_Ni,0 or E_N,0), so the effects of a row always add up to its change; a region × cluster present
    in only one of the two years has ``<NA>`` for the other year's jobs and for the change.

    >>> region = pd.DataFrame({"region_id": ["r", "r", "r"], "year": [2022, 2024, 2024],
    ...                        "cluster_code": ["a", "a", "b"], "employment": [100.0, 90.0, 5.0]})
    >>> base = pd.DataFrame({"year": [2022, 2024] * 2, "cluster_code": ["a", "a", "b", "b"],
    ...                      "employment": [50.0, 60.0, 1.0, 2.0], "total_employment": [200.0, 220.0] * 2})
    >>> out = shift_share(region, base)
    >>> out[["cluster_code", "change", "national_growth", "industry_mix", "regional_share"]].round(6)
      cluster_code  change  national_growth  industry_mix  regional_share
    0            a   -10.0             10.0          10.0           -30.0
    1            b    <NA>             <NA>          <NA>            <NA>
    """
    _require(region_employment, _REGION_NEEDS, "the region employment table")
    _require(base_employment, _BASE_NEEDS, "the base-area employment table")
    region = region_employment[region_employment["cluster_code"].notna()].copy()
    base = base_employment.copy()
    for df in (region, base):
        df["year"] = pd.to_numeric(df["year"]).astype("Int64")
        df["cluster_code"] = df["cluster_code"].astype("string")
    region["region_id"] = region["region_id"].astype("string")
    for df, keys, what in (
        (region, ["region_id", "year", "cluster_code"], "the region employment table"),
        (base[base["cluster_code"].notna()], ["year", "cluster_code"], "the base-area employment table"),
    ):
        dup = df[df.duplicated(keys, keep=False)]
        if len(dup):
            first = ", ".join(f"{k}={dup[k].iloc[0]}" for k in keys)
            raise ValueError(
                f"{what} has {len(dup)} rows that repeat a {' × '.join(keys)} key (first: {first})"
            )

    years = shift_share_years(region["year"])
    if base_year is None and end_year is None and years is None:
        return empty_shift_share()
    y0 = base_year if base_year is not None else (years[0] if years else None)
    yt = end_year if end_year is not None else (years[1] if years else None)
    held = sorted({int(y) for y in region["year"].dropna()})
    for name, y in (("base_year", y0), ("end_year", yt)):
        if y is None or int(y) not in held:
            raise ValueError(
                f"{name} {y} is not a year of the region employment; it holds {held or 'no year'}"
            )
    y0, yt = int(y0), int(yt)
    if y0 >= yt:
        raise ValueError(f"base_year {y0} must be earlier than end_year {yt}")

    keys = ["region_id", "cluster_code"]
    pairs = region[region["year"].isin([y0, yt])][keys].drop_duplicates()
    at = {
        y: region[region["year"] == y][[*keys, "employment"]].rename(columns={"employment": name})
        for y, name in ((y0, "employment_base"), (yt, "employment_end"))
    }
    out = pairs.merge(at[y0], on=keys, how="left").merge(at[yt], on=keys, how="left")
    frameworks = region.dropna(subset=["framework"]) if "framework" in region else region.iloc[0:0]
    if len(frameworks):
        fw = frameworks.drop_duplicates(keys)[[*keys, "framework"]]
        out = out.merge(fw, on=keys, how="left")
    else:
        out["framework"] = pd.NA

    clusters = base[base["cluster_code"].notna()]
    b0 = clusters[clusters["year"] == y0].set_index("cluster_code")["employment"]
    bt = clusters[clusters["year"] == yt].set_index("cluster_code")["employment"]
    totals = (
        base.dropna(subset=["total_employment"]).drop_duplicates("year").set_index("year")["total_employment"]
    )
    g_n = _growth(pd.Series([totals.get(yt, pd.NA)]), pd.Series([totals.get(y0, pd.NA)])).iloc[0]

    e0 = out["employment_base"].astype("Float64")
    et = out["employment_end"].astype("Float64")
    out["change"] = et - e0
    out["growth_region"] = _growth(et, e0)
    out["growth_base_cluster"] = _growth(
        out["cluster_code"].map(bt).astype("Float64"), out["cluster_code"].map(b0).astype("Float64")
    )
    out["growth_base_total"] = pd.array([g_n] * len(out), dtype="Float64")
    # all three or none: a missing value, or a base-year value of 0 (e_ri,0, e_Ni,0, E_N,0), splits nothing
    unknown = out[["growth_region", "growth_base_cluster", "growth_base_total"]].isna().any(axis=1)
    unknown = unknown | et.isna()
    out["national_growth"] = (e0 * out["growth_base_total"]).mask(unknown)
    out["industry_mix"] = (e0 * (out["growth_base_cluster"] - out["growth_base_total"])).mask(unknown)
    # = e_ri,0 · (g_ri − g_Ni): written as the change less the other two, so the three add up to the change
    out["regional_share"] = (out["change"] - out["national_growth"] - out["industry_mix"]).mask(unknown)

    out["base_area"] = base_area
    out["base_year"] = y0
    out["end_year"] = yt
    out = out.astype(
        {
            "region_id": "string",
            "framework": "string",
            "cluster_code": "string",
            "base_area": "string",
            "base_year": "Int64",
            "end_year": "Int64",
            **dict.fromkeys(_FLOATS, "Float64"),
        }
    )
    return out.sort_values(keys).reset_index(drop=True)[SHIFT_SHARE_COLUMNS]


def base_area_words(base_area: str) -> tuple[str, str]:
    """How a report names the base area: (``"the nation"``, ``"nationally"``) for ``US000``, the state for a
    state code (``SS000``), else the code itself.

    >>> base_area_words("US000"), base_area_words("50000"), base_area_words("C1234")
    (('the nation', 'nationally'), ('the state', 'statewide'), ('base area C1234', 'in base area C1234'))
    """
    code = str(base_area)
    if code == "US000":
        return "the nation", "nationally"
    if len(code) == 5 and code.isdigit() and code.endswith("000"):
        return "the state", "statewide"
    return f"base area {code}", f"in base area {code}"


def round_to_total(values: Sequence[float], total: int) -> list[int]:
    """Whole numbers near ``values`` that add up to ``total`` (largest remainder), so a printed row adds up.

    >>> round_to_total([10.4, 10.4, 10.4], 31), round_to_total([50.2, -20.6, 3.1], 33)
    ([11, 10, 10], [50, -20, 3])
    """
    if not len(values):
        return []
    floors = [math.floor(v) for v in values]
    left = int(total) - sum(floors)
    # largest fractional part first (ties: first value first)
    order = sorted(range(len(values)), key=lambda k: (-(values[k] - floors[k]), k))
    out = list(floors)
    for i in range(max(left, 0)):
        out[order[i % len(order)]] += 1
    for i in range(max(-left, 0)):
        out[order[-1 - i % len(order)]] -= 1
    return out
