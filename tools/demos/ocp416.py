"""Demo ``ocp-4.16``: an EUS cluster on OpenShift 4.16.21, installed on 4.14.

Planted findings (see rhcos_helpers/demos/README.md): the 50-worker-chrony rollout on pool
worker (worker-1 rebooting, unreadable), the paused pool infra with OS drift on infra-0,
``<none>`` images, the anyuid grant through RBAC in demo-app, a pending CSR, and
machine-config Upgradeable=False.
"""

from __future__ import annotations

from typing import Any

import api
import builders
import machineconfigs as mcs
import writers
from builders import Hardware, StaticPod, Workload, art_ref, release_image, rhcos
from common import Tree, hexid, iso, later, merge_ign3, parse_time, suffix5
from model import MC, Cluster, Image, Namespace, Node, Pod, Profile
from nodeout import write_nodes
from scc import default_sccs, node_exporter_scc
from tuned import write_416 as write_tuned
from writers import cv_condition, pool_conditions

CAPTURED = parse_time("2026-11-20T09:30:00Z")
INSTALLED = parse_time("2025-09-02T10:15:00Z")
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

OS_NEW = rhcos(
    "416.94.202411041719-0",
    built="2024-11-04T17:23:48Z",
    kernel="5.14.0-427.42.1.el9_4.x86_64",
    kernel_built="#1 SMP PREEMPT_DYNAMIC Fri Oct 18 14:35:40 EDT 2024",
    crio="1.29.10-3.rhaos4.16.git3c7b3f0.el9",
    kubelet="v1.29.10+67d3387",
    codename="Plow",
)
OS_OLD = rhcos(
    "416.94.202409191851-0",
    built="2024-09-19T18:55:02Z",
    kernel="5.14.0-427.37.1.el9_4.x86_64",
    kernel_built="#1 SMP PREEMPT_DYNAMIC Fri Sep 13 12:41:50 EDT 2024",
    crio="1.29.8-9.rhaos4.16.git0b3ed8e.el9",
    kubelet="v1.29.8+f10c92d",
    codename="Plow",
)
OS_415 = rhcos(
    "415.92.202501081346-0",
    built="2025-01-08T13:50:21Z",
    kernel="5.14.0-284.104.1.el9_2.x86_64",
    kernel_built="#1 SMP PREEMPT_DYNAMIC Tue Jan 7 11:09:42 EST 2025",
    crio="1.28.12-4.rhaos4.15.git9d3aa5c.el9",
    kubelet="v1.28.15+ff493be",
    codename="Plow",
)
EXTENSIONS = {v: f"{builders.ART}@sha256:{hexid('ext', v)}" for v in ("4.16.21", "4.16.15")}

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
PAYLOAD = builders.Payload("4.16.21", SIZES, jitter=4_000_000, pin_pause=True)
DEMO_APP_IMAGE = Image("quay.io/example/demo-app", "demo-app:1.4.2", 287_664_102, tag="1.4.2")

# ------------------------------------------------------------------------------------ nodes

NODES: list[builders.NodeSpec] = [
    ("master-0", ["control-plane", "master"], "master", "10.0.0.11"),
    ("master-1", ["control-plane", "master"], "master", "10.0.0.12"),
    ("master-2", ["control-plane", "master"], "master", "10.0.0.13"),
    ("worker-0", ["worker"], "worker", "10.0.0.21"),
    ("worker-1", ["worker"], "worker", "10.0.0.22"),
    ("worker-2", ["worker"], "worker", "10.0.0.23"),
    ("infra-0", ["infra", "worker"], "infra", "10.0.0.31"),
]
HARDWARE = {
    "master": Hardware(cpu=8, mem_kib=32_862_224, disk_bytes=128_300_593_152),
    "worker": Hardware(cpu=16, mem_kib=65_843_132, disk_bytes=255_836_504_064),
}


