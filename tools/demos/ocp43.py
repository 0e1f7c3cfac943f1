"""Demo ``ocp-4.3``: the seed's cluster (OpenShift 4.3.5, RHCOS 43.81.202003052336.0).

Planted findings: 50-worker-chrony applied (Ignition 2.2), pool worker paused mid-upgrade so
compute-1 still runs the 4.3.1 RHCOS build, the anyuid grant the 4.3 way (SA appended to the
anyuid SCC's users), and ``<none>`` images (release images are pulled by digest).
"""

from __future__ import annotations

import json
from typing import Any

import api
import machineconfigs as mcs
from common import Tree, hexid, iso, later, merge_ign22, num, parse_time, rs_hash, suffix5, uid
from model import MC, Cluster, Container, Image, Namespace, Node, OSBuild, Pod, Profile
from nodeout import write_nodes
from scc import default_sccs
from tuned import write_43 as write_tuned

CAPTURED = parse_time("2020-03-17T08:00:00Z")
INSTALLED = parse_time("2020-02-10T07:30:00Z")
UPGRADED = (parse_time("2020-03-12T02:10:44Z"), parse_time("2020-03-12T03:31:09Z"))
CHRONY_CREATED = parse_time("2020-02-18T05:41:27Z")
WORKER_PAUSED = parse_time("2020-03-12T02:58:30Z")
ART = "quay.io/openshift-release-dev/ocp-v4.0-art-dev"
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

OS_NEW = OSBuild(
    version="43.81.202003052336.0",
    kernel="4.18.0-147.5.1.el8_1.x86_64",
    kernel_built="#1 SMP Tue Jan 14 15:50:19 UTC 2020",
    crio="1.16.3-28.dev.rhaos4.3.git9aad8e4.el8",
    kubelet="v1.16.2",
    image=f"{ART}@sha256:{hexid('rhcos', '43.81.202003052336.0')}",
    built=parse_time("2020-03-05T23:41:12Z"),
    codename="Ootpa",
)
OS_OLD = OSBuild(
    version="43.81.202002032142.0",
    kernel="4.18.0-147.3.1.el8_1.x86_64",
    kernel_built="#1 SMP Wed Nov 27 01:11:44 UTC 2019",
    crio="1.16.2-15.dev.rhaos4.3.gitf9a9a4c.el8",
    kubelet="v1.16.2",
    image=f"{ART}@sha256:{hexid('rhcos', '43.81.202002032142.0')}",
    built=parse_time("2020-02-03T21:47:30Z"),
    codename="Ootpa",
)

