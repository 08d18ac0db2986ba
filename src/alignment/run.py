"""Run a config: build the tables, render the region reports with papermill, publish both atomically.

The tables come from :func:`alignment.build.build` (raw files read once, every measure computed
once); the region report notebook then runs once per region, in parallel processes, reading only
the processed tables. Everything
is written into hidden staging folders first; only a complete run replaces the
previous one (``data/processed/<run>/`` and ``reports/<run>/``), so a failed,
interrupted or killed run leaves the last good reports intact.

Crash safety: a run holds a lock file (``reports/.<run>.lock``) so two runs of
the same name never share folders. The two folders are swapped in through a
journal (``reports/.<run>.publish.json``) that the next run completes if a run
was killed half-way through the swap. Staging folders left by a killed run
(``.<run>.partial-*``) are removed by the next run of the same name, after it
has reused the region reports they hold (see :mod:`alignment.cache`).
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
import uuid
import warnings as warnings_module
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import cache as run_cache
from .atomic import atomic_path
from .audit import audit_run
from .build import build, load_processed
from .codes import slugify
from .config import Config
from .constants import INDEX_FLAG_LABELS, privacy_threshold
from .errors import InputError
from .folders import check_output_folders, is_owned, mark, remove_owned, replace_owned
from .inputs import Inputs, Reference, load_reference, read_inputs
from .manifest import build_manifest, write_json
from .paths import NOTEBOOKS_DIR

REGION_NOTEBOOK = "04_region_report.ipynb"
KERNEL = "python3"


class NotebookParameterError(ValueError):
    """Parameters passed to a notebook that its ``parameters`` cell does not define."""


class RunError(RuntimeError):
    """A run that could not complete; the previous run's outputs are untouched."""


def check_parameters(notebook: Path, params: dict) -> None:
    """Refuse parameter names the notebook's ``parameters`` cell does not define (papermill only warns)."""
    import papermill

    known = papermill.inspect_notebook(str(notebook))
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise NotebookParameterError(
            f"{notebook.name}: unknown parameter(s) {', '.join(unknown)}; "
            f"its parameters cell defines {', '.join(sorted(known)) or 'none'}"
        )


# Kernels started at the same moment can race for the same loopback port; such a start is retried.
_KERNEL_START_ERRORS = ("Kernel died before replying to kernel_info", "Address already in use")
KERNEL_START_TRIES = 3


def execute_notebook(notebook: Path, output: Path, params: dict, cwd: Path) -> Path:
    """Check the parameter names, then execute a notebook with papermill (strings stay strings)."""
    import papermill

    check_parameters(notebook, params)
    output.parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(1, KERNEL_START_TRIES + 1):
        try:
            papermill.execute_notebook(
                str(notebook),
                str(output),
                parameters=params,
                kernel_name=KERNEL,
                progress_bar=False,
                cwd=str(cwd),
                # the kernel runs on loopback only; its note about unencrypted TCP is noise in a batch run
                extra_arguments=["--IPKernelApp.log_level=ERROR"],
            )
            return output
        except Exception as exc:
            if attempt == KERNEL_START_TRIES or not any(m in str(exc) for m in _KERNEL_START_ERRORS):
                raise
            time.sleep(0.5 * attempt)
    return output


