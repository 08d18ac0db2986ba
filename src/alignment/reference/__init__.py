"""Reference tables shipped with the package: Career Clusters frameworks and the project's crosswalks.

Five CSV files sit beside this module (see docs/reference-tables.md for what they hold and how they
were authored):

- ``clusters.csv``: framework (``2024`` / ``legacy``), cluster_code, cluster_name, grouping;
- ``subclusters.csv``: framework, subcluster_code, subcluster_name, cluster_code;
- ``cip_cluster.csv``: cip prefix (``NN``, ``NN.NN`` or ``NN.NNNN``), framework, cluster_code,
  subcluster_code, rank (1 = primary);
- ``naics_cluster.csv``: naics (sector such as ``23`` / ``31-33``, 3-digit subsector, a few 4-digit
  industries), framework, cluster_code, subcluster_code, share (sums to 1 per code);
- ``cip_soc.csv``: cip, soc (the project's own links for common CTE programs).

Loaders return them with codes as strings (``string`` dtype, ``<NA>`` for an empty sub-cluster), ``rank``
as ``Int64`` and ``share`` as ``Float64``. A user file may extend (``extra``) or replace (``replace``) a
crosswalk; it is validated and every problem is reported with file, row and column.

>>> len(load_clusters("2024")), len(load_subclusters("2024")), len(load_subclusters("legacy"))
(14, 71, 79)
>>> t = load_cip_cluster("2024")
>>> lookup_cip_cluster(pd.Series(["48.0508"]), t).query("rank == 1")["cluster_code"].tolist()
['advanced-manufacturing']
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from ..errors import InputError, Problem, display_name
from ..schemas import problems_from_schema_errors

__all__ = [
    "FRAMEWORKS",
    "framework_names",
    "load_clusters",
    "load_subclusters",
    "load_cip_cluster",
    "load_naics_cluster",
    "load_cip_soc",
    "lookup_cip_cluster",
    "map_naics_to_clusters",
    "read_advance_cte_crosswalks",
    "validate_reference",
]

FRAMEWORKS: tuple[str, ...] = ("2024", "legacy")
REFERENCE_DIR = Path(__file__).resolve().parent

CIP_PREFIX_RE = r"^\d{2}(\.\d{2}(\d{2})?)?$"
CIP6_RE = r"^\d{2}\.\d{4}$"
SOC_RE = r"^\d{2}-\d{4}$"
NAICS_RE = r"^(\d{2,6}|31-33|44-45|48-49)$"
# two-digit NAICS codes that BLS publishes as one range
NAICS_RANGES = {
    "31": "31-33",
    "32": "31-33",
    "33": "31-33",
    "44": "44-45",
    "45": "44-45",
    "48": "48-49",
    "49": "48-49",
}

_STR = "string"
Source = str | Path | pd.DataFrame | None


def framework_names() -> tuple[str, ...]:
    """The cluster frameworks the package knows.

    >>> framework_names()
    ('2024', 'legacy')
    """
    return FRAMEWORKS


def _check_framework(framework: str) -> str:
    framework = str(framework)
    if framework not in FRAMEWORKS:
        raise ValueError(f"unknown cluster framework {framework!r}: use one of {', '.join(FRAMEWORKS)}")
    return framework


def _read_builtin(name: str) -> pd.DataFrame:
    df = pd.read_csv(REFERENCE_DIR / name, dtype=str, keep_default_na=False)
    df = df.replace("", pd.NA).astype(_STR)
    if "rank" in df.columns:
        df["rank"] = df["rank"].astype("Int64")
    if "share" in df.columns:
        df["share"] = df["share"].astype("Float64")
    return df


def _by_framework(df: pd.DataFrame, framework: str) -> pd.DataFrame:
    return df[df["framework"] == _check_framework(framework)].reset_index(drop=True)


def load_clusters(framework: str = "2024") -> pd.DataFrame:
    """The clusters of a framework: framework, cluster_code, cluster_name, grouping (2024 only).

    >>> load_clusters("2024").groupby("grouping").size().to_dict()["Building and Moving"]
    3
    """
    return _by_framework(_read_builtin("clusters.csv"), framework)


def load_subclusters(framework: str = "2024") -> pd.DataFrame:
    """The sub-clusters (2024) or career pathways (legacy): framework, subcluster_code, subcluster_name,
    cluster_code."""
    return _by_framework(_read_builtin("subclusters.csv"), framework)


def load_sub_baccalaureate_entry() -> pd.DataFrame:
    """Bachelor's-level occupations (BLS typical entry education) that a sub-baccalaureate award commonly leads
    into: soc, title, entry_award, note (methods.md, section 13). Only these count as short of college
    completers when they have few (flags.openings_flags).

    >>> load_sub_baccalaureate_entry()["soc"].tolist()
    ['29-1141']
    """
    return _read_builtin("sub_baccalaureate_entry.csv")


def load_award_education() -> pd.DataFrame:
    """Which BLS typical-entry-education ranks (:data:`alignment.criteria.EDUCATION_LEVELS`, 1–8) each IPEDS
    award prepares for: credential_level, award, education_min, education_max, note (methods.md, section 12).

    >>> t = load_award_education().set_index("credential_level")
    >>> t.loc["associate", ["education_min", "education_max"]].tolist()
    [4, 6]
    """
    df = _read_builtin("award_education.csv")
    return df.astype({"education_min": "Int64", "education_max": "Int64"})


# ------------------------------------------------------------------------------------------ user files


def _read_user(source: str | Path | pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """A user CSV (or DataFrame) as text cells with ``source_row`` (header = row 1)."""
    if isinstance(source, pd.DataFrame):
        df, name = source.copy(), "<DataFrame>"
        df = df.astype(object).where(df.notna(), "").astype(str)
    else:
        name = display_name(source)
        try:
            df = pd.read_csv(source, dtype=str, keep_default_na=False)
        except FileNotFoundError:
            raise InputError([Problem(name, None, None, "file not found")]) from None
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise InputError([Problem(name, None, None, f"not a readable CSV file: {exc}")]) from None
    df.columns = [str(c).strip() for c in df.columns]
    df = df.apply(lambda s: s.str.strip()).reset_index(drop=True)
    df["source_row"] = range(2, len(df) + 2)
    return df, name


def _require(df: pd.DataFrame, name: str, columns: Iterable[str]) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError([Problem(name, None, c, "required column is missing") for c in missing])


def _validate(df: pd.DataFrame, name: str, schema: pa.DataFrameSchema, extra: list[Problem]) -> None:
    problems = list(extra)
    try:
        schema.validate(df, lazy=True)
    except pa.errors.SchemaErrors as errors:
        problems = problems_from_schema_errors(errors, df, name) + problems
    if problems:
        problems.sort(key=lambda p: (p.row or 0, p.column or ""))
        raise InputError(problems)


def _cluster_problems(df: pd.DataFrame, name: str, framework: str) -> list[Problem]:
    """Unknown cluster codes, unknown sub-cluster codes and sub-clusters of another cluster."""
    clusters = set(load_clusters(framework)["cluster_code"])
    subs = load_subclusters(framework).set_index("subcluster_code")["cluster_code"]
    problems = []
    for row, cc, sc in zip(df["source_row"], df["cluster_code"], df["subcluster_code"], strict=True):
        if cc not in clusters:
            problems.append(
                Problem(name, row, "cluster_code", f"unknown cluster_code {cc!r} for framework {framework}")
            )
        elif sc and sc not in subs.index:
            problems.append(
                Problem(
                    name, row, "subcluster_code", f"unknown subcluster_code {sc!r} for framework {framework}"
                )
            )
        elif sc and subs[sc] != cc:
            problems.append(
                Problem(
                    name, row, "subcluster_code", f"sub-cluster {sc!r} belongs to {subs[sc]!r}, not {cc!r}"
                )
            )
    return problems


def _framework_rows(df: pd.DataFrame, name: str, framework: str) -> pd.DataFrame:
    """Rows of ``framework`` (all rows when the file has no framework column)."""
    if "framework" not in df.columns or (df["framework"] == "").all():
        return df.assign(framework=framework)
    bad = ~df["framework"].isin(FRAMEWORKS)
    if bad.any():
        raise InputError(
            Problem(name, row, "framework", f"expected one of {', '.join(FRAMEWORKS)}, got {value!r}")
            for row, value in zip(df.loc[bad, "source_row"], df.loc[bad, "framework"], strict=True)
        )
    return df[df["framework"] == framework]


def _user_cip_cluster(source: str | Path | pd.DataFrame, framework: str) -> pd.DataFrame:
    df, name = _read_user(source)
    _require(df, name, ["cip", "cluster_code"])
    df = _framework_rows(df, name, framework)
    if "subcluster_code" not in df.columns:
        df["subcluster_code"] = ""
    if "rank" not in df.columns or (df["rank"] == "").all():
        df["rank"] = (df.groupby("cip").cumcount() + 1).astype(str)
    schema = pa.DataFrameSchema(
        {
            "cip": pa.Column(str, pa.Check.str_matches(CIP_PREFIX_RE)),
            "rank": pa.Column(str, pa.Check.str_matches(r"^[1-9]\d*$")),
        }
    )
    _validate(df, name, schema, _cluster_problems(df, name, framework))
    out = df[["cip", "framework", "cluster_code", "subcluster_code", "rank"]].replace("", pd.NA).astype(_STR)
    return out.astype({"rank": "Int64"})


def _user_naics_cluster(source: str | Path | pd.DataFrame, framework: str) -> pd.DataFrame:
    df, name = _read_user(source)
    _require(df, name, ["naics", "cluster_code"])
    df = _framework_rows(df, name, framework)
    if "subcluster_code" not in df.columns:
        df["subcluster_code"] = ""
    if "share" not in df.columns or (df["share"] == "").all():
        df["share"] = (1.0 / df.groupby("naics")["naics"].transform("size")).astype(str)
    schema = pa.DataFrameSchema({"naics": pa.Column(str, pa.Check.str_matches(NAICS_RE))})
    extra = _cluster_problems(df, name, framework)
    share = pd.to_numeric(df["share"], errors="coerce")
    bad = share.isna() | (share <= 0) | (share > 1)
    extra += [
        Problem(name, row, "share", f"expected a number > 0 and <= 1, got {value!r}")
        for row, value in zip(df.loc[bad, "source_row"], df.loc[bad, "share"], strict=True)
    ]
    sums = share.groupby(df["naics"]).transform("sum")
    first = ~df["naics"].duplicated()
    for row, code, total in zip(
        df.loc[first, "source_row"], df.loc[first, "naics"], sums[first], strict=True
    ):
        if pd.notna(total) and abs(total - 1) > 1e-6:
            extra.append(
                Problem(name, row, "share", f"shares of NAICS {code!r} sum to {total:g}, expected 1")
            )
    _validate(df, name, schema, extra)
    out = (
        df[["naics", "framework", "cluster_code", "subcluster_code", "share"]].replace("", pd.NA).astype(_STR)
    )
    return out.astype({"share": "Float64"})


def _user_cip_soc(source: str | Path | pd.DataFrame) -> pd.DataFrame:
    df, name = _read_user(source)
    _require(df, name, ["cip", "soc"])
    schema = pa.DataFrameSchema(
        {
            "cip": pa.Column(str, pa.Check.str_matches(CIP6_RE)),
            "soc": pa.Column(str, pa.Check.str_matches(SOC_RE)),
        }
    )
    _validate(df, name, schema, [])
    return df[["cip", "soc"]].astype(_STR)


def _combine(builtin: pd.DataFrame, user: pd.DataFrame | None, key: str, order: list[str]) -> pd.DataFrame:
    """``builtin`` with the rows of every code in ``user`` replaced by the user's rows."""
    if user is None:
        return builtin
    kept = builtin[~builtin[key].isin(user[key])]
    out = pd.concat([kept, user], ignore_index=True)
    return out.sort_values(order, kind="mergesort").reset_index(drop=True)


