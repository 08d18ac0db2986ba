"""Occupation codes of older publisher vintages: SOC 2010 detected, and converted to SOC 2018.

Projections of the BLS cycles before 2018–28 (and state projections of the same years) and O*NET's
Career Cluster exports of the O*NET-SOC 2010 taxonomy write SOC 2010 codes. The rest of a run speaks
SOC 2018 (OEWS, the CIP–SOC links, the cluster crosswalks), so these files are converted with BLS's
SOC 2010 → 2018 crosswalk (``crosswalks.soc_2010_2018``, read by
:func:`alignment.sources.staffing.read_soc_crosswalk_2010_2018`).

**Vintage.** A file is SOC 2010 when more of its detailed codes are used only by SOC 2010 than only by
SOC 2018 (:func:`detect_soc_vintage`); the two lists come from the crosswalk when one is given, else from
the built-in ``reference/soc_2010_2018_changes.csv`` (88 SOC 2010 codes SOC 2018 no longer uses, 115
codes new in SOC 2018). A file mostly in SOC 2018 is left as it is: the few SOC 2010 codes of a current
file are publisher aggregates that OEWS writes too (``25-2052``).

**Conversion** (:func:`soc_conversion`). A code with one SOC 2018 code is renamed; a code with several is
split; several codes with one SOC 2018 code are merged (added up). A broad group (``NN-NNN0``) the
crosswalk does not list is unchanged when every SOC 2010 code it covers keeps its code, else it goes
through those codes. A code the crosswalk does not list (a publisher aggregate such as ``21-1018``) is
kept as written and named in the note.

- counts (employment, openings, exits, transfers: :func:`projections_to_soc_2018`): a split code is
  shared in proportion to ``w_t / n_t``, ``w_t`` the SOC 2018 code's national employment in the run's
  OEWS file and ``n_t`` the number of SOC 2010 codes feeding it (the rule of the staffing patterns,
  :func:`alignment.sources.staffing.to_soc_2018`), in equal shares when a weight is missing; a merged
  code's wage, education and training are those of the SOC 2010 code with the most employment, its
  percent change is recomputed;
- cluster membership (:func:`onet_to_soc_2018`): a split code belongs to every SOC 2018 code it splits
  into; a merged code has the clusters of all its SOC 2010 codes.

Every conversion gives a note (a :class:`~alignment.errors.Problem` a run adds to its input notes)
naming how many codes were converted, renamed, split and merged. Without a crosswalk, a SOC 2010 file is
passed on as written with a warning giving the count and examples of its SOC 2010 codes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from .constants import NATION_OEWS_AREA
from .errors import Problem
from .reference import REFERENCE_DIR
from .sources.projections import _o_group
from .sources.staffing import _split

if TYPE_CHECKING:
    from .config import Config

__all__ = [
    "COUNT_COLUMNS",
    "SocConversion",
    "SocVintage",
    "builtin_soc_changes",
    "detect_soc_vintage",
    "national_employment",
    "onet_clusters_for_run",
    "onet_to_soc_2018",
    "projections_for_run",
    "projections_to_soc_2018",
    "soc_conversion",
]

#: projection columns that are counts: shared out when a code splits, added up when codes merge
COUNT_COLUMNS = [
    "employment_base",
    "employment_proj",
    "employment_change",
    "exits_annual",
    "transfers_annual",
    "openings_annual",
]
_EXAMPLES = 5
CROSSWALK_KEY = "crosswalks.soc_2010_2018"


def builtin_soc_changes() -> tuple[frozenset[str], frozenset[str]]:
    """The detailed codes only SOC 2010 uses, and those only SOC 2018 uses (``reference/soc_2010_2018_changes.csv``).

    >>> only_2010, only_2018 = builtin_soc_changes()
    >>> len(only_2010), len(only_2018), "15-1132" in only_2010, "15-1252" in only_2018
    (88, 115, True, True)
    """
    table = pd.read_csv(REFERENCE_DIR / "soc_2010_2018_changes.csv", dtype=str)
    return (
        frozenset(table.loc[table["only_in"] == "2010", "soc"]),
        frozenset(table.loc[table["only_in"] == "2018", "soc"]),
    )


def _is_detailed(code: str) -> bool:
    return len(code) == 7 and code[2] == "-" and code.replace("-", "").isdigit() and not code.endswith("0")


def _crosswalk_sets(crosswalk: pd.DataFrame) -> tuple[set[str], set[str]]:
    cw = crosswalk.dropna(subset=["soc_2010", "soc_2018"])
    return set(cw["soc_2010"].astype(str)), set(cw["soc_2018"].astype(str))


@dataclass(frozen=True)
class SocVintage:
    """The SOC revision a file's codes are written in, and the evidence."""

    vintage: str  #: "2010" or "2018"
    codes: int  #: distinct detailed codes looked at
    only_2010: tuple[str, ...]  #: codes only SOC 2010 uses
    only_2018: tuple[str, ...]  #: codes only SOC 2018 uses
    unknown: tuple[str, ...]  #: codes in neither (known only with a crosswalk)


