"""scc.admission - which SCC admits a pod, the security context it gets, and why others did not.

The walk follows the admission plugin (openshift/apiserver-library-go ``sccadmission``): the SCCs
in admission order (:func:`rhcos_helpers.scc.policies.admission_order`; only the one named by the pod
annotation ``openshift.io/required-scc`` when it is set), each checked for access first (the
pod's service account, then the requesting user: :func:`rhcos_helpers.scc.access.access_through`)
and then defaulted and validated against the pod. On CREATE the first SCC that validates wins,
even when it changed the pod. The namespace's ``openshift.io/sa.scc.uid-range``,
``openshift.io/sa.scc.mcs`` and ``openshift.io/sa.scc.supplemental-groups`` fill what the SCC
leaves open: MustRunAsRange gives the first UID of the block, MustRunAs SELinux the level,
fsGroup the first GID, supplemental groups the first GID of the blocks.

Messages for SCCs passed over use the admission plugin's wording (``provider "anyuid":
Forbidden: not usable by user or serviceaccount``, ``provider restricted-v2: .containers[0]
.runAsUser: Invalid value: 0: must be in the ranges: [...]``).

Examples:
    >>> pod = parse_pod_yaml(SEED_POD_YAML)
    >>> pod["spec"]["containers"][0]["securityContext"]
    {'runAsUser': 0}
    >>> parse_block("1000310000/10000"), parse_block("1000-1999")
    ((1000310000, 1000319999), (1000, 1999))
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import yaml

from rhcos_helpers.errors import ParseError, UsageError
from rhcos_helpers.scc.access import Rbac, Requester, access_through, service_account_identity
from rhcos_helpers.scc.policies import Policies, Scc, score
from rhcos_helpers.sources.base import Source

__all__ = [
    "NamespaceAllocation",
    "Review",
    "Verdict",
    "allocation",
    "parse_block",
    "parse_pod_yaml",
    "pod_from_source",
    "review",
    "security_context_frame",
    "seed_pod",
    "verdict_frame",
]

log = logging.getLogger(__name__)

SPEC = "pod"
UID_RANGE = "openshift.io/sa.scc.uid-range"
MCS = "openshift.io/sa.scc.mcs"
SUPPLEMENTAL = "openshift.io/sa.scc.supplemental-groups"
REQUIRED_SCC = "openshift.io/required-scc"
SCC_ANNOTATION = "openshift.io/scc"
_WORKLOADS = {"Deployment", "DeploymentConfig", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}
_WORKLOAD_PLURALS = {"deployment": "deployments", "daemonset": "daemonsets"}
_VOLUME_SOURCES_SKIP = {"name"}


def parse_block(text: str) -> tuple[int, int]:
    """A namespace allocation block: ``start/size`` or ``start-end`` (library-go ``ParseBlock``).

    Raises:
        ParseError: for anything else.
    """
    raw = text.strip()
    try:
        if "/" in raw:
            start, size = (int(p) for p in raw.split("/", 1))
            if size <= 0:
                raise ValueError("size must be positive")
            return start, start + size - 1
        if "-" in raw:
            start, end = (int(p) for p in raw.split("-", 1))
            if end < start:
                raise ValueError("end before start")
            return start, end
    except ValueError as err:
        raise ParseError("namespace annotation", f"block {raw!r}: {err}", excerpt=raw) from None
    raise ParseError("namespace annotation", f"block {raw!r} is not start/size or start-end")


@dataclass(frozen=True)
class NamespaceAllocation:
    """What a namespace's SCC annotations allocate (``None`` where the annotation is missing).

    Attributes:
        namespace: the namespace.
        uid_range: from ``openshift.io/sa.scc.uid-range``.
        mcs: from ``openshift.io/sa.scc.mcs``.
        groups: blocks of ``openshift.io/sa.scc.supplemental-groups`` (else the UID block).
        problems: missing or unreadable annotations, one line each.
    """

    namespace: str
    uid_range: tuple[int, int] | None
    mcs: str | None
    groups: tuple[tuple[int, int], ...]
    problems: tuple[str, ...] = ()


def allocation(namespace: Mapping[str, Any]) -> NamespaceAllocation:
    """Read the SCC annotations of a Namespace object.

    Examples:
        >>> a = allocation({"metadata": {"name": "x", "annotations": {
        ...     "openshift.io/sa.scc.uid-range": "1000680000/10000",
        ...     "openshift.io/sa.scc.mcs": "s0:c26,c15"}}})
        >>> a.uid_range, a.mcs, a.groups
        ((1000680000, 1000689999), 's0:c26,c15', ((1000680000, 1000689999),))
    """
    meta = namespace.get("metadata") or {}
    name = str(meta.get("name") or "")
    ann = meta.get("annotations") or {}
    problems: list[str] = []
    uid_range = None
    if ann.get(UID_RANGE):
        try:
            uid_range = parse_block(str(ann[UID_RANGE]))
        except ParseError as err:
            problems.append(f"{UID_RANGE}: {err.reason}")
    else:
        problems.append(f"namespace {name} has no annotation {UID_RANGE}")
    mcs = str(ann[MCS]) if ann.get(MCS) else None
    if mcs is None:
        problems.append(f"namespace {name} has no annotation {MCS}")
    groups: list[tuple[int, int]] = []
    if ann.get(SUPPLEMENTAL):
        for block in str(ann[SUPPLEMENTAL]).split(","):
            try:
                groups.append(parse_block(block))
            except ParseError as err:
                problems.append(f"{SUPPLEMENTAL}: {err.reason}")
    elif uid_range is not None:
        groups.append(uid_range)
    return NamespaceAllocation(name, uid_range, mcs, tuple(groups), tuple(problems))


# ----------------------------------------------------------------------------------- pods


def _pod_from_doc(doc: Any, spec: str) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise ParseError(spec, "not a YAML object (a Pod, a workload or a pod template)")
    kind = doc.get("kind")
    if kind in _WORKLOADS or kind == "CronJob":
        template = (doc.get("spec") or {}).get("template")
        if kind == "CronJob":
            template = (((doc.get("spec") or {}).get("jobTemplate") or {}).get("spec") or {}).get(
                "template"
            )
        if not isinstance(template, dict):
            raise ParseError(spec, f"{kind} without spec.template")
        pod = {"apiVersion": "v1", "kind": "Pod", **copy.deepcopy(template)}
        meta = pod.setdefault("metadata", {}) or {}
        meta.setdefault("name", (doc.get("metadata") or {}).get("name", "pod"))
        pod["metadata"] = meta
        doc = pod
    elif kind not in (None, "Pod", "PodTemplate"):
        raise ParseError(spec, f"kind {kind} holds no pod template")
    if kind == "PodTemplate":
        doc = {"apiVersion": "v1", "kind": "Pod", **copy.deepcopy(doc.get("template") or {})}
    pod_spec = doc.get("spec")
    if not isinstance(pod_spec, dict):
        raise ParseError(spec, "no spec")
    containers = pod_spec.get("containers")
    if not isinstance(containers, list) or not containers:
        raise ParseError(spec, "spec.containers is empty or not a list")
    for c in containers + list(pod_spec.get("initContainers") or []):
        if not isinstance(c, dict) or not isinstance(c.get("name"), str):
            raise ParseError(spec, "a container without a name")
        if c.get("securityContext") is not None and not isinstance(c["securityContext"], dict):
            raise ParseError(spec, f"container {c['name']}: securityContext is not an object")
    if pod_spec.get("securityContext") is not None and not isinstance(
        pod_spec["securityContext"], dict
    ):
        raise ParseError(spec, "spec.securityContext is not an object")
    if not isinstance(pod_spec.get("volumes") or [], list):
        raise ParseError(spec, "spec.volumes is not a list")
    doc.setdefault("metadata", {})
    doc.setdefault("kind", "Pod")
    result: dict[str, Any] = doc
    return result


def parse_pod_yaml(text: str) -> dict[str, Any]:
    """A pod from YAML (or JSON): a Pod, a workload (its template) or a PodTemplate.

    Raises:
        ParseError: YAML that does not parse, or holds no pod with containers (one line).

    Examples:
        >>> parse_pod_yaml("{kind: Pod, spec: {containers: []}}")
        Traceback (most recent call last):
        ...
        rhcos_helpers.errors.ParseError: pod yaml: spec.containers is empty or not a list
    """
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(err, "problem", None) or "not YAML"
        raise ParseError("pod yaml", f"invalid YAML{where}: {problem}") from None
    return _pod_from_doc(doc, "pod yaml")


SEED_POD: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "runs-as-root"},
    "spec": {
        "containers": [
            {"name": "app", "image": "registry.access.redhat.com/ubi9/ubi-minimal",
             "securityContext": {"runAsUser": 0}}
        ],
    },
}  # fmt: skip


def seed_pod(service_account: str) -> dict[str, Any]:
    """The seed's pod: one container that asks to run as UID 0, with ``service_account``."""
    pod = copy.deepcopy(SEED_POD)
    pod["spec"]["serviceAccountName"] = service_account
    return pod


