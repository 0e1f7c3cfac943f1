from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from rhcos_helpers import nodes
from rhcos_helpers.findings import Severity
from tests.conftest import load_api
from tests.fakes import FakeSource

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def worker(**changes: Any) -> dict[str, Any]:
    node = copy.deepcopy(load_api("node-worker-4.16")[0])
    for path, value in changes.items():
        target = node
        keys = path.split("__")
        for key in keys[:-1]:
            target = target.setdefault(key, {})
        target[keys[-1]] = value
    return node


def set_condition(node: dict[str, Any], type_: str, status: str, message: str = "") -> None:
    for cond in node["status"]["conditions"]:
        if cond["type"] == type_:
            cond["status"] = status
            cond["message"] = message


def test_row_has_the_wide_columns():
    row = nodes.node_row(worker(), now=NOW)
    assert row.status == "Ready"
    assert row.roles == "worker"
    assert row.age == "2y262d"  # kubectl switches to years after two
    assert row.internal_ip == "192.0.2.21"
    assert row.external_ip == "<none>"
    assert row.runtime == "cri-o://1.29.9-3.rhaos4.16.git1f7e3d4.el9"
    assert row.mco_state == "Done"
    frame = nodes.to_frame([row])
    assert list(frame.columns)[:10] == [
        "NAME", "STATUS", "ROLES", "AGE", "VERSION", "INTERNAL-IP", "EXTERNAL-IP",
        "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("ready", "unschedulable", "expected"),
    [
        ("True", False, "Ready"),
        ("False", False, "NotReady"),
        ("Unknown", False, "NotReady"),
        ("True", True, "Ready,SchedulingDisabled"),
        ("Unknown", True, "NotReady,SchedulingDisabled"),
    ],
)
def test_status_as_kubectl_prints_it(ready: str, unschedulable: bool, expected: str):
    node = worker(spec__unschedulable=unschedulable)
    set_condition(node, "Ready", ready)
    assert nodes.node_row(node, now=NOW).status == expected


def test_no_ready_condition_is_unknown():
    node = worker()
    node["status"]["conditions"] = []
    assert nodes.node_row(node, now=NOW).status == "Unknown"


def test_not_ready_without_update_is_critical():
    node = worker()
    set_condition(node, "Ready", "Unknown", "Kubelet stopped posting node status.")
    found = nodes.findings([nodes.node_row(node, now=NOW)])
    assert [(f.severity, f.title) for f in found] == [
        (Severity.CRITICAL, "Node worker-0 is NotReady")
    ]
    assert "Kubelet stopped posting node status." in found[0].what


def test_not_ready_while_rebooting_for_update_is_a_warning():
    node = worker(spec__unschedulable=True)
    node["metadata"]["annotations"]["machineconfiguration.openshift.io/state"] = "Working"
    set_condition(node, "Ready", "Unknown", "Kubelet stopped posting node status.")
    found = nodes.findings([nodes.node_row(node, now=NOW)])
    assert found[0].severity == Severity.WARNING
    assert found[0].next_runbook == "50-pool-rollout"


def test_pressure_degraded_and_ssh_are_found():
    node = worker()
    set_condition(node, "DiskPressure", "True")
    node["metadata"]["annotations"].update(
        {
            "machineconfiguration.openshift.io/state": "Degraded",
            "machineconfiguration.openshift.io/reason": 'content mismatch for file "/etc/chrony.conf"',
            "machineconfiguration.openshift.io/ssh": "accessed",
        }
    )
    titles = [f.title for f in nodes.findings([nodes.node_row(node, now=NOW)])]
    assert titles == [
        "Node worker-0 reports DiskPressure",
        "Node worker-0: machine-config state Degraded",
        "Node worker-0 was accessed over SSH",
    ]


def test_list_nodes_sorted_and_filtered_by_selector():
    master = worker()
    master["metadata"]["name"] = "master-0"
    master["metadata"]["labels"] = {"node-role.kubernetes.io/master": ""}
    source = FakeSource({"nodes": [worker(), master]})
    assert [r.name for r in nodes.list_nodes(source)] == ["master-0", "worker-0"]
    selected = nodes.list_nodes(source, label_selector="node-role.kubernetes.io/worker=")
    assert [r.name for r in selected] == ["worker-0"]
