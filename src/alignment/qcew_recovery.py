"""Suppressed QCEW cells recovered down the published hierarchy, so no job is lost to suppression.

BLS withholds (``disclosure_code N``) the employment and wages of cells that would reveal one employer, but
publishes the totals above them and the establishment counts of every cell. The rows of one area and year
form a tree (the QCEW aggregation levels):

    all ownerships (own 0, industry 10)
      → ownership (own 1 federal, 2 state, 3 local government, 5 private; industry 10)
        → domain (101 goods-producing, 102 service-providing)
          → supersector (1011 … 1029)
            → NAICS sector (11, 21, …, 31-33, …, 92)
              → 3-digit subsector (the detail the cluster crosswalks map)

A row's parent is its nearest ancestor present, where the domain and supersector levels may be missing; a
row whose sector or ownership total is missing is an orphan: kept as it is published, a suppressed orphan
stays unknown (``<NA>``), never guessed from a total that holds other rows too. Top down, each
parent's **remainder** ``R = parent − Σ disclosed children`` (never below 0) goes to its suppressed children:

- one suppressed child: it gets ``R`` — **recovered**, exact when the parent is exact (published or
  recovered itself);
- several: ``R`` is spread in proportion to each child's establishments × the average establishment size of
  the same ownership × industry in the *reference area* (the state for a county, the nation for a state;
  else establishments alone; else equal parts), after each child first gets the disclosed employment of its
  own children, the least the published figures allow — **imputed**;
- none: the remainder stays on the parent as a leaf of its own (a sector's remainder is mapped by the
  sector's clusters; above the sector level it maps to no cluster and is reported as not placed). A
  childless row above the sector level is a leaf only when its area, year and ownership publish no sector or
  subsector (a file of county totals only: its jobs are not placed).

Wages are recovered the same way (weights: establishments × the reference area's average wages per
establishment). The leaves — rows with no child, plus remainders — add up to the area's all-ownership total
(up to the rounding of the published figures), so a region's cluster employment adds up to its published
total. Each leaf carries ``origin``: ``disclosed``, ``recovered`` or ``imputed`` (of its employment).

Not done: the counties of a state are not constrained to add up to the state's published cell (each area is
recovered on its own); a suppressed cell is not capped by the same cell of its reference area.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["ORIGINS", "SUPERSECTOR_OF_SECTOR", "recover_suppressed", "reference_area"]

ORIGINS = ("disclosed", "recovered", "imputed")
OWNERSHIPS = ("1", "2", "3", "5")
DOMAINS = ("101", "102")
SUPERSECTOR_OF_SECTOR = {
    "11": "1011",
    "21": "1011",
    "23": "1012",
    "31-33": "1013",
    "22": "1021",
    "42": "1021",
    "44-45": "1021",
    "48-49": "1021",
    "51": "1022",
    "52": "1023",
    "53": "1023",
    "54": "1024",
    "55": "1024",
    "56": "1024",
    "61": "1025",
    "62": "1025",
    "71": "1026",
    "72": "1026",
    "81": "1027",
    "92": "1028",
    "99": "1029",
}
_SECTOR_ALIASES = {"31": "31-33", "32": "31-33", "33": "31-33", "44": "44-45", "45": "44-45"}
_SECTOR_ALIASES |= {"48": "48-49", "49": "48-49"}
_VALUES = ("employment", "total_wages_usd")
# levels: 0 all ownerships, 1 ownership, 2 domain, 3 supersector, 4 sector, 5 subsector
_SECTOR, _SUBSECTOR = 4, 5


def _level(code: str) -> int | None:
    """Level of an industry code in the tree (None: not in it).

    >>> [_level(c) for c in ("10", "102", "1025", "61", "31-33", "611", "6111")]
    [1, 2, 3, 4, 4, 5, None]
    """
    if code == "10":
        return 1
    if code in DOMAINS:
        return 2
    if len(code) == 4 and code.startswith("10"):
        return 3
    if code in SUPERSECTOR_OF_SECTOR:
        return 4
    if len(code) == 3 and code.isdigit():
        return 5
    return None


def _parents(code: str) -> list[str]:
    """The industry codes that may be a row's parent within its ownership, nearest first: a subsector's
    sector only; a sector's supersector, else its domain, else the ownership total (extracts often drop the
    BLS domains and supersectors); ``[]`` for the ownership total (its parent is the all-ownership total).

    >>> _parents("611"), _parents("61"), _parents("1025"), _parents("102"), _parents("10")
    (['61'], ['1025', '102', '10'], ['102', '10'], ['10'], [])
    """
    level = _level(code)
    if level == _SUBSECTOR:
        return [_SECTOR_ALIASES.get(code[:2], code[:2])]
    chain: list[str] = []
    if level == _SECTOR:
        code = SUPERSECTOR_OF_SECTOR[code]
        chain.append(code)
        level = 3
    if level == 3:
        chain.append("101" if code < "1020" else "102")
        level = 2
    if level == 2:
        chain.append("10")
    return chain


def reference_area(area: str) -> str | None:
    """The area whose average establishment sizes weight an area's imputed cells: a county's state, a state's
    nation (``US000``); none for the nation or an area of another kind.

    >>> reference_area("50007"), reference_area("50000"), reference_area("US000"), reference_area("C1234")
    ('50000', 'US000', None, None)
    """
    if len(area) != 5 or not area.isdigit():
        return None
    return "US000" if area.endswith("000") else area[:2] + "000"


def _nodes(q: pd.DataFrame) -> pd.DataFrame:
    """The rows of the tree with their level and their parent's key (the nearest ancestor present)."""
    own, code = q["own_code"], q["industry_code"]
    levels = {c: _level(c) for c in code.unique()}
    lvl = code.map(levels)
    root = (own == "0") & (code == "10")
    keep = root | (own.isin(OWNERSHIPS) & lvl.notna())
    n = q[keep.to_numpy()].copy()
    n["level"] = np.where(n["own_code"] == "0", 0, n["industry_code"].map(levels).fillna(-1)).astype(int)
    n["key"] = n["area_fips"] + "|" + n["year"].astype(str) + "|" + n["own_code"] + "|" + n["industry_code"]
    n = n.drop_duplicates("key").reset_index(drop=True)
    present = pd.Index(n["key"])
    chains = {c: _parents(c) for c in n["industry_code"].unique()}
    prefix = n["area_fips"] + "|" + n["year"].astype(str) + "|"
    own_total = (n["own_code"] != "0") & (n["industry_code"] == "10")
    parent = (prefix + "0|10").where(own_total.to_numpy(), pd.NA).astype("string")
    parent = parent.where(parent.isin(present))
    depth = max((len(v) for v in chains.values()), default=0)
    for i in range(depth):
        anc = n["industry_code"].map(lambda c, i=i: chains[c][i] if i < len(chains[c]) else None)
        cand = prefix + n["own_code"] + "|" + anc.astype("string")
        hit = parent.isna() & anc.notna() & cand.isin(present) & (n["own_code"] != "0")
        parent = parent.mask(hit.to_numpy(), cand)
    n["parent"] = parent
    return n


