"""pools.status - MachineConfigPools, their nodes, and why a pool is stuck, degraded or paused.

Read from the API objects only (MachineConfigPools, Nodes, Pods, PodDisruptionBudgets):

* ``oc get mcp`` rows (:func:`pool_row`), conditions, spec (paused, maxUnavailable) and
  ``status.certExpirys`` with the time left at the source's time;
* which pool each node belongs to, as the machine-config controller decides it (a custom pool
  such as ``infra`` wins over ``worker``; ``master`` wins over everything; two custom pools is
  an error), and the daemon's annotations per node (``currentConfig``, ``desiredConfig``,
  ``state``, ``reason``, ``desiredDrain``/``lastAppliedDrain``);
* the pool's counts recomputed with the controller's rules (:func:`count_pool`), beside what
  the pool reports;
* why a node does not move: :mod:`rhcos_helpers.pools.stuck`: a paused pool, a Degraded or Unreconcilable
  daemon, a drain held by a PodDisruptionBudget that allows no disruption, maxUnavailable
  reached by other unavailable nodes, a node NotReady for long during its update.

Examples:
    >>> from datetime import UTC, datetime
    >>> row = pool_row(SAMPLE_POOL, now=datetime(2026, 11, 20, tzinfo=UTC))
    >>> row.name, row.updating, row.paused, row.machine_count
    ('infra', 'False', True, 1)
    >>> [f.severity.value for f in findings([row])]
    ['warning']
    >>> pools = [{"metadata": {"name": "worker"},
    ...           "spec": {"nodeSelector": {"matchLabels": {"node-role.kubernetes.io/worker": ""}}}},
    ...          {"metadata": {"name": "infra"},
    ...           "spec": {"nodeSelector": {"matchLabels": {"node-role.kubernetes.io/infra": ""}}}}]
    >>> pool_of({"node-role.kubernetes.io/worker": "", "node-role.kubernetes.io/infra": ""}, pools)
    ('infra', '')
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from rhcos_helpers._time import age, human_duration, parse_time
from rhcos_helpers.cluster import EXTERNAL, HOSTED_REASON, SINGLE_REPLICA, control_plane_topology
from rhcos_helpers.errors import NotApplicable, UsageError
from rhcos_helpers.findings import Finding, Severity
from rhcos_helpers.machineconfigs.parse import selector_matches
from rhcos_helpers.sources.base import Attempt, Source, attempt

__all__ = [
    "ANNOTATION",
    "NodeMco",
    "PoolCounts",
    "PoolRow",
    "PoolSnapshot",
    "cert_frame",
    "collect",
    "conditions_frame",
    "count_pool",
    "counts_frame",
    "findings",
    "list_pools",
    "max_unavailable",
    "mcp_frame",
    "node_mco",
    "nodes_frame",
    "pool_of",
    "pool_row",
    "spec_frame",
    "to_frame",
]

log = logging.getLogger(__name__)

#: Prefix of the machine-config daemon's node annotations.
ANNOTATION = "machineconfiguration.openshift.io/"
_DEGRADED_STATES = ("Degraded", "Unreconcilable")
_MIRROR = "kubernetes.io/config.mirror"


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
    unavailable_count: int = 0


def _conds(obj: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {str(c.get("type")): c for c in (obj.get("status") or {}).get("conditions") or []}


def pool_row(obj: dict[str, Any], *, now: datetime) -> PoolRow:
    """Build the row of one MachineConfigPool."""
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    conds = _conds(obj)

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
        name=str((obj.get("metadata") or {}).get("name", "")),
        config=str((status.get("configuration") or {}).get("name", "")),
        updated=state("Updated"),
        updating=state("Updating"),
        degraded=state("Degraded"),
        machine_count=int(status.get("machineCount", 0) or 0),
        ready_count=int(status.get("readyMachineCount", 0) or 0),
        updated_count=int(status.get("updatedMachineCount", 0) or 0),
        degraded_count=int(status.get("degradedMachineCount", 0) or 0),
        age=age((obj.get("metadata") or {}).get("creationTimestamp"), now=now),
        paused=bool(spec.get("paused", False)),
        max_unavailable=str(spec["maxUnavailable"]) if spec.get("maxUnavailable") else "1",
        target_config=str((spec.get("configuration") or {}).get("name", "")),
        degraded_message=degraded_msgs[0] if degraded_msgs else "",
        updating_message=str(conds.get("Updating", {}).get("message", "")),
        cert_expiry=expiries[0] if expiries else "",
        unavailable_count=int(status.get("unavailableMachineCount", 0) or 0),
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


# ------------------------------------------------------------------------------ the snapshot


@dataclass(frozen=True)
class PoolSnapshot:
    """The objects this module reads, at one time.

    Attributes:
        pools: MachineConfigPool objects, sorted by name.
        nodes: Node objects, sorted by name.
        pods: all pods (for drains), or the reason they could not be read.
        pdbs: all PodDisruptionBudgets, or the reason they could not be read.
        now: the source's time (capture time, or the clock for live sources).
        kind: the source kind (``live``, ``capture``, ``demo``).
        control_plane_topology: Infrastructure ``status.controlPlaneTopology`` (``""`` when
            unknown); ``SingleReplica``: no drain, and no API while the node reboots.
    """

    pools: tuple[dict[str, Any], ...]
    nodes: tuple[dict[str, Any], ...]
    pods: Attempt[list[dict[str, Any]]]
    pdbs: Attempt[list[dict[str, Any]]]
    now: datetime
    kind: str = "live"
    control_plane_topology: str = ""

    @property
    def single_node(self) -> bool:
        """A single-node cluster: the topology says so, or the nodes' MCO annotation does."""
        return self.control_plane_topology == SINGLE_REPLICA or any(
            _ann(n, "controlPlaneTopology") == SINGLE_REPLICA for n in self.nodes
        )

    def pool(self, name: str) -> dict[str, Any]:
        """One pool object.

        Raises:
            UsageError: a pool the cluster does not have, naming the ones it has and the fix.
        """
        for p in self.pools:
            if _name(p) == name:
                return p
        names = ", ".join(_name(p) for p in self.pools) or "none"
        raise UsageError(
            f"pool {name!r} does not exist; this cluster's pools: {names} (set POOL to one of them)"
        )

    def members(self, pool: str) -> list[dict[str, Any]]:
        """Nodes the controller puts in ``pool``."""
        return [n for n in self.nodes if pool_of(_labels(n), self.pools)[0] == pool]


