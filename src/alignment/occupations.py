"""The occupation side of demand: programs → occupations, occupations → clusters, openings and wages by region.

Pure functions on DataFrames (formulas in ``docs/occupations.md``):

- :func:`allocate_programs_to_socs` — program × linked SOC with a ``weight`` (modes ``duplicate``, ``equal``,
  ``weighted``);
- :func:`soc_cluster_map` — an SOC → Career Cluster table with a ``share`` per SOC (rank-1 or share-weighted)
  from the Advance CTE long crosswalk or an O*NET-style table;
- :func:`openings_by_area` — annual openings per area × SOC from state projections (``state_projection``) or
  national Table 1.10 scaled by the area's share of national OEWS employment (``estimated``);
- :func:`occupation_demand_by_region` — region × cluster: occupation employment, openings, a median-wage
  proxy and the share of openings paying at least the family-supporting wage.

Suppressed OEWS employment (``<NA>``) is never read as 0: it is counted in ``n_suppressed`` and leaves the
sums it would have entered.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from .codes import normalize_soc_series
from .constants import HOURS_PER_YEAR, NATION_OEWS_AREA
from .errors import InputError, Problem
from .reference import load_clusters

__all__ = [
    "ALLOCATION_MODES",
    "DEMAND_COLUMNS",
    "HOURS_PER_YEAR",
    "NATION_OEWS_AREA",
    "allocate_programs_to_socs",
    "occupation_demand_by_region",
    "openings_by_area",
    "region_occupations",
    "soc_cluster_map",
    "weighted_median",
]

ALLOCATION_MODES = ("duplicate", "equal", "weighted")
COUNT_COLUMNS = ("enrolled", "concentrators", "completers")
DEMAND_COLUMNS = [
    "region_id",
    "framework",
    "cluster_code",
    "occupation_employment",
    "openings_annual",
    "openings_source",
    "wage_median_annual_usd",
    "share_openings_family_wage",
    "n_occupations",
    "n_suppressed",
    "n_without_openings",
]


def _table_problem(name: str, message: str) -> InputError:
    return InputError([Problem(name, None, None, message)])


def _require(df: pd.DataFrame, name: str, columns: Iterable[str]) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise _table_problem(
            name, f"missing column(s) {', '.join(missing)}; columns found: {', '.join(df.columns)}"
        )


# ---------------------------------------------------------------------------------- programs → SOCs


def allocate_programs_to_socs(
    programs: pd.DataFrame,
    cip_soc: pd.DataFrame,
    mode: str = "weighted",
    occ_employment: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Each program × each SOC its CIP links to, with the program's ``weight`` on that SOC.

    With ``k`` linked SOCs: ``duplicate`` gives every SOC weight 1 (the program counts in full for each);
    ``equal`` gives 1/k; ``weighted`` gives ``w_s = (m/k) · E_s / Σ_known E`` to the ``m`` SOCs whose
    employment ``E_s`` in the program's region is known (``occ_employment``: ``soc``, ``employment`` and
    ``region_id`` when the programs have one) and ``1/k`` to each SOC whose employment is missing or
    suppressed — so a suppressed occupation is never weighted as 0, the weights sum to 1, and with no
    employment known at all the split is equal. ``weight_basis`` says which rule applied (``duplicate``,
    ``equal``, ``employment``, ``employment+equal``, ``equal (no employment)``). Count columns present
    (enrolled, concentrators, completers) get a ``<count>_allocated`` twin = count × weight. A program whose
    CIP links to no SOC keeps one row with ``soc`` ``<NA>``, ``n_socs`` 0 and ``weight_basis``
    ``no linked occupation``.

    >>> p = pd.DataFrame({"institution": ["A"], "region_id": ["r"], "cip": ["51.3801"], "completers": [30]})
    >>> links = pd.DataFrame({"cip": ["51.3801", "51.3801"], "soc": ["29-1141", "29-1171"]})
    >>> emp = pd.DataFrame({"region_id": ["r", "r"], "soc": ["29-1141", "29-1171"], "employment": [900.0, 100.0]})
    >>> allocate_programs_to_socs(p, links, "weighted", emp)[["soc", "weight", "completers_allocated"]]
           soc  weight  completers_allocated
    0  29-1141     0.9                  27.0
    1  29-1171     0.1                   3.0
    """
    if mode not in ALLOCATION_MODES:
        raise _table_problem(
            "config", f"allocation mode {mode!r} is not one of {', '.join(ALLOCATION_MODES)}"
        )
    _require(programs, "programs", ["cip"])
    _require(cip_soc, "cip_soc", ["cip", "soc"])
    links = cip_soc[["cip", "soc"]].astype("string").dropna().drop_duplicates()
    prog = programs.reset_index(drop=True).copy()
    prog["_program"] = np.arange(len(prog))
    long = prog.merge(links, on="cip", how="left", sort=False)
    long["n_socs"] = long.groupby("_program")["soc"].transform("count").astype("Int64")
    k = long["n_socs"].astype("Float64")
    if mode == "duplicate":
        weight = pd.Series(1.0, index=long.index, dtype="Float64")
        basis = pd.Series("duplicate", index=long.index, dtype="string")
    elif mode == "equal":
        weight = 1.0 / k
        basis = pd.Series("equal", index=long.index, dtype="string")
    else:
        if occ_employment is None:
            raise _table_problem("config", "allocation mode 'weighted' needs the occupation employment table")
        keys = ["region_id", "soc"] if "region_id" in prog and "region_id" in occ_employment else ["soc"]
        _require(occ_employment, "occupation employment", [*keys, "employment"])
        emp = occ_employment[[*keys, "employment"]].copy()
        emp["employment"] = pd.to_numeric(emp["employment"]).astype("Float64")
        emp = emp.groupby(keys, dropna=False, as_index=False)["employment"].sum(min_count=1)
        e = long[[*keys]].merge(emp, on=keys, how="left")["employment"].to_numpy()
        e = pd.Series(e, index=long.index, dtype="Float64")
        e = e.mask(e <= 0)  # a zero cannot carry a share; treated like a missing figure
        known = e.notna()
        m = known.groupby(long["_program"]).transform("sum").astype("Float64")
        total = e.groupby(long["_program"]).transform("sum").astype("Float64")
        weight = ((m / k) * e / total).where(known, 1.0 / k)
        basis = pd.Series("employment+equal", index=long.index, dtype="string")
        basis = basis.mask(m == k, "employment").mask(m == 0, "equal (no employment)")
    none = long["soc"].isna()
    long["weight"] = weight.mask(none).astype("Float64")
    long["allocation_mode"] = mode
    long["weight_basis"] = basis.mask(none, "no linked occupation").astype("string")
    for c in COUNT_COLUMNS:
        if c in long.columns:
            long[f"{c}_allocated"] = pd.to_numeric(long[c]).astype("Float64") * long["weight"]
    return long.drop(columns="_program").reset_index(drop=True)


