"""Scale benchmark: how the readers and the computation grow with the size of the input.

    python benchmarks/bench_scale.py --scale 1 10 --repeat 3
    python benchmarks/bench_scale.py --scale 1 10 50 --memory       # also peak memory per scale
    python benchmarks/bench_scale.py --demo-only                      # only the `alignment demo` split

For each scale, ``benchmarks/generate.py`` writes ``scale`` replicas of the synthetic Demo State (enrollment
extract, QCEW annual singlefiles, regions, OEWS workbook) into a temporary folder. Every stage is then timed
in this one process, ``repeat`` times, the scales interleaved within each round (so a burst of load on a
shared machine hits every scale alike); the table keeps the fastest time of each stage and scale, the
usual estimator of the undisturbed cost. What matters is the RATIO of a stage's time at scale N to its time
at scale 1: linear scaling gives a ratio close to N (the ``rows ×`` column gives the exact growth of the
stage's input, which differs a little from N because replicas draw their own programs).

``--memory`` runs every stage once more per scale in a fresh child process and reports its peak resident
set size (``VmHWM`` on Linux: the whole process, Arrow string buffers included) and the largest
``tracemalloc`` peak of a single stage (Python and NumPy allocations only).

``--demo`` (on by default; ``--no-demo`` skips it) runs ``alignment demo`` once in a temporary folder and
splits its wall time into kernel start-up, package imports in the kernel, the computation of the stages
(the same stage functions run in this process) and the rest (report notebooks: charts, maps, HTML export).
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate_scaled  # noqa: E402

from alignment import align, demand, flags, reference, supply  # noqa: E402
from alignment.sources.enrollment import read_enrollment  # noqa: E402
from alignment.sources.oews import read_oews  # noqa: E402
from alignment.sources.qcew import read_qcew  # noqa: E402
from alignment.sources.regions import read_regions  # noqa: E402

FRAMEWORK = "2024"
YEAR = 2024
STATE_FIPS = "41"
#: hourly family-supporting wage of each demo region (1 adult, 1 child), a fixed benchmark input
FAMILY_WAGE = {"metro": 33.0, "valley": 29.5, "coast": 28.5, "south": 28.0, "central": 30.5, "east": 27.0}


# ------------------------------------------------------------------------------------------------ stages


@dataclass
class Case:
    """The inputs of one scale, read once, and every intermediate table the stages need."""

    scale: int
    paths: dict
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)


@dataclass(frozen=True)
class Stage:
    """One timed step: ``run(case)`` returns its output table; ``rows(case)`` is the size of its input."""

    name: str
    input: str
    run: Callable[[Case], object]
    rows: Callable[[Case], int]


def _reference() -> dict[str, pd.DataFrame]:
    return {
        "clusters": reference.load_clusters(FRAMEWORK),
        "cip_cluster": reference.load_cip_cluster(FRAMEWORK),
        "naics_cluster": reference.load_naics_cluster(FRAMEWORK),
        "cip_soc": reference.load_cip_soc(),
    }


REF: dict[str, pd.DataFrame] = {}


def _programs(c: Case) -> tuple[pd.DataFrame, pd.DataFrame]:
    lookup = reference.lookup_cip_cluster(c.tables["enrollment"]["cip"], REF["cip_cluster"])
    return supply.assign_programs(c.tables["enrollment"], c.tables["regions"], lookup)


def _demand(c: Case) -> pd.DataFrame:
    q = c.tables["qcew"]
    naics_long = reference.map_naics_to_clusters(
        q["industry_code"].drop_duplicates().reset_index(drop=True), REF["naics_cluster"]
    )
    return demand.demand_by_region(q, c.tables["regions"], naics_long, base_area="US000")


def _align(c: Case) -> tuple[pd.DataFrame, pd.DataFrame]:
    a = align.align(c.tables["supply"], c.tables["demand"], REF["clusters"], c.tables["regions"], year=YEAR)
    return a, align.dissimilarity(a)


def _year_programs(c: Case) -> pd.DataFrame:
    p = c.tables["programs"]
    return p[p["year"] == YEAR]


def _program_wages(c: Case) -> pd.DataFrame:
    return demand.occupation_wages_for_programs(
        _year_programs(c), REF["cip_soc"], c.tables["oews"], c.tables["regions"], fallback_area=STATE_FIPS
    )


def _flags(c: Case) -> pd.DataFrame:
    return flags.flag_pathways(
        _year_programs(c), c.tables["alignment"], c.tables["program_wages"], c.tables["family_wage"]
    )


STAGES: tuple[Stage, ...] = (
    Stage(
        "read_enrollment",
        "enrollment rows",
        lambda c: read_enrollment(c.paths["enrollment"]),
        lambda c: len(c.tables["enrollment"]),
    ),
    Stage(
        "read_qcew",
        "QCEW rows",
        lambda c: read_qcew(c.paths["qcew"]),
        lambda c: len(c.tables["qcew"]),
    ),
    Stage(
        "supply.assign_programs",
        "enrollment rows",
        _programs,
        lambda c: len(c.tables["enrollment"]),
    ),
    Stage(
        "supply.supply_by_cluster",
        "program rows",
        lambda c: supply.supply_by_cluster(c.tables["programs"]),
        lambda c: len(c.tables["programs"]),
    ),
    Stage("demand.demand_by_region", "QCEW rows", _demand, lambda c: len(c.tables["qcew"])),
    Stage(
        "align.align + dissimilarity",
        "supply + demand rows",
        _align,
        lambda c: len(c.tables["supply"]) + len(c.tables["demand"]),
    ),
    Stage(
        "demand.occupation_wages_for_programs",
        "programs of the year",
        _program_wages,
        lambda c: len(_year_programs(c)),
    ),
    Stage("flags.flag_pathways", "programs of the year", _flags, lambda c: len(_year_programs(c))),
)


def family_wage(regions: pd.DataFrame) -> pd.DataFrame:
    """One family-supporting hourly wage per region: the value of the demo region it replicates."""
    ids = regions["region_id"].drop_duplicates()
    return pd.DataFrame(
        {
            "region_id": ids.to_numpy(),
            "wage_hourly_usd": [FAMILY_WAGE[r.split("-r")[0]] for r in ids],
            "family_type": "1 adult, 1 child",
        }
    )


def prepare(scale: int, folder: Path) -> Case:
    """Generate the input of one scale and compute every table once (also warms caches and imports)."""
    if not REF:
        REF.update(_reference())
    case = Case(scale, generate_scaled(folder, scale))
    t = case.tables
    t["regions"] = read_regions(case.paths["regions"])
    t["oews"] = read_oews(case.paths["oews"])
    t["family_wage"] = family_wage(t["regions"])
    t["enrollment"] = STAGES[0].run(case)
    t["qcew"] = STAGES[1].run(case)
    t["programs"], _ = STAGES[2].run(case)
    t["supply"] = STAGES[3].run(case)
    t["demand"] = STAGES[4].run(case)
    t["alignment"], _ = STAGES[5].run(case)
    t["program_wages"] = STAGES[6].run(case)
    t["flags"] = STAGES[7].run(case)
    return case


def time_stage(stage: Stage, case: Case) -> float:
    """Seconds of one run of a stage (garbage collected before, not during)."""
    gc.collect()
    start = time.perf_counter()
    stage.run(case)
    return time.perf_counter() - start


def run_timings(cases: list[Case], repeat: int) -> dict[tuple[str, int], list[float]]:
    """``repeat`` rounds; in each round every stage at every scale, scales interleaved."""
    times: dict[tuple[str, int], list[float]] = {}
    for _ in range(repeat):
        for stage in STAGES:
            for case in cases:
                times.setdefault((stage.name, case.scale), []).append(time_stage(stage, case))
    return times


# ------------------------------------------------------------------------------------------------ tables


def timing_table(cases: list[Case], times: dict[tuple[str, int], list[float]]) -> str:
    """A markdown table: per stage the fastest time at each scale, the ratio to scale 1 and s per 100k rows."""
    base = cases[0]
    head = ["stage", "input", f"rows ×{base.scale}", f"s ×{base.scale}"]
    for c in cases[1:]:
        head += [f"s ×{c.scale}", f"ratio ×{c.scale} (rows ×)", f"s/100k rows ×{c.scale}"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    totals = {c.scale: 0.0 for c in cases}
    for stage in STAGES:
        t0 = min(times[(stage.name, base.scale)])
        r0 = stage.rows(base)
        row = [f"`{stage.name}`", stage.input, f"{r0:,}", f"{t0:.3f}"]
        totals[base.scale] += t0
        for c in cases[1:]:
            t = min(times[(stage.name, c.scale)])
            rows = stage.rows(c)
            totals[c.scale] += t
            row += [f"{t:.3f}", f"{t / t0:.1f} ({rows / r0:.1f})", f"{t / rows * 1e5:.2f}"]
        lines.append("| " + " | ".join(row) + " |")
    total = ["**all stages**", "", "", f"{totals[base.scale]:.3f}"]
    for c in cases[1:]:
        total += [f"{totals[c.scale]:.3f}", f"{totals[c.scale] / totals[base.scale]:.1f}", ""]
    lines.append("| " + " | ".join(total) + " |")
    return "\n".join(lines)


def sizes_table(cases: list[Case]) -> str:
    lines = [
        "| scale | enrollment rows | QCEW rows | counties | regions | programs of the year | flags |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in cases:
        t = c.tables
        lines.append(
            f"| {c.scale} | {len(t['enrollment']):,} | {len(t['qcew']):,} | {c.paths['counties']:,} | "
            f"{c.paths['regions_count']:,} | {len(_year_programs(c)):,} | {len(t['flags']):,} |"
        )
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------ memory


def _peak_rss_mib() -> float:
    """Peak resident set size of this process so far, MiB.

    Linux: ``VmHWM`` of ``/proc/self/status``, the high-water mark of this program's own memory. (``ru_maxrss``
    is not used there: across fork + exec it keeps the parent's peak, so a child would report the size of the
    benchmark process that started it.) Elsewhere ``getrusage`` (macOS reports bytes, others KiB).
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def memory_child(folder: Path, scale: int) -> dict:
    """In a fresh process, on data already in ``folder``: the peak RSS of reading and computing one scale,
    then the tracemalloc peak of each stage."""
    if not REF:
        REF.update(_reference())
    paths = {
        "enrollment": folder / "enrollment.csv",
        "regions": folder / "regions.csv",
        "qcew": sorted((folder / "qcew").glob("*.csv")),
        "oews": next((folder / "oews").glob("*.xlsx")),
    }
    case = Case(scale, paths)
    gc.collect()
    before = _peak_rss_mib()  # interpreter, imports and reference tables
    t = case.tables
    t["regions"] = read_regions(paths["regions"])
    t["oews"] = read_oews(paths["oews"])
    t["family_wage"] = family_wage(t["regions"])
    keys = ["enrollment", "qcew", "programs", "supply", "demand", "alignment", "program_wages", "flags"]
    for key, stage in zip(keys, STAGES, strict=True):
        out = stage.run(case)
        t[key] = out[0] if isinstance(out, tuple) else out
    after = _peak_rss_mib()
    peaks = {}
    for stage in STAGES:
        gc.collect()
        tracemalloc.start()
        stage.run(case)
        peaks[stage.name] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return {
        "scale": scale,
        "enrollment_rows": len(t["enrollment"]),
        "qcew_rows": len(t["qcew"]),
        "rss_before_mib": before,
        "rss_peak_mib": after,
        "tracemalloc_peak_mib": peaks,
    }


