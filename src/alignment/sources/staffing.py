"""Read national staffing patterns (occupation shares of each industry) and map SOC 2010 codes to SOC 2018.

A staffing pattern says what share of an industry's jobs each occupation holds, nationally. Two publisher
layouts are read, each recognised from its header cells, never from the file name:

=====================  =======================================================  ==========================
layout                 file                                                     SOC, units
=====================  =======================================================  ==========================
``bls_ep_matrix``      BLS Employment Projections National Employment Matrix,   SOC 2010 (2014-24 matrix);
                       one workbook per industry (``ind_<code>.xlsx``): sheet   employment in thousands
                       ``2014-2024 Matrix``, row 2 ``<code> <title>``, header
                       ``Sort Order | Code | Title | Employment | Percent of
                       industry | ... | Occupation type``
``oews_industry``      OEWS national industry-specific estimates                SOC 2018; jobs
                       (``nat3d_M2025_dl.xlsx``, ``nat4d``, ``natsector``; CSV
                       too): ``NAICS, NAICS_TITLE, I_GROUP, OWN_CODE, OCC_CODE,
                       OCC_TITLE, O_GROUP, TOT_EMP, PCT_TOTAL, ...``
=====================  =======================================================  ==========================

Rows kept: the occupations that partition an industry — EP ``Occupation type`` ``Line item`` (``Summary``
rows are groups; an industry with no line item, such as EP ``611602``, keeps its most detailed groups, which
:func:`to_soc_2018` maps through the detailed codes they cover), OEWS ``O_GROUP`` ``detailed``. The
industry's total row (``00-0000``) gives its employment.

**Share.** ``employment ÷ industry employment`` when the industry has at least 100,000 jobs, else the published
percent ÷ 100: of the two, the more precise given their rounding (EP employment is rounded to 0.1 thousand
and the percent to 0.1; OEWS employment to 10 jobs, the percent to 0.01). Shares need not sum to 1: the
publishers leave out small, confidential or poor-quality occupations.

**Industries** (``industry_code``) are written as QCEW writes NAICS: 2 to 6 digits without the publishers'
trailing zeros (EP ``113300`` → ``1133``, ``237130`` → ``23713``), sectors ``31-33``, ``44-45``, ``48-49``,
ranges of codes of one length (EP ``1131-2`` → ``1131-1132``, ``315-60`` → ``315-316``) and lists
(EP ``3274,9`` → ``3274,3279``; ``4445R0`` → ``442,443,444,446,447,448,451,453,454``). ``own_codes`` are the
QCEW ownerships whose jobs the pattern describes (``1`` federal, ``2`` state, ``3`` local government, ``5``
private). Both publishers count state and local government schools and hospitals in NAICS 611 and 622
(EP codes ending ``02``/``03``/``05`` are the state, local and private parts, ``611102`` → ``6111``, own
``2``), the Postal Service in 491, and the rest of government in three industries of their own
(``999100`` federal, ``999200`` state, ``999300`` local: ``industry_level`` ``government``); every other
industry is private. ``industry_level`` is ``total`` (OEWS ``000000``, all industries), ``sector``,
``3-digit`` … ``6-digit`` (the code's length; a range or list has the length of its parts), ``government``,
or ``other`` (a code that is not NAICS, e.g. with letters: kept, never used to place jobs). Summary
industries are kept beside their parts (``summary`` is true when another industry of the table lies inside
one): the method places each region job with one pattern only, so nothing is counted twice; do not sum
``employment`` over industries. The same estimate listed twice (OEWS lists an industry it aggregates to three
digits as "3-digit" and as "4-digit"; nat3d and nat4d overlap) is read once; two different figures for one
industry × ownership × occupation are a problem naming both rows.

Workbooks are read straight from their XML parts (several times faster than openpyxl on the EP matrix's 474
workbooks); a workbook not laid out as the standard says is read with openpyxl.
"""

from __future__ import annotations

import io
import itertools
import math
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from ..codes import normalize_soc
from ..errors import InputError, Problem
from ._tabular import as_text, expand_paths, match_columns, read_raw
from .oews import _o_group_from_soc

__all__ = [
    "CROSSWALK_COLUMNS",
    "NOTE_COLUMNS",
    "OUTPUT_COLUMNS",
    "industry_codes",
    "match_length",
    "read_soc_crosswalk_2010_2018",
    "read_staffing_patterns",
    "to_soc_2018",
]

OUTPUT_COLUMNS = [
    "layout",
    "industry_code",
    "industry_title",
    "industry_level",
    "own_codes",
    "publisher_code",
    "summary",
    "year",
    "soc",
    "soc_title",
    "share",
    "employment",
    "industry_employment",
    "soc_vintage",
    "source_file",
    "source_row",
]
CROSSWALK_COLUMNS = ["soc_2010", "soc_2010_title", "soc_2018", "soc_2018_title", "source_file", "source_row"]
NOTE_COLUMNS = [
    "kind",
    "soc_2010",
    "soc_2010_title",
    "soc_2018",
    "rule",
    "industries",
    "employment",
    "detail",
]

