"""node_access.packet_capture - tcpdump on a node through a toolbox pod, and a pcap summary.

:func:`capture_packets` is opt-in only (``confirm=True``, a live source, never in a scheduled
run). It starts one privileged pod with host network on the node (the pod of
:class:`~rhcos_helpers.node_access.debug_pod.DebugPodRunner`: ``oc debug node/X``'s pod, its
image from the ``image`` parameter, else the ``openshift/tools`` image stream tag, else
``registry.redhat.io/rhel9/support-tools``), and execs in the toolbox container itself (not
``chroot /host``) one argv, never ``sh -c``::

    timeout --signal=INT --kill-after=5 N tcpdump -i IFACE -w - -U [-c M] [-- FILTER WORDS]

The pcap comes back as the exec's stdout, read in binary mode (``stream(..., binary=True)``:
the client's default decodes every frame as UTF-8 with replacement characters, which would
corrupt the capture), and streams straight into ``out_dir/<node>-<UTC time>.pcap``, created
with mode 0600 (a directory holding a report index is refused: payloads can hold
credentials, so the pcap is never embedded in nor linked from a shared report). The pod and
its temporary namespace are removed on every path (success, error, timeout,
``KeyboardInterrupt``).

:func:`parse_pcap` is a pure-Python reader of the classic libpcap format (both byte orders,
microsecond and nanosecond magic; link types Ethernet 1, raw IP 101, Linux cooked SLL 113 and
SLL2 276, which ``-i any`` produces) that summarises IPv4/IPv6 traffic: protocols, top talkers
and service ports, as tables (:meth:`PcapSummary.to_frames`).

Examples:
    >>> capture_argv(interface="br-ex", seconds=10, packets=None, bpf_filter="tcp port 6443")
    ('timeout', '--signal=INT', '--kill-after=5', '10', 'tcpdump', '-i', 'br-ex', '-w', '-', '-U', '--', 'tcp', 'port', '6443')
    >>> import struct
    >>> header = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1)
    >>> parse_pcap(header).packets
    0
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
import shlex
import struct
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from rhcos_helpers.errors import ParseError, RhcosHelpersError, UsageError

if TYPE_CHECKING:
    import pandas as pd

    from rhcos_helpers.node_access.debug_pod import DebugPodRunner, _Pod
    from rhcos_helpers.sources.base import Source

__all__ = [
    "LINK_TYPES",
    "CaptureError",
    "CaptureRefused",
    "PacketCapture",
    "PcapSummary",
    "capture_argv",
    "capture_packets",
    "capture_refusal",
    "parse_pcap",
]

log = logging.getLogger(__name__)

#: Link types :func:`parse_pcap` decodes (``LINKTYPE_*`` values of the pcap format).
LINK_TYPES: Mapping[int, str] = {
    1: "Ethernet",
    101: "raw IP",
    113: "Linux cooked (SLL)",
    276: "Linux cooked v2 (SLL2)",
}
#: libpcap's MAXIMUM_SNAPLEN: no record of a sane capture is longer.
MAX_SNAPLEN = 262144
#: Longest ``seconds`` accepted.
MAX_SECONDS = 3600
#: Bound of a capture limited by ``packets`` only (``seconds=None``).
PACKETS_ONLY_SECONDS = 300
#: Most packets accepted for ``packets``.
MAX_PACKETS = 10_000_000
#: Default cap of the pcap size; the capture stops there (the last record may be cut).
DEFAULT_MAX_BYTES = 512 * 1024 * 1024

_MAGIC: Mapping[bytes, tuple[Literal["little", "big"], bool]] = {
    b"\xd4\xc3\xb2\xa1": ("little", False),
    b"\xa1\xb2\xc3\xd4": ("big", False),
    b"\x4d\x3c\xb2\xa1": ("little", True),
    b"\xa1\xb2\x3c\x4d": ("big", True),
}
_PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"
_ETHERTYPES: Mapping[int, str] = {
    0x0800: "IPv4",
    0x86DD: "IPv6",
    0x0806: "ARP",
    0x8035: "RARP",
    0x88CC: "LLDP",
    0x8847: "MPLS",
    0x888E: "EAPOL",
}
_VLAN_TAGS = frozenset({0x8100, 0x88A8, 0x9100})
_IP_PROTOCOLS: Mapping[int, str] = {
    1: "ICMP",
    2: "IGMP",
    6: "TCP",
    17: "UDP",
    47: "GRE",
    50: "ESP",
    58: "ICMPv6",
    89: "OSPF",
    112: "VRRP",
    132: "SCTP",
}
_PORTED = frozenset({6, 17, 132})  # TCP, UDP, SCTP: ports in the first 4 bytes
_IPV6_EXTENSIONS = frozenset({0, 43, 44, 51, 60})
_ARPHRD_NETLINK = 824

# Linux IFNAMSIZ is 16 (15 characters); "any" is tcpdump's pseudo-device.
_INTERFACE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:@-]{0,14}")
# pcap-filter(7) syntax: words, numbers, addresses, nets, [] () arithmetic and comparisons.
_FILTER_CHARS = re.compile(r"[A-Za-z0-9 \t._:/!&|()<>=\[\]+*%^,-]*")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_KERNEL_DROPS = re.compile(r"(\d+) packets? dropped by kernel")
_OK_EXIT_CODES = {0: "", 124: "stopped at the time limit", 137: "tcpdump ignored SIGINT; killed"}
_STDERR_KEEP = 64 * 1024


class CaptureRefused(UsageError):
    """A packet capture that may not run: not confirmed, not live, scheduled, or bad output."""


class CaptureError(RhcosHelpersError):
    """A packet capture that ran and failed: no pod, tcpdump failed, nothing usable came back."""


# ------------------------------------------------------------------------------ pcap summary


@dataclass(frozen=True)
class PcapSummary:
    """What a pcap holds, per protocol, talker pair and service port.

    Counts are ``(packets, bytes)``; bytes are lengths on the wire (``orig_len``).

    Attributes:
        link_type: the pcap's link type (``LINKTYPE_*``).
        byte_order: ``little`` or ``big``: the byte order of the file's headers.
        nanoseconds: timestamps in nanoseconds (magic ``0xa1b23c4d``) rather than microseconds.
        snaplen: the capture's snapshot length.
        packets: records in the file.
        wire_bytes: sum of the packets' lengths on the wire.
        captured_bytes: sum of the captured lengths (smaller when the snaplen cut packets).
        first: timestamp of the first packet (UTC), ``None`` without packets.
        last: timestamp of the last packet (UTC), ``None`` without packets.
        protocols: ``(network, transport)`` -> counts, e.g. ``("IPv4", "TCP")``, ``("ARP", "")``.
        talkers: ``(source IP, destination IP)`` -> counts, IP packets only.
        ports: ``(transport, service port)`` -> counts; the service port of a packet is the
            lower of its two ports (clients use high ephemeral ports).
        cut_frames: packets captured shorter than on the wire (snaplen).
        undecoded: packets whose headers could not be decoded (counted as ``malformed``).
        truncated: the file ends inside a record (read with ``allow_truncated=True``).
    """

    link_type: int
    byte_order: Literal["little", "big"]
    nanoseconds: bool
    snaplen: int
    packets: int = 0
    wire_bytes: int = 0
    captured_bytes: int = 0
    first: datetime | None = None
    last: datetime | None = None
    protocols: Mapping[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    talkers: Mapping[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    ports: Mapping[tuple[str, int], tuple[int, int]] = field(default_factory=dict)
    cut_frames: int = 0
    undecoded: int = 0
    truncated: bool = False

    @property
    def link_type_name(self) -> str:
        """The link type's name, e.g. ``Linux cooked v2 (SLL2)``."""
        return LINK_TYPES.get(self.link_type, f"link type {self.link_type}")

    @property
    def duration(self) -> float:
        """Seconds from the first to the last packet (0 for fewer than two)."""
        if self.first is None or self.last is None:
            return 0.0
        return max(0.0, (self.last - self.first).total_seconds())

    def to_frames(self, *, top: int = 10) -> dict[str, pd.DataFrame]:
        """The summary as tables: ``overview``, ``protocols``, ``talkers`` and ``ports``.

        Args:
            top: rows kept in ``talkers`` and ``ports`` (the most bytes first).
        """
        import pandas as pd

        overview = pd.DataFrame(
            [
                ("link type", self.link_type_name),
                ("packets", self.packets),
                ("bytes on the wire", self.wire_bytes),
                ("bytes captured", self.captured_bytes),
                ("first packet (UTC)", _iso(self.first)),
                ("last packet (UTC)", _iso(self.last)),
                ("duration (s)", round(self.duration, 6)),
                ("packets cut by the snaplen", self.cut_frames),
                ("packets not decoded", self.undecoded),
                ("file cut inside a record", self.truncated),
            ],
            columns=["field", "value"],
            dtype=object,
        )
        protocols = pd.DataFrame(
            [(n, t, p, b) for (n, t), (p, b) in _by_bytes(self.protocols)],
            columns=["network", "transport", "packets", "bytes"],
        )
        talkers = pd.DataFrame(
            [(s, d, p, b) for (s, d), (p, b) in _by_bytes(self.talkers)[:top]],
            columns=["source", "destination", "packets", "bytes"],
        )
        ports = pd.DataFrame(
            [(t, port, p, b) for (t, port), (p, b) in _by_bytes(self.ports)[:top]],
            columns=["transport", "port", "packets", "bytes"],
        )
        return {"overview": overview, "protocols": protocols, "talkers": talkers, "ports": ports}


