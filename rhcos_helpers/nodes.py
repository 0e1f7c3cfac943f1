"""nodes - the Node objects as ``oc get nodes -o wide`` shows them, plus what needs attention.

Only the API is read (no node access): ``status.conditions``, ``status.nodeInfo``, labels and the
machine-config daemon's annotations.

Examples:
    >>> from datetime import UTC
    >>> row = node_row(SAMPLE_NODE, now=datetime(2026, 11, 20, tzinfo=UTC))
    >>> row.status, row.roles, row.version
    ('Ready,SchedulingDisabled', 'worker', 'v1.29.8+f10c92d')
    >>> row.mco_state
    'Working'
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

__all__ = ["MCO", "NodeRow", "findings", "list_nodes", "node_row", "roles", "to_frame"]

#: Prefix of the machine-config daemon's node annotations.
MCO = "machineconfiguration.openshift.io/"

_PRESSURES = ("MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable")


@dataclass(frozen=True)
class NodeRow:
    """One node, with the ``oc get nodes -o wide`` columns first.

    Attributes:
        name: node name.
        status: ``Ready``, ``NotReady`` or ``Unknown``, plus ``,SchedulingDisabled`` when cordoned.
        roles: comma-separated roles from ``node-role.kubernetes.io/*`` labels, or ``<none>``.
        age: kubectl-style age at the source's reference time.
        version: kubelet version.
        internal_ip: first InternalIP, or ``<none>``.
        external_ip: first ExternalIP, or ``<none>``.
        os_image: ``nodeInfo.osImage`` (the os-release PRETTY_NAME).
        kernel: ``nodeInfo.kernelVersion``.
        runtime: ``nodeInfo.containerRuntimeVersion``.
        architecture: ``nodeInfo.architecture``.
        pressure: conditions that are True among Memory/Disk/PID pressure and NetworkUnavailable.
        ready: the Ready condition (``True``/``False``/``Unknown``, or ``<none>``).
        ready_message: the Ready condition's message when not ready.
        unschedulable: ``spec.unschedulable``.
        mco_state: the machine-config daemon's state annotation (Done, Working, Degraded, ...).
        mco_reason: its reason annotation.
        current_config: rendered config the node runs.
        desired_config: rendered config the node should run.
        ssh_accessed: the daemon saw an SSH login (annotation ``ssh=accessed``).
        operating_system: ``nodeInfo.operatingSystem`` (linux or windows).
    """

    name: str
    status: str
    roles: str
    age: str
    version: str
    internal_ip: str
    external_ip: str
    os_image: str
    kernel: str
    runtime: str
    architecture: str
    pressure: str
    ready: str
    ready_message: str
    unschedulable: bool
    mco_state: str
    mco_reason: str
    current_config: str
    desired_config: str
    ssh_accessed: bool
    operating_system: str


def roles(labels: dict[str, str] | None) -> str:
    """Roles the way kubectl derives them from labels.

    Examples:
        >>> roles({"node-role.kubernetes.io/master": "", "node-role.kubernetes.io/control-plane": ""})
        'control-plane,master'
        >>> roles({})
        '<none>'
    """
    found: set[str] = set()
    for key, value in (labels or {}).items():
        if key.startswith("node-role.kubernetes.io/"):
            role = key.removeprefix("node-role.kubernetes.io/")
            if role:
                found.add(role)
        elif key == "kubernetes.io/role" and value:
            found.add(value)
    return ",".join(sorted(found)) or "<none>"


def _address(node: dict[str, Any], kind: str) -> str:
    for address in node.get("status", {}).get("addresses") or []:
        if address.get("type") == kind:
            return str(address.get("address", ""))
    return "<none>"


def node_row(node: dict[str, Any], *, now: datetime) -> NodeRow:
    """Build the row of one Node object (a dict as the API returns it)."""
    meta = node.get("metadata", {})
    status = node.get("status", {})
    info = status.get("nodeInfo") or {}
    annotations = meta.get("annotations") or {}
    conditions = {c.get("type"): c for c in status.get("conditions") or []}
    ready = conditions.get("Ready")
    unschedulable = bool(node.get("spec", {}).get("unschedulable"))
    if ready is None:
        state = "Unknown"
    else:
        state = "Ready" if ready.get("status") == "True" else "NotReady"
    if unschedulable:
        state += ",SchedulingDisabled"
    pressure = [t for t in _PRESSURES if conditions.get(t, {}).get("status") == "True"]
    return NodeRow(
        name=meta.get("name", ""),
        status=state,
        roles=roles(meta.get("labels")),
        age=age(meta.get("creationTimestamp"), now=now),
        version=info.get("kubeletVersion", ""),
        internal_ip=_address(node, "InternalIP"),
        external_ip=_address(node, "ExternalIP"),
        os_image=info.get("osImage", ""),
        kernel=info.get("kernelVersion", ""),
        runtime=info.get("containerRuntimeVersion", ""),
        architecture=info.get("architecture", ""),
        pressure=",".join(pressure),
        ready=ready.get("status", "Unknown") if ready else "<none>",
        ready_message=""
        if ready is None or ready.get("status") == "True"
        else ready.get("message", ""),
        unschedulable=unschedulable,
        mco_state=annotations.get(f"{MCO}state", ""),
        mco_reason=annotations.get(f"{MCO}reason", ""),
        current_config=annotations.get(f"{MCO}currentConfig", ""),
        desired_config=annotations.get(f"{MCO}desiredConfig", ""),
        ssh_accessed=annotations.get(f"{MCO}ssh") == "accessed",
        operating_system=info.get("operatingSystem", ""),
    )


def list_nodes(source: Source, *, label_selector: str | None = None) -> list[NodeRow]:
    """All nodes (or those matching a label selector), sorted by name."""
    now = source.now()
    items = source.list("nodes", label_selector=label_selector)
    return sorted((node_row(n, now=now) for n in items), key=lambda r: r.name)


WIDE_COLUMNS = {
    "name": "NAME",
    "status": "STATUS",
    "roles": "ROLES",
    "age": "AGE",
    "version": "VERSION",
    "internal_ip": "INTERNAL-IP",
    "external_ip": "EXTERNAL-IP",
    "os_image": "OS-IMAGE",
    "kernel": "KERNEL-VERSION",
    "runtime": "CONTAINER-RUNTIME",
    "architecture": "ARCH",
    "pressure": "PRESSURE",
    "mco_state": "MCO STATE",
}


def to_frame(rows: Iterable[NodeRow], *, wide: bool = True) -> pd.DataFrame:
    """The ``oc get nodes -o wide`` table (plus ARCH, PRESSURE and MCO STATE).

    With ``wide=False`` every field is returned under its attribute name.
    """
    frame = pd.DataFrame([asdict(r) for r in rows], columns=list(NodeRow.__dataclass_fields__))
    if not wide:
        return frame
    return frame[list(WIDE_COLUMNS)].rename(columns=WIDE_COLUMNS)


def findings(rows: Iterable[NodeRow]) -> list[Finding]:
    """What needs attention among the nodes.

    Examples:
        >>> from datetime import UTC
        >>> [f.title for f in findings([node_row(SAMPLE_NODE, now=datetime(2026, 1, 1, tzinfo=UTC))])]
        ['Node worker-1 is cordoned (SchedulingDisabled)']
    """
    out: list[Finding] = []
    for row in rows:
        where = f"node/{row.name}"
        updating = row.mco_state in ("Working", "Rebooting")
        if not row.status.startswith("Ready"):
            if updating:
                out.append(
                    Finding(
                        severity=Severity.WARNING,
                        title=f"Node {row.name} is {row.status.split(',')[0]} while it applies "
                        f"{row.desired_config or 'a new config'}",
                        what="The machine-config daemon is updating the node (state "
                        f"{row.mco_state}); it should come back Ready after its reboot. "
                        f"Ready says: {row.ready_message or row.ready}",
                        where=where,
                        next_runbook="50-pool-rollout",
                    )
                )
            else:
                out.append(
                    Finding(
                        severity=Severity.CRITICAL,
                        title=f"Node {row.name} is {row.status.split(',')[0]}",
                        what=f"Ready condition is {row.ready}: {row.ready_message or 'no message'}",
                        where=where,
                        next_runbook="30-node-services",
                    )
                )
        elif row.unschedulable:
            out.append(
                Finding(
                    severity=Severity.INFO if updating else Severity.WARNING,
                    title=f"Node {row.name} is cordoned (SchedulingDisabled)",
                    what="Drained for a config update by the machine-config daemon."
                    if updating
                    else "No new pods land on it until someone runs `oc adm uncordon`.",
                    where=where,
                    next_runbook="50-pool-rollout",
                )
            )
        if row.pressure:
            out.append(
                Finding(
                    severity=Severity.WARNING,
                    title=f"Node {row.name} reports {row.pressure}",
                    what="The kubelet evicts pods and refuses new ones under pressure.",
                    where=where,
                    next_runbook="10-node-os",
                )
            )
        if row.mco_state in ("Degraded", "Unreconcilable"):
            out.append(
                Finding(
                    severity=Severity.CRITICAL,
                    title=f"Node {row.name}: machine-config state {row.mco_state}",
                    what=row.mco_reason or "no reason recorded",
                    where=where,
                    next_runbook="50-pool-rollout",
                )
            )
        if row.ssh_accessed:
            out.append(
                Finding(
                    severity=Severity.INFO,
                    title=f"Node {row.name} was accessed over SSH",
                    what="The machine-config daemon annotated it ssh=accessed; direct changes "
                    "on RHCOS are lost or break updates: change nodes through MachineConfigs.",
                    where=where,
                    next_runbook="40-machineconfigs",
                )
            )
    return out
