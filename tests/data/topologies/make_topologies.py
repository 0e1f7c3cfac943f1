"""Regenerate the topology captures here: .venv/bin/python tests/data/topologies/make_topologies.py

Three captures in the project layout (docs/capture-layout.md), derived from the bundled 4.16
demo (rhcos_helpers/demos/data/ocp-4.16), each with what its topology changes:

``sno-4.16``
    Single-node OpenShift: one node ``sno-0`` labelled master, control-plane and worker (no
    NoSchedule taint), annotated ``machineconfiguration.openshift.io/controlPlaneTopology:
    SingleReplica`` as the node controller copies it from ControllerConfig
    (openshift/machine-config-operator:docs/SingleNodeOpenShift.md); Infrastructure
    ``status.controlPlaneTopology`` and ``infrastructureTopology`` ``SingleReplica`` (the
    installer's rule: fewer than 3 control-plane replicas, and 0 workers makes the
    infrastructure topology follow the control plane; openshift/installer
    pkg/asset/manifests/topologies.go). The master pool has just been given a new target (the
    4.16.21 templates) while the node still runs the 4.16.15 one: a rollout is about to start.
    The worker pool has 0 machines. A PodDisruptionBudget allowing no disruption guards a pod
    on the node: MCO never drains a single node, so it holds nothing.
``compact-4.16``
    Three schedulable control-plane nodes (master, control-plane and worker roles, no
    NoSchedule taint), no workers; both topologies ``HighlyAvailable``. Every node is in pool
    master (master wins when a node matches both pools), so the worker pool has 0 machines and
    the user MachineConfig ``50-worker-chrony`` reaches no node.
``hosted-4.16``
    A hosted control plane's guest cluster: Infrastructure ``controlPlaneTopology: External``,
    ``infrastructureTopology: HighlyAvailable``, platform AWS (as HyperShift's hosted cluster
    config operator writes it); two worker nodes labelled ``hypershift.openshift.io/nodePool``
    and carrying no machine-config daemon annotations; no ``machineconfiguration.openshift.io``
    objects at all (HyperShift's CVO omits the MachineConfig, MachineConfigPool, KubeletConfig
    and ContainerRuntimeConfig CRDs and deletes the first two:
    openshift/hypershift:control-plane-operator/controllers/hostedcontrolplane/cvo/reconcile.go;
    OpenShift's e2e tests skip MachineConfig tests on External topology, "MachineConfig API not
    available"). Of the ClusterOperators only kube-apiserver is kept (runbooks 40 and 50 read none).

The captures serve both the capture source and the API simulator (``Simulator(path)``).
"""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
DEMO = HERE.parents[2] / "rhcos_helpers" / "demos" / "data" / "ocp-4.16"
CSR = Path("cluster") / "cluster-scoped-resources"
MCO = "machineconfiguration.openshift.io"
MCS = CSR / MCO / "machineconfigs"
MCPS = CSR / MCO / "machineconfigpools"
A = "machineconfiguration.openshift.io/"

MASTER_NEW = "rendered-master-c92c7c218aa8484a8abb93aaf5a2c32b"
MASTER_OLD = "rendered-master-ee747140630ee54ba4194cc98d976992"
WORKER_PLAIN = "rendered-worker-f346376daed17dc90a08f21259a56253"  # 4.16.21, no chrony
WORKER_CHRONY = "rendered-worker-f7657e01dc6be7a1a39bf960924afe88"  # 4.16.21 + 50-worker-chrony
CAPTURED = "2026-11-20T09:30:00Z"


def _load(rel: Path) -> Any:
    return yaml.safe_load((DEMO / rel).read_text())


def _dump(root: Path, rel: Path, obj: Any) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(obj, sort_keys=True, width=100))


def _manifest(root: Path, name: str, note: str) -> None:
    manifest = {
        "format": "rhcos-runbooks-capture/1",
        "kind": "capture",
        "captured_at": CAPTURED,
        "api_url": f"https://api.{name}.example.com:6443",
        "context": "admin",
        "tool_version": "0.1.0",
        "notes": [f"Synthetic test capture ({note}), derived from the bundled 4.16 demo by "
                  "tests/data/topologies/make_topologies.py."],
    }  # fmt: skip
    (root / "rhcos-capture.json").write_text(json.dumps(manifest, indent=2) + "\n")


def _common(root: Path, *, operators: tuple[str, ...]) -> None:
    rel = CSR / "config.openshift.io" / "clusterversions" / "version.yaml"
    _dump(root, rel, _load(rel))
    for name in operators:
        rel = CSR / "config.openshift.io" / "clusteroperators" / f"{name}.yaml"
        _dump(root, rel, _load(rel))


def _infrastructure(root: Path, change: Callable[[dict[str, Any]], None]) -> None:
    rel = CSR / "config.openshift.io" / "infrastructures" / "cluster.yaml"
    obj = _load(rel)
    change(obj)
    _dump(root, rel, obj)


