"""Read BLS OEWS (Occupational Employment and Wage Statistics) all-data files into the occupation-wages table.

Accepts the BLS "all data" layout as an ``.xlsx`` workbook or a CSV, with upper-case headers
(``OCC_CODE``) or the lower-case ones of older releases (``occ_code``; ``area_name`` and ``occ_group`` are
read as ``AREA_TITLE`` and ``O_GROUP``). Special cells, as BLS's "Field Descriptions" sheet defines them,
are never turned into numbers:

======  ====================================  =======================================
cell    meaning                               flag (``wage_flag``, ``employment_flag``)
======  ====================================  =======================================
``*``   wage estimate not available           ``suppressed``
``**``  employment estimate not available     ``suppressed``
``#``   wage >= the top code ($115.00/hour,    ``top_coded`` (the value is ``<NA>``; the wage is
        $239,200/year in May 2025)            at least the top code)
``-``   not available; also a blank cell      ``not_available``
======  ====================================  =======================================

``wage_flag`` describes the annual median (``A_MEDIAN``), the wage the pipeline uses; rows with
``HOURLY`` true (occupations paid by the hour and working fewer than 2,080 hours a year) keep
``hourly_only=True``, their hourly median, and ``<NA>`` annual wages (``A_MEDIAN`` is ``*`` there, so
``wage_flag`` is ``suppressed``).
Numbers with thousands separators (``1,234``) are parsed. The file has no year column: the May reference year
comes from the ``year`` argument or from an ``M2025``-like token in the file name.
"""

from __future__ import annotations

import gzip
import io
import re
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from ..codes import normalize_soc, normalize_soc_series
from ..errors import InputError, Problem, display_name
from ..schemas import WAGE_FLAGS, OccupationWages, problems_from_schema_errors
from ._tabular import decode_text

__all__ = ["OUTPUT_COLUMNS", "oews_wage_lookup", "read_oews", "year_from_name"]

OUTPUT_COLUMNS = [
    "area_code",
    "area_title",
    "area_type",
    "naics",
    "own_code",
    "soc",
    "occ_title",
    "o_group",
    "year",
    "employment",
    "employment_flag",
    "wage_median_hourly_usd",
    "wage_median_annual_usd",
    "wage_mean_annual_usd",
    "wage_p10_annual_usd",
    "wage_p25_annual_usd",
    "wage_p75_annual_usd",
    "wage_p90_annual_usd",
    "wage_flag",
    "hourly_only",
    "source_file",
    "source_row",
]

#: Every column of the BLS all-data layout (May 2019 onward).
BLS_COLUMNS = [
    "AREA",
    "AREA_TITLE",
    "AREA_TYPE",
    "PRIM_STATE",
    "NAICS",
    "NAICS_TITLE",
    "I_GROUP",
    "OWN_CODE",
    "OCC_CODE",
    "OCC_TITLE",
    "O_GROUP",
    "TOT_EMP",
    "EMP_PRSE",
    "JOBS_1000",
    "LOC_QUOTIENT",
    "PCT_TOTAL",
    "PCT_RPT",
    "H_MEAN",
    "A_MEAN",
    "MEAN_PRSE",
    "H_PCT10",
    "H_PCT25",
    "H_MEDIAN",
    "H_PCT75",
    "H_PCT90",
    "A_PCT10",
    "A_PCT25",
    "A_MEDIAN",
    "A_PCT75",
    "A_PCT90",
    "ANNUAL",
    "HOURLY",
]
REQUIRED = ["AREA", "OCC_CODE", "OCC_TITLE", "TOT_EMP", "H_MEDIAN", "A_MEDIAN"]
_ALIASES = {"AREA_NAME": "AREA_TITLE", "OCC_GROUP": "O_GROUP", "GROUP": "O_GROUP"}
_NUMBERS = {
    "TOT_EMP": "employment",
    "H_MEDIAN": "wage_median_hourly_usd",
    "A_MEDIAN": "wage_median_annual_usd",
    "A_MEAN": "wage_mean_annual_usd",
    "A_PCT10": "wage_p10_annual_usd",
    "A_PCT25": "wage_p25_annual_usd",
    "A_PCT75": "wage_p75_annual_usd",
    "A_PCT90": "wage_p90_annual_usd",
}
_ANNUAL_WAGES = [v for k, v in _NUMBERS.items() if k.startswith("A_")]
_FLAGS = {"*": "suppressed", "**": "suppressed", "#": "top_coded", "-": "not_available", "": "not_available"}
_TRUE = {"TRUE", "T", "1", "YES", "Y"}
_AREA_WIDTH = {"2": 2, "3": 2, "4": 5, "6": 7}  # AREA_TYPE -> digits (state, territory, MSA, nonmetro area)
_YEAR_TOKEN = re.compile(r"(?i)(?:^|[^a-z0-9])m(\d{4})(?![0-9])|oesm(\d{2})(?![0-9])")


