"""The family-supporting wage: what a region's jobs must pay, and whether a wage meets it.

One module owns the measure, so the flags, the workbook, the charts and the report agree:

- :func:`family_wages` — one hourly wage per region, by the config's rule (``family_wage.source``):
  the living wage of the family type averaged over the region's counties weighted by their employment
  (:func:`family_wage_by_region`), a share of the regional median wage (:func:`family_wage_from_median`),
  or a value set in the config;
- :func:`wage_floor` and :func:`meets_family_wage` — the test "a wage meets the family wage":
  ``wage ≥ wage_floor_share × family wage`` (the preset's ``wage_floor_share``, 1 by default), both sides
  rounded to 9 decimals so that 0.15 / 0.2 equals 0.75.
"""

from __future__ import annotations

import pandas as pd

from .config import Config, family_words, wage_words
from .constants import NATION_OEWS_AREA
from .errors import InputError, Problem


def family_wages(
    cfg: Config,
    regions: pd.DataFrame,
    *,
    living_wage: pd.DataFrame | None = None,
    oews: pd.DataFrame | None = None,
    weights: pd.Series | None = None,
) -> pd.DataFrame:
    """The family-supporting hourly wage of every region, by the rule in the config."""
    fw = cfg.family_wage
    if fw.source == "living_wage":
        year = living_wage_year(cfg, living_wage)
        out = family_wage_by_region(
            living_wage,
            regions,
            adults=fw.adults,
            children=fw.children,
            earners=fw.earners,
            weights=weights,
            year=year,
        )
    elif fw.source == "median_share":
        share = (
            fw.median_share
            if fw.median_share is not None
            else cfg.thresholds.get("family_wage_median_share", 0.8)
        )
        medians = regional_median_wage(oews, regions)
        out = family_wage_from_median(medians, share)
    else:
        ids = regions.drop_duplicates("region_id")["region_id"]
        out = pd.DataFrame(
            {
                "region_id": ids,
                "wage_hourly_usd": float(fw.value_hourly_usd),
                "source": "value set in the config",
            }
        )
    return out.reset_index(drop=True)


def county_employment(qcew: pd.DataFrame, year: int) -> pd.Series:
    """All-industry, all-ownership employment of each county in a year (weights for county averages).

    Annual averages where the file has them; otherwise the mean of the county's quarters.
    """
    rows = qcew[
        (qcew["year"] == year)
        & (qcew["own_code"] == "0")
        & (qcew["industry_code"] == "10")
        & qcew["area_fips"].str.fullmatch(r"\d{5}")
        & ~qcew["area_fips"].str.endswith("000")
    ]
    annual = rows[rows["qtr"] == "A"]
    if len(annual):
        return annual.groupby("area_fips")["employment"].sum().rename_axis("county_fips")
    return rows.groupby("area_fips")["employment"].mean().rename_axis("county_fips")


def regional_median_wage(oews: pd.DataFrame, regions: pd.DataFrame) -> pd.Series:
    """All-occupation median hourly wage of each region's OEWS area (state, then nation as fallback)."""
    allocc = oews[(oews["soc"] == "00-0000")]
    by_area = allocc.drop_duplicates("area_code").set_index("area_code")["wage_median_hourly_usd"]
    first = regions.drop_duplicates("region_id").set_index("region_id")
    areas = first["oews_area"] if "oews_area" in first else pd.Series(pd.NA, index=first.index)
    state = str(regions["county_fips"].iloc[0])[:2]
    fallback = by_area.get(state, by_area.get(NATION_OEWS_AREA, pd.NA))
    values = {rid: by_area.get(a, fallback) if pd.notna(a) else fallback for rid, a in areas.items()}
    return pd.Series(values, name="wage_median_hourly_usd", dtype="Float64")


def living_wage_year(cfg: Config, living_wage: pd.DataFrame) -> int:
    """The year of the living-wage table a run uses: the analysis year, else the latest in the table."""
    years = set(living_wage["year"].astype(int))
    return cfg.year if cfg.year in years else max(years)


