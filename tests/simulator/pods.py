"""Writes and watches for the simulator: namespaces and pods, pod phases over time.

Served (hooked in at the top of ``_App.route``; everything else falls through to the read-only
routes, which then list and get the objects created here too):

* ``POST /api/v1/namespaces`` (``generateName`` honoured), ``DELETE /api/v1/namespaces/<n>``
  (its pods go with it);
* ``POST /api/v1/namespaces/<ns>/pods``: ``dryRun=All`` (validated and admitted, stored
  nowhere), 409 AlreadyExists, 422 Invalid without containers, 404 for a missing namespace,
  403 from Pod Security (namespace ``enforce`` label ``baseline``/``restricted``), from SCC
  admission (:attr:`PodScript.scc_denied`) and for a namespace whose default service account
  is not there yet (:attr:`PodScript.sa_delay`), all with the real servers' messages;
* ``DELETE /api/v1/namespaces/<ns>/pods/<p>`` (grace period 0: gone at once; else after
  :attr:`PodScript.graceful_delete`);
* ``GET ...?watch=true`` on pods (all namespaces or one) and namespaces: JSON lines ``ADDED`` /
  ``MODIFIED`` / ``DELETED`` from ``resourceVersion`` on, an ``ERROR`` event with a 410 Status
  (reason ``Expired``) for a resourceVersion older than the kept history, as the watch cache
  does; ``timeoutSeconds`` ends the stream;
* ``GET .../pods/<p>/exec``: the websocket in :mod:`tests.simulator.exec`.

Pod phases: Pending (``ContainerCreating``) -> Running after :attr:`PodScript.start_delay`,
or per node (:attr:`PodScript.node_outcomes`) ``ImagePullBackOff`` (``ErrImagePull`` first),
``NodeAffinity``, ``OutOfpods`` (kubelet rejections: phase Failed) or ``Pending`` (never
starts). A namespace node selector (``openshift.io/node-selector``, else
:attr:`PodScript.default_node_selector`) that excludes the node gives ``NodeAffinity`` too.
"""

from __future__ import annotations

import asyncio
import copy
import fnmatch
import json
import logging
import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.simulator.capture import Resource

if TYPE_CHECKING:
    from tests.simulator.server import Simulator, _App

__all__ = ["PodScript", "Workloads"]

log = logging.getLogger(__name__)

_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_KEYS = {
    "pods": ("", "v1", "pods", "Pod", True),
    "namespaces": ("", "v1", "namespaces", "Namespace", False),
}


@dataclass
class PodScript:
    """How pods behave; mutable while the simulator runs.

    Attributes:
        start_delay: seconds from creation to Running (and to each scripted failure step).
        node_outcomes: node -> ``ImagePullBackOff``, ``NodeAffinity``, ``OutOfpods`` or
            ``Pending`` (never starts); other nodes run.
        scc_denied: privileged pods are refused by SCC admission (the user lacks ``use`` of
            SCC privileged).
        sa_delay: seconds after a namespace's creation during which its ``default`` service
            account does not exist yet (pod creation is refused meanwhile).
        default_node_selector: the cluster's default project node selector.
        graceful_delete: seconds a pod deleted with a grace period > 0 stays (Terminating).
        exec_latency: seconds every exec takes before it answers.
        exec_delays: ``fnmatch`` pattern on the host argv joined by spaces -> extra seconds.
        exec_protocols: websocket subprotocols the exec endpoint accepts, preferred first.
        container_answers: ``fnmatch`` pattern on a command run in the debug container itself
            (not ``chroot /host``), joined by spaces -> (stdout bytes, stderr bytes, exit code);
            e.g. a ``timeout ... tcpdump ...`` answering a canned pcap. First match wins.
        history: watch events kept; older resourceVersions get 410 Expired.
    """

    start_delay: float = 0.05
    node_outcomes: dict[str, str] = field(default_factory=dict)
    scc_denied: bool = False
    sa_delay: float = 0.0
    default_node_selector: str = ""
    graceful_delete: float = 0.1
    exec_latency: float = 0.0
    exec_delays: dict[str, float] = field(default_factory=dict)
    exec_protocols: tuple[str, ...] = ("v5.channel.k8s.io", "v4.channel.k8s.io")
    container_answers: dict[str, tuple[bytes, bytes, int]] = field(default_factory=dict)
    history: int = 1000


