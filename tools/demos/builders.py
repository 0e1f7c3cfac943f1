"""Shared builders: turn one demo's tables (ocp416.py, ocp43.py) into the cluster model.

Each version module states its facts (OS builds, image sizes, nodes, workloads, machine configs,
which node runs which config); the loops that turn those tables into ``model`` objects live here
once, so both demos are built the same way and differ only where their tables differ.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from common import hexid, later, num, parse_time, rs_hash, suffix5
from model import MC, Container, Image, Namespace, Node, OSBuild, Pod

ART = "quay.io/openshift-release-dev/ocp-v4.0-art-dev"
RELEASE_REPO = "quay.io/openshift-release-dev/ocp-release"

# ------------------------------------------------------------------------- release & images


def release_image(version: str) -> str:
    """The release payload's pullspec (by digest) of an OpenShift version."""
    return f"{RELEASE_REPO}@sha256:{hexid('release', version)}"


def art_ref(release: str, component: str) -> str:
    """A payload component's image by digest (what operators report as operand images)."""
    return f"{ART}@sha256:{hexid('manifest', f'{release}/{component}')}"


def rhcos(
    version: str,
    *,
    built: str,
    kernel: str,
    kernel_built: str,
    crio: str,
    kubelet: str,
    codename: str,
) -> OSBuild:
    """An RHCOS build; its OS image (``osImageURL``) is an image of the payload repo, by digest."""
    return OSBuild(
        version=version,
        kernel=kernel,
        kernel_built=kernel_built,
        crio=crio,
        kubelet=kubelet,
        image=f"{ART}@sha256:{hexid('rhcos', version)}",
        built=parse_time(built),
        codename=codename,
    )


@dataclass(frozen=True)
class Payload:
    """The payload images of a version: component sizes, and how much each release varies."""

    release: str  # the cluster's current release (the default for ``image``)
    sizes: dict[str, int]  # component -> bytes
    jitter: int  # each release's size differs by up to this many bytes
    pin_pause: bool  # CRI-O pins the pause image (only CRI v1 reports it)

    def image(self, component: str, release: str | None = None) -> Image:
        """A payload image, pulled by digest (no tag)."""
        rel = release or self.release
        return Image(
            ART,
            f"{rel}/{component}",
            self.sizes[component] + num("sz", rel, component, lo=0, hi=self.jitter),
            pinned=self.pin_pause and component == "pod",
        )


def leftover_images(
    nodes: list[Node], pods: list[Pod], payload: Payload, previous: str
) -> dict[str, list[Image]]:
    """Per node, the ``previous`` release's payload images of every component it runs, and its
    pause image: pulled by digest before the upgrade, used by no container now (``<none>``)."""
    out: dict[str, list[Image]] = {}
    for node in nodes:
        comps = {
            c.image.key.split("/", 1)[1]
            for p in pods
            if p.node == node.name
            for c in p.containers
            if c.image.repo == ART
        }
        out[node.name] = [payload.image(comp, previous) for comp in sorted(comps | {"pod"})]
    return out


# ------------------------------------------------------------------------------------ nodes

NodeSpec = tuple[str, list[str], str, str]  # name, roles, pool, InternalIP


@dataclass(frozen=True)
class Hardware:
    cpu: int
    mem_kib: int
    disk_bytes: int


def make_nodes(
    specs: list[NodeSpec],
    *,
    hardware: dict[str, Hardware],  # "master" / "worker" -> sizes
    os: OSBuild,
    created: Callable[[int, bool], datetime],  # (index, is master) -> creationTimestamp
    booted: Callable[[int], datetime],  # index -> boot time
) -> list[Node]:
    nodes = []
    for i, (name, roles, pool, ip) in enumerate(specs):
        master = pool == "master"
        hw = hardware["master" if master else "worker"]
        nodes.append(
            Node(
                name=name,
                roles=roles,
                pool=pool,
                index=i,
                ip=ip,
                os=os,
                created=created(i, master),
                booted=booted(i),
                cpu=hw.cpu,
                mem_kib=hw.mem_kib,
                disk_bytes=hw.disk_bytes,
            )
        )
    return nodes


# ------------------------------------------------------------------------------- namespaces