def year_from_name(name: str | Path) -> int | None:
    """The May reference year named in a BLS OEWS file name, or ``None``.

    >>> year_from_name("national_M2025_dl.xlsx"), year_from_name("oesm23st.zip"), year_from_name("oews.csv")
    (2025, 2023, None)
    """
    m = _YEAR_TOKEN.search(Path(name).name)
    if not m:
        return None
    return int(m.group(1)) if m.group(1) else 2000 + int(m.group(2))


def read_oews(path: str | Path, *, sheet: str | int | None = None, year: int | None = None) -> pd.DataFrame:
    """Read a BLS OEWS all-data file (xlsx or CSV) into the occupation-wages table (``OUTPUT_COLUMNS``).

    ``sheet`` picks the workbook sheet (default: the first sheet whose header has ``OCC_CODE``);
    ``year`` is the May reference year (default: from an ``M2025``-like token in the file name).
    Rows keep the file order. Every problem is collected and raised as one :class:`InputError`.
    """
    shown = display_name(path)
    path = Path(path)
    problems: list[Problem] = []
    if year is None:
        year = year_from_name(path)
        if year is None:
            problems.append(
                Problem(
                    shown,
                    None,
                    None,
                    "cannot tell the May reference year: the file has no year column and its name has no "
                    "'M2025'-like token; pass year=",
                )
            )
    if not path.is_file():
        raise InputError([*problems, Problem(shown, None, None, "file not found")])
    raw = _read_table(shown, path, sheet, problems)
    if raw is None or problems:
        raise InputError(problems)
    out = _tidy(shown, raw, int(year), problems)
    if problems:
        raise InputError(problems)
    return out


def _is_excel(path: Path, data: bytes) -> bool:
    suffixes = [x.lower() for x in path.suffixes if x.lower() != ".gz"]
    if suffixes and suffixes[-1] in (".xlsx", ".xlsm", ".xls"):
        return True
    return data[:4] in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


def _file_bytes(shown: str, path: Path, problems: list[Problem]) -> bytes | None:
    """The bytes of a file, decompressed when it is gzip-compressed (whatever its name)."""
    data = path.read_bytes()
    if not data.startswith(b"\x1f\x8b"):
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:
        msg = (
            f"a gzip-compressed file that cannot be decompressed ({exc}); download it again, or give the "
            "uncompressed file"
        )
        problems.append(Problem(shown, None, None, msg))
        return None


def _pick_sheet(shown: str, data: bytes, problems: list[Problem]) -> str | None:
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        for ws in wb.worksheets:
            first = next(ws.iter_rows(max_row=1, values_only=True), ())
            if any(str(c).strip().upper() == "OCC_CODE" for c in first if c is not None):
                return ws.title
        names = ", ".join(wb.sheetnames)
    finally:
        wb.close()
    problems.append(
        Problem(
            shown,
            1,
            None,
            f"not an OEWS file: no sheet has an OCC_CODE column in its first row (sheets: {names})",
        )
    )
    return None


def _read_table(
    shown: str, path: Path, sheet: str | int | None, problems: list[Problem]
) -> pd.DataFrame | None:
    """Every cell as text ("" when empty), headers upper-cased and aliases resolved."""
    text = {"dtype": str, "keep_default_na": False, "na_values": []}
    try:
        data = _file_bytes(shown, path, problems)
        if data is None:
            return None
        if _is_excel(path, data):
            if sheet is None and not data.startswith(b"\xd0\xcf\x11\xe0"):
                sheet = _pick_sheet(shown, data, problems)
                if sheet is None:
                    return None
            df = pd.read_excel(io.BytesIO(data), sheet_name=0 if sheet is None else sheet, **text)
        else:
            decoded, _ = decode_text(data)
            if not decoded.strip():
                problems.append(Problem(shown, None, None, "the file is empty"))
                return None
            first = decoded.splitlines()[0]
            sep = max(",;\t|", key=first.count)
            df = pd.read_csv(io.StringIO(decoded), sep=sep if first.count(sep) else ",", **text)
    except (ValueError, KeyError, ImportError, OSError, UnicodeDecodeError, zipfile.BadZipFile) as exc:
        problems.append(Problem(shown, None, None, f"cannot read as an OEWS xlsx or CSV file: {exc}"))
        return None
    df = df.fillna("")
    cols = [str(c).strip().upper() for c in df.columns]
    df.columns = [_ALIASES.get(c, c) if _ALIASES.get(c, c) not in cols else c for c in cols]
    missing = [c for c in REQUIRED if c not in df.columns]
    if len(set(df.columns) & set(BLS_COLUMNS)) < len(BLS_COLUMNS) // 3:
        found = ", ".join(map(str, df.columns[:12])) + (" ..." if len(df.columns) > 12 else "")
        problems.append(
            Problem(
                shown,
                1,
                None,
                f"not an OEWS file: expected the BLS all-data columns ({', '.join(BLS_COLUMNS)}); "
                f"found: {found}",
            )
        )
        return None
    problems.extend(
        Problem(shown, 1, c, "missing required column (BLS OEWS all-data layout)") for c in missing
    )
    return None if missing else df