#: jobs above which ``employment ÷ industry employment`` is more precise than the published percent
SHARE_FROM_EMPLOYMENT_AT = 100_000
_LEVELS = {2: "sector", 3: "3-digit", 4: "4-digit", 5: "5-digit", 6: "6-digit"}
_SECTOR_RANGES = {"31-33", "44-45", "48-49"}
_EP_HEADERS = ["Sort Order", "Code", "Title", "Employment", "Percent of industry", "Occupation type"]
_EP_TYPES = {"line item": True, "summary": False}
#: EP industries outside the NAICS tree -> the QCEW ownerships they cover: federal (excluding the Postal
#: Service), state and local government excluding education and hospitals, and three sums of those
_EP_GOVERNMENT = {"999100": "1", "999200": "2", "999300": "3", "9992-3": "23", "910000": "1", "900000": "123"}
#: of those, the sums of others (9992-3 is found a sum as it covers more ownerships than 999200)
_EP_GOVERNMENT_SUMS = ("910000", "900000")
#: EP's one aggregate that is not a range: retail trade except 441, 445 and 452
_EP_LISTS = {"4445R0": "442,443,444,446,447,448,451,453,454"}
_EP_OWNER_SUFFIX = {"state": "2", "local": "3", "private": "5"}
#: OEWS OWN_CODE digits -> QCEW ownerships (BLS OEWS field descriptions: 7 local government gambling and
#: casino hotels, 8 state and local government hospitals, 9 the Postal Service)
_OEWS_OWNER_DIGITS = {"1": "1", "2": "2", "3": "3", "5": "5", "7": "3", "8": "23", "9": "1"}
_OEWS_ALIASES: dict[str, tuple[str, ...]] = {
    "naics": ("NAICS", "naics_code"),
    "naics_title": ("NAICS_TITLE",),
    "i_group": ("I_GROUP",),
    "own_code": ("OWN_CODE",),
    "area": ("AREA",),
    "occ_code": ("OCC_CODE",),
    "occ_title": ("OCC_TITLE",),
    "o_group": ("O_GROUP", "OCC_GROUP"),
    "tot_emp": ("TOT_EMP",),
    "pct_total": ("PCT_TOTAL",),
}
_OEWS_NAMES = {k: v[0] for k, v in _OEWS_ALIASES.items()}
_OEWS_REQUIRED = ["naics", "occ_code", "tot_emp", "pct_total"]
_NOT_AVAILABLE = {"", "*", "**", "#", "-", "\u2013", "\u2014"}
_YEAR_TOKEN = re.compile(r"(?i)(?:^|[^a-z0-9])m(\d{4})(?![0-9])")
_MARKER = re.compile(r"\s*\(#+\)\s*$")


# ------------------------------------------------------------------------------------------ industry codes


def industry_codes(industry_code: str) -> tuple[str, ...]:
    """The QCEW NAICS codes an ``industry_code`` of the staffing table covers (a code covers its children).

    >>> industry_codes("1131-1132"), industry_codes("31-33"), industry_codes("3274,3279")
    (('1131', '1132'), ('31-33',), ('3274', '3279'))
    """
    code = str(industry_code).strip()
    if code in _SECTOR_RANGES:
        return (code,)
    if "," in code:
        return tuple(c.strip() for c in code.split(","))
    m = re.fullmatch(r"(\d{2,6})-(\d{2,6})", code)
    if m and len(m.group(1)) == len(m.group(2)) and int(m.group(1)) <= int(m.group(2)):
        width = len(m.group(1))
        return tuple(str(i).zfill(width) for i in range(int(m.group(1)), int(m.group(2)) + 1))
    return (code,)


def _level(code: str) -> str:
    """``sector``, ``3-digit`` ... ``6-digit`` from the length of a NAICS code (or of a range's parts).

    >>> _level("31-33"), _level("1131-1132"), _level("23713"), _level("4A0001")
    ('sector', '4-digit', '5-digit', 'other')
    """
    parts = industry_codes(code)
    if parts == (code,) and code in _SECTOR_RANGES:
        return "sector"
    lengths = {len(p) for p in parts}
    if not all(p.isdigit() for p in parts) or len(lengths) != 1:
        return "other"
    return _LEVELS.get(lengths.pop(), "other")


def _strip_padding(code: str) -> str:
    """A publisher's 6-digit industry code without its trailing zeros (at least 2 digits kept).

    >>> _strip_padding("110000"), _strip_padding("113300"), _strip_padding("237130"), _strip_padding("524114")
    ('11', '1133', '23713', '524114')
    """
    stripped = code.rstrip("0")
    return stripped if len(stripped) >= 2 else code[:2]


def _ep_range(code: str) -> str | None:
    """An EP aggregate code written with ``-`` or ``,`` as a QCEW-style range or list; ``None`` if not one.

    EP pads its codes to six characters with zeros (``31-330``) and writes only the last digit(s) of the
    range's end (``1131-2``: 1131 to 1132).

    >>> [_ep_range(c) for c in ["31-330", "1131-2", "315-60", "487-80", "3274,9", "5174-9", "311000"]]
    ['31-33', '1131-1132', '315-316', '487-488', '3274,3279', '5174-5179', None]
    """
    m = re.fullmatch(r"(\d{2,5})([-,])(\d{1,4})", code)
    if not m:
        return None
    first, sep, end = m.groups()
    if len(first) + len(end) + 1 == 6:  # padded to six characters
        end = end.rstrip("0") or end
    if len(end) > len(first):
        return None
    last = first[: len(first) - len(end)] + end
    if sep == ",":
        return f"{first},{last}"
    return f"{first}-{last}"


def _ep_industry(code: str, title: str) -> tuple[str, str, str] | None:
    """(industry_code, industry_level, own_codes) of an EP matrix industry; ``None`` if not understood.

    >>> _ep_industry("611102", "Elementary and secondary schools; state")
    ('6111', '4-digit', '2')
    >>> _ep_industry("622000", "Hospitals; state, local, and private"), _ep_industry("999100", "Federal")
    (('622', '3-digit', '235'), ('999100', 'government', '1'))
    >>> _ep_industry("491100", "Postal service"), _ep_industry("1131-2", "Forestry")
    (('4911', '4-digit', '15'), ('1131-1132', '4-digit', '5'))
    """
    if code in _EP_GOVERNMENT:
        return code, "government", _EP_GOVERNMENT[code]
    if code in _EP_LISTS:
        return _EP_LISTS[code], "3-digit", "5"
    ranged = _ep_range(code)
    if ranged is not None:
        return ranged, _level(ranged), "5"
    if not re.fullmatch(r"\d{6}", code):
        return None
    own = "5"
    naics = code
    suffix = re.search(r";\s*(state|local|private)\s*$", title, flags=re.IGNORECASE)
    if re.search(r";\s*state, local,? and private\s*$", title, flags=re.IGNORECASE):
        own = "235"
    elif suffix and code[-2:] in ("02", "03", "05"):
        own = _EP_OWNER_SUFFIX[suffix.group(1).lower()]
        naics = code[:4] + "00"
    if naics.startswith("491"):
        own = "15"  # the Postal Service (federal), and any private establishment QCEW codes 491
    stripped = _strip_padding(naics)
    return stripped, _level(stripped), own


