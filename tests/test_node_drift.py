"""node_os.drift and node_os.fleet: majority per architecture, outliers explained by the pool's state."""

from __future__ import annotations

import pytest

from rhcos_helpers.node_os.drift import drift, drift_frame, findings, majority_frame
from rhcos_helpers.node_os.fleet import collect, collection_frame, pool_for_node, selection_facts
from rhcos_helpers.sources import open_source
from rhcos_helpers.sources.base import Attempt
from tests.conftest import DATA
from tests.node_fleet_fakes import fake_fleet, node_obj, ok, pool

OLD = "Red Hat Enterprise Linux CoreOS 416.94.202409191851-0 (Plow)"
RPM = DATA / "commands" / "rpm_ostree_status"


def _three(outlier: dict[str, object], *, pools, os_images=None, outputs=None):
    objects = {
        "w0": node_obj("w0"),
        "w1": node_obj("w1"),
        "w2": node_obj("w2", os_image=OLD, kernel="5.14.0-427.37.1.el9_4.x86_64", **outlier),
    }
    return fake_fleet(
        outputs or {"w0": {}, "w1": {}, "w2": {}},
        objects=objects,
        pools=pools,
        os_images=os_images or {},
    )


def test_demo_416_infra_0_drift_is_explained_by_the_paused_pool():
    rows = {r.node: r for r in drift(collect(open_source("demo")))}
    infra = rows["infra-0"]
    assert infra.drifts == ("os_build", "kernel", "crio", "kubelet")
    assert infra.expected is True and "pool infra is paused" in infra.explanation
    assert infra.source.startswith("node (os-release, uname)")
    # worker-1 could not be read: compared through nodeInfo, and it matches the majority
    assert rows["worker-1"].drifts == () and rows["worker-1"].source.startswith("nodeInfo only")


def test_demo_43_compute_1_drift_is_explained_by_the_paused_worker_pool():
    fleet = collect(open_source("demo:4.3"))
    [row] = [r for r in drift(fleet) if r.drifts]
    assert (row.node, row.pool, row.expected) == ("compute-1", "worker", True)
    assert row.drifts == ("os_build", "kernel", "crio")  # the kubelet is v1.16.2 on both
    majority = {r["what"]: r for r in majority_frame(fleet).to_dict("records")}
    assert majority["OS build"]["majority"] == "43.81.202003052336.0"
    assert majority["OS build"]["nodes on it"] == "4/5"


def test_node_updating_to_another_os_image_is_expected():
    fleet = _three(
        {"current": "rendered-worker-old", "desired": "rendered-worker-new", "state": "Working"},
        pools=(pool(updating=True),),
        os_images={"rendered-worker-old": "q/os@sha256:1", "rendered-worker-new": "q/os@sha256:2"},
    )
    row = next(r for r in drift(fleet) if r.node == "w2")
    assert row.expected is True and "is updating (Working)" in row.explanation


def test_update_between_configs_with_the_same_os_image_does_not_explain_drift():
    fleet = _three(
        {"current": "rendered-worker-old", "desired": "rendered-worker-new"},
        pools=(pool(updating=True),),
        os_images={"rendered-worker-old": "q/os@sha256:1", "rendered-worker-new": "q/os@sha256:1"},
    )
    row = next(r for r in drift(fleet) if r.node == "w2")
    assert row.expected is False and "same OS image" in row.explanation


def test_waiting_its_turn_in_an_updating_pool_is_expected():
    fleet = _three(
        {"current": "rendered-worker-old"},
        pools=(pool(updating=True, target="rendered-worker-new"),),
    )
    row = next(r for r in drift(fleet) if r.node == "w2")
    assert row.expected is True and "waiting its turn" in row.explanation


