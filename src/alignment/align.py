"""Alignment: program supply against industry demand, per region × career cluster.

For one region and year, with ``s_i`` the students (``measure``) of cluster ``i``, ``S = Σ_i s_i``,
``e_i`` the cluster's employment and ``E = Σ_j e_j`` over the framework's clusters:

- ``supply_share = s_i / S`` and ``demand_share = e_i / E`` (both sum to 1 over the clusters of a region);
- ``demand_equivalent = demand_share × S``: the students cluster ``i`` would have if the supply mix
  matched the demand mix;
- ``gap = demand_equivalent − s_i`` (positive: fewer students than the jobs suggest);
- ``ratio = s_i / demand_equivalent`` (``<NA>`` when demand_equivalent is 0; 1 = in proportion).

Supply counts, ``employment`` and ``demand_equivalent`` are extensive; shares, ``ratio``, ``lq``,
growth and pay are intensive (taken from ``demand``, which recomputes them from sums).

>>> supply = pd.DataFrame({"region_id": ["r", "r"], "year": [2024, 2024], "cluster_code": ["A", "B"],
...     "completers": [30, 10], "suppressed": [False, False]})
>>> demand = pd.DataFrame({"region_id": ["r", "r"], "year": [2024, 2024], "cluster_code": ["A", "B"],
...     "employment": [500.0, 1500.0], "lq": [1.0, 1.0], "growth_1yr": [0.0, 0.0],
...     "avg_annual_pay_usd": [50000.0, 60000.0]})
>>> clusters = pd.DataFrame({"cluster_code": ["A", "B"], "cluster_name": ["Alpha", "Beta"]})
>>> regions = pd.DataFrame({"county_fips": ["41001"], "region_id": ["r"], "region_name": ["R"]})
>>> a = align(supply, demand, clusters, regions, 2024)
>>> a[["cluster_code", "demand_equivalent", "gap", "ratio"]].values.tolist()
[['A', 10.0, -20.0, 3.0], ['B', 30.0, 20.0, 0.3333333333333333]]
>>> float(dissimilarity(a)["dissimilarity"].iloc[0])
0.5
"""

from __future__ import annotations

import pandas as pd

__all__ = ["ALIGNMENT_COLUMNS", "align", "dissimilarity"]

ALIGNMENT_COLUMNS = [
    "region_id",
    "region_name",
    "year",
    "demand_year",
    "framework",
    "cluster_code",
    "cluster_name",
    "supply_measure",
    "supply",
    "supply_share",
    "employment",
    "demand_share",
    "lq",
    "demand_equivalent",
    "gap",
    "ratio",
    "growth_1yr",
    "avg_annual_pay_usd",
    "suppressed",
]


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    num = pd.Series(num, dtype="Float64")
    den = pd.Series(den, dtype="Float64")
    return (num / den).mask((den == 0).fillna(True).astype(bool))


