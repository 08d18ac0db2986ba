"""Hostile names in every input: a whole run shows them as text on every page and keeps them literal in data.

Region, county, institution and program names and the config title are set to strings that would be live
markup, a Markdown link, a spreadsheet formula or a right-to-left override if any output took them as
anything but text. The run must succeed (a page that stalls the PDF printer fails it), and:

- ``report.html`` and ``index.html`` have no tag, event-handler attribute or link made from a name, and each
  name is readable as the characters it is, with the bidi control characters removed;
- the PDF text (``pdftotext``) shows the names literally;
- every workbook cell holding a name is text (a quote prefix when it starts with ``=``), never a formula;
- the GeoPackage stores each name exactly as the regions file gives it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from alignment.safe_text import BIDI_CONTROLS, plain_text

pytestmark = pytest.mark.slow

EVIL = ("evil", "alert(")


class _Page(HTMLParser):
    """Every start tag with its attributes, and the visible text (scripts and styles left out)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory, write_hostile_demo) -> Path:
    """One whole run (console entry point) on the hostile inputs; returns its reports folder."""
    work = tmp_path_factory.mktemp("hostile")
    config = write_hostile_demo(work / "data" / "raw" / "hostile")["config"]
    proc = subprocess.run(
        [sys.executable, "-m", "alignment.cli", "run", str(config.relative_to(work)), "--no-progress"]
        + ["--workers", "2"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return work / "reports" / "hostile"


def _pages(reports: Path) -> list[Path]:
    return [reports / "index.html", *sorted(reports.glob("*/report.html"))]


def _text(path: Path) -> str:
    return _flat("".join(_parse(path.read_text(encoding="utf-8")).text))


def test_pages_hold_no_markup_made_from_a_name(hostile_run, hostile_names):
    pages = _pages(hostile_run)
    assert len(pages) == 1 + len(hostile_names.regions)
    for path in pages:
        html = path.read_text(encoding="utf-8")
        page = _parse(html)
        for tag, attrs in page.tags:
            handlers = [a for a in attrs if a.startswith("on")]
            assert not handlers, f"{path}: <{tag}> has {handlers}"
            assert tag not in ("script", "iframe", "object", "embed", "b", "i"), f"{path}: a <{tag}> element"
            for name in ("href", "src", "action", "formaction", "data", "srcset", "poster", "style"):
                if name not in attrs:
                    continue
                value = attrs[name] or ""
                if name == "href":  # a link within the page, or to a file of the run
                    assert not urlsplit(value).scheme and not urlsplit(value).netloc, f"{path}: {attrs}"
                elif name == "src":
                    assert value.startswith("data:image/png;base64,"), f"{path}: <{tag}> {attrs}"
                else:
                    assert not any(e in value for e in EVIL), f"{path}: <{tag} {name}={value!r}>"
        assert not set(html) & BIDI_CONTROLS, f"{path}: a bidi control character is on the page"


def test_names_read_as_the_characters_they_are(hostile_run, hostile_names):
    index = _text(hostile_run / "index.html")
    for rid, name in hostile_names.regions.items():
        assert plain_text(name) in index, name
        page = _text(hostile_run / rid / "report.html")
        assert f"{plain_text(name)}: CTE programs and the regional labor market" in page, (rid, name)
        assert f"the mix of CTE completers in {plain_text(name)} " in page, (rid, name)
        assert f"{plain_text(name)}'s college programs give" in page, (rid, name)
    assert plain_text(hostile_names.title) in index
    metro = _text(hostile_run / "metro" / "report.html")
    assert hostile_names.institution in metro and hostile_names.program in metro
    coast = _text(hostile_run / "coast" / "report.html")
    assert hostile_names.county in coast and hostile_names.institution_2 in coast
    # the page title carries the config title as text
    head = (hostile_run / "metro" / "report.html").read_text(encoding="utf-8").split("</title>")[0]
    assert "&lt;script&gt;alert(5)" in head and "<script>alert" not in head


def test_alt_text_keeps_names_as_text(hostile_run, hostile_names):
    html = (hostile_run / "metro" / "report.html").read_text(encoding="utf-8")
    alts = [attrs.get("alt") or "" for tag, attrs in _parse(html).tags if tag == "img"]
    assert len(alts) >= 4 and all(alts)
    assert sum(hostile_names.regions["metro"] in alt for alt in alts) >= 3
    south = (hostile_run / "south" / "report.html").read_text(encoding="utf-8")
    assert any("South Region" in (a.get("alt") or "") for t, a in _parse(south).tags if t == "img")


@pytest.mark.skipif(
    shutil.which("chromium") is None or shutil.which("pdftotext") is None,
    reason="needs Debian's chromium and poppler-utils' pdftotext",
)
def test_pdf_text_shows_the_names(hostile_run, hostile_names):
    for rid, name in hostile_names.regions.items():
        pdf = hostile_run / rid / "report.pdf"
        assert pdf.read_bytes().startswith(b"%PDF")
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        # a long name may wrap on paper: compare without white space
        assert re.sub(r"\s", "", plain_text(name)) in re.sub(r"\s", "", text), (rid, name)
        assert not set(text) & BIDI_CONTROLS


def test_workbook_cells_are_text_never_formulas(hostile_run, hostile_names):
    from openpyxl import load_workbook

    seen = set()
    for book in [hostile_run / "state-tables.xlsx", *sorted(hostile_run.glob("*/tables.xlsx"))]:
        wb = load_workbook(book)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", f"{book.name} {ws.title}!{cell.coordinate}: a formula"
                    if isinstance(cell.value, str) and cell.value.startswith("="):
                        assert cell.data_type == "s" and cell.quotePrefix, f"{ws.title}!{cell.coordinate}"
                        seen.add(cell.value)
    assert hostile_names.regions["coast"] in seen and hostile_names.institution in seen


def test_geopackage_keeps_the_literal_names(hostile_run, hostile_names):
    import pyogrio

    names: set[str] = set()
    for layer, _ in pyogrio.list_layers(hostile_run / "maps.gpkg"):
        frame = pyogrio.read_dataframe(hostile_run / "maps.gpkg", layer=layer, read_geometry=False)
        if "region_name" in frame:
            names |= set(frame["region_name"].dropna())
    assert set(hostile_names.regions.values()) <= names
