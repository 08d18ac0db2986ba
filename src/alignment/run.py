"""Run the notebooks of a pipeline with papermill and publish the reports.

The stage notebooks (demand, supply, alignment) run one after another; the
region report notebook runs once per region, in parallel processes. Everything
is written into hidden staging folders first; only a complete run replaces the
previous one (``data/processed/<run>/`` and ``reports/<run>/``), so a failed or
interrupted run leaves the last good reports intact.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
import warnings as warnings_module
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .atomic import replace_dir
from .audit import audit_run
from .codes import slugify
from .config import Config
from .manifest import build_manifest, write_json
from .paths import NOTEBOOKS_DIR
from .pipeline import load_processed, load_reference, read_inputs

STAGE_NOTEBOOKS: tuple[tuple[str, str], ...] = (
    ("demand", "01_demand.ipynb"),
    ("supply", "02_supply.ipynb"),
    ("alignment", "03_alignment.ipynb"),
)
REGION_NOTEBOOK = "04_region_report.ipynb"
KERNEL = "python3"
INDEX_FLAG_LABELS = {
    "UNDERSUPPLIED": "Undersupplied clusters",
    "OVERSUPPLIED": "Oversupplied pathways",
    "LOW_DEMAND": "Low-demand pathways",
    "BELOW_FAMILY_WAGE": "Below family wage",
    "FEW_HSHWID_JOBS": "Few HSHWID jobs",
    "UNMATCHED_PROGRAM": "Unmatched programs",
    "SUPPRESSED": "Small programs",
}


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
    region_id, region_name, config_path, processed, notebooks_out, report_dir, title, cwd = args
    from .config import load_config
    from .report.html import notebook_to_html
    from .report.pdf import PdfError, html_to_pdf, print_css
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
        html = notebook_to_html(
            executed,
            Path(report_dir) / "report.html",
            title=f"{region_name} — {title}",
            extra_css=print_css(),
        )
        write_region_workbook(
            Path(report_dir) / "tables.xlsx",
            load_processed(processed),
            region_id,
            cfg=load_config(config_path),
        )
        try:
            html_to_pdf(html, Path(report_dir) / "report.pdf")
        except PdfError as exc:  # a missing browser costs the PDF, never the run
            note = f"no PDF: {str(exc).strip().splitlines()[-1]}"
        return region_id, None, time.perf_counter() - start, note
    except Exception as exc:  # reported per region; the batch carries on
        return (
            region_id,
            f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1] if str(exc).strip() else ''}",
            (time.perf_counter() - start),
            None,
        )


@dataclass
class RunResult:
    processed_dir: Path
    reports_dir: Path
    stage_seconds: dict[str, float] = field(default_factory=dict)
    regions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def region_summaries(tables: dict[str, pd.DataFrame], regions: pd.DataFrame, year: int) -> pd.DataFrame:
    """One row per region: name, dissimilarity index and number of flags of each kind (for the index page)."""
    names = regions.drop_duplicates("region_id")[["region_id", "region_name"]]
    counties = regions.groupby("region_id").size().rename("counties").reset_index()
    out = names.merge(counties, on="region_id", how="left")
    d = tables["dissimilarity"]
    d = d[d["year"] == year][["region_id", "dissimilarity"]]
    out = out.merge(d, on="region_id", how="left")
    flags = tables["flags"]
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
) -> RunResult:
    """Run every notebook of the pipeline for a config and publish the reports atomically."""
    from tqdm.auto import tqdm

    from . import maps
    from .report.index import write_index
    from .report.publish import protect_tables
    from .report.workbook import write_state_workbook

    cwd = Path.cwd()
    stages: dict[str, float] = {}
    t0 = time.perf_counter()
    inputs = read_inputs(cfg)  # fails before anything is written
    load_reference(cfg)  # so does a bad crosswalk file named in the config
    stages["validate"] = time.perf_counter() - t0

    token = uuid.uuid4().hex[:8]
    stage_proc = cfg.processed_dir.parent / f".{cfg.processed_dir.name}.partial-{token}"
    stage_rep = cfg.reports_dir.parent / f".{cfg.reports_dir.name}.partial-{token}"
    nb_out = stage_proc / "notebooks"
    regions = inputs.regions.drop_duplicates("region_id")[["region_id", "region_name"]]
    regions = regions.sort_values("region_id").reset_index(drop=True)
    total = len(STAGE_NOTEBOOKS) + len(regions)
    bar = tqdm(total=total, desc="notebooks", unit="nb", disable=not progress, leave=True)
    try:
        for name, nb in STAGE_NOTEBOOKS:
            start = time.perf_counter()
            bar.set_postfix_str(name)
            execute_notebook(
                NOTEBOOKS_DIR / nb,
                nb_out / nb,
                {"config_path": str(cfg.path.resolve()), "processed_dir": str(stage_proc.resolve())},
                cwd,
            )
            stages[name] = time.perf_counter() - start
            bar.update(1)
        start = time.perf_counter()
        jobs = [
            (
                r.region_id,
                r.region_name,
                str(cfg.path.resolve()),
                str(stage_proc.resolve()),
                str(nb_out.resolve()),
                str((stage_rep / slugify(r.region_id)).resolve()),
                cfg.title,
                str(cwd),
            )
            for r in regions.itertuples()
        ]
        failures: dict[str, str] = {}
        warnings: list[str] = []
        n = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
        bar.set_postfix_str("region reports")
        with ProcessPoolExecutor(max_workers=n) as pool:
            futures = [pool.submit(_region_job, job) for job in jobs]
            for fut in as_completed(futures):
                region_id, error, _, note = fut.result()
                if error:
                    failures[region_id] = error
                if note and note not in warnings:
                    warnings.append(note)
                bar.update(1)
        stages["region reports"] = time.perf_counter() - start
        if failures:
            lines = "\n".join(f"  - {rid}: {msg}" for rid, msg in sorted(failures.items()))
            raise RunError(
                f"{len(failures)} of {len(jobs)} region report(s) failed; the previous run is unchanged. "
                f"Executed notebooks are in {nb_out}:\n{lines}"
            )

        start = time.perf_counter()
        tables = load_processed(stage_proc)
        write_state_workbook(stage_rep / "state-tables.xlsx", tables, cfg=cfg)
        published = protect_tables(tables, cfg)["alignment"]
        with warnings_module.catch_warnings(record=True) as caught:
            warnings_module.simplefilter("always")
            counties = maps.load_counties(cfg.state_fips, cfg.inputs.geometry)
            shapes = maps.region_shapes(counties, inputs.regions)
            maps.run_geopackage(stage_rep / "maps.gpkg", counties, inputs.regions, published, year=cfg.year)
            overview = maps.plot_state_overview(shapes, published, tables["dissimilarity"], year=cfg.year)
            state_map_png = maps.figure_png(overview)
        warnings += [str(w.message) for w in caught if str(w.message) not in warnings]
        summary = region_summaries(tables, inputs.regions, cfg.year)
        links: dict[str, dict[str, str]] = {}
        outputs = ["index.html", "manifest.json", "state-tables.xlsx", "maps.gpkg"]
        for rid in regions["region_id"]:
            slug = slugify(rid)
            files = {"Report": "report.html", "PDF": "report.pdf", "Workbook": "tables.xlsx"}
            links[rid] = {k: f"{slug}/{f}" for k, f in files.items() if (stage_rep / slug / f).is_file()}
            outputs += list(links[rid].values())
        manifest = build_manifest(cfg, outputs=outputs, stages=stages)
        write_index(
            stage_rep / "index.html",
            title=cfg.title,
            synthetic=cfg.synthetic,
            regions_summary=summary,
            links=links,
            state_links={
                "Workbook with every region (Excel)": "state-tables.xlsx",
                "Map layers for GIS (GeoPackage)": "maps.gpkg",
            },
            state_map_png=state_map_png,
            provenance={k: v for k, v in manifest.items() if k not in ("created_utc", "stage_seconds")},
        )
        write_json(stage_rep / "manifest.json", manifest)
        write_json(stage_proc / "manifest.json", manifest)
        stages["index"] = time.perf_counter() - start
        start = time.perf_counter()
        findings = audit_run(stage_rep, stage_proc, int(cfg.thresholds.get("privacy_threshold", 10)))
        if findings:  # never publish a run from which a small student count can be read or worked out
            shutil.rmtree(stage_proc, ignore_errors=True)
            lines = "\n".join(f"  - {f}" for f in findings[:20])
            raise RunError(f"privacy audit failed; nothing was published:\n{lines}")
        stages["privacy audit"] = time.perf_counter() - start
        replace_dir(stage_proc, cfg.processed_dir)
        replace_dir(stage_rep, cfg.reports_dir)
    except RunError:
        # keep the executed notebooks of a failed region run for inspection (the message names the folder)
        shutil.rmtree(stage_rep, ignore_errors=True)
        raise
    except BaseException:
        shutil.rmtree(stage_rep, ignore_errors=True)
        shutil.rmtree(stage_proc, ignore_errors=True)
        raise
    finally:
        bar.close()
    return RunResult(cfg.processed_dir, cfg.reports_dir, stages, list(regions["region_id"]), warnings)
