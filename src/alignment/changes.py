"""Year over year: what changed since the run of an earlier year — flags added and cleared, shifts in gap.

The earlier run is found beside this one: every folder next to the run's processed folder whose
``manifest.json`` (written by :mod:`alignment.run` into both ``data/processed/<run>/`` and
``reports/<run>/``) names the same ``state_fips``, cluster ``framework`` and supply measure and an
earlier ``year``; the latest such year wins. An explicit ``previous_processed_dir`` overrides the search.

:func:`year_over_year_tables` makes the three tables a run keeps (``changes_run``, ``flag_changes``,
``gap_shifts``, computed by :func:`alignment.build.build`); the reports and the index read them back
with :func:`from_tables`.

Both years are compared as *published* (:func:`alignment.publish.protect_tables`), so nothing
here shows more than the two years' own reports do: a gap is compared only when both years show it
(a hidden or small count, or a region total below the threshold, hides the gap and so the shift).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .config import Config
from .publish import protect_tables

#: the columns that identify one flag across years
FLAG_KEY = ["region_id", "flag", "cluster_code", "institution", "program_name", "cip"]
#: flags decided on completers against openings, or on the cluster mix without projections (``basis``)
RULE_CHANGED_FLAGS = frozenset({"OVERSUPPLIED", "UNDERSUPPLIED", "BELOW_FAMILY_WAGE", "LOW_DEMAND"})
#: data notes rather than findings: left out of the year-over-year lists
DATA_NOTE_FLAGS = frozenset({"SUPPRESSED", "UNMATCHED_PROGRAM"})
SHIFT_COLUMNS = ["region_id", "cluster_code", "cluster_name", "gap_previous", "gap", "shift"]
#: what each input role of a manifest is, in a reader's words (crosswalk roles are one: "crosswalks")
INPUT_NAMES = {
    "enrollment": "enrollment",
    "ipeds_completions": "completions (IPEDS)",
    "ipeds_hd": "institution directory (IPEDS)",
    "regions": "regions",
    "qcew": "industry jobs (QCEW)",
    "projections": "openings (BLS projections)",
    "oews": "wages (OEWS)",
    "living_wage": "living wage",
    "staffing_patterns": "staffing patterns",
    "cip_list": "program titles (CIP)",
    "cbsa_delineation": "metro areas (CBSA)",
    "geometry": "county boundaries",
    "crosswalks": "crosswalks",
}


@dataclass(frozen=True)
class PreviousRun:
    """An earlier run to compare with: its processed folder, run name and analysis year."""

    processed_dir: Path
    run: str
    year: int


def read_manifest(folder: str | Path) -> dict | None:
    """The ``manifest.json`` of a run folder, or None when it is missing or unreadable."""
    path = Path(folder) / "manifest.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _input_name(role: str) -> str:
    role = "crosswalks" if role.startswith("crosswalk:") else role
    return INPUT_NAMES.get(role, role.replace("_", " "))


def input_changes(previous: list[dict], current: list[dict]) -> tuple[list[str], list[str]]:
    """(changed, unchanged): the inputs, by role in a reader's words, whose files differ between two runs'
    manifests (``inputs`` records: role, sha256) — a role is changed when its set of file contents differs,
    including a role only one run has.

    >>> before = [{"role": "qcew", "sha256": "a"}, {"role": "enrollment", "sha256": "b"}]
    >>> now = [{"role": "qcew", "sha256": "a"}, {"role": "enrollment", "sha256": "c"},
    ...        {"role": "living_wage", "sha256": "d"}]
    >>> input_changes(before, now)
    (['enrollment', 'living wage'], ['industry jobs (QCEW)'])
    """

    def by_name(records: list[dict]) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for r in records:
            out.setdefault(_input_name(str(r.get("role", ""))), set()).add(str(r.get("sha256", "")))
        return out

    a, b = by_name(previous), by_name(current)
    order = [*b, *(k for k in a if k not in b)]
    changed = [k for k in order if a.get(k) != b.get(k)]
    same = [k for k in order if a.get(k) == b.get(k)]
    return changed, same


def _state(value: object) -> str:
    text = str(value or "").strip()
    return text.zfill(2) if text.isdigit() else text


def _manifest_facts(manifest: dict) -> tuple[str, str, str, int | None]:
    """(state_fips, framework, supply measure, year) as a run's manifest records them (config defaults)."""
    config = manifest.get("config") or {}
    year = manifest.get("year", config.get("year"))
    try:
        year = int(year)
    except (TypeError, ValueError):
        year = None
    return (
        _state(config.get("state_fips")),
        str(config.get("framework") or "2024"),
        str(config.get("supply_measure") or "completers"),
        year,
    )


