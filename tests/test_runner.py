from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest

from rhcos_helpers.errors import SourceError, UsageError
from rhcos_helpers.report import runner
from rhcos_helpers.report.html import notebook_to_html
from rhcos_helpers.report.record import MIME, read_records, strip_records, to_jsonable
from rhcos_helpers.report.results import RunSummary
from rhcos_helpers.report.runbooks import (
    NOTEBOOKS_ENV,
    ParameterInfo,
    discover_runbooks,
    list_runbooks,
    parse_parameters,
    resolve_runbooks,
)
from rhcos_helpers.sources.base import SourceIdentity

NOTEBOOKS = Path(__file__).parent / "data" / "notebooks"
CDN_SCRIPT = re.compile(r"<script[^>]*\bsrc\s*=", re.IGNORECASE)


def fake_identity(spec: str, **_: object) -> SourceIdentity:
    return SourceIdentity(
        kind="demo",
        spec=spec,
        cluster_id="00000000-test-0000-0000-000000000000",
        cluster_version="4.16.21",
        capture_path="/fake/demo",
    )


@pytest.fixture(scope="module")
def run_all(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunSummary]:
    """All three test runbooks, once: 10 ok, 20 records, 30 fails."""
    out = tmp_path_factory.mktemp("run-all")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(runner, "probe_source", fake_identity)
        summary = runner.run_runbooks(
            None,
            source="demo",
            parameters={"LIMIT": "7", "deep": "yes", "NAME": "none"},
            out_dir=out,
            notebooks_dir=NOTEBOOKS,
        )
    yield summary


# --- executing (real papermill, real kernels) ------------------------------------------------


@pytest.mark.notebooks
def test_every_runbook_gets_notebook_and_html(run_all: RunSummary) -> None:
    assert [r.name for r in run_all.results] == ["10-hello", "20-records", "30-fails"]
    for result in run_all.results:
        assert result.notebook == run_all.out_dir / f"{result.name}.ipynb"
        assert result.html == run_all.out_dir / f"{result.name}.html"
        assert result.notebook.is_file() and result.html.is_file()
    assert run_all.index.is_file() and run_all.summary.is_file()


@pytest.mark.notebooks
def test_statuses_and_one_line_error(run_all: RunSummary) -> None:
    status = {r.name: (r.status, r.error) for r in run_all.results}
    assert status["10-hello"] == ("ok", None)
    assert status["20-records"] == ("ok", None)
    assert status["30-fails"] == ("failed", "ValueError: planted failure in 30-fails")
    assert not run_all.ok


@pytest.mark.notebooks
def test_parameters_are_typed_in_the_kernel(run_all: RunSummary) -> None:
    html = (run_all.out_dir / "10-hello.html").read_text()
    assert "LIMIT=7 (int) NAME=None SELECTOR=node-role.kubernetes.io/worker=" in html
    assert run_all.results[0].parameters == {"SOURCE": "demo", "LIMIT": 7, "NAME": None}
    assert run_all.results[1].parameters == {"SOURCE": "demo", "DEEP": True}
    assert run_all.results[2].parameters == {"SOURCE": "demo"}


@pytest.mark.notebooks
def test_failing_runbook_html_shows_the_error(run_all: RunSummary) -> None:
    html = (run_all.out_dir / "30-fails.html").read_text()
    assert "An Exception was encountered" in html
    assert "planted failure in 30-fails" in html
    assert "before the failure" in html
    nb = nbformat.read(run_all.out_dir / "30-fails.ipynb", as_version=4)
    assert not any("never reached" in str(c.get("outputs")) for c in nb.cells)


@pytest.mark.notebooks
def test_html_hides_code_parameters_and_records(run_all: RunSummary) -> None:
    for result in run_all.results:
        html = (run_all.out_dir / f"{result.name}.html").read_text()
        assert not CDN_SCRIPT.search(html), result.name
        assert "injected-parameters" not in html
        assert MIME not in html
        assert "highlight hl-ipython3" not in html  # code hidden by default
        assert f"<title>{result.name}: " in html


