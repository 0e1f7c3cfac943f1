"""Node-level command outputs (``nodes/<node>/*.out``) rendered from the model."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from common import Tree, glib_json, hexid, later, ns, num, systemd_ts, to_json, us
from model import Cluster, Container, Image, Node, Pod, Profile

ALL_FACTS = [
    "os_release",
    "machine_id",
    "hostname",
    "uname",
    "rpm_ostree_status",
    "passwd",
    "sudoers",
    "crictl_ps",
    "crictl_pods",
    "crictl_images",
    "crictl_stats",
    "crictl_statsp",
    "crictl_imagefsinfo",
    "crictl_version",
    "systemctl_list_units",
    "systemctl_show",
    "journal_unit.crio",
    "journal_unit.kubelet",
    "chrony_tracking",
    "df",
    "kubelet_stats_summary",
]


def _facts_entry(stem: str, node: str, p: Profile, status: str, reason: str = "") -> dict:
    from rhcos_catalogue import catalogue_fact, render_argv

    fact_name = stem.split(".", 1)[0]
    f = catalogue_fact(fact_name)
    entry: dict[str, Any] = {"fact": fact_name}
    if fact_name == "journal_unit":
        unit = stem.split(".", 1)[1]
        entry["params"] = {"unit": unit, "since": p.journal_since}
        argv = list(render_argv(f, **entry["params"]))  # no until: the journal up to capture
    else:
        argv = list(f.argv)
    entry.update(
        {
            "status": status,
            "argv": argv,
            "exit_code": 0 if status == "ok" and argv else None,
            "format": f.format,
        }
    )
    if fact_name == "kubelet_stats_summary":
        entry["origin"] = f"api:/api/v1/nodes/{node}/proxy/stats/summary"
    else:
        entry["origin"] = "debug-pod"
    entry["reason"] = reason
    return entry


def facts_for(p: Profile) -> list[str]:
    return [
        f for f in ALL_FACTS if p.has_statsp or f not in ("crictl_statsp", "crictl_imagefsinfo")
    ]


def write_nodes(tree: Tree, cluster: Cluster, fail_reason: str) -> None:
    p = cluster.profile
    for node in cluster.nodes:
        base = f"nodes/{node.name}"
        facts: dict[str, Any] = {}
        if node.unreadable or not node.ready:
            for stem in facts_for(p):
                reason = fail_reason
                if stem == "kubelet_stats_summary":
                    reason = (
                        f"node {node.name} is NotReady: GET /api/v1/nodes/{node.name}"
                        "/proxy/stats/summary failed (the kubelet did not answer)"
                    )
                facts[stem] = _facts_entry(stem, node.name, p, "failed", reason)
            tree.json(f"{base}/facts.json", facts)
            continue
        outputs = render_node(cluster, node)
        for stem in facts_for(p):
            facts[stem] = _facts_entry(stem, node.name, p, "ok")
            tree.text(f"{base}/{stem}.out", outputs[stem])
        tree.json(f"{base}/facts.json", facts)


def render_node(cluster: Cluster, node: Node) -> dict[str, str]:
    p = cluster.profile
    pods = cluster.pods_on(node.name)
    out = {
        "os_release": os_release(node, p),
        "machine_id": node.machine_id + "\n",
        "hostname": node.name + "\n",
        "uname": f"Linux {node.name} {node.os.kernel} {node.os.kernel_built} x86_64 x86_64 "
        "x86_64 GNU/Linux\n",
        "rpm_ostree_status": rpm_ostree(cluster, node),
        "passwd": PASSWD_9 if p.crictl_v1 else PASSWD_8,
        "sudoers": SUDOERS_9 if p.crictl_v1 else SUDOERS_8,
        "crictl_ps": crictl_ps(p, pods),
        "crictl_pods": crictl_pods(p, node, pods),
        "crictl_images": crictl_images(cluster, node, pods),
        "crictl_stats": crictl_stats(p, pods),
        "crictl_version": (
            f"Version:  0.1.0\nRuntimeName:  cri-o\nRuntimeVersion:  "
            f"{node.os.crio}\nRuntimeApiVersion:  "
            f"{'v1' if p.crictl_v1 else 'v1alpha1'}\n"
        ),
        "systemctl_list_units": list_units(node, p),
        "systemctl_show": systemctl_show(cluster, node),
        "journal_unit.crio": journal(cluster, node, "crio"),
        "journal_unit.kubelet": journal(cluster, node, "kubelet"),
        "chrony_tracking": chrony(node, p, node.name in cluster.chrony_nodes),
        "df": df(node),
        "kubelet_stats_summary": stats_summary(p, node, pods),
    }
    if p.has_statsp:
        out["crictl_statsp"] = crictl_statsp(p, pods)
        out["crictl_imagefsinfo"] = imagefsinfo(cluster, node, pods)
    return out


# --------------------------------------------------------------------------------- OS files


def os_release(node: Node, p: Profile) -> str:
    v = node.os.version
    if not p.crictl_v1:  # 4.3: exactly the seed's layout
        return (
            'NAME="Red Hat Enterprise Linux CoreOS"\n'
            f'VERSION="{v}"\nVERSION_ID="4.3"\nOPENSHIFT_VERSION="4.3"\nRHEL_VERSION=8.0\n'
            f'PRETTY_NAME="{node.os.pretty}"\nID="rhcos"\nID_LIKE="rhel fedora"\n'
            'ANSI_COLOR="0;31"\nHOME_URL="https://www.redhat.com/"\n'
            'BUG_REPORT_URL="https://bugzilla.redhat.com/"\n'
            'REDHAT_BUGZILLA_PRODUCT="OpenShift Container Platform"\n'
            'REDHAT_BUGZILLA_PRODUCT_VERSION="4.3"\n'
            'REDHAT_SUPPORT_PRODUCT="OpenShift Container Platform"\n'
            'REDHAT_SUPPORT_PRODUCT_VERSION="4.3"\n'
            f"OSTREE_VERSION='{v}'\n"
        )
    m = p.minor
    return (
        'NAME="Red Hat Enterprise Linux CoreOS"\nID="rhcos"\nID_LIKE="rhel fedora"\n'
        f'VERSION="{v}"\nVERSION_ID="{m}"\nVARIANT="CoreOS"\nVARIANT_ID=coreos\n'
        f'PLATFORM_ID="platform:el9"\nPRETTY_NAME="{node.os.pretty}"\nANSI_COLOR="0;31"\n'
        'CPE_NAME="cpe:/o:redhat:enterprise_linux:9::coreos"\n'
        'HOME_URL="https://www.redhat.com/"\n'
        f'DOCUMENTATION_URL="https://docs.openshift.com/container-platform/{m}/"\n'
        'BUG_REPORT_URL="https://access.redhat.com/labs/rhir/"\n'
        'REDHAT_BUGZILLA_PRODUCT="OpenShift Container Platform"\n'
        f'REDHAT_BUGZILLA_PRODUCT_VERSION="{m}"\n'
        'REDHAT_SUPPORT_PRODUCT="OpenShift Container Platform"\n'
        f'REDHAT_SUPPORT_PRODUCT_VERSION="{m}"\nOPENSHIFT_VERSION="{m}"\n'
        f'RHEL_VERSION="9.4"\nOSTREE_VERSION="{v}"\n'
    )


def _deployment(node: Node, build: Any, booted: bool, p: Profile, serial: int) -> dict:
    if p.crictl_v1:
        digest = build.image.split("@", 1)[1]
        return {
            "requested-local-packages": [],
            "base-commit-meta": {
                "ostree.manifest-digest": digest,
                "ostree.importer.version": "0.12.4",
                "ostree.tar-filtered": {},
            },
            "base-removals": [],
            "unlocked": "none",
            "booted": booted,
            "requested-local-fileoverride-packages": [],
            "requested-modules-enabled": [],
            "id": f"rhcos-{build.checksum}.{serial}",
            "base-remote-replacements": {},
            "osname": "rhcos",
            "pinned": False,
            "regenerate-initramfs": False,
            "base-local-replacements": [],
            "container-image-reference": f"ostree-unverified-registry:{build.image}",
            "checksum": build.checksum,
            "requested-base-local-replacements": [],
            "requested-modules": [],
            "requested-packages": [],
            "serial": serial,
            "timestamp": int(build.built.timestamp()),
            "packages": [],
            "staged": False,
            "version": build.version,
            "requested-base-removals": [],
            "modules": [],
            "container-image-reference-digest": digest,
        }
    return {
        "id": f"rhcos-{build.checksum}.{serial}",
        "osname": "rhcos",
        "serial": serial,
        "checksum": build.checksum,
        "version": build.version,
        "timestamp": int(build.built.timestamp()),
        "booted": booted,
        "staged": False,
        "pinned": False,
        "unlocked": "none",
        "custom-origin": [f"pivot://{build.image}", "Managed by machine-config-operator"],
        "base-commit-meta": {
            "coreos-assembler.config-gitrev": hexid("gitrev", build.version, n=40),
            "coreos-assembler.config-dirty": "false",
            "rpmostree.inputhash": hexid("inputhash", build.version),
            "version": build.version,
        },
        "requested-packages": [],
        "requested-local-packages": [],
        "requested-base-removals": [],
        "requested-base-local-replacements": [],
        "packages": [],
        "base-removals": [],
        "base-local-replacements": [],
        "regenerate-initramfs": False,
    }


def rpm_ostree(cluster: Cluster, node: Node) -> str:
    p = cluster.profile
    prev = cluster.previous_os(node)
    deps = [_deployment(node, node.os, True, p, 0)]
    if prev is not None:
        deps.append(_deployment(node, prev, False, p, 0))
    doc: dict[str, Any] = {"deployments": deps, "transaction": None, "cached-update": None}
    if p.crictl_v1:
        doc["update-driver"] = None
    return glib_json(doc) + "\n"


#: The first users of /etc/passwd, identical on RHCOS 8 (4.3) and RHCOS 9 (4.16).
_PASSWD_HEAD = """root:x:0:0:root:/root:/bin/bash
bin:x:1:1:bin:/bin:/sbin/nologin
daemon:x:2:2:daemon:/sbin:/sbin/nologin
adm:x:3:4:adm:/var/adm:/sbin/nologin
lp:x:4:7:lp:/var/spool/lpd:/sbin/nologin
sync:x:5:0:sync:/sbin:/bin/sync
shutdown:x:6:0:shutdown:/sbin:/sbin/shutdown
halt:x:7:0:halt:/sbin:/sbin/halt
mail:x:8:12:mail:/var/spool/mail:/sbin/nologin
operator:x:11:0:operator:/root:/sbin/nologin
games:x:12:100:games:/usr/games:/sbin/nologin
ftp:x:14:50:FTP User:/var/ftp:/sbin/nologin
nobody:x:65534:65534:Kernel Overflow User:/:/sbin/nologin
dbus:x:81:81:System message bus:/:/sbin/nologin
"""

PASSWD_9 = (
    _PASSWD_HEAD
    + """tss:x:59:59:Account used for TPM access:/dev/null:/sbin/nologin
