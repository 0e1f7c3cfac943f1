"""Shared writers: the API objects both demos write the same way (``cluster/`` in the tree).

The objects' contents come from the version modules (their tables and conditions); what is the
same on every release (where each kind goes, the rendered-config owner, a pool's machine counts,
the static-pod operators' messages, the ClusterVersion's history) is written here once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import api
from builders import Rendering, release_image
from common import Tree, iso, uid
from model import Cluster, Node, Profile

MCO = "machineconfiguration.openshift.io"
CONFIG = "config.openshift.io"
RBAC = "rbac.authorization.k8s.io"

MCO_BUILT_IN = {"machineconfiguration.openshift.io/mco-built-in": ""}
REQUIRED_FOR_UPGRADE = {"operator.machineconfiguration.openshift.io/required-for-upgrade": ""}


def manifest(p: Profile, notes: list[str]) -> dict[str, Any]:
    """The capture manifest (``rhcos-capture.json``) of a demo."""
    return {
        "format": "rhcos-runbooks-capture/1",
        "kind": "demo",
        "captured_at": iso(p.captured),
        "api_url": p.api_url,
        "context": "admin",
        "tool_version": "0.1.0",
        "notes": notes,
    }


# ---------------------------------------------------------------------------- nodes & pods


def write_node_objects(
    tree: Tree,
    cluster: Cluster,
    annotations: Callable[[Node], dict[str, str]] = lambda node: {},
) -> None:
    for node in cluster.nodes:
        obj = api.node_obj(node, cluster.profile, annotations(node))
        api.write_cluster_object(tree, "core", "nodes", obj)


def write_namespaces_and_pods(tree: Tree, cluster: Cluster) -> None:
    p = cluster.profile
    for ns in cluster.namespaces:
        tree.yaml(f"cluster/namespaces/{ns.name}/{ns.name}.yaml", api.namespace_obj(ns, p))
        pods = sorted(
            (pd for pd in cluster.pods if pd.namespace == ns.name), key=lambda pd: pd.name
        )
        api.write_namespaced_list(
            tree,
            ns.name,
            "core",
            "pods",
            [api.pod_obj(pd, p, cluster.node(pd.node), ns) for pd in pods],
        )


# -------------------------------------------------------------------------- machine configs


def write_machine_configs(
    tree: Tree,
    r: Rendering,
    p: Profile,
    mco_hash: dict[str, str],
    *,
    release_annotation: bool,
) -> None:
    """The source MachineConfigs, then every rendered one (owned by its pool, annotated with
    the controller version that rendered it; ``release_annotation``: and its release, 4.14+)."""
    for m in r.current:
        obj = api.machine_config(
            m.name,
            m.created,
            p,
            m.config,
            role=m.role,
            generated=m.generated,
            extra_spec=m.extra_spec,
        )
        api.write_cluster_object(tree, MCO, "machineconfigs", obj)
    for name, rc in r.rendered.items():
        owner = {
            "apiVersion": api.MC_API,
            "blockOwnerDeletion": True,
            "controller": True,
            "kind": "MachineConfigPool",
            "name": rc.pool,
            "uid": uid("MachineConfigPool", rc.pool, ""),
        }
        ann = {f"{MCO}/generated-by-controller-version": mco_hash[rc.release]}
        if release_annotation:
            ann[f"{MCO}/release-image-version"] = rc.release
        obj = api.machine_config(
            name,
            rc.created,
            p,
            rc.spec["config"],
            role=None,
            generated=False,
            annotations=ann,
            owner=owner,
        )
        obj["spec"] = rc.spec
        api.write_cluster_object(tree, MCO, "machineconfigs", obj)


Cond = tuple[bool, datetime] | tuple[bool, datetime, str]  # status, since[, message]


def pool_conditions(healthy_since: datetime, updated: Cond, updating: Cond) -> list[dict[str, str]]:
    """A pool's conditions: not degraded since ``healthy_since``, then Updated and Updating."""
    C = api.pool_condition
    return [
        C("RenderDegraded", False, healthy_since),
        C("NodeDegraded", False, healthy_since),
        C("Degraded", False, healthy_since),
        C("Updated", *updated),
        C("Updating", *updating),
    ]