def detect_soc_vintage(codes: Iterable[object], crosswalk: pd.DataFrame | None = None) -> SocVintage:
    """The SOC revision of ``codes``: ``2010`` when more of them are SOC 2010-only than SOC 2018-only.

    Only detailed codes count (groups ``NN-NNN0`` and blanks are ignored). With ``crosswalk``, its two
    columns give the code lists and codes in neither are listed; else the built-in lists are used.

    >>> v = detect_soc_vintage(["15-1132", "13-2021", "29-1141", "13-1020"])
    >>> v.vintage, v.codes, v.only_2010
    ('2010', 3, ('13-2021', '15-1132'))
    >>> detect_soc_vintage(["15-1252", "25-2052", "29-1141"]).vintage  # one SOC 2010 aggregate
    '2018'
    """
    distinct = sorted({str(c) for c in codes if isinstance(c, str) and _is_detailed(c)})
    if crosswalk is not None:
        s10, s18 = _crosswalk_sets(crosswalk)
        only_2010 = [c for c in distinct if c in s10 and c not in s18]
        only_2018 = [c for c in distinct if c in s18 and c not in s10]
        unknown = [c for c in distinct if c not in s10 and c not in s18]
    else:
        old, new = builtin_soc_changes()
        only_2010 = [c for c in distinct if c in old]
        only_2018 = [c for c in distinct if c in new]
        unknown = []
    vintage = "2010" if len(only_2010) > len(only_2018) else "2018"
    return SocVintage(vintage, len(distinct), tuple(only_2010), tuple(only_2018), tuple(unknown))


@dataclass(frozen=True)
class SocConversion:
    """How each code of a file goes to SOC 2018.

    ``links``: one row per code × SOC 2018 code (``soc``, ``soc_2018``, ``part``: the code's share going
    there, summing to 1 per code; ``rule``: ``same code``, ``one to one``, ``national employment``,
    ``equal`` or ``kept as written``).
    """

    links: pd.DataFrame
    renamed: tuple[str, ...]  #: codes with one SOC 2018 code, another one
    split: tuple[str, ...]  #: codes with several SOC 2018 codes
    merged: tuple[str, ...]  #: SOC 2018 codes several codes of the file go to
    kept: tuple[
        str, ...
    ]  #: codes the crosswalk does not list (neither SOC's detailed codes), kept as written
    split_equal: tuple[str, ...]  #: split codes shared equally (a weight was missing)

    @property
    def converted(self) -> int:
        """Codes whose SOC 2018 code(s) differ from the code as written."""
        return len(self.renamed) + len(self.split)


def _targets(code: str, by_2010: Mapping[str, list[str]], s18: set[str]) -> list[str] | None:
    """The SOC 2018 codes of a code of a SOC 2010 file (``None``: in neither SOC).

    >>> cw = {"15-1132": ["15-1252", "15-1253"], "29-1141": ["29-1141"], "13-1021": ["13-1021"]}
    >>> _targets("15-1132", cw, set()), _targets("13-1020", cw, set()), _targets("15-1130", cw, set())
    (['15-1252', '15-1253'], ['13-1020'], ['15-1252', '15-1253'])
    >>> _targets("99-9999", cw, set()), _targets("29-0000", cw, set())
    (None, ['29-0000'])
    """
    if code in by_2010:
        return by_2010[code]
    if code in s18:
        return [code]
    if code.endswith("00"):  # total, major and minor groups: kept (a summary row, never a line item)
        return [code]
    if code.endswith("0"):  # a broad group: through the detailed codes it covers
        covered = sorted(c for c in by_2010 if c.startswith(code[:6]))
        if not covered:
            return None
        if all(by_2010[c] == [c] for c in covered):
            return [code]
        return sorted({t for c in covered for t in by_2010[c]})
    return None