systemd-coredump:x:999:997:systemd Core Dumper:/:/sbin/nologin
polkitd:x:998:996:User for polkitd:/:/sbin/nologin
sssd:x:997:994:User for sssd:/:/sbin/nologin
chrony:x:996:993:chrony system user:/var/lib/chrony:/sbin/nologin
rpc:x:32:32:Rpcbind Daemon:/var/lib/rpcbind:/sbin/nologin
rpcuser:x:29:29:RPC Service User:/var/lib/nfs:/sbin/nologin
openvswitch:x:800:800::/var/lib/openvswitch:/sbin/nologin
hugetlbfs:x:801:801::/:/sbin/nologin
sshd:x:74:74:Privilege-separated SSH:/usr/share/empty.sshd:/sbin/nologin
systemd-oom:x:993:990:systemd Userspace OOM Killer:/:/usr/sbin/nologin
core:x:1000:1000:CoreOS Admin:/var/home/core:/bin/bash
containers:x:994:991:User for housing the sub ID range for containers:/var/home/containers:/sbin/nologin
"""
)

PASSWD_8 = (
    _PASSWD_HEAD
    + """systemd-coredump:x:999:997:systemd Core Dumper:/:/sbin/nologin
systemd-resolve:x:193:193:systemd Resolver:/:/sbin/nologin
tss:x:59:59:Account used by the trousers package to sandbox the tcsd daemon:/dev/null:/sbin/nologin
polkitd:x:998:996:User for polkitd:/:/sbin/nologin
unbound:x:997:994:Unbound DNS resolver:/etc/unbound:/sbin/nologin
sssd:x:996:993:User for sssd:/:/sbin/nologin
chrony:x:995:992::/var/lib/chrony:/sbin/nologin
sshd:x:74:74:Privilege-separated SSH:/var/empty/sshd:/sbin/nologin
rpc:x:32:32:Rpcbind Daemon:/var/lib/rpcbind:/sbin/nologin
rpcuser:x:29:29:RPC Service User:/var/lib/nfs:/sbin/nologin
openvswitch:x:800:800::/var/lib/openvswitch:/sbin/nologin
core:x:1000:1000:CoreOS Admin:/var/home/core:/bin/bash
"""
)

_SUDOERS_HEAD = """## Sudoers allows particular users to run various commands as
## the root user, without needing the root password.
##
## Examples are provided at the bottom of the file for collections
## of related commands, which can then be delegated out to particular
## users or groups.
##
## This file must be edited with the 'visudo' command.

## Host Aliases
## Groups of machines. You may prefer to use hostnames (perhaps using
## wildcards for entire domains) or IP addresses instead.
# Host_Alias     FILESERVERS = fs1, fs2
# Host_Alias     MAILSERVERS = smtp, smtp2

## Command Aliases
## These are groups of related commands...
# Cmnd_Alias SOFTWARE = /bin/rpm, /usr/bin/up2date, /usr/bin/yum
# Cmnd_Alias SERVICES = /sbin/service, /sbin/chkconfig, /usr/bin/systemctl start, /usr/bin/systemctl stop, /usr/bin/systemctl reload, /usr/bin/systemctl restart, /usr/bin/systemctl status, /usr/bin/systemctl enable, /usr/bin/systemctl disable

# Defaults specification

#
# Refuse to run if unable to disable echo on the tty.
#
Defaults   !visiblepw

#
# Preserving HOME has security implications since many programs
# use it when searching for configuration files. Note that HOME
# is already set when the the env_reset option is enabled, so
# this option is only effective for configurations where either
# env_reset is disabled or HOME is present in the env_keep list.
#
Defaults    always_set_home
Defaults    match_group_by_gid

# Prior to version 1.8.15, groups listed in sudoers that were not
# found in the system group database were passed to the group
# plugin, if any. Starting with 1.8.15, only groups of the form
# %:group are resolved via the group plugin by default.
# We enable always_query_group_plugin to restore old behavior.
# Disable this option for new behavior.
Defaults    always_query_group_plugin

