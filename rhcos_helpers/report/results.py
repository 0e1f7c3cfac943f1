"""report.results - what one run of the runbooks produced."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from rhcos_helpers.sources.base import SourceIdentity

__all__ = ["RunSummary", "RunbookResult"]

#: Record names with a meaning of their own; every other recorded name is a table.
FINDINGS = "findings"
CONTEXT = "context"


@dataclass(frozen=True)
class RunbookResult:
    """The outcome of one runbook.

    Attributes:
        name: the runbook, e.g. ``10-node-os``.
        status: ``ok``, or ``failed`` when a cell raised or the kernel died.
        duration_s: wall-clock seconds of the papermill run.
        parameters: the parameters injected (``SOURCE`` included), converted to their types.
        error: for a failed runbook, ``ename: evalue`` of the error, one line.
        title: the runbook's title (its first heading).
        records: everything the notebook recorded with
            :func:`~rhcos_helpers.report.record.record`, by name.
        notebook: the executed notebook written.
        html: the HTML report written.
    """

    name: str
    status: Literal["ok", "failed"]
    duration_s: float
    parameters: dict[str, Any]
    error: str | None = None
    title: str = ""
    records: dict[str, Any] = field(default_factory=dict)
    notebook: Path | None = None
    html: Path | None = None

    @property
    def ok(self) -> bool:
        """True when the runbook ran to the end."""
        return self.status == "ok"

    @property
    def findings(self) -> list[dict[str, Any]]:
        """The recorded findings (dicts as :meth:`Finding.to_dict` makes them)."""
        value = self.records.get(FINDINGS) or []
        return [f for f in value if isinstance(f, dict)] if isinstance(value, list) else []

    @property
    def context(self) -> dict[str, Any]:
        """The recorded run context."""
        value = self.records.get(CONTEXT)
        return value if isinstance(value, dict) else {}

    @property
    def tables(self) -> dict[str, Any]:
        """Every other recorded value, by name."""
        return {k: v for k, v in self.records.items() if k not in (FINDINGS, CONTEXT)}


@dataclass(frozen=True)
class RunSummary:
    """The outcome of a run of several runbooks.

    Attributes:
        out_dir: where the reports are.
        identity: the source the runbooks read.
        results: one per runbook, in run order.
        index: the ``index.html`` written.
        summary: the ``summary.json`` written.
        root_index: with an output root, its ``index.html`` (rewritten), else ``None``.
    """

    out_dir: Path
    identity: SourceIdentity
    results: list[RunbookResult]
    index: Path
    summary: Path
    root_index: Path | None = None

    @property
    def ok(self) -> bool:
        """True when every runbook ran to the end."""
        return all(r.ok for r in self.results)
