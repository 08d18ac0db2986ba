"""The run's ``index.html``: every region with its headline figures and links, plus provenance.

The page is self-contained (inline CSS, no scripts, nothing fetched from the
network) and rendered with Jinja2 with autoescaping on, so region names,
paths and config values can never inject markup; every value shown also goes
through :func:`alignment.safe_text.plain_text`, so a bidi control character in a
name cannot reorder the page. A synthetic (demo) run
carries a banner "All figures are synthetic (demo data)" at the top and bottom.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping
from numbers import Integral, Real
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2
import markupsafe
import pandas as pd

from alignment.atomic import write_text
from alignment.paths import TEMPLATES_DIR
from alignment.safe_text import plain_text

INDEX_TEMPLATE = "index_page.html.j2"
SYNTHETIC_BANNER = "All figures are synthetic (demo data)"
MISSING = "—"
HEADERS = {
    "year": "Year",
    "dissimilarity": "Dissimilarity index (0 = same mix, 1 = disjoint)",
    "flags_total": "Flags (all)",
    "flagged_programs": "Flagged programs",
    "clusters": "Clusters",
    "counties": "Counties",
}
SIZE_HEADERS = {
    "sha256": "SHA-256",
    "size": "Size (bytes)",
    "size_bytes": "Size (bytes)",
    "bytes": "Size (bytes)",
}
VERSION_KEYS = ("version", "alignment_version", "package_version")
_SAFE_SCHEMES = {"", "http", "https", "file"}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
STATE_MAP_CAPTION = "Dissimilarity index by region: how far each region's program mix is from its job mix"


def year_headers(year: int, jobs_year: int) -> tuple[dict[str, str], str]:
    """(headers, map caption) that name the students' and the jobs' years when they differ.

    >>> year_headers(2024, 2016)[0]["dissimilarity"]
    'Dissimilarity index, students 2024 vs jobs 2016 (0 = same mix, 1 = disjoint)'
    >>> year_headers(2024, 2024)
    ({}, "Dissimilarity index by region: how far each region's program mix is from its job mix")
    """
    if year == jobs_year:
        return {}, STATE_MAP_CAPTION
    header = f"Dissimilarity index, students {year} vs jobs {jobs_year} (0 = same mix, 1 = disjoint)"
    caption = (
        f"Dissimilarity index by region: how far each region's program mix ({year}) is from its job mix "
        f"({jobs_year})"
    )
    return {"dissimilarity": header}, caption


def _shown(value: Any) -> Any:
    """Jinja2 ``finalize``: text values without bidi or control characters (autoescape then escapes them)."""
    if isinstance(value, str) and not isinstance(value, markupsafe.Markup):
        return plain_text(value)
    return value


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        finalize=_shown,
    )


def _header(column: str) -> str:
    if column in HEADERS:
        return HEADERS[column]
    if column.isupper():  # a flag code such as LOW_DEMAND: keep it as the reports write it
        return column
    if column.startswith("flags_"):
        return f"Flags: {column.removeprefix('flags_').replace('_', ' ')}"
    return column.replace("_", " ").capitalize()


def _whole_number_columns(table: pd.DataFrame) -> set[str]:
    """Float columns whose values are all whole numbers (counts after a merge): shown without decimals."""
    whole = set()
    for column in table.columns:
        values = pd.to_numeric(table[column], errors="coerce") if table[column].dtype.kind == "f" else None
        if values is not None and values.notna().any() and (values.dropna() % 1 == 0).all():
            whole.add(column)
    return whole


def _format(value: Any, column: str) -> tuple[str, bool]:
    """(text, is_number) for one table cell; missing values show as an em dash, never 0."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return MISSING, False
    if isinstance(value, bool):
        return ("yes" if value else "no"), False
    if isinstance(value, Integral):
        return (str(int(value)) if column == "year" else f"{int(value):,}"), True
    if isinstance(value, Real):
        digits = 3 if column == "dissimilarity" else 2
        return f"{float(value):,.{digits}f}", True
    return str(value), False


