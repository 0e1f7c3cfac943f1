"""fleet - collect the CRI-O facts of many nodes and keep, per node, what was read and how.

:func:`collect` reads every fact of :data:`~rhcos_helpers.crio.records.FACTS` on each node
through the fan-out (:mod:`rhcos_helpers.node_access.fanout`), parses it with
:mod:`rhcos_helpers.crio.parse`, and returns a :class:`CrioFleet`: one :class:`NodeCrio` per
node asked for, whose :class:`FactResult` per fact says ``ok``, ``failed``, ``missing`` or
``parse-error`` and why, so a node that could not be read is a marked row rather than an
exception. Live, it can take a second ``crictl stats`` sample for crictl's two-sample CPU %
(:func:`cpu_percent`). :func:`status_frame` shows one row per node.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from rhcos_helpers.crio._protojson import _is_json
from rhcos_helpers.crio.parse import _PARSERS
from rhcos_helpers.crio.records import (
    _SHORT,
    COL_NODE,
    COL_REASON,
    COL_STATUS,
    CORE_FACTS,
    FACTS,
    Container,
    ContainerStats,
    FilesystemUsage,
    Image,
    KubeletSummary,
    PodSandbox,
    PodStats,
)
from rhcos_helpers.errors import NotApplicable, ParseError
from rhcos_helpers.sources.base import Attempt, NodeOutput, Source

__all__ = [
    "CrioFleet",
    "FactResult",
    "NodeCrio",
    "collect",
    "cpu_percent",
    "split_nodes",
    "status_frame",
]

log = logging.getLogger(__name__)


def cpu_percent(
    first: Iterable[ContainerStats], second: Iterable[ContainerStats]
) -> dict[str, float]:
    """CPU % per container from two samples, with crictl's own formula.

    ``(cpu2.usageCoreNanoSeconds - cpu1.usageCoreNanoSeconds) / (ts2 - ts1) * 100``, rounded to
    two decimals as crictl prints it (above 100 for more than one core). Containers missing from
    either sample, without CPU figures or whose timestamp did not move are left out.

    Returns:
        container ID (13 characters, as crictl shows it) -> CPU %.
    """
    old = {s.id: s for s in first}
    out: dict[str, float] = {}
    for s in second:
        o = old.get(s.id)
        if o is None or None in (
            s.cpu_usage_core_ns,
            o.cpu_usage_core_ns,
            s.timestamp_ns,
            o.timestamp_ns,
        ):
            continue
        assert s.timestamp_ns is not None and o.timestamp_ns is not None  # for mypy
        assert s.cpu_usage_core_ns is not None and o.cpu_usage_core_ns is not None
        duration = s.timestamp_ns - o.timestamp_ns
        if duration <= 0:
            continue
        out[s.id[:_SHORT]] = round((s.cpu_usage_core_ns - o.cpu_usage_core_ns) / duration * 100, 2)
    return out


def _single_sample_cpu(s: ContainerStats) -> float | None:
    """CPU % of one sample: the table's figure, else ``usageNanoCores`` as a percentage."""
    if s.cpu_percent is not None:
        return s.cpu_percent
    if s.cpu_usage_nano_cores is not None:
        return round(s.cpu_usage_nano_cores / 1e7, 2)
    return None


@dataclass(frozen=True)
class FactResult:
    """How one fact went on one node.

    Attributes:
        fact: catalogue key.
        status: ``ok``, ``failed``, ``missing`` or ``parse-error``.
        format: ``json``, ``table``, ``text``.
        origin: where it came from (``debug-pod``, ``sos:<path>``, ``api:<path>``...).
        reason: why it is not ``ok``.
    """

    fact: str
    status: Literal["ok", "failed", "missing", "parse-error"]
    format: str = ""
    origin: str = ""
    reason: str = ""


