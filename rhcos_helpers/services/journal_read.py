"""services.journal - the systemd journal of node services, in every form a cluster hands it out.

Four forms, one record (:class:`JournalEntry`):

* ``journalctl -o json`` (a debug pod or SSH; the project's captures and the demos): one JSON
  object per line, every value a string (``__REALTIME_TIMESTAMP`` in microseconds, ``PRIORITY``
  ``"0"``..``"7"``); a value that is not valid UTF-8 comes as an array of byte values, a field
  present twice as an array of values, and a field over 4096 bytes as ``null`` (journalctl's
  data threshold). :func:`parse_journal_json`; :func:`journal_frame` is the fast path for big
  exports (straight to a DataFrame).
* the node-logs API (``/api/v1/nodes/<node>/proxy/logs/journal?unit=...``): the kubelet runs
  ``journalctl --utc --no-pager --output=short-precise --unit=<u> [--since/--until]``, so lines
  are ``Nov 20 09:20:01.234567 worker-0 crio[2291]: msg``; :func:`parse_journal_text`.
* must-gather's ``host_service_logs/masters/<unit>_service.log`` (``oc adm node-logs`` output,
  masters only) and sos reports' ``sos_commands/logs/journalctl_--no-pager`` (the whole journal,
  local time, ``-- Logs begin at ... --`` header in older systemd): the same short form, with or
  without microseconds; :func:`parse_journal_text`.

Sample (``journalctl -o json``, systemd 219, a unit start logged by systemd itself; in
``tests/data/commands/journal_unit/``)::

    { "__REALTIME_TIMESTAMP" : "1422990364739502", "PRIORITY" : "6", "_HOSTNAME" : "desktop",
      "SYSLOG_IDENTIFIER" : "systemd", "_PID" : "1", "UNIT" : "nginx.service",
      "MESSAGE" : "Starting A high performance web server and a reverse proxy server...", ... }

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
    >>> e = parse_journal_json(JOURNAL_JSON_219)[0]
    >>> e.time.isoformat(), e.unit, e.identifier, e.pid, e.priority, e.level
    ('2015-02-03T19:06:04.739502+00:00', 'nginx.service', 'systemd', 1, 6, 'info')
    >>> e = parse_journal_text(
    ...     "Nov 20 09:20:01.234567 worker-0 kubenswrapper[2291]: "
    ...     "W0415 12:40:18.037168       1 mount_helper_common.go:142] Warning: not a mountpoint",
    ...     year=2024)[0]
    >>> e.time.isoformat(), e.host, e.pid, e.priority, e.level, e.level_from
    ('2024-11-20T09:20:01.234567+00:00', 'worker-0', 2291, None, 'warning', 'message')
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

import pandas as pd

from rhcos_helpers.catalogue import fact as catalogue_fact
from rhcos_helpers.errors import ParseError, UsageError
from rhcos_helpers.findings import Finding, Severity
from rhcos_helpers.sources.base import NodeOutput, Source

if TYPE_CHECKING:
    from matplotlib.figure import Figure

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
    "JournalReport",
    "UnitJournal",
    "classify_event",
    "collect",
    "counts_frame",
    "error_bursts",
    "errors_frame",
    "findings",
    "journal_frame",
    "journal_window",
    "level_name",
    "message_level",
    "parse_journal_json",
    "parse_journal_output",
    "parse_journal_text",
    "parse_since",
    "plot_activity",
    "status_frame",
    "to_frame",
    "unit_name",
]

log = logging.getLogger(__name__)

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
#: Columns of :func:`to_frame` and :func:`journal_frame`, in order.
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
#: Timestamps past pandas' range (2262-04-11) are garbage, not journal entries.
_MAX_USEC = 9_223_372_036_854_775


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


# ------------------------------------------------------------------------------------ JSON


def _text(value: Any) -> str:
    """A journal JSON value as text: strings, byte arrays, arrays of values, null."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, list):
        if value and all(isinstance(b, int) for b in value):
            try:
                return bytes(value).decode("utf-8", errors="replace")
            except ValueError:  # a value outside 0..255: not a byte array
                return " ".join(str(b) for b in value)
        return "\n".join(_text(v) for v in value)
    return str(value)


def _int(value: Any) -> int | None:
    text = _text(value) if not isinstance(value, int) else str(value)
    if text.isascii() and text.isdigit():
        return int(text)
    return None


def _entry_from_json(obj: dict[str, Any], node: str) -> JournalEntry | None:
    usec = _int(obj.get("__REALTIME_TIMESTAMP"))
    if usec is None or usec > _MAX_USEC:
        return None
    message = _text(obj.get("MESSAGE"))
    priority = _int(obj.get("PRIORITY"))
    if priority is not None and priority >= len(LEVELS):
        priority = None
    level, level_from = _effective(priority, message)
    unit = _text(obj.get("UNIT")) or _text(obj.get("_SYSTEMD_UNIT"))
    when = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=usec)
    return JournalEntry(
        time=when,
        host=_text(obj.get("_HOSTNAME")),
        unit=unit,
        identifier=_text(obj.get("SYSLOG_IDENTIFIER")) or _text(obj.get("_COMM")),
        pid=_int(obj.get("_PID")) if "_PID" in obj else _int(obj.get("SYSLOG_PID")),
        message=message,
        priority=priority,
        level=level,
        level_from=level_from,
        event=classify_event(message),
        node=node,
    )


