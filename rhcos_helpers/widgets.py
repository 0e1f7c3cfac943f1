"""widgets - ipywidgets for interactive use in JupyterLab; reports never depend on them.

Two widgets: a **node picker** that turns a selection into the value of a runbook's ``NODES``
parameter, and a **container explorer** that filters the joined container table by node,
namespace and state. They only choose what to show.

How a runbook uses them (decided once for every runbook): the notebook has a parameter
``INTERACTIVE: bool = False``. A papermill run (the report) leaves it ``False``, and the widget
cell then shows one line saying the explorer is interactive-only; the same content is in the
report as static tables. In JupyterLab set ``INTERACTIVE = True`` to get the widgets. An
environment variable or kernel sniffing is not used: the parameter is explicit, recorded in the
run context and identical under papermill and by hand.

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
from collections.abc import Sequence
from typing import Any

import pandas as pd

from rhcos_helpers.sources.base import Attempt, Source

__all__ = ["ALL", "container_explorer", "filter_frame", "node_picker", "nodes_parameter"]

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


def _note(text: str) -> Any:
    from IPython.display import HTML

    return HTML(f'<div class="rr-none">{html.escape(text)}</div>')  # type: ignore[no-untyped-call]


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
