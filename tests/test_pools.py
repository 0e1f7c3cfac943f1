from __future__ import annotations

import copy
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rhcos_helpers import pools
from rhcos_helpers.errors import UsageError
from rhcos_helpers.findings import Severity
from rhcos_helpers.sources import open_source
from rhcos_helpers.sources.base import Attempt
from tests.conftest import load_api

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
SAMPLE_POOL = load_api("mcp-infra-paused-4.16")[0]


def test_paused_pool_warns_about_the_kubelet_ca():
    row = pools.status.pool_row(SAMPLE_POOL, now=NOW)
    assert row.paused is True
    assert row.cert_expiry == "2027-03-01T10:00:00Z"
    found = pools.status.findings([row])
    assert [f.severity for f in found] == [Severity.WARNING]
    assert "2027-03-01T10:00:00Z" in found[0].what
    assert list(pools.status.to_frame([row]).columns) == [
        "NAME", "CONFIG", "UPDATED", "UPDATING", "DEGRADED", "MACHINECOUNT",
        "READYMACHINECOUNT", "UPDATEDMACHINECOUNT", "DEGRADEDMACHINECOUNT", "AGE", "PAUSED",
    ]  # fmt: skip


def test_degraded_and_updating_pools():
    degraded = copy.deepcopy(SAMPLE_POOL)
    degraded["metadata"]["name"] = "worker"
    degraded["spec"]["paused"] = False
    degraded["status"]["degradedMachineCount"] = 1
    degraded["status"]["conditions"] = [
        {"type": "Degraded", "status": "True"},
        {"type": "NodeDegraded", "status": "True",
         "message": 'Node worker-1 is reporting: "unexpected on-disk state"'},
    ]  # fmt: skip
    updating = copy.deepcopy(SAMPLE_POOL)
    updating["metadata"]["name"] = "master"
    updating["spec"]["paused"] = False
    updating["status"]["conditions"] = [{"type": "Updating", "status": "True"}]
    found = pools.status.findings([pools.status.pool_row(p, now=NOW) for p in (degraded, updating)])
    assert [(f.severity, f.title) for f in found] == [
        (Severity.CRITICAL, "Pool worker is degraded (1 node(s))"),
        (Severity.INFO, "Pool master is updating (0/1 updated)"),
    ]
    assert found[0].what == 'Node worker-1 is reporting: "unexpected on-disk state"'


# --------------------------------------------------------------------- snapshots of the demos


PDB_OBJECTS = load_api("pdb-blocking-4.16")
PDBS = [o for o in PDB_OBJECTS if o["kind"] == "PodDisruptionBudget"]
PODS = [o for o in PDB_OBJECTS if o["kind"] == "Pod"]
MCO = "machineconfiguration.openshift.io/"


@pytest.fixture(scope="module")
def demo():
    return pools.status.collect(open_source("demo"))


def _node(snap, name):
    return next(n for n in snap.nodes if n["metadata"]["name"] == name)


def _with_node(snap, name, change):
    nodes = tuple(copy.deepcopy(n) for n in snap.nodes)
    change(next(n for n in nodes if n["metadata"]["name"] == name))
    return replace(snap, nodes=nodes)


@pytest.mark.parametrize("spec", ["demo", "demo:4.3"])
def test_counts_recomputed_from_nodes_agree_with_the_pools(spec):
    frame = pools.status.counts_frame(pools.status.collect(open_source(spec)))
    assert frame["AGREE"].all(), frame[~frame["AGREE"]]


def test_counting_rules(demo):
    worker = demo.pool("worker")
    counts = pools.status.count_pool(worker, demo.members("worker"))
    assert (counts.machine, counts.updated, counts.ready, counts.unavailable) == (3, 1, 1, 1)
    assert not counts.updated_condition
    # a Done, updated node that is still cordoned is updated but not ready
    snap = _with_node(demo, "worker-0", lambda n: n["spec"].update(unschedulable=True))
    c = pools.status.count_pool(worker, snap.members("worker"))
    assert (c.updated, c.ready, c.unavailable) == (1, 0, 2)

    # a Degraded daemon counts as degraded and, failing, not as unavailable once Ready
    def degrade(n):
        n["metadata"]["annotations"][MCO + "state"] = "Degraded"
        n["metadata"]["annotations"][MCO + "desiredConfig"] = worker["spec"]["configuration"][
            "name"
        ]

    c = pools.status.count_pool(worker, _with_node(demo, "worker-2", degrade).members("worker"))
    assert (c.degraded, c.unavailable) == (1, 1)


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ({"node-role.kubernetes.io/worker": ""}, ("worker", "")),
        ({"node-role.kubernetes.io/worker": "", "node-role.kubernetes.io/infra": ""}, ("infra", "")),
        ({"node-role.kubernetes.io/master": "", "node-role.kubernetes.io/worker": ""}, ("master", "")),
        ({"node-role.kubernetes.io/master": "", "node-role.kubernetes.io/infra": ""},
         ("master", "also matches infra: master wins")),
        ({"node-role.kubernetes.io/infra": "", "node-role.kubernetes.io/gpu": ""},
         ("", "matches 2 custom pools (gpu, infra): the controller refuses it")),
        ({}, ("", "matches no pool")),
    ],
)  # fmt: skip
def test_pool_membership_as_the_controller_decides(labels, expected):
    def pool(name):
        return {
            "metadata": {"name": name},
            "spec": {"nodeSelector": {"matchLabels": {f"node-role.kubernetes.io/{name}": ""}}},
        }

    all_pools = [pool(n) for n in ("gpu", "infra", "master", "worker")]
    all_pools.append({"metadata": {"name": "empty"}, "spec": {"nodeSelector": {}}})
    assert pools.status.pool_of(labels, all_pools) == expected


