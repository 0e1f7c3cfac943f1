"""Bad input in runbooks 40 and 50, executed for real (papermill through the runner).

An undecodable data URL, invalid Ignition (no Ignition at all, an Ignition version the
machine-config operator does not read), an unknown OpenShift version (the TARGET_VERSION
parameter, or a ClusterVersion that does not hold one), a node or a pool that does not exist:
each is a named one-line error, in its own section, saying which input and what to do; the other
sections keep their tables, and the run reports ``ok``.
"""

from __future__ import annotations

import copy
import html
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from rhcos_helpers.errors import UsageError
from rhcos_helpers.machineconfigs import runbook as mc_runbook
from rhcos_helpers.report.runner import run_runbooks
from rhcos_helpers.sources import open_source

pytestmark = pytest.mark.notebooks

COMPACT = Path(__file__).parent / "data" / "topologies" / "compact-4.16"
CSR = Path("cluster") / "cluster-scoped-resources"
MCS = CSR / "machineconfiguration.openshift.io" / "machineconfigs"
CV = CSR / "config.openshift.io" / "clusterversions" / "version.yaml"
BOTH = ["40-machineconfigs", "50-pool-rollout"]


def _run(source: str, out: Path, names: list[str] = BOTH, **params: str) -> dict[str, Any]:
    run = run_runbooks(names, source=source, parameters=params, out_dir=out)
    assert [(r.name, r.status, r.error) for r in run.results] == [(n, "ok", None) for n in names]
    for name in names:
        assert "Traceback" not in html.unescape((out / f"{name}.html").read_text())
    return dict(json.loads((out / "summary.json").read_text())["runbooks"])


def _titles(rb: dict[str, Any]) -> list[str]:
    return [f["title"] for f in rb["findings"]]


def _has_rows(tables: dict[str, Any], *names: str) -> None:
    for name in names:
        assert isinstance(tables[name], list) and tables[name], name


def _mc(name: str, config: Any) -> dict[str, Any]:
    return {
        "apiVersion": "machineconfiguration.openshift.io/v1",
        "kind": "MachineConfig",
        "metadata": {"name": name, "creationTimestamp": "2026-11-19T08:00:00Z",
                     "labels": {"machineconfiguration.openshift.io/role": "worker"}},
        "spec": {"config": config},
    }  # fmt: skip


def _broken_capture(root: Path) -> Path:
    capture = root / "broken-mcs"
    shutil.copytree(COMPACT, capture)
    plant = {
        "60-worker-bad-url": {"ignition": {"version": "3.4.0"}, "storage": {"files": [
            {"path": "/etc/bad.conf", "mode": 420, "overwrite": True,
             "contents": {"source": "data:text/plain;charset=utf-8;base64,@@not-base64@@"}},
            {"path": "/etc/good.conf", "mode": 420, "contents": {"source": "data:,fine%0A"}},
        ]}},
        "61-worker-not-ignition": {"storage": {"files": [{"path": "/etc/x", "contents": {}}]}},
        "62-worker-ignition-39": {"ignition": {"version": "3.9.0"}},
    }  # fmt: skip
    for name, config in plant.items():
        (capture / MCS / f"{name}.yaml").write_text(yaml.safe_dump(_mc(name, config)))
    return capture


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("bad-input")
    return _run(str(_broken_capture(root)), root / "out")


def test_an_undecodable_data_url_is_named_with_its_effect_and_fix(broken):
    t = broken["40-machineconfigs"]["tables"]
    rows = {r["NAME"]: r for r in t["machineconfigs"]}
    problem = rows["60-worker-bad-url"]["PROBLEMS"]
    assert problem.startswith("/etc/bad.conf: bad base64 in data URL")
    assert "fails to render (RenderDegraded)" in problem
    assert "fix contents.source with `oc edit mc 60-worker-bad-url`" in problem
    files = {(r["MACHINECONFIG"], r["PATH"]): r for r in t["mc_files"]}
    assert files[("60-worker-bad-url", "/etc/bad.conf")]["CONTENTS"].startswith(
        "<undecodable: bad base64 in data URL"
    )
    assert files[("60-worker-bad-url", "/etc/good.conf")]["CONTENTS"] == "fine\n"
    assert "MachineConfig 60-worker-bad-url has undecodable files" in _titles(
        broken["40-machineconfigs"]
    )


def test_invalid_ignition_is_an_unreadable_row_naming_the_field_and_the_fix(broken):
    rb = broken["40-machineconfigs"]
    rows = {r["NAME"]: r for r in rb["tables"]["machineconfigs"]}
    for name, fragment in (
        ("61-worker-not-ignition", "spec.config has no ignition.version"),
        ("62-worker-ignition-39", "spec.config.ignition.version '3.9.0' is not an Ignition spec"),
    ):
        assert rows[name]["ORIGIN"] == "unreadable"
        assert fragment in rows[name]["PROBLEMS"]
        assert f"`oc edit mc {name}`" in rows[name]["PROBLEMS"]
        assert f"MachineConfig {name} could not be read" in _titles(rb)


