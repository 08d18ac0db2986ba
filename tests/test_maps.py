"""Maps: county boundaries, regions, gap maps with institution points, image baselines and GeoPackage output."""

import hashlib
import importlib.util
import json
import os
import re
from io import BytesIO
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
import pyogrio
import pytest
from matplotlib import ft2font
from matplotlib.colors import to_hex
from matplotlib.testing.compare import compare_images
from PIL import Image
from shapely.geometry import box

from alignment import maps
from alignment.publish import protect_tables

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
    # shortage regions are drawn first, then the surplus ones, dotted so the sign survives grey-scale print
    short, surplus = ax.collections[0], ax.collections[1]
    bounds = maps.gap_class_bounds([120, -40])
    palette = maps._class_colors(len(bounds))
    assert [to_hex(c) for c in short.get_facecolors()] == [palette[5]]  # west +120 in (100, 150]: dark purple
    assert [to_hex(c) for c in surplus.get_facecolors()] == [palette[2]]  # east −40 in (−50, 0]: light orange
    assert short.get_hatch() is None and surplus.get_hatch() == maps.SURPLUS_HATCH
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


def test_openings_map_classes_at_the_flag_thresholds(counties, regions):
    """West: 0.2 completers per opening (short, purple); East: 0.3 … 0.9 (the class is open: grey, hatched)."""
    openings = pd.DataFrame(
        {
            "region_id": ["west", "east"],
            "cluster_code": ["HS", "HS"],
            "completers_per_opening_low": [0.2, 0.3],
            "completers_per_opening_high": [0.2, 0.9],
        }
    )
    shapes = maps.region_shapes(counties, regions)
    fig = maps.plot_openings_map(
        shapes,
        openings,
        "HS",
        cluster_name="Health Science",
        year=2024,
        under=0.5,
        over=1.5,
        highlight_region="west",
    )
    ax = fig.axes[0]
    short, unknown = ax.collections[0], ax.collections[1]
    assert [to_hex(c) for c in short.get_facecolors()] == [maps.OPENINGS_CLASS_STYLE["short"][0]]
    assert unknown.get_hatch() == maps.MISSING_HATCH
    assert sorted(t.get_text() for t in ax.texts) == ["East\n0.30–0.90", "West\n0.20"]
    assert ax.get_title() == "Completers per opening, Health Science occupations, 2024"
    entries = [t.get_text() for t in ax.get_legend().get_texts()]
    assert entries == [
        "1.5 or more (above openings)",
        "between 0.5 and 1.5",
        "0.5 or less (short of openings)",
        "Not known (withheld) / no openings",
    ]


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


# --- institution points ---------------------------------------------------------------------------------


@pytest.fixture
def institutions() -> pd.DataFrame:
    """institutions.parquet as the supply stage writes it, plus a count column that must never be mapped."""
    return pd.DataFrame(
        {
            "institution": ["West College", "East Institute", "Nowhere School", "Far College"],
            "unitid": ["100001", "100002", "100003", "100004"],
            "county_fips": ["99001", "99007", "99005", "98001"],
            "region_id": ["west", "east", "east", pd.NA],
            "latitude": pd.array([44.5, 44.25, pd.NA, 30.0], dtype="Float64"),
            "longitude": pd.array([-119.5, -116.5, -117.5, -100.0], dtype="Float64"),
            "completers": [4, 7, 3, 2],
        }
    )


def test_institution_points_keep_names_only_and_drop_outside_with_a_note(counties, institutions):
    with pytest.warns(
        UserWarning, match=r"2 institution\(s\).*Nowhere School \(100003\), Far College \(100004\)"
    ):
        points = maps.institution_points(institutions, counties)
    assert list(points.columns) == ["institution", "unitid", "county_fips", "region_id", "geometry"]
    assert points["institution"].tolist() == ["West College", "East Institute"]
    assert points.crs.to_epsg() == 4269
    assert [(p.x, p.y) for p in points.geometry] == [(-119.5, 44.5), (-116.5, 44.25)]
    # points it returned go back in unchanged, without a second note
    again = maps.institution_points(points.to_crs("EPSG:5070"), counties)
    assert again["unitid"].tolist() == ["100001", "100002"]
    assert [round(p.x, 6) for p in again.geometry] == [-119.5, -116.5]
    with pytest.raises(ValueError, match="latitude, longitude"):
        maps.institution_points(institutions.drop(columns=["latitude", "longitude"]), counties)


