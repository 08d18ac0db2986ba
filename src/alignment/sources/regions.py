"""Read a county → region list (CSV or Excel) into the regions table.

A region is a set of counties: a workforce development area, a CBSA, an economic
development region or a custom list. The file needs a county FIPS column and a
region name column (:data:`ALIASES`); ``region_id``, ``region_type``, ``oews_area``
and ``county_name`` are optional. The Census/OMB CBSA delineation file (``list1``)
reads as is: ``FIPS State Code`` + ``FIPS County Code`` make the county,
``CBSA Title`` the region name, ``CBSA Code`` the id, and the region type is
``cbsa``.

Rules: region ids are slugified (:func:`alignment.codes.slugify`) from the id
column, else from the name; one id must have one name and one name one id (compared
ignoring case and repeated spaces: the reports name regions by their names); a county
may belong to one region only; ``region_type`` is the column's value, else the ``region_type``
argument, else guessed from the region column's header (``WDA`` → ``workforce_area``,
``CBSA``/``MSA`` → ``cbsa``, ``EDR`` → ``economic_development``), else ``custom``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from ..codes import (
    normalize_county_fips_series,
    normalize_state_fips,
    normalize_state_fips_series,
    slugify,
)
from ..errors import InputError, Problem
from ..schemas import REGION_TYPES, Regions
from ._tabular import as_text, header_key, match_columns, read_raw, validate_as_written

COLUMNS = ("county_fips", "county_name", "region_id", "region_name", "region_type", "oews_area")

#: Header names accepted for each column, in order of preference.
#: ``state_fips`` is not a table column: it only completes 1-3 digit county codes.
ALIASES: dict[str, tuple[str, ...]] = {
    "county_fips": (
        "county_fips_code", "fips", "fips_county_code", "county_code", "geoid", "cnty_fips", "county",
    ),
    "state_fips": ("fips_state_code", "state_code", "statefp", "state"),
    "region_name": (
        "region", "region_title", "wda", "wda_name", "lwda", "lwda_name", "workforce_area",
        "workforce_development_area", "workforce_board", "wdb", "cbsa_title", "cbsa_name", "cbsa", "msa",
        "msa_name", "edr", "edr_name", "economic_development_region",
    ),
    "region_id": ("region_code", "wda_code", "wda_id", "lwda_code", "cbsa_code", "msa_code", "edr_code"),
    "region_type": ("type",),
    "oews_area": ("oews_area_code", "oes_area", "oes_area_code", "oews_msa"),
    "county_name": (
        "county_title", "county_county_equivalent", "county_equivalent", "countyname", "county",
    ),
}  # fmt: skip

#: Words accepted in a ``region_type`` column, folded onto the table's vocabulary.
REGION_TYPE_WORDS: dict[str, str] = {
    "workforcearea": "workforce_area",
    "workforcedevelopmentarea": "workforce_area",
    "wda": "workforce_area",
    "lwda": "workforce_area",
    "lwia": "workforce_area",
    "wdb": "workforce_area",
    "cbsa": "cbsa",
    "msa": "cbsa",
    "metro": "cbsa",
    "metropolitanstatisticalarea": "cbsa",
    "micropolitanstatisticalarea": "cbsa",
    "economicdevelopment": "economic_development",
    "economicdevelopmentregion": "economic_development",
    "edr": "economic_development",
    "custom": "custom",
}


def _guess_type(header: str | None) -> str:
    key = header_key(header or "")
    if any(w in key for w in ("cbsa", "msa", "metro")):
        return "cbsa"
    if any(w in key for w in ("wda", "workforce", "wdb", "lwia")):
        return "workforce_area"
    if "edr" in key or "economicdevelopment" in key:
        return "economic_development"
    return "custom"


def read_regions(
    path: str | Path,
    *,
    sheet: str | int | None = None,
    column_map: Mapping[str, str] | None = None,
    region_type: str | None = None,
    state_fips: str | None = None,
) -> pd.DataFrame:
    """Read a county → region list into the regions table; raise :class:`InputError` listing every problem.

    ``state_fips`` (``"06"`` or ``"CA"``) completes 3-digit county codes and rejects
    counties of other states; a ``state_fips`` column in the file does the same row by row.
    """
    if region_type is not None and region_type not in REGION_TYPES:
        raise ValueError(f"region_type {region_type!r} is not one of {', '.join(REGION_TYPES)}")
    state = None
    if state_fips is not None:
        state = normalize_state_fips(state_fips)
        if state is None:
            raise ValueError(f"state_fips {state_fips!r} is not a state FIPS code or postal abbreviation")
    table = read_raw(path, sheet=sheet, hints=[h for k, v in ALIASES.items() for h in (k, *v)])
    file, raw, rows = table.file, table.frame, table.rows
    found, problems = match_columns(table, ALIASES, ["county_fips"], column_map)
    if "region_name" not in found and "region_id" not in found:
        accepted = ", ".join(("region_name", *ALIASES["region_name"]))
        msg = f"no region column found; columns found: {', '.join(raw.columns)}; accepted names: {accepted}"
        problems.append(Problem(file, None, None, msg))
    if problems:
        raise InputError(problems)

    def add(i: int, column: str, message: str) -> None:
        problems.append(Problem(file, int(rows.iat[i]), found[column], message))

    def text(column: str) -> pd.Series:
        if column in found:
            return as_text(raw[found[column]])
        return pd.Series(pd.NA, index=raw.index, dtype="string")

    county_raw = text("county_fips")
    county = normalize_county_fips_series(county_raw, state)
    if "state_fips" in found:
        # a state column completes 1-3 digit county codes (the OMB delineation file)
        short = county.isna() & county_raw.str.fullmatch(r"\d{1,3}").fillna(False).astype(bool)
        states = normalize_state_fips_series(text("state_fips"))
        if state is not None:
            states = states.where(states.eq(state).fillna(False).astype(bool))
        county = county.mask(short, normalize_county_fips_series(county_raw, states))
    where = "" if state is None else f" in state {state}"
    for i in (county.isna()).to_numpy().nonzero()[0]:
        got = "the cell is empty" if pd.isna(county_raw.iat[i]) else f"got {county_raw.iat[i]!r}"
        add(i, "county_fips", f"expected a 5-digit county FIPS code{where} such as 06037; {got}")

    names = text("region_name")
    ids_given = text("region_id")
    ids = pd.Series(
        [
            slugify(g) if pd.notna(g) else (slugify(n) if pd.notna(n) else pd.NA)
            for g, n in zip(ids_given, names, strict=True)
        ],
        index=raw.index,
        dtype="string",
    )
    names = names.fillna(ids_given)
    for i in (names.isna()).to_numpy().nonzero()[0]:
        add(
            i,
            "region_name" if "region_name" in found else "region_id",
            "a region is required; the cell is empty",
        )

    if "region_type" in found:
        typed = text("region_type")
        folded = typed.str.replace(r"[^A-Za-z0-9]", "", regex=True).str.lower().map(REGION_TYPE_WORDS)
        for i in (folded.isna() & typed.notna()).to_numpy().nonzero()[0]:
            add(i, "region_type", f"expected one of {', '.join(REGION_TYPES)}, got {typed.iat[i]!r}")
        default = region_type or _guess_type(found.get("region_name") or found.get("region_id"))
        types = folded.fillna(default).astype("string")
    else:
        default = region_type or _guess_type(found.get("region_name") or found.get("region_id"))
        types = pd.Series(default, index=raw.index, dtype="string")

    # one id, one name
    first_name: dict[str, tuple[str, int]] = {}
    for i, (rid, name) in enumerate(zip(ids, names, strict=True)):
        if pd.isna(rid) or pd.isna(name):
            continue
        if rid not in first_name:
            first_name[rid] = (name, int(rows.iat[i]))
        elif first_name[rid][0] != name:
            other, row = first_name[rid]
            column = "region_id" if "region_id" in found else "region_name"
            add(
                i,
                column,
                f"region id {rid!r} is used for {other!r} (row {row}) and for {name!r}"
                "; give each region one id",
            )

    # one name, one region: reports, maps and the privacy audit tell regions apart by their names
    first_id: dict[str, tuple[str, str, int]] = {}
    for i, (rid, name) in enumerate(zip(ids, names, strict=True)):
        if pd.isna(rid) or pd.isna(name):
            continue
        key = " ".join(str(name).split()).casefold()
        if key not in first_id:
            first_id[key] = (rid, name, int(rows.iat[i]))
        elif first_id[key][0] != rid:
            other_id, other_name, row = first_id[key]
            column = "region_name" if "region_name" in found else "region_id"
            same = (
                "" if other_name == name else f" ({other_name!r} and {name!r} differ only in case or spaces)"
            )
            add(
                i,
                column,
                f"region name {name!r} is used for two regions: id {other_id!r} (row {row}) and id {rid!r}"
                f"{same}; give each region its own name",
            )

    # one county, one region
    first_region: dict[str, tuple[str, int]] = {}
    for i, (fips, name) in enumerate(zip(county, names, strict=True)):
        if pd.isna(fips):
            continue
        if fips not in first_region:
            first_region[fips] = ("" if pd.isna(name) else name, int(rows.iat[i]))
            continue
        other, row = first_region[fips]
        if other == name:
            add(
                i,
                "county_fips",
                f"county {fips} is listed twice in region {name!r} (rows {row} and {rows.iat[i]})",
            )
        else:
            add(
                i,
                "county_fips",
                f"county {fips} is in two regions: {other!r} (row {row}) and {name!r}"
                "; a county belongs to one region only",
            )

    if problems:
        order = list(raw.columns)
        problems.sort(key=lambda p: (p.row or 0, order.index(p.column) if p.column in order else 0))
        raise InputError(problems)
    if len(raw) == 0:
        raise InputError([Problem(file, None, None, "the file has a header but no data rows")])

    oews = text("oews_area").str.replace(r"^(\d+)\.0+$", r"\1", regex=True)
    out = pd.DataFrame(
        {
            "county_fips": county,
            "county_name": text("county_name"),
            "region_id": ids,
            "region_name": names,
            "region_type": types,
            "oews_area": oews,
            "source_file": pd.Series(file, index=raw.index, dtype="string"),
            "source_row": rows.astype("int64"),
        }
    )
    return validate_as_written(out, Regions, file, found)
