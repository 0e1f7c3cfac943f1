"""services.journal_text - journalctl's short text forms (node-logs API, must-gather, sos reports).

* the node-logs API (``/api/v1/nodes/<node>/proxy/logs/journal?unit=...``): the kubelet runs
  ``journalctl --utc --no-pager --output=short-precise --unit=<u> [--since/--until]``, so lines
  are ``Nov 20 09:20:01.234567 worker-0 crio[2291]: msg``.
* must-gather's ``host_service_logs/masters/<unit>_service.log`` (``oc adm node-logs`` output,
  masters only) and sos reports' ``sos_commands/logs/journalctl_--no-pager`` (the whole journal,
  local time, ``-- Logs begin at ... --`` header in older systemd): the same short form, with or
  without microseconds.

:func:`parse_journal_text` reads them all into
:class:`~rhcos_helpers.services.journal_records.JournalEntry` records; the short forms print no
year and no priority.

Examples:
    >>> e = parse_journal_text(
    ...     "Nov 20 09:20:01.234567 worker-0 kubenswrapper[2291]: "
    ...     "W0415 12:40:18.037168       1 mount_helper_common.go:142] Warning: not a mountpoint",
    ...     year=2024)[0]
    >>> e.time.isoformat(), e.host, e.pid, e.priority, e.level, e.level_from
    ('2024-11-20T09:20:01.234567+00:00', 'worker-0', 2291, None, 'warning', 'message')
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from rhcos_helpers.errors import ParseError, UsageError
from rhcos_helpers.services.journal_records import (
    JournalEntry,
    _effective,
    classify_event,
    unit_name,
)

__all__ = ["parse_journal_text"]

log = logging.getLogger(__name__)


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
    logged. There is no priority: the level
    (:attr:`~rhcos_helpers.services.journal_records.JournalEntry.level`) comes from the message
    or is ``"unknown"``.

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
