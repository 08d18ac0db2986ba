"""Shared test helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

from alignment.config import Config, load_config
from alignment.demo import generate_demo
from alignment.pipeline import alignment_stage, demand_stage, supply_stage


def build_demo_stages(root: Path) -> tuple[Config, dict[str, Path], Path]:
    """Generate the demo under ``root/raw`` and run the three stages (no notebooks) into ``root/processed``."""
    paths = generate_demo(root / "raw")
    cfg = load_config(paths["config"], root=root)
    processed = root / "processed"
    processed.mkdir()
    demand_stage(cfg, processed)
    supply_stage(cfg, processed)
    alignment_stage(cfg, processed)
    return cfg, paths, processed


@pytest.fixture(scope="session", name="build_demo_stages")
def build_demo_stages_fixture():
    """:func:`build_demo_stages` for tests (test modules are imported by path, so they take it as a fixture)."""
    return build_demo_stages