def _oews_industry(naics: str, own_code: str | None) -> tuple[str, str, str]:
    """(industry_code, industry_level, own_codes) of an OEWS industry (``NAICS`` and ``OWN_CODE`` cells).

    >>> _oews_industry("000000", "1235"), _oews_industry("622000", "58"), _oews_industry("999200", "2")
    (('10', 'total', '1235'), ('622', '3-digit', '235'), ('999200', 'government', '2'))
    >>> _oews_industry("31-33", None), _oews_industry("611100", None), _oews_industry("4A0001", "5")
    (('31-33', 'sector', '5'), ('6111', '4-digit', '235'), ('4A0001', 'other', '5'))
    """
    code = naics.strip()
    if code in ("000000", "0"):
        industry, level, default = "10", "total", "1235"
    elif code.startswith("99") and code.isdigit():
        industry, level = code, "government"
        default = {"999100": "1", "999200": "2", "999300": "3"}.get(code, "123")
    elif code in _SECTOR_RANGES:
        industry, level, default = code, "sector", "5"
    elif re.fullmatch(r"\d{2,6}", code):
        industry = _strip_padding(code.ljust(6, "0")) if len(code) == 6 else code
        level = _level(industry)
        default = "235" if industry.startswith(("611", "622")) or industry == "61" else "5"
        default = "15" if industry.startswith("491") else default
    else:
        industry, level, default = code, "other", "5"
    if own_code and own_code.strip():
        digits = "".join(_OEWS_OWNER_DIGITS.get(d, "") for d in own_code.strip())
        own = "".join(sorted(set(digits))) or default
    else:
        own = default
    return industry, level, own


def match_length(codes: Iterable[str], inner: str) -> int:
    """Length of the code of ``codes`` that the QCEW code ``inner`` lies in or equals (0: none); a sector
    range (``31-33``) counts as 2.

    >>> match_length(("311", "312"), "3112"), match_length(("31-33",), "3112"), match_length(("311",), "32")
    (3, 2, 0)
    """
    best = 0
    for code in codes:
        if code in _SECTOR_RANGES:
            lo, hi = code.split("-")
            if inner == code or (
                inner not in _SECTOR_RANGES and inner[:2].isdigit() and lo <= inner[:2] <= hi
            ):
                best = max(best, 2)
        elif inner == code or (inner.isdigit() and code.isdigit() and inner.startswith(code)):
            best = max(best, len(code))
    return best


def _mark_summaries(table: pd.DataFrame) -> pd.Series:
    """``summary``: another industry of the table lies inside this one (same or fewer ownerships)."""
    keys = table[["industry_code", "industry_level", "own_codes"]].drop_duplicates()
    items = [
        (r.industry_code, r.industry_level, set(r.own_codes), industry_codes(r.industry_code))
        for r in keys.itertuples(index=False)
    ]
    summary: dict[tuple[str, str], bool] = {}
    for code, level, own, parts in items:
        found = False
        for code2, level2, own2, parts2 in items:
            if (code2, own2) == (code, own) or not own2 <= own:
                continue
            if level == "government":
                found = level2 == "government" and (own2 < own or code in _EP_GOVERNMENT_SUMS)
            elif level in ("total",):
                found = level2 != "total"
            elif level2 not in ("government", "total", "other") and level != "other":
                found = all(match_length(parts, p) > 0 for p in parts2)
            if found:
                break
        summary[(code, "".join(sorted(own)))] = found
    own_key = table["own_codes"].map(lambda s: "".join(sorted(s)))
    return pd.Series(
        [summary[(c, o)] for c, o in zip(table["industry_code"], own_key, strict=True)],
        index=table.index,
        dtype=bool,
    )


# ---------------------------------------------------------------------------------------------- reading


def _expand(paths: str | Path | Iterable[str | Path], problems: list[Problem]) -> list[tuple[str, Path]]:
    """(name as shown to the user, path) for every file: globs and folders expanded, in sorted order."""
    return expand_paths(paths, (".xlsx", ".csv", ".csv.gz"), problems)


def read_staffing_patterns(
    paths: str | Path | Iterable[str | Path], *, year: int | None = None
) -> pd.DataFrame:
    """Read staffing-pattern files (paths, folders or globs) into one table (``OUTPUT_COLUMNS``).

    Every file must be of one layout (the EP matrix workbooks, or OEWS industry-specific files). ``year``
    is the OEWS May reference year when the file name has no ``M2025``-like token (EP files give theirs).
    Codes keep their publisher's SOC vintage (``soc_vintage`` ``2010`` or ``2018``): map SOC 2010 with
    :func:`to_soc_2018`. Every problem of every file is collected and raised as one :class:`InputError`.
    """
    problems: list[Problem] = []
    files = _expand(paths, problems)
    if not files and not problems:
        problems.append(Problem("(no file)", None, None, "no staffing-pattern file was given"))
    parts: list[pd.DataFrame] = []
    for shown, path in files:
        part = _read_one(shown, path, year, problems)
        if part is not None and len(part):
            parts.append(part)
        elif part is not None:
            msg = "no occupation row below the total: the file gives no staffing pattern (remove it)"
            problems.append(Problem(shown, None, None, msg))
    if not problems and parts:
        layouts = sorted({str(p["layout"].iat[0]) for p in parts})
        if len(layouts) > 1:
            msg = f"the files hold {' and '.join(layouts)} staffing patterns: give files of one layout only"
            problems.append(Problem(files[0][0], None, None, msg))
    if problems:
        raise InputError(problems)
    out = pd.concat(parts, ignore_index=True)
    # the same estimate twice is one (OEWS lists an industry it aggregates to 3 digits under "3-digit" and
    # "4-digit", and nat3d and nat4d given together overlap); two different figures are a problem
    same = ["industry_code", "own_codes", "soc", "share", "employment"]
    out = out[~out[same].astype("string").fillna("<NA>").duplicated()].reset_index(drop=True)
    problems.extend(_repeated_industries(out))
    if problems:
        raise InputError(problems)
    out["summary"] = _mark_summaries(out)
    for col in ("layout", "industry_code", "industry_title", "industry_level", "own_codes", "publisher_code"):
        out[col] = out[col].astype("string")
    for col in ("soc", "soc_title", "soc_vintage", "source_file"):
        out[col] = out[col].astype("string")
    out["year"] = out["year"].astype("Int64")
    for col in ("share", "employment", "industry_employment"):
        out[col] = pd.to_numeric(out[col]).astype("Float64")
    out["source_row"] = out["source_row"].astype("int64")
    return out[OUTPUT_COLUMNS].reset_index(drop=True)


