"""The run configuration: one YAML file an analyst edits every year.

``load_config`` reads it safely, merges the named state preset with the user's
threshold overrides, resolves input paths relative to the config file, and
reports every problem at once (unknown keys with the nearest valid key, wrong
types, missing files, thresholds out of range) with the line it is on.
See ``docs/config.md`` for every key.
"""

from __future__ import annotations

import difflib
import glob
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import InputError, Problem
from .paths import PRESETS_DIR, processed_dir, reports_dir

FRAMEWORKS = ("2024", "legacy")
SUPPLY_MEASURES = ("enrolled", "concentrators", "completers")
CLUSTER_RULES = ("primary", "split")
OCCUPATION_ALLOCATIONS = ("weighted", "equal", "duplicate")
FAMILY_WAGE_SOURCES = ("living_wage", "median_share", "value")

# key -> (expected type(s), required)
_TOP_KEYS: dict[str, tuple[tuple[type, ...], bool]] = {
    "run": ((str,), True),
    "title": ((str,), False),
    "synthetic": ((bool,), False),
    "year": ((int,), True),
    "demand_year": ((int,), False),
    "state_fips": ((str, int), True),  # an unquoted 41 (or 06, read by YAML as 6) is padded to "41" / "06"
    "framework": ((str,), False),
    "preset": ((str,), False),
    "supply_measure": ((str,), False),
    "cluster_rule": ((str,), False),
    "occupation_allocation": ((str,), False),
    "inputs": ((dict,), True),
    "family_wage": ((dict,), False),
    "crosswalks": ((dict,), False),
    "thresholds": ((dict,), False),
    "outputs": ((dict,), False),
    "fetch": (
        (dict,),
        False,
    ),  # read by `alignment fetch --config` (base_urls, user_agent); see docs/fetch.md
}
_INPUT_KEYS: dict[str, tuple[tuple[type, ...], bool]] = {
    "enrollment": ((str,), False),  # required unless ipeds_completions is given
    "ipeds_completions": ((str, list), False),
    "ipeds_hd": ((str,), False),
    "qcew": ((str, list), True),
    "qcew_base_area": ((str,), False),
    "oews": ((str,), False),
    "living_wage": ((str,), False),
    "regions": ((str,), True),
    "geometry": ((str,), False),
    "projections": ((str, list), False),
    "cbsa_delineation": ((str,), False),
    "cip_list": ((str,), False),
}
_FAMILY_KEYS: dict[str, tuple[tuple[type, ...], bool]] = {
    "source": ((str,), False),
    "adults": ((int,), False),
    "children": ((int,), False),
    "median_share": ((int, float), False),
    "value_hourly_usd": ((int, float), False),
}
_CROSSWALK_KEYS: dict[str, tuple[tuple[type, ...], bool]] = {
    "cip_cluster": ((str,), False),
    "cip_cluster_extra": ((str,), False),
    "naics_cluster": ((str,), False),
    "naics_cluster_extra": ((str,), False),
    "cip_soc": ((str,), False),
    "cip_soc_extra": ((str,), False),
    "advance_cte_dir": ((str,), False),
    "nces_cip_soc": ((str,), False),
    "cip_2010_2020": ((str,), False),
    "onet_clusters": ((str,), False),
    "program_cip_mapping": ((str,), False),
}
_OUTPUT_KEYS: dict[str, tuple[tuple[type, ...], bool]] = {
    "processed": ((str,), False),
    "reports": ((str,), False),
}
# threshold -> (low, high) inclusive range of valid values
THRESHOLD_RANGES: dict[str, tuple[float, float]] = {
    "privacy_threshold": (1, 1000),
    "low_demand_lq": (0, 10),
    "min_demand_share": (0, 1),
    "oversupply_ratio": (1, 100),
    "undersupply_ratio": (0, 1),
    "min_gap_students": (0, 1_000_000),
    "wage_floor_share": (0, 5),
    "family_wage_median_share": (0, 5),
    "top_n": (1, 100),
    # high-skill, high-wage, in-demand occupation tests (criteria.py); null switches a test off
    "min_occupation_employment": (0, 1_000_000),
    "min_occupation_employment_share": (0, 1),
    "high_wage_median_share": (0, 5),
    "high_wage_family_wage_share": (0, 5),
    "in_demand_min_openings": (0, 1_000_000),
    "in_demand_openings_median_share": (0, 100),
    "in_demand_openings_ratio_median_share": (0, 100),
    "in_demand_min_openings_share": (0, 1),
    "in_demand_min_growth_pct": (-100, 1000),
    "in_demand_growth_area_share": (0, 10),
    "high_skill_min_education": (1, 8),
    "high_skill_apprenticeship": (0, 1),
    "hshwid_min_criteria": (1, 3),
    # FEW_HSHWID_JOBS fires below this share of a program's occupations meeting every test in use
    "min_hshwid_share": (0, 1),
}
#: thresholds a preset or config may set to null (the test is not used)
NULLABLE_THRESHOLDS = frozenset(
    k for k in THRESHOLD_RANGES if k.startswith(("min_occupation", "high_", "in_demand"))
)
#: thresholds that count something (students, jobs, tests, an education level): whole numbers only
INTEGER_THRESHOLDS: dict[str, str] = {
    "privacy_threshold": "a number of students",
    "min_gap_students": "a number of students",
    "top_n": "a number of pathways",
    "min_occupation_employment": "a number of jobs",
    "high_skill_min_education": "an education level from 1 to 8",
    "high_skill_apprenticeship": "0 or 1",
    "hshwid_min_criteria": "a number of tests",
}


