"""Flags: the rules of a state preset applied to programs and clusters, with a plain-language reason.

Flag codes (``scope`` in brackets) and when they fire, with ``t`` the thresholds of the preset:

- ``LOW_DEMAND`` [program]: the program's cluster has ``lq < t.low_demand_lq`` or
  ``demand_share < t.min_demand_share`` in its region.
- ``OVERSUPPLIED`` [program]: the program's cluster has ``ratio >= t.oversupply_ratio`` and
  ``gap <= -t.min_gap_students``.
- ``UNDERSUPPLIED`` [cluster]: ``demand_share >= t.min_demand_share`` and ``ratio <= t.undersupply_ratio``
  (a cluster with no students at all counts as ratio 0): demand with little or no program.
- ``BELOW_FAMILY_WAGE`` [program]: the program's occupation wage per hour is below
  ``t.wage_floor_share ×`` the region's family-supporting hourly wage.
- ``FEW_HSHWID_JOBS`` [program]: less than ``t.min_hshwid_share`` of the program's linked occupations (as
  the run allocates it among them) meet the preset's high-skill, high-wage, in-demand tests
  (``criteria.py``); needs occupational projections.
- ``UNMATCHED_PROGRAM`` [program]: no valid CIP, no cluster for the CIP, or a county in no region.
- ``SUPPRESSED`` [program]: the program's count of the supply measure is below ``t.privacy_threshold``
  (or was suppressed at the source); the reason says so without the number.

Severity (a number for ranking, higher = more serious; substantive flags lie in [0, 1]):

- LOW_DEMAND: the largest relative shortfall among the criteria that fired,
  ``1 − lq / t.low_demand_lq`` or ``1 − demand_share / t.min_demand_share``;
- OVERSUPPLIED: ``1 − t.oversupply_ratio / ratio`` (0 at the threshold, towards 1 as the ratio grows);
- UNDERSUPPLIED: ``1 − ratio / t.undersupply_ratio`` (1 when the cluster has no students);
- BELOW_FAMILY_WAGE: ``1 − wage / (t.wage_floor_share × family wage)``;
- FEW_HSHWID_JOBS: ``1 − share / t.min_hshwid_share``;
- UNMATCHED_PROGRAM and SUPPRESSED: 0 (data notes, ranked after every substantive flag).

Reasons never print a student count below the privacy threshold, nor a share or ratio from which such a
count could be computed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .constants import FLAG_CODES, default_thresholds
from .family_wage import meets_family_wage, wage_floor
from .privacy import format_count, is_small

__all__ = ["FLAG_COLUMNS", "FLAG_ORDER", "default_thresholds", "flag_pathways", "rank_pathways"]

FLAG_COLUMNS = [
    "region_id",
    "year",
    "scope",
    "institution",
    "program_name",
    "cip",
    "cluster_code",
    "flag",
    "severity",
    "reason",
    "credential_level",
    "soc",
    "basis",
]
FLAG_ORDER = list(FLAG_CODES)
#: flags decided on the cluster mix when a run has no occupational projections (``basis`` = ``mix``)
MIX_FLAGS = frozenset({"LOW_DEMAND", "OVERSUPPLIED", "UNDERSUPPLIED", "BELOW_FAMILY_WAGE"})
_PROGRAM_KEYS = ["institution", "county_fips", "program_code", "program_name", "cip", "level", "year"]


def _severity(x: float) -> float:
    return round(min(1.0, max(0.0, float(x))), 6)


def _label(row: pd.Series) -> str:
    name = row.get("program_name")
    name = "A program" if name is None or pd.isna(name) else str(name)
    cip = row.get("cip")
    cip_text = f" ({cip})" if cip is not None and pd.notna(cip) else " (no valid CIP code)"
    inst = row.get("institution")
    at = f" at {inst}" if inst is not None and pd.notna(inst) else ""
    return f"{name}{cip_text}{at}"


def _equivalent(row: pd.Series, thr: int) -> str:
    """The demand equivalent as text ("about 60" or "fewer than 10"). It is not a count of real students, so
    it is printed even when small, unless the region's total S (= demand_equivalent / demand_share) is
    itself below the threshold."""
    de, ds = row["demand_equivalent"], row["demand_share"]
    if pd.isna(de):
        return "an unknown number of"
    total = de / ds if pd.notna(ds) and ds > 0 else pd.NA
    if is_small(total, thr) and is_small(de, thr):
        return f"fewer than {thr}"
    return f"about {round(float(de)):,}"


def _r(x: object) -> float:
    """A value rounded to 9 decimals for comparison with a threshold (0.15 / 0.2 must equal 0.75)."""
    return round(float(x), 9)


def _pct(x: object) -> str:
    return "n/a" if x is None or pd.isna(x) else f"{float(x):.1%}"


def _text(x: object, fallback: str) -> str:
    return fallback if x is None or pd.isna(x) else str(x)


def flag_pathways(
    programs: pd.DataFrame,
    alignment: pd.DataFrame,
    program_wages: pd.DataFrame | None,
    family_wage: pd.DataFrame | None,
    thresholds: dict[str, float] | None = None,
    program_occupations: pd.DataFrame | None = None,
    preset: str = "default",
    occupation_alignment: pd.DataFrame | None = None,
    program_alignment: pd.DataFrame | None = None,
    award_education: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Flags for the programs and clusters of the alignment year (rules and severity: module docstring).

    ``programs`` is the programs table (rows of other years are ignored), ``alignment`` the output of
    ``align.align``, ``program_wages`` the output of ``demand.occupation_wages_for_programs`` (or None:
    no wage flags), ``family_wage`` one row per region with ``region_id``, ``wage_hourly_usd`` and
    optionally ``family_type`` (e.g. ``1 adult, 1 child``) (or None), ``program_occupations`` the
    pipeline's table of each program's linked occupations (or None: no FEW_HSHWID_JOBS flags) and
    ``preset`` its name for the reasons. With ``occupation_alignment`` and ``program_alignment``
    (:mod:`alignment.occupation_alignment`) the supply and wage flags are decided on completers against
    openings (:func:`openings_flags`); without them, on the cluster mix comparison. Missing thresholds take the value of the default preset. Returns the flags table of docs/tables.md, ranked by ``rank_pathways``.
    """
    t = {**default_thresholds(), **(thresholds or {})}
    thr = int(t["privacy_threshold"])
    al = alignment.copy()
    year = int(al["year"].iloc[0]) if len(al) else None
    measure = str(al["supply_measure"].iloc[0]) if len(al) and "supply_measure" in al else "completers"
    progs = programs.copy()
    if year is not None and "year" in progs.columns:
        progs = progs[progs["year"] == year]
    for c in _PROGRAM_KEYS + ["region_id", "cluster_code", "matched"]:
        if c not in progs.columns:
            progs[c] = pd.NA
    progs = progs.reset_index(drop=True)
    region_names = al.drop_duplicates("region_id").set_index("region_id")["region_name"].to_dict()
    rows: list[dict] = []
    by_openings = occupation_alignment is not None and program_alignment is not None
    extra: list[dict] = []
    if by_openings:
        extra = openings_flags(
            occupation_alignment,
            program_alignment,
            progs,
            al,
            family_wage,
            t,
            preset=preset,
            year=year,
            award_education=award_education,
        )

    def add(row: pd.Series, scope: str, flag: str, severity: float, reason: str) -> None:
        rows.append(
            {
                "region_id": row.get("region_id"),
                "year": year if year is not None else row.get("year"),
                "scope": scope,
                "institution": row.get("institution") if scope == "program" else pd.NA,
                "program_name": row.get("program_name") if scope == "program" else pd.NA,
                "cip": row.get("cip") if scope == "program" else pd.NA,
                "cluster_code": row.get("cluster_code"),
                "flag": flag,
                "severity": _severity(severity),
                "reason": reason,
                "basis": "mix" if flag in MIX_FLAGS else pd.NA,
            }
        )

    # ---- cluster facts joined to each program row
    cl_cols = [
        "region_id",
        "cluster_code",
        "cluster_name",
        "region_name",
        "lq",
        "demand_share",
        "ratio",
        "gap",
        "supply",
        "demand_equivalent",
        "supply_share",
    ]
    p = progs.merge(al[cl_cols], on=["region_id", "cluster_code"], how="left")

    for _, r in p.iterrows():
        label = _label(r)
        region = _text(r["region_name"], _text(r["region_id"], "its region"))
        cluster = _text(r["cluster_name"], _text(r["cluster_code"], "its cluster"))
        matched = bool(r["matched"]) if pd.notna(r["matched"]) else False
        if by_openings or not matched or pd.isna(r["region_id"]) or pd.isna(r["demand_share"]):
            continue
        low_lq = pd.notna(r["lq"]) and _r(r["lq"]) < t["low_demand_lq"]
        low_share = _r(r["demand_share"]) < t["min_demand_share"]
        if low_lq or low_share:
            sev = max(
                1 - r["lq"] / t["low_demand_lq"] if low_lq else 0.0,
                1 - r["demand_share"] / t["min_demand_share"] if low_share else 0.0,
            )
            lq_text = (
                f"a location quotient of {r['lq']:.2f}"
                if pd.notna(r["lq"])
                else "no location quotient available"
            )
            add(
                r,
                "program",
                "LOW_DEMAND",
                sev,
                f"{label} prepares students for {cluster}, which holds {_pct(r['demand_share'])} of jobs in "
                f"{region} (threshold {_pct(t['min_demand_share'])}) with {lq_text} "
                f"(threshold {t['low_demand_lq']:.2f}).",
            )
        if (
            pd.notna(r["ratio"])
            and _r(r["ratio"]) >= t["oversupply_ratio"]
            and _r(r["gap"]) <= -t["min_gap_students"]
        ):
            sev = 1 - t["oversupply_ratio"] / r["ratio"]
            amount = (
                f"more {measure} than"
                if is_small(r["supply"], thr)
                else f"{r['ratio']:.1f} times the {measure}"
            )
            add(
                r,
                "program",
                "OVERSUPPLIED",
                sev,
                f"{label} is in {cluster}, where {region} has {amount} its job mix "
                f"suggests ({format_count(r['supply'], thr)} against {_equivalent(r, thr)}).",
            )

    # ---- program-level flags that do not depend on the cluster (one per program even under `split`)
    firsts = p.drop_duplicates(_PROGRAM_KEYS, keep="first")
    if not by_openings and program_wages is not None and family_wage is not None and len(program_wages):
        pw = program_wages[[c for c in _PROGRAM_KEYS if c in program_wages.columns] + ["wage_hourly_usd"]]
        keys = [c for c in _PROGRAM_KEYS if c in pw.columns]
        fw = family_wage.drop_duplicates("region_id")
        fw_cols = ["region_id", "wage_hourly_usd"] + (["family_type"] if "family_type" in fw.columns else [])
        w = firsts.merge(pw.drop_duplicates(keys), on=keys, how="left").merge(
            fw[fw_cols].rename(columns={"wage_hourly_usd": "family_hourly_usd"}), on="region_id", how="left"
        )
        w["meets"] = meets_family_wage(w["wage_hourly_usd"], w["family_hourly_usd"], t["wage_floor_share"])
        for _, r in w[w["meets"].eq(False).fillna(False).astype(bool)].iterrows():
            floor = wage_floor(r["family_hourly_usd"], t["wage_floor_share"])
            family = f" for {r['family_type']}" if pd.notna(r.get("family_type", pd.NA)) else ""
            region = region_names.get(r["region_id"], r["region_id"])
            share = "" if t["wage_floor_share"] == 1 else f"{t['wage_floor_share']:.0%} of "
            add(
                r,
                "program",
                "BELOW_FAMILY_WAGE",
                1 - r["wage_hourly_usd"] / floor,
                f"{_label(r)} leads to jobs whose median pay is ${r['wage_hourly_usd']:.2f}/h, below "
                f"{share}the ${r['family_hourly_usd']:.2f}/h family-supporting wage{family} in {region}.",
            )

    if program_occupations is not None and len(program_occupations) and t.get("min_hshwid_share") is not None:
        keys = ["region_id", "institution", "program_name", "cip"]
        extra_cols = ["openings_linked"] if "openings_linked" in program_occupations else []
        po = program_occupations[[*keys, "share_hshwid", "n_socs", *extra_cols]].drop_duplicates(keys)
        h = firsts.merge(po, on=keys, how="inner")
        floor = float(t["min_hshwid_share"])
        for _, r in h.iterrows():
            share = r["share_hshwid"]
            if pd.isna(share) or floor <= 0 or _r(share) >= _r(floor):
                continue
            region = region_names.get(r["region_id"], r["region_id"])
            opened = r.get("openings_linked", pd.NA)
            openings = f" (about {round(float(opened)):,} openings a year)" if pd.notna(opened) else ""
            add(
                r,
                "program",
                "FEW_HSHWID_JOBS",
                1 - float(share) / floor,
                f"{_label(r)} leads to occupations{openings} of which {float(share):.0%} (by the run's "
                f"allocation) meet the {preset} preset's high-skill, high-wage, in-demand tests in {region}; the "
                f"floor is {floor:.0%}.",
            )

    for _, r in firsts.iterrows():
        label = _label(r)
        if pd.isna(r["region_id"]):
            add(
                r,
                "program",
                "UNMATCHED_PROGRAM",
                0.0,
                f"{label} is in county {_text(r['county_fips'], 'unknown')}, which is in no region of the "
                f"regions file, so it is left out of the alignment.",
            )
        elif not (bool(r["matched"]) if pd.notna(r["matched"]) else False):
            why = (
                "has no valid CIP code"
                if pd.isna(r["cip"])
                else "has a CIP code the crosswalk does not place"
            )
            add(
                r,
                "program",
                "UNMATCHED_PROGRAM",
                0.0,
                f"{label} {why} in a career cluster, so it is left out of the alignment.",
            )
        n = r.get(measure, pd.NA)
        if pd.notna(n) and "allocation_share" in r.index and pd.notna(r["allocation_share"]):
            n = n / r["allocation_share"]  # the program's whole count under the `split` rule
        if pd.isna(n):
            add(
                r,
                "program",
                "SUPPRESSED",
                0.0,
                f"{label} has its {measure} count suppressed in the source file, so the number is not shown.",
            )
        elif 0 < float(n) < thr:
            add(
                r,
                "program",
                "SUPPRESSED",
                0.0,
                f"{label} has fewer than {thr} {measure}, so the number is not shown.",
            )

    # ---- cluster-level flags
    for _, r in al.iterrows():
        if by_openings:
            break
        if pd.isna(r["demand_share"]) or _r(r["demand_share"]) < t["min_demand_share"]:
            continue
        supply = r["supply"]
        if pd.isna(supply):
            continue
        ratio = r["ratio"] if pd.notna(r["ratio"]) else (0.0 if supply == 0 else pd.NA)
        if pd.isna(ratio) or _r(ratio) > t["undersupply_ratio"]:
            continue
        region = _text(r["region_name"], r["region_id"])
        cluster = _text(r["cluster_name"], r["cluster_code"])
        de = _equivalent(r, thr)
        if supply == 0:
            tail = "but no program in the region reports any"
        elif is_small(supply, thr):
            tail = f"but its programs have fewer than {thr}"
        else:
            tail = f"but its programs have {format_count(supply, thr)} (ratio {float(ratio):.2f})"
        add(
            r,
            "cluster",
            "UNDERSUPPLIED",
            1 - float(ratio) / t["undersupply_ratio"],
            f"{cluster} holds {_pct(r['demand_share'])} of jobs in {region}, which suggests {de} "
            f"{measure}, {tail}.",
        )

    out = pd.DataFrame(rows, columns=FLAG_COLUMNS)
    if extra:
        out = pd.concat([out, pd.DataFrame(extra, columns=FLAG_COLUMNS)], ignore_index=True)
    out = out.astype(
        {
            "region_id": "string",
            "scope": "string",
            "institution": "string",
            "program_name": "string",
            "cip": "string",
            "cluster_code": "string",
            "flag": "string",
            "severity": "float64",
            "reason": "string",
            "year": "Int64",
            "credential_level": "string",
            "soc": "string",
            "basis": "string",
        }
    )
    return rank_pathways(out)


