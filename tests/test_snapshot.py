"""Live capture: simulator (real HTTP) -> write_capture -> open_capture round trip."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rhcos_helpers.errors import ClusterAccessError, NotApplicable, UsageError
from rhcos_helpers.sources import open_source
from rhcos_helpers.sources.base import NodeOutput
from rhcos_helpers.sources.capture import open_capture
from rhcos_helpers.sources.live import LiveSource
from rhcos_helpers.sources.snapshot import capture_command, default_facts, write_capture
from tests.simulator import Simulator, default_capture
from tests.simulator.builders import node
from tests.simulator.builders import write_capture as build_capture

SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOv0Jt2nsecretkeymaterial core@bastion"
PULL = '{"auths":{"quay.io":{"auth":"dXNlcjpzZWNyZXRwYXNz"}}}'


class EchoRunner:
    def run(self, node: str, argv: tuple[str, ...], *, timeout: float) -> NodeOutput:
        err = "warning: something\n" if argv[0] == "df" else ""
        code = 1 if argv[0] == "chronyc" else 0
        return NodeOutput(
            node, "", "ok" if code == 0 else "failed", stdout=f"{node} {' '.join(argv)}\n",
            stderr=err, exit_code=code, origin="debug-pod", argv=argv,
            reason="" if code == 0 else "exit code 1",
        )  # fmt: skip


def _live(sim: Simulator, tmp_path: Path, **kw: Any) -> LiveSource:
    kc = sim.write_kubeconfig(tmp_path / "kc")
    return LiveSource.from_kubeconfig(context=None, spec="kube", config_file=str(kc), **kw)


def _names(objs: list[dict[str, Any]]) -> list[str]:
    return sorted(o["metadata"]["name"] for o in objs)


def test_round_trip_from_the_simulator(tmp_path: Path) -> None:
    with Simulator(default_capture()) as sim:
        served = sim.state
        with _live(sim, tmp_path) as src:
            out = write_capture(src, tmp_path / "cap", progress=False)
            live_cv = src.get("clusterversions", "version")
        url = sim.url
    cap = open_capture([out], spec=str(out))
    ident = cap.identity
    assert ident.kind == "capture"
    assert ident.api_url == url and ident.context == "simulator"
    assert (
        ident.cluster_version
        == served.resource("config.openshift.io", "clusterversions").objects[0]["status"][
            "desired"
        ]["version"]
    )  # type: ignore[union-attr]  # noqa: E501
    assert cap.node_names() == _names(served.resource("", "nodes").objects)  # type: ignore[union-attr]
    sccs = served.resource("security.openshift.io", "securitycontextconstraints")
    assert _names(cap.list("securitycontextconstraints")) == _names(sccs.objects)  # type: ignore[union-attr]
    assert cap.get("clusterversions", "version") == live_cv
    assert _names(cap.list("namespaces")) == _names(served.resource("", "namespaces").objects)  # type: ignore[union-attr]
    assert len(cap.list("pods")) == len(served.resource("", "pods").objects)  # type: ignore[union-attr]
    manifest = json.loads((out / "rhcos-capture.json").read_text())
    assert manifest["format"] == "rhcos-runbooks-capture/1"
    assert manifest["kind"] == "capture"
    assert manifest["captured_at"].endswith("Z")
    assert manifest["tool_version"] == "0.1.0"
    # API-only node facts came through the node proxy, host commands are missing (no runner)
    first = cap.node_names()[0]
    stats = cap.node_output(first, "kubelet_stats_summary")
    recorded = served.node_file(first, "kubelet_stats_summary")
    if recorded is not None:
        assert stats.ok and stats.stdout == recorded.read_text()
    facts = json.loads((out / "nodes" / first / "facts.json").read_text())
    assert set(facts) >= {"os_release", "journal_unit.crio", "journal_unit.kubelet"}
    assert facts["journal_unit.crio"]["params"] == {"unit": "crio", "since": "-24h"}
    assert facts["os_release"]["status"] == "missing"
    assert any("node commands need a debug pod or SSH" in n for n in manifest["notes"])
    assert not list(tmp_path.glob(".cap.*.partial"))


def test_node_facts_with_a_runner_and_notes_for_failed_nodes(
    simulator: Simulator, tmp_path: Path
) -> None:
    with _live(simulator, tmp_path, node_runner=EchoRunner()) as src:
        out = write_capture(src, tmp_path / "cap", facts=["df", "chrony_tracking"], progress=False)
    cap = open_source(str(out))
    df = cap.node_output("worker-0", "df")
    assert df.ok and df.stdout.startswith("worker-0 df -P -T")
    assert df.stderr == "warning: something\n"
    assert (out / "nodes" / "worker-0" / "df.err").is_file()
    chrony = cap.node_output("worker-0", "chrony_tracking")
    assert chrony.status == "failed" and chrony.exit_code == 1
    notes = json.loads((out / "rhcos-capture.json").read_text())["notes"]
    assert "node master-0: facts failed: exit code 1" in notes


def test_forbidden_kind_is_skipped_and_noted(simulator: Simulator, tmp_path: Path) -> None:
    simulator.faults.forbidden.add("securitycontextconstraints")
    with _live(simulator, tmp_path) as src:
        out = write_capture(src, tmp_path / "cap", facts=[], progress=False)
    notes = json.loads((out / "rhcos-capture.json").read_text())["notes"]
    assert any(
        n.startswith("forbidden to list (403), so not captured: securitycontextconstraints")
        for n in notes
    )
    assert not (out / "nodes").exists()
    with pytest.raises(NotApplicable):
        open_capture([out], spec="x").list("securitycontextconstraints")


def test_ssh_keys_and_pull_secrets_are_not_written(tmp_path: Path) -> None:
    from urllib.parse import quote

    mc = {
        "apiVersion": "machineconfiguration.openshift.io/v1",
        "kind": "MachineConfig",
        "metadata": {"name": "99-worker-ssh", "labels": {}},
        "spec": {
            "config": {
                "ignition": {"version": "3.2.0"},
                "passwd": {"users": [{"name": "core", "sshAuthorizedKeys": [SSH_KEY]}]},
                "storage": {
                    "files": [
                        {"path": "/var/lib/kubelet/config.json",
                         "contents": {"source": "data:," + quote(PULL)}},
                        {"path": "/etc/other-auth.json",
                         "contents": {"source": "data:;base64,eyJhdXRocyI6e319"}},
                        {"path": "/etc/motd", "contents": {"source": "data:,hello"}},
                    ]
                },
            }
        },
    }  # fmt: skip
    served = build_capture(tmp_path / "src", [node("worker-0"), mc])
    with Simulator(served) as sim, _live(sim, tmp_path) as src:
        out = write_capture(src, tmp_path / "cap", facts=[], progress=False)
    text = "".join(p.read_text() for p in out.rglob("*.yaml"))
    assert "AAAAC3NzaC1lZDI1NTE5" not in text
    assert "dXNlcjpzZWNyZXRwYXNz" not in text and "eyJhdXRocyI6e319" not in text
    got = open_capture([out], spec="x").get("machineconfigs", "99-worker-ssh")
    assert got is not None
    cfg = got["spec"]["config"]
    assert cfg["passwd"]["users"][0]["sshAuthorizedKeys"] == ["<redacted: ssh-key>"]
    assert cfg["storage"]["files"][2]["contents"]["source"] == "data:,hello"


def test_out_dir_must_be_new_and_nothing_is_left_on_failure(
    simulator: Simulator, tmp_path: Path
) -> None:
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "x").write_text("x")
    with _live(simulator, tmp_path) as src:
        with pytest.raises(UsageError, match="exists and is not empty; pass a new --out"):
            write_capture(src, busy, progress=False)
    kc = simulator.write_kubeconfig(tmp_path / "bad", token="sha256~wrong")
    with LiveSource.from_kubeconfig(context=None, spec="kube", config_file=str(kc)) as bad:
        with pytest.raises(ClusterAccessError, match="401"):
            write_capture(bad, tmp_path / "new", progress=False)
    assert not (tmp_path / "new").exists()
    assert not list(tmp_path.glob(".new.*"))


def test_capture_command_opens_the_source(
    simulator: Simulator, kubeconfig: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    out = capture_command(source_spec="kube:simulator", out_dir=tmp_path / "c", progress=False)
    cap = open_source(str(out))
    assert cap.identity.kind == "capture"
    assert cap.node_names() == ["master-0", "worker-0"]
    assert json.loads((out / "rhcos-capture.json").read_text())["source"] == "kube:simulator"


def test_default_facts_cover_the_catalogue() -> None:
    from rhcos_helpers.catalogue import CATALOGUE

    names = {f if isinstance(f, str) else f[0] for f in default_facts()}
    assert names == set(CATALOGUE)