def test_drift_on_the_target_config_is_unexpected_and_names_a_rollback():
    booted_second = (RPM / "rhcos-4.16-json.txt").read_text()
    # make the second deployment the booted one: a manual `rpm-ostree rollback` and reboot
    booted_second = booted_second.replace('"booted" : true', '"booted" : "x"', 1)
    booted_second = booted_second.replace('"booted" : false', '"booted" : true', 1)
    fleet = _three(
        {},
        pools=(pool(),),
        outputs={"w0": {}, "w1": {}, "w2": {"rpm_ostree_status": ok(booted_second, "json")}},
    )
    row = next(r for r in drift(fleet) if r.node == "w2")
    assert row.expected is False
    assert row.explanation.startswith("unexpected: pool worker is not updating")
    assert "booted deployment 1" in row.explanation
    [f] = [f for f in findings(fleet) if "drifts" in f.title]
    assert f.title.endswith(", unexpected") and f.severity.value == "warning"
    assert f.next_runbook == "50-pool-rollout"


def test_tie_goes_to_the_value_on_the_pool_target_config():
    objects = {
        "a": node_obj("a", current="rendered-worker-new"),
        "b": node_obj("b", os_image=OLD, current="rendered-worker-old"),
    }
    fleet = fake_fleet({"a": {}, "b": {}}, objects=objects, pools=(pool(paused=True),))
    assert [r.node for r in drift(fleet) if r.drifts] == ["b"]


def test_majority_is_per_architecture():
    objects = {
        "x0": node_obj("x0"),
        "x1": node_obj("x1"),
        "a0": node_obj("a0", arch="arm64", os_image=OLD, kernel="5.14.0-427.37.1.el9_4.aarch64"),
    }
    fleet = fake_fleet({n: {} for n in objects}, objects=objects, pools=(pool(),))
    assert all(not r.drifts for r in drift(fleet))
    frame = drift_frame(fleet)
    assert list(frame["arch"]) == ["amd64", "amd64", "arm64"]  # grouped by arch, then pool


def test_unknown_pools_say_so():
    fleet = _three({}, pools=(), outputs=None)
    fleet = fake_fleet(
        {"w0": {}, "w1": {}, "w2": {}},
        objects=fleet.objects,
        pools_reason="the capture holds no machineconfigpools",
    )
    row = next(r for r in drift(fleet) if r.node == "w2")
    assert row.pool == "(unknown)" and row.expected is None
    assert "holds no machineconfigpools" in row.explanation


def test_outlier_values_are_marked_in_the_frame():
    rec = next(
        r
        for r in drift_frame(collect(open_source("demo"))).to_dict("records")
        if r["node"] == "infra-0"
    )
    assert rec["OS build"] == "≠ 416.94.202409191851-0" and rec["expected"] == "yes"


def test_findings_of_an_unreadable_source():
    [f] = findings(Attempt(None, "this capture holds no Node objects"))
    assert f.title == "Node facts could not be read" and "no Node objects" in f.what


def test_pool_membership_custom_pool_wins_and_ambiguity_is_named():
    pools = (pool("worker"), pool("infra"), pool("gpu"))
    both = {"node-role.kubernetes.io/worker": "", "node-role.kubernetes.io/infra": ""}
    assert pool_for_node(both, pools) == "infra"
    both["node-role.kubernetes.io/gpu"] = ""
    assert pool_for_node(both, pools) == "ambiguous: gpu, infra"


def test_collection_lists_every_node_with_reasons():
    fleet = collect(open_source("demo"))
    rows = {r["node"]: r for r in collection_frame(fleet).to_dict("records")}
    assert len(rows) == 7
    assert rows["worker-1"]["status"] == "unreadable"
    assert "NotReady" in rows["worker-1"]["reason"]
    assert rows["infra-0"]["facts read"] == "10/10"


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"role": "master"}, ["master-0", "master-1", "master-2"]),
        ({"selector": "node-role.kubernetes.io/infra="}, ["infra-0"]),
        ({"nodes": "worker-2, worker-0"}, ["worker-0", "worker-2"]),
        ({"max_nodes": 2}, ["infra-0", "master-0"]),
    ],
)
def test_node_selection(kwargs, expected):
    fleet = collect(open_source("demo"), **kwargs)
    assert list(fleet.nodes) == expected
    if "max_nodes" in kwargs:
        assert "7 nodes match; reading the first 2" in selection_facts(fleet)["Notes"]


def test_unknown_node_name_is_a_marked_row():
    fleet = collect(open_source("demo"), nodes="nope")
    [row] = collection_frame(fleet).to_dict("records")
    assert row["status"] == "unreadable" and "no node 'nope'" in row["reason"]
