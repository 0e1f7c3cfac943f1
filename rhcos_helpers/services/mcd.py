"""services.mcd - the machine-config daemon pod of each node, from the API, as a table and findings.

The machine-config daemon is not a unit: it runs as a pod of the daemon set
``openshift-machine-config-operator/machine-config-daemon`` (label
``k8s-app=machine-config-daemon``), read from the API by :func:`mcd_pods`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from rhcos_helpers._time import age, parse_time
from rhcos_helpers.errors import NotApplicable
from rhcos_helpers.findings import Finding, Severity
from rhcos_helpers.sources.base import Attempt, Source

__all__ = [
    "MCD_LABEL",
    "MCD_NAMESPACE",
    "McdPod",
    "mcd_findings",
    "mcd_frame",
    "mcd_pods",
]


MCD_NAMESPACE = "openshift-machine-config-operator"
MCD_LABEL = "k8s-app=machine-config-daemon"


@dataclass(frozen=True)
class McdPod:
    """The machine-config daemon pod of one node (``None`` fields when the node has none).

    Attributes:
        node: node name.
        pod: pod name, or ``""`` when no MCD pod is bound to the node.
        phase: ``status.phase`` (``Running``, ``Pending``...), or ``no pod``.
        ready: ``ready/total`` containers.
        restarts: restarts of all its containers.
        state: the first container state that is not running (``CrashLoopBackOff``,
            ``ContainerCreating``...), else ``Running``.
        last_termination: the last termination reason of a restarted container (``OOMKilled``,
            ``Error``), or ``""``.
        age: the pod's age.
    """

    node: str
    pod: str
    phase: str
    ready: str
    restarts: int | None
    state: str
    last_termination: str
    age: str

    @property
    def healthy(self) -> bool:
        """Running, every container ready."""
        if not self.pod or self.phase != "Running":
            return False
        ready, _, total = self.ready.partition("/")
        return ready == total


def mcd_pods(source: Source, *, nodes: Sequence[str]) -> list[McdPod]:
    """The machine-config daemon pod of each node in ``nodes``, from the API.

    Raises:
        NotApplicable: the source holds no pods of that namespace (a must-gather without it),
            or a capture holds none with the label.
        ClusterAccessError: the API refused the list.

    Examples:
        >>> from rhcos_helpers.sources import open_source
        >>> [(p.node, p.ready, p.healthy) for p in mcd_pods(open_source("demo"),
        ...                                                 nodes=["worker-1", "worker-2"])]
        [('worker-1', '0/2', False), ('worker-2', '2/2', True)]
    """
    pods = source.list("pods", namespace=MCD_NAMESPACE, label_selector=MCD_LABEL)
    if not pods and source.identity.kind != "live":
        # A capture that lists the namespace but not its pods (a must-gather holding only the
        # daemon set) would otherwise read as "no daemon anywhere".
        raise NotApplicable(
            f"this capture holds no pod of {MCD_NAMESPACE} with label {MCD_LABEL}; add "
            f"`oc adm inspect ns/{MCD_NAMESPACE}` to it or run against the live cluster"
        )
    now = source.now()
    by_node: dict[str, dict[str, Any]] = {}
    for p in pods:
        node = (p.get("spec") or {}).get("nodeName")
        if node and (node not in by_node or _newer(p, by_node[node])):
            by_node[node] = p
    out = []
    for node in nodes:
        pod = by_node.get(node)
        if pod is None:
            out.append(McdPod(node, "", "no pod", "", None, "no machine-config-daemon pod on "
                              "this node", "", ""))  # fmt: skip
            continue
        out.append(_mcd_row(node, pod, now))
    return out


def _newer(a: dict[str, Any], b: dict[str, Any]) -> bool:
    ta = parse_time((a.get("metadata") or {}).get("creationTimestamp"))
    tb = parse_time((b.get("metadata") or {}).get("creationTimestamp"))
    return bool(ta and tb and ta > tb)


def _mcd_row(node: str, p: dict[str, Any], now: datetime) -> McdPod:
    status = p.get("status") or {}
    statuses = status.get("containerStatuses") or []
    ready = sum(1 for c in statuses if c.get("ready"))
    total = len(statuses) or len((p.get("spec") or {}).get("containers") or [])
    restarts = sum(int(c.get("restartCount") or 0) for c in statuses)
    state = "Running"
    last = ""
    for c in statuses:
        st = c.get("state") or {}
        if "waiting" in st:
            state = (st["waiting"] or {}).get("reason") or "Waiting"
            break
        if "terminated" in st:
            state = (st["terminated"] or {}).get("reason") or "Terminated"
            break
    for c in statuses:
        term = (c.get("lastState") or {}).get("terminated")
        if term:
            last = str(term.get("reason") or "")
            break
    if status.get("phase") == "Running" and ready < total and state == "Running":
        state = "NotReady"
    return McdPod(
        node=node,
        pod=str((p.get("metadata") or {}).get("name") or ""),
        phase=str(status.get("phase") or "Unknown"),
        ready=f"{ready}/{total}",
        restarts=restarts,
        state=state,
        last_termination=last,
        age=age((p.get("metadata") or {}).get("creationTimestamp"), now=now),
    )


def mcd_frame(pods: Sequence[McdPod]) -> pd.DataFrame:
    """MCD pods as a table (one row per node)."""
    cols = ["node", "pod", "phase", "ready", "restarts", "state", "last_termination", "age"]
    frame = pd.DataFrame([{c: getattr(p, c) for c in cols} for p in pods], columns=cols)
    frame["restarts"] = frame["restarts"].astype("Int64")
    return frame


def mcd_findings(pods: Attempt[list[McdPod]]) -> list[Finding]:
    """MCD pods missing, not ready or restarting (nothing when the pods could not be read)."""
    out: list[Finding] = []
    for p in pods.value or []:
        if not p.pod:
            out.append(
                Finding(
                    severity=Severity.WARNING,
                    title=f"No machine-config daemon pod on {p.node}",
                    what="The node gets no MachineConfig updates without its daemon; check the "
                    "machine-config-daemon daemon set and the node's taints.",
                    where=f"node/{p.node}",
                    next_runbook="50-pool-rollout",
                )
            )
        elif not p.healthy:
            out.append(
                Finding(
                    severity=Severity.WARNING,
                    title=f"Machine-config daemon on {p.node} is not ready ({p.state})",
                    what=f"Pod {p.pod}: phase {p.phase}, ready {p.ready}, restarts {p.restarts}.",
                    where=f"pod/{MCD_NAMESPACE}/{p.pod}",
                    next_runbook="50-pool-rollout",
                )
            )
        elif p.restarts:
            out.append(
                Finding(
                    severity=Severity.INFO,
                    title=f"Machine-config daemon on {p.node} restarted {p.restarts} time(s)",
                    what=f"Pod {p.pod}; last termination: {p.last_termination or 'unknown'}.",
                    where=f"pod/{MCD_NAMESPACE}/{p.pod}",
                )
            )
    return out
