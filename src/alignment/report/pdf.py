"""Region report page → PDF, printed offline by headless Chromium.

The HTML report is already self-contained (no network loads, images embedded),
so printing it needs nothing but a browser: Debian's ``chromium`` (or
``chromium-browser`` / ``google-chrome``) run headless with a fresh, throw-away
profile and every background network feature switched off. The print layout
comes from ``templates/print.css`` (:func:`print_css`), which the report page
carries inline under ``@media print``: Letter pages, page numbers "n / N" in
the bottom-right margin, table headers repeated on every page, no row or
figure split across pages.

Without a browser, :func:`html_to_pdf` raises :class:`PdfUnavailable`; a run
turns that into a warning and publishes the HTML reports without PDFs. Any other
:class:`PdfError` (the browser timed out, crashed or wrote no valid PDF) fails
that region's report, so the run fails and names the region: a report that
stalls the printer is a broken report, not a missing tool.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from alignment.atomic import atomic_path
from alignment.paths import TEMPLATES_DIR
from alignment.timestamps import strip_pdf_dates

RENDERER_NAMES: tuple[str, ...] = ("chromium", "chromium-browser", "google-chrome")
PRINT_CSS_PATH = TEMPLATES_DIR / "print.css"
INSTALL_HINT = "install Debian's chromium: apt-get install chromium"
# headless, offline, no first-run or background work; add a fresh --user-data-dir per call
HEADLESS_FLAGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
_PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![A-Za-z])")


class PdfError(RuntimeError):
    """A report could not be printed to PDF (the browser failed, timed out or wrote no valid PDF)."""


class PdfUnavailable(PdfError):
    """No headless browser to print with is installed."""


def pdf_renderer(names: tuple[str, ...] | None = None) -> str | None:
    """Full path of the first browser in ``names`` (default :data:`RENDERER_NAMES`) on ``PATH``, or None."""
    for name in RENDERER_NAMES if names is None else names:
        found = shutil.which(name)
        if found:
            return found
    return None


def print_css() -> str:
    """The print stylesheet (``templates/print.css``), all of it under ``@media print``.

    Meant for ``notebook_to_html(..., extra_css=print_css())``: on screen the page is unchanged.

    >>> css = print_css()
    >>> css.lstrip().startswith("/*") and "@media print" in css and "counter(pages)" in css
    True
    """
    return PRINT_CSS_PATH.read_text(encoding="utf-8")


def chromium_command(renderer: str, url: str, pdf_path: Path, profile_dir: Path) -> list[str]:
    """The headless-Chromium command line that prints ``url`` to ``pdf_path``, fully offline.

    >>> cmd = chromium_command("chromium", "file:///r/report.html", Path("/o/x.pdf"), Path("/p"))
    >>> cmd[0], cmd[-1], "--print-to-pdf=/o/x.pdf" in cmd, "--user-data-dir=/p" in cmd
    ('chromium', 'file:///r/report.html', True, True)
    """
    return [
        renderer,
        *HEADLESS_FLAGS,
        f"--user-data-dir={profile_dir}",
        "--no-pdf-header-footer",
        f"--print-to-pdf={pdf_path}",
        url,
    ]


def pdf_page_count(data: bytes) -> int:
    """Number of page objects (``/Type /Page``, not ``/Pages``) in an uncompressed-xref PDF such as Chromium's.

    >>> pdf_page_count(b"%PDF-1.4 <</Type /Pages /Count 2>> <</Type /Page>> <</Type/Page /Parent 1 0 R>>")
    2
    """
    return len(_PAGE_OBJECT.findall(data))


def run_headless(command: list[str], *, timeout: float) -> subprocess.CompletedProcess[str]:
    """Run a browser command in its own process group; on timeout kill the whole group and raise PdfError."""
    with subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # Chromium forks zygote/renderer processes: kill them all on timeout
    ) as proc:
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise PdfError(f"{Path(command[0]).name} did not finish within {timeout:g} s") from None
    return subprocess.CompletedProcess(command, proc.returncode, stdout, stderr)


def _last_lines(text: str, n: int = 3) -> str:
    """The last ``n`` meaningful lines of the browser's output, on one line (a run shows one line per region)."""
    lines = [line.strip() for line in text.splitlines() if line.strip() and "dbus" not in line.lower()]
    return " | ".join(lines[-n:])


def html_to_pdf(html_path: str | Path, pdf_path: str | Path, *, timeout: float = 120) -> Path:
    """Print the HTML page ``html_path`` to ``pdf_path`` with headless Chromium; returns ``pdf_path``.

    Offline (a fresh temporary profile, background networking, sync, component
    updates and QUIC off; the report itself loads nothing). Atomic: Chromium
    writes a temporary file beside ``pdf_path``, which is renamed into place only
    when it starts with ``%PDF`` and holds at least one page; otherwise nothing
    is written and :class:`PdfError` is raised. :class:`PdfUnavailable` when no
    browser is installed; ``FileNotFoundError`` when ``html_path`` is missing.
    """
    renderer = pdf_renderer()
    if renderer is None:
        raise PdfUnavailable(
            f"no headless browser to print PDFs with (looked for {', '.join(RENDERER_NAMES)} on PATH); "
            f"{INSTALL_HINT}"
        )
    html_path = Path(html_path).resolve()
    if not html_path.is_file():
        raise FileNotFoundError(f"no HTML page to print: {html_path}")
    pdf_path = Path(pdf_path)
    with (
        tempfile.TemporaryDirectory(prefix="alignment-chromium-", ignore_cleanup_errors=True) as profile,
        atomic_path(pdf_path, suffix=".pdf") as tmp,
    ):
        tmp = tmp.resolve()
        try:
            result = run_headless(
                chromium_command(renderer, html_path.as_uri(), tmp, Path(profile)), timeout=timeout
            )
        except PdfError as exc:
            raise PdfError(f"printing {html_path.name} to PDF failed: {exc}") from None
        if result.returncode != 0 or not tmp.is_file():
            said = _last_lines(result.stderr)
            raise PdfError(
                f"{Path(renderer).name} could not print {html_path.name} (exit status {result.returncode})"
                + (f"; its last output: {said}" if said else "")
            )
        data = tmp.read_bytes()
        if not data.startswith(b"%PDF"):
            raise PdfError(f"{Path(renderer).name} wrote something that is not a PDF for {html_path.name}")
        if pdf_page_count(data) < 1:
            raise PdfError(f"{Path(renderer).name} wrote a PDF with no pages for {html_path.name}")
        tmp.write_bytes(strip_pdf_dates(data))  # no wall-clock date: identical runs, identical PDFs
    return pdf_path