def write_pool(
    tree: Tree,
    cluster: Cluster,
    r: Rendering,
    name: str,
    *,
    created: datetime,
    target: str,
    status_config: str,
    conditions: list[dict[str, str]],
    labels: dict[str, str],
    selector: dict[str, Any] | None = None,
    paused: bool = False,
    max_unavailable: int | None = None,
    cert_expirys: list[dict[str, str]] | None = None,
) -> None:
    """A MachineConfigPool over the nodes labelled ``node-role.kubernetes.io/<name>``
    (``selector`` default: the MachineConfigs whose role is ``name``)."""
    obj = api.pool_obj(
        name,
        created,
        cluster.profile,
        selector=selector or {"matchLabels": {api.ROLE_LABEL: name}},
        node_selector={"matchLabels": {f"node-role.kubernetes.io/{name}": ""}},
        target=target,
        target_sources=r.sources(target),
        status_config=status_config,
        status_sources=r.sources(status_config),
        nodes=[n for n in cluster.nodes if n.pool == name],
        paused=paused,
        max_unavailable=max_unavailable,
        conditions=conditions,
        cert_expirys=cert_expirys,
        labels=labels,
    )
    api.write_cluster_object(tree, MCO, "machineconfigpools", obj)


# ------------------------------------------------------------------ cluster-level config


COSpec = tuple[str, str, dict[str, str]]  # name, Available message, operand versions


def static_pod_operators(ocp: str, kube: str, revisions: dict[str, int]) -> list[COSpec]:
    """The kube-apiserver/-controller-manager/-scheduler operators: on ``revision`` everywhere."""
    return [
        (
            name,
            f"StaticPodsAvailable: 3 nodes are active; 3 nodes are at revision {rev}",
            {"raw-internal": ocp, name: kube},
        )
        for name, rev in revisions.items()
    ]


def write_cluster_operators(
    tree: Tree,
    p: Profile,
    specs: list[COSpec],
    *,
    created: datetime,
    since: datetime,
    overrides: dict[str, dict[str, dict[str, str]]] | None = None,
    related: dict[str, list[dict[str, str]]] | None = None,
) -> None:
    for name, msg, operands in specs:
        obj = api.cluster_operator(
            name,
            p,
            created,
            since,
            msg,
            operands,
            (overrides or {}).get(name),
            (related or {}).get(name),
        )
        api.write_cluster_object(tree, CONFIG, "clusteroperators", obj)


def cv_condition(
    ctype: str, status: bool, since: datetime, message: str = "", reason: str = ""
) -> dict[str, str]:
    """A ClusterVersion condition (no ``message``/``reason`` key when there is none)."""
    cond = {"lastTransitionTime": iso(since), "status": "True" if status else "False"}
    if message:
        cond["message"] = message
    if reason:
        cond["reason"] = reason
    cond["type"] = ctype
    return cond


def write_cluster_version(
    tree: Tree,
    created: datetime,
    history: list[tuple[str, datetime, datetime]],
    *,
    generation: int,
    spec: dict[str, Any],
    status: dict[str, Any],
) -> None:
    """ClusterVersion ``version``; ``history`` newest first as (version, started, completed),
    every update verified but the install."""
    entries = [
        {
            "completionTime": iso(done),
            "image": release_image(v),
            "startedTime": iso(st),
            "state": "Completed",
            "verified": i < len(history) - 1,
            "version": v,
        }
        for i, (v, st, done) in enumerate(history)
    ]
    obj = {
        "apiVersion": "config.openshift.io/v1",
        "kind": "ClusterVersion",
        "metadata": api.meta("version", created, kind="ClusterVersion", generation=generation),
        "spec": spec,
        "status": {**status, "history": entries, "observedGeneration": generation},
    }
    api.write_cluster_object(tree, CONFIG, "clusterversions", obj)


def write_infrastructure(
    tree: Tree, p: Profile, created: datetime, spec: dict[str, Any], status: dict[str, Any]
) -> None:
    obj = {
        "apiVersion": "config.openshift.io/v1",
        "kind": "Infrastructure",
        "metadata": api.meta("cluster", created, kind="Infrastructure"),
        "spec": spec,
        "status": {
            "apiServerInternalURI": f"https://api-int.{p.cluster_domain}:6443",
            "apiServerURL": p.api_url,
            **status,
        },
    }
    api.write_cluster_object(tree, CONFIG, "infrastructures", obj)


def write_sccs(tree: Tree, sccs: list[dict[str, Any]]) -> None:
    for s in sccs:
        api.write_cluster_object(tree, "security.openshift.io", "securitycontextconstraints", s)


def write_csrs(tree: Tree, csrs: list[dict[str, Any]]) -> None:
    for obj in csrs:
        api.write_cluster_object(tree, "certificates.k8s.io", "certificatesigningrequests", obj)
