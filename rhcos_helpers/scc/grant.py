"""scc.grant - grant (or revoke) an SCC to a service account as ``oc adm policy`` does.

The seed's steps: ``oc create serviceaccount SA -n NS`` (``add-scc-to-user`` never creates the
service account), then ``oc adm policy add-scc-to-user anyuid -z SA -n NS``. What that command
writes depends on the release (openshift/oc ``modify_scc.go``):

* 4.3 and 4.4: the SCC itself is updated, ``system:serviceaccount:NS:SA`` appended to ``users``;
* 4.5+: the ClusterRole ``system:openshift:scc:<scc>`` (``use`` of that SCC) is created if
  missing and the subject is added to the binding ``system:openshift:scc:<scc>``: a
  ClusterRoleBinding, or a RoleBinding in NS when the namespace is given explicitly (``-n``).

:func:`plan` builds those steps as objects (a dry run: nothing is sent). :func:`apply` sends them
with the official ``kubernetes`` client, only when asked explicitly, only to a live source and
never in a scheduled run (``in-cluster`` source or ``RHCOS_RUNBOOKS_SCHEDULED`` set). Running
pods keep the SCC they were admitted with until they are recreated.

Examples:
    >>> from rhcos_helpers.sources import open_source
    >>> from rhcos_helpers import scc
    >>> src = open_source("demo:4.3")
    >>> p = plan(src, scc.policies.load_policies(src), scc.access.load_rbac(src), scc="anyuid",
    ...          namespace="demo-app", service_account="builder")
    >>> [(s.action, s.kind) for s in p.steps]
    [('create', 'ServiceAccount'), ('update', 'SecurityContextConstraints')]
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
import yaml

from rhcos_helpers.errors import UsageError
from rhcos_helpers.safety import SCHEDULED_ENV, apply_refusal
from rhcos_helpers.scc.access import Rbac, rbac_from_objects
from rhcos_helpers.scc.policies import Policies, minor_version, policies_from_objects
from rhcos_helpers.sources.base import Source

__all__ = ["SCHEDULED_ENV", "GrantPlan", "Step", "apply", "apply_refusal", "plan", "plan_frame",
           "plan_yaml", "simulate"]  # fmt: skip

log = logging.getLogger(__name__)

RBAC_V1 = "rbac.authorization.k8s.io/v1"


@dataclass(frozen=True)
class Step:
    """One change of a grant.

    Attributes:
        title: what the step does.
        command: the ``oc`` command a person would type.
        action: ``create``, ``update``, ``delete`` or ``none`` (already so).
        kind: the object kind.
        name: the object name.
        namespace: its namespace, for namespaced kinds.
        body: the object as it will be after the step (``None`` for ``none``/``delete``).
    """

    title: str
    command: str
    action: str
    kind: str
    name: str
    namespace: str | None
    body: dict[str, Any] | None


@dataclass(frozen=True)
class GrantPlan:
    """The steps of one grant or revoke."""

    scc: str
    namespace: str
    service_account: str
    revoke: bool
    version: str | None
    steps: tuple[Step, ...]

    @property
    def changes(self) -> bool:
        """Whether any step changes the cluster."""
        return any(s.action != "none" for s in self.steps)


def _clean(obj: Mapping[str, Any]) -> dict[str, Any]:
    """A copy fit for an update: no status, no managed fields."""
    out = copy.deepcopy(dict(obj))
    out.pop("status", None)
    (out.get("metadata") or {}).pop("managedFields", None)
    return out


def plan(
    source: Source,
    policies: Policies,
    rbac: Rbac,
    *,
    scc: str,
    namespace: str,
    service_account: str,
    explicit_namespace: bool = False,
    revoke: bool = False,
) -> GrantPlan:
    """The steps of ``oc adm policy add-scc-to-user SCC -z SA`` (or ``remove-scc-from-user``).

    Raises:
        UsageError: an SCC the cluster does not have, or empty names.
    """
    if not service_account or not namespace:
        raise UsageError("granting an SCC needs SERVICE_ACCOUNT and NAMESPACE")
    target = policies.get(scc)
    if target is None:
        known = ", ".join(s.name for s in policies.sccs)
        raise UsageError(f"unknown SCC {scc!r}; this cluster has: {known}")
    user = f"system:serviceaccount:{namespace}:{service_account}"
    verb = "remove-scc-from-user" if revoke else "add-scc-to-user"
    ns_flag = f" -n {namespace}"
    command = f"oc adm policy {verb} {scc} -z {service_account}{ns_flag}"
    steps: list[Step] = []
    if not revoke:
        exists = source.get("serviceaccounts", service_account, namespace=namespace) is not None
        steps.append(
            Step(
                f"service account {namespace}/{service_account}",
                f"oc create serviceaccount {service_account} -n {namespace}",
                "none" if exists else "create",
                "ServiceAccount",
                service_account,
                namespace,
                None
                if exists
                else {"apiVersion": "v1", "kind": "ServiceAccount",
                      "metadata": {"name": service_account, "namespace": namespace}},
            )
        )  # fmt: skip
    mv = minor_version(policies.version)
    if mv is not None and mv < (4, 5):
        users = list(target.users)
        present = user in users
        if revoke:
            users = [u for u in users if u != user]
        elif not present:
            users.append(user)
        scc_body = _clean(target.raw)
        scc_body["users"] = users
        changed = present == revoke
        steps.append(
            Step(
                f"{'remove' if revoke else 'add'} {user} {'from' if revoke else 'to'} "
                f"SCC {scc} users (4.3/4.4)",
                command,
                "update" if changed else "none",
                "SecurityContextConstraints",
                scc,
                None,
                scc_body if changed else None,
            )
        )
        return GrantPlan(scc, namespace, service_account, revoke, policies.version, tuple(steps))
    role = f"system:openshift:scc:{scc}"
    if not revoke:
        has_role = role in rbac.cluster_roles or source.get("clusterroles", role) is not None
        steps.append(
            Step(
                f"ClusterRole {role} (use of SCC {scc})",
                command,
                "none" if has_role else "create",
                "ClusterRole",
                role,
                None,
                None
                if has_role
                else {
                    "apiVersion": RBAC_V1,
                    "kind": "ClusterRole",
                    "metadata": {"name": role},
                    "rules": [
                        {
                            "apiGroups": ["security.openshift.io"],
                            "resourceNames": [scc],
                            "resources": ["securitycontextconstraints"],
                            "verbs": ["use"],
                        }
                    ],
                },
            )
        )
    kind = "RoleBinding" if explicit_namespace else "ClusterRoleBinding"
    plural = "rolebindings" if explicit_namespace else "clusterrolebindings"
    current = source.get(plural, role, namespace=namespace if explicit_namespace else None)
    subject = {"kind": "ServiceAccount", "name": service_account, "namespace": namespace}

    def same(s: Mapping[str, Any]) -> bool:
        return (
            s.get("kind") == "ServiceAccount"
            and s.get("name") == service_account
            and (s.get("namespace") or namespace) == namespace
        )

    if current is None:
        binding: dict[str, Any] | None = {
            "apiVersion": RBAC_V1,
            "kind": kind,
            "metadata": {"name": role, **({"namespace": namespace} if explicit_namespace else {})},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": role,
            },
            "subjects": [subject],
        }
        action = "none" if revoke else "create"
        binding = None if revoke else binding
    else:
        subjects = list(current.get("subjects") or [])
        present = any(same(s) for s in subjects)
        if revoke:
            subjects = [s for s in subjects if not same(s)]
            action = ("delete" if not subjects else "update") if present else "none"
        else:
            if not present:
                subjects.append(subject)
            action = "none" if present else "update"
        binding = _clean(current) | {"subjects": subjects} if action == "update" else None
    where = (
        f"RoleBinding {namespace}/{role}" if explicit_namespace else f"ClusterRoleBinding {role}"
    )
    steps.append(
        Step(
            f"{'remove' if revoke else 'add'} service account {namespace}/{service_account} "
            f"{'from' if revoke else 'to'} {where}",
            command
            if explicit_namespace
            else command.replace(ns_flag, "") + f"  # in project {namespace}",
            action,
            kind,
            role,
            namespace if explicit_namespace else None,
            binding,
        )
    )
    return GrantPlan(scc, namespace, service_account, revoke, policies.version, tuple(steps))


def plan_frame(p: GrantPlan) -> pd.DataFrame:
    """The steps as a table (STEP, ACTION, OBJECT, COMMAND)."""
    rows = [
        {
            "STEP": i,
            "WHAT": s.title,
            "ACTION": s.action if s.action != "none" else "none (already so)",
            "OBJECT": f"{s.kind} {s.namespace + '/' if s.namespace else ''}{s.name}",
            "COMMAND": s.command,
        }
        for i, s in enumerate(p.steps, start=1)
    ]
    return pd.DataFrame(rows, columns=["STEP", "WHAT", "ACTION", "OBJECT", "COMMAND"])


def plan_yaml(p: GrantPlan) -> str:
    """The objects the plan writes, as YAML documents (what a dry run would send)."""
    docs = []
    for s in p.steps:
        if s.body is not None:
            docs.append(f"# {s.action}: {s.title}\n" + yaml.safe_dump(s.body, sort_keys=False))
        elif s.action == "delete":
            docs.append(f"# delete: {s.kind} {s.name}\n")
    return "---\n".join(docs) if docs else "# nothing to change\n"


def simulate(policies: Policies, rbac: Rbac, p: GrantPlan) -> tuple[Policies, Rbac]:
    """Policies and RBAC as they would be after the plan (for the review "after")."""
    sccs = {s.name: dict(s.raw) for s in policies.sccs}
    crs = {name: {"metadata": {"name": name}, "rules": r} for name, r in rbac.cluster_roles.items()}
    crbs = {str(b["metadata"]["name"]): b for b in rbac.cluster_role_bindings}
    rbs = {
        (str(b["metadata"]["namespace"]), str(b["metadata"]["name"])): b for b in rbac.role_bindings
    }
    for s in p.steps:
        if s.action == "none":
            continue
        if s.kind == "SecurityContextConstraints" and s.body is not None:
            sccs[s.name] = s.body
        elif s.kind == "ClusterRole" and s.body is not None:
            crs[s.name] = s.body
        elif s.kind == "ClusterRoleBinding":
            if s.body is None:
                crbs.pop(s.name, None)
            else:
                crbs[s.name] = s.body
        elif s.kind == "RoleBinding":
            key = (str(s.namespace), s.name)
            if s.body is None:
                rbs.pop(key, None)
            else:
                rbs[key] = s.body
    new_policies = policies_from_objects(
        sccs.values(), version=policies.version, installed_version=policies.installed_version
    )
    roles = [
        {"metadata": {"namespace": ns, "name": n}, "rules": r} for (ns, n), r in rbac.roles.items()
    ]
    new_rbac = rbac_from_objects(
        cluster_roles=[c for n, c in crs.items() if n not in rbac.assumed],
        roles=roles,
        cluster_role_bindings=crbs.values(),
        role_bindings=rbs.values(),
        reason=rbac.reason,
    )
    return new_policies, replace(new_rbac, assumed=rbac.assumed)


def apply(source: Source, p: GrantPlan, *, apply: bool = False) -> pd.DataFrame:
    """Send the plan's changes (only when :func:`apply_refusal` allows), one row per step."""
    refusal = apply_refusal(source, apply=apply)
    if refusal is not None:
        return pd.DataFrame(
            [{"STEP": 0, "OBJECT": "-", "RESULT": refusal}], columns=["STEP", "OBJECT", "RESULT"]
        )
    from kubernetes import client as k8s
    from kubernetes.client.exceptions import ApiException

    api = source.api_client  # type: ignore[attr-defined]
    core, rbac_api, custom = (
        k8s.CoreV1Api(api),
        k8s.RbacAuthorizationV1Api(api),
        k8s.CustomObjectsApi(api),
    )
    rows = []
    for i, s in enumerate(p.steps, start=1):
        obj = f"{s.kind} {s.namespace + '/' if s.namespace else ''}{s.name}"
        if s.action == "none":
            rows.append({"STEP": i, "OBJECT": obj, "RESULT": "unchanged (already so)"})
            continue
        try:
            _send(core, rbac_api, custom, s)
            rows.append({"STEP": i, "OBJECT": obj, "RESULT": f"{s.action}d"})
            log.info("%s %s", s.action, obj)
        except ApiException as err:
            reason = f"{s.action} failed: {err.status} {err.reason}"
            rows.append({"STEP": i, "OBJECT": obj, "RESULT": reason})
            log.warning("%s %s: %s", s.action, obj, reason)
            break
    return pd.DataFrame(rows, columns=["STEP", "OBJECT", "RESULT"])


def _send(core: Any, rbac_api: Any, custom: Any, s: Step) -> None:
    body = s.body
    if s.kind == "ServiceAccount":
        core.create_namespaced_service_account(s.namespace, body)
    elif s.kind == "ClusterRole":
        rbac_api.create_cluster_role(body)
    elif s.kind == "ClusterRoleBinding":
        {
            "create": lambda: rbac_api.create_cluster_role_binding(body),
            "update": lambda: rbac_api.replace_cluster_role_binding(s.name, body),
            "delete": lambda: rbac_api.delete_cluster_role_binding(s.name),
        }[s.action]()
    elif s.kind == "RoleBinding":
        {
            "create": lambda: rbac_api.create_namespaced_role_binding(s.namespace, body),
            "update": lambda: rbac_api.replace_namespaced_role_binding(s.name, s.namespace, body),
            "delete": lambda: rbac_api.delete_namespaced_role_binding(s.name, s.namespace),
        }[s.action]()
    elif s.kind == "SecurityContextConstraints":
        custom.replace_cluster_custom_object(
            "security.openshift.io", "v1", "securitycontextconstraints", s.name, body
        )
