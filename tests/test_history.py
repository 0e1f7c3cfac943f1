"""Runs over time: the diff of two runs' summary.json, the output root and its index."""

from __future__ import annotations

import copy
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from rhcos_helpers.report import history, run_diff, runner
from rhcos_helpers.report.run_diff import Change, diff_runs

DATA = Path(__file__).parent / "data" / "history"
DEMO = Path(__file__).resolve().parent.parent / "rhcos_helpers" / "demos" / "data" / "ocp-4.16"
RESOURCES = Path("cluster/cluster-scoped-resources")
CLUSTER = "4f9c2a61-8d3e-4b7a-9c15-2e6f0d8a7b43"


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / name).read_text())
    return data


@pytest.fixture
def run1() -> dict[str, Any]:
    return load("run1.json")


@pytest.fixture
def run2() -> dict[str, Any]:
    return load("run2.json")


def test_same_run_has_no_change(run1: dict[str, Any]) -> None:
    diff = diff_runs(run1, copy.deepcopy(run1))
    assert diff.count == 0
    assert all(s.compared for s in diff.sections)
    assert diff.cluster_id == CLUSTER


def test_nodes_added_and_removed(run1: dict[str, Any], run2: dict[str, Any]) -> None:
    nodes = diff_runs(run1, run2).section("nodes")
    assert nodes.basis == "00-cluster-overview/nodes"
    assert nodes.added == ("worker-3",)
    assert nodes.removed == ("worker-1",)
    assert nodes.changed == ()


def test_os_build_changed_per_node(run1: dict[str, Any], run2: dict[str, Any]) -> None:
    builds = diff_runs(run1, run2).section("os_builds")
    assert builds.basis == "10-node-os/os"
    # a new or removed node is a node change, not an OS build change
    assert builds.added == builds.removed == ()
    assert builds.changed == (
        Change("infra-0", "OS build=416.94.202409191851-0", "OS build=416.94.202411041719-0"),
    )


def test_os_builds_fall_back_to_the_overview(run1: dict[str, Any], run2: dict[str, Any]) -> None:
    for run in (run1, run2):
        del run["runbooks"]["10-node-os"]
    builds = diff_runs(run1, run2).section("os_builds")
    assert builds.basis == "00-cluster-overview/nodes"
    assert [c.item for c in builds.changed] == ["infra-0"]
    assert "416.94.202411041719-0" in builds.changed[0].after


def test_pool_states(run1: dict[str, Any], run2: dict[str, Any]) -> None:
    pools = diff_runs(run1, run2).section("pools")
    assert pools.basis == "50-pool-rollout/machineconfigpools"
    changed = {c.item: c for c in pools.changed}
    assert sorted(changed) == ["infra", "worker"]
    assert changed["infra"].before == "PAUSED=True, UPDATING=False"
    assert changed["infra"].after == "PAUSED=False, UPDATING=True"
    assert "DEGRADED=True" in changed["worker"].after
    assert "CONFIG=rendered-worker-0123456789abcdef0123456789abcdef" in changed["worker"].after
    assert pools.added == pools.removed == ()


def test_scc_grants(run1: dict[str, Any], run2: dict[str, Any]) -> None:
    grants = diff_runs(run1, run2).section("scc_grants")
    assert grants.added == (
        "privileged / ServiceAccount / demo-app:builder / RoleBinding demo-app/builder-privileged"
        " -> ClusterRole system:openshift:scc:privileged",
    )
    assert grants.removed == ("anyuid / Group / system:cluster-admins / scc.groups",)


def test_machineconfigs(run1: dict[str, Any], run2: dict[str, Any]) -> None:
    mcs = diff_runs(run1, run2).section("machineconfigs")
    assert mcs.added == ("60-worker-kargs",)
    assert mcs.removed == ("50-worker-chrony",)
    assert [(c.item, c.before, c.after) for c in mcs.changed] == [
        ("50-infra-sysctl", "FILES=1", "FILES=2")
    ]


