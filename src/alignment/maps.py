"""Curriculum-gap maps: county boundaries, region shapes and choropleths of the supply–demand gap.

County boundaries come by default from the Census Bureau's 2016 cartographic
boundary file (1:500,000) shipped inside the ``plotly-geo`` package
(``_plotly_geo/package_data/cb_2016_us_county_500k.shp``). That shapefile has
no ``.prj``; its coordinates are NAD83 geographic, so we set EPSG:4269. It
predates Connecticut's planning regions (2022): pass ``path=`` to a newer
Census file for those. Maps are drawn in the CONUS Albers equal-area
projection (EPSG:5070), so regions keep their true relative size.

The gap is ``demand_equivalent − supply`` per region × cluster (see
``align.py``): positive = fewer students than the regional demand mix calls for
("students short"), negative = more ("surplus").
"""

from __future__ import annotations

import importlib.util
import math
import re
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

import geopandas as gpd
import mapclassify
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from .atomic import atomic_path

COUNTY_SHAPEFILE = "cb_2016_us_county_500k.shp"
BOUNDARY_CRS = "EPSG:4269"  # NAD83, the Census cartographic boundary files
DRAW_CRS = "EPSG:5070"  # NAD83 / CONUS Albers equal-area
GAP_CMAP = "PuOr"  # low (surplus, −) orange, high (students short, +) purple; light near zero
MISSING_COLOR = "#d9d9d9"
MISSING_HATCH = "///"
GAP_LEGEND_TITLE = "Gap: students short (+) / surplus (−) vs demand mix"


def _plotly_geo_shapefile() -> Path | None:
    spec = importlib.util.find_spec("_plotly_geo")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / "package_data" / COUNTY_SHAPEFILE
        if candidate.exists():
            return candidate
    return None


def load_counties(state_fips: str, path: Path | None = None) -> gpd.GeoDataFrame:
    """County boundaries of one state: columns ``county_fips``, ``county_name``, ``geometry``.

    ``path`` is a county boundary file in the Census cartographic/TIGER layout
    (fields ``STATEFP``, ``GEOID``, ``NAME``); without it the 2016 file from
    the ``plotly-geo`` package is used. A file without a CRS is taken to be
    NAD83 (EPSG:4269). Rows are sorted by ``county_fips``.
    """
    if not isinstance(state_fips, str) or not re.fullmatch(r"\d{2}", state_fips):
        raise ValueError(f"state_fips must be two digits as a string (e.g. '41'), got {state_fips!r}")
    if path is None:
        path = _plotly_geo_shapefile()
        if path is None:
            raise FileNotFoundError(
                "County boundaries need the 'plotly-geo' package (pip install plotly-geo), which ships the "
                f"Census 2016 county file {COUNTY_SHAPEFILE}; or pass path= to a county boundary file."
            )
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: county boundary file not found")
    counties = gpd.read_file(path, where=f"STATEFP = '{state_fips}'")
    if counties.empty:
        raise ValueError(f"{path}: no counties with STATEFP = '{state_fips}'")
    if counties.crs is None:
        counties = counties.set_crs(BOUNDARY_CRS)
    counties = gpd.GeoDataFrame(
        {
            "county_fips": counties["GEOID"].astype("string"),
            "county_name": counties["NAME"].astype("string"),
        },
        geometry=counties.geometry.make_valid(),
        crs=counties.crs,
    )
    return counties.sort_values("county_fips", ignore_index=True)


def region_shapes(counties: gpd.GeoDataFrame, regions: pd.DataFrame) -> gpd.GeoDataFrame:
    """Dissolve county shapes into regions: ``region_id``, ``region_name``, ``counties``, ``geometry``.

    ``regions`` is the regions table (``county_fips``, ``region_id``,
    ``region_name``). ``counties`` counts the counties that were found; region
    counties missing from the boundaries are named in a warning and listed in
    ``result.attrs["missing_counties"]`` (never dropped silently).
    """
    links = regions[["county_fips", "region_id", "region_name"]].drop_duplicates()
    joined = counties[["county_fips", "geometry"]].merge(links, on="county_fips", how="inner")
    missing = sorted(set(links["county_fips"]) - set(counties["county_fips"]))
    if missing:
        warnings.warn(
            f"{len(missing)} region county(ies) have no boundary and are left off the map: "
            + ", ".join(missing),
            UserWarning,
            stacklevel=2,
        )
    shapes = joined.dissolve(
        by="region_id", aggfunc={"region_name": "first", "county_fips": "count"}, as_index=False
    )
    shapes = shapes.rename(columns={"county_fips": "counties"})
    shapes = shapes[["region_id", "region_name", "counties", "geometry"]].sort_values(
        "region_id", ignore_index=True
    )
    shapes.attrs["missing_counties"] = missing
    return shapes


