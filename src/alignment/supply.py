"""Supply: programs of study placed in a region and a career cluster, and counted per region × cluster.

``assign_programs`` maps each enrollment row (a program at an institution in a year) to the region of its
county and to a career cluster through its CIP code; ``supply_by_cluster`` sums the student counts.

Student counts (``enrolled``, ``concentrators``, ``completers``) and the number of programs are
**extensive**: they are summed when programs or counties roll up. Nothing here is intensive.

Cluster rules (``rule``):

- ``primary`` (default): a program goes to the rank-1 (primary) cluster of its CIP, with all its students.
- ``split``: a program's counts are divided equally over its candidate clusters (all rows of the lookup
  for its CIP): with k candidates each receives ``count / k`` and ``allocation_share = 1/k``. Every student
  is therefore counted once in total, never once per cluster; counts become fractional (``Float64``).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

__all__ = ["MEASURES", "PROGRAM_COLUMNS", "SUPPLY_COLUMNS", "assign_programs", "supply_by_cluster"]

MEASURES = ("enrolled", "concentrators", "completers")
PROGRAM_COLUMNS = [
    "institution",
    "county_fips",
    "region_id",
    "program_code",
    "program_name",
    "cip",
    "level",
    "credential_level",
    "year",
    "framework",
    "cluster_code",
    "subcluster_code",
    "cluster_rule",
    "allocation_share",
    *MEASURES,
    "suppressed",
    "matched",
    "source_file",
    "source_row",
]
SUPPLY_COLUMNS = ["region_id", "year", "framework", "cluster_code", "programs", *MEASURES, "suppressed"]
UNMATCHED_COLUMNS = ["stage", "source_file", "source_row", "column", "value", "reason"]


def _candidates(cip_lookup: pd.DataFrame, rule: str) -> pd.DataFrame:
    """cip → candidate clusters with their allocation share, from a lookup table."""
    lk = cip_lookup.copy()
    if "matched" in lk.columns:
        lk = lk[lk["matched"].fillna(False).astype(bool)]
    lk = lk[lk["cluster_code"].notna() & lk["cip"].notna()]
    if "subcluster_code" not in lk.columns:
        lk["subcluster_code"] = pd.NA
    if "rank" not in lk.columns:
        lk["rank"] = lk.groupby("cip").cumcount() + 1
    lk = lk.sort_values(["cip", "rank", "cluster_code"], kind="mergesort")
    if rule == "primary":
        lk = lk.drop_duplicates("cip", keep="first").assign(allocation_share=1.0)
    elif rule == "split":
        lk = lk.drop_duplicates(["cip", "cluster_code"], keep="first")
        lk = lk.assign(allocation_share=1.0 / lk.groupby("cip")["cluster_code"].transform("size"))
    else:
        raise ValueError(f"unknown cluster rule {rule!r}: use 'primary' or 'split'")
    return lk[["cip", "cluster_code", "subcluster_code", "allocation_share"]].astype(
        {
            "cip": "string",
            "cluster_code": "string",
            "subcluster_code": "string",
            "allocation_share": "Float64",
        }
    )


def assign_programs(
    enrollment: pd.DataFrame,
    regions: pd.DataFrame,
    cip_lookup: pd.DataFrame,
    rule: str = "primary",
    framework: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Place every enrollment row in a region (by county) and a cluster (by CIP).

    ``cip_lookup`` has one or more rows per CIP: ``cip``, ``cluster_code``, optional ``subcluster_code``,
    ``rank`` (1 = primary; row order when absent), ``matched`` and ``framework``. For ``rule="split"`` it
    must list every candidate cluster of a CIP; with one row per CIP ``split`` equals ``primary``.

    Returns ``(programs, unmatched)``. ``programs`` has the columns of docs/tables.md plus ``framework``,
    ``allocation_share`` (1 under ``primary``, 1/k under ``split``), ``source_file`` and ``source_row``.
    Nothing is dropped: a program whose county is in no region keeps ``region_id = <NA>``; a program with no
    valid CIP or no cluster keeps ``cluster_code = <NA>`` and ``matched = False``. Each such problem also
    gives one ``unmatched`` row (stage, source_file, source_row, column, value, reason).

    >>> enr = pd.DataFrame({"institution": ["A"], "county_fips": ["41001"], "program_name": ["Welding"],
    ...     "cip": ["48.0508"], "level": ["secondary"], "year": [2024], "completers": [12]})
    >>> reg = pd.DataFrame({"county_fips": ["41001"], "region_id": ["coast"]})
    >>> lk = pd.DataFrame({"cip": ["48.0508", "48.0508"], "cluster_code": ["MFG", "CON"], "rank": [1, 2]})
    >>> p, u = assign_programs(enr, reg, lk, rule="split")
    >>> p[["cluster_code", "completers"]].values.tolist()
    [['CON', 6.0], ['MFG', 6.0]]
    """
    enr = enrollment.reset_index(drop=True)  # a new frame: the caller's table is never changed
    for col in ("program_code", "level", "cip", "source_file"):
        if col not in enr.columns:
            enr[col] = pd.NA
    # the award (IPEDS credential level) of a postsecondary program, when the supply file says it
    credential = enr["credential_level"] if "credential_level" in enr.columns else pd.NA
    enr["credential_level"] = pd.Series(credential, index=enr.index, dtype="string")
    if "source_row" not in enr.columns:
        enr["source_row"] = pd.array([pd.NA] * len(enr), dtype="Int64")
    if "suppressed" not in enr.columns:
        enr["suppressed"] = False
    for m in MEASURES:
        if m not in enr.columns:
            enr[m] = pd.array([pd.NA] * len(enr), dtype="Int64")
    if framework is None and "framework" in cip_lookup.columns:
        fws = cip_lookup["framework"].dropna().unique()
        framework = str(fws[0]) if len(fws) == 1 else None
    enr["_row"] = range(len(enr))

    region_of = regions[["county_fips", "region_id"]].drop_duplicates("county_fips")
    enr = enr.drop(columns=[c for c in ("region_id",) if c in enr.columns]).merge(
        region_of, on="county_fips", how="left"
    )

    cand = _candidates(cip_lookup, rule)
    drop = [c for c in ("cluster_code", "subcluster_code", "allocation_share", "matched") if c in enr.columns]
    programs = (
        enr.drop(columns=drop)
        .merge(cand, on="cip", how="left")
        .sort_values(["_row", "cluster_code"], kind="mergesort", na_position="last")
    )
    programs["matched"] = programs["cluster_code"].notna()
    programs["allocation_share"] = programs["allocation_share"].fillna(1.0)
    programs["cluster_rule"] = rule
    programs["framework"] = pd.array([framework] * len(programs), dtype="string")
    if rule == "split":
        for m in MEASURES:
            programs[m] = pd.to_numeric(programs[m]).astype("Float64") * programs["allocation_share"]
    else:
        for m in MEASURES:
            programs[m] = pd.to_numeric(programs[m]).astype("Int64")
    programs["suppressed"] = programs["suppressed"].fillna(False).astype(bool)
    programs = programs.reset_index(drop=True)

    unmatched = _unmatched(enr, cand)
    return programs[PROGRAM_COLUMNS], unmatched


