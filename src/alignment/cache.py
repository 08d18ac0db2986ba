"""Content-hash cache for reruns: reuse what was built from exactly the same things.

A rerun reuses the outputs of the analysis stages (notebooks 01-03) and of each region report
(``report.html``, ``report.pdf``, ``tables.xlsx`` and the executed notebook) when the sha256
key of everything they depend on is unchanged:

* the **run key**: the package version, the bytes of every source file of the package and
  of the notebooks (:func:`code_fingerprint`), the library versions, the config (canonical
  JSON) and the sha256 of every input file (as in ``manifest.json``);
* the **stage key**: the run key;
* a **region key**: the run key, the sha256 of every processed table the stages wrote, the
  region's id and name, and the runs of earlier years beside this one (a report compares
  with the latest of them).

Granularity: a region report also shows every other region (the statewide gap map) and
privacy protection suppresses cells across regions, so any change to the data (an input
file's bytes, the config) invalidates every region; a change to the code invalidates
everything. The per-region key lets a rerun after an interrupted run reuse the regions
that run had finished.

Each cached unit carries a record, ``.cache.json``, written last (atomically) beside its
outputs, with the key and the sha256 of every file. A unit is reused only when the key
matches and every file still has the recorded bytes.

>>> digest({"b": 1, "a": [1, 2]}) == digest({"a": [1, 2], "b": 1})
True
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import __version__
from .atomic import atomic_path
from .config import Config
from .manifest import input_records, library_versions, sha256_file
from .paths import NOTEBOOKS_DIR, PACKAGE_DIR

RECORD = ".cache.json"
RECORD_FORMAT = 1
# The files of a region report; the PDF is optional (no browser, or the browser failed).
REGION_FILES = ("report.html", "tables.xlsx")
REGION_PDF = "report.pdf"


def digest(obj: Any) -> str:
    """sha256 of the canonical JSON of ``obj`` (sorted keys, no spaces; paths and dates as text)."""
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _source_files(root: Path, patterns: Iterable[str]) -> list[Path]:
    files: set[Path] = set()
    for pattern in patterns:
        files.update(root.rglob(pattern))
    return sorted(
        p
        for p in files
        if p.is_file()
        and not any(part.startswith(".") or part == "__pycache__" for part in p.relative_to(root).parts)
    )


def code_fingerprint(package_dir: Path = PACKAGE_DIR, notebooks_dir: Path = NOTEBOOKS_DIR) -> str:
    """sha256 over the path and bytes of every file of the package (code, templates, reference
    tables, presets) and every notebook; compiled files, hidden files and checkpoints are left out.
    """
    h = hashlib.sha256()
    for root, patterns in ((package_dir, ("*",)), (notebooks_dir, ("*.ipynb",))):
        if not root.is_dir():
            continue
        for p in _source_files(root, patterns):
            if p.suffix in (".pyc", ".pyo"):
                continue
            h.update(f"{root.name}/{p.relative_to(root).as_posix()}\0".encode())
            h.update(sha256_file(p).encode())
    return h.hexdigest()


def run_key(cfg: Config, *, code: str | None = None) -> str:
    """The key of everything a run's outputs depend on before any table is computed."""
    return digest(
        {
            "format": RECORD_FORMAT,
            "alignment_version": __version__,
            "code": code if code is not None else code_fingerprint(),
            "libraries": library_versions(),
            "config": cfg.raw,
            "inputs": [(r["role"], r["path"], r["sha256"]) for r in input_records(cfg)],
        }
    )


def stage_key(base: str, *, earlier: str = "") -> str:
    """The key of the processed tables (:func:`alignment.build.build`): the run key and the fingerprint of
    the earlier years' runs the changes since the previous year compare with."""
    return digest({"earlier": earlier, "stages": base})


def region_key(
    base: str, tables: dict[str, str], region_id: str, region_name: str, *, earlier: str = ""
) -> str:
    """The key of one region report: the run key, the processed tables' sha256, the region and the
    fingerprint of the earlier years' runs the report compares with (:func:`earlier_runs_fingerprint`)."""
    return digest({"earlier": earlier, "region": [region_id, region_name], "run": base, "tables": tables})


def earlier_runs_fingerprint(processed_dir: Path, year: int) -> str:
    """sha256 over the runs of earlier years beside ``processed_dir`` (a report's "Since <year>" section).

    Each sibling folder that is not hidden and whose ``manifest.json`` names a year before ``year``
    counts with its name, its manifest (time stamps left out) and the sha256 of its tables.
    """
    parent = Path(processed_dir).parent
    here = Path(processed_dir).name
    found = []
    for folder in sorted(parent.iterdir()) if parent.is_dir() else []:
        if folder.name == here or folder.name.startswith(".") or not folder.is_dir():
            continue
        try:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        their_year = manifest.get("year") if isinstance(manifest, dict) else None
        if not isinstance(their_year, int) or their_year >= year:
            continue
        facts = {k: v for k, v in manifest.items() if k not in ("created_utc", "stage_seconds")}
        found.append([folder.name, facts, file_hashes(folder, [p.name for p in folder.glob("*.parquet")])])
    return digest(found)


