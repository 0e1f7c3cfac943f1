"""Project-level contracts: dependencies, notebooks kept clean and typed, public API."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import papermill
import pytest
import yaml

import rhcos_helpers

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))

# conda-forge spells a few packages differently from PyPI.
CONDA_NAMES = {"kubernetes": "python-kubernetes", "pyyaml": "pyyaml"}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[]", requirement, maxsplit=1)[0].strip().lower()


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {
        _name(d): d
        for d in env["dependencies"]
        if isinstance(d, str) and _name(d) not in {"python", "pip"}
    }
    pypi = {CONDA_NAMES.get(_name(d), _name(d)): d for d in project["dependencies"]}
    assert sorted(conda) == sorted(pypi)
    for name, requirement in pypi.items():
        spec = requirement[len(_name(requirement)) :].replace(" ", "")
        assert conda[name].replace(" ", "").lower().endswith(spec.lower()), name
    pip_section = next(d for d in env["dependencies"] if isinstance(d, dict))
    assert pip_section["pip"] == ["-e ."]


def test_there_are_runbooks():
    assert [p.stem for p in NOTEBOOKS][:1] == ["00-cluster-overview"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_without_outputs(path: Path):
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None
    assert nb["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_parameters_are_typed_commented_and_neutral(path: Path):
    params = papermill.inspect_notebook(str(path))
    assert "SOURCE" in params
    assert params["SOURCE"]["default"] == '"demo"'
    for name, info in params.items():
        assert info["inferred_type_name"] not in (None, "None"), f"{name} has no type"
        assert info["help"], f"{name} has no help comment"
    nb = json.loads(path.read_text())
    tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_hold_no_logic(path: Path):
    nb = json.loads(path.read_text())
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    for forbidden in (
        r"^\s*def ",
        r"^\s*class ",
        r"^\s*try:",
        r"^\s*for ",
        r"^\s*while ",
        r"\bre\.",
        "sys.path",
    ):
        assert not re.search(forbidden, code, re.M), (
            f"{path.name}: {forbidden!r} belongs in rhcos_helpers"
        )


def test_public_api_is_declared():
    import types

    public = {
        n
        for n, v in vars(rhcos_helpers).items()
        if not n.startswith("_") and not isinstance(v, types.ModuleType) and n != "annotations"
    }
    assert public | {"__version__"} == set(rhcos_helpers.__all__)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_what_its_generator_writes(path: Path, monkeypatch: pytest.MonkeyPatch):
    """Edits go to tools/notebooks/make_NN.py; the committed notebook must match its output."""
    import importlib.util

    import nbformat

    tools = ROOT / "tools" / "notebooks"
    monkeypatch.syspath_prepend(str(tools))
    generator = tools / f"make_{path.name[:2]}.py"
    spec = importlib.util.spec_from_file_location(f"make_{path.name[:2]}", generator)
    assert spec is not None and spec.loader is not None, f"no generator {generator}"
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.OUT == path
    assert nbformat.writes(module.build()) + "\n" == path.read_text(), (
        f"{path.name} differs from {generator.name}: run .venv/bin/python {generator}"
    )
