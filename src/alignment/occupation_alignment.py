"""Completers against openings: the alignment a board can act on, per region × occupation and per program.

Labor supply is **postsecondary completers** of the analysis year. Each program's completers are spread over
the occupations its CIP code links to (CIP → SOC), but only those whose typical entry education fits the
program's award (the package table ``reference/award_education.csv``: a certificate of less than a year fits
occupations needing a high school diploma up to a postsecondary nondegree award, an associate's degree those
needing a nondegree award up to a bachelor's degree, …), by the run's allocation mode
(:func:`alignment.occupations.allocate_programs_to_socs`), so a completer is counted once across occupations.
A program none of whose linked occupations fits its award is set against no opening (``fit`` = ``none fit``:
an associate's degree in liberal arts is not supply for postsecondary teachers). Secondary CTE concentrators are
the pipeline into those programs: they are spread the same way, shown beside, and never counted as supply.

Per region × SOC (:func:`occupation_alignment`)::

    completers_s          = Σ_programs completers_p · w_p,s         (w from the allocation, Σ_s w_p,s = 1)
    completers_per_opening = completers_s / openings_s              (<NA> when openings are 0 or unknown)

Per program (:func:`program_alignment`), over the fitting occupations it links to, each counted once::

    openings_linked        = Σ_s openings_s
    completers_per_opening = Σ_s completers_s / openings_linked     (all programs' completers in them)
    share_family_wage      = Σ_{s meets} openings_s / openings_linked
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .constants import privacy_threshold
from .criteria import education_level
from .family_wage import meets_family_wage
from .occupations import allocate_programs_to_socs
from .reference import load_award_education

PROGRAM_KEYS = ["region_id", "institution", "program_name", "cip", "credential_level"]
#: per program × SOC column → region × SOC column: completers as a reader of the published tables can bound them
BOUNDS = {"bound_shown": "completers_shown", "bound_low": "completers_low", "bound_high": "completers_high"}
#: how a program's completer count is published (privacy.py): shown, below the threshold, withheld as a
#: complement, or missing in the source
COUNT_STATES = ("shown", "small", "withheld", "unknown")
TESTS = ["eligible", "high_wage", "in_demand", "high_skill", "hshwid"]
OCCUPATION_ALIGNMENT_COLUMNS = [
    "region_id",
    "soc",
    "soc_title",
    "cluster_code",
    "employment",
    "openings",
    "typical_education",
    "typical_training",
    "entry_wage_hourly_usd",
    "median_wage_hourly_usd",
    "wage_area_level",
    "family_wage_hourly_usd",
    "meets_family_wage",
    "completers",
    "completers_per_opening",
    *BOUNDS.values(),
    "n_cips_linked",
    "secondary_concentrators",
    "concentrators_low",
    "concentrators_high",
    *TESTS,
]
PROGRAM_ALIGNMENT_COLUMNS = [
    *PROGRAM_KEYS,
    "completers",
    "n_socs_fitting",
    "fit",
    "openings_linked",
    "completers_linked",
    "completers_per_opening",
    "share_openings_family_wage",
    "completers_linked_shown",
    "completers_linked_low",
    "completers_linked_high",
    "occupations_text",
    "wage_median_linked_hourly_usd",
]


def is_labor_supply(programs: pd.DataFrame) -> pd.Series:
    """Rows that are labor supply: postsecondary programs (a missing level counts as postsecondary).

    >>> is_labor_supply(pd.DataFrame({"level": ["secondary", "postsecondary", None]})).tolist()
    [False, True, True]
    """
    level = programs["level"].astype("string").str.lower() if "level" in programs else None
    if level is None:
        return pd.Series(True, index=programs.index)
    return (level != "secondary").fillna(True).astype(bool)


def fitting_links(
    programs: pd.DataFrame, cip_soc: pd.DataFrame, education: pd.DataFrame, award_education: pd.DataFrame
) -> pd.DataFrame:
    """The CIP → SOC links of each (cip, credential_level) pair of ``programs``, kept to occupations whose
    typical entry education fits the award. Columns ``link_key`` (``cip|credential``), ``cip``, ``soc`` and
    ``fit``: ``award`` (only fitting occupations kept), ``any`` (no award given: every link kept; a link
    whose occupation has no known education is always kept) or ``none fit`` (no linked occupation fits the
    award: one row with ``soc`` <NA>, so the completers are set against no opening).

    ``education``: ``soc``, ``typical_education`` (BLS category text).
    """
    pairs = programs[["cip", "credential_level"]].drop_duplicates().astype("string")
    links = cip_soc[["cip", "soc"]].astype("string").dropna().drop_duplicates()
    rank = education.drop_duplicates("soc").set_index("soc")["typical_education"]
    fit_table = award_education.set_index("credential_level")[["education_min", "education_max"]]
    m = pairs.merge(links, on="cip", how="left")
    m["rank"] = education_level(m["soc"].map(rank).astype("string"))
    lo = m["credential_level"].map(fit_table["education_min"]).astype("Float64")
    hi = m["credential_level"].map(fit_table["education_max"]).astype("Float64")
    known = lo.notna() & m["rank"].notna()
    fits = (~known) | ((m["rank"] >= lo) & (m["rank"] <= hi)).fillna(False)
    m["fits"] = fits.astype(bool)
    m["link_key"] = _link_key(m)
    any_fit = m.groupby("link_key")["fits"].transform("any")
    award_known = m["credential_level"].isin(fit_table.index)
    m["fit"] = np.where(~award_known, "any", np.where(any_fit, "award", "none fit"))
    out = m[m["fits"] & m["soc"].notna()]
    # a pair none of whose occupations fits keeps one row without a SOC: its completers are not counted
    # against any opening, and the program says why
    none = m[m["fit"] == "none fit"].drop_duplicates("link_key").assign(soc=pd.NA)
    out = pd.concat([out, none], ignore_index=True)
    return out[["link_key", "cip", "soc", "fit"]].astype("string").reset_index(drop=True)


def allocate(
    programs: pd.DataFrame,
    measure: str,
    links: pd.DataFrame,
    mode: str,
    occ_employment: pd.DataFrame,
) -> pd.DataFrame:
    """``measure`` of each program spread over its fitting links (:func:`fitting_links`): one row per
    program × SOC with ``weight`` and ``<measure>_allocated`` (:func:`alignment.occupations.allocate_programs_to_socs`)."""
    p = programs[[*PROGRAM_KEYS, measure]].copy()
    p["_cip"] = p["cip"]
    p["cip"] = _link_key(p)
    keyed = links[["link_key", "soc"]].rename(columns={"link_key": "cip"})
    out = allocate_programs_to_socs(p, keyed, mode, occ_employment)
    fit = links.drop_duplicates("link_key").set_index("link_key")["fit"]
    out["fit"] = out["cip"].map(fit).fillna("no linked occupation").astype("string")
    out["cip"] = out["_cip"]
    return out.drop(columns=["_cip"])


def count_bounds(
    spread: pd.DataFrame, states: pd.DataFrame | None, threshold: int, measure: str = "completers"
) -> pd.DataFrame:
    """Each program × SOC row of ``spread`` with its completers as a reader of the published tables can
    bound them: ``bound_shown`` (the share of a shown count, else 0), ``bound_low`` and ``bound_high``.

    A program's count is ``shown`` (``c``), ``small`` (1 … t − 1), ``withheld`` or ``unknown`` (missing in the
    source). With weight ``w`` on the SOC the row contributes ``c·w`` when shown, and ``low·w`` … ``high·w``
    otherwise, with the range of the program's count that the published tables allow (``states``' ``low`` and
    ``high``: :func:`alignment.publish.published_states`; without them 1 … t − 1 for a small count and 0 … ∞
    for a withheld or unknown one). Flags decided on these bounds, and figures printed from them, tell a
    reader nothing the published counts do not: the weights follow from published employment.

    >>> sp = pd.DataFrame({"region_id": ["r"] * 2, "institution": ["A", "B"], "program_name": ["P", "Q"],
    ...     "cip": ["1"] * 2, "credential_level": ["associate"] * 2, "soc": ["s"] * 2,
    ...     "weight": [0.5, 0.5], "completers": [40.0, 4.0]})
    >>> count_bounds(sp, None, 10)[["bound_shown", "bound_low", "bound_high"]].values.tolist()
    [[20.0, 20.0, 20.0], [0.0, 0.5, 4.5]]
    """
    s = spread.copy()
    c = pd.to_numeric(s[measure], errors="coerce").astype("Float64")
    n = c.fillna(0.0).to_numpy(dtype=float)
    t = float(threshold)
    is_small = ((c > 0) & (c < threshold)).fillna(False).to_numpy(dtype=bool)
    default = np.where(c.isna().to_numpy(), "unknown", np.where(is_small, "small", "shown"))
    state = pd.Series(default, index=s.index, dtype="string")
    lo = np.select([default == "shown", default == "small"], [n, 1.0], 0.0)
    hi = np.select([default == "shown", default == "small"], [n, t - 1], np.inf)
    if states is not None and len(states):
        keys = [k for k in PROGRAM_KEYS if k in states and k in s]
        cols = ["state", *[c for c in ("low", "high") if c in states]]
        table = states[[*keys, *cols]].astype({k: "string" for k in keys}).drop_duplicates(keys)
        given = s[keys].astype("string").merge(table, on=keys, how="left")
        found = given["state"].notna().to_numpy()
        state = given["state"].astype("string").set_axis(s.index).fillna(state)
        if "low" in given:
            lo = np.where(found, pd.to_numeric(given["low"]).to_numpy(dtype=float), lo)
            hi = np.where(found, pd.to_numeric(given["high"]).to_numpy(dtype=float), hi)
    w = pd.to_numeric(s["weight"], errors="coerce").astype("Float64").fillna(0.0).to_numpy(dtype=float)
    shown = state.to_numpy(dtype=object) == "shown"
    s["count_state"] = state
    s["bound_shown"] = np.where(shown, n * w, 0.0)
    s["bound_low"] = np.where(shown, n * w, lo * w)
    with np.errstate(invalid="ignore"):
        s["bound_high"] = np.where(w > 0, np.where(shown, n * w, hi * w), 0.0)
    return s


def _link_key(df: pd.DataFrame) -> pd.Series:
    return df["cip"].astype("string").fillna("") + "|" + df["credential_level"].astype("string").fillna("")


def occupation_alignment(
    occupations: pd.DataFrame,
    programs: pd.DataFrame,
    cip_soc: pd.DataFrame,
    soc_cluster: pd.DataFrame,
    *,
    mode: str = "weighted",
    floor_share: float = 1.0,
    entry_percentile: int = 25,
    award_education: pd.DataFrame | None = None,
    states: pd.DataFrame | None = None,
    threshold: int | None = None,
    pipeline_states: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Region × SOC completers against openings, and the same per program (see the module docstring).

    ``occupations``: the run's region × SOC table (``build``: employment, ``openings_annual``, wages,
    ``education``, ``occ_title``, ``family_wage_hourly_usd``, the preset's tests). ``programs``: the programs
    of the analysis year (``completers``, ``concentrators``, ``level``, ``credential_level``). Returns
    ``(occupation_alignment, program_alignment)``.
    """
    award_education = load_award_education() if award_education is None else award_education
    occ = occupations.copy()
    education = occ[["soc", "education"]].rename(columns={"education": "typical_education"})
    emp = occ[["region_id", "soc", "employment"]]
    supply = programs[is_labor_supply(programs) & programs["region_id"].notna()]
    supply = _program_totals(supply, "completers")
    links = fitting_links(supply, cip_soc, education, award_education)
    spread = allocate(supply, "completers", links, mode, emp)
    t = privacy_threshold() if threshold is None else threshold
    spread = count_bounds(spread, states, t)
    completers = spread.groupby(["region_id", "soc"])["completers_allocated"].sum(min_count=1)
    bounds = spread.groupby(["region_id", "soc"])[list(BOUNDS)].sum()

    pipeline = programs[~is_labor_supply(programs) & programs["region_id"].notna()]
    pipeline = _program_totals(pipeline.assign(credential_level=pd.NA), "concentrators")
    plinks = fitting_links(pipeline, cip_soc, education, award_education)
    pspread = allocate(pipeline, "concentrators", plinks, mode, emp)
    pspread = count_bounds(pspread, pipeline_states, t, "concentrators")
    concentrators = pspread.groupby(["region_id", "soc"])["concentrators_allocated"].sum(min_count=1)
    pbounds = pspread.groupby(["region_id", "soc"])[["bound_low", "bound_high"]].sum()

    key = pd.MultiIndex.from_frame(occ[["region_id", "soc"]].astype("string"))
    occ["completers"] = completers.reindex(key).to_numpy()
    occ["secondary_concentrators"] = concentrators.reindex(key).to_numpy()
    for col, name in BOUNDS.items():
        occ[name] = pd.to_numeric(bounds[col].reindex(key), errors="coerce").fillna(0.0).to_numpy()
        occ[name] = occ[name].astype("Float64")
    for col, name in {"bound_low": "concentrators_low", "bound_high": "concentrators_high"}.items():
        occ[name] = pd.to_numeric(pbounds[col].reindex(key), errors="coerce").fillna(0.0).to_numpy()
        occ[name] = occ[name].astype("Float64")
    n_cips = cip_soc[["cip", "soc"]].astype("string").dropna().drop_duplicates().groupby("soc")["cip"].size()
    occ["n_cips_linked"] = occ["soc"].map(n_cips).fillna(0).astype("Int64")
    occ["typical_training"] = occ["training"] if "training" in occ else pd.Series(pd.NA, index=occ.index)
    occ["typical_training"] = occ["typical_training"].astype("string")
    openings = pd.to_numeric(occ["openings_annual"], errors="coerce").astype("Float64")
    occ["openings"] = openings
    occ["completers"] = pd.to_numeric(occ["completers"]).astype("Float64").fillna(0.0)
    occ["completers_per_opening"] = (occ["completers"] / openings.mask(openings <= 0)).astype("Float64")
    occ["secondary_concentrators"] = (
        pd.to_numeric(occ["secondary_concentrators"]).astype("Float64").fillna(0.0)
    )
    occ["soc_title"] = occ["occ_title"].astype("string")
    occ["typical_education"] = occ["education"].astype("string")
    occ["entry_wage_hourly_usd"] = occ[f"wage_p{entry_percentile}_hourly_usd"].astype("Float64")
    occ["median_wage_hourly_usd"] = occ["wage_median_hourly_usd"].astype("Float64")
    occ["family_wage_hourly_usd"] = pd.to_numeric(occ["family_wage_hourly_usd"]).astype("Float64")
    occ["meets_family_wage"] = meets_family_wage(
        occ["median_wage_hourly_usd"], occ["family_wage_hourly_usd"], floor_share
    )
    occ["cluster_code"] = occ["soc"].map(_main_cluster(soc_cluster)).astype("string")
    for t in TESTS:
        if t not in occ:
            occ[t] = pd.array([pd.NA] * len(occ), dtype="boolean")
    out = occ[OCCUPATION_ALIGNMENT_COLUMNS].sort_values(["region_id", "soc"], kind="mergesort")
    out = out.reset_index(drop=True)
    return out, program_alignment(spread, out)


