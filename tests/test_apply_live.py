"""Applying, against the API simulator: what it received is what was shown, and nothing else.

Three changes a runbook may send: creating an authored MachineConfig (runbook 40: a server-side
dry run, then the create), pausing a pool (50) and granting an SCC (60). Each is sent by
``APPLY=True`` or by the interactive confirmation (typed name + Apply); a wrong name sends
nothing; scheduled runs, demos and captures are refused. The assertions are on the requests the
simulator recorded (method, path, ``dryRun``, body).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from rhcos_helpers import machineconfigs, pools, scc, widgets
from rhcos_helpers.report.runner import run_runbooks
from rhcos_helpers.safety import SCHEDULED_ENV, STATIC_APPLY_NOTE
from rhcos_helpers.sources import open_source
from rhcos_helpers.sources.base import attempt
from rhcos_helpers.sources.live import LiveSource
from tests.simulator.mc_writes import PATH as MC_PATH
from tests.simulator.server import MINI_CAPTURE, RequestRecord, Simulator

NAME = "60-worker-ntp"
MCP = "/apis/machineconfiguration.openshift.io/v1/machineconfigpools/worker"


@pytest.fixture
def live(demo_simulator: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(SCHEDULED_ENV, raising=False)
    kubeconfig = demo_simulator.write_kubeconfig(tmp_path / "kubeconfig")
    src = LiveSource.from_kubeconfig(context=None, spec="kube", config_file=str(kubeconfig))
    yield demo_simulator, src
    src.close()


def _writes(sim: Simulator) -> list[RequestRecord]:
    """Requests that could change something (access and SCC reviews excluded)."""
    return [r for r in sim.requests
            if r.method in ("POST", "PUT", "PATCH", "DELETE") and "review" not in r.path]  # fmt: skip


def _sent(sim: Simulator) -> list[tuple[str, str, list[str], Any]]:
    return [(r.method, r.path, r.param("dryRun"), r.json()) for r in _writes(sim)]


def _same_time(obj: Any) -> Any:
    """``obj`` with ``metadata.creationTimestamp`` as a datetime: the official client's typed
    models send ``2026-03-04T13:22:41+00:00`` for the ``...Z`` they were given (same instant)."""
    obj = json.loads(json.dumps(obj))
    meta = obj.get("metadata") or {}
    if "creationTimestamp" in meta:
        meta["creationTimestamp"] = datetime.fromisoformat(meta["creationTimestamp"])
    return obj


def _runbook(src: LiveSource, *, name: str = NAME, role: str = "worker"):
    author = machineconfigs.runbook.AuthorInput(
        name=name, role=role, file_path="/etc/chrony.d/60-ntp.conf",
        file_content="server ntp.example.com iburst\n",
    )  # fmt: skip
    rb = machineconfigs.runbook.collect(src, pool="worker", author=author)
    shown = yaml.safe_load(machineconfigs.runbook.author_yaml(rb).value)  # the YAML displayed
    return rb, machineconfigs.runbook.create_plan(rb), shown


# --- runbook 40: creating a MachineConfig -----------------------------------------------------


def test_create_is_a_server_side_dry_run_then_the_create_of_exactly_the_shown_object(live):
    sim, src = live
    rb, plan, shown = _runbook(src)
    assert plan.value is not None and plan.value.impact is not None
    assert plan.value.impact.action == "reboot"  # the impact is known before anything is sent
    out = machineconfigs.runbook.apply_create(src, plan, apply=False).value
    assert list(out["RESULT"]) == [
        f"server-side dry run accepted: machineconfig/{NAME} would be created (nothing "
        "rendered, no reboot predicted by the server)",
        "dry run: APPLY is False, nothing was sent to the cluster",
    ]
    assert _sent(sim) == [("POST", MC_PATH, ["All"], shown)]
    assert src.get("machineconfigs", NAME) is None  # a dry run stores nothing

    out = machineconfigs.runbook.apply_create(src, plan, apply=True).value
    assert out["RESULT"].iloc[-1].startswith(f"created: machineconfig/{NAME} (uid ")
    assert _sent(sim)[1:] == [("POST", MC_PATH, ["All"], shown), ("POST", MC_PATH, [], shown)]
    stored = src.get("machineconfigs", NAME)
    assert stored is not None and stored["spec"] == shown["spec"]

    again = machineconfigs.runbook.apply_create(src, plan, apply=True).value
    assert list(again["RESULT"]) == [
        f'refused by the server: 409 machineconfigs.machineconfiguration.openshift.io "{NAME}" '
        "already exists"
    ]
    assert [r for r in _sent(sim) if r[2] == []] == [("POST", MC_PATH, [], shown)]  # one create


def test_create_confirmation_wrong_name_sends_nothing_right_name_sends_the_shown_object(live):
    sim, src = live
    _, plan, shown = _runbook(src)
    c = machineconfigs.runbook.confirm_create(src, plan, apply=False, interactive=True)
    assert isinstance(c, widgets.ApplyConfirmation) and c.expected == NAME
    for typed in ("", "60-worker-nt", "60-WORKER-NTP", "worker"):
        c.text.value = typed
        c.button.click()
    assert _sent(sim) == []
    c.text.value = NAME
    c.button.click()
    assert _sent(sim) == [("POST", MC_PATH, ["All"], shown), ("POST", MC_PATH, [], shown)]
    assert f"created: machineconfig/{NAME}" in c.result.value
    c.button.click()
    assert len(_sent(sim)) == 2  # one confirmation, one create


def test_a_plan_with_a_problem_is_never_sent(live):
    sim, src = live
    _, plan, _ = _runbook(src, name="60-infra-ntp", role="infra")  # POOL worker does not select it
    assert plan.value is not None and "does not select role 'infra'" in plan.value.problem
    out = machineconfigs.runbook.apply_create(src, plan, apply=True).value
    assert out["RESULT"][0].startswith("not applied: pool worker does not select role 'infra'")
    note = machineconfigs.runbook.confirm_create(src, plan, apply=False, interactive=True)
    assert "not applied because pool worker does not select" in note._repr_html_()
    assert _sent(sim) == []


# --- runbook 50: pausing a pool -----------------------------------------------------------------


def test_pause_confirmation_sends_exactly_the_shown_patch(live):
    sim, src = live
    snap = attempt(pools.status.collect, src)
    plan = pools.pause.for_runbook(src, snap, pool="worker", action="pause")
    c = pools.pause.confirm(src, plan, apply=False, interactive=True)
    assert isinstance(c, widgets.ApplyConfirmation) and c.expected == "worker"
    c.text.value = "infra"
    c.button.click()
    assert _sent(sim) == [] and src.get("machineconfigpools", "worker")["spec"]["paused"] is False
    c.text.value = "worker"
    c.button.click()
    patch = plan.value.patch
    assert patch == {"spec": {"paused": True}}
    assert _sent(sim) == [("PATCH", MCP, ["All"], patch), ("PATCH", MCP, [], patch)]
    assert src.get("machineconfigpools", "worker")["spec"]["paused"] is True


# --- runbook 60: granting an SCC ----------------------------------------------------------------


def test_grant_confirmation_sends_exactly_the_shown_steps(live):
    sim, src = live
    ctx = scc.runbook.load(src)
    grant = scc.runbook.grant_for(src, ctx, scc="anyuid", namespace="demo-app",
                                  service_account="newsa")  # fmt: skip
    c = scc.runbook.confirm_grant(src, grant, apply=False, interactive=True)
    assert isinstance(c, widgets.ApplyConfirmation) and c.expected == "newsa"
    c.text.value = "runasanyuid"  # another service account
    c.button.click()
    assert _sent(sim) == []
    c.text.value = "newsa"
    c.button.click()
    steps = [s for s in grant.value.steps if s.action != "none"]
    assert [(m, _same_time(b)) for m, _, _, b in _sent(sim)] == [
        ("POST" if s.action == "create" else "PUT", _same_time(s.body)) for s in steps
    ]
    assert src.get("serviceaccounts", "newsa", namespace="demo-app") is not None


# --- refusals -------------------------------------------------------------------------------------


def test_scheduled_runs_offer_no_confirmation_and_never_create(live, monkeypatch):
    sim, src = live
    _, plan, shown = _runbook(src)
    early = machineconfigs.runbook.confirm_create(src, plan, apply=False, interactive=True)
    monkeypatch.setenv(SCHEDULED_ENV, "1")
    snap = attempt(pools.status.collect, src)
    pause = pools.pause.for_runbook(src, snap, pool="worker", action="pause")
    ctx = scc.runbook.load(src)
    grant = scc.runbook.grant_for(src, ctx, scc="anyuid", namespace="demo-app",
                                  service_account="newsa")  # fmt: skip
    for shown_widget in (
        machineconfigs.runbook.confirm_create(src, plan, apply=False, interactive=True),
        pools.pause.confirm(src, pause, apply=False, interactive=True),
        scc.runbook.confirm_grant(src, grant, apply=False, interactive=True),
    ):
        assert not isinstance(shown_widget, widgets.ApplyConfirmation)
        assert "no confirmation is offered: in a scheduled run" in shown_widget._repr_html_()
    out = machineconfigs.runbook.apply_create(src, plan, apply=True).value
    assert list(out["RESULT"]) == [
        "APPLY refused in a scheduled run (in-cluster source or RHCOS_RUNBOOKS_SCHEDULED); "
        "run the runbook by hand with APPLY=True to change the cluster"
    ]
    dry = machineconfigs.runbook.apply_create(src, plan, apply=False).value
    assert list(dry["RESULT"]) == [
        "dry run: a scheduled run sends nothing (no server-side dry run)"
    ]
    # a confirmation shown before the run became scheduled is checked again when pressed
    early.text.value = NAME
    early.button.click()
    assert "APPLY refused in a scheduled run" in early.result.value
    assert _sent(sim) == []  # a scheduled run's rights are read-only: not even a dry run
    assert src.get("machineconfigs", NAME) is None


@pytest.mark.parametrize(
    "spec", ["demo", "demo:4.3", str(MINI_CAPTURE)], ids=["demo", "demo43", "capture"]
)
def test_demos_and_captures_offer_no_confirmation_and_send_nothing(spec):
    src = open_source(spec)
    kind = src.identity.kind
    rb = machineconfigs.runbook.collect(src, pool="worker", author=machineconfigs.runbook.AuthorInput(
        name=NAME, file_path="/etc/chrony.d/60-ntp.conf", file_content="server x iburst\n"))  # fmt: skip
    plan = machineconfigs.runbook.create_plan(rb)
    note = machineconfigs.runbook.confirm_create(src, plan, apply=False, interactive=True)
    assert not isinstance(note, widgets.ApplyConfirmation)
    html = note._repr_html_()
    assert f"the {kind} source" in html or "Nothing to confirm" in html
    if plan.value is not None and not plan.value.problem:
        out = machineconfigs.runbook.apply_create(src, plan, apply=True).value
        assert out["RESULT"][0].startswith(f"APPLY refused: the {kind} source")


# --- the runbooks, executed by papermill against the simulator -----------------------------------


@pytest.mark.notebooks
def test_runbooks_live_show_a_static_note_and_send_dry_runs_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delenv(SCHEDULED_ENV, raising=False)
    with Simulator() as sim:
        monkeypatch.setenv("KUBECONFIG", str(sim.write_kubeconfig(tmp_path / "kc")))
        runs = {
            "40-machineconfigs": {"AUTHOR_NAME": NAME},
            "50-pool-rollout": {"ACTION": "pause"},
            "60-scc": {"SERVICE_ACCOUNT": "newsa"},
        }
        for runbook, params in runs.items():
            out = tmp_path / runbook
            run = run_runbooks([runbook], source="kube", parameters=params, out_dir=out)
            assert [r.status for r in run.results] == ["ok"], run.results
            html = (out / f"{runbook}.html").read_text()
            nb = (out / f"{runbook}.ipynb").read_text()
            assert STATIC_APPLY_NOTE in html and STATIC_APPLY_NOTE in nb
            assert "rr-widget-note" not in html  # a note of ours, not a blank widget replaced
            assert "widget-view+json" not in nb and '"widgets"' not in nb
        assert (
            "Reveal a redacted value: interactive only"
            in (tmp_path / "40-machineconfigs" / "40-machineconfigs.html").read_text()
        )
        assert [(r.method, r.path, r.param("dryRun")) for r in _writes(sim)] == [
            ("POST", MC_PATH, ["All"]), ("PATCH", MCP, ["All"]),
        ]  # fmt: skip
        summary = json.loads((tmp_path / "40-machineconfigs" / "summary.json").read_text())
        result = summary["runbooks"]["40-machineconfigs"]["tables"]["create_result"]
        assert result[0]["RESULT"].startswith("server-side dry run accepted")

        # with -p APPLY true the MachineConfig shown is created, after its dry run
        out = tmp_path / "apply"
        run = run_runbooks(["40-machineconfigs"], source="kube",
                           parameters={"AUTHOR_NAME": NAME, "APPLY": "true"}, out_dir=out)  # fmt: skip
        assert [r.status for r in run.results] == ["ok"], run.results
        creates = [r for r in _writes(sim) if r.path == MC_PATH]
        assert [r.param("dryRun") for r in creates] == [["All"], ["All"], []]
        assert creates[-1].json()["metadata"]["name"] == NAME
        shown = json.loads((out / "summary.json").read_text())["runbooks"]["40-machineconfigs"]
        assert yaml.safe_load(shown["tables"]["authored_machineconfig"]) == creates[-1].json()
        assert "APPLY is True" in (out / "40-machineconfigs.html").read_text()