def parse_pcap(data: bytes, *, allow_truncated: bool = False) -> PcapSummary:
    """Summarise a classic libpcap file (not pcapng).

    Args:
        data: the whole file.
        allow_truncated: accept a file that ends inside a record (a capture stopped by a size
            limit or a kill); the cut record is left out and ``truncated`` is set.

    Raises:
        ParseError: not a classic pcap (magic, version), a link type not in
            :data:`LINK_TYPES`, a record header that cannot be real (fraction of a second out
            of range, captured length above the snaplen or the wire length), or a file that
            ends inside a record (unless ``allow_truncated``).

    Examples:
        >>> parse_pcap(b"not a pcap at all, just text")
        Traceback (most recent call last):
        ...
        rhcos_helpers.errors.ParseError: pcap: not a classic pcap file (magic 6e6f7420) (input starts: '6e6f742061207063617020617420616c')
    """
    data = bytes(data)
    excerpt = data[:16].hex()
    if len(data) < 24:
        raise ParseError(
            "pcap", f"{len(data)} bytes, shorter than the 24-byte global header", excerpt=excerpt
        )
    magic = data[:4]
    if magic == _PCAPNG_MAGIC:
        raise ParseError(
            "pcap", "a pcapng file; only classic pcap is read (tcpdump -w writes it)",
            excerpt=excerpt,
        )  # fmt: skip
    if magic not in _MAGIC:
        raise ParseError("pcap", f"not a classic pcap file (magic {magic.hex()})", excerpt=excerpt)
    byte_order, nanoseconds = _MAGIC[magic]
    end = "<" if byte_order == "little" else ">"
    major, minor, _zone, _sigfigs, snaplen, network = struct.unpack(end + "HHiIII", data[4:24])
    if major != 2:
        raise ParseError("pcap", f"format version {major}.{minor}, expected 2.x", excerpt=excerpt)
    link_type = network & 0x0FFFFFFF  # the upper bits may carry FCS information
    if link_type not in LINK_TYPES:
        supported = ", ".join(f"{v} ({k})" for k, v in LINK_TYPES.items())
        raise ParseError(
            "pcap", f"link type {link_type} is not decoded (supported: {supported})",
            excerpt=excerpt,
        )  # fmt: skip
    record = struct.Struct(end + "IIII")
    fraction = 1_000_000_000 if nanoseconds else 1_000_000
    limit = max(snaplen, MAX_SNAPLEN)
    tally = _Tally()
    first = last = None
    truncated = False
    offset, size = 24, len(data)
    index = 0
    while offset < size:
        if size - offset < 16:
            if allow_truncated:
                truncated = True
                break
            raise ParseError(
                "pcap", f"file ends inside the header of record {index + 1} (offset {offset})",
                excerpt=excerpt,
            )  # fmt: skip
        ts_sec, ts_frac, incl_len, orig_len = record.unpack_from(data, offset)
        where = f"record {index + 1} (offset {offset})"
        if ts_frac >= fraction:
            raise ParseError(
                "pcap", f"{where}: fraction of a second {ts_frac} out of range", excerpt=excerpt
            )
        if incl_len > limit:
            raise ParseError(
                "pcap", f"{where}: captured length {incl_len} above the snaplen {limit}",
                excerpt=excerpt,
            )  # fmt: skip
        if incl_len > orig_len:
            raise ParseError(
                "pcap", f"{where}: captured length {incl_len} above the wire length {orig_len}",
                excerpt=excerpt,
            )  # fmt: skip
        start = offset + 16
        if start + incl_len > size:
            if allow_truncated:
                truncated = True
                break
            raise ParseError(
                "pcap", f"{where}: file ends {start + incl_len - size} bytes before its end",
                excerpt=excerpt,
            )  # fmt: skip
        stamp = ts_sec + ts_frac / fraction
        if first is None:
            first = stamp
        last = stamp
        tally.add(link_type, data[start : start + incl_len], orig_len)
        offset = start + incl_len
        index += 1
    return PcapSummary(
        link_type=link_type,
        byte_order=byte_order,
        nanoseconds=nanoseconds,
        snaplen=snaplen,
        packets=index,
        wire_bytes=tally.wire_bytes,
        captured_bytes=tally.captured_bytes,
        first=None if first is None else datetime.fromtimestamp(first, UTC),
        last=None if last is None else datetime.fromtimestamp(last, UTC),
        protocols=_frozen(tally.protocols),
        talkers=_frozen(tally.talkers),
        ports=_frozen(tally.ports),
        cut_frames=tally.cut_frames,
        undecoded=tally.undecoded,
        truncated=truncated,
    )


