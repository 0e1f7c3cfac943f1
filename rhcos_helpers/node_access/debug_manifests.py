"""node_access.debug_manifests - the objects ``oc debug node/X`` creates, as this tool makes them.

The pod (``shared/domain-facts.md`` §1.1) and the temporary namespace (§1.2) the debug-pod runner
(:mod:`~rhcos_helpers.node_access.debug_pod`) creates, as plain manifests: ``oc debug``'s own,
plus this tool's labels (:data:`MANAGED_BY_LABEL`, :data:`RUN_ID_LABEL`, which
:func:`~rhcos_helpers.node_access.debug_sweep.sweep` selects on), a finite command (``sleep``)
and ``activeDeadlineSeconds``. Version-dependent parts follow ``oc`` of the cluster's release.

The image is the runner's ``image`` parameter, else the ``openshift/tools:latest`` image stream
tag (:data:`DEFAULT_IMAGE_STREAM`, a payload image, mirrored in disconnected clusters), else
:func:`fallback_image`: ``registry.redhat.io/rhel9/support-tools`` (4.16+) or ``rhel8``
(4.6-4.15). :class:`_Pod` is the runner's record of one pod it created.

Examples:
    >>> make_simple_name("ip-10-0-18-226.ec2.internal")
    'ip-10-0-18-226ec2internal'
    >>> fallback_image("4.15.3"), fallback_image("4.16.21")
    ('registry.redhat.io/rhel8/support-tools', 'registry.redhat.io/rhel9/support-tools')
    >>> pod = debug_pod_manifest(node="master-0", name="master-0-debug-x2b4z",
    ...     namespace="openshift-debug-abcde", image="img", cluster_version="4.16.21",
    ...     run_id="r1", lifetime=600, created_at="2026-01-01T00:00:00Z")
    >>> pod["spec"]["containers"][0]["command"], pod["spec"]["activeDeadlineSeconds"]
    (['sleep', '600'], 630)
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

__all__ = [
    "CONTAINER_NAME",
    "CREATED_AT_ANNOTATION",
    "MANAGED_BY",
    "MANAGED_BY_LABEL",
    "OC_DEBUG_LABEL",
    "RUN_ID_LABEL",
    "TEMP_NAMESPACE_PREFIX",
    "debug_pod_manifest",
    "fallback_image",
    "make_simple_name",
    "temp_namespace_manifest",
]

MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
#: Value of :data:`MANAGED_BY_LABEL` on every pod and namespace this tool creates.
MANAGED_BY = "rhcos-runbooks"
RUN_ID_LABEL = "rhcos-runbooks/run-id"
CREATED_AT_ANNOTATION = "rhcos-runbooks/created-at"
#: The label ``oc debug`` (4.20+) puts on its pods; :func:`sweep` never touches those.
OC_DEBUG_LABEL = "debug.openshift.io/managed-by"
CONTAINER_NAME = "container-00"
TEMP_NAMESPACE_PREFIX = "openshift-debug-"
DEFAULT_IMAGE_STREAM = "openshift/tools:latest"

# k8s.io/apimachinery/pkg/util/rand: no vowels (no words), no 0/1/3 (no look-alikes).
_RAND_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_SIMPLE_NAME_DROP = re.compile(r"[^-a-z0-9]")


def make_simple_name(name: str) -> str:
    """A node name as ``oc debug`` puts it in a pod name (``MakeSimpleName``, §1.2).

    Lowercase, every character outside ``[-a-z0-9]`` removed (dots too), ``-`` trimmed at
    both ends, cut to 63 characters.

    Examples:
        >>> make_simple_name("Worker_1.example.COM")
        'worker1examplecom'
    """
    return _SIMPLE_NAME_DROP.sub("", name.lower()).strip("-")[:63]


def _random_suffix(length: int = 5) -> str:
    return "".join(secrets.choice(_RAND_ALPHABET) for _ in range(length))


def _minor(version: str | None) -> tuple[int, int] | None:
    """``(4, 16)`` from ``4.16.21``; ``None`` for an unknown or unparsable version."""
    match = re.match(r"^v?(\d+)\.(\d+)", version or "")
    return (int(match.group(1)), int(match.group(2))) if match else None


def fallback_image(cluster_version: str | None) -> str:
    """The support-tools image ``oc debug`` falls back to for a cluster version (§1.1).

    ``rhel9`` from 4.16 (and for an unknown version), ``rhel8`` for 4.6-4.15, ``rhel7`` before.
    """
    minor = _minor(cluster_version)
    if minor is None or minor >= (4, 16):
        return "registry.redhat.io/rhel9/support-tools"
    if minor >= (4, 6):
        return "registry.redhat.io/rhel8/support-tools"
    return "registry.redhat.io/rhel7/support-tools"


def _tool_labels(run_id: str) -> dict[str, str]:
    return {MANAGED_BY_LABEL: MANAGED_BY, RUN_ID_LABEL: run_id}


def temp_namespace_manifest(*, run_id: str, created_at: str) -> dict[str, Any]:
    """The temporary namespace of one run: ``oc debug``'s (§1.2) plus this tool's labels.

    Examples:
        >>> ns = temp_namespace_manifest(run_id="r1", created_at="2026-01-01T00:00:00Z")
        >>> ns["metadata"]["generateName"], ns["metadata"]["annotations"]["openshift.io/node-selector"]
        ('openshift-debug-', '')
    """
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "generateName": TEMP_NAMESPACE_PREFIX,
            "labels": {
                "pod-security.kubernetes.io/enforce": "privileged",
                "pod-security.kubernetes.io/audit": "privileged",
                "pod-security.kubernetes.io/warn": "privileged",
                "security.openshift.io/scc.podSecurityLabelSync": "false",
                **_tool_labels(run_id),
            },
            "annotations": {
                "openshift.io/node-selector": "",
                CREATED_AT_ANNOTATION: created_at,
            },
        },
    }


def debug_pod_manifest(
    *,
    node: str,
    name: str,
    namespace: str,
    image: str,
    cluster_version: str | None,
    run_id: str,
    lifetime: int,
    created_at: str,
) -> dict[str, Any]:
    """The pod ``oc debug node/<node>`` creates (§1.1), finite, with this tool's labels.

    Version-dependent parts follow ``oc`` of the cluster's release: ``hostIPC`` and the
    ``openshift-user-critical`` priority class from 4.12, ``TMOUT`` from 4.8, ``HOST`` from
    4.16, the ``openshift.io/required-scc: privileged`` annotation from 4.15. For an unknown
    version the priority class is left out (a cluster without it would refuse the pod) and the
    rest follows the newest ``oc``.

    Args:
        node: the node name (``spec.nodeName``: no scheduler involved).
        name: the pod name.
        namespace: the pod's namespace.
        image: the debug image.
        cluster_version: the OpenShift version (``4.16.21``) or ``None``.
        run_id: this run's id (label :data:`RUN_ID_LABEL`).
        lifetime: seconds the pod may live: ``sleep <lifetime>`` is its command and
            ``activeDeadlineSeconds`` is 30 s more.
        created_at: RFC 3339 time stored in :data:`CREATED_AT_ANNOTATION`.
    """
    minor = _minor(cluster_version)

    def since(release: tuple[int, int]) -> bool:  # an unknown version is the newest
        return minor is None or minor >= release

    env: list[dict[str, str]] = []
    if since((4, 8)):
        env.append({"name": "TMOUT", "value": "900"})
    if since((4, 16)):
        env.append({"name": "HOST", "value": "/host"})
    annotations = {
        "debug.openshift.io/source-container": CONTAINER_NAME,
        "debug.openshift.io/source-resource": f"/v1, Resource=nodes/{node}",
        CREATED_AT_ANNOTATION: created_at,
    }
    if since((4, 15)):
        annotations["openshift.io/required-scc"] = "privileged"
    spec: dict[str, Any] = {
        "nodeName": node,
        "hostNetwork": True,
        "hostPID": True,
        "restartPolicy": "Never",
        "activeDeadlineSeconds": lifetime + 30,
        "terminationGracePeriodSeconds": 0,
        "volumes": [{"name": "host", "hostPath": {"path": "/", "type": "Directory"}}],
        "containers": [
            {
                "name": CONTAINER_NAME,
                "image": image,
                "command": ["sleep", str(lifetime)],
                "env": env,
                "securityContext": {"privileged": True, "runAsUser": 0},
                "volumeMounts": [{"name": "host", "mountPath": "/host"}],
                "stdin": False,
                "stdinOnce": False,
                "tty": False,
            }
        ],
    }
    if since((4, 12)):
        spec["hostIPC"] = True
    if minor is not None and minor >= (4, 12):
        spec["priorityClassName"] = "openshift-user-critical"
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": _tool_labels(run_id),
            "annotations": annotations,
        },
        "spec": spec,
    }


@dataclass
class _Pod:
    """A debug pod of this run."""

    node: str
    namespace: str
    name: str
    image: str
    expires: float  # time.monotonic() after which the pod's sleep has ended

    @property
    def origin(self) -> str:
        return f"debug-pod:{self.namespace}/{self.name}"


def _tag_reference(stream: dict[str, Any], tag: str) -> str | None:
    for entry in (stream.get("status") or {}).get("tags") or []:
        if entry.get("tag") == tag:
            items = entry.get("items") or []
            if items and items[0].get("dockerImageReference"):
                return str(items[0]["dockerImageReference"])
    return None
