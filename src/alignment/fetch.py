"""Download the official input files for a state and year into ``data/raw/<source>/<vintage>/``.

Every file is downloaded to ``<name>.part`` beside its final name (resumed with an HTTP ``Range``
request when a ``.part`` is left from an interrupted run), checked, and only then renamed into place:
an existing good file is never replaced by a bad or partial one. What "good" means depends on the file:

- a CSV must start with the publisher's header (a QCEW slice must match a QCEW layout of
  :mod:`alignment.sources.qcew` completely); an HTML page (a block or error page) is refused;
- a workbook must open and hold the expected sheet with the expected header cells;
- a zip (and an ``.xlsx``, which is a zip) must hold the expected members, pass its CRC check, and stay
  under the limits on total uncompressed size and compression ratio (a "zip bomb" is refused).

Only ``https`` URLs are fetched (redirects included); ``http`` to ``127.0.0.1`` / ``localhost`` only
with ``allow_loopback=True``, for tests. Each folder gets a ``manifest.json`` (URL, time, size, sha256 of
every file). See ``docs/fetch.md`` for every URL pattern and the publisher pages.

>>> [spec.name for spec in plan_fetch("VT", 2023, ["cip", "cbsa"])]
['CIPCode2020.csv', 'Crosswalk2010to2020.csv', 'list1_2023.xlsx']
>>> cbsa_vintage(2022)
2020
"""

from __future__ import annotations

import contextlib
import csv
import fnmatch
import hashlib
import http.client
import json
import os
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from . import __version__
from .atomic import write_text
from .codes import STATE_POSTAL, normalize_state_fips

__all__ = [
    "DEFAULT_BASE_URLS",
    "SOURCES",
    "Expect",
    "FetchError",
    "FetchOptions",
    "FetchReport",
    "FileResult",
    "FileSpec",
    "Limits",
    "OfflineError",
    "cbsa_vintage",
    "check_url",
    "describe_plan",
    "fetch",
    "fetch_file",
    "load_fetch_config",
    "parse_base_urls",
    "plan_fetch",
    "qcew_counties",
    "verify_file",
]

SOURCES = ("qcew", "oews", "projections", "cip", "cip_soc", "cbsa", "counties")
"""Every source ``alignment fetch`` knows, in the order they are fetched."""

DEFAULT_BASE_URLS: dict[str, str] = {
    "qcew": "https://data.bls.gov/cew/data/api/",
    "oews": "https://www.bls.gov/oes/special-requests/",
    "projections": "https://www.bls.gov/emp/ind-occ-matrix/",
    "cip": "https://nces.ed.gov/ipeds/cipcode/Files/",
    "cip_soc": "https://nces.ed.gov/ipeds/cipcode/Files/",
    "cbsa": "https://www2.census.gov/programs-surveys/metro-micro/geographies/reference-files/",
    "counties": "https://www2.census.gov/geo/tiger/",
}

# OMB delineation vintages published by the Census Bureau (list1 file per vintage); 2023 is an .xlsx.
CBSA_VINTAGES = (2013, 2015, 2017, 2018, 2020, 2023)

DEFAULT_USER_AGENT = (
    f"alignment/{__version__} (CTE labor-market alignment toolkit; "
    "contact: set fetch.user_agent, --user-agent or ALIGNMENT_USER_AGENT to your e-mail)"
)
USER_AGENT_ENV = "ALIGNMENT_USER_AGENT"

MiB = 1 << 20
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_HTML_START = (b"<!doctype", b"<html", b"<?xml", b"<head", b"<body")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
_RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}


# --------------------------------------------------------------------------- errors


class FetchError(Exception):
    """A file could not be fetched or failed its check; the message says which and why."""


class OfflineError(FetchError):
    """The network (or the publisher's host) cannot be reached at all: the run stops early."""