def build_nodes() -> list[Node]:
    nodes = builders.make_nodes(
        NODES,
        hardware=HARDWARE,
        os=OS_NEW,
        created=lambda i, master: later(INSTALLED, minutes=(4 + i) if master else 31 + i),
        booted=lambda i: later(HISTORY[0][1], minutes=25 + 9 * i),
    )
    by = {n.name: n for n in nodes}
    by["infra-0"].os = OS_OLD  # pool infra is paused since before the 4.16.21 upgrade
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
    pause = PAYLOAD.image("pod", release).by_digest
    c = INSTALLED

    def role_mcs(role: str) -> list[MC]:
        return [
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

    infra_sysctl = MC(
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
    chrony_mc = MC(
        "50-worker-chrony", "worker", mcs.mc_chrony_416(), CHRONY_CREATED, generated=False
    )
    return builders.source_mcs(role_mcs, infra_sysctl, *([chrony_mc] if chrony else []))


POOL_ROLES = {"infra": ["worker", "infra"]}  # master and worker select their own role


def rendered_spec(sources: list[MC], release: str) -> dict[str, Any]:
    """4.16's rendered spec: the Ignition 3.4 merge, kernel arguments, layered OS image."""
    kargs: list[str] = []
    for m in sources:
        kargs += m.extra_spec.get("kernelArguments") or []
    return {
        "baseOSExtensionsContainerImage": EXTENSIONS[release],
        "config": merge_ign3([m.config for m in sources], "3.4.0"),
        "extensions": [],
        "fips": False,
        "kernelArguments": kargs,
        "kernelType": "default",
        "osImageURL": (OS_NEW if release == "4.16.21" else OS_OLD).image,
    }


class Rendering(builders.Rendering):
    """Every rendered config the cluster holds, and which one each pool/node uses."""

    def __init__(self) -> None:
        super().__init__(source_mcs("4.16.21", chrony=True), rendered_spec, POOL_ROLES)
        old = source_mcs("4.16.15", chrony=False)
        mid = source_mcs("4.16.21", chrony=False)
        t_old = later(HISTORY[1][1], minutes=38)
        t_mid = later(HISTORY[0][1], minutes=36)
        t_new = later(CHRONY_CREATED, seconds=4)
        self.master_old = self.add("master", old, "4.16.15", t_old)
        self.master = self.add("master", self.current, "4.16.21", t_mid)
        self.worker_old = self.add("worker", old, "4.16.15", t_old)
        self.worker_mid = self.add("worker", mid, "4.16.21", t_mid)
        self.worker_new = self.add("worker", self.current, "4.16.21", t_new)
        self.infra_old = self.add("infra", old, "4.16.15", t_old)
        self.infra_mid = self.add("infra", mid, "4.16.21", t_mid)
        self.infra_new = self.add("infra", self.current, "4.16.21", t_new)


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

PSA_PRIVILEGED = {
    "pod-security.kubernetes.io/audit": "privileged",
    "pod-security.kubernetes.io/enforce": "privileged",
    "pod-security.kubernetes.io/warn": "privileged",
}

NAMESPACES = [
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


def psa_labels(name: str) -> dict[str, str]:
    """Every platform namespace is labelled privileged; the syncer leaves openshift-* alone."""
    labels = dict(PSA_PRIVILEGED)
    if name.startswith("openshift-"):
        labels["security.openshift.io/scc.podSecurityLabelSync"] = "false"
    return labels


def build_namespaces() -> list[Namespace]:
    out = builders.platform_namespaces(
        NAMESPACES, created=lambda i: later(INSTALLED, minutes=2 + i // 4), extra_labels=psa_labels
    )
    demo_labels = {
        # written by the cluster-policy-controller's PSA label syncer
        # (pkg/psalabelsyncer: currentPSaVersion = "v1.24"); baseline because
        # runasanyuid may use anyuid
        "pod-security.kubernetes.io/audit": "baseline",
        "pod-security.kubernetes.io/audit-version": PSA_SYNC_VERSION,
        "pod-security.kubernetes.io/warn": "baseline",
        "pod-security.kubernetes.io/warn-version": PSA_SYNC_VERSION,
    }
    out.append(builders.demo_namespace(31, demo_labels, parse_time("2026-03-04T13:20:05Z")))
    return out


DAEMONSETS = [  # namespace, daemonset, [(container, component, cpu m, mem Mi)], labels, hostNet, scc, sa
    Workload(
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
    Workload(
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
    Workload(
        "openshift-dns",
        "dns-default",
        [("dns", "coredns", 4, 32), ("kube-rbac-proxy", "kube-rbac-proxy", 1, 18)],
        {"dns.operator.openshift.io/daemonset-dns": "default"},
        False,
        "restricted-v2",
        "dns",
    ),
    Workload(
        "openshift-dns",
        "node-resolver",
        [("dns-node-resolver", "cli", 1, 12)],
        {"dns.operator.openshift.io/daemonset-node-resolver": ""},
        True,
        "privileged",
        "node-resolver",
    ),
    Workload(
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
    Workload(
        "openshift-multus",
        "multus",
        [("kube-multus", "multus-cni", 2, 45)],
        {"app": "multus", **builders.NETWORK_LABELS},
        True,
        "privileged",
        "multus",
    ),
    Workload(
        "openshift-cluster-node-tuning-operator",
        "tuned",
        [("tuned", "cluster-node-tuning-operator", 1, 30)],
        {"openshift-app": "tuned"},
        True,
        "privileged",
        "tuned",
    ),
]

STATIC_PODS = [  # on every master
    StaticPod(
        "etcd",
        "openshift-etcd",
        [
            ("etcdctl", "etcd", 0, 5),
            ("etcd", "etcd", 180, 1450),
            ("etcd-metrics", "etcd", 6, 40),
            ("etcd-readyz", "etcd", 2, 30),
        ],
        {"app": "etcd", "etcd": "true", "k8s-app": "etcd", "revision": "11"},
        delay=0,
    ),
    StaticPod(
        "kube-apiserver",
        "openshift-kube-apiserver",
        [
            ("kube-apiserver", "hyperkube", 310, 2900),
            ("kube-apiserver-cert-syncer", "cluster-kube-apiserver-operator", 2, 40),
            (
                "kube-apiserver-cert-regeneration-controller",
                "cluster-kube-apiserver-operator",
                2,
                45,
            ),
            ("kube-apiserver-insecure-readyz", "cluster-kube-apiserver-operator", 1, 15),
            ("kube-apiserver-check-endpoints", "cluster-kube-apiserver-operator", 4, 50),
        ],
        {"apiserver": "true", "app": "openshift-kube-apiserver", "revision": "14"},
        delay=30,
    ),
]
MACHINE_CONFIG_SERVER = Workload(
    "openshift-machine-config-operator",
    "machine-config-server",
    [("machine-config-server", "machine-config-operator", 1, 25)],
    {"k8s-app": "machine-config-server"},
    True,
    "hostnetwork-v2",
    "machine-config-server",
)

DEPLOYMENTS = [
    Workload(
        "openshift-machine-config-operator",
        "machine-config-operator",
        [
            ("machine-config-operator", "machine-config-operator", 8, 90),
            ("kube-rbac-proxy", "kube-rbac-proxy", 1, 20),
        ],
        {"k8s-app": "machine-config-operator"},
        False,
        "restricted-v2",
        "machine-config-operator",
        nodes=("master-0",),
    ),
    Workload(
        "openshift-machine-config-operator",
        "machine-config-controller",
        [
            ("machine-config-controller", "machine-config-operator", 10, 110),
            ("kube-rbac-proxy", "kube-rbac-proxy", 1, 20),
        ],
        {"k8s-app": "machine-config-controller"},
        False,
        "restricted-v2",
        "machine-config-controller",
        nodes=("master-1",),
    ),
    Workload(
        "openshift-ingress",
        "router-default",
        [("router", "haproxy-router", 25, 160)],
        {"ingresscontroller.operator.openshift.io/deployment-ingresscontroller": "default"},
        True,
        "hostnetwork",
        "router",
        nodes=("worker-0", "infra-0"),
    ),
    Workload(
        "openshift-image-registry",
        "image-registry",
        [("registry", "docker-registry", 3, 120)],
        {"docker-registry": "default"},
        False,
        "restricted-v2",
        "registry",
        nodes=("worker-2",),
    ),
    Workload(
        "demo-app",
        "demo-app",
        [("demo-app", "", 40, 190)],
        {"app": "demo-app"},
        False,
        "anyuid",
        "runasanyuid",
        nodes=("worker-2",),
        priority_class=None,
        run_as_user=0,
    ),
]


def build_pods(nodes: list[Node]) -> list[Pod]:
    factory = builders.PodFactory(
        nodes,
        PAYLOAD,
        DEMO_APP_IMAGE,
        first_pod_ip=10,
        ds_start=later(HISTORY[0][1], minutes=20),
        ds_generation="3",
        deploy_delay=2,
    )
    pods = (
        factory.daemonset_pods(DAEMONSETS)
        + factory.master_pods(STATIC_PODS, MACHINE_CONFIG_SERVER)
        + factory.deployment_pods(DEPLOYMENTS)
    )
    demo = next(p for p in pods if p.namespace == "demo-app")
    c = demo.containers[0]  # OOM-killed under its 256Mi limit, restarted 3 times
    c.restarts = 3
    c.last_terminated = {
        "exitCode": 137,
        "reason": "OOMKilled",
        "started": parse_time("2026-11-20T06:12:40Z"),
        "finished": parse_time("2026-11-20T07:48:03Z"),
        "restarted": parse_time("2026-11-20T07:48:05Z"),
    }
    return pods


def extra_images(nodes: list[Node], pods: list[Pod]) -> dict[str, list[Image]]:
    """Images a node holds that no container uses: the previous release's payload images
    (``<none>`` tags, pulled by digest), and the debug pod's tools image."""
    out = builders.leftover_images(nodes, pods, PAYLOAD, "4.16.15")
    for imgs in out.values():
        imgs.append(PAYLOAD.image("tools"))
    return out


# ---------------------------------------------------------------------------------- build


def build_cluster() -> tuple[Cluster, Rendering]:
    nodes = build_nodes()
    r = Rendering()
    assign_configs(nodes, r)
    namespaces = build_namespaces()
    pods = build_pods(nodes)
    rollback = {n.name: OS_OLD if n.pool != "infra" else OS_415 for n in nodes}
    cluster = Cluster(
        P,
        nodes,
        namespaces,
        pods,
        PAYLOAD.image("pod"),
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
    ("dns", 'DNS "default" is available.', {"coredns": art_ref("4.16.21", "coredns")}),
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
            "ingress-controller": art_ref("4.16.21", "haproxy-router"),
            "canary-server": art_ref("4.16.21", "cluster-ingress-operator"),
        },
    ),
    ("insights", "Insights works as expected", {}),
    *writers.static_pod_operators(
        "4.16.21",
        "1.29.10",
        {"kube-apiserver": 14, "kube-controller-manager": 9, "kube-scheduler": 8},
    ),
    ("kube-storage-version-migrator", "", {}),
    ("machine-api", "Cluster Machine API Operator is available at 4.16.21", {}),
    ("machine-approver", "", {}),
    (
        "machine-config",
        "Cluster has deployed [{operator 4.16.21} {operator-image "
        + art_ref("4.16.21", "machine-config-operator")
        + "}]",
        {"operator-image": art_ref("4.16.21", "machine-config-operator")},
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

#: ClusterVersion capabilities: every known one is enabled (no baselineCapabilitySet limits).
CAPABILITIES = [
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
]

#: machine-config's Upgradeable=False while pool worker rolls out 50-worker-chrony.
POOL_UPDATING = (
    "One or more machine config pools are updating, please see `oc get mcp` for further details"
)
UPGRADEABLE_SINCE = later(CHRONY_CREATED, seconds=31)


def write_cv(tree: Tree) -> None:
    image = release_image("4.16.21")
    last = HISTORY[0][2]
    writers.write_cluster_version(
        tree,
        INSTALLED,
        HISTORY,
        generation=7,
        spec={
            "channel": "eus-4.16",
            "clusterID": CLUSTER_ID,
            "desiredUpdate": {
                "architecture": "",
                "force": False,
                "image": image,
                "version": "4.16.21",
            },
        },
        status={
            "availableUpdates": None,
            "capabilities": {
                "enabledCapabilities": list(CAPABILITIES),
                "knownCapabilities": list(CAPABILITIES),
            },
            "conditions": [
                cv_condition("RetrievedUpdates", True, later(INSTALLED, minutes=1)),
                cv_condition(
                    "ImplicitlyEnabledCapabilities",
                    False,
                    INSTALLED,
                    "Capabilities match configured spec",
                    "AsExpected",
                ),
                cv_condition(
                    "ReleaseAccepted",
                    True,
                    HISTORY[0][1],
                    f'Payload loaded version="4.16.21" image="{image}" architecture="amd64"',
                    "PayloadLoaded",
                ),
                cv_condition(
                    "Available", True, later(INSTALLED, minutes=37), "Done applying 4.16.21"
                ),
                cv_condition("Failing", False, last),
                cv_condition("Progressing", False, last, "Cluster version is 4.16.21"),
                cv_condition(
                    "Upgradeable",
                    False,
                    UPGRADEABLE_SINCE,
                    "Cluster operator machine-config should not be upgraded between minor"
                    f" versions: PoolUpdating: {POOL_UPDATING}",
                    "PoolUpdating",
                ),
            ],
            "desired": {
                "channels": ["candidate-4.16", "eus-4.16", "fast-4.16", "stable-4.16"],
                "image": image,
                "url": "https://access.redhat.com/errata/RHSA-2024:8981",
                "version": "4.16.21",
            },
            "versionHash": "Xb2kq3vYt1M=",
        },
    )


def related(group: str, resources: list[str], name: str = "") -> list[dict[str, str]]:
    return [{"group": group, "name": name, "resource": r} for r in resources]


def write_cos(tree: Tree) -> None:
    mco_kinds = ["machineconfigpools", "controllerconfigs", "kubeletconfigs", "machineconfigs"]
    writers.write_cluster_operators(
        tree,
        P,
        CO_SPECS,
        created=INSTALLED,
        since=HISTORY[0][2],
        overrides={
            "machine-config": {
                "Upgradeable": {
                    "status": "False",
                    "reason": "PoolUpdating",
                    "message": POOL_UPDATING,
                    "time": iso(UPGRADEABLE_SINCE),
                }
            }
        },
        related={
            "machine-config": [
                *related("", ["namespaces"], "openshift-machine-config-operator"),
                *related("machineconfiguration.openshift.io", mco_kinds),
            ],
            "kube-apiserver": related("security.openshift.io", ["securitycontextconstraints"]),
        },
    )


def write_infra(tree: Tree) -> None:
    writers.write_infrastructure(
        tree,
        P,
        INSTALLED,
        spec={
            "cloudConfig": {"name": ""},
            "platformSpec": {"baremetal": {}, "type": "BareMetal"},
        },
        status={
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
    )


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
    t0 = HISTORY[0][2]
    tc = later(CHRONY_CREATED, seconds=5)
    t_paused = later(HISTORY[0][1], minutes=36)
    pool_label = "pools.operator.machineconfiguration.openshift.io/"
    writers.write_pool(
        tree,
        cluster,
        r,
        "master",
        created=INSTALLED,
        target=r.master,
        status_config=r.master,
        conditions=pool_conditions(
            INSTALLED,
            (True, t0, f"All nodes are updated with MachineConfig {r.master}"),
            (False, t0),
        ),
        labels={**writers.MCO_BUILT_IN, **writers.REQUIRED_FOR_UPGRADE, pool_label + "master": ""},
        cert_expirys=CERT_EXPIRYS,
    )
    writers.write_pool(  # rolling out 50-worker-chrony
        tree,
        cluster,
        r,
        "worker",
        created=INSTALLED,
        target=r.worker_new,
        status_config=r.worker_mid,
        conditions=pool_conditions(
            INSTALLED,
            (False, tc),
            (True, tc, f"All nodes are updating to MachineConfig {r.worker_new}"),
        ),
        labels={**writers.MCO_BUILT_IN, pool_label + "worker": ""},
        max_unavailable=1,
        cert_expirys=CERT_EXPIRYS,
    )
    writers.write_pool(  # custom pool, paused since before the 4.16.21 upgrade
        tree,
        cluster,
        r,
        "infra",
        created=later(INSTALLED, days=2),
        target=r.infra_new,
        status_config=r.infra_old,
        conditions=pool_conditions(
            INSTALLED,
            (False, t_paused),
            (False, t_paused, f"Pool is paused; will not update to MachineConfig {r.infra_new}"),
        ),
        labels={pool_label + "infra": ""},
        selector={
            "matchExpressions": [
                {"key": api.ROLE_LABEL, "operator": "In", "values": ["worker", "infra"]}
            ]
        },
        paused=True,
        max_unavailable=1,
        cert_expirys=CERT_EXPIRYS,
    )


CLUSTER_ROLE_BINDINGS = [  # name, ClusterRole, subjects, created (None: at install)
    (
        "system:openshift:scc:restricted-v2",
        "system:openshift:scc:restricted-v2",
        [{"apiGroup": writers.RBAC, "kind": "Group", "name": "system:authenticated"}],
        None,
    ),
    (  # the anyuid grant, the 4.5+ way
        "system:openshift:scc:anyuid",
        "system:openshift:scc:anyuid",
        [{"kind": "ServiceAccount", "name": "runasanyuid", "namespace": "demo-app"}],
        parse_time("2026-03-04T13:22:41Z"),
    ),
    (
        "cluster-admins",
        "cluster-admin",
        [
            {"apiGroup": writers.RBAC, "kind": "Group", "name": "system:cluster-admins"},
            {"apiGroup": writers.RBAC, "kind": "User", "name": "system:admin"},
        ],
        None,
    ),
]


def write_security(tree: Tree) -> None:
    sccs = [*default_sccs(INSTALLED, modern=True), node_exporter_scc(INSTALLED)]
    writers.write_sccs(tree, sccs)
    for s in sccs:
        if s["metadata"]["name"] != "node-exporter":
            role = api.scc_cluster_role(s["metadata"]["name"], INSTALLED)
            api.write_cluster_object(tree, writers.RBAC, "clusterroles", role)
    for role in api.bootstrap_cluster_roles(INSTALLED):
        api.write_cluster_object(tree, writers.RBAC, "clusterroles", role)
    for name, role_name, subjects, created in CLUSTER_ROLE_BINDINGS:
        crb = api.cluster_role_binding(name, role_name, subjects, created or INSTALLED)
        api.write_cluster_object(tree, writers.RBAC, "clusterrolebindings", crb)


def csrs(cluster: Cluster) -> list[dict[str, Any]]:
    """Approved kubelet-serving CSRs of three workers, and one pending client CSR."""
    workers = [n for n in cluster.nodes if not n.is_master()]
    out = [
        api.kubelet_serving_csr(
            n.name,
            parse_time("2026-11-20T08:41:02Z")
            if i == 0
            else later(parse_time("2026-11-19T21:14:09Z"), minutes=7 * i),
            seed="csr",
            usages=["digital signature", "server auth"],
            approved_after=2,
            v1=True,
        )
        for i, n in enumerate(workers[:3])
    ]
    out.append(
        api.csr_obj(
            f"csr-{suffix5('csr', 'pending')}",
            parse_time("2026-11-20T09:27:44Z"),
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
            v1=True,
        )
    )
    return out


DEMO_ROLE_BINDINGS = [  # name, ClusterRole, subject (what `oc new-project` grants)
    ("admin", "admin", {"apiGroup": writers.RBAC, "kind": "User", "name": "kube:admin"}),
    (
        "system:deployers",
        "system:deployer",
        {"kind": "ServiceAccount", "name": "deployer", "namespace": "demo-app"},
    ),
    (
        "system:image-builders",
        "system:image-builder",
        {"kind": "ServiceAccount", "name": "builder", "namespace": "demo-app"},
    ),
    (
        "system:image-pullers",
        "system:image-puller",
        {"apiGroup": writers.RBAC, "kind": "Group", "name": "system:serviceaccounts:demo-app"},
    ),
]


def write_demo_app(tree: Tree, cluster: Cluster) -> None:
    """demo-app's service accounts, Deployment and role bindings."""
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
        api.role_binding(name, "demo-app", "ClusterRole", role, [dict(subject)], created)
        for name, role, subject in DEMO_ROLE_BINDINGS
    ]
    api.write_namespaced_list(tree, "demo-app", writers.RBAC, "rolebindings", rbs)


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
    writers.write_node_objects(tree, cluster, node_extra_annotations)
    writers.write_namespaces_and_pods(tree, cluster)
    write_demo_app(tree, cluster)
    writers.write_machine_configs(tree, r, P, MCO_HASH, release_annotation=True)
    write_pools(tree, cluster, r)
    write_cv(tree)
    write_cos(tree)
    write_infra(tree)
    write_security(tree)
    writers.write_csrs(tree, csrs(cluster))
    write_tuned(tree, cluster.nodes, INSTALLED, later(INSTALLED, days=2, hours=1))


MANIFEST = writers.manifest(
    P,
    [
        "Synthetic demo cluster (OpenShift 4.16.21 on RHCOS 9.4): every value is made up, "
        "modelled on real formats. Generated by tools/demos/generate.py.",
        "worker-1 was rebooting into the new worker config when the capture ran: its node "
        "facts are failed.",
        "MachineConfig contents are abridged: each generated MachineConfig carries a "
        "representative subset of the files and units the real templates write.",
    ],
)

NODE_FAIL_REASON = "node worker-1 is NotReady (rebooting into {}): the debug pod was not started"


def build(tree: Tree) -> None:
    cluster, r = build_cluster()
    tree.json("rhcos-capture.json", MANIFEST)
    write_api(tree, cluster, r)
    write_nodes(tree, cluster, NODE_FAIL_REASON.format(r.worker_new))
