"""Content-hash cache: keys change with inputs, config and code; a rerun reuses what they did not touch."""

from __future__ import annotations

import dataclasses
import json
import time

import pytest

from alignment import cache
from alignment.config import load_config
from alignment.demo import generate_demo
from alignment.manifest import sha256_file
from alignment.run import RunError, run_pipeline

# ---------------------------------------------------------------- keys


def test_digest_is_canonical():
    assert cache.digest({"a": 1, "b": [1, 2]}) == cache.digest({"b": [1, 2], "a": 1})
    assert cache.digest({"a": 1}) != cache.digest({"a": 2})
    assert len(cache.digest(None)) == 64


def _package(tmp_path):
    pkg, nbs = tmp_path / "pkg", tmp_path / "notebooks"
    (pkg / "report" / "templates").mkdir(parents=True)
    nbs.mkdir()
    (pkg / "a.py").write_text("X = 1\n")
    (pkg / "report" / "templates" / "print.css").write_text("body {}\n")
    (pkg / "presets.yml").write_text("lq: 1.25\n")
    (nbs / "04_region_report.ipynb").write_text("{}")
    return pkg, nbs


def test_code_fingerprint_follows_source_bytes_only(tmp_path):
    pkg, nbs = _package(tmp_path)
    first = cache.code_fingerprint(pkg, nbs)
    assert cache.code_fingerprint(pkg, nbs) == first
    (pkg / "__pycache__").mkdir()
    (pkg / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"\0compiled")
    (nbs / ".ipynb_checkpoints").mkdir()
    (nbs / ".ipynb_checkpoints" / "04_region_report-checkpoint.ipynb").write_text("{1}")
    (nbs / "scratch.txt").write_text("not a notebook")
    assert cache.code_fingerprint(pkg, nbs) == first, "compiled files, checkpoints, other files do not count"
    changed = []
    for path, text in (
        (pkg / "a.py", "X = 2\n"),
        (pkg / "report" / "templates" / "print.css", "body { margin: 0 }\n"),
        (pkg / "presets.yml", "lq: 1.5\n"),
        (nbs / "04_region_report.ipynb", '{"cells": []}'),
    ):
        path.write_text(text)
        changed.append(cache.code_fingerprint(pkg, nbs))
    assert len({first, *changed}) == 5, "every source, template, preset and notebook change gives a new key"


def test_code_fingerprint_of_the_installed_package_is_stable():
    assert cache.code_fingerprint() == cache.code_fingerprint()


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo-keys")
    generate_demo(root / "data" / "raw" / "demo")
    return root


def _cfg(root, config="data/raw/demo/config.yml"):
    return load_config(root / config, root=root)


def test_run_key_changes_with_input_bytes_and_config(demo_files, tmp_path):
    import shutil

    root = tmp_path / "w"
    shutil.copytree(demo_files, root)
    key = cache.run_key(_cfg(root), code="c")
    assert cache.run_key(_cfg(root), code="c") == key, "same files, same key"
    assert cache.run_key(_cfg(root), code="other code") != key

    qcew = sorted((root / "data" / "raw" / "demo" / "qcew").rglob("*.csv"))[0]
    original = qcew.read_bytes()
    qcew.write_bytes(original + b"\n")  # one byte more in one QCEW file
    assert cache.run_key(_cfg(root), code="c") != key
    qcew.write_bytes(original)
    assert cache.run_key(_cfg(root), code="c") == key

    config = root / "data" / "raw" / "demo" / "config.yml"
    text = config.read_text()
    config.write_text(
        text.replace("title:", "title: Renamed", 1) if "title:" in text else text + "\ntitle: x\n"
    )
    assert cache.run_key(_cfg(root), code="c") != key

    # one region's enrollment rows: the run key (and so every region's key) changes
    config.write_text(text)
    enrollment = root / "data" / "raw" / "demo" / "enrollment.csv"
    lines = enrollment.read_text().splitlines(keepends=True)
    enrollment.write_text("".join(lines[:-1]))
    assert cache.run_key(_cfg(root), code="c") != key


