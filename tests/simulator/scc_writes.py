"""The writes an SCC grant makes, and the SCC subject review, for the API simulator.

Served (hooked in at the top of ``_App.route``):

* ``POST /api/v1/namespaces/<ns>/serviceaccounts`` (409 AlreadyExists, 404 for a missing
  namespace);
* ``POST /apis/rbac.authorization.k8s.io/v1/clusterroles``;
* ``POST``/``PUT``/``DELETE`` of ``clusterrolebindings`` and of ``namespaces/<ns>/rolebindings``
  (``PUT`` with a stale ``metadata.resourceVersion`` gets 409 Conflict, as the server answers);
* ``PUT /apis/security.openshift.io/v1/securitycontextconstraints/<name>`` (same conflict rule);
* ``POST /apis/security.openshift.io/v1/namespaces/<ns>/podsecuritypolicysubjectreviews``:
  answered with :func:`rhcos_helpers.scc.admission.review` over the simulator's own objects
  (``status.allowedBy`` = the chosen SCC, ``status.template`` = the admitted pod template).

Every write bumps the cluster's resourceVersion; list and get then serve the new objects.
"""

from __future__ import annotations

import copy
import json
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

from rhcos_helpers.errors import NotApplicable
from rhcos_helpers.sources.base import NodeOutput, Source, SourceIdentity
from tests.simulator.capture import ClusterState, Resource

if TYPE_CHECKING:
    from tests.simulator.server import _App

__all__ = ["StateSource", "handle"]

_RBAC = "rbac.authorization.k8s.io"
_KINDS = {
    ("", "serviceaccounts"): ("v1", "ServiceAccount", True),
    (_RBAC, "clusterroles"): ("v1", "ClusterRole", False),
    (_RBAC, "clusterrolebindings"): ("v1", "ClusterRoleBinding", False),
    (_RBAC, "rolebindings"): ("v1", "RoleBinding", True),
    ("security.openshift.io", "securitycontextconstraints"): ("v1", "SecurityContextConstraints", False),
}  # fmt: skip


class StateSource(Source):
    """The simulator's objects seen through the Source interface (for the review route)."""

    def __init__(self, state: ClusterState) -> None:
        self.state = state

    @property
    def identity(self) -> SourceIdentity:
        cv = self.get("clusterversions", "version")
        version = ((cv or {}).get("status") or {}).get("desired", {}).get("version")
        return SourceIdentity(kind="live", spec="simulator", cluster_version=version)

    def _res(self, plural: str) -> Resource | None:
        return next((r for r in self.state.resources.values() if r.plural == plural), None)

    def list(
        self, resource: str, *, namespace: str | None = None, label_selector: str | None = None
    ):
        res = self._res(resource)
        if res is None:
            raise NotApplicable(f"simulator holds no {resource}")
        return [
            copy.deepcopy(o)
            for o in res.objects
            if namespace is None or o["metadata"].get("namespace") == namespace
        ]

    def get(self, resource: str, name: str, *, namespace: str | None = None):
        res = self._res(resource)
        obj = res.find(name, namespace) if res else None
        return copy.deepcopy(obj) if obj is not None else None

    def node_output(self, node: str, fact: str, **params: str) -> NodeOutput:
        return NodeOutput(node=node, fact=fact, status="missing", reason="not simulated")


def _status(code: int, reason: str, message: str, details: dict[str, Any] | None = None):
    from tests.simulator.server import status_body

    return web.json_response(status_body(code, reason, message, details), status=code)


def _resource(state: ClusterState, group: str, plural: str) -> Resource:
    res = state.resource(group, plural)
    if res is None:
        version, kind, namespaced = _KINDS[(group, plural)]
        res = Resource(group, version, plural, kind, namespaced)
        state.resources[(group, plural)] = res
    return res


