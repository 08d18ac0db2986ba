"""Excel workbooks of a run: one per region (``<region>/tables.xlsx``) and one for the whole state.

Each workbook holds the processed tables as a reader can use them in a spreadsheet: a *Read me* sheet
(title, run, year, sources, the definition and unit of every column, the privacy rule), then one sheet per
table with a bold header row, frozen panes, an autofilter and number formats.

What may be published is decided here, once, for every sheet (:func:`protect_tables`):

- every student count goes through :func:`alignment.privacy.suppress_counts` (clusters grouped by region ×
  year, programs by region × year × cluster); a hidden count is written as ``<10`` (``0 < n < threshold``),
  ``withheld`` (complementary suppression, or a group withheld whole), ``suppressed`` (suppressed in the
  source file) or ``not reported`` (missing in the source file);
- the alignment table goes through :func:`alignment.publish.protect_alignment`, so the share, gap and
  ratio of a hidden count are blank; a cluster count hidden on one sheet is hidden on every sheet, and the
  programs of a hidden cluster total are hidden as well, so no sheet gives back what another hides;
- a flag on a cluster whose count is hidden loses its severity (it is computed from the count) and, where the
  reason would quote the withheld count, gets a reason without numbers.

Text cells are always written as text: a value starting with ``=``, ``+``, ``-``, ``@``, tab or CR gets
Excel's quote prefix and never becomes a formula. Two writes of the same tables give byte-identical files
(fixed document dates and zip timestamps).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .. import __version__
from ..atomic import atomic_path
from ..config import Config
from ..constants import FLAG_CODES, default_thresholds
from ..decisions import completers_text
from ..family_wage import meets_family_wage
from ..publish import MEASURES, protect_tables
from ..publish import privacy_threshold as _threshold
from .narrative import FLAG_LABELS, SYNTHETIC_NOTE
from .shift_share_text import growth_label

__all__ = [
    "SHEETS",
    "protect_tables",
    "workbook_bytes",
    "write_region_workbook",
    "write_state_workbook",
]

SHEETS = (
    "Read me",
    "Decisions",
    "Occupations",
    "Program occupations",
    "Alignment",
    "Flags",
    "Supply",
    "Supply by program",
    "Demand",
    "Shift-share",
    "Wages",
    "Excluded",
)

NUMBER_FORMATS = {
    "students": "#,##0",
    "count": "#,##0",
    "share": "0.0%",
    "lq": "0.00",
    "ratio": "0.00",
    "usd": "$#,##0",
    "hourly": "$0.00",
    "year": "0",
    "int": "0",
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
_BANNER_FONT = Font(bold=True, color="9C0006")
_BANNER_FILL = PatternFill("solid", fgColor="FFC7CE")
_TITLE_FONT = Font(bold=True, size=14)
_WRAP = Alignment(wrap_text=True, vertical="top")
_RIGHT = Alignment(horizontal="right")


# ------------------------------------------------------------------------------------------------ sheet model


@dataclass(frozen=True)
class Col:
    """One column of a sheet: its header (with unit), kind (number format) and definition for the Read me."""

    header: str
    kind: str
    unit: str
    definition: str
    width: float | None = None


@dataclass
class Sheet:
    name: str
    cols: list[Col]
    rows: list[tuple]
    about: str


def _py(v: object) -> object:
    """A cell value: None for missing, int/float for numbers, "yes"/"no" for booleans, else text."""
    if v is None:
        return None
    if isinstance(v, bool | np.bool_):
        return "yes" if v else "no"
    if isinstance(v, str):
        return v
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        return str(v)
    if isinstance(v, int | np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        f = float(v)
        return None if np.isinf(f) else f
    return str(v)


def _rows(frame: pd.DataFrame, cols: Sequence[str]) -> list[tuple]:
    return [tuple(_py(v) for v in row) for row in frame[list(cols)].itertuples(index=False, name=None)]


def _sort(df: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    by = [c for c in by if c in df.columns]
    return df.sort_values(by, kind="mergesort", na_position="last").reset_index(drop=True) if by else df


# ------------------------------------------------------------------------------------------------ privacy


# ------------------------------------------------------------------------------------------------ sheets


def _names(tables: dict[str, pd.DataFrame]) -> tuple[dict[str, str], dict[str, str]]:
    """Region names and cluster names by id, from the alignment and demand tables."""
    al = tables["alignment"]
    regions = dict(zip(al["region_id"].astype(str), al["region_name"].astype(str), strict=True))
    clusters: dict[str, str] = {}
    for name in ("demand", "alignment"):
        df = tables.get(name)
        if df is not None and "cluster_name" in df:
            d = df.dropna(subset=["cluster_name"])
            clusters.update(zip(d["cluster_code"].astype(str), d["cluster_name"].astype(str), strict=True))
    return regions, clusters


def _mine(df: pd.DataFrame | None, region_id: str | None) -> pd.DataFrame:
    if df is None:
        return pd.DataFrame()
    if region_id is None or "region_id" not in df:
        return df.reset_index(drop=True)
    return df[df["region_id"] == region_id].reset_index(drop=True)


def _cap(word: str) -> str:
    return word[:1].upper() + word[1:]


REGION_COL = Col("Region", "text", "name", "Region: a set of counties from the regions file.")


def _alignment_sheet(p: pd.DataFrame, cfg: Config) -> Sheet:
    m, base = cfg.supply_measure, cfg.inputs.qcew_base_area
    df = _sort(p, ["region_name", "cluster_name"])
    cols = [
        REGION_COL,
        Col("Year", "year", "year", "Analysis year (a school year is named by the year in which it ends)."),
        Col("Cluster code", "text", "code", f"Career Cluster code ({cfg.framework} framework)."),
        Col("Cluster", "text", "name", "Career Cluster name."),
        Col(
            f"{_cap(m)} (students)",
            "students",
            "students",
            f"s_i: {m} in the region's programs of the cluster, summed over programs. Hidden counts are "
            "written as text (see Privacy).",
        ),
        Col(
            f"Share of {m} (%)",
            "share",
            "share of students",
            f"s_i / S, S = the region's {m} over all clusters. Blank where the count is hidden.",
        ),
        Col(
            "Jobs (employment)",
            "count",
            "jobs",
            "e_i: QCEW annual average employment in the industries mapped to the cluster, summed over the "
            "region's counties (all ownerships).",
        ),
        Col(
            "Share of jobs (%)", "share", "share of jobs", "e_i / E, E = the region's jobs over all clusters."
        ),
        Col(
            "Location quotient (ratio)",
            "lq",
            "ratio",
            f"(e_i / E) / (e_Ni / E_N), N = the base area {base}: 1 = as concentrated as in the base area, "
            "above 1 = more concentrated. Recomputed from summed employment, never averaged.",
        ),
        Col(
            "Demand equivalent (students)",
            "count",
            "students (not real students)",
            f"(e_i / E) × S: the {m} the cluster would have if the supply mix matched the job mix. Blank when "
            "the region's total is itself below the privacy threshold.",
        ),
        Col(
            "Gap (students)",
            "count",
            "students",
            "Demand equivalent − s_i: positive = fewer students than the jobs suggest, negative = more. "
            "Blank where the count is hidden or the region's total is below the privacy threshold.",
        ),
        Col(
            "Supply ÷ demand (ratio)",
            "ratio",
            "ratio",
            "s_i / demand equivalent: 1 = in proportion. Blank where the count is hidden or the demand "
            "equivalent is 0.",
        ),
        Col("Job growth, 1 year (%)", "share", "share", "e_t / e_(t−1) − 1 for the cluster's jobs."),
        Col(
            "Average annual pay (USD)",
            "usd",
            "USD per year",
            "QCEW Σ total wages / Σ employment of the cluster's industries in the region.",
        ),
        Col(
            "Includes suppressed program counts",
            "text",
            "yes/no",
            "yes = some program counts were suppressed or missing in the source file and are left out, so the "
            "count is a lower bound.",
        ),
    ]
    frame = pd.DataFrame(
        {
            "region_name": df.get("region_name"),
            "year": df.get("year"),
            "cluster_code": df.get("cluster_code"),
            "cluster_name": df.get("cluster_name"),
            "supply_text": df.get("supply_text"),
            "supply_share": df.get("supply_share"),
            "employment": df.get("employment"),
            "demand_share": df.get("demand_share"),
            "lq": df.get("lq"),
            "demand_equivalent": df.get("demand_equivalent"),
            "gap": df.get("gap"),
            "ratio": df.get("ratio"),
            "growth_1yr": df.get("growth_1yr"),
            "avg_annual_pay_usd": df.get("avg_annual_pay_usd"),
            "suppressed": df["suppressed"].astype(bool) if "suppressed" in df else None,
        }
    )
    keys = list(frame.columns)
    return Sheet(
        "Alignment",
        cols,
        _rows(frame, keys),
        f"Supply and demand by region × Career Cluster in {cfg.year} (methods, section 4).",
    )


def _flags_sheet(fl: pd.DataFrame, regions: dict[str, str], clusters: dict[str, str]) -> Sheet:
    df = fl.assign(
        region_name=fl["region_id"].astype("string").map(regions),
        cluster_name=fl["cluster_code"].astype("string").map(clusters),
        label=fl["flag"].map(lambda f: FLAG_LABELS.get(f, f)),
    )
    df = _sort(df, ["region_name", "rank"])
    cols = [
        REGION_COL,
        Col(
            "Rank",
            "int",
            "rank",
            "1 = most in need of attention in the region: severity, then a fixed order of flag codes (methods, "
            "section 5).",
        ),
        Col("Flag", "text", "label", "What the flag means, in words."),
        Col(
            "Flag code",
            "text",
            "code",
            ", ".join(FLAG_CODES[:-1]) + f" or {FLAG_CODES[-1]}.",
        ),
        Col(
            "Severity (0–1)",
            "ratio",
            "0 to 1",
            "How far past its threshold the case is (higher = more serious); 0 for the data notes "
            "UNMATCHED_PROGRAM and SUPPRESSED. Blank where it would give back a hidden count.",
        ),
        Col(
            "Scope",
            "text",
            "program or cluster",
            "program = one program of study; cluster = a whole cluster.",
        ),
        Col("Institution", "text", "name", "District, school or college, as in the enrollment file."),
        Col("Program", "text", "name", "Program of study name, as in the enrollment file."),
        Col("CIP", "text", "code", "CIP 2020 code of the program (NN.NNNN)."),
        Col("Cluster", "text", "name", "Career Cluster of the program or flag."),
        Col("Why", "text", "sentence", "The reason for the flag, with the numbers behind it.", width=90),
    ]
    keys = ["region_name"]
    keys += [
        "rank",
        "label",
        "flag",
        "severity",
        "scope",
        "institution",
        "program_name",
        "cip",
        "cluster_name",
    ]
    keys += ["reason"]
    return Sheet("Flags", cols, _rows(df, keys), "Flagged pathways, ranked within each region, with reasons.")


_COMPLETERS_SHOWN = (
    "Completers a year of every program in the region that leads to the occupation(s), spread over their "
    "occupations as the run allocates them: exact where every such program's count is published, else the "
    "range a reader can work out (a count below the privacy threshold written <10; 'or more' when a count is "
    "withheld). Postsecondary awards only."
)


def _decisions_sheet(d: pd.DataFrame, regions: dict[str, str]) -> Sheet:
    df = d.assign(region_name=d["region_id"].astype("string").map(regions)) if len(d) else d
    df = df.assign(_d=df["decision"].map({"expand": 0, "review": 1, "keep": 2})) if len(df) else df
    df = _sort(df, ["region_name", "_d", "rank"])
    cols = [
        REGION_COL,
        Col("Decision", "text", "word", "expand (occupation short of completers), review or keep (program)."),
        Col("Rank", "int", "rank", "1 = the largest issue of the list in the region (methods, section 13)."),
        Col("Occupation or program", "text", "name", "SOC title, or the program's most common name."),
        Col("SOC", "text", "code", "SOC 2018 code (expand rows)."),
        Col("CIP", "text", "code", "CIP 2020 code (program rows)."),
        Col(
            "Award or entry education",
            "text",
            "words",
            "The program's award level, or the occupation's "
            "typical education for entry (BLS Employment Projections).",
        ),  # fmt: skip
        Col("Institutions", "text", "names", "Every institution offering the program at that award level."),
        Col(
            "Openings a year",
            "count",
            "openings",
            "Projected annual openings of the occupation(s) in the region.",
        ),
        Col("Completers a year", "text", "completers", _COMPLETERS_SHOWN),
        Col(
            "Median wage (USD per hour)",
            "hourly",
            "USD per hour",
            "OEWS median; for a program, the median wage that half of its occupations' openings reach.",
        ),  # fmt: skip
        Col(
            "Openings at the family wage",
            "share",
            "share",
            "Share of the openings whose occupation's median wage is at least the family-supporting wage.",
        ),  # fmt: skip
        Col("Issue", "text", "words", "The flags behind a review or expand row."),
        Col("Why", "text", "sentence", "The flags' reasons, with the numbers behind them.", width=90),
    ]
    keys = ["region_name", "decision", "rank", "name", "soc", "cip", "award", "institutions", "openings"]
    keys += ["completers_text", "median_wage_hourly_usd", "share_openings_family_wage", "flags", "why"]
    rows = _rows(df, keys) if len(df) else []
    return Sheet("Decisions", cols, rows, "Expand, review and keep: the report's first screen, every row.")


def _occupations_sheet(o: pd.DataFrame, regions: dict[str, str], clusters: dict[str, str], thr: int) -> Sheet:
    cols = [
        REGION_COL,
        Col("SOC", "text", "code", "SOC 2018 occupation code."),
        Col("Occupation", "text", "name", "SOC 2018 title."),
        Col(
            "Cluster",
            "text",
            "name",
            "Career Cluster the occupation belongs to most (SOC → cluster crosswalk).",
        ),
        Col(
            "Jobs",
            "count",
            "jobs",
            "Employment of the occupation in the region (the run's method: OEWS areas "
            "or the staffing pattern of the region's industries).",
        ),  # fmt: skip
        Col(
            "Openings a year",
            "count",
            "openings",
            "Projected annual openings: growth + labor force exits + "
            "occupational transfers (BLS method), scaled to the region.",
        ),  # fmt: skip
        Col("Typical entry education", "text", "words", "BLS Employment Projections."),
        Col("Typical training", "text", "words", "BLS typical on-the-job training."),
        Col("Entry wage (USD per hour)", "hourly", "USD per hour", "OEWS 25th percentile hourly wage."),
        Col("Median wage (USD per hour)", "hourly", "USD per hour", "OEWS median hourly wage."),
        Col("Wage area", "text", "word", "region (its own OEWS areas), state or nation."),
        Col(
            "Pays the family wage",
            "text",
            "yes/no",
            "Median wage at least the family-supporting wage (times wage_floor_share).",
        ),  # fmt: skip
        Col("Completers a year", "text", "completers", _COMPLETERS_SHOWN),
        Col(
            "Completers per opening",
            "ratio",
            "ratio",
            "Completers ÷ openings where the completers are exact; blank where they are a range.",
        ),  # fmt: skip
        Col(
            "Concentrators a year (high school pipeline)",
            "text",
            "students",
            "Secondary CTE concentrators of programs leading to the occupation, spread like the completers: the "
            "pipeline into college programs and these jobs, never counted against openings.",
        ),
        Col("High-skill, high-wage, in-demand", "text", "yes/no", "The preset's rule applied to its tests."),
    ]
    if len(o):
        df = o.assign(
            region_name=o["region_id"].astype("string").map(regions),
            cluster_name=o["cluster_code"].astype("string").map(clusters).fillna(o["cluster_code"]),
        )
        df["completers_text"] = [
            completers_text(a, b, thr)
            for a, b in zip(df["completers_low"], df["completers_high"], strict=True)
        ]
        df["pipeline_text"] = [
            completers_text(a, b, thr)
            for a, b in zip(df["concentrators_low"], df["concentrators_high"], strict=True)
        ]
        exact = (df["completers_high"] - df["completers_low"]).abs() < 0.5
        per = pd.to_numeric(df["completers_shown"]) / pd.to_numeric(df["openings"]).where(lambda x: x > 0)
        df["per_opening"] = per.where(exact)
        df = df.sort_values(["region_name", "openings"], ascending=[True, False], kind="mergesort")
    else:
        df = o
    keys = ["region_name", "soc", "soc_title", "cluster_name", "employment", "openings", "typical_education"]
    keys += ["typical_training", "entry_wage_hourly_usd", "median_wage_hourly_usd", "wage_area_level"]
    keys += ["meets_family_wage", "completers_text", "per_opening", "pipeline_text", "hshwid"]
    rows = _rows(df, keys) if len(df) else []
    return Sheet(
        "Occupations", cols, rows, "Every occupation of the region: jobs, openings, wages, completers."
    )


def _program_occupations_sheet(p: pd.DataFrame, regions: dict[str, str], thr: int) -> Sheet:
    cols = [
        REGION_COL,
        Col("Institution", "text", "name", "College."),
        Col("Program", "text", "name", "Program of study name."),
        Col("CIP", "text", "code", "CIP 2020 code."),
        Col("Award", "text", "code", "IPEDS award level (credential_level)."),
        Col(
            "Fit",
            "text",
            "word",
            "award: only occupations whose entry education fits the award; any: no award "
            "given; none fit: no linked occupation fits the award, so no opening is counted.",
        ),  # fmt: skip
        Col("Occupations", "text", "names", "The fitting occupations, most openings first."),
        Col("Openings a year", "count", "openings", "Annual openings of those occupations in the region."),
        Col("Completers a year in them", "text", "completers", _COMPLETERS_SHOWN),
        Col("Openings at the family wage", "share", "share", "Share of the openings paying the family wage."),
        Col(
            "Median wage of the openings (USD per hour)",
            "hourly",
            "USD per hour",
            "The occupation median wage that half of the openings reach.",
        ),  # fmt: skip
    ]
    if len(p):
        df = p.assign(region_name=p["region_id"].astype("string").map(regions))
        df["completers_text"] = [
            completers_text(a, b, thr) if pd.notna(a) else None
            for a, b in zip(df["completers_linked_low"], df["completers_linked_high"], strict=True)
        ]
        df = _sort(df, ["region_name", "institution", "program_name", "cip", "credential_level"])
    else:
        df = p
    keys = [
        "region_name",
        "institution",
        "program_name",
        "cip",
        "credential_level",
        "fit",
        "occupations_text",
    ]
    keys += [
        "openings_linked",
        "completers_text",
        "share_openings_family_wage",
        "wage_median_linked_hourly_usd",
    ]
    rows = _rows(df, keys) if len(df) else []
    return Sheet(
        "Program occupations",
        cols,
        rows,
        "Each college program: the occupations it leads to, their openings.",
    )


def _supply_sheet(sup: pd.DataFrame, clusters: dict[str, str], regions: dict[str, str]) -> Sheet:
    df = sup.assign(
        region_name=sup["region_id"].astype("string").map(regions).fillna(sup["region_id"]),
        cluster_name=sup["cluster_code"].astype("string").map(clusters).fillna(sup["cluster_code"]),
    )
    df = _sort(df, ["region_name", "year", "cluster_name"])
    counts = [m for m in MEASURES if f"{m}_text" in df]
    cols = [
        REGION_COL,
        Col("Year", "year", "year", "School or academic year (named by the year in which it ends)."),
        Col("Cluster code", "text", "code", "Career Cluster code."),
        Col("Cluster", "text", "name", "Career Cluster name."),
        Col(
            "Programs (number)",
            "ratio" if df.get("programs") is not None and not _whole(df["programs"]) else "count",
            "programs",
            "Number of programs in the cell (Σ allocation share: fractional under the split rule).",
        ),
        *[
            Col(
                f"{_cap(m)} (students)",
                "students",
                "students",
                f"Σ {m} over the cell's programs (a lower bound where program counts were suppressed). "
                "Hidden counts are written as text (see Privacy).",
            )
            for m in counts
        ],
        Col(
            "Includes suppressed program counts",
            "text",
            "yes/no",
            "yes = some program counts of the cell were suppressed or missing in the source file.",
        ),
    ]
    keys = ["region_name"]
    keys += ["year", "cluster_code", "cluster_name", "programs", *[f"{m}_text" for m in counts], "suppressed"]
    df = (
        df.assign(suppressed=df["suppressed"].astype(bool))
        if "suppressed" in df
        else df.assign(suppressed=None)
    )
    return Sheet(
        "Supply",
        cols,
        _rows(df, keys),
        "Students by region × year × Career Cluster (methods, section 1).",
    )


def _whole(s: pd.Series) -> bool:
    v = pd.to_numeric(s, errors="coerce").dropna()
    return bool(v.eq(v.round()).all())


def _programs_sheet(pr: pd.DataFrame, clusters: dict[str, str], regions: dict[str, str]) -> Sheet:
    df = pr.assign(
        region_name=pr["region_id"].astype("string").map(regions).fillna(pr["region_id"]),
        cluster_name=pr["cluster_code"].astype("string").map(clusters).fillna(pr["cluster_code"]),
    )
    df = _sort(df, ["region_name", "year", "institution", "program_name", "cip", "source_row"])
    counts = [m for m in MEASURES if f"{m}_text" in df]
    split = "allocation_share" in df and not bool(pd.to_numeric(df["allocation_share"]).fillna(1).eq(1).all())
    cols = [
        REGION_COL,
        Col("Year", "year", "year", "School or academic year (named by the year in which it ends)."),
        Col("Institution", "text", "name", "District, school or college, as in the enrollment file."),
        Col("County FIPS", "text", "code", "County of the institution (5-digit FIPS code)."),
        Col("Program code", "text", "code", "Local program code, as in the enrollment file."),
        Col("Program", "text", "name", "Program of study name, as in the enrollment file."),
        Col(
            "CIP", "text", "code", "Normalized CIP 2020 code (blank when the file's code could not be read)."
        ),
        Col("Level", "text", "word", "secondary, postsecondary, adult, or the file's own word."),
        Col("Cluster", "text", "name", "Career Cluster the CIP code maps to (blank when not matched)."),
        *[
            Col(
                f"{_cap(m)} (students)",
                "students",
                "students",
                f"{_cap(m)} of the program"
                + (" × allocation share" if split else "")
                + ". Hidden counts are written as text (see Privacy).",
            )
            for m in counts
        ],
    ]
    keys = ["region_name"]
    keys += [
        "year",
        "institution",
        "county_fips",
        "program_code",
        "program_name",
        "cip",
        "level",
        "cluster_name",
        *[f"{m}_text" for m in counts],
    ]
    if split:
        cols.append(
            Col(
                "Allocation share (ratio)",
                "ratio",
                "ratio",
                "1/k under the split rule: the program's students are divided among its k clusters.",
            )
        )
        keys.append("allocation_share")
    cols += [
        Col("Suppressed in source file", "text", "yes/no", "yes = a count cell held a suppression marker."),
        Col(
            "Matched to a cluster", "text", "yes/no", "no = left out of the cluster analysis (see Excluded)."
        ),
        Col("Source file", "text", "path", "Enrollment file, relative to the config file."),
        Col("Source row", "int", "row", "Row in the source file (header = 1)."),
    ]
    keys += ["suppressed", "matched", "source_file", "source_row"]
    for k in ("suppressed", "matched"):
        df[k] = df[k].astype("boolean") if k in df else None
    for k in keys:
        if k not in df:
            df[k] = None
    return Sheet(
        "Supply by program",
        cols,
        _rows(df, keys),
        "Students by program of study, institution and year.",
    )


def _demand_sheet(dm: pd.DataFrame, clusters: dict[str, str], regions: dict[str, str], cfg: Config) -> Sheet:
    df = dm.assign(region_name=dm["region_id"].astype("string").map(regions).fillna(dm["region_id"]))
    if "cluster_name" not in df:
        df["cluster_name"] = df["cluster_code"].astype("string").map(clusters)
    df = _sort(df, ["region_name", "cluster_name", "year"])
    cols = [
        REGION_COL,
        Col("Cluster code", "text", "code", "Career Cluster code."),
        Col("Cluster", "text", "name", "Career Cluster name."),
        Col("Year", "year", "year", "QCEW year (annual averages)."),
        Col(
            "Jobs (employment)",
            "count",
            "jobs",
            "QCEW annual average employment of the industries mapped to the cluster, summed over the region's "
            "counties (3-digit NAICS, ownerships 1, 2, 3 and 5).",
        ),
        Col(
            "Share of jobs (%)",
            "share",
            "share of jobs",
            "Cluster jobs / the region's all-industry, all-ownership total.",
        ),
        Col(
            "Location quotient (ratio)",
            "lq",
            "ratio",
            f"(e_ri / E_r) / (e_Ni / E_N), N = the base area {cfg.inputs.qcew_base_area} (BLS definition).",
        ),
        Col("Job growth, 1 year (%)", "share", "share", "e_t / e_(t−1) − 1."),
        Col("Job growth since base year (%)", "share", "share", "e_t / e_(t0) − 1, t0 = the base year."),
        Col("Base year", "year", "year", "First year of the QCEW files (t0)."),
        Col(
            "Average annual pay (USD)",
            "usd",
            "USD per year",
            "Σ total wages / Σ employment (rows whose wages are known).",
        ),
        Col("Establishments (number)", "count", "establishments", "QCEW establishments, summed."),
        Col(
            "Undisclosed QCEW rows (number)",
            "count",
            "rows",
            "QCEW subsector rows BLS did not disclose under this cell; their jobs come from the sector "
            "remainder where the sector is disclosed.",
        ),
    ]
    keys = ["region_name"]
    keys += [
        "cluster_code",
        "cluster_name",
        "year",
        "employment",
        "share",
        "lq",
        "growth_1yr",
        "growth_total",
        "growth_base_year",
        "avg_annual_pay_usd",
        "establishments",
        "suppressed_inputs",
    ]
    for k in keys:
        if k not in df:
            df[k] = None
    return Sheet(
        "Demand",
        cols,
        _rows(df, keys),
        "Jobs by region × Career Cluster × year (QCEW; methods, section 2).",
    )


def _shift_share_sheet(ss: pd.DataFrame, clusters: dict[str, str], regions: dict[str, str]) -> Sheet | None:
    """The shift-share of each region × cluster (``None`` when the run has one QCEW year: no sheet)."""
    if ss.empty:
        return None
    df = ss.assign(region_name=ss["region_id"].astype("string").map(regions).fillna(ss["region_id"]))
    if "cluster_name" not in df:
        df["cluster_name"] = df["cluster_code"].astype("string").map(clusters)
    df = _sort(df, ["region_name", "cluster_name"])
    base = str(df["base_area"].iloc[0])
    e0 = "e_ri,0 (jobs of the cluster in the region in the base year)"
    cols = [
        REGION_COL,
        Col("Cluster code", "text", "code", "Career Cluster code."),
        Col("Cluster", "text", "name", "Career Cluster name."),
        Col("Base year", "year", "year", "First year of the QCEW files (0)."),
        Col("End year", "year", "year", "Last year of the QCEW files (t)."),
        Col("Base area", "text", "code", "N: the area the region is compared with (inputs.qcew_base_area)."),
        Col("Jobs, base year", "count", "jobs", e0 + "."),
        Col("Jobs, end year", "count", "jobs", "e_ri,t (jobs of the cluster in the region in the end year)."),
        Col(
            "Change in jobs",
            "count",
            "jobs",
            "e_ri,t − e_ri,0 = national growth + industry mix + regional share.",
        ),
        Col("Growth in the region (%)", "share", "share", "g_ri = e_ri,t / e_ri,0 − 1."),
        Col(
            "Growth of the cluster in the base area (%)",
            "share",
            "share",
            f"g_Ni = e_Ni,t / e_Ni,0 − 1, N = {base}.",
        ),
        Col(
            "Growth of all jobs in the base area (%)",
            "share",
            "share",
            f"g_N = E_N,t / E_N,0 − 1: all industries, all ownerships of {base}.",
        ),
        Col(
            f"{growth_label(base)} (jobs)",
            "count",
            "jobs",
            "e_ri,0 × g_N: the jobs the cluster would have gained growing as fast as all jobs in the base area.",
        ),
        Col(
            "Industry mix (jobs)",
            "count",
            "jobs",
            "e_ri,0 × (g_Ni − g_N): jobs gained (+) or lost (−) because the cluster grew faster or more slowly "
            "than all jobs in the base area.",
        ),
        Col(
            "Regional share (jobs)",
            "count",
            "jobs",
            "e_ri,0 × (g_ri − g_Ni): jobs gained (+) or lost (−) because the cluster grew faster or more slowly "
            "in the region than in the base area. Blank (like the other two) where a base-year value is "
            "missing or 0.",
        ),
    ]
    keys = ["region_name", "cluster_code", "cluster_name", "base_year", "end_year", "base_area"]
    keys += ["employment_base", "employment_end", "change", "growth_region", "growth_base_cluster"]
    keys += ["growth_base_total", "national_growth", "industry_mix", "regional_share"]
    return Sheet(
        "Shift-share",
        cols,
        _rows(df, keys),
        "What drove each cluster's change in jobs between the first and the last QCEW year (methods, section 2).",
    )


def _wages_sheet(
    pw: pd.DataFrame, fw: pd.DataFrame, regions: dict[str, str], floor_share: float = 1.0
) -> Sheet:
    cols = [
        REGION_COL,
        Col("Institution", "text", "name", "District, school or college."),
        Col("Program", "text", "name", "Program of study name."),
        Col("CIP", "text", "code", "CIP 2020 code of the program."),
        Col("Level", "text", "word", "secondary, postsecondary, adult, or the file's own word."),
        Col("Linked occupations (SOC)", "text", "codes", "SOC 2018 codes linked to the CIP code."),
        Col("Occupations linked (number)", "count", "occupations", "Number of linked occupations."),
        Col(
            "Occupations with a wage (number)",
            "count",
            "occupations",
            "Linked occupations with an OEWS median.",
        ),
        Col(
            "Median annual wage (USD)",
            "usd",
            "USD per year",
            "Employment-weighted mean of the linked occupations' OEWS annual medians: Σ n_k m_k / Σ n_k "
            "(simple mean when an employment figure is missing).",
        ),
        Col("Hourly wage (USD per hour)", "hourly", "USD per hour", "Annual wage / 2,080 hours."),
        Col(
            "Family-supporting wage (USD per hour)",
            "hourly",
            "USD per hour",
            "The region's family-supporting hourly wage (methods, section 8).",
        ),
        Col(
            "Wage ÷ family-supporting wage (%)",
            "share",
            "share",
            "Hourly wage / family-supporting wage: 100% = exactly the family-supporting wage.",
        ),
        Col(
            "At or above family-supporting wage",
            "text",
            "yes/no",
            "yes = hourly wage ≥ the preset's wage_floor_share × the family-supporting wage (the same test "
            "as the Below family wage flag; wage_floor_share is 1 unless the preset or config sets it).",
        ),
        Col("Wage weighting", "text", "word", "employment (weighted by occupation employment) or equal."),
        Col("Wage area(s)", "text", "codes", "OEWS area code(s) the medians came from."),
        Col("Wage area level", "text", "word", "region, state or nation: where the wages were found."),
        Col(
            "Wage notes",
            "text",
            "text",
            "Occupations skipped because their median was top-coded or suppressed.",
        ),
    ]
    if pw.empty:
        return Sheet("Wages", cols, [], "Program wages: no OEWS file was given, so there are none.")
    family = (
        fw.drop_duplicates("region_id").set_index("region_id")["wage_hourly_usd"] if len(fw) else pd.Series()
    )
    df = pw.assign(region_name=pw["region_id"].astype("string").map(regions).fillna(pw["region_id"]))
    df["family_hourly"] = pd.to_numeric(df["region_id"].map(family), errors="coerce")
    hourly = pd.to_numeric(df["wage_hourly_usd"], errors="coerce")
    df["wage_ratio"] = hourly / df["family_hourly"]
    df["meets"] = meets_family_wage(hourly, df["family_hourly"], floor_share)
    df = _sort(df, ["region_name", "institution", "program_name", "cip", "level"])
    keys = ["region_name"]
    keys += [
        "institution",
        "program_name",
        "cip",
        "level",
        "socs",
        "n_socs",
        "n_socs_with_wage",
        "wage_median_annual_usd",
        "wage_hourly_usd",
        "family_hourly",
        "wage_ratio",
        "meets",
        "wage_weighting",
        "wage_areas",
        "wage_area_level",
        "wage_flags",
    ]
    for k in keys:
        if k not in df:
            df[k] = None
    return Sheet(
        "Wages",
        cols,
        _rows(df, keys),
        "Occupation wages of each program in the analysis year against the family-supporting wage "
        "(methods, sections 3 and 8).",
    )


def _excluded_sheet(
    un: pd.DataFrame, programs: pd.DataFrame, regions: dict[str, str], region_id: str | None
) -> Sheet:
    cols = [
        Col("Region", "text", "name", "Region of the row's program; 'statewide' when it belongs to none."),
        Col("Stage", "text", "word", "Pipeline stage that set the row aside (supply, demand, ...)."),
        Col("Source file", "text", "path", "Input file, relative to the config file."),
        Col("Source row", "int", "row", "Row in the source file (header = 1)."),
        Col("Institution", "text", "name", "Institution of the row's program, when it is an enrollment row."),
        Col("Program", "text", "name", "Program name of the row, when it is an enrollment row."),
        Col("Column", "text", "name", "Column of the source file that held the problem."),
        Col("Value", "text", "as written", "The value as written in the source file."),
        Col("Why excluded", "text", "sentence", "Why the row was left out.", width=80),
    ]
    if un is None or un.empty:
        return Sheet("Excluded", cols, [], "Input rows left out of the analysis, with the reason.")
    info = programs[["source_file", "source_row", "region_id", "institution", "program_name"]]
    info = info.drop_duplicates(["source_file", "source_row"])
    df = un.reset_index(drop=True).merge(info, on=["source_file", "source_row"], how="left")
    if region_id is not None:
        df = df[(df["region_id"] == region_id).fillna(False) | df["region_id"].isna()]
    df["region_name"] = df["region_id"].astype("string").map(regions).fillna("statewide")
    df = _sort(df, ["region_name", "source_file", "source_row", "column"])
    keys = ["region_name", "stage", "source_file", "source_row", "institution", "program_name", "column"]
    keys += ["value", "reason"]
    return Sheet("Excluded", cols, _rows(df, keys), "Input rows left out of the analysis, with the reason.")


# ------------------------------------------------------------------------------------------------ writing


def _put(ws: Worksheet, row: int, col: int, value: object) -> Cell:
    """Write one value; text is always text (never a formula, error or number), with a quote prefix if needed."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(_FORMULA_START):
            cell.quotePrefix = True
    return cell


