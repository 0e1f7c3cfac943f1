"""report.record - hand structured results from a runbook to the runner.

Inside a notebook, :func:`record` emits a display output with its own MIME type holding JSON
(redacted first). The runner reads those outputs back from the executed notebook with
:func:`read_records` for ``summary.json`` and ``index.html``, and removes them with
:func:`strip_records` before rendering HTML, so a reader never sees them.

Three names have a meaning for the runner: ``"findings"`` (a list of
:class:`~rhcos_helpers.findings.Finding`), ``"context"`` (a dict describing the run) and every
other name is a table (a DataFrame or a list of records).

Examples:
    >>> to_jsonable({"when": datetime(2024, 5, 2, 10, 0), "n": float("nan")})
    {'when': '2024-05-02T10:00:00', 'n': None}
    >>> nb = {"cells": [{"cell_type": "code", "outputs": [
    ...     {"output_type": "display_data", "data": {MIME: {"name": "t", "value": [1]}}}]}]}
    >>> read_records(nb)
    {'t': [1]}
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import sys
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from enum import Enum
from pathlib import PurePath
from typing import Any

from rhcos_helpers.redaction import redact

__all__ = ["MIME", "read_records", "record", "strip_records", "to_jsonable"]

log = logging.getLogger(__name__)

#: MIME type of the display outputs :func:`record` emits.
MIME = "application/vnd.rhcos-runbooks.record+json"


def record(name: str, value: Any) -> None:
    """Record a named result of the running runbook for the report index and ``summary.json``.

    The value is converted to JSON (DataFrames to a list of records, dataclasses through their
    ``to_dict()``, datetimes to ISO strings, NaN to ``None``) and redacted before it leaves the
    kernel. Recording the same name again replaces the earlier value.

    Args:
        name: ``"findings"``, ``"context"`` or the name of a table.
        value: any JSON-like value, DataFrame, dataclass, or list of those.

    Raises:
        ValueError: for an empty name.
    """
    if not isinstance(name, str) or not name.strip():
        raise ValueError("record() needs a non-empty name, e.g. record('findings', findings)")
    payload = {"name": name, "value": redact(to_jsonable(value))}
    from IPython.display import display

    display({MIME: payload, "text/plain": ""}, raw=True)  # type: ignore[no-untyped-call]


def to_jsonable(value: Any) -> Any:
    """A JSON-ready copy of ``value`` (see :func:`record` for the conversions).

    Examples:
        >>> to_jsonable((1, {2: {3}}))
        [1, {'2': [3]}]
    """
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Enum):
        return to_jsonable(value.value)
    if isinstance(value, datetime | date | time):
        pd = sys.modules.get("pandas")
        if pd is not None and value is pd.NaT:  # NaT is a datetime subclass
            return None
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, PurePath):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        to_dict = getattr(value, "to_dict", None)
        data = to_dict() if callable(to_dict) else dataclasses.asdict(value)
        return to_jsonable(data)
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        return [to_jsonable(v) for v in sorted(value, key=repr)]
    converted = _from_pandas_or_numpy(value)
    if converted is not _UNCONVERTED:
        return converted
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_jsonable(to_dict())
    return str(value)


_UNCONVERTED = object()


def _from_pandas_or_numpy(value: Any) -> Any:
    """Convert pandas and numpy values without importing either when the caller did not."""
    pd = sys.modules.get("pandas")
    if pd is not None:
        if isinstance(value, pd.DataFrame):
            frame = value
            if not isinstance(frame.index, pd.RangeIndex) or frame.index.name is not None:
                frame = frame.reset_index()
            return [to_jsonable(row) for row in frame.to_dict(orient="records")]
        if isinstance(value, pd.Series):
            return to_jsonable(value.to_dict())
        if isinstance(value, pd.Timedelta):
            return None if pd.isna(value) else value.total_seconds()
        try:
            if pd.api.types.is_scalar(value) and pd.isna(value):
                return None
        except (TypeError, ValueError):
            pass
    np = sys.modules.get("numpy")
    if np is not None:
        if isinstance(value, np.ndarray):
            return to_jsonable(value.tolist())
        if isinstance(value, np.generic):
            return to_jsonable(value.item())
    return _UNCONVERTED


def _record_payload(output: Mapping[str, Any]) -> dict[str, Any] | None:
    if output.get("output_type") not in ("display_data", "execute_result"):
        return None
    data = output.get("data") or {}
    if MIME not in data:
        return None
    payload = data[MIME]
    if isinstance(payload, str):
        try:
            payload = json.loads(payload)
        except json.JSONDecodeError:
            log.warning("ignoring a record output that is not JSON")
            return None
    if not isinstance(payload, Mapping) or not isinstance(payload.get("name"), str):
        log.warning("ignoring a record output without a name")
        return None
    return dict(payload)


def read_records(nb: Any) -> dict[str, Any]:
    """The values a notebook recorded, by name (a later record of a name wins).

    Args:
        nb: an executed notebook (``nbformat.NotebookNode`` or the same structure as dicts).
    """
    records: dict[str, Any] = {}
    for cell in nb["cells"]:
        if cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs", []):
            payload = _record_payload(output)
            if payload is not None:
                records[payload["name"]] = _plain(payload.get("value"))
    return records


def _plain(value: Any) -> Any:
    """NotebookNode (a dict subclass with attribute access) to plain dicts and lists."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def strip_records(nb: Any) -> None:
    """Remove the outputs :func:`record` made, in place (so the HTML never shows them).

    Args:
        nb: a notebook (``nbformat.NotebookNode`` or the same structure as dicts).
    """
    for cell in nb["cells"]:
        if cell.get("cell_type") != "code" or not cell.get("outputs"):
            continue
        cell["outputs"] = [o for o in cell["outputs"] if _record_payload(o) is None]
