"""Report rendering: executed notebooks → offline HTML pages, PDFs, workbooks and the run's index page.

The submodules are imported on first use: nbconvert (behind ``report.html``) takes over a second to
import, and every region kernel imports this package only for ``report.narrative``.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "NotebookReportError": "alignment.report.html",
    "notebook_to_html": "alignment.report.html",
    "summarize_regions": "alignment.report.index",
    "write_index": "alignment.report.index",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'alignment.report' has no attribute {name!r}")
