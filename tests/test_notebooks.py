"""Notebooks: committed without outputs, a tagged parameters cell first, parameter names checked, and each
paired with a jupytext percent script (the diffable copy) that says the same."""

import json

import jupytext
import pytest

from alignment.paths import NOTEBOOKS_DIR
from alignment.run import REGION_NOTEBOOK, NotebookParameterError, check_parameters
from alignment.views import VIEW_NOTEBOOKS

ALL = [*VIEW_NOTEBOOKS, REGION_NOTEBOOK]


@pytest.mark.parametrize("name", ALL)
def test_notebook_is_clean_and_parameterized(name):
    nb = json.loads((NOTEBOOKS_DIR / name).read_text())
    cells = nb["cells"]
    assert "parameters" in cells[0]["metadata"].get("tags", []), (
        "first cell must be the tagged parameters cell"
    )
    assert all(not c.get("outputs") for c in cells if c["cell_type"] == "code"), "outputs must be stripped"
    assert all(c.get("execution_count") is None for c in cells if c["cell_type"] == "code")
    assert nb["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("name", ALL)
def test_known_parameters_pass(name):
    params = {"processed_dir": "p"}
    if name == REGION_NOTEBOOK:
        params.update(config_path="c.yml", region_id="metro")
    check_parameters(NOTEBOOKS_DIR / name, params)


@pytest.mark.parametrize("name", VIEW_NOTEBOOKS)
def test_views_take_no_config(name):
    """A view reads a processed run only: a config path is refused."""
    with pytest.raises(NotebookParameterError):
        check_parameters(NOTEBOOKS_DIR / name, {"config_path": "c.yml", "processed_dir": "p"})


@pytest.mark.parametrize("name", ALL)
def test_notebook_and_its_script_say_the_same(name):
    """Each notebook is paired with ``<name>.py`` (jupytext percent format): edit either, then
    ``jupytext --sync notebooks/*.ipynb``."""
    notebook = NOTEBOOKS_DIR / name
    script = notebook.with_suffix(".py")
    assert script.is_file(), f"{script.name} is missing: jupytext --set-formats ipynb,py:percent {name}"
    nb, py = jupytext.read(notebook), jupytext.read(script)
    assert nb.metadata["jupytext"]["formats"] == "ipynb,py:percent"
    assert [(c.cell_type, c.source) for c in nb.cells] == [(c.cell_type, c.source) for c in py.cells]
    assert [c.metadata.get("tags", []) for c in nb.cells] == [c.metadata.get("tags", []) for c in py.cells]


def test_unknown_parameter_is_refused_with_the_valid_names():
    with pytest.raises(NotebookParameterError) as info:
        check_parameters(NOTEBOOKS_DIR / REGION_NOTEBOOK, {"config_path": "c", "regoin_id": "x"})
    msg = str(info.value)
    assert "regoin_id" in msg and "region_id" in msg and REGION_NOTEBOOK in msg


def test_notebook_code_stays_thin():
    """Notebooks present; logic lives in the package (no def/class, short cells)."""
    for name in ALL:
        nb = json.loads((NOTEBOOKS_DIR / name).read_text())
        for cell in nb["cells"]:
            if cell["cell_type"] != "code":
                continue
            src = "".join(cell["source"])
            assert "def " not in src and "class " not in src, f"{name}: move functions into src/alignment"
            assert len(src.splitlines()) <= 8, f"{name}: cell too long, move logic into the package:\n{src}"
