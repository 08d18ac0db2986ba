"""safe_text: any name is shown as the characters it is, in Markdown cells, HTML, alt text and charts."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure
from nbconvert.filters.markdown_mistune import markdown2html_mistune

from alignment.safe_text import BIDI_CONTROLS, code_text, escape_text, plain_text, plot_text

HOSTILE = [
    "<img src=x onerror=alert(3)> Metro",
    '=HYPERLINK("http://evil","x")',
    "[click](http://evil)",
    "![img](http://evil/x.png)",
    "<script>alert(1)</script>",
    "\u202eevil\u202c Region",
    "*bold* _it_ `code` ~~del~~ $x^2$ | a | b |",
    "1. Metro",
    "- Coast",
    "# Valley #",
    "> quoted",
    "&lt;b&gt; &amp; &#60;",
    "<http://evil>",
    "http://evil.example/path?q=1",
    "a\\*b\\",
    "    indented code",
    "Term\n: definition",
    "[ ] task",
    "[x]: http://evil",
    "<!-- comment --> x",
    "line one\nline two\r\n\tthree",
]


class _Rendered(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self._anchor = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._anchor = tag == "a" and "anchor-link" in (dict(attrs).get("class") or "")

    def handle_endtag(self, tag):
        self._anchor = False

    def handle_data(self, data):
        if not self._anchor:
            self.text.append(data)


def _render(markdown: str) -> _Rendered:
    page = _Rendered()
    page.feed(markdown2html_mistune(markdown))
    page.close()
    return page


def _check_paragraph(name: str) -> None:
    page = _render(f"In {escape_text(name)} today.")
    assert [t for t, _ in page.tags] == ["p"], (name, page.tags)
    assert "".join(page.text).strip() == f"In {plain_text(name)} today.", name


def _check_heading(name: str) -> None:
    page = _render(f"# {escape_text(name)}: report")
    assert page.tags[0][0] == "h1", (name, page.tags)
    # the only other tag is the heading's own anchor link, which points into the page
    for tag, attrs in page.tags[1:]:
        assert tag == "a" and attrs["href"].startswith("#") and "anchor-link" in attrs["class"], page.tags
    assert "".join(page.text).strip() == f"{plain_text(name)}: report", name


@pytest.mark.parametrize("name", HOSTILE)
def test_escaped_name_renders_as_its_own_text_in_markdown(name):
    _check_paragraph(name)
    _check_heading(name)
    # a name that starts a paragraph must not start a list, heading or quote either
    page = _render(escape_text(name))
    assert [t for t, _ in page.tags] == ["p"], (name, page.tags)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40))
def test_any_text_renders_as_its_own_text(name):
    _check_paragraph(name)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>&\"'`*_[]()!#|~$:\\-+=.1 aX/\n\t\u202e")), max_size=30))
def test_markdown_syntax_soup_renders_as_text(name):
    _check_paragraph(name)
    _check_heading(name)


def test_escaped_text_is_also_safe_inside_html():
    for name in HOSTILE:
        page = _Rendered()
        page.feed(f'<p title="{escape_text(name)}">{escape_text(name)}</p>')
        page.close()
        assert page.tags == [("p", {"title": plain_text(name)})]
        assert "".join(page.text) == plain_text(name)


def test_plain_text_removes_bidi_controls_and_control_characters():
    every = "".join(sorted(BIDI_CONTROLS))
    assert len(BIDI_CONTROLS) == 12
    assert plain_text(f"{every}Metro\ufeff") == "Metro"
    assert plain_text("a\nb\tc\x00d\u2028e") == "a b c d e"
    # right-to-left letters themselves stay: only the invisible controls go
    assert plain_text("\u202bשלום\u202c عمان") == "שלום عمان"
    assert plain_text(12) == "12" and plain_text(None) == ""


def test_code_text_is_a_code_span_of_the_literal_text():
    for name in ["run-2024", "a`b", "`x`", "<script>", "[a](http://evil)"]:
        page = _render(f"run ({code_text(name)})")
        assert [t for t, _ in page.tags] == ["p", "code"], (name, page.tags)
        assert "".join(page.text).strip() == f"run ({name})"


def test_plot_text_keeps_dollars_literal_in_matplotlib():
    fig = Figure()
    ax = fig.add_subplot()
    label = plot_text("Metro $x^{$ \u202eCost $5")
    ax.set_title(label)
    ax.set_yticks([0], [label])
    fig.canvas.draw()  # "$x^{$" read as math would raise here
    assert ax.get_title() == r"Metro \$x^{\$ Cost \$5"
    assert ax.title._preprocess_math(ax.get_title()) == ("Metro $x^{$ Cost $5", False)