@dataclass
class _Tally:
    wire_bytes: int = 0
    captured_bytes: int = 0
    cut_frames: int = 0
    undecoded: int = 0
    protocols: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    talkers: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    ports: dict[tuple[str, int], list[int]] = field(default_factory=dict)

    def add(self, link_type: int, frame: bytes, wire: int) -> None:
        self.wire_bytes += wire
        self.captured_bytes += len(frame)
        if len(frame) < wire:
            self.cut_frames += 1
        network, transport, src, dst, ports = _decode(link_type, frame)
        if network == "malformed":
            self.undecoded += 1
        _count(self.protocols, (network, transport), wire)
        if src is not None and dst is not None:
            _count(self.talkers, (src, dst), wire)
        if ports is not None:
            _count(self.ports, (transport, min(ports)), wire)


_Decoded = tuple[str, str, str | None, str | None, tuple[int, int] | None]
_MALFORMED: _Decoded = ("malformed", "", None, None, None)


def _decode(link_type: int, frame: bytes) -> _Decoded:
    """(network, transport, source IP, destination IP, ports) of one frame."""
    if link_type == 1:  # Ethernet: dst, src, ethertype; 802.1Q/802.1ad tags skipped
        if len(frame) < 14:
            return _MALFORMED
        ethertype, offset = _u16(frame, 12), 14
        while ethertype in _VLAN_TAGS:
            if len(frame) < offset + 4:
                return _MALFORMED
            ethertype, offset = _u16(frame, offset + 2), offset + 4
        if ethertype <= 1500:  # an 802.3 length field: LLC follows
            return ("802.3/LLC", "", None, None, None)
        return _network(ethertype, frame[offset:])
    if link_type == 113:  # SLL: type, ARPHRD, address length, address[8], protocol
        if len(frame) < 16:
            return _MALFORMED
        return _cooked(_u16(frame, 2), _u16(frame, 14), frame[16:])
    if link_type == 276:  # SLL2: protocol, reserved, ifindex, ARPHRD, type, addr len, addr[8]
        if len(frame) < 20:
            return _MALFORMED
        return _cooked(_u16(frame, 8), _u16(frame, 0), frame[20:])
    if link_type == 101 and frame:  # raw IP: the version nibble tells which
        version = frame[0] >> 4
        if version in (4, 6):
            return _network(0x0800 if version == 4 else 0x86DD, frame)
    return _MALFORMED


