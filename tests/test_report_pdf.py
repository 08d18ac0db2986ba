"""Report page → PDF with headless Chromium: print styling, page numbers, repeated headers, atomic writes."""

import base64
import io
import os
import re
import shutil
import subprocess
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from alignment.report import pdf  # noqa: E402
from alignment.report.pdf import (  # noqa: E402
    PdfError,
    PdfUnavailable,
    html_to_pdf,
    pdf_page_count,
    pdf_renderer,
    print_css,
)

needs_renderer = pytest.mark.skipif(pdf_renderer() is None, reason="no headless Chromium installed")
needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
ROWS = 100


def _png_base64() -> str:
    fig, ax = plt.subplots(figsize=(6, 3), dpi=100)
    ax.bar(["Agriculture", "Construction", "Health"], [93, 0, 51])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _report_page() -> str:
    """A page shaped like a region report: heading, embedded PNG, 100 four-line rows (rowend on the last line)."""
    rows = "\n".join(
        f"<tr><td>rowstart{i:03d}</td><td>Demo SD {i}<br>Demo College<br>Demo Academy<br>rowend{i:03d}</td>"
        f"<td>{'More students than local demand. ' * 3}</td></tr>"
        for i in range(ROWS)
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Test report</title>
<style type="text/css">
{print_css()}
</style></head>
<body><main>
<h1>Test Region report<a class="anchor-link" href="#x">¶</a></h1>
<p>Synthetic data.</p>
<img src="data:image/png;base64,{_png_base64()}" alt="three bars">
<h2>Every flagged pathway<a class="anchor-link" href="#y">¶</a></h2>
<table class="alignment-table">
<thead><tr><th>Pathwayheader</th><th>Institution</th><th>Flag</th></tr></thead>
<tbody>
{rows}
</tbody></table>
</main></body></html>
"""


def _page_text(pdf_path, page: int) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf_path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pdf")
    html_path = folder / "report.html"
    html_path.write_text(_report_page(), encoding="utf-8")
    out = html_to_pdf(html_path, folder / "region" / "report.pdf")
    return out


@needs_renderer
def test_pdf_is_written_atomically_and_has_several_pages(printed):
    assert printed.name == "report.pdf" and printed.is_file()
    data = printed.read_bytes()
    assert data.startswith(b"%PDF")
    assert pdf_page_count(data) >= 3  # 100 rows three lines tall cannot fit on two Letter pages
    assert [p.name for p in printed.parent.iterdir()] == ["report.pdf"]  # no temporary left beside it
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(printed)], capture_output=True, text=True, check=True).stdout
        assert f"Pages:           {pdf_page_count(data)}" in info
        assert "612 x 792 pts (letter)" in info


@needs_renderer
@needs_pdftotext
def test_page_numbers_repeated_headers_and_no_split_rows(printed):
    pages = pdf_page_count(printed.read_bytes())
    texts = [_page_text(printed, n) for n in range(1, pages + 1)]
    for n, text in enumerate(texts, start=1):
        assert re.search(rf"\b{n} ?/ ?{pages}\b", text), f"no page number on page {n}"
    assert "Test Region report" in texts[0] and "¶" not in "".join(texts)  # anchor links hidden
    # the table header repeats on every page the table runs onto
    table_pages = [n for n, text in enumerate(texts, start=1) if "rowstart" in text]
    assert len(table_pages) >= 2
    for n in table_pages:
        assert "Pathwayheader" in texts[n - 1], f"table header missing on page {n}"
    # every row starts and ends on the same page, and all 100 are there once
    seen = []
    for text in texts:
        starts = re.findall(r"rowstart(\d{3})", text)
        ends = re.findall(r"rowend(\d{3})", text)
        assert starts == ends
        seen += starts
    assert seen == [f"{i:03d}" for i in range(ROWS)]


def test_print_css_is_all_under_media_print():
    css = print_css()
    assert "</style" not in css.lower()  # notebook_to_html(extra_css=...) accepts it
    body = re.sub(r"/\*.*?\*/", "", css, flags=re.S).strip()
    assert body.startswith("@media print {") and body.endswith("}")
    # the braces of the @media block close only at the very end
    depth = 0
    for position, char in enumerate(body):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth == 0 and char == "}":
            assert position == len(body) - 1
    for rule in ("size: Letter", "margin: 18mm 15mm", 'counter(page) " / " counter(pages)'):
        assert rule in css
    assert re.search(r"thead\s*\{\s*display:\s*table-header-group", css)
    assert re.search(r"tr, img, figure\s*\{\s*break-inside:\s*avoid", css)


def test_no_renderer_raises_with_install_hint(monkeypatch, tmp_path):
    monkeypatch.setattr(pdf, "RENDERER_NAMES", ())
    assert pdf_renderer() is None
    (tmp_path / "r.html").write_text("<p>x</p>", encoding="utf-8")
    with pytest.raises(PdfUnavailable, match=r"install Debian's chromium: apt-get install chromium"):
        html_to_pdf(tmp_path / "r.html", tmp_path / "r.pdf")
    assert not (tmp_path / "r.pdf").exists()
    assert issubclass(PdfUnavailable, PdfError)  # one except clause turns both into a warning


def _fake_browser(monkeypatch, tmp_path, script: str) -> None:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    fake = bindir / "fake-chromium"
    fake.write_text("#!/bin/sh\n" + script, encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setattr(pdf, "RENDERER_NAMES", ("fake-chromium",))


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX shell")
def test_invalid_output_leaves_previous_pdf_untouched(monkeypatch, tmp_path):
    # writes a non-PDF to the --print-to-pdf= path
    _fake_browser(
        monkeypatch,
        tmp_path,
        'for a in "$@"; do case "$a" in --print-to-pdf=*) echo oops > "${a#--print-to-pdf=}";; esac; done\n',
    )
    (tmp_path / "r.html").write_text("<p>x</p>", encoding="utf-8")
    (tmp_path / "r.pdf").write_bytes(b"%PDF previous good")
    with pytest.raises(PdfError, match="not a PDF"):
        html_to_pdf(tmp_path / "r.html", tmp_path / "r.pdf")
    assert (tmp_path / "r.pdf").read_bytes() == b"%PDF previous good"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin", "r.html", "r.pdf"]


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX shell")
def test_failing_and_hanging_browser_raise_pdf_error(monkeypatch, tmp_path):
    (tmp_path / "r.html").write_text("<p>x</p>", encoding="utf-8")
    _fake_browser(monkeypatch, tmp_path, "echo 'cannot open display' >&2\nexit 3\n")
    with pytest.raises(PdfError, match=r"exit status 3[\s\S]*cannot open display"):
        html_to_pdf(tmp_path / "r.html", tmp_path / "r.pdf")
    shutil.rmtree(tmp_path / "bin")
    _fake_browser(monkeypatch, tmp_path, "sleep 30 &\nwait\n")  # a child process too: the group is killed
    started = time.monotonic()
    with pytest.raises(PdfError, match="did not finish within 1 s"):
        html_to_pdf(tmp_path / "r.html", tmp_path / "r.pdf", timeout=1)
    assert time.monotonic() - started < 10
    assert not (tmp_path / "r.pdf").exists()
    with pytest.raises(FileNotFoundError):
        html_to_pdf(tmp_path / "missing.html", tmp_path / "m.pdf")


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX shell")
def test_a_run_fails_the_region_whose_pdf_times_out_and_only_warns_without_a_browser(monkeypatch, tmp_path):
    """A printer that stalls (a page waiting on a dialog, say) fails that region loudly; no browser is a note."""
    import functools

    from alignment import run
    from alignment.report import html as html_mod
    from alignment.report import workbook

    def fake_html(executed, html_path, **kwargs):
        html_path.parent.mkdir(parents=True, exist_ok=True)
        html_path.write_text("<p>x</p>", encoding="utf-8")
        return html_path

    monkeypatch.setattr(run, "execute_notebook", lambda notebook, output, params, cwd: output)
    monkeypatch.setattr(run, "load_processed", lambda processed: {})
    monkeypatch.setattr(html_mod, "notebook_to_html", fake_html)
    monkeypatch.setattr(workbook, "write_region_workbook", lambda *a, **k: None)
    monkeypatch.setattr("alignment.config.load_config", lambda path: None)
    monkeypatch.setattr(run, "point_at_published", lambda notebook, moves: None)
    job = (
        "north",
        "North",
        tmp_path / "c.yml",
        tmp_path,
        tmp_path,
        tmp_path,
        tmp_path / "north",
        "T",
        tmp_path,
    )

    _fake_browser(monkeypatch, tmp_path, "sleep 30 &\nwait\n")
    monkeypatch.setattr(pdf, "html_to_pdf", functools.partial(html_to_pdf, timeout=1))
    region_id, error, _, note = run._region_job(job)
    assert region_id == "north" and note is None
    assert error == "PdfError: printing report.html to PDF failed: fake-chromium did not finish within 1 s"
    assert not (tmp_path / "north" / "report.pdf").exists()

    shutil.rmtree(tmp_path / "bin")
    _fake_browser(monkeypatch, tmp_path, "echo 'renderer crashed' >&2\nexit 9\n")
    _, error, _, note = run._region_job(job)
    assert error.startswith("PdfError: fake-chromium could not print report.html (exit status 9)")
    assert "renderer crashed" in error

    monkeypatch.setattr(pdf, "RENDERER_NAMES", ("no-such-browser",))
    _, error, _, note = run._region_job(job)
    assert error is None and note.startswith("no PDF: no headless browser to print PDFs with")
