"""High-skill, high-wage, in-demand: which occupations meet a state's definition.

Perkins V asks programs of study to lead to "high-skill, high-wage, or in-demand" occupations and leaves
each state to define the words. The definitions differ in *which* tests they use (median wage of all
occupations or a living wage; openings above the median, a fixed number of openings, or growth against the
area's growth; typical entry education), so every test here is switched on by a threshold of the state
preset and switched off by ``null``. ``docs/presets.md`` lists what each shipped preset follows.

The occupation table is one row per area × SOC (``area`` column chosen by the caller, ``region_id`` by
default) with the columns of :data:`OCCUPATION_COLUMNS`; a value that is missing (suppressed wage, no
projection) gives ``<NA>`` for the test that needs it, never ``False``.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

__all__ = [
    "CRITERIA_THRESHOLDS",
    "EDUCATION_LEVELS",
    "OCCUPATION_COLUMNS",
    "TRAINING_APPRENTICESHIP",
    "classify_occupations",
    "criteria_in_use",
    "hshwid_rule",
    "education_level",
]

#: BLS Employment Projections "Typical education needed for entry", ranked from least to most.
EDUCATION_LEVELS: dict[str, int] = {
    "no formal educational credential": 1,
    "high school diploma or equivalent": 2,
    "some college, no degree": 3,
    "postsecondary nondegree award": 4,
    "associate's degree": 5,
    "bachelor's degree": 6,
    "master's degree": 7,
    "doctoral or professional degree": 8,
}
#: BLS Employment Projections "Typical on-the-job training" category that counts as an apprenticeship.
TRAINING_APPRENTICESHIP = "apprenticeship"

#: Columns the occupation table may carry (``area`` is named by the caller).
OCCUPATION_COLUMNS = {
    "soc": "SOC 2018 code",
    "employment": "base-year employment of the occupation in the area",
    "employment_change_pct": "projected employment change over the projection period, percent",
    "projection_years": "length of the projection period in years (10 when absent)",
    "openings_annual": "projected annual openings (growth + exits + transfers)",
    "wage_median_hourly_usd": "median hourly wage of the occupation in the area",
    "area_median_hourly_usd": "median hourly wage of all occupations in the area",
    "family_wage_hourly_usd": "the area's family-supporting hourly wage",
    "education": "typical education needed for entry (BLS category text)",
    "training": "typical on-the-job training (BLS category text)",
}

#: threshold → (criterion, meaning); ``None`` in the preset switches the test off.
CRITERIA_THRESHOLDS: dict[str, tuple[str, str]] = {
    "min_occupation_employment": ("eligible", "base-year employment at least this many jobs"),
    "min_occupation_employment_share": ("eligible", "employment at least this share of the area's jobs"),
    "high_wage_median_share": ("high_wage", "median wage at least this share of the all-occupation median"),
    "high_wage_family_wage_share": (
        "high_wage",
        "median wage at least this share of the family-supporting wage",
    ),
    "in_demand_min_openings": ("in_demand", "at least this many annual openings"),
    "in_demand_openings_median_share": (
        "in_demand",
        "openings at least this share of the median occupation's",
    ),
    "in_demand_openings_ratio_median_share": (
        "in_demand",
        "openings per job at least this share of the median occupation's",
    ),
    "in_demand_min_openings_share": ("in_demand", "at least this share of all the area's openings"),
    "in_demand_min_growth_pct": ("in_demand", "projected growth over the period at least this percent"),
    "in_demand_growth_area_share": (
        "in_demand",
        "average annual growth rate at least this share of the area's total rate",
    ),
    "high_skill_min_education": ("high_skill", "typical entry education at least this level (1–8)"),
    "high_skill_apprenticeship": ("high_skill", "1: an apprenticeship also counts as high skill"),
    "hshwid_min_criteria": ("combined", "how many criteria in use must hold (1 = any, 3 = all)"),
}


def education_level(values: pd.Series) -> pd.Series:
    """Rank of a BLS typical-education category (1 = no formal credential … 8 = doctoral), ``<NA>`` if unknown.

    >>> education_level(pd.Series(["Postsecondary nondegree award", "Bachelor’s degree", "—"])).tolist()
    [4, 6, <NA>]
    """
    text = values.astype("string").str.strip().str.lower().str.replace("’", "'", regex=False)
    return text.map(EDUCATION_LEVELS).astype("Int64")


def criteria_in_use(thresholds: Mapping[str, float | None]) -> dict[str, list[str]]:
    """The thresholds switched on, grouped by criterion (``eligible``, ``high_wage``, ``in_demand``, ``high_skill``).

    >>> criteria_in_use({"high_wage_median_share": 0.8, "in_demand_min_openings": None})
    {'eligible': [], 'high_wage': ['high_wage_median_share'], 'in_demand': [], 'high_skill': []}
    """
    out: dict[str, list[str]] = {"eligible": [], "high_wage": [], "in_demand": [], "high_skill": []}
    for key, (criterion, _) in CRITERIA_THRESHOLDS.items():
        if criterion not in out:
            continue
        value = thresholds.get(key)
        if value is None or (key == "high_skill_apprenticeship" and not value):
            continue
        out[criterion].append(key)
    return out


def _num(df: pd.DataFrame, col: str) -> pd.Series:
    if col not in df.columns:
        return pd.Series(pd.NA, index=df.index, dtype="Float64")
    return pd.to_numeric(df[col], errors="coerce").astype("Float64")


def _at_least(value: pd.Series, floor: pd.Series | float) -> pd.Series:
    """``value >= floor`` with ``<NA>`` where either side is missing (a tiny tolerance for float noise)."""
    out = (value - floor) >= -1e-9
    return out.astype("boolean")


def _all_of(tests: list[pd.Series], index: pd.Index) -> pd.Series:
    """Kleene AND of nullable booleans; ``<NA>`` when no test is in use."""
    if not tests:
        return pd.Series(pd.NA, index=index, dtype="boolean")
    out = tests[0]
    for t in tests[1:]:
        out = out & t
    return out


def _any_of(tests: list[pd.Series], index: pd.Index) -> pd.Series:
    if not tests:
        return pd.Series(pd.NA, index=index, dtype="boolean")
    out = tests[0]
    for t in tests[1:]:
        out = out | t
    return out


def _area_median(values: pd.Series, area: pd.Series) -> pd.Series:
    """Median of ``values`` over the occupations of each area (missing values left out), aligned to rows."""
    return values.astype("float64").groupby(area, sort=False).transform("median").astype("Float64")


def _needed(thresholds: Mapping[str, float | None], n_used: int) -> int:
    """How many of the criteria in use must hold: ``hshwid_min_criteria`` (default: all), at most ``n_used``."""
    k = thresholds.get("hshwid_min_criteria")
    return n_used if k is None else max(1, min(int(k), n_used))


_TEST_WORDS = {"high_wage": "high wage", "in_demand": "in demand", "high_skill": "high skill"}
_COUNT_WORDS = {1: "one", 2: "two", 3: "three"}


def hshwid_rule(thresholds: Mapping[str, float | None]) -> str:
    """The preset's high-skill, high-wage, in-demand rule in words, for a column heading or a sentence.

    >>> hshwid_rule({"high_wage_median_share": 1, "in_demand_min_openings": 10, "high_skill_min_education": 4,
    ...              "hshwid_min_criteria": 1})
    'any one of high wage, in demand, high skill'
    >>> hshwid_rule({"high_wage_median_share": 1, "in_demand_min_openings": 10, "high_skill_min_education": 4})
    'all three of high wage, in demand, high skill'
    >>> hshwid_rule({"high_wage_median_share": 1, "hshwid_min_criteria": 2})
    'high wage'
    """
    use = criteria_in_use(thresholds)
    used = [c for c in ("high_wage", "in_demand", "high_skill") if use[c]]
    if not used:
        return "no test in use"
    words = ", ".join(_TEST_WORDS[c] for c in used)
    if len(used) == 1:
        return words
    k = _needed(thresholds, len(used))
    if k == len(used):
        return f"{'both' if k == 2 else 'all ' + _COUNT_WORDS[k]} of {words}"
    return f"{'any one' if k == 1 else _COUNT_WORDS[k]} of {words}"


def _at_least_k(tests: list[pd.Series], k: int, index: pd.Index) -> pd.Series:
    """True when at least ``k`` tests hold, False when that is impossible, ``<NA>`` when unknowns decide."""
    if not tests:
        return pd.Series(pd.NA, index=index, dtype="boolean")
    frame = pd.concat(tests, axis=1)
    true = frame.fillna(False).astype(bool).sum(axis=1)
    unknown = frame.isna().sum(axis=1)
    out = pd.Series(pd.NA, index=index, dtype="boolean")
    out[true >= k] = True
    out[(true + unknown) < k] = False
    return out


def classify_occupations(
    occupations: pd.DataFrame, thresholds: Mapping[str, float | None], *, area: str = "region_id"
) -> pd.DataFrame:
    """Add ``eligible``, ``high_wage``, ``in_demand``, ``high_skill`` and ``hshwid`` columns (nullable booleans).

    Rules (each only when its threshold is not ``None``):

    - *eligible*: employment ≥ ``min_occupation_employment`` and ≥ ``min_occupation_employment_share`` ×
      the area's total employment (sum of the table's rows of that area). Occupations that are not
      eligible are never in demand (Washington and Tennessee leave small occupations out).
    - *high_wage* (any rule in use suffices, as states word it "or"): median hourly wage ≥
      ``high_wage_median_share`` × ``area_median_hourly_usd``; ≥ ``high_wage_family_wage_share`` ×
      ``family_wage_hourly_usd``.
    - *in_demand* (every rule in use must hold): openings ≥ ``in_demand_min_openings``; openings ≥
      ``in_demand_openings_median_share`` × the median openings of the area's occupations; openings per job
      ≥ ``in_demand_openings_ratio_median_share`` × the area's median ratio; openings ≥
      ``in_demand_min_openings_share`` × the area's total openings; growth ≥ ``in_demand_min_growth_pct``;
      average annual growth rate ``(1 + pct/100)^(1/years) − 1`` ≥ ``in_demand_growth_area_share`` × the
      area's rate (from summed employment), or simply ≥ the area's rate when the area declines.
    - *high_skill* (any): typical education rank ≥ ``high_skill_min_education`` (4 = postsecondary
      nondegree award); an apprenticeship as typical training when ``high_skill_apprenticeship`` is 1.
    - *hshwid*: at least ``hshwid_min_criteria`` of the criteria in use hold (1 = "high-skill, high-wage,
      *or* in-demand" as Perkins V words it; 3, or null, = all of them); ``<NA>`` when unknown values decide.

    Medians are taken over the occupations in the table for the area (a total row ``00-0000`` is left
    out of medians and sums; when present it gives the area's total employment and growth).

    >>> occ = pd.DataFrame({"region_id": ["a", "a", "a"], "soc": ["11-1011", "29-1141", "35-2014"],
    ...     "employment": [100, 300, 600], "openings_annual": [8, 30, 90],
    ...     "wage_median_hourly_usd": [50.0, 40.0, 15.0], "area_median_hourly_usd": [20.0] * 3})
    >>> t = {"high_wage_median_share": 1.0, "in_demand_openings_median_share": 1.0}
    >>> classify_occupations(occ, t)[["soc", "high_wage", "in_demand", "hshwid"]].to_string(index=False)
    '    soc  high_wage  in_demand  hshwid\\n11-1011       True      False   False\\n29-1141       True       True    True\\n35-2014      False       True   False'
    """
    df = occupations.copy()
    idx = df.index
    use = criteria_in_use(thresholds)
    t = thresholds
    area_key = df[area] if area in df.columns else pd.Series("all", index=idx)
    soc = df["soc"].astype("string") if "soc" in df.columns else pd.Series(pd.NA, index=idx, dtype="string")
    is_total = soc.eq("00-0000").fillna(False).astype(bool)
    rows = ~is_total

    emp = _num(df, "employment")
    openings = _num(df, "openings_annual")
    wage = _num(df, "wage_median_hourly_usd")
    pct = _num(df, "employment_change_pct")
    years = _num(df, "projection_years").fillna(10.0)

    # area totals: the 00-0000 row when present, else the sum of the occupations
    emp_rows = emp.where(rows)
    area_emp = emp_rows.astype("float64").groupby(area_key).transform("sum").astype("Float64")
    proj_rows = (emp * (1 + pct / 100)).where(rows)
    area_proj = proj_rows.astype("float64").groupby(area_key).transform("sum").astype("Float64")
    area_pct = (area_proj / area_emp - 1) * 100
    if is_total.any():
        tot = pd.DataFrame({"a": area_key[is_total], "e": emp[is_total], "p": pct[is_total]}).drop_duplicates(
            "a"
        )
        tot = tot.set_index("a")
        from_total_e = area_key.map(tot["e"]).astype("Float64")
        from_total_p = area_key.map(tot["p"]).astype("Float64")
        area_emp = from_total_e.fillna(area_emp)
        area_pct = from_total_p.fillna(area_pct)

    # eligibility
    elig: list[pd.Series] = []
    if t.get("min_occupation_employment") is not None:
        elig.append(_at_least(emp, float(t["min_occupation_employment"])))
    if t.get("min_occupation_employment_share") is not None:
        elig.append(_at_least(emp, float(t["min_occupation_employment_share"]) * area_emp))
    eligible = _all_of(elig, idx) if elig else pd.Series(True, index=idx, dtype="boolean")

    # high wage: any rule
    hw: list[pd.Series] = []
    if t.get("high_wage_median_share") is not None:
        hw.append(_at_least(wage, float(t["high_wage_median_share"]) * _num(df, "area_median_hourly_usd")))
    if t.get("high_wage_family_wage_share") is not None:
        hw.append(
            _at_least(wage, float(t["high_wage_family_wage_share"]) * _num(df, "family_wage_hourly_usd"))
        )
    high_wage = _any_of(hw, idx)

    # in demand: every rule, over eligible occupations (medians over eligible rows of the area)
    base = rows & eligible.fillna(False).astype(bool)
    idm: list[pd.Series] = []
    if t.get("in_demand_min_openings") is not None:
        idm.append(_at_least(openings, float(t["in_demand_min_openings"])))
    if t.get("in_demand_openings_median_share") is not None:
        med = _area_median(openings.where(base), area_key)
        idm.append(_at_least(openings, float(t["in_demand_openings_median_share"]) * med))
    if t.get("in_demand_openings_ratio_median_share") is not None:
        ratio = openings / emp.mask(emp == 0)
        med = _area_median(ratio.where(base), area_key)
        idm.append(_at_least(ratio, float(t["in_demand_openings_ratio_median_share"]) * med))
    if t.get("in_demand_min_openings_share") is not None:
        total_open = openings.where(rows).astype("float64").groupby(area_key).transform("sum")
        idm.append(
            _at_least(openings, float(t["in_demand_min_openings_share"]) * total_open.astype("Float64"))
        )
    if t.get("in_demand_min_growth_pct") is not None:
        idm.append(_at_least(pct, float(t["in_demand_min_growth_pct"])))
    if t.get("in_demand_growth_area_share") is not None:
        rate = ((1 + pct / 100).astype("float64") ** (1 / years.astype("float64")) - 1).astype("Float64")
        area_rate = ((1 + area_pct / 100).astype("float64") ** (1 / years.astype("float64")) - 1).astype(
            "Float64"
        )
        share = float(t["in_demand_growth_area_share"])
        # for a shrinking area "90% of the area's rate" would be above it; use the area's rate itself then
        floor = area_rate.where(area_rate < 0, area_rate * share)
        idm.append(_at_least(rate, floor))
    in_demand = _all_of(idm, idx)
    if idm:
        in_demand = in_demand & eligible

    # high skill: any rule
    hs: list[pd.Series] = []
    if t.get("high_skill_min_education") is not None:
        edu = (
            education_level(df["education"])
            if "education" in df.columns
            else pd.Series(pd.NA, index=idx, dtype="Int64")
        )
        hs.append(_at_least(edu.astype("Float64"), float(t["high_skill_min_education"])))
    if t.get("high_skill_apprenticeship"):
        training = df["training"] if "training" in df.columns else pd.Series(pd.NA, index=idx)
        text = training.astype("string").str.strip().str.lower()
        hs.append(text.eq(TRAINING_APPRENTICESHIP).astype("boolean"))
    high_skill = _any_of(hs, idx)

    df["eligible"] = eligible
    df["high_wage"] = high_wage
    df["in_demand"] = in_demand
    df["high_skill"] = high_skill
    used = [c for c in ("high_wage", "in_demand", "high_skill") if use[c]]
    df["hshwid"] = _at_least_k([df[c] for c in used], _needed(thresholds, len(used)), idx)
    for c in ("eligible", "high_wage", "in_demand", "high_skill", "hshwid"):
        df.loc[is_total, c] = pd.NA
    return df
