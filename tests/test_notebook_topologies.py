"""Runbooks 40 and 50 executed for real (papermill through the runner) on single-node, compact
and hosted-control-plane clusters: from captures (tests/data/topologies/*-4.16) and live against
the API simulator serving them, a single node's rollout followed through the loss of its API."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import pytest

from rhcos_helpers.cluster import HOSTED_REASON
from rhcos_helpers.report.runner import run_runbooks
from tests.simulator.server import Simulator, iter_kinds
from tests.simulator.timeline import RolloutScript

pytestmark = pytest.mark.notebooks

TOPOLOGIES = Path(__file__).parent / "data" / "topologies"
SNO, COMPACT, HOSTED = (TOPOLOGIES / f"{n}-4.16" for n in ("sno", "compact", "hosted"))
BOTH = ["40-machineconfigs", "50-pool-rollout"]
MASTER_NEW = "rendered-master-c92c7c218aa8484a8abb93aaf5a2c32b"
#: the tables of MachineConfigs and pools (not Tuned or DaemonSets, which a hosted guest has)
MCO_TABLES = {
    "40-machineconfigs": ["machineconfigs", "mc_generators", "mc_files", "mc_units", "mc_kernel",
                          "rendered_composition", "render_check", "config_diff", "reboot_impact",
                          "authored_machineconfig", "authoring_impact", "create_plan",
                          "day1_machineconfigs"],
    "50-pool-rollout": ["machineconfigpools", "pool_spec", "pool_conditions", "pool_counts",
                        "pool_nodes", "stuck", "cert_expiries", "timeline"],
}  # fmt: skip


class Report:
    """One run's summary.json and HTML pages."""

    def __init__(self, out: Path, names: list[str]) -> None:
        summary = json.loads((out / "summary.json").read_text())
        self.runbooks: dict[str, Any] = summary["runbooks"]
        self.html = {n: html.unescape((out / f"{n}.html").read_text()) for n in names}

    def tables(self, name: str) -> dict[str, Any]:
        return dict(self.runbooks[name]["tables"])

    def titles(self, name: str) -> list[str]:
        return [f["title"] for f in self.runbooks[name]["findings"]]


def _run(source: str, out: Path, names: list[str] = BOTH, **params: Any) -> Report:
    run = run_runbooks(names, source=source, parameters=params, out_dir=out)
    assert [(r.name, r.status, r.error) for r in run.results] == [(n, "ok", None) for n in names]
    report = Report(out, names)
    for name in names:
        assert "Traceback" not in report.html[name]
    return report


def _assert_hosted(report: Report) -> None:
    for name, tables in MCO_TABLES.items():
        t = report.tables(name)
        for table in tables:
            assert t[table] == {"not_available": HOSTED_REASON}, (name, table)
        # nothing that looks empty and healthy: every table either has rows or says why not
        assert all(v != [] for v in t.values()), [k for k, v in t.items() if v == []]
        assert report.titles(name)[0] == (
            "Not applicable: a hosted control plane has no MachineConfigs or pools"
        )
        assert "Nothing needs attention" not in report.html[name]
    page = report.html["50-pool-rollout"]
    assert "rollout: not available. not applicable: this is a hosted control plane" in page
    assert "Every node of the pool runs its target config" not in page
    assert "Each node's phase over time: not available. not applicable: this is a hosted" in page
    assert "No node of the pool to draw." not in page


# ------------------------------------------------------------------------------ captures


def test_hosted_control_plane_capture(tmp_path: Path):
    _assert_hosted(_run(str(HOSTED), tmp_path))


def test_compact_capture(tmp_path: Path):
    r = _run(str(COMPACT), tmp_path, AUTHOR_NAME="60-worker-chrony")
    t40, t50 = r.tables("40-machineconfigs"), r.tables("50-pool-rollout")
    assert "MachineConfig 50-worker-chrony reaches no node" in r.titles("40-machineconfigs")
    assert t40["authoring"]["Note"].startswith("pool worker has no nodes")
    assert "compact cluster" in t40["authoring"]["Note"]
    mcps = {row["NAME"]: row["MACHINECOUNT"] for row in t50["machineconfigpools"]}
    assert mcps == {"master": 3, "worker": 0}
    assert [(row["KIND"], row["POOL"]) for row in t50["stuck"]] == [("no-nodes", "worker")]
    assert "Every node of the pool runs its target config" not in r.html["50-pool-rollout"]
    assert t50["rollout"]["Outcome"] == "no nodes"
    assert "set POOL=master to follow them" in t50["rollout"]["Why"]
    assert "Pool worker has no nodes" in r.titles("50-pool-rollout")
    assert {row["POOL"] for row in t50["pool_nodes"]} == {"master"}


