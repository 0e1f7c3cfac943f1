"""The API simulator: a capture served over real HTTP(S) with the Kubernetes API's formats.

Served (read-only):

* ``/version`` and ``/version/`` (all nine ``version.Info`` fields), ``/api``, ``/api/v1``,
  ``/apis``, ``/apis/<g>``, ``/apis/<g>/<v>`` (discovery for the kinds the capture holds);
* list and get of every resource present, cluster-scoped and namespaced (all-namespaces lists
  too), ``labelSelector`` (equality and existence), ``fieldSelector`` (``metadata.name``,
  ``metadata.namespace``, ``spec.nodeName``, ``status.phase``), ``limit``/``continue`` paging
  with an opaque token; Lists carry ``apiVersion``, ``kind: <Kind>List`` and
  ``metadata.resourceVersion``; items of built-in groups come without ``apiVersion``/``kind``,
  as the real server sends them, custom resources with them;
* node proxy ``stats/summary`` (``nodes/<n>/kubelet_stats_summary.out``) and ``logs/journal``
  (``nodes/<n>/journal_unit.<unit>.out`` turned into ``journalctl -o short-precise --utc``
  lines, narrowed to ``since``/``until`` as OpenShift's kubelet validates and passes them to
  journalctl: ``[+-]N(s|m|h|d)`` from the simulator's clock or ``YYYY-MM-DD HH:MM:SS`` UTC; unit
  names with characters outside ``[a-zA-Z0-9_@-]`` get 400);
* errors as ``Status`` objects: 401 for a wrong bearer token, 403 for scripted denied resources
  (and for anonymous requests outside ``/version``), 404 NotFound, 400 for selectors it does not
  understand.

Writes an SCC grant makes (service accounts, ClusterRoles, (Cluster)RoleBindings, SCC updates)
and ``PodSecurityPolicySubjectReview``: :mod:`tests.simulator.scc_writes`.
The create of a MachineConfig (with ``dryRun=All``): :mod:`tests.simulator.mc_writes`.

Faults (:class:`Faults`): per-path latency, a status (429/500/...) once, a dropped connection
once, denied resources. Every request is recorded in :attr:`Simulator.requests` (with the body
of a POST, PUT or PATCH, so tests can assert exactly what was sent).

Growth points (not built yet): exec websocket, watches, SelfSubjectRulesReview, pod phases -
each is one more branch in :meth:`_App.route`.
"""

from __future__ import annotations

import asyncio
import base64
import fnmatch
import gzip
import hashlib
import json
import logging
import re
import socket
import ssl
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from aiohttp import web
from multidict import MultiMapping

from tests.simulator import authz
from tests.simulator.capture import ClusterState, Resource, load_capture
from tests.simulator.pods import Workloads
from tests.simulator.tls import self_signed

__all__ = ["DEFAULT_TOKEN", "Faults", "RequestRecord", "Simulator", "default_capture"]

log = logging.getLogger(__name__)

DEFAULT_TOKEN = "sha256~simulator-token-0123456789abcdef"
_REPO = Path(__file__).resolve().parents[2]
DEMO_CAPTURE = _REPO / "rhcos_helpers" / "demos" / "data" / "ocp-4.16"
MINI_CAPTURE = _REPO / "tests" / "data" / "live" / "mini-capture"

#: Groups whose List items the real server sends without apiVersion/kind (built-in types and
#: OpenShift's aggregated APIs); CRD-backed groups send them.
_TYPED_GROUPS = frozenset(
    {"", "apps", "policy", "batch", "rbac.authorization.k8s.io", "certificates.k8s.io",
     "image.openshift.io", "project.openshift.io", "route.openshift.io"}
)  # fmt: skip
_FIELDS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "metadata.name": lambda o: o["metadata"].get("name"),
    "metadata.namespace": lambda o: o["metadata"].get("namespace"),
    "spec.nodeName": lambda o: (o.get("spec") or {}).get("nodeName"),
    "status.phase": lambda o: (o.get("status") or {}).get("phase"),
}


def default_capture() -> Path:
    """The generated 4.16 demo when it exists, else the tests' mini capture."""
    return DEMO_CAPTURE if (DEMO_CAPTURE / "cluster").is_dir() else MINI_CAPTURE