Defaults    env_reset
Defaults    env_keep =  "COLORS DISPLAY HOSTNAME HISTSIZE KDEDIR LS_COLORS"
Defaults    env_keep += "MAIL QTDIR USERNAME LANG LC_ADDRESS LC_CTYPE"
Defaults    env_keep += "LC_COLLATE LC_IDENTIFICATION LC_MEASUREMENT LC_MESSAGES"
Defaults    env_keep += "LC_MONETARY LC_NAME LC_NUMERIC LC_PAPER LC_TELEPHONE"
Defaults    env_keep += "LC_TIME LC_ALL LANGUAGE LINGUAS _XKB_CHARSET XAUTHORITY"

"""

_SUDOERS_TAIL = """
## Next comes the main part: which users can run what software on
## which machines (the sudoers file can be shared between multiple
## systems).
## Syntax:
##
## 	user	MACHINE=COMMANDS
##
## The COMMANDS section may have other options added to it.
##
## Allow root to run any commands anywhere
root	ALL=(ALL) 	ALL

## Allows people in group wheel to run all commands
%wheel	ALL=(ALL)	ALL

## Same thing without a password
# %wheel	ALL=(ALL)	NOPASSWD: ALL

## Read drop-in files from /etc/sudoers.d (the # here does not mean a comment)
#includedir /etc/sudoers.d
"""

SUDOERS_9 = (
    _SUDOERS_HEAD + "#\n# Adding HOME to env_keep may enable a user to run unrestricted\n"
    '# commands via sudo.\n#\n# Defaults   env_keep += "HOME"\n\n'
    "Defaults    secure_path = /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin\n" + _SUDOERS_TAIL
)
SUDOERS_8 = (
    _SUDOERS_HEAD + "#\n# Adding HOME to env_keep may enable a user to run unrestricted\n"
    '# commands via sudo.\n#\n# Defaults   env_keep += "HOME"\n\n'
    "Defaults    secure_path = /sbin:/bin:/usr/sbin:/usr/bin\n" + _SUDOERS_TAIL
)


# ------------------------------------------------------------------------------------ crictl


def _ctr_created(pod: Pod, c: Container, attempt: int) -> datetime:
    assert pod.started is not None
    if c.last_terminated and attempt == c.restarts:
        return c.last_terminated["restarted"]
    if c.last_terminated:
        return c.last_terminated["started"]
    return later(pod.started, seconds=2 + pod.containers.index(c))


def _pod_labels(pod: Pod) -> dict[str, str]:
    """The kubelet's labels on a pod's sandbox and containers."""
    return {
        "io.kubernetes.pod.name": pod.name,
        "io.kubernetes.pod.namespace": pod.namespace,
        "io.kubernetes.pod.uid": pod.uid,
    }


def _sandbox_metadata(pod: Pod) -> dict[str, Any]:
    return {"name": pod.name, "uid": pod.uid, "namespace": pod.namespace, "attempt": 0}


def _ctr_labels(pod: Pod, c: Container) -> dict[str, str]:
    return {"io.kubernetes.container.name": c.name, **_pod_labels(pod)}


def _ctr_annotations(pod: Pod, c: Container, attempt: int) -> dict[str, str]:
    return {
        "io.kubernetes.container.hash": hexid("hash", pod.name, c.name, n=8),
        "io.kubernetes.container.restartCount": str(attempt),
        "io.kubernetes.container.terminationMessagePath": "/dev/termination-log",
        "io.kubernetes.container.terminationMessagePolicy": "FallbackToLogsOnError",
        "io.kubernetes.pod.terminationGracePeriod": "30",
    }


def _containers(pods: list[Pod]) -> list[tuple[Pod, Container, int, bool]]:
    """(pod, container, attempt, running) for every container CRI-O still knows."""
    out = []
    for pod in pods:
        for c in pod.containers:
            out.append((pod, c, c.restarts, True))
            if c.last_terminated:
                out.append((pod, c, c.restarts - 1, False))
    return out


def crictl_ps(p: Profile, pods: list[Pod]) -> str:
    items = []
    for pod, c, attempt, running in _containers(pods):
        image: dict[str, Any] = {"image": c.image.image_id}
        if p.crictl_v1:
            image = {
                "image": c.image.image_id,
                "annotations": {},
                "userSpecifiedImage": "",
                "runtimeHandler": "",
            }
        item: dict[str, Any] = {
            "id": pod.container_id(c, attempt),
            "podSandboxId": pod.sandbox_id,
            "metadata": {"name": c.name, "attempt": attempt},
            "image": image,
            "imageRef": c.image.by_digest,
            "state": "CONTAINER_RUNNING" if running else "CONTAINER_EXITED",
            "createdAt": ns(_ctr_created(pod, c, attempt)),
            "labels": _ctr_labels(pod, c),
            "annotations": _ctr_annotations(pod, c, attempt),
        }
        if p.crictl_v1:
            item["imageId"] = ""
        items.append(item)
    items.sort(key=lambda i: int(i["createdAt"]), reverse=True)
    return to_json({"containers": items})


def crictl_pods(p: Profile, node: Node, pods: list[Pod]) -> str:
    items = []
    for pod in pods:
        assert pod.started is not None
        labels = {"io.kubernetes.container.name": "POD", **_pod_labels(pod), **pod.labels}
        ann = {
            "kubernetes.io/config.seen": pod.started.strftime("%Y-%m-%dT%H:%M:%S.")
            + f"{num('seen', pod.name, lo=0, hi=999999999):09d}Z",
            "kubernetes.io/config.source": "file" if pod.owner_kind == "Node" else "api",
            "openshift.io/scc": pod.scc,
        }
        items.append(
            {
                "id": pod.sandbox_id,
                "metadata": _sandbox_metadata(pod),
                "state": "SANDBOX_READY",
                "createdAt": ns(later(pod.started, seconds=-1)),
                "labels": labels,
                "annotations": ann,
                "runtimeHandler": "",
            }
        )
    items.sort(key=lambda i: int(i["createdAt"]), reverse=True)
    return to_json({"items": items})


def node_images(cluster: Cluster, node: Node, pods: list[Pod]) -> list[Image]:
    seen: dict[str, Image] = {}
    for img in (
        [cluster.pause]
        + [c.image for pod in pods for c in pod.containers]
        + cluster.extra_images.get(node.name, [])
    ):
        seen.setdefault(img.image_id, img)
    return sorted(seen.values(), key=lambda i: i.image_id)


def crictl_images(cluster: Cluster, node: Node, pods: list[Pod]) -> str:
    p = cluster.profile
    items = []
    for img in node_images(cluster, node, pods):
        item: dict[str, Any] = {
            "id": img.image_id,
            "repoTags": img.repo_tags,
            "repoDigests": [img.by_digest],
            "size": str(img.size),
            "uid": None if img.tag is None else {"value": "0"},
            "username": "",
        }
        if p.crictl_v1:
            item["spec"] = None
            item["pinned"] = img.pinned
        items.append(item)
    return to_json({"images": items})


def _usage(p: Profile, pod: Pod, c: Container) -> dict[str, Any]:
    t = p.captured
    cpu_ns = c.cpu_m * 1_000_000
    assert pod.started is not None
    age = max(60, int((t - pod.started).total_seconds()))
    ws = c.mem_mi * 1024 * 1024 + num("ws", pod.name, c.name, lo=0, hi=900_000)
    cpu: dict[str, Any] = {"timestamp": ns(t), "usageCoreNanoSeconds": {"value": str(cpu_ns * age)}}
    mem: dict[str, Any] = {"timestamp": ns(t), "workingSetBytes": {"value": str(ws)}}
    if p.crictl_v1:
        cpu["usageNanoCores"] = {"value": str(cpu_ns)}
        if _cri_psi(p):
            cpu["psi"] = None
        mem.update(
            {
                "availableBytes": {"value": "0"},
                "usageBytes": {"value": str(ws + 4096 * 512)},
                "rssBytes": {"value": str(int(ws * 0.8))},
                "pageFaults": {"value": str(num("pf", pod.name, c.name, lo=1000, hi=900000))},
                "majorPageFaults": {"value": str(num("mpf", pod.name, c.name, lo=0, hi=40))},
            }
        )
        if _cri_psi(p):
            mem["psi"] = None
    return {"cpu": cpu, "memory": mem}


def _cri_psi(p: Profile) -> bool:
    """CRI v1 has ``PsiStats psi`` in CpuUsage/MemoryUsage and ``IoUsage io`` in
    ContainerStats/LinuxPodSandboxStats only since KEP-4205 (alpha in Kubernetes 1.33);
    cri-tools of an older minor print no such keys."""
    return p.kube_minor >= 33


def _writable(p: Profile, pod: Pod, c: Container) -> dict[str, Any]:
    return {
        "timestamp": ns(p.captured),
        "fsId": {"mountpoint": "/var/lib/containers/storage/overlay-containers"},
        "usedBytes": {"value": str(num("wl", pod.name, c.name, lo=8192, hi=2_400_000))},
        "inodesUsed": {"value": str(num("in", pod.name, c.name, lo=4, hi=90))},
    }


def _container_stats(p: Profile, pod: Pod, c: Container) -> dict[str, Any]:
    u = _usage(p, pod, c)
    item: dict[str, Any] = {
        "attributes": {
            "id": pod.container_id(c),
            "metadata": {"name": c.name, "attempt": c.restarts},
            "labels": _ctr_labels(pod, c),
            "annotations": _ctr_annotations(pod, c, c.restarts),
        },
        "cpu": u["cpu"],
        "memory": u["memory"],
        "writableLayer": _writable(p, pod, c),
    }
    if p.crictl_v1:
        item["swap"] = {
            "timestamp": ns(p.captured),
            "swapAvailableBytes": {"value": "0"},
            "swapUsageBytes": {"value": "0"},
        }
        if _cri_psi(p):
            item["io"] = None
    return item


def crictl_stats(p: Profile, pods: list[Pod]) -> str:
    items = [_container_stats(p, pod, c) for pod in pods for c in pod.containers]
    items.sort(key=lambda i: i["attributes"]["id"])
    return to_json({"stats": items})


def crictl_statsp(p: Profile, pods: list[Pod]) -> str:
    items = []
    for pod in pods:
        cs = [_container_stats(p, pod, c) for c in pod.containers]
        cpu_ns = sum(int(s["cpu"]["usageNanoCores"]["value"]) for s in cs)
        cpu_tot = sum(int(s["cpu"]["usageCoreNanoSeconds"]["value"]) for s in cs)
        ws = sum(int(s["memory"]["workingSetBytes"]["value"]) for s in cs)
        linux: dict[str, Any] = {
            "cpu": {
                "timestamp": ns(p.captured),
                "usageCoreNanoSeconds": {"value": str(cpu_tot)},
                "usageNanoCores": {"value": str(cpu_ns)},
            },
            "memory": {
                "timestamp": ns(p.captured),
                "workingSetBytes": {"value": str(ws)},
                "availableBytes": {"value": "0"},
                "usageBytes": {"value": str(ws + 2_097_152)},
                "rssBytes": {"value": str(int(ws * 0.8))},
                "pageFaults": {"value": str(num("ppf", pod.name, lo=1000, hi=900_000))},
                "majorPageFaults": {"value": "0"},
            },
            "network": None,
            "process": {
                "timestamp": ns(p.captured),
                "processCount": {"value": str(len(cs) + 1)},
            },
            "containers": cs,
        }
        if _cri_psi(p):
            linux["cpu"]["psi"] = None
            linux["memory"]["psi"] = None
            linux["io"] = None
        items.append(
            {
                "attributes": {
                    "id": pod.sandbox_id,
                    "metadata": _sandbox_metadata(pod),
                    "labels": _pod_labels(pod),
                    "annotations": {"openshift.io/scc": pod.scc},
                },
                "linux": linux,
                "windows": None,
            }
        )
    items.sort(key=lambda i: i["attributes"]["id"])
    return to_json({"stats": items})


def imagefsinfo(cluster: Cluster, node: Node, pods: list[Pod]) -> str:
    p = cluster.profile
    used = sum(i.size for i in node_images(cluster, node, pods))
    fs = {
        "timestamp": ns(p.captured),
        "fsId": {"mountpoint": "/var/lib/containers/storage/overlay-images"},
        "usedBytes": {"value": str(used)},
        "inodesUsed": {"value": str(used // 23_000)},
    }
    return to_json({"status": {"imageFilesystems": [fs], "containerFilesystems": [fs]}})


# ----------------------------------------------------------------------------------- systemd


def _unit_rows(table: str) -> list[tuple[str, ...]]:
    """Rows of a ``systemctl list-units``-like table: unit, load, active, sub, description."""
    return [tuple(line.split(None, 4)) for line in table.strip().splitlines()]


UNITS_COMMON = _unit_rows(
    """
