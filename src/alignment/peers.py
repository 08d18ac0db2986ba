"""Peer regions: the regions with the most similar industry mix, and the programs they offer that one lacks.

A region's industry mix is its vector of Career Cluster employment shares (``demand_share`` of the
alignment table, ``e_i / E``). Two regions are peers when these vectors point the same way:

    distance(a, b) = 1 − (a · b) / (‖a‖ ‖b‖)        (cosine distance, 0 = the same mix)

computed with scikit-learn's :class:`~sklearn.neighbors.NearestNeighbors` on the raw shares, not
standardized: the shares already share one unit, and standardizing would let a cluster with a tiny
share everywhere (and noisy small-area employment) weigh as much as the region's main employers.

"What peers offer that this region lacks" is read from the *published* alignment
(:func:`alignment.publish.protect_tables`): a cluster where the peer has programs (a shown count
above zero, or one hidden as ``<10`` / withheld / suppressed at the source) and this region reports
exactly zero. A count is shown only as published, so no small count can leak through a peer.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.neighbors import NearestNeighbors

from .constants import WITHHELD

PEER_COLUMNS = ["region_id", "peer_id", "rank", "distance"]
OFFER_COLUMNS = [
    "region_id",
    "peer_id",
    "rank",
    "cluster_code",
    "cluster_name",
    "demand_share",
    "peer_supply",
    "peer_supply_text",
]


def _analysis_year(alignment: pd.DataFrame) -> pd.DataFrame:
    """The rows of the latest year (the published alignment holds one year; a raw one may hold several)."""
    if "year" not in alignment or alignment.empty:
        return alignment
    return alignment[alignment["year"] == alignment["year"].max()]


def industry_mix(alignment: pd.DataFrame) -> pd.DataFrame:
    """Region × cluster matrix of employment shares (``demand_share``; a missing share counts as 0).

    Rows are region ids and columns cluster codes, both sorted; a region whose shares are all zero or
    missing (no mapped employment) is left out, since it has no mix to compare.

    >>> al = pd.DataFrame({"region_id": ["a", "a", "b", "b"], "cluster_code": ["X", "Y", "X", "Y"],
    ...                    "demand_share": [0.25, 0.75, None, None]})
    >>> industry_mix(al).to_dict("index")
    {'a': {'X': 0.25, 'Y': 0.75}}
    """
    al = _analysis_year(alignment)
    shares = pd.to_numeric(al["demand_share"], errors="coerce").astype(float)
    mix = (
        al.assign(demand_share=shares)
        .pivot_table(index="region_id", columns="cluster_code", values="demand_share", aggfunc="sum")
        .fillna(0.0)
        .sort_index()
        .sort_index(axis=1)
    )
    return mix[mix.sum(axis=1) > 0]


def peer_regions(alignment: pd.DataFrame, k: int = 3) -> pd.DataFrame:
    """Up to ``k`` peers per region, nearest industry mix first (cosine distance of employment shares).

    Returns ``region_id``, ``peer_id``, ``rank`` (1 = most similar) and ``distance`` (0 = the same mix,
    1 = no cluster in common). Ties are broken by peer id, so the result is deterministic. With fewer than
    two regions that have employment, the table is empty.

    >>> al = pd.DataFrame({"region_id": list("aabbcc"), "cluster_code": list("XYXYXY"),
    ...                    "demand_share": [0.5, 0.5, 0.6, 0.4, 1.0, 0.0]})
    >>> peer_regions(al, k=1)
      region_id peer_id  rank  distance
    0         a       b     1  0.019419
    1         b       a     1  0.019419
    2         c       b     1  0.167950
    """
    mix = industry_mix(alignment)
    if len(mix) < 2 or k < 1:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c == "rank" else object) for c in PEER_COLUMNS})
    nn = NearestNeighbors(n_neighbors=len(mix), metric="cosine", algorithm="brute").fit(mix.to_numpy())
    dist, idx = nn.kneighbors(mix.to_numpy())
    ids = mix.index.astype(str).to_numpy()
    rows = []
    for i, region in enumerate(ids):
        # every other region, nearest first; rounding keeps float noise from deciding a tie
        others = [(round(float(d), 12), str(ids[j])) for d, j in zip(dist[i], idx[i], strict=True) if j != i]
        for rank, (d, peer) in enumerate(sorted(others)[:k], start=1):
            rows.append({"region_id": str(region), "peer_id": peer, "rank": rank, "distance": max(d, 0.0)})
    out = pd.DataFrame(rows, columns=PEER_COLUMNS)
    out["rank"] = out["rank"].astype("int64")
    out["distance"] = out["distance"].astype(float)
    return out


def _supply_text(al: pd.DataFrame, threshold: int) -> pd.Series:
    """The published count as text: the ``supply_text`` column when present, else built from the markers."""
    if "supply_text" in al:
        return al["supply_text"].map(
            lambda v: f"{v:,.0f}" if isinstance(v, int | float | np.number) else str(v)
        )
    small = al["supply_small"].astype(bool) if "supply_small" in al else pd.Series(False, index=al.index)
    hidden = al["supply_suppressed"].astype(bool)
    supply = pd.to_numeric(al["supply"], errors="coerce")
    return pd.Series(
        [
            f"<{threshold}" if s else WITHHELD if h else f"{v:,.0f}"
            for v, s, h in zip(supply, small, hidden, strict=True)
        ],
        index=al.index,
    )


def has_programs(al: pd.DataFrame) -> pd.Series:
    """True where a published row shows programs: a count above zero, or a count hidden for privacy.

    A hidden count is never a zero (a true zero is shown), except a count the source file did not
    report at all (``supply_text`` "not reported"), which is not taken as a program.
    """
    supply = pd.to_numeric(al["supply"], errors="coerce")
    hidden = al["supply_suppressed"].astype(bool)
    if "supply_text" in al:
        hidden &= al["supply_text"].astype(str).ne("not reported")
    return (supply.fillna(0) > 0) | hidden


def programs_peers_offer(
    alignment: pd.DataFrame, peers: pd.DataFrame, *, threshold: int = 10
) -> pd.DataFrame:
    """Clusters where a peer has programs and the region has none, from the *published* alignment.

    ``alignment``: the published alignment (:func:`alignment.publish.protect_tables`, or
    :func:`~alignment.publish.protect_alignment`) — it must carry ``supply_suppressed``, so a raw
    table with small counts is refused. ``peers``: :func:`peer_regions`. Returns one row per region ×
    peer × cluster with ``region_id``, ``peer_id``, ``rank``, ``cluster_code``, ``cluster_name``,
    ``demand_share`` (the cluster's share of jobs in *this* region), ``peer_supply`` (the peer's shown
    count, ``<NA>`` when hidden) and ``peer_supply_text`` (as published: ``"34"``, ``"<10"``,
    ``"withheld"``). Sorted by region, peer rank, then this region's share of jobs (largest first).

    >>> al = pd.DataFrame({"region_id": ["a", "a", "b", "b"], "year": 2024, "cluster_code": ["X", "Y"] * 2,
    ...     "cluster_name": ["Ex", "Why"] * 2, "demand_share": [0.5, 0.5, 0.6, 0.4],
    ...     "supply": [12, 0, 20, None], "supply_suppressed": [False, False, False, True],
    ...     "supply_small": [False, False, False, True]})
    >>> offers = programs_peers_offer(al, peer_regions(al))
    >>> offers[["region_id", "peer_id", "cluster_name", "peer_supply_text"]]
      region_id peer_id cluster_name peer_supply_text
    0         a       b          Why              <10
    """
    if "supply_suppressed" not in alignment:
        raise ValueError(
            "programs_peers_offer needs the published alignment (alignment.publish.protect_tables), "
            "which marks hidden counts in 'supply_suppressed'"
        )
    al = _analysis_year(alignment).reset_index(drop=True)
    al = al.assign(
        _has=has_programs(al),
        _zero=pd.to_numeric(al["supply"], errors="coerce").eq(0).fillna(False).astype(bool)
        & ~al["supply_suppressed"].astype(bool),
        peer_supply=pd.to_numeric(al["supply"], errors="coerce")
        .astype("Float64")
        .mask(al["supply_suppressed"]),
        peer_supply_text=_supply_text(al, threshold),
    )
    mine = al.loc[al["_zero"], ["region_id", "cluster_code", "cluster_name", "demand_share"]]
    theirs = al.loc[al["_has"], ["region_id", "cluster_code", "peer_supply", "peer_supply_text"]].rename(
        columns={"region_id": "peer_id"}
    )
    pairs = peers[["region_id", "peer_id", "rank"]].astype({"region_id": str, "peer_id": str})
    out = pairs.merge(mine.astype({"region_id": str}), on="region_id").merge(
        theirs.astype({"peer_id": str}), on=["peer_id", "cluster_code"]
    )
    out["demand_share"] = pd.to_numeric(out["demand_share"], errors="coerce").astype("Float64")
    out = out.sort_values(
        ["region_id", "rank", "demand_share", "cluster_code"],
        ascending=[True, True, False, True],
        kind="stable",
    )
    return out[OFFER_COLUMNS].reset_index(drop=True)
