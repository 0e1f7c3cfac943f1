"""Runbook 30-node-services executed for real on both demos and on a must-gather + sos case."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rhcos_helpers.report.runner import run_runbooks
from tests.test_capture import MASTER, MASTER_MID, WORKER, build_mg, build_sos

pytestmark = pytest.mark.notebooks

RUNBOOK = "30-node-services"


def _run(source: str, out: Path, **parameters: str) -> dict[str, Any]:
    run = run_runbooks([RUNBOOK], source=source, parameters=parameters, out_dir=out)
    assert [(r.name, r.status) for r in run.results] == [(RUNBOOK, "ok")]
    html = (out / f"{RUNBOOK}.html").read_text()
    assert "Traceback" not in html
    summary = json.loads((out / "summary.json").read_text())
    return dict(summary["runbooks"][RUNBOOK])


@pytest.fixture(scope="module")
def demo416(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _run("demo", tmp_path_factory.mktemp("demo416"))


@pytest.fixture(scope="module")
def demo43(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _run("demo:4.3", tmp_path_factory.mktemp("demo43"))


def test_every_node_is_listed_and_worker_1_is_marked_failed(demo416: dict[str, Any]) -> None:
    status = demo416["tables"]["collection_status"]
    nodes = {row["node"] for row in status}
    assert nodes == {"infra-0", "master-0", "master-1", "master-2", "worker-0", "worker-1",
                     "worker-2"}  # fmt: skip
    w1 = [row for row in status if row["node"] == "worker-1"]
    assert {row["fact"] for row in w1} == {
        "systemctl_show", "systemctl_list_units", "journal_unit.crio", "journal_unit.kubelet",
    }  # fmt: skip
    assert {row["status"] for row in w1} == {"failed"}
    assert all("NotReady" in row["detail"] for row in w1)
    titles = [f["title"] for f in demo416["findings"]]
    assert "Node worker-1: services could not be read" in titles


def test_planted_oom_and_crashloop_appear_as_errors(demo416: dict[str, Any]) -> None:
    errors = demo416["tables"]["journal_errors"]
    w2 = [row for row in errors if row["node"] == "worker-2" and row["unit"] == "kubelet.service"]
    assert {row["event"] for row in w2} == {"oom", "crashloop"}
    assert any("Got sys oom event" in row["message"] for row in w2)
    assert any("CrashLoopBackOff" in row["message"] for row in w2)
    titles = [f["title"] for f in demo416["findings"]]
    assert "OOM kill in the kubelet.service journal of worker-2" in titles
    assert "CrashLoopBackOff in the kubelet.service journal of worker-2" in titles


def test_key_services_mcd_and_counts_on_416(demo416: dict[str, Any]) -> None:
    tables = demo416["tables"]
    svc = tables["key_services"]
    assert len(svc) == 6 * 7 and {r["unit"] for r in svc} >= {"crio.service", "kubelet.service"}
    assert all(r["active"] == "active" for r in svc if r["unit"] != "rpm-ostreed.service")
    mcd = {r["node"]: r for r in tables["mcd_pods"]}
    assert len(mcd) == 7 and mcd["worker-1"]["ready"] == "0/2"
    assert tables["failed_units"] == []
    counts = tables["journal_counts"]
    assert {r["unit"] for r in counts} == {"crio.service", "kubelet.service"}


def test_demo_43(demo43: dict[str, Any]) -> None:
    tables = demo43["tables"]
    nodes = {r["node"] for r in tables["collection_status"]}
    assert nodes == {"compute-0", "compute-1", "master-0", "master-1", "master-2"}
    assert {r["status"] for r in tables["collection_status"]} == {"ok"}
    assert len(tables["key_services"]) == 5 * 7
    assert tables["journal_errors"] == []
    assert len(tables["mcd_pods"]) == 5


def test_node_cap_lists_the_nodes_not_read(tmp_path: Path) -> None:
    rb = _run("demo", tmp_path, MAX_NODES="2", UNITS="crio")
    status = rb["tables"]["collection_status"]
    skipped = {r["node"] for r in status if r["status"] == "skipped"}
    assert skipped == {"master-1", "master-2", "worker-0", "worker-1", "worker-2"}
    assert {r["fact"] for r in status if r["status"] != "skipped"} == {
        "systemctl_show", "systemctl_list_units", "journal_unit.crio",
    }  # fmt: skip


def test_must_gather_and_sos_case(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    case = tmp_path / "case"
    case.mkdir()
    build_mg(case, "local")
    build_sos(case, "worker-0", machine_id=None, hostname=WORKER, crio_journal=True)
    build_sos(case, "master-0", machine_id=MASTER_MID, hostname=None)
    rb = _run(str(case), tmp_path / "out")
    status = {(r["node"], r["fact"]): r for r in rb["tables"]["collection_status"]}
    assert {n for n, _ in status} == {MASTER, WORKER}
    # sos reports without the systemd plugin: said per node, not crashed
    show = status[(WORKER, "systemctl_show")]
    assert show["status"] == "missing" and "systemctl_show_service_--all" in show["detail"]
    # the master's crio journal from must-gather's host_service_logs (text, no priority)
    crio_master = status[(MASTER, "journal_unit.crio")]
    assert crio_master["status"] == "ok" and crio_master["origin"].startswith("must-gather:")
    # the worker's from its sos report's per-unit journal
    assert status[(WORKER, "journal_unit.crio")]["origin"].startswith("sos:")
    assert status[(WORKER, "journal_unit.kubelet")]["status"] == "missing"
    counts = rb["tables"]["journal_counts"]
    assert {r["level"] for r in counts} <= {"unknown", "info", "err", "warning"}
    assert rb["tables"]["key_services"] == []
    assert (
        "oc adm inspect ns/openshift-machine-config-operator"
        in (rb["tables"]["mcd_pods"]["not_available"])
    )
    assert not any("machine-config daemon" in f["title"] for f in rb["findings"])