@dataclass
class Faults:
    """Scripted misbehaviour. Patterns are ``fnmatch`` globs on the request path (no query).

    Attributes:
        latency: pattern -> seconds to wait before answering.
        fail_once: (pattern, status) pairs; the first matching request gets that status (429
            with ``Retry-After``, 500, 503...), then the pair is used up.
        drop_once: patterns; the first matching request has its connection closed with no
            answer, then the pattern is used up.
        forbidden: resources answered with 403 for every verb: ``plural``, ``plural.group`` or
            a subresource like ``nodes/proxy``.
        retry_after: ``Retry-After`` seconds sent with 429.
    """

    latency: dict[str, float] = field(default_factory=dict)
    fail_once: list[tuple[str, int]] = field(default_factory=list)
    drop_once: list[str] = field(default_factory=list)
    forbidden: set[str] = field(default_factory=set)
    retry_after: int = 1


@dataclass(frozen=True)
class RequestRecord:
    """One request the simulator received."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    authorization: str | None
    accept: str | None
    body: bytes = b""

    def param(self, name: str) -> list[str]:
        """Values of one query parameter."""
        return [v for k, v in self.query if k == name]

    def json(self) -> Any:
        """The request body parsed as JSON (``None`` without a body)."""
        return json.loads(self.body) if self.body else None


def status_body(
    code: int, reason: str, message: str, details: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A ``Status`` object as the API server sends it with an error."""
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
    }
    if details is not None:
        body["details"] = details
    body["code"] = code
    return body


