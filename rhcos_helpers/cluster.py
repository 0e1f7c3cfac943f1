"""cluster - ClusterVersion, ClusterOperators, topology and pending CSRs (runbook 00).

All from the API: ``clusterversions/version``, ``clusteroperators``, ``infrastructures/cluster``,
``nodes`` and ``certificatesigningrequests``.

Examples:
    >>> from datetime import UTC
    >>> conds = [{"type": "Available", "status": "True"}, {"type": "Degraded", "status": "True",
    ...           "message": "etcd member down"}]
    >>> operator_row({"metadata": {"name": "etcd"}, "status": {"conditions": conds}},
    ...              now=datetime(2026, 1, 1, tzinfo=UTC)).degraded
    'True'
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from rhcos_helpers import nodes as nodes_mod
from rhcos_helpers._time import age, parse_time
from rhcos_helpers.errors import ClusterAccessError, NotApplicable, UsageError
from rhcos_helpers.findings import Finding, Severity
from rhcos_helpers.nodes import NodeRow, list_nodes
from rhcos_helpers.sources.base import Attempt, Source

if TYPE_CHECKING:  # pools reads machineconfigs, which reads the topology here: no import cycle
    from rhcos_helpers.pools import status as pools_mod

log = logging.getLogger(__name__)

__all__ = [
    "ClusterVersionInfo",
    "Condition",
    "CsrRow",
    "HistoryEntry",
    "OperatorRow",
    "EXTERNAL",
    "HIGHLY_AVAILABLE",
    "HOSTED_REASON",
    "SINGLE_REPLICA",
    "Topology",
    "cluster_version",
    "control_plane_topology",
    "conditions_frame",
    "csrs_frame",
    "overview_findings",
    "topology_facts",
    "version_conditions_frame",
    "version_facts",
    "findings",
    "history_frame",
    "hosted_findings",
    "mco_not_applicable",
    "operator_row",
    "operators",
    "operators_frame",
    "pending_csrs",
    "topology",
]


@dataclass(frozen=True)
class Condition:
    """A status condition (type, status, reason, message, since)."""

    type: str
    status: str
    reason: str
    message: str
    last_transition: str

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Condition:
        """From one ``status.conditions[]`` entry."""
        return cls(
            type=str(data.get("type", "")),
            status=str(data.get("status", "")),
            reason=str(data.get("reason", "")),
            message=str(data.get("message", "")),
            last_transition=str(data.get("lastTransitionTime", "")),
        )


@dataclass(frozen=True)
class HistoryEntry:
    """One entry of ClusterVersion ``status.history`` (newest first, as the API keeps it)."""

    version: str
    state: str
    started: str
    completed: str
    verified: bool
    image: str


@dataclass(frozen=True)
class ClusterVersionInfo:
    """The cluster's version, channel, identity, update history and conditions."""

    version: str
    channel: str
    cluster_id: str
    desired_image: str
    history: tuple[HistoryEntry, ...]
    conditions: tuple[Condition, ...]
    available_updates: int

    def condition(self, type_: str) -> Condition | None:
        """The condition of that type, if any."""
        return next((c for c in self.conditions if c.type == type_), None)


def cluster_version(source: Source) -> ClusterVersionInfo:
    """Read ClusterVersion ``version``.

    Raises:
        NotApplicable: the source has no ClusterVersion (not an OpenShift 4 cluster, or not
            collected).
    """
    obj = source.get("clusterversions", "version")
    if obj is None:
        raise NotApplicable(
            "no ClusterVersion 'version' in this source: not an OpenShift 4 cluster, or the "
            "capture did not collect config.openshift.io resources (run a full must-gather)"
        )
    spec = obj.get("spec", {})
    status = obj.get("status", {})
    desired = status.get("desired", {})
    history = tuple(
        HistoryEntry(
            version=str(h.get("version", "")),
            state=str(h.get("state", "")),
            started=str(h.get("startedTime", "") or ""),
            completed=str(h.get("completionTime", "") or ""),
            verified=bool(h.get("verified", False)),
            image=str(h.get("image", "")),
        )
        for h in status.get("history") or []
    )
    return ClusterVersionInfo(
        version=str(desired.get("version", "")),
        channel=str(spec.get("channel", "") or ""),
        cluster_id=str(spec.get("clusterID", "")),
        desired_image=str(desired.get("image", "")),
        history=history,
        conditions=tuple(Condition.from_api(c) for c in status.get("conditions") or []),
        available_updates=len(status.get("availableUpdates") or []),
    )


