"""The region report's shift-share section: what drove each cluster's change in jobs between two QCEW years.

Built from the run's ``shift_share`` table (:mod:`alignment.shift_share`); the notebook only displays it. A run
whose QCEW holds one year has no rows, and the report says nothing about it (:func:`shift_share_section` returns
``None``). Numbers are whole jobs, rounded so that every printed row adds up (:func:`alignment.shift_share.round_to_total`).
"""

from __future__ import annotations

import pandas as pd

from ..safe_text import escape_text
from ..shift_share import EFFECTS, base_area_words, round_to_total
from .narrative import RegionContext, ReportSection

__all__ = [
    "growth_label",
    "shift_share_rows",
    "shift_share_section",
    "shift_share_sentence",
    "shift_share_table",
]

#: how many clusters the section describes in a sentence (largest changes first); the table lists them all
SENTENCES = 3


def growth_label(base_area: str) -> str:
    """The name of the first effect: national growth against the nation, state growth against a state.

    >>> growth_label("US000"), growth_label("50000"), growth_label("C1234")
    ('National growth', 'State growth', 'Base-area growth')
    """
    area = base_area_words(base_area)[0]
    return {"the nation": "National growth", "the state": "State growth"}.get(area, "Base-area growth")


def shift_share_rows(ctx: RegionContext) -> pd.DataFrame:
    """The region's rows of the ``shift_share`` table (none when the run has one QCEW year or no such table)."""
    ss = ctx.tables.get("shift_share")
    if ss is None or ss.empty:
        return pd.DataFrame()
    return ss[ss["region_id"] == ctx.region_id].reset_index(drop=True)


def _whole(v: object) -> int:
    """A job count as the tables print it (``f"{v:,.0f}"``), as a number."""
    return int(f"{float(v):.0f}")


def _printed(row: pd.Series) -> tuple[int, int, int, list[int]]:
    """Jobs in the two years, the change and the three effects, in whole jobs that add up as printed."""
    e0, et = _whole(row["employment_base"]), _whole(row["employment_end"])
    parts = round_to_total([float(row[e]) for e in EFFECTS], et - e0)
    return e0, et, et - e0, parts


def _jobs(n: int) -> str:
    return f"{n:,} job" if n == 1 else f"{n:,} jobs"


def shift_share_sentence(name: str, row: pd.Series, base_area: str) -> str:
    """One plain sentence on a cluster's change in jobs and its three parts (``name`` is written as given).

    >>> row = pd.Series({"employment_base": 1000.0, "employment_end": 1200.0, "base_year": 2022,
    ...                  "end_year": 2024, "national_growth": 50.0, "industry_mix": 50.0, "regional_share": 100.0})
    >>> shift_share_sentence("Health", row, "US000")  # doctest: +NORMALIZE_WHITESPACE
    "Of the 200 jobs Health gained in the region from 2022 to 2024, 50 came with the nation's overall job
    growth, 50 from the cluster growing faster than the economy nationally, and 100 from the region outpacing
    the cluster nationally."
    >>> row[["employment_end", "regional_share"]] = [950.0, -150.0]
    >>> shift_share_sentence("Health", row, "50000")  # doctest: +NORMALIZE_WHITESPACE
    "Health lost 50 jobs in the region from 2022 to 2024: +50 with the state's overall job growth, +50 because
    the cluster grew faster than the economy statewide, and -150 because it grew more slowly in the region
    than statewide."
    """
    area, adverb = (escape_text(w) for w in base_area_words(base_area))
    y0, y1 = int(row["base_year"]), int(row["end_year"])
    _, _, change, (ng, im, rs) = _printed(row)
    if change > 0 and min(ng, im, rs) >= 0:
        return (
            f"Of the {_jobs(change)} {name} gained in the region from {y0} to {y1}, {ng:,} came with {area}'s "
            f"overall job growth, {im:,} from the cluster growing faster than the economy {adverb}, and {rs:,} "
            f"from the region outpacing the cluster {adverb}."
        )
    if change == 0:
        lead = f"{name} had as many jobs in the region in {y1} as in {y0}"
    else:
        lead = f"{name} {'gained' if change > 0 else 'lost'} {_jobs(abs(change))} in the region from {y0} to {y1}"
    return (
        f"{lead}: {ng:+,} with {area}'s overall job {'growth' if ng >= 0 else 'decline'}, {im:+,} because the "
        f"cluster grew {'faster' if im >= 0 else 'more slowly'} than the economy {adverb}, and {rs:+,} because "
        f"it grew {'faster' if rs >= 0 else 'more slowly'} in the region than {adverb}."
    )


