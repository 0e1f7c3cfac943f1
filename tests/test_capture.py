"""Tests of rhcos_helpers.sources.capture: must-gather layouts, sos reports, archives, errors.

The sample files under tests/data/capture/ are real-format: mg-4.16/ is an image directory as
`oc adm must-gather` (4.16) writes it, sos-4.16/ holds single files of a sos 4.7 report of an
RHCOS 4.16 node. The helpers below assemble the layout variants from them in tmp_path.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from rhcos_helpers.errors import NotApplicable, SourceError, UsageError
from rhcos_helpers.sources import _archive
from rhcos_helpers.sources.capture import CaptureSource, open_capture

DATA = Path(__file__).parent / "data" / "capture"
MG = DATA / "mg-4.16"
SOS = DATA / "sos-4.16"

IMAGE_DIR = (
    "quay-io-openshift-release-dev-ocp-v4-0-art-dev-sha256-"
    "7b9c4e1f0a2d3c5b6e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d"
)
OTHER_IMAGE_DIR = (
    "registry-redhat-io-container-native-virtualization-cnv-must-gather-rhel9-sha256-0a1b2c"
)
MG_LOCAL = "must-gather.local.5538210376124960"
# what oc adm must-gather appends to must-gather.local.<n>/timestamp: time.Now() with %v, at start
# and at end of the gather
TIMESTAMP = (
    "2024-05-02 10:02:33.412935117 +0000 UTC m=+0.081244511\n"
    "2024-05-02 10:10:07.120331 +0000 UTC m=+453.789061990\n"
)
MASTER = "master-0.example.com"
WORKER = "worker-0.example.com"
MASTER_MID = "5f1c2a7b9d3e4f60a1b2c3d4e5f60718"


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "xdg-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return cache


# ---------------------------------------------------------------------- layout builders


def build_mg(base: Path, variant: str = "local") -> Path:
    """A must-gather in one of the layouts real cases carry; returns the path a user passes."""
    if variant == "plain":  # the image directory itself
        shutil.copytree(MG, base / "mg")
        return base / "mg"
    top = base / MG_LOCAL
    if variant == "local":
        shutil.copytree(MG, top / IMAGE_DIR)
    elif variant == "node-selector":  # --node-selector: <node, non-alnum -> '-'>/<image-dir>/
        shutil.copytree(MG, top / "master-0-example-com" / IMAGE_DIR)
    elif variant == "two-gathers":
        shutil.copytree(MG, top / IMAGE_DIR)
        other = top / OTHER_IMAGE_DIR
        nodes = other / "cluster-scoped-resources" / "core" / "nodes"
        nodes.mkdir(parents=True)
        node = yaml.safe_load(
            (MG / "cluster-scoped-resources/core/nodes" / f"{WORKER}.yaml").read_text()
        )
        node["metadata"]["resourceVersion"] = "900000"  # newer than the default gather's copy
        node["metadata"]["labels"]["gathered-by"] = "second"
        (nodes / f"{WORKER}.yaml").write_text(yaml.safe_dump(node))
        older = yaml.safe_load(
            (MG / "cluster-scoped-resources/core/nodes" / f"{MASTER}.yaml").read_text()
        )
        older["metadata"]["resourceVersion"] = "700000"  # older: the default gather's copy wins
        older["metadata"]["labels"]["gathered-by"] = "second"
        (nodes / f"{MASTER}.yaml").write_text(yaml.safe_dump(older))
        rbac = other / "cluster-scoped-resources" / "rbac.authorization.k8s.io"
        rbac.mkdir(parents=True)
        (rbac / "clusterrolebindings.yaml").write_text(
            yaml.safe_dump(
                {
                    "apiVersion": "v1",
                    "kind": "ClusterRoleBindingList",
                    "items": [
                        {
                            "apiVersion": "rbac.authorization.k8s.io/v1",
                            "kind": "ClusterRoleBinding",
                            "metadata": {"name": "cluster-admins", "resourceVersion": "12"},
                            "roleRef": {"kind": "ClusterRole", "name": "cluster-admin"},
                        }
                    ],
                }
            )
        )
    else:
        raise AssertionError(variant)
    (top / "timestamp").write_text(TIMESTAMP)
    (top / "must-gather.logs").write_text(
        "[must-gather      ] OUT 2024-05-02T10:02:33Z Using ...\n"
    )
    return top


def make_tar(src: Path, dest: Path) -> Path:
    mode = {".gz": "w:gz", ".xz": "w:xz"}[dest.suffix]
    with tarfile.open(dest, mode) as tar:
        tar.add(src, arcname=src.name)
    return dest


def build_sos(
    base: Path,
    short: str,
    *,
    machine_id: str | None,
    hostname: str | None,
    etc_hostname: str | None = None,
    crio_journal: bool = False,
) -> Path:
    """A sos report directory as `sos report` leaves it (before compression)."""
    root = base / f"sosreport-{short}-2024-05-02-qkzvbtr"
    (root / "sos_commands" / "crio").mkdir(parents=True)
    (root / "sos_reports").mkdir()
    (root / "etc").mkdir()
    (root / "usr" / "lib").mkdir(parents=True)
    shutil.copy(SOS / "sos-version-4.7.txt", root / "version.txt")
    shutil.copy(SOS / "sos-manifest-4.7.json", root / "sos_reports" / "manifest.json")
    # RHCOS: /etc/os-release is a relative link to ../usr/lib/os-release; sos keeps the link
    shutil.copy(SOS / "os-release-416.94.txt", root / "usr" / "lib" / "os-release")
    (root / "etc" / "os-release").symlink_to("../usr/lib/os-release")
    shutil.copy(SOS / "crictl-ps-a-1.29.txt", root / "sos_commands" / "crio" / "crictl_ps_-a")
    if machine_id:
        (root / "etc" / "machine-id").write_text(machine_id + "\n")
    if hostname:
        (root / "sos_commands" / "host").mkdir()
        (root / "sos_commands" / "host" / "hostname").write_text(hostname + "\n")
        (root / "hostname").symlink_to("sos_commands/host/hostname")  # sos root_symlink
    if etc_hostname:
        (root / "etc" / "hostname").write_text(etc_hostname + "\n")
    if crio_journal:
        (root / "sos_commands" / "logs").mkdir()
        shutil.copy(
            SOS / "journalctl-unit-crio-4.16.txt",
            root / "sos_commands" / "logs" / "journalctl_--no-pager_--unit_crio",
        )
    return root


def names(objs: list[dict[str, object]]) -> list[str]:
    return [o["metadata"]["name"] for o in objs]  # type: ignore[index]


# ---------------------------------------------------------------------- must-gather layouts


def test_plain_image_dir_reads_objects_and_identity(tmp_path: Path) -> None:
    path = build_mg(tmp_path, "plain")
    stamp = datetime(2024, 5, 2, 10, 15, tzinfo=UTC).timestamp()
    for f in path.rglob("*"):
        os.utime(f, (stamp - 60, stamp - 60))
    os.utime(path / "cluster-scoped-resources/core/nodes" / f"{MASTER}.yaml", (stamp, stamp))
    src = open_capture([path], spec=str(path))
    assert isinstance(src, CaptureSource)
    assert src.node_names() == [MASTER, WORKER]
    ident = src.identity
    assert ident.kind == "capture"
    assert ident.cluster_id == "6a1d3f9e-8b2c-4e57-a0d4-3c9b8f1e2d7a"
    assert ident.cluster_version == "4.16.21"
    assert ident.api_url == "https://api.ocp416.example.com:6443"  # from a List file
    # no timestamp file: the newest file's mtime
    assert ident.captured_at == datetime(2024, 5, 2, 10, 15, tzinfo=UTC)
    assert src.now() == ident.captured_at
    scc = src.get("securitycontextconstraints", "restricted-v2")
    assert scc is not None and scc["requiredDropCapabilities"] == ["ALL"]
    pool = src.list("machineconfigpools")
    assert names(pool) == ["master"] and pool[0]["status"]["machineCount"] == 1
    assert src.get("clusteroperators", "machine-config")["kind"] == "ClusterOperator"  # type: ignore[index]


def test_must_gather_local_timestamp_is_capture_time(tmp_path: Path) -> None:
    src = open_capture([build_mg(tmp_path, "local")], spec="mg")
    # the last line of the timestamp file: when the gather ended
    assert src.identity.captured_at == datetime(2024, 5, 2, 10, 10, 7, 120331, tzinfo=UTC)
    assert src.node_names() == [MASTER, WORKER]


def test_node_selector_level_is_found(tmp_path: Path) -> None:
    src = open_capture([build_mg(tmp_path, "node-selector")], spec="mg")
    assert src.node_names() == [MASTER, WORKER]
    assert src.identity.captured_at == datetime(2024, 5, 2, 10, 10, 7, 120331, tzinfo=UTC)


def test_two_gathers_merge_newest_resource_version_without_duplicates(tmp_path: Path) -> None:
    src = open_capture([build_mg(tmp_path, "two-gathers")], spec="mg")
    nodes = {n["metadata"]["name"]: n for n in src.list("nodes")}
    assert sorted(nodes) == [MASTER, WORKER]  # each node once although two gathers hold it
    assert nodes[WORKER]["metadata"]["labels"].get("gathered-by") == "second"
    assert "gathered-by" not in nodes[MASTER]["metadata"]["labels"]
    crb = src.list("clusterrolebindings")  # only the second gather collected RBAC
    assert names(crb) == ["cluster-admins"]
    assert crb[0]["kind"] == "ClusterRoleBinding"


def test_inspect_dir_next_to_must_gather_adds_resources(tmp_path: Path) -> None:
    mg = build_mg(tmp_path, "local")
    inspect = tmp_path / "inspect.local.123"
    (inspect / "namespaces" / "openshift-monitoring" / "core").mkdir(parents=True)
    (inspect / "namespaces" / "openshift-monitoring" / "core" / "pods.yaml").write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "PodList",
                "items": [
                    {"metadata": {"name": "prometheus-k8s-0", "namespace": "openshift-monitoring"}}
                ],
            }
        )
    )
    src = open_capture([mg, inspect], spec=f"{mg},{inspect}")
    pods = src.list("pods", namespace="openshift-monitoring")
    assert names(pods) == ["prometheus-k8s-0"]
    assert pods[0]["apiVersion"] == "v1" and pods[0]["kind"] == "Pod"  # filled in from the kind


def test_single_object_and_list_files_are_merged(tmp_path: Path) -> None:
    src = open_capture([build_mg(tmp_path, "local")], spec="mg")
    # core/pods.yaml (a PodList) and pods/<pod>/<pod>.yaml hold the etcd pod: it appears once
    pods = src.list("pods", namespace="openshift-etcd")
    assert names(pods) == ["etcd-master-0.example.com", "installer-7-master-0.example.com"]
    # .yml List file
    ds = src.list("daemonsets")
    assert names(ds) == ["machine-config-daemon"]
    assert ds[0]["metadata"]["namespace"] == "openshift-machine-config-operator"
    # namespace None = every namespace
    assert len(src.list("pods")) == 2
    assert names(src.list("pods", label_selector="app=etcd")) == ["etcd-master-0.example.com"]
    assert names(src.list("pods", label_selector="app!=etcd")) == [
        "installer-7-master-0.example.com"
    ]
    assert names(src.list("nodes", label_selector="node-role.kubernetes.io/worker")) == [WORKER]
    # namespaces/<ns>/<ns>.yaml is the Namespace object
    ns = src.get("namespaces", "openshift-etcd")
    assert (
        ns is not None
        and ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "privileged"
    )
    assert src.get("pods", "etcd-master-0.example.com", namespace="openshift-etcd") is not None
    assert src.get("pods", "etcd-master-0.example.com")["metadata"]["namespace"] == "openshift-etcd"  # type: ignore[index]
    assert src.get("pods", "nope", namespace="openshift-etcd") is None


def test_per_pod_files_are_read_when_the_list_is_absent(tmp_path: Path) -> None:
    path = build_mg(tmp_path, "plain")
    (path / "namespaces" / "openshift-etcd" / "core" / "pods.yaml").unlink()
    src = open_capture([path], spec="mg")
    pods = src.list("pods", namespace="openshift-etcd")
    assert names(pods) == ["etcd-master-0.example.com"]
    assert pods[0]["spec"]["nodeName"] == MASTER


def test_objects_are_copies(tmp_path: Path) -> None:
    src = open_capture([build_mg(tmp_path, "plain")], spec="mg")
    src.list("nodes")[0]["metadata"]["name"] = "changed"
    src.get("nodes", MASTER)["status"] = {}  # type: ignore[index]
    assert src.node_names() == [MASTER, WORKER]
    assert src.get("nodes", MASTER)["status"]["nodeInfo"]["machineID"] == MASTER_MID  # type: ignore[index]


@pytest.mark.parametrize("suffix", [".tar.gz", ".tar.xz"])
def test_tarball_is_extracted_selectively(tmp_path: Path, suffix: str, _cache: Path) -> None:
    top = build_mg(tmp_path / "src", "local")
    archive = make_tar(top, tmp_path / f"{MG_LOCAL}{suffix}")
    src = open_capture([archive], spec=str(archive))
    assert src.node_names() == [MASTER, WORKER]
    assert src.identity.captured_at == datetime(2024, 5, 2, 10, 10, 7, 120331, tzinfo=UTC)
    extracted = list((_cache / "rhcos-runbooks" / "extract").iterdir())
    assert len(extracted) == 1
    files = {p.name for p in extracted[0].rglob("*") if p.is_file()}
    assert "current.log" not in files  # pod logs skipped
    assert "crio_service.log" in files  # host_service_logs kept
    assert "must-gather.logs" not in files
    assert src.node_output(MASTER, "journal_unit", unit="crio", since="-1h").ok


def test_extraction_cache_is_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = make_tar(build_mg(tmp_path / "src", "local"), tmp_path / "mg.tar.gz")
    first = open_capture([archive], spec="mg").node_names()

    def no_reopen(*args: object, **kwargs: object) -> None:
        raise AssertionError("the archive was read again")

    monkeypatch.setattr(_archive.tarfile, "open", no_reopen)
    assert open_capture([archive], spec="mg").node_names() == first


def test_changed_archive_is_extracted_again(tmp_path: Path, _cache: Path) -> None:
    archive = make_tar(build_mg(tmp_path / "src", "local"), tmp_path / "mg.tar.gz")
    open_capture([archive], spec="mg")
    os.utime(archive, (1_700_000_000, 1_700_000_000))
    open_capture([archive], spec="mg")
    assert len(list((_cache / "rhcos-runbooks" / "extract").iterdir())) == 2


def test_unsafe_members_are_skipped(tmp_path: Path, _cache: Path) -> None:
    archive = tmp_path / "must-gather.tar.gz"
    top = build_mg(tmp_path / "src", "local")
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(top, arcname=top.name)
        evil = tarfile.TarInfo("../escaped.yaml")
        evil.size = 3
        tar.addfile(evil, io.BytesIO(b"a: 1"[:3]))
        link = tarfile.TarInfo(f"{top.name}/link.yaml")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        tar.addfile(link)
    src = open_capture([archive], spec="mg")
    assert src.node_names() == [MASTER, WORKER]
    root = _cache / "rhcos-runbooks" / "extract"
    assert not (root / "escaped.yaml").exists()
    assert not any(p.name == "link.yaml" for p in root.rglob("*"))


# ---------------------------------------------------------------------- sos reports


def test_sos_matched_by_machine_id(tmp_path: Path) -> None:
    mg = build_mg(tmp_path, "local")
    sos = build_sos(tmp_path / "sos", "localhost", machine_id=MASTER_MID, hostname="localhost")
    src = open_capture([mg, sos], spec="x")
    out = src.node_output(MASTER, "crictl_ps")
    assert out.ok and out.format == "table"
    assert out.origin == f"sos:{sos.name}/sos_commands/crio/crictl_ps_-a"
    assert "etcd-master-0.example.com" in out.stdout
    rel = src.node_output(MASTER, "os_release")  # etc/os-release is a link in the report
    assert rel.ok and 'VERSION="416.94.202411201433-0"' in rel.stdout
    assert src.identity.notes == ()
    assert not src.node_output(WORKER, "crictl_ps").ok


def test_sos_matched_by_short_hostname_and_tarball(tmp_path: Path) -> None:
    mg = build_mg(tmp_path, "local")
    sos = build_sos(tmp_path / "sos", "worker-0", machine_id=None, hostname="worker-0")
    archive = make_tar(sos, tmp_path / f"{sos.name}.tar.xz")
    src = open_capture([mg, archive], spec="x")
    out = src.node_output(WORKER, "crictl_ps")
    assert out.ok and out.origin.startswith(f"sos:{sos.name}/")
    host = src.node_output(WORKER, "hostname")  # root `hostname` is a link into sos_commands
    assert host.ok and host.stdout.strip() == "worker-0"
    assert src.node_output(MASTER, "crictl_ps").status == "missing"


def test_sos_matched_by_fqdn_from_etc_hostname(tmp_path: Path) -> None:
    mg = build_mg(tmp_path, "local")
    sos = build_sos(
        tmp_path / "sos", "master-0", machine_id=None, hostname=None, etc_hostname=MASTER
    )
    src = open_capture([mg, sos], spec="x")
    assert src.node_output(MASTER, "crictl_ps").ok


def test_sos_found_inside_case_directory(tmp_path: Path) -> None:
    case = tmp_path / "case-03812345"
    build_mg(case, "local")
    sos = build_sos(tmp_path / "elsewhere", "worker-0", machine_id=None, hostname="worker-0")
    make_tar(sos, case / f"{sos.name}.tar.xz")
    src = open_capture([case], spec=str(case))
    assert src.node_names() == [MASTER, WORKER]
    assert src.node_output(WORKER, "crictl_ps").ok


def test_unmatched_sos_is_reported_in_notes(tmp_path: Path) -> None:
    mg = build_mg(tmp_path, "local")
    sos = build_sos(tmp_path / "sos", "bastion", machine_id="00000000000000000000000000000000",
                    hostname="bastion.example.com")  # fmt: skip
    src = open_capture([mg, sos], spec="x")
    notes = src.identity.notes
    assert len(notes) == 1
    assert sos.name in notes[0] and "matches no node" in notes[0]
    assert "bastion.example.com" in notes[0] and "00000000000000000000000000000000" in notes[0]
    assert not src.node_output(MASTER, "crictl_ps").ok


def test_sos_missing_file_names_the_plugin(tmp_path: Path) -> None:
    mg = build_mg(tmp_path, "local")
    sos = build_sos(tmp_path / "sos", "worker-0", machine_id=None, hostname="worker-0")
    src = open_capture([mg, sos], spec="x")
    out = src.node_output(WORKER, "rpm_ostree_status")
    assert out.status == "missing"
    assert sos.name in out.reason and "-o rpmostree" in out.reason


def test_sos_per_unit_journal_is_preferred(tmp_path: Path) -> None:
    mg = build_mg(tmp_path, "local")
    sos = build_sos(
        tmp_path / "sos", "worker-0", machine_id=None, hostname="worker-0", crio_journal=True
    )
    src = open_capture([mg, sos], spec="x")
    out = src.node_output(WORKER, "journal_unit", unit="crio.service", since="-1h")
    assert out.ok
    assert out.origin == f"sos:{sos.name}/sos_commands/logs/journalctl_--no-pager_--unit_crio"
    assert "worker-0 crio[1388]" in out.stdout


# ---------------------------------------------------------------------- must-gather node data


def test_host_service_logs_journal_for_a_master(tmp_path: Path) -> None:
    src = open_capture([build_mg(tmp_path, "local")], spec="mg")
    out = src.node_output(MASTER, "journal_unit", unit="crio", since="-24h")
    assert out.ok and out.format == "text"
    assert out.origin == "must-gather:host_service_logs/masters/crio_service.log"
    assert "master-0 crio[1412]" in out.stdout
    assert "master-1" not in out.stdout  # the file holds every master's journal
    assert "-- Logs begin" not in out.stdout
    worker = src.node_output(WORKER, "journal_unit", unit="crio", since="-24h")
    assert worker.status == "missing" and "control-plane" in worker.reason
    absent = src.node_output(MASTER, "journal_unit", unit="kubelet", since="-24h")
    assert absent.status == "missing"
    assert "host_service_logs/masters/kubelet_service.log" in absent.reason


def test_must_gather_lacks_node_commands(tmp_path: Path) -> None:
    src = open_capture([build_mg(tmp_path, "local")], spec="mg")
    out = src.node_output(WORKER, "crictl_ps")
    assert out.status == "missing" and out.stdout == ""
    assert "sos report" in out.reason and "-o crio" in out.reason and "--source kube" in out.reason
    live_only = src.node_output(WORKER, "kubelet_stats_summary")
    assert live_only.status == "missing" and "live" in live_only.reason
    unknown = src.node_output("worker-9", "crictl_ps")
    assert unknown.status == "missing" and "not in this capture" in unknown.reason
    with pytest.raises(UsageError, match="unknown node fact"):
        src.node_output(WORKER, "nope")
    with pytest.raises(UsageError, match="unknown parameter"):
        src.node_output(WORKER, "crictl_ps", unit="crio")


# ---------------------------------------------------------------------- errors


def test_corrupt_tarball_is_a_source_error(tmp_path: Path) -> None:
    good = make_tar(build_mg(tmp_path / "src", "local"), tmp_path / "good.tar.gz")
    bad = tmp_path / "must-gather.tar.gz"
    bad.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    with pytest.raises(SourceError, match="cannot read the archive"):
        open_capture([bad], spec=str(bad))
    garbage = tmp_path / "garbage.tar.xz"
    garbage.write_bytes(b"this is not xz at all")
    with pytest.raises(SourceError, match=r"garbage\.tar\.xz.*cannot read the archive"):
        open_capture([garbage], spec=str(garbage))


def test_not_a_capture_is_a_source_error(tmp_path: Path) -> None:
    empty = tmp_path / "downloads"
    (empty / "notes").mkdir(parents=True)
    (empty / "notes" / "readme.txt").write_text("hello")
    with pytest.raises(
        SourceError, match="no cluster-scoped-resources/ or namespaces/ found"
    ) as exc:
        open_capture([empty], spec=str(empty))
    assert str(empty) in str(exc.value) and "must-gather.local" in str(exc.value)
    plain = tmp_path / "nodes.yaml"
    plain.write_text("a: 1")
    with pytest.raises(SourceError, match="not a directory or a .tar.gz"):
        open_capture([plain], spec=str(plain))
    with pytest.raises(SourceError, match="no such file"):
        open_capture([tmp_path / "nope"], spec="nope")


def test_resource_not_collected_is_not_applicable(tmp_path: Path) -> None:
    src = open_capture([build_mg(tmp_path, "local")], spec="mg")
    with pytest.raises(NotApplicable, match="clusterrolebindings were not collected") as exc:
        src.list("clusterrolebindings")
    assert "oc adm inspect clusterroles,clusterrolebindings,roles,rolebindings" in str(exc.value)
    assert "--dest-dir" in str(exc.value)
    with pytest.raises(NotApplicable, match="namespace 'team-a' was not collected") as exc2:
        src.list("pods", namespace="team-a")
    assert "oc adm inspect ns/team-a" in str(exc2.value)
    # namespace inspected, resource type collected elsewhere: none here (not "unknown")
    assert src.list("daemonsets", namespace="openshift-etcd") == []
    assert src.get("clusterrolebindings", "x") is None


def test_namespace_collected_without_its_pods_is_not_applicable(tmp_path: Path) -> None:
    """The fixture's openshift-machine-config-operator holds only apps/daemonsets.yml."""
    src = open_capture([build_mg(tmp_path, "local")], spec="mg")
    ns = "openshift-machine-config-operator"
    assert [d["metadata"]["namespace"] for d in src.list("daemonsets", namespace=ns)] == [ns]
    with pytest.raises(
        NotApplicable, match=f"namespace '{ns}' is in this capture without its pods"
    ):
        src.list("pods", namespace=ns)
    with pytest.raises(NotApplicable) as exc:
        src.list("pods", namespace=ns, label_selector="k8s-app=machine-config-daemon")
    assert f"oc adm inspect ns/{ns} --dest-dir inspect.{ns}" in str(exc.value)
    # a namespace with its pods, and every namespace's pods, still read as before
    assert src.list("pods", namespace="openshift-etcd")
    assert {p["metadata"]["namespace"] for p in src.list("pods")} == {"openshift-etcd"}


