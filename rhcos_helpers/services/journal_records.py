"""services.journal_records - one journal entry, its level and event, and the table of entries.

Every form a cluster hands the journal out in parses into :class:`JournalEntry`
(:mod:`~rhcos_helpers.services.journal_json` for ``journalctl -o json``,
:mod:`~rhcos_helpers.services.journal_text` for the short text forms); :func:`to_frame` turns
entries into the table, with the :data:`COLUMNS`, that the analysis reads.

Levels. Text forms carry no priority, and even the JSON form gives most service lines the
unit's ``SyslogLevel=`` (info): journald stores whatever a service writes to stdout/stderr at
that level unless the line starts with a ``<N>`` prefix, which neither the kubelet nor CRI-O
writes. So each entry also reads the level the program wrote into the message: klog's header
``Lmmdd hh:mm:ss.uuuuuu threadid file:line] msg`` (``E`` → err, ``W`` → warning, ``F`` → crit,
``I`` → info), logrus' ``level=error`` (CRI-O), NetworkManager's ``<warn>``/``<error>`` and
OVS's ``|ERR|``/``|WARN|``. :attr:`JournalEntry.level` is the more severe of the two and
``"unknown"`` when neither is known (never invented).

Events (:attr:`JournalEntry.event`), for OOM and restart detection: ``oom`` (the kubelet's "Got
sys oom event", the kernel's "Out of memory"/"oom-kill", ``OOMKilled``), ``crashloop``
(``CrashLoopBackOff``), ``failed`` (systemd "Failed with result", "Main process exited" with a
failure, "Failed to start") and ``restart`` (systemd "Scheduled restart job").

Examples:
    >>> message_level("E1120 09:20:01.234567    2291 pod_workers.go:1298] x"), level_name(3)
    (3, 'err')
    >>> classify_event("kubelet.service: Scheduled restart job, restart counter is at 3.")
    'restart'
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

__all__ = [
    "COLUMNS",
    "COL_EVENT",
    "COL_HOST",
    "COL_IDENTIFIER",
    "COL_LEVEL",
    "COL_LEVEL_FROM",
    "COL_MESSAGE",
    "COL_NODE",
    "COL_PID",
    "COL_PRIORITY",
    "COL_TIME",
    "COL_UNIT",
    "EVENTS",
    "LEVELS",
    "UNIT_IDENTIFIERS",
    "JournalEntry",
    "classify_event",
    "level_name",
    "message_level",
    "to_frame",
    "unit_name",
]


#: syslog priority names, index = priority (``journalctl -p`` spells them the same way).
LEVELS: tuple[str, ...] = ("emerg", "alert", "crit", "err", "warning", "notice", "info", "debug")
UNKNOWN = "unknown"
#: Event kinds :func:`classify_event` recognises.
EVENTS: tuple[str, ...] = ("oom", "crashloop", "failed", "restart")

COL_TIME = "time"
COL_NODE = "node"
COL_UNIT = "unit"
COL_LEVEL = "level"
COL_PRIORITY = "priority"
COL_LEVEL_FROM = "level_from"
COL_EVENT = "event"
COL_IDENTIFIER = "identifier"
COL_PID = "pid"
COL_HOST = "host"
COL_MESSAGE = "message"
#: Columns of :func:`to_frame` and :func:`~rhcos_helpers.services.journal_json.journal_frame`,
#: in order.
COLUMNS: tuple[str, ...] = (
    COL_TIME,
    COL_NODE,
    COL_UNIT,
    COL_LEVEL,
    COL_PRIORITY,
    COL_LEVEL_FROM,
    COL_EVENT,
    COL_IDENTIFIER,
    COL_PID,
    COL_HOST,
    COL_MESSAGE,
)

#: The SYSLOG_IDENTIFIERs a unit's own lines carry (text forms name the identifier, not the
#: unit): kubelet is ``hyperkube`` up to 4.5, ``kubelet`` later, ``kubenswrapper`` since 4.12.
UNIT_IDENTIFIERS: dict[str, tuple[str, ...]] = {
    "crio.service": ("crio", "conmon"),
    "kubelet.service": ("kubenswrapper", "kubelet", "hyperkube"),
    "NetworkManager.service": ("NetworkManager",),
    "ovs-vswitchd.service": ("ovs-vswitchd", "ovs-ctl"),
    "ovsdb-server.service": ("ovsdb-server", "ovs-ctl"),
    "rpm-ostreed.service": ("rpm-ostree",),
    "chronyd.service": ("chronyd",),
}

_PRIORITY_OF = {name: i for i, name in enumerate(LEVELS)}


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One journal entry.

    Attributes:
        time: when it was logged (aware, UTC).
        host: ``_HOSTNAME`` (the host name in text forms).
        unit: the unit it belongs to (``UNIT`` for systemd's messages about a unit, else
            ``_SYSTEMD_UNIT``; in text forms the unit asked for), ``""`` when unknown.
        identifier: ``SYSLOG_IDENTIFIER`` (``kubenswrapper``, ``crio``, ``systemd``...).
        pid: ``_PID``, or ``None``.
        message: ``MESSAGE`` (byte arrays decoded as UTF-8 with replacement).
        priority: the journal's ``PRIORITY`` (0-7); ``None`` in text forms.
        level: the more severe of ``priority`` and the message's own level, as a name of
            :data:`LEVELS`, or ``"unknown"``.
        level_from: ``journal``, ``message`` or ``""`` (unknown): where ``level`` comes from.
        event: ``oom``, ``crashloop``, ``failed``, ``restart`` or ``""`` (see
            :func:`classify_event`).
        node: the node it was read from (set by the collector; ``""`` when parsed alone).
    """

    time: datetime
    host: str
    unit: str
    identifier: str
    pid: int | None
    message: str
    priority: int | None
    level: str
    level_from: str
    event: str
    node: str = ""

    @property
    def is_error(self) -> bool:
        """True for err and more severe levels."""
        return self.level in LEVELS[:4]