def pod_from_source(source: Source, namespace: str, ref: str) -> dict[str, Any]:
    """An existing pod (``NAME`` or ``pod/NAME``) or a workload's template (``deployment/NAME``).

    The admission fields of a running pod (``openshift.io/scc``, what its SCC filled in) are kept:
    a review of it says whether the same spec would be admitted again.

    Raises:
        UsageError: the object is not in the source.
    """
    kind, _, name = ref.partition("/") if "/" in ref else ("pod", "", ref)
    kind = kind.lower()
    if kind in ("pod", "pods", "po"):
        obj = source.get("pods", name, namespace=namespace)
    elif kind in _WORKLOAD_PLURALS:
        obj = source.get(_WORKLOAD_PLURALS[kind], name, namespace=namespace)
    else:
        raise UsageError(f"POD {ref!r}: use NAME, pod/NAME, deployment/NAME or daemonset/NAME")
    if obj is None:
        raise UsageError(f"{kind} {name!r} not found in namespace {namespace!r} of this source")
    return _pod_from_doc(obj, f"{kind}/{name}")


# ------------------------------------------------------------------------------ the walk


@dataclass(frozen=True)
class Verdict:
    """What admission made of one SCC for the pod.

    Attributes:
        order: position in the admission order.
        scc: the SCC's name.
        priority: its priority.
        score: its restrictiveness score.
        access: how the pod may use it (``service account: ...`` / ``requester: ...``), or ``""``.
        result: ``chosen``, ``not usable``, ``fails``, ``cannot decide`` or ``not tried``.
        reasons: the admission messages (why it was passed over).
    """

    order: int
    scc: str
    priority: int
    score: int
    access: str
    result: str
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Review:
    """The admission review of one pod.

    Attributes:
        namespace: the pod's namespace.
        service_account: the pod's service account.
        requester: who creates the pod.
        chosen: the SCC that admits it, or ``None``.
        verdicts: one per SCC, in admission order.
        pod: the pod as admitted (mutated by the chosen SCC), or as given when rejected.
        message: the rejection as the API server words it, or ``""``.
        cannot_decide: why the review cannot decide (e.g. the namespace lacks its annotations).
        notes: other things to know (required-scc, Windows pods).
        given: the pod as given (its service account filled in), before any SCC changed it.
    """

    namespace: str
    service_account: str
    requester: Requester
    chosen: str | None
    verdicts: tuple[Verdict, ...]
    pod: dict[str, Any] = field(repr=False)
    message: str = ""
    cannot_decide: str = ""
    notes: tuple[str, ...] = ()
    given: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def outcome(self) -> str:
        """``admitted by X``, ``rejected`` or ``cannot decide``."""
        if self.chosen:
            return f"admitted by {self.chosen}"
        return "cannot decide" if self.cannot_decide else "rejected"


