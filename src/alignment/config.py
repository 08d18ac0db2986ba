"""The run configuration: one YAML file an analyst edits every year.

``load_config`` reads it safely, checks it against a pydantic model of the file
(``_ConfigFile``: every key with its type, allowed values or range, and the files
it names, resolved relative to the config file), merges the named state preset
with the user's threshold overrides, and reports every problem at once (unknown
keys with the nearest valid key, wrong types, missing files, thresholds out of
range) with the line it is on. See ``docs/config.md`` for every key.
"""

from __future__ import annotations

import difflib
import glob
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, ClassVar

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    ModelWrapValidatorHandler,
    ValidationError,
    ValidationInfo,
    create_model,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from .errors import InputError, Problem
from .paths import PRESETS_DIR, processed_dir, reports_dir

FRAMEWORKS = ("2024", "legacy")
SUPPLY_MEASURES = ("enrolled", "concentrators", "completers")
CLUSTER_RULES = ("primary", "split")
OCCUPATION_ALLOCATIONS = ("weighted", "equal", "duplicate")
#: how a region's employment by occupation is made: its OEWS areas' mix, or the staffing pattern of its industries
OCCUPATION_EMPLOYMENT = ("oews_areas", "staffing_pattern")
FAMILY_WAGE_SOURCES = ("living_wage", "median_share", "value")

