"""The inputs of a run: every raw file read and checked once, and the crosswalks in force.

:func:`read_inputs` reads the files a config names into tidy tables (one :class:`InputError` lists
every problem of every file) and collects the warnings a report's data notes carry;
:func:`load_reference` gives the crosswalks (built-in, user overrides, or the official Advance CTE
workbooks). The tidy steps that prepare the supply side (CIP 2010 → 2020 migration, institution
points, file names as the config writes them) are here too. :mod:`alignment.build` computes the
measures from these tables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import reference
from . import supply as supply_mod
from .config import Config
from .errors import InputError, Problem
from .family_wage import check_family_type
from .sources.cip import migrate_cip, read_cip_crosswalk_2010_2020, read_cip_list
from .sources.cip_soc import cip_soc_links, read_cip_soc_crosswalk
from .sources.enrollment import read_enrollment
from .sources.ipeds import completions_as_enrollment, read_ipeds_completions, read_ipeds_hd
from .sources.living_wage import read_living_wage
from .sources.oews import read_oews
from .sources.places import read_places
from .sources.qcew import read_qcew
from .sources.regions import read_regions
from .suggest import read_accepted_mapping


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
    #: the institution places file (``inputs.institution_places``), read and checked; placed by the build
    places: pd.DataFrame | None = None


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
    reader_notes: list[Problem] = []  # what readers changed and say so (rows dropped as exact repeats)
    living = (
        _collect(problems, lambda: read_living_wage(ins.living_wage, notes=reader_notes))
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
    places = None
    if enrollment is not None and regions is not None and ins.institution_places is not None:
        try:
            places = read_institution_places(cfg, enrollment, regions, notes=reader_notes)
        except InputError as exc:
            problems.extend(exc.problems)
    if enrollment is not None and regions is not None:
        problems.extend(_check_enrollment_against_regions(cfg, enrollment, regions))
    if qcew is not None:
        problems.extend(_check_qcew(cfg, qcew))
    if living is not None:
        problems.extend(check_family_type(cfg, living))
    if problems:
        raise InputError(problems)
    notes: list[Problem] = list(reader_notes)
    if qcew is not None and regions is not None:
        notes.extend(_counties_without_jobs(cfg, qcew, regions))
    if oews is not None:
        notes.extend(_oews_vintage(cfg, oews))
    if living is not None:
        notes.extend(_living_wage_vintage(cfg, living))
    return Inputs(
        enrollment=enrollment,
        qcew=qcew,
        regions=regions,
        oews=oews,
        living_wage=living,
        notes=notes,
        places=places,
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


def read_institution_places(
    cfg: Config, enrollment: pd.DataFrame, regions: pd.DataFrame, notes: list[Problem] | None = None
) -> pd.DataFrame:
    """The institution places file (``inputs.institution_places``), read and checked against the run.

    A county of the file in no region is a problem naming the file, row and column; a row that places
    nothing (an institution no supply row names, a program family none of its programs is in) is a note
    added to ``notes``. The build places the supply with it (:func:`alignment.supply.place_programs`).
    """
    places = read_places(cfg.inputs.institution_places)
    known = set(regions["county_fips"])
    problems = [
        Problem(
            str(r.source_file),
            int(r.source_row),
            "county_fips",
            f"county {r.county_fips} is not in any region of {cfg.inputs.regions.name}; a campus outside the "
            "regions cannot take a share of the awards",
        )
        for r in places[~places["county_fips"].isin(known)].itertuples()
    ]
    if problems:
        raise InputError(problems)
    _, unused = supply_mod.match_places(enrollment, places)
    if notes is not None:
        for r in unused.itertuples():
            who = f"UNITID {r.unitid}" if pd.notna(r.unitid) else repr(str(r.institution))
            family = f", program family {r.cip}" if pd.notna(r.cip) else ""
            notes.append(Problem(str(r.source_file), int(r.source_row), None, f"{who}{family}: {r.reason}"))
    return places


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


# ------------------------------------------------------------------------------------------- tidy steps


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


def relative_names(cfg: Config, files: pd.Series) -> pd.Series:
    """File names as the config writes them, worked out once per distinct file (a column repeats one name)."""
    codes, uniques = pd.factorize(files)
    names = pd.array([cfg.relative(Path(f)) if isinstance(f, str) else f for f in uniques], dtype="string")
    return pd.Series(names.take(codes, allow_fill=True), index=files.index)
