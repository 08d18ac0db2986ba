"""The words and tables of a region report, built from the processed tables.

Everything a report page says is made here, from data, so the notebook only
displays it and tests can check it. Student counts below the privacy threshold
are never written: they appear as ``<10`` (or the configured threshold).

Every name from the inputs (region, county, institution, program, cluster, file
and run names) reaches the page through :mod:`alignment.safe_text`: Markdown text
with :func:`~alignment.safe_text.escape_text`, code spans with
:func:`~alignment.safe_text.code_text`, and tables and alt text as plain text
that :func:`table_html` and the report template escape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..build import load_processed
from ..config import Config, load_config
from ..constants import FLAG_LABELS, WITHHELD, default_thresholds, privacy_threshold
from ..criteria import criteria_in_use, hshwid_rule
from ..decisions import DECISIONS
from ..privacy import format_count
from ..publish import protect_tables
from ..safe_text import code_text, escape_text, plain_text

SYNTHETIC_NOTE = (
    '**Synthetic data.** Every figure on this page is invented demo data (the synthetic "Demo State" drawn on '
    "Oregon county boundaries). It describes no real school, college, employer or region."
)


@dataclass
class RegionContext:
    """The tables of one region, ready to present."""

    cfg: Config
    region_id: str
    region_name: str
    tables: dict[str, pd.DataFrame]
    alignment: pd.DataFrame
    flags: pd.DataFrame
    program_wages: pd.DataFrame | None
    family_wage_hourly: float | None
    dissimilarity: float | None
    counties: list[str]
    processed_dir: Path | None = None

    @property
    def wage_floor_share(self) -> float:
        """The share of the family-supporting wage a program's wage must reach (``wage_floor_share``)."""
        return float({**default_thresholds(), **self.cfg.thresholds}["wage_floor_share"])

    @property
    def threshold(self) -> int:
        return privacy_threshold(self.cfg.thresholds)


def region_context(config_path: str | Path, processed_dir: str | Path, region_id: str) -> RegionContext:
    """Load the processed tables of a run and keep the rows of one region."""
    cfg = load_config(config_path)
    tables = load_processed(processed_dir)
    regions = tables["regions"]
    mine = regions[regions["region_id"] == region_id]
    if mine.empty:
        known = ", ".join(sorted(regions["region_id"].unique()))
        raise ValueError(f"unknown region_id {region_id!r}; the run has: {known}")
    name = str(mine["region_name"].iloc[0])
    published = protect_tables(tables, cfg)  # the same privacy rules as every other published output
    al = published["alignment"]
    al = al[(al["region_id"] == region_id) & (al["year"] == cfg.year)].reset_index(drop=True)
    names = tables["alignment"].drop_duplicates("cluster_code").set_index("cluster_code")["cluster_name"]
    fl = published["flags"]
    fl = fl[fl["region_id"] == region_id].copy()
    fl["cluster_name"] = fl["cluster_code"].map(names)
    pw = tables.get("program_wages")
    if pw is not None:
        # one bar per program of study: the same CIP at several institutions has the same occupations and wages
        pw = pw[pw["region_id"] == region_id].dropna(subset=["cip"]).drop_duplicates("cip").copy()
        pw["region_name"] = name
    fw = tables["family_wage"]
    fw = fw[fw["region_id"] == region_id]
    d = tables["dissimilarity"]
    d = d[(d["region_id"] == region_id) & (d["year"] == cfg.year)]
    county_col = "county_name" if "county_name" in mine else "county_fips"
    return RegionContext(
        cfg=cfg,
        region_id=region_id,
        region_name=name,
        tables={
            **tables,
            "published_alignment": published["alignment"],
            "published_flags": published["flags"],
        },
        alignment=al,
        flags=fl,
        program_wages=pw,
        family_wage_hourly=float(fw["wage_hourly_usd"].iloc[0]) if len(fw) else None,
        dissimilarity=float(d["dissimilarity"].iloc[0])
        if len(d) and pd.notna(d["dissimilarity"].iloc[0])
        else None,
        counties=sorted(str(c) for c in mine[county_col].dropna()),
        processed_dir=Path(processed_dir),
    )


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


# flags that compare a region's program counts with its job mix: nothing to compare when no count is shown
COUNT_COMPARISON_FLAGS = frozenset({"UNDERSUPPLIED", "OVERSUPPLIED"})


def supply_state(ctx: RegionContext) -> str:
    """What the published program counts of the region allow the report to say.

    - ``"none"``: the supply file lists no program in the region for the analysis year;
    - ``"zero"``: it lists programs, but none reports a count in a career cluster (all unmatched or zero);
    - ``"hidden"``: every count above zero is hidden by the privacy rules (below the threshold, or withheld
      so that one below it cannot be worked out), so the program mix cannot be shown;
    - ``"shown"``: at least one cluster's count above zero is published.
    """
    programs = ctx.tables.get("programs")
    if programs is not None and {"region_id", "year"} <= set(programs.columns):
        mine = programs[(programs["region_id"] == ctx.region_id) & (programs["year"] == ctx.cfg.year)]
        if mine.empty:
            return "none"
    al = ctx.alignment
    if al.empty or "supply" not in al:
        return "shown"
    hidden = pd.Series(False, index=al.index)
    for col in ("supply_small", "supply_suppressed"):
        if col in al:
            hidden |= al[col].astype("boolean").fillna(False).astype(bool)
    visible = pd.to_numeric(al["supply"], errors="coerce").fillna(0).where(~hidden, 0)
    if (visible > 0).any():
        return "shown"
    return "hidden" if hidden.any() else "zero"


def shown_flags(ctx: RegionContext) -> pd.DataFrame:
    """The region's flags as the report lists them: no count comparison when the region shows no count."""
    fl = ctx.flags
    if fl.empty or "flag" not in fl or supply_state(ctx) == "shown":
        return fl
    return fl[~fl["flag"].isin(COUNT_COMPARISON_FLAGS)]


def supply_missing_word(ctx: RegionContext) -> str:
    """How the supply chart marks a cluster without a share: no programs at all, or a hidden count."""
    return {"none": "no programs", "zero": "none reported"}.get(supply_state(ctx), "suppressed")


def flags_note(ctx: RegionContext) -> str:
    """What a flag section says when it lists no pathway."""
    text = f"No pathway in {escape_text(ctx.region_name)} is flagged."
    if supply_state(ctx) != "shown":
        text += " Flags that compare program counts with jobs are left out (see the summary)."
    return text


def page_title(ctx: RegionContext) -> str:
    """The page's first heading, as Markdown."""
    return f"# {escape_text(ctx.region_name)}: CTE programs and the regional labor market, {ctx.cfg.year}"


def years_note(ctx: RegionContext) -> str | None:
    """A banner when the jobs are from another year than the students (``demand_year``), else None."""
    jobs, students = ctx.cfg.industry_year, ctx.cfg.year
    if jobs == students:
        return None
    return (
        f"**Years differ.** Students and completers are from {students}; jobs by industry (QCEW), their shares "
        f"and location quotients are from {jobs}, the year of the employment files given. Each chart and table "
        "names the year of its figures."
    )


def _jobs_year(ctx: RegionContext) -> str:
    """ " in 2016" after a jobs figure when the jobs are from another year than the students, else ""."""
    return "" if ctx.cfg.industry_year == ctx.cfg.year else f" in {ctx.cfg.industry_year}"