class _Invalid(Exception):
    def __init__(self, code: int, reason: str, message: str, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.code, self.reason, self.message, self.details = code, reason, message, details


@dataclass
class _Watcher:
    plural: str
    namespace: str | None
    label_sel: str
    field_sel: str
    queue: asyncio.Queue[tuple[str, dict[str, Any]]]


class Workloads:
    """Namespaces and pods that clients create; runs on the simulator's event loop."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.script = PodScript()
        self.events: list[tuple[int, str, str, dict[str, Any]]] = []
        self.compacted_rv = 0
        self.watchers: list[_Watcher] = []
        self.namespace_born: dict[str, float] = {}

    # ----------------------------------------------------------------------- test helpers

    def call(self, fn: Any, *args: Any) -> Any:
        """Run ``fn(*args)`` on the simulator's loop thread and return its result."""
        loop = self.sim._loop
        assert loop is not None, "simulator not started"

        async def run() -> Any:
            return fn(*args)

        return asyncio.run_coroutine_threadsafe(run(), loop).result(10)

    def objects(self, plural: str, *, label_selector: str = "") -> list[dict[str, Any]]:
        """Copies of the stored pods or namespaces matching a label selector (thread-safe)."""
        from tests.simulator.server import _labels_match

        def pick() -> list[dict[str, Any]]:
            res = self.sim.state.resource("", plural)
            return [
                copy.deepcopy(o)
                for o in (res.objects if res else [])
                if _labels_match(o["metadata"].get("labels") or {}, label_selector)
            ]

        return list(self.call(pick))

    def inject(self, obj: dict[str, Any]) -> None:
        """Store a pod or namespace as it is (e.g. a leftover with an old creationTimestamp)."""

        def add() -> None:
            plural = "pods" if obj["kind"] == "Pod" else "namespaces"
            stored = copy.deepcopy(obj)
            stored["metadata"]["resourceVersion"] = self._bump()
            self._resource(plural).objects.append(stored)
            self._emit(plural, "ADDED", stored)

        self.call(add)

    def compact(self) -> None:
        """Forget the watch history: every older resourceVersion now gets 410 Expired."""

        def drop() -> None:
            self.events.clear()
            self.compacted_rv = self.sim.state.resource_version

        self.call(drop)

    # ---------------------------------------------------------------------------- routing

    async def handle(self, app: _App, request: web.Request, user: str) -> web.StreamResponse | None:
        """Answer the writes, watches and exec; ``None`` for what the read-only routes serve."""
        segs = [s for s in request.path.split("/") if s]
        if len(segs) < 3 or segs[:2] != ["api", "v1"]:
            return None
        rest = segs[2:]
        method = request.method
        watch = request.query.get("watch", "") in ("true", "1")
        mine = (
            (method in ("POST", "DELETE") and rest[0] == "namespaces")
            or (method == "GET" and watch)
            or (method == "GET" and len(rest) == 5 and rest[2] == "pods" and rest[4] == "exec")
        )
        if not mine:
            return None
        if user == "system:anonymous":
            return _status(
                403,
                "Forbidden",
                f'forbidden: User "system:anonymous" cannot {method.lower()} path "{request.path}"',
            )
        try:
            if method == "GET" and len(rest) == 5:
                from tests.simulator.exec import serve_exec

                return await serve_exec(self, app, request, user, rest[1], rest[3])
            if method == "GET":
                return await self._watch(app, request, user, rest)
            if method == "POST" and rest == ["namespaces"]:
                return await self._create_namespace(app, request, user)
            if method == "DELETE" and len(rest) == 2:
                return self._delete_namespace(app, request, user, rest[1])
            if method == "POST" and len(rest) == 3 and rest[2] == "pods":
                return await self._create_pod(app, request, user, rest[1])
            if method == "DELETE" and len(rest) == 4 and rest[2] == "pods":
                return await self._delete_pod(app, request, user, rest[1], rest[3])
        except _Invalid as err:
            return _status(err.code, err.reason, err.message, err.details)
        return _status(
            405, "MethodNotAllowed", f"the simulator does not serve {method} {request.path}"
        )

    # ------------------------------------------------------------------------ namespaces

    async def _create_namespace(self, app: _App, request: web.Request, user: str) -> web.Response:
        body = await _json_body(request)
        res = self._resource("namespaces")
        app._authorize(user, res, "create")
        meta = body.setdefault("metadata", {})
        name = meta.get("name") or ""
        if not name and meta.get("generateName"):
            name = meta["generateName"] + _suffix()
        if not name:
            raise _Invalid(
                422,
                "Invalid",
                'Namespace "" is invalid: metadata.name: Required value: name or generateName is required',
            )
        if res.find(name) is not None:
            raise _Invalid(
                409,
                "AlreadyExists",
                f'namespaces "{name}" already exists',
                {"name": name, "kind": "namespaces"},
            )
        meta.update(name=name, uid=str(uuid.uuid4()), creationTimestamp=_now())
        meta.setdefault("labels", {})["kubernetes.io/metadata.name"] = name
        body["spec"] = {"finalizers": ["kubernetes"]}
        body["status"] = {"phase": "Active"}
        body.update(apiVersion="v1", kind="Namespace")
        if request.query.get("dryRun") == "All":
            return web.json_response(body, status=201)
        meta["resourceVersion"] = self._bump()
        res.objects.append(body)
        self.namespace_born[name] = time.monotonic()
        self._emit("namespaces", "ADDED", body)
        return web.json_response(body, status=201)

    def _delete_namespace(
        self, app: _App, request: web.Request, user: str, name: str
    ) -> web.Response:
        res = self._resource("namespaces")
        app._authorize(user, res, "delete", name=name)
        obj = res.find(name)
        if obj is None:
            raise _Invalid(
                404,
                "NotFound",
                f'namespaces "{name}" not found',
                {"name": name, "kind": "namespaces"},
            )
        pods = self._resource("pods")
        for pod in [p for p in pods.objects if p["metadata"].get("namespace") == name]:
            self._remove("pods", pod)
        self._remove("namespaces", obj)
        out = copy.deepcopy(obj)
        out["metadata"]["deletionTimestamp"] = _now()
        out["status"] = {"phase": "Terminating"}
        return web.json_response(out)

    # ------------------------------------------------------------------------------ pods

    async def _create_pod(
        self, app: _App, request: web.Request, user: str, namespace: str
    ) -> web.Response:
        body = await _json_body(request)
        res = self._resource("pods")
        app._authorize(user, res, "create", namespace=namespace)
        ns = self._resource("namespaces").find(namespace)
        if ns is None:
            raise _Invalid(
                404,
                "NotFound",
                f'namespaces "{namespace}" not found',
                {"name": namespace, "kind": "namespaces"},
            )
        meta = body.setdefault("metadata", {})
        name = meta.get("name") or (
            meta["generateName"] + _suffix() if meta.get("generateName") else ""
        )
        spec = body.get("spec") or {}
        problems = []
        if not name:
            problems.append(
                (
                    "FieldValueRequired",
                    "metadata.name",
                    "Required value: name or generateName is required",
                )
            )
        if not spec.get("containers"):
            problems.append(("FieldValueRequired", "spec.containers", "Required value"))
        if problems:
            text = ", ".join(f"{f}: {m}" for _, f, m in problems)
            causes = [{"reason": r, "message": m, "field": f} for r, f, m in problems]
            raise _Invalid(422, "Invalid", f'Pod "{name}" is invalid: {text}' if len(problems) == 1 else f'Pod "{name}" is invalid: [{text}]',
                           {"name": name, "kind": "Pod", "causes": causes})  # fmt: skip
        if res.find(name, namespace) is not None:
            raise _Invalid(
                409,
                "AlreadyExists",
                f'pods "{name}" already exists',
                {"name": name, "kind": "pods"},
            )
        born = self.namespace_born.get(namespace)
        if born is not None and time.monotonic() - born < self.script.sa_delay:
            raise _Invalid(
                403,
                "Forbidden",
                f'pods "{name}" is forbidden: error looking up service account {namespace}/default: serviceaccount "default" not found',
                {"name": name, "kind": "pods"},
            )
        self._admit_pod_security(ns, body, name)
        self._admit_scc(body, name, user)
        meta.update(name=name, namespace=namespace, uid=str(uuid.uuid4()), creationTimestamp=_now())
        meta.setdefault("annotations", {})["openshift.io/scc"] = "privileged"
        spec.setdefault("serviceAccountName", "default")
        spec.setdefault("dnsPolicy", "ClusterFirst")
        spec.setdefault("schedulerName", "default-scheduler")
        body.update(apiVersion="v1", kind="Pod", spec=spec)
        node = spec.get("nodeName")
        body["status"] = {"phase": "Pending", "qosClass": "BestEffort"}
        if request.query.get("dryRun") == "All":
            return web.json_response(body, status=201)
        if node:
            body["status"].update(
                hostIP=self._node_ip(node),
                startTime=_now(),
                containerStatuses=[
                    _waiting(c, "ContainerCreating", "") for c in spec["containers"]
                ],
            )
        meta["resourceVersion"] = self._bump()
        res.objects.append(body)
        self._emit("pods", "ADDED", body)
        if node:
            self._schedule(body, self._outcome(ns, node))
        return web.json_response(body, status=201)

    async def _delete_pod(
        self, app: _App, request: web.Request, user: str, namespace: str, name: str
    ) -> web.Response:
        res = self._resource("pods")
        app._authorize(user, res, "delete", namespace=namespace, name=name)
        obj = res.find(name, namespace)
        if obj is None:
            raise _Invalid(
                404, "NotFound", f'pods "{name}" not found', {"name": name, "kind": "pods"}
            )
        grace = request.query.get("gracePeriodSeconds")
        if grace is None and request.can_read_body:
            try:
                grace = str((await request.json()).get("gracePeriodSeconds", ""))
            except (ValueError, AttributeError):
                grace = None
        if grace in ("0", "0.0"):
            self._remove("pods", obj)
            return web.json_response(obj)
        obj["metadata"]["deletionTimestamp"] = _now()
        obj["metadata"]["deletionGracePeriodSeconds"] = int(float(grace)) if grace else 30
        obj["metadata"]["resourceVersion"] = self._bump()
        self._emit("pods", "MODIFIED", obj)
        uid = obj["metadata"]["uid"]
        asyncio.get_running_loop().call_later(self.script.graceful_delete, self._remove_uid, uid)
        return web.json_response(obj)

    def _admit_pod_security(self, ns: dict[str, Any], pod: dict[str, Any], name: str) -> None:
        labels = ns["metadata"].get("labels") or {}
        level = labels.get("pod-security.kubernetes.io/enforce", "privileged")
        if level not in ("baseline", "restricted"):
            return
        version = labels.get("pod-security.kubernetes.io/enforce-version", "latest")
        spec = pod.get("spec") or {}
        found = []
        hosts = [f"{k}=true" for k in ("hostNetwork", "hostPID", "hostIPC") if spec.get(k)]
        if hosts:
            found.append(f"host namespaces ({', '.join(hosts)})")
        for c in spec.get("containers") or []:
            if (c.get("securityContext") or {}).get("privileged"):
                found.append(
                    f'privileged (container "{c["name"]}" must not set securityContext.privileged=true)'
                )
        host_paths = [v["name"] for v in spec.get("volumes") or [] if "hostPath" in v]
        if level == "baseline":
            if host_paths:
                volumes = ", ".join(f'volume "{n}"' for n in host_paths)
                found.append(f"hostPath volumes ({volumes})")
        else:
            names = [c["name"] for c in spec.get("containers") or []]
            first = names[0] if names else "container-00"
            found.append(
                f'allowPrivilegeEscalation != false (container "{first}" must set securityContext.allowPrivilegeEscalation=false)'
            )
            found.append(
                f'unrestricted capabilities (container "{first}" must set securityContext.capabilities.drop=["ALL"])'
            )
            for v in host_paths:
                found.append(
                    f'restricted volume types (volume "{v}" uses restricted volume type "hostPath")'
                )
            found.append(
                f'runAsNonRoot != true (pod or container "{first}" must set securityContext.runAsNonRoot=true)'
            )
            for c in spec.get("containers") or []:
                if (c.get("securityContext") or {}).get("runAsUser") == 0:
                    found.append(f'runAsUser=0 (container "{c["name"]}" must not set runAsUser=0)')
            found.append(
                f'seccompProfile (pod or container "{first}" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")'
            )
        if found:
            raise _Invalid(
                403,
                "Forbidden",
                f'pods "{name}" is forbidden: violates PodSecurity "{level}:{version}": {", ".join(found)}',
                {"name": name, "kind": "pods"},
            )

    def _admit_scc(self, pod: dict[str, Any], name: str, user: str) -> None:
        if not self.script.scc_denied:
            return
        spec = pod.get("spec") or {}
        privileged = any(
            (c.get("securityContext") or {}).get("privileged") for c in spec.get("containers") or []
        )
        if not privileged and not any(spec.get(k) for k in ("hostNetwork", "hostPID", "hostIPC")):
            return
        required = ((pod.get("metadata") or {}).get("annotations") or {}).get(
            "openshift.io/required-scc"
        )
        if required:
            errors = [f'provider "{required}": Forbidden: not usable by user or serviceaccount']
        else:
            errors = [
                'provider "anyuid": Forbidden: not usable by user or serviceaccount',
                "provider restricted-v2: .spec.securityContext.hostNetwork: Invalid value: true: Host network is not allowed to be used",
                "provider restricted-v2: .spec.securityContext.hostPID: Invalid value: true: Host PID is not allowed to be used",
                'spec.volumes[0]: Invalid value: "hostPath": hostPath volumes are not allowed to be used',
                "provider restricted-v2: .containers[0].privileged: Invalid value: true: Privileged containers are not allowed",
                'provider "privileged": Forbidden: not usable by user or serviceaccount',
            ]
        raise _Invalid(
            403,
            "Forbidden",
            f'pods "{name}" is forbidden: unable to validate against any security context constraint: [{", ".join(errors)}]',
            {"name": name, "kind": "pods"},
        )

    def _outcome(self, ns: dict[str, Any], node: str) -> str:
        scripted = self.script.node_outcomes.get(node)
        if scripted:
            return scripted
        nodes = self.sim.state.resource("", "nodes")
        node_obj = nodes.find(node) if nodes else None
        if node_obj is None:
            return "Pending"  # no kubelet picks the pod up
        annotations = ns["metadata"].get("annotations") or {}
        selector = annotations.get("openshift.io/node-selector")
        if selector is None:
            selector = self.script.default_node_selector
        if selector:
            from tests.simulator.server import _labels_match

            if not _labels_match(node_obj["metadata"].get("labels") or {}, selector):
                return "NodeAffinity"
        return "Running"

    def _schedule(self, pod: dict[str, Any], outcome: str) -> None:
        loop = asyncio.get_running_loop()
        uid = pod["metadata"]["uid"]
        delay = self.script.start_delay
        if outcome == "Running":
            loop.call_later(delay, self._transition, uid, _to_running)
        elif outcome == "ImagePullBackOff":
            loop.call_later(delay, self._transition, uid, _to_err_image_pull)
            loop.call_later(delay * 2, self._transition, uid, _to_backoff)
        elif outcome == "NodeAffinity":
            loop.call_later(
                delay,
                self._transition,
                uid,
                _rejected("NodeAffinity", "Pod was rejected: Predicate NodeAffinity failed"),
            )
        elif outcome == "OutOfpods":
            loop.call_later(
                delay,
                self._transition,
                uid,
                _rejected(
                    "OutOfpods",
                    "Pod was rejected: Node didn't have enough resource: pods, requested: 1, used: 250, capacity: 250",
                ),
            )

    def _transition(self, uid: str, change: Any) -> None:
        for pod in self._resource("pods").objects:
            if pod["metadata"].get("uid") == uid and not pod["metadata"].get("deletionTimestamp"):
                change(pod, self)
                pod["metadata"]["resourceVersion"] = self._bump()
                self._emit("pods", "MODIFIED", pod)
                return

    def _node_ip(self, node: str) -> str:
        nodes = self.sim.state.resource("", "nodes")
        obj = nodes.find(node) if nodes else None
        for addr in ((obj or {}).get("status") or {}).get("addresses") or []:
            if addr.get("type") == "InternalIP":
                return str(addr["address"])
        return "10.0.0.1"

    # ----------------------------------------------------------------------------- watch

    async def _watch(
        self, app: _App, request: web.Request, user: str, rest: list[str]
    ) -> web.StreamResponse:
        from tests.simulator.server import _fields_match, _labels_match

        namespace = None
        if rest[0] == "namespaces" and len(rest) == 3:
            namespace, rest = rest[1], rest[2:]
        if rest not in (["pods"], ["namespaces"]) or (namespace and rest == ["namespaces"]):
            raise _Invalid(404, "NotFound", "the simulator watches pods and namespaces only")
        plural = rest[0]
        app._authorize(user, self._resource(plural), "watch", namespace=namespace)
        q = request.query
        label_sel, field_sel = q.get("labelSelector", ""), q.get("fieldSelector", "")
        _fields_match({"metadata": {}}, field_sel)  # 400 for unknown fields, before streaming
        timeout = min(float(q.get("timeoutSeconds") or 300), 1800.0)
        rv_text = q.get("resourceVersion", "")

        def matches(obj: dict[str, Any]) -> bool:
            meta = obj.get("metadata") or {}
            return (
                (namespace is None or meta.get("namespace") == namespace)
                and _labels_match(meta.get("labels") or {}, label_sel)
                and _fields_match(obj, field_sel)
            )

        resp = web.StreamResponse(status=200, headers={"Content-Type": "application/json"})
        await resp.prepare(request)
        backlog: list[tuple[str, dict[str, Any]]] = []
        if rv_text and rv_text != "0":
            rv = int(rv_text)
            if rv < self.compacted_rv:
                current = self.sim.state.resource_version
                err = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                       "message": f"too old resource version: {rv} ({current})", "reason": "Expired", "code": 410}  # fmt: skip
                await resp.write(json.dumps({"type": "ERROR", "object": err}).encode() + b"\n")
                await resp.write_eof()
                return resp
            backlog = [
                (t, o) for erv, p, t, o in self.events if p == plural and erv > rv and matches(o)
            ]
        else:
            backlog = [
                ("ADDED", copy.deepcopy(o)) for o in self._resource(plural).objects if matches(o)
            ]
        watcher = _Watcher(plural, namespace, label_sel, field_sel, asyncio.Queue())
        self.watchers.append(watcher)
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        try:
            for kind, obj in backlog:
                await resp.write(json.dumps({"type": kind, "object": obj}).encode() + b"\n")
            while (left := end - loop.time()) > 0:
                try:
                    kind, obj = await asyncio.wait_for(watcher.queue.get(), left)
                except TimeoutError:
                    break
                if matches(obj):
                    await resp.write(json.dumps({"type": kind, "object": obj}).encode() + b"\n")
            await resp.write_eof()
        except (ConnectionResetError, ConnectionError):
            log.debug("watch client went away")
        finally:
            self.watchers.remove(watcher)
        return resp

    # ---------------------------------------------------------------------------- store

    def _resource(self, plural: str) -> Resource:
        group, version, name, kind, namespaced = _KEYS[plural]
        res = self.sim.state.resource(group, name)
        if res is None:
            res = Resource(group, version, name, kind, namespaced)
            self.sim.state.resources[(group, name)] = res
        return res

    def _bump(self) -> str:
        self.sim.state.resource_version += 1
        return str(self.sim.state.resource_version)

    def _emit(self, plural: str, kind: str, obj: dict[str, Any]) -> None:
        snapshot = copy.deepcopy(obj)
        rv = int(snapshot["metadata"].get("resourceVersion") or self.sim.state.resource_version)
        self.events.append((rv, plural, kind, snapshot))
        if len(self.events) > self.script.history:
            dropped = self.events[: len(self.events) - self.script.history]
            del self.events[: len(dropped)]
            self.compacted_rv = dropped[-1][0]
        for watcher in self.watchers:
            if watcher.plural == plural:
                watcher.queue.put_nowait((kind, snapshot))

    def _remove(self, plural: str, obj: dict[str, Any]) -> None:
        res = self._resource(plural)
        res.objects[:] = [o for o in res.objects if o is not obj]
        obj["metadata"]["resourceVersion"] = self._bump()
        self._emit(plural, "DELETED", obj)

    def _remove_uid(self, uid: str) -> None:
        for pod in self._resource("pods").objects:
            if pod["metadata"].get("uid") == uid:
                self._remove("pods", pod)
                return


