"""Screenshots of a finished run, for reviewing the reports without opening a browser (``make screenshots``).

For a run folder (default ``reports/demo``) it writes into ``screenshots/`` (git-ignored):

* ``index.png`` and ``<region>.png``: the whole page as a 1200 px wide browser shows it (headless Chromium,
  a tall window, the blank space below the page trimmed away);
* ``<region>-pdf-page1.png``: page 1 of ``<region>/report.pdf`` at 60 dpi (``pdftoppm``). A region without
  a ``report.pdf`` is printed to a temporary PDF first; the run folder itself is never modified.

Usage: ``python scripts/screenshots.py [RUN_DIR] [--out screenshots] [--width 1200]``. Needs Chromium and
poppler-utils (``apt-get install chromium poppler-utils``); works offline.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageChops

from alignment.atomic import atomic_path
from alignment.report.pdf import (
    HEADLESS_FLAGS,
    INSTALL_HINT,
    PdfError,
    html_to_pdf,
    pdf_renderer,
    run_headless,
)

Image.MAX_IMAGE_PIXELS = None  # a long report page is a large, trusted image
START_HEIGHT = 20000
MAX_HEIGHT = 64000
MARGIN_PX = 24


def content_height(image: Image.Image) -> int:
    """Height down to the last row that differs from the page background (the bottom-left pixel)."""
    rgb = image.convert("RGB")
    background = Image.new("RGB", rgb.size, rgb.getpixel((0, rgb.height - 1)))
    box = ImageChops.difference(rgb, background).getbbox()
    return 0 if box is None else box[3]


def screenshot_page(renderer: str, html_path: Path, png_path: Path, *, width: int = 1200) -> Path:
    """Full-height PNG of ``html_path`` at ``width`` CSS px; the window grows until the page ends inside it."""
    height = START_HEIGHT
    while True:
        with tempfile.TemporaryDirectory(prefix="alignment-shot-", ignore_cleanup_errors=True) as work:
            shot = Path(work) / "shot.png"
            command = [
                renderer,
                *HEADLESS_FLAGS,
                f"--user-data-dir={Path(work) / 'profile'}",
                "--hide-scrollbars",
                "--force-device-scale-factor=1",
                f"--window-size={width},{height}",
                f"--screenshot={shot}",
                html_path.resolve().as_uri(),
            ]
            result = run_headless(command, timeout=120)
            if result.returncode != 0 or not shot.is_file():
                raise PdfError(f"screenshot of {html_path} failed (exit status {result.returncode})")
            with Image.open(shot) as image:
                used = content_height(image)
                if used < height - MARGIN_PX or height >= MAX_HEIGHT:
                    with atomic_path(png_path, suffix=".png") as tmp:
                        image.crop((0, 0, image.width, min(height, used + MARGIN_PX))).save(tmp, "PNG")
                    return png_path
        height = min(height * 2, MAX_HEIGHT)


def render_pdf_page1(pdf_path: Path, png_path: Path, *, dpi: int = 60) -> Path:
    """Page 1 of ``pdf_path`` as a PNG at ``dpi`` (``pdftoppm -png -r DPI -f 1 -l 1``)."""
    with atomic_path(png_path, suffix=".png") as tmp:
        subprocess.run(
            ["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile", str(pdf_path)]
            + [str(tmp.with_suffix(""))],
            check=True,
            capture_output=True,
        )
    return png_path


def region_reports(run_dir: Path) -> list[Path]:
    """Every ``<region>/report.html`` of a run folder, sorted by region."""
    return sorted(run_dir.glob("*/report.html"))


def take_screenshots(run_dir: Path, out_dir: Path, *, width: int = 1200) -> list[Path]:
    """Every screenshot of one run folder; returns the PNGs written."""
    renderer = pdf_renderer()
    if renderer is None:
        raise PdfError(f"no headless browser for screenshots; {INSTALL_HINT}")
    if shutil.which("pdftoppm") is None:
        raise PdfError("pdftoppm not found; install poppler-utils: apt-get install poppler-utils")
    written = []
    if (run_dir / "index.html").is_file():
        written.append(screenshot_page(renderer, run_dir / "index.html", out_dir / "index.png", width=width))
    for report in region_reports(run_dir):
        region = report.parent.name
        written.append(screenshot_page(renderer, report, out_dir / f"{region}.png", width=width))
        pdf = report.with_suffix(".pdf")
        with tempfile.TemporaryDirectory(prefix="alignment-pdf-") as work:
            if not pdf.is_file():
                pdf = html_to_pdf(report, Path(work) / "report.pdf")
            written.append(render_pdf_page1(pdf, out_dir / f"{region}-pdf-page1.png"))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="PNG screenshots of a run's index, region reports and PDFs.")
    parser.add_argument("run_dir", nargs="?", default="reports/demo", type=Path, help="default: reports/demo")
    parser.add_argument(
        "--out", default="screenshots", type=Path, help="output folder (default: screenshots)"
    )
    parser.add_argument("--width", default=1200, type=int, help="browser window width in px (default: 1200)")
    args = parser.parse_args(argv)
    if not args.run_dir.is_dir():
        print(f"no run folder {args.run_dir}: run `make demo` (or `alignment run`) first", file=sys.stderr)
        return 2
    try:
        written = take_screenshots(args.run_dir, args.out, width=args.width)
    except PdfError as exc:
        print(f"screenshots: {exc}", file=sys.stderr)
        return 1
    if not written:
        print(f"nothing to screenshot in {args.run_dir}", file=sys.stderr)
        return 1
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