def soc_conversion(
    codes: Iterable[object],
    crosswalk: pd.DataFrame,
    *,
    weights: Mapping[str, float] | pd.Series | None = None,
) -> SocConversion:
    """How the distinct ``codes`` of a SOC 2010 file go to SOC 2018 (split rule in the module docstring).

    >>> cw = pd.DataFrame({"soc_2010": ["15-1132", "15-1132", "15-1133", "15-1133", "11-9061", "29-1141"],
    ...     "soc_2018": ["15-1252", "15-1253", "15-1252", "15-1253", "11-9171", "29-1141"]})
    >>> c = soc_conversion(["15-1132", "15-1133", "11-9061", "29-1141", "99-9999"], cw)
    >>> c.converted, c.renamed, c.split, c.merged, c.kept
    (3, ('11-9061',), ('15-1132', '15-1133'), ('15-1252', '15-1253'), ('99-9999',))
    """
    cw = crosswalk.dropna(subset=["soc_2010", "soc_2018"]).astype({"soc_2010": str, "soc_2018": str})
    by_2010 = {str(k): sorted(set(map(str, g))) for k, g in cw.groupby("soc_2010", sort=True)["soc_2018"]}
    s18 = set(cw["soc_2018"])
    fed_by = cw.groupby("soc_2018")["soc_2010"].nunique()
    w = pd.Series(weights, dtype="float64") if weights is not None else pd.Series(dtype="float64")
    w = w[~w.index.duplicated()]
    links: list[tuple[str, str, float, str]] = []
    renamed, split, kept, equal = [], [], [], []
    for code in sorted({str(c) for c in codes if isinstance(c, str)}):
        targets = _targets(code, by_2010, s18)
        if targets is None:
            kept.append(code)
            links.append((code, code, 1.0, "kept as written"))
            continue
        if targets == [code]:
            links.append((code, code, 1.0, "same code"))
            continue
        parts, rule = _split(targets, w, fed_by)
        if len(targets) == 1:
            renamed.append(code)
        else:
            split.append(code)
            if rule == "equal":
                equal.append(code)
        links += [(code, t, p, rule) for t, p in zip(targets, parts, strict=True)]
    table = pd.DataFrame(links, columns=["soc", "soc_2018", "part", "rule"]).astype(
        {"soc": "string", "soc_2018": "string", "part": "float64", "rule": "string"}
    )
    sources = table.groupby("soc_2018")["soc"].nunique()
    merged = tuple(sorted(str(s) for s in sources[sources > 1].index))
    return SocConversion(table, tuple(renamed), tuple(split), merged, tuple(kept), tuple(equal))


def _examples(codes: Iterable[str]) -> str:
    codes = list(codes)
    shown = ", ".join(codes[:_EXAMPLES])
    return shown + (", …" if len(codes) > _EXAMPLES else "")


def _codes(n: int) -> str:
    return f"{n} code" if n == 1 else f"{n} codes"


def _evidence(v: SocVintage) -> str:
    new = f"{_codes(len(v.only_2018))} new in SOC 2018" if v.only_2018 else "none new in SOC 2018"
    return (
        f"{len(v.only_2010)} of its {v.codes} detailed codes are SOC 2010 codes that SOC 2018 no longer uses "
        f"(e.g. {_examples(v.only_2010)}), against {new}"
    )


def _no_crosswalk(file: str, v: SocVintage, what: str) -> Problem:
    msg = (
        f"{what} are written in SOC 2010: {_evidence(v)}. They are passed on as written, and the run's "
        f"SOC 2018 tables (OEWS, the career clusters, the CIP–SOC links) know few of those {len(v.only_2010)}; "
        f"give the BLS SOC 2010 → 2018 crosswalk in {CROSSWALK_KEY} to convert them"
    )
    return Problem(file, None, None, msg)