def _unmatched(enr: pd.DataFrame, cand: pd.DataFrame) -> pd.DataFrame:
    """One row per enrollment row with an unknown county, a missing CIP or a CIP with no cluster."""
    parts = []
    no_region = enr[enr["region_id"].isna()]
    parts.append(
        no_region.assign(
            column="county_fips",
            value=no_region["county_fips"].astype("string"),
            reason="county is not in any region of the regions file; the program is left out of supply",
        )
    )
    no_cip = enr[enr["cip"].isna()]
    raw = no_cip["cip_raw"] if "cip_raw" in no_cip.columns else no_cip["cip"]
    parts.append(
        no_cip.assign(
            column="cip",
            value=raw.astype("string"),
            reason="no valid CIP code, so the program cannot be placed in a career cluster",
        )
    )
    no_cluster = enr[enr["cip"].notna() & ~enr["cip"].isin(cand["cip"])]
    parts.append(
        no_cluster.assign(
            column="cip",
            value=no_cluster["cip"].astype("string"),
            reason="CIP code not found in the CIP → career cluster crosswalk",
        )
    )
    out = pd.concat(parts, ignore_index=True).sort_values(["_row", "column"], kind="mergesort")
    out = out.assign(stage="supply")[UNMATCHED_COLUMNS].reset_index(drop=True)
    return out.astype({"stage": "string", "column": "string", "value": "string", "reason": "string"})


