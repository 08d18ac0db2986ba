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
]
FLAG_ORDER = list(FLAG_CODES)
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
) -> pd.DataFrame:
    """Flags for the programs and clusters of the alignment year (rules and severity: module docstring).

    ``programs`` is the programs table (rows of other years are ignored), ``alignment`` the output of
    ``align.align``, ``program_wages`` the output of ``demand.occupation_wages_for_programs`` (or None:
    no wage flags), ``family_wage`` one row per region with ``region_id``, ``wage_hourly_usd`` and
    optionally ``family_type`` (e.g. ``1 adult, 1 child``) (or None), ``program_occupations`` the
    pipeline's table of each program's linked occupations (or None: no FEW_HSHWID_JOBS flags) and
    ``preset`` its name for the reasons. Missing thresholds take the value of the default preset. Returns the flags table of docs/tables.md, ranked by ``rank_pathways``.
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
        if not matched or pd.isna(r["region_id"]) or pd.isna(r["demand_share"]):
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
    if program_wages is not None and family_wage is not None and len(program_wages):
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
        po = program_occupations[[*keys, "share_hshwid", "n_socs"]].drop_duplicates(keys)
        h = firsts.merge(po, on=keys, how="inner")
        floor = float(t["min_hshwid_share"])
        for _, r in h.iterrows():
            share = r["share_hshwid"]
            if pd.isna(share) or floor <= 0 or _r(share) >= _r(floor):
                continue
            region = region_names.get(r["region_id"], r["region_id"])
            add(
                r,
                "program",
                "FEW_HSHWID_JOBS",
                1 - float(share) / floor,
                f"{_label(r)} leads to occupations of which {float(share):.0%} (by the run's allocation) meet "
                f"the {preset} preset's high-skill, high-wage, in-demand tests in {region}; the floor is "
                f"{floor:.0%}.",
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
