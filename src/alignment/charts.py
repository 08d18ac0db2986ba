"""Charts for the regional reports: supply vs demand, location quotients, program wages.

Every function draws with matplotlib only, returns the :class:`~matplotlib.figure.Figure`
and takes an optional ``ax`` to draw into. Figures are created with
``matplotlib.figure.Figure`` (not pyplot), so a notebook shows each one once and
batch runs do not pile up open figures.

Colours come from the Okabe–Ito palette (safe for the common colour-vision
deficiencies); the two series of a chart also differ by hatching, so a chart
still reads when printed in grey-scale. Each chart has an ``alt_text_*`` twin
that says in one or two sentences what the chart shows, for the report's
``alt`` attributes.
"""

from __future__ import annotations

import math
import textwrap

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .family_wage import meets_family_wage
from .safe_text import plain_text, plot_text

# Okabe & Ito (2008), "Color Universal Design".
OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
}
SUPPLY_COLOR = OKABE_ITO["blue"]
DEMAND_COLOR = OKABE_ITO["orange"]
ABOVE_COLOR = OKABE_ITO["blue"]
BELOW_COLOR = OKABE_ITO["vermillion"]
BELOW_HATCH = "//"


def _figure_and_axes(ax: Axes | None, n_bars: int) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax
    height = max(3.0, 0.45 * n_bars + 1.6)
    fig = Figure(figsize=(8.0, height), layout="constrained")
    return fig, fig.add_subplot()


def _one_region(table: pd.DataFrame, *, jobs: bool = False) -> tuple[str, str]:
    """The (region name, year) of a one-region alignment table; ValueError otherwise.

    The year is the data year of what the chart shows: with ``jobs`` (a chart of jobs alone) the demand year;
    otherwise the analysis year, or "students 2024, jobs 2016" when the alignment took its demand from another
    year (``demand_year``).

    >>> t = pd.DataFrame({"region_id": ["r"], "region_name": ["North"], "year": [2024], "demand_year": [2016]})
    >>> _one_region(t), _one_region(t, jobs=True)
    (('North', 'students 2024, jobs 2016'), ('North', '2016'))
    """
    regions = table["region_id"].dropna().unique() if "region_id" in table else []
    if len(regions) > 1:
        raise ValueError(f"expected the alignment rows of one region, got {len(regions)}: {sorted(regions)}")
    name = ""
    if "region_name" in table and table["region_name"].notna().any():
        name = str(table["region_name"].dropna().iloc[0])
    elif len(regions):
        name = str(regions[0])
    year = ""
    if "year" in table and table["year"].notna().any():
        year = str(table["year"].dropna().iloc[0])
    if "demand_year" in table and table["demand_year"].notna().any():
        demand = str(int(table["demand_year"].dropna().iloc[0]))
        if jobs:
            year = demand
        elif demand != year:
            year = f"students {year}, jobs {demand}"
    return name, year


def _cluster_labels(table: pd.DataFrame) -> pd.Series:
    if "cluster_name" in table:
        return table["cluster_name"].fillna(table["cluster_code"]).astype(str)
    return table["cluster_code"].astype(str)


def _title(what: str, name: str, year: str) -> str:
    title = f"{plot_text(name)}: {what}" if name else what[:1].upper() + what[1:]
    return f"{title}, {year}" if year else title


def _legend_below(ax: Axes, own_figure: bool) -> None:
    """A legend under the chart when the figure is ours, else inside the axes."""
    if own_figure:
        ax.figure.legend(loc="outside lower center", ncols=2, frameon=False)
    else:
        ax.legend(loc="best")


def _missing_note(xlabel: str, what: str, missing: list[str]) -> str:
    """The axis label, then the named items it leaves out, wrapped so a long list keeps the figure's width."""
    if not missing:
        return xlabel
    return xlabel + "\n" + textwrap.fill(f"{what}: {', '.join(plot_text(m) for m in missing)}", 110)


