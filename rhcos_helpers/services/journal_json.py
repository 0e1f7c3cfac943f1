"""services.journal_json - command ``journalctl -o json``: journal entries, or a DataFrame directly.

The form a debug pod or SSH reads, and the one the project's captures and the demos hold: one
JSON object per line, every value a string (``__REALTIME_TIMESTAMP`` in microseconds,
``PRIORITY`` ``"0"``..``"7"``); a value that is not valid UTF-8 comes as an array of byte
values, a field present twice as an array of values, and a field over 4096 bytes as ``null``
(journalctl's data threshold). :func:`parse_journal_json` returns
:class:`~rhcos_helpers.services.journal_records.JournalEntry` records; :func:`journal_frame` is
the fast path for big exports (straight to a DataFrame).

Sample (``journalctl -o json``, systemd 219, a unit start logged by systemd itself; in
``tests/data/commands/journal_unit/``)::

    { "__REALTIME_TIMESTAMP" : "1422990364739502", "PRIORITY" : "6", "_HOSTNAME" : "desktop",
      "SYSLOG_IDENTIFIER" : "systemd", "_PID" : "1", "UNIT" : "nginx.service",
      "MESSAGE" : "Starting A high performance web server and a reverse proxy server...", ... }

Examples:
    >>> e = parse_journal_json(JOURNAL_JSON_219)[0]
    >>> e.time.isoformat(), e.unit, e.identifier, e.pid, e.priority, e.level
    ('2015-02-03T19:06:04.739502+00:00', 'nginx.service', 'systemd', 1, 6, 'info')
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd

from rhcos_helpers.errors import ParseError
from rhcos_helpers.services.journal_records import (
    COL_EVENT,
    COL_HOST,
    COL_IDENTIFIER,
    COL_LEVEL,
    COL_LEVEL_FROM,
    COL_MESSAGE,
    COL_NODE,
    COL_PID,
    COL_PRIORITY,
    COL_TIME,
    COL_UNIT,
    COLUMNS,
    LEVELS,
    JournalEntry,
    _effective,
    classify_event,
)

__all__ = ["journal_frame", "parse_journal_json"]

log = logging.getLogger(__name__)


#: Timestamps past pandas' range (2262-04-11) are garbage, not journal entries.
_MAX_USEC = 9_223_372_036_854_775


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