class _Error(Exception):
    def __init__(self, code: int, reason: str, message: str, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.body = status_body(code, reason, message, details)
        self.code = code


class Simulator:
    """Serve a capture over HTTP(S) on a free loopback port from a background thread.

    Args:
        capture_dir: a capture in the project layout; default :func:`default_capture`.
        tls: serve HTTPS with a self-signed certificate (IP SAN 127.0.0.1).
        token: the bearer token that authenticates (as ``user``); others get 401.
        user: the user name used in 403 messages.
        faults: scripted faults (mutable while running: tests may add to it).
        journal_gzip: send ``logs/journal`` bodies gzip-compressed without a
            Content-Encoding header (node logs stored compressed; ``oc`` sniffs them).
        clock: the nodes' clock, for relative ``since``/``until`` (default: the capture's
            ``captured_at`` when its manifest has one, so its journals stay in reach; else the
            real clock).

    Use as a context manager; ``url`` is the server's base URL.
    """

    def __init__(
        self,
        capture_dir: Path | None = None,
        *,
        tls: bool = False,
        token: str = DEFAULT_TOKEN,
        user: str = "kube:admin",
        faults: Faults | None = None,
        journal_gzip: bool = False,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.capture_dir = Path(capture_dir) if capture_dir else default_capture()
        self.state: ClusterState = load_capture(self.capture_dir)
        self.tls = tls
        self.token = token
        self.user = user
        self.faults = faults or Faults()
        self.journal_gzip = journal_gzip
        self.clock: Callable[[], datetime] = clock or _capture_clock(self.state)
        self.workloads = Workloads(self)  # pods, namespaces, watches, exec (pods.py)
        from tests.simulator.timeline import Timeline

        self.timeline = Timeline(self)  # node/pool watches, pool patches, rollouts (timeline.py)
        self.requests: list[RequestRecord] = []
        self.url = ""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------------------- lifecycle

    def __enter__(self) -> Simulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Bind a free port on 127.0.0.1 and serve until :meth:`stop`."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        ssl_ctx = self._ssl_context() if self.tls else None
        self.url = f"{'https' if self.tls else 'http'}://127.0.0.1:{port}"
        ready = threading.Event()
        failure: list[BaseException] = []

        def serve() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                app = web.Application()
                app.router.add_route("*", "/{tail:.*}", _App(self).handle)
                runner = web.AppRunner(app, access_log=None, handle_signals=False)
                loop.run_until_complete(runner.setup())
                loop.run_until_complete(web.SockSite(runner, sock, ssl_context=ssl_ctx).start())
                self._runner = runner
            except BaseException as err:  # reported to start() and re-raised there
                failure.append(err)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(runner.cleanup())
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

        self._thread = threading.Thread(target=serve, name=f"api-simulator-{port}", daemon=True)
        self._thread.start()
        ready.wait(10)
        if failure:
            raise RuntimeError(f"simulator did not start: {failure[0]}") from failure[0]

    def stop(self) -> None:
        """Stop serving and join the thread."""
        if self._loop is not None and self._thread is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
        self._thread = None

    def _ssl_context(self) -> ssl.SSLContext:
        pair = self_signed()
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        with tempfile.TemporaryDirectory(prefix="rhcos-sim-") as tmp:
            cert, key = Path(tmp) / "cert.pem", Path(tmp) / "key.pem"
            cert.write_bytes(pair.cert_pem)
            key.write_bytes(pair.key_pem)
            ctx.load_cert_chain(cert, key)
        return ctx

    # ------------------------------------------------------------------------- kubeconfig

    @property
    def ca_pem(self) -> bytes:
        """The CA (the serving certificate itself) for HTTPS; empty for HTTP."""
        return self_signed().cert_pem if self.tls else b""

    def kubeconfig_dict(
        self,
        *,
        context_name: str = "simulator",
        token: str | None = None,
        proxy_url: str | None = None,
        server: str | None = None,
        extra_contexts: tuple[str, ...] = (),
    ) -> dict[str, Any]:
        """A kubeconfig for this simulator (``token`` overrides the valid one)."""
        cluster: dict[str, Any] = {"server": server or self.url}
        if self.tls:
            cluster["certificate-authority-data"] = base64.b64encode(self.ca_pem).decode()
        if proxy_url:
            cluster["proxy-url"] = proxy_url
        contexts = [
            {
                "name": name,
                "context": {"cluster": "sim", "user": "sim-user", "namespace": "default"},
            }
            for name in (context_name, *extra_contexts)
        ]
        return {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "sim", "cluster": cluster}],
            "users": [{"name": "sim-user", "user": {"token": token or self.token}}],
            "contexts": contexts,
            "current-context": context_name,
            "preferences": {},
        }

    def write_kubeconfig(self, path: Path, *, context_name: str = "simulator", **kw: Any) -> Path:
        """Write :meth:`kubeconfig_dict` to ``path`` (mode 0600) and return it."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(self.kubeconfig_dict(context_name=context_name, **kw)))
        path.chmod(0o600)
        return path

    # ------------------------------------------------------------------------- inspection

    def requests_to(self, pattern: str) -> list[RequestRecord]:
        """Recorded requests whose path matches an ``fnmatch`` pattern."""
        with self._lock:
            return [r for r in self.requests if fnmatch.fnmatchcase(r.path, pattern)]

    def record(self, rec: RequestRecord) -> None:
        """Remember one request (called from the server thread)."""
        with self._lock:
            self.requests.append(rec)


class _App:
    """Request handling; runs on the simulator's event loop."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.state = sim.state

    async def handle(self, request: web.Request) -> web.StreamResponse:
        sim = self.sim
        sent = b""
        if request.method in ("POST", "PUT", "PATCH") and request.can_read_body:
            sent = await request.read()  # aiohttp keeps it: handlers read it again
        sim.record(
            RequestRecord(
                request.method,
                request.path,
                tuple(request.query.items()),
                request.headers.get("Authorization"),
                request.headers.get("Accept"),
                sent,
            )
        )
        for pattern, seconds in sim.faults.latency.items():
            if fnmatch.fnmatchcase(request.path, pattern):
                await asyncio.sleep(seconds)
        for pattern in list(sim.faults.drop_once):
            if fnmatch.fnmatchcase(request.path, pattern):
                sim.faults.drop_once.remove(pattern)
                if request.transport is not None:
                    request.transport.abort()
                raise asyncio.CancelledError  # aiohttp ends the handler without a response
        for pair in list(sim.faults.fail_once):
            if fnmatch.fnmatchcase(request.path, pair[0]):
                sim.faults.fail_once.remove(pair)
                return self._fault(pair[1])
        try:
            user = self._authenticate(request)
            return await self.route(request, user)
        except _Error as err:
            return web.json_response(err.body, status=err.code)

    def _fault(self, code: int) -> web.Response:
        if code == 429:
            body = status_body(
                429, "TooManyRequests", "Too many requests, please try again later.",
                {"retryAfterSeconds": self.sim.faults.retry_after},
            )  # fmt: skip
            headers = {"Retry-After": str(self.sim.faults.retry_after)}
            return web.json_response(body, status=429, headers=headers)
        reason = {500: "InternalError", 503: "ServiceUnavailable", 504: "Timeout"}.get(
            code, "InternalError"
        )
        body = status_body(code, reason, "Internal error occurred: simulated fault")
        return web.json_response(body, status=code)

    def _authenticate(self, request: web.Request) -> str:
        auth = request.headers.get("Authorization")
        if auth is None:
            return "system:anonymous"
        if auth != f"Bearer {self.sim.token}":
            raise _Error(401, "Unauthorized", "Unauthorized")
        return self.sim.user

    # ------------------------------------------------------------------------------ routing

    async def route(self, request: web.Request, user: str) -> web.StreamResponse:
        from tests.simulator import mc_writes, scc_writes  # MachineConfigs; SCC grants, reviews

        timed = await self.sim.timeline.handle(self, request, user)  # timeline.py
        if timed is not None:
            return timed
        written = await scc_writes.handle(self, request, user)
        if written is not None:
            return written
        created = await mc_writes.handle(self, request, user)
        if created is not None:
            return created
        handled = await self.sim.workloads.handle(self, request, user)
        if handled is not None:
            return handled
        if request.method == "POST" and authz.is_review_path(request.path):
            identity = getattr(self.sim, "identity", None) or authz.CLUSTER_ADMIN
            return await authz.handle(request, identity)  # tests set Simulator.identity
        if request.method != "GET":
            raise _Error(405, "MethodNotAllowed", "the simulator serves GET only")
        segs = [s for s in request.path.split("/") if s]
        if segs == ["version"]:
            return web.json_response(self._version())
        if user == "system:anonymous":
            raise _Error(
                403, "Forbidden",
                f'forbidden: User "system:anonymous" cannot get path "{request.path}"', {},
            )  # fmt: skip
        if segs == ["api"]:
            return web.json_response(self._api_versions(request))
        if segs == ["apis"]:
            return web.json_response(self._group_list())
        if len(segs) == 2 and segs[0] == "apis":
            return web.json_response(self._group(segs[1]))
        if len(segs) >= 2 and segs[0] == "api" and segs[1] == "v1":
            return await self._resource_path(request, user, "", "v1", segs[2:])
        if len(segs) >= 3 and segs[0] == "apis":
            return await self._resource_path(request, user, segs[1], segs[2], segs[3:])
        raise _Error(404, "NotFound", "the server could not find the requested resource", {})

    async def _resource_path(
        self, request: web.Request, user: str, group: str, version: str, rest: list[str]
    ) -> web.StreamResponse:
        if group not in self.state.groups() or version not in self.state.groups()[group]:
            raise _Error(404, "NotFound", "the server could not find the requested resource", {})
        if not rest:
            return web.json_response(self._resource_list(group, version))
        if group == "" and len(rest) >= 3 and rest[0] == "nodes" and rest[2] == "proxy":
            return await self._node_proxy(request, user, rest[1], "/".join(rest[3:]))
        namespace = None
        if rest[0] == "namespaces" and len(rest) >= 3:
            namespace, rest = rest[1], rest[2:]
        res = self.state.resource(group, rest[0])
        if res is None or res.version != version or (namespace and not res.namespaced):
            raise _Error(404, "NotFound", "the server could not find the requested resource", {})
        if len(rest) == 1:
            self._authorize(user, res, "list", namespace=namespace)
            return web.json_response(self._list(res, namespace, request.query))
        if len(rest) == 2 and (namespace or not res.namespaced):
            self._authorize(user, res, "get", namespace=namespace, name=rest[1])
            obj = res.find(rest[1], namespace)
            if obj is None:
                details = {"name": rest[1], "kind": res.plural}
                if res.group:
                    details["group"] = res.group
                raise _Error(404, "NotFound", f'{res.resource_name} "{rest[1]}" not found', details)
            return web.json_response(obj)
        raise _Error(404, "NotFound", "the server could not find the requested resource", {})

    def _authorize(
        self,
        user: str,
        res: Resource,
        verb: str,
        *,
        namespace: str | None = None,
        name: str | None = None,
        subresource: str = "",
    ) -> None:
        plural = f"{res.plural}/{subresource}" if subresource else res.plural
        denied = self.sim.faults.forbidden
        if plural not in denied and f"{res.plural}.{res.group}" not in denied:
            return
        target = f'{res.resource_name} "{name}"' if name else res.resource_name
        scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
        details: dict[str, Any] = {"kind": res.plural}
        if name:
            details["name"] = name
        if res.group:
            details["group"] = res.group
        raise _Error(
            403,
            "Forbidden",
            f'{target} is forbidden: User "{user}" cannot {verb} resource "{plural}" in API group '
            f'"{res.group}" {scope}',
            details,
        )

    # ------------------------------------------------------------------------------ lists

    def _list(
        self, res: Resource, namespace: str | None, query: MultiMapping[str]
    ) -> dict[str, Any]:
        label_sel = query.get("labelSelector", "")
        field_sel = query.get("fieldSelector", "")
        matches = [
            o
            for o in res.objects
            if (namespace is None or o["metadata"].get("namespace") == namespace)
            and _labels_match(o["metadata"].get("labels") or {}, label_sel)
            and _fields_match(o, field_sel)
        ]
        rv = str(self.state.resource_version)
        query_key = hashlib.sha256(
            f"{res.group}/{res.plural}/{namespace}/{label_sel}/{field_sel}".encode()
        ).hexdigest()[:16]
        start = 0
        token = query.get("continue")
        if token:
            start = _decode_continue(token, query_key)
        limit = int(query.get("limit") or 0)
        end = min(len(matches), start + limit) if limit > 0 else len(matches)
        metadata: dict[str, Any] = {"resourceVersion": rv}
        if end < len(matches):
            metadata["continue"] = _encode_continue(rv, end, query_key)
            if not label_sel and not field_sel:
                metadata["remainingItemCount"] = len(matches) - end
        typed = res.group in _TYPED_GROUPS
        items = [
            {k: v for k, v in o.items() if k not in ("apiVersion", "kind")} if typed else o
            for o in matches[start:end]
        ]
        return {
            "kind": f"{res.kind}List",
            "apiVersion": res.group_version,
            "metadata": metadata,
            "items": items,
        }

    # ------------------------------------------------------------------------------ node proxy

    async def _node_proxy(
        self, request: web.Request, user: str, node: str, sub: str
    ) -> web.StreamResponse:
        nodes = self.state.resource("", "nodes")
        assert nodes is not None
        self._authorize(user, nodes, "get", name=node, subresource="proxy")
        if nodes.find(node) is None:
            raise _Error(
                404, "NotFound", f'nodes "{node}" not found', {"name": node, "kind": "nodes"}
            )
        if sub == "stats/summary":
            path = self.state.node_file(node, "kubelet_stats_summary")
            if path is None:
                raise _Error(404, "NotFound", f"no stats/summary recorded for node {node}", {})
            return web.Response(body=path.read_bytes(), content_type="application/json")
        if sub == "logs/journal":
            asked = request.query.getall("unit", []) + request.query.getall("query", [])
            for u in asked:
                if _UNSAFE_SERVICE.search(u):
                    raise _Error(
                        400, "BadRequest",
                        f'query: Invalid value: "{u}": input contains unsupported characters', {},
                    )  # fmt: skip
            units = request.query.getall("unit", []) or request.query.getall("query", [])
            if len(units) != 1:
                raise _Error(400, "BadRequest", "the simulator serves exactly one unit", {})
            bounds = {k: request.query.get(k, "") for k in ("since", "until")}
            now = self.sim.clock()
            window = {k: _journal_date(k, v, now) for k, v in bounds.items() if v}
            stem = units[0]
            path = self.state.node_file(node, f"journal_unit.{stem}")
            if path is None:
                raise _Error(404, "NotFound", f"no journal recorded for unit {units[0]}", {})
            raw = _journal_between(
                path.read_text(encoding="utf-8"), window.get("since"), window.get("until")
            )
            text = journal_short_precise(raw)
            if window and not text:
                text = "-- No entries --\n"  # journalctl's line for an empty window
            body = gzip.compress(text.encode()) if self.sim.journal_gzip else text.encode()
            return web.Response(body=body, content_type="text/plain", charset="utf-8")
        raise _Error(404, "NotFound", "the server could not find the requested resource", {})

    # ------------------------------------------------------------------------------ discovery

    def _version(self) -> dict[str, str]:
        git_version = self.state.kube_version()
        major, minor = git_version.lstrip("v").split(".")[:2]
        return {
            "major": major,
            "minor": minor,
            "gitVersion": git_version,
            "gitCommit": hashlib.sha1(git_version.encode(), usedforsecurity=False).hexdigest(),
            "gitTreeState": "clean",
            "buildDate": "2024-10-24T14:58:33Z",
            "goVersion": "go1.21.13 (Red Hat 1.21.13-4.el9_4) X:strictfipsruntime",
            "compiler": "gc",
            "platform": "linux/amd64",
        }

    def _api_versions(self, request: web.Request) -> dict[str, Any]:
        host = urlsplit(self.sim.url).netloc
        return {
            "kind": "APIVersions",
            "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": host}],
        }

    def _group(self, group: str) -> dict[str, Any]:
        versions = self.state.groups().get(group)
        if not group or versions is None:
            raise _Error(404, "NotFound", "the server could not find the requested resource", {})
        gvs = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
        return {
            "kind": "APIGroup",
            "apiVersion": "v1",
            "name": group,
            "versions": gvs,
            "preferredVersion": gvs[0],
        }

    def _group_list(self) -> dict[str, Any]:
        groups = [g for g in sorted(self.state.groups()) if g]
        return {
            "kind": "APIGroupList",
            "apiVersion": "v1",
            "groups": [self._group(g) for g in groups],
        }

    def _resource_list(self, group: str, version: str) -> dict[str, Any]:
        resources: list[dict[str, Any]] = []
        for res in sorted(self.state.resources.values(), key=lambda r: r.plural):
            if res.group != group or res.version != version:
                continue
            resources.append(
                {
                    "name": res.plural,
                    "singularName": res.kind.lower(),
                    "namespaced": res.namespaced,
                    "kind": res.kind,
                    "verbs": ["get", "list"],
                }
            )
            if group == "" and res.plural == "nodes":
                resources.append(
                    {
                        "name": "nodes/proxy",
                        "singularName": "",
                        "namespaced": False,
                        "kind": "NodeProxyOptions",
                        "verbs": ["create", "delete", "get", "patch", "update"],
                    }
                )
        return {
            "kind": "APIResourceList",
            "apiVersion": "v1",
            "groupVersion": f"{group}/{version}" if group else version,
            "resources": resources,
        }


