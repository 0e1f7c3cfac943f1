"""Node Tuning Operator objects: the Tuned CRs and the per-node Profiles.

Formats from openshift/cluster-node-tuning-operator: ``pkg/apis/tuned/v1/tuned_types.go``
(Tuned ``spec.profile[]``/``spec.recommend[]``; Profile ``spec.config.tunedProfile``,
``spec.profile[]``, ``status.tunedProfile``, ``status.conditions`` Applied/Degraded), the
default CR of each release (``assets/tuned/default-cr-tuned.yaml`` 4.2-4.8 with the OpenShift
profiles inline; ``assets/tuned/manifests/default-cr-tuned.yaml`` from 4.9, the profiles
shipped by TuneD) and the operand's condition texts (``pkg/tuned/status.go``).

* 4.3: only Tuned ``default``; the operand read ConfigMaps (tuned-profiles, tuned-recommend):
  there are no Profile objects and no ``rendered`` Tuned.
* 4.16.21: Tuned ``default`` and the user's ``infra-router``; the ``rendered`` Tuned is gone
  (removed in 4.16 and backported to 4.14/4.15, OCPBUGS-32469/36870/37754) and each Profile
  carries the TuneD profiles in ``spec.profile``.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

import api
from common import Tree, iso, later
from model import Node

NS = "openshift-cluster-node-tuning-operator"
API = "tuned.openshift.io/v1"

_CONTROL_PLANE_43 = (
    "[main]\n"
    "summary=Optimize systems running OpenShift control plane\n"
    "include=openshift\n"
    "\n"
    "[sysctl]\n"
    "# ktune sysctl settings, maximizing i/o throughput\n"
    "#\n"
    "# Minimal preemption granularity for CPU-bound tasks:\n"
    "# (default: 1 msec#  (1 + ilog(ncpus)), units: nanoseconds)\n"
    "kernel.sched_min_granularity_ns=10000000\n"
    "# The total time the scheduler will consider a migrated process\n"
    '# "cache hot" and thus less likely to be re-migrated\n'
    "# (system default is 500000, i.e. 0.5 ms)\n"
    "kernel.sched_migration_cost_ns=5000000\n"
    "# SCHED_OTHER wake-up granularity.\n"
    "#\n"
    "# Preemption granularity when tasks wake up.  Lower the value to\n"
    "# improve wake-up latency and throughput for latency critical tasks.\n"
    "kernel.sched_wakeup_granularity_ns=4000000\n"
)

DEFAULT_43_PROFILES = [
    {
        "data": "[main]\n"
        "summary=Optimize systems running OpenShift (parent profile)\n"
        "include=${f:virt_check:virtual-guest:throughput-performance}\n"
        "\n"
        "[selinux]\n"
        "avc_cache_threshold=8192\n"
        "\n"
        "[net]\n"
        "nf_conntrack_hashsize=131072\n"
        "\n"
        "[sysctl]\n"
        "net.ipv4.ip_forward=1\n"
        "kernel.pid_max=>131072\n"
        "net.netfilter.nf_conntrack_max=1048576\n"
        "net.ipv4.conf.all.arp_announce=2\n"
        "net.ipv4.neigh.default.gc_thresh1=8192\n"
        "net.ipv4.neigh.default.gc_thresh2=32768\n"
        "net.ipv4.neigh.default.gc_thresh3=65536\n"
        "net.ipv6.neigh.default.gc_thresh1=8192\n"
        "net.ipv6.neigh.default.gc_thresh2=32768\n"
        "net.ipv6.neigh.default.gc_thresh3=65536\n"
        "\n"
        "[sysfs]\n"
        "/sys/module/nvme_core/parameters/io_timeout=4294967295\n"
        "/sys/module/nvme_core/parameters/max_retries=10\n",
        "name": "openshift",
    },
    {"data": _CONTROL_PLANE_43, "name": "openshift-control-plane"},
    {
        "data": "[main]\n"
        "summary=Optimize systems running OpenShift nodes\n"
        "include=openshift\n"
        "\n"
        "[sysctl]\n"
        "net.ipv4.tcp_fastopen=3\n"
        "fs.inotify.max_user_watches=65536\n",
        "name": "openshift-node",
    },
    {
        "data": "[main]\n"
        "summary=Optimize systems running ES on OpenShift control-plane\n"
        "include=openshift-control-plane\n"
        "\n"
        "[sysctl]\n"
        "vm.max_map_count=262144\n",
        "name": "openshift-control-plane-es",
    },
    {
        "data": "[main]\n"
        "summary=Optimize systems running ES on OpenShift nodes\n"
        "include=openshift-node\n"
        "\n"
        "[sysctl]\n"
        "vm.max_map_count=262144\n",
        "name": "openshift-node-es",
    },
]

#: The default CR's recommend entries for masters/infra and for other nodes (4.3 and 4.16 alike).
_RECOMMEND_NODES = [
    {
        "match": [
            {"label": "node-role.kubernetes.io/master"},
            {"label": "node-role.kubernetes.io/infra"},
        ],
        "priority": 30,
        "profile": "openshift-control-plane",
    },
    {"priority": 40, "profile": "openshift-node"},
]

DEFAULT_43_RECOMMEND = [
    {
        "match": [
            {
                "label": "tuned.openshift.io/elasticsearch",
                "match": [
                    {"label": "node-role.kubernetes.io/master"},
                    {"label": "node-role.kubernetes.io/infra"},
                ],
                "type": "pod",
            }
        ],
        "priority": 10,
        "profile": "openshift-control-plane-es",
    },
    {
        "match": [{"label": "tuned.openshift.io/elasticsearch", "type": "pod"}],
        "priority": 20,
        "profile": "openshift-node-es",
    },
    *_RECOMMEND_NODES,
]

DEFAULT_416_PROFILES = [
    {
        "data": "[main]\n"
        "summary=Optimize systems running OpenShift (provider specific parent profile)\n"
        "include=-provider-${f:exec:cat:/var/lib/tuned/provider},openshift\n",
        "name": "openshift",
    }
]

DEFAULT_416_RECOMMEND = list(_RECOMMEND_NODES)  # no Elasticsearch entries any more

INFRA_ROUTER_PROFILES = [
    {
        "data": "[main]\n"
        "summary=Router hosts: bigger accept queue\n"
        "include=openshift-control-plane\n"
        "\n"
        "[sysctl]\n"
        "net.core.somaxconn=8192\n",
        "name": "openshift-infra-router",
    }
]

INFRA_ROUTER_RECOMMEND = [
    {
        "match": [{"label": "node-role.kubernetes.io/infra"}],
        "priority": 20,
        "profile": "openshift-infra-router",
    }
]

APPLIED_OK = ("True", "AsExpected", "TuneD profile applied.")
DEGRADED_OK = (
    "False",
    "AsExpected",
    "No warning or error messages observed applying the TuneD daemon profile.",
)


def tuned_obj(
    name: str,
    created: datetime,
    profiles: list[dict[str, Any]],
    recommend: list[dict[str, Any]],
    *,
    generation: int = 1,
) -> dict[str, Any]:
    spec: dict[str, Any] = {"profile": profiles, "recommend": recommend}
    return {
        "apiVersion": API,
        "kind": "Tuned",
        "metadata": api.meta(name, created, kind="Tuned", namespace=NS, generation=generation),
        "spec": spec,
    }


def _cond(ctype: str, value: tuple[str, str, str], when: datetime) -> dict[str, str]:
    status, reason, message = value
    return {
        "lastTransitionTime": iso(when),
        "message": message,
        "reason": reason,
        "status": status,
        "type": ctype,
    }


def profile_obj(
    node: Node,
    tuned_profile: str,
    carried: list[dict[str, Any]],
    owner: dict[str, Any],
    applied: tuple[str, str, str],
    degraded: tuple[str, str, str],
    since: datetime,
) -> dict[str, Any]:
    created = node.created or since
    return {
        "apiVersion": API,
        "kind": "Profile",
        "metadata": api.meta(
            node.name,
            later(created, minutes=1),
            kind="Profile",
            namespace=NS,
            generation=3,
            ownerReferences=[copy.deepcopy(owner)],
        ),
        "spec": {
            "config": {
                "debug": False,
                "tunedConfig": {},
                "tunedProfile": tuned_profile,
                "verbosity": 0,
            },
            "profile": copy.deepcopy(carried),
        },
        "status": {
            "conditions": [_cond("Applied", applied, since), _cond("Degraded", degraded, since)],
            "observedGeneration": 3,
            "tunedProfile": tuned_profile,
        },
    }


def write_416(tree: Tree, nodes: list[Node], installed: datetime, user_created: datetime) -> None:
    """Tuned default + infra-router, one Profile per node (infra-0 Degraded: sysctl override)."""
    default = tuned_obj(
        "default",
        later(installed, minutes=9),
        DEFAULT_416_PROFILES,
        DEFAULT_416_RECOMMEND,
        generation=2,
    )
    router = tuned_obj("infra-router", user_created, INFRA_ROUTER_PROFILES, INFRA_ROUTER_RECOMMEND)
    owner = {
        "apiVersion": API,
        "blockOwnerDeletion": True,
        "controller": True,
        "kind": "Tuned",
        "name": "default",
        "uid": default["metadata"]["uid"],
    }
    carried = sorted(DEFAULT_416_PROFILES + INFRA_ROUTER_PROFILES, key=lambda p: p["name"])
    profiles = []
    for node in sorted(nodes, key=lambda n: n.name):
        since = node.booted or later(installed, hours=1)
        if "infra" in node.roles:
            degraded = (
                "True",
                "TunedSysctlOverride",
                "TuneD daemon issued one or more sysctl override message(s) during profile "
                "application. Use reapply_sysctl=true or remove conflicting sysctl "
                "net.core.somaxconn",
            )
            profiles.append(
                profile_obj(
                    node, "openshift-infra-router", carried, owner, APPLIED_OK, degraded, since
                )
            )
            continue
        name = "openshift-control-plane" if "master" in node.roles else "openshift-node"
        profiles.append(profile_obj(node, name, carried, owner, APPLIED_OK, DEGRADED_OK, since))
    api.write_namespaced_list(tree, NS, "tuned.openshift.io", "tuneds", [default, router])
    api.write_namespaced_list(tree, NS, "tuned.openshift.io", "profiles", profiles)


def write_43(tree: Tree, installed: datetime) -> None:
    """Tuned default only (4.3 has no Profile objects and no rendered Tuned)."""
    default = tuned_obj(
        "default", later(installed, minutes=9), DEFAULT_43_PROFILES, DEFAULT_43_RECOMMEND
    )
    api.write_namespaced_list(tree, NS, "tuned.openshift.io", "tuneds", [default])