def program_alignment(spread: pd.DataFrame, occupation_table: pd.DataFrame) -> pd.DataFrame:
    """Per program: the fitting occupations it leads to, their openings, all completers in them, and the share
    of those openings at the family-supporting wage (see the module docstring)."""
    occ = occupation_table.set_index(["region_id", "soc"])
    rows = []
    for keys, g in spread.groupby(PROGRAM_KEYS, dropna=False, sort=True):
        socs = [s for s in g["soc"].dropna().unique()]
        idx = [(keys[0], s) for s in socs if (keys[0], s) in occ.index]
        o = occ.loc[idx] if idx else occ.iloc[:0]
        openings = pd.to_numeric(o["openings"], errors="coerce")
        # occupations the program fits but the region does not have: no openings here
        total = float(openings.sum()) if openings.notna().any() else (0.0 if socs and not idx else np.nan)
        linked = float(o["completers"].sum()) if len(o) else np.nan
        meets = o["meets_family_wage"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        at_wage = float(openings[meets].sum()) if len(o) else np.nan
        if socs and not idx:  # the program's own completers are all the region has for them
            bounds = [float(g[b].sum()) for b in BOUNDS]
        else:
            bounds = [float(pd.to_numeric(o[c]).sum()) if len(o) else np.nan for c in BOUNDS.values()]
        rows.append(
            (
                *keys,
                _float(g["completers"].iloc[0]),
                len(socs),
                str(g["fit"].iloc[0]),
                total,
                linked,
                linked / total if total and total > 0 else np.nan,
                at_wage / total if total and total > 0 else np.nan,
                *bounds,
                _occupations_text(o),
                _median_of_openings(o),
            )
        )
    out = pd.DataFrame(rows, columns=PROGRAM_ALIGNMENT_COLUMNS)
    floats = ["completers", "openings_linked", "completers_linked", "completers_per_opening"]
    floats += ["share_openings_family_wage", "completers_linked_shown", "completers_linked_low"]
    floats += ["wage_median_linked_hourly_usd"]
    out = out.astype({c: "Float64" for c in floats})
    out["completers_linked_high"] = out["completers_linked_high"].astype("float64")
    strings = [*PROGRAM_KEYS, "fit", "occupations_text"]
    return out.astype({c: "string" for c in strings}).astype({"n_socs_fitting": "Int64"})


def _float(v: object) -> float:
    return np.nan if v is None or pd.isna(v) else float(v)


def _median_of_openings(o: pd.DataFrame) -> float:
    """The median wage of a program's openings: the occupation median wage that half of its openings reach.

    >>> o = pd.DataFrame({"openings": [10.0, 30.0, 5.0], "median_wage_hourly_usd": [40.0, 20.0, 30.0]})
    >>> _median_of_openings(o)
    20.0
    """
    if not len(o):
        return np.nan
    w = pd.DataFrame(
        {
            "o": pd.to_numeric(o["openings"], errors="coerce").to_numpy(dtype=float),
            "wage": pd.to_numeric(o["median_wage_hourly_usd"], errors="coerce").to_numpy(dtype=float),
        }
    ).dropna()
    w = w[w["o"] > 0].sort_values("wage", kind="mergesort")
    if w.empty:
        return np.nan
    cum = w["o"].cumsum() / w["o"].sum()
    return float(w.loc[cum >= 0.5 - 1e-12, "wage"].iloc[0])


def _occupations_text(o: pd.DataFrame, limit: int = 3) -> str | None:
    """The titles of a program's occupations, most openings first: "A; B; C and 2 others"."""
    if not len(o):
        return None
    top = o.assign(_o=pd.to_numeric(o["openings"], errors="coerce").fillna(0.0))
    titles = top.sort_values("_o", ascending=False, kind="mergesort")["soc_title"].dropna().astype(str)
    titles = list(dict.fromkeys(titles))
    if not titles:
        return None
    head = "; ".join(titles[:limit])
    rest = len(titles) - limit
    return head if rest <= 0 else f"{head} and {rest} other{'s' if rest > 1 else ''}"


def _program_totals(programs: pd.DataFrame, measure: str) -> pd.DataFrame:
    """One row per program (its cluster rows under the ``split`` rule summed back)."""
    p = programs.copy()
    for c in PROGRAM_KEYS:
        if c not in p:
            p[c] = pd.NA
    p[measure] = pd.to_numeric(p[measure], errors="coerce").astype("Float64")
    g = p.groupby(PROGRAM_KEYS, dropna=False, sort=True)[measure].sum(min_count=1).reset_index()
    return g.astype({c: "string" for c in PROGRAM_KEYS})


def _main_cluster(soc_cluster: pd.DataFrame) -> pd.Series:
    """SOC → the cluster it belongs to most (largest share; first code on a tie)."""
    t = soc_cluster.copy()
    if "share" not in t:
        t["share"] = 1.0
    t = t.sort_values(["soc", "share", "cluster_code"], ascending=[True, False, True], kind="mergesort")
    return t.drop_duplicates("soc").set_index("soc")["cluster_code"]


#: columns of :func:`openings_by_cluster` (the GeoPackage layer ``openings_by_region``)
OPENINGS_BY_CLUSTER_COLUMNS = [
    "region_id",
    "cluster_code",
    "occupations",
    "employment",
    "openings",
    "share_openings_family_wage",
    "completers_text",
    "completers_per_opening_low",
    "completers_per_opening_high",
]


def openings_by_cluster(occupation_alignment: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Per region × cluster (each occupation in the cluster it belongs to most): jobs, openings a year, the share
    of openings paying the family wage, and completers per opening as a reader of the published tables can
    bound them (``completers_per_opening_high`` empty when a withheld count leaves it open).

    >>> oa = pd.DataFrame({"region_id": ["r", "r"], "cluster_code": ["H", "H"], "employment": [90.0, 10.0],
    ...     "openings": [8.0, 2.0], "meets_family_wage": [True, False], "completers_low": [20.0, 0.0],
    ...     "completers_high": [20.0, 0.0]})
    >>> openings_by_cluster(oa, 10)[["openings", "share_openings_family_wage", "completers_text",
    ...     "completers_per_opening_low"]].values.tolist()
    [[10.0, 0.8, '20', 2.0]]
    """
    from .decisions import completers_text

    o = occupation_alignment.copy()
    o["_at_wage"] = pd.to_numeric(o["openings"], errors="coerce").where(
        o["meets_family_wage"].astype("boolean").fillna(False).astype(bool), 0.0
    )
    g = o.groupby(["region_id", "cluster_code"], sort=True)
    out = g.agg(
        occupations=("openings", "size"),
        employment=("employment", "sum"),
        openings=("openings", "sum"),
        _at_wage=("_at_wage", "sum"),
        _low=("completers_low", "sum"),
        _high=("completers_high", "sum"),
    ).reset_index()
    opened = out["openings"].where(out["openings"] > 0)
    out["share_openings_family_wage"] = out["_at_wage"] / opened
    out["completers_text"] = [
        completers_text(a, b, threshold) for a, b in zip(out["_low"], out["_high"], strict=True)
    ]
    out["completers_per_opening_low"] = out["_low"] / opened
    out["completers_per_opening_high"] = (out["_high"] / opened).replace(np.inf, np.nan)
    floats = ["employment", "openings", "share_openings_family_wage"]
    floats += ["completers_per_opening_low", "completers_per_opening_high"]
    out = out[OPENINGS_BY_CLUSTER_COLUMNS].astype({c: "float64" for c in floats})
    return out.astype({"occupations": "int64", "completers_text": "string"})
