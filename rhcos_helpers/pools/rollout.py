"""pools.rollout - follow a pool's rollout through the watch API; pause and unpause it safely.

A rollout, as the machine-config operator runs it, one node at a time (``maxUnavailable``):
the controller sets the node's ``desiredConfig``; the daemon goes ``Working`` and asks for a
drain (``desiredDrain=drain-<rendered>``); the node is cordoned (SchedulingDisabled) and
drained; the daemon writes the files and reboots (NotReady); back up, it sets
``currentConfig`` and ``Done`` and asks for the uncordon; the node is schedulable again. The
pool turns ``Updated=True`` when every node is done on the target.

:func:`watch_rollout` lists nodes and MachineConfigPools, then watches both from the lists'
``resourceVersion`` (the official client's ``Watch``; a ``410 Gone`` answer means the server
forgot that version: list again and watch on), and records every change of Ready,
SchedulingDisabled, the daemon's state and the current/desired config, with its time. It stops
when the pool is done, degraded, or the time is up. A capture or demo cannot be watched:
:func:`snapshot_timeline` shows what the objects' own timestamps tell instead.

The API may go away during a rollout: a single-node cluster's API server runs on the node that
reboots (MCO ``docs/SingleNodeOpenShift.md``). A lost connection is recorded as a transition of
``api`` (``reachable`` False, then True with the time it was away), the watch lists again once
the API answers and goes on; only the time limit ends it (outcome ``timeout``, saying the API is
unreachable), never the outage itself. A pool without nodes (the worker pool of compact and
single-node clusters) has nothing to follow and says so (outcome ``no nodes``).

Pausing and unpausing: :mod:`rhcos_helpers.pools.pause`.

Examples:
    >>> from rhcos_helpers.sources import open_source
    >>> from rhcos_helpers import pools
    >>> res = snapshot_timeline(pools.status.collect(open_source("demo")), pool="worker")
    >>> res.outcome, sorted({t.object for t in res.transitions})[:2]
    ('snapshot', ['machineconfigpool/worker', 'node/worker-0'])
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from rhcos_helpers._time import parse_time
from rhcos_helpers.errors import UsageError
from rhcos_helpers.pools.status import (
    ANNOTATION,
    PoolSnapshot,
    count_pool,
    node_mco,
    pool_of,
)
from rhcos_helpers.sources.base import Attempt, Source

if TYPE_CHECKING:
    from matplotlib.figure import Figure


__all__ = [
    "PHASES",
    "RolloutResult",
    "Transition",
    "figure_of",
    "for_runbook",
    "node_fields",
    "phase",
    "plot_timeline",
    "pool_fields",
    "snapshot_timeline",
    "summary",
    "timeline_frame",
    "watch_rollout",
]

log = logging.getLogger(__name__)

MCP_GROUP, MCP_VERSION, MCP_PLURAL = "machineconfiguration.openshift.io", "v1", "machineconfigpools"

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


def _name(obj: Mapping[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("name", ""))


# ------------------------------------------------------------------------------ the state


class _Tracker:
    """Objects as last seen, and the transitions between them."""

    def __init__(self, pool: str, started: datetime, clock: Callable[[], datetime]) -> None:
        self.pool = pool
        self.started = started
        self.clock = clock
        self.nodes: dict[str, dict[str, Any]] = {}
        self.pools: dict[str, dict[str, Any]] = {}
        self.transitions: list[Transition] = []
        self.phase_log: dict[str, list[tuple[datetime, str]]] = {}

    def target(self) -> str:
        p = self.pools.get(self.pool)
        return pool_fields(p)["target"] if p else ""

    def members(self) -> list[dict[str, Any]]:
        pools = list(self.pools.values())
        return [n for n in self.nodes.values() if pool_of(_labels(n), pools)[0] == self.pool]

    def _record(self, obj: str, old: Mapping[str, str], new: Mapping[str, str]) -> None:
        now = self.clock()
        for key, value in new.items():
            before = old.get(key, "")
            if before != value:
                t = Transition(now, (now - self.started).total_seconds(), obj, key, before, value)
                self.transitions.append(t)
                log.info("%s %s: %s -> %s", obj, key, before or "(none)", value or "(none)")

    def api(self, old: str, new: str) -> None:
        """Record the API going away or coming back."""
        self._record("api", {"reachable": old}, {"reachable": new})

    def set_node(self, obj: dict[str, Any], *, quiet: bool = False) -> None:
        name = _name(obj)
        old = node_fields(self.nodes[name]) if name in self.nodes else {}
        self.nodes[name] = obj
        if not quiet:
            self._record(f"node/{name}", old, node_fields(obj))

    def set_pool(self, obj: dict[str, Any], *, quiet: bool = False) -> None:
        name = _name(obj)
        old = pool_fields(self.pools[name]) if name in self.pools else {}
        self.pools[name] = obj
        if not quiet and name == self.pool:
            self._record(f"machineconfigpool/{name}", old, pool_fields(obj))

    def note_phases(self) -> None:
        now, target = self.clock(), self.target()
        for n in self.members():
            ph = phase(node_fields(n), target)
            log_ = self.phase_log.setdefault(_name(n), [])
            if not log_ or log_[-1][1] != ph:
                log_.append((now, ph))

    def spans(self, end: datetime) -> tuple[PhaseSpan, ...]:
        out = []
        for node, entries in sorted(self.phase_log.items()):
            for i, (start, ph) in enumerate(entries):
                stop = entries[i + 1][0] if i + 1 < len(entries) else end
                out.append(PhaseSpan(node, ph, start, stop))
        return tuple(out)

    def verdict(self) -> tuple[str, str] | None:
        """(outcome, message) when the watch should stop, else ``None``."""
        pool = self.pools.get(self.pool)
        if pool is None:
            return None
        fields, target = pool_fields(pool), self.target()
        members = self.members()
        bad = [
            f"{_name(n)}: {node_fields(n)['state']} {node_fields(n)['reason']}".strip()
            for n in members
            if node_fields(n)["state"] in ("Degraded", "Unreconcilable")
        ]
        if fields.get("Degraded") == "True" or bad:
            # the pool's event may come before its node's: then its condition says which node
            why = "; ".join(bad) or _degraded_message(pool) or "see conditions"
            return "degraded", f"pool {self.pool} is degraded: {why}"
        # MCO counts a node as ready only when it is Ready and uncordoned: wait for both too,
        # so the node watch's last events (the uncordon) are part of the timeline
        done = all(
            node_mco(n, list(self.pools.values())).on_target
            and node_fields(n)["Ready"] == "True"
            and node_fields(n)["SchedulingDisabled"] == "False"
            for n in members
        )
        if fields.get("Updated") == "True" and done:
            return "completed", f"pool {self.pool}: all {len(members)} node(s) run {target}"
        return None

    def progress(self) -> tuple[int, int]:
        members = self.members()
        counts = count_pool(self.pools.get(self.pool, {}), members)
        return counts.updated, counts.machine


def _degraded_message(pool: Mapping[str, Any]) -> str:
    """The messages of a pool's NodeDegraded, RenderDegraded or Degraded conditions that are True."""
    conds = (pool.get("status") or {}).get("conditions") or []
    return "; ".join(
        dict.fromkeys(
            str(c.get("message"))
            for c in conds
            if c.get("type") in ("NodeDegraded", "RenderDegraded", "Degraded")
            and c.get("status") == "True"
            and c.get("message")
        )
    )


