"""Read a program-of-study enrollment extract (CSV or Excel) into the enrollment table.

State and college extracts name their columns in many ways; :data:`ALIASES` lists
the names accepted for each column of the table (compared ignoring case, spaces and
punctuation, so ``School Year``, ``school_year`` and ``SCHOOLYEAR`` are one name).
``column_map`` names a column explicitly when the file uses another word.

Rules (see ``docs/tables.md``):

* counts accept ``12``, ``1,234``, ``12.0``; ``*``, ``**``, ``<10``, ``n<10``, ``-`` are
  suppression markers → ``<NA>`` and ``suppressed=True``; an empty cell is ``<NA>``;
  ``twelve``, ``-3``, ``2.5`` are problems;
* ``year`` is the year in which the school year ends: ``2023-24``, ``2023-2024``,
  ``SY2023-24`` → 2024; ``2024`` → 2024;
* ``county_fips`` must be a county (``SSCCC``; ``6037`` is padded; a 3-digit code
  needs ``state_fips``); with ``state_fips`` every county must be in that state;
* a CIP code that cannot be normalized is *not* an error: ``cip`` is ``<NA>`` and
  ``cip_raw`` keeps the cell, so the row reaches the "unmatched" table downstream;
* a row repeating an earlier row cell for cell is a problem (its students would count twice);
* a row equal to an earlier row in every cell but the counts, with other counts, is a problem naming both
  rows (the same program listed twice with conflicting counts would be added up);
* completers or concentrators greater than enrolled in one row is a problem (completers and concentrators
  are enrolled students);
* rows that differ only in columns the reader does not use (a student-group breakdown, say) are added up to
  one row per program as soon as they are read (the first row's number is kept as ``source_row``), so a
  large extract costs memory at the grain the analysis uses;
* columns the reader does not use are ignored and listed in ``attrs["ignored_columns"]``;
* every problem in the file is reported at once (:class:`alignment.errors.InputError`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from ..codes import STATE_POSTAL, clean_text, normalize_cip_series, normalize_county_fips_series
from ..codes import normalize_state_fips as _state
from ..errors import InputError, Problem
from ..schemas import Enrollment
from ._tabular import as_text, match_columns, parse_counts, read_raw, release_memory, validate_as_written

COUNT_COLUMNS = ("enrolled", "concentrators", "completers")
COLUMNS = (
    "institution",
    "county_fips",
    "program_code",
    "program_name",
    "cip",
    "cip_raw",
    "level",
    "credential_level",
    "year",
    *COUNT_COLUMNS,
    "suppressed",
    "source_file",
    "source_row",
)

#: Header names accepted for each column of the enrollment table, in order of preference.
ALIASES: dict[str, tuple[str, ...]] = {
    "institution": (
        "institution_name", "district", "district_name", "school", "school_name", "lea", "lea_name",
        "college", "college_name", "instnm", "provider", "agency", "recipient", "local_recipient",
    ),
    "county_fips": ("county_fips_code", "fips", "county_code", "cnty_fips", "county_id", "county"),
    "program_code": ("program_id", "local_program_code", "prog_code", "program_number"),
    "program_name": (
        "program", "program_title", "program_of_study", "pathway", "pathway_name", "cip_title", "cip_name",
    ),
    "cip": ("cip_code", "cip_2020", "cip_2020_code", "cip_code_2020", "cipcode", "cip6", "cip_6"),
    "level": ("program_level", "education_level", "level_of_study", "sector"),
    "credential_level": (
        "award_level", "award", "award_type", "credential", "credential_type", "degree_level", "degree_type",
    ),
    "year": ("school_year", "academic_year", "sy", "report_year", "fiscal_year", "fy", "ay"),
    "enrolled": ("enrollment", "participants", "students", "headcount", "enrollments", "participant_count"),
    "concentrators": ("concentrator", "concentrator_count", "cte_concentrators", "concentrators_count"),
    "completers": ("completer", "completer_count", "graduates", "completions", "completers_count"),
}  # fmt: skip

#: Level words folded onto the table's vocabulary; any other word is kept in lower case.
LEVEL_WORDS: dict[str, str] = {
    "secondary": "secondary",
    "highschool": "secondary",
    "hs": "secondary",
    "k12": "secondary",
    "postsecondary": "postsecondary",
    "ps": "postsecondary",
    "college": "postsecondary",
    "adult": "adult",
    "adulted": "adult",
    "adulteducation": "adult",
}

YEAR_FORM = "a year such as 2024, or a school year such as 2023-24 or 2023-2024"
_YEAR = re.compile(
    r"^(?:SY|FY|AY)?\s*(\d{4})(?:\.0+)?(?:\s*[-/\u2013]\s*(\d{2}|\d{4}))?$",
    re.IGNORECASE,
)


def parse_school_year(value: object) -> int | None:
    """The year in which a school year ends, or ``None`` when the cell is not a year.

    >>> [parse_school_year(v) for v in ["2023-24", "2023-2024", "SY 2023–24", "2024", 2024.0, "1999-00"]]
    [2024, 2024, 2024, 2024, 2024, 2000]
    >>> [parse_school_year(v) for v in ["2023-25", "24", "next year", None]]
    [None, None, None, None]
    """
    text = clean_text(value)
    if text is None:
        return None
    m = _YEAR.match(text)
    if not m:
        return None
    start = int(m.group(1))
    if m.group(2) is None:
        year = start
    else:
        end = m.group(2)
        year = int(end) if len(end) == 4 else start // 100 * 100 + int(end)
        if len(end) == 2 and year < start:
            year += 100
        if year != start + 1:
            return None
    return year if 1900 <= year <= 2200 else None


#: how award levels are written (lower case, spaces folded) → ``credential_level`` (IPEDS award levels,
#: :data:`alignment.sources.ipeds.AWARD_LEVELS`); the codes themselves are accepted too
AWARD_WORDS: tuple[tuple[str, str], ...] = (
    (r"post[- ]?master", "postmaster"),
    (r"post[- ]?bacc", "postbacc"),
    (r"doctor|ph\.? ?d|professional practice", "doctor"),
    (r"master|^m\.?[as]\.?$", "master"),
    (r"bachelor|baccalaureate|^b\.?[as]\.?$", "bachelor"),
    (r"associate|^a\.?a\.?s?\.?$|^a\.?s\.?$|^a\.?a\.?s\.?$", "associate"),
    (r"(less than|under|<) ?(1|one) (academic )?year|short[- ]term|lt ?1", "certificate_lt1yr"),
    (r"(1|one) ?(to|-|–|but less than) ?(2|two)|at least (1|one) but less than (2|two)", "certificate_1_2yr"),
    (
        r"(2|two) ?(to|-|–|but less than) ?(4|four)|at least (2|two) but less than (4|four)",
        "certificate_2_4yr",
    ),
)
AWARD_FORM = (
    "an award level such as 'Certificate (less than 1 year)', 'Certificate (1-2 years)', "
    "'Certificate (2-4 years)', \"Associate's degree\" or \"Bachelor's degree\" (or the codes certificate_lt1yr, "
    "certificate_1_2yr, certificate_2_4yr, associate, bachelor, postbacc, master, postmaster, doctor)"
)


def award_level(value: object) -> str | None:
    """The ``credential_level`` of an award level as a state writes it; None when it cannot be told.

    >>> [award_level(v) for v in ["Certificate (less than 1 year)", "Certificate 1-2 years", "AAS",
    ...     "Associate's Degree", "certificate_2_4yr", "Certificate"]]
    ['certificate_lt1yr', 'certificate_1_2yr', 'associate', 'associate', 'certificate_2_4yr', None]
    """
    from .ipeds import AWARD_LEVELS

    if value is None or pd.isna(value) or not str(value).strip():
        return None
    low = " ".join(str(value).lower().replace("’", "'").split())
    if low in set(AWARD_LEVELS.values()):
        return low
    for pattern, code in AWARD_WORDS:
        if re.search(pattern, low):
            return code
    return None


def _level(values: pd.Series) -> pd.Series:
    text = as_text(values).str.lower()
    key = text.str.replace(r"[^a-z0-9]", "", regex=True)
    return key.map(LEVEL_WORDS).fillna(text).astype("string")


def read_enrollment(
    path: str | Path,
    *,
    sheet: str | int | None = None,
    column_map: Mapping[str, str] | None = None,
    state_fips: str | None = None,
    year: int | None = None,
) -> pd.DataFrame:
    """Read an enrollment extract (CSV: UTF-8, UTF-8 with BOM or cp1252; or .xlsx) into the enrollment table.

    ``sheet`` picks an Excel sheet (name or 0-based number; default the first).
    ``column_map`` names columns explicitly (``{"institution": "Recipient Name"}``).
    ``state_fips`` (``"06"`` or ``"CA"``) makes 3-digit county codes county codes of
    that state and every county outside it a problem. ``year`` is used when the file
    has no year column. Raises :class:`InputError` listing every problem.
    """
    state = None
    if state_fips is not None:
        state = _state(state_fips)
        if state is None:
            raise ValueError(f"state_fips {state_fips!r} is not a state FIPS code or postal abbreviation")
    table = read_raw(path, sheet=sheet, hints=[h for k, v in ALIASES.items() for h in (k, *v)])
    file = table.file
    required = ["institution", "county_fips", "cip"] + ([] if year is not None else ["year"])
    found, problems = match_columns(table, ALIASES, required, column_map)
    if not any(c in found for c in COUNT_COLUMNS):
        headers = ", ".join(table.frame.columns)
        accepted = "; ".join(f"{c}: {', '.join((c, *ALIASES[c]))}" for c in COUNT_COLUMNS)
        msg = f"no count column found (one is required); columns found: {headers}; accepted: {accepted}"
        msg += table.where()
        problems.append(Problem(file, None, None, msg))
    if problems:
        raise InputError(problems)

    raw = table.frame
    rows = table.rows
    n = len(raw)
    out = pd.DataFrame(index=raw.index)

    def cell_problems(mask: pd.Series, column: str, message) -> None:
        header = found[column]
        for i in mask.to_numpy().nonzero()[0]:
            problems.append(Problem(file, int(rows.iat[i]), header, message(raw[header].iat[i])))

    institution = as_text(raw[found["institution"]])
    cell_problems(
        institution.isna(), "institution", lambda v: "an institution name is required; the cell is empty"
    )
    out["institution"] = institution

    county_raw = as_text(raw[found["county_fips"]])
    county = normalize_county_fips_series(county_raw, state)
    if state is None:
        form = "a 5-digit county FIPS code such as 06037"
    else:
        form = f"a county FIPS code in state {state} ({STATE_POSTAL[state]}) such as {state}001"
    hint = "" if state is not None else " (a 1-3 digit county code needs state_fips)"
    short = county_raw.str.fullmatch(r"\d{1,3}").fillna(False).astype(bool)
    bad = county.isna() & county_raw.notna()
    cell_problems(bad & ~short, "county_fips", lambda v: f"expected {form}, got {v!r}")
    cell_problems(bad & short, "county_fips", lambda v: f"expected {form}, got {v!r}{hint}")
    cell_problems(county_raw.isna(), "county_fips", lambda v: f"expected {form}; the cell is empty")
    out["county_fips"] = county

    for column in ("program_code", "program_name"):
        out[column] = (
            as_text(raw[found[column]])
            if column in found
            else pd.Series(pd.NA, index=raw.index, dtype="string")
        )

    cip_raw = raw[found["cip"]].astype("string")
    out["cip"] = normalize_cip_series(cip_raw)
    out["cip_raw"] = cip_raw.mask(cip_raw.str.strip().eq("").fillna(False))

    out["level"] = (
        _level(raw[found["level"]]) if "level" in found else pd.Series(pd.NA, index=raw.index, dtype="string")
    )

    out["credential_level"] = pd.Series(pd.NA, index=raw.index, dtype="string")
    if "credential_level" in found:
        award_raw = as_text(raw[found["credential_level"]])
        codes, uniques = pd.factorize(award_raw)
        awards = pd.array([award_level(v) for v in uniques] + [None], dtype="string").take(codes)
        awards = pd.Series(awards, index=raw.index, dtype="string")
        cell_problems(
            awards.isna() & award_raw.notna(),
            "credential_level",
            lambda v: f"expected {AWARD_FORM}, got {v!r}",
        )
        out["credential_level"] = awards

    if "year" in found:
        year_raw = raw[found["year"]]
        codes, uniques = pd.factorize(year_raw)
        years = pd.array([parse_school_year(v) for v in uniques] + [None], dtype="Int64").take(codes)
        years = pd.Series(years, index=raw.index)
        cell_problems(
            years.isna(),
            "year",
            lambda v: (
                f"expected {YEAR_FORM}, got {v!r}"
                if pd.notna(v)
                else f"expected {YEAR_FORM}; the cell is empty"
            ),
        )
        out["year"] = years.fillna(0).astype("int64")
    else:
        out["year"] = pd.Series(int(year), index=raw.index, dtype="int64")

    suppressed = pd.Series(False, index=raw.index)
    for column in COUNT_COLUMNS:
        if column in found:
            counts, flags, bad = parse_counts(raw[found[column]], rows, file, found[column])
            problems.extend(bad)
            suppressed |= flags
            out[column] = counts
        else:
            out[column] = pd.Series(pd.NA, index=raw.index, dtype="Int64")
    out["suppressed"] = suppressed.astype(bool)
    out["source_file"] = pd.Series(file, index=raw.index, dtype="string")
    out["source_row"] = rows.astype("int64")

    cells_good = not problems
    problems.extend(_repeated_rows(raw, rows, file))
    if cells_good:  # compared on the normalized cells, so only once every cell is good
        problems.extend(_conflicting_rows(raw, out, rows, file, found))
    problems.extend(_more_than_enrolled(out, rows, file, found))
    if problems:
        problems.sort(
            key=lambda p: (p.row or 0, list(raw.columns).index(p.column) if p.column in raw.columns else 0)
        )
        raise InputError(problems)
    if n == 0:
        raise InputError([Problem(file, None, None, "the file has a header but no data rows")])
    ignored = [c for c in raw.columns if c not in set(found.values())]
    table_out = validate_as_written(_program_grain(out.loc[:, list(COLUMNS)]), Enrollment, file, found)
    table_out.attrs["ignored_columns"] = ignored
    table = raw = out = None  # the text table and the unchecked one are no longer needed
    release_memory()
    return table_out


#: the columns that make one program of one year: rows equal in these are added up
PROGRAM_KEY = list(COLUMNS[: COLUMNS.index("year") + 1])


def _program_grain(out: pd.DataFrame) -> pd.DataFrame:
    """One row per program and year: rows equal in :data:`PROGRAM_KEY` (told apart only by columns the reader
    ignores, such as a student group) are added up; the first row's ``source_row`` is kept.

    A count missing on one of the rows leaves the sum of the others and ``suppressed=True`` when the missing
    cell was a suppression marker, as the supply sums do.
    """
    key = out[PROGRAM_KEY].astype("string").fillna("\x00")
    repeat = key.duplicated(keep=False)
    if not repeat.any():
        return out
    single = out.loc[~repeat.to_numpy()]
    many = out.loc[repeat.to_numpy()]
    g = many.groupby(PROGRAM_KEY, dropna=False, sort=False)
    sums = g[list(COUNT_COLUMNS)].sum(min_count=1)
    summed = g[["suppressed"]].any().join(sums).join(g[["source_file", "source_row"]].first())
    summed = summed.reset_index()
    for column in COUNT_COLUMNS:
        summed[column] = summed[column].astype("Int64")
    merged = pd.concat([single, summed[list(COLUMNS)]], ignore_index=True)
    return merged.sort_values("source_row", kind="mergesort", ignore_index=True).astype(out.dtypes.to_dict())


def _repeated_rows(raw: pd.DataFrame, rows: pd.Series, file: str) -> list[Problem]:
    """A row whose every cell equals an earlier row's is a problem (its students would count twice)."""
    repeat = raw.duplicated(keep="first")
    if not repeat.any():
        return []
    first: dict[tuple, int] = {}
    out = []
    for i, cells in enumerate(raw.itertuples(index=False, name=None)):
        key = tuple("" if pd.isna(c) else str(c).strip() for c in cells)
        if key in first and repeat.iat[i]:
            msg = (
                f"repeats row {first[key]} exactly (every cell is the same), so its students would count "
                "twice; delete the repeat, or add a column that tells the two rows apart"
            )
            out.append(Problem(file, int(rows.iat[i]), None, msg))
        first.setdefault(key, int(rows.iat[i]))
    return out


