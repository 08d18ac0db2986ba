"""What a run may publish: its tables with small student counts hidden, and everything that would reveal them.

One place decides, for every output meant for publication (HTML reports, Excel workbooks):
primary and complementary suppression of student counts (:mod:`alignment.privacy`), the share,
gap and ratio of a hidden count blanked, the same cluster hidden on every table, and flag reasons
that would give a hidden count back rewritten without numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..config import Config
from ..privacy import suppress_counts

MEASURES = ("enrolled", "concentrators", "completers")


def _py(v: object) -> object:
    """A plain Python value: None for missing, int/float for numbers, else the value."""
    if v is None:
        return None
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        return v
    if isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_):
        return int(v)
    if isinstance(v, float | np.floating):
        return float(v)
    return v


def protect_alignment(alignment: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """The alignment rows as they may be published: small supply counts hidden, with everything derived from them.

    Primary and complementary suppression of ``supply`` within each region × year
    (:func:`alignment.privacy.suppress_counts`); where a count is hidden, its share, gap and
    ratio are hidden too, since each would give the count back.
    """
    raw = pd.to_numeric(alignment["supply"], errors="coerce").reset_index(drop=True)
    out = suppress_counts(
        alignment.reset_index(drop=True), ["supply"], threshold, group_by=["region_id", "year"]
    )
    out["supply_small"] = ((raw > 0) & (raw < threshold)).fillna(False).astype(bool)
    hidden = out["supply_suppressed"].astype(bool)
    for col in ("supply_share", "gap", "ratio"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("Float64").mask(hidden)
    return out


def privacy_threshold(cfg: Config) -> int:
    """The run's privacy threshold: student counts from 1 to this − 1 are never published."""
    return int(cfg.thresholds.get("privacy_threshold", 10))


def _count_cells(raw: pd.Series, hidden: pd.Series, source_suppressed: pd.Series, threshold: int) -> list:
    """Student counts as written: the number when shown, else why it is hidden (never the number).

    >>> raw = pd.Series([4, 25, 30, None, None], dtype="Int64")
    >>> hidden = pd.Series([True, True, False, True, True])
    >>> _count_cells(raw, hidden, pd.Series([False, False, False, True, False]), 10)
    ['<10', 'withheld', 30, 'suppressed', 'not reported']
    """
    out: list[object] = []
    for r, h, s in zip(raw.tolist(), hidden.tolist(), source_suppressed.tolist(), strict=True):
        if not bool(h):
            out.append(_py(r))
        elif r is None or pd.isna(r):
            out.append("suppressed" if bool(s) else "not reported")
        elif 0 < float(r) < threshold:
            out.append(f"<{threshold}")
        else:
            out.append("withheld")
    return out


def _keys(df: pd.DataFrame, cols: Sequence[str]) -> pd.Series:
    parts = [df[c].astype("string").fillna("\x00") for c in cols]
    key = parts[0]
    for p in parts[1:]:
        key = key + "|" + p
    return key