def _living_wage_year(ctx: RegionContext) -> str:
    """The words ", from the 2021 living-wage table" when the family wage comes from a dated living-wage table."""
    fw = ctx.tables.get("family_wage")
    if fw is None or "source" not in fw:
        return ""
    mine = fw.loc[fw["region_id"] == ctx.region_id, "source"].dropna().astype(str)
    found = re.match(r"living wage (\d{4})\b", mine.iloc[0]) if len(mine) else None
    return f", from the {found.group(1)} living-wage table" if found else ""


def _jobs_header(ctx: RegionContext) -> str:
    """The words " (2016)" after a jobs column heading when the jobs are from another year than the students."""
    return "" if ctx.cfg.industry_year == ctx.cfg.year else f" ({ctx.cfg.industry_year})"


def supply_note(ctx: RegionContext) -> str | None:
    """One sentence when the region's program mix cannot be described (see :func:`supply_state`), else None."""
    measure, year, region = ctx.cfg.supply_measure, ctx.cfg.year, escape_text(ctx.region_name)
    state = supply_state(ctx)
    if state == "none":
        return (
            f"The supply file lists no CTE programs in {region} for {year}, so this report has no program mix "
            "to compare with the region's jobs: it describes the jobs only."
        )
    if state == "zero":
        return (
            f"The programs listed in {region} for {year} report no {measure} in any career cluster, so this "
            "report has no program mix to compare with the region's jobs: it describes the jobs only."
        )
    if state == "hidden":
        return (
            f"Every count of {measure} in {region} is below the privacy threshold of {ctx.threshold} or withheld "
            "so that one below it cannot be worked out, so this report draws no conclusions about how the "
            "program mix compares with the job mix: it gives no dissimilarity index and lists no flag that "
            f"compares program counts with jobs. A region with more {measure}, or a lower `privacy_threshold`, "
            "is needed for that comparison."
        )
    return None


def summary_paragraph(ctx: RegionContext) -> str:
    """One plain-language paragraph: how well the program mix matches the job mix, and what stands out."""
    al = ctx.alignment
    measure = ctx.cfg.supply_measure
    region = escape_text(ctx.region_name)
    note = supply_note(ctx)
    parts = [note] if note else []
    decided = decisions_of(ctx)
    if decided is not None:
        parts += _decision_sentences(ctx, decided)
    if note is None and ctx.dissimilarity is not None:
        d = ctx.dissimilarity
        verdict = "closely matches" if d < 0.2 else "partly matches" if d < 0.4 else "differs sharply from"
        lead = "As a mix comparison only, the" if decided is not None else f"In {ctx.cfg.year}, the"
        parts.append(
            f"{lead} mix of CTE {measure} in {region} {verdict} the mix of jobs in the "
            f"region's industries (dissimilarity index {d:.2f}, where 0 means the same mix and 1 means no overlap)."
        )
    top_demand = al.sort_values(["demand_share", "cluster_name"], ascending=[False, True]).head(1)
    if len(top_demand):
        r = top_demand.iloc[0]
        cluster = escape_text(r["cluster_name"])
        if note is not None:
            parts.append(
                f"The largest employer cluster is {cluster}, with {_pct(r['demand_share'])} of jobs"
                f"{_jobs_year(ctx)}."
            )
        else:
            parts.append(
                f"The largest employer cluster is {cluster}, with {_pct(r['demand_share'])} of jobs"
                f"{_jobs_year(ctx)} "
                + (
                    f"and {_pct(r['supply_share'])} of {measure}."
                    if pd.notna(r["supply_share"])
                    else f"while its share of {measure} is withheld to protect small counts."
                )
            )
    if note is None and decided is None:
        parts += _gap_sentences(ctx)
    counts = shown_flags(ctx)["flag"].value_counts() if len(ctx.flags) else pd.Series(dtype=int)
    if len(counts) and decided is None:
        # "3 more students than …" would read as a student count: name the flag, then its number
        listed = ", ".join(f"{FLAG_LABELS.get(k, k).lower()} ({n})" for k, n in counts.items())
        parts.append(f"The tool raised {int(counts.sum())} flag(s): {listed}.")
    if ctx.family_wage_hourly is not None:
        parts.append(
            f"The family-supporting wage used here is ${ctx.family_wage_hourly:,.2f} an hour "
            f"({escape_text(ctx.cfg.family_wage.describe())}{_living_wage_year(ctx)})."
        )
    return " ".join(parts)


def decisions_of(ctx: RegionContext) -> pd.DataFrame | None:
    """The region's expand / review / keep rows (:mod:`alignment.decisions`), or None for a run without them."""
    d = ctx.tables.get("decisions")
    if d is None:
        return None
    return d[d["region_id"] == ctx.region_id].sort_values(["decision", "rank"], kind="mergesort")


def _decision_sentences(ctx: RegionContext, d: pd.DataFrame) -> list[str]:
    """The first sentences of the summary: what the expand / review / keep lists hold, largest first."""
    region = escape_text(ctx.region_name)
    n = d["decision"].value_counts()
    parts = [
        f"Set against the openings of the occupations they lead to, {region}'s college programs give "
        f"{n.get('expand', 0)} occupation(s) to expand, {n.get('review', 0)} program(s) to review and "
        f"{n.get('keep', 0)} to keep (each list below, largest first; completers are postsecondary awards, "
        f"openings a year are projected)."
    ]
    ex = d[d["decision"] == "expand"].head(1)
    if len(ex):
        r = ex.iloc[0]
        parts.append(
            f"The largest shortfall is {escape_text(r['name'])}: about {_whole(r['openings'])} openings a year "
            f"paying a median &#36;{float(r['median_wage_hourly_usd']):.2f} an hour, against "
            f"{_completers_words(r['completers_text'])} a year from the region's programs."
        )
    rv = d[d["decision"] == "review"].head(1)
    if len(rv):
        r = rv.iloc[0]
        parts.append(
            f"First to review: {escape_text(r['name'])} ({escape_text(_award_text(r['award']))}), whose "
            f"occupations have about {_whole(r['openings'])} openings a year"
            + (
                f", {_pct(float(r['share_openings_family_wage']))} of them at the family-supporting wage."
                if pd.notna(r["share_openings_family_wage"])
                else "."
            )
        )
    return parts


def _whole(x: object) -> str:
    return "–" if x is None or pd.isna(x) else f"{round(float(x)):,}"


def _award_text(award: object) -> str:
    return "award level not given" if award is None or pd.isna(award) else str(award).lower()


def _completers_words(text: str) -> str:
    """A completers cell as words: ``0`` → "no completers", ``<10`` → "fewer than 10 completers"."""
    if text == "0":
        return "no completers"
    if text.startswith("<"):
        return f"fewer than {text[1:]} completers"
    if text.endswith(" or more"):
        return f"{text[: -len(' or more')]} or more completers"
    return f"{text} completers"


#: the three lists of the report's first screen: heading, what the list holds, and when it is empty
DECISION_TEXT = {
    "expand": (
        "Expand: occupations short of completers",
        "Occupations that pay at least the family-supporting wage, can be entered with a college certificate "
        "or degree below the bachelor's (or a high school diploma and long training), and get far fewer "
        "completers than they have openings.",
        "No family-wage occupation of the region is short of completers by the preset's test.",
    ),
    "review": (
        "Review: programs above their openings or below the family wage",
        "Programs whose occupations get far more completers than they have openings, or whose openings mostly "
        "pay below the family-supporting wage. Completers are those of every program in the region that leads "
        "to the same occupations.",
        "No program needs review by the preset's tests.",
    ),
    "keep": (
        "Keep: programs whose occupations have room and pay",
        "Every other program whose occupations have openings in the region, most openings first.",
        "No other program has openings in its occupations.",
    ),
}


