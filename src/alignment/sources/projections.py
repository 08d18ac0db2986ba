"""Read long-term occupational employment projections into the projections table.

The layout of a file is detected from its sheets' header cells, never from its name:

======================  =============================================================================
layout                  what it is
======================  =============================================================================
``bls_ep_table_1_10``   BLS Employment Projections ``occupation.xlsx``, Table 1.10 "Occupational
                        separations and openings" (national; employment and openings in THOUSANDS,
                        annual averages). Found by a header with "National Employment Matrix code" and
                        "Labor force exits". When the same workbook carries Table 1.2 (header with
                        "Median annual wage" and "Typical education needed for entry"), its wage and
                        education/training columns are joined by code.
``bls_ep_table_1_2``    The same workbook's Table 1.2 "Occupational projections ... and worker
                        characteristics" when no Table 1.10 is found: employment and openings, no
                        exits or transfers (``<NA>``).
``ca_edd_long_term``    California EDD long-term occupational projections (sheet "Occupational": three
                        title lines, then "SOC Level | SOC Code | ... | Exits | Transfers | Total Job
                        Openings | Median Hourly Wages | ..."; persons; exits, transfers and openings are
                        TOTALS over the projection period).
======================  =============================================================================

Rules:

- BLS figures in thousands are multiplied by 1,000 (persons), rounded to 3 decimals to drop the
  floating-point artifacts of the workbook (``1147.9000000000001``);
- annual figures: BLS publishes annual averages (kept as published); CA EDD publishes period totals,
  divided here by the number of years (``proj_year - base_year``);
- ``employment_change_pct`` is a percent in both layouts (CA EDD stores a fraction, 0.088 = 8.8 %);
- by default only occupation line items are kept: BLS rows whose "Occupation type" is "Line item",
  CA EDD rows of SOC level 4 (``include_summary=True`` keeps the total, major, minor and broad rows too;
  ``line_item`` says which is which). ``o_group`` is the SOC level implied by the code (``total``,
  ``major``, ``minor``, ``broad``, ``detailed``), as in the OEWS table: a few BLS line items are broad
  SOC codes (``13-1020`` buyers and purchasing agents);
- "not available" cells (``—``, ``N/A``, CA EDD's ``0`` wage) are ``<NA>``; a BLS wage of
  ``>=$239,200`` is ``<NA>`` with ``wage_flag == "top_coded"``;
- the years come from the header cells (``Employment, 2024`` / ``2024–34`` / ``Base Year Employment
  Estimate 2023``), so other vintages with the same columns are read. A header split over two or three
  rows (the 2016–26 workbooks: ``Employment`` above ``2016`` and ``2026``, ``Employment change, 2016-26``
  above ``Number`` and ``Percent``) is read as one header, each column's cells joined top to bottom, a
  group cell spanning the columns below it; commas and footnote markers (``[1]``, ``(1)``) do not count.
  A vintage whose columns differ (for instance the "replacement needs" openings of releases before
  2016–26) is refused with a message naming the columns that were expected and not found;
- codes are kept as the file writes them: projections before the 2018–28 cycle are in SOC 2010, converted
  to SOC 2018 by :mod:`alignment.soc_vintage` in a run.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..codes import normalize_soc_series, slugify
from ..errors import InputError, Problem, display_name
from ._tabular import RawTable, _excel_text, _unique_headers, as_text, decode_text, read_raw

__all__ = ["LAYOUTS", "OUTPUT_COLUMNS", "detect_layout", "read_projections"]

OUTPUT_COLUMNS = [
    "layout",
    "area_code",
    "area_title",
    "area_type",
    "state_fips",
    "soc",
    "soc_title",
    "o_group",
    "line_item",
    "base_year",
    "proj_year",
    "employment_base",
    "employment_proj",
    "employment_change",
    "employment_change_pct",
    "exits_annual",
    "transfers_annual",
    "openings_annual",
    "wage_median_hourly_usd",
    "wage_median_annual_usd",
    "wage_flag",
    "education_entry",
    "work_experience",
    "training_ojt",
    "source_file",
    "source_row",
]

_SCAN = 15  # rows searched for a header
_HEADER_ROWS = 3  # most rows a header is split over
_NOT_AVAILABLE = {"", "—", "–", "-", "n/a", "na", "*", "**"}
_RANGE = re.compile(r"((?:19|20)\d{2})\s*[-–—]\s*((?:19|20)?\d{2})(?!\d)")


@dataclass(frozen=True)
class Column:
    """One table column: a regular expression on the normalized header, and an example header."""

    name: str
    pattern: str
    example: str
    required: bool = True


@dataclass(frozen=True)
class Layout:
    """A publisher layout: its name, what it is, and its columns."""

    name: str
    description: str
    columns: tuple[Column, ...]
    signature: tuple[str, ...]  # patterns that all match some header cell of the header row


_TITLE = Column(
    "soc_title",
    r"national employment matrix (occupation )?title( and code title)?$",
    "2024 National Employment Matrix title",
)
_CODE = Column(
    "soc",
    r"national employment matrix (occupation )?(title and )?code( code)?$",
    "2024 National Employment Matrix code",
)
_TYPE = Column("occupation_type", r"^occupation type$", "Occupation type", required=False)
_EMPLOYMENT_BASE = Column("employment_base", r"^employment base$", "Employment, 2024")
_EMPLOYMENT_PROJ = Column("employment_proj", r"^employment proj$", "Employment, 2034")
_CHANGE = Column(
    "employment_change",
    r"^employment change (range )?(numeric|number)|^employment change range$",
    "Employment change, numeric, 2024–34",
    False,
)
_CHANGE_PCT = Column(
    "employment_change_pct",
    r"^employment change (range )?percent",
    "Employment change, percent, 2024–34",
    False,
)
_OPENINGS = Column(
    "openings_annual",
    r"^occupational openings range annual average$",
    "Occupational openings, 2024–34 annual average",
)

_BLS = Layout(
    "bls_ep_table_1_10",
    'BLS Employment Projections occupation.xlsx, Table 1.10 "Occupational separations and openings"',
    (
        _TITLE,
        _CODE,
        _TYPE,
        _EMPLOYMENT_BASE,
        _EMPLOYMENT_PROJ,
        _CHANGE,
        _CHANGE_PCT,
        Column(
            "exits_annual",
            r"^labor force exits range annual average$",
            "Labor force exits, 2024–34 annual average",
        ),
        Column(
            "transfers_annual",
            r"^occupational transfers range annual average$",
            "Occupational transfers, 2024–34 annual average",
        ),
        _OPENINGS,
    ),
    (
        r"national employment matrix (occupation )?(title and )?code",
        r"(labor force exits|separations|openings)",
    ),
)

#: Table 1.2 read as the projections when a workbook has no Table 1.10 (no exits or transfers columns)
_BLS_1_2 = Layout(
    "bls_ep_table_1_2",
    'BLS Employment Projections occupation.xlsx, Table 1.2 "Occupational projections and worker characteristics"',
    (_TITLE, _CODE, _TYPE, _EMPLOYMENT_BASE, _EMPLOYMENT_PROJ, _CHANGE, _CHANGE_PCT, _OPENINGS),
    (
        r"national employment matrix (occupation )?(title and )?code",
        r"^occupational openings.*annual average$",
    ),
)

_BLS_WAGES = (
    _CODE,
    Column("wage", r"^median annual wage", "Median annual wage, dollars, 2024"),
    Column(
        "education_entry",
        r"^typical education needed for entry$",
        "Typical education needed for entry",
        False,
    ),
    Column(
        "work_experience",
        r"^work experience in a related occupation$",
        "Work experience in a related occupation",
        False,
    ),
    Column("training_ojt", r"^typical on-the-job training", "Typical on-the-job training needed ...", False),
)

_CA = Layout(
    "ca_edd_long_term",
    "California EDD long-term occupational employment projections (sheet 'Occupational')",
    (
        Column("soc_level", r"^soc level$", "SOC Level", required=False),
        Column("soc", r"^soc code$", "SOC Code"),
        Column("soc_title", r"^occupational title$", "Occupational Title"),
        Column(
            "employment_base", r"^base year employment estimate base$", "Base Year Employment Estimate 2023"
        ),
        Column(
            "employment_proj",
            r"^projected year employment estimate proj$",
            "Projected Year Employment Estimate 2033",
        ),
        Column("employment_change", r"^numeric change", "Numeric Change 2023-2033", False),
        Column(
            "employment_change_pct",
            r"^percent-?\s?age change|^percent change",
            "Percentage Change 2023-2033",
            False,
        ),
        Column("exits", r"^exits$", "Exits"),
        Column("transfers", r"^transfers$", "Transfers"),
        Column("openings", r"^total job openings$", "Total Job Openings"),
        Column("wage_median_hourly_usd", r"^median hourly wages?$", "Median Hourly Wages", False),
        Column("wage_median_annual_usd", r"^median annual wages?$", "Median Annual Wages", False),
        Column("education_entry", r"^entry level education$", "Entry Level Education", False),
        Column("work_experience", r"^work experience$", "Work Experience", False),
        Column("training_ojt", r"^on-the-job training$", "On-the-Job Training", False),
    ),
    (r"^soc code$", r"^(exits|transfers|total job openings)$"),
)

#: Every layout this reader knows, by name (in order of preference when a workbook matches several).
LAYOUTS: dict[str, Layout] = {layout.name: layout for layout in (_BLS, _CA, _BLS_1_2)}


def _clean_header(text: object) -> str:
    """A header cell reduced for matching: lower case, footnote markers and line breaks removed.

    >>> _clean_header("Exits\\n[7]"), _clean_header("Median annual wage, dollars, 2024[1]")
    ('exits', 'median annual wage, dollars, 2024')
    """
    t = re.sub(r"\[\d+\]|\(\d{1,2}\)", " ", str(text or ""))
    t = t.replace("–", "-").replace("—", "-").replace("\u00a0", " ")
    return re.sub(r"\s+", " ", t).strip().lower()


def _loose(header: str) -> str:
    """A generic header without its commas, as the column patterns are written.

    >>> _loose("employment change, range, number")
    'employment change range number'
    """
    return re.sub(r"\s+", " ", header.replace(",", " ")).strip()


def _years(headers: list[str]) -> tuple[int | None, int | None]:
    """(base, projected) years from header cells: a ``2024–34`` range, else two single years.

    >>> _years(["employment, 2024", "employment change, numeric, 2024-34"])
    (2024, 2034)
    >>> _years(["base year employment estimate 2023", "projected year employment estimate 2033"])
    (2023, 2033)
    """
    for h in headers:
        m = _RANGE.search(h)
        if m:
            base, end = int(m.group(1)), m.group(2)
            proj = int(end) if len(end) == 4 else (base // 100) * 100 + int(end)
            if proj < base:
                proj += 100
            return base, proj
    base = next(
        (int(m.group(1)) for h in headers if (m := re.search(r"^base year.*?((?:19|20)\d{2})", h))), None
    )
    proj = next(
        (int(m.group(1)) for h in headers if (m := re.search(r"^projected year.*?((?:19|20)\d{2})", h))), None
    )
    return base, proj


def _generic(header: str, base: int | None, proj: int | None) -> str:
    """A cleaned header with its years replaced by the words ``base``, ``proj`` and ``range``.

    >>> _generic("labor force exits, 2024-34 annual average", 2024, 2034)
    'labor force exits, range annual average'
    >>> _generic("employment, 2034", 2024, 2034)
    'employment, proj'
    """
    h = _RANGE.sub("range", header)
    if base is not None:
        h = re.sub(rf"(?<!\d){base}(?!\d)", "base", h)
    if proj is not None:
        h = re.sub(rf"(?<!\d){proj}(?!\d)", "proj", h)
    return h.replace("  ", " ").strip()


def _match(
    headers: list[object], columns: tuple[Column, ...]
) -> tuple[dict[str, int], list[Column], int | None, int | None]:
    """Column positions by name, the required columns not found, and the years of the header."""
    cleaned = [_clean_header(h) for h in headers]
    base, proj = _years(cleaned)
    generic = [_loose(_generic(h, base, proj)) for h in cleaned]
    found: dict[str, int] = {}
    for col in columns:
        hit = next(
            (i for i, g in enumerate(generic) if g and re.search(col.pattern, g) and i not in found.values()),
            None,
        )
        if hit is not None:
            found[col.name] = hit
    missing = [c for c in columns if c.required and c.name not in found]
    return found, missing, base, proj


# ------------------------------------------------------------------------------------------ the grid


def _sheets(path: Path, shown: str) -> dict[str, list[list[object]]]:
    """The first rows of every sheet (a CSV file is one sheet named ``""``), cells as text."""
    with path.open("rb") as fh:
        magic = fh.read(8)
    if path.suffix.lower() in (".xlsx", ".xlsm") or magic.startswith(b"PK\x03\x04"):
        import openpyxl

        try:
            with path.open("rb") as fh:
                book = openpyxl.load_workbook(io.BytesIO(fh.read()), read_only=True, data_only=True)
        except Exception as e:  # openpyxl raises many kinds for a damaged workbook
            raise InputError(
                [Problem(shown, None, None, f"cannot be opened as an Excel workbook ({e})")]
            ) from None
        try:
            return {
                ws.title: [
                    [_excel_text(v) for v in row] for row in ws.iter_rows(max_row=_SCAN, values_only=True)
                ]
                for ws in book.worksheets
            }
        finally:
            book.close()
    if path.suffix.lower() == ".xls" or magic == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        msg = "old Excel 97-2003 (.xls) files are not read; save the workbook as .xlsx"
        raise InputError([Problem(shown, None, None, msg)])
    text, _ = decode_text(path.read_bytes())
    lines = text.splitlines()[:_SCAN]
    try:
        sep = csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|").delimiter
    except csv.Error:
        sep = ","
    return {"": [list(r) for r in csv.reader(lines, delimiter=sep)]}


@dataclass
class _Found:
    layout: Layout
    sheet: str
    header_index: int  # the header's first row (0-based)
    headers: list[object]  # one per column: the header's cells joined
    titles: list[str]
    columns: dict[str, int]
    missing: list[Column]
    base: int | None
    proj: int | None
    depth: int = 1  # rows the header is written over


def _filled(cell: object) -> bool:
    return cell is not None and bool(str(cell).strip())


def _joined_header(rows: list[list[object]]) -> list[object]:
    """The header written over ``rows`` (top to bottom), one text per column.

    A blank cell of an upper row above filled cells takes the group cell on its left when that group spans
    down to filled cells in every column between (a merged "Employment" over "2016" and "2026"); the
    cells of a column are joined with ", ".

    >>> _joined_header([["Code", "Employment", None, "Openings, 2016-26"], [None, "2016", "2026", None]])
    ['Code', 'Employment, 2016', 'Employment, 2026', 'Openings, 2016-26']
    """
    width = max(len(r) for r in rows)
    grid = [list(r) + [None] * (width - len(r)) for r in rows]
    below = [
        [any(_filled(grid[m][j]) for m in range(k + 1, len(grid))) for j in range(width)]
        for k in range(len(grid))
    ]
    out: list[object] = []
    for j in range(width):
        parts: list[str] = []
        for k, row in enumerate(grid):
            cell = row[j]
            if not _filled(cell) and below[k][j]:
                left = next((c for c in range(j - 1, -1, -1) if _filled(row[c])), None)
                if left is not None and all(below[k][c] for c in range(left, j + 1)):
                    cell = row[left]
            text = str(cell).strip() if _filled(cell) else ""
            if text and (not parts or parts[-1] != text):
                parts.append(text)
        out.append(", ".join(parts) if parts else None)
    return out


def _header_candidates(rows: list[list[object]], i: int) -> list[tuple[int, list[object]]]:
    """(depth, joined header) for a header starting at row ``i`` written over 1 to ``_HEADER_ROWS`` rows.

    A row with fewer than two filled cells (a title, a units line, a blank) is never part of a header.
    """
    out = []
    for depth in range(1, _HEADER_ROWS + 1):
        part = rows[i : i + depth]
        if len(part) < depth or sum(map(_filled, part[-1])) < 2:
            break
        out.append((depth, _joined_header(part) if depth > 1 else list(part[0])))
    return out


def _find(
    sheets: dict[str, list[list[object]]], layout: Layout, columns: tuple[Column, ...] | None = None
) -> list[_Found]:
    """Every sheet whose header carries the layout's signature, best match first.

    In each sheet the first row that starts such a header is taken; a header may be written over several
    rows (:func:`_header_candidates`), and of the ways to read it the one that finds the most columns wins.
    """
    out = []
    cols = columns or layout.columns
    for name, rows in sheets.items():
        for i in range(len(rows)):
            options = []
            for depth, headers in _header_candidates(rows, i):
                cleaned = [_loose(_clean_header(c)) for c in headers if c is not None]
                if all(any(re.search(p, c) for c in cleaned) for p in layout.signature):
                    found, missing, base, proj = _match(headers, cols)
                    titles = [str(c).strip() for r in rows[:i] for c in r if _filled(c)]
                    options.append(
                        _Found(layout, name, i, headers, titles, found, missing, base, proj, depth)
                    )
            if options:
                out.append(
                    min(
                        options,
                        key=lambda f: (len(f.missing), not (f.base and f.proj), -len(f.columns), f.depth),
                    )
                )
                break
    return sorted(out, key=lambda f: (len(f.missing), -len(f.columns)))


def detect_layout(path: str | Path) -> str:
    """The name of the projections layout of a file (see :data:`LAYOUTS`), or :class:`InputError`."""
    return _detect(Path(path), display_name(path))[0].layout.name


def _detect(path: Path, shown: str) -> tuple[_Found, dict[str, list[list[object]]]]:
    if not path.is_file():
        raise InputError([Problem(shown, None, None, "file not found")])
    sheets = _sheets(path, shown)
    candidates = [f for layout in LAYOUTS.values() for f in _find(sheets, layout)]
    complete = [f for f in candidates if not f.missing and f.base and f.proj]
    if complete:
        return complete[0], sheets
    if candidates:
        f = candidates[0]
        where = f"sheet {f.sheet!r}, " if f.sheet else ""
        problems = []
        if f.missing:
            headers = " | ".join(_clean_header(h) for h in f.headers if h)
            msg = (
                f"{where}looks like the {f.layout.name} layout ({f.layout.description}) but has no column like "
                f"{'; '.join(repr(c.example) for c in f.missing)}; headers found: {headers}"
            )
            if "replacement needs" in headers:
                msg += (
                    "; openings 'due to growth and replacement needs' come from the method BLS used before the "
                    "2016-26 projections and are not comparable with openings = growth + exits + transfers"
                )
            problems.append(Problem(shown, f.header_index + 1, None, msg))
        if not (f.base and f.proj):
            problems.append(
                Problem(
                    shown,
                    f.header_index + 1,
                    None,
                    f"{where}{f.layout.name}: cannot tell the base and "
                    "projected years from the header cells (expected e.g. 'Employment, 2024' and '2024–34')",
                )
            )
        raise InputError(problems)
    expected = "; ".join(f"{lay.name} ({lay.description})" for lay in LAYOUTS.values())
    names = ", ".join(repr(s) for s in sheets if s)
    msg = f"not an occupational projections file: no {'sheet' if names else 'header'} matches a known layout"
    msg += f" (sheets: {names})" if names else ""
    raise InputError([Problem(shown, None, None, f"{msg}; layouts expected: {expected}")])


# ------------------------------------------------------------------------------------------ reading


def read_projections(path: str | Path, *, include_summary: bool = False) -> pd.DataFrame:
    """Read a BLS Table 1.10 workbook or a California EDD projections workbook (``OUTPUT_COLUMNS``).

    Annual figures are persons per year; see the module docstring for the rules. Every problem is
    collected and raised as one :class:`InputError` naming file, row and column.
    """
    shown = display_name(path)
    path = Path(path)
    found, sheets = _detect(path, shown)
    raw = _table(path, found, sheets)
    if found.layout in (_BLS, _BLS_1_2):
        out = _tidy_bls(raw, found, sheets, path, include_summary)
    else:
        out = _tidy_ca(raw, found, include_summary)
    return out[OUTPUT_COLUMNS].reset_index(drop=True)


def _table(path: Path, found: _Found, sheets: dict[str, list[list[object]]]) -> RawTable:
    """The rows below a found header, its columns named by the joined header (user line numbers kept)."""
    first = sheets[found.sheet][found.header_index]
    raw = read_raw(path, sheet=found.sheet or None, hints=[str(h) for h in first if _filled(h)])
    below = (raw.rows > found.header_index + found.depth).to_numpy()
    frame = raw.frame.loc[below].reset_index(drop=True)
    names = list(found.headers)[: frame.shape[1]]
    names += [None] * (frame.shape[1] - len(names))
    frame.columns = _unique_headers(names)
    rows = raw.rows.loc[below].reset_index(drop=True)
    return RawTable(frame, rows, raw.file, found.header_index + 1, sheet=raw.sheet, sheets=raw.sheets)


def _cell(raw: RawTable, found: _Found, name: str) -> pd.Series:
    """The text of a matched column (``<NA>`` when the layout's optional column is absent)."""
    if name not in found.columns:
        return pd.Series(pd.NA, index=raw.frame.index, dtype="string")
    return as_text(raw.frame.iloc[:, found.columns[name]])


def _header(raw: RawTable, found: _Found, name: str) -> str:
    return str(raw.frame.columns[found.columns[name]])


def _numbers(raw: RawTable, found: _Found, name: str, keep: pd.Series, problems: list[Problem]) -> pd.Series:
    """A numeric column: ``<NA>`` for not-available markers; a problem for any other text (kept rows only)."""
    text = _cell(raw, found, name)
    if name not in found.columns:
        return pd.Series(pd.NA, index=text.index, dtype="Float64")
    cleaned = text.str.replace(",", "", regex=False).str.replace("$", "", regex=False).str.strip()
    na = text.isna() | text.str.lower().isin(_NOT_AVAILABLE).fillna(False).astype(bool)
    value = pd.to_numeric(cleaned.mask(na), errors="coerce").astype("Float64")
    bad = value.isna() & ~na & keep
    problems.extend(
        Problem(
            raw.file,
            int(raw.rows.iat[i]),
            _header(raw, found, name),
            f"expected a number, got {text.iat[i]!r}",
        )
        for i in np.flatnonzero(bad.to_numpy())
    )
    return value


def _soc(raw: RawTable, found: _Found, keep: pd.Series, problems: list[Problem]) -> pd.Series:
    text = _cell(raw, found, "soc")
    soc = normalize_soc_series(text)
    problems.extend(
        Problem(
            raw.file,
            int(raw.rows.iat[i]),
            _header(raw, found, "soc"),
            f"expected a SOC code NN-NNNN, got {text.iat[i]!r}",
        )
        for i in np.flatnonzero((soc.isna() & keep).to_numpy())
    )
    return soc


def _o_group(soc: pd.Series) -> pd.Series:
    """SOC level implied by a code.

    >>> _o_group(pd.Series(["00-0000", "29-0000", "29-1000", "29-1140", "29-1141"])).tolist()
    ['total', 'major', 'minor', 'broad', 'detailed']
    """
    digits = soc.astype("string").str.replace("-", "", regex=False)
    level = pd.Series("detailed", index=soc.index, dtype="string")
    level = level.mask(digits.str.endswith("0"), "broad").mask(digits.str.endswith("000"), "minor")
    return level.mask(digits.str.endswith("0000"), "major").mask(digits == "000000", "total")


def _text_or_na(s: pd.Series) -> pd.Series:
    return s.mask(s.str.lower().isin(_NOT_AVAILABLE).fillna(False).astype(bool)).astype("string")


def _finish(
    raw: RawTable, found: _Found, out: pd.DataFrame, keep: pd.Series, problems: list[Problem]
) -> pd.DataFrame:
    out["layout"] = found.layout.name
    out["base_year"] = np.int64(found.base)
    out["proj_year"] = np.int64(found.proj)
    out["source_file"] = raw.file
    out["source_row"] = raw.rows.astype("int64")
    if problems:
        raise InputError(problems)
    out = out.loc[keep.to_numpy()]
    dupes = out[out.duplicated(["area_code", "soc"], keep=False)]
    if len(dupes):
        raise InputError(
            Problem(raw.file, int(r), _header(raw, found, "soc"), f"SOC code {s} appears more than once")
            for r, s in zip(dupes["source_row"], dupes["soc"], strict=True)
        )
    for c in (
        "layout",
        "area_code",
        "area_title",
        "area_type",
        "state_fips",
        "soc",
        "soc_title",
        "o_group",
        "wage_flag",
        "education_entry",
        "work_experience",
        "training_ojt",
        "source_file",
    ):
        out[c] = out[c].astype("string")
    for c in OUTPUT_COLUMNS:
        if c.startswith(("employment", "exits", "transfers", "openings", "wage_median")):
            out[c] = out[c].astype("Float64")
    out["line_item"] = out["line_item"].astype(bool)
    return out


def _persons(thousands: pd.Series) -> pd.Series:
    return (thousands * 1000).round(3)


def _tidy_bls(raw: RawTable, found: _Found, sheets: dict, path: Path, include_summary: bool) -> pd.DataFrame:
    problems: list[Problem] = []
    code_text = _cell(raw, found, "soc")
    kind = _cell(raw, found, "occupation_type").str.lower()
    if "occupation_type" in found.columns:
        line = kind.eq("line item").fillna(False).astype(bool)
    else:  # no type column: detailed codes are the line items
        line = _o_group(normalize_soc_series(code_text)).eq("detailed").fillna(False).astype(bool)
    keep = code_text.notna() & (line | include_summary)
    out = pd.DataFrame(index=raw.frame.index)
    out["soc"] = _soc(raw, found, keep, problems)
    out["soc_title"] = _cell(raw, found, "soc_title").str.strip()
    out["o_group"] = _o_group(out["soc"])
    out["line_item"] = line
    for name in (
        "employment_base",
        "employment_proj",
        "employment_change",
        "exits_annual",
        "transfers_annual",
        "openings_annual",
    ):
        out[name] = _persons(_numbers(raw, found, name, keep, problems))
    out["employment_change_pct"] = _numbers(raw, found, "employment_change_pct", keep, problems)
    out["area_code"], out["area_title"], out["area_type"], out["state_fips"] = (
        "US",
        "United States",
        "nation",
        pd.NA,
    )
    out = out.join(_bls_wages(path, sheets, out["soc"], problems), how="left")
    return _finish(raw, found, out, keep, problems)


def _bls_wages(path: Path, sheets: dict, soc: pd.Series, problems: list[Problem]) -> pd.DataFrame:
    """Wage and education columns of the workbook's Table 1.2, aligned to ``soc`` (``<NA>`` without it)."""
    empty = pd.DataFrame(
        index=soc.index,
        columns=[
            "wage_median_hourly_usd",
            "wage_median_annual_usd",
            "wage_flag",
            "education_entry",
            "work_experience",
            "training_ojt",
        ],
    )
    empty["wage_flag"] = "not_available"
    wage_layout = Layout(
        "bls_ep_table_1_2",
        "BLS Table 1.2",
        _BLS_WAGES,
        (r"national employment matrix", r"^median annual wage"),
    )
    hits = [f for f in _find(sheets, wage_layout) if not f.missing]
    if not hits:
        return empty
    f = hits[0]
    raw = _table(path, f, sheets)
    codes = normalize_soc_series(_cell(raw, f, "soc"))
    wage_text = _cell(raw, f, "wage")
    top = wage_text.str.contains(r"^\s*>=?", regex=True).fillna(False).astype(bool)
    keep = codes.notna() & ~top
    wage = _numbers(raw, f, "wage", keep, problems)
    table = pd.DataFrame(
        {
            "soc": codes,
            "wage_median_hourly_usd": pd.Series(pd.NA, index=codes.index, dtype="Float64"),
            "wage_median_annual_usd": wage.mask(top),
            "wage_flag": np.where(top, "top_coded", np.where(wage.isna(), "not_available", "")),
            "education_entry": _text_or_na(_cell(raw, f, "education_entry")),
            "work_experience": _text_or_na(_cell(raw, f, "work_experience")),
            "training_ojt": _text_or_na(_cell(raw, f, "training_ojt")),
        }
    )
    table = table.dropna(subset=["soc"]).drop_duplicates("soc").set_index("soc")
    joined = table.reindex(soc.to_numpy())
    joined.index = soc.index
    joined["wage_flag"] = joined["wage_flag"].fillna("not_available")
    return joined


_CA_STATE = {"california": "06"}


def _tidy_ca(raw: RawTable, found: _Found, include_summary: bool) -> pd.DataFrame:
    problems: list[Problem] = []
    code_text = _cell(raw, found, "soc")
    level = _cell(raw, found, "soc_level")
    if "soc_level" in found.columns:
        line = level.str.strip().eq("4").fillna(False).astype(bool)
    else:
        line = _o_group(normalize_soc_series(code_text)).eq("detailed").fillna(False).astype(bool)
    keep = code_text.notna() & (line | include_summary)
    out = pd.DataFrame(index=raw.frame.index)
    out["soc"] = _soc(raw, found, keep, problems)
    out["soc_title"] = _cell(raw, found, "soc_title").str.strip()
    out["o_group"] = _o_group(out["soc"])
    out["line_item"] = line
    years = found.proj - found.base
    for name in ("employment_base", "employment_proj", "employment_change"):
        out[name] = _numbers(raw, found, name, keep, problems)
    for name in ("exits", "transfers", "openings"):
        out[f"{name}_annual"] = (_numbers(raw, found, name, keep, problems) / years).round(3)
    out["employment_change_pct"] = _percent(
        _numbers(raw, found, "employment_change_pct", keep, problems), out
    )
    for name in ("wage_median_hourly_usd", "wage_median_annual_usd"):
        value = _numbers(raw, found, name, keep, problems)
        out[name] = value.mask(value == 0)  # EDD writes $0 where no estimate could be provided
    out["wage_flag"] = np.where(out["wage_median_annual_usd"].isna(), "not_available", "")
    for name in ("education_entry", "work_experience", "training_ojt"):
        out[name] = _text_or_na(_cell(raw, found, name))
    titles = [t for t in found.titles if not re.search(r"projections", t, re.IGNORECASE)]
    state = next((t for t in titles if t.casefold() in _CA_STATE), "California")
    local = [t for t in titles if t.casefold() not in _CA_STATE and t.casefold() != "statewide"]
    fips = _CA_STATE.get(state.casefold(), "06")
    if local:
        out["area_code"], out["area_title"], out["area_type"] = (
            f"{fips}-{slugify(local[0])}",
            local[0],
            "substate",
        )
    else:
        out["area_code"], out["area_title"], out["area_type"] = fips, state, "state"
    out["state_fips"] = fips
    return _finish(raw, found, out, keep, problems)


def _percent(pct: pd.Series, out: pd.DataFrame) -> pd.Series:
    """Percent change as a percent: a column stored as a fraction (its values match change / base) is × 100."""
    ratio = out["employment_change"] / out["employment_base"].mask(out["employment_base"] == 0)
    both = pct.notna() & ratio.notna() & (ratio != 0)
    if not both.any():
        return pct
    as_fraction = ((pct[both] - ratio[both]).abs() < 0.005).mean()
    return pct * 100 if as_fraction > 0.5 else pct
