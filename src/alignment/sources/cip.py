"""Read the NCES CIP 2020 code list and the NCES CIP 2010 → 2020 crosswalk; migrate CIP 2010 codes.

Both NCES files write codes as Excel text formulas (``="01"``, ``="01.00"``, ``="01.0000"``); the
wrapper is removed and the code kept at its level: a 2-digit family ``NN``, a 4-digit series
``NN.NN`` or a 6-digit program ``NN.NNNN``. A family that lost its leading zero (``1``, ``1.01``)
gets it back. The layout is recognised from the header, never from the file name:

==========================  ================================================================
layout                      header (compared ignoring case, spaces and punctuation)
==========================  ================================================================
CIP 2020 code list          ``CIPFamily, CIPCode, Action, TextChange, CIPTitle, CIPDefinition,
                            CrossReferences, Examples``
CIP 2010 → 2020 crosswalk   ``CIPCode2010, CIPTitle2010, Action, Text change, CIPCode2020,
                            CIPTitle2020``
==========================  ================================================================

Rules (see ``docs/data-sources.md``, "NCES CIP 2020 code list"):

* ``action`` is NCES's word for what happened to the code in the 2020 revision: ``No substantive
  changes``, ``New``, ``Moved to`` (the row is the code's new 2020 home), ``Moved from`` (the row is
  the old 2010 code, its definition reads ``Moved from 51.2401 to 01.8001``) and ``Deleted``.
  ``current`` is true for the first three, false for ``Moved from`` and ``Deleted``;
* titles lose their trailing period (``Agriculture, General.`` → ``Agriculture, General``); family
  titles stay upper case as NCES writes them;
* ``examples`` lists the example program names NCES gives (``Examples: - Welder, - Welding``
  → ``Welder; Welding``), used by :mod:`alignment.suggest`.

:func:`migrate_cip` turns codes that may be CIP 2010 into CIP 2020 codes; its rule for a code
that cannot be moved automatically is in its docstring.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..codes import clean_text, normalize_cip
from ..errors import InputError, Problem
from ._tabular import RawTable, as_text, header_key, match_columns, read_raw

__all__ = [
    "ACTIONS",
    "CIP_LIST_COLUMNS",
    "CROSSWALK_COLUMNS",
    "MIGRATION_COLUMNS",
    "current_cips",
    "migrate_cip",
    "parse_cip_code",
    "read_cip_crosswalk_2010_2020",
    "read_cip_list",
]

#: NCES action words, and whether a code with that action is a current CIP 2020 code.
ACTIONS: dict[str, bool] = {
    "No substantive changes": True,
    "New": True,
    "Moved to": True,
    "Moved from": False,
    "Deleted": False,
}

CIP_LIST_COLUMNS = [
    "cip",
    "cip_level",
    "family",
    "title",
    "definition",
    "examples",
    "action",
    "text_change",
    "current",
    "source_file",
    "source_row",
]
CROSSWALK_COLUMNS = [
    "cip_2010",
    "title_2010",
    "action",
    "text_change",
    "cip_2020",
    "title_2020",
    "report_under",
    "source_file",
    "source_row",
]
MIGRATION_COLUMNS = ["cip_input", "cip", "migrated", "ambiguous", "candidates", "note"]

_LIST_ALIASES: dict[str, tuple[str, ...]] = {
    "family": ("CIPFamily", "cip_family"),
    "cip": ("CIPCode", "cip_code", "CIPCode2020"),
    "action": ("Action",),
    "text_change": ("TextChange", "Text change"),
    "title": ("CIPTitle", "cip_title", "CIPTitle2020"),
    "definition": ("CIPDefinition", "cip_definition"),
    "examples": ("Examples",),
}
_CROSSWALK_ALIASES: dict[str, tuple[str, ...]] = {
    "cip_2010": ("CIPCode2010",),
    "title_2010": ("CIPTitle2010",),
    "action": ("Action",),
    "text_change": ("TextChange", "Text change"),
    "cip_2020": ("CIPCode2020",),
    "title_2020": ("CIPTitle2020",),
}
_CODE = re.compile(r"^(\d{1,2})(?:\.(\d{2}|\d{4}))?$")
_REPORT_UNDER = re.compile(r"report under\s+([\d.]+?)\.?\s*$", re.IGNORECASE)
_YES_NO = {"yes": True, "y": True, "no": False, "n": False}
CODE_FORM = "a CIP code NN, NN.NN or NN.NNNN (such as 01, 01.01 or 01.0101)"


def parse_cip_code(value: object) -> str | None:
    """A CIP code kept at its level (family ``NN``, series ``NN.NN``, program ``NN.NNNN``), or ``None``.

    The NCES ``="01.0000"`` wrapper is removed and a family that lost its leading zero is padded.

    >>> [parse_cip_code(v) for v in ['="01"', '="01.00"', '="01.0000"', "1.0101", "51.3801"]]
    ['01', '01.00', '01.0000', '01.0101', '51.3801']
    >>> [parse_cip_code(v) for v in ["51.380", "5138", "", None, "x"]]
    [None, None, None, None, None]
    """
    text = clean_text(value) if isinstance(value, str) or value is None else None
    if text is None:
        return None
    m = _CODE.match(text)
    if not m:
        return None
    family = m.group(1).zfill(2)
    return family if m.group(2) is None else f"{family}.{m.group(2)}"


def _codes(values: pd.Series) -> pd.Series:
    """:func:`parse_cip_code` on every distinct cell (``string`` Series, ``<NA>`` where it failed)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = pd.array([parse_cip_code(v) for v in uniques] + [None], dtype="string")
    return pd.Series(mapped.take(codes), index=values.index, dtype="string")


