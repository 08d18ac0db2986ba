"""Read BLS QCEW (Quarterly Census of Employment and Wages) CSV files into the industry-employment table.

The layout of each file is detected from its header, never from its name:

========================  =========================  ===========================================
layout                    establishments column      employment
========================  =========================  ===========================================
annual by-area CSV        ``annual_avg_estabs_count``  ``annual_avg_emplvl``
annual singlefile CSV     ``annual_avg_estabs``        ``annual_avg_emplvl`` (also open-data slices)
quarterly by-area CSV     ``qtrly_estabs_count``       mean of ``month1_emplvl`` .. ``month3_emplvl``
quarterly singlefile CSV  ``qtrly_estabs``             mean of ``month1_emplvl`` .. ``month3_emplvl``
========================  =========================  ===========================================

Rules (see ``docs/tables.md``, "industry employment"):

- codes stay text as BLS writes them (``"01001"``, ``"31-33"``, ``"10"``); an all-digit ``area_fips``
  shorter than 5 characters (a file re-saved by a spreadsheet) is zero-padded back;
- ``disclosure_code == "N"`` rows are ``suppressed``: BLS writes 0 in their employment, wage and LQ cells, and
  those zeros become ``<NA>``; the establishment count, which BLS does publish for such rows, is kept;
- ``disclosure_code == "-"`` (quarterly files: an industry with no establishment in that quarter, all
  cells 0) is a real zero, not a suppression: the row keeps its zero employment and gets
  ``disclosure_code == ""`` (the table allows ``""`` or ``N``); its LQ is ``<NA>`` (``lq_disclosure_code``
  is ``N``);
- ``lq_employment_published`` is ``lq_annual_avg_emplvl`` (annual files) or ``lq_month3_emplvl``
  (quarterly files: the last month of the quarter, the level BLS's own quarterly tables lead with);
  ``lq_month1_emplvl`` .. ``lq_month3_emplvl`` keep all three quarterly LQs. Any LQ is ``<NA>`` when
  ``lq_disclosure_code`` is ``N``;
- the same area x own_code x industry x year x qtr twice (within or across files) is a problem;
- a file whose name starts with a year, as BLS names its files (``2024.annual 41001 Baker County, Oregon.csv``,
  ``2024.q1-q4 ...``, ``2024.annual.singlefile.csv``), must hold rows of that year only: a row of another year
  is a problem (the county's jobs would silently leave the year the file is named for);
- a gzip-compressed file (``.csv.gz``, or gzip bytes under any name) is read as the CSV it holds.
"""

from __future__ import annotations

import csv
import gzip
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from ..errors import InputError, Problem
from ..schemas import IndustryEmployment, validate_table
from ._tabular import expand_paths

__all__ = ["LAYOUTS", "OUTPUT_COLUMNS", "detect_layout", "read_qcew", "year_from_name"]

KEY_COLUMNS = ["area_fips", "own_code", "industry_code", "year", "qtr"]
MONTHS = ["month1_emplvl", "month2_emplvl", "month3_emplvl"]
LQ_MONTHS = ["lq_month1_emplvl", "lq_month2_emplvl", "lq_month3_emplvl"]

OUTPUT_COLUMNS = [
    "area_fips",
    "own_code",
    "industry_code",
    "agglvl_code",
    "year",
    "qtr",
    "employment",
    *MONTHS,
    "establishments",
    "total_wages_usd",
    "avg_annual_pay_usd",
    "disclosure_code",
    "suppressed",
    "lq_employment_published",
    *LQ_MONTHS,
    "source_file",
    "source_row",
]

_THOUSANDS = r"^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$"
_CODES = ["area_fips", "own_code", "industry_code", "agglvl_code", "qtr", "disclosure_code"]
_TITLES = ["area_title", "own_title", "industry_title", "agglvl_title", "size_title"]


