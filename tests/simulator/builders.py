"""Schema-complete objects for test captures, and a writer for the project's capture layout.

Values follow the real formats of an OpenShift 4.16 cluster on RHCOS 9.4 (shared/domain-facts.md
§4, §6, §8): nodeInfo carries all ten required fields, pods have container statuses with the
fields the official client requires, SCCs keep their fields at the top level. They are
synthetic (made-up hashes and ids), not a recording.

``python -m tests.simulator.builders tests/data/live/mini-capture`` regenerates the mini capture.
"""

from __future__ import annotations

import hashlib
import json
import sys
import uuid
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "OCP_VERSION",
    "cluster_operator",
    "cluster_version",
    "machine_config_pool",
    "namespace",
    "node",
    "pod",
    "scc",
    "write_capture",
    "write_mini_capture",
]

OCP_VERSION = "4.16.21"
KUBELET_VERSION = "v1.29.9+5865c5b"
CRIO_VERSION = "cri-o://1.29.9-5.rhaos4.16.git7ba2bd3.el9"
KERNEL = "5.14.0-427.42.1.el9_4.x86_64"
OS_IMAGE = "Red Hat Enterprise Linux CoreOS 416.94.202411071606-0 (Plow)"
CREATED = "2024-11-18T08:12:31Z"
HEARTBEAT = "2024-11-20T09:29:41Z"
CLUSTER_ID = "2f8a6c1e-4b7d-4f53-9c1a-6d0e8b3a7f21"
RENDERED = {
    "master": "rendered-master-3c1a3e8f8a0b5d7f4e6c2b1a9d8e7f60",
    "worker": "rendered-worker-9b2d4f6a8c0e1f3a5b7d9c2e4f6a8b01",
}


def _uid(*parts: str) -> str:
    return str(uuid.UUID(hashlib.sha256("/".join(parts).encode()).hexdigest()[:32]))


def _hex(*parts: str, n: int = 32) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:n]


def node(name: str, *, role: str = "worker", ip: str = "10.0.1.10") -> dict[str, Any]:
    """A Ready RHCOS node in pool ``role`` whose MCO state is Done."""
    labels = {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        f"node-role.kubernetes.io/{role}": "",
        "node.openshift.io/os_id": "rhcos",
    }
    if role == "master":
        labels["node-role.kubernetes.io/control-plane"] = ""
    cond = [
        (
            "MemoryPressure",
            "False",
            "KubeletHasSufficientMemory",
            "kubelet has sufficient memory available",
        ),
        ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
    ]
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "uid": _uid("node", name),
            "resourceVersion": "48213",
            "creationTimestamp": CREATED,
            "labels": labels,
            "annotations": {
                "machineconfiguration.openshift.io/controlPlaneTopology": "HighlyAvailable",
                "machineconfiguration.openshift.io/currentConfig": RENDERED[role],
                "machineconfiguration.openshift.io/desiredConfig": RENDERED[role],
                "machineconfiguration.openshift.io/desiredDrain": f"uncordon-{RENDERED[role]}",
                "machineconfiguration.openshift.io/lastAppliedDrain": f"uncordon-{RENDERED[role]}",
                "machineconfiguration.openshift.io/reason": "",
                "machineconfiguration.openshift.io/state": "Done",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
        },
        "spec": {
            "providerID": f"aws:///us-east-1a/i-0{_hex('i', name, n=16)}",
            **(
                {"taints": [{"key": "node-role.kubernetes.io/master", "effect": "NoSchedule"}]}
                if role == "master"
                else {}
            ),
        },
        "status": {
            "addresses": [
                {"type": "InternalIP", "address": ip},
                {"type": "Hostname", "address": name},
                {"type": "InternalDNS", "address": name},
            ],
            "allocatable": {
                "cpu": "3500m",
                "ephemeral-storage": "114396791822",
                "hugepages-1Gi": "0",
                "hugepages-2Mi": "0",
                "memory": "15186428Ki",
                "pods": "250",
            },
            "capacity": {
                "cpu": "4",
                "ephemeral-storage": "125238252Ki",
                "hugepages-1Gi": "0",
                "hugepages-2Mi": "0",
                "memory": "16337404Ki",
                "pods": "250",
            },
            "conditions": [
                {
                    "type": t,
                    "status": s,
                    "reason": r,
                    "message": m,
                    "lastHeartbeatTime": HEARTBEAT,
                    "lastTransitionTime": CREATED,
                }
                for t, s, r, m in cond
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "images": [],
            "nodeInfo": {
                "architecture": "amd64",
                "bootID": _uid("boot", name),
                "containerRuntimeVersion": CRIO_VERSION,
                "kernelVersion": KERNEL,
                "kubeProxyVersion": KUBELET_VERSION,
                "kubeletVersion": KUBELET_VERSION,
                "machineID": _hex("machine-id", name),
                "operatingSystem": "linux",
                "osImage": OS_IMAGE,
                "systemUUID": _uid("system-uuid", name),
            },
        },
    }


