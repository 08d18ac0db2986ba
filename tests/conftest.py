"""Shared test helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

from alignment.build import build
from alignment.config import Config, load_config
from alignment.demo import generate_demo


def build_demo_stages(root: Path) -> tuple[Config, dict[str, Path], Path]:
    """Generate the demo under ``root/raw`` and build its tables (no notebooks) into ``root/processed``."""
    return _run_stages(generate_demo(root / "raw"), root)


def _run_stages(paths: dict[str, Path], root: Path) -> tuple[Config, dict[str, Path], Path]:
    """Load the config of ``paths`` and build its tables (no notebooks) into ``root/processed``."""
    cfg = load_config(paths["config"], root=root)
    processed = root / "processed"
    processed.mkdir()
    build(cfg).write(processed)
    return cfg, paths, processed


@pytest.fixture(scope="session", name="build_demo_stages")
def build_demo_stages_fixture():
    """:func:`build_demo_stages` for tests (test modules are imported by path, so they take it as a fixture)."""
    return build_demo_stages


# Hostile names (see tests/test_hostile_names.py): live markup, a Markdown link, a spreadsheet formula and a
# right-to-left override, each of which a page must show as the characters it is.
RLO = "\u202e"
HOSTILE_REGION_NAMES = {
    "metro": "<img src=x onerror=alert(3)> Metro",
    "coast": '=HYPERLINK("http://evil","x")',
    "valley": "[click](http://evil)",
    "east": "<script>alert(1)</script> East",
    "south": f"{RLO}South{RLO} Region",
    "central": "*Central* `x` $1$ | ~~y~~ & <b>Co</b>",
}
HOSTILE_INSTITUTION = '=HYPERLINK("http://evil","inst")'
HOSTILE_INSTITUTION_2 = "<img src=y onerror=alert(4)> College"
HOSTILE_PROGRAM = "[Welding](http://evil) <script>alert(2)</script>"
HOSTILE_COUNTY = "<b onmouseover=alert(6)>Clatsop</b>"
HOSTILE_TITLE = '<script>alert(5)</script> =HYPERLINK("http://evil","t") State'


def write_hostile_demo(
    raw: Path, *, threshold: int | None = None, empty_region: str | None = None
) -> dict[str, Path]:
    """The demo's inputs in ``raw`` (run ``hostile``) with hostile names in every input and the title.

    ``threshold`` sets ``privacy_threshold``; ``empty_region`` names a region (id) made of one county whose
    programs are removed from the enrollment file, so the region has no programs.
    """
    import re

    import pandas as pd

    paths = generate_demo(raw)
    regions = pd.read_csv(paths["regions"], dtype=str, keep_default_na=False)
    regions["region_name"] = regions["region_id"].map(HOSTILE_REGION_NAMES)
    regions.loc[regions["county_fips"] == "41007", "county_name"] = HOSTILE_COUNTY
    enrollment = pd.read_csv(paths["enrollment"], dtype=str, keep_default_na=False)
    if empty_region:
        regions.loc[regions["county_fips"] == "41069", ["region_id", "region_name"]] = [
            empty_region,
            f"<i>{empty_region}</i> [no programs](http://evil)",
        ]
        enrollment = enrollment[enrollment["County FIPS"] != "41069"]
    regions.to_csv(paths["regions"], index=False, lineterminator="\n")
    enrollment["District Name"] = enrollment["District Name"].replace(
        {
            "Metro Demo Community College": HOSTILE_INSTITUTION,
            "Coast Demo Community College": HOSTILE_INSTITUTION_2,
        }
    )
    welding = enrollment["Program Name"].str.startswith("Welding")
    assert welding.any(), "the demo has a welding program"
    enrollment.loc[welding, "Program Name"] = HOSTILE_PROGRAM
    enrollment.to_csv(paths["enrollment"], index=False, lineterminator="\n")
    config = paths["config"].read_text(encoding="utf-8")
    config = re.sub(r"(?m)^run: .*$", "run: hostile", config)
    config = re.sub(r"(?m)^title: .*$", "title: '" + HOSTILE_TITLE.replace("'", "''") + "'", config)
    if threshold is not None:
        config += f"thresholds:\n  privacy_threshold: {threshold}\n"
    paths["config"].write_text(config, encoding="utf-8")
    return paths


def build_hostile_stages(
    root: Path, *, threshold: int | None = None, empty_region: str | None = None
) -> tuple[Config, dict[str, Path], Path]:
    """:func:`write_hostile_demo` under ``root/raw``, then the three stages into ``root/processed``."""
    return _run_stages(write_hostile_demo(root / "raw", threshold=threshold, empty_region=empty_region), root)


@pytest.fixture(scope="session", name="write_hostile_demo")
def write_hostile_demo_fixture():
    return write_hostile_demo


@pytest.fixture(scope="session", name="build_hostile_stages")
def build_hostile_stages_fixture():
    return build_hostile_stages


@pytest.fixture(scope="session")
def hostile_names():
    """The hostile names :func:`write_hostile_demo` writes, by role."""
    from types import SimpleNamespace

    return SimpleNamespace(
        regions=dict(HOSTILE_REGION_NAMES),
        institution=HOSTILE_INSTITUTION,
        institution_2=HOSTILE_INSTITUTION_2,
        program=HOSTILE_PROGRAM,
        county=HOSTILE_COUNTY,
        title=HOSTILE_TITLE,
    )
