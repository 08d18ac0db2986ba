"""Executed notebook → one self-contained, offline HTML report page.

nbconvert's stock HTML export, even with ``--no-input``, loads require.js,
MathJax and Mermaid from a CDN. We export with our own template
(``templates/report_html``, extending JupyterLab's) that drops those head
blocks, hide every input cell and prompt, keep CSS inline and images embedded
(the inline backend already stores figures as base64 PNG), and then check the
page: anything that would still be fetched from the network is an error.

Before export, stderr stream outputs (warnings, progress bars) are removed, and
a notebook with an error output is refused: a report with a traceback must not
be written.
"""

from __future__ import annotations

import html as html_lib
from collections.abc import Mapping
from html.parser import HTMLParser
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor

from alignment.atomic import write_text
from alignment.paths import TEMPLATES_DIR
from alignment.safe_text import plain_text

TEMPLATE_NAME = "report_html"
REMOVE_CELL_TAGS = frozenset({"remove-cell", "remove_cell", "parameters", "injected-parameters"})
REMOVE_OUTPUT_TAGS = frozenset({"remove-output", "remove_output"})
_URL_ATTRS = {"src", "href", "data", "srcset", "poster"}


class NotebookReportError(RuntimeError):
    """The notebook cannot become a report (an error output, or content that loads from the network)."""


def _is_remote(url: str) -> bool:
    url = url.strip().lower()
    return url.startswith(("http:", "https:", "//", "ftp:"))


class _RemoteRefFinder(HTMLParser):
    """Collects every tag that would make a browser fetch something from the network."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = tag == "style"
        for name, value in attrs:
            if value is None:
                continue
            if tag == "script" and name == "src":
                self.found.append(f'<script src="{value}">')
            elif tag == "link" and name == "href" and _is_remote(value):
                self.found.append(f'<link href="{value}">')
            elif tag not in ("a", "link") and name in _URL_ATTRS and _is_remote(value):
                self.found.append(f'<{tag} {name}="{value}">')

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            lowered = data.lower()
            for marker in ("@import", "url(http", "url('http", 'url("http', "url(//"):
                if marker in lowered:
                    self.found.append(f"<style> containing {marker!r}")
                    break


def remote_references(html: str) -> list[str]:
    """Every script, stylesheet, image or frame in ``html`` that would load over the network.

    Plain links (``<a href>``) are not loads and are allowed.

    >>> remote_references('<script src="https://cdn.example/x.js"></script><a href="https://ok">x</a>')
    ['<script src="https://cdn.example/x.js">']
    >>> remote_references('<img src="data:image/png;base64,AAAA">')
    []
    """
    finder = _RemoteRefFinder()
    finder.feed(html)
    finder.close()
    return finder.found


def clean_notebook(nb: nbformat.NotebookNode, *, name: str = "notebook") -> nbformat.NotebookNode:
    """A copy of ``nb`` without stderr stream outputs; :class:`NotebookReportError` on any error output."""
    nb = nbformat.from_dict(nb)  # deep copy: the caller's notebook is left alone
    errors = []
    for index, cell in enumerate(nb.cells, start=1):
        if cell.get("cell_type") != "code":
            continue
        kept = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                errors.append(f"cell {index}: {output.get('ename', 'Error')}: {output.get('evalue', '')}")
            elif output.get("output_type") == "stream" and output.get("name") == "stderr":
                continue
            kept.append(output)
        cell["outputs"] = kept
    for index, cell in enumerate(nb.cells):
        # papermill gives its injected cell a random id; stable ids keep reruns byte-identical
        cell["id"] = f"cell-{index:03d}"
    if errors:
        raise NotebookReportError(
            f"{name}: the executed notebook has {len(errors)} error output(s), so no report is written:\n  "
            + "\n  ".join(errors)
        )
    return nb


def _exporter() -> HTMLExporter:
    exporter = HTMLExporter(
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATES_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        theme="light",
    )
    exporter.register_preprocessor(
        TagRemovePreprocessor(
            remove_cell_tags=set(REMOVE_CELL_TAGS), remove_all_outputs_tags=set(REMOVE_OUTPUT_TAGS)
        ),
        enabled=True,
    )
    return exporter


class _SectionFinder(HTMLParser):
    """The page's section headings (``<h2 id=...>``): (id, text), the heading's own anchor link left out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[tuple[str, str]] = []
        self._open: tuple[str, list[str]] | None = None
        self._in_anchor = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "h2" and a.get("id"):
            self._open = (str(a["id"]), [])
        elif tag == "a" and self._open is not None and "anchor-link" in (a.get("class") or ""):
            self._in_anchor = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._in_anchor = False
        elif tag == "h2" and self._open is not None:
            ident, parts = self._open
            text = " ".join("".join(parts).split())
            if text:
                self.sections.append((ident, text))
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open is not None and not self._in_anchor:
            self._open[1].append(data)


