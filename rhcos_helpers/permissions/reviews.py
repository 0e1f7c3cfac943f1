"""permissions.reviews - before a live run, ask the API which sections the caller may run.

:func:`preflight` asks the API server about each access of
:data:`~rhcos_helpers.permissions.sections.SECTIONS` with a ``SelfSubjectAccessReview``
(authoritative: it goes through every authorizer) and, for a debug namespace given by name, one
``SelfSubjectRulesReview`` first (one request that settles every access it allows there; denials
are still confirmed with an access review, because a rules review may be incomplete). The
answer, a :class:`Preflight`, says per section allowed or denied, what was denied, the grant that
would enable it, and what the runbooks do without it.

Without node commands (e.g. a dedicated-admin on a managed cluster) the runbooks fall back to
API-only data: nodeInfo, MCO annotations, and the kubelet stats summary and node logs when
``nodes/proxy`` is allowed. Captures and demos need no API access: every section is allowed and
the result says so.

Examples:
    >>> from rhcos_helpers.sources import open_source
    >>> pf = preflight(open_source("demo"))
    >>> pf.allowed("node-commands"), pf.notes[0][:28]
    (True, 'demo: no API access is neede')
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from rhcos_helpers.errors import ClusterAccessError, UsageError
from rhcos_helpers.permissions.sections import DEBUG_NS, SECTIONS, Access, AccessPath, Section
from rhcos_helpers.sources.base import Source

if TYPE_CHECKING:
    import pandas as pd

    from rhcos_helpers.sources.live import LiveSource

__all__ = [
    "Preflight",
    "SectionCheck",
    "preflight",
]

log = logging.getLogger(__name__)

_SSAR = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
_SSRR = "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews"
_SSR = "/apis/authentication.k8s.io/v1/selfsubjectreviews"
_USER = "USER"
_FRAME_COLUMNS = ["section", "title", "allowed", "path", "privileged", "denied", "grant", "effect"]


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
        >>> from rhcos_helpers.permissions.sections import _PRIVILEGED_SCC
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