@dataclass(frozen=True)
class FamilyWage:
    """How the family-supporting wage of a region is set."""

    source: str = "living_wage"
    adults: int = 1
    children: int = 1
    median_share: float | None = None
    value_hourly_usd: float | None = None

    def describe(self) -> str:
        """Plain-language name of the family type, e.g. ``1 adult, 1 child``."""
        a = f"{self.adults} adult" + ("s" if self.adults != 1 else "")
        c = f"{self.children} child" + ("ren" if self.children != 1 else "")
        return f"{a}, {c}"


@dataclass(frozen=True)
class Inputs:
    enrollment: Path | None
    qcew: tuple[Path, ...]
    regions: Path
    qcew_base_area: str = "US000"
    oews: Path | None = None
    living_wage: Path | None = None
    geometry: Path | None = None
    ipeds_completions: tuple[Path, ...] = ()
    ipeds_hd: Path | None = None
    projections: tuple[Path, ...] = ()
    cbsa_delineation: Path | None = None
    cip_list: Path | None = None

    def files(self) -> list[Path]:
        """Every input file, in a stable order (for the manifest)."""
        out = [p for p in (self.enrollment,) if p is not None] + [*self.qcew, self.regions]
        out += [p for p in (self.oews, self.living_wage, self.geometry) if p is not None]
        out += [*self.ipeds_completions, *(p for p in (self.ipeds_hd,) if p is not None), *self.projections]
        out += [p for p in (self.cbsa_delineation, self.cip_list) if p is not None]
        return out


@dataclass(frozen=True)
class Config:
    path: Path
    run: str
    year: int
    state_fips: str
    inputs: Inputs
    demand_year: int | None = None
    title: str = ""
    synthetic: bool = False
    framework: str = "2024"
    preset: str = "default"
    supply_measure: str = "completers"
    cluster_rule: str = "primary"
    occupation_allocation: str = "weighted"
    family_wage: FamilyWage = field(default_factory=FamilyWage)
    crosswalks: dict[str, Path] = field(default_factory=dict)
    thresholds: dict[str, float | None] = field(default_factory=dict)
    processed_dir: Path = Path("data/processed")
    reports_dir: Path = Path("reports")
    raw: dict[str, Any] = field(default_factory=dict)
    #: the project folder outputs are relative to (and must stay inside unless allowed otherwise)
    root: Path | None = None

    def input_paths(self) -> list[Path]:
        """Everything the run reads: the config file, every input file and every crosswalk file or folder."""
        return [self.path, *self.inputs.files(), *self.crosswalks.values()]

    def line_of(self, *keys: str) -> int | None:
        """The line of the config file that sets ``keys`` (``line_of("outputs", "reports")``), if any."""
        try:
            return _key_lines(_decode(self.path.read_bytes())).get(keys)
        except OSError:
            return None

    @property
    def industry_year(self) -> int:
        """The year of the industry (QCEW) demand: ``demand_year`` when set, else ``year``."""
        return self.demand_year if self.demand_year is not None else self.year

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    def relative(self, p: Path) -> str:
        """A path as written relative to the config file (for manifests and notes)."""
        try:
            return p.resolve().relative_to(self.base_dir.resolve()).as_posix()
        except ValueError:
            pass
        try:  # outside the config's folder: as the config would write it (``../data/x.csv``)
            return Path(os.path.relpath(p.resolve(), self.base_dir.resolve())).as_posix()
        except ValueError:  # another drive on Windows
            return p.as_posix()