def _repeated_industries(table: pd.DataFrame) -> list[Problem]:
    """The same industry × ownership × occupation twice (two files of one industry, or a repeated row)."""
    keys = ["industry_code", "own_codes", "soc"]
    dup = table[table.duplicated(keys, keep=False)]
    problems = []
    for _, g in dup.groupby(keys, sort=True):
        first = g.iloc[0]
        for r in g.iloc[1:].itertuples(index=False):
            msg = (
                f"industry {r.publisher_code} ({r.industry_code}, ownership {r.own_codes}) has occupation "
                f"{r.soc} again; first seen in {first['source_file']}, row {first['source_row']}"
            )
            problems.append(Problem(str(r.source_file), int(r.source_row), None, msg))
    return problems


def _read_one(shown: str, path: Path, year: int | None, problems: list[Problem]) -> pd.DataFrame | None:
    data = path.read_bytes()
    if data.startswith(b"\x1f\x8b") or not data.startswith(b"PK\x03\x04"):
        if data.startswith(b"\xd0\xcf\x11\xe0"):
            msg = "old Excel 97-2003 (.xls) files are not read; save the sheet as .xlsx or CSV"
            problems.append(Problem(shown, None, None, msg))
            return None
        return _read_oews(shown, path, None, year, problems)
    try:
        found = _find_layout((title, rows()) for title, rows in _xlsx_sheets(data))
    except (KeyError, IndexError, ValueError, ET.ParseError, zipfile.BadZipFile):
        found = None  # not laid out as the standard says: openpyxl reads it
        import openpyxl

        try:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
            problems.append(Problem(shown, None, None, f"cannot be opened as an Excel workbook ({exc})"))
            return None
        try:
            found = _find_layout((ws.title, ws.iter_rows(values_only=True)) for ws in book.worksheets)
        finally:
            book.close()
    layout, title, rows = found
    if layout == "ep":
        return _read_ep(shown, title, iter(rows), problems)
    if layout == "oews":
        return _read_oews(shown, path, title, year, problems)
    msg = (
        "not a staffing-pattern file: no sheet has the header of the BLS EP matrix ("
        f"{', '.join(_EP_HEADERS)}) or of OEWS industry-specific estimates (NAICS, OCC_CODE, TOT_EMP, "
        f"PCT_TOTAL); sheets: {title}"
    )
    problems.append(Problem(shown, None, None, msg))
    return None


def _find_layout(sheets: Iterable[tuple[str, Iterator[tuple]]]) -> tuple[str | None, str, list[tuple]]:
    """(layout, sheet title, rows) of the first sheet whose first 12 rows hold a known header; the rows of an
    EP sheet are all read (EP sheets are small), those of an OEWS sheet are left to :func:`read_raw`. With no
    such sheet: ``(None, the sheet titles, [])``."""
    titles = []
    for title, rows in sheets:
        titles.append(repr(title))
        head = [tuple(r) for r in itertools.islice(rows, 12)]
        keys = [{_key(c) for c in row if c is not None} for row in head]
        if any({_key(h) for h in ("Occupation type", "Percent of industry")} <= k for k in keys):
            return "ep", title, head + [tuple(r) for r in rows]
        if any({"occcode", "naics"} <= k for k in keys):
            return "oews", title, []
    return None, ", ".join(titles), []


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def _xlsx_sheets(data: bytes) -> list[tuple[str, Callable[[], Iterator[tuple]]]]:
    """The sheets of an ``.xlsx`` workbook, each with a function giving its rows (tuples of cell values).

    Read straight from the workbook's XML parts: several times faster than openpyxl on the EP matrix's 474
    small workbooks. Row ``n`` of the sheet is the ``n``-th tuple (empty rows are empty tuples). Raises
    ``KeyError``, ``ValueError`` or ``ParseError`` on a workbook not laid out as the standard says.
    """
    z = zipfile.ZipFile(io.BytesIO(data))
    book = ET.fromstring(z.read("xl/workbook.xml"))
    rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    strings: list[str] = []
    if "xl/sharedStrings.xml" in z.namelist():
        for si in ET.fromstring(z.read("xl/sharedStrings.xml")).iter(_MAIN + "si"):
            runs = [si.find(_MAIN + "t")] + [r.find(_MAIN + "t") for r in si.iter(_MAIN + "r")]
            strings.append("".join(t.text or "" for t in runs if t is not None))
    sheets = []
    for sheet in book.iter(_MAIN + "sheet"):
        target = targets[sheet.get(_RELS + "id")]
        member = target.lstrip("/") if target.startswith("/") else "xl/" + target
        sheets.append((sheet.get("name", ""), partial(_xlsx_rows, z, member, strings)))
    return sheets


