"""Report rendering: executed notebooks → offline HTML pages, and the run's index page."""

from alignment.report.html import NotebookReportError, notebook_to_html
from alignment.report.index import summarize_regions, write_index

__all__ = ["NotebookReportError", "notebook_to_html", "summarize_regions", "write_index"]