@pytest.mark.notebooks
def test_secrets_do_not_reach_any_output(run_all: RunSummary) -> None:
    # the notebook builds them at run time, so only outputs could hold them
    canaries = ["CANARY-record-token-31337", "sha256~CANARYoauthTOKEN0123456789abcdef"]
    for path in run_all.out_dir.iterdir():
        text = path.read_text()
        assert not [c for c in canaries if c in text], path.name
    html = (run_all.out_dir / "20-records.html").read_text()
    assert "token: &lt;redacted: token&gt;" in html


@pytest.mark.notebooks
def test_summary_json(run_all: RunSummary) -> None:
    summary = json.loads(run_all.summary.read_text())
    assert set(summary) == {"tool_version", "generated_at", "source", "runbooks"}
    assert summary["source"]["kind"] == "demo"
    assert summary["source"]["cluster_version"] == "4.16.21"
    assert list(summary["runbooks"]) == ["10-hello", "20-records", "30-fails"]
    rec = summary["runbooks"]["20-records"]
    assert rec["status"] == "ok" and rec["error"] is None
    assert rec["parameters"] == {"SOURCE": "demo", "DEEP": True}
    assert [f["severity"] for f in rec["findings"]] == ["warning", "critical"]
    assert rec["findings"][0]["next_runbook"] == "10-hello"
    assert rec["context"] == {"source": "demo", "deep": True, "ratio": 0.5}
    assert rec["tables"]["nodes"] == [
        {"name": "worker-0", "ready": True, "since": "2024-05-02T10:00:00+00:00", "load": 0.5},
        {"name": "worker-1", "ready": False, "since": None, "load": None},
    ]
    assert rec["tables"]["secrets"] == [{"name": "pull", "token": "<redacted: token>"}]
    failed = summary["runbooks"]["30-fails"]
    assert failed["status"] == "failed"
    assert failed["error"] == "ValueError: planted failure in 30-fails"
    assert failed["html"] == "30-fails.html"
    assert all(r["duration_s"] > 0 for r in summary["runbooks"].values())


@pytest.mark.notebooks
def test_index_html(run_all: RunSummary) -> None:
    html = run_all.index.read_text()
    assert not CDN_SCRIPT.search(html) and "<script" not in html
    assert "DEMO DATA" in html
    assert "00000000-test-0000-0000-000000000000" in html and "4.16.21" in html
    for name in ("10-hello", "20-records", "30-fails"):
        assert f'href="{name}.html"' in html
    assert "planted failure in 30-fails" in html
    # findings sorted by severity: the critical one comes first
    assert html.index("Node worker-1 is NotReady") < html.index("Pool worker is paused")


@pytest.mark.notebooks
def test_show_code_and_single_runbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "probe_source", fake_identity)
    monkeypatch.setenv(NOTEBOOKS_ENV, str(NOTEBOOKS))
    summary = runner.run_runbooks(
        ["hello"], source="demo", parameters={}, out_dir=tmp_path, show_code=True
    )
    assert [r.name for r in summary.results] == ["10-hello"] and summary.ok
    html = (tmp_path / "10-hello.html").read_text()
    assert "highlight hl-ipython3" in html and "LIMIT=5 (int)" in html
    assert "# Parameters" not in html  # the injected cell stays hidden
    assert not CDN_SCRIPT.search(html)


@pytest.mark.notebooks
def test_real_demo_source_is_probed(tmp_path: Path) -> None:
    try:
        identity = runner.probe_source("demo")
    except (ImportError, SourceError) as exc:
        pytest.skip(f"the bundled demo is not usable yet: {exc}")
    assert identity.is_demo
    summary = runner.run_runbooks(
        ["10"], source="demo", parameters={}, out_dir=tmp_path, notebooks_dir=NOTEBOOKS
    )
    assert summary.identity == identity
    assert "DEMO DATA" in summary.index.read_text()


# --- checked before anything runs -------------------------------------------------------------


def run_expecting(exc: type[Exception], out: Path, names: list[str] | None, **kw: Any) -> str:
    params = kw.pop("parameters", {})
    source = kw.pop("source", "demo")
    with pytest.raises(exc) as info:
        runner.run_runbooks(
            names, source=source, parameters=params, out_dir=out, notebooks_dir=NOTEBOOKS
        )
    assert not out.exists(), "nothing may run (or be written) before validation passes"
    return str(info.value)