def level_name(priority: int | None) -> str:
    """The syslog name of a priority, ``"unknown"`` for ``None`` or out of range.

    Examples:
        >>> level_name(3), level_name(6), level_name(None)
        ('err', 'info', 'unknown')
    """
    if priority is None or not 0 <= priority < len(LEVELS):
        return UNKNOWN
    return LEVELS[priority]


_LOGRUS = re.compile(r"\blevel=\"?(panic|fatal|error|warning|warn|info|debug|trace)\b")
_LOGRUS_PRIORITY = {
    "panic": 2,
    "fatal": 2,
    "error": 3,
    "warning": 4,
    "warn": 4,
    "info": 6,
    "debug": 7,
    "trace": 7,
}
_KLOG = re.compile(r"([IWEF])\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ [^\s\]]+:\d+\] ")
_KLOG_PRIORITY = {"I": 6, "W": 4, "E": 3, "F": 2}
_NM = re.compile(r"<(trace|debug|info|warn|error)>\s")
_NM_PRIORITY = {"trace": 7, "debug": 7, "info": 6, "warn": 4, "error": 3}
_OVS = re.compile(r"\|(EMER|ERR|WARN|INFO|DBG)\|")
_OVS_PRIORITY = {"EMER": 0, "ERR": 3, "WARN": 4, "INFO": 6, "DBG": 7}