class _Fail(Exception):
    """An SCC that cannot be applied: its messages."""

    def __init__(self, messages: list[str], *, undecided: bool = False) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages
        self.undecided = undecided


def _seccomp_of(sc: Mapping[str, Any]) -> str | None:
    prof = sc.get("seccompProfile") or {}
    kind = prof.get("type")
    if kind == "RuntimeDefault":
        return "runtime/default"
    if kind == "Localhost":
        return f"localhost/{prof.get('localhostProfile', '')}"
    if kind == "Unconfined":
        return "unconfined"
    return None


def _in_ranges(value: int, ranges: tuple[tuple[int, int], ...]) -> bool:
    return any(lo <= value <= hi for lo, hi in ranges)


def _apply(scc: Scc, pod: dict[str, Any], alloc: NamespaceAllocation) -> list[str]:
    """Default and validate ``pod`` (mutated in place) against ``scc``; the error messages."""
    spec = pod["spec"]
    psc: dict[str, Any] = spec.setdefault("securityContext", {}) or {}
    spec["securityContext"] = psc
    errs: list[str] = []
    undecided: list[str] = []

    def need_uid_range() -> tuple[tuple[int, int], ...]:
        if scc.run_as_user.ranges:
            return scc.run_as_user.ranges
        if alloc.uid_range is None:
            undecided.append(f"namespace {alloc.namespace} has no annotation {UID_RANGE}")
            return ()
        return (alloc.uid_range,)

    # host namespaces and ports
    for key, allowed, label in (
        ("hostNetwork", scc.host_network, "Host network"),
        ("hostPID", scc.host_pid, "Host PID"),
        ("hostIPC", scc.host_ipc, "Host IPC"),
    ):
        if spec.get(key) and not allowed:
            errs.append(
                f".spec.securityContext.{key}: Invalid value: true: {label} is not allowed to be used"
            )
    # volumes
    for i, vol in enumerate(spec.get("volumes") or []):
        types = [k for k in vol if k not in _VOLUME_SOURCES_SKIP] if isinstance(vol, dict) else []
        for vtype in types or ["none"]:
            ok = scc.allows_volume(vtype) and (vtype != "hostPath" or scc.host_dir)
            if not ok:
                errs.append(
                    f'spec.volumes[{i}]: Invalid value: "{vtype}": {vtype} volumes are not '
                    "allowed to be used"
                )
    # fsGroup
    if scc.fs_group.type == "MustRunAs":
        ranges = scc.fs_group.ranges or alloc.groups[:1]
        if not ranges:
            undecided.append(f"namespace {alloc.namespace} has no annotation {SUPPLEMENTAL}")
        elif psc.get("fsGroup") is None:
            psc["fsGroup"] = ranges[0][0]
        elif not _in_ranges(int(psc["fsGroup"]), ranges):
            g = psc["fsGroup"]
            errs.append(
                f".spec.securityContext.fsGroup: Invalid value: []int64{{{g}}}: {g} is not an "
                "allowed group"
            )
    # supplemental groups
    if scc.supplemental_groups.type == "MustRunAs":
        ranges = scc.supplemental_groups.ranges or alloc.groups
        if not ranges:
            undecided.append(f"namespace {alloc.namespace} has no annotation {SUPPLEMENTAL}")
        elif not psc.get("supplementalGroups"):
            psc["supplementalGroups"] = [ranges[0][0]]
        else:
            for g in psc["supplementalGroups"]:
                if not _in_ranges(int(g), ranges):
                    errs.append(
                        f".spec.securityContext.supplementalGroups: Invalid value: []int64{{{g}}}: "
                        f"{g} is not an allowed group"
                    )
    # SELinux
    wanted: dict[str, str] = {}
    if scc.selinux.type == "MustRunAs":
        wanted = scc.selinux.selinux_options
        if "level" not in wanted:
            if alloc.mcs is None:
                undecided.append(f"namespace {alloc.namespace} has no annotation {MCS}")
            else:
                wanted = {**wanted, "level": alloc.mcs}
        given = psc.get("seLinuxOptions")
        if not given:
            if wanted:
                psc["seLinuxOptions"] = dict(wanted)
        else:
            errs.extend(_selinux_errors(".spec.securityContext.seLinuxOptions", given, wanted))
    # seccomp
    errs.extend(_seccomp(scc, pod, psc))
    # user namespaces
    if scc.user_namespace_level == "RequirePodLevel" and spec.get("hostUsers", True) is not False:
        errs.append(".spec.hostUsers: Invalid value: true: must be false to use a user namespace")
    # run as user, pod level
    pod_uid = psc.get("runAsUser")
    errs.extend(_uid_errors(scc, ".spec.securityContext", pod_uid, psc, need_uid_range))
    # containers
    for prefix, containers in (
        (".initContainers", spec.get("initContainers") or []),
        (".containers", spec.get("containers") or []),
    ):
        for i, c in enumerate(containers):
            errs.extend(_container(scc, c, f"{prefix}[{i}]", psc, wanted, need_uid_range))
    if undecided:
        raise _Fail(sorted(set(undecided)), undecided=True)
    return errs


