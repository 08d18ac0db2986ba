"""The stages of a run, from raw files to processed tables.

Each stage is a function of the config that reads its inputs, computes with the
pure functions of ``supply``, ``demand``, ``align`` and ``flags``, writes its
tables to the processed folder of the run (atomically) and returns them, so a
notebook can show them. ``run.py`` executes the notebooks that call these stages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import align as align_mod
from . import demand as demand_mod
from . import flags as flags_mod
from . import reference
from . import supply as supply_mod
from .atomic import atomic_path
from .config import Config
from .errors import InputError, Problem
from .sources.enrollment import read_enrollment
from .sources.living_wage import family_wage_by_region, family_wage_from_median, read_living_wage
from .sources.oews import read_oews
from .sources.qcew import read_qcew
from .sources.regions import read_regions

UNMATCHED_COLUMNS = ["stage", "source_file", "source_row", "column", "value", "reason"]


@dataclass
class Inputs:
    """The tidy input tables of a run."""

    enrollment: pd.DataFrame
    qcew: pd.DataFrame
    regions: pd.DataFrame
    oews: pd.DataFrame | None
    living_wage: pd.DataFrame | None


def _collect(problems: list[Problem], fn: Callable[[], pd.DataFrame]) -> pd.DataFrame | None:
    try:
        return fn()
    except InputError as exc:
        problems.extend(exc.problems)
        return None


INPUT_PARTS = frozenset({"regions", "enrollment", "qcew", "oews", "living_wage"})


def read_inputs(cfg: Config, parts: frozenset[str] | set[str] = INPUT_PARTS) -> Inputs:
    """Read and check the input files; raise one :class:`InputError` with every problem of every file.

    ``parts`` names the files a stage needs (regions are always read); the others are left as
    ``None``. A run checks every file once, before anything is written; each stage notebook then
    reads only what it uses.
    """
    unknown = set(parts) - INPUT_PARTS
    if unknown:
        raise ValueError(f"unknown input part(s) {sorted(unknown)}; expected some of {sorted(INPUT_PARTS)}")
    problems: list[Problem] = []
    ins = cfg.inputs

    def want(part: str, path: object) -> bool:
        return part in parts and path is not None

    regions = _collect(problems, lambda: read_regions(ins.regions))
    enrollment = (
        _collect(problems, lambda: read_enrollment(ins.enrollment))
        if want("enrollment", ins.enrollment)
        else None
    )
    qcew = _collect(problems, lambda: read_qcew(list(ins.qcew))) if want("qcew", ins.qcew) else None
    oews = _collect(problems, lambda: read_oews(ins.oews)) if want("oews", ins.oews) else None
    living = (
        _collect(problems, lambda: read_living_wage(ins.living_wage))
        if want("living_wage", ins.living_wage)
        else None
    )
    if regions is not None:
        problems.extend(_check_regions(cfg, regions))
    if enrollment is not None and regions is not None:
        problems.extend(_check_enrollment_against_regions(cfg, enrollment, regions))
    if qcew is not None:
        problems.extend(_check_qcew(cfg, qcew))
    if problems:
        raise InputError(problems)
    return Inputs(enrollment=enrollment, qcew=qcew, regions=regions, oews=oews, living_wage=living)


def _check_regions(cfg: Config, regions: pd.DataFrame) -> list[Problem]:
    file = str(cfg.inputs.regions)
    out = []
    outside = regions[~regions["county_fips"].str.startswith(cfg.state_fips)]
    for _, row in outside.iterrows():
        out.append(
            Problem(
                file,
                _row(row),
                "county_fips",
                f"county {row['county_fips']} is outside state {cfg.state_fips} (config state_fips)",
            )
        )
    return out


def _row(row: pd.Series) -> int | None:
    value = row.get("source_row")
    return None if value is None or pd.isna(value) else int(value)


def _check_enrollment_against_regions(
    cfg: Config, enrollment: pd.DataFrame, regions: pd.DataFrame
) -> list[Problem]:
    """Counties in the enrollment file that no region contains are an error the user must fix."""
    known = set(regions["county_fips"])
    bad = enrollment[~enrollment["county_fips"].isin(known)]
    out = []
    for _, row in bad.head(200).iterrows():
        out.append(
            Problem(
                str(cfg.inputs.enrollment),
                _row(row),
                "county_fips",
                f"county {row['county_fips']} is not in any region of {cfg.inputs.regions.name}",
            )
        )
    if len(bad) > 200:
        out.append(
            Problem(str(cfg.inputs.enrollment), None, "county_fips", f"... {len(bad) - 200} more rows")
        )
    years = sorted(enrollment["year"].dropna().unique().tolist())
    if cfg.year not in years:
        out.append(
            Problem(
                str(cfg.inputs.enrollment),
                None,
                "year",
                f"no rows for the analysis year {cfg.year} (config year); the file has {', '.join(map(str, years))}",
            )
        )
    return out


def _check_qcew(cfg: Config, qcew: pd.DataFrame) -> list[Problem]:
    out = []
    base = cfg.inputs.qcew_base_area
    years = set(qcew["year"].unique().tolist())
    files = ", ".join(p.name for p in cfg.inputs.qcew[:3]) + (" ..." if len(cfg.inputs.qcew) > 3 else "")
    if cfg.industry_year not in years:
        which = "demand_year" if cfg.demand_year is not None else "analysis year"
        hint = "" if cfg.demand_year is not None else "; set demand_year in the config to use an earlier year"
        out.append(
            Problem(
                files,
                None,
                "year",
                f"no QCEW rows for the {which} {cfg.industry_year}; found {sorted(years)}{hint}",
            )
        )
    if not (qcew["area_fips"] == base).any():
        out.append(
            Problem(
                files,
                None,
                "area_fips",
                f"the location-quotient base area {base!r} (inputs.qcew_base_area) is in none of the QCEW files",
            )
        )
    return out


# --------------------------------------------------------------------------------------------- reference tables


@dataclass
class Reference:
    clusters: pd.DataFrame
    cip_cluster: pd.DataFrame
    naics_cluster: pd.DataFrame
    cip_soc: pd.DataFrame


def load_reference(cfg: Config) -> Reference:
    """The crosswalks of a run: built-in tables, user overrides, or the official Advance CTE workbooks."""
    cw = cfg.crosswalks
    fw = cfg.framework
    cip_cluster = reference.load_cip_cluster(
        fw, extra=cw.get("cip_cluster_extra"), replace=cw.get("cip_cluster")
    )
    naics_cluster = reference.load_naics_cluster(
        fw, extra=cw.get("naics_cluster_extra"), replace=cw.get("naics_cluster")
    )
    if "advance_cte_dir" in cw and fw == "2024":
        official = reference.read_advance_cte_crosswalks(cw["advance_cte_dir"])
        if "cip_cluster" in official and "cip_cluster" not in cw:
            cip_cluster = official["cip_cluster"]
        if "naics_cluster" in official and "naics_cluster" not in cw:
            naics_cluster = official["naics_cluster"]
    cip_soc = reference.load_cip_soc(extra=cw.get("cip_soc_extra"), replace=cw.get("cip_soc"))
    return Reference(
        clusters=reference.load_clusters(fw),
        cip_cluster=cip_cluster,
        naics_cluster=naics_cluster,
        cip_soc=cip_soc,
    )


# --------------------------------------------------------------------------------------------------- writing


def write_table(df: pd.DataFrame, path: Path) -> Path:
    """Write a parquet table atomically (temp file in the same folder, then rename)."""
    with atomic_path(path, suffix=".parquet") as tmp:
        df.reset_index(drop=True).to_parquet(tmp, index=False)
    return path


def read_table(out_dir: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(Path(out_dir) / f"{name}.parquet")


def _unmatched(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if f is not None and len(f)]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in UNMATCHED_COLUMNS}).astype(
            {"source_row": "Int64"}
        )
    out = pd.concat(frames, ignore_index=True)
    for c in UNMATCHED_COLUMNS:
        if c not in out.columns:
            out[c] = pd.NA
    return out[UNMATCHED_COLUMNS]


# ---------------------------------------------------------------------------------------------------- stages


def demand_stage(cfg: Config, out_dir: Path) -> dict[str, pd.DataFrame]:
    """Industry demand per region × cluster × year (QCEW), written to ``demand.parquet``."""
    inputs = read_inputs(cfg, {"qcew"})
    ref = load_reference(cfg)
    naics_long = reference.map_naics_to_clusters(
        inputs.qcew["industry_code"].drop_duplicates().reset_index(drop=True), ref.naics_cluster
    )
    demand = demand_mod.demand_by_region(
        inputs.qcew, inputs.regions, naics_long, base_area=cfg.inputs.qcew_base_area
    )
    demand = demand.merge(ref.clusters[["cluster_code", "cluster_name"]], on="cluster_code", how="left")
    write_table(demand, Path(out_dir) / "demand.parquet")
    return {"demand": demand}


def supply_stage(cfg: Config, out_dir: Path) -> dict[str, pd.DataFrame]:
    """Programs mapped to regions and clusters, and supply per region × cluster × year."""
    inputs = read_inputs(cfg, {"enrollment"})
    ref = load_reference(cfg)
    lookup = reference.lookup_cip_cluster(inputs.enrollment["cip"], ref.cip_cluster)
    programs, unmatched = supply_mod.assign_programs(
        inputs.enrollment, inputs.regions, lookup, rule=cfg.cluster_rule
    )
    supply = supply_mod.supply_by_cluster(programs)
    by_subcluster = supply_mod.supply_by_cluster(programs, subclusters=True)
    out_dir = Path(out_dir)
    write_table(supply, out_dir / "supply.parquet")
    write_table(by_subcluster, out_dir / "supply_subcluster.parquet")
    unmatched = _unmatched([unmatched])
    # name files as the config does, so tables hold no machine-specific paths and reruns elsewhere are identical
    for table in (programs, unmatched):
        table["source_file"] = table["source_file"].map(
            lambda f: cfg.relative(Path(f)) if isinstance(f, str) else f, na_action="ignore"
        )
    write_table(unmatched, out_dir / "unmatched.parquet")
    write_table(programs, out_dir / "programs.parquet")
    return {
        "programs": programs,
        "supply": supply,
        "supply_subcluster": by_subcluster,
        "unmatched": unmatched,
    }


def family_wage_stage(cfg: Config, inputs: Inputs, weights: pd.Series | None = None) -> pd.DataFrame:
    """The family-supporting hourly wage of every region, by the rule in the config."""
    fw = cfg.family_wage
    regions = inputs.regions
    if fw.source == "living_wage":
        lw = inputs.living_wage
        lw = (
            lw[lw["year"] == lw["year"].max()]
            if cfg.year not in set(lw["year"])
            else lw[lw["year"] == cfg.year]
        )
        out = family_wage_by_region(lw, regions, adults=fw.adults, children=fw.children, weights=weights)
    elif fw.source == "median_share":
        share = (
            fw.median_share
            if fw.median_share is not None
            else cfg.thresholds.get("family_wage_median_share", 0.8)
        )
        medians = regional_median_wage(inputs, regions)
        out = family_wage_from_median(medians, share)
    else:
        ids = regions.drop_duplicates("region_id")["region_id"]
        out = pd.DataFrame(
            {
                "region_id": ids,
                "wage_hourly_usd": float(fw.value_hourly_usd),
                "source": "value set in the config",
            }
        )
    return out.reset_index(drop=True)


def county_employment(qcew: pd.DataFrame, year: int) -> pd.Series:
    """All-industry, all-ownership employment of each county in a year (weights for county averages).

    Annual averages where the file has them; otherwise the mean of the county's quarters.
    """
    rows = qcew[
        (qcew["year"] == year)
        & (qcew["own_code"] == "0")
        & (qcew["industry_code"] == "10")
        & qcew["area_fips"].str.fullmatch(r"\d{5}")
        & ~qcew["area_fips"].str.endswith("000")
    ]
    annual = rows[rows["qtr"] == "A"]
    if len(annual):
        return annual.groupby("area_fips")["employment"].sum().rename_axis("county_fips")
    return rows.groupby("area_fips")["employment"].mean().rename_axis("county_fips")


def regional_median_wage(inputs: Inputs, regions: pd.DataFrame) -> pd.Series:
    """All-occupation median hourly wage of each region's OEWS area (state, then nation as fallback)."""
    oews = inputs.oews
    allocc = oews[(oews["soc"] == "00-0000")]
    by_area = allocc.drop_duplicates("area_code").set_index("area_code")["wage_median_hourly_usd"]
    first = regions.drop_duplicates("region_id").set_index("region_id")
    areas = first["oews_area"] if "oews_area" in first else pd.Series(pd.NA, index=first.index)
    state = str(regions["county_fips"].iloc[0])[:2]
    fallback = by_area.get(state, by_area.get("99", pd.NA))
    values = {rid: by_area.get(a, fallback) if pd.notna(a) else fallback for rid, a in areas.items()}
    return pd.Series(values, name="wage_median_hourly_usd", dtype="Float64")