def _stamp(state: ClusterState, obj: dict[str, Any], *, new: bool) -> None:
    state.resource_version += 1
    meta = obj.setdefault("metadata", {})
    meta["resourceVersion"] = str(state.resource_version)
    if new:
        meta["uid"] = str(uuid.uuid4())
        meta["creationTimestamp"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _route(segs: list[str]) -> tuple[str, str, str | None, str | None] | None:
    """(group, plural, namespace, name) of a write this module serves."""
    if segs[:2] == ["api", "v1"] and len(segs) == 5 and segs[2] == "namespaces":
        return ("", segs[4], segs[3], None) if segs[4] == "serviceaccounts" else None
    if len(segs) < 4 or segs[0] != "apis":
        return None
    group, rest = segs[1], segs[3:]
    ns = None
    if rest[0] == "namespaces" and len(rest) >= 3:
        ns, rest = rest[1], rest[2:]
    if (group, rest[0]) not in _KINDS and rest[0] != "podsecuritypolicysubjectreviews":
        return None
    return group, rest[0], ns, rest[1] if len(rest) > 1 else None


async def handle(app: _App, request: web.Request, user: str) -> web.StreamResponse | None:
    """Answer the writes and the review; ``None`` for everything else."""
    if request.method not in ("POST", "PUT", "DELETE"):
        return None
    route = _route([s for s in request.path.split("/") if s])
    if route is None:
        return None
    group, plural, ns, name = route
    if user == "system:anonymous":
        return _status(
            403,
            "Forbidden",
            f'forbidden: User "system:anonymous" cannot {request.method.lower()} path "{request.path}"',
        )
    state = app.state
    try:
        body = json.loads(await request.read() or b"{}") if request.method != "DELETE" else {}
    except ValueError:
        return _status(400, "BadRequest", "the request body is not JSON")
    if plural == "podsecuritypolicysubjectreviews" and request.method == "POST" and ns:
        return _review(app, body, ns)
    if (group, plural) not in _KINDS:
        return None
    version, kind, namespaced = _KINDS[(group, plural)]
    namespaces = state.resource("", "namespaces")
    if namespaced and ns and namespaces is not None and namespaces.find(ns) is None:
        return _status(
            404, "NotFound", f'namespaces "{ns}" not found', {"name": ns, "kind": "namespaces"}
        )
    res = _resource(state, group, plural)
    rname = f"{plural}.{group}" if group else plural
    if request.method == "POST" and name is None:
        obj_name = (body.get("metadata") or {}).get("name")
        if res.find(obj_name, ns) is not None:
            return _status(409, "AlreadyExists", f'{rname} "{obj_name}" already exists',
                           {"name": obj_name, "group": group, "kind": plural})  # fmt: skip
        obj = copy.deepcopy(body)
        obj.setdefault("apiVersion", f"{group}/{version}" if group else version)
        obj.setdefault("kind", kind)
        if namespaced:
            obj["metadata"]["namespace"] = ns
        _stamp(state, obj, new=True)
        res.objects.append(obj)
        return web.json_response(obj, status=201)
    current = res.find(name or "", ns)
    if current is None:
        return _status(404, "NotFound", f'{rname} "{name}" not found',
                       {"name": name, "group": group, "kind": plural})  # fmt: skip
    if request.method == "DELETE":
        res.objects[:] = [o for o in res.objects if o is not current]
        state.resource_version += 1
        details = {"name": name, "group": group, "kind": plural,
                   "uid": current["metadata"].get("uid")}  # fmt: skip
        return web.json_response(
            {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
             "details": details}
        )  # fmt: skip
    sent_rv = (body.get("metadata") or {}).get("resourceVersion")
    if sent_rv and sent_rv != current["metadata"].get("resourceVersion"):
        return _status(
            409, "Conflict",
            f'Operation cannot be fulfilled on {rname} "{name}": the object has been modified; '
            "please apply your changes to the latest version and try again",
            {"name": name, "group": group, "kind": plural},
        )  # fmt: skip
    obj = copy.deepcopy(body)
    obj.setdefault("apiVersion", current.get("apiVersion"))
    obj.setdefault("kind", kind)
    for key in ("uid", "creationTimestamp", "namespace"):
        if key in current["metadata"]:
            obj["metadata"][key] = current["metadata"][key]
    _stamp(state, obj, new=False)
    res.objects[res.objects.index(current)] = obj
    return web.json_response(obj)


def _review(app: _App, body: dict[str, Any], ns: str) -> web.Response:
    from rhcos_helpers import scc

    spec = body.get("spec") or {}
    template = spec.get("template")
    if not isinstance(template, dict) or not isinstance(template.get("spec"), dict):
        return _status(400, "BadRequest", "spec.template.spec is required")
    src = StateSource(app.state)
    namespace = src.get("namespaces", ns)
    if namespace is None:
        return _status(
            404, "NotFound", f'namespaces "{ns}" not found', {"name": ns, "kind": "namespaces"}
        )
    policies = scc.policies.load_policies(src)
    rbac = scc.access.load_rbac(src)
    who = scc.access.requester(str(spec.get("user") or ""), spec.get("groups") or [])
    if not spec.get("user") and not spec.get("groups"):
        who = scc.access.CLUSTER_ADMIN
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": dict(template.get("metadata") or {}),
           "spec": copy.deepcopy(template["spec"])}  # fmt: skip
    rev = scc.admission.review(policies, rbac, pod=pod, namespace=namespace, requester=who)
    status: dict[str, Any] = {}
    if rev.chosen:
        status["allowedBy"] = {"kind": "SecurityContextConstraints", "name": rev.chosen,
                               "apiVersion": "security.openshift.io/v1"}  # fmt: skip
        status["template"] = {"metadata": rev.pod.get("metadata") or {}, "spec": rev.pod["spec"]}
    else:
        status["reason"] = rev.cannot_decide or rev.message
    answer = {"kind": "PodSecurityPolicySubjectReview", "apiVersion": "security.openshift.io/v1",
              "metadata": {"creationTimestamp": None}, "spec": spec, "status": status}  # fmt: skip
    return web.json_response(answer, status=201)
