"""Accessibility: axe-core in headless Chromium, page structure, chart colours (the demo's own pages are
checked in test_end_to_end.py, on its run).

The browser tests skip when Chromium or axe-core's ``axe.min.js`` is missing (see
``alignment.report.a11y.find_axe_js``: the PyPI package ``axe-core-python`` bundles one).
"""

import base64
import json

import pandas as pd
import pytest

from alignment import charts
from alignment.report import a11y
from alignment.report.a11y import (
    AccessibilityError,
    Violation,
    audit_page,
    colour_difference,
    contrast_ratio,
    failing,
    find_axe_js,
    instrument_page,
    palette_problems,
    parse_dumped_dom,
    relative_luminance,
    run_pages,
    simulate_colour_vision,
    structure_problems,
    violations_from_result,
)
from alignment.report.pdf import pdf_renderer

AXE_JS = find_axe_js()
needs_browser = pytest.mark.skipif(
    pdf_renderer() is None or AXE_JS is None,
    reason="needs headless Chromium (apt-get install chromium) and axe-core (pip install axe-core-python)",
)

BAD_PAGE = """<!DOCTYPE html><html><head><title>bad</title></head><body>
<h1>Title</h1><h3>Skipped a level</h3><img src="chart.png">
<p style="color: #bbbbbb; background: #ffffff">pale text</p>
</body></html>"""

PRINT_ONLY_PROBLEM = """<!DOCTYPE html><html lang="en"><head><title>print</title>
<style>@media print { p { color: #dddddd; } }</style></head>
<body><main><h1>Title</h1><p>Readable on screen, too pale on paper.</p></main></body></html>"""


# --- pure parts --------------------------------------------------------------------------------


def test_instrument_page_keeps_the_page_and_adds_base_and_axe():
    page = '<html lang="en"><head><meta charset="utf-8"><title>T</title></head><body><p>x</p></body></html>'
    out = instrument_page(page, "file:///run/region/", "file:///tmp/axe.min.js")
    assert out.startswith('<html lang="en"><head>\n<base href="file:///run/region/">\n<meta charset')
    assert out.index('<script src="file:///tmp/axe.min.js"></script>') > out.index("<p>x</p>")
    assert out.endswith("</script>\n</body></html>")
    assert "appendMedium" not in out
    assert "appendMedium('screen')" in instrument_page(page, "file:///r/", "file:///a.js", media="print")
    with pytest.raises(ValueError, match="media must be one of screen, print"):
        instrument_page(page, "file:///r/", "file:///a.js", media="tv")


def test_parse_dumped_dom_round_trip_and_errors():
    result = {"violations": [{"id": "x", "nodes": [{"html": '<p class="a">é</p>'}]}]}
    encoded = base64.b64encode(json.dumps(result).encode()).decode()
    assert parse_dumped_dom(f'<html lang="en" {a11y.RESULT_ATTRIBUTE}="{encoded}">') == result
    with pytest.raises(AccessibilityError, match="no result"):
        parse_dumped_dom("<html><body></body></html>")
    failed = base64.b64encode(b'{"error": "axe.min.js did not load"}').decode()
    with pytest.raises(AccessibilityError, match="axe failed: axe.min.js did not load"):
        parse_dumped_dom(f'<html {a11y.RESULT_ATTRIBUTE}="{failed}">')


def test_violations_sorted_by_impact_and_failing_ones_picked():
    result = {
        "violations": [
            {"id": "region", "impact": "moderate", "help": "landmarks", "nodes": [{"target": ["p"]}] * 4},
            {"id": "color-contrast", "impact": "serious", "help": "contrast", "nodes": [{"target": ["p"]}]},
            {"id": "image-alt", "impact": "critical", "help": "alt", "nodes": [{"target": ["#f", "img"]}]},
        ]
    }
    found = violations_from_result(result)
    assert [v.rule for v in found] == ["image-alt", "color-contrast", "region"]
    assert found[0].targets == ("#f img",)
    assert [v.rule for v in failing(found)] == ["image-alt", "color-contrast"]
    assert found[2].summary(max_targets=2) == "moderate  region: landmarks (4 elements: p, p, ...)"


def test_structure_problems_on_a_bad_page():
    assert structure_problems(BAD_PAGE) == [
        "no lang attribute on <html>",
        'h3 "Skipped a level" follows h1: a heading level is skipped',
        '<img src="chart.png"> has no alt text',
    ]


def test_run_pages_picks_index_and_first_region(tmp_path):
    for region in ("west", "east"):
        (tmp_path / region).mkdir()
        (tmp_path / region / "report.html").write_text("<html></html>")
    (tmp_path / "index.html").write_text("<html></html>")
    assert run_pages(tmp_path) == [tmp_path / "index.html", tmp_path / "east" / "report.html"]
    assert len(run_pages(tmp_path, all_regions=True)) == 3


