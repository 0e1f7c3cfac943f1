from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from rhcos_helpers import cluster
from rhcos_helpers.errors import NotApplicable
from rhcos_helpers.findings import Severity
from rhcos_helpers.sources.base import attempt
from tests.conftest import load_api
from tests.fakes import FakeSource
from tests.test_nodes import worker

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def test_cluster_version_reads_history_newest_first():
    source = FakeSource({"clusterversions": load_api("clusterversion-4.16")})
    info = cluster.cluster_version(source)
    assert info.version == "4.16.21"
    assert info.cluster_id == "5d1e8a3c-2f4b-4c6d-8e7f-9a0b1c2d3e4f"
    assert [h.version for h in info.history] == ["4.16.21", "4.15.38", "4.14.12"]
    assert cluster.version_facts(info)["Installed as"] == "4.14.12"
    assert list(cluster.history_frame(info)["VERSION"]) == ["4.16.21", "4.15.38", "4.14.12"]
    titles = [f.title for f in cluster.findings(info, [], [])]
    assert titles == ["The cluster cannot take a minor update (Upgradeable=False)"]


def test_missing_cluster_version_is_not_applicable():
    with pytest.raises(NotApplicable, match="no ClusterVersion 'version'"):
        cluster.cluster_version(FakeSource({"clusterversions": []}))


def co(name: str, **states: str) -> dict[str, Any]:
    conds = {"Available": "True", "Progressing": "False", "Degraded": "False"} | states
    return {
        "metadata": {"name": name},
        "status": {
            "conditions": [
                {"type": t, "status": s, "lastTransitionTime": "2026-11-18T09:30:00Z",
                 "message": f"{t} is {s}"}
                for t, s in conds.items()
            ],
            "versions": [{"name": "operator", "version": "4.16.21"}],
        },
    }  # fmt: skip


def test_operators_as_oc_get_co():
    source = FakeSource({"clusteroperators": [co("etcd"), co("dns", Degraded="True")]})
    rows = cluster.operators(source)
    assert [r.name for r in rows] == ["dns", "etcd"]
    assert rows[0].message == "Degraded is True"
    assert rows[1].message == ""
    assert rows[1].since == "2d"
    frame = cluster.operators_frame(rows)
    assert list(frame.columns) == [
        "NAME", "VERSION", "AVAILABLE", "PROGRESSING", "DEGRADED", "UPGRADEABLE", "SINCE", "MESSAGE",
    ]  # fmt: skip
    found = cluster.findings(None, rows, [])
    assert [(f.severity, f.where) for f in found] == [(Severity.CRITICAL, "clusteroperator/dns")]


def test_unavailable_and_not_upgradeable_operators():
    rows = [
        cluster.operator_row(co("auth", Available="False"), now=NOW),
        cluster.operator_row(co("machine-config", Upgradeable="False"), now=NOW),
    ]
    found = cluster.findings(None, rows, [])
    assert [f.title for f in found] == [
        "ClusterOperator auth is not Available",
        "ClusterOperator machine-config is not Upgradeable",
    ]
    assert found[1].next_runbook == "50-pool-rollout"


def named(node: dict[str, Any], name: str, *roles: str) -> dict[str, Any]:
    node = copy.deepcopy(node)
    node["metadata"]["name"] = name
    node["metadata"]["labels"] = {f"node-role.kubernetes.io/{r}": "" for r in roles}
    return node


@pytest.mark.parametrize(
    ("node_roles", "cp_topology", "kind"),
    [
        ([("master",)] * 3 + [("worker",)] * 2, "HighlyAvailable", "HA"),
        ([("master", "worker")] * 3, "HighlyAvailable", "compact"),
        ([("master", "worker")], "SingleReplica", "single-node"),
        ([("worker",)] * 2, "External", "hosted control plane"),
        ([("master",)] * 3 + [("worker",)] * 2, "", "HA"),  # 4.3: no controlPlaneTopology
    ],
)
def test_topology(node_roles: list[tuple[str, ...]], cp_topology: str, kind: str):
    base = worker()
    items = [named(base, f"n{i}", *r) for i, r in enumerate(node_roles)]
    infra = {"metadata": {"name": "cluster"}, "status": {"platform": "BareMetal"}}
    if cp_topology:
        infra["status"]["controlPlaneTopology"] = cp_topology
    source = FakeSource({"nodes": items, "infrastructures": [infra]})
    topo = cluster.topology(source)
    assert topo.kind == kind
    assert topo.platform == "BareMetal"


def csr(name: str, created: str, conditions: list[dict[str, str]] | None) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "metadata": {"name": name, "creationTimestamp": created},
        "spec": {
            "signerName": "kubernetes.io/kube-apiserver-client-kubelet",
            "username": "system:serviceaccount:openshift-machine-config-operator:node-bootstrapper",
        },
        "status": {},
    }
    if conditions is not None:
        obj["status"]["conditions"] = conditions
    return obj


def test_pending_csrs_only_and_oldest_first():
    approved = [{"type": "Approved", "status": "True", "reason": "AutoApproved"}]
    source = FakeSource(
        {
            "certificatesigningrequests": [
                csr("csr-new", "2026-11-20T09:00:00Z", None),
                csr("csr-done", "2026-11-19T09:00:00Z", approved),
                csr("csr-old", "2026-11-20T08:00:00Z", []),
            ]
        }
    )
    rows = cluster.pending_csrs(source)
    assert [(r.name, r.age) for r in rows] == [("csr-old", "90m"), ("csr-new", "30m")]
    found = cluster.findings(None, [], rows)
    assert found[0].title == "2 certificate signing request(s) pending"


def test_not_collected_parts_become_info_findings_not_silence():
    source = FakeSource({"nodes": [worker()]})
    found = cluster.overview_findings(
        version=attempt(cluster.cluster_version, source),
        operators=attempt(cluster.operators, source),
        nodes=attempt(lambda: []),
        pools=attempt(lambda: []),
        csrs=attempt(cluster.pending_csrs, source),
    )
    titles = [f.title for f in found]
    assert titles == [
        "Could not read cluster version",
        "Could not read cluster operators",
        "Could not read certificate signing requests",
    ]
    assert "not collected" in found[1].what
