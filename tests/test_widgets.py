"""The confirmation and the secret reveal, driven through their ipywidgets objects directly.

No kernel and no clock: buttons are clicked with ``Button.click()``, typing sets ``Text.value``,
and the reveal's timer is a fake scheduler whose callbacks the test fires.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import ipywidgets as w
import pandas as pd
import pytest

from rhcos_helpers import widgets
from rhcos_helpers.safety import STATIC_APPLY_NOTE
from rhcos_helpers.sources import open_source
from tests.test_safety import _LiveFake

SECRET = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIWidgetTestSecretKey0000000000000000001 a@b"
VIEW = "application/vnd.jupyter.widget-view+json"


class FakeTimer:
    """schedule(seconds, callback) -> cancel; the test fires the callbacks."""

    def __init__(self) -> None:
        self.started: list[tuple[float, Callable[[], None]]] = []
        self.cancelled = 0

    def __call__(self, seconds: float, callback: Callable[[], None]) -> Callable[[], None]:
        self.started.append((seconds, callback))

        def cancel() -> None:
            self.cancelled += 1

        return cancel


def _saved_state() -> str:
    """Every live widget's state, as JupyterLab would save it into the notebook."""
    return json.dumps(w.Widget.get_manager_state(drop_defaults=False))


# --- confirmation -----------------------------------------------------------------------------


def _confirmation(calls: list[int], result: pd.DataFrame | None = None, **kw):
    frame = result if result is not None else pd.DataFrame(
        [(1, "PATCH /x?dryRun=All", "accepted"), (2, "PATCH /x", "patched")],
        columns=["STEP", "REQUEST", "RESULT"],
    )  # fmt: skip

    def send() -> pd.DataFrame:
        calls.append(1)
        return frame

    return widgets.apply_confirmation(
        _LiveFake(), apply=False, expected="worker", action="Pause pool worker",
        details=["a warning"], send=send, interactive=True, **kw,
    )  # fmt: skip


def test_wrong_name_sends_nothing_and_the_right_one_sends_once(monkeypatch):
    monkeypatch.delenv("RHCOS_RUNBOOKS_SCHEDULED", raising=False)
    calls: list[int] = []
    c = _confirmation(calls)
    assert isinstance(c, widgets.ApplyConfirmation)
    assert c.button.disabled  # nothing typed yet
    c.button.click()  # a click on a disabled button still reaches the handler: it must refuse
    assert calls == [] and "nothing was sent" in c.result.value
    for typed in ("Worker", "work", "worker-1", "infra"):
        c.text.value = typed
        assert c.button.disabled
        c.button.click()
        assert calls == []
    c.text.value = " worker "
    assert not c.button.disabled
    c.button.click()
    assert calls == [1]
    assert "patched" in c.result.value and c.button.disabled and c.text.disabled
    c.button.click()  # spent: never a second send
    assert calls == [1] and "Already sent once" in c.result.value
    assert isinstance(c.sent, pd.DataFrame)


def test_a_failing_send_is_shown_not_swallowed(monkeypatch):
    monkeypatch.delenv("RHCOS_RUNBOOKS_SCHEDULED", raising=False)

    def send() -> pd.DataFrame:
        raise ConnectionError("connection refused")

    c = widgets.apply_confirmation(_LiveFake(), apply=False, expected="sa", action="Grant",
                                   send=send, interactive=True)  # fmt: skip
    c.text.value = "sa"
    assert c.apply() is not None
    assert "failed: ConnectionError: connection refused" in c.result.value


def test_the_confirmation_result_is_redacted(monkeypatch):
    monkeypatch.delenv("RHCOS_RUNBOOKS_SCHEDULED", raising=False)
    frame = pd.DataFrame([(1, "POST /x", f"created with key {SECRET}")],
                         columns=["STEP", "REQUEST", "RESULT"])  # fmt: skip
    c = _confirmation([], result=frame)
    c.text.value = "worker"
    c.button.click()
    assert "AAAAC3NzaC1lZDI1NTE5AAAAIWidget" not in c.result.value
    assert "redacted" in c.result.value


def test_the_widget_bundle_has_a_static_fallback_never_a_blank_area(monkeypatch):
    monkeypatch.delenv("RHCOS_RUNBOOKS_SCHEDULED", raising=False)
    c = _confirmation([])
    bundle = c._repr_mimebundle_()
    assert VIEW in bundle  # JupyterLab renders the widget
    assert "Interactive confirmation" in bundle["text/html"]  # nbconvert / HTML: a line