def test_run_key_and_manifest_cover_every_file_of_a_crosswalk_folder(demo_files, tmp_path):
    """Editing one workbook inside ``crosswalks.advance_cte_dir`` changes the run key (a rerun rebuilds) and
    the manifest lists every file of the folder."""
    import shutil

    from alignment.manifest import input_records

    root = tmp_path / "w"
    shutil.copytree(demo_files, root)
    folder = root / "data" / "raw" / "demo" / "advance-cte"
    (folder / "sub").mkdir(parents=True)
    (folder / "clusters.xlsx").write_bytes(b"one")
    (folder / "sub" / "crosswalk.xlsx").write_bytes(b"two")
    (folder / ".hidden").write_bytes(b"ignored")
    cfg = dataclasses.replace(_cfg(root), crosswalks={"advance_cte_dir": folder})
    records = [r for r in input_records(cfg) if r["role"] == "crosswalk:advance_cte_dir"]
    assert [r["path"] for r in records] == ["advance-cte/clusters.xlsx", "advance-cte/sub/crosswalk.xlsx"]
    key = cache.run_key(cfg, code="c")
    (folder / "sub" / "crosswalk.xlsx").write_bytes(b"two, edited")
    assert cache.run_key(cfg, code="c") != key
    (folder / "sub" / "crosswalk.xlsx").write_bytes(b"two")
    assert cache.run_key(cfg, code="c") == key
    (folder / "new.xlsx").write_bytes(b"three")  # a file added to the folder
    assert cache.run_key(cfg, code="c") != key


def test_region_key_names_the_region_and_the_tables():
    tables = {"alignment.parquet": "a" * 64, "flags.parquet": "b" * 64}
    key = cache.region_key("run", tables, "metro", "Metro")
    assert cache.region_key("run", dict(reversed(tables.items())), "metro", "Metro") == key
    assert cache.region_key("run", tables, "coast", "Coast") != key
    assert cache.region_key("run", tables, "metro", "Metro area") != key
    assert cache.region_key("run", {**tables, "flags.parquet": "c" * 64}, "metro", "Metro") != key
    assert cache.region_key("run2", tables, "metro", "Metro") != key
    assert cache.stage_key("run") != cache.stage_key("run2")


def _published(folder, year, table=b"PAR1"):
    folder.mkdir(parents=True)
    (folder / "alignment.parquet").write_bytes(table)
    (folder / "manifest.json").write_text(json.dumps({"year": year, "created_utc": "2025-01-01T00:00:00Z"}))


def test_earlier_runs_fingerprint_follows_earlier_years_beside_the_run(tmp_path):
    processed = tmp_path / "processed"
    here = processed / "state-2024"
    alone = cache.earlier_runs_fingerprint(here, 2024)
    _published(here, 2024)
    _published(processed / "state-2025", 2025)  # a later year is not compared with
    _published(processed / ".state-2023.partial-1", 2023)  # staging folders do not count
    assert cache.earlier_runs_fingerprint(here, 2024) == alone
    _published(processed / "state-2023", 2023)
    with_2023 = cache.earlier_runs_fingerprint(here, 2024)
    assert with_2023 != alone
    manifest = processed / "state-2023" / "manifest.json"
    manifest.write_text(json.dumps({"year": 2023, "created_utc": "2026-02-02T00:00:00Z"}))
    assert cache.earlier_runs_fingerprint(here, 2024) == with_2023, (
        "a rerun's time stamp alone changes nothing"
    )
    (processed / "state-2023" / "alignment.parquet").write_bytes(b"PAR1 other tables")
    assert cache.earlier_runs_fingerprint(here, 2024) != with_2023
    key = cache.region_key("run", {}, "metro", "Metro", earlier=with_2023)
    assert cache.region_key("run", {}, "metro", "Metro", earlier=alone) != key


# ---------------------------------------------------------------- records


def _region(tmp_path, name="metro", pdf=True):
    report = tmp_path / name
    report.mkdir(parents=True)
    (report / "report.html").write_text("<html>metro</html>")
    (report / "tables.xlsx").write_bytes(b"PK\x03\x04xlsx")
    if pdf:
        (report / "report.pdf").write_bytes(b"%PDF-1.7")
    notebook = tmp_path / "notebooks" / f"04_region_report_{name}.ipynb"
    notebook.parent.mkdir(parents=True, exist_ok=True)
    notebook.write_text('{"cells": []}')
    return report, notebook


