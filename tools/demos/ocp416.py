"""Demo ``ocp-4.16``: an EUS cluster on OpenShift 4.16.21, installed on 4.14.

Planted findings (see rhcos_helpers/demos/README.md): the 50-worker-chrony rollout on pool
worker (worker-1 rebooting, unreadable), the paused pool infra with OS drift on infra-0,
``<none>`` images, the anyuid grant through RBAC in demo-app, a pending CSR, and
machine-config Upgradeable=False.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import api
import machineconfigs as mcs
from common import Tree, hexid, iso, later, num, parse_time, rs_hash, suffix5, uid
from model import MC, Cluster, Container, Image, Namespace, Node, OSBuild, Pod, Profile
from scc import default_sccs
from tuned import write_416 as write_tuned

CAPTURED = parse_time("2026-11-20T09:30:00Z")
INSTALLED = parse_time("2025-09-02T10:15:00Z")
ART = "quay.io/openshift-release-dev/ocp-v4.0-art-dev"
RELEASE_REPO = "quay.io/openshift-release-dev/ocp-release"
CLUSTER_ID = "4f9c2a61-8d3e-4b7a-9c15-2e6f0d8a7b43"
MCO_HASH = {
    "4.16.21": "b9c4b5b9f3e1d2a2a0c6e3f5d1e8c7a6b5d4c3e2",
    "4.16.15": "f2d5a4c3b1e0d9c8b7a6f5e4d3c2b1a0e9f8d7c6",
}

P = Profile(
    name="ocp-4.16",
    ocp="4.16.21",
    minor="4.16",
    captured=CAPTURED,
    ign_version="3.4.0",
    mco_hash=MCO_HASH["4.16.21"],
    cluster_domain="ocp416.example.com",
    kube="1.29.10",
    crictl_v1=True,
    has_statsp=True,
    psa=True,
)

# ---------------------------------------------------------------------------- history & OS

HISTORY = [  # newest first: (version, started, completed)
    ("4.16.21", parse_time("2026-10-27T06:02:11Z"), parse_time("2026-10-27T07:41:52Z")),
    ("4.16.15", parse_time("2026-01-21T07:10:35Z"), parse_time("2026-01-21T08:58:04Z")),
    ("4.15.39", parse_time("2026-01-20T07:03:40Z"), parse_time("2026-01-20T08:47:19Z")),
    ("4.14.38", INSTALLED, parse_time("2025-09-02T10:52:27Z")),
]
INFRA_PAUSED = parse_time("2026-06-15T12:04:31Z")
CHRONY_CREATED = parse_time("2026-11-20T08:55:12Z")


def release_image(version: str) -> str:
    return f"{RELEASE_REPO}@sha256:{hexid('release', version)}"


OS_NEW = OSBuild(
    version="416.94.202411041719-0",
    kernel="5.14.0-427.42.1.el9_4.x86_64",
    kernel_built="#1 SMP PREEMPT_DYNAMIC Fri Oct 18 14:35:40 EDT 2024",
    crio="1.29.10-3.rhaos4.16.git3c7b3f0.el9",
    kubelet="v1.29.10+67d3387",
    image=f"{ART}@sha256:{hexid('rhcos', '416.94.202411041719-0')}",
    built=parse_time("2024-11-04T17:23:48Z"),
    codename="Plow",
)
OS_OLD = OSBuild(
    version="416.94.202409191851-0",
    kernel="5.14.0-427.37.1.el9_4.x86_64",
    kernel_built="#1 SMP PREEMPT_DYNAMIC Fri Sep 13 12:41:50 EDT 2024",
    crio="1.29.8-9.rhaos4.16.git0b3ed8e.el9",
    kubelet="v1.29.8+f10c92d",
    image=f"{ART}@sha256:{hexid('rhcos', '416.94.202409191851-0')}",
    built=parse_time("2024-09-19T18:55:02Z"),
    codename="Plow",
)
OS_415 = OSBuild(
    version="415.92.202501081346-0",
    kernel="5.14.0-284.104.1.el9_2.x86_64",
    kernel_built="#1 SMP PREEMPT_DYNAMIC Tue Jan 7 11:09:42 EST 2025",
    crio="1.28.12-4.rhaos4.15.git9d3aa5c.el9",
    kubelet="v1.28.15+ff493be",
    image=f"{ART}@sha256:{hexid('rhcos', '415.92.202501081346-0')}",
    built=parse_time("2025-01-08T13:50:21Z"),
    codename="Plow",
)
EXTENSIONS = {
    "4.16.21": f"{ART}@sha256:{hexid('ext', '4.16.21')}",
    "4.16.15": f"{ART}@sha256:{hexid('ext', '4.16.15')}",
}

# ----------------------------------------------------------------------------------- images

SIZES = {  # component -> bytes (payload images are pulled by digest: no tags)
    "pod": 502_311_424,
    "machine-config-operator": 1_038_922_140,
    "kube-rbac-proxy": 448_203_877,
    "ovn-kubernetes": 1_463_001_532,
    "coredns": 467_113_907,
    "cli": 521_888_004,
    "prometheus-node-exporter": 449_870_611,
    "multus-cni": 682_440_120,
    "cluster-node-tuning-operator": 1_117_004_391,
    "etcd": 507_320_660,
    "hyperkube": 693_772_018,
    "cluster-kube-apiserver-operator": 604_118_232,
    "haproxy-router": 583_902_114,
    "docker-registry": 531_447_009,
    "tools": 987_555_120,
}


def payload(component: str, release: str = "4.16.21") -> Image:
    return Image(
        ART,
        f"{release}/{component}",
        SIZES[component] + num("sz", release, component, lo=0, hi=4_000_000),
        pinned=component == "pod",
    )


DEMO_APP_IMAGE = Image("quay.io/example/demo-app", "demo-app:1.4.2", 287_664_102, tag="1.4.2")

# ------------------------------------------------------------------------------------ nodes


def build_nodes() -> list[Node]:
    nodes = []
    specs = [
        ("master-0", ["control-plane", "master"], "master", "10.0.0.11"),
        ("master-1", ["control-plane", "master"], "master", "10.0.0.12"),
        ("master-2", ["control-plane", "master"], "master", "10.0.0.13"),
        ("worker-0", ["worker"], "worker", "10.0.0.21"),
        ("worker-1", ["worker"], "worker", "10.0.0.22"),
        ("worker-2", ["worker"], "worker", "10.0.0.23"),
        ("infra-0", ["infra", "worker"], "infra", "10.0.0.31"),
    ]
    for i, (name, roles, pool, ip) in enumerate(specs):
        master = pool == "master"
        node = Node(
            name=name,
            roles=roles,
            pool=pool,
            index=i,
            ip=ip,
            os=OS_OLD if pool == "infra" else OS_NEW,
            created=later(INSTALLED, minutes=(4 + i) if master else 31 + i),
            booted=later(HISTORY[0][1], minutes=25 + 9 * i),
            cpu=8 if master else 16,
            mem_kib=32_862_224 if master else 65_843_132,
            disk_bytes=128_300_593_152 if master else 255_836_504_064,
        )
        nodes.append(node)
    by = {n.name: n for n in nodes}
    by["infra-0"].booted = later(HISTORY[1][1], minutes=95)
    by["worker-0"].booted = parse_time("2026-11-20T09:05:47Z")
    by["worker-1"].booted = later(HISTORY[0][1], minutes=61)
    by["worker-1"].ready = False
    by["worker-1"].unschedulable = True
    by["worker-1"].state = "Working"
    by["worker-1"].last_heartbeat = parse_time("2026-11-20T09:24:18Z")
    by["master-2"].ssh_accessed = True
    return nodes


# --------------------------------------------------------------------------- machine configs


def source_mcs(release: str, *, chrony: bool) -> list[MC]:
    """The non-rendered MachineConfigs as they stand at ``release``."""
    pause = payload("pod", release).by_digest
    c = INSTALLED
    out = []
    for role in ("master", "worker"):
        out += [
            MC(f"00-{role}", role, mcs.mc_00_416(role), c),
            MC(f"01-{role}-container-runtime", role, mcs.mc_01_runtime_416(pause), c),
            MC(f"01-{role}-kubelet", role, mcs.mc_01_kubelet_416(role, pause), c),
            MC(
                f"97-{role}-generated-kubelet",
                role,
                mcs.mc_97_416(),
                c,
                extra_spec={
                    "kernelArguments": [
                        "systemd.unified_cgroup_hierarchy=1",
                        'cgroup_no_v1="all"',
                        "psi=0",
                    ]
                },
            ),
            MC(f"98-{role}-generated-kubelet", role, mcs.mc_98_416(), c),
            MC(f"99-{role}-generated-registries", role, mcs.mc_registries_416(), c),
            MC(f"99-{role}-ssh", role, mcs.mc_ssh_416(), c, generated=False),
        ]
    out.append(
        MC(
            "50-infra-sysctl",
            "infra",
            mcs.ign3(
                [
                    mcs.ign3_file(
                        "/etc/sysctl.d/99-infra-router.conf",
                        "net.ipv4.ip_local_port_range = 1024 65000\nnet.core.somaxconn = 4096\n",
                    )
                ]
            ),
            later(INSTALLED, days=2),
            generated=False,
        )
    )
    if chrony:
        out.append(
            MC("50-worker-chrony", "worker", mcs.mc_chrony_416(), CHRONY_CREATED, generated=False)
        )
    return sorted(out, key=lambda m: m.name)


POOL_ROLES = {"master": ["master"], "worker": ["worker"], "infra": ["worker", "infra"]}


def select(pool: str, mc_list: list[MC]) -> list[MC]:
    return [m for m in mc_list if m.role in POOL_ROLES[pool]]


def render(pool: str, mc_list: list[MC], release: str) -> tuple[str, dict[str, Any]]:
    """MCO merge: worker-labelled first then the rest, each sorted by name."""
    from common import merge_ign3

    chosen = select(pool, mc_list)
    ordered = [m for m in chosen if m.role == "worker"] + [m for m in chosen if m.role != "worker"]
    kargs: list[str] = []
    for m in ordered:
        kargs += m.extra_spec.get("kernelArguments") or []
    spec = {
        "baseOSExtensionsContainerImage": EXTENSIONS[release],
        "config": merge_ign3([m.config for m in ordered], "3.4.0"),
        "extensions": [],
        "fips": False,
        "kernelArguments": kargs,
        "kernelType": "default",
        "osImageURL": (OS_NEW if release == "4.16.21" else OS_OLD).image,
    }
    name = f"rendered-{pool}-{hexid('rendered', pool, json.dumps(spec, sort_keys=True), n=32)}"
    return name, spec


class Rendering:
    """Every rendered config the cluster holds, and which one each pool/node uses."""

    def __init__(self) -> None:
        self.current = source_mcs("4.16.21", chrony=True)
        old = source_mcs("4.16.15", chrony=False)
        mid = source_mcs("4.16.21", chrony=False)
        self.rendered: dict[str, tuple[str, dict[str, Any], str, datetime, list[MC]]] = {}

        def add(pool: str, mcl: list[MC], release: str, created: datetime) -> str:
            name, spec = render(pool, mcl, release)
            self.rendered[name] = (pool, spec, release, created, select(pool, mcl))
            return name

        self.master_old = add("master", old, "4.16.15", later(HISTORY[1][1], minutes=38))
        self.master = add("master", self.current, "4.16.21", later(HISTORY[0][1], minutes=36))
        self.worker_old = add("worker", old, "4.16.15", later(HISTORY[1][1], minutes=38))
        self.worker_mid = add("worker", mid, "4.16.21", later(HISTORY[0][1], minutes=36))
        self.worker_new = add("worker", self.current, "4.16.21", later(CHRONY_CREATED, seconds=4))
        self.infra_old = add("infra", old, "4.16.15", later(HISTORY[1][1], minutes=38))
        self.infra_mid = add("infra", mid, "4.16.21", later(HISTORY[0][1], minutes=36))
        self.infra_new = add("infra", self.current, "4.16.21", later(CHRONY_CREATED, seconds=4))

    def sources(self, name: str) -> list[str]:
        return [m.name for m in self.rendered[name][4]]


def assign_configs(nodes: list[Node], r: Rendering) -> None:
    for n in nodes:
        if n.pool == "master":
            n.current = n.desired = r.master
        elif n.pool == "infra":
            n.current = n.desired = r.infra_old
        elif n.name == "worker-0":
            n.current = n.desired = r.worker_new
        elif n.name == "worker-1":
            n.current, n.desired = r.worker_mid, r.worker_new
        else:
            n.current = n.desired = r.worker_mid
        if n.name == "worker-1":
            n.desired_drain = n.last_applied_drain = f"drain-{r.worker_new}"
        else:
            n.desired_drain = n.last_applied_drain = f"uncordon-{n.current}"


# ----------------------------------------------------------------------- namespaces & pods

PSA_SYNC_VERSION = "v1.24"  # the label syncer's currentPSaVersion on 4.12-4.18

PRIV_NS_LABELS = {
    "openshift.io/cluster-monitoring": "true",
    "pod-security.kubernetes.io/audit": "privileged",
    "pod-security.kubernetes.io/enforce": "privileged",
    "pod-security.kubernetes.io/warn": "privileged",
}


def build_namespaces() -> list[Namespace]:
    names = [
        "default",
        "kube-system",
        "openshift",
        "openshift-cluster-node-tuning-operator",
        "openshift-cluster-version",
        "openshift-dns",
        "openshift-etcd",
        "openshift-image-registry",
        "openshift-ingress",
        "openshift-kube-apiserver",
        "openshift-machine-config-operator",
        "openshift-monitoring",
        "openshift-multus",
        "openshift-ovn-kubernetes",
    ]
    out = []
    for i, name in enumerate(names):
        labels = dict(PRIV_NS_LABELS) if name.startswith("openshift-") else {}
        if name in ("openshift-etcd", "openshift-kube-apiserver"):
            labels["openshift.io/run-level"] = "0"
        if name.startswith("openshift-"):
            labels["security.openshift.io/scc.podSecurityLabelSync"] = "false"
        ann = {"openshift.io/node-selector": ""} if name.startswith("openshift-") else {}
        if name in ("default", "kube-system", "openshift"):
            labels.update(
                {
                    "pod-security.kubernetes.io/audit": "privileged",
                    "pod-security.kubernetes.io/enforce": "privileged",
                    "pod-security.kubernetes.io/warn": "privileged",
                }
            )
        out.append(Namespace(name, i, labels, ann, later(INSTALLED, minutes=2 + i // 4)))
    out.append(
        Namespace(
            "demo-app",
            31,
            {
                # written by the cluster-policy-controller's PSA label syncer
                # (pkg/psalabelsyncer: currentPSaVersion = "v1.24"); baseline because
                # runasanyuid may use anyuid
                "pod-security.kubernetes.io/audit": "baseline",
                "pod-security.kubernetes.io/audit-version": PSA_SYNC_VERSION,
                "pod-security.kubernetes.io/warn": "baseline",
                "pod-security.kubernetes.io/warn-version": PSA_SYNC_VERSION,
            },
            {
                "openshift.io/description": "Demo application (synthetic)",
                "openshift.io/display-name": "demo-app",
                "openshift.io/requester": "kube:admin",
            },
            parse_time("2026-03-04T13:20:05Z"),
        )
    )
    return out


DS_SPECS = [  # namespace, daemonset, [(container, component, cpu m, mem Mi)], labels, hostNet, scc, sa
    (
        "openshift-machine-config-operator",
        "machine-config-daemon",
        [
            ("machine-config-daemon", "machine-config-operator", 12, 95),
            ("kube-rbac-proxy", "kube-rbac-proxy", 1, 22),
        ],
        {"k8s-app": "machine-config-daemon"},
        True,
        "privileged",
        "machine-config-daemon",
    ),
    (
        "openshift-ovn-kubernetes",
        "ovnkube-node",
        [
            ("ovn-controller", "ovn-kubernetes", 8, 60),
            ("ovn-acl-logging", "ovn-kubernetes", 1, 8),
            ("kube-rbac-proxy-node", "kube-rbac-proxy", 1, 20),
            ("kube-rbac-proxy-ovn-metrics", "kube-rbac-proxy", 1, 18),
            ("northd", "ovn-kubernetes", 2, 45),
            ("nbdb", "ovn-kubernetes", 3, 30),
            ("sbdb", "ovn-kubernetes", 5, 48),
            ("ovnkube-controller", "ovn-kubernetes", 35, 310),
        ],
        {
            "app": "ovnkube-node",
            "component": "network",
            "kubernetes.io/os": "linux",
            "openshift.io/component": "network",
            "ovn-db-pod": "true",
            "type": "infra",
        },
        True,
        "privileged",
        "ovn-kubernetes-node",
    ),
    (
        "openshift-dns",
        "dns-default",
        [("dns", "coredns", 4, 32), ("kube-rbac-proxy", "kube-rbac-proxy", 1, 18)],
        {"dns.operator.openshift.io/daemonset-dns": "default"},
        False,
        "restricted-v2",
        "dns",
    ),
    (
        "openshift-dns",
        "node-resolver",
        [("dns-node-resolver", "cli", 1, 12)],
        {"dns.operator.openshift.io/daemonset-node-resolver": ""},
        True,
        "privileged",
        "node-resolver",
    ),
    (
        "openshift-monitoring",
        "node-exporter",
        [
            ("node-exporter", "prometheus-node-exporter", 9, 38),
            ("kube-rbac-proxy", "kube-rbac-proxy", 1, 20),
        ],
        {
            "app.kubernetes.io/component": "exporter",
            "app.kubernetes.io/name": "node-exporter",
            "app.kubernetes.io/part-of": "openshift-monitoring",
        },
        True,
        "node-exporter",
        "node-exporter",
    ),
    (
        "openshift-multus",
        "multus",
        [("kube-multus", "multus-cni", 2, 45)],
        {
            "app": "multus",
            "component": "network",
            "openshift.io/component": "network",
            "type": "infra",
        },
        True,
        "privileged",
        "multus",
    ),
    (
        "openshift-cluster-node-tuning-operator",
        "tuned",
        [("tuned", "cluster-node-tuning-operator", 1, 30)],
        {"openshift-app": "tuned"},
        True,
        "privileged",
        "tuned",
    ),
]


def _ctrs(spec: list[tuple[str, str, int, int]], key: str) -> list[Container]:
    return [
        Container(
            n,
            payload(comp) if comp else DEMO_APP_IMAGE,
            0,
            cpu + num("cpu", key, n, lo=0, hi=cpu),
            mem + num("mem", key, n, lo=0, hi=mem // 3 + 1),
        )
        for n, comp, cpu, mem in spec
    ]


def build_pods(nodes: list[Node], namespaces: list[Namespace]) -> list[Pod]:
    pods: list[Pod] = []
    pod_ip_counter: dict[str, int] = {}

    def ip_for(node: Node) -> str:
        pod_ip_counter[node.name] = pod_ip_counter.get(node.name, 9) + 1
        k = pod_ip_counter[node.name]
        return f"{node.pod_subnet_prefix}.{k}"

    ds_start = later(HISTORY[0][1], minutes=20)
    for ns, ds, ctrs, labels, host, scc_name, sa in DS_SPECS:
        for node in nodes:
            name = f"{ds}-{suffix5(ns, ds, node.name)}"
            started = max(ds_start, node.kubelet_start())
            pods.append(
                Pod(
                    name,
                    ns,
                    node.name,
                    _ctrs(ctrs, name),
                    scc_name,
                    "DaemonSet",
                    ds,
                    labels={
                        **labels,
                        "controller-revision-hash": rs_hash(ns, ds, "rev"),
                        "pod-template-generation": "3",
                    },
                    host_network=host,
                    ip=node.ip if host else ip_for(node),
                    started=later(started, seconds=num("st", name, lo=2, hi=40)),
                    service_account=sa,
                    ready=node.ready,
                    privileged=scc_name == "privileged",
                )
            )
    masters = [n for n in nodes if n.is_master()]
    for m in masters:
        start = later(m.kubelet_start(), seconds=20)
        pods.append(
            Pod(
                f"etcd-{m.name}",
                "openshift-etcd",
                m.name,
                _ctrs(
                    [
                        ("etcdctl", "etcd", 0, 5),
                        ("etcd", "etcd", 180, 1450),
                        ("etcd-metrics", "etcd", 6, 40),
                        ("etcd-readyz", "etcd", 2, 30),
                    ],
                    m.name,
                ),
                "privileged",
                "Node",
                m.name,
                labels={"app": "etcd", "etcd": "true", "k8s-app": "etcd", "revision": "11"},
                host_network=True,
                ip=m.ip,
                started=start,
                service_account="default",
                priority_class="system-node-critical",
                privileged=True,
            )
        )
        pods.append(
            Pod(
                f"kube-apiserver-{m.name}",
                "openshift-kube-apiserver",
                m.name,
                _ctrs(
                    [
                        ("kube-apiserver", "hyperkube", 310, 2900),
                        ("kube-apiserver-cert-syncer", "cluster-kube-apiserver-operator", 2, 40),
                        (
                            "kube-apiserver-cert-regeneration-controller",
                            "cluster-kube-apiserver-operator",
                            2,
                            45,
                        ),
                        (
                            "kube-apiserver-insecure-readyz",
                            "cluster-kube-apiserver-operator",
                            1,
                            15,
                        ),
                        (
                            "kube-apiserver-check-endpoints",
                            "cluster-kube-apiserver-operator",
                            4,
                            50,
                        ),
                    ],
                    m.name,
                ),
                "privileged",
                "Node",
                m.name,
                labels={"apiserver": "true", "app": "openshift-kube-apiserver", "revision": "14"},
                host_network=True,
                ip=m.ip,
                started=later(start, seconds=30),
                service_account="default",
                privileged=True,
            )
        )
        name = f"machine-config-server-{suffix5('mcs', m.name)}"
        pods.append(
            Pod(
                name,
                "openshift-machine-config-operator",
                m.name,
                _ctrs([("machine-config-server", "machine-config-operator", 1, 25)], name),
                "hostnetwork-v2",
                "DaemonSet",
                "machine-config-server",
                labels={"k8s-app": "machine-config-server"},
                host_network=True,
                ip=m.ip,
                started=later(start, seconds=50),
                service_account="machine-config-server",
            )
        )
    by = {n.name: n for n in nodes}

    def deployment_pod(
        ns: str,
        dep: str,
        node: str,
        ctrs: list[tuple[str, str, int, int]],
        scc_name: str,
        labels: dict[str, str],
        sa: str,
        host: bool = False,
        prio: str | None = "system-cluster-critical",
    ) -> Pod:
        rs = f"{dep}-{rs_hash(ns, dep)}"
        name = f"{rs}-{suffix5(ns, dep, node)}"
        n = by[node]
        return Pod(
            name,
            ns,
            node,
            _ctrs(ctrs, name),
            scc_name,
            "ReplicaSet",
            rs,
            labels={**labels, "pod-template-hash": rs.rsplit("-", 1)[1]},
            host_network=host,
            ip=n.ip if host else ip_for(n),
            started=later(max(ds_start, n.kubelet_start()), minutes=2),
            service_account=sa,
            priority_class=prio,
        )

    pods.append(
        deployment_pod(
            "openshift-machine-config-operator",
            "machine-config-operator",
            "master-0",
            [
                ("machine-config-operator", "machine-config-operator", 8, 90),
                ("kube-rbac-proxy", "kube-rbac-proxy", 1, 20),
            ],
            "restricted-v2",
            {"k8s-app": "machine-config-operator"},
            "machine-config-operator",
        )
    )
    pods.append(
        deployment_pod(
            "openshift-machine-config-operator",
            "machine-config-controller",
            "master-1",
            [
                ("machine-config-controller", "machine-config-operator", 10, 110),
                ("kube-rbac-proxy", "kube-rbac-proxy", 1, 20),
            ],
            "restricted-v2",
            {"k8s-app": "machine-config-controller"},
            "machine-config-controller",
        )
    )
    for node in ("worker-0", "infra-0"):
        pods.append(
            deployment_pod(
                "openshift-ingress",
                "router-default",
                node,
                [("router", "haproxy-router", 25, 160)],
                "hostnetwork",
                {"ingresscontroller.operator.openshift.io/deployment-ingresscontroller": "default"},
                "router",
                host=True,
            )
        )
    pods.append(
        deployment_pod(
            "openshift-image-registry",
            "image-registry",
            "worker-2",
            [("registry", "docker-registry", 3, 120)],
            "restricted-v2",
            {"docker-registry": "default"},
            "registry",
        )
    )
    demo = deployment_pod(
        "demo-app",
        "demo-app",
        "worker-2",
        [("demo-app", "", 40, 190)],
        "anyuid",
        {"app": "demo-app"},
        "runasanyuid",
        prio=None,
    )
    c = demo.containers[0]
    c.restarts = 3
    c.last_terminated = {
        "exitCode": 137,
        "reason": "OOMKilled",
        "started": parse_time("2026-11-20T06:12:40Z"),
        "finished": parse_time("2026-11-20T07:48:03Z"),
        "restarted": parse_time("2026-11-20T07:48:05Z"),
    }
    demo.run_as_user = 0
    pods.append(demo)
    return pods


def extra_images(nodes: list[Node], pods: list[Pod]) -> dict[str, list[Image]]:
    """Images a node holds that no container uses: the previous release's payload images
    (``<none>`` tags, pulled by digest), and the debug pod's tools image."""
    out: dict[str, list[Image]] = {}
    for node in nodes:
        comps = {
            c.image.key.split("/", 1)[1]
            for p in pods
            if p.node == node.name
            for c in p.containers
            if c.image.repo == ART
        }
        imgs = [payload(comp, "4.16.15") for comp in sorted(comps | {"pod"})]
        imgs.append(payload("tools"))
        out[node.name] = imgs
    return out