def openings_period(ctx: RegionContext) -> str | None:
    """The projection period of the run's openings, e.g. ``"2024–34"`` (the most common base and projected
    years of the occupations table); None without projections."""
    occ = ctx.tables.get("occupations")
    if occ is None or not {"base_year", "proj_year"} <= set(occ.columns):
        return None
    years = occ[["base_year", "proj_year"]].dropna()
    if years.empty:
        return None
    base, proj = (int(v) for v in years.value_counts().index[0])
    return f"{base}–{str(proj)[-2:]}" if proj // 100 == base // 100 else f"{base}–{proj}"


def _openings_header(ctx: RegionContext, text: str = "Openings a year") -> str:
    period = openings_period(ctx)
    return f"{text} ({period} projections)" if period else text


def decision_table(ctx: RegionContext, decision: str, n: int | None = None) -> pd.DataFrame:
    """One of the expand / review / keep lists as a report table (the first ``n`` rows; top_n by default)."""
    d = decisions_of(ctx)
    if d is None:
        return pd.DataFrame()
    n = n or int({**default_thresholds(), **ctx.cfg.thresholds}["top_n"])
    rows = d[d["decision"] == decision].head(n)
    wage = [f"${float(v):.2f}" if pd.notna(v) else "–" for v in rows["median_wage_hourly_usd"]]
    if decision == "expand":
        return pd.DataFrame(
            {
                "Occupation": rows["name"].astype(str),
                "Usually entered with": rows["award"].fillna("–").astype(str),
                _openings_header(ctx): [_whole(v) for v in rows["openings"]],
                "Completers a year": rows["completers_text"].astype(str),
                "Median wage (hourly)": wage,
            }
        ).reset_index(drop=True)
    out = pd.DataFrame(
        {
            "Program": rows["name"].astype(str),
            "Award": [_award_text(v).capitalize() for v in rows["award"]],
            "Offered at": [
                name_list(str(v).split("; ")) if pd.notna(v) else "–" for v in rows["institutions"]
            ],
            _openings_header(ctx): [_whole(v) for v in rows["openings"]],
            "Completers a year": rows["completers_text"].astype(str),
            "Completers per opening": [
                _per_opening(lo, hi, op)
                for lo, hi, op in zip(
                    rows["completers_low"], rows["completers_high"], rows["openings"], strict=True
                )
            ],
            "Openings at the family wage": [_yes_share(v) for v in rows["share_openings_family_wage"]],
            "Median wage (hourly)": wage,
        }
    )
    if decision == "review":
        out["Issue"] = rows["flags"].astype(str).to_numpy()
    return out.reset_index(drop=True)


def what_to_do(ctx: RegionContext) -> list[tuple[str, str]]:
    """The report's first screen as ``(kind, text)`` parts, ``kind`` ``"markdown"`` or ``"html"``: the expand,
    review and keep lists with their headings and notes; without occupation tables, the flagged pathways ranked
    (:func:`attention_table`)."""
    if decisions_of(ctx) is None:
        attention = attention_table(ctx)
        return [("html", table_html(attention)) if len(attention) else ("markdown", flags_note(ctx))]
    parts: list[tuple[str, str]] = []
    for decision in DECISIONS:
        parts += [
            ("markdown", "### " + DECISION_TEXT[decision][0]),
            ("markdown", decision_note(ctx, decision)),
        ]
        listed = decision_table(ctx, decision)
        if len(listed):
            parts.append(("html", table_html(listed)))
    return parts


def _per_opening(low: float, high: float, openings: float) -> str:
    """Completers per opening as a cell: one figure, a range, or "–" when open-ended or without openings.

    >>> _per_opening(15, 15, 2976), _per_opening(29, 37, 20), _per_opening(40, float("inf"), 20)
    ('0.01', '1.45–1.85', '2.00 or more')
    """
    if pd.isna(openings) or openings <= 0:
        return "–"
    lo, hi = float(low) / float(openings), float(high) / float(openings)
    if hi == float("inf"):
        return f"{lo:.2f} or more" if lo > 0 else "–"
    return f"{lo:.2f}" if abs(hi - lo) < 0.005 else f"{lo:.2f}–{hi:.2f}"


def decision_note(ctx: RegionContext, decision: str) -> str:
    """What a list says under its heading: what it holds, and how many rows the workbook has beyond it."""
    d = decisions_of(ctx)
    heading, what, empty = DECISION_TEXT[decision]
    if d is None:
        return ""
    total = int((d["decision"] == decision).sum())
    if total == 0:
        return empty
    n = int({**default_thresholds(), **ctx.cfg.thresholds}["top_n"])
    if decision == "expand" and _places_file(ctx) is not None:
        what += (
            " Completers are placed where they are taught by the institution places file (see the data notes); "
            "an institution it does not list counts at its main campus."
        )
    elif decision == "expand" and _from_ipeds(ctx):
        what += (
            " Completers are counted where IPEDS places each college's main campus (see the data notes), so a "
            "shortfall here may be trained at a branch campus whose awards count in another region."
        )
    more = (
        f" The largest {n} of {total} are shown; every one is on the Decisions sheet of this region's workbook."
        if total > n
        else ""
    )
    return what + more


def _gap_sentences(ctx: RegionContext) -> list[str]:
    """The widest shortfall and the largest cluster whose programs are small, when the counts allow it."""
    al = ctx.alignment
    measure = ctx.cfg.supply_measure
    parts = []
    # a shortfall smaller than the privacy threshold is not a headline, and its figure could be read as a count
    under = al[al["gap"].fillna(0) >= ctx.threshold].sort_values("gap", ascending=False).head(1)
    if len(under):
        r = under.iloc[0]
        parts.append(
            f"The widest shortfall is in {escape_text(r['cluster_name'])}: programs there would need about "
            f"{int(round(r['gap'])):,} more {measure} a year to match the region's job mix."
        )
    small = al[al["supply_small"] & (al["demand_share"].fillna(0) > 0) & al["demand_equivalent"].notna()]
    small = small.sort_values("demand_equivalent", ascending=False).head(1)
    if len(small) and (not len(under) or small["demand_equivalent"].iloc[0] > under["gap"].iloc[0]):
        r = small.iloc[0]
        parts.append(
            f"{escape_text(r['cluster_name'])} holds {_pct(r['demand_share'])} of jobs, which suggests about "
            f"{int(round(r['demand_equivalent'])):,} {measure} a year; its programs report fewer than {ctx.threshold}."
        )
    return parts


def attention_table(ctx: RegionContext, n: int | None = None) -> pd.DataFrame:
    """The pathways most in need of attention, ranked, with the reason for each flag."""
    n = n or int(ctx.cfg.thresholds.get("top_n", 5))
    fl = shown_flags(ctx)
    fl = fl[~fl["flag"].isin(["SUPPRESSED", "UNMATCHED_PROGRAM"])].copy()
    # one row per pathway and flag: the same program at several institutions is listed once
    key = (
        fl["flag"].astype(str)
        + "|"
        + fl["cip"].astype("string").fillna("")
        + "|"
        + fl["cluster_code"].astype(str)
    )
    where = fl.groupby(key, sort=False)["institution"].agg(
        lambda s: name_list(sorted(set(s.dropna().astype(str))))
    )
    top = fl.assign(_key=key).drop_duplicates("_key").head(n)
    top["institution"] = top["_key"].map(where)
    return _flag_rows(top)


def full_flag_table(ctx: RegionContext) -> pd.DataFrame:
    return _flag_rows(shown_flags(ctx))


