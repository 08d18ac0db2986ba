"""Read the NCES CIP 2020 ↔ SOC 2018 crosswalk workbook (``CIP2020_SOC2018_Crosswalk.xlsx``).

The workbook has eight sheets. Four put the CIP code first (``CIP2020Code | CIP2020Title |
SOC2018Code | SOC2018Title``: CIP-SOC, New CIP, Added Matches, Unmatched CIP Codes) and three the
SOC code first (SOC-CIP, New SOC, Unmatched SOC Codes). The sheet is found by its content, never
by its name: the full crosswalk of a direction is the sheet with that header and the most rows
(the other sheets of that header are subsets of it). A CSV saved from one sheet is read as well;
its column order gives the direction.

The two directions are not quite the same table: in the 2020 workbook the CIP-SOC sheet has
5,723 links and the SOC-CIP sheet 5,719 (the CIP-SOC sheet also links 03.0204 to four
occupations). Both have 194 programs without an occupation and 180 occupations without a
program.

NCES writes a program with no occupation as SOC ``99-9999`` "NO MATCH" and an occupation with
no program as CIP ``99.9999`` "NO MATCH". Those codes never become a link: the row keeps its
real code, the other side is ``<NA>`` and ``matched`` is false.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..codes import normalize_cip_series, normalize_soc_series
from ..errors import InputError, Problem, display_name
from ._tabular import RawTable, as_text, header_key, match_columns, read_raw

__all__ = [
    "CROSSWALK_COLUMNS",
    "DIRECTIONS",
    "NO_MATCH_CIP",
    "NO_MATCH_SOC",
    "cip_soc_links",
    "read_cip_soc_crosswalk",
    "read_soc_cip_crosswalk",
]

CROSSWALK_COLUMNS = ["cip", "cip_title", "soc", "soc_title", "matched", "source_file", "source_row"]
DIRECTIONS = ("cip-soc", "soc-cip")
NO_MATCH_CIP = "99.9999"
NO_MATCH_SOC = "99-9999"

_ALIASES: dict[str, tuple[str, ...]] = {
    "cip": ("CIP2020Code", "CIPCode", "cip_code"),
    "cip_title": ("CIP2020Title", "CIPTitle", "cip_title"),
    "soc": ("SOC2018Code", "SOCCode", "soc_code"),
    "soc_title": ("SOC2018Title", "SOCTitle", "soc_title"),
}
_LAYOUT = "NCES CIP 2020 / SOC 2018 crosswalk"
_OLD = {"cip2010code", "soc2010code"}


def _first_key(header: list[object]) -> str | None:
    """``"cip"`` or ``"soc"``: which code a header row starts with (``None`` if neither is a crosswalk)."""
    keys = [header_key(c) for c in header if c is not None and str(c).strip()]
    found = {k for k in keys if k in {header_key(a) for a in (*_ALIASES["cip"], "cip")}}
    found_soc = {k for k in keys if k in {header_key(a) for a in (*_ALIASES["soc"], "soc")}}
    if not found or not found_soc:
        return None
    first = next(k for k in keys if k in found | found_soc)
    return "cip" if first in found else "soc"


def _pick_sheet(path: Path, shown: str, direction: str) -> str:
    """The name of the largest sheet whose first row is a crosswalk header in ``direction``."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True)
    except Exception as e:  # openpyxl raises many kinds for a damaged workbook
        raise InputError(
            [Problem(shown, None, None, f"cannot be opened as an Excel workbook ({e})")]
        ) from None
    want = direction.split("-")[0]
    best: tuple[int, str] | None = None
    seen: list[str] = []
    old = False
    try:
        for ws in book.worksheets:
            first = next(ws.iter_rows(max_row=1, values_only=True), ())
            old |= bool({header_key(c) for c in first if c is not None} & _OLD)
            if _first_key(list(first)) != want:
                continue
            n = sum(1 for _ in ws.iter_rows(min_row=2, values_only=True))
            seen.append(ws.title)
            if best is None or n > best[0]:
                best = (n, ws.title)
        names = ", ".join(map(repr, book.sheetnames))
    finally:
        book.close()
    if best is None:
        first_col = "CIP2020Code" if want == "cip" else "SOC2018Code"
        msg = (
            f"no sheet of this workbook is the {direction} crosswalk: expected a sheet whose first row is "
            f"{' | '.join(_header(want))} (first column {first_col}); sheets: {names} ({_LAYOUT} layout)"
        )
        if old:
            msg += "; this looks like the CIP 2010 / SOC 2010 crosswalk: use the CIP 2020 / SOC 2018 one"
        raise InputError([Problem(shown, 1, None, msg)])
    return best[1]


def _header(first: str) -> list[str]:
    cip, soc = ["CIP2020Code", "CIP2020Title"], ["SOC2018Code", "SOC2018Title"]
    return cip + soc if first == "cip" else soc + cip


