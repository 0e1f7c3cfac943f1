"""pools.timeline - a rollout as transitions and phase spans: records, fields, snapshot, plot.

A rollout, as the machine-config operator runs it, one node at a time (``maxUnavailable``):
the controller sets the node's ``desiredConfig``; the daemon goes ``Working`` and asks for a
drain (``desiredDrain=drain-<rendered>``); the node is cordoned (SchedulingDisabled) and
drained; the daemon writes the files and reboots (NotReady); back up, it sets
``currentConfig`` and ``Done`` and asks for the uncordon; the node is schedulable again. The
pool turns ``Updated=True`` when every node is done on the target.

This module holds what a rollout is recorded as (:class:`Transition`, :class:`PhaseSpan`,
:class:`RolloutResult`), the fields of nodes and pools it follows, and what needs no watch: a
capture or demo cannot be watched, so :func:`snapshot_timeline` shows what the objects' own
timestamps tell. The live watch is :mod:`rhcos_helpers.pools.watch`; the runbook's calls are
:mod:`rhcos_helpers.pools.rollout`.

Examples:
    >>> from rhcos_helpers.sources import open_source
    >>> from rhcos_helpers import pools
    >>> res = snapshot_timeline(pools.status.collect(open_source("demo")), pool="worker")
    >>> res.outcome, sorted({t.object for t in res.transitions})[:2]
    ('snapshot', ['machineconfigpool/worker', 'node/worker-0'])
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from rhcos_helpers._time import parse_time
from rhcos_helpers.pools.status import ANNOTATION, PoolSnapshot, pool_of

if TYPE_CHECKING:
    from matplotlib.figure import Figure


__all__ = [
    "PHASES",
    "PhaseSpan",
    "RolloutResult",
    "Transition",
    "node_fields",
    "phase",
    "plot_timeline",
    "pool_fields",
    "snapshot_timeline",
    "summary",
    "timeline_frame",
]

#: Node phases of the timeline figure, in rollout order, with their colours.
PHASES: dict[str, str] = {
    "Pending": "#b8bbbe",  # Done on an older config
    "Cordoned": "#f0ab00",  # SchedulingDisabled, daemon Done (before or after the update)
    "Working": "#ec7a08",  # the daemon applies the config (drain, write files)
    "NotReady": "#c9190b",  # rebooting, or lost
    "Updated": "#3e8635",  # Done on the pool's target
    "Degraded": "#6a1b9a",  # Degraded or Unreconcilable
}


@dataclass(frozen=True)
class Transition:
    """One change of one field of a node or the pool.

    Attributes:
        time: when it was seen (live: the watch event's arrival; snapshot: the object's own
            ``lastTransitionTime`` or taint ``timeAdded``).
        elapsed_s: seconds since the watch started (snapshot: since the earliest time shown).
        object: ``node/<name>`` or ``machineconfigpool/<name>``.
        field: ``Ready``, ``SchedulingDisabled``, ``state``, ``currentConfig``,
            ``desiredConfig``, ``reason``, or a pool condition / ``paused``.
        old: the value before (``""`` when unknown).
        new: the value after.
    """

    time: datetime
    elapsed_s: float
    object: str
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class PhaseSpan:
    """A node in one phase from ``start`` to ``end``."""

    node: str
    phase: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class RolloutResult:
    """What a watch (or a snapshot) saw.

    Attributes:
        pool: the pool followed.
        outcome: ``completed``, ``degraded``, ``timeout``, ``snapshot`` (no watch possible),
            ``no nodes`` (the pool has none), or ``error``.
        message: one line saying why it stopped, or why there was no watch.
        target: the pool's target rendered config when it ended.
        started: when it started (snapshot: the earliest time shown).
        ended: when it ended (snapshot: the source's time).
        transitions: every change, in order.
        spans: each node's phases over time (for the figure).
        relists: how many times the watch listed again after ``410 Gone``.
        api_outages: (lost, back) times of each API outage seen; ``back`` is ``None`` when the
            API was still unreachable at the end.
    """

    pool: str
    outcome: str
    message: str
    target: str
    started: datetime
    ended: datetime
    transitions: tuple[Transition, ...]
    spans: tuple[PhaseSpan, ...]
    relists: int = 0
    api_outages: tuple[tuple[datetime, datetime | None], ...] = ()


# ------------------------------------------------------------------------------ fields


def node_fields(node: Mapping[str, Any]) -> dict[str, str]:
    """What the timeline follows on a Node.

    Examples:
        >>> node_fields(SAMPLE_NODE)["SchedulingDisabled"], node_fields(SAMPLE_NODE)["state"]
        ('True', 'Working')
    """
    ann = (node.get("metadata") or {}).get("annotations") or {}
    ready: dict[str, Any] = next(
        (c for c in (node.get("status") or {}).get("conditions") or [] if c.get("type") == "Ready"),
        {},
    )
    return {
        "Ready": str(ready.get("status", "Unknown")),
        "SchedulingDisabled": str(bool((node.get("spec") or {}).get("unschedulable"))),
        "state": str(ann.get(ANNOTATION + "state", "")),
        "currentConfig": str(ann.get(ANNOTATION + "currentConfig", "")),
        "desiredConfig": str(ann.get(ANNOTATION + "desiredConfig", "")),
        "reason": str(ann.get(ANNOTATION + "reason", "")),
    }


def pool_fields(pool: Mapping[str, Any]) -> dict[str, str]:
    """What the timeline follows on a MachineConfigPool: conditions, paused, target, counts."""
    status = pool.get("status") or {}
    out = {
        str(c.get("type")): str(c.get("status"))
        for c in status.get("conditions") or []
        if c.get("type") in ("Updated", "Updating", "Degraded")
    }
    out["paused"] = str(bool((pool.get("spec") or {}).get("paused")))
    out["target"] = str(((pool.get("spec") or {}).get("configuration") or {}).get("name", ""))
    out["updatedMachineCount"] = str(status.get("updatedMachineCount", ""))
    return out


def phase(fields: Mapping[str, str], target: str) -> str:
    """The phase of a node for the figure (see :data:`PHASES`).

    Examples:
        >>> phase(node_fields(SAMPLE_NODE), "rendered-worker-new")
        'Working'
    """
    if fields.get("state") in ("Degraded", "Unreconcilable"):
        return "Degraded"
    if fields.get("Ready") != "True":
        return "NotReady"
    done = fields.get("state") == "Done" and fields.get("currentConfig") == fields.get(
        "desiredConfig"
    )
    if not done:
        return "Working"
    if fields.get("SchedulingDisabled") == "True":
        return "Cordoned"
    return "Updated" if fields.get("currentConfig") == target else "Pending"


def _labels(obj: Mapping[str, Any]) -> dict[str, str]:
    return dict((obj.get("metadata") or {}).get("labels") or {})


def _name(obj: Mapping[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("name", ""))


def _no_nodes_message(
    pool: str, nodes: Iterable[Mapping[str, Any]], pools: Iterable[Mapping[str, Any]]
) -> str:
    """Why a pool has nothing to follow, and the pool that has the nodes."""
    all_pools = list(pools)
    others = sorted({pool_of(_labels(n), all_pools)[0] for n in nodes} - {""})
    where = f"the nodes are in pool(s) {', '.join(others)}" if others else "no node is in a pool"
    if pool == "worker":
        where += (" (a node that matches both master and worker stays in master, as on compact "
                  "and single-node clusters)")  # fmt: skip
    hint = f"; set POOL={others[0]} to follow them" if others else ""
    return f"pool {pool} has no nodes, nothing to follow: {where}{hint}"


# ------------------------------------------------------------------------------ snapshot


def snapshot_timeline(snap: PoolSnapshot, *, pool: str) -> RolloutResult:
    """What the objects' own timestamps say (a capture or demo cannot be watched).

    Per node: the Ready condition's ``lastTransitionTime`` and the ``unschedulable`` taint's
    ``timeAdded``; per pool: its conditions' ``lastTransitionTime``. The daemon's annotations
    carry no time, so the state and configs are shown as they were at the source's time.

    Raises:
        UsageError: a pool the cluster does not have.
    """
    p = snap.pool(pool)
    target = pool_fields(p)["target"]
    members = snap.members(pool)
    if not members:
        why = _no_nodes_message(pool, snap.nodes, snap.pools)
        return RolloutResult(pool, "no nodes", why, target, snap.now, snap.now, (), ())
    stamps: list[tuple[datetime, str, str, str]] = []
    for c in (p.get("status") or {}).get("conditions") or []:
        when = parse_time(c.get("lastTransitionTime"))
        if when and c.get("type") in ("Updated", "Updating", "Degraded"):
            stamps.append(
                (when, f"machineconfigpool/{pool}", str(c.get("type")), str(c.get("status")))
            )
    spans: list[PhaseSpan] = []
    for n in members:
        name, fields = _name(n), node_fields(n)
        ready: dict[str, Any] = next(
            (
                c
                for c in (n.get("status") or {}).get("conditions") or []
                if c.get("type") == "Ready"
            ),
            {},
        )
        ready_at = parse_time(ready.get("lastTransitionTime"))
        if ready_at:
            stamps.append((ready_at, f"node/{name}", "Ready", fields["Ready"]))
        cordon_at = next(
            (parse_time(t.get("timeAdded")) for t in (n.get("spec") or {}).get("taints") or []
             if t.get("key") == "node.kubernetes.io/unschedulable"),
            None,
        )  # fmt: skip
        if cordon_at:
            stamps.append((cordon_at, f"node/{name}", "SchedulingDisabled", "True"))
        now_phase = phase(fields, target)
        since = max((t for t in (ready_at, cordon_at) if t), default=snap.now)
        if cordon_at and ready_at and cordon_at < ready_at and now_phase == "NotReady":
            spans.append(PhaseSpan(name, "Working", cordon_at, ready_at))
        spans.append(PhaseSpan(name, now_phase, since, snap.now))
    stamps.sort()
    started = stamps[0][0] if stamps else snap.now
    transitions = tuple(
        Transition(t, (t - started).total_seconds(), obj, f, "", v) for t, obj, f, v in stamps
    )
    kinds = {"demo": "a demo", "capture": "a capture"}
    return RolloutResult(
        pool=pool,
        outcome="snapshot",
        message=f"no watch: {kinds.get(snap.kind, 'this source')} holds one moment, not a "
        "rollout; the times below are the objects' own (Ready lastTransitionTime, cordon "
        "taint timeAdded, pool conditions) and the phases are those at the source's time",
        target=target,
        started=started,
        ended=snap.now,
        transitions=transitions,
        spans=tuple(sorted(spans, key=lambda s: (s.node, s.start))),
    )


def timeline_frame(result: RolloutResult) -> pd.DataFrame:
    """Every transition: TIME (UTC), ELAPSED, OBJECT, FIELD, FROM, TO."""
    rows = [
        {
            "TIME": t.time.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3],
            "ELAPSED": f"{t.elapsed_s:.1f}s",
            "OBJECT": t.object,
            "FIELD": t.field,
            "FROM": t.old,
            "TO": t.new,
        }
        for t in result.transitions
    ]
    return pd.DataFrame(rows, columns=["TIME", "ELAPSED", "OBJECT", "FIELD", "FROM", "TO"])


def plot_timeline(result: RolloutResult) -> Figure | None:
    """One row per node, coloured by phase over time; ``None`` when there is nothing to draw."""
    if not result.spans:
        return None
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    nodes = sorted({s.node for s in result.spans})
    fig = Figure(figsize=(10, 0.6 * len(nodes) + 1.6))
    ax = fig.add_subplot()
    origin = min(s.start for s in result.spans)
    scale, unit = _time_scale((result.ended - origin).total_seconds())
    for i, node in enumerate(nodes):
        for s in (s for s in result.spans if s.node == node):
            start = (s.start - origin).total_seconds() / scale
            width = max((s.end - s.start).total_seconds() / scale, 1e-3)
            ax.broken_barh([(start, width)], (i - 0.35, 0.7), color=PHASES.get(s.phase, "#777"))
    ax.set_yticks(range(len(nodes)), nodes)
    ax.invert_yaxis()
    ax.set_xlabel(f"{unit} since {origin.strftime('%Y-%m-%d %H:%M:%S')} UTC")
    ax.set_title(f"Pool {result.pool}: {result.outcome}")
    used = [p for p in PHASES if any(s.phase == p for s in result.spans)]
    ax.legend(
        handles=[Patch(color=PHASES[p], label=p) for p in used],
        loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=len(used), frameon=False,
    )  # fmt: skip
    fig.tight_layout()
    return fig


def _time_scale(seconds: float) -> tuple[float, str]:
    if seconds > 7200:
        return 3600.0, "hours"
    if seconds > 180:
        return 60.0, "minutes"
    return 1.0, "seconds"


def summary(result: RolloutResult) -> dict[str, object]:
    """The result in a few lines: outcome, why, target, duration, transitions, relists, outages."""
    outages = [
        f"{lost:%H:%M:%S}-{back:%H:%M:%S} UTC ({(back - lost).total_seconds():.1f} s)"
        if back is not None
        else f"since {lost:%H:%M:%S} UTC, still unreachable at the end"
        for lost, back in result.api_outages
    ]
    return {
        "Pool": result.pool,
        "Outcome": result.outcome,
        "Why": result.message,
        "Target config": result.target,
        "From (UTC)": result.started.strftime("%Y-%m-%d %H:%M:%S"),
        "To (UTC)": result.ended.strftime("%Y-%m-%d %H:%M:%S"),
        "Transitions": len(result.transitions),
        "Re-lists after 410 Gone": result.relists,
        "API outages": "; ".join(outages) or "none",
    }