def _cooked(hatype: int, protocol: int, payload: bytes) -> _Decoded:
    if hatype == _ARPHRD_NETLINK:
        return ("netlink", "", None, None, None)
    if protocol in (0x0001, 0x0004):  # Novell 802.3 / 802.2 LLC frames
        return ("802.3/LLC", "", None, None, None)
    return _network(protocol, payload)


def _network(ethertype: int, packet: bytes) -> _Decoded:
    if ethertype == 0x0800:
        return _ipv4(packet)
    if ethertype == 0x86DD:
        return _ipv6(packet)
    return (_ETHERTYPES.get(ethertype, f"ethertype 0x{ethertype:04x}"), "", None, None, None)


def _ipv4(packet: bytes) -> _Decoded:
    if len(packet) < 20 or packet[0] >> 4 != 4:
        return _MALFORMED
    ihl = (packet[0] & 0x0F) * 4
    if ihl < 20 or len(packet) < ihl:
        return _MALFORMED
    proto = packet[9]
    src = str(ipaddress.IPv4Address(packet[12:16]))
    dst = str(ipaddress.IPv4Address(packet[16:20]))
    later_fragment = _u16(packet, 6) & 0x1FFF != 0
    return ("IPv4", *_transport(proto, packet[ihl:], later_fragment, src, dst))


def _ipv6(packet: bytes) -> _Decoded:
    if len(packet) < 40 or packet[0] >> 4 != 6:
        return _MALFORMED
    src = str(ipaddress.IPv6Address(packet[8:24]))
    dst = str(ipaddress.IPv6Address(packet[24:40]))
    next_header, offset, later_fragment = packet[6], 40, False
    for _ in range(8):  # extension headers, a bounded chain
        if next_header not in _IPV6_EXTENSIONS or later_fragment:
            break
        if len(packet) < offset + 8:
            return ("IPv6", "extension headers cut", src, dst, None)
        current = next_header
        next_header = packet[offset]
        if current == 44:  # fragment header: 8 bytes, offset in the upper 13 bits
            later_fragment = _u16(packet, offset + 2) >> 3 != 0
            offset += 8
        elif current == 51:  # AH: length in 4-byte units minus 2
            offset += (packet[offset + 1] + 2) * 4
        else:
            offset += (packet[offset + 1] + 1) * 8
    return ("IPv6", *_transport(next_header, packet[offset:], later_fragment, src, dst))


def _transport(
    proto: int, segment: bytes, later_fragment: bool, src: str, dst: str
) -> tuple[str, str, str, tuple[int, int] | None]:
    name = _IP_PROTOCOLS.get(proto, f"IP protocol {proto}")
    if proto in _PORTED and not later_fragment and len(segment) >= 4:
        return name, src, dst, (_u16(segment, 0), _u16(segment, 2))
    return name, src, dst, None


