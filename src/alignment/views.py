"""Read-only views of a processed run, for the analyst notebooks (``notebooks/01``–``03``).

A view opens ``data/processed/<run>/`` as a run left it and never writes anything: an analyst can
rerun a notebook in JupyterLab at any time without touching the published run. The tables are the
processed ones, before the privacy rules: small counts are visible here and must not be copied into
anything published (the reports are the published version).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .build import load_processed

#: the analyst notebooks that view a processed run (parameter ``processed_dir``); never run by a run
VIEW_NOTEBOOKS = ("01_demand.ipynb", "02_supply.ipynb", "03_alignment.ipynb")


@dataclass(frozen=True)
class RunView:
    """A processed run opened for reading: its folder, manifest and tables."""

    folder: Path
    manifest: dict
    tables: dict[str, pd.DataFrame]

    @property
    def year(self) -> int:
        return int(self.manifest["year"])

    @property
    def run(self) -> str:
        return str(self.manifest.get("run") or self.folder.name)

    @property
    def config(self) -> dict:
        """The run's config as the manifest records it."""
        return dict(self.manifest.get("config") or {})

    @property
    def supply_measure(self) -> str:
        return str(self.config.get("supply_measure") or "enrolled")

    @property
    def demand_year(self) -> int:
        return int(self.config.get("demand_year") or self.year)

    def table(self, name: str) -> pd.DataFrame:
        """One table; a clear message naming the tables the run has when it lacks this one."""
        if name not in self.tables:
            have = ", ".join(sorted(self.tables))
            raise KeyError(f"the run in {self.folder} has no {name!r} table; it has: {have}")
        return self.tables[name]

    def describe(self) -> str:
        """One line for the top of a notebook: which run, which years."""
        return (
            f"Run **{self.run}** ({self.manifest.get('title') or 'untitled'}): analysis year {self.year}, "
            f"industry demand {self.demand_year}, supply measure {self.supply_measure}; "
            f"{len(self.tables)} tables in `{self.folder.name}/`."
        )


def open_run(processed_dir: str | Path) -> RunView:
    """Open a published processed run for reading.

    Raises :class:`FileNotFoundError` with what to do when the folder holds no finished run.
    """
    folder = Path(processed_dir)
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        raise FileNotFoundError(
            f"{folder} holds no finished run (no manifest.json). Run `alignment demo` or "
            "`alignment run CONFIG` first, or set processed_dir to the data/processed/<run> folder of a run."
        )
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    return RunView(folder, manifest, load_processed(folder))


def region_pivot(
    table: pd.DataFrame, value: str, *, year: int | None = None, index: str = "cluster_name"
) -> pd.DataFrame:
    """``table`` as clusters (rows) × regions (columns) of ``value``, for one year when given.

    >>> t = pd.DataFrame({"region_id": ["a", "b"], "cluster_name": ["X", "X"], "year": [2024, 2024],
    ...                   "lq": [1.5, 0.5]})
    >>> region_pivot(t, "lq", year=2024).to_dict("index")
    {'X': {'a': 1.5, 'b': 0.5}}
    """
    if year is not None and "year" in table:
        table = table[table["year"] == year]
    out = table.pivot_table(index=index, columns="region_id", values=value, aggfunc="sum", dropna=False)
    out.columns.name = None
    out.index.name = None
    return out
