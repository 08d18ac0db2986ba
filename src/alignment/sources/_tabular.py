"""Reading user tables (CSV or Excel) as text, matching their headers, parsing counts.

Shared by the readers in :mod:`alignment.sources`. Everything is read as text
(``string`` dtype) so codes keep their zeros; each data row keeps the line number
a user sees (:attr:`RawTable.rows`: header line = 1 when the header is the first
line). CSV files are decoded as UTF-8 (with or without a byte-order mark), UTF-16
with a byte-order mark (Excel's "Unicode text"), else cp1252, else Latin-1; the
delimiter (``,`` ``;`` tab ``|``) is sniffed. Title lines above the header are
skipped when header names are known (``hints``), and blank or one-cell note lines
after the last data row ("Source: ...") are dropped. In a workbook, a cell merged
down several rows gives its value to every row it spans; a workbook saved under a
``.csv`` name is read as the workbook it is. A gzip-compressed file (``.csv.gz``, or gzip bytes under any
name) is read as the file it holds. When no sheet is named, a workbook's first sheet whose header matches
the known names is read (a table on the second sheet behind a notes sheet is found), and a message about a
missing column names every sheet of the workbook.
"""

from __future__ import annotations

import codecs
import csv
import glob
import gzip
import io
import math
import re
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError, Problem, display_name
from ..schemas import validate_table

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
GZIP_MAGIC = b"\x1f\x8b"
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
_HEADER_SCAN = 30
_CHUNK_ROWS = 100_000


def header_key(name: object) -> str:
    """A header name reduced for matching: lower case, letters and digits only.

    >>> header_key(" School_Year "), header_key("CIP Code (2020)"), header_key("County-FIPS")
    ('schoolyear', 'cipcode2020', 'countyfips')
    """
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


@dataclass
class RawTable:
    """A user table read as text: ``frame`` has the headers as written, ``rows`` the user's line numbers."""

    frame: pd.DataFrame
    rows: pd.Series
    file: str
    header_row: int
    sheet: str | None = None  #: the sheet read, for a workbook
    sheets: tuple[str, ...] = ()  #: every sheet of the workbook, for messages

    def where(self) -> str:
        """``; the workbook's sheets: 'Notes', 'Data' (sheet read: 'Notes')`` for a workbook of several sheets."""
        if len(self.sheets) < 2:
            return ""
        return f"; the workbook's sheets: {', '.join(map(repr, self.sheets))} (sheet read: {self.sheet!r})"


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode file bytes as UTF-8 (BOM or not), UTF-16 (BOM), else cp1252, else Latin-1; return (text, encoding).

    >>> decode_text("año".encode("cp1252"))
    ('año', 'cp1252')
    >>> decode_text(b"\\xef\\xbb\\xbfa,b")
    ('a,b', 'utf-8-sig')
    >>> decode_text("a\\tb".encode("utf-16"))
    ('a\\tb', 'utf-16')
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8", "cp1252", "latin-1"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