# ---------------------------------------------------------------------------------- build


def build_cluster() -> tuple[Cluster, Rendering]:
    nodes = build_nodes()
    r = Rendering()
    assign_configs(nodes, r)
    namespaces = build_namespaces()
    pods = build_pods(nodes, namespaces)
    rollback = {n.name: OS_OLD if n.pool != "infra" else OS_415 for n in nodes}
    cluster = Cluster(
        P,
        nodes,
        namespaces,
        pods,
        payload("pod"),
        extra_images(nodes, pods),
        chrony_nodes={"worker-0"},
        oom_node="worker-2",
        rollback_os=rollback,
    )
    return cluster, r


# ------------------------------------------------------------------------------ API objects

CO_SPECS = [  # name, Available message, operands
    (
        "authentication",
        "All is well",
        {"oauth-apiserver": "4.16.21", "oauth-openshift": "4.16.21_openshift"},
    ),
    ("baremetal", "Operational", {}),
    ("cloud-controller-manager", "Cluster Cloud Controller Manager Operator is available", {}),
    ("cloud-credential", "", {}),
    ("cluster-autoscaler", "at version 4.16.21", {}),
    ("config-operator", "", {"feature-gates": "4.16.21"}),
    ("console", "DeploymentAvailable: 2 replicas available for console deployment", {}),
    ("control-plane-machine-set", "", {}),
    ("csi-snapshot-controller", "", {"csi-snapshot-controller": "4.16.21"}),
    (
        "dns",
        'DNS "default" is available.',
        {
            "coredns": "quay.io/openshift-release-dev/"
            "ocp-v4.0-art-dev@sha256:" + hexid("manifest", "4.16.21/coredns")
        },
    ),
    (
        "etcd",
        "StaticPodsAvailable: 3 nodes are active; 3 nodes are at revision 11\n"
        "EtcdMembersAvailable: 3 members are available",
        {"etcd": "4.16.21", "raw-internal": "4.16.21"},
    ),
    (
        "image-registry",
        "Available: The registry is ready\nNodeCADaemonAvailable: The daemon set "
        "node-ca has available replicas\nImagePrunerAvailable: Pruner CronJob "
        "has been created",
        {},
    ),
    (
        "ingress",
        'The "default" ingress controller reports Available=True.',
        {
            "ingress-controller": "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:"
            + hexid("manifest", "4.16.21/haproxy-router"),
            "canary-server": "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:"
            + hexid("manifest", "4.16.21/cluster-ingress-operator"),
        },
    ),
    ("insights", "Insights works as expected", {}),
    (
        "kube-apiserver",
        "StaticPodsAvailable: 3 nodes are active; 3 nodes are at revision 14",
        {"raw-internal": "4.16.21", "kube-apiserver": "1.29.10"},
    ),
    (
        "kube-controller-manager",
        "StaticPodsAvailable: 3 nodes are active; 3 nodes are at revision 9",
        {"raw-internal": "4.16.21", "kube-controller-manager": "1.29.10"},
    ),
    (
        "kube-scheduler",
        "StaticPodsAvailable: 3 nodes are active; 3 nodes are at revision 8",
        {"raw-internal": "4.16.21", "kube-scheduler": "1.29.10"},
    ),
    ("kube-storage-version-migrator", "", {}),
    ("machine-api", "Cluster Machine API Operator is available at 4.16.21", {}),
    ("machine-approver", "", {}),
    (
        "machine-config",
        "Cluster has deployed [{operator 4.16.21} {operator-image "
        "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:"
        + hexid("manifest", "4.16.21/machine-config-operator")
        + "}]",
        {
            "operator-image": "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:"
            + hexid("manifest", "4.16.21/machine-config-operator")
        },
    ),
    ("marketplace", "Available release version: 4.16.21", {}),
    ("monitoring", "Successfully rolled out the stack.", {}),
    ("network", "", {}),
    ("node-tuning", 'Cluster has deployed 7/7 "4.16.21" operands', {"ocp-tuned": "4.16.21"}),
    ("openshift-apiserver", "All is well", {"openshift-apiserver": "4.16.21"}),
    ("openshift-controller-manager", "All is well", {}),
    ("openshift-samples", "Samples installation successful at 4.16.21", {}),
    ("operator-lifecycle-manager", "", {"operator-lifecycle-manager": "4.16.21"}),
    ("operator-lifecycle-manager-catalog", "", {"operator-lifecycle-manager": "4.16.21"}),
    ("operator-lifecycle-manager-packageserver", "", {"operator-lifecycle-manager": "4.16.21"}),
    ("service-ca", "All is well", {}),
    (
        "storage",
        "DefaultStorageClassControllerAvailable: No default StorageClass for this platform",
        {},
    ),
]


