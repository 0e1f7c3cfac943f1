"""What every notebook generator shares: cell constructors and one writer.

A generator (``make_NN.py``) holds its runbook's cells (parameters, calls, prose) and calls
:func:`notebook` and :func:`write`, so every notebook gets the same kernelspec, stable cell ids
(regenerating gives the same file: ``tests/test_project.py`` checks the committed notebooks
against their generators) and no outputs.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def md(text: str) -> nbformat.NotebookNode:
    """A markdown cell, surrounding blank lines stripped."""
    return new_markdown_cell(text.strip())


def code(text: str, **meta: object) -> nbformat.NotebookNode:
    """A code cell, surrounding blank lines stripped; ``meta`` goes to its metadata."""
    cell = new_code_cell(text.strip())
    cell.metadata.update(meta)
    return cell


def notebook(cells: Iterable[nbformat.NotebookNode], *, prefix: str) -> nbformat.NotebookNode:
    """The notebook of ``cells``: python3 kernelspec, ids ``<prefix>-NN``, validated."""
    nb = new_notebook(cells=list(cells))
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = {"name": "python"}
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{prefix}-{i:02d}"
    nbformat.validate(nb)
    return nb


def write(nb: nbformat.NotebookNode, out: Path) -> None:
    """Write ``nb`` to ``out`` as nbformat writes it, with a final newline."""
    out.write_text(nbformat.writes(nb) + "\n")
    print(f"wrote {out}")