@dataclass(frozen=True)
class Layout:
    """One BLS QCEW CSV layout: the file columns this reader uses."""

    name: str
    estabs: str
    employment: tuple[str, ...]
    wages: str
    pay: str | None
    lq: tuple[str, ...]
    titles: bool

    @property
    def quarterly(self) -> bool:
        return self.employment == tuple(MONTHS)

    @property
    def required(self) -> list[str]:
        cols = [*KEY_COLUMNS[:3], "agglvl_code", "year", "qtr", "disclosure_code", self.estabs]
        cols += [*self.employment, self.wages]
        return cols + ([self.pay] if self.pay else [])

    @property
    def optional(self) -> list[str]:
        return ["size_code", "lq_disclosure_code", *self.lq]

    @property
    def signature(self) -> set[str]:
        """Columns whose presence identifies the layout (titles tell by-area files from singlefiles)."""
        return set(self.required) | (set(_TITLES) if self.titles else set())


LAYOUTS = [
    Layout(
        "annual by-area CSV",
        "annual_avg_estabs_count",
        ("annual_avg_emplvl",),
        "total_annual_wages",
        "avg_annual_pay",
        ("lq_annual_avg_emplvl",),
        True,
    ),
    Layout(
        "annual singlefile CSV",
        "annual_avg_estabs",
        ("annual_avg_emplvl",),
        "total_annual_wages",
        "avg_annual_pay",
        ("lq_annual_avg_emplvl",),
        False,
    ),
    Layout(
        "quarterly by-area CSV",
        "qtrly_estabs_count",
        tuple(MONTHS),
        "total_qtrly_wages",
        None,
        tuple(LQ_MONTHS),
        True,
    ),
    Layout(
        "quarterly singlefile CSV",
        "qtrly_estabs",
        tuple(MONTHS),
        "total_qtrly_wages",
        None,
        tuple(LQ_MONTHS),
        False,
    ),
]


def read_qcew(paths: str | Path | Iterable[str | Path]) -> pd.DataFrame:
    """Read one or many QCEW CSV files (paths, globs or folders) into the industry-employment table.

    Returns one row per area x own_code x industry x year x qtr with the columns of ``OUTPUT_COLUMNS``,
    sorted by those keys. Every problem in every file is collected and raised as one :class:`InputError`.

    Example (a folder of by-area files, or a glob)::

        read_qcew("data/raw/qcew/2023.annual *.csv")
    """
    problems: list[Problem] = []
    files = _expand(paths, problems)
    raw_by_layout: dict[str, list[pd.DataFrame]] = {}
    for shown, path in files:
        read = _read_one(shown, path, problems)
        if read is not None:
            raw_by_layout.setdefault(read[0].name, []).append(read[1])
    if not files and not problems:
        problems.append(Problem("(no file)", None, None, "no QCEW file was given"))
    if problems:
        raise InputError(problems)
    # tidy and validate once per layout, not once per file: thousands of by-area files stay fast
    layouts = {lay.name: lay for lay in LAYOUTS}
    tidied = [_tidy(_concat(frames), layouts[name], problems) for name, frames in raw_by_layout.items()]
    if problems:
        raise InputError(problems)
    out = _concat(tidied)
    problems.extend(_duplicates(out))
    problems.extend(_schema_problems(out))
    if problems:
        raise InputError(problems)
    out = out.sort_values([*KEY_COLUMNS, "agglvl_code"], kind="stable", ignore_index=True)
    return out[OUTPUT_COLUMNS]


def _expand(paths: str | Path | Iterable[str | Path], problems: list[Problem]) -> list[tuple[str, Path]]:
    """(name as shown to the user, path) for every file: globs and folders expanded, in sorted order."""
    return expand_paths(paths, (".csv", ".csv.gz"), problems)


_SEPARATORS = ",;\t|"
_EXCEL_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")
_GZIP_MAGIC = b"\x1f\x8b"
#: the year BLS puts at the start of its QCEW file names: ``2024.annual ...``, ``2024.q1-q4 ...``
_NAME_YEAR = re.compile(r"^((?:19|20)\d{2})[._ ](?:annual|q[1-4](?:-q[1-4])?)(?![a-z0-9])", re.IGNORECASE)


def year_from_name(name: str | Path) -> int | None:
    """The year a BLS QCEW file name starts with, or ``None``.

    >>> year_from_name("2024.annual 41001 Baker County, Oregon.csv"), year_from_name("2016.q1-q4 US000 x.csv")
    (2024, 2016)
    >>> year_from_name("2017.annual.singlefile.csv.gz"), year_from_name("qcew_41001.csv")
    (2017, None)
    """
    m = _NAME_YEAR.match(Path(name).name)
    return int(m.group(1)) if m else None