def _flag_rows(fl: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "Pathway": fl["program_name"].astype("string").fillna("(whole cluster)"),
            "Institution": fl["institution"]
            .astype("string")
            .fillna("")
            .replace("", "all institutions in the region"),
            "CIP": fl["cip"].astype("string").fillna(""),
            "Cluster": fl["cluster_name"].fillna("").astype(str)
            if "cluster_name" in fl
            else fl["cluster_code"],
            "Flag": fl["flag"].map(lambda f: FLAG_LABELS.get(f, f)),
            "Why": fl["reason"].astype(str),
        }
    )
    return out.reset_index(drop=True)


def cluster_table(ctx: RegionContext) -> pd.DataFrame:
    """Supply and demand by cluster, with small counts suppressed."""
    al = ctx.alignment.sort_values("demand_share", ascending=False)
    t = ctx.threshold
    return pd.DataFrame(
        {
            "Cluster": al["cluster_name"].astype(str),
            f"{ctx.cfg.supply_measure.capitalize()}": [
                f"<{t}" if small else WITHHELD if hidden else format_count(v, t)
                for v, small, hidden in zip(
                    al["supply"], al["supply_small"], al["supply_suppressed"], strict=True
                )
            ],
            "Share of students": [_pct(v) if pd.notna(v) else "–" for v in al["supply_share"]],
            f"Jobs{_jobs_header(ctx)}": [f"{v:,.0f}" if pd.notna(v) else "–" for v in al["employment"]],
            f"Share of jobs{_jobs_header(ctx)}": [
                _pct(v) if pd.notna(v) else "–" for v in al["demand_share"]
            ],
            "Location quotient": [f"{v:.2f}" if pd.notna(v) else "–" for v in al["lq"]],
            "Gap (students)": [f"{v:+,.0f}" if pd.notna(v) else "–" for v in al["gap"]],
            **_occupation_columns(ctx, al["cluster_code"]),
        }
    ).reset_index(drop=True)


def cluster_table_note(ctx: RegionContext) -> str:
    """What the cluster table compares: the mix of students and of industry jobs, beside jobs by occupation."""
    text = (
        "A mix comparison: each cluster's share of the region's students against its share of the jobs in its "
        "industries; the gap is how many students the cluster would gain or lose if the two mixes were the "
        "same. It is not a count of openings."
    )
    if ctx.tables.get("occupation_demand") is None:
        return text
    return text + (
        " The last two columns count the same cluster by occupation, with the openings a year that the lists "
        "above are decided on. An industry employs many occupations (a hospital's cooks and accountants count "
        "in health care by industry, in hospitality and finance by occupation), so the two views of a cluster "
        "differ."
    )


def _occupation_columns(ctx: RegionContext, clusters: pd.Series) -> dict[str, list[str]]:
    """Jobs and openings of each cluster counted by occupation (SOC → cluster), beside the industry view."""
    od = ctx.tables.get("occupation_demand")
    if od is None:
        return {}
    mine = od[od["region_id"] == ctx.region_id].set_index("cluster_code")
    jobs = mine["occupation_employment"].reindex(clusters.to_numpy())
    openings = mine["openings_annual"].reindex(clusters.to_numpy())
    return {
        "Jobs by occupation": [f"{v:,.0f}" if pd.notna(v) else "–" for v in jobs],
        "Openings a year (occupations)": [f"{v:,.0f}" if pd.notna(v) else "–" for v in openings],
    }


def _yes_share(v: object) -> str:
    return _pct(float(v)) if pd.notna(v) else "–"


def occupation_note(ctx: RegionContext) -> str:
    """One paragraph on the occupation side: where openings come from and the preset's occupation tests."""
    od = ctx.tables.get("occupation_demand")
    if od is None:
        return (
            "No occupational projections were given (`inputs.projections`), so this report has no "
            "occupation-level demand. Add the BLS Employment Projections `occupation.xlsx` or a state "
            "long-term projections workbook to see openings by cluster."
        )
    mine = od[od["region_id"] == ctx.region_id]
    sources = sorted(set(mine["openings_source"].dropna()))
    how = {
        "estimated": "estimated: national openings scaled by the region's share of each occupation's jobs",
        "state_projection": "from the state's long-term projections, scaled to the region",
        "mixed": "partly from state projections, partly estimated from national ones",
    }
    said = "; ".join(how.get(x, x) for x in sources) or "not available"
    return (
        f"Occupation employment, openings and wages by cluster. Annual openings are {said}. "
        f"{_wage_area_sentence(ctx)}"
        "These jobs are counted by what people do (each occupation in its cluster), while the jobs by industry "
        "earlier in this report count everyone the cluster's industries employ: a hospital's cooks and "
        "accountants count in health care there and in hospitality and finance here, so the two figures for a "
        "cluster differ. A program "
        "leads to *high-skill, high-wage, in-demand* occupations when the occupations its CIP code links to "
        f"meet the tests of the {code_text(ctx.cfg.preset)} preset (see the data notes); the shares below "
        "weight each linked occupation as the run's allocation does."
    )


WAGE_AREA_WORDS = {
    "region": "the region's own metropolitan and nonmetropolitan areas",
    "state": "the state as a whole (the wage file has no area of this region)",
    "nation": "the nation as a whole (the wage file has neither this region's areas nor the state)",
}


def _wage_area_sentence(ctx: RegionContext) -> str:
    """Where the occupation wages of the region come from (``occupation_alignment.wage_area_level``)."""
    oa = ctx.tables.get("occupation_alignment")
    if oa is None or "wage_area_level" not in oa:
        return ""
    levels = oa.loc[oa["region_id"] == ctx.region_id, "wage_area_level"].dropna().unique().tolist()
    if len(levels) != 1:
        return ""
    return f"Wages are OEWS estimates for {WAGE_AREA_WORDS.get(levels[0], levels[0])}. "


def occupation_table(ctx: RegionContext) -> pd.DataFrame:
    """Region × cluster occupation demand: jobs, annual openings, median wage, openings at the family wage."""
    od = ctx.tables.get("occupation_demand")
    if od is None:
        return pd.DataFrame()
    mine = od[od["region_id"] == ctx.region_id].sort_values("openings_annual", ascending=False)
    return pd.DataFrame(
        {
            "Cluster": mine["cluster_name"].astype(str),
            "Jobs (occupations)": [
                f"{v:,.0f}" if pd.notna(v) else "–" for v in mine["occupation_employment"]
            ],
            "Annual openings": [f"{v:,.0f}" if pd.notna(v) else "–" for v in mine["openings_annual"]],
            "Openings source": mine["openings_source"].fillna("–").astype(str),
            "Median annual wage": [
                f"${v:,.0f}" if pd.notna(v) else "–" for v in mine["wage_median_annual_usd"]
            ],
            "Openings at the family wage": [_yes_share(v) for v in mine["share_openings_family_wage"]],
        }
    ).reset_index(drop=True)


def _no_programs_sentence(ctx: RegionContext) -> str | None:
    state = supply_state(ctx)
    if state == "none":
        return f"The supply file lists no CTE programs in {escape_text(ctx.region_name)} for {ctx.cfg.year}."
    return None


def program_wages_note(ctx: RegionContext) -> str:
    """What the wage section says when it has no chart: no programs, no wage file, or no wage for them."""
    none = _no_programs_sentence(ctx)
    if none:
        return none + " There are no program wages to show."
    if ctx.cfg.inputs.oews is None:
        return "No occupational wage file was given for this run (`inputs.oews`)."
    return (
        f"No program in {escape_text(ctx.region_name)} leads to an occupation with a wage in the occupational "
        f"wage file ({escape_text(ctx.cfg.inputs.oews.name)})."
    )


def program_occupations_note(ctx: RegionContext) -> str:
    """What the programs-and-occupations section says when its table is empty."""
    none = _no_programs_sentence(ctx)
    if none:
        return none
    return "No program-to-occupation figures for this region (they need projections and OEWS wages)."