DEMO_NS_ANNOTATIONS = {
    "openshift.io/description": "Demo application (synthetic)",
    "openshift.io/display-name": "demo-app",
    "openshift.io/requester": "kube:admin",
}


def platform_namespaces(
    names: list[str],
    *,
    created: Callable[[int], datetime],
    extra_labels: Callable[[str], dict[str, str]] = lambda name: {},
) -> list[Namespace]:
    """The platform namespaces: ``openshift-*`` ones are monitored and have an empty node
    selector; etcd and the kube-apiserver run at run-level 0."""
    out = []
    for i, name in enumerate(names):
        openshift = name.startswith("openshift-")
        labels = {"openshift.io/cluster-monitoring": "true"} if openshift else {}
        if name in ("openshift-etcd", "openshift-kube-apiserver"):
            labels["openshift.io/run-level"] = "0"
        labels.update(extra_labels(name))
        ann = {"openshift.io/node-selector": ""} if openshift else {}
        out.append(Namespace(name, i, labels, ann, created(i)))
    return out


def demo_namespace(index: int, labels: dict[str, str], created: datetime) -> Namespace:
    """The ``demo-app`` project, as ``oc new-project`` by kube:admin makes it."""
    return Namespace("demo-app", index, labels, dict(DEMO_NS_ANNOTATIONS), created)


# ------------------------------------------------------------------------------------- pods

#: The labels the network operator puts on its DaemonSets (and their pods).
NETWORK_LABELS = {"component": "network", "openshift.io/component": "network", "type": "infra"}

CtrSpec = tuple[str, str, int, int]  # container, payload component ("" = the app), cpu m, mem Mi


@dataclass(frozen=True)
class Workload:
    """A DaemonSet or Deployment of the demo (``nodes``: where a Deployment's pods run)."""

    namespace: str
    name: str
    containers: list[CtrSpec]
    labels: dict[str, str]
    host_network: bool
    scc: str
    service_account: str
    nodes: tuple[str, ...] = ()
    priority_class: str | None = "system-cluster-critical"  # Deployments only
    run_as_user: int | None = None  # the template's container runAsUser


@dataclass(frozen=True)
class StaticPod:
    """A static pod on every master (``<prefix>-<node>``), started ``delay`` s after the first."""

    prefix: str
    namespace: str
    containers: list[CtrSpec]
    labels: dict[str, str]
    delay: int


