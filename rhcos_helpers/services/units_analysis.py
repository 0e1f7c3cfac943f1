"""services.units_analysis - key services, failed units, what could be read: tables and findings.

Everything here reads a :class:`~rhcos_helpers.services.units_read.ServicesReport`: the key
services' states, the failed units (``list-units`` rows, plus key services in ``failed``), the
runbook's collection status (with the journals' and the nodes left out), and the findings
(unreadable nodes, failed units, :data:`ALWAYS_ON` services not active, automatic restarts).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import pandas as pd

from rhcos_helpers._time import age
from rhcos_helpers.findings import Finding, Severity
from rhcos_helpers.services.systemctl import ServiceState
from rhcos_helpers.services.targets import NodeTargets
from rhcos_helpers.services.units_read import ServicesReport

__all__ = ["ALWAYS_ON", "failed_frame", "findings", "status_frame", "to_frame"]


#: Services that must always be running on an OpenShift node (rpm-ostreed is started on demand
#: over D-Bus; Open vSwitch runs on the host since 4.6, in a pod before).
ALWAYS_ON: tuple[str, ...] = (
    "crio.service",
    "kubelet.service",
    "NetworkManager.service",
    "chronyd.service",
)
#: Without these two a node runs no pods.
_CRITICAL = ("crio.service", "kubelet.service")


_SERVICE_COLUMNS = [
    "node", "unit", "load", "active", "sub", "result", "main_pid", "since", "age",
    "n_restarts", "memory_mib", "unit_file",
]  # fmt: skip


def to_frame(services: Iterable[ServiceState], *, now: datetime | None = None) -> pd.DataFrame:
    """Key services as a table (``since`` in UTC, ``age`` at ``now``, memory in MiB)."""
    rows = []
    for s in services:
        since = s.since
        rows.append(
            {
                "node": s.node,
                "unit": s.unit,
                "load": s.load_state,
                "active": s.active_state,
                "sub": s.sub_state,
                "result": s.result,
                "main_pid": s.main_pid,
                "since": since if since else (s.since_raw or None),
                "age": age(since.isoformat(), now=now) if since and now else "",
                "n_restarts": s.n_restarts,
                "memory_mib": round(s.memory_bytes / 2**20, 1) if s.memory_bytes else None,
                "unit_file": s.unit_file_state,
            }
        )
    frame = pd.DataFrame(rows, columns=_SERVICE_COLUMNS)
    frame["main_pid"] = frame["main_pid"].astype("Int64")
    frame["n_restarts"] = frame["n_restarts"].astype("Int64")
    return frame


def failed_frame(report: ServicesReport) -> pd.DataFrame:
    """Failed units on every node read (``list-units``, plus key services in ``failed``)."""
    seen: set[tuple[str, str]] = set()
    rows = []
    for r in report.units:
        if r.failed:
            seen.add((r.node, r.unit))
            rows.append(
                {"node": r.node, "unit": r.unit, "load": r.load, "active": r.active,
                 "sub": r.sub, "description": r.description, "from": "list-units"}
            )  # fmt: skip
    for s in report.services:
        if s.active_state == "failed" and (s.node, s.unit) not in seen:
            rows.append(
                {"node": s.node, "unit": s.unit, "load": s.load_state, "active": s.active_state,
                 "sub": s.sub_state, "description": s.description, "from": "show"}
            )  # fmt: skip
    return pd.DataFrame(
        rows, columns=["node", "unit", "load", "active", "sub", "description", "from"]
    )


def status_frame(
    targets: NodeTargets,
    services: ServicesReport,
    journal_status: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every node: one row per fact read (status, origin, detail), plus nodes left out.

    Args:
        targets: the node selection (its left-out nodes get one row each).
        services: the systemctl results.
        journal_status: :func:`rhcos_helpers.services.journal_analysis.status_frame` rows to
            include.
    """
    rows: list[dict[str, Any]] = []
    for node in services.nodes:
        for fact, (status, origin, detail) in services.status.get(node, {}).items():
            rows.append(
                {"node": node, "fact": fact, "status": status, "origin": origin,
                 "detail": detail}
            )  # fmt: skip
    if journal_status is not None and not journal_status.empty:
        for j in journal_status.to_dict("records"):
            ok = j["status"] == "ok"
            detail = f"{j['entries']} entries, {j['errors']} errors" if ok else str(j["reason"])
            if ok and j["reason"]:
                detail += f"; {j['reason']}"
            rows.append(
                {"node": j["node"], "fact": j["fact"], "status": j["status"],
                 "origin": j["origin"], "detail": detail}
            )  # fmt: skip
    for node, why in targets.left_out.items():
        rows.append({"node": node, "fact": "(all)", "status": "skipped", "origin": "",
                     "detail": why})  # fmt: skip
    if targets.reason:
        rows.append({"node": "(none)", "fact": "(all)", "status": "missing", "origin": "",
                     "detail": targets.reason})  # fmt: skip
    frame = pd.DataFrame(rows, columns=["node", "fact", "status", "origin", "detail"])
    return frame.sort_values(["node", "fact"], kind="stable").reset_index(drop=True)