def load_cip_cluster(framework: str = "2024", extra: Source = None, replace: Source = None) -> pd.DataFrame:
    """CIP prefix → cluster table of a framework: cip, framework, cluster_code, subcluster_code, rank.

    ``replace``: a user CSV (or DataFrame) used instead of the built-in rows; ``extra``: a user CSV whose
    rows are added, every CIP it names replacing the built-in rows of that CIP. A user file needs ``cip``
    and ``cluster_code``; ``framework`` (rows of other frameworks are ignored), ``subcluster_code`` and
    ``rank`` (default: row order within a CIP) are optional.

    >>> t = load_cip_cluster("legacy")
    >>> t[t["cip"] == "51.38"]["cluster_code"].tolist()
    ['legacy-health-science']
    """
    framework = _check_framework(framework)
    order = ["cip", "rank"]
    table = _user_cip_cluster(replace, framework) if replace is not None else None
    if table is None:
        table = _by_framework(_read_builtin("cip_cluster.csv"), framework)
    if extra is not None:
        table = _combine(table, _user_cip_cluster(extra, framework), "cip", order)
    return table.reset_index(drop=True)


def load_naics_cluster(framework: str = "2024", extra: Source = None, replace: Source = None) -> pd.DataFrame:
    """NAICS code → cluster table of a framework: naics, framework, cluster_code, subcluster_code, share.

    ``extra`` / ``replace`` as in :func:`load_cip_cluster`; a user file needs ``naics`` and
    ``cluster_code``; ``share`` defaults to an equal split over the rows of a code and must sum to 1.

    >>> t = load_naics_cluster("2024")
    >>> round(float(t[t["naics"] == "54"]["share"].sum()), 9)
    1.0
    """
    framework = _check_framework(framework)
    order = ["naics", "cluster_code"]
    table = _user_naics_cluster(replace, framework) if replace is not None else None
    if table is None:
        table = _by_framework(_read_builtin("naics_cluster.csv"), framework)
    if extra is not None:
        table = _combine(table, _user_naics_cluster(extra, framework), "naics", order)
    return table.reset_index(drop=True)


