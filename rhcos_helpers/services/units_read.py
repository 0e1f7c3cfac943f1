"""services.units_read - ``systemctl show`` and ``list-units`` read on many nodes, and parsed.

:func:`collect` asks every node for both outputs through the fan-out and parses them with
:mod:`~rhcos_helpers.services.systemctl` into a :class:`ServicesReport`: the key services'
states, every ``list-units`` row, and per node and fact what was read (``ok``, the source's
``failed``/``missing``, or ``unparsed`` with the parse error).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from rhcos_helpers.errors import ParseError
from rhcos_helpers.node_access.fanout import FleetResult, collect_facts
from rhcos_helpers.services.systemctl import (
    KEY_SERVICES,
    ServiceState,
    UnitRow,
    key_services,
    parse_list_units,
)
from rhcos_helpers.sources.base import NodeOutput, Source

__all__ = ["ServicesReport", "collect"]


T = TypeVar("T")


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