# ---------------------------------------------------------------------------------- helpers


def _labels_match(labels: dict[str, str], selector: str) -> bool:
    """Equality (``=``, ``==``, ``!=``) and existence (``k``, ``!k``) terms, comma-joined."""
    for raw in selector.split(",") if selector else []:
        term = raw.strip()
        if not term:
            continue
        if " in " in term or " notin " in term or "(" in term:
            raise _Error(400, "BadRequest", f"set-based selector not simulated: {term!r}", {})
        if "!=" in term:
            key, value = (p.strip() for p in term.split("!=", 1))
            if labels.get(key) == value:
                return False
        elif "=" in term:
            key, value = (p.strip() for p in term.replace("==", "=").split("=", 1))
            if labels.get(key) != value:
                return False
        elif term.startswith("!"):
            if term[1:].strip() in labels:
                return False
        elif term not in labels:
            return False
    return True


def _fields_match(obj: dict[str, Any], selector: str) -> bool:
    for raw in selector.split(",") if selector else []:
        term = raw.strip()
        if not term:
            continue
        negate = "!=" in term
        key, value = term.split("!=" if negate else "=", 1)
        key, value = key.strip(), value.strip().removeprefix("=")
        getter = _FIELDS.get(key)
        if getter is None:
            raise _Error(400, "BadRequest", f"field label not supported: {key}", {})
        if (getter(obj) == value) == negate:
            return False
    return True