def write_cluster_version(tree: Tree) -> None:
    desired = {
        "channels": ["candidate-4.16", "eus-4.16", "fast-4.16", "stable-4.16"],
        "image": release_image("4.16.21"),
        "url": "https://access.redhat.com/errata/RHSA-2024:8981",
        "version": "4.16.21",
    }
    history = [
        {
            "completionTime": iso(done),
            "image": release_image(v),
            "startedTime": iso(st),
            "state": "Completed",
            "verified": i < len(HISTORY) - 1,
            "version": v,
        }
        for i, (v, st, done) in enumerate(HISTORY)
    ]
    last = HISTORY[0][2]
    mcp_msg = (
        "Cluster operator machine-config should not be upgraded between minor versions:"
        " PoolUpdating: One or more machine config pools are updating, please see `oc"
        " get mcp` for further details"
    )
    obj = {
        "apiVersion": "config.openshift.io/v1",
        "kind": "ClusterVersion",
        "metadata": api.meta("version", INSTALLED, kind="ClusterVersion", generation=7),
        "spec": {
            "channel": "eus-4.16",
            "clusterID": CLUSTER_ID,
            "desiredUpdate": {
                "architecture": "",
                "force": False,
                "image": release_image("4.16.21"),
                "version": "4.16.21",
            },
        },
        "status": {
            "availableUpdates": None,
            "capabilities": {
                "enabledCapabilities": [
                    "Build",
                    "CSISnapshot",
                    "CloudControllerManager",
                    "CloudCredential",
                    "Console",
                    "DeploymentConfig",
                    "ImageRegistry",
                    "Ingress",
                    "Insights",
                    "MachineAPI",
                    "NodeTuning",
                    "OperatorLifecycleManager",
                    "Storage",
                    "baremetal",
                    "marketplace",
                    "openshift-samples",
                ],
                "knownCapabilities": [
                    "Build",
                    "CSISnapshot",
                    "CloudControllerManager",
                    "CloudCredential",
                    "Console",
                    "DeploymentConfig",
                    "ImageRegistry",
                    "Ingress",
                    "Insights",
                    "MachineAPI",
                    "NodeTuning",
                    "OperatorLifecycleManager",
                    "Storage",
                    "baremetal",
                    "marketplace",
                    "openshift-samples",
                ],
            },
            "conditions": [
                {
                    "lastTransitionTime": iso(later(INSTALLED, minutes=1)),
                    "status": "True",
                    "type": "RetrievedUpdates",
                },
                {
                    "lastTransitionTime": iso(INSTALLED),
                    "message": "Capabilities match configured spec",
                    "reason": "AsExpected",
                    "status": "False",
                    "type": "ImplicitlyEnabledCapabilities",
                },
                {
                    "lastTransitionTime": iso(HISTORY[0][1]),
                    "message": "Payload loaded "
                    f'version="4.16.21" image="{release_image("4.16.21")}" '
                    'architecture="amd64"',
                    "reason": "PayloadLoaded",
                    "status": "True",
                    "type": "ReleaseAccepted",
                },
                {
                    "lastTransitionTime": iso(later(INSTALLED, minutes=37)),
                    "message": "Done applying 4.16.21",
                    "status": "True",
                    "type": "Available",
                },
                {"lastTransitionTime": iso(last), "status": "False", "type": "Failing"},
                {
                    "lastTransitionTime": iso(last),
                    "message": "Cluster version is 4.16.21",
                    "status": "False",
                    "type": "Progressing",
                },
                {
                    "lastTransitionTime": iso(later(CHRONY_CREATED, seconds=31)),
                    "message": mcp_msg,
                    "reason": "PoolUpdating",
                    "status": "False",
                    "type": "Upgradeable",
                },
            ],
            "desired": desired,
            "history": history,
            "observedGeneration": 7,
            "versionHash": "Xb2kq3vYt1M=",
        },
    }
    api.write_cluster_object(tree, "config.openshift.io", "clusterversions", obj)