def _href(href: str, region_id: str) -> str:
    scheme = urlsplit(str(href)).scheme.lower()
    if scheme not in _SAFE_SCHEMES and len(scheme) > 1:  # one letter = a Windows drive
        raise ValueError(f"link for region {region_id!r} has a disallowed scheme {scheme!r}: {href!r}")
    return quote(str(href).replace("\\", "/"), safe="/:#?&=%~+@!$,;'()*[]")


def _links(links: Mapping[str, Any], region_id: str) -> list[dict[str, str]]:
    target = links.get(region_id)
    if target is None:
        return []
    if isinstance(target, str | Path):
        target = {"Report": str(target)}
    return [{"label": str(label), "href": _href(href, region_id)} for label, href in target.items()]


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Nested config → ("a.b.c", "value") pairs, in the config's own order."""
    if isinstance(value, Mapping):
        pairs: list[tuple[str, str]] = []
        for key, inner in value.items():
            pairs.extend(_flatten(inner, f"{prefix}.{key}" if prefix else str(key)))
        return pairs
    if isinstance(value, list | tuple):
        return [(prefix, ", ".join(str(v) for v in value))]
    return [(prefix, MISSING if value is None else str(value))]


def _inputs(raw: Any) -> tuple[list[str], list[list[str]], int]:
    if not raw:
        return [], [], 0
    if isinstance(raw, Mapping):  # {path: sha256}
        raw = [{"path": path, "sha256": sha} for path, sha in raw.items()]
    keys: list[str] = []
    for item in raw:
        keys.extend(k for k in item if k not in keys)
    if "sha256" in keys:  # checksum last, where a long hex string is easiest to read
        keys = [k for k in keys if k != "sha256"] + ["sha256"]
    headers = [SIZE_HEADERS.get(k, k) for k in keys]
    rows = [[_format(item.get(k), k)[0] for k in keys] for item in raw]
    sha_column = keys.index("sha256") + 1 if "sha256" in keys else 0
    return [h if h != h.lower() else h.replace("_", " ").capitalize() for h in headers], rows, sha_column


def _state_map(png: bytes | None, alt: str | None, summary: pd.DataFrame) -> dict[str, str] | None:
    """The statewide map as an inline ``data:`` URI (the page stays offline) with its alt text."""
    if png is None:
        return None
    if not isinstance(png, bytes | bytearray) or not bytes(png).startswith(PNG_SIGNATURE):
        raise ValueError("state_map_png must be the bytes of a PNG image (see alignment.maps.figure_png)")
    if alt is None:
        alt = "Map of the state's regions coloured by their dissimilarity index (0 = same mix, 1 = disjoint)"
        if "dissimilarity" in summary:
            names = summary["region_name"] if "region_name" in summary else summary["region_id"]
            names = names.where(names.notna(), summary["region_id"])
            parts = [
                f"{name} {_format(value, 'dissimilarity')[0] if pd.notna(value) else 'no data'}"
                for name, value in zip(names, summary["dissimilarity"], strict=True)
            ]
            alt += ": " + "; ".join(parts)
        alt += "."
    return {"src": "data:image/png;base64," + base64.b64encode(bytes(png)).decode("ascii"), "alt": alt}


def _year_over_year(changes: Mapping[str, Any] | None, summary: pd.DataFrame) -> dict[str, Any] | None:
    """The "Since <year>" section: per region, flags added and cleared and the largest shift in gap.

    Regions are listed in the order of ``summary``; a region missing from ``changes["regions"]`` shows "—".
    """
    if changes is None:
        return None
    table = pd.DataFrame(changes["regions"])
    if "region_id" not in table:
        raise ValueError("year_over_year['regions'] needs a 'region_id' column")
    by_id = {str(r["region_id"]): r for r in table.to_dict("records")}
    rows = []
    for record in summary.to_dict("records"):
        rid = str(record["region_id"])
        name = record.get("region_name")
        found = by_id.get(rid, {})
        cells = [_format(found.get(c), c) for c in ("flags_added", "flags_cleared")]
        shift = found.get("largest_shift")
        rows.append(
            {
                "name": rid if name is None or pd.isna(name) else str(name),
                "cells": [{"text": t, "numeric": n} for t, n in cells],
                "shift": shift if isinstance(shift, str) and shift else MISSING,
            }
        )
    return {
        "previous_year": int(changes["previous_year"]),
        "previous_run": str(changes.get("previous_run") or ""),
        "year": int(changes["year"]) if changes.get("year") is not None else None,
        "rows": rows,
    }


