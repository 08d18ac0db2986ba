"""Downloading: ``requests`` with urllib3's ``Retry``; resume, size limits and the rename into place here.

Every file is downloaded to ``<name>.part`` beside its final name, checked with
:func:`~alignment.fetch.verify.verify_file`, and only then renamed into place (one ``os.replace``): an
existing good file is never replaced by a bad or partial one. A ``.part`` left by a cut attempt (or an
interrupted run) is resumed with ``Range`` and ``If-Range`` on its ETag; a server that ignores ``Range``
(or a file changed meanwhile) answers 200 and the ``.part`` is written again from the start.

Retries share one budget, ``FetchOptions.retries``: urllib3 retries a refused connection, a timeout before
the answer and the statuses of ``RETRY_STATUS``; :func:`download` retries a body cut short, resuming it.
The wait after the n-th failed attempt is ``backoff_s * 2**(n-1)``, or ``Retry-After`` if longer, at most
``max_backoff_s``. A host name that does not resolve is not retried (:class:`OfflineError`).

Only ``https`` URLs are fetched (redirects included); ``http`` to ``127.0.0.1`` / ``localhost`` only
with ``allow_loopback=True``, for tests.

>>> _backoff(1.0, 60.0, 1), _backoff(1.0, 60.0, 4), _backoff(1.0, 60.0, 9)
(1.0, 8.0, 60.0)
"""

from __future__ import annotations

import contextlib
import email.utils
import fnmatch
import http.client
import json
import os
import socket
import time
import urllib.parse
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter
from urllib3.util.retry import RequestHistory, Retry

from .. import __version__
from ..atomic import write_text
from ..codes import STATE_POSTAL
from .catalogue import FileSpec, MiB, plan_fetch, qcew_area_spec, qcew_counties, state_fips
from .errors import FetchError, OfflineError
from .verify import Limits, sha256_file, verify_file

__all__ = [
    "DEFAULT_USER_AGENT",
    "RETRY_STATUS",
    "USER_AGENT_ENV",
    "FetchOptions",
    "FetchReport",
    "FileResult",
    "check_url",
    "download",
    "fetch",
    "fetch_file",
]

DEFAULT_USER_AGENT = (
    f"alignment/{__version__} (CTE labor-market alignment toolkit; "
    "contact: set fetch.user_agent, --user-agent or ALIGNMENT_USER_AGENT to your e-mail)"
)
USER_AGENT_ENV = "ALIGNMENT_USER_AGENT"

RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
"""Statuses retried with backoff; every other error status fails at once."""
MAX_REDIRECTS = 10
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_HINTS = {
    403: "the server refused the request; BLS refuses clients without a contact in the User-Agent: "
    "set fetch.user_agent, --user-agent or ALIGNMENT_USER_AGENT",
    404: "not found: the publisher may not have released this year yet, or moved the file "
    "(set another base URL with --base-url SOURCE=URL)",
}


class _Retryable(FetchError):
    """A download cut short (or a ``.part`` that does not fit): worth another attempt, which resumes it."""


# --------------------------------------------------------------------------- options and results


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


# --------------------------------------------------------------------------- URL policy


def check_url(url: str, *, allow_loopback: bool = False) -> None:
    """Refuse anything but ``https`` (``http`` to the loopback address only when allowed).

    >>> check_url("https://www.bls.gov/emp/ind-occ-matrix/occupation.xlsx")
    >>> check_url("http://www.bls.gov/x.csv")
    Traceback (most recent call last):
    ...
    alignment.fetch.errors.FetchError: refused http://www.bls.gov/x.csv: only https URLs are fetched
    """
    parts = urllib.parse.urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme == "https" and host:
        return
    if parts.scheme == "http" and allow_loopback and host in _LOOPBACK:
        return
    raise FetchError(f"refused {url}: only https URLs are fetched")


# --------------------------------------------------------------------------- HTTP client


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and every exception behind it (causes, contexts, urllib3 reasons, exception arguments)."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        e = todo.pop(0)
        if id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        todo += [
            x
            for x in (e.__cause__, e.__context__, getattr(e, "reason", None), *e.args)
            if isinstance(x, BaseException)
        ]


def _find(exc: BaseException, kind: type[BaseException] | tuple[type[BaseException], ...]) -> Any:
    """The first exception of type ``kind`` in :func:`_chain` of ``exc``, or ``None``."""
    return next((e for e in _chain(exc) if isinstance(e, kind)), None)


