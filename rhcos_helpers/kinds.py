"""kinds - the API kinds the runbooks read, declared once by group, version and plural.

A :class:`Kind` tells every source where an object lives: the live source builds the REST path
from it, the capture source the must-gather path (``cluster-scoped-resources/<group>/<plural>``,
with ``core`` for the legacy group).

Examples:
    >>> KINDS["machineconfigpools"].api_path()
    '/apis/machineconfiguration.openshift.io/v1/machineconfigpools'
    >>> KINDS["pods"].api_path(namespace="openshift-etcd")
    '/api/v1/namespaces/openshift-etcd/pods'
    >>> KINDS["nodes"].must_gather_group
    'core'
"""

from __future__ import annotations

from dataclasses import dataclass

from rhcos_helpers.errors import UsageError

__all__ = ["KINDS", "Kind", "kind"]


@dataclass(frozen=True)
class Kind:
    """One API resource type.

    Attributes:
        kind: the object kind, e.g. ``"MachineConfigPool"``.
        group: the API group, ``""`` for the core group.
        version: the API version within the group.
        plural: the resource name in URLs and must-gather paths.
        namespaced: whether objects live in namespaces.
    """

    kind: str
    group: str
    version: str
    plural: str
    namespaced: bool

    @property
    def api_version(self) -> str:
        """The ``apiVersion`` string, e.g. ``"v1"`` or ``"config.openshift.io/v1"``."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def must_gather_group(self) -> str:
        """The group directory name that ``oc adm inspect`` uses (``core`` for ``""``)."""
        return self.group or "core"

    def api_path(self, *, namespace: str | None = None, name: str | None = None) -> str:
        """The REST path of the collection (or of one object when ``name`` is given)."""
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if self.namespaced and namespace:
            base += f"/namespaces/{namespace}"
        base += f"/{self.plural}"
        if name:
            base += f"/{name}"
        return base


_ALL = [
    Kind("Node", "", "v1", "nodes", False),
    Kind("Namespace", "", "v1", "namespaces", False),
    Kind("Pod", "", "v1", "pods", True),
    Kind("ServiceAccount", "", "v1", "serviceaccounts", True),
    Kind("Event", "", "v1", "events", True),
    Kind("PodDisruptionBudget", "policy", "v1", "poddisruptionbudgets", True),
    Kind("Deployment", "apps", "v1", "deployments", True),
    Kind("DaemonSet", "apps", "v1", "daemonsets", True),
    Kind(
        "CertificateSigningRequest",
        "certificates.k8s.io",
        "v1",
        "certificatesigningrequests",
        False,
    ),
    Kind("ClusterRole", "rbac.authorization.k8s.io", "v1", "clusterroles", False),
    Kind("ClusterRoleBinding", "rbac.authorization.k8s.io", "v1", "clusterrolebindings", False),
    Kind("Role", "rbac.authorization.k8s.io", "v1", "roles", True),
    Kind("RoleBinding", "rbac.authorization.k8s.io", "v1", "rolebindings", True),
    Kind("ClusterVersion", "config.openshift.io", "v1", "clusterversions", False),
    Kind("ClusterOperator", "config.openshift.io", "v1", "clusteroperators", False),
    Kind("Infrastructure", "config.openshift.io", "v1", "infrastructures", False),
    Kind(
        "SecurityContextConstraints",
        "security.openshift.io",
        "v1",
        "securitycontextconstraints",
        False,
    ),
    Kind("MachineConfig", "machineconfiguration.openshift.io", "v1", "machineconfigs", False),
    Kind(
        "MachineConfigPool", "machineconfiguration.openshift.io", "v1", "machineconfigpools", False
    ),
    Kind("KubeletConfig", "machineconfiguration.openshift.io", "v1", "kubeletconfigs", False),
    Kind(
        "ContainerRuntimeConfig",
        "machineconfiguration.openshift.io",
        "v1",
        "containerruntimeconfigs",
        False,
    ),
    Kind("ControllerConfig", "machineconfiguration.openshift.io", "v1", "controllerconfigs", False),
    Kind("MachineConfiguration", "operator.openshift.io", "v1", "machineconfigurations", False),
    Kind("ImageStream", "image.openshift.io", "v1", "imagestreams", True),
    # Node Tuning Operator, namespace openshift-cluster-node-tuning-operator (Profile: one per node)
    Kind("Tuned", "tuned.openshift.io", "v1", "tuneds", True),
    Kind("Profile", "tuned.openshift.io", "v1", "profiles", True),
]

KINDS: dict[str, Kind] = {k.plural: k for k in _ALL}


def kind(plural: str) -> Kind:
    """Look a kind up by its plural resource name.

    Raises:
        UsageError: for a resource the runbooks do not know.

    Examples:
        >>> kind("nodes").kind
        'Node'
    """
    try:
        return KINDS[plural]
    except KeyError:
        known = ", ".join(sorted(KINDS))
        raise UsageError(f"unknown resource {plural!r}; known resources: {known}") from None
