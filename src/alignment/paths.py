"""Every path the project knows, in one place, so no notebook builds paths by hand.

Paths are relative to the working directory of a run (the project root when
run from a checkout); a config may name other locations.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REFERENCE_DIR = PACKAGE_DIR / "reference"
PRESETS_DIR = PACKAGE_DIR / "presets"
TEMPLATES_DIR = PACKAGE_DIR / "report" / "templates"


def project_root() -> Path:
    """The directory runs are relative to: the current working directory."""
    return Path.cwd()


def raw_dir(root: Path | None = None) -> Path:
    return (root or project_root()) / "data" / "raw"


def processed_dir(run: str, root: Path | None = None) -> Path:
    return (root or project_root()) / "data" / "processed" / run


def reports_dir(run: str, root: Path | None = None) -> Path:
    return (root or project_root()) / "reports" / run


# The notebooks ship beside the package in a checkout (``pip install -e .``).
NOTEBOOKS_DIR = PACKAGE_DIR.parents[1] / "notebooks"
