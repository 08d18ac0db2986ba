"""pandera models of the tidy tables in ``docs/tables.md``, and :func:`validate_table`.

One :class:`pandera.pandas.DataFrameModel` per table. Code columns carry regex
checks (:data:`CIP_PATTERN` ...); counts are nullable (``Int64``/``Float64``) and
``>= 0``. Extra columns are allowed (``strict = False``) so a reader may carry
more than the contract. Text columns are checked as pandas strings (``string``,
pandas 3 ``str`` or ``object`` holding text all pass).

:func:`validate_table` runs a model lazily (every failure at once) and turns
pandera's failure cases into :class:`alignment.errors.Problem` objects naming the
file, the ``source_row`` of the failing row and the column.

>>> import pandas as pd
>>> df = pd.DataFrame({"county_fips": ["06037", "6037"], "county_name": ["A", "B"],
...     "region_id": ["la", "la"], "region_name": ["LA", "LA"], "region_type": ["custom", "custom"],
...     "oews_area": [None, None], "source_row": [2, 3]})
>>> try:
...     validate_table(df, Regions, "regions.csv")
... except InputError as e:
...     print(e.problems[0])
regions.csv, row 3, column 'county_fips': expected text matching ^\\d{5}$, got '6037'
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from .constants import FLAG_CODES
from .errors import InputError, Problem, display_name

CIP_PATTERN = r"^\d{2}\.\d{4}$"
SOC_PATTERN = r"^\d{2}-\d{4}$"
COUNTY_FIPS_PATTERN = r"^\d{5}$"
STATE_FIPS_PATTERN = r"^\d{2}$"
NAICS_PATTERN = r"^(\d{2,6}|31-33|44-45|48-49)$"
SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"

REGION_TYPES = ("workforce_area", "cbsa", "economic_development", "custom")
WAGE_FLAGS = ("", "top_coded", "suppressed", "not_available")
O_GROUPS = ("total", "major", "minor", "broad", "detailed")


class _Provenance(pa.DataFrameModel):
    """``source_file`` / ``source_row`` columns added by every reader."""

    source_file: Series[str] = pa.Field(nullable=False)
    source_row: Series[int] = pa.Field(ge=1)

    class Config:
        strict = False


class Enrollment(_Provenance):
    """Program-of-study enrollment, one row per institution × program × level × year."""

    institution: Series[str]
    county_fips: Series[str] = pa.Field(str_matches=COUNTY_FIPS_PATTERN)
    program_code: Series[str] = pa.Field(nullable=True)
    program_name: Series[str] = pa.Field(nullable=True)
    cip: Series[str] = pa.Field(str_matches=CIP_PATTERN, nullable=True)
    cip_raw: Series[str] = pa.Field(nullable=True)
    level: Series[str] = pa.Field(nullable=True)
    credential_level: Series[str] | None = pa.Field(nullable=True)
    year: Series[int] = pa.Field(ge=1900, le=2200)
    enrolled: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    concentrators: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    completers: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    suppressed: Series[bool]


class IndustryEmployment(_Provenance):
    """QCEW employment, one row per area × ownership × industry × year × period."""

    area_fips: Series[str] = pa.Field(str_matches=r"^(\d{5}|US000|C\d{4}|CS\d{3})$")
    own_code: Series[str] = pa.Field(str_matches=r"^\d$")
    industry_code: Series[str] = pa.Field(str_matches=NAICS_PATTERN)
    agglvl_code: Series[str] = pa.Field(str_matches=r"^\d{2}$")
    year: Series[int] = pa.Field(ge=1900, le=2200)
    qtr: Series[str] = pa.Field(isin=["A", "1", "2", "3", "4"])
    employment: Series[pd.Float64Dtype] = pa.Field(ge=0, nullable=True)
    month1_emplvl: Series[pd.Float64Dtype] = pa.Field(ge=0, nullable=True)
    month2_emplvl: Series[pd.Float64Dtype] = pa.Field(ge=0, nullable=True)
    month3_emplvl: Series[pd.Float64Dtype] = pa.Field(ge=0, nullable=True)
    establishments: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    total_wages_usd: Series[pd.Float64Dtype] = pa.Field(ge=0, nullable=True)
    avg_annual_pay_usd: Series[pd.Float64Dtype] = pa.Field(ge=0, nullable=True)
    disclosure_code: Series[str] = pa.Field(isin=["", "N"], nullable=True)
    suppressed: Series[bool]
    lq_employment_published: Series[pd.Float64Dtype] = pa.Field(ge=0, nullable=True)


class OccupationWages(_Provenance):
    """OEWS employment and wages, one row per area × industry × ownership × occupation × year."""

    area_code: Series[str] = pa.Field(str_matches=r"^\d{2,7}$")
    area_title: Series[str] = pa.Field(nullable=True)
    area_type: Series[str] = pa.Field(str_matches=r"^\d$")
    naics: Series[str] = pa.Field(str_matches=r"^[0-9A-Z]{2,6}$|^\d{2}-\d{2,4}$")
    own_code: Series[str] = pa.Field(str_matches=r"^\d{1,4}$")
    soc: Series[str] = pa.Field(str_matches=SOC_PATTERN)
    occ_title: Series[str] = pa.Field(nullable=True)
    o_group: Series[str] = pa.Field(isin=list(O_GROUPS))
    year: Series[int] = pa.Field(ge=1900, le=2200)
    employment: Series[pd.Float64Dtype] = pa.Field(ge=0, nullable=True)
    employment_flag: Series[str] = pa.Field(isin=["", "suppressed"])
    wage_median_hourly_usd: Series[pd.Float64Dtype] = pa.Field(ge=0, nullable=True)
    wage_median_annual_usd: Series[pd.Float64Dtype] = pa.Field(ge=0, nullable=True)
    wage_mean_annual_usd: Series[pd.Float64Dtype] = pa.Field(ge=0, nullable=True)
    wage_p10_annual_usd: Series[pd.Float64Dtype] = pa.Field(ge=0, nullable=True)
    wage_p25_annual_usd: Series[pd.Float64Dtype] = pa.Field(ge=0, nullable=True)
    wage_p75_annual_usd: Series[pd.Float64Dtype] = pa.Field(ge=0, nullable=True)
    wage_p90_annual_usd: Series[pd.Float64Dtype] = pa.Field(ge=0, nullable=True)
    wage_flag: Series[str] = pa.Field(isin=list(WAGE_FLAGS))
    hourly_only: Series[bool]


class LivingWage(pa.DataFrameModel):
    """Living wage per county and family type (provenance columns optional)."""

    year: Series[int] = pa.Field(ge=1900, le=2200)
    state_fips: Series[str] = pa.Field(str_matches=STATE_FIPS_PATTERN)
    county_fips: Series[str] = pa.Field(str_matches=COUNTY_FIPS_PATTERN)
    adults: Series[int] = pa.Field(ge=1, le=10)
    children: Series[int] = pa.Field(ge=0, le=20)
    wage_hourly_usd: Series[float] = pa.Field(gt=0, lt=1000)

    class Config:
        strict = False

    @pa.dataframe_check(error="county_fips: the county is not in state_fips")
    def county_in_state(cls, df: pd.DataFrame) -> Series[bool]:
        return df["county_fips"].str[:2] == df["state_fips"]


class Regions(pa.DataFrameModel):
    """County → region membership (provenance columns optional)."""

    county_fips: Series[str] = pa.Field(str_matches=COUNTY_FIPS_PATTERN, unique=True)
    county_name: Series[str] = pa.Field(nullable=True)
    region_id: Series[str] = pa.Field(str_matches=SLUG_PATTERN)
    region_name: Series[str]
    region_type: Series[str] = pa.Field(isin=list(REGION_TYPES))
    oews_area: Series[str] = pa.Field(nullable=True)

    class Config:
        strict = False


INPUT_MODELS: dict[str, type[pa.DataFrameModel]] = {
    "enrollment": Enrollment,
    "industry_employment": IndustryEmployment,
    "occupation_wages": OccupationWages,
    "living_wage": LivingWage,
    "regions": Regions,
}


def _describe(check: str, value: object) -> str:
    """A plain-language message for one pandera failure case."""
    shown = repr(value) if isinstance(value, str) else str(value)
    m = re.fullmatch(r"str_matches\('(.*)'\)", check)
    if m:
        return f"expected text matching {m.group(1)}, got {shown}"
    m = re.fullmatch(
        r"(greater_than_or_equal_to|greater_than|less_than_or_equal_to|less_than)\((.*)\)", check
    )
    if m:
        op = {
            "greater_than_or_equal_to": ">=",
            "greater_than": ">",
            "less_than_or_equal_to": "<=",
            "less_than": "<",
        }[m.group(1)]
        return f"expected a value {op} {m.group(2)}, got {shown}"
    m = re.fullmatch(r"isin\((.*)\)", check, flags=re.S)
    if m:
        return f"expected one of {m.group(1)}, got {shown}"
    if check == "not_nullable":
        return "a value is required here but the cell is empty"
    if check == "field_uniqueness" or check.startswith("unique"):
        return f"value {shown} appears more than once"
    if check == "column_in_dataframe":
        return "required column is missing"
    m = re.fullmatch(r"dtype\('(.*)'\)", check)
    if m:
        return f"expected values of type {m.group(1)}, got {shown}"
    return f"failed check {check}" + ("" if value is None else f": got {shown}")


# a custom dataframe check whose error reads "<column>: <message>"
_CUSTOM_CHECK = re.compile(r"(\w+): (.+)", flags=re.S)


def problems_from_schema_errors(
    errors: pa.errors.SchemaErrors, df: pd.DataFrame, source_file: str | Path
) -> list[Problem]:
    """Turn pandera's lazy failure cases into :class:`Problem` objects, ordered by row then column."""
    name = display_name(source_file)
    cases = errors.failure_cases
    rows_by_index = df["source_row"] if "source_row" in df.columns else None
    problems: list[tuple[int, str, Problem]] = []
    for case in cases.itertuples(index=False):
        index = case.index
        row = None
        if rows_by_index is not None and index is not None and not pd.isna(index) and index in df.index:
            found = rows_by_index.loc[index]
            row = int(found.iloc[0]) if isinstance(found, pd.Series) else int(found)
        column = case.column if isinstance(case.column, str) else None
        value = None if pd.isna(case.failure_case) else case.failure_case
        check = str(case.check)
        if check == "column_in_dataframe":
            column, value = value, None
        custom = _CUSTOM_CHECK.fullmatch(check)
        if case.schema_context == "DataFrameSchema" and custom:
            # a whole-row check is reported by pandera once per column: keep the column it names
            if custom.group(1) != column:
                continue
            found = df.loc[index, column]
            value = found.iloc[0] if isinstance(found, pd.Series) else found
            message = f"{custom.group(2)}, got {value!r}"
        else:
            message = _describe(check, value)
        problems.append((row if row is not None else 0, column or "", Problem(name, row, column, message)))
    problems.sort(key=lambda t: (t[0], t[1]))
    unique = list(dict.fromkeys(p for _, _, p in problems))
    return unique


