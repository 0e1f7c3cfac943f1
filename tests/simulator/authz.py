"""Access reviews for the API simulator, answered from a scripted identity.

Served (``POST``, as the real API server answers them):

* ``/apis/authorization.k8s.io/v1/selfsubjectaccessreviews``: ``status.allowed`` for the
  ``spec.resourceAttributes`` (or ``nonResourceAttributes``) asked about;
* ``/apis/authorization.k8s.io/v1/selfsubjectrulesreviews``: the ``resourceRules`` that apply in
  ``spec.namespace`` (cluster-wide rules plus that namespace's), ``incomplete: false``;
* ``/apis/authentication.k8s.io/v1/selfsubjectreviews``: ``status.userInfo`` (``oc whoami``).

The identity is ``Simulator.identity`` when a test sets it (an :class:`Identity`), else
:data:`CLUSTER_ADMIN`. Builders for the identities the tests need: :func:`cluster_admin`,
:func:`cluster_reader` (reads everything but Secrets; no exec, no ``nodes/proxy``, no SCC use)
and :func:`dedicated_admin` (a managed cluster's dedicated-admin: cluster reads, admin in
``dedicated_namespaces``, namespace creation, no ``use`` of SCC ``privileged``).

Rules match as RBAC does: ``*`` matches any verb, group or resource; ``resource/subresource``
must be named (``pods/exec``) or covered by ``*`` / ``*/subresource``; ``resource_names`` limit
the names; a rule with ``namespaces`` applies there only (a RoleBinding), else everywhere.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

__all__ = [
    "CLUSTER_ADMIN",
    "Identity",
    "Rule",
    "cluster_admin",
    "cluster_reader",
    "dedicated_admin",
    "handle",
    "is_review_path",
]

_AUTHZ = "/apis/authorization.k8s.io/v1/"
_AUTHN = "/apis/authentication.k8s.io/v1/"
_REVIEWS = {
    _AUTHZ + "selfsubjectaccessreviews": "SelfSubjectAccessReview",
    _AUTHZ + "selfsubjectrulesreviews": "SelfSubjectRulesReview",
    _AUTHN + "selfsubjectreviews": "SelfSubjectReview",
}


@dataclass(frozen=True)
class Rule:
    """One RBAC policy rule, optionally limited to namespaces (a RoleBinding's scope)."""

    verbs: tuple[str, ...]
    groups: tuple[str, ...]
    resources: tuple[str, ...]
    resource_names: tuple[str, ...] = ()
    namespaces: tuple[str, ...] | None = None

    def applies_in(self, namespace: str) -> bool:
        """Whether the rule is in force in ``namespace`` (``""``: cluster scope)."""
        return self.namespaces is None or (bool(namespace) and namespace in self.namespaces)

    def allows(self, attrs: dict[str, Any]) -> bool:
        """Whether the rule allows one ``resourceAttributes``."""
        if not self.applies_in(str(attrs.get("namespace") or "")):
            return False
        verb = str(attrs.get("verb") or "")
        group = str(attrs.get("group") or "")
        resource = str(attrs.get("resource") or "")
        sub = str(attrs.get("subresource") or "")
        name = str(attrs.get("name") or "")
        if "*" not in self.verbs and verb not in self.verbs:
            return False
        if "*" not in self.groups and group not in self.groups:
            return False
        wanted = f"{resource}/{sub}" if sub else resource
        names_ok = not self.resource_names or name in self.resource_names
        return names_ok and any(
            r == "*" or r == wanted or (sub and r == f"*/{sub}") for r in self.resources
        )


@dataclass(frozen=True)
class Identity:
    """Who the simulator says the caller is, and what RBAC allows them."""

    user: str
    groups: tuple[str, ...] = ("system:authenticated",)
    allowed: list[Rule] = field(default_factory=list)

    def allows(self, attrs: dict[str, Any]) -> bool:
        """Whether any rule allows ``resourceAttributes``."""
        return any(rule.allows(attrs) for rule in self.allowed)


def cluster_admin(user: str = "kube:admin") -> Identity:
    """Everything, everywhere (``cluster-admin``)."""
    return Identity(
        user,
        ("system:authenticated", "system:cluster-admins"),
        [Rule(("*",), ("*",), ("*",))],
    )


CLUSTER_ADMIN = cluster_admin()

_READ = ("get", "list", "watch")
_CORE_READ = (
    "nodes",
    "namespaces",
    "pods",
    "pods/log",
    "events",
    "serviceaccounts",
    "configmaps",
    "services",
    "endpoints",
)


def cluster_reader(user: str = "reader") -> Identity:
    """``cluster-reader``: reads (no Secrets); no exec, no ``nodes/proxy``, no SCC use."""
    return Identity(
        user,
        ("system:authenticated",),
        [
            Rule(_READ, ("",), _CORE_READ),
            Rule(
                _READ,
                (
                    "apps",
                    "policy",
                    "certificates.k8s.io",
                    "rbac.authorization.k8s.io",
                    "config.openshift.io",
                    "machineconfiguration.openshift.io",
                    "operator.openshift.io",
                    "security.openshift.io",
                    "image.openshift.io",
                ),
                ("*",),
            ),
        ],
    )


def dedicated_admin(
    user: str = "alice", *, dedicated_namespaces: tuple[str, ...] = ("rhcos-debug",)
) -> Identity:
    """A managed cluster's dedicated-admin: reads, namespaces, admin in its own namespaces.

    It may create pods and exec into them in ``dedicated_namespaces`` and create namespaces, but
    has no ``use`` of SCC ``privileged`` and no ``nodes/proxy``.
    """
    reader = cluster_reader(user)
    return Identity(
        user,
        ("system:authenticated", "dedicated-admins"),
        [
            *reader.allowed,
            Rule(("create", "delete"), ("",), ("namespaces",)),
            Rule(
                ("*",),
                ("", "apps"),
                ("pods", "pods/exec", "pods/log", "deployments"),
                namespaces=dedicated_namespaces,
            ),
            Rule(
                ("use",),
                ("security.openshift.io",),
                ("securitycontextconstraints",),
                resource_names=("restricted-v2", "nonroot-v2"),
            ),
        ],
    )


def is_review_path(path: str) -> bool:
    """Whether ``path`` is one of the reviews this module answers."""
    return path.rstrip("/") in _REVIEWS


async def handle(request: web.Request, identity: Identity) -> web.Response:
    """Answer one review POST for ``identity`` (the body echoed with ``status`` filled in)."""
    kind = _REVIEWS[request.path.rstrip("/")]
    try:
        body = json.loads(await request.read() or b"{}")
    except ValueError:
        return _bad_request(f"{kind}: the body is not JSON")
    if not isinstance(body, dict):
        return _bad_request(f"{kind}: the body is not an object")
    spec = body.get("spec") or {}
    group_version = (
        "authentication.k8s.io/v1" if kind == "SelfSubjectReview" else ("authorization.k8s.io/v1")
    )
    answer: dict[str, Any] = {
        "kind": kind,
        "apiVersion": group_version,
        "metadata": {"creationTimestamp": None},
    }
    if kind == "SelfSubjectReview":
        answer["status"] = {
            "userInfo": {"username": identity.user, "groups": list(identity.groups)}
        }
        return web.json_response(answer, status=201)
    answer["spec"] = spec
    if kind == "SelfSubjectAccessReview":
        attrs = spec.get("resourceAttributes")
        if not isinstance(attrs, dict):
            if spec.get("nonResourceAttributes"):
                allowed = any("*" in r.resources for r in identity.allowed)
                answer["status"] = {"allowed": allowed}
                return web.json_response(answer, status=201)
            return _bad_request("spec.resourceAttributes or spec.nonResourceAttributes is required")
        allowed = identity.allows(attrs)
        status: dict[str, Any] = {"allowed": allowed}
        if allowed:
            status["reason"] = f'RBAC: allowed for user "{identity.user}"'
        answer["status"] = status
        return web.json_response(answer, status=201)
    namespace = str(spec.get("namespace") or "")
    if not namespace:
        return _bad_request("no namespace on request")
    rules = [
        {
            "verbs": list(r.verbs),
            "apiGroups": list(r.groups),
            "resources": list(r.resources),
            **({"resourceNames": list(r.resource_names)} if r.resource_names else {}),
        }
        for r in identity.allowed
        if r.applies_in(namespace)
    ]
    answer["status"] = {
        "resourceRules": rules,
        "nonResourceRules": [{"verbs": ["get"], "nonResourceURLs": ["/version", "/healthz"]}],
        "incomplete": False,
    }
    return web.json_response(answer, status=201)


def _bad_request(message: str) -> web.Response:
    body = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": "BadRequest",
        "code": 400,
    }
    return web.json_response(body, status=400)