def test_a_section_without_tables_in_both_runs_says_so(
    run1: dict[str, Any], run2: dict[str, Any]
) -> None:
    del run2["runbooks"]["60-scc"]
    run1["runbooks"]["40-machineconfigs"]["tables"]["machineconfigs"] = {"not_available": "x"}
    diff = diff_runs(run1, run2)
    for key in ("scc_grants", "machineconfigs"):
        section = diff.section(key)
        assert not section.compared and section.count == 0
        assert section.note.startswith("not compared: both runs need ")
    assert diff.count == 2 + 1 + 2 + 0 + 0  # nodes, os build, pools


def test_diff_to_dict_is_json(run1: dict[str, Any], run2: dict[str, Any]) -> None:
    data = json.loads(json.dumps(diff_runs(run1, run2).to_dict()))
    assert data["changes"] == 2 + 1 + 2 + 2 + 3
    assert [s["key"] for s in data["sections"]] == [
        "nodes",
        "os_builds",
        "pools",
        "scc_grants",
        "machineconfigs",
    ]


def test_previous_run_is_the_latest_earlier_run_of_the_same_cluster(
    run1: dict[str, Any], run2: dict[str, Any]
) -> None:
    other = copy.deepcopy(run2)
    other["source"]["cluster_id"] = "another-cluster"
    other["generated_at"] = "2026-11-20T12:00:00+00:00"
    runs = [("a/1", run1), ("b/1", other), ("a/2", run2)]
    found = history.previous_run(runs, cluster_id=CLUSTER, before="2026-11-22T00:00:00+00:00")
    assert found is not None and found[0] == "a/2"
    found = history.previous_run(runs, cluster_id=CLUSTER, before=run2["generated_at"])
    assert found is not None and found[0] == "a/1"
    assert history.previous_run(runs, cluster_id=CLUSTER, before=run1["generated_at"]) is None
    assert history.previous_run(runs, cluster_id=None, before="9999") is None
    found = history.previous_run(runs, cluster_id=CLUSTER, before="9999", exclude="a/2")
    assert found is not None and found[0] == "a/1"


def test_entry_counts(run2: dict[str, Any]) -> None:
    run2["runbooks"]["60-scc"]["status"] = "failed"
    entry = history.entry_from_summary(run2, path="c/t")
    assert (entry.ok, entry.failed) == (4, 1)
    severities = [f["severity"] for rb in run2["runbooks"].values() for f in rb["findings"]]
    assert sum(entry.findings.values()) == len(severities) > 0
    assert entry.cluster_id == CLUSTER and entry.cluster_version == "4.16.21"
    assert not entry.demo


def write_run(root: Path, path: str, summary: dict[str, Any]) -> None:
    (root / path).mkdir(parents=True)
    (root / path / "summary.json").write_text(json.dumps(summary))


def test_root_index_lists_every_run_with_its_changes(
    tmp_path: Path, run1: dict[str, Any], run2: dict[str, Any]
) -> None:
    write_run(tmp_path, f"{CLUSTER}/20261120T093000Z", run1)
    write_run(tmp_path, f"{CLUSTER}/20261121T093000Z", run2)
    (tmp_path / "junk" / "x").mkdir(parents=True)
    (tmp_path / "junk" / "x" / "summary.json").write_text("{not json")
    runs = history.load_runs(tmp_path)
    assert [p for p, _ in runs] == [f"{CLUSTER}/20261120T093000Z", f"{CLUSTER}/20261121T093000Z"]
    page = history.write_root_index(tmp_path).read_text()
    assert "<script" not in page and "Content-Security-Policy" in page
    assert f'href="{CLUSTER}/20261121T093000Z/index.html"' in page
    newer, older = page.index("20261121T093000Z"), page.index("20261120T093000Z")
    assert newer < older  # newest first
    assert "first run" in page
    assert f"<td class='num'>{diff_runs(run1, run2).count}</td></tr>" in page


