"""The build chain: raw files read once, measures computed in order, tables checked and written.

:func:`build` is the one path from a config to the tables of a run::

    raw files ──read_inputs / load_reference──▶ tidy inputs (alignment.inputs)
      ──▶ demand      region × cluster jobs and location quotients       (alignment.demand, alignment.lq)
                  shift-share of the change in jobs between two years    (alignment.shift_share)
      ──▶ supply      programs → regions and clusters, counts per cluster (alignment.supply)
      ──▶ alignment   shares, gap, ratio, dissimilarity                   (alignment.align)
      ──▶ wages       program wages, the family-supporting wage           (alignment.demand, alignment.family_wage)
      ──▶ occupations openings, wages and tests per occupation            (alignment.occupations, alignment.criteria)
                  completers against openings, per occupation and program (alignment.occupation_alignment)
      ──▶ flags       the pathways that need attention                    (alignment.flags)
      ──▶ context     peer regions, changes since the previous year       (alignment.peers, alignment.changes)

Each table is checked against its pandera model (:mod:`alignment.schemas`) as it leaves its step, so a
wrong table stops the run where it was made. :meth:`Tables.write` writes them all to a processed folder,
each file atomically; the reports read only that folder. Nothing here runs a notebook: the notebooks
are views of a processed run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from . import align as align_mod
from . import demand as demand_mod
from . import flags as flags_mod
from . import occupations as occ_mod
from . import reference, schemas
from . import shift_share as shift_share_mod
from . import supply as supply_mod
from .atomic import atomic_path
from .config import Config
from .constants import NATION_OEWS_AREA, default_thresholds, privacy_threshold
from .criteria import classify_occupations
from .decisions import decision_lists
from .errors import InputError, Problem
from .family_wage import county_employment, family_wages, regional_median_wage
from .inputs import (
    Inputs,
    Reference,
    input_notes_table,
    institution_points,
    load_reference,
    migrate_old_cips,
    read_inputs,
    relative_names,
)
from .occupation_alignment import occupation_alignment
from .publish import program_states
from .soc_vintage import onet_clusters_for_run, projections_for_run
from .sources.cbsa import oews_area_for_counties, read_cbsa_delineation
from .sources.onet_clusters import onet_soc_cluster

UNMATCHED_COLUMNS = ["stage", "source_file", "source_row", "column", "value", "reason"]
#: the columns of the regions table written with a run (the reports name regions and counties from it)
REGION_COLUMNS = ["region_id", "region_name", "county_fips", "county_name", "region_type", "oews_area"]

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


class BuildError(RuntimeError):
    """A table that does not match its model: a defect of the tool, not of the input files."""


@dataclass
class Tables:
    """The tables of a run, as :func:`build` returns them and ``data/processed/<run>/`` holds them.

    Optional tables are ``None`` when the run has no input for them (no OEWS file: no wages; no
    projections: no occupation tables; no IPEDS directory: no institution points).
    """

    regions: pd.DataFrame
    counties: pd.DataFrame  # a GeoDataFrame: county_fips, county_name, geometry
    demand: pd.DataFrame
    shift_share: pd.DataFrame
    programs: pd.DataFrame
    supply: pd.DataFrame
    supply_subcluster: pd.DataFrame
    unmatched: pd.DataFrame
    alignment: pd.DataFrame
    dissimilarity: pd.DataFrame
    family_wage: pd.DataFrame
    flags: pd.DataFrame
    input_notes: pd.DataFrame
    peers: pd.DataFrame
    changes_run: pd.DataFrame
    flag_changes: pd.DataFrame
    gap_shifts: pd.DataFrame
    institutions: pd.DataFrame | None = None
    cip_migrations: pd.DataFrame | None = None
    program_wages: pd.DataFrame | None = None
    occupation_demand: pd.DataFrame | None = None
    occupations: pd.DataFrame | None = None
    program_occupations: pd.DataFrame | None = None
    occupation_alignment: pd.DataFrame | None = None
    program_alignment: pd.DataFrame | None = None
    decisions: pd.DataFrame | None = None
    staffing_coverage: pd.DataFrame | None = None
    seconds: dict[str, float] = field(default_factory=dict, compare=False, repr=False)

    def items(self) -> Iterator[tuple[str, pd.DataFrame]]:
        """(name, table) of every table the run has, in a fixed order."""
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, pd.DataFrame):
                yield f.name, value

    def as_dict(self) -> dict[str, pd.DataFrame]:
        return dict(self.items())

    def write(self, folder: str | Path) -> list[Path]:
        """Write every table to ``folder/<name>.parquet``, each atomically; returns the files."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        return [write_table(df, folder / f"{name}.parquet") for name, df in self.items()]