def validate_table(df: pd.DataFrame, model: type[pa.DataFrameModel], source_file: str | Path) -> pd.DataFrame:
    """Validate ``df`` against ``model`` lazily; raise :class:`InputError` listing every failure.

    Each problem names ``source_file``, the ``source_row`` of the failing row (when
    ``df`` has that column) and the column. Returns the validated DataFrame.
    """
    try:
        return model.validate(df, lazy=True)
    except pa.errors.SchemaErrors as errors:
        raise InputError(problems_from_schema_errors(errors, df, source_file)) from None


# --- output models (supply, demand, alignment, ...) may be appended below ----------------------------------


# ------------------------------------------------------------------------------------------ output tables
# Models of the tables written by supply.py, demand.py, align.py and flags.py (docs/tables.md, "Outputs").
# Counts that become fractional under the `split` cluster rule, or after a cluster share split, are typed
# ``Any`` with a ``>= 0`` check, so both ``Int64`` and ``Float64`` pass.


class Programs(pa.DataFrameModel):
    """Programs placed in a region and a career cluster (supply.assign_programs)."""

    institution: Series[str] = pa.Field(nullable=True)
    county_fips: Series[str] = pa.Field(str_matches=COUNTY_FIPS_PATTERN, nullable=True)
    region_id: Series[str] = pa.Field(nullable=True)
    program_name: Series[str] = pa.Field(nullable=True)
    cip: Series[str] = pa.Field(str_matches=CIP_PATTERN, nullable=True)
    year: Series[int] = pa.Field(ge=1900, le=2200)
    cluster_code: Series[str] = pa.Field(nullable=True)
    cluster_rule: Series[str] = pa.Field(isin=["primary", "split"])
    allocation_share: Series[Any] = pa.Field(gt=0, le=1)
    enrolled: Series[Any] = pa.Field(ge=0, nullable=True)
    concentrators: Series[Any] = pa.Field(ge=0, nullable=True)
    completers: Series[Any] = pa.Field(ge=0, nullable=True)
    suppressed: Series[bool]
    matched: Series[bool]

    class Config:
        strict = False