def _clean_title(values: pd.Series) -> pd.Series:
    """Titles stripped, inner runs of spaces made one, trailing periods removed."""
    text = as_text(values).str.replace(r"\s+", " ", regex=True).str.replace(r"\s*\.+$", "", regex=True)
    return text.mask(text.eq("").fillna(False))


def _examples(values: pd.Series) -> pd.Series:
    """NCES examples ``Examples: - A, - B`` as ``A; B``.

    >>> _examples(pd.Series(["Examples: - Welder, - Welding Technician", None])).tolist()
    ['Welder; Welding Technician', <NA>]
    """
    text = as_text(values).str.replace(r"^\s*Examples?:\s*", "", regex=True)
    parts = text.str.split(r"(?:^|,)\s*-\s+", regex=True)
    joined = parts.map(
        lambda p: "; ".join(s.strip() for s in p if s and s.strip()) if isinstance(p, list) else None
    )
    joined = joined.astype("string")
    return joined.mask(joined.eq("").fillna(False))


def _yes_no(values: pd.Series) -> pd.Series:
    text = as_text(values).str.lower()
    return text.map(_YES_NO).astype("boolean")


def _read(path: str | Path, aliases: dict[str, tuple[str, ...]]) -> RawTable:
    return read_raw(path, hints=[h for k, v in aliases.items() for h in (k, *v)])


def _headers(table: RawTable) -> set[str]:
    return {header_key(c) for c in table.frame.columns}


def _code_problems(
    table: RawTable, codes: pd.Series, raw: pd.Series, header: str, problems: list[Problem]
) -> None:
    bad = codes.isna() & as_text(raw).notna()
    for i in np.flatnonzero(bad.to_numpy()):
        problems.append(
            Problem(table.file, int(table.rows.iat[i]), header, f"expected {CODE_FORM}, got {raw.iat[i]!r}")
        )


