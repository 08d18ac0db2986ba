"""Crash safety: a run killed at any moment leaves the previous complete run intact and readable."""

from __future__ import annotations

import contextlib
import html.parser
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from alignment.config import load_config
from alignment.demo import generate_demo
from alignment.folders import FolderError, mark
from alignment.manifest import sha256_file
from alignment.run import (
    RunError,
    RunFolders,
    _apply_publish,
    check_same_year,
    publish_dirs,
    recover_publish,
    run_lock,
)

# ---------------------------------------------------------------- publishing, lock, leftovers


def _folder(path: Path, text: str, *, owned: bool = True) -> Path:
    """A folder as a run leaves it (marked as the tool's own), or a user's folder (``owned=False``)."""
    path.mkdir(parents=True)
    if owned:
        mark(path)
    (path / "index.html").write_text(text)
    return path


def _tree(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): p.read_text()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".alignment-output"
    }


def test_publish_swaps_both_folders_and_leaves_nothing_behind(tmp_path):
    proc, rep = (
        _folder(tmp_path / "data" / "demo", "old tables"),
        _folder(tmp_path / "reports" / "demo", "old"),
    )
    s_proc = _folder(tmp_path / "data" / ".demo.partial-1", "new tables")
    s_rep = _folder(tmp_path / "reports" / ".demo.partial-1", "new")
    journal = tmp_path / "reports" / ".demo.publish.json"
    publish_dirs([(s_proc, proc), (s_rep, rep)], journal)
    assert _tree(tmp_path) == {"data/demo/index.html": "new tables", "reports/demo/index.html": "new"}


@pytest.mark.parametrize("renames_done", range(5))
def test_a_publication_killed_between_any_two_renames_is_finished_by_the_next_run(tmp_path, renames_done):
    """Replay the four renames of a publication, stop after ``renames_done`` of them, then recover."""
    proc, rep = (
        _folder(tmp_path / "data" / "demo", "old tables"),
        _folder(tmp_path / "reports" / "demo", "old"),
    )
    s_proc = _folder(tmp_path / "data" / ".demo.partial-1", "new tables")
    s_rep = _folder(tmp_path / "reports" / ".demo.partial-1", "new")
    journal = tmp_path / "reports" / ".demo.publish.json"
    steps = [
        {"staging": str(s), "final": str(f), "old": str(f.parent / ".demo.old-9")}
        for s, f in ((s_proc, proc), (s_rep, rep))
    ]
    journal.write_text(json.dumps({"publish": steps}))
    renames = [(proc, steps[0]["old"]), (s_proc, proc), (rep, steps[1]["old"]), (s_rep, rep)]
    for src, dst in renames[:renames_done]:
        os.replace(src, dst)
    assert recover_publish(journal) is True
    assert _tree(tmp_path) == {"data/demo/index.html": "new tables", "reports/demo/index.html": "new"}
    assert recover_publish(journal) is False, "nothing to do once the journal is gone"
    _apply_publish(steps)  # replaying a finished publication changes nothing
    assert _tree(tmp_path) == {"data/demo/index.html": "new tables", "reports/demo/index.html": "new"}


def test_publishing_never_moves_or_deletes_a_folder_the_tool_did_not_make(tmp_path):
    user = _folder(tmp_path / "reports" / "demo", "the user's own page", owned=False)
    (user / "thesis.docx").write_text("years of work")
    s_rep = _folder(tmp_path / "reports" / ".demo.partial-1", "new")
    journal = tmp_path / "reports" / ".demo.publish.json"
    with pytest.raises(FolderError, match="holds files alignment did not write"):
        publish_dirs([(s_rep, user)], journal)
    assert (user / "thesis.docx").read_text() == "years of work"
    assert (user / "index.html").read_text() == "the user's own page"


