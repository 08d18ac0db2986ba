"""User text on a page: the one way names from input files reach HTML, Markdown, alt text and charts.

Region and county names, institutions, program names, cluster names from a crosswalk, the config's
``title`` and run name are user input. A report page must show them as the literal text they are, never
as markup: ``<img src=x onerror=alert(3)> Metro`` must read as those characters, ``[click](http://evil)``
must not become a link, and a right-to-left override must not reorder what follows it.

- :func:`plain_text` neutralizes a string for any page: Unicode bidirectional controls (the embeddings,
  overrides and isolates U+202A–U+202E and U+2066–U+2069, the marks U+200E, U+200F, U+061C) and the byte
  order mark are removed, other control characters and line/paragraph separators become spaces, and the
  ends are trimmed. Use it where the output escapes text itself: pandas ``to_html(escape=True)``, Jinja2
  with autoescape, the report template's ``alt`` attribute.
- :func:`escape_text` is :func:`plain_text` made inert for both HTML and Markdown: the HTML specials
  (``&``, ``<``, ``>``, quotes) and every character Markdown (or nbconvert's extensions: tables,
  strikethrough, bare URLs, ``$`` math) could read as syntax are written as numeric character references.
  A character reference is literal text in CommonMark and in HTML, so the same string is safe in a
  Markdown cell and inside an HTML element or attribute, and the reader sees the original characters.
- :func:`code_text` puts a name in a Markdown code span (rendered as ``<code>``, content escaped by the
  renderer).
- :func:`plot_text` is :func:`plain_text` for Matplotlib, which would read ``$...$`` as math.

Data files (workbooks, GeoPackage, parquet) keep the names exactly as the inputs give them; a workbook
writes every text cell as text (:mod:`alignment.report.workbook`), so a name starting with ``=`` is never
a formula there.
"""

from __future__ import annotations

import re
import unicodedata

#: Unicode bidirectional formatting characters: embeddings and overrides (LRE, RLE, PDF, LRO, RLO),
#: isolates (LRI, RLI, FSI, PDI) and the implicit marks (LRM, RLM, ALM).
BIDI_CONTROLS = frozenset(
    [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
    + ["\u200e", "\u200f", "\u061c"]
)
_REMOVED = {ord(c): None for c in (*BIDI_CONTROLS, "\ufeff")}
# characters Markdown (CommonMark plus the extensions nbconvert enables) may read as syntax anywhere in a line
_MARKDOWN_SPECIAL = frozenset("\\`*_[]{}!#|~$:^<>&\"'")
# characters that are syntax only at the start of a line (lists, headings, setext underlines, quotes)
_LINE_START = re.compile(r"^(?:[-+=]|\d{1,9}[.)])")


def plain_text(value: object) -> str:
    """``value`` as one line of plain text with bidi controls removed and control characters made spaces.

    >>> plain_text("\\u202eMetro\\u202c Region")
    'Metro Region'
    >>> plain_text("  North\\nCoast\\t")
    'North Coast'
    >>> plain_text(None)
    ''
    """
    if value is None:
        return ""
    text = str(value).translate(_REMOVED)
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in text)
    return text.strip()


def _reference(char: str) -> str:
    return f"&#{ord(char)};"


def escape_text(value: object) -> str:
    """``value`` as inert text for a Markdown cell or an HTML element: shown literally, never as markup.

    >>> escape_text("<img src=x onerror=alert(3)> Metro")
    '&#60;img src=x onerror=alert(3)&#62; Metro'
    >>> escape_text("[click](http://evil)")
    '&#91;click&#93;(http&#58;//evil)'
    >>> escape_text("1. Coast & Valley")
    '1&#46; Coast &#38; Valley'
    """
    text = plain_text(value)
    head = _LINE_START.match(text)
    out = [_reference(c) if c in _MARKDOWN_SPECIAL else c for c in text]
    if head:  # a name at the start of a paragraph must not open a list item or underline a heading
        end = head.end() - 1
        out[end] = _reference(text[end])
    return "".join(out)


def code_text(value: object) -> str:
    """``value`` as a Markdown code span; the renderer escapes a code span's content.

    >>> code_text("run-2024")
    '`run-2024`'
    >>> code_text("a`b")
    '`` a`b ``'
    """
    text = plain_text(value)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or longest else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def plot_text(value: object) -> str:
    """``value`` for a Matplotlib title, label or annotation: plain text, ``$`` not read as math.

    >>> plot_text("Metro $5 $6")
    'Metro \\\\$5 \\\\$6'
    """
    return plain_text(value).replace("$", r"\$")