def history_frame(info: ClusterVersionInfo) -> pd.DataFrame:
    """The update history, newest first."""
    return pd.DataFrame(
        [
            {
                "VERSION": h.version,
                "STATE": h.state,
                "STARTED": h.started,
                "COMPLETED": h.completed or "—",
                "VERIFIED": h.verified,
            }
            for h in info.history
        ],
        columns=["VERSION", "STATE", "STARTED", "COMPLETED", "VERIFIED"],
    )


def conditions_frame(conditions: Sequence[Condition]) -> pd.DataFrame:
    """Conditions as a table."""
    return pd.DataFrame(
        [
            {
                "TYPE": c.type,
                "STATUS": c.status,
                "REASON": c.reason,
                "MESSAGE": c.message,
                "SINCE": c.last_transition,
            }
            for c in conditions
        ],
        columns=["TYPE", "STATUS", "REASON", "MESSAGE", "SINCE"],
    )


@dataclass(frozen=True)
class OperatorRow:
    """One ClusterOperator as ``oc get co`` shows it (plus Upgradeable)."""

    name: str
    version: str
    available: str
    progressing: str
    degraded: str
    upgradeable: str
    since: str
    message: str


def operator_row(obj: dict[str, Any], *, now: datetime) -> OperatorRow:
    """Build the row of one ClusterOperator.

    SINCE is the age of the Available condition's last transition, as ``oc get co`` prints it.
    MESSAGE is the message of the first unhealthy condition (Degraded, not Available,
    Progressing, not Upgradeable), empty when healthy.
    """
    status = obj.get("status", {})
    conds = {c.get("type"): c for c in status.get("conditions") or []}
    version = next(
        (
            str(v.get("version", ""))
            for v in status.get("versions") or []
            if v.get("name") == "operator"
        ),
        "",
    )

    def state(kind: str) -> str:
        return str(conds.get(kind, {}).get("status", ""))

    message = ""
    for kind, bad in (
        ("Degraded", "True"),
        ("Available", "False"),
        ("Progressing", "True"),
        ("Upgradeable", "False"),
    ):
        if state(kind) == bad:
            message = str(conds[kind].get("message", ""))
            break
    available = conds.get("Available", {})
    return OperatorRow(
        name=str(obj.get("metadata", {}).get("name", "")),
        version=version,
        available=state("Available"),
        progressing=state("Progressing"),
        degraded=state("Degraded"),
        upgradeable=state("Upgradeable") or "True",
        since=age(available.get("lastTransitionTime"), now=now) if available else "",
        message=message,
    )


def operators(source: Source) -> list[OperatorRow]:
    """All ClusterOperators, sorted by name."""
    now = source.now()
    return sorted(
        (operator_row(o, now=now) for o in source.list("clusteroperators")), key=lambda r: r.name
    )


_CO_COLUMNS = {
    "name": "NAME",
    "version": "VERSION",
    "available": "AVAILABLE",
    "progressing": "PROGRESSING",
    "degraded": "DEGRADED",
    "upgradeable": "UPGRADEABLE",
    "since": "SINCE",
    "message": "MESSAGE",
}


def operators_frame(rows: Iterable[OperatorRow]) -> pd.DataFrame:
    """``oc get co`` as a table."""
    frame = pd.DataFrame([asdict(r) for r in rows], columns=list(_CO_COLUMNS))
    return frame.rename(columns=_CO_COLUMNS)


#: Infrastructure ``status.controlPlaneTopology`` values (openshift/api config/v1 ``TopologyMode``).
HIGHLY_AVAILABLE = "HighlyAvailable"
SINGLE_REPLICA = "SingleReplica"
EXTERNAL = "External"


