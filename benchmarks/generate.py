"""Scaled synthetic input for the scale benchmarks, in the real publisher layouts.

``generate_scaled(out_dir, scale=N)`` writes N *replicas* of the synthetic Demo State (``alignment.demo``)
side by side, so every input grows N-fold while each replica keeps the demo's shape:

- ``enrollment.csv``: the state CTE extract layout of the demo. Replica ``k`` is the demo extract drawn
  with seed ``seed + k`` (other program picks and counts), its institutions renamed ``"<name> R<k>"`` and
  moved to replica ``k``'s counties. Replica 0 is byte-for-byte the demo's ``enrollment.csv``.
- ``qcew/<year>.annual.singlefile.csv``: the BLS annual *singlefile* layout (38 columns, no title
  columns, ``annual_avg_estabs``), one file per year, all areas in one file as BLS publishes it. Every
  replica carries the demo's county rows (ownerships, sectors, 3-digit subsectors, BLS-style ``N``
  suppression) under its own county codes; replicas share one ``US000`` base, so published LQs stay right.
- ``regions.csv``: every replica's counties in its own six regions (``metro``, ``metro-r001``, ...).
- ``oews/all_data_M<year>.xlsx``: the demo's OEWS workbook, unscaled (every replica region points at the
  same six synthetic OEWS areas), so program wages can be computed.

Geography of replica ``k``: the demo's county numbers (``001`` … ``071``) inside state ``STATES[k % 51]``
(replica 0 is Oregon, ``41``), shifted by ``100 × (k // 51)`` once all 51 state codes are used. Only the
first replica in a state writes that state's ``SS000`` statewide rows (the pipeline does not use them).
The codes are real state codes so the readers' checks pass, but every number is invented and the
counties are not the real counties of those states.

Row counts grow linearly: scale N holds ``N × 1,002`` enrollment rows and about ``N × 10,600`` QCEW
rows (3 years); scale 1 is the demo. Run ``python benchmarks/generate.py --scale 10 OUT_DIR``.

>>> replica_county("41001", 0), replica_county("41001", 1), replica_county("41071", 51)
('41001', '01001', '41171')
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from alignment import demo
from alignment.atomic import atomic_path, write_text
from alignment.codes import STATE_FIPS

__all__ = [
    "SINGLEFILE_HEADER",
    "STATES",
    "check_against_demo",
    "generate_scaled",
    "replica_county",
    "replica_region",
    "scaled_enrollment",
    "scaled_qcew_lines",
    "scaled_regions",
]

#: Replica k lives in state STATES[k % 51]: Oregon first, then the other 49 states and DC in code order.
STATES: tuple[str, ...] = ("41",) + tuple(
    sorted(c for c in STATE_FIPS.values() if c != "41" and int(c) <= 56)
)

#: The BLS annual singlefile header: the by-area header without the 5 title columns, and
#: ``annual_avg_estabs`` where the by-area files write ``annual_avg_estabs_count``.
SINGLEFILE_HEADER: tuple[str, ...] = tuple(
    c.replace("estabs_count", "estabs")
    for c in demo.QCEW_ANNUAL_HEADER
    if c not in ("area_title", "own_title", "industry_title", "agglvl_title", "size_title")
)
DEFAULT_YEARS = (2022, 2023, 2024)
MAX_SCALE = len(STATES) * 9  # county numbers stay below 1000


def replica_county(fips: str, k: int) -> str:
    """The code of demo county ``fips`` (``41ccc``) in replica ``k``; statewide ``41000`` maps the same way.

    >>> replica_county("41000", 2), replica_county("41069", 60)
    ('02000', '11169')
    """
    state = STATES[k % len(STATES)]
    county = int(fips[2:])
    return f"{state}{county + 100 * (k // len(STATES)) if county else 0:03d}"


def replica_region(region_id: str, k: int) -> str:
    """Region id of a demo region in replica ``k`` (replica 0 keeps the demo's ids).

    >>> replica_region("metro", 0), replica_region("metro", 7)
    ('metro', 'metro-r007')
    """
    return region_id if k == 0 else f"{region_id}-r{k:03d}"


def _check_scale(scale: int) -> int:
    scale = int(scale)
    if not 1 <= scale <= MAX_SCALE:
        raise ValueError(f"scale must be between 1 and {MAX_SCALE}, got {scale}")
    return scale


def scaled_regions(scale: int) -> pd.DataFrame:
    """``regions.csv`` of ``scale`` replicas: county → region with the demo's columns (36 × scale rows)."""
    base = demo._regions_table()
    frames = []
    for k in range(_check_scale(scale)):
        part = base.copy()
        part["county_fips"] = part["county_fips"].map(lambda f, k=k: replica_county(f, k))
        part["region_id"] = part["region_id"].map(lambda r, k=k: replica_region(r, k))
        if k:
            part["county_name"] = part["county_name"] + f" R{k:03d}"
            part["region_name"] = part["region_name"] + f" R{k:03d}"
        frames.append(part)
    return pd.concat(frames, ignore_index=True)


def scaled_enrollment(scale: int, seed: int = 2024, years: Iterable[int] = DEFAULT_YEARS) -> pd.DataFrame:
    """The enrollment extract (demo columns) of ``scale`` replicas; replica 0 equals the demo's table."""
    years = sorted(int(y) for y in years)
    frames = []
    for k in range(_check_scale(scale)):
        part = demo._enrollment_table(seed + k, years)
        if k:
            part["District Name"] = part["District Name"] + f" R{k:03d}"
            part["County FIPS"] = part["County FIPS"].map(lambda f, k=k: replica_county(f, k))
        frames.append(part)
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["School Year", "District Name", "Program Code"], kind="stable").reset_index(
        drop=True
    )