def namespace(name: str, *, uid_block: int = 1000680000) -> dict[str, Any]:
    """An active Namespace with the SCC pre-allocation annotations."""
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": name,
            "uid": _uid("ns", name),
            "resourceVersion": "7731",
            "creationTimestamp": CREATED,
            "labels": {
                "kubernetes.io/metadata.name": name,
                "openshift.io/run-level": "",
                "pod-security.kubernetes.io/enforce": "privileged",
            },
            "annotations": {
                "openshift.io/sa.scc.mcs": "s0:c26,c15",
                "openshift.io/sa.scc.supplemental-groups": f"{uid_block}/10000",
                "openshift.io/sa.scc.uid-range": f"{uid_block}/10000",
            },
        },
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }


def pod(
    name: str,
    namespace_: str,
    *,
    node_name: str,
    labels: dict[str, str] | None = None,
    container: str = "app",
    scc_name: str = "restricted-v2",
    phase: str = "Running",
) -> dict[str, Any]:
    """A running single-container pod with the status fields the client requires."""
    image = f"quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:{_hex('img', container, n=64)}"
    running = phase == "Running"
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": namespace_,
            "uid": _uid("pod", namespace_, name),
            "resourceVersion": "51234",
            "creationTimestamp": CREATED,
            "labels": labels or {},
            "annotations": {
                "openshift.io/scc": scc_name,
                "k8s.ovn.org/pod-networks": "{}",
            },
        },
        "spec": {
            "containers": [
                {
                    "name": container,
                    "image": image,
                    "imagePullPolicy": "IfNotPresent",
                    "resources": {"requests": {"cpu": "10m", "memory": "50Mi"}},
                    "terminationMessagePath": "/dev/termination-log",
                    "terminationMessagePolicy": "FallbackToLogsOnError",
                }
            ],
            "dnsPolicy": "ClusterFirst",
            "enableServiceLinks": True,
            "nodeName": node_name,
            "priority": 2000001000,
            "priorityClassName": "system-node-critical",
            "restartPolicy": "Always",
            "schedulerName": "default-scheduler",
            "securityContext": {},
            "serviceAccount": "default",
            "serviceAccountName": "default",
            "terminationGracePeriodSeconds": 30,
            "tolerations": [{"operator": "Exists"}],
        },
        "status": {
            "phase": phase,
            "conditions": [
                {"type": t, "status": "True" if running else "False", "lastTransitionTime": CREATED}
                for t in ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady")
            ]
            + [{"type": "PodScheduled", "status": "True", "lastTransitionTime": CREATED}],
            "hostIP": "10.0.1.10",
            "hostIPs": [{"ip": "10.0.1.10"}],
            "podIP": "10.128.2.14",
            "podIPs": [{"ip": "10.128.2.14"}],
            "qosClass": "Burstable",
            "startTime": CREATED,
            "containerStatuses": [
                {
                    "name": container,
                    "image": image,
                    "imageID": image,
                    "containerID": f"cri-o://{_hex('ctr', namespace_, name, n=64)}",
                    "ready": running,
                    "started": running,
                    "restartCount": 0,
                    "state": {"running": {"startedAt": CREATED}} if running else {"waiting": {}},
                    "lastState": {},
                }
            ],
        },
    }