def _node(template: str, name: str, *, roles: tuple[str, ...], ip: str) -> dict[str, Any]:
    node = copy.deepcopy(_load(CSR / "core" / "nodes" / f"{template}.yaml"))
    meta = node["metadata"]
    meta["name"] = name
    labels = {k: v for k, v in meta["labels"].items() if not k.startswith("node-role.")}
    labels["kubernetes.io/hostname"] = name
    labels.update({f"node-role.kubernetes.io/{r}": "" for r in roles})
    meta["labels"] = labels
    spec = node.setdefault("spec", {})
    spec.pop("unschedulable", None)
    taints = [t for t in spec.get("taints") or [] if t.get("key") != "node-role.kubernetes.io/master"
              and t.get("key") != "node.kubernetes.io/unschedulable"]  # fmt: skip
    if taints:
        spec["taints"] = taints
    else:
        spec.pop("taints", None)
    node["status"]["addresses"] = [{"address": ip, "type": "InternalIP"},
                                   {"address": name, "type": "Hostname"}]  # fmt: skip
    for cond in node["status"]["conditions"]:
        cond["lastHeartbeatTime"] = "2026-11-20T09:29:44Z"
        if cond["type"] == "Ready":
            cond.update(status="True", reason="KubeletReady", message="kubelet is posting ready "
                        "status", lastTransitionTime="2026-10-27T06:28:15Z")  # fmt: skip
    return node


def _mco(node: dict[str, Any], *, topology: str, current: str, desired: str) -> None:
    ann = node["metadata"].setdefault("annotations", {})
    ann.update({A + "controlPlaneTopology": topology, A + "currentConfig": current,
                A + "desiredConfig": desired, A + "state": "Done", A + "reason": "",
                A + "desiredDrain": f"uncordon-{current}",
                A + "lastAppliedDrain": f"uncordon-{current}"})  # fmt: skip


def _copy_mcs(root: Path, names: list[str]) -> None:
    for name in names:
        _dump(root, MCS / f"{name}.yaml", _load(MCS / f"{name}.yaml"))


def _sources(role: str, *, chrony: bool = False) -> list[str]:
    names = [f"00-{role}", f"01-{role}-container-runtime", f"01-{role}-kubelet",
             f"97-{role}-generated-kubelet", f"98-{role}-generated-kubelet",
             f"99-{role}-generated-registries", f"99-{role}-ssh"]  # fmt: skip
    return sorted(names + (["50-worker-chrony"] if chrony else []))


def _source_list(names: list[str]) -> list[dict[str, str]]:
    return [{"apiVersion": f"{MCO}/v1", "kind": "MachineConfig", "name": n} for n in names]


def _pool(
    name: str, *, target: str, current: str, sources: list[str], counts: tuple[int, ...]
) -> dict[str, Any]:
    pool = copy.deepcopy(_load(MCPS / f"{name}.yaml"))
    pool["spec"]["configuration"] = {"name": target, "source": _source_list(sources)}
    pool["spec"]["paused"] = False
    status = pool["status"]
    status["configuration"] = {"name": current, "source": _source_list(sources)}
    machine, updated, ready, unavailable = counts
    status.update(machineCount=machine, updatedMachineCount=updated, readyMachineCount=ready,
                  unavailableMachineCount=unavailable, degradedMachineCount=0)  # fmt: skip
    done = target == current
    for cond in status["conditions"]:
        if cond["type"] == "Updated":
            cond.update(status="True" if done else "False",
                        message=f"All nodes are updated with MachineConfig {target}" if done
                        else "", lastTransitionTime="2026-11-20T09:27:31Z")  # fmt: skip
        elif cond["type"] == "Updating":
            cond.update(status="False" if done else "True",
                        message="" if done else f"All nodes are updating to MachineConfig "
                        f"{target}", lastTransitionTime="2026-11-20T09:27:31Z")  # fmt: skip
        else:
            cond.update(status="False", message="")
    return pool


# ------------------------------------------------------------------------------ single node


