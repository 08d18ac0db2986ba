"""Regional occupation employment by staffing pattern: QCEW industry employment × national occupation shares.

``E_r,s = Σ_i E_r,i · share_i,s`` — a region's QCEW employment in industry ``i`` (all ownerships: private and
federal, state and local government, each with the pattern of its ownership) times the share of occupation
``s`` in that industry nationally (:mod:`alignment.sources.staffing`: BLS EP matrix or OEWS industry-specific
estimates, mapped to SOC 2018 with :func:`alignment.sources.staffing.to_soc_2018`).

**Each job is placed once, with the most detailed pattern that covers it.** The QCEW rows of a county form a
tree: all ownerships (``own_code 0``, industry ``10``) → each ownership (1, 2, 3, 5; industry ``10``) →
NAICS sector → 3-, 4-, 5-, 6-digit industry (BLS domains ``101``/``102`` and supersectors ``10xx`` are not in
the tree). Every disclosed row places its *remainder* — its employment less that of the disclosed rows below
it (never below 0); those place theirs with their own, more detailed patterns. Where the remainder goes:

- no undisclosed row below: the row's own pattern;
- undisclosed rows below (``disclosure_code N``): they hold the remainder. An undisclosed row whose only row
  below is undisclosed too holds all of it there (local ``61`` → ``611`` → ``6111``: local schools). One such
  row, or several with one pattern: that pattern. Several with different patterns: the remainder is split
  among them by estimated size — establishments (published for undisclosed rows) × the average establishment
  size of the same ownership × industry × period in the disclosed rows of every area of the QCEW table (else
  of its nearest parent industry), less the disclosed jobs inside the row; with no establishment counts, the
  pattern covering them all, else equal parts. Split jobs are reported (``employment_estimated``).

A pattern *covers* a QCEW row when the row's ownership is among the pattern's ``own_codes`` and its NAICS
code is the pattern's or lies below it; the most detailed code wins, then the pattern of fewer codes, then
the one of fewer ownerships (EP ``611103`` local schools before ``611100`` all schools). A code with no
pattern at or above it and a single pattern one level below takes that one (NAICS 491 → EP's 4911, the
Postal Service). Government jobs outside the industries the publishers give to government owners (schools,
hospitals, the Postal Service) go to the ownership's government pattern (``999100`` federal, ``999200``
state, ``999300`` local); such a catch-all, and the cross-industry pattern (OEWS ``000000``), covers only
jobs no industry pattern of the ownership covers. Employment no pattern covers is *unplaced* and reported,
never spread over the others.

A year is the mean over the periods the QCEW table holds for it (the annual rows ``qtr A`` when a county has
them, else its quarters: each quarter placed on its own, then averaged — not BLS's published annual average).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .demand import sector_of
from .sources.staffing import industry_codes, match_length

__all__ = [
    "COVERAGE_COLUMNS",
    "METHOD",
    "OUTPUT_COLUMNS",
    "PLACEMENT_COLUMNS",
    "industry_placement",
    "occupation_employment_by_staffing",
    "staffing_coverage",
]

METHOD = "staffing pattern"
OWNERSHIPS = ("1", "2", "3", "5")
OUTPUT_COLUMNS = [
    "region_id",
    "year",
    "soc",
    "soc_title",
    "employment",
    "industries_used",
    "employment_unplaced",
    "method",
]
PLACEMENT_COLUMNS = [
    "region_id",
    "year",
    "industry_code",
    "own_codes",
    "industry_title",
    "industry_level",
    "employment",
    "qcew_industries",
]
COVERAGE_COLUMNS = [
    "region_id",
    "year",
    "counties",
    "counties_without_qcew",
    "qcew_employment",
    "employment_placed",
    "employment_unlisted",
    "employment_unplaced",
    "employment_estimated",
    "share_placed",
    "share_unlisted",
    "share_unplaced",
]
_NAICS_LEVELS = ("sector", "3-digit", "4-digit", "5-digit", "6-digit")
_SECTORS = {"31-33", "44-45", "48-49"}

Node = tuple[str, str]  # (own_code, industry_code)


# ------------------------------------------------------------------------------------------- the patterns


@dataclass(frozen=True)
class _Pattern:
    index: int
    industry_code: str
    own: frozenset[str]
    level: str
    summary: bool
    codes: tuple[str, ...]
    title: str | None = None


def _just_below(pattern: _Pattern, code: str) -> bool:
    """True when every code of the pattern is a child (one level down) of the QCEW code ``code``.

    >>> p = _Pattern(0, "4911", frozenset("15"), "4-digit", False, ("4911",))
    >>> _just_below(p, "491"), _just_below(p, "49"), _just_below(p, "48-49")
    (True, False, False)
    """
    if not code.isdigit() or len(code) < 3:
        return False
    return all(c.isdigit() and len(c) == len(code) + 1 and c.startswith(code) for c in pattern.codes)


class _Patterns:
    """The industries of a staffing table and the lookup of the pattern covering a set of QCEW rows."""

    def __init__(self, staffing: pd.DataFrame):
        keys = staffing.drop_duplicates(["industry_code", "own_codes"])
        self.items: list[_Pattern] = []
        titles = (
            keys["industry_title"] if "industry_title" in keys.columns else pd.Series(pd.NA, index=keys.index)
        )
        for i, (r, title) in enumerate(zip(keys.itertuples(index=False), titles, strict=True)):
            summary = bool(r.summary) if "summary" in keys.columns and not pd.isna(r.summary) else False
            code = str(r.industry_code)
            own = frozenset(str(r.own_codes))
            level = str(r.industry_level)
            title = None if pd.isna(title) else str(title)
            self.items.append(_Pattern(i, code, own, level, summary, industry_codes(code), title))
        self._cache: dict[tuple[frozenset[str], frozenset[str]], _Pattern | None] = {}

    def lookup(self, own: frozenset[str], codes: frozenset[str]) -> _Pattern | None:
        """The pattern for jobs of ownerships ``own`` in industries ``codes`` (``10``: any industry)."""
        key = (own, codes)
        if key not in self._cache:
            self._cache[key] = self._find(own, codes)
        return self._cache[key]

    def _find(self, own: frozenset[str], codes: frozenset[str]) -> _Pattern | None:
        best, score = None, None
        if "10" not in codes:
            for p in self.items:
                if p.level not in _NAICS_LEVELS or not own <= p.own:
                    continue
                depth = min(match_length(p.codes, c) for c in codes)
                if depth == 0:
                    continue
                s = (depth, -len(p.codes), -len(p.own), not p.summary)
                if score is None or s > score:
                    best, score = p, s
            if best is not None:
                return best
            if len(codes) == 1:  # a single pattern one level below (NAICS 491 Postal Service: only 4911)
                (code,) = codes
                below = [
                    p
                    for p in self.items
                    if p.level in _NAICS_LEVELS and own <= p.own and _just_below(p, code)
                ]
                if len(below) == 1:
                    return below[0]
            # a catch-all (government, all industries) covers only jobs no industry pattern of the ownership
            # covers: state university jobs hidden beside state administration are not "state government"
            for code in codes:
                if any(
                    p.level in _NAICS_LEVELS and own <= p.own and match_length(p.codes, code)
                    for p in self.items
                ):
                    return None
        for level in ("government", "total"):
            candidates = [p for p in self.items if p.level == level and own <= p.own]
            if candidates:
                return max(candidates, key=lambda p: (-len(p.own), not p.summary, -p.index))
        return None


# ---------------------------------------------------------------------------------------------- the tree


def _parent(node: Node) -> Node | None:
    """The QCEW row one level up.

    >>> _parent(("5", "3112")), _parent(("5", "311")), _parent(("5", "31-33")), _parent(("5", "10"))
    (('5', '311'), ('5', '31-33'), ('5', '10'), ('0', '10'))
    """
    own, code = node
    if code == "10":
        return None if own == "0" else ("0", "10")
    if code in _SECTORS or len(code) == 2:
        return (own, "10")
    if len(code) == 3:
        return (own, sector_of(code))
    return (own, code[:-1])


def _in_tree(code: str) -> bool:
    """NAICS codes of the tree: ``10``, sectors, 3- to 6-digit industries (not BLS domains or supersectors)."""
    if code == "10" or code in _SECTORS:
        return True
    return code.isdigit() and 2 <= len(code) <= 6 and not code.startswith("10")


def _own_set(node: Node) -> frozenset[str]:
    return frozenset(OWNERSHIPS) if node[0] == "0" else frozenset(node[0])


@dataclass
class _Placed:
    """The jobs of one area and period: per pattern index (``None``: unplaced) and the QCEW rows behind them."""

    jobs: dict[int | None, float]
    rows: dict[int | None, set[str]]
    total: float  # the area's jobs: the disclosed rows with no disclosed row above them
    estimated: float  # jobs split among several undisclosed rows by their estimated size


def _label(node: Node) -> str:
    return f"{node[0]}:{node[1]}"


def _single_descent(node: Node, kids: dict[Node, list[Node]], known: dict[Node, float]) -> Node:
    """The deepest undisclosed row reached from ``node`` through rows that are the only row below their parent.

    >>> _single_descent(("3", "61"), {("3", "61"): [("3", "611")], ("3", "611"): [("3", "6111")]}, {})
    ('3', '6111')
    """
    while len(kids.get(node, ())) == 1 and kids[node][0] not in known:
        node = kids[node][0]
    return node


def _place(values: dict[Node, float | None], estimates: dict[Node, float], patterns: _Patterns) -> _Placed:
    """Place the jobs of one area and period.

    ``values``: each QCEW row present, its employment or ``None`` (undisclosed); ``estimates``: the
    estimated employment of undisclosed rows (establishments × average size elsewhere), when known.

    >>> pats = _Patterns(pd.DataFrame({"industry_code": ["31-33", "311"], "own_codes": ["5", "5"],
    ...     "industry_level": ["sector", "3-digit"]}))
    >>> out = _place({("5", "10"): 100.0, ("5", "31-33"): 60.0, ("5", "311"): 50.0, ("5", "312"): None}, {}, pats)
    >>> out.jobs, out.total  # 311 its own 50; 312 (hidden) the rest of 31-33 by the sector's pattern
    ({None: 40.0, 0: 10.0, 1: 50.0}, 100.0)
    """
    known = {k: v for k, v in values.items() if v is not None}
    below: dict[Node, float] = {}
    hidden: dict[Node, list[Node]] = {}
    inside: dict[Node, float] = {}  # known jobs inside each undisclosed row, below its disclosed ancestor
    kids: dict[Node, list[Node]] = {}  # the rows present one step below each row
    total = 0.0
    for node in values:
        p, top_hidden = _parent(node), None
        while p is not None and p not in values:
            p = _parent(p)
        if p is not None:
            kids.setdefault(p, []).append(node)
        p = _parent(node)
        while p is not None and p not in known:
            if p in values:
                top_hidden = p
            p = _parent(p)
        if node not in known:
            if p is not None and top_hidden is None:
                hidden.setdefault(p, []).append(node)
            continue
        v = known[node]
        if p is None:
            total += v
            continue
        below[p] = below.get(p, 0.0) + v
        if top_hidden is not None:
            inside[top_hidden] = inside.get(top_hidden, 0.0) + v
    out = _Placed({}, {}, total, 0.0)

    def put(pattern: _Pattern | None, jobs: float, labels: Iterable[str]) -> None:
        key = None if pattern is None else pattern.index
        out.jobs[key] = out.jobs.get(key, 0.0) + jobs
        out.rows.setdefault(key, set()).update(labels)

    for node, v in known.items():
        rest = v - below.get(node, 0.0)
        if rest <= 1e-9:
            continue
        members = hidden.get(node)
        if not members:
            put(patterns.lookup(_own_set(node), frozenset([node[1]])), rest, [_label(node)])
            continue
        # an undisclosed row whose only row below is undisclosed too holds all its jobs there (61 -> 611 -> 6111)
        deepest = [_single_descent(u, kids, known) for u in members]
        # estimated size of each: its estimated jobs (by the deepest row's average) less the disclosed jobs inside
        sizes = [
            max(estimates.get(d, estimates.get(u, np.nan)) - inside.get(u, 0.0), 0.0)
            for u, d in zip(members, deepest, strict=True)
        ]
        members = deepest
        own_patterns = [patterns.lookup(_own_set(u), frozenset([u[1]])) for u in members]
        if len({None if p is None else p.index for p in own_patterns}) == 1:  # one child, or one pattern
            put(own_patterns[0], rest, map(_label, members))
            continue
        # undisclosed rows of industries with different patterns: split by their estimated size
        if all(np.isfinite(sizes)) and sum(sizes) > 0:
            for u, pattern, size in zip(members, own_patterns, sizes, strict=True):
                jobs = rest * size / sum(sizes)
                put(pattern, jobs, [_label(u)])
                out.estimated += jobs if pattern is not None else 0.0
            continue
        # no estimate: the pattern covering them all (the parent's), else equal parts
        own = frozenset().union(*(_own_set(u) for u in members))
        common = patterns.lookup(own, frozenset(u[1] for u in members))
        if common is not None:
            put(common, rest, map(_label, members))
            continue
        for u, pattern in zip(members, own_patterns, strict=True):
            put(pattern, rest / len(members), [_label(u)])
            out.estimated += rest / len(members) if pattern is not None else 0.0
    return out


# ------------------------------------------------------------------------------------------- the method


def _check_staffing(staffing: pd.DataFrame) -> pd.DataFrame:
    needed = {"industry_code", "own_codes", "industry_level", "soc", "share"}
    missing = needed - set(staffing.columns)
    if missing:
        raise ValueError(
            f"the staffing table lacks column(s) {', '.join(sorted(missing))} "
            "(read it with alignment.sources.staffing.read_staffing_patterns)"
        )
    own = staffing["own_codes"].astype("string")
    bad = ~own.str.fullmatch(r"[1235]+").fillna(False).astype(bool)
    if bad.any():
        raise ValueError(
            f"own_codes must be QCEW ownership codes 1, 2, 3, 5 (such as '5' or '235'), got {own[bad].iat[0]!r}"
        )
    if "soc_vintage" in staffing.columns and (staffing["soc_vintage"].astype("string") == "2010").any():
        raise ValueError(
            "the staffing table has SOC 2010 codes: map them with alignment.sources.staffing.to_soc_2018 first"
        )
    return staffing


def _qcew_rows(qcew: pd.DataFrame, counties: Iterable[str], year: int) -> pd.DataFrame:
    """The rows of the tree for the counties and year (annual rows where a county has them, else quarters),
    with ``estimate``: a row's establishments × the average establishment size of the same ownership, industry
    and period in the disclosed rows of every area of the table (else of its nearest parent industry)."""
    need = {"area_fips", "own_code", "industry_code", "year", "qtr", "employment"}
    missing = need - set(qcew.columns)
    if missing:
        raise ValueError(
            f"the QCEW table lacks column(s) {', '.join(sorted(missing))} (see sources.qcew.read_qcew)"
        )
    q = qcew[qcew["year"] == year]
    q = q.assign(
        area_fips=q["area_fips"].astype("string"),
        own_code=q["own_code"].astype("string").str.strip(),
        industry_code=q["industry_code"].astype("string").str.strip(),
        qtr=q["qtr"].astype("string"),
        employment=pd.to_numeric(q["employment"]).astype("Float64"),
        establishments=pd.to_numeric(q["establishments"]).astype("Float64")
        if "establishments" in q.columns
        else pd.Series(pd.NA, index=q.index, dtype="Float64"),
    )
    if "suppressed" in q.columns:
        q["employment"] = q["employment"].mask(q["suppressed"].fillna(False).astype(bool).to_numpy())
    own0 = (q["own_code"] == "0") & (q["industry_code"] == "10")
    owned = q["own_code"].isin(OWNERSHIPS) & q["industry_code"].map(_in_tree).astype(bool)
    q = q[own0 | owned]
    keys = ["own_code", "industry_code", "qtr"]
    sized = q[q["employment"].notna() & (q["establishments"] > 0)]
    sums = sized.groupby(keys)[["employment", "establishments"]].sum()
    sizes = (sums["employment"] / sums["establishments"]).to_dict()
    q = q[q["area_fips"].isin(list(counties))]
    annual_areas = set(q.loc[q["qtr"] == "A", "area_fips"])
    q = q[(q["qtr"] == "A") | ~q["area_fips"].isin(annual_areas)]
    size = [
        _average_size(sizes, o, c, t)
        for o, c, t in zip(q["own_code"], q["industry_code"], q["qtr"], strict=True)
    ]
    q = q.assign(estimate=(q["establishments"] * pd.array(size, dtype="Float64")).astype("Float64"))
    return q


def _average_size(sizes: dict[tuple[str, str, str], float], own: str, code: str, period: str) -> float | None:
    """Average establishment size of an ownership × industry × period, else of its nearest parent industry.

    >>> _average_size({("2", "10", "1"): 69.0, ("2", "54", "1"): 66.5}, "2", "52", "1")
    69.0
    """
    node: Node | None = (own, code)
    while node is not None and node[0] == own:
        found = sizes.get((node[0], node[1], period))
        if found is not None and np.isfinite(found):
            return float(found)
        node = _parent(node)
    return None


def _counties(regions: pd.DataFrame) -> pd.DataFrame:
    missing = {"county_fips", "region_id"} - set(regions.columns)
    if missing:
        raise ValueError(f"the regions table lacks column(s) {', '.join(sorted(missing))}")
    r = regions[["county_fips", "region_id"]].dropna().astype("string").drop_duplicates()
    return r


@dataclass
class _Placement:
    """Jobs placed per region × pattern, the QCEW rows behind them, and the QCEW total per region."""

    patterns: _Patterns
    jobs: pd.DataFrame  # region_id, pattern (Int64; <NA> unplaced), employment, qcew_industries
    totals: pd.DataFrame  # region_id, counties, counties_without_qcew, qcew_employment


def _placement(qcew: pd.DataFrame, regions: pd.DataFrame, staffing: pd.DataFrame, year: int) -> _Placement:
    staffing = _check_staffing(staffing)
    patterns = _Patterns(staffing)
    counties = _counties(regions)
    q = _qcew_rows(qcew, counties["county_fips"], year)
    per_county: dict[str, dict[int | None, float]] = {}
    labels: dict[str, dict[int | None, set[str]]] = {}
    totals: dict[str, float] = {}
    estimated: dict[str, float] = {}
    for area, rows in q.groupby("area_fips", sort=True):
        periods = rows.groupby("qtr", sort=True)
        n = periods.ngroups
        acc: dict[int | None, float] = {}
        seen: dict[int | None, set[str]] = {}
        total = guessed = 0.0
        for _, part in periods:
            nodes = list(zip(part["own_code"], part["industry_code"], strict=True))
            emp = part["employment"].to_numpy(dtype=object, na_value=None)
            est = part["estimate"].to_numpy(dtype=object, na_value=None)
            values = {k: (None if e is None else float(e)) for k, e in zip(nodes, emp, strict=True)}
            estimates = {k: float(e) for k, e in zip(nodes, est, strict=True) if e is not None}
            out = _place(values, estimates, patterns)
            total += out.total / n
            guessed += out.estimated / n
            for key, v in out.jobs.items():
                acc[key] = acc.get(key, 0.0) + v / n
                seen.setdefault(key, set()).update(out.rows[key])
        area = str(area)
        per_county[area], labels[area], totals[area], estimated[area] = acc, seen, total, guessed
    records = []
    for region, g in counties.groupby("region_id", sort=True):
        acc: dict[int | None, float] = {}
        seen: dict[int | None, set[str]] = {}
        for county in g["county_fips"]:
            for key, v in per_county.get(county, {}).items():
                acc[key] = acc.get(key, 0.0) + v
                seen.setdefault(key, set()).update(labels[county][key])
        for key, v in acc.items():
            records.append((region, key, v, " ".join(sorted(seen[key]))))
    jobs = pd.DataFrame(records, columns=["region_id", "pattern", "employment", "qcew_industries"])
    jobs["pattern"] = jobs["pattern"].astype("Int64")
    jobs["employment"] = jobs["employment"].astype("Float64")
    tot = counties.assign(
        qcew_employment=counties["county_fips"].map(totals).astype("Float64"),
        employment_estimated=counties["county_fips"].map(estimated).astype("Float64"),
        missing=~counties["county_fips"].isin(list(totals)),
    )
    region_totals = tot.groupby("region_id", sort=True).agg(
        counties=("county_fips", "size"),
        counties_without_qcew=("missing", "sum"),
        qcew_employment=("qcew_employment", lambda s: s.sum(min_count=1)),
        employment_estimated=("employment_estimated", lambda s: s.sum(min_count=1)),
    )
    return _Placement(patterns, jobs, region_totals.reset_index())


def industry_placement(
    qcew: pd.DataFrame, regions: pd.DataFrame, staffing: pd.DataFrame, year: int
) -> pd.DataFrame:
    """Region × staffing industry: the QCEW jobs placed with each industry's pattern (``PLACEMENT_COLUMNS``).

    ``industry_code`` ``<NA>`` holds the unplaced jobs; ``qcew_industries`` lists the QCEW rows
    (``own_code:industry_code``) whose jobs went there — for the unplaced row, what no pattern covers.
    """
    p = _placement(qcew, regions, staffing, year)
    return _placement_table(p, year)


def _placement_table(p: _Placement, year: int) -> pd.DataFrame:
    info = pd.DataFrame(
        {
            "pattern": pd.array([x.index for x in p.patterns.items], dtype="Int64"),
            "industry_code": [x.industry_code for x in p.patterns.items],
            "own_codes": ["".join(sorted(x.own)) for x in p.patterns.items],
            "industry_level": [x.level for x in p.patterns.items],
            "industry_title": pd.array([x.title for x in p.patterns.items], dtype="string"),
        }
    )
    out = p.jobs.merge(info, on="pattern", how="left").drop(columns="pattern")
    out["year"] = np.int64(year)
    out = out.astype(
        dict.fromkeys(
            ["region_id", "industry_code", "own_codes", "industry_level", "industry_title"], "string"
        )
    )
    return out.sort_values(["region_id", "industry_code", "own_codes"], kind="stable", na_position="last")[
        PLACEMENT_COLUMNS
    ].reset_index(drop=True)


def occupation_employment_by_staffing(
    qcew: pd.DataFrame, regions: pd.DataFrame, staffing: pd.DataFrame, year: int
) -> pd.DataFrame:
    """Region × SOC employment by staffing pattern (``OUTPUT_COLUMNS``).

    ``qcew``: the table :func:`alignment.sources.qcew.read_qcew` returns; ``regions``: ``county_fips`` and
    ``region_id``; ``staffing``: a SOC 2018 staffing table (``industry_code``, ``own_codes``,
    ``industry_level``, ``soc``, ``share``; optionally ``summary``, ``soc_title``). ``employment`` =
    ``Σ_i E_r,i · share_i,s``; ``industries_used`` counts the patterns that gave the occupation jobs in the
    region; ``employment_unplaced`` (the same on every row of a region) is the region's QCEW employment no
    pattern covers. Shares of a missing (``<NA>``) figure give no jobs. Sorted by region and SOC.
    """
    p = _placement(qcew, regions, staffing, year)
    return _occupations(p, staffing, year)


def _occupations(p: _Placement, staffing: pd.DataFrame, year: int) -> pd.DataFrame:
    key = {(x.industry_code, "".join(sorted(x.own))): x.index for x in p.patterns.items}
    s = staffing.assign(
        pattern=[
            key[(str(c), "".join(sorted(str(o))))]
            for c, o in zip(staffing["industry_code"], staffing["own_codes"], strict=True)
        ],
        share=pd.to_numeric(staffing["share"]).astype("Float64"),
    )
    s = s[s["share"].notna() & (s["share"] > 0)]
    placed = p.jobs[p.jobs["pattern"].notna()].astype({"pattern": "int64"})
    m = placed.rename(columns={"employment": "jobs"}).merge(s, on="pattern", how="inner")
    m["employment"] = m["jobs"] * m["share"]
    title = s.dropna(subset=["soc"]).drop_duplicates("soc").set_index("soc")
    out = m.groupby(["region_id", "soc"], sort=True).agg(
        employment=("employment", "sum"), industries_used=("pattern", "nunique")
    )
    out = out.reset_index()
    unplaced = p.jobs[p.jobs["pattern"].isna()].groupby("region_id")["employment"].sum()
    out["year"] = np.int64(year)
    out["soc_title"] = (
        out["soc"].map(title["soc_title"]).astype("string")
        if "soc_title" in title
        else pd.Series(pd.NA, index=out.index, dtype="string")
    )
    out["employment"] = out["employment"].astype("Float64")
    out["industries_used"] = out["industries_used"].astype("Int64")
    out["employment_unplaced"] = out["region_id"].map(unplaced).fillna(0.0).astype("Float64")
    out["method"] = METHOD
    out = out.astype({"region_id": "string", "soc": "string", "method": "string"})
    return out[OUTPUT_COLUMNS]


def staffing_coverage(
    qcew: pd.DataFrame, regions: pd.DataFrame, staffing: pd.DataFrame, year: int
) -> pd.DataFrame:
    """Per region: QCEW employment and how much of it the staffing patterns placed (``COVERAGE_COLUMNS``).

    ``qcew_employment`` = ``employment_placed`` (in the occupations the patterns list) +
    ``employment_unlisted`` (covered by a pattern, in occupations the publisher does not list: small,
    confidential or poor-quality estimates, and SOC 2010 codes with no 2018 match) +
    ``employment_unplaced`` (in QCEW rows no pattern covers). ``qcew_employment`` is the all-ownership,
    all-industry row (``own_code 0``, industry ``10``) of the region's counties, the year's mean over its
    periods; ``counties_without_qcew`` counts the region's counties with no QCEW row that year.
    """
    return staffing_tables(qcew, regions, staffing, year)[1]


def staffing_tables(
    qcew: pd.DataFrame, regions: pd.DataFrame, staffing: pd.DataFrame, year: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(:func:`occupation_employment_by_staffing`, :func:`staffing_coverage`) from one placement of the jobs."""
    p = _placement(qcew, regions, staffing, year)
    occ = _occupations(p, staffing, year)
    return occ, _coverage(p, occ, year)


