"""pools.rollout - the rollout section of runbook 50: a live watch or the snapshot, as tables.

The records, the snapshot and the plot: :mod:`rhcos_helpers.pools.timeline`; the live watch:
:mod:`rhcos_helpers.pools.watch`; pausing and unpausing: :mod:`rhcos_helpers.pools.pause`.
Their public names are re-exported here, so a notebook needs ``pools.rollout`` only.

Examples:
    >>> from rhcos_helpers.sources import open_source
    >>> from rhcos_helpers.sources.base import attempt
    >>> from rhcos_helpers import pools
    >>> src = open_source("demo")
    >>> snap = attempt(pools.status.collect, src)
    >>> res = for_runbook(src, snap, pool="worker", watch=False, timeout_s=1)
    >>> res.value.outcome, summary(res.value)["Pool"]
    ('snapshot', 'worker')
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from rhcos_helpers.errors import UsageError
from rhcos_helpers.pools.status import PoolSnapshot
from rhcos_helpers.pools.timeline import (
    PHASES,
    PhaseSpan,
    RolloutResult,
    Transition,
    node_fields,
    phase,
    plot_timeline,
    pool_fields,
    snapshot_timeline,
    summary,
    timeline_frame,
)
from rhcos_helpers.pools.watch import MCP_GROUP, MCP_PLURAL, MCP_VERSION, watch_rollout
from rhcos_helpers.sources.base import Attempt, Source

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "MCP_GROUP",
    "MCP_PLURAL",
    "MCP_VERSION",
    "PHASES",
    "PhaseSpan",
    "RolloutResult",
    "Transition",
    "figure_of",
    "for_runbook",
    "node_fields",
    "phase",
    "plot_timeline",
    "pool_fields",
    "snapshot_timeline",
    "summary",
    "timeline_frame",
    "watch_rollout",
]


def for_runbook(
    source: Source,
    snap: Attempt[PoolSnapshot],
    *,
    pool: str,
    watch: bool,
    timeout_s: float,
    progress: bool = True,
) -> Attempt[RolloutResult]:
    """The runbook's timeline: a watch on a live source with ``watch``, else the snapshot."""
    if snap.value is None:
        return Attempt(None, snap.reason or "no pools")
    try:
        if watch and source.identity.kind == "live":
            return Attempt(watch_rollout(source, pool=pool, timeout_s=timeout_s, progress=progress))
        res = snapshot_timeline(snap.value, pool=pool)
    except UsageError as err:
        return Attempt(None, str(err))
    if not watch and source.identity.kind == "live" and res.outcome == "snapshot":
        res = replace(res, message="no watch: WATCH is False; " + res.message.split("; ", 1)[-1])
    return Attempt(res)


def figure_of(result: Attempt[RolloutResult]) -> Attempt[Figure | None]:
    """:func:`plot_timeline` of an attempt (its reason kept when there is no result)."""
    return result.map(plot_timeline)
