"""Demand: regional industry employment rolled into career clusters, and occupation wages for programs.

Industry side (QCEW): ``industry_employment_by_cluster`` turns QCEW rows into employment per area ×
year × cluster, ``demand_by_region`` sums counties into regions and computes shares, location quotients
(with :func:`alignment.lq.location_quotient`, the formula validated against BLS's published LQs), growth
and pay. Occupation side (OEWS): ``occupation_wages_for_programs`` gives each program the median
wage of the occupations its CIP leads to.

Extensive columns (summed over counties, industries and ownerships): ``employment``,
``total_wages_usd``, ``establishments``, ``suppressed_inputs``. Intensive columns (recomputed from the
sums, never averaged): ``share``, ``lq``, ``growth_1yr``, ``growth_total``, ``avg_annual_pay_usd``.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .constants import HOURS_PER_YEAR, NATION_OEWS_AREA
from .lq import location_quotient
from .qcew_recovery import ORIGINS, recover_suppressed, reference_area

__all__ = [
    "DEMAND_COLUMNS",
    "demand_by_region",
    "industry_employment_by_cluster",
    "link_occupation_wages",
    "occupation_wages_for_programs",
    "sector_of",
]

ORIGIN_COLUMNS = [f"employment_{o}" for o in ORIGINS]
_SECTOR_ALIASES = {"31": "31-33", "32": "31-33", "33": "31-33", "44": "44-45", "45": "44-45"}
_SECTOR_ALIASES |= {"48": "48-49", "49": "48-49"}
DEMAND_COLUMNS = [
    "region_id",
    "year",
    "framework",
    "cluster_code",
    "employment",
    "share",
    "lq",
    "growth_1yr",
    "growth_total",
    "growth_base_year",
    "avg_annual_pay_usd",
    "establishments",
    "suppressed_inputs",
    *ORIGIN_COLUMNS,
]


# --------------------------------------------------------------------------------------- industry employment


def sector_of(industry_code: str) -> str:
    """The NAICS sector code BLS uses for a 3- to 6-digit code (``"311"`` → ``"31-33"``, ``"541"`` → ``"54"``)

    >>> sector_of("311"), sector_of("4411"), sector_of("541")
    ('31-33', '44-45', '54')
    """
    two = str(industry_code)[:2]
    return _SECTOR_ALIASES.get(two, two)


def _annual(qcew: pd.DataFrame) -> pd.DataFrame:
    """Annual rows; area-years with quarters only are averaged (employment, establishments: mean of the
    quarters; total wages: mean quarterly wages × 4, i.e. the sum when all four quarters are present)."""
    q = qcew.copy()
    q["qtr"] = q["qtr"].astype("string")
    annual = q[q["qtr"] == "A"]
    area_year = pd.MultiIndex.from_frame(q[["area_fips", "year"]])
    have = pd.MultiIndex.from_frame(annual[["area_fips", "year"]])
    quarterly = q[(q["qtr"] != "A") & ~area_year.isin(have)]
    if quarterly.empty:
        return annual
    keys = ["area_fips", "own_code", "industry_code", "year"]
    g = quarterly.groupby(keys, sort=False, dropna=False)
    avg = g[["employment", "establishments"]].mean()
    avg["total_wages_usd"] = g["total_wages_usd"].mean() * 4
    avg["suppressed"] = g["suppressed"].any()
    avg = avg.reset_index().assign(qtr="A")
    avg.loc[avg["suppressed"], ["employment", "total_wages_usd"]] = pd.NA
    return pd.concat([annual, avg], ignore_index=True)


def _cluster_map(naics_cluster_long: pd.DataFrame) -> pd.DataFrame:
    """industry_code → cluster_code with share, summed over sub-clusters."""
    m = naics_cluster_long.copy()
    if "naics" in m.columns and "industry_code" not in m.columns:
        m = m.rename(columns={"naics": "industry_code"})
    m = m[m["cluster_code"].notna()]
    m = m.groupby(["industry_code", "cluster_code"], as_index=False, sort=True)["share"].sum()
    return m.astype({"industry_code": "string", "cluster_code": "string", "share": "Float64"})


def industry_employment_by_cluster(
    qcew: pd.DataFrame, naics_cluster_long: pd.DataFrame, areas: Sequence[str] | None = None
) -> pd.DataFrame:
    """QCEW employment per area × year × cluster, from the most detailed rows available.

    Detail rows are the leaves of each area's QCEW tree after :func:`alignment.qcew_recovery.recover_suppressed`
    has placed every suppressed cell's jobs from the published totals above it (3-digit NAICS subsectors of
    ownerships 1, 2, 3 and 5, and remainders of rows with no suppressed child). A leaf maps to clusters by its
    own row in ``naics_cluster_long`` (industry_code, cluster_code, share; sub-cluster rows are summed), else
    by its sector's row; a remainder above the sector level maps to none. ``suppressed_inputs`` counts the
    suppressed leaves under each cell (each once per cluster it maps to); ``employment_disclosed``,
    ``employment_recovered`` and ``employment_imputed`` split ``employment`` by where it came from.

    Employment that maps to no cluster is kept with ``cluster_code = <NA>``. Annual rows (qtr ``A``) are
    used; an area-year with only quarterly rows is averaged over its quarters (see ``_annual``).

    Returns area_fips, year, cluster_code, employment, total_wages_usd, establishments, wage_employment
    (employment of the rows whose wages are known, the denominator of average pay), the three origin
    columns, suppressed_inputs,
    total_employment (all-industry, all-ownership employment of the area: own_code 0, industry 10, the
    denominator of shares and LQs, as BLS uses). Extensive columns are Float64 (cluster splits may be
    fractional); ``suppressed_inputs`` Int64.
    """
    q = qcew.copy()
    for c in ("area_fips", "own_code", "industry_code"):
        q[c] = q[c].astype("string")
    wanted = None if areas is None else set(areas)
    if wanted is not None:
        # the areas' reference areas (a county's state, the nation) weight their withheld cells' estimates
        references = {reference_area(a) for a in wanted} | {"US000"}
        q = q[q["area_fips"].isin(list(wanted | {r for r in references if r}))]
    for c in ("employment", "total_wages_usd", "establishments"):
        if c not in q.columns:
            q[c] = pd.NA
        q[c] = pd.to_numeric(q[c]).astype("Float64")
    if "suppressed" not in q.columns:
        q["suppressed"] = q["employment"].isna()
    q["suppressed"] = q["suppressed"].fillna(True).astype(bool)
    q = _annual(q)
    values = ["employment", "total_wages_usd", "establishments"]

    totals = q[(q["own_code"] == "0") & (q["industry_code"] == "10")]
    totals = totals.groupby(["area_fips", "year"], as_index=False)["employment"].sum(min_count=1)
    totals = totals.rename(columns={"employment": "total_employment"})

    detail = recover_suppressed(q)
    detail["n_suppressed"] = detail["suppressed"].astype(int)
    for origin in ORIGINS:
        detail[f"employment_{origin}"] = detail["employment"].where(detail["origin"] == origin, 0.0)

    cmap = _cluster_map(naics_cluster_long)
    known = set(cmap["industry_code"])
    detail["map_code"] = [c if c in known else sector_of(c) for c in detail["industry_code"].astype(str)]
    joined = detail.merge(cmap.rename(columns={"industry_code": "map_code"}), on="map_code", how="left")
    joined["share"] = joined["share"].fillna(1.0)
    for v in values:
        joined[v] = joined[v] * joined["share"]
    # employment of the rows whose wages are known: the denominator of average pay
    joined["wage_employment"] = joined["employment"].where(joined["total_wages_usd"].notna())
    # vectorised sums (min_count=1: a cell with no known value stays <NA>, never 0)
    for v in ORIGIN_COLUMNS:
        joined[v] = joined[v] * joined["share"]
    g = joined.groupby(["area_fips", "year", "cluster_code"], dropna=False, sort=True)
    sums = ["employment", "total_wages_usd", "establishments", "wage_employment", *ORIGIN_COLUMNS]
    out = g[sums].sum(min_count=1)
    out["suppressed_inputs"] = g["n_suppressed"].sum()
    out = out.reset_index()
    out = out.merge(totals, on=["area_fips", "year"], how="left")
    out = out.astype(
        {
            "area_fips": "string",
            "cluster_code": "string",
            "employment": "Float64",
            "total_wages_usd": "Float64",
            "establishments": "Float64",
            "wage_employment": "Float64",
            **dict.fromkeys(ORIGIN_COLUMNS, "Float64"),
            "suppressed_inputs": "Int64",
            "total_employment": "Float64",
        }
    )
    if wanted is not None:
        out = out[out["area_fips"].isin(list(wanted))]
    return out.sort_values(["area_fips", "year", "cluster_code"], na_position="last").reset_index(drop=True)


def demand_by_region(
    qcew: pd.DataFrame,
    regions: pd.DataFrame,
    naics_cluster_long: pd.DataFrame,
    base_area: str = "US000",
    framework: str | None = None,
) -> pd.DataFrame:
    """Industry demand per region × year × cluster.

    - ``employment`` = Σ county cluster employment (extensive);
    - ``share`` = employment / Σ county all-industry employment (own 0, industry 10) of the region;
    - ``lq`` = :func:`alignment.lq.location_quotient` of (employment, region total, the cluster's
      employment in ``base_area``, the all-industry total of ``base_area``), recomputed from the sums
      (never an average of county LQs); ``base_area`` is the run's ``inputs.qcew_base_area`` (the nation
      ``US000``, or the state), whose rows ``qcew`` must hold;
    - ``growth_1yr`` = e_t / e_(t-1) − 1 (``<NA>`` without the previous year);
      ``growth_total`` = e_t / e_first − 1 with ``growth_base_year`` = the first year of the series;
    - ``avg_annual_pay_usd`` = Σ total wages / Σ employment of the rows whose wages are known;
    - ``establishments`` and ``suppressed_inputs`` summed.

    Rows with ``cluster_code = <NA>`` hold employment no cluster mapping covers. ``framework`` is taken
    from ``naics_cluster_long`` when it has a single ``framework`` value and none is given.
    """
    if framework is None and "framework" in naics_cluster_long.columns:
        fws = naics_cluster_long["framework"].dropna().unique()
        framework = str(fws[0]) if len(fws) == 1 else None
    counties = regions[["county_fips", "region_id"]].drop_duplicates("county_fips")
    emp = industry_employment_by_cluster(qcew, naics_cluster_long, [*counties["county_fips"], base_area])

    local = emp.merge(counties, left_on="area_fips", right_on="county_fips", how="inner")
    keys = ["region_id", "year", "cluster_code"]
    sums = ["employment", "total_wages_usd", "establishments", "wage_employment", *ORIGIN_COLUMNS]
    g = local.groupby(keys, dropna=False, sort=True)
    region = g[sums].sum(min_count=1)
    region["suppressed_inputs"] = g["suppressed_inputs"].sum()
    region = region.reset_index()
    area_totals = local.drop_duplicates(["area_fips", "year"])
    totals = area_totals.groupby(["region_id", "year"], as_index=False)["total_employment"].sum(min_count=1)
    region = region.merge(totals, on=["region_id", "year"], how="left")

    base = emp[emp["area_fips"] == base_area][["year", "cluster_code", "employment", "total_employment"]]
    base = base.rename(columns={"employment": "base_employment", "total_employment": "base_total"})
    region = region.merge(base, on=["year", "cluster_code"], how="left")

    region["share"] = _ratio(region["employment"], region["total_employment"])
    region["lq"] = location_quotient(
        region["employment"], region["total_employment"], region["base_employment"], region["base_total"]
    )
    region["avg_annual_pay_usd"] = _ratio(region["total_wages_usd"], region["wage_employment"])
    region = region.sort_values(keys, na_position="last").reset_index(drop=True)
    series = region.groupby(["region_id", "cluster_code"], dropna=False, sort=False)
    prev = region[["region_id", "cluster_code", "year", "employment"]].assign(year=lambda d: d["year"] + 1)
    prev = prev.rename(columns={"employment": "_prev"})
    region = region.merge(prev, on=["region_id", "cluster_code", "year"], how="left")
    region["growth_1yr"] = _ratio(region["employment"], region["_prev"]) - 1
    region["growth_base_year"] = series["year"].transform("min").astype("Int64").to_numpy()
    first = region[region["year"] == region["growth_base_year"]][["region_id", "cluster_code", "employment"]]
    region = region.merge(first.rename(columns={"employment": "_first"}), on=["region_id", "cluster_code"])
    region["growth_total"] = _ratio(region["employment"], region["_first"]) - 1
    region["framework"] = pd.array([framework] * len(region), dtype="string")
    region = region.astype(
        {
            "region_id": "string",
            "cluster_code": "string",
            "share": "Float64",
            "lq": "Float64",
            "growth_1yr": "Float64",
            "growth_total": "Float64",
            "suppressed_inputs": "Int64",
            **dict.fromkeys(ORIGIN_COLUMNS, "Float64"),
        }
    )
    region = region.sort_values(keys, na_position="last").reset_index(drop=True)
    return region[DEMAND_COLUMNS]


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    """num / den as Float64 with <NA> where den is 0 or missing."""
    num = pd.Series(num, dtype="Float64")
    den = pd.Series(den, dtype="Float64")
    return (num / den).mask((den == 0).fillna(True).astype(bool))


# --------------------------------------------------------------------------------------- occupation wages

PROGRAM_KEYS = ["institution", "county_fips", "program_code", "program_name", "cip", "level", "year"]


def _wage_table(oews: pd.DataFrame, year: int | None) -> pd.DataFrame:
    """One row per area × SOC: cross-industry, all-ownership rows of the chosen year."""
    o = oews.copy()
    if "naics" in o.columns:
        o = o[o["naics"].isin(["000000", "0"]) | o["naics"].isna()] if (o["naics"] == "000000").any() else o
    if year is None:
        year = int(o["year"].max())
    else:
        earlier = o[o["year"] <= year]
        year = int(earlier["year"].max()) if len(earlier) else int(o["year"].min())
    o = o[o["year"] == year].copy()
    if "own_code" in o.columns:
        o["_pref"] = (o["own_code"].astype("string") != "1235").astype(int)
        o = o.sort_values(["_pref"], kind="mergesort")
    o["area_code"] = o["area_code"].astype("string")
    annual = pd.to_numeric(o["wage_median_annual_usd"]).astype("Float64")
    if "wage_median_hourly_usd" in o.columns and "hourly_only" in o.columns:
        hourly = pd.to_numeric(o["wage_median_hourly_usd"]).astype("Float64") * HOURS_PER_YEAR
        annual = annual.fillna(hourly.where(o["hourly_only"].fillna(False).astype(bool)))
    o["wage"] = annual
    o["emp"] = pd.to_numeric(o["employment"]).astype("Float64") if "employment" in o.columns else pd.NA
    if "wage_flag" not in o.columns:
        o["wage_flag"] = ""
    o["wage_flag"] = o["wage_flag"].astype("string").fillna("")
    o.loc[o["wage"].isna() & (o["wage_flag"] == ""), "wage_flag"] = "not_available"
    return o.drop_duplicates(["area_code", "soc"])[["area_code", "soc", "year", "wage", "emp", "wage_flag"]]


def link_occupation_wages(
    programs: pd.DataFrame,
    cip_soc: pd.DataFrame,
    oews: pd.DataFrame,
    regions: pd.DataFrame,
    fallback_area: str | Sequence[str] | None = None,
    year: int | None = None,
) -> pd.DataFrame:
    """Program × linked SOC with the median annual wage used for each occupation.

    The wage area of a program is the ``oews_area`` of its county (regions table); when that area has no
    numeric median for the SOC, the ``fallback_area`` (the state, one code or several in order) and then
    the nation (``99``) are tried. ``wage_area_level`` records which: ``region``, ``state`` or ``nation``.
    Top-coded (``#``) and suppressed wages are not numbers: they are skipped in favour of the next area,
    and ``wage_flag`` keeps the flag of the program's own area (``""`` when it had a number). An
    occupation with no number anywhere keeps ``wage = <NA>``. Annual medians of ``hourly_only``
    occupations are the hourly median × 2080. Uses the latest OEWS year ≤ ``year`` (latest when None).
    """
    wages = _wage_table(oews, year)
    areas = (
        regions[["county_fips", "oews_area"]].drop_duplicates("county_fips")
        if "oews_area" in regions
        else (regions[["county_fips"]].drop_duplicates().assign(oews_area=pd.NA))
    )
    fb = [fallback_area] if isinstance(fallback_area, str) else list(fallback_area or [])
    chain = [(a, "state") for a in fb] + [(NATION_OEWS_AREA, "nation")]

    prog = programs.copy()
    for c in PROGRAM_KEYS:
        if c not in prog.columns:
            prog[c] = pd.NA
    prog = prog[[*PROGRAM_KEYS, *(["region_id"] if "region_id" in prog.columns else [])]].drop_duplicates(
        PROGRAM_KEYS
    )
    prog = prog.merge(areas, on="county_fips", how="left")
    links = cip_soc[["cip", "soc"]].drop_duplicates()
    long = prog.merge(links, on="cip", how="inner")

    long = long.reset_index(drop=True)
    table = wages[["area_code", "soc", "wage", "emp", "wage_flag"]]

    def lookup(codes: pd.Series) -> pd.DataFrame:
        """The wage row of (code, soc) for every long row (all <NA> where OEWS has none)."""
        keys = pd.DataFrame({"area_code": codes.astype("string"), "soc": long["soc"].astype("string")})
        return keys.merge(table, on=["area_code", "soc"], how="left", sort=False)

    region = long["oews_area"].astype("string")
    has_region = region.notna()
    tries = [(region, "region")] + [
        (pd.Series(code, index=long.index, dtype="string"), lvl) for code, lvl in chain
    ]
    # the flag of the program's own area: its region's area, else the first area of the chain
    first = region.where(has_region, tries[1][0])
    own = lookup(first)
    own_flag = own["wage_flag"].astype("string").where(own["wage_flag"].notna(), "not_available")
    extra = pd.DataFrame(
        {
            "wage_median_annual_usd": pd.Series(pd.NA, index=long.index, dtype="Float64"),
            "employment": pd.Series(pd.NA, index=long.index, dtype="Float64"),
            "wage_area": pd.Series(pd.NA, index=long.index, dtype="string"),
            "wage_area_level": pd.Series(pd.NA, index=long.index, dtype="string"),
            "wage_flag": own_flag.astype("string"),
        }
    )
    open_rows = pd.Series(True, index=long.index)
    for codes, level in tries:
        hit = lookup(codes)
        take = open_rows & codes.notna() & hit["wage"].notna()
        extra.loc[take, "wage_median_annual_usd"] = hit.loc[take, "wage"].astype("Float64")
        extra.loc[take, "employment"] = hit.loc[take, "emp"].astype("Float64")
        extra.loc[take, "wage_area"] = codes[take]
        extra.loc[take, "wage_area_level"] = level
        open_rows &= ~take
    out = pd.concat([long, extra], axis=1)
    return out.astype(
        {
            "wage_median_annual_usd": "Float64",
            "employment": "Float64",
            "wage_area": "string",
            "wage_area_level": "string",
            "wage_flag": "string",
        }
    ).reset_index(drop=True)


def occupation_wages_for_programs(
    programs: pd.DataFrame,
    cip_soc: pd.DataFrame,
    oews: pd.DataFrame,
    regions: pd.DataFrame,
    fallback_area: str | Sequence[str] | None = None,
    year: int | None = None,
) -> pd.DataFrame:
    """Per program: the linked occupations and the employment-weighted median wage they pay.

    Program wage (intensive): ``Σ_k w_k · m_k / Σ_k w_k`` over the linked occupations ``k`` that have a
    numeric median annual wage ``m_k`` (see ``link_occupation_wages`` for the area fallback), weighted by
    each occupation's employment ``w_k`` in the area its wage came from. When any of those occupations has
    no employment figure, the simple mean is used instead (``wage_weighting = "equal"``). Top-coded and
    suppressed wages are skipped (not numbers) and listed in ``wage_flags`` (e.g. ``"29-1141 top_coded"``).
    ``wage_hourly_usd`` = annual / 2080.

    Returns one row per program (the program columns institution, county_fips, program_code,
    program_name, cip, level, year, region_id) with socs (comma-separated), n_socs, n_socs_with_wage,
    wage_median_annual_usd, wage_hourly_usd, wage_weighting, wage_areas, wage_area_level (``region``,
    ``state``, ``nation`` or ``mixed``), wage_flags. Programs whose CIP links to no occupation get
    ``<NA>`` wages and n_socs = 0.
    """
    long = link_occupation_wages(programs, cip_soc, oews, regions, fallback_area, year)
    prog = programs.copy()
    for c in PROGRAM_KEYS:
        if c not in prog.columns:
            prog[c] = pd.NA
    cols = [*PROGRAM_KEYS, *(["region_id"] if "region_id" in prog.columns else [])]
    prog = prog[cols].drop_duplicates(PROGRAM_KEYS).reset_index(drop=True)

    g = long.assign(
        _ok=long["wage_median_annual_usd"].notna(),
        _w=long["wage_median_annual_usd"].astype("float64"),
        _e=long["employment"].astype("float64"),
    )
    g["_we"] = (g["_w"] * g["_e"]).where(g["_ok"], 0.0)
    g["_e_ok"] = g["_e"].where(g["_ok"], 0.0)
    g["_e_missing"] = g["_ok"] & g["_e"].isna()
    g["_w_ok"] = g["_w"].where(g["_ok"], 0.0)
    g = g.sort_values("soc", kind="mergesort")
    by = g.groupby(PROGRAM_KEYS, dropna=False, sort=False)
    agg = by.agg(
        socs=("soc", ", ".join),
        n_socs=("soc", "size"),
        n_socs_with_wage=("_ok", "sum"),
        sum_we=("_we", "sum"),
        sum_e=("_e_ok", "sum"),
        missing_e=("_e_missing", "any"),
        sum_w=("_w_ok", "sum"),
    ).reset_index()
    weighted = (agg["n_socs_with_wage"] > 0) & ~agg["missing_e"] & (agg["sum_e"] > 0)
    equal = (agg["n_socs_with_wage"] > 0) & ~weighted
    agg["wage_median_annual_usd"] = pd.Series(pd.NA, index=agg.index, dtype="Float64")
    agg.loc[weighted, "wage_median_annual_usd"] = agg.loc[weighted, "sum_we"] / agg.loc[weighted, "sum_e"]
    agg.loc[equal, "wage_median_annual_usd"] = agg.loc[equal, "sum_w"] / agg.loc[equal, "n_socs_with_wage"]
    agg["wage_weighting"] = pd.Series(pd.NA, index=agg.index, dtype="string")
    agg.loc[weighted, "wage_weighting"] = "employment"
    agg.loc[equal, "wage_weighting"] = "equal"
    ok = g[g["_ok"]]
    ok_by = ok.groupby(PROGRAM_KEYS, dropna=False, sort=False)
    areas = ok_by["wage_area"].agg(lambda x: ", ".join(sorted(set(x.dropna())))).rename("wage_areas")
    levels = ok_by["wage_area_level"].agg(
        lambda x: (lambda u: u[0] if len(u) == 1 else ("mixed" if u else pd.NA))(sorted(set(x.dropna())))
    )
    flagged = g[g["wage_flag"].fillna("") != ""].sort_values(["soc", "wage_flag"], kind="mergesort")
    flags = (
        (flagged["soc"].astype(str) + " " + flagged["wage_flag"].astype(str))
        .groupby([flagged[k] for k in PROGRAM_KEYS], dropna=False, sort=False)
        .agg("; ".join)
        .rename("wage_flags")
    )
    agg = agg.merge(areas.reset_index(), on=PROGRAM_KEYS, how="left")
    agg = agg.merge(levels.rename("wage_area_level").reset_index(), on=PROGRAM_KEYS, how="left")
    flags_frame = flags.reset_index()
    flags_frame.columns = [*PROGRAM_KEYS, "wage_flags"]
    agg = agg.merge(flags_frame, on=PROGRAM_KEYS, how="left")
    agg["wage_flags"] = agg["wage_flags"].fillna("")
    agg.loc[agg["n_socs_with_wage"] == 0, "wage_areas"] = ""
    names = [
        "socs",
        "n_socs",
        "n_socs_with_wage",
        "wage_median_annual_usd",
        "wage_weighting",
        "wage_areas",
        "wage_area_level",
        "wage_flags",
    ]
    summ = agg[[*PROGRAM_KEYS, *names]].copy()
    for c in PROGRAM_KEYS:
        summ[c] = summ[c].astype(prog[c].dtype)
    out = prog.merge(summ, on=PROGRAM_KEYS, how="left")
    out["n_socs"] = out["n_socs"].fillna(0).astype("Int64")
    out["n_socs_with_wage"] = out["n_socs_with_wage"].fillna(0).astype("Int64")
    out["wage_median_annual_usd"] = pd.to_numeric(out["wage_median_annual_usd"]).astype("Float64")
    out["wage_hourly_usd"] = out["wage_median_annual_usd"] / HOURS_PER_YEAR
    for c in ("socs", "wage_weighting", "wage_areas", "wage_area_level", "wage_flags"):
        out[c] = out[c].astype("string")
    out["socs"] = out["socs"].fillna("")
    out["wage_flags"] = out["wage_flags"].fillna("")
    return out[[*cols, *names[:4], "wage_hourly_usd", *names[4:]]]
