"""permissions - before a live run, ask the API which runbook sections the caller may run.

:data:`SECTIONS` maps each runbook section to the API access it needs (verb, group, resource,
subresource, namespace scope). :func:`preflight` asks the API server about each one with a
``SelfSubjectAccessReview`` (authoritative: it goes through every authorizer) and, for a debug
namespace given by name, one ``SelfSubjectRulesReview`` first (one request that settles every
access it allows there; denials are still confirmed with an access review, because a rules
review may be incomplete). The answer says, per section, allowed or denied, what was denied, the
grant that would enable it, and what the runbooks do without it.

Access paths: a section is allowed when all accesses of one of its paths are. Node commands
have two: the temporary namespace ``oc debug`` creates (``create namespaces``, pods and
``pods/exec`` in any namespace) or an existing debug namespace (``debug_namespace``). Both need
``use`` of SCC ``privileged``. Without them (e.g. a dedicated-admin on a managed cluster) the
runbooks fall back to API-only data: nodeInfo, MCO annotations, and the kubelet stats summary and
node logs when ``nodes/proxy`` is allowed.

``nodes/proxy`` is marked privileged-equivalent: a GET on it reaches the kubelet's exec endpoint
over a websocket, so granting it is granting node access.

Captures and demos need no API access: every section is allowed and the result says so.

Examples:
    >>> from rhcos_helpers.sources import open_source
    >>> pf = preflight(open_source("demo"))
    >>> pf.allowed("node-commands"), pf.notes[0][:28]
    (True, 'demo: no API access is neede')
    >>> SECTIONS["node-stats"].paths[0].needs[0].describe()
    'get nodes/proxy (cluster-wide)'
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from rhcos_helpers.errors import ClusterAccessError, UsageError
from rhcos_helpers.sources.base import Source

if TYPE_CHECKING:
    import pandas as pd

    from rhcos_helpers.sources.live import LiveSource

__all__ = [
    "SECTIONS",
    "Access",
    "AccessPath",
    "Preflight",
    "Section",
    "SectionCheck",
    "preflight",
]

log = logging.getLogger(__name__)

_SSAR = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
_SSRR = "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews"
_SSR = "/apis/authentication.k8s.io/v1/selfsubjectreviews"
#: Placeholder for the debug namespace in an access's ``namespace``.
DEBUG_NS = "{debug_namespace}"
_USER = "USER"
_FRAME_COLUMNS = ["section", "title", "allowed", "path", "privileged", "denied", "grant", "effect"]


@dataclass(frozen=True)
class Access:
    """One API access: what a ``SelfSubjectAccessReview`` asks.

    Attributes:
        verb: ``get``, ``list``, ``create``, ``delete``, ``use``...
        group: API group (``""`` for core).
        resource: plural resource name.
        subresource: e.g. ``exec`` or ``proxy``.
        namespace: ``None`` for cluster scope (cluster-scoped resources, or every namespace),
            else a namespace (``{debug_namespace}`` is filled in by :func:`preflight`).
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


@dataclass(frozen=True)
class SectionCheck:
    """The verdict for one section.

    Attributes:
        section: key in :data:`SECTIONS`.
        title: for people.
        allowed: every access of one path is allowed.
        path: the path that is allowed (or the one closest to it when denied).
        privileged: the section needs a privileged-equivalent grant.
        denied: accesses of ``path`` that were denied, described.
        rules: the RBAC rules that would grant the denied accesses.
        grant: the command that would enable the section (``""`` when allowed).
        effect: what the runbooks do without it (``""`` when allowed).
    """

    section: str
    title: str
    allowed: bool
    path: str
    privileged: bool
    denied: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    grant: str = ""
    effect: str = ""