def rank_pathways(flags: pd.DataFrame) -> pd.DataFrame:
    """Flags ordered for reading: by severity (highest first), then a fixed order of flag codes
    (``FLAG_ORDER``), region, cluster, institution, program name and CIP; missing values last. Adds
    ``rank`` (1, 2, ... within each region), so the order is the same on every run.

    >>> f = pd.DataFrame({"region_id": ["r", "r", "r"],
    ...     "flag": ["LOW_DEMAND", "BELOW_FAMILY_WAGE", "SUPPRESSED"], "severity": [0.4, 0.4, 0.0],
    ...     "cluster_code": ["A", "B", "A"], "institution": ["X", "X", "X"],
    ...     "program_name": ["P", "P", "P"], "cip": ["48.0508"] * 3})
    >>> rank_pathways(f)[["flag", "rank"]].values.tolist()
    [['BELOW_FAMILY_WAGE', 1], ['LOW_DEMAND', 2], ['SUPPRESSED', 3]]
    """
    f = flags.copy()
    f["_neg"] = -f["severity"].astype(float)
    f["_order"] = f["flag"].map({k: i for i, k in enumerate(FLAG_ORDER)}).fillna(len(FLAG_ORDER))
    keys = ["_neg", "_order"] + [
        c
        for c in ("region_id", "cluster_code", "institution", "program_name", "cip", "reason")
        if c in f.columns
    ]
    f = f.sort_values(keys, kind="mergesort", na_position="last").reset_index(drop=True)
    f["rank"] = (f.groupby("region_id", dropna=False).cumcount() + 1).astype("int64")
    return f.drop(columns=["_neg", "_order"])