def test_gap_map_draws_institutions_with_a_legend_entry(counties, regions, alignment, institutions):
    shapes = maps.region_shapes(counties, regions)
    with pytest.warns(UserWarning, match="Nowhere School"):
        fig = maps.plot_gap_map(shapes, alignment, "AG", year=2024, institutions=institutions)
    ax = fig.axes[0]
    (dots,) = [c for c in ax.collections if c.get_gid() == "institutions"]
    drawn = maps.institution_points(institutions.iloc[:2], shapes).to_crs(maps.DRAW_CRS)
    assert np.asarray(dots.get_offsets()).ravel().tolist() == pytest.approx(
        [v for p in drawn.geometry for v in (p.x, p.y)]
    )
    assert dots.get_zorder() > max(t.get_zorder() for t in ax.texts)  # a label never hides a point
    entries = [t.get_text() for t in ax.get_legend().get_texts()]
    assert entries[-2:] == ["No data / suppressed", "Institution (IPEDS)"]
    # no institutions inside: no dots and no legend entry
    fig = maps.plot_gap_map(shapes, alignment, "AG", year=2024, institutions=institutions.iloc[:0])
    assert [c.get_gid() for c in fig.axes[0].collections].count("institutions") == 0
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()][-1] == "No data / suppressed"


def test_small_multiples_and_overview_draw_institutions(
    counties, regions, alignment, institutions, published
):
    shapes = maps.region_shapes(counties, regions)
    with pytest.warns(UserWarning, match="Far College") as caught:
        fig = maps.plot_gap_small_multiples(
            shapes, alignment, ["AG", "HS"], year=2024, institutions=institutions
        )
    assert len([w for w in caught if "institution" in str(w.message)]) == 1  # one note for the page
    gids = [[c.get_gid() for c in ax.collections].count("institutions") for ax in fig.axes[:2]]
    assert gids == [1, 1]
    assert [t.get_text() for t in fig.legends[0].get_texts()][-1] == "Institution (IPEDS)"

    dissimilarity = pd.DataFrame({"region_id": ["west", "east"], "year": 2024, "dissimilarity": [0.2, 0.5]})
    with pytest.warns(UserWarning, match="Nowhere School"):
        fig = maps.plot_state_overview(shapes, published, dissimilarity, year=2024, institutions=institutions)
    ax = fig.axes[0]
    assert len(ax.collections[0].get_offsets()) == 2
    assert ax.get_legend().get_texts()[-1].get_text() == "Institution (IPEDS)"


# --- image baselines --------------------------------------------------------------------------------------
#
# Rendered from fixed inputs on real county polygons (Vermont, plotly-geo's Census 2016 file) and compared with
# the PNGs in tests/baselines/maps/ by matplotlib's RMS pixel difference. Regenerate after an intended change:
#   ALIGNMENT_UPDATE_BASELINES=1 .venv/bin/pytest tests/test_maps.py -k baseline -p no:cacheprovider
# then look at the new PNGs before committing them. versions.json records the matplotlib and FreeType the
# baselines were drawn with: glyph rasterization differs between FreeType builds, so where they differ a
# mismatch is reported as a skip (with the RMS), not a failure.

BASELINES = Path(__file__).parent / "baselines" / "maps"
UPDATE_BASELINES = os.environ.get("ALIGNMENT_UPDATE_BASELINES") == "1"
BASELINE_DPI = 72
# RMS over 0–255 channels. Anti-aliasing noise (±3 levels everywhere, RMS 2) passes; the smallest real
# change we guard against, the institution dots left out, gives 5.2–10.7; flipped colour ramps give 15–33.
IMAGE_TOL = 4.0
VT_REGIONS = {
    "Northwest": ["50007", "50011", "50013"],
    "Northeast Kingdom": ["50005", "50009", "50019"],
    "Central": ["50001", "50015", "50017", "50023"],
    "South": ["50003", "50021", "50025", "50027"],
}
VT_IDS = {"Northwest": "nw", "Northeast Kingdom": "nek", "Central": "c", "South": "s"}