def load_cip_soc(extra: Source = None, replace: Source = None) -> pd.DataFrame:
    """The project's CIP → SOC links (cip, soc); ``extra`` replaces the links of the CIPs it names.

    >>> t = load_cip_soc()
    >>> t[t["cip"] == "51.3801"]["soc"].tolist()
    ['29-1141']
    """
    table = _user_cip_soc(replace) if replace is not None else _read_builtin("cip_soc.csv")
    if extra is not None:
        table = _combine(table, _user_cip_soc(extra), "cip", ["cip", "soc"])
    return table.drop_duplicates().reset_index(drop=True)


# ----------------------------------------------------------------------------------------------- lookups


def _single_framework(table: pd.DataFrame) -> str | None:
    if "framework" not in table.columns:
        return None
    fws = table["framework"].dropna().unique()
    if len(fws) > 1:
        raise ValueError(f"the table mixes frameworks {sorted(map(str, fws))}: load one framework at a time")
    return str(fws[0]) if len(fws) else None


def lookup_cip_cluster(cips: pd.Series, table: pd.DataFrame) -> pd.DataFrame:
    """Clusters of CIP codes by the most specific prefix in ``table``.

    Rule: a 6-digit prefix (``NN.NNNN``) wins over a 4-digit one (``NN.NN``), which wins over the 2-digit
    family (``NN``); the rows of the winning prefix are the candidates, rank 1 the primary.

    Returns a LONG table, one row per distinct non-missing input CIP × candidate, ordered by input order
    then rank: cip, framework, cip_prefix (the table key that matched), cluster_code, subcluster_code,
    rank, matched. The rank-1 row holds the primary cluster; a CIP with no matching prefix (or not
    written ``NN``, ``NN.NN`` or ``NN.NNNN``) gets one row with ``matched = False`` and ``<NA>`` cluster.

    >>> t = pd.DataFrame({"cip": ["48", "48.05", "48.0508", "48.0508"], "framework": "2024",
    ...     "cluster_code": ["mfg", "mfg", "mfg", "con"], "subcluster_code": [None, "prod", "prod", "trades"],
    ...     "rank": [1, 1, 1, 2]})
    >>> out = lookup_cip_cluster(pd.Series(["48.0508", "48.0501", "48.9999", "12.0503"]), t)
    >>> out[["cip", "cip_prefix", "cluster_code", "rank", "matched"]].values.tolist()
    [['48.0508', '48.0508', 'mfg', 1, True], ['48.0508', '48.0508', 'con', 2, True], \
['48.0501', '48.05', 'mfg', 1, True], ['48.9999', '48', 'mfg', 1, True], ['12.0503', <NA>, <NA>, <NA>, False]]
    """
    framework = _single_framework(table)
    s = pd.Series(cips, dtype=_STR).str.strip()
    codes = pd.Series(s.dropna().unique(), dtype=_STR)
    keys = set(table["cip"].dropna())
    well_formed = codes.str.fullmatch(CIP_PREFIX_RE).fillna(False).astype(bool)
    prefix = pd.Series(pd.NA, index=codes.index, dtype=_STR)
    for n in (7, 5, 2):
        k = codes.str.slice(0, n)
        hit = prefix.isna() & well_formed & (codes.str.len() >= n) & k.isin(keys)
        prefix[hit] = k[hit]
    found = pd.DataFrame({"cip": codes, "cip_prefix": prefix, "_order": range(len(codes))})
    rows = table[["cip", "cluster_code", "subcluster_code", "rank"]].rename(columns={"cip": "cip_prefix"})
    out = found.merge(rows, on="cip_prefix", how="left")
    out["matched"] = out["cluster_code"].notna()
    out["framework"] = pd.array([framework] * len(out), dtype=_STR)
    out = out.sort_values(["_order", "rank"], kind="mergesort", na_position="last")
    out = out[["cip", "framework", "cip_prefix", "cluster_code", "subcluster_code", "rank", "matched"]]
    return out.astype(
        {"cip_prefix": _STR, "cluster_code": _STR, "subcluster_code": _STR, "rank": "Int64", "matched": bool}
    ).reset_index(drop=True)