def _converted(
    file: str, v: SocVintage, c: SocConversion, what: str, split_rule: str, merge_rule: str
) -> Problem:
    msg = (
        f"{what} are written in SOC 2010: {_evidence(v)}. Converted to SOC 2018 with the BLS crosswalk: "
        f"{_codes(c.converted)} converted, {len(c.renamed)} renamed to one SOC 2018 code and {len(c.split)} "
        f"split among several ({split_rule}); {_codes(len(c.merged))} of SOC 2018 made of several codes of "
        f"the file ({merge_rule})"
    )
    if c.kept:
        msg += (
            f"; {_codes(len(c.kept))} the crosswalk does not list (publisher aggregates, groups) kept as "
            f"written ({_examples(c.kept)})"
        )
    return Problem(file, None, None, msg)


# ------------------------------------------------------------------------------------------ projections


def _file_of(rows: pd.DataFrame) -> str:
    files = rows["source_file"].dropna() if "source_file" in rows else pd.Series(dtype="string")
    return str(files.iat[0]) if len(files) else ""


def projections_to_soc_2018(
    projections: pd.DataFrame,
    crosswalk: pd.DataFrame | None,
    *,
    weights: Mapping[str, float] | pd.Series | None = None,
) -> tuple[pd.DataFrame, list[Problem]]:
    """The projections table (:func:`alignment.sources.projections.read_projections`) in SOC 2018, and notes.

    Each ``source_file`` is looked at on its own: a file in SOC 2018 passes unchanged; a file in SOC 2010
    is converted with ``crosswalk`` (rules in the module docstring; ``weights``: national employment by
    SOC 2018 code), or passed on with a warning when ``crosswalk`` is ``None``.
    """
    if projections.empty:
        return projections, []
    parts: list[pd.DataFrame] = []
    notes: list[Problem] = []
    files = projections["source_file"].astype("string").fillna("")
    for file in pd.unique(files):
        rows = projections[(files == file).to_numpy()]
        v = detect_soc_vintage(rows["soc"], crosswalk)
        if v.vintage != "2010":
            parts.append(rows)
            continue
        years = _cycle(rows)
        what = f"the occupation codes of these projections{years}"
        if crosswalk is None:
            parts.append(rows)
            notes.append(_no_crosswalk(str(file), v, what))
            continue
        c = soc_conversion(rows["soc"], crosswalk, weights=weights)
        parts.append(_convert_counts(rows, c, crosswalk))
        rule = (
            "employment, openings, exits and transfers shared in proportion to the SOC 2018 codes' national "
            "OEWS employment"
        )
        if c.split_equal:
            rule += f", in equal shares for {_codes(len(c.split_equal))} with no such employment"
        merge_rule = "added up; wages and education of the code with the most employment"
        notes.append(_converted(str(file), v, c, what, rule, merge_rule))
    out = pd.concat(parts, ignore_index=True)
    return out[list(projections.columns)], notes


def _cycle(rows: pd.DataFrame) -> str:
    if not {"base_year", "proj_year"} <= set(rows.columns) or rows["base_year"].isna().all():
        return ""
    return f" ({int(rows['base_year'].min())}–{int(rows['proj_year'].max())})"


def _convert_counts(rows: pd.DataFrame, c: SocConversion, crosswalk: pd.DataFrame) -> pd.DataFrame:
    """Projection rows moved to their SOC 2018 codes: counts shared and added up, other cells from the main code."""
    titles = (
        crosswalk.dropna(subset=["soc_2018"])
        .drop_duplicates("soc_2018")
        .set_index("soc_2018")["soc_2018_title"]
        if "soc_2018_title" in crosswalk
        else pd.Series(dtype="string")
    )
    m = rows.reset_index(drop=True).merge(c.links[["soc", "soc_2018", "part"]], on="soc", how="left")
    m["soc_2018"] = m["soc_2018"].fillna(m["soc"])
    m["part"] = m["part"].fillna(1.0)
    counts = [col for col in COUNT_COLUMNS if col in m]
    for col in counts:
        m[col] = (pd.to_numeric(m[col]).astype("Float64") * m["part"]).round(3)
    keys = ["area_code", "soc_2018"]
    weight = m["employment_base"].fillna(0) if "employment_base" in m else pd.Series(0.0, index=m.index)
    m["_main"] = pd.to_numeric(weight).astype("float64") * m["part"]
    m["_order"] = range(len(m))
    sums = m.groupby(keys, sort=False, dropna=False)[counts].sum(min_count=1)
    n = m.groupby(keys, sort=False, dropna=False)["soc"].nunique().rename("_sources")
    main = m.sort_values(["_main", "_order"], ascending=[False, True], kind="stable").drop_duplicates(keys)
    out = main.set_index(keys).drop(columns=counts).join(sums).join(n).reset_index()
    out = out.sort_values("_order", kind="stable")
    moved = (out["soc_2018"] != out["soc"]) | (out["_sources"] > 1)
    title = out["soc_2018"].map(titles).astype("string")
    out["soc_title"] = out["soc_title"].astype("string").mask(moved & title.notna(), title)
    if {"employment_change", "employment_base", "employment_change_pct"} <= set(out.columns):
        base = out["employment_base"].mask(out["employment_base"] == 0)
        pct = (out["employment_change"] / base * 100).round(1)
        out["employment_change_pct"] = out["employment_change_pct"].mask(out["_sources"] > 1, pct)
    out["soc"] = out["soc_2018"].astype("string")
    if "o_group" in out:
        out["o_group"] = _o_group(out["soc"])
    return out[list(rows.columns)].astype(rows.dtypes.to_dict()).reset_index(drop=True)


