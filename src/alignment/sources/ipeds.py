"""Read NCES IPEDS files: the institution directory (HD) and the Completions survey (``C<year>_A``).

**HD** (``hd2023.csv``, UTF-8 with a byte-order mark): one row per institution (``UNITID``). NCES writes the
state FIPS (``FIPS``) and county FIPS (``COUNTYCD``) without leading zeros (Alabama ``1``, ``1089``): they are
padded back to 2 and 5 digits. Negative codes mean "not applicable" (``-2``) or "not available" (``-3``) and
become ``<NA>``.

**Completions** — two layouts, recognized by their columns:

============  =========================================================================================
layout        columns used
============  =========================================================================================
NCES CSV      ``UNITID, CIPCODE, MAJORNUM, AWLEVEL, XCTOTALT, CTOTALT, XCTOTALM, CTOTALM, ...`` (64
              columns, each count preceded by its ``X`` imputation flag; ``CIPCODE`` quoted
              ``"01.0999"``, ``AWLEVEL`` zero-padded ``"05"``); both majors (``MAJORNUM`` 1 and 2)
first-majors  a parquet (or CSV) with ``UNITID, CIPCODE, MAJORNUM, AWLEVEL, CTOTALT`` (+ ``CTOTALM``,
              ``CTOTALW``, ``IS_CIP_6DIGIT``): first majors only, ``AWLEVEL`` as integers
============  =========================================================================================

Only first majors (``MAJORNUM == 1``) are kept, so a student with two majors counts once. ``CIPCODE``
``99`` (and any code without a dot: a CIP family total) is a total row; totals are dropped, as they repeat
the sum of the 6-digit rows. The year is the year in which the academic year ends (``C2023_A`` counts awards
from July 2022 to June 2023: year 2023), read from a ``YEAR`` column when the file has one, else from a
``c2023_a``-like file name, else from ``year=``.

Award levels (``AWLEVEL``) of the 2022–2024 files and the ``credential_level`` they map to:

=====  =========================================================  ==========================
code   NCES label                                                 ``credential_level``
=====  =========================================================  ==========================
20     certificate of less than 12 weeks                          ``certificate_lt1yr``
21     certificate of at least 12 weeks but less than 1 year      ``certificate_lt1yr``
1      award of less than 1 academic year (files before 2020-21)   ``certificate_lt1yr``
2      certificate of at least 1 but less than 2 academic years   ``certificate_1_2yr``
3      associate's degree                                         ``associate``
4      certificate of at least 2 but less than 4 academic years   ``certificate_2_4yr``
5      bachelor's degree                                          ``bachelor``
6      postbaccalaureate certificate                              ``postbacc``
7      master's degree                                            ``master``
8      post-master's certificate                                  ``postmaster``
17     doctor's degree – research/scholarship                     ``doctor``
18     doctor's degree – professional practice                    ``doctor``
19     doctor's degree – other                                    ``doctor``
=====  =========================================================  ==========================
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from ..codes import normalize_cip_series
from ..errors import InputError, Problem, display_name
from ..schemas import Enrollment, validate_table
from ._tabular import as_text, decode_text, match_columns, parse_counts, read_raw

__all__ = [
    "AWARD_LEVELS",
    "COMPLETIONS_COLUMNS",
    "HD_COLUMNS",
    "SUB_BACCALAUREATE",
    "completions_as_enrollment",
    "completions_unmatched",
    "read_ipeds_completions",
    "read_ipeds_hd",
]

#: NCES ``AWLEVEL`` code → ``credential_level``.
AWARD_LEVELS: dict[int, str] = {
    1: "certificate_lt1yr",
    20: "certificate_lt1yr",
    21: "certificate_lt1yr",
    2: "certificate_1_2yr",
    3: "associate",
    4: "certificate_2_4yr",
    5: "bachelor",
    6: "postbacc",
    7: "master",
    8: "postmaster",
    17: "doctor",
    18: "doctor",
    19: "doctor",
}
SUB_BACCALAUREATE = ("certificate_lt1yr", "certificate_1_2yr", "associate", "certificate_2_4yr")

HD_COLUMNS = [
    "unitid",
    "institution",
    "city",
    "state_postal",
    "state_fips",
    "county_fips",
    "county_name",
    "cbsa",
    "cbsa_type",
    "csa",
    "sector",
    "level",
    "control",
    "latitude",
    "longitude",
    "active",
    "closed_year",
    "new_unitid",
    "title_iv",
    "source_file",
    "source_row",
]
COMPLETIONS_COLUMNS = [
    "unitid",
    "cip",
    "cip_raw",
    "award_level",
    "credential_level",
    "completers",
    "year",
    "source_file",
    "source_row",
]
_HD_ALIASES = {
    "unitid": ["UNITID"],
    "institution": ["INSTNM"],
    "city": ["CITY"],
    "state_postal": ["STABBR"],
    "state_fips": ["FIPS"],
    "county_fips": ["COUNTYCD"],
    "county_name": ["COUNTYNM"],
    "cbsa": ["CBSA"],
    "cbsa_type": ["CBSATYPE"],
    "csa": ["CSA"],
    "sector": ["SECTOR"],
    "level": ["ICLEVEL"],
    "control": ["CONTROL"],
    "latitude": ["LATITUDE"],
    "longitude": ["LONGITUD", "LONGITUDE"],
    "active": ["CYACTIVE"],
    "closed_year": ["DEATHYR"],
    "new_unitid": ["NEWID"],
    "title_iv": ["PSET4FLG"],
}
_HD_REQUIRED = ["unitid", "institution", "state_fips", "county_fips"]
_C_REQUIRED = ["UNITID", "CIPCODE", "MAJORNUM", "AWLEVEL", "CTOTALT"]
_YEAR_COLUMNS = ("YEAR", "SURVEY_YEAR", "ACADEMIC_YEAR")
_NAME_YEAR = re.compile(r"(?i)(?:^|[^a-z0-9])c(\d{4})_a(?![0-9])")


# --------------------------------------------------------------------------------------------------- HD


def _codes(values: pd.Series) -> pd.Series:
    """IPEDS integer codes as ``Int64``; negative codes (not applicable / not available) as ``<NA>``."""
    numbers = pd.to_numeric(values, errors="coerce").astype("Int64")
    return numbers.mask(numbers < 0)


def read_ipeds_hd(path: str | Path) -> pd.DataFrame:
    """Read an IPEDS directory file (``HD<year>``) into ``HD_COLUMNS``, one row per institution.

    ``unitid`` is text; ``state_fips`` and ``county_fips`` are zero-padded (``<NA>`` where IPEDS writes
    ``-2``); ``cbsa`` 5 digits and ``csa`` 3 digits (``<NA>`` outside any); ``sector``, ``level``
    (``ICLEVEL``: 1 four-year or above, 2 two-year, 3 less than two-year), ``control`` (1 public,
    2 private not-for-profit, 3 private for-profit) and ``cbsa_type`` (1 metro, 2 micro) as ``Int64``
    codes; ``active`` is ``CYACTIVE == 1``; ``closed_year`` and ``new_unitid`` (the institution it merged
    into) ``<NA>`` unless set; ``title_iv`` is ``PSET4FLG == 1`` (a Title IV postsecondary institution).
    A county code outside its state, a non-numeric ``UNITID`` or coordinate is a problem.
    """
    table = read_raw(path, hints=["UNITID", "INSTNM", "STABBR", "COUNTYCD"])
    found, problems = match_columns(table, _HD_ALIASES, _HD_REQUIRED)
    if problems:
        layout = " (IPEDS HD directory layout: UNITID, INSTNM, ..., FIPS, ..., COUNTYCD, COUNTYNM, ...)"
        raise InputError([Problem(p.file, p.row, p.column, p.message + layout) for p in problems])
    frame, rows, file = table.frame, table.rows.astype("int64"), table.file

    def text(col: str) -> pd.Series:
        if col not in found:
            return pd.Series(pd.NA, index=frame.index, dtype="string")
        return as_text(frame[found[col]])

    def report(mask: pd.Series, col: str, expected: str) -> None:
        for i in np.flatnonzero(mask.to_numpy()):
            problems.append(
                Problem(file, int(rows.iat[i]), found[col], f"expected {expected}, got {text(col).iat[i]!r}")
            )

    unitid = text("unitid")
    report(~unitid.str.fullmatch(r"\d+").fillna(False).astype(bool), "unitid", "a numeric UNITID")
    state_raw, county_raw = text("state_fips"), text("county_fips")
    state_ok = state_raw.str.fullmatch(r"\d{1,2}").fillna(False).astype(bool)
    report(~state_ok, "state_fips", "a state FIPS code of 1 or 2 digits")
    state = state_raw.where(state_ok).str.zfill(2)
    not_applicable = county_raw.str.fullmatch(r"-\d+").fillna(True).astype(bool)
    county_ok = county_raw.str.fullmatch(r"\d{4,5}").fillna(False).astype(bool)
    report(
        ~(county_ok | not_applicable), "county_fips", "a county FIPS code of 4 or 5 digits or a negative code"
    )
    county = county_raw.where(county_ok).str.zfill(5)
    outside = county.notna() & state.notna() & (county.str[:2] != state)
    report(outside.fillna(False).astype(bool), "county_fips", "a county in the state of column FIPS")
    coords = {}
    for col in ("latitude", "longitude"):
        values = pd.to_numeric(text(col), errors="coerce")
        report(text(col).notna() & values.isna(), col, "a number")
        coords[col] = values.astype("Float64")
    if problems:
        raise InputError(problems)
    cbsa, csa = _codes(text("cbsa")), _codes(text("csa"))
    closed = _codes(text("closed_year"))
    new_id = _codes(text("new_unitid"))
    out = pd.DataFrame(
        {
            "unitid": unitid,
            "institution": text("institution"),
            "city": text("city"),
            "state_postal": text("state_postal"),
            "state_fips": state,
            "county_fips": county,
            "county_name": text("county_name"),
            "cbsa": cbsa.astype("string").str.zfill(5),
            "cbsa_type": _codes(text("cbsa_type")),
            "csa": csa.astype("string").str.zfill(3),
            "sector": _codes(text("sector")),
            "level": _codes(text("level")),
            "control": _codes(text("control")),
            "latitude": coords["latitude"],
            "longitude": coords["longitude"],
            "active": _codes(text("active")).eq(1).fillna(False).astype(bool),
            "closed_year": closed.mask(closed == 0),
            "new_unitid": new_id.mask(new_id == 0).astype("string"),
            "title_iv": _codes(text("title_iv")).eq(1).fillna(False).astype(bool),
            "source_file": pd.Series(file, index=frame.index, dtype="string"),
            "source_row": rows,
        }
    )
    for i in np.flatnonzero(out["unitid"].duplicated().to_numpy()):
        problems.append(
            Problem(file, int(rows.iat[i]), found["unitid"], f"UNITID {unitid.iat[i]} appears twice")
        )
    if problems:
        raise InputError(problems)
    return out[HD_COLUMNS]


# ----------------------------------------------------------------------------------------- Completions


def _year_from_name(path: str | Path) -> int | None:
    """The survey year in an IPEDS completions file name.

    >>> _year_from_name("C2023_A.csv"), _year_from_name("data/c2022_a_rv.csv"), _year_from_name("x.csv")
    (2023, 2022, None)
    """
    m = _NAME_YEAR.search(Path(path).name)
    return int(m.group(1)) if m else None


def _read_completions_table(path: Path, name: str) -> tuple[pd.DataFrame, str]:
    """The file's columns as text (names upper-cased and stripped) and the layout name."""
    with path.open("rb") as fh:
        magic = fh.read(4)
    if magic == b"PAR1" or path.suffix.lower() == ".parquet":
        try:
            df = pd.read_parquet(path)
        except Exception as e:  # pyarrow raises many kinds for a damaged file
            raise InputError([Problem(name, None, None, f"cannot be read as a parquet file ({e})")]) from None
        df.columns = [str(c).strip().upper() for c in df.columns]
        df = df.astype({c: "string" for c in df.columns})
        return df, "first-majors"
    if magic.startswith(b"PK"):
        table = read_raw(path, hints=_C_REQUIRED)
        df = table.frame.set_axis([str(c).strip().upper() for c in table.frame.columns], axis=1)
        return df, "first-majors" if "XCTOTALT" not in df.columns else "NCES CSV"
    text, _ = decode_text(path.read_bytes())
    if not text.strip():
        raise InputError([Problem(name, None, None, "the file is empty")])
    wanted = {*_C_REQUIRED, *_YEAR_COLUMNS, "XCTOTALT"}
    try:
        df = pd.read_csv(
            io.StringIO(text),
            dtype="string",
            keep_default_na=False,
            na_values=[""],
            usecols=lambda c: str(c).strip().upper() in wanted,
            skip_blank_lines=False,
        )
    except (pd.errors.ParserError, ValueError) as e:
        raise InputError([Problem(name, None, None, f"cannot be read as a CSV table ({e})")]) from None
    df.columns = [str(c).strip().upper() for c in df.columns]
    return df, "NCES CSV" if "XCTOTALT" in df.columns else "first-majors"