def _u16(data: bytes, offset: int) -> int:
    return (data[offset] << 8) | data[offset + 1]


def _count(table: dict[Any, list[int]], key: Any, wire: int) -> None:
    entry = table.setdefault(key, [0, 0])
    entry[0] += 1
    entry[1] += wire


def _frozen(table: Mapping[Any, list[int]]) -> dict[Any, tuple[int, int]]:
    return {k: (v[0], v[1]) for k, v in table.items()}


def _by_bytes(table: Mapping[Any, tuple[int, int]]) -> list[tuple[Any, tuple[int, int]]]:
    return sorted(table.items(), key=lambda kv: (-kv[1][1], -kv[1][0], str(kv[0])))


def _iso(value: datetime | None) -> str:
    return "" if value is None else value.isoformat(timespec="microseconds")


# ------------------------------------------------------------------------------ the capture


@dataclass(frozen=True)
class PacketCapture:
    """A finished capture: where the pcap is (local only) and what it holds.

    ``path`` is for the person running the capture; :meth:`to_frames` leaves it out, and no
    report embeds or links the pcap (payloads can hold credentials).

    Attributes:
        node: the node captured on.
        interface: the interface (``any``: all of them, Linux cooked headers).
        bpf_filter: the capture filter as given.
        argv: the command run in the toolbox container.
        path: the pcap file (mode 0600).
        size: bytes in the file.
        summary: what the pcap holds.
        started_at: when the capture started (UTC).
        image: the toolbox image.
        pod: ``namespace/name`` of the toolbox pod (removed since).
        exit_code: the exit code of ``timeout`` (124: the time limit was reached).
        kernel_dropped: packets the kernel dropped, from tcpdump's last lines, when given.
        notes: what the reader must know (time limit, size limit, cut last record).
        stderr: tcpdump's messages (the first 64 KiB).
    """

    node: str
    interface: str
    bpf_filter: str
    argv: tuple[str, ...]
    path: Path
    size: int
    summary: PcapSummary
    started_at: datetime
    image: str
    pod: str
    exit_code: int | None
    kernel_dropped: int | None = None
    notes: tuple[str, ...] = ()
    stderr: str = ""

    def to_frames(self, *, top: int = 10) -> dict[str, pd.DataFrame]:
        """The summary tables of :meth:`PcapSummary.to_frames`, with the capture's settings.

        The ``overview`` table starts with node, interface, filter and start time; the pcap's
        path is not in any table.
        """
        import pandas as pd

        frames = self.summary.to_frames(top=top)
        head = pd.DataFrame(
            [
                ("node", self.node),
                ("interface", self.interface),
                ("filter", self.bpf_filter or "(none)"),
                ("started (UTC)", _iso(self.started_at)),
                ("packets dropped by the kernel", "" if self.kernel_dropped is None
                 else self.kernel_dropped),
                ("notes", "; ".join(self.notes)),
            ],
            columns=["field", "value"],
            dtype=object,
        )  # fmt: skip
        frames["overview"] = pd.concat([head, frames["overview"]], ignore_index=True)
        return frames


def capture_argv(
    *, interface: str, seconds: int | None, packets: int | None, bpf_filter: str
) -> tuple[str, ...]:
    """The argv run in the toolbox container, after checking every parameter.

    Filter words become separate arguments after ``--`` (tcpdump joins them with spaces), so
    no filter word can be read as an option; no shell ever sees them.

    Raises:
        UsageError: an interface name Linux would not accept, a filter with characters outside
            pcap-filter syntax, or bounds out of range (at least one of ``seconds`` and
            ``packets``; ``seconds`` alone is capped by :data:`PACKETS_ONLY_SECONDS`).

    Examples:
        >>> capture_argv(interface="any", seconds=None, packets=100, bpf_filter="")
        ('timeout', '--signal=INT', '--kill-after=5', '300', 'tcpdump', '-i', 'any', '-w', '-', '-U', '-c', '100')
        >>> capture_argv(interface="-w/etc/x", seconds=5, packets=None, bpf_filter="")
        Traceback (most recent call last):
        ...
        rhcos_helpers.errors.UsageError: interface '-w/etc/x' is not an interface name (up to 15 of A-Z a-z 0-9 _ . : @ -, not starting with - or .); list them with `ip -br link` on the node, or use "any"
    """
    if not isinstance(interface, str) or not _INTERFACE.fullmatch(interface):
        raise UsageError(
            f"interface {interface!r} is not an interface name (up to 15 of A-Z a-z 0-9 _ . : "
            '@ -, not starting with - or .); list them with `ip -br link` on the node, or use "any"'
        )
    bound = _bound(seconds, packets)
    if not isinstance(bpf_filter, str) or len(bpf_filter) > 1024:
        raise UsageError("bpf_filter must be a string of at most 1024 characters")
    if not _FILTER_CHARS.fullmatch(bpf_filter):
        bad = sorted({c for c in bpf_filter if not _FILTER_CHARS.fullmatch(c)})
        raise UsageError(
            f"bpf_filter {bpf_filter!r} has characters outside pcap-filter syntax: "
            f"{' '.join(repr(c) for c in bad)}; use words, numbers, addresses and "
            "()[]!&|<>=+-*/%^:., (see `man pcap-filter`)"
        )
    argv = ["timeout", "--signal=INT", "--kill-after=5", str(bound)]
    argv += ["tcpdump", "-i", interface, "-w", "-", "-U"]
    if packets is not None:
        argv += ["-c", str(packets)]
    words = bpf_filter.split()
    if words:
        argv += ["--", *words]
    return tuple(argv)