def _singlefile_lines(rows: pd.DataFrame) -> pd.Series:
    """Each QCEW row (``demo._qcew_table`` columns) as a singlefile CSV line: codes quoted, numbers bare,
    suppressed values written as 0 (as BLS does)."""

    def q(s: pd.Series) -> pd.Series:
        return '"' + s.astype(str) + '"'

    def const(text: str) -> pd.Series:
        return pd.Series(text, index=rows.index)

    def integer(values: pd.Series, hidden: pd.Series) -> pd.Series:
        return values.where(~hidden, 0).astype("int64").astype(str)

    def decimal(values: pd.Series, hidden: pd.Series, places: int) -> pd.Series:
        return values.map(f"{{:.{places}f}}".format).where(~hidden, "0")

    hid = rows["suppressed"].astype(bool)
    oty = rows["oty_hidden"].astype(bool)
    never = pd.Series(False, index=rows.index)
    disclosure = hid.map({True: "N", False: ""})
    parts = [
        q(rows["area_fips"]),
        q(rows["own_code"]),
        q(rows["industry_code"]),
        q(rows["agglvl_code"]),
        q(const("0")),
        q(rows["year"]),
        q(const("A")),
        q(disclosure),
        integer(rows["estabs"], never),
        *(integer(rows[m], hid) for m in ("emp", "wages", "taxable", "contrib", "wkly", "pay")),
        q(disclosure),
        decimal(rows["lq_estabs"], never, 2),
        *(decimal(rows[f"lq_{m}"], hid, 2) for m in ("emp", "wages", "taxable", "contrib", "wkly", "pay")),
        q(oty.map({True: "N", False: ""})),
    ]
    for m in ("estabs", "emp", "wages", "taxable", "contrib", "wkly", "pay"):
        parts.append(integer(rows[f"oty_{m}_chg"], oty))
        pct = decimal(rows[f"oty_{m}_pct"], oty, 1)
        parts.append(pct.where(~oty, "0.0") if m == "estabs" else pct)
    return parts[0].str.cat(parts[1:], sep=",")