def test_max_unavailable_and_certificates(demo):
    assert [
        pools.status.max_unavailable({"spec": {"maxUnavailable": v}}, 3) for v in ("50%", 0, 2)
    ] == [
        1,
        1,
        2,
    ]
    certs = pools.status.cert_frame(demo)
    row = certs[certs["SUBJECT"] == "CN=kubelet-signer,OU=openshift"].iloc[0]
    assert row["TIME LEFT"] == "9d" and row["DAYS LEFT"] == 9.0
    assert row["POOLS"] == "infra (paused), master, worker"
    expired = pools.status.cert_frame(replace(demo, now=demo.now + timedelta(days=10)))
    assert expired["TIME LEFT"].iloc[0].startswith("expired ")


def test_demo_reasons(demo):
    reasons = pools.stuck.why_stuck(demo)
    assert [(r.pool, r.node, r.kind) for r in reasons] == [
        ("infra", "", "paused"),
        ("worker", "worker-1", "rebooting"),
        ("worker", "worker-2", "max-unavailable"),
    ]
    assert "maxUnavailable is 1" in reasons[2].why
    with pytest.raises(
        UsageError, match=r"pool 'nope' does not exist; this cluster's pools: infra, master, worker"
    ):
        pools.stuck.why_stuck(demo, pool="nope")
    later = replace(demo, now=demo.now + timedelta(minutes=30))
    long = [r for r in pools.stuck.why_stuck(later, pool="worker") if r.node == "worker-1"]
    assert [(r.kind, r.severity) for r in long] == [("notready-long", Severity.CRITICAL)]


def _draining(snap, name):
    def change(n):
        ann = n["metadata"]["annotations"]
        target = snap.pool("worker")["spec"]["configuration"]["name"]
        ann.update({MCO + "desiredConfig": target, MCO + "state": "Working",
                    MCO + "desiredDrain": f"drain-{target}"})  # fmt: skip
        n["spec"]["unschedulable"] = True

    return _with_node(snap, name, change)


def test_a_drain_held_by_a_pod_disruption_budget(demo):
    snap = replace(_draining(demo, "worker-2"), pods=Attempt(PODS), pdbs=Attempt(PDBS))
    reasons = [r for r in pools.stuck.why_stuck(snap, pool="worker") if r.node == "worker-2"]
    got = {(r.kind, r.objects[-1]) for r in reasons}
    assert got == {
        ("drain-blocked", "pod/demo-app/demo-app-6946f886c5-jpm48"),
        ("drain-blocked", "pod/cache/cache-0"),  # two budgets: the eviction API refuses it
        ("unmanaged-pod", "pod/demo-app/hand-made"),
    }
    held = next(r for r in reasons if "demo-app-6946" in r.why)
    assert held.severity == Severity.CRITICAL
    assert "PodDisruptionBudget demo-app allows 0 disruptions (1 healthy, 1 needed)" in held.why
    titles = [f.title for f in pools.stuck.pool_findings(snap, reasons)]
    assert "worker-2: drain blocked" in titles
    # without budgets, the reason says it cannot tell
    blind = replace(_draining(demo, "worker-2"), pdbs=Attempt(None, "not collected"))
    kinds = [r.kind for r in pools.stuck.why_stuck(blind, pool="worker") if r.node == "worker-2"]
    assert kinds == ["drain-unknown"]


def test_degraded_and_unreconcilable_reasons(demo):
    def degrade(n):
        n["metadata"]["annotations"].update({
            MCO + "state": "Unreconcilable",
            MCO + "reason": "detected change to FIPS flag; refusing to modify FIPS on a running cluster",
        })  # fmt: skip

    snap = _with_node(demo, "worker-2", degrade)
    r = next(r for r in pools.stuck.why_stuck(snap, pool="worker") if r.node == "worker-2")
    assert (r.kind, r.severity) == ("unreconcilable", Severity.CRITICAL)
    assert r.why.endswith("refusing to modify FIPS on a running cluster")
    assert "oc logs -n openshift-machine-config-operator" in r.next_step


@given(st.dictionaries(st.sampled_from(["type", "status", "lastTransitionTime", "message"]),
                       st.text(max_size=20), max_size=4))  # fmt: skip
def test_garbled_conditions_never_crash(cond):
    obj = {"metadata": {"name": "p"}, "spec": {"maxUnavailable": "x%"},
           "status": {"conditions": [cond], "certExpirys": [{"expiry": ""}]}}  # fmt: skip
    snap = pools.status.PoolSnapshot((obj,), (), Attempt([]), Attempt([]), NOW)
    pools.status.conditions_frame(snap)
    pools.status.spec_frame(snap)
    pools.status.cert_frame(snap)
    pools.stuck.why_stuck(snap)
