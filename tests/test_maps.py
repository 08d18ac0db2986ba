"""Maps: county boundaries, dissolving into regions, the diverging gap map and GeoPackage output."""

import hashlib
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
    assert titles == ["Agriculture", "Health Science"]
    # small panels: the signed gap only (names are on the full-size map), one legend for the page
    panel_labels = [sorted(t.get_text() for t in ax.texts) for ax in fig.axes[:2]]
    assert panel_labels == [["+120", "−40"], ["+15", "n/a"]]
    assert len(fig.legends) == 1


def test_small_multiples_wraps_long_cluster_names(counties, regions, alignment):
    shapes = maps.region_shapes(counties, regions)
    long = alignment.assign(cluster_name=alignment["cluster_name"] + ", Food, & Natural Resources Pathways")
    fig = maps.plot_gap_small_multiples(shapes, long, ["AG"], year=2024)
    title = fig.axes[0].get_title()
    assert title == "Agriculture, Food, & Natural\nResources Pathways"
    assert max(len(line) for line in title.splitlines()) <= 34
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


@pytest.fixture
def published(alignment) -> pd.DataFrame:
    """The alignment fixture as protect_tables publishes it: west's HS count (4) is hidden."""
    return alignment.assign(
        supply=pd.array([300.0, 85.0, pd.NA, 40.0], dtype="Float64"),
        supply_text=[300, 85, "<10", 40],
        supply_suppressed=[False, False, True, False],
        supply_share=pd.array([0.6, 0.5, pd.NA, 0.4], dtype="Float64"),
        demand_share=pd.array([0.2, 0.3, 0.1, 0.5], dtype="Float64"),
        lq=pd.array([0.9, 1.1, 0.8, 1.2], dtype="Float64"),
        ratio=pd.array([0.7, 1.9, pd.NA, 0.73], dtype="Float64"),
    )


def test_run_geopackage_layers_columns_crs_and_hidden_counts(tmp_path, counties, regions, published):
    path = maps.run_geopackage(tmp_path / "maps.gpkg", counties, regions, published, year=2024)
    assert path == tmp_path / "maps.gpkg"
    assert sorted(pyogrio.list_layers(path)[:, 0]) == ["counties", "gap_by_region", "regions"]
    assert [p.name for p in tmp_path.iterdir()] == ["maps.gpkg"]  # no temp file left behind

    c = gpd.read_file(path, layer="counties")
    assert list(c.columns) == ["county_fips", "county_name", "region_id", "region_name", "geometry"]
    assert c["region_id"].tolist() == ["west", "west", "east", "east"]
    r = gpd.read_file(path, layer="regions")
    assert list(r.columns) == ["region_id", "region_name", "geometry"]
    assert r["region_id"].tolist() == ["east", "west"]
    assert r.loc[r["region_id"] == "west", "geometry"].item().area == pytest.approx(2.0)

    g = gpd.read_file(path, layer="gap_by_region")
    assert list(g.columns) == [*maps.GAP_LAYER_COLUMNS, "geometry"]
    assert list(zip(g["region_id"], g["cluster_code"], strict=True)) == [
        ("east", "AG"),
        ("east", "HS"),
        ("west", "AG"),
        ("west", "HS"),
    ]
    hidden = g[(g["region_id"] == "west") & (g["cluster_code"] == "HS")].iloc[0]
    assert pd.isna(hidden["supply"]) and pd.isna(hidden["supply_share"])
    assert pd.isna(hidden["gap"]) and pd.isna(hidden["ratio"])
    assert hidden["supply_text"] == "<10"
    assert hidden["demand_share"] == pytest.approx(0.1)
    shown = g[(g["region_id"] == "west") & (g["cluster_code"] == "AG")].iloc[0]
    assert shown["supply"] == 300 and shown["supply_text"] == "300" and shown["gap"] == 120
    # each row carries its region's polygon
    assert g.loc[g["region_id"] == "west", "geometry"].iloc[0].area == pytest.approx(2.0)

    for layer in ("counties", "regions", "gap_by_region"):
        assert gpd.read_file(path, layer=layer).crs.to_epsg() == 4269
        description = pyogrio.read_info(path, layer=layer)["layer_metadata"]["DESCRIPTION"]
        assert "EPSG:4269" in description
    assert "'<10'" in pyogrio.read_info(path, layer="gap_by_region")["layer_metadata"]["DESCRIPTION"]


