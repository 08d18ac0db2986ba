"""The run's index.html: escaping, links, synthetic banner, provenance, accessibility basics."""

import base64
import re
from html.parser import HTMLParser

import pandas as pd
import pytest
from matplotlib.figure import Figure

from alignment.maps import figure_png
from alignment.report.index import SYNTHETIC_BANNER, render_index, summarize_regions, write_index


@pytest.fixture
def summary() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "region_id": ["north", "south"],
            "region_name": ["North <script>alert('x')</script>", "South & Coast"],
            "year": [2024, 2024],
            "dissimilarity": pd.array([0.31245, pd.NA], dtype="Float64"),
            "flags_total": [3, 0],
        }
    )


@pytest.fixture
def provenance() -> dict:
    return {
        "inputs": [{"path": "data/raw/enrollment.csv", "size": 2048, "sha256": "0f" * 32}],
        "config": {"state_fips": "41", "preset": "or", "flags": {"wage_share_of_median": 0.8}},
        "version": "0.1.0",
        "libraries": {"pandas": "3.1.0"},
    }


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.headings, self.links, self.scripts, self.th = [], [], [], 0

    def handle_starttag(self, tag, attrs):
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "a":
            self.links.append(dict(attrs)["href"])
        if tag == "script":
            self.scripts.append(attrs)
        if tag == "th":
            self.th += 1


def test_index_escapes_links_and_labels(tmp_path, summary, provenance):
    links = {
        "north": {"HTML": "north/report.html", "PDF": "north/report.pdf"},
        "south": "south/report.html",
    }
    path = write_index(
        tmp_path / "index.html",
        title="Demo run <2024>",
        synthetic=True,
        regions_summary=summary,
        links=links,
        provenance=provenance,
    )
    html = path.read_text(encoding="utf-8")
    assert "<script>alert" not in html
    assert "North &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "South &amp; Coast" in html
    assert "<title>Demo run &lt;2024&gt;</title>" in html
    page = _Collector()
    page.feed(html)
    assert page.links == ["north/report.html", "north/report.pdf", "south/report.html"]
    assert page.scripts == []
    assert '<a href="north/report.pdf">PDF</a>' in html
    # headline figures: 3 decimals for D, missing as a dash (never 0)
    assert '<td class="num">0.312</td>' in html
    assert "<td>—</td>" in html
    assert '<th scope="col">Dissimilarity index (0 = same mix, 1 = disjoint)</th>' in html
    # synthetic banner, prominent and first in the body
    body = html.split("<body>", 1)[1]
    assert body.lstrip().startswith(f'<div class="synthetic-banner" role="alert">{SYNTHETIC_BANNER}</div>')
    # provenance: sha256, config flattened, version
    assert f"<code>{'0f' * 32}</code>" in html
    assert "<code>flags.wage_share_of_median</code></td><td>0.8</td>" in html
    assert "<dd>pandas: 3.1.0</dd>" in html
    assert "Made with alignment 0.1.0." in html
    # accessibility basics
    assert '<html lang="en">' in html
    assert page.headings == [1, 2, 2, 3, 3]
    assert page.th > 0 and '<th scope="row">' in html
    assert [p.name for p in tmp_path.iterdir()] == ["index.html"]


def test_real_run_has_no_banner_and_regions_without_link(summary, provenance):
    html = render_index(
        title="Run",
        synthetic=False,
        regions_summary=summary,
        links={"north": "north/report.html"},
        provenance=provenance,
    )
    assert SYNTHETIC_BANNER not in html
    assert "no report" in html  # south has no link


def test_links_are_checked(summary, provenance):
    kwargs = {"title": "t", "synthetic": False, "regions_summary": summary, "provenance": provenance}
    with pytest.raises(ValueError, match="not in regions_summary"):
        render_index(links={"west": "west/report.html"}, **kwargs)
    with pytest.raises(ValueError, match="disallowed scheme 'javascript'"):
        render_index(links={"north": "javascript:alert(1)"}, **kwargs)
    html = render_index(links={"north": "north dir/report.html?a=1&b=2"}, **kwargs)
    assert '<a href="north%20dir/report.html?a=1&amp;b=2">Report</a>' in html


