"""services.units - systemd units on the nodes (``systemctl show``, ``list-units``) and the MCD pod.

``systemctl show <units>`` prints one block of ``Key=value`` lines per unit, blocks separated
by a blank line, the value starting after the first ``=`` (empty values are kept as ``""``).
sos reports hold the same form for every service (``systemctl show *service --all`` →
``sos_commands/systemd/systemctl_show_service_--all``). Timestamps are systemd's
``%a %Y-%m-%d %H:%M:%S %Z`` (``Thu 2026-11-19 07:12:03 UTC``; the zone is the node's, UTC on
RHCOS), empty when unset.

Sample (``systemctl show``, RHEL 7, from insights-core's tests; in
``tests/data/commands/systemctl_show/``)::

    Id=tuned.service
    Names=tuned.service
    Description=Dynamic System Tuning Daemon
    LoadState=loaded
    ActiveState=active
    SubState=running
    ActiveEnterTimestamp=Tue 2019-11-19 23:55:53 EST

``systemctl list-units [--all]`` is a table ``UNIT LOAD ACTIVE SUB DESCRIPTION``; a failed
unit's row starts with ``●`` (``*`` without UTF-8); a legend (``LOAD   = ...``) and a count
(``N loaded units listed.``) close it. Older systemd (RHCOS 4.3) starts rows in column 0,
newer ones keep two columns for the bullet.

The machine-config daemon is not a unit: it runs as a pod of the daemon set
``openshift-machine-config-operator/machine-config-daemon`` (label
``k8s-app=machine-config-daemon``), read from the API by :func:`mcd_pods`.

Examples:
    >>> units = parse_systemctl_show(SHOW_RHEL7)
    >>> list(units)
    ['postfix.service', 'postgresql.service', 'tuned.service']
    >>> units["postfix.service"]["LimitMEMLOCK"]
    ''
    >>> s = service_state(parse_systemctl_show(SHOW_TARGET_GMT)["network.target"], node="n1")
    >>> s.active_state, s.sub_state, s.since.isoformat()
    ('active', 'active', '2020-02-25T10:39:46+00:00')
    >>> [u.unit for u in parse_list_units(LIST_UNITS_FAILED) if u.failed]
    ['docker-storage-setup.service', 'NetworkManager-wait-online.service', 'ovirt-guest-agent.service']
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar

import pandas as pd

from rhcos_helpers._time import age, parse_time
from rhcos_helpers.errors import NotApplicable, ParseError, UsageError
from rhcos_helpers.findings import Finding, Severity
from rhcos_helpers.node_access.fanout import FleetResult, collect_facts
from rhcos_helpers.sources.base import Attempt, NodeOutput, Source, label_selector_matches

__all__ = [
    "ALWAYS_ON",
    "KEY_SERVICES",
    "MCD_LABEL",
    "MCD_NAMESPACE",
    "McdPod",
    "NodeTargets",
    "ServiceState",
    "ServicesReport",
    "UnitRow",
    "collect",
    "failed_frame",
    "findings",
    "key_services",
    "mcd_findings",
    "mcd_frame",
    "mcd_pods",
    "parse_list_units",
    "parse_systemctl_show",
    "parse_systemd_timestamp",
    "service_state",
    "status_frame",
    "target_nodes",
    "to_frame",
]

log = logging.getLogger(__name__)

#: The node services runbook 30 reports on (``systemctl show`` is asked for these).
KEY_SERVICES: tuple[str, ...] = (
    "crio.service",
    "kubelet.service",
    "NetworkManager.service",
    "ovs-vswitchd.service",
    "ovsdb-server.service",
    "rpm-ostreed.service",
    "chronyd.service",
)
#: Services that must always be running on an OpenShift node (rpm-ostreed is started on demand
#: over D-Bus; Open vSwitch runs on the host since 4.6, in a pod before).
ALWAYS_ON: tuple[str, ...] = (
    "crio.service",
    "kubelet.service",
    "NetworkManager.service",
    "chronyd.service",
)
#: Without these two a node runs no pods.
_CRITICAL = ("crio.service", "kubelet.service")

MCD_NAMESPACE = "openshift-machine-config-operator"
MCD_LABEL = "k8s-app=machine-config-daemon"

_UINT64_MAX = 18446744073709551615
T = TypeVar("T")

# -------------------------------------------------------------------------- systemctl show


def parse_systemctl_show(text: str) -> dict[str, dict[str, str]]:
    r"""Parse ``systemctl show`` output for one or more units.

    Blocks are separated by blank lines; each line is split at its first ``=``; empty values
    stay ``""``. A block is keyed by ``Id``, else by the first of ``Names``. Lines without ``=``
    (a value wrapped by a terminal, a garbled line) are skipped and logged; so are blocks with
    neither ``Id`` nor ``Names``.

    Raises:
        ParseError: empty output, or no block naming a unit.

    Examples:
        >>> parse_systemctl_show("Id=crio.service\nActiveState=active\n\nx=1\n")
        {'crio.service': {'Id': 'crio.service', 'ActiveState': 'active'}}
        >>> parse_systemctl_show("")
        Traceback (most recent call last):
        ...
        rhcos_helpers.errors.ParseError: systemctl_show: empty output
    """
    if not text.strip():
        raise ParseError("systemctl_show", "empty output")
    units: dict[str, dict[str, str]] = {}
    block: dict[str, str] = {}
    skipped_lines = skipped_blocks = 0

    def close() -> None:
        nonlocal block, skipped_blocks
        if block:
            name = block.get("Id") or block.get("Names", "").split(" ", 1)[0]
            if name:
                units[name] = block
            else:
                skipped_blocks += 1
        block = {}

    for raw in text.splitlines():
        line = raw.rstrip("\r")
        if not line.strip():
            close()
            continue
        key, sep, value = line.partition("=")
        if not sep or not key or " " in key:
            skipped_lines += 1
            continue
        block[key] = value
    close()
    if not units:
        raise ParseError(
            "systemctl_show", "no block names a unit (no Id= or Names= line)", excerpt=text
        )
    if skipped_lines or skipped_blocks:
        log.info(
            "systemctl show: %d line(s) without '=' and %d block(s) without Id skipped",
            skipped_lines,
            skipped_blocks,
        )
    return units


_TS = re.compile(
    r"^(?:[A-Z][a-z]{2} )?(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?(?: (\S+))?$",
    re.ASCII,
)


def parse_systemd_timestamp(value: str) -> datetime | None:
    """A systemd timestamp (``Thu 2026-11-19 07:12:03 UTC``) as an aware UTC datetime.

    ``None`` for an unset value (empty, ``n/a``, ``0``) and for a zone other than UTC/GMT
    (an abbreviation such as ``EST`` does not name an offset unambiguously).

    Examples:
        >>> parse_systemd_timestamp("Thu 2026-11-19 07:12:03 UTC").isoformat()
        '2026-11-19T07:12:03+00:00'
        >>> parse_systemd_timestamp("Tue 2024-04-30 08:02:20.123456 UTC").microsecond
        123456
        >>> parse_systemd_timestamp("Tue 2019-11-19 23:55:53 EST") is None
        True
    """
    m = _TS.match(value.strip())
    if m is None:
        return None
    zone = m.group(8) or "UTC"
    if zone not in ("UTC", "GMT", "Z", "+00", "+0000"):
        return None
    frac = m.group(7) or ""
    try:
        return datetime(
            int(m.group(1)),
            int(m.group(2)),
            int(m.group(3)),
            int(m.group(4)),
            int(m.group(5)),
            int(m.group(6)),
            int(frac.ljust(6, "0")) if frac else 0,
            tzinfo=UTC,
        )
    except ValueError:
        return None


def _count(value: str | None) -> int | None:
    """An integer property; ``None`` for unset (``[not set]``, empty, UINT64_MAX)."""
    if value is None or not (value.isascii() and value.isdigit()):
        return None
    n = int(value)
    return None if n == _UINT64_MAX else n


@dataclass(frozen=True)
class ServiceState:
    """A service's state on one node, from ``systemctl show``.

    Attributes:
        node: node name.
        unit: unit name.
        load_state: ``LoadState`` (``loaded``, ``not-found``, ``masked``...), or ``not listed``
            when the output has no block for the unit.
        active_state: ``ActiveState`` (``active``, ``inactive``, ``failed``, ``activating``...).
        sub_state: ``SubState`` (``running``, ``dead``, ``exited``, ``auto-restart``...).
        result: ``Result`` of the last run (``success``, ``exit-code``, ``oom-kill``...).
        main_pid: ``MainPID`` (``None`` when 0).
        since: when the current run started: ``ExecMainStartTimestamp``, else
            ``ActiveEnterTimestamp`` (UTC), or ``None``.
        since_raw: the timestamp as printed (kept when its zone is not UTC).
        n_restarts: ``NRestarts``: automatic restarts since the unit was last started by hand
            (systemd 235+), or ``None``.
        memory_bytes: ``MemoryCurrent``, or ``None`` when not set.
        unit_file_state: ``UnitFileState`` (``enabled``, ``disabled``, ``static``...).
        description: ``Description``.
    """

    node: str
    unit: str
    load_state: str
    active_state: str
    sub_state: str
    result: str
    main_pid: int | None
    since: datetime | None
    since_raw: str
    n_restarts: int | None
    memory_bytes: int | None
    unit_file_state: str
    description: str
    raw: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def active(self) -> bool:
        """True when ``ActiveState`` is ``active``."""
        return self.active_state == "active"


def service_state(props: Mapping[str, str], *, node: str) -> ServiceState:
    """Build a :class:`ServiceState` from one block of :func:`parse_systemctl_show`."""
    since_raw = props.get("ExecMainStartTimestamp") or props.get("ActiveEnterTimestamp") or ""
    pid = _count(props.get("MainPID"))
    return ServiceState(
        node=node,
        unit=props.get("Id") or props.get("Names", "").split(" ", 1)[0],
        load_state=props.get("LoadState", ""),
        active_state=props.get("ActiveState", ""),
        sub_state=props.get("SubState", ""),
        result=props.get("Result", ""),
        main_pid=pid or None,
        since=parse_systemd_timestamp(since_raw) if since_raw else None,
        since_raw=since_raw,
        n_restarts=_count(props.get("NRestarts")),
        memory_bytes=_count(props.get("MemoryCurrent")),
        unit_file_state=props.get("UnitFileState", ""),
        description=props.get("Description", ""),
        raw=dict(props),
    )


def key_services(
    text: str, *, node: str, units: Sequence[str] = KEY_SERVICES
) -> list[ServiceState]:
    """The key services' states from ``systemctl show`` output (one per unit, in order).

    A unit the output has no block for gets ``load_state`` ``not listed`` (sos lists only the
    services systemd has loaded).

    Raises:
        ParseError: see :func:`parse_systemctl_show`.
    """
    blocks = parse_systemctl_show(text)
    out = []
    for unit in units:
        props = blocks.get(unit)
        if props is None:
            out.append(
                ServiceState(
                    node, unit, "not listed", "", "", "", None, None, "", None, None, "", ""
                )  # fmt: skip
            )
        else:
            out.append(service_state(props, node=node))
    return out


# -------------------------------------------------------------------------- list-units

_LOAD_STATES = frozenset(
    {"loaded", "not-found", "bad-setting", "error", "masked", "stub", "merged"}
)


@dataclass(frozen=True)
class UnitRow:
    """One row of ``systemctl list-units``.

    Attributes:
        unit: unit name.
        load: LOAD column.
        active: ACTIVE column.
        sub: SUB column.
        description: DESCRIPTION column.
        marked: the row carried systemd's ``●`` (or ``*``) mark.
        node: node name (set by :func:`collect`; ``""`` when parsed alone).
    """

    unit: str
    load: str
    active: str
    sub: str
    description: str
    marked: bool = False
    node: str = ""

    @property
    def failed(self) -> bool:
        """True for a unit in the failed state."""
        return self.active == "failed" or self.sub == "failed"


def parse_list_units(text: str) -> list[UnitRow]:
    r"""Parse ``systemctl list-units [--all]`` (with or without header and legend).

    Rows are split on whitespace: the first four fields cannot hold spaces, the description is
    the rest. Parsing stops at the legend (a line starting ``LOAD``, ``ACTIVE``, ``SUB`` or
    ``JOB`` followed by ``=``) or the ``N loaded units listed.`` line. Rows whose LOAD column
    is not a load state are skipped and logged.

    Raises:
        ParseError: no unit row at all (empty, a truncated header, another command's output).

    Examples:
        >>> rows = parse_list_units(LIST_UNITS_43)
        >>> len(rows), rows[2].unit, rows[2].sub, rows[2].description
        (18, 'crio.service', 'running', 'Open Container Initiative Daemon')
        >>> parse_list_units("UNIT LOAD ACTIVE SUB DESCRIPTION\n")
        Traceback (most recent call last):
        ...
        rhcos_helpers.errors.ParseError: systemctl_list_units: no unit rows (input starts: 'UNIT LOAD ACTIVE SUB DESCRIPTION\n')
    """
    rows: list[UnitRow] = []
    skipped = 0
    for raw in text.splitlines():
        line = raw.rstrip()
        stripped = line.lstrip()
        if not stripped:
            continue
        if re.match(r"^(LOAD|ACTIVE|SUB|JOB)\s+=", stripped) or re.match(
            r"^\d+ (loaded )?units? listed", stripped
        ):
            break
        marked = stripped[0] in "●*"
        if marked:
            stripped = stripped[1:].lstrip()
        fields = stripped.split(None, 4)
        if fields[:2] == ["UNIT", "LOAD"]:
            continue
        if len(fields) < 4 or fields[1] not in _LOAD_STATES:
            skipped += 1
            continue
        rows.append(
            UnitRow(
                unit=fields[0],
                load=fields[1],
                active=fields[2],
                sub=fields[3],
                description=fields[4] if len(fields) > 4 else "",
                marked=marked,
            )
        )
    if not rows:
        raise ParseError("systemctl_list_units", "no unit rows", excerpt=text)
    if skipped:
        log.info("systemctl list-units: %d line(s) that are not unit rows skipped", skipped)
    return rows


# -------------------------------------------------------------------------- node selection


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


# -------------------------------------------------------------------------- fleet


@dataclass(frozen=True)
class ServicesReport:
    """``systemctl show`` and ``list-units`` read from several nodes.

    Attributes:
        nodes: the nodes read.
        services: key services, one per node and unit (nodes whose output could not be read
            have none: see ``status``).
        units: every ``list-units`` row, with its node.
        status: node -> fact -> (status, origin, detail): ``ok`` with a count, the source's
            ``failed``/``missing`` with its reason, or ``unparsed`` with the parse error.
    """

    nodes: tuple[str, ...]
    services: tuple[ServiceState, ...]
    units: tuple[UnitRow, ...]
    status: dict[str, dict[str, tuple[str, str, str]]]


def collect(
    source: Source,
    *,
    nodes: Sequence[str],
    units: Sequence[str] = KEY_SERVICES,
    concurrency: int = 4,
    progress: bool = True,
) -> ServicesReport:
    """Read ``systemctl show`` and ``systemctl list-units`` on ``nodes`` and parse them.

    Bad output (empty, truncated, another format) becomes an ``unparsed`` status naming node,
    fact and reason; the other nodes and facts are still read.

    Examples:
        >>> from rhcos_helpers.sources import open_source
        >>> rep = collect(open_source("demo"), nodes=["worker-1", "worker-2"], progress=False)
        >>> rep.status["worker-1"]["systemctl_show"][0], len(rep.services)
        ('failed', 7)
    """
    fleet: FleetResult = collect_facts(
        source,
        nodes=list(nodes),
        facts=["systemctl_show", "systemctl_list_units"],
        concurrency=concurrency,
        progress=progress,
    )
    services: list[ServiceState] = []
    rows: list[UnitRow] = []
    status: dict[str, dict[str, tuple[str, str, str]]] = {}
    for node in fleet.nodes:
        outs = fleet.outputs[node]
        status[node] = {}
        show = outs.get("systemctl_show")
        if show is not None:
            got, status[node]["systemctl_show"] = _read(
                show, partial(_parse_show, node=node, units=units)
            )
            services.extend(got)
        lu = outs.get("systemctl_list_units")
        if lu is not None:
            got_rows, status[node]["systemctl_list_units"] = _read(
                lu, partial(_parse_units, node=node)
            )
            rows.extend(got_rows)
    return ServicesReport(tuple(fleet.nodes), tuple(services), tuple(rows), status)


def _parse_show(out: NodeOutput, *, node: str, units: Sequence[str]) -> list[ServiceState]:
    return key_services(out.stdout, node=node, units=units)


def _parse_units(out: NodeOutput, *, node: str) -> list[UnitRow]:
    return _with_node(parse_list_units(out.stdout), node)


def _with_node(rows: Iterable[UnitRow], node: str) -> list[UnitRow]:
    return [UnitRow(r.unit, r.load, r.active, r.sub, r.description, r.marked, node) for r in rows]


def _read(
    out: NodeOutput, parse: Callable[[NodeOutput], list[T]]
) -> tuple[list[T], tuple[str, str, str]]:
    """Parse an ok output; (records, (status, origin, detail)) whatever happens."""
    if not out.ok:
        return [], (out.status, out.origin, out.reason or out.status)
    try:
        got = parse(out)
    except ParseError as err:
        return [], ("unparsed", out.origin, str(err))
    return got, ("ok", out.origin, f"{len(got)} parsed from {_len_hint(out)}")


def _len_hint(out: NodeOutput) -> str:
    note = f"{len(out.stdout.splitlines())} lines"
    if out.format not in ("text", ""):
        note += f" ({out.format})"
    return note


_SERVICE_COLUMNS = [
    "node", "unit", "load", "active", "sub", "result", "main_pid", "since", "age",
    "n_restarts", "memory_mib", "unit_file",
]  # fmt: skip


def to_frame(services: Iterable[ServiceState], *, now: datetime | None = None) -> pd.DataFrame:
    """Key services as a table (``since`` in UTC, ``age`` at ``now``, memory in MiB)."""
    rows = []
    for s in services:
        since = s.since
        rows.append(
            {
                "node": s.node,
                "unit": s.unit,
                "load": s.load_state,
                "active": s.active_state,
                "sub": s.sub_state,
                "result": s.result,
                "main_pid": s.main_pid,
                "since": since if since else (s.since_raw or None),
                "age": age(since.isoformat(), now=now) if since and now else "",
                "n_restarts": s.n_restarts,
                "memory_mib": round(s.memory_bytes / 2**20, 1) if s.memory_bytes else None,
                "unit_file": s.unit_file_state,
            }
        )
    frame = pd.DataFrame(rows, columns=_SERVICE_COLUMNS)
    frame["main_pid"] = frame["main_pid"].astype("Int64")
    frame["n_restarts"] = frame["n_restarts"].astype("Int64")
    return frame


def failed_frame(report: ServicesReport) -> pd.DataFrame:
    """Failed units on every node read (``list-units``, plus key services in ``failed``)."""
    seen: set[tuple[str, str]] = set()
    rows = []
    for r in report.units:
        if r.failed:
            seen.add((r.node, r.unit))
            rows.append(
                {"node": r.node, "unit": r.unit, "load": r.load, "active": r.active,
                 "sub": r.sub, "description": r.description, "from": "list-units"}
            )  # fmt: skip
    for s in report.services:
        if s.active_state == "failed" and (s.node, s.unit) not in seen:
            rows.append(
                {"node": s.node, "unit": s.unit, "load": s.load_state, "active": s.active_state,
                 "sub": s.sub_state, "description": s.description, "from": "show"}
            )  # fmt: skip
    return pd.DataFrame(
        rows, columns=["node", "unit", "load", "active", "sub", "description", "from"]
    )


def status_frame(
    targets: NodeTargets,
    services: ServicesReport,
    journal_status: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every node: one row per fact read (status, origin, detail), plus nodes left out.

    Args:
        targets: the node selection (its left-out nodes get one row each).
        services: the systemctl results.
        journal_status: :func:`rhcos_helpers.services.journal.status_frame` rows to include.
    """
    rows: list[dict[str, Any]] = []
    for node in services.nodes:
        for fact, (status, origin, detail) in services.status.get(node, {}).items():
            rows.append(
                {"node": node, "fact": fact, "status": status, "origin": origin,
                 "detail": detail}
            )  # fmt: skip
    if journal_status is not None and not journal_status.empty:
        for j in journal_status.to_dict("records"):
            ok = j["status"] == "ok"
            detail = f"{j['entries']} entries, {j['errors']} errors" if ok else str(j["reason"])
            if ok and j["reason"]:
                detail += f"; {j['reason']}"
            rows.append(
                {"node": j["node"], "fact": j["fact"], "status": j["status"],
                 "origin": j["origin"], "detail": detail}
            )  # fmt: skip
    for node, why in targets.left_out.items():
        rows.append({"node": node, "fact": "(all)", "status": "skipped", "origin": "",
                     "detail": why})  # fmt: skip
    if targets.reason:
        rows.append({"node": "(none)", "fact": "(all)", "status": "missing", "origin": "",
                     "detail": targets.reason})  # fmt: skip
    frame = pd.DataFrame(rows, columns=["node", "fact", "status", "origin", "detail"])
    return frame.sort_values(["node", "fact"], kind="stable").reset_index(drop=True)


def findings(report: ServicesReport) -> list[Finding]:
    """Unreadable nodes, failed units, key services not active, and automatic restarts."""
    out: list[Finding] = []
    for node in report.nodes:
        bad = {f: s for f, s in report.status.get(node, {}).items() if s[0] != "ok"}
        if bad and all(s[0] == "failed" for s in bad.values()) and len(bad) == 2:
            out.append(
                Finding(
                    severity=Severity.WARNING,
                    title=f"Node {node}: services could not be read",
                    what=next(iter(bad.values()))[2],
                    where=f"node/{node}",
                )
            )
        for fact, (status, _, detail) in bad.items():
            if status == "unparsed":
                out.append(
                    Finding(
                        severity=Severity.INFO,
                        title=f"Node {node}: {fact} output could not be parsed",
                        what=detail,
                        where=f"node/{node}",
                    )
                )
    failed = failed_frame(report)
    for failed_node, group in failed.groupby("node", sort=True):
        names = [str(u) for u in group["unit"]]
        critical = any(u in _CRITICAL for u in names)
        out.append(
            Finding(
                severity=Severity.CRITICAL if critical else Severity.WARNING,
                title=f"{len(group)} failed unit(s) on {failed_node}",
                what=f"{', '.join(names)}. `systemctl status <unit>` and the unit's journal "
                "say why.",
                where=f"node/{failed_node}",
            )
        )
    for s in report.services:
        if s.unit in ALWAYS_ON and s.load_state not in ("not listed",) and not s.active:
            if s.active_state == "failed":
                continue  # already a failed-unit finding
            out.append(
                Finding(
                    severity=Severity.CRITICAL if s.unit in _CRITICAL else Severity.WARNING,
                    title=f"{s.unit} is not active on {s.node}",
                    what=f"ActiveState={s.active_state or '?'} SubState={s.sub_state or '?'} "
                    f"Result={s.result or '?'} (load: {s.load_state}).",
                    where=f"node/{s.node}",
                )
            )
    restarted: dict[str, list[str]] = {}
    for s in report.services:
        if s.n_restarts:
            restarted.setdefault(s.unit, []).append(f"{s.node} ({s.n_restarts})")
    for unit, where in sorted(restarted.items()):
        out.append(
            Finding(
                severity=Severity.WARNING,
                title=f"{unit} restarted automatically on {len(where)} node(s)",
                what="NRestarts counts restarts systemd made after the process exited or died: "
                + ", ".join(where)
                + ". The unit's journal shows why.",
                where=", ".join(f"node/{w.split(' ')[0]}" for w in where),
            )
        )
    return out


# -------------------------------------------------------------------------- MCD pods


@dataclass(frozen=True)
class McdPod:
    """The machine-config daemon pod of one node (``None`` fields when the node has none).

    Attributes:
        node: node name.
        pod: pod name, or ``""`` when no MCD pod is bound to the node.
        phase: ``status.phase`` (``Running``, ``Pending``...), or ``no pod``.
        ready: ``ready/total`` containers.
        restarts: restarts of all its containers.
        state: the first container state that is not running (``CrashLoopBackOff``,
            ``ContainerCreating``...), else ``Running``.
        last_termination: the last termination reason of a restarted container (``OOMKilled``,
            ``Error``), or ``""``.
        age: the pod's age.
    """

    node: str
    pod: str
    phase: str
    ready: str
    restarts: int | None
    state: str
    last_termination: str
    age: str

    @property
    def healthy(self) -> bool:
        """Running, every container ready."""
        if not self.pod or self.phase != "Running":
            return False
        ready, _, total = self.ready.partition("/")
        return ready == total


def mcd_pods(source: Source, *, nodes: Sequence[str]) -> list[McdPod]:
    """The machine-config daemon pod of each node in ``nodes``, from the API.

    Raises:
        NotApplicable: the source holds no pods of that namespace (a must-gather without it),
            or a capture holds none with the label.
        ClusterAccessError: the API refused the list.

    Examples:
        >>> from rhcos_helpers.sources import open_source
        >>> [(p.node, p.ready, p.healthy) for p in mcd_pods(open_source("demo"),
        ...                                                 nodes=["worker-1", "worker-2"])]
        [('worker-1', '0/2', False), ('worker-2', '2/2', True)]
    """
    pods = source.list("pods", namespace=MCD_NAMESPACE, label_selector=MCD_LABEL)
    if not pods and source.identity.kind != "live":
        # A capture that lists the namespace but not its pods (a must-gather holding only the
        # daemon set) would otherwise read as "no daemon anywhere".
        raise NotApplicable(
            f"this capture holds no pod of {MCD_NAMESPACE} with label {MCD_LABEL}; add "
            f"`oc adm inspect ns/{MCD_NAMESPACE}` to it or run against the live cluster"
        )
    now = source.now()
    by_node: dict[str, dict[str, Any]] = {}
    for p in pods:
        node = (p.get("spec") or {}).get("nodeName")
        if node and (node not in by_node or _newer(p, by_node[node])):
            by_node[node] = p
    out = []
    for node in nodes:
        pod = by_node.get(node)
        if pod is None:
            out.append(McdPod(node, "", "no pod", "", None, "no machine-config-daemon pod on "
                              "this node", "", ""))  # fmt: skip
            continue
        out.append(_mcd_row(node, pod, now))
    return out


def _newer(a: dict[str, Any], b: dict[str, Any]) -> bool:
    ta = parse_time((a.get("metadata") or {}).get("creationTimestamp"))
    tb = parse_time((b.get("metadata") or {}).get("creationTimestamp"))
    return bool(ta and tb and ta > tb)


def _mcd_row(node: str, p: dict[str, Any], now: datetime) -> McdPod:
    status = p.get("status") or {}
    statuses = status.get("containerStatuses") or []
    ready = sum(1 for c in statuses if c.get("ready"))
    total = len(statuses) or len((p.get("spec") or {}).get("containers") or [])
    restarts = sum(int(c.get("restartCount") or 0) for c in statuses)
    state = "Running"
    last = ""
    for c in statuses:
        st = c.get("state") or {}
        if "waiting" in st:
            state = (st["waiting"] or {}).get("reason") or "Waiting"
            break
        if "terminated" in st:
            state = (st["terminated"] or {}).get("reason") or "Terminated"
            break
    for c in statuses:
        term = (c.get("lastState") or {}).get("terminated")
        if term:
            last = str(term.get("reason") or "")
            break
    if status.get("phase") == "Running" and ready < total and state == "Running":
        state = "NotReady"
    return McdPod(
        node=node,
        pod=str((p.get("metadata") or {}).get("name") or ""),
        phase=str(status.get("phase") or "Unknown"),
        ready=f"{ready}/{total}",
        restarts=restarts,
        state=state,
        last_termination=last,
        age=age((p.get("metadata") or {}).get("creationTimestamp"), now=now),
    )


def mcd_frame(pods: Sequence[McdPod]) -> pd.DataFrame:
    """MCD pods as a table (one row per node)."""
    cols = ["node", "pod", "phase", "ready", "restarts", "state", "last_termination", "age"]
    frame = pd.DataFrame([{c: getattr(p, c) for c in cols} for p in pods], columns=cols)
    frame["restarts"] = frame["restarts"].astype("Int64")
    return frame


def mcd_findings(pods: Attempt[list[McdPod]]) -> list[Finding]:
    """MCD pods missing, not ready or restarting (nothing when the pods could not be read)."""
    out: list[Finding] = []
    for p in pods.value or []:
        if not p.pod:
            out.append(
                Finding(
                    severity=Severity.WARNING,
                    title=f"No machine-config daemon pod on {p.node}",
                    what="The node gets no MachineConfig updates without its daemon; check the "
                    "machine-config-daemon daemon set and the node's taints.",
                    where=f"node/{p.node}",
                    next_runbook="50-pool-rollout",
                )
            )
        elif not p.healthy:
            out.append(
                Finding(
                    severity=Severity.WARNING,
                    title=f"Machine-config daemon on {p.node} is not ready ({p.state})",
                    what=f"Pod {p.pod}: phase {p.phase}, ready {p.ready}, restarts {p.restarts}.",
                    where=f"pod/{MCD_NAMESPACE}/{p.pod}",
                    next_runbook="50-pool-rollout",
                )
            )
        elif p.restarts:
            out.append(
                Finding(
                    severity=Severity.INFO,
                    title=f"Machine-config daemon on {p.node} restarted {p.restarts} time(s)",
                    what=f"Pod {p.pod}; last termination: {p.last_termination or 'unknown'}.",
                    where=f"pod/{MCD_NAMESPACE}/{p.pod}",
                )
            )
    return out