def _per_establishment(n: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per node and value column: the average value per establishment of the same year × ownership × industry
    in the node's reference area, else in the nation (``NaN`` where neither publishes it)."""
    est = pd.to_numeric(n["establishments"]).astype("float64").to_numpy()
    cell = n["year"].astype(str) + "|" + n["own_code"] + "|" + n["industry_code"]
    out: dict[str, np.ndarray] = {}
    ok = ~n["suppressed"].to_numpy() & (est > 0)
    for v in _VALUES:
        val = n[v].astype("float64").to_numpy()
        size = pd.Series(val / np.where(est > 0, est, np.nan), index=(n["area_fips"] + "|" + cell).to_numpy())
        size = size[ok & np.isfinite(val)]
        size = size[~size.index.duplicated()]
        per_est = np.full(len(n), np.nan)
        for ref in (n["area_fips"].map(reference_area), pd.Series("US000", index=n.index)):
            look = (ref.astype("string") + "|" + cell).to_numpy()
            found = size.reindex(look).to_numpy()
            per_est = np.where(np.isnan(per_est), found, per_est)
        out[v] = per_est
    return out


def recover_suppressed(q: pd.DataFrame) -> pd.DataFrame:
    """The leaves of the QCEW tree of every area × year, with suppressed cells recovered (see the module).

    ``q``: annual rows with area_fips, year, own_code, industry_code (strings but year), employment,
    total_wages_usd, establishments and ``suppressed`` (employment and wages ``<NA>`` where suppressed).

    Returns one row per leaf: area_fips, year, own_code, industry_code, employment, total_wages_usd,
    establishments (Float64), ``origin`` (of the employment: disclosed / recovered / imputed), ``suppressed``
    (the leaf's own row was withheld) and ``remainder`` (the leaf is a parent's unplaced remainder).

    >>> q = pd.DataFrame({"area_fips": "50007", "year": 2016, "own_code": ["0", "2", "2", "2"],
    ...     "industry_code": ["10", "10", "61", "92"], "employment": [100.0, 100.0, None, 30.0],
    ...     "total_wages_usd": [5e6, 5e6, None, 1e6], "establishments": [9, 3, 2, 1],
    ...     "suppressed": [False, False, True, False]})
    >>> out = recover_suppressed(q)
    >>> out[["industry_code", "employment", "origin"]].values.tolist()
    [['61', 70.0, 'recovered'], ['92', 30.0, 'disclosed']]
    """
    if q.empty:
        return _empty()
    n = _nodes(q)
    sup = n["suppressed"].fillna(True).astype(bool).to_numpy()
    vals = {v: n[v].astype("float64").to_numpy().copy() for v in _VALUES}
    for v in _VALUES:
        vals[v][sup] = np.nan
    exact = ~sup & ~np.isnan(vals["employment"])
    per_est = _per_establishment(n)
    est = pd.to_numeric(n["establishments"]).astype("float64").fillna(0.0).clip(lower=0.0).to_numpy()
    pos = pd.Series(np.arange(len(n)), index=n["key"].to_numpy())
    ppos = pos.reindex(n["parent"].astype(object).to_numpy()).to_numpy()
    has_parent = ~np.isnan(ppos)
    ppos_i = np.where(has_parent, ppos, -1).astype(int)
    has_child = np.zeros(len(n), dtype=bool)
    has_child[ppos_i[has_parent]] = True
    level = n["level"].to_numpy()
    # bottom up: a withheld row whose children are all known is their sum (recovered exactly)
    withheld = sup.copy()
    sums = {v: np.zeros(len(n)) for v in _VALUES}
    unknown_kids = np.zeros(len(n), dtype=int)
    for child_level in range(_SUBSECTOR, -1, -1):
        here = level == child_level
        solved = here & withheld & has_child & (unknown_kids == 0)
        for v in _VALUES:
            vals[v][solved] = sums[v][solved]
        withheld &= ~solved
        exact |= solved
        kids = np.flatnonzero(has_parent & here)
        for v in _VALUES:
            sums[v] += np.bincount(ppos_i[kids], weights=np.nan_to_num(vals[v][kids]), minlength=len(n))
        unknown = withheld[kids] | np.isnan(vals["employment"][kids])
        unknown_kids += np.bincount(ppos_i[kids], weights=unknown, minlength=len(n)).astype(int)
    suppressed_child = withheld & has_parent
    n_hidden = np.bincount(ppos_i[suppressed_child], minlength=len(n))
    parent_level = np.where(has_parent, level[ppos_i], -1)
    disclosed = has_parent & ~withheld
    hidden_all = np.flatnonzero(suppressed_child)
    known, floors, floor = {}, {}, {}
    for v in _VALUES:
        x = vals[v]
        ok = disclosed & ~np.isnan(x)
        # Σ disclosed children per node
        known[v] = np.bincount(ppos_i[ok], weights=x[ok], minlength=len(n))
        # the least a row holds: its disclosed children plus the least of its withheld ones (bottom up)
        floor[v] = np.zeros(len(n))
        for child_level in range(_SUBSECTOR, 0, -1):
            kids = np.flatnonzero(has_parent & (level == child_level))
            least = np.where(ok[kids], x[kids], np.where(withheld[kids], floor[v][kids], 0.0))
            floor[v] += np.bincount(ppos_i[kids], weights=np.nan_to_num(least), minlength=len(n))
        floors[v] = np.bincount(ppos_i[hidden_all], weights=floor[v][hidden_all], minlength=len(n))
    for p_level in range(0, _SUBSECTOR):
        hidden = hidden_all[parent_level[hidden_all] == p_level]
        if not len(hidden):
            continue
        hp = ppos_i[hidden]
        count = np.bincount(hp, minlength=len(n)).astype(float)
        for v in _VALUES:
            x = vals[v]
            rest = np.clip(x - known[v] - floors[v], 0.0, None)  # per parent (NaN: parent unknown)
            # establishments × the reference area's value per establishment; where a child's reference
            # publishes none, the remainder's own value per establishment (so the weights stay comparable)
            est_sum = np.bincount(hp, weights=est[hidden], minlength=len(n))
            own_avg = np.where(est_sum[hp] > 0, rest[hp] / np.where(est_sum[hp] > 0, est_sum[hp], 1.0), 0.0)
            w = est[hidden] * np.where(np.isnan(per_est[v][hidden]), own_avg, per_est[v][hidden])
            wsum = np.bincount(hp, weights=w, minlength=len(n))
            share = np.where(wsum[hp] > 0, w / np.where(wsum[hp] > 0, wsum[hp], 1.0), 1.0 / count[hp])
            x[hidden] = floor[v][hidden] + rest[hp] * share
        exact[hidden] = exact[hp] & (n_hidden[hp] == 1)
    remainder = {}
    for v in _VALUES:
        # a parent with no suppressed child keeps what its disclosed children leave
        lone = has_child & (n_hidden == 0)
        remainder[v] = np.where(lone, np.clip(vals[v] - known[v], 0.0, None), 0.0)
    # a childless row above the sector level is a leaf (its jobs not placed) only when nothing more detailed
    # is published for its area, year and ownership (else its detail is there, as orphans)
    detail = pd.Series(level >= _SECTOR, index=n.index)
    own_key = [n["area_fips"], n["year"], n["own_code"]]
    own_detail = detail.groupby(own_key).transform("any").to_numpy()
    area_rows = n.groupby(["area_fips", "year"])["key"].transform("size").to_numpy()
    leaf = ~has_child & ((level >= _SECTOR) | ((level > 0) & ~own_detail) | ((level == 0) & (area_rows == 1)))
    rem = has_child & (np.nan_to_num(remainder["employment"]) > 1e-9)
    origin = np.where(
        ~sup & ~np.isnan(vals["employment"]), "disclosed", np.where(exact, "recovered", "imputed")
    )
    kid_est = np.zeros(len(n))
    np.add.at(kid_est, ppos_i[has_parent], est[has_parent])
    base = n[["area_fips", "year", "own_code", "industry_code"]]
    leaves = base[leaf].assign(
        employment=vals["employment"][leaf],
        total_wages_usd=vals["total_wages_usd"][leaf],
        establishments=est[leaf],
        origin=origin[leaf],
        suppressed=sup[leaf],
        remainder=False,
    )
    rests = base[rem].assign(
        employment=remainder["employment"][rem],
        total_wages_usd=remainder["total_wages_usd"][rem],
        establishments=np.clip(est[rem] - kid_est[rem], 0.0, None),
        origin=np.where(exact[rem], "recovered", "imputed"),
        suppressed=False,
        remainder=True,
    )
    out = pd.concat([leaves, rests], ignore_index=True)
    return _typed(out)


def _empty() -> pd.DataFrame:
    cols = ["area_fips", "year", "own_code", "industry_code", "employment", "total_wages_usd"]
    cols += ["establishments", "origin", "suppressed", "remainder"]
    return _typed(pd.DataFrame({c: [] for c in cols}))


def _typed(out: pd.DataFrame) -> pd.DataFrame:
    out = out.astype(
        {
            "area_fips": "string",
            "year": "int64",
            "own_code": "string",
            "industry_code": "string",
            "employment": "Float64",
            "total_wages_usd": "Float64",
            "establishments": "Float64",
            "origin": "string",
            "suppressed": "bool",
            "remainder": "bool",
        }
    )
    keys = ["area_fips", "year", "own_code", "industry_code", "remainder"]
    return out.sort_values(keys, kind="mergesort").reset_index(drop=True)