def test_region_record_round_trip_and_restore(tmp_path):
    report, notebook = _region(tmp_path / "old")
    cache.write_region_record(report, notebook, "k1", "metro")
    record = json.loads((report / cache.RECORD).read_text())
    assert record["key"] == "k1" and record["region_id"] == "metro"
    assert record["files"]["report.html"] == sha256_file(report / "report.html")
    assert sorted(record["files"]) == ["report.html", "report.pdf", "tables.xlsx"]

    hit = cache.find_region("k1", [(tmp_path / "missing", notebook), (report, notebook)], want_pdf=True)
    assert hit is not None and hit.report_dir == report
    new_report, new_notebook = tmp_path / "new" / "metro", tmp_path / "new" / "nb" / "04.ipynb"
    cache.restore_region(hit, new_report, new_notebook)
    assert sorted(p.name for p in new_report.iterdir()) == [
        ".cache.json",
        "report.html",
        "report.pdf",
        "tables.xlsx",
    ]
    assert (new_report / "tables.xlsx").read_bytes() == b"PK\x03\x04xlsx"
    assert new_notebook.read_text() == '{"cells": []}'


def test_region_record_refuses_other_keys_and_damaged_files(tmp_path):
    report, notebook = _region(tmp_path)
    cache.write_region_record(report, notebook, "k1", "metro")
    assert cache.find_region("k2", [(report, notebook)]) is None
    (report / "report.html").write_text("<html>edited by hand</html>")
    assert cache.find_region("k1", [(report, notebook)]) is None
    cache.write_region_record(report, notebook, "k1", "metro")
    notebook.write_text("{}")
    assert cache.find_region("k1", [(report, notebook)]) is None
    cache.write_region_record(report, notebook, "k1", "metro")
    (report / "tables.xlsx").unlink()
    assert cache.find_region("k1", [(report, notebook)]) is None
    (report / cache.RECORD).write_text("{not json")
    assert cache.read_record(report) is None


def test_a_report_without_pdf_is_rebuilt_once_a_browser_is_there(tmp_path):
    report, notebook = _region(tmp_path, pdf=False)
    cache.write_region_record(report, notebook, "k1", "metro")
    assert cache.find_region("k1", [(report, notebook)], want_pdf=False) is not None
    assert cache.find_region("k1", [(report, notebook)], want_pdf=True) is None


def test_stage_record_lists_what_the_stages_wrote(tmp_path):
    proc = tmp_path / "processed"
    (proc / "notebooks").mkdir(parents=True)
    (proc / "alignment.parquet").write_bytes(b"PAR1a")
    (proc / "flags.parquet").write_bytes(b"PAR1f")
    (proc / "notebooks" / "01_demand.ipynb").write_text("{}")
    (proc / "manifest.json").write_text("{}")
    files = cache.stage_files(proc)
    assert sorted(files) == ["alignment.parquet", "flags.parquet", "notebooks/01_demand.ipynb"]
    assert sorted(cache.table_hashes(files)) == ["alignment.parquet", "flags.parquet"]
    cache.write_record(proc, "s1", files)
    assert cache.stage_files(proc) == files, "the record itself is not a stage output"
    hit = cache.find_stages("s1", [tmp_path / "nothing", proc])
    assert hit is not None and hit.folder == proc and hit.files == files
    assert cache.find_stages("s2", [proc]) is None
    (proc / "flags.parquet").write_bytes(b"PAR1changed")
    assert cache.find_stages("s1", [proc]) is None


# ---------------------------------------------------------------- whole runs


