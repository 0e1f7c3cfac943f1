"""widgets - ipywidgets for interactive use in JupyterLab; reports never depend on them.

Four widgets. A **node picker** turns a selection into the value of a runbook's ``NODES``
parameter, and a **container explorer** filters the joined container table by node, namespace
and state: they only choose what to show. An **apply confirmation** lets an admin send the
change a dry-run cell shows (a pool patch, an SCC grant, a new MachineConfig) by typing the
object's name and pressing Apply. A **secret reveal** shows one redacted value (a file's
contents, an SSH key) for a short time, then clears it.

How a runbook uses them (decided once for every runbook): the explorers take the notebook
parameter ``INTERACTIVE: bool = False``; a papermill run (the report) leaves it ``False``, and
the widget cell then shows one line saying the explorer is interactive-only; the same content
is in the report as static tables. The confirmation and the reveal ask
:func:`rhcos_helpers.safety.interactive_kernel` instead (a parameter could be passed to a
headless run; the kernel's ``allow_stdin`` cannot): under papermill, in HTML reports and in
scheduled runs they are one static line, never a blank widget area, and they hold no secret.

Examples:
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"NODE": ["a", "b"], "NAMESPACE": ["x", "y"], "STATE": ["Running",
    ...                       "Exited"]})
    >>> filter_frame(frame, node="b").to_dict("records")
    [{'NODE': 'b', 'NAMESPACE': 'y', 'STATE': 'Exited'}]
    >>> nodes_parameter(["worker-2", "worker-0"])
    'worker-0,worker-2'
"""

from __future__ import annotations

import html
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from rhcos_helpers.redaction import redact_frame, redact_text
from rhcos_helpers.safety import confirmation_matches, confirmation_refusal, interactive_kernel
from rhcos_helpers.sources.base import Attempt, Source

__all__ = [
    "ALL",
    "REVEAL_SECONDS",
    "ApplyConfirmation",
    "SecretReveal",
    "apply_confirmation",
    "container_explorer",
    "filter_frame",
    "node_picker",
    "nodes_parameter",
    "note",
    "secret_reveal",
]

log = logging.getLogger(__name__)

#: The dropdown entry that does not filter.
ALL = "(all)"


def nodes_parameter(names: Sequence[str]) -> str:
    """The ``NODES`` parameter value for a selection (comma-separated, sorted; "" = all)."""
    return ",".join(sorted(names))


def filter_frame(
    frame: pd.DataFrame,
    *,
    node: str | None = None,
    namespace: str | None = None,
    state: str | None = None,
) -> pd.DataFrame:
    """Rows of a containers table matching every filter given (``None`` or ``(all)`` = any)."""
    mask = pd.Series(True, index=frame.index)
    for column, value in (("NODE", node), ("NAMESPACE", namespace), ("STATE", state)):
        if value not in (None, ALL) and column in frame:
            mask &= frame[column] == value
    return frame[mask]


def note(text: str) -> Any:
    """One static line (an ``IPython.display.HTML``): what a report shows instead of a widget."""
    from IPython.display import HTML

    return HTML(f'<div class="rr-none">{html.escape(redact_text(text))}</div>')  # type: ignore[no-untyped-call]


_note = note


def node_picker(source: Source | Sequence[str], *, interactive: bool = False) -> Any:
    """A multi-select of node names whose ``.nodes_parameter`` attribute is the ``NODES`` value.

    Args:
        source: a source (its nodes are listed) or node names.
        interactive: ``False`` (a report) returns a note instead of a widget.

    Returns:
        An ``ipywidgets.VBox`` (select + the parameter line it produces), or a note.
    """
    if not interactive:
        return _note("Node picker: interactive only (set INTERACTIVE = True in JupyterLab).")
    import ipywidgets as w

    names = source.node_names() if isinstance(source, Source) else sorted(source)
    select = w.SelectMultiple(options=names, rows=min(12, max(3, len(names))), description="Nodes")
    line = w.HTML('NODES = ""  (all nodes)')
    box = w.VBox([select, line])
    box.nodes_parameter = ""

    def changed(_: Any) -> None:
        value = nodes_parameter(list(select.value))
        box.nodes_parameter = value
        line.value = html.escape(f'NODES = "{value}"')

    select.observe(changed, names="value")
    return box


