"""findings - the record every runbook uses to say what needs attention.

A :class:`Finding` is shown first in each report, copied into ``index.html`` and
``summary.json``, and points to the runbook to open next.

Examples:
    >>> f = Finding(severity=Severity.WARNING, title="Pool worker is paused",
    ...             what="Queued MachineConfig changes and certificate rotation wait.",
    ...             where="machineconfigpool/worker", next_runbook="50-pool-rollout")
    >>> f.to_dict()["severity"]
    'warning'
    >>> sort_findings([f, Finding(severity=Severity.CRITICAL, title="x", what="", where="")])[0].title
    'x'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

__all__ = ["Finding", "Severity", "sort_findings"]


class Severity(StrEnum):
    """How urgent a finding is."""

    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"


_ORDER = {Severity.CRITICAL: 0, Severity.WARNING: 1, Severity.INFO: 2}


@dataclass(frozen=True)
class Finding:
    """One thing a runbook wants a person to look at.

    Attributes:
        severity: critical, warning or info.
        title: one line.
        what: what was seen and why it matters.
        where: the object(s) concerned, e.g. ``node/worker-1`` or ``machineconfigpool/worker``.
        next_runbook: the runbook to open next, or ``None``.
    """

    severity: Severity
    title: str
    what: str
    where: str
    next_runbook: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (severity as its string value)."""
        data = asdict(self)
        data["severity"] = self.severity.value
        return data


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Most severe first, then by title."""
    return sorted(findings, key=lambda f: (_ORDER[f.severity], f.title))