def _xlsx_rows(z: zipfile.ZipFile, member: str, strings: list[str]) -> Iterator[tuple]:
    """The rows of one sheet's XML: shared and inline strings as text, numbers as int or float."""
    expected = 1
    with z.open(member) as fh:
        for _, row in ET.iterparse(fh):
            if row.tag != _MAIN + "row":
                continue
            number = int(row.get("r", expected))
            while expected < number:
                yield ()
                expected += 1
            cells: dict[int, object] = {}
            for i, c in enumerate(row.iter(_MAIN + "c")):
                ref = c.get("r")
                col = _column_index(ref) if ref else i
                kind, v = c.get("t"), c.find(_MAIN + "v")
                if kind == "inlineStr":
                    cells[col] = "".join(t.text or "" for t in c.iter(_MAIN + "t"))
                elif v is None or v.text is None:
                    continue
                elif kind == "s":
                    cells[col] = strings[int(v.text)]
                elif kind in ("str", "e"):
                    cells[col] = v.text
                elif kind == "b":
                    cells[col] = v.text == "1"
                else:
                    cells[col] = int(v.text) if re.fullmatch(r"-?\d+", v.text) else float(v.text)
            row.clear()
            yield tuple(cells.get(j) for j in range(max(cells) + 1)) if cells else ()
            expected = number + 1


def _column_index(ref: str) -> int:
    """``"D5"`` → 3.

    >>> _column_index("A1"), _column_index("D5"), _column_index("AA10")
    (0, 3, 26)
    """
    index = 0
    for ch in ref:
        if not ch.isalpha():
            break
        index = index * 26 + ord(ch.upper()) - 64
    return index - 1


def _key(cell: object) -> str:
    return re.sub(r"[^a-z0-9]", "", str(cell).lower())


def _number(cell: object) -> float | None:
    """A numeric cell as a float; ``None`` for text that is not a number."""
    if isinstance(cell, bool):
        return None
    if isinstance(cell, int | float):
        return None if isinstance(cell, float) and math.isnan(cell) else float(cell)
    text = str(cell).strip().replace(",", "")
    try:
        return float(text)
    except ValueError:
        return None


def _col_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _read_ep(shown: str, sheet: str, rows: Iterator[tuple], problems: list[Problem]) -> pd.DataFrame | None:
    """One BLS EP matrix industry workbook: its line-item occupations of the base year."""
    before = len(problems)
    industry: tuple[str, str] | None = None
    header: dict[str, int] | None = None
    group_row: tuple | None = None
    prev: tuple | None = None
    year: int | None = None
    records: list[tuple] = []
    summaries: list[tuple] = []
    total: float | None = None
    for number, row in enumerate(rows, start=1):
        if header is None:
            first = row[0] if row else None
            if industry is None and isinstance(first, str):
                m = re.fullmatch(r"\s*(\S+)\s+(.+?)\s*", first)
                if m and re.search(r"\d", m.group(1)):
                    industry = (m.group(1), m.group(2))
            keys = [_key(c) if c is not None else "" for c in row]
            if all(_key(h) in keys for h in _EP_HEADERS):
                header = {h: keys.index(_key(h)) for h in _EP_HEADERS}
                group_row = prev
                cell = group_row[header["Employment"]] if group_row else None
                year = int(cell) if _number(cell) is not None and 1990 <= _number(cell) <= 2100 else None
                if year is None:
                    col = _col_letter(header["Employment"])
                    msg = f"expected the base year above 'Employment' (cell {col}{number - 1}), got {cell!r}"
                    problems.append(Problem(shown, number - 1, "Employment", msg))
            prev = row
            continue
        order = _number(row[header["Sort Order"]]) if len(row) > header["Sort Order"] else None
        if order is None or row[header["Sort Order"]] is None:
            continue  # notes and source lines below the table
        cells = {h: (row[i] if i < len(row) else None) for h, i in header.items()}
        code_cell = cells["Code"]
        soc = normalize_soc(code_cell)
        if soc is None:
            problems.append(Problem(shown, number, "Code", f"expected a SOC code NN-NNNN, got {code_cell!r}"))
        emp = _number(cells["Employment"]) if cells["Employment"] is not None else None
        if emp is None or emp < 0:
            what = f"expected employment in thousands (a number >= 0), got {cells['Employment']!r}"
            problems.append(Problem(shown, number, f"Employment {year or ''}".strip(), what))
        pct = _number(cells["Percent of industry"]) if cells["Percent of industry"] is not None else None
        if pct is None or not 0 <= pct <= 100:
            what = f"expected a percent from 0 to 100, got {cells['Percent of industry']!r}"
            problems.append(Problem(shown, number, f"Percent of industry {year or ''}".strip(), what))
        kind = str(cells["Occupation type"] or "").strip().lower()
        if kind not in _EP_TYPES:
            msg = f"expected 'Line item' or 'Summary', got {cells['Occupation type']!r}"
            problems.append(Problem(shown, number, "Occupation type", msg))
            continue
        title = str(cells["Title"]).strip() if cells["Title"] is not None else None
        if soc == "00-0000":
            total = emp
        elif _EP_TYPES[kind]:
            records.append((soc, title, emp, pct, number))
        else:
            summaries.append((soc, title, emp, pct, number))
    if header is None:
        msg = f"no header row with {', '.join(map(repr, _EP_HEADERS))} (BLS EP matrix layout) on sheet {sheet!r}"
        problems.append(Problem(shown, None, None, msg))
        return None
    if industry is None:
        msg = "expected '<EP industry code> <industry title>' in the title lines (cell A2 of the BLS layout)"
        problems.append(Problem(shown, 2, None, msg))
        return None
    parsed = _ep_industry(*industry)
    if parsed is None:
        msg = f"cannot read {industry[0]!r} as an EP matrix industry code (NAICS-based, such as 311000 or 31-330)"
        problems.append(Problem(shown, 2, None, msg))
    if total is None and len(problems) == before:
        msg = "no '00-0000 Total, all occupations' row: the industry's employment is unknown"
        problems.append(Problem(shown, None, "Code", msg))
    if len(problems) > before or parsed is None:
        return None
    code, level, own = parsed
    if not records:  # an industry whose occupations are all groups (EP 611602): its most detailed groups
        records = _finest(summaries)
    frame = pd.DataFrame(records, columns=["soc", "soc_title", "emp", "pct", "source_row"])
    jobs = frame["emp"] * 1000.0
    total_jobs = float(total) * 1000.0
    frame["share"] = _share(jobs, frame["pct"], total_jobs)
    frame["employment"] = jobs
    frame["industry_employment"] = total_jobs
    frame = frame.assign(
        layout="bls_ep_matrix",
        industry_code=code,
        industry_title=industry[1],
        industry_level=level,
        own_codes=own,
        publisher_code=industry[0],
        year=year,
        soc_vintage="2010",
        source_file=shown,
    )
    return frame


