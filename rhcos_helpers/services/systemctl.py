"""services.systemctl - commands ``systemctl show`` and ``systemctl list-units``: unit states.

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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from rhcos_helpers.errors import ParseError

__all__ = [
    "KEY_SERVICES",
    "ServiceState",
    "UnitRow",
    "key_services",
    "parse_list_units",
    "parse_systemctl_show",
    "parse_systemd_timestamp",
    "service_state",
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

_UINT64_MAX = 18446744073709551615

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
        node: node name (set by :func:`~rhcos_helpers.services.units_read.collect`; ``""`` when
            parsed alone).
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
