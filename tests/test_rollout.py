"""Rollout watch against the simulator's scripted timeline (official client over HTTP), and
pause/unpause: dry runs, applying, refusals."""

from __future__ import annotations

import threading
import time

import pytest

from rhcos_helpers import pools
from rhcos_helpers.errors import UsageError
from rhcos_helpers.safety import SCHEDULED_ENV
from rhcos_helpers.sources import open_source
from rhcos_helpers.sources.live import LiveSource
from tests.simulator.server import Simulator
from tests.simulator.timeline import RolloutScript

MCP_PATH = "/apis/machineconfiguration.openshift.io/v1/machineconfigpools"
TARGET = "rendered-worker-f7657e01dc6be7a1a39bf960924afe88"


@pytest.fixture
def sim(tmp_path):
    with Simulator() as server:
        yield server


@pytest.fixture
def src(sim, tmp_path):
    source = LiveSource.from_kubeconfig(
        context=None, spec="kube", config_file=str(sim.write_kubeconfig(tmp_path / "kc"))
    )
    yield source
    source.close()


def _fields(res, obj):
    return [(t.field, t.new) for t in res.transitions if t.object == obj]


def test_watch_records_transitions_in_order_and_stops_on_completion(sim, src):
    sim.timeline.start(RolloutScript(trigger="watch"))
    res = pools.rollout.watch_rollout(src, pool="worker", timeout_s=30, request_timeout_s=2)
    assert res.outcome == "completed", res.message
    assert res.message == f"pool worker: all 3 node(s) run {TARGET}"
    # worker-1 was caught rebooting: it comes back, then worker-2 goes through every step
    assert _fields(res, "node/worker-1")[:3] == [
        ("Ready", "True"), ("state", "Done"), ("currentConfig", TARGET),
    ]  # fmt: skip
    assert _fields(res, "node/worker-2") == [
        ("desiredConfig", TARGET), ("state", "Working"), ("SchedulingDisabled", "True"),
        ("Ready", "Unknown"), ("Ready", "True"), ("state", "Done"), ("currentConfig", TARGET),
        ("SchedulingDisabled", "False"),
    ]  # fmt: skip
    assert _fields(res, "machineconfigpool/worker")[-2:] == [
        ("Updated", "True"),
        ("Updating", "False"),
    ]
    times = [t.time for t in res.transitions]
    assert times == sorted(times)
    # the watches started from the lists' resourceVersion
    lists = [r for r in sim.requests_to("/api/v1/nodes") if not r.param("watch")]
    watches = [r for r in sim.requests_to("/api/v1/nodes") if r.param("watch") == ["true"]]
    assert lists and watches and watches[0].param("resourceVersion")[0].isdigit()
    phases = [s.phase for s in res.spans if s.node == "worker-2"]
    assert phases == ["Pending", "Working", "NotReady", "Working", "Cordoned", "Updated"]
    frame = pools.rollout.timeline_frame(res)
    assert list(frame.columns) == ["TIME", "ELAPSED", "OBJECT", "FIELD", "FROM", "TO"]
    fig = pools.rollout.plot_timeline(res)
    assert fig is not None and [t.get_text() for t in fig.axes[0].get_yticklabels()] == [
        "worker-0", "worker-1", "worker-2",
    ]  # fmt: skip


def test_410_gone_lists_again_and_the_watch_goes_on(sim, src):
    sim.timeline.start(RolloutScript(trigger="watch", step_s=0.15, reboot_s=0.3))

    def compact_soon():
        time.sleep(0.6)
        sim.timeline.compact()

    threading.Thread(target=compact_soon, daemon=True).start()
    res = pools.rollout.watch_rollout(src, pool="worker", timeout_s=30, request_timeout_s=2)
    assert res.outcome == "completed", res.message
    assert res.relists >= 1
    assert ("SchedulingDisabled", "False") in _fields(res, "node/worker-2")