# --------------------------------------------------------------------------------------------- reading, writing


def write_table(df: pd.DataFrame, path: Path) -> Path:
    """Write a parquet table atomically (temp file in the same folder, then rename); geometry as GeoParquet."""
    with atomic_path(path, suffix=".parquet") as tmp:
        df.reset_index(drop=True).to_parquet(tmp, index=False)
    return path


#: tables stored as GeoParquet (read back with their geometry)
GEO_TABLES = frozenset({"counties"})


def read_table(folder: str | Path, name: str, filters: list[tuple] | None = None) -> pd.DataFrame:
    """A table of a processed run; ``filters`` (pyarrow's ``[(column, op, value)]``) reads only the rows wanted."""
    path = Path(folder) / f"{name}.parquet"
    if name in GEO_TABLES:
        import geopandas as gpd

        return gpd.read_parquet(path, filters=filters)
    return pd.read_parquet(path, filters=filters)


def load_processed(folder: str | Path) -> dict[str, pd.DataFrame]:
    """Every table of a processed run, by name."""
    return {p.stem: read_table(folder, p.stem) for p in sorted(Path(folder).glob("*.parquet"))}


# ----------------------------------------------------------------------------------------------- checking

#: the pandera model each table is checked against as it leaves its step
TABLE_MODELS: dict[str, type[pa.DataFrameModel]] = {
    "regions": schemas.Regions,
    "demand": schemas.Demand,
    "shift_share": schemas.ShiftShare,
    "programs": schemas.Programs,
    "supply": schemas.Supply,
    "alignment": schemas.Alignment,
    "dissimilarity": schemas.Dissimilarity,
    "family_wage": schemas.FamilyWageTable,
    "flags": schemas.Flags,
    "peers": schemas.Peers,
    "occupation_alignment": schemas.OccupationAlignment,
}


