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
DEMO_SSH_KEY = "AAAAC3NzaC1lZDI1NTE5AAAAIDemo"  # the demo's key starts so (as in test_notebooks)
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
    to a service account, a MachineConfig is added, and inside others a file's contents, a
    file's mode, an SSH key, a unit, a drop-in and an extension change, a file is added to
    one and the only file of another is removed."""
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

    def chrony(mc: dict[str, Any]) -> None:  # another time server, a file and an extension
        files = mc["spec"]["config"]["storage"]["files"]
        files[0]["contents"]["source"] = "data:,server%20ntp.example.com%20iburst%0A"
        files.append(
            {"path": "/etc/sysconfig/chronyd", "mode": 420, "overwrite": True,
             "contents": {"source": "data:,OPTIONS%3D%22-F%202%22%0A"}}
        )  # fmt: skip
        mc["spec"]["extensions"] = ["usbguard"]

    _edit_yaml(mcs / "50-worker-chrony.yaml", chrony)

    def ssh(mc: dict[str, Any]) -> None:  # the key swapped for another
        mc["spec"]["config"]["passwd"]["users"][0]["sshAuthorizedKeys"] = [NEW_SSH_KEY]

    _edit_yaml(mcs / "99-worker-ssh.yaml", ssh)

    def worker(mc: dict[str, Any]) -> None:  # a tighter mode, a unit disabled, a drop-in edited
        for file in mc["spec"]["config"]["storage"]["files"]:
            if file["path"] == "/usr/local/bin/configure-ovs.sh":
                file["mode"] = 0o700
        for unit in mc["spec"]["config"]["systemd"]["units"]:
            if unit["name"] == "openvswitch.service":
                unit["enabled"] = False
            if unit["name"] == "ovsdb-server.service":
                unit["dropins"][0]["contents"] = "[Service]\nRestart=on-failure\nRestartSec=5\n"

    _edit_yaml(mcs / "00-worker.yaml", worker)

    def sysctl(mc: dict[str, Any]) -> None:  # its only file removed
        mc["spec"]["config"]["storage"]["files"] = []

    _edit_yaml(mcs / "50-infra-sysctl.yaml", sysctl)


#: a real-format ed25519 public key (its fingerprint is in the diff, never the key)
NEW_SSH_KEY = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDemoDemoDemoDemoDemoDemoDemoDemoDemoDemo000 new@example"
)


@pytest.mark.notebooks
def test_the_runbooks_record_what_the_diff_compares(tmp_path: Path) -> None:
    # three real runs of a capture: the same capture twice (no change at all), then changed:
    # every section of the diff is compared from what the runbooks recorded, and finds exactly
    # what changed
    capture, root = tmp_path / "capture", tmp_path / "root"
    shutil.copytree(DEMO, capture)
    runbooks = ["00-cluster-overview", "40-machineconfigs", "60-scc"]
    first = runner.run_runbooks(runbooks, source=str(capture), parameters={}, out_root=root)
    again = runner.run_runbooks(runbooks, source=str(capture), parameters={}, out_root=root)
    _change_the_cluster(capture)
    second = runner.run_runbooks(runbooks, source=str(capture), parameters={}, out_root=root)
    runs = [*first.results, *again.results, *second.results]
    assert first.ok and again.ok and second.ok, [(r.name, r.error) for r in runs]

    unchanged = json.loads(again.summary.read_text())["changes_since_previous"]
    assert unchanged["changes"] == 0, unchanged
    same_mcs = {s["key"]: s for s in unchanged["sections"]}["machineconfigs"]
    assert same_mcs["compared"] and same_mcs["note"] == ""
    assert same_mcs["basis"] == (
        "40-machineconfigs/machineconfigs, 40-machineconfigs/mc_files, "
        "40-machineconfigs/mc_units, 40-machineconfigs/mc_kernel"
    )

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
    mcs = sections["machineconfigs"]
    assert mcs["added"] == ["60-worker-extra"]  # its files are not listed one by one
    assert mcs["removed"] == []
    assert mcs["note"] == ""
    lines = [run_diff.Change(**c).line for c in mcs["changed"]]
    fingerprint = "SHA256:pQSEEDFZ9UXwa/ywrpMGLi2Dx65OCp69nSdHygwOJcE"
    assert lines == [
        "00-worker /usr/local/bin/configure-ovs.sh: mode 0755 -> 0700",
        "00-worker openvswitch.service: enabled -> disabled",
        "00-worker ovsdb-server.service drop-in 10-ovsdb-restart.conf: "
        "contents changed (25 -> 42 bytes)",
        "50-infra-sysctl /etc/sysctl.d/99-infra-router.conf: file removed",
        "50-worker-chrony: extensions none -> usbguard",
        "50-worker-chrony /etc/chrony.conf: contents changed (95 -> 30 bytes)",
        "50-worker-chrony /etc/sysconfig/chronyd: file added",
        "99-worker-ssh: SSH keys changed",
    ], lines
    changed = {c["item"]: c for c in mcs["changed"]}
    ssh = changed["99-worker-ssh"]
    assert ssh["before"] == "SSH=1 key(s) for core: line sha256 17a292eaa24e"  # the demo's
    assert ssh["after"] == f"SSH=1 key(s) for core: {fingerprint}"
    assert changed["50-worker-chrony"]["after"] == "EXTENSIONS=usbguard"
    assert changed["50-worker-chrony /etc/sysconfig/chronyd"]["after"] == (
        "mode 0644, owner root:root, overwrite true, 15 bytes"
    )
    page = second.index.read_text()
    assert "Changes since the previous run" in page and "60-worker-extra" in page
    assert (
        "<td>contents changed (95 -&gt; 30 bytes)</td><td>50-worker-chrony /etc/chrony.conf" in page
    )
    assert fingerprint in page
    # the diff says that contents changed, never what they are
    diff_text = json.dumps(changes) + page
    assert "ntp.example.com" not in diff_text and "tick.stdtime" not in diff_text
    assert "Restart=on-failure" not in diff_text and "OPTIONS" not in diff_text
    for key in (DEMO_SSH_KEY, NEW_SSH_KEY.split()[1]):
        assert key not in page + second.summary.read_text()
    assert "first run" in (root / "index.html").read_text()


# --- inside MachineConfigs, from small summaries ---------------------------------------------


def _file(mc: str, path: str, contents: str, **extra: Any) -> dict[str, Any]:
    row = {"MACHINECONFIG": mc, "PATH": path, "MODE": "0644", "OVERWRITE": True,
           "OWNER": "root:root", "ENCODING": "percent", "BYTES": len(contents.encode()),
           "CONTENTS": contents}  # fmt: skip
    return {**row, **extra}


def _unit(mc: str, unit: str, contents: str = "", dropin: str = "", **extra: Any) -> dict[str, Any]:
    row = {"MACHINECONFIG": mc, "UNIT": unit, "DROP-IN": dropin, "ENABLED": "" if dropin else True,
           "MASK": "", "CONTENTS": contents}  # fmt: skip
    return {**row, **extra}


def _mc(name: str, **extra: Any) -> dict[str, Any]:
    origin = "rendered" if name.startswith("rendered-") else "user"
    row = {"NAME": name, "GENERATEDBYCONTROLLER": "", "IGNITIONVERSION": "3.4.0", "AGE": "1d",
           "ROLE": "worker", "ORIGIN": origin, "FROM": "", "FILES": 0, "UNITS": 0,
           "KERNEL ARGS": "", "SSH": "", "PROBLEMS": ""}  # fmt: skip
    return {**row, **extra}


def mc_run(
    mcs: list[dict[str, Any]],
    files: list[dict[str, Any]] | None = None,
    units: list[dict[str, Any]] | None = None,
    kernel: list[dict[str, Any]] | None = None,
    machineconfig: str = "",
) -> dict[str, Any]:
    """A summary with only what runbook 40 records (``None``: the table is missing)."""
    tables: dict[str, Any] = {"machineconfigs": mcs}
    for name, rows in (("mc_files", files), ("mc_units", units), ("mc_kernel", kernel)):
        if rows is not None:
            tables[name] = rows
    params = {"MACHINECONFIG": machineconfig} if machineconfig else {}
    return {"generated_at": "t", "source": {"cluster_id": CLUSTER},
            "runbooks": {"40-machineconfigs": {"parameters": params, "tables": tables}}}  # fmt: skip


CHRONY_CONF = "server tick.stdtime.gov.tw iburst\n"
SSH_BEFORE = "1 key(s) for core: SHA256:pQSEEDFZ9UXwa/ywrpMGLi2Dx65OCp69nSdHygwOJcE"


@pytest.fixture
def mc_before() -> dict[str, Any]:
    return mc_run(
        [_mc("00-worker", FILES=1, UNITS=2), _mc("50-worker-chrony", FILES=1),
         _mc("50-infra-sysctl", FILES=1), _mc("99-worker-ssh", SSH=SSH_BEFORE),
         _mc("rendered-worker-1", FILES=3, UNITS=2, SSH=SSH_BEFORE)],
        files=[_file("00-worker", "/usr/local/bin/configure-ovs.sh", "#!/bin/bash\n", MODE="0755"),
               _file("50-worker-chrony", "/etc/chrony.conf", CHRONY_CONF),
               _file("50-infra-sysctl", "/etc/sysctl.d/99-router.conf", "net.ipv4.ip_forward=1\n")],
        units=[_unit("00-worker", "openvswitch.service"),
               _unit("00-worker", "ovsdb-server.service", ENABLED=""),
               _unit("00-worker", "ovsdb-server.service", "[Service]\nRestart=always\n",
                     "10-ovsdb-restart.conf")],
        kernel=[_mc_kernel("99-worker-ssh", SSH=SSH_BEFORE)],
    )  # fmt: skip


def _mc_kernel(mc: str, **extra: Any) -> dict[str, Any]:
    row = {"MACHINECONFIG": mc, "KERNEL ARGUMENTS": "", "EXTENSIONS": "", "FIPS": False,
           "KERNEL TYPE": "", "OS IMAGE": "", "SSH KEYS": extra.pop("SSH", "")}  # fmt: skip
    return {**row, **extra}


def _lines(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return [c.line for c in diff_runs(before, after).section("machineconfigs").changed]


def _tables(run: dict[str, Any]) -> dict[str, Any]:
    tables: dict[str, Any] = run["runbooks"]["40-machineconfigs"]["tables"]
    return tables


def _rows_of(run: dict[str, Any], table: str, **match: str) -> dict[str, Any]:
    return next(r for r in _tables(run)[table] if all(r[k] == v for k, v in match.items()))


def test_identical_machineconfigs_are_no_change(mc_before: dict[str, Any]) -> None:
    mcs = diff_runs(mc_before, copy.deepcopy(mc_before)).section("machineconfigs")
    assert mcs.compared and mcs.count == 0 and mcs.note == ""
    assert "40-machineconfigs/mc_files" in mcs.basis and "mc_kernel" in mcs.basis


def test_file_contents_and_mode_changes_read_like_an_admin_expects(
    mc_before: dict[str, Any],
) -> None:
    after = copy.deepcopy(mc_before)
    chrony = _rows_of(after, "mc_files", PATH="/etc/chrony.conf")
    chrony.update(CONTENTS="server ntp.example.com iburst\n", BYTES=30)
    _rows_of(after, "mc_files", PATH="/usr/local/bin/configure-ovs.sh").update(MODE="0700")
    sysctl = _rows_of(after, "mc_files", PATH="/etc/sysctl.d/99-router.conf")
    sysctl.update(CONTENTS="net.ipv4.ip_forward=0\n", OWNER="core:core", OVERWRITE=False)
    assert _lines(mc_before, after) == [
        "00-worker /usr/local/bin/configure-ovs.sh: mode 0755 -> 0700",
        "50-infra-sysctl /etc/sysctl.d/99-router.conf: contents changed (22 -> 22 bytes); "
        "owner root:root -> core:core; overwrite true -> false",
        "50-worker-chrony /etc/chrony.conf: contents changed (34 -> 30 bytes)",
    ]
    text = json.dumps(diff_runs(mc_before, after).to_dict())
    assert "ntp.example.com" not in text and "tick.stdtime" not in text  # sizes, not contents
    assert "ip_forward" not in text


def test_a_change_the_recorded_contents_hide_shows_by_its_size(mc_before: dict[str, Any]) -> None:
    # contents are recorded redacted and cut: equal recorded text, but another size
    after = copy.deepcopy(mc_before)
    _rows_of(after, "mc_files", PATH="/etc/chrony.conf").update(BYTES=5000)
    assert _lines(mc_before, after) == [
        "50-worker-chrony /etc/chrony.conf: contents changed (34 -> 5000 bytes)"
    ]


def test_files_added_and_removed_inside_machineconfigs(mc_before: dict[str, Any]) -> None:
    after = copy.deepcopy(mc_before)
    files = _tables(after)["mc_files"]
    files.remove(_rows_of(after, "mc_files", PATH="/etc/sysctl.d/99-router.conf"))  # its only
    files.append(_file("50-worker-chrony", "/etc/sysconfig/chronyd", 'OPTIONS="-F 2"\n'))
    files.append(_file("60-worker-new", "/etc/new.conf", "x\n"))  # of a new MachineConfig
    for row in _tables(after)["machineconfigs"]:
        if row["NAME"] == "50-infra-sysctl":
            row["FILES"] = 0
        if row["NAME"] == "50-worker-chrony":
            row["FILES"] = 2
    _tables(after)["machineconfigs"].append(_mc("60-worker-new", FILES=1))
    mcs = diff_runs(mc_before, after).section("machineconfigs")
    assert mcs.added == ("60-worker-new",)  # its file is not listed again
    assert [(c.item, c.what, c.before, c.after) for c in mcs.changed] == [
        ("50-infra-sysctl /etc/sysctl.d/99-router.conf", "file removed",
         "mode 0644, owner root:root, overwrite true, 22 bytes", "absent"),
        ("50-worker-chrony /etc/sysconfig/chronyd", "file added", "absent",
         "mode 0644, owner root:root, overwrite true, 15 bytes"),
    ]  # fmt: skip


def test_units_and_drop_ins(mc_before: dict[str, Any]) -> None:
    after = copy.deepcopy(mc_before)
    _rows_of(after, "mc_units", UNIT="openvswitch.service").update(ENABLED=False)
    _rows_of(after, "mc_units", UNIT="ovsdb-server.service", **{"DROP-IN": ""}).update(MASK=True)
    dropin = _rows_of(after, "mc_units", **{"DROP-IN": "10-ovsdb-restart.conf"})
    dropin.update(CONTENTS="[Service]\nRestart=on-failure\n")
    _tables(after)["mc_units"].append(_unit("00-worker", "kubelet.service", "x\n", "20-x.conf"))
    _tables(after)["mc_units"].append(_unit("00-worker", "zincati.service", ENABLED=False))
    assert _lines(mc_before, after) == [
        "00-worker kubelet.service drop-in 20-x.conf: drop-in added",
        "00-worker openvswitch.service: enabled -> disabled",
        "00-worker ovsdb-server.service: not masked -> masked",
        "00-worker ovsdb-server.service drop-in 10-ovsdb-restart.conf: "
        "contents changed (25 -> 29 bytes)",
        "00-worker zincati.service: unit added",
    ]
    zincati = diff_runs(mc_before, after).section("machineconfigs").changed[-1]
    assert zincati.after == "disabled, no contents"
    assert "Restart=on-failure" not in json.dumps(diff_runs(mc_before, after).to_dict())


def test_a_swapped_ssh_key_is_a_change(mc_before: dict[str, Any]) -> None:
    after = copy.deepcopy(mc_before)
    other = "1 key(s) for core: SHA256:kQsbbpr5yvhFAGo2WY+pb8n0Hxvu3mbDcU2uUq0oa4Y"
    _rows_of(after, "machineconfigs", NAME="99-worker-ssh")["SSH"] = other
    _rows_of(after, "mc_kernel", MACHINECONFIG="99-worker-ssh")["SSH KEYS"] = other
    (change,) = diff_runs(mc_before, after).section("machineconfigs").changed
    assert change == Change(
        "99-worker-ssh", f"SSH={SSH_BEFORE}", f"SSH={other}", "SSH keys changed"
    )


def test_kernel_settings_from_mc_kernel(mc_before: dict[str, Any]) -> None:
    after = copy.deepcopy(mc_before)
    kernel = _tables(after)["mc_kernel"]
    kernel.append(_mc_kernel("50-worker-chrony", FIPS=True, **{"KERNEL TYPE": "realtime"}))
    kernel.append(_mc_kernel("00-worker", EXTENSIONS="usbguard"))
    assert _lines(mc_before, after) == [
        "00-worker: extensions none -> usbguard",
        "50-worker-chrony: FIPS False -> True; kernel type default -> realtime",
    ]
    # a MachineConfig that stops setting any of them leaves the table: not a change by itself
    gone = copy.deepcopy(mc_before)
    _tables(gone)["mc_kernel"] = []
    assert _lines(mc_before, gone) == []


def test_rendered_machineconfigs_are_compared_by_their_row_only(mc_before: dict[str, Any]) -> None:
    after = copy.deepcopy(mc_before)
    _rows_of(after, "machineconfigs", NAME="rendered-worker-1")["FILES"] = 4
    assert _lines(mc_before, after) == ["rendered-worker-1: files 3 -> 4"]


def test_an_older_summary_without_the_tables_says_not_compared(mc_before: dict[str, Any]) -> None:
    older = copy.deepcopy(mc_before)
    for table in ("mc_files", "mc_units", "mc_kernel"):
        del _tables(older)[table]
    after = copy.deepcopy(mc_before)
    _rows_of(after, "mc_files", PATH="/etc/chrony.conf").update(CONTENTS="x\n", BYTES=2)
    mcs = diff_runs(older, after).section("machineconfigs")
    assert mcs.compared and mcs.count == 0  # same counts
    assert mcs.basis == "40-machineconfigs/machineconfigs"
    assert mcs.note == (
        "files not compared: both runs need 40-machineconfigs/mc_files (counted instead); "
        "units not compared: both runs need 40-machineconfigs/mc_units (counted instead); "
        "extensions, FIPS, kernel type and OS image not compared: both runs need "
        "40-machineconfigs/mc_kernel"
    )
    html = run_diff.render_diff_html(diff_runs(older, after))
    assert "No change (from 40-machineconfigs/machineconfigs). Files not compared: both" in html
    _rows_of(after, "machineconfigs", NAME="50-worker-chrony")["FILES"] = 2
    assert _lines(older, after) == ["50-worker-chrony: files 1 -> 2"]
    # runbook 40 not run at all
    del after["runbooks"]["40-machineconfigs"]
    mcs = diff_runs(mc_before, after).section("machineconfigs")
    assert not mcs.compared and mcs.note.startswith("not compared: both runs need ")


def test_runs_that_showed_other_machineconfigs_are_not_compared_file_by_file(
    mc_before: dict[str, Any],
) -> None:
    # MACHINECONFIG=50-worker-chrony: runbook 40 lists that one's files and units only
    one = mc_run(
        _tables(mc_before)["machineconfigs"],
        files=[_file("50-worker-chrony", "/etc/chrony.conf", "server x\n")],
        units=[], kernel=[_mc_kernel("50-worker-chrony")], machineconfig="50-worker-chrony",
    )  # fmt: skip
    mcs = diff_runs(mc_before, one).section("machineconfigs")
    assert mcs.count == 0  # no file "removed" from the MachineConfigs it left out
    assert mcs.note.startswith(
        "files, units and kernel settings not compared: runbook 40 showed every MachineConfig "
        "before and MACHINECONFIG=50-worker-chrony now"
    )
    # two runs of the same MachineConfig: its files are compared, the others' counted
    later = copy.deepcopy(one)
    _rows_of(later, "mc_files", PATH="/etc/chrony.conf").update(MODE="0600")
    _rows_of(later, "machineconfigs", NAME="00-worker")["FILES"] = 2
    assert _lines(one, later) == [
        "00-worker: files 1 -> 2",
        "50-worker-chrony /etc/chrony.conf: mode 0644 -> 0600",
    ]


def test_a_machineconfig_that_became_unreadable(mc_before: dict[str, Any]) -> None:
    after = copy.deepcopy(mc_before)
    row = _rows_of(after, "machineconfigs", NAME="50-worker-chrony")
    row.update(ORIGIN="unreadable", FILES=None, UNITS=None, PROBLEMS="spec.config: not an object")
    _tables(after)["mc_files"] = [
        r for r in _tables(after)["mc_files"] if r["MACHINECONFIG"] != "50-worker-chrony"
    ]
    (change,) = diff_runs(mc_before, after).section("machineconfigs").changed
    assert change.line == "50-worker-chrony: could not be read"  # its file is not "removed"
    assert change.after == "unreadable: spec.config: not an object"
    assert _lines(after, mc_before) == ["50-worker-chrony: readable again"]