def supply_by_cluster(
    programs: pd.DataFrame, measures: Sequence[str] = MEASURES, *, subclusters: bool = False
) -> pd.DataFrame:
    """Student counts per region × year × cluster (extensive sums over programs).

    For each measure, ``value = Σ count`` over the programs of the cell (shares under ``split``). Missing
    (suppressed) program counts are skipped, so a sum is then a lower bound; ``<NA>`` when every count is
    missing. ``suppressed`` is True when any program of the cell was suppressed or has a missing count in a
    measure the file carries (a measure that is missing for every program is treated as not collected).
    ``programs`` = Σ allocation_share (the number of programs; fractional under ``split``). Programs with no
    region or no cluster are not in any cell (they are in the ``unmatched`` table of ``assign_programs``).
    With ``subclusters=True`` the cells are region × year × cluster × sub-cluster (``subcluster_code``
    ``<NA>`` where the crosswalk knows only the cluster); summing them over sub-clusters gives the cluster cells.

    >>> p = pd.DataFrame({"region_id": ["r", "r"], "year": [2024, 2024], "framework": ["2024", "2024"],
    ...     "cluster_code": ["MFG", "MFG"], "allocation_share": [1.0, 1.0], "enrolled": [30, 20],
    ...     "concentrators": [10, pd.NA], "completers": [8, 5], "suppressed": [False, True]})
    >>> s = supply_by_cluster(p)
    >>> s[["programs", "enrolled", "completers", "suppressed"]].values.tolist()
    [[2, 50, 13, True]]
    """
    measures = list(measures)
    # only the columns summed and grouped on: a state's programs table is not copied whole
    used = ["region_id", "year", "framework", "cluster_code", "subcluster_code", "allocation_share"]
    used = [c for c in [*used, "suppressed", *measures] if c in programs.columns]
    p = programs.loc[programs["region_id"].notna() & programs["cluster_code"].notna(), used].copy()
    if "framework" not in p.columns:
        p["framework"] = pd.NA
    if "allocation_share" not in p.columns:
        p["allocation_share"] = 1.0
    collected = [m for m in measures if programs[m].notna().any()]
    flag = p["suppressed"].fillna(False).astype(bool)
    for m in collected:
        flag = flag | p[m].isna()
    p["_flag"] = flag
    keys = ["region_id", "year", "framework", "cluster_code"]
    if subclusters:
        if "subcluster_code" not in p.columns:
            p["subcluster_code"] = pd.NA
        keys.append("subcluster_code")
    g = p.groupby(keys, dropna=False, sort=True)
    out = g[measures].sum(min_count=1)
    out["programs"] = g["allocation_share"].sum()
    out["suppressed"] = g["_flag"].any()
    out = out.reset_index()
    whole = bool((p["allocation_share"] == 1).all())
    out["programs"] = out["programs"].astype("Int64" if whole else "Float64")
    for m in measures:
        dtype = "Int64" if pd.api.types.is_integer_dtype(programs[m]) else "Float64"
        out[m] = pd.to_numeric(out[m]).astype(dtype)
    columns = [*SUPPLY_COLUMNS[:4], "subcluster_code", *SUPPLY_COLUMNS[4:]] if subclusters else SUPPLY_COLUMNS
    return out[[c for c in columns if c in out.columns]].reset_index(drop=True)