class _Retryable(FetchError):
    """A failure worth another attempt (5xx, 429, timeout, cut connection, short body)."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


# --------------------------------------------------------------------------- what to fetch


@dataclass(frozen=True)
class Expect:
    """What a good file looks like.

    ``kind`` is ``csv``, ``xlsx``, ``xls`` or ``zip``. ``columns``: header cells that must all be present
    (case- and space-insensitive), in ``sheet`` for a workbook (any sheet when ``None``) within the
    first ``header_rows`` rows. ``qcew``: the CSV must match a QCEW layout of
    :func:`alignment.sources.qcew.detect_layout` completely. ``members``: glob patterns each of which
    must match a member of a zip.
    """

    kind: str
    layout: str
    columns: tuple[str, ...] = ()
    sheet: str | None = None
    header_rows: int = 10
    qcew: bool = False
    members: tuple[str, ...] = ()


@dataclass(frozen=True)
class FileSpec:
    """One file to fetch: where from, where to (``<dest>/<source>/<vintage>/<name>``) and its check.

    ``extract`` lists (member glob, check) pairs: matching members of a verified zip are extracted
    beside it under their base names. ``lists_counties``: the file is the QCEW all-areas slice whose
    county codes decide which county slices to fetch next.
    """

    source: str
    vintage: str
    name: str
    url: str
    expect: Expect
    max_bytes: int = 200 * MiB
    extract: tuple[tuple[str, Expect], ...] = ()
    lists_counties: bool = False

    def path(self, dest: str | Path) -> Path:
        return Path(dest) / self.source / self.vintage / self.name

    @property
    def shown(self) -> str:
        return f"{self.source}/{self.vintage}/{self.name}"


@dataclass(frozen=True)
class Limits:
    """Size limits: a zip's declared uncompressed total, and the compression ratio of any member
    larger than ``ratio_floor_bytes`` (real publisher files stay near 7:1; a zip bomb reaches 1000:1)."""

    max_unzipped_bytes: int = 2048 * MiB
    max_ratio: float = 100.0
    ratio_floor_bytes: int = 1 * MiB
    max_members: int = 10_000


@dataclass(frozen=True)
class FetchOptions:
    """How to fetch: destination, base URLs, retries with exponential backoff, timeouts, limits."""

    dest: Path = Path("data/raw")
    base_urls: Mapping[str, str] = field(default_factory=dict)
    user_agent: str = DEFAULT_USER_AGENT
    retries: int = 4
    backoff_s: float = 1.0
    max_backoff_s: float = 60.0
    timeout_s: float = 60.0
    allow_loopback: bool = False
    refresh: bool = False
    limits: Limits = Limits()
    chunk_bytes: int = 64 * 1024


@dataclass
class FileResult:
    """What happened to one file: ``downloaded``, ``unchanged`` (fetched again, same bytes),
    ``present`` (a good copy was already there), ``planned`` (dry run) or ``failed``."""

    spec: FileSpec
    status: str
    path: Path
    bytes: int = 0
    sha256: str = ""
    message: str = ""
    extracted: list[Path] = field(default_factory=list)


@dataclass
class FetchReport:
    results: list[FileResult] = field(default_factory=list)
    offline: str = ""
    seconds: float = 0.0

    @property
    def failed(self) -> list[FileResult]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def ok(self) -> bool:
        return not self.failed and not self.offline

    def summary(self) -> str:
        counts = {s: sum(r.status == s for r in self.results) for s in ("downloaded", "unchanged", "present")}
        got = sum(r.bytes for r in self.results if r.status == "downloaded")
        parts = [f"{n} {s}" for s, n in counts.items() if n] + (
            [f"{len(self.failed)} failed"] if self.failed else []
        )
        return f"{' · '.join(parts) or 'nothing fetched'} ({got / MiB:.1f} MiB in {self.seconds:.1f} s)"


# --------------------------------------------------------------------------- the plan

_QCEW_SLICE = Expect("csv", "QCEW open-data CSV slice", qcew=True)
_OEWS_BOOK = Expect("xlsx", "OEWS all-data workbook", columns=("AREA", "OCC_CODE", "TOT_EMP", "A_MEDIAN"))


def cbsa_vintage(year: int) -> int:
    """The latest OMB delineation published in or before ``year`` (the earliest one for older years)."""
    earlier = [v for v in CBSA_VINTAGES if v <= year]
    return earlier[-1] if earlier else CBSA_VINTAGES[0]


def _base(source: str, base_urls: Mapping[str, str] | None) -> str:
    url = (base_urls or {}).get(source) or DEFAULT_BASE_URLS[source]
    return url if url.endswith("/") else url + "/"


def _state_fips(state: str | int) -> str:
    fips = normalize_state_fips(state)
    if fips is None:
        raise FetchError(
            f"unknown state {state!r}: expected a postal code such as VT or a FIPS code such as 50"
        )
    return fips


def plan_fetch(
    state: str | int,
    year: int,
    sources: Iterable[str] | None = None,
    *,
    base_urls: Mapping[str, str] | None = None,
) -> list[FileSpec]:
    """Every file to fetch for ``state`` and ``year``, in order (the QCEW county slices come later,
    from :func:`qcew_counties`, once the all-areas slice is on disk)."""
    fips = _state_fips(state)
    wanted = list(sources) if sources is not None else list(SOURCES)
    unknown = [s for s in wanted if s not in SOURCES]
    if unknown:
        raise FetchError(f"unknown source(s) {', '.join(unknown)}: expected some of {', '.join(SOURCES)}")
    yy = f"{year % 100:02d}"
    specs: list[FileSpec] = []
    for source in SOURCES:
        if source not in wanted:
            continue
        base = _base(source, base_urls)
        v = str(year)
        if source == "qcew":
            specs.append(
                FileSpec(
                    source,
                    v,
                    "all-areas/industry_10.csv",
                    f"{base}{year}/a/industry/10.csv",
                    _QCEW_SLICE,
                    lists_counties=True,
                )
            )
            specs += [qcew_area_spec(area, year, base_urls) for area in ("US000", f"{fips}000")]
        elif source == "oews":
            # state file: <name>/state_M<year>_dl.xlsx; metro file: MSA_M<year>_dl.xlsx and the
            # nonmetropolitan areas BOS_M<year>_dl.xlsx
            for kind, member in (("st", "*state_M*_dl.xlsx"), ("ma", "*MSA_M*_dl.xlsx")):
                name = f"oesm{yy}{kind}.zip"
                specs.append(
                    FileSpec(
                        source,
                        v,
                        name,
                        base + name,
                        Expect("zip", "OEWS zip", members=(member,)),
                        extract=(("*_dl.xlsx", _OEWS_BOOK),),
                    )
                )
        elif source == "projections":
            specs.append(
                FileSpec(
                    source,
                    "current",
                    "occupation.xlsx",
                    base + "occupation.xlsx",
                    Expect(
                        "xlsx",
                        "BLS Employment Projections occupation workbook",
                        columns=("National Employment Matrix code", "Occupational openings"),
                        sheet="Table 1.10",
                    ),
                )
            )
        elif source == "cip":
            specs.append(
                FileSpec(
                    source,
                    "2020",
                    "CIPCode2020.csv",
                    base + "CIPCode2020.csv",
                    Expect(
                        "csv", "NCES CIP 2020 list", columns=("CIPFamily", "CIPCode", "Action", "CIPTitle")
                    ),
                )
            )
            specs.append(
                FileSpec(
                    source,
                    "2020",
                    "Crosswalk2010to2020.csv",
                    base + "Crosswalk2010to2020.csv",
                    Expect(
                        "csv",
                        "NCES CIP 2010-2020 crosswalk",
                        columns=("CIPCode2010", "Action", "CIPCode2020", "CIPTitle2020"),
                    ),
                )
            )
        elif source == "cip_soc":
            specs.append(
                FileSpec(
                    source,
                    "2020",
                    "CIP2020_SOC2018_Crosswalk.xlsx",
                    base + "CIP2020_SOC2018_Crosswalk.xlsx",
                    Expect(
                        "xlsx",
                        "NCES CIP 2020-SOC 2018 crosswalk",
                        columns=("CIP2020Code", "SOC2018Code"),
                        sheet="CIP-SOC",
                    ),
                )
            )
        elif source == "cbsa":
            cv = cbsa_vintage(year)
            ext = "xlsx" if cv >= 2023 else "xls"
            name = f"list1_{cv}.{ext}"
            specs.append(
                FileSpec(
                    source,
                    str(cv),
                    name,
                    f"{base}{cv}/delineation-files/{name}",
                    Expect(
                        ext,
                        "OMB CBSA delineation list 1",
                        columns=("CBSA Code", "FIPS State Code", "FIPS County Code"),
                    ),
                )
            )
        elif source == "counties":
            stem = f"cb_{year}_us_county_500k"
            specs.append(
                FileSpec(
                    source,
                    v,
                    f"{stem}.zip",
                    f"{base}GENZ{year}/shp/{stem}.zip",
                    Expect(
                        "zip",
                        "Census cartographic boundary shapefile",
                        members=tuple(f"{stem}.{ext}" for ext in ("shp", "shx", "dbf", "prj")),
                    ),
                )
            )
    return specs


def qcew_area_spec(area: str, year: int, base_urls: Mapping[str, str] | None = None) -> FileSpec:
    """The open-data annual slice of one QCEW area (``US000``, ``50000``, ``50001`` ...)."""
    base = _base("qcew", base_urls)
    return FileSpec(
        "qcew", str(year), f"area_{area}.csv", f"{base}{year}/a/area/{area}.csv", replace(_QCEW_SLICE)
    )


def qcew_counties(path: str | Path, state_fips: str) -> list[str]:
    """County (and Connecticut planning-region) codes of a state found in a QCEW CSV, sorted.

    ``SS000`` (statewide) and ``SS999`` (unknown or undefined) are left out.
    """
    out: set[str] = set()
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            code = (row.get("area_fips") or "").strip()
            if (
                len(code) == 5
                and code.isdigit()
                and code[:2] == state_fips
                and code[2:] not in ("000", "999")
            ):
                out.add(code)
    return sorted(out)


# --------------------------------------------------------------------------- configuration


def parse_base_urls(items: Iterable[str]) -> dict[str, str]:
    """``["oews=https://mirror/oes/"]`` → ``{"oews": "https://mirror/oes/"}``; unknown sources refused.

    >>> parse_base_urls(["cip=https://example.org/cip"])
    {'cip': 'https://example.org/cip'}
    """
    out: dict[str, str] = {}
    for item in items:
        source, sep, url = item.partition("=")
        source = source.strip()
        if not sep or not url.strip():
            raise FetchError(
                f"--base-url {item!r}: expected SOURCE=URL, such as oews=https://mirror.example/oes/"
            )
        if source not in SOURCES:
            raise FetchError(
                f"--base-url {item!r}: unknown source {source!r}; expected one of {', '.join(SOURCES)}"
            )
        out[source] = url.strip()
    return out


def load_fetch_config(path: str | Path) -> dict[str, object]:
    """The ``fetch:`` section of a YAML config: ``base_urls`` (source → URL) and ``user_agent``."""
    import yaml

    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise FetchError(f"{p}: cannot read the config: {exc}") from None
    section = (data.get("fetch") or {}) if isinstance(data, dict) else {}
    if not isinstance(section, dict):
        raise FetchError(f"{p}: 'fetch' must be a mapping with keys base_urls, user_agent")
    unknown = sorted(set(section) - {"base_urls", "user_agent"})
    if unknown:
        raise FetchError(
            f"{p}: unknown key(s) under 'fetch': {', '.join(unknown)}; expected base_urls, user_agent"
        )
    urls = section.get("base_urls") or {}
    if not isinstance(urls, dict) or any(k not in SOURCES or not isinstance(u, str) for k, u in urls.items()):
        raise FetchError(f"{p}: 'fetch.base_urls' must map sources ({', '.join(SOURCES)}) to URLs")
    agent = section.get("user_agent")
    if agent is not None and not isinstance(agent, str):
        raise FetchError(f"{p}: 'fetch.user_agent' must be text")
    return {"base_urls": dict(urls), "user_agent": agent}


# --------------------------------------------------------------------------- URL policy


def check_url(url: str, *, allow_loopback: bool = False) -> None:
    """Refuse anything but ``https`` (``http`` to the loopback address only when allowed).

    >>> check_url("https://www.bls.gov/emp/ind-occ-matrix/occupation.xlsx")
    >>> check_url("http://www.bls.gov/x.csv")
    Traceback (most recent call last):
    ...
    alignment.fetch.FetchError: refused http://www.bls.gov/x.csv: only https URLs are fetched
    """
    parts = urllib.parse.urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme == "https" and host:
        return
    if parts.scheme == "http" and allow_loopback and host in _LOOPBACK:
        return
    raise FetchError(f"refused {url}: only https URLs are fetched")


class _SafeRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to a URL :func:`check_url` accepts (no https → http downgrade)."""

    def __init__(self, allow_loopback: bool):
        self.allow_loopback = allow_loopback

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D102
        target = urllib.parse.urljoin(req.full_url, newurl)
        check_url(target, allow_loopback=self.allow_loopback)
        return super().redirect_request(req, fp, code, msg, headers, target)