def test_summarize_regions_counts_flags_by_severity():
    regions = pd.DataFrame(
        {
            "county_fips": ["99001", "99003", "99005"],
            "region_id": ["north", "north", "south"],
            "region_name": ["North", "North", "South"],
        }
    )
    dissimilarity = pd.DataFrame(
        {
            "region_id": ["north", "south", "north"],
            "year": [2024, 2024, 2023],
            "dissimilarity": [0.3, 0.5, 0.9],
        }
    )
    flags = pd.DataFrame(
        {
            "region_id": ["north", "north", "north", "south"],
            "year": [2024, 2024, 2023, 2024],
            "severity": ["high", "medium", "high", "medium"],
        }
    )
    out = summarize_regions(regions, dissimilarity, flags)
    assert out.columns.tolist() == [
        "region_id", "region_name", "year", "dissimilarity", "flags_total", "flags_high", "flags_medium",
    ]  # fmt: skip
    assert out["region_id"].tolist() == ["north", "south"]
    assert out["dissimilarity"].tolist() == [0.3, 0.5]
    assert out["flags_total"].tolist() == [2, 1]  # 2023 flag not counted
    assert out["flags_high"].tolist() == [1, 0]
    assert out["flags_medium"].tolist() == [1, 1]


def test_manifest_shaped_provenance_and_merged_counts():
    """The run passes its manifest as provenance and flag counts that came through a merge (floats)."""
    summary = pd.DataFrame(
        {
            "region_id": ["north", "south"],
            "region_name": ["North", "South"],
            "counties": [3, 2],
            "dissimilarity": [0.25, 0.5],
            "LOW_DEMAND": [2.0, float("nan")],
        }
    )
    manifest = {
        "run": "demo",
        "synthetic": True,
        "alignment_version": "0.1.0",
        "inputs": [{"role": "enrollment", "path": "raw/enrollment.csv", "bytes": 10, "sha256": "ab" * 32}],
        "config": {"year": 2024},
        "thresholds": {"wage": {"share_of_median": 0.8}},
        "outputs": ["index.html", "north/report.html"],
    }
    html = render_index(title="t", synthetic=True, regions_summary=summary, links={}, provenance=manifest)
    assert '<th scope="col">LOW_DEMAND</th>' in html
    assert '<td class="num">2</td>' in html  # a count, not "2.00"
    assert "<td>—</td>" in html  # NaN count stays unknown, not 0
    assert '<th scope="col">Role</th><th scope="col">Path</th><th scope="col">Size (bytes)</th>' in html
    assert "<dd>wage.share_of_median: 0.8</dd>" in html
    assert "<dd>index.html, north/report.html</dd>" in html
    assert "<dd>yes</dd>" in html
    assert "Made with alignment 0.1.0." in html


def test_statewide_links_are_listed_and_escaped(tmp_path):
    from alignment.report.index import render_index

    summary = pd.DataFrame({"region_id": ["a"], "region_name": ["A"]})
    html = render_index(
        title="T",
        synthetic=False,
        regions_summary=summary,
        links={"a": "a/report.html"},
        provenance={},
        state_links={"State <workbook>": "state-tables.xlsx"},
    )
    assert 'Statewide: <a href="state-tables.xlsx">State &lt;workbook&gt;</a>' in html
    assert "Statewide" not in render_index(
        title="T", synthetic=False, regions_summary=summary, links={"a": "a/report.html"}, provenance={}
    )


class _Images(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images, self.external = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs)
        for key in ("src", "href"):
            value = attrs.get(key) or ""
            if value.startswith(("http:", "https:", "//")):
                self.external.append(value)


def test_state_map_is_embedded_inline_with_alt_text(tmp_path, summary, provenance):
    fig = Figure(figsize=(1, 1))
    fig.add_subplot().plot([0, 1], [0, 1])
    png = figure_png(fig, dpi=20)
    path = write_index(
        tmp_path / "index.html",
        title="Demo",
        synthetic=False,
        regions_summary=summary,
        links={},
        provenance=provenance,
        state_map_png=png,
    )
    html = path.read_text(encoding="utf-8")
    parser = _Images()
    parser.feed(html)
    assert len(parser.images) == 1 and parser.external == []
    image = parser.images[0]
    assert image["src"].startswith("data:image/png;base64,")
    assert base64.b64decode(image["src"].removeprefix("data:image/png;base64,")) == png
    # default alt text: every region's index in words, names escaped by the parser round trip
    assert image["alt"] == (
        "Map of the state's regions coloured by their dissimilarity index (0 = same mix, 1 = disjoint): "
        "North <script>alert('x')</script> 0.312; South & Coast no data."
    )
    assert "<script>" not in html
    assert '<h2 id="overview-heading">Statewide overview</h2>' in html

    custom = render_index(
        title="Demo",
        synthetic=False,
        regions_summary=summary,
        links={},
        provenance=provenance,
        state_map_png=png,
        state_map_alt='Regions "coloured"',
    )
    assert 'alt="Regions &#34;coloured&#34;"' in custom


def test_state_map_is_optional_and_must_be_png(summary, provenance):
    kwargs = dict(title="t", synthetic=False, regions_summary=summary, links={}, provenance=provenance)
    html = render_index(**kwargs)
    assert "<img" not in html and "Statewide overview" not in html
    with pytest.raises(ValueError, match="PNG"):
        render_index(state_map_png=b"GIF89a", **kwargs)
