"""node_access.fanout - collect node-level facts from many nodes at once, safely.

:func:`collect_facts` runs a list of catalogue facts on every node of a source (or the nodes
given) with a small, bounded number of nodes in flight, a progress bar, a time budget per node
and a result that names **every** node: the ones read, the ones skipped (Windows, NotReady)
and the ones that failed, each with the reason.

Design:

* Threads, not processes: the work is waiting on the API server and on debug pods. The default
  concurrency is low (4): each node in flight starts a privileged debug pod (the debug-pod
  runner keeps it until the source is closed) and loads the API server and the kubelet.
* The facts of one node run one after another, in the order given, in one thread: a
  :class:`~rhcos_helpers.sources.live_nodes.NodeRunner` that keeps one debug pod per node (the
  debug-pod runner does) starts it on the first command and reuses it for the rest.
* Only a live source's nodes are skipped (Windows, NotReady): reading a capture or a demo costs
  nothing and returns what the capture recorded for the node, failures included.
* A node's budget (``node_timeout``) covers all of its facts. When it runs out, the facts not yet
  answered get a ``failed`` output saying so and the slot goes to the next node; the call that
  overran keeps running in the background until the runner's own per-command timeout ends it,
  and its answer is discarded.
* An interrupt (Ctrl-C, a Jupyter kernel interrupt) starts no further node and returns at once;
  nodes in flight stop after their current fact; closing the source removes the debug pods.
* API back-off: ``LiveSource`` retries 429 and 5xx answers (``Retry-After`` honoured) for
  everything it sends through its HTTP layer, node-proxy facts (``kubelet_stats_summary``,
  ``journal_unit`` without a runner) included. Commands sent by a ``NodeRunner`` (the exec
  websocket) rely on that runner's own retry policy.

Examples:
    >>> from rhcos_helpers.sources import open_source
    >>> result = collect_facts(open_source("demo"), facts=["os_release"], progress=False)
    >>> result.outputs["master-0"]["os_release"].status
    'ok'
    >>> result.failed_nodes()["worker-1"][:32]
    'node worker-1 is NotReady (reboo'
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tqdm.auto import tqdm

from rhcos_helpers.catalogue import fact as catalogue_fact
from rhcos_helpers.catalogue import render_argv, render_template
from rhcos_helpers.errors import NotApplicable, RhcosHelpersError, UsageError
from rhcos_helpers.sources.base import NodeOutput, Source

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FactSpec", "FleetResult", "collect_facts", "fact_key", "skip_reason"]

log = logging.getLogger(__name__)

#: A fact to collect: its catalogue name, or (name, parameters) for facts that take some.
FactSpec = str | tuple[str, dict[str, str]]

_FRAME_COLUMNS = ["node", "fact", "status", "origin", "reason", "exit_code", "duration"]


@dataclass(frozen=True)
class _Planned:
    """One fact spec, validated: its result key, name and parameters."""

    key: str
    name: str
    params: dict[str, str]
    format: str
    argv: tuple[str, ...]


def fact_key(spec: FactSpec) -> str:
    """The key of a fact in :attr:`FleetResult.outputs` (the capture layout's file stem).

    ``<fact>`` for facts without parameters, ``<fact>.<unit-stem>`` for facts that take a unit,
    else ``<fact>.<value>.<value>...``.

    Raises:
        UsageError: an unknown fact or a bad parameter.

    Examples:
        >>> fact_key("os_release")
        'os_release'
        >>> fact_key(("journal_unit", {"unit": "crio.service", "since": "-1h"}))
        'journal_unit.crio'
    """
    return _plan(spec).key


def _plan(spec: FactSpec) -> _Planned:
    name, params = (spec, {}) if isinstance(spec, str) else (spec[0], dict(spec[1]))
    f = catalogue_fact(name)
    argv = render_argv(f, **params) if f.argv else ()
    if not f.argv and params:
        render_template("", f, params)  # rejects parameters the fact does not take
    if "unit" in params:
        key = f"{name}.{render_template('{unit_stem}', f, params)}"
    elif params:
        key = ".".join([name, *(params[p] for p in sorted(params))])
    else:
        key = name
    return _Planned(key=key, name=name, params=params, format=f.format, argv=argv)


@dataclass(frozen=True)
class FleetResult:
    """What :func:`collect_facts` read from every node.

    Attributes:
        nodes: every node asked about, sorted (skipped and failed ones too).
        facts: the fact keys, in the order they ran.
        outputs: ``outputs[node][fact_key]``, one :class:`NodeOutput` per node and fact.
        durations: seconds each output took (0 for skipped nodes and unanswered facts).
        skipped: node -> why it was not contacted (Windows, NotReady, unknown node).
        elapsed: wall-clock seconds of the whole collection.
        concurrency: how many nodes were in flight at most.
    """

    nodes: tuple[str, ...]
    facts: tuple[str, ...]
    outputs: dict[str, dict[str, NodeOutput]]
    durations: dict[str, dict[str, float]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    elapsed: float = 0.0
    concurrency: int = 1

    def __iter__(self) -> Iterator[NodeOutput]:
        """Every output, node by node, facts in order."""
        for node in self.nodes:
            yield from self.outputs[node].values()

    def failed_nodes(self) -> dict[str, str]:
        """Nodes with at least one ``failed`` output (skipped ones included) and the first reason.

        Returns:
            node -> reason, sorted by node name.
        """
        failed: dict[str, str] = {}
        for node in self.nodes:
            for out in self.outputs[node].values():
                if out.status == "failed":
                    failed[node] = out.reason or "failed (no reason given)"
                    break
        return failed

    def to_records(self) -> list[dict[str, Any]]:
        """One dict per (node, fact): node, fact, status, origin, reason, exit_code, duration."""
        return [
            {
                "node": node,
                "fact": key,
                "status": out.status,
                "origin": out.origin,
                "reason": out.reason,
                "exit_code": out.exit_code,
                "duration": round(self.durations.get(node, {}).get(key, 0.0), 3),
            }
            for node in self.nodes
            for key, out in self.outputs[node].items()
        ]

    def to_frame(self) -> pd.DataFrame:
        """The outputs as a table (one row per node and fact) for notebooks."""
        import pandas as pd

        return pd.DataFrame(self.to_records(), columns=_FRAME_COLUMNS)


def skip_reason(node: Mapping[str, Any]) -> str | None:
    """Why a node must not get a debug pod, or ``None`` when it can.

    Windows nodes (label ``kubernetes.io/os=windows`` or ``nodeInfo.operatingSystem``) run no
    RHCOS; NotReady nodes (Ready condition ``False`` or ``Unknown``, or none at all) cannot start
    a pod and their kubelet does not answer.

    Examples:
        >>> skip_reason({"metadata": {"labels": {"kubernetes.io/os": "windows"}}})
        'skipped: Windows node (kubernetes.io/os=windows); RHCOS facts do not apply'
        >>> skip_reason({"metadata": {}, "status": {"conditions": [
        ...     {"type": "Ready", "status": "Unknown", "reason": "NodeStatusUnknown",
        ...      "message": "Kubelet stopped posting node status."}]}})
        'skipped: node is NotReady (Ready=Unknown: NodeStatusUnknown: Kubelet stopped posting node status.); check `oc describe node` and retry when it is Ready'
    """
    meta = node.get("metadata") or {}
    status = node.get("status") or {}
    labels = meta.get("labels") or {}
    os_label = str(labels.get("kubernetes.io/os") or labels.get("beta.kubernetes.io/os") or "")
    os_info = str((status.get("nodeInfo") or {}).get("operatingSystem") or "")
    if os_label.lower() == "windows" or os_info.lower() == "windows":
        how = "kubernetes.io/os=windows" if os_label.lower() == "windows" else "nodeInfo"
        return f"skipped: Windows node ({how}); RHCOS facts do not apply"
    ready = next((c for c in status.get("conditions") or [] if c.get("type") == "Ready"), None)
    if ready is None:
        return (
            "skipped: node has no Ready condition (not registered yet?); check "
            "`oc describe node` and retry when it is Ready"
        )
    if ready.get("status") != "True":
        detail = (
            ": ".join(str(p) for p in (ready.get("reason"), ready.get("message")) if p)
            or "no reason given"
        )
        return (
            f"skipped: node is NotReady (Ready={ready.get('status')}: {detail}); check "
            "`oc describe node` and retry when it is Ready"
        )
    return None


def collect_facts(
    source: Source,
    *,
    nodes: Sequence[str] | None = None,
    facts: Sequence[FactSpec],
    concurrency: int = 4,
    node_timeout: float = 120,
    progress: bool = True,
) -> FleetResult:
    """Collect node-level facts from many nodes with bounded concurrency.

    Args:
        source: any source; a live one runs commands through its node runner.
        nodes: node names to read; ``None`` means every node of the source. Names the cluster
            does not have appear in the result as failed.
        facts: catalogue names, or ``(name, params)`` pairs (e.g.
            ``("journal_unit", {"unit": "crio", "since": "-1h"})``), run in this order per node.
        concurrency: nodes in flight at once (each may hold one privileged debug pod).
        node_timeout: seconds all facts of one node may take together.
        progress: show a progress bar (``tqdm.auto``: a widget in notebooks, text in
            terminals).

    Returns:
        A :class:`FleetResult` naming every node, sorted.

    Raises:
        UsageError: an unknown fact, a bad parameter, a duplicate fact, or a concurrency or
            timeout below 1.
        NotApplicable: ``nodes`` is ``None`` and the source cannot list nodes.
        ClusterAccessError: the node list cannot be read (unreachable, 401, 403).
    """
    if concurrency < 1:
        raise UsageError(f"concurrency must be at least 1, not {concurrency}")
    if node_timeout <= 0:
        raise UsageError(f"node_timeout must be positive, not {node_timeout}")
    plan = [_plan(spec) for spec in facts]
    keys = [p.key for p in plan]
    dupes = sorted({k for k in keys if keys.count(k) > 1})
    if dupes:
        raise UsageError(f"facts asked twice: {', '.join(dupes)}; list each fact once")

    started = time.monotonic()
    targets, skipped = _targets(source, nodes, live=source.identity.kind == "live")
    outputs: dict[str, dict[str, NodeOutput]] = {}
    durations: dict[str, dict[str, float]] = {}
    for node, reason in skipped.items():
        outputs[node] = {p.key: _failed(node, p, reason, origin="") for p in plan}
        durations[node] = {p.key: 0.0 for p in plan}

    bar = tqdm(
        total=len(targets) + len(skipped),
        initial=len(skipped),
        desc="nodes",
        unit="node",
        disable=not progress,
        leave=True,
    )
    failures = 0
    abort = threading.Event()
    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="fanout")
    try:
        futures = {
            pool.submit(_collect_node, source, node, plan, node_timeout, abort): node
            for node in targets
        }
        for future in as_completed(futures):
            node = futures[future]
            outs, times = future.result()
            outputs[node], durations[node] = outs, times
            if any(o.status == "failed" for o in outs.values()):
                failures += 1
            bar.update(1)
            bar.set_postfix(failed=failures, skipped=len(skipped), refresh=False)
    except BaseException:
        # KeyboardInterrupt (a kernel interrupt) or a bug: start no more nodes, let the ones in
        # flight stop after their current fact, and do not wait for them; the source's close()
        # removes any debug pod they hold.
        abort.set()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    else:
        pool.shutdown(wait=True)
    finally:
        bar.close()

    order = tuple(sorted(outputs))
    elapsed = time.monotonic() - started
    log.info(
        "collected %d fact(s) from %d node(s) in %.1f s (%d skipped, %d with failures)",
        len(plan),
        len(targets),
        elapsed,
        len(skipped),
        failures,
    )
    return FleetResult(
        nodes=order,
        facts=tuple(keys),
        outputs={n: outputs[n] for n in order},
        durations={n: durations[n] for n in order},
        skipped=dict(sorted(skipped.items())),
        elapsed=elapsed,
        concurrency=concurrency,
    )


def _targets(
    source: Source, wanted: Sequence[str] | None, *, live: bool
) -> tuple[list[str], dict[str, str]]:
    """(nodes to contact, sorted; node -> skip reason). Only live nodes are skipped."""
    try:
        objs = {o["metadata"]["name"]: o for o in source.list("nodes")}
    except NotApplicable:
        if wanted is None:
            raise
        log.info("the source holds no Node objects; reading the %d node(s) given", len(wanted))
        return sorted(set(wanted)), {}
    names = sorted(objs) if wanted is None else sorted(set(wanted))
    targets: list[str] = []
    skipped: dict[str, str] = {}
    for name in names:
        obj = objs.get(name)
        if obj is None:
            skipped[name] = (
                f"skipped: no node {name!r} in this cluster; check the name with `oc get nodes`"
            )
            continue
        reason = skip_reason(obj) if live else None
        if reason is None:
            targets.append(name)
        else:
            skipped[name] = reason
            log.info("node %s: %s", name, reason)
    return targets, skipped


def _failed(node: str, p: _Planned, reason: str, *, origin: str) -> NodeOutput:
    return NodeOutput(
        node=node,
        fact=p.name,
        status="failed",
        format=p.format,
        origin=origin,
        argv=p.argv,
        reason=reason,
    )


def _one(source: Source, node: str, p: _Planned) -> NodeOutput:
    """One fact; errors become a ``failed`` output (the other nodes must still be read)."""
    try:
        return source.node_output(node, p.name, **p.params)
    except RhcosHelpersError as err:
        log.warning("node %s, %s: %s", node, p.key, err)
        return _failed(node, p, str(err), origin="")
    except Exception as err:  # a bug in a runner must not lose the other nodes' results
        log.exception("node %s, %s: unexpected error", node, p.key)
        return _failed(
            node,
            p,
            f"unexpected {type(err).__name__}: {err}; this is a bug, please report it with the log",
            origin="",
        )


def _collect_node(
    source: Source, node: str, plan: list[_Planned], budget: float, abort: threading.Event
) -> tuple[dict[str, NodeOutput], dict[str, float]]:
    """All facts of one node in order, within ``budget`` seconds (until ``abort`` is set)."""
    deadline = time.monotonic() + budget
    answers: queue.Queue[tuple[str, NodeOutput, float]] = queue.Queue()
    stop = threading.Event()

    def work() -> None:
        for p in plan:
            if stop.is_set() or abort.is_set():
                return
            t0 = time.monotonic()
            out = _one(source, node, p)
            answers.put((p.key, out, time.monotonic() - t0))

    worker = threading.Thread(target=work, name=f"fanout-{node}", daemon=True)
    worker.start()
    outs: dict[str, NodeOutput] = {}
    times: dict[str, float] = {}
    for i, p in enumerate(plan):
        answer = _next_answer(answers, deadline, abort)
        if answer is None:
            stop.set()
            if abort.is_set():
                reason = f"interrupted before {p.key} answered on node {node}; run again"
            else:
                reason = (
                    f"node {node} exceeded its {budget:g} s budget before {p.key} answered; "
                    "raise node_timeout or check the node (`oc describe node`)"
                )
                log.warning("%s (%d fact(s) not read)", reason, len(plan) - i)
            for rest in plan[i:]:
                outs[rest.key] = _failed(node, rest, reason, origin="")
                times[rest.key] = 0.0
            break
        key, out, took = answer
        outs[key], times[key] = out, took
    else:
        worker.join()
    return outs, times


def _next_answer(
    answers: queue.Queue[tuple[str, NodeOutput, float]], deadline: float, abort: threading.Event
) -> tuple[str, NodeOutput, float] | None:
    """The next answer, or ``None`` when the deadline passes or the run is aborted."""
    while not abort.is_set():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        try:
            return answers.get(timeout=min(remaining, 0.25))
        except queue.Empty:
            continue
    return None