def _conflicting_rows(
    raw: pd.DataFrame, out: pd.DataFrame, rows: pd.Series, file: str, found: Mapping[str, str]
) -> list[Problem]:
    """The same program of the same year listed again: a problem naming both rows.

    Rows are the same program when they are equal in every column the table keeps (as normalized: ``2024-25``
    and ``2025`` are one year) and in every column the reader ignores (such a column may tell student groups
    apart). With other counts, they conflict (142 in one row, 15 in the other would be added up); with the
    same counts, the program is listed twice in other words (its students would count twice). Rows equal
    cell for cell are left to :func:`_repeated_rows`.
    """
    used = set(found.values())
    ignored = [c for c in raw.columns if c not in used]
    key = out[PROGRAM_KEY].astype("string")
    if ignored:
        key = pd.concat([key, raw[ignored].astype("string").apply(lambda c: c.str.strip())], axis=1)
    twice = key.duplicated(keep=False).to_numpy()
    if not twice.any():
        return []
    counts = [c for c in COUNT_COLUMNS if c in found]
    positions = twice.nonzero()[0]
    first: dict[tuple, int] = {}
    problems = []
    for i in positions:
        k = tuple("" if pd.isna(v) else str(v) for v in key.iloc[i])
        if k not in first:
            first[k] = i
            continue
        j = first[k]
        if _raw_cells(raw, i) == _raw_cells(raw, j):
            continue  # an exact repeat: reported by _repeated_rows
        row, row0 = int(rows.iat[i]), int(rows.iat[j])
        shown = {c: (raw[found[c]].iat[i], raw[found[c]].iat[j]) for c in counts}
        differ = [(c, a, b) for c, (a, b) in shown.items() if _count_text(a) != _count_text(b)]
        year = out["year"].iat[i]
        if differ:
            column, here, there = differ[0]
            others = "".join(
                f", {found[c]} {_count_text(a)} against {_count_text(b)}" for c, a, b in differ[1:]
            )
            msg = (
                f"the same program in {year} as row {row0}, with other counts: {found[column]} "
                f"{_count_text(here)} here, {_count_text(there)} in row {row0}{others}; the two rows would "
                "be added up: delete the wrong row, or add a column that tells the two rows apart"
            )
            problems.append(Problem(file, row, found[column], msg))
        else:
            msg = (
                f"lists the same program in {year} as row {row0} again (the cells differ only in how they "
                "are written), so its students would count twice; delete one of the two rows"
            )
            problems.append(Problem(file, row, None, msg))
    return problems


def _raw_cells(raw: pd.DataFrame, i: int) -> tuple[str, ...]:
    return tuple("" if pd.isna(c) else str(c).strip() for c in raw.iloc[i])


def _count_text(value: object) -> str:
    return "empty" if pd.isna(value) or not str(value).strip() else str(value).strip()


def _more_than_enrolled(
    out: pd.DataFrame, rows: pd.Series, file: str, found: Mapping[str, str]
) -> list[Problem]:
    """Completers or concentrators greater than enrolled in the same row (they are enrolled students)."""
    if "enrolled" not in found:
        return []
    enrolled = out["enrolled"]
    problems = []
    for column in ("concentrators", "completers"):
        if column not in found:
            continue
        more = (out[column] > enrolled).fillna(False).to_numpy(dtype=bool)
        for i in more.nonzero()[0]:
            msg = (
                f"{out[column].iat[i]} {column} is more than the {enrolled.iat[i]} enrolled in the same row "
                f"(column {found['enrolled']!r}); {column} are enrolled students, so one of the two counts "
                "is wrong"
            )
            problems.append(Problem(file, int(rows.iat[i]), found[column], msg))
    return problems