def gap_class_bounds(gaps: Sequence[float] | pd.Series, per_side: int = 3) -> list[float]:
    """Upper bounds of classes symmetric around zero, for a diverging gap map (mapclassify bins).

    The classes are ``[-b_k, -b_{k-1}], …, (-b_1, 0], (0, b_1], …, (b_{k-1}, b_k]``
    with "nice" ``b`` (1, 2, 2.5, 5 × 10^n) and ``b_k ≥ max |gap|``; zero is a
    class boundary, so a shortage and a surplus never share a colour. Returned
    are the upper bounds (``-b_{k-1}, …, 0, …, b_k``), as
    ``mapclassify.UserDefined`` takes them.

    >>> gap_class_bounds([-40, 5, 120])
    [-100.0, -50.0, 0.0, 50.0, 100.0, 150.0]
    >>> gap_class_bounds([])
    [0.0, 1.0]
    """
    values = pd.to_numeric(pd.Series(gaps, dtype="object"), errors="coerce").astype("float64").dropna()
    top = float(values.abs().max()) if len(values) else 0.0
    if not math.isfinite(top) or top == 0:
        return [0.0, 1.0]
    ticks = [float(t) for t in MaxNLocator(nbins=per_side, steps=[1, 2, 2.5, 5, 10]).tick_values(0, top)]
    positive = [t for t in ticks if t > 0]
    while positive[-1] < top:  # MaxNLocator may stop just short of the maximum
        positive.append(positive[-1] + (positive[0]))
    negative = [-t for t in reversed(positive[:-1])]
    return [*negative, 0.0, *positive]


def _class_colors(n_classes: int) -> list[str]:
    cmap = colormaps[GAP_CMAP]
    if n_classes == 1:
        return [to_hex(cmap(0.5))]
    # Skip the very ends of the ramp (too dark to read labels on) but keep symmetry.
    return [to_hex(cmap(0.08 + 0.84 * i / (n_classes - 1))) for i in range(n_classes)]


def _class_labels(bounds: list[float]) -> list[str]:
    def fmt(v: float) -> str:
        text = f"{abs(v):,.4g}"
        return ("−" if v < 0 else "+" if v > 0 else "") + text

    lower = [-bounds[-1], *bounds[:-1]]
    return [f"{fmt(lo)} to {fmt(hi)}" for lo, hi in zip(lower, bounds, strict=True)]


def _gap_for(alignment: pd.DataFrame, cluster_code: str, year: int) -> pd.DataFrame:
    rows = alignment[(alignment["cluster_code"] == cluster_code) & (alignment["year"] == year)]
    if rows["region_id"].duplicated().any():
        raise ValueError(
            f"alignment has more than one row per region for cluster {cluster_code!r} and year {year} "
            "(mixed frameworks?)"
        )
    return rows


def _cluster_title(rows: pd.DataFrame, cluster_code: str) -> str:
    if "cluster_name" in rows and rows["cluster_name"].notna().any():
        return f"{rows['cluster_name'].dropna().iloc[0]} ({cluster_code})"
    return cluster_code


def _gap_legend_handles(bounds: list[float]) -> list[Patch]:
    colors = _class_colors(len(bounds))
    handles = [
        Patch(facecolor=c, edgecolor="0.3", label=label)
        for c, label in zip(reversed(colors), reversed(_class_labels(bounds)), strict=True)
    ]
    handles.append(
        Patch(facecolor=MISSING_COLOR, edgecolor="0.3", hatch=MISSING_HATCH, label="No data / suppressed")
    )
    return handles