def write_cluster_operators(tree: Tree) -> None:
    for name, msg, operands in CO_SPECS:
        over: dict[str, dict[str, str]] = {}
        related = None
        if name == "machine-config":
            over["Upgradeable"] = {
                "status": "False",
                "reason": "PoolUpdating",
                "message": "One or more machine config pools are updating, please see `oc get"
                " mcp` for further details",
                "time": iso(later(CHRONY_CREATED, seconds=31)),
            }
            related = [
                {
                    "group": "",
                    "name": "openshift-machine-config-operator",
                    "resource": "namespaces",
                },
                {
                    "group": "machineconfiguration.openshift.io",
                    "name": "",
                    "resource": "machineconfigpools",
                },
                {
                    "group": "machineconfiguration.openshift.io",
                    "name": "",
                    "resource": "controllerconfigs",
                },
                {
                    "group": "machineconfiguration.openshift.io",
                    "name": "",
                    "resource": "kubeletconfigs",
                },
                {
                    "group": "machineconfiguration.openshift.io",
                    "name": "",
                    "resource": "machineconfigs",
                },
            ]
        if name == "kube-apiserver":
            related = [
                {
                    "group": "security.openshift.io",
                    "name": "",
                    "resource": "securitycontextconstraints",
                }
            ]
        obj = api.cluster_operator(name, P, INSTALLED, HISTORY[0][2], msg, operands, over, related)
        api.write_cluster_object(tree, "config.openshift.io", "clusteroperators", obj)