def test_timeout_and_degraded(sim, src):
    res = pools.rollout.watch_rollout(src, pool="worker", timeout_s=1, request_timeout_s=1)
    assert (res.outcome, res.transitions) == ("timeout", ())
    assert res.message == "gave up after 1 s; the rollout goes on"
    sim.timeline.start(RolloutScript(trigger="watch", degrade={"worker-2": "failed to drain"}))
    res = pools.rollout.watch_rollout(src, pool="worker", timeout_s=30, request_timeout_s=2)
    assert res.outcome == "degraded"
    # from the node's annotations, or the pool's condition when its event came first
    assert "worker-2" in res.message and "failed to drain" in res.message
    with pytest.raises(UsageError, match="pool 'nope' does not exist"):
        pools.rollout.watch_rollout(src, pool="nope", timeout_s=1)


def test_no_watch_on_a_demo():
    res = pools.rollout.watch_rollout(open_source("demo:4.3"), pool="worker", timeout_s=1)
    assert res.outcome == "snapshot" and res.message.startswith("no watch: a demo")


def _patches(sim):
    return [r for r in sim.requests_to(f"{MCP_PATH}/*") if r.method == "PATCH"]


def test_pause_dry_run_sends_dry_run_all_only(sim, src):
    plan = pools.pause.plan_pause(src, pools.status.collect(src), pool="worker", action="pause")
    assert plan.changes and plan.patch == {"spec": {"paused": True}}
    assert any("kubelet CA" in w for w in plan.warnings)
    assert any("worker-1" in w and "finish" in w for w in plan.warnings)
    out = pools.pause.apply_pause(src, plan)
    assert list(out["RESULT"]) == [
        "server-side dry run accepted: spec.paused would be true",
        "dry run: APPLY is False, nothing was sent to the cluster",
    ]
    assert [r.param("dryRun") for r in _patches(sim)] == [["All"]]
    assert src.get("machineconfigpools", "worker")["spec"]["paused"] is False


def test_apply_patches_then_unpause_shows_what_lands(sim, src):
    plan = pools.pause.plan_pause(src, pools.status.collect(src), pool="worker", action="pause")
    out = pools.pause.apply_pause(src, plan, apply=True)
    assert list(out["RESULT"])[-1] == "patched: spec.paused is now true"
    assert [r.param("dryRun") for r in _patches(sim)] == [["All"], []]
    assert src.get("machineconfigpools", "worker")["spec"]["paused"] is True
    unpause = pools.pause.plan_pause(
        src, pools.status.collect(src), pool="worker", action="unpause"
    )
    assert [n for n, _, _ in unpause.pending] == ["worker-1", "worker-2"]
    assert unpause.impact is not None and unpause.impact.action == "reboot"
    assert any(
        w.startswith("Every queued change lands at once: 2 node(s)") for w in unpause.warnings
    )


def test_refusals(sim, src, monkeypatch):
    monkeypatch.setenv(SCHEDULED_ENV, "1")
    plan = pools.pause.plan_pause(src, pools.status.collect(src), pool="worker", action="pause")
    out = pools.pause.apply_pause(src, plan, apply=True)
    assert list(out["RESULT"])[-1].startswith("APPLY refused in a scheduled run")
    assert _patches(sim) == []  # a scheduled run's rights are read-only: not even a dry run
    dry = pools.pause.apply_pause(src, plan, apply=False)
    assert list(dry["RESULT"]) == [
        "dry run: a scheduled run sends nothing (no server-side dry run)"
    ]
    assert _patches(sim) == []
    demo = open_source("demo:4.3")
    demo_plan = pools.pause.plan_pause(
        demo, pools.status.collect(demo), pool="worker", action="unpause"
    )
    assert list(pools.pause.apply_pause(demo, demo_plan, apply=True)["RESULT"]) == [
        "APPLY refused: the demo source 'demo:4.3' is read-only; nothing was changed "
        "(run against a live cluster: --source kube)"
    ]
    with pytest.raises(UsageError, match="ACTION must be"):
        pools.pause.plan_pause(demo, pools.status.collect(demo), pool="worker", action="drain")