def container_explorer(
    frame: pd.DataFrame | Attempt[pd.DataFrame], *, interactive: bool = False
) -> Any:
    """Dropdowns for node, namespace and state over the joined containers table.

    Args:
        frame: :func:`rhcos_helpers.crio.containers_frame` (or an Attempt of it).
        interactive: ``False`` (a report) returns a note; the report shows the full table.

    Returns:
        An ``ipywidgets.VBox``, or a note when not interactive or without data.
    """
    if not interactive:
        return _note(
            "Container explorer: interactive only (set INTERACTIVE = True in JupyterLab); the "
            "report shows the same containers as the static table above."
        )
    if isinstance(frame, Attempt):
        if not frame.ok or frame.value is None:
            return _note(f"Container explorer: no data ({frame.reason}).")
        frame = frame.value
    import ipywidgets as w
    from IPython.display import display

    def options(column: str) -> list[str]:
        return [ALL, *sorted(str(v) for v in frame[column].dropna().unique())]

    node = w.Dropdown(options=options("NODE"), description="Node")
    namespace = w.Dropdown(options=options("NAMESPACE"), description="Namespace")
    state = w.Dropdown(options=options("STATE"), description="State")
    out = w.Output()

    def refresh(_: Any = None) -> None:
        out.clear_output()
        with out:
            shown = filter_frame(
                frame, node=node.value, namespace=namespace.value, state=state.value
            )
            display(shown)  # type: ignore[no-untyped-call]

    for dropdown in (node, namespace, state):
        dropdown.observe(refresh, names="value")
    refresh()
    return w.VBox([w.HBox([node, namespace, state]), out])


# --- applying a change: typed confirmation --------------------------------------------------


def _frame_html(frame: pd.DataFrame) -> str:
    return str(redact_frame(frame).to_html(index=False, escape=True, border=0))


class ApplyConfirmation:
    """Type the object's name, press Apply: then, and only then, ``send`` runs (once).

    ``send`` is bound by the caller to the exact object or patch the dry-run cell showed; it
    returns the result table (one row per request), shown in the widget. A wrong name sends
    nothing. After one send the widget is spent: run the cell again for another attempt.

    Attributes:
        expected: what must be typed.
        text: the ``ipywidgets.Text`` the admin types into.
        button: the Apply ``ipywidgets.Button``.
        result: an ``ipywidgets.HTML`` with the outcome.
        box: the whole widget (``ipywidgets.VBox``).
        sent: the result of the one send, ``None`` before.
    """

    #: What a saved notebook converted to HTML shows instead of the widget.
    FALLBACK = (
        "Interactive confirmation (a widget): what it sent is not part of this page; the "
        "cluster shows what was applied."
    )

    def __init__(
        self, *, expected: str, action: str, details: Sequence[str],
        send: Callable[[], pd.DataFrame],
    ) -> None:  # fmt: skip
        import ipywidgets as w

        self.expected = expected
        self._send = send
        self.sent: pd.DataFrame | None = None
        items = "".join(f"<li>{html.escape(redact_text(d))}</li>" for d in details)
        prompt = (
            f"<b>{html.escape(redact_text(action))}</b>"
            + (f"<ul>{items}</ul>" if items else "")
            + f"Type <code>{html.escape(expected)}</code> and press Apply to send exactly what "
            "is shown above (a server-side dry run goes first where the API offers one)."
        )
        self.text = w.Text(placeholder=expected, description="Confirm")
        self.button = w.Button(description="Apply", button_style="danger", disabled=True)
        self.result = w.HTML("")
        self.text.observe(self._typed, names="value")
        self.button.on_click(lambda _: self.apply())
        self.box = w.VBox([w.HTML(prompt), w.HBox([self.text, self.button]), self.result])

    def _typed(self, change: Mapping[str, Any]) -> None:
        if self.sent is None:
            self.button.disabled = not confirmation_matches(str(change["new"]), self.expected)

    def apply(self) -> pd.DataFrame | None:
        """What the Apply button does: check the typed name, then send once; the result."""
        if self.sent is not None:
            self.result.value = (
                '<div class="rr-none">Already sent once: run the cell again to start over.</div>'
            )
            return None
        if not confirmation_matches(str(self.text.value), self.expected):
            self.result.value = (
                f'<div class="rr-none">The name typed is not {html.escape(self.expected)!r}: '
                "nothing was sent.</div>"
            )
            return None
        self.button.disabled = self.text.disabled = True
        try:
            frame = self._send()
        except Exception as err:  # noqa: BLE001 - a callback's exception is otherwise invisible
            log.exception("apply of %s failed", self.expected)
            frame = pd.DataFrame(
                [(0, "-", f"failed: {type(err).__name__}: {err}")],
                columns=["STEP", "REQUEST", "RESULT"],
            )
        self.sent = frame
        self.result.value = _frame_html(frame)
        return frame

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle: dict[str, Any] = dict(self.box._repr_mimebundle_(**kwargs) or {})
        bundle["text/html"] = f'<div class="rr-none">{html.escape(self.FALLBACK)}</div>'
        bundle["text/plain"] = self.FALLBACK
        return bundle