def write_infrastructure(tree: Tree) -> None:
    obj = {
        "apiVersion": "config.openshift.io/v1",
        "kind": "Infrastructure",
        "metadata": api.meta("cluster", INSTALLED, kind="Infrastructure"),
        "spec": {
            "cloudConfig": {"name": ""},
            "platformSpec": {"baremetal": {}, "type": "BareMetal"},
        },
        "status": {
            "apiServerInternalURI": f"https://api-int.{P.cluster_domain}:6443",
            "apiServerURL": P.api_url,
            "controlPlaneTopology": "HighlyAvailable",
            "cpuPartitioning": "None",
            "etcdDiscoveryDomain": "",
            "infrastructureName": "ocp416-x7k2p",
            "infrastructureTopology": "HighlyAvailable",
            "platform": "BareMetal",
            "platformStatus": {
                "baremetal": {
                    "apiServerInternalIP": "10.0.0.5",
                    "apiServerInternalIPs": ["10.0.0.5"],
                    "ingressIP": "10.0.0.7",
                    "ingressIPs": ["10.0.0.7"],
                    "loadBalancer": {"type": "OpenShiftManagedDefault"},
                    "machineNetworks": ["10.0.0.0/24"],
                },
                "type": "BareMetal",
            },
        },
    }
    api.write_cluster_object(tree, "config.openshift.io", "infrastructures", obj)