def _finest(rows: list[tuple]) -> list[tuple]:
    """The rows whose SOC code has no other row below it (the most detailed groups shown).

    >>> [r[0] for r in _finest([("11-0000",), ("11-9000",), ("11-9030",), ("25-0000",), ("25-1000",)])]
    ['11-9030', '25-1000']
    """
    prefixes = {r[0]: r[0].replace("-", "").rstrip("0") for r in rows if r[0]}
    return [
        r
        for r in rows
        if r[0] and not any(o != r[0] and o.replace("-", "").startswith(prefixes[r[0]]) for o in prefixes)
    ]


def _share(jobs: pd.Series, pct: pd.Series, total_jobs: pd.Series | float | None) -> pd.Series:
    """Occupation share of the industry: jobs ÷ total for industries of 100,000 jobs or more, else the percent.

    Either figure stands in when the other is missing.

    >>> _share(pd.Series([3800.0]), pd.Series([0.1]), 7_395_600.0).round(6).tolist()
    [0.000514]
    >>> _share(pd.Series([100.0]), pd.Series([5.7]), 1300.0).tolist()
    [0.057]
    """
    jobs = pd.to_numeric(jobs).astype("Float64")
    from_pct = pd.to_numeric(pct).astype("Float64") / 100.0
    total = pd.Series(total_jobs, index=jobs.index, dtype="Float64")
    from_jobs = (jobs / total.where(total > 0)).astype("Float64")
    large = (total >= SHARE_FROM_EMPLOYMENT_AT).fillna(False).to_numpy(dtype=bool)
    return from_jobs.fillna(from_pct).where(large, from_pct.fillna(from_jobs)).astype("Float64")


def _read_oews(
    shown: str, path: Path, sheet: str | None, year: int | None, problems: list[Problem]
) -> pd.DataFrame | None:
    """One OEWS industry-specific file (national): its detailed occupations of every industry."""
    before = len(problems)
    try:
        table = read_raw(path, sheet=sheet, hints=[v[0] for v in _OEWS_ALIASES.values()])
    except InputError as exc:
        problems.extend(exc.problems)
        return None
    found, issues = match_columns(table, _OEWS_ALIASES, _OEWS_REQUIRED)
    if issues:
        if not {"naics", "occ_code"} & set(found):
            msg = (
                "not a staffing-pattern file: expected the BLS EP matrix layout or the OEWS industry-specific "
                f"columns ({', '.join(_OEWS_NAMES.values())}); columns found: "
                f"{', '.join(map(str, table.frame.columns[:12]))}"
            )
            problems.append(Problem(shown, table.header_row, None, msg))
        else:
            problems.extend(issues)
        return None
    if year is None:
        m = _YEAR_TOKEN.search(Path(shown).name)
        year = int(m.group(1)) if m else None
    frame, rows = table.frame, table.rows.to_numpy()
    col = {k: as_text(frame[v]).fillna("") for k, v in found.items()}
    n = len(frame)
    blank = pd.Series("", index=frame.index, dtype="string")
    if "area" in col:
        area = col["area"].str.replace(r"\.0+$", "", regex=True)
        national = area.isin(["99", "U.S.", "US", ""])
        if not national.any():
            msg = "no national row (AREA 99): a staffing pattern is read from the national industry files"
            problems.append(Problem(shown, None, found["area"], msg))
            return None
    else:
        national = pd.Series(True, index=frame.index)
    occ = col["occ_code"]
    soc = [normalize_soc(c) for c in occ]
    for i in np.flatnonzero([s is None for s in soc]):
        msg = f"expected a SOC code NN-NNNN, got {occ.iat[i]!r}"
        problems.append(Problem(shown, int(rows[i]), found["occ_code"], msg))
    naics = col["naics"].str.replace(r"\.0+$", "", regex=True)
    for i in np.flatnonzero((naics == "").to_numpy()):
        problems.append(
            Problem(shown, int(rows[i]), found["naics"], "expected an industry code, got an empty cell")
        )
    values = {}
    for key in ("tot_emp", "pct_total"):
        text = col[key].str.strip()
        special = text.isin(_NOT_AVAILABLE)
        number = pd.to_numeric(text.where(~special).str.replace(",", "", regex=False), errors="coerce")
        bad = ~special & (number.isna() | (number < 0))
        if key == "pct_total":
            bad |= ~special & (number > 100)
        for i in np.flatnonzero(bad.to_numpy()):
            what = "a number >= 0" if key == "tot_emp" else "a percent from 0 to 100"
            msg = f"expected {what} or one of **, *, #, -; got {text.iat[i]!r}"
            problems.append(Problem(shown, int(rows[i]), found[key], msg))
        values[key] = number.astype("Float64")
    if len(problems) > before:
        return None
    group = col.get("o_group", blank).str.strip().str.lower()
    soc_s = pd.Series(soc, index=frame.index, dtype="string")
    implied = _o_group_from_soc(soc_s).fillna("")
    group = group.where(group != "", implied)
    own_col = col.get("own_code", blank)
    industries = {
        (c, o): _oews_industry(c, o) for c, o in set(zip(naics.tolist(), own_col.tolist(), strict=True))
    }
    parsed = [industries[(c, o)] for c, o in zip(naics.tolist(), own_col.tolist(), strict=True)]
    out = pd.DataFrame(
        {
            "industry_code": [p[0] for p in parsed],
            "industry_level": [p[1] for p in parsed],
            "own_codes": [p[2] for p in parsed],
            "publisher_code": naics.to_numpy(),
            "industry_title": col.get("naics_title", blank).to_numpy(),
            "soc": soc_s.to_numpy(),
            "soc_title": col.get("occ_title", blank).to_numpy(),
            "group": group.to_numpy(),
            "employment": values["tot_emp"].to_numpy(),
            "pct": values["pct_total"].to_numpy(),
            "source_row": rows[:n],
        }
    )
    out = out[national.to_numpy()]
    keys = ["industry_code", "own_codes"]
    totals = out[out["soc"] == "00-0000"].drop_duplicates(keys).set_index(keys)["employment"]
    out = out[out["group"] == "detailed"].copy()
    index = pd.MultiIndex.from_frame(out[keys])
    total_jobs = pd.Series(totals.reindex(index).to_numpy(), index=out.index, dtype="Float64")
    out["share"] = _share(out["employment"], out["pct"], total_jobs)
    out["industry_employment"] = total_jobs
    return out.drop(columns=["group", "pct"]).assign(
        layout="oews_industry", year=year, soc_vintage="2018", source_file=shown
    )


