"""Demo ``ocp-4.3``: the seed's cluster (OpenShift 4.3.5, RHCOS 43.81.202003052336.0).

Planted findings: 50-worker-chrony applied (Ignition 2.2), pool worker paused mid-upgrade so
compute-1 still runs the 4.3.1 RHCOS build, the anyuid grant the 4.3 way (SA appended to the
anyuid SCC's users), and ``<none>`` images (release images are pulled by digest).
"""

from __future__ import annotations

from typing import Any

import api
import builders
import machineconfigs as mcs
import writers
from builders import Hardware, StaticPod, Workload, art_ref, release_image, rhcos
from common import Tree, later, merge_ign22, parse_time, suffix5
from model import MC, Cluster, Image, Namespace, Node, Pod, Profile
from nodeout import write_nodes
from scc import default_sccs
from tuned import write_43 as write_tuned
from writers import cv_condition, pool_conditions

CAPTURED = parse_time("2020-03-17T08:00:00Z")
INSTALLED = parse_time("2020-02-10T07:30:00Z")
UPGRADED = (parse_time("2020-03-12T02:10:44Z"), parse_time("2020-03-12T03:31:09Z"))
CHRONY_CREATED = parse_time("2020-02-18T05:41:27Z")
WORKER_PAUSED = parse_time("2020-03-12T02:58:30Z")
CLUSTER_ID = "b3d2e28e-a1e9-44f6-80a5-2d74bca78e7f"
REGISTRIES_UUID = "b3d2e28e-a1e9-44f6-80a5-2d74bca78e7f"  # as in the seed's `oc get mc`
MCO_HASH = {
    "4.3.5": "d5599de7a6b86ec385e0f9c849e93977fcb4eeb8",
    "4.3.1": "23a6e6fb37e73501bc3216183ef5e6ebb15efc7a",
}
SEED_RENDERED = {
    "master": "rendered-master-069a77d9b6f06c7e88bc0bcf107388bc",
    "worker": "rendered-worker-5109aac45ee18a5b942c38a7bb060f95",
}

P = Profile(
    name="ocp-4.3",
    ocp="4.3.5",
    minor="4.3",
    captured=CAPTURED,
    ign_version="2.2.0",
    mco_hash=MCO_HASH["4.3.5"],
    cluster_domain="ocp43.example.com",
    kube="1.16.2",
    crictl_v1=False,
    has_statsp=False,
    psa=False,
)

HISTORY = [  # newest first: (version, started, completed)
    ("4.3.5", *UPGRADED),
    ("4.3.1", INSTALLED, later(INSTALLED, minutes=36)),
]

OS_NEW = rhcos(
    "43.81.202003052336.0",
    built="2020-03-05T23:41:12Z",
    kernel="4.18.0-147.5.1.el8_1.x86_64",
    kernel_built="#1 SMP Tue Jan 14 15:50:19 UTC 2020",
    crio="1.16.3-28.dev.rhaos4.3.git9aad8e4.el8",
    kubelet="v1.16.2",
    codename="Ootpa",
)
OS_OLD = rhcos(
    "43.81.202002032142.0",
    built="2020-02-03T21:47:30Z",
    kernel="4.18.0-147.3.1.el8_1.x86_64",
    kernel_built="#1 SMP Wed Nov 27 01:11:44 UTC 2019",
    crio="1.16.2-15.dev.rhaos4.3.gitf9a9a4c.el8",
    kubelet="v1.16.2",
    codename="Ootpa",
)

SIZES = {  # component -> bytes (payload images are pulled by digest: no tags)
    "pod": 318_455_210,
    "machine-config-operator": 727_993_140,
    "sdn": 866_120_441,
    "coredns": 352_117_940,
    "prometheus-node-exporter": 301_882_016,
    "kube-rbac-proxy": 299_004_551,
    "multus-cni": 433_118_009,
    "cluster-node-tuning-operator": 712_559_302,
    "etcd": 323_774_120,
    "hyperkube": 728_023_515,
    "haproxy-router": 401_229_884,
    "docker-registry": 388_110_274,
    "cli": 352_090_007,
    "node-ca": 310_558_212,
}
PAYLOAD = builders.Payload("4.3.5", SIZES, jitter=3_000_000, pin_pause=False)
DEMO_APP_IMAGE = Image("quay.io/example/demo-app", "demo-app:1.0.3", 244_120_336, tag="1.0.3")

# ------------------------------------------------------------------------------------ nodes