def test_run_geopackage_refuses_the_unprotected_table(tmp_path, counties, regions, alignment):
    with pytest.raises(ValueError, match="protect_tables"):
        maps.run_geopackage(tmp_path / "maps.gpkg", counties, regions, alignment, year=2024)
    assert not (tmp_path / "maps.gpkg").exists()


def test_dissimilarity_class_bounds():
    assert maps.dissimilarity_class_bounds([0.37, 0.404, 0.457]) == [0.36, 0.38, 0.4, 0.42, 0.44, 0.46]
    assert maps.dissimilarity_class_bounds([0.25, 0.25]) == [0.2, 0.3]
    assert maps.dissimilarity_class_bounds([pd.NA]) == [0.0, 1.0]
    edges = maps.dissimilarity_class_bounds([0.0, 0.93])
    assert edges[0] == 0.0 and edges[-1] == 1.0


@pytest.fixture
def three_regions(counties) -> gpd.GeoDataFrame:
    regions = pd.DataFrame(
        {
            "county_fips": ["99001", "99003", "99005", "99007"],
            "region_id": ["a", "a", "b", "c"],
            "region_name": ["Alpha", "Alpha", "Beta", "Gamma"],
        }
    )
    return maps.region_shapes(counties, regions)


def test_plot_state_overview_one_patch_per_region_coloured_by_class(three_regions, published):
    dissimilarity = pd.DataFrame(
        {
            "region_id": ["a", "b", "c", "a"],
            "year": [2024, 2024, 2024, 2023],
            "dissimilarity": pd.array([0.41, 0.415, 0.62, 0.9], dtype="Float64"),
        }
    )
    pub = published.assign(region_id=["a", "b", "a", "b"])
    fig = maps.plot_state_overview(three_regions, pub, dissimilarity, year=2024)
    ax = fig.axes[0]
    patches = {p.get_gid(): to_hex(p.get_facecolor()) for p in ax.patches}
    assert sorted(patches) == ["a", "b", "c"]
    edges = maps.dissimilarity_class_bounds([0.41, 0.415, 0.62])
    palette = maps._overview_colors(len(edges) - 1)
    assert patches["a"] == patches["b"] == palette[0]  # same class, same colour
    assert patches["c"] == palette[-1] != patches["a"]  # darker = further apart
    assert ax.get_title().endswith(", 2024")
    assert sorted(t.get_text() for t in ax.texts) == ["Alpha\n0.41", "Beta\n0.41", "Gamma\n0.62"]
    legend = ax.get_legend()
    assert legend.get_title().get_text() == "Dissimilarity index\n(0 = same mix, 1 = disjoint)"
    assert legend.get_texts()[0].get_text() == f"{edges[-2]:.2f} to {edges[-1]:.2f}"
    # the widest published shortfall per region (a: AG +120; b: HS +15; c has no rows)
    side = [t.get_text() for t in fig.legends[0].get_texts()]
    assert side == ["Alpha: Agriculture", "Beta: Health Science"]


def test_plot_state_overview_hidden_gaps_and_missing_index(three_regions, published):
    dissimilarity = pd.DataFrame({"region_id": ["a"], "year": [2024], "dissimilarity": [0.3]})
    # region a: AG gap hidden, HS gap −40 → no published shortfall for a
    pub = published.assign(region_id=["a", "b", "b", "a"], gap=pd.array([pd.NA, 5.0, 9.0, -40.0], "Float64"))
    pub = pub.assign(cluster_code=["AG", "AG", "HS", "HS"])
    fig = maps.plot_state_overview(three_regions, pub, dissimilarity, year=2024)
    ax = fig.axes[0]
    missing = [p for p in ax.patches if p.get_gid() in ("b", "c")]
    assert [p.get_hatch() for p in missing] == [maps.MISSING_HATCH] * 2
    assert {to_hex(p.get_facecolor()) for p in missing} == {maps.MISSING_COLOR}
    assert ax.get_legend().get_texts()[-1].get_text() == "No data"
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["Beta: Health Science"]


def test_figure_png_is_deterministic(three_regions, published):
    dissimilarity = pd.DataFrame(
        {"region_id": ["a", "b", "c"], "year": 2024, "dissimilarity": [0.2, 0.4, 0.6]}
    )
    pub = published.assign(region_id=["a", "b", "a", "b"])
    first = maps.figure_png(maps.plot_state_overview(three_regions, pub, dissimilarity, year=2024))
    second = maps.figure_png(maps.plot_state_overview(three_regions, pub, dissimilarity, year=2024))
    assert first.startswith(b"\x89PNG\r\n\x1a\n")
    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(second).hexdigest()
    assert b"Software" not in first and b"matplotlib" not in first.lower()
