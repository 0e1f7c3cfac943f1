from __future__ import annotations

import json
from pathlib import Path

import pytest

from rhcos_helpers import cli
from rhcos_helpers.sources import open_source


def test_capture_command_writes_a_capture_every_runbook_can_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    out = tmp_path / "cap"
    assert cli.main(["capture", "--source", "demo:4.3", "--out", str(out), "--no-progress"]) == 0
    assert str(out) in capsys.readouterr().out
    manifest = json.loads((out / "rhcos-capture.json").read_text())
    assert manifest["kind"] == "capture"
    with open_source(str(out)) as src, open_source("demo:4.3") as demo:
        assert src.identity.kind == "capture"
        assert src.node_names() == demo.node_names()
        assert src.identity.cluster_id == demo.identity.cluster_id
        assert (
            src.node_output("compute-0", "os_release").stdout
            == demo.node_output("compute-0", "os_release").stdout
        )


def test_capture_refuses_an_existing_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    (tmp_path / "x").write_text("keep me")
    assert cli.main(["capture", "--source", "demo", "--out", str(tmp_path), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rhcos-runbooks: error: ") and "never merged" in err
    assert (tmp_path / "x").read_text() == "keep me"