# threshold -> (low, high) inclusive range of valid values
THRESHOLD_RANGES: dict[str, tuple[float, float]] = {
    "privacy_threshold": (1, 1000),
    "low_demand_lq": (0, 10),
    "min_demand_share": (0, 1),
    "oversupply_ratio": (1, 100),
    "undersupply_ratio": (0, 1),
    "min_gap_students": (0, 1_000_000),
    "wage_floor_share": (0, 5),
    "min_family_wage_openings_share": (0, 1),
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


#: the family types of the living-wage tables, as MIT's calculator publishes them (config messages, docs)
FAMILY_TYPES = (
    "the family types of a living-wage table (as MIT publishes them): 1 adult with 0-3 children; "
    "2 adults, 1 working (earners: 1), with 0-3 children; 2 adults, both working (earners: 2), with 0-3 "
    "children"
)


def family_words(adults: int, children: int, earners: int | None = None) -> str:
    """A family type in the words of MIT's living-wage calculator (``earners``: working adults; ``None``:
    not said).

    >>> [family_words(1, 1, 1), family_words(2, 2, 1), family_words(2, 0, 2), family_words(2, 3)]
    ['1 adult, 1 child', '2 adults (1 working), 2 children', '2 adults (both working), 0 children', \
'2 adults, 3 children']
    """
    a = f"{adults} adult" + ("s" if adults != 1 else "")
    if adults != 1 and earners is not None:
        a += " (both working)" if earners == adults == 2 else f" ({earners} working)"
    c = f"{children} child" + ("ren" if children != 1 else "")
    return f"{a}, {c}"


def wage_words(adults: int, children: int, earners: int | None = None) -> str:
    """The family type a living wage is for, saying when the wage is each earner's (more than one works).

    >>> wage_words(2, 2, 2)
    '2 adults (both working), 2 children, per working adult'
    """
    per_earner = ", per working adult" if earners is not None and earners > 1 else ""
    return family_words(adults, children, earners) + per_earner


@dataclass(frozen=True)
class FamilyWage:
    """How the family-supporting wage of a region is set.

    ``earners``: how many of the adults work (MIT publishes two-adult families with one or both working);
    one adult is one earner; ``None`` for two adults is not a family type of the living-wage rule.
    """

    source: str = "living_wage"
    adults: int = 1
    children: int = 1
    earners: int | None = None
    median_share: float | None = None
    value_hourly_usd: float | None = None

    def __post_init__(self) -> None:
        if self.earners is None and self.adults == 1:
            object.__setattr__(self, "earners", 1)

    def describe(self) -> str:
        """Plain-language name of the family type, e.g. ``1 adult, 1 child`` or
        ``2 adults (1 working), 2 children``; for the rules without a family type, what the wage is."""
        if self.source == "median_share":
            share = f"{self.median_share:.0%}" if self.median_share is not None else "a share"
            return f"no family type: {share} of the region's median wage"
        if self.source == "value":
            return "no family type: one value for every region"
        return wage_words(self.adults, self.children, self.earners)


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
    staffing_patterns: tuple[Path, ...] = ()
    institution_places: Path | None = None

    def files(self) -> list[Path]:
        """Every input file, in a stable order (for the manifest)."""
        out = [p for p in (self.enrollment,) if p is not None] + [*self.qcew, self.regions]
        out += [p for p in (self.oews, self.living_wage, self.geometry) if p is not None]
        out += [*self.ipeds_completions, *(p for p in (self.ipeds_hd,) if p is not None), *self.projections]
        out += [p for p in (self.cbsa_delineation, self.cip_list) if p is not None]
        out += self.staffing_patterns
        return [*out, *(p for p in (self.institution_places,) if p is not None)]


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
    occupation_employment: str = "oews_areas"
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


def _preset_file(name: str) -> Path:
    return PRESETS_DIR / f"{name}.yml"


def load_preset(name: str) -> dict[str, float | None]:
    """The thresholds of a named state preset (``presets/<name>.yml``)."""
    path = _preset_file(name)
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


def _resolve(base: Path, value: str) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else base / p


def _resolve_files(base: Path, value: str | list) -> tuple[list[Path], list[str]]:
    """The files named by a path, a glob (``qcew/*.csv``) or a list of them; a problem for each naming none"""
    found: list[Path] = []
    problems: list[str] = []
    for pattern in [value] if isinstance(value, str) else list(value):
        full = _resolve(base, str(pattern))
        if any(ch in str(pattern) for ch in "*?["):
            matches = sorted(Path(m) for m in glob.glob(str(full)))
            if not matches:
                problems.append(f"no file matches {pattern!r} (looked in {full.parent})")
            found.extend(m for m in matches if m.is_file())
        elif full.is_file():
            found.append(full)
        else:
            problems.append(f"file not found: {pattern!r} (looked for {full})")
    return found, problems


# ------------------------------------------------------------------------------------------ the file's schema
# Every check of a key is a validator of its field in the models below, so pydantic gathers the problems of
# every key in one pass; load_config turns each error into a Problem naming the key and its line
# (``_problems``). A validator raises ``_error(message)`` with the message as the user reads it.

_TYPE_NAMES = {str: "text", dict: "a mapping"}


def _wrong_type(value: Any, types: tuple[type, ...]) -> str | None:
    """The problem of a value whose YAML type is none of ``types`` (null never is: it is no value).

    YAML's true/false are Python bools, which are also ints: they are accepted only where a bool is.

    >>> _wrong_type("2023-24", (int,)), _wrong_type(True, (str, int))
    ("expected int, got '2023-24' (str)", 'expected text or int, got True (bool)')
    >>> _wrong_type([1], (dict,)), _wrong_type(None, (int,))
    ('expected a mapping, got [1] (list)', None)
    """
    if value is None or (isinstance(value, types) and not (isinstance(value, bool) and bool not in types)):
        return None
    expected = " or ".join(_TYPE_NAMES.get(t, t.__name__) for t in types)
    return f"expected {expected}, got {value!r} ({type(value).__name__})"


def _error(message: str, *line_of: tuple[str, ...]) -> PydanticCustomError:
    """A problem of a key; ``line_of``: the keys whose line it is reported on (the first one written),
    when that is not the key's own line."""
    return PydanticCustomError("config", message, {"line_of": line_of} if line_of else None)


def _errors(value: Any, problems: list[str]) -> Exception:
    """What a validator raises for every problem of one value (pydantic's own errors hold one each)."""
    if len(problems) == 1:
        return _error(problems[0])
    return ValidationError.from_exception_data(
        "config", [{"type": _error(p), "loc": (), "input": value} for p in problems]
    )


def _key(*types: type, check: Callable[[Any], str | None] | None = None, null: Any = None) -> BeforeValidator:
    """A key whose value is one of ``types``, then passes ``check`` (which returns its problem, if any).

    ``null``: what a null value stands for, in a section that keeps the nulls of the key (``_null_kept``).
    """

    def validate(value: Any) -> Any:
        if value is None:
            return null
        problem = _wrong_type(value, types) or (check(value) if check else None)
        if problem:
            raise _error(problem)
        return value

    return BeforeValidator(validate)


def _text(
    check: Callable[[str], str | None] | None = None,
    *,
    also: tuple[type, ...] = (),
    read: Callable[[Any], str] = str,
) -> BeforeValidator:
    """A key used as text: ``read(value)`` (``2020`` reads as ``'2020'``), which must then pass ``check``.

    A value that is not text (or one of ``also``) is a problem of its own, reported together with what
    ``check`` says of its text (``framework: 2020`` is neither text nor a framework).
    """

    def validate(value: Any) -> str:
        text = read(value)
        problems = [p for p in (_wrong_type(value, (str, *also)), check(text) if check else None) if p]
        if problems:
            raise _errors(value, problems)
        return text

    return BeforeValidator(validate)


def _text_or(blank: str) -> Callable[[Any], str]:
    """Reads a value as text, an empty one (``""``) as ``blank``."""
    return lambda value: str(value or blank)


def _one_of(choices: tuple[str, ...]) -> Callable[[str], str | None]:
    return lambda text: None if text in choices else f"expected one of {', '.join(choices)}; got {text!r}"


def _folder_name(run: str) -> str | None:
    if run and (run in {".", ".."} or "/" in run or "\\" in run):
        return f"a run name is a folder name, not a path: {run!r}"
    return None


def _fips_text(value: Any) -> str:
    """A state FIPS code as text: an unquoted 41 (or 06, read by YAML as 6) is padded to "41" / "06"."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 100:
        return f"{value:02d}"
    return str(value or "")


def _two_digits(code: str) -> str | None:
    if code and not (len(code) == 2 and code.isdigit()):
        return f'expected 2 digits in quotes, e.g. "06"; got {code!r}'
    return None


def _year(year: int) -> str | None:
    return None if 1990 <= year <= 2100 else f"expected a year between 1990 and 2100; got {year}"


def _known_preset(name: str) -> str | None:
    if _preset_file(name).is_file():
        return None
    return f"unknown preset {name!r}; available: {', '.join(available_presets())}{_preset_hint(name)}"


def _input_files(*, many: bool = False) -> BeforeValidator:
    """An input key: a path, a glob (``qcew/*.csv``) or, with ``many``, a list of them, relative to the
    config's folder (``context["base"]``); every path must name a file and every glob match one."""
    types = (str, list) if many else (str,)

    def validate(value: Any, info: ValidationInfo) -> Any:
        if value is None:
            return None
        if problem := _wrong_type(value, types):
            raise _error(problem)
        found, problems = _resolve_files(info.context["base"], value)
        if problems:
            raise _errors(value, problems)
        return tuple(found) if many else (found[0] if found else None)

    return BeforeValidator(validate)


def _crosswalk(*, folder: bool = False) -> BeforeValidator:
    """A crosswalk key: a file (or ``folder``) relative to the config's folder, which must exist."""

    def validate(value: Any, info: ValidationInfo) -> Path | None:
        if value is None:
            return None
        if problem := _wrong_type(value, (str,)):
            raise _error(problem)
        path = _resolve(info.context["base"], value)
        if not (path.is_dir() if folder else path.is_file()):
            raise _error(f"not found: {value!r}")
        return path

    return BeforeValidator(validate)


def _threshold(name: str) -> BeforeValidator:
    """A threshold: a number in its range (``THRESHOLD_RANGES``), whole for a count, null where allowed."""
    lo, hi = THRESHOLD_RANGES[name]
    whole = INTEGER_THRESHOLDS.get(name)

    def validate(value: Any) -> int | float | None:
        if value is None and name in NULLABLE_THRESHOLDS:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _error(f"expected a number; got {value!r}")
        if whole and isinstance(value, float):
            if not value.is_integer():
                raise _error(f"expected a whole number ({whole}); got {value!r}")
            value = int(value)
        if not lo <= value <= hi:
            raise _error(f"expected a value from {lo} to {hi}; got {value}")
        return value

    return BeforeValidator(validate)


class _Section(BaseModel):
    """A mapping of the config file. A key it does not know is refused; a key written with no value (YAML
    null) is as if it were not written, except the keys of ``_null_kept``, whose validators read null."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    _null_kept: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="before")
    @classmethod
    def _as_written(cls, data: Any) -> Any:
        # keys as the user reads them (YAML reads `1:` as a number, `yes:` as true); nulls of unset keys go
        if not isinstance(data, dict):
            return data
        fields = cls.model_fields
        return {str(k): v for k, v in data.items() if v is not None or k in cls._null_kept or k not in fields}


class _InputsSection(_Section):
    enrollment: Annotated[Path | None, _input_files()] = None  # required unless ipeds_completions is given
    ipeds_completions: Annotated[tuple[Path, ...], _input_files(many=True)] = ()
    ipeds_hd: Annotated[Path | None, _input_files()] = None
    qcew: Annotated[tuple[Path, ...], _input_files(many=True)]
    qcew_base_area: Annotated[str, _text(read=_text_or(Inputs.qcew_base_area))] = Inputs.qcew_base_area
    oews: Annotated[Path | None, _input_files()] = None
    living_wage: Annotated[Path | None, _input_files()] = None
    # Path | None: a glob that matches only folders leaves it unset, as it always has
    regions: Annotated[Path | None, _input_files()]
    geometry: Annotated[Path | None, _input_files()] = None
    projections: Annotated[tuple[Path, ...], _input_files(many=True)] = ()
    cbsa_delineation: Annotated[Path | None, _input_files()] = None
    cip_list: Annotated[Path | None, _input_files()] = None
    staffing_patterns: Annotated[tuple[Path, ...], _input_files(many=True)] = ()
    institution_places: Annotated[Path | None, _input_files()] = None


class _FamilyWageSection(_Section):
    _null_kept: ClassVar[frozenset[str]] = frozenset({"adults", "children"})  # `children:` left empty is 0

    source: Annotated[str, _text(_one_of(FAMILY_WAGE_SOURCES), read=_text_or(FamilyWage.source))] = (
        FamilyWage.source
    )
    adults: Annotated[int, _key(int, null=0)] = FamilyWage.adults
    children: Annotated[int, _key(int, null=0)] = FamilyWage.children
    earners: Annotated[int | None, _key(int)] = None
    median_share: Annotated[int | float | None, _key(int, float)] = None
    value_hourly_usd: Annotated[int | float | None, _key(int, float)] = None


class _CrosswalksSection(_Section):
    cip_cluster: Annotated[Path | None, _crosswalk()] = None
    cip_cluster_extra: Annotated[Path | None, _crosswalk()] = None
    naics_cluster: Annotated[Path | None, _crosswalk()] = None
    naics_cluster_extra: Annotated[Path | None, _crosswalk()] = None
    cip_soc: Annotated[Path | None, _crosswalk()] = None
    cip_soc_extra: Annotated[Path | None, _crosswalk()] = None
    advance_cte_dir: Annotated[Path | None, _crosswalk(folder=True)] = None
    nces_cip_soc: Annotated[Path | None, _crosswalk()] = None
    cip_2010_2020: Annotated[Path | None, _crosswalk()] = None
    onet_clusters: Annotated[Path | None, _crosswalk()] = None
    program_cip_mapping: Annotated[Path | None, _crosswalk()] = None
    soc_2010_2018: Annotated[Path | None, _crosswalk()] = None


class _OutputsSection(_Section):
    processed: Annotated[str | None, _key(str)] = None
    reports: Annotated[str | None, _key(str)] = None


class _NullableSection(_Section):
    # null switches a test off, or is refused: the threshold's validator says which
    _null_kept: ClassVar[frozenset[str]] = frozenset(THRESHOLD_RANGES)


#: the threshold overrides: one field per threshold of THRESHOLD_RANGES
_ThresholdsSection = create_model(
    "_ThresholdsSection",
    __base__=_NullableSection,
    **{name: (Annotated[int | float | None, _threshold(name)], None) for name in THRESHOLD_RANGES},
)


class _ConfigFile(_Section):
    """The run configuration as its YAML file is written (``docs/config.md``), each key with its checks."""

    run: Annotated[str, _text(_folder_name, read=_text_or(""))]
    title: Annotated[str | None, _key(str)] = None
    synthetic: Annotated[bool, _key(bool)] = Config.synthetic
    year: Annotated[int, _key(int, check=_year)]
    demand_year: Annotated[int | None, _key(int, check=_year)] = None
    state_fips: Annotated[str, _text(_two_digits, also=(int,), read=_fips_text)]
    framework: Annotated[str, _text(_one_of(FRAMEWORKS))] = Config.framework
    preset: Annotated[str, _text(_known_preset, read=_text_or(Config.preset))] = Config.preset
    supply_measure: Annotated[str, _text(_one_of(SUPPLY_MEASURES))] = Config.supply_measure
    cluster_rule: Annotated[str, _text(_one_of(CLUSTER_RULES))] = Config.cluster_rule
    occupation_allocation: Annotated[str, _text(_one_of(OCCUPATION_ALLOCATIONS))] = (
        Config.occupation_allocation
    )
    occupation_employment: Annotated[str, _text(_one_of(OCCUPATION_EMPLOYMENT))] = (
        Config.occupation_employment
    )
    inputs: Annotated[_InputsSection, _key(dict)]
    family_wage: Annotated[_FamilyWageSection, _key(dict)] = _FamilyWageSection()
    crosswalks: Annotated[_CrosswalksSection, _key(dict)] = _CrosswalksSection()
    thresholds: Annotated[_ThresholdsSection, _key(dict)] = _ThresholdsSection()
    outputs: Annotated[_OutputsSection, _key(dict)] = _OutputsSection()
    # read by `alignment fetch --config` (base_urls, user_agent); see docs/fetch.md
    fetch: Annotated[dict | None, _key(dict)] = None

    @model_validator(mode="wrap")
    @classmethod
    def _with_rules(cls, data: Any, handler: ModelWrapValidatorHandler[_ConfigFile]) -> _ConfigFile:
        # pydantic runs no "after" validator once a key has failed, yet a user sees every problem at once: the
        # rules between keys read the keys as written, and are reported with the keys' own problems
        errors = list(_rules(data)) if isinstance(data, dict) else []
        try:
            model = handler(data)
        except ValidationError as exc:
            errors = [*_init_details(exc), *errors]
        if errors:
            raise ValidationError.from_exception_data(cls.__name__, errors)
        return model

    def config(self, path: Path, raw: dict[str, Any], root: Path | None) -> Config:
        """The run's :class:`Config`: thresholds merged into the preset's, outputs under ``root``."""
        out = root or Path.cwd()
        written = raw.get("crosswalks") or {}
        processed, reports = self.outputs.processed, self.outputs.reports
        return Config(
            path=path,
            run=self.run,
            year=self.year,
            state_fips=self.state_fips,
            inputs=Inputs(**dict(self.inputs)),
            demand_year=self.demand_year,
            title=self.title or self.run,
            synthetic=self.synthetic,
            framework=self.framework,
            preset=self.preset,
            supply_measure=self.supply_measure,
            cluster_rule=self.cluster_rule,
            occupation_allocation=self.occupation_allocation,
            occupation_employment=self.occupation_employment,
            family_wage=FamilyWage(**dict(self.family_wage)),
            # in the order the file writes them
            crosswalks={k: p for k in written if (p := getattr(self.crosswalks, k)) is not None},
            thresholds={**load_preset(self.preset), **self.thresholds.model_dump(exclude_unset=True)},
            processed_dir=_resolve(out, processed) if processed else processed_dir(self.run, root),
            reports_dir=_resolve(out, reports) if reports else reports_dir(self.run, root),
            raw=raw,
            root=out.resolve(),
        )


def _rules(data: dict[str, Any]) -> Iterator[InitErrorDetails]:
    """The rules between keys, read from the keys as written (a missing section reads as empty)."""

    def problem(loc: tuple[str, ...], message: str, *line_of: tuple[str, ...]) -> InitErrorDetails:
        return {"type": _error(message, *line_of), "loc": loc, "input": data}

    inputs = data["inputs"] if isinstance(data.get("inputs"), dict) else {}
    family = data["family_wage"] if isinstance(data.get("family_wage"), dict) else {}
    if inputs.get("enrollment") is None and inputs.get("ipeds_completions") is None:
        yield problem(
            ("inputs", "enrollment"),
            "required key is missing: give inputs.enrollment, or inputs.ipeds_completions with inputs.ipeds_hd",
            ("inputs",),
        )
    if inputs.get("ipeds_completions") is not None and inputs.get("ipeds_hd") is None:
        yield problem(
            ("inputs", "ipeds_hd"),
            "inputs.ipeds_completions needs inputs.ipeds_hd (the IPEDS directory gives each institution's county)",
            ("inputs", "ipeds_completions"),
        )
    if data.get("occupation_employment") == "staffing_pattern" and inputs.get("staffing_patterns") is None:
        yield problem(
            ("inputs", "staffing_patterns"),
            "occupation_employment: staffing_pattern needs inputs.staffing_patterns (the BLS national employment "
            "matrix by industry, or OEWS national industry-specific estimates)",
            ("occupation_employment",),
        )
    source = str(family.get("source") or FamilyWage.source)
    if source == "living_wage" and inputs.get("living_wage") is None:
        msg = "'living_wage' needs inputs.living_wage (or use source: median_share)"
        yield problem(("family_wage", "source"), msg)
    elif source == "median_share" and inputs.get("oews") is None:
        yield problem(("family_wage", "source"), "'median_share' needs inputs.oews for regional median wages")
    elif source == "value" and not family.get("value_hourly_usd"):
        msg = "source 'value' needs value_hourly_usd"
        yield problem(("family_wage", "value_hourly_usd"), msg, ("family_wage", "source"))
    for loc, message, *line_of in _family_type_problems(family, living_wage=source == "living_wage"):
        yield problem(("family_wage", loc), message, *line_of)


def _family_type_problems(family: dict[str, Any], *, living_wage: bool) -> Iterator[tuple]:
    """``(key, message, *lines)`` for a family type the living-wage tables do not publish (values of a wrong
    type are reported by their keys); the working adults of two adults are needed by the living-wage rule."""
    adults, children = (_count(family.get(k, 1)) for k in ("adults", "children"))
    written = family.get("earners")
    earners = _count(written) if written is not None else None
    if adults is not None and adults not in (1, 2):
        yield "adults", f"expected 1 or 2 adults; got {adults}; {FAMILY_TYPES}"
    if children is not None and not 0 <= children <= 3:
        yield "children", f"expected 0 to 3 children; got {children}; {FAMILY_TYPES}"
    if adults not in (1, 2) or (written is not None and earners is None):
        return
    if written is None and adults == 2 and living_wage:
        msg = (
            "2 adults need earners: 1 (one adult works) or 2 (both work; the wage is then each earner's); "
            + FAMILY_TYPES
        )
        yield "earners", msg, ("family_wage", "adults")
    elif earners is not None and not 1 <= earners <= adults:
        allowed = "1 (one adult works) or 2 (both work)" if adults == 2 else "1 (one adult is one earner)"
        yield "earners", f"expected {allowed} with {adults} adult(s); got {earners}; {FAMILY_TYPES}"


def _count(value: Any) -> int | None:
    """A number of adults or children as the family-type rule reads it (null: 0); None for a value that reads
    as no number (its wrong type is reported)."""
    try:
        return int(value or 0)
    except (TypeError, ValueError, OverflowError):
        return None


def _init_details(exc: ValidationError) -> list[InitErrorDetails]:
    """The errors of ``exc``, to be raised again together with others."""
    details: list[InitErrorDetails] = []
    for e in exc.errors():
        detail: InitErrorDetails = {"type": e["type"], "loc": e["loc"], "input": e["input"]}
        if e["type"] == "config":  # ours, made again as it was (its ctx names the line it is on)
            detail["type"] = PydanticCustomError("config", e["msg"], e.get("ctx"))
        elif "ctx" in e:
            detail["ctx"] = e["ctx"]
        details.append(detail)
    return details


#: each mapping of the file by its key path, for the valid keys of an unknown key's message
_SECTIONS: dict[tuple[str, ...], type[BaseModel]] = {
    (): _ConfigFile,
    **{
        (name,): f.annotation
        for name, f in _ConfigFile.model_fields.items()
        if isinstance(f.annotation, type) and issubclass(f.annotation, _Section)
    },
}


def _unknown_key(loc: tuple[str, ...]) -> str:
    """The message of an unknown key, e.g.
    ``unknown key; did you mean 'inputs.regions'? (valid keys in inputs: ...)``, ``unknown threshold``."""
    *prefix, key = loc
    section = _SECTIONS.get(tuple(prefix))
    valid = list(section.model_fields) if section else []
    near = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
    hint = f"; did you mean {'.'.join((*prefix, near[0]))!r}?" if near else ""
    if section is _ThresholdsSection:
        return f"unknown threshold{hint}"
    return f"unknown key{hint} (valid keys{' in ' + '.'.join(prefix) if prefix else ''}: {', '.join(valid)})"


def _problems(exc: ValidationError, file: str, lines: dict[tuple[str, ...], int]) -> list[Problem]:
    """Each error of the schema as the user reads it: the key (``inputs.qcew``), its line, what it expects."""
    problems = []
    for error in exc.errors():
        loc = tuple(str(k) for k in error["loc"])
        line_of = (error.get("ctx") or {}).get("line_of") or (loc,)
        if error["type"] in ("extra_forbidden", "invalid_key"):
            message = _unknown_key(loc)
        elif error["type"] == "missing":  # on the line of its section, if any
            message, line_of = "required key is missing", (loc[:-1],) if len(loc) > 1 else ()
        else:  # the validators' own words (pydantic's, should one of its checks ever be the one to fail)
            message = error["msg"]
        line = next((lines[k] for k in line_of if k in lines), None)
        problems.append(Problem(file, line, ".".join(loc), message))
    return problems


def load_config(path: str | Path, *, root: Path | None = None) -> Config:
    """Read, check and resolve a run configuration; raise :class:`InputError` listing every problem.

    Input paths are relative to the config file's folder; outputs default to
    ``data/processed/<run>/`` and ``reports/<run>/`` under ``root`` (the working directory).
    Problems are listed in the order of the file's lines, problems of the file as a whole first.
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
    problems = _duplicate_keys(text, file)
    try:
        model = _ConfigFile.model_validate(data, context={"base": path.parent})
    except ValidationError as exc:
        problems += _problems(exc, file, _key_lines(text))
    if problems:
        raise InputError(sorted(problems, key=lambda p: (p.row is not None, p.row or 0)))
    return model.config(path, data, root)
