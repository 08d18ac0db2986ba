"""Audit a finished run: can any published file give back a student count below the privacy threshold?

:func:`audit_run` reads the run's raw tables (``data/processed/<run>/``), lists every student count at
every published level (cluster counts per region × year × measure, program counts per region × year ×
cluster × measure), then reads every published file under ``reports/<run>/`` — every cell of every
sheet of every ``.xlsx``, the tables, visible text and image alt text / titles of every ``.html``, the
text of every ``.pdf`` (with ``pdftotext``), every layer of every GeoPackage (``.gpkg``, with sqlite3) and
every ``.parquet`` file — and reports a :class:`Finding` for each way a small count (1 … threshold − 1)
can be read or worked out:

1. **Shown**: a number from 1 to threshold − 1 in a student-count column (``Completers``,
   ``Enrolled (students)`` …), or in text next to a student word ("7 completers"; "about 7 …" is a
   demand equivalent, not real students, and is not counted).
2. **Differencing**: in a group whose total is published, exactly one count with a value is unknown —
   not shown in any published file — so total − shown cells gives it back. Groups: the clusters of a
   region × year × measure (total = the region's count, published through any shown share: S = s / share,
   or demand equivalent ÷ share of jobs) and the programs of a region × year × cluster × measure (total =
   the cluster's count where it is shown). Counts the source file itself suppressed (written
   "suppressed" / "not reported") add nothing to a total and are not unknowns. Every file of the run is
   read together: a cell hidden in one file and shown in another is shown.
3. **Narrowed** (the interval attack, :func:`alignment.privacy.attack`): per region × year × measure, the
   clusters add up to the region's total (taken as known whenever it is at least the threshold, however
   it is published), the programs of a cluster add up to the cluster's count, the parts of a program split
   over clusters are equal, the parts of a program an institution places file divided over regions are in
   the proportions of their shares (those regions are attacked together; ``programs.place_share``), and
   each hidden cell is bounded by its label under the published rule (``<10``:
   1 … 9; ``withheld`` beside a ``<10`` in its group: at least 10 and at most the smallest count of at
   least 10 still shown there; ``withheld`` in a group with no ``<10``: 0 up, 1 up beside a shown 0). Two
   linear programmes per
   hidden small count give its feasible range; a range narrower than 1 … threshold − 1 is a finding
   ("worked out exactly" when it is one value).
4. **Derived**: the share, gap or ratio of an unknown small count is shown while the numbers that give it
   back are published: share × region total; demand equivalent − gap; ratio × demand equivalent.
5. **Small total**: a region's total is itself from 1 to threshold − 1 and can be worked out.
6. **Completers of occupations**: a number from 1 to threshold − 1 in a "Completers a year" column (the
   completers of every program leading to an occupation or a program's occupations, as the decisions,
   Occupations and Program occupations tables print them). Those figures are built only from what the
   published program counts allow (:func:`alignment.occupation_alignment.count_bounds`), so they add no
   equation to the attack.

Not modelled: relations between measures (completers ≤ enrolled), counts of flags per region, and the
dissimilarity index (a rounded sum of absolute share differences).
"""

from __future__ import annotations

import json
import math
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.utils import get_column_letter

from .constants import WITHHELD, privacy_threshold
from .privacy import attack
from .publish import placed_links

MEASURES = ("enrolled", "concentrators", "completers")
_COUNT_HEADER = re.compile(r"^(enrolled|concentrators|completers)(?: \(students\))?$", re.I)
#: completers (or high school concentrators) of a set of occupations, spread from programs (decisions,
#: occupation and program → occupation tables): printed as a whole number, "<10", a range or "withheld", never
#: 1 … threshold − 1
_ALLOCATED_HEADER = re.compile(r"^(completers|concentrators) a year\b", re.I)
_SHARE_HEADER = re.compile(r"^share of (enrolled|concentrators|completers|students)\b", re.I)
_STUDENT_WORDS = r"(?:students?|completers?|concentrators?|enrolled|enrollees?)"
_SMALL_TEXT = re.compile(
    rf"(?<![\w.,$<≤−-])(?<!about )(?<!fewer than )(\d+) (?:more |fewer |new )?{_STUDENT_WORDS}\b", re.I
)