def scaled_qcew_lines(
    scale: int, seed: int = 2024, years: Iterable[int] = DEFAULT_YEARS, base: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Every singlefile line of ``scale`` replicas: columns ``year``, ``area_fips``, ``line``, in BLS order
    (by year, then area, ownership, aggregation level, industry).

    The demo's rows are formatted once; a replica's line is the same line under the replica's area code
    (the first field, ``"SSCCC"``), so generation stays fast at large scales. ``base`` is
    ``demo._qcew_table(seed, years)`` when the caller already has it.
    """
    scale = _check_scale(scale)
    rows = demo._qcew_table(seed, years) if base is None else base
    rows = rows.sort_values(["area_fips", "year", "own_code", "agglvl_code", "industry_code"], kind="stable")
    lines = _singlefile_lines(rows).to_numpy(dtype=object)
    kind = rows["kind"].to_numpy()
    area = rows["area_fips"].to_numpy(dtype=object)
    year = rows["year"].to_numpy()
    tail = np.array([s[7:] for s in lines], dtype=object)  # the line after `"SSCCC"`
    frames = [pd.DataFrame({"year": year, "area_fips": area, "line": lines})]
    for k in range(1, scale):
        keep = kind == "county"
        if k < len(STATES):  # the first replica in a state also writes its statewide rows
            keep = keep | (kind == "state")
        codes = np.array([replica_county(a, k) for a in area[keep]], dtype=object)
        frames.append(
            pd.DataFrame({"year": year[keep], "area_fips": codes, "line": '"' + codes + '"' + tail[keep]})
        )
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["year", "area_fips"], kind="stable").reset_index(drop=True)


def _write_lines(path: Path, header: Iterable[str], lines: Iterable[str]) -> None:
    text = "\r\n".join([",".join(f'"{c}"' for c in header), *lines]) + "\r\n"
    write_text(path, text)


def generate_scaled(
    out_dir: str | Path, scale: int = 1, *, seed: int = 2024, years: Iterable[int] = DEFAULT_YEARS
) -> dict[str, object]:
    """Write the benchmark input of ``scale`` replicas into ``out_dir`` and return paths and row counts.

    Keys: ``enrollment``, ``regions``, ``qcew`` (list of singlefiles), ``oews`` (paths);
    ``enrollment_rows``, ``qcew_rows``, ``counties``, ``regions_count`` (ints). Every file is written
    atomically; an existing folder is overwritten file by file.
    """
    scale = _check_scale(scale)
    years = sorted(int(y) for y in years)
    out = Path(out_dir)
    (out / "qcew").mkdir(parents=True, exist_ok=True)
    (out / "oews").mkdir(parents=True, exist_ok=True)

    regions = scaled_regions(scale)
    write_text(out / "regions.csv", regions.to_csv(index=False, lineterminator="\n"))

    enrollment = scaled_enrollment(scale, seed, years)
    with atomic_path(out / "enrollment.csv", suffix=".csv") as tmp:
        demo._write_enrollment(enrollment, tmp)

    base = demo._qcew_table(seed, years)
    lines = scaled_qcew_lines(scale, seed, years, base=base)
    qcew_paths = []
    for year, part in lines.groupby("year", sort=True):
        path = out / "qcew" / f"{year}.annual.singlefile.csv"
        _write_lines(path, SINGLEFILE_HEADER, part["line"].tolist())
        qcew_paths.append(path)

    last = years[-1]
    oews_path = out / "oews" / f"all_data_M{last}.xlsx"
    with atomic_path(oews_path, suffix=".xlsx") as tmp:
        demo._write_oews(demo._oews_table(seed, last, base), tmp, last)
    return {
        "enrollment": out / "enrollment.csv",
        "regions": out / "regions.csv",
        "qcew": qcew_paths,
        "oews": oews_path,
        "enrollment_rows": len(enrollment),
        "qcew_rows": len(lines),
        "counties": len(regions),
        "regions_count": int(regions["region_id"].nunique()),
    }


def check_against_demo(folder: str | Path, seed: int = 2024) -> int:
    """Check the layouts: scale 1 must read exactly as the demo's files (same tables, other file layout).

    Writes scale 1 and the demo's own QCEW by-area files into ``folder``, reads both with the package's
    readers and compares every column except ``source_file``/``source_row``. Returns the QCEW row count;
    raises ``AssertionError`` on any difference.
    """
    from alignment.sources.enrollment import read_enrollment
    from alignment.sources.qcew import read_qcew

    folder = Path(folder)
    info = generate_scaled(folder / "scaled", 1, seed=seed)
    by_area = folder / "demo-qcew"
    demo._write_qcew(demo._qcew_table(seed, DEFAULT_YEARS), by_area)
    ours, theirs = read_qcew(info["qcew"]), read_qcew(by_area)
    cols = [c for c in ours.columns if c not in ("source_file", "source_row")]
    pd.testing.assert_frame_equal(ours[cols], theirs[cols])
    enrollment = demo._enrollment_table(seed, list(DEFAULT_YEARS))
    demo._write_enrollment(enrollment, folder / "demo-enrollment.csv")
    a = read_enrollment(info["enrollment"]).drop(columns="source_file")
    b = read_enrollment(folder / "demo-enrollment.csv").drop(columns="source_file")
    pd.testing.assert_frame_equal(a, b)
    return len(ours)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path, help="folder to write (created if missing)")
    parser.add_argument("--scale", type=int, default=1, help="number of Demo State replicas (default 1)")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument(
        "--check", action="store_true", help="check that scale 1 reads exactly as the demo's files, then exit"
    )
    args = parser.parse_args(argv)
    if args.check:
        rows = check_against_demo(args.out_dir, args.seed)
        print(f"ok: scale 1 reads exactly as the demo ({rows:,} QCEW rows, singlefile vs by-area layout)")
        return 0
    info = generate_scaled(args.out_dir, args.scale, seed=args.seed)
    print(
        f"scale {args.scale}: {info['enrollment_rows']:,} enrollment rows, {info['qcew_rows']:,} QCEW rows, "
        f"{info['counties']:,} counties in {info['regions_count']:,} regions → {args.out_dir}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
