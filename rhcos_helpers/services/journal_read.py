"""services.journal_read - the journal of node services, read from any source, per unit and node.

:func:`parse_journal_output` reads a ``journal_unit`` output in whatever form its source gave:
``journalctl -o json`` (a debug pod or SSH, the project's captures, the demos) through
:mod:`~rhcos_helpers.services.journal_json`, the short text forms (the node-logs API,
must-gather's ``host_service_logs``, a sos report's whole journal) through
:mod:`~rhcos_helpers.services.journal_text`. :func:`journal_window` reads one node's units in
time windows (the node-logs API's limits), :func:`collect` many nodes at once into a
:class:`JournalReport` with the entries as one table.

Examples:
    >>> from rhcos_helpers.sources import open_source
    >>> rep = collect(open_source("demo"), nodes=["worker-2"], units="kubelet,crio")
    >>> [(j.unit, j.status) for j in rep.journals]
    [('kubelet.service', 'ok'), ('crio.service', 'ok')]
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pandas as pd

from rhcos_helpers.catalogue import fact as catalogue_fact
from rhcos_helpers.errors import ParseError, UsageError
from rhcos_helpers.services.journal_json import _parse_json
from rhcos_helpers.services.journal_records import (
    COL_TIME,
    UNIT_IDENTIFIERS,
    JournalEntry,
    to_frame,
    unit_name,
)
from rhcos_helpers.services.journal_text import _header_reference, parse_journal_text
from rhcos_helpers.sources.base import NodeOutput, Source

__all__ = [
    "JournalReport",
    "UnitJournal",
    "collect",
    "journal_window",
    "parse_journal_output",
    "parse_since",
]


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

    JSON (``format == "json"``) through
    :func:`~rhcos_helpers.services.journal_json.parse_journal_json`, text through
    :func:`~rhcos_helpers.services.journal_text.parse_journal_text`; a sos report's whole journal
    (``journalctl_--no-pager``) is narrowed to the unit's identifiers
    (:data:`~rhcos_helpers.services.journal_records.UNIT_IDENTIFIERS`).

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