# ------------------------------------------------------------------------------------- SOC 2010 -> 2018

_CROSSWALK_ALIASES: dict[str, tuple[str, ...]] = {
    "soc_2010": ("2010 SOC Code", "soc_2010", "SOC 2010 Code"),
    "soc_2010_title": ("2010 SOC Title", "soc_2010_title", "SOC 2010 Title"),
    "soc_2018": ("2018 SOC Code", "soc_2018", "SOC 2018 Code"),
    "soc_2018_title": ("2018 SOC Title", "soc_2018_title", "SOC 2018 Title"),
}


def read_soc_crosswalk_2010_2018(path: str | Path) -> pd.DataFrame:
    """Read the BLS SOC 2010 → 2018 crosswalk (``soc_2010_to_2018_crosswalk.xlsx``, or a CSV of its columns).

    One row per (2010 code, 2018 code) pair (``CROSSWALK_COLUMNS``); the BLS change markers ``(#)`` and
    ``(##)`` are removed from the titles. The crosswalk is many-to-many and carries no employment weights.
    """
    hints = [v[0] for v in _CROSSWALK_ALIASES.values()]
    table = read_raw(path, hints=hints)
    found, problems = match_columns(table, _CROSSWALK_ALIASES, ["soc_2010", "soc_2018"])
    if problems:
        raise InputError(problems)
    rows = table.rows.to_numpy()
    out = {}
    for key in ("soc_2010", "soc_2018"):
        text = as_text(table.frame[found[key]])
        codes = [normalize_soc(c) if not pd.isna(c) else None for c in text]
        for i in np.flatnonzero([c is None for c in codes]):
            shown = None if pd.isna(text.iat[i]) else str(text.iat[i])
            msg = f"expected a SOC code NN-NNNN, got {shown!r}"
            problems.append(Problem(table.file, int(rows[i]), found[key], msg))
        out[key] = pd.array(codes, dtype="string")
    if problems:
        raise InputError(problems)
    for key in ("soc_2010_title", "soc_2018_title"):
        text = as_text(table.frame[found[key]]) if key in found else pd.Series(pd.NA, index=table.frame.index)
        out[key] = text.astype("string").str.replace(_MARKER, "", regex=True).to_numpy()
    frame = pd.DataFrame(out)
    frame["source_file"] = pd.Series(table.file, index=frame.index, dtype="string")
    frame["source_row"] = rows.astype("int64")
    frame = frame.astype({k: "string" for k in CROSSWALK_COLUMNS[:4]})
    return frame.drop_duplicates(["soc_2010", "soc_2018"]).reset_index(drop=True)[CROSSWALK_COLUMNS]


def _targets(code: str, by_2010: Mapping[str, list[str]]) -> tuple[list[str], str]:
    """The 2018 codes of a 2010 code, and how they were found (``crosswalk``, ``detailed codes`` or ``none``).

    A group code the crosswalk does not list (EP writes ``45-3000`` as one line item) maps through the 2010
    detailed codes it covers (``45-3011``, ``45-3021`` → ``45-3031``).

    >>> _targets("45-3000", {"45-3011": ["45-3031"], "45-3021": ["45-3031"]})
    (['45-3031'], 'detailed codes')
    """
    if code in by_2010:
        return by_2010[code], "crosswalk"
    digits = code.replace("-", "")
    prefix = digits.rstrip("0")
    if len(prefix) < len(digits) and len(prefix) >= 2:
        covered = [c for c in by_2010 if c.replace("-", "").startswith(prefix)]
        targets = list(dict.fromkeys(t for c in sorted(covered) for t in by_2010[c]))
        if targets:
            return sorted(targets), "detailed codes"
    return [], "none"


def _split(targets: list[str], weights: pd.Series, fed_by: pd.Series) -> tuple[list[float], str]:
    """Parts of a 2010 code going to each of its 2018 codes, and the rule used.

    >>> _split(["11-2032", "11-2033"], pd.Series({"11-2032": 300.0, "11-2033": 100.0}), pd.Series(dtype=float))
    ([0.75, 0.25], 'national employment')
    >>> _split(["11-2032", "11-2033"], pd.Series({"11-2032": 300.0}), pd.Series(dtype=float))
    ([0.5, 0.5], 'equal')
    """
    if len(targets) == 1:
        return [1.0], "one to one"
    raw = [float(weights.get(t, float("nan"))) / float(fed_by.get(t, 1)) for t in targets]
    if all(x > 0 for x in raw):  # NaN compares False: any missing weight falls back to equal parts
        return [x / sum(raw) for x in raw], "national employment"
    return [1.0 / len(targets)] * len(targets), "equal"


