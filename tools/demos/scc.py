"""Default SecurityContextConstraints as the kube-apiserver operator ships them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from api import meta

VOLS_416 = [
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
]
VOLS_43 = ["configMap", "downwardAPI", "emptyDir", "persistentVolumeClaim", "projected", "secret"]
LEGACY_DROP = ["KILL", "MKNOD", "SETUID", "SETGID"]

_V2_TAIL = (
    " On top of the legacy '{legacy}' SCC, it also requires to drop ALL capabilities and"
    " does not allow privilege escalation binaries. It will also default the seccomp"
    " profile to runtime/default if unset, otherwise this seccomp profile is required."
)

DESCRIPTIONS = {
    "anyuid": "anyuid provides all features of the restricted SCC but allows users to run with"
    " any UID and any GID.",
    "hostaccess": "hostaccess allows access to all host namespaces but still requires pods to be"
    " run with a UID and SELinux context that are allocated to the namespace.",
    "hostmount-anyuid": "hostmount-anyuid provides all the features of the restricted SCC but"
    " allows host mounts and any UID by a pod.  This is primarily used by the persistent volume"
    " recycler. WARNING: this SCC allows host file system access as any UID, including UID 0."
    "  Grant with caution.",
    "hostnetwork": "hostnetwork allows using host networking and host ports but still requires"
    " pods to be run with a UID and SELinux context that are allocated to the namespace.",
    "nonroot": "nonroot provides all features of the restricted SCC but allows users to run with"
    " any non-root UID.  The user must specify the UID or it must be specified on the by the"
    " manifest of the container runtime.",
    "privileged": "privileged allows access to all privileged and host features and the ability"
    " to run as any user, any group, any fsGroup, and with any SELinux context.  WARNING: this"
    " is the most relaxed SCC and should be used only for cluster administration. Grant with"
    " caution.",
    "restricted": "restricted denies access to all host features and requires pods to be run"
    " with a UID, and SELinux context that are allocated to the namespace.",
}
DESCRIPTIONS["node-exporter"] = "node-exporter scc is used for the Prometheus node exporter"
DESCRIPTIONS["hostnetwork-v2"] = DESCRIPTIONS["hostnetwork"] + _V2_TAIL.format(legacy="hostnetwork")
DESCRIPTIONS["nonroot-v2"] = DESCRIPTIONS["nonroot"] + _V2_TAIL.format(legacy="nonroot")
DESCRIPTIONS["restricted-v2"] = DESCRIPTIONS["restricted"].replace(
    "restricted denies", "restricted-v2 denies"
) + _V2_TAIL.format(legacy="restricted")


def _scc(
    name: str,
    created: datetime,
    *,
    release_manifest: bool,
    priority: int | None = None,
    priv: bool = False,
    host_net: bool = False,
    host_ports: bool = False,
    host_pid: bool = False,
    host_ipc: bool = False,
    host_dir: bool = False,
    run_as: str = "MustRunAsRange",
    selinux: str = "MustRunAs",
    fs_group: str = "MustRunAs",
    supp: str = "RunAsAny",
    drop: list[str] | None = None,
    allowed_caps: list[str] | None = None,
    volumes: list[str],
    users: list[str] | None = None,
    groups: list[str] | None = None,
    v2: bool = False,
    extra: dict[str, Any] | None = None,
    generation: int | None = 1,
) -> dict[str, Any]:
    """One SCC (``release_manifest``: annotated as the 4.11+ release payload ships it)."""
    ann = {"kubernetes.io/description": DESCRIPTIONS[name]}
    if release_manifest:
        ann.update(
            {
                "include.release.openshift.io/ibm-cloud-managed": "true",
                "include.release.openshift.io/self-managed-high-availability": "true",
                "include.release.openshift.io/single-node-developer": "true",
            }
        )
        if not v2:
            ann["release.openshift.io/create-only"] = "true"
    obj: dict[str, Any] = {
        "allowHostDirVolumePlugin": host_dir,
        "allowHostIPC": host_ipc,
        "allowHostNetwork": host_net,
        "allowHostPID": host_pid,
        "allowHostPorts": host_ports,
        "allowPrivilegeEscalation": not v2,
        "allowPrivilegedContainer": priv,
        "allowedCapabilities": allowed_caps,
        "apiVersion": "security.openshift.io/v1",
        "defaultAddCapabilities": None,
        "fsGroup": {"type": fs_group},
        "groups": groups or [],
        "kind": "SecurityContextConstraints",
        "metadata": meta(
            name, created, kind="SecurityContextConstraints", annotations=ann, generation=generation
        ),
        "priority": priority,
        "readOnlyRootFilesystem": False,
        "requiredDropCapabilities": drop,
        "runAsUser": {"type": run_as},
        "seLinuxContext": {"type": selinux},
        "supplementalGroups": {"type": supp},
        "users": users or [],
        "volumes": volumes,
    }
    if v2:
        obj["seccompProfiles"] = ["runtime/default"]
    obj.update(extra or {})
    return obj


#: What a ``-v2`` SCC (4.11+) changes in its legacy one: drop ALL capabilities but allow
#: NET_BIND_SERVICE, no privilege escalation, seccomp runtime/default, no group grants.
V2_CHANGES: dict[str, Any] = {
    "drop": ["ALL"],
    "allowed_caps": ["NET_BIND_SERVICE"],
    "groups": None,
    "v2": True,
}


def default_sccs(
    created: datetime,
    *,
    modern: bool,
    anyuid_users: list[str] | None = None,
    restricted_groups: list[str] | None = None,
) -> list[dict[str, Any]]:
    """The default SCCs: 4.11+ set (``modern``) with the v2 ones, or the 4.3 set."""
    vols = VOLS_416 if modern else VOLS_43
    legacy: dict[str, dict[str, Any]] = {
        "anyuid": {
            "priority": 10,
            "run_as": "RunAsAny",
            "fs_group": "RunAsAny",
            "drop": ["MKNOD"],
            "volumes": vols,
            "users": anyuid_users,
            "groups": ["system:cluster-admins"],
            # `oc adm policy add-scc-to-user` edits the SCC: each spec change bumps generation
            "generation": 2 if anyuid_users else 1,
        },
        "hostaccess": {
            "host_net": True,
            "host_ports": True,
            "host_pid": True,
            "host_ipc": True,
            "host_dir": True,
            "drop": LEGACY_DROP,
            "volumes": sorted([*vols, "hostPath"]),
        },
        "hostmount-anyuid": {
            "host_dir": True,
            "run_as": "RunAsAny",
            "fs_group": "RunAsAny",
            "drop": ["MKNOD"],
            "volumes": sorted([*vols, "hostPath", "nfs"]),
            "users": ["system:serviceaccount:openshift-infra:pv-recycler-controller"],
        },
        "hostnetwork": {
            "host_net": True,
            "host_ports": True,
            "supp": "MustRunAs",
            "drop": LEGACY_DROP,
            "volumes": vols,
        },
        "nonroot": {
            "run_as": "MustRunAsNonRoot",
            "fs_group": "RunAsAny",
            "drop": LEGACY_DROP,
            "volumes": vols,
        },
        "privileged": {
            "priv": True,
            "host_net": True,
            "host_ports": True,
            "host_pid": True,
            "host_ipc": True,
            "host_dir": True,
            "run_as": "RunAsAny",
            "selinux": "RunAsAny",
            "fs_group": "RunAsAny",
            "allowed_caps": ["*"],
            "volumes": ["*"],
            "users": ["system:admin", "system:serviceaccount:openshift-infra:build-controller"],
            "groups": ["system:cluster-admins", "system:nodes", "system:masters"],
            "extra": {"allowedUnsafeSysctls": ["*"], "seccompProfiles": ["*"]},
        },
        "restricted": {"drop": LEGACY_DROP, "volumes": vols, "groups": restricted_groups},
    }
    out = [_scc(name, created, release_manifest=modern, **kw) for name, kw in legacy.items()]
    if modern:
        out += [
            _scc(f"{name}-v2", created, release_manifest=True, **{**legacy[name], **V2_CHANGES})
            for name in ("hostnetwork", "nonroot", "restricted")
        ]
    return sorted(out, key=lambda o: o["metadata"]["name"])


def node_exporter_scc(created: datetime) -> dict[str, Any]:
    """``node-exporter``, which the cluster-monitoring operator creates: no release annotations
    and no generation in its metadata."""
    return _scc(
        "node-exporter",
        created,
        release_manifest=False,
        priv=True,
        host_net=True,
        host_ports=True,
        host_pid=True,
        host_dir=True,
        run_as="RunAsAny",
        selinux="RunAsAny",
        fs_group="RunAsAny",
        volumes=["*"],
        generation=None,
    )