def family_types_held(living_wage: pd.DataFrame, year: int | None = None) -> str:
    """The family types a living-wage table holds (in ``year``, default every year), in words.

    >>> lw = pd.DataFrame({"adults": [1, 1, 2, 2], "children": [0, 1, 2, 2], "earners": [1, 1, 1, 2]})
    >>> family_types_held(lw)
    '1 adult with 0 or 1 children; 2 adults (1 working) with 2 children; 2 adults (both working) with 2 children'
    """
    lw = living_wage if year is None else living_wage[living_wage["year"] == year]
    if "earners" not in lw.columns:
        lw = lw.assign(earners=lw["adults"])
    parts = []
    for (adults, earners), group in lw.groupby(["adults", "earners"], sort=True):
        kids = sorted({int(c) for c in group["children"]})
        listed = ", ".join(map(str, kids[:-1])) + (" or " if len(kids) > 1 else "") + str(kids[-1])
        who = family_words(int(adults), 0, int(earners)).rsplit(", ", 1)[0]
        parts.append(f"{who} with {listed} {'child' if kids == [1] else 'children'}")
    return "; ".join(parts) or "no family type"


def family_type_problem(
    living_wage: pd.DataFrame, adults: int, children: int, earners: int, year: int
) -> Problem | None:
    """The problem "the table has no row of this family type in this year", naming the types it holds."""
    lw = living_wage
    if "earners" not in lw.columns:
        lw = lw.assign(earners=lw["adults"])
    pick = (
        (lw["year"] == year)
        & (lw["adults"] == adults)
        & (lw["children"] == children)
        & (lw["earners"] == earners)
    )
    if pick.any():
        return None
    files = lw["source_file"].dropna().unique().tolist() if "source_file" in lw.columns else []
    file = str(files[0]) if len(files) == 1 else "the living-wage table"
    return Problem(
        file,
        None,
        None,
        f"no living wage for the config's family type, {family_words(adults, children, earners)} "
        f"(family_wage: adults, children, earners), in {year}; the file holds in {year}: "
        f"{family_types_held(lw, year)}",
    )


def check_family_type(cfg: Config, living_wage: pd.DataFrame) -> list[Problem]:
    """The problem of a living-wage table without the config's family type in the year a run uses (none
    when the family wage is not the living wage)."""
    fw = cfg.family_wage
    if fw.source != "living_wage" or fw.earners is None or living_wage.empty:
        return []
    year = living_wage_year(cfg, living_wage)
    problem = family_type_problem(living_wage, fw.adults, fw.children, fw.earners, year)
    return [problem] if problem else []


