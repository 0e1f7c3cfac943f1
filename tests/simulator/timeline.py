"""Scripted pool rollouts for the simulator: nodes and MachineConfigPools changing over time.

Served (hooked in at the top of ``_App.route``):

* ``GET /api/v1/nodes?watch=true`` and
  ``GET /apis/machineconfiguration.openshift.io/v1/machineconfigpools?watch=true``: JSON lines
  ``ADDED``/``MODIFIED`` from ``resourceVersion`` on (all objects as ``ADDED`` without one), an
  ``ERROR`` event with a 410 Status (reason ``Expired``) for a resourceVersion older than the
  kept history, ``timeoutSeconds`` ends the stream;
* ``PATCH /apis/machineconfiguration.openshift.io/v1/machineconfigpools/<name>`` (JSON merge
  patch; ``dryRun=All`` answers the patched object and stores nothing).

A :class:`RolloutScript` plays what the machine-config operator does to each node of a pool,
one at a time (maxUnavailable 1): desiredConfig set; daemon Working and ``desiredDrain``;
cordon; drain done (``lastAppliedDrain``); reboot (Ready Unknown); Ready; currentConfig and
Done, ``desiredDrain=uncordon-``; uncordon. The pool's counts and conditions follow, computed
with :func:`rhcos_helpers.pools.status.count_pool`. Steps that change nothing send no event, so a node
caught mid-update (worker-1 of the 4.16 demo) just continues. A paused pool stops the script
before the next node; a node in :attr:`RolloutScript.degrade` goes Degraded after its drain.

Single-node OpenShift (:attr:`RolloutScript.single_node`): the daemon neither cordons nor drains
the node, and while it reboots the API is gone (:attr:`RolloutScript.api_outage_s`): every
request, and every open watch, has its connection dropped until the node is back.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

from rhcos_helpers.pools.status import count_pool, pool_of

if TYPE_CHECKING:
    from tests.simulator.server import Simulator, _App

__all__ = ["RolloutScript", "Timeline"]

log = logging.getLogger(__name__)

MCO = "machineconfiguration.openshift.io/"
_MCP = ("machineconfiguration.openshift.io", "machineconfigpools")
_NODES = ("", "nodes")


@dataclass
class RolloutScript:
    """One scripted rollout.

    Attributes:
        pool: the pool rolled out.
        target: the rendered config to roll out (default: the pool's ``spec.configuration``).
        step_s: seconds between two steps.
        reboot_s: seconds a node stays NotReady.
        trigger: ``now``, or ``watch`` (start when the first node watch arrives).
        degrade: node -> reason: that node goes Degraded after its drain (and the pool too).
        single_node: no cordon, no drain (MCO never drains a single node).
        api_outage_s: while a node reboots, the API is unreachable this long (connections
            dropped, open watches cut); ``0`` keeps it up.
    """

    pool: str = "worker"
    target: str = ""
    step_s: float = 0.05
    reboot_s: float = 0.1
    trigger: str = "now"
    degrade: dict[str, str] = field(default_factory=dict)
    single_node: bool = False
    api_outage_s: float = 0.0


#: Put in a watcher's queue: drop its connection (the API went away).
_DROP: tuple[str, dict[str, Any]] = ("DROP", {})


@dataclass
class _Watcher:
    key: tuple[str, str]
    queue: asyncio.Queue[tuple[str, dict[str, Any]] | None]


class Timeline:
    """Watches of nodes and pools, pool patches, and scripted rollouts (on the sim's loop)."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.events: list[tuple[int, tuple[str, str], str, dict[str, Any]]] = []
        self.compacted_rv = 0
        self.watchers: list[_Watcher] = []
        self.pending: RolloutScript | None = None
        self.task: asyncio.Task[None] | None = None
        self.finished = threading.Event()
        self.steps: list[tuple[str, str]] = []
        self.api_down = False
        self.outages = 0

    # ------------------------------------------------------------------- test helpers

    def _call(self, fn: Callable[[], Any]) -> Any:
        loop = self.sim._loop
        assert loop is not None, "simulator not started"

        async def run() -> Any:
            return fn()

        return asyncio.run_coroutine_threadsafe(run(), loop).result(10)

    def start(self, script: RolloutScript) -> None:
        """Start ``script`` now, or when the first node watch arrives (``trigger="watch"``)."""
        self.finished.clear()

        def go() -> None:
            if script.trigger == "watch":
                self.pending = script
            else:
                self.task = asyncio.get_running_loop().create_task(self._play(script))

        self._call(go)

    def compact(self) -> None:
        """Forget the history and end open watches: their resourceVersions now get 410."""

        def drop() -> None:
            self.sim.state.resource_version += 1
            self.compacted_rv = self.sim.state.resource_version
            self.events.clear()
            for w in self.watchers:
                w.queue.put_nowait(None)

        self._call(drop)

    # ------------------------------------------------------------------------ routing

    async def handle(self, app: _App, request: web.Request, user: str) -> web.StreamResponse | None:
        """Answer node/pool watches and pool patches; ``None`` for everything else.

        While the API is down (a single node rebooting) every request's connection is dropped.
        """
        if self.api_down:
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError  # aiohttp ends the handler without a response
        segs = [s for s in request.path.split("/") if s]
        watch = request.query.get("watch", "") in ("true", "1")
        if request.method == "GET" and watch:
            if segs == ["api", "v1", "nodes"]:
                return await self._watch(app, request, user, _NODES)
            if segs == ["apis", _MCP[0], "v1", _MCP[1]]:
                return await self._watch(app, request, user, _MCP)
            return None
        if (
            request.method == "PATCH"
            and len(segs) == 5
            and segs[:4] == ["apis", _MCP[0], "v1", _MCP[1]]
        ):
            return await self._patch_pool(app, request, user, segs[4])
        return None

    async def _patch_pool(
        self, app: _App, request: web.Request, user: str, name: str
    ) -> web.StreamResponse:
        from tests.simulator.server import status_body

        res = self.sim.state.resource(*_MCP)
        obj = res.find(name) if res else None
        if res is None or obj is None:
            body = status_body(404, "NotFound", f'machineconfigpools.{_MCP[0]} "{name}" not found',
                               {"name": name, "group": _MCP[0], "kind": "machineconfigpools"})  # fmt: skip
            return web.json_response(body, status=404)
        app._authorize(user, res, "patch", name=name)
        if "merge-patch" not in (request.headers.get("Content-Type") or ""):
            body = status_body(
                415, "UnsupportedMediaType", "the simulator takes merge patches only"
            )
            return web.json_response(body, status=415)
        patch = json.loads(await request.read())
        merged = _merge(copy.deepcopy(obj), patch)
        if request.query.get("dryRun") == "All":
            return web.json_response(merged)
        obj.clear()
        obj.update(merged)
        if obj.get("spec") != merged.get("spec"):
            obj["metadata"]["generation"] = int(obj["metadata"].get("generation", 1)) + 1
        self._modified(_MCP, obj)
        return web.json_response(obj)

    async def _watch(
        self, app: _App, request: web.Request, user: str, key: tuple[str, str]
    ) -> web.StreamResponse:
        from tests.simulator.server import _labels_match

        res = self.sim.state.resource(*key)
        if res is None:
            from tests.simulator.server import status_body

            return web.json_response(status_body(404, "NotFound", "not found"), status=404)
        app._authorize(user, res, "watch")
        q = request.query
        timeout = min(float(q.get("timeoutSeconds") or 300), 1800.0)
        rv_text = q.get("resourceVersion", "")
        sel = q.get("labelSelector", "")
        resp = web.StreamResponse(status=200, headers={"Content-Type": "application/json"})
        await resp.prepare(request)

        async def send(kind: str, obj: dict[str, Any]) -> None:
            if _labels_match((obj.get("metadata") or {}).get("labels") or {}, sel):
                await resp.write(json.dumps({"type": kind, "object": obj}).encode() + b"\n")

        if rv_text and rv_text != "0" and int(rv_text) < self.compacted_rv:
            err = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                   "message": f"too old resource version: {rv_text} ({self.compacted_rv})",
                   "reason": "Expired", "code": 410}  # fmt: skip
            await resp.write(json.dumps({"type": "ERROR", "object": err}).encode() + b"\n")
            await resp.write_eof()
            return resp
        if rv_text and rv_text != "0":
            backlog = [(t, o) for rv, k, t, o in self.events if k == key and rv > int(rv_text)]
        else:
            backlog = [("ADDED", copy.deepcopy(o)) for o in res.objects]
        watcher = _Watcher(key, asyncio.Queue())
        self.watchers.append(watcher)
        if key == _NODES and self.pending is not None:
            script, self.pending = self.pending, None
            self.task = asyncio.get_running_loop().create_task(self._play(script))
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        try:
            for kind, obj in backlog:
                await send(kind, obj)
            while (left := end - loop.time()) > 0:
                try:
                    item = await asyncio.wait_for(watcher.queue.get(), left)
                except TimeoutError:
                    break
                if item is None:
                    break
                if item is _DROP:
                    if request.transport is not None:
                        request.transport.abort()
                    raise asyncio.CancelledError
                await send(*item)
            await resp.write_eof()
        except (ConnectionResetError, ConnectionError):
            log.debug("watch client went away")
        finally:
            self.watchers.remove(watcher)
        return resp

    # -------------------------------------------------------------------------- store

    def _modified(self, key: tuple[str, str], obj: dict[str, Any]) -> None:
        self.sim.state.resource_version += 1
        rv = self.sim.state.resource_version
        obj["metadata"]["resourceVersion"] = str(rv)
        snapshot = copy.deepcopy(obj)
        self.events.append((rv, key, "MODIFIED", snapshot))
        for w in self.watchers:
            if w.key == key:
                w.queue.put_nowait(("MODIFIED", snapshot))

    # ------------------------------------------------------------------------ rollout

    async def _play(self, script: RolloutScript) -> None:
        try:
            await self._rollout(script)
        finally:
            self.finished.set()

    async def _rollout(self, s: RolloutScript) -> None:
        pools = self.sim.state.resource(*_MCP)
        nodes = self.sim.state.resource(*_NODES)
        assert pools is not None and nodes is not None
        pool = pools.find(s.pool)
        assert pool is not None, f"no pool {s.pool}"
        target = s.target or pool["spec"]["configuration"]["name"]
        pool["spec"]["configuration"]["name"] = target
        members = sorted(
            (n for n in nodes.objects if pool_of(n["metadata"].get("labels") or {}, pools.objects)[0] == s.pool),
            key=lambda n: (_phase_order(n, target), n["metadata"]["name"]),
        )  # fmt: skip
        self._sync_pool(pool, members, target)
        for node in members:
            if (
                _ann(node, "currentConfig") == target
                and _ann(node, "state") == "Done"
                and not (node.get("spec") or {}).get("unschedulable")
            ):
                continue
            while pool["spec"].get("paused"):
                await asyncio.sleep(s.step_s)
            for label, change in _steps(
                target, s.degrade.get(node["metadata"]["name"]), single_node=s.single_node
            ):
                if label == "reboot-wait":
                    await asyncio.sleep(s.reboot_s)
                    if s.api_outage_s > 0:
                        await self._outage(s.api_outage_s)
                    continue
                before = copy.deepcopy(node)
                change(node)
                if node != before:
                    self.steps.append((node["metadata"]["name"], label))
                    self._modified(_NODES, node)
                    self._sync_pool(pool, members, target)
                    await asyncio.sleep(s.step_s)
                if _ann(node, "state") == "Degraded":
                    return
        self._sync_pool(pool, members, target)

    async def _outage(self, seconds: float) -> None:
        """The API goes away for ``seconds``: requests dropped, open watches cut."""
        self.api_down = True
        self.outages += 1
        for w in self.watchers:
            w.queue.put_nowait(_DROP)
        try:
            await asyncio.sleep(seconds)
        finally:
            self.api_down = False

    def _sync_pool(self, pool: dict[str, Any], members: list[dict[str, Any]], target: str) -> None:
        before = copy.deepcopy(pool)
        c = count_pool(pool, members)
        st = pool.setdefault("status", {})
        st.update(machineCount=c.machine, updatedMachineCount=c.updated,
                  readyMachineCount=c.ready, unavailableMachineCount=c.unavailable,
                  degradedMachineCount=c.degraded)  # fmt: skip
        bad = [n for n in members if _ann(n, "state") in ("Degraded", "Unreconcilable")]
        done = c.updated_condition
        if done:
            st["configuration"] = copy.deepcopy(pool["spec"]["configuration"])
        msg_deg = (
            f'Node {bad[0]["metadata"]["name"]} is reporting: "{_ann(bad[0], "reason")}"'
            if bad
            else ""
        )
        conds = {
            "Updated": ("True" if done else "False",
                        f"All nodes are updated with MachineConfig {target}" if done else ""),
            "Updating": ("False" if done or pool["spec"].get("paused") else "True",
                         "" if done else f"All nodes are updating to MachineConfig {target}"),
            "NodeDegraded": ("True" if bad else "False", msg_deg),
            "Degraded": ("True" if bad else "False", msg_deg),
        }  # fmt: skip
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        for cond in st.setdefault("conditions", []):
            if cond.get("type") in conds:
                status, message = conds[cond["type"]]
                if cond.get("status") != status:
                    cond["lastTransitionTime"] = now
                cond["status"], cond["message"] = status, message
        if pool != before:
            self._modified(_MCP, pool)


def _ann(node: dict[str, Any], key: str) -> str:
    return str((node["metadata"].get("annotations") or {}).get(MCO + key, ""))


def _phase_order(node: dict[str, Any], target: str) -> int:
    """Nodes already on the target first, then the one mid-update, then the rest."""
    if _ann(node, "currentConfig") == target:
        return 0
    return 1 if _ann(node, "desiredConfig") == target else 2


def _set_ann(**values: str) -> Callable[[dict[str, Any]], None]:
    def change(node: dict[str, Any]) -> None:
        ann = node["metadata"].setdefault("annotations", {})
        for k, v in values.items():
            ann[MCO + k] = v

    return change


def _cordon(on: bool) -> Callable[[dict[str, Any]], None]:
    def change(node: dict[str, Any]) -> None:
        spec = node.setdefault("spec", {})
        taints = [
            t
            for t in spec.get("taints") or []
            if t.get("key") != "node.kubernetes.io/unschedulable"
        ]
        if on:
            spec["unschedulable"] = True
            taints.append({"effect": "NoSchedule", "key": "node.kubernetes.io/unschedulable",
                           "timeAdded": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")})  # fmt: skip
        else:
            spec.pop("unschedulable", None)
        if taints:
            spec["taints"] = taints
        else:
            spec.pop("taints", None)

    return change


def _ready(status: str) -> Callable[[dict[str, Any]], None]:
    def change(node: dict[str, Any]) -> None:
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        for c in node.setdefault("status", {}).setdefault("conditions", []):
            want = (
                status if c["type"] == "Ready" else ("Unknown" if status == "Unknown" else "False")
            )
            if c.get("status") != want:
                c["status"], c["lastTransitionTime"] = want, now
                c["reason"] = (
                    "NodeStatusUnknown"
                    if status == "Unknown"
                    else ("KubeletReady" if c["type"] == "Ready" else "KubeletHasSufficientMemory")
                )
        if status == "True":
            spec = node.setdefault("spec", {})
            taints = [
                t
                for t in spec.get("taints") or []
                if t.get("key") != "node.kubernetes.io/unreachable"
            ]
            if taints:
                spec["taints"] = taints
            else:
                spec.pop("taints", None)

    return change


def _steps(
    target: str, degrade: str | None, *, single_node: bool = False
) -> list[tuple[str, Callable[[dict[str, Any]], None]]]:
    if single_node:  # no cordon, no drain; nobody marks the node NotReady while the API is away
        return [
            ("desired", _set_ann(desiredConfig=target)),
            ("working", _set_ann(state="Working", reason="")),
            ("reboot-wait", lambda node: None),
            ("ready", _ready("True")),
            ("done", _set_ann(currentConfig=target, state="Done")),
        ]
    out: list[tuple[str, Callable[[dict[str, Any]], None]]] = [
        ("desired", _set_ann(desiredConfig=target)),
        ("working", _set_ann(state="Working", reason="", desiredDrain=f"drain-{target}")),
        ("cordon", _cordon(True)),
        ("drained", _set_ann(lastAppliedDrain=f"drain-{target}")),
    ]
    if degrade:
        return [*out, ("degraded", _set_ann(state="Degraded", reason=degrade))]
    return [
        *out,
        ("reboot", _ready("Unknown")),
        ("reboot-wait", lambda node: None),
        ("ready", _ready("True")),
        ("done", _set_ann(currentConfig=target, state="Done", desiredDrain=f"uncordon-{target}")),
        ("uncordon", _cordon(False)),
        ("uncordoned", _set_ann(lastAppliedDrain=f"uncordon-{target}")),
    ]


def _merge(obj: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return patch
    if not isinstance(obj, dict):
        obj = {}
    for k, v in patch.items():
        if v is None:
            obj.pop(k, None)
        else:
            obj[k] = _merge(obj.get(k), v)
    return obj