def _bound(seconds: int | None, packets: int | None) -> int:
    """Seconds the capture may run; checks ``seconds`` and ``packets``."""
    for name, value, top in (("seconds", seconds, MAX_SECONDS), ("packets", packets, MAX_PACKETS)):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= top
        ):
            raise UsageError(f"{name}={value!r}: give a whole number from 1 to {top}, or None")
    if seconds is None and packets is None:
        raise UsageError(
            "seconds=None and packets=None would capture without end; give seconds, packets or both"
        )
    return seconds if seconds is not None else PACKETS_ONLY_SECONDS


def capture_refusal(source: Source, *, confirm: bool) -> str | None:
    """Why a packet capture will not run (one line), or ``None`` when it may.

    A capture runs only when asked for (``confirm=True``), against a live source with an API
    client, by hand: never against a capture or a demo, never in a scheduled run
    (:func:`rhcos_helpers.safety.is_scheduled`).

    Args:
        source: where the capture would run.
        confirm: the caller's explicit opt-in; only ``True`` itself counts.
    """
    from rhcos_helpers.safety import is_scheduled

    if confirm is not True:
        return (
            "packet capture refused: confirm is not True; a capture runs a privileged pod with "
            "host network on the node and its pcap can hold credentials: pass confirm=True to "
            "run it"
        )
    ident = source.identity
    if ident.kind != "live" or not hasattr(source, "api_client"):
        return (
            f"packet capture refused: the {ident.kind} source {ident.spec!r} has no nodes to "
            "capture on (run against a live cluster: --source kube)"
        )
    if is_scheduled(source):
        return (
            "packet capture refused in a scheduled run (in-cluster source or "
            "RHCOS_RUNBOOKS_SCHEDULED); run it by hand with confirm=True"
        )
    return None


