"""Accessibility check of published pages: axe-core run in headless Chromium, offline.

`axe-core <https://github.com/dequelabs/axe-core>`_ (Deque, MPL-2.0) is the rule engine most
accessibility audits use. :func:`audit_page` opens a page the way a reader does, in Debian's headless
``chromium`` with a throw-away profile and no network: it writes a temporary copy of the page with a
``<base>`` pointing back at the original folder (so relative images and links still resolve), loads
``axe.min.js`` from a local file, runs ``axe.run()`` on the whole document once the page has loaded,
and reads the result back from ``chromium --dump-dom``. The published page itself is never modified.

``axe.min.js`` is found by :func:`find_axe_js`, in this order: the ``ALIGNMENT_AXE_JS`` environment
variable; ``node_modules/axe-core/axe.min.js`` in the working folder (``npm install axe-core``) or in
npm's global folder; the copy bundled in the PyPI package ``axe-core-python``.

:func:`audit_run` checks a run folder's ``index.html`` and its region reports; ``python -m
alignment.report.a11y reports/demo`` (``make a11y``) prints every violation and exits 1 when any is
serious or critical.

Colour checks that axe cannot make on pictures live here too: :func:`simulate_colour_vision` (the
Machado, Oliveira & Fernandes 2009 model of protanopia, deuteranopia and tritanopia) and
:func:`palette_problems`, which tells whether the colours of a chart stay apart for those readers and
in grey-scale print.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import html
import importlib.util
import itertools
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from alignment.report.pdf import HEADLESS_FLAGS, INSTALL_HINT, PdfError, pdf_renderer, run_headless

AXE_ENV = "ALIGNMENT_AXE_JS"
AXE_INSTALL_HINT = (
    "install axe-core: `pip install axe-core-python` (bundles axe.min.js), or `npm install axe-core` "
    f"in this folder, or point {AXE_ENV} at an axe.min.js"
)
# axe's impact levels, least to most severe; serious and critical ones fail the check
IMPACTS: tuple[str, ...] = ("minor", "moderate", "serious", "critical")
FAILING_IMPACTS = frozenset({"serious", "critical"})
RESULT_ATTRIBUTE = "data-alignment-axe"
MEDIA: tuple[str, ...] = ("screen", "print")
_BUNDLED_AXE = (
    ("axe_core_python", ("axe.min.js",)),
    ("axe_playwright_python", ("axe.min.js",)),
    ("axe_selenium_python", ("node_modules", "axe-core", "axe.min.js")),
)
_RESULT_RE = re.compile(RESULT_ATTRIBUTE + r'="([A-Za-z0-9+/=]*)"')
_VERSION_RE = re.compile(rb"axe v(\d+\.\d+\.\d+)")


class AccessibilityError(RuntimeError):
    """The accessibility check could not run (browser failed, no result came back)."""


class AxeUnavailable(AccessibilityError):
    """No headless browser or no ``axe.min.js`` to check with."""


@dataclass(frozen=True)
class Violation:
    """One axe rule that failed on a page, with the elements it failed on."""

    rule: str
    impact: str
    help: str
    help_url: str
    targets: tuple[str, ...]

    @property
    def failing(self) -> bool:
        """True when the impact is serious or critical."""
        return self.impact in FAILING_IMPACTS

    def summary(self, *, max_targets: int = 3) -> str:
        """One line: impact, rule, what it means, how many elements and the first few selectors.

        >>> Violation("image-alt", "critical", "Images must have alternate text", "", ("img",)).summary()
        'critical  image-alt: Images must have alternate text (1 element: img)'
        """
        shown = ", ".join(self.targets[:max_targets]) + (", ..." if len(self.targets) > max_targets else "")
        n = len(self.targets)
        return f"{self.impact:<9} {self.rule}: {self.help} ({n} element{'s' if n != 1 else ''}: {shown})"


# --- finding axe.min.js ------------------------------------------------------------------------


def _npm_global_root() -> Path | None:
    npm = shutil.which("npm")
    if npm is None:
        return None
    try:
        out = subprocess.run([npm, "root", "-g"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return Path(out.stdout.strip()) if out.returncode == 0 and out.stdout.strip() else None


def _bundled_axe() -> Path | None:
    for module, parts in _BUNDLED_AXE:
        try:
            spec = importlib.util.find_spec(module)
        except (ImportError, ValueError):
            continue
        if spec is None or not spec.submodule_search_locations:
            continue
        for location in spec.submodule_search_locations:
            candidate = Path(location).joinpath(*parts)
            if candidate.is_file():
                return candidate
    return None


def find_axe_js(start: Path | None = None, *, use_npm: bool = True) -> Path | None:
    """Path of an ``axe.min.js`` to run, or None (see the module docstring for the search order).

    ``start`` (default: the working folder) is where ``node_modules/`` is looked for, in it and its
    parents; ``use_npm=False`` skips asking ``npm root -g``.
    """
    env = os.environ.get(AXE_ENV)
    if env:
        return Path(env) if Path(env).is_file() else None
    start = Path.cwd() if start is None else Path(start)
    for folder in (start.resolve(), *start.resolve().parents):
        candidate = folder / "node_modules" / "axe-core" / "axe.min.js"
        if candidate.is_file():
            return candidate
    if use_npm:
        root = _npm_global_root()
        if root is not None and (root / "axe-core" / "axe.min.js").is_file():
            return root / "axe-core" / "axe.min.js"
    return _bundled_axe()


def axe_version(axe_js: Path) -> str:
    """The axe-core version in the licence banner of ``axe_js`` (e.g. ``"4.14.1"``), or ``"unknown"``."""
    with open(axe_js, "rb") as handle:
        match = _VERSION_RE.search(handle.read(400))
    return match.group(1).decode() if match else "unknown"


# --- running axe in headless Chromium ----------------------------------------------------------


# makes every ``@media print`` rule apply on screen too, so axe sees the page as it prints
_PRINT_MEDIA_JS = """
  for (var i = 0; i < document.styleSheets.length; i++) {
    var rules;
    try { rules = document.styleSheets[i].cssRules; } catch (e) { continue; }
    for (var j = 0; j < rules.length; j++) {
      var media = rules[j].media;
      if (rules[j] instanceof CSSMediaRule && /\\bprint\\b/.test(media.mediaText)) media.appendMedium('screen');
    }
  }
