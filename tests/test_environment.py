"""environment.yml (for conda users) must list exactly the dependencies of pyproject.toml."""

import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]


def _normalize(req: str) -> tuple[str, str]:
    r = Requirement(req)
    return (r.name.lower().replace("_", "-"), str(r.specifier))


def test_environment_pip_section_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_normalize(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_sections = [d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert len(pip_sections) == 1, "environment.yml needs exactly one pip: section"
    listed = {_normalize(r) for r in pip_sections[0]}
    assert listed == wanted, (
        f"missing in environment.yml: {sorted(wanted - listed)}; extra: {sorted(listed - wanted)}"
    )


def test_environment_python_matches_requires_python():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "python=3.11" in env["dependencies"]
    assert "pip" in env["dependencies"]


def _third_party_imports(folder: Path) -> dict[str, set[str]]:
    """Top-level modules imported by the .py files under ``folder`` that are neither stdlib nor ``alignment``."""
    import ast
    import sys

    found: dict[str, set[str]] = {}
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top != "alignment":
                    found.setdefault(top, set()).add(path.relative_to(folder).as_posix())
    return found


def test_every_module_the_package_imports_is_a_declared_dependency():
    """An import of an undeclared package works only where it happens to be installed (a dependency of a
    dependency); every third-party module src/alignment imports must belong to a distribution that
    pyproject.toml declares."""
    from importlib.metadata import packages_distributions

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {_normalize(r)[0] for r in project["dependencies"]}
    providers = packages_distributions()
    missing = {}
    for module, files in _third_party_imports(ROOT / "src" / "alignment").items():
        dists = {d.lower().replace("_", "-") for d in providers.get(module, [])}
        if not dists & declared:
            missing[module] = (sorted(dists), sorted(files)[:3])
    assert not missing, f"imported but not declared in pyproject.toml dependencies: {missing}"