def shift_share_table(rows: pd.DataFrame) -> pd.DataFrame:
    """The section's table: one row per cluster whose change could be split, largest cluster first."""
    done = rows.dropna(subset=list(EFFECTS)).sort_values(
        ["employment_end", "cluster_code"], ascending=[False, True], kind="mergesort"
    )
    if done.empty:
        return pd.DataFrame()
    y0, y1 = int(done["base_year"].iloc[0]), int(done["end_year"].iloc[0])
    printed = [_printed(r) for _, r in done.iterrows()]
    return pd.DataFrame(
        {
            "Cluster": done["cluster_name"].fillna(done["cluster_code"]).astype(str).to_numpy(),
            f"Jobs {y0}": [f"{p[0]:,}" for p in printed],
            f"Jobs {y1}": [f"{p[1]:,}" for p in printed],
            "Change": [f"{p[2]:+,}" for p in printed],
            growth_label(str(done["base_area"].iloc[0])): [f"{p[3][0]:+,}" for p in printed],
            "Industry mix": [f"{p[3][1]:+,}" for p in printed],
            "Regional share": [f"{p[3][2]:+,}" for p in printed],
        }
    )


def _rate(g: object) -> str:
    return f" ({float(g):+.1%})" if pd.notna(g) else ""


def shift_share_section(ctx: RegionContext) -> ReportSection | None:
    """Heading, text and table of the shift-share section; ``None`` when the run has one QCEW year."""
    rows = shift_share_rows(ctx)
    if rows.empty:
        return None
    y0, y1 = int(rows["base_year"].iloc[0]), int(rows["end_year"].iloc[0])
    base = str(rows["base_area"].iloc[0])
    area, adverb = (escape_text(w) for w in base_area_words(base))
    heading = f"## What drove the change in jobs, {y0} to {y1}"
    done = rows.dropna(subset=list(EFFECTS))
    missing = rows[rows[list(EFFECTS)].isna().any(axis=1)]
    names = rows["cluster_name"].fillna(rows["cluster_code"]).astype(str)
    text = [
        f"Jobs by industry (QCEW) in each cluster, {y0} against {y1}, split into three parts that add up to the "
        f"change (a shift-share analysis against {area}, {escape_text(base)}):",
        "",
        f"- **{growth_label(base)}**: the jobs the cluster would have gained had it grown as fast as all jobs "
        f"{adverb}{_rate(rows['growth_base_total'].iloc[0])}.",
        f"- **Industry mix**: the jobs added (+) or taken away (−) because the cluster grew faster or more "
        f"slowly than all jobs {adverb}.",
        f"- **Regional share**: the rest, added (+) or taken away (−) because the cluster grew faster or more "
        f"slowly in the region than {adverb}. This is the part that reflects the region itself.",
    ]
    if len(done):
        top = done.assign(_size=done["change"].abs()).sort_values(
            ["_size", "cluster_code"], ascending=[False, True], kind="mergesort"
        )
        text.append("")
        for _, r in top.head(SENTENCES).iterrows():
            name = str(r["cluster_name"]) if pd.notna(r.get("cluster_name")) else str(r["cluster_code"])
            text.append(f"- {shift_share_sentence(escape_text(name), r, base)}")
    if len(missing):
        left = ", ".join(escape_text(n) for n in names[missing.index])
        text += [
            "",
            f"Not split, for lack of jobs in {y0} in the region or of {area}'s figures for "
            f"{y0} or {y1}: {left}.",
        ]
    tables = [t for t in (shift_share_table(rows),) if len(t)]
    return ReportSection(heading=heading, text="\n".join(text), tables=tables)