"""


def _runner_script(media: str) -> str:
    # after load (images decoded), run every rule axe ships by default; the result goes into an
    # attribute of <html> as base64 JSON so that --dump-dom carries it back unharmed
    return (
        "<script>\n"
        "window.addEventListener('load', function () {\n"
        "  function put(obj) {\n"
        "    var text = JSON.stringify(obj);\n"
        "    var bytes = new TextEncoder().encode(text), bin = '';\n"
        "    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);\n"
        f"    document.documentElement.setAttribute('{RESULT_ATTRIBUTE}', btoa(bin));\n"
        "  }\n"
        "  if (typeof axe === 'undefined') { put({error: 'axe.min.js did not load'}); return; }\n"
        + (_PRINT_MEDIA_JS if media == "print" else "")
        + "  axe.run(document, {resultTypes: ['violations']})\n"
        "    .then(function (r) { put({version: axe.version, violations: r.violations,\n"
        "                               incomplete: r.incomplete.length, passes: r.passes.length}); })\n"
        "    .catch(function (e) { put({error: String(e)}); });\n"
        "});\n"
        "</script>\n"
    )


def instrument_page(page: str, base_url: str, axe_url: str, *, media: str = "screen") -> str:
    """``page`` with a ``<base href>`` and the axe scripts added; the page's own content is unchanged.

    The ``<base>`` goes first in ``<head>`` (so relative URLs resolve against ``base_url``); the axe
    library and the script that runs it go at the very end of the document. With ``media="print"``
    the page's ``@media print`` rules are switched on before axe runs.

    >>> out = instrument_page("<html><head><title>t</title></head><body>x</body></html>",
    ...                       "file:///r/", "file:///a/axe.min.js")
    >>> out.index('<base href="file:///r/">') < out.index("<title>")
    True
    >>> out.count('<script src="file:///a/axe.min.js"></script>')
    1
    """
    base = f'<base href="{html.escape(base_url, quote=True)}">'
    head = re.search(r"<head(\s[^>]*)?>", page, flags=re.IGNORECASE)
    at = head.end() if head is not None else 0
    page = page[:at] + "\n" + base + "\n" + page[at:]
    if media not in MEDIA:
        raise ValueError(f"media must be one of {', '.join(MEDIA)}, not {media!r}")
    scripts = f'<script src="{html.escape(axe_url, quote=True)}"></script>\n' + _runner_script(media)
    end = page.lower().rfind("</body>")
    return page[:end] + scripts + page[end:] if end >= 0 else page + scripts


def parse_dumped_dom(dom: str) -> dict:
    """The axe result that the runner script left in the dumped DOM; AccessibilityError if none.

    >>> payload = base64.b64encode(json.dumps({"violations": []}).encode()).decode()
    >>> parse_dumped_dom(f'<html {RESULT_ATTRIBUTE}="{payload}"><head></head></html>')
    {'violations': []}
    """
    match = _RESULT_RE.search(dom)
    if match is None:
        raise AccessibilityError("axe wrote no result into the page (it did not finish in time?)")
    try:
        result = json.loads(base64.b64decode(match.group(1)).decode("utf-8"))
    except (binascii.Error, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AccessibilityError(f"unreadable axe result: {exc}") from exc
    if "error" in result:
        raise AccessibilityError(f"axe failed: {result['error']}")
    return result


def violations_from_result(result: dict) -> list[Violation]:
    """axe's ``violations`` as :class:`Violation` objects, most severe first, then by rule id.

    >>> r = {"violations": [
    ...     {"id": "region", "impact": "moderate", "help": "h1", "helpUrl": "u", "nodes": [{"target": ["p"]}]},
    ...     {"id": "image-alt", "impact": "critical", "help": "h2", "helpUrl": "u", "nodes": [{"target": ["img"]}]}]}
    >>> [v.rule for v in violations_from_result(r)]
    ['image-alt', 'region']
    """  # noqa: E501
    found = []
    for item in result.get("violations", []):
        targets = tuple(" ".join(str(t) for t in node.get("target", [])) for node in item.get("nodes", []))
        found.append(
            Violation(
                rule=str(item.get("id", "")),
                impact=str(item.get("impact") or "minor"),
                help=str(item.get("help", "")),
                help_url=str(item.get("helpUrl", "")),
                targets=targets,
            )
        )
    rank = {impact: i for i, impact in enumerate(IMPACTS)}
    return sorted(found, key=lambda v: (-rank.get(v.impact, 0), v.rule))


def audit_page(
    html_path: Path,
    *,
    axe_js: Path | None = None,
    renderer: str | None = None,
    media: str = "screen",
    timeout: float = 300,
    window_size: str = "1200,900",
) -> list[Violation]:
    """Every axe violation on the page at ``html_path`` as shown on ``media`` (screen or print).

    Most severe first. Runs offline in headless Chromium (:data:`~alignment.report.pdf.HEADLESS_FLAGS`, a fresh profile);
    ``html_path`` is read, never written. Raises :class:`AxeUnavailable` without a browser or
    ``axe.min.js``, :class:`AccessibilityError` when axe gives no result.
    """
    html_path = Path(html_path).resolve()
    renderer = renderer or pdf_renderer()
    if renderer is None:
        raise AxeUnavailable(f"no headless browser for the accessibility check; {INSTALL_HINT}")
    axe_js = axe_js or find_axe_js()
    if axe_js is None:
        raise AxeUnavailable(f"axe-core not found; {AXE_INSTALL_HINT}")
    page = html_path.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="alignment-a11y-", ignore_cleanup_errors=True) as work:
        work_dir = Path(work)
        shutil.copyfile(axe_js, work_dir / "axe.min.js")
        copy = work_dir / "page.html"
        base_url = html_path.parent.as_uri() + "/"
        axe_url = (work_dir / "axe.min.js").as_uri()
        copy.write_text(instrument_page(page, base_url, axe_url, media=media), encoding="utf-8")
        command = [
            renderer,
            *HEADLESS_FLAGS,
            f"--user-data-dir={work_dir / 'profile'}",
            "--allow-file-access-from-files",
            f"--window-size={window_size}",
            "--virtual-time-budget=120000",
            "--dump-dom",
            copy.as_uri(),
        ]
        try:
            result = run_headless(command, timeout=timeout)
        except PdfError as exc:
            raise AccessibilityError(f"accessibility check of {html_path}: {exc}") from None
    if result.returncode != 0:
        raise AccessibilityError(f"the browser failed on {html_path} (exit status {result.returncode})")
    return violations_from_result(parse_dumped_dom(result.stdout))


def run_pages(run_dir: Path, *, all_regions: bool = False) -> list[Path]:
    """The pages of a run folder to check: ``index.html`` and the first (or every) region report."""
    run_dir = Path(run_dir)
    pages = [run_dir / "index.html"] if (run_dir / "index.html").is_file() else []
    reports = sorted(run_dir.glob("*/report.html"))
    return pages + (reports if all_regions else reports[:1])


def audit_run(
    run_dir: Path,
    *,
    all_regions: bool = False,
    media: Sequence[str] = MEDIA,
    axe_js: Path | None = None,
) -> dict[tuple[Path, str], list[Violation]]:
    """Violations per (page, medium) of a run folder (pages from :func:`run_pages`)."""
    return {
        (page, medium): audit_page(page, axe_js=axe_js, media=medium)
        for page in run_pages(run_dir, all_regions=all_regions)
        for medium in media
    }


def failing(violations: Iterable[Violation]) -> list[Violation]:
    """The serious and critical violations among ``violations``."""
    return [v for v in violations if v.failing]


# --- page structure without a browser ----------------------------------------------------------


class _StructureParser(HTMLParser):
    """Collects what :func:`structure_problems` checks: lang, title, headings, images, tables."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lang: str | None = None
        self.title = ""
        self.headings: list[tuple[int, str]] = []
        self.images: list[dict[str, str | None]] = []
        self.tables: list[int] = []  # header cells per table
        self._open_tables: list[int] = []
        self._in_title = False
        self._heading: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "html":
            self.lang = dict(attrs).get("lang")
        elif tag == "title":
            self._in_title = True
        elif re.fullmatch(r"h[1-6]", tag):
            self.headings.append((int(tag[1]), ""))
            self._heading = []
        elif tag == "img":
            self.images.append(dict(attrs))
        elif tag == "table":
            self._open_tables.append(0)
        elif tag == "th" and self._open_tables:
            self._open_tables[-1] += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif re.fullmatch(r"h[1-6]", tag) and self._heading is not None and self.headings:
            level, _ = self.headings[-1]
            self.headings[-1] = (level, " ".join("".join(self._heading).split()))
            self._heading = None
        elif tag == "table" and self._open_tables:
            self.tables.append(self._open_tables.pop())

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        if self._heading is not None:
            self._heading.append(data)