@dataclass(frozen=True)
class Finding:
    """One way a published file shows or gives back a small student count."""

    file: str
    location: str
    found: str
    why: str

    def __str__(self) -> str:
        return f"{self.file}: {self.location}: {self.found} — {self.why}"


Key = tuple  # ("c", region, year, measure, cluster) or ("p", region, year, measure, cluster, file, row)


@dataclass
class _Raw:
    """The run's raw student counts, keyed by published level, and the names that identify them."""

    threshold: int
    year: int
    measure: str
    cells: dict[Key, float | None]
    region_ids: dict[str, str]
    cluster_codes: dict[str, str]
    region_names: dict[str, str]
    #: the parts of one program an institution places file divided over regions: key → (link, share)
    links: dict[Key, tuple[str, float]] = field(default_factory=dict)

    def small(self, v: float | None) -> bool:
        return v is not None and 0 < v < self.threshold


@dataclass
class _Known:
    """What the published files reveal, over all files together: where each count is shown or hidden."""

    shown: dict[Key, str] = field(default_factory=dict)
    hidden: dict[Key, tuple[str, str]] = field(default_factory=dict)
    labels: dict[Key, set[str]] = field(default_factory=dict)  # what each hidden cell is written as
    totals: dict[tuple, tuple[str, str]] = field(default_factory=dict)
    derived: list[tuple[Key, str, str, str, bool]] = field(
        default_factory=list
    )  # key, file, loc, what, has DE


@dataclass
class _Table:
    file: str
    label: str
    header: list[str]
    rows: list[list[object]]
    region: str | None
    first_row: int = 2  # spreadsheet row of rows[0] (xlsx)
    sheet: bool = False

    def loc(self, i: int, j: int) -> str:
        if self.sheet:
            return f"{self.label}!{get_column_letter(j + 1)}{self.first_row + i}"
        return f"{self.label}, row {i + 1}, column {self.header[j]!r}"


def _num(v: object) -> float | None:
    """A shown number (``12``, ``"1,234"``, ``"+5"``, ``"33.4%"`` → 0.334); None for text such as ``<10``."""
    if v is None or isinstance(v, bool):
        return None
    if isinstance(v, int | float):
        return None if pd.isna(v) else float(v)
    s = str(v).strip().replace(",", "").replace("\u2212", "-").replace("$", "")
    pct = s.endswith("%")
    try:
        x = float(s.rstrip("%").strip())
    except ValueError:
        return None
    return x / 100 if pct else x


def _load_raw(processed_dir: Path, threshold: int, year: int | None) -> _Raw:
    al = pd.read_parquet(processed_dir / "alignment.parquet")
    sup = pd.read_parquet(processed_dir / "supply.parquet")
    pr = pd.read_parquet(processed_dir / "programs.parquet")
    measure = (
        str(al["supply_measure"].dropna().iloc[0]) if "supply_measure" in al and len(al) else "completers"
    )
    year = int(year if year is not None else al["year"].max())
    cells: dict[Key, float | None] = {}

    def val(v: object) -> float | None:
        return None if pd.isna(v) else float(v)

    for m in (m for m in MEASURES if m in sup):
        for r, y, c, v in zip(sup["region_id"], sup["year"], sup["cluster_code"], sup[m], strict=True):
            cells[("c", str(r), int(y), m, str(c))] = val(v)
    pr = pr[pr["cluster_code"].notna()].reset_index(drop=True)
    link, share = placed_links(pr)
    links: dict[Key, tuple[str, float]] = {}
    for m in (m for m in MEASURES if m in pr):
        cols = [pr[k] for k in ("region_id", "year", "cluster_code", "source_file", "source_row")]
        for r, y, c, f, row, v, k, w in zip(*cols, pr[m], link, share, strict=True):
            cells[("p", str(r), int(y), m, str(c), str(f), int(row))] = val(v)
            if k is not None:
                links[("p", str(r), int(y), m, str(c), str(f), int(row))] = (f"{m}|{k}", float(w))
    names = al.drop_duplicates("region_id")
    region_ids = {str(n): str(i) for i, n in zip(names["region_id"], names["region_name"], strict=True)}
    region_ids |= {str(i): str(i) for i in names["region_id"]}
    cl = al.drop_duplicates("cluster_code")
    codes = {str(n): str(c) for c, n in zip(cl["cluster_code"], cl["cluster_name"], strict=True)}
    codes |= {str(c): str(c) for c in cl["cluster_code"]}
    region_names = {str(i): str(n) for i, n in zip(names["region_id"], names["region_name"], strict=True)}
    return _Raw(threshold, year, measure, cells, region_ids, codes, region_names, links)