def control_plane_topology(source: Source) -> str:
    """Infrastructure ``cluster`` ``status.controlPlaneTopology``; ``""`` when it cannot be told.

    ``HighlyAvailable``, ``SingleReplica`` (single-node OpenShift) or ``External`` (a hosted
    control plane: HyperShift, IBM Cloud managed). Clusters before 4.8 do not report it; a
    capture without the Infrastructure object, or a caller not allowed to read it, gives ``""``.

    Examples:
        >>> from rhcos_helpers.sources import open_source
        >>> control_plane_topology(open_source("demo")), control_plane_topology(open_source("demo:4.3"))
        ('HighlyAvailable', '')
    """
    try:
        infra = source.get("infrastructures", "cluster") or {}
    except (NotApplicable, UsageError, ClusterAccessError) as exc:
        log.info("Infrastructure cluster not read (topology unknown): %s", exc)
        return ""
    return str((infra.get("status") or {}).get("controlPlaneTopology") or "")


#: Why runbooks 40 and 50 do not apply to a hosted control plane's guest cluster.
HOSTED_REASON = (
    "not applicable: this is a hosted control plane (Infrastructure "
    "status.controlPlaneTopology=External), whose guest cluster has no MachineConfig or "
    "MachineConfigPool objects. Its nodes are configured and rolled out from the management "
    "cluster: MachineConfigs inside ConfigMaps listed in the NodePool's spec.config, applied by "
    "the NodePool (spec.management.upgradeType Replace or InPlace). Look there: "
    "`oc get nodepools -A` against the management cluster."
)


def mco_not_applicable(source: Source) -> str | None:
    """Why this cluster has no MachineConfig or MachineConfigPool objects, or ``None``.

    A hosted control plane's guest cluster (Infrastructure ``controlPlaneTopology: External``)
    has neither: HyperShift's cluster-version operator leaves their CRDs out of the guest and
    deletes them, and the nodes are configured from the management cluster (MachineConfigs
    inside ConfigMaps named by the NodePool's ``spec.config``, rolled out by the NodePool).

    Examples:
        >>> from rhcos_helpers.sources import open_source
        >>> mco_not_applicable(open_source("demo")) is None
        True
    """
    return HOSTED_REASON if control_plane_topology(source) == EXTERNAL else None


def hosted_findings(reason: str | None) -> list[Finding]:
    """One info finding when ``reason`` is :data:`HOSTED_REASON` (runbooks 40 and 50), else none.

    A report of a hosted control plane then says "not applicable" first, instead of "nothing
    needs attention".

    Examples:
        >>> [f.title for f in hosted_findings(HOSTED_REASON)], hosted_findings("not collected")
        (['Not applicable: a hosted control plane has no MachineConfigs or pools'], [])
    """
    if reason != HOSTED_REASON:
        return []
    return [
        Finding(
            severity=Severity.INFO,
            title="Not applicable: a hosted control plane has no MachineConfigs or pools",
            what=HOSTED_REASON,
            where="infrastructure/cluster",
        )
    ]


@dataclass(frozen=True)
class Topology:
    """The cluster's shape.

    Attributes:
        kind: ``HA``, ``compact``, ``single-node`` or ``hosted control plane``.
        description: one sentence for people.
        platform: infrastructure platform (AWS, BareMetal, VSphere, None, ...).
        control_plane_topology: Infrastructure ``status.controlPlaneTopology`` (4.6+), or ``""``.
        api_url: the API server URL recorded in Infrastructure ``cluster``.
        masters: number of control-plane nodes.
        workers: number of nodes with the worker role only (or also infra).
    """

    kind: str
    description: str
    platform: str
    control_plane_topology: str
    api_url: str
    masters: int
    workers: int