# ------------------------------------------------------------------------------ helpers


def _suffix() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(5))


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _status(
    code: int, reason: str, message: str, details: dict[str, Any] | None = None
) -> web.Response:
    from tests.simulator.server import status_body

    return web.json_response(status_body(code, reason, message, details), status=code)


async def _json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError as err:
        raise _Invalid(400, "BadRequest", f"the request body is not JSON: {err}") from None
    if not isinstance(body, dict):
        raise _Invalid(400, "BadRequest", "the request body is not a JSON object")
    return body


def _waiting(container: dict[str, Any], reason: str, message: str) -> dict[str, Any]:
    waiting: dict[str, Any] = {"reason": reason}
    if message:
        waiting["message"] = message
    return {
        "name": container["name"],
        "image": container.get("image", ""),
        "imageID": "",
        "ready": False,
        "restartCount": 0,
        "started": False,
        "state": {"waiting": waiting},
        "lastState": {},
    }


def _to_running(pod: dict[str, Any], wl: Workloads) -> None:
    now = _now()
    status = pod["status"]
    node = pod["spec"].get("nodeName", "")
    ip = wl._node_ip(node)
    status.update(phase="Running", podIP=ip, podIPs=[{"ip": ip}], hostIP=ip)
    status["conditions"] = [
        {"type": t, "status": "True", "lastProbeTime": None, "lastTransitionTime": now}
        for t in (
            "PodReadyToStartContainers",
            "Initialized",
            "Ready",
            "ContainersReady",
            "PodScheduled",
        )
    ]
    status["containerStatuses"] = [
        {
            "name": c["name"],
            "image": c.get("image", ""),
            "imageID": c.get("image", "") + "@sha256:" + "0" * 64,
            "containerID": "cri-o://" + uuid.uuid4().hex + uuid.uuid4().hex,
            "ready": True,
            "restartCount": 0,
            "started": True,
            "state": {"running": {"startedAt": now}},
            "lastState": {},
        }
        for c in pod["spec"]["containers"]
    ]


