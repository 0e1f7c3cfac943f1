"""node_os.time_sync - time synchronisation: ``chronyc tracking`` on every node.

Parser for ``chronyc -n tracking`` (sos: ``chronyc tracking``); :func:`chrony_frame` shows every
node's leap status, stratum, source and offset, and a clock that is not synchronised, or
:data:`CLOCK_WARNING_S` or more off its source, becomes a finding.

Sample ``chronyc -n tracking`` (RHCOS 4.16)::

    Reference ID    : A29FC87B (162.159.200.123)
    Stratum         : 3
    System time     : 0.000019311 seconds fast of NTP time
    Leap status     : Normal

Examples:
    >>> t = parse_chrony_tracking(CHRONY_416)
    >>> t.stratum, t.system_time_offset_s, t.synchronised
    (3, 1.9311e-05, True)
    >>> parse_chrony_tracking(CHRONY_UNSYNC).synchronised
    False
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from rhcos_helpers.errors import ParseError
from rhcos_helpers.findings import Finding, Severity
from rhcos_helpers.node_os.fleet import NodeFleet, parse_output

__all__ = [
    "CHRONY_COLUMNS",
    "ChronyTracking",
    "chrony_frame",
    "parse_chrony_tracking",
]

COL_NODE = "node"
COL_NOTE = "node output"
#: Clock offset (seconds) from which time sync gets a warning.
CLOCK_WARNING_S = 0.1


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


# ---------------------------------------------------------------------- table and findings


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