SIZES = {
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


def payload(component: str, release: str = "4.3.5") -> Image:
    return Image(
        ART,
        f"{release}/{component}",
        SIZES[component] + num("sz", release, component, lo=0, hi=3_000_000),
    )


DEMO_APP_IMAGE = Image("quay.io/example/demo-app", "demo-app:1.0.3", 244_120_336, tag="1.0.3")


def build_nodes() -> list[Node]:
    specs = [
        ("master-0", ["master"], "master", "10.0.96.11"),
        ("master-1", ["master"], "master", "10.0.96.12"),
        ("master-2", ["master"], "master", "10.0.96.13"),
        ("compute-0", ["worker"], "worker", "10.0.97.4"),
        ("compute-1", ["worker"], "worker", "10.0.97.5"),
    ]
    nodes = []
    for i, (name, roles, pool, ip) in enumerate(specs):
        master = pool == "master"
        nodes.append(
            Node(
                name=name,
                roles=roles,
                pool=pool,
                index=i,
                ip=ip,
                os=OS_OLD if name == "compute-1" else OS_NEW,
                created=later(INSTALLED, minutes=(3 + i) if master else 18 + i),
                booted=later(UPGRADED[0], minutes=30 + 8 * i)
                if name != "compute-1"
                else later(CHRONY_CREATED, minutes=14),
                cpu=4 if master else 8,
                mem_kib=16_418_220 if master else 32_933_780,
                disk_bytes=128_300_593_152,
            )
        )
    return nodes


def source_mcs(release: str, *, chrony: bool) -> list[MC]:
    pause = payload("pod", release).by_digest
    out = []
    for role in ("master", "worker"):
        out += [
            MC(f"00-{role}", role, mcs.mc_00_43(role), INSTALLED),
            MC(f"01-{role}-container-runtime", role, mcs.mc_01_runtime_43(pause), INSTALLED),
            MC(f"01-{role}-kubelet", role, mcs.mc_01_kubelet_43(role), INSTALLED),
            MC(f"99-{role}-{REGISTRIES_UUID}-registries", role, mcs.mc_registries_43(), INSTALLED),
            MC(f"99-{role}-ssh", role, mcs.mc_ssh_43(), INSTALLED, generated=False),
        ]
    if chrony:
        out.append(
            MC("50-worker-chrony", "worker", mcs.mc_chrony_43(), CHRONY_CREATED, generated=False)
        )
    return sorted(out, key=lambda m: m.name)


def render(
    pool: str, mc_list: list[MC], release: str, name: str | None = None
) -> tuple[str, dict[str, Any], list[MC]]:
    chosen = [m for m in mc_list if m.role == pool]
    spec = {
        "config": merge_ign22([m.config for m in chosen]),
        "fips": False,
        "kernelArguments": [],
        "osImageURL": (OS_NEW if release == "4.3.5" else OS_OLD).image,
    }
    if name is None:
        name = f"rendered-{pool}-{hexid('rendered', pool, json.dumps(spec, sort_keys=True), n=32)}"
    return name, spec, chosen


class Rendering:
    def __init__(self) -> None:
        self.current = source_mcs("4.3.5", chrony=True)
        old = source_mcs("4.3.1", chrony=True)
        install = source_mcs("4.3.1", chrony=False)
        self.rendered: dict[str, tuple[str, dict[str, Any], str, Any, list[MC]]] = {}

        def add(
            pool: str, mcl: list[MC], release: str, created: Any, name: str | None = None
        ) -> str:
            n, spec, chosen = render(pool, mcl, release, name)
            self.rendered[n] = (pool, spec, release, created, chosen)
            return n

        self.master_old = add("master", install, "4.3.1", later(INSTALLED, minutes=2))
        self.master = add(
            "master", self.current, "4.3.5", later(UPGRADED[0], minutes=19), SEED_RENDERED["master"]
        )
        self.worker_install = add("worker", install, "4.3.1", later(INSTALLED, minutes=2))
        self.worker_old = add("worker", old, "4.3.1", later(CHRONY_CREATED, seconds=5))
        self.worker_new = add(
            "worker", self.current, "4.3.5", later(UPGRADED[0], minutes=19), SEED_RENDERED["worker"]
        )

    def sources(self, name: str) -> list[str]:
        return [m.name for m in self.rendered[name][4]]


def assign_configs(nodes: list[Node], r: Rendering) -> None:
    for n in nodes:
        if n.pool == "master":
            n.current = n.desired = r.master
        elif n.name == "compute-0":
            n.current = n.desired = r.worker_new
        else:
            n.current = n.desired = r.worker_old


def build_namespaces() -> list[Namespace]:
    names = [
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
    out = []
    for i, name in enumerate(names):
        labels = (
            {"openshift.io/cluster-monitoring": "true"} if name.startswith("openshift-") else {}
        )
        if name in ("openshift-etcd", "openshift-kube-apiserver"):
            labels["openshift.io/run-level"] = "0"
        ann = {"openshift.io/node-selector": ""} if name.startswith("openshift-") else {}
        out.append(Namespace(name, i, labels, ann, later(INSTALLED, minutes=1 + i // 4)))
    out.append(
        Namespace(
            "demo-app",
            27,
            {},
            {
                "openshift.io/description": "Demo application (synthetic)",
                "openshift.io/display-name": "demo-app",
                "openshift.io/requester": "kube:admin",
            },
            parse_time("2020-02-24T09:12:40Z"),
        )
    )
    return out


DS_SPECS = [
    (
        "openshift-machine-config-operator",
        "machine-config-daemon",
        [("machine-config-daemon", "machine-config-operator", 10, 80)],
        {"k8s-app": "machine-config-daemon"},
        True,
        "privileged",
        "machine-config-daemon",
    ),
    (
        "openshift-sdn",
        "sdn",
        [("sdn", "sdn", 20, 110)],
        {
            "app": "sdn",
            "component": "network",
            "openshift.io/component": "network",
            "type": "infra",
        },
        True,
        "privileged",
        "sdn",
    ),
    (
        "openshift-sdn",
        "ovs",
        [("openvswitch", "sdn", 10, 60)],
        {
            "app": "ovs",
            "component": "network",
            "openshift.io/component": "network",
            "type": "infra",
        },
        True,
        "privileged",
        "sdn",
    ),
    (
        "openshift-dns",
        "dns-default",
        [("dns", "coredns", 4, 30), ("dns-node-resolver", "cli", 1, 10)],
        {"dns.operator.openshift.io/daemonset-dns": "default"},
        False,
        "privileged",
        "dns",
    ),
    (
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
    (
        "openshift-multus",
        "multus",
        [("kube-multus", "multus-cni", 1, 30)],
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
        [("tuned", "cluster-node-tuning-operator", 1, 25)],
        {"openshift-app": "tuned"},
        True,
        "privileged",
        "tuned",
    ),
    (
        "openshift-image-registry",
        "node-ca",
        [("node-ca", "node-ca", 1, 8)],
        {"app": "node-ca"},
        False,
        "privileged",
        "node-ca",
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


def build_pods(nodes: list[Node]) -> list[Pod]:
    pods: list[Pod] = []
    counter: dict[str, int] = {}

    def ip_for(node: Node) -> str:
        counter[node.name] = counter.get(node.name, 1) + 1
        return f"{node.pod_subnet_prefix}.{counter[node.name]}"

    ds_start = later(UPGRADED[0], minutes=12)
    for ns_name, ds, ctrs, labels, host, scc_name, sa in DS_SPECS:
        for node in nodes:
            name = f"{ds}-{suffix5(ns_name, ds, node.name)}"
            started = max(ds_start, node.kubelet_start())
            pods.append(
                Pod(
                    name,
                    ns_name,
                    node.name,
                    _ctrs(ctrs, name),
                    scc_name,
                    "DaemonSet",
                    ds,
                    labels={
                        **labels,
                        "controller-revision-hash": rs_hash(ns_name, ds, "rev"),
                        "pod-template-generation": "2",
                    },
                    host_network=host,
                    ip=node.ip if host else ip_for(node),
                    started=later(started, seconds=num("st", name, lo=2, hi=40)),
                    service_account=sa,
                    privileged=True,
                )
            )
    by = {n.name: n for n in nodes}
    for m in (n for n in nodes if n.is_master()):
        start = later(m.kubelet_start(), seconds=20)
        pods.append(
            Pod(
                f"etcd-member-{m.name}",
                "openshift-etcd",
                m.name,
                _ctrs([("etcd-member", "etcd", 140, 900), ("etcd-metrics", "etcd", 5, 30)], m.name),
                "privileged",
                "Node",
                m.name,
                labels={"app": "etcd", "etcd": "true", "k8s-app": "etcd"},
                host_network=True,
                ip=m.ip,
                started=start,
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
                        ("kube-apiserver-7", "hyperkube", 250, 1900),
                        ("kube-apiserver-cert-syncer-7", "hyperkube", 2, 30),
                        ("kube-apiserver-insecure-readyz-7", "hyperkube", 1, 12),
                    ],
                    m.name,
                ),
                "privileged",
                "Node",
                m.name,
                labels={"apiserver": "true", "app": "openshift-kube-apiserver", "revision": "7"},
                host_network=True,
                ip=m.ip,
                started=later(start, seconds=30),
                privileged=True,
            )
        )
        name = f"machine-config-server-{suffix5('mcs', m.name)}"
        pods.append(
            Pod(
                name,
                "openshift-machine-config-operator",
                m.name,
                _ctrs([("machine-config-server", "machine-config-operator", 1, 20)], name),
                "privileged",
                "DaemonSet",
                "machine-config-server",
                labels={"k8s-app": "machine-config-server"},
                host_network=True,
                ip=m.ip,
                started=later(start, seconds=50),
                service_account="machine-config-server",
                privileged=True,
            )
        )

    def dep_pod(
        ns_name: str,
        dep: str,
        node: str,
        ctrs: list[tuple[str, str, int, int]],
        scc_name: str,
        labels: dict[str, str],
        sa: str,
        host: bool = False,
        prio: str | None = "system-cluster-critical",
    ) -> Pod:
        rs = f"{dep}-{rs_hash(ns_name, dep)}"
        name = f"{rs}-{suffix5(ns_name, dep, node)}"
        n = by[node]
        return Pod(
            name,
            ns_name,
            node,
            _ctrs(ctrs, name),
            scc_name,
            "ReplicaSet",
            rs,
            labels={**labels, "pod-template-hash": rs.rsplit("-", 1)[1]},
            host_network=host,
            ip=n.ip if host else ip_for(n),
            started=later(max(ds_start, n.kubelet_start()), minutes=3),
            service_account=sa,
            priority_class=prio,
        )

    pods.append(
        dep_pod(
            "openshift-machine-config-operator",
            "machine-config-operator",
            "master-0",
            [("machine-config-operator", "machine-config-operator", 6, 70)],
            "restricted",
            {"k8s-app": "machine-config-operator"},
            "default",
        )
    )
    pods.append(
        dep_pod(
            "openshift-machine-config-operator",
            "machine-config-controller",
            "master-1",
            [("machine-config-controller", "machine-config-operator", 8, 90)],
            "restricted",
            {"k8s-app": "machine-config-controller"},
            "machine-config-controller",
        )
    )
    for node in ("compute-0", "compute-1"):
        pods.append(
            dep_pod(
                "openshift-ingress",
                "router-default",
                node,
                [("router", "haproxy-router", 20, 120)],
                "hostnetwork",
                {"ingresscontroller.operator.openshift.io/deployment-ingresscontroller": "default"},
                "router",
                host=True,
            )
        )
    pods.append(
        dep_pod(
            "openshift-image-registry",
            "image-registry",
            "compute-0",
            [("registry", "docker-registry", 3, 100)],
            "restricted",
            {"docker-registry": "default"},
            "registry",
        )
    )
    demo = dep_pod(
        "demo-app",
        "demo-app",
        "compute-1",
        [("demo-app", "", 30, 150)],
        "anyuid",
        {"app": "demo-app"},
        "runasanyuid",
        prio=None,
    )
    demo.run_as_user = 0
    pods.append(demo)
    return pods


def extra_images(nodes: list[Node], pods: list[Pod]) -> dict[str, list[Image]]:
    out: dict[str, list[Image]] = {}
    for node in nodes:
        if node.name == "compute-1":
            out[node.name] = [payload("pod", "4.3.1")]
            continue
        comps = {
            c.image.key.split("/", 1)[1]
            for p in pods
            if p.node == node.name
            for c in p.containers
            if c.image.repo == ART
        }
        out[node.name] = [payload(c, "4.3.1") for c in sorted(comps | {"pod"})]
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
        payload("pod"),
        extra_images(nodes, pods),
        chrony_nodes={"compute-0", "compute-1"},
        rollback_os=rollback,
    ), r


# ------------------------------------------------------------------------------ API objects

CO_43 = [
    ("authentication", "", {"integrated-oauth-server": "4.3.5_openshift"}),
    ("cloud-credential", "", {}),
    ("cluster-autoscaler", "", {}),
    ("console", "", {}),
    (
        "dns",
        "At least 1 DNS DaemonSet available",
        {"coredns": ART + "@sha256:" + hexid("manifest", "4.3.5/coredns")},
    ),
    ("etcd", "", {}),
    ("image-registry", "The registry is ready", {}),
    (
        "ingress",
        "desired and current number of IngressControllers are equal",
        {"ingress-controller": ART + "@sha256:" + hexid("manifest", "4.3.5/haproxy-router")},
    ),
    (
        "kube-apiserver",
        "StaticPodsAvailable: 3 nodes are active; 3 nodes are at revision 7",
        {"raw-internal": "4.3.5", "kube-apiserver": "1.16.2"},
    ),
    (
        "kube-controller-manager",
        "StaticPodsAvailable: 3 nodes are active; 3 nodes are at revision 6",
        {"raw-internal": "4.3.5", "kube-controller-manager": "1.16.2"},
    ),
    (
        "kube-scheduler",
        "StaticPodsAvailable: 3 nodes are active; 3 nodes are at revision 6",
        {"raw-internal": "4.3.5", "kube-scheduler": "1.16.2"},
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


def release_image(v: str) -> str:
    return f"quay.io/openshift-release-dev/ocp-release@sha256:{hexid('release', v)}"


def write_api(tree: Tree, cluster: Cluster, r: Rendering) -> None:
    for node in cluster.nodes:
        api.write_cluster_object(tree, "core", "nodes", api.node_obj(node, P, {}))
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
    assert demo.created is not None
    # 4.3 (Kubernetes 1.16) still creates a token secret for each service account, and
    # OpenShift's dockercfg controller adds the internal-registry pull secret to both lists
    api.write_namespaced_list(
        tree,
        "demo-app",
        "core",
        "serviceaccounts",
        [
            {
                "apiVersion": "v1",
                "imagePullSecrets": [{"name": f"{n}-dockercfg-{suffix5('dockercfg43', n)}"}],
                "kind": "ServiceAccount",
                "metadata": api.meta(
                    n, later(demo.created, minutes=i), kind="ServiceAccount", namespace="demo-app"
                ),
                "secrets": [
                    {"name": f"{n}-token-{suffix5('token43', n)}"},
                    {"name": f"{n}-dockercfg-{suffix5('dockercfg43', n)}"},
                ],
            }
            for i, n in enumerate(["default", "runasanyuid"])
        ],
    )
    group = "machineconfiguration.openshift.io"
    for m in r.current:
        api.write_cluster_object(
            tree,
            group,
            "machineconfigs",
            api.machine_config(m.name, m.created, P, m.config, role=m.role, generated=m.generated),
        )
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
                ]
            },
            owner=owner,
        )
        obj["spec"] = spec
        api.write_cluster_object(tree, group, "machineconfigs", obj)
    C = api.pool_condition
    for pool, target, status_cfg, paused in (
        ("master", r.master, r.master, False),
        ("worker", r.worker_new, r.worker_old, True),
    ):
        done = target == status_cfg
        t = UPGRADED[1] if done else WORKER_PAUSED
        conds = [
            C("RenderDegraded", False, INSTALLED),
            C("NodeDegraded", False, INSTALLED),
            C("Degraded", False, INSTALLED),
            C("Updated", done, t, f"All nodes are updated with {target}" if done else ""),
            C("Updating", False, t),
        ]
        obj = api.pool_obj(
            pool,
            INSTALLED,
            P,
            selector={"matchLabels": {api.ROLE_LABEL: pool}},
            node_selector={"matchLabels": {f"node-role.kubernetes.io/{pool}": ""}},
            target=target,
            target_sources=r.sources(target),
            status_config=status_cfg,
            status_sources=r.sources(status_cfg),
            nodes=[n for n in cluster.nodes if n.pool == pool],
            paused=paused,
            max_unavailable=1 if pool == "worker" else None,
            conditions=conds,
            cert_expirys=None,
            labels={
                "machineconfiguration.openshift.io/mco-built-in": "",
                **(
                    {"operator.machineconfiguration.openshift.io/required-for-upgrade": ""}
                    if pool == "master"
                    else {}
                ),
            },
        )
        api.write_cluster_object(tree, group, "machineconfigpools", obj)
    history = [
        {
            "completionTime": iso(UPGRADED[1]),
            "image": release_image("4.3.5"),
            "startedTime": iso(UPGRADED[0]),
            "state": "Completed",
            "verified": True,
            "version": "4.3.5",
        },
        {
            "completionTime": iso(later(INSTALLED, minutes=36)),
            "image": release_image("4.3.1"),
            "startedTime": iso(INSTALLED),
            "state": "Completed",
            "verified": False,
            "version": "4.3.1",
        },
    ]
    cv = {
        "apiVersion": "config.openshift.io/v1",
        "kind": "ClusterVersion",
        "metadata": api.meta("version", INSTALLED, kind="ClusterVersion", generation=2),
        "spec": {
            "channel": "stable-4.3",
            "clusterID": CLUSTER_ID,
            "desiredUpdate": {"force": False, "image": release_image("4.3.5"), "version": "4.3.5"},
            "upstream": "https://api.openshift.com/api/upgrades_info/v1/graph",
        },
        "status": {
            "availableUpdates": [
                {"force": False, "image": release_image("4.3.8"), "version": "4.3.8"}
            ],
            "conditions": [
                {
                    "lastTransitionTime": iso(later(INSTALLED, minutes=36)),
                    "message": "Done applying 4.3.5",
                    "status": "True",
                    "type": "Available",
                },
                {"lastTransitionTime": iso(UPGRADED[1]), "status": "False", "type": "Failing"},
                {
                    "lastTransitionTime": iso(UPGRADED[1]),
                    "message": "Cluster version is 4.3.5",
                    "status": "False",
                    "type": "Progressing",
                },
                {
                    "lastTransitionTime": iso(later(INSTALLED, minutes=1)),
                    "status": "True",
                    "type": "RetrievedUpdates",
                },
            ],
            "desired": {"force": False, "image": release_image("4.3.5"), "version": "4.3.5"},
            "history": history,
            "observedGeneration": 2,
            "versionHash": "p1OpHCk2Sk8=",
        },
    }
    api.write_cluster_object(tree, "config.openshift.io", "clusterversions", cv)
    for name, msg, operands in CO_43:
        obj = api.cluster_operator(name, P, INSTALLED, UPGRADED[1], msg or "", operands)
        api.write_cluster_object(tree, "config.openshift.io", "clusteroperators", obj)
    infra = {
        "apiVersion": "config.openshift.io/v1",
        "kind": "Infrastructure",
        "metadata": api.meta("cluster", INSTALLED, kind="Infrastructure"),
        "spec": {"cloudConfig": {"key": "config", "name": "cloud-provider-config"}},
        "status": {
            "apiServerInternalURI": f"https://api-int.{P.cluster_domain}:6443",
            "apiServerURL": P.api_url,
            "etcdDiscoveryDomain": P.cluster_domain,
            "infrastructureName": "ocp43-8mx4d",
            "platform": "VSphere",
            "platformStatus": {"type": "VSphere"},
        },
    }
    api.write_cluster_object(tree, "config.openshift.io", "infrastructures", infra)
    for s in default_sccs(
        INSTALLED,
        modern=False,
        anyuid_users=["system:serviceaccount:demo-app:runasanyuid"],
        restricted_groups=["system:authenticated"],
    ):
        api.write_cluster_object(tree, "security.openshift.io", "securitycontextconstraints", s)
    for i, n in enumerate(cluster.nodes):
        t = later(parse_time("2020-03-16T08:14:00Z"), minutes=11 * i)
        api.write_cluster_object(
            tree,
            "certificates.k8s.io",
            "certificatesigningrequests",
            api.csr_obj(
                f"csr-{suffix5('csr43', n.name)}",
                t,
                username=f"system:node:{n.name}",
                groups=["system:nodes", "system:authenticated"],
                signer="",
                usages=["digital signature", "key encipherment", "server auth"],
                approved_at=later(t, seconds=3),
                cn=f"system:node:{n.name}",
                v1=False,
            ),
        )


MANIFEST = {
    "format": "rhcos-runbooks-capture/1",
    "kind": "demo",
    "captured_at": "2020-03-17T08:00:00Z",
    "api_url": P.api_url,
    "context": "admin",
    "tool_version": "0.1.0",
    "notes": [
        "Synthetic demo cluster modelled on a real OpenShift 4.3 cluster (RHCOS "
        "43.81.202003052336.0): every value is made up. Generated by tools/demos/generate.py.",
        "crictl statsp and imagefsinfo do not exist on 4.3 nodes (cri-tools 1.16): those facts "
        "are absent.",
        "MachineConfig contents are abridged: each generated MachineConfig carries a "
        "representative subset of the files and units the real templates write.",
    ],
}


def build(tree: Tree) -> None:
    cluster, r = build_cluster()
    tree.json("rhcos-capture.json", MANIFEST)
    write_api(tree, cluster, r)
    write_tuned(tree, INSTALLED)
    write_nodes(tree, cluster, "")
