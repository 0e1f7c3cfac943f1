"""report - run runbooks, hand their results to the runner, and write shareable reports.

Inside a notebook only :func:`record` is needed, and importing this package stays light (no
papermill, nbconvert or pandas). The runner side is imported on first use:

* :func:`run_runbooks`, :func:`list_runbooks` (:mod:`~rhcos_helpers.report.runner`)
* :func:`notebook_to_html` (:mod:`~rhcos_helpers.report.html`)
* :func:`write_index` (:mod:`~rhcos_helpers.report.index`)
* :class:`RunbookResult`, :class:`RunSummary` (:mod:`~rhcos_helpers.report.results`)
* :class:`RunbookInfo`, :class:`ParameterInfo` (:mod:`~rhcos_helpers.report.runbooks`)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from rhcos_helpers.report.record import MIME, read_records, record, strip_records

if TYPE_CHECKING:
    from rhcos_helpers.report.html import notebook_to_html
    from rhcos_helpers.report.index import write_index
    from rhcos_helpers.report.results import RunbookResult, RunSummary
    from rhcos_helpers.report.runbooks import ParameterInfo, RunbookInfo, list_runbooks
    from rhcos_helpers.report.runner import run_runbooks

__all__ = [
    "MIME",
    "ParameterInfo",
    "RunSummary",
    "RunbookInfo",
    "RunbookResult",
    "list_runbooks",
    "notebook_to_html",
    "read_records",
    "record",
    "run_runbooks",
    "strip_records",
    "write_index",
]

_LAZY = {
    "notebook_to_html": "html",
    "write_index": "index",
    "RunbookResult": "results",
    "RunSummary": "results",
    "ParameterInfo": "runbooks",
    "RunbookInfo": "runbooks",
    "list_runbooks": "runbooks",
    "run_runbooks": "runner",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
