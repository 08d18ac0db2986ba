"""Checks of downloaded files: the layout each kind must have, the size limits of a zip, the sha256.

- a CSV must start with the publisher's header (a QCEW slice must match a QCEW layout of
  :mod:`alignment.sources.qcew` completely); an HTML page (a block or error page) is refused;
- a workbook must open and hold the expected sheet with the expected header cells;
- a zip (and an ``.xlsx``, which is a zip) must hold the expected members, pass its CRC check, and stay
  under the limits on total uncompressed size and compression ratio (a "zip bomb" is refused).

>>> import tempfile, pathlib
>>> page = pathlib.Path(tempfile.mkdtemp()) / "list.csv"
>>> _ = page.write_bytes(b"<!DOCTYPE html><html><body>Access Denied</body></html>")
>>> verify_file(page, Expect("csv", "NCES CIP 2020 list", columns=("CIPCode",)))
Traceback (most recent call last):
...
alignment.fetch.errors.FetchError: got a web page (HTML), not the NCES CIP 2020 list: the publisher sent an error or block page
"""

from __future__ import annotations

import csv
import fnmatch
import hashlib
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .catalogue import Expect, MiB
from .errors import FetchError

__all__ = ["Limits", "sha256_file", "verify_file"]

_HTML_START = (b"<!doctype", b"<html", b"<?xml", b"<head", b"<body")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"


@dataclass(frozen=True)
class Limits:
    """Size limits: a zip's declared uncompressed total, and the compression ratio of any member
    larger than ``ratio_floor_bytes`` (real publisher files stay near 7:1; a zip bomb reaches 1000:1)."""

    max_unzipped_bytes: int = 2048 * MiB
    max_ratio: float = 100.0
    ratio_floor_bytes: int = 1 * MiB
    max_members: int = 10_000


def _zip_problems(zf: zipfile.ZipFile, size_on_disk: int, limits: Limits) -> str | None:
    infos = zf.infolist()
    if len(infos) > limits.max_members:
        return f"holds {len(infos):,} members, more than the limit of {limits.max_members:,}"
    total = sum(i.file_size for i in infos)
    if total > limits.max_unzipped_bytes:
        return (
            f"expands to {total / MiB:,.1f} MiB, more than the limit of "
            f"{limits.max_unzipped_bytes / MiB:,.1f} MiB (a zip bomb?)"
        )
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.ratio_floor_bytes and ratio > limits.max_ratio:
            return (
                f"member {info.filename!r} expands {ratio:,.0f} times (limit {limits.max_ratio:,.0f}): "
                "refused as a zip bomb"
            )
    if size_on_disk and total / size_on_disk > limits.max_ratio and total > limits.ratio_floor_bytes:
        return f"expands {total / size_on_disk:,.0f} times (limit {limits.max_ratio:,.0f}): refused as a zip bomb"
    return None


def _header_hit(cells: Iterable[object], wanted: tuple[str, ...]) -> list[str]:
    """The wanted column names found in no cell of one row (a cell may say more, such as
    "2024 National Employment Matrix code"; case- and space-insensitive).

    >>> _header_hit(["CBSA Code", " FIPS State  Code"], ("CBSA Code", "FIPS State Code", "FIPS County Code"))
    ['FIPS County Code']
    """
    have = [" ".join(str(c).split()).casefold() for c in cells if c is not None]
    return [w for w in wanted if not any(" ".join(w.split()).casefold() in h for h in have)]


def _check_csv(path: Path, expect: Expect) -> str:
    with open(path, "rb") as fh:
        head = fh.read(65536)
    if not head.strip():
        raise FetchError("the file is empty")
    if head.lstrip().lower().startswith(_HTML_START):
        raise FetchError("got a web page (HTML), not a CSV file: the publisher sent an error or block page")
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        text = head[: exc.start].decode("utf-8-sig") if exc.start >= len(head) - 3 else head.decode("cp1252")
    lines = text.splitlines()
    header = next(csv.reader(lines[:1]), [])
    if expect.qcew:
        from ..sources.qcew import detect_layout

        layout, score = detect_layout(header)
        if layout is None or score < 1.0:
            found = ", ".join(header[:8]) + (" ..." if len(header) > 8 else "")
            raise FetchError(
                f"row 1: not a QCEW CSV (expected the columns of a BLS QCEW layout); found: {found}"
            )
        if len(lines) < 2:
            raise FetchError("holds a header but no data row")
        return layout.name
    missing = _header_hit(header, expect.columns)
    if missing:
        found = ", ".join(header[:8]) + (" ..." if len(header) > 8 else "")
        raise FetchError(f"row 1: missing column(s) {', '.join(missing)}; found: {found}")
    return expect.layout