def write_machine_configs(tree: Tree, r: Rendering) -> None:
    group, plural = "machineconfiguration.openshift.io", "machineconfigs"
    for m in r.current:
        obj = api.machine_config(
            m.name,
            m.created,
            P,
            m.config,
            role=m.role,
            generated=m.generated,
            extra_spec=m.extra_spec,
        )
        api.write_cluster_object(tree, group, plural, obj)
    for name, (pool, spec, release, created, _src) in r.rendered.items():
        owner = {
            "apiVersion": api.MC_API,
            "blockOwnerDeletion": True,
            "controller": True,
            "kind": "MachineConfigPool",
            "name": pool,
            "uid": uid("MachineConfigPool", pool, ""),
        }
        obj = api.machine_config(
            name,
            created,
            P,
            spec["config"],
            role=None,
            generated=False,
            annotations={
                "machineconfiguration.openshift.io/generated-by-controller-version": MCO_HASH[
                    release
                ],
                "machineconfiguration.openshift.io/release-image-version": release,
            },
            owner=owner,
        )
        obj["spec"] = spec
        api.write_cluster_object(tree, group, plural, obj)


CERT_EXPIRYS = [
    {
        "bundle": "KubeAPIServerServingCAData",
        "expiry": "2035-08-31T10:03:12Z",
        "subject": "CN=admin-kubeconfig-signer,OU=openshift",
    },
    {
        "bundle": "KubeAPIServerServingCAData",
        "expiry": "2026-11-29T10:21:40Z",
        "subject": "CN=kube-csr-signer_@1761906100",
    },
    {
        "bundle": "KubeAPIServerServingCAData",
        "expiry": "2026-11-29T10:21:40Z",
        "subject": "CN=kubelet-signer,OU=openshift",
    },
    {
        "bundle": "KubeAPIServerServingCAData",
        "expiry": "2027-01-15T10:04:02Z",
        "subject": "CN=kube-apiserver-to-kubelet-signer,OU=openshift",
    },
    {
        "bundle": "KubeAPIServerServingCAData",
        "expiry": "2027-01-15T10:04:03Z",
        "subject": "CN=kube-control-plane-signer,OU=openshift",
    },
]


