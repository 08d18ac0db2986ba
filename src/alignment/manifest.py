"""The manifest of a run: what it was built from, so next year's analyst can see it.

Records every input file (path relative to the config file, size, sha256), the
config as written and the thresholds in force, the package and library versions,
and the time. The time stamp lives only here, so every other output of a run is
byte-identical for identical inputs.
"""

from __future__ import annotations

import hashlib
import json
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

from . import __version__
from .atomic import write_text
from .config import Config
from .timestamps import run_time

LIBRARIES = (
    "pandas",
    "numpy",
    "pyarrow",
    "pandera",
    "geopandas",
    "shapely",
    "pyogrio",
    "mapclassify",
    "matplotlib",
    "scikit-learn",
    "papermill",
    "nbconvert",
    "plotly-geo",
)


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def library_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def input_records(cfg: Config) -> list[dict[str, Any]]:
    """One record per input file: role, path relative to the config, size, sha256. A crosswalk folder
    (``advance_cte_dir``) gives one record per file inside it, so editing any of them changes the run's key."""
    ins = cfg.inputs
    roles = [("enrollment", p) for p in (ins.enrollment,) if p is not None] + [("regions", ins.regions)]
    roles += [("qcew", p) for p in ins.qcew]
    roles += [("ipeds_completions", p) for p in ins.ipeds_completions]
    roles += [("projections", p) for p in ins.projections]
    roles += [
        (role, p)
        for role, p in (
            ("ipeds_hd", ins.ipeds_hd),
            ("cbsa_delineation", ins.cbsa_delineation),
            ("cip_list", ins.cip_list),
        )
        if p is not None
    ]
    roles += [
        (role, p)
        for role, p in (
            ("oews", cfg.inputs.oews),
            ("living_wage", cfg.inputs.living_wage),
            ("geometry", cfg.inputs.geometry),
        )
        if p is not None
    ]
    roles += [("staffing_patterns", p) for p in ins.staffing_patterns]
    roles += [("institution_places", p) for p in (ins.institution_places,) if p is not None]
    for key, path in sorted(cfg.crosswalks.items()):
        roles += [(f"crosswalk:{key}", p) for p in _files_of(Path(path))]
    return [
        {"role": role, "path": cfg.relative(p), "bytes": p.stat().st_size, "sha256": sha256_file(p)}
        for role, p in roles
    ]


def _files_of(path: Path) -> list[Path]:
    """A file itself, or every file inside a folder (sub-folders too; hidden ones left out), sorted."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        return []
    return sorted(
        p
        for p in path.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
    )


def build_manifest(
    cfg: Config, *, outputs: list[str], stages: dict[str, float], extra: dict | None = None
) -> dict:
    return {
        "run": cfg.run,
        "title": cfg.title,
        "synthetic": cfg.synthetic,
        "year": cfg.year,
        "created_utc": run_time().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "alignment_version": __version__,
        "libraries": library_versions(),
        "config_file": cfg.path.name,
        "config": cfg.raw,
        "thresholds": cfg.thresholds,
        "inputs": input_records(cfg),
        "outputs": sorted(outputs),
        "stage_seconds": {k: round(v, 2) for k, v in stages.items()},
        **(extra or {}),
    }


def write_json(path: Path, data: dict) -> Path:
    """Write JSON atomically (temp file, then rename)."""
    return write_text(path, json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")
