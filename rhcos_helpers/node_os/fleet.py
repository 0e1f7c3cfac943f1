"""node_os.fleet - the nodes a node-level runbook reads, their facts, pools and OS images.

:func:`collect` selects nodes (names, a label selector, a role, a cap), reads the node facts of
runbook 10 from every one of them through :func:`~rhcos_helpers.node_access.fanout.collect_facts`
and adds what the API says about them: the Node objects, the MachineConfigPool each belongs to
(by the pool's ``spec.nodeSelector``, a custom pool winning over ``worker`` as the MCO decides)
and the ``osImageURL`` of the rendered configs involved. :func:`parse_output` turns one
:class:`~rhcos_helpers.sources.base.NodeOutput` into a :class:`Parsed` value or a marked reason,
so a node that could not be read, or whose output is garbled, still shows as a row.

Examples:
    >>> from rhcos_helpers.sources import open_source
    >>> fleet = collect(open_source("demo"), role="infra")
    >>> fleet.nodes, fleet.pool_of("infra-0")
    (('infra-0',), 'infra')
    >>> [(r["node"], r["status"]) for r in collection_frame(fleet).to_dict("records")]
    [('infra-0', 'ok')]
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

import pandas as pd

from rhcos_helpers.errors import ClusterAccessError, NotApplicable, ParseError, UsageError
from rhcos_helpers.node_access.fanout import FactSpec, collect_facts, fact_key
from rhcos_helpers.nodes import MCO, roles
from rhcos_helpers.sources.base import NodeOutput, Source

__all__ = [
    "FACTS",
    "JOURNAL_SINCE",
    "NodeFleet",
    "Parsed",
    "PoolState",
    "collect",
    "collection_frame",
    "parse_output",
    "pool_for_node",
    "selection_facts",
    "selector_matches",
]

log = logging.getLogger(__name__)

T = TypeVar("T")

#: How far back the kubelet and CRI-O journals are read (``journalctl --since``).
JOURNAL_SINCE = "-24h"

#: The node facts runbook 10 reads, in the order they run on each node.
FACTS: tuple[FactSpec, ...] = (
    "os_release",
    "uname",
    "rpm_ostree_status",
    "passwd",
    "sudoers",
    "df",
    "chrony_tracking",
    "kubelet_stats_summary",
    ("journal_unit", {"unit": "kubelet", "since": JOURNAL_SINCE}),
    ("journal_unit", {"unit": "crio", "since": JOURNAL_SINCE}),
)

COL_NODE = "node"
COL_ROLES = "roles"
COL_POOL = "pool"
COL_STATUS = "status"
COL_READ = "facts read"
COL_REASON = "reason"
COLLECTION_COLUMNS = [COL_NODE, COL_ROLES, COL_POOL, COL_STATUS, COL_READ, COL_REASON]


@dataclass(frozen=True)
class Parsed(Generic[T]):
    """One node fact, parsed, or the reason it is not there.

    Attributes:
        node: node name.
        fact: the fact key (``journal_unit.crio`` for a unit's journal).
        value: the parser's result when ``status`` is ``ok``.
        status: ``ok``, ``failed`` (the node could not run it), ``missing`` (the source does not
            hold it), ``unparsable`` (the output is not in the format the parser knows) or
            ``not applicable`` (e.g. rpm-ostree on a RHEL worker).
        reason: why, for every status but ``ok``.
        origin: where the output came from (``debug-pod``, ``sos:<path>``...).
        format: the output's format (``json``, ``text``, ``table``, ``verbose``).
    """

    node: str
    fact: str
    value: T | None
    status: str
    reason: str = ""
    origin: str = ""
    format: str = ""

    @property
    def ok(self) -> bool:
        """True when ``value`` holds the parsed fact."""
        return self.status == "ok"

    @property
    def note(self) -> str:
        """``""`` when ok, else ``"<status>: <reason>"`` for a marked row."""
        return "" if self.ok else f"{self.status}: {self.reason}"


def parse_output(out: NodeOutput, parser: Callable[[str], T], *, key: str = "") -> Parsed[T]:
    """Parse one node output; a failed, missing or garbled output becomes a marked result.

    Args:
        out: what the source returned.
        parser: a pure ``str -> record`` parser raising :class:`ParseError` on bad input.
        key: the fact key to report (defaults to ``out.fact``).

    Examples:
        >>> parse_output(NodeOutput("n1", "uname", "ok", stdout="x"), str.upper).value
        'X'
        >>> parse_output(NodeOutput("n1", "uname", "missing", reason="no sos report"), str).note
        'missing: no sos report'
    """
    fact_name = key or out.fact
    if not out.ok:
        return Parsed(
            out.node,
            fact_name,
            None,
            out.status,
            out.reason or "no reason given",
            out.origin,
            out.format,
        )
    try:
        value = parser(out.stdout)
    except ParseError as exc:
        log.warning("node %s, %s: %s", out.node, fact_name, exc)
        return Parsed(out.node, fact_name, None, "unparsable", str(exc), out.origin, out.format)
    return Parsed(out.node, fact_name, value, "ok", "", out.origin, out.format)


@dataclass(frozen=True)
class PoolState:
    """What the drift explanation needs from one MachineConfigPool.

    Attributes:
        name: pool name.
        node_selector: ``spec.nodeSelector`` (``matchLabels`` and ``matchExpressions``).
        paused: ``spec.paused``.
        updating: condition Updating is True.
        degraded: condition Degraded is True.
        target_config: ``spec.configuration.name`` (the rendered config the pool rolls out).
        current_config: ``status.configuration.name`` (the config all its nodes had last).
    """

    name: str
    node_selector: Mapping[str, Any]
    paused: bool
    updating: bool
    degraded: bool
    target_config: str
    current_config: str

    @classmethod
    def from_object(cls, obj: Mapping[str, Any]) -> PoolState:
        """Build from a MachineConfigPool dict as the API returns it."""
        spec = obj.get("spec") or {}
        status = obj.get("status") or {}
        conds = {c.get("type"): c.get("status") for c in status.get("conditions") or []}
        return cls(
            name=str((obj.get("metadata") or {}).get("name", "")),
            node_selector=spec.get("nodeSelector") or {},
            paused=bool(spec.get("paused", False)),
            updating=conds.get("Updating") == "True",
            degraded=conds.get("Degraded") == "True",
            target_config=str((spec.get("configuration") or {}).get("name", "")),
            current_config=str((status.get("configuration") or {}).get("name", "")),
        )


def selector_matches(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    """Whether a Kubernetes ``LabelSelector`` (matchLabels, matchExpressions) matches labels.

    An empty selector matches nothing, as the MCO treats a pool without a node selector.

    Examples:
        >>> selector_matches({"matchLabels": {"node-role.kubernetes.io/infra": ""}},
        ...                  {"node-role.kubernetes.io/infra": "", "node-role.kubernetes.io/worker": ""})
        True
        >>> selector_matches({"matchExpressions": [{"key": "a", "operator": "In", "values": ["1"]}]},
        ...                  {"a": "2"})
        False
    """
    match_labels = selector.get("matchLabels") or {}
    expressions = selector.get("matchExpressions") or []
    if not match_labels and not expressions:
        return False
    for key, value in match_labels.items():
        if labels.get(key) != value:
            return False
    for expr in expressions:
        key, op = expr.get("key", ""), expr.get("operator", "")
        values = expr.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and key in labels and labels[key] in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def pool_for_node(labels: Mapping[str, str], pools: tuple[PoolState, ...]) -> str:
    """The pool a node belongs to, as the MCO decides it.

    A node matching one custom pool belongs to it rather than to ``worker``; ``master`` wins over
    everything; two custom pools are an error the MCO refuses (shown as ``ambiguous: a, b``).

    Examples:
        >>> pools = (PoolState("worker", {"matchLabels": {"node-role.kubernetes.io/worker": ""}},
        ...                    False, False, False, "", ""),
        ...          PoolState("infra", {"matchLabels": {"node-role.kubernetes.io/infra": ""}},
        ...                    False, False, False, "", ""))
        >>> pool_for_node({"node-role.kubernetes.io/worker": "", "node-role.kubernetes.io/infra": ""}, pools)
        'infra'
        >>> pool_for_node({}, pools)
        '(none)'
    """
    matched = [p.name for p in pools if selector_matches(p.node_selector, labels)]
    if "master" in matched:
        return "master"
    custom = sorted(m for m in matched if m != "worker")
    if len(custom) == 1:
        return custom[0]
    if len(custom) > 1:
        return "ambiguous: " + ", ".join(custom)
    return "worker" if "worker" in matched else "(none)"


@dataclass(frozen=True)
class NodeFleet:
    """The nodes runbook 10 reads: their facts, Node objects, pools and OS images.

    Attributes:
        nodes: selected node names, sorted.
        objects: Node objects by name (absent for a node the source has no object for).
        outputs: ``outputs[node][fact_key]`` for every node and fact in :data:`FACTS`.
        pools: the MachineConfigPools.
        pools_reason: why pools are unknown (empty when they were read).
        os_images: rendered config name -> ``spec.osImageURL``, for the configs the selected
            nodes and their pools name (absent when the source does not hold that config).
        notes: what the reader must know about the selection (a cap, unknown names).
        now: the source's reference time.
        source_kind: ``live``, ``capture`` or ``demo``.
    """

    nodes: tuple[str, ...]
    objects: dict[str, dict[str, Any]]
    outputs: dict[str, dict[str, NodeOutput]]
    pools: tuple[PoolState, ...] = ()
    pools_reason: str = ""
    os_images: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    now: datetime | None = None
    source_kind: str = "live"

    def output(self, node: str, key: str) -> NodeOutput:
        """One output; a fact that was not asked for reads as ``missing``."""
        out = self.outputs.get(node, {}).get(key)
        if out is None:
            return NodeOutput(node, key, "missing", reason=f"{key} was not collected")
        return out

    def labels(self, node: str) -> dict[str, str]:
        """The node's labels (empty when the source has no Node object)."""
        return dict(((self.objects.get(node) or {}).get("metadata") or {}).get("labels") or {})

    def annotation(self, node: str, name: str) -> str:
        """A machine-config annotation of the node (``currentConfig``, ``state``...), or ``""``."""
        meta = (self.objects.get(node) or {}).get("metadata") or {}
        return str((meta.get("annotations") or {}).get(MCO + name, ""))

    def node_info(self, node: str) -> dict[str, str]:
        """``status.nodeInfo`` of the node (empty when unknown)."""
        info = ((self.objects.get(node) or {}).get("status") or {}).get("nodeInfo") or {}
        return {str(k): str(v) for k, v in info.items()}

    def pool_of(self, node: str) -> str:
        """The node's pool name, ``(none)``, or ``(unknown)`` when pools could not be read."""
        if self.pools_reason:
            return "(unknown)"
        return pool_for_node(self.labels(node), self.pools)

    def pool(self, name: str) -> PoolState | None:
        """One pool by name."""
        return next((p for p in self.pools if p.name == name), None)


def _select(
    source: Source, *, nodes: str, selector: str, role: str, max_nodes: int
) -> tuple[list[str], dict[str, dict[str, Any]], list[str]]:
    """(names to read, Node objects by name, notes)."""
    wanted = [n.strip() for n in nodes.split(",") if n.strip()]
    notes: list[str] = []
    try:
        objs = {o["metadata"]["name"]: o for o in source.list("nodes")}
    except NotApplicable:
        if not wanted:
            raise
        notes.append("the source holds no Node objects: nodeInfo and pools are unknown")
        return sorted(set(wanted))[:max_nodes], {}, notes
    from rhcos_helpers.sources.base import label_selector_matches

    names = sorted(set(wanted)) if wanted else sorted(objs)
    picked = []
    for name in names:
        obj = objs.get(name)
        if obj is None:
            picked.append(name)  # the fan-out marks it failed, naming the cluster's nodes
            continue
        labels = (obj.get("metadata") or {}).get("labels") or {}
        if selector and not label_selector_matches(labels, selector):
            continue
        if role and role not in roles(labels).split(","):
            continue
        picked.append(name)
    if len(picked) > max_nodes:
        notes.append(
            f"{len(picked)} nodes match; reading the first {max_nodes} by name (raise MAX_NODES "
            "to read more): " + ", ".join(picked[max_nodes:][:10])
        )
        picked = picked[:max_nodes]
    return picked, objs, notes


def collect(
    source: Source,
    *,
    nodes: str = "",
    selector: str = "",
    role: str = "",
    max_nodes: int = 50,
    concurrency: int = 4,
    node_timeout: float = 120,
    progress: bool = False,
) -> NodeFleet:
    """Select nodes and read the facts of runbook 10 (and the pools) from all of them.

    Args:
        source: any source.
        nodes: comma-separated node names; empty means every node.
        selector: a label selector the nodes must match (``k=v``, ``k!=v``, ``k``, ``!k``).
        role: a role the nodes must have (``master``, ``worker``, ``infra``...).
        max_nodes: read at most this many nodes (the first ones by name).
        concurrency: nodes in flight at once (each may hold a debug pod on a live cluster).
        node_timeout: seconds all facts of one node may take.
        progress: show a progress bar.

    Raises:
        UsageError: ``max_nodes`` below 1.
        NotApplicable: no node names given and the source cannot list nodes.
    """
    if max_nodes < 1:
        raise UsageError(f"MAX_NODES must be at least 1, not {max_nodes}")
    names, objs, notes = _select(
        source, nodes=nodes, selector=selector, role=role, max_nodes=max_nodes
    )
    result = collect_facts(
        source,
        nodes=names,
        facts=list(FACTS),
        concurrency=concurrency,
        node_timeout=node_timeout,
        progress=progress,
    )
    pools: tuple[PoolState, ...] = ()
    pools_reason = ""
    try:
        pools = tuple(
            sorted(
                (PoolState.from_object(p) for p in source.list("machineconfigpools")),
                key=lambda p: p.name,
            )
        )
    except (NotApplicable, ClusterAccessError) as exc:
        pools_reason = str(exc)
    selected = {n: objs[n] for n in result.nodes if n in objs}
    configs: set[str] = set()
    for obj in selected.values():
        ann = (obj.get("metadata") or {}).get("annotations") or {}
        configs.update(ann.get(MCO + k, "") for k in ("currentConfig", "desiredConfig"))
    for pool in pools:
        configs.update((pool.target_config, pool.current_config))
    os_images: dict[str, str] = {}
    for name in sorted(c for c in configs if c):
        try:
            mc = source.get("machineconfigs", name)
        except (NotApplicable, ClusterAccessError) as exc:
            log.info("machineconfig %s: %s", name, exc)
            continue
        url = ((mc or {}).get("spec") or {}).get("osImageURL")
        if url:
            os_images[name] = str(url)
    return NodeFleet(
        nodes=result.nodes,
        objects=selected,
        outputs=result.outputs,
        pools=pools,
        pools_reason=pools_reason,
        os_images=os_images,
        notes=tuple(notes),
        now=source.now(),
        source_kind=source.identity.kind,
    )


def collection_frame(fleet: NodeFleet) -> pd.DataFrame:
    """Per node: how many facts were read and, for the rest, why not (every node listed).

    ``status`` is ``ok`` (every fact read), ``partial``, ``unreadable`` (every fact failed: the
    node could not be reached) or ``not collected`` (the source holds none of its facts).
    """
    keys = [fact_key(f) for f in FACTS]
    rows = []
    for node in fleet.nodes:
        outs = [fleet.output(node, k) for k in keys]
        ok = sum(o.ok for o in outs)
        bad = [o for o in outs if not o.ok]
        if not bad:
            status = "ok"
        elif ok:
            status = "partial"
        elif all(o.status == "failed" for o in bad):
            status = "unreadable"
        else:
            status = "not collected"
        reasons = {o.reason or "no reason given" for o in bad}
        if len(reasons) == 1 and len(bad) > 1:
            reason = f"{', '.join(k for k, o in zip(keys, outs, strict=True) if not o.ok)}: {reasons.pop()}"
        else:
            reason = "; ".join(
                f"{k}: {o.status}: {o.reason or 'no reason given'}"
                for k, o in zip(keys, outs, strict=True)
                if not o.ok
            )
        rows.append(
            {
                COL_NODE: node,
                COL_ROLES: roles(fleet.labels(node))
                if node in fleet.objects
                else "(no Node object)",
                COL_POOL: fleet.pool_of(node),
                COL_STATUS: status,
                COL_READ: f"{ok}/{len(keys)}",
                COL_REASON: reason,
            }
        )
    return pd.DataFrame(rows, columns=COLLECTION_COLUMNS)


def selection_facts(fleet: NodeFleet) -> dict[str, object]:
    """What was selected and read: node count, pools, the journal window, notes."""
    pools = ", ".join(
        p.name + (" (paused)" if p.paused else " (updating)" if p.updating else "")
        for p in fleet.pools
    )
    return {
        "Nodes read": len(fleet.nodes),
        "Machine config pools": pools or f"unknown: {fleet.pools_reason or 'none in this source'}",
        "Journal window": f"since {JOURNAL_SINCE}",
        "Notes": "; ".join(fleet.notes) or "none",
    }