def file_hashes(folder: Path, names: Iterable[str]) -> dict[str, str]:
    """sha256 of each named file (relative to ``folder``) that exists."""
    return {n: sha256_file(folder / n) for n in sorted(names) if (folder / n).is_file()}


def write_record(folder: Path, key: str, files: dict[str, str], **extra: Any) -> Path:
    """Write the cache record of a finished unit (atomically, as the last file of the unit)."""
    path = folder / RECORD
    with atomic_path(path) as tmp:
        tmp.write_text(
            json.dumps({"format": RECORD_FORMAT, "key": key, "files": files, **extra}, indent=1) + "\n",
            encoding="utf-8",
        )
    return path


def read_record(folder: Path) -> dict | None:
    """The cache record in ``folder``, or None when there is none or it cannot be read."""
    try:
        record = json.loads((folder / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("format") != RECORD_FORMAT:
        return None
    if not isinstance(record.get("files"), dict) or not isinstance(record.get("key"), str):
        return None
    return record


def _intact(folder: Path, files: dict[str, str]) -> bool:
    """True when every recorded file exists with its recorded sha256."""
    try:
        return all(sha256_file(folder / name) == sha for name, sha in files.items())
    except OSError:
        return False


@dataclass(frozen=True)
class StageHit:
    """Stage outputs that can be reused: the folder they are in and their recorded files."""

    folder: Path
    files: dict[str, str]


def find_stages(key: str, candidates: Iterable[Path]) -> StageHit | None:
    """The first candidate processed folder whose record has ``key`` and whose files are intact."""
    for folder in candidates:
        record = read_record(folder)
        if record and record["key"] == key and record["files"] and _intact(folder, record["files"]):
            return StageHit(folder, dict(record["files"]))
    return None


def stage_files(processed: Path) -> dict[str, str]:
    """sha256 of every file the stages wrote into ``processed`` (hidden files and the manifest left out)."""
    names = [
        p.relative_to(processed).as_posix()
        for p in processed.rglob("*")
        if p.is_file()
        and p.name != "manifest.json"
        and not any(s.startswith(".") for s in p.relative_to(processed).parts)
    ]
    return file_hashes(processed, names)


def table_hashes(files: dict[str, str]) -> dict[str, str]:
    """The processed tables (``*.parquet``) among a stage record's files."""
    return {name: sha for name, sha in files.items() if name.endswith(".parquet")}


def copy_files(source: Path, dest: Path, names: Iterable[str]) -> None:
    """Copy the named files (relative paths) from ``source`` to ``dest``, creating folders."""
    for name in names:
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / name, target)


@dataclass(frozen=True)
class RegionHit:
    """A finished region report that can be reused."""

    report_dir: Path
    notebook: Path
    files: dict[str, str]


def find_region(
    key: str, candidates: Iterable[tuple[Path, Path]], *, want_pdf: bool = False
) -> RegionHit | None:
    """The first (report folder, executed notebook) candidate whose record has ``key`` and intact files.

    With ``want_pdf`` a report without its PDF is not reused (a browser is available now).
    """
    for report_dir, notebook in candidates:
        record = read_record(report_dir)
        if not record or record["key"] != key:
            continue
        files = dict(record["files"])
        if any(name not in files for name in REGION_FILES) or (want_pdf and REGION_PDF not in files):
            continue
        nb_sha = record.get("notebook_sha256")
        if not _intact(report_dir, files) or not notebook.is_file() or sha256_file(notebook) != nb_sha:
            continue
        return RegionHit(report_dir, notebook, files)
    return None


def write_region_record(report_dir: Path, notebook: Path, key: str, region_id: str) -> Path:
    """Record a finished region report (its files' and its executed notebook's sha256)."""
    files = file_hashes(report_dir, (*REGION_FILES, REGION_PDF))
    return write_record(report_dir, key, files, region_id=region_id, notebook_sha256=sha256_file(notebook))


def restore_region(hit: RegionHit, report_dir: Path, notebook: Path) -> None:
    """Copy a reused region report (and its record) into the new run's folders."""
    copy_files(hit.report_dir, report_dir, [*hit.files, RECORD])
    notebook.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(hit.notebook, notebook)