#: BLS typical on-the-job training that makes a high-school-level occupation middle-skill (methods.md)
MIDDLE_SKILL_TRAINING = frozenset(
    {
        "moderate-term on-the-job training",
        "long-term on-the-job training",
        "apprenticeship",
        "internship/residency",
    }
)


def middle_skill(
    occupations: pd.DataFrame, award_education: pd.DataFrame | None, awards: set[str]
) -> pd.Series:
    """Occupations a sub-baccalaureate program can be expected to fill: typical entry education that fits an
    award the run's programs grant (``award_education``; ranks 2–6 when no award is known), and either more
    than a high school diploma or a diploma with more than short-term on-the-job training.

    >>> occ = pd.DataFrame({"typical_education": ["High school diploma or equivalent"] * 2 +
    ...     ["Associate's degree", "Master's degree"], "typical_training": ["Short-term on-the-job training",
    ...     "Moderate-term on-the-job training", "None", "None"]})
    >>> middle_skill(occ, None, set()).tolist()
    [False, True, True, False]
    """
    from .criteria import education_level

    rank = education_level(occupations["typical_education"]).astype("Float64")
    lo, hi = 2.0, 6.0
    if award_education is not None and awards:
        fit = award_education[award_education["credential_level"].isin(awards)]
        if len(fit):
            lo, hi = float(fit["education_min"].min()), float(fit["education_max"].max())
    training = occupations["typical_training"].astype("string").str.strip().str.lower()
    more_than_diploma = (rank >= 3) | ((rank == 2) & training.isin(MIDDLE_SKILL_TRAINING))
    return ((rank >= lo) & (rank <= hi) & more_than_diploma).fillna(False).astype(bool)