def _coverage(p: _Placement, occ: pd.DataFrame, year: int) -> pd.DataFrame:
    placed = occ.groupby("region_id")["employment"].sum()
    in_patterns = p.jobs[p.jobs["pattern"].notna()].groupby("region_id")["employment"].sum()
    unplaced = p.jobs[p.jobs["pattern"].isna()].groupby("region_id")["employment"].sum()
    out = p.totals.copy()
    out["year"] = np.int64(year)
    out["employment_placed"] = out["region_id"].map(placed).fillna(0.0).astype("Float64")
    out["employment_unlisted"] = (
        out["region_id"].map(in_patterns).fillna(0.0) - out["employment_placed"]
    ).astype("Float64")
    out["employment_unplaced"] = out["region_id"].map(unplaced).fillna(0.0).astype("Float64")
    out["employment_estimated"] = out["employment_estimated"].fillna(0.0).astype("Float64")
    total = out["qcew_employment"].where(out["qcew_employment"] > 0)
    for part in ("placed", "unlisted", "unplaced"):
        out[f"share_{part}"] = (out[f"employment_{part}"] / total).astype("Float64")
    out["counties"] = out["counties"].astype("Int64")
    out["counties_without_qcew"] = out["counties_without_qcew"].astype("Int64")
    out["region_id"] = out["region_id"].astype("string")
    return out[COVERAGE_COLUMNS]