# ---------------------------------------------------------------------------------- SOC → clusters


def _name_key(name: object) -> str:
    """A cluster name reduced for matching: ``&`` as ``and``, letters and digits only.

    >>> _name_key("Agriculture, Food & Natural Resources") == _name_key("Agriculture, Food and Natural Resources")
    True
    """
    return re.sub(r"[^a-z0-9]", "", str(name).casefold().replace("&", "and"))


def soc_cluster_map(
    crosswalk: pd.DataFrame, method: str = "primary", framework: str | None = None
) -> pd.DataFrame:
    """SOC → Career Cluster with a ``share`` per SOC (shares sum to 1 per SOC).

    ``crosswalk`` has ``soc`` and either ``cluster_code`` or ``cluster_name`` (matched to the built-in
    cluster names of ``framework``), plus ``rank`` (Advance CTE long layout, 1 = primary) or ``share``
    (O*NET-style table; several O*NET-SOC codes of one SOC add up).

    - ``method="primary"``: one cluster per SOC with share 1 — the rank-1 row, or the cluster with the
      largest share (ties: the first cluster code);
    - ``method="split"``: every cluster of the SOC — shares normalized to sum to 1, or, for a rank-only
      table, ``1/n`` over its ``n`` distinct clusters.

    Returns soc, framework, cluster_code, share, rule (``primary`` / ``split``).

    >>> x = pd.DataFrame({"soc": ["29-1141", "29-1141"], "cluster_code": ["healthcare-human-services",
    ...     "education"], "rank": [1, 2]})
    >>> soc_cluster_map(x, "split", framework="2024")[["cluster_code", "share"]]
                    cluster_code  share
    0                  education    0.5
    1  healthcare-human-services    0.5
    """
    if method not in ("primary", "split"):
        raise _table_problem("config", f"SOC-cluster method {method!r} is not 'primary' or 'split'")
    _require(crosswalk, "SOC-cluster crosswalk", ["soc"])
    x = crosswalk.copy()
    x["soc"] = normalize_soc_series(x["soc"].astype("string"))
    x = x[x["soc"].notna()]
    if framework is None:
        frameworks = sorted(set(x["framework"].dropna().astype(str))) if "framework" in x else []
        framework = frameworks[0] if len(frameworks) == 1 else None
    if "cluster_code" not in x.columns:
        if "cluster_name" not in x.columns:
            raise _table_problem("SOC-cluster crosswalk", "needs a cluster_code or a cluster_name column")
        x["cluster_code"], framework = _codes_from_names(x["cluster_name"], framework)
    if "framework" in x and framework is not None:
        x = x[x["framework"].astype("string").fillna(framework) == framework]
    x["framework"] = framework
    x = x.dropna(subset=["cluster_code"])
    if "share" in x.columns:
        x["share"] = pd.to_numeric(x["share"]).astype("Float64").fillna(0.0)
        x = x.groupby(["soc", "framework", "cluster_code"], as_index=False)["share"].sum()
        if method == "primary":
            x = x.sort_values(["soc", "share", "cluster_code"], ascending=[True, False, True], kind="stable")
            x = x.drop_duplicates("soc").assign(share=1.0)
        else:
            total = x.groupby("soc")["share"].transform("sum")
            x = x[total > 0].assign(share=x["share"] / total)
    elif "rank" in x.columns:
        x["rank"] = pd.to_numeric(x["rank"]).astype("Float64")
        if method == "primary":
            x = x.sort_values(["soc", "rank", "cluster_code"], kind="stable").drop_duplicates("soc")
            x = x.assign(share=1.0)
        else:
            x = x.drop_duplicates(["soc", "cluster_code"])
            x = x.assign(share=1.0 / x.groupby("soc")["cluster_code"].transform("size"))
    else:
        x = x.drop_duplicates(["soc", "cluster_code"])
        if method == "primary" and x["soc"].duplicated().any():
            dup = x.loc[x["soc"].duplicated(), "soc"].iloc[0]
            raise _table_problem(
                "SOC-cluster crosswalk",
                f"SOC {dup} has several clusters and no rank or share column to pick one",
            )
        x = x.assign(share=1.0 / x.groupby("soc")["cluster_code"].transform("size"))
    out = x[["soc", "framework", "cluster_code", "share"]].assign(rule=method)
    out = out.sort_values(["soc", "cluster_code"], kind="stable").reset_index(drop=True)
    return out.astype({"soc": "string", "framework": "string", "cluster_code": "string", "share": "Float64",
                       "rule": "string"})  # fmt: skip


