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

The family-supporting wage of a region is computed from this table in :mod:`alignment.family_wage`.
"""

from __future__ import annotations

import re
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


def read_living_wage(
    path: str | Path, *, sheet: str | int | None = None, column_map: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Read a long living-wage table (CSV or .xlsx); raise :class:`InputError` listing every problem.

    Returns ``year, state_fips, county_fips, adults, children, earners, wage_hourly_usd``
    plus ``source_file`` and ``source_row``. One row per year × county × adults ×
    children × earners: a repeat is a problem.
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
    if not problems:
        key = ["year", "county_fips", "adults", "children", "earners"]
        repeat = out.duplicated(key, keep="first")
        firsts = out.drop_duplicates(key).set_index(key)["source_row"]
        for i in repeat.to_numpy().nonzero()[0]:
            first = firsts.loc[tuple(out.iloc[i][key])]
            msg = f"the same county and family type appears again (first at row {first})"
            problems.append(Problem(file, int(rows.iat[i]), None, msg))
    if problems:
        order = list(raw.columns)
        problems.sort(key=lambda p: (p.row or 0, order.index(p.column) if p.column in order else -1))
        raise InputError(problems)
    out = out.astype({"year": "int64", "adults": "int64", "children": "int64", "earners": "int64"})
    out["wage_hourly_usd"] = out["wage_hourly_usd"].astype("float64")
    return validate_as_written(out, LivingWage, file, found)
