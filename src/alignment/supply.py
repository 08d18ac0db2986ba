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

Places (``place_awards``, before ``assign_programs``): an institution places file (``inputs.institution_places``,
read by :func:`alignment.sources.places.read_places`) moves the programs of the institutions it lists from their
main-campus county to the counties where they are taught, dividing each program's counts by the file's shares
(``place_share``); the parts of one program in one region are added up, so a program has at most one row per
region. Every award is still counted once in total.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = [
    "MEASURES",
    "PLACE_COLUMNS",
    "PROGRAM_COLUMNS",
    "SUPPLY_COLUMNS",
    "assign_programs",
    "place_awards",
    "supply_by_cluster",
]

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
#: the columns a places file adds to the supply rows (and the programs table keeps)
PLACE_COLUMNS = ["main_county_fips", "place_share"]


def _name_keys(names: pd.Series) -> pd.Series:
    """Institution names as :func:`alignment.sources.places.institution_key` matches them."""
    text = names.astype("string").str.split().str.join(" ").str.casefold()
    return ("name:" + text).astype("string")


def _id_keys(enr: pd.DataFrame) -> pd.Series:
    if "unitid" not in enr.columns:
        return pd.Series(pd.NA, index=enr.index, dtype="string")
    uid = enr["unitid"].astype("string").str.strip().str.replace(r"\.0+$", "", regex=True)
    return ("id:" + uid.mask(uid.eq("").fillna(False))).astype("string")


def _chosen_groups(enr: pd.DataFrame, groups: set[tuple[str, str]]) -> pd.Series:
    """The places group of each supply row: its institution (UNITID first, else name) with the longest CIP
    prefix of the file that its CIP starts with (code, series, family, then the rest of the institution)."""
    ids, names = _id_keys(enr), _name_keys(enr["institution"])
    cip = enr["cip"].astype("string") if "cip" in enr.columns else pd.Series(pd.NA, index=enr.index)
    combos = pd.DataFrame({"i": ids, "n": names, "c": cip})
    codes, uniques = pd.factorize(pd.MultiIndex.from_frame(combos.astype(object).fillna("")))
    chosen: list[str | None] = []
    for id_key, name_key, code in uniques:
        prefixes = [code, code[:5], code[:2], ""] if code else [""]
        found = None
        for prefix in prefixes:
            for key in (id_key, name_key):
                if key and (key, prefix) in groups:
                    found = f"{key}|{prefix}"
                    break
            if found:
                break
        chosen.append(found)
    picked = pd.array(chosen, dtype="string")
    return pd.Series(picked.take(codes), index=enr.index, dtype="string")


def match_places(enrollment: pd.DataFrame, places: pd.DataFrame) -> tuple[pd.Series, pd.DataFrame]:
    """The places group of each supply row (``<key>|<cip prefix>``, ``<NA>`` for a row the file does not
    place) and the places rows that place nothing, with a ``reason`` (an institution no supply row names, or
    a program family none of its programs is in)."""
    enr = enrollment.reset_index(drop=True)
    table = places.reset_index(drop=True)
    group = table["key"].astype("string") + "|" + table["cip"].astype("string").fillna("")
    groups = {(str(k), "" if pd.isna(c) else str(c)) for k, c in zip(table["key"], table["cip"], strict=True)}
    chosen = _chosen_groups(enr, groups)
    unused = table[~group.isin(set(chosen.dropna()))].copy()
    known = set(_id_keys(enr).dropna()) | set(_name_keys(enr["institution"]).dropna())
    unused["reason"] = np.where(
        unused["key"].isin(known),
        "no program of the institution is in this program family; the row places nothing",
        "no supply row names this institution; the row places nothing",
    )
    return chosen, unused.reset_index(drop=True)