-.mount                                  loaded     active    mounted  Root Mount
boot.mount                               loaded     active    mounted  CoreOS Dynamic Mount for /boot
sysroot.mount                            loaded     active    mounted  /sysroot
var.mount                                loaded     active    mounted  /var
chronyd.service                          loaded     active    running  NTP client/server
crio-wipe.service                        loaded     active    exited   CRI-O Auto Update Script
crio.service                             loaded     active    running  Container Runtime Interface for OCI (CRI-O)
dbus-broker.service                      loaded     active    running  D-Bus System Message Bus
kubelet.service                          loaded     active    running  Kubernetes Kubelet
machine-config-daemon-firstboot.service  loaded     inactive  dead     Machine Config Daemon Firstboot
NetworkManager-wait-online.service       loaded     active    exited   Network Manager Wait Online
NetworkManager.service                   loaded     active    running  Network Manager
nodeip-configuration.service             loaded     active    exited   Writes IP address configuration so that kubelet and crio services select a valid node IP
ostree-finalize-staged.service           loaded     inactive  dead     OSTree Finalize Staged Deployment
ovs-configuration.service                loaded     active    exited   Configures OVS with proper host networking configuration
ovs-vswitchd.service                     loaded     active    running  Open vSwitch Forwarding Unit
ovsdb-server.service                     loaded     active    running  Open vSwitch Database Unit
rpm-ostreed.service                      loaded     inactive  dead     rpm-ostree System Management Daemon
sshd.service                             loaded     active    running  OpenSSH server daemon
systemd-journald.service                 loaded     active    running  Journal Service
systemd-logind.service                   loaded     active    running  User Login Management
systemd-udevd.service                    loaded     active    running  Rule-based Manager for Device Events and Files
zincati.service                          not-found  inactive  dead     zincati.service
-.slice                                  loaded     active    active   Root Slice
kubepods.slice                           loaded     active    active   libcontainer container kubepods.slice
system.slice                             loaded     active    active   System Slice
dbus.socket                              loaded     active    running  D-Bus System Message Bus Socket
sshd.socket                              loaded     inactive  dead     OpenSSH Server Socket
kubelet-dependencies.target              loaded     active    active   Dependencies necessary to run kubelet
multi-user.target                        loaded     active    active   Multi-User System
network-online.target                    loaded     active    active   Network is Online
time-sync.target                         loaded     active    active   System Time Synchronized
"""
)
#: 4.3 only: the MCD's pivot unit, and D-Bus before dbus-broker.
UNITS_43 = _unit_rows(
    """