def excluded_note(ctx: RegionContext) -> str:
    """What the excluded-programs section says when no program of the region was left out."""
    none = _no_programs_sentence(ctx)
    if none:
        return "None: " + none[0].lower() + none[1:]
    return "None: every program was matched."


def program_occupation_table(ctx: RegionContext) -> pd.DataFrame:
    """Each program of the region: openings of its linked occupations and the shares meeting each test."""
    po = ctx.tables.get("program_occupations")
    if po is None:
        return pd.DataFrame()
    mine = po[(po["region_id"] == ctx.region_id) & (po["n_socs"] > 0)]
    mine = mine.sort_values(["share_hshwid", "openings_linked"], ascending=[True, False], na_position="last")
    return pd.DataFrame(
        {
            "Institution": mine["institution"].astype(str),
            "Program": mine["program_name"].astype(str),
            "CIP": mine["cip"].astype(str),
            "Linked occupations": mine["n_socs"].astype(int),
            "Their annual openings": [f"{v:,.0f}" if pd.notna(v) else "–" for v in mine["openings_linked"]],
            "High wage": [_yes_share(v) for v in mine["share_high_wage"]],
            "In demand": [_yes_share(v) for v in mine["share_in_demand"]],
            "High skill": [_yes_share(v) for v in mine["share_high_skill"]],
            f"High-skill, high-wage, in-demand ({hshwid_rule(ctx.cfg.thresholds)})": [
                _yes_share(v) for v in mine["share_hshwid"]
            ],
        }
    ).reset_index(drop=True)


#: rows of a long table shown on a report page (ranked first); the rest stay in the workbook
PAGE_ROWS = 50
#: names listed in one table cell before "and N more"
CELL_NAMES = 3


#: how the report names what a shortened table leaves out, and where the reader finds it
FLAGS_REST = {
    "noun": "flagged pathways",
    "rest": "every one is on the Flags sheet of this region's workbook (tables.xlsx)",
}
EXCLUDED_REST = {
    "noun": "programs left out",
    "rest": "every one is on the Excluded sheet of this region's workbook (tables.xlsx)",
}
PROGRAMS_REST = {
    "noun": "programs (those with the smallest share of high-skill, high-wage, in-demand occupations first)",
    "rest": "the others are left out to keep the report readable (analysts find every program in the run's "
    "processed table program_occupations)",
}


def name_list(names: list[str], limit: int = CELL_NAMES) -> str:
    """Names joined by "; ", the first ``limit`` of them and a count of the rest.

    >>> name_list(["A SD", "B SD"]), name_list(["A", "B", "C", "D", "E"])
    ('A SD; B SD', 'A; B; C and 2 more')
    """
    if len(names) <= limit:
        return "; ".join(names)
    return "; ".join(names[:limit]) + f" and {len(names) - limit:,} more"


def page_table_html(df: pd.DataFrame, *, noun: str, rest: str, limit: int = PAGE_ROWS) -> str:
    """:func:`table_html` of the first ``limit`` rows, with a sentence saying how many are not shown and where
    they are (``rest``), so a region with thousands of programs still gets a report of readable size.

    >>> html = page_table_html(pd.DataFrame({"Program": list("abc")}), noun="programs", rest="see the workbook",
    ...                        limit=2)
    >>> html.count("<tr"), html.split("<p")[1]
    (3, ' class="table-note">The first 2 of 3 programs are shown; see the workbook.</p>')
    """
    if len(df) <= limit:
        return table_html(df)
    note = f"The first {limit:,} of {len(df):,} {escape_text(noun)} are shown; {rest}."
    return table_html(df.head(limit)) + f'\n<p class="table-note">{note}</p>'


def table_html(df: pd.DataFrame, *, reasons: bool | None = None) -> str:
    """An accessible HTML table: header cells, every value escaped; a ``Why`` column gets room to read.

    Text cells and headers go through :func:`~alignment.safe_text.plain_text` (bidi controls removed) and
    pandas escapes them, so a name in a table is shown as the characters it is.
    """
    reasons = "Why" in df.columns if reasons is None else reasons
    classes = "alignment-table reasons" if reasons else "alignment-table"
    shown = df.map(lambda v: _breakable(plain_text(v)) if isinstance(v, str) else v)
    shown.columns = [_breakable(plain_text(c)) if isinstance(c, str) else c for c in df.columns]
    out = shown.to_html(index=False, escape=True, border=0, classes=classes, na_rep="–")
    return out.replace(_BREAK, "<wbr>")  # after escaping: the only markup added, an empty element


_BREAK = "\u200b"  # zero-width space: marks a line-break opportunity until it becomes <wbr>
_LONG_WORD = re.compile(r"\S{25,}")
_BREAK_AFTER = re.compile(r"(?<=\S)([/,;&=)\]}.:_-])(?=\S)")


def _breakable(text: str) -> str:
    """``text`` with line-break opportunities inside words of 25 characters or more.

    A long name without spaces (a URL, ``=HYPERLINK("…","…")``) would otherwise set the width of its column
    and push the table off the printed page. Breaks go after punctuation, and every 20 characters where
    there is none; the text itself is unchanged.

    >>> _breakable("Applied Horticulture/Horticulture Operations").replace(_BREAK, "|")
    'Applied Horticulture/|Horticulture Operations'
    """
    text = text.replace(_BREAK, "")

    def split(m: re.Match[str]) -> str:
        word = _BREAK_AFTER.sub(lambda p: p.group(1) + _BREAK, m.group(0))
        return _BREAK.join(
            re.sub(r"(\S{20})(?=\S)", lambda q: q.group(1) + _BREAK, part) for part in word.split(_BREAK)
        )

    return _LONG_WORD.sub(split, text)


def _supply_name(cfg) -> str:
    """The supply file(s) by name: the enrollment file, or the IPEDS completions files."""
    if cfg.inputs.enrollment is not None:
        return cfg.inputs.enrollment.name
    names = [p.name for p in cfg.inputs.ipeds_completions]
    return "IPEDS Completions " + ", ".join(names) + " (first majors, sub-baccalaureate awards)"


def _occupation_notes(ctx: RegionContext) -> list[str]:
    cfg = ctx.cfg
    if not cfg.inputs.projections:
        return []
    files = ", ".join(p.name for p in cfg.inputs.projections)
    used = criteria_in_use(cfg.thresholds)
    tests = "; ".join(
        f"{name.replace('_', ' ')}: {', '.join(f'{k} = {cfg.thresholds[k]}' for k in keys)}"
        for name, keys in used.items()
        if keys
    )
    return [
        f"- **Occupations**: projections {escape_text(files)}; program → occupation links "
        f"{'NCES CIP–SOC crosswalk' if 'nces_cip_soc' in cfg.crosswalks else 'built-in table'}, "
        f"allocation `{cfg.occupation_allocation}`; occupation tests ({escape_text(tests) or 'none'}).",
    ]


def _migration_notes(ctx: RegionContext) -> list[str]:
    migrations = ctx.tables.get("cip_migrations")
    moved = 0 if migrations is None else int(migrations["migrated"].sum())
    if not moved:
        return []
    return [f"- **CIP 2010 codes**: {moved} row(s) migrated to CIP 2020 (table `cip_migrations`)."]


def _input_notes(ctx: RegionContext) -> list[str]:
    """The run's warnings about its inputs (table ``input_notes``: stale OEWS, a county without QCEW rows)."""
    notes = ctx.tables.get("input_notes")
    if notes is None or notes.empty:
        return []
    return [f"- **Input warning**: {escape_text(text)}" for text in notes["text"]]


