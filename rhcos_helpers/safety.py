"""safety - the one rule every runbook that changes a cluster applies before it sends anything.

A change is sent only when the caller asked for it explicitly, to a live source, by hand:
never in a scheduled run (the ``in-cluster`` source, or ``RHCOS_RUNBOOKS_SCHEDULED`` set to
1/true/yes), never to a capture or a demo. "Explicitly" is one of two things:

* the ``APPLY=True`` parameter (``rhcos-runbooks run ... -p APPLY true``);
* in an interactive kernel (JupyterLab), a confirmation: the dry-run cell shows a widget where
  the admin types the object's name and presses Apply (:mod:`rhcos_helpers.widgets`).

**Interactive or not.** :func:`interactive_kernel` is true only while a cell runs in an IPython
kernel whose frontend accepts input requests (``allow_stdin`` of the Jupyter ``execute_request``):
JupyterLab, Notebook and VS Code send ``allow_stdin: true``; papermill, nbclient,
``nbconvert --execute``, jupyter-scheduler and Voilà run cells through nbclient, which always
sends ``allow_stdin: false`` (``NotebookClient.async_start_new_kernel_client`` sets
``kc.allow_stdin = False``), and plain Python has no kernel. A headless run can therefore never
be mistaken for a person at the keyboard; when in doubt the answer is "not interactive".

Used by :mod:`rhcos_helpers.scc.grant`, :mod:`rhcos_helpers.pools.pause` and
:mod:`rhcos_helpers.machineconfigs.create`.

Examples:
    >>> from rhcos_helpers.sources import open_source
    >>> apply_refusal(open_source("demo"), apply=True)
    "APPLY refused: the demo source 'demo' is read-only; nothing was changed (run against a live cluster: --source kube)"
    >>> apply_refusal(open_source("demo"), apply=False)
    'dry run: APPLY is False, nothing was sent to the cluster'
    >>> interactive_kernel()  # pytest: no kernel
    False
    >>> confirmation_refusal(open_source("demo"), apply=False, interactive=True)[:48]
    'dry run; no confirmation is offered: the demo so'
"""

from __future__ import annotations

import os

from rhcos_helpers.sources.base import Source

__all__ = [
    "SCHEDULED_ENV",
    "STATIC_APPLY_NOTE",
    "apply_refusal",
    "confirmation_matches",
    "confirmation_refusal",
    "interactive_kernel",
    "is_scheduled",
]

#: Set (to 1, true or yes) by schedulers; no runbook changes a cluster when it is.
SCHEDULED_ENV = "RHCOS_RUNBOOKS_SCHEDULED"

#: What a report (papermill, HTML) shows where an interactive confirmation would be.
STATIC_APPLY_NOTE = (
    "dry run; to apply, run this notebook interactively and confirm, or pass -p APPLY true"
)


def is_scheduled(source: Source) -> bool:
    """True in a scheduled run: the ``in-cluster`` source, or ``RHCOS_RUNBOOKS_SCHEDULED`` set.

    Examples:
        >>> from rhcos_helpers.sources import open_source
        >>> is_scheduled(open_source("demo"))
        False
    """
    return source.identity.spec == "in-cluster" or os.environ.get(
        SCHEDULED_ENV, ""
    ).strip().lower() in ("1", "true", "yes")


def apply_refusal(source: Source, *, apply: bool) -> str | None:
    """Why a change will not be sent (one line), or ``None`` when it may be."""
    ident = source.identity
    if not apply:
        return "dry run: APPLY is False, nothing was sent to the cluster"
    if ident.kind != "live":
        return (
            f"APPLY refused: the {ident.kind} source {ident.spec!r} is read-only; nothing was "
            "changed (run against a live cluster: --source kube)"
        )
    if is_scheduled(source):
        return (
            "APPLY refused in a scheduled run (in-cluster source or RHCOS_RUNBOOKS_SCHEDULED); "
            "run the runbook by hand with APPLY=True to change the cluster"
        )
    if not hasattr(source, "api_client"):
        return "APPLY refused: this source has no API client"
    return None


def interactive_kernel() -> bool:
    """True while a cell runs in a kernel a person drives (JupyterLab), False under papermill.

    The signal is the ``allow_stdin`` flag of the current ``execute_request``, which ipykernel
    keeps as ``kernel._allow_stdin``: frontends with a person at them set it, nbclient (and so
    papermill, ``nbconvert --execute``, jupyter-scheduler, Voilà) never does. Outside an
    IPython kernel (plain Python, pytest, a terminal IPython) the answer is False.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return False
    shell = get_ipython()
    kernel = getattr(shell, "kernel", None)
    return kernel is not None and getattr(kernel, "_allow_stdin", False) is True


def confirmation_refusal(
    source: Source, *, apply: bool, interactive: bool | None = None
) -> str | None:
    """Why no interactive confirmation is offered (one line), or ``None`` when it may be.

    Args:
        source: where the change would go.
        apply: the ``APPLY`` parameter: when True the change was already sent (or refused) by
            the dry-run cell, and there is nothing to confirm.
        interactive: ``None`` asks :func:`interactive_kernel`; tests pass True or False.

    Examples:
        >>> from rhcos_helpers.sources import open_source
        >>> confirmation_refusal(open_source("demo:4.3"), apply=True)
        'APPLY is True: the cell above sent the change (or says why not); nothing to confirm'
    """
    if apply:
        return "APPLY is True: the cell above sent the change (or says why not); nothing to confirm"
    refusal = apply_refusal(source, apply=True)
    if refusal is not None:
        reason = refusal.removeprefix("APPLY refused: ").removeprefix("APPLY refused ")
        return f"dry run; no confirmation is offered: {reason}"
    if not (interactive_kernel() if interactive is None else interactive):
        return STATIC_APPLY_NOTE
    return None


def confirmation_matches(typed: str, expected: str) -> bool:
    """Whether what the admin typed confirms ``expected`` (exactly, surrounding blanks aside).

    Examples:
        >>> confirmation_matches(" worker ", "worker"), confirmation_matches("Worker", "worker")
        (True, False)
        >>> confirmation_matches("", "")
        False
    """
    return bool(expected) and typed.strip() == expected
