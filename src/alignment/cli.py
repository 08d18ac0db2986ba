"""Command line: ``alignment demo``, ``alignment run CONFIG.yml``, ``alignment validate CONFIG.yml``, ``alignment audit RUN``."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .errors import InputError

EXIT_OK, EXIT_INPUT, EXIT_RUN, EXIT_INTERRUPTED = 0, 1, 2, 130


def _err(msg: str) -> None:
    print(msg, file=sys.stderr)


def _closing_line(total: float, stages: dict[str, float], target: Path) -> str:
    parts = " · ".join(f"{name} {sec:.1f} s" for name, sec in stages.items())
    return f"done in {total:.1f} s ({parts}) → {target}"


def _run_config(config_path: Path, *, workers: int | None, progress: bool) -> int:
    from .config import load_config
    from .run import RunError, run_pipeline

    start = time.perf_counter()
    try:
        cfg = load_config(config_path)
        result = run_pipeline(cfg, workers=workers, progress=progress)
    except InputError as exc:
        _err(f"error: {exc}")
        _err("Nothing was written; the previous run's outputs are unchanged.")
        return EXIT_INPUT
    except RunError as exc:
        _err(f"error: {exc}")
        return EXIT_RUN
    except KeyboardInterrupt:
        _err("interrupted: the previous run's outputs are unchanged.")
        return EXIT_INTERRUPTED
    for warning in result.warnings:
        _err(f"warning: {warning}")
    index = result.reports_dir / "index.html"
    try:
        shown = index.relative_to(Path.cwd())
    except ValueError:
        shown = index
    print(_closing_line(time.perf_counter() - start, result.stage_seconds, shown))
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import generate_demo

    out = Path(args.data_dir)
    t = time.perf_counter()
    paths = generate_demo(out)
    config = Path(paths["config"]) if "config" in paths else out / "config.yml"
    print(f"synthetic Demo State written to {out} in {time.perf_counter() - t:.1f} s")
    return _run_config(config, workers=args.workers, progress=not args.no_progress)


def cmd_run(args: argparse.Namespace) -> int:
    return _run_config(Path(args.config), workers=args.workers, progress=not args.no_progress)


def cmd_validate(args: argparse.Namespace) -> int:
    from .config import load_config
    from .pipeline import load_reference, read_inputs
    from .reference import lookup_cip_cluster

    try:
        cfg = load_config(args.config)
        inputs = read_inputs(cfg)
        ref = load_reference(cfg)
    except InputError as exc:
        _err(str(exc))
        return EXIT_INPUT
    e = inputs.enrollment
    lookup = lookup_cip_cluster(e["cip"], ref.cip_cluster)
    mapped = set(lookup.loc[lookup["matched"].astype(bool), "cip"])
    unmatched = int((~e["cip"].isin(mapped)).sum())
    print(
        f"config {cfg.path}: OK (run {cfg.run!r}, year {cfg.year}, framework {cfg.framework}, preset {cfg.preset})"
    )
    print(
        f"  enrollment: {len(e):,} rows, {e['cip'].nunique():,} CIP codes, years {sorted(e['year'].unique().tolist())}"
    )
    print(f"  regions: {inputs.regions['region_id'].nunique()} regions, {len(inputs.regions)} counties")
    print(
        f"  QCEW: {len(inputs.qcew):,} rows from {len(cfg.inputs.qcew)} file(s), {int(inputs.qcew['suppressed'].sum()):,} suppressed"
    )
    if inputs.oews is not None:
        print(f"  OEWS: {len(inputs.oews):,} rows")
    if unmatched:
        print(
            f"  note: {unmatched} enrollment row(s) have a CIP code with no cluster; they are reported as unmatched"
        )
    return EXIT_OK


def cmd_audit(args: argparse.Namespace) -> int:
    from .audit import audit_run

    reports = Path(args.reports_dir) / args.run
    processed = Path(args.processed_dir) / args.run
    missing = [str(p) for p in (reports, processed) if not p.is_dir()]
    if missing:
        _err(f"error: no such folder: {', '.join(missing)} (run the pipeline first)")
        return EXIT_INPUT
    notes: list[str] = []
    findings = audit_run(reports, processed, args.threshold, notes=notes)
    for note in notes:
        _err(f"note: {note}")
    if not findings:
        print(f"audit {reports}: no small student count can be read or worked out")
        return EXIT_OK
    for f in findings:
        print(f)
    _err(f"{len(findings)} finding(s): small student counts can be read or worked out from {reports}")
    return EXIT_INPUT


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="alignment",
        description="CTE labor-market alignment: programs of study vs regional industry demand and family-supporting wages.",
    )
    parser.add_argument("--version", action="version", version=f"alignment {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--workers", type=int, default=None, help="parallel region reports (default: CPU count)"
        )
        p.add_argument("--no-progress", action="store_true", help="no progress bar")

    p = sub.add_parser("demo", help="generate the synthetic Demo State and build its reports")
    p.add_argument(
        "--data-dir", default="data/raw/demo", help="where the demo input files go (default: %(default)s)"
    )
    common(p)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("run", help="run the whole pipeline for a config file")
    p.add_argument("config", help="the run's YAML config (see docs/config.md)")
    common(p)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("validate", help="check a config and every input file; list every problem")
    p.add_argument("config")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("audit", help="check a finished run's published files for recoverable small counts")
    p.add_argument("run", help="the run's name (its folder under reports/ and data/processed/)")
    p.add_argument("--reports-dir", default="reports", help="default: %(default)s")
    p.add_argument("--processed-dir", default="data/processed", help="default: %(default)s")
    p.add_argument("--threshold", type=int, default=None, help="default: the run's privacy_threshold")
    p.set_defaults(func=cmd_audit)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