def _codes_from_names(names: pd.Series, framework: str | None) -> tuple[pd.Series, str]:
    """Cluster codes for cluster names, trying ``framework`` or else the framework that matches most names."""
    keys = names.map(_name_key)
    best: tuple[int, str, pd.Series] | None = None
    for fw in [framework] if framework else ["legacy", "2024"]:
        table = load_clusters(fw)
        lookup = dict(zip(table["cluster_name"].map(_name_key), table["cluster_code"], strict=True))
        codes = keys.map(lookup).astype("string")
        hits = int(codes.notna().sum())
        if best is None or hits > best[0]:
            best = (hits, fw, codes)
    assert best is not None
    _, fw, codes = best
    unknown = sorted(set(names[codes.isna() & names.notna()].astype(str)))
    if unknown:
        raise _table_problem(
            "SOC-cluster crosswalk",
            f"unknown {fw} Career Cluster name(s): {', '.join(map(repr, unknown[:10]))}",
        )
    return codes, fw


# ---------------------------------------------------------------------------------- openings


def projections_reference(projections: pd.DataFrame) -> pd.DataFrame:
    """The national employment of each occupation in the projections (all workers, self-employed included), in
    the shape of an OEWS reference (area ``99``): openings scale by it when a region's employment is made by
    staffing pattern, so openings per job are the projections' own rate, O_US,s / E_US,s.

    >>> p = pd.DataFrame({"area_type": ["nation"], "soc": ["29-1141"], "employment_base": [3_391_000.0]})
    >>> projections_reference(p)[["area_code", "soc", "employment"]].to_dict("records")
    [{'area_code': '99', 'soc': '29-1141', 'employment': 3391000.0}]
    """
    nation = projections[projections["area_type"] == "nation"].drop_duplicates("soc")
    return pd.DataFrame(
        {
            "area_code": NATION_OEWS_AREA,
            "soc": nation["soc"].astype("string").to_numpy(),
            "employment": pd.to_numeric(nation["employment_base"]).astype("Float64").to_numpy(),
        }
    )