@dataclass(frozen=True)
class NodeCrio:
    """Everything read about CRI-O on one node.

    Attributes:
        node: node name.
        facts: fact key -> how it went.
        containers: ``crictl ps -a``.
        pods: ``crictl pods``.
        images: ``crictl images``.
        stats: ``crictl stats`` (first sample).
        stats_second: the second sample (live only, ``stats_interval_s`` later), or ``None``.
        pod_stats: ``crictl statsp``.
        filesystems: ``crictl imagefsinfo``.
        summary: the kubelet Summary API, or ``None``.
    """

    node: str
    facts: Mapping[str, FactResult]
    containers: tuple[Container, ...] = ()
    pods: tuple[PodSandbox, ...] = ()
    images: tuple[Image, ...] = ()
    stats: tuple[ContainerStats, ...] = ()
    stats_second: tuple[ContainerStats, ...] | None = None
    pod_stats: tuple[PodStats, ...] = ()
    filesystems: tuple[FilesystemUsage, ...] = ()
    summary: KubeletSummary | None = None

    @property
    def status(self) -> str:
        """``ok`` (every core fact read), ``partial``, ``failed`` or ``missing``."""
        core = [self.facts[f].status for f in CORE_FACTS if f in self.facts]
        if core and all(s == "ok" for s in core):
            return "ok"
        if any(s == "ok" for s in core):
            return "partial"
        if core and all(s == "missing" for s in core):
            return "missing"
        return "failed"

    @property
    def reason(self) -> str:
        """The first reason a core fact was not read ("" when all were)."""
        for fact in (*CORE_FACTS, *FACTS):
            res = self.facts.get(fact)
            if res is not None and res.status != "ok":
                return f"{fact}: {res.reason}"
        return ""

    def cpu(self) -> dict[str, float]:
        """CPU % per container (13-character ID): two samples when taken, else one."""
        if self.stats_second is not None:
            two = cpu_percent(self.stats, self.stats_second)
            if two:
                return two
        return {
            s.id[:_SHORT]: pct for s in self.stats if (pct := _single_sample_cpu(s)) is not None
        }


@dataclass(frozen=True)
class CrioFleet:
    """What :func:`collect` read from every node.

    Attributes:
        nodes: node name -> :class:`NodeCrio`, sorted; failed and missing nodes included.
        api_pods: the API's Pod objects (for restart counts and the cross-check), or the reason
            they could not be read.
        capped: nodes left out by ``max_nodes``.
        stats_interval_s: seconds between the two stats samples (0 = one sample).
    """

    nodes: Mapping[str, NodeCrio]
    api_pods: Attempt[list[dict[str, Any]]] = field(default_factory=lambda: Attempt([]))
    capped: tuple[str, ...] = ()
    stats_interval_s: float = 0.0


def split_nodes(text: str) -> list[str] | None:
    """Node names from a comma-separated parameter; ``None`` for "" (every node).

    Examples:
        >>> split_nodes(" worker-0, worker-2 ,"), split_nodes("")
        (['worker-0', 'worker-2'], None)
    """
    names = [n.strip() for n in text.split(",") if n.strip()]
    return names or None


def _fact_result(out: NodeOutput) -> tuple[FactResult, Any]:
    """Parse one output; a parse error becomes a marked result, never an exception."""
    if out.status != "ok":
        return FactResult(out.fact, out.status, out.format, out.origin, out.reason), None
    try:
        value = _PARSERS[out.fact](out.stdout)
    except ParseError as err:
        log.warning("node %s, %s: %s", out.node, out.fact, err)
        reason = f"parse error: {err}"
        return FactResult(out.fact, "parse-error", out.format, out.origin, reason), None
    fmt = "table" if out.fact in CORE_FACTS and not _is_json(out.stdout) else out.format
    return FactResult(out.fact, "ok", fmt, out.origin), value


def _node_crio(node: str, outputs: Mapping[str, NodeOutput]) -> NodeCrio:
    facts: dict[str, FactResult] = {}
    parsed: dict[str, Any] = {}
    for fact in FACTS:
        out = outputs.get(fact)
        if out is None:
            facts[fact] = FactResult(fact, "missing", reason="not collected")
            continue
        facts[fact], parsed[fact] = _fact_result(out)
    return NodeCrio(
        node=node,
        facts=facts,
        containers=tuple(parsed.get("crictl_ps") or ()),
        pods=tuple(parsed.get("crictl_pods") or ()),
        images=tuple(parsed.get("crictl_images") or ()),
        stats=tuple(parsed.get("crictl_stats") or ()),
        pod_stats=tuple(parsed.get("crictl_statsp") or ()),
        filesystems=tuple(parsed.get("crictl_imagefsinfo") or ()),
        summary=parsed.get("kubelet_stats_summary"),
    )