def test_the_rest_of_both_reports_renders(broken):
    t40, t50 = broken["40-machineconfigs"]["tables"], broken["50-pool-rollout"]["tables"]
    _has_rows(t40, "machineconfigs", "mc_files", "rendered_composition", "render_check")
    assert all(r["MATCHES LOCAL MERGE"] is True for r in t40["render_check"])
    assert t40["diff_summary"]["Action"] == "no change"
    assert t40["authoring"]["Predicted action"] == "no change"
    _has_rows(t50, "machineconfigpools", "pool_spec", "pool_conditions", "pool_nodes")


def test_machineconfig_naming_an_unreadable_one_says_why(tmp_path: Path):
    rb = mc_runbook.collect(open_source(str(_broken_capture(tmp_path))),
                            machineconfig="62-worker-ignition-39")  # fmt: skip
    why = mc_runbook.files_table(rb).reason or ""
    assert why.startswith("MACHINECONFIG '62-worker-ignition-39' could not be read: machineconfig:")
    assert "'3.9.0' is not an Ignition spec" in why and "`oc edit mc 62-worker-ignition-39`" in why
    assert mc_runbook.mc_table(rb).value is not None


@pytest.fixture(scope="module")
def demo_bad_parameters(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("bad-parameters")
    return _run("demo", out, names=["40-machineconfigs"], TARGET_VERSION="banana")


def test_an_unknown_target_version_is_named_where_a_version_is_needed(demo_bad_parameters):
    t = demo_bad_parameters["40-machineconfigs"]["tables"]
    why = (
        "TARGET_VERSION: unknown OpenShift version 'banana'; give it as 4.N or 4.N.z (e.g. 4.16), "
        "or leave it empty for the cluster's version"
    )
    assert t["render_check"] == {"not_available": why}
    assert t["authored_machineconfig"] == {"not_available": why}
    assert t["authoring_impact"] == {"not_available": why}
    _has_rows(t, "machineconfigs", "mc_files", "mc_units", "rendered_composition")


def test_an_unknown_node_is_refused_before_the_run_and_named_in_the_diff_section(tmp_path):
    with pytest.raises(UsageError, match="unknown node 'nope'; this cluster's nodes are"):
        run_runbooks(["40-machineconfigs"], source="demo", parameters={"NODE": "nope"},
                     out_dir=tmp_path)  # fmt: skip
    # run without the runner (papermill by hand, JupyterLab): the diff section says it
    rb = mc_runbook.collect(open_source("demo"), node="nope")
    why = mc_runbook.diff_table(rb).reason or ""
    assert why.startswith("NODE: unknown node 'nope'; this cluster's nodes are: infra-0, master-0")
    assert mc_runbook.impact_table(rb).reason == why
    assert mc_runbook.mc_table(rb).value is not None


def test_a_cluster_version_that_is_no_version_is_named(tmp_path: Path):
    capture = tmp_path / "odd-version"
    shutil.copytree(COMPACT, capture)
    cv = yaml.safe_load((capture / CV).read_text())
    cv = copy.deepcopy(cv)
    cv["status"]["desired"]["version"] = "nightly-2026-11-20"
    cv["status"]["history"][0]["version"] = "nightly-2026-11-20"
    (capture / CV).write_text(yaml.safe_dump(cv))
    t = _run(str(capture), tmp_path / "out", names=["40-machineconfigs"])["40-machineconfigs"][
        "tables"
    ]
    why = t["render_check"]["not_available"]
    assert why.startswith("the cluster's version: unknown OpenShift version 'nightly-2026-11-20'")
    assert why.endswith("set TARGET_VERSION")
    _has_rows(t, "machineconfigs", "mc_files", "rendered_composition")


def test_an_unknown_pool_is_named_with_the_pools_there_are(tmp_path: Path):
    rbs = _run("demo", tmp_path, POOL="nope")
    t40, t50 = rbs["40-machineconfigs"]["tables"], rbs["50-pool-rollout"]["tables"]
    assert t40["config_diff"]["not_available"] == (
        "pool 'nope' does not exist; this cluster's pools: infra, master, worker (set POOL)"
    )
    for table in ("stuck", "timeline"):
        assert t50[table]["not_available"] == (
            "pool 'nope' does not exist; this cluster's pools: infra, master, worker "
            "(set POOL to one of them)"
        )
    assert "POOL parameter" in _titles(rbs["50-pool-rollout"])
    _has_rows(t40, "machineconfigs", "render_check")
    _has_rows(t50, "machineconfigpools", "pool_nodes")