def _render_environment() -> dict[str, str]:
    return {
        "matplotlib": ".".join(matplotlib.__version__.split(".")[:2]),
        "freetype": ft2font.__freetype_version__,
    }


@pytest.fixture(scope="module")
def vermont() -> dict[str, object]:
    """Real Vermont counties in four regions, fixed gaps for three clusters and five invented institutions."""
    if not HAS_PLOTLY_GEO:
        pytest.skip("plotly-geo is not installed")
    regions = pd.DataFrame(
        [(fips, VT_IDS[name], name) for name, codes in VT_REGIONS.items() for fips in codes],
        columns=["county_fips", "region_id", "region_name"],
    )
    shapes = maps.region_shapes(maps.load_counties("50"), regions)
    names = {"HS": "Healthcare & Human Services", "AM": "Advanced Manufacturing", "IT": "Digital Technology"}
    gaps = {
        "HS": [180.0, None, -60.0, 25.0],
        "AM": [-140.0, 35.0, 90.0, -15.0],
        "IT": [60.0, -5.0, None, -210.0],
    }
    alignment = pd.DataFrame(
        [
            (rid, 2024, code, names[code], gap)
            for code, values in gaps.items()
            for rid, gap in zip(["nw", "nek", "c", "s"], values, strict=True)
        ],
        columns=["region_id", "year", "cluster_code", "cluster_name", "gap"],
    ).astype({"gap": "Float64"})
    institutions = pd.DataFrame(
        {
            "institution": [
                "Lake College",
                "Valley Institute",
                "Capital University",
                "River College",
                "Hill School",
            ],
            "unitid": ["100001", "100002", "100003", "100004", "100005"],
            "county_fips": ["50007", "50007", "50023", "50025", "50019"],
            "region_id": ["nw", "nw", "c", "s", "nek"],
            "latitude": [44.4759, 44.49, 44.26, 42.85, 44.94],
            "longitude": [-73.2121, -73.11, -72.575, -72.56, -72.20],
        }
    )
    dissimilarity = pd.DataFrame(
        {"region_id": ["nw", "nek", "c", "s"], "year": 2024, "dissimilarity": [0.31, 0.58, 0.44, None]}
    )
    return {
        "shapes": shapes,
        "alignment": alignment,
        "published": alignment.assign(supply_text="40"),
        "institutions": institutions,
        "dissimilarity": dissimilarity,
    }


def _render(name: str, data: dict, *, institutions: bool = True) -> bytes:
    inst = data["institutions"] if institutions else None
    shapes, alignment = data["shapes"], data["alignment"]
    if name == "gap_map":
        fig = maps.plot_gap_map(shapes, alignment, "HS", year=2024, highlight_region="nw", institutions=inst)
    elif name == "small_multiples":
        fig = maps.plot_gap_small_multiples(
            shapes, alignment, ["HS", "AM", "IT"], year=2024, institutions=inst
        )
    else:
        fig = maps.plot_state_overview(
            shapes, data["published"], data["dissimilarity"], year=2024, institutions=inst
        )
    return maps.figure_png(fig, dpi=BASELINE_DPI)


def _compare(expected: Path, actual_png: bytes, tmp_path: Path) -> dict | None:
    actual = tmp_path / f"{expected.stem}-actual.png"
    actual.write_bytes(actual_png)
    return compare_images(str(expected), str(actual), tol=IMAGE_TOL, in_decorator=True)


@pytest.mark.parametrize("name", ["gap_map", "small_multiples", "state_overview"])
def test_map_matches_baseline(name, vermont, tmp_path):
    png = _render(name, vermont)
    expected = BASELINES / f"{name}.png"
    if UPDATE_BASELINES:
        BASELINES.mkdir(parents=True, exist_ok=True)
        expected.write_bytes(png)
        (BASELINES / "versions.json").write_text(json.dumps(_render_environment(), indent=2) + "\n")
        pytest.skip(f"baseline written: {expected.name}")
    assert expected.exists(), f"no baseline {expected}; make it with ALIGNMENT_UPDATE_BASELINES=1"
    result = _compare(expected, png, tmp_path)
    if result is None:
        return
    made_with = json.loads((BASELINES / "versions.json").read_text())
    if made_with != _render_environment():
        pytest.skip(f"{name}: RMS {result['rms']:.2f}, but baselines were drawn with {made_with}")
    pytest.fail(f"{name}: RMS {result['rms']:.2f} > {IMAGE_TOL}; see {result['actual']} and {result['diff']}")


