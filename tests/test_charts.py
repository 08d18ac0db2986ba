"""Charts: bars, labels, reference lines and alt text, checked on the artists (not pixels)."""

import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from alignment import charts


@pytest.fixture
def alignment_region() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "region_id": ["north"] * 3,
            "region_name": ["North Valley"] * 3,
            "year": [2024] * 3,
            "cluster_code": ["AG", "CO", "HS"],
            "cluster_name": ["Agriculture", "Construction", "Health Science"],
            "supply_measure": ["enrolled"] * 3,
            "supply_share": [0.50, pd.NA, 0.20],
            "demand_share": [0.20, 0.50, 0.30],
            "lq": [1.40, 0.60, pd.NA],
        }
    ).astype({"supply_share": "Float64", "lq": "Float64"})


def _ticklabels(ax):
    return [t.get_text() for t in ax.get_yticklabels()]


def test_supply_vs_demand_pairs_bars_sorted_by_demand(alignment_region):
    fig = charts.plot_supply_vs_demand(alignment_region)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    # sorted by demand share, largest on top: Construction 50%, Health 30%, Agriculture 20%
    assert _ticklabels(ax) == ["Construction", "Health Science", "Agriculture"]
    bars = ax.patches
    assert len(bars) == 6  # 3 supply + 3 demand
    supply_widths = [b.get_width() for b in bars[:3]]
    demand_widths = [b.get_width() for b in bars[3:]]
    assert supply_widths == pytest.approx([0.0, 20.0, 50.0])  # suppressed drawn as no bar ...
    assert demand_widths == pytest.approx([50.0, 30.0, 20.0])
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["suppressed"]  # ... and labelled, not shown as a 0 value
    assert "Supply suppressed: Construction" in ax.get_xlabel()
    assert ax.get_xlabel().startswith("Share of the region's total (%)")
    assert ax.get_title() == "North Valley: program supply vs industry demand by career cluster, 2024"
    assert to_hex(bars[0].get_facecolor()) == charts.SUPPLY_COLOR.lower()
    assert to_hex(bars[3].get_facecolor()) == charts.DEMAND_COLOR.lower()
    assert bars[3].get_hatch() == "//"  # the series differ in grey-scale too
    legend_texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend_texts == ["Program supply (% of enrolled)", "Industry demand (% of employment)"]


def test_supply_vs_demand_draws_into_given_axes(alignment_region):
    fig = Figure()
    ax = fig.add_subplot()
    assert charts.plot_supply_vs_demand(alignment_region, ax=ax) is fig
    assert len(ax.patches) == 6


def test_supply_vs_demand_refuses_two_regions(alignment_region):
    two = pd.concat([alignment_region, alignment_region.assign(region_id="south")])
    with pytest.raises(ValueError, match="one region"):
        charts.plot_supply_vs_demand(two)


def test_location_quotients_line_at_one_and_colours(alignment_region):
    fig = charts.plot_location_quotients(alignment_region)
    ax = fig.axes[0]
    assert _ticklabels(ax) == ["Agriculture", "Construction"]  # Health Science has no LQ
    assert [b.get_width() for b in ax.patches] == pytest.approx([1.4, 0.6])
    assert to_hex(ax.patches[0].get_facecolor()) == charts.ABOVE_COLOR.lower()
    assert to_hex(ax.patches[1].get_facecolor()) == charts.BELOW_COLOR.lower()
    assert ax.patches[1].get_hatch() == "//"
    (line,) = ax.lines
    assert list(line.get_xdata()) == [1.0, 1.0]
    assert "No LQ (suppressed or not available): Health Science" in ax.get_xlabel()
    assert "Location quotient" in ax.get_xlabel()


def test_program_wages_threshold_drawn_and_labelled():
    wages = pd.DataFrame(
        {
            "program_name": ["Welding", "Culinary Arts", "Nursing"],
            "cip": ["48.0508", "12.0503", "51.3801"],
            "wage_hourly_usd": [31.0, 16.5, pd.NA],
            "wage_flag": ["top_coded", "", "suppressed"],
        }
    ).astype({"wage_hourly_usd": "Float64"})
    fig = charts.plot_program_wages(wages, 24.0)
    ax = fig.axes[0]
    assert _ticklabels(ax) == ["Welding", "Culinary Arts"]
    assert [b.get_width() for b in ax.patches] == pytest.approx([31.0, 16.5])
    assert to_hex(ax.patches[1].get_facecolor()) == charts.BELOW_COLOR.lower()
    (line,) = ax.lines
    assert list(line.get_xdata()) == [24.0, 24.0]
    texts = [t.get_text() for t in ax.texts]
    assert "family-supporting\n$24.00/hour" in texts
    assert " top-coded (at least)" in texts
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["Family-supporting wage $24.00/hour"]
    assert ax.get_xlabel().startswith("Hourly wage (USD per hour)")
    assert "Nursing" in ax.get_xlabel()


def test_alt_texts(alignment_region):
    text = charts.alt_text_supply_vs_demand(alignment_region)
    assert text.startswith("Bar chart for North Valley, 2024")
    assert "Construction: supply suppressed, demand 50.0%" in text
    assert "Agriculture: supply 50.0%, demand 20.0%" in text
    lq = charts.alt_text_location_quotients(alignment_region)
    assert "Above 1 (more concentrated than the U.S.): Agriculture (1.40)" in lq
    assert "Below 1: Construction (0.60)" in lq