def write_pools(tree: Tree, cluster: Cluster, r: Rendering) -> None:
    C = api.pool_condition
    t0 = HISTORY[0][2]
    tc = later(CHRONY_CREATED, seconds=5)
    role_sel = {"matchLabels": {api.ROLE_LABEL: "master"}}
    nodes = {
        pool: [n for n in cluster.nodes if n.pool == pool] for pool in ("master", "worker", "infra")
    }
    pools = [
        (
            "master",
            dict(
                selector=role_sel,
                node_selector={"matchLabels": {"node-role.kubernetes.io/master": ""}},
                target=r.master,
                status_config=r.master,
                paused=False,
                max_unavailable=None,
                conditions=[
                    C("RenderDegraded", False, INSTALLED),
                    C("NodeDegraded", False, INSTALLED),
                    C("Degraded", False, INSTALLED),
                    C("Updated", True, t0, f"All nodes are updated with MachineConfig {r.master}"),
                    C("Updating", False, t0),
                ],
                labels={
                    "machineconfiguration.openshift.io/mco-built-in": "",
                    "operator.machineconfiguration.openshift.io/required-for-upgrade": "",
                    "pools.operator.machineconfiguration.openshift.io/master": "",
                },
            ),
        ),
        (
            "worker",
            dict(
                selector={"matchLabels": {api.ROLE_LABEL: "worker"}},
                node_selector={"matchLabels": {"node-role.kubernetes.io/worker": ""}},
                target=r.worker_new,
                status_config=r.worker_mid,
                paused=False,
                max_unavailable=1,
                conditions=[
                    C("RenderDegraded", False, INSTALLED),
                    C("NodeDegraded", False, INSTALLED),
                    C("Degraded", False, INSTALLED),
                    C("Updated", False, tc),
                    C(
                        "Updating",
                        True,
                        tc,
                        f"All nodes are updating to MachineConfig {r.worker_new}",
                    ),
                ],
                labels={
                    "machineconfiguration.openshift.io/mco-built-in": "",
                    "pools.operator.machineconfiguration.openshift.io/worker": "",
                },
            ),
        ),
        (
            "infra",
            dict(
                selector={
                    "matchExpressions": [
                        {"key": api.ROLE_LABEL, "operator": "In", "values": ["worker", "infra"]}
                    ]
                },
                node_selector={"matchLabels": {"node-role.kubernetes.io/infra": ""}},
                target=r.infra_new,
                status_config=r.infra_old,
                paused=True,
                max_unavailable=1,
                conditions=[
                    C("RenderDegraded", False, INSTALLED),
                    C("NodeDegraded", False, INSTALLED),
                    C("Degraded", False, INSTALLED),
                    C("Updated", False, later(HISTORY[0][1], minutes=36)),
                    C(
                        "Updating",
                        False,
                        later(HISTORY[0][1], minutes=36),
                        f"Pool is paused; will not update to MachineConfig {r.infra_new}",
                    ),
                ],
                labels={"pools.operator.machineconfiguration.openshift.io/infra": ""},
            ),
        ),
    ]
    for name, kw in pools:
        obj = api.pool_obj(
            name,
            INSTALLED if name != "infra" else later(INSTALLED, days=2),
            P,
            target_sources=r.sources(kw["target"]),  # type: ignore[arg-type]
            status_sources=r.sources(kw["status_config"]),  # type: ignore[arg-type]
            nodes=nodes[name],
            cert_expirys=CERT_EXPIRYS,
            **kw,
        )  # type: ignore[arg-type]
        api.write_cluster_object(
            tree, "machineconfiguration.openshift.io", "machineconfigpools", obj
        )


def write_security(tree: Tree) -> None:
    created = INSTALLED
    sccs = default_sccs(created, modern=True)
    sccs.append(
        {
            "allowHostDirVolumePlugin": True,
            "allowHostIPC": False,
            "allowHostNetwork": True,
            "allowHostPID": True,
            "allowHostPorts": True,
            "allowPrivilegeEscalation": True,
            "allowPrivilegedContainer": True,
            "allowedCapabilities": None,
            "apiVersion": "security.openshift.io/v1",
            "defaultAddCapabilities": None,
            "fsGroup": {"type": "RunAsAny"},
            "groups": [],
            "kind": "SecurityContextConstraints",
            "metadata": api.meta(
                "node-exporter",
                created,
                kind="SecurityContextConstraints",
                annotations={
                    "kubernetes.io/description": "node-exporter scc is "
                    "used for the Prometheus node exporter"
                },
            ),
            "priority": None,
            "readOnlyRootFilesystem": False,
            "requiredDropCapabilities": None,
            "runAsUser": {"type": "RunAsAny"},
            "seLinuxContext": {"type": "RunAsAny"},
            "supplementalGroups": {"type": "RunAsAny"},
            "users": [],
            "volumes": ["*"],
        }
    )
    for s in sccs:
        api.write_cluster_object(tree, "security.openshift.io", "securitycontextconstraints", s)
        if s["metadata"]["name"] != "node-exporter":
            api.write_cluster_object(
                tree,
                "rbac.authorization.k8s.io",
                "clusterroles",
                api.scc_cluster_role(s["metadata"]["name"], created),
            )
    rbac = "rbac.authorization.k8s.io"
    for role in api.bootstrap_cluster_roles(created):
        api.write_cluster_object(tree, rbac, "clusterroles", role)
    api.write_cluster_object(
        tree,
        rbac,
        "clusterrolebindings",
        api.cluster_role_binding(
            "system:openshift:scc:restricted-v2",
            "system:openshift:scc:restricted-v2",
            [
                {
                    "apiGroup": "rbac.authorization.k8s.io",
                    "kind": "Group",
                    "name": "system:authenticated",
                }
            ],
            created,
        ),
    )
    api.write_cluster_object(
        tree,
        rbac,
        "clusterrolebindings",
        api.cluster_role_binding(
            "system:openshift:scc:anyuid",
            "system:openshift:scc:anyuid",
            [{"kind": "ServiceAccount", "name": "runasanyuid", "namespace": "demo-app"}],
            parse_time("2026-03-04T13:22:41Z"),
        ),
    )
    api.write_cluster_object(
        tree,
        rbac,
        "clusterrolebindings",
        api.cluster_role_binding(
            "cluster-admins",
            "cluster-admin",
            [
                {
                    "apiGroup": "rbac.authorization.k8s.io",
                    "kind": "Group",
                    "name": "system:cluster-admins",
                },
                {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "system:admin"},
            ],
            created,
        ),
    )


def write_csrs(tree: Tree, cluster: Cluster) -> None:
    v1 = True
    workers = [n for n in cluster.nodes if not n.is_master()]
    pend = parse_time("2026-11-20T09:27:44Z")
    tree_csr: list[dict[str, Any]] = []
    for i, n in enumerate(workers[:3]):
        t = (
            parse_time("2026-11-20T08:41:02Z")
            if i == 0
            else later(parse_time("2026-11-19T21:14:09Z"), minutes=7 * i)
        )
        tree_csr.append(
            api.csr_obj(
                f"csr-{suffix5('csr', n.name)}",
                t,
                username=f"system:node:{n.name}",
                groups=["system:nodes", "system:authenticated"],
                signer="kubernetes.io/kubelet-serving",
                usages=["digital signature", "server auth"],
                approved_at=later(t, seconds=2),
                cn=f"system:node:{n.name}",
                v1=v1,
            )
        )
    tree_csr.append(
        api.csr_obj(
            f"csr-{suffix5('csr', 'pending')}",
            pend,
            username="system:serviceaccount:openshift-machine-config-operator:node-bootstrapper",
            groups=[
                "system:serviceaccounts",
                "system:serviceaccounts:openshift-machine-config-operator",
                "system:authenticated",
            ],
            signer="kubernetes.io/kube-apiserver-client-kubelet",
            usages=["digital signature", "client auth"],
            approved_at=None,
            cn="system:node:worker-3",
            v1=v1,
        )
    )
    for obj in tree_csr:
        api.write_cluster_object(tree, "certificates.k8s.io", "certificatesigningrequests", obj)


