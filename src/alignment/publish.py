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

from .config import Config
from .constants import WITHHELD
from .constants import privacy_threshold as threshold_of
from .privacy import attack, suppress_counts

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


def protect_alignment(
    alignment: pd.DataFrame,
    threshold: int,
    floor: pd.Series | None = None,
    need: pd.Series | None = None,
    whole: pd.Series | None = None,
) -> pd.DataFrame:
    """The alignment rows as they may be published: small supply counts hidden, with everything derived from them.

    Primary and complementary suppression of ``supply`` within each region × year
    (:func:`alignment.privacy.suppress_counts`); where a count is hidden, its share, gap and
    ratio are hidden too, since each would give the count back. ``floor`` and ``need`` (aligned with the
    rows): the placed parts each count holds and the counts whose own part is small
    (:func:`alignment.privacy.protect_group`); ``whole``: whether the counts of each row's region × year are
    all whole (:func:`alignment.privacy.suppress_counts`).
    """
    raw = pd.to_numeric(alignment["supply"], errors="coerce").reset_index(drop=True)
    out = suppress_counts(
        alignment.reset_index(drop=True),
        ["supply"],
        threshold,
        group_by=["region_id", "year"],
        floors=None if floor is None else {"supply": floor.reset_index(drop=True)},
        needs=None if need is None else {"supply": need.reset_index(drop=True)},
        whole=None if whole is None else {"supply": whole.reset_index(drop=True)},
    )
    small = ((raw > 0) & (raw < threshold)).fillna(False).astype(bool)
    # written "<t": a small count not withheld with its whole group
    out["supply_small"] = small & ~out["supply_withheld"].astype(bool)
    hidden = out["supply_suppressed"].astype(bool)
    for col in ("supply_share", "gap", "ratio"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("Float64").mask(hidden)
    return out


def privacy_threshold(cfg: Config) -> int:
    """The run's privacy threshold: student counts from 1 to this − 1 are never published."""
    return threshold_of(cfg.thresholds)


def _count_cells(
    raw: pd.Series, hidden: pd.Series, source_suppressed: pd.Series, threshold: int, withheld: pd.Series
) -> list:
    """Student counts as written: the number when shown, else why it is hidden (never the number).

    ``withheld`` marks hidden cells written ``withheld`` (complementary cells, and every cell of a group
    withheld as a whole, small counts and zeros included); other hidden counts are ``<t``.

    >>> raw = pd.Series([4, 25, 30, None, None, 3], dtype="Int64")
    >>> hidden = pd.Series([True, True, False, True, True, True])
    >>> withheld = pd.Series([False, True, False, False, False, True])
    >>> _count_cells(raw, hidden, pd.Series([False, False, False, True, False, False]), 10, withheld)
    ['<10', 'withheld', 30, 'suppressed', 'not reported', 'withheld']
    """
    out: list[object] = []
    cells = zip(raw.tolist(), hidden.tolist(), source_suppressed.tolist(), withheld.tolist(), strict=True)
    for r, h, s, w in cells:
        if not bool(h):
            out.append(_py(r))
        elif r is None or pd.isna(r):
            out.append("suppressed" if bool(s) else "not reported")
        elif bool(w) or not 0 < float(r) < threshold:
            out.append(WITHHELD)
        else:
            out.append(f"<{threshold}")
    return out


def _keys(df: pd.DataFrame, cols: Sequence[str]) -> pd.Series:
    parts = [df[c].astype("string").fillna("\x00") for c in cols]
    key = parts[0]
    for p in parts[1:]:
        key = key + "|" + p
    return key


def placed_parts(programs: pd.DataFrame, measure: str, threshold: int) -> pd.Series:
    """The program rows that are parts of a count an institution places file divided over several regions
    (``place_share`` below 1) and may always be shown: their ``measure`` is 0, missing, or at least the
    threshold (:func:`alignment.supply.place_programs` makes every part so). All False without the column.

    A reader who knows the file's shares could put the parts of one program together, so none is ever hidden
    to protect another count; a count of its region that needs protecting is protected by its own kind.
    """
    if "place_share" not in programs.columns or measure not in programs.columns:
        return pd.Series(False, index=programs.index)
    divided = pd.to_numeric(programs["place_share"], errors="coerce").lt(1.0 - 1e-12).fillna(False)
    value = pd.to_numeric(programs[measure], errors="coerce")
    small = ((value > 0) & (value < threshold)).fillna(False)
    return (divided & ~small).astype(bool)


def _whole_components(
    sup_raw: pd.DataFrame, pr_raw: pd.DataFrame, counts: Sequence[str]
) -> dict[str, pd.Series]:
    """Per count column, for each supply row: whether every count of its region × year (its clusters and its
    programs) is whole — as :func:`alignment.privacy.attack` decides how a reader reads a ``<t`` label."""
    comp_s, comp_p = _keys(sup_raw, ["region_id", "year"]), _keys(pr_raw, ["region_id", "year"])
    comp = pd.concat([comp_s, comp_p], ignore_index=True)
    out = {}
    for m in counts:
        own = (
            pd.to_numeric(pr_raw[m], errors="coerce")
            if m in pr_raw
            else pd.Series(np.nan, index=pr_raw.index)
        )
        values = pd.concat([pd.to_numeric(sup_raw[m], errors="coerce"), own], ignore_index=True)
        values = values.astype("float64")
        fraction = (values - values.round()).abs().gt(1e-9) & values.notna()
        out[m] = ~comp_s.isin(set(comp[fraction.to_numpy()]))
    return out


def _placed_floors(
    sup_raw: pd.DataFrame, pr_raw: pd.DataFrame, parts: dict[str, pd.Series], threshold: int
) -> tuple[dict[str, pd.Series] | None, dict[str, pd.Series] | None]:
    """Per count column of the supply table: the placed parts each cluster count holds (``floor``) and the
    counts whose own part (the count minus the parts) is from 1 to t − 1 (``need``); None without parts."""
    if not any(bool(p.any()) for p in parts.values()):
        return None, None
    key = _keys(sup_raw, ["region_id", "year", "cluster_code"])
    floors, needs = {}, {}
    for m, part in parts.items():
        if m not in sup_raw.columns:
            continue
        value = pd.to_numeric(pr_raw[m], errors="coerce").astype("float64").where(part, 0.0).fillna(0.0)
        held = value.groupby(_keys(pr_raw, ["region_id", "year", "cluster_code"])).sum()
        floor = key.map(held).astype("float64").fillna(0.0)
        own = pd.to_numeric(sup_raw[m], errors="coerce").astype("float64") - floor
        floors[m] = floor
        needs[m] = ((floor > 0) & (own > 1e-9) & (own < threshold - 1e-9)).fillna(False).astype(bool)
    return floors, needs


def protect_tables(tables: dict[str, pd.DataFrame], cfg: Config) -> dict[str, pd.DataFrame]:
    """The tables as they may be published, with ``<col>_text`` columns for every student count.

    Returns ``alignment`` (analysis year; ``supply_text``; blank share, gap and ratio of hidden counts;
    blank demand equivalent, gap and ratio in a region whose total is itself small), ``supply`` and
    ``programs`` (one ``<measure>_text`` per count column) and ``flags`` (severity blanked and reason
    rewritten where they would give back a hidden cluster count).
    """
    t = privacy_threshold(cfg)
    measure = cfg.supply_measure

    # supply by cluster: every count column per region × year (the clusters add up to the region's total)
    sup_raw = tables["supply"].reset_index(drop=True)
    counts = [m for m in MEASURES if m in sup_raw.columns]
    pr_raw = tables["programs"].reset_index(drop=True)
    # parts of programs placed in several regions by a places file are always shown (placed_parts)
    parts = {m: placed_parts(pr_raw, m, t) for m in MEASURES if m in pr_raw.columns}
    floors, needs = _placed_floors(sup_raw, pr_raw, parts, t)
    # with placed parts, whole counts are labelled 1 … t − 1 region × year by region × year, as the attack reads
    whole = _whole_components(sup_raw, pr_raw, counts) if floors is not None else None
    sup = suppress_counts(
        sup_raw, counts, t, group_by=["region_id", "year"], floors=floors, needs=needs, whole=whole
    )
    sup_key = _keys(sup, ["region_id", "year", "cluster_code"])

    # alignment (analysis year): the same cells as the supply table's, so a cell hidden on one sheet is
    # hidden on the other, written "withheld" if either withholds it (hiding more cells of at least t as
    # withheld only widens the ranges a reader can work out)
    al_raw = tables["alignment"]
    al_raw = al_raw[al_raw["year"] == cfg.year].reset_index(drop=True)
    al_floor = al_need = None
    if floors is not None and measure in floors:
        at = _keys(al_raw.assign(year=cfg.year), ["region_id", "year", "cluster_code"])
        by_key = _keys(sup_raw, ["region_id", "year", "cluster_code"])
        al_floor = at.map(dict(zip(by_key, floors[measure], strict=True))).astype("float64").fillna(0.0)
        al_need = at.map(dict(zip(by_key, needs[measure], strict=True))).fillna(False).astype(bool)
    al_whole = None
    if whole is not None and measure in whole:
        by_comp = dict(zip(_keys(sup_raw, ["region_id", "year"]), whole[measure], strict=True))
        al_whole = _keys(al_raw.assign(year=cfg.year), ["region_id", "year"]).map(by_comp).fillna(True)
    al = protect_alignment(al_raw, t, floor=al_floor, need=al_need, whole=al_whole)
    raw_supply = pd.to_numeric(al_raw["supply"], errors="coerce")
    al_hidden = al["supply_suppressed"].astype(bool)
    al_withheld = al["supply_withheld"].astype(bool)
    if measure in counts:
        al_key = _keys(al.assign(year=cfg.year), ["region_id", "year", "cluster_code"])
        sup_hidden = sup[f"{measure}_suppressed"].astype(bool)
        sup_withheld = sup[f"{measure}_withheld"].astype(bool)
        al_hidden = al_hidden | al_key.isin(set(sup_key[sup_hidden]))
        al_withheld = al_withheld | al_key.isin(set(sup_key[sup_withheld]))
        # a cluster with no programs is in no supply row: its 0 is known from that alone and stays shown
        no_programs = ~al_key.isin(set(sup_key)) & raw_supply.eq(0).fillna(False).astype(bool)
        al_hidden, al_withheld = al_hidden & ~no_programs, al_withheld & ~no_programs
        this_year = sup["year"] == cfg.year
        sup_hidden = sup_hidden | (sup_key.isin(set(al_key[al_hidden])) & this_year)
        sup_withheld = sup_withheld | (sup_key.isin(set(al_key[al_withheld])) & this_year)
        sup[f"{measure}_suppressed"] = sup_hidden
        sup[f"{measure}_withheld"] = sup_withheld & pd.to_numeric(sup_raw[measure], errors="coerce").notna()
        sup[measure] = sup[measure].mask(sup_hidden)
    src = _source_flag(sup_raw)
    for m in counts:
        raw = pd.to_numeric(sup_raw[m], errors="coerce")
        sup[f"{m}_text"] = _count_cells(raw, sup[f"{m}_suppressed"], src, t, sup[f"{m}_withheld"])
    al_withheld = al_withheld & raw_supply.notna()
    al["supply_suppressed"] = al_hidden
    al["supply_withheld"] = al_withheld
    al["supply_small"] = (al_hidden & ~al_withheld & (raw_supply > 0) & (raw_supply < t)).fillna(False)
    al["supply_small"] = al["supply_small"].astype(bool)
    al["supply"] = pd.to_numeric(al["supply"], errors="coerce").astype("Float64").mask(al_hidden)
    for col in ("supply_share", "gap", "ratio"):
        al[col] = pd.to_numeric(al[col], errors="coerce").astype("Float64").mask(al_hidden)
    total = raw_supply.groupby(al_raw["region_id"]).transform(lambda s: s.sum(min_count=1))
    small_total = total.isna() | ((total > 0) & (total < t))
    # a region total below the threshold: the demand equivalent (share × total) and the gap of a zero cell
    # (= its demand equivalent) would give the total back
    for col in ("demand_equivalent", "gap", "ratio"):
        al[col] = pd.to_numeric(al[col], errors="coerce").astype("Float64").mask(small_total)
    al["supply_text"] = _count_cells(raw_supply, al_hidden, _source_flag(al_raw), t, al_withheld)

    # programs: the programs of a region × year × cluster add up to the cluster's count; every program of
    # a hidden cluster is withheld (small counts too, and zeros unless one program holds all its count),
    # since a small cluster would otherwise bound its small programs
    pcounts = [m for m in MEASURES if m in pr_raw.columns]
    lone = pr_raw["cluster_code"].isna()
    group = pr_raw["cluster_code"].astype("string").mask(lone, "\x00" + pd.Series(pr_raw.index).astype(str))
    pr = pr_raw.copy()
    for m in pcounts:  # a placed part is a group of its own: never a complement, never withheld with others
        own = group.mask(parts[m], "\x01" + pd.Series(pr_raw.index).astype(str))
        pw = None
        if whole is not None and m in whole:
            by_comp = dict(zip(_keys(sup_raw, ["region_id", "year"]), whole[m], strict=True))
            pw = {m: _keys(pr_raw, ["region_id", "year"]).map(by_comp).fillna(True).astype(bool)}
        one = suppress_counts(
            pr_raw.assign(_group=own), [m], t, group_by=["region_id", "year", "_group"], whole=pw
        )
        pr[[m, f"{m}_suppressed", f"{m}_withheld"]] = one[[m, f"{m}_suppressed", f"{m}_withheld"]]
    pr_key = _keys(pr, ["region_id", "year", "cluster_code"])
    sibling = _siblings(pr_raw)
    src = _source_flag(pr_raw)
    for m in pcounts:
        raw = pd.to_numeric(pr_raw[m], errors="coerce")
        hidden = pr[f"{m}_suppressed"].astype(bool)
        withheld = pr[f"{m}_withheld"].astype(bool)
        own = group.mask(parts[m], "\x01" + pd.Series(pr_raw.index).astype(str))
        if f"{m}_suppressed" in sup:
            cluster_hidden = pr_key.isin(set(sup_key[sup[f"{m}_suppressed"].astype(bool)])) & ~lone
            cluster_hidden &= ~_zeros_shown(pr_raw, raw, own, pr_key, sup, sup_raw, m, t, floors)
            hidden = hidden | cluster_hidden
            withheld = withheld | (cluster_hidden & raw.notna())
        if sibling is not None:  # the parts of one program split over clusters are equal: hide them together
            hidden = hidden.groupby(sibling).transform("any").astype(bool).where(sibling.notna(), hidden)
            withheld = (withheld | (hidden & ~((raw > 0) & (raw < t)).fillna(False))) & raw.notna()
        # placed parts are shown wherever they are (a reader who knows the shares could add them up)
        shown = parts[m] & raw.notna()
        hidden, withheld = hidden & ~shown, withheld & ~shown
        pr[f"{m}_suppressed"] = hidden
        pr[f"{m}_withheld"] = withheld.astype(bool)
        pr[m] = pd.to_numeric(pr_raw[m], errors="coerce").astype(pr[m].dtype).mask(hidden)
        pr[f"{m}_text"] = _count_cells(raw, hidden, src, t, pr[f"{m}_withheld"])
    if sibling is not None or any(bool(p.any()) for p in parts.values()):
        _withhold_unprotected(sup, sup_raw, pr, pr_raw, counts, t, parts)

    if "flags" not in tables:
        return {"alignment": al, "supply": sup, "programs": pr}
    # flags: severity and reason of a hidden cluster would give its count back
    fl = _drop_small_notes(tables["flags"].reset_index(drop=True), pr, measure, cfg.year)
    withheld = al_withheld | (al_hidden & raw_supply.ge(t).fillna(False).astype(bool))
    hid = set(_keys(al[al_hidden], ["region_id", "cluster_code"]))
    fkey = _keys(fl, ["region_id", "cluster_code"])
    derived = fl["flag"].isin(["OVERSUPPLIED", "UNDERSUPPLIED"]) & fkey.isin(hid)
    if "basis" in fl:  # flags decided on completers against openings use the published counts alone
        derived &= fl["basis"].astype("string").ne("openings").fillna(True).astype(bool)
    if "year" in fl:
        derived &= fl["year"].astype("Int64").eq(cfg.year).fillna(False).astype(bool)
    fl["severity"] = pd.to_numeric(fl["severity"], errors="coerce").astype("Float64").mask(derived)
    facts = al.assign(_k=_keys(al, ["region_id", "cluster_code"])).drop_duplicates("_k").set_index("_k")
    rewrite = derived & fkey.isin(set(_keys(al[withheld], ["region_id", "cluster_code"])))
    fl["reason"] = fl["reason"].astype("string")
    for i in fl.index[rewrite]:
        fl.loc[i, "reason"] = _withheld_reason(fl.loc[i], facts.loc[fkey[i]], measure)
    return {"alignment": al, "supply": sup, "programs": pr, "flags": fl}


def _cluster_ceilings(sup: pd.DataFrame, sup_raw: pd.DataFrame, m: str, t: int) -> pd.Series:
    """The most a reader can work out each hidden cluster count to be, from its region's published total and
    the published rule's bounds of the other cells (:func:`alignment.privacy._closed_form`); by cluster key."""
    from .privacy import _closed_form, label_range

    raw = pd.to_numeric(sup_raw[m], errors="coerce").astype("float64")
    hidden = sup[f"{m}_suppressed"].astype(bool)
    withheld = sup[f"{m}_withheld"].astype(bool)
    key = _keys(sup, ["region_id", "year", "cluster_code"])
    out: dict[str, float] = {}
    lab_lo, lab_hi = label_range(t)
    for _, g in sup.groupby(["region_id", "year"], sort=False, dropna=False):
        i = g.index
        cells = i[hidden[i] & raw[i].notna()]
        if not len(cells):
            continue
        v = raw[i]
        small = hidden[cells] & ~withheld[cells]
        shown_big = v[~hidden[i] & (v >= t)]
        cap = float(shown_big.min()) if len(shown_big) else np.inf
        zero_shown = bool((~hidden[i] & v.eq(0)).any())
        if small.any():
            lb = np.where(small, lab_lo, float(t))
            ub = np.where(small, lab_hi, cap)
        else:  # withheld as a whole
            lb = np.full(len(cells), lab_lo if zero_shown else 0.0)
            ub = np.full(len(cells), np.inf)
        total = float(v.sum())
        if total < t:
            hi = np.where(small, lab_hi, np.inf)  # a total below t is never published
        else:
            _, hi = _closed_form(float(raw[cells].sum()), lb, ub)
        out.update(zip(key[cells], hi, strict=True))
    return pd.Series(out, dtype="float64")


def _zeros_shown(
    pr_raw: pd.DataFrame,
    raw: pd.Series,
    group: pd.Series,
    pr_key: pd.Series,
    sup: pd.DataFrame,
    sup_raw: pd.DataFrame,
    m: str,
    t: int,
    floors: dict[str, pd.Series] | None = None,
) -> pd.Series:
    """The zero programs of hidden clusters that may stay shown (0).

    Showing them tells a reader that each of the cluster's *k* withheld programs is at least 1, so a small one
    is at most ``ceiling − (k − 1)`` and the cluster at least *k*. They stay shown when *k* ≤ 1 (that program
    holds the cluster's own count, which the cluster's label already bounds), or when the cluster is not small,
    *k* ≤ t and ``ceiling − (k − 1) ≥ t − 1``; otherwise they are withheld with the rest. In a cluster that
    holds placed parts (``floors``; the parts are a group of their own in ``group``), only when *k* ≤ 1.
    """
    nonzero = raw.gt(0).fillna(False)
    by = [pr_raw["region_id"], pr_raw["year"], group]
    k = nonzero.astype(int).groupby(by).transform("sum")
    # a cluster whose count is small, however it is written (a group withheld whole writes it "withheld"):
    # k withheld programs beside a shown 0 would put it at k or more
    count = pd.to_numeric(sup_raw[m], errors="coerce")
    small_cluster = pr_key.isin(
        set(_keys(sup, ["region_id", "year", "cluster_code"])[sup[f"{m}_suppressed"].astype(bool)
            & ((count > 0) & (count < t)).fillna(False).astype(bool)])
    )  # fmt: skip
    ceiling = pr_key.map(_cluster_ceilings(sup, sup_raw, m, t)).astype("float64").fillna(np.inf)
    roomy = ~small_cluster & (k <= t) & (ceiling - (k - 1) >= t - 1)
    if floors is not None and m in floors:
        held = dict(zip(_keys(sup_raw, ["region_id", "year", "cluster_code"]), floors[m], strict=True))
        roomy &= pr_key.map(held).astype("float64").fillna(0.0).le(0.0)
    return raw.eq(0).fillna(False).astype(bool) & ((k <= 1) | roomy)


def published_states(
    tables: dict[str, pd.DataFrame],
    cfg: Config,
    measure: str = "completers",
    protected: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """How each program of the analysis year has its ``measure`` published, and the range a reader can work
    out from that alone: one row per region × institution × program × CIP × award with ``state`` ``shown``,
    ``small`` (written ``<t``), ``withheld`` or ``unknown`` (missing in the source), and ``low`` / ``high``.

    The range follows the published rule of :mod:`alignment.privacy`: a shown count is itself; ``<t`` is 1 … t − 1
    (0 … t − 1 for a part of a program split over clusters); ``withheld`` beside a ``<t`` of its cluster is at
    least t and at most the smallest count of at least t still shown there; any other ``withheld`` or missing
    count is 0 … ∞. The parts of a program split over clusters are added up; its state is the least known part's.
    Empty when the programs have no such column. ``protected``: the programs as :func:`protect_tables` publishes
    them, when already at hand.
    """
    keys = ["region_id", "institution", "program_name", "cip", "credential_level"]
    raw = tables["programs"].reset_index(drop=True)
    if measure not in raw:
        return pd.DataFrame(columns=[*keys, "state", "low", "high"])
    pr = protected if protected is not None else protect_tables(_counted(tables), cfg)["programs"]
    t = privacy_threshold(cfg)
    n = pd.to_numeric(raw[measure], errors="coerce").astype("float64")
    hidden = pr[f"{measure}_suppressed"].astype(bool).to_numpy()
    text = pr[f"{measure}_text"].astype("string").to_numpy()
    small = hidden & (text == f"<{t}")
    withheld = hidden & (text == WITHHELD)
    lone = raw["cluster_code"].isna() | placed_parts(raw, measure, t)  # a placed part is a group of its own
    group = _keys(raw.assign(_c=raw["cluster_code"].astype("string").mask(lone, "\x00" + raw.index.astype(str))),
                  ["region_id", "year", "_c"])  # fmt: skip
    has_small = pd.Series(small).groupby(group.to_numpy()).transform("any").to_numpy()
    big_shown = pd.Series(np.where(~hidden & (n >= t), n, np.inf))
    cap = big_shown.groupby(group.to_numpy()).transform("min").to_numpy()
    whole = raw["allocation_share"].fillna(1.0).eq(1.0).to_numpy() if "allocation_share" in raw else True
    low = np.select([~hidden, small, withheld & has_small], [n, np.where(whole, 1.0, 0.0), float(t)], 0.0)
    high = np.select([~hidden, small, withheld & has_small], [n, float(t - 1), cap], np.inf)
    rank = np.select([~hidden, small, withheld], [0, 1, 2], 3)
    mine = (raw["year"] == cfg.year).to_numpy() if "year" in raw else np.ones(len(raw), dtype=bool)
    df = pd.DataFrame({k: raw[k].astype("string") if k in raw else pd.NA for k in keys})
    df = df.assign(_rank=rank, low=low, high=high)[mine]
    g = df.groupby(keys, dropna=False, sort=True).agg(
        _rank=("_rank", "max"), low=("low", "sum"), high=("high", "sum")
    )
    g = g.reset_index()
    g["state"] = pd.array(np.array(["shown", "small", "withheld", "unknown"])[g["_rank"]], dtype="string")
    return g[[*keys, "state", "low", "high"]]


def _counted(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    return {k: tables[k] for k in ("alignment", "supply", "programs")}


def program_states(tables: dict[str, pd.DataFrame], cfg: Config) -> dict[str, pd.DataFrame]:
    """:func:`published_states` of completers and of concentrators, protecting the tables once."""
    protected = protect_tables(_counted(tables), cfg)["programs"]
    return {m: published_states(tables, cfg, m, protected) for m in ("completers", "concentrators")}


def _drop_small_notes(flags: pd.DataFrame, programs: pd.DataFrame, measure: str, year: int) -> pd.DataFrame:
    """The flags without the SUPPRESSED note ("fewer than t") of a program whose count is written withheld.

    A withheld count may be anything from 0 up; a note saying it is small would narrow it (and, through
    the group's total, its neighbours). Ranks are renumbered within each region.
    """
    col = f"{measure}_withheld"
    if flags.empty or col not in programs or not (flags["flag"] == "SUPPRESSED").any():
        return flags.copy()
    keys = [k for k in ("region_id", "institution", "program_name", "cip", "cluster_code") if k in flags]
    mine = programs[programs["year"] == year] if "year" in programs else programs
    hid = set(_keys(mine[mine[col].astype(bool)], keys))
    fl_year = flags["year"].astype("Int64").eq(year).fillna(True) if "year" in flags else True
    drop = (flags["flag"] == "SUPPRESSED") & fl_year & _keys(flags, keys).isin(hid)
    out = flags[~drop].copy()
    if drop.any() and "rank" in out:
        out = out.sort_values(["region_id", "rank"], kind="stable")
        out["rank"] = (out.groupby("region_id", dropna=False).cumcount() + 1).astype("int64")
        out = out.sort_index()
    return out.reset_index(drop=True)


def _source_flag(df: pd.DataFrame) -> pd.Series:
    """The ``suppressed`` marker of a raw table (suppressed in the source file), False when absent."""
    if "suppressed" in df:
        return df["suppressed"].fillna(False).astype(bool)
    return pd.Series(False, index=df.index)


def _siblings(programs: pd.DataFrame) -> pd.Series | None:
    """The parts of one program split over several clusters (``split`` rule): a shared key, else <NA>."""
    if not {"source_file", "source_row"} <= set(programs.columns):
        return None
    key = _keys(programs, ["region_id", "year", "source_file", "source_row"])
    dup = key.duplicated(keep=False) & programs["cluster_code"].notna()
    return key.where(dup) if bool(dup.any()) else None


def attack_cells(
    supply: pd.DataFrame,
    programs: pd.DataFrame,
    raw_supply: pd.DataFrame,
    raw_programs: pd.DataFrame,
    measure: str,
) -> pd.DataFrame:
    """The published cells of one measure as :func:`alignment.privacy.attack` reads them.

    ``supply`` and ``programs`` are protected tables (with ``<measure>_suppressed`` and
    ``<measure>_withheld``); ``raw_*`` the same rows before protection (the true values).
    """

    def state(df: pd.DataFrame, raw: pd.Series) -> np.ndarray:
        hidden = df[f"{measure}_suppressed"].astype(bool).to_numpy()
        withheld = df[f"{measure}_withheld"].astype(bool).to_numpy()
        return np.where(
            ~hidden, "shown", np.where(withheld, WITHHELD, np.where(raw.notna(), "small", "unknown"))
        )

    sv = pd.to_numeric(raw_supply[measure], errors="coerce")
    pv = pd.to_numeric(raw_programs[measure], errors="coerce")
    sib = _siblings(raw_programs)
    link, weight = placed_links(raw_programs)
    matched = programs["cluster_code"].notna().to_numpy()
    cl = pd.DataFrame(
        {
            "component": _keys(supply, ["region_id", "year"]).to_numpy(),
            "level": "cluster",
            "cluster": supply["cluster_code"].astype("string").to_numpy(),
            "sibling": pd.NA,
            "value": sv.astype("Float64").to_numpy(dtype=float, na_value=np.nan),
            "state": state(supply, sv),
        }
    )
    pr = pd.DataFrame(
        {
            "component": _keys(programs, ["region_id", "year"]).to_numpy(),
            "level": "program",
            "cluster": programs["cluster_code"].astype("string").to_numpy(),
            "sibling": sib.to_numpy() if sib is not None else pd.NA,
            "value": pv.astype("Float64").to_numpy(dtype=float, na_value=np.nan),
            "state": state(programs, pv),
            "link": link.to_numpy(dtype=object),
            "weight": weight.to_numpy(),
        }
    )[matched]
    cl["link"], cl["weight"] = None, np.nan
    return pd.concat([cl, pr], ignore_index=True)


def placed_links(programs: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """For the attack (:func:`alignment.privacy.attack`): the key that joins the parts of one program an
    institution places file divided over regions (its year, source file and row; ``None`` for other rows) and
    each part's share of the program's count (``place_share`` × ``allocation_share``)."""
    none = pd.Series([None] * len(programs), index=programs.index, dtype=object)
    if "place_share" not in programs.columns:
        return none, pd.Series(np.nan, index=programs.index)
    share = pd.to_numeric(programs["place_share"], errors="coerce").astype("float64")
    if "allocation_share" in programs.columns:
        allocation = pd.to_numeric(programs["allocation_share"], errors="coerce").astype("float64")
        share = share * allocation.fillna(1.0)
    divided = pd.to_numeric(programs["place_share"], errors="coerce").lt(1.0 - 1e-12).fillna(False)
    key = _keys(programs, ["year", "source_file", "source_row"]).astype(object)
    return key.where(divided, None), share


def _withhold_unprotected(
    sup: pd.DataFrame,
    sup_raw: pd.DataFrame,
    pr: pd.DataFrame,
    pr_raw: pd.DataFrame,
    counts: Sequence[str],
    threshold: int,
    parts: dict[str, pd.Series] | None = None,
) -> None:
    """Programs split over clusters link the clusters' groups, and programs placed in several regions link
    the regions: check them with the interval attack, and withhold every program of a region × year (in
    place; placed parts stay shown) where a small count is still not protected."""
    comp = _keys(pr_raw, ["region_id", "year"])
    for m in counts:
        if f"{m}_suppressed" not in pr:
            continue
        found = attack(attack_cells(sup, pr, sup_raw, pr_raw, m), threshold)
        bad = set(found.loc[~found["protected"].astype(bool), "component"])
        if not bad:
            continue
        rows = comp.isin(bad) & pr_raw["cluster_code"].notna()
        if parts is not None and m in parts:
            rows &= ~(parts[m] & pd.to_numeric(pr_raw[m], errors="coerce").notna())
        raw = pd.to_numeric(pr_raw[m], errors="coerce")
        pr[f"{m}_suppressed"] = pr[f"{m}_suppressed"].astype(bool) | rows
        pr[f"{m}_withheld"] = pr[f"{m}_withheld"].astype(bool) | (rows & raw.notna())
        pr[m] = pr[m].mask(pr[f"{m}_suppressed"])
        pr[f"{m}_text"] = _count_cells(
            raw, pr[f"{m}_suppressed"], _source_flag(pr_raw), threshold, pr[f"{m}_withheld"]
        )


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