class Supply(pa.DataFrameModel):
    """Students per region × year × cluster (supply.supply_by_cluster)."""

    region_id: Series[str]
    year: Series[int] = pa.Field(ge=1900, le=2200)
    framework: Series[str] = pa.Field(nullable=True)
    cluster_code: Series[str]
    programs: Series[Any] = pa.Field(ge=0)
    completers: Series[Any] = pa.Field(ge=0, nullable=True)
    suppressed: Series[bool]

    class Config:
        strict = False
        unique = ["region_id", "year", "cluster_code"]


class Demand(pa.DataFrameModel):
    """Industry demand per region × year × cluster (demand.demand_by_region)."""

    region_id: Series[str]
    year: Series[int] = pa.Field(ge=1900, le=2200)
    framework: Series[str] = pa.Field(nullable=True)
    cluster_code: Series[str] = pa.Field(nullable=True)
    employment: Series[pd.Float64Dtype] = pa.Field(ge=0, nullable=True)
    share: Series[pd.Float64Dtype] = pa.Field(ge=0, le=1, nullable=True)
    lq: Series[pd.Float64Dtype] = pa.Field(ge=0, nullable=True)
    growth_1yr: Series[pd.Float64Dtype] = pa.Field(ge=-1, nullable=True)
    growth_total: Series[pd.Float64Dtype] = pa.Field(ge=-1, nullable=True)
    growth_base_year: Series[pd.Int64Dtype] = pa.Field(nullable=True)
    avg_annual_pay_usd: Series[pd.Float64Dtype] = pa.Field(ge=0, nullable=True)
    establishments: Series[Any] = pa.Field(ge=0, nullable=True)
    suppressed_inputs: Series[pd.Int64Dtype] = pa.Field(ge=0)
    employment_disclosed: Series[pd.Float64Dtype] = pa.Field(ge=0, nullable=True)
    employment_recovered: Series[pd.Float64Dtype] = pa.Field(ge=0, nullable=True)
    employment_imputed: Series[pd.Float64Dtype] = pa.Field(ge=0, nullable=True)

    class Config:
        strict = False