def _oews_rows(oews: pd.DataFrame, detailed_only: bool = True) -> pd.DataFrame:
    """One OEWS row per area × SOC: cross-industry, all owners first, the latest year; detailed SOCs."""
    o = oews
    if "naics" in o.columns and (o["naics"] == "000000").any():
        o = o[o["naics"] == "000000"]
    if "year" in o.columns and len(o):
        o = o[o["year"] == o["year"].max()]
    if detailed_only and "o_group" in o.columns:
        o = o[o["o_group"] == "detailed"]
    o = o.assign(_owner=(o["own_code"].astype("string") != "1235").astype(int) if "own_code" in o else 0)
    o = o.sort_values(["_owner"], kind="stable").drop_duplicates(["area_code", "soc"])
    return o.drop(columns="_owner")


def openings_by_area(
    projections: pd.DataFrame, area_employment: pd.DataFrame, oews_reference: pd.DataFrame
) -> pd.DataFrame:
    """Annual openings per area × SOC, from state projections when they cover the area's state.

    ``area_employment``: area_id, soc, employment (``<NA>`` = suppressed), and ``state_fips`` (optional).
    ``oews_reference``: the OEWS table (``read_oews``) holding the nation (area ``99``) and, for states with
    projections, the state (area code = state FIPS).

    For an area in state ``S`` and an occupation ``s``:

    - if ``projections`` has a state row (``area_type == "state"``) for ``S`` and ``s`` and OEWS has the
      state's employment ``E_S,s``: ``openings = O_S,s · E_area,s / E_S,s``, ``openings_source =
      "state_projection"`` (the area is the state itself: share 1, the published figure);
    - else, from the national rows: ``openings = O_US,s · E_area,s / E_US,s``, ``openings_source =
      "estimated"``;
    - ``exits_annual`` and ``transfers_annual`` are scaled the same way. A suppressed ``E_area,s`` gives
      ``<NA>`` openings (``area_share`` ``<NA>``); an SOC with no projection row gets ``openings_source``
      ``<NA>``.

    Returns area_id, soc, employment, state_fips, projection_area, reference_employment, area_share,
    exits_annual, transfers_annual, openings_annual, openings_source, base_year, proj_year.
    """
    _require(area_employment, "area employment", ["area_id", "soc", "employment"])
    _require(projections, "projections", ["area_code", "area_type", "soc", "openings_annual"])
    area = area_employment.copy()
    if "state_fips" not in area:
        area["state_fips"] = pd.NA
    area["state_fips"] = area["state_fips"].astype("string")
    area["employment"] = pd.to_numeric(area["employment"]).astype("Float64")
    ref = _oews_rows(oews_reference, detailed_only=False)[["area_code", "soc", "employment"]]
    ref = ref.assign(area_code=ref["area_code"].astype("string"), soc=ref["soc"].astype("string"))
    proj = projections.copy()
    if "state_fips" not in proj:
        proj["state_fips"] = pd.NA
    cols = [
        "soc",
        "area_code",
        "exits_annual",
        "transfers_annual",
        "openings_annual",
        "base_year",
        "proj_year",
    ]
    for c in cols:
        if c not in proj:
            proj[c] = pd.NA

    state = proj[proj["area_type"] == "state"].assign(_key=lambda d: d["state_fips"].astype("string"))
    state = state.merge(
        ref.rename(columns={"area_code": "_key", "employment": "reference_employment"}),
        on=["_key", "soc"],
        how="left",
    )
    state = state[state["reference_employment"].notna()]
    state = state[[*cols, "_key", "reference_employment"]].rename(columns={"_key": "state_fips"})
    nation = proj[proj["area_type"] == "nation"][cols].merge(
        ref[ref["area_code"] == NATION_OEWS_AREA][["soc", "employment"]].rename(
            columns={"employment": "reference_employment"}
        ),
        on="soc",
        how="left",
    )
    by_state = area.merge(state, on=["state_fips", "soc"], how="left")
    has_state = by_state["openings_annual"].notna().to_numpy()
    by_nation = area.merge(nation, on="soc", how="left")
    out = by_nation.copy()
    for c in [*cols[1:], "reference_employment"]:
        out[c] = by_state[c].where(has_state, by_nation[c]) if c in by_state else by_nation[c]
    out["openings_source"] = np.where(has_state, "state_projection", "estimated")
    out["openings_source"] = out["openings_source"].where(out["openings_annual"].notna().to_numpy(), pd.NA)
    ref_emp = pd.to_numeric(out["reference_employment"]).astype("Float64")
    share = out["employment"] / ref_emp.mask(ref_emp == 0)
    out["area_share"] = share
    for c in ("exits_annual", "transfers_annual", "openings_annual"):
        out[c] = pd.to_numeric(out[c]).astype("Float64") * share
    out = out.rename(columns={"area_code": "projection_area"})
    keep = ["area_id", "soc", "employment", "state_fips", "projection_area", "reference_employment", "area_share",
            "exits_annual", "transfers_annual", "openings_annual", "openings_source", "base_year", "proj_year"]  # fmt: skip
    out = out[keep].astype({"openings_source": "string", "projection_area": "string",
                            "reference_employment": "Float64", "base_year": "Int64", "proj_year": "Int64"})  # fmt: skip
    return out.reset_index(drop=True)