def _encode_continue(rv: str, start: int, key: str) -> str:
    raw = json.dumps({"v": "meta.k8s.io/v1", "rv": int(rv), "start": start, "q": key})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_continue(token: str, key: str) -> int:
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if data["q"] != key:
            raise ValueError("token of another query")
        return int(data["start"])
    except (ValueError, KeyError, TypeError) as err:
        raise _Error(400, "BadRequest", f"continue key is not valid: {err}", {}) from None


def _capture_clock(state: ClusterState) -> Callable[[], datetime]:
    raw = str(state.manifest.get("captured_at") or "")
    try:
        at = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return lambda: datetime.now(UTC)
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    return lambda: at


#: OpenShift's kubelet (kubelet_server_journal.go): unit names, relative and absolute dates.
_UNSAFE_SERVICE = re.compile(r"[^a-zA-Z\-_0-9@]+")
_RELATIVE_DATE = re.compile(r"^([+-])?(\d+)([smhd])$")
_DATE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _journal_date(name: str, value: str, now: datetime) -> datetime:
    """A ``since``/``until`` value as journalctl reads it (a 400 for what the kubelet refuses)."""
    m = _RELATIVE_DATE.match(value)
    if m:
        delta = timedelta(seconds=int(m.group(2)) * _DATE_UNITS[m.group(3)])
        return now + delta if m.group(1) == "+" else now - delta
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        raise _Error(
            400, "BadRequest",
            f'{name}: Invalid value: "{value}": date must be a relative time of the form '
            "'(+|-)[0-9]+(s|m|h|d)' or a date in 'YYYY-MM-DD HH:MM:SS' form", {},
        ) from None  # fmt: skip


