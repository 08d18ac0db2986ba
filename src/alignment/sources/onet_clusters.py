"""Read O*NET OnLine's "Browse by Career Cluster" export (legacy 16-cluster framework) and collapse it to SOC.

The export ``All_Career_Clusters.csv`` has the header ``Career Cluster,Career Pathway,Code,Occupation``:
one line per O*NET-SOC occupation (``NN-NNNN.NN``: the O*NET-SOC 2019 taxonomy, SOC 2018 based;
exports of the O*NET-SOC 2010 taxonomy are read the same way and converted to SOC 2018 in a run). An
occupation in several clusters has both the cluster and the pathway cells as ``"; "``-separated lists
aligned by position; the reader splits them into one row per occupation × cluster × pathway.

Cluster names are matched to the legacy clusters of the project (``reference/clusters.csv``) ignoring
case, punctuation and spaces, with ``&`` read as ``and`` and ``Audio/Video`` as ``A/V`` (O*NET writes
"Arts, Audio/Video Technology & Communications"). Pathway names are matched the same way to the legacy
pathways (``reference/subclusters.csv``); a pathway the project does not list keeps ``pathway_code``
``<NA>``. A cluster name that matches no legacy cluster is a problem.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..errors import InputError, Problem
from ..reference import load_clusters, load_subclusters
from ._tabular import as_text, match_columns, read_raw

__all__ = ["OUTPUT_COLUMNS", "SOC_COLUMNS", "name_key", "onet_soc_cluster", "read_onet_career_clusters"]

OUTPUT_COLUMNS = [
    "onet_soc",
    "soc",
    "title",
    "cluster_name",
    "cluster_code",
    "pathway_name",
    "pathway_code",
    "source_file",
    "source_row",
]
SOC_COLUMNS = ["soc", "cluster_code", "cluster_name", "pathway_code", "pathway_name", "share"]

_ALIASES = {
    "cluster_name": ["Career Cluster", "Cluster"],
    "pathway_name": ["Career Pathway", "Pathway"],
    "onet_soc": ["Code", "O*NET-SOC Code", "O*NET-SOC 2019 Code", "ONET SOC Code"],
    "title": ["Occupation", "Title"],
}
_ONET = re.compile(r"^(\d{2})-?(\d{4})(?:\.(\d{2}))?$")


def name_key(name: object) -> str:
    """A cluster or pathway name reduced for matching.

    >>> name_key("Arts, Audio/Video Technology & Communications")
    'artsavtechnologyandcommunications'
    >>> name_key("Arts, A/V Technology and Communications")
    'artsavtechnologyandcommunications'
    """
    text = str(name).lower().replace("audio/video", "a/v").replace("&", " and ")
    return re.sub(r"[^a-z0-9]", "", text)


def _codes_by_name(table: pd.DataFrame, code: str, name: str) -> dict[str, str]:
    return {name_key(n): c for c, n in zip(table[code], table[name], strict=True)}


def read_onet_career_clusters(path: str | Path, *, strict: bool = True) -> pd.DataFrame:
    """Read the O*NET Career Cluster export: one row per O*NET-SOC occupation × cluster × pathway.

    Columns ``OUTPUT_COLUMNS``: ``onet_soc`` (``NN-NNNN.NN``), ``soc`` (its first 7 characters: a SOC
    2018 code in an O*NET-SOC 2019 export, a SOC 2010 code in an older one, which
    :func:`alignment.soc_vintage.onet_to_soc_2018` converts), ``title``, ``cluster_name`` and
    ``pathway_name`` as written, ``cluster_code`` and ``pathway_code`` (the project's legacy codes, see the
    module docstring). With ``strict`` (default) a cluster name that matches no legacy cluster is a problem;
    with ``strict=False`` its code is ``<NA>``.
    """
    table = read_raw(path, hints=["Career Cluster", "Career Pathway", "Code", "Occupation"])
    found, problems = match_columns(table, _ALIASES, required=list(_ALIASES))
    if problems:
        layout = " (O*NET Career Cluster export layout: Career Cluster, Career Pathway, Code, Occupation)"
        raise InputError([Problem(p.file, p.row, p.column, p.message + layout) for p in problems])
    clusters = _codes_by_name(load_clusters("legacy"), "cluster_code", "cluster_name")
    pathways = _codes_by_name(load_subclusters("legacy"), "subcluster_code", "subcluster_name")
    frame = {k: as_text(table.frame[v]) for k, v in found.items()}
    records: list[dict[str, object]] = []
    unknown: dict[str, int] = {}
    for i in range(len(table.frame)):
        row = int(table.rows.iat[i])
        code = frame["onet_soc"].iat[i]
        m = None if pd.isna(code) else _ONET.match(str(code))
        if m is None:
            msg = f"expected an O*NET-SOC code NN-NNNN.NN, got {None if pd.isna(code) else str(code)!r}"
            problems.append(Problem(table.file, row, found["onet_soc"], msg))
            continue
        onet = f"{m.group(1)}-{m.group(2)}.{m.group(3) or '00'}"
        names = _split(frame["cluster_name"].iat[i])
        paths = _split(frame["pathway_name"].iat[i])
        if not names:
            problems.append(
                Problem(table.file, row, found["cluster_name"], "a cluster name is required here")
            )
            continue
        if len(paths) != len(names):
            msg = (
                f"{len(names)} cluster(s) but {len(paths)} pathway(s): the '; '-separated lists must be "
                "aligned by position"
            )
            problems.append(Problem(table.file, row, found["pathway_name"], msg))
            continue
        for cluster, pathway in zip(names, paths, strict=True):
            cluster_code = clusters.get(name_key(cluster))
            if cluster_code is None:
                unknown.setdefault(cluster, row)
            records.append(
                {
                    "onet_soc": onet,
                    "soc": onet[:7],
                    "title": frame["title"].iat[i],
                    "cluster_name": cluster,
                    "cluster_code": cluster_code,
                    "pathway_name": pathway,
                    "pathway_code": pathways.get(name_key(pathway)),
                    "source_row": row,
                }
            )
    if strict:
        known = ", ".join(load_clusters("legacy")["cluster_name"])
        for name, row in unknown.items():
            msg = f"cluster {name!r} matches no legacy Career Cluster (known: {known})"
            problems.append(Problem(table.file, row, found["cluster_name"], msg))
    if problems:
        raise InputError(problems)
    out = pd.DataFrame(records, columns=[c for c in OUTPUT_COLUMNS if c != "source_file"])
    out = out.astype({c: "string" for c in OUTPUT_COLUMNS if c not in ("source_file", "source_row")})
    out["source_file"] = pd.Series(table.file, index=out.index, dtype="string")
    out["source_row"] = out["source_row"].astype("int64")
    return out[OUTPUT_COLUMNS]


def _split(cell: object) -> list[str]:
    if cell is None or pd.isna(cell):
        return []
    return [part.strip() for part in str(cell).split(";") if part.strip()]


def onet_soc_cluster(df: pd.DataFrame) -> pd.DataFrame:
    """Collapse :func:`read_onet_career_clusters` to 6-digit SOC: one row per SOC × cluster × pathway.

    ``share`` splits each SOC evenly over its distinct clusters: ``share = 1 / k`` for a SOC in ``k``
    clusters, divided again evenly among the pathways it has within one cluster, so the shares of a SOC
    sum to 1. Several O*NET-SOC codes of one SOC (``11-9121.01``, ``11-9121.02``) count once.

    >>> t = pd.DataFrame({"soc": ["19-4044", "19-4044", "11-9121", "11-9121"],
    ...     "cluster_code": ["a", "s", "m", "m"], "cluster_name": ["A", "S", "M", "M"],
    ...     "pathway_code": ["p1", "p2", "p3", "p3"], "pathway_name": ["P1", "P2", "P3", "P3"]})
    >>> onet_soc_cluster(t)[["soc", "cluster_code", "share"]].values.tolist()
    [['11-9121', 'm', 1.0], ['19-4044', 'a', 0.5], ['19-4044', 's', 0.5]]
    """
    keys = ["soc", "cluster_code", "cluster_name", "pathway_code", "pathway_name"]
    rows = df[keys].astype("string").drop_duplicates(["soc", "cluster_name", "pathway_name"])
    clusters = rows.groupby("soc")["cluster_name"].transform("nunique")
    pathways = rows.groupby(["soc", "cluster_name"])["pathway_name"].transform("nunique")
    out = rows.assign(share=(1.0 / (clusters * pathways)).astype("float64"))
    return out.sort_values(["soc", "cluster_name", "pathway_name"], kind="stable").reset_index(drop=True)[
        SOC_COLUMNS
    ]
