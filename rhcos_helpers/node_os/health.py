"""node_os.health - node health basics: pressure, filesystem use, OOM kills and restarts, time sync.

Parsers for ``df -P -T -B1 / /var /var/lib/containers`` (live) and the ``df -al -x autofs`` a
sos report holds, the filesystems of the kubelet Summary API (``node.fs``,
``node.runtime.imageFs``, ``containerFs``) and ``chronyc -n tracking`` (sos:
``chronyc tracking``); the journals of kubelet and CRI-O are read through
:mod:`rhcos_helpers.services.journal_read`, whose events (``oom``, ``crashloop``, ``failed``,
``restart``) this module counts per node. Pressure conditions come from the API.

Sample ``chronyc -n tracking`` (RHCOS 4.16)::

    Reference ID    : A29FC87B (162.159.200.123)
    Stratum         : 3
    System time     : 0.000019311 seconds fast of NTP time
    Leap status     : Normal

Examples:
    >>> [(r.mountpoint, r.use_pct) for r in parse_df(DF_416)][:2]
    [('/', 23), ('/var', 23)]
    >>> t = parse_chrony_tracking(CHRONY_416)
    >>> t.stratum, t.system_time_offset_s, t.synchronised
    (3, 1.9311e-05, True)
    >>> parse_chrony_tracking(CHRONY_UNSYNC).synchronised
    False
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from rhcos_helpers import services
from rhcos_helpers.errors import ParseError
from rhcos_helpers.findings import Finding, Severity
from rhcos_helpers.node_os.fleet import JOURNAL_SINCE, NodeFleet, parse_output
from rhcos_helpers.sources.base import Attempt

__all__ = [
    "CHRONY_COLUMNS",
    "FILESYSTEM_COLUMNS",
    "JOURNAL_COLUMNS",
    "PRESSURE_COLUMNS",
    "ChronyTracking",
    "DfRow",
    "FsUse",
    "chrony_frame",
    "filesystems_frame",
    "findings",
    "journal_events_frame",
    "journal_frame",
    "parse_chrony_tracking",
    "parse_df",
    "parse_summary_filesystems",
    "pressure_frame",
]

log = logging.getLogger(__name__)

COL_NODE = "node"
COL_NOTE = "node output"
#: Use (percent) from which a filesystem gets a warning, and a critical finding.
FS_WARNING_PCT = 85
FS_CRITICAL_PCT = 95
#: Clock offset (seconds) from which time sync gets a warning.
CLOCK_WARNING_S = 0.1
#: The paths whose filesystems runbook 10 shows, with what each holds.
_PATHS = {
    "/": "root (/)",
    "/var": "/var",
    "/var/lib/containers": "image storage (/var/lib/containers)",
}


# ---------------------------------------------------------------------- df


@dataclass(frozen=True)
class DfRow:
    """One ``df`` line, sizes in bytes.

    Attributes:
        filesystem: the source (``/dev/sda4``, ``overlay``, ``tmpfs``).
        fstype: ``xfs``, ``ext4``... (``""`` when df ran without ``-T``, as sos runs it).
        size_bytes: total size, or ``None`` for pseudo filesystems (``-``).
        used_bytes: used.
        available_bytes: available to unprivileged users.
        use_pct: df's own percentage (``Use%``/``Capacity``), or ``None``.
        mountpoint: where it is mounted.
    """

    filesystem: str
    fstype: str
    size_bytes: int | None
    used_bytes: int | None
    available_bytes: int | None
    use_pct: int | None
    mountpoint: str


_BLOCKS = re.compile(r"^(\d+)([KMGT]?)B?-blocks$", re.I)
_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}


def _blocks(header: str) -> int:
    match = _BLOCKS.match(header)
    if match is None:
        raise ParseError("df", f"size column {header!r} is not '<n>-blocks' (run df without -h)")
    return int(match.group(1)) * _UNITS[match.group(2).upper()]


def _num(value: str, scale: int, line: str) -> int | None:
    if value == "-":
        return None
    if not value.isdigit():
        raise ParseError("df", f"{value!r} is not a number", excerpt=line)
    return int(value) * scale


def parse_df(text: str) -> list[DfRow]:
    """Parse ``df`` with or without ``-T`` and ``-P``, in any ``<n>-blocks`` unit.

    Handles the live form (``df -P -T -B1 ...``: header ``1-blocks``, ``Capacity``) and the sos
    form (``df -al -x autofs``: ``1K-blocks``, ``Use%``, pseudo filesystems with ``-``); a
    source too long for its column may wrap onto its own line in the non-POSIX form.

    Raises:
        ParseError: no ``Filesystem`` header, human-readable sizes, a short or garbled row.

    Examples:
        >>> r = parse_df(DF_SOS_416)[8]
        >>> r.filesystem, r.fstype, r.size_bytes, r.mountpoint
        ('/dev/sda4', '', 254763810816, '/sysroot')
    """
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines or not lines[0].startswith("Filesystem"):
        raise ParseError("df", "no 'Filesystem' header line", excerpt=text)
    head = lines[0].split()
    has_type = len(head) > 1 and head[1] == "Type"
    scale = _blocks(head[2 if has_type else 1])
    width = 6 if has_type else 5  # fields before the mount point
    rows: list[DfRow] = []
    pending = ""
    for line in lines[1:]:
        parts = (pending + " " + line).split() if pending else line.split()
        if len(parts) == 1:
            pending = parts[0]  # a long source name wrapped onto its own line
            continue
        pending = ""
        if len(parts) < width + 1:
            raise ParseError("df", f"row with {len(parts)} fields", excerpt=line)
        pct = parts[width - 1].rstrip("%")
        if pct != "-" and not pct.isdigit():
            raise ParseError("df", f"{parts[width - 1]!r} is not a percentage", excerpt=line)
        rows.append(
            DfRow(
                filesystem=parts[0],
                fstype=parts[1] if has_type else "",
                size_bytes=_num(parts[width - 4], scale, line),
                used_bytes=_num(parts[width - 3], scale, line),
                available_bytes=_num(parts[width - 2], scale, line),
                use_pct=None if pct == "-" else int(pct),
                mountpoint=" ".join(parts[width:]),
            )
        )
    if pending:
        raise ParseError("df", "output ends inside a wrapped row (truncated?)", excerpt=pending)
    return rows


def _holding(rows: list[DfRow], path: str) -> DfRow | None:
    """The row whose mount point is the longest prefix of ``path`` (real filesystems only)."""
    best = None
    for r in rows:
        m = r.mountpoint
        if not r.size_bytes or r.filesystem in ("overlay", "shm", "tmpfs"):
            continue
        if path == m or path.startswith(m.rstrip("/") + "/"):
            if best is None or len(m) > len(best.mountpoint):
                best = r
    return best


# ---------------------------------------------------------------------- kubelet summary


@dataclass(frozen=True)
class FsUse:
    """A filesystem as the kubelet Summary API reports it.

    Attributes:
        name: ``nodefs`` (``node.fs``: the kubelet's root dir, /var on RHCOS), ``imagefs``
            (``node.runtime.imageFs``) or ``containerfs`` (``node.runtime.containerFs``).
        capacity_bytes: size.
        used_bytes: used.
        available_bytes: available.
        inodes: inodes.
        inodes_free: free inodes.
    """

    name: str
    capacity_bytes: int | None
    used_bytes: int | None
    available_bytes: int | None
    inodes: int | None = None
    inodes_free: int | None = None

    @property
    def use_pct(self) -> int | None:
        """Used share in percent (rounded up, as df does), or ``None``."""
        if not self.capacity_bytes or self.used_bytes is None:
            return None
        return -(-100 * self.used_bytes // self.capacity_bytes)


def _n(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def parse_summary_filesystems(text: str) -> list[FsUse]:
    """The node's filesystems from the kubelet Summary API (``stats/summary`` JSON).

    Raises:
        ParseError: empty, truncated or garbled output, or no ``node`` object.

    Examples:
        >>> [(f.name, f.use_pct) for f in parse_summary_filesystems(KUBELET_SUMMARY_129_JSON)]
        [('nodefs', 26), ('imagefs', 26), ('containerfs', 26)]
    """
    spec = "kubelet_stats_summary"
    if not text.strip():
        raise ParseError(spec, "empty output")
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ParseError(spec, f"not valid JSON (truncated?): {exc}", excerpt=text) from exc
    node = doc.get("node") if isinstance(doc, dict) else None
    if not isinstance(node, dict):
        raise ParseError(spec, "JSON without a 'node' object", excerpt=text)
    runtime_obj = node.get("runtime")
    runtime: dict[str, Any] = runtime_obj if isinstance(runtime_obj, dict) else {}
    out = []
    for name, fs in (
        ("nodefs", node.get("fs")),
        ("imagefs", runtime.get("imageFs")),
        ("containerfs", runtime.get("containerFs")),
    ):
        if isinstance(fs, dict):
            out.append(
                FsUse(
                    name,
                    _n(fs.get("capacityBytes")),
                    _n(fs.get("usedBytes")),
                    _n(fs.get("availableBytes")),
                    _n(fs.get("inodes")),
                    _n(fs.get("inodesFree")),
                )
            )
    return out


# ---------------------------------------------------------------------- chrony


@dataclass(frozen=True)
class ChronyTracking:
    """``chronyc tracking``.

    Attributes:
        reference: ``Reference ID`` (hex id and, in parentheses, the source address or name).
        stratum: ``Stratum`` (0 or 16: no source).
        system_time_offset_s: ``System time``, signed: positive when the clock is fast.
        last_offset_s: ``Last offset``.
        leap_status: ``Normal``, ``Insert second``, ``Delete second`` or ``Not synchronised``.
        raw: every field as written.
    """

    reference: str
    stratum: int
    system_time_offset_s: float | None
    last_offset_s: float | None
    leap_status: str
    raw: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def synchronised(self) -> bool:
        """True when chronyd follows a source (leap status not ``Not synchronised``, stratum 1-15)."""
        return self.leap_status != "Not synchronised" and 0 < self.stratum < 16


def _seconds(value: str) -> float | None:
    match = re.match(r"^([+-]?\d+(?:\.\d+)?) seconds?(?: (fast|slow))?", value)
    if match is None:
        return None
    number = float(match.group(1))
    return -number if match.group(2) == "slow" else number


def parse_chrony_tracking(text: str) -> ChronyTracking:
    """Parse ``chronyc [-n] tracking`` (``Key : value`` lines).

    Raises:
        ParseError: no ``Leap status`` or ``Stratum`` line, or a non-numeric stratum.
    """
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip():
            fields[key.strip()] = value.strip()
    if "Leap status" not in fields or "Stratum" not in fields:
        raise ParseError("chrony_tracking", "no 'Leap status' or 'Stratum' line", excerpt=text)
    if not fields["Stratum"].isdigit():
        raise ParseError("chrony_tracking", "stratum is not a number", excerpt=text)
    return ChronyTracking(
        reference=fields.get("Reference ID", ""),
        stratum=int(fields["Stratum"]),
        system_time_offset_s=_seconds(fields.get("System time", "")),
        last_offset_s=_seconds(fields.get("Last offset", "")),
        leap_status=fields["Leap status"],
        raw=fields,
    )


# ---------------------------------------------------------------------- frames


def _unwrap(fleet: NodeFleet | Attempt[NodeFleet]) -> NodeFleet | None:
    if isinstance(fleet, Attempt):
        return fleet.value
    return fleet


_PRESSURES = ("MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable")
PRESSURE_COLUMNS = [COL_NODE, "Ready", *_PRESSURES, "messages"]


def pressure_frame(fleet: NodeFleet) -> pd.DataFrame:
    """Ready and the pressure conditions of every node, from the API."""
    rows: list[dict[str, Any]] = []
    for node in fleet.nodes:
        obj = fleet.objects.get(node)
        if obj is None:
            rows.append({COL_NODE: node, "messages": "no Node object in this source"})
            continue
        conds = {c.get("type"): c for c in (obj.get("status") or {}).get("conditions") or []}
        row: dict[str, Any] = {COL_NODE: node}
        for kind in ("Ready", *_PRESSURES):
            row[kind] = str(conds.get(kind, {}).get("status", ""))
        row["messages"] = "; ".join(
            f"{k}: {conds[k].get('message', '')}"
            for k in _PRESSURES
            if conds.get(k, {}).get("status") == "True"
        )
        rows.append(row)
    return pd.DataFrame(rows, columns=PRESSURE_COLUMNS, dtype=object).fillna("")


FILESYSTEM_COLUMNS = [
    COL_NODE, "holds", "filesystem", "type", "size", "used", "available", "use %", "from",
]  # fmt: skip


def _gib(value: int | None) -> str:
    return "" if value is None else f"{value / 1024**3:,.1f} GiB"


def filesystems_frame(fleet: NodeFleet) -> pd.DataFrame:
    """/, /var and the image storage per node (df), and the kubelet's nodefs and imagefs."""
    rows: list[dict[str, Any]] = []
    for node in fleet.nodes:
        df = parse_output(fleet.output(node, "df"), parse_df)
        if df.value is not None:
            seen: dict[str, dict[str, Any]] = {}
            for path, label in _PATHS.items():
                r = _holding(df.value, path)
                if r is None:
                    continue
                if r.mountpoint in seen:
                    seen[r.mountpoint]["holds"] += f", {label}"
                    continue
                seen[r.mountpoint] = {
                    COL_NODE: node,
                    "holds": label if r.mountpoint == path else f"{label} on {r.mountpoint}",
                    "filesystem": r.filesystem,
                    "type": r.fstype,
                    "size": _gib(r.size_bytes),
                    "used": _gib(r.used_bytes),
                    "available": _gib(r.available_bytes),
                    "use %": r.use_pct,
                    "from": df.origin,
                }
            rows.extend(seen.values())
        else:
            rows.append({COL_NODE: node, "holds": "df", "from": df.note})
        summary = parse_output(
            fleet.output(node, "kubelet_stats_summary"), parse_summary_filesystems
        )
        if summary.value is not None:
            for fs in summary.value:
                rows.append(
                    {
                        COL_NODE: node,
                        "holds": f"kubelet {fs.name}",
                        "size": _gib(fs.capacity_bytes),
                        "used": _gib(fs.used_bytes),
                        "available": _gib(fs.available_bytes),
                        "use %": fs.use_pct,
                        "from": summary.origin,
                    }
                )
        else:
            rows.append({COL_NODE: node, "holds": "kubelet summary", "from": summary.note})
    frame = pd.DataFrame(rows, columns=FILESYSTEM_COLUMNS, dtype=object)
    frame["use %"] = frame["use %"].astype("Int64")
    return frame.fillna({c: "" for c in FILESYSTEM_COLUMNS if c != "use %"})


_UNITS_READ = ("kubelet", "crio")
JOURNAL_COLUMNS = [
    COL_NODE, "unit", "entries", "from (UTC)", "to (UTC)", "OOM", "CrashLoopBackOff",
    "unit failed", "unit restarted", "errors", COL_NOTE,
]  # fmt: skip


def _entries(
    fleet: NodeFleet, node: str, unit: str
) -> tuple[list[services.journal_records.JournalEntry], str]:
    """(entries, note); the note names the reason when there are none."""
    out = fleet.output(node, f"journal_unit.{unit}")
    if not out.ok:
        return [], f"{out.status}: {out.reason or 'no reason given'}"
    try:
        entries, note = services.journal_read.parse_journal_output(
            out, unit=unit, reference=fleet.now
        )
    except ParseError as exc:
        return [], f"unparsable: {exc}"
    return entries, "; ".join(p for p in (out.origin, note) if p)


def journal_frame(fleet: NodeFleet) -> pd.DataFrame:
    """Per node and unit (kubelet, CRI-O): OOM kills, crash loops, unit failures and restarts."""
    rows: list[dict[str, Any]] = []
    for node in fleet.nodes:
        for unit in _UNITS_READ:
            entries, note = _entries(fleet, node, unit)
            events = [e.event for e in entries]
            rows.append(
                {
                    COL_NODE: node,
                    "unit": unit,
                    "entries": len(entries),
                    "from (UTC)": min(e.time for e in entries).strftime("%Y-%m-%d %H:%M")
                    if entries
                    else "",
                    "to (UTC)": max(e.time for e in entries).strftime("%Y-%m-%d %H:%M")
                    if entries
                    else "",
                    "OOM": events.count("oom"),
                    "CrashLoopBackOff": events.count("crashloop"),
                    "unit failed": events.count("failed"),
                    "unit restarted": events.count("restart"),
                    "errors": sum(e.is_error for e in entries),
                    COL_NOTE: note,
                }
            )
    return pd.DataFrame(rows, columns=JOURNAL_COLUMNS)


def journal_events_frame(fleet: NodeFleet) -> pd.DataFrame:
    """The journal lines behind the counts: OOM, crash loops, unit failures and restarts."""
    rows = []
    for node in fleet.nodes:
        for unit in _UNITS_READ:
            for e in _entries(fleet, node, unit)[0]:
                if e.event:
                    rows.append(
                        {
                            COL_NODE: node,
                            "time (UTC)": e.time.strftime("%Y-%m-%d %H:%M:%S"),
                            "unit": unit,
                            "event": e.event,
                            "message": e.message[:300],
                        }
                    )
    return pd.DataFrame(rows, columns=[COL_NODE, "time (UTC)", "unit", "event", "message"])


CHRONY_COLUMNS = [
    COL_NODE, "synchronised", "leap status", "stratum", "reference", "system time offset (s)",
    "last offset (s)", COL_NOTE,
]  # fmt: skip


def chrony_frame(fleet: NodeFleet) -> pd.DataFrame:
    """Time synchronisation of every node (``chronyc tracking``)."""
    rows: list[dict[str, Any]] = []
    for node in fleet.nodes:
        ct = parse_output(fleet.output(node, "chrony_tracking"), parse_chrony_tracking)
        t = ct.value
        if t is None:
            rows.append({COL_NODE: node, COL_NOTE: ct.note})
            continue
        rows.append(
            {
                COL_NODE: node,
                "synchronised": "yes" if t.synchronised else "NO",
                "leap status": t.leap_status,
                "stratum": t.stratum,
                "reference": t.reference,
                "system time offset (s)": t.system_time_offset_s,
                "last offset (s)": t.last_offset_s,
                COL_NOTE: ct.origin,
            }
        )
    return pd.DataFrame(rows, columns=CHRONY_COLUMNS, dtype=object).fillna("")


# ---------------------------------------------------------------------- findings


def findings(fleet: NodeFleet | Attempt[NodeFleet]) -> list[Finding]:
    """Pressure, full filesystems, OOM kills, crash loops, unit failures, unsynchronised clocks."""
    f = _unwrap(fleet)
    if f is None:
        return []
    out: list[Finding] = []
    out.extend(_pressure_findings(pressure_frame(f)))
    out.extend(_fs_findings(filesystems_frame(f)))
    out.extend(_journal_findings(journal_frame(f)))
    out.extend(_chrony_findings(f))
    return out


def _pressure_findings(frame: pd.DataFrame) -> Iterable[Finding]:
    for rec in frame.to_dict("records"):
        true = [k for k in _PRESSURES if rec.get(k) == "True"]
        if true:
            yield Finding(
                Severity.WARNING,
                f"Node {rec[COL_NODE]} reports {', '.join(true)}",
                f"The kubelet evicts pods and refuses new ones under pressure. {rec['messages']}",
                f"node/{rec[COL_NODE]}",
                "20-crio-containers",
            )


def _fs_findings(frame: pd.DataFrame) -> Iterable[Finding]:
    for rec in frame.to_dict("records"):
        pct = rec["use %"]
        if pct is pd.NA or pct in ("", None) or int(pct) < FS_WARNING_PCT:
            continue
        yield Finding(
            Severity.CRITICAL if int(pct) >= FS_CRITICAL_PCT else Severity.WARNING,
            f"Node {rec[COL_NODE]}: {rec['holds']} is {int(pct)}% full",
            "The kubelet garbage-collects images and then evicts pods when the image or node "
            f"filesystem runs low (defaults: imagefs.available<15%, nodefs.available<10%). "
            f"From {rec['from']}.",
            f"node/{rec[COL_NODE]}",
            "20-crio-containers",
        )


def _journal_findings(frame: pd.DataFrame) -> Iterable[Finding]:
    for rec in frame.to_dict("records"):
        node, unit = rec[COL_NODE], rec["unit"]
        where = f"node/{node}"
        if rec["OOM"]:
            yield Finding(
                Severity.WARNING,
                f"Node {node}: {rec['OOM']} OOM kill line(s) in the {unit} journal",
                f"Processes were killed for memory between {rec['from (UTC)']} and "
                f"{rec['to (UTC)']} (window {JOURNAL_SINCE}); see which containers.",
                where,
                "20-crio-containers",
            )
        if rec["CrashLoopBackOff"]:
            yield Finding(
                Severity.INFO,
                f"Node {node}: {rec['CrashLoopBackOff']} CrashLoopBackOff line(s) in the {unit} "
                "journal",
                "A container keeps failing and the kubelet backs off restarting it.",
                where,
                "20-crio-containers",
            )
        if rec["unit failed"] or rec["unit restarted"]:
            yield Finding(
                Severity.WARNING,
                f"Node {node}: {unit} failed {rec['unit failed']} time(s), restarted "
                f"{rec['unit restarted']} time(s)",
                f"systemd reported the {unit} service failing or being restarted in the window.",
                where,
                "30-node-services",
            )


def _chrony_findings(fleet: NodeFleet) -> Iterable[Finding]:
    for node in fleet.nodes:
        t = parse_output(fleet.output(node, "chrony_tracking"), parse_chrony_tracking).value
        if t is None:
            continue
        if not t.synchronised:
            yield Finding(
                Severity.CRITICAL,
                f"Node {node}: the clock is not synchronised (chrony: {t.leap_status})",
                "etcd, certificates and logs need synchronised clocks; check chronyd and the "
                "NTP sources the MachineConfigs set.",
                f"node/{node}",
                "30-node-services",
            )
        elif t.system_time_offset_s is not None and abs(t.system_time_offset_s) >= CLOCK_WARNING_S:
            yield Finding(
                Severity.WARNING,
                f"Node {node}: the clock is {t.system_time_offset_s:+.3f} s off NTP time",
                "chronyd is synchronised but far from its source; it slews slowly.",
                f"node/{node}",
                "30-node-services",
            )
