"""Report words and tables: nothing published reveals a student count below the privacy threshold."""

import pandas as pd

from alignment.report.narrative import FLAG_LABELS, table_html
from alignment.report.publish import protect_alignment


def _alignment() -> pd.DataFrame:
    supply = [4, 25, 60, 30]
    total = sum(supply)
    demand = [0.4, 0.2, 0.3, 0.1]
    rows = []
    for code, s, d in zip(["a", "b", "c", "d"], supply, demand, strict=True):
        de = d * total
        rows.append(
            {
                "region_id": "r1",
                "year": 2024,
                "cluster_code": code,
                "supply": s,
                "supply_share": s / total,
                "demand_share": d,
                "demand_equivalent": de,
                "gap": de - s,
                "ratio": s / de,
            }
        )
    return pd.DataFrame(rows)


def test_small_count_and_its_complement_are_hidden_with_everything_derived():
    out = protect_alignment(_alignment(), threshold=10)
    hidden = out.set_index("cluster_code")["supply_suppressed"]
    # 4 is below 10; the next smallest (25) is hidden too so the total cannot give 4 back
    assert hidden.to_dict() == {"a": True, "b": True, "c": False, "d": False}
    small = out.set_index("cluster_code")["supply_small"]
    assert small.to_dict() == {"a": True, "b": False, "c": False, "d": False}
    for col in ("supply", "supply_share", "gap", "ratio"):
        assert out.loc[hidden.values, col].isna().all(), col
        assert out.loc[~hidden.values, col].notna().all(), col
    assert out.loc[out["cluster_code"] == "c", "supply"].iloc[0] == 60


def test_table_html_escapes_and_marks_reason_tables():
    df = pd.DataFrame({"Pathway": ['<script>alert("x")</script>'], "Why": ["=HYPERLINK(1)"]})
    html = table_html(df)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'class="dataframe alignment-table reasons"' in html
    assert "<th>Pathway</th>" in html
    assert 'class="dataframe alignment-table"' in table_html(df[["Pathway"]])


def test_every_flag_code_has_a_plain_label():
    from alignment.schemas import FLAG_CODES

    assert set(FLAG_CODES) <= set(FLAG_LABELS)