def cluster_version(version: str = OCP_VERSION) -> dict[str, Any]:
    """ClusterVersion ``version``, fully updated to ``version``."""
    image = f"quay.io/openshift-release-dev/ocp-release@sha256:{_hex('release', version, n=64)}"
    return {
        "apiVersion": "config.openshift.io/v1",
        "kind": "ClusterVersion",
        "metadata": {
            "name": "version",
            "uid": _uid("cv"),
            "resourceVersion": "90121",
            "generation": 3,
            "creationTimestamp": CREATED,
        },
        "spec": {"channel": "stable-4.16", "clusterID": CLUSTER_ID},
        "status": {
            "availableUpdates": None,
            "desired": {"image": image, "version": version, "channels": ["stable-4.16"]},
            "history": [
                {
                    "state": "Completed",
                    "version": version,
                    "image": image,
                    "startedTime": CREATED,
                    "completionTime": "2024-11-18T08:51:02Z",
                    "verified": False,
                    "acceptedRisks": "",
                }
            ],
            "observedGeneration": 3,
            "versionHash": "KfEKDsm6o7M=",
            "capabilities": {"enabledCapabilities": ["MachineAPI", "baremetal"]},
            "conditions": [
                {
                    "type": "Available",
                    "status": "True",
                    "lastTransitionTime": CREATED,
                    "message": f"Done applying {version}",
                },
                {"type": "Failing", "status": "False", "lastTransitionTime": CREATED},
                {
                    "type": "Progressing",
                    "status": "False",
                    "lastTransitionTime": CREATED,
                    "message": f"Cluster version is {version}",
                },
            ],
        },
    }


def cluster_operator(name: str, version: str = OCP_VERSION) -> dict[str, Any]:
    """A healthy ClusterOperator."""
    conditions = [
        ("Available", "True", "AsExpected"),
        ("Progressing", "False", "AsExpected"),
        ("Degraded", "False", "AsExpected"),
        ("Upgradeable", "True", "AsExpected"),
    ]
    return {
        "apiVersion": "config.openshift.io/v1",
        "kind": "ClusterOperator",
        "metadata": {
            "name": name,
            "uid": _uid("co", name),
            "resourceVersion": "88412",
            "generation": 1,
            "creationTimestamp": CREATED,
            "annotations": {"include.release.openshift.io/self-managed-high-availability": "true"},
        },
        "spec": {},
        "status": {
            "conditions": [
                {"type": t, "status": s, "reason": r, "lastTransitionTime": CREATED}
                for t, s, r in conditions
            ],
            "extension": None,
            "relatedObjects": [
                {"group": "", "name": f"openshift-{name}", "resource": "namespaces"}
            ],
            "versions": [{"name": "operator", "version": version}],
        },
    }


