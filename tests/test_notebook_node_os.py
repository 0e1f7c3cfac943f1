"""Runbook 10-node-os executed for real (papermill, the runner) on both demos and a capture."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rhcos_helpers.report.runner import run_runbooks
from tests.test_capture import MASTER_MID, WORKER, build_mg, build_sos

pytestmark = pytest.mark.notebooks

RUNBOOK = "10-node-os"


def _run(source: str, out: Path) -> dict[str, Any]:
    run = run_runbooks([RUNBOOK], source=source, parameters={}, out_dir=out)
    assert [(r.name, r.status) for r in run.results] == [(RUNBOOK, "ok")]
    html = (out / f"{RUNBOOK}.html").read_text()
    assert "Traceback" not in html
    return json.loads((out / "summary.json").read_text())["runbooks"][RUNBOOK]


@pytest.fixture(scope="module")
def demo_416(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _run("demo", tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def demo_43(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _run("demo:4.3", tmp_path_factory.mktemp("demo43"))


def test_demo_416_drift_of_infra_0_explained_by_the_paused_pool(demo_416):
    drift = {r["node"]: r for r in demo_416["tables"]["drift"]}
    infra = drift["infra-0"]
    assert infra["pool"] == "infra" and infra["expected"] == "yes"
    assert infra["OS build"] == "≠ 416.94.202409191851-0"
    assert "pool infra is paused" in infra["explanation"]
    assert [n for n, r in drift.items() if r["drifts"]] == ["infra-0"]
    [f] = [f for f in demo_416["findings"] if "drifts" in f["title"]]
    assert f["title"].startswith("Node infra-0 drifts from the amd64 majority")
    assert f["next_runbook"] == "50-pool-rollout"


def test_demo_416_worker_1_is_a_marked_row_everywhere(demo_416):
    tables = demo_416["tables"]
    collection = {r["node"]: r for r in tables["collection"]}
    assert collection["worker-1"]["status"] == "unreadable"
    assert "NotReady" in collection["worker-1"]["reason"]
    for name in ("os", "deployments", "kernel", "accounts", "sudo", "chrony"):
        rows = [r for r in tables[name] if r["node"] == "worker-1"]
        assert rows, f"worker-1 dropped from {name}"
        assert "NotReady" in rows[0]["node output"], name
    drift = {r["node"]: r for r in tables["drift"]}
    assert drift["worker-1"]["values from"].startswith("nodeInfo only")
    assert any(f["title"] == "1 node(s) could not be read: worker-1" for f in demo_416["findings"])


def test_demo_416_sections(demo_416):
    tables = demo_416["tables"]
    os_rows = {r["node"]: r for r in tables["os"]}
    assert os_rows["master-0"]["CoreOS (MCO rule)"] == "yes (RHCOS)"
    assert os_rows["master-0"]["osImage = PRETTY_NAME"] == "yes"
    roles = {(r["node"], r["role"]) for r in tables["deployments"]}
    assert {("infra-0", "booted"), ("infra-0", "rollback")} <= roles
    assert {r["node"] for r in tables["accounts"]} >= {"infra-0", "worker-1"}
    journal = {(r["node"], r["unit"]): r for r in tables["journal"]}
    assert journal[("worker-2", "kubelet")]["OOM"] == 1
    assert (
        tables["selection"]["Machine config pools"] == "infra (paused), master, worker (updating)"
    )


def test_demo_43_compute_1_drift_explained_by_the_paused_worker_pool(demo_43):
    drift = {r["node"]: r for r in demo_43["tables"]["drift"]}
    assert [n for n, r in drift.items() if r["drifts"]] == ["compute-1"]
    c1 = drift["compute-1"]
    assert (c1["pool"], c1["expected"], c1["drifts"]) == (
        "worker",
        "yes",
        "OS build, kernel, CRI-O",
    )
    assert "pool worker is paused" in c1["explanation"]
    deployments = [r for r in demo_43["tables"]["deployments"] if r["node"] == "compute-1"]
    assert deployments[0]["image"].startswith("pivot://")


def test_capture_without_node_commands_uses_node_info(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    case = tmp_path / "case"
    case.mkdir()
    build_mg(case, "local")
    build_sos(case, "worker-0", machine_id=None, hostname=WORKER)
    build_sos(case, "master-0", machine_id=MASTER_MID, hostname=None)
    rb = _run(str(case), tmp_path / "out")
    tables = rb["tables"]
    assert sorted(r["node"] for r in tables["collection"]) == [
        "master-0.example.com", "worker-0.example.com",
    ]  # fmt: skip
    assert {r["status"] for r in tables["collection"]} == {"partial"}
    drift = {r["node"]: r for r in tables["drift"]}
    assert (
        drift["worker-0.example.com"]["values from"] == "node (os-release); the rest from nodeInfo"
    )
    deployments = {r["node"]: r for r in tables["deployments"]}
    assert "rpm-ostree_status_-v" in deployments["worker-0.example.com"]["node output"]
