"""Command line: ``alignment demo``, ``alignment run CONFIG.yml``, ``alignment validate CONFIG.yml``, ``alignment audit RUN``,
``alignment fetch --state VT --year 2023``."""

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


def _run_config(
    config_path: Path, *, workers: int | None, progress: bool, cache: bool = True, allow_outside: bool = False
) -> int:
    from .config import load_config
    from .folders import FolderError
    from .run import RunError, run_pipeline

    start = time.perf_counter()
    try:
        cfg = load_config(config_path)
        result = run_pipeline(
            cfg, workers=workers, progress=progress, cache=cache, allow_outside=allow_outside
        )
    except InputError as exc:
        _err(f"error: {exc}")
        _err("Nothing was written; the previous run's outputs are unchanged.")
        return EXIT_INPUT
    except (RunError, FolderError) as exc:
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
    from .folders import FolderError

    out = Path(args.data_dir)
    t = time.perf_counter()
    try:
        paths = generate_demo(out)
    except FolderError as exc:
        _err(f"error: {exc}")
        return EXIT_INPUT
    config = Path(paths["config"]) if "config" in paths else out / "config.yml"
    print(f"synthetic Demo State written to {out} in {time.perf_counter() - t:.1f} s")
    return _run_config(
        config,
        workers=args.workers,
        progress=not args.no_progress,
        cache=not args.no_cache,
        allow_outside=args.allow_outside,
    )


def cmd_run(args: argparse.Namespace) -> int:
    return _run_config(
        Path(args.config),
        workers=args.workers,
        progress=not args.no_progress,
        cache=not args.no_cache,
        allow_outside=args.allow_outside,
    )


def cmd_validate(args: argparse.Namespace) -> int:
    from .config import load_config
    from .inputs import load_reference, read_inputs
    from .reference import lookup_cip_cluster
    from .run import check_outputs

    try:
        cfg = load_config(args.config)
        check_outputs(cfg, allow_outside=args.allow_outside)
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
    for note in inputs.notes:  # the run goes on; the reports' data notes carry them too
        _err(f"warning: {note}")
    _print_cip_suggestions(cfg, e, args)
    return EXIT_OK


def _print_cip_suggestions(cfg, enrollment, args: argparse.Namespace) -> None:
    """Program title → CIP suggestions for rows with a missing or invalid CIP (needs ``inputs.cip_list``)."""
    missing = int(enrollment["cip"].isna().sum())
    if cfg.inputs.cip_list is None:
        if missing:
            print(
                f"  note: {missing} row(s) have a missing or invalid CIP code; add inputs.cip_list (NCES "
                "CIPCode2020.csv) to get suggestions from the program titles"
            )
        return
    from .sources.cip import read_cip_list
    from .suggest import suggest_for_enrollment, write_mapping_template

    suggestions = suggest_for_enrollment(enrollment, read_cip_list(cfg.inputs.cip_list), k=3)
    if suggestions.empty:
        return
    best = suggestions[suggestions["rank"] == 1].drop_duplicates(["program_name", "cip_raw"])
    print(
        f"  CIP suggestions for {len(best)} program(s) with a missing or invalid CIP code (best match, score 0-1):"
    )
    for r in best.head(20).itertuples():
        raw = "" if r.cip_raw is None or str(r.cip_raw) in ("", "<NA>") else f" (CIP cell {r.cip_raw!r})"
        print(
            f"    row {r.source_row}: {r.program_name!r}{raw} -> {r.suggested_cip} {r.suggested_title} ({r.score:.2f})"
        )
    if len(best) > 20:
        print(f"    ... {len(best) - 20} more")
    if args.suggestions:
        path = write_mapping_template(suggestions, args.suggestions)
        print(
            f"  wrote {path}: put 'yes' in the accept column of the lines you agree with, then name the file "
            "in crosswalks.program_cip_mapping; nothing is applied until you do"
        )
    else:
        print(
            "  (write them to a file to accept: alignment validate CONFIG --suggestions cip-suggestions.csv)"
        )


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