def test_a_journal_naming_a_users_folder_moves_nothing(tmp_path):
    """A journal is only a plan: folders without the marker are never renamed, whatever it says."""
    victim = _folder(tmp_path / "victim", "mine", owned=False)
    elsewhere = tmp_path / "reports" / "demo"
    journal = tmp_path / "reports" / ".demo.publish.json"
    journal.parent.mkdir(parents=True)
    steps = [{"staging": str(victim), "final": str(elsewhere), "old": str(tmp_path / ".x.old-1")}]
    journal.write_text(json.dumps({"publish": steps}))
    recover_publish(journal)
    assert _tree(tmp_path) == {"victim/index.html": "mine"}


def test_an_empty_folder_made_by_the_user_is_replaced_by_the_run(tmp_path):
    (tmp_path / "reports" / "demo").mkdir(parents=True)
    s_rep = _folder(tmp_path / "reports" / ".demo.partial-1", "new")
    publish_dirs([(s_rep, tmp_path / "reports" / "demo")], tmp_path / "reports" / ".demo.publish.json")
    assert _tree(tmp_path) == {"reports/demo/index.html": "new"}


def test_an_unreadable_journal_is_dropped(tmp_path):
    journal = tmp_path / ".demo.publish.json"
    journal.write_text("{half")
    assert recover_publish(journal) is False and not journal.exists()


def test_a_second_run_of_the_same_name_is_refused_while_the_first_holds_the_lock(tmp_path):
    lock = tmp_path / "reports" / ".demo.lock"
    busy = pytest.raises(RunError, match="another run named 'demo' is in progress")
    with run_lock(lock, "demo"), busy, run_lock(lock, "demo"):
        pass
    with run_lock(lock, "demo"):  # released when the first run ends
        pass


_LOCK_HOLDER = """
import os, sys, time
from pathlib import Path
from alignment.run import run_lock, _die_with_parent
with run_lock(Path(sys.argv[1]), "demo"):
    if os.fork() == 0:  # a worker forked while the lock is held, as the region workers are
        _die_with_parent()
        print(os.getpid(), flush=True)
        time.sleep(60)
        os._exit(0)
    time.sleep(0.2)
    print("locked", flush=True)
    time.sleep(60)
"""


def test_a_run_killed_with_sigkill_never_blocks_the_next_one(tmp_path):
    """The lock dies with the run: its forked workers neither inherit it nor outlive it."""
    lock = tmp_path / "reports" / ".demo.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", _LOCK_HOLDER, str(lock)], stdout=subprocess.PIPE, text=True
    )
    try:
        worker = int(holder.stdout.readline())
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(RunError, match="in progress"), run_lock(lock, "demo"):
            pass
        holder.kill()  # SIGKILL to the run alone; its worker is not signalled
        holder.wait(timeout=10)
        with run_lock(lock, "demo"):  # at once: no wait for the worker
            pass
        deadline = time.monotonic() + 10
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(worker), "the forked worker outlived the run"
    finally:
        holder.kill()


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting to be reaped counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][:1]
    except OSError:
        return False
    return state not in ("Z", "X")


def test_leftovers_of_earlier_attempts_are_paired_by_attempt(tmp_path):
    folders = RunFolders(tmp_path / "data" / "processed" / "demo", tmp_path / "reports" / "demo")
    _folder(tmp_path / "data" / "processed" / ".demo.partial-aaaa", "stages only")
    _folder(tmp_path / "reports" / ".demo.partial-bbbb", "reports")
    _folder(tmp_path / "data" / "processed" / ".demo.partial-bbbb", "tables")
    _folder(tmp_path / "reports" / ".demo.old-cccc", "set aside")
    _folder(tmp_path / "reports" / ".demo-2023.partial-dddd", "another run")
    assert sorted(p.name for p in folders.leftovers()) == [
        ".demo.old-cccc",
        ".demo.partial-aaaa",
        ".demo.partial-bbbb",
        ".demo.partial-bbbb",
    ]
    assert sorted(folders.stale_stagings()) == sorted([folders.staging("aaaa"), folders.staging("bbbb")])
    assert folders.lock.name == ".demo.lock" and folders.journal.parent == tmp_path / "reports"