def available_presets() -> list[str]:
    """Names of the state presets shipped with the package."""
    return sorted(p.stem for p in PRESETS_DIR.glob("*.yml"))


_PRESET_STATE_NAMES = {"tennessee": "tn", "oregon": "or", "washington": "wa", "colorado": "co"}


def _preset_hint(name: str) -> str:
    """``; did you mean 'or'?`` when a preset is named by its state's name (or a near spelling).

    >>> _preset_hint("Oregon"), _preset_hint("defualt"), _preset_hint("atlantis")
    ("; did you mean 'or'?", "; did you mean 'default'?", '')
    """
    key = str(name).strip().lower()
    if key in _PRESET_STATE_NAMES and _PRESET_STATE_NAMES[key] in available_presets():
        return f"; did you mean {_PRESET_STATE_NAMES[key]!r}?"
    near = difflib.get_close_matches(key, available_presets(), n=1, cutoff=0.75)
    return f"; did you mean {near[0]!r}?" if near else ""


def load_preset(name: str) -> dict[str, float | None]:
    """The thresholds of a named state preset (``presets/<name>.yml``)."""
    path = PRESETS_DIR / f"{name}.yml"
    if not path.is_file():
        raise InputError(
            [
                Problem(
                    "preset",
                    None,
                    None,
                    f"unknown preset {name!r}; available: {', '.join(available_presets())}",
                )
            ]
        )
    with path.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    return {k: v for k, v in data.items() if not isinstance(v, dict | list)}


