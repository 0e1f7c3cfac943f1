"""40-machineconfigs executed for real (papermill through the runner) on both demos and a capture."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rhcos_helpers.report.runner import run_runbooks
from tests.test_capture import build_mg

pytestmark = pytest.mark.notebooks
RUNBOOK = "40-machineconfigs"
DEMO_SSH_KEY = "AAAAC3NzaC1lZDI1NTE5AAAAIDemo"


def _run(source: str, out: Path, parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    run = run_runbooks([RUNBOOK], source=source, parameters=parameters or {}, out_dir=out)
    assert [(r.name, r.status) for r in run.results] == [(RUNBOOK, "ok")]
    for path in out.iterdir():
        assert DEMO_SSH_KEY not in path.read_text(errors="replace"), path.name
    html = (out / f"{RUNBOOK}.html").read_text()
    assert "Traceback" not in html
    return json.loads((out / "summary.json").read_text())["runbooks"][RUNBOOK]


@pytest.fixture(scope="module", params=["demo", "demo:4.3"])
def demo_rb(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp(request.param.replace(":", "-"))
    return request.param, _run(request.param, out)


def test_tables_recorded(demo_rb):
    _, rb = demo_rb
    assert set(rb["tables"]) >= {
        "machineconfigs", "mc_generators", "mc_files", "mc_units", "mc_kernel",
        "rendered_composition", "render_check", "diff_summary", "config_diff", "reboot_impact",
        "authored_machineconfig", "authoring", "authoring_impact",
        "tuned_profiles", "tuned_recommend", "node_tuned_profiles", "host_access_daemonsets",
        "node_daemonsets", "day1_summary", "day1_machineconfigs",
    }  # fmt: skip
    mcs = {r["NAME"]: r for r in rb["tables"]["machineconfigs"]}
    assert mcs["50-worker-chrony"]["ORIGIN"] == "user"
    assert mcs["99-worker-ssh"]["SSH"] == "1 key(s) for core: line sha256 17a292eaa24e"
    files = {(r["MACHINECONFIG"], r["PATH"]): r for r in rb["tables"]["mc_files"]}
    chrony = files[("50-worker-chrony", "/etc/chrony.conf")]
    assert chrony["MODE"] == "0644" and chrony["CONTENTS"].startswith("server tick.stdtime.gov.tw")
    assert (
        "apiVersion: machineconfiguration.openshift.io/v1" in rb["tables"]["authored_machineconfig"]
    )
    assert rb["tables"]["authoring"]["oc equivalent"] == "oc create -f 50-worker-chrony.yaml"


def test_other_configuration_channels(demo_rb):
    spec, rb = demo_rb
    tables = rb["tables"]
    assert {r["TUNED"] for r in tables["tuned_profiles"]} >= {"default"}
    days = {r["MACHINECONFIG"]: r["DAY"] for r in tables["day1_machineconfigs"]}
    assert days["99-worker-ssh"] == "Day-1" and days["50-worker-chrony"] == "Day-2"
    assert all(r["OUTSIDE openshift-*"] == "none" for r in tables["node_daemonsets"])
    if spec == "demo":
        profiles = {r["NODE"]: r for r in tables["node_tuned_profiles"]}
        assert len(profiles) == 7 and profiles["infra-0"]["DEGRADED"] == "True"
        assert "TuneD profile on node infra-0 is Degraded" in [f["title"] for f in rb["findings"]]
    else:
        assert "predates" in tables["node_tuned_profiles"]["not_available"]


def test_render_check_diff_and_impact(demo_rb):
    spec, rb = demo_rb
    checks = {
        (r["POOL"], r["CONFIG"]): r["MATCHES LOCAL MERGE"] for r in rb["tables"]["render_check"]
    }
    assert all(v is True for (_, which), v in checks.items() if which == "target")
    summary = rb["tables"]["diff_summary"]
    impact = rb["tables"]["reboot_impact"]
    titles = [f["title"] for f in rb["findings"]]
    if spec == "demo":
        assert summary["To"] == "rendered-worker-f7657e01dc6be7a1a39bf960924afe88"
        assert [(r["ITEM"], r["ACTION"]) for r in impact] == [("/etc/chrony.conf", "reboot")]
        assert "release-4.14" in summary["Rules"]
        assert "Pool worker has a pending change: reboot" in titles
        assert "Pool infra has a pending change: reboot" in titles
    else:
        assert summary["To"] == "rendered-worker-5109aac45ee18a5b942c38a7bb060f95"
        assert {r["ACTION"] for r in impact} == {"reboot"}
        assert "4.3-4.6" in summary["Rules"]
        assert "CREATED" in rb["tables"]["machineconfigs"][0]
    # the default authoring input is the seed's chrony example: the pool already has it
    assert rb["tables"]["authoring"]["Predicted action"] == "no change"


def test_node_diff_and_authoring_parameters(tmp_path: Path):
    rb = _run("demo", tmp_path, {
        "NODE": "worker-1", "AUTHOR_NAME": "60-worker-registries",
        "AUTHOR_FILE_PATH": "/etc/containers/registries.conf",
        "AUTHOR_FILE_CONTENT": 'unqualified-search-registries = ["registry.access.redhat.com"]\n',
    })  # fmt: skip
    assert (
        rb["tables"]["diff_summary"]["From"] == "rendered-worker-f346376daed17dc90a08f21259a56253"
    )
    impact = rb["tables"]["authoring_impact"]
    assert [(r["ITEM"], r["ACTION"]) for r in impact] == [
        ("/etc/containers/registries.conf", "reload crio")
    ]


def test_bad_parameters_are_named_and_the_rest_renders(tmp_path: Path):
    rb = _run("demo", tmp_path, {
        "POOL": "nosuchpool", "MACHINECONFIG": "nosuchmc", "AUTHOR_FILE_PATH": "etc/relative",
    })  # fmt: skip
    assert "does not exist" in rb["tables"]["config_diff"]["not_available"]
    assert "no MachineConfig 'nosuchmc'" in rb["tables"]["mc_files"]["not_available"]
    assert "is not absolute" in rb["tables"]["authored_machineconfig"]["not_available"]
    assert rb["tables"]["machineconfigs"]


def test_runs_on_a_must_gather_without_machineconfigs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    case = tmp_path / "case"
    case.mkdir()
    build_mg(case, "local")
    rb = _run(str(case), tmp_path / "out")
    assert "not collected" in rb["tables"]["machineconfigs"]["not_available"]
    assert rb["findings"] == []
