"""Year over year: finding the earlier run, flags added and cleared, shifts in gap, the index section."""

from __future__ import annotations

import html as html_lib
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from alignment.changes import (
    PreviousRun,
    YearOverYear,
    changes_by_region,
    find_previous_run,
    flag_changes,
    gap_shifts,
    previous_run_for,
)
from alignment.report.index import render_index
from alignment.report.narrative import FLAG_LABELS


def _flags(rows: list[tuple]) -> pd.DataFrame:
    cols = ["region_id", "flag", "cluster_code", "institution", "program_name", "cip", "severity", "reason"]
    return pd.DataFrame(rows, columns=cols).astype(
        {c: "string" for c in ["region_id", "flag", "cluster_code", "institution", "program_name", "cip"]}
    )


PREV = _flags(
    [
        ("a", "LOW_DEMAND", "X", "North HS", "Welding", "48.0508", 0.4, "last year: low demand"),
        ("a", "OVERSUPPLIED", "X", "North HS", "Welding", "48.0508", 0.2, "last year: oversupplied"),
        ("a", "UNDERSUPPLIED", "Y", None, None, None, 1.0, "last year: no program"),
        ("b", "BELOW_FAMILY_WAGE", "Z", "South CC", "Cooking", "12.0503", 0.3, "last year: low wage"),
    ]
)
NOW = _flags(
    [
        ("a", "LOW_DEMAND", "X", "North HS", "Welding", "48.0508", 0.5, "this year: low demand"),
        ("a", "UNDERSUPPLIED", "Y", None, None, None, 1.0, "this year: no program"),
        ("a", "UNDERSUPPLIED", "Z", None, None, None, 0.6, "this year: few students"),
        ("b", "BELOW_FAMILY_WAGE", "Z", "South CC", "Cooking", "12.0503", 0.3, "this year: low wage"),
        ("b", "BELOW_FAMILY_WAGE", "Z", "East CC", "Cooking", "12.0503", 0.3, "this year: low wage (East)"),
    ]
)


def test_flag_changes_added_and_cleared_by_key():
    out = flag_changes(PREV, NOW)
    got = list(
        zip(
            out["change"], out["region_id"], out["flag"], out["cluster_code"], out["institution"], strict=True
        )
    )
    assert got == [
        ("added", "a", "UNDERSUPPLIED", "Z", pd.NA),
        ("added", "b", "BELOW_FAMILY_WAGE", "Z", "East CC"),
        ("cleared", "a", "OVERSUPPLIED", "X", "North HS"),
    ]
    # reason and severity from the year the flag was raised
    assert out["reason"].tolist() == [
        "this year: few students",
        "this year: low wage (East)",
        "last year: oversupplied",
    ]
    assert out["severity"].tolist() == [0.6, 0.3, 0.2]


def test_flag_changes_missing_keys_match_and_duplicates_count_once():
    same = flag_changes(PREV, PREV)
    assert same.empty
    assert "change" in same.columns
    twice = pd.concat([NOW, NOW.iloc[[2]]], ignore_index=True)
    assert (flag_changes(PREV, twice)["change"] == "added").sum() == 2
    # everything cleared when this year has no flags; everything added when last year had none
    assert (flag_changes(PREV, NOW.iloc[0:0])["change"] == "cleared").sum() == 4
    assert (flag_changes(PREV.iloc[0:0], NOW)["change"] == "added").sum() == 5


def _published(region: str, gaps: list[float | None], hidden: list[bool], small: list[bool]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "region_id": region,
            "cluster_code": ["P", "Q", "R", "S", "T"],
            "cluster_name": ["Pea", "Queue", "Are", "Ess", "Tea"],
            "gap": pd.array(gaps, dtype="Float64"),
            "supply_suppressed": hidden,
            "supply_small": small,
        }
    )