@dataclass
class PodFactory:
    """Makes the pods of a demo; pod IPs are handed out per node in creation order."""

    nodes: list[Node]
    payload: Payload
    app_image: Image
    first_pod_ip: int  # last octet of a node's first pod IP
    ds_start: datetime  # when the DaemonSets (re)started their pods
    ds_generation: str  # pod-template-generation of the DaemonSet pods
    deploy_delay: int  # minutes after ds_start (or the kubelet start) a Deployment pod starts
    _last_ip: dict[str, int] = field(default_factory=dict)

    def _ip_for(self, node: Node) -> str:
        self._last_ip[node.name] = self._last_ip.get(node.name, self.first_pod_ip - 1) + 1
        return f"{node.pod_subnet_prefix}.{self._last_ip[node.name]}"

    def containers(self, spec: list[CtrSpec], key: str) -> list[Container]:
        return [
            Container(
                n,
                self.payload.image(comp) if comp else self.app_image,
                0,
                cpu + num("cpu", key, n, lo=0, hi=cpu),
                mem + num("mem", key, n, lo=0, hi=mem // 3 + 1),
            )
            for n, comp, cpu, mem in spec
        ]

    def _pod(
        self, name: str, w: Workload, node: Node, owner_kind: str, owner: str, **kw: Any
    ) -> Pod:
        return Pod(
            name,
            w.namespace,
            node.name,
            self.containers(w.containers, name),
            w.scc,
            owner_kind,
            owner,
            host_network=w.host_network,
            ip=node.ip if w.host_network else self._ip_for(node),
            service_account=w.service_account,
            ready=node.ready,
            privileged=w.scc == "privileged",
            **kw,
        )

    def daemonset_pods(self, daemonsets: list[Workload]) -> list[Pod]:
        pods = []
        for w in daemonsets:
            for node in self.nodes:
                name = f"{w.name}-{suffix5(w.namespace, w.name, node.name)}"
                started = max(self.ds_start, node.kubelet_start())
                labels = {
                    **w.labels,
                    "controller-revision-hash": rs_hash(w.namespace, w.name, "rev"),
                    "pod-template-generation": self.ds_generation,
                }
                pods.append(
                    self._pod(
                        name,
                        w,
                        node,
                        "DaemonSet",
                        w.name,
                        labels=labels,
                        started=later(started, seconds=num("st", name, lo=2, hi=40)),
                    )
                )
        return pods

    def master_pods(self, static: list[StaticPod], mcs: Workload) -> list[Pod]:
        """Per master: its static pods, then its machine-config-server (DaemonSet) pod."""
        pods = []
        for m in (n for n in self.nodes if n.is_master()):
            start = later(m.kubelet_start(), seconds=20)
            for s in static:
                pods.append(
                    Pod(
                        f"{s.prefix}-{m.name}",
                        s.namespace,
                        m.name,
                        self.containers(s.containers, m.name),
                        "privileged",
                        "Node",
                        m.name,
                        labels=dict(s.labels),
                        host_network=True,
                        ip=m.ip,
                        started=later(start, seconds=s.delay),
                        privileged=True,
                    )
                )
            name = f"{mcs.name}-{suffix5('mcs', m.name)}"
            pods.append(
                self._pod(
                    name,
                    mcs,
                    m,
                    "DaemonSet",
                    mcs.name,
                    labels=dict(mcs.labels),
                    started=later(start, seconds=50),
                )
            )
        return pods

    def deployment_pods(self, deployments: list[Workload]) -> list[Pod]:
        by = {n.name: n for n in self.nodes}
        pods = []
        for w in deployments:
            rs = f"{w.name}-{rs_hash(w.namespace, w.name)}"
            for node_name in w.nodes:
                name = f"{rs}-{suffix5(w.namespace, w.name, node_name)}"
                node = by[node_name]
                pod = self._pod(
                    name,
                    w,
                    node,
                    "ReplicaSet",
                    rs,
                    labels={**w.labels, "pod-template-hash": rs.rsplit("-", 1)[1]},
                    started=later(
                        max(self.ds_start, node.kubelet_start()), minutes=self.deploy_delay
                    ),
                    priority_class=w.priority_class,
                )
                pod.run_as_user = w.run_as_user
                pods.append(pod)
        return pods


# --------------------------------------------------------------------------- machine configs


def source_mcs(role_mcs: Callable[[str], list[MC]], *extra: MC) -> list[MC]:
    """The non-rendered MachineConfigs: the generated ones of each role, and ``extra``."""
    out = [m for role in ("master", "worker") for m in role_mcs(role)]
    return sorted([*out, *extra], key=lambda m: m.name)


class RenderedConfig(NamedTuple):
    pool: str
    spec: dict[str, Any]
    release: str
    created: datetime
    sources: list[MC]


class Rendering:
    """Every rendered config the cluster holds (a version's subclass adds them by name).

    ``spec`` makes a rendered config's spec from its sources in merge order (for a pool with
    more roles, the worker-labelled ones first, then the rest, each in name order); a pool
    selects the MachineConfigs of the roles ``pool_roles`` lists (default: its own name).
    """

    def __init__(
        self,
        current: list[MC],
        spec: Callable[[list[MC], str], dict[str, Any]],
        pool_roles: dict[str, list[str]] | None = None,
    ) -> None:
        self.current = current
        self._spec = spec
        self._pool_roles = pool_roles or {}
        self.rendered: dict[str, RenderedConfig] = {}

    def add(
        self, pool: str, mcl: list[MC], release: str, created: datetime, name: str | None = None
    ) -> str:
        roles = self._pool_roles.get(pool, [pool])
        chosen = [m for m in mcl if m.role in roles]
        ordered = [m for m in chosen if m.role == "worker"] + [
            m for m in chosen if m.role != "worker"
        ]
        spec = self._spec(ordered, release)
        if name is None:  # the MCO names a rendered config after a hash of its spec
            name = (
                f"rendered-{pool}-{hexid('rendered', pool, json.dumps(spec, sort_keys=True), n=32)}"
            )
        self.rendered[name] = RenderedConfig(pool, spec, release, created, chosen)
        return name

    def sources(self, name: str) -> list[str]:
        return [m.name for m in self.rendered[name].sources]