def findings(report: ServicesReport) -> list[Finding]:
    """Unreadable nodes, failed units, key services not active, and automatic restarts."""
    out: list[Finding] = []
    for node in report.nodes:
        bad = {f: s for f, s in report.status.get(node, {}).items() if s[0] != "ok"}
        if bad and all(s[0] == "failed" for s in bad.values()) and len(bad) == 2:
            out.append(
                Finding(
                    severity=Severity.WARNING,
                    title=f"Node {node}: services could not be read",
                    what=next(iter(bad.values()))[2],
                    where=f"node/{node}",
                )
            )
        for fact, (status, _, detail) in bad.items():
            if status == "unparsed":
                out.append(
                    Finding(
                        severity=Severity.INFO,
                        title=f"Node {node}: {fact} output could not be parsed",
                        what=detail,
                        where=f"node/{node}",
                    )
                )
    failed = failed_frame(report)
    for failed_node, group in failed.groupby("node", sort=True):
        names = [str(u) for u in group["unit"]]
        critical = any(u in _CRITICAL for u in names)
        out.append(
            Finding(
                severity=Severity.CRITICAL if critical else Severity.WARNING,
                title=f"{len(group)} failed unit(s) on {failed_node}",
                what=f"{', '.join(names)}. `systemctl status <unit>` and the unit's journal "
                "say why.",
                where=f"node/{failed_node}",
            )
        )
    for s in report.services:
        if s.unit in ALWAYS_ON and s.load_state not in ("not listed",) and not s.active:
            if s.active_state == "failed":
                continue  # already a failed-unit finding
            out.append(
                Finding(
                    severity=Severity.CRITICAL if s.unit in _CRITICAL else Severity.WARNING,
                    title=f"{s.unit} is not active on {s.node}",
                    what=f"ActiveState={s.active_state or '?'} SubState={s.sub_state or '?'} "
                    f"Result={s.result or '?'} (load: {s.load_state}).",
                    where=f"node/{s.node}",
                )
            )
    restarted: dict[str, list[str]] = {}
    for s in report.services:
        if s.n_restarts:
            restarted.setdefault(s.unit, []).append(f"{s.node} ({s.n_restarts})")
    for unit, where in sorted(restarted.items()):
        out.append(
            Finding(
                severity=Severity.WARNING,
                title=f"{unit} restarted automatically on {len(where)} node(s)",
                what="NRestarts counts restarts systemd made after the process exited or died: "
                + ", ".join(where)
                + ". The unit's journal shows why.",
                where=", ".join(f"node/{w.split(' ')[0]}" for w in where),
            )
        )
    return out