def structure_problems(page: str) -> list[str]:
    """What a screen-reader user would miss on ``page``, as sentences; empty when none.

    Checks, without a browser: ``<html lang>``; a non-empty ``<title>``; the first heading is an
    ``h1`` and no heading skips a level on the way down (``h2`` → ``h4``); every ``<img>`` has a
    non-empty ``alt`` (every picture on our pages carries information); every ``<table>`` has header
    cells (``<th>``).

    >>> structure_problems('<html lang="en"><title>T</title><h1>A</h1><h2>B</h2><h3>C</h3><h2>D</h2>'
    ...                    '<img src="m.png" alt="Map of X"><table><tr><th>a</th></tr></table></html>')
    []
    >>> for p in structure_problems('<html><h2>A</h2><h4>B</h4><img src="x.png"><table><tr><td>1</td></tr></table>'):
    ...     print(p)
    no lang attribute on <html>
    no <title>
    the first heading is h2 "A", not h1
    h4 "B" follows h2: a heading level is skipped
    <img src="x.png"> has no alt text
    table 1 has no header cells (<th>)
    """  # noqa: E501
    parser = _StructureParser()
    parser.feed(page)
    parser.close()
    problems = []
    if not (parser.lang or "").strip():
        problems.append("no lang attribute on <html>")
    if not parser.title.strip():
        problems.append("no <title>")
    previous = 0
    for level, text in parser.headings:
        if previous == 0 and level != 1:
            problems.append(f'the first heading is h{level} "{text}", not h1')
        elif previous and level > previous + 1:
            problems.append(f'h{level} "{text}" follows h{previous}: a heading level is skipped')
        previous = level
    for attrs in parser.images:
        if not (attrs.get("alt") or "").strip():
            src = attrs.get("src") or ""
            shown = src if len(src) <= 40 else src[:37] + "..."
            problems.append(f'<img src="{shown}"> has no alt text')
    problems.extend(
        f"table {i} has no header cells (<th>)" for i, n in enumerate(parser.tables, start=1) if n == 0
    )
    return problems