def machine_config_pool(role: str, *, machines: int) -> dict[str, Any]:
    """An updated, not paused MachineConfigPool for ``role``."""
    rendered = RENDERED[role]
    source = [
        {"apiVersion": "machineconfiguration.openshift.io/v1", "kind": "MachineConfig", "name": n}
        for n in (
            f"00-{role}",
            f"01-{role}-container-runtime",
            f"01-{role}-kubelet",
            f"97-{role}-generated-kubelet",
            f"99-{role}-ssh",
        )
    ]
    conds = [
        ("RenderDegraded", "False", ""),
        ("NodeDegraded", "False", ""),
        ("Degraded", "False", ""),
        ("Updated", "True", f"All nodes are updated with MachineConfig {rendered}"),
        ("Updating", "False", ""),
    ]
    return {
        "apiVersion": "machineconfiguration.openshift.io/v1",
        "kind": "MachineConfigPool",
        "metadata": {
            "name": role,
            "uid": _uid("mcp", role),
            "resourceVersion": "87310",
            "generation": 3,
            "creationTimestamp": CREATED,
            "labels": {
                "machineconfiguration.openshift.io/mco-built-in": "",
                f"pools.operator.machineconfiguration.openshift.io/{role}": "",
            },
        },
        "spec": {
            "configuration": {"name": rendered, "source": source},
            "machineConfigSelector": {
                "matchLabels": {"machineconfiguration.openshift.io/role": role}
            },
            "nodeSelector": {"matchLabels": {f"node-role.kubernetes.io/{role}": ""}},
            "paused": False,
        },
        "status": {
            "certExpirys": [],
            "conditions": [
                {"type": t, "status": s, "message": m, "reason": "", "lastTransitionTime": CREATED}
                for t, s, m in conds
            ],
            "configuration": {"name": rendered, "source": source},
            "degradedMachineCount": 0,
            "machineCount": machines,
            "observedGeneration": 3,
            "readyMachineCount": machines,
            "unavailableMachineCount": 0,
            "updatedMachineCount": machines,
        },
    }


def scc(name: str) -> dict[str, Any]:
    """``restricted-v2`` or ``privileged`` as the 4.16 payload defines them (domain-facts §3.3)."""
    common: dict[str, Any] = {
        "apiVersion": "security.openshift.io/v1",
        "kind": "SecurityContextConstraints",
        "metadata": {
            "name": name,
            "uid": _uid("scc", name),
            "resourceVersion": "412",
            "generation": 1,
            "creationTimestamp": CREATED,
            "annotations": {"include.release.openshift.io/self-managed-high-availability": "true"},
        },
        "defaultAddCapabilities": None,
        "priority": None,
        "readOnlyRootFilesystem": False,
    }
    if name == "privileged":
        return {
            **common,
            "metadata": {
                **common["metadata"],
                "annotations": {"release.openshift.io/create-only": "true"},
            },
            "allowHostDirVolumePlugin": True,
            "allowHostIPC": True,
            "allowHostNetwork": True,
            "allowHostPID": True,
            "allowHostPorts": True,
            "allowPrivilegeEscalation": True,
            "allowPrivilegedContainer": True,
            "allowedCapabilities": ["*"],
            "allowedUnsafeSysctls": ["*"],
            "fsGroup": {"type": "RunAsAny"},
            "groups": ["system:cluster-admins", "system:nodes", "system:masters"],
            "requiredDropCapabilities": None,
            "runAsUser": {"type": "RunAsAny"},
            "seLinuxContext": {"type": "RunAsAny"},
            "seccompProfiles": ["*"],
            "supplementalGroups": {"type": "RunAsAny"},
            "users": ["system:admin", "system:serviceaccount:openshift-infra:build-controller"],
            "volumes": ["*"],
        }
    if name == "restricted-v2":
        return {
            **common,
            "allowHostDirVolumePlugin": False,
            "allowHostIPC": False,
            "allowHostNetwork": False,
            "allowHostPID": False,
            "allowHostPorts": False,
            "allowPrivilegeEscalation": False,
            "allowPrivilegedContainer": False,
            "allowedCapabilities": ["NET_BIND_SERVICE"],
            "fsGroup": {"type": "MustRunAs"},
            "groups": [],
            "requiredDropCapabilities": ["ALL"],
            "runAsUser": {"type": "MustRunAsRange"},
            "seLinuxContext": {"type": "MustRunAs"},
            "seccompProfiles": ["runtime/default"],
            "supplementalGroups": {"type": "RunAsAny"},
            "users": [],
            "volumes": [
                "configMap",
                "csi",
                "downwardAPI",
                "emptyDir",
                "ephemeral",
                "persistentVolumeClaim",
                "projected",
                "secret",
            ],
        }
    raise ValueError(f"no builder for SCC {name!r}; use restricted-v2 or privileged")