def _selinux_errors(path: str, given: Mapping[str, Any], wanted: Mapping[str, str]) -> list[str]:
    return [
        f'{path}.{k}: Invalid value: "{given[k]}": must be {v}'
        for k, v in wanted.items()
        if given.get(k) and given[k] != v
    ]


def _seccomp(scc: Scc, pod: dict[str, Any], psc: dict[str, Any]) -> list[str]:
    errs: list[str] = []
    allowed = scc.seccomp_profiles
    if "*" in allowed:
        return errs
    targets = [(".spec.securityContext.seccompProfile", psc)] + [
        (f".containers[{i}].securityContext.seccompProfile", c.get("securityContext") or {})
        for i, c in enumerate(pod["spec"].get("containers") or [])
    ]
    for path, sc in targets:
        prof = _seccomp_of(sc)
        if prof is None:
            continue
        if not allowed:
            errs.append(f"{path}: Forbidden: seccomp may not be set")
        elif prof not in allowed:
            errs.append(
                f"{path}: Forbidden: {prof} is not an allowed seccomp profile. Valid values are "
                f"{', '.join(allowed)}"
            )
    if allowed and _seccomp_of(psc) is None:
        first = allowed[0]
        if first == "runtime/default":
            psc["seccompProfile"] = {"type": "RuntimeDefault"}
        elif first.startswith("localhost/"):
            psc["seccompProfile"] = {"type": "Localhost", "localhostProfile": first[10:]}
    return errs