def _to_err_image_pull(pod: dict[str, Any], wl: Workloads) -> None:
    image = pod["spec"]["containers"][0].get("image", "")
    host = image.split("/")[0]
    message = (
        f"initializing source docker://{image}: pinging container registry {host}: "
        f'Get "https://{host}/v2/": dial tcp: lookup {host} on 172.30.0.10:53: no such host'
    )
    pod["status"]["containerStatuses"] = [
        _waiting(c, "ErrImagePull", message) for c in pod["spec"]["containers"]
    ]


def _to_backoff(pod: dict[str, Any], wl: Workloads) -> None:
    pod["status"]["containerStatuses"] = [
        _waiting(c, "ImagePullBackOff", f'Back-off pulling image "{c.get("image", "")}"')
        for c in pod["spec"]["containers"]
    ]


def _rejected(reason: str, message: str) -> Any:
    def change(pod: dict[str, Any], wl: Workloads) -> None:
        pod["status"] = {
            "phase": "Failed",
            "reason": reason,
            "message": message,
            "startTime": _now(),
        }

    return change


def exec_delay(script: PodScript, argv: list[str]) -> float:
    """Seconds an exec of host ``argv`` takes: the latency plus the matching scripted delays."""
    joined = " ".join(argv)
    return script.exec_latency + sum(
        s for p, s in script.exec_delays.items() if fnmatch.fnmatchcase(joined, p)
    )
