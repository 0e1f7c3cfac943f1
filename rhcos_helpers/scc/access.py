"""scc.access - who may use which SCC: the SCC's own users/groups and RBAC ``use`` grants.

Admission lets a pod use an SCC when its service account, or the user creating it, is named in
the SCC's ``users``, belongs to one of its ``groups``, or is allowed verb ``use`` on resource
``securitycontextconstraints`` (group ``security.openshift.io``) for that SCC's name **in the
pod's namespace**: a ClusterRoleBinding anywhere, or a RoleBinding in that namespace, to a
ClusterRole or Role whose rule names the SCC in ``resourceNames`` or names none (all SCCs), with
``*`` wildcards for verbs, groups and resources.

Identities: a service account is the user ``system:serviceaccount:<ns>:<sa>`` in the groups
``system:serviceaccounts``, ``system:serviceaccounts:<ns>`` and ``system:authenticated``.

A default must-gather holds no ClusterRoleBindings, RoleBindings, ClusterRoles or Roles: then
only the SCCs' own ``users``/``groups`` are visible, :attr:`Rbac.reason` says so and
:data:`INSPECT_RBAC` is the command that collects them. ClusterRoles the source lacks but whose
rules are fixed by the platform (``cluster-admin``) are assumed and marked.

Examples:
    >>> sa = service_account_identity("demo-app", "runasanyuid")
    >>> sa.user, sa.groups[1]
    ('system:serviceaccount:demo-app:runasanyuid', 'system:serviceaccounts:demo-app')
    >>> rule_allows_use({"verbs": ["use"], "apiGroups": ["security.openshift.io"],
    ...                  "resources": ["securitycontextconstraints"],
    ...                  "resourceNames": ["anyuid"]}, "anyuid")
    True
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from rhcos_helpers.errors import ClusterAccessError, NotApplicable
from rhcos_helpers.scc.parse import Scc
from rhcos_helpers.scc.policies import Policies
from rhcos_helpers.sources.base import Source

__all__ = [
    "CONTROLLER",
    "INSPECT_RBAC",
    "Grant",
    "Rbac",
    "Requester",
    "access_through",
    "all_grants",
    "grants_frame",
    "load_rbac",
    "rbac_from_objects",
    "requester",
    "rule_allows_use",
    "service_account_identity",
    "usable_frame",
]

log = logging.getLogger(__name__)

SCC_GROUP = "security.openshift.io"
SCC_RESOURCE = "securitycontextconstraints"
INSPECT_RBAC = (
    "oc adm inspect clusterrolebindings,rolebindings,clusterroles,roles --all-namespaces "
    "--dest-dir inspect.rbac"
)
#: ClusterRoles whose rules the platform fixes; assumed when the source does not hold them.
BUILTIN_CLUSTER_ROLES: dict[str, list[dict[str, Any]]] = {
    "cluster-admin": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}],
}


@dataclass(frozen=True)
class Requester:
    """Who asks: a user name and its groups (a service account is a user too).

    Attributes:
        user: ``kube:admin``, ``system:serviceaccount:<ns>:<sa>``, ...
        groups: the user's groups.
        label: how reports name this requester.
    """

    user: str
    groups: tuple[str, ...]
    label: str = ""

    @property
    def service_account(self) -> tuple[str, str] | None:
        """``(namespace, name)`` when the user is a service account."""
        parts = self.user.split(":")
        if len(parts) == 4 and parts[:2] == ["system", "serviceaccount"]:
            return parts[2], parts[3]
        return None


def service_account_identity(namespace: str, name: str) -> Requester:
    """The identity of a service account, with the groups the API server gives it."""
    return Requester(
        f"system:serviceaccount:{namespace}:{name}",
        ("system:serviceaccounts", f"system:serviceaccounts:{namespace}", "system:authenticated"),
        f"service account {namespace}/{name}",
    )


#: The identity a Deployment's pods are created with (the ReplicaSet controller).
CONTROLLER = Requester(
    "system:serviceaccount:kube-system:replicaset-controller",
    ("system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"),
    "a workload controller (pod from a Deployment)",
)
#: A cluster administrator creating a pod by hand (``kube:admin`` and its group).
CLUSTER_ADMIN = Requester(
    "kube:admin",
    ("system:cluster-admins", "system:authenticated", "system:authenticated:oauth"),
    "a cluster-admin by hand",
)


def requester(user: str, groups: str | Iterable[str] = "") -> Requester:
    """A requester from notebook parameters: ``""`` is the workload controller.

    ``groups`` is comma-separated (or a list); without groups a service account gets its usual
    ones and any other user ``system:authenticated``.

    Examples:
        >>> requester("").label
        'a workload controller (pod from a Deployment)'
        >>> requester("alice", "devs").groups
        ('devs', 'system:authenticated')
    """
    user = user.strip()
    if not user:
        return CONTROLLER
    given = [g.strip() for g in (groups.split(",") if isinstance(groups, str) else groups)]
    given = [g for g in given if g]
    parts = user.split(":")
    if len(parts) == 4 and parts[:2] == ["system", "serviceaccount"] and not given:
        return service_account_identity(parts[2], parts[3])
    if "system:authenticated" not in given:
        given.append("system:authenticated")
    return Requester(user, tuple(given), f"user {user}")


# ------------------------------------------------------------------------------- RBAC


@dataclass(frozen=True)
class Rbac:
    """The RBAC objects a source holds.

    Attributes:
        cluster_roles: name -> rules.
        roles: (namespace, name) -> rules.
        cluster_role_bindings: the ClusterRoleBinding objects.
        role_bindings: the RoleBinding objects.
        reason: why grants are invisible (not collected), else ``None``.
        assumed: built-in ClusterRoles assumed because the source lacks them.
    """

    cluster_roles: Mapping[str, list[dict[str, Any]]]
    roles: Mapping[tuple[str, str], list[dict[str, Any]]]
    cluster_role_bindings: tuple[dict[str, Any], ...]
    role_bindings: tuple[dict[str, Any], ...]
    reason: str | None = None
    assumed: tuple[str, ...] = ()

    @property
    def visible(self) -> bool:
        """Whether the source holds the bindings (else only SCC users/groups count)."""
        return self.reason is None


def rbac_from_objects(
    *,
    cluster_roles: Iterable[Mapping[str, Any]] = (),
    roles: Iterable[Mapping[str, Any]] = (),
    cluster_role_bindings: Iterable[Mapping[str, Any]] = (),
    role_bindings: Iterable[Mapping[str, Any]] = (),
    reason: str | None = None,
) -> Rbac:
    """Index RBAC objects (as the API returns them)."""
    crs = {
        str((o.get("metadata") or {}).get("name")): list(o.get("rules") or [])
        for o in cluster_roles
    }
    assumed = []
    for name, rules in BUILTIN_CLUSTER_ROLES.items():
        if name not in crs:
            crs[name] = rules
            assumed.append(name)
    rs = {
        (
            str((o.get("metadata") or {}).get("namespace")),
            str((o.get("metadata") or {}).get("name")),
        ): list(o.get("rules") or [])
        for o in roles
    }
    return Rbac(
        crs,
        rs,
        tuple(dict(o) for o in cluster_role_bindings),
        tuple(dict(o) for o in role_bindings),
        reason,
        tuple(assumed),
    )


def load_rbac(source: Source) -> Rbac:
    """Read ClusterRoles, Roles and their bindings; a source without them gives ``reason``.

    Raises:
        ClusterAccessError: the API failed (a 403 becomes ``reason`` instead).
    """
    found: dict[str, list[dict[str, Any]]] = {}
    missing: list[str] = []
    for plural in ("clusterroles", "clusterrolebindings", "roles", "rolebindings"):
        try:
            found[plural] = source.list(plural)
        except NotApplicable:
            found[plural] = []
            missing.append(plural)
        except ClusterAccessError as err:
            if err.status != 403:
                raise
            found[plural] = []
            missing.append(f"{plural} (forbidden)")
    reason = None
    if "clusterrolebindings" in missing or "rolebindings" in missing:
        reason = (
            f"this source holds no {', '.join(missing)}, so RBAC grants of SCCs are invisible "
            f"and only the SCCs' own users/groups are shown; collect them with `{INSPECT_RBAC}` "
            "and pass inspect.rbac after the must-gather (comma-separated)"
        )
    return rbac_from_objects(
        cluster_roles=found["clusterroles"],
        roles=found["roles"],
        cluster_role_bindings=found["clusterrolebindings"],
        role_bindings=found["rolebindings"],
        reason=reason,
    )


def rule_allows_use(rule: Mapping[str, Any], scc: str) -> bool:
    """Whether one RBAC rule allows ``use`` of SCC ``scc`` (wildcards as RBAC matches them)."""
    verbs = rule.get("verbs") or []
    groups = rule.get("apiGroups") or []
    resources = rule.get("resources") or []
    names = rule.get("resourceNames") or []
    return (
        ("use" in verbs or "*" in verbs)
        and (SCC_GROUP in groups or "*" in groups)
        and (SCC_RESOURCE in resources or "*" in resources)
        and (not names or scc in names)
    )


def _rule_scope(rules: Iterable[Mapping[str, Any]], scc: str) -> str | None:
    """How the first matching rule names the SCC: ``resourceNames: x`` or ``all SCCs``."""
    for rule in rules:
        if rule_allows_use(rule, scc):
            if rule.get("resourceNames"):
                return f"resourceNames {scc}"
            wild = "*" in (rule.get("verbs") or []) or "*" in (rule.get("resources") or [])
            return "all SCCs (wildcard)" if wild else "all SCCs"
    return None


def _subject_matches(subject: Mapping[str, Any], who: Requester) -> bool:
    kind = subject.get("kind")
    name = str(subject.get("name") or "")
    if kind == "User":
        return name == who.user
    if kind == "Group":
        return name in who.groups
    if kind == "ServiceAccount":
        return who.user == f"system:serviceaccount:{subject.get('namespace')}:{name}"
    return False


def _subject_label(subject: Mapping[str, Any], binding_ns: str | None) -> tuple[str, str]:
    kind = str(subject.get("kind") or "?")
    name = str(subject.get("name") or "?")
    if kind == "ServiceAccount":
        return kind, f"system:serviceaccount:{subject.get('namespace') or binding_ns}:{name}"
    return kind, name


def _role_rules(
    rbac: Rbac, ref: Mapping[str, Any], namespace: str | None
) -> list[dict[str, Any]] | None:
    name = str(ref.get("name") or "")
    if ref.get("kind") == "Role" and namespace is not None:
        return rbac.roles.get((namespace, name))
    return rbac.cluster_roles.get(name)


@dataclass(frozen=True)
class Grant:
    """One way a subject may use an SCC.

    Attributes:
        scc: the SCC's name.
        subject_kind: ``User``, ``Group`` or ``ServiceAccount``.
        subject: the user or group name (service accounts as ``system:serviceaccount:ns:sa``).
        through: ``scc.users``, ``scc.groups``, or ``ClusterRoleBinding X -> ClusterRole Y``.
        scope: ``cluster`` or ``namespace <ns>`` (a RoleBinding works there only).
        rule: ``resourceNames anyuid``, ``all SCCs``, or ``named in the SCC``.
        assumed: the role is a built-in one the source does not hold.
    """

    scc: str
    subject_kind: str
    subject: str
    through: str
    scope: str
    rule: str
    assumed: bool = False


def all_grants(policies: Policies, rbac: Rbac) -> list[Grant]:
    """Every grant of every SCC: its own users/groups, then the RBAC bindings."""
    out: list[Grant] = []
    for scc in policies.sccs:
        for user in scc.users:
            kind = "ServiceAccount" if user.startswith("system:serviceaccount:") else "User"
            out.append(Grant(scc.name, kind, user, "scc.users", "cluster", "named in the SCC"))
        for group in scc.groups:
            out.append(Grant(scc.name, "Group", group, "scc.groups", "cluster", "named in the SCC"))
        out.extend(_rbac_grants(scc, rbac))
    return out


def _rbac_grants(scc: Scc, rbac: Rbac) -> list[Grant]:
    out: list[Grant] = []
    bindings = [(b, None) for b in rbac.cluster_role_bindings] + [
        (b, str((b.get("metadata") or {}).get("namespace"))) for b in rbac.role_bindings
    ]
    for binding, ns in bindings:
        ref = binding.get("roleRef") or {}
        rules = _role_rules(rbac, ref, ns)
        if rules is None:
            continue
        rule = _rule_scope(rules, scc.name)
        if rule is None:
            continue
        kind = "RoleBinding" if ns is not None else "ClusterRoleBinding"
        bname = str((binding.get("metadata") or {}).get("name"))
        through = f"{kind} {ns + '/' if ns else ''}{bname} -> {ref.get('kind')} {ref.get('name')}"
        assumed = ref.get("kind") == "ClusterRole" and ref.get("name") in rbac.assumed
        for subject in binding.get("subjects") or []:
            skind, sname = _subject_label(subject, ns)
            out.append(
                Grant(
                    scc.name,
                    skind,
                    sname,
                    through + (" (built-in role assumed)" if assumed else ""),
                    f"namespace {ns}" if ns else "cluster",
                    rule,
                    assumed,
                )
            )
    return out


def access_through(scc: Scc, who: Requester, namespace: str, rbac: Rbac) -> str | None:
    """How ``who`` may use ``scc`` for a pod in ``namespace``, or ``None`` when it may not."""
    if who.user in scc.users:
        return f"{who.user} named in scc.users"
    for group in scc.groups:
        if group in who.groups:
            return f"group {group} named in scc.groups"
    for grant in _rbac_grants(scc, rbac):
        if grant.scope not in ("cluster", f"namespace {namespace}"):
            continue
        subject = {"kind": grant.subject_kind, "name": grant.subject}
        if grant.subject_kind == "ServiceAccount":
            matches = who.user == grant.subject
        else:
            matches = _subject_matches(subject, who)
        if matches:
            return f"{grant.subject_kind} {grant.subject}: {grant.through} ({grant.rule})"
    return None


GRANT_COLUMNS = ["SCC", "SUBJECT KIND", "SUBJECT", "THROUGH", "SCOPE", "RULE"]


def grants_frame(
    grants: Iterable[Grant], *, by: str = "scc", scc_order: Iterable[str] = ()
) -> pd.DataFrame:
    """Grants as a table, per SCC (admission order) or per subject (``by="subject"``)."""
    order = {name: i for i, name in enumerate(scc_order)}
    rows = [
        {
            "SCC": g.scc,
            "SUBJECT KIND": g.subject_kind,
            "SUBJECT": g.subject,
            "THROUGH": g.through,
            "SCOPE": g.scope,
            "RULE": g.rule,
        }
        for g in grants
    ]
    frame = pd.DataFrame(rows, columns=GRANT_COLUMNS)
    if frame.empty:
        return frame
    frame["_o"] = frame["SCC"].map(lambda n: order.get(n, len(order)))
    keys = ["SUBJECT", "_o"] if by == "subject" else ["_o", "SUBJECT"]
    frame = frame.sort_values(keys, kind="stable").drop(columns="_o")
    if by == "subject":
        frame = frame[["SUBJECT KIND", "SUBJECT", "SCC", "THROUGH", "SCOPE", "RULE"]]
    return frame.reset_index(drop=True)


def usable_frame(policies: Policies, rbac: Rbac, who: Requester, namespace: str) -> pd.DataFrame:
    """For one requester in one namespace: every SCC in admission order, usable or not, and how."""
    rows = []
    for scc in policies.sccs:
        how = access_through(scc, who, namespace, rbac)
        rows.append({"SCC": scc.name, "USABLE": how is not None, "THROUGH": how or ""})
    return pd.DataFrame(rows, columns=["SCC", "USABLE", "THROUGH"])
