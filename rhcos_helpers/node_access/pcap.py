"""node_access.pcap - a pure-Python summary of a classic libpcap file (what ``tcpdump -w`` writes).

:func:`parse_pcap` reads the classic libpcap format (both byte orders, microsecond and
nanosecond magic; link types Ethernet 1, raw IP 101, Linux cooked SLL 113 and SLL2 276, which
``-i any`` produces) and summarises the IPv4/IPv6 traffic: protocols, top talkers and service
ports, as tables (:meth:`PcapSummary.to_frames`). It never does I/O; the capture itself is
:func:`~rhcos_helpers.node_access.packet_capture.capture_packets`.

Examples:
    >>> import struct
    >>> header = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1)
    >>> parse_pcap(header).packets
    0
"""

from __future__ import annotations

import ipaddress
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from rhcos_helpers.errors import ParseError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["LINK_TYPES", "PcapSummary", "parse_pcap"]

#: Link types :func:`parse_pcap` decodes (``LINKTYPE_*`` values of the pcap format).
LINK_TYPES: Mapping[int, str] = {
    1: "Ethernet",
    101: "raw IP",
    113: "Linux cooked (SLL)",
    276: "Linux cooked v2 (SLL2)",
}
#: libpcap's MAXIMUM_SNAPLEN: no record of a sane capture is longer.
MAX_SNAPLEN = 262144

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