# ---------------------------------------------------------------------------------- regions × clusters


def weighted_median(values: Iterable[float], weights: Iterable[float]) -> float:
    """The weighted median: the smallest value whose cumulative weight reaches half of the total weight.

    ``inf`` values (top-coded wages) rank above every number; a median that lands on one is ``nan``.

    >>> weighted_median([30_000, 50_000, 90_000], [10, 10, 30])
    90000.0
    >>> weighted_median([30_000, 50_000, 90_000], [25, 10, 15])
    30000.0
    """
    v = np.asarray(list(values), dtype=float)
    w = np.asarray(list(weights), dtype=float)
    ok = ~np.isnan(v) & ~np.isnan(w) & (w > 0)
    v, w = v[ok], w[ok]
    if not len(v):
        return float("nan")
    order = np.argsort(v, kind="stable")
    v, w = v[order], w[order]
    hit = v[np.searchsorted(np.cumsum(w), w.sum() / 2.0, side="left")]
    return float("nan") if np.isinf(hit) else float(hit)


def region_occupations(regions_oews: pd.DataFrame, oews: pd.DataFrame) -> pd.DataFrame:
    """Region × SOC occupation employment and wages from the OEWS areas of each region's counties.

    ``regions_oews``: county_fips, region_id, oews_area, and optionally ``weight`` (the county's share of
    its OEWS area's employment). Without weights each distinct OEWS area of a region counts once in full.
    ``employment = Σ_area weight · E_area,s`` (``<NA>`` — suppressed — when any contributing area has the
    SOC with ``<NA>`` employment); the wages are the employment-weighted mean of the areas' medians (the
    single area's median when the region lies in one OEWS area); hourly-only occupations get
    hourly × 2080 as the annual figure; ``top_coded`` is true when the wage is OEWS ``#``. The entry wages
    ``wage_p10_hourly_usd`` and ``wage_p25_hourly_usd`` (the 10th and 25th percentiles, annual ÷ 2080) are
    weighted the same way; ``wage_area_level`` says where the wages come from: ``region`` (the region's own
    metropolitan or nonmetropolitan OEWS areas), ``state`` or ``nation``.
    """
    _require(regions_oews, "regions", ["county_fips", "region_id", "oews_area"])
    r = regions_oews.dropna(subset=["oews_area"]).copy()
    r["oews_area"] = r["oews_area"].astype("string")
    if "weight" in r.columns:
        r["weight"] = pd.to_numeric(r["weight"]).astype("Float64")
        w = r.groupby(["region_id", "oews_area"], as_index=False)["weight"].sum()
    else:
        w = r.drop_duplicates(["region_id", "oews_area"])[["region_id", "oews_area"]].assign(weight=1.0)
    r_state = r.assign(state_fips=r["county_fips"].astype("string").str[:2])
    states = r_state.groupby("region_id")["state_fips"].agg(lambda s: s.mode().iat[0]).rename("state_fips")
    o = _oews_rows(oews)
    o = o.assign(area_code=o["area_code"].astype("string"))
    annual = pd.to_numeric(o["wage_median_annual_usd"]).astype("Float64")
    hourly = pd.to_numeric(o["wage_median_hourly_usd"]).astype("Float64")
    hourly_only = o["hourly_only"].astype(bool) if "hourly_only" in o else False
    annual = annual.fillna((hourly * HOURS_PER_YEAR).where(hourly_only))
    hourly = hourly.fillna(annual / HOURS_PER_YEAR)
    top = (o["wage_flag"].astype("string") == "top_coded").fillna(False).astype(bool)
    cols = ["area_code", "soc", "employment"]
    entry = {
        f"p{p}": pd.to_numeric(o[f"wage_p{p}_annual_usd"]).astype("Float64") / HOURS_PER_YEAR
        if f"wage_p{p}_annual_usd" in o
        else pd.Series(pd.NA, index=o.index, dtype="Float64")
        for p in (10, 25)
    }
    o = o[cols].assign(annual=annual, hourly=hourly, top=top, occ_title=o.get("occ_title"), **entry)
    m = w.merge(o, left_on="oews_area", right_on="area_code", how="inner")
    m["employment"] = pd.to_numeric(m["employment"]).astype("Float64")
    m["e"] = m["weight"] * m["employment"]
    rows = []
    for (region, soc), g in m.groupby(["region_id", "soc"], sort=True):
        suppressed = bool(g["employment"].isna().any())
        emp = pd.NA if suppressed else float(g["e"].sum())
        a, h = _weighted_wage(g, "annual"), _weighted_wage(g, "hourly")
        p10, p25 = _weighted_wage(g, "p10"), _weighted_wage(g, "p25")
        level = _wage_area_level(g["oews_area"])
        rows.append(
            (
                region,
                soc,
                emp,
                suppressed,
                a,
                h,
                p10,
                p25,
                level,
                bool(g["top"].all()),
                g["occ_title"].iloc[0],
            )
        )
    out = pd.DataFrame(
        rows,
        columns=["region_id", "soc", "employment", "suppressed", "wage_median_annual_usd", "wage_median_hourly_usd",
                 "wage_p10_hourly_usd", "wage_p25_hourly_usd", "wage_area_level", "top_coded", "occ_title"],
    )  # fmt: skip
    out = out.merge(states, left_on="region_id", right_index=True, how="left")
    return out.astype({"employment": "Float64", "wage_median_annual_usd": "Float64",
                       "wage_median_hourly_usd": "Float64", "wage_p10_hourly_usd": "Float64",
                       "wage_p25_hourly_usd": "Float64", "wage_area_level": "string", "soc": "string",
                       "state_fips": "string"})  # fmt: skip