def _journal_between(text: str, since: datetime | None, until: datetime | None) -> str:
    """The ``journalctl -o json`` lines with since <= time <= until (other text unchanged)."""
    if since is None and until is None:
        return text
    lo = int(since.timestamp() * 1_000_000) if since else None
    hi = int(until.timestamp() * 1_000_000) if until else None
    kept: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            usec = int(json.loads(line).get("__REALTIME_TIMESTAMP", "0"))
        except (ValueError, AttributeError):
            return text  # not JSON lines: served as recorded
        if (lo is None or usec >= lo) and (hi is None or usec <= hi):
            kept.append(line)
    return "\n".join(kept) + ("\n" if kept else "")


def journal_short_precise(text: str) -> str:
    """``journalctl -o json`` lines as ``--utc -o short-precise`` prints them.

    ``MMM DD HH:MM:SS.uuuuuu HOST IDENT[PID]: MESSAGE``; text that is not JSON lines is passed
    through unchanged.
    """
    out: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            return text
        usec = int(entry.get("__REALTIME_TIMESTAMP", "0"))
        ts = datetime.fromtimestamp(usec // 1_000_000, UTC)
        ident = entry.get("SYSLOG_IDENTIFIER") or entry.get("_COMM") or "unknown"
        pid = entry.get("_PID") or entry.get("SYSLOG_PID")
        message = entry.get("MESSAGE", "")
        if isinstance(message, list):  # non-UTF-8 messages come as byte arrays
            message = bytes(message).decode("utf-8", errors="replace")
        stamp = ts.strftime("%b %d %H:%M:%S") + f".{usec % 1_000_000:06d}"
        who = f"{ident}[{pid}]" if pid else ident
        out.append(f"{stamp} {entry.get('_HOSTNAME', 'localhost')} {who}: {message}")
    return "\n".join(out) + ("\n" if out else "")


def iter_kinds(state: ClusterState) -> Iterator[tuple[str, str, str]]:
    """(group, version, plural) of every served resource (for tests and debugging)."""
    for res in state.resources.values():
        yield res.group, res.version, res.plural