class _HTMLTables(HTMLParser):
    """Tables (header and body cells) and the visible text of an HTML page, with the stdlib parser."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[tuple[list[str], list[list[str]]]] = []
        self.text: list[str] = []
        self._skip = 0
        self._rows: list[tuple[bool, list[str]]] | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._head = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        # text a reader gets without seeing the page: image alt text, titles, labels for screen readers
        for name, value in attrs:
            if name in ("alt", "title", "aria-label") and value and not self._skip:
                self.text.append(f" {value} ")
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "table":
            self._rows = []
        elif tag == "tr" and self._rows is not None:
            self._row, self._head = [], True
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
            self._head = self._head and tag == "th"

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._rows is not None:
            self._rows.append((self._head and bool(self._row), self._row))
            self._row = None
        elif tag == "table" and self._rows is not None:
            heads = [r for h, r in self._rows if h]
            body = [r for h, r in self._rows if not h]
            if heads:
                self.tables.append((heads[-1], body))
            self._rows = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def _text_findings(file: str, where: str, text: str, raw: _Raw) -> list[Finding]:
    out = []
    for m in _SMALL_TEXT.finditer(text):
        if raw.small(float(m.group(1))):
            out.append(
                Finding(
                    file,
                    where,
                    f"text {m.group(0)!r}",
                    f"a student count below {raw.threshold} written out in words",
                )
            )
    return out


def _read_table(tab: _Table, raw: _Raw, known: _Known) -> list[Finding]:
    """Record what one table shows and hides; findings for small numbers shown in student-count columns."""
    out: list[Finding] = []
    low = [h.strip().lower() for h in tab.header]
    col = {h: j for j, h in enumerate(low)}
    counts = {j: _COUNT_HEADER.match(h).group(1).lower() for j, h in enumerate(low) if _COUNT_HEADER.match(h)}
    shares = {}
    for j, h in enumerate(low):
        if (m := _SHARE_HEADER.match(h)) is not None:
            shares[j] = raw.measure if m.group(1).lower() == "students" else m.group(1).lower()
    for j, h in enumerate(low):
        if not _ALLOCATED_HEADER.match(h):
            continue
        for i, row in enumerate(tab.rows):
            v = _num(row[j]) if j < len(row) else None
            if v is not None and 0 < v < raw.threshold:
                out.append(
                    Finding(
                        tab.file,
                        tab.loc(i, j),
                        f"completers = {row[j]!r} shown",
                        f"completers of occupations below {raw.threshold} (they may be one program's count)",
                    )
                )
    if not counts and not shares:
        return out
    program = "source row" in col
    gap = next((j for j, h in enumerate(low) if h.startswith("gap")), None)
    ratio = next((j for j, h in enumerate(low) if h.startswith("supply ÷ demand")), None)
    de = next((j for j, h in enumerate(low) if h.startswith("demand equivalent")), None)
    jobs = next((j for j, h in enumerate(low) if h.startswith("share of jobs")), None)
    for i, row in enumerate(tab.rows):
        row = list(row) + [None] * (len(low) - len(row))

        def cell(name: str, row: list = row) -> object:
            return row[col[name]] if name in col else None

        region = raw.region_ids.get(str(cell("region")), tab.region) if "region" in col else tab.region
        y = _num(cell("year"))
        year = int(y) if y is not None else raw.year
        cluster = raw.cluster_codes.get(str(cell("cluster code") or cell("cluster")))
        shown_count: dict[str, float | None] = {}
        for j, m in counts.items():
            v = _num(row[j])
            shown_count[m] = v
            if v is not None and 0 < v < raw.threshold:
                out.append(
                    Finding(
                        tab.file,
                        tab.loc(i, j),
                        f"{m} = {row[j]!r} shown",
                        f"a student count below {raw.threshold} in a student-count column",
                    )
                )
            if program:
                f, r = cell("source file"), _num(cell("source row"))
                key = ("p", region, year, m, cluster, str(f), int(r) if r is not None else None)
            else:
                key = ("c", region, year, m, cluster)
            if key not in raw.cells:
                continue
            if v is not None:
                known.shown.setdefault(key, f"{tab.file}: {tab.loc(i, j)}")
            else:
                known.hidden.setdefault(key, (tab.file, tab.loc(i, j)))
                text = "" if row[j] is None else " ".join(str(row[j]).split()).lower()
                known.labels.setdefault(key, set()).add(text)
        if program or cluster is None or region is None:
            continue
        has_de = de is not None and _num(row[de]) is not None
        for j, m in shares.items():
            key, group = ("c", region, year, m, cluster), ("c", region, year, m)
            share, s = _num(row[j]), shown_count.get(m)
            where = f"{tab.file}: {tab.loc(i, j)}"
            if share and s:
                known.totals.setdefault(group, (where, "count ÷ share"))
            if has_de and jobs is not None and _num(row[jobs]):
                known.totals.setdefault(group, (where, "demand equivalent ÷ share of jobs"))
            if m not in counts or s is None:
                if share is not None:
                    known.derived.append((key, tab.file, tab.loc(i, j), "share", has_de))
                for k, what in ((gap, "gap"), (ratio, "ratio")):
                    if k is not None and _num(row[k]) is not None and m == raw.measure:
                        known.derived.append((key, tab.file, tab.loc(i, k), what, has_de))
    return out


def _xlsx(path: Path, rel: str, raw: _Raw, known: _Known) -> list[Finding]:
    out: list[Finding] = []
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        for ws in wb.worksheets:
            rows = [list(r) for r in ws.iter_rows(values_only=True)]
            for i, r in enumerate(rows):
                for j, v in enumerate(r):
                    if isinstance(v, str):
                        where = f"{ws.title}!{get_column_letter(j + 1)}{i + 1}"
                        out += _text_findings(rel, where, v, raw)
            head = next((i for i, r in enumerate(rows[:10]) if any(_is_header(v) for v in r)), None)
            if head is None:
                continue
            header = [str(v) if v is not None else "" for v in rows[head]]
            region = _region_of(path, raw)
            tab = _Table(rel, ws.title, header, rows[head + 1 :], region, first_row=head + 2, sheet=True)
            out += _read_table(tab, raw, known)
    finally:
        wb.close()
    return out


def _is_header(v: object) -> bool:
    if not isinstance(v, str):
        return False
    v = v.strip()
    return bool(_COUNT_HEADER.match(v) or _SHARE_HEADER.match(v) or _ALLOCATED_HEADER.match(v))


def _region_of(path: Path, raw: _Raw) -> str | None:
    """The region a file belongs to: ``<region_id>/report.html`` and ``<region_id>/tables.xlsx``."""
    return raw.region_ids.get(path.parent.name)


def _html(path: Path, rel: str, raw: _Raw, known: _Known) -> list[Finding]:
    p = _HTMLTables()
    p.feed(path.read_text(encoding="utf-8", errors="replace"))
    out = _text_findings(rel, "page text", " ".join(" ".join(p.text).split()), raw)
    for k, (header, body) in enumerate(p.tables, start=1):
        tab = _Table(rel, f"table {k}", header, [list(r) for r in body], _region_of(path, raw))
        out += _read_table(tab, raw, known)
    return out


_COLUMN_HEADERS = {
    "region_id": "Region",
    "year": "Year",
    "cluster_code": "Cluster code",
    "source_file": "Source file",
    "source_row": "Source row",
    "supply_share": "Share of students",
    "demand_share": "Share of jobs",
    "demand_equivalent": "Demand equivalent",
    "gap": "Gap",
    "ratio": "Supply ÷ demand",
}


def _frame_table(df: pd.DataFrame, rel: str, label: str, raw: _Raw, region: str | None) -> _Table:
    """A data frame with the pipeline's column names (GeoPackage layer, parquet file) as a published table.

    A count column is read from its ``<column>_text`` twin when there is one (the label of a hidden cell).
    """
    cols: dict[str, pd.Series] = {}
    measure = raw.measure
    if "supply_measure" in df and df["supply_measure"].notna().any():
        measure = str(df["supply_measure"].dropna().iloc[0])
    for c in df.columns:
        name = str(c)
        if name in _COLUMN_HEADERS:
            cols[_COLUMN_HEADERS[name]] = df[c]
        elif name in (*MEASURES, "supply"):
            text = f"{name}_text"
            head = (measure if name == "supply" else name).capitalize()
            cols[head] = df[text] if text in df else df[c]
    frame = pd.DataFrame(cols)
    rows = [[None if _missing(v) else v for v in r] for r in frame.itertuples(index=False, name=None)]
    return _Table(rel, label, list(frame.columns), rows, region)


def _missing(v: object) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _gpkg(path: Path, rel: str, raw: _Raw, known: _Known, notes: list[str]) -> list[Finding]:
    """Every feature and attribute table of a GeoPackage (read with sqlite3, geometry left out)."""
    out: list[Finding] = []
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        notes.append(f"{rel}: not read ({exc})")
        return out
    try:
        layers = [r[0] for r in con.execute("SELECT table_name FROM gpkg_contents")]
        for layer in layers:
            info = con.execute(f'PRAGMA table_info("{layer}")').fetchall()
            geom = {r[0] for r in con.execute("SELECT column_name FROM gpkg_geometry_columns")}
            cols = [r[1] for r in info if r[1] not in geom]
            quoted = ", ".join(f'"{c}"' for c in cols)
            df = pd.DataFrame(con.execute(f'SELECT {quoted} FROM "{layer}"').fetchall(), columns=cols)
            for c in df.columns:
                for i, v in enumerate(df[c]):
                    if isinstance(v, str):
                        out += _text_findings(rel, f"layer {layer}, row {i + 1}, column {c!r}", v, raw)
            out += _read_table(_frame_table(df, rel, f"layer {layer}", raw, None), raw, known)
    except sqlite3.Error as exc:
        notes.append(f"{rel}: not read completely ({exc})")
    finally:
        con.close()
    return out


def _parquet(path: Path, rel: str, raw: _Raw, known: _Known, notes: list[str]) -> list[Finding]:
    try:
        df = pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        notes.append(f"{rel}: not read ({exc})")
        return []
    return _read_table(
        _frame_table(df.reset_index(drop=True), rel, "table", raw, _region_of(path, raw)), raw, known
    )


def _pdf(path: Path, rel: str, raw: _Raw, notes: list[str]) -> list[Finding]:
    exe = shutil.which("pdftotext")
    if exe is None:
        notes.append(f"{rel}: not read (pdftotext is not installed)")
        return []
    res = subprocess.run([exe, "-q", str(path), "-"], capture_output=True, text=True, check=False)
    if res.returncode != 0:
        notes.append(f"{rel}: pdftotext failed ({res.stderr.strip() or res.returncode})")
        return []
    out: list[Finding] = []
    for n, page in enumerate(res.stdout.split("\f"), start=1):
        out += _text_findings(rel, f"page {n}", " ".join(page.split()), raw)
    return out


def _group(key: Key) -> tuple:
    return key[:4] if key[0] == "c" else key[:5]


def _total_known(group: tuple, known: _Known) -> tuple[str, str] | None:
    """Where a group's total is published: a region total through shares, a cluster total as its count."""
    if group[0] == "c":
        return known.totals.get(group)
    cluster = ("c", group[1], group[2], group[3], group[4])
    return (known.shown[cluster], "the cluster's count") if cluster in known.shown else None


