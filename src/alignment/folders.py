"""The folders a run owns: only these are ever written into, renamed or deleted.

Every folder the tool makes for its outputs (a run's ``data/processed/<run>/`` and
``reports/<run>/``, their hidden staging folders, the demo's input folder) holds a small marker
file, :data:`MARKER`. A folder without it belongs to the user: the tool never renames or deletes
it, and a config whose outputs point at it is refused before anything is written
(:func:`check_output_folders`), as is one whose outputs

- hold or equal one of the run's inputs (the config file, a data file, a crosswalk folder),
- lie outside the project (the working directory) unless ``--allow-outside`` is given, or
- are the same folder for processed tables and reports, or one inside the other (the processed
  tables hold unsuppressed student counts and must never be published).

A run published by a version before the marker existed is recognized by its ``manifest.json``
naming the same run; it is adopted (marked) when it is replaced.

>>> import tempfile
>>> d = Path(tempfile.mkdtemp())
>>> (d / "notes.txt").write_text("mine") and None
>>> is_owned(d), foreign_entries(d)
(False, ['notes.txt'])
>>> remove_owned(d)
False
>>> (d / "notes.txt").is_file()
True
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from .errors import Problem

#: the file that marks a folder as made by the tool
MARKER = ".alignment-output"
_MARKER_TEXT = "This folder was written by alignment; a rerun may replace or delete it.\n"


class FolderError(RuntimeError):
    """The tool was about to rename or delete a folder it does not own; nothing was touched."""


def mark(folder: Path, kind: str = "output") -> Path:
    """Create ``folder`` if needed and put the marker in it; returns the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / MARKER
    if not marker.is_file():
        marker.write_text(f"{_MARKER_TEXT}kind: {kind}\n", encoding="utf-8", newline="\n")
    return folder


def is_owned(folder: Path) -> bool:
    """True when ``folder`` is a directory holding the marker (and is not a symbolic link)."""
    folder = Path(folder)
    return folder.is_dir() and not folder.is_symlink() and (folder / MARKER).is_file()


def _earlier_run(folder: Path, run: str | None) -> bool:
    """A run of the same name published before the marker existed: its manifest names the run."""
    if run is None or folder.is_symlink():
        return False
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("run") == run and "alignment_version" in manifest


def foreign_entries(folder: Path, run: str | None = None) -> list[str]:
    """Names of what ``folder`` holds that the tool did not write: empty for an owned or empty folder."""
    folder = Path(folder)
    if not folder.exists() and not folder.is_symlink():
        return []
    if folder.is_symlink() or not folder.is_dir():
        return [folder.name]
    if is_owned(folder) or _earlier_run(folder, run):
        return []
    return sorted(p.name for p in folder.iterdir())


def may_replace(folder: Path, run: str | None = None) -> bool:
    """True when ``folder`` is missing, empty, owned, or an earlier run of ``run`` (see the module doc)."""
    return not foreign_entries(folder, run)


def remove_owned(folder: Path, run: str | None = None) -> bool:
    """Delete ``folder`` if the tool owns it; True if it is gone. Any other folder stays, even empty."""
    folder = Path(folder)
    if not folder.exists() and not folder.is_symlink():
        return True
    if not (is_owned(folder) or _earlier_run(folder, run)):
        return False
    shutil.rmtree(folder, ignore_errors=True)
    return not folder.exists()


def replace_owned(staging: Path, final: Path, old: Path, run: str | None = None) -> None:
    """Put ``staging`` under the name ``final``; what stood there is moved aside to ``old`` first.

    Only a folder the tool owns (or an earlier run of ``run``) is moved aside; an empty folder is
    renamed over, and anything else raises :class:`FolderError` with nothing touched.
    """
    staging, final, old = Path(staging), Path(final), Path(old)
    final.parent.mkdir(parents=True, exist_ok=True)
    if final.exists() or final.is_symlink():
        if foreign_entries(final, run):
            raise FolderError(
                f"{final} holds files alignment did not write ({', '.join(foreign_entries(final, run)[:5])}); "
                "it was left untouched"
            )
        if is_owned(final) or _earlier_run(final, run):
            os.replace(final, old)
    os.replace(staging, final)  # over an empty folder, a rename replaces it


def _inside(path: Path, folder: Path) -> bool:
    """True when ``path`` is ``folder`` or lies inside it (both resolved)."""
    return path == folder or folder in path.parents


def check_output_folders(
    *,
    processed: Path,
    reports: Path,
    inputs: Iterable[Path],
    project: Path,
    run: str | None = None,
    allow_outside: bool = False,
    file: str = "config",
    lines: dict[str, int | None] | None = None,
) -> list[Problem]:
    """Every reason the run may not write to ``processed`` and ``reports``; an empty list when it may.

    ``inputs`` are every file and folder the run reads (the config file included); ``project`` is
    the folder outputs must stay inside unless ``allow_outside``. ``lines`` maps ``processed`` and
    ``reports`` to the config line that sets them, for the messages.
    """
    lines = lines or {}
    problems: list[Problem] = []
    project = Path(project).resolve()
    given = {"processed": Path(processed).absolute(), "reports": Path(reports).absolute()}
    folders = {k: v.resolve() for k, v in given.items()}
    resolved_inputs = [Path(p).resolve() for p in inputs]

    def add(key: str, message: str) -> None:
        problems.append(Problem(file, lines.get(key), f"outputs.{key}", message))

    p, r = folders["processed"], folders["reports"]
    if p == r:
        add(
            "reports",
            f"processed tables and reports are the same folder ({r}); the processed tables hold "
            "unsuppressed student counts and must never be published: give each its own folder",
        )
    elif _inside(p, r) or _inside(r, p):
        inner, outer = ("processed", "reports") if _inside(p, r) else ("reports", "processed")
        add(
            inner,
            f"the {inner} folder {folders[inner]} lies inside the {outer} folder {folders[outer]}; "
            "give each its own folder, neither inside the other",
        )
    for key, folder in folders.items():
        if folder == Path(folder.anchor) or _inside(project, folder):
            add(key, f"{folder} holds the whole project; outputs go in a folder of their own")
            continue
        clash = next((i for i in resolved_inputs if _inside(i, folder) or _inside(folder, i)), None)
        if clash is not None:
            what = "is" if clash == folder else ("holds" if _inside(clash, folder) else "lies inside")
            add(
                key,
                f"{folder} {what} an input of the run ({clash}); outputs go in a folder of their own, "
                "away from the input files",
            )
            continue
        if not allow_outside and not _inside(folder, project):
            add(
                key,
                f"{folder} lies outside the project folder {project}; write outputs inside it, "
                "or give --allow-outside to write there on purpose",
            )
            continue
        if given[key].is_symlink():
            add(key, f"{given[key]} is a symbolic link; name the real folder, or remove the link")
        elif folder.exists() and not folder.is_dir():
            add(key, f"{folder} is a file, not a folder")
        elif foreign := foreign_entries(folder, run):
            shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
            add(
                key,
                f"{folder} already holds files alignment did not write ({shown}); a run replaces its "
                f"output folder as a whole, so name a new or empty folder (alignment marks its own "
                f"with a {MARKER} file)",
            )
    return problems