# --------------------------------------------------------------------------- checks


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
        from .sources.qcew import detect_layout

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


# --------------------------------------------------------------------------- download


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(MiB):
            h.update(block)
    return h.hexdigest()


def _host(url: str) -> str:
    return urllib.parse.urlsplit(url).hostname or url


def _retry_after(headers: Mapping[str, str] | None) -> float | None:
    value = (headers or {}).get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _open(url: str, headers: dict[str, str], opts: FetchOptions) -> http.client.HTTPResponse:
    opener = urllib.request.build_opener(_SafeRedirects(opts.allow_loopback))
    req = urllib.request.Request(url, headers={"User-Agent": opts.user_agent, **headers})
    try:
        return opener.open(req, timeout=opts.timeout_s)
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code in _RETRY_STATUS:
            raise _Retryable(f"HTTP {exc.code} {exc.reason}", _retry_after(exc.headers)) from None
        if exc.code == 416:
            raise
        hint = {
            403: "the server refused the request; BLS refuses clients without a contact in the User-Agent: "
            "set fetch.user_agent, --user-agent or ALIGNMENT_USER_AGENT",
            404: "not found: the publisher may not have released this year yet, or moved the file "
            "(set another base URL with --base-url SOURCE=URL)",
        }.get(exc.code, "the server refused the request")
        raise FetchError(f"HTTP {exc.code} {exc.reason}: {hint}") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, FetchError):
            raise reason from None
        if isinstance(reason, socket.gaierror):
            raise OfflineError(
                f"cannot resolve {_host(url)}: the computer seems to be offline (or a proxy or firewall "
                "blocks it); connect and run the command again"
            ) from None
        raise _Retryable(f"cannot connect to {_host(url)}: {reason}") from None
    except (TimeoutError, ConnectionError, http.client.HTTPException) as exc:
        raise _Retryable(f"connection to {_host(url)} failed: {exc or type(exc).__name__}") from None