def read_cip_list(path: str | Path) -> pd.DataFrame:
    """Read the NCES CIP 2020 code list (``CIPCode2020.csv``, or the same columns in an .xlsx).

    Columns: ``cip`` (``NN`` / ``NN.NN`` / ``NN.NNNN``), ``cip_level`` (2, 4, 6), ``family`` (``NN``),
    ``title`` (no trailing period), ``definition``, ``examples`` (``A; B``), ``action`` (as NCES
    writes it), ``text_change`` (boolean), ``current`` (false for ``Moved from`` and ``Deleted``),
    ``source_file``, ``source_row``. Rows keep the file order. Raises :class:`InputError` listing
    every problem (unknown layout, a code or action that cannot be read, a repeated code).
    """
    layout = "NCES CIP 2020 code list"
    table = _read(path, _LIST_ALIASES)
    keys = _headers(table)
    if {"cipcode2010", "cipcode2020"} <= keys:
        msg = (
            "this is the NCES CIP 2010 -> 2020 crosswalk, not the CIP 2020 code list "
            "(read it with read_cip_crosswalk_2010_2020)"
        )
        raise InputError([Problem(table.file, table.header_row, None, msg)])
    found, problems = match_columns(table, _LIST_ALIASES, ["cip", "title"])
    if problems:
        raise InputError(
            [Problem(p.file, p.row, p.column, f"{p.message} ({layout} layout)") for p in problems]
        )
    raw = table.frame
    rows = table.rows
    file = table.file

    def col(name: str) -> pd.Series:
        if name in found:
            return raw[found[name]]
        return pd.Series(pd.NA, index=raw.index, dtype="string")

    out = pd.DataFrame(index=raw.index)
    cip = _codes(col("cip"))
    _code_problems(table, cip, col("cip"), found["cip"], problems)
    for i in np.flatnonzero(as_text(col("cip")).isna().to_numpy()):
        problems.append(
            Problem(file, int(rows.iat[i]), found["cip"], f"expected {CODE_FORM}; the cell is empty")
        )
    out["cip"] = cip
    out["cip_level"] = cip.str.replace(".", "", regex=False).str.len().astype("Int64")
    family = cip.str.slice(0, 2)
    if "family" in found:
        written = _codes(col("family"))
        differs = written.notna() & family.notna() & (written != family)
        for i in np.flatnonzero(differs.fillna(False).to_numpy()):
            msg = (
                f"family {written.iat[i]!r} does not match code {cip.iat[i]!r} (the code's first two digits)"
            )
            problems.append(Problem(file, int(rows.iat[i]), found["family"], msg))
    out["family"] = family
    title = _clean_title(col("title"))
    for i in np.flatnonzero(title.isna().to_numpy()):
        problems.append(
            Problem(file, int(rows.iat[i]), found["title"], "a CIP title is required; the cell is empty")
        )
    out["title"] = title
    out["definition"] = as_text(col("definition")).str.replace(r"\s+", " ", regex=True)
    out["examples"] = _examples(col("examples"))
    action = as_text(col("action"))
    if "action" in found:
        bad = action.notna() & ~action.isin(list(ACTIONS))
        for i in np.flatnonzero(bad.to_numpy()):
            msg = f"expected one of {', '.join(ACTIONS)} ({layout}), got {action.iat[i]!r}"
            problems.append(Problem(file, int(rows.iat[i]), found["action"], msg))
    out["action"] = action
    out["text_change"] = _yes_no(col("text_change"))
    out["current"] = action.map(ACTIONS).fillna(True).astype(bool)
    out["source_file"] = pd.Series(file, index=raw.index, dtype="string")
    out["source_row"] = rows.astype("int64")
    repeated = cip.notna() & cip.duplicated(keep="first")
    for i in np.flatnonzero(repeated.to_numpy()):
        first = int(rows[(cip == cip.iat[i]).fillna(False).to_numpy(dtype=bool)].iat[0])
        msg = f"code {cip.iat[i]!r} is listed twice (first at row {first})"
        problems.append(Problem(file, int(rows.iat[i]), found["cip"], msg))
    if not problems and len(out) == 0:
        problems.append(Problem(file, None, None, "the file has a header but no data rows"))
    if problems:
        problems.sort(key=lambda p: p.row or 0)
        raise InputError(problems)
    return out[CIP_LIST_COLUMNS].reset_index(drop=True)