class ShiftShare(pa.DataFrameModel):
    """Shift-share of each region × cluster's change in jobs between two QCEW years (shift_share.shift_share)."""

    region_id: Series[str]
    framework: Series[str] = pa.Field(nullable=True)
    cluster_code: Series[str]
    base_area: Series[str]
    base_year: Series[pd.Int64Dtype] = pa.Field(ge=1900, le=2200)
    end_year: Series[pd.Int64Dtype] = pa.Field(ge=1900, le=2200)
    employment_base: Series[pd.Float64Dtype] = pa.Field(ge=0, nullable=True)
    employment_end: Series[pd.Float64Dtype] = pa.Field(ge=0, nullable=True)
    change: Series[pd.Float64Dtype] = pa.Field(nullable=True)
    growth_region: Series[pd.Float64Dtype] = pa.Field(ge=-1, nullable=True)
    growth_base_cluster: Series[pd.Float64Dtype] = pa.Field(ge=-1, nullable=True)
    growth_base_total: Series[pd.Float64Dtype] = pa.Field(ge=-1, nullable=True)
    national_growth: Series[pd.Float64Dtype] = pa.Field(nullable=True)
    industry_mix: Series[pd.Float64Dtype] = pa.Field(nullable=True)
    regional_share: Series[pd.Float64Dtype] = pa.Field(nullable=True)

    @pa.dataframe_check(error="base_year must be earlier than end_year")
    def years_in_order(cls, df: pd.DataFrame) -> Series[bool]:
        return df["base_year"] < df["end_year"]

    @pa.dataframe_check(error="national_growth + industry_mix + regional_share must equal change")
    def effects_add_up(cls, df: pd.DataFrame) -> Series[bool]:
        parts = df[["national_growth", "industry_mix", "regional_share"]].astype("Float64")
        gap = (parts.sum(axis=1, min_count=3) - df["change"].astype("Float64")).abs()
        scale = df["change"].astype("Float64").abs().fillna(0) + 1
        return (gap <= 1e-6 * scale).fillna(True).astype(bool)

    class Config:
        strict = False
        unique = ["region_id", "cluster_code"]


