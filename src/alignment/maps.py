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

Institutions (``institutions.parquet`` of the supply stage, from the IPEDS
directory's latitude/longitude) can be drawn on every map as small points
(:func:`institution_points`); they carry names and IDs only, never a count.

For GIS users, :func:`run_geopackage` writes one GeoPackage with the counties,
the dissolved regions, the published gap per region × cluster and the
institution points, in the boundary file's own CRS (NAD83, EPSG:4269, for the
Census files). :func:`plot_state_overview` maps every region's dissimilarity
index for the run's index page; :func:`figure_png` turns a figure into
reproducible PNG bytes. Figures are built and saved under :data:`MAP_RC`
(DejaVu Sans, which ships with matplotlib; fixed SVG hash salt), so the same
inputs give the same pixels on every machine with the same matplotlib.
"""

from __future__ import annotations

import functools
import importlib.util
import math
import re
import textwrap
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path
from typing import Literal, ParamSpec, TypeVar

import geopandas as gpd
import mapclassify
import numpy as np
import pandas as pd
import pyogrio
from matplotlib import colormaps, rc_context
from matplotlib.axes import Axes
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath
from matplotlib.ticker import MaxNLocator
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.polygon import orient

from .atomic import atomic_path
from .safe_text import plot_text
from .timestamps import gdal_date

COUNTY_SHAPEFILE = "cb_2016_us_county_500k.shp"
BOUNDARY_CRS = "EPSG:4269"  # NAD83, the Census cartographic boundary files
DRAW_CRS = "EPSG:5070"  # NAD83 / CONUS Albers equal-area
GAP_CMAP = "PuOr"  # low (surplus, −) orange, high (students short, +) purple; light near zero
MISSING_COLOR = "#d9d9d9"
MISSING_HATCH = "///"
SURPLUS_HATCH = ".."  # classes of gap ≤ 0 (surplus) are dotted too, so the sign survives grey-scale printing
GAP_LEGEND_TITLE = "Gap: students short (+) / surplus (−) vs demand mix"
OVERVIEW_CMAP = "YlGnBu"  # ColorBrewer sequential, colour-blind safe; darker = mixes further apart
OVERVIEW_LEGEND_TITLE = "Dissimilarity index\n(0 = same mix, 1 = disjoint)"
PNG_DPI = 150
POINT_CRS = "EPSG:4269"  # IPEDS directory degrees (WGS84/NAD83; the two differ by < 2 m in the US)
INSTITUTION_LABEL = "Institution (IPEDS)"
INSTITUTION_COLUMNS = ["institution", "unitid", "county_fips", "region_id"]
INSTITUTION_LAYER_COLUMNS = [*INSTITUTION_COLUMNS, "region_name"]
MAP_RC = {
    "font.family": ["DejaVu Sans"],  # bundled with matplotlib: the same glyphs everywhere
    "text.hinting": "default",
    "svg.hashsalt": "alignment-maps",  # stable SVG ids
    "path.simplify": True,
}
GAP_LAYER_COLUMNS = [
    "region_id",
    "region_name",
    "year",
    "cluster_code",
    "cluster_name",
    "supply",
    "supply_text",
    "supply_share",
    "demand_share",
    "lq",
    "gap",
    "ratio",
]
#: shift-share columns added to ``gap_by_region`` when the run has two QCEW years (``alignment.shift_share``)
SHIFT_SHARE_LAYER_COLUMNS = {
    "base_year": "ss_base_year",
    "end_year": "ss_end_year",
    "change": "ss_change",
    "national_growth": "ss_national_growth",
    "industry_mix": "ss_industry_mix",
    "regional_share": "ss_regional_share",
}
SHIFT_SHARE_LAYER_NOTE = (
    " ss_*: the change in the cluster's jobs (QCEW) from ss_base_year to ss_end_year split into national "
    "growth (e0 x growth of all jobs in {base}), industry mix (e0 x (growth of the cluster in {base} - growth of "
    "all jobs)) and regional share (the rest); the three add up to ss_change; empty where a base-year value is "
    "missing or 0."
)
LAYER_DESCRIPTIONS = {
    "counties": "County boundaries with the region each county belongs to. CRS: {crs}, as the boundary file.",
    "regions": "Regions dissolved from their counties. CRS: {crs}, as the boundary file.",
    "institutions": (
        "Institutions of the run's supply (IPEDS completions) at their IPEDS directory coordinates, with the "
        "region of their county. Names and IDs only, no student counts. CRS: {crs}, as the boundary file."
    ),
    "openings_by_region": (
        "Completers against openings per region and career cluster, counted by occupation (each occupation in "
        "the cluster it belongs to most; one row per region x cluster, region polygon repeated): jobs, "
        "projected openings a year, the share of openings whose median wage reaches the family-supporting "
        "wage, and completers per opening (postsecondary completers of every program leading to the "
        "cluster's occupations, as far as the published counts allow: completers_text as printed, "
        "completers_per_opening_low/high the range; high empty where a withheld count leaves it open). "
        "CRS: {crs}, as the boundary file."
    ),
    "gap_by_region": (
        "Published supply-demand alignment per region and career cluster, {year} (one row per region x "
        "cluster, region polygon repeated). supply is empty where the count is hidden for student privacy "
        "and supply_text says why (e.g. '<10', 'withheld'); supply_share, gap and ratio of a hidden count are "
        "empty too. gap = demand equivalent - supply: positive = students short, negative = surplus. "
        "CRS: {crs}, as the boundary file."
    ),
}


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


_P = ParamSpec("_P")
_R = TypeVar("_R")


@contextmanager
def map_style() -> Iterator[None]:
    """Matplotlib settings of every map (:data:`MAP_RC`), for building a figure and for saving it."""
    with rc_context(MAP_RC):
        yield


def _styled(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run a plotting function under :func:`map_style` (fonts are fixed when the texts are made)."""

    @functools.wraps(func)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with map_style():
            return func(*args, **kwargs)

    return wrapper