#: IPEDS places every award at the institution's main campus (reports, data notes and the expand list)
CAMPUS_CAVEAT = (
    "IPEDS reports every award of an institution at its main campus (the county of its IPEDS directory "
    "address), not where the student studied. A college with campuses in several regions counts all its "
    "completers in the region of its main campus, so a region served by a branch campus can show fewer "
    "completers than it trains, or none."
)


def _from_ipeds(ctx: RegionContext) -> bool:
    return bool(getattr(ctx.cfg.inputs, "ipeds_completions", None))


def _places_file(ctx: RegionContext) -> Path | None:
    return getattr(ctx.cfg.inputs, "institution_places", None)


def institutions_placed(ctx: RegionContext) -> int:
    """How many institutions of the analysis year the places file moves from their main-campus county, in
    whole or in part (``programs``: ``county_fips`` against ``main_county_fips``)."""
    p = ctx.tables.get("programs")
    if p is None or "main_county_fips" not in p.columns:
        return 0
    p = p[p["year"] == ctx.cfg.year]
    moved = p["county_fips"].astype("string").ne(p["main_county_fips"].astype("string")).fillna(False)
    moved |= pd.to_numeric(p["place_share"], errors="coerce").lt(1.0).fillna(False)
    return int(p.loc[moved.astype(bool), "institution"].nunique())


def _campus_notes(ctx: RegionContext) -> list[str]:
    """Where awards are counted: by the institution places file when given, else the IPEDS caveat."""
    path = _places_file(ctx)
    if path is None:
        return [f"- **Where awards are counted**: {CAMPUS_CAVEAT}"] if _from_ipeds(ctx) else []
    n, t = institutions_placed(ctx), ctx.threshold
    main = " (IPEDS reports every award at the main campus)" if _from_ipeds(ctx) else ""
    return [
        f"- **Where awards are counted**: where they are taught, by the institution places file "
        f"{code_text(path.name)}, which moves {n} institution{'s' if n != 1 else ''} from the county of "
        f"{'their' if n != 1 else 'its'} main campus{main}; other institutions count at their main campus. A "
        "program taught in several regions is divided by the file's shares, so its counts there are estimates "
        f"and may have decimals. A count below {t} is not divided, and a region whose own count is below {t} "
        "takes no divided part, so that no small count can be worked out from the parts (methods, section 1)."
    ]


def withheld_jobs(ctx: RegionContext) -> dict[str, float] | None:
    """The region's jobs of the demand year by where they come from: ``total``, ``disclosed``, ``recovered``
    (exactly, from published totals), ``imputed`` (spread over withheld industries) and ``unplaced`` (in no
    cluster); None without a demand table."""
    d = ctx.tables.get("demand")
    if d is None or "employment_imputed" not in d.columns:
        return None
    d = d[(d["region_id"] == ctx.region_id) & (d["year"] == ctx.cfg.industry_year)]
    if d.empty:
        return None
    out = {"total": float(d["employment"].sum())}
    for origin in ("disclosed", "recovered", "imputed"):
        out[origin] = float(d[f"employment_{origin}"].sum())
    out["unplaced"] = float(d.loc[d["cluster_code"].isna(), "employment"].sum())
    return out


def _withheld_jobs_notes(ctx: RegionContext) -> list[str]:
    """The data-notes line on jobs BLS withholds: how many were placed, how, and how many were not."""
    w = withheld_jobs(ctx)
    if w is None or w["total"] <= 0:
        return []
    total, year = w["total"], ctx.cfg.industry_year
    placed = w["recovered"] + w["imputed"]
    if placed <= 0:
        text = f"- **Jobs BLS withholds**: none of the region's {total:,.0f} jobs in {year} is withheld."
    else:
        how = []
        if w["recovered"] > 0:
            how.append(f"{w['recovered']:,.0f} exactly (the only withheld industry under a published total)")
        if w["imputed"] > 0:
            how.append(
                f"{w['imputed']:,.0f} estimated (a total shared by several withheld industries, split by "
                "their establishment counts × the state's average establishment size; methods, section 2)"
            )
        text = (
            f"- **Jobs BLS withholds**: {placed:,.0f} of the region's {total:,.0f} jobs in {year} "
            f"({placed / total:.0%}) are in industries whose figures BLS withholds to protect employers' "
            "confidentiality. None is dropped: they are placed from the totals BLS publishes above them, "
            + " and ".join(how)
            + "."
        )
    if w["unplaced"] > 0:
        text += f" {w['unplaced']:,.0f} jobs ({w['unplaced'] / total:.1%}) fit no cluster."
    return [text]


def data_notes(ctx: RegionContext) -> str:
    """Sources, vintages, suppression and what was excluded, as Markdown."""
    cfg = ctx.cfg
    t = ctx.threshold
    unmatched = ctx.tables.get("unmatched")
    n_unmatched = 0 if unmatched is None else len(unmatched)
    lines = [
        f"- **Region**: {escape_text(ctx.region_name)} — counties: {escape_text(', '.join(ctx.counties))}.",
        f"- **Supply**: {escape_text(_supply_name(cfg))}, {cfg.supply_measure} in {cfg.year}; programs mapped "
        f"to the {cfg.framework} Career Clusters framework by CIP code (rule: {cfg.cluster_rule} cluster).",
        f"- **Demand**: QCEW {cfg.industry_year} ({len(cfg.inputs.qcew)} file(s); quarters averaged where a file has no "
        "annual averages), all ownerships; location quotients "
        f"against {escape_text(cfg.inputs.qcew_base_area)}.",
        *_withheld_jobs_notes(ctx),
        f"- **Wages**: {escape_text(cfg.inputs.oews.name) if cfg.inputs.oews else 'no OEWS file'}; family-supporting "
        f"wage rule: {escape_text(cfg.family_wage.source)} ({escape_text(cfg.family_wage.describe())}).",
        *_occupation_notes(ctx),
        *_campus_notes(ctx),
        *_migration_notes(ctx),
        *_input_notes(ctx),
        f"- **Privacy**: student counts from 1 to {t - 1} are shown as <{t}.",
        f"- **Excluded**: {n_unmatched} enrollment row(s) statewide could not be matched (bad CIP code or county); "
        "they are listed in the run's `unmatched` table.",
        f"- **Thresholds**: preset {code_text(cfg.preset)}: "
        + ", ".join(
            f"{escape_text(k)} = {escape_text(v)}" for k, v in sorted(cfg.thresholds.items()) if v is not None
        )
        + ".",
    ]
    if cfg.synthetic:
        lines.insert(0, "- " + SYNTHETIC_NOTE)
    return "\n".join(lines)


def gap_cluster(ctx: RegionContext) -> str | None:
    """The cluster the region's map shows: its widest shortfall, else its largest surplus."""
    al = ctx.alignment.dropna(subset=["gap"])
    if al.empty:
        return None
    al = al.assign(abs_gap=al["gap"].abs()).sort_values(["gap", "cluster_code"], ascending=[False, True])
    return (
        str(al["cluster_code"].iloc[0])
        if al["gap"].iloc[0] > 0
        else str(al.sort_values("abs_gap").iloc[-1]["cluster_code"])
    )


def region_shapes(ctx: RegionContext):
    """The run's regions as shapes, from the county boundaries and regions kept with the run."""
    from .. import maps

    return maps.region_shapes(ctx.tables["counties"], ctx.tables["regions"])