def place_awards(
    enrollment: pd.DataFrame,
    places: pd.DataFrame,
    regions: pd.DataFrame | None = None,
    *,
    min_part: float | None = None,
    allocation: pd.Series | None = None,
    exclude: set[tuple[int, str]] | frozenset[tuple[int, str]] = frozenset(),
) -> pd.DataFrame:
    """The supply rows placed where they are taught, by an institution places file.

    ``places`` is :func:`alignment.sources.places.read_places`: rows ``key`` (``id:<UNITID>`` or
    ``name:<name>``), ``cip`` (a CIP prefix, ``<NA>`` for the rest of the institution), ``county_fips``,
    ``share`` (each group of key × cip adds up to 1). A supply row takes the group of its institution (by
    ``unitid`` when the row has one, else by name, case and spaces ignored) with the longest CIP prefix its
    CIP starts with; a row of an institution the file does not list, or of a program family it places
    differently with no group for the rest, stays in its county.

    A placed row becomes one row per region of its group's counties (one per county without ``regions``):
    ``county_fips`` the county of the largest share in that region (the first row of the file on a tie),
    ``place_share`` the shares of the region's counties added up, and every count (``enrolled``,
    ``concentrators``, ``completers``) multiplied by it, so the parts add up to the row's counts.

    ``min_part`` (the privacy threshold): a count is divided only into parts of at least ``min_part`` — each
    part's smallest positive count × ``allocation`` (the row's smallest cluster share, 1 when not given) —
    the regions of the smallest shares are left out (their shares going to the others) until every part is
    at least ``min_part``, so a count below it stays whole in the region of its largest share. ``exclude``:
    (year, region_id) pairs that take no part of a divided row (they keep the rows placed whole there).

    ``main_county_fips`` keeps the county the supply file gave; ``source_file`` and ``source_row`` are
    kept, so the parts of one row are known as such. Counts become ``Float64`` when a row is divided. The
    row order is kept, parts in order of share.

    >>> enr = pd.DataFrame({"institution": ["A", "A", "B"], "unitid": ["1", "1", "2"],
    ...     "county_fips": ["50017", "50017", "50007"], "cip": ["51.3801", "11.0101", "51.3801"],
    ...     "year": [2024, 2024, 2024], "completers": pd.array([20, 30, 5], dtype="Int64")})
    >>> pl = pd.DataFrame({"key": ["id:1", "id:1", "id:1"], "cip": ["51", "51", pd.NA],
    ...     "county_fips": ["50017", "50027", "50007"], "share": [0.6, 0.4, 1.0]})
    >>> placed = place_awards(enr, pl)
    >>> placed[["county_fips", "place_share", "completers"]].values.tolist()
    [['50017', 0.6, 12.0], ['50027', 0.4, 8.0], ['50007', 1.0, 30.0], ['50007', 1.0, 5.0]]
    >>> place_awards(enr, pl, min_part=10)[["county_fips", "completers"]].values.tolist()[:2]
    [['50017', 20], ['50007', 30]]
    """
    enr = enrollment.reset_index(drop=True)
    measures = [m for m in MEASURES if m in enr.columns]
    table = places.reset_index(drop=True).assign(_order=lambda d: range(len(d)))
    table["_group"] = table["key"].astype("string") + "|" + table["cip"].astype("string").fillna("")
    chosen, _ = match_places(enr, table)

    enr["main_county_fips"] = enr["county_fips"].astype("string")
    enr["place_share"] = 1.0
    enr["_row"] = np.arange(len(enr))
    enr["_alloc"] = (
        1.0 if allocation is None else pd.to_numeric(allocation, errors="coerce").fillna(1.0).to_numpy()
    )
    hit = chosen.notna().to_numpy()
    stay = enr[~hit]
    move = enr[hit].assign(_group=chosen[hit]).drop(columns=["county_fips", "place_share"])
    spots = table.loc[table["share"] > 0, ["_group", "county_fips", "share", "_order"]]
    parts = move.merge(spots, on="_group", how="inner")
    if regions is not None:
        region_of = regions.drop_duplicates("county_fips").set_index("county_fips")["region_id"]
        region = parts["county_fips"].map(region_of).astype("string")
        parts["_where"] = region.fillna("county:" + parts["county_fips"].astype("string"))
    else:
        parts["_where"] = parts["county_fips"].astype("string")
    # one part per region: the county of its largest share (first in the file on a tie), the shares summed
    order = ["_row", "share", "_order"]
    parts = parts.sort_values(order, ascending=[True, False, True], kind="mergesort")
    total = parts.groupby(["_row", "_where"], sort=False)["share"].transform("sum")
    parts = parts.assign(share=total).drop_duplicates(["_row", "_where"], keep="first")
    parts = parts.sort_values(order, ascending=[True, False, True], kind="mergesort")
    if exclude and "year" in parts.columns:
        out_of = pd.Series(list(zip(parts["year"], parts["_where"], strict=True)), index=parts.index).isin(
            set(exclude)
        )
        several = parts.groupby("_row", sort=False)["share"].transform("size") > 1
        # an excluded region keeps nothing of a divided row; a row left with no region keeps its largest
        first = parts.groupby("_row", sort=False).cumcount().eq(0)
        left = (~out_of).groupby(parts["_row"], sort=False).transform("any")
        parts = parts[~(several & out_of & (left | ~first))]
    if min_part is not None and measures:
        counts = parts[measures].apply(pd.to_numeric).astype("float64")
        smallest = counts.where(counts > 0).min(axis=1) * parts["_alloc"]  # the smallest positive cell
        running = parts.groupby("_row", sort=False)["share"].cumsum()
        first = parts.groupby("_row", sort=False).cumcount().eq(0)
        keep = first | smallest.isna() | (smallest * parts["share"] / running >= min_part - 1e-9)
        parts = parts[keep.to_numpy()]
    parts = parts.assign(share=parts["share"] / parts.groupby("_row", sort=False)["share"].transform("sum"))
    parts = parts.rename(columns={"share": "place_share"}).drop(columns=["_group", "_where", "_order"])
    divided = bool((parts["place_share"] < 1.0 - 1e-12).any())
    out = pd.concat([stay, parts], ignore_index=True)
    out = out.sort_values(["_row", "place_share"], ascending=[True, False], kind="mergesort")
    for m in measures:
        values = pd.to_numeric(out[m])
        if divided:
            out[m] = values.astype("Float64") * out["place_share"].astype("Float64")
        else:
            out[m] = values.astype(enr[m].dtype)
    out["place_share"] = out["place_share"].astype("Float64")
    out["county_fips"] = out["county_fips"].astype("string")
    columns = [c for c in enr.columns if c not in ("_row", "_alloc")]
    return out[columns].reset_index(drop=True)