def institution_points(institutions: pd.DataFrame, area: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Institutions as points in ``area``'s CRS: ``institution``, ``unitid``, ``county_fips``, ``region_id``.

    ``institutions`` is the supply stage's ``institutions.parquet`` (also ``latitude`` and ``longitude`` in
    degrees, IPEDS directory), or points this function returned. Only those four columns are kept, so no
    count can ride along. Rows without
    valid coordinates, and points not inside ``area`` (the state's counties or the mapped regions), are
    dropped and named in one warning; a map never shows a point outside its polygons. Input order is kept.

    >>> from shapely.geometry import box
    >>> area = gpd.GeoDataFrame(geometry=[box(-73, 44, -72, 45)], crs="EPSG:4269")
    >>> inst = pd.DataFrame({"institution": ["In", "Out"], "unitid": ["1", "2"], "county_fips": "50007",
    ...                      "region_id": "nw", "latitude": [44.5, 40.0], "longitude": [-72.5, -72.5]})
    >>> with warnings.catch_warnings(record=True) as notes:
    ...     points = institution_points(inst, area)
    >>> points["institution"].tolist(), len(notes)
    (['In'], 1)
    """
    is_points = isinstance(institutions, gpd.GeoDataFrame) and institutions.crs is not None
    needed = INSTITUTION_COLUMNS if is_points else [*INSTITUTION_COLUMNS, "latitude", "longitude"]
    missing = [c for c in needed if c not in institutions]
    if missing:
        raise ValueError(f"institutions lacks column(s) {', '.join(missing)} (see institutions.parquet)")
    if area.crs is None:
        raise ValueError("area has no CRS; load counties with load_counties()")
    attrs = institutions[INSTITUTION_COLUMNS].astype("string").reset_index(drop=True)
    if is_points:
        given = institutions.geometry.reset_index(drop=True)
        valid = (given.notna() & ~given.is_empty & (given.geom_type == "Point")).to_numpy()
        points = gpd.GeoDataFrame(attrs, geometry=given.where(valid, None), crs=institutions.crs)
    else:
        lat = pd.to_numeric(institutions["latitude"], errors="coerce").astype("float64").to_numpy()
        lon = pd.to_numeric(institutions["longitude"], errors="coerce").astype("float64").to_numpy()
        valid = np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
        geometry = [Point(x, y) if ok else None for x, y, ok in zip(lon, lat, valid, strict=True)]
        points = gpd.GeoDataFrame(attrs, geometry=geometry, crs=POINT_CRS)
    points = points.to_crs(area.crs)
    inside = np.zeros(len(points), dtype=bool)
    if valid.any():
        inside[valid] = points.geometry[valid].covered_by(area.union_all()).to_numpy()
    if not inside.all():
        dropped = points.loc[~inside]
        names = [f"{r.institution} ({r.unitid})" for r in dropped.itertuples()]
        warnings.warn(
            f"{len(names)} institution(s) without coordinates or outside the mapped counties are left off "
            "the map: " + ", ".join(names),
            UserWarning,
            stacklevel=2,
        )
    return points.loc[inside].reset_index(drop=True)


def _draw_institutions(ax: Axes, points: gpd.GeoDataFrame, *, size: float) -> None:
    """Draw the points (black dots with a white rim: visible on light and dark classes) above the polygons."""
    if points.empty:
        return
    drawn = points.to_crs(DRAW_CRS)
    dots = ax.scatter(
        drawn.geometry.x,
        drawn.geometry.y,
        s=size,
        marker="o",
        facecolor="black",
        edgecolor="white",
        linewidth=0.6,
        zorder=3.5,  # above the polygons (1–2) and the label boxes (3): a label never hides an institution
        label=INSTITUTION_LABEL,
    )
    dots.set_gid("institutions")


def _institution_handles(size: float) -> list[Line2D]:
    """The legend entry of the institution dots drawn with marker area ``size``."""
    return [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="none",
            markersize=max(math.sqrt(size), 4.5),
            markerfacecolor="black",
            markeredgecolor="white",
            label=INSTITUTION_LABEL,
        )
    ]


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
        return f"{plot_text(rows['cluster_name'].dropna().iloc[0])} ({plot_text(cluster_code)})"
    return cluster_code


def _surplus_classes(bounds: Sequence[float]) -> set[int]:
    """Indexes of the classes with no shortage (gap ≤ 0: surplus or balance): upper bound at most zero.

    >>> sorted(_surplus_classes([-100.0, -50.0, 0.0, 50.0, 100.0]))
    [0, 1, 2]
    """
    return {i for i, upper in enumerate(bounds) if upper <= 0}


def _gap_legend_handles(bounds: list[float]) -> list[Patch | Line2D]:
    colors = _class_colors(len(bounds))
    surplus = _surplus_classes(bounds)
    handles = [
        Patch(facecolor=c, edgecolor="0.3", label=label, hatch=SURPLUS_HATCH if i in surplus else None)
        for i, c, label in reversed(list(zip(range(len(colors)), colors, _class_labels(bounds), strict=True)))
    ]
    handles.append(
        Patch(facecolor=MISSING_COLOR, edgecolor="0.3", hatch=MISSING_HATCH, label="No data / suppressed")
    )
    return handles


@_styled
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
    labels: Literal["name", "value"] = "name",
    institutions: pd.DataFrame | None = None,
) -> Figure:
    """Choropleth of the supply–demand ``gap`` per region for one career cluster and year.

    Classes are symmetric around zero (:func:`gap_class_bounds`, or ``bounds``
    to share a scale between maps) and classified with
    ``mapclassify.UserDefined``; colours run from orange (surplus, −) through
    light to purple (students short, +). Regions without a gap (no row, or a
    suppressed cell) are grey and hatched. Each region is outlined and labelled
    with its name and signed gap (``labels="value"``: the gap only, for small
    panels); ``highlight_region`` gets a heavy outline. ``institutions``
    (``institutions.parquet``) adds a dot per institution inside the regions
    (:func:`institution_points`) and a legend entry "Institution (IPEDS)".
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
        idx = [min(int(c), len(colors) - 1) for c in classes.yb]
        surplus = _surplus_classes(bounds)
        drawn = shapes.loc[has_gap].assign(_face=[colors[i] for i in idx], _dots=[i in surplus for i in idx])
        for dots, part in drawn.groupby("_dots", sort=True):
            part.plot(
                ax=ax,
                color=list(part["_face"]),
                edgecolor="0.25",
                linewidth=0.8,
                hatch=SURPLUS_HATCH if dots else None,
            )
    if (~has_gap).any():
        shapes.loc[~has_gap].plot(
            ax=ax, color=MISSING_COLOR, hatch=MISSING_HATCH, edgecolor="0.25", linewidth=0.8
        )
    if highlight_region is not None:
        shapes.loc[shapes["region_id"] == highlight_region].boundary.plot(ax=ax, color="black", linewidth=2.6)
    point_handles = _institutions_layer(ax, institutions, region_shapes, size=14 if labels == "name" else 8)
    values = ["n/a" if pd.isna(r.gap) else f"{r.gap:+,.0f}".replace("-", "−") for r in shapes.itertuples()]
    texts = [
        f"{plot_text(r.region_name)}\n{v}" if labels == "name" else v
        for r, v in zip(shapes.itertuples(), values, strict=True)
    ]
    _label_regions(ax, shapes, texts, highlight=highlight_region, fontsize=8 if labels == "name" else 7)
    ax.set_axis_off()
    ax.set_title(textwrap.fill(f"Supply–demand gap, {_cluster_title(rows, cluster_code)}, {year}", 60))
    if legend:
        ax.legend(
            handles=[*_gap_legend_handles(bounds), *point_handles],
            title=GAP_LEGEND_TITLE + "\n(students, demand-equivalent)",
            loc="upper left",
            bbox_to_anchor=(1.0, 1.0),
            fontsize=8,
            title_fontsize=8,
        )
    return fig


def _institutions_layer(
    ax: Axes, institutions: pd.DataFrame | None, region_shapes: gpd.GeoDataFrame, *, size: float
) -> list[Line2D]:
    """Draw the institutions inside the regions (when given); the legend handles for them, if any were drawn."""
    if institutions is None:
        return []
    points = institution_points(institutions, region_shapes)
    _draw_institutions(ax, points, size=size)
    return _institution_handles(size) if not points.empty else []


def _label_regions(
    ax: Axes,
    shapes: gpd.GeoDataFrame,
    texts: Sequence[str],
    *,
    highlight: str | None = None,
    fontsize: float = 8,
    pad: float = 0.2,
    alpha: float = 0.75,
) -> None:
    """Each region's label at a point inside it, on a white box; the highlighted region's in bold."""
    for r, text in zip(shapes.itertuples(), texts, strict=True):
        point = r.geometry.representative_point()
        ax.annotate(
            text,
            xy=(point.x, point.y),
            ha="center",
            va="center",
            fontsize=fontsize,
            fontweight="bold" if highlight is not None and r.region_id == highlight else "normal",
            bbox={"boxstyle": f"round,pad={pad}", "facecolor": "white", "alpha": alpha, "linewidth": 0},
        )


#: classes of completers per opening (flags' thresholds) → colour, hatch; purple = short, orange = above
OPENINGS_CLASS_STYLE = {
    "short": (to_hex(colormaps[GAP_CMAP](0.92)), None),
    "between": (to_hex(colormaps[GAP_CMAP](0.5)), None),
    "above": (to_hex(colormaps[GAP_CMAP](0.1)), SURPLUS_HATCH),
}


def openings_class(low: float, high: float, under: float, over: float) -> str | None:
    """The class of a region's completers per opening, from the range the published counts allow: ``short``
    (at most ``under``), ``above`` (at least ``over``), ``between``, or None when the range spans classes or
    there is no figure.

    >>> [openings_class(*r, 0.5, 1.5) for r in [(0.1, 0.1), (0.3, 0.9), (2.0, float("nan")), (0.6, 1.2)]]
    ['short', None, 'above', 'between']
    """
    if pd.isna(low):
        return None
    if not pd.isna(high) and high <= under:
        return "short"
    if low >= over:
        return "above"
    if low > under and not pd.isna(high) and high < over:
        return "between"
    return None


def openings_value_text(low: float, high: float) -> str:
    """A region's completers per opening as a map label: one figure, a range, or "n/a".

    >>> openings_value_text(0.123, 0.123), openings_value_text(0.3, 0.52), openings_value_text(2.0, float("nan"))
    ('0.12', '0.30–0.52', '≥ 2.00')
    """
    if pd.isna(low):
        return "n/a"
    if pd.isna(high):
        return f"≥ {low:.2f}"
    return f"{low:.2f}" if abs(high - low) < 0.005 else f"{low:.2f}–{high:.2f}"


@_styled
def plot_openings_map(
    region_shapes: gpd.GeoDataFrame,
    openings: pd.DataFrame,
    cluster_code: str,
    *,
    cluster_name: str,
    year: int,
    under: float,
    over: float,
    highlight_region: str | None = None,
    institutions: pd.DataFrame | None = None,
) -> Figure:
    """Choropleth of completers per opening per region for one cluster's occupations
    (:func:`alignment.occupation_alignment.openings_by_cluster`), in three classes at the flags' thresholds:
    purple *short* (≤ ``under``), light *between*, orange and dotted *above* (≥ ``over``); grey and hatched
    where the published counts leave the class open or the cluster has no openings. Labels give each region's
    figure (a range where counts are withheld). Drawn in EPSG:5070 (equal-area).
    """
    rows = openings[openings["cluster_code"] == cluster_code]
    shapes = region_shapes[["region_id", "region_name", "geometry"]].merge(
        rows[["region_id", "completers_per_opening_low", "completers_per_opening_high"]],
        on="region_id",
        how="left",
    )
    shapes = shapes.to_crs(DRAW_CRS)
    low, high = shapes["completers_per_opening_low"], shapes["completers_per_opening_high"]
    shapes["_class"] = [openings_class(a, b, under, over) for a, b in zip(low, high, strict=True)]
    fig = Figure(figsize=(8.0, 6.5), layout="constrained")
    ax = fig.add_subplot()
    for cls, (color, hatch) in OPENINGS_CLASS_STYLE.items():
        part = shapes[shapes["_class"] == cls]
        if len(part):
            part.plot(ax=ax, color=color, edgecolor="0.25", linewidth=0.8, hatch=hatch)
    unknown = shapes[shapes["_class"].isna()]
    if len(unknown):
        unknown.plot(ax=ax, color=MISSING_COLOR, hatch=MISSING_HATCH, edgecolor="0.25", linewidth=0.8)
    if highlight_region is not None:
        shapes.loc[shapes["region_id"] == highlight_region].boundary.plot(ax=ax, color="black", linewidth=2.6)
    point_handles = _institutions_layer(ax, institutions, region_shapes, size=14)
    texts = [
        f"{plot_text(r.region_name)}\n"
        + openings_value_text(r.completers_per_opening_low, r.completers_per_opening_high)
        for r in shapes.itertuples()
    ]
    _label_regions(ax, shapes, texts, highlight=highlight_region)
    ax.set_axis_off()
    ax.set_title(textwrap.fill(f"Completers per opening, {plot_text(cluster_name)} occupations, {year}", 60))
    labels = {
        "above": f"{over:g} or more (above openings)",
        "between": f"between {under:g} and {over:g}",
        "short": f"{under:g} or less (short of openings)",
    }
    handles = [
        Patch(
            facecolor=OPENINGS_CLASS_STYLE[c][0], edgecolor="0.3", hatch=OPENINGS_CLASS_STYLE[c][1], label=t
        )
        for c, t in labels.items()
    ]
    handles.append(
        Patch(
            facecolor=MISSING_COLOR,
            edgecolor="0.3",
            hatch=MISSING_HATCH,
            label="Not known (withheld) / no openings",
        )
    )
    ax.legend(
        handles=[*handles, *point_handles],
        title="College completers a year\nper opening a year",
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        fontsize=8,
        title_fontsize=8,
    )
    return fig


@_styled
def plot_gap_small_multiples(
    region_shapes: gpd.GeoDataFrame,
    alignment: pd.DataFrame,
    cluster_codes: Sequence[str],
    *,
    year: int,
    ncols: int = 3,
    institutions: pd.DataFrame | None = None,
) -> Figure:
    """One page of gap maps, one per cluster, on one shared symmetric scale and legend.

    Meant for 4–6 clusters. Each panel is titled with the cluster name (wrapped) and labels every region
    with its signed gap only; region names are on the full-size map (:func:`plot_gap_map`).
    ``institutions`` puts the same dots on every panel, with one legend entry for the page.
    """
    if not cluster_codes:
        raise ValueError("cluster_codes is empty: name at least one cluster to map")
    picked = alignment[alignment["cluster_code"].isin(cluster_codes) & (alignment["year"] == year)]
    bounds = gap_class_bounds(picked["gap"])
    ncols = min(ncols, len(cluster_codes))
    nrows = math.ceil(len(cluster_codes) / ncols)
    fig = Figure(figsize=(3.6 * ncols + 2.6, 3.4 * nrows + 0.8), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    points = institution_points(institutions, region_shapes) if institutions is not None else None
    for ax, code in zip(axes, cluster_codes, strict=False):
        plot_gap_map(
            region_shapes,
            alignment,
            code,
            year=year,
            ax=ax,
            bounds=bounds,
            legend=False,
            labels="value",
            institutions=points,
        )
        rows = _gap_for(alignment, code, year)
        names = rows["cluster_name"].dropna() if "cluster_name" in rows else pd.Series(dtype="string")
        title = plot_text(names.iloc[0] if len(names) else code)
        ax.set_title(textwrap.fill(title, 34), fontsize=9)
    for ax in axes[len(cluster_codes) :]:
        ax.set_axis_off()
    fig.suptitle(f"Supply–demand gap by career cluster, {year}")
    point_handles = _institution_handles(8) if points is not None and not points.empty else []
    fig.legend(
        handles=[*_gap_legend_handles(bounds), *point_handles],
        title=GAP_LEGEND_TITLE + "\n(students, demand-equivalent)",
        loc="outside lower center",
        ncols=4,
        fontsize=8,
        title_fontsize=8,
    )
    return fig


def write_geopackage(
    path: Path,
    layers: Mapping[str, gpd.GeoDataFrame],
    descriptions: Mapping[str, str] | None = None,
    geometry_types: Mapping[str, str] | None = None,
) -> Path:
    """Write several layers into one GeoPackage atomically (temp file in the same folder, then rename).

    ``descriptions``: layer name → text stored as the layer's GeoPackage
    description (``gpkg_contents.description``, shown by QGIS and ``ogrinfo``).
    ``geometry_types``: layer name → OGR geometry type (``"Point"``), so an
    empty layer is still typed; other layers take the type of their rows.
    """
    path = Path(path)
    if not layers:
        raise ValueError("layers is empty: a GeoPackage needs at least one layer")
    descriptions = dict(descriptions or {})
    # GDAL stamps each layer's last_change with the current time unless told otherwise
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": gdal_date()})
    try:
        with atomic_path(path, suffix=".gpkg") as tmp:
            for name, layer in layers.items():
                options = {"DESCRIPTION": descriptions[name]} if name in descriptions else None
                typed = (
                    {"geometry_type": geometry_types[name]}
                    if geometry_types and name in geometry_types
                    else {}
                )
                layer.to_file(
                    tmp, layer=name, driver="GPKG", engine="pyogrio", layer_options=options, **typed
                )
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})
    return path