def _uid_errors(scc: Scc, path: str, uid: Any, sc: dict[str, Any], need_range: Any) -> list[str]:
    kind = scc.run_as_user.type
    if uid is None:
        return []
    if kind == "MustRunAsRange":
        ranges = need_range()
        if ranges and not _in_ranges(int(uid), ranges):
            shown = ", ".join(f"[{lo}, {hi}]" for lo, hi in ranges)
            return [f"{path}.runAsUser: Invalid value: {uid}: must be in the ranges: {shown}"]
    elif kind == "MustRunAs" and scc.run_as_user.uid is not None and uid != scc.run_as_user.uid:
        return [f"{path}.runAsUser: Invalid value: {uid}: must be: {scc.run_as_user.uid}"]
    elif kind == "MustRunAsNonRoot" and int(uid) == 0:
        return [f"{path}.runAsUser: Invalid value: 0: running with the root UID is forbidden"]
    return []


def _container(
    scc: Scc,
    c: dict[str, Any],
    path: str,
    psc: Mapping[str, Any],
    selinux: Mapping[str, str],
    need_range: Any,
) -> list[str]:
    sc: dict[str, Any] = c.setdefault("securityContext", {}) or {}
    c["securityContext"] = sc
    errs: list[str] = []
    if sc.get("privileged") and not scc.allow_privileged:
        errs.append(
            f"{path}.privileged: Invalid value: true: Privileged containers are not allowed"
        )
    caps: dict[str, Any] = sc.get("capabilities") or {}
    for cap in caps.get("add") or []:
        allowed = "*" in scc.allowed_caps or cap in scc.allowed_caps or cap in scc.default_add_caps
        if not allowed or cap in scc.required_drop_caps:
            errs.append(
                f'{path}.capabilities.add: Invalid value: "{cap}": capability may not be added'
            )
    if scc.required_drop_caps or scc.default_add_caps:
        drop = list(caps.get("drop") or [])
        drop += [d for d in scc.required_drop_caps if d not in drop]
        add = list(caps.get("add") or [])
        add += [a for a in scc.default_add_caps if a not in add]
        sc["capabilities"] = {k: v for k, v in (("add", add), ("drop", drop)) if v}
    for port in c.get("ports") or []:
        if isinstance(port, dict) and port.get("hostPort") and not scc.host_ports:
            errs.append(
                f"{path}.hostPort: Invalid value: {port['hostPort']}: Host ports are not allowed "
                "to be used"
            )
    if sc.get("allowPrivilegeEscalation") and not scc.allow_privilege_escalation:
        errs.append(
            f"{path}.allowPrivilegeEscalation: Invalid value: true: Allowing privilege escalation "
            "for containers is not allowed"
        )
    elif sc.get("allowPrivilegeEscalation") is None:
        if scc.default_allow_privilege_escalation is not None:
            sc["allowPrivilegeEscalation"] = scc.default_allow_privilege_escalation
        elif not scc.allow_privilege_escalation:
            sc["allowPrivilegeEscalation"] = False
    if scc.read_only_root_fs:
        if sc.get("readOnlyRootFilesystem") is False:
            errs.append(
                f"{path}.readOnlyRootFilesystem: Invalid value: false: ReadOnlyRootFilesystem "
                "must be set to true"
            )
        sc.setdefault("readOnlyRootFilesystem", True)
    if sc.get("seLinuxOptions"):
        errs.extend(_selinux_errors(f"{path}.seLinuxOptions", sc["seLinuxOptions"], selinux))
    uid = sc.get("runAsUser")
    errs.extend(_uid_errors(scc, path, uid, sc, need_range))
    effective = uid if uid is not None else psc.get("runAsUser")
    kind = scc.run_as_user.type
    if kind == "MustRunAsRange" and effective is None:
        ranges = need_range()
        if ranges:
            sc["runAsUser"] = ranges[0][0]
    elif kind == "MustRunAs" and effective is None and scc.run_as_user.uid is not None:
        sc["runAsUser"] = scc.run_as_user.uid
    elif kind == "MustRunAsNonRoot":
        non_root = sc.get("runAsNonRoot", psc.get("runAsNonRoot"))
        if non_root is False:
            errs.append(f"{path}.runAsNonRoot: Invalid value: false: must be true")
        elif effective is None and non_root is None:
            sc["runAsNonRoot"] = True
    return errs