def _dump(path: Path, doc: Any, *, as_json: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if as_json:  # JSON is YAML; big test captures load much faster this way
        path.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
        return
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    with path.open("w", encoding="utf-8") as fh:
        yaml.dump(doc, fh, Dumper=dumper, sort_keys=False, default_flow_style=False)


def write_capture(
    root: Path,
    objects: list[dict[str, Any]],
    *,
    node_files: dict[str, dict[str, str]] | None = None,
    manifest: dict[str, Any] | None = None,
    as_json: bool = False,
) -> Path:
    """Write ``objects`` (and per-node ``<stem>.out`` files) in the project's capture layout.

    Cluster-scoped objects go one per file; namespaced ones into one List per namespace and
    resource (``namespaces/<ns>/<group>/<plural>.yaml``), as ``oc adm inspect`` writes them.
    ``as_json`` writes the ``.yaml`` files as JSON (valid YAML, much faster for big captures).
    """
    from rhcos_helpers.kinds import KINDS

    by_kind = {k.kind: k for k in KINDS.values()}
    lists: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for obj in objects:
        k = by_kind[obj["kind"]]
        group = k.group or "core"
        meta = obj["metadata"]
        if obj["kind"] == "Namespace":
            _dump(root / "cluster" / "namespaces" / meta["name"] / f"{meta['name']}.yaml", obj)
        elif k.namespaced:
            lists.setdefault((meta["namespace"], group, k.plural), []).append(obj)
        else:
            path = root / "cluster" / "cluster-scoped-resources" / group / k.plural
            _dump(path / f"{meta['name']}.yaml", obj)
    for (ns, group, plural), items in lists.items():
        kind_name = by_kind[items[0]["kind"]].kind
        doc = {
            "apiVersion": items[0]["apiVersion"],
            "kind": f"{kind_name}List",
            "metadata": {"resourceVersion": "51234"},
            "items": items,
        }
        _dump(root / "cluster" / "namespaces" / ns / group / f"{plural}.yaml", doc, as_json=as_json)
    for node_name, files in (node_files or {}).items():
        for stem, text in files.items():
            path = root / "nodes" / node_name / f"{stem}.out"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    doc_manifest = {
        "format": "rhcos-runbooks-capture/1",
        "kind": "capture",
        "captured_at": "2024-11-20T09:30:00Z",
        "api_url": "https://api.mini.example.com:6443",
        "context": "admin",
        "tool_version": "0.1.0",
        "notes": ["synthetic test capture for the API simulator"],
        **(manifest or {}),
    }
    (root / "rhcos-capture.json").write_text(json.dumps(doc_manifest, indent=2) + "\n")
    return root


def _stats_summary(node_name: str, pods: list[dict[str, Any]]) -> str:
    """A kubelet Summary API answer (shared/domain-facts.md §6) for ``node_name``."""
    t = "2024-11-20T09:29:55Z"

    def fs(cap: int, used: int) -> dict[str, Any]:
        return {
            "time": t,
            "availableBytes": cap - used,
            "capacityBytes": cap,
            "usedBytes": used,
            "inodesFree": 61000000,
            "inodes": 62000000,
            "inodesUsed": 1000000,
        }

    mem = {
        "time": t,
        "availableBytes": 11206402048,
        "usageBytes": 5930000384,
        "workingSetBytes": 4623667200,
        "rssBytes": 2901000192,
        "pageFaults": 181000,
        "majorPageFaults": 12,
    }
    summary = {
        "node": {
            "nodeName": node_name,
            "systemContainers": [
                {
                    "name": n,
                    "startTime": CREATED,
                    "cpu": {
                        "time": t,
                        "usageNanoCores": 52000000,
                        "usageCoreNanoSeconds": 9100000000000,
                    },
                    "memory": {
                        "time": t,
                        "usageBytes": 190000000,
                        "workingSetBytes": 150000000,
                        "rssBytes": 120000000,
                        "pageFaults": 0,
                        "majorPageFaults": 0,
                    },
                }
                for n in ("kubelet", "runtime", "pods")
            ],
            "startTime": CREATED,
            "cpu": {"time": t, "usageNanoCores": 412345678, "usageCoreNanoSeconds": 71234567890123},
            "memory": mem,
            "network": {
                "time": t,
                "name": "ens5",
                "rxBytes": 9876543210,
                "rxErrors": 0,
                "txBytes": 8765432109,
                "txErrors": 0,
                "interfaces": [
                    {
                        "name": "ens5",
                        "rxBytes": 9876543210,
                        "rxErrors": 0,
                        "txBytes": 8765432109,
                        "txErrors": 0,
                    }
                ],
            },
            "fs": fs(128243970048, 21474836480),
            "runtime": {
                "imageFs": fs(128243970048, 16106127360),
                "containerFs": fs(128243970048, 16106127360),
            },
            "rlimit": {"time": t, "maxpid": 4194304, "curproc": 612},
            "swap": {"time": t, "swapAvailableBytes": 0, "swapUsageBytes": 0},
        },
        "pods": [
            {
                "podRef": {
                    "name": p["metadata"]["name"],
                    "namespace": p["metadata"]["namespace"],
                    "uid": p["metadata"]["uid"],
                },
                "startTime": CREATED,
                "containers": [
                    {
                        "name": c["name"],
                        "startTime": CREATED,
                        "cpu": {
                            "time": t,
                            "usageNanoCores": 3100000,
                            "usageCoreNanoSeconds": 812000000000,
                        },
                        "memory": {
                            "time": t,
                            "usageBytes": 61000000,
                            "workingSetBytes": 52000000,
                            "rssBytes": 40000000,
                            "pageFaults": 9000,
                            "majorPageFaults": 0,
                        },
                        "rootfs": fs(128243970048, 49152),
                        "logs": fs(128243970048, 24576),
                        "swap": {"time": t, "swapAvailableBytes": 0, "swapUsageBytes": 0},
                    }
                    for c in p["spec"]["containers"]
                ],
                "cpu": {"time": t, "usageNanoCores": 3100000, "usageCoreNanoSeconds": 812000000000},
                "memory": {
                    "time": t,
                    "usageBytes": 61000000,
                    "workingSetBytes": 52000000,
                    "rssBytes": 40000000,
                    "pageFaults": 9000,
                    "majorPageFaults": 0,
                },
                "volume": [],
                "ephemeral-storage": fs(128243970048, 73728),
                "process_stats": {"process_count": 4},
                "swap": {"time": t, "swapAvailableBytes": 0, "swapUsageBytes": 0},
            }
            for p in pods
            if p["spec"]["nodeName"] == node_name
        ],
    }
    return json.dumps(summary, indent=2) + "\n"


def _journal_json(node_name: str, unit: str, ident: str, messages: list[str]) -> str:
    """``journalctl -o json -u <unit>`` lines (one JSON object per entry)."""
    base = 1732094400_000000  # 2024-11-20T09:20:00Z in microseconds
    lines = []
    for i, message in enumerate(messages):
        lines.append(
            json.dumps(
                {
                    "__CURSOR": f"s={_hex('c', node_name)};i={i + 1:x};b={_hex('b', node_name)}",
                    "__REALTIME_TIMESTAMP": str(base + i * 1_234_567),
                    "__MONOTONIC_TIMESTAMP": str(171000000000 + i * 1_234_567),
                    "_BOOT_ID": _hex("b", node_name),
                    "PRIORITY": "6",
                    "SYSLOG_FACILITY": "3",
                    "_HOSTNAME": node_name,
                    "_SYSTEMD_UNIT": unit,
                    "SYSLOG_IDENTIFIER": ident,
                    "_PID": "2291",
                    "_COMM": ident,
                    "MESSAGE": message,
                }
            )
        )
    return "\n".join(lines) + "\n"


def write_mini_capture(root: Path) -> Path:
    """The mini capture: 2 nodes, ClusterVersion, 2 ClusterOperators, 2 MCPs, 2 SCCs, pods."""
    nodes = [node("master-0", role="master", ip="10.0.0.10"), node("worker-0", ip="10.0.1.10")]
    mcd = "openshift-machine-config-operator"
    pods = [
        pod(
            f"machine-config-daemon-{suffix}",
            mcd,
            node_name=n,
            container="machine-config-daemon",
            labels={"k8s-app": "machine-config-daemon", "pod-template-generation": "1"},
            scc_name="privileged",
        )
        for suffix, n in (("7xq2k", "master-0"), ("b9lcz", "worker-0"))
    ]
    pods.append(
        pod(
            "machine-config-operator-6d9c8b7f5-zt4kq",
            mcd,
            node_name="master-0",
            container="machine-config-operator",
            labels={"k8s-app": "machine-config-operator"},
        )
    )
    pods.append(
        pod(
            "router-default-5c8d9f6b7-4hx2m",
            "openshift-ingress",
            node_name="worker-0",
            container="router",
            labels={
                "ingresscontroller.operator.openshift.io/deployment-ingresscontroller": "default"
            },
            scc_name="hostnetwork-v2",
        )
    )
    objects: list[dict[str, Any]] = [
        *nodes,
        cluster_version(),
        cluster_operator("machine-config"),
        cluster_operator("kube-apiserver"),
        machine_config_pool("master", machines=1),
        machine_config_pool("worker", machines=1),
        scc("restricted-v2"),
        scc("privileged"),
        namespace(mcd),
        namespace("openshift-ingress", uid_block=1000650000),
        namespace("default", uid_block=1000000000),
        *pods,
    ]
    crio = [
        "Started Container Runtime Interface for OCI (CRI-O).",
        'time="2024-11-20 09:20:01.234567890Z" level=info msg="Checking image status: '
        'quay.io/openshift-release-dev/ocp-release@sha256:0f" id=4e1c',
        'time="2024-11-20 09:20:02.469134890Z" level=info msg="Image status" id=4e1c',
    ]
    kubelet = [
        'I1120 09:20:00.000000    2291 kubelet.go:2435] "SyncLoop (PLEG): event for pod"',
        'I1120 09:20:01.234567    2291 prober.go:107] "Probe failed" probeType="Readiness"',
    ]
    node_files = {
        n["metadata"]["name"]: {
            "kubelet_stats_summary": _stats_summary(n["metadata"]["name"], pods),
            "journal_unit.crio": _journal_json(n["metadata"]["name"], "crio.service", "crio", crio),
            "journal_unit.kubelet": _journal_json(
                n["metadata"]["name"], "kubelet.service", "kubenswrapper", kubelet
            ),
        }
        for n in nodes
    }
    for name, files in node_files.items():
        facts: dict[str, dict[str, Any]] = {
            "kubelet_stats_summary": {
                "fact": "kubelet_stats_summary",
                "status": "ok",
                "argv": [],
                "exit_code": None,
                "format": "json",
                "origin": f"api:/api/v1/nodes/{name}/proxy/stats/summary",
                "reason": "",
            },
        }
        for unit in ("crio", "kubelet"):
            argv = ["journalctl", "--no-pager", "-o", "json", "--since", "-24h", "-u", unit]
            facts[f"journal_unit.{unit}"] = {
                "fact": "journal_unit",
                "params": {"unit": unit, "since": "-24h"},
                "status": "ok",
                "argv": argv,
                "exit_code": 0,
                "format": "json",
                "origin": "debug-pod",
                "reason": "",
            }
        path = root / "nodes" / name / "facts.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(facts, indent=2) + "\n")
        assert files
    return write_capture(root, objects, node_files=node_files)


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "tests/data/live/mini-capture")
    write_mini_capture(target)
    print(f"wrote {target}")  # noqa: T201 - a generator script's one line of output