def _name(raw: _Raw, key: Key) -> str:
    what = f"{key[3]} of {key[4]} in {raw.region_names.get(key[1], key[1])}, {key[2]}"
    return (
        what
        if key[0] == "c"
        else f"{key[3]} of program (source row {key[6]}) in {key[4]}, {key[1]}, {key[2]}"
    )


_SMALL_LABEL = re.compile(r"^(?:<|fewer than )\s*\d[\d,]*$")


def _state(key: Key, known: _Known) -> str:
    """How a reader sees a cell over all files: shown, ``<t``, withheld, or hidden with no useful label."""
    if key in known.shown:
        return "shown"
    labels = known.labels.get(key, set())
    if any(_SMALL_LABEL.match(label) for label in labels):
        return "small"
    return "withheld" if WITHHELD in labels else "unknown"


def _intervals(raw: _Raw, known: _Known, already: set[str]) -> list[Finding]:
    """The interval attack (:func:`alignment.privacy.attack`) on what the files publish, all together.

    Per region × year × measure: the clusters add up to the region's total (known whenever it is at least
    the threshold), the programs of a cluster add up to the cluster's count, the parts of a program split
    over clusters are equal, and each hidden cell is bounded by its label under the published rule. A
    finding for every small hidden count whose feasible range is narrower than 1 … threshold − 1.
    """
    keys = list(raw.cells)
    parts: dict[tuple, int] = {}
    for k in keys:
        if k[0] == "p":
            parts[(k[1], k[2], k[3], k[5], k[6])] = parts.get((k[1], k[2], k[3], k[5], k[6]), 0) + 1
    rows = []
    for k in keys:
        v = raw.cells[k]
        sib = (k[5], k[6]) if k[0] == "p" and parts[(k[1], k[2], k[3], k[5], k[6])] > 1 else None
        level = "cluster" if k[0] == "c" else "program"
        link, weight = raw.links.get(k, (None, float("nan")))
        rows.append(
            (
                (k[1], k[2], k[3]),
                level,
                k[4],
                sib,
                float("nan") if v is None else v,
                _state(k, known),
                link,
                weight,
            )
        )
    columns = ["component", "level", "cluster", "sibling", "value", "state", "link", "weight"]
    cells = pd.DataFrame(rows, columns=columns)
    found = attack(cells, raw.threshold)
    out: list[Finding] = []
    for i, r in found.iterrows():
        key = keys[int(i)]
        what = f"hidden {_name(raw, key)}"
        if bool(r["protected"]) or r["model"] == "infeasible" or what in already or key not in known.hidden:
            continue  # a cell no file lists is given back only through one that is listed and found
        lo, hi = math.ceil(float(r["lo"]) - 1e-6), math.floor(float(r["hi"]) + 1e-6)
        file, loc = known.hidden[key]
        how = "worked out exactly" if lo >= hi else f"narrowed to {lo}–{hi}"
        rule = "the published rule for labels" if r["model"] == "rule" else "the labels"
        out.append(
            Finding(
                file,
                loc,
                what,
                f"{how} from the published totals, the shown counts and {rule} (the label allows "
                f"1–{raw.threshold - 1}): a count below {raw.threshold} is not protected",
            )
        )
    return out


