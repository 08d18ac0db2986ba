"""Read the BLS 2018 Standard Occupational Classification (SOC): the structure and the definitions workbooks.

Two BLS layouts, each recognized by its header row wherever it sits below the title lines:

=====================================  ===============================================================
layout                                 header
=====================================  ===============================================================
structure (``soc_structure_2018``)     ``Major Group | Minor Group | Broad Group | Detailed Occupation |``
                                       (title column unlabeled); the column holding the code gives the
                                       level
definitions (``soc_2018_definitions``)  ``SOC Group | SOC Code | SOC Title | SOC Definition``
=====================================  ===============================================================

Codes are written ``NN-NNNN``. The groups a code belongs to are read from the file's order (the
structure lists each group before its members), not from code prefixes: a minor group is not a prefix of
fixed length (``15-1252`` is in ``15-1200``, ``11-1011`` in ``11-1000``), and a broad group need not be the
code with its last digit zeroed (the physicians ``29-1221`` … ``29-1229`` are in broad group ``29-1210``).
A member is checked against its groups: same major group (first two digits), and the broad group shares
its first five characters (``29-12``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..codes import normalize_soc
from ..errors import InputError, Problem
from ._tabular import RawTable, as_text, header_key, read_raw

__all__ = ["LEVELS", "STRUCTURE_COLUMNS", "DEFINITION_COLUMNS", "read_soc_definitions", "read_soc_structure"]

LEVELS = ("major", "minor", "broad", "detailed")
STRUCTURE_COLUMNS = ["soc", "level", "title", "major", "minor", "broad", "source_file", "source_row"]
DEFINITION_COLUMNS = ["soc", "level", "title", "definition", "source_file", "source_row"]

_STRUCTURE_HEADERS = {
    "major": "Major Group",
    "minor": "Minor Group",
    "broad": "Broad Group",
    "detailed": "Detailed Occupation",
}
_DEFINITION_HEADERS = ["SOC Group", "SOC Code", "SOC Title", "SOC Definition"]
#: The shape a code must have at each level.
_SHAPE = {
    "major": re.compile(r"^\d{2}-0000$"),
    "minor": re.compile(r"^\d{2}-\d000$|^\d{2}-\d{2}00$"),
    "broad": re.compile(r"^\d{2}-\d{3}0$"),
    "detailed": re.compile(r"^\d{2}-\d{4}$"),
}
_SHAPE_TEXT = {"major": "NN-0000", "minor": "NN-N000 or NN-NN00", "broad": "NN-NNN0", "detailed": "NN-NNNN"}


def _code(cell: str, level: str) -> str | None:
    """A SOC code of ``level`` from a cell, or None.

    >>> _code("15-1252", "detailed"), _code("151250", "broad"), _code("15-1252", "broad")
    ('15-1252', '15-1250', None)
    """
    soc = normalize_soc(cell)
    return soc if soc is not None and _SHAPE[level].match(soc) else None


def _header_of(table: RawTable, wanted: str) -> str | None:
    return next((c for c in table.frame.columns if header_key(c) == header_key(wanted)), None)


def _not_found(table: RawTable, layout: str, expected: list[str]) -> InputError:
    msg = (
        f"not a BLS SOC {layout} file: no header row with {', '.join(map(repr, expected))} "
        f"in the first rows; header read: {', '.join(map(str, table.frame.columns))}"
    )
    return InputError([Problem(table.file, None, None, msg)])


def read_soc_structure(path: str | Path, *, sheet: str | int | None = None) -> pd.DataFrame:
    """Read BLS ``soc_structure_2018.xlsx`` (or a CSV in its layout) into one row per SOC code.

    Columns ``STRUCTURE_COLUMNS``: ``soc``, ``level`` (``major``/``minor``/``broad``/``detailed``, from the
    column that holds the code), ``title``, and the codes of the ``major``, ``minor`` and ``broad`` groups
    the code belongs to (its own code at its own level, ``<NA>`` below it). Every problem (a row with no
    code or two codes, a code of the wrong shape for its column, no title) is collected into one
    :class:`InputError`.
    """
    table = read_raw(path, sheet=sheet, hints=_STRUCTURE_HEADERS.values())
    columns = {level: _header_of(table, h) for level, h in _STRUCTURE_HEADERS.items()}
    if any(c is None for c in columns.values()):
        raise _not_found(table, "structure", list(_STRUCTURE_HEADERS.values()))
    others = [c for c in table.frame.columns if c not in columns.values()]
    filled = [c for c in others if as_text(table.frame[c]).notna().any()]
    if not filled:
        msg = "no title column: expected the occupation titles in the column after 'Detailed Occupation'"
        raise InputError([Problem(table.file, table.header_row, None, msg)])
    title_col = filled[0]
    problems: list[Problem] = []
    records: list[tuple[str, str, str | None, int]] = []
    cells = {level: as_text(table.frame[c]) for level, c in columns.items()}
    titles = as_text(table.frame[title_col])
    for i in range(len(table.frame)):
        row = int(table.rows.iat[i])
        present = [lv for lv in LEVELS if not pd.isna(cells[lv].iat[i])]
        if len(present) != 1:
            what = "no code" if not present else f"codes in {len(present)} columns"
            msg = f"expected exactly one SOC code in the columns {', '.join(_STRUCTURE_HEADERS.values())}, got {what}"
            problems.append(Problem(table.file, row, None, msg))
            continue
        level = present[0]
        raw = str(cells[level].iat[i])
        soc = _code(raw, level)
        if soc is None:
            msg = f"expected a {level} SOC code {_SHAPE_TEXT[level]}, got {raw!r}"
            problems.append(Problem(table.file, row, columns[level], msg))
            continue
        title = titles.iat[i]
        if pd.isna(title):
            problems.append(
                Problem(table.file, row, title_col, "a title is required here but the cell is empty")
            )
        records.append((soc, level, None if pd.isna(title) else str(title), row))
    df = pd.DataFrame(records, columns=["soc", "level", "title", "source_row"])
    problems.extend(_repeated(df, table.file))
    if problems:
        raise InputError(problems)
    return _with_groups(df, table.file)


def _repeated(df: pd.DataFrame, file: str) -> list[Problem]:
    dup = df[df["soc"].duplicated(keep="first")]
    return [
        Problem(file, int(r.source_row), None, f"SOC code {r.soc} appears more than once")
        for r in dup.itertuples()
    ]


def _with_groups(df: pd.DataFrame, file: str) -> pd.DataFrame:
    """Add the major, minor and broad group of each code, carried down in file order, and check them."""
    problems: list[Problem] = []
    groups: dict[str, str | None] = {"major": None, "minor": None, "broad": None}
    rows: list[dict[str, str | None]] = []
    for r in df.itertuples(index=False):
        rank = LEVELS.index(r.level)
        if r.level != "detailed":
            groups[r.level] = r.soc
            for lower in LEVELS[rank + 1 : 3]:
                groups[lower] = None
        own = {lv: (groups[lv] if i <= rank else None) for i, lv in enumerate(LEVELS[:3])}
        for i, lv in enumerate(LEVELS[:3]):
            parent = own[lv]
            if i >= rank and r.level != "detailed":
                continue
            if parent is None:
                msg = f"SOC code {r.soc} ({r.level}) comes before any {lv} group: rows out of hierarchy order"
                problems.append(Problem(file, int(r.source_row), None, msg))
            elif not r.soc.startswith(parent[: 5 if lv == "broad" else 2]):
                msg = f"SOC code {r.soc} ({r.level}) is listed under {lv} group {parent}: rows out of hierarchy order"
                problems.append(Problem(file, int(r.source_row), None, msg))
        rows.append(own)
    if problems:
        raise InputError(problems)
    out = pd.DataFrame(
        {
            "soc": df["soc"].to_numpy(),
            "level": df["level"].to_numpy(),
            "title": df["title"].to_numpy(),
        }
    ).astype("string")
    groups_df = pd.DataFrame(rows, columns=["major", "minor", "broad"], index=out.index).astype("string")
    out = pd.concat([out, groups_df], axis=1)
    out["source_file"] = pd.Series(file, index=out.index, dtype="string")
    out["source_row"] = df["source_row"].astype("int64").to_numpy()
    return out[STRUCTURE_COLUMNS]


def read_soc_definitions(path: str | Path, *, sheet: str | int | None = None) -> pd.DataFrame:
    """Read BLS ``soc_2018_definitions.xlsx`` (or a CSV in its layout): one row per SOC code.

    Columns ``DEFINITION_COLUMNS``: ``soc``, ``level`` (the ``SOC Group`` word in lower case), ``title``,
    ``definition`` (``<NA>`` above the detailed level, where BLS gives none).
    """
    table = read_raw(path, sheet=sheet, hints=_DEFINITION_HEADERS)
    cols = {h: _header_of(table, h) for h in _DEFINITION_HEADERS}
    if any(cols[h] is None for h in _DEFINITION_HEADERS[:3]):
        raise _not_found(table, "definitions", _DEFINITION_HEADERS)
    group = as_text(table.frame[cols["SOC Group"]]).str.lower()
    raw = as_text(table.frame[cols["SOC Code"]])
    title = as_text(table.frame[cols["SOC Title"]])
    definition = (
        as_text(table.frame[cols["SOC Definition"]]) if cols["SOC Definition"] else title.where(False)
    )
    problems: list[Problem] = []
    socs: list[str | None] = []
    for i in range(len(table.frame)):
        row = int(table.rows.iat[i])
        level = group.iat[i]
        if pd.isna(level) or level not in LEVELS:
            msg = f"expected one of Major, Minor, Broad, Detailed, got {None if pd.isna(level) else level!r}"
            problems.append(Problem(table.file, row, cols["SOC Group"], msg))
            socs.append(None)
            continue
        soc = None if pd.isna(raw.iat[i]) else _code(str(raw.iat[i]), level)
        if soc is None:
            shown = None if pd.isna(raw.iat[i]) else str(raw.iat[i])
            msg = f"expected a {level} SOC code {_SHAPE_TEXT[level]}, got {shown!r}"
            problems.append(Problem(table.file, row, cols["SOC Code"], msg))
        if pd.isna(title.iat[i]):
            problems.append(
                Problem(table.file, row, cols["SOC Title"], "a title is required here but the cell is empty")
            )
        socs.append(soc)
    out = pd.DataFrame(
        {
            "soc": pd.array(socs, dtype="string"),
            "level": group.to_numpy(),
            "title": title.to_numpy(),
            "definition": definition.to_numpy(),
        }
    ).astype("string")
    out["source_file"] = pd.Series(table.file, index=out.index, dtype="string")
    out["source_row"] = table.rows.astype("int64").to_numpy()
    problems.extend(_repeated(out.dropna(subset=["soc"]), table.file))
    if problems:
        raise InputError(problems)
    return out[DEFINITION_COLUMNS]