machine-config-daemon-host.service       loaded     inactive  dead     Machine Config Daemon Initial
dbus.service                             loaded     active    running  D-Bus System Message Bus
"""
)
UNITS_MASTER = _unit_rows(
    """
var-lib-etcd.mount                       loaded     active    mounted  /var/lib/etcd
"""
)


#: Units of the host's Open vSwitch, on RHCOS since 4.6 (OVN-Kubernetes; openshift-sdn ran OVS in
#: its pods before that).
_HOST_OVS_UNITS = ("ovs-configuration.service", "ovs-vswitchd.service", "ovsdb-server.service")
#: crio.service's Description: cri-o's contrib/systemd/crio.service now says "Container Runtime
#: Interface for OCI (CRI-O)"; the 4.3 (CRI-O 1.16) package said "Open Container Initiative Daemon"
#: (the seed's 4.3 list-units).
CRIO_DESCRIPTION_43 = "Open Container Initiative Daemon"


def _crio_43(row: tuple[str, ...]) -> tuple[str, ...]:
    return (*row[:4], CRIO_DESCRIPTION_43) if row[0] == "crio.service" else row


def units(node: Node, p: Profile) -> list[tuple[str, ...]]:
    """The node's loaded units (unsorted), as ``systemctl list-units`` lists them."""
    rows = list(UNITS_COMMON)
    if not p.crictl_v1:
        # 4.3: openshift-sdn runs OVS in its pods (host OVS units came with 4.6), and the
        # RHEL 8.1 CRI-O package's unit has its older description (the seed's list-units)
        rows = [
            _crio_43(r)
            for r in rows
            if r[0] not in ("kubelet-dependencies.target", "dbus-broker.service")
            and r[0] not in _HOST_OVS_UNITS
        ]
        rows += UNITS_43
    if node.is_master():
        rows += UNITS_MASTER
    return rows


def list_units(node: Node, p: Profile) -> str:
    rows = units(node, p)
    rows.sort(key=lambda r: (r[0].rsplit(".", 1)[1], r[0].lower()))
    header = ("UNIT", "LOAD", "ACTIVE", "SUB", "DESCRIPTION")
    w = [max(len(r[i]) for r in [*rows, header]) for i in range(4)]
    lines = [
        ("  " + " ".join(r[i].ljust(w[i]) for i in range(4)) + " " + r[4]).rstrip()
        for r in [header, *rows]
    ]
    lines += [
        "",
        "LOAD   = Reflects whether the unit definition was properly loaded.",
        "ACTIVE = The high-level unit activation state, i.e. generalization of SUB.",
        "SUB    = The low-level unit activation state, values depend on unit type.",
        f"{len(rows)} loaded units listed.",
        "To show all installed unit files use 'systemctl list-unit-files'.",
    ]
    return "\n".join(lines) + "\n"


SHOW_UNITS = [  # unit, type, main binary (descriptions as list-units shows them)
    ("crio.service", "notify", "/usr/bin/crio"),
    ("kubelet.service", "notify", "/usr/local/bin/kubenswrapper"),
    ("NetworkManager.service", "dbus", "/usr/sbin/NetworkManager"),
    ("ovs-vswitchd.service", "forking", "/usr/share/openvswitch/scripts/ovs-ctl"),
    ("ovsdb-server.service", "forking", "/usr/share/openvswitch/scripts/ovs-ctl"),
    ("rpm-ostreed.service", "dbus", "/usr/bin/rpm-ostree"),
    ("chronyd.service", "forking", "/usr/sbin/chronyd"),
]

#: ``systemctl show`` of a unit whose main process has not run (or has no unit file).
_EXEC_MAIN_UNSET = [
    "ExecMainStartTimestampMonotonic=0",
    "ExecMainExitTimestampMonotonic=0",
    "ExecMainPID=0",
    "ExecMainCode=0",
    "ExecMainStatus=0",
]


def _not_found_block(unit: str) -> str:
    """What ``systemctl show`` prints for a unit the node has no file for (asked by name)."""
    lines = [
        "Type=simple",
        "Restart=no",
        "NotifyAccess=none",
        "RestartUSec=100ms",
        "TimeoutStartUSec=1min 30s",
        "TimeoutStopUSec=1min 30s",
        "MainPID=0",
        "ControlPID=0",
        "StatusErrno=0",
        "Result=success",
        "UID=[not set]",
        "GID=[not set]",
        "NRestarts=0",
        *_EXEC_MAIN_UNSET,
        "MemoryCurrent=[not set]",
        "CPUUsageNSec=[not set]",
        "TasksCurrent=[not set]",
        f"Id={unit}",
        f"Names={unit}",
        f"Description={unit}",
        "LoadState=not-found",
        "ActiveState=inactive",
        "SubState=dead",
        "StateChangeTimestampMonotonic=0",
        "ActiveEnterTimestampMonotonic=0",
        "ActiveExitTimestampMonotonic=0",
        "InactiveEnterTimestampMonotonic=0",
        "InactiveExitTimestampMonotonic=0",
        "CanStart=no",
        "CanStop=yes",
        "CanReload=no",
        f'LoadError=org.freedesktop.systemd1.NoSuchUnit "Unit {unit} not found."',
        "InvocationID=",
        "CollectMode=inactive",
    ]
    return "\n".join(lines) + "\n"