def _evaluate(raw: _Raw, known: _Known) -> list[Finding]:
    out: list[Finding] = []
    groups: dict[tuple, list[Key]] = {}
    for key, v in raw.cells.items():
        if v is not None:  # a count the source suppressed adds nothing to the total
            groups.setdefault(_group(key), []).append(key)

    def name(key: Key) -> str:
        return _name(raw, key)

    for group, keys in groups.items():
        total = _total_known(group, known)
        if total is None:
            continue
        unknown = [k for k in keys if k not in known.shown]
        if len(unknown) == 1 and raw.small(raw.cells[unknown[0]]):
            k = unknown[0]
            file, loc = known.hidden.get(k, (total[0].split(": ")[0], "(row not published)"))
            level = "clusters" if group[0] == "c" else "programs"
            out.append(
                Finding(
                    file,
                    loc,
                    f"hidden {name(k)}",
                    f"the only unknown count among the {len(keys)} {level} of its group; the total is published "
                    f"({total[0]}, {total[1]}), so total − shown cells gives back a count below {raw.threshold}",
                )
            )
        if group[0] == "c":
            s = sum(raw.cells[k] or 0 for k in keys)
            if raw.small(s):
                out.append(
                    Finding(
                        total[0].split(": ")[0],
                        total[0].split(": ", 1)[1],
                        f"the {group[3]} total of {raw.region_names.get(group[1], group[1])}, {group[2]}",
                        f"the region's total is below {raw.threshold} and is given back by {total[1]}",
                    )
                )
    seen = set()
    for key, file, loc, what, has_de in known.derived:
        if key in known.shown or not raw.small(raw.cells.get(key)) or (key, what) in seen:
            continue
        total = known.totals.get(_group(key))
        if what == "share" and total is None:
            continue
        if what != "share" and not has_de and total is None:
            continue
        seen.add((key, what))
        how = {
            "share": "share × region total",
            "gap": "demand equivalent − gap",
            "ratio": "ratio × demand equivalent",
        }
        out.append(
            Finding(
                file,
                loc,
                f"the {what} of hidden {name(key)} shown",
                f"{how[what]} gives back a count below {raw.threshold}",
            )
        )
    return out