def _published_supply_text(value: object) -> str | None:
    """A published supply cell as text: the count ("95"), or why it is hidden ("<10", "withheld")."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        return f"{float(value):.0f}" if float(value).is_integer() else f"{float(value):g}"
    return str(value)


def run_geopackage(
    path: Path,
    counties: gpd.GeoDataFrame,
    regions: pd.DataFrame,
    published_alignment: pd.DataFrame,
    *,
    year: int,
    institutions: pd.DataFrame | None = None,
    openings: pd.DataFrame | None = None,
    shift_share: pd.DataFrame | None = None,
) -> Path:
    """One GeoPackage for GIS users: ``counties``, ``regions``, ``gap_by_region`` (+ ``institutions``,
    ``openings_by_region``).

    - ``counties``: ``county_fips``, ``county_name``, ``region_id``, ``region_name`` (counties of the
      regions table that have a boundary).
    - ``regions``: the counties dissolved into regions (:func:`region_shapes`): ``region_id``,
      ``region_name``.
    - ``gap_by_region``: one row per region × cluster of ``year`` (long form, the region polygon
      repeated): ``region_id``, ``region_name``, ``year``, ``cluster_code``, ``cluster_name``,
      ``supply`` (number, empty where hidden), ``supply_text`` (as published: the count, ``<10``,
      ``withheld``…), ``supply_share``, ``demand_share``, ``lq``, ``gap``, ``ratio``;
      with ``shift_share`` (the run's :mod:`alignment.shift_share` table, when it has rows) also
      ``ss_base_year``, ``ss_end_year``, ``ss_change``, ``ss_national_growth``, ``ss_industry_mix``,
      ``ss_regional_share`` (:data:`SHIFT_SHARE_LAYER_COLUMNS`).
    - ``institutions`` (only when ``institutions``, the supply stage's ``institutions.parquet``, is given):
      one point per institution inside the state's counties (:func:`institution_points`; others dropped
      with a warning): ``institution``, ``unitid``, ``county_fips``, ``region_id``, ``region_name``. No counts.
    - ``openings_by_region`` (only when ``openings``,
      :func:`alignment.occupation_alignment.openings_by_cluster`, is given): one row per region × cluster with
      ``region_name`` and ``cluster_name`` added; completer figures only as the published counts allow.

    Returns ``path``.

    ``published_alignment`` must be the protected table,
    ``alignment.publish.protect_tables(tables, cfg)["alignment"]``: hidden counts and what
    derives from them stay empty (NULL). Geometry stays in the boundary file's CRS (NAD83 geographic,
    EPSG:4269, for the Census files), stated in each layer's description. Written atomically.
    """
    if "supply_suppressed" not in published_alignment or "supply_text" not in published_alignment:
        raise ValueError(
            "published_alignment must be the protected alignment table "
            "(alignment.publish.protect_tables(tables, cfg)['alignment']), not the raw one"
        )
    if counties.crs is None:
        raise ValueError("counties has no CRS; load them with load_counties()")
    links = regions[["county_fips", "region_id", "region_name"]].drop_duplicates("county_fips")
    county_layer = counties[["county_fips", "county_name", "geometry"]].merge(
        links, on="county_fips", how="inner"
    )
    county_layer = county_layer[["county_fips", "county_name", "region_id", "region_name", "geometry"]]
    county_layer = county_layer.sort_values("county_fips", ignore_index=True)
    shapes = region_shapes(counties, regions)[["region_id", "region_name", "geometry"]]

    rows = published_alignment[published_alignment["year"] == year].copy()
    missing = sorted(set(rows["region_id"].astype(str)) - set(shapes["region_id"].astype(str)))
    if missing:
        warnings.warn(
            f"{len(missing)} region(s) have no boundary and are left out of gap_by_region: "
            + ", ".join(missing),
            UserWarning,
            stacklevel=2,
        )
    hidden = rows["supply_suppressed"].astype(bool)
    rows["supply"] = pd.to_numeric(rows["supply"], errors="coerce").astype("Float64").mask(hidden)
    rows["supply_text"] = pd.array([_published_supply_text(v) for v in rows["supply_text"]], dtype="string")
    for col in ("supply_share", "demand_share", "lq", "gap", "ratio"):
        rows[col] = pd.to_numeric(rows[col], errors="coerce").astype("Float64")
    rows["year"] = rows["year"].astype("int64")
    gap_layer = shapes[["region_id", "region_name", "geometry"]].merge(
        rows.drop(columns=["geometry", "region_name"], errors="ignore"), on="region_id", how="inner"
    )
    extra: list[str] = []
    if shift_share is not None and len(shift_share):
        ss = shift_share[["region_id", "cluster_code", *SHIFT_SHARE_LAYER_COLUMNS]]
        gap_layer = gap_layer.merge(
            ss.rename(columns=SHIFT_SHARE_LAYER_COLUMNS), on=["region_id", "cluster_code"], how="left"
        )
        extra = list(SHIFT_SHARE_LAYER_COLUMNS.values())
    gap_layer = gap_layer[[*GAP_LAYER_COLUMNS, *extra, "geometry"]].sort_values(
        ["region_id", "cluster_code"], ignore_index=True
    )
    layers = {
        "counties": county_layer,
        "regions": shapes,
        "gap_by_region": gpd.GeoDataFrame(gap_layer, crs=counties.crs),
    }
    if institutions is not None:
        points = institution_points(institutions, counties)
        names = links[["region_id", "region_name"]].drop_duplicates("region_id")
        points = points.merge(names, on="region_id", how="left")
        layers["institutions"] = points[[*INSTITUTION_LAYER_COLUMNS, "geometry"]]
    if openings is not None:
        names = gap_layer[["cluster_code", "cluster_name"]].drop_duplicates("cluster_code")
        o = shapes.merge(openings, on="region_id", how="inner").merge(names, on="cluster_code", how="left")
        cols = ["region_id", "region_name", "cluster_code", "cluster_name"]
        cols += [c for c in openings.columns if c not in cols]
        o = o[[*cols, "geometry"]].sort_values(["region_id", "cluster_code"], ignore_index=True)
        layers["openings_by_region"] = gpd.GeoDataFrame(o, crs=counties.crs)
    crs = counties.crs.to_string()
    descriptions = {name: text.format(crs=crs, year=year) for name, text in LAYER_DESCRIPTIONS.items()}
    if extra:
        base = str(shift_share["base_area"].iloc[0])
        descriptions["gap_by_region"] += SHIFT_SHARE_LAYER_NOTE.format(base=base)
    return write_geopackage(path, layers, descriptions, geometry_types={"institutions": "Point"})


def _polygon_path(geometry: Polygon | MultiPolygon) -> MplPath:
    """One matplotlib path for a (multi)polygon, holes included (exteriors CCW, holes CW)."""
    parts = list(geometry.geoms) if isinstance(geometry, MultiPolygon) else [geometry]
    rings = []
    for part in parts:
        part = orient(part, 1.0)
        rings.append(MplPath(np.asarray(part.exterior.coords)[:, :2], closed=True))
        rings.extend(MplPath(np.asarray(r.coords)[:, :2], closed=True) for r in part.interiors)
    return MplPath.make_compound_path(*rings)


def dissimilarity_class_bounds(values: Sequence[float] | pd.Series, n_classes: int = 5) -> list[float]:
    """Class edges (lowest first) for mapping a dissimilarity index: "nice" steps spanning the values, in [0, 1].

    >>> dissimilarity_class_bounds([0.37, 0.404, 0.457])
    [0.36, 0.38, 0.4, 0.42, 0.44, 0.46]
    >>> dissimilarity_class_bounds([0.25, 0.25])
    [0.2, 0.3]
    >>> dissimilarity_class_bounds([])
    [0.0, 1.0]
    """
    v = pd.to_numeric(pd.Series(values, dtype="object"), errors="coerce").astype("float64").dropna()
    if v.empty:
        return [0.0, 1.0]
    lo, hi = float(v.min()), float(v.max())
    if lo == hi:  # one value: one class, the tenth it falls in
        start = min(math.floor(round(lo * 10, 9)) / 10, 0.9)
        return [max(start, 0.0), round(max(start, 0.0) + 0.1, 10)]
    edges = MaxNLocator(nbins=n_classes, steps=[1, 2, 2.5, 5, 10]).tick_values(lo, hi)
    edges = [round(float(e), 10) for e in edges]
    while len(edges) > 2 and edges[1] <= lo:  # MaxNLocator may pad a step below the minimum …
        edges = edges[1:]
    while len(edges) > 2 and edges[-2] >= hi:  # … or above the maximum
        edges = edges[:-1]
    edges = sorted({min(max(e, 0.0), 1.0) for e in edges})
    return edges if len(edges) > 1 else [0.0, 1.0]


def _overview_colors(n_classes: int) -> list[str]:
    cmap = colormaps[OVERVIEW_CMAP]
    if n_classes == 1:
        return [to_hex(cmap(0.5))]
    return [to_hex(cmap(0.12 + 0.76 * i / (n_classes - 1))) for i in range(n_classes)]


def _widest_shortfall(published_alignment: pd.DataFrame, year: int) -> dict[str, str]:
    """region_id → name of the cluster with the largest published positive gap (hidden gaps ignored)."""
    rows = published_alignment[published_alignment["year"] == year].copy()
    rows["gap"] = pd.to_numeric(rows["gap"], errors="coerce").astype("float64")
    rows = rows[rows["gap"] > 0].sort_values(
        ["region_id", "gap", "cluster_code"], ascending=[True, False, True]
    )
    top = rows.drop_duplicates("region_id")
    name = top["cluster_name"].where(top["cluster_name"].notna(), top["cluster_code"])
    return dict(zip(top["region_id"].astype(str), name.astype(str), strict=True))


@_styled
def plot_state_overview(
    region_shapes: gpd.GeoDataFrame,
    published_alignment: pd.DataFrame,
    dissimilarity: pd.DataFrame,
    *,
    year: int,
    institutions: pd.DataFrame | None = None,
    demand_year: int | None = None,
) -> Figure:
    """Statewide map of the regions coloured by their dissimilarity index in ``year`` (jobs of ``demand_year``
    when it differs: the title then names both years).

    The index (``align.dissimilarity``, D = ½ Σ |supply share − demand share|) runs from 0 (the
    programs' cluster mix matches the job mix) to 1 (disjoint). Regions are classed on "nice" steps
    (:func:`dissimilarity_class_bounds`) and coloured light → dark on ColorBrewer YlGnBu (sequential,
    colour-blind safe); a region without an index is grey and hatched. Each region is drawn as one
    patch (``gid`` = ``region_id``) and labelled with its name and its index; a side list names
    each region's cluster with the widest published shortfall of students (from ``published_alignment``,
    so hidden gaps are never used). ``institutions`` adds the institution dots
    (:func:`institution_points`). Drawn in EPSG:5070 (equal-area).
    """
    d = dissimilarity[dissimilarity["year"] == year]
    if d["region_id"].duplicated().any():
        raise ValueError(f"dissimilarity has more than one row per region for year {year}")
    shapes = region_shapes[["region_id", "region_name", "geometry"]].merge(
        d[["region_id", "dissimilarity"]], on="region_id", how="left"
    )
    shapes = shapes.to_crs(DRAW_CRS).sort_values("region_id", ignore_index=True)
    values = pd.to_numeric(shapes["dissimilarity"], errors="coerce").astype("float64")
    edges = dissimilarity_class_bounds(values)
    colors = _overview_colors(len(edges) - 1)
    shortfall = _widest_shortfall(published_alignment, year)

    fig = Figure(figsize=(9.0, 6.4), layout="constrained")
    ax = fig.add_subplot()
    for r, value in zip(shapes.itertuples(), values, strict=True):
        if math.isnan(value):
            style = {"facecolor": MISSING_COLOR, "hatch": MISSING_HATCH}
        else:
            k = int(np.searchsorted(edges, value, side="right")) - 1
            style = {"facecolor": colors[min(max(k, 0), len(colors) - 1)]}
        patch = PathPatch(_polygon_path(r.geometry), edgecolor="0.2", linewidth=0.9, **style)
        patch.set_gid(str(r.region_id))
        ax.add_patch(patch)
    point_handles = _institutions_layer(ax, institutions, region_shapes, size=14)
    texts = [
        f"{plot_text(r.region_name)}\n{'n/a' if math.isnan(value) else f'{value:.2f}'}"
        for r, value in zip(shapes.itertuples(), values, strict=True)
    ]
    _label_regions(ax, shapes, texts, pad=0.25, alpha=0.8)
    minx, miny, maxx, maxy = shapes.total_bounds
    pad = max(maxx - minx, maxy - miny)
    ax.set_xlim(minx - 0.1 * pad, maxx + 0.1 * pad)  # room for the labels of edge regions
    ax.set_ylim(miny - 0.03 * pad, maxy + 0.03 * pad)
    ax.set_aspect("equal")
    ax.set_axis_off()
    years = str(year) if demand_year in (None, year) else f"students {year}, jobs {demand_year}"
    ax.set_title(f"How far each region's program mix is from its job mix, {years}")
    handles = [
        Patch(facecolor=c, edgecolor="0.3", label=f"{lo:.2f} to {hi:.2f}")
        for c, lo, hi in reversed(list(zip(colors, edges[:-1], edges[1:], strict=True)))
    ]
    if values.isna().any():
        handles.append(Patch(facecolor=MISSING_COLOR, edgecolor="0.3", hatch=MISSING_HATCH, label="No data"))
    ax.legend(
        handles=[*handles, *point_handles],
        title=OVERVIEW_LEGEND_TITLE,
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        fontsize=8,
        title_fontsize=8,
    )
    names = dict(zip(shapes["region_id"].astype(str), shapes["region_name"].astype(str), strict=True))
    short = [(names[rid], cluster) for rid, cluster in shortfall.items() if rid in names]
    if short:
        fig.legend(
            handles=[Patch(visible=False) for _ in short],
            labels=[f"{plot_text(region)}: {plot_text(cluster)}" for region, cluster in sorted(short)],
            title="Cluster with the widest shortfall of students (published gaps only)",
            loc="outside lower center",
            ncols=min(3, len(short)),
            fontsize=7.5,
            title_fontsize=8,
            handlelength=0,
            handletextpad=0,
            frameon=False,
        )
    return fig


def figure_png(fig: Figure, *, dpi: int = PNG_DPI) -> bytes:
    """The figure as PNG bytes; the same figure always gives the same bytes (no software/date metadata).

    Saved under :func:`map_style` at a fixed ``dpi`` (the figure's own size, no tight bounding box).
    """
    buf = BytesIO()
    with map_style():
        fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()
