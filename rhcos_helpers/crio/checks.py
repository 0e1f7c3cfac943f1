"""checks - the findings of the CRI-O runbook: what on the nodes needs attention.

:func:`findings` turns a :class:`~rhcos_helpers.crio.fleet.CrioFleet` into
:class:`~rhcos_helpers.findings.Finding` records: nodes or facts that could not be read or
parsed, containers that restart, exited containers piling up, ``<none>`` images no container
uses, a nearly full image filesystem, and pods CRI-O runs that the API does not place on the
node (or the reverse). The thresholds are module constants.
"""

from __future__ import annotations

from rhcos_helpers.crio.analysis import image_disk_frame, restarts_frame
from rhcos_helpers.crio.fleet import CrioFleet, _unwrap
from rhcos_helpers.crio.records import (
    COL_API_RESTARTS,
    COL_CONTAINER,
    COL_NAMESPACE,
    COL_NODE,
    COL_POD,
    COL_RESTARTS,
    COL_STATE,
)
from rhcos_helpers.findings import Finding, Severity
from rhcos_helpers.sources.base import Attempt

__all__ = ["findings"]

#: Thresholds of :func:`findings`.
RESTARTS_WARN = 3
EXITED_WARN = 50
UNUSED_UNTAGGED_WARN_BYTES = 2 * 10**9
IMAGEFS_WARN_PCT = 80.0
IMAGEFS_CRITICAL_PCT = 90.0


def _api_pods_by_node(fleet: CrioFleet) -> dict[str, set[tuple[str, str]]]:
    out: dict[str, set[tuple[str, str]]] = {}
    for pod in fleet.api_pods.value or []:
        node = (pod.get("spec") or {}).get("nodeName")
        phase = (pod.get("status") or {}).get("phase")
        if not node or phase in ("Succeeded", "Failed"):
            continue
        meta = pod.get("metadata") or {}
        out.setdefault(node, set()).add((str(meta.get("namespace")), str(meta.get("name"))))
    return out


def _api_findings(fleet: CrioFleet) -> list[Finding]:
    """Pods CRI-O runs that the API does not know on that node, and the reverse.

    Only namespaces the API source holds are compared (a must-gather collects few).
    """
    if not fleet.api_pods.ok or not fleet.api_pods.value:
        return []
    by_node = _api_pods_by_node(fleet)
    known_ns = {ns for pods in by_node.values() for ns, _ in pods}
    out = []
    for node, nc in fleet.nodes.items():
        if nc.facts["crictl_pods"].status != "ok":
            continue
        crio = {(p.namespace, p.name) for p in nc.pods if p.state == "Ready" and p.namespace}
        api = by_node.get(node, set())
        extra = sorted(k for k in crio - api if k[0] in known_ns)
        gone = sorted(api - crio)
        if extra:
            out.append(
                Finding(
                    Severity.WARNING,
                    f"{len(extra)} pod(s) run in CRI-O on {node} that the API does not place there",
                    "Ready sandboxes the kubelet should have removed (or static pods): "
                    + ", ".join(f"{ns}/{n}" for ns, n in extra[:8]),
                    f"node/{node}",
                    "30-node-services",
                )
            )
        if gone:
            out.append(
                Finding(
                    Severity.WARNING,
                    f"{len(gone)} pod(s) the API places on {node} have no Ready sandbox in CRI-O",
                    "The kubelet has not started them or they died: "
                    + ", ".join(f"{ns}/{n}" for ns, n in gone[:8]),
                    f"node/{node}",
                    "30-node-services",
                )
            )
    return out


def findings(fleet: CrioFleet | Attempt[CrioFleet]) -> list[Finding]:
    """What needs attention: unread nodes, restarts, exited piles, image waste, full imagefs."""
    if isinstance(fleet, Attempt) and not fleet.ok:
        return [
            Finding(
                Severity.WARNING,
                "CRI-O facts could not be collected",
                fleet.reason or "no reason given",
                "nodes",
            )
        ]
    data = _unwrap(fleet)
    if data is None:
        return []
    out: list[Finding] = []
    unread = {n: nc.reason for n, nc in data.nodes.items() if nc.status in ("failed", "missing")}
    if unread:
        out.append(
            Finding(
                Severity.WARNING,
                f"CRI-O facts could not be read on {len(unread)} node(s)",
                "; ".join(f"{n}: {r}" for n, r in unread.items())[:600],
                ", ".join(f"node/{n}" for n in unread),
                "30-node-services",
            )
        )
    broken = {
        n: r.reason
        for n, nc in data.nodes.items()
        for r in nc.facts.values()
        if r.status == "parse-error"
    }
    if broken:
        out.append(
            Finding(
                Severity.WARNING,
                f"crictl output that does not parse on {len(broken)} node(s)",
                "; ".join(f"{n}: {r}" for n, r in broken.items())[:600],
                ", ".join(f"node/{n}" for n in broken),
            )
        )
    for row in restarts_frame(data, minimum=RESTARTS_WARN).to_dict("records"):
        count = max(int(row[COL_RESTARTS]), int(row[COL_API_RESTARTS] or 0))
        where = f"{row[COL_NAMESPACE]}/{row[COL_POD]}"
        out.append(
            Finding(
                Severity.WARNING,
                f"Container {row[COL_CONTAINER]} of {where} restarted {count} times",
                f"On node {row[COL_NODE]}, state {row[COL_STATE]}. Check its logs and the pod's "
                "events (OOMKilled, failing probes, CrashLoopBackOff).",
                f"pod/{where}",
            )
        )
    for node, nc in data.nodes.items():
        exited = sum(1 for c in nc.containers if c.state == "Exited")
        if exited >= EXITED_WARN:
            out.append(
                Finding(
                    Severity.INFO,
                    f"{exited} exited containers pile up on {node}",
                    "The kubelet's container garbage collection keeps exited containers of "
                    "restarting and deleted pods; many of them point to crash loops or churn.",
                    f"node/{node}",
                )
            )
    disk = image_disk_frame(data)
    waste = disk[disk["<none> UNUSED (GB)"] > 0]
    if not waste.empty:
        worst = float(waste["<none> UNUSED (GB)"].max())
        sev = Severity.WARNING if worst * 1e9 >= UNUSED_UNTAGGED_WARN_BYTES else Severity.INFO
        per_node = ", ".join(
            f"{r[COL_NODE]} {r['<none> UNUSED (GB)']:.1f} GB ({r['<none> UNUSED']} images)"
            for r in waste.to_dict("records")
        )
        out.append(
            Finding(
                sev,
                f"<none> images no container uses take up to {worst:.1f} GB per node",
                f"Untagged images (pulled by digest, e.g. a previous release's payload) that no "
                f"container uses: {per_node}. The kubelet's image garbage collection removes them "
                "only above its high threshold.",
                ", ".join(f"node/{n}" for n in waste[COL_NODE]),
            )
        )
    for node, nc in data.nodes.items():
        pct = nc.summary.image_fs_used_pct if nc.summary else None
        if pct is not None and pct >= IMAGEFS_WARN_PCT:
            sev = Severity.CRITICAL if pct >= IMAGEFS_CRITICAL_PCT else Severity.WARNING
            out.append(
                Finding(
                    sev,
                    f"Image filesystem {pct:.0f}% full on {node}",
                    "Above the kubelet's image GC high threshold (85% by default) images are "
                    "removed; at the eviction threshold pods are evicted (DiskPressure).",
                    f"node/{node}",
                )
            )
    out.extend(_api_findings(data))
    return out