def _region_job(args: tuple) -> tuple[str, str | None, float]:
    """Execute the region report notebook for one region and export its HTML (runs in a worker process)."""
    region_id, region_name, config_path, processed, published, notebooks_out, report_dir, title, cwd = args
    from .config import load_config
    from .report.html import notebook_to_html
    from .report.pdf import PdfUnavailable, html_to_pdf, pdf_renderer, print_css
    from .report.workbook import write_region_workbook

    start = time.perf_counter()
    note = None
    try:
        executed = execute_notebook(
            NOTEBOOKS_DIR / REGION_NOTEBOOK,
            Path(notebooks_out) / f"04_region_report_{region_id}.ipynb",
            {"config_path": str(config_path), "processed_dir": str(processed), "region_id": region_id},
            Path(cwd),
        )
        point_at_published(executed, {"processed_dir": (str(processed), str(published))})
        links = {"All regions": "../index.html"}
        links |= {"PDF": "report.pdf"} if pdf_renderer() else {}
        links |= {"Workbook (Excel)": "tables.xlsx"}
        html = notebook_to_html(
            executed,
            Path(report_dir) / "report.html",
            title=f"{region_name} — {title}",
            extra_css=print_css(),
            links=links,
        )
        write_region_workbook(
            Path(report_dir) / "tables.xlsx",
            load_processed(processed),
            region_id,
            cfg=load_config(config_path),
        )
        try:
            html_to_pdf(html, Path(report_dir) / "report.pdf")
        except PdfUnavailable as exc:  # no browser installed costs the PDFs, never the run
            note = f"no PDF: {str(exc).strip().splitlines()[-1]}"
        # any other PdfError (the browser timed out, crashed or wrote no PDF) fails this region below
        return region_id, None, time.perf_counter() - start, note
    except Exception as exc:  # reported per region; the batch carries on
        return (
            region_id,
            f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1] if str(exc).strip() else ''}",
            (time.perf_counter() - start),
            None,
        )


def point_at_published(notebook: Path, moves: dict[str, tuple[str, str]]) -> None:
    """Rewrite parameters of an executed notebook from the staging folder to the published one.

    A region report runs against the hidden staging folder, which no longer exists once the run is
    published; the copy kept with the run names the published folder instead, so an analyst can open
    it in JupyterLab and run it again. ``moves`` maps a parameter name to (staging value, published value).
    """
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)
    changed = False
    for cell in nb.cells:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            for old, new in moves.values():
                if repr(old) in cell.source or f'"{old}"' in cell.source:
                    cell.source = cell.source.replace(f'"{old}"', f'"{new}"').replace(repr(old), repr(new))
                    changed = True
    params = nb.metadata.get("papermill", {}).get("parameters", {})
    for name, (old, new) in moves.items():
        if params.get(name) == old:
            params[name] = new
            changed = True
    if changed:
        with atomic_path(notebook, suffix=".ipynb") as tmp:
            nbformat.write(nb, str(tmp))


# ---------------------------------------------------------------- crash safety


_HELD: set[str] = set()
_HELD_LOCK = threading.Lock()