def gap_map(ctx: RegionContext):
    """Curriculum-gap map: every region of the state coloured by its gap in this region's headline cluster."""
    from .. import maps

    shapes = region_shapes(ctx)
    cluster = gap_cluster(ctx)
    all_regions = ctx.tables["published_alignment"]
    return maps.plot_gap_map(
        shapes,
        all_regions,
        cluster,
        year=ctx.cfg.year,
        highlight_region=ctx.region_id,
        institutions=ctx.tables.get("institutions"),
    )


def _openings_table(ctx: RegionContext) -> pd.DataFrame | None:
    from ..occupation_alignment import openings_by_cluster

    oa = ctx.tables.get("occupation_alignment")
    return None if oa is None else openings_by_cluster(oa, ctx.threshold)


def openings_cluster(ctx: RegionContext) -> str | None:
    """The cluster of the region's first occupation to expand, else the cluster with the most openings."""
    d = decisions_of(ctx)
    oa = ctx.tables.get("occupation_alignment")
    if d is None or oa is None:
        return None
    mine = oa[oa["region_id"] == ctx.region_id]
    expand = d[d["decision"] == "expand"]
    if len(expand):
        hit = mine.loc[mine["soc"] == expand["soc"].iloc[0], "cluster_code"]
        if len(hit) and pd.notna(hit.iloc[0]):
            return str(hit.iloc[0])
    by = mine.groupby("cluster_code")["openings"].sum()
    return str(by.idxmax()) if len(by) else None


def openings_map(ctx: RegionContext):
    """Completers per opening in one cluster's occupations, every region of the state (:func:`openings_cluster`)."""
    from .. import maps

    cluster = openings_cluster(ctx)
    t = {**default_thresholds(), **ctx.cfg.thresholds}
    return maps.plot_openings_map(
        region_shapes(ctx),
        _openings_table(ctx),
        cluster,
        cluster_name=_cluster_names(ctx).get(cluster, cluster),
        year=ctx.cfg.year,
        under=float(t["undersupply_ratio"]),
        over=float(t["oversupply_ratio"]),
        highlight_region=ctx.region_id,
        institutions=ctx.tables.get("institutions"),
    )


def openings_map_alt_text(ctx: RegionContext) -> str:
    """Alt text of the completers-per-opening map: the cluster and every region's figure, in words."""
    from ..maps import openings_value_text

    cluster = openings_cluster(ctx)
    o = _openings_table(ctx)
    rows = o[o["cluster_code"] == cluster]
    names = _region_names(ctx)
    parts = [
        f"{names.get(str(r.region_id), r.region_id)}: "
        f"{openings_value_text(r.completers_per_opening_low, r.completers_per_opening_high)}"
        for r in rows.sort_values("region_id").itertuples()
    ]
    return plain_text(
        f"Map of the state's regions coloured by college completers per opening a year in the occupations of "
        f"{_cluster_names(ctx).get(cluster, cluster)}, {ctx.cfg.year}, {ctx.region_name} outlined. "
        + "; ".join(parts)
        + "."
    )


def top_clusters(ctx: RegionContext, n: int = 6) -> list[str]:
    """The ``n`` clusters with the most jobs statewide in the analysis year (the small-multiples page)."""
    al = ctx.tables["published_alignment"]
    al = al[al["year"] == ctx.cfg.year]
    jobs = al.groupby("cluster_code")["employment"].sum().sort_values(ascending=False, kind="mergesort")
    return [str(c) for c in jobs.index[:n]]


def gap_small_multiples(ctx: RegionContext):
    """One page of gap maps for the largest clusters, on one shared scale (every region of the state)."""
    from .. import maps

    shapes = region_shapes(ctx)
    return maps.plot_gap_small_multiples(
        shapes,
        ctx.tables["published_alignment"],
        top_clusters(ctx),
        year=ctx.cfg.year,
        institutions=ctx.tables.get("institutions"),
    )


def gap_small_multiples_alt_text(ctx: RegionContext) -> str:
    """Alt text of the small multiples: per cluster, this region's gap and the region with the widest shortfall."""
    al = ctx.tables["published_alignment"]
    al = al[al["year"] == ctx.cfg.year]
    parts = []
    for code in top_clusters(ctx):
        rows = al[al["cluster_code"] == code]
        name = str(rows["cluster_name"].iloc[0]) if len(rows) else code
        mine = rows[rows["region_id"] == ctx.region_id]["gap"]
        here = f"{float(mine.iloc[0]):+,.0f}" if len(mine) and pd.notna(mine.iloc[0]) else WITHHELD
        known = rows.dropna(subset=["gap"])
        widest = known.sort_values("gap", ascending=False, kind="mergesort").head(1)
        top = (
            f"; widest shortfall {widest['region_name'].iloc[0]} ({float(widest['gap'].iloc[0]):+,.0f})"
            if len(widest)
            else ""
        )
        parts.append(f"{name}: {ctx.region_name} {here}{top}")
    return plain_text(
        "Maps of the supply–demand gap in students for the largest clusters, every region shaded on one scale "
        "(purple: students short, orange dotted: surplus). " + ". ".join(parts) + "."
    )


def gap_map_alt_text(ctx: RegionContext) -> str:
    """Alt text of the curriculum-gap map: the cluster and the gap of every region, in words."""
    cluster = gap_cluster(ctx)
    al = ctx.tables["published_alignment"]
    al = al[al["cluster_code"] == cluster].sort_values("gap", ascending=False)
    if al.empty:
        return "Map of the state's regions; no gap could be computed."
    name = str(al["cluster_name"].iloc[0])
    parts = [
        f"{r.region_name}: {r.gap:+,.0f}" if pd.notna(r.gap) else f"{r.region_name}: {WITHHELD}"
        for r in al.itertuples()
    ]
    return plain_text(
        f"Map of the state's regions coloured by the gap in {name} {ctx.cfg.supply_measure} "
        f"(positive = students short of the job mix, negative = surplus), {ctx.region_name} outlined. "
        + "; ".join(parts)
        + "."
    )


def excluded_table(ctx: RegionContext) -> pd.DataFrame:
    """Programs of this region left out of the cluster analysis in the analysis year, and why."""
    programs = ctx.tables["programs"]
    rows = programs[(programs["region_id"] == ctx.region_id) & (programs["year"] == ctx.cfg.year)]
    rows = rows[~rows["matched"].astype(bool)]
    unmatched = ctx.tables.get("unmatched")
    if unmatched is not None and len(unmatched):
        why = unmatched.drop_duplicates(["source_file", "source_row"])[
            ["source_file", "source_row", "value", "reason"]
        ]
        rows = rows.merge(why, on=["source_file", "source_row"], how="left")
    else:
        rows = rows.assign(value=pd.NA, reason=pd.NA)
    return pd.DataFrame(
        {
            "Institution": rows["institution"].astype("string"),
            "Program": rows["program_name"].astype("string"),
            "File and row": rows["source_file"].astype("string")
            + ", row "
            + rows["source_row"].astype("string"),
            "Value": rows["value"].astype("string").fillna(""),
            "Why excluded": rows["reason"].astype("string").fillna("not matched to a cluster"),
        }
    ).reset_index(drop=True)


@dataclass
class ReportSection:
    """A report section built from data: its heading, a Markdown paragraph and the tables that follow."""

    heading: str
    text: str
    tables: list[pd.DataFrame]


def _region_names(ctx: RegionContext) -> dict[str, str]:
    al = ctx.tables["alignment"].drop_duplicates("region_id")
    return {str(r): str(n) for r, n in zip(al["region_id"], al["region_name"], strict=True)}


def _cluster_names(ctx: RegionContext) -> dict[str, str]:
    al = ctx.tables["alignment"].drop_duplicates("cluster_code")
    return {str(c): str(n) for c, n in zip(al["cluster_code"], al["cluster_name"], strict=True)}


