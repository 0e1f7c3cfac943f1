"""Single-node, compact and hosted-control-plane clusters in the MachineConfig and pool modules.

Fixtures: tests/data/topologies/{sno,compact,hosted}-4.16 (tests/data/topologies/make_topologies.py
says what each holds and where its formats come from). The rollout watch runs against the API
simulator serving the single-node capture, whose API goes away while the node reboots.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from rhcos_helpers import cluster, pools
from rhcos_helpers.errors import NotApplicable
from rhcos_helpers.findings import Severity
from rhcos_helpers.machineconfigs import runbook
from rhcos_helpers.machineconfigs.parse import read_machineconfigs
from rhcos_helpers.machineconfigs.render import empty_pool_note, reach_findings
from rhcos_helpers.sources import open_source
from rhcos_helpers.sources.base import attempt
from rhcos_helpers.sources.live import LiveSource
from tests.simulator.server import Simulator
from tests.simulator.timeline import RolloutScript

TOPOLOGIES = Path(__file__).parent / "data" / "topologies"
SNO, COMPACT, HOSTED = (TOPOLOGIES / f"{n}-4.16" for n in ("sno", "compact", "hosted"))
MASTER_NEW = "rendered-master-c92c7c218aa8484a8abb93aaf5a2c32b"


@pytest.mark.parametrize(
    ("path", "kind", "cp"),
    [(SNO, "single-node", "SingleReplica"), (COMPACT, "compact", "HighlyAvailable"),
     (HOSTED, "hosted control plane", "External")],
)  # fmt: skip
def test_the_fixtures_are_what_they_claim(path, kind, cp):
    src = open_source(str(path))
    assert cluster.topology(src).kind == kind
    assert cluster.control_plane_topology(src) == cp
    assert (cluster.mco_not_applicable(src) is None) == (cp != "External")


def test_the_pool_counts_of_the_fixtures_agree_with_their_nodes():
    for path in (SNO, COMPACT):
        frame = pools.status.counts_frame(pools.status.collect(open_source(str(path))))
        assert frame["AGREE"].all(), frame[~frame["AGREE"]]


# ------------------------------------------------------------------------------ hosted


def test_hosted_control_plane_is_not_applicable_with_the_reason_first():
    src = open_source(str(HOSTED))
    with pytest.raises(NotApplicable) as mcs:
        read_machineconfigs(src)
    with pytest.raises(NotApplicable) as mcps:
        pools.status.collect(src)
    for err in (mcs, mcps):
        text = str(err.value)
        assert text.startswith("not applicable: this is a hosted control plane")
        assert "controlPlaneTopology=External" in text and "NodePool" in text
    snap = attempt(pools.status.collect, src)
    (finding,) = pools.stuck.runbook_findings(snap, pools.stuck.for_runbook(snap, pool="worker"))
    assert finding.title.startswith("Not applicable: a hosted control plane")
    assert finding.severity == Severity.INFO


def test_hosted_runbook_40_says_why_in_every_section():
    rb = runbook.collect(
        open_source(str(HOSTED)),
        author=runbook.AuthorInput(name="50-worker-x", file_path="/etc/x", file_content="x"),
    )
    for part in (runbook.mc_table(rb), runbook.files_table(rb), runbook.composition_table(rb),
                 runbook.render_check_table(rb), runbook.diff_table(rb), runbook.impact_table(rb),
                 runbook.author_yaml(rb), runbook.author_facts(rb)):  # fmt: skip
        assert part.value is None and part.reason == cluster.HOSTED_REASON
    assert [f.title for f in runbook.findings(rb)] == [
        "Not applicable: a hosted control plane has no MachineConfigs or pools"
    ]


# ------------------------------------------------------------------------------ compact


def test_compact_worker_machineconfigs_reach_no_node():
    src = open_source(str(COMPACT))
    mcs = read_machineconfigs(src)
    found = reach_findings(mcs, src.list("machineconfigpools"))
    assert [f.title for f in found] == ["MachineConfig 50-worker-chrony reaches no node"]
    assert "Only pool(s) worker select it" in found[0].what and "role master" in found[0].what
    assert "compact cluster" in found[0].what
    rb = runbook.collect(src, author=runbook.AuthorInput(
        name="60-worker-x", role="worker", file_path="/etc/x", file_content="x\n"))  # fmt: skip
    facts = runbook.author_facts(rb).value
    assert facts is not None and facts["Note"].startswith("pool worker has no nodes")
    assert "MachineConfig 50-worker-chrony reaches no node" in [
        f.title for f in runbook.findings(rb)
    ]


def test_compact_worker_pool_is_said_to_be_empty_not_healthy():
    snap = attempt(pools.status.collect, open_source(str(COMPACT)))
    reasons = pools.stuck.for_runbook(snap, pool="worker").value
    assert reasons is not None
    (r,) = reasons
    assert (r.kind, r.node) == ("no-nodes", "")
    assert "all 3 node(s) of this cluster are in pool(s) master" in r.why
    assert r.next_step.startswith("Set POOL=master")
    titles = [f.title for f in pools.stuck.runbook_findings(snap, pools.stuck.for_runbook(
        snap, pool="worker"))]  # fmt: skip
    assert "Pool worker has no nodes" in titles
    res = pools.rollout.snapshot_timeline(snap.value, pool="worker")
    assert res.outcome == "no nodes" and "set POOL=master to follow them" in res.message
    assert pools.stuck.why_stuck(snap.value, pool="master") == []


def test_empty_pool_note_only_for_empty_pools():
    assert empty_pool_note({"metadata": {"name": "w"}, "status": {"machineCount": 2}}) == ""
    assert empty_pool_note({"metadata": {"name": "w"}}) == ""  # not reported yet: unknown
    note = empty_pool_note({"metadata": {"name": "w"}, "status": {"machineCount": 0}})
    assert note.startswith("pool w has no nodes") and "compact" in note


# ------------------------------------------------------------------------------ single node


def test_unpausing_a_single_node_pool_predicts_no_drain():
    src = open_source(str(SNO))
    plan = pools.pause.plan_pause(src, pools.status.collect(src), pool="master", action="unpause")
    assert plan.impact is not None and plan.impact.single_node
    assert plan.impact.action == "reboot" and not plan.impact.drain
    assert all("single-node: not drained" in i.reason for i in plan.impact.items)
    assert any("single node without a drain" in w for w in plan.warnings)
    assert not any("each drained" in w for w in plan.warnings)


def test_single_node_is_never_drained():
    src = open_source(str(SNO))
    snap = pools.status.collect(src)
    assert snap.single_node and snap.control_plane_topology == "SingleReplica"
    reasons = pools.stuck.why_stuck(snap, pool="master")
    # the PodDisruptionBudget allowing no disruption holds nothing: no drain on a single node
    assert [(r.node, r.kind) for r in reasons] == [("sno-0", "pending")]
    assert "API is unavailable until it is back" in reasons[0].why
    titles = [f.title for f in pools.stuck.pool_findings(snap, reasons)]
    assert "Single-node rollout: the API goes away while sno-0 reboots" in titles
    assert not any("drain" in t for t in titles)
    # on a highly available cluster the same budget would hold the drain
    ha = pools.status.PoolSnapshot(
        snap.pools, tuple(_ha(n) for n in snap.nodes), snap.pods, snap.pdbs, snap.now
    )
    kinds = {r.kind for r in pools.stuck.why_stuck(ha, pool="master")}
    assert "drain-will-block" in kinds


def _ha(node):
    import copy

    node = copy.deepcopy(node)
    node["metadata"]["annotations"]["machineconfiguration.openshift.io/controlPlaneTopology"] = (
        "HighlyAvailable"
    )
    return node


def test_single_node_prediction_in_runbook_40():
    rb = runbook.collect(open_source(str(SNO)), pool="master")
    facts = runbook.diff_facts(rb).value
    assert facts is not None
    assert facts["To"] == MASTER_NEW and facts["Drain"] is False
    assert "single-node: never drained" in str(facts["Rules"])
    assert "the API and every workload are down" in str(facts["What happens"])
    worker = runbook.collect(open_source(str(SNO)), pool="worker", author=runbook.AuthorInput(
        name="60-worker-x", role="worker", file_path="/etc/x", file_content="x\n"))  # fmt: skip
    note = (runbook.author_facts(worker).value or {})["Note"]
    assert "single-node cluster's one node is in pool master" in str(note)


# ------------------------------------------------------------------------------ the watch


@pytest.fixture
def sno_sim(sno_simulator):
    return sno_simulator


@pytest.fixture
def sno_src(sno_sim, tmp_path):
    kc = sno_sim.write_kubeconfig(tmp_path / "kc")
    source = LiveSource.from_kubeconfig(context=None, spec="kube", config_file=str(kc))
    yield source
    source.close()


def test_single_node_watch_reports_the_lost_api_reconnects_and_completes(sno_sim, sno_src):
    sno_sim.timeline.start(RolloutScript(pool="master", trigger="watch", single_node=True,
                                         api_outage_s=1.0))  # fmt: skip
    res = pools.rollout.watch_rollout(sno_src, pool="master", timeout_s=60, request_timeout_s=2)
    assert sno_sim.timeline.finished.wait(30) and sno_sim.timeline.outages == 1
    assert res.outcome == "completed", res.message
    assert res.message == f"pool master: all 1 node(s) run {MASTER_NEW}"
    api = [(t.old, t.new) for t in res.transitions if t.object == "api"]
    assert len(api) == 2
    assert api[0][0] == "True" and api[0][1].startswith("False (")
    assert api[1][0] == "False" and api[1][1].startswith("True (after ")
    (lost, back), = res.api_outages  # fmt: skip
    assert back is not None and lost <= back
    node = [(t.field, t.new) for t in res.transitions if t.object == "node/sno-0"]
    assert ("currentConfig", MASTER_NEW) in node and ("state", "Done") in node
    assert ("SchedulingDisabled", "True") not in node  # a single node is never cordoned
    summary = pools.rollout.summary(res)
    assert summary["Outcome"] == "completed" and summary["API outages"].endswith(" s)")
    # the API was gone: the watch listed again after it came back
    lists = [r for r in sno_sim.requests_to("/api/v1/nodes") if not r.param("watch")]
    assert len(lists) >= 2


def test_a_watch_that_ends_while_the_api_is_gone_says_so_and_is_not_a_failure(sno_sim, sno_src):
    sno_sim.timeline.start(RolloutScript(pool="master", trigger="watch", single_node=True,
                                         api_outage_s=6.0))  # fmt: skip
    res = pools.rollout.watch_rollout(sno_src, pool="master", timeout_s=2.5, request_timeout_s=2)
    assert sno_sim.timeline.finished.wait(30)
    assert res.outcome == "timeout"
    assert "with the API unreachable since" in res.message and "the rollout goes on" in res.message
    (_, back), = res.api_outages  # fmt: skip
    assert back is None
    assert "still unreachable at the end" in pools.rollout.summary(res)["API outages"]


def test_watching_an_empty_pool_says_there_is_nothing_to_follow(sno_sim, sno_src):
    res = pools.rollout.watch_rollout(sno_src, pool="worker", timeout_s=5, request_timeout_s=2)
    assert res.outcome == "no nodes" and res.transitions == ()
    assert res.message.startswith("pool worker has no nodes, nothing to follow")
    assert "set POOL=master to follow them" in res.message
    assert not sno_sim.requests_to("/api/v1/nodes") or all(
        r.param("watch") != ["true"] for r in sno_sim.requests_to("/api/v1/nodes")
    )


# ------------------------------------------------------------------------------ API errors


def test_an_api_server_restarting_is_an_outage_not_a_failure(tmp_path):
    """503s (the API server of a single node coming back) on the first list and on a watch."""
    with Simulator() as sim:  # the 4.16 demo, rollout of the worker pool
        kc = sim.write_kubeconfig(tmp_path / "kc")
        src = LiveSource.from_kubeconfig(context=None, spec="kube", config_file=str(kc))
        sim.faults.fail_once.append(("/api/v1/nodes", 503))  # the first list
        sim.timeline.start(RolloutScript(trigger="watch", step_s=0.2, reboot_s=0.4))

        def fail_the_next_watch() -> None:
            while not any(r.param("watch") == ["true"] for r in sim.requests_to("/api/v1/nodes")):
                sim.timeline.finished.wait(0.05)
            sim.faults.fail_once.append(("/api/v1/nodes", 503))

        threading.Thread(target=fail_the_next_watch, daemon=True).start()
        res = pools.rollout.watch_rollout(src, pool="worker", timeout_s=60, request_timeout_s=1)
        src.close()
        assert sim.timeline.finished.wait(30)
        calls = [bool(r.param("watch")) for r in sim.requests_to("/api/v1/nodes")]
    assert calls[:2] == [False, False]  # the first list got a 503 and was sent again
    assert res.outcome == "completed", res.message
    api = [(t.old, t.new) for t in res.transitions if t.object == "api"]
    assert [old for old, _ in api] == ["True", "False"]
    assert "503" in api[0][1] and api[1][1].startswith("True (after ")


def test_topology_unknown_when_the_infrastructure_cannot_be_read():
    from rhcos_helpers.errors import ClusterAccessError
    from tests.fakes import FakeSource

    class NoInfra(FakeSource):
        def get(self, resource, name, *, namespace=None):
            if resource == "infrastructures":
                raise ClusterAccessError("forbidden", status=403)
            return super().get(resource, name, namespace=namespace)

    assert cluster.control_plane_topology(NoInfra({})) == ""
    assert cluster.mco_not_applicable(NoInfra({})) is None
    assert cluster.control_plane_topology(open_source("demo:4.3")) == ""  # 4.3: not reported


@pytest.mark.parametrize("name", ["compact", "hosted"])
def test_live_compact_and_hosted_say_what_the_captures_say(name, request, tmp_path):
    sim = request.getfixturevalue(f"{name}_simulator")
    kc = sim.write_kubeconfig(tmp_path / "kc")
    src = LiveSource.from_kubeconfig(context=None, spec="kube", config_file=str(kc))
    try:
        snap = attempt(pools.status.collect, src)
        stuck = pools.stuck.for_runbook(snap, pool="worker")
        titles = [f.title for f in runbook.findings(runbook.collect(src))]
    finally:
        src.close()
    if name == "hosted":
        assert snap.reason == cluster.HOSTED_REASON and stuck.reason == cluster.HOSTED_REASON
        assert titles == ["Not applicable: a hosted control plane has no MachineConfigs or pools"]
    else:
        assert [r.kind for r in stuck.value or []] == ["no-nodes"]
        assert titles == ["MachineConfig 50-worker-chrony reaches no node"]