def read_cip_soc_crosswalk(path: str | Path, *, direction: str = "cip-soc") -> pd.DataFrame:
    """Read the NCES CIP 2020 ↔ SOC 2018 crosswalk into ``cip, cip_title, soc, soc_title, matched,
    source_file, source_row`` (rows in the file's order).

    ``direction`` picks the sheet: ``"cip-soc"`` (CIP first, the default) or ``"soc-cip"``. For a CSV
    the direction is the file's column order and the argument is not used. Titles lose their trailing
    period. A ``99.9999`` / ``99-9999`` "NO MATCH" code becomes ``<NA>`` with ``matched`` false. The
    chosen sheet's name is in ``attrs["sheet"]``. Raises :class:`InputError` listing every problem.
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}, got {direction!r}")
    shown = display_name(path)
    p = Path(path)
    if not p.is_file():
        raise InputError([Problem(shown, None, None, "file not found")])
    with p.open("rb") as fh:
        workbook = fh.read(4) == b"PK\x03\x04"
    hints = [h for k, v in _ALIASES.items() for h in (k, *v)]
    sheet = _pick_sheet(p, shown, direction) if workbook else None
    table = read_raw(p, sheet=sheet, hints=hints)
    table = RawTable(table.frame, table.rows, shown, table.header_row)
    if {header_key(c) for c in table.frame.columns} & _OLD:
        msg = f"this is the CIP 2010 / SOC 2010 crosswalk: use the CIP 2020 / SOC 2018 one ({_LAYOUT})"
        raise InputError([Problem(shown, table.header_row, None, msg)])
    found, problems = match_columns(table, _ALIASES, list(_ALIASES))
    if problems:
        raise InputError(
            [Problem(p_.file, p_.row, p_.column, f"{p_.message} ({_LAYOUT} layout)") for p_ in problems]
        )
    out = _tidy(table, found, problems)
    if problems:
        problems.sort(key=lambda x: x.row or 0)
        raise InputError(problems)
    out.attrs["sheet"] = sheet
    return out


def read_soc_cip_crosswalk(path: str | Path) -> pd.DataFrame:
    """:func:`read_cip_soc_crosswalk` on the SOC-first sheet (``direction="soc-cip"``)."""
    return read_cip_soc_crosswalk(path, direction="soc-cip")


def _tidy(table: RawTable, found: dict[str, str], problems: list[Problem]) -> pd.DataFrame:
    raw, rows, file = table.frame, table.rows, table.file
    out = pd.DataFrame(index=raw.index)
    codes = {}
    for kind, normalize, form, no_match in (
        ("cip", normalize_cip_series, "a CIP code NN.NNNN such as 01.0000", NO_MATCH_CIP),
        ("soc", normalize_soc_series, "a SOC code NN-NNNN such as 19-1011", NO_MATCH_SOC),
    ):
        written = as_text(raw[found[kind]])
        code = normalize(written)
        bad = code.isna()
        for i in np.flatnonzero(bad.to_numpy()):
            value = written.iat[i]
            got = f"got {value!r}" if pd.notna(value) else "the cell is empty"
            msg = f"expected {form} (or {no_match} for NO MATCH), {got} ({_LAYOUT})"
            problems.append(Problem(file, int(rows.iat[i]), found[kind], msg))
        codes[kind] = code
    no_cip = codes["cip"].eq(NO_MATCH_CIP).fillna(False)
    no_soc = codes["soc"].eq(NO_MATCH_SOC).fillna(False)
    both = no_cip & no_soc
    for i in np.flatnonzero(both.to_numpy()):
        msg = f"both codes are NO MATCH ({NO_MATCH_CIP} and {NO_MATCH_SOC}): the row says nothing"
        problems.append(Problem(file, int(rows.iat[i]), None, msg))
    out["cip"] = codes["cip"].mask(no_cip)
    out["cip_title"] = _title(raw[found["cip_title"]]).mask(no_cip)
    out["soc"] = codes["soc"].mask(no_soc)
    out["soc_title"] = _title(raw[found["soc_title"]]).mask(no_soc)
    out["matched"] = (~(no_cip | no_soc)).astype(bool)
    out["source_file"] = pd.Series(file, index=raw.index, dtype="string")
    out["source_row"] = rows.astype("int64")
    return out[CROSSWALK_COLUMNS].reset_index(drop=True)


def _title(values: pd.Series) -> pd.Series:
    return as_text(values).str.replace(r"\s+", " ", regex=True).str.replace(r"\s*\.+$", "", regex=True)


def cip_soc_links(crosswalk: pd.DataFrame) -> pd.DataFrame:
    """The matched CIP → SOC pairs of a crosswalk as ``cip, soc`` (``string``), like
    :func:`alignment.reference.load_cip_soc`: unique, sorted, unmatched rows dropped.

    >>> xw = pd.DataFrame({"cip": ["51.3801", "51.3801", "01.0508", None],
    ...     "soc": ["29-1141", "25-1072", None, "25-3041"], "matched": [True, True, False, False]})
    >>> cip_soc_links(xw).values.tolist()
    [['51.3801', '25-1072'], ['51.3801', '29-1141']]
    """
    rows = crosswalk
    if "matched" in rows.columns:
        rows = rows[rows["matched"].astype(bool)]
    links = rows[["cip", "soc"]].dropna().astype("string").drop_duplicates()
    return links.sort_values(["cip", "soc"], kind="stable").reset_index(drop=True)