def _part_paths(final: Path) -> tuple[Path, Path]:
    return final.with_name(final.name + ".part"), final.with_name(final.name + ".part.json")


def _download_once(url: str, part: Path, meta: Path, max_bytes: int, opts: FetchOptions) -> None:
    """One attempt: resume ``part`` if it holds the start of the same file, else start over."""
    offset = 0
    headers = {"Accept-Encoding": "identity"}
    saved: dict[str, str] = {}
    if part.exists() and meta.exists():
        with contextlib.suppress(ValueError, OSError):
            saved = json.loads(meta.read_text(encoding="utf-8"))
        if saved.get("url") == url:
            offset = part.stat().st_size
    if offset:
        headers["Range"] = f"bytes={offset}-"
        validator = saved.get("etag") or saved.get("last_modified")
        if validator:
            headers["If-Range"] = validator
    try:
        resp = _open(url, headers, opts)
    except urllib.error.HTTPError:  # 416: the .part does not fit the file any more
        part.unlink(missing_ok=True)
        raise _Retryable(
            "the partial download does not match the file on the server; starting over"
        ) from None
    with resp:
        if resp.status == 206:
            start = (resp.headers.get("Content-Range") or "").removeprefix("bytes ").split("-")[0]
            if start != str(offset):
                part.unlink(missing_ok=True)
                raise _Retryable("the server resumed at the wrong place; starting over")
        else:
            offset = 0
        length = resp.headers.get("Content-Length")
        expected = offset + int(length) if length and length.isdigit() else None
        if expected is not None and expected > max_bytes:
            raise FetchError(
                f"the file is {expected / MiB:,.1f} MiB, more than the limit of {max_bytes / MiB:,.1f} MiB"
            )
        info = {
            "url": url,
            "etag": resp.headers.get("ETag") or "",
            "last_modified": resp.headers.get("Last-Modified") or "",
        }
        meta.write_text(json.dumps(info), encoding="utf-8")
        got = offset
        with open(part, "ab" if offset else "wb") as out:
            try:
                while block := resp.read(opts.chunk_bytes):
                    got += len(block)
                    if got > max_bytes:
                        out.close()
                        part.unlink(missing_ok=True)
                        meta.unlink(missing_ok=True)
                        raise FetchError(
                            f"the download passed the limit of {max_bytes / MiB:,.1f} MiB; stopped"
                        )
                    out.write(block)
            except http.client.IncompleteRead as exc:
                out.write(exc.partial)
                got += len(exc.partial)
            except (TimeoutError, ConnectionError, http.client.HTTPException) as exc:
                raise _Retryable(
                    f"the connection broke after {got:,} bytes: {exc or type(exc).__name__}"
                ) from None
        if expected is not None and got < expected:
            raise _Retryable(f"the connection closed after {got:,} of {expected:,} bytes")