def read_cip_crosswalk_2010_2020(path: str | Path) -> pd.DataFrame:
    """Read the NCES CIP 2010 → 2020 crosswalk (``Crosswalk2010to2020.csv``).

    Columns: ``cip_2010`` (``<NA>`` for a new 2020 code), ``title_2010``, ``action``,
    ``text_change``, ``cip_2020`` (``<NA>`` when the code was deleted), ``title_2020``
    (``<NA>`` when deleted), ``report_under`` (the code NCES names in ``Deleted, report under
    45.1103``: a code of any level, else ``<NA>``), ``source_file``, ``source_row``.
    """
    layout = "NCES CIP 2010 -> 2020 crosswalk"
    table = _read(path, _CROSSWALK_ALIASES)
    required = ["cip_2010", "action", "cip_2020", "title_2020"]
    found, problems = match_columns(table, _CROSSWALK_ALIASES, required)
    if problems:
        raise InputError(
            [Problem(p.file, p.row, p.column, f"{p.message} ({layout} layout)") for p in problems]
        )
    raw, rows, file = table.frame, table.rows, table.file

    def col(name: str) -> pd.Series:
        if name in found:
            return raw[found[name]]
        return pd.Series(pd.NA, index=raw.index, dtype="string")

    action = as_text(col("action"))
    bad = ~action.isin([a for a in ACTIONS if a != "Moved from"])
    for i in np.flatnonzero(bad.to_numpy()):
        expected = ", ".join(a for a in ACTIONS if a != "Moved from")
        msg = f"expected one of {expected} ({layout}), got {action.iat[i]!r}"
        problems.append(Problem(file, int(rows.iat[i]), found["action"], msg))
    deleted = action.eq("Deleted").fillna(False)
    new = action.eq("New").fillna(False)
    out = pd.DataFrame(index=raw.index)
    c2010 = _codes(col("cip_2010"))
    c2020 = _codes(col("cip_2020"))
    _code_problems(table, c2010, col("cip_2010"), found["cip_2010"], problems)
    _code_problems(table, c2020, col("cip_2020"), found["cip_2020"], problems)
    for i in np.flatnonzero((c2010.isna() & ~new & as_text(col("cip_2010")).isna()).to_numpy()):
        msg = f"expected the CIP 2010 code (empty only for action New), got an empty cell ({layout})"
        problems.append(Problem(file, int(rows.iat[i]), found["cip_2010"], msg))
    for i in np.flatnonzero((c2020.isna() & ~deleted & as_text(col("cip_2020")).isna()).to_numpy()):
        msg = f"expected the CIP 2020 code (empty only for action Deleted), got an empty cell ({layout})"
        problems.append(Problem(file, int(rows.iat[i]), found["cip_2020"], msg))
    title_2020_raw = as_text(col("title_2020"))
    out["cip_2010"] = c2010
    out["title_2010"] = _clean_title(col("title_2010"))
    out["action"] = action
    out["text_change"] = _yes_no(col("text_change"))
    out["cip_2020"] = c2020.mask(deleted)
    out["title_2020"] = _clean_title(col("title_2020")).mask(deleted)
    under = title_2020_raw.where(deleted).str.extract(_REPORT_UNDER, expand=False)
    out["report_under"] = _codes(under.astype("string"))
    out["source_file"] = pd.Series(file, index=raw.index, dtype="string")
    out["source_row"] = rows.astype("int64")
    if problems:
        problems.sort(key=lambda p: p.row or 0)
        raise InputError(problems)
    return out[CROSSWALK_COLUMNS].reset_index(drop=True)


def current_cips(cip_list: pd.DataFrame, level: int | None = 6) -> set[str]:
    """The current CIP 2020 codes of a :func:`read_cip_list` table (``level`` 2, 4, 6 or ``None`` for all).

    A table without ``current`` / ``cip_level`` columns counts every code of the right shape.
    """
    rows = cip_list
    if "current" in rows.columns:
        rows = rows[rows["current"].astype(bool)]
    codes = rows["cip"].dropna().astype(str)
    if level is not None:
        digits = codes.str.replace(".", "", regex=False).str.len()
        codes = codes[digits == level]
    return set(codes)


