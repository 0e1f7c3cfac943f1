"""20-crio-containers executed for real (papermill through the runner) on both demos and a capture."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rhcos_helpers.report.runner import run_runbooks
from tests.test_capture import MASTER, WORKER, build_mg, build_sos

pytestmark = pytest.mark.notebooks
RUNBOOK = "20-crio-containers"


def _run(source: str, out: Path) -> dict[str, Any]:
    run = run_runbooks([RUNBOOK], source=source, parameters={}, out_dir=out)
    assert [(r.name, r.status) for r in run.results] == [(RUNBOOK, "ok")]
    html = (out / f"{RUNBOOK}.html").read_text()
    assert "Traceback" not in html
    assert "interactive only" in html  # the explorer cell is a note in reports
    return json.loads((out / "summary.json").read_text())["runbooks"][RUNBOOK]


@pytest.fixture(scope="module", params=["demo", "demo:4.3"])
def demo_rb(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp(request.param.replace(":", "-"))
    return request.param, _run(request.param, out)


def test_tables_recorded(demo_rb):
    _, rb = demo_rb
    assert set(rb["tables"]) >= {
        "collection_status",
        "containers",
        "top_consumers",
        "restarts",
        "image_disk",
        "untagged_images",
        "kubelet_crosscheck",
    }
    assert rb["tables"]["containers"] and rb["tables"]["top_consumers"]
    assert rb["tables"]["kubelet_crosscheck"]


def test_nodes_status_and_findings(demo_rb):
    spec, rb = demo_rb
    status = {r["NODE"]: r for r in rb["tables"]["collection_status"]}
    titles = [f["title"] for f in rb["findings"]]
    assert any(t.startswith("<none> images no container uses take") for t in titles)
    if spec == "demo":
        assert len(status) == 7
        assert status["worker-1"]["STATUS"] == "failed"
        assert "NotReady" in status["worker-1"]["REASON"]
        assert "CRI-O facts could not be read on 1 node(s)" in titles
        assert any(t.startswith("Container demo-app of demo-app/") for t in titles)
    else:
        assert sorted(status) == ["compute-0", "compute-1", "master-0", "master-1", "master-2"]
        assert {r["crictl_statsp"] for r in status.values()} == {"missing"}


def test_runs_on_a_must_gather_with_one_sos_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    case = tmp_path / "case"
    case.mkdir()
    build_mg(case, "local")
    build_sos(case, "master-0", machine_id=None, hostname=MASTER)
    rb = _run(str(case), tmp_path / "out")
    status = {r["NODE"]: r for r in rb["tables"]["collection_status"]}
    assert status[MASTER]["crictl_ps"] == "ok (table)"
    assert status[WORKER]["STATUS"] == "missing" and status[WORKER]["REASON"]
    assert {r["CONTAINER"] for r in rb["tables"]["containers"]} == {"etcd", "installer"}
