"""Read OMB / Census Bureau CBSA delineation files ("List 1": county → metro/micro area and CSA).

The Census Bureau publishes each delineation as an Excel file (``list1_2020.xls``, Excel 97-2003, for
March 2020; ``list1_2023.xlsx`` for July 2023; CSV copies work too) with title lines above a 12-column
header and note lines below the table::

    CBSA Code | Metropolitan Division Code | CSA Code | CBSA Title | Metropolitan/Micropolitan Statistical
    Area | Metropolitan Division Title | CSA Title | County/County Equivalent | State Name | FIPS State Code |
    FIPS County Code | Central/Outlying County

The header row is found by its content, whatever the number of title lines (copies with none exist); rows
after the table with a single filled cell are notes. ``vintage`` ("March 2020", "July 2023") comes from
the "based on ... <Month Year> delineations" source note, else the first "<Month Year>" in the title lines.
Counties outside every CBSA are absent from the file. From the 2023 delineation on, Connecticut is listed
by its 9 planning regions (``09110`` … ``09190``) instead of its 8 counties.

OEWS area codes: an OEWS metropolitan area code equals the CBSA code of the same metro area for most of
the country. In New England, OEWS releases before the May 2024 estimates published metro areas as NECTAs
(city-and-town areas, codes 70000–79999, such as 71650 Boston-Cambridge-Nashua, MA-NH; the CBSA is 14460
Boston-Cambridge-Newton, MA-NH), which no county list can reproduce. OEWS nonmetropolitan areas (6-7
digit codes, groups of counties defined by BLS) are not in the delineation either.
:func:`oews_area_for_counties` therefore gives a county its CBSA only when the CBSA is a metro area that the
OEWS file actually has, and otherwise the state; a user who knows better names ``oews_area`` per county in
the regions file.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ..codes import normalize_county_fips_series
from ..errors import InputError, Problem, display_name
from ._tabular import _excel_text, decode_text, header_key

__all__ = [
    "COLUMNS",
    "OUTPUT_COLUMNS",
    "counties_to_cbsa",
    "oews_area_for_counties",
    "read_cbsa_delineation",
]

#: File header → output column.
COLUMNS = {
    "CBSA Code": "cbsa_code",
    "Metropolitan Division Code": "metro_division_code",
    "CSA Code": "csa_code",
    "CBSA Title": "cbsa_title",
    "Metropolitan/Micropolitan Statistical Area": "metro_micro",
    "Metropolitan Division Title": "metro_division_title",
    "CSA Title": "csa_title",
    "County/County Equivalent": "county_name",
    "State Name": "state_name",
    "FIPS State Code": "state_fips",
    "FIPS County Code": "county_code",
    "Central/Outlying County": "central_outlying",
}
REQUIRED = [
    "CBSA Code",
    "CBSA Title",
    "Metropolitan/Micropolitan Statistical Area",
    "FIPS State Code",
    "FIPS County Code",
]
OUTPUT_COLUMNS = [
    "cbsa_code",
    "cbsa_title",
    "metro_micro",
    "metro_division_code",
    "metro_division_title",
    "csa_code",
    "csa_title",
    "county_fips",
    "county_name",
    "state_fips",
    "state_name",
    "central_outlying",
    "vintage",
    "source_file",
    "source_row",
]
LAYOUT = "OMB/Census CBSA delineation List 1"
_KEYS = {header_key(h): h for h in COLUMNS}
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_SOURCE_VINTAGE = re.compile(rf"based on .*?\b({_MONTHS})\s+(\d{{4}})\s+delineations", re.IGNORECASE)
_ANY_VINTAGE = re.compile(rf"\b({_MONTHS}),?\s+(\d{{4}})\b", re.IGNORECASE)
_KIND = {"metropolitan statistical area": "metro", "micropolitan statistical area": "micro"}
_DIGITS = {"cbsa_code": 5, "metro_division_code": 5, "csa_code": 3, "state_fips": 2, "county_code": 3}


def _grid(path: Path, name: str) -> list[list[str | None]]:
    """The cells of the first sheet (or the CSV) as text, from the top-left cell."""
    with path.open("rb") as fh:
        magic = fh.read(8)
    try:
        if magic == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or path.suffix.lower() == ".xls":
            import xlrd

            book = xlrd.open_workbook(str(path))
            sheet = book.sheet_by_index(0)
            return [[_excel_text(c.value) for c in sheet.row(r)] for r in range(sheet.nrows)]
        if magic.startswith(b"PK\x03\x04"):
            import openpyxl

            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
            try:
                return [
                    [_excel_text(v) for v in row] for row in book.worksheets[0].iter_rows(values_only=True)
                ]
            finally:
                book.close()
        text, _ = decode_text(path.read_bytes())
        return [[c if c.strip() else None for c in row] for row in csv.reader(io.StringIO(text))]
    except Exception as e:  # xlrd / openpyxl raise many kinds for a damaged file
        raise InputError([Problem(name, None, None, f"cannot be read as a workbook or CSV ({e})")]) from None


def _vintage(lines: list[str]) -> str | None:
    """The delineation month and year named in title or note lines.

    >>> _vintage(["Source: File prepared by U.S. Census Bureau, based on OMB, July 2023 delineations <...>."])
    'July 2023'
    >>> _vintage(["List 1. CORE BASED STATISTICAL AREAS (CBSAs) ..., MARCH 2020"])
    'March 2020'
    """
    for pattern in (_SOURCE_VINTAGE, _ANY_VINTAGE):
        for line in lines:
            m = pattern.search(line)
            if m:
                return f"{m.group(1).capitalize()} {m.group(2)}"
    return None


def read_cbsa_delineation(path: str | Path, *, vintage: str | None = None) -> pd.DataFrame:
    """Read a CBSA delineation List 1 file into one row per county (``OUTPUT_COLUMNS``).

    ``county_fips`` is the 2-digit state code + the 3-digit county code; ``metro_micro`` is ``metro`` or
    ``micro``; ``central_outlying`` is ``central`` or ``outlying``; codes are zero-padded text (``csa_code``
    3 digits, the others 5). ``vintage`` overrides the month and year read from the file. Every problem is
    collected into one :class:`InputError`.
    """
    name = display_name(path)
    p = Path(path)
    if not p.is_file():
        raise InputError([Problem(name, None, None, "file not found")])
    grid = _grid(p, name)
    header_at = next(
        (i for i, row in enumerate(grid[:30]) if sum(header_key(c) in _KEYS for c in row if c) >= 4), None
    )
    if header_at is None:
        msg = f"not an {LAYOUT} file: no header row with {', '.join(REQUIRED)} in the first 30 rows"
        raise InputError([Problem(name, None, None, msg)])
    header = grid[header_at]
    where = {_KEYS[header_key(c)]: j for j, c in enumerate(header) if c and header_key(c) in _KEYS}
    problems = [
        Problem(name, header_at + 1, h, f"required column missing ({LAYOUT} layout)")
        for h in REQUIRED
        if h not in where
    ]
    if problems:
        raise InputError(problems)
    notes = [" ".join(c for c in row if c) for row in grid[:header_at]]
    records: list[dict[str, object]] = []
    for i in range(header_at + 1, len(grid)):
        row = grid[i]
        filled = [c for c in row if c and c.strip()]
        if len(filled) <= 1:
            notes.extend(filled)
            continue
        rec: dict[str, object] = {out: None for out in COLUMNS.values()}
        for h, j in where.items():
            cell = row[j] if j < len(row) else None
            rec[COLUMNS[h]] = cell.strip() if cell and cell.strip() else None
        rec["source_row"] = i + 1
        records.append(rec)
    found_vintage = vintage or _vintage(notes)
    if found_vintage is None:
        msg = "cannot tell the delineation's month and year (no 'based on ... July 2023 delineations' note); pass vintage="
        problems.append(Problem(name, None, None, msg))
    df = pd.DataFrame(records, columns=[*COLUMNS.values(), "source_row"])
    problems += _check(df, name, {COLUMNS[h]: h for h in COLUMNS})
    if problems:
        raise InputError(problems)
    for col, width in _DIGITS.items():
        df[col] = df[col].astype("string").str.zfill(width)
    out = df.drop(columns=["county_code"]).astype(
        {c: "string" for c in COLUMNS.values() if c != "county_code"}
    )
    out["county_fips"] = (df["state_fips"] + df["county_code"]).astype("string")
    out["metro_micro"] = df["metro_micro"].str.lower().map(_KIND).astype("string")
    out["central_outlying"] = df["central_outlying"].str.lower().astype("string")
    out["vintage"] = pd.Series(found_vintage, index=out.index, dtype="string")
    out["source_file"] = pd.Series(name, index=out.index, dtype="string")
    out["source_row"] = df["source_row"].astype("int64")
    return out[OUTPUT_COLUMNS].reset_index(drop=True)


def _check(df: pd.DataFrame, name: str, shown: dict[str, str]) -> list[Problem]:
    problems: list[Problem] = []

    def bad(mask: pd.Series, col: str, expected: str) -> None:
        for i in mask.to_numpy().nonzero()[0]:
            value = df[col].iat[i]
            problems.append(
                Problem(name, int(df["source_row"].iat[i]), shown[col], f"expected {expected}, got {value!r}")
            )

    for col, width in _DIGITS.items():
        text = df[col].astype("string")
        required = col in ("cbsa_code", "state_fips", "county_code")
        ok = text.str.fullmatch(rf"\d{{1,{width}}}").fillna(not required).astype(bool)
        bad(~ok, col, f"a code of up to {width} digits ({LAYOUT} layout)")
    kind = df["metro_micro"].astype("string").str.lower()
    bad(
        ~kind.isin(list(_KIND)).fillna(False).astype(bool),
        "metro_micro",
        "Metropolitan Statistical Area or Micropolitan Statistical Area",
    )
    role = df["central_outlying"].astype("string").str.lower()
    bad(
        ~(role.isin(["central", "outlying"]) | role.isna()).astype(bool),
        "central_outlying",
        "Central or Outlying",
    )
    title = df["cbsa_title"].astype("string")
    bad(title.isna(), "cbsa_title", "a CBSA title")
    if not problems:
        fips = df["state_fips"].str.zfill(2) + df["county_code"].str.zfill(3)
        for i in fips.duplicated(keep="first").to_numpy().nonzero()[0]:
            first = int(df["source_row"][fips == fips.iat[i]].iat[0])
            msg = f"county {fips.iat[i]} is listed twice (first on row {first})"
            problems.append(Problem(name, int(df["source_row"].iat[i]), shown["county_code"], msg))
    return problems


def counties_to_cbsa(delineation: pd.DataFrame, county_fips: pd.Series) -> pd.DataFrame:
    """The CBSA (and CSA) of each county, one row per input value in its order.

    Columns: ``county_fips`` (normalized; ``<NA>`` when the value is not a county code), ``cbsa_code``,
    ``cbsa_title``, ``metro_micro``, ``csa_code``, ``csa_title``; the CBSA columns are ``<NA>`` for a county
    outside every CBSA (or absent from the delineation's vintage, such as a Connecticut county in 2023).

    >>> d = pd.DataFrame({"county_fips": ["50007"], "cbsa_code": ["15540"], "cbsa_title": ["Burlington, VT"],
    ...     "metro_micro": ["metro"], "csa_code": [pd.NA], "csa_title": [pd.NA]})
    >>> counties_to_cbsa(d, pd.Series([50007, "50001"]))[["county_fips", "cbsa_code"]].values.tolist()
    [['50007', '15540'], ['50001', <NA>]]
    """
    keep = ["county_fips", "cbsa_code", "cbsa_title", "metro_micro", "csa_code", "csa_title"]
    lookup = delineation[keep].astype("string").drop_duplicates("county_fips")
    fips = normalize_county_fips_series(pd.Series(county_fips).reset_index(drop=True))
    out = pd.DataFrame({"county_fips": fips}).merge(lookup, on="county_fips", how="left")
    return out.astype("string")[keep]


def oews_area_for_counties(
    delineation: pd.DataFrame, counties: Iterable[object], oews_areas: Iterable[str] | None = None
) -> pd.DataFrame:
    """The OEWS area whose wages stand for each county: its metro area, else its state.

    A county gets its CBSA code with ``oews_area_level == "metro"`` when the CBSA is a metropolitan
    statistical area and, with ``oews_areas`` given (the area codes of the OEWS file; 7-digit codes
    ``0015540`` are read as ``15540``), the code is one of them. Every other county — micropolitan, outside
    every CBSA, a metro area that OEWS publishes under another code (New England NECTAs before May 2024) —
    gets its 2-digit state FIPS code (how OEWS writes a state) and ``oews_area_level == "state"``. OEWS
    nonmetropolitan areas are not derivable from the delineation, so the state is the fallback.

    >>> d = pd.DataFrame({"county_fips": ["50007", "50021"], "cbsa_code": ["15540", "40860"],
    ...     "cbsa_title": ["Burlington", "Rutland"], "metro_micro": ["metro", "micro"],
    ...     "csa_code": [pd.NA, pd.NA], "csa_title": [pd.NA, pd.NA]})
    >>> oews_area_for_counties(d, ["50007", "50021", "50001"]).values.tolist()
    [['50007', '15540', 'metro'], ['50021', '50', 'state'], ['50001', '50', 'state']]
    >>> oews_area_for_counties(d, ["50007"], oews_areas={"72400"}).values.tolist()
    [['50007', '50', 'state']]
    """
    values = pd.Series(list(counties), dtype="object")
    cbsa = counties_to_cbsa(delineation, values)
    bad = cbsa["county_fips"].isna()
    if bad.any():
        shown = ", ".join(repr(v) for v in values[bad.to_numpy()].head(10))
        raise ValueError(f"not county FIPS codes (SSCCC): {shown}")
    metro = cbsa["metro_micro"].eq("metro").fillna(False).astype(bool)
    if oews_areas is not None:
        known = {str(a).strip() for a in oews_areas}
        known |= {a[2:] for a in known if len(a) == 7 and a.startswith("00")}
        metro &= cbsa["cbsa_code"].isin(known).fillna(False).astype(bool)
    out = pd.DataFrame({"county_fips": cbsa["county_fips"]})
    out["oews_area"] = cbsa["cbsa_code"].where(metro, cbsa["county_fips"].str[:2]).astype("string")
    out["oews_area_level"] = pd.Series("state", index=out.index, dtype="string").mask(metro, "metro")
    return out
