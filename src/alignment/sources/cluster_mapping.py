"""Read U.S. Cluster Mapping Project (Delgado, Porter & Stern) NAICS → traded/local cluster files.

Two layouts, recognized by their headers:

=====================  =====================================================  ================================
layout                 header                                                 carries
=====================  =====================================================  ================================
``traded_local``       ``Type,NAICS`` (``Type`` is ``Traded`` or ``Local``)   traded flag only
``porter_clusters``    ``NAICS | TradedLocal | Cluster | SubclusterName |     traded flag, cluster and
                       EmsiSpecificNAICS (non standard) | Description``       sub-cluster names, NAICS title
=====================  =====================================================  ================================

The first is the clustermapping.us traded/local list (6-digit NAICS 2012); the second is a NAICS 2012 →
cluster workbook in the Emsi variant of NAICS, whose ``EmsiSpecificNAICS`` rows are codes that are not
standard NAICS (government ownership splits such as ``902612``, a few NAICS 2017 codes): they are kept with
``nonstandard=True``. Neither file has numeric cluster codes, so ``cluster_code`` and ``subcluster_code``
are slugs of the names (``Aerospace Vehicles and Defense`` → ``aerospace-vehicles-and-defense``).
:func:`combine_cluster_mappings` merges the two.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..codes import normalize_naics_series, slugify
from ..errors import InputError, Problem
from ._tabular import EXCEL_SUFFIXES, RawTable, as_text, header_key, match_columns, read_raw

__all__ = ["LAYOUTS", "OUTPUT_COLUMNS", "combine_cluster_mappings", "read_cluster_mapping"]

OUTPUT_COLUMNS = [
    "naics",
    "naics_vintage",
    "naics_title",
    "traded",
    "cluster_code",
    "cluster_name",
    "subcluster_code",
    "subcluster_name",
    "nonstandard",
    "layout",
    "source_file",
    "source_row",
]
LAYOUTS = {
    "porter_clusters": {
        "naics": ["NAICS"],
        "traded": ["TradedLocal", "Traded/Local", "Type"],
        "cluster_name": ["Cluster", "Cluster Name"],
        "subcluster_name": ["SubclusterName", "Subcluster"],
        "nonstandard": ["EmsiSpecificNAICS (non standard)", "EmsiSpecificNAICS"],
        "naics_title": ["Description", "NAICS Title"],
    },
    "traded_local": {"traded": ["Type", "TradedLocal"], "naics": ["NAICS"]},
}
_REQUIRED = {"porter_clusters": ["naics", "traded", "cluster_name"], "traded_local": ["naics", "traded"]}
_TRUE = {"true", "t", "1", "yes", "y"}
_FALSE = {"false", "f", "0", "no", "n", ""}


def _tables(path: str | Path) -> list[RawTable]:
    """Every sheet of a workbook (a CSV is one table), each with its header found among the known names."""
    hints = {h for aliases in LAYOUTS.values() for names in aliases.values() for h in names}
    p = Path(path)
    if p.suffix.lower() not in EXCEL_SUFFIXES:
        return [read_raw(path, hints=hints)]
    import openpyxl

    try:
        book = openpyxl.load_workbook(p, read_only=True)
        names = book.sheetnames
        book.close()
    except Exception:  # read_raw gives the message for a damaged workbook
        return [read_raw(path, hints=hints)]
    tables = []
    for name in names:
        try:
            tables.append(read_raw(path, sheet=name, hints=hints))
        except InputError:  # an empty sheet ("Data Notes")
            continue
    return tables or [read_raw(path, hints=hints)]


def _detect(tables: list[RawTable]) -> tuple[RawTable, str]:
    for layout in LAYOUTS:  # porter_clusters first: its columns include the traded_local ones
        for table in tables:
            keys = {header_key(c) for c in table.frame.columns}
            if all(
                any(header_key(a) in keys for a in LAYOUTS[layout][col] + [col]) for col in _REQUIRED[layout]
            ):
                return table, layout
    headers = "; ".join(", ".join(map(str, t.frame.columns)) for t in tables)
    msg = (
        "not a Cluster Mapping NAICS file: expected the columns NAICS, TradedLocal, Cluster (NAICS → "
        f"cluster workbook) or Type, NAICS (traded/local list); header(s) read: {headers}"
    )
    raise InputError([Problem(tables[0].file, None, None, msg)])


def read_cluster_mapping(path: str | Path, *, naics_vintage: str = "2012") -> pd.DataFrame:
    """Read a NAICS → traded/local (and cluster) file into ``OUTPUT_COLUMNS``, one row per NAICS code.

    ``naics`` is the normalized code as text (6 digits in both published files), ``traded`` is ``True``
    for ``Traded`` and ``False`` for ``Local``; the cluster columns are ``<NA>`` in the ``traded_local``
    layout (and for a row without a cluster: ``814110`` Private Households is written ``NA``).
    ``naics_vintage`` is recorded on every row (both published files use NAICS 2012). Problems (a code that is not NAICS, a
    traded cell that is neither Traded nor Local, a code listed twice) are collected into one
    :class:`InputError`.
    """
    table, layout = _detect(_tables(path))
    found, problems = match_columns(table, LAYOUTS[layout], _REQUIRED[layout])
    if problems:
        raise InputError(problems)
    frame = table.frame
    rows = table.rows.astype("int64")

    def text(col: str) -> pd.Series:
        if col not in found:
            return pd.Series(pd.NA, index=frame.index, dtype="string")
        return as_text(frame[found[col]])

    raw_naics = text("naics")
    naics = normalize_naics_series(raw_naics)
    for i in naics.isna().to_numpy().nonzero()[0]:
        msg = f"expected a NAICS code of 2 to 6 digits, got {raw_naics.iat[i]!r} ({layout} layout)"
        problems.append(Problem(table.file, int(rows.iat[i]), found["naics"], msg))
    kind = text("traded").str.lower()
    traded = kind.map({"traded": True, "local": False})
    for i in traded.isna().to_numpy().nonzero()[0]:
        msg = f"expected Traded or Local, got {text('traded').iat[i]!r} ({layout} layout)"
        problems.append(Problem(table.file, int(rows.iat[i]), found["traded"], msg))
    flag = text("nonstandard").str.lower().fillna("")
    bad_flag = ~flag.isin(_TRUE | _FALSE)
    for i in bad_flag.to_numpy().nonzero()[0]:
        msg = f"expected TRUE or FALSE, got {text('nonstandard').iat[i]!r}"
        problems.append(Problem(table.file, int(rows.iat[i]), found["nonstandard"], msg))
    repeated = naics.notna() & naics.duplicated(keep="first")
    for i in repeated.to_numpy().nonzero()[0]:
        first = int(rows[naics == naics.iat[i]].iat[0])
        msg = f"NAICS {naics.iat[i]} is listed twice (first on row {first})"
        problems.append(Problem(table.file, int(rows.iat[i]), found["naics"], msg))
    if problems:
        raise InputError(problems)
    cluster = _name(text("cluster_name"))
    sub = _name(text("subcluster_name"))
    out = pd.DataFrame(
        {
            "naics": naics,
            "naics_vintage": pd.Series(str(naics_vintage), index=frame.index, dtype="string"),
            "naics_title": text("naics_title"),
            "traded": traded.astype(bool),
            "cluster_code": cluster.map(slugify, na_action="ignore").astype("string"),
            "cluster_name": cluster,
            "subcluster_code": sub.map(slugify, na_action="ignore").astype("string"),
            "subcluster_name": sub,
            "nonstandard": flag.isin(_TRUE).astype(bool),
            "layout": pd.Series(layout, index=frame.index, dtype="string"),
            "source_file": pd.Series(table.file, index=frame.index, dtype="string"),
            "source_row": rows,
        }
    )
    return out[OUTPUT_COLUMNS].reset_index(drop=True)


def _name(values: pd.Series) -> pd.Series:
    """Names with ``NA`` / ``N/A`` cells (the workbook writes ``NA`` for Private Households) as ``<NA>``."""
    return values.mask(values.str.upper().isin(["NA", "N/A", "#N/A"]).fillna(False))


def combine_cluster_mappings(clusters: pd.DataFrame, traded_local: pd.DataFrame) -> pd.DataFrame:
    """The cluster table completed with the codes only the traded/local list has (cluster columns ``<NA>``).

    Where both tables have a code, the cluster table's row is kept; its ``traded`` flag must agree with the
    list's, else a :class:`ValueError` names the codes that disagree.

    >>> c = pd.DataFrame({"naics": ["336411"], "traded": [True], "cluster_name": ["Aerospace"]})
    >>> t = pd.DataFrame({"naics": ["336411", "722511"], "traded": [True, False]})
    >>> combine_cluster_mappings(c, t)[["naics", "traded", "cluster_name"]].values.tolist()
    [['336411', True, 'Aerospace'], ['722511', False, nan]]
    """
    both = clusters[["naics", "traded"]].merge(traded_local[["naics", "traded"]], on="naics")
    differ = both[both["traded_x"] != both["traded_y"]]
    if len(differ):
        raise ValueError(f"traded/local differs between the two files for NAICS {', '.join(differ['naics'])}")
    extra = traded_local[~traded_local["naics"].isin(clusters["naics"])]
    out = pd.concat([clusters, extra], ignore_index=True)
    return out.sort_values("naics", kind="stable").reset_index(drop=True)