def _whole(x: float) -> str:
    return f"{round(float(x)):,}"


def _supply_text(low: float, high: float, thr: int, *, side: str) -> str:
    """Completers of a set of occupations as a reader may see them: exact when the bounds meet, else the
    bound the flag was decided on ("at least" for a surplus, "at most" for a shortfall); never a figure
    from 1 to thr − 1.

    >>> [_supply_text(*b, 10, side="low") for b in [(0, 0), (4, 4), (40, 40), (40, 55), (3, 8), (0, float("inf"))]]
    ['no completers', 'fewer than 10 completers', '40 completers', 'at least 40 completers', 'fewer than 10 completers', 'an unpublished number of completers']
    """
    if abs(high - low) < 1e-9:
        if low == 0:
            return "no completers"
        return f"fewer than {thr} completers" if low < thr else f"{_whole(low)} completers"
    if high < thr:
        return f"fewer than {thr} completers"
    if side == "low" and low >= thr:
        return f"at least {_whole(low)} completers"
    if side == "high" and np.isfinite(high):
        return f"at most {_whole(high)} completers"
    return "an unpublished number of completers"


def _award_names(award_education: pd.DataFrame | None) -> dict[str, str]:
    if award_education is None:
        from .reference import load_award_education

        award_education = load_award_education()
    return {
        str(k): str(v).lower()
        for k, v in zip(award_education["credential_level"], award_education["award"], strict=True)
    }