@dataclass(frozen=True)
class _Sniffed:
    """What the first bytes of a file say: its header cells, delimiter, encoding, or that it is a workbook."""

    header: list[str] | None
    sep: str = ","
    encoding: str = "utf-8"
    workbook: bool = False
    compression: str | None = None
    damaged: str | None = None


def _sniff(path: Path) -> _Sniffed:
    """Header, delimiter (``,`` ``;`` tab ``|``) and encoding (UTF-8, UTF-16 with BOM, else cp1252) of a CSV.

    A gzip-compressed file (recognised by its first bytes, whatever its name) is sniffed inside.
    """
    compression = None
    try:
        with path.open("rb") as fh:
            head = fh.read(65536)
        if head.startswith(_GZIP_MAGIC):
            compression = "gzip"
            with gzip.open(path, "rb") as fh:
                head = fh.read(65536)
    except (OSError, EOFError, zlib.error) as exc:
        if compression:
            return _Sniffed(None, compression=compression, damaged=f"{exc}")
        return _Sniffed(None)
    if head.startswith(_EXCEL_MAGIC):
        return _Sniffed(None, workbook=True, compression=compression)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding, text = "utf-16", head.decode("utf-16", errors="ignore")
    else:
        try:
            encoding, text = "utf-8", head.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            truncated = exc.start >= len(head) - 3  # a character cut at the end of the sample
            encoding = "utf-8" if truncated else "cp1252"
            text = head[: exc.start].decode("utf-8-sig") if truncated else head.decode("cp1252")
    line = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    if not line.strip():
        return _Sniffed(None, encoding=encoding)
    sep = max(_SEPARATORS, key=line.count)
    sep = sep if line.count(sep) else ","
    header = next(csv.reader([line], delimiter=sep), None)
    return _Sniffed(header, sep, encoding, compression=compression)


def detect_layout(columns: Iterable[str]) -> tuple[Layout | None, float]:
    """The layout whose identifying columns best match ``columns``, and the share of them present.

    >>> detect_layout(["area_fips", "own_code", "industry_code", "agglvl_code", "year", "qtr",
    ...                "disclosure_code", "qtrly_estabs", "month1_emplvl", "month2_emplvl",
    ...                "month3_emplvl", "total_qtrly_wages"])[0].name
    'quarterly singlefile CSV'
    """
    cols = {c.strip().lower() for c in columns}
    scored = [(len(cols & lay.signature) / len(lay.signature), -i, lay) for i, lay in enumerate(LAYOUTS)]
    score, _, best = max(scored, key=lambda t: (t[0], t[1]))
    return (best if score > 0 else None), score


def _expected_text() -> str:
    return "; ".join(f"{lay.name}: {', '.join(lay.required)}" for lay in LAYOUTS)


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


def _schema_problems(df: pd.DataFrame) -> list[Problem]:
    """The pandera contract on the whole table; on failure, file by file so each problem names its file."""
    try:
        IndustryEmployment.validate(df, lazy=True)
        return []
    except pa.errors.SchemaErrors:
        pass
    problems = []
    for name, part in df.groupby("source_file", sort=False):
        try:
            validate_table(part, IndustryEmployment, str(name))
        except InputError as exc:
            problems.extend(exc.problems)
    return problems