def _shown_len(v: object, kind: str) -> int:
    if v is None:
        return 0
    if isinstance(v, str):
        return max((len(line) for line in v.splitlines()), default=0)
    if kind == "share":
        return len(f"{float(v):.1%}")
    if kind in ("usd", "count", "students"):
        return len(f"{float(v):,.0f}") + (1 if kind == "usd" else 0)
    return len(f"{float(v):.2f}")


def _write_sheet(ws: Worksheet, sheet: Sheet) -> None:
    for j, col in enumerate(sheet.cols, 1):
        c = _put(ws, 1, j, col.header)
        c.font, c.fill, c.alignment = _HEADER_FONT, _HEADER_FILL, _WRAP
    for i, row in enumerate(sheet.rows, 2):
        for j, (col, v) in enumerate(zip(sheet.cols, row, strict=True), 1):
            c = _put(ws, i, j, v)
            if isinstance(v, int | float) and col.kind in NUMBER_FORMATS:
                c.number_format = NUMBER_FORMATS[col.kind]
            elif isinstance(v, str) and col.kind != "text":
                c.alignment = _RIGHT
            elif col.width and col.width > 60:
                c.alignment = _WRAP
    ws.freeze_panes = "A2"
    last = get_column_letter(len(sheet.cols))
    ws.auto_filter.ref = f"A1:{last}{len(sheet.rows) + 1}"
    lines = 1
    for j, col in enumerate(sheet.cols, 1):
        if col.width:
            width = col.width
        else:
            # headers wrap over up to three lines, so a long header does not make a number column wide
            longest = max((_shown_len(r[j - 1], col.kind) for r in sheet.rows), default=0)
            width = min(50, max(10, longest + 2, min(len(col.header), 16) + 2))
        ws.column_dimensions[get_column_letter(j)].width = width
        lines = max(lines, -(-len(col.header) // int(width - 2)))
    ws.row_dimensions[1].height = 15 * min(lines, 4) + 3


def _readme(
    ws: Worksheet, cfg: Config, sheets: list[Sheet], scope: str, extra: Iterable[tuple[str, str]]
) -> None:
    t = _threshold(cfg)
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 34
    ws.column_dimensions["C"].width = 22
    ws.column_dimensions["D"].width = 90
    title = _put(ws, 1, 1, f"{cfg.title or cfg.run}: CTE labor-market alignment tables")
    title.font = _TITLE_FONT
    r = 2
    if cfg.synthetic:
        c = _put(ws, r, 1, "SYNTHETIC DATA")
        b = _put(ws, r, 2, SYNTHETIC_NOTE.replace("**", "").replace("this page", "this workbook"))
        for cell in (c, b):
            cell.font, cell.fill = _BANNER_FONT, _BANNER_FILL
        ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=4)
        b.alignment = _WRAP
        ws.row_dimensions[r].height = 32
        r += 1
    ins = cfg.inputs
    written = (cfg.raw.get("inputs") or {}).get("qcew") if isinstance(cfg.raw, dict) else None
    given = ", ".join(map(str, written)) if isinstance(written, list) else str(written or "")
    qcew = (
        f"{given} ({len(ins.qcew)} file(s); each file with its sha256 is listed in the run's manifest.json)"
    )
    lines: list[tuple[str, str]] = [
        ("Run", cfg.run),
        ("Analysis year", str(cfg.year)),
        ("Covers", scope),
        (
            "Career Clusters",
            f"{cfg.framework} framework; programs placed by CIP code (rule: {cfg.cluster_rule})",
        ),
        ("Supply measure", f"{cfg.supply_measure} (students)"),
        *(
            [("Source: enrollment", cfg.relative(ins.enrollment))]
            if ins.enrollment is not None
            else [
                ("Source: IPEDS completions", "; ".join(cfg.relative(p) for p in ins.ipeds_completions)),
                ("Source: IPEDS directory", cfg.relative(ins.ipeds_hd)),
            ]
        ),
        ("Source: QCEW", f"{qcew} ({cfg.industry_year}); location quotients against {ins.qcew_base_area}"),
        *(
            [("Source: projections", "; ".join(cfg.relative(p) for p in ins.projections))]
            if ins.projections
            else []
        ),
        ("Source: OEWS wages", cfg.relative(ins.oews) if ins.oews else "none"),
        ("Source: living wage", cfg.relative(ins.living_wage) if ins.living_wage else "none"),
        ("Source: regions", cfg.relative(ins.regions)),
        (
            "Family-supporting wage",
            f"rule: {cfg.family_wage.source} ({cfg.family_wage.describe()}); see the Wages sheet.",
        ),
        *extra,
        (
            "Thresholds",
            f"preset {cfg.preset}: "
            + ", ".join(f"{k} = {v}" for k, v in sorted(cfg.thresholds.items()) if v is not None),
        ),
        (
            "Privacy",
            f"Student counts from 1 to {t - 1} are never shown: they are written as <{t}. Within a group "
            "(the clusters of a region in a year, or the programs of a cluster) the smallest shown counts "
            f"of at least {t} are hidden too and written as 'withheld' until no count written <{t} can be "
            f"narrowed below 1 to {t - 1} from the group's total and the shown counts; where that is not "
            "possible every count of the group is withheld, zeros included, and every program of a hidden "
            "cluster is withheld. 'suppressed' = suppressed in the source file; 'not reported' = missing in "
            "the source file. The share, gap, ratio and flag severity of a hidden count are left blank, "
            "since each would give the count back. A true zero is shown unless its whole group is withheld.",
        ),
        ("Made by", f"alignment {__version__} (methods: docs/methods.md)"),
    ]
    for label, text in lines:
        a = _put(ws, r, 1, label)
        a.font = _HEADER_FONT
        b = _put(ws, r, 2, text)
        b.alignment = _WRAP
        ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=4)
        r += 1
    r += 1
    _put(ws, r, 1, "Sheets").font = _HEADER_FONT
    r += 1
    for s in sheets:
        _put(ws, r, 1, s.name)
        b = _put(ws, r, 2, s.about)
        ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=4)
        b.alignment = _WRAP
        r += 1
    r += 1
    top = r
    for j, h in enumerate(("Sheet", "Column", "Unit", "Definition"), 1):
        c = _put(ws, r, j, h)
        c.font, c.fill = _HEADER_FONT, _HEADER_FILL
    for s in sheets:
        for col in s.cols:
            r += 1
            _put(ws, r, 1, s.name)
            _put(ws, r, 2, col.header)
            _put(ws, r, 3, col.unit)
            _put(ws, r, 4, col.definition).alignment = _WRAP
    ws.auto_filter.ref = f"A{top}:D{r}"