# ---------------------------------------------------------------------- project layout, demos


def build_project(base: Path, *, kind: str = "capture") -> Path:
    root = base / "capture-20240502"
    shutil.copytree(MG, root / "cluster")
    node_dir = root / "nodes" / WORKER
    node_dir.mkdir(parents=True)
    shutil.copy(SOS / "os-release-416.94.txt", node_dir / "os_release.out")
    (node_dir / "journal_unit.crio.out").write_text('{"MESSAGE": "x"}\n')
    facts = {
        "os_release": {"fact": "os_release", "status": "ok", "argv": ["cat", "/etc/os-release"],
                       "exit_code": 0, "format": "text", "origin": "debug-pod", "reason": ""},
        "journal_unit.crio": {"fact": "journal_unit", "params": {"unit": "crio", "since": "-24h"},
                              "status": "ok", "argv": ["journalctl", "-u", "crio"], "exit_code": 0,
                              "format": "json", "origin": "debug-pod", "reason": ""},
        "crictl_ps": {"fact": "crictl_ps", "status": "failed", "argv": ["crictl", "ps", "-a"],
                      "exit_code": None, "format": "json", "origin": "debug-pod",
                      "reason": "node is NotReady: the debug pod did not start"},
    }  # fmt: skip
    (node_dir / "facts.json").write_text(json.dumps(facts))
    manifest = {
        "format": "rhcos-runbooks-capture/1",
        "kind": kind,
        "captured_at": "2026-11-20T09:30:00Z",
        "api_url": "https://api.from-manifest.example.com:6443",
        "context": "admin",
        "tool_version": "0.1.0",
        "notes": ["taken during the upgrade"],
    }
    (root / "rhcos-capture.json").write_text(json.dumps(manifest))
    return root