def _read_one(shown: str, path: Path, problems: list[Problem]) -> tuple[Layout, pd.DataFrame] | None:
    """The layout of one file and its needed columns, typed, with ``source_file`` and ``source_row``."""
    sniffed = _sniff(path)
    header = sniffed.header
    if sniffed.workbook:
        msg = (
            "this is an Excel workbook, not a CSV file; QCEW files are read as the CSV files BLS publishes: "
            "download the CSV, or save this sheet as CSV (comma delimited)"
        )
        problems.append(Problem(shown, None, None, msg))
        return None
    if sniffed.damaged:
        msg = (
            f"a gzip-compressed file that cannot be decompressed ({sniffed.damaged}); download it again, "
            "or give the uncompressed CSV"
        )
        problems.append(Problem(shown, None, None, msg))
        return None
    if not header:
        problems.append(
            Problem(shown, None, None, f"empty or unreadable file; expected a QCEW CSV ({_expected_text()})")
        )
        return None
    layout, score = detect_layout(header)
    if layout is None or score < 0.5:
        found = ", ".join(header[:12]) + (" ..." if len(header) > 12 else "")
        problems.append(
            Problem(
                shown,
                1,
                None,
                f"not a QCEW file: expected the columns of a BLS QCEW CSV layout ({_expected_text()}); "
                f"found: {found}",
            )
        )
        return None
    names = {c.strip().lower(): c for c in header}
    missing = [c for c in layout.required if c not in names]
    if missing:
        problems.extend(
            Problem(shown, 1, col, f"missing required column for the {layout.name} layout") for col in missing
        )
        return None
    wanted = layout.required + [c for c in layout.optional if c in names]
    raw = _read_csv(shown, path, layout, {names[c]: c for c in wanted}, problems, sniffed)
    if raw is None:
        return None
    named = year_from_name(path)
    if named is not None and len(raw):
        other = raw["year"].notna() & (raw["year"] != named)
        if other.any():
            first = int(np.flatnonzero(other.to_numpy(dtype=bool))[0])
            found_years = ", ".join(f"{y:g}" for y in sorted(raw.loc[other, "year"].unique()))
            problems.append(
                Problem(
                    shown,
                    first + 2,
                    "year",
                    f"the file name says {named}, but rows of {found_years} are in it ({int(other.sum()):,} of "
                    f"{len(raw):,} rows): a file of another year saved under this name would leave this area's "
                    f"jobs out of {named}; download the {named} file again, or name the file by its year",
                )
            )
            return None
    raw["source_file"] = pd.Series(shown, index=raw.index, dtype="string")
    raw["source_row"] = np.arange(2, len(raw) + 2, dtype="int64")
    return layout, raw


def _read_csv(
    shown: str,
    path: Path,
    layout: Layout,
    rename: dict[str, str],
    problems: list[Problem],
    sniffed: _Sniffed,
) -> pd.DataFrame | None:
    """The needed columns, typed. Fast path: pyarrow parses the numbers; on a bad cell, find it as text.

    Numbers with thousands separators (``2,000``, a file re-saved by a spreadsheet) are read on the slow path.
    """
    numeric = [c for c in rename.values() if c not in _CODES and c not in ("size_code", "lq_disclosure_code")]
    dtypes = {src: ("Float64" if dst in numeric else "string") for src, dst in rename.items()}
    options = {"usecols": list(rename), "na_values": [""], "keep_default_na": False, "sep": sniffed.sep}
    if sniffed.compression:
        options["compression"] = sniffed.compression
    if sniffed.encoding != "utf-8":
        options["encoding"] = sniffed.encoding
    try:
        df = pd.read_csv(path, engine="pyarrow", dtype=dtypes, **options)
    except Exception:  # a cell pyarrow cannot parse as a number: locate it precisely
        try:
            df = pd.read_csv(path, engine="pyarrow", dtype="string", **options)
        except (pd.errors.ParserError, ValueError, OSError, EOFError, zlib.error) as exc:
            problems.append(Problem(shown, None, None, f"cannot read as the {layout.name} layout: {exc}"))
            return None
        df = df.rename(columns=rename)
        before = len(problems)
        for col in numeric:
            text = df[col].str.strip()
            plain = text.str.replace(_THOUSANDS, lambda m: m.group(0).replace(",", ""), regex=True)
            number = pd.to_numeric(plain, errors="coerce")
            for i in np.flatnonzero((text.notna() & number.isna()).to_numpy()):
                problems.append(
                    Problem(
                        shown,
                        int(i) + 2,
                        col,
                        f"expected a number ({layout.name} layout), got {text.iat[i]!r}",
                    )
                )
            df[col] = number.astype("Float64")
        if len(problems) > before:
            return None
        return df
    return df.rename(columns=rename)


