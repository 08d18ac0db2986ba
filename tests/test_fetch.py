"""`alignment fetch` against a loopback server that misbehaves on purpose; never the real network.

Every failure case checks that no partial or bad file sits under the final name and that a previous
good copy is byte-identical afterwards.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import socket
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import openpyxl
import pytest

from alignment.cli import main
from alignment.fetch import (
    Expect,
    FetchError,
    FetchOptions,
    FileSpec,
    Limits,
    OfflineError,
    cbsa_vintage,
    check_url,
    fetch,
    fetch_file,
    load_fetch_config,
    parse_base_urls,
    plan_fetch,
    qcew_counties,
    verify_file,
)
from alignment.sources.qcew import read_qcew

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real-data"

# The open-data slice layout (same columns as the annual singlefile), as BLS documents it.
QCEW_HEADER = [
    "area_fips",
    "own_code",
    "industry_code",
    "agglvl_code",
    "size_code",
    "year",
    "qtr",
    "disclosure_code",
    "annual_avg_estabs",
    "annual_avg_emplvl",
    "total_annual_wages",
    "taxable_annual_wages",
    "annual_contributions",
    "annual_avg_wkly_wage",
    "avg_annual_pay",
    "lq_disclosure_code",
    "lq_annual_avg_estabs",
    "lq_annual_avg_emplvl",
    "lq_total_annual_wages",
    "lq_taxable_annual_wages",
    "lq_annual_contributions",
    "lq_annual_avg_wkly_wage",
    "lq_avg_annual_pay",
    "oty_disclosure_code",
    "oty_annual_avg_estabs_chg",
    "oty_annual_avg_estabs_pct_chg",
    "oty_annual_avg_emplvl_chg",
    "oty_annual_avg_emplvl_pct_chg",
    "oty_total_annual_wages_chg",
    "oty_total_annual_wages_pct_chg",
    "oty_taxable_annual_wages_chg",
    "oty_taxable_annual_wages_pct_chg",
    "oty_annual_contributions_chg",
    "oty_annual_contributions_pct_chg",
    "oty_annual_avg_wkly_wage_chg",
    "oty_annual_avg_wkly_wage_pct_chg",
    "oty_avg_annual_pay_chg",
    "oty_avg_annual_pay_pct_chg",
]


def qcew_row(area: str, year: int, emp: int, agglvl: str = "70") -> str:
    cells = [f'"{area}"', '"0"', '"10"', f'"{agglvl}"', '"0"', f'"{year}"', '"A"', '""']
    cells += ["120", str(emp), str(emp * 50000), "0", "0", "960", "50000", '""']
    cells += ["1.00"] * 7 + ['""'] + ["0"] * 14
    return ",".join(cells)


def qcew_csv(rows: list[str]) -> bytes:
    return ("\n".join([",".join(f'"{c}"' for c in QCEW_HEADER), *rows]) + "\n").encode()


INDUSTRY_10 = qcew_csv(
    [
        qcew_row("US000", 2023, 150_000_000, "10"),
        qcew_row("33001", 2023, 30_000),  # a New Hampshire county: not fetched for VT
        qcew_row("50000", 2023, 300_000, "50"),
        qcew_row("50001", 2023, 15_000),
        qcew_row("50003", 2023, 17_000),
        qcew_row("50999", 2023, 900),  # unknown or undefined: no slice
    ]
)
CIP_CSV = (
    b'"CIPFamily","CIPCode","Action","TextChange","CIPTitle","CIPDefinition","CrossReferences","Examples"\r\n'
    b'="01",="01.0000","No substantive changes",no,"Agriculture, General.","A general program.","",""\r\n'
)
HTML_PAGE = b"<!DOCTYPE html><html><body><h1>Access Denied</h1></body></html>"


def make_zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def shapefile_zip(year: int) -> bytes:
    stem = f"cb_{year}_us_county_500k"
    return make_zip(
        {f"{stem}.{ext}": f"{ext} of {stem}".encode() for ext in ("shp", "shx", "dbf", "prj", "cpg")}
    )


def oews_zip(yy: str, kind: str) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "All May data"
    sheet.append(["AREA", "AREA_TITLE", "OCC_CODE", "OCC_TITLE", "TOT_EMP", "H_MEDIAN", "A_MEDIAN"])
    sheet.append(["50", "Vermont", "00-0000", "All Occupations", "300000", "24.50", "50960"])
    buf = io.BytesIO()
    book.save(buf)
    inner = f"oesm{yy}{kind}/{'state' if kind == 'st' else 'MSA'}_M20{yy}_dl.xlsx"
    return make_zip({inner: buf.getvalue(), f"oesm{yy}{kind}/readme.txt": b"field descriptions"})


def bomb_zip(year: int) -> bytes:
    stem = f"cb_{year}_us_county_500k"
    members = {f"{stem}.{ext}": b"x" for ext in ("shx", "dbf", "prj")}
    members[f"{stem}.shp"] = bytes(40 * (1 << 20))  # 40 MiB of zeros, about 40 KiB compressed
    return make_zip(members)


# --------------------------------------------------------------------------- the loopback server

Route = Callable[[BaseHTTPRequestHandler], None]


def send(h: BaseHTTPRequestHandler, data: bytes, *, ranges: bool = True, status: int = 200) -> None:
    """Send ``data``, honouring ``Range: bytes=N-`` (with ``If-Range`` on the ETag) when ``ranges``."""
    etag = '"' + hashlib.sha1(data).hexdigest() + '"'
    match = re.fullmatch(r"bytes=(\d+)-", h.headers.get("Range") or "")
    if_range = h.headers.get("If-Range")
    if ranges and match and (if_range is None or if_range == etag):
        start = int(match.group(1))
        if start >= len(data):
            h.send_response(416)
            h.end_headers()
            return
        h.send_response(206)
        h.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        data = data[start:]
    else:
        h.send_response(status)
    h.send_header("Content-Length", str(len(data)))
    h.send_header("ETag", etag)
    h.end_headers()
    h.wfile.write(data)


def static(data: bytes, ranges: bool = True) -> Route:
    return lambda h: send(h, data, ranges=ranges)


def status(code: int) -> Route:
    def route(h: BaseHTTPRequestHandler) -> None:
        h.send_response(code)
        h.send_header("Content-Length", "0")
        h.end_headers()

    return route


def fail_then(data: bytes, failures: int, code: int = 500) -> Route:
    count = {"n": 0}

    def route(h: BaseHTTPRequestHandler) -> None:
        count["n"] += 1
        if count["n"] <= failures:
            status(code)(h)
        else:
            send(h, data)

    return route


def truncated(data: bytes, times: int = 1_000) -> Route:
    """Announce the whole length, send half, close the connection (``times`` times, then behave)."""
    count = {"n": 0}

    def route(h: BaseHTTPRequestHandler) -> None:
        count["n"] += 1
        if count["n"] > times:
            send(h, data)
            return
        h.send_response(200)
        h.send_header("Content-Length", str(len(data)))
        h.send_header("ETag", '"' + hashlib.sha1(data).hexdigest() + '"')
        h.end_headers()
        h.wfile.write(data[: len(data) // 2])
        h.wfile.flush()
        h.close_connection = True

    return route


def slow(data: bytes, seconds: float) -> Route:
    def route(h: BaseHTTPRequestHandler) -> None:
        time.sleep(seconds)
        with_suppressed_errors(lambda: send(h, data))

    return route


def with_suppressed_errors(func: Callable[[], None]) -> None:
    with contextlib.suppress(OSError):  # the client gave up and closed the socket
        func()


def redirect(location: str) -> Route:
    def route(h: BaseHTTPRequestHandler) -> None:
        h.send_response(302)
        h.send_header("Location", location)
        h.send_header("Content-Length", "0")
        h.end_headers()

    return route


def sequence(*routes: Route) -> Route:
    """The n-th request gets ``routes[n]`` (the last one from then on)."""
    count = {"n": 0}

    def route(h: BaseHTTPRequestHandler) -> None:
        count["n"] += 1
        routes[min(count["n"], len(routes)) - 1](h)

    return route


def drop(h: BaseHTTPRequestHandler) -> None:
    """Close the connection without an answer."""
    h.close_connection = True


def with_header(route: Route, name: str, value: str) -> Route:
    def wrapped(h: BaseHTTPRequestHandler) -> None:
        original = h.end_headers

        def end_headers() -> None:
            h.send_header(name, value)
            original()

        h.end_headers = end_headers  # type: ignore[method-assign]
        route(h)

    return wrapped


def unsized(data: bytes) -> Route:
    """Send ``data`` without a Content-Length (the body ends when the connection closes)."""

    def route(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.end_headers()
        with_suppressed_errors(lambda: h.wfile.write(data))
        h.close_connection = True

    return route


def resumes_from_zero(data: bytes) -> Route:
    """Answer a ``Range`` request with 206 but from byte 0 (a broken server)."""

    def route(h: BaseHTTPRequestHandler) -> None:
        h.send_response(206)
        h.send_header("Content-Range", f"bytes 0-{len(data) - 1}/{len(data)}")
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    return route


class Server:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: list[tuple[str, dict[str, str]]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                outer.hits.append((self.path, dict(self.headers)))
                route = outer.routes.get(self.path, status(404))
                route(self)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def hits_of(self, path: str) -> list[dict[str, str]]:
        return [headers for p, headers in self.hits if p == path]


@pytest.fixture(scope="module")
def _server() -> Iterator[Server]:
    server = Server()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture
def server(_server: Server) -> Server:
    _server.routes.clear()
    _server.hits.clear()
    return _server


def options(server: Server, dest: Path, **kw: object) -> FetchOptions:
    bases = {
        s: f"{server.url}/{s}/" for s in ("qcew", "oews", "projections", "cip", "cip_soc", "cbsa", "counties")
    }
    defaults: dict[str, object] = {
        "dest": dest,
        "base_urls": bases,
        "allow_loopback": True,
        "retries": 2,
        "backoff_s": 0.01,
        "timeout_s": 2.0,
    }
    return FetchOptions(**{**defaults, **kw})


def spec(server: Server, path: str, expect: Expect, name: str = "file.csv", **kw: object) -> FileSpec:
    return FileSpec("test", "2023", name, f"{server.url}{path}", expect, **kw)


CIP_EXPECT = Expect("csv", "NCES CIP 2020 list", columns=("CIPFamily", "CIPCode", "Action", "CIPTitle"))


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if ".part" in p.name or p.name.startswith("."))


# --------------------------------------------------------------------------- plan and policy


def test_plan_urls_follow_the_publishers_patterns():
    specs = {s.shown: s.url for s in plan_fetch("vt", 2023)}
    assert (
        specs["qcew/2023/all-areas/industry_10.csv"]
        == "https://data.bls.gov/cew/data/api/2023/a/industry/10.csv"
    )
    assert specs["qcew/2023/area_50000.csv"] == "https://data.bls.gov/cew/data/api/2023/a/area/50000.csv"
    assert specs["qcew/2023/area_US000.csv"] == "https://data.bls.gov/cew/data/api/2023/a/area/US000.csv"
    assert specs["oews/2023/oesm23st.zip"] == "https://www.bls.gov/oes/special-requests/oesm23st.zip"
    assert specs["oews/2023/oesm23ma.zip"] == "https://www.bls.gov/oes/special-requests/oesm23ma.zip"
    assert (
        specs["projections/current/occupation.xlsx"]
        == "https://www.bls.gov/emp/ind-occ-matrix/occupation.xlsx"
    )
    assert specs["cip_soc/2020/CIP2020_SOC2018_Crosswalk.xlsx"].startswith(
        "https://nces.ed.gov/ipeds/cipcode/Files/"
    )
    assert specs["counties/2023/cb_2023_us_county_500k.zip"] == (
        "https://www2.census.gov/geo/tiger/GENZ2023/shp/cb_2023_us_county_500k.zip"
    )
    assert specs["cbsa/2023/list1_2023.xlsx"] == (
        "https://www2.census.gov/programs-surveys/metro-micro/geographies/reference-files/2023/"
        "delineation-files/list1_2023.xlsx"
    )
    # the 2020 delineation is a legacy .xls; 2021 and 2022 use it
    assert [s.name for s in plan_fetch("50", 2022, ["cbsa"])] == ["list1_2020.xls"]
    assert (cbsa_vintage(2019), cbsa_vintage(2024), cbsa_vintage(2010)) == (2018, 2023, 2013)
    mirrored = plan_fetch("VT", 2023, ["oews"], base_urls={"oews": "https://mirror.example.org/oes"})
    assert mirrored[0].url == "https://mirror.example.org/oes/oesm23st.zip"


def test_plan_refuses_unknown_state_and_source():
    with pytest.raises(FetchError, match="unknown state 'XX'"):
        plan_fetch("XX", 2023)
    with pytest.raises(FetchError, match="unknown source"):
        plan_fetch("VT", 2023, ["qcew", "weather"])
    with pytest.raises(FetchError, match="expected SOURCE=URL"):
        parse_base_urls(["oews"])
    with pytest.raises(FetchError, match="unknown source 'bls'"):
        parse_base_urls(["bls=https://x.example"])


def test_only_https_urls_are_fetched(server, tmp_path):
    check_url("https://data.bls.gov/x.csv")
    check_url("http://127.0.0.1:8000/x.csv", allow_loopback=True)
    for url in ("http://data.bls.gov/x.csv", "ftp://data.bls.gov/x.csv", "file:///etc/passwd"):
        with pytest.raises(FetchError, match="only https"):
            check_url(url, allow_loopback=True)
    with pytest.raises(FetchError, match="only https"):
        check_url(f"{server.url}/cip.csv")  # loopback only when the caller allows it
    server.routes["/cip.csv"] = static(CIP_CSV)
    result = fetch_file(spec(server, "/cip.csv", CIP_EXPECT), options(server, tmp_path, allow_loopback=False))
    assert result.status == "failed" and "only https" in result.message
    assert server.hits == [] and not (tmp_path / "test").exists()


def test_a_redirect_to_plain_http_is_refused(server, tmp_path):
    server.routes["/moved.csv"] = redirect("http://data.bls.gov/cip.csv")
    result = fetch_file(spec(server, "/moved.csv", CIP_EXPECT), options(server, tmp_path))
    assert result.status == "failed" and "refused http://data.bls.gov/cip.csv" in result.message
    assert len(server.hits) == 1
    # a redirect that stays on an allowed URL is followed
    server.routes["/moved.csv"] = redirect("/cip.csv")
    server.routes["/cip.csv"] = static(CIP_CSV)
    result = fetch_file(spec(server, "/moved.csv", CIP_EXPECT), options(server, tmp_path))
    assert result.status == "downloaded" and result.path.read_bytes() == CIP_CSV


def test_fetch_config_section(tmp_path):
    cfg = tmp_path / "config.yml"
    cfg.write_text(
        "run: x\nfetch:\n  base_urls:\n    oews: https://mirror.example.org/oes/\n  user_agent: me@x.org\n"
    )
    assert load_fetch_config(cfg) == {
        "base_urls": {"oews": "https://mirror.example.org/oes/"},
        "user_agent": "me@x.org",
    }
    cfg.write_text("fetch:\n  base_url:\n    oews: https://x\n")
    with pytest.raises(FetchError, match="unknown key"):
        load_fetch_config(cfg)


# --------------------------------------------------------------------------- a whole state


def test_fetch_a_state_from_a_mirror(server, tmp_path):
    for area, emp in (("US000", 150_000_000), ("50000", 300_000), ("50001", 15_000), ("50003", 17_000)):
        agglvl = {"US000": "10", "50000": "50"}.get(area, "70")
        server.routes[f"/qcew/2023/a/area/{area}.csv"] = static(qcew_csv([qcew_row(area, 2023, emp, agglvl)]))
    server.routes["/qcew/2023/a/industry/10.csv"] = static(INDUSTRY_10)
    server.routes["/oews/oesm23st.zip"] = static(oews_zip("23", "st"))
    server.routes["/oews/oesm23ma.zip"] = static(oews_zip("23", "ma"))
    server.routes["/counties/GENZ2023/shp/cb_2023_us_county_500k.zip"] = static(shapefile_zip(2023))
    seen: list[str] = []
    report = fetch(
        "VT",
        2023,
        ["qcew", "oews", "counties"],
        options=options(server, tmp_path),
        on_file=lambda r: seen.append(f"{r.status} {r.spec.shown}"),
    )
    assert report.ok, [r.message for r in report.failed]
    assert seen == [
        "downloaded qcew/2023/all-areas/industry_10.csv",
        "downloaded qcew/2023/area_50001.csv",
        "downloaded qcew/2023/area_50003.csv",
        "downloaded qcew/2023/area_US000.csv",
        "downloaded qcew/2023/area_50000.csv",
        "downloaded oews/2023/oesm23st.zip",
        "downloaded oews/2023/oesm23ma.zip",
        "downloaded counties/2023/cb_2023_us_county_500k.zip",
    ]
    # the county slices are those of Vermont in the all-areas slice: not 33001, not 50999
    assert not server.hits_of("/qcew/2023/a/area/50999.csv") and not server.hits_of(
        "/qcew/2023/a/area/33001.csv"
    )
    # every request says who is asking
    assert all(h["User-Agent"].startswith("alignment/") for _, h in server.hits)
    # the folder reads with the project's QCEW reader (the all-areas slice sits in a subfolder)
    qcew = read_qcew(tmp_path / "qcew" / "2023")
    assert sorted(qcew["area_fips"]) == ["50000", "50001", "50003", "US000"]
    assert qcew.set_index("area_fips").loc["50003", "employment"] == 17_000
    # OEWS workbooks are extracted beside their zips
    assert (tmp_path / "oews/2023/state_M2023_dl.xlsx").is_file()
    assert (tmp_path / "oews/2023/MSA_M2023_dl.xlsx").is_file()
    manifest = json.loads((tmp_path / "qcew/2023/manifest.json").read_text())
    entry = manifest["files"]["area_50001.csv"]
    body = (tmp_path / "qcew/2023/area_50001.csv").read_bytes()
    assert entry["sha256"] == hashlib.sha256(body).hexdigest() and entry["bytes"] == len(body)
    assert entry["url"] == f"{server.url}/qcew/2023/a/area/50001.csv"
    assert entry["layout"] == "annual singlefile CSV" and entry["downloaded_at"].endswith("Z")
    oews = json.loads((tmp_path / "oews/2023/manifest.json").read_text())["files"]
    assert oews["state_M2023_dl.xlsx"]["member"] == "oesm23st/state_M2023_dl.xlsx"
    assert leftovers(tmp_path) == []

    # a second run finds every file in place and downloads nothing
    server.hits.clear()
    again = fetch("VT", 2023, ["qcew", "oews", "counties"], options=options(server, tmp_path))
    assert {r.status for r in again.results} == {"present"} and len(again.results) == 8
    assert server.hits == []


def test_qcew_counties_of_a_state(tmp_path):
    path = tmp_path / "industry_10.csv"
    path.write_bytes(INDUSTRY_10)
    assert qcew_counties(path, "50") == ["50001", "50003"]
    assert qcew_counties(path, "33") == ["33001"]


# --------------------------------------------------------------------------- misbehaving server


@pytest.fixture
def good_copy(tmp_path) -> Path:
    """A previous good download under the final name."""
    path = tmp_path / "test" / "2023" / "file.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(CIP_CSV)
    return path


def test_not_found_is_not_retried(server, tmp_path):
    result = fetch_file(spec(server, "/missing.csv", CIP_EXPECT), options(server, tmp_path))
    assert result.status == "failed"
    assert "HTTP 404" in result.message and "--base-url" in result.message
    assert len(server.hits) == 1
    assert not result.path.exists() and leftovers(tmp_path) == []


def test_server_error_then_success_is_retried(server, tmp_path):
    server.routes["/cip.csv"] = fail_then(CIP_CSV, failures=2, code=503)
    result = fetch_file(spec(server, "/cip.csv", CIP_EXPECT), options(server, tmp_path))
    assert result.status == "downloaded" and result.path.read_bytes() == CIP_CSV
    assert len(server.hits) == 3


def test_server_errors_past_the_retries_leave_the_good_copy(server, tmp_path, good_copy):
    server.routes["/cip.csv"] = fail_then(CIP_CSV, failures=10, code=500)
    result = fetch_file(spec(server, "/cip.csv", CIP_EXPECT), options(server, tmp_path, refresh=True))
    assert (
        result.status == "failed"
        and "HTTP 500" in result.message
        and "gave up after 3 attempts" in result.message
    )
    assert "previous copy is unchanged" in result.message
    assert good_copy.read_bytes() == CIP_CSV and len(server.hits) == 3


def test_truncated_body_is_resumed_with_range(server, tmp_path):
    body = qcew_csv([qcew_row("50001", 2023, 1000 + i) for i in range(50)])
    server.routes["/area.csv"] = truncated(body, times=1)
    expect = Expect("csv", "QCEW slice", qcew=True)
    result = fetch_file(spec(server, "/area.csv", expect), options(server, tmp_path))
    assert result.status == "downloaded" and result.path.read_bytes() == body
    first, second = server.hits_of("/area.csv")
    assert "Range" not in first and second["Range"] == f"bytes={len(body) // 2}-"
    assert leftovers(tmp_path) == []


def test_truncated_every_time_fails_and_keeps_the_part_for_later(server, tmp_path, good_copy):
    body = CIP_CSV * 40
    server.routes["/cip.csv"] = truncated(body)
    result = fetch_file(spec(server, "/cip.csv", CIP_EXPECT), options(server, tmp_path, refresh=True))
    assert result.status == "failed" and "closed after" in result.message
    assert good_copy.read_bytes() == CIP_CSV  # the short download never replaced it
    part = good_copy.with_name("file.csv.part")
    assert part.read_bytes() == body[: len(body) // 2]  # kept for a later resume

    # the next run resumes the .part left behind by the interrupted one
    server.routes["/cip.csv"] = static(body)
    server.hits.clear()
    result = fetch_file(spec(server, "/cip.csv", CIP_EXPECT), options(server, tmp_path, refresh=True))
    assert result.status == "downloaded" and good_copy.read_bytes() == body
    assert server.hits[0][1]["Range"] == f"bytes={len(body) // 2}-"
    assert leftovers(tmp_path) == []


def test_a_changed_file_is_not_spliced_onto_an_old_part(server, tmp_path):
    old, new = CIP_CSV * 40, CIP_CSV.replace(b"General", b"Overall") * 40
    server.routes["/cip.csv"] = truncated(old)
    fetch_file(spec(server, "/cip.csv", CIP_EXPECT), options(server, tmp_path, retries=0))
    server.routes["/cip.csv"] = static(new)  # the publisher replaced the file meanwhile: ETag differs
    result = fetch_file(spec(server, "/cip.csv", CIP_EXPECT), options(server, tmp_path))
    assert result.status == "downloaded" and result.path.read_bytes() == new
    assert server.hits[-1][1]["If-Range"] == '"' + hashlib.sha1(old).hexdigest() + '"'


def test_an_html_page_instead_of_a_csv_is_refused(server, tmp_path, good_copy):
    server.routes["/cip.csv"] = static(HTML_PAGE)
    result = fetch_file(spec(server, "/cip.csv", CIP_EXPECT), options(server, tmp_path, refresh=True))
    assert result.status == "failed" and "web page (HTML)" in result.message
    assert good_copy.read_bytes() == CIP_CSV and leftovers(tmp_path) == []


def test_a_csv_with_other_columns_is_refused(server, tmp_path, good_copy):
    server.routes["/cip.csv"] = static(b"code,title\n01.0000,Agriculture\n")
    result = fetch_file(spec(server, "/cip.csv", CIP_EXPECT), options(server, tmp_path, refresh=True))
    assert result.status == "failed"
    assert (
        "row 1: missing column(s) CIPFamily, CIPCode, Action, CIPTitle; found: code, title" in result.message
    )
    server.routes["/area.csv"] = static(CIP_CSV)
    result = fetch_file(
        spec(server, "/area.csv", Expect("csv", "QCEW", qcew=True)), options(server, tmp_path)
    )
    assert result.status == "failed" and "not a QCEW CSV" in result.message
    assert good_copy.read_bytes() == CIP_CSV and leftovers(tmp_path) == []


def test_a_zip_without_the_expected_members_is_refused(server, tmp_path):
    expect = Expect("zip", "shapefile", members=("cb_2023_us_county_500k.shp", "cb_2023_us_county_500k.dbf"))
    server.routes["/c.zip"] = static(make_zip({"cb_2023_us_county_500k.shp": b"shp"}))
    result = fetch_file(spec(server, "/c.zip", expect, name="c.zip"), options(server, tmp_path))
    assert result.status == "failed" and "lacks member(s) cb_2023_us_county_500k.dbf" in result.message
    server.routes["/c.zip"] = static(b"PK\x03\x04 not really a zip")
    result = fetch_file(spec(server, "/c.zip", expect, name="c.zip"), options(server, tmp_path))
    assert result.status == "failed" and "not a valid zip" in result.message
    assert not result.path.exists() and leftovers(tmp_path) == []


def test_a_zip_bomb_is_refused(server, tmp_path):
    good = shapefile_zip(2023)
    final = tmp_path / "counties" / "2023" / "cb_2023_us_county_500k.zip"
    final.parent.mkdir(parents=True)
    final.write_bytes(good)
    server.routes["/counties/GENZ2023/shp/cb_2023_us_county_500k.zip"] = static(bomb_zip(2023))
    report = fetch("VT", 2023, ["counties"], options=options(server, tmp_path, refresh=True))
    (result,) = report.failed
    assert "refused as a zip bomb" in result.message and "cb_2023_us_county_500k.shp" in result.message
    assert final.read_bytes() == good and leftovers(tmp_path) == []
    # the total uncompressed size has its own limit
    tight = Limits(max_unzipped_bytes=1 << 20)
    report = fetch("VT", 2023, ["counties"], options=options(server, tmp_path, refresh=True, limits=tight))
    assert "more than the limit of 1.0 MiB" in report.failed[0].message
    assert final.read_bytes() == good


def test_a_file_over_the_size_limit_is_stopped(server, tmp_path):
    server.routes["/big.csv"] = static(CIP_CSV * 1000)
    result = fetch_file(spec(server, "/big.csv", CIP_EXPECT, max_bytes=10_000), options(server, tmp_path))
    assert result.status == "failed" and "more than the limit" in result.message and len(server.hits) == 1
    assert not result.path.exists() and leftovers(tmp_path) == []


def test_a_slow_server_times_out(server, tmp_path, good_copy):
    server.routes["/cip.csv"] = slow(CIP_CSV * 2, seconds=1.0)
    start = time.perf_counter()
    result = fetch_file(
        spec(server, "/cip.csv", CIP_EXPECT),
        options(server, tmp_path, timeout_s=0.2, retries=1, refresh=True),
    )
    assert time.perf_counter() - start < 2.0
    assert result.status == "failed" and "gave up after 2 attempts" in result.message
    assert good_copy.read_bytes() == CIP_CSV


def test_backoff_doubles_and_retry_after_is_honoured_up_to_the_cap(server, tmp_path, monkeypatch):
    waits: list[float] = []
    monkeypatch.setattr(time, "sleep", waits.append)
    server.routes["/cip.csv"] = fail_then(CIP_CSV, failures=3, code=503)
    result = fetch_file(
        spec(server, "/cip.csv", CIP_EXPECT), options(server, tmp_path, retries=3, backoff_s=0.5)
    )
    assert result.status == "downloaded" and waits == [0.5, 1.0, 2.0]
    # Retry-After: a longer wait is honoured, capped at max_backoff_s
    waits.clear()
    server.routes["/cip.csv"] = sequence(
        with_header(status(429), "Retry-After", "3"),
        with_header(status(503), "Retry-After", "3600"),
        static(CIP_CSV),
    )
    opts = options(server, tmp_path, refresh=True, backoff_s=0.5, max_backoff_s=10.0)
    result = fetch_file(spec(server, "/cip.csv", CIP_EXPECT), opts)
    assert result.status == "unchanged" and waits == [3.0, 10.0]


def test_a_dropped_connection_is_retried(server, tmp_path):
    server.routes["/cip.csv"] = sequence(drop, drop, static(CIP_CSV))
    result = fetch_file(spec(server, "/cip.csv", CIP_EXPECT), options(server, tmp_path))
    assert result.status == "downloaded" and result.path.read_bytes() == CIP_CSV
    assert len(server.hits) == 3 and leftovers(tmp_path) == []
    server.routes["/cip.csv"] = drop
    server.hits.clear()
    result = fetch_file(spec(server, "/cip.csv", CIP_EXPECT), options(server, tmp_path, refresh=True))
    assert result.status == "failed" and "gave up after 3 attempts" in result.message
    assert "Remote end closed connection" in result.message and len(server.hits) == 3


def test_retries_are_one_budget_for_errors_and_cut_bodies(server, tmp_path):
    body = CIP_CSV * 40
    server.routes["/cip.csv"] = sequence(status(503), truncated(body), static(body))
    result = fetch_file(spec(server, "/cip.csv", CIP_EXPECT), options(server, tmp_path, retries=1))
    assert result.status == "failed" and "closed after" in result.message
    assert "gave up after 2 attempts" in result.message and len(server.hits) == 2
    server.routes["/cip.csv"] = sequence(status(503), truncated(body), static(body))
    server.hits.clear()
    result = fetch_file(spec(server, "/cip.csv", CIP_EXPECT), options(server, tmp_path / "b", retries=2))
    assert result.status == "downloaded" and result.path.read_bytes() == body
    assert [h.get("Range") for h in server.hits_of("/cip.csv")] == [None, None, f"bytes={len(body) // 2}-"]


def test_a_server_ignoring_range_sends_the_whole_file_again(server, tmp_path):
    body = CIP_CSV * 40
    server.routes["/cip.csv"] = sequence(truncated(body), static(body, ranges=False))
    result = fetch_file(spec(server, "/cip.csv", CIP_EXPECT), options(server, tmp_path))
    assert result.status == "downloaded" and result.path.read_bytes() == body  # not spliced onto the half
    assert server.hits[1][1]["Range"] == f"bytes={len(body) // 2}-"
    assert leftovers(tmp_path) == []


def test_a_resume_at_the_wrong_place_starts_over(server, tmp_path):
    body = CIP_CSV * 40
    server.routes["/cip.csv"] = sequence(truncated(body), resumes_from_zero(body), static(body))
    result = fetch_file(spec(server, "/cip.csv", CIP_EXPECT), options(server, tmp_path))
    assert result.status == "downloaded" and result.path.read_bytes() == body
    assert [h.get("Range") for h in server.hits_of("/cip.csv")] == [None, f"bytes={len(body) // 2}-", None]


def test_a_body_that_stalls_is_resumed(server, tmp_path):
    body = CIP_CSV * 40

    def stall(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", str(len(body)))
        h.send_header("ETag", '"' + hashlib.sha1(body).hexdigest() + '"')
        h.end_headers()
        h.wfile.write(body[:1000])
        h.wfile.flush()
        time.sleep(1.0)  # longer than the client's timeout
        with_suppressed_errors(lambda: h.wfile.write(body[1000:]))

    server.routes["/cip.csv"] = sequence(stall, static(body))
    opts = options(server, tmp_path, timeout_s=0.3, chunk_bytes=500)  # whole chunks arrive before the stall
    result = fetch_file(spec(server, "/cip.csv", CIP_EXPECT), opts)
    assert result.status == "downloaded" and result.path.read_bytes() == body
    assert server.hits[1][1]["Range"] == "bytes=1000-" and leftovers(tmp_path) == []


def test_a_refused_connection_is_retried_then_reported(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there once the socket is closed
    target = FileSpec("test", "2023", "file.csv", f"http://127.0.0.1:{port}/cip.csv", CIP_EXPECT)
    opts = FetchOptions(dest=tmp_path, allow_loopback=True, retries=1, backoff_s=0.01, timeout_s=2.0)
    result = fetch_file(target, opts)
    assert result.status == "failed" and "cannot connect to 127.0.0.1" in result.message
    assert "gave up after 2 attempts" in result.message and "Traceback" not in result.message
    assert not result.path.exists() and leftovers(tmp_path) == []


def test_a_file_without_a_size_is_stopped_at_the_limit(server, tmp_path):
    server.routes["/big.csv"] = unsized(CIP_CSV * 1000)
    result = fetch_file(spec(server, "/big.csv", CIP_EXPECT, max_bytes=10_000), options(server, tmp_path))
    assert result.status == "failed" and "passed the limit" in result.message and len(server.hits) == 1
    assert not result.path.exists() and leftovers(tmp_path) == []
    server.routes["/cip.csv"] = unsized(CIP_CSV)  # under the limit: read to the end of the connection
    result = fetch_file(spec(server, "/cip.csv", CIP_EXPECT), options(server, tmp_path))
    assert result.status == "downloaded" and result.path.read_bytes() == CIP_CSV


def test_a_name_that_does_not_resolve_is_not_retried(tmp_path, monkeypatch):
    lookups: list[object] = []

    def no_dns(*args: object, **kwargs: object) -> None:
        lookups.append(args[0])
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    target = FileSpec("test", "2023", "file.csv", "https://data.bls.gov/x.csv", CIP_EXPECT)
    with pytest.raises(OfflineError, match="cannot resolve data.bls.gov"):
        fetch_file(target, FetchOptions(dest=tmp_path, retries=3, backoff_s=0.01))
    assert lookups == ["data.bls.gov"]


def test_offline_stops_the_run_with_a_message(server, tmp_path, monkeypatch, capsys):
    def no_dns(*args: object, **kwargs: object) -> None:
        raise socket.gaierror(-3, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    report = fetch("VT", 2023, ["cip", "cip_soc"], options=FetchOptions(dest=tmp_path, retries=3))
    assert "cannot resolve nces.ed.gov" in report.offline and "offline" in report.offline
    assert report.results == [] and not report.ok  # stopped at the first file, no retries
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
    args = [
        "fetch",
        "--state",
        "VT",
        "--year",
        "2023",
        "--sources",
        "cip",
        "--dest",
        str(tmp_path),
        "--no-progress",
    ]
    assert main(args) == 2
    captured = capsys.readouterr()
    assert "error: cannot resolve nces.ed.gov: the computer seems to be offline" in captured.err
    assert "Traceback" not in captured.err


# --------------------------------------------------------------------------- command line


def test_cli_fetch_plan_run_and_failure(server, tmp_path, capsys):
    server.routes["/cip/CIPCode2020.csv"] = static(CIP_CSV)
    cross = b'"CIPCode2010","CIPTitle2010","Action","Text change","CIPCode2020","CIPTitle2020"\n="01.0000","A.","No substantive changes",no,="01.0000","A."\n'
    server.routes["/cip/Crosswalk2010to2020.csv"] = static(cross)
    args = ["fetch", "--state", "VT", "--year", "2023", "--sources", "cip", "--dest", str(tmp_path)]
    args += ["--base-url", f"cip={server.url}/cip/", "--allow-loopback", "--no-progress"]
    assert main([*args, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "cip/2020/CIPCode2020.csv" in out and f"{server.url}/cip/CIPCode2020.csv" in out
    assert "dry run: nothing was downloaded (2 file(s) planned)" in out and server.hits == []

    assert main(args) == 0
    out = capsys.readouterr().out
    assert "fetch: 2 downloaded" in out
    assert (tmp_path / "cip/2020/Crosswalk2010to2020.csv").read_bytes() == cross

    server.routes["/cip/CIPCode2020.csv"] = static(HTML_PAGE)
    assert main([*args, "--refresh", "--retries", "0"]) == 2
    captured = capsys.readouterr()
    assert "1 unchanged · 1 failed" in captured.out
    assert "web page (HTML)" in captured.err and "Traceback" not in captured.err
    assert (tmp_path / "cip/2020/CIPCode2020.csv").read_bytes() == CIP_CSV

    plain = ["fetch", "--state", "VT", "--year", "2023", "--sources", "cip", "--dest", str(tmp_path / "x")]
    assert main([*plain, "--base-url", "cip=http://nces.ed.gov/", "--no-progress"]) == 2
    assert "refused http://nces.ed.gov/CIPCode2020.csv: only https" in capsys.readouterr().err
    assert main(["fetch", "--state", "ZZ", "--year", "2023"]) == 1
    assert "unknown state 'ZZ'" in capsys.readouterr().err


# --------------------------------------------------------------------------- real publisher files


def real(folder: str, name: str) -> Path:
    path = REAL / folder / name
    if not path.is_file():
        pytest.skip(f"{path} not present")
    return path


@pytest.mark.realdata
def test_real_reference_files_pass_their_checks(server, tmp_path):
    files = {
        "/cip/CIPCode2020.csv": real("nces-cip-2020", "CIPCode2020.csv"),
        "/cip/Crosswalk2010to2020.csv": real("nces-cip-2020", "Crosswalk2010to2020.csv"),
        "/cip_soc/CIP2020_SOC2018_Crosswalk.xlsx": real(
            "nces-cip-soc-crosswalk", "CIP2020_SOC2018_Crosswalk.xlsx"
        ),
        "/projections/occupation.xlsx": real("bls-employment-projections", "occupation.xlsx"),
        "/cbsa/2023/delineation-files/list1_2023.xlsx": real("omb-cbsa-delineation", "list1_2023.xlsx"),
    }
    for path, file in files.items():
        server.routes[path] = static(file.read_bytes())
    report = fetch("VT", 2023, ["projections", "cip", "cip_soc", "cbsa"], options=options(server, tmp_path))
    assert report.ok, [r.message for r in report.failed]
    assert len(report.results) == 5
    for result in report.results:
        source = files[result.spec.url.removeprefix(server.url)]
        assert result.path.read_bytes() == source.read_bytes()
    layouts = {
        name: entry["layout"]
        for m in tmp_path.rglob("manifest.json")
        for name, entry in json.loads(m.read_text())["files"].items()
    }
    assert layouts["occupation.xlsx"] == "BLS Employment Projections occupation workbook, sheet 'Table 1.10'"
    assert layouts["CIP2020_SOC2018_Crosswalk.xlsx"] == "NCES CIP 2020-SOC 2018 crosswalk, sheet 'CIP-SOC'"
    assert layouts["list1_2023.xlsx"] == "OMB CBSA delineation list 1, sheet 'List 1'"

    # the 2020 delineation, a legacy .xls with title lines above the header
    xls = real("omb-cbsa-delineation", "list1_2020.xls")
    expect = plan_fetch("VT", 2022, ["cbsa"])[0].expect
    assert verify_file(xls, expect) == "OMB CBSA delineation list 1, sheet 'List 1'"
    # and a real OEWS all-data workbook passes the check of an extracted member
    oews = real("bls-oews", "national_M2025_dl.xlsx")
    assert verify_file(oews, plan_fetch("VT", 2025, ["oews"])[0].extract[0][1]).startswith(
        "OEWS all-data workbook"
    )


@pytest.mark.realdata
def test_real_qcew_singlefile_lists_the_counties_of_utah(server, tmp_path):
    ut = real("bls-qcew/annual_singlefile_ut_county_totals", "2017.annual.singlefile.csv")
    server.routes["/qcew/2017/a/industry/10.csv"] = static(ut.read_bytes())
    counties = qcew_counties(ut, "49")
    assert len(counties) == 29 and counties[0] == "49001" and counties[-1] == "49057"
    for area in ["US000", "49000", *counties]:
        server.routes[f"/qcew/2017/a/area/{area}.csv"] = static(qcew_csv([qcew_row(area, 2017, 100)]))
    report = fetch("UT", 2017, ["qcew"], options=options(server, tmp_path))
    assert report.ok and len(report.results) == 32
    assert (tmp_path / "qcew/2017/all-areas/industry_10.csv").read_bytes() == ut.read_bytes()
    assert len(list((tmp_path / "qcew/2017").glob("area_*.csv"))) == 31