def find_previous_run(
    processed_dir: str | Path,
    *,
    state_fips: str,
    framework: str,
    year: int,
    supply_measure: str | None = None,
    exclude: Iterable[str | Path] = (),
) -> PreviousRun | None:
    """The latest run before ``year`` among the sibling folders of ``processed_dir``, or None.

    A sibling qualifies when it is not hidden (a run's staging folders start with a dot), holds
    ``manifest.json``, ``alignment.parquet`` and ``flags.parquet``, and its manifest names the same state,
    framework (and supply measure, when given) and an earlier year. Among runs of the same year the
    folder name decides, so the choice is deterministic.
    """
    here = Path(processed_dir).resolve()
    skip = {here, *(Path(p).resolve() for p in exclude)}
    found: list[tuple[int, str, Path]] = []
    if not here.parent.is_dir():
        return None
    for folder in sorted(here.parent.iterdir()):
        if not folder.is_dir() or folder.name.startswith(".") or folder.resolve() in skip:
            continue
        if not ((folder / "alignment.parquet").is_file() and (folder / "flags.parquet").is_file()):
            continue
        manifest = read_manifest(folder)
        if manifest is None:
            continue
        st, fw, measure, y = _manifest_facts(manifest)
        if st != _state(state_fips) or fw != str(framework) or y is None or y >= int(year):
            continue
        if supply_measure is not None and measure != supply_measure:
            continue
        found.append((y, folder.name, folder))
    if not found:
        return None
    y, _, folder = max(found)
    return PreviousRun(folder, str((read_manifest(folder) or {}).get("run") or folder.name), y)


def previous_run_for(
    cfg: Config, processed_dir: str | Path, previous_processed_dir: str | Path | None = None
) -> PreviousRun | None:
    """The run to compare ``cfg``'s run with: ``previous_processed_dir`` when given, else the search.

    An explicit folder must hold the run's tables; its year comes from its manifest, else from the
    ``year`` of its alignment table.
    """
    if previous_processed_dir is None:
        return find_previous_run(
            processed_dir,
            state_fips=cfg.state_fips,
            framework=cfg.framework,
            year=cfg.year,
            supply_measure=cfg.supply_measure,
        )
    folder = Path(previous_processed_dir)
    if not (folder / "alignment.parquet").is_file():
        raise FileNotFoundError(f"no alignment.parquet in the previous run folder {folder}")
    manifest = read_manifest(folder) or {}
    year = _manifest_facts(manifest)[3]
    if year is None:
        year = int(pd.read_parquet(folder / "alignment.parquet", columns=["year"])["year"].max())
    return PreviousRun(folder, str(manifest.get("run") or folder.name), year)


def _key(df: pd.DataFrame) -> pd.Series:
    parts = [
        df[c].astype("string").fillna("\x00") if c in df else pd.Series("\x00", index=df.index)
        for c in FLAG_KEY
    ]
    key = parts[0]
    for p in parts[1:]:
        key = key + "|" + p
    return key


def flag_changes(prev_flags: pd.DataFrame, flags: pd.DataFrame) -> pd.DataFrame:
    """Flags raised this year and not the year before (``added``), and the reverse (``cleared``).

    A flag is the same across years when region, flag code, cluster, institution, program and CIP
    match (:data:`FLAG_KEY`; missing values match each other). Returns the key columns, ``change``
    (``"added"`` / ``"cleared"``), and ``severity``, ``reason`` and ``cluster_name`` (where present)
    from the year the flag was raised: this year's for added flags, last year's for cleared ones.
    Added flags come first, each part in the order of its own table.

    >>> prev = pd.DataFrame({"region_id": ["a", "a"], "flag": ["LOW_DEMAND", "OVERSUPPLIED"],
    ...     "cluster_code": ["X", "Y"], "institution": ["HS", "HS"], "program_name": ["P", "Q"],
    ...     "cip": ["01.0000", "02.0000"]})
    >>> now = pd.DataFrame({"region_id": ["a", "a"], "flag": ["LOW_DEMAND", "UNDERSUPPLIED"],
    ...     "cluster_code": ["X", "Z"], "institution": ["HS", None], "program_name": ["P", None],
    ...     "cip": ["01.0000", None]})
    >>> flag_changes(prev, now)[["flag", "cluster_code", "change"]]
                flag cluster_code   change
    0  UNDERSUPPLIED            Z    added
    1   OVERSUPPLIED            Y  cleared
    """
    extra = [c for c in ("severity", "reason", "cluster_name") if c in flags or c in prev_flags]
    columns = [*FLAG_KEY, "change", *extra]

    def side(df: pd.DataFrame, other: pd.DataFrame, change: str) -> pd.DataFrame:
        key = _key(df)
        rows = df[~key.isin(set(_key(other))) & ~key.duplicated()].copy()
        for c in columns:
            if c not in rows:
                rows[c] = pd.NA
        return rows.assign(change=change)[columns]

    parts = [side(flags, prev_flags, "added"), side(prev_flags, flags, "cleared")]
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    return pd.concat(parts, ignore_index=True)