def _decode(data: bytes) -> str:
    """Config text: UTF-8 (with or without BOM), UTF-16 with BOM (Notepad's "Unicode"), else cp1252.

    >>> _decode("r\u00e9gion: 1".encode("cp1252")), _decode("a: 1".encode("utf-16"))
    ('r\u00e9gion: 1', 'a: 1')
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _duplicate_keys(text: str, file: str) -> list[Problem]:
    """A key written twice in one mapping: YAML would silently keep the last one.

    >>> [p.message for p in _duplicate_keys("year: 2024\\nrun: a\\nyear: 2025\\n", "c.yml")]
    ['key written twice (lines 1 and 3); YAML keeps only the last one: delete one of them']
    """
    problems: list[Problem] = []

    def walk(node: yaml.Node, prefix: tuple[str, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for k, v in node.value:
                key, line = str(k.value), k.start_mark.line + 1
                if key in seen:
                    msg = f"key written twice (lines {seen[key]} and {line}); YAML keeps only the last one: "
                    problems.append(Problem(file, line, ".".join((*prefix, key)), msg + "delete one of them"))
                seen.setdefault(key, line)
                walk(v, (*prefix, key))

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return problems
    if root is not None:
        walk(root, ())
    return problems


def _key_lines(text: str) -> dict[tuple[str, ...], int]:
    """Line number (1-based) of every mapping key in a YAML document, by key path."""
    lines: dict[tuple[str, ...], int] = {}

    def walk(node: yaml.Node, prefix: tuple[str, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                key = (*prefix, str(k.value))
                lines[key] = k.start_mark.line + 1
                walk(v, key)

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return lines
    if root is not None:
        walk(root, ())
    return lines


def _check_keys(
    section: dict[str, Any],
    spec: dict[str, tuple[tuple[type, ...], bool]],
    prefix: tuple[str, ...],
    file: str,
    lines: dict[tuple[str, ...], int],
    problems: list[Problem],
) -> None:
    where = ".".join(prefix)
    for key, value in section.items():
        path = (*prefix, str(key))
        name = ".".join(path)
        if key not in spec:
            near = difflib.get_close_matches(str(key), list(spec), n=1, cutoff=0.6)
            hint = f"; did you mean {'.'.join((*prefix, near[0]))!r}?" if near else ""
            valid = ", ".join(spec)
            problems.append(
                Problem(
                    file,
                    lines.get(path),
                    name,
                    f"unknown key{hint} (valid keys{' in ' + where if where else ''}: {valid})",
                )
            )
            continue
        types, _ = spec[key]
        if value is None:
            continue
        # YAML's true/false are Python bools, which are also ints: accept them only where a bool is expected
        ok = isinstance(value, types) and not (isinstance(value, bool) and bool not in types)
        if not ok:
            expected = (
                " or ".join(t.__name__ for t in types).replace("str", "text").replace("dict", "a mapping")
            )
            problems.append(
                Problem(
                    file,
                    lines.get(path),
                    name,
                    f"expected {expected}, got {value!r} ({type(value).__name__})",
                )
            )
    for key, (_, required) in spec.items():
        if required and section.get(key) is None:
            problems.append(
                Problem(
                    file,
                    lines.get(prefix) if prefix else None,
                    ".".join((*prefix, key)),
                    "required key is missing",
                )
            )


def _resolve(base: Path, value: str) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else base / p


def _resolve_files(
    base: Path, value: str | list[str], name: str, file: str, line: int | None, problems: list[Problem]
) -> list[Path]:
    patterns = [value] if isinstance(value, str) else list(value)
    found: list[Path] = []
    for pattern in patterns:
        full = _resolve(base, str(pattern))
        if any(ch in str(pattern) for ch in "*?["):
            matches = sorted(Path(m) for m in glob.glob(str(full)))
            if not matches:
                problems.append(
                    Problem(file, line, name, f"no file matches {pattern!r} (looked in {full.parent})")
                )
            found.extend(m for m in matches if m.is_file())
        elif full.is_file():
            found.append(full)
        else:
            problems.append(Problem(file, line, name, f"file not found: {pattern!r} (looked for {full})"))
    return found


def load_config(path: str | Path, *, root: Path | None = None) -> Config:
    """Read, check and resolve a run configuration; raise :class:`InputError` listing every problem.

    Input paths are relative to the config file's folder; outputs default to
    ``data/processed/<run>/`` and ``reports/<run>/`` under ``root`` (the working directory).
    """
    path = Path(path)
    file = str(path)
    if not path.is_file():
        raise InputError([Problem(file, None, None, "config file not found")])
    text = _decode(path.read_bytes())
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise InputError(
            [Problem(file, line, None, f"not valid YAML: {getattr(exc, 'problem', exc)}")]
        ) from None
    if not isinstance(data, dict):
        raise InputError(
            [Problem(file, None, None, "expected a YAML mapping of keys (run, year, inputs, ...)")]
        )
    lines = _key_lines(text)
    problems: list[Problem] = _duplicate_keys(text, file)
    _check_keys(data, _TOP_KEYS, (), file, lines, problems)
    sections = {
        "inputs": _INPUT_KEYS,
        "family_wage": _FAMILY_KEYS,
        "crosswalks": _CROSSWALK_KEYS,
        "outputs": _OUTPUT_KEYS,
    }
    for name, spec in sections.items():
        if isinstance(data.get(name), dict):
            _check_keys(data[name], spec, (name,), file, lines, problems)

    def choice(key: str, allowed: tuple[str, ...], default: str) -> str:
        value = data.get(key, default)
        value = default if value is None else str(value)
        if value not in allowed:
            problems.append(
                Problem(file, lines.get((key,)), key, f"expected one of {', '.join(allowed)}; got {value!r}")
            )
        return value

    framework = choice("framework", FRAMEWORKS, "2024")
    supply_measure = choice("supply_measure", SUPPLY_MEASURES, "completers")
    cluster_rule = choice("cluster_rule", CLUSTER_RULES, "primary")
    occupation_allocation = choice("occupation_allocation", OCCUPATION_ALLOCATIONS, "weighted")

    run = str(data.get("run") or "")
    if run and (run in {".", ".."} or "/" in run or "\\" in run):
        problems.append(
            Problem(file, lines.get(("run",)), "run", f"a run name is a folder name, not a path: {run!r}")
        )
    state_value = data.get("state_fips")
    if isinstance(state_value, int) and not isinstance(state_value, bool) and 0 < state_value < 100:
        state_value = f"{state_value:02d}"  # unquoted in the YAML file
    state_fips = str(state_value or "")
    if state_fips and not (len(state_fips) == 2 and state_fips.isdigit()):
        problems.append(
            Problem(
                file,
                lines.get(("state_fips",)),
                "state_fips",
                f'expected 2 digits in quotes, e.g. "06"; got {state_fips!r}',
            )
        )
    year = data.get("year")
    if isinstance(year, int) and not isinstance(year, bool) and not 1990 <= year <= 2100:
        problems.append(
            Problem(file, lines.get(("year",)), "year", f"expected a year between 1990 and 2100; got {year}")
        )

    # thresholds: preset merged with overrides
    preset = str(data.get("preset") or "default")
    thresholds: dict[str, float | None] = {}
    try:
        thresholds = load_preset(preset)
    except InputError:
        problems.append(
            Problem(
                file,
                lines.get(("preset",)),
                "preset",
                f"unknown preset {preset!r}; available: {', '.join(available_presets())}{_preset_hint(preset)}",
            )
        )
    overrides = data.get("thresholds") or {}
    if isinstance(overrides, dict):
        for key, value in overrides.items():
            where = lines.get(("thresholds", str(key)))
            if key not in THRESHOLD_RANGES:
                near = difflib.get_close_matches(str(key), list(THRESHOLD_RANGES), n=1, cutoff=0.6)
                hint = f"; did you mean 'thresholds.{near[0]}'?" if near else ""
                problems.append(Problem(file, where, f"thresholds.{key}", f"unknown threshold{hint}"))
                continue
            if value is None and key in NULLABLE_THRESHOLDS:
                thresholds[key] = None
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                problems.append(
                    Problem(file, where, f"thresholds.{key}", f"expected a number; got {value!r}")
                )
                continue
            if key in INTEGER_THRESHOLDS and isinstance(value, float):
                if not value.is_integer():
                    problems.append(
                        Problem(
                            file,
                            where,
                            f"thresholds.{key}",
                            f"expected a whole number ({INTEGER_THRESHOLDS[key]}); got {value!r}",
                        )
                    )
                    continue
                value = int(value)
            thresholds[key] = value
    for key, value in thresholds.items():
        lo, hi = THRESHOLD_RANGES.get(key, (float("-inf"), float("inf")))
        if isinstance(value, int | float) and not lo <= value <= hi:
            problems.append(
                Problem(
                    file,
                    lines.get(("thresholds", key)),
                    f"thresholds.{key}",
                    f"expected a value from {lo} to {hi}; got {value}",
                )
            )

    base = path.parent
    inputs_raw = data.get("inputs") if isinstance(data.get("inputs"), dict) else {}
    resolved: dict[str, Any] = {}
    for key in (
        "enrollment",
        "regions",
        "oews",
        "living_wage",
        "geometry",
        "ipeds_hd",
        "cbsa_delineation",
        "cip_list",
    ):
        value = inputs_raw.get(key)
        if isinstance(value, str):
            files = _resolve_files(base, value, f"inputs.{key}", file, lines.get(("inputs", key)), problems)
            resolved[key] = files[0] if files else None
    qcew_value = inputs_raw.get("qcew")
    qcew_files: list[Path] = []
    if isinstance(qcew_value, str | list):
        qcew_files = _resolve_files(
            base, qcew_value, "inputs.qcew", file, lines.get(("inputs", "qcew")), problems
        )
    many: dict[str, list[Path]] = {}
    for key in ("ipeds_completions", "projections"):
        value = inputs_raw.get(key)
        if isinstance(value, str | list):
            many[key] = _resolve_files(
                base, value, f"inputs.{key}", file, lines.get(("inputs", key)), problems
            )
    if inputs_raw.get("enrollment") is None and inputs_raw.get("ipeds_completions") is None:
        problems.append(
            Problem(
                file,
                lines.get(("inputs",)),
                "inputs.enrollment",
                "required key is missing: give inputs.enrollment, or inputs.ipeds_completions with inputs.ipeds_hd",
            )
        )
    if inputs_raw.get("ipeds_completions") is not None and inputs_raw.get("ipeds_hd") is None:
        problems.append(
            Problem(
                file,
                lines.get(("inputs", "ipeds_completions")),
                "inputs.ipeds_hd",
                "inputs.ipeds_completions needs inputs.ipeds_hd (the IPEDS directory gives each institution's county)",
            )
        )
    demand_year = data.get("demand_year")
    if isinstance(demand_year, int) and not isinstance(demand_year, bool) and not 1990 <= demand_year <= 2100:
        problems.append(
            Problem(
                file,
                lines.get(("demand_year",)),
                "demand_year",
                f"expected a year between 1990 and 2100; got {demand_year}",
            )
        )

    fw_raw = data.get("family_wage") if isinstance(data.get("family_wage"), dict) else {}
    family = FamilyWage(
        source=str(fw_raw.get("source") or "living_wage"),
        adults=int(fw_raw.get("adults", 1) or 0),
        children=int(fw_raw.get("children", 1) or 0),
        median_share=fw_raw.get("median_share"),
        value_hourly_usd=fw_raw.get("value_hourly_usd"),
    )
    fw_line = lines.get(("family_wage", "source"))
    if family.source not in FAMILY_WAGE_SOURCES:
        problems.append(
            Problem(
                file,
                fw_line,
                "family_wage.source",
                f"expected one of {', '.join(FAMILY_WAGE_SOURCES)}; got {family.source!r}",
            )
        )
    elif family.source == "living_wage" and inputs_raw.get("living_wage") is None:
        problems.append(
            Problem(
                file,
                fw_line,
                "family_wage.source",
                "'living_wage' needs inputs.living_wage (or use source: median_share)",
            )
        )
    elif family.source == "median_share" and inputs_raw.get("oews") is None:
        problems.append(
            Problem(
                file,
                fw_line,
                "family_wage.source",
                "'median_share' needs inputs.oews for regional median wages",
            )
        )
    elif family.source == "value" and not family.value_hourly_usd:
        problems.append(
            Problem(file, fw_line, "family_wage.value_hourly_usd", "source 'value' needs value_hourly_usd")
        )
    if not 0 <= family.adults <= 2 or not 0 <= family.children <= 3:
        problems.append(
            Problem(
                file,
                lines.get(("family_wage", "adults"))
                or lines.get(("family_wage", "children"))
                or lines.get(("family_wage",)),
                "family_wage",
                "family type: 1-2 adults and 0-3 children",
            )
        )

    crosswalks: dict[str, Path] = {}
    cw_raw = data.get("crosswalks") if isinstance(data.get("crosswalks"), dict) else {}
    for key, value in cw_raw.items():
        if isinstance(value, str) and key in _CROSSWALK_KEYS:
            p = _resolve(base, value)
            exists = p.is_dir() if key == "advance_cte_dir" else p.is_file()
            if not exists:
                problems.append(
                    Problem(
                        file, lines.get(("crosswalks", key)), f"crosswalks.{key}", f"not found: {value!r}"
                    )
                )
            crosswalks[key] = p

    if problems:
        raise InputError(problems)

    out_raw = data.get("outputs") or {}
    proc = (
        _resolve(root or Path.cwd(), out_raw["processed"])
        if out_raw.get("processed")
        else processed_dir(run, root)
    )
    reps = (
        _resolve(root or Path.cwd(), out_raw["reports"]) if out_raw.get("reports") else reports_dir(run, root)
    )
    return Config(
        path=path,
        run=run,
        year=int(year),
        state_fips=state_fips,
        inputs=Inputs(
            enrollment=resolved.get("enrollment"),
            qcew=tuple(qcew_files),
            regions=resolved["regions"],
            qcew_base_area=str(inputs_raw.get("qcew_base_area") or "US000"),
            oews=resolved.get("oews"),
            living_wage=resolved.get("living_wage"),
            geometry=resolved.get("geometry"),
            ipeds_completions=tuple(many.get("ipeds_completions", [])),
            ipeds_hd=resolved.get("ipeds_hd"),
            projections=tuple(many.get("projections", [])),
            cbsa_delineation=resolved.get("cbsa_delineation"),
            cip_list=resolved.get("cip_list"),
        ),
        demand_year=int(demand_year)
        if isinstance(demand_year, int) and not isinstance(demand_year, bool)
        else None,
        title=str(data.get("title") or run),
        synthetic=bool(data.get("synthetic", False)),
        framework=framework,
        preset=preset,
        supply_measure=supply_measure,
        cluster_rule=cluster_rule,
        occupation_allocation=occupation_allocation,
        family_wage=family,
        crosswalks=crosswalks,
        thresholds=thresholds,
        processed_dir=proc,
        reports_dir=reps,
        raw=data,
        root=(root or Path.cwd()).resolve(),
    )