def _stable_xlsx(data: bytes, year: int) -> bytes:
    """Rewrite an xlsx with fixed document dates and zip timestamps, so equal content gives equal bytes."""
    stamp = f"{year}-01-01T00:00:00Z"
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = re.sub(
                    r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                    rf"\g<1>{stamp}\g<3>",
                    body.decode("utf-8"),
                )
                body = text.encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=(max(1980, year), 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, body)
    return out.getvalue()


def workbook_bytes(tables: dict[str, pd.DataFrame], cfg: Config, region_id: str | None = None) -> bytes:
    """The workbook of one region (``region_id``) or of the whole state (``None``), as xlsx bytes."""
    regions, clusters = _names(tables)
    if region_id is not None and region_id not in regions:
        known = ", ".join(sorted(regions))
        raise ValueError(f"unknown region_id {region_id!r}; the alignment table has: {known}")
    state = region_id is None
    safe = protect_tables(tables, cfg)
    programs = tables["programs"]
    fw = _mine(tables.get("family_wage"), region_id)
    thr = _threshold(cfg)
    first = []
    if tables.get("decisions") is not None:
        first = [
            _decisions_sheet(_mine(tables["decisions"], region_id), regions),
            _occupations_sheet(_mine(tables.get("occupation_alignment"), region_id), regions, clusters, thr),
            _program_occupations_sheet(_mine(tables.get("program_alignment"), region_id), regions, thr),
        ]
    sheets = [
        *first,
        _alignment_sheet(_mine(safe["alignment"], region_id), cfg),
        _flags_sheet(_mine(safe["flags"], region_id), regions, clusters),
        _supply_sheet(_mine(safe["supply"], region_id), clusters, regions),
        _programs_sheet(_mine(safe["programs"], region_id), clusters, regions),
        _demand_sheet(_mine(tables["demand"], region_id), clusters, regions, cfg),
        _shift_share_sheet(_mine(tables.get("shift_share"), region_id), clusters, regions),
        _wages_sheet(
            _mine(tables.get("program_wages"), region_id),
            fw,
            regions,
            float({**default_thresholds(), **cfg.thresholds}["wage_floor_share"]),
        ),
        _excluded_sheet(tables.get("unmatched"), programs, regions, region_id),
    ]
    sheets = [s for s in sheets if s is not None]  # no Shift-share sheet for a run with one QCEW year
    extra: list[tuple[str, str]] = []
    for r in fw.sort_values("region_id").itertuples():
        name = regions.get(str(r.region_id), str(r.region_id))
        label = "Family-supporting wage" + (f": {name}" if state else " here")
        extra.append((label, f"${float(r.wage_hourly_usd):,.2f} an hour ({r.source})"))
    dis = _mine(tables.get("dissimilarity"), region_id)
    if len(dis):
        dis = dis[dis["year"] == cfg.year].sort_values("region_id")
        parts = [
            (regions.get(str(r.region_id), str(r.region_id)), f"{float(r.dissimilarity):.2f}")
            for r in dis.itertuples()
            if pd.notna(r.dissimilarity)
        ]
        text = "; ".join(f"{n}: {v}" for n, v in parts) if state else (parts[0][1] if parts else "")
        if text:
            extra.append(
                (
                    "Dissimilarity index",
                    f"{text} (½ Σ |s_i/S − e_i/E|: 0 = same mix of students and jobs, 1 = none in common)",
                )
            )
    scope = "every region of the state" if state else f"{regions[region_id]} ({region_id})"

    wb = Workbook()
    stamp = datetime(max(1980, cfg.year), 1, 1)
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.properties.creator = "alignment"
    wb.properties.title = f"{cfg.title or cfg.run} {cfg.year}: {scope}"
    readme = wb.active
    readme.title = "Read me"
    _readme(readme, cfg, sheets, scope, extra)
    for s in sheets:
        _write_sheet(wb.create_sheet(s.name), s)
    buf = io.BytesIO()
    wb.save(buf)
    return _stable_xlsx(buf.getvalue(), cfg.year)


def write_region_workbook(
    path: str | Path, tables: dict[str, pd.DataFrame], region_id: str, *, cfg: Config
) -> Path:
    """Write the Excel workbook of one region (normally ``reports/<run>/<region>/tables.xlsx``) atomically."""
    data = workbook_bytes(tables, cfg, region_id)
    with atomic_path(path, suffix=".xlsx") as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_state_workbook(path: str | Path, tables: dict[str, pd.DataFrame], *, cfg: Config) -> Path:
    """Write the Excel workbook of every region (normally ``reports/<run>/state-tables.xlsx``) atomically."""
    data = workbook_bytes(tables, cfg, None)
    with atomic_path(path, suffix=".xlsx") as tmp:
        tmp.write_bytes(data)
    return Path(path)