def test_gap_shifts_only_where_both_years_show_the_gap():
    prev = _published("a", [10.0, -20.0, 5.0, None, 40.0], [False, False, False, True, False], [False] * 5)
    now = _published(
        "a",
        [30.0, -21.0, None, 8.0, 12.0],
        [False, False, True, False, False],
        [False, False, True, False, False],
    )
    out = gap_shifts(prev, now)
    # P: 30 − 10 = +20; Q: −21 − (−20) = −1; T: 12 − 40 = −28; R hidden this year, S hidden last year
    assert out["cluster_code"].tolist() == ["T", "P", "Q"]
    assert out["shift"].tolist() == [-28.0, 20.0, -1.0]
    assert out["gap_previous"].tolist() == [40.0, 10.0, -20.0]
    assert out["gap"].tolist() == [12.0, 30.0, -21.0]
    assert gap_shifts(prev, now, n=1)["cluster_code"].tolist() == ["T"]


def test_gap_shifts_per_region_and_refuses_raw_tables():
    prev = pd.concat(
        [
            _published("a", [1.0] * 5, [False] * 5, [False] * 5),
            _published("b", [0.0] * 5, [False] * 5, [False] * 5),
        ]
    )
    now = pd.concat(
        [
            _published("a", [2.0, 3.0, 4.0, 5.0, 6.0], [False] * 5, [False] * 5),
            _published("b", [-1.0, 0.0, 0.0, 0.0, 9.0], [False] * 5, [False] * 5),
        ]
    )
    out = gap_shifts(prev, now, n=2)
    assert list(zip(out["region_id"], out["cluster_code"], out["shift"], strict=True)) == [
        ("a", "T", 5.0),
        ("a", "S", 4.0),
        ("b", "T", 9.0),
        ("b", "P", -1.0),
    ]
    with pytest.raises(ValueError, match="published previous alignment"):
        gap_shifts(prev.drop(columns="supply_suppressed"), now)


def _run_folder(
    root: Path,
    name: str,
    *,
    year: int,
    state: object = "41",
    framework: str | None = "2024",
    measure: str | None = "completers",
    tables: bool = True,
) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    config = {"run": name, "year": year, "state_fips": state}
    if framework is not None:
        config["framework"] = framework
    if measure is not None:
        config["supply_measure"] = measure
    (folder / "manifest.json").write_text(json.dumps({"run": name, "year": year, "config": config}))
    if tables:
        pd.DataFrame({"region_id": ["a"], "year": [year]}).to_parquet(folder / "alignment.parquet")
        pd.DataFrame({"region_id": ["a"]}).to_parquet(folder / "flags.parquet")
    return folder


def test_find_previous_run_takes_the_latest_earlier_matching_year(tmp_path):
    here = _run_folder(tmp_path, "vt-2024", year=2024)
    _run_folder(tmp_path, "vt-2022", year=2022)
    best = _run_folder(tmp_path, "vt-2023", year=2023, framework=None, measure=None)  # config defaults
    _run_folder(tmp_path, "vt-2025", year=2025)  # later
    _run_folder(tmp_path, "or-2023b", year=2023, state="50")  # another state
    _run_folder(tmp_path, "legacy-2023c", year=2023, framework="legacy")  # another framework
    _run_folder(tmp_path, "enrolled-2023d", year=2023, measure="enrolled")  # another measure
    _run_folder(tmp_path, ".vt-2023.partial-abc", year=2023)  # a staging folder
    _run_folder(tmp_path, "vt-2023e", year=2023, tables=False)  # no tables
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "manifest.json").write_text("{not json")
    found = find_previous_run(here, state_fips="41", framework="2024", year=2024, supply_measure="completers")
    assert found == PreviousRun(best, "vt-2023", 2023)
    # without the measure test, the folder name breaks the tie between runs of 2023
    loose = find_previous_run(here, state_fips="41", framework="2024", year=2024)
    assert loose.processed_dir.name == "vt-2023"
    assert find_previous_run(here, state_fips="41", framework="2024", year=2022) is None
    assert find_previous_run(tmp_path / "nowhere" / "x", state_fips="41", framework="2024", year=2024) is None


def test_find_previous_run_pads_a_numeric_state(tmp_path):
    here = _run_folder(tmp_path, "ca-2024", year=2024, state="06")
    _run_folder(tmp_path, "ca-2023", year=2023, state=6)
    assert find_previous_run(here, state_fips="06", framework="2024", year=2024).year == 2023