def peers_section(ctx: RegionContext, k: int = 3) -> ReportSection:
    """Peer regions (most similar industry mix) and the clusters where they have programs and this one none.

    The peers are the run's ``peers`` table (:func:`alignment.peers.peer_regions`, by industry mix); what
    they offer is read from the published alignment of every region, so a peer's count is shown exactly as
    the peer's own report shows it (``<10`` when small).
    """
    from .. import peers as peer_mod

    published = ctx.tables["published_alignment"]
    measure = ctx.cfg.supply_measure
    found = ctx.tables.get("peers")
    if found is None:  # a context built without the run's tables (an older run)
        found = peer_mod.peer_regions(published, k=k)
    found = found[found["rank"] <= k]
    mine = found[found["region_id"] == ctx.region_id]
    heading = "## Peer regions"
    if mine.empty:
        n = published["region_id"].nunique()
        return ReportSection(
            heading,
            f"Peer regions need at least two regions with employment in the run; this run has {n} "
            f"region{'s' if n != 1 else ''}"
            + (
                ", and this one has no mapped employment."
                if n > 1
                else ", so there is nothing to compare with."
            ),
            [],
        )
    names = _region_names(ctx)
    offers = peer_mod.programs_peers_offer(published, mine, threshold=ctx.threshold)
    listed = "; ".join(
        f"{escape_text(names.get(p, p))} ({d:.3f})"
        for p, d in zip(mine["peer_id"], mine["distance"], strict=True)
    )
    region = escape_text(ctx.region_name)
    text = (
        f"The regions whose industry mix is closest to {region}'s, by the cosine distance between "
        f"their shares of jobs in each Career Cluster (0 = the same mix): {listed}."
    )
    without = [escape_text(names.get(p, p)) for p in mine["peer_id"] if p not in set(offers["peer_id"])]
    if offers.empty:
        text += f" None of them has programs in a cluster where {region} has none."
        return ReportSection(heading, text, [])
    text += (
        f" The table lists what they offer that {region} lacks: each cluster where a peer reports "
        f"{measure} and {region} reports none, with the peer's count as its own report shows it "
        "and the "
        f"cluster's share of jobs in {region}."
    )
    if without:
        text += f" {' and '.join(without)} {'has' if len(without) == 1 else 'have'} no such cluster."
    table = pd.DataFrame(
        {
            "Region": [names.get(p, p) for p in offers["peer_id"]],
            "Peer rank": offers["rank"].astype(int),
            "Cluster": offers["cluster_name"].astype(str),
            measure.capitalize(): offers["peer_supply_text"].astype(str),
            f"Share of jobs in {ctx.region_name}": [
                _pct(v) if pd.notna(v) else "–" for v in offers["demand_share"]
            ],
        }
    )
    return ReportSection(heading, text, [table])


def _flag_change_rows(flags: pd.DataFrame, cluster_names: dict[str, str], prev: int) -> pd.DataFrame:
    """Flags added and cleared as report rows: one per change, flag and pathway, its institutions joined."""
    fl = flags.assign(
        _program=flags["program_name"].astype("string").fillna("(whole cluster)"),
        _cip=flags["cip"].astype("string").fillna(""),
        _cluster=flags["cluster_code"].map(lambda c: cluster_names.get(str(c), str(c))),
        _order=flags["change"].map({"added": 0, "cleared": 1}),
    )
    group = ["_order", "change", "flag", "_program", "_cip", "_cluster"]
    rows = (
        fl.groupby(group, sort=False, dropna=False)["institution"]
        .agg(lambda s: "; ".join(sorted(set(s.dropna().astype(str)))) or "all institutions in the region")
        .reset_index()
        .sort_values("_order", kind="stable")
    )
    return pd.DataFrame(
        {
            "Change": rows["change"].map({"added": f"new since {prev}", "cleared": f"cleared since {prev}"}),
            "Flag": rows["flag"].map(lambda f: FLAG_LABELS.get(f, f)),
            "Pathway": rows["_program"],
            "Institution": rows["institution"],
            "CIP": rows["_cip"],
            "Cluster": rows["_cluster"],
        }
    ).reset_index(drop=True)


def _changed_inputs_text(row: pd.Series, prev: int) -> str:
    """Which inputs differ from the earlier run's, so a reader knows what a change can come from."""
    changed, same = (row.get(c) for c in ("inputs_changed", "inputs_unchanged"))
    if changed is None or pd.isna(changed):
        return ""
    changed = [x for x in str(changed).split("; ") if x]
    same = [x for x in str(same).split("; ") if x] if not pd.isna(same) else []
    if not changed:
        return f" Every input file is the same as in the {prev} run."
    text = f" Input files that differ from the {prev} run's: {escape_text(', '.join(changed))}."
    if same:
        text += f" The same as in {prev}: {escape_text(', '.join(same))}."
    if "industry jobs (QCEW)" in same:
        text += (
            " The jobs by industry did not change between the two runs, so no change here comes from them."
        )
    return text


def changes_section(ctx: RegionContext) -> ReportSection:
    """The section "Since <previous year>": flags added and cleared, and the largest shifts in gap.

    Read from the comparison kept with the run (``changes_run``, ``flag_changes``, ``gap_shifts``:
    :func:`alignment.changes.year_over_year_tables`). Both years are compared as published.
    """
    from .. import changes

    row, yoy = changes.from_tables(ctx.tables)
    if row is None or row["status"] == "none":
        return ReportSection(
            "## Since the previous year",
            "No run of an earlier year for this state, cluster framework and supply measure "
            f"({ctx.cfg.supply_measure}) was found next to this run's processed folder, so this report shows "
            "no changes over the year. Keep each year's run under its own name (for example "
            "`run: my-state-2024`) to compare them.",
            [],
        )
    if yoy is None:  # found, but its tables could not be read
        return ReportSection(
            f"## Since {row['previous_year']}",
            f"The {row['previous_year']} run ({code_text(row['previous_run'])}) was found but could not be "
            f"compared with this one ({escape_text(row['note'])}).",
            [],
        )
    flags, shifts = yoy.for_region(ctx.region_id, n=int(ctx.cfg.thresholds.get("top_n", 5)))
    added = int((flags["change"] == "added").sum())
    cleared = int((flags["change"] == "cleared").sum())
    prev = yoy.previous.year
    text = (
        f"Compared with the {prev} run ({code_text(yoy.previous.run)}): "
        f"{added} flag{'s were' if added != 1 else ' was'} raised this year and not in {prev}, "
        f"and {cleared} flag{'s' if cleared != 1 else ''} raised in {prev} "
        f"no longer appl{'y' if cleared != 1 else 'ies'} (notes on small or unmatched programs left out)."
    )
    text += _changed_inputs_text(row, prev)
    tables = []
    if len(flags):
        tables.append(_flag_change_rows(flags, _cluster_names(ctx), prev))
    if len(shifts):
        text += (
            " The gap table shows the clusters whose gap moved most "
            f"(gap = {ctx.cfg.supply_measure} the job mix suggests minus those reported; positive = short of "
            "the job mix). A cluster whose count is hidden in either year is left out."
        )
        tables.append(
            pd.DataFrame(
                {
                    "Cluster": shifts["cluster_name"].astype(str),
                    f"Gap {prev}": [f"{v:+,.0f}" for v in shifts["gap_previous"]],
                    f"Gap {yoy.year}": [f"{v:+,.0f}" for v in shifts["gap"]],
                    "Change in gap": [f"{v:+,.0f}" for v in shifts["shift"]],
                }
            )
        )
    else:
        text += " No cluster's gap is shown in both years."
    return ReportSection(f"## Since {prev}", text, tables)