def _weighted_wage(g: pd.DataFrame, column: str) -> float:
    """One wage of a region × SOC from its OEWS areas: the employment-weighted mean (plain mean when an
    area's employment is unknown; the single area's value when there is one)."""
    wages = g[g[column].notna()]
    if len(wages) == 1 or (len(wages) and wages["e"].isna().any()):
        return float(wages[column].astype("float64").mean())
    if len(wages) and wages["e"].sum() > 0:
        return float((wages[column] * wages["e"]).sum() / wages["e"].sum())
    return np.nan


def _wage_area_level(areas: pd.Series) -> str:
    """``nation`` (area 99), ``state`` (a two-digit state code) or ``region`` (metro / nonmetro areas);
    a region standing on several kinds is named by the widest."""
    codes = set(areas.astype(str))
    if NATION_OEWS_AREA in codes:
        return "nation"
    if any(len(c) == 2 for c in codes):
        return "state"
    return "region"


def occupation_demand_by_region(
    regions_oews: pd.DataFrame,
    oews: pd.DataFrame,
    projections: pd.DataFrame,
    soc_cluster: pd.DataFrame,
    family_wage: pd.DataFrame,
    occupations: pd.DataFrame | None = None,
    openings_reference: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Region × cluster demand by occupation (columns :data:`DEMAND_COLUMNS`).

    ``occupations``: the region × SOC table when already made (another employment method, such as the
    staffing pattern); by default :func:`region_occupations` of ``regions_oews``. ``openings_reference``: the
    national employment openings are scaled by (:func:`openings_by_area`'s ``oews_reference``; default ``oews``).

    Per region ``r`` and cluster ``c``, over the detailed OEWS occupations ``s`` of the region (from
    :func:`region_occupations`) with SOC→cluster shares ``a_s,c`` (:func:`soc_cluster_map`):

    - ``occupation_employment = Σ a_s,c · E_r,s`` over occupations with known employment;
    - ``openings_annual = Σ a_s,c · O_r,s`` with ``O_r,s`` from :func:`openings_by_area`;
      ``openings_source`` is ``state_projection``, ``estimated``, or ``mixed`` when both occur in the cell;
    - ``wage_median_annual_usd``: the weighted median (:func:`weighted_median`) of the occupations' median
      annual wages, weights ``a_s,c · E_r,s`` (top-coded wages rank highest; ``<NA>`` if the median is one);
    - ``share_openings_family_wage = Σ a·O [hourly median ≥ family wage] / Σ a·O``, over occupations with
      known openings and a known (or top-coded) hourly median;
    - ``n_occupations``: occupations of the cell; ``n_suppressed``: of them, with suppressed employment
      (left out of the sums, never taken as 0); ``n_without_openings``: with no openings figure.
    """
    _require(family_wage, "family_wage", ["region_id", "wage_hourly_usd"])
    occ = region_occupations(regions_oews, oews) if occupations is None else occupations
    occ = occ.drop(columns=[c for c in ("openings_annual", "openings_source") if c in occ.columns])
    area = occ.rename(columns={"region_id": "area_id"})[["area_id", "soc", "employment", "state_fips"]]
    openings = openings_by_area(projections, area, oews if openings_reference is None else openings_reference)
    occ = occ.merge(
        openings[["area_id", "soc", "openings_annual", "openings_source"]].rename(
            columns={"area_id": "region_id"}
        ),
        on=["region_id", "soc"],
        how="left",
    )
    occ = occ.merge(soc_cluster[["soc", "framework", "cluster_code", "share"]], on="soc", how="inner")
    fw = family_wage[["region_id", "wage_hourly_usd"]].rename(columns={"wage_hourly_usd": "_family"})
    occ = occ.merge(fw, on="region_id", how="left")
    rows = []
    for (region, framework, cluster), g in occ.groupby(["region_id", "framework", "cluster_code"], sort=True):
        a = g["share"].astype(float)
        emp = g["employment"].astype("Float64")
        opn = g["openings_annual"].astype("Float64")
        known_emp = emp.notna()
        wage = g["wage_median_annual_usd"].astype("Float64").astype(float).to_numpy()
        wage = np.where(g["top_coded"].to_numpy(), np.inf, wage)
        median = weighted_median(wage[known_emp.to_numpy()], (a * emp.astype(float))[known_emp].to_numpy())
        hourly = g["wage_median_hourly_usd"].astype("Float64")
        family = g["_family"].astype("Float64")
        rated = opn.notna() & (hourly.notna() | g["top_coded"]) & family.notna()
        above = (g["top_coded"] | (hourly >= family).fillna(False)).astype(bool)
        denom = float((a * opn.astype(float))[rated].sum())
        numer = float((a * opn.astype(float))[rated & above].sum())
        sources = set(g["openings_source"].dropna())
        rows.append(
            (
                region,
                framework,
                cluster,
                float((a * emp.astype(float))[known_emp].sum()),
                float((a * opn.astype(float))[opn.notna()].sum()) if opn.notna().any() else np.nan,
                sources.pop() if len(sources) == 1 else ("mixed" if sources else pd.NA),
                median,
                numer / denom if denom > 0 else np.nan,
                len(g),
                int((~known_emp).sum()),
                int(opn.isna().sum()),
            )
        )
    out = pd.DataFrame(rows, columns=DEMAND_COLUMNS)
    return out.astype(
        {
            "region_id": "string",
            "framework": "string",
            "cluster_code": "string",
            "occupation_employment": "Float64",
            "openings_annual": "Float64",
            "openings_source": "string",
            "wage_median_annual_usd": "Float64",
            "share_openings_family_wage": "Float64",
            "n_occupations": "Int64",
            "n_suppressed": "Int64",
            "n_without_openings": "Int64",
        }
    )


# ---------------------------------------------------------------------------------- programs × tests

PROGRAM_TESTS = ("high_wage", "in_demand", "high_skill", "hshwid")


def program_test_shares(links: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per program (``keys``): its linked occupations and the share of its allocation meeting each test.

    ``links`` is :func:`allocate_programs_to_socs` output joined with the region's occupation table
    (``openings_annual`` and the nullable booleans of :data:`PROGRAM_TESTS`). ``share_<test>`` =
    ``Σ w [test] / Σ w`` over the linked occupations whose test result and weight are known (``<NA>`` when
    none is); ``openings_linked`` sums the linked occupations' openings; ``socs_linked`` lists them.

    >>> links = pd.DataFrame({"p": ["a", "a", "b"], "soc": ["11-1011", "29-1141", pd.NA],
    ...     "weight": [0.25, 0.75, pd.NA], "openings_annual": [10.0, 30.0, pd.NA],
    ...     "high_wage": pd.array([True, False, pd.NA], dtype="boolean"),
    ...     "in_demand": pd.array([pd.NA, True, pd.NA], dtype="boolean"),
    ...     "high_skill": pd.array([True, True, pd.NA], dtype="boolean"),
    ...     "hshwid": pd.array([True, True, pd.NA], dtype="boolean")})
    >>> out = program_test_shares(links, ["p"])
    >>> out[["p", "n_socs", "socs_linked", "openings_linked", "share_high_wage", "share_in_demand"]].values.tolist()
    [['a', 2, '11-1011 29-1141', 40.0, 0.25, 1.0], ['b', 0, '', <NA>, <NA>, <NA>]]
    """
    d = links[[*keys, "soc", "weight", "openings_annual", *PROGRAM_TESTS]].copy()
    d = d.sort_values("soc", kind="mergesort", na_position="last")
    w = pd.to_numeric(d["weight"]).astype("float64")
    cols: dict[str, pd.Series] = {
        "_has": d["soc"].notna(),
        "_soc": d["soc"].astype("string").fillna(""),
        "_open": pd.to_numeric(d["openings_annual"]).astype("float64"),
    }
    for t in PROGRAM_TESTS:
        known = d[t].notna().to_numpy() & w.notna().to_numpy()
        cols[f"_known_{t}"] = pd.Series(np.where(known, w, 0.0), index=d.index)
        cols[f"_yes_{t}"] = pd.Series(
            np.where(known & d[t].fillna(False).to_numpy(bool), w, 0.0), index=d.index
        )
    g = pd.DataFrame(cols).assign(**{k: d[k] for k in keys}).groupby(keys, sort=True, dropna=False)
    out = g.agg(n_socs=("_has", "sum"), socs_linked=("_soc", lambda x: " ".join(v for v in x if v)))
    out["openings_linked"] = g["_open"].sum(min_count=1).astype("Float64")
    out.loc[out["n_socs"] == 0, "openings_linked"] = pd.NA
    for t in PROGRAM_TESTS:
        total = g[f"_known_{t}"].sum()
        out[f"share_{t}"] = (g[f"_yes_{t}"].sum() / total.where(total > 0)).astype("Float64")
    out["n_socs"] = out["n_socs"].astype("int64")
    return out.reset_index()
