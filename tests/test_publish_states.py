"""What a reader of the published tables can work out about each program's count (publish.published_states)."""

import numpy as np
import pandas as pd
import pytest

from alignment.build import load_processed
from alignment.publish import protect_tables, published_states


@pytest.fixture(scope="module")
def demo(tmp_path_factory, build_demo_stages):
    cfg, _, processed = build_demo_stages(tmp_path_factory.mktemp("states"))
    return cfg, load_processed(processed)


def test_every_program_count_lies_in_its_published_range(demo):
    cfg, tables = demo
    states = published_states(tables, cfg)
    raw = tables["programs"]
    raw = raw[raw["year"] == cfg.year]
    keys = ["region_id", "institution", "program_name", "cip", "credential_level"]
    truth = raw.groupby(keys, dropna=False)["completers"].sum(min_count=1).reset_index()
    m = states.merge(truth.astype({k: "string" for k in keys}), on=keys, how="left", validate="1:1")
    assert len(m) == len(truth)
    known = m["completers"].notna()
    c = m.loc[known, "completers"].astype(float)
    assert (m.loc[known, "low"] <= c + 1e-9).all() and (c <= m.loc[known, "high"] + 1e-9).all()
    # every kind occurs in the demo, and each is as the published programs table writes it
    assert {"shown", "small", "withheld"} <= set(m["state"])
    shown = m["state"] == "shown"
    assert (m.loc[shown, "low"] == m.loc[shown, "high"]).all()
    small = m["state"] == "small"
    assert (m.loc[small, "high"] == 9).all() and (m.loc[small, "low"] >= 0).all()


def test_a_complement_is_bounded_by_the_smallest_count_still_shown_beside_it(demo):
    """A withheld count beside a "<10" in its cluster is at least 10 and at most the smallest shown count of at
    least 10 in that cluster (the published rule of alignment.privacy); elsewhere it is open."""
    cfg, tables = demo
    pr = protect_tables(tables, cfg)["programs"]
    pr = pr[pr["year"] == cfg.year]
    states = published_states(tables, cfg).set_index(["region_id", "institution", "program_name", "cip"])
    checked = 0
    for (_region, _cluster), g in pr.groupby(["region_id", "cluster_code"]):
        text = g["completers_text"].astype(str)
        if not (text == "<10").any():
            continue
        shown = pd.to_numeric(g.loc[~g["completers_suppressed"].astype(bool), "completers"], errors="coerce")
        cap = shown[shown >= 10].min() if (shown >= 10).any() else np.inf
        for r in g[text == "withheld"].itertuples():
            s = states.loc[(r.region_id, r.institution, r.program_name, r.cip)]
            s = s.iloc[0] if isinstance(s, pd.DataFrame) else s
            assert s["state"] == "withheld"
            if s["low"] == 10:  # a program in one cluster only
                assert s["high"] == cap
                checked += 1
    assert checked