def _check_xlsx(path: Path, expect: Expect, limits: Limits) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            problem = _zip_problems(zf, path.stat().st_size, limits)
    except zipfile.BadZipFile:
        raise FetchError("not an Excel .xlsx workbook (not a valid zip container)") from None
    if problem:
        raise FetchError(problem)
    with open(path, "rb") as fh:  # a file object: openpyxl would refuse the ``.part`` name
        return _check_book(fh, expect)


def _check_book(fh: BinaryIO, expect: Expect) -> str:
    import openpyxl

    try:
        book = openpyxl.load_workbook(fh, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types on a broken workbook
        raise FetchError(f"the workbook does not open: {exc}") from None
    try:
        if expect.sheet is not None and expect.sheet not in book.sheetnames:
            raise FetchError(f"no sheet {expect.sheet!r}; sheets: {', '.join(book.sheetnames)}")
        names = [expect.sheet] if expect.sheet else book.sheetnames
        for name in names:
            for row in book[name].iter_rows(max_row=expect.header_rows, values_only=True):
                if not _header_hit(row, expect.columns):
                    return f"{expect.layout}, sheet {name!r}"
        where = f"sheet {expect.sheet!r}" if expect.sheet else "any sheet"
        raise FetchError(
            f"{where}: no header row with {', '.join(expect.columns)} in the first {expect.header_rows} rows"
        )
    finally:
        book.close()


def _check_xls(path: Path, expect: Expect) -> str:
    import xlrd

    try:
        book = xlrd.open_workbook(str(path), on_demand=True)
    except Exception as exc:  # xlrd raises its own and struct errors on a broken file
        raise FetchError(f"the .xls workbook does not open: {exc}") from None
    try:
        for name in book.sheet_names():
            sheet = book.sheet_by_name(name)
            for r in range(min(expect.header_rows, sheet.nrows)):
                if not _header_hit(sheet.row_values(r), expect.columns):
                    return f"{expect.layout}, sheet {name!r}"
        raise FetchError(
            f"no header row with {', '.join(expect.columns)} in the first {expect.header_rows} rows"
        )
    finally:
        book.release_resources()


def _check_zip(path: Path, expect: Expect, limits: Limits) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            problem = _zip_problems(zf, path.stat().st_size, limits)
            if problem:
                raise FetchError(problem)
            names = zf.namelist()
            missing = [m for m in expect.members if not fnmatch.filter(names, m)]
            if missing:
                shown = ", ".join(names[:6]) + (" ..." if len(names) > 6 else "")
                raise FetchError(f"the zip lacks member(s) {', '.join(missing)}; it holds: {shown}")
            bad = zf.testzip()
            if bad is not None:
                raise FetchError(f"member {bad!r} is damaged (CRC check failed)")
    except zipfile.BadZipFile:
        raise FetchError("not a valid zip file") from None
    except (zipfile.LargeZipFile, NotImplementedError, EOFError) as exc:
        raise FetchError(f"the zip cannot be read: {exc}") from None
    return expect.layout


def verify_file(path: str | Path, expect: Expect, limits: Limits = Limits()) -> str:
    """Check that ``path`` looks like ``expect`` says; return the layout found, or raise :class:`FetchError`."""
    path = Path(path)
    with open(path, "rb") as fh:
        magic = fh.read(512)
    if magic.lstrip().lower().startswith(_HTML_START):
        raise FetchError(
            f"got a web page (HTML), not the {expect.layout}: the publisher sent an error or block page"
        )
    if expect.kind == "csv":
        return _check_csv(path, expect)
    if expect.kind == "xlsx":
        return _check_xlsx(path, expect, limits)
    if expect.kind == "xls":
        if not magic.startswith(_OLE_MAGIC):
            raise FetchError("not an Excel 97-2003 .xls workbook")
        return _check_xls(path, expect)
    if expect.kind == "zip":
        if not magic.startswith(_ZIP_MAGIC):
            raise FetchError("not a zip file")
        return _check_zip(path, expect, limits)
    raise ValueError(f"unknown file kind {expect.kind!r}")


def sha256_file(path: Path) -> str:
    """The sha256 of a file, in hex."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(MiB):
            h.update(block)
    return h.hexdigest()