def _require_published(al: pd.DataFrame, which: str) -> None:
    if "supply_suppressed" not in al:
        raise ValueError(
            f"gap_shifts needs the published {which} alignment (alignment.publish.protect_tables), "
            "which marks hidden counts in 'supply_suppressed'"
        )


def gap_shifts(prev_alignment: pd.DataFrame, alignment: pd.DataFrame, n: int | None = 5) -> pd.DataFrame:
    """The ``n`` largest shifts in gap per region (by size, either direction), from published tables only.

    ``shift = gap(this year) − gap(previous year)``, with gap = demand equivalent − students (positive:
    fewer students than the job mix suggests). A cluster is left out when either year hides its count
    (``supply_suppressed``: small, withheld or suppressed at the source) or leaves its gap blank (a
    region total below the threshold), so no difference can give back a hidden count. ``n=None``
    keeps every cluster. Returns ``region_id``, ``cluster_code``, ``cluster_name``, ``gap_previous``,
    ``gap``, ``shift``, largest ``|shift|`` first within each region (ties: cluster code).

    >>> prev = pd.DataFrame({"region_id": "a", "cluster_code": ["X", "Y", "Z"],
    ...     "cluster_name": ["Ex", "Why", "Zed"],
    ...     "gap": [10.0, -5.0, None], "supply_suppressed": [False, False, True]})
    >>> now = prev.assign(gap=[4.0, 20.0, 3.0], supply_suppressed=False)
    >>> gap_shifts(prev, now)[["cluster_code", "gap_previous", "gap", "shift"]]
      cluster_code  gap_previous   gap  shift
    0            Y          -5.0  20.0   25.0
    1            X          10.0   4.0   -6.0
    """
    _require_published(prev_alignment, "previous")
    _require_published(alignment, "current")

    def shown(al: pd.DataFrame) -> pd.DataFrame:
        gap = pd.to_numeric(al["gap"], errors="coerce").astype(float)
        ok = ~al["supply_suppressed"].astype(bool) & gap.notna()
        if "supply_small" in al:
            ok &= ~al["supply_small"].astype(bool)
        return al.assign(gap=gap)[ok]

    now = shown(alignment)[["region_id", "cluster_code", "cluster_name", "gap"]]
    before = shown(prev_alignment)[["region_id", "cluster_code", "gap"]].rename(
        columns={"gap": "gap_previous"}
    )
    out = now.merge(before, on=["region_id", "cluster_code"], how="inner")
    out["shift"] = out["gap"] - out["gap_previous"]
    out = out.assign(_abs=out["shift"].abs()).sort_values(
        ["region_id", "_abs", "cluster_code"], ascending=[True, False, True], kind="stable"
    )
    if n is not None:
        out = out.groupby("region_id", sort=False).head(n)
    return out[SHIFT_COLUMNS].reset_index(drop=True)


@dataclass
class YearOverYear:
    """The comparison of a run with an earlier one: substantive flag changes and every shown gap shift."""

    previous: PreviousRun
    year: int
    flags: pd.DataFrame
    shifts: pd.DataFrame

    def for_region(self, region_id: str, n: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(flag changes, the ``n`` largest gap shifts) of one region."""
        fl = self.flags[self.flags["region_id"].astype("string") == region_id].reset_index(drop=True)
        sh = (
            self.shifts[self.shifts["region_id"].astype("string") == region_id].head(n).reset_index(drop=True)
        )
        return fl, sh


def _bases(flags: pd.DataFrame) -> set[str]:
    """What a run's supply and wage flags were decided on: ``openings`` or ``mix`` (a flags table without the
    ``basis`` column predates the openings rules).

    >>> old = pd.DataFrame({"flag": ["OVERSUPPLIED", "SUPPRESSED"]})
    >>> new = pd.DataFrame({"flag": ["OVERSUPPLIED", "SUPPRESSED"], "basis": ["openings", None]})
    >>> _bases(old), _bases(new), _bases(old.iloc[1:])
    ({'mix'}, {'openings'}, set())
    """
    mine = flags[flags["flag"].isin(RULE_CHANGED_FLAGS)]
    if "basis" not in mine:
        return {"mix"} if len(mine) else set()
    return set(mine["basis"].dropna().astype(str))


def published_run(processed_dir: str | Path, cfg: Config, year: int) -> dict[str, pd.DataFrame]:
    """A run's tables as published for ``year`` (the privacy rules of ``cfg``: threshold, measure)."""
    from .build import load_processed

    return protect_tables(load_processed(processed_dir), dataclasses.replace(cfg, year=int(year)))