def place_programs(
    enrollment: pd.DataFrame,
    places: pd.DataFrame,
    regions: pd.DataFrame,
    cip_lookup: pd.DataFrame,
    rule: str = "primary",
    *,
    min_part: float,
) -> pd.DataFrame:
    """:func:`place_awards` with the privacy threshold ``min_part``, as a run places its supply.

    Every part of a divided count is at least ``min_part`` in each cluster it is allocated to (``rule``:
    ``split`` divides it again over its clusters). A region whose own count in a year (the programs placed
    whole there, in clusters) is from 1 to ``min_part`` − 1 in some measure takes no part of a divided
    count that year: the parts are published, so its total minus them would give its own small count back
    (such a region keeps the rows placed whole there, as without the file). Repeated until no region is
    left out anew.
    """
    enr = enrollment.reset_index(drop=True)
    cand = _candidates(cip_lookup, rule)
    smallest = cand.groupby("cip")["allocation_share"].min()
    allocation = enr["cip"].map(smallest).astype("float64").fillna(1.0) if "cip" in enr.columns else None
    matched = enr["cip"].isin(set(cand["cip"])) if "cip" in enr.columns else pd.Series(False, index=enr.index)
    measures = [m for m in MEASURES if m in enr.columns]
    region_of = regions.drop_duplicates("county_fips").set_index("county_fips")["region_id"]
    exclude: set[tuple[int, str]] = set()
    while True:
        placed = place_awards(enr, places, regions, min_part=min_part, allocation=allocation, exclude=exclude)
        if not measures or "year" not in placed.columns:
            return placed
        keep = placed["cip"].isin(set(cand["cip"])) if "cip" in placed.columns else matched
        rows = placed[keep.to_numpy()].assign(region_id=placed["county_fips"].map(region_of))
        whole = rows["place_share"] >= 1.0 - 1e-12
        counts = rows[measures].apply(pd.to_numeric).astype("float64")
        own = counts[whole.to_numpy()].groupby([rows["year"], rows["region_id"]]).sum(min_count=1)
        parts = counts[~whole.to_numpy()].groupby([rows["year"], rows["region_id"]]).sum(min_count=1)
        small = ((own > 0) & (own < min_part - 1e-9)).any(axis=1)
        has_parts = (parts > 0).any(axis=1)
        new = {k for k in small[small].index if k in has_parts.index and bool(has_parts[k])} - exclude
        if not new:
            return placed
        exclude |= {(int(y), str(r)) for y, r in new}


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
            values = pd.to_numeric(programs[m])
            # counts divided by a places file (place_awards) stay fractional, as under `split`
            programs[m] = values.astype("Float64" if isinstance(values.dtype, pd.Float64Dtype) else "Int64")
    programs["suppressed"] = programs["suppressed"].fillna(False).astype(bool)
    programs = programs.reset_index(drop=True)

    unmatched = _unmatched(enr, cand)
    return programs[PROGRAM_COLUMNS + [c for c in PLACE_COLUMNS if c in programs]], unmatched


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