def message_level(message: str) -> int | None:
    """The priority a program wrote into its own message, or ``None``.

    klog (kubelet), logrus (CRI-O), NetworkManager and OVS prefixes.

    Examples:
        >>> message_level('E1120 09:20:01.234567    2291 pod_workers.go:1298] "Error syncing pod"')
        3
        >>> message_level('time="2024-11-20 09:20:01.234567890Z" level=warning msg="x"')
        4
        >>> message_level("<warn>  [1732094400.1234] dhcp4 (br-ex): request timed out")
        4
        >>> message_level("2024-11-20T09:20:01.234Z|00012|bridge|ERR|port br-ex: failed")
        3
        >>> message_level("Started Kubernetes Kubelet.") is None
        True
    """
    if not message:
        return None
    first = message[0]
    if first in "IWEF" and len(message) > 30:
        m = _KLOG.match(message)
        if m:
            return _KLOG_PRIORITY[m.group(1)]
    if first == "<":
        m = _NM.match(message)
        if m:
            return _NM_PRIORITY[m.group(1)]
    head = message[:96]
    if "level=" in head:
        m = _LOGRUS.search(head)
        if m:
            return _LOGRUS_PRIORITY[m.group(1)]
    if "|" in head:
        m = _OVS.search(head)
        if m:
            return _OVS_PRIORITY[m.group(1)]
    return None


_EVENT = re.compile(
    r"(?P<oom>Got sys oom event|OOMKilled|Out of memory|oom-kill|invoked oom-killer"
    r"|Memory cgroup out of memory)"
    r"|(?P<crashloop>CrashLoopBackOff)"
    r"|(?P<failed>Failed with result '|Failed to start |Main process exited, code="
    r"(?:killed|dumped|exited, status=[1-9]))"
    r"|(?P<restart>Scheduled restart job)"
)


def classify_event(message: str) -> str:
    """The kind of event a message reports (see :data:`EVENTS`), or ``""``.

    Examples:
        >>> classify_event('I1120 08:40:12.104128    2291 oom_watcher_linux.go:77] "Got sys oom event"')
        'oom'
        >>> classify_event("kubelet.service: Scheduled restart job, restart counter is at 3.")
        'restart'
        >>> classify_event("kubelet.service: Main process exited, code=exited, status=255/EXCEPTION")
        'failed'
        >>> classify_event("crio.service: Main process exited, code=exited, status=0/SUCCESS")
        ''
    """
    m = _EVENT.search(message)
    return m.lastgroup or "" if m else ""


def _effective(priority: int | None, message: str) -> tuple[str, str]:
    own = message_level(message)
    if own is not None and (priority is None or own < priority):
        return LEVELS[own], "message"
    if priority is not None and 0 <= priority < len(LEVELS):
        return LEVELS[priority], "journal"
    return UNKNOWN, ""


def unit_name(unit: str) -> str:
    """A unit name with its type: ``crio`` → ``crio.service`` (names with a type stay).

    Examples:
        >>> unit_name("crio"), unit_name("kubelet.service"), unit_name("var.mount")
        ('crio.service', 'kubelet.service', 'var.mount')
    """
    unit = unit.strip()
    if not unit or "." in unit:
        return unit
    return unit + ".service"


def to_frame(entries: Iterable[JournalEntry]) -> pd.DataFrame:
    """Entries as a table with the :data:`COLUMNS` (``time`` as UTC datetimes)."""
    rows = list(entries)
    data: dict[str, list[Any]] = {
        COL_TIME: [e.time for e in rows],
        COL_NODE: [e.node for e in rows],
        COL_UNIT: [e.unit for e in rows],
        COL_LEVEL: [e.level for e in rows],
        COL_PRIORITY: [e.priority for e in rows],
        COL_LEVEL_FROM: [e.level_from for e in rows],
        COL_EVENT: [e.event for e in rows],
        COL_IDENTIFIER: [e.identifier for e in rows],
        COL_PID: [e.pid for e in rows],
        COL_HOST: [e.host for e in rows],
        COL_MESSAGE: [e.message for e in rows],
    }
    return _frame(data)


def _frame(data: dict[str, list[Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(data, columns=list(COLUMNS))
    frame[COL_TIME] = pd.to_datetime(frame[COL_TIME], utc=True)
    frame[COL_PRIORITY] = frame[COL_PRIORITY].astype("Int64")
    frame[COL_PID] = frame[COL_PID].astype("Int64")
    return frame