def check_table(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """Check a table against its model (:data:`TABLE_MODELS`); raise :class:`BuildError` naming each problem."""
    model = TABLE_MODELS.get(name)
    if model is None:
        return df
    try:
        return model.validate(df, lazy=True)
    except (pa.errors.SchemaErrors, pa.errors.SchemaError) as exc:
        cases = getattr(exc, "failure_cases", None)
        detail = (
            "; ".join(
                f"{r.column}: {r.check} (e.g. {r.failure_case!r})"
                for r in cases.drop_duplicates(["column", "check"]).head(8).itertuples()
            )
            if cases is not None
            else str(exc)
        )
        raise BuildError(
            f"the {name} table does not match its model (alignment.schemas.{model.__name__}): {detail}. "
            "This is a defect of the tool, not of your files; please report it with the config."
        ) from exc


# ---------------------------------------------------------------------------------------------- the chain


def build(
    cfg: Config,
    inputs: Inputs | None = None,
    ref: Reference | None = None,
    *,
    progress: Callable[[str], None] | None = None,
) -> Tables:
    """Every table of a run from its config: raw files read once, each measure computed once, in order.

    ``inputs`` and ``ref`` may be given when already read (``run`` reads them first to report every
    problem of every file before anything is written). ``progress`` is called with each step's name as it
    starts. The changes since the previous year compare with the latest earlier run found beside
    ``cfg.processed_dir`` (:func:`alignment.changes.find_previous_run`).
    """
    seconds: dict[str, float] = {}
    clock = [time.perf_counter(), ""]

    def step(name: str) -> None:
        now = time.perf_counter()
        if clock[1]:
            seconds[str(clock[1])] = now - float(clock[0])
        clock[0], clock[1] = now, name
        if progress is not None and name:
            progress(name)

    step("read inputs")
    inputs = read_inputs(cfg) if inputs is None else inputs
    ref = load_reference(cfg) if ref is None else ref
    regions = region_table(cfg, inputs.regions)

    step("counties")
    from . import maps

    counties = maps.load_counties(cfg.state_fips, cfg.inputs.geometry)

    step("demand")
    demand = check_table("demand", demand_table(cfg, inputs, ref))
    shift_share = check_table("shift_share", shift_share_table(cfg, inputs, ref, demand))

    step("supply")
    enrollment = inputs.enrollment
    migrated = migrate_old_cips(cfg, enrollment)
    lookup = reference.lookup_cip_cluster(enrollment["cip"], ref.cip_cluster)
    institutions = institution_points(cfg, enrollment, inputs.regions)
    if inputs.places is not None:  # awards placed where they are taught (inputs.institution_places)
        t = privacy_threshold(cfg.thresholds)
        enrollment = supply_mod.place_programs(
            enrollment, inputs.places, inputs.regions, lookup, cfg.cluster_rule, min_part=t
        )
    programs, unmatched = supply_mod.assign_programs(
        enrollment, inputs.regions, lookup, rule=cfg.cluster_rule
    )
    supply = check_table("supply", supply_mod.supply_by_cluster(programs))
    by_subcluster = supply_mod.supply_by_cluster(programs, subclusters=True)
    unmatched = _unmatched([unmatched])
    # files named as the config names them, so tables hold no machine-specific paths
    for table in (programs, unmatched):
        table["source_file"] = relative_names(cfg, table["source_file"])
    if migrated is not None:
        migrated["source_file"] = relative_names(cfg, migrated["source_file"])
    programs = check_table("programs", programs.reset_index(drop=True))

    step("alignment")
    year_programs = programs[programs["year"] == cfg.year].reset_index(drop=True)
    alignment = align_mod.align(
        supply,
        demand,
        ref.clusters,
        inputs.regions,
        year=cfg.year,
        measure=cfg.supply_measure,
        demand_year=cfg.industry_year,
    )
    alignment = check_table("alignment", alignment)
    dissimilarity = check_table("dissimilarity", align_mod.dissimilarity(alignment))

    step("wages")
    program_wages = None
    if inputs.oews is not None:
        program_wages = demand_mod.occupation_wages_for_programs(
            year_programs, ref.cip_soc, inputs.oews, inputs.regions, fallback_area=cfg.state_fips
        )
    weights = county_employment(inputs.qcew, cfg.industry_year)
    weights = weights if len(weights) else None
    family = family_wages(
        cfg, inputs.regions, living_wage=inputs.living_wage, oews=inputs.oews, weights=weights
    )
    family = check_table("family_wage", family)

    step("occupations")
    occupation_tables: dict[str, pd.DataFrame] = {}
    if inputs.oews is not None and cfg.inputs.projections:
        states = program_states({"alignment": alignment, "supply": supply, "programs": programs}, cfg)
        occupation_tables = occupation_tables_for(cfg, inputs, ref, year_programs, family, weights, states)

    step("flags")
    flags = flags_mod.flag_pathways(
        year_programs,
        alignment,
        program_wages,
        # the family type, for the living-wage rule only (the other rules have none)
        family.assign(
            family_type=cfg.family_wage.describe() if cfg.family_wage.source == "living_wage" else pd.NA
        ),
        cfg.thresholds,
        program_occupations=occupation_tables.get("program_occupations"),
        preset=cfg.preset,
        occupation_alignment=occupation_tables.get("occupation_alignment"),
        program_alignment=occupation_tables.get("program_alignment"),
        award_education=reference.load_award_education(),
    )
    flags = check_table("flags", flags_mod.rank_pathways(flags))
    decisions = None
    if "occupation_alignment" in occupation_tables:
        decisions = decision_lists(
            flags,
            occupation_tables["occupation_alignment"],
            occupation_tables["program_alignment"],
            cfg.thresholds,
        )

    step("peers and changes")
    from . import changes, peers

    peer_table = check_table("peers", peers.peer_regions(alignment[alignment["year"] == cfg.year]))
    tables = Tables(
        regions=regions,
        counties=counties,
        demand=demand,
        shift_share=shift_share,
        programs=programs,
        supply=supply,
        supply_subcluster=by_subcluster,
        unmatched=unmatched,
        alignment=alignment,
        dissimilarity=dissimilarity,
        family_wage=family,
        flags=flags,
        input_notes=input_notes_table(cfg, inputs.notes),
        peers=peer_table,
        changes_run=changes.empty_run_table(),
        flag_changes=changes.empty_flag_changes(),
        gap_shifts=changes.empty_gap_shifts(),
        institutions=institutions,
        cip_migrations=migrated,
        program_wages=program_wages,
        occupation_demand=occupation_tables.get("occupation_demand"),
        occupations=occupation_tables.get("occupations"),
        program_occupations=occupation_tables.get("program_occupations"),
        occupation_alignment=occupation_tables.get("occupation_alignment"),
        program_alignment=occupation_tables.get("program_alignment"),
        decisions=decisions,
        staffing_coverage=occupation_tables.get("staffing_coverage"),
    )
    yoy = changes.year_over_year_tables(cfg, tables.as_dict(), cfg.processed_dir)
    tables.changes_run, tables.flag_changes, tables.gap_shifts = (
        yoy["changes_run"],
        yoy["flag_changes"],
        yoy["gap_shifts"],
    )
    step("")
    tables.seconds = seconds
    return tables


def region_table(cfg: Config, regions: pd.DataFrame) -> pd.DataFrame:
    """The regions of a run as the reports need them: one row per county, the region's name and type."""
    out = regions[[c for c in REGION_COLUMNS if c in regions.columns]].copy()
    for c in REGION_COLUMNS:
        if c not in out.columns:
            out[c] = pd.Series(pd.NA, index=out.index, dtype="string")
    out = out[REGION_COLUMNS].astype("string")
    return check_table("regions", out.reset_index(drop=True))


def _naics_long(inputs: Inputs, ref: Reference) -> pd.DataFrame:
    """The run's NAICS codes mapped to clusters (the crosswalk in force)."""
    return reference.map_naics_to_clusters(
        inputs.qcew["industry_code"].drop_duplicates().reset_index(drop=True), ref.naics_cluster
    )


def demand_table(cfg: Config, inputs: Inputs, ref: Reference) -> pd.DataFrame:
    """Industry demand per region × cluster × year (QCEW), with location quotients against the base area."""
    demand = demand_mod.demand_by_region(
        inputs.qcew, inputs.regions, _naics_long(inputs, ref), base_area=cfg.inputs.qcew_base_area
    )
    return demand.merge(ref.clusters[["cluster_code", "cluster_name"]], on="cluster_code", how="left")


def shift_share_table(cfg: Config, inputs: Inputs, ref: Reference, demand: pd.DataFrame) -> pd.DataFrame:
    """Shift-share of each region × cluster's change in jobs from the first to the last QCEW year, against the
    run's base area (no rows when the QCEW holds one year)."""
    base = cfg.inputs.qcew_base_area
    if shift_share_mod.shift_share_years(demand["year"]) is None:
        out = shift_share_mod.empty_shift_share()
    else:
        base_emp = shift_share_mod.base_area_employment(inputs.qcew, _naics_long(inputs, ref), base)
        out = shift_share_mod.shift_share(demand, base_emp, base_area=base)
    return out.merge(ref.clusters[["cluster_code", "cluster_name"]], on="cluster_code", how="left")


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


# ------------------------------------------------------------------------------------------ occupation side


def _add_notes(notes: list[Problem] | None, found: list[Problem]) -> None:
    """Add the notes ``found`` to ``notes`` (each once, so a second build on the same inputs adds none)."""
    if notes is None:
        return
    for note in found:
        if note not in notes:
            notes.append(note)


def soc_cluster_table(cfg: Config, ref: Reference, notes: list[Problem] | None = None) -> pd.DataFrame:
    """SOC → cluster for the run's framework: Advance CTE's SOC crosswalk (2024), O*NET's legacy export,
    or — without either — through the programs that prepare for each occupation (CIP → SOC links and the
    CIP → cluster table), each SOC in the cluster most of its programs belong to. The notes on an O*NET
    export written in SOC 2010 (converted, or passed on without a crosswalk) are added to ``notes``."""
    cw = cfg.crosswalks
    rule = "split" if cfg.cluster_rule == "split" else "primary"
    if cfg.framework == "2024" and "advance_cte_dir" in cw:
        official = reference.read_advance_cte_crosswalks(cw["advance_cte_dir"])
        if "soc_cluster" in official:
            return occ_mod.soc_cluster_map(official["soc_cluster"], rule, framework="2024")
    if cfg.framework == "legacy" and "onet_clusters" in cw:
        clusters, found = onet_clusters_for_run(cfg)
        _add_notes(notes, found)
        onet = onet_soc_cluster(clusters)
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


def staffing_employment(cfg: Config, inputs: Inputs, occ: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The region × SOC table with each region's employment by the staffing pattern of its industries
    (:mod:`alignment.staffing`): QCEW jobs of the demand year × national occupation shares of each industry.
    Wages stay the OEWS ones. Returns the table and the coverage (jobs placed, unlisted, unplaced)."""
    from .sources.staffing import read_soc_crosswalk_2010_2018, read_staffing_patterns, to_soc_2018
    from .staffing import staffing_tables

    staffing = read_staffing_patterns(list(cfg.inputs.staffing_patterns))
    if (staffing["soc_vintage"].astype("string") == "2010").any():
        if "soc_2010_2018" not in cfg.crosswalks:
            raise InputError(
                [
                    Problem(
                        str(cfg.path),
                        cfg.line_of("inputs", "staffing_patterns"),
                        "crosswalks.soc_2010_2018",
                        "the staffing patterns use SOC 2010 codes; give the BLS SOC 2010 → 2018 crosswalk "
                        "(crosswalks.soc_2010_2018) so their occupations can be matched",
                    )
                ]
            )
        nation = inputs.oews[inputs.oews["area_code"].astype("string") == NATION_OEWS_AREA]
        weights = pd.to_numeric(nation.drop_duplicates("soc").set_index("soc")["employment"], errors="coerce")
        crosswalk = read_soc_crosswalk_2010_2018(cfg.crosswalks["soc_2010_2018"])
        staffing, _ = to_soc_2018(staffing, crosswalk, weights=weights.dropna())
    year = cfg.industry_year
    placed, coverage = staffing_tables(inputs.qcew, inputs.regions, staffing, year)
    jobs = placed.set_index(["region_id", "soc"])["employment"]
    key = pd.MultiIndex.from_frame(occ[["region_id", "soc"]].astype("string"))
    out = occ.copy()
    # an occupation the patterns give no job in the region has none (not an unknown)
    out["employment"] = pd.Series(jobs.reindex(key).to_numpy(), index=out.index).astype("Float64").fillna(0.0)
    out["suppressed"] = False
    out["employment_method"] = pd.Series("staffing pattern", index=out.index, dtype="string")
    return out, coverage


def occupation_tables_for(
    cfg: Config, inputs: Inputs, ref: Reference, programs: pd.DataFrame, family: pd.DataFrame,
    weights: pd.Series | None, states: dict[str, pd.DataFrame] | None = None,
) -> dict[str, pd.DataFrame]:  # fmt: skip
    """The occupation side of demand (needs inputs.oews and inputs.projections).

    Returns ``occupation_demand`` (region × cluster: occupation employment, openings, wages, share of
    openings at the family-supporting wage), ``occupations`` (region × SOC with the preset's
    high-skill, high-wage, in-demand tests) and ``program_occupations`` (each program's linked openings
    and the shares of its allocation that go to occupations meeting each test).
    """
    # older vintages in SOC 2010 are converted to SOC 2018; the notes say so in the reports' data notes
    projections, found = projections_for_run(cfg, inputs.oews)
    _add_notes(inputs.notes, found)
    soc_cluster = soc_cluster_table(cfg, ref, inputs.notes)
    regions_oews = regions_with_oews_areas(cfg, inputs, weights)
    occ = occ_mod.region_occupations(regions_oews, inputs.oews)
    coverage = None
    if cfg.occupation_employment == "staffing_pattern":
        occ, coverage = staffing_employment(cfg, inputs, occ)
    else:
        occ["employment_method"] = pd.Series("OEWS areas", index=occ.index, dtype="string")
    # openings scale by the national employment of the same concept as the region's: OEWS jobs for OEWS areas;
    # for a staffing pattern (all of an industry's workers) the projections' own national employment
    reference = inputs.oews if coverage is None else occ_mod.projections_reference(projections)
    demand = occ_mod.occupation_demand_by_region(
        regions_oews,
        inputs.oews,
        projections,
        soc_cluster,
        family,
        occupations=occ,
        openings_reference=reference,
    )
    area = occ.rename(columns={"region_id": "area_id"})[["area_id", "soc", "employment", "state_fips"]]
    openings = occ_mod.openings_by_area(projections, area, reference).rename(columns={"area_id": "region_id"})
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
    median = regional_median_wage(inputs.oews, inputs.regions)
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
    occ_alignment, program_alignment = occupation_alignment(
        occ,
        programs,
        ref.cip_soc,
        soc_cluster,
        mode=cfg.occupation_allocation,
        floor_share=float({**default_thresholds(), **cfg.thresholds}["wage_floor_share"]),
        states=(states or {}).get("completers"),
        pipeline_states=(states or {}).get("concentrators"),
        threshold=privacy_threshold(cfg.thresholds),
    )
    extra = {} if coverage is None else {"staffing_coverage": coverage}
    return {
        **extra,
        "occupation_demand": demand,
        "occupations": occ,
        "program_occupations": program_occ,
        "occupation_alignment": check_table("occupation_alignment", occ_alignment),
        "program_alignment": program_alignment,
    }