def _labels(obj: Mapping[str, Any]) -> dict[str, str]:
    return dict((obj.get("metadata") or {}).get("labels") or {})


# ------------------------------------------------------------------------------ the watch


def watch_rollout(
    source: Source,
    *,
    pool: str,
    timeout_s: float = 1800,
    progress: bool = False,
    request_timeout_s: int = 30,
) -> RolloutResult:
    """Follow ``pool`` and its nodes until done, degraded, or ``timeout_s`` seconds.

    Args:
        source: a live source (anything else: :func:`snapshot_timeline` is returned instead).
        pool: the MachineConfigPool to follow.
        timeout_s: give up after this many seconds (outcome ``timeout``).
        progress: show a progress bar of updated nodes (``tqdm.auto``: a widget in Jupyter,
            text on a terminal). Every transition is also logged at INFO.
        request_timeout_s: each watch request's ``timeoutSeconds``; the watch is renewed from
            the last resourceVersion (the API server ends watches on its own too).

    Raises:
        UsageError: a pool the cluster does not have.
    """
    if source.identity.kind != "live" or not hasattr(source, "api_client"):
        from rhcos_helpers.pools.status import collect

        return snapshot_timeline(collect(source), pool=pool)
    from kubernetes import client as k8s

    api = source.api_client
    core: Any = k8s.CoreV1Api(api)
    custom: Any = k8s.CustomObjectsApi(api)

    def list_nodes() -> tuple[list[dict[str, Any]], str]:
        resp = core.list_node(_preload_content=False)
        body = json.loads(resp.data)
        return list(body.get("items") or []), str(body["metadata"]["resourceVersion"])

    def list_pools() -> tuple[list[dict[str, Any]], str]:
        body = custom.list_cluster_custom_object(MCP_GROUP, MCP_VERSION, MCP_PLURAL)
        return list(body.get("items") or []), str(body["metadata"]["resourceVersion"])

    def watch_pools(**kw: Any) -> Any:
        return custom.list_cluster_custom_object(MCP_GROUP, MCP_VERSION, MCP_PLURAL, **kw)

    clock = _utcnow
    started = clock()
    tracker = _Tracker(pool, started, clock)
    deadline = time.monotonic() + timeout_s
    try:
        node_items, node_rv = _first_list(list_nodes, deadline)
        pool_items, pool_rv = _first_list(list_pools, deadline)
    except _Unreachable as err:
        why = (f"the API did not answer within {timeout_s:g} s ({err}); a single node's API is "
               "away while it reboots: watch again when it answers")  # fmt: skip
        return RolloutResult(pool, "timeout", why, "", started, clock(), (), ())
    for p in pool_items:
        tracker.set_pool(p, quiet=True)
    if pool not in tracker.pools:
        names = ", ".join(sorted(tracker.pools)) or "none"
        raise UsageError(
            f"pool {pool!r} does not exist; this cluster's pools: {names} (set POOL to one of them)"
        )
    for n in node_items:
        tracker.set_node(n, quiet=True)
    if not tracker.members():
        now = clock()
        why = _no_nodes_message(pool, tracker.nodes.values(), tracker.pools.values())
        return RolloutResult(pool, "no nodes", why, tracker.target(), started, now, (), ())
    tracker.note_phases()
    events: queue.Queue[tuple[str, str, Any]] = queue.Queue()
    stop = threading.Event()
    watches: list[Any] = []
    threads = [
        threading.Thread(
            target=_watch_loop,
            args=("nodes", core.list_node, list_nodes, node_rv, events, stop, watches,
                  request_timeout_s),
            name=f"watch-nodes-{pool}", daemon=True,
        ),
        threading.Thread(
            target=_watch_loop,
            args=("machineconfigpools", watch_pools, list_pools, pool_rv, events, stop, watches,
                  request_timeout_s),
            name=f"watch-mcp-{pool}", daemon=True,
        ),
    ]  # fmt: skip
    from tqdm.auto import tqdm

    updated, total = tracker.progress()
    bar = tqdm(total=total, initial=updated, desc=f"pool {pool}", unit="node", disable=not progress)
    outcome = tracker.verdict()
    relists = 0
    lost_at: datetime | None = None
    outages: list[tuple[datetime, datetime | None]] = []
    try:
        if outcome is None:
            for t in threads:
                t.start()
        while outcome is None:
            left = deadline - time.monotonic()
            if left <= 0:
                outcome = ("timeout", f"gave up after {timeout_s:g} s; the rollout goes on")
                if lost_at is not None:
                    outcome = ("timeout", f"gave up after {timeout_s:g} s with the API "
                               f"unreachable since {lost_at:%H:%M:%S} UTC (a single node's API "
                               "is away while it reboots); the rollout goes on: watch again "
                               "when the API answers")  # fmt: skip
                break
            try:
                kind, what, payload = events.get(timeout=min(left, 0.5))
            except queue.Empty:
                continue
            if kind == "error":
                outcome = ("error", f"watch of {what} failed: {payload}")
                break
            if kind == "api-lost":
                if lost_at is None:
                    lost_at = clock()
                    tracker.api("True", f"False ({payload})")
                    bar.set_postfix_str("API unreachable")
                continue
            if kind == "api-back":
                if lost_at is not None:
                    back = clock()
                    outages.append((lost_at, back))
                    tracker.api("False", f"True (after {(back - lost_at).total_seconds():.1f} s)")
                    lost_at = None
                    bar.set_postfix_str("")
                continue
            if kind in ("relist", "resync"):
                if kind == "relist":
                    relists += 1
                    log.info("watch of %s expired (410 Gone): listed again", what)
                for obj in payload:
                    (tracker.set_node if what == "nodes" else tracker.set_pool)(obj)
            elif what == "nodes" and kind != "DELETED":
                tracker.set_node(payload)
            elif what == "machineconfigpools" and kind != "DELETED":
                tracker.set_pool(payload)
            tracker.note_phases()
            updated, total = tracker.progress()
            bar.total = total
            bar.n = updated
            bar.refresh()
            outcome = tracker.verdict()
    finally:
        stop.set()
        for w in list(watches):
            w.stop()
        bar.close()
        for t in threads:
            if t.is_alive():
                t.join(timeout=2)
    ended = clock()
    if lost_at is not None:
        outages.append((lost_at, None))
    log.info("rollout watch of pool %s: %s (%s)", pool, outcome[0], outcome[1])
    return RolloutResult(
        pool=pool,
        outcome=outcome[0],
        message=outcome[1],
        target=tracker.target(),
        started=started,
        ended=ended,
        transitions=tuple(tracker.transitions),
        spans=tracker.spans(ended),
        relists=relists,
        api_outages=tuple(outages),
    )


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