def _download(url: str, part: Path, meta: Path, max_bytes: int, opts: FetchOptions) -> None:
    """Download with retries and exponential backoff (``Retry-After`` honoured, capped)."""
    for attempt in range(opts.retries + 1):
        try:
            _download_once(url, part, meta, max_bytes, opts)
            return
        except _Retryable as exc:
            if attempt == opts.retries:
                raise FetchError(f"{exc} (gave up after {attempt + 1} attempts)") from None
            wait = min(opts.max_backoff_s, opts.backoff_s * 2**attempt)
            if exc.retry_after is not None:
                wait = min(opts.max_backoff_s, max(wait, exc.retry_after))
            time.sleep(wait)


def _manifest_path(dest: Path, spec: FileSpec) -> Path:
    return dest / spec.source / spec.vintage / "manifest.json"


def _record(dest: Path, spec: FileSpec, entries: dict[str, dict[str, object]]) -> None:
    """Add or replace the entries of ``spec``'s folder manifest (written atomically)."""
    path = _manifest_path(dest, spec)
    data: dict[str, object] = {"source": spec.source, "vintage": spec.vintage, "files": {}}
    if path.exists():
        with contextlib.suppress(ValueError, OSError):
            old = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(old.get("files"), dict):
                data["files"] = old["files"]
    files = data["files"]
    assert isinstance(files, dict)
    files.update(entries)
    data["files"] = dict(sorted(files.items()))
    write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _extract(
    spec: FileSpec, zip_path: Path, opts: FetchOptions
) -> tuple[list[Path], dict[str, dict[str, object]]]:
    """Extract the members ``spec.extract`` names beside the zip, each checked before it replaces a file."""
    out: list[Path] = []
    entries: dict[str, dict[str, object]] = {}
    with zipfile.ZipFile(zip_path) as zf:
        for pattern, expect in spec.extract:
            for info in zf.infolist():
                base = PurePosixPath(info.filename).name
                if info.is_dir() or not fnmatch.fnmatch(base, pattern) or base.startswith("."):
                    continue
                final = zip_path.parent / base
                part = final.with_name(final.name + ".part")
                try:
                    with zf.open(info) as src, open(part, "wb") as dst:
                        while block := src.read(opts.chunk_bytes):
                            dst.write(block)
                    layout = verify_file(part, expect, opts.limits)
                except (FetchError, zipfile.BadZipFile, OSError) as exc:
                    part.unlink(missing_ok=True)
                    raise FetchError(f"member {info.filename!r}: {exc}") from None
                if final.exists() and _sha256(final) == _sha256(part):
                    part.unlink()
                else:
                    os.replace(part, final)
                out.append(final)
                entries[str(final.relative_to(zip_path.parent))] = {
                    "from": zip_path.name,
                    "member": info.filename,
                    "bytes": final.stat().st_size,
                    "sha256": _sha256(final),
                    "layout": layout,
                    "extracted_at": _now(),
                }
    if spec.extract and not out:
        raise FetchError(f"no member matching {', '.join(p for p, _ in spec.extract)} to extract")
    return out, entries


