"""What can be fetched: the publishers' files of a state and year, their URLs and the check each must pass.

Files land in ``<dest>/<source>/<vintage>/<name>``; see ``docs/fetch.md`` for every URL pattern and the
publisher pages. Base URLs can be replaced per source (a mirror) with ``--base-url`` or a config's
``fetch:`` section.

>>> [spec.name for spec in plan_fetch("VT", 2023, ["cip", "cbsa"])]
['CIPCode2020.csv', 'Crosswalk2010to2020.csv', 'list1_2023.xlsx']
>>> cbsa_vintage(2022)
2020
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from ..codes import STATE_POSTAL, normalize_state_fips
from .errors import FetchError

__all__ = [
    "CBSA_VINTAGES",
    "DEFAULT_BASE_URLS",
    "SOURCES",
    "Expect",
    "FileSpec",
    "MiB",
    "cbsa_vintage",
    "describe_plan",
    "load_fetch_config",
    "parse_base_urls",
    "plan_fetch",
    "qcew_area_spec",
    "qcew_counties",
    "state_fips",
]

SOURCES = ("qcew", "oews", "projections", "cip", "cip_soc", "cbsa", "counties")
"""Every source ``alignment fetch`` knows, in the order they are fetched."""

DEFAULT_BASE_URLS: dict[str, str] = {
    "qcew": "https://data.bls.gov/cew/data/api/",
    "oews": "https://www.bls.gov/oes/special-requests/",
    "projections": "https://www.bls.gov/emp/ind-occ-matrix/",
    "cip": "https://nces.ed.gov/ipeds/cipcode/Files/",
    "cip_soc": "https://nces.ed.gov/ipeds/cipcode/Files/",
    "cbsa": "https://www2.census.gov/programs-surveys/metro-micro/geographies/reference-files/",
    "counties": "https://www2.census.gov/geo/tiger/",
}

# OMB delineation vintages published by the Census Bureau (list1 file per vintage); 2023 is an .xlsx.
CBSA_VINTAGES = (2013, 2015, 2017, 2018, 2020, 2023)

MiB = 1 << 20


@dataclass(frozen=True)
class Expect:
    """What a good file looks like.

    ``kind`` is ``csv``, ``xlsx``, ``xls`` or ``zip``. ``columns``: header cells that must all be present
    (case- and space-insensitive), in ``sheet`` for a workbook (any sheet when ``None``) within the
    first ``header_rows`` rows. ``qcew``: the CSV must match a QCEW layout of
    :func:`alignment.sources.qcew.detect_layout` completely. ``members``: glob patterns each of which
    must match a member of a zip.
    """

    kind: str
    layout: str
    columns: tuple[str, ...] = ()
    sheet: str | None = None
    header_rows: int = 10
    qcew: bool = False
    members: tuple[str, ...] = ()


@dataclass(frozen=True)
class FileSpec:
    """One file to fetch: where from, where to (``<dest>/<source>/<vintage>/<name>``) and its check.

    ``extract`` lists (member glob, check) pairs: matching members of a verified zip are extracted
    beside it under their base names. ``lists_counties``: the file is the QCEW all-areas slice whose
    county codes decide which county slices to fetch next.
    """

    source: str
    vintage: str
    name: str
    url: str
    expect: Expect
    max_bytes: int = 200 * MiB
    extract: tuple[tuple[str, Expect], ...] = ()
    lists_counties: bool = False

    def path(self, dest: str | Path) -> Path:
        return Path(dest) / self.source / self.vintage / self.name

    @property
    def shown(self) -> str:
        return f"{self.source}/{self.vintage}/{self.name}"


_QCEW_SLICE = Expect("csv", "QCEW open-data CSV slice", qcew=True)
_OEWS_BOOK = Expect("xlsx", "OEWS all-data workbook", columns=("AREA", "OCC_CODE", "TOT_EMP", "A_MEDIAN"))


def cbsa_vintage(year: int) -> int:
    """The latest OMB delineation published in or before ``year`` (the earliest one for older years)."""
    earlier = [v for v in CBSA_VINTAGES if v <= year]
    return earlier[-1] if earlier else CBSA_VINTAGES[0]


def _base(source: str, base_urls: Mapping[str, str] | None) -> str:
    url = (base_urls or {}).get(source) or DEFAULT_BASE_URLS[source]
    return url if url.endswith("/") else url + "/"


def state_fips(state: str | int) -> str:
    """The two-digit FIPS code of a postal code or FIPS code (``"VT"`` → ``"50"``); unknown: :class:`FetchError`."""
    fips = normalize_state_fips(state)
    if fips is None:
        raise FetchError(
            f"unknown state {state!r}: expected a postal code such as VT or a FIPS code such as 50"
        )
    return fips


def plan_fetch(
    state: str | int,
    year: int,
    sources: Iterable[str] | None = None,
    *,
    base_urls: Mapping[str, str] | None = None,
) -> list[FileSpec]:
    """Every file to fetch for ``state`` and ``year``, in order (the QCEW county slices come later,
    from :func:`qcew_counties`, once the all-areas slice is on disk)."""
    fips = state_fips(state)
    wanted = list(sources) if sources is not None else list(SOURCES)
    unknown = [s for s in wanted if s not in SOURCES]
    if unknown:
        raise FetchError(f"unknown source(s) {', '.join(unknown)}: expected some of {', '.join(SOURCES)}")
    yy = f"{year % 100:02d}"
    specs: list[FileSpec] = []
    for source in SOURCES:
        if source not in wanted:
            continue
        base = _base(source, base_urls)
        v = str(year)
        if source == "qcew":
            specs.append(
                FileSpec(
                    source,
                    v,
                    "all-areas/industry_10.csv",
                    f"{base}{year}/a/industry/10.csv",
                    _QCEW_SLICE,
                    lists_counties=True,
                )
            )
            specs += [qcew_area_spec(area, year, base_urls) for area in ("US000", f"{fips}000")]
        elif source == "oews":
            # state file: <name>/state_M<year>_dl.xlsx; metro file: MSA_M<year>_dl.xlsx and the
            # nonmetropolitan areas BOS_M<year>_dl.xlsx
            for kind, member in (("st", "*state_M*_dl.xlsx"), ("ma", "*MSA_M*_dl.xlsx")):
                name = f"oesm{yy}{kind}.zip"
                specs.append(
                    FileSpec(
                        source,
                        v,
                        name,
                        base + name,
                        Expect("zip", "OEWS zip", members=(member,)),
                        extract=(("*_dl.xlsx", _OEWS_BOOK),),
                    )
                )
        elif source == "projections":
            specs.append(
                FileSpec(
                    source,
                    "current",
                    "occupation.xlsx",
                    base + "occupation.xlsx",
                    Expect(
                        "xlsx",
                        "BLS Employment Projections occupation workbook",
                        columns=("National Employment Matrix code", "Occupational openings"),
                        sheet="Table 1.10",
                    ),
                )
            )
        elif source == "cip":
            specs.append(
                FileSpec(
                    source,
                    "2020",
                    "CIPCode2020.csv",
                    base + "CIPCode2020.csv",
                    Expect(
                        "csv", "NCES CIP 2020 list", columns=("CIPFamily", "CIPCode", "Action", "CIPTitle")
                    ),
                )
            )
            specs.append(
                FileSpec(
                    source,
                    "2020",
                    "Crosswalk2010to2020.csv",
                    base + "Crosswalk2010to2020.csv",
                    Expect(
                        "csv",
                        "NCES CIP 2010-2020 crosswalk",
                        columns=("CIPCode2010", "Action", "CIPCode2020", "CIPTitle2020"),
                    ),
                )
            )
        elif source == "cip_soc":
            specs.append(
                FileSpec(
                    source,
                    "2020",
                    "CIP2020_SOC2018_Crosswalk.xlsx",
                    base + "CIP2020_SOC2018_Crosswalk.xlsx",
                    Expect(
                        "xlsx",
                        "NCES CIP 2020-SOC 2018 crosswalk",
                        columns=("CIP2020Code", "SOC2018Code"),
                        sheet="CIP-SOC",
                    ),
                )
            )
        elif source == "cbsa":
            cv = cbsa_vintage(year)
            ext = "xlsx" if cv >= 2023 else "xls"
            name = f"list1_{cv}.{ext}"
            specs.append(
                FileSpec(
                    source,
                    str(cv),
                    name,
                    f"{base}{cv}/delineation-files/{name}",
                    Expect(
                        ext,
                        "OMB CBSA delineation list 1",
                        columns=("CBSA Code", "FIPS State Code", "FIPS County Code"),
                    ),
                )
            )
        elif source == "counties":
            stem = f"cb_{year}_us_county_500k"
            specs.append(
                FileSpec(
                    source,
                    v,
                    f"{stem}.zip",
                    f"{base}GENZ{year}/shp/{stem}.zip",
                    Expect(
                        "zip",
                        "Census cartographic boundary shapefile",
                        members=tuple(f"{stem}.{ext}" for ext in ("shp", "shx", "dbf", "prj")),
                    ),
                )
            )
    return specs


def qcew_area_spec(area: str, year: int, base_urls: Mapping[str, str] | None = None) -> FileSpec:
    """The open-data annual slice of one QCEW area (``US000``, ``50000``, ``50001`` ...)."""
    base = _base("qcew", base_urls)
    return FileSpec(
        "qcew", str(year), f"area_{area}.csv", f"{base}{year}/a/area/{area}.csv", replace(_QCEW_SLICE)
    )


def qcew_counties(path: str | Path, state_fips: str) -> list[str]:
    """County (and Connecticut planning-region) codes of a state found in a QCEW CSV, sorted.

    ``SS000`` (statewide) and ``SS999`` (unknown or undefined) are left out.
    """
    out: set[str] = set()
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            code = (row.get("area_fips") or "").strip()
            if (
                len(code) == 5
                and code.isdigit()
                and code[:2] == state_fips
                and code[2:] not in ("000", "999")
            ):
                out.add(code)
    return sorted(out)


# --------------------------------------------------------------------------- configuration


def parse_base_urls(items: Iterable[str]) -> dict[str, str]:
    """``["oews=https://mirror/oes/"]`` → ``{"oews": "https://mirror/oes/"}``; unknown sources refused.

    >>> parse_base_urls(["cip=https://example.org/cip"])
    {'cip': 'https://example.org/cip'}
    """
    out: dict[str, str] = {}
    for item in items:
        source, sep, url = item.partition("=")
        source = source.strip()
        if not sep or not url.strip():
            raise FetchError(
                f"--base-url {item!r}: expected SOURCE=URL, such as oews=https://mirror.example/oes/"
            )
        if source not in SOURCES:
            raise FetchError(
                f"--base-url {item!r}: unknown source {source!r}; expected one of {', '.join(SOURCES)}"
            )
        out[source] = url.strip()
    return out


def load_fetch_config(path: str | Path) -> dict[str, object]:
    """The ``fetch:`` section of a YAML config: ``base_urls`` (source → URL) and ``user_agent``."""
    import yaml

    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise FetchError(f"{p}: cannot read the config: {exc}") from None
    section = (data.get("fetch") or {}) if isinstance(data, dict) else {}
    if not isinstance(section, dict):
        raise FetchError(f"{p}: 'fetch' must be a mapping with keys base_urls, user_agent")
    unknown = sorted(set(section) - {"base_urls", "user_agent"})
    if unknown:
        raise FetchError(
            f"{p}: unknown key(s) under 'fetch': {', '.join(unknown)}; expected base_urls, user_agent"
        )
    urls = section.get("base_urls") or {}
    if not isinstance(urls, dict) or any(k not in SOURCES or not isinstance(u, str) for k, u in urls.items()):
        raise FetchError(f"{p}: 'fetch.base_urls' must map sources ({', '.join(SOURCES)}) to URLs")
    agent = section.get("user_agent")
    if agent is not None and not isinstance(agent, str):
        raise FetchError(f"{p}: 'fetch.user_agent' must be text")
    return {"base_urls": dict(urls), "user_agent": agent}


def describe_plan(specs: list[FileSpec], state: str, year: int, dest: Path) -> list[str]:
    """Lines of the plan shown before fetching."""
    fips = state_fips(state)
    lines = [f"plan: {len(specs)} file(s) for {STATE_POSTAL.get(fips, state)} {year} into {dest}"]
    for spec in specs:
        lines.append(f"  {spec.shown:<48} ← {spec.url}")
        if spec.lists_counties:
            lines.append(
                f"  {'qcew/' + spec.vintage + '/area_<county>.csv':<48} ← one slice per county listed in {spec.name}"
            )
    return lines