@pytest.mark.skipif(UPDATE_BASELINES, reason="writing baselines")
def test_baseline_comparison_passes_antialiasing_noise(vermont, tmp_path):
    png = _render("gap_map", vermont)
    pixels = np.asarray(Image.open(BytesIO(png)).convert("RGB"), dtype=np.int16)
    noise = np.random.default_rng(7).integers(-3, 4, size=pixels.shape)
    noisy = BytesIO()
    Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8)).save(noisy, format="png")
    assert _compare(BASELINES / "gap_map.png", noisy.getvalue(), tmp_path) is None


@pytest.mark.skipif(UPDATE_BASELINES, reason="writing baselines")
@pytest.mark.parametrize("name", ["gap_map", "state_overview"])
def test_baseline_comparison_catches_flipped_colours(name, vermont, tmp_path, monkeypatch):
    monkeypatch.setattr(maps, "GAP_CMAP", "PuOr_r")  # shortage drawn orange, surplus purple
    monkeypatch.setattr(maps, "OVERVIEW_CMAP", "YlGnBu_r")
    result = _compare(BASELINES / f"{name}.png", _render(name, vermont), tmp_path)
    assert result is not None and result["rms"] > 3 * IMAGE_TOL


@pytest.mark.skipif(UPDATE_BASELINES, reason="writing baselines")
@pytest.mark.parametrize("name", ["gap_map", "small_multiples", "state_overview"])
def test_baseline_comparison_catches_a_missing_layer(name, vermont, tmp_path):
    result = _compare(BASELINES / f"{name}.png", _render(name, vermont, institutions=False), tmp_path)
    assert result is not None and result["rms"] > IMAGE_TOL


def test_map_rendering_is_byte_identical_and_uses_bundled_fonts(vermont):
    first, second = _render("gap_map", vermont), _render("gap_map", vermont)
    assert first == second
    fig = maps.plot_gap_map(vermont["shapes"], vermont["alignment"], "HS", year=2024)
    assert {t.get_fontfamily()[0] for t in fig.axes[0].texts} == {"DejaVu Sans"}
    with Image.open(BytesIO(first)) as image:
        assert image.size == (8 * BASELINE_DPI, int(6.5 * BASELINE_DPI))
        assert "Software" not in image.info


# --- GeoPackage for GIS users -----------------------------------------------------------------------------


def _published_vermont(data: dict) -> pd.DataFrame:
    """Raw alignment with small counts (4 and 7) run through protect_tables, as run.py publishes it."""
    supply = {"HS": [120, 4, 85, 60], "AM": [30, 55, 7, 44], "IT": [90, 25, 33, 12]}
    rows = []
    for code, counts in supply.items():
        for rid, n in zip(["nw", "nek", "c", "s"], counts, strict=True):
            rows.append((rid, 2024, code, n))
    sup = pd.DataFrame(rows, columns=["region_id", "year", "cluster_code", "completers"])
    total = sup.groupby("region_id")["completers"].transform("sum")
    names = data["alignment"].drop_duplicates("cluster_code").set_index("cluster_code")["cluster_name"]
    al = sup.rename(columns={"completers": "supply"}).assign(
        region_name=lambda d: d["region_id"].map({v: k for k, v in VT_IDS.items()}),
        cluster_name=lambda d: d["cluster_code"].map(names),
        supply_measure="completers",
        supply_share=lambda d: d["supply"] / total,
        demand_share=0.3333,
        lq=1.25,
        demand_equivalent=lambda d: total * 0.3333,
    )
    al = al.assign(gap=al["demand_equivalent"] - al["supply"], ratio=al["supply"] / al["demand_equivalent"])
    programs = sup.assign(source_file="c.csv", source_row=range(len(sup)))
    flags = pd.DataFrame(columns=["region_id", "cluster_code", "flag", "severity", "reason", "year"])
    cfg = SimpleNamespace(year=2024, supply_measure="completers", thresholds={"privacy_threshold": 10})
    tables = {"alignment": al, "supply": sup, "programs": programs, "flags": flags}
    return protect_tables(tables, cfg)["alignment"]  # type: ignore[arg-type]