def systemctl_show(cluster: Cluster, node: Node) -> str:
    p = cluster.profile
    blocks = []
    boot = node.uptime_start()
    descriptions = {r[0]: r[4] for r in units(node, p)}
    for i, (unit, utype, binary) in enumerate(SHOW_UNITS):
        if not p.crictl_v1:  # 4.3: no host OVS; hyperkube kubelet
            if unit in _HOST_OVS_UNITS:
                blocks.append(_not_found_block(unit))
                continue
            if unit == "kubelet.service":
                binary = "/usr/bin/hyperkube"
        desc = descriptions[unit]
        argv = binary
        if unit == "kubelet.service":
            argv = " ".join(kubelet_argv(cluster, node, expanded=False))
        running = unit != "rpm-ostreed.service"
        start = later(boot, seconds=8 + 4 * i)
        if unit == "kubelet.service":
            start = node.kubelet_start()
        pid = num("pid", node.name, unit, lo=900, hi=4200) if running else 0
        mono = int((start - boot).total_seconds() * 1_000_000) + 9_000_000
        mem = num("mem", node.name, unit, lo=8_000_000, hi=900_000_000) if running else None
        restarts = num("nr", node.name, unit, lo=0, hi=2) if unit == "kubelet.service" else 0
        lines = [
            f"Type={utype}",
            "Restart="
            + (
                "always"
                if unit in ("crio.service", "kubelet.service")
                else "on-failure"
                if running
                else "no"
            ),
            "NotifyAccess=" + ("main" if utype == "notify" else "none"),
            "RestartUSec=10s" if unit == "kubelet.service" else "RestartUSec=100ms",
            "TimeoutStartUSec=" + ("infinity" if unit == "crio.service" else "1min 30s"),
            "TimeoutStopUSec=1min 30s",
            f"MainPID={pid}",
            "ControlPID=0",
            "StatusErrno=0",
            "Result=success",
            "ReloadResult=success",
            "CleanResult=success",
            "UID=[not set]",
            "GID=[not set]",
            f"NRestarts={restarts}",
            "OOMPolicy=stop",
        ]
        if running:
            lines += [
                f"ExecMainStartTimestamp={systemd_ts(start)}",
                f"ExecMainStartTimestampMonotonic={mono}",
                "ExecMainExitTimestampMonotonic=0",
                f"ExecMainPID={pid}",
                "ExecMainCode=0",
                "ExecMainStatus=0",
            ]
        else:
            lines += _EXEC_MAIN_UNSET
        lines += [
            f"ExecStart={{ path={binary} ; argv[]={argv} ; ignore_errors=no ; "
            "start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }",
            "Slice=system.slice",
            f"ControlGroup=/system.slice/{unit}" if running else "ControlGroup=",
            f"MemoryCurrent={mem}" if mem else "MemoryCurrent=[not set]",
            "CPUUsageNSec="
            + (
                str(num("cpu", node.name, unit, lo=10**9, hi=9 * 10**12))
                if running
                else "[not set]"
            ),
            "TasksCurrent="
            + (str(num("tasks", node.name, unit, lo=4, hi=80)) if running else "[not set]"),
            "CPUAccounting=yes",
            "MemoryAccounting=yes",
            "TasksAccounting=yes",
            "TasksMax=infinity",
            f"Id={unit}",
            f"Names={unit}",
            "Requires=system.slice sysinit.target"
            + (" crio.service" if unit == "kubelet.service" else ""),
            "WantedBy=multi-user.target",
            f"Description={desc}",
            "LoadState=loaded",
            "ActiveState=" + ("active" if running else "inactive"),
            *(["FreezerState=running"] if p.crictl_v1 else []),
            "SubState=" + ("running" if running else "dead"),
            f"FragmentPath=/usr/lib/systemd/system/{unit}"
            if unit != "kubelet.service"
            else "FragmentPath=/etc/systemd/system/kubelet.service",
            "UnitFileState=" + ("enabled" if unit != "rpm-ostreed.service" else "static"),
            "UnitFilePreset=" + ("enabled" if unit != "rpm-ostreed.service" else "disabled"),
        ]
        if running:
            lines += [
                f"StateChangeTimestamp={systemd_ts(later(start, seconds=2))}",
                f"ActiveEnterTimestamp={systemd_ts(later(start, seconds=2))}",
                f"InactiveExitTimestamp={systemd_ts(start)}",
            ]
        lines += [
            "CanStart=yes",
            "CanStop=yes",
            "CanReload=" + ("yes" if unit == "crio.service" else "no"),
            f"InvocationID={hexid('inv', node.name, unit, n=32)}" if running else "InvocationID=",
            "CollectMode=inactive",
        ]
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


# ----------------------------------------------------------------------------------- journal


def _exec_start(unit_text: str) -> list[str]:
    """The words of a unit file's ExecStart= (continuation lines joined, variables unexpanded)."""
    m = re.search(r"^ExecStart=((?:.*\\\n)*.*)$", unit_text, re.M)
    assert m, "unit without ExecStart"
    return m.group(1).replace("\\\n", " ").split()


def _expand(words: list[str], env: dict[str, str]) -> list[str]:
    """systemd's ${VAR} expansion inside words (the kubelet unit's variables)."""
    return [re.sub(r"\$\{(\w+)\}", lambda m: env[m.group(1)], w) for w in words]


def kubelet_argv(cluster: Cluster, node: Node, *, expanded: bool) -> list[str]:
    """The kubelet's command line: the demo's kubelet.service ExecStart for the node's role.

    4.3 ran ``/usr/bin/hyperkube kubelet ...`` (MCO release-4.3 templates); 4.16 runs
    ``/usr/local/bin/kubenswrapper /usr/bin/kubelet ...``, and the wrapper execs the kubelet
    (through kubensenter/nsenter), so the running process is ``/usr/bin/kubelet ...``.
    ``expanded`` gives the running process's argv (variables filled in, wrapper gone), else the
    unit's ExecStart as ``systemctl show`` prints it.
    """
    from machineconfigs import KUBELET_UNIT, KUBELET_UNIT_43

    p = cluster.profile
    role = "master" if node.is_master() else "worker"
    if p.crictl_v1:
        words = _exec_start(KUBELET_UNIT.format(role=role, pause=cluster.pause.by_digest))
        env = {
            "ID": "rhcos",
            "KUBELET_NODE_IP": node.ip,  # nodeip-configuration.service's drop-in
            "KUBELET_NODE_NAME": "",
            "KUBELET_PROVIDERID": "",
            "SYSTEM_RESERVED_CPU": "500m",
            "SYSTEM_RESERVED_MEMORY": "1Gi",
            "SYSTEM_RESERVED_ES": "1Gi",
            "KUBELET_LOG_LEVEL": "2",
        }
        return _expand(words[1:], env) if expanded else words
    words = _exec_start(KUBELET_UNIT_43.format(role=role))
    return _expand(words, {"ID": "rhcos", "KUBELET_LOG_LEVEL": "4"}) if expanded else words


def _journal_entry(
    node: Node, unit: str, ident: str, exe: str, cmdline: str, pid: int, t: datetime, msg: str,
    seq: int,
) -> str:  # fmt: skip
    """One ``journalctl -o json`` entry of a line the service wrote to stdout/stderr.

    journald stores stdout lines at the unit's ``SyslogLevel=`` (info, ``PRIORITY`` "6") unless
    the line starts with a ``<N>`` prefix, which neither the kubelet nor CRI-O writes: a klog
    ``E...`` line or a logrus ``level=error`` line is still priority 6.
    """
    boot = node.boot_id.replace("-", "")
    entry = {
        "__CURSOR": (
            f"s={hexid('seqid', node.name, n=32)};i={seq:x};b={boot};"
            f"m={us(t) - us(node.uptime_start()):x};t={us(t):x};"
            f"x={hexid('x', node.name, seq, n=16)}"
        ),
        "__REALTIME_TIMESTAMP": str(us(t)),
        "__MONOTONIC_TIMESTAMP": str(us(t) - us(node.uptime_start()) + 9_000_000),
        "_BOOT_ID": boot,
        "PRIORITY": "6",
        "SYSLOG_FACILITY": "3",
        "_UID": "0",
        "_GID": "0",
        "_CAP_EFFECTIVE": "1ffffffffff",
        "_SELINUX_CONTEXT": "system_u:system_r:"
        + ("container_runtime_t:s0" if unit in ("crio", "kubelet") else "unconfined_service_t:s0"),
        "_MACHINE_ID": node.machine_id,
        "_HOSTNAME": node.name,
        "_TRANSPORT": "stdout",
        "_STREAM_ID": hexid("stream", node.name, unit, n=32),
        "SYSLOG_IDENTIFIER": ident,
        "_PID": str(pid),
        "_COMM": exe.rsplit("/", 1)[1],
        "_EXE": exe,
        "_CMDLINE": cmdline,
        "_SYSTEMD_CGROUP": f"/system.slice/{unit}.service",
        "_SYSTEMD_UNIT": f"{unit}.service",
        "_SYSTEMD_SLICE": "system.slice",
        "_SYSTEMD_INVOCATION_ID": hexid("inv", node.name, f"{unit}.service", n=32),
        "MESSAGE": msg,
    }
    return json.dumps(entry, separators=(",", ":"))


def _klog(t: datetime, pid: int, level: str, src: str, msg: str) -> str:
    """klog's header ``Lmmdd hh:mm:ss.uuuuuu threadid file:line] msg`` (thread id ``%7d``)."""
    return (
        f"{level}{t.strftime('%m%d %H:%M:%S')}.{num('us', msg, lo=0, hi=999999):06d}"
        f" {pid:>7} {src}] {msg}"
    )