def test_single_node_capture(tmp_path: Path):
    r = _run(str(SNO), tmp_path, POOL="master")
    t40, t50 = r.tables("40-machineconfigs"), r.tables("50-pool-rollout")
    assert t40["diff_summary"]["To"] == MASTER_NEW and t40["diff_summary"]["Drain"] is False
    assert "single-node: never drained" in t40["diff_summary"]["Rules"]
    assert "the API and every workload are down" in t40["diff_summary"]["What happens"]
    assert {row["DRAIN"] for row in t40["reboot_impact"]} == {False}
    assert "Pool master has a pending change: reboot" in r.titles("40-machineconfigs")
    # no drain on a single node: the budget allowing no disruption holds nothing
    assert [(row["NODE"], row["KIND"]) for row in t50["stuck"]] == [("sno-0", "pending")]
    assert "API is unavailable until it is back" in t50["stuck"][0]["WHY"]
    titles = r.titles("50-pool-rollout")
    assert "Single-node rollout: the API goes away while sno-0 reboots" in titles
    assert not any("drain" in title for title in titles)


def test_single_node_worker_pool_is_empty(tmp_path: Path):
    r = _run(str(SNO), tmp_path, names=["50-pool-rollout"])
    stuck = r.tables("50-pool-rollout")["stuck"]
    assert [row["KIND"] for row in stuck] == ["no-nodes"]
    assert "this single-node cluster's one node is in pool(s) master" in stuck[0]["WHY"]


# ------------------------------------------------------------------------------ live


@pytest.fixture
def live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    def serve(capture: Path) -> Simulator:
        sim = Simulator(capture)
        sim.start()
        monkeypatch.setenv("KUBECONFIG", str(sim.write_kubeconfig(tmp_path / "kubeconfig")))
        monkeypatch.setenv("RHCOS_RUNBOOKS_NODE_ACCESS", "none")
        started.append(sim)
        return sim

    started: list[Simulator] = []
    yield serve
    for sim in started:
        sim.stop()


def test_hosted_control_plane_live(tmp_path: Path, live):
    sim = live(HOSTED)
    _assert_hosted(_run("kube", tmp_path / "out"))
    # the guest serves no machineconfiguration.openshift.io API: what was asked got 404s
    assert "machineconfiguration.openshift.io" not in {g for g, _, _ in iter_kinds(sim.state)}


def test_single_node_rollout_watched_through_the_lost_api(tmp_path: Path, live):
    sim = live(SNO)
    sim.timeline.start(RolloutScript(pool="master", trigger="watch", single_node=True,
                                     step_s=0.1, api_outage_s=1.5))  # fmt: skip
    r = _run("kube", tmp_path / "out", names=["50-pool-rollout"], POOL="master", WATCH="true",
             WATCH_TIMEOUT_S="60")  # fmt: skip
    assert sim.timeline.finished.wait(60) and sim.timeline.outages == 1
    t = r.tables("50-pool-rollout")
    assert t["rollout"]["Outcome"] == "completed", t["rollout"]
    assert t["rollout"]["API outages"] != "none"
    api = [(row["FROM"], row["TO"]) for row in t["timeline"] if row["OBJECT"] == "api"]
    assert [a[0] for a in api] == ["True", "False"]
    assert api[0][1].startswith("False (") and api[1][1].startswith("True (after ")
    node = [(row["FIELD"], row["TO"]) for row in t["timeline"] if row["OBJECT"] == "node/sno-0"]
    assert ("currentConfig", MASTER_NEW) in node
    assert ("SchedulingDisabled", "True") not in node