@dataclass(frozen=True)
class Preflight:
    """What the caller may run, section by section.

    Attributes:
        source_kind: ``live``, ``capture`` or ``demo``.
        user: the user name the API server reports (``None`` when it cannot tell).
        checks: one :class:`SectionCheck` per section asked about.
        notes: what the reader must know (API-only fallback, sources without an API).
        reviews: access reviews sent (0 for captures).
    """

    source_kind: str
    user: str | None
    checks: tuple[SectionCheck, ...]
    notes: tuple[str, ...] = ()
    reviews: int = 0
    _by_name: dict[str, SectionCheck] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_name.update({c.section: c for c in self.checks})

    def check(self, section: str) -> SectionCheck:
        """The verdict for one section.

        Raises:
            UsageError: a section that was not checked.
        """
        try:
            return self._by_name[section]
        except KeyError:
            raise UsageError(
                f"section {section!r} was not checked; checked: {', '.join(self._by_name)}"
            ) from None

    def allowed(self, section: str) -> bool:
        """Whether ``section`` may run."""
        return self.check(section).allowed

    @property
    def api_only(self) -> bool:
        """True when node commands are denied: node data comes from the API only."""
        check = self._by_name.get("node-commands")
        return check is not None and not check.allowed

    def denied(self) -> list[SectionCheck]:
        """The sections that cannot run."""
        return [c for c in self.checks if not c.allowed]

    def to_records(self) -> list[dict[str, Any]]:
        """One dict per section (denied accesses joined with ``; ``)."""
        return [
            {
                "section": c.section,
                "title": c.title,
                "allowed": c.allowed,
                "path": c.path,
                "privileged": c.privileged,
                "denied": "; ".join(c.denied),
                "grant": c.grant,
                "effect": c.effect,
            }
            for c in self.checks
        ]

    def to_frame(self) -> pd.DataFrame:
        """The verdicts as a table for notebooks."""
        import pandas as pd

        return pd.DataFrame(self.to_records(), columns=_FRAME_COLUMNS)


def preflight(
    source: Source,
    *,
    sections: Sequence[str] | None = None,
    debug_namespace: str | None = None,
    concurrency: int = 8,
) -> Preflight:
    """Ask the API server which sections the caller may run.

    Args:
        source: a live source asks the API; captures and demos are allowed everything.
        sections: keys of :data:`SECTIONS`; ``None`` means all.
        debug_namespace: an existing namespace for debug pods (the second way to run node
            commands, e.g. on a managed cluster); ``None`` checks only the temporary-namespace
            way.
        concurrency: access reviews in flight at once.

    Returns:
        A :class:`Preflight` with one check per section, in :data:`SECTIONS` order.

    Raises:
        UsageError: an unknown section.
        ClusterAccessError: the API cannot be reached, or the token is invalid (401).
    """
    names = list(SECTIONS) if sections is None else list(dict.fromkeys(sections))
    unknown = [n for n in names if n not in SECTIONS]
    if unknown:
        raise UsageError(
            f"unknown section(s) {', '.join(unknown)}; known sections: {', '.join(SECTIONS)}"
        )
    chosen = [SECTIONS[n] for n in SECTIONS if n in names]
    kind = source.identity.kind
    live = _as_live(source)
    if live is None:
        note = (
            f"{kind}: no API access is needed; every section runs on what the {kind} holds "
            "(sections it did not collect say so when they run)"
        )
        checks = tuple(
            SectionCheck(s.name, s.title, True, "no API (offline source)", s.privileged)
            for s in chosen
        )
        return Preflight(kind, None, checks, (note,))

    user = _whoami(live)
    paths = [
        (s, p)
        for s in chosen
        for p in s.paths
        if debug_namespace or all(a.namespace != DEBUG_NS for a in p.needs)
    ]
    wanted = {_resolve(a, debug_namespace) for _, p in paths for a in p.needs}
    verdicts, reviews = _review(live, wanted, debug_namespace, concurrency)
    checks = tuple(_verdict(s, paths, verdicts, user, debug_namespace) for s in chosen)
    notes: list[str] = []
    pre = Preflight("live", user, checks)
    if pre.api_only:
        notes.append(
            "node commands are not allowed (no privileged debug pod): node data falls back to "
            "API-only sources (nodeInfo, MCO annotations"
            + (
                ", kubelet stats and node logs)"
                if "node-stats" in pre._by_name and pre.allowed("node-stats")
                else ")"
            )
        )
    for c in checks:
        if c.allowed and c.privileged:
            notes.append(f"{c.section} uses a privileged-equivalent grant ({c.path})")
    log.info(
        "preflight for %s: %d/%d section(s) allowed, %d access review(s)",
        user or "unknown user",
        sum(c.allowed for c in checks),
        len(checks),
        reviews,
    )
    return Preflight("live", user, checks, tuple(notes), reviews)


def _as_live(source: Source) -> LiveSource | None:
    from rhcos_helpers.sources.live import LiveSource

    return source if isinstance(source, LiveSource) else None


def _resolve(access: Access, namespace: str | None) -> Access:
    if access.namespace == DEBUG_NS:
        return replace(access, namespace=namespace)
    return access