def test_diff_html(run1: dict[str, Any], run2: dict[str, Any]) -> None:
    html = run_diff.render_diff_html(diff_runs(run1, run2), previous_href="../x/index.html")
    assert '<a href="../x/index.html">2026-11-20T09:30:00+00:00</a>' in html
    assert "<td>added</td><td>worker-3</td>" in html
    assert "<td>removed</td><td>50-worker-chrony</td>" in html
    assert "No earlier run" in run_diff.render_diff_html(None)


def test_dir_names() -> None:
    assert history.run_dir_name(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "20260102T030405Z"
    assert history.cluster_dir_name("..") == "unknown-cluster"
    assert history.cluster_dir_name(CLUSTER) == CLUSTER


@pytest.mark.notebooks
def test_out_root_keeps_runs_over_time(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rhcos_helpers import cli

    root = tmp_path / "root"
    for _ in range(2):
        assert cli.main(["run", "00", "--out-root", str(root)]) == 0
    out = capsys.readouterr().out
    assert f"runs: {root.absolute() / 'index.html'}" in out
    runs = history.load_runs(root)
    assert len(runs) == 2
    first, second = runs
    assert first[0].split("/")[0] == second[0].split("/")[0] == CLUSTER
    assert first[0] != second[0]
    assert "changes_since_previous" not in first[1]
    changes = second[1]["changes_since_previous"]
    assert changes["changes"] == 0 and changes["previous"] == f"../../{first[0]}/index.html"
    assert (root / second[0] / "00-cluster-overview.html").is_file()
    page = (root / second[0] / "index.html").read_text()
    assert "Changes since the previous run" in page and "0 change(s)" in page
    assert "No earlier run of this cluster" in (root / first[0] / "index.html").read_text()
    listing = (root / "index.html").read_text()
    assert listing.count('/index.html">') == 2 and "first run" in listing
    # --out still writes exactly where it is told
    assert cli.main(["run", "00", "--out", str(tmp_path / "plain")]) == 0
    assert (tmp_path / "plain" / "index.html").is_file()
    assert "Changes since" not in (tmp_path / "plain" / "index.html").read_text()
    assert cli.main(["run", "00", "--out", "x", "--out-root", "y"]) == 2


def _edit_yaml(path: Path, change: Any) -> None:
    doc = yaml.safe_load(path.read_text())
    change(doc)
    path.write_text(yaml.safe_dump(doc))


def _change_the_cluster(capture: Path) -> None:
    """Between two runs: a node leaves, another is updated, a pool resumes, an SCC is granted
    to a service account, a MachineConfig is added, and inside others a file's contents and
    mode, an SSH key and a unit change."""
    (capture / RESOURCES / "core/nodes/worker-2.yaml").unlink()
    shutil.rmtree(capture / "nodes" / "worker-2")

    def update(node: dict[str, Any]) -> None:
        node["status"]["nodeInfo"]["osImage"] = (
            "Red Hat Enterprise Linux CoreOS 416.94.202411041719-0 (Plow)"
        )

    _edit_yaml(capture / RESOURCES / "core/nodes/infra-0.yaml", update)
    pools = capture / RESOURCES / "machineconfiguration.openshift.io/machineconfigpools"
    _edit_yaml(pools / "infra.yaml", lambda pool: pool["spec"].update(paused=False))
    sccs = capture / RESOURCES / "security.openshift.io/securitycontextconstraints"
    _edit_yaml(
        sccs / "anyuid.yaml",
        lambda scc: scc.update(users=["system:serviceaccount:demo-app:builder"]),
    )
    mcs = capture / RESOURCES / "machineconfiguration.openshift.io/machineconfigs"
    extra = yaml.safe_load((mcs / "50-worker-chrony.yaml").read_text())
    extra["metadata"].update(name="60-worker-extra", uid="c4a1a2b3-0000-4000-8000-0000000e4711")
    (mcs / "60-worker-extra.yaml").write_text(yaml.safe_dump(extra))

    def chrony(mc: dict[str, Any]) -> None:  # another time server, and a tighter mode
        file = mc["spec"]["config"]["storage"]["files"][0]
        file["contents"]["source"] = "data:,server%20ntp.example.com%20iburst%0A"
        file["mode"] = 384

    _edit_yaml(mcs / "50-worker-chrony.yaml", chrony)

    def ssh(mc: dict[str, Any]) -> None:  # the key swapped for another
        mc["spec"]["config"]["passwd"]["users"][0]["sshAuthorizedKeys"] = [NEW_SSH_KEY]

    _edit_yaml(mcs / "99-worker-ssh.yaml", ssh)

    def units(mc: dict[str, Any]) -> None:  # a unit disabled
        for unit in mc["spec"]["config"]["systemd"]["units"]:
            if unit["name"] == "openvswitch.service":
                unit["enabled"] = False

    _edit_yaml(mcs / "00-worker.yaml", units)


#: a real-format ed25519 public key (its fingerprint is in the diff, never the key)
NEW_SSH_KEY = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDemoDemoDemoDemoDemoDemoDemoDemoDemoDemo000 new@example"
)


@pytest.mark.notebooks
def test_the_runbooks_record_what_the_diff_compares(tmp_path: Path) -> None:
    # two real runs of a capture that changed in between: every section of the diff is
    # compared from what the runbooks recorded, and finds exactly what changed
    capture, root = tmp_path / "capture", tmp_path / "root"
    shutil.copytree(DEMO, capture)
    runbooks = ["00-cluster-overview", "40-machineconfigs", "60-scc"]
    first = runner.run_runbooks(runbooks, source=str(capture), parameters={}, out_root=root)
    _change_the_cluster(capture)
    second = runner.run_runbooks(runbooks, source=str(capture), parameters={}, out_root=root)
    assert first.ok and second.ok, [(r.name, r.error) for r in [*first.results, *second.results]]

    changes = json.loads(second.summary.read_text())["changes_since_previous"]
    sections = {s["key"]: s for s in changes["sections"]}
    assert all(s["compared"] for s in sections.values()), sections
    assert sections["nodes"]["removed"] == ["worker-2"] and sections["nodes"]["added"] == []
    assert [c["item"] for c in sections["os_builds"]["changed"]] == ["infra-0"]
    assert "416.94.202411041719-0" in sections["os_builds"]["changed"][0]["after"]
    pools = {c["item"]: c for c in sections["pools"]["changed"]}
    assert "PAUSED=True" in pools["infra"]["before"] and "PAUSED=False" in pools["infra"]["after"]
    assert sections["scc_grants"]["added"] == [
        "anyuid / ServiceAccount / system:serviceaccount:demo-app:builder / scc.users"
    ]
    assert sections["scc_grants"]["removed"] == []
    assert sections["machineconfigs"]["added"] == ["60-worker-extra"]
    assert sections["machineconfigs"]["removed"] == []
    mc_changes = {c["item"]: c for c in sections["machineconfigs"]["changed"]}
    assert set(mc_changes) == {
        "99-worker-ssh",
        "50-worker-chrony /etc/chrony.conf",
        "00-worker openvswitch.service",
    }
    ssh = mc_changes["99-worker-ssh"]
    assert ssh["before"].startswith("SSH=1 key(s) for core: ")
    assert (
        ssh["after"] == "SSH=1 key(s) for core: SHA256:pQSEEDFZ9UXwa/ywrpMGLi2Dx65OCp69nSdHygwOJcE"
    )
    chrony = mc_changes["50-worker-chrony /etc/chrony.conf"]
    assert chrony["before"].startswith("MODE=0644, contents ")
    assert chrony["after"] == "MODE=0600, contents changed, 30 bytes"
    assert mc_changes["00-worker openvswitch.service"] == {
        "item": "00-worker openvswitch.service", "before": "ENABLED=True", "after": "ENABLED=False",
    }  # fmt: skip
    assert "mc_files" in sections["machineconfigs"]["basis"]
    page = second.index.read_text()
    assert "Changes since the previous run" in page and "60-worker-extra" in page
    assert "50-worker-chrony /etc/chrony.conf" in page
    assert "AAAAC3NzaC1lZDI1NTE5AAAAIDemoDemo" not in page + second.summary.read_text()
    assert "first run" in (root / "index.html").read_text()