def write_namespaces_and_pods(tree: Tree, cluster: Cluster) -> None:
    for ns in cluster.namespaces:
        tree.yaml(f"cluster/namespaces/{ns.name}/{ns.name}.yaml", api.namespace_obj(ns, P))
        pods = sorted((p for p in cluster.pods if p.namespace == ns.name), key=lambda p: p.name)
        api.write_namespaced_list(
            tree,
            ns.name,
            "core",
            "pods",
            [api.pod_obj(p, P, cluster.node(p.node), ns) for p in pods],
        )
    demo = cluster.ns("demo-app")
    created = demo.created
    assert created is not None
    sa = {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": api.meta(
            "runasanyuid", later(created, minutes=2), kind="ServiceAccount", namespace="demo-app"
        ),
        "secrets": [{"name": "runasanyuid-dockercfg-" + suffix5("sa", "runasanyuid")}],
        "imagePullSecrets": [{"name": "runasanyuid-dockercfg-" + suffix5("sa", "runasanyuid")}],
    }
    default_sa = {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": api.meta("default", created, kind="ServiceAccount", namespace="demo-app"),
    }
    api.write_namespaced_list(tree, "demo-app", "core", "serviceaccounts", [default_sa, sa])
    pod = next(p for p in cluster.pods if p.namespace == "demo-app")
    dep = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": api.meta(
            "demo-app",
            later(created, minutes=5),
            kind="Deployment",
            namespace="demo-app",
            generation=2,
            labels={"app": "demo-app"},
        ),
        "spec": {
            "progressDeadlineSeconds": 600,
            "replicas": 1,
            "revisionHistoryLimit": 10,
            "selector": {"matchLabels": {"app": "demo-app"}},
            "strategy": {
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
                "type": "RollingUpdate",
            },
            "template": {
                "metadata": {"labels": {"app": "demo-app"}},
                "spec": {
                    "containers": [
                        {
                            "image": DEMO_APP_IMAGE.pullspec,
                            "imagePullPolicy": "IfNotPresent",
                            "name": "demo-app",
                            "resources": {
                                "limits": {"memory": "256Mi"},
                                "requests": {"cpu": "100m", "memory": "128Mi"},
                            },
                            "securityContext": {"runAsUser": 0},
                        }
                    ],
                    "securityContext": {},
                    "serviceAccountName": "runasanyuid",
                },
            },
        },
        "status": {
            "availableReplicas": 1,
            "observedGeneration": 2,
            "readyReplicas": 1,
            "replicas": 1,
            "updatedReplicas": 1,
            "conditions": [
                {
                    "lastTransitionTime": iso(pod.started or CAPTURED),
                    "lastUpdateTime": iso(pod.started or CAPTURED),
                    "message": "Deployment has minimum availability.",
                    "reason": "MinimumReplicasAvailable",
                    "status": "True",
                    "type": "Available",
                }
            ],
        },
    }
    api.write_namespaced_list(tree, "demo-app", "apps", "deployments", [dep])
    rbs = [
        api.role_binding(
            "admin",
            "demo-app",
            "ClusterRole",
            "admin",
            [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "kube:admin"}],
            created,
        ),
        api.role_binding(
            "system:deployers",
            "demo-app",
            "ClusterRole",
            "system:deployer",
            [{"kind": "ServiceAccount", "name": "deployer", "namespace": "demo-app"}],
            created,
        ),
        api.role_binding(
            "system:image-builders",
            "demo-app",
            "ClusterRole",
            "system:image-builder",
            [{"kind": "ServiceAccount", "name": "builder", "namespace": "demo-app"}],
            created,
        ),
        api.role_binding(
            "system:image-pullers",
            "demo-app",
            "ClusterRole",
            "system:image-puller",
            [
                {
                    "apiGroup": "rbac.authorization.k8s.io",
                    "kind": "Group",
                    "name": "system:serviceaccounts:demo-app",
                }
            ],
            created,
        ),
    ]
    api.write_namespaced_list(tree, "demo-app", "rbac.authorization.k8s.io", "rolebindings", rbs)


def node_extra_annotations(node: Node) -> dict[str, str]:
    return {
        "k8s.ovn.org/host-cidrs": f'["{node.ip}/24"]',
        "k8s.ovn.org/node-primary-ifaddr": f'{{"ipv4":"{node.ip}/24"}}',
        "k8s.ovn.org/node-subnets": f'{{"default":["{node.pod_subnet_prefix}.0/23"]}}',
        "machineconfiguration.openshift.io/controlPlaneTopology": "HighlyAvailable",
        "machineconfiguration.openshift.io/lastObservedServerCAAnnotation": "false",
        "machineconfiguration.openshift.io/lastSyncedControllerConfigResourceVersion": "4311298",
        "machineconfiguration.openshift.io/post-config-action": "",
    }


def write_api(tree: Tree, cluster: Cluster, r: Rendering) -> None:
    for node in cluster.nodes:
        api.write_cluster_object(
            tree, "core", "nodes", api.node_obj(node, P, node_extra_annotations(node))
        )
    write_namespaces_and_pods(tree, cluster)
    write_machine_configs(tree, r)
    write_pools(tree, cluster, r)
    write_cluster_version(tree)
    write_cluster_operators(tree)
    write_infrastructure(tree)
    write_security(tree)
    write_csrs(tree, cluster)
    write_tuned(tree, cluster.nodes, INSTALLED, later(INSTALLED, days=2, hours=1))


MANIFEST = {
    "format": "rhcos-runbooks-capture/1",
    "kind": "demo",
    "captured_at": "2026-11-20T09:30:00Z",
    "api_url": P.api_url,
    "context": "admin",
    "tool_version": "0.1.0",
    "notes": [
        "Synthetic demo cluster (OpenShift 4.16.21 on RHCOS 9.4): every value is made up, "
        "modelled on real formats. Generated by tools/demos/generate.py.",
        "worker-1 was rebooting into the new worker config when the capture ran: its node "
        "facts are failed.",
        "MachineConfig contents are abridged: each generated MachineConfig carries a "
        "representative subset of the files and units the real templates write.",
    ],
}


def build(tree: Tree) -> None:
    cluster, r = build_cluster()
    tree.json("rhcos-capture.json", MANIFEST)
    write_api(tree, cluster, r)
    from nodeout import write_nodes

    write_nodes(tree, cluster, NODE_FAIL_REASON.format(r.worker_new))


NODE_FAIL_REASON = "node worker-1 is NotReady (rebooting into {}): the debug pod was not started"