def _naics_candidates(code: str) -> list[str]:
    """Table keys to try for one industry code, most specific first."""
    if code in NAICS_RANGES.values():
        return [code]
    if not re.fullmatch(r"\d{2,6}", code):
        return []
    tries = [code[:n] for n in range(len(code), 2, -1)]
    return [*tries, code[:2], NAICS_RANGES.get(code[:2], code[:2])]


def map_naics_to_clusters(industry_codes: pd.Series, table: pd.DataFrame) -> pd.DataFrame:
    """Clusters of industry codes, with employment shares, by the most specific code in ``table``.

    A 4–6 digit code falls back to its 5-, 4-, 3-digit parents, then its sector (``31``–``33`` →
    ``31-33``, ``44``/``45`` → ``44-45``, ``48``/``49`` → ``48-49``). BLS aggregates (``10``, ``101``,
    ``1011``...) and unknown codes are not matched.

    Returns a LONG table, one row per distinct non-missing input code × cluster row, in input order:
    industry_code, framework, naics (the table key that matched), cluster_code, subcluster_code, share,
    matched. An unmatched code gets one row with ``matched = False`` and ``<NA>`` cluster and share.

    >>> t = pd.DataFrame({"naics": ["31-33", "311", "54", "54"], "framework": "2024",
    ...     "cluster_code": ["mfg", "agr", "dt", "ms"], "subcluster_code": None, "share": [1, 1, 0.5, 0.5]})
    >>> out = map_naics_to_clusters(pd.Series(["3111", "32", "54", "10"]), t)
    >>> out[["industry_code", "naics", "cluster_code", "share"]].values.tolist()
    [['3111', '311', 'agr', 1.0], ['32', '31-33', 'mfg', 1.0], ['54', '54', 'dt', 0.5], \
['54', '54', 'ms', 0.5], ['10', <NA>, <NA>, <NA>]]
    """
    framework = _single_framework(table)
    s = pd.Series(industry_codes, dtype=_STR).str.strip()
    codes = list(dict.fromkeys(s.dropna()))
    keys = set(table["naics"].dropna())
    matched_key = []
    for code in codes:
        hit = next((k for k in _naics_candidates(code) if k in keys), None)
        matched_key.append(hit)
    found = pd.DataFrame(
        {"industry_code": pd.array(codes, dtype=_STR), "naics": pd.array(matched_key, dtype=_STR)}
    )
    found["_order"] = range(len(found))
    rows = table[["naics", "cluster_code", "subcluster_code", "share"]]
    out = found.merge(rows, on="naics", how="left").sort_values("_order", kind="mergesort")
    out["matched"] = out["cluster_code"].notna()
    out["framework"] = pd.array([framework] * len(out), dtype=_STR)
    out = out[["industry_code", "framework", "naics", "cluster_code", "subcluster_code", "share", "matched"]]
    return out.astype(
        {"naics": _STR, "cluster_code": _STR, "subcluster_code": _STR, "share": "Float64", "matched": bool}
    ).reset_index(drop=True)


