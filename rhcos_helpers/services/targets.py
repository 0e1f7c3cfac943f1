"""services.targets - the nodes runbook 30 reads: given names, else a label selector, capped.

Examples:
    >>> from rhcos_helpers.sources import open_source
    >>> target_nodes(open_source("demo"), names="worker-1,worker-0").nodes
    ('worker-0', 'worker-1')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from rhcos_helpers.errors import NotApplicable, UsageError
from rhcos_helpers.sources.base import Source, label_selector_matches

__all__ = ["NodeTargets", "target_nodes"]


@dataclass(frozen=True)
class NodeTargets:
    """The nodes a runbook reads, and the ones it leaves out (with why).

    Attributes:
        nodes: nodes to read, sorted.
        left_out: node -> why it is not read (cap, selector), for the status table.
        reason: why no node list could be had (a capture without Node objects), or ``""``.
    """

    nodes: tuple[str, ...]
    left_out: dict[str, str] = field(default_factory=dict)
    reason: str = ""


def target_nodes(
    source: Source, *, names: str | Sequence[str] = "", selector: str = "", limit: int = 10
) -> NodeTargets:
    """Pick the nodes to read: given names, else those matching ``selector``, capped at ``limit``.

    Args:
        source: any source.
        names: node names (a list or one comma-separated string); empty means all nodes.
        selector: a label selector (``node-role.kubernetes.io/worker=``); empty means all.
        limit: at most this many nodes (the first ones by name); the rest are left out, named.

    Raises:
        UsageError: a limit below 1.

    Examples:
        >>> from rhcos_helpers.sources import open_source
        >>> t = target_nodes(open_source("demo"), selector="node-role.kubernetes.io/master=",
        ...                  limit=2)
        >>> t.nodes, t.left_out
        (('master-0', 'master-1'), {'master-2': 'not read: MAX_NODES=2 reached'})
    """
    if limit < 1:
        raise UsageError(f"MAX_NODES must be at least 1, not {limit}")
    wanted = [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)
    wanted = [n for n in wanted if n]
    try:
        objs = {o["metadata"]["name"]: o for o in source.list("nodes")}
    except NotApplicable as err:
        if wanted:
            return NodeTargets(tuple(sorted(wanted)[:limit]))
        return NodeTargets((), reason=str(err))
    left: dict[str, str] = {}
    if wanted:
        chosen = sorted(wanted)
    else:
        chosen = sorted(
            n
            for n, o in objs.items()
            if label_selector_matches((o.get("metadata") or {}).get("labels"), selector)
        )
    for name in chosen[limit:]:
        left[name] = f"not read: MAX_NODES={limit} reached"
    return NodeTargets(tuple(chosen[:limit]), left)
