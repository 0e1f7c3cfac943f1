"""node_os.health - node health basics: pressure, OOM kills and restarts, and every health finding.

Pressure conditions come from the API; the journals of kubelet and CRI-O are read through
:mod:`rhcos_helpers.services.journal_read`, whose events (``oom``, ``crashloop``, ``failed``,
``restart``) this module counts per node. :func:`findings` gathers the health findings of
runbook 10: pressure and the journals' events from here, filesystem use from
:mod:`rhcos_helpers.node_os.filesystems` and time sync from :mod:`rhcos_helpers.node_os.time_sync`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import pandas as pd

from rhcos_helpers import services
from rhcos_helpers.errors import ParseError
from rhcos_helpers.findings import Finding, Severity
from rhcos_helpers.node_os.filesystems import _fs_findings, filesystems_frame
from rhcos_helpers.node_os.fleet import JOURNAL_SINCE, NodeFleet
from rhcos_helpers.node_os.time_sync import _chrony_findings
from rhcos_helpers.sources.base import Attempt

__all__ = [
    "JOURNAL_COLUMNS",
    "PRESSURE_COLUMNS",
    "findings",
    "journal_events_frame",
    "journal_frame",
    "pressure_frame",
]

log = logging.getLogger(__name__)

COL_NODE = "node"
COL_NOTE = "node output"


# ---------------------------------------------------------------------- frames


def _unwrap(fleet: NodeFleet | Attempt[NodeFleet]) -> NodeFleet | None:
    if isinstance(fleet, Attempt):
        return fleet.value
    return fleet


_PRESSURES = ("MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable")
PRESSURE_COLUMNS = [COL_NODE, "Ready", *_PRESSURES, "messages"]


def pressure_frame(fleet: NodeFleet) -> pd.DataFrame:
    """Ready and the pressure conditions of every node, from the API."""
    rows: list[dict[str, Any]] = []
    for node in fleet.nodes:
        obj = fleet.objects.get(node)
        if obj is None:
            rows.append({COL_NODE: node, "messages": "no Node object in this source"})
            continue
        conds = {c.get("type"): c for c in (obj.get("status") or {}).get("conditions") or []}
        row: dict[str, Any] = {COL_NODE: node}
        for kind in ("Ready", *_PRESSURES):
            row[kind] = str(conds.get(kind, {}).get("status", ""))
        row["messages"] = "; ".join(
            f"{k}: {conds[k].get('message', '')}"
            for k in _PRESSURES
            if conds.get(k, {}).get("status") == "True"
        )
        rows.append(row)
    return pd.DataFrame(rows, columns=PRESSURE_COLUMNS, dtype=object).fillna("")


_UNITS_READ = ("kubelet", "crio")
JOURNAL_COLUMNS = [
    COL_NODE, "unit", "entries", "from (UTC)", "to (UTC)", "OOM", "CrashLoopBackOff",
    "unit failed", "unit restarted", "errors", COL_NOTE,
]  # fmt: skip


def _entries(
    fleet: NodeFleet, node: str, unit: str
) -> tuple[list[services.journal_records.JournalEntry], str]:
    """(entries, note); the note names the reason when there are none."""
    out = fleet.output(node, f"journal_unit.{unit}")
    if not out.ok:
        return [], f"{out.status}: {out.reason or 'no reason given'}"
    try:
        entries, note = services.journal_read.parse_journal_output(
            out, unit=unit, reference=fleet.now
        )
    except ParseError as exc:
        return [], f"unparsable: {exc}"
    return entries, "; ".join(p for p in (out.origin, note) if p)


def journal_frame(fleet: NodeFleet) -> pd.DataFrame:
    """Per node and unit (kubelet, CRI-O): OOM kills, crash loops, unit failures and restarts."""
    rows: list[dict[str, Any]] = []
    for node in fleet.nodes:
        for unit in _UNITS_READ:
            entries, note = _entries(fleet, node, unit)
            events = [e.event for e in entries]
            rows.append(
                {
                    COL_NODE: node,
                    "unit": unit,
                    "entries": len(entries),
                    "from (UTC)": min(e.time for e in entries).strftime("%Y-%m-%d %H:%M")
                    if entries
                    else "",
                    "to (UTC)": max(e.time for e in entries).strftime("%Y-%m-%d %H:%M")
                    if entries
                    else "",
                    "OOM": events.count("oom"),
                    "CrashLoopBackOff": events.count("crashloop"),
                    "unit failed": events.count("failed"),
                    "unit restarted": events.count("restart"),
                    "errors": sum(e.is_error for e in entries),
                    COL_NOTE: note,
                }
            )
    return pd.DataFrame(rows, columns=JOURNAL_COLUMNS)


def journal_events_frame(fleet: NodeFleet) -> pd.DataFrame:
    """The journal lines behind the counts: OOM, crash loops, unit failures and restarts."""
    rows = []
    for node in fleet.nodes:
        for unit in _UNITS_READ:
            for e in _entries(fleet, node, unit)[0]:
                if e.event:
                    rows.append(
                        {
                            COL_NODE: node,
                            "time (UTC)": e.time.strftime("%Y-%m-%d %H:%M:%S"),
                            "unit": unit,
                            "event": e.event,
                            "message": e.message[:300],
                        }
                    )
    return pd.DataFrame(rows, columns=[COL_NODE, "time (UTC)", "unit", "event", "message"])


# ---------------------------------------------------------------------- findings


def findings(fleet: NodeFleet | Attempt[NodeFleet]) -> list[Finding]:
    """Pressure, full filesystems, OOM kills, crash loops, unit failures, unsynchronised clocks."""
    f = _unwrap(fleet)
    if f is None:
        return []
    out: list[Finding] = []
    out.extend(_pressure_findings(pressure_frame(f)))
    out.extend(_fs_findings(filesystems_frame(f)))
    out.extend(_journal_findings(journal_frame(f)))
    out.extend(_chrony_findings(f))
    return out


def _pressure_findings(frame: pd.DataFrame) -> Iterable[Finding]:
    for rec in frame.to_dict("records"):
        true = [k for k in _PRESSURES if rec.get(k) == "True"]
        if true:
            yield Finding(
                Severity.WARNING,
                f"Node {rec[COL_NODE]} reports {', '.join(true)}",
                f"The kubelet evicts pods and refuses new ones under pressure. {rec['messages']}",
                f"node/{rec[COL_NODE]}",
                "20-crio-containers",
            )


def _journal_findings(frame: pd.DataFrame) -> Iterable[Finding]:
    for rec in frame.to_dict("records"):
        node, unit = rec[COL_NODE], rec["unit"]
        where = f"node/{node}"
        if rec["OOM"]:
            yield Finding(
                Severity.WARNING,
                f"Node {node}: {rec['OOM']} OOM kill line(s) in the {unit} journal",
                f"Processes were killed for memory between {rec['from (UTC)']} and "
                f"{rec['to (UTC)']} (window {JOURNAL_SINCE}); see which containers.",
                where,
                "20-crio-containers",
            )
        if rec["CrashLoopBackOff"]:
            yield Finding(
                Severity.INFO,
                f"Node {node}: {rec['CrashLoopBackOff']} CrashLoopBackOff line(s) in the {unit} "
                "journal",
                "A container keeps failing and the kubelet backs off restarting it.",
                where,
                "20-crio-containers",
            )
        if rec["unit failed"] or rec["unit restarted"]:
            yield Finding(
                Severity.WARNING,
                f"Node {node}: {unit} failed {rec['unit failed']} time(s), restarted "
                f"{rec['unit restarted']} time(s)",
                f"systemd reported the {unit} service failing or being restarted in the window.",
                where,
                "30-node-services",
            )