# --------------------------------------------------------------------------- official Advance CTE files

_OFFICIAL = {
    "cip_cluster": (
        ["CIP_Career_Clusters_Crosswalk.xlsx", "Full_Framework_Crosswalk_CIP-Career-Clusters.xlsx"],
        "CIP - CC - Sub-Clusters",
        "CIP Code (2020)",
    ),
    "soc_cluster": (
        ["SOC_Career_Clusters_Crosswalk.xlsx", "Full_Framework_Crosswalk_SOC-Career-Clusters.xlsx"],
        "SOC - CC - Sub-Clusters",
        "SOC Code",
    ),
    "naics_cluster": (
        [
            "NAICS_Subclusters_Crosswalk.xlsx",
            "Full_Framework_Crosswalk_NAICS-Career-Clusters-Subclusters.xlsx",
        ],
        "CC - Sub-Cluster - NAICS",
        "2-Digit NAICS",
    ),
}
NO_MATCH_CIP = "99.9999"


def _official_sheet(path: Path, sheet: str, code_col: str) -> pd.DataFrame:
    name = display_name(path)
    try:
        df = pd.read_excel(path, sheet_name=sheet, dtype=str)
    except ValueError as exc:  # missing sheet
        raise InputError([Problem(name, None, None, f"cannot read sheet {sheet!r}: {exc}")]) from None
    df.columns = [str(c).strip() for c in df.columns]
    df["source_row"] = range(2, len(df) + 2)
    _require(df, name, [code_col, "Career Cluster", "Sub-Cluster"])
    df = df.dropna(subset=[code_col, "Career Cluster", "Sub-Cluster"], how="all")
    for col in (code_col, "Career Cluster", "Sub-Cluster"):
        df[col] = df[col].astype(_STR).str.strip()
    return df