def test_a_run_never_replaces_another_years_run(tmp_path):
    paths = generate_demo(tmp_path / "raw")
    cfg = load_config(paths["config"], root=tmp_path)
    folders = RunFolders(cfg.processed_dir, cfg.reports_dir)
    check_same_year(cfg, folders)  # nothing published yet
    cfg.reports_dir.mkdir(parents=True)
    (cfg.reports_dir / "manifest.json").write_text(json.dumps({"run": "demo", "year": cfg.year}))
    check_same_year(cfg, folders)  # same year: a rerun replaces it
    (cfg.reports_dir / "manifest.json").write_text(json.dumps({"run": "demo", "year": cfg.year - 1}))
    with pytest.raises(RunError, match=rf"holds the {cfg.year - 1} run .*\(run: demo-{cfg.year}\)"):
        check_same_year(cfg, folders)


# ---------------------------------------------------------------- kill a real run at random moments


class _Parser(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.tags = 0

    def handle_starttag(self, tag, attrs):
        self.tags += 1
        self.links += [v for k, v in attrs if k == "href" and v]


def _parse(path: Path) -> _Parser:
    parser = _Parser()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser


def _snapshot(root: Path) -> dict[str, str]:
    out = {}
    for base in (root / "reports" / "demo", root / "data" / "processed" / "demo"):
        for p in sorted(base.rglob("*")):
            if p.is_file():
                out[p.relative_to(root).as_posix()] = sha256_file(p)
    return out


def _assert_previous_run_readable(root: Path, expected: dict[str, str], why: str) -> None:
    assert _snapshot(root) == expected, f"the previous run changed after {why}"
    index = _parse(root / "reports" / "demo" / "index.html")
    reports = [link for link in index.links if link.endswith("/report.html")]
    assert len(reports) >= 5, f"index.html lost its region links after {why}"
    page = _parse(root / "reports" / "demo" / reports[0])
    assert page.tags > 50, f"{reports[0]} does not parse after {why}"


def _published_stamp(root: Path) -> str:
    """When the published run was made (its manifest's ``created_utc``)."""
    return json.loads((root / "reports" / "demo" / "manifest.json").read_text())["created_utc"]


def _assert_complete_new_run(root: Path, before: dict[str, str], why: str) -> dict[str, str]:
    """A run published just before the signal: complete, with the same tables as the run it replaced."""
    reports = root / "reports" / "demo"
    manifest = json.loads((reports / "manifest.json").read_text())
    missing = [f for f in manifest["outputs"] if not (reports / f).is_file()]
    assert not missing, f"the run published before {why} lacks {missing}"
    now = _snapshot(root)
    tables = [k for k in before if k.endswith((".parquet", ".xlsx"))]
    assert {k: now.get(k) for k in tables} == {k: before[k] for k in tables}, why
    return now


def _start(root: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "alignment.cli", "run", "data/raw/demo/config.yml", "--no-progress"]
        + ["--workers", "2", *extra],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: the kill reaches its workers and the browser too
    )


def _kill_at(proc: subprocess.Popen, delay: float, sig: signal.Signals) -> tuple[bool, int, str]:
    """Send ``sig`` to the run's whole process group after ``delay`` s; return (finished first, exit code, output)."""
    deadline = time.monotonic() + delay
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    if proc.poll() is not None:  # finished before the moment came
        return True, proc.returncode, proc.communicate()[0]
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)
    try:
        out = proc.communicate(timeout=120)[0]
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out = proc.communicate()[0]
        pytest.fail(f"the run did not stop within 120 s of {sig.name}:\n{out}")
    time.sleep(1.5)  # kernels run in sessions of their own and stop once they see their parent gone
    return False, proc.returncode, out