def _read_one(path: str | Path, year: int | None) -> pd.DataFrame:
    name = display_name(path)
    p = Path(path)
    if not p.is_file():
        raise InputError([Problem(name, None, None, "file not found")])
    df, layout = _read_completions_table(p, name)
    missing = [c for c in _C_REQUIRED if c not in df.columns]
    if missing:
        msg = (
            f"not an IPEDS completions file: missing column(s) {', '.join(missing)}; expected the NCES "
            f"C<year>_A layout ({', '.join(_C_REQUIRED)}, ...); columns found: {', '.join(map(str, df.columns[:12]))}"
        )
        raise InputError([Problem(name, 1, None, msg)])
    problems: list[Problem] = []
    rows = pd.Series(np.arange(2, len(df) + 2), dtype="int64")
    df = df.reset_index(drop=True)
    text = {c: as_text(df[c]) for c in df.columns}

    def report(mask: pd.Series, col: str, expected: str) -> None:
        for i in np.flatnonzero(mask.to_numpy()):
            problems.append(
                Problem(
                    name,
                    int(rows.iat[i]),
                    col,
                    f"expected {expected}, got {text[col].iat[i]!r} ({layout} layout)",
                )
            )

    major = pd.to_numeric(text["MAJORNUM"], errors="coerce")
    report(~major.isin([1, 2]), "MAJORNUM", "1 or 2")
    first = major.eq(1).to_numpy()
    unitid = text["UNITID"].str.replace(r"\.0+$", "", regex=True)
    report(~unitid.str.fullmatch(r"\d+").fillna(False).astype(bool), "UNITID", "a numeric UNITID")
    level = pd.to_numeric(text["AWLEVEL"], errors="coerce").astype("Int64")
    credential = level.map(AWARD_LEVELS, na_action="ignore").astype("string")
    known = ", ".join(str(k) for k in sorted(AWARD_LEVELS))
    report(credential.isna(), "AWLEVEL", f"an NCES award level ({known})")
    cip_raw = text["CIPCODE"]
    total = cip_raw.str.fullmatch(r"\d{1,2}").fillna(False).astype(bool)
    cip = normalize_cip_series(cip_raw.where(~total))
    report(~total & cip.isna(), "CIPCODE", "a CIP code NN.NNNN or a total code 99")
    completers, _, count_problems = parse_counts(text["CTOTALT"], rows, name, "CTOTALT")
    problems += count_problems
    report(text["CTOTALT"].isna(), "CTOTALT", "a whole number >= 0")
    years = _years(text, p, name, year, rows, problems)
    if problems:
        raise InputError(problems)
    keep = first & ~total.to_numpy()
    out = pd.DataFrame(
        {
            "unitid": unitid,
            "cip": cip,
            "cip_raw": cip_raw,
            "award_level": level,
            "credential_level": credential,
            "completers": completers,
            "year": years,
            "source_file": pd.Series(name, index=df.index, dtype="string"),
            "source_row": rows,
        }
    )
    return out[keep].reset_index(drop=True)[COMPLETIONS_COLUMNS]