def audit_run(
    reports_dir: Path,
    processed_dir: Path,
    threshold: int | None = None,
    *,
    notes: list[str] | None = None,
) -> list[Finding]:
    """Every way the run's published files show or give back a student count below the threshold.

    ``threshold`` defaults to ``thresholds.privacy_threshold`` of the run's ``manifest.json`` (else 10).
    Files that could not be read are described in ``notes`` (when a list is given). The rules are in
    the module docstring; an empty list means no small count can be read or worked out exactly.
    """
    reports_dir, processed_dir = Path(reports_dir), Path(processed_dir)
    manifest: dict = {}
    for m in (reports_dir / "manifest.json", processed_dir / "manifest.json"):
        if m.is_file():
            manifest = json.loads(m.read_text(encoding="utf-8"))
            break
    if threshold is None:
        threshold = privacy_threshold(manifest.get("thresholds"))
    raw = _load_raw(processed_dir, threshold, manifest.get("year"))
    known, notes = _Known(), notes if notes is not None else []
    out: list[Finding] = []
    files = sorted(
        p
        for p in reports_dir.rglob("*")
        if p.is_file() and not any(s.startswith(".") for s in p.relative_to(reports_dir).parts)
    )
    for path in files:
        rel = path.relative_to(reports_dir).as_posix()
        suffix = path.suffix.lower()
        if suffix == ".xlsx":
            out += _xlsx(path, rel, raw, known)
        elif suffix in (".html", ".htm"):
            out += _html(path, rel, raw, known)
        elif suffix == ".pdf":
            out += _pdf(path, rel, raw, notes)
        elif suffix == ".gpkg":
            out += _gpkg(path, rel, raw, known, notes)
        elif suffix == ".parquet":
            out += _parquet(path, rel, raw, known, notes)
    found = _evaluate(raw, known)
    return out + found + _intervals(raw, known, {f.found for f in found})