def _name_codes(df: pd.DataFrame, name: str) -> tuple[pd.Series, pd.Series]:
    """Official cluster / sub-cluster names → built-in 2024 codes (case-insensitive, e.g. 'water systems')."""
    clusters = load_clusters("2024")
    subs = load_subclusters("2024")
    by_cluster = dict(zip(clusters["cluster_name"].str.casefold(), clusters["cluster_code"], strict=True))
    by_sub = dict(zip(subs["subcluster_name"].str.casefold(), subs["subcluster_code"], strict=True))
    cc = df["Career Cluster"].str.casefold().map(by_cluster)
    sc = df["Sub-Cluster"].str.casefold().map(by_sub)
    problems = [
        Problem(name, row, "Career Cluster", f"unknown Career Cluster {value!r}")
        for row, value, code in zip(df["source_row"], df["Career Cluster"], cc, strict=True)
        if pd.notna(value) and pd.isna(code)
    ] + [
        Problem(name, row, "Sub-Cluster", f"unknown Sub-Cluster {value!r}")
        for row, value, code in zip(df["source_row"], df["Sub-Cluster"], sc, strict=True)
        if pd.notna(value) and pd.isna(code)
    ]
    if problems:
        raise InputError(problems)
    return cc.astype(_STR), sc.astype(_STR)


def _ranked(df: pd.DataFrame, key: str, education_home: str) -> pd.DataFrame:
    """Rank the (cluster, sub-cluster) rows of each code (see docs/reference-tables.md).

    Clusters with more sub-clusters for the code come first; Education goes last unless the code is in
    its home family (CIP ``13``, SOC ``25``) or Education is its only cluster; ties by cluster code. Within
    a cluster, sub-clusters by code. ``rank`` numbers the rows 1..n per code.
    """
    d = df.drop_duplicates([key, "cluster_code", "subcluster_code"]).copy()
    d["_n"] = d.groupby([key, "cluster_code"])["subcluster_code"].transform("size")
    d["_edu"] = (d["cluster_code"] == "education") & ~d[key].str.startswith(education_home)
    d = d.sort_values(
        [key, "_edu", "_n", "cluster_code", "subcluster_code"], ascending=[True, True, False, True, True]
    )
    d["rank"] = (d.groupby(key).cumcount() + 1).astype("Int64")
    return d.drop(columns=["_n", "_edu"])


