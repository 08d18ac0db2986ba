"""Executed notebook → offline HTML: no code, no network loads, no stderr, no tracebacks."""

import re

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from alignment.report.html import NotebookReportError, clean_notebook, notebook_to_html, remote_references

KERNEL = {"name": "python3", "display_name": "Python 3", "language": "python"}


@pytest.fixture(scope="module")
def executed_notebook(tmp_path_factory):
    """A tiny notebook run through a real kernel: text, stderr, an inline PNG figure and a table."""
    nb = new_notebook(
        cells=[
            new_markdown_cell("# North Valley report\nPrograms vs jobs."),
            new_code_cell("HIDDEN_INPUT_CODE = 41\nprint('Dissimilarity index 0.31')"),
            new_code_cell("import sys\nprint('a noisy warning on stderr', file=sys.stderr)"),
            new_code_cell(
                "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.bar(['a', 'b'], [1, 2])\n"
                "display(fig, metadata={'image/png': {'alt': 'Two bars: a 1 & b 2'}})\nplt.close(fig)"
            ),
            new_code_cell("import pandas as pd\npd.DataFrame({'cluster_code': ['AG'], 'gap': [12.5]})"),
        ],
        metadata={"kernelspec": KERNEL},
    )
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    path = tmp_path_factory.mktemp("nb") / "north.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.mark.slow
def test_export_has_outputs_but_no_code_and_loads_nothing(executed_notebook, tmp_path):
    out = notebook_to_html(
        executed_notebook, tmp_path / "north" / "report.html", title="North <Valley> report"
    )
    assert out == tmp_path / "north" / "report.html"
    html = out.read_text(encoding="utf-8")
    assert "Dissimilarity index 0.31" in html
    assert "North Valley report" in html  # markdown narrative kept
    assert re.search(r'<img[^>]+src="data:image/png;base64,', html)
    assert "<table" in html and "cluster_code" in html
    # no code on the page, no prompts
    assert "HIDDEN_INPUT_CODE" not in html and "import matplotlib" not in html
    body = html.split("<body", 1)[1]
    assert "In&nbsp;[" not in body and "jp-InputPrompt" not in body and "jp-OutputPrompt" not in body
    assert 'alt="Two bars: a 1 &amp; b 2"' in body  # figure alt text from display metadata
    # stderr dropped
    assert "a noisy warning on stderr" not in html
    # nothing from the network
    assert "<script src" not in html
    for tag in re.findall(r"<(?:script|link)\b[^>]*>", html):
        assert "http" not in tag, tag
    assert "require.js" not in html and "mathjax" not in html.lower() and "cdnjs" not in html
    assert remote_references(html) == []
    # escaped title, language for screen readers
    assert "<title>North &lt;Valley&gt; report</title>" in html
    assert '<html lang="en">' in html
    assert [p.name for p in out.parent.iterdir()] == ["report.html"]  # atomic: no temp file left


@pytest.mark.slow
def test_extra_css_is_inlined(executed_notebook, tmp_path):
    css = "@media print { .jp-Cell { break-inside: avoid; } }"
    html = notebook_to_html(executed_notebook, tmp_path / "r.html", title="t", extra_css=css).read_text()
    assert css in html
    with pytest.raises(ValueError, match="plain CSS"):
        notebook_to_html(executed_notebook, tmp_path / "s.html", title="t", extra_css="</style><script>")


def _notebook_with_error(path):
    cell = new_code_cell("1 / 0")
    cell.outputs = [
        new_output("error", ename="ZeroDivisionError", evalue="division by zero", traceback=["Traceback ..."])
    ]
    nb = new_notebook(cells=[new_markdown_cell("# Report"), cell], metadata={"kernelspec": KERNEL})
    nbformat.write(nb, path)
    return path


def test_notebook_with_error_output_is_refused(tmp_path):
    nb_path = _notebook_with_error(tmp_path / "broken.ipynb")
    target = tmp_path / "report.html"
    with pytest.raises(NotebookReportError, match=r"cell 2: ZeroDivisionError: division by zero"):
        notebook_to_html(nb_path, target, title="Broken")
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["broken.ipynb"]


def test_clean_notebook_drops_stderr_and_keeps_the_original():
    cell = new_code_cell("x")
    cell.outputs = [
        new_output("stream", name="stderr", text="warn\n"),
        new_output("stream", name="stdout", text="kept\n"),
    ]
    nb = new_notebook(cells=[cell])
    cleaned = clean_notebook(nb)
    assert [o["text"] for o in cleaned.cells[0].outputs] == ["kept\n"]
    assert len(nb.cells[0].outputs) == 2


def test_remote_references_finds_network_loads_only():
    html = (
        '<link rel="stylesheet" href="https://fonts.example/f.css">'
        '<link rel="icon" href="data:image/png;base64,AA">'
        "<script>var inline = 1;</script>"
        '<script src="local.js"></script>'
        '<img src="//cdn.example/x.png">'
        "<style>@import url(https://x.example/y.css);</style>"
        '<a href="https://www.bls.gov/qcew/">QCEW</a>'
    )
    assert remote_references(html) == [
        '<link href="https://fonts.example/f.css">',
        '<script src="local.js">',
        '<img src="//cdn.example/x.png">',
        "<style> containing '@import'",
    ]


def test_same_content_gives_byte_identical_html_whatever_the_cell_ids(tmp_path):
    """papermill gives its injected cell a random id: the report must not depend on it."""
    pages = []
    for i, cell_id in enumerate(["a7763855", "4d6ccab0"]):
        nb = new_notebook(
            cells=[
                new_code_cell('region_id = "x"', metadata={"tags": ["injected-parameters"]}),
                new_markdown_cell("# Heading"),
                new_code_cell(
                    "1 + 1", outputs=[new_output("execute_result", {"text/plain": "2"}, execution_count=1)]
                ),
            ]
        )
        nb.cells[0]["id"] = cell_id
        path = tmp_path / f"nb{i}.ipynb"
        nbformat.write(nb, path)
        pages.append(notebook_to_html(path, tmp_path / f"page{i}.html", title="T").read_bytes())
    assert pages[0] == pages[1]
    assert b"injected-parameters" not in pages[0] and b"region_id" not in pages[0]