def plot_gap_map(
    region_shapes: gpd.GeoDataFrame,
    alignment: pd.DataFrame,
    cluster_code: str,
    *,
    year: int,
    highlight_region: str | None = None,
    ax: Axes | None = None,
    bounds: Sequence[float] | None = None,
    legend: bool = True,
) -> Figure:
    """Choropleth of the supply–demand ``gap`` per region for one career cluster and year.

    Classes are symmetric around zero (:func:`gap_class_bounds`, or ``bounds``
    to share a scale between maps) and classified with
    ``mapclassify.UserDefined``; colours run from orange (surplus, −) through
    light to purple (students short, +). Regions without a gap (no row, or a
    suppressed cell) are grey and hatched. Each region is outlined and labelled
    with its name and signed gap; ``highlight_region`` gets a heavy outline.
    Drawn in EPSG:5070 (equal-area).
    """
    rows = _gap_for(alignment, cluster_code, year)
    shapes = region_shapes[["region_id", "region_name", "geometry"]].merge(
        rows[["region_id", "gap"]], on="region_id", how="left"
    )
    shapes = shapes.to_crs(DRAW_CRS)
    shapes["gap"] = pd.to_numeric(shapes["gap"], errors="coerce").astype("float64")
    bounds = [float(b) for b in bounds] if bounds is not None else gap_class_bounds(shapes["gap"])
    colors = _class_colors(len(bounds))
    has_gap = shapes["gap"].notna()

    if ax is None:
        fig = Figure(figsize=(8.0, 6.5), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    if has_gap.any():
        classes = mapclassify.UserDefined(shapes.loc[has_gap, "gap"].to_numpy(), bins=bounds)
        face = [colors[min(int(c), len(colors) - 1)] for c in classes.yb]
        shapes.loc[has_gap].plot(ax=ax, color=face, edgecolor="0.25", linewidth=0.8)
    if (~has_gap).any():
        shapes.loc[~has_gap].plot(
            ax=ax, color=MISSING_COLOR, hatch=MISSING_HATCH, edgecolor="0.25", linewidth=0.8
        )
    if highlight_region is not None:
        shapes.loc[shapes["region_id"] == highlight_region].boundary.plot(ax=ax, color="black", linewidth=2.6)
    for r in shapes.itertuples():
        point = r.geometry.representative_point()
        value = "n/a" if pd.isna(r.gap) else f"{r.gap:+,.0f}".replace("-", "−")
        ax.annotate(
            f"{r.region_name}\n{value}",
            xy=(point.x, point.y),
            ha="center",
            va="center",
            fontsize=8,
            fontweight="bold" if r.region_id == highlight_region else "normal",
            bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "alpha": 0.75, "linewidth": 0},
        )
    ax.set_axis_off()
    ax.set_title(f"Supply–demand gap, {_cluster_title(rows, cluster_code)}, {year}")
    if legend:
        ax.legend(
            handles=_gap_legend_handles(bounds),
            title=GAP_LEGEND_TITLE + "\n(students, demand-equivalent)",
            loc="upper left",
            bbox_to_anchor=(1.0, 1.0),
            fontsize=8,
            title_fontsize=8,
        )
    return fig


def plot_gap_small_multiples(
    region_shapes: gpd.GeoDataFrame,
    alignment: pd.DataFrame,
    cluster_codes: Sequence[str],
    *,
    year: int,
    ncols: int = 3,
) -> Figure:
    """One page of gap maps, one per cluster, on one shared symmetric scale and legend."""
    if not cluster_codes:
        raise ValueError("cluster_codes is empty: name at least one cluster to map")
    picked = alignment[alignment["cluster_code"].isin(cluster_codes) & (alignment["year"] == year)]
    bounds = gap_class_bounds(picked["gap"])
    ncols = min(ncols, len(cluster_codes))
    nrows = math.ceil(len(cluster_codes) / ncols)
    fig = Figure(figsize=(3.6 * ncols + 2.6, 3.4 * nrows + 0.8), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, code in zip(axes, cluster_codes, strict=False):
        plot_gap_map(region_shapes, alignment, code, year=year, ax=ax, bounds=bounds, legend=False)
        ax.set_title(ax.get_title().removeprefix("Supply–demand gap, ").removesuffix(f", {year}"), fontsize=9)
    for ax in axes[len(cluster_codes) :]:
        ax.set_axis_off()
    fig.suptitle(f"Supply–demand gap by career cluster, {year}")
    fig.legend(
        handles=_gap_legend_handles(bounds),
        title=GAP_LEGEND_TITLE + "\n(students, demand-equivalent)",
        loc="outside lower center",
        ncols=4,
        fontsize=8,
        title_fontsize=8,
    )
    return fig


def write_geopackage(path: Path, layers: Mapping[str, gpd.GeoDataFrame]) -> Path:
    """Write several layers into one GeoPackage atomically (temp file in the same folder, then rename)."""
    path = Path(path)
    if not layers:
        raise ValueError("layers is empty: a GeoPackage needs at least one layer")
    with atomic_path(path, suffix=".gpkg") as tmp:
        for name, layer in layers.items():
            layer.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")
    return path
