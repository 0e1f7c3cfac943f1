"""pools.stuck - why the nodes of a MachineConfigPool do not reach the pool's target config.

Each reason is a sentence with the next step (:class:`StuckReason`): a paused pool; a daemon
``Degraded`` or ``Unreconcilable`` (its ``reason`` annotation); a drain held by a pod whose
PodDisruptionBudget allows no disruption, or that has several budgets (the eviction API refuses
it); a pod without a controller (deleted by the drain, never recreated); ``maxUnavailable``
reached by other unavailable nodes; a node NotReady for long during its update; a pool that
cannot render; a node the controller has not given the target yet. DaemonSet pods, mirror
(static) pods and finished pods never hold a drain.

Topologies: a pool with no nodes (the worker pool of compact and single-node clusters, whose
nodes all stay in pool master) is said so, not shown as a pool with nothing stuck. A single
node is never drained (MCO ``docs/SingleNodeOpenShift.md``), so no budget can hold it, and its
API is unavailable while it reboots.

Examples:
    >>> from rhcos_helpers.sources import open_source
    >>> from rhcos_helpers.pools.status import collect
    >>> [(r.node, r.kind) for r in why_stuck(collect(open_source("demo")), pool="worker")]
    [('worker-1', 'rebooting'), ('worker-2', 'max-unavailable')]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pandas as pd

from rhcos_helpers._time import human_duration, parse_time
from rhcos_helpers.cluster import hosted_findings
from rhcos_helpers.errors import UsageError
from rhcos_helpers.findings import Finding, Severity
from rhcos_helpers.machineconfigs.parse import selector_matches
from rhcos_helpers.pools.status import (
    _DEGRADED_STATES,
    _MIRROR,
    NodeMco,
    PoolSnapshot,
    _conds,
    _current,
    _name,
    _target,
    cert_frame,
    findings,
    max_unavailable,
    node_mco,
    pool_row,
)
from rhcos_helpers.sources.base import Attempt

__all__ = [
    "StuckReason",
    "drain_blockers",
    "for_runbook",
    "pool_findings",
    "runbook_findings",
    "stuck_frame",
    "why_stuck",
]


@dataclass(frozen=True)
class StuckReason:
    """Why one node (or pool) does not move, in a sentence, and the next step."""

    pool: str
    node: str
    kind: str
    severity: Severity
    why: str
    next_step: str
    objects: tuple[str, ...] = field(default_factory=tuple)


def _pdb_selects(pdb: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    """policy/v1: a null selector selects nothing, an empty one every pod of the namespace."""
    sel = (pdb.get("spec") or {}).get("selector")
    if sel is None:
        return False
    if not sel.get("matchLabels") and not sel.get("matchExpressions"):
        return True
    return selector_matches(sel, labels)


def _owner_kinds(pod: Mapping[str, Any]) -> list[str]:
    refs = (pod.get("metadata") or {}).get("ownerReferences") or []
    return [str(r.get("kind")) for r in refs if r.get("controller", True)]


def drain_blockers(
    node: str, pods: Sequence[Mapping[str, Any]], pdbs: Sequence[Mapping[str, Any]]
) -> list[tuple[str, str, str]]:
    """Pods on ``node`` a drain cannot evict: (pod, kind, detail).

    DaemonSet pods and mirror (static) pods are left alone by the drain; finished pods are
    deleted whatever their budget. ``kind`` is ``pdb`` (a budget allowing no disruption),
    ``pdbs`` (more than one budget: the eviction API refuses such a pod) or ``unmanaged``
    (no controller: deleted and not recreated - a warning, not a blocker).
    """
    out: list[tuple[str, str, str]] = []
    for pod in pods:
        meta = pod.get("metadata") or {}
        if (pod.get("spec") or {}).get("nodeName") != node:
            continue
        kinds = _owner_kinds(pod)
        if "DaemonSet" in kinds or _MIRROR in (meta.get("annotations") or {}) or "Node" in kinds:
            continue
        if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            continue
        ns, name = meta.get("namespace", ""), meta.get("name", "")
        labels = meta.get("labels") or {}
        budgets = [
            b for b in pdbs
            if (b.get("metadata") or {}).get("namespace") == ns and _pdb_selects(b, labels)
        ]  # fmt: skip
        if len(budgets) > 1:
            names = ", ".join(_name(b) for b in budgets)
            out.append((f"{ns}/{name}", "pdbs", f"selected by {len(budgets)} budgets ({names})"))
        elif budgets:
            st = budgets[0].get("status") or {}
            if int(st.get("disruptionsAllowed", 0) or 0) <= 0:
                out.append(
                    (
                        f"{ns}/{name}",
                        "pdb",
                        f"PodDisruptionBudget {_name(budgets[0])} allows 0 disruptions "
                        f"({st.get('currentHealthy', '?')} healthy, "
                        f"{st.get('desiredHealthy', '?')} needed)",
                    )
                )
        if not kinds:
            out.append((f"{ns}/{name}", "unmanaged", "no controller owns it"))
    return out


def why_stuck(
    snap: PoolSnapshot, *, pool: str = "", notready_after: timedelta = timedelta(minutes=15)
) -> list[StuckReason]:
    """Why nodes of ``pool`` (or every pool) are not on their pool's target config.

    Raises:
        UsageError: a pool the cluster does not have.
    """
    chosen = [snap.pool(pool)] if pool else list(snap.pools)
    out: list[StuckReason] = []
    for p in chosen:
        out.extend(_pool_reasons(snap, p, notready_after))
    return out


def _pool_reasons(
    snap: PoolSnapshot, p: Mapping[str, Any], notready_after: timedelta
) -> list[StuckReason]:
    name, target = _name(p), _target(p)
    members = snap.members(name)
    mcos = [node_mco(n, snap.pools) for n in members]
    out: list[StuckReason] = []
    if not members and snap.nodes:
        out.append(_no_nodes(snap, name))
    conds = _conds(p)
    if conds.get("RenderDegraded", {}).get("status") == "True":
        out.append(StuckReason(
            name, "", "render-degraded", Severity.CRITICAL,
            f"Pool {name} cannot render its config: {conds['RenderDegraded'].get('message', '')}",
            "Fix or delete the MachineConfig named in the message (runbook 40-machineconfigs); "
            "no node moves until the pool renders again.",
        ))  # fmt: skip
    paused = bool((p.get("spec") or {}).get("paused"))
    waiting = [
        m for m in mcos if not m.on_target and not m.updating and m.state not in _DEGRADED_STATES
    ]
    if paused and (waiting or (target and target != _current(p))):
        names = ", ".join(m.name for m in waiting) or "none yet"
        out.append(StuckReason(
            name, "", "paused", Severity.WARNING,
            f"Pool {name} is paused: {len(waiting)} node(s) ({names}) wait for {target}, and "
            "the kubelet CA rotation waits with them.",
            "Unpause when the nodes may reboot (section 7 shows what would land at once): "
            f"`oc patch mcp/{name} --type merge -p '{{\"spec\":{{\"paused\":false}}}}'`.",
        ))  # fmt: skip
    unavailable = [m for m in mcos if not m.available]
    limit = max_unavailable(p, len(members))
    pods, pdbs = snap.pods.value, snap.pdbs.value
    for m in mcos:
        where = f"node/{m.name}"
        if m.state in _DEGRADED_STATES:
            out.append(StuckReason(
                name, m.name, m.state.lower(), Severity.CRITICAL,
                f"The machine-config daemon on {m.name} is {m.state}: "
                f"{m.reason or '(no reason recorded)'}",
                "Read the daemon's log (`oc logs -n openshift-machine-config-operator "
                f"-c machine-config-daemon <machine-config-daemon pod on {m.name}>`), fix the "
                "MachineConfig it names (Unreconcilable: a change the daemon refuses, e.g. "
                "FIPS, directories, a user other than core), and the daemon retries.",
                (where,),
            ))  # fmt: skip
            continue
        if m.on_target:
            if m.unschedulable:
                out.append(StuckReason(
                    name, m.name, "cordoned", Severity.INFO,
                    f"{m.name} is updated but still cordoned (uncordon not yet done).",
                    "It is uncordoned right after the update; if it stays so, "
                    f"`oc adm uncordon {m.name}` after checking the daemon's log.",
                    (where,),
                ))  # fmt: skip
            continue
        if m.updating:
            out.extend(_updating_reasons(name, m, snap, pods, pdbs, notready_after))
            continue
        if paused:
            continue  # covered by the pool's paused reason
        if target and len(unavailable) < limit:
            out.append(_pending(snap, name, m, target, limit))
        if len(unavailable) >= limit:
            busy = ", ".join(u.name for u in unavailable)
            out.append(StuckReason(
                name, m.name, "max-unavailable", Severity.INFO,
                f"{m.name} waits its turn: {len(unavailable)} node(s) of pool {name} are "
                f"unavailable ({busy}) and maxUnavailable is {limit}.",
                f"Let {busy} finish (see its own row); raising maxUnavailable speeds the "
                "rollout but takes more capacity away at once.",
                (where,),
            ))  # fmt: skip
        if pods is not None and pdbs is not None and not snap.single_node:
            for pod, kind, detail in drain_blockers(m.name, pods, pdbs):
                if kind != "unmanaged":
                    out.append(StuckReason(
                        name, m.name, "drain-will-block", Severity.WARNING,
                        f"When {m.name} is drained, pod {pod} cannot be evicted: {detail}.",
                        "Scale the workload up or relax the budget before the node's turn.",
                        (where, f"pod/{pod}"),
                    ))  # fmt: skip
    return out


def _updating_reasons(
    pool: str,
    m: NodeMco,
    snap: PoolSnapshot,
    pods: list[dict[str, Any]] | None,
    pdbs: list[dict[str, Any]] | None,
    notready_after: timedelta,
) -> list[StuckReason]:
    where = f"node/{m.name}"
    out: list[StuckReason] = []
    draining = not snap.single_node and (
        m.drain_pending
        or (not m.desired_drain and m.state == "Working" and m.unschedulable and m.ready == "True")
    )
    if draining:
        if pods is None or pdbs is None:
            out.append(StuckReason(
                pool, m.name, "drain-unknown", Severity.INFO,
                f"{m.name} is being drained; whether a PodDisruptionBudget holds it cannot be "
                f"told here: {snap.pdbs.reason or snap.pods.reason}.",
                f"`oc get pdb -A` (ALLOWED DISRUPTIONS 0) and `oc get pods -A -o wide "
                f"--field-selector spec.nodeName={m.name}`.",
                (where,),
            ))  # fmt: skip
        else:
            for pod, kind, detail in drain_blockers(m.name, pods, pdbs):
                if kind == "unmanaged":
                    out.append(StuckReason(
                        pool, m.name, "unmanaged-pod", Severity.WARNING,
                        f"Pod {pod} on {m.name} has no controller: the drain deletes it and "
                        "nothing recreates it.",
                        "Recreate it elsewhere yourself, or run it from a Deployment.",
                        (where, f"pod/{pod}"),
                    ))  # fmt: skip
                    continue
                out.append(StuckReason(
                    pool, m.name, "drain-blocked", Severity.CRITICAL,
                    f"The drain of {m.name} is held: pod {pod} cannot be evicted, {detail}.",
                    "Scale the workload up so the budget allows a disruption, or delete the "
                    "pod by hand if losing it is acceptable; the controller retries the "
                    "eviction and reports a drain failure after an hour.",
                    (where, f"pod/{pod}"),
                ))  # fmt: skip
    if m.ready != "True":
        since = parse_time(m.ready_since) if m.ready_since else None
        gone = snap.now - since if since else None
        long = gone is not None and gone >= notready_after
        how = f" for {human_duration(gone)}" if gone is not None else ""
        out.append(StuckReason(
            pool, m.name, "notready-long" if long else "rebooting",
            Severity.CRITICAL if long else Severity.INFO,
            f"{m.name} is NotReady{how} while it applies {m.desired_config}"
            + (": longer than a reboot takes." if long else ": it is rebooting, as expected."),
            "Check the machine's console (cloud or BMC) and `oc get machine -n "
            "openshift-machine-api`; the node cannot be reached with `oc debug` meanwhile."
            if long else "Wait a few minutes; it should come back Ready on the new config.",
            (where,),
        ))  # fmt: skip
    elif not draining and not out:
        out.append(StuckReason(
            pool, m.name, "working", Severity.INFO,
            f"{m.name} is applying {m.desired_config} (state {m.state or 'unknown'}).",
            "Follow it with the rollout watch (WATCH=True on a live cluster).",
            (where,),
        ))  # fmt: skip
    return out


#: Reasons of a node that is, or is about to be, updating.
_MOVING = ("pending", "working", "rebooting", "notready-long", "max-unavailable")

_SNO_REBOOT = (
    "A single node is never drained: it reboots with its workloads on it, and the API is "
    "unavailable until it is back (`oc` fails meanwhile; the rollout watch reconnects)."
)


def _no_nodes(snap: PoolSnapshot, pool: str) -> StuckReason:
    pools_used = sorted({node_mco(node, snap.pools).pool for node in snap.nodes} - {""})
    shape = (
        "this single-node cluster's one node is"
        if snap.single_node
        else f"all {len(snap.nodes)} node(s) of this cluster are"
    )
    if pool == "worker":
        why = (f"{shape} in pool(s) {', '.join(pools_used) or 'none'} (a node that matches both "
               "master and worker stays in master, as on compact and single-node clusters)")  # fmt: skip
    else:
        sel = (snap.pool(pool).get("spec") or {}).get("nodeSelector") or {}
        labels = ", ".join(f"{k}={v}" for k, v in (sel.get("matchLabels") or {}).items())
        why = f"no node carries the labels its nodeSelector asks for ({labels or 'none'})"
    other = pools_used[0] if pools_used else "master"
    return StuckReason(
        pool, "", "no-nodes", Severity.INFO,
        f"Pool {pool} has no nodes: {why}. MachineConfigs only pool {pool} selects reach no "
        "node.",
        f"Set POOL={other} to see the nodes' updates; write MachineConfigs for role {other} to "
        "change them.",
    )  # fmt: skip


def _pending(snap: PoolSnapshot, pool: str, m: NodeMco, target: str, limit: int) -> StuckReason:
    sno = f" {_SNO_REBOOT}" if snap.single_node else ""
    return StuckReason(
        pool, m.name, "pending", Severity.INFO,
        f"{m.name} runs {m.current_config or 'an unknown config'}; the controller has not given "
        f"it {target} yet (it does, {limit} node(s) at a time).{sno}",
        "Follow it with the rollout watch (WATCH=True on a live cluster).",
        (f"node/{m.name}",),
    )  # fmt: skip


def stuck_frame(reasons: Sequence[StuckReason]) -> pd.DataFrame:
    """The reasons as a table: SEVERITY, POOL, NODE, KIND, WHY, NEXT STEP."""
    rows = [
        {"SEVERITY": r.severity.value, "POOL": r.pool, "NODE": r.node or "-", "KIND": r.kind,
         "WHY": r.why, "NEXT STEP": r.next_step}
        for r in reasons
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["SEVERITY", "POOL", "NODE", "KIND", "WHY", "NEXT STEP"])


def pool_findings(
    snap: PoolSnapshot, reasons: Sequence[StuckReason], *, expiry_warn_days: int = 30
) -> list[Finding]:
    """Findings: the pools' own, the serious stuck reasons, and soon-expiring certificates.

    A certificate of the kubelet CA bundle that expires within ``expiry_warn_days`` while a
    pool is paused is a finding: the paused pool's nodes do not receive the rotated bundle.
    """
    out = findings(pool_row(p, now=snap.now) for p in snap.pools)
    for r in reasons:
        if r.kind == "no-nodes":
            out.append(Finding(Severity.INFO, f"Pool {r.pool} has no nodes",
                               f"{r.why} {r.next_step}", f"machineconfigpool/{r.pool}"))  # fmt: skip
    moving = sorted({r.node for r in reasons if r.node and r.kind in _MOVING})
    if snap.single_node and moving:
        out.append(Finding(
            Severity.INFO, f"Single-node rollout: the API goes away while {moving[0]} reboots",
            f"{_SNO_REBOOT} Plan for the outage (a few minutes to much longer if the node does "
            "not come back: then only its console or SSH reach it).",
            f"node/{moving[0]}", "50-pool-rollout"))  # fmt: skip
    for r in reasons:
        if r.severity == Severity.INFO or r.kind in ("paused", "degraded", "unreconcilable"):
            continue  # the pool's own findings carry these
        where = f"node/{r.node}" if r.node else f"machineconfigpool/{r.pool}"
        title = f"{r.node or r.pool}: {r.kind.replace('-', ' ')}"
        out.append(Finding(r.severity, title, f"{r.why} {r.next_step}", where, "50-pool-rollout"))
    certs = cert_frame(snap)
    soon = certs[certs["DAYS LEFT"].notna() & (certs["DAYS LEFT"] < expiry_warn_days)]
    paused = sorted({_name(p) for p in snap.pools if (p.get("spec") or {}).get("paused")})
    if paused and not soon.empty:
        subjects = "; ".join(
            f"{s} in {left}" for s, left in zip(soon["SUBJECT"], soon["TIME LEFT"], strict=True)
        )
        out.append(
            Finding(
                Severity.CRITICAL if (soon["DAYS LEFT"] < 7).any() else Severity.WARNING,
                f"Kubelet CA certificates expire soon while pool(s) {', '.join(paused)} are paused",
                f"Expiring: {subjects}. A paused pool does not receive the rotated "
                "kube-apiserver-to-kubelet CA bundle; once the API server uses the new signer, "
                "kubelets of the paused pool reject it (oc logs, exec and metrics fail). "
                "Unpause before then (section 7 shows what lands at once).",
                ", ".join(f"machineconfigpool/{p}" for p in paused),
                "50-pool-rollout",
            )
        )
    return out


def for_runbook(snap: Attempt[PoolSnapshot], *, pool: str) -> Attempt[list[StuckReason]]:
    """:func:`why_stuck` for a runbook: an unknown pool or unreadable pools become a reason."""
    if snap.value is None:
        return Attempt(None, snap.reason or "no pools")
    try:
        return Attempt(why_stuck(snap.value, pool=pool))
    except UsageError as err:
        return Attempt(None, str(err))


def runbook_findings(
    snap: Attempt[PoolSnapshot], reasons: Attempt[list[StuckReason]]
) -> list[Finding]:
    """:func:`pool_findings`, or one finding saying why the pools could not be read."""
    if snap.value is None:
        hosted = hosted_findings(snap.reason)
        if hosted:
            return hosted
        return [
            Finding(
                Severity.INFO,
                "MachineConfigPools not available",
                f"{snap.reason} (a hosted control plane's guest cluster has no MCO objects: "
                "not applicable there).",
                "machineconfigpools",
                None,
            )
        ]
    out = pool_findings(snap.value, reasons.value or [])
    if reasons.value is None and reasons.reason:
        out.append(Finding(Severity.WARNING, "POOL parameter", reasons.reason, "parameters"))
    return out
