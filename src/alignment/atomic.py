"""Atomic writes: a file or a folder appears complete under its final name, or not at all.

Every output of a run goes through these helpers: the content is written to a
hidden temporary sibling (same folder, so the final ``os.replace`` is a rename
on one file system) and renamed into place; on any error the temporary is
removed and whatever stood under the final name before is untouched.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> with atomic_path(d / "a.txt") as tmp:
...     _ = tmp.write_text("done")
>>> (d / "a.txt").read_text(), sorted(p.name for p in d.iterdir())
('done', ['a.txt'])
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(path: str | Path, *, suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` when the block succeeds.

    The temporary name keeps the final extension when ``suffix`` is given as one (libraries
    that choose a format by extension, such as GDAL for ``.gpkg``, need it).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    tmp.unlink()  # writers create it themselves; some refuse to write over an existing file
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 text (``\\n`` line ends) atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")
    return Path(path)


def replace_dir(staging: Path, final: Path) -> None:
    """Put the complete folder ``staging`` under the name ``final``, replacing what was there.

    Two renames; the previous folder is deleted only once the new one is in place, and is put
    back if the second rename fails.
    """
    final.parent.mkdir(parents=True, exist_ok=True)
    if not final.exists():
        os.replace(staging, final)
        return
    old = final.parent / f".{final.name}.old-{uuid.uuid4().hex[:8]}"
    os.replace(final, old)
    try:
        os.replace(staging, final)
    except BaseException:
        os.replace(old, final)
        raise
    shutil.rmtree(old, ignore_errors=True)
