"""Revealing one redacted value of a MachineConfig (runbook 40): what can be revealed, that the
reveal reads the real value only when asked, and that reports never hold it."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from rhcos_helpers import machineconfigs, widgets
from rhcos_helpers.report.runner import run_runbooks
from rhcos_helpers.sources import open_source
from tests.fakes import FakeSource
from tests.test_widgets import FakeTimer, _saved_state

DEMO_KEY = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDemoDemoDemoDemoDemoDemoDemoDemoDemoDemo0000 demo@example"
)
PULL = json.dumps({"auths": {"quay.example.com": {"auth": "cmV2ZWFsOlJldmVhbFB1bGxQYXNzOTk="}}})
KEY = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQRevealTestKeyOnly0000000000000001 admin@bastion"


def _mc(name: str, files: dict[str, str], keys: list[str] | None = None) -> dict:
    config: dict = {"ignition": {"version": "3.4.0"}, "storage": {"files": [
        {"path": path, "mode": 384, "overwrite": True, "contents": {
            "source": "data:text/plain;charset=utf-8;base64," + base64.b64encode(t.encode()).decode()}}
        for path, t in files.items()]}}  # fmt: skip
    if keys:
        config["passwd"] = {"users": [{"name": "core", "sshAuthorizedKeys": keys}]}
    return {"apiVersion": "machineconfiguration.openshift.io/v1", "kind": "MachineConfig",
            "metadata": {"name": name, "labels": {"machineconfiguration.openshift.io/role": "worker"}},
            "spec": {"config": config}}  # fmt: skip


def _collect(src, **kw):
    return machineconfigs.runbook.collect(src, pool="worker", **kw)


def test_what_can_be_revealed_on_the_demo_and_its_labels_hold_no_secret():
    src = open_source("demo")
    items = machineconfigs.runbook.secret_items(src, _collect(src))
    assert list(items) == [
        "99-master-ssh: sshAuthorizedKeys of core #1",
        "99-worker-ssh: sshAuthorizedKeys of core #1",
    ]  # rendered configs hold the same keys: only the sources are offered
    assert all("AAAA" not in label for label in items)
    assert items["99-worker-ssh: sshAuthorizedKeys of core #1"]() == DEMO_KEY  # the real value
    named = machineconfigs.runbook.secret_items(
        src, _collect(src, machineconfig="rendered-worker-f7657e01dc6be7a1a39bf960924afe88")
    )
    assert list(named) == [
        "rendered-worker-f7657e01dc6be7a1a39bf960924afe88: sshAuthorizedKeys of core #1"
    ]


def test_redacted_file_contents_and_keys_of_a_capture_are_offered_unredacted_on_reveal():
    src = FakeSource({"machineconfigs": [
        _mc("60-worker-pull", {"/etc/mco/internal-registry-pull-secret.json": PULL,
                               "/etc/motd": "hello\n"}),
        _mc("99-worker-ssh", {}, keys=[KEY, DEMO_KEY]),
    ]})  # fmt: skip
    rb = _collect(src)
    items = machineconfigs.runbook.secret_items(src, rb)
    assert list(items) == [
        "60-worker-pull: /etc/mco/internal-registry-pull-secret.json",  # /etc/motd: nothing to hide
        "99-worker-ssh: sshAuthorizedKeys of core #1",
        "99-worker-ssh: sshAuthorizedKeys of core #2",
    ]
    timer = FakeTimer()
    r = machineconfigs.runbook.reveal_secret(src, rb, interactive=True)
    assert isinstance(r, widgets.SecretReveal)
    r = widgets.SecretReveal(items, schedule=timer)
    r.reveal()
    assert "cmV2ZWFsOlJldmVhbFB1bGxQYXNzOTk=" in r.shown.value
    timer.started[-1][1]()
    assert "cmV2ZWFsOlJldmVhbFB1bGxQYXNzOTk=" not in _saved_state()
    r.choice.value = "99-worker-ssh: sshAuthorizedKeys of core #1"
    r.reveal()
    assert "RevealTestKeyOnly" in r.shown.value
    r.hide()
    assert not r.revealed and "RevealTestKeyOnly" not in _saved_state()


def test_a_key_removed_since_the_runbook_read_is_not_available():
    objects = {"machineconfigs": [_mc("99-worker-ssh", {}, keys=[KEY])]}
    src = FakeSource(objects)
    items = machineconfigs.runbook.secret_items(src, _collect(src))
    objects["machineconfigs"][0]["spec"]["config"]["passwd"]["users"][0]["sshAuthorizedKeys"] = []
    r = widgets.SecretReveal(items, schedule=FakeTimer())
    r.reveal()
    assert not r.revealed and "not available (UsageError)" in r.status.value


@pytest.mark.notebooks
@pytest.mark.parametrize("spec", ["demo", "demo:4.3"])
def test_reports_show_a_static_line_and_no_secret(spec: str, tmp_path: Path):
    run = run_runbooks(["40-machineconfigs"], source=spec, parameters={}, out_dir=tmp_path)
    assert [r.status for r in run.results] == ["ok"]
    html = (tmp_path / "40-machineconfigs.html").read_text()
    nb = json.loads((tmp_path / "40-machineconfigs.ipynb").read_text())
    assert "Reveal a redacted value: interactive only" in html
    assert "widgets" not in nb["metadata"]  # no widget state at rest
    reveal_cell = next(c for c in nb["cells"] if "reveal_secret" in "".join(c["source"]))
    assert [o["output_type"] for o in reveal_cell["outputs"]] == ["execute_result"]
    assert "application/vnd.jupyter.widget-view+json" not in reveal_cell["outputs"][0]["data"]
    for path in tmp_path.iterdir():
        text = path.read_text(errors="replace")
        assert "AAAAC3NzaC1lZDI1NTE5AAAAIDemo" not in text, path.name