def _tidy(raw: pd.DataFrame, layout: Layout, problems: list[Problem]) -> pd.DataFrame | None:
    """The industry-employment table from the raw columns of one layout (one or many files)."""
    files, rows = raw["source_file"], raw["source_row"]
    bad_before = len(problems)

    def report(mask: pd.Series, col: str, message) -> None:
        for i in np.flatnonzero(mask.fillna(False).to_numpy(dtype=bool)):
            problems.append(Problem(str(files.iat[i]), int(rows.iat[i]), col, message(i)))

    codes = {c: raw[c].fillna("").str.strip() for c in _CODES}
    area = codes["area_fips"]
    short = area.str.fullmatch(r"\d{1,4}")
    codes["area_fips"] = area.where(~short, area.str.zfill(5))
    for col in ("area_fips", "own_code", "industry_code"):
        report(codes[col] == "", col, lambda i: "expected a code, got an empty cell")

    year = raw["year"]
    report(
        year.isna() | (year % 1 != 0) | (year < 1900),
        "year",
        lambda i: f"expected a year, got {year.iat[i]!r}",
    )
    qtr = codes["qtr"]
    allowed = ["1", "2", "3", "4"] if layout.quarterly else ["A"]
    report(
        ~qtr.isin(allowed),
        "qtr",
        lambda i: f"expected one of {', '.join(allowed)} ({layout.name}), got {qtr.iat[i]!r}",
    )
    if "size_code" in raw:
        size = raw["size_code"].fillna("").str.strip()
        report(
            ~size.isin(["0", ""]),
            "size_code",
            lambda i: (
                "only all-size rows (size_code 0) are supported; "
                f"got establishment-size class {size.iat[i]!r}"
            ),
        )
    for col in [*layout.employment, layout.estabs]:
        value = raw[col]
        report(value < 0, col, lambda i, v=value: f"expected a number >= 0, got {v.iat[i]:g}")
    if len(problems) > bad_before:
        return None

    suppressed = codes["disclosure_code"] == "N"
    lq_hidden = suppressed.copy()
    if "lq_disclosure_code" in raw:
        lq_hidden |= raw["lq_disclosure_code"].fillna("").str.strip() == "N"

    def hide(values: pd.Series, mask: pd.Series) -> pd.Series:
        return values.astype("Float64").mask(mask.to_numpy())

    out = pd.DataFrame(
        {c: codes[c].astype("string") for c in ["area_fips", "own_code", "industry_code", "agglvl_code"]}
    )
    out["year"] = year.astype("int64")
    out["qtr"] = qtr.astype("string")
    if layout.quarterly:
        for col in MONTHS:
            out[col] = hide(raw[col], suppressed)
        out["employment"] = out[MONTHS].mean(axis=1, skipna=False).astype("Float64")
    else:
        out["employment"] = hide(raw[layout.employment[0]], suppressed)
        for col in MONTHS:
            out[col] = pd.Series(pd.NA, index=out.index, dtype="Float64")
    out["establishments"] = raw[layout.estabs].round().astype("Int64")
    out["total_wages_usd"] = hide(raw[layout.wages], suppressed)
    out["avg_annual_pay_usd"] = (
        hide(raw[layout.pay], suppressed)
        if layout.pay
        else pd.Series(pd.NA, index=out.index, dtype="Float64")
    )
    out["disclosure_code"] = codes["disclosure_code"].replace("-", "").astype("string")
    out["suppressed"] = suppressed.astype(bool)
    lqs = {
        c: (hide(raw[c], lq_hidden) if c in raw else pd.Series(pd.NA, index=out.index, dtype="Float64"))
        for c in layout.lq
    }
    out["lq_employment_published"] = lqs[layout.lq[-1]]
    for col in LQ_MONTHS:
        out[col] = lqs[col] if layout.quarterly else pd.Series(pd.NA, index=out.index, dtype="Float64")
    out["source_file"] = files
    out["source_row"] = rows
    return out[OUTPUT_COLUMNS]


def _duplicates(df: pd.DataFrame) -> list[Problem]:
    """A problem for every repeat of an area x own_code x industry x year x qtr already seen."""
    dup = df.duplicated(KEY_COLUMNS, keep=False)
    if not dup.any():
        return []
    rows = df.loc[dup, [*KEY_COLUMNS, "source_file", "source_row"]]
    problems = []
    for _, group in rows.groupby(KEY_COLUMNS, sort=True):
        first = group.iloc[0]
        key = " x ".join(str(first[c]) for c in KEY_COLUMNS)
        for _, rec in group.iloc[1:].iterrows():
            problems.append(
                Problem(
                    str(rec["source_file"]),
                    int(rec["source_row"]),
                    None,
                    f"duplicate area x own_code x industry x year x qtr ({key}); "
                    f"first seen in {first['source_file']}, row {first['source_row']}",
                )
            )
    return problems