def to_soc_2018(
    staffing: pd.DataFrame, crosswalk: pd.DataFrame, *, weights: Mapping[str, float] | pd.Series | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The staffing table in SOC 2018 codes, and the notes on every code that did not map one to one.

    Rows already in SOC 2018 pass unchanged. A SOC 2010 code goes to its 2018 code(s) in ``crosswalk``
    (:func:`read_soc_crosswalk_2010_2018`); a group code missing from the crosswalk goes through the
    detailed codes it covers. **Split rule**: a 2010 code with several 2018 codes shares its share and
    employment among them in proportion to ``weights`` (national employment by SOC 2018, e.g. OEWS
    ``TOT_EMP`` of area 99, all industries) divided by the number of 2010 codes that map to each 2018
    code — a 2018 code fed by two 2010 codes is assumed to take half its jobs from each; in equal parts
    when ``weights`` is not given or lacks a positive figure for one of the codes. Codes merging into one
    2018 code are added up. A code with no 2018 match leaves the table (its jobs stay in no occupation)
    and is a note: never dropped silently.

    Notes (``NOTE_COLUMNS``): ``kind`` ``no 2018 match``, ``through detailed codes``, ``split`` or
    ``merged``; ``rule`` the split rule; ``industries`` the number of industries listing the code;
    ``employment`` its national jobs summed over those industries (summary industries included).
    """
    missing = {"soc", "share", "soc_vintage", "industry_code"} - set(staffing.columns)
    if missing:
        raise ValueError(f"the staffing table lacks column(s) {', '.join(sorted(missing))}")
    vintage = staffing["soc_vintage"].astype("string")
    new, old = staffing[vintage != "2010"], staffing[vintage == "2010"]
    if old.empty:
        return staffing.reset_index(drop=True), pd.DataFrame(columns=NOTE_COLUMNS)
    cw = crosswalk.dropna(subset=["soc_2010", "soc_2018"])
    by_2010 = {str(k): sorted(set(map(str, g))) for k, g in cw.groupby("soc_2010", sort=True)["soc_2018"]}
    fed_by = cw.groupby("soc_2018")["soc_2010"].nunique()
    titles_2018 = cw.drop_duplicates("soc_2018").set_index("soc_2018")["soc_2018_title"]
    titles_2010 = cw.drop_duplicates("soc_2010").set_index("soc_2010")["soc_2010_title"]
    w = pd.Series(weights, dtype="float64") if weights is not None else pd.Series(dtype="float64")
    has_jobs = "employment" in old.columns
    plan: list[tuple[str, str, float]] = []
    notes: list[tuple] = []
    for code, rows in old.groupby("soc", sort=True):
        code = str(code)
        targets, how = _targets(code, by_2010)
        title = titles_2010.get(code)
        if (title is None or pd.isna(title)) and "soc_title" in rows and rows["soc_title"].notna().any():
            title = rows["soc_title"].dropna().iat[0]
        n_ind = int(rows["industry_code"].nunique())
        jobs = float(pd.to_numeric(rows["employment"]).sum()) if has_jobs else float("nan")
        if not targets:
            detail = "not in the SOC 2010 -> 2018 crosswalk: its jobs are left out of every occupation"
            notes.append(("no 2018 match", code, title, None, None, n_ind, jobs, detail))
            continue
        parts, rule = _split(targets, w, fed_by)
        plan += [(code, t, p) for t, p in zip(targets, parts, strict=True)]
        joined = "; ".join(targets)
        if how == "detailed codes":
            detail = (
                "a group code the crosswalk does not list: mapped through the 2010 detailed codes it covers"
            )
            notes.append(("through detailed codes", code, title, joined, rule, n_ind, jobs, detail))
        if len(targets) > 1:
            detail = "shared among SOC 2018 codes: " + ", ".join(
                f"{t} {p:.3f}" for t, p in zip(targets, parts, strict=True)
            )
            notes.append(("split", code, title, joined, rule, n_ind, jobs, detail))
    links = pd.DataFrame(plan, columns=["soc", "soc_2018", "part"]).astype(
        {"soc": "string", "soc_2018": "string"}
    )
    mapped = old.astype({"soc": "string"}).merge(links, on="soc", how="inner")
    for target, g in mapped.groupby("soc_2018", sort=True):
        sources = sorted(map(str, g["soc"].unique()))
        if len(sources) > 1:
            jobs = float((pd.to_numeric(g["employment"]) * g["part"]).sum()) if has_jobs else float("nan")
            detail = f"{len(sources)} SOC 2010 codes added into one SOC 2018 code"
            notes.append(
                (
                    "merged",
                    "; ".join(sources),
                    None,
                    str(target),
                    None,
                    int(g["industry_code"].nunique()),
                    jobs,
                    detail,
                )
            )
    for col in ("share", "employment"):
        if col in mapped:
            mapped[col] = pd.to_numeric(mapped[col]).astype("Float64") * mapped["part"]
    mapped["soc"] = mapped["soc_2018"]
    if "soc_title" in mapped:
        mapped["soc_title"] = mapped["soc_2018"].map(titles_2018).astype("string")
    sums = [c for c in ("share", "employment") if c in mapped]
    firsts = [c for c in ("soc_title", "source_row") if c in mapped]
    keys = [c for c in staffing.columns if c not in (*sums, *firsts)]
    groups = mapped.groupby(keys, sort=False, dropna=False)
    parts = [groups[sums].sum(min_count=1)]
    if "soc_title" in firsts:
        parts.append(groups[["soc_title"]].first())
    if "source_row" in firsts:
        parts.append(groups[["source_row"]].min())
    grouped = pd.concat(parts, axis=1).reset_index()
    out = pd.concat([new, grouped[list(staffing.columns)]], ignore_index=True)
    out["soc_vintage"] = pd.Series("2018", index=out.index, dtype="string")
    for col in sums:
        out[col] = pd.to_numeric(out[col]).astype("Float64")
    order = [c for c in ("industry_code", "own_codes", "soc") if c in out]
    out = out.sort_values(order, kind="stable").reset_index(drop=True)
    note_frame = pd.DataFrame(notes, columns=NOTE_COLUMNS)
    rank = {"no 2018 match": 0, "through detailed codes": 1, "split": 2, "merged": 3}
    note_frame = note_frame.assign(_rank=note_frame["kind"].map(rank)).sort_values(
        ["_rank", "soc_2010"], kind="stable"
    )
    note_frame = note_frame.drop(columns="_rank").reset_index(drop=True)
    note_frame["industries"] = note_frame["industries"].astype("Int64")
    note_frame["employment"] = pd.to_numeric(note_frame["employment"]).astype("Float64")
    text = ["kind", "soc_2010", "soc_2010_title", "soc_2018", "rule", "detail"]
    return out, note_frame.astype(dict.fromkeys(text, "string"))
