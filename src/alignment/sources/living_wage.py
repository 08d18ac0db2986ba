"""Living-wage tables and the family-supporting wage per region.

:func:`read_living_wage` reads a long table ``year, state, county, adults, children,
hourly_wage`` (header names per :data:`ALIASES`). ``state`` is a FIPS code or a
postal code; ``county`` a 5-digit FIPS code, or the 3-digit county part when a
state column is present. Family-type cells may be numbers (``1``) or words as the
MIT calculator writes them (``1 Adult``, ``2 Adults (1 Working)``,
``2 Adults (Both Working)``, ``0 Children``, ``1 Child``). Besides the table columns
the reader keeps ``earners`` (working adults: ``(1 Working)`` → 1, ``(Both Working)``
→ 2, else an ``earners`` column, else the number of adults), because two-adult
families come in both kinds; the wage is per working adult.

A row that exactly repeats an earlier one (every column equal, as read) is dropped with a note
naming its line and the line it repeats; a row that repeats a county and family type with another
value is refused, naming both lines and the column that differs.

The family-supporting wage of a region is computed from this table in :mod:`alignment.family_wage`.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from ..codes import clean_text, normalize_county_fips_series, normalize_state_fips_series
from ..errors import InputError, Problem
from ..schemas import LivingWage
from ._tabular import as_text, match_columns, read_raw, validate_as_written
from .enrollment import parse_school_year

COLUMNS = ("year", "state_fips", "county_fips", "adults", "children", "earners", "wage_hourly_usd")

#: Header names accepted for each column, in order of preference.
ALIASES: dict[str, tuple[str, ...]] = {
    "year": ("data_year", "yr"),
    "state_fips": ("state", "state_code", "state_fips_code", "statefp", "st"),
    "county_fips": ("county", "county_code", "county_fips_code", "fips", "countyfp", "geoid"),
    "adults": ("adult", "num_adults", "number_of_adults"),
    "children": ("child", "kids", "num_children", "number_of_children"),
    "earners": ("working_adults", "workers", "number_working"),
    "wage_hourly_usd": ("hourly_wage", "living_wage", "hourly_living_wage", "living_wage_hourly", "wage"),
}

_ADULTS = re.compile(r"^(\d+)(?:adults?)?(?:\((\d+|one|two|both)working\))?$")
_CHILDREN = re.compile(r"^(\d+)(?:children|child|kids?)?$")
_WAGE = re.compile(r"^\$?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?$")


def parse_adults(value: object) -> tuple[int, int | None] | None:
    """``(adults, earners)`` from a family-type cell; earners ``None`` when the cell does not say.

    >>> [parse_adults(v) for v in ["1 Adult", "2 Adults (1 Working)", "2 Adults (Both Working)", 2, "x"]]
    [(1, None), (2, 1), (2, 2), (2, None), None]
    """
    text = clean_text(value)
    m = _ADULTS.match(text.lower()) if text else None
    if not m:
        return None
    adults = int(m.group(1))
    word = m.group(2)
    if word is None:
        return adults, None
    earners = {"one": 1, "two": 2, "both": 2}.get(word) or int(word)
    return adults, earners


def parse_children(value: object) -> int | None:
    """The number of children in a family-type cell.

    >>> [parse_children(v) for v in ["0 Children", "1 Child", 3, "many"]]
    [0, 1, 3, None]
    """
    text = clean_text(value)
    m = _CHILDREN.match(text.lower()) if text else None
    return int(m.group(1)) if m else None


def _by_distinct(values: pd.Series, func) -> list:
    codes, uniques = pd.factorize(values)
    mapped = [func(v) for v in uniques] + [None]
    return [mapped[c] for c in codes]


def _runs(pairs: list[tuple[int, int]]) -> list[tuple[str, int]]:
    """``(dropped line, line it repeats)`` pairs as runs of consecutive lines, each with its number of rows.

    >>> _runs([(9, 3), (14, 2), (15, 3), (16, 4)])
    [('row 9 (repeats row 3)', 1), ('rows 14-16 (repeat rows 2-4)', 3)]
    """
    runs: list[list[tuple[int, int]]] = []
    for row, first in pairs:
        if runs and runs[-1][-1] == (row - 1, first - 1):
            runs[-1].append((row, first))
        else:
            runs.append([(row, first)])
    return [
        (f"row {r[0][0]} (repeats row {r[0][1]})", 1)
        if len(r) == 1
        else (f"rows {r[0][0]}-{r[-1][0]} (repeat rows {r[0][1]}-{r[-1][1]})", len(r))
        for r in runs
    ]


#: at most this many runs of dropped rows are listed in the note (then "and N more row(s)")
_RUNS_SHOWN = 10


def _dropped_note(file: str, pairs: list[tuple[int, int]]) -> Problem:
    """The note on the rows dropped as exact repeats, naming their lines and the lines they repeat."""
    if len(pairs) == 1:
        ((row, first),) = pairs
        return Problem(file, row, None, f"exactly repeats row {first} (every column equal): dropped")
    runs = _runs(pairs)
    listed = ", ".join(text for text, _ in runs[:_RUNS_SHOWN])
    rest = sum(n for _, n in runs[_RUNS_SHOWN:])
    if rest:
        listed += f" and {rest} more row(s)"
    return Problem(
        file,
        None,
        None,
        f"{len(pairs)} rows repeating an earlier row exactly (every column equal) dropped: {listed}",
    )


def _repeats(
    out: pd.DataFrame, raw: pd.DataFrame, found: Mapping[str, str], file: str
) -> tuple[pd.Series, list[Problem], list[Problem]]:
    """Rows repeating an earlier row's year, county and family type: ``(exact, notes, problems)``.

    ``exact`` marks the rows equal to an earlier one in every column (the columns read compared by their
    values, ``$26.02`` = ``26.02``; the other columns as written), to be dropped; ``notes`` names them;
    ``problems`` names each other repeat: both its lines and each column that differs.
    """
    key = ["year", "county_fips", "adults", "children", "earners"]
    used = {header: column for column, header in found.items()}
    values = pd.DataFrame(
        {h: out[used[h]] if h in used else as_text(raw[h]) for h in raw.columns}, index=out.index
    )
    values = values.assign(**{f"_{k}": out[k] for k in key})
    group = values.groupby(values.columns.tolist(), dropna=False, sort=False).ngroup()
    first_row = out["source_row"].groupby(group).transform("first")
    exact = first_row.ne(out["source_row"])
    notes = []
    if exact.any():
        pairs = list(zip(out.loc[exact, "source_row"], first_row[exact], strict=True))
        notes.append(_dropped_note(file, [(int(a), int(b)) for a, b in pairs]))
    problems: list[Problem] = []
    kept = out[~exact]
    first_of_key = kept.groupby(key, sort=False)["source_row"].transform("first")
    for i in kept.index[kept["source_row"].ne(first_of_key)]:
        first = int(first_of_key[i])
        j = kept.index[kept["source_row"] == first][0]
        differ = [h for h in raw.columns if not _same(values.at[i, h], values.at[j, h])]
        for h in differ or [None]:
            shown = f": {raw.at[i, h]!r} here, {raw.at[j, h]!r} in row {first}" if h else f" (row {first})"
            problems.append(
                Problem(
                    file,
                    int(out.at[i, "source_row"]),
                    h,
                    f"the county and family type of row {first} again, with another value{shown}; "
                    "keep one of the two rows",
                )
            )
    return exact, notes, problems


def _same(a: object, b: object) -> bool:
    """Whether two cells hold the same value (two empty cells do)."""
    if pd.isna(a) or pd.isna(b):
        return bool(pd.isna(a) and pd.isna(b))
    return bool(a == b)


def read_living_wage(
    path: str | Path,
    *,
    sheet: str | int | None = None,
    column_map: Mapping[str, str] | None = None,
    notes: list[Problem] | None = None,
) -> pd.DataFrame:
    """Read a long living-wage table (CSV or .xlsx); raise :class:`InputError` listing every problem.

    Returns ``year, state_fips, county_fips, adults, children, earners, wage_hourly_usd``
    plus ``source_file`` and ``source_row``. One row per year × county × adults ×
    children × earners: a row exactly repeating an earlier one is dropped, with a note added to
    ``notes`` (a :class:`UserWarning` when no list is given); any other repeat is a problem.
    """
    table = read_raw(path, sheet=sheet, hints=[h for k, v in ALIASES.items() for h in (k, *v)])
    file, raw, rows = table.file, table.frame, table.rows
    required = ["year", "county_fips", "adults", "children", "wage_hourly_usd"]
    found, problems = match_columns(table, ALIASES, required, column_map)
    if problems:
        raise InputError(problems)

    def add(mask: pd.Series, column: str, message) -> None:
        header = found[column]
        for i in mask.to_numpy().nonzero()[0]:
            problems.append(Problem(file, int(rows.iat[i]), header, message(raw[header].iat[i])))

    def shown(v: object) -> str:
        return "the cell is empty" if pd.isna(v) else f"got {v!r}"

    years = pd.Series(_by_distinct(raw[found["year"]], parse_school_year), index=raw.index, dtype="Int64")
    add(years.isna(), "year", lambda v: f"expected a year such as 2024; {shown(v)}")

    county_raw = as_text(raw[found["county_fips"]])
    if "state_fips" in found:
        state_raw = as_text(raw[found["state_fips"]])
        states = normalize_state_fips_series(state_raw)
        add(
            states.isna(),
            "state_fips",
            lambda v: f"expected a state FIPS code (06) or postal code (CA); {shown(v)}",
        )
        county = normalize_county_fips_series(county_raw, states)
        bad_county = county.isna() & states.notna()
        add(
            bad_county, "county_fips", lambda v: f"expected a county FIPS code of the row's state; {shown(v)}"
        )
    else:
        county = normalize_county_fips_series(county_raw)
        states = county.str[:2]
        add(
            county.isna(),
            "county_fips",
            lambda v: f"expected a 5-digit county FIPS code such as 06037; {shown(v)}",
        )

    adults_parsed = _by_distinct(raw[found["adults"]], parse_adults)
    adults = pd.Series([a[0] if a else None for a in adults_parsed], index=raw.index, dtype="Int64")
    add(
        adults.isna() | adults.lt(1).fillna(False),
        "adults",
        lambda v: f"expected 1, 2, '1 Adult' or '2 Adults (1 Working)'; {shown(v)}",
    )
    earners = pd.Series([a[1] if a else None for a in adults_parsed], index=raw.index, dtype="Int64")
    if "earners" in found:
        given = pd.Series(_by_distinct(raw[found["earners"]], parse_children), index=raw.index, dtype="Int64")
        add(
            given.isna() & earners.isna(),
            "earners",
            lambda v: f"expected a whole number of working adults; {shown(v)}",
        )
        earners = earners.fillna(given)
    earners = earners.fillna(adults)
    add((earners > adults).fillna(False), "adults", lambda v: "more earners than adults")

    children = pd.Series(_by_distinct(raw[found["children"]], parse_children), index=raw.index, dtype="Int64")
    add(children.isna(), "children", lambda v: f"expected 0, 1, 2, 3 or '1 Child'; {shown(v)}")

    wage_text = as_text(raw[found["wage_hourly_usd"]])
    ok = wage_text.str.fullmatch(_WAGE).fillna(False).astype(bool)
    wage = pd.to_numeric(wage_text.where(ok).str.replace(r"[$,]", "", regex=True)).astype("Float64")
    add(
        ~ok | wage.le(0).fillna(False),
        "wage_hourly_usd",
        lambda v: f"expected an hourly wage in dollars such as 18.25; {shown(v)}",
    )

    out = pd.DataFrame(
        {
            "year": years,
            "state_fips": states.astype("string"),
            "county_fips": county,
            "adults": adults,
            "children": children,
            "earners": earners,
            "wage_hourly_usd": wage,
            "source_file": pd.Series(file, index=raw.index, dtype="string"),
            "source_row": rows.astype("int64"),
        }
    )
    note: list[Problem] = []
    if not problems:
        exact, note, repeats = _repeats(out, raw, found, file)
        problems.extend(repeats)
        out = out[~exact]
    if problems:
        order = list(raw.columns)
        problems.sort(key=lambda p: (p.row or 0, order.index(p.column) if p.column in order else -1))
        raise InputError(problems)
    out = out.astype({"year": "int64", "adults": "int64", "children": "int64", "earners": "int64"})
    out["wage_hourly_usd"] = out["wage_hourly_usd"].astype("float64")
    table = validate_as_written(out, LivingWage, file, found)
    if notes is None:
        for problem in note:
            warnings.warn(str(problem), UserWarning, stacklevel=2)
    else:
        notes.extend(note)
    return table
