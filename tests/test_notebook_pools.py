"""Runbook 50-pool-rollout executed for real (papermill) on both demos and live on the simulator."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from rhcos_helpers.report.runner import run_runbooks
from tests.simulator.server import Simulator
from tests.simulator.timeline import RolloutScript

pytestmark = pytest.mark.notebooks


def _run(tmp: Path, spec: str, **params: str) -> dict[str, Any]:
    run = run_runbooks(["50-pool-rollout"], source=spec, parameters=params, out_dir=tmp)
    assert [r.status for r in run.results] == ["ok"], run.results
    return json.loads((tmp / "summary.json").read_text())["runbooks"]["50-pool-rollout"]


@pytest.fixture(scope="module", params=["demo", "demo:4.3"])
def summary(request, tmp_path_factory):
    return request.param, _run(tmp_path_factory.mktemp("pools"), request.param, ACTION="unpause")


def test_demo_tables_and_findings(summary):
    spec, rb = summary
    t = rb["tables"]
    titles = [f["title"] for f in rb["findings"]]
    nodes = {r["NODE"]: r for r in t["pool_nodes"]}
    assert all(r["AGREE"] for r in t["pool_counts"])
    assert t["rollout"]["Outcome"] == "snapshot"
    assert t["rollout"]["Why"].startswith("no watch: a demo holds one moment")
    plan = {r["FIELD"]: r["VALUE"] for r in t["pause_plan"]}
    assert (
        plan["oc equivalent"] == 'oc patch mcp/worker --type merge -p \'{"spec":{"paused":false}}\''
    )
    if spec == "demo":
        assert nodes["infra-0"]["POOL"] == "infra"  # custom pool wins over worker
        assert nodes["worker-1"]["STATUS"] == "NotReady,SchedulingDisabled"
        kinds = {(r["NODE"], r["KIND"]) for r in t["stuck"]}
        assert kinds == {("worker-1", "rebooting"), ("worker-2", "max-unavailable")}
        assert plan["Change"].startswith("none: the pool is already unpaused")
        assert t["pause_result"][0]["RESULT"] == "nothing to do: pool worker is already unpaused"
        assert {r["SUBJECT"] for r in t["cert_expiries"]} >= {"CN=kubelet-signer,OU=openshift"}
        assert any(x.startswith("Kubelet CA certificates expire soon") for x in titles)
        assert "Pool infra is paused" in titles
        assert {r["OBJECT"] for r in t["timeline"]} >= {"node/worker-1", "machineconfigpool/worker"}
    else:
        assert [r["KIND"] for r in t["stuck"]] == ["paused"]
        assert t["pause_result"][0]["RESULT"].endswith("(demo source: no server-side dry run)")
        assert plan["Pending: compute-1"].endswith(
            "-> rendered-worker-5109aac45ee18a5b942c38a7bb060f95"
        )
        assert "Pool worker is paused" in titles
        assert t["cert_expiries"] == []
        assert t["pause_impact"][0]["ACTION"] == "reboot"  # 4.3: every change drains and reboots


def test_unknown_pool_is_named_and_the_rest_renders(tmp_path):
    rb = _run(tmp_path, "demo", POOL="nope", ACTION="pause", APPLY="true")
    assert rb["tables"]["stuck"]["not_available"].startswith("pool 'nope' does not exist")
    assert "machineconfigpools" in rb["tables"] and len(rb["tables"]["machineconfigpools"]) == 3


def test_live_watch_reaches_completion_on_the_simulator(tmp_path, monkeypatch):
    with Simulator() as sim:
        kc = sim.write_kubeconfig(tmp_path / "kc")
        monkeypatch.setenv("KUBECONFIG", str(kc))
        sim.timeline.start(RolloutScript(trigger="watch", step_s=0.3, reboot_s=0.6))
        rb = _run(tmp_path / "out", "kube", WATCH="true", WATCH_TIMEOUT_S="60", ACTION="pause")
        assert sim.timeline.finished.wait(60)
        patches = sim.requests_to("/apis/machineconfiguration.openshift.io/v1/machineconfigpools/*")
        assert [r.param("dryRun") for r in patches if r.method == "PATCH"] == [["All"]]
    t = rb["tables"]
    assert t["rollout"]["Outcome"] == "completed", t["rollout"]
    w2 = [(r["FIELD"], r["TO"]) for r in t["timeline"] if r["OBJECT"] == "node/worker-2"]
    assert [f for f, _ in w2][:4] == ["desiredConfig", "state", "SchedulingDisabled", "Ready"]
    # the watch stops once the pool reports completion; the uncordon may land just after it
    assert ("currentConfig", "rendered-worker-f7657e01dc6be7a1a39bf960924afe88") in w2
    assert t["pause_result"][0]["RESULT"].startswith("server-side dry run accepted")
    assert t["pause_result"][-1]["RESULT"].startswith("dry run: APPLY is False")
    assert threading.active_count() < 50