def apply_confirmation(
    source: Source,
    *,
    apply: bool,
    expected: str,
    action: str,
    details: Sequence[str] = (),
    send: Callable[[], pd.DataFrame],
    interactive: bool | None = None,
) -> Any:
    """The confirmation widget for one change, or the static line saying why there is none.

    Offered only when :func:`rhcos_helpers.safety.confirmation_refusal` allows: APPLY is
    False, the source is live, the run is not scheduled, and a person drives the kernel.

    Args:
        source: where the change goes.
        apply: the runbook's ``APPLY`` parameter.
        expected: the name to type (the pool, the service account, the MachineConfig).
        action: one line: what Apply does.
        details: warnings and the exact request(s), one line each.
        send: sends the change shown; returns the result table.
        interactive: ``None`` asks the kernel; tests pass True.

    Returns:
        An :class:`ApplyConfirmation`, or a note (an ``IPython.display.HTML``).
    """
    refusal = confirmation_refusal(source, apply=apply, interactive=interactive)
    if refusal is not None:
        return note(refusal)
    return ApplyConfirmation(expected=expected, action=action, details=details, send=send)


# --- revealing one redacted secret, transiently ----------------------------------------------

#: How long a revealed secret stays in the widget.
REVEAL_SECONDS = 30.0

#: ``schedule(seconds, callback)`` starts a timer and returns the function that cancels it.
Schedule = Callable[[float, Callable[[], None]], Callable[[], None]]


def _thread_timer(seconds: float, callback: Callable[[], None]) -> Callable[[], None]:
    timer = threading.Timer(seconds, callback)
    timer.daemon = True
    timer.start()
    return timer.cancel