def journal(cluster: Cluster, node: Node, unit: str) -> str:
    """``journalctl -o json -u <unit>`` of crio or the kubelet over the capture's last 24 h.

    The kubelet's messages are klog lines: structured (``"msg" key="value"``) since kubelet 1.19
    and 1.20's structured-logging migration, unstructured ``fmt``-style text on 4.3's kubelet 1.16
    (run as ``hyperkube kubelet``, journal identifier ``hyperkube``).
    """
    p = cluster.profile
    pods = cluster.pods_on(node.name)
    start = max(later(p.captured, hours=-24), node.uptime_start())
    pid = num("pid", node.name, f"{unit}.service", lo=900, hi=4200)
    events: list[tuple[datetime, str]] = []
    api_v = "v1" if p.crictl_v1 else "v1alpha2"
    if unit == "crio":
        events.append(
            (
                later(node.uptime_start(), seconds=12),
                'time="{t}" level=info msg="Starting CRI-O, version: '
                f"{node.os.crio.split('-', 1)[0]}, git: "
                f'{hexid("crio-git", node.os.crio, n=40)}(clean)"',
            )
        )
        for pod in pods[:6]:
            assert pod.started is not None
            t = max(start, later(pod.started, seconds=-1))
            events.append(
                (
                    t,
                    f'time="{{t}}" level=info msg="Ran pod sandbox '
                    f"{pod.sandbox_id} with infra container: "
                    f'{pod.namespace}/{pod.name}/POD" id={uuid_like(pod.name)} '
                    f"name=/runtime.{api_v}.RuntimeService/RunPodSandbox",
                )
            )
        for h in range(0, 24, 3):
            t = later(start, hours=h, minutes=num("m", node.name, h, lo=0, hi=59))
            if t < p.captured:
                events.append(
                    (
                        t,
                        'time="{t}" level=info msg="Checking image status: '
                        f'{cluster.pause.by_digest}" id={uuid_like(str(h))} '
                        f"name=/runtime.{api_v}.ImageService/ImageStatus",
                    )
                )
    else:
        events += _kubelet_events(cluster, node, pods, start, pid)
    events = [e for e in events if start <= e[0] <= p.captured]
    events.sort(key=lambda e: e[0])
    if unit == "crio":
        ident, exe, cmdline = "crio", "/usr/bin/crio", "/usr/bin/crio"
    else:
        argv = kubelet_argv(cluster, node, expanded=True)
        # SYSLOG_IDENTIFIER is ExecStart's first word: kubenswrapper (4.12+), hyperkube (4.3)
        ident = kubelet_argv(cluster, node, expanded=False)[0].rsplit("/", 1)[1]
        exe, cmdline = argv[0], " ".join(argv)
    lines = []
    for seq, (t, msg) in enumerate(events):
        msg = msg.replace(
            "{t}",
            t.strftime("%Y-%m-%d %H:%M:%S") + f".{num('nsx', msg, lo=0, hi=999_999_999):09d}Z",
        )
        lines.append(
            _journal_entry(
                node,
                unit,
                ident,
                exe,
                cmdline,
                pid,
                t,
                msg,
                num("seq0", node.name, lo=10**5, hi=10**6) + seq * 17,
            )
        )
    return "\n".join(lines) + ("\n" if lines else "")


def _kubelet_events(
    cluster: Cluster, node: Node, pods: list[Pod], start: datetime, kpid: int
) -> list[tuple[datetime, str]]:
    p = cluster.profile
    # structured logging (InfoS/ErrorS) replaced the kubelet's Infof/Errorf in 1.19-1.21
    structured = p.kube_minor >= 20

    def pod_ref(pd: Pod) -> str:  # format.Pod before structured logging: name_namespace(uid)
        return f"{pd.name}_{pd.namespace}({pd.uid})"

    def ev(t: datetime, level: str, src: str, msg: str) -> tuple[datetime, str]:
        return (t, _klog(t, kpid, level, src, msg))

    t0 = node.kubelet_start()
    if structured:
        events = [
            ev(t0, "I", "server.go:487", f'"Kubelet version" kubeletVersion="{node.os.kubelet}"')
        ]
    else:
        events = [ev(t0, "I", "server.go:416", f"Version: {node.os.kubelet}")]
    for h in range(1, 24, 4):
        t = later(start, hours=h, minutes=num("km", node.name, h, lo=0, hi=59))
        if t < p.captured:
            pd = pods[h % len(pods)]
            if structured:
                sync = (
                    "kubelet.go:2431",
                    f'"SyncLoop UPDATE" source="api" pods=["{pd.namespace}/{pd.name}"]',
                )
                gc = ("container_gc.go:88", '"Attempting to delete unused containers"')
            else:
                sync = ("kubelet.go:1908", f'SyncLoop (UPDATE, "api"): "{pod_ref(pd)}"')
                gc = ("container_gc.go:85", "attempting to delete unused containers")
            events += [ev(t, "I", *sync), ev(later(t, minutes=1), "I", *gc)]
    if node.name == cluster.oom_node:
        assert structured, "OOM lines are written in the structured (1.20+) kubelet form only"
        demo = next(pd for pd in pods if pd.namespace == "demo-app")
        c = demo.containers[0]
        assert c.last_terminated is not None
        ft = c.last_terminated["finished"]
        key = f"{demo.namespace}/{demo.name}"
        t_oom, t_pleg = ft, later(ft, seconds=1)
        t_back, t_rm = later(ft, seconds=-2400), later(ft, seconds=2)
        events += [
            ev(
                t_oom,
                "I",
                "oom_watcher_linux.go:77",
                '"Got sys oom event" event={"Pid":'
                + str(num("oompid", 1, lo=5000, hi=90000))
                + ',"ProcessName":"demo-app","TimeOfDeath":"'
                + ft.strftime("%Y-%m-%dT%H:%M:%S")
                + '.104128Z",'
                '"ContainerName":"/kubepods.slice/kubepods-burstable.slice/'
                f"kubepods-burstable-pod{demo.uid.replace('-', '_')}.slice/"
                f'crio-{demo.container_id(c, c.restarts - 1)}.scope",'
                '"VictimContainerName":"","Constraint":""}',
            ),
            ev(
                t_pleg,
                "I",
                "kubelet.go:2453",
                '"SyncLoop (PLEG): event for pod" pod="'
                + key
                + '" event={"ID":"'
                + demo.uid
                + '","Type":"ContainerDied","Data":"'
                + demo.container_id(c, c.restarts - 1)
                + '"}',
            ),
            ev(
                t_back,
                "E",
                "pod_workers.go:1298",
                '"Error syncing pod, skipping" err="failed to '
                '\\"StartContainer\\" for \\"demo-app\\" with '
                'CrashLoopBackOff: \\"back-off 40s restarting '
                "failed container=demo-app pod="
                + demo.name
                + "_demo-app("
                + demo.uid
                + ')\\"" pod="'
                + key
                + '" podUID="'
                + demo.uid
                + '"',
            ),
            ev(
                t_rm,
                "I",
                "scope.go:117",
                '"RemoveContainer" containerID="' + demo.container_id(c, c.restarts - 2) + '"',
            ),
        ]
    return events


def uuid_like(seed: str) -> str:
    from common import uid

    return uid("req", seed)


# ------------------------------------------------------------------------------- chrony, df