def render_index(
    *,
    title: str,
    synthetic: bool,
    regions_summary: pd.DataFrame,
    links: Mapping[str, Any],
    provenance: Mapping[str, Any],
    state_links: Mapping[str, str] | None = None,
    state_map_png: bytes | None = None,
    state_map_alt: str | None = None,
    year_over_year: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    state_map_caption: str = STATE_MAP_CAPTION,
) -> str:
    """The index page as a string; see :func:`write_index`."""
    if "region_id" not in regions_summary:
        raise ValueError("regions_summary needs a 'region_id' column")
    unknown = sorted(set(links) - set(regions_summary["region_id"].astype(str)))
    if unknown:
        raise ValueError(f"links name regions that are not in regions_summary: {unknown}")
    shown = [c for c in regions_summary.columns if c not in ("region_id", "region_name")]
    whole = _whole_number_columns(regions_summary[shown]) - {"dissimilarity"}
    rows = []
    for record in regions_summary.to_dict("records"):
        record = {c: int(v) if c in whole and pd.notna(v) else v for c, v in record.items()}
        region_id = str(record["region_id"])
        name = record.get("region_name")
        cells = [dict(zip(("text", "numeric"), _format(record[c], c), strict=True)) for c in shown]
        rows.append(
            {
                "name": region_id if name is None or pd.isna(name) else str(name),
                "cells": cells,
                "links": _links(links, region_id),
            }
        )
    provenance = dict(provenance)
    inputs = provenance.pop("inputs", None) or provenance.pop("files", None)
    config = provenance.pop("config", None) or {}
    version = next((provenance[k] for k in VERSION_KEYS if provenance.get(k)), None)
    facts = []
    for key, value in provenance.items():
        if isinstance(value, Mapping):
            text = "; ".join(f"{k}: {v}" for k, v in _flatten(value))
        else:
            text = (
                _format(value, str(key))[0] if not isinstance(value, list | tuple) else _flatten(value)[0][1]
            )
        facts.append((str(key).replace("_", " ").capitalize(), text))
    input_headers, input_rows, sha_column = _inputs(inputs)
    n = len(rows)
    caption = f"{n} region{'s' if n != 1 else ''}: headline figures and links to each region's report"
    if synthetic:
        caption += f" ({SYNTHETIC_BANNER.lower()})"
    return (
        _environment()
        .get_template(INDEX_TEMPLATE)
        .render(
            title=title,
            synthetic=synthetic,
            headers=[(headers or {}).get(c) or _header(c) for c in shown],
            rows=rows,
            regions_caption=caption,
            facts=facts,
            inputs=input_rows,
            input_headers=input_headers,
            sha_column=sha_column,
            config=_flatten(config),
            version=version,
            state_links=_links({"state": dict(state_links or {})}, "state"),
            state_map=_state_map(state_map_png, state_map_alt, regions_summary),
            state_map_caption=state_map_caption,
            since=_year_over_year(year_over_year, regions_summary),
        )
    )