def cmd_fetch(args: argparse.Namespace) -> int:
    import os

    from tqdm import tqdm

    from .fetch import (
        DEFAULT_USER_AGENT,
        USER_AGENT_ENV,
        FetchError,
        FetchOptions,
        FileResult,
        FileSpec,
        describe_plan,
        fetch,
        load_fetch_config,
        parse_base_urls,
    )

    try:
        settings = load_fetch_config(args.config) if args.config else {"base_urls": {}, "user_agent": None}
        base_urls = {**settings["base_urls"], **parse_base_urls(args.base_url or [])}
        sources = [s.strip() for s in args.sources.split(",") if s.strip()] if args.sources else None
        agent = (
            args.user_agent or os.environ.get(USER_AGENT_ENV) or settings["user_agent"] or DEFAULT_USER_AGENT
        )
        options = FetchOptions(
            dest=Path(args.dest),
            base_urls=base_urls,
            user_agent=agent,
            retries=args.retries,
            timeout_s=args.timeout,
            refresh=args.refresh,
            allow_loopback=args.allow_loopback,
        )
        if agent == DEFAULT_USER_AGENT and not args.dry_run:
            _err(
                "note: BLS asks automated clients for a contact in the User-Agent; set --user-agent, "
                f"{USER_AGENT_ENV} or fetch.user_agent to something like 'Jane Doe jane@state.gov'"
            )
        bar: list[tqdm] = []

        def on_plan(specs: list[FileSpec]) -> None:
            for line in describe_plan(specs, args.state, args.year, options.dest):
                print(line)
            if not args.dry_run:
                disable = args.no_progress or None  # None: only on a terminal
                bar.append(
                    tqdm(total=len(specs), unit="file", desc="fetch", file=sys.stderr, disable=disable)
                )

        def on_file(result: FileResult) -> None:
            if bar:
                bar[0].update(1)
                bar[0].set_postfix_str(result.spec.name, refresh=True)
            if result.status == "failed":
                if bar:
                    bar[0].write(f"failed: {result.message}", file=sys.stderr)
                else:
                    _err(f"failed: {result.message}")

        def on_more(n: int) -> None:
            if bar:
                bar[0].total += n
                bar[0].refresh()
            else:
                print(f"  + {n} county slice(s)")

        report = fetch(
            args.state,
            args.year,
            sources,
            options=options,
            dry_run=args.dry_run,
            on_plan=on_plan,
            on_file=on_file,
            on_more=on_more,
        )
        if bar:
            bar[0].close()
    except FetchError as exc:
        _err(f"error: {exc}")
        return EXIT_INPUT
    except KeyboardInterrupt:
        _err("interrupted: files already in place are complete; a rerun resumes the partial download.")
        return EXIT_INTERRUPTED
    if args.dry_run:
        print(f"dry run: nothing was downloaded ({len(report.results)} file(s) planned)")
        return EXIT_OK
    if report.offline:
        _err(f"error: {report.offline}")
        _err("Nothing more was downloaded; files already in place are unchanged.")
        return EXIT_RUN
    print(f"fetch: {report.summary()} → {options.dest}")
    if report.failed:
        _err(f"{len(report.failed)} file(s) failed:")
        for result in report.failed:
            _err(f"  - {result.message}")
        return EXIT_RUN
    return EXIT_OK


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
        p.add_argument(
            "--no-cache",
            action="store_true",
            help="rebuild every table and region report, even those whose inputs, config and code are unchanged",
        )
        allow_outside(p)

    def allow_outside(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--allow-outside",
            action="store_true",
            help="let the output folders lie outside the project folder (the working directory)",
        )

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
    p.add_argument(
        "--suggestions",
        metavar="FILE",
        help="write program title -> CIP suggestions (CSV with an accept column) for rows with a missing or invalid CIP",
    )
    allow_outside(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("audit", help="check a finished run's published files for recoverable small counts")
    p.add_argument("run", help="the run's name (its folder under reports/ and data/processed/)")
    p.add_argument("--reports-dir", default="reports", help="default: %(default)s")
    p.add_argument("--processed-dir", default="data/processed", help="default: %(default)s")
    p.add_argument("--threshold", type=int, default=None, help="default: the run's privacy_threshold")
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser(
        "fetch",
        help="download the official files (QCEW, OEWS, projections, CIP, CIP-SOC, CBSA, counties) into data/raw",
    )
    p.add_argument("--state", required=True, help="postal code (VT) or FIPS code (50)")
    p.add_argument("--year", required=True, type=int, help="data year, such as 2023")
    p.add_argument(
        "--sources",
        default=None,
        help="comma-separated subset of qcew,oews,projections,cip,cip_soc,cbsa,counties (default: all)",
    )
    p.add_argument("--dest", default="data/raw", help="default: %(default)s")
    p.add_argument("--dry-run", action="store_true", help="print the plan, download nothing")
    p.add_argument(
        "--base-url",
        action="append",
        metavar="SOURCE=URL",
        help="another base URL for a source (a mirror); repeatable; overrides the config's fetch.base_urls",
    )
    p.add_argument(
        "--config", default=None, help="a YAML file whose 'fetch' section sets base_urls, user_agent"
    )
    p.add_argument("--user-agent", default=None, help="sent to the publishers; put your e-mail in it")
    p.add_argument("--refresh", action="store_true", help="download again files already present")
    p.add_argument("--retries", type=int, default=4, help="default: %(default)s")
    p.add_argument(
        "--timeout", type=float, default=60.0, help="seconds per connection step (default: %(default)s)"
    )
    p.add_argument(
        "--allow-loopback",
        action="store_true",
        help="also allow http://127.0.0.1 and http://localhost base URLs (a mirror on this computer)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_fetch)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
