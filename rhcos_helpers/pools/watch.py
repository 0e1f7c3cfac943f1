"""pools.watch - follow a pool's rollout live through the watch API.

:func:`watch_rollout` lists nodes and MachineConfigPools, then watches both from the lists'
``resourceVersion`` (the official client's ``Watch``; a ``410 Gone`` answer means the server
forgot that version: list again and watch on), and records every change of Ready,
SchedulingDisabled, the daemon's state and the current/desired config, with its time
(:mod:`rhcos_helpers.pools.timeline` records). It stops when the pool is done, degraded, or the
time is up.

The API may go away during a rollout: a single-node cluster's API server runs on the node that
reboots (MCO ``docs/SingleNodeOpenShift.md``). A lost connection is recorded as a transition of
``api`` (``reachable`` False, then True with the time it was away), the watch lists again once
the API answers and goes on; only the time limit ends it (outcome ``timeout``, saying the API is
unreachable), never the outage itself. A pool without nodes (the worker pool of compact and
single-node clusters) has nothing to follow and says so (outcome ``no nodes``).
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from rhcos_helpers.errors import UsageError
from rhcos_helpers.pools.status import count_pool, node_mco, pool_of
from rhcos_helpers.pools.timeline import (
    PhaseSpan,
    RolloutResult,
    Transition,
    _labels,
    _name,
    _no_nodes_message,
    node_fields,
    phase,
    pool_fields,
    snapshot_timeline,
)
from rhcos_helpers.sources.base import Source

__all__ = ["MCP_GROUP", "MCP_PLURAL", "MCP_VERSION", "watch_rollout"]

log = logging.getLogger(__name__)

MCP_GROUP, MCP_VERSION, MCP_PLURAL = "machineconfiguration.openshift.io", "v1", "machineconfigpools"


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
