"""permissions.sections - what each runbook section needs from the API, and how to grant it.

:data:`SECTIONS` maps each runbook section to the API access it needs: one or more
:class:`AccessPath` (a section is allowed when every :class:`Access` of one of its paths is),
each access a verb, group, resource, subresource and namespace scope, with the RBAC rule and the
``oc`` command that grant it, and what the runbooks do without it.

Node commands have two paths: the temporary namespace ``oc debug`` creates (``create
namespaces``, pods and ``pods/exec`` in any namespace) or an existing debug namespace
(:data:`DEBUG_NS`, filled in by :func:`~rhcos_helpers.permissions.reviews.preflight`). Both need
``use`` of SCC ``privileged``. ``nodes/proxy`` is marked privileged-equivalent: a GET on it
reaches the kubelet's exec endpoint over a websocket, so granting it is granting node access.

Examples:
    >>> SECTIONS["node-stats"].paths[0].needs[0].describe()
    'get nodes/proxy (cluster-wide)'
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

__all__ = [
    "DEBUG_NS",
    "SECTIONS",
    "Access",
    "AccessPath",
    "Section",
]

#: Placeholder for the debug namespace in an access's ``namespace``.
DEBUG_NS = "{debug_namespace}"


@dataclass(frozen=True)
class Access:
    """One API access: what a ``SelfSubjectAccessReview`` asks.

    Attributes:
        verb: ``get``, ``list``, ``create``, ``delete``, ``use``...
        group: API group (``""`` for core).
        resource: plural resource name.
        subresource: e.g. ``exec`` or ``proxy``.
        namespace: ``None`` for cluster scope (cluster-scoped resources, or every namespace),
            else a namespace (``{debug_namespace}`` is filled in by
            :func:`~rhcos_helpers.permissions.reviews.preflight`).
        name: one object's name (``privileged`` for SCC use), ``""`` for any.
        privileged: granting it grants node access (``nodes/proxy``, exec, SCC ``privileged``).
        grant: the command that grants it (may hold ``{user}`` and ``{namespace}``); accesses
            sharing one command are granted together.
    """

    verb: str
    group: str
    resource: str
    subresource: str = ""
    namespace: str | None = None
    name: str = ""
    privileged: bool = False
    grant: str = field(default="", compare=False)

    @property
    def plural(self) -> str:
        """``resource/subresource`` as RBAC names it."""
        return f"{self.resource}/{self.subresource}" if self.subresource else self.resource

    def describe(self) -> str:
        """One line, e.g. ``create pods/exec in namespace rhcos-debug``."""
        what = self.plural + (f".{self.group}" if self.group else "")
        if self.name:
            what += f" {self.name!r}"
        scope = f"in namespace {self.namespace}" if self.namespace else "(cluster-wide)"
        return f"{self.verb} {what} {scope}"

    def rule(self) -> str:
        """The RBAC rule that grants it (a Role in the namespace, else a ClusterRole).

        Examples:
            >>> Access("use", "security.openshift.io", "securitycontextconstraints",
            ...        name="privileged").rule()
            'ClusterRole rule {apiGroups: ["security.openshift.io"], resources: ["securitycontextconstraints"], resourceNames: ["privileged"], verbs: ["use"]}'
        """
        names = f', resourceNames: ["{self.name}"]' if self.name else ""
        holder = f"Role (namespace {self.namespace})" if self.namespace else "ClusterRole"
        return (
            f'{holder} rule {{apiGroups: ["{self.group}"], resources: ["{self.plural}"]{names}, '
            f'verbs: ["{self.verb}"]}}'
        )

    def attributes(self) -> dict[str, str]:
        """``spec.resourceAttributes`` of the access review."""
        attrs = {"verb": self.verb, "group": self.group, "resource": self.resource}
        if self.subresource:
            attrs["subresource"] = self.subresource
        if self.namespace:
            attrs["namespace"] = self.namespace
        if self.name:
            attrs["name"] = self.name
        return attrs


@dataclass(frozen=True)
class AccessPath:
    """One way to run a section: every access in ``needs``."""

    label: str
    needs: tuple[Access, ...]


@dataclass(frozen=True)
class Section:
    """A runbook section and the ways it can run.

    Attributes:
        name: key in :data:`SECTIONS`.
        title: for people.
        paths: ways to run it; the first that is fully allowed wins.
        effect: what the runbooks do when it is denied.
    """

    name: str
    title: str
    paths: tuple[AccessPath, ...]
    effect: str

    @property
    def privileged(self) -> bool:
        """Whether running it needs a privileged-equivalent grant."""
        return any(a.privileged for p in self.paths for a in p.needs)


_READER = "oc adm policy add-cluster-role-to-user cluster-reader {user}"
_NODE_PROXY = (
    "oc create clusterrole rhcos-runbooks-node-proxy --verb=get --resource=nodes/proxy && "
    "oc adm policy add-cluster-role-to-user rhcos-runbooks-node-proxy {user}  "
    "# privileged-equivalent: nodes/proxy reaches the kubelet's exec endpoint"
)
_DEBUG_ROLE = (
    "oc create clusterrole rhcos-runbooks-debug --verb=create,get,list,delete "
    "--resource=namespaces,pods,pods/exec && "
    "oc adm policy add-cluster-role-to-user rhcos-runbooks-debug {user}"
)
_NS_ADMIN = "oc adm policy add-role-to-user admin {user} -n {namespace}"
_PRIVILEGED_SCC = Access(
    "use",
    "security.openshift.io",
    "securitycontextconstraints",
    name="privileged",
    privileged=True,
    grant="oc adm policy add-scc-to-user privileged {user}",
)


def _reads(*items: tuple[str, str]) -> tuple[Access, ...]:
    return tuple(Access("list", group, res, grant=_READER) for group, res in items)


def _debug(verb: str, resource: str, sub: str = "", *, ns: bool, priv: bool = False) -> Access:
    if ns:
        return Access(verb, "", resource, sub, DEBUG_NS, privileged=priv, grant=_NS_ADMIN)
    return Access(verb, "", resource, sub, privileged=priv, grant=_DEBUG_ROLE)


_PROXY = Access("get", "", "nodes", "proxy", privileged=True, grant=_NODE_PROXY)
_MCO = "machineconfiguration.openshift.io"
_RBAC = "rbac.authorization.k8s.io"

SECTIONS: dict[str, Section] = {
    s.name: s
    for s in (
        Section(
            "cluster",
            "Cluster version, operators and platform",
            (
                AccessPath(
                    "cluster-reader",
                    (
                        Access("get", "config.openshift.io", "clusterversions", grant=_READER),
                        *_reads(
                            ("config.openshift.io", "clusteroperators"),
                            ("config.openshift.io", "infrastructures"),
                        ),
                    ),
                ),
            ),
            "the cluster overview is not shown",
        ),
        Section(
            "nodes",
            "Nodes, their pods and nodeInfo (API-only node data)",
            (
                AccessPath(
                    "cluster-reader",
                    _reads(("", "nodes"), ("", "pods"), ("", "events")),
                ),
            ),
            "node tables are not shown",
        ),
        Section(
            "machine-config",
            "MachineConfigs, pools and the MCO's node annotations",
            (
                AccessPath(
                    "cluster-reader",
                    _reads(
                        (_MCO, "machineconfigs"),
                        (_MCO, "machineconfigpools"),
                        (_MCO, "kubeletconfigs"),
                        (_MCO, "containerruntimeconfigs"),
                        (_MCO, "controllerconfigs"),
                    ),
                ),
            ),
            "pool and MachineConfig sections are skipped",
        ),
        Section(
            "scc",
            "SecurityContextConstraints, RBAC bindings and namespaces",
            (
                AccessPath(
                    "cluster-reader",
                    _reads(
                        ("security.openshift.io", "securitycontextconstraints"),
                        (_RBAC, "clusterroles"),
                        (_RBAC, "clusterrolebindings"),
                        (_RBAC, "roles"),
                        (_RBAC, "rolebindings"),
                        ("", "namespaces"),
                        ("", "serviceaccounts"),
                        ("", "pods"),
                    ),
                ),
            ),
            "the SCC runbook cannot tell who may use which SCC",
        ),
        Section(
            "node-stats",
            "Kubelet stats summary (nodes/proxy; privileged-equivalent)",
            (AccessPath("nodes/proxy", (_PROXY,)),),
            "per-pod and filesystem usage from the kubelet is not shown",
        ),
        Section(
            "node-logs",
            "Node journal through the node-logs API (nodes/proxy; privileged-equivalent)",
            (AccessPath("nodes/proxy", (_PROXY,)),),
            "journal excerpts need node commands (a debug pod) or a sos report",
        ),
        Section(
            "node-commands",
            "Commands on the node (a privileged debug pod, as `oc debug node/X`)",
            (
                AccessPath(
                    "temporary namespace (as oc debug)",
                    (
                        _debug("create", "namespaces", ns=False),
                        _debug("delete", "namespaces", ns=False),
                        _debug("create", "pods", ns=False, priv=True),
                        _debug("get", "pods", ns=False),
                        _debug("delete", "pods", ns=False),
                        _debug("create", "pods", "exec", ns=False, priv=True),
                        # the client's exec is a websocket GET: authorised as get pods/exec
                        _debug("get", "pods", "exec", ns=False, priv=True),
                        _PRIVILEGED_SCC,
                    ),
                ),
                AccessPath(
                    "debug namespace {namespace}",
                    (
                        _debug("create", "pods", ns=True, priv=True),
                        _debug("get", "pods", ns=True),
                        _debug("delete", "pods", ns=True),
                        _debug("create", "pods", "exec", ns=True, priv=True),
                        _debug("get", "pods", "exec", ns=True, priv=True),
                        replace(
                            _PRIVILEGED_SCC,
                            namespace=DEBUG_NS,
                            grant="oc adm policy add-scc-to-user privileged {user} -n {namespace}",
                        ),
                    ),
                ),
            ),
            "node commands fall back to API-only data (nodeInfo, MCO annotations, and the "
            "kubelet stats and node logs when nodes/proxy is allowed)",
        ),
    )
}
