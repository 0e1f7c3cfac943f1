"""Every runbook executed for real (papermill, kernels, nbconvert) on both demos and on captures."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from rhcos_helpers import cli
from rhcos_helpers.report.runner import run_runbooks
from tests.test_capture import MASTER_MID, WORKER, build_mg, build_sos, make_tar
from tests.test_project import NOTEBOOKS

pytestmark = pytest.mark.notebooks

# Planted in the demo's 99-*-ssh MachineConfigs; must never reach a report.
DEMO_SSH_KEY = "AAAAC3NzaC1lZDI1NTE5AAAAIDemo"


def _summary(out: Path) -> dict[str, Any]:
    return json.loads((out / "summary.json").read_text())


@pytest.fixture(scope="module", params=["demo", "demo:4.3"])
def demo_run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp(request.param.replace(":", "-"))
    run = run_runbooks(None, source=request.param, parameters={}, out_dir=out)
    return request.param, out, run


def test_every_runbook_ran_ok_on_the_demo(demo_run):
    _, out, run = demo_run
    assert [r.name for r in run.results] == [p.stem for p in NOTEBOOKS]
    assert {r.name: r.status for r in run.results} == {p.stem: "ok" for p in NOTEBOOKS}
    for rb in NOTEBOOKS:
        html = (out / f"{rb.stem}.html").read_text()
        assert "DEMO DATA" in html
        assert not re.search(r"<script[^>]+src=[\"']https?://", html), "no CDN scripts"
        assert "Traceback" not in html
        nb = json.loads((out / f"{rb.stem}.ipynb").read_text())
        assert nb["metadata"]["papermill"]["parameters"]["SOURCE"].startswith("demo")
    assert (out / "index.html").exists()


def test_reports_show_no_local_path_of_the_demo(demo_run):
    spec, out, _ = demo_run
    repo = str(Path(__file__).resolve().parent.parent)
    version = "4.3" if spec == "demo:4.3" else "4.16"
    for rb in NOTEBOOKS:
        html = (out / f"{rb.stem}.html").read_text()
        assert f"bundled with rhcos_helpers: demos/data/ocp-{version}" in html
        assert repo not in html, rb.stem
    index = (out / "index.html").read_text()
    assert f"bundled with rhcos_helpers: demos/data/ocp-{version}" in index
    assert repo not in index


def test_findings_link_other_runbooks_and_say_below_for_their_own(demo_run):
    _, out, _ = demo_run
    summary = _summary(out)["runbooks"]
    seen_self = seen_other = 0
    for name, rb in summary.items():
        page = (out / f"{name}.html").read_text()
        table = page[page.index('class="rr-findings"') :] if rb["findings"] else ""
        assert f'href="{name}.html"' not in table, name
        for f in rb["findings"]:
            if f["next_runbook"] == name:
                assert "this runbook, below" in table
                seen_self += 1
            elif f["next_runbook"]:
                assert f'<a href="{f["next_runbook"]}.html">' in table
                seen_other += 1
    assert seen_self and seen_other


def test_no_secret_reaches_any_output_file(demo_run):
    _, out, _ = demo_run
    for path in out.iterdir():
        assert DEMO_SSH_KEY not in path.read_text(errors="replace"), path.name


def test_overview_tables_and_findings_on_the_demo(demo_run):
    spec, out, _ = demo_run
    rb = _summary(out)["runbooks"]["00-cluster-overview"]
    assert rb["status"] == "ok"
    assert rb["context"]["source"]["kind"] == "demo"
    titles = [f["title"] for f in rb["findings"]]
    nodes = {row["NAME"]: row for row in rb["tables"]["nodes"]}
    pools = {row["NAME"]: row for row in rb["tables"]["machineconfigpools"]}
    if spec == "demo":
        assert rb["context"]["source"]["cluster_version"] == "4.16.21"
        assert len(nodes) == 7
        assert nodes["worker-1"]["STATUS"] == "NotReady,SchedulingDisabled"
        assert pools["infra"]["PAUSED"] is True
        assert "Pool infra is paused" in titles
        assert "1 certificate signing request(s) pending" in titles
        assert any(t.startswith("Node worker-1 is NotReady while it applies") for t in titles)
        assert rb["findings"][0]["severity"] == "warning"  # sorted: nothing critical planted
        assert len(rb["tables"]["clusteroperators"]) == 33
        assert rb["tables"]["topology"]["Topology"] == "HA"
    else:
        assert rb["context"]["source"]["cluster_version"] == "4.3.5"
        assert sorted(nodes) == ["compute-0", "compute-1", "master-0", "master-1", "master-2"]
        assert nodes["compute-1"]["OS-IMAGE"].endswith("43.81.202002032142.0 (Ootpa)")
        assert "Pool worker is paused" in titles
        assert rb["tables"]["topology"]["controlPlaneTopology"] == "(not reported before 4.6)"


@pytest.fixture(scope="module")
def case_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A support case: a must-gather.local.* directory and two sos reports side by side."""
    case = tmp_path_factory.mktemp("case")
    build_mg(case, "local")
    build_sos(case, "worker-0", machine_id=None, hostname=WORKER)
    build_sos(case, "master-0", machine_id=MASTER_MID, hostname=None)
    build_sos(case, "stray", machine_id="0" * 32, hostname="stray.example.com")
    return case


@pytest.mark.parametrize("packed", [False, True], ids=["directories", "tarballs"])
def test_cli_runs_the_overview_on_a_must_gather_with_sos_reports(
    case_dir: Path,
    tmp_path: Path,
    packed: bool,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # the kernel inherits it
    if packed:
        parts = []
        for item in sorted(case_dir.iterdir()):
            suffix = ".tar.gz" if item.name.startswith("must-gather") else ".tar.xz"
            parts.append(str(make_tar(item, tmp_path / f"{item.name}{suffix}")))
        source = ",".join(parts)
    else:
        source = str(case_dir)
    out = tmp_path / "out"
    code = cli.main(["run", "00-cluster-overview", "--source", source, "--out", str(out)])
    assert code == 0, capsys.readouterr()
    rb = _summary(out)["runbooks"]["00-cluster-overview"]
    assert rb["status"] == "ok"
    assert rb["context"]["source"]["kind"] == "capture"
    assert sorted(row["NAME"] for row in rb["tables"]["nodes"]) == [
        "master-0.example.com", "worker-0.example.com",
    ]  # fmt: skip
    notes = " ".join(rb["context"]["source"]["notes"])
    assert "sosreport-stray" in notes  # unmatched sos report reported, not ignored
    html = (out / "00-cluster-overview.html").read_text()
    assert "DEMO DATA" not in html
    assert "sosreport-stray" in html


def test_cli_rejects_bad_input_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    not_a_capture = tmp_path / "empty"
    not_a_capture.mkdir()
    for argv in (
        ["run", "99-nope", "--source", "demo", "--out", str(tmp_path / "a")],
        ["run", "--source", str(not_a_capture), "--out", str(tmp_path / "b")],
        ["run", "--source", "demo:4.99", "--out", str(tmp_path / "c")],
        ["run", "-p", "NO_SUCH", "1", "--source", "demo", "--out", str(tmp_path / "d")],
        [
            "run",
            "10-node-os",
            "-p",
            "NODES",
            "worker-9",
            "--source",
            "demo",
            "--out",
            str(tmp_path / "e"),
        ],
    ):
        assert cli.main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and err.startswith("rhcos-runbooks: error: "), err
        assert "Traceback" not in err
    assert not any((tmp_path / x).exists() for x in "abcde")