def test_previous_run_for_an_explicit_folder_without_manifest(tmp_path):
    folder = tmp_path / "old"
    folder.mkdir()
    pd.DataFrame({"region_id": ["a", "b"], "year": [2021, 2021]}).to_parquet(folder / "alignment.parquet")
    found = previous_run_for(None, tmp_path / "new", folder)  # cfg is not needed with an explicit folder
    assert found == PreviousRun(folder, "old", 2021)
    with pytest.raises(FileNotFoundError, match="no alignment.parquet"):
        previous_run_for(None, tmp_path / "new", tmp_path)


def _yoy() -> YearOverYear:
    fl = flag_changes(PREV, NOW)
    shifts = gap_shifts(
        _published("a", [10.0, -20.0, 5.0, 1.0, 40.0], [False] * 5, [False] * 5),
        _published("a", [30.0, -21.0, 5.0, 1.0, 12.0], [False] * 5, [False] * 5),
        n=None,
    )
    return YearOverYear(PreviousRun(Path("x"), "demo<2023>", 2023), 2024, fl, shifts)


def test_changes_by_region_and_the_index_section():
    table = changes_by_region(_yoy(), ["a", "b", "c"])
    assert table.to_dict("records") == [
        {"region_id": "a", "flags_added": 1, "flags_cleared": 1, "largest_shift": "Tea -28"},
        {"region_id": "b", "flags_added": 1, "flags_cleared": 0, "largest_shift": ""},
        {"region_id": "c", "flags_added": 0, "flags_cleared": 0, "largest_shift": ""},
    ]
    summary = pd.DataFrame({"region_id": ["a", "b", "c"], "region_name": ["Alpha", "Beta", "Gamma"]})
    page = render_index(
        title="T",
        synthetic=False,
        regions_summary=summary,
        links={},
        provenance={},
        year_over_year={
            "previous_year": 2023,
            "previous_run": "demo<2023>",
            "year": 2024,
            "regions": table.iloc[:2],
        },
    )
    assert '<h2 id="since-heading">Since 2023</h2>' in page
    assert "<code>demo&lt;2023&gt;</code>" in page  # escaped
    section = page[page.index("since-heading") :]
    rows = re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</th>\s*(.*?)</tr>", section, flags=re.S)
    cells = {name: re.findall(r"<td[^>]*>(.*?)</td>", body) for name, body in rows}
    assert cells == {
        "Alpha": ["1", "1", "Tea -28"],
        "Beta": ["1", "0", "—"],
        "Gamma": ["—", "—", "—"],  # not in the comparison
    }
    plain = render_index(title="T", synthetic=False, regions_summary=summary, links={}, provenance={})
    assert "since-heading" not in plain
    assert html_lib.unescape(page).count("Since 2023") == 1


def _copy_config(src: Path, dst: Path, *, run: str, year: int) -> Path:
    text = src.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^run: .*$", f"run: {run}", text)
    text = re.sub(r"(?m)^year: .*$", f"year: {year}", text)
    dst.write_text(text, encoding="utf-8")
    return dst


