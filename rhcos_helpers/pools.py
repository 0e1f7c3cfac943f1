"""pools - MachineConfigPools as ``oc get mcp`` shows them, and what needs attention.

Examples:
    >>> from datetime import UTC, datetime
    >>> row = pool_row(SAMPLE_POOL, now=datetime(2026, 11, 20, tzinfo=UTC))
    >>> row.name, row.updating, row.paused, row.machine_count
    ('infra', 'False', True, 1)
    >>> [f.severity.value for f in findings([row])]
    ['warning']
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from rhcos_helpers._time import age
from rhcos_helpers.findings import Finding, Severity
from rhcos_helpers.sources.base import Source

__all__ = ["PoolRow", "findings", "list_pools", "pool_row", "to_frame"]


@dataclass(frozen=True)
class PoolRow:
    """One MachineConfigPool; the ``oc get mcp`` columns first, then spec and conditions."""

    name: str
    config: str
    updated: str
    updating: str
    degraded: str
    machine_count: int
    ready_count: int
    updated_count: int
    degraded_count: int
    age: str
    paused: bool
    max_unavailable: str
    target_config: str
    degraded_message: str
    updating_message: str
    cert_expiry: str


def pool_row(obj: dict[str, Any], *, now: datetime) -> PoolRow:
    """Build the row of one MachineConfigPool."""
    spec = obj.get("spec", {})
    status = obj.get("status", {})
    conds = {c.get("type"): c for c in status.get("conditions") or []}

    def state(kind: str) -> str:
        return str(conds.get(kind, {}).get("status", ""))

    degraded_msgs = [
        str(conds[k].get("message", ""))
        for k in ("NodeDegraded", "RenderDegraded", "Degraded")
        if state(k) == "True" and conds[k].get("message")
    ]
    expiries = sorted(
        str(c.get("expiry", "")) for c in status.get("certExpirys") or [] if c.get("expiry")
    )
    return PoolRow(
        name=str(obj.get("metadata", {}).get("name", "")),
        config=str((status.get("configuration") or {}).get("name", "")),
        updated=state("Updated"),
        updating=state("Updating"),
        degraded=state("Degraded"),
        machine_count=int(status.get("machineCount", 0) or 0),
        ready_count=int(status.get("readyMachineCount", 0) or 0),
        updated_count=int(status.get("updatedMachineCount", 0) or 0),
        degraded_count=int(status.get("degradedMachineCount", 0) or 0),
        age=age(obj.get("metadata", {}).get("creationTimestamp"), now=now),
        paused=bool(spec.get("paused", False)),
        max_unavailable=str(
            spec.get("maxUnavailable", 1) if spec.get("maxUnavailable") is not None else 1
        ),
        target_config=str((spec.get("configuration") or {}).get("name", "")),
        degraded_message=degraded_msgs[0] if degraded_msgs else "",
        updating_message=str(conds.get("Updating", {}).get("message", "")),
        cert_expiry=expiries[0] if expiries else "",
    )


def list_pools(source: Source) -> list[PoolRow]:
    """All MachineConfigPools, sorted by name (master and worker first as oc sorts by name)."""
    now = source.now()
    return sorted(
        (pool_row(p, now=now) for p in source.list("machineconfigpools")), key=lambda r: r.name
    )


_MCP_COLUMNS = {
    "name": "NAME",
    "config": "CONFIG",
    "updated": "UPDATED",
    "updating": "UPDATING",
    "degraded": "DEGRADED",
    "machine_count": "MACHINECOUNT",
    "ready_count": "READYMACHINECOUNT",
    "updated_count": "UPDATEDMACHINECOUNT",
    "degraded_count": "DEGRADEDMACHINECOUNT",
    "age": "AGE",
    "paused": "PAUSED",
}


def to_frame(rows: Iterable[PoolRow]) -> pd.DataFrame:
    """``oc get mcp`` (plus PAUSED) as a table."""
    frame = pd.DataFrame([asdict(r) for r in rows], columns=list(PoolRow.__dataclass_fields__))
    return frame[list(_MCP_COLUMNS)].rename(columns=_MCP_COLUMNS)


def findings(rows: Iterable[PoolRow]) -> list[Finding]:
    """Degraded, paused and updating pools."""
    out: list[Finding] = []
    for row in rows:
        where = f"machineconfigpool/{row.name}"
        if row.degraded == "True" or row.degraded_count:
            out.append(
                Finding(
                    severity=Severity.CRITICAL,
                    title=f"Pool {row.name} is degraded ({row.degraded_count} node(s))",
                    what=row.degraded_message or "A node failed to apply its config.",
                    where=where,
                    next_runbook="50-pool-rollout",
                )
            )
        if row.paused:
            cert = f" The kubelet CA bundle expires {row.cert_expiry}." if row.cert_expiry else ""
            out.append(
                Finding(
                    severity=Severity.WARNING,
                    title=f"Pool {row.name} is paused",
                    what="No MachineConfig change reaches its nodes, including the rotated "
                    "kube-apiserver-to-kubelet CA; unpausing releases every queued change at "
                    f"once.{cert}",
                    where=where,
                    next_runbook="50-pool-rollout",
                )
            )
        elif row.updating == "True":
            out.append(
                Finding(
                    severity=Severity.INFO,
                    title=f"Pool {row.name} is updating ({row.updated_count}/{row.machine_count} "
                    "updated)",
                    what=row.updating_message or f"Rolling out {row.target_config}.",
                    where=where,
                    next_runbook="50-pool-rollout",
                )
            )
    return out
