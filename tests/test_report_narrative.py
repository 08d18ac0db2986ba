"""Report words and tables: nothing published reveals a student count below the privacy threshold."""

import pandas as pd
import pytest

from alignment.publish import protect_alignment
from alignment.report.narrative import FLAG_LABELS, table_html


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


# ----------------------------------------------------------------- hostile names and what the counts allow


def _rendered(markdown: str):
    """(tags, text) of Markdown as nbconvert renders a report's Markdown output."""
    from html.parser import HTMLParser

    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    class Page(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.tags, self.text = [], []

        def handle_starttag(self, tag, attrs):
            self.tags.append((tag, dict(attrs)))

        def handle_data(self, data):
            self.text.append(data)

    page = Page()
    page.feed(markdown2html_mistune(markdown))
    page.close()
    return page.tags, " ".join("".join(page.text).split())


SAFE_TAGS = {"p", "h1", "h2", "ul", "li", "strong", "em", "code", "blockquote", "a"}
TABLE_TAGS = {"table", "thead", "tbody", "tr", "th", "td", "wbr"}


def _assert_inert(tags, allowed):
    for tag, attrs in tags:
        assert tag in allowed, (tag, attrs)
        if tag == "a":  # only a heading's own anchor link
            assert attrs.get("href", "").startswith("#") and "anchor-link" in attrs.get("class", ""), attrs
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, build_hostile_stages):
    root = tmp_path_factory.mktemp("hostile-stages")
    cfg, paths, processed = build_hostile_stages(root, empty_region="nowhere")
    return paths["config"], processed


@pytest.fixture(scope="module")
def hidden(tmp_path_factory, build_hostile_stages):
    root = tmp_path_factory.mktemp("threshold-1000")
    cfg, paths, processed = build_hostile_stages(root, threshold=1000)
    return paths["config"], processed


def test_every_markdown_text_shows_hostile_names_as_text(hostile, hostile_names):
    from alignment.report import narrative as n
    from alignment.safe_text import BIDI_CONTROLS, plain_text

    config, processed = hostile
    for rid, name in hostile_names.regions.items():
        ctx = n.region_context(config, processed, rid)
        shown = plain_text(name)
        texts = [
            n.page_title(ctx),
            n.summary_paragraph(ctx),
            n.data_notes(ctx),
            n.peers_section(ctx).text,
            n.changes_section(ctx).text,
            n.occupation_note(ctx),
            n.program_wages_note(ctx),
            n.program_occupations_note(ctx),
            n.excluded_note(ctx),
        ]
        for markdown in texts:
            assert not set(markdown) & BIDI_CONTROLS
            tags, _ = _rendered(markdown)
            _assert_inert(tags, SAFE_TAGS)
        assert _rendered(texts[0])[1].startswith(f"{shown}: CTE programs")
        assert f"in {shown} " in _rendered(texts[1])[1]
        assert f"Region: {shown} — counties:" in _rendered(texts[2])[1]
        if rid == "coast":
            assert hostile_names.county in _rendered(texts[2])[1]
        for alt in (n.gap_map_alt_text(ctx), n.gap_small_multiples_alt_text(ctx)):
            assert shown in alt and not set(alt) & BIDI_CONTROLS


def test_every_table_shows_hostile_names_as_text(hostile, hostile_names):
    from html.parser import HTMLParser

    from alignment.report import narrative as n

    config, processed = hostile
    ctx = n.region_context(config, processed, "metro")
    tables = [
        n.attention_table(ctx),
        n.full_flag_table(ctx),
        n.cluster_table(ctx),
        n.program_occupation_table(ctx),
        n.excluded_table(ctx),
        *n.peers_section(ctx).tables,
    ]
    text = []
    for df in tables:

        class Cells(HTMLParser):
            def handle_starttag(self, tag, attrs):
                _assert_inert([(tag, dict(attrs))], TABLE_TAGS)

            def handle_data(self, data):
                text.append(data)

        Cells(convert_charrefs=True).feed(n.table_html(df))
    joined = "".join(text)
    assert hostile_names.institution in joined and hostile_names.program in joined
    assert hostile_names.regions["metro"] in joined


def test_a_region_with_no_programs_is_described_as_such(hostile):
    from alignment.report import narrative as n

    config, processed = hostile
    ctx = n.region_context(config, processed, "nowhere")
    assert n.supply_state(ctx) == "none"
    summary = _rendered(n.summary_paragraph(ctx))[1]
    assert (
        "The supply file lists no CTE programs in <i>nowhere</i> [no programs](http://evil) for 2024"
        in summary
    )
    assert "withheld" not in summary and "dissimilarity" not in summary
    assert "The largest employer cluster is" in summary
    assert "lists no CTE programs" in n.program_wages_note(ctx)
    assert "wage file" not in n.program_wages_note(ctx)
    assert "lists no CTE programs" in n.program_occupations_note(ctx)
    assert n.excluded_note(ctx).startswith("None: the supply file lists no CTE programs")
    # nothing to compare: no "suggests about 0 completers, but no program reports any"
    for table in (n.attention_table(ctx), n.full_flag_table(ctx)):
        assert not table["Why"].str.contains("suggests about").any()
    assert n.supply_missing_word(ctx) == "no programs"
    assert n.flags_note(ctx).endswith(
        "Flags that compare program counts with jobs are left out (see the summary)."
    )
    valley = n.region_context(config, processed, "valley")
    assert n.supply_state(valley) == "shown" and n.supply_missing_word(valley) == "suppressed"


def test_a_threshold_that_hides_every_count_draws_no_conclusions(hidden):
    from alignment.report import narrative as n

    config, processed = hidden
    ctx = n.region_context(config, processed, "metro")
    assert ctx.threshold == 1000 and n.supply_state(ctx) == "hidden"
    summary = _rendered(n.summary_paragraph(ctx))[1]
    assert "below the privacy threshold of 1000" in summary
    assert "draws no conclusions" in summary
    for verdict in (
        "differs sharply",
        "partly matches",
        "closely matches",
        "widest shortfall",
        "suggests about",
    ):
        assert verdict not in summary
    for table in (n.attention_table(ctx), n.full_flag_table(ctx)):
        assert not table["Flag"].isin([n.FLAG_LABELS[f] for f in n.COUNT_COMPARISON_FLAGS]).any()
        assert not table["Why"].str.contains("against").any()
    assert "supply above local demand" not in summary.lower()


def test_long_tables_are_shortened_on_the_page_and_say_where_the_rest_is():
    """A region with thousands of programs gets a report of readable size: the first rows, then a note."""
    from alignment.report import narrative as n

    many = pd.DataFrame({"Pathway": [f"Program {i}" for i in range(n.PAGE_ROWS * 3)], "Why": "x"})
    html = n.page_table_html(many, **n.FLAGS_REST)
    assert html.count("<tr") == n.PAGE_ROWS + 1  # the header row and the first PAGE_ROWS rows
    assert f"Program {n.PAGE_ROWS - 1}<" in html and f"Program {n.PAGE_ROWS}<" not in html
    assert f"The first {n.PAGE_ROWS} of {n.PAGE_ROWS * 3} flagged pathways are shown" in html
    assert "Flags sheet of this region's workbook" in html
    few = many.head(n.PAGE_ROWS)
    assert n.page_table_html(few, **n.FLAGS_REST) == n.table_html(few)
    names = [f"District {i}" for i in range(200)]
    assert n.name_list(names) == "District 0; District 1; District 2 and 197 more"