def compare_runs(
    cfg: Config,
    processed_dir: str | Path,
    previous_processed_dir: str | Path | None = None,
    *,
    current: dict[str, pd.DataFrame] | None = None,
    include_data_notes: bool = False,
) -> YearOverYear | None:
    """Compare the run in ``processed_dir`` with the earlier run (found, or given); None when there is none.

    ``current``: this run's published tables when already at hand (``protect_tables``), else they are
    loaded. Flags that are data notes (:data:`DATA_NOTE_FLAGS`) are left out unless
    ``include_data_notes``.
    """
    previous = previous_run_for(cfg, processed_dir, previous_processed_dir)
    if previous is None:
        return None
    now = current if current is not None else published_run(processed_dir, cfg, cfg.year)
    before = published_run(previous.processed_dir, cfg, previous.year)
    prev_flags, flags = before["flags"], now["flags"]
    if _bases(prev_flags) and _bases(flags) and _bases(prev_flags) != _bases(flags):
        # one run decided these on the cluster mix, the other on completers against openings: a flag "cleared"
        # or "added" would only show the change of rule, so they are not compared
        prev_flags = prev_flags[~prev_flags["flag"].isin(RULE_CHANGED_FLAGS)]
        flags = flags[~flags["flag"].isin(RULE_CHANGED_FLAGS)]
    fl = flag_changes(prev_flags, flags)
    if not include_data_notes:
        fl = fl[~fl["flag"].isin(DATA_NOTE_FLAGS)].reset_index(drop=True)
    return YearOverYear(
        previous, int(cfg.year), fl, gap_shifts(before["alignment"], now["alignment"], n=None)
    )


def changes_by_region(yoy: YearOverYear, region_ids: Iterable[str]) -> pd.DataFrame:
    """Counts per region for the index: ``flags_added``, ``flags_cleared``, and the largest gap shift.

    ``largest_shift`` is text such as ``"Health Science +45"`` (students), or empty when no gap of the
    region is shown in both years.
    """
    rows = []
    for rid in region_ids:
        fl, sh = yoy.for_region(str(rid), n=1)
        rows.append(
            {
                "region_id": str(rid),
                "flags_added": int((fl["change"] == "added").sum()),
                "flags_cleared": int((fl["change"] == "cleared").sum()),
                "largest_shift": f"{sh['cluster_name'].iloc[0]} {sh['shift'].iloc[0]:+,.0f}"
                if len(sh)
                else "",
            }
        )
    return pd.DataFrame(rows, columns=["region_id", "flags_added", "flags_cleared", "largest_shift"])


def index_changes(tables: dict[str, pd.DataFrame], region_ids: Iterable[str]) -> dict | None:
    """The ``year_over_year`` argument of :func:`alignment.report.index.write_index`; None without a comparison.

    ``{"previous_year": 2023, "previous_run": "demo2023", "year": 2024, "regions": changes_by_region(...)}``
    """
    _, yoy = from_tables(tables)
    if yoy is None:
        return None
    return {
        "previous_year": yoy.previous.year,
        "previous_run": yoy.previous.run,
        "year": yoy.year,
        "regions": changes_by_region(yoy, region_ids),
    }


# ------------------------------------------------------------------------------------- tables kept with a run

RUN_COLUMNS = ["previous_run", "previous_year", "year", "status", "note"]
FLAG_CHANGE_COLUMNS = [*FLAG_KEY, "change", "severity", "reason", "cluster_name"]
#: ``changes_run.status``: compared with an earlier run, no earlier run found, or one found but unreadable
STATUSES = ("compared", "none", "unreadable")