@pytest.mark.parametrize(
    ("source", "apply", "interactive", "line"),
    [
        (_LiveFake(), False, False, STATIC_APPLY_NOTE),  # papermill, headless
        (_LiveFake(), True, True, "APPLY is True"),
        (open_source("demo"), False, True, "no confirmation is offered: the demo source"),
        (_LiveFake("in-cluster"), False, True, "no confirmation is offered: in a scheduled run"),
    ],
    ids=["headless", "apply-flag", "demo", "scheduled"],
)
def test_no_widget_where_applying_is_not_offered(source, apply, interactive, line, monkeypatch):
    monkeypatch.delenv("RHCOS_RUNBOOKS_SCHEDULED", raising=False)
    calls: list[int] = []
    shown = widgets.apply_confirmation(source, apply=apply, expected="worker", action="x",
                                       send=lambda: calls.append(1), interactive=interactive)  # fmt: skip
    html = shown._repr_html_()
    assert line in html and "rr-none" in html
    assert calls == []


# --- secret reveal ----------------------------------------------------------------------------


def _reveal(timer: FakeTimer, reads: list[str]):
    def read(label: str) -> Callable[[], str]:
        def value() -> str:
            reads.append(label)
            return SECRET if label == "key" else "PASSWORD=hunter2-widget"

        return value

    return widgets.secret_reveal(
        {"99-worker-ssh: sshAuthorizedKeys of core #1": read("key"), "60-x: /etc/env": read("env")},
        interactive=True, seconds=30, schedule=timer,
    )  # fmt: skip


def test_reveal_shows_the_value_and_the_timer_clears_it():
    timer, reads = FakeTimer(), []
    r = _reveal(timer, reads)
    assert isinstance(r, widgets.SecretReveal)
    assert reads == [] and not r.revealed  # nothing read before Reveal
    assert SECRET not in _saved_state()
    r.reveal_button.click()
    assert reads == ["key"] and r.revealed
    assert SECRET in r.shown.value and "cleared in 30 s" in r.status.value
    assert SECRET in _saved_state()  # the one moment it exists: in the widget, for 30 s
    assert [s for s, _ in timer.started] == [30]
    timer.started[0][1]()  # 30 s later
    assert r.shown.value == "" and "hidden after 30 s" in r.status.value
    assert SECRET not in _saved_state()


def test_hide_clears_now_and_cancels_the_timer():
    timer, reads = FakeTimer(), []
    r = _reveal(timer, reads)
    r.reveal_button.click()
    r.hide_button.click()
    assert r.shown.value == "" and timer.cancelled == 1
    assert SECRET not in _saved_state()


def test_an_old_timer_does_not_clear_a_later_reveal_and_switching_hides():
    timer, reads = FakeTimer(), []
    r = _reveal(timer, reads)
    r.reveal_button.click()
    r.reveal_button.click()  # revealed again: a fresh 30 s
    first, second = timer.started[0][1], timer.started[1][1]
    first()
    assert r.revealed  # the first timer is stale
    r.choice.value = "60-x: /etc/env"  # another item: the shown one is cleared
    assert not r.revealed and SECRET not in _saved_state()
    r.reveal_button.click()
    assert "hunter2-widget" in r.shown.value and SECRET not in r.shown.value
    second()  # stale too
    assert r.revealed
    timer.started[-1][1]()
    assert not r.revealed


def test_a_failing_read_shows_why_and_no_value():
    def broken() -> str:
        raise KeyError("gone")

    r = widgets.secret_reveal({"x: /etc/gone": broken}, interactive=True, schedule=FakeTimer())
    r.reveal()
    assert r.shown.value == "" and "not available (KeyError)" in r.status.value


def test_the_reveal_is_a_static_line_in_reports_and_its_display_holds_no_value():
    note = widgets.secret_reveal({"k": lambda: SECRET}, interactive=False)
    assert "interactive only" in note._repr_html_() and SECRET not in note._repr_html_()
    assert "Nothing redacted" in widgets.secret_reveal({}, interactive=True)._repr_html_()
    r = _reveal(FakeTimer(), [])
    bundle = r._repr_mimebundle_()
    assert VIEW in bundle and "this page holds no secret" in bundle["text/html"]
    r.reveal()
    assert SECRET not in json.dumps(r._repr_mimebundle_())  # what a display would record
