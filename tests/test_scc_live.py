"""SCC grants and the subject review against the API simulator, with the official client."""

from __future__ import annotations

from pathlib import Path

import pytest

from rhcos_helpers import scc
from rhcos_helpers.sources.live import LiveSource
from tests.simulator.server import Simulator


@pytest.fixture
def live(demo_simulator: Simulator, tmp_path: Path):
    kubeconfig = demo_simulator.write_kubeconfig(tmp_path / "kubeconfig")
    src = LiveSource.from_kubeconfig(context=None, spec="kube", config_file=str(kubeconfig))
    yield demo_simulator, src
    src.close()


def _plan(src, **kw):
    return scc.grant.plan(src, scc.policies.load_policies(src), scc.access.load_rbac(src), scc="anyuid",
                          namespace="demo-app", service_account="newsa", **kw)  # fmt: skip


def test_dry_run_sends_nothing_then_apply_grants_and_the_cluster_agrees(live):
    sim, src = live
    pod = scc.admission_input.seed_pod("newsa")
    ask = {"pod": pod, "namespace": "demo-app", "requester": scc.access.CONTROLLER}
    assert scc.runtime.cluster_review(src, **ask)["Cluster's answer"] == "no SCC admits the pod"
    plan = _plan(src)
    writes_before = [r for r in sim.requests if r.method in ("PUT", "DELETE") or
                     (r.method == "POST" and "review" not in r.path)]  # fmt: skip
    assert scc.grant.apply(src, plan, apply=False)["RESULT"][0].startswith("dry run")
    assert [r for r in sim.requests if r.method in ("PUT", "DELETE")] == []
    assert writes_before == []
    result = scc.grant.apply(src, plan, apply=True)
    assert result["RESULT"].tolist() == ["created", "unchanged (already so)", "updated"]
    assert sim.requests_to("/api/v1/namespaces/demo-app/serviceaccounts")[0].method == "POST"
    assert (
        sim.requests_to("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/*")[-1].method
        == "PUT"
    )
    assert scc.runtime.cluster_review(src, **ask)["Cluster's answer"] == "allowed by anyuid"
    again = _plan(src)
    assert all(s.action == "none" for s in again.steps)
    revoke = _plan(src, revoke=True)
    assert scc.grant.apply(src, revoke, apply=True)["RESULT"].tolist() == ["updated"]
    assert scc.runtime.cluster_review(src, **ask)["Cluster's answer"] == "no SCC admits the pod"


def test_rolebinding_when_the_namespace_is_explicit(live):
    sim, src = live
    result = scc.grant.apply(src, _plan(src, explicit_namespace=True), apply=True)
    assert result["RESULT"].tolist()[-1] == "created"
    rb = src.get("rolebindings", "system:openshift:scc:anyuid", namespace="demo-app")
    assert rb is not None and rb["subjects"][0]["name"] == "newsa"


def test_43_style_update_of_the_scc_users(live, monkeypatch):
    sim, src = live
    policies = scc.policies.load_policies(src)
    old = scc.policies.Policies(policies.sccs, policies.errors, "4.4.9", policies.installed_version)
    plan = scc.grant.plan(src, old, scc.access.load_rbac(src), scc="anyuid", namespace="demo-app",
                          service_account="runasanyuid")  # fmt: skip
    assert [s.kind for s in plan.steps if s.action != "none"] == ["SecurityContextConstraints"]
    assert scc.grant.apply(src, plan, apply=True)["RESULT"].tolist()[-1] == "updated"
    users = src.get("securitycontextconstraints", "anyuid")["users"]
    assert users == ["system:serviceaccount:demo-app:runasanyuid"]
    stale = scc.grant.apply(src, plan, apply=True)["RESULT"].tolist()[-1]
    assert stale.startswith("update failed: 409")


def test_scheduled_runs_never_apply(live, monkeypatch):
    _, src = live
    monkeypatch.setenv(scc.grant.SCHEDULED_ENV, "1")
    refusal = scc.grant.apply(src, _plan(src), apply=True)["RESULT"][0]
    assert refusal.startswith("APPLY refused in a scheduled run")


def test_runbook_cluster_answer_live(live):
    _, src = live
    ctx = scc.runbook.load(src)
    rev = scc.runbook.review_for(src, ctx, namespace="demo-app", service_account="runasanyuid")
    answer = scc.runbook.cluster_answer(src, rev)
    assert answer == {"Local walk": "admitted by anyuid", "Cluster's answer": "allowed by anyuid",
                      "Reason": ""}  # fmt: skip