def capture_packets(
    source: Source,
    *,
    node: str,
    interface: str = "any",
    seconds: int | None = 30,
    packets: int | None = None,
    bpf_filter: str = "",
    image: str | None = None,
    out_dir: Path,
    confirm: bool = False,
    start_timeout: float = 120.0,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> PacketCapture:
    """Capture packets on a node with tcpdump in a toolbox pod; the pcap comes back locally.

    Opt-in only: see :func:`capture_refusal`. The toolbox pod is removed on every path.

    Args:
        source: a live source (its API client's configuration is used).
        node: the node name.
        interface: the interface, ``any`` for all (Linux cooked headers).
        seconds: how long to capture (``timeout --signal=INT``); ``None`` to stop on
            ``packets`` only (then bounded by :data:`PACKETS_ONLY_SECONDS`).
        packets: stop after this many packets (``tcpdump -c``); ``None`` for no count.
        bpf_filter: a pcap-filter expression, e.g. ``"tcp port 6443"``.
        image: the toolbox image (it needs ``tcpdump`` and ``timeout``); default: the
            ``openshift/tools`` image stream tag, else ``registry.redhat.io/rhel9/support-tools``.
        out_dir: where the pcap is written (created 0700 if missing); not a report directory.
        confirm: must be ``True``.
        start_timeout: seconds to wait for the pod to run.
        max_bytes: the capture stops once the pcap reaches this size.

    Returns:
        The capture: the pcap's local path and its summary.

    Raises:
        UsageError: a parameter out of range or an interface/filter that fails the checks.
        CaptureRefused: not confirmed, not a live source, a scheduled run, or ``out_dir``
            inside a report directory.
        CaptureError: no pod on the node, a refused exec, tcpdump failing, or no pcap back.
    """
    argv = capture_argv(
        interface=interface, seconds=seconds, packets=packets, bpf_filter=bpf_filter
    )
    if not isinstance(node, str) or len(node) > 253 or not _DNS_SUBDOMAIN.fullmatch(node):
        raise UsageError(f"node {node!r} is not a node name; check it with `oc get nodes`")
    if not isinstance(max_bytes, int) or max_bytes < 24:
        raise UsageError(f"max_bytes={max_bytes!r}: give a size of at least 24 bytes")
    refusal = capture_refusal(source, confirm=confirm)
    if refusal is not None:
        raise CaptureRefused(f"{refusal}; it would run `{shlex.join(argv)}` on node {node}")
    out_dir = Path(out_dir).expanduser().absolute()
    report = _report_dir(out_dir)
    if report is not None:
        raise CaptureRefused(
            f"packet capture refused: out_dir {out_dir} is inside the report directory {report}; "
            "a pcap can hold credentials and must not be shared with a report: pick another "
            "directory"
        )
    out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)

    from rhcos_helpers.node_access.debug_pod import DebugPodRunner
    from rhcos_helpers.sources.base import NodeOutput

    bound = _bound(seconds, packets)
    exec_timeout = bound + 30.0  # --kill-after, the last packets and the transport
    runner = DebugPodRunner(
        source.api_client.configuration,  # type: ignore[attr-defined]
        image=image,
        cluster_version=source.identity.cluster_version,
        run_timeout=bound + 120.0,
        start_timeout=start_timeout,
    )
    started_at = datetime.now(UTC)
    path: Path | None = None
    kept = False
    try:
        pod = runner._pod_for(node, exec_timeout)  # the runner's pod: labels, cleanup, diagnosis
        if isinstance(pod, NodeOutput):
            raise CaptureError(f"no toolbox pod on node {node}: {pod.reason}")
        started_at = datetime.now(UTC)
        path = _new_file(out_dir, node, started_at)
        log.info("capturing on node %s into %s: %s", node, path, shlex.join(argv))
        result = _exec_to_file(runner, pod, argv, path, timeout=exec_timeout, max_bytes=max_bytes)
        capture = _finish(
            result, node=node, interface=interface, bpf_filter=bpf_filter, argv=argv,
            path=path, started_at=started_at, image=pod.image,
            pod=f"{pod.namespace}/{pod.name}", max_bytes=max_bytes,
        )  # fmt: skip
        kept = True
        return capture
    finally:
        try:
            runner.close()
        finally:
            if path is not None and not kept:
                path.unlink(missing_ok=True)


@dataclass
class _ExecResult:
    size: int
    stderr: str
    status_text: str
    timed_out: bool
    dropped: bool
    at_limit: bool


def _exec_to_file(
    runner: DebugPodRunner,
    pod: _Pod,
    argv: tuple[str, ...],
    path: Path,
    *,
    timeout: float,
    max_bytes: int,
) -> _ExecResult:
    """Exec ``argv`` in the pod's toolbox container; stdout (bytes) goes into ``path``."""
    from kubernetes.client.exceptions import ApiException
    from kubernetes.stream import stream as k8s_stream
    from kubernetes.stream import ws_client
    from websocket import WebSocketException

    from rhcos_helpers.node_access.debug_pod import CONTAINER_NAME, _handshake_error

    try:
        ws = k8s_stream(
            runner._exec_api().connect_get_namespaced_pod_exec,
            pod.name,
            pod.namespace,
            command=list(argv),
            container=CONTAINER_NAME,
            stderr=True,
            stdin=False,
            stdout=True,
            tty=False,
            _preload_content=False,
            binary=True,  # bytes as sent: the default decodes frames as UTF-8 text
        )
    except ApiException as err:
        status, message = _handshake_error(err)
        what = f"{status}: {message}" if status else message
        hint = (
            "ask for RBAC `create pods/exec` or use a cluster-admin context"
            if status == 403
            else "check the API server and retry"
        )
        raise CaptureError(
            f"exec in toolbox pod {pod.namespace}/{pod.name} refused ({what}); {hint}"
        ) from None
    stderr = bytearray()
    status_buf = bytearray()
    size = 0
    timed_out = dropped = at_limit = False
    deadline = time.monotonic() + timeout

    def drain(out: Any) -> None:
        nonlocal size
        nonlocal at_limit
        chunk = ws.read_channel(ws_client.STDOUT_CHANNEL, timeout=0)
        if chunk and not at_limit:
            if size + len(chunk) >= max_bytes:
                chunk, at_limit = chunk[: max_bytes - size], True
            out.write(chunk)
            size += len(chunk)
        err = ws.read_channel(ws_client.STDERR_CHANNEL, timeout=0)
        if err and len(stderr) < _STDERR_KEEP:
            stderr.extend(err[: _STDERR_KEEP - len(stderr)])
        status_buf.extend(ws.read_channel(ws_client.ERROR_CHANNEL, timeout=0) or b"")

    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as out:
        os.fchmod(out.fileno(), 0o600)
        try:
            if ws.sock is not None:
                ws.sock.settimeout(max(1.0, timeout))
            while ws.is_open():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    timed_out = True
                    break
                ws.update(timeout=min(remaining, 1.0))
                drain(out)
                if at_limit:
                    break
        except (WebSocketException, OSError) as err:
            log.debug("exec in %s/%s: connection ended: %s", pod.namespace, pod.name, err)
            dropped = True
        finally:
            try:
                drain(out)
            except (WebSocketException, OSError) as err:
                log.debug("reading the last frames: %s", err)
            finally:
                ws.close()
                if ws.sock is not None:  # the socket stays open when the server closed first
                    ws.sock.shutdown()
    return _ExecResult(
        size=size,
        stderr=bytes(stderr).decode("utf-8", errors="replace"),
        status_text=bytes(status_buf).decode("utf-8", errors="replace"),
        timed_out=timed_out,
        dropped=dropped,
        at_limit=at_limit,
    )