def review(
    policies: Policies,
    rbac: Rbac,
    *,
    pod: Mapping[str, Any],
    namespace: Mapping[str, Any],
    requester: Requester,
    service_account: str | None = None,
) -> Review:
    """Walk the SCCs for ``pod`` created by ``requester`` in ``namespace``, as admission does.

    Args:
        policies: the cluster's SCCs (:func:`rhcos_helpers.scc.policies.load_policies`).
        rbac: the RBAC objects (:func:`rhcos_helpers.scc.access.load_rbac`).
        pod: the pod (from :func:`parse_pod_yaml`, :func:`pod_from_source` or :func:`seed_pod`).
        namespace: the Namespace object (its SCC annotations).
        requester: who creates the pod (a controller for workloads, a user by hand).
        service_account: overrides the pod's ``serviceAccountName`` (default ``default``).
    """
    ns_name = str((namespace.get("metadata") or {}).get("name") or "")
    alloc = allocation(namespace)
    given = copy.deepcopy(dict(pod))
    spec = given.setdefault("spec", {})
    sa = (
        service_account or spec.get("serviceAccountName") or spec.get("serviceAccount") or "default"
    )
    spec["serviceAccountName"] = sa
    sa_id = service_account_identity(ns_name, sa)
    notes: list[str] = []
    annotations = (given.get("metadata") or {}).get("annotations") or {}
    candidates = list(policies.sccs)
    required = annotations.get(REQUIRED_SCC)
    if required:
        candidates = [s for s in candidates if s.name == required]
        notes.append(f"annotation {REQUIRED_SCC}={required}: only that SCC is tried (4.14+)")
    if (spec.get("os") or {}).get("name") == "windows":
        notes.append("Windows pods are not subject to SCC admission")
    verdicts: list[Verdict] = []
    chosen: Scc | None = None
    admitted = given
    errors: list[str] = []
    undecided: list[str] = []
    order = {s.name: i for i, s in enumerate(policies.sccs, start=1)}
    for scc in candidates:
        base = (order[scc.name], scc.name, scc.priority or 0, score(scc, version=policies.version))
        if chosen is not None:
            verdicts.append(Verdict(*base, "", "not tried", ("an earlier SCC admitted the pod",)))
            continue
        how = access_through(scc, sa_id, ns_name, rbac)
        who = f"service account: {how}" if how else ""
        if how is None:
            how = access_through(scc, requester, ns_name, rbac)
            who = f"requester {requester.user}: {how}" if how else ""
        if how is None:
            msg = f'provider "{scc.name}": Forbidden: not usable by user or serviceaccount'
            errors.append(msg)
            verdicts.append(Verdict(*base, "", "not usable", (msg,)))
            continue
        attempt = copy.deepcopy(given)
        try:
            errs = _apply(scc, attempt, alloc)
        except _Fail as fail:
            undecided.extend(fail.messages)
            verdicts.append(Verdict(*base, who, "cannot decide", tuple(fail.messages)))
            continue
        if errs:
            msgs = tuple(f"provider {scc.name}: {e}" for e in errs)
            errors.extend(msgs)
            verdicts.append(Verdict(*base, who, "fails", msgs))
            continue
        chosen = scc
        attempt.setdefault("metadata", {}).setdefault("annotations", {})[SCC_ANNOTATION] = scc.name
        admitted = attempt
        verdicts.append(Verdict(*base, who, "chosen"))
    name = (given.get("metadata") or {}).get("name") or "<generated>"
    message = ""
    cannot = ""
    if chosen is None:
        if undecided:
            cannot = "; ".join(sorted(set(undecided)))
        message = (
            f'pods "{name}" is forbidden: unable to validate against any security context '
            f"constraint: [{', '.join(errors)}]"
        )
    return Review(
        ns_name,
        sa,
        requester,
        chosen.name if chosen else None,
        tuple(verdicts),
        admitted,
        message,
        cannot,
        tuple(notes + list(alloc.problems)),
        given,
    )