def _supply_vs_demand_rows(alignment_region: pd.DataFrame) -> pd.DataFrame:
    rows = alignment_region.assign(label=_cluster_labels(alignment_region))
    rows = rows.sort_values(["demand_share", "cluster_code"], ascending=[False, True], na_position="last")
    return rows.reset_index(drop=True)


def plot_supply_vs_demand(
    alignment_region: pd.DataFrame, *, ax: Axes | None = None, missing: str = "suppressed"
) -> Figure:
    """Paired horizontal bars: each cluster's share of program supply vs of regional employment.

    ``alignment_region`` holds the alignment rows of one region (columns
    ``cluster_code``, ``cluster_name``, ``supply_share``, ``demand_share``,
    ``supply_measure``, ``region_name``, ``year``). Clusters are sorted by
    demand share, largest at the top. A suppressed supply share is not drawn
    and is marked "suppressed" (or ``missing``, e.g. "no programs") instead of
    being shown as zero.
    """
    rows = _supply_vs_demand_rows(alignment_region)
    name, year = _one_region(alignment_region)
    own = ax is None
    fig, ax = _figure_and_axes(ax, len(rows))
    measure = "students"
    if "supply_measure" in rows and rows["supply_measure"].notna().any():
        measure = str(rows["supply_measure"].dropna().iloc[0])
    y = pd.Series(range(len(rows)), dtype="float64")
    height = 0.4
    supply = pd.to_numeric(rows["supply_share"], errors="coerce").astype("float64") * 100
    demand = pd.to_numeric(rows["demand_share"], errors="coerce").astype("float64") * 100
    ax.barh(
        y - height / 2,
        supply.fillna(0),
        height,
        color=SUPPLY_COLOR,
        edgecolor="black",
        linewidth=0.5,
        label=f"Program supply (% of {measure})",
    )
    ax.barh(
        y + height / 2,
        demand.fillna(0),
        height,
        color=DEMAND_COLOR,
        edgecolor="black",
        linewidth=0.5,
        hatch=BELOW_HATCH,
        label="Industry demand (% of employment)",
    )
    for i, value in supply.items():
        if math.isnan(value):
            ax.text(0.5, y[i] - height / 2, missing, va="center", fontsize=8, style="italic")
    ax.set_yticks(y, [plot_text(label) for label in rows["label"]])
    ax.invert_yaxis()
    missing_labels = rows.loc[supply.isna(), "label"].tolist()
    what = "Supply suppressed" if missing == "suppressed" else missing[:1].upper() + missing[1:]
    ax.set_xlabel(_missing_note("Share of the region's total (%)", what, missing_labels))
    ax.set_title(_title("program supply vs industry demand by career cluster", name, year))
    _legend_below(ax, own)
    ax.grid(axis="x", color="0.85", linewidth=0.6)
    ax.set_axisbelow(True)
    return fig


def alt_text_supply_vs_demand(
    alignment_region: pd.DataFrame, *, top: int = 3, missing: str = "suppressed"
) -> str:
    """One-paragraph description of :func:`plot_supply_vs_demand` for an ``alt`` attribute.

    >>> t = pd.DataFrame({"region_id": ["r"], "region_name": ["North"], "year": [2024],
    ...     "cluster_code": ["AG"], "cluster_name": ["Agriculture"], "supply_share": [0.25],
    ...     "demand_share": [0.1]})
    >>> alt_text_supply_vs_demand(t)
    'Bar chart for North, 2024: share of program supply vs share of employment by career cluster. Agriculture: supply 25.0%, demand 10.0%.'
    """  # noqa: E501
    rows = _supply_vs_demand_rows(alignment_region).head(top)
    name, year = _one_region(alignment_region)
    parts = []
    for _, r in rows.iterrows():
        s = missing if pd.isna(r["supply_share"]) else f"{100 * r['supply_share']:.1f}%"
        d = "not available" if pd.isna(r["demand_share"]) else f"{100 * r['demand_share']:.1f}%"
        parts.append(f"{r['label']}: supply {s}, demand {d}")
    where = ", ".join(p for p in (name, year) if p)
    return plain_text(
        f"Bar chart for {where}: share of program supply vs share of employment by career cluster. "
        + "; ".join(parts)
        + "."
    )