def migrate_cip(
    cips: pd.Series, crosswalk: pd.DataFrame, *, cip_list: pd.DataFrame | None = None
) -> pd.DataFrame:
    """CIP 2020 codes for codes that may be CIP 2010, one row per input value (same index).

    Columns: ``cip_input`` (the input normalized to ``NN.NNNN``, ``<NA>`` if it is not a CIP code),
    ``cip`` (the CIP 2020 code, ``<NA>`` when there is none or the choice is the user's),
    ``migrated`` (the code was changed), ``ambiguous`` (the user must choose among ``candidates``),
    ``candidates`` (CIP 2020 codes, ``;``-separated), ``note`` (a sentence; ``<NA>`` when nothing
    happened). The rule, per input code:

    * a valid CIP 2020 code (a current 2020 code of the crosswalk, or of ``cip_list`` when given —
      the list may be newer than the crosswalk) is kept, never migrated, even if the same number meant
      something else in 2010;
    * a 2010 code that NCES moved to exactly one 2020 code becomes that code (``migrated``);
    * a 2010 code NCES deleted and told to "report under" one 6-digit code becomes that code
      (``migrated``, the note says so); deleted with a 2- or 4-digit pointer (``report under 61``)
      or with none, ``cip`` is ``<NA>``;
    * a 2010 code linked to several 2020 codes (a split; the NCES file has none, a user crosswalk
      may) is never resolved silently: ``cip`` is ``<NA>``, ``ambiguous`` is true and every
      candidate is listed, for the user's mapping file;
    * anything else (not a CIP code, or a code in neither revision) gets ``<NA>`` and a note.

    >>> xw = pd.DataFrame({"cip_2010": ["51.2401", "51.3801", "60.0406", None],
    ...     "action": ["Moved to", "No substantive changes", "Deleted", "New"],
    ...     "cip_2020": ["01.8001", "51.3801", None, "49.0109"],
    ...     "report_under": [None, None, "61.0903", None]})
    >>> m = migrate_cip(pd.Series(["51.2401", "513801", "60.0406", "99.1234"]), xw)
    >>> m[["cip", "migrated"]].values.tolist()
    [['01.8001', True], ['51.3801', False], ['61.0903', True], [<NA>, False]]
    >>> print(m["note"].iat[0])
    CIP 2010 51.2401 moved to 01.8001 in CIP 2020
    """
    missing = [c for c in ("cip_2010", "action", "cip_2020") if c not in crosswalk.columns]
    if missing:
        raise ValueError(
            f"the crosswalk lacks column(s) {', '.join(missing)} (see read_cip_crosswalk_2010_2020)"
        )
    xw = crosswalk
    action = xw["action"].astype("string")
    deleted = action.eq("Deleted").fillna(False).to_numpy()
    valid = set(xw.loc[~deleted, "cip_2020"].dropna().astype(str))
    valid = {c for c in valid if len(c) == 7}
    if cip_list is not None:
        valid |= current_cips(cip_list)
    under = xw["report_under"] if "report_under" in xw.columns else pd.Series(pd.NA, index=xw.index)
    targets: dict[str, list[str]] = {}
    pointers: dict[str, str | None] = {}
    for c10, c20, gone, ptr in zip(xw["cip_2010"], xw["cip_2020"], deleted, under, strict=True):
        if pd.isna(c10):
            continue
        c10 = str(c10)
        if gone:
            pointers[c10] = None if pd.isna(ptr) else str(ptr)
        elif pd.notna(c20) and str(c20) not in targets.setdefault(c10, []):
            targets[c10].append(str(c20))

    def one(code: str | None) -> tuple[str | None, bool, bool, str | None, str | None]:
        if code is None:
            return None, False, False, None, "not a CIP code"
        if code in valid:
            return code, False, False, None, None
        if code in targets and targets[code]:
            found = targets[code]
            if len(found) == 1:
                return found[0], True, False, found[0], f"CIP 2010 {code} moved to {found[0]} in CIP 2020"
            listed = ", ".join(found)
            note = (
                f"CIP 2010 {code} was split into {len(found)} CIP 2020 codes ({listed}); "
                "none is chosen: pick one in the mapping file"
            )
            return None, False, True, "; ".join(found), note
        if code in pointers:
            ptr = pointers[code]
            if ptr is not None and len(ptr) == 7:
                note = f"CIP 2010 {code} was deleted in CIP 2020; NCES says report under {ptr}"
                return ptr, True, False, ptr, note
            where = f"; NCES says report under {ptr} (not a 6-digit code)" if ptr else ""
            return None, False, False, None, f"CIP 2010 {code} was deleted in CIP 2020{where}"
        return (
            None,
            False,
            False,
            None,
            f"{code} is neither a CIP 2020 code nor a CIP 2010 code of the crosswalk",
        )

    values = pd.Series(cips)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    normalized = [normalize_cip(v) for v in uniques]
    results = [one(c) for c in normalized] + [(None, False, False, None, "the cell is empty")]
    normalized.append(None)
    take = np.asarray(codes)

    def column(i: int | None, dtype: str) -> pd.array:
        items = normalized if i is None else [r[i] for r in results]
        return pd.array(items, dtype=dtype).take(take)

    out = pd.DataFrame(
        {
            "cip_input": column(None, "string"),
            "cip": column(0, "string"),
            "migrated": np.asarray(column(1, "boolean"), dtype=bool),
            "ambiguous": np.asarray(column(2, "boolean"), dtype=bool),
            "candidates": column(3, "string"),
            "note": column(4, "string"),
        },
        index=values.index,
    )
    return out[MIGRATION_COLUMNS]
