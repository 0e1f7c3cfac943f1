"""Every runbook live against the API simulator (real HTTP, debug pods, exec), and no leaks."""

from __future__ import annotations

import json

import pytest

from rhcos_helpers.node_access.debug_manifests import MANAGED_BY_LABEL
from rhcos_helpers.report.runner import run_runbooks
from tests.simulator import Simulator
from tests.simulator.server import DEMO_CAPTURE
from tests.test_project import NOTEBOOKS

pytestmark = pytest.mark.notebooks

TOOL = f"{MANAGED_BY_LABEL}=rhcos-runbooks"


@pytest.fixture(scope="module")
def live_run(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("live")
    with Simulator(DEMO_CAPTURE) as sim:
        kubeconfig = sim.write_kubeconfig(tmp / "kubeconfig")
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("KUBECONFIG", str(kubeconfig))  # kernels inherit it
            mp.delenv("RHCOS_RUNBOOKS_NODE_ACCESS", raising=False)
            run = run_runbooks(None, source="kube", parameters={}, out_dir=tmp / "out")
        pods = sim.workloads.objects("pods", label_selector=TOOL)
        spaces = sim.workloads.objects("namespaces", label_selector=TOOL)
        posts = [r for r in sim.requests if r.method == "POST" and r.path.endswith("/pods")]
        yield run, tmp / "out", pods, spaces, posts


def test_every_runbook_runs_live_against_the_simulator(live_run):
    run, out, *_ = live_run
    assert {r.name: (r.status, r.error) for r in run.results} == {
        p.stem: ("ok", None) for p in NOTEBOOKS
    }
    summary = json.loads((out / "summary.json").read_text())
    context = summary["runbooks"]["00-cluster-overview"]["context"]["source"]
    assert context["kind"] == "live"
    assert context["cluster_version"] == "4.16.21"
    assert context["api_url"].startswith("http://127.0.0.1:")
    permissions = summary["runbooks"]["00-cluster-overview"]["tables"]["permissions"]
    assert permissions and all(row["allowed"] for row in permissions)  # cluster-admin identity


def test_node_commands_went_through_debug_pods_and_none_is_left(live_run):
    _, _, pods, spaces, posts = live_run
    assert posts, "node-level runbooks created debug pods"
    assert pods == [] and spaces == []
