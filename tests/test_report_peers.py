"""Peer regions: nearest industry mix, and the clusters a peer offers that a region lacks (published counts)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from alignment.peers import has_programs, industry_mix, peer_regions, programs_peers_offer
from alignment.publish import protect_alignment


def _alignment(
    shares: dict[str, list[float]], supply: dict[str, list[float | None]] | None = None
) -> pd.DataFrame:
    """Region × cluster rows (clusters X, Y, Z) with the given job shares and student counts."""
    clusters = ["X", "Y", "Z"]
    names = {"X": "Ex Cluster", "Y": "Why Cluster", "Z": "Zed Cluster"}
    rows = []
    for region, share in shares.items():
        counts = (supply or {}).get(region, [50, 50, 50])
        for code, s, n in zip(clusters, share, counts, strict=True):
            rows.append(
                {
                    "region_id": region,
                    "region_name": region.upper(),
                    "year": 2024,
                    "cluster_code": code,
                    "cluster_name": names[code],
                    "demand_share": s,
                    "supply": n,
                }
            )
    al = pd.DataFrame(rows)
    al["supply"] = al["supply"].astype("Float64")
    total = al.groupby("region_id")["supply"].transform("sum")
    al["supply_share"] = al["supply"] / total
    al["demand_equivalent"] = al["demand_share"] * total
    al["gap"] = al["demand_equivalent"] - al["supply"]
    al["ratio"] = al["supply"] / al["demand_equivalent"]
    return al


MIXES = {
    "a": [0.5, 0.5, 0.0],
    "b": [0.6, 0.4, 0.0],
    "c": [0.0, 0.5, 0.5],
    "d": [0.5, 0.0, 0.5],
}


def _cosine_distance(u: list[float], v: list[float]) -> float:
    dot = sum(x * y for x, y in zip(u, v, strict=True))
    return 1 - dot / (math.sqrt(sum(x * x for x in u)) * math.sqrt(sum(y * y for y in v)))


def test_peer_regions_are_nearest_by_cosine_distance_with_ties_broken_by_id():
    peers = peer_regions(_alignment(MIXES), k=3)
    a = peers[peers["region_id"] == "a"]
    # a·b = 0.5, |a| = √0.5, |b| = √0.52 → 1 − 0.5/0.509902 = 0.019419
    # a–c and a–d are both 1 − 0.25/0.5 = 0.5
    assert a["peer_id"].tolist() == ["b", "c", "d"]
    assert a["rank"].tolist() == [1, 2, 3]
    assert a["distance"].tolist() == pytest.approx([0.019419, 0.5, 0.5], abs=1e-6)
    for row in peers.itertuples():
        assert row.distance == pytest.approx(
            _cosine_distance(MIXES[row.region_id], MIXES[row.peer_id]), abs=1e-9
        )
    # c: c–a 0.5, c–b 1 − 0.2/(√0.5·√0.52) = 0.607768, c–d 1 − 0.25/0.5 = 0.5 → a, d (tie by id), then b
    c = peers[peers["region_id"] == "c"]
    assert c["peer_id"].tolist() == ["a", "d", "b"]
    assert c["distance"].iloc[2] == pytest.approx(0.607768, abs=1e-6)


def test_peer_regions_k_and_too_few_regions():
    # nearest of a, b, c, d; d–b = 1 − 0.3/(√0.5·√0.52) = 0.411652 beats d–a = d–c = 0.5
    assert peer_regions(_alignment(MIXES), k=1)["peer_id"].tolist() == ["b", "a", "a", "b"]
    # more peers asked than there are other regions: every other region, once
    assert peer_regions(_alignment(MIXES), k=10).groupby("region_id").size().tolist() == [3, 3, 3, 3]
    one = peer_regions(_alignment({"a": MIXES["a"]}))
    assert one.empty
    assert one.columns.tolist() == ["region_id", "peer_id", "rank", "distance"]


def test_a_region_without_employment_has_no_mix_and_no_peers():
    al = _alignment({**MIXES, "e": [0.0, 0.0, 0.0]})
    al.loc[(al["region_id"] == "e") & (al["cluster_code"] == "X"), "demand_share"] = None
    assert industry_mix(al).index.tolist() == ["a", "b", "c", "d"]
    peers = peer_regions(al)
    assert "e" not in set(peers["region_id"]) | set(peers["peer_id"])


def test_only_the_latest_year_is_compared():
    now = _alignment(MIXES)
    before = _alignment({"a": [0.0, 0.0, 1.0], "b": [1.0, 0.0, 0.0], "c": MIXES["c"], "d": MIXES["d"]})
    both = pd.concat([before.assign(year=2023), now], ignore_index=True)
    assert peer_regions(both).equals(peer_regions(now))


def test_programs_peers_offer_reads_published_counts_only():
    supply = {
        "a": [40, 0, 0],  # a lacks Y and Z
        "b": [30, 4, 25],  # b: Y has 4 students (small) → its complement Z (25) is withheld too
        "c": [0, 60, 12],
        "d": [20, 0, 0],
    }
    raw = _alignment(MIXES, supply)
    published = protect_alignment(raw, threshold=10)
    peers = peer_regions(published, k=3)
    offers = programs_peers_offer(published, peers)
    a = offers[offers["region_id"] == "a"]
    # a's peers: b (rank 1), c and d (rank 2, 3)
    # b offers Y (<10) and Z (withheld), c offers Y (60) and Z (12)
    assert list(zip(a["peer_id"], a["cluster_code"], a["peer_supply_text"], strict=True)) == [
        ("b", "Y", "<10"),
        ("b", "Z", "withheld"),
        ("c", "Y", "60"),
        ("c", "Z", "12"),
    ]
    assert a["peer_supply"].isna().tolist() == [True, True, False, False]
    # a's share of jobs in the cluster: Y 0.5, Z 0.0 (largest first within each peer)
    assert a["demand_share"].tolist() == [0.5, 0.0, 0.5, 0.0]
    # no count below the threshold is ever carried, as a number or as text
    shown = offers["peer_supply"].dropna()
    assert ((shown == 0) | (shown >= 10)).all()
    assert not offers["peer_supply_text"].isin([str(i) for i in range(1, 10)]).any()
    # b has a small count (4) in Y, not a zero: b does not "lack" Y, so nobody offers b the Y cluster
    assert offers[(offers["region_id"] == "b") & (offers["cluster_code"] == "Y")].empty
    # d lacks Y and Z: its peers are a (0.5), b and c — a offers nothing
    d = offers[offers["region_id"] == "d"]
    assert "a" not in set(d["peer_id"])


def test_programs_peers_offer_refuses_a_raw_alignment():
    raw = _alignment(MIXES)
    with pytest.raises(ValueError, match="published alignment"):
        programs_peers_offer(raw, peer_regions(raw))


def test_has_programs_counts_hidden_cells_but_not_unreported_ones():
    al = pd.DataFrame(
        {
            "supply": pd.array([0, 12, None, None, None], dtype="Float64"),
            "supply_suppressed": [False, False, True, True, True],
            "supply_text": [0, 12, "<10", "withheld", "not reported"],
        }
    )
    assert has_programs(al).tolist() == [False, True, True, True, False]


def _context(tmp_path, published: pd.DataFrame, region_id: str):
    from alignment.config import Config, Inputs
    from alignment.report.narrative import RegionContext

    inputs = Inputs(enrollment=None, qcew=(), regions=tmp_path / "regions.csv")
    cfg = Config(path=tmp_path / "config.yml", run="r", year=2024, state_fips="41", inputs=inputs)
    return RegionContext(
        cfg=cfg,
        region_id=region_id,
        region_name=region_id.upper(),
        tables={"alignment": published, "published_alignment": published},
        alignment=published[published["region_id"] == region_id],
        flags=pd.DataFrame(),
        program_wages=None,
        family_wage_hourly=None,
        dissimilarity=None,
        counties=[],
    )


def test_peers_section_table_and_the_one_region_case(tmp_path):
    from alignment.report.narrative import peers_section

    supply = {"a": [40, 0, 0], "b": [30, 4, 25], "c": [0, 60, 12], "d": [20, 0, 0]}
    published = protect_alignment(_alignment(MIXES, supply), threshold=10)
    section = peers_section(_context(tmp_path, published, "a"))
    assert section.heading == "## Peer regions"
    assert "B (0.019); C (0.500); D (0.500)" in section.text
    assert "D has no such cluster." in section.text
    (table,) = section.tables
    assert table.columns.tolist() == ["Region", "Peer rank", "Cluster", "Completers", "Share of jobs in A"]
    assert table.values.tolist() == [
        ["B", 1, "Why Cluster", "<10", "50.0%"],
        ["B", 1, "Zed Cluster", "withheld", "0.0%"],
        ["C", 2, "Why Cluster", "60", "50.0%"],
        ["C", 2, "Zed Cluster", "12", "0.0%"],
    ]
    alone = peers_section(_context(tmp_path, published[published["region_id"] == "a"], "a"))
    assert alone.tables == []
    assert alone.text.startswith(
        "Peer regions need at least two regions with employment in the run; this run has 1 region"
    )