NODES: list[builders.NodeSpec] = [
    ("master-0", ["master"], "master", "10.0.96.11"),
    ("master-1", ["master"], "master", "10.0.96.12"),
    ("master-2", ["master"], "master", "10.0.96.13"),
    ("compute-0", ["worker"], "worker", "10.0.97.4"),
    ("compute-1", ["worker"], "worker", "10.0.97.5"),
]
HARDWARE = {
    "master": Hardware(cpu=4, mem_kib=16_418_220, disk_bytes=128_300_593_152),
    "worker": Hardware(cpu=8, mem_kib=32_933_780, disk_bytes=128_300_593_152),
}


def build_nodes() -> list[Node]:
    nodes = builders.make_nodes(
        NODES,
        hardware=HARDWARE,
        os=OS_NEW,
        created=lambda i, master: later(INSTALLED, minutes=(3 + i) if master else 18 + i),
        booted=lambda i: later(UPGRADED[0], minutes=30 + 8 * i),
    )
    compute1 = next(n for n in nodes if n.name == "compute-1")
    compute1.os = OS_OLD  # pool worker paused: still on the 4.3.1 build since the chrony reboot
    compute1.booted = later(CHRONY_CREATED, minutes=14)
    return nodes


# --------------------------------------------------------------------------- machine configs


def source_mcs(release: str, *, chrony: bool) -> list[MC]:
    """The non-rendered MachineConfigs as they stand at ``release``."""
    pause = PAYLOAD.image("pod", release).by_digest

    def role_mcs(role: str) -> list[MC]:
        return [
            MC(f"00-{role}", role, mcs.mc_00_43(role), INSTALLED),
            MC(f"01-{role}-container-runtime", role, mcs.mc_01_runtime_43(pause), INSTALLED),
            MC(f"01-{role}-kubelet", role, mcs.mc_01_kubelet_43(role), INSTALLED),
            MC(f"99-{role}-{REGISTRIES_UUID}-registries", role, mcs.mc_registries_43(), INSTALLED),
            MC(f"99-{role}-ssh", role, mcs.mc_ssh_43(), INSTALLED, generated=False),
        ]

    chrony_mc = MC(
        "50-worker-chrony", "worker", mcs.mc_chrony_43(), CHRONY_CREATED, generated=False
    )
    return builders.source_mcs(role_mcs, *([chrony_mc] if chrony else []))


def rendered_spec(sources: list[MC], release: str) -> dict[str, Any]:
    """4.3's rendered spec: the Ignition 2.2 append of the sources, no extensions."""
    return {
        "config": merge_ign22([m.config for m in sources]),
        "fips": False,
        "kernelArguments": [],
        "osImageURL": (OS_NEW if release == "4.3.5" else OS_OLD).image,
    }


class Rendering(builders.Rendering):
    def __init__(self) -> None:
        super().__init__(source_mcs("4.3.5", chrony=True), rendered_spec)
        old = source_mcs("4.3.1", chrony=True)
        install = source_mcs("4.3.1", chrony=False)
        upgrade = later(UPGRADED[0], minutes=19)
        self.master_old = self.add("master", install, "4.3.1", later(INSTALLED, minutes=2))
        self.master = self.add("master", self.current, "4.3.5", upgrade, SEED_RENDERED["master"])
        self.worker_install = self.add("worker", install, "4.3.1", later(INSTALLED, minutes=2))
        self.worker_old = self.add("worker", old, "4.3.1", later(CHRONY_CREATED, seconds=5))
        self.worker_new = self.add(
            "worker", self.current, "4.3.5", upgrade, SEED_RENDERED["worker"]
        )


def assign_configs(nodes: list[Node], r: Rendering) -> None:
    for n in nodes:
        if n.pool == "master":
            n.current = n.desired = r.master
        elif n.name == "compute-0":
            n.current = n.desired = r.worker_new
        else:
            n.current = n.desired = r.worker_old


# ----------------------------------------------------------------------- namespaces & pods

NAMESPACES = [
    "default",
    "kube-system",
    "openshift",
    "openshift-cluster-node-tuning-operator",
    "openshift-dns",
    "openshift-etcd",
    "openshift-image-registry",
    "openshift-ingress",
    "openshift-kube-apiserver",
    "openshift-machine-config-operator",
    "openshift-monitoring",
    "openshift-multus",
    "openshift-sdn",
]


