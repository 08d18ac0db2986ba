"""What a board can do about each program and occupation: expand, review or keep (the report's first screen).

Built from the flags decided on completers against openings (:func:`alignment.flags.openings_flags`) and the
tables of :mod:`alignment.occupation_alignment`, one row per region × item:

- **expand**: family-wage, middle-skill occupations with far fewer completers than openings (``UNDERSUPPLIED``),
  largest shortfall first (``size`` = openings − completers, completers at the most a reader can work out);
- **review**: programs (one row per CIP × award level, every institution together) whose occupations get far
  more completers than openings (``OVERSUPPLIED``) or whose openings mostly pay below the family-supporting wage
  (``BELOW_FAMILY_WAGE``), largest first (``size`` = the surplus of completers, or the completers headed for
  openings below the family wage, whichever is larger);
- **keep**: every other program with openings in its occupations, most openings first.

Completer figures are the bounds a reader of the published tables can work out
(:func:`alignment.occupation_alignment.count_bounds`), written so that no count from 1 to the privacy
threshold − 1 appears.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .constants import FLAG_LABELS, WITHHELD, default_thresholds

__all__ = ["DECISIONS", "DECISION_COLUMNS", "decision_lists"]

DECISIONS = ("expand", "review", "keep")
DECISION_COLUMNS = [
    "region_id",
    "decision",
    "rank",
    "subject",
    "name",
    "soc",
    "cip",
    "credential_level",
    "award",
    "institutions",
    "openings",
    "completers_low",
    "completers_high",
    "completers_text",
    "median_wage_hourly_usd",
    "share_openings_family_wage",
    "size",
    "flags",
    "why",
]
_REVIEW_FLAGS = ("OVERSUPPLIED", "BELOW_FAMILY_WAGE")


def completers_text(low: float, high: float, threshold: int) -> str:
    """Completers as a table cell: exact when the bounds meet, a range otherwise; never 1 … threshold − 1.

    >>> [completers_text(*b, 10) for b in [(0, 0), (4.2, 4.2), (120.4, 120.4), (30, 38.5), (30, np.inf)]]
    ['0', '<10', '120', '30–39', '30 or more']
    >>> completers_text(4, np.inf, 10)  # a program's count is withheld: nothing can be said
    'withheld'
    """
    low, high = float(low), float(high)

    def whole(x: float) -> str:
        return "<" + str(threshold) if 0 < x < threshold else f"{round(x):,}"

    if np.isinf(high):
        return f"{whole(low)} or more" if low >= threshold else WITHHELD
    if abs(high - low) < 0.5:
        return whole((low + high) / 2)
    if high < threshold:
        return f"<{threshold}"
    lo = int(np.floor(low + 1e-9)) if low >= threshold else 0
    return f"{lo:,}–{int(np.ceil(high - 1e-9)):,}"


def decision_lists(
    flags: pd.DataFrame,
    occupation_alignment: pd.DataFrame,
    program_alignment: pd.DataFrame,
    thresholds: dict | None = None,
    award_education: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The expand / review / keep lists of every region (module docstring), ranked within region × decision."""
    t = {**default_thresholds(), **(thresholds or {})}
    thr = int(t["privacy_threshold"])
    if award_education is None:
        from .reference import load_award_education

        award_education = load_award_education()
    awards = dict(zip(award_education["credential_level"], award_education["award"], strict=True))
    rows: list[dict] = []
    occ = occupation_alignment.set_index(["region_id", "soc"])

    # ---- expand: the occupations flagged UNDERSUPPLIED
    under = flags[flags["flag"] == "UNDERSUPPLIED"]
    for _, f in under.iterrows():
        key = (f["region_id"], f["soc"])
        if key not in occ.index:
            continue
        o = occ.loc[key]
        openings, low, high = float(o["openings"]), float(o["completers_low"]), float(o["completers_high"])
        rows.append(
            {
                "region_id": f["region_id"],
                "decision": "expand",
                "subject": "occupation",
                "name": o["soc_title"],
                "soc": f["soc"],
                "award": o["typical_education"],
                "openings": openings,
                "completers_low": low,
                "completers_high": high,
                "median_wage_hourly_usd": o["median_wage_hourly_usd"],
                "share_openings_family_wage": 1.0,
                "size": openings - high,
                "flags": FLAG_LABELS["UNDERSUPPLIED"],
                "why": f["reason"],
            }
        )

    # ---- programs × award: review when flagged, else keep
    pa_ = program_alignment[program_alignment["region_id"].notna() & (program_alignment["fit"] != "none fit")]
    prog_flags = flags[flags["flag"].isin(_REVIEW_FLAGS)]
    group = ["region_id", "cip", "credential_level"]
    flagged: dict[tuple, list[pd.Series]] = {}
    for _, f in prog_flags.iterrows():
        flagged.setdefault(_key(f, group), []).append(f)
    for keys, g in pa_.groupby(group, dropna=False, sort=True):
        first = g.iloc[0]
        openings = first["openings_linked"]
        if pd.isna(openings):
            continue
        openings = float(openings)
        low = float(first["completers_linked_low"]) if pd.notna(first["completers_linked_low"]) else 0.0
        high = float(first["completers_linked_high"])
        share = first["share_openings_family_wage"]
        names = g["program_name"].dropna().astype(str).value_counts()
        name = sorted(names[names == names.max()].index)[0] if len(names) else "A program"
        mine = flagged.get(_key(first, group), [])
        if mine:
            decision = "review"
            surplus = low - openings
            below = low * (1 - float(share)) if pd.notna(share) else 0.0
            size = max(surplus if any(f["flag"] == "OVERSUPPLIED" for f in mine) else 0.0, below)
            mine = sorted(mine, key=lambda f: _REVIEW_FLAGS.index(f["flag"]))
            why = " ".join(str(f["reason"]) for f in mine)
            labels = "; ".join(FLAG_LABELS[f["flag"]] for f in mine)
        elif openings > 0:
            decision, size, why, labels = "keep", openings, "", ""
        else:
            continue
        award = keys[2]
        rows.append(
            {
                "region_id": keys[0],
                "decision": decision,
                "subject": "program",
                "name": name,
                "cip": keys[1],
                "credential_level": award,
                "award": awards.get(award, pd.NA) if pd.notna(award) else pd.NA,
                "institutions": "; ".join(sorted(set(g["institution"].dropna().astype(str)))),
                "openings": openings,
                "completers_low": low,
                "completers_high": high,
                "median_wage_hourly_usd": first["wage_median_linked_hourly_usd"],
                "share_openings_family_wage": share,
                "size": size,
                "flags": labels,
                "why": why,
            }
        )
    out = pd.DataFrame(rows, columns=[c for c in DECISION_COLUMNS if c != "rank"])
    out["completers_text"] = [
        completers_text(lo, hi, thr)
        for lo, hi in zip(out["completers_low"], out["completers_high"], strict=True)
    ]
    out["_d"] = out["decision"].map({d: i for i, d in enumerate(DECISIONS)})
    out = out.sort_values(
        ["region_id", "_d", "size", "name"], ascending=[True, True, False, True], kind="mergesort"
    )
    out["rank"] = out.groupby(["region_id", "decision"]).cumcount() + 1
    out = out[DECISION_COLUMNS].reset_index(drop=True)
    floats = ["openings", "completers_low", "completers_high", "median_wage_hourly_usd"]
    floats += ["share_openings_family_wage", "size"]
    strings = [c for c in DECISION_COLUMNS if c not in [*floats, "rank"]]
    return out.astype({**{c: "float64" for c in floats}, **{c: "string" for c in strings}, "rank": "int64"})


def _key(row: pd.Series, cols: list[str]) -> tuple:
    return tuple("" if pd.isna(row[c]) else str(row[c]) for c in cols)
