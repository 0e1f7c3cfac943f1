"""safety - the one rule every runbook that changes a cluster applies before it sends anything.

A change is sent only when the caller asked for it explicitly (``APPLY=True``), to a live
source, by hand: never in a scheduled run (the ``in-cluster`` source, or
``RHCOS_RUNBOOKS_SCHEDULED`` set to 1/true/yes), never to a capture or a demo. Used by
:mod:`rhcos_helpers.scc.grant` and :mod:`rhcos_helpers.pools.rollout`.

Examples:
    >>> from rhcos_helpers.sources import open_source
    >>> apply_refusal(open_source("demo"), apply=True)
    "APPLY refused: the demo source 'demo' is read-only; nothing was changed (run against a live cluster: --source kube)"
    >>> apply_refusal(open_source("demo"), apply=False)
    'dry run: APPLY is False, nothing was sent to the cluster'
"""

from __future__ import annotations

import os

from rhcos_helpers.sources.base import Source

__all__ = ["SCHEDULED_ENV", "apply_refusal", "is_scheduled"]

#: Set (to 1, true or yes) by schedulers; no runbook changes a cluster when it is.
SCHEDULED_ENV = "RHCOS_RUNBOOKS_SCHEDULED"


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