def fetch_file(spec: FileSpec, opts: FetchOptions) -> FileResult:
    """Fetch one file: download to ``.part`` (resuming), check, rename into place, record in the manifest.

    Raises :class:`OfflineError` when the host cannot be reached at all; every other failure is returned
    as a ``failed`` result whose message names the file, the URL and what was wrong.
    """
    dest = Path(opts.dest)
    final = spec.path(dest)
    part, meta = _part_paths(final)
    try:
        check_url(spec.url, allow_loopback=opts.allow_loopback)
        if final.exists() and not opts.refresh:
            try:
                verify_file(final, spec.expect, opts.limits)
                extracted: list[Path] = []
                done = [
                    p
                    for p in final.parent.iterdir()
                    if any(fnmatch.fnmatch(p.name, m) for m, _ in spec.extract)
                ]
                if spec.extract and not done:
                    extracted, entries = _extract(spec, final, opts)
                    _record(dest, spec, entries)
                return FileResult(spec, "present", final, final.stat().st_size, "", extracted=extracted)
            except FetchError:
                pass  # a damaged copy from elsewhere: fetch a good one (it is replaced only if that one checks)
        final.parent.mkdir(parents=True, exist_ok=True)
        _download(spec.url, part, meta, spec.max_bytes, opts)
        try:
            layout = verify_file(part, spec.expect, opts.limits)
        except FetchError:
            part.unlink(missing_ok=True)
            meta.unlink(missing_ok=True)
            raise
        digest = _sha256(part)
        size = part.stat().st_size
        etag = ""
        with contextlib.suppress(ValueError, OSError):
            etag = json.loads(meta.read_text(encoding="utf-8")).get("etag", "")
        status = "unchanged" if final.exists() and _sha256(final) == digest else "downloaded"
        if status == "unchanged":
            part.unlink()
        else:
            os.replace(part, final)
        meta.unlink(missing_ok=True)
        entry = {"url": spec.url, "bytes": size, "sha256": digest, "layout": layout, "downloaded_at": _now()}
        if etag:
            entry["etag"] = etag
        entries = {spec.name: entry}
        extracted = []
        if spec.extract:
            extracted, more = _extract(spec, final, opts)
            entries.update(more)
        _record(dest, spec, entries)
        return FileResult(spec, status, final, size, digest, extracted=extracted)
    except OfflineError:
        raise
    except FetchError as exc:
        kept = " (the previous copy is unchanged)" if final.exists() else ""
        return FileResult(spec, "failed", final, message=f"{spec.shown} from {spec.url}: {exc}{kept}")