class _Tables(HTMLParser):
    """Every table of a page after a given heading text, as lists of cell texts (stdlib parser)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1].append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _tables(page: str) -> list[list[list[str]]]:
    parser = _Tables()
    parser.feed(page)
    return parser.tables


@pytest.mark.slow
def test_two_demo_runs_show_the_changes_computed_by_hand(tmp_path, monkeypatch):
    from alignment.build import load_processed
    from alignment.config import load_config
    from alignment.demo import generate_demo
    from alignment.publish import protect_tables
    from alignment.run import run_pipeline

    monkeypatch.chdir(tmp_path)
    paths = generate_demo(tmp_path / "data" / "raw" / "demo")
    old_config = _copy_config(
        paths["config"], paths["config"].with_name("config-2023.yml"), run="demo-2023", year=2023
    )
    old_cfg = load_config(old_config, root=tmp_path)
    run_pipeline(old_cfg, workers=2, progress=False)
    cfg = load_config(paths["config"], root=tmp_path)
    run_pipeline(cfg, workers=2, progress=False)

    # by hand, from the two runs' flags tables: the key of every substantive flag of each year
    key = ["region_id", "flag", "cluster_code", "institution", "program_name", "cip"]

    def keys(processed: Path) -> set[tuple]:
        fl = pd.read_parquet(processed / "flags.parquet")
        fl = fl[~fl["flag"].isin(["SUPPRESSED", "UNMATCHED_PROGRAM"])]
        return {tuple(None if pd.isna(v) else str(v) for v in row) for row in fl[key].itertuples(index=False)}

    before, now = keys(old_cfg.processed_dir), keys(cfg.processed_dir)
    added, cleared = now - before, before - now
    assert added or cleared  # the two demo years differ
    regions = pd.read_parquet(cfg.processed_dir / "alignment.parquet").drop_duplicates("region_id")
    names = dict(zip(regions["region_id"], regions["region_name"], strict=True))
    al = pd.read_parquet(cfg.processed_dir / "alignment.parquet")
    cluster_names = dict(zip(al["cluster_code"], al["cluster_name"], strict=True))
    labels = {"added": "new since 2023", "cleared": "cleared since 2023"}

    # expected gap shifts: published values of both years, clusters hidden in either year left out
    published_now = protect_tables(load_processed(cfg.processed_dir), cfg)["alignment"]
    published_before = protect_tables(load_processed(old_cfg.processed_dir), old_cfg)["alignment"]
    hidden = {
        (r, c)
        for al_ in (published_now, published_before)
        for r, c in al_.loc[al_["supply_suppressed"], ["region_id", "cluster_code"]].itertuples(index=False)
    }

    for rid in names:
        page = (cfg.reports_dir / rid / "report.html").read_text(encoding="utf-8")
        body = page[page.index("</nav>") :]  # after the contents list, which names the sections too
        section = body[body.index("Since 2023") : body.index("Where students are and where the jobs are")]
        mine = {"added": {k for k in added if k[0] == rid}, "cleared": {k for k in cleared if k[0] == rid}}
        n_added, n_cleared = len(mine["added"]), len(mine["cleared"])
        assert (
            f"{n_added} flag{'s were' if n_added != 1 else ' was'} raised this year and not in 2023"
            in section
        )
        assert f"{n_cleared} flag{'s' if n_cleared != 1 else ''} raised in 2023 no longer appl" in section
        tables = _tables(section)
        flag_table = next((t for t in tables if t[0][0] == "Change"), [["Change"]])
        # one row per change, flag and pathway, with its institutions joined
        shown = sorted(tuple(row) for row in flag_table[1:])
        grouped: dict[tuple, set[str]] = {}
        for change, ks in mine.items():
            for _, flag, cluster, institution, program, cip in ks:
                row = (
                    labels[change],
                    FLAG_LABELS[flag],
                    program or "(whole cluster)",
                    cip or "",
                    cluster_names[cluster],
                )
                grouped.setdefault(row, set()).update([institution] if institution else [])
        expected = sorted(
            (c, f, p, "; ".join(sorted(i)) or "all institutions in the region", cip, cl)
            for (c, f, p, cip, cl), i in grouped.items()
        )
        assert shown == expected
        # the gap table: clusters whose count is shown in both years, largest change first, differences right
        gaps = next(t for t in tables if t[0][0] == "Cluster")
        assert gaps[0] == ["Cluster", "Gap 2023", "Gap 2024", "Change in gap"]
        p_now = published_now[published_now["region_id"] == rid].set_index("cluster_name")
        p_before = published_before[published_before["region_id"] == rid].set_index("cluster_name")
        candidates = [
            (abs(p_now.loc[n, "gap"] - p_before.loc[n, "gap"]), n)
            for n in p_now.index
            if (rid, p_now.loc[n, "cluster_code"]) not in hidden
            and pd.notna(p_now.loc[n, "gap"])
            and pd.notna(p_before.loc[n, "gap"])
        ]
        top = [n for _, n in sorted(candidates, key=lambda t: (-t[0], p_now.loc[t[1], "cluster_code"]))[:5]]
        assert [row[0] for row in gaps[1:]] == top
        for row in gaps[1:]:
            g_before, g_now = p_before.loc[row[0], "gap"], p_now.loc[row[0], "gap"]
            assert row[1:] == [f"{g_before:+,.0f}", f"{g_now:+,.0f}", f"{g_now - g_before:+,.0f}"]
        # the same input files feed both demo years (only the analysis year differs): the section says so
        assert "Every input file is the same as in the 2023 run." in section
        # and the peer section is there too
        assert "Peer regions" in page
    run_row = pd.read_parquet(cfg.processed_dir / "changes_run.parquet").iloc[0]
    assert run_row["inputs_changed"] == "" and "industry jobs (QCEW)" in run_row["inputs_unchanged"]

    # the index lists the counts per region (once run.py passes year_over_year to write_index)
    index = (cfg.reports_dir / "index.html").read_text(encoding="utf-8")
    if "since-heading" in index:
        rows = {r[0]: r for r in _tables(index[index.index("since-heading") :])[0][1:]}
        for rid, name in names.items():
            n_added = sum(1 for k in added if k[0] == rid)
            n_cleared = sum(1 for k in cleared if k[0] == rid)
            assert rows[name][1:3] == [str(n_added), str(n_cleared)]


def _context(tmp_path: Path):
    """A region context with just what the "Since" section reads (no run needed)."""
    from alignment.config import Config, Inputs
    from alignment.report.narrative import RegionContext

    inputs = Inputs(enrollment=None, qcew=(), regions=tmp_path / "regions.csv")
    cfg = Config(path=tmp_path / "config.yml", run="run-2024", year=2024, state_fips="41", inputs=inputs)
    empty = pd.DataFrame()
    here = _run_folder(tmp_path, "run-2024", year=2024)
    return RegionContext(
        cfg=cfg,
        region_id="a",
        region_name="Alpha",
        tables={"published_alignment": empty, "published_flags": empty},
        alignment=empty,
        flags=empty,
        program_wages=None,
        family_wage_hourly=None,
        dissimilarity=None,
        counties=[],
        processed_dir=here,
    )


def test_changes_section_without_an_earlier_run_or_with_one_it_cannot_read(tmp_path):
    from alignment.changes import year_over_year_tables
    from alignment.report.narrative import changes_section

    ctx = _context(tmp_path)

    def compare() -> None:  # what the build keeps with the run
        published = {"alignment": ctx.tables["published_alignment"], "flags": ctx.tables["published_flags"]}
        ctx.tables.update(year_over_year_tables(ctx.cfg, {}, ctx.processed_dir, published=published))

    compare()
    none = changes_section(ctx)
    assert none.heading == "## Since the previous year"
    assert none.text.startswith(
        "No run of an earlier year for this state, cluster framework and supply measure"
    )
    assert none.tables == []
    # an earlier run whose tables lack what the comparison needs: the section says so, the report goes on
    _run_folder(tmp_path, "run-2023", year=2023)
    compare()
    broken = changes_section(ctx)
    assert broken.heading == "## Since 2023"
    assert broken.text.startswith("The 2023 run (`run-2023`) was found but could not be compared")
    assert broken.tables == []


def test_the_changes_section_names_the_inputs_that_changed():
    from alignment.report.narrative import _changed_inputs_text

    row = pd.Series({"inputs_changed": "enrollment; openings (BLS projections)",
                     "inputs_unchanged": "regions; industry jobs (QCEW)"})  # fmt: skip
    text = _changed_inputs_text(row, 2023)
    assert "Input files that differ from the 2023 run's: enrollment, openings (BLS projections)." in text
    assert "The same as in 2023: regions, industry jobs (QCEW)." in text
    assert "jobs by industry did not change between the two runs" in text
    assert _changed_inputs_text(pd.Series({"inputs_changed": pd.NA, "inputs_unchanged": pd.NA}), 2023) == ""