def align(
    supply: pd.DataFrame,
    demand: pd.DataFrame,
    clusters: pd.DataFrame,
    regions: pd.DataFrame,
    year: int,
    measure: str = "completers",
    demand_year: int | None = None,
) -> pd.DataFrame:
    """Supply against demand for ``year``, one row per region × cluster of the framework.

    ``demand_year`` (default ``year``) takes industry demand from another year, for when the latest
    industry data is older than the latest enrollment; the output's ``year`` is the supply year and
    ``demand_year`` records the demand's.

    Every cluster of ``clusters`` appears in every region of ``regions``, also with no programs (supply
    0) or no mapped employment (employment 0, lq <NA>). A suppressed supply cell with no known count has
    ``supply = <NA>`` and is left out of ``S``; ``suppressed`` is True when the cell's supply count is
    incomplete (any program under it was suppressed or missing). See the module docstring for formulas.
    """
    cl = clusters.copy()
    frameworks = [f for f in (_single(supply, "framework"), _single(demand, "framework")) if f]
    framework = frameworks[0] if frameworks else _single(cl, "framework")
    if "framework" in cl.columns and framework is not None and (cl["framework"] == framework).any():
        cl = cl[cl["framework"] == framework]
    cl = cl.drop_duplicates("cluster_code")[["cluster_code", "cluster_name"]]
    reg = regions.drop_duplicates("region_id")
    reg = (
        reg[["region_id", "region_name"]]
        if "region_name" in reg.columns
        else reg[["region_id"]].assign(region_name=reg["region_id"])
    )
    grid = reg.merge(cl, how="cross")

    s = supply[supply["year"] == year]
    s = s.groupby(["region_id", "cluster_code"], as_index=False).agg(
        supply=(measure, lambda x: x.sum(min_count=1)), suppressed=("suppressed", "any")
    )
    d_year = year if demand_year is None else demand_year
    d = demand[(demand["year"] == d_year) & demand["cluster_code"].notna()]
    dcols = ["region_id", "cluster_code", "employment", "lq", "growth_1yr", "avg_annual_pay_usd"]
    d = d[[c for c in dcols if c in d.columns]]
    out = grid.merge(s, on=["region_id", "cluster_code"], how="left").merge(
        d, on=["region_id", "cluster_code"], how="left"
    )
    no_programs = out["suppressed"].isna()
    out["supply"] = pd.to_numeric(out["supply"]).astype("Float64")
    out.loc[no_programs, "supply"] = 0.0
    out["suppressed"] = out["suppressed"].fillna(False).astype(bool)
    out["employment"] = pd.to_numeric(out["employment"]).astype("Float64").fillna(0.0)
    for c in ("lq", "growth_1yr", "avg_annual_pay_usd"):
        out[c] = pd.to_numeric(out[c]).astype("Float64") if c in out.columns else pd.NA

    total_s = out.groupby("region_id")["supply"].transform("sum")
    total_e = out.groupby("region_id")["employment"].transform("sum")
    out["supply_share"] = _ratio(out["supply"], total_s)
    out["demand_share"] = _ratio(out["employment"], total_e)
    out["demand_equivalent"] = out["demand_share"] * total_s
    out["gap"] = out["demand_equivalent"] - out["supply"]
    out["ratio"] = _ratio(out["supply"], out["demand_equivalent"])
    out["year"] = int(year)
    out["demand_year"] = int(d_year)
    out["framework"] = framework
    out["supply_measure"] = measure
    out = out.astype(
        {
            "region_id": "string",
            "region_name": "string",
            "framework": "string",
            "cluster_code": "string",
            "cluster_name": "string",
            "supply_measure": "string",
            "year": "int64",
            "demand_year": "int64",
        }
    )
    out = out.sort_values(["region_id", "cluster_code"], kind="mergesort").reset_index(drop=True)
    return out[ALIGNMENT_COLUMNS]


def _single(df: pd.DataFrame, col: str) -> str | None:
    if col not in df.columns:
        return None
    vals = df[col].dropna().unique()
    return str(vals[0]) if len(vals) == 1 else None


def dissimilarity(alignment: pd.DataFrame) -> pd.DataFrame:
    """Index of dissimilarity per region × year: ``D = ½ Σ_i |s_i/S − d_i/D|`` (Duncan & Duncan 1955).

    0 when the supply mix equals the demand mix, 1 when they are disjoint; it is the share of students who
    would have to change cluster for the mixes to match. Uses the table's ``supply_share`` and
    ``demand_share`` (a suppressed cell with no count counts as share 0); ``<NA>`` for a region with no
    students or no employment.
    """
    a = alignment.copy()
    a["_diff"] = (a["supply_share"].fillna(0) - a["demand_share"].fillna(0)).abs()
    g = a.groupby(["region_id", "year"], as_index=False, sort=True)
    out = g.agg(
        dissimilarity=("_diff", "sum"),
        _s=("supply_share", lambda x: x.notna().any()),
        _d=("demand_share", lambda x: x.notna().any()),
    )
    out["dissimilarity"] = (out["dissimilarity"] / 2).astype("Float64").where(out["_s"] & out["_d"])
    return out[["region_id", "year", "dissimilarity"]].reset_index(drop=True)