def _utcnow() -> datetime:
    return datetime.now(UTC)


#: Statuses of an API server that is (re)starting: retried as an outage, not an error.
_TRANSIENT = frozenset({0, 429, 500, 502, 503, 504})


class _Unreachable(Exception):
    """The API did not answer before the deadline."""


def _first_list(
    fn: Callable[[], tuple[list[dict[str, Any]], str]], deadline: float
) -> tuple[list[dict[str, Any]], str]:
    """``fn()``, retried while the API is away (connection errors, 5xx, 429) until ``deadline``."""
    from kubernetes.client.exceptions import ApiException
    from urllib3.exceptions import HTTPError

    failures = 0
    while True:
        try:
            return fn()
        except ApiException as err:
            if err.status not in _TRANSIENT:
                raise
            last: BaseException = err
        except (HTTPError, OSError, ValueError) as err:
            last = err
        failures += 1
        if time.monotonic() >= deadline:
            raise _Unreachable(_short(last)) from last
        time.sleep(min(2.0, 0.2 * failures, max(0.0, deadline - time.monotonic())))


def _short(err: BaseException) -> str:
    text = str(err).splitlines()[0] if str(err) else ""
    return f"{type(err).__name__}: {text}"[:120]


def _watch_loop(
    what: str,
    func: Callable[..., Any],
    relist: Callable[[], tuple[list[dict[str, Any]], str]],
    rv: str,
    events: queue.Queue[tuple[str, str, Any]],
    stop: threading.Event,
    watches: list[Any],
    request_timeout_s: int,
) -> None:
    """Watch one resource from ``rv`` until ``stop``; list again on 410 Gone.

    A connection that fails (the API server went away: a single node rebooting) is reported
    once as ``api-lost``; the loop then lists again until the API answers, reports
    ``api-back`` and the list (``resync``: what changed meanwhile), and watches on from there.
    """
    from kubernetes import watch
    from kubernetes.client.exceptions import ApiException
    from urllib3.exceptions import HTTPError

    failures = 0
    lost = False

    def away(err: BaseException) -> None:
        nonlocal lost, failures
        failures += 1
        if not lost:
            lost = True
            log.warning("watch of %s: the API went away (%s); retrying", what, _short(err))
            events.put(("api-lost", what, _short(err)))
        stop.wait(min(2.0, 0.2 * failures))

    while not stop.is_set():
        if lost:
            try:
                items, rv = relist()
            except ApiException as err:
                if err.status in _TRANSIENT:
                    away(err)
                    continue
                events.put(("error", what, f"{err.status} {err.reason}"))
                return
            except (HTTPError, OSError, ValueError) as err:
                away(err)
                continue
            lost, failures = False, 0
            log.info("watch of %s: the API answers again", what)
            events.put(("api-back", what, None))
            events.put(("resync", what, items))
        w: Any = watch.Watch()  # type: ignore[no-untyped-call]
        watches.append(w)
        try:
            for ev in w.stream(
                func,
                resource_version=rv,
                timeout_seconds=request_timeout_s,
                allow_watch_bookmarks=True,
                _request_timeout=(10, request_timeout_s + 15),
            ):
                raw = ev.get("raw_object") or {}
                new_rv = (raw.get("metadata") or {}).get("resourceVersion")
                if new_rv:
                    rv = str(new_rv)
                if ev.get("type") != "BOOKMARK":
                    events.put((str(ev.get("type")), what, raw))
                if stop.is_set():
                    break
            failures = 0
        except ApiException as err:
            if stop.is_set():
                return
            if err.status == 410:
                try:
                    items, rv = relist()
                except (ApiException, HTTPError, OSError, ValueError) as again:
                    away(again)
                    continue
                events.put(("relist", what, items))
                continue
            if err.status in _TRANSIENT:
                away(err)
                continue
            events.put(("error", what, f"{err.status} {err.reason}"))
            return
        except (HTTPError, OSError, ValueError) as err:
            if stop.is_set():
                return
            away(err)
        finally:
            if w in watches:
                watches.remove(w)


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


def for_runbook(
    source: Source,
    snap: Attempt[PoolSnapshot],
    *,
    pool: str,
    watch: bool,
    timeout_s: float,
    progress: bool = True,
) -> Attempt[RolloutResult]:
    """The runbook's timeline: a watch on a live source with ``watch``, else the snapshot."""
    if snap.value is None:
        return Attempt(None, snap.reason or "no pools")
    try:
        if watch and source.identity.kind == "live":
            return Attempt(watch_rollout(source, pool=pool, timeout_s=timeout_s, progress=progress))
        res = snapshot_timeline(snap.value, pool=pool)
    except UsageError as err:
        return Attempt(None, str(err))
    if not watch and source.identity.kind == "live" and res.outcome == "snapshot":
        res = replace(res, message="no watch: WATCH is False; " + res.message.split("; ", 1)[-1])
    return Attempt(res)


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


def figure_of(result: Attempt[RolloutResult]) -> Attempt[Figure | None]:
    """:func:`plot_timeline` of an attempt (its reason kept when there is no result)."""
    return result.map(plot_timeline)
