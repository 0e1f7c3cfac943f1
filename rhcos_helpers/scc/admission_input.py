"""scc.admission_input - what admission reads: the pod under review and its namespace's allocations.

The pod is given as YAML or JSON (:func:`parse_pod_yaml`: a Pod, a workload's pod template or a
PodTemplate), taken from a source (:func:`pod_from_source`: an existing pod, or the template of a
Deployment or DaemonSet) or is the seed's (:func:`seed_pod`: one container that asks for UID 0);
each comes out as a Pod whose containers have names and whose security contexts are objects, or
raises :class:`~rhcos_helpers.errors.ParseError` in one line.

The namespace's ``openshift.io/sa.scc.uid-range``, ``openshift.io/sa.scc.mcs`` and
``openshift.io/sa.scc.supplemental-groups`` annotations fill what an SCC leaves open;
:func:`allocation` reads them into a :class:`NamespaceAllocation` (blocks as
:func:`parse_block` reads them). The walk that uses both is :mod:`rhcos_helpers.scc.admission`.

Examples:
    >>> pod = parse_pod_yaml(SEED_POD_YAML)
    >>> pod["spec"]["containers"][0]["securityContext"]
    {'runAsUser': 0}
    >>> parse_block("1000310000/10000"), parse_block("1000-1999")
    ((1000310000, 1000319999), (1000, 1999))
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from rhcos_helpers.errors import ParseError, UsageError
from rhcos_helpers.sources.base import Source

__all__ = [
    "NamespaceAllocation",
    "allocation",
    "parse_block",
    "parse_pod_yaml",
    "pod_from_source",
    "seed_pod",
]

SPEC = "pod"
UID_RANGE = "openshift.io/sa.scc.uid-range"
MCS = "openshift.io/sa.scc.mcs"
SUPPLEMENTAL = "openshift.io/sa.scc.supplemental-groups"
_WORKLOADS = {"Deployment", "DeploymentConfig", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}
_WORKLOAD_PLURALS = {"deployment": "deployments", "daemonset": "daemonsets"}


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