def _lines(text: str) -> Iterator[str]:
    """The lines of ``text`` one at a time, split at newlines only.

    A U+2028 inside a message is no line break, and a 200 MB export is not copied into a list.
    """
    start, end_of_text = 0, len(text)
    find = text.find
    while start < end_of_text:
        end = find("\n", start)
        if end < 0:
            end = end_of_text
        yield text[start:end]
        start = end + 1


def _json_lines(text: str) -> tuple[list[dict[str, Any]], int, str]:
    """(objects, lines skipped, first bad line) of a ``journalctl -o json`` output."""
    objs: list[dict[str, Any]] = []
    skipped = 0
    first_bad = ""
    loads = json.loads
    for line in _lines(text):
        if not line or line.isspace():
            continue
        try:
            obj = loads(line)
        except ValueError:
            obj = None
        if isinstance(obj, dict):
            objs.append(obj)
        else:
            skipped += 1
            first_bad = first_bad or line
    return objs, skipped, first_bad


def _parse_json(text: str, *, node: str = "") -> tuple[list[JournalEntry], int]:
    objs, skipped, first_bad = _json_lines(text)
    entries: list[JournalEntry] = []
    for obj in objs:
        entry = _entry_from_json(obj, node)
        if entry is None:
            skipped += 1
            first_bad = first_bad or json.dumps(obj)[:200]
        else:
            entries.append(entry)
    if skipped and not entries:
        raise ParseError(
            "journal_unit",
            f"no journal entry in {skipped} line(s) of `journalctl -o json` output "
            "(not JSON objects with __REALTIME_TIMESTAMP)",
            excerpt=first_bad,
        )
    if skipped:
        log.info("journal JSON: %d garbled or truncated line(s) skipped", skipped)
    return entries, skipped


def parse_journal_json(text: str, *, node: str = "") -> list[JournalEntry]:
    r"""Parse ``journalctl -o json`` output (one JSON object per line).

    Lines that are not JSON objects with a ``__REALTIME_TIMESTAMP`` (a truncated last line, a
    stray message) are skipped and logged; empty output is an empty journal.

    Args:
        text: the output.
        node: the node it was read from (copied into each entry).

    Raises:
        ParseError: when there is output but not one line is a journal entry.

    Examples:
        >>> line = ('{"__REALTIME_TIMESTAMP":"1732094400000000","PRIORITY":"6",'
        ...         '"_SYSTEMD_UNIT":"crio.service","MESSAGE":[104,105,255]}')
        >>> parse_journal_json(line + "\n" + line[:40])[0].message
        'hi\ufffd'
        >>> parse_journal_json("")
        []
        >>> parse_journal_json("Hint: You are currently not seeing messages from other users")
        Traceback (most recent call last):
        ...
        rhcos_helpers.errors.ParseError: journal_unit: no journal entry in 1 line(s) of `journalctl -o json` output (not JSON objects with __REALTIME_TIMESTAMP) (input starts: 'Hint: You are currently not seeing messages from other users')
    """
    return _parse_json(text, node=node)[0]


# ------------------------------------------------------------------------------------ text

_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    )
}
_LINE = re.compile(
    r"(?P<mon>[A-Z][a-z]{2}) {1,2}(?P<day>\d{1,2}) (?P<h>\d\d):(?P<m>\d\d):(?P<s>\d\d)"
    r"(?:\.(?P<frac>\d{1,6}))? (?P<host>\S+) (?P<ident>[^\s\[:]+)(?:\[(?P<pid>\d+)\])?: ?"
    r"(?P<msg>.*)",
    re.ASCII,
)
_HEADER = re.compile(
    r"^-- (?:Logs begin at|Journal begins at) .*?, (?:end at|ends at) "
    r"\w{3} (?P<date>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)(?: (?P<tz>\S+?))?\.? --$"
)
#: What the kubelet writes into the body instead of journal lines when it cannot serve them.
_KUBELET_ERRORS = (
    "error: journal output not available",
    "failed to get logging cmd",
    "log not found for ",
    "options present and query resolved to log files",
    "error getting log for ",
)