@contextmanager
def run_lock(path: Path, run: str) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` for the duration of a run; refuse a second run of the same name.

    A POSIX record lock (``fcntl.lockf``) belongs to this process alone: worker processes forked
    from it do not inherit it, and the operating system releases it the moment the process ends,
    however it ends (``kill -9`` included), so a killed run never blocks the next one. The lock file
    itself is removed when the run ends normally, so the reports folder holds only runs; a killed
    run leaves an empty, unlocked file that the next run reuses. (Without ``fcntl``, on Windows,
    nothing is locked.)
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    busy = RunError(
        f"another run named {run!r} is in progress (it holds {path}); "
        "wait for it to finish, or give this run another name"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    key = str(path.resolve())
    # POSIX locks are per process: a second lock of the same file in this process would succeed, and
    # closing its descriptor would drop the first; so locks this process holds are also kept in a set
    with _HELD_LOCK:
        if key in _HELD:
            raise busy
        _HELD.add(key)
    try:
        with open(path, "a+b") as fh:  # not inherited by the kernels' exec (Python opens files close-on-exec)
            try:
                fcntl.lockf(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                raise busy from None
            try:
                yield
            finally:  # still locked here: a run waiting on it fails, none starts twice
                path.unlink(missing_ok=True)
    finally:
        with _HELD_LOCK:
            _HELD.discard(key)


def _apply_publish(steps: list[dict[str, str]]) -> None:
    """Move each staging folder to its final name, the previous folder aside; steps already done are skipped.

    A step is done once its staging folder is gone (it only ever disappears by becoming the final folder),
    so applying the same steps again after a crash finishes the swap and never undoes it. Only folders
    the tool owns are moved (:mod:`alignment.folders`): a journal can never make a run rename a user's folder.
    """
    for step in steps:
        staging, final, old = Path(step["staging"]), Path(step["final"]), Path(step["old"])
        if not is_owned(staging):
            continue
        replace_owned(staging, final, old, step.get("run"))


def publish_dirs(pairs: list[tuple[Path, Path]], journal: Path, run: str | None = None) -> None:
    """Swap complete staging folders in under their final names, all of them or (after a crash) none yet.

    The plan is written to ``journal`` first; :func:`recover_publish` completes it if the process
    is killed between two renames. The previous folders are deleted once every swap is done.
    """
    token = uuid.uuid4().hex[:8]
    steps = [
        {
            "staging": str(staging.resolve()),
            "final": str(final.resolve()),
            "old": str(final.resolve().parent / f".{final.name}.old-{token}"),
            "run": run,
        }
        for staging, final in pairs
    ]
    write_json(journal, {"publish": steps})
    _apply_publish(steps)
    journal.unlink()
    for step in steps:
        remove_owned(Path(step["old"]), run)


def recover_publish(journal: Path) -> bool:
    """Finish a publication that a killed run left half done (see :func:`publish_dirs`); True if there was one."""
    if not journal.is_file():
        return False
    try:
        steps = json.loads(journal.read_text(encoding="utf-8"))["publish"]
    except (OSError, ValueError, KeyError, TypeError):
        journal.unlink(
            missing_ok=True
        )  # a journal is written atomically; an unreadable one was never acted on
        return False
    _apply_publish(steps)
    journal.unlink()
    for step in steps:
        remove_owned(Path(step["old"]), step.get("run"))
    return True


@dataclass(frozen=True)
class RunFolders:
    """Where a run's outputs, staging folders, lock and journal live."""

    processed: Path
    reports: Path

    @property
    def lock(self) -> Path:
        return self.reports.parent / f".{self.reports.name}.lock"

    @property
    def journal(self) -> Path:
        return self.reports.parent / f".{self.reports.name}.publish.json"

    def staging(self, token: str) -> tuple[Path, Path]:
        """The hidden staging folders (processed, reports) of one attempt."""
        return (
            self.processed.parent / f".{self.processed.name}.partial-{token}",
            self.reports.parent / f".{self.reports.name}.partial-{token}",
        )

    def leftovers(self) -> list[Path]:
        """Staging and set-aside folders of earlier attempts (newest first); only valid under the run lock."""
        found: set[Path] = set()
        for final in (self.processed, self.reports):
            if final.parent.is_dir():
                for pattern in (f".{final.name}.partial-*", f".{final.name}.old-*"):
                    found.update(p for p in final.parent.glob(pattern) if p.is_dir())
        return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)

    def stale_stagings(self) -> list[tuple[Path, Path]]:
        """Staging folder pairs (processed, reports) of earlier attempts, newest first."""
        prefixes = (f".{self.processed.name}.partial-", f".{self.reports.name}.partial-")
        tokens: list[str] = []
        for p in self.leftovers():
            for prefix in prefixes:
                if p.name.startswith(prefix) and (token := p.name[len(prefix) :]) not in tokens:
                    tokens.append(token)
        return [self.staging(t) for t in tokens]


def check_same_year(cfg: Config, folders: RunFolders) -> None:
    """Refuse to replace a published run of another year: runs for different years never overwrite each other."""
    for folder in (folders.reports, folders.processed):
        manifest = folder / "manifest.json"
        try:
            previous = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        year = previous.get("year") if isinstance(previous, dict) else None
        if isinstance(year, int) and year != cfg.year:
            raise RunError(
                f"{folder} holds the {year} run named {cfg.run!r}; this config is for {cfg.year}, and a run "
                f"never replaces another year's. Give this year's run its own name (run: {cfg.run}-{cfg.year}), "
                "or move or delete that folder first. Nothing was written."
            )


def check_outputs(cfg: Config, *, allow_outside: bool = False) -> None:
    """Refuse output folders the run may not write to (:func:`alignment.folders.check_output_folders`).

    Raises :class:`InputError` naming the config line of each; called before anything is written.
    """
    problems = check_output_folders(
        processed=cfg.processed_dir,
        reports=cfg.reports_dir,
        inputs=cfg.input_paths(),
        project=cfg.root or Path.cwd(),
        run=cfg.run,
        allow_outside=allow_outside,
        file=str(cfg.path),
        lines={k: cfg.line_of("outputs", k) for k in ("processed", "reports")},
    )
    if problems:
        raise InputError(problems)


def _raise_interrupt(signum: int, frame: object) -> None:
    """SIGTERM handler: stop the run like Ctrl-C does, so its staging folders are dealt with."""
    raise KeyboardInterrupt(f"signal {signum}")


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when the process that started it dies (no-op elsewhere).

    A region worker whose run was killed would otherwise live on, blocked on a queue no one
    writes to; its notebook kernels notice the orphaning themselves and exit.
    """
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass


def _worker_init(parent: int | None = None) -> None:
    """Region workers die on SIGTERM at once (the run itself turns SIGTERM into an interrupt), and
    with the run: if it is killed, they are too."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent()
    if parent is not None and os.getppid() != parent:  # the run died before prctl took effect
        os._exit(1)


@contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """Turn SIGTERM into KeyboardInterrupt for the duration of a run (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@dataclass
class RunResult:
    processed_dir: Path
    reports_dir: Path
    stage_seconds: dict[str, float] = field(default_factory=dict)
    regions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)  # regions whose report was reused from an earlier run
    stages_reused: bool = False


#: decision → column heading of the index page's region list
DECISION_LABELS = {
    "expand": "Occupations to expand",
    "review": "Programs to review",
    "keep": "Programs to keep",
}


def region_summaries(tables: dict[str, pd.DataFrame], regions: pd.DataFrame, year: int) -> pd.DataFrame:
    """One row per region for the index page: name, dissimilarity index, the number of occupations to expand and
    programs to review and keep (with occupation tables), and the number of flags of each kind."""
    names = regions.drop_duplicates("region_id")[["region_id", "region_name"]]
    counties = regions.groupby("region_id").size().rename("counties").reset_index()
    out = names.merge(counties, on="region_id", how="left")
    d = tables["dissimilarity"]
    d = d[d["year"] == year][["region_id", "dissimilarity"]]
    out = out.merge(d, on="region_id", how="left")
    decisions = tables.get("decisions")
    if decisions is not None:  # the first screen of each report, counted: what to expand, review and keep
        counts = decisions.pivot_table(
            index="region_id", columns="decision", values="name", aggfunc="count", fill_value=0
        ).reindex(columns=list(DECISION_LABELS), fill_value=0)
        counts.columns = [DECISION_LABELS[c] for c in counts.columns]
        out = out.merge(counts.reset_index(), on="region_id", how="left")
        out[list(counts.columns)] = out[list(counts.columns)].fillna(0).astype(int)
    flags = tables["flags"]
    if decisions is not None:  # the expand and review columns count these already
        flags = flags[~flags["flag"].isin(["OVERSUPPLIED", "UNDERSUPPLIED", "BELOW_FAMILY_WAGE"])]
    if len(flags):
        counts = flags.pivot_table(
            index="region_id", columns="flag", values="reason", aggfunc="count", fill_value=0
        )
        counts.columns = [INDEX_FLAG_LABELS.get(str(c), str(c)) for c in counts.columns]
        out = out.merge(counts.reset_index(), on="region_id", how="left")
        out[list(counts.columns)] = out[list(counts.columns)].fillna(0).astype(int)
    return out.sort_values("region_name", kind="stable").reset_index(drop=True)


def run_pipeline(
    cfg: Config,
    *,
    workers: int | None = None,
    progress: bool = True,
    echo: Callable[[str], None] = print,
    cache: bool = True,
    allow_outside: bool = False,
) -> RunResult:
    """Run every notebook of the pipeline for a config and publish the reports atomically.

    Output folders are checked first (:func:`check_outputs`; ``allow_outside`` lets them lie outside
    the project folder); a run writes, renames and deletes only folders it owns.

    With ``cache`` (the default) the stage tables and each region report are reused from the
    previous run, or from the staging folders of an interrupted one, when their content-hash
    key is unchanged (:mod:`alignment.cache`); ``cache=False`` rebuilds everything. Keys are
    recorded either way, so the next run can reuse this one.
    """
    t0 = time.perf_counter()
    check_outputs(cfg, allow_outside=allow_outside)
    inputs = read_inputs(cfg)  # fails before anything is written
    ref = load_reference(cfg)  # so does a bad crosswalk file named in the config
    folders = RunFolders(cfg.processed_dir, cfg.reports_dir)
    with run_lock(folders.lock, cfg.run), _sigterm_interrupts():
        if recover_publish(folders.journal):
            echo(
                f"note: finished publishing run {cfg.run!r}, which an earlier run was killed in the middle of"
            )
        check_same_year(cfg, folders)
        base_key = run_cache.run_key(cfg)
        stale = folders.stale_stagings()
        validate_seconds = time.perf_counter() - t0
        result = _run_locked(
            cfg,
            inputs,
            ref,
            folders,
            base_key=base_key,
            stale=stale,
            cache=cache,
            workers=workers,
            progress=progress,
            validate_seconds=validate_seconds,
        )
        for leftover in folders.leftovers():  # earlier attempts: their reusable parts are in this run now
            remove_owned(leftover, cfg.run)
    if result.reused or result.stages_reused:
        n = len(result.regions)
        echo(
            f"reused {len(result.reused)} of {n} region report(s)"
            + (" and the stage tables" if result.stages_reused else "")
            + " (same inputs, config and code); `--no-cache` rebuilds everything"
        )
    return result


def _run_locked(
    cfg: Config,
    inputs: Inputs,
    ref: Reference,
    folders: RunFolders,
    *,
    base_key: str,
    stale: list[tuple[Path, Path]],
    cache: bool,
    workers: int | None,
    progress: bool,
    validate_seconds: float,
) -> RunResult:
    """The body of :func:`run_pipeline`, run while holding the run lock."""
    from tqdm.auto import tqdm

    from . import maps
    from .changes import index_changes
    from .occupation_alignment import openings_by_cluster
    from .publish import protect_tables
    from .report.index import write_index, year_headers
    from .report.pdf import pdf_renderer
    from .report.workbook import write_state_workbook

    cwd = Path.cwd()
    stages: dict[str, float] = {"validate": validate_seconds}
    token = uuid.uuid4().hex[:8]
    stage_proc, stage_rep = folders.staging(token)
    mark(stage_proc, "processed tables")  # before anything else: only marked folders are ever removed
    mark(stage_rep, "reports")
    nb_out = stage_proc / "notebooks"
    regions = inputs.regions.drop_duplicates("region_id")[["region_id", "region_name"]]
    regions = regions.sort_values("region_id").reset_index(drop=True)
    total = 1 + len(regions)  # the tables, then one report per region
    bar = tqdm(total=total, desc="run", unit="step", disable=not progress, leave=True)
    reused: list[str] = []
    stages_reused = False
    completed = 0  # region reports finished in this attempt (kept for the next run if it is interrupted)
    try:
        start = time.perf_counter()
        earlier = run_cache.earlier_runs_fingerprint(cfg.processed_dir, cfg.year)
        skey = run_cache.stage_key(base_key, earlier=earlier)
        hit = run_cache.find_stages(skey, [cfg.processed_dir, *(p for p, _ in stale)]) if cache else None
        if hit is not None:
            run_cache.copy_files(hit.folder, stage_proc, hit.files)
            stages_reused = True
            stages["tables (reused)"] = time.perf_counter() - start
        else:
            built = build(cfg, inputs, ref, progress=bar.set_postfix_str)
            built.write(stage_proc)
            stages.update(built.seconds)
        bar.update(1)
        stage_hashes = run_cache.stage_files(stage_proc)
        run_cache.write_record(stage_proc, skey, stage_hashes)
        tables_key = run_cache.table_hashes(stage_hashes)

        start = time.perf_counter()
        want_pdf = pdf_renderer() is not None
        jobs, keys = [], {}
        for r in regions.itertuples():
            slug = slugify(r.region_id)
            notebook_name = f"04_region_report_{r.region_id}.ipynb"
            key = run_cache.region_key(
                base_key, tables_key, str(r.region_id), str(r.region_name), earlier=earlier
            )
            keys[r.region_id] = (key, stage_rep / slug, nb_out / notebook_name)
            candidates = [(cfg.reports_dir / slug, cfg.processed_dir / "notebooks" / notebook_name)]
            candidates += [(rep / slug, proc / "notebooks" / notebook_name) for proc, rep in stale]
            found = run_cache.find_region(key, candidates, want_pdf=want_pdf) if cache else None
            if found is not None:
                run_cache.restore_region(found, stage_rep / slug, nb_out / notebook_name)
                reused.append(r.region_id)
                bar.update(1)
                continue
            jobs.append(
                (
                    r.region_id,
                    r.region_name,
                    str(cfg.path.resolve()),
                    str(stage_proc.resolve()),
                    str(cfg.processed_dir.resolve()),
                    str(nb_out.resolve()),
                    str((stage_rep / slug).resolve()),
                    cfg.title,
                    str(cwd),
                )
            )
        failures: dict[str, str] = {}
        warnings: list[str] = [str(note) for note in inputs.notes]  # input warnings first
        if jobs:
            n = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
            bar.set_postfix_str("region reports")
            with ProcessPoolExecutor(
                max_workers=n, initializer=_worker_init, initargs=(os.getpid(),)
            ) as pool:
                futures = [pool.submit(_region_job, job) for job in jobs]
                try:
                    for fut in as_completed(futures):
                        region_id, error, _, note = fut.result()
                        if error:
                            failures[region_id] = error
                        else:
                            key, report_dir, notebook = keys[region_id]
                            run_cache.write_region_record(report_dir, notebook, key, str(region_id))
                            completed += 1
                        if note and note not in warnings:
                            warnings.append(note)
                        bar.update(1)
                except BaseException:
                    # interrupted: start no more reports; the running ones stop with their kernels
                    pool.shutdown(wait=False, cancel_futures=True)
                    raise
        stages["region reports"] = time.perf_counter() - start
        if failures:
            lines = "\n".join(f"  - {rid}: {msg}" for rid, msg in sorted(failures.items()))
            raise RunError(
                f"{len(failures)} of {len(regions)} region report(s) failed; the previous run is unchanged. "
                f"Executed notebooks are in {nb_out}:\n{lines}"
            )

        start = time.perf_counter()
        tables = load_processed(stage_proc)
        write_state_workbook(stage_rep / "state-tables.xlsx", tables, cfg=cfg)
        published_tables = protect_tables(tables, cfg)
        published = published_tables["alignment"]
        with warnings_module.catch_warnings(record=True) as caught:
            warnings_module.simplefilter("always")
            counties = tables["counties"]
            shapes = maps.region_shapes(counties, tables["regions"])
            institutions = tables.get("institutions")
            maps.run_geopackage(
                stage_rep / "maps.gpkg",
                counties,
                tables["regions"],
                published,
                year=cfg.year,
                institutions=institutions,
                openings=None
                if tables.get("occupation_alignment") is None
                else openings_by_cluster(tables["occupation_alignment"], privacy_threshold(cfg.thresholds)),
                shift_share=tables.get("shift_share"),
            )
            overview = maps.plot_state_overview(
                shapes,
                published,
                tables["dissimilarity"],
                year=cfg.year,
                institutions=institutions,
                demand_year=cfg.industry_year,
            )
            state_map_png = maps.figure_png(overview)
        warnings += [str(w.message) for w in caught if str(w.message) not in warnings]
        # flags as published: a withheld program's "small program" note is not counted either
        summary = region_summaries(
            {**tables, "flags": published_tables["flags"]}, tables["regions"], cfg.year
        )
        year_over_year = index_changes(tables, summary["region_id"])
        compared = tables["changes_run"]
        if len(compared) and compared["status"].iloc[0] == "unreadable":
            warnings.append(
                "year-over-year comparison left out: the earlier run could not be read "
                f"({compared['note'].iloc[0]})"
            )
        links: dict[str, dict[str, str]] = {}
        outputs = ["index.html", "manifest.json", "state-tables.xlsx", "maps.gpkg"]
        for rid in regions["region_id"]:
            slug = slugify(rid)
            files = {"Report": "report.html", "PDF": "report.pdf", "Workbook": "tables.xlsx"}
            links[rid] = {k: f"{slug}/{f}" for k, f in files.items() if (stage_rep / slug / f).is_file()}
            outputs += list(links[rid].values())
        manifest = build_manifest(cfg, outputs=outputs, stages=stages)
        headers, map_caption = year_headers(cfg.year, cfg.industry_year)
        write_index(
            stage_rep / "index.html",
            headers=headers,
            state_map_caption=map_caption,
            title=cfg.title,
            synthetic=cfg.synthetic,
            regions_summary=summary,
            links=links,
            state_links={
                "Workbook with every region (Excel)": "state-tables.xlsx",
                "Map layers for GIS (GeoPackage)": "maps.gpkg",
            },
            state_map_png=state_map_png,
            year_over_year=year_over_year,
            provenance={k: v for k, v in manifest.items() if k not in ("created_utc", "stage_seconds")},
        )
        write_json(stage_rep / "manifest.json", manifest)
        write_json(stage_proc / "manifest.json", manifest)
        stages["index"] = time.perf_counter() - start
        start = time.perf_counter()
        findings = audit_run(stage_rep, stage_proc, privacy_threshold(cfg.thresholds))
        if findings:  # never publish a run from which a small student count can be read or worked out
            remove_owned(stage_proc)
            remove_owned(stage_rep)
            lines = "\n".join(f"  - {f}" for f in findings[:20])
            raise RunError(f"privacy audit failed; nothing was published:\n{lines}")
        stages["privacy audit"] = time.perf_counter() - start
        publish_dirs(
            [(stage_proc, cfg.processed_dir), (stage_rep, cfg.reports_dir)], folders.journal, cfg.run
        )
    except RunError:
        # the staging folders stay for inspection (the message names the notebooks folder); the next run
        # of this name reuses the region reports that were finished and then removes them
        raise
    except KeyboardInterrupt:
        # keep finished work (region reports, freshly computed stage tables) for the next run to reuse
        if not completed and (stages_reused or not (stage_proc / run_cache.RECORD).is_file()):
            remove_owned(stage_rep)
            remove_owned(stage_proc)
        raise
    except BaseException:
        remove_owned(stage_rep)
        remove_owned(stage_proc)
        raise
    finally:
        bar.close()
    return RunResult(
        cfg.processed_dir,
        cfg.reports_dir,
        stages,
        list(regions["region_id"]),
        warnings,
        reused=reused,
        stages_reused=stages_reused,
    )