def test_unknown_runbook(tmp_path: Path) -> None:
    message = run_expecting(UsageError, tmp_path / "out", ["99-nope"])
    assert message == "unknown runbook '99-nope'; runbooks: 10-hello, 20-records, 30-fails"


def test_unknown_parameter_for_one_runbook(tmp_path: Path) -> None:
    message = run_expecting(UsageError, tmp_path / "out", ["30"], parameters={"LIMIT": "3"})
    assert message == (
        "runbook 30-fails has no parameter 'LIMIT'; its parameters: none besides SOURCE"
    )


def test_unknown_parameter_for_all_runbooks(tmp_path: Path) -> None:
    message = run_expecting(UsageError, tmp_path / "out", None, parameters={"NODE": "w1"})
    assert message.startswith("no selected runbook has a parameter 'NODE'; parameters: ")
    assert "10-hello: LIMIT (int), NAME (str | None), SELECTOR (str)" in message
    assert "20-records: DEEP (bool), RATIO (float)" in message


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"LIMIT": "five"}, "runbook 10-hello: parameter LIMIT expects int, got 'five'"),
        ({"DEEP": "maybe"}, "runbook 20-records: parameter DEEP expects bool, got 'maybe'"),
        ({"RATIO": "1/2"}, "runbook 20-records: parameter RATIO expects float, got '1/2'"),
        ({"SOURCE": "demo"}, "give the source with --source, not as parameter SOURCE"),
    ],
)
def test_wrong_type(tmp_path: Path, params: dict[str, str], expected: str) -> None:
    assert run_expecting(UsageError, tmp_path / "out", None, parameters=params) == expected


def test_nonexistent_source_fails_before_running(tmp_path: Path) -> None:
    message = run_expecting(SourceError, tmp_path / "out", None, source=str(tmp_path / "nope"))
    assert "no such file or directory" in message


def test_source_that_is_not_a_capture_fails_before_running(tmp_path: Path) -> None:
    pytest.importorskip(
        "rhcos_helpers.sources.capture", reason="sources.capture is not written yet"
    )
    empty = tmp_path / "empty"
    empty.mkdir()
    run_expecting(SourceError, tmp_path / "out", None, source=str(empty))


# --- units without kernels --------------------------------------------------------------------


def test_list_runbooks() -> None:
    infos = {i.name: i for i in list_runbooks(NOTEBOOKS)}
    assert list(infos) == ["10-hello", "20-records", "30-fails"]
    hello = infos["10-hello"]
    assert hello.title == "Hello runbook"
    assert hello.question == "Does the runner pass typed parameters?"
    assert hello.parameters == (
        ParameterInfo("SOURCE", "str", '"demo"', "where to read"),
        ParameterInfo("LIMIT", "int", "5", "at most this many nodes"),
        ParameterInfo("NAME", "str | None", "None", "one node, or None for all"),
        ParameterInfo(
            "SELECTOR", "str", '"node-role.kubernetes.io/worker="', "label selector, e.g. a=b"
        ),
    )


def test_notebooks_dir_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(NOTEBOOKS_ENV, str(NOTEBOOKS))
    assert list(discover_runbooks()) == ["10-hello", "20-records", "30-fails"]
    monkeypatch.setenv(NOTEBOOKS_ENV, str(tmp_path))
    with pytest.raises(UsageError, match="no runbooks"):
        discover_runbooks()


def test_resolve_runbooks() -> None:
    known = discover_runbooks(NOTEBOOKS)
    assert resolve_runbooks(["30", "records", "10-hello.ipynb", "30-fails"], known) == [
        "30-fails",
        "20-records",
        "10-hello",
    ]
    assert resolve_runbooks(None, known) == list(known)