class SecretReveal:
    """Pick a redacted item, press Reveal: its value shows for ``seconds``, then is cleared.

    The value is read only when Reveal is pressed (``items`` maps a label to a function that
    returns it) and lives only in :attr:`shown` (an ``ipywidgets.HTML``), never in a cell
    output: Hide, the timer, or picking another item set it back to ``""``, so widget state
    saved afterwards holds no secret. Nothing is logged.

    Attributes:
        choice: the ``ipywidgets.Dropdown`` of labels (labels name items, never values).
        reveal_button: shows the chosen value and starts the timer.
        hide_button: clears it now.
        shown: the ``ipywidgets.HTML`` that holds the value while revealed.
        status: one line: hidden, or what is shown and for how long.
        box: the whole widget (``ipywidgets.VBox``).
    """

    def __init__(
        self,
        items: Mapping[str, Callable[[], str]],
        *,
        seconds: float = REVEAL_SECONDS,
        schedule: Schedule | None = None,
    ) -> None:
        import ipywidgets as w

        self._items = dict(items)
        self.seconds = seconds
        self._schedule = schedule or _thread_timer
        self._cancel: Callable[[], None] | None = None
        self._generation = 0
        self.choice = w.Dropdown(options=list(self._items), description="Secret")
        self.reveal_button = w.Button(description=f"Reveal for {seconds:g} s")
        self.hide_button = w.Button(description="Hide")
        self.shown = w.HTML("")
        self.status = w.HTML('<div class="rr-none">hidden</div>')
        self.reveal_button.on_click(lambda _: self.reveal())
        self.hide_button.on_click(lambda _: self.hide())
        self.choice.observe(lambda _: self.hide(), names="value")
        self.box = w.VBox(
            [w.HBox([self.choice, self.reveal_button, self.hide_button]), self.status, self.shown]
        )

    @property
    def revealed(self) -> bool:
        """Whether a value is shown now."""
        return bool(self.shown.value)

    def reveal(self) -> None:
        """Show the chosen item's value and (re)start the timer that clears it."""
        label = self.choice.value
        if label is None:
            return
        self.hide()
        try:
            value = self._items[str(label)]()
        except Exception as err:  # noqa: BLE001 - shown in the widget; never the value
            self.status.value = (
                f'<div class="rr-none">{html.escape(str(label))}: not available '
                f"({html.escape(type(err).__name__)})</div>"
            )
            return
        generation = self._generation
        self.shown.value = f"<pre>{html.escape(value)}</pre>"
        self.status.value = (
            f'<div class="rr-note">Shown: {html.escape(str(label))}. It is cleared in '
            f"{self.seconds:g} s or on Hide; do not paste it into a ticket.</div>"
        )
        self._cancel = self._schedule(self.seconds, lambda: self._expire(generation))

    def _expire(self, generation: int) -> None:
        if generation == self._generation:
            self.hide(why=f"hidden after {self.seconds:g} s")

    def hide(self, *, why: str = "hidden") -> None:
        """Clear the value now (and cancel its timer)."""
        self._generation += 1
        if self._cancel is not None:
            self._cancel()
            self._cancel = None
        self.shown.value = ""
        self.status.value = f'<div class="rr-none">{html.escape(why)}</div>'

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle: dict[str, Any] = dict(self.box._repr_mimebundle_(**kwargs) or {})
        text = "Secret reveal (a widget): interactive only; this page holds no secret."
        bundle["text/html"] = f'<div class="rr-none">{html.escape(text)}</div>'
        bundle["text/plain"] = text
        return bundle


def secret_reveal(
    items: Mapping[str, Callable[[], str]],
    *,
    interactive: bool | None = None,
    seconds: float = REVEAL_SECONDS,
    schedule: Schedule | None = None,
) -> Any:
    """The transient reveal of one redacted item, or a static line in reports.

    Args:
        items: label -> function returning the value (called on Reveal only).
        interactive: ``None`` asks :func:`rhcos_helpers.safety.interactive_kernel`.
        seconds: how long a revealed value stays.
        schedule: the timer (tests pass a fake clock); default a daemon thread timer.

    Returns:
        A :class:`SecretReveal`, or a note (an ``IPython.display.HTML``).
    """
    if not (interactive_kernel() if interactive is None else interactive):
        return note(
            "Reveal a redacted value: interactive only (JupyterLab, run by hand); reports, "
            "notebooks at rest and summary.json never hold secrets."
        )
    if not items:
        return note("Nothing redacted to reveal here.")
    return SecretReveal(items, seconds=seconds, schedule=schedule)