def _years(
    text: Mapping[str, pd.Series],
    path: Path,
    name: str,
    year: int | None,
    rows: pd.Series,
    problems: list[Problem],
) -> pd.Series:
    n = len(rows)
    if year is not None:
        return pd.Series(np.full(n, int(year)), dtype="int64")
    column = next((c for c in _YEAR_COLUMNS if c in text), None)
    if column is not None:
        values = pd.to_numeric(text[column], errors="coerce")
        bad = values.isna() | (values < 1980) | (values > 2100)
        for i in np.flatnonzero(bad.to_numpy()):
            problems.append(
                Problem(
                    name,
                    int(rows.iat[i]),
                    column,
                    f"expected a year such as 2023, got {text[column].iat[i]!r}",
                )
            )
        return values.fillna(0).astype("int64")
    from_name = _year_from_name(path)
    if from_name is None:
        msg = "cannot tell the survey year: no YEAR column and the file name has no 'c2023_a'-like token; pass year="
        problems.append(Problem(name, None, None, msg))
        return pd.Series(np.zeros(n), dtype="int64")
    return pd.Series(np.full(n, from_name), dtype="int64")


def read_ipeds_completions(
    paths: str | Path | Iterable[str | Path], *, year: int | None = None
) -> pd.DataFrame:
    """Read IPEDS completions files (NCES ``C<year>_A`` CSV or the first-majors parquet) into
    ``COMPLETIONS_COLUMNS``: one row per institution × 6-digit CIP × award level × year, first majors only.

    ``unitid`` is text, ``cip`` ``NN.NNNN`` (``cip_raw`` as written), ``award_level`` the NCES ``AWLEVEL``
    code (``Int64``), ``credential_level`` its name (module docstring), ``completers`` ``CTOTALT``
    (``Int64``). ``source_row`` is the line of a CSV (header = 1); for a parquet file, the row position + 2,
    as if its header were line 1. Every problem of every file is collected into one :class:`InputError`;
    the same institution × CIP × award level × year twice (within or across files) is a problem.
    """
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    frames, problems = [], []
    for path in items:
        try:
            frames.append(_read_one(path, year))
        except InputError as e:
            problems += e.problems
    if problems:
        raise InputError(problems)
    if not frames:
        raise InputError([Problem("(no file)", None, None, "no IPEDS completions file given")])
    out = pd.concat(frames, ignore_index=True)
    key = ["unitid", "cip", "award_level", "year"]
    dup = out.duplicated(key, keep="first")
    for r in out[dup].head(50).itertuples():
        msg = f"UNITID {r.unitid}, CIP {r.cip}, AWLEVEL {r.award_level}, year {r.year} appears more than once"
        problems.append(Problem(r.source_file, int(r.source_row), None, msg))
    if problems:
        raise InputError(problems)
    return out