def topology(source: Source) -> Topology:
    """Classify the cluster from Infrastructure ``cluster`` and the node roles."""
    nodes = list_nodes(source)
    infra = source.get("infrastructures", "cluster") or {}
    status = infra.get("status", {})
    platform = str(
        (status.get("platformStatus") or {}).get("type") or status.get("platform") or "unknown"
    )
    cp_topology = str(status.get("controlPlaneTopology", ""))
    masters = [n for n in nodes if {"master", "control-plane"} & set(n.roles.split(","))]
    workers = [n for n in nodes if n not in masters]
    schedulable_masters = [n for n in masters if "worker" in n.roles.split(",")]
    if cp_topology == EXTERNAL:
        kind = "hosted control plane"
        text = (
            f"Hosted control plane: the control plane runs outside this cluster; "
            f"{len(workers)} worker node(s), no MachineConfigs or masters here."
        )
    elif cp_topology == SINGLE_REPLICA or len(nodes) == 1:
        kind = "single-node"
        text = "Single-node OpenShift: one node is control plane and worker; its API goes away "
        text += "while it reboots."
    elif not workers and masters and len(schedulable_masters) == len(masters):
        kind = "compact"
        text = f"Compact cluster: {len(masters)} schedulable control-plane nodes, no workers."
    else:
        kind = "HA"
        text = (
            f"Highly available: {len(masters)} control-plane node(s), {len(workers)} other node(s)."
        )
    return Topology(
        kind=kind,
        description=text,
        platform=platform,
        control_plane_topology=cp_topology or "(not reported before 4.6)",
        api_url=str(status.get("apiServerURL", "")),
        masters=len(masters),
        workers=len(workers),
    )


@dataclass(frozen=True)
class CsrRow:
    """A CertificateSigningRequest waiting for approval."""

    name: str
    age: str
    signer: str
    requestor: str
    condition: str


def pending_csrs(source: Source) -> list[CsrRow]:
    """CSRs with neither an Approved nor a Denied condition, oldest first.

    Raises:
        NotApplicable: the source did not collect CSRs.
    """
    now = source.now()
    rows = []
    for csr in source.list("certificatesigningrequests"):
        conditions = (csr.get("status") or {}).get("conditions") or []
        if any(c.get("type") in ("Approved", "Denied", "Failed") for c in conditions):
            continue
        meta = csr.get("metadata", {})
        rows.append(
            (
                parse_time(meta.get("creationTimestamp")) or now,
                CsrRow(
                    name=str(meta.get("name", "")),
                    age=age(meta.get("creationTimestamp"), now=now),
                    signer=str(csr.get("spec", {}).get("signerName", "")),
                    requestor=str(csr.get("spec", {}).get("username", "")),
                    condition="Pending",
                ),
            )
        )
    return [row for _, row in sorted(rows, key=lambda pair: pair[0])]