VERDICT_COLUMNS = ["ORDER", "SCC", "PRIORITY", "SCORE", "RESULT", "USABLE THROUGH", "WHY"]


def verdict_frame(rev: Review) -> pd.DataFrame:
    """One row per SCC: chosen, or why it was passed over."""
    rows = [
        {
            "ORDER": v.order,
            "SCC": v.scc,
            "PRIORITY": v.priority,
            "SCORE": v.score,
            "RESULT": v.result,
            "USABLE THROUGH": v.access,
            "WHY": " | ".join(v.reasons),
        }
        for v in rev.verdicts
    ]
    return pd.DataFrame(rows, columns=VERDICT_COLUMNS)


def security_context_frame(rev: Review) -> pd.DataFrame:
    """The outcome and the security context the pod runs with (per container)."""
    spec = rev.pod.get("spec") or {}
    psc = spec.get("securityContext") or {}
    sel = psc.get("seLinuxOptions") or {}
    pairs: list[tuple[str, str]] = [
        ("Outcome", rev.outcome),
        ("Namespace", rev.namespace),
        ("Service account", rev.service_account),
        ("Requested by", f"{rev.requester.user} ({', '.join(rev.requester.groups)})"),
        ("openshift.io/scc", rev.chosen or "<none>"),
    ]
    if rev.chosen:
        pairs += [
            ("fsGroup", str(psc.get("fsGroup", "<not set>"))),
            ("supplementalGroups", str(psc.get("supplementalGroups", "<not set>"))),
            ("SELinux level", str(sel.get("level", "<not set>"))),
            ("seccomp", _seccomp_of(psc) or "<not set>"),
        ]
        for c in spec.get("containers") or []:
            sc = c.get("securityContext") or {}
            uid = sc.get("runAsUser", psc.get("runAsUser"))
            uid_text = str(uid) if uid is not None else "the image's USER (RunAsAny)"
            if uid is None and sc.get("runAsNonRoot"):
                uid_text = "the image's USER, which must not be root (runAsNonRoot)"
            caps = sc.get("capabilities") or {}
            pairs.append(
                (
                    f"container {c['name']}",
                    f"UID {uid_text}; drop {','.join(caps.get('drop') or []) or '-'}; "
                    f"add {','.join(caps.get('add') or []) or '-'}; allowPrivilegeEscalation "
                    f"{sc.get('allowPrivilegeEscalation', 'unset')}",
                )
            )
    else:
        pairs.append(("Why", rev.cannot_decide or rev.message))
    pairs += [("Note", n) for n in rev.notes]
    return pd.DataFrame(pairs, columns=["FIELD", "VALUE"])