def navigation(page: str, links: Mapping[str, str]) -> str:
    """The page with a navigation block after its first ``</h1>``: ``links`` (label → relative href: the
    index, the PDF, the workbook) and a table of contents of its ``<h2>`` sections. Unchanged without an h1.

    >>> page = '<h1 id="T">T</h1><h2 id="Summary">Summary<a class="anchor-link" href="#Summary">¶</a></h2>'
    >>> out = navigation(page, {"All regions": "../index.html"})
    >>> '<a href="../index.html">All regions</a>' in out, '<a href="#Summary">Summary</a>' in out
    (True, True)
    """
    end = page.find("</h1>")
    if end < 0:
        return page
    finder = _SectionFinder()
    finder.feed(page)
    finder.close()
    esc = html_lib.escape
    parts = ['<nav class="report-nav" aria-label="Report navigation">']
    if links:
        items = " · ".join(f'<a href="{esc(h, quote=True)}">{esc(label)}</a>' for label, h in links.items())
        parts.append(f'<p class="report-links">{items}</p>')
    if finder.sections:
        toc = "".join(
            f'<li><a href="#{esc(i, quote=True)}">{esc(text)}</a></li>' for i, text in finder.sections
        )
        parts.append(f'<details class="report-toc"><summary>Contents</summary><ol>{toc}</ol></details>')
    parts.append("</nav>")
    cut = end + len("</h1>")
    return page[:cut] + "".join(parts) + page[cut:]


def notebook_to_html(
    executed_nb_path: Path,
    html_path: Path,
    *,
    title: str,
    extra_css: str | None = None,
    links: Mapping[str, str] | None = None,
) -> Path:
    """Export an executed notebook to an offline HTML page with no code on it; returns ``html_path``.

    Input cells and prompts are hidden, stderr outputs dropped, cells tagged
    ``remove-cell`` (outputs of cells tagged ``remove-output``) left out.
    ``title`` becomes the page ``<title>``; ``extra_css`` (e.g. a print
    stylesheet) is inlined in the head; ``links`` (label → relative href) and a
    table of contents go below the title (:func:`navigation`). Raises :class:`NotebookReportError` when
    the notebook holds an error output or the page would load anything from the
    network; nothing is written then. The write is atomic.
    """
    executed_nb_path = Path(executed_nb_path)
    nb = nbformat.read(executed_nb_path, as_version=4)
    nb = clean_notebook(nb, name=str(executed_nb_path))
    nb.metadata["title"] = plain_text(title)  # the template escapes it; bidi controls go here
    if extra_css is not None and "</style" in extra_css.lower():
        raise ValueError("extra_css must be plain CSS (it contains '</style')")
    resources = {"metadata": {"name": executed_nb_path.stem}, "alignment_extra_css": extra_css or ""}
    html, _ = _exporter().from_notebook_node(nb, resources=resources)
    html = navigation(html, links or {})
    remote = remote_references(html)
    if remote:
        raise NotebookReportError(
            f"{executed_nb_path}: the report would load content from the network, which reports must not do: "
            + "; ".join(remote[:5])
        )
    return write_text(Path(html_path), html)
