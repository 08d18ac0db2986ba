"""The stages of a run, from raw files to processed tables.

Each stage is a function of the config that reads its inputs, computes with the
pure functions of ``supply``, ``demand``, ``align`` and ``flags``, writes its
tables to the processed folder of the run (atomically) and returns them, so a
notebook can show them. ``run.py`` executes the notebooks that call these stages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import align as align_mod
from . import demand as demand_mod
from . import flags as flags_mod
from . import occupations as occ_mod
from . import reference
from . import supply as supply_mod
from .atomic import atomic_path
from .config import Config
from .constants import NATION_OEWS_AREA
from .criteria import classify_occupations
from .errors import InputError, Problem
from .sources.cbsa import oews_area_for_counties, read_cbsa_delineation
from .sources.cip import migrate_cip, read_cip_crosswalk_2010_2020, read_cip_list
from .sources.cip_soc import cip_soc_links, read_cip_soc_crosswalk
from .sources.enrollment import read_enrollment
from .sources.ipeds import completions_as_enrollment, read_ipeds_completions, read_ipeds_hd
from .sources.living_wage import family_wage_by_region, family_wage_from_median, read_living_wage
from .sources.oews import read_oews
from .sources.onet_clusters import onet_soc_cluster, read_onet_career_clusters
from .sources.projections import read_projections
from .sources.qcew import read_qcew
from .sources.regions import read_regions
from .suggest import read_accepted_mapping

UNMATCHED_COLUMNS = ["stage", "source_file", "source_row", "column", "value", "reason"]


@dataclass
class Inputs:
    """The tidy input tables of a run, and the warnings about them (``notes``: a run prints them, the reports'
    data notes carry them)."""

    enrollment: pd.DataFrame
    qcew: pd.DataFrame
    regions: pd.DataFrame
    oews: pd.DataFrame | None
    living_wage: pd.DataFrame | None
    notes: list[Problem] = field(default_factory=list)


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
    if ins.enrollment is None and ins.ipeds_completions:
        enrollment = _collect(problems, lambda: ipeds_supply(cfg)) if "enrollment" in parts else None
    else:
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
    if enrollment is not None and "program_cip_mapping" in cfg.crosswalks:
        try:
            enrollment = apply_accepted_cips(
                enrollment, read_accepted_mapping(cfg.crosswalks["program_cip_mapping"])
            )
        except InputError as exc:
            problems.extend(exc.problems)
    if regions is not None:
        problems.extend(_check_regions(cfg, regions))
    if enrollment is not None and regions is not None:
        problems.extend(_check_enrollment_against_regions(cfg, enrollment, regions))
    if qcew is not None:
        problems.extend(_check_qcew(cfg, qcew))
    if problems:
        raise InputError(problems)
    notes: list[Problem] = []
    if qcew is not None and regions is not None:
        notes.extend(_counties_without_jobs(cfg, qcew, regions))
    if oews is not None:
        notes.extend(_oews_vintage(cfg, oews))
    if living is not None:
        notes.extend(_living_wage_vintage(cfg, living))
    return Inputs(
        enrollment=enrollment, qcew=qcew, regions=regions, oews=oews, living_wage=living, notes=notes
    )


INPUT_NOTE_COLUMNS = ["file", "row", "column", "message", "text"]


def input_notes_table(cfg: Config, notes: list[Problem]) -> pd.DataFrame:
    """The warnings about the inputs as a table (``input_notes``, shown in each report's data notes).

    Files are named by their file name alone, as the data notes name every input, so the table and the
    reports hold no folder of the machine the run was made on; ``text`` is the whole warning with that name.
    """
    rows = []
    for note in notes:
        shown = Path(note.file).name if note.file else note.file
        rows.append(
            {
                "file": shown,
                "row": note.row,
                "column": note.column,
                "message": note.message,
                "text": str(Problem(shown, note.row, note.column, note.message)),
            }
        )
    out = pd.DataFrame(rows, columns=INPUT_NOTE_COLUMNS)
    return out.astype(
        {"file": "string", "row": "Int64", "column": "string", "message": "string", "text": "string"}
    )


#: an input more than this many years from the run's years gets a warning
VINTAGE_YEARS = 2


def _years_apart(cfg: Config, year: int) -> int:
    """Years between ``year`` and the nearer of the run's year and its demand year."""
    return min(abs(year - cfg.year), abs(year - cfg.industry_year))


def _run_years(cfg: Config) -> str:
    if cfg.industry_year == cfg.year:
        return f"a {cfg.year} run"
    return f"a {cfg.year} run with demand year {cfg.industry_year}"


def _oews_vintage(cfg: Config, oews: pd.DataFrame) -> list[Problem]:
    """A warning when the OEWS wages are of a May far from the run's years (an old file left in the config)."""
    out = []
    for year in sorted(set(oews["year"].dropna().astype(int).tolist())):
        apart = _years_apart(cfg, year)
        if apart > VINTAGE_YEARS:
            out.append(
                Problem(
                    str(cfg.inputs.oews),
                    None,
                    None,
                    f"OEWS wages of May {year} in {_run_years(cfg)}: the wages are {apart} years away from "
                    f"the run; use the OEWS release nearest {cfg.year} (inputs.oews)",
                )
            )
    return out


def _living_wage_vintage(cfg: Config, living: pd.DataFrame) -> list[Problem]:
    """A warning when the living-wage table used (the run's year, else its latest) is far from the run."""
    years = set(living["year"].dropna().astype(int).tolist())
    if not years or cfg.year in years:
        return []
    used = max(years)
    apart = _years_apart(cfg, used)
    if apart <= VINTAGE_YEARS:
        return []
    return [
        Problem(
            str(cfg.inputs.living_wage),
            None,
            "year",
            f"living wages of {used} in {_run_years(cfg)}: the family-supporting wage is {apart} years away "
            "from the run; use a newer living-wage table (inputs.living_wage)",
        )
    ]


def _counties_without_jobs(cfg: Config, qcew: pd.DataFrame, regions: pd.DataFrame) -> list[Problem]:
    """A warning for every county of a region with no QCEW row in the demand year: its jobs are left out."""
    year = cfg.industry_year
    have = set(qcew.loc[qcew["year"] == year, "area_fips"].unique().tolist())
    missing = regions[~regions["county_fips"].isin(have)]
    out = []
    for _, row in missing.iterrows():
        out.append(
            Problem(
                str(cfg.inputs.regions),
                _row(row),
                "county_fips",
                f"county {row['county_fips']} (region {row['region_name']!r}) has no QCEW rows for {year} in "
                "any QCEW file, so its jobs are missing from its region's demand; add the county's "
                f"{year} QCEW file (inputs.qcew)",
            )
        )
    return out


def apply_accepted_cips(enrollment: pd.DataFrame, accepted: pd.DataFrame) -> pd.DataFrame:
    """Set the CIP of enrollment rows whose program name and CIP cell match a line the user accepted.

    ``accepted`` comes from :func:`alignment.suggest.read_accepted_mapping` (the suggestions file of
    ``alignment validate --suggestions`` with ``accept`` filled in). Names match ignoring case and spaces
    at the ends; a suggestion is never applied unless its line was accepted.
    """
    if accepted.empty:
        return enrollment
    out = enrollment.copy()

    def key(name: pd.Series, raw: pd.Series) -> pd.Series:
        return (
            name.astype("string").str.strip().str.lower()
            + "\x1f"
            + raw.astype("string").fillna("").str.strip()
        )

    table = dict(zip(key(accepted["program_name"], accepted["cip_raw"]), accepted["cip"], strict=True))
    found = key(out["program_name"], out["cip_raw"]).map(table)
    hit = found.notna()
    out.loc[hit, "cip"] = found[hit]
    return out


def supply_file_name(cfg: Config) -> str:
    """The supply input as a user names it: the enrollment file, or the IPEDS completions files."""
    if cfg.inputs.enrollment is not None:
        return str(cfg.inputs.enrollment)
    names = [p.name for p in cfg.inputs.ipeds_completions]
    return ", ".join(names[:3]) + (" ..." if len(names) > 3 else "")


def ipeds_supply(cfg: Config) -> pd.DataFrame:
    """IPEDS completions of the state's institutions in the enrollment table's shape (postsecondary supply).

    First majors only, sub-baccalaureate credentials; institutions are placed in counties by the IPEDS
    directory (``inputs.ipeds_hd``); program names are CIP titles when ``inputs.cip_list`` is given.
    """
    hd = read_ipeds_hd(cfg.inputs.ipeds_hd)
    hd = hd[hd["state_fips"] == cfg.state_fips]
    completions = read_ipeds_completions(list(cfg.inputs.ipeds_completions))
    completions = completions[completions["unitid"].isin(set(hd["unitid"]))]
    titles = read_cip_list(cfg.inputs.cip_list) if cfg.inputs.cip_list is not None else None
    return completions_as_enrollment(completions, hd, cip_titles=titles).reset_index(drop=True)


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
                supply_file_name(cfg),
                _row(row),
                "county_fips",
                f"county {row['county_fips']} is not in any region of {cfg.inputs.regions.name}",
            )
        )
    if len(bad) > 200:
        out.append(Problem(supply_file_name(cfg), None, "county_fips", f"... {len(bad) - 200} more rows"))
    years = sorted(enrollment["year"].dropna().unique().tolist())
    if cfg.year not in years:
        out.append(
            Problem(
                supply_file_name(cfg),
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
            # the official table lists six-digit programs; codes it leaves out ("…, Other" and newer
            # codes) still find their series or family in the built-in table
            off = official["cip_cluster"]
            cip_cluster = pd.concat(
                [off, cip_cluster[~cip_cluster["cip"].isin(set(off["cip"]))]], ignore_index=True
            )
        if "naics_cluster" in official and "naics_cluster" not in cw:
            naics_cluster = official["naics_cluster"]
    replace_links = cw.get("cip_soc")
    if replace_links is None and "nces_cip_soc" in cw:
        replace_links = cip_soc_links(read_cip_soc_crosswalk(cw["nces_cip_soc"]))
    cip_soc = reference.load_cip_soc(extra=cw.get("cip_soc_extra"), replace=replace_links)
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


def read_table(out_dir: Path, name: str, filters: list[tuple] | None = None) -> pd.DataFrame:
    """A table the run wrote; ``filters`` (pyarrow's ``[(column, op, value)]``) reads only the rows wanted."""
    return pd.read_parquet(Path(out_dir) / f"{name}.parquet", filters=filters)


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


def migrate_old_cips(cfg: Config, enrollment: pd.DataFrame) -> pd.DataFrame | None:
    """Replace CIP 2010 codes in ``enrollment`` (in place) by their CIP 2020 codes (``crosswalks.cip_2010_2020``).

    Returns the ``cip_migrations`` table: one row per enrollment row whose code was migrated, or is a
    2010 code that was deleted or split (left as written, for the user's mapping file), with the note.
    """
    if "cip_2010_2020" not in cfg.crosswalks:
        return None
    crosswalk = read_cip_crosswalk_2010_2020(cfg.crosswalks["cip_2010_2020"])
    cip_list = read_cip_list(cfg.inputs.cip_list) if cfg.inputs.cip_list is not None else None
    has = enrollment["cip"].notna()
    m = migrate_cip(enrollment.loc[has, "cip"], crosswalk, cip_list=cip_list)
    changed = m["migrated"].fillna(False).astype(bool)
    enrollment.loc[changed[changed].index, "cip"] = m.loc[changed, "cip"]
    noted = m[m["note"].notna() & (changed | m["ambiguous"].fillna(False).astype(bool) | m["cip"].isna())]
    rows = enrollment.loc[noted.index]
    return pd.DataFrame(
        {
            "source_file": rows["source_file"],
            "source_row": rows["source_row"],
            "cip_2010": noted["cip_input"],
            "cip_2020": noted["cip"],
            "migrated": noted["migrated"].astype(bool),
            "note": noted["note"],
        }
    ).reset_index(drop=True)


INSTITUTION_COLUMNS = ["institution", "unitid", "county_fips", "region_id", "latitude", "longitude"]


def institution_points(cfg: Config, enrollment: pd.DataFrame, regions: pd.DataFrame) -> pd.DataFrame | None:
    """Where the run's institutions are (for map points): IPEDS directory coordinates, when IPEDS is the supply.

    One row per institution of the supply found in ``inputs.ipeds_hd`` with coordinates; ``None`` when the
    run has no IPEDS directory.
    """
    if cfg.inputs.ipeds_hd is None or "unitid" not in enrollment.columns:
        return None
    hd = read_ipeds_hd(cfg.inputs.ipeds_hd)
    first = enrollment.dropna(subset=["unitid"]).drop_duplicates("unitid")[["unitid", "institution"]]
    out = first.merge(hd[["unitid", "county_fips", "latitude", "longitude"]], on="unitid", how="inner")
    out = out.merge(
        regions[["county_fips", "region_id"]].drop_duplicates("county_fips"), on="county_fips", how="left"
    )
    out = out.dropna(subset=["latitude", "longitude"])
    out = out.sort_values(["region_id", "institution", "unitid"], kind="mergesort")
    return out[INSTITUTION_COLUMNS].reset_index(drop=True)


def _relative_names(cfg: Config, files: pd.Series) -> pd.Series:
    """File names as the config writes them, worked out once per distinct file (a column repeats one name)."""
    codes, uniques = pd.factorize(files)
    names = pd.array([cfg.relative(Path(f)) if isinstance(f, str) else f for f in uniques], dtype="string")
    return pd.Series(names.take(codes, allow_fill=True), index=files.index)


def supply_stage(cfg: Config, out_dir: Path) -> dict[str, pd.DataFrame]:
    """Programs mapped to regions and clusters, and supply per region × cluster × year."""
    inputs = read_inputs(cfg, {"enrollment"})
    ref = load_reference(cfg)
    migrated = migrate_old_cips(cfg, inputs.enrollment)
    lookup = reference.lookup_cip_cluster(inputs.enrollment["cip"], ref.cip_cluster)
    programs, unmatched = supply_mod.assign_programs(
        inputs.enrollment, inputs.regions, lookup, rule=cfg.cluster_rule
    )
    institutions = institution_points(cfg, inputs.enrollment, inputs.regions)
    inputs.enrollment = None  # the programs table has every row now
    supply = supply_mod.supply_by_cluster(programs)
    by_subcluster = supply_mod.supply_by_cluster(programs, subclusters=True)
    out_dir = Path(out_dir)
    write_table(supply, out_dir / "supply.parquet")
    write_table(by_subcluster, out_dir / "supply_subcluster.parquet")
    unmatched = _unmatched([unmatched])
    # name files as the config does, so tables hold no machine-specific paths and reruns elsewhere are identical
    for table in (programs, unmatched):
        table["source_file"] = _relative_names(cfg, table["source_file"])
    write_table(unmatched, out_dir / "unmatched.parquet")
    if institutions is not None:
        write_table(institutions, out_dir / "institutions.parquet")
    if migrated is not None:
        migrated["source_file"] = _relative_names(cfg, migrated["source_file"])
        write_table(migrated, out_dir / "cip_migrations.parquet")
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
    # only the analysis year's programs: a multi-year extract is read a year at a time
    year_programs = read_table(out_dir, "programs", filters=[("year", "==", cfg.year)])
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
    if inputs.oews is not None:
        state_area = cfg.state_fips
        program_wages = demand_mod.occupation_wages_for_programs(
            year_programs, ref.cip_soc, inputs.oews, inputs.regions, fallback_area=state_area
        )
    else:
        program_wages = None
    weights = county_employment(inputs.qcew, cfg.industry_year)
    family = family_wage_stage(cfg, inputs, weights=weights if len(weights) else None)
    occupation_tables: dict[str, pd.DataFrame] = {}
    if inputs.oews is not None and cfg.inputs.projections:
        occupation_tables = occupation_stage(
            cfg, inputs, ref, year_programs, family, weights if len(weights) else None
        )
    flags = flags_mod.flag_pathways(
        year_programs,
        alignment,
        program_wages,
        family.assign(family_type=cfg.family_wage.describe()),
        cfg.thresholds,
        program_occupations=occupation_tables.get("program_occupations"),
        preset=cfg.preset,
    )
    flags = flags_mod.rank_pathways(flags)
    for name, table in occupation_tables.items():
        write_table(table, out_dir / f"{name}.parquet")
    notes = input_notes_table(cfg, inputs.notes)
    write_table(notes, out_dir / "input_notes.parquet")
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
        "input_notes": notes,
        "program_wages": program_wages,
        **occupation_tables,
    }


# ------------------------------------------------------------------------------------------ occupation side

PROGRAM_OCCUPATION_COLUMNS = [
    "region_id",
    "institution",
    "program_name",
    "cip",
    "n_socs",
    "socs_linked",
    "openings_linked",
    "share_high_wage",
    "share_in_demand",
    "share_high_skill",
    "share_hshwid",
    "allocation_mode",
]


def soc_cluster_table(cfg: Config, ref: Reference) -> pd.DataFrame:
    """SOC → cluster for the run's framework: Advance CTE's SOC crosswalk (2024), O*NET's legacy export,
    or — without either — through the programs that prepare for each occupation (CIP → SOC links and the
    CIP → cluster table), each SOC in the cluster most of its programs belong to."""
    cw = cfg.crosswalks
    rule = "split" if cfg.cluster_rule == "split" else "primary"
    if cfg.framework == "2024" and "advance_cte_dir" in cw:
        official = reference.read_advance_cte_crosswalks(cw["advance_cte_dir"])
        if "soc_cluster" in official:
            return occ_mod.soc_cluster_map(official["soc_cluster"], rule, framework="2024")
    if cfg.framework == "legacy" and "onet_clusters" in cw:
        onet = onet_soc_cluster(read_onet_career_clusters(cw["onet_clusters"]))
        return occ_mod.soc_cluster_map(onet, rule, framework="legacy")
    lookup = reference.lookup_cip_cluster(ref.cip_soc["cip"].reset_index(drop=True), ref.cip_cluster)
    links = ref.cip_soc.reset_index(drop=True)[["cip", "soc"]].join(lookup[["cluster_code"]])
    links = links.dropna(subset=["cluster_code"])
    counts = links.groupby(["soc", "cluster_code"], as_index=False).size().rename(columns={"size": "share"})
    return occ_mod.soc_cluster_map(counts, rule, framework=cfg.framework)


def regions_with_oews_areas(cfg: Config, inputs: Inputs, weights: pd.Series | None) -> pd.DataFrame:
    """Each county's OEWS area and its weight (the county's share of that area's employment).

    The area is the region file's ``oews_area`` when given; else the county's metro area from the CBSA
    delineation when the OEWS file has it; else the state, when the OEWS file has the state; else the
    nation (``99``). The weight is the county's QCEW employment over the area's OEWS all-occupation
    employment, so a region standing on a large area gets its share of that area's jobs, not all of them.
    """
    oews = inputs.oews
    regions = inputs.regions[["county_fips", "region_id"]].copy()
    given = (
        inputs.regions["oews_area"]
        if "oews_area" in inputs.regions
        else pd.Series(pd.NA, index=regions.index)
    )
    areas = set(oews["area_code"].astype(str))
    area = given.astype("string").where(given.astype("string").isin(areas))
    if area.isna().any() and cfg.inputs.cbsa_delineation is not None:
        delineation = read_cbsa_delineation(cfg.inputs.cbsa_delineation)
        derived = oews_area_for_counties(delineation, regions["county_fips"], oews_areas=areas)
        area = area.fillna(pd.Series(derived["oews_area"].to_numpy(), index=regions.index, dtype="string"))
    state = cfg.state_fips
    area = area.where(area.isin(areas))
    area = area.fillna(state if state in areas else NATION_OEWS_AREA)
    regions["oews_area"] = area.astype("string")
    totals = (
        oews[(oews["soc"] == "00-0000")].drop_duplicates("area_code").set_index("area_code")["employment"]
    )
    if weights is not None and len(weights):
        county = regions["county_fips"].map(weights).astype("Float64")
        area_total = regions["oews_area"].map(totals).astype("Float64")
        regions["weight"] = (county / area_total.mask(area_total == 0)).astype("Float64")
    return regions


def occupation_stage(
    cfg: Config, inputs: Inputs, ref: Reference, programs: pd.DataFrame, family: pd.DataFrame,
    weights: pd.Series | None,
) -> dict[str, pd.DataFrame]:  # fmt: skip
    """The occupation side of demand (needs inputs.oews and inputs.projections).

    Returns ``occupation_demand`` (region × cluster: occupation employment, openings, wages, share of
    openings at the family-supporting wage), ``occupations`` (region × SOC with the preset's
    high-skill, high-wage, in-demand tests) and ``program_occupations`` (each program's linked openings
    and the shares of its allocation that go to occupations meeting each test).
    """
    projections = pd.concat([read_projections(p) for p in cfg.inputs.projections], ignore_index=True)
    soc_cluster = soc_cluster_table(cfg, ref)
    regions_oews = regions_with_oews_areas(cfg, inputs, weights)
    demand = occ_mod.occupation_demand_by_region(regions_oews, inputs.oews, projections, soc_cluster, family)

    occ = occ_mod.region_occupations(regions_oews, inputs.oews)
    area = occ.rename(columns={"region_id": "area_id"})[["area_id", "soc", "employment", "state_fips"]]
    openings = occ_mod.openings_by_area(projections, area, inputs.oews).rename(
        columns={"area_id": "region_id"}
    )
    occ = occ.merge(
        openings[["region_id", "soc", "openings_annual", "openings_source"]],
        on=["region_id", "soc"],
        how="left",
    )
    attrs = ["soc", "employment_change_pct", "education_entry", "training_ojt", "base_year", "proj_year"]
    nat = projections[projections["area_type"] == "nation"]
    nat = nat[[c for c in attrs if c in nat.columns]].drop_duplicates("soc")
    occ = occ.merge(nat, on="soc", how="left")
    occ["projection_years"] = (occ["proj_year"] - occ["base_year"]).astype("Float64")
    occ = occ.rename(columns={"education_entry": "education", "training_ojt": "training"})
    median = regional_median_wage(inputs, inputs.regions)
    occ["area_median_hourly_usd"] = occ["region_id"].map(median).astype("Float64")
    occ["family_wage_hourly_usd"] = occ["region_id"].map(family.set_index("region_id")["wage_hourly_usd"])
    occ = classify_occupations(occ, cfg.thresholds, area="region_id")
    occ = occ.sort_values(["region_id", "soc"], kind="mergesort").reset_index(drop=True)

    links = occ_mod.allocate_programs_to_socs(
        programs[["region_id", "institution", "program_name", "cip"]].drop_duplicates(),
        ref.cip_soc,
        cfg.occupation_allocation,
        occ[["region_id", "soc", "employment"]],
    )
    tests = ["high_wage", "in_demand", "high_skill", "hshwid", "openings_annual"]
    links = links.merge(occ[["region_id", "soc", *tests]], on=["region_id", "soc"], how="left")
    program_occ = occ_mod.program_test_shares(links, ["region_id", "institution", "program_name", "cip"])
    program_occ["allocation_mode"] = cfg.occupation_allocation
    program_occ = program_occ[PROGRAM_OCCUPATION_COLUMNS]
    demand = demand.merge(ref.clusters[["cluster_code", "cluster_name"]], on="cluster_code", how="left")
    return {"occupation_demand": demand, "occupations": occ, "program_occupations": program_occ}


def load_processed(out_dir: Path) -> dict[str, pd.DataFrame]:
    """Every table a run wrote, by name."""
    return {p.stem: pd.read_parquet(p) for p in sorted(Path(out_dir).glob("*.parquet"))}