def plot_location_quotients(alignment_region: pd.DataFrame, *, ax: Axes | None = None) -> Figure:
    """Horizontal bars of each cluster's employment location quotient, with a reference line at 1.0.

    LQ = (E_cluster,region / E_total,region) / (E_cluster,US / E_total,US):
    above 1 the region is more concentrated in the cluster than the nation.
    Bars above 1 are blue, bars below 1 vermillion and hatched. Clusters
    without an LQ are listed in a note under the chart.
    """
    name, year = _one_region(alignment_region, jobs=True)
    rows = alignment_region.assign(label=_cluster_labels(alignment_region))
    rows = rows.assign(lq=pd.to_numeric(rows["lq"], errors="coerce").astype("float64"))
    missing = rows.loc[rows["lq"].isna(), "label"].tolist()
    rows = rows.dropna(subset=["lq"]).sort_values(["lq", "cluster_code"], ascending=[False, True])
    rows = rows.reset_index(drop=True)
    own = ax is None
    fig, ax = _figure_and_axes(ax, len(rows))
    above = rows["lq"] >= 1
    ax.barh(
        rows.index,
        rows["lq"],
        color=[ABOVE_COLOR if a else BELOW_COLOR for a in above],
        hatch=[None if a else BELOW_HATCH for a in above],
        edgecolor="black",
        linewidth=0.5,
    )
    ax.axvline(
        1.0, color="black", linestyle="--", linewidth=1.2, label="LQ = 1 (same concentration as the U.S.)"
    )
    ax.set_yticks(rows.index, [plot_text(label) for label in rows["label"]])
    ax.invert_yaxis()
    ax.set_xlabel(
        _missing_note(
            "Location quotient (regional share ÷ U.S. share of employment)",
            "No LQ (suppressed or not available)",
            missing,
        )
    )
    ax.set_title(_title("employment location quotient by career cluster", name, year))
    _legend_below(ax, own)
    return fig


def alt_text_location_quotients(alignment_region: pd.DataFrame) -> str:
    """Description of :func:`plot_location_quotients`: clusters above and below an LQ of 1.

    >>> t = pd.DataFrame({"cluster_code": ["A", "B"], "cluster_name": ["Agri", "Build"], "lq": [1.5, 0.5]})
    >>> alt_text_location_quotients(t)
    'Bar chart of employment location quotients by career cluster. Above 1 (more concentrated than the U.S.): Agri (1.50). Below 1: Build (0.50).'
    """  # noqa: E501
    name, year = _one_region(alignment_region, jobs=True)
    rows = alignment_region.assign(label=_cluster_labels(alignment_region))
    rows = rows.dropna(subset=["lq"]).sort_values(["lq", "cluster_code"], ascending=[False, True])
    above = [f"{r.label} ({r.lq:.2f})" for r in rows.itertuples() if r.lq >= 1]
    below = [f"{r.label} ({r.lq:.2f})" for r in rows.itertuples() if r.lq < 1]
    where = ", ".join(p for p in (name, year) if p)
    head = "Bar chart of employment location quotients by career cluster" + (f" for {where}" if where else "")
    return plain_text(
        f"{head}. Above 1 (more concentrated than the U.S.): {', '.join(above) or 'none'}. "
        f"Below 1: {', '.join(below) or 'none'}."
    )


def _program_labels(program_wages: pd.DataFrame) -> pd.Series:
    labels = program_wages["program_name"].astype("string").fillna("unnamed program")
    if "cip" in program_wages and labels.duplicated(keep=False).any():
        labels = labels + " (" + program_wages["cip"].astype("string").fillna("no CIP") + ")"
    return labels.astype(str)