def collect(
    source: Source,
    *,
    nodes: Sequence[str] | None = None,
    node_selector: str | None = None,
    max_nodes: int | None = None,
    stats_interval_s: float = 0.0,
    concurrency: int = 4,
    node_timeout: float = 120,
    progress: bool = True,
) -> CrioFleet:
    """Read and parse the CRI-O facts of many nodes through the fan-out.

    Every node asked for is in the result: a node that could not be read, or whose output did
    not parse, is marked with the reason, and the other nodes are still read.

    Args:
        source: any source.
        nodes: node names; ``None`` means every node (matching ``node_selector``).
        node_selector: label selector for the nodes when ``nodes`` is ``None``.
        max_nodes: read at most this many nodes (the rest are listed in ``capped``).
        stats_interval_s: on a live source, take a second ``crictl stats`` sample this many
            seconds later for crictl's two-sample CPU %; 0 (or a capture) keeps one sample.
        concurrency: nodes in flight at once.
        node_timeout: seconds all facts of one node may take.
        progress: show a progress bar.

    Raises:
        NotApplicable: the source cannot list nodes and none were given.
    """
    from rhcos_helpers.node_access.fanout import collect_facts

    if nodes is None:
        nodes = sorted(
            n["metadata"]["name"] for n in source.list("nodes", label_selector=node_selector)
        )
        if not nodes:
            raise NotApplicable(f"no node matches the selector {node_selector!r}")
    wanted = list(dict.fromkeys(nodes))
    capped: tuple[str, ...] = ()
    if max_nodes is not None and 0 < max_nodes < len(wanted):
        wanted, capped = wanted[:max_nodes], tuple(wanted[max_nodes:])
    result = collect_facts(
        source,
        nodes=wanted,
        facts=list(FACTS),
        concurrency=concurrency,
        node_timeout=node_timeout,
        progress=progress,
    )
    crio = {n: _node_crio(n, result.outputs[n]) for n in result.nodes}
    live = source.identity.kind == "live"
    if live and stats_interval_s > 0:
        readable = [n for n, c in crio.items() if c.facts["crictl_stats"].status == "ok"]
        time.sleep(stats_interval_s)
        again = collect_facts(
            source,
            nodes=readable,
            facts=["crictl_stats"],
            concurrency=concurrency,
            node_timeout=node_timeout,
            progress=progress,
        )
        for n in readable:
            res, value = _fact_result(again.outputs[n]["crictl_stats"])
            if res.status == "ok":
                crio[n] = _replace_second(crio[n], tuple(value))
    from rhcos_helpers.sources.base import attempt

    return CrioFleet(
        nodes=crio,
        api_pods=attempt(source.list, "pods"),
        capped=capped,
        stats_interval_s=stats_interval_s if live else 0.0,
    )


def _replace_second(node: NodeCrio, second: tuple[ContainerStats, ...]) -> NodeCrio:
    from dataclasses import replace

    return replace(node, stats_second=second)


def _unwrap(fleet: CrioFleet | Attempt[CrioFleet]) -> CrioFleet | None:
    if isinstance(fleet, Attempt):
        return fleet.value if fleet.ok else None
    return fleet


def status_frame(fleet: CrioFleet | Attempt[CrioFleet]) -> pd.DataFrame:
    """One row per node: overall status, each fact's status and format, and the first reason."""
    data = _unwrap(fleet)
    rows = []
    for node, nc in (data.nodes if data else {}).items():
        row: dict[str, Any] = {COL_NODE: node, COL_STATUS: nc.status}
        for fact in FACTS:
            res = nc.facts[fact]
            row[fact] = f"{res.status} ({res.format})" if res.status == "ok" else res.status
        origins = sorted({r.origin.split(":", 1)[0] for r in nc.facts.values() if r.origin})
        row["ORIGIN"] = ", ".join(origins)
        row[COL_REASON] = nc.reason
        rows.append(row)
    for node in data.capped if data else ():
        rows.append({COL_NODE: node, COL_STATUS: "skipped", COL_REASON: "over MAX_NODES"})
    return pd.DataFrame(rows, columns=[COL_NODE, COL_STATUS, *FACTS, "ORIGIN", COL_REASON])