@pytest.mark.slow
def test_runs_killed_at_random_moments_leave_the_previous_run_intact(tmp_path):
    root = tmp_path
    generate_demo(root / "data" / "raw" / "demo")
    start = time.monotonic()
    first = _start(root)
    out = first.communicate(timeout=900)[0]
    duration = time.monotonic() - start
    assert first.returncode == 0, out
    expected = _snapshot(root)
    assert "reports/demo/index.html" in expected

    rng = random.Random(20240611)
    # rebuilding runs (--no-cache) killed early, mid-way through the region reports and near the end, then
    # ordinary runs (which reuse the region reports and are short) killed while they build the index
    plan = [
        (rng.uniform(0.04, 0.12) * duration, signal.SIGKILL, ("--no-cache",)),
        (rng.uniform(0.35, 0.55) * duration, signal.SIGINT, ("--no-cache",)),
        (rng.uniform(0.75, 0.9) * duration, signal.SIGKILL, ("--no-cache",)),
        (rng.uniform(0.02, 0.08) * duration, signal.SIGTERM, ()),
        (rng.uniform(0.02, 0.08) * duration, signal.SIGKILL, ()),
    ]
    for delay, sig, extra in plan:
        why = f"{sig.name} at {delay:.1f} s ({' '.join(extra) or 'cached'})"
        stamp = _published_stamp(root)
        finished, code, out = _kill_at(_start(root, *extra), delay, sig)
        if finished:  # the run completed first: it is the new previous run
            assert code == 0, out
            expected = _snapshot(root)
        elif _published_stamp(root) != stamp:
            # the signal came after the new run was swapped in (while it tidied up): then that complete
            # run is what must be intact — every output it lists is there and its tables are the same
            expected = _assert_complete_new_run(root, expected, why)
        _assert_previous_run_readable(root, expected, why)
        if sig in (signal.SIGINT, signal.SIGTERM) and not finished and code != -sig:
            # once started, the run stops with exit code 130, says so and shows no traceback (a kernel cut off
            # mid-message may print its own); a signal during start-up ends the interpreter (-sig)
            assert code == 130, f"{why}: exit code {code}\n{out}"
            assert "interrupted: the previous run's outputs are unchanged" in out, f"{why}:\n{out}"
            assert not re.search(r'File ".*[/\\]alignment[/\\]', out), f"{why}:\n{out}"
        print(f"{why}: previous run intact")

    final = _start(root)
    out = final.communicate(timeout=900)[0]
    assert final.returncode == 0, out
    print(f"first run {duration:.1f} s; final rerun: {out.strip().splitlines()[-1]}")
    assert re.search(r"done in [\d.]+ s", out), out
    for folder in (root / "reports", root / "data" / "processed"):
        left = sorted(p.name for p in folder.iterdir() if not p.name.endswith(".lock"))
        assert left == ["demo"], f"staging folders of the killed runs are left in {folder}: {left}"
    after = _snapshot(root)
    assert sorted(after) == sorted(expected)
    tables = [k for k in expected if k.endswith((".parquet", ".xlsx"))]
    assert len(tables) >= 10
    assert {k: after[k] for k in tables} == {k: expected[k] for k in tables}, "a rerun gives the same tables"


@pytest.mark.slow
def test_killing_only_the_run_process_mid_reports_never_blocks_a_rerun(tmp_path):
    """``kill -9`` of the run alone (not its process group) while its workers build region reports:
    the workers die with it, and a rerun started at once is not refused as "in progress"."""
    root = tmp_path
    generate_demo(root / "data" / "raw" / "demo")
    run = _start(root, "--no-cache")
    reports = root / "reports"
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and run.poll() is None:  # until the first region report is underway
        if any(p.is_dir() for s in reports.glob(".demo.partial-*") for p in s.iterdir()):
            break
        time.sleep(0.1)
    assert run.poll() is None, run.communicate()[0]
    run.kill()  # the run's own process only
    run.communicate(timeout=60)
    rerun = subprocess.run(
        [sys.executable, "-m", "alignment.cli", "run", "data/raw/demo/config.yml", "--no-progress"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert "in progress" not in rerun.stderr, rerun.stderr
    assert rerun.returncode == 0, rerun.stderr
    assert (reports / "demo" / "index.html").is_file()
