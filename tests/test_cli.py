from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rhcos_helpers.cli import main
from rhcos_helpers.report import runner
from rhcos_helpers.sources.base import SourceIdentity

NOTEBOOKS = Path(__file__).parent / "data" / "notebooks"
NB = ["--notebooks", str(NOTEBOOKS)]


@pytest.fixture
def fake_source(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runbook execution without depending on the bundled demos."""
    monkeypatch.setattr(
        runner,
        "probe_source",
        lambda spec, **_: SourceIdentity(kind="capture", spec=spec, cluster_version="4.14.3"),
    )


@pytest.mark.notebooks
def test_run_ok(tmp_path: Path, capsys: pytest.CaptureFixture[str], fake_source: None) -> None:
    out = tmp_path / "reports"
    code = main(["run", "10", "20", "-p", "LIMIT", "7", "--out", str(out), "--show-code", *NB])
    stdout = capsys.readouterr().out.splitlines()
    assert code == 0
    assert stdout[0].split()[:2] == ["10-hello", "ok"]
    assert stdout[1].split()[:2] == ["20-records", "ok"]
    assert stdout[0].split()[3] == "s"
    assert stdout[2] == f"index: {out.absolute() / 'index.html'}"
    assert "highlight hl-ipython3" in (out / "10-hello.html").read_text()  # --show-code
    summary = json.loads((out / "summary.json").read_text())
    assert summary["runbooks"]["10-hello"]["parameters"]["LIMIT"] == 7
    assert summary["source"]["kind"] == "capture"


@pytest.mark.notebooks
def test_run_with_a_failing_runbook_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fake_source: None
) -> None:
    code = main(["run", "30", "10", "--out", str(tmp_path), *NB])
    captured = capsys.readouterr()
    assert code == 1
    lines = captured.out.splitlines()
    assert lines[0].split()[:2] == ["30-fails", "failed"]
    assert lines[0].endswith("ValueError: planted failure in 30-fails")
    assert lines[1].split()[:2] == ["10-hello", "ok"]
    assert "Traceback" not in captured.err
    assert "planted failure in 30-fails" in (tmp_path / "30-fails.html").read_text()
    assert (tmp_path / "10-hello.html").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "99"], "unknown runbook '99'; runbooks: 10-hello, 20-records, 30-fails"),
        (["run", "30", "-p", "LIMIT", "3"], "runbook 30-fails has no parameter 'LIMIT'"),
        (["run", "-p", "NOPE", "3"], "no selected runbook has a parameter 'NOPE'"),
        (["run", "-p", "LIMIT", "many"], "parameter LIMIT expects int, got 'many'"),
        (["run", "-p", "DEEP", "perhaps"], "parameter DEEP expects bool, got 'perhaps'"),
        (["run", "-p", "SOURCE", "demo"], "give the source with --source"),
        (["run", "--source", "/nonexistent/must-gather"], "no such file or directory"),
        (["run", "--bogus"], "unrecognized arguments: --bogus"),
        (["run", "-p", "LIMIT"], "argument -p/--parameter: expected 2 arguments"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        ([], "the following arguments are required: command"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    out = tmp_path / "out"
    extra = ["--out", str(out), *NB] if args and args[0] == "run" else []
    code = main([*args, *extra])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("rhcos-runbooks: error: ")
    assert message in lines[0]
    assert "Traceback" not in captured.err
    assert not out.exists(), "nothing ran"


def test_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", *NB]) == 0
    out = capsys.readouterr().out
    assert "10-hello  Hello runbook\n    Does the runner pass typed parameters?\n" in out
    assert '    --source: str = "demo"  # where to read\n' in out
    assert "    -p LIMIT: int = 5  # at most this many nodes\n" in out
    assert "    -p NAME: str | None = None  # one node, or None for all\n" in out
    assert '    -p SELECTOR: str = "node-role.kubernetes.io/worker="' in out
    assert "    -p DEEP: bool = False  # look deeper\n" in out
    assert "30-fails  Failing runbook\n" in out


def test_list_uses_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("RHCOS_RUNBOOKS_NOTEBOOKS", str(tmp_path))
    assert main(["list"]) == 2
    assert capsys.readouterr().err.startswith("rhcos-runbooks: error: no runbooks (NN-name.ipynb)")


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--help"]) == 0
    assert "--source" in capsys.readouterr().out


def test_python_dash_m_and_console_script(tmp_path: Path) -> None:
    listing = subprocess.run(
        [sys.executable, "-m", "rhcos_helpers", "list", *NB],
        capture_output=True,
        text=True,
        check=False,
    )
    assert listing.returncode == 0, listing.stderr
    assert "20-records  Records runbook" in listing.stdout

    script = Path(sys.executable).parent / "rhcos-runbooks"
    if not script.exists():
        pytest.skip("console script not installed in this environment")
    bad = subprocess.run(
        [str(script), "run", "nope", "--out", str(tmp_path / "out"), *NB],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert bad.stderr.splitlines() == [
        "rhcos-runbooks: error: unknown runbook 'nope'; runbooks: 10-hello, 20-records, 30-fails"
    ]
    assert not (tmp_path / "out").exists()


@pytest.mark.notebooks
def test_a_clean_run_prints_nothing_on_stderr(tmp_path: Path) -> None:
    """No kernel noise per runbook (jupyter_client's interrupt before shutdown is not sent)."""
    script = Path(sys.executable).parent / "rhcos-runbooks"
    if not script.exists():
        pytest.skip("console script not installed in this environment")
    run = subprocess.run(
        [str(script), "run", "10", "20", "--source", "demo", "--out", str(tmp_path), *NB],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    assert [line.split()[:2] for line in run.stdout.splitlines()[:2]] == [
        ["10-hello", "ok"],
        ["20-records", "ok"],
    ]