def write_index(
    path: Path,
    *,
    title: str,
    synthetic: bool,
    regions_summary: pd.DataFrame,
    links: Mapping[str, Any],
    provenance: Mapping[str, Any],
    state_links: Mapping[str, str] | None = None,
    state_map_png: bytes | None = None,
    state_map_alt: str | None = None,
    year_over_year: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    state_map_caption: str = STATE_MAP_CAPTION,
) -> Path:
    """Write the run's self-contained ``index.html`` atomically; returns ``path``.

    ``regions_summary``: one row per region with ``region_id``, optionally
    ``region_name``, and any headline columns to show in that order (e.g.
    from :func:`summarize_regions`: ``year``, ``dissimilarity``,
    ``flags_total``, ``flags_<severity>``); missing values show as "—".
    ``links``: ``region_id`` → relative href of its report, or → ``{label:
    href}`` (e.g. ``{"HTML": "north/report.html", "PDF": "north/report.pdf"}``).
    ``provenance``: ``inputs`` (list of ``{path, size, sha256}`` dicts, or
    ``{path: sha256}``), ``config`` (nested dict, shown flattened), ``version``,
    and any other facts (shown as a list). ``state_links``: ``{label: href}`` of
    statewide files (e.g. the state workbook). ``state_map_png``: PNG bytes of
    the statewide overview map (:func:`alignment.maps.plot_state_overview` +
    :func:`alignment.maps.figure_png`), embedded as a ``data:`` URI so the page
    needs no other file; ``state_map_alt`` its alt text (default: every
    region's dissimilarity index in words). ``year_over_year``: the changes
    since an earlier run (:func:`alignment.changes.index_changes`:
    ``previous_year``, ``previous_run``, ``year`` and ``regions`` with
    ``region_id``, ``flags_added``, ``flags_cleared``, ``largest_shift``),
    listed per region in a "Since <year>" section; None leaves it out.
    ``headers``: column → header text replacing the default (e.g. a header that
    names the data years); ``state_map_caption``: the overview map's caption.
    Every string is HTML-escaped.
    """
    html = render_index(
        title=title,
        synthetic=synthetic,
        regions_summary=regions_summary,
        links=links,
        provenance=provenance,
        state_links=state_links,
        state_map_png=state_map_png,
        state_map_alt=state_map_alt,
        year_over_year=year_over_year,
        headers=headers,
        state_map_caption=state_map_caption,
    )
    return write_text(Path(path), html)


def summarize_regions(
    regions: pd.DataFrame, dissimilarity: pd.DataFrame, flags: pd.DataFrame, *, year: int | None = None
) -> pd.DataFrame:
    """Headline figures per region for :func:`write_index`.

    Columns: ``region_id``, ``region_name``, ``year``, ``dissimilarity``,
    ``flags_total`` and one ``flags_<severity>`` count per severity present.
    ``year`` picks the analysis year (default: the latest in ``dissimilarity``).
    A region without a dissimilarity value shows ``<NA>``; without flags, 0.

    >>> regions = pd.DataFrame({"county_fips": ["41001", "41003"], "region_id": ["a", "b"],
    ...                         "region_name": ["East", "West"]})
    >>> d = pd.DataFrame({"region_id": ["a"], "year": [2024], "dissimilarity": [0.25]})
    >>> f = pd.DataFrame({"region_id": ["a", "a"], "year": [2024, 2024], "severity": ["high", "low"]})
    >>> summarize_regions(regions, d, f)[["region_id", "dissimilarity", "flags_total", "flags_high"]]
      region_id  dissimilarity  flags_total  flags_high
    0         a           0.25            2           1
    1         b           <NA>            0           0
    """
    if year is None:
        year = int(dissimilarity["year"].max()) if len(dissimilarity) else None
    out = regions[["region_id", "region_name"]].drop_duplicates("region_id").reset_index(drop=True)
    out["year"] = pd.array([year] * len(out), dtype="Int64")
    d = dissimilarity[dissimilarity["year"] == year][["region_id", "dissimilarity"]]
    out = out.merge(d, on="region_id", how="left")
    out["dissimilarity"] = out["dissimilarity"].astype("Float64")
    f = flags[flags["year"] == year] if "year" in flags else flags
    out["flags_total"] = out["region_id"].map(f.groupby("region_id").size()).fillna(0).astype("int64")
    if "severity" in f and len(f):
        counts = f.groupby(["region_id", "severity"]).size().unstack(fill_value=0)
        for severity in sorted(counts.columns):
            column = counts[severity]
            out[f"flags_{severity}"] = out["region_id"].map(column).fillna(0).astype("int64")
    return out