def fetch(
    state: str | int,
    year: int,
    sources: Iterable[str] | None = None,
    *,
    options: FetchOptions = FetchOptions(),
    dry_run: bool = False,
    on_plan: Callable[[list[FileSpec]], None] | None = None,
    on_file: Callable[[FileResult], None] | None = None,
    on_more: Callable[[int], None] | None = None,
) -> FetchReport:
    """Fetch every file of :func:`plan_fetch` (plus the QCEW county slices) and report each result.

    ``on_plan`` sees the plan first, ``on_file`` each result, ``on_more`` the number of files added
    to the plan (the county slices). With ``dry_run`` nothing is downloaded; the county slices are
    planned only when the all-areas slice is already on disk.
    """
    start = time.perf_counter()
    fips = _state_fips(state)
    specs = plan_fetch(state, year, sources, base_urls=options.base_urls)
    if on_plan:
        on_plan(specs)
    report = FetchReport()
    queue = list(specs)
    while queue:
        spec = queue.pop(0)
        if dry_run:
            result = FileResult(spec, "planned", spec.path(options.dest))
        else:
            try:
                result = fetch_file(spec, options)
            except OfflineError as exc:
                report.offline = str(exc)
                break
        report.results.append(result)
        if on_file:
            on_file(result)
        if spec.lists_counties and result.path.exists() and result.status != "failed":
            have = {s.name for s in queue} | {r.spec.name for r in report.results}
            more = [qcew_area_spec(c, year, options.base_urls) for c in qcew_counties(result.path, fips)]
            more = [m for m in more if m.name not in have]
            if not more:
                report.results.append(
                    FileResult(
                        spec,
                        "failed",
                        result.path,
                        message=f"{spec.shown}: no county of {STATE_POSTAL.get(fips, fips)} found in the file",
                    )
                )
            queue[0:0] = more
            if on_more and more:
                on_more(len(more))
    report.seconds = time.perf_counter() - start
    return report


def describe_plan(specs: list[FileSpec], state: str, year: int, dest: Path) -> list[str]:
    """Lines of the plan shown before fetching."""
    fips = _state_fips(state)
    lines = [f"plan: {len(specs)} file(s) for {STATE_POSTAL.get(fips, state)} {year} into {dest}"]
    for spec in specs:
        lines.append(f"  {spec.shown:<48} ← {spec.url}")
        if spec.lists_counties:
            lines.append(
                f"  {'qcew/' + spec.vintage + '/area_<county>.csv':<48} ← one slice per county listed in {spec.name}"
            )
    return lines