def _institutions_text(names: list[str], limit: int = 3) -> str:
    """``A``, ``A and B``, ``A, B and C``, ``A, B, C and 4 others``."""
    if len(names) <= limit:
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    rest = len(names) - limit
    return ", ".join(names[:limit]) + f" and {rest} other{'s' if rest > 1 else ''}"


def openings_flags(
    occupation_alignment: pd.DataFrame,
    program_alignment: pd.DataFrame,
    programs: pd.DataFrame,
    alignment: pd.DataFrame,
    family_wage: pd.DataFrame | None,
    t: dict,
    *,
    preset: str = "default",
    year: int | None = None,
    award_education: pd.DataFrame | None = None,
) -> list[dict]:
    """The supply and wage flags decided on completers against openings (docs/methods.md, "Flags").

    With ``ratio = completers ÷ annual openings`` of a program's fitting occupations (all the region's
    programs' completers in them, at the bound a reader of the published tables can work out:
    :func:`alignment.occupation_alignment.count_bounds`):

    - ``OVERSUPPLIED`` [program × award, all its institutions]: ``low ≥ t.oversupply_ratio × openings`` and
      ``low − openings ≥ t.min_gap_students`` (or no opening at all and ``low ≥ t.min_gap_students``);
      severity ``1 − t.oversupply_ratio / ratio`` (1 with no opening).
    - ``UNDERSUPPLIED`` [occupation]: a middle-skill occupation (:func:`middle_skill`) paying the
      family-supporting wage that some CIP code leads to (a bachelor's-level one only when a sub-baccalaureate
      award is a common way in: ``reference/sub_baccalaureate_entry.csv``), with ``high ≤ t.undersupply_ratio × openings`` and ``openings − high ≥ t.min_gap_students``;
      severity ``1 − (high / openings) / t.undersupply_ratio``.
    - ``BELOW_FAMILY_WAGE`` [program × award]: less than ``t.min_family_wage_openings_share`` of the
      openings of its fitting occupations pay the family-supporting wage (median wage ≥
      ``t.wage_floor_share ×`` the region's family wage); severity ``1 − share / min share``.
    - ``LOW_DEMAND`` [cluster, severity 0]: context only — the mix comparison of a cluster with programs
      whose industries hold less than ``t.min_demand_share`` of the region's jobs or have
      ``lq < t.low_demand_lq``.
    """
    thr = int(t["privacy_threshold"])
    over, under, gap = (
        float(t["oversupply_ratio"]),
        float(t["undersupply_ratio"]),
        float(t["min_gap_students"]),
    )
    min_share = float(t.get("min_family_wage_openings_share", 0.5))
    awards = _award_names(award_education)
    names = alignment.drop_duplicates("region_id").set_index("region_id")["region_name"].to_dict()
    cluster_names = (
        alignment.drop_duplicates("cluster_code").set_index("cluster_code")["cluster_name"].to_dict()
    )
    fam = {}
    if family_wage is not None and len(family_wage):
        fw = family_wage.drop_duplicates("region_id").set_index("region_id")
        fam = {r: (fw.loc[r, "wage_hourly_usd"], fw.loc[r].get("family_type", pd.NA)) for r in fw.index}
    rows: list[dict] = []

    def add(region: object, scope: str, flag: str, severity: float, reason: str, **cols: object) -> None:
        rows.append(
            {
                "region_id": region,
                "year": year,
                "scope": scope,
                "institution": cols.get("institution", pd.NA),
                "program_name": cols.get("program_name", pd.NA),
                "cip": cols.get("cip", pd.NA),
                "cluster_code": cols.get("cluster_code", pd.NA),
                "flag": flag,
                "severity": _severity(severity),
                "reason": reason,
                "credential_level": cols.get("credential_level", pd.NA),
                "soc": cols.get("soc", pd.NA),
                "basis": "openings",
            }
        )

    # ---- programs × award, every institution together
    keys = ["region_id", "institution", "program_name", "cip"]
    cl = programs.dropna(subset=["cluster_code"]).drop_duplicates(keys).set_index(keys)["cluster_code"]
    pa_ = program_alignment[program_alignment["region_id"].notna() & (program_alignment["fit"] != "none fit")]
    pa_ = pa_.assign(_cluster=[cl.get(tuple(k), pd.NA) for k in pa_[keys].itertuples(index=False)])
    group = ["region_id", "cip", "credential_level"]
    for (region, cip, award), g in pa_.groupby(group, dropna=False, sort=True):
        if pd.isna(region):
            continue
        insts = sorted(set(g["institution"].dropna().astype(str)))
        counts = g["program_name"].dropna().astype(str).value_counts()
        name = sorted(counts[counts == counts.max()].index)[0] if len(counts) else "A program"
        clusters = g["_cluster"].dropna().astype(str).value_counts()
        cluster = sorted(clusters[clusters == clusters.max()].index)[0] if len(clusters) else pd.NA
        award_text = (
            awards.get(str(award), "award level not given") if pd.notna(award) else "award level not given"
        )
        at = f" at {_institutions_text(insts)}" if insts else ""
        cip_text = f" ({cip})" if pd.notna(cip) else ""
        label = f"{name}{cip_text}, {award_text},{at}".rstrip(",")
        first = g.iloc[0]
        openings = float(first["openings_linked"]) if pd.notna(first["openings_linked"]) else None
        low = float(first["completers_linked_low"]) if pd.notna(first["completers_linked_low"]) else 0.0
        high = float(first["completers_linked_high"]) if pd.notna(first["completers_linked_high"]) else np.inf
        occ_text = first["occupations_text"]
        jobs = (
            f"the occupations it prepares for ({occ_text})"
            if pd.notna(occ_text)
            else "the occupations it prepares for"
        )
        region_name = names.get(region, region)
        cols = dict(
            institution="; ".join(insts) or pd.NA,
            program_name=name,
            cip=cip,
            cluster_code=cluster,
            credential_level=award,
        )
        if openings is not None:
            none_open = openings <= 0
            fires = (low >= gap) if none_open else (_r(low / openings) >= over and low - openings >= gap)
            if fires:
                supply = _supply_text(low, high, thr, side="low")
                if none_open:
                    add(region, "program", "OVERSUPPLIED", 1.0,
                        f"{label}: {jobs} have no openings in {region_name}, while the region's programs "
                        f"for them report {supply} a year.", **cols)  # fmt: skip
                else:
                    ratio = low / openings
                    add(region, "program", "OVERSUPPLIED", 1 - over / ratio,
                        f"{label}: {jobs} have about {_whole(openings)} openings a year in {region_name}, "
                        f"against {supply} a year from the region's programs that lead to them "
                        f"({'at least ' if high > low else ''}{ratio:.1f} per opening; the {preset} preset "
                        f"flags {over:g} or more).", **cols)  # fmt: skip
        share = first["share_openings_family_wage"]
        if openings and openings > 0 and pd.notna(share) and _r(share) < _r(min_share) and region in fam:
            wage, family_type = fam[region]
            family = f" for {family_type}" if pd.notna(family_type) else ""
            floor = "" if float(t["wage_floor_share"]) == 1 else f"{float(t['wage_floor_share']):.0%} of "
            add(region, "program", "BELOW_FAMILY_WAGE", 1 - float(share) / min_share,
                f"{label}: {float(share):.0%} of the about {_whole(openings)} openings a year in {jobs} pay a "
                f"median wage of at least {floor}the ${float(wage):.2f}/h family-supporting wage{family} in "
                f"{region_name} (the preset asks for {min_share:.0%}); the region's programs that lead to them "
                f"report {_supply_text(low, high, thr, side='low')} a year.", **cols)  # fmt: skip

    # ---- middle-skill occupations with few completers
    occ = occupation_alignment
    present = set(program_alignment["credential_level"].dropna().astype(str))
    ok = middle_skill(occ, award_education, present) & occ["n_cips_linked"].fillna(0).gt(0).to_numpy()
    ok &= occ["meets_family_wage"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    # a bachelor's-level occupation counts only where a sub-baccalaureate award is a common way in (an
    # associate's degree in nursing to registered nurses: reference/sub_baccalaureate_entry.csv)
    from .criteria import education_level
    from .reference import load_sub_baccalaureate_entry

    entry = set(load_sub_baccalaureate_entry()["soc"])
    below_bachelor = (education_level(occ["typical_education"]).fillna(0) < 6).to_numpy(dtype=bool)
    ok &= below_bachelor | occ["soc"].isin(entry).to_numpy()
    openings = pd.to_numeric(occ["openings"], errors="coerce")
    high = pd.to_numeric(occ["completers_high"], errors="coerce").astype(float)
    low = pd.to_numeric(occ["completers_low"], errors="coerce").astype(float)
    fire = ok & openings.gt(0) & (high <= under * openings + 1e-9) & (openings - high >= gap)
    for i in occ.index[fire.fillna(False).astype(bool)]:
        r = occ.loc[i]
        region_name = names.get(r["region_id"], r["region_id"])
        op, hi = float(openings[i]), float(high[i])
        edu = str(r["typical_education"]).lower() if pd.notna(r["typical_education"]) else "an unknown level"
        pay = ""
        if pd.notna(r["median_wage_hourly_usd"]):
            pay = f" at a median ${float(r['median_wage_hourly_usd']):.2f}/h"
            if pd.notna(r["family_wage_hourly_usd"]):
                word = "at or above" if bool(r["meets_family_wage"]) else "below"
                pay += f" ({word} the ${float(r['family_wage_hourly_usd']):.2f}/h family-supporting wage)"
        supply = _supply_text(float(low[i]), hi, thr, side="high")
        tail = (
            "and no program in the region prepares for it"
            if hi == 0
            else f"against {supply} a year from the region's programs that lead to it ({hi / op:.2f} per "
            f"opening; the {preset} preset flags {under:g} or less)"
        )
        add(r["region_id"], "occupation", "UNDERSUPPLIED", 1 - (hi / op) / under,
            f"{r['soc_title']} ({r['soc']}), usually entered with {edu}: about {_whole(op)} openings a year in "
            f"{region_name}{pay}, {tail}.",
            cluster_code=r["cluster_code"], soc=r["soc"], program_name=r["soc_title"])  # fmt: skip

    # ---- the cluster mix comparison, as context
    cluster_openings = occ.groupby(["region_id", "cluster_code"])["openings"].sum(min_count=1)
    al = alignment if year is None else alignment[alignment["year"] == year]
    for _, r in al.iterrows():
        supply = pd.to_numeric(pd.Series([r.get("supply")]), errors="coerce").iloc[0]
        if pd.isna(r["demand_share"]) or pd.isna(supply) or supply <= 0:
            continue
        low_lq = pd.notna(r["lq"]) and _r(r["lq"]) < t["low_demand_lq"]
        low_share = _r(r["demand_share"]) < t["min_demand_share"]
        if not (low_lq or low_share):
            continue
        region_name = _text(r["region_name"], r["region_id"])
        cluster = _text(cluster_names.get(r["cluster_code"]), r["cluster_code"])
        lq_text = f"a location quotient of {r['lq']:.2f}" if pd.notna(r["lq"]) else "no location quotient"
        opened = cluster_openings.get((r["region_id"], r["cluster_code"]), pd.NA)
        judged = (
            f"; the cluster's occupations have about {_whole(opened)} openings a year there"
            if pd.notna(opened)
            else ""
        )
        add(r["region_id"], "cluster", "LOW_DEMAND", 0.0,
            f"Mix comparison: {cluster} holds {_pct(r['demand_share'])} of jobs in {region_name} by industry "
            f"(threshold {_pct(t['min_demand_share'])}) with {lq_text} (threshold {t['low_demand_lq']:.2f}). "
            f"This compares industries only: its programs are judged on the openings of the occupations they "
            f"lead to{judged}.", cluster_code=r["cluster_code"])  # fmt: skip
    return rows