def test_project_layout(tmp_path: Path) -> None:
    src = open_capture([build_project(tmp_path)], spec="cap")
    ident = src.identity
    assert ident.kind == "capture" and not ident.is_demo
    assert ident.captured_at == datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    assert ident.api_url == "https://api.from-manifest.example.com:6443"
    assert ident.context == "admin" and ident.cluster_version == "4.16.21"
    assert ident.notes == ("taken during the upgrade",)
    out = src.node_output(WORKER, "os_release")
    assert out.ok and out.argv == ("cat", "/etc/os-release") and out.exit_code == 0
    assert out.origin == f"capture:nodes/{WORKER}/os_release.out" and 'ID="rhcos"' in out.stdout
    journal = src.node_output(WORKER, "journal_unit", unit="crio.service", since="-24h")
    assert journal.ok and journal.format == "json"
    failed = src.node_output(WORKER, "crictl_ps")
    assert failed.status == "failed" and "NotReady" in failed.reason
    missing = src.node_output(WORKER, "uname")
    assert missing.status == "missing" and "did not collect uname" in missing.reason
    no_dir = src.node_output(MASTER, "uname")  # a node without nodes/<node>/
    assert no_dir.status == "missing" and f"no nodes/{MASTER}/" in no_dir.reason


def test_project_layout_demo_kind_and_bad_format(tmp_path: Path) -> None:
    root = build_project(tmp_path, kind="demo")
    assert open_capture([root], spec="demo").identity.is_demo
    manifest = json.loads((root / "rhcos-capture.json").read_text())
    manifest["format"] = "rhcos-runbooks-capture/9"
    (root / "rhcos-capture.json").write_text(json.dumps(manifest))
    with pytest.raises(SourceError, match="capture format 'rhcos-runbooks-capture/9'"):
        open_capture([root], spec="x")


def test_bundled_demo_smoke() -> None:
    from rhcos_helpers.sources.demo import demo_path

    path = demo_path("demo")
    if not (path / "rhcos-capture.json").is_file():
        pytest.skip("bundled demo data not generated yet")
    src = open_capture([path], spec="demo")
    assert src.identity.is_demo
    assert src.node_names()