def collect(source: Source) -> PoolSnapshot:
    """Read pools, nodes, pods and PodDisruptionBudgets once.

    Raises:
        NotApplicable: the source has no MachineConfigPools: a hosted control plane's guest
            cluster (Infrastructure ``controlPlaneTopology: External``, said first, with where
            to look instead), or a capture that did not collect them.
    """
    topology = control_plane_topology(source)
    if topology == EXTERNAL:
        raise NotApplicable(HOSTED_REASON)
    pools = sorted(source.list("machineconfigpools"), key=_name)
    nodes = sorted(source.list("nodes"), key=_name)
    pods = attempt(source.list, "pods")
    pdbs = attempt(source.list, "poddisruptionbudgets")
    if pdbs.reason:
        pdbs = Attempt(
            None,
            f"PodDisruptionBudgets not readable ({pdbs.reason}); a blocked drain cannot be "
            "told (collect them with `oc adm inspect poddisruptionbudgets -A`)",
        )
    return PoolSnapshot(
        tuple(pools), tuple(nodes), pods, pdbs, source.now(), source.identity.kind, topology
    )


def _name(obj: Mapping[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("name", ""))


def _labels(obj: Mapping[str, Any]) -> dict[str, str]:
    return dict((obj.get("metadata") or {}).get("labels") or {})


def _ann(node: Mapping[str, Any], key: str) -> str:
    return str(((node.get("metadata") or {}).get("annotations") or {}).get(ANNOTATION + key, ""))


def _target(pool: Mapping[str, Any]) -> str:
    return str(((pool.get("spec") or {}).get("configuration") or {}).get("name", ""))


def _current(pool: Mapping[str, Any]) -> str:
    return str(((pool.get("status") or {}).get("configuration") or {}).get("name", ""))


# ---------------------------------------------------------------------------- pool tables


def conditions_frame(snap: PoolSnapshot) -> pd.DataFrame:
    """Every pool condition: POOL, TYPE, STATUS, SINCE, REASON, MESSAGE."""
    rows = [
        {
            "POOL": _name(p),
            "TYPE": c.get("type", ""),
            "STATUS": c.get("status", ""),
            "SINCE": c.get("lastTransitionTime", ""),
            "REASON": c.get("reason", ""),
            "MESSAGE": c.get("message", ""),
        }
        for p in snap.pools
        for c in (p.get("status") or {}).get("conditions") or []
    ]
    return pd.DataFrame(rows, columns=["POOL", "TYPE", "STATUS", "SINCE", "REASON", "MESSAGE"])


def max_unavailable(pool: Mapping[str, Any], machines: int) -> int:
    """``spec.maxUnavailable`` resolved as the controller does (percent rounded down, at least 1).

    Examples:
        >>> [max_unavailable({"spec": {"maxUnavailable": v}}, 10) for v in (None, 2, "25%", "5%")]
        [1, 2, 2, 1]
    """
    raw = (pool.get("spec") or {}).get("maxUnavailable")
    if raw is None or raw == "":
        return 1
    if isinstance(raw, str) and raw.endswith("%"):
        try:
            value = int(raw[:-1]) * machines // 100
        except ValueError:
            return 1
    else:
        try:
            value = int(raw)
        except (TypeError, ValueError):
            return 1
    return max(value, 1)


def spec_frame(snap: PoolSnapshot) -> pd.DataFrame:
    """Per pool: paused, maxUnavailable, target and current rendered config, selectors."""
    rows = []
    for p in snap.pools:
        spec = p.get("spec") or {}
        machines = len(snap.members(_name(p)))
        rows.append(
            {
                "POOL": _name(p),
                "PAUSED": bool(spec.get("paused", False)),
                "MAXUNAVAILABLE": str(spec.get("maxUnavailable") or "1 (default)"),
                "MAXUNAVAILABLE NODES": max_unavailable(p, machines),
                "TARGET CONFIG": _target(p),
                "CURRENT CONFIG": _current(p),
                "PENDING": bool(_target(p) and _target(p) != _current(p)),
                "NODE SELECTOR": _selector_text(spec.get("nodeSelector")),
            }
        )
    return pd.DataFrame(rows)


def _selector_text(sel: Mapping[str, Any] | None) -> str:
    if not sel:
        return "(none)"
    terms = [f"{k}={v}" for k, v in (sel.get("matchLabels") or {}).items()]
    for e in sel.get("matchExpressions") or []:
        terms.append(f"{e.get('key')} {e.get('operator')} ({','.join(e.get('values') or [])})")
    return ", ".join(terms) or "(none)"


def cert_frame(snap: PoolSnapshot) -> pd.DataFrame:
    """``status.certExpirys``: BUNDLE, SUBJECT, EXPIRY, TIME LEFT (at the source's time), POOLS.

    The same certificates appear in every pool; a paused pool does not receive a rotated
    bundle, so its pool names are marked ``(paused)``.
    """
    seen: dict[tuple[str, str, str], list[str]] = {}
    for p in snap.pools:
        paused = bool((p.get("spec") or {}).get("paused"))
        for c in (p.get("status") or {}).get("certExpirys") or []:
            key = (str(c.get("bundle", "")), str(c.get("subject", "")), str(c.get("expiry", "")))
            seen.setdefault(key, []).append(_name(p) + (" (paused)" if paused else ""))
    rows = []
    for (bundle, subject, expiry), names in sorted(seen.items(), key=lambda kv: kv[0][2]):
        when = parse_time(expiry) if expiry else None
        left = when - snap.now if when else None
        rows.append(
            {
                "BUNDLE": bundle,
                "SUBJECT": subject,
                "EXPIRY": expiry,
                "TIME LEFT": ("expired " + human_duration(-left) + " ago")
                if left is not None and left.total_seconds() < 0
                else (human_duration(left) if left is not None else "unknown"),
                "DAYS LEFT": round(left.total_seconds() / 86400, 1) if left is not None else None,
                "POOLS": ", ".join(names),
            }
        )
    return pd.DataFrame(
        rows, columns=["BUNDLE", "SUBJECT", "EXPIRY", "TIME LEFT", "DAYS LEFT", "POOLS"]
    )


# ------------------------------------------------------------------------ nodes and pools


def pool_of(labels: Mapping[str, str], pools: Sequence[Mapping[str, Any]]) -> tuple[str, str]:
    """The pool the controller puts a node in, and a note when that is not plain.

    ``master`` wins (compact clusters label masters ``worker`` too); then one custom pool
    (over ``worker``); two custom pools is an error (the controller leaves the node alone).
    Pools with an empty node selector match nothing.
    """
    matched = [
        _name(p)
        for p in pools
        if selector_matches((p.get("spec") or {}).get("nodeSelector"), labels)
    ]
    custom = [m for m in matched if m not in ("master", "worker")]
    if "master" in matched:
        note = f"also matches {', '.join(custom)}: master wins" if custom else ""
        return "master", note
    if len(custom) > 1:
        return (
            "",
            f"matches {len(custom)} custom pools ({', '.join(custom)}): the controller refuses it",
        )
    if custom:
        return custom[0], ""
    if "worker" in matched:
        return "worker", ""
    return "", "matches no pool"


@dataclass(frozen=True)
class NodeMco:
    """A node as the machine-config controller and daemon see it.

    Attributes:
        name: node name.
        pool: the pool it belongs to (``""`` when none).
        pool_note: why the pool choice is not plain (two custom pools, no pool).
        status: ``Ready``/``NotReady``/``Unknown`` plus ``,SchedulingDisabled``.
        ready: the Ready condition status.
        ready_since: when Ready last changed.
        unschedulable: ``spec.unschedulable`` (cordoned).
        state: the daemon's ``state`` annotation.
        reason: the daemon's ``reason`` annotation (the error of Degraded/Unreconcilable).
        current_config: rendered config the node runs.
        desired_config: rendered config the controller wants on it.
        desired_drain: ``drain-<rendered>``/``uncordon-<rendered>`` asked by the daemon.
        last_applied_drain: the drain or uncordon the controller completed.
        on_target: current == desired == the pool's target and state Done.
        available: not unavailable by the controller's rule.
    """

    name: str
    pool: str
    pool_note: str
    status: str
    ready: str
    ready_since: str
    unschedulable: bool
    state: str
    reason: str
    current_config: str
    desired_config: str
    desired_drain: str
    last_applied_drain: str
    on_target: bool
    available: bool

    @property
    def drain_pending(self) -> bool:
        """A drain was asked for and not completed (4.11+ drain annotations)."""
        return (
            self.desired_drain.startswith("drain-")
            and self.last_applied_drain != self.desired_drain
        )

    @property
    def updating(self) -> bool:
        """The controller gave it a new config it has not finished applying."""
        return bool(self.desired_config) and (
            self.desired_config != self.current_config or self.state != "Done"
        )


def _ready_cond(node: Mapping[str, Any]) -> dict[str, Any]:
    for c in (node.get("status") or {}).get("conditions") or []:
        if c.get("type") == "Ready":
            return dict(c)
    return {}


def _node_ready(node: Mapping[str, Any]) -> bool:
    """The controller's readiness: Ready, no DiskPressure or NetworkUnavailable, not cordoned."""
    for c in (node.get("status") or {}).get("conditions") or []:
        t, s = c.get("type"), c.get("status")
        if (t == "Ready" and s != "True") or (
            t in ("DiskPressure", "NetworkUnavailable") and s != "False"
        ):
            return False
    return not (node.get("spec") or {}).get("unschedulable")


def _node_done(node: Mapping[str, Any]) -> bool:
    cur, des = _ann(node, "currentConfig"), _ann(node, "desiredConfig")
    return bool(cur) and cur == des and _ann(node, "state") == "Done"


def _unavailable(node: Mapping[str, Any]) -> bool:
    if not _node_ready(node):
        return True
    if _node_done(node):
        return False
    failing = (
        _ann(node, "currentConfig") != _ann(node, "desiredConfig")
        and _ann(node, "state") in _DEGRADED_STATES
    )
    return not failing


def node_mco(node: Mapping[str, Any], pools: Sequence[Mapping[str, Any]]) -> NodeMco:
    """The :class:`NodeMco` of one Node object."""
    pool, note = pool_of(_labels(node), pools)
    target = next((_target(p) for p in pools if _name(p) == pool), "")
    ready = _ready_cond(node)
    unsched = bool((node.get("spec") or {}).get("unschedulable"))
    status = "Unknown" if not ready else ("Ready" if ready.get("status") == "True" else "NotReady")
    cur, des = _ann(node, "currentConfig"), _ann(node, "desiredConfig")
    return NodeMco(
        name=_name(node),
        pool=pool,
        pool_note=note,
        status=status + (",SchedulingDisabled" if unsched else ""),
        ready=str(ready.get("status", "Unknown")),
        ready_since=str(ready.get("lastTransitionTime", "")),
        unschedulable=unsched,
        state=_ann(node, "state"),
        reason=_ann(node, "reason"),
        current_config=cur,
        desired_config=des,
        desired_drain=_ann(node, "desiredDrain"),
        last_applied_drain=_ann(node, "lastAppliedDrain"),
        on_target=bool(target) and cur == des == target and _ann(node, "state") == "Done",
        available=not _unavailable(node),
    )


def nodes_frame(snap: PoolSnapshot, *, pool: str = "") -> pd.DataFrame:
    """One row per node (of ``pool``, or all): pool, status and the daemon's annotations."""
    rows = []
    for n in snap.nodes:
        m = node_mco(n, snap.pools)
        if pool and m.pool != pool:
            continue
        rows.append(
            {
                "NODE": m.name,
                "POOL": m.pool or f"(none: {m.pool_note})",
                "STATUS": m.status,
                "STATE": m.state or "(no annotation)",
                "ON TARGET": m.on_target,
                "CURRENT CONFIG": m.current_config,
                "DESIRED CONFIG": m.desired_config,
                "DESIRED DRAIN": m.desired_drain,
                "LAST APPLIED DRAIN": m.last_applied_drain,
                "REASON": m.reason,
            }
        )
    return pd.DataFrame(rows, columns=["NODE", "POOL", "STATUS", "STATE", "ON TARGET",
                                       "CURRENT CONFIG", "DESIRED CONFIG", "DESIRED DRAIN",
                                       "LAST APPLIED DRAIN", "REASON"])  # fmt: skip


@dataclass(frozen=True)
class PoolCounts:
    """A pool's counts with the controller's rules (``pkg/controller/node/status.go``)."""

    machine: int
    updated: int
    ready: int
    unavailable: int
    degraded: int

    @property
    def updated_condition(self) -> bool:
        """``Updated=True``: every node updated and ready, none unavailable."""
        return self.updated == self.ready == self.machine and self.unavailable == 0


def count_pool(pool: Mapping[str, Any], nodes: Sequence[Mapping[str, Any]]) -> PoolCounts:
    """Count the pool's member ``nodes`` as the controller does.

    updated = current == desired == target and Done; ready = updated and ready (Ready True,
    DiskPressure and NetworkUnavailable False, not cordoned); unavailable = not ready, or not
    Done while the daemon is not failing; degraded = state Degraded or Unreconcilable.
    """
    target = _target(pool)
    updated = [n for n in nodes if _node_done(n) and _ann(n, "currentConfig") == target]
    return PoolCounts(
        machine=len(nodes),
        updated=len(updated),
        ready=sum(1 for n in updated if _node_ready(n)),
        unavailable=sum(1 for n in nodes if _unavailable(n)),
        degraded=sum(1 for n in nodes if _ann(n, "state") in _DEGRADED_STATES),
    )


def counts_frame(snap: PoolSnapshot) -> pd.DataFrame:
    """Per pool and count: what the pool reports and what its nodes give by the rules."""
    rows = []
    for p in snap.pools:
        c = count_pool(p, snap.members(_name(p)))
        status = p.get("status") or {}
        for label, key, mine in (
            ("machines", "machineCount", c.machine),
            ("updated", "updatedMachineCount", c.updated),
            ("ready", "readyMachineCount", c.ready),
            ("unavailable", "unavailableMachineCount", c.unavailable),
            ("degraded", "degradedMachineCount", c.degraded),
        ):
            reported = status.get(key)
            rows.append(
                {
                    "POOL": _name(p),
                    "COUNT": label,
                    "REPORTED": reported,
                    "FROM NODES": mine,
                    "AGREE": reported is not None and int(reported) == mine,
                }
            )
    return pd.DataFrame(rows, columns=["POOL", "COUNT", "REPORTED", "FROM NODES", "AGREE"])


def mcp_frame(snap: PoolSnapshot) -> pd.DataFrame:
    """``oc get mcp`` (plus PAUSED) from a snapshot."""
    return to_frame(pool_row(p, now=snap.now) for p in snap.pools)
