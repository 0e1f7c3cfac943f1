"""Runbook 60-scc executed for real (papermill) on both demos; its recorded tables and findings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rhcos_helpers.report.runner import run_runbooks

pytestmark = pytest.mark.notebooks


def _run(tmp: Path, spec: str, **params: str) -> dict:
    run = run_runbooks(["60-scc"], source=spec, parameters=params, out_dir=tmp)
    assert [r.status for r in run.results] == ["ok"]
    return json.loads((tmp / "summary.json").read_text())["runbooks"]["60-scc"]


@pytest.fixture(scope="module", params=["demo", "demo:4.3"])
def summary(request, tmp_path_factory):
    return request.param, _run(tmp_path_factory.mktemp("scc"), request.param)


def test_seed_case_on_the_demo(summary):
    spec, rb = summary
    tables = rb["tables"]
    review = {row["FIELD"]: row["VALUE"] for row in tables["review"]}
    assert review["Outcome"] == "admitted by anyuid" and review["container app"].startswith("UID 0")
    rows = {(r["SERVICE ACCOUNT"], r["CREATED BY"]): r["OUTCOME"] for r in tables["requesters"]}
    assert rows[("default", "a workload controller (pod from a Deployment)")] == "rejected"
    assert rows[("default", "a cluster-admin by hand")] == "admitted by anyuid"
    assert (
        rows[("runasanyuid", "a workload controller (pod from a Deployment)")]
        == "admitted by anyuid"
    )
    sa = "system:serviceaccount:demo-app:runasanyuid"
    grants = [g for g in tables["grants"] if g["SUBJECT"] == sa]
    assert [g["SCC"] for g in grants] == ["anyuid"]
    pods = {p["POD"]: p for p in tables["pods"]}
    demo_pod = next(p for name, p in pods.items() if name.startswith("demo-app-"))
    assert demo_pod["SCC"] == "anyuid" and demo_pod["UID"] == "0" and "root" in demo_pod["FLAGS"]
    assert tables["applied"][0]["RESULT"].startswith("dry run")
    order = [r["NAME"] for r in tables["admission_order"]]
    assert order[0] == "anyuid"
    titles = [f["title"] for f in rb["findings"]]
    if spec == "demo":
        assert grants[0]["THROUGH"].startswith("ClusterRoleBinding system:openshift:scc:anyuid")
        assert [s["ACTION"] for s in tables["grant_plan"]][-1] == "none (already so)"
        assert tables["rbac"]["RBAC bindings in the source"] == "yes"
        assert tables["pod_security"][0]["MODE"] == "enforce"
        assert order[1] == "restricted-v2"
    else:
        assert grants[0]["THROUGH"] == "scc.users"
        assert tables["grant_plan"][-1]["OBJECT"] == "SecurityContextConstraints anyuid"
        assert tables["rbac"]["RBAC bindings in the source"] == "no"
        assert "oc adm inspect clusterrolebindings" in tables["rbac"]["Collect them with"]
        assert "RBAC grants of SCCs are not in this source" in titles
        assert tables["pod_security"][0]["RESULT"] == "not applicable"


def test_apply_on_a_demo_and_bad_yaml_are_one_line(tmp_path):
    rb = _run(tmp_path, "demo", APPLY="true", POD_YAML="a: [", SERVICE_ACCOUNT="newsa")
    assert rb["tables"]["applied"][0]["RESULT"].startswith("APPLY refused: the demo source")
    assert rb["tables"]["review"]["not_available"].startswith("pod yaml: invalid YAML at line 1")