def test_find_axe_js_prefers_the_environment_variable(tmp_path, monkeypatch):
    js = tmp_path / "axe.min.js"
    js.write_text("/*! axe v4.9.0\n * Copyright (c) Deque Systems, Inc. */\n")
    monkeypatch.setenv(a11y.AXE_ENV, str(js))
    assert find_axe_js(tmp_path, use_npm=False) == js
    assert a11y.axe_version(js) == "4.9.0"
    monkeypatch.setenv(a11y.AXE_ENV, str(tmp_path / "missing.js"))
    assert find_axe_js(tmp_path, use_npm=False) is None
    monkeypatch.delenv(a11y.AXE_ENV)
    local = tmp_path / "node_modules" / "axe-core" / "axe.min.js"
    local.parent.mkdir(parents=True)
    local.write_text("/*! axe v4.14.1 */")
    (tmp_path / "sub").mkdir()
    assert find_axe_js(tmp_path / "sub", use_npm=False) == local  # found in a parent folder too


# --- colours -----------------------------------------------------------------------------------


def test_wcag_contrast_figures():
    # WCAG 2.x: #767676 is the lightest grey that passes 4.5:1 on white
    assert round(contrast_ratio("#767676", "#ffffff"), 2) == 4.54
    assert contrast_ratio("#777777", "#ffffff") < 4.5
    # the index page's link colour and its synthetic-data banner (black on Okabe-Ito yellow)
    assert round(contrast_ratio("#0050a0", "#ffffff"), 1) == 7.9
    assert round(contrast_ratio("#000000", "#F0E442"), 1) == 15.9
    assert relative_luminance("#808080") == pytest.approx(0.2158605, abs=1e-6)


def test_colour_vision_simulation_keeps_greys_and_merges_red_and_green():
    for vision in ("protanopia", "deuteranopia", "tritanopia"):
        lightness, a, b = simulate_colour_vision("#808080", vision)
        assert lightness == pytest.approx(53.59, abs=0.05)
        assert abs(a) < 0.5 and abs(b) < 0.5
    # matplotlib's classic red and green: far apart for most readers, nearly one colour for deuteranopes
    assert round(colour_difference("#D62728", "#2CA02C"), 1) == 119.8
    assert round(colour_difference("#D62728", "#2CA02C", "deuteranopia"), 1) == 7.3
    assert round(colour_difference("#D62728", "#2CA02C", "greyscale"), 1) == 11.1
    assert palette_problems(["#D62728", "#2CA02C"], visions=["normal", "deuteranopia", "greyscale"]) == [
        "#D62728 and #2CA02C differ by only 7.3 for deuteranopia (need 20.0)",
        "#D62728 and #2CA02C differ by only 11.1 for greyscale (need 15.0)",
    ]


def test_chart_palettes_are_safe_for_colour_blind_readers():
    visions = ["normal", "protanopia", "deuteranopia", "tritanopia"]
    assert palette_problems([charts.SUPPLY_COLOR, charts.DEMAND_COLOR], visions=visions) == []
    assert palette_problems([charts.ABOVE_COLOR, charts.BELOW_COLOR], visions=visions) == []
    # supply vs demand also reads by lightness alone (L* 46 vs 71) ...
    assert palette_problems([charts.SUPPLY_COLOR, charts.DEMAND_COLOR], visions=["greyscale"]) == []
    # ... blue vs vermillion does not (L* 46 vs 54), which is why the bars below 1 are hatched
    assert round(colour_difference(charts.ABOVE_COLOR, charts.BELOW_COLOR, "greyscale"), 1) == 8.2
    assert charts.BELOW_HATCH


def test_charts_hatch_what_colour_alone_would_lose_in_grey_scale():
    table = pd.DataFrame(
        {
            "region_id": ["r"] * 3,
            "region_name": ["North"] * 3,
            "year": [2024] * 3,
            "cluster_code": ["AG", "MF", "HS"],
            "cluster_name": ["Agriculture", "Manufacturing", "Health Science"],
            "lq": [1.4, 0.6, 1.0],
            "supply_share": [0.5, 0.2, 0.3],
            "demand_share": [0.2, 0.5, 0.3],
        }
    )
    lq_bars = charts.plot_location_quotients(table).axes[0].patches
    assert [(bar.get_width(), bar.get_hatch()) for bar in lq_bars] == [(1.4, None), (1.0, None), (0.6, "//")]
    bars = charts.plot_supply_vs_demand(table).axes[0].patches
    assert {bar.get_hatch() for bar in bars[:3]} == {None} and {bar.get_hatch() for bar in bars[3:]} == {"//"}


# --- axe-core in headless Chromium -------------------------------------------------------------


@needs_browser
def test_axe_finds_the_problems_of_a_bad_page(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text(BAD_PAGE)
    found = audit_page(page, axe_js=AXE_JS)
    rules = {v.rule: v.impact for v in found}
    assert rules["image-alt"] == "critical"
    assert rules["color-contrast"] == "serious"
    assert rules["html-has-lang"] == "serious"
    assert rules["heading-order"] == "moderate"
    assert page.read_text() == BAD_PAGE  # the page itself is never touched


@needs_browser
def test_print_styles_are_checked_as_printed(tmp_path):
    page = tmp_path / "print.html"
    page.write_text(PRINT_ONLY_PROBLEM)
    assert audit_page(page, axe_js=AXE_JS, media="screen") == []
    on_paper = audit_page(page, axe_js=AXE_JS, media="print")
    assert [(v.rule, v.impact, v.targets) for v in on_paper] == [("color-contrast", "serious", ("p",))]


def test_violation_summary_singular():
    v = Violation("document-title", "serious", "Documents must have <title>", "", ("html",))
    assert (
        v.failing and v.summary() == "serious   document-title: Documents must have <title> (1 element: html)"
    )
