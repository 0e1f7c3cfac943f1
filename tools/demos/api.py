"""API objects rendered from the model, in must-gather layout (``cluster/``)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from common import Tree, hexid, iso, later, num, suffix5, uid
from model import Namespace, Node, Pod, Profile

MC_API = "machineconfiguration.openshift.io/v1"
ROLE_LABEL = "machineconfiguration.openshift.io/role"

CSR = "cluster-scoped-resources"


def meta(name: str, created: datetime, *, kind: str, **extra: Any) -> dict[str, Any]:
    """Common metadata: name, uid, creationTimestamp, resourceVersion (all derived)."""
    m: dict[str, Any] = {
        "creationTimestamp": iso(created),
        "name": name,
        "resourceVersion": str(num("rv", kind, name, lo=10_000, hi=9_999_999)),
        "uid": uid(kind, name, extra.get("namespace", "")),
    }
    m.update({k: v for k, v in extra.items() if v is not None})
    return m


def write_cluster_object(tree: Tree, group: str, plural: str, obj: dict[str, Any]) -> None:
    tree.yaml(f"cluster/{CSR}/{group}/{plural}/{obj['metadata']['name']}.yaml", obj)


def write_namespaced_list(
    tree: Tree, ns: str, group: str, plural: str, items: list[dict[str, Any]]
) -> None:
    lst = {
        "apiVersion": "v1",
        "items": items,
        "kind": "List",
        "metadata": {"resourceVersion": ""},
    }
    tree.yaml(f"cluster/namespaces/{ns}/{group}/{plural}.yaml", lst)


# ------------------------------------------------------------------------------------ nodes


def _condition(
    ctype: str, status: str, reason: str, message: str, hb: datetime, tr: datetime
) -> dict[str, str]:
    return {
        "lastHeartbeatTime": iso(hb),
        "lastTransitionTime": iso(tr),
        "message": message,
        "reason": reason,
        "status": status,
        "type": ctype,
    }


def node_conditions(node: Node, p: Profile) -> list[dict[str, str]]:
    assert node.booted is not None and node.created is not None
    if not node.ready:
        hb = node.last_heartbeat or later(p.captured, minutes=-6)
        tr = later(hb, seconds=40)
        msg = "Kubelet stopped posting node status."
        return [
            _condition(t, "Unknown", "NodeStatusUnknown", msg, hb, tr)
            for t in ("MemoryPressure", "DiskPressure", "PIDPressure", "Ready")
        ]
    hb = later(p.captured, seconds=-num("hb", node.name, lo=5, hi=50))
    up = node.kubelet_start()
    return [
        _condition(
            "MemoryPressure",
            "False",
            "KubeletHasSufficientMemory",
            "kubelet has sufficient memory available",
            hb,
            up,
        ),
        _condition(
            "DiskPressure",
            "False",
            "KubeletHasNoDiskPressure",
            "kubelet has no disk pressure",
            hb,
            up,
        ),
        _condition(
            "PIDPressure",
            "False",
            "KubeletHasSufficientPID",
            "kubelet has sufficient PID available",
            hb,
            up,
        ),
        _condition(
            "Ready",
            "True",
            "KubeletReady",
            "kubelet is posting ready status",
            hb,
            later(up, seconds=23),
        ),
    ]


def node_obj(node: Node, p: Profile, extra_annotations: dict[str, str]) -> dict[str, Any]:
    assert node.created is not None
    labels = {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": node.name,
        "kubernetes.io/os": "linux",
        "node.openshift.io/os_id": "rhcos",
    }
    for role in node.roles:
        labels[f"node-role.kubernetes.io/{role}"] = ""
    ann = {
        "machineconfiguration.openshift.io/currentConfig": node.current,
        "machineconfiguration.openshift.io/desiredConfig": node.desired,
        "machineconfiguration.openshift.io/reason": "",
        "machineconfiguration.openshift.io/state": node.state,
        "volumes.kubernetes.io/controller-managed-attach-detach": "true",
    }
    if node.desired_drain:
        ann["machineconfiguration.openshift.io/desiredDrain"] = node.desired_drain
        ann["machineconfiguration.openshift.io/lastAppliedDrain"] = node.last_applied_drain
    if node.ssh_accessed:
        ann["machineconfiguration.openshift.io/ssh"] = "accessed"
    ann.update(extra_annotations)
    taints: list[dict[str, Any]] = []
    if node.is_master():
        taints.append({"effect": "NoSchedule", "key": "node-role.kubernetes.io/master"})
    if not node.ready:
        since = iso(later(node.last_heartbeat or p.captured, seconds=40))
        taints += [
            {"effect": "NoSchedule", "key": "node.kubernetes.io/unreachable", "timeAdded": since},
            {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "timeAdded": since},
        ]
    if node.unschedulable:
        taints.append(
            {
                "effect": "NoSchedule",
                "key": "node.kubernetes.io/unschedulable",
                "timeAdded": iso(later(node.last_heartbeat or p.captured, minutes=-11)),
            }
        )
    spec: dict[str, Any] = {}
    if taints:
        spec["taints"] = taints
    if node.unschedulable:
        spec["unschedulable"] = True
    mem_kib = node.mem_kib
    reserved_mem_kib = 1_048_576 if p.crictl_v1 else 1_048_576
    disk_kib = node.disk_bytes // 1024
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": meta(node.name, node.created, kind="Node", labels=labels, annotations=ann),
        "spec": spec,
        "status": {
            "addresses": [
                {"address": node.ip, "type": "InternalIP"},
                {"address": node.name, "type": "Hostname"},
            ],
            "allocatable": {
                "cpu": f"{node.cpu * 1000 - 500}m",
                "ephemeral-storage": str(int(disk_kib * 1024 * 0.9)),
                "hugepages-1Gi": "0",
                "hugepages-2Mi": "0",
                "memory": f"{mem_kib - reserved_mem_kib}Ki",
                "pods": "250",
            },
            "capacity": {
                "cpu": str(node.cpu),
                "ephemeral-storage": f"{disk_kib}Ki",
                "hugepages-1Gi": "0",
                "hugepages-2Mi": "0",
                "memory": f"{mem_kib}Ki",
                "pods": "250",
            },
            "conditions": node_conditions(node, p),
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "architecture": "amd64",
                "bootID": node.boot_id,
                "containerRuntimeVersion": f"cri-o://{node.os.crio}",
                "kernelVersion": node.os.kernel,
                "kubeProxyVersion": node.os.kubelet,
                "kubeletVersion": node.os.kubelet,
                "machineID": node.machine_id,
                "operatingSystem": "linux",
                "osImage": node.os.pretty,
                "systemUUID": node.system_uuid,
            },
        },
    }


# ------------------------------------------------------------------------------- namespaces


def namespace_obj(ns: Namespace, p: Profile) -> dict[str, Any]:
    assert ns.created is not None
    ann = {
        "openshift.io/sa.scc.mcs": ns.mcs,
        "openshift.io/sa.scc.supplemental-groups": ns.uid_range,
        "openshift.io/sa.scc.uid-range": ns.uid_range,
    }
    ann.update(ns.annotations)
    labels = {"kubernetes.io/metadata.name": ns.name} if p.crictl_v1 else {}
    labels.update(ns.labels)
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": meta(
            ns.name, ns.created, kind="Namespace", annotations=ann, labels=labels or None
        ),
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }


# ------------------------------------------------------------------------------------- pods


def _state_running(started: datetime) -> dict[str, Any]:
    return {"running": {"startedAt": iso(started)}}


def pod_obj(pod: Pod, p: Profile, node: Node, ns: Namespace) -> dict[str, Any]:
    assert pod.started is not None
    owner = {
        "apiVersion": "apps/v1" if pod.owner_kind != "Node" else "v1",
        "blockOwnerDeletion": True,
        "controller": True,
        "kind": pod.owner_kind,
        "name": pod.owner_name,
        "uid": uid(pod.owner_kind, pod.namespace, pod.owner_name),
    }
    ann: dict[str, str] = {"openshift.io/scc": pod.scc}
    if pod.owner_kind == "Node":
        ann["kubernetes.io/config.hash"] = hexid("cfghash", pod.name, n=32)
        ann["kubernetes.io/config.mirror"] = hexid("cfghash", pod.name, n=32)
        ann["kubernetes.io/config.seen"] = iso(node.kubelet_start()).replace("Z", ".000000000Z")
        ann["kubernetes.io/config.source"] = "file"
    if not pod.host_network and p.crictl_v1:
        gw = f"{node.pod_subnet_prefix}.1"
        net = {
            "default": {
                "ip_addresses": [f"{pod.ip}/23"],
                "mac_address": "0a:58:" + ":".join(f"{int(o):02x}" for o in pod.ip.split(".")),
                "gateway_ips": [gw],
                "routes": [],
                "ip_address": f"{pod.ip}/23",
                "gateway_ip": gw,
                "role": "primary",
            }
        }
        ann["k8s.ovn.org/pod-networks"] = json.dumps(net, separators=(",", ":"))
    sec: dict[str, Any] = {}
    if pod.scc == "anyuid":
        # what anyuid's admission adds to a template with an empty pod securityContext:
        # seLinuxContext MustRunAs takes the level from the namespace's sa.scc.mcs
        # annotation (pod level); runAsUser/fsGroup/supplementalGroups are RunAsAny, so
        # nothing is generated for them
        sec = {"seLinuxOptions": {"level": ns.mcs}}
    elif pod.scc.startswith("restricted"):
        sec = {
            "fsGroup": ns.first_uid,
            "runAsNonRoot": True,
            "runAsUser": ns.first_uid,
            "seLinuxOptions": {"level": ns.mcs},
        }
        if p.crictl_v1:
            sec["seccompProfile"] = {"type": "RuntimeDefault"}
    containers = []
    statuses = []
    for c in pod.containers:
        csec: dict[str, Any] = {"privileged": True} if pod.privileged else {}
        if pod.scc == "anyuid":
            # the template's container securityContext, plus anyuid's
            # requiredDropCapabilities added to capabilities.drop
            csec = {"capabilities": {"drop": ["MKNOD"]}}
            if pod.run_as_user is not None:
                csec["runAsUser"] = pod.run_as_user
        elif pod.scc.startswith("restricted") and p.crictl_v1:
            csec = {
                "allowPrivilegeEscalation": False,
                "capabilities": {"drop": ["ALL"]},
                "runAsNonRoot": True,
                "runAsUser": ns.first_uid,
            }
        spec_c: dict[str, Any] = {
            "image": c.image.pullspec,
            "imagePullPolicy": "IfNotPresent",
            "name": c.name,
            "resources": {
                "requests": {"cpu": f"{max(5, c.cpu_m)}m", "memory": f"{max(20, c.mem_mi)}Mi"}
            },
            "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "FallbackToLogsOnError",
        }
        if pod.namespace == "demo-app":
            spec_c["resources"] = {
                "limits": {"memory": "256Mi"},
                "requests": {"cpu": "100m", "memory": "128Mi"},
            }
        if csec:
            spec_c["securityContext"] = csec
        containers.append(spec_c)
        started = later(pod.started, seconds=3 + len(statuses))
        if c.last_terminated:
            started = c.last_terminated["restarted"]
        st: dict[str, Any] = {
            "containerID": f"cri-o://{pod.container_id(c)}",
            "image": c.image.pullspec,
            "imageID": c.image.by_digest,
            "lastState": {},
            "name": c.name,
            "ready": pod.ready,
            "restartCount": c.restarts,
            "started": pod.ready,
            "state": _state_running(started),
        }
        if c.last_terminated:
            lt = c.last_terminated
            st["lastState"] = {
                "terminated": {
                    "containerID": f"cri-o://{pod.container_id(c, c.restarts - 1)}",
                    "exitCode": lt["exitCode"],
                    "finishedAt": iso(lt["finished"]),
                    "reason": lt["reason"],
                    "startedAt": iso(lt["started"]),
                }
            }
        statuses.append(st)
    ready_status = "True" if pod.ready else "False"
    ready_time = later(pod.started, seconds=15)
    conds = [
        {
            "lastProbeTime": None,
            "lastTransitionTime": iso(pod.started),
            "status": "True",
            "type": "Initialized",
        },
        {
            "lastProbeTime": None,
            "lastTransitionTime": iso(ready_time),
            "status": ready_status,
            "type": "Ready",
        },
        {
            "lastProbeTime": None,
            "lastTransitionTime": iso(ready_time),
            "status": ready_status,
            "type": "ContainersReady",
        },
        {
            "lastProbeTime": None,
            "lastTransitionTime": iso(pod.started),
            "status": "True",
            "type": "PodScheduled",
        },
    ]
    if p.crictl_v1:
        conds.insert(
            0,
            {
                "lastProbeTime": None,
                "lastTransitionTime": iso(pod.started),
                "status": ready_status,
                "type": "PodReadyToStartContainers",
            },
        )
    if not pod.ready:
        for cond in conds:
            if cond["type"] in ("Ready", "ContainersReady"):
                cond["lastTransitionTime"] = iso(
                    later(node.last_heartbeat or p.captured, seconds=40)
                )
    spec: dict[str, Any] = {
        "containers": containers,
        "dnsPolicy": "Default" if pod.host_network else "ClusterFirst",
        "enableServiceLinks": True,
        "nodeName": pod.node,
        "restartPolicy": "Always",
        "schedulerName": "default-scheduler",
        "securityContext": sec,
        "serviceAccount": pod.service_account,
        "serviceAccountName": pod.service_account,
        "terminationGracePeriodSeconds": 30,
    }
    if p.kube_minor >= 19:
        # defaulted only while the NonPreemptingPriority gate is on: beta (default on) from
        # Kubernetes 1.19; alpha and off on 1.15-1.18, so a 1.16 pod has no such field
        spec["preemptionPolicy"] = "PreemptLowerPriority"
    if pod.priority_class:
        spec["priorityClassName"] = pod.priority_class
        spec["priority"] = (
            2000001000
            if pod.priority_class == "system-node-critical"
            else (2000000000 if pod.priority_class == "system-cluster-critical" else 0)
        )
    else:
        spec["priority"] = 0
    if pod.host_network:
        spec["hostNetwork"] = True
    if pod.owner_kind == "DaemonSet":
        spec["tolerations"] = [{"operator": "Exists"}]
    labels = dict(pod.labels)
    metadata = meta(
        pod.name,
        pod.started,
        kind="Pod",
        namespace=pod.namespace,
        labels=labels or None,
        annotations=ann,
        ownerReferences=[owner],
    )
    if pod.owner_kind != "Node":
        # the uid the node's CRI sandbox and kubelet stats carry (a mirror pod's differs)
        metadata["uid"] = pod.uid
        metadata["generateName"] = pod.name[:-5]
    host_ip = node.ip
    status: dict[str, Any] = {
        "conditions": conds,
        "containerStatuses": statuses,
        "hostIP": host_ip,
        "phase": "Running",
        "podIP": pod.ip,
        "podIPs": [{"ip": pod.ip}],
        "qosClass": "Burstable",
        "startTime": iso(pod.started),
    }
    if p.crictl_v1:
        status["hostIPs"] = [{"ip": host_ip}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec, "status": status}


# ------------------------------------------------------------------------- machine configs


def machine_config(
    name: str,
    created: datetime,
    p: Profile,
    config: dict[str, Any],
    *,
    role: str | None,
    generated: bool,
    extra_spec: dict[str, Any] | None = None,
    annotations: dict[str, str] | None = None,
    owner: dict[str, Any] | None = None,
) -> dict[str, Any]:
    ann: dict[str, str] = {}
    if generated:
        ann["machineconfiguration.openshift.io/generated-by-controller-version"] = p.mco_hash
    ann.update(annotations or {})
    labels = {ROLE_LABEL: role} if role else None
    m = meta(name, created, kind="MachineConfig", annotations=ann or None, labels=labels)
    if owner:
        m["ownerReferences"] = [owner]
    spec: dict[str, Any] = {"config": config}
    if generated and p.crictl_v1:
        spec.update(
            {
                "baseOSExtensionsContainerImage": "",
                "extensions": None,
                "fips": False,
                "kernelArguments": None,
                "kernelType": "",
                "osImageURL": "",
            }
        )
    elif generated:
        spec.update({"fips": False, "kernelArguments": None, "osImageURL": ""})
    spec.update(extra_spec or {})
    return {"apiVersion": MC_API, "kind": "MachineConfig", "metadata": m, "spec": spec}


def pool_obj(
    name: str,
    created: datetime,
    p: Profile,
    *,
    selector: dict[str, Any],
    node_selector: dict[str, Any],
    target: str,
    target_sources: list[str],
    status_config: str,
    status_sources: list[str],
    nodes: list[Node],
    paused: bool,
    max_unavailable: int | None,
    conditions: list[dict[str, str]],
    cert_expirys: list[dict[str, str]] | None,
    labels: dict[str, str],
) -> dict[str, Any]:
    def src(names: list[str]) -> list[dict[str, str]]:
        return [{"apiVersion": MC_API, "kind": "MachineConfig", "name": n} for n in sorted(names)]

    updated = [n for n in nodes if n.current == n.desired == target and n.state == "Done"]
    ready = [n for n in updated if n.ready and not n.unschedulable]
    unavailable = [n for n in nodes if not n.ready or n.unschedulable or (n.current != n.desired)]
    degraded = [n for n in nodes if n.state in ("Degraded", "Unreconcilable")]
    spec: dict[str, Any] = {
        "configuration": {"name": target, "source": src(target_sources)},
        "machineConfigSelector": selector,
        "nodeSelector": node_selector,
        "paused": paused,
    }
    if max_unavailable is not None:
        spec["maxUnavailable"] = max_unavailable
    status: dict[str, Any] = {
        "conditions": conditions,
        "configuration": {"name": status_config, "source": src(status_sources)},
        "degradedMachineCount": len(degraded),
        "machineCount": len(nodes),
        "observedGeneration": 3,
        "readyMachineCount": len(ready),
        "unavailableMachineCount": len(unavailable),
        "updatedMachineCount": len(updated),
    }
    if cert_expirys is not None:
        status["certExpirys"] = cert_expirys
    return {
        "apiVersion": MC_API,
        "kind": "MachineConfigPool",
        "metadata": meta(name, created, kind="MachineConfigPool", labels=labels, generation=3),
        "spec": spec,
        "status": status,
    }


def pool_condition(
    ctype: str, status: bool, t: datetime, message: str = "", reason: str = ""
) -> dict[str, str]:
    return {
        "lastTransitionTime": iso(t),
        "message": message,
        "reason": reason,
        "status": "True" if status else "False",
        "type": ctype,
    }


# ------------------------------------------------------------------------------ misc kinds


def cluster_operator(
    name: str,
    p: Profile,
    created: datetime,
    since: datetime,
    available_msg: str,
    operands: dict[str, str],
    overrides: dict[str, dict[str, str]] | None = None,
    related: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    conds = {
        "Available": {"status": "True", "reason": "AsExpected", "message": available_msg},
        "Progressing": {
            "status": "False",
            "reason": "AsExpected",
            "message": f"Cluster version is {p.ocp}"
            if name in ("machine-config", "dns", "network")
            else "All is well",
        },
        "Degraded": {"status": "False", "reason": "AsExpected", "message": ""},
        "Upgradeable": {"status": "True", "reason": "AsExpected", "message": "All is well"},
    }
    for k, v in (overrides or {}).items():
        conds[k] = v
    conditions = []
    for ctype in ("Degraded", "Progressing", "Available", "Upgradeable"):
        c = conds[ctype]
        entry = {
            "lastTransitionTime": iso(c.get("time", since))
            if isinstance(c.get("time"), datetime)
            else c.get("time", iso(since)),
            "status": c["status"],
            "type": ctype,
        }
        if c.get("reason"):
            entry["reason"] = c["reason"]
        if c.get("message"):
            entry["message"] = c["message"]
        conditions.append(entry)
    versions = [{"name": "operator", "version": p.ocp}]
    versions += [{"name": k, "version": v} for k, v in operands.items()]
    status: dict[str, Any] = {"conditions": conditions, "extension": None, "versions": versions}
    if related:
        status["relatedObjects"] = related
    return {
        "apiVersion": "config.openshift.io/v1",
        "kind": "ClusterOperator",
        "metadata": meta(
            name,
            created,
            kind="ClusterOperator",
            annotations={"include.release.openshift.io/self-managed-high-availability": "true"},
        ),
        "spec": {},
        "status": status,
    }


def scc_cluster_role(name: str, created: datetime) -> dict[str, Any]:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": meta(f"system:openshift:scc:{name}", created, kind="ClusterRole"),
        "rules": [
            {
                "apiGroups": ["security.openshift.io"],
                "resourceNames": [name],
                "resources": ["securitycontextconstraints"],
                "verbs": ["use"],
            }
        ],
    }


_RW = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
_WRITE = ["create", "delete", "deletecollection", "patch", "update"]
_READ = ["get", "list", "watch"]


def _rule(groups: list[str], resources: list[str], verbs: list[str]) -> dict[str, Any]:
    return {"apiGroups": groups, "resources": resources, "verbs": verbs}


def bootstrap_cluster_roles(created: datetime) -> list[dict[str, Any]]:
    """The platform ClusterRoles the demo's bindings refer to.

    ``cluster-admin`` and ``admin`` as Kubernetes' RBAC bootstrap policy defines them
    (plugin/pkg/auth/authorizer/rbac/bootstrappolicy); ``admin`` is aggregated, and its
    ``rules`` (filled by the aggregation controller from every ``aggregate-to-admin`` role) are
    abridged here to a representative subset of the Kubernetes and OpenShift ones. The
    ``system:image-*`` and ``system:deployer`` roles as OpenShift's bootstrap policy writes them
    (openshift-apiserver pkg/bootstrappolicy; origin for system:deployer).
    """
    k8s_meta = {
        "annotations": {"rbac.authorization.kubernetes.io/autoupdate": "true"},
        "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"},
    }

    def role(name: str, rules: list[dict[str, Any]], **m: Any) -> dict[str, Any]:
        return {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": meta(name, created, kind="ClusterRole", **m),
            "rules": rules,
        }

    def os_meta(description: str | None, labels: dict[str, str] | None = None) -> dict[str, Any]:
        ann = {"rbac.authorization.kubernetes.io/autoupdate": "true"}
        if description:
            ann["openshift.io/description"] = description
        return {"annotations": ann, "labels": labels}

    admin = role(
        "admin",
        [
            _rule(["authorization.k8s.io"], ["localsubjectaccessreviews"], ["create"]),
            _rule(["rbac.authorization.k8s.io"], ["rolebindings", "roles"], _RW),
            _rule(
                [""],
                ["pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy"],
                _WRITE,
            ),
            _rule(
                [""],
                [
                    "configmaps",
                    "events",
                    "persistentvolumeclaims",
                    "replicationcontrollers",
                    "replicationcontrollers/scale",
                    "secrets",
                    "serviceaccounts",
                    "services",
                    "services/proxy",
                ],
                _WRITE,
            ),
            _rule([""], ["serviceaccounts"], ["impersonate"]),
            _rule(
                ["apps"],
                [
                    "daemonsets",
                    "deployments",
                    "deployments/rollback",
                    "deployments/scale",
                    "replicasets",
                    "replicasets/scale",
                    "statefulsets",
                    "statefulsets/scale",
                ],
                _WRITE,
            ),
            _rule(["batch"], ["cronjobs", "jobs"], _WRITE),
            _rule(
                [""],
                ["configmaps", "endpoints", "persistentvolumeclaims", "pods", "services"],
                _READ,
            ),
            _rule(["", "authorization.openshift.io"], ["rolebindings", "roles"], _RW),
            _rule(
                ["", "image.openshift.io"],
                [
                    "imagestreamimages",
                    "imagestreammappings",
                    "imagestreams",
                    "imagestreams/secrets",
                    "imagestreamtags",
                    "imagetags",
                ],
                _RW,
            ),
            _rule(["", "image.openshift.io"], ["imagestreams/layers"], ["get", "update"]),
            _rule(["", "project.openshift.io"], ["projects"], ["delete", "get", "patch", "update"]),
            _rule(["", "route.openshift.io"], ["routes"], _RW),
        ],
        **k8s_meta,
    )
    admin["aggregationRule"] = {
        "clusterRoleSelectors": [
            {"matchLabels": {"rbac.authorization.k8s.io/aggregate-to-admin": "true"}}
        ]
    }
    return [
        admin,
        role(
            "cluster-admin",
            [
                {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
                {"nonResourceURLs": ["*"], "verbs": ["*"]},
            ],
            **k8s_meta,
        ),
        role(
            "system:deployer",
            [
                _rule([""], ["replicationcontrollers"], ["get", "list", "update", "watch"]),
                _rule([""], ["pods"], ["create", "get", "list", "watch"]),
                _rule([""], ["pods/log"], ["get"]),
                _rule([""], ["events"], ["create", "list"]),
                _rule(["", "image.openshift.io"], ["imagestreamtags"], ["update"]),
            ],
            **os_meta(
                "Grants the right to deploy within a project.  Used primarily with service "
                "accounts for automated deployments."
            ),
        ),
        role(
            "system:image-builder",
            [
                _rule(["", "image.openshift.io"], ["imagestreams/layers"], ["get", "update"]),
                _rule(["", "image.openshift.io"], ["imagestreams"], ["create"]),
                _rule(["", "build.openshift.io"], ["builds/details"], ["update"]),
                _rule(["", "build.openshift.io"], ["builds"], ["get"]),
            ],
            **os_meta(
                "Grants the right to build, push and pull images from within a project.  Used "
                "primarily with service accounts for builds.",
                {
                    "rbac.authorization.k8s.io/aggregate-to-admin": "true",
                    "rbac.authorization.k8s.io/aggregate-to-edit": "true",
                },
            ),
        ),
        role(
            "system:image-puller",
            [_rule(["", "image.openshift.io"], ["imagestreams/layers"], ["get"])],
            **os_meta("Grants the right to pull images from within a project."),
        ),
    ]


def cluster_role_binding(
    name: str, role: str, subjects: list[dict[str, str]], created: datetime
) -> dict[str, Any]:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": meta(name, created, kind="ClusterRoleBinding"),
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
        "subjects": subjects,
    }


def role_binding(
    name: str, ns: str, role_kind: str, role: str, subjects: list[dict[str, str]], created: datetime
) -> dict[str, Any]:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": meta(name, created, kind="RoleBinding", namespace=ns),
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role},
        "subjects": subjects,
    }


def csr_obj(
    name: str,
    created: datetime,
    *,
    username: str,
    groups: list[str],
    signer: str,
    usages: list[str],
    approved_at: datetime | None,
    cn: str,
    v1: bool,
) -> dict[str, Any]:
    # a well-formed PEM wrapper around synthetic DER-looking bytes (not a real request)
    body = hexid("csr", name, n=64)
    pem = (
        "-----BEGIN CERTIFICATE REQUEST-----\n"
        f"MIIBADCBqAIBADBGMRUwEwYDVQQKEwxzeXN0ZW06bm9kZXMxLTArBgNVBAMTJHN5\n"
        f"{body[:60]}\n-----END CERTIFICATE REQUEST-----\n"
    )
    import base64

    spec: dict[str, Any] = {
        "groups": groups,
        "request": base64.b64encode(pem.encode()).decode(),
        "uid": uid("user", username),
        "usages": usages,
        "username": username,
    }
    if v1:
        spec["signerName"] = signer
    status: dict[str, Any] = {}
    if approved_at is not None:
        status = {
            "certificate": base64.b64encode(
                (
                    "-----BEGIN CERTIFICATE-----\nMIIC"
                    + hexid("cert", name, n=60)
                    + "\n-----END CERTIFICATE-----\n"
                ).encode()
            ).decode(),
            "conditions": [
                {
                    "lastTransitionTime": iso(approved_at),
                    "lastUpdateTime": iso(approved_at),
                    "message": "This CSR was approved by the Node CSR Approver",
                    "reason": "NodeCSRApprove",
                    "status": "True",
                    "type": "Approved",
                }
            ],
        }
    return {
        "apiVersion": "certificates.k8s.io/v1" if v1 else "certificates.k8s.io/v1beta1",
        "kind": "CertificateSigningRequest",
        "metadata": meta(name, created, kind="CSR", generateName="csr-"),
        "spec": spec,
        "status": status,
    }


def kubelet_serving_csr(
    node: str,
    created: datetime,
    *,
    seed: str,
    usages: list[str],
    approved_after: int,
    v1: bool,
) -> dict[str, Any]:
    """A node's kubelet serving-certificate CSR, approved ``approved_after`` s later (the
    signerName exists from ``certificates.k8s.io/v1``)."""
    return csr_obj(
        f"csr-{suffix5(seed, node)}",
        created,
        username=f"system:node:{node}",
        groups=["system:nodes", "system:authenticated"],
        signer="kubernetes.io/kubelet-serving",
        usages=usages,
        approved_at=later(created, seconds=approved_after),
        cn=f"system:node:{node}",
        v1=v1,
    )