def alignment_stage(cfg: Config, out_dir: Path) -> dict[str, pd.DataFrame]:
    """Alignment, dissimilarity, program wages, the family-supporting wage and flags for the analysis year."""
    out_dir = Path(out_dir)
    inputs = read_inputs(cfg, {"qcew", "oews", "living_wage"})
    ref = load_reference(cfg)
    supply = read_table(out_dir, "supply")
    demand = read_table(out_dir, "demand")
    programs = read_table(out_dir, "programs")
    alignment = align_mod.align(
        supply,
        demand,
        ref.clusters,
        inputs.regions,
        year=cfg.year,
        measure=cfg.supply_measure,
        demand_year=cfg.industry_year,
    )
    dissimilarity = align_mod.dissimilarity(alignment)
    year_programs = programs[programs["year"] == cfg.year]
    if inputs.oews is not None:
        state_area = cfg.state_fips
        program_wages = demand_mod.occupation_wages_for_programs(
            year_programs, ref.cip_soc, inputs.oews, inputs.regions, fallback_area=state_area
        )
    else:
        program_wages = None
    weights = county_employment(inputs.qcew, cfg.industry_year)
    family = family_wage_stage(cfg, inputs, weights=weights if len(weights) else None)
    flags = flags_mod.flag_pathways(
        year_programs,
        alignment,
        program_wages,
        family.assign(family_type=cfg.family_wage.describe()),
        cfg.thresholds,
    )
    flags = flags_mod.rank_pathways(flags)
    write_table(alignment, out_dir / "alignment.parquet")
    write_table(dissimilarity, out_dir / "dissimilarity.parquet")
    write_table(family, out_dir / "family_wage.parquet")
    write_table(flags, out_dir / "flags.parquet")
    if program_wages is not None:
        write_table(program_wages, out_dir / "program_wages.parquet")
    return {
        "alignment": alignment,
        "dissimilarity": dissimilarity,
        "family_wage": family,
        "flags": flags,
        "program_wages": program_wages,
    }


def load_processed(out_dir: Path) -> dict[str, pd.DataFrame]:
    """Every table a run wrote, by name."""
    return {p.stem: pd.read_parquet(p) for p in sorted(Path(out_dir).glob("*.parquet"))}