def _why(exc: BaseException, url: str, opts: FetchOptions) -> str:
    """What went wrong with a request, in words: ``cannot connect to HOST: [Errno 111] Connection refused``."""
    host = _host(url)
    low = next(
        (e for e in _chain(exc) if isinstance(e, OSError) and not isinstance(e, requests.RequestException)),
        None,
    )
    detail = str(low or exc) or type(low or exc).__name__
    if _find(exc, (urllib3.exceptions.SSLError, requests.exceptions.SSLError)):
        return f"no secure connection to {host}: {detail}"
    if _find(exc, urllib3.exceptions.NewConnectionError):  # before the timeouts: it is one of them
        return f"cannot connect to {host}: {detail}"
    if _find(exc, (urllib3.exceptions.TimeoutError, TimeoutError)):
        return f"connection to {host} failed: no answer within {opts.timeout_s:g} s"
    return f"connection to {host} failed: {detail}"


def _host(url: str) -> str:
    return urllib.parse.urlsplit(url).hostname or url


def _retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds asked by a ``Retry-After`` header (a number or an HTTP date), or ``None``."""
    value = (headers or {}).get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    with contextlib.suppress(TypeError, ValueError, IndexError):
        return max(0.0, (email.utils.parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    return None


def _backoff(backoff_s: float, max_backoff_s: float, failures: int) -> float:
    """The wait after the ``failures``-th failed attempt: ``backoff_s * 2**(failures-1)``, capped."""
    return min(max_backoff_s, backoff_s * 2 ** (failures - 1)) if failures > 0 else 0.0


class _Retry(Retry):
    """urllib3's ``Retry`` with this module's policy: the backoff of :func:`_backoff` from the first retry
    on, ``Retry-After`` honoured up to ``max_wait_s``, only ``status_forcelist`` retried, and a host name
    that does not resolve not retried at all."""

    max_wait_s: float = 60.0

    def new(self, **kw: Any) -> _Retry:
        retry = super().new(**kw)
        retry.max_wait_s = self.max_wait_s
        return retry

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        # urllib3 would also retry a 413 that carries Retry-After
        listed = status_code in (self.status_forcelist or ())
        return listed and super().is_retry(method, status_code, has_retry_after)

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: Any = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> _Retry:
        if error is not None and _find(error, socket.gaierror) is not None:
            raise urllib3.exceptions.MaxRetryError(_pool, url, error) from error  # offline: no retry
        return super().increment(method, url, response, error, _pool, _stacktrace)

    def get_backoff_time(self) -> float:
        return _backoff(self.backoff_factor, self.max_wait_s, len(self.history))

    def sleep(self, response: Any = None) -> None:
        wait = self.get_backoff_time()
        asked = _retry_after(response.headers) if response is not None else None
        if asked is not None:
            wait = min(self.max_wait_s, max(wait, asked))
        if wait > 0:
            time.sleep(wait)


class _Session(requests.Session):
    """A session that follows a redirect only to a URL :func:`check_url` accepts (no https → http)."""

    def __init__(self, allow_loopback: bool):
        super().__init__()
        self.allow_loopback = allow_loopback
        self.max_redirects = MAX_REDIRECTS

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        target = super().get_redirect_target(resp)
        if target:
            check_url(urllib.parse.urljoin(resp.url, target), allow_loopback=self.allow_loopback)
        return target


def _session(opts: FetchOptions, history: Iterable[RequestHistory]) -> requests.Session:
    """A session whose requests are retried within what is left of ``opts.retries`` after ``history``."""
    history = tuple(history)
    retry = _Retry(
        total=max(0, opts.retries - len(history)),
        status_forcelist=RETRY_STATUS,
        backoff_factor=opts.backoff_s,
        raise_on_status=False,  # the last answer is returned: its status goes into the message
        respect_retry_after_header=True,
        history=history,
    )
    retry.max_wait_s = opts.max_backoff_s
    session = _Session(opts.allow_loopback)
    session.headers.update({"User-Agent": opts.user_agent, "Accept-Encoding": "identity"})
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("https://", adapter)
    session.mount("http://", adapter)  # loopback only: check_url refuses any other http URL
    return session


def _request_failed(exc: BaseException, url: str, opts: FetchOptions) -> FetchError:
    """The error to raise when a request got no answer (after urllib3's retries)."""
    if _find(exc, socket.gaierror) is not None:
        return OfflineError(
            f"cannot resolve {_host(url)}: the computer seems to be offline (or a proxy or firewall "
            "blocks it); connect and run the command again"
        )
    if isinstance(exc, requests.TooManyRedirects):
        return FetchError(f"more than {MAX_REDIRECTS} redirects")
    if _find(exc, urllib3.exceptions.MaxRetryError) is not None:
        return FetchError(f"{_why(exc, url, opts)} (gave up after {opts.retries + 1} attempts)")
    return FetchError(_why(exc, url, opts))


# --------------------------------------------------------------------------- download


def _part_paths(final: Path) -> tuple[Path, Path]:
    return final.with_name(final.name + ".part"), final.with_name(final.name + ".part.json")


def _attempt(
    url: str, part: Path, meta: Path, max_bytes: int, opts: FetchOptions, history: list[RequestHistory]
) -> None:
    """One request (urllib3 retries it until the body starts): resume ``part`` if it holds the start of
    the same file, else start over. ``history`` gets the attempts urllib3 made; a body cut short raises
    :class:`_Retryable`."""
    offset = 0
    headers: dict[str, str] = {}
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
    with _session(opts, history) as session:
        try:
            resp = session.get(url, headers=headers, timeout=opts.timeout_s, stream=True)
        except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
            raise _request_failed(exc, url, opts) from None
        with resp:
            if resp.raw.retries is not None:
                history[:] = resp.raw.retries.history
            code = resp.status_code
            if code in RETRY_STATUS:  # urllib3 has used up the retries
                raise _Retryable(f"HTTP {code} {resp.reason}")
            if code == 416:  # the .part does not fit the file any more
                part.unlink(missing_ok=True)
                raise _Retryable("the partial download does not match the file on the server; starting over")
            if code >= 300:
                raise FetchError(
                    f"HTTP {code} {resp.reason}: {_HINTS.get(code, 'the server refused the request')}"
                )
            if code == 206:
                start = (resp.headers.get("Content-Range") or "").removeprefix("bytes ").split("-")[0]
                if start != str(offset):
                    part.unlink(missing_ok=True)
                    raise _Retryable("the server resumed at the wrong place; starting over")
            else:
                offset = 0  # the whole file: Range ignored, or the file changed (If-Range)
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
            write_text(meta, json.dumps(info))
            got = offset
            with open(part, "ab" if offset else "wb") as out:
                try:
                    while block := resp.raw.read(opts.chunk_bytes, decode_content=False):
                        got += len(block)
                        if got > max_bytes:
                            out.close()
                            part.unlink(missing_ok=True)
                            meta.unlink(missing_ok=True)
                            raise FetchError(
                                f"the download passed the limit of {max_bytes / MiB:,.1f} MiB; stopped"
                            )
                        out.write(block)
                except (
                    urllib3.exceptions.HTTPError,
                    http.client.HTTPException,
                    ConnectionError,
                    TimeoutError,
                ) as exc:
                    # a body shorter than its Content-Length is said below; anything else here
                    if expected is None or _find(exc, http.client.IncompleteRead) is None:
                        raise _Retryable(
                            f"the connection broke after {got:,} bytes ({_why(exc, url, opts)})"
                        ) from None
    if expected is not None and got < expected:
        raise _Retryable(f"the connection closed after {got:,} of {expected:,} bytes")


def download(url: str, part: Path, meta: Path, max_bytes: int, opts: FetchOptions) -> None:
    """Download ``url`` into ``part`` (``meta`` keeps its URL and ETag for a resume), with at most
    ``opts.retries`` retries in all; raises :class:`FetchError` (:class:`OfflineError` when offline)."""
    history: list[RequestHistory] = []  # one entry per failed attempt
    while True:
        try:
            _attempt(url, part, meta, max_bytes, opts, history)
            return
        except _Retryable as exc:
            history.append(RequestHistory("GET", url, exc, None, None))
            if len(history) > opts.retries:
                raise FetchError(f"{exc} (gave up after {len(history)} attempts)") from None
            time.sleep(_backoff(opts.backoff_s, opts.max_backoff_s, len(history)))


# --------------------------------------------------------------------------- files


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
                if final.exists() and sha256_file(final) == sha256_file(part):
                    part.unlink()
                else:
                    os.replace(part, final)
                out.append(final)
                entries[str(final.relative_to(zip_path.parent))] = {
                    "from": zip_path.name,
                    "member": info.filename,
                    "bytes": final.stat().st_size,
                    "sha256": sha256_file(final),
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
        download(spec.url, part, meta, spec.max_bytes, opts)
        try:
            layout = verify_file(part, spec.expect, opts.limits)
        except FetchError:
            part.unlink(missing_ok=True)
            meta.unlink(missing_ok=True)
            raise
        digest = sha256_file(part)
        size = part.stat().st_size
        etag = ""
        with contextlib.suppress(ValueError, OSError):
            etag = json.loads(meta.read_text(encoding="utf-8")).get("etag", "")
        status = "unchanged" if final.exists() and sha256_file(final) == digest else "downloaded"
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
    fips = state_fips(state)
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