# --- colours: colour-vision deficiencies and grey-scale print ----------------------------------

# Machado, Oliveira & Fernandes (2009), "A Physiologically-based Model for Simulation of Color Vision
# Deficiency", severity 1.0 matrices, applied to linear RGB.
CVD_MATRICES: dict[str, tuple[tuple[float, float, float], ...]] = {
    "protanopia": (
        (0.152286, 1.052583, -0.204868),
        (0.114503, 0.786281, 0.099216),
        (-0.003882, -0.048116, 1.051998),
    ),
    "deuteranopia": (
        (0.367322, 0.860646, -0.227968),
        (0.280085, 0.672501, 0.047413),
        (-0.011820, 0.042940, 0.968881),
    ),
    "tritanopia": (
        (1.255528, -0.076749, -0.178779),
        (-0.078411, 0.930809, 0.147602),
        (0.004733, 0.691367, 0.303900),
    ),
}
VISIONS: tuple[str, ...] = ("normal", *CVD_MATRICES, "greyscale")


def _linear(channel: float) -> float:
    return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4


def _hex_to_linear(colour: str) -> tuple[float, float, float]:
    value = colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    if not re.fullmatch(r"[0-9a-fA-F]{6}", value):
        raise ValueError(f"not a #RRGGBB colour: {colour!r}")
    r, g, b = (int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return _linear(r), _linear(g), _linear(b)


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance Y = 0.2126 R + 0.7152 G + 0.0722 B of linear sRGB.

    >>> relative_luminance("#ffffff"), relative_luminance("#000000")
    (1.0, 0.0)
    """
    r, g, b = _hex_to_linear(colour)
    return round(0.2126 * r + 0.7152 * g + 0.0722 * b, 10)


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio (L1 + 0.05) / (L2 + 0.05); text needs 4.5 (3 when large).

    >>> round(contrast_ratio("#000000", "#ffffff"), 1)
    21.0
    >>> round(contrast_ratio("#555555", "#ffffff"), 2)
    7.46
    """
    a, b = sorted((relative_luminance(foreground), relative_luminance(background)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def _lab(linear_rgb: Sequence[float]) -> tuple[float, float, float]:
    r, g, b = (min(max(c, 0.0), 1.0) for c in linear_rgb)
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29

    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def simulate_colour_vision(colour: str, vision: str) -> tuple[float, float, float]:
    """CIELAB (L*, a*, b*) of ``colour`` as seen with ``vision`` (one of :data:`VISIONS`).

    ``greyscale`` keeps only the lightness, as a black-and-white printer does.

    >>> [round(v) for v in simulate_colour_vision("#ffffff", "deuteranopia")]
    [100, 0, 0]
    >>> [round(v) for v in simulate_colour_vision("#E69F00", "greyscale")]
    [71, 0, 0]
    """
    rgb = _hex_to_linear(colour)
    if vision == "normal":
        return _lab(rgb)
    if vision == "greyscale":
        return _lab(rgb)[0], 0.0, 0.0
    if vision not in CVD_MATRICES:
        raise ValueError(f"unknown vision {vision!r}; expected one of {', '.join(VISIONS)}")
    matrix = CVD_MATRICES[vision]
    return _lab(tuple(sum(m * c for m, c in zip(row, rgb, strict=True)) for row in matrix))


def colour_difference(a: str, b: str, vision: str = "normal") -> float:
    """CIE76 colour difference ΔE*ab between ``a`` and ``b`` as seen with ``vision``.

    >>> round(colour_difference("#000000", "#ffffff"))
    100
    >>> colour_difference("#D55E00", "#D55E00", "protanopia")
    0.0
    """
    return math.dist(simulate_colour_vision(a, vision), simulate_colour_vision(b, vision))


def palette_problems(
    colours: Sequence[str],
    *,
    min_difference: float = 20.0,
    min_lightness_difference: float = 15.0,
    visions: Sequence[str] = VISIONS,
) -> list[str]:
    """Pairs of ``colours`` that a reader could confuse, as sentences; empty when the palette is safe.

    For normal vision and each colour-vision deficiency two colours must differ by at least
    ``min_difference`` ΔE*ab; in ``greyscale`` by at least ``min_lightness_difference`` in L*
    (a chart whose series also differ by hatching can pass ``visions`` without ``greyscale``).

    >>> palette_problems(["#0072B2", "#E69F00"])
    []
    >>> palette_problems(["#D62728", "#2CA02C"], visions=["deuteranopia"])
    ['#D62728 and #2CA02C differ by only 7.3 for deuteranopia (need 20.0)']
    """
    problems = []
    for a, b in itertools.combinations(colours, 2):
        for vision in visions:
            need = min_lightness_difference if vision == "greyscale" else min_difference
            diff = colour_difference(a, b, vision)
            if diff < need:
                problems.append(f"{a} and {b} differ by only {diff:.1f} for {vision} (need {need:.1f})")
    return problems


# --- command line ------------------------------------------------------------------------------


def format_report(results: dict[tuple[Path, str], list[Violation]]) -> str:
    """Plain-text report: per page and medium, a count, then every violation on one line.

    >>> v = Violation("region", "moderate", "Content should be in landmarks", "", ("p",))
    >>> print(format_report({(Path("r/index.html"), "print"): [v]}))
    r/index.html (print): 1 violation(s), 0 serious or critical
      moderate  region: Content should be in landmarks (1 element: p)
    """
    lines = []
    for (page, medium), found in results.items():
        lines.append(
            f"{page} ({medium}): {len(found)} violation(s), {len(failing(found))} serious or critical"
        )
        lines.extend(f"  {v.summary()}" for v in found)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """``python -m alignment.report.a11y [RUN_DIR] [--all-regions] [--media M] [--json FILE]``.

    Exit status 0 when no page has a serious or critical violation, 1 when one has, 2 when the check
    could not run.
    """
    parser = argparse.ArgumentParser(
        prog="python -m alignment.report.a11y",
        description="axe-core accessibility check of a run's index.html and region report(s), offline.",
    )
    parser.add_argument("run_dir", nargs="?", default="reports/demo", type=Path, help="default: reports/demo")
    parser.add_argument("--all-regions", action="store_true", help="check every region report, not one")
    parser.add_argument(
        "--media", choices=MEDIA, action="append", help="screen or print (default: both; may be repeated)"
    )
    parser.add_argument("--json", type=Path, help="also write the violations as JSON to this file")
    args = parser.parse_args(argv)
    if not run_pages(args.run_dir, all_regions=args.all_regions):
        print(f"no index.html or region report in {args.run_dir}: run `make demo` first", file=sys.stderr)
        return 2
    axe_js = find_axe_js()
    try:
        results = audit_run(
            args.run_dir, all_regions=args.all_regions, media=args.media or MEDIA, axe_js=axe_js
        )
    except AccessibilityError as exc:
        print(f"a11y: {exc}", file=sys.stderr)
        return 2
    print(f"axe-core {axe_version(axe_js) if axe_js else 'unknown'}")
    print(format_report(results))
    if args.json:
        payload = [
            {
                "page": str(page),
                "media": medium,
                "violations": [dict(v.__dict__, targets=list(v.targets)) for v in found],
            }
            for (page, medium), found in results.items()
        ]
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    bad = sum(len(failing(found)) for found in results.values())
    print(f"{bad} serious or critical violation(s)" if bad else "no serious or critical violations")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