def _whoami(live: LiveSource) -> str | None:
    """The user name from a ``SelfSubjectReview`` (Kubernetes 1.28+), else ``None``."""
    body = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}
    try:
        answer = live.post(_SSR, body)
    except ClusterAccessError as err:
        if err.status is None or err.status == 401:
            raise
        log.debug("SelfSubjectReview not answered: %s", err)
        return None
    name = ((answer.get("status") or {}).get("userInfo") or {}).get("username")
    return str(name) if name else None


def _review(
    live: LiveSource, wanted: set[Access], namespace: str | None, concurrency: int
) -> tuple[dict[Access, bool], int]:
    """Allowed or not for each access; a rules review settles what it allows in ``namespace``."""
    verdicts: dict[Access, bool] = {}
    reviews = 0
    if namespace:
        in_ns = [a for a in wanted if a.namespace == namespace]
        if in_ns:
            rules = _rules_in(live, namespace)
            reviews += 1
            for a in in_ns:
                if any(_rule_allows(r, a) for r in rules):
                    verdicts[a] = True
    todo = sorted((a for a in wanted if a not in verdicts), key=lambda a: a.describe())

    def ask(a: Access) -> bool:
        body = {
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SelfSubjectAccessReview",
            "spec": {"resourceAttributes": a.attributes()},
        }
        status = live.post(_SSAR, body).get("status") or {}
        allowed = bool(status.get("allowed")) and not status.get("denied")
        log.debug("access review: %s -> %s", a.describe(), allowed)
        return allowed

    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        for a, ok in zip(todo, pool.map(ask, todo), strict=True):
            verdicts[a] = ok
    return verdicts, reviews + len(todo)


def _rules_in(live: LiveSource, namespace: str) -> list[dict[str, Any]]:
    body = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectRulesReview",
        "spec": {"namespace": namespace},
    }
    status = live.post(_SSRR, body).get("status") or {}
    if status.get("incomplete"):
        log.debug(
            "rules review in %s is incomplete (%s); denials are checked one by one",
            namespace,
            status.get("evaluationError", "no reason"),
        )
    return [r for r in status.get("resourceRules") or [] if isinstance(r, dict)]


def _rule_allows(rule: dict[str, Any], a: Access) -> bool:
    """Whether one ``resourceRules`` entry allows ``a`` (RBAC's matching).

    Examples:
        >>> _rule_allows({"verbs": ["*"], "apiGroups": [""], "resources": ["pods/*"]},
        ...              Access("create", "", "pods", "exec"))
        True
        >>> _rule_allows({"verbs": ["use"], "apiGroups": ["security.openshift.io"],
        ...               "resources": ["securitycontextconstraints"],
        ...               "resourceNames": ["restricted-v2"]}, _PRIVILEGED_SCC)
        False
    """
    verbs = rule.get("verbs") or []
    groups = rule.get("apiGroups") or []
    resources = rule.get("resources") or []
    names = rule.get("resourceNames") or []
    if "*" not in verbs and a.verb not in verbs:
        return False
    if "*" not in groups and a.group not in groups:
        return False
    if names and a.name not in names:
        return False
    candidates = {"*", a.plural}
    if a.subresource:
        candidates |= {f"*/{a.subresource}", f"{a.resource}/*"}
    return bool(candidates & set(resources))


def _verdict(
    section: Section,
    paths: list[tuple[Section, AccessPath]],
    verdicts: dict[Access, bool],
    user: str | None,
    namespace: str | None,
) -> SectionCheck:
    best: tuple[AccessPath, list[Access]] | None = None
    for s, p in paths:
        if s is not section:
            continue
        missing = [a for a in (_resolve(x, namespace) for x in p.needs) if not verdicts.get(a)]
        label = p.label.format(namespace=namespace or "")
        if not missing:
            return SectionCheck(section.name, section.title, True, label, section.privileged)
        if best is None or len(missing) < len(best[1]):
            best = (p, missing)
    assert best is not None, f"section {section.name} has no path to check"
    path, missing = best
    commands = dict.fromkeys(a.grant for a in missing if a.grant)
    grant = " && ".join(commands).format(user=user or _USER, namespace=namespace or "NAMESPACE")
    return SectionCheck(
        section=section.name,
        title=section.title,
        allowed=False,
        path=path.label.format(namespace=namespace or ""),
        privileged=section.privileged,
        denied=tuple(a.describe() for a in missing),
        rules=tuple(a.rule() for a in missing),
        grant=grant,
        effect=section.effect,
    )