def build_namespaces() -> list[Namespace]:
    out = builders.platform_namespaces(
        NAMESPACES, created=lambda i: later(INSTALLED, minutes=1 + i // 4)
    )
    out.append(builders.demo_namespace(27, {}, parse_time("2020-02-24T09:12:40Z")))
    return out


DAEMONSETS = [  # namespace, daemonset, [(container, component, cpu m, mem Mi)], labels, hostNet, scc, sa
    Workload(
        "openshift-machine-config-operator",
        "machine-config-daemon",
        [("machine-config-daemon", "machine-config-operator", 10, 80)],
        {"k8s-app": "machine-config-daemon"},
        True,
        "privileged",
        "machine-config-daemon",
    ),
    Workload(
        "openshift-sdn",
        "sdn",
        [("sdn", "sdn", 20, 110)],
        {"app": "sdn", **builders.NETWORK_LABELS},
        True,
        "privileged",
        "sdn",
    ),
    Workload(
        "openshift-sdn",
        "ovs",
        [("openvswitch", "sdn", 10, 60)],
        {"app": "ovs", **builders.NETWORK_LABELS},
        True,
        "privileged",
        "sdn",
    ),
    Workload(
        "openshift-dns",
        "dns-default",
        [("dns", "coredns", 4, 30), ("dns-node-resolver", "cli", 1, 10)],
        {"dns.operator.openshift.io/daemonset-dns": "default"},
        False,
        "privileged",
        "dns",
    ),
    Workload(
        "openshift-monitoring",
        "node-exporter",
        [
            ("node-exporter", "prometheus-node-exporter", 8, 30),
            ("kube-rbac-proxy", "kube-rbac-proxy", 1, 18),
        ],
        {"app": "node-exporter"},
        True,
        "privileged",
        "node-exporter",
    ),
    Workload(
        "openshift-multus",
        "multus",
        [("kube-multus", "multus-cni", 1, 30)],
        {"app": "multus", **builders.NETWORK_LABELS},
        True,
        "privileged",
        "multus",
    ),
    Workload(
        "openshift-cluster-node-tuning-operator",
        "tuned",
        [("tuned", "cluster-node-tuning-operator", 1, 25)],
        {"openshift-app": "tuned"},
        True,
        "privileged",
        "tuned",
    ),
    Workload(
        "openshift-image-registry",
        "node-ca",
        [("node-ca", "node-ca", 1, 8)],
        {"app": "node-ca"},
        False,
        "privileged",
        "node-ca",
    ),
]

STATIC_PODS = [  # on every master
    StaticPod(
        "etcd-member",
        "openshift-etcd",
        [("etcd-member", "etcd", 140, 900), ("etcd-metrics", "etcd", 5, 30)],
        {"app": "etcd", "etcd": "true", "k8s-app": "etcd"},
        delay=0,
    ),
    StaticPod(
        "kube-apiserver",
        "openshift-kube-apiserver",
        [
            ("kube-apiserver-7", "hyperkube", 250, 1900),
            ("kube-apiserver-cert-syncer-7", "hyperkube", 2, 30),
            ("kube-apiserver-insecure-readyz-7", "hyperkube", 1, 12),
        ],
        {"apiserver": "true", "app": "openshift-kube-apiserver", "revision": "7"},
        delay=30,
    ),
]
MACHINE_CONFIG_SERVER = Workload(
    "openshift-machine-config-operator",
    "machine-config-server",
    [("machine-config-server", "machine-config-operator", 1, 20)],
    {"k8s-app": "machine-config-server"},
    True,
    "privileged",
    "machine-config-server",
)

DEPLOYMENTS = [
    Workload(
        "openshift-machine-config-operator",
        "machine-config-operator",
        [("machine-config-operator", "machine-config-operator", 6, 70)],
        {"k8s-app": "machine-config-operator"},
        False,
        "restricted",
        "default",
        nodes=("master-0",),
    ),
    Workload(
        "openshift-machine-config-operator",
        "machine-config-controller",
        [("machine-config-controller", "machine-config-operator", 8, 90)],
        {"k8s-app": "machine-config-controller"},
        False,
        "restricted",
        "machine-config-controller",
        nodes=("master-1",),
    ),
    Workload(
        "openshift-ingress",
        "router-default",
        [("router", "haproxy-router", 20, 120)],
        {"ingresscontroller.operator.openshift.io/deployment-ingresscontroller": "default"},
        True,
        "hostnetwork",
        "router",
        nodes=("compute-0", "compute-1"),
    ),
    Workload(
        "openshift-image-registry",
        "image-registry",
        [("registry", "docker-registry", 3, 100)],
        {"docker-registry": "default"},
        False,
        "restricted",
        "registry",
        nodes=("compute-0",),
    ),
    Workload(
        "demo-app",
        "demo-app",
        [("demo-app", "", 30, 150)],
        {"app": "demo-app"},
        False,
        "anyuid",
        "runasanyuid",
        nodes=("compute-1",),
        priority_class=None,
        run_as_user=0,
    ),
]


def build_pods(nodes: list[Node]) -> list[Pod]:
    factory = builders.PodFactory(
        nodes,
        PAYLOAD,
        DEMO_APP_IMAGE,
        first_pod_ip=2,
        ds_start=later(UPGRADED[0], minutes=12),
        ds_generation="2",
        deploy_delay=3,
    )
    return (
        factory.daemonset_pods(DAEMONSETS)
        + factory.master_pods(STATIC_PODS, MACHINE_CONFIG_SERVER)
        + factory.deployment_pods(DEPLOYMENTS)
    )


def extra_images(nodes: list[Node], pods: list[Pod]) -> dict[str, list[Image]]:
    """The 4.3.1 payload images the nodes still hold (compute-1, on 4.3.1: only its pause)."""
    out = builders.leftover_images(nodes, pods, PAYLOAD, "4.3.1")
    out["compute-1"] = [PAYLOAD.image("pod", "4.3.1")]
    return out


def build_cluster() -> tuple[Cluster, Rendering]:
    nodes = build_nodes()
    r = Rendering()
    assign_configs(nodes, r)
    namespaces = build_namespaces()
    pods = build_pods(nodes)
    rollback = {n.name: OS_OLD for n in nodes if n.name != "compute-1"}
    return Cluster(
        P,
        nodes,
        namespaces,
        pods,
        PAYLOAD.image("pod"),
        extra_images(nodes, pods),
        chrony_nodes={"compute-0", "compute-1"},
        rollback_os=rollback,
    ), r


# ------------------------------------------------------------------------------ API objects

CO_SPECS = [  # name, Available message, operands
    ("authentication", "", {"integrated-oauth-server": "4.3.5_openshift"}),
    ("cloud-credential", "", {}),
    ("cluster-autoscaler", "", {}),
    ("console", "", {}),
    (
        "dns",
        "At least 1 DNS DaemonSet available",
        {"coredns": art_ref("4.3.5", "coredns")},
    ),
    ("etcd", "", {}),
    ("image-registry", "The registry is ready", {}),
    (
        "ingress",
        "desired and current number of IngressControllers are equal",
        {"ingress-controller": art_ref("4.3.5", "haproxy-router")},
    ),
    *writers.static_pod_operators(
        "4.3.5",
        "1.16.2",
        {"kube-apiserver": 7, "kube-controller-manager": 6, "kube-scheduler": 6},
    ),
    ("machine-api", "Cluster Machine API Operator is available at operator: 4.3.5", {}),
    ("machine-config", "Cluster has deployed 4.3.5", {}),
    ("marketplace", "Successfully progressed to release version: 4.3.5", {}),
    ("monitoring", "Successfully rolled out the stack.", {}),
    ("network", "", {}),
    ("node-tuning", 'Cluster has deployed "4.3.5"', {}),
    ("openshift-apiserver", "", {"openshift-apiserver": "4.3.5"}),
    ("openshift-controller-manager", "", {}),
    ("openshift-samples", "Samples installation successful at 4.3.5", {}),
    ("operator-lifecycle-manager", "", {"operator-lifecycle-manager": "0.13.0"}),
    ("service-ca", "", {}),
    ("storage", "", {}),
]


def write_service_accounts(tree: Tree, demo: Namespace) -> None:
    """4.3 (Kubernetes 1.16) still creates a token secret for each service account, and
    OpenShift's dockercfg controller adds the internal-registry pull secret to both lists."""
    assert demo.created is not None
    sas = []
    for i, n in enumerate(["default", "runasanyuid"]):
        dockercfg = {"name": f"{n}-dockercfg-{suffix5('dockercfg43', n)}"}
        sas.append(
            {
                "apiVersion": "v1",
                "imagePullSecrets": [dict(dockercfg)],
                "kind": "ServiceAccount",
                "metadata": api.meta(
                    n, later(demo.created, minutes=i), kind="ServiceAccount", namespace="demo-app"
                ),
                "secrets": [{"name": f"{n}-token-{suffix5('token43', n)}"}, dockercfg],
            }
        )
    api.write_namespaced_list(tree, "demo-app", "core", "serviceaccounts", sas)


def write_pools(tree: Tree, cluster: Cluster, r: Rendering) -> None:
    done = UPGRADED[1]
    writers.write_pool(
        tree,
        cluster,
        r,
        "master",
        created=INSTALLED,
        target=r.master,
        status_config=r.master,
        conditions=pool_conditions(
            INSTALLED, (True, done, f"All nodes are updated with {r.master}"), (False, done)
        ),
        labels={**writers.MCO_BUILT_IN, **writers.REQUIRED_FOR_UPGRADE},
    )
    writers.write_pool(  # paused during the 4.3.5 upgrade: compute-1 stays on the 4.3.1 config
        tree,
        cluster,
        r,
        "worker",
        created=INSTALLED,
        target=r.worker_new,
        status_config=r.worker_old,
        conditions=pool_conditions(INSTALLED, (False, WORKER_PAUSED), (False, WORKER_PAUSED)),
        labels={**writers.MCO_BUILT_IN},
        paused=True,
        max_unavailable=1,
    )


def write_cv(tree: Tree) -> None:
    def update(version: str) -> dict[str, Any]:
        return {"force": False, "image": release_image(version), "version": version}

    writers.write_cluster_version(
        tree,
        INSTALLED,
        HISTORY,
        generation=2,
        spec={
            "channel": "stable-4.3",
            "clusterID": CLUSTER_ID,
            "desiredUpdate": update("4.3.5"),
            "upstream": "https://api.openshift.com/api/upgrades_info/v1/graph",
        },
        status={
            "availableUpdates": [update("4.3.8")],
            "conditions": [
                cv_condition(
                    "Available", True, later(INSTALLED, minutes=36), "Done applying 4.3.5"
                ),
                cv_condition("Failing", False, UPGRADED[1]),
                cv_condition("Progressing", False, UPGRADED[1], "Cluster version is 4.3.5"),
                cv_condition("RetrievedUpdates", True, later(INSTALLED, minutes=1)),
            ],
            "desired": update("4.3.5"),
            "versionHash": "p1OpHCk2Sk8=",
        },
    )


def write_api(tree: Tree, cluster: Cluster, r: Rendering) -> None:
    writers.write_node_objects(tree, cluster)
    writers.write_namespaces_and_pods(tree, cluster)
    write_service_accounts(tree, cluster.ns("demo-app"))
    writers.write_machine_configs(tree, r, P, MCO_HASH, release_annotation=False)
    write_pools(tree, cluster, r)
    write_cv(tree)
    writers.write_cluster_operators(tree, P, CO_SPECS, created=INSTALLED, since=UPGRADED[1])
    writers.write_infrastructure(
        tree,
        P,
        INSTALLED,
        spec={"cloudConfig": {"key": "config", "name": "cloud-provider-config"}},
        status={
            "etcdDiscoveryDomain": P.cluster_domain,
            "infrastructureName": "ocp43-8mx4d",
            "platform": "VSphere",
            "platformStatus": {"type": "VSphere"},
        },
    )
    writers.write_sccs(
        tree,
        default_sccs(
            INSTALLED,
            modern=False,
            anyuid_users=["system:serviceaccount:demo-app:runasanyuid"],
            restricted_groups=["system:authenticated"],
        ),
    )
    serving = parse_time("2020-03-16T08:14:00Z")
    writers.write_csrs(
        tree,
        [
            api.kubelet_serving_csr(
                n.name,
                later(serving, minutes=11 * i),
                seed="csr43",
                usages=["digital signature", "key encipherment", "server auth"],
                approved_after=3,
                v1=False,
            )
            for i, n in enumerate(cluster.nodes)
        ],
    )


MANIFEST = writers.manifest(
    P,
    [
        "Synthetic demo cluster modelled on a real OpenShift 4.3 cluster (RHCOS "
        "43.81.202003052336.0): every value is made up. Generated by tools/demos/generate.py.",
        "crictl statsp and imagefsinfo do not exist on 4.3 nodes (cri-tools 1.16): those facts "
        "are absent.",
        "MachineConfig contents are abridged: each generated MachineConfig carries a "
        "representative subset of the files and units the real templates write.",
    ],
)


def build(tree: Tree) -> None:
    cluster, r = build_cluster()
    tree.json("rhcos-capture.json", MANIFEST)
    write_api(tree, cluster, r)
    write_tuned(tree, INSTALLED)
    write_nodes(tree, cluster, "")