def make_sno(root: Path) -> None:
    _manifest(root, "sno", "single-node OpenShift 4.16.21: one node, master pool rollout pending")
    _common(root, operators=("machine-config", "kube-apiserver"))

    def sno(obj: dict[str, Any]) -> None:
        st = obj["status"]
        st.update(controlPlaneTopology="SingleReplica", infrastructureTopology="SingleReplica",
                  apiServerURL="https://api.sno.example.com:6443",
                  apiServerInternalURI="https://api-int.sno.example.com:6443",
                  infrastructureName="sno-4x9qz", platform="None",
                  platformStatus={"type": "None"})  # fmt: skip
        obj["spec"]["platformSpec"] = {"type": "None"}

    _infrastructure(root, sno)
    node = _node("master-0", "sno-0", roles=("control-plane", "master", "worker"), ip="10.0.0.50")
    _mco(node, topology="SingleReplica", current=MASTER_OLD, desired=MASTER_OLD)
    _dump(root, CSR / "core" / "nodes" / "sno-0.yaml", node)
    _copy_mcs(root, _sources("master") + _sources("worker")
              + [MASTER_OLD, MASTER_NEW, WORKER_PLAIN])  # fmt: skip
    _dump(root, MCPS / "master.yaml", _pool("master", target=MASTER_NEW, current=MASTER_OLD,
                                            sources=_sources("master"), counts=(1, 0, 0, 0)))  # fmt: skip
    _dump(root, MCPS / "worker.yaml", _pool("worker", target=WORKER_PLAIN, current=WORKER_PLAIN,
                                            sources=_sources("worker"), counts=(0, 0, 0, 0)))  # fmt: skip
    # a workload whose PodDisruptionBudget allows no disruption: on HA it would hold a drain
    ns = Path("cluster") / "namespaces" / "demo-app"
    _dump(root, ns / "demo-app.yaml", _load(ns / "demo-app.yaml"))
    pods = _load(ns / "core" / "pods.yaml")
    for pod in pods["items"]:
        pod["spec"]["nodeName"] = "sno-0"
    _dump(root, ns / "core" / "pods.yaml", pods)
    budgets = yaml.safe_load((HERE.parent / "api" / "pdb-blocking-4.16.yaml").read_text())
    pdb = next(o for o in budgets["items"] if o["kind"] == "PodDisruptionBudget")
    _dump(root, ns / "policy" / "poddisruptionbudgets.yaml",
          {"apiVersion": "v1", "kind": "List", "items": [pdb]})  # fmt: skip


# ------------------------------------------------------------------------------ compact


def make_compact(root: Path) -> None:
    _manifest(root, "compact", "compact OpenShift 4.16.21: three schedulable masters, no workers")
    _common(root, operators=("machine-config", "kube-apiserver"))

    def compact(obj: dict[str, Any]) -> None:
        st = obj["status"]
        st.update(apiServerURL="https://api.compact.example.com:6443",
                  apiServerInternalURI="https://api-int.compact.example.com:6443",
                  infrastructureName="compact-7h2lm")  # fmt: skip

    _infrastructure(root, compact)
    for i in range(3):
        node = _node(f"master-{i}", f"master-{i}", roles=("control-plane", "master", "worker"),
                     ip=f"10.0.0.{11 + i}")  # fmt: skip
        _mco(node, topology="HighlyAvailable", current=MASTER_NEW, desired=MASTER_NEW)
        _dump(root, CSR / "core" / "nodes" / f"master-{i}.yaml", node)
    _copy_mcs(root, _sources("master") + _sources("worker", chrony=True)
              + [MASTER_NEW, WORKER_CHRONY])  # fmt: skip
    _dump(root, MCPS / "master.yaml", _pool("master", target=MASTER_NEW, current=MASTER_NEW,
                                            sources=_sources("master"), counts=(3, 3, 3, 0)))  # fmt: skip
    _dump(root, MCPS / "worker.yaml",
          _pool("worker", target=WORKER_CHRONY, current=WORKER_CHRONY,
                sources=_sources("worker", chrony=True), counts=(0, 0, 0, 0)))  # fmt: skip


# ------------------------------------------------------------------------------ hosted


def make_hosted(root: Path) -> None:
    _manifest(root, "hosted", "a hosted control plane's guest cluster, OpenShift 4.16.21")
    _common(root, operators=("kube-apiserver",))

    def hosted(obj: dict[str, Any]) -> None:
        st = obj["status"]
        st.update(controlPlaneTopology="External", infrastructureTopology="HighlyAvailable",
                  apiServerURL="https://api.hosted.example.com:443",
                  apiServerInternalURI="https://api.hosted.hypershift.local:443",
                  infrastructureName="hosted-5kq2w", platform="AWS",
                  platformStatus={"type": "AWS", "aws": {"region": "us-east-1"}},
                  etcdDiscoveryDomain="")  # fmt: skip
        st.pop("cpuPartitioning", None)
        obj["spec"]["platformSpec"] = {"type": "AWS", "aws": {}}

    _infrastructure(root, hosted)
    for i, (name, ip) in enumerate(
        (
            ("ip-10-0-130-12.ec2.internal", "10.0.130.12"),
            ("ip-10-0-141-7.ec2.internal", "10.0.141.7"),
        )
    ):
        node = _node(f"worker-{2 * i}", name, roles=("worker",), ip=ip)
        ann = node["metadata"].setdefault("annotations", {})
        for key in [k for k in ann if k.startswith(A)]:
            del ann[key]
        node["metadata"]["labels"]["hypershift.openshift.io/nodePool"] = "hosted-us-east-1a"
        node["metadata"]["labels"]["node.kubernetes.io/instance-type"] = "m6i.xlarge"
        _dump(root, CSR / "core" / "nodes" / f"{name}.yaml", node)


def main() -> None:
    for name, make in (("sno-4.16", make_sno), ("compact-4.16", make_compact),
                       ("hosted-4.16", make_hosted)):  # fmt: skip
        root = HERE / name
        if root.exists():
            shutil.rmtree(root)
        root.mkdir()
        make(root)
        print(f"wrote {root.relative_to(HERE.parents[2])}")


if __name__ == "__main__":
    main()
