"""safety: when a change may be sent, and when an interactive confirmation may be offered.

The interactive signal is checked for real: a kernel driven the way JupyterLab drives it
(``allow_stdin: true``) and the way nbclient drives it (``false``), and a notebook executed by
papermill.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
import papermill
import pytest
from jupyter_client.manager import start_new_kernel
from nbformat.v4 import new_code_cell, new_notebook

from rhcos_helpers import safety
from rhcos_helpers.sources import open_source
from rhcos_helpers.sources.base import SourceIdentity
from tests.fakes import FakeSource

PROBE = "from rhcos_helpers.safety import interactive_kernel\nprint(interactive_kernel())"


class _LiveFake(FakeSource):
    """A fake live source (what apply_refusal checks: kind, spec, an API client)."""

    api_client = object()

    def __init__(self, spec: str = "kube") -> None:
        super().__init__({})
        self._identity = SourceIdentity(kind="live", spec=spec, api_url="https://api.example:6443")


def _run_in_kernel(code: str, *, allow_stdin: bool) -> str:
    km, kc = start_new_kernel(kernel_name="python3")
    try:
        msg_id = kc.execute(code, allow_stdin=allow_stdin)
        out = []
        while True:
            msg = kc.get_iopub_msg(timeout=60)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "stream":
                out.append(msg["content"]["text"])
            if msg["msg_type"] == "error":
                raise AssertionError("\n".join(msg["content"]["traceback"]))
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return "".join(out).strip()
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


@pytest.mark.parametrize(("allow_stdin", "expected"), [(True, "True"), (False, "False")])
def test_interactive_signal_in_a_real_kernel(allow_stdin: bool, expected: str):
    # JupyterLab's requestExecute defaults to allow_stdin=true; nbclient sets it false
    assert _run_in_kernel(PROBE, allow_stdin=allow_stdin) == expected


def test_papermill_is_never_interactive(tmp_path: Path):
    nb = new_notebook(cells=[new_code_cell('MODE: str = "x"', metadata={"tags": ["parameters"]}),
                             new_code_cell(PROBE)])  # fmt: skip
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "py"}
    src, out = tmp_path / "in.ipynb", tmp_path / "out.ipynb"
    nbformat.write(nb, src)
    papermill.execute_notebook(str(src), str(out), parameters={"MODE": "y"}, kernel_name="python3",
                               progress_bar=False)  # fmt: skip
    cells = json.loads(out.read_text())["cells"]
    assert "injected-parameters" in cells[1]["metadata"]["tags"]
    assert "".join(cells[-1]["outputs"][0]["text"]).strip() == "False"


def test_outside_a_kernel_or_with_a_frontend_without_input(monkeypatch: pytest.MonkeyPatch):
    import IPython

    assert safety.interactive_kernel() is False  # pytest: no IPython shell at all

    class Kernel:
        _allow_stdin: Any = True

    class Shell:
        kernel = Kernel()

    monkeypatch.setattr(IPython, "get_ipython", lambda: Shell())
    assert safety.interactive_kernel() is True
    Kernel._allow_stdin = False
    assert safety.interactive_kernel() is False
    Kernel._allow_stdin = "yes"  # anything but the bool True is "not interactive"
    assert safety.interactive_kernel() is False
    Shell.kernel = None  # a terminal IPython has no kernel
    assert safety.interactive_kernel() is False


def test_confirmation_refusals(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(safety.SCHEDULED_ENV, raising=False)
    live = _LiveFake()
    refusal = safety.confirmation_refusal
    assert refusal(live, apply=False, interactive=True) is None
    assert refusal(live, apply=False, interactive=False) == safety.STATIC_APPLY_NOTE
    assert safety.STATIC_APPLY_NOTE == (
        "dry run; to apply, run this notebook interactively and confirm, or pass -p APPLY true"
    )
    assert refusal(live, apply=True, interactive=True).startswith("APPLY is True")
    for demo in ("demo", "demo:4.3"):
        assert refusal(open_source(demo), apply=False, interactive=True) == (
            f"dry run; no confirmation is offered: the demo source {demo!r} is read-only; "
            "nothing was changed (run against a live cluster: --source kube)"
        )
    capture = FakeSource({})
    assert "the capture source 'fake' is read-only" in refusal(capture, apply=False,
                                                               interactive=True)  # fmt: skip
    assert refusal(_LiveFake("in-cluster"), apply=False, interactive=True).startswith(
        "dry run; no confirmation is offered: in a scheduled run"
    )
    monkeypatch.setenv(safety.SCHEDULED_ENV, "yes")
    assert "scheduled run" in refusal(live, apply=False, interactive=True)


@pytest.mark.parametrize(
    ("typed", "expected", "ok"),
    [("worker", "worker", True), ("  worker\n", "worker", True), ("Worker", "worker", False),
     ("work", "worker", False), ("", "", False), ("worker ", "infra", False)],
)  # fmt: skip
def test_confirmation_matches(typed: str, expected: str, ok: bool):
    assert safety.confirmation_matches(typed, expected) is ok
