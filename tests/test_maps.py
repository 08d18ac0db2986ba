"""Maps: county boundaries, dissolving into regions, the diverging gap map and GeoPackage output."""

import importlib.util

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from matplotlib.colors import to_hex
from shapely.geometry import box

from alignment import maps

HAS_PLOTLY_GEO = importlib.util.find_spec("_plotly_geo") is not None


@pytest.fixture
def counties() -> gpd.GeoDataFrame:
    """Four invented square counties in a row (NAD83 degrees)."""
    return gpd.GeoDataFrame(
        {
            "county_fips": ["99001", "99003", "99005", "99007"],
            "county_name": ["Alder", "Birch", "Cedar", "Dogwood"],
        },
        geometry=[box(-120 + i, 44, -119 + i, 45) for i in range(4)],
        crs="EPSG:4269",
    )


@pytest.fixture
def regions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "county_fips": ["99001", "99003", "99005", "99007"],
            "region_id": ["west", "west", "east", "east"],
            "region_name": ["West", "West", "East", "East"],
        }
    )


@pytest.fixture
def alignment() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "region_id": ["west", "east", "west", "east"],
            "year": [2024, 2024, 2024, 2024],
            "cluster_code": ["AG", "AG", "HS", "HS"],
            "cluster_name": ["Agriculture", "Agriculture", "Health Science", "Health Science"],
            "gap": [120.0, -40.0, pd.NA, 15.0],
        }
    ).astype({"gap": "Float64"})


@pytest.mark.skipif(not HAS_PLOTLY_GEO, reason="plotly-geo is not installed")
def test_load_counties_oregon_from_plotly_geo():
    oregon = maps.load_counties("41")
    assert len(oregon) == 36
    assert list(oregon.columns) == ["county_fips", "county_name", "geometry"]
    assert oregon.crs.to_epsg() == 4269
    assert oregon.geometry.is_valid.all()
    assert oregon["county_fips"].str.fullmatch(r"41\d{3}").all()
    assert oregon["county_fips"].is_monotonic_increasing
    assert oregon.loc[oregon["county_fips"] == "41051", "county_name"].item() == "Multnomah"


def test_load_counties_from_a_path_and_errors(tmp_path, counties, monkeypatch):
    shp = tmp_path / "counties.shp"
    layout = counties.assign(STATEFP="99", GEOID=counties["county_fips"], NAME=counties["county_name"]).drop(
        columns=["county_fips", "county_name"]
    )
    layout.to_file(shp)
    loaded = maps.load_counties("99", path=shp)
    assert loaded["county_fips"].tolist() == ["99001", "99003", "99005", "99007"]
    assert loaded.crs.to_epsg() == 4269
    with pytest.raises(ValueError, match="no counties with STATEFP = '98'"):
        maps.load_counties("98", path=shp)
    with pytest.raises(ValueError, match="two digits"):
        maps.load_counties(41)  # type: ignore[arg-type]
    monkeypatch.setattr(maps.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(FileNotFoundError, match="plotly-geo"):
        maps.load_counties("41")


def test_region_shapes_dissolves_and_reports_missing_counties(counties, regions):
    extra = pd.concat(
        [regions, pd.DataFrame({"county_fips": ["99999"], "region_id": ["east"], "region_name": ["East"]})]
    )
    with pytest.warns(UserWarning, match="99999"):
        shapes = maps.region_shapes(counties, extra)
    assert shapes["region_id"].tolist() == ["east", "west"]
    assert shapes["counties"].tolist() == [2, 2]
    assert shapes.attrs["missing_counties"] == ["99999"]
    west = shapes.loc[shapes["region_id"] == "west", "geometry"].item()
    assert west.area == pytest.approx(2.0)  # two 1° × 1° squares
    assert west.bounds == pytest.approx((-120, 44, -118, 45))
    assert shapes.crs.to_epsg() == 4269


def test_gap_class_bounds_are_symmetric_around_zero():
    bounds = maps.gap_class_bounds([-40, 5, 120])
    assert bounds == [-100.0, -50.0, 0.0, 50.0, 100.0, 150.0]
    # class widths: lowest class is [-150, -100]; mirrored on the positive side
    lower = [-bounds[-1], *bounds[:-1]]
    widths = [hi - lo for lo, hi in zip(lower, bounds, strict=True)]
    assert widths == widths[::-1]
    assert 0.0 in bounds
    assert maps.gap_class_bounds([-7.0, 3.0])[-1] >= 7.0
    assert maps.gap_class_bounds([pd.NA, None]) == [0.0, 1.0]


def test_plot_gap_map_colours_positive_and_negative_differently(counties, regions, alignment):
    shapes = maps.region_shapes(counties, regions)
    fig = maps.plot_gap_map(shapes, alignment, "AG", year=2024, highlight_region="west")
    ax = fig.axes[0]
    filled = ax.collections[0]
    colors = [to_hex(c) for c in filled.get_facecolors()]
    # shapes order: east (−40), west (+120)
    assert len(colors) == 2 and colors[0] != colors[1]
    bounds = maps.gap_class_bounds([120, -40])
    palette = maps._class_colors(len(bounds))
    assert colors[0] == palette[2]  # (−50, 0]: light orange
    assert colors[1] == palette[5]  # (100, 150]: dark purple
    assert ax.get_title() == "Supply–demand gap, Agriculture (AG), 2024"
    labels = sorted(t.get_text() for t in ax.texts)
    assert labels == ["East\n−40", "West\n+120"]
    legend = ax.get_legend()
    assert legend.get_title().get_text().startswith("Gap: students short (+) / surplus (−) vs demand mix")
    entries = [t.get_text() for t in legend.get_texts()]
    assert entries[0] == "+100 to +150" and entries[-2] == "−150 to −100"
    assert entries[-1] == "No data / suppressed"
    # drawn in equal-area metres, not degrees
    assert abs(ax.get_xlim()[0]) > 1000


def test_plot_gap_map_hatches_missing(counties, regions, alignment):
    shapes = maps.region_shapes(counties, regions)
    fig = maps.plot_gap_map(shapes, alignment, "HS", year=2024)
    ax = fig.axes[0]
    filled, missing = ax.collections[:2]
    assert len(filled.get_facecolors()) == 1  # east +15
    assert missing.get_hatch() == maps.MISSING_HATCH
    assert to_hex(missing.get_facecolors()[0]) == maps.MISSING_COLOR
    assert "West\nn/a" in [t.get_text() for t in ax.texts]


def test_small_multiples_share_one_scale(counties, regions, alignment):
    shapes = maps.region_shapes(counties, regions)
    fig = maps.plot_gap_small_multiples(shapes, alignment, ["AG", "HS"], year=2024)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == ["Agriculture (AG)", "Health Science (HS)"]
    assert fig.get_suptitle() == "Supply–demand gap by career cluster, 2024"
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()][0] == "+100 to +150"


def test_write_geopackage_round_trip(tmp_path, counties, regions):
    shapes = maps.region_shapes(counties, regions)
    out = maps.write_geopackage(tmp_path / "maps" / "gaps.gpkg", {"regions": shapes, "counties": counties})
    assert out.exists()
    assert sorted(pyogrio.list_layers(out)[:, 0]) == ["counties", "regions"]
    back = gpd.read_file(out, layer="regions")
    assert back["region_id"].tolist() == ["east", "west"]
    assert back.crs.to_epsg() == 4269
    assert [round(g.area, 6) for g in back.geometry] == [2.0, 2.0]
    assert [p.name for p in out.parent.iterdir()] == ["gaps.gpkg"]  # no temp file left behind