def _finish(
    result: _ExecResult,
    *,
    node: str,
    interface: str,
    bpf_filter: str,
    argv: tuple[str, ...],
    path: Path,
    started_at: datetime,
    image: str,
    pod: str,
    max_bytes: int,
) -> PacketCapture:
    """Check how the exec ended, summarise the pcap, build the result (or raise)."""
    from rhcos_helpers.node_access.debug_pod import _exit_status

    shown = shlex.join(argv)
    first_error = next((ln.strip() for ln in result.stderr.splitlines() if "tcpdump:" in ln
                        and "listening on" not in ln), "")  # fmt: skip
    if result.timed_out:
        raise CaptureError(
            f"`{shown}` did not finish within its bound on node {node} (the API connection "
            "stalled?); retry with a shorter capture"
        )
    notes: list[str] = []
    exit_code, problem = _exit_status(result.status_text)
    if result.at_limit:
        notes.append(f"stopped at max_bytes={max_bytes}; the last record may be cut")
    elif exit_code is None:
        why = problem or ("connection dropped" if result.dropped else "no exit status received")
        if "executable file not found" in why:
            raise CaptureError(
                f"the image lacks tcpdump or timeout on node {node} ({why}); pass image= a "
                "toolbox image with both (registry.redhat.io/rhel9/support-tools)"
            )
        raise CaptureError(f"capture on node {node} ended without an exit status ({why}); retry")
    elif exit_code not in _OK_EXIT_CODES:
        if exit_code in (126, 127):
            hint = (
                "the image lacks tcpdump or timeout: pass image= a toolbox image with both "
                "(registry.redhat.io/rhel9/support-tools)"
            )
        else:
            hint = (
                "check the interface (`ip -br link` on the node) and the filter (`man pcap-filter`)"
            )
        detail = first_error or next((ln for ln in result.stderr.splitlines() if ln.strip()), "")
        raise CaptureError(
            f"`{shown}` exited with {exit_code} on node {node}"
            + (f": {detail}" if detail else "")
            + f"; {hint}"
        )
    elif _OK_EXIT_CODES[exit_code]:
        notes.append(f"{_OK_EXIT_CODES[exit_code]} (exit code {exit_code})")
    data = path.read_bytes()
    lenient = result.at_limit or exit_code == 137
    try:
        summary = parse_pcap(data, allow_truncated=lenient)
    except ParseError as err:
        raise CaptureError(
            f"what came back from node {node} is not a usable pcap ({err.reason}); "
            + (f"tcpdump said: {first_error}" if first_error else "retry")
        ) from None
    if summary.truncated:
        notes.append("the last record was cut and is left out of the summary")
    drops = _KERNEL_DROPS.search(result.stderr)
    return PacketCapture(
        node=node,
        interface=interface,
        bpf_filter=bpf_filter,
        argv=argv,
        path=path,
        size=len(data),
        summary=summary,
        started_at=started_at,
        image=image,
        pod=pod,
        exit_code=exit_code,
        kernel_dropped=int(drops.group(1)) if drops else None,
        notes=tuple(notes),
        stderr=result.stderr,
    )


def _new_file(out_dir: Path, node: str, started_at: datetime) -> Path:
    """A new, empty ``<node>-<UTC time>.pcap`` in ``out_dir``, mode 0600 (never an old one)."""
    stem = f"{node}-{started_at:%Y%m%dT%H%M%SZ}"
    for n in range(100):
        path = out_dir / (f"{stem}.pcap" if n == 0 else f"{stem}-{n}.pcap")
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        except FileExistsError:
            continue
        os.close(fd)
        return path
    raise CaptureError(f"cannot create a new pcap file for {stem} in {out_dir}; clean it up")


def _report_dir(path: Path) -> Path | None:
    """The report directory (``index.html`` plus ``summary.json``) holding ``path``, if any."""
    from rhcos_helpers.report.index import INDEX_FILE, SUMMARY_FILE

    for candidate in (path, *path.parents):
        if (candidate / INDEX_FILE).is_file() and (candidate / SUMMARY_FILE).is_file():
            return candidate
    return None
