"""Problems found in user input, reported with file, row and column.

Every reader collects :class:`Problem` objects instead of stopping at the first
one, then raises a single :class:`InputError` that lists them all, so a user sees
every problem in one pass.

>>> p = Problem("enrollment.csv", 7, "completers", "expected a whole number >= 0, got 'twelve'")
>>> str(p)
"enrollment.csv, row 7, column 'completers': expected a whole number >= 0, got 'twelve'"
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One problem in one input file.

    ``row`` is the line number a user sees when opening the file in a text
    editor or spreadsheet (the header is row 1, the first data row is row 2);
    ``None`` when the problem concerns the whole file. ``column`` is the column
    name as written in the file, ``None`` for whole-row or whole-file problems.
    """

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.message}"


class InputError(Exception):
    """One or more problems in user input; ``str()`` lists every one."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__(self._text())

    def _text(self, limit: int = 50) -> str:
        lines = [str(p) for p in self.problems[:limit]]
        more = len(self.problems) - limit
        if more > 0:
            lines.append(f"... and {more} more problem(s)")
        n = len(self.problems)
        head = f"{n} problem(s) in the input:" if n != 1 else "1 problem in the input:"
        return "\n".join([head, *("  - " + line for line in lines)])


def display_name(path: str | Path) -> str:
    """The name of a file as shown in messages: its path as given by the user."""
    return str(path)