def _files(folder):
    return {
        p.relative_to(folder).as_posix(): sha256_file(p) for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.mark.slow
def test_rerun_reuses_unchanged_regions_and_resumes_an_interrupted_run(demo_files, tmp_path, monkeypatch):
    """First run; a run interrupted after its region reports resumes; a rerun reuses all; changes invalidate."""
    import shutil

    root = tmp_path / "w"
    shutil.copytree(demo_files, root)
    monkeypatch.chdir(root)
    # the code is the same between these runs (the checkout may change under a long test)
    monkeypatch.setattr(cache, "code_fingerprint", lambda *a, **k: "code-under-test")
    cfg = _cfg(root)
    lines: list[str] = []

    start = time.perf_counter()
    first = run_pipeline(cfg, workers=2, progress=False, echo=lines.append)
    first_seconds = time.perf_counter() - start
    assert first.reused == [] and not first.stages_reused and lines == []
    regions = sorted(first.regions)
    published = _files(cfg.reports_dir)
    processed = _files(cfg.processed_dir)
    assert all(f"{r}/.cache.json" in published for r in regions) and ".cache.json" in processed

    # an interrupted run: its staging folders hold finished stages and five of the six region reports
    stale_proc = cfg.processed_dir.parent / ".demo.partial-0badf00d"
    stale_rep = cfg.reports_dir.parent / ".demo.partial-0badf00d"
    shutil.move(cfg.processed_dir, stale_proc)
    shutil.move(cfg.reports_dir, stale_rep)
    for name in ("index.html", "manifest.json"):
        (stale_rep / name).unlink()
    (stale_proc / "manifest.json").unlink()
    (stale_rep / regions[0] / cache.RECORD).unlink()  # this one was cut off before it finished
    resumed = run_pipeline(cfg, workers=2, progress=False, echo=lines.append)
    assert resumed.stages_reused and sorted(resumed.reused) == regions[1:]
    assert lines[-1].startswith(f"reused {len(regions) - 1} of {len(regions)} region report(s) and the stage")
    assert not stale_proc.exists() and not stale_rep.exists(), "the next run cleans up after a killed one"
    again = _files(cfg.reports_dir)
    for r in regions:
        assert again[f"{r}/tables.xlsx"] == published[f"{r}/tables.xlsx"]
    assert {k: v for k, v in _files(cfg.processed_dir).items() if k.endswith(".parquet")} == {
        k: v for k, v in processed.items() if k.endswith(".parquet")
    }

    start = time.perf_counter()
    full = run_pipeline(cfg, workers=2, progress=False, echo=lines.append)
    reuse_seconds = time.perf_counter() - start
    assert full.stages_reused and sorted(full.reused) == regions
    assert lines[-1].startswith(f"reused {len(regions)} of {len(regions)} region report(s)")
    assert reuse_seconds < 0.6 * first_seconds, (reuse_seconds, first_seconds)
    after = _files(cfg.reports_dir)
    for r in regions:  # reused outputs are the very same bytes
        for name in ("report.html", "tables.xlsx", ".cache.json"):
            assert after[f"{r}/{name}"] == again[f"{r}/{name}"]
    print(f"first run {first_seconds:.1f} s, rerun with every region reused {reuse_seconds:.1f} s")

    # a changed input file or config gives new keys: nothing of the published run matches them
    qcew = sorted((root / "data" / "raw" / "demo" / "qcew").rglob("*.csv"))[0]
    qcew.write_bytes(qcew.read_bytes() + b"\n")
    changed_cfg = _cfg(root)
    base = cache.run_key(changed_cfg)
    assert cache.find_stages(cache.stage_key(base), [cfg.processed_dir]) is None
    record = cache.read_record(cfg.processed_dir)
    tables = cache.table_hashes(record["files"])
    for r in regions:
        key = cache.region_key(base, tables, r, r)
        nb = cfg.processed_dir / "notebooks" / f"04_region_report_{r}.ipynb"
        assert cache.find_region(key, [(cfg.reports_dir / r, nb)]) is None

    # --no-cache rebuilds everything even though nothing changed
    qcew.write_bytes(qcew.read_bytes()[:-1])
    rebuilt = run_pipeline(cfg, workers=2, progress=False, echo=lines.append, cache=False)
    assert rebuilt.reused == [] and not rebuilt.stages_reused

    # another year under the same run name is refused before anything is written
    before = _files(cfg.reports_dir)
    with pytest.raises(RunError, match="holds the 2024 run named 'demo'; this config is for 2023"):
        run_pipeline(dataclasses.replace(cfg, year=2023), workers=2, progress=False, echo=lines.append)
    assert _files(cfg.reports_dir) == before