def plot_program_wages(
    program_wages: pd.DataFrame,
    family_wage_hourly: float,
    *,
    ax: Axes | None = None,
    floor_share: float = 1.0,
) -> Figure:
    """Horizontal bars of each program's hourly wage with the family-supporting threshold drawn in.

    ``program_wages`` has one row per program: ``program_name``,
    ``wage_hourly_usd`` (e.g. the median hourly wage of the occupations the
    program leads to) and optionally ``cip``, ``wage_flag``, ``region_name``,
    ``year``. Programs that do not meet the family-supporting wage
    (:func:`alignment.family_wage.meets_family_wage`: below ``floor_share`` × ``family_wage_hourly``)
    are vermillion and hatched; programs without a wage are named in a note instead of drawn as zero.
    """
    rows = program_wages.assign(
        label=_program_labels(program_wages),
        wage=pd.to_numeric(program_wages["wage_hourly_usd"], errors="coerce").astype("float64"),
    )
    missing = rows.loc[rows["wage"].isna(), "label"].tolist()
    rows = rows.dropna(subset=["wage"]).sort_values(["wage", "label"], ascending=[False, True])
    rows = rows.reset_index(drop=True)
    own = ax is None
    fig, ax = _figure_and_axes(ax, len(rows))
    above = meets_family_wage(rows["wage"], family_wage_hourly, floor_share).fillna(False).astype(bool)
    ax.barh(
        rows.index,
        rows["wage"],
        color=[ABOVE_COLOR if a else BELOW_COLOR for a in above],
        hatch=[None if a else BELOW_HATCH for a in above],
        edgecolor="black",
        linewidth=0.5,
    )
    if "wage_flag" in rows:
        for i, flag in rows["wage_flag"].items():
            if flag == "top_coded":
                ax.text(rows.at[i, "wage"], i, " top-coded (at least)", va="center", fontsize=8)
    ax.axvline(
        family_wage_hourly,
        color="black",
        linestyle="--",
        linewidth=1.2,
        label=f"Family-supporting wage ${family_wage_hourly:,.2f}/hour",
    )
    ax.annotate(
        f"family-supporting\n${family_wage_hourly:,.2f}/hour",
        xy=(family_wage_hourly, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(3, -3),
        textcoords="offset points",
        va="top",
        fontsize=8,
    )
    ax.set_yticks(rows.index, [plot_text(label) for label in rows["label"]])
    ax.set_ylim(len(rows) - 0.5, -1.3)  # headroom above the top bar for the threshold label
    right = max([family_wage_hourly, *rows["wage"].tolist()])
    ax.set_xlim(0, right * 1.25)  # room for the "top-coded" notes
    ax.set_xlabel(
        _missing_note("Hourly wage (USD per hour)", "No wage (suppressed or not available)", missing)
    )
    name, year = _one_region(program_wages)
    ax.set_title(_title("hourly wage of the occupations each program leads to", name, year))
    _legend_below(ax, own)
    return fig


def alt_text_program_wages(
    program_wages: pd.DataFrame, family_wage_hourly: float, floor_share: float = 1.0
) -> str:
    """Description of :func:`plot_program_wages`: which programs are below the threshold.

    >>> t = pd.DataFrame({"program_name": ["Welding", "Culinary"], "wage_hourly_usd": [31.0, 16.5]})
    >>> alt_text_program_wages(t, 24.0)
    'Bar chart of hourly wages for 2 programs against a family-supporting wage of $24.00/hour. 1 program(s) below it: Culinary ($16.50).'
    """  # noqa: E501
    rows = program_wages.assign(
        label=_program_labels(program_wages),
        wage=pd.to_numeric(program_wages["wage_hourly_usd"], errors="coerce").astype("float64"),
    )
    meets = meets_family_wage(rows["wage"], family_wage_hourly, floor_share)
    below = rows[meets.eq(False).fillna(False).astype(bool)].sort_values(["wage", "label"])
    listed = ", ".join(f"{r.label} (${r.wage:,.2f})" for r in below.itertuples())
    text = (
        f"Bar chart of hourly wages for {len(rows)} programs against a family-supporting wage of "
        f"${family_wage_hourly:,.2f}/hour"
        + (f" (a program meets it at {floor_share:.0%} of it)" if floor_share != 1 else "")
        + f". {len(below)} program(s) below it"
    )
    return plain_text(text + (f": {listed}." if listed else "."))