def chrony(node: Node, p: Profile, chrony_mc: bool) -> str:
    if chrony_mc:
        ref = "D2EFF4B4 (210.239.244.180)"
        stratum = 2
    else:
        ip = ["162.159.200.123", "45.79.111.114", "208.67.72.50"][num("ntp", node.name, lo=0, hi=2)]
        ref = "".join(f"{int(o):02X}" for o in ip.split(".")) + f" ({ip})"
        stratum = 3
    reft = later(p.captured, seconds=-num("reft", node.name, lo=20, hi=900))
    off = num("off", node.name, lo=1, hi=90_000) / 1e9
    fast = "fast" if num("fs", node.name, lo=0, hi=1) else "slow"
    return (
        f"Reference ID    : {ref}\n"
        f"Stratum         : {stratum}\n"
        f"Ref time (UTC)  : {reft.strftime('%a %b %d %H:%M:%S %Y')}\n"
        f"System time     : {off:.9f} seconds {fast} of NTP time\n"
        f"Last offset     : {'+' if fast == 'slow' else '-'}{off * 1.3:.9f} seconds\n"
        f"RMS offset      : {off * 2.1:.9f} seconds\n"
        f"Frequency       : {num('freq', node.name, lo=100, hi=29000) / 1000:.3f} ppm slow\n"
        f"Residual freq   : +{num('rf', node.name, lo=0, hi=30) / 1000:.3f} ppm\n"
        f"Skew            : {num('sk', node.name, lo=10, hi=400) / 1000:.3f} ppm\n"
        f"Root delay      : {num('rd', node.name, lo=1_000_000, hi=40_000_000) / 1e9:.9f}"
        " seconds\n"
        f"Root dispersion : {num('rdi', node.name, lo=100_000, hi=9_000_000) / 1e9:.9f}"
        " seconds\n"
        f"Update interval : {num('ui', node.name, lo=640, hi=1040) / 10 * 10:.1f} seconds\n"
        "Leap status     : Normal\n"
    )


def df(node: Node) -> str:
    total = node.disk_bytes - 1_072_693_248
    used = num("used", node.name, lo=int(total * 0.12), hi=int(total * 0.38))
    avail = total - used
    cap = f"{-(-used * 100 // total)}%"
    rows = [("Filesystem", "Type", "1-blocks", "Used", "Available", "Capacity", "Mounted on")]
    for mnt in ("/", "/var", "/var"):
        rows.append(("/dev/sda4", "xfs", str(total), str(used), str(avail), cap, mnt))
    w = [max(len(r[i]) for r in rows) for i in range(6)]
    lines = []
    for r in rows:
        cells = [r[0].ljust(w[0]), r[1].ljust(w[1])] + [r[i].rjust(w[i]) for i in (2, 3, 4, 5)]
        lines.append(" ".join(cells) + " " + r[6])
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------ stats/summary


def stats_summary(p: Profile, node: Node, pods: list[Pod]) -> str:
    t = p.captured
    ts = t.strftime("%Y-%m-%dT%H:%M:%SZ")
    total_cpu = sum(c.cpu_m for pd in pods for c in pd.containers) * 1_000_000
    total_ws = sum(c.mem_mi for pd in pods for c in pd.containers) * 1_048_576
    mem_bytes = node.mem_kib * 1024
    node_ws = total_ws + 2_900_000_000
    boot = node.uptime_start().strftime("%Y-%m-%dT%H:%M:%SZ")
    capacity = node.disk_bytes - 1_072_693_248
    used_disk = num("used", node.name, lo=int(capacity * 0.12), hi=int(capacity * 0.38))

    def fs(used: int, inodes_used: int) -> dict[str, Any]:
        """FsStats of something on the node's disk (125M inodes, 124M of them free)."""
        return {
            "time": ts,
            "availableBytes": capacity - used_disk,
            "capacityBytes": capacity,
            "usedBytes": used,
            "inodesFree": 124_000_000,
            "inodes": 125_000_000,
            "inodesUsed": inodes_used,
        }

    def swap() -> dict[str, Any]:
        return {"time": ts, "swapAvailableBytes": 0, "swapUsageBytes": 0}

    def cpu(ns_rate: int, secs: int) -> dict[str, Any]:
        return {"time": ts, "usageNanoCores": ns_rate, "usageCoreNanoSeconds": ns_rate * secs}

    def mem(ws: int) -> dict[str, Any]:
        m: dict[str, Any] = {
            "time": ts,
            "usageBytes": ws + 40_000_000,
            "workingSetBytes": ws,
            "rssBytes": int(ws * 0.7),
            "pageFaults": 812_345,
            "majorPageFaults": 12,
        }
        return m

    up = int((t - node.uptime_start()).total_seconds())
    node_mem = mem(node_ws)
    node_mem["availableBytes"] = mem_bytes - node_ws
    nstats: dict[str, Any] = {
        "nodeName": node.name,
        "systemContainers": [
            {
                "name": "kubelet",
                "startTime": node.kubelet_start().strftime("%Y-%m-%dT%H:%M:%SZ"),
                "cpu": cpu(61_000_000, up),
                "memory": mem(180_000_000),
            },
            {
                "name": "runtime",
                "startTime": boot,
                "cpu": cpu(48_000_000, up),
                "memory": mem(250_000_000),
            },
            {"name": "pods", "startTime": boot, "cpu": cpu(total_cpu, up), "memory": mem(total_ws)},
        ],
        "startTime": boot,
        "cpu": cpu(total_cpu + 420_000_000, up),
        "memory": node_mem,
        "network": {
            "time": ts,
            "name": "br-ex" if p.crictl_v1 else "ens192",
            "rxBytes": 91_234_567_890,
            "rxErrors": 0,
            "txBytes": 78_123_456_789,
            "txErrors": 0,
            "interfaces": [
                {
                    "name": "br-ex" if p.crictl_v1 else "ens192",
                    "rxBytes": 91_234_567_890,
                    "rxErrors": 0,
                    "txBytes": 78_123_456_789,
                    "txErrors": 0,
                }
            ],
        },
        "fs": fs(used_disk, 1_000_000),
        "runtime": {"imageFs": fs(used_disk, 1_000_000)},
        "rlimit": {"time": ts, "maxpid": 4_194_304, "curproc": 900 + 12 * len(pods)},
    }
    if p.crictl_v1:
        nstats["runtime"]["containerFs"] = fs(used_disk, 1_000_000)
        nstats["swap"] = swap()
    pstats = []
    for pd in pods:
        assert pd.started is not None
        ctrs = []
        for c in pd.containers:
            secs = max(60, int((t - pd.started).total_seconds()))
            ctr: dict[str, Any] = {
                "name": c.name,
                "startTime": pd.started.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "cpu": cpu(c.cpu_m * 1_000_000, secs),
                "memory": mem(c.mem_mi * 1_048_576),
                "rootfs": fs(
                    num("wl", pd.name, c.name, lo=8192, hi=2_400_000),
                    num("in", pd.name, c.name, lo=4, hi=90),
                ),
                "logs": fs(40_960 + 4096 * len(c.name), 2),
            }
            if p.crictl_v1:
                ctr["swap"] = swap()
            ctrs.append(ctr)
        pod_ws = sum(c.mem_mi for c in pd.containers) * 1_048_576
        entry: dict[str, Any] = {
            "podRef": {"name": pd.name, "namespace": pd.namespace, "uid": pd.uid},
            "startTime": pd.started.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "containers": ctrs,
            "cpu": cpu(sum(c.cpu_m for c in pd.containers) * 1_000_000, up),
            "memory": mem(pod_ws),
            "ephemeral-storage": fs(1_228_800, 40),
        }
        if p.crictl_v1:
            entry["process_stats"] = {"process_count": len(pd.containers) + 1}
            entry["swap"] = swap()
        pstats.append(entry)
    return to_json({"node": nstats, "pods": pstats})