def findings(
    info: ClusterVersionInfo | None,
    operator_rows: Sequence[OperatorRow],
    csrs: Sequence[CsrRow] | None,
) -> list[Finding]:
    """What needs attention in the version, the operators and the CSRs.

    Examples:
        >>> row = OperatorRow("etcd", "4.16.21", "True", "False", "True", "True", "3d", "member down")
        >>> [f.title for f in findings(None, [row], [])]
        ['ClusterOperator etcd is Degraded']
    """
    out: list[Finding] = []
    if info is not None:
        failing = info.condition("Failing")
        if failing and failing.status == "True":
            out.append(
                Finding(
                    severity=Severity.CRITICAL,
                    title=f"Cluster version {info.version} reports Failing",
                    what=failing.message or failing.reason,
                    where="clusterversion/version",
                )
            )
        progressing = info.condition("Progressing")
        if progressing and progressing.status == "True":
            out.append(
                Finding(
                    severity=Severity.INFO,
                    title="A cluster update is in progress",
                    what=progressing.message,
                    where="clusterversion/version",
                )
            )
        upgradeable = info.condition("Upgradeable")
        if upgradeable and upgradeable.status == "False":
            out.append(
                Finding(
                    severity=Severity.WARNING,
                    title="The cluster cannot take a minor update (Upgradeable=False)",
                    what=upgradeable.message or upgradeable.reason,
                    where="clusterversion/version",
                )
            )
    for row in operator_rows:
        where = f"clusteroperator/{row.name}"
        next_rb = "50-pool-rollout" if row.name == "machine-config" else None
        if row.available == "False":
            out.append(
                Finding(
                    severity=Severity.CRITICAL,
                    title=f"ClusterOperator {row.name} is not Available",
                    what=row.message,
                    where=where,
                    next_runbook=next_rb,
                )
            )
        if row.degraded == "True":
            out.append(
                Finding(
                    severity=Severity.CRITICAL,
                    title=f"ClusterOperator {row.name} is Degraded",
                    what=row.message,
                    where=where,
                    next_runbook=next_rb,
                )
            )
        if row.upgradeable == "False" and row.degraded != "True":
            out.append(
                Finding(
                    severity=Severity.WARNING,
                    title=f"ClusterOperator {row.name} is not Upgradeable",
                    what=row.message,
                    where=where,
                    next_runbook=next_rb,
                )
            )
    if csrs:
        out.append(
            Finding(
                severity=Severity.WARNING,
                title=f"{len(csrs)} certificate signing request(s) pending",
                what="Kubelet client and serving certificates wait for approval; a node whose "
                "CSR stays pending cannot join or renew. Review them, then `oc adm certificate "
                "approve NAME`.",
                where=", ".join(f"csr/{c.name}" for c in csrs),
            )
        )
    return out


def version_facts(info: ClusterVersionInfo) -> dict[str, object]:
    """The version summary shown at the top of runbook 00."""
    available = info.condition("Available")
    return {
        "Version": info.version,
        "Channel": info.channel or "(none set)",
        "Cluster ID": info.cluster_id,
        "Release image": info.desired_image,
        "Available": available.status if available else "unknown",
        "Updates available in channel": info.available_updates,
        "Installed as": info.history[-1].version if info.history else "unknown",
    }


def version_conditions_frame(info: ClusterVersionInfo) -> pd.DataFrame:
    """The ClusterVersion's conditions as a table."""
    return conditions_frame(info.conditions)


def topology_facts(source: Source) -> dict[str, object]:
    """The topology summary shown in runbook 00."""
    topo = topology(source)
    return {
        "Topology": topo.kind,
        "Description": topo.description,
        "Platform": topo.platform,
        "controlPlaneTopology": topo.control_plane_topology,
        "API server": topo.api_url or "unknown",
        "Control-plane nodes": topo.masters,
        "Other nodes": topo.workers,
    }


def csrs_frame(rows: Sequence[CsrRow]) -> pd.DataFrame:
    """Pending CSRs as ``oc get csr`` shows them."""
    return pd.DataFrame(
        [
            {
                "NAME": r.name,
                "AGE": r.age,
                "SIGNERNAME": r.signer,
                "REQUESTOR": r.requestor,
                "CONDITION": r.condition,
            }
            for r in rows
        ],
        columns=["NAME", "AGE", "SIGNERNAME", "REQUESTOR", "CONDITION"],
    )


def overview_findings(
    *,
    version: Attempt[ClusterVersionInfo],
    operators: Attempt[list[OperatorRow]],
    nodes: Attempt[list[NodeRow]],
    pools: Attempt[list[pools_mod.PoolRow]],
    csrs: Attempt[list[CsrRow]],
) -> list[Finding]:
    """Every finding of runbook 00; parts the source could not provide become info findings."""
    out = findings(version.value, operators.value or [], csrs.value)
    out += nodes_mod.findings(nodes.value or [])
    from rhcos_helpers.pools import status as pools_status

    out += pools_status.findings(pools.value or [])
    for label, part in (
        ("cluster version", version),
        ("cluster operators", operators),
        ("nodes", nodes),
        ("machine config pools", pools),
        ("certificate signing requests", csrs),
    ):
        if not part.ok:
            out.append(
                Finding(
                    severity=Severity.INFO,
                    title=f"Could not read {label}",
                    what=part.reason or "",
                    where="source",
                )
            )
    return out