def _header_reference(text: str) -> datetime | None:
    """The "end at" time of a ``-- Logs begin at ..., end at ... --`` header, if any."""
    for line in text[:4096].splitlines():
        m = _HEADER.match(line.strip())
        if m and (m.group("tz") or "UTC") in ("UTC", "GMT"):
            return datetime.strptime(m.group("date"), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    return None


def parse_journal_text(
    text: str,
    *,
    year: int | None = None,
    reference: datetime | None = None,
    unit: str = "",
    node: str = "",
    identifiers: Sequence[str] | None = None,
    tz: tzinfo = UTC,
) -> list[JournalEntry]:
    r"""Parse journalctl's short forms (``short``, ``short-precise``), as text sources hold them.

    The node-logs API (``--utc -o short-precise``), must-gather's ``host_service_logs`` and sos
    reports' ``journalctl_--no-pager`` all write ``MMM DD HH:MM:SS[.ffffff] host ident[pid]: msg``.
    Indented lines continue the previous message; ``-- ... --`` lines (headers, boot markers,
    ``-- No entries --``) are skipped; other lines that are not journal lines are skipped and
    logged. There is no priority: :attr:`JournalEntry.level` comes from the message or is
    ``"unknown"``.

    Args:
        text: the output.
        year: the year of the entries (the short forms print none).
        reference: instead of ``year``: a time at or after the last entry (the capture time);
            each entry gets the latest year that does not put it more than a day after it.
            Without both, the ``end at`` time of a ``-- Logs begin at`` header is used.
        unit: the unit the lines were asked for (``crio`` or ``crio.service``).
        node: the node it was read from.
        identifiers: keep only lines whose identifier is one of these, or a ``systemd`` line
            about ``unit`` (for the whole-journal sos file); ``None`` keeps every line.
        tz: the zone the times are in: UTC for the node-logs API and must-gather (``--utc``),
            the node's zone for sos (UTC on RHCOS unless changed).

    Raises:
        ParseError: output without a single journal line (the kubelet's own error text
            included), or no year to put the entries in.
        UsageError: ``year`` and ``reference`` both given.

    Examples:
        >>> text = ("-- Logs begin at Tue 2024-04-30 08:02:20 UTC, end at Thu 2024-05-02 10:10:05 UTC. --\n"
        ...         "Apr 30 08:03:01 master-0 systemd[1]: Starting Container Runtime Interface for OCI (CRI-O)...\n"
        ...         "Apr 30 08:03:02 master-0 crio[1412]: time=\"2024-04-30 08:03:02.114220573Z\" level=error msg=\"x\"\n"
        ...         "  second line\n")
        >>> [(e.time.isoformat(), e.identifier, e.level) for e in parse_journal_text(text, unit="crio")]
        [('2024-04-30T08:03:01+00:00', 'systemd', 'unknown'), ('2024-04-30T08:03:02+00:00', 'crio', 'err')]
        >>> parse_journal_text(text, unit="crio")[1].message.endswith("\nsecond line")
        True
        >>> parse_journal_text("Dec 31 23:59:59 h crio[1]: x", reference=datetime(2025, 1, 1, tzinfo=UTC))[0].time.year
        2024
        >>> parse_journal_text("\nlog not found for crio\n", year=2024)
        Traceback (most recent call last):
        ...
        rhcos_helpers.errors.ParseError: journal_unit: the kubelet answered without journal lines: log not found for crio (input starts: '\nlog not found for crio\n')
    """
    if year is not None and reference is not None:
        raise UsageError("parse_journal_text: give year or reference, not both")
    if year is None and reference is None:
        reference = _header_reference(text)
    unit_full = unit_name(unit) if unit else ""
    keep = set(identifiers) if identifiers is not None else None
    about = f"{unit_full}:" if unit_full else ""
    entries: list[JournalEntry] = []
    pending: list[Any] | None = None  # [m, extra lines]
    skipped = 0
    first_bad = ""
    matched = 0

    def flush() -> None:
        nonlocal pending
        if pending is None:
            return
        m, extra = pending
        pending = None
        message = m.group("msg")
        if extra:
            message = "\n".join([message, *extra])
        ident = m.group("ident")
        if (
            keep is not None
            and ident not in keep
            and not (ident == "systemd" and about and about in message)
        ):
            return
        when = _when(m, year, reference, tz)
        if when is None:
            raise ParseError(
                "journal_unit",
                "journal lines carry no year; pass year= or reference= (the capture time)",
                excerpt=m.group(0),
            )
        level, level_from = _effective(None, message)
        pid = m.group("pid")
        entries.append(
            JournalEntry(
                time=when,
                host=m.group("host"),
                unit=unit_full,
                identifier=ident,
                pid=int(pid) if pid else None,
                message=message,
                priority=None,
                level=level,
                level_from=level_from,
                event=classify_event(message),
                node=node,
            )
        )

    for line in text.splitlines():
        if not line.strip():
            continue
        if line[0] in " \t":
            if pending is not None:
                pending[1].append(line.strip())
            continue
        if line.startswith("-- ") and line.rstrip().endswith("--"):
            flush()
            continue
        m = _LINE.match(line)
        if m is None or m.group("mon") not in _MONTHS:
            flush()
            skipped += 1
            first_bad = first_bad or line
            continue
        flush()
        matched += 1
        pending = [m, []]
    flush()
    if skipped and not matched:
        said = next((k for k in _KUBELET_ERRORS if k in text), None)
        if said is not None:
            line = next(ln for ln in text.splitlines() if said in ln)
            raise ParseError(
                "journal_unit",
                f"the kubelet answered without journal lines: {line.strip()}",
                excerpt=text,
            )
        raise ParseError(
            "journal_unit",
            f"no journal line in {skipped} line(s) (expected 'MMM DD HH:MM:SS host ident[pid]: "
            "message')",
            excerpt=first_bad,
        )
    if skipped:
        log.info("journal text: %d line(s) that are not journal lines skipped", skipped)
    return entries


def _when(
    m: re.Match[str], year: int | None, reference: datetime | None, tz: tzinfo
) -> datetime | None:
    frac = m.group("frac") or ""
    usec = int(frac.ljust(6, "0")) if frac else 0
    month, day = _MONTHS[m.group("mon")], int(m.group("day"))
    h, mi, s = int(m.group("h")), int(m.group("m")), int(m.group("s"))
    if year is not None:
        years = [year]
    elif reference is not None:
        years = [reference.year, reference.year - 1]
    else:
        return None
    for y in years:
        try:
            when = datetime(y, month, day, h, mi, s, usec, tzinfo=tz).astimezone(UTC)
        except ValueError:  # Feb 29 in another year, hour 24...
            continue
        if reference is None or when <= reference + timedelta(days=1):
            return when
    raise ParseError("journal_unit", "not a valid date", excerpt=m.group(0))


# ------------------------------------------------------------------------------ frames


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


def journal_frame(text: str, *, node: str = "") -> pd.DataFrame:
    """``journalctl -o json`` output straight to a DataFrame (the fast path for big exports).

    Same rows and columns as ``to_frame(parse_journal_json(text, node=node))`` without building
    a record per entry: one ``json.loads`` per line, the fields picked into column lists, the
    timestamps converted in one vectorised step.

    Raises:
        ParseError: when there is output but not one line is a journal entry.

    Examples:
        >>> journal_frame(JOURNAL_JSON_219)[["unit", "level", "pid"]].to_dict("records")
        [{'unit': 'nginx.service', 'level': 'info', 'pid': 1}]
    """
    skipped = 0
    first_bad = ""
    times: list[int] = []
    units: list[str] = []
    levels: list[str] = []
    prios: list[int | None] = []
    froms: list[str] = []
    events: list[str] = []
    idents: list[str] = []
    pids: list[int | None] = []
    hosts: list[str] = []
    messages: list[str] = []
    loads = json.loads
    for line in _lines(text):  # one line at a time: neither all lines nor all dicts are kept
        if not line or line.isspace():
            continue
        try:
            obj = loads(line)
        except ValueError:
            obj = None
        if not isinstance(obj, dict):
            skipped += 1
            first_bad = first_bad or line
            continue
        ts = obj.get("__REALTIME_TIMESTAMP")
        if not (isinstance(ts, str) and ts.isascii() and ts.isdigit()) or int(ts) > _MAX_USEC:
            skipped += 1
            continue
        message = obj.get("MESSAGE")
        if not isinstance(message, str):
            message = _text(message)
        p = obj.get("PRIORITY")
        prio = int(p) if isinstance(p, str) and len(p) == 1 and "0" <= p <= "7" else None
        level, level_from = _effective(prio, message)
        unit = obj.get("UNIT") or obj.get("_SYSTEMD_UNIT") or ""
        pid = obj.get("_PID")
        times.append(int(ts))
        units.append(unit if isinstance(unit, str) else _text(unit))
        levels.append(level)
        prios.append(prio)
        froms.append(level_from)
        events.append(classify_event(message))
        ident = obj.get("SYSLOG_IDENTIFIER") or obj.get("_COMM") or ""
        idents.append(ident if isinstance(ident, str) else _text(ident))
        pids.append(int(pid) if isinstance(pid, str) and pid.isascii() and pid.isdigit() else None)
        host = obj.get("_HOSTNAME") or ""
        hosts.append(host if isinstance(host, str) else _text(host))
        messages.append(message)
    if skipped and not times:
        raise ParseError(
            "journal_unit",
            f"no journal entry in {skipped} line(s) of `journalctl -o json` output "
            "(not JSON objects with __REALTIME_TIMESTAMP)",
            excerpt=first_bad,
        )
    frame = pd.DataFrame(
        {
            COL_TIME: pd.to_datetime(pd.Series(times, dtype="int64"), unit="us", utc=True),
            COL_NODE: node,
            COL_UNIT: units,
            COL_LEVEL: levels,
            COL_PRIORITY: pd.array(prios, dtype="Int64"),
            COL_LEVEL_FROM: froms,
            COL_EVENT: events,
            COL_IDENTIFIER: idents,
            COL_PID: pd.array(pids, dtype="Int64"),
            COL_HOST: hosts,
            COL_MESSAGE: messages,
        },
        columns=list(COLUMNS),
    )
    return frame


# ------------------------------------------------------------------------ from a source


@dataclass(frozen=True)
class UnitJournal:
    """The journal of one unit on one node, as read from a source.

    Attributes:
        node: node name.
        unit: unit name (``crio.service``).
        status: ``ok``, ``failed``/``missing`` (the source's), or ``unparsed`` (the output was
            not a journal; ``reason`` says why).
        origin: where it came from (the last request's, for paged reads).
        reason: why it is not ``ok``; for ``ok``, notes such as skipped lines.
        entries: the entries, oldest first.
        requests: node-output calls made.
        window: ``(since, until)`` actually asked for, or ``None`` when the source returned
            what it holds (captures).
    """

    node: str
    unit: str
    status: str
    origin: str = ""
    reason: str = ""
    entries: tuple[JournalEntry, ...] = ()
    requests: int = 0
    window: tuple[datetime, datetime] | None = None

    @property
    def ok(self) -> bool:
        """True when the journal was read (it may hold no entries)."""
        return self.status == "ok"


def parse_journal_output(
    out: NodeOutput, *, unit: str, reference: datetime | None = None
) -> tuple[list[JournalEntry], str]:
    """Parse a ``journal_unit`` NodeOutput in whatever form its source gave.

    JSON (``format == "json"``) through :func:`parse_journal_json`, text through
    :func:`parse_journal_text`; a sos report's whole journal (``journalctl_--no-pager``) is
    narrowed to the unit's identifiers (:data:`UNIT_IDENTIFIERS`).

    Args:
        out: an ``ok`` output of fact ``journal_unit``.
        unit: the unit asked for.
        reference: the year reference for text forms (the capture time, or now).

    Returns:
        The entries, and a note (skipped lines, narrowing) or ``""``.

    Raises:
        ParseError: the output is not a journal.
    """
    full = unit_name(unit)
    note = ""
    if out.format == "json" or out.stdout.lstrip().startswith("{"):
        entries, skipped = _parse_json(out.stdout, node=out.node)
        if skipped:
            note = f"{skipped} garbled or truncated line(s) skipped"
        return [e if e.unit else _with_unit(e, full) for e in entries], note
    identifiers: tuple[str, ...] | None = None
    if out.origin.endswith("journalctl_--no-pager"):
        identifiers = UNIT_IDENTIFIERS.get(full, (full.removesuffix(".service"),))
        note = "whole-node journal narrowed to identifiers " + ", ".join(identifiers)
    ref = None if _header_reference(out.stdout) else reference
    entries = parse_journal_text(
        out.stdout, reference=ref, unit=full, node=out.node, identifiers=identifiers
    )
    return entries, note


def _with_unit(e: JournalEntry, unit: str) -> JournalEntry:
    return JournalEntry(
        e.time, e.host, unit, e.identifier, e.pid, e.message, e.priority, e.level,
        e.level_from, e.event, e.node,
    )  # fmt: skip


_RELATIVE = re.compile(r"^([+-]?)(\d+)([smhd])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_since(spec: str, *, now: datetime) -> datetime:
    """A journal bound: relative (``-24h``, ``-90m``, ``-2d``, ``-30s``) or an ISO time.

    The relative form is the one the kubelet's node-logs API accepts (``[+-]N(s|m|h|d)``).

    Raises:
        UsageError: for anything else, with the forms that work.

    Examples:
        >>> now = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
        >>> parse_since("-24h", now=now).isoformat()
        '2026-11-19T09:30:00+00:00'
        >>> parse_since("2026-11-20T08:00:00Z", now=now).isoformat()
        '2026-11-20T08:00:00+00:00'
    """
    text = spec.strip()
    m = _RELATIVE.match(text)
    if m:
        delta = timedelta(seconds=int(m.group(2)) * _UNIT_SECONDS[m.group(3)])
        return now + delta if m.group(1) == "+" else now - delta
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"journal time {spec!r} is neither relative ([+-]N followed by s, m, h or d, e.g. "
            "-24h) nor an ISO time (2026-11-20T08:00:00Z)"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _supports_until() -> bool:
    return "until" in catalogue_fact("journal_unit").params


def _relative(when: datetime, now: datetime) -> str:
    seconds = max(0, int((now - when).total_seconds()))
    return f"-{seconds}s"


#: Widening of each paged request, so that entries near a window's edge are not lost to the
#: seconds between the client's clock and the node's; entries are then cut to the exact window.
_MARGIN = timedelta(seconds=60)


def journal_window(
    source: Source,
    node: str,
    *,
    units: Sequence[str],
    since: str | datetime = "-24h",
    until: str | datetime | None = None,
    window: timedelta = timedelta(hours=2),
) -> list[UnitJournal]:
    """A node's journal for some units, read one unit and one time window per request.

    The node-logs API serves at most 4 units per request and stops ``journalctl`` after 30 s,
    so a long span is read in windows of ``window``; one unit per request also keeps each line
    attributable (text lines name the identifier, not the unit). Captures and the demos hold a
    fixed journal: it is read once per unit and returned whole (``window`` is ``None``).

    A live source is asked per window with ``since`` and ``until`` (relative ``-Ns``, the form
    OpenShift's kubelet accepts; the last window has no ``until``) and the unit without
    ``.service`` (the kubelet refuses dotted names). Should the catalogue's ``journal_unit`` not
    take ``until``, a live source is asked once per unit with ``since`` only (and the 30 s limit
    may cut the answer).

    Args:
        source: any source.
        node: node name.
        units: unit names (``crio`` or ``crio.service``).
        since: start: relative to the source's now (``-24h``) or a time.
        until: end (default: now).
        window: span of one request.

    Returns:
        One :class:`UnitJournal` per unit, in the order given; never raises for the node.

    Raises:
        UsageError: bad ``since``/``until``/``window``.

    Examples:
        >>> from rhcos_helpers.sources import open_source
        >>> [(j.unit, j.status, len(j.entries)) for j in journal_window(
        ...     open_source("demo"), "worker-2", units=["kubelet", "chronyd"])]
        [('kubelet.service', 'ok', 16), ('chronyd.service', 'missing', 0)]
    """
    if window <= timedelta(0):
        raise UsageError(f"window must be positive, not {window}")
    now = source.now()
    start = since if isinstance(since, datetime) else parse_since(since, now=now)
    end = (
        now
        if until is None
        else until
        if isinstance(until, datetime)
        else parse_since(until, now=now)
    )
    if end <= start:
        raise UsageError(f"journal window ends ({end}) before it starts ({start})")
    live = source.identity.kind == "live"
    results: list[UnitJournal] = []
    for unit in units:
        full = unit_name(unit)
        stem = full.removesuffix(".service")
        if not live:
            out = source.node_output(node, "journal_unit", unit=stem)
            results.append(_one(out, full, now, requests=1, window=None))
            continue
        if not _supports_until():
            out = source.node_output(node, "journal_unit", unit=stem, since=_relative(start, now))
            res = _one(out, full, now, requests=1, window=(start, end))
            results.append(_cut(res, start, end))
            continue
        results.append(_paged(source, node, full, start, end, window, now))
    return results


def _one(
    out: NodeOutput,
    unit: str,
    reference: datetime,
    *,
    requests: int,
    window: tuple[datetime, datetime] | None,
) -> UnitJournal:
    if not out.ok:
        return UnitJournal(out.node, unit, out.status, out.origin, out.reason, (), requests, window)
    try:
        entries, note = parse_journal_output(out, unit=unit, reference=reference)
    except ParseError as err:
        return UnitJournal(out.node, unit, "unparsed", out.origin, str(err), (), requests, window)
    entries.sort(key=lambda e: e.time)
    return UnitJournal(out.node, unit, "ok", out.origin, note, tuple(entries), requests, window)


def _cut(res: UnitJournal, start: datetime, end: datetime) -> UnitJournal:
    kept = tuple(e for e in res.entries if start <= e.time < end)
    return UnitJournal(
        res.node, res.unit, res.status, res.origin, res.reason, kept, res.requests, res.window
    )


def _paged(
    source: Source,
    node: str,
    unit: str,
    start: datetime,
    end: datetime,
    window: timedelta,
    now: datetime,
) -> UnitJournal:
    stem = unit.removesuffix(".service")
    entries: list[JournalEntry] = []
    notes: list[str] = []
    requests = 0
    origin = ""
    lo = start
    while lo < end:
        hi = min(lo + window, end)
        params = {"unit": stem, "since": _relative(lo - _MARGIN, now)}
        if hi < end:
            params["until"] = _relative(hi + _MARGIN, now)
        out = source.node_output(node, "journal_unit", **params)
        requests += 1
        origin = out.origin
        part = _one(out, unit, now, requests=1, window=(lo, hi))
        if not part.ok:
            return UnitJournal(
                node, unit, part.status, origin,
                f"window {lo:%Y-%m-%d %H:%M}..{hi:%H:%M}: {part.reason}",
                tuple(entries), requests, (start, end),
            )  # fmt: skip
        entries.extend(e for e in part.entries if lo <= e.time < hi)
        if part.reason:
            notes.append(part.reason)
        lo = hi
    note = "; ".join(sorted(set(notes)))
    return UnitJournal(node, unit, "ok", origin, note, tuple(entries), requests, (start, end))


@dataclass(frozen=True)
class JournalReport:
    """The journals of several units on several nodes.

    Attributes:
        journals: one :class:`UnitJournal` per node and unit.
        since: the start asked for.
        until: the end asked for.
        captured: True when the source holds a fixed journal (a capture or demo: no window).
    """

    journals: tuple[UnitJournal, ...]
    since: datetime
    until: datetime
    captured: bool
    frame: pd.DataFrame = field(repr=False, compare=False, default_factory=pd.DataFrame)

    @property
    def entries(self) -> list[JournalEntry]:
        """Every entry, oldest first."""
        return sorted((e for j in self.journals for e in j.entries), key=lambda e: e.time)


def collect(
    source: Source,
    *,
    nodes: Sequence[str],
    units: str | Sequence[str] = ("crio", "kubelet"),
    since: str = "-24h",
    until: str | None = None,
    window: timedelta = timedelta(hours=2),
    concurrency: int = 4,
) -> JournalReport:
    """Read the journals of ``units`` on ``nodes`` (see :func:`journal_window`).

    Args:
        source: any source.
        nodes: node names.
        units: unit names, or one comma-separated string (``"crio,kubelet"``).
        since: start (``-24h`` or an ISO time).
        until: end (default: now).
        window: span of one request on a live source.
        concurrency: nodes read at once.

    Raises:
        UsageError: bad units, times or window.

    Examples:
        >>> from rhcos_helpers.sources import open_source
        >>> rep = collect(open_source("demo"), nodes=["worker-1", "worker-2"], units="kubelet")
        >>> [(j.node, j.status) for j in rep.journals]
        [('worker-1', 'failed'), ('worker-2', 'ok')]
        >>> sorted(set(rep.frame["event"]) - {""})
        ['crashloop', 'oom']
    """
    names = [u.strip() for u in units.split(",")] if isinstance(units, str) else list(units)
    names = [u for u in names if u]
    if not names:
        raise UsageError("no journal unit given; e.g. UNITS='crio,kubelet'")
    now = source.now()
    start = parse_since(since, now=now)
    end = now if until is None else parse_since(until, now=now)

    def read(node: str) -> list[UnitJournal]:
        return journal_window(source, node, units=names, since=start, until=end, window=window)

    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        per_node = list(pool.map(read, nodes))
    journals = tuple(
        j if not j.entries or j.entries[0].node else _with_node(j)
        for group in per_node
        for j in group
    )
    frame = to_frame(e for j in journals for e in j.entries)
    frame = frame.sort_values(COL_TIME, kind="stable").reset_index(drop=True)
    return JournalReport(
        journals=journals,
        since=start,
        until=end,
        captured=source.identity.kind != "live",
        frame=frame,
    )


def _with_node(j: UnitJournal) -> UnitJournal:
    entries = tuple(
        JournalEntry(
            e.time, e.host, e.unit, e.identifier, e.pid, e.message, e.priority, e.level,
            e.level_from, e.event, j.node,
        )
        for e in j.entries
    )  # fmt: skip
    return UnitJournal(j.node, j.unit, j.status, j.origin, j.reason, entries, j.requests, j.window)


# ------------------------------------------------------------------------ presentation data


def status_frame(report: JournalReport) -> pd.DataFrame:
    """One row per node and unit: status, entries, errors, time span, origin and reason."""
    rows = []
    for j in report.journals:
        errors = sum(1 for e in j.entries if e.is_error)
        rows.append(
            {
                "node": j.node,
                "fact": f"journal_unit.{j.unit.removesuffix('.service')}",
                "status": j.status,
                "entries": len(j.entries),
                "errors": errors,
                "first": j.entries[0].time if j.entries else None,
                "last": j.entries[-1].time if j.entries else None,
                "requests": j.requests,
                "origin": j.origin,
                "reason": j.reason,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "node", "fact", "status", "entries", "errors", "first", "last", "requests",
            "origin", "reason",
        ],
    )  # fmt: skip


def counts_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Messages per node, unit and level, with the first and last time of each.

    Examples:
        >>> counts_frame(to_frame([])).columns.tolist()
        ['node', 'unit', 'level', 'messages', 'first', 'last']
    """
    cols = [COL_NODE, COL_UNIT, COL_LEVEL, "messages", "first", "last"]
    if frame.empty:
        return pd.DataFrame(columns=cols)
    grouped = frame.groupby([COL_NODE, COL_UNIT, COL_LEVEL], sort=True)[COL_TIME]
    out = grouped.agg(messages="size", first="min", last="max").reset_index()
    order = {name: i for i, name in enumerate((*LEVELS, UNKNOWN))}
    out["_o"] = out[COL_LEVEL].map(order)
    out = out.sort_values([COL_NODE, COL_UNIT, "_o"]).drop(columns="_o")
    return out[cols].reset_index(drop=True)


def errors_frame(frame: pd.DataFrame, *, limit: int = 1000) -> pd.DataFrame:
    """Entries at err or worse, or reporting an event (OOM, CrashLoopBackOff...), newest last.

    Args:
        frame: a :func:`to_frame` table.
        limit: keep the newest ``limit`` rows.
    """
    cols = [COL_TIME, COL_NODE, COL_UNIT, COL_LEVEL, COL_LEVEL_FROM, COL_EVENT, COL_IDENTIFIER,
            COL_MESSAGE]  # fmt: skip
    if frame.empty:
        return pd.DataFrame(columns=cols)
    mask = frame[COL_LEVEL].isin(LEVELS[:4]) | (frame[COL_EVENT] != "")
    out = frame.loc[mask, cols].sort_values(COL_TIME, kind="stable")
    return out.tail(limit).reset_index(drop=True)


def error_bursts(
    frame: pd.DataFrame, *, bin: timedelta = timedelta(minutes=10), threshold: int = 20
) -> pd.DataFrame:
    """Time bins in which one unit on one node logged at least ``threshold`` errors.

    Returns:
        Columns node, unit, start, errors (sorted by errors, most first).
    """
    cols = [COL_NODE, COL_UNIT, "start", "errors"]
    if frame.empty:
        return pd.DataFrame(columns=cols)
    errs = frame[frame[COL_LEVEL].isin(LEVELS[:4])]
    if errs.empty:
        return pd.DataFrame(columns=cols)
    start = errs[COL_TIME].dt.floor(pd.Timedelta(bin))
    counts = errs.groupby([errs[COL_NODE], errs[COL_UNIT], start.rename("start")]).size()
    out = counts[counts >= threshold].rename("errors").reset_index()
    return out.sort_values("errors", ascending=False, kind="stable")[cols].reset_index(drop=True)


_LEVEL_GROUPS = (
    ("err and worse", LEVELS[:4], "#c9190b"),
    ("warning", ("warning",), "#f0ab00"),
    ("notice/info", ("notice", "info"), "#2b9af3"),
    ("debug", ("debug",), "#8bc1f7"),
    ("unknown (text form)", (UNKNOWN,), "#8a8d90"),
)


def plot_activity(frame: pd.DataFrame, *, bins: int = 48) -> Figure | None:
    """Messages per unit and level over time: one panel per unit, stacked by level group.

    Args:
        frame: a :func:`to_frame` table (all nodes together).
        bins: about how many time bins to draw.

    Returns:
        A matplotlib figure (not attached to pyplot), or ``None`` when there is nothing to plot.
    """
    if frame.empty:
        return None
    from matplotlib.figure import Figure

    times = frame[COL_TIME]
    span = times.max() - times.min()
    step = _nice_step(span / max(1, bins))
    units = sorted(frame[COL_UNIT].replace("", "(no unit)").unique())
    fig = Figure(figsize=(10, 1.8 + 1.6 * len(units)), layout="constrained")
    axes = fig.subplots(len(units), 1, sharex=True, squeeze=False)[:, 0]
    for ax, unit in zip(axes, units, strict=True):
        sub = frame[frame[COL_UNIT].replace("", "(no unit)") == unit]
        binned = sub[COL_TIME].dt.floor(step)
        bottom: pd.Series | None = None
        for label, levels, colour in _LEVEL_GROUPS:
            part = binned[sub[COL_LEVEL].isin(levels)]
            if part.empty:
                continue
            counts = part.value_counts().sort_index()
            base = bottom.reindex(counts.index, fill_value=0) if bottom is not None else 0
            ax.bar(
                counts.index, counts.values, width=step * 0.9, bottom=base, color=colour,
                label=label, align="edge",
            )  # fmt: skip
            bottom = counts if bottom is None else bottom.add(counts, fill_value=0)
        ax.set_title(unit, loc="left", fontsize=10)
        ax.set_ylabel(f"msgs / {_step_label(step)}")
        ax.legend(loc="upper left", fontsize=8, frameon=False)
    axes[-1].set_xlabel("time (UTC)")
    return fig


def _nice_step(raw: pd.Timedelta) -> pd.Timedelta:
    for minutes in (1, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440):
        step = pd.Timedelta(minutes=minutes)
        if raw <= step:
            return step
    return pd.Timedelta(days=max(1, int(raw / pd.Timedelta(days=1)) + 1))


def _step_label(step: pd.Timedelta) -> str:
    minutes = int(step.total_seconds() // 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h"


def findings(report: JournalReport, *, burst_threshold: int = 20) -> list[Finding]:
    """OOM kills, CrashLoopBackOff, unit failures and restarts, error bursts, unread journals.

    One finding per (node, unit, kind), so a noisy journal does not drown the list.
    """
    out: list[Finding] = []
    frame = report.frame
    kinds: dict[str, tuple[Severity, str, str]] = {
        "oom": (Severity.WARNING, "OOM kill", "the kernel killed a process for memory"),
        "crashloop": (
            Severity.WARNING,
            "CrashLoopBackOff",
            "a container keeps failing and the kubelet backs off restarting it",
        ),
        "failed": (Severity.WARNING, "unit failure", "systemd reports the unit failed"),
        "restart": (Severity.INFO, "unit restarted", "systemd restarted the unit automatically"),
    }
    if not frame.empty:
        ev = frame[frame[COL_EVENT] != ""]
        for (node, unit, kind), group in ev.groupby([COL_NODE, COL_UNIT, COL_EVENT], sort=True):
            severity, title, why = kinds[str(kind)]
            last = group[COL_TIME].max()
            out.append(
                Finding(
                    severity=severity,
                    title=f"{title} in the {unit} journal of {node}",
                    what=f"{len(group)} line(s), last at {last:%Y-%m-%d %H:%M:%S} UTC: {why}. "
                    f"First line: {str(group[COL_MESSAGE].iloc[0])[:160]}",
                    where=f"node/{node}",
                    next_runbook="20-crio-containers" if kind in ("oom", "crashloop") else None,
                )
            )
        for row in error_bursts(frame, threshold=burst_threshold).itertuples(index=False):
            out.append(
                Finding(
                    severity=Severity.WARNING,
                    title=f"Error burst in the {row.unit} journal of {row.node}",
                    what=f"{row.errors} error lines in 10 minutes from "
                    f"{row.start:%Y-%m-%d %H:%M} UTC.",
                    where=f"node/{row.node}",
                )
            )
    unread = [j for j in report.journals if j.status in ("failed", "unparsed")]
    for j in unread:
        out.append(
            Finding(
                severity=Severity.INFO,
                title=f"Journal of {j.unit} on {j.node} could not be read",
                what=j.reason or j.status,
                where=f"node/{j.node}",
            )
        )
    return out
