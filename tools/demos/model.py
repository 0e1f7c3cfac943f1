"""The cluster model both demos are generated from.

A demo is described once (nodes, OS builds, pods, images, machine configs); the API objects and
the node command outputs are both rendered from the same model, so they agree by construction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from common import hexid, later, uid


@dataclass(frozen=True)
class OSBuild:
    """One RHCOS build as a node reports it."""

    version: str  # 416.94.202411041719-0
    kernel: str  # 5.14.0-427.42.1.el9_4.x86_64
    kernel_built: str  # uname -v date part
    crio: str  # 1.29.10-3.rhaos4.16.git3c7b3f0.el9
    kubelet: str  # v1.29.10+67d3387
    image: str  # osImageURL (container image or pivot image)
    built: datetime
    codename: str  # Plow / Ootpa

    @property
    def pretty(self) -> str:
        return f"Red Hat Enterprise Linux CoreOS {self.version} ({self.codename})"

    @property
    def checksum(self) -> str:
        return hexid("ostree-commit", self.version)


@dataclass(frozen=True)
class Image:
    """An image in CRI-O's store."""

    repo: str  # quay.io/openshift-release-dev/ocp-v4.0-art-dev
    key: str  # seed for digests
    size: int
    tag: str | None = None  # only for images pulled by tag
    pinned: bool = False

    @property
    def manifest_digest(self) -> str:
        return "sha256:" + hexid("manifest", self.key)

    @property
    def image_id(self) -> str:
        return hexid("imageid", self.key)

    @property
    def by_digest(self) -> str:
        return f"{self.repo}@{self.manifest_digest}"

    @property
    def pullspec(self) -> str:
        """What the pod spec names."""
        return f"{self.repo}:{self.tag}" if self.tag else self.by_digest

    @property
    def repo_tags(self) -> list[str]:
        return [f"{self.repo}:{self.tag}"] if self.tag else []


@dataclass
class Container:
    name: str
    image: Image
    restarts: int = 0
    cpu_m: int = 10  # typical usage, millicores
    mem_mi: int = 50
    last_terminated: dict[str, Any] | None = None


@dataclass
class Pod:
    name: str
    namespace: str
    node: str
    containers: list[Container]
    scc: str
    owner_kind: str  # DaemonSet / ReplicaSet / Node (static)
    owner_name: str
    labels: dict[str, str] = field(default_factory=dict)
    host_network: bool = False
    ip: str = ""
    started: datetime | None = None
    service_account: str = "default"
    priority_class: str | None = "system-node-critical"
    # runAsUser the workload's template sets on its containers (as the Deployment says it);
    # the pod-level securityContext is whatever SCC admission adds (see api.pod_obj)
    run_as_user: int | None = None
    ready: bool = True
    privileged: bool = False

    @property
    def uid(self) -> str:
        return uid("pod", self.namespace, self.name)

    @property
    def sandbox_id(self) -> str:
        return hexid("sandbox", self.namespace, self.name)

    def container_id(self, c: Container, attempt: int | None = None) -> str:
        a = c.restarts if attempt is None else attempt
        return hexid("ctr", self.namespace, self.name, c.name, a)


@dataclass
class Node:
    name: str
    roles: list[str]
    pool: str
    index: int
    ip: str
    os: OSBuild
    current: str = ""
    desired: str = ""
    state: str = "Done"
    desired_drain: str = ""
    last_applied_drain: str = ""
    ready: bool = True
    unschedulable: bool = False
    created: datetime | None = None
    booted: datetime | None = None
    cpu: int = 8
    mem_kib: int = 32_862_224
    disk_bytes: int = 128_300_593_152
    ssh_accessed: bool = False
    unreadable: str = ""  # reason when node-level facts cannot be read
    last_heartbeat: datetime | None = None

    @property
    def machine_id(self) -> str:
        return hexid("machine-id", self.name, n=32)

    @property
    def boot_id(self) -> str:
        return uid("boot", self.name, self.booted)

    @property
    def system_uuid(self) -> str:
        return uid("system-uuid", self.name)

    @property
    def pod_subnet_prefix(self) -> str:
        return f"10.{128 + self.index // 128}.{(self.index % 128) * 2}"

    def is_master(self) -> bool:
        return "master" in self.roles

    def uptime_start(self) -> datetime:
        assert self.booted is not None
        return self.booted

    def kubelet_start(self) -> datetime:
        return later(self.uptime_start(), seconds=41)


@dataclass
class Namespace:
    name: str
    index: int  # allocation block
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    created: datetime | None = None

    @property
    def uid_range(self) -> str:
        return f"{1_000_000_000 + self.index * 10_000}/10000"

    @property
    def first_uid(self) -> int:
        return 1_000_000_000 + self.index * 10_000

    @property
    def mcs(self) -> str:
        # enumerate label pairs c(k),c(j) with j < k: (1,0), (2,0), (2,1), (3,0), ...
        n = self.index
        k = 1
        while n >= k:
            n -= k
            k += 1
        return f"s0:c{k},c{n}"


@dataclass
class Profile:
    """Version-wide facts of one demo."""

    name: str  # ocp-4.16
    ocp: str  # 4.16.21
    minor: str  # 4.16
    captured: datetime
    ign_version: str  # 3.4.0 / 2.2.0
    mco_hash: str  # generated-by-controller-version
    cluster_domain: str  # ocp416.example.com
    kube: str  # 1.29.10
    crictl_v1: bool  # CRI v1 JSON shapes (cri-tools >= 1.24); False = 1.16 v1alpha2
    has_statsp: bool
    psa: bool  # Pod Security labels on namespaces
    journal_since: str = "-24h"

    @property
    def kube_minor(self) -> int:
        return int(self.kube.split(".")[1])

    @property
    def api_url(self) -> str:
        return f"https://api.{self.cluster_domain}:6443"


@dataclass
class MC:
    """A MachineConfig as the generator knows it (before rendering to YAML)."""

    name: str
    role: str | None
    config: dict[str, Any]
    created: datetime
    generated: bool = True
    extra_spec: dict[str, Any] = field(default_factory=dict)


@dataclass
class Cluster:
    profile: Profile
    nodes: list[Node]
    namespaces: list[Namespace]
    pods: list[Pod]
    pause: Image
    extra_images: dict[str, list[Image]]  # node -> images present but used by no container
    chrony_nodes: set[str]  # nodes running the 50-worker-chrony file
    oom_node: str = ""  # node whose kubelet journal carries the OOM / back-off lines
    rollback_os: dict[str, OSBuild] = field(default_factory=dict)  # node -> rollback deployment

    def previous_os(self, node: Node) -> OSBuild | None:
        return self.rollback_os.get(node.name)

    def node(self, name: str) -> Node:
        return next(n for n in self.nodes if n.name == name)

    def ns(self, name: str) -> Namespace:
        return next(n for n in self.namespaces if n.name == name)

    def pods_on(self, node: str) -> list[Pod]:
        return [p for p in self.pods if p.node == node]
