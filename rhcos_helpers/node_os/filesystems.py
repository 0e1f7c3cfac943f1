"""node_os.filesystems - filesystem use: ``df`` on the node and the kubelet's own view.

Parsers for ``df -P -T -B1 / /var /var/lib/containers`` (live) and the ``df -al -x autofs`` a
sos report holds, and for the filesystems of the kubelet Summary API (``node.fs``,
``node.runtime.imageFs``, ``containerFs``); :func:`filesystems_frame` shows ``/``, ``/var`` and
the image storage per node beside the kubelet's ``nodefs`` and ``imagefs``, and filesystems
:data:`FS_WARNING_PCT` or more full become findings.

Examples:
    >>> [(r.mountpoint, r.use_pct) for r in parse_df(DF_416)][:2]
    [('/', 23), ('/var', 23)]
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from rhcos_helpers.errors import ParseError
from rhcos_helpers.findings import Finding, Severity
from rhcos_helpers.node_os.fleet import NodeFleet, parse_output

__all__ = [
    "FILESYSTEM_COLUMNS",
    "DfRow",
    "FsUse",
    "filesystems_frame",
    "parse_df",
    "parse_summary_filesystems",
]

COL_NODE = "node"
#: Use (percent) from which a filesystem gets a warning, and a critical finding.
FS_WARNING_PCT = 85
FS_CRITICAL_PCT = 95
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


# ---------------------------------------------------------------------- table and findings


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
