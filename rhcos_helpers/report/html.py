"""report.html - render an executed runbook as a shareable, offline HTML page.

Uses nbconvert's ``lab`` template through ``templates/rhcos_report.html.j2``, which drops the
scripts the lab template loads from CDNs (require.js, MathJax, mermaid, the widget manager): a
report is static tables, text and images, and opens without network access. Code is hidden unless
asked for, prompts are never shown, the ``injected-parameters`` cell is removed, papermill's
error banner and the failing cell's traceback stay visible, and :func:`record` outputs are
stripped. Every text output is redacted, and the final page is redacted once more.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

from rhcos_helpers.redaction import redact_html, redact_text
from rhcos_helpers.report.record import strip_records

__all__ = ["notebook_to_html", "redact_outputs"]

_TEMPLATES = Path(__file__).resolve().parent / "templates"
_TEMPLATE_FILE = "rhcos_report.html.j2"
_HIDDEN_CELL_TAGS = frozenset({"injected-parameters"})
_ERROR_TAG = "papermill-error-cell-tag"
#: outputs rendered as markup: a placeholder must be escaped to show (and not be a tag).
_HTML_MIMES = frozenset({"text/html", "text/markdown", "image/svg+xml"})


@functools.cache
def _exporter(show_code: bool) -> Any:
    from nbconvert import HTMLExporter

    return HTMLExporter(  # type: ignore[no-untyped-call]
        template_name="lab",
        template_file=_TEMPLATE_FILE,
        extra_template_paths=[str(_TEMPLATES)],
        exclude_input=not show_code,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )


def _tags(cell: Any) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def redact_outputs(nb: Any) -> None:
    """Redact every text output of a notebook in place (streams, text data, tracebacks).

    Image and other binary outputs are left alone.

    Args:
        nb: a notebook (``nbformat.NotebookNode`` or the same structure as dicts).
    """
    for cell in nb["cells"]:
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            kind = output.get("output_type")
            if kind == "stream":
                output["text"] = redact_text(_joined(output.get("text", "")))
            elif kind == "error":
                output["traceback"] = [redact_text(line) for line in output.get("traceback", [])]
                output["evalue"] = redact_text(output.get("evalue", ""))
            elif kind in ("display_data", "execute_result"):
                data = output.get("data", {})
                for mime, value in list(data.items()):
                    if mime in _HTML_MIMES:
                        data[mime] = redact_html(_joined(value))
                    elif mime.startswith("text/") or mime == "application/javascript":
                        data[mime] = redact_text(_joined(value))


def _joined(value: Any) -> str:
    """Join a multi-line string that nbformat stores as a list of lines."""
    return "".join(value) if isinstance(value, list) else str(value)


def notebook_to_html(nb: Any, *, show_code: bool = False, title: str) -> str:
    """Render an executed notebook as one self-contained HTML page.

    The notebook passed in is not modified.

    Args:
        nb: the executed notebook (``nbformat.NotebookNode``), failed or not.
        show_code: show code cells' input (default: outputs only).
        title: the page title.

    Returns:
        The HTML page, redacted.
    """
    import nbformat

    nb = nbformat.from_dict(copy.deepcopy(nb))  # type: ignore[no-untyped-call]
    strip_records(nb)
    redact_outputs(nb)
    # Without the widget manager a widget view renders blank; without the state it falls back
    # to its text/plain repr. Reports never depend on widget state (style guide P10).
    nb.metadata.pop("widgets", None)
    nb.metadata["title"] = title
    kept = []
    for cell in nb.cells:
        if _tags(cell) & _HIDDEN_CELL_TAGS:
            continue
        if (
            not show_code
            and cell.cell_type == "code"
            and not cell.get("outputs")
            and _ERROR_TAG not in _tags(cell)
        ):
            continue
        kept.append(cell)
    nb.cells = kept
    body, _resources = _exporter(show_code).from_notebook_node(nb)
    return redact_html(str(body))