def _strip_code(s: pd.Series) -> pd.Series:
    """Code text without spaces or a float's trailing ``.0`` (``"99.0"`` -> ``"99"``)."""
    return s.str.strip().str.replace(r"^(\d+)\.0+$", r"\1", regex=True)


def _tidy(shown: str, raw: pd.DataFrame, year: int, problems: list[Problem]) -> pd.DataFrame:
    n = len(raw)
    rows = np.arange(2, n + 2)
    empty = pd.Series("", index=raw.index, dtype="string")

    def col(name: str) -> pd.Series:
        return raw[name].astype("string") if name in raw else empty

    out = pd.DataFrame(index=raw.index)
    area = _strip_code(col("AREA"))
    area_type = _strip_code(col("AREA_TYPE"))
    area_type = area_type.where(area_type != "", _area_type_from_code(area))
    for kind, width in _AREA_WIDTH.items():
        pad = (area_type == kind) & area.str.fullmatch(r"\d+")
        area = area.where(~pad, area.str.zfill(width))
    out["area_code"] = area
    out["area_title"] = col("AREA_TITLE").str.strip()
    out["area_type"] = area_type
    out["naics"] = _strip_code(col("NAICS")).replace("", "000000")
    out["own_code"] = _strip_code(col("OWN_CODE")).replace("", "1235")
    occ = col("OCC_CODE").str.strip()
    soc = normalize_soc_series(occ)
    for i in np.flatnonzero(soc.isna().to_numpy()):
        problems.append(
            Problem(shown, int(rows[i]), "OCC_CODE", f"expected a SOC code NN-NNNN, got {occ.iat[i]!r}")
        )
    for i in np.flatnonzero((area == "").to_numpy()):
        problems.append(Problem(shown, int(rows[i]), "AREA", "expected an area code, got an empty cell"))
    out["soc"] = soc
    out["occ_title"] = col("OCC_TITLE").str.strip()
    group = col("O_GROUP").str.strip().str.lower()
    out["o_group"] = group.where(group != "", _o_group_from_soc(soc))
    out["year"] = np.full(n, year, dtype="int64")
    flags = {}
    for source, target in _NUMBERS.items():
        if source not in raw:
            out[target] = pd.Series(pd.NA, index=raw.index, dtype="Float64")
            flags[source] = pd.Series("not_available", index=raw.index, dtype="string")
            continue
        out[target], flags[source] = _numbers(shown, raw[source].astype("string"), source, rows, problems)
    out["employment_flag"] = flags["TOT_EMP"]
    out["wage_flag"] = flags["A_MEDIAN"]
    hourly = col("HOURLY").str.strip().str.upper().isin(_TRUE).astype(bool)
    out["hourly_only"] = hourly.to_numpy()
    for target in _ANNUAL_WAGES:
        out[target] = out[target].mask(hourly.to_numpy())
    out["source_file"] = pd.Series(shown, index=raw.index, dtype="string")
    out["source_row"] = rows.astype("int64")
    out = out[OUTPUT_COLUMNS].reset_index(drop=True)
    if problems:
        return out
    try:
        return _SCHEMA.validate(out, lazy=True)
    except pa.errors.SchemaErrors as errors:
        problems.extend(problems_from_schema_errors(errors, out, shown))
        return out


# The contract's employment_flag also takes "not_available" here: a "-" or blank TOT_EMP cell.
_SCHEMA = OccupationWages.to_schema().update_column(
    "employment_flag", checks=[pa.Check.isin(list(WAGE_FLAGS))]
)


def _area_type_from_code(area: pd.Series) -> pd.Series:
    """OEWS AREA_TYPE implied by an area code, for files without that column.

    ``99`` nation, 1-2 digits state, 4-5 digits metro area, 6-7 digits nonmetro area.

    >>> _area_type_from_code(pd.Series(["99", "1", "10180", "100001"], dtype="string")).tolist()
    ['1', '2', '4', '6']
    """
    kinds = {1: "2", 2: "2", 4: "4", 5: "4", 6: "6", 7: "6"}
    implied = area.str.len().map(kinds).astype("string")
    return implied.mask(area == "99", "1")


