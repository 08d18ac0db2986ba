"""Values the whole package shares, each defined once.

Every module that needs one of these imports it from here: the hours of a work year, the OEWS code of
the nation, the word a published table writes for a count it hides, the flag codes with their labels, and
the privacy threshold a config gets when it sets none (read from the ``default`` preset, the one place
that number is written).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

import yaml

from .paths import PRESETS_DIR

#: hours in a full-time work year (40 hours × 52 weeks): OEWS annual wages = hourly × this
HOURS_PER_YEAR = 2080

#: the OEWS area code of the whole nation (``area`` 99 in the national file)
NATION_OEWS_AREA = "99"

#: what a published table writes for a count hidden to protect a small one elsewhere (complementary suppression)
WITHHELD = "withheld"


@dataclass(frozen=True)
class FlagKind:
    """One kind of flag: its code (as stored in ``flags.parquet``), what it is about, and how readers see it."""

    code: str
    scope: str  # "program", "occupation" or "cluster"
    label: str  # in a report's flag tables
    index_label: str  # as a column heading of the index page's region list


#: every flag, in the order the reports rank them (a program's wage first, small programs last)
FLAG_KINDS: tuple[FlagKind, ...] = (
    FlagKind("BELOW_FAMILY_WAGE", "program", "Below family-supporting wage", "Below family wage"),
    FlagKind(
        "FEW_HSHWID_JOBS",
        "program",
        "Few high-skill, high-wage, in-demand jobs",
        "Few high-skill, high-wage, in-demand jobs",
    ),
    # not "More students …": beside a cell ending in a digit ("… SD 1") that would read as a small count
    FlagKind("OVERSUPPLIED", "program", "Completers above openings", "Programs above openings"),
    FlagKind(
        "UNDERSUPPLIED", "occupation", "Openings with few or no completers", "Occupations short of completers"
    ),
    # context: the cluster mix comparison (program scope when a run has no occupational projections)
    FlagKind("LOW_DEMAND", "cluster", "Small share of local jobs (industry mix)", "Low-share clusters"),
    FlagKind("UNMATCHED_PROGRAM", "program", "Program not matched to a cluster", "Unmatched programs"),
    FlagKind("SUPPRESSED", "program", "Small program (counts suppressed)", "Small programs"),
)

#: the flag codes in ranking order
FLAG_CODES: tuple[str, ...] = tuple(k.code for k in FLAG_KINDS)
#: flag code → label in a report
FLAG_LABELS: dict[str, str] = {k.code: k.label for k in FLAG_KINDS}
#: flag code → column heading on the index page
INDEX_FLAG_LABELS: dict[str, str] = {k.code: k.index_label for k in FLAG_KINDS}


@cache
def _default_preset() -> dict:
    with (PRESETS_DIR / "default.yml").open(encoding="utf-8") as fh:
        return dict(yaml.safe_load(fh))


def default_thresholds() -> dict[str, float]:
    """The thresholds of the ``default`` preset (``presets/default.yml``).

    >>> default_thresholds()["privacy_threshold"]
    10
    """
    return dict(_default_preset())


def privacy_threshold(thresholds: Mapping[str, object] | None = None) -> int:
    """The privacy threshold of a run's thresholds, else the ``default`` preset's.

    >>> privacy_threshold({"privacy_threshold": 5}), privacy_threshold({})
    (5, 10)
    """
    value = (thresholds or {}).get("privacy_threshold")
    if value is None:
        value = _default_preset()["privacy_threshold"]
    return int(value)