def test_run_geopackage_on_real_counties_layers_and_no_small_counts(vermont, tmp_path):
    counties = maps.load_counties("50")
    regions = pd.DataFrame(
        [(fips, VT_IDS[name], name) for name, codes in VT_REGIONS.items() for fips in codes],
        columns=["county_fips", "region_id", "region_name"],
    )
    published = _published_vermont(vermont)
    institutions = pd.concat(
        [
            vermont["institutions"].assign(completers=[4, 7, 120, 60, 33]),
            pd.DataFrame(
                {
                    "institution": ["Across the River"],
                    "unitid": ["100006"],
                    "county_fips": ["33009"],
                    "region_id": [pd.NA],
                    "latitude": [43.70],
                    "longitude": [-72.29],
                    "completers": [5],
                }
            ),
        ],
        ignore_index=True,
    )
    with pytest.warns(UserWarning, match=r"1 institution\(s\).*Across the River \(100006\)"):
        path = maps.run_geopackage(
            tmp_path / "maps.gpkg", counties, regions, published, year=2024, institutions=institutions
        )
    layers = dict(pyogrio.list_layers(path))
    assert set(layers) == {"counties", "regions", "gap_by_region", "institutions"}
    assert layers["institutions"] == "Point"
    read = {name: gpd.read_file(path, layer=name) for name in layers}
    assert {name: len(df) for name, df in read.items()} == {
        "counties": 14,
        "regions": 4,
        "gap_by_region": 12,
        "institutions": 5,
    }
    assert all(df.crs.to_epsg() == 4269 for df in read.values())
    assert list(read["institutions"].columns) == [*maps.INSTITUTION_LAYER_COLUMNS, "geometry"]
    inst = read["institutions"]
    assert inst["region_name"].tolist() == ["Northwest", "Northwest", "Central", "South", "Northeast Kingdom"]
    assert inst.geometry.iloc[0].coords[0] == pytest.approx((-73.2121, 44.4759))
    assert (
        "no student counts" in pyogrio.read_info(path, layer="institutions")["layer_metadata"]["DESCRIPTION"]
    )
    gap = read["gap_by_region"]
    assert list(gap.columns) == [*maps.GAP_LAYER_COLUMNS, "geometry"]
    # the two small counts (4: nek HS; 7: c AM) and their complements are hidden in every attribute
    hidden = gap[gap["supply_text"].isin(["<10", "withheld"])]
    assert sorted(zip(hidden["region_id"], hidden["cluster_code"], strict=True)) == sorted(
        zip(
            published.loc[published["supply_suppressed"], "region_id"],
            published.loc[published["supply_suppressed"], "cluster_code"],
            strict=True,
        )
    )
    assert {("nek", "HS"), ("c", "AM")} <= set(zip(hidden["region_id"], hidden["cluster_code"], strict=True))
    assert hidden[["supply", "supply_share", "gap", "ratio"]].isna().all().all()
    for name, df in read.items():
        cells = [str(c) for c in df.drop(columns="geometry").astype("string").stack().dropna()]
        small = [c for c in cells if re.fullmatch(r"[1-9](\.0+)?", c)]
        assert small == [], f"{name} holds small counts {small}"


def test_run_geopackage_institutions_layer_is_a_point_layer_even_when_empty(
    tmp_path, counties, regions, published, institutions
):
    none_inside = institutions.iloc[:0]
    path = maps.run_geopackage(
        tmp_path / "maps.gpkg", counties, regions, published, year=2024, institutions=none_inside
    )
    assert dict(pyogrio.list_layers(path))["institutions"] == "Point"
    assert len(gpd.read_file(path, layer="institutions")) == 0
    # without institutions (no IPEDS supply) there is no such layer
    path = maps.run_geopackage(tmp_path / "other.gpkg", counties, regions, published, year=2024)
    assert "institutions" not in dict(pyogrio.list_layers(path))