def read_advance_cte_crosswalks(folder: str | Path) -> dict[str, pd.DataFrame]:
    """The official Advance CTE 2024 crosswalk workbooks in ``folder``, in the built-in long layouts.

    Keys (present when the workbook is found; file names as Advance CTE publishes them or as renamed in
    the project's data folder, see ``_OFFICIAL``):

    - ``cip_cluster``: cip, framework, cluster_code, subcluster_code, rank — every CIP × sub-cluster row;
      the placeholder ``99.9999`` (no matching program) is left out; ranked by :func:`_ranked`;
    - ``soc_cluster``: soc, framework, cluster_code, subcluster_code, rank (same rule, Education home ``25``);
    - ``naics_cluster``: naics, framework, cluster_code, subcluster_code (``<NA>``: the official sheet only
      repeats each cluster's sector list under its sub-clusters), share = 1 / number of clusters of a sector.

    Names are matched case-insensitively to the built-in codes ("water systems" → ``water-systems``);
    an unknown name raises :class:`InputError` with file, row and column.
    """
    folder = Path(folder)
    out: dict[str, pd.DataFrame] = {}
    for key, (names, sheet, code_col) in _OFFICIAL.items():
        path = next((folder / n for n in names if (folder / n).exists()), None)
        if path is None:
            continue
        df = _official_sheet(path, sheet, code_col)
        cc, sc = _name_codes(df, display_name(path))
        d = pd.DataFrame(
            {"code": df[code_col], "framework": "2024", "cluster_code": cc, "subcluster_code": sc}
        ).astype(_STR)
        if key == "cip_cluster":
            d = d[d["code"] != NO_MATCH_CIP]
            d = _ranked(d, "code", "13.").rename(columns={"code": "cip"})
        elif key == "soc_cluster":
            d = _ranked(d, "code", "25-").rename(columns={"code": "soc"})
        else:
            d = d.drop_duplicates(["code", "cluster_code"]).assign(subcluster_code=pd.NA)
            d["share"] = (1.0 / d.groupby("code")["cluster_code"].transform("size")).astype("Float64")
            d = d.rename(columns={"code": "naics"}).sort_values(["naics", "cluster_code"])
        out[key] = d.astype({"subcluster_code": _STR}).reset_index(drop=True)
    if not out:
        raise InputError(
            [
                Problem(
                    display_name(folder), None, None, "no Advance CTE crosswalk workbook found in this folder"
                )
            ]
        )
    return out


# ------------------------------------------------------------------------------------------- validation


def validate_reference() -> list[str]:
    """Consistency problems of the built-in tables (empty list when all is well); used by the tests."""
    issues: list[str] = []
    clusters = _read_builtin("clusters.csv")
    subs = _read_builtin("subclusters.csv")
    known = set(zip(clusters["framework"], clusters["cluster_code"], strict=True))
    sub_of = {
        (f, s): c
        for f, s, c in zip(subs["framework"], subs["subcluster_code"], subs["cluster_code"], strict=True)
    }
    for fw, cc in zip(subs["framework"], subs["cluster_code"], strict=True):
        if (fw, cc) not in known:
            issues.append(f"subclusters.csv: unknown cluster {fw}/{cc}")
    for name, key in (("cip_cluster.csv", "cip"), ("naics_cluster.csv", "naics")):
        t = _read_builtin(name)
        for code, fw, cc, sc in zip(
            t[key], t["framework"], t["cluster_code"], t["subcluster_code"], strict=True
        ):
            if (fw, cc) not in known:
                issues.append(f"{name}: {code}: unknown cluster {fw}/{cc}")
            if pd.notna(sc) and sub_of.get((fw, sc)) != cc:
                issues.append(f"{name}: {code}: sub-cluster {sc} is not in {fw}/{cc}")
    return issues