def family_wage_by_region(
    living_wage: pd.DataFrame,
    regions: pd.DataFrame,
    adults: int = 1,
    children: int = 1,
    weights: pd.Series | None = None,
    *,
    earners: int | None = None,
    year: int | None = None,
) -> pd.DataFrame:
    """The family-supporting hourly wage per region: a weighted mean of its counties' living wages.

    wage_r = Σ_c w_c · wage_c / Σ_c w_c over the region's counties that have a living
    wage for the family type (``adults``, ``children``, ``earners``: the working adults, which
    two adults must give, as MIT publishes both; the wage of two earners is each earner's) in
    ``year`` (default the latest in the table). ``weights`` is a
    Series indexed by county FIPS (e.g. county employment); ``None`` gives equal weights;
    a county missing from ``weights`` weighs 0. Returns ``region_id, wage_hourly_usd,
    source`` plus ``counties_used`` and ``counties_missing`` (the region's counties
    without a living wage); a region with no usable county gets ``<NA>``. A table with no row
    of the family type in the year raises :class:`InputError` naming the types it holds.

    >>> lw = pd.DataFrame({"year": 2021, "county_fips": ["06037", "06059"], "adults": 1,
    ...     "children": 1, "earners": 1, "wage_hourly_usd": [40.0, 50.0]})
    >>> rg = pd.DataFrame({"county_fips": ["06037", "06059", "06111"], "region_id": ["south"] * 3})
    >>> out = family_wage_by_region(lw, rg, weights=pd.Series({"06037": 3.0, "06059": 1.0}))
    >>> out[["region_id", "wage_hourly_usd", "counties_used", "counties_missing"]].to_dict("records")
    [{'region_id': 'south', 'wage_hourly_usd': 42.5, 'counties_used': 2, 'counties_missing': 1}]
    """
    if earners is None and adults != 1:
        raise ValueError(f"{adults} adults: give earners (1: one adult works, 2: both work)")
    earners = 1 if earners is None else earners
    lw = living_wage
    if "earners" not in lw.columns:
        lw = lw.assign(earners=lw["adults"])
    year = int(lw["year"].max()) if year is None else int(year)
    problem = family_type_problem(lw, adults, children, earners, year)
    if problem is not None:
        raise InputError([problem])
    pick = lw[
        (lw["year"] == year)
        & (lw["adults"] == adults)
        & (lw["children"] == children)
        & (lw["earners"] == earners)
    ]
    wages = pick.drop_duplicates("county_fips").set_index("county_fips")["wage_hourly_usd"]
    members = regions[["region_id", "county_fips"]].drop_duplicates()
    table = members.assign(wage=members["county_fips"].map(wages).astype("Float64"))
    if weights is None:
        table["weight"] = 1.0
        how = "equal weights"
    else:
        table["weight"] = table["county_fips"].map(weights).astype("Float64").fillna(0.0)
        how = f"weighted by {weights.name}" if weights.name else "weighted"
    has = table["wage"].notna()
    table["wx"] = (table["wage"] * table["weight"]).where(has)
    table["w"] = table["weight"].where(has)
    g = table.groupby("region_id", sort=True)
    total_w = g["w"].sum(min_count=1)
    mean = (g["wx"].sum(min_count=1) / total_w).where(total_w > 0)
    out = pd.DataFrame(
        {
            "region_id": mean.index.astype("string"),
            "wage_hourly_usd": mean.to_numpy(dtype="float64", na_value=float("nan")),
            "counties_used": g["wage"].count().to_numpy(),
            "counties_missing": (g.size() - g["wage"].count()).to_numpy(),
        }
    )
    out["wage_hourly_usd"] = out["wage_hourly_usd"].astype("Float64")
    family = wage_words(adults, children, earners)
    out["source"] = [
        f"living wage {year}, {family}: mean of {used} of {used + missing} counties, {how}"
        if used
        else f"living wage {year}, {family}: no county of the region has a value"
        for used, missing in zip(out["counties_used"], out["counties_missing"], strict=True)
    ]
    out["source"] = out["source"].astype("string")
    return out[["region_id", "wage_hourly_usd", "source", "counties_used", "counties_missing"]]


def family_wage_from_median(median_wage_hourly_by_region: pd.Series, share: float) -> pd.DataFrame:
    """The rule "a share of the regional median wage": wage = share × median hourly wage.

    >>> family_wage_from_median(pd.Series({"north": 20.0, "south": 25.0}), 0.8).to_dict("records")
    [{'region_id': 'north', 'wage_hourly_usd': 16.0, 'source': '80% of the regional median hourly wage'}, \
{'region_id': 'south', 'wage_hourly_usd': 20.0, 'source': '80% of the regional median hourly wage'}]
    """
    if not 0 < share <= 2:
        raise ValueError(f"share must be in (0, 2], got {share}")
    median = median_wage_hourly_by_region.astype("Float64")
    return pd.DataFrame(
        {
            "region_id": pd.Series(median.index, dtype="string"),
            "wage_hourly_usd": (median * share).round(4).to_numpy(),
            "source": pd.Series(
                f"{share:.0%} of the regional median hourly wage", index=range(len(median)), dtype="string"
            ),
        }
    )


def wage_floor(family_hourly: pd.Series | float, share: float = 1.0) -> pd.Series | float:
    """The lowest hourly wage that meets the family-supporting wage: ``share × family wage``.

    >>> wage_floor(30.0, 0.8)
    24.0
    """
    return family_hourly * float(share)


def meets_family_wage(
    wage_hourly: pd.Series, family_hourly: pd.Series | float, share: float = 1.0
) -> pd.Series:
    """Whether each wage meets the family-supporting wage (``wage ≥ share × family``); <NA> when either is missing.

    >>> meets_family_wage(pd.Series([24.0, 23.99, None]), 30.0, 0.8).tolist()
    [True, False, <NA>]
    """
    wage = pd.to_numeric(pd.Series(wage_hourly), errors="coerce").astype("Float64")
    floor = pd.to_numeric(pd.Series(wage_floor(family_hourly, share), index=wage.index), errors="coerce")
    floor = floor.astype("Float64")
    out = wage.round(9) >= floor.round(9)
    return out.astype("boolean").mask(wage.isna() | floor.isna())