def protect_tables(tables: dict[str, pd.DataFrame], cfg: Config) -> dict[str, pd.DataFrame]:
    """The tables as they may be published, with ``<col>_text`` columns for every student count.

    Returns ``alignment`` (analysis year; ``supply_text``; blank share, gap and ratio of hidden counts;
    blank demand equivalent, gap and ratio in a region whose total is itself small), ``supply`` and
    ``programs`` (one ``<measure>_text`` per count column) and ``flags`` (severity blanked and reason
    rewritten where they would give back a hidden cluster count).
    """
    t = privacy_threshold(cfg)
    measure = cfg.supply_measure

    # alignment: primary + complementary per region × year, derived measures hidden with the count
    al_raw = tables["alignment"]
    al_raw = al_raw[al_raw["year"] == cfg.year].reset_index(drop=True)
    al = protect_alignment(al_raw, t)
    al_hidden = al["supply_suppressed"].astype(bool)

    # supply by cluster: every count column per region × year
    sup_raw = tables["supply"].reset_index(drop=True)
    counts = [m for m in MEASURES if m in sup_raw.columns]
    sup = suppress_counts(sup_raw, counts, t, group_by=["region_id", "year"])

    # a cluster count hidden on one sheet is hidden on the other (the union keeps 0 or ≥ 2 hidden per group)
    if measure in counts:
        al_key = _keys(al.assign(year=cfg.year), ["region_id", "year", "cluster_code"])
        sup_key = _keys(sup, ["region_id", "year", "cluster_code"])
        sup_hidden_keys = set(sup_key[sup[f"{measure}_suppressed"].astype(bool)])
        al_hidden = al_hidden | al_key.isin(sup_hidden_keys)
        extra = sup_key.isin(set(al_key[al_hidden])) & (sup["year"] == cfg.year)
        sup[f"{measure}_suppressed"] = sup[f"{measure}_suppressed"].astype(bool) | extra
        sup[measure] = sup[measure].mask(sup[f"{measure}_suppressed"])
    al["supply_suppressed"] = al_hidden
    al["supply"] = pd.to_numeric(al["supply"], errors="coerce").astype("Float64").mask(al_hidden)
    for col in ("supply_share", "gap", "ratio"):
        al[col] = pd.to_numeric(al[col], errors="coerce").astype("Float64").mask(al_hidden)
    raw_supply = pd.to_numeric(al_raw["supply"], errors="coerce")
    total = raw_supply.groupby(al_raw["region_id"]).transform(lambda s: s.sum(min_count=1))
    small_total = total.isna() | ((total > 0) & (total < t))
    # a region total below the threshold: the demand equivalent (share × total) and the gap of a zero cell
    # (= its demand equivalent) would give the total back
    for col in ("demand_equivalent", "gap", "ratio"):
        al[col] = pd.to_numeric(al[col], errors="coerce").astype("Float64").mask(small_total)
    al_src = al_raw["suppressed"].astype(bool) if "suppressed" in al_raw else pd.Series(False, index=al.index)
    al["supply_text"] = _count_cells(raw_supply, al_hidden, al_src, t)
    for m in counts:
        src = sup_raw["suppressed"].astype(bool) if "suppressed" in sup_raw else pd.Series(False, sup.index)
        sup[f"{m}_text"] = _count_cells(
            pd.to_numeric(sup_raw[m], errors="coerce"), sup[f"{m}_suppressed"], src, t
        )

    # programs: per region × year × cluster, and every program of a hidden cluster total hidden too
    pr_raw = tables["programs"].reset_index(drop=True)
    pcounts = [m for m in MEASURES if m in pr_raw.columns]
    pr = suppress_counts(pr_raw, pcounts, t, group_by=["region_id", "year", "cluster_code"])
    pr_key = _keys(pr, ["region_id", "year", "cluster_code"])
    sup_key = _keys(sup, ["region_id", "year", "cluster_code"])
    for m in pcounts:
        hidden = pr[f"{m}_suppressed"].astype(bool)
        if f"{m}_suppressed" in sup:
            hidden = hidden | (
                pr_key.isin(set(sup_key[sup[f"{m}_suppressed"].astype(bool)])) & pr["cluster_code"].notna()
            )
        pr[f"{m}_suppressed"] = hidden
        pr[m] = pr[m].mask(hidden)
        src = pr_raw["suppressed"].astype(bool) if "suppressed" in pr_raw else pd.Series(False, pr.index)
        pr[f"{m}_text"] = _count_cells(pd.to_numeric(pr_raw[m], errors="coerce"), hidden, src, t)

    # flags: severity and reason of a hidden cluster would give its count back
    fl = tables["flags"].reset_index(drop=True).copy()
    withheld = al_hidden & raw_supply.ge(t).fillna(False).astype(bool)
    hid = set(_keys(al[al_hidden], ["region_id", "cluster_code"]))
    fkey = _keys(fl, ["region_id", "cluster_code"])
    derived = fl["flag"].isin(["OVERSUPPLIED", "UNDERSUPPLIED"]) & fkey.isin(hid)
    if "year" in fl:
        derived &= fl["year"].astype("Int64").eq(cfg.year).fillna(False).astype(bool)
    fl["severity"] = pd.to_numeric(fl["severity"], errors="coerce").astype("Float64").mask(derived)
    facts = al.assign(_k=_keys(al, ["region_id", "cluster_code"])).drop_duplicates("_k").set_index("_k")
    rewrite = derived & fkey.isin(set(_keys(al[withheld], ["region_id", "cluster_code"])))
    fl["reason"] = fl["reason"].astype("string")
    for i in fl.index[rewrite]:
        fl.loc[i, "reason"] = _withheld_reason(fl.loc[i], facts.loc[fkey[i]], measure)
    return {"alignment": al, "supply": sup, "programs": pr, "flags": fl}


def _withheld_reason(flag: pd.Series, cluster: pd.Series, measure: str) -> str:
    """A flag reason without numbers, for a cluster whose count is withheld (complementary suppression)."""
    name = cluster.get("cluster_name")
    name = str(name) if pd.notna(name) else str(flag["cluster_code"])
    region = cluster.get("region_name")
    region = str(region) if pd.notna(region) else str(flag["region_id"])
    why = "the count is withheld so that it cannot reveal a small count in another cluster"
    if flag["flag"] == "UNDERSUPPLIED":
        share = cluster.get("demand_share")
        jobs = f"holds {float(share):.1%} of jobs in {region}" if pd.notna(share) else f"has jobs in {region}"
        return f"{name} {jobs}, and its programs report far fewer {measure} than its job mix suggests; {why}."
    prog = flag.get("program_name")
    label = str(prog) if pd.notna(prog) else "A program"
    if pd.notna(flag.get("cip")):
        label += f" ({flag['cip']})"
    if pd.notna(flag.get("institution")):
        label += f" at {flag['institution']}"
    return f"{label} is in {name}, where {region} has more {measure} than its job mix suggests; {why}."