class Alignment(pa.DataFrameModel):
    """Supply against demand per region × cluster for the analysis year (align.align)."""

    region_id: Series[str]
    region_name: Series[str] = pa.Field(nullable=True)
    year: Series[int] = pa.Field(ge=1900, le=2200)
    demand_year: Series[int] = pa.Field(ge=1900, le=2200)
    framework: Series[str] = pa.Field(nullable=True)
    cluster_code: Series[str]
    cluster_name: Series[str] = pa.Field(nullable=True)
    supply_measure: Series[str] = pa.Field(isin=["enrolled", "concentrators", "completers"])
    supply: Series[pd.Float64Dtype] = pa.Field(ge=0, nullable=True)
    supply_share: Series[pd.Float64Dtype] = pa.Field(ge=0, le=1, nullable=True)
    employment: Series[pd.Float64Dtype] = pa.Field(ge=0)
    demand_share: Series[pd.Float64Dtype] = pa.Field(ge=0, le=1, nullable=True)
    lq: Series[pd.Float64Dtype] = pa.Field(ge=0, nullable=True)
    demand_equivalent: Series[pd.Float64Dtype] = pa.Field(ge=0, nullable=True)
    gap: Series[pd.Float64Dtype] = pa.Field(nullable=True)
    ratio: Series[pd.Float64Dtype] = pa.Field(ge=0, nullable=True)
    growth_1yr: Series[pd.Float64Dtype] = pa.Field(nullable=True)
    avg_annual_pay_usd: Series[pd.Float64Dtype] = pa.Field(ge=0, nullable=True)
    suppressed: Series[bool]

    class Config:
        strict = False
        unique = ["region_id", "cluster_code"]


class Flags(pa.DataFrameModel):
    """Flagged programs and clusters with severity and a one-sentence reason (flags.flag_pathways)."""

    region_id: Series[str] = pa.Field(nullable=True)
    year: Series[pd.Int64Dtype] = pa.Field(nullable=True)
    scope: Series[str] = pa.Field(isin=["program", "cluster", "occupation"])
    institution: Series[str] = pa.Field(nullable=True)
    program_name: Series[str] = pa.Field(nullable=True)
    cip: Series[str] = pa.Field(nullable=True)
    cluster_code: Series[str] = pa.Field(nullable=True)
    flag: Series[str] = pa.Field(isin=list(FLAG_CODES))
    severity: Series[float] = pa.Field(ge=0)
    reason: Series[str] = pa.Field(str_length={"min_value": 1})

    class Config:
        strict = False


OUTPUT_MODELS: dict[str, type[pa.DataFrameModel]] = {
    "programs": Programs,
    "supply": Supply,
    "demand": Demand,
    "shift_share": ShiftShare,
    "alignment": Alignment,
    "flags": Flags,
}


class Dissimilarity(pa.DataFrameModel):
    """The dissimilarity index of each region and year (align.dissimilarity): 0 = the same mix, 1 = none shared."""

    region_id: Series[str]
    year: Series[int] = pa.Field(ge=1900, le=2200)
    dissimilarity: Series[pd.Float64Dtype] = pa.Field(ge=0, le=1, nullable=True)

    class Config:
        strict = False
        unique = ["region_id", "year"]


class FamilyWageTable(pa.DataFrameModel):
    """The family-supporting hourly wage of each region and how it was found (family_wage.family_wages)."""

    region_id: Series[str] = pa.Field(unique=True)
    wage_hourly_usd: Series[Any] = pa.Field(gt=0, nullable=True)
    source: Series[str]

    class Config:
        strict = False


class Peers(pa.DataFrameModel):
    """Each region's nearest regions by industry mix (peers.peer_regions)."""

    region_id: Series[str]
    peer_id: Series[str]
    rank: Series[int] = pa.Field(ge=1)
    distance: Series[float] = pa.Field(ge=0, le=1.000001)

    class Config:
        strict = False
        unique = ["region_id", "peer_id"]


class OccupationAlignment(pa.DataFrameModel):
    """Completers against openings per region × occupation (occupation_alignment.occupation_alignment)."""

    region_id: Series[str]
    soc: Series[str] = pa.Field(str_matches=SOC_PATTERN)
    employment: Series[pd.Float64Dtype] = pa.Field(ge=0, nullable=True)
    openings: Series[pd.Float64Dtype] = pa.Field(ge=0, nullable=True)
    completers: Series[pd.Float64Dtype] = pa.Field(ge=0)
    completers_per_opening: Series[pd.Float64Dtype] = pa.Field(ge=0, nullable=True)
    secondary_concentrators: Series[pd.Float64Dtype] = pa.Field(ge=0)
    entry_wage_hourly_usd: Series[pd.Float64Dtype] = pa.Field(gt=0, nullable=True)
    median_wage_hourly_usd: Series[pd.Float64Dtype] = pa.Field(gt=0, nullable=True)
    meets_family_wage: Series[pd.BooleanDtype] = pa.Field(nullable=True)

    class Config:
        strict = False
        unique = ["region_id", "soc"]