def _o_group_from_soc(soc: pd.Series) -> pd.Series:
    """SOC level for files whose group column is blank on detailed rows.

    >>> socs = pd.Series(["00-0000", "11-0000", "11-1000", "11-1010", "11-1011"], dtype="string")
    >>> _o_group_from_soc(socs).tolist()
    ['total', 'major', 'minor', 'broad', 'detailed']
    """
    digits = soc.str.replace("-", "", regex=False)
    level = pd.Series("detailed", index=soc.index, dtype="string")
    level = level.mask(digits.str.endswith("0"), "broad").mask(digits.str.endswith("000"), "minor")
    level = level.mask(digits.str.endswith("0000"), "major").mask(digits == "000000", "total")
    return level.mask(soc.isna(), pd.NA)


def _numbers(
    shown: str, cells: pd.Series, column: str, rows: np.ndarray, problems: list[Problem]
) -> tuple[pd.Series, pd.Series]:
    """(values, flags) of one column: a flag where the cell is a BLS special value, else a number."""
    text = cells.str.strip()
    flag = text.map(_FLAGS).fillna("").astype("string")
    numeric = flag == ""
    value = pd.to_numeric(text.where(numeric).str.replace(",", "", regex=False), errors="coerce")
    bad = numeric & value.isna()
    for i in np.flatnonzero(bad.to_numpy()):
        problems.append(
            Problem(
                shown, int(rows[i]), column, f"expected a number or one of *, **, #, -; got {text.iat[i]!r}"
            )
        )
    return value.astype("Float64"), flag


def oews_wage_lookup(
    oews: pd.DataFrame, area_codes: Iterable[str], socs: Iterable[str], *, year: int | None = None
) -> pd.DataFrame:
    """The median annual wage and its flag for every requested area x SOC.

    Among the rows of one area x SOC (and ``year``; default the latest year present for that pair) the
    cross-industry row (``naics == "000000"``) for all owners (``own_code == "1235"``) is preferred, then
    cross-industry for any owner, then, only when no cross-industry row exists, the industry row with the most
    employment (``naics`` and ``own_code`` in the result say which row was used). A pair with no row gets
    ``<NA>`` and ``wage_flag == "not_available"``. SOC codes are normalized (``151252`` -> ``15-1252``).

    >>> t = pd.DataFrame({"area_code": ["99", "99"], "naics": ["000000", "622000"], "own_code": ["1235", "5"],
    ...     "soc": ["29-1141", "29-1141"], "year": [2025, 2025], "employment": [3.0, 1.0],
    ...     "wage_median_annual_usd": [97550.0, 99000.0], "wage_median_hourly_usd": [46.9, 47.6],
    ...     "wage_flag": ["", ""], "hourly_only": [False, False]})
    >>> oews_wage_lookup(t, ["99"], ["291141"])[["area_code", "soc", "wage_median_annual_usd", "naics"]]
      area_code      soc  wage_median_annual_usd   naics
    0        99  29-1141                 97550.0  000000
    """
    areas = list(dict.fromkeys(str(a).strip() for a in area_codes))
    codes = list(dict.fromkeys(normalize_soc(s) or str(s).strip() for s in socs))
    wanted = pd.MultiIndex.from_product([areas, codes], names=["area_code", "soc"]).to_frame(index=False)
    wanted = wanted.astype("string")
    rows = oews[oews["area_code"].isin(areas) & oews["soc"].isin(codes)]
    if year is not None:
        rows = rows[rows["year"] == year]
    rows = rows.assign(
        _industry=(rows["naics"] != "000000").astype(int),
        _owner=(rows["own_code"].fillna("") != "1235").astype(int),
        _employment=rows["employment"].fillna(-1),
    )
    rows = rows.sort_values(
        ["area_code", "soc", "year", "_industry", "_owner", "_employment", "naics", "own_code"],
        ascending=[True, True, False, True, True, False, True, True],
        kind="stable",
    )
    best = rows.drop_duplicates(["area_code", "soc"], keep="first")
    keep = [
        "area_code",
        "soc",
        "year",
        "naics",
        "own_code",
        "wage_median_annual_usd",
        "wage_median_hourly_usd",
    ]
    keep += ["wage_flag", "hourly_only"]
    out = wanted.merge(
        best[keep].astype({"area_code": "string", "soc": "string"}), on=["area_code", "soc"], how="left"
    )
    out["wage_flag"] = out["wage_flag"].astype("string").fillna("not_available")
    out["hourly_only"] = out["hourly_only"].astype("boolean").fillna(False).astype(bool)
    out["year"] = out["year"].astype("Int64")
    return out