def _excel_text(value: object) -> object:
    """An Excel cell as text: whole numbers without ``.0``, dates as ISO dates, empty as ``None``."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    if isinstance(value, datetime | date):
        return value.date().isoformat() if isinstance(value, datetime) else value.isoformat()
    text = str(value)
    return text if text.strip() else None


def _header_match(rows: list[list[object]], hints: set[str]) -> int | None:
    """Index of the first row whose cells match at least two known header names (``None``: no such row)."""
    need = min(2, len(hints))
    for i, cells in enumerate(rows[:_HEADER_SCAN]):
        keys = {header_key(c) for c in cells if c is not None and str(c).strip()}
        if len(keys & hints) >= need:
            return i
    return None


def _find_header(rows: list[list[object]], hints: set[str]) -> int:
    """Index of the first row whose cells match at least two known header names (else 0)."""
    if not hints:
        return 0
    found = _header_match(rows, hints)
    return 0 if found is None else found


def _drop_blank_and_notes(frame: pd.DataFrame, rows: pd.Series) -> tuple[pd.DataFrame, pd.Series]:
    """Drop blank rows anywhere and one-cell rows after the last row with two or more cells (notes)."""
    counts = np.zeros(len(frame), dtype=np.int32)
    for column in frame.columns:  # one column at a time: no second copy of the table
        text = frame[column].astype("string")
        counts += text.str.contains(r"\S", regex=True, na=False).to_numpy(dtype=bool)
    keep = counts > 0
    multi = np.flatnonzero(counts >= 2)
    if len(multi):
        last = multi[-1]
        keep[last + 1 :] &= counts[last + 1 :] >= 2
    if keep.all():
        return frame, rows
    return frame.loc[keep].reset_index(drop=True), rows.loc[keep].reset_index(drop=True)


def _unique_headers(names: list[object]) -> list[str]:
    """Headers as text, blank ones named ``column_<n>`` and repeats suffixed ``.1``, ``.2`` ..."""
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, name in enumerate(names, start=1):
        text = "" if name is None or pd.isna(name) else str(name).strip()
        text = text or f"column_{i}"
        if text in seen:
            seen[text] += 1
            text = f"{text}.{seen[text]}"
        else:
            seen[text] = 0
        out.append(text)
    return out


def detect_encoding(data: bytes) -> str:
    """The encoding :func:`decode_text` would pick, found without holding a decoded copy of the whole file.

    >>> detect_encoding("año".encode("cp1252")), detect_encoding(b"\\xef\\xbb\\xbfa"), detect_encoding(b"a,b")
    ('cp1252', 'utf-8-sig', 'utf-8')
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            data.decode("utf-16")
            return "utf-16"
        except UnicodeDecodeError:
            pass
    view = memoryview(data)
    step = 1 << 20
    for encoding in ("utf-8", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            for start in range(0, len(view), step):
                decoder.decode(view[start : start + step])
            decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError:
            continue
    return "latin-1"


def _read_csv(holder: list[bytes], name: str, hints: set[str]) -> RawTable:
    """The table of a text file; ``holder`` holds its bytes alone, so they are freed once parsed."""
    # pandas decodes the bytes itself: no decoded copy of a large file is held beside them
    data = holder.pop()
    encoding = detect_encoding(data)
    sample = data[: 1 << 16]
    if encoding == "utf-16":
        sample = sample[: len(sample) // 2 * 2]
    head = sample.decode(encoding, errors="ignore").splitlines()[:_HEADER_SCAN]
    try:
        sep = csv.Sniffer().sniff("\n".join(head[:10]), delimiters=",;\t|").delimiter
    except csv.Error:
        sep = ","
    header_index = _find_header([list(r) for r in csv.reader(head, delimiter=sep)], hints)
    try:
        # in chunks: the parser's Python strings of one chunk at a time, the table itself in Arrow strings
        chunks = pd.read_csv(
            io.BytesIO(data),
            encoding=encoding,
            sep=sep,
            skiprows=header_index,
            header=None,
            dtype="string",
            keep_default_na=False,
            na_values=[""],
            skip_blank_lines=False,
            chunksize=_CHUNK_ROWS,
        )
        with chunks:
            parts = list(chunks)
        del chunks, data
        frame = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
        del parts
    except pd.errors.EmptyDataError:
        raise InputError([Problem(name, None, None, "the file is empty")]) from None
    except (pd.errors.ParserError, UnicodeDecodeError) as e:
        raise InputError([Problem(name, None, None, f"cannot be read as a table ({e})")]) from None
    frame.columns = _unique_headers(list(frame.iloc[0])) if len(frame) else []
    frame = frame.iloc[1:].reset_index(drop=True)
    rows = pd.Series(range(header_index + 2, header_index + 2 + len(frame)), dtype="int64")
    frame, rows = _drop_blank_and_notes(frame, rows)
    release_memory()
    return RawTable(frame, rows, name, header_index + 1)


def release_memory() -> None:
    """Hand the memory Arrow keeps for reuse back to the system (after the temporaries of a large read)."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()


def _sheet_grid(sheet: object) -> list[list[object]]:
    """The cells of an openpyxl worksheet from A1, a cell merged down several rows filling each of them.

    Only the merged range's first column is filled, and only downward: a title or note merged across
    columns stays one cell (so it is still recognised as a title or a note).
    """
    grid = [list(row) for row in sheet.iter_rows(values_only=True)]
    for merged in sheet.merged_cells.ranges:
        if merged.max_row == merged.min_row or merged.min_row > len(grid):
            continue
        col = merged.min_col - 1
        value = grid[merged.min_row - 1][col]
        for r in range(merged.min_row, min(merged.max_row, len(grid))):
            grid[r][col] = value
    return grid


def _read_excel(data: bytes, name: str, sheet: str | int | None, hints: set[str]) -> RawTable:
    import openpyxl

    try:  # a file object: openpyxl would refuse a workbook saved under another suffix
        book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as e:  # openpyxl raises many kinds for a damaged workbook
        raise InputError(
            [Problem(name, None, None, f"cannot be opened as an Excel workbook ({e})")]
        ) from None
    try:
        names = book.sheetnames
        listed = ", ".join(map(repr, names))
        if isinstance(sheet, str) and sheet not in names:
            msg = f"no sheet named {sheet!r}; sheets: {listed}"
            raise InputError([Problem(name, None, None, msg)])
        if isinstance(sheet, int) and not 0 <= sheet < len(names):
            msg = f"no sheet number {sheet} (counting from 0); sheets: {listed}"
            raise InputError([Problem(name, None, None, msg)])
        if sheet is None:
            # the first sheet whose header matches the known names (else the first sheet)
            index, grid = 0, None
            for i, ws in enumerate(book.worksheets):
                candidate = _sheet_grid(ws)
                if i == 0:
                    grid = candidate
                if not hints:
                    break
                cells = [[_excel_text(v) for v in row] for row in candidate[:_HEADER_SCAN]]
                if _header_match(cells, hints) is not None:
                    index, grid = i, candidate
                    break
            sheet = index
        else:
            grid = _sheet_grid(book[sheet] if isinstance(sheet, str) else book.worksheets[sheet])
        title = sheet if isinstance(sheet, str) else names[sheet]
    finally:
        book.close()
    width = max((len(r) for r in grid), default=0)
    cells = pd.DataFrame([r + [None] * (width - len(r)) for r in grid], dtype=object).map(_excel_text)
    if cells.empty or not cells.notna().any().any():
        where = f" (sheets: {listed})" if len(names) > 1 else ""
        raise InputError([Problem(name, None, None, f"the sheet {title!r} is empty{where}")])
    header_index = _find_header(cells.values.tolist(), hints)
    frame = cells.iloc[header_index + 1 :].astype("string").reset_index(drop=True)
    frame.columns = _unique_headers(list(cells.iloc[header_index]))
    rows = pd.Series(range(header_index + 2, header_index + 2 + len(frame)), dtype="int64")
    frame, rows = _drop_blank_and_notes(frame, rows)
    return RawTable(frame, rows, name, header_index + 1, sheet=title, sheets=tuple(names))


def read_raw(path: str | Path, *, sheet: str | int | None = None, hints: Iterable[str] = ()) -> RawTable:
    """Read a CSV or Excel (.xlsx) file as text, locating the header row among known names ``hints``.

    Gzip-compressed files are decompressed first, whatever their name.
    """
    name = display_name(path)
    p = Path(path)
    if not p.is_file():
        raise InputError([Problem(name, None, None, "file not found")])
    keys = {header_key(h) for h in hints}
    suffixes = [x.lower() for x in p.suffixes]
    data = p.read_bytes()
    if data.startswith(GZIP_MAGIC):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            msg = (
                f"a gzip-compressed file that cannot be decompressed ({exc}); download it again, or give "
                "the uncompressed file"
            )
            raise InputError([Problem(name, None, None, msg)]) from None
        if suffixes and suffixes[-1] == ".gz":
            suffixes = suffixes[:-1]
    suffix = suffixes[-1] if suffixes else ""
    if suffix in EXCEL_SUFFIXES or data.startswith(b"PK\x03\x04"):  # a workbook, whatever its name
        return _read_excel(data, name, sheet, keys)
    if suffix == ".xls" or data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        msg = "old Excel 97-2003 (.xls) files are not read; save the sheet as .xlsx or CSV"
        raise InputError([Problem(name, None, None, msg)])
    holder = [data]
    del data
    return _read_csv(holder, name, keys)


def match_columns(
    table: RawTable,
    aliases: Mapping[str, Iterable[str]],
    required: Iterable[str],
    column_map: Mapping[str, str] | None = None,
) -> tuple[dict[str, str], list[Problem]]:
    """Map each table column (a key of ``aliases``) to a header of the file.

    Headers are compared with :func:`header_key` (case, spaces and punctuation
    ignored). ``column_map`` names columns explicitly, either as
    ``{table_column: file_header}`` or as pandas-rename style ``{file_header: table_column}``.
    Returns the mapping and the problems: a required column not found (naming the
    headers found and the names accepted), two headers matching one column, an
    unknown ``column_map`` entry.
    """
    headers = list(table.frame.columns)
    by_key: dict[str, list[str]] = {}
    for h in headers:
        by_key.setdefault(header_key(h), []).append(h)
    problems: list[Problem] = []
    found: dict[str, str] = {}
    for a, b in (column_map or {}).items():
        target, source = (a, b) if a in aliases else (b, a) if b in aliases else (None, None)
        if target is None:
            msg = f"column_map entry {a!r}: {b!r} names no column of this table ({', '.join(aliases)})"
            problems.append(Problem(table.file, None, None, msg))
            continue
        match = source if source in headers else (by_key.get(header_key(source)) or [None])[0]
        if match is None:
            msg = f"column_map names column {source!r} for {target}, but the file has no such column"
            problems.append(Problem(table.file, None, None, msg + f"; columns found: {', '.join(headers)}"))
            continue
        found[target] = match
    used = set(found.values())
    ambiguous: set[str] = set()
    for target, names in aliases.items():
        if target in found:
            continue
        candidates: list[str] = []
        for alias in [target, *names]:
            for h in by_key.get(header_key(alias), []):
                if h not in used and h not in candidates:
                    candidates.append(h)
            if candidates:
                break  # aliases are in order of preference
        if len(candidates) > 1:
            msg = (
                f"columns {', '.join(map(repr, candidates))} all look like {target}; "
                "name the right one with column_map"
            )
            problems.append(Problem(table.file, None, None, msg))
            ambiguous.add(target)
        elif candidates:
            found[target] = candidates[0]
            used.add(candidates[0])
    for target in required:
        if target not in found and target not in ambiguous:
            accepted = ", ".join(dict.fromkeys([target, *aliases[target]]))
            msg = (
                f"required column {target!r} not found; columns found: {', '.join(headers) or '(none)'}; "
                f"accepted names: {accepted} (or name it with column_map){table.where()}"
            )
            problems.append(Problem(table.file, None, None, msg))
    return found, problems


COUNT_FORM = "a whole number >= 0 (such as 12 or 1,234) or a suppression marker (*, <10, n<10, -)"
_SUPPRESSED = re.compile(r"^(\*+|[-\u2013\u2014]+|n?\s*(<|<=|\u2264)\s*\d+|n/?a?\s*<\s*\d+)$", re.IGNORECASE)
_WHOLE = r"^(\d{1,3}(,\d{3})+|\d+)(\.0*)?$"


def parse_counts(
    values: pd.Series, rows: pd.Series, file: str, column: str
) -> tuple[pd.Series, pd.Series, list[Problem]]:
    """Student or job counts from text: ``(Int64 counts, suppressed flags, problems)``.

    ``1,234`` and ``12.0`` are whole numbers; ``*``, ``**``, ``<10``, ``n<10``, ``-``
    are suppression markers (``<NA>`` and flag ``True``); empty is ``<NA>`` (not
    suppressed); anything else — ``twelve``, ``-3``, ``2.5`` — is a problem naming
    the file, row and column.

    >>> counts, flags, problems = parse_counts(pd.Series(["1,234", "*", "", "n<10", "2.5"]),
    ...     pd.Series([2, 3, 4, 5, 6]), "f.csv", "Completers")
    >>> counts.tolist(), flags.tolist()
    ([1234, <NA>, <NA>, <NA>, <NA>], [False, True, False, True, False])
    >>> print(problems[0])
    f.csv, row 6, column 'Completers': expected a whole number >= 0 (such as 12 or 1,234) or a suppression marker (*, <10, n<10, -), got '2.5'
    """  # noqa: E501
    text = values.astype("string").str.strip()
    suppressed = text.str.fullmatch(_SUPPRESSED).fillna(False).astype(bool)
    whole = text.str.fullmatch(_WHOLE).fillna(False).astype(bool)
    empty = text.isna() | text.eq("").fillna(False)
    bad = ~(suppressed | whole | empty)
    digits = text.where(whole).str.replace(",", "", regex=False).str.replace(r"\.0*$", "", regex=True)
    counts = pd.to_numeric(digits).astype("Int64")
    problems = [
        Problem(file, int(rows.iat[i]), column, f"expected {COUNT_FORM}, got {values.iat[i]!r}")
        for i in bad.to_numpy().nonzero()[0]
    ]
    return counts, suppressed, problems


def as_text(values: pd.Series) -> pd.Series:
    """Text cells stripped, with empty cells as ``<NA>`` (``string`` dtype)."""
    text = values.astype("string").str.strip()
    return text.mask(text.eq("").fillna(False))


def validate_as_written(df: pd.DataFrame, model: type, file: str, found: Mapping[str, str]) -> pd.DataFrame:
    """:func:`alignment.schemas.validate_table`, its problems naming the columns as the file writes them."""
    try:
        return validate_table(df, model, file)
    except InputError as exc:
        problems = [
            Problem(p.file, p.row, found.get(p.column, p.column) if p.column else None, p.message)
            for p in exc.problems
        ]
        raise InputError(problems) from None


def expand_paths(
    paths: str | Path | Iterable[str | Path], endings: tuple[str, ...], problems: list[Problem]
) -> list[tuple[str, Path]]:
    """(name as shown to the user, path) for every file of ``paths``: a folder gives its files whose names end
    in one of ``endings`` (``(".csv", ".csv.gz")``), a glob its matches, both in sorted order; a folder with no
    such file, a glob matching nothing and a missing file each add a problem."""
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    files: list[tuple[str, Path]] = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and p.name.lower().endswith(endings))
            if not found:
                what = " or ".join(endings)
                problems.append(Problem(display_name(item), None, None, f"folder holds no {what} file"))
            files += [(display_name(p), p) for p in found]
        elif path.is_file():
            files.append((display_name(item), path))
        elif glob.has_magic(str(item)):
            names = sorted(glob.glob(str(item)))
            if not names:
                problems.append(Problem(display_name(item), None, None, "no file matches this pattern"))
            files += [(name, Path(name)) for name in names]
        else:
            problems.append(Problem(display_name(item), None, None, "file not found"))
    return files