@pytest.mark.parametrize(
    ("annotation", "default", "value", "expected"),
    [
        ("int", "5", " 12 ", 12),
        ("float", "0.5", "2", 2.0),
        ("bool", "False", "TRUE", True),
        ("bool", "False", "no", False),
        ("bool", "False", "1", True),
        ("bool", "True", "0", False),
        ("str", '""', "None", "None"),
        ("str | None", "None", "None", None),
        ("str | None", "None", "worker-1", "worker-1"),
        ("Optional[int]", "None", "null", None),
        ("int | None", "None", "3", 3),
        ("", "10", "11", 11),
        ("", '"x"', "11", "11"),
        ("list[str]", "[]", "a,b", "a,b"),
        ('Literal["a", "b"]', '"a"', "b", "b"),
    ],
)
def test_coerce(annotation: str, default: str, value: str, expected: Any) -> None:
    result = ParameterInfo("P", annotation, default, "").coerce(value, runbook="10-x")
    assert result == expected and type(result) is type(expected)


def test_coerce_rejects_literal_outside_choices() -> None:
    with pytest.raises(UsageError, match="must be one of 'a', 'b'"):
        ParameterInfo("P", 'Literal["a", "b"]', '"a"', "").coerce("c", runbook="10-x")


def test_parse_parameters_odd_cells() -> None:
    src = (
        "# a comment line\n"
        "X = 1  # type: int how many\n"
        "Y: dict = {\n    'a': 1,\n}  # multi-line\n"
        "import os\n"
        "Z: str\n"
    )
    assert parse_parameters(src) == [
        ParameterInfo("X", "int", "1", "how many"),
        ParameterInfo("Y", "dict", "{\n    'a': 1,\n}", "multi-line"),
        ParameterInfo("Z", "str", "", ""),
    ]
    # not Python: papermill's parser is the fallback
    assert [p.name for p in parse_parameters("%matplotlib inline\nA: int = 1  # a\n")] == ["A"]


def make_notebook() -> Any:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Title\n\nThe question?"),
        nbformat.v4.new_code_cell('SOURCE = "demo"', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell('SOURCE = "x"', metadata={"tags": ["injected-parameters"]}),
        nbformat.v4.new_code_cell("shown_code_marker = 1"),
    ]
    nb.cells[3].outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="visible output\n"),
        nbformat.v4.new_output("display_data", data={MIME: {"name": "t", "value": [1]}}),
        nbformat.v4.new_output(
            "display_data",
            data={"text/html": "<b>DB_PASSWORD=CanaryHtml1</b>", "text/plain": "x"},
        ),
    ]
    return nb


def test_notebook_to_html_hides_code_by_default() -> None:
    nb = make_notebook()
    html = notebook_to_html(nb, title="10-x: Title")
    assert "visible output" in html and "The question?" in html
    assert "shown_code_marker" not in html and 'SOURCE = "x"' not in html
    assert MIME not in html and not CDN_SCRIPT.search(html)
    assert "CanaryHtml1" not in html and "DB_PASSWORD=&lt;redacted: password&gt;" in html
    assert "<title>10-x: Title</title>" in html
    assert len(nb.cells[3].outputs) == 3, "the notebook passed in is not modified"


def test_notebook_to_html_show_code() -> None:
    html = notebook_to_html(make_notebook(), show_code=True, title="t")
    assert "shown_code_marker" in html
    assert 'SOURCE = "x"' not in html


def test_read_and_strip_records() -> None:
    nb = make_notebook()
    nb.cells[3].outputs.append(
        nbformat.v4.new_output("display_data", data={MIME: {"name": "t", "value": [2]}})
    )
    assert read_records(nb) == {"t": [2]}
    strip_records(nb)
    assert read_records(nb) == {}
    assert len(nb.cells[3].outputs) == 2


def test_to_jsonable_frames_and_dataclasses() -> None:
    import pandas as pd

    from rhcos_helpers.findings import Finding, Severity

    df = pd.DataFrame(
        {"t": pd.to_datetime(["2024-01-02T03:04:05Z", None]), "x": [1.5, float("nan")]},
        index=pd.Index(["a", "b"], name="node"),
    )
    assert to_jsonable(df) == [
        {"node": "a", "t": "2024-01-02T03:04:05+00:00", "x": 1.5},
        {"node": "b", "t": None, "x": None},
    ]
    finding = Finding(severity=Severity.INFO, title="t", what="w", where="node/a")
    assert to_jsonable([finding])[0]["severity"] == "info"