def _run_row(
    status: str,
    year: int | None,
    previous: PreviousRun | None = None,
    note: str = "",
    inputs: tuple[list[str], list[str]] | None = None,
) -> pd.DataFrame:
    changed, same = ("; ".join(x) for x in inputs) if inputs is not None else (pd.NA, pd.NA)
    return pd.DataFrame(
        {
            "previous_run": pd.array([previous.run if previous else pd.NA], dtype="string"),
            "previous_year": pd.array([previous.year if previous else pd.NA], dtype="Int64"),
            "year": pd.array([year], dtype="Int64"),
            "status": pd.array([status], dtype="string"),
            "note": pd.array([note], dtype="string"),
            "inputs_changed": pd.array([changed], dtype="string"),
            "inputs_unchanged": pd.array([same], dtype="string"),
        }
    )


def _compared_inputs(cfg: Config, previous: PreviousRun) -> tuple[list[str], list[str]] | None:
    """:func:`input_changes` between the earlier run's manifest and this run's inputs; None when the earlier
    manifest lists no inputs or a file cannot be read."""
    from .manifest import input_records

    before = (read_manifest(previous.processed_dir) or {}).get("inputs")
    if not isinstance(before, list):
        return None
    try:
        return input_changes(before, input_records(cfg))
    except OSError:
        return None


def empty_run_table() -> pd.DataFrame:
    return _run_row("none", None).iloc[:0]


def _typed_flag_changes(df: pd.DataFrame) -> pd.DataFrame:
    out = df.reindex(columns=FLAG_CHANGE_COLUMNS).reset_index(drop=True)
    out = out.astype({c: "string" for c in FLAG_CHANGE_COLUMNS if c != "severity"})
    return out.astype({"severity": "Float64"})


def empty_flag_changes() -> pd.DataFrame:
    return _typed_flag_changes(pd.DataFrame(columns=FLAG_CHANGE_COLUMNS))


def _typed_shifts(df: pd.DataFrame) -> pd.DataFrame:
    out = df.reindex(columns=SHIFT_COLUMNS).reset_index(drop=True)
    out = out.astype({"region_id": "string", "cluster_code": "string", "cluster_name": "string"})
    return out.astype({c: "Float64" for c in ("gap_previous", "gap", "shift")})


def empty_gap_shifts() -> pd.DataFrame:
    return _typed_shifts(pd.DataFrame(columns=SHIFT_COLUMNS))


def year_over_year_tables(
    cfg: Config,
    tables: dict[str, pd.DataFrame],
    processed_dir: str | Path,
    previous_processed_dir: str | Path | None = None,
    *,
    published: dict[str, pd.DataFrame] | None = None,
) -> dict[str, pd.DataFrame]:
    """The changes since the previous year as tables: ``changes_run`` (one row: which run was compared,
    ``status`` compared / none / unreadable and a ``note``), ``flag_changes`` and ``gap_shifts`` (every
    shown shift, largest first per region).

    ``tables`` are this run's tables (raw; they are protected here as published, unless ``published``
    gives this run's published ``alignment`` and ``flags`` already); the earlier run is
    searched beside ``processed_dir`` (:func:`find_previous_run`) unless ``previous_processed_dir`` is given.
    An earlier run that cannot be read gives status ``unreadable`` with the error, never a failed run.
    """
    out = {"flag_changes": empty_flag_changes(), "gap_shifts": empty_gap_shifts()}
    previous = previous_run_for(cfg, processed_dir, previous_processed_dir)
    if previous is None:
        return {"changes_run": _run_row("none", cfg.year), **out}
    if published is None:
        published = protect_tables(tables, cfg)
    current = {"alignment": published["alignment"], "flags": published["flags"]}
    try:
        yoy = compare_runs(cfg, processed_dir, previous.processed_dir, current=current)
    except (KeyError, ValueError, OSError) as exc:  # an old run's tables must not cost this year's run
        note = f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1] if str(exc).strip() else ''}"
        return {"changes_run": _run_row("unreadable", cfg.year, previous, note), **out}
    return {
        "changes_run": _run_row(
            "compared", cfg.year, yoy.previous, inputs=_compared_inputs(cfg, yoy.previous)
        ),
        "flag_changes": _typed_flag_changes(yoy.flags),
        "gap_shifts": _typed_shifts(yoy.shifts),
    }


def from_tables(tables: dict[str, pd.DataFrame]) -> tuple[pd.Series | None, YearOverYear | None]:
    """The comparison kept with a run: (its ``changes_run`` row or None, the comparison when ``compared``)."""
    run = tables.get("changes_run")
    if run is None or run.empty:
        return None, None
    row = run.iloc[0]
    if row["status"] != "compared":
        return row, None
    previous = PreviousRun(
        Path(str(row["previous_run"])), str(row["previous_run"]), int(row["previous_year"])
    )
    yoy = YearOverYear(previous, int(row["year"]), tables["flag_changes"], tables["gap_shifts"])
    return row, yoy