def run_memory(scales: list[int], work: Path) -> list[dict]:
    out = []
    for scale in scales:
        folder = work / f"mem-{scale}"
        generator = Path(__file__).with_name("generate.py")
        subprocess.run(
            [sys.executable, str(generator), str(folder), "--scale", str(scale)],
            check=True,
            capture_output=True,
        )
        proc = subprocess.run(
            [sys.executable, __file__, "--memory-child", str(folder), "--scale", str(scale)],
            check=True,
            capture_output=True,
            text=True,
        )
        out.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        shutil.rmtree(folder, ignore_errors=True)
    return out


def memory_table(results: list[dict]) -> str:
    lines = [
        "| scale | enrollment rows | QCEW rows | peak RSS (MiB) | RSS after imports (MiB) | "
        "largest tracemalloc peak of one stage (MiB) |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        name, peak = max(r["tracemalloc_peak_mib"].items(), key=lambda kv: kv[1])
        lines.append(
            f"| {r['scale']} | {r['enrollment_rows']:,} | {r['qcew_rows']:,} | {r['rss_peak_mib']:.0f} | "
            f"{r['rss_before_mib']:.0f} | {peak:.0f} (`{name}`) |"
        )
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------ demo split


def _empty_notebook(path: Path, code: str) -> Path:
    """A notebook with a tagged ``parameters`` cell and one code cell."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("x = 1")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(code)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))
    return path


def _alignment_command() -> list[str]:
    exe = Path(sys.executable).with_name("alignment")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("alignment")
    return [found] if found else [sys.executable, "-m", "alignment.cli"]


def run_demo_split(work: Path, kernel_runs: int = 3) -> dict:
    """Wall time of ``alignment demo`` and how it splits into kernel start-up, imports and computation."""
    from alignment.build import build
    from alignment.config import load_config
    from alignment.run import execute_notebook

    folder = work / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    subprocess.run(
        [*_alignment_command(), "demo", "--no-progress"], cwd=folder, check=True, capture_output=True
    )
    wall = time.perf_counter() - start
    manifest = json.loads((folder / "reports" / "demo" / "manifest.json").read_text(encoding="utf-8"))
    stages = manifest.get("stage_seconds", {})

    def notebook_seconds(code: str, name: str) -> float:
        nb = _empty_notebook(work / f"{name}.ipynb", code)
        runs = []
        for i in range(kernel_runs):
            t = time.perf_counter()
            execute_notebook(nb, work / f"{name}-out-{i}.ipynb", {"x": 2}, work)
            runs.append(time.perf_counter() - t)
        return statistics.median(runs)

    empty = notebook_seconds("y = x + 1", "empty")
    # the imports of the region report notebook (04); the tables are built in the run's own process
    report_imports = notebook_seconds(
        "%matplotlib inline\nfrom IPython.display import HTML, Markdown, display\n"
        "from alignment import charts, maps\nfrom alignment.report import narrative",
        "report-imports",
    )

    cfg = load_config(folder / "data" / "raw" / "demo" / "config.yml", root=folder)
    out = work / "processed"
    out.mkdir(exist_ok=True)
    t = time.perf_counter()
    build(cfg).write(out)
    compute = {"build": time.perf_counter() - t}

    regions = len(pd.read_csv(folder / "data" / "raw" / "demo" / "regions.csv")["region_id"].unique())
    workers = min(regions, os.cpu_count() or 1)
    return {
        "wall_s": wall,
        "stage_seconds": stages,
        "kernel_empty_s": empty,
        "kernel_report_imports_s": report_imports,
        "region_waves": math.ceil(regions / workers),  # region notebook starts on the critical path
        "regions": regions,
        "workers": workers,
        "compute_s": compute,
    }


def demo_table(d: dict) -> str:
    """The demo's wall time split into kernel start-up, imports, stage computation and the rest."""
    wall = d["wall_s"]
    empty = d["kernel_empty_s"]
    starts = d["region_waves"]
    kernel = starts * empty
    imports = d["region_waves"] * max(d["kernel_report_imports_s"] - empty, 0.0)
    # the tables: alignment.build reads every input once, computes the measures and writes them
    compute = sum(d["compute_s"].values())
    rest = wall - kernel - imports - compute
    rows = [
        ("kernel start-up (an empty notebook, × notebook starts on the critical path)", kernel),
        ("imports in the region report kernels (charts, maps, report)", imports),
        ("the tables (alignment.build: read inputs, measures, write; timed in process)", compute),
        ("the rest: region report work (charts, maps, narrative), HTML export, demo data, writes", rest),
    ]
    lines = [
        f"`alignment demo` wall time: **{wall:.1f} s** ({d['regions']} regions on {d['workers']} workers: "
        f"{starts} waves of region reports on the critical path). Papermill on an empty notebook: "
        f"{empty:.1f} s; with the region report's imports: {d['kernel_report_imports_s']:.1f} s.",
        "",
        "| part | seconds | share of wall time |",
        "|---|---|---|",
    ]
    lines += [f"| {name} | {sec:.1f} | {sec / wall:.0%} |" for name, sec in rows]
    stages = " · ".join(f"{k} {v:.1f} s" for k, v in d["stage_seconds"].items())
    lines += ["", f"Stage times recorded by the run (manifest `stage_seconds`): {stages}."]
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------ main


def _machine() -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"pandas {pd.__version__}; load average at start {load:.1f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, nargs="+", default=[1, 10], help="scales (first is the base)")
    parser.add_argument("--repeat", type=int, default=3, help="timed rounds (fastest kept)")
    parser.add_argument("--memory", action="store_true", help="peak memory per scale (child processes)")
    parser.add_argument("--memory-scale", type=int, nargs="+", help="scales for --memory (default: --scale)")
    parser.add_argument("--no-demo", action="store_true", help="skip the `alignment demo` wall-time split")
    parser.add_argument("--demo-only", action="store_true", help="only the `alignment demo` split")
    parser.add_argument("--json", type=Path, help="also write every measurement to this JSON file")
    parser.add_argument("--memory-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.memory_child:
        print(json.dumps(memory_child(args.memory_child, args.scale[0])))
        return 0

    print(f"# Scale benchmark, {date.today().isoformat()}\n\n{_machine()}\n", flush=True)
    results: dict = {"date": date.today().isoformat(), "machine": _machine()}
    with tempfile.TemporaryDirectory(prefix="alignment-bench-") as tmp:
        work = Path(tmp)
        if not args.demo_only:
            scales = sorted(dict.fromkeys(args.scale), key=args.scale.index)
            cases = []
            for scale in scales:
                t = time.perf_counter()
                cases.append(prepare(scale, work / f"scale-{scale}"))
                print(
                    f"prepared scale {scale} in {time.perf_counter() - t:.1f} s", file=sys.stderr, flush=True
                )
            times = run_timings(cases, args.repeat)
            print(f"## Sizes\n\n{sizes_table(cases)}\n")
            print(
                f"## Time (fastest of {args.repeat}, seconds)\n\n{timing_table(cases, times)}\n", flush=True
            )
            results["timings"] = {f"{name} @ {scale}": ts for (name, scale), ts in times.items()}
            if args.memory:
                mem = run_memory(args.memory_scale or scales, work)
                print(f"## Peak memory\n\n{memory_table(mem)}\n", flush=True)
                results["memory"] = mem
            del cases
        if not args.no_demo:
            d = run_demo_split(work)
            print(f"## Demo wall time\n\n{demo_table(d)}\n", flush=True)
            results["demo"] = d
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