# ------------------------------------------------------------------------------------- cluster membership


def onet_to_soc_2018(
    clusters: pd.DataFrame, crosswalk: pd.DataFrame | None
) -> tuple[pd.DataFrame, list[Problem]]:
    """The O*NET Career Cluster table (:func:`alignment.sources.onet_clusters.read_onet_career_clusters`) in
    SOC 2018, and notes: a SOC 2010 code's rows are repeated for every SOC 2018 code it goes to (``onet_soc``
    stays as written); a SOC 2018 export passes unchanged."""
    v = detect_soc_vintage(clusters["soc"], crosswalk)
    file = _file_of(clusters)
    what = "the occupation codes of this Career Cluster export"
    if v.vintage != "2010":
        return clusters, []
    if crosswalk is None:
        return clusters, [_no_crosswalk(file, v, what)]
    c = soc_conversion(clusters["soc"], crosswalk)
    links = c.links[["soc", "soc_2018"]]
    m = clusters.reset_index(drop=True).merge(links, on="soc", how="left", sort=False)
    m["soc"] = m["soc_2018"].fillna(m["soc"]).astype("string")
    out = m[list(clusters.columns)].reset_index(drop=True)
    note = _converted(
        file,
        v,
        c,
        what,
        "the occupation's clusters and pathways go to every SOC 2018 code it splits into",
        "they take the clusters of every code merged",
    )
    return out, [note]


# ------------------------------------------------------------------------------------------- in a run


def national_employment(oews: pd.DataFrame | None) -> pd.Series | None:
    """National employment by SOC code from an OEWS table (area ``99``), or ``None`` when it has none."""
    if oews is None or oews.empty or "area_code" not in oews:
        return None
    nation = oews[oews["area_code"].astype("string") == NATION_OEWS_AREA]
    if nation.empty:
        return None
    jobs = pd.to_numeric(nation.drop_duplicates("soc").set_index("soc")["employment"], errors="coerce")
    jobs = jobs.dropna()
    return jobs if len(jobs) else None


def _crosswalk(cfg: Config) -> pd.DataFrame | None:
    from .sources.staffing import read_soc_crosswalk_2010_2018

    path = cfg.crosswalks.get("soc_2010_2018")
    return None if path is None else read_soc_crosswalk_2010_2018(path)


def projections_for_run(cfg: Config, oews: pd.DataFrame | None) -> tuple[pd.DataFrame, list[Problem]]:
    """Every projections file of the run read, in SOC 2018 (split by the national OEWS employment of
    ``oews`` when it has the nation), and the notes on the files converted or left in SOC 2010."""
    from .sources.projections import read_projections

    projections = pd.concat([read_projections(p) for p in cfg.inputs.projections], ignore_index=True)
    return projections_to_soc_2018(projections, _crosswalk(cfg), weights=national_employment(oews))


def onet_clusters_for_run(cfg: Config) -> tuple[pd.DataFrame, list[Problem]]:
    """The run's O*NET Career Cluster export (``crosswalks.onet_clusters``) read, in SOC 2018, and notes."""
    from .sources.onet_clusters import read_onet_career_clusters

    clusters = read_onet_career_clusters(cfg.crosswalks["onet_clusters"])
    return onet_to_soc_2018(clusters, _crosswalk(cfg))