# ------------------------------------------------------------------------------- as the supply table


def _titles(cip_titles: pd.DataFrame | Mapping[str, str] | None) -> dict[str, str]:
    if cip_titles is None:
        return {}
    if isinstance(cip_titles, Mapping):
        return {str(k): str(v) for k, v in cip_titles.items()}
    title = next((c for c in ("title", "cip_title", "CIPTitle") if c in cip_titles.columns), None)
    if "cip" not in cip_titles.columns or title is None:
        raise ValueError("cip_titles needs columns cip and title (or cip_title)")
    return dict(zip(cip_titles["cip"].astype(str), cip_titles[title].astype(str), strict=True))


def _selected(completions: pd.DataFrame, levels: Iterable[str]) -> pd.DataFrame:
    wanted = list(levels)
    unknown = sorted(set(wanted) - set(AWARD_LEVELS.values()))
    if unknown:
        raise ValueError(
            f"unknown credential level(s) {unknown}; known: {sorted(set(AWARD_LEVELS.values()))}"
        )
    return completions[completions["credential_level"].isin(wanted)]


def completions_as_enrollment(
    completions: pd.DataFrame,
    hd: pd.DataFrame,
    levels: Iterable[str] = SUB_BACCALAUREATE,
    *,
    cip_titles: pd.DataFrame | Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Completions in the enrollment table's shape (``docs/tables.md``), for IPEDS as the supply side.

    Keeps the ``levels`` asked for (default: the sub-baccalaureate credentials a CTE analysis counts) and
    the institutions found in ``hd`` with a county; rows of other institutions are left out and listed by
    :func:`completions_unmatched`. Each row is one institution × CIP × award level × year:
    ``institution`` (the HD name), ``county_fips``, ``program_code`` (``<cip>/<credential_level>``),
    ``program_name`` (the CIP title from ``cip_titles`` — a DataFrame with ``cip`` and ``title``, or a
    mapping — else the CIP code), ``cip``, ``cip_raw``, ``level="postsecondary"``, ``year``,
    ``enrolled``/``concentrators`` ``<NA>``, ``completers``, ``suppressed=False``, the completions file's
    ``source_file``/``source_row``; ``unitid``, ``award_level`` and ``credential_level`` are kept.
    The result passes :class:`alignment.schemas.Enrollment`.
    """
    rows = _selected(completions, levels)
    places = (
        hd[["unitid", "institution", "county_fips"]].dropna(subset=["county_fips"]).drop_duplicates("unitid")
    )
    rows = rows.merge(places.astype({"unitid": "string"}), on="unitid", how="inner")
    titles = _titles(cip_titles)
    cip = rows["cip"].astype("string")
    out = pd.DataFrame(
        {
            "institution": rows["institution"].astype("string"),
            "county_fips": rows["county_fips"].astype("string"),
            "program_code": (cip + "/" + rows["credential_level"].astype("string")).astype("string"),
            "program_name": cip.map(lambda c: titles.get(c, c)).astype("string"),
            "cip": cip,
            "cip_raw": rows["cip_raw"].astype("string"),
            "level": pd.Series("postsecondary", index=rows.index, dtype="string"),
            "year": rows["year"].astype("int64"),
            "enrolled": pd.Series(pd.NA, index=rows.index, dtype="Int64"),
            "concentrators": pd.Series(pd.NA, index=rows.index, dtype="Int64"),
            "completers": rows["completers"].astype("Int64"),
            "suppressed": pd.Series(False, index=rows.index, dtype=bool),
            "unitid": rows["unitid"].astype("string"),
            "award_level": rows["award_level"].astype("Int64"),
            "credential_level": rows["credential_level"].astype("string"),
            "source_file": rows["source_file"].astype("string"),
            "source_row": rows["source_row"].astype("int64"),
        }
    )
    out = out.sort_values(["year", "institution", "unitid", "cip", "award_level"], kind="stable")
    out = out.reset_index(drop=True)
    return validate_table(out, Enrollment, "IPEDS completions")


def completions_unmatched(
    completions: pd.DataFrame, hd: pd.DataFrame, levels: Iterable[str] = SUB_BACCALAUREATE
) -> pd.DataFrame:
    """The completions rows :func:`completions_as_enrollment` leaves out, in the shape of the unmatched table.

    Columns ``stage`` (``supply``), ``source_file``, ``source_row``, ``column`` (``UNITID``), ``value``
    (the UNITID), ``reason``: the institution is not in the HD file (closed, merged or new since that HD
    year), or HD gives it no county.
    """
    rows = _selected(completions, levels)
    known = hd.drop_duplicates("unitid").set_index(hd.drop_duplicates("unitid")["unitid"].astype("string"))
    in_hd = rows["unitid"].isin(known.index)
    has_county = rows["unitid"].map(known["county_fips"]).notna()
    lost = rows[~(in_hd & has_county)]
    reason = np.where(
        lost["unitid"].isin(known.index),
        "the institution has no county in the IPEDS directory (HD) file",
        "the institution (UNITID) is not in the IPEDS directory (HD) file",
    )
    return pd.DataFrame(
        {
            "stage": pd.Series("supply", index=lost.index, dtype="string"),
            "source_file": lost["source_file"].astype("string"),
            "source_row": lost["source_row"].astype("int64"),
            "column": pd.Series("UNITID", index=lost.index, dtype="string"),
            "value": lost["unitid"].astype("string"),
            "reason": pd.Series(reason, index=lost.index, dtype="string"),
        }
    ).reset_index(drop=True)
