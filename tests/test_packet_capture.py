"""Packet capture: the pcap parser on real-format pcaps, and tcpdump through the simulator."""

from __future__ import annotations

import ipaddress
import re
import signal
import stat
import struct
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rhcos_helpers.errors import ParseError, UsageError
from rhcos_helpers.node_access.capture_policy import capture_argv, capture_refusal
from rhcos_helpers.node_access.debug_manifests import MANAGED_BY_LABEL
from rhcos_helpers.node_access.packet_capture import CaptureError, CaptureRefused, capture_packets
from rhcos_helpers.node_access.pcap import parse_pcap
from rhcos_helpers.sources import open_source
from rhcos_helpers.sources.live import LiveSource
from tests.simulator import Simulator
from tests.simulator.builders import cluster_version, namespace, node, write_capture

TOOL = f"{MANAGED_BY_LABEL}=rhcos-runbooks"

# ------------------------------------------------------------------ building real pcaps

MAGIC_US, MAGIC_NS = 0xA1B2C3D4, 0xA1B23C4D
ETHERNET, RAW, SLL, SLL2 = 1, 101, 113, 276


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def tcp(sport: int, dport: int, payload: bytes = b"", flags: int = 0x18) -> bytes:
    # source port, destination port, seq, ack, data offset 5 words, flags, window, csum, urg
    return struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 5 << 4, flags, 65535, 0, 0) + payload


def udp(sport: int, dport: int, payload: bytes = b"") -> bytes:
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def icmp_echo(ident: int = 1, seq: int = 1) -> bytes:
    body = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + b"ping"
    return body[:2] + struct.pack("!H", _checksum(body)) + body[4:]


def ipv4(src: str, dst: str, proto: int, payload: bytes, *, frag_offset: int = 0) -> bytes:
    header = struct.pack(
        "!BBHHHBBH4s4s",
        0x45,  # version 4, IHL 5
        0,
        20 + len(payload),
        0x1234,
        frag_offset & 0x1FFF,
        64,
        proto,
        0,
        ipaddress.IPv4Address(src).packed,
        ipaddress.IPv4Address(dst).packed,
    )
    header = header[:10] + struct.pack("!H", _checksum(header)) + header[12:]
    return header + payload


def ipv6(src: str, dst: str, next_header: int, payload: bytes) -> bytes:
    return (
        struct.pack("!IHBB", 6 << 28, len(payload), next_header, 64)
        + ipaddress.IPv6Address(src).packed
        + ipaddress.IPv6Address(dst).packed
        + payload
    )


def hop_by_hop(next_header: int) -> bytes:
    # 8 bytes: next header, length 0 (8 bytes), PadN option filling 6 bytes
    return struct.pack("!BB", next_header, 0) + bytes([1, 4, 0, 0, 0, 0])


def fragment_header(next_header: int, offset: int) -> bytes:
    return struct.pack("!BBHI", next_header, 0, offset << 3, 0xABCD)


def arp_request() -> bytes:
    return struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + bytes(6) + bytes(4) + bytes(6) + bytes(4)


MAC_A, MAC_B = bytes.fromhex("0a580a800002"), bytes.fromhex("0a580a800003")


def ethernet(ethertype: int, payload: bytes, *, vlan: int | None = None) -> bytes:
    tag = struct.pack("!HH", 0x8100, vlan) if vlan is not None else b""
    return MAC_B + MAC_A + tag + struct.pack("!H", ethertype) + payload


def sll(ethertype: int, payload: bytes, *, hatype: int = 1) -> bytes:
    # packet type (0 host), ARPHRD, address length, address (8, padded), protocol
    return struct.pack("!HHH8sH", 0, hatype, 6, MAC_A, ethertype) + payload


def sll2(ethertype: int, payload: bytes, *, hatype: int = 1) -> bytes:
    # protocol, reserved, interface index, ARPHRD, packet type, address length, address (8)
    return struct.pack("!HHIHBB8s", ethertype, 0, 2, hatype, 0, 6, MAC_A) + payload


def frame(link: int, ethertype: int, packet: bytes) -> bytes:
    if link == ETHERNET:
        return ethernet(ethertype, packet)
    if link == SLL:
        return sll(ethertype, packet)
    if link == SLL2:
        return sll2(ethertype, packet)
    return packet


def pcap(
    frames: list[tuple[float, bytes] | tuple[float, bytes, int]],
    *,
    link: int = ETHERNET,
    order: str = "<",
    nano: bool = False,
    snaplen: int = 262144,
) -> bytes:
    """A classic libpcap file: global header, then per frame a record header and the bytes."""
    out = struct.pack(order + "IHHiIII", MAGIC_NS if nano else MAGIC_US, 2, 4, 0, 0, snaplen, link)
    for entry in frames:
        ts, data = entry[0], entry[1]
        wire = entry[2] if len(entry) == 3 else len(data)  # type: ignore[misc]
        sec = int(ts)
        frac = round((ts - sec) * (1e9 if nano else 1e6))
        data = data[:snaplen]
        out += struct.pack(order + "IIII", sec, frac, len(data), wire) + data
    return out


T0 = 1_767_268_800.0  # 2026-01-01T12:00:00Z


def sample_packets(link: int) -> list[tuple[float, bytes] | tuple[float, bytes, int]]:
    """Six packets: two TCP 6443 (v4), a UDP 53 (v6), an ICMP echo, an ARP, a later fragment."""
    api = ipv4("10.0.0.5", "10.0.0.1", 6, tcp(51514, 6443, b"\x16\x03\x01" + b"x" * 100))
    ack = ipv4("10.0.0.1", "10.0.0.5", 6, tcp(6443, 51514, flags=0x10))
    dns = ipv6("fd00::5", "fd00::a", 17, udp(40000, 53, b"\x12\x34" + b"q" * 30))
    ping = ipv4("10.0.0.5", "10.0.0.9", 1, icmp_echo())
    frag = ipv4("10.0.0.5", "10.0.0.1", 17, b"\xff" * 40, frag_offset=185)
    return [
        (T0, frame(link, 0x0800, api)),
        (T0 + 0.25, frame(link, 0x0800, ack)),
        (T0 + 0.5, frame(link, 0x86DD, dns)),
        (T0 + 0.75, frame(link, 0x0800, ping)),
        (T0 + 1.0, frame(link, 0x0806, arp_request())),
        (T0 + 1.5, frame(link, 0x0800, frag)),
    ]


# -------------------------------------------------------------------------------- parser


@pytest.mark.parametrize("link", [ETHERNET, SLL, SLL2, RAW])
@pytest.mark.parametrize(("order", "nano"), [("<", False), (">", False), ("<", True), (">", True)])
def test_summary_of_every_link_type_byte_order_and_magic(link: int, order: str, nano: bool) -> None:
    packets = sample_packets(link)
    if link == RAW:
        del packets[4]  # raw IP carries no ARP
    summary = parse_pcap(pcap(packets, link=link, order=order, nano=nano))
    head = {ETHERNET: 14, SLL: 16, SLL2: 20, RAW: 0}[link]
    sizes = [len(p[1]) for p in packets]
    assert summary.link_type == link and summary.nanoseconds is nano
    assert summary.byte_order == ("little" if order == "<" else "big")
    assert summary.packets == len(packets)
    assert summary.wire_bytes == summary.captured_bytes == sum(sizes)
    assert summary.first == datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert summary.last == datetime(2026, 1, 1, 12, 0, 1, 500000, tzinfo=UTC)
    assert summary.duration == pytest.approx(1.5)
    assert summary.undecoded == 0 and summary.cut_frames == 0 and not summary.truncated

    api_len, ack_len, dns_len, ping_len = sizes[:4]
    protocols = dict(summary.protocols)
    assert protocols[("IPv4", "TCP")] == (2, api_len + ack_len)
    assert protocols[("IPv6", "UDP")] == (1, dns_len)
    assert protocols[("IPv4", "ICMP")] == (1, ping_len)
    assert protocols[("IPv4", "UDP")] == (1, sizes[-1])  # the later fragment: no ports
    assert (("ARP", "") in protocols) is (link != RAW)
    assert summary.talkers[("10.0.0.5", "10.0.0.1")] == (2, api_len + sizes[-1])
    assert summary.talkers[("10.0.0.1", "10.0.0.5")] == (1, ack_len)
    assert summary.talkers[("fd00::5", "fd00::a")] == (1, dns_len)
    assert dict(summary.ports) == {("TCP", 6443): (2, api_len + ack_len), ("UDP", 53): (1, dns_len)}
    assert api_len == head + 20 + 20 + 103


def test_vlan_tags_ipv6_extension_headers_and_fragments() -> None:
    tagged = ethernet(0x0800, ipv4("192.168.1.2", "192.168.1.3", 6, tcp(33000, 22)), vlan=42)
    hbh = ethernet(0x86DD, ipv6("fe80::1", "ff02::16", 0, hop_by_hop(58) + b"\x8f\x00" + bytes(6)))
    first_frag = ethernet(
        0x86DD, ipv6("fd00::1", "fd00::2", 44, fragment_header(17, 0) + udp(5000, 4789, b"v" * 20))
    )
    later_frag = ethernet(
        0x86DD, ipv6("fd00::1", "fd00::2", 44, fragment_header(17, 3) + b"z" * 16)
    )
    s = parse_pcap(pcap([(T0, tagged), (T0, hbh), (T0, first_frag), (T0, later_frag)]))
    assert s.protocols[("IPv4", "TCP")] == (1, len(tagged))
    assert s.protocols[("IPv6", "ICMPv6")] == (1, len(hbh))
    assert s.protocols[("IPv6", "UDP")] == (2, len(first_frag) + len(later_frag))
    assert dict(s.ports) == {("TCP", 22): (1, len(tagged)), ("UDP", 4789): (1, len(first_frag))}


def test_snaplen_cut_frames_count_wire_bytes() -> None:
    big = ethernet(0x0800, ipv4("10.1.0.1", "10.1.0.2", 6, tcp(443, 60000, b"p" * 1400)))
    data = pcap([(T0, big)], snaplen=96)
    s = parse_pcap(data)
    assert s.cut_frames == 1 and s.captured_bytes == 96 and s.wire_bytes == len(big)
    assert s.ports == {("TCP", 443): (1, len(big))}  # headers fit in the 96 bytes


def test_frames_too_short_for_their_headers_are_counted_malformed() -> None:
    data = pcap([(T0, b"\x00" * 10), (T0, ethernet(0x0800, b"\x45\x00"))])
    s = parse_pcap(data)
    assert s.undecoded == 2 and s.protocols == {("malformed", ""): (2, 10 + 16)}


def test_other_ethertypes_llc_and_netlink_are_named() -> None:
    lldp = ethernet(0x88CC, b"\x02\x07" + bytes(20))
    llc = MAC_B + MAC_A + struct.pack("!H", 38) + b"\x42\x42\x03" + bytes(35)
    odd = ethernet(0x1234, bytes(30))
    s = parse_pcap(pcap([(T0, lldp), (T0, llc), (T0, odd)]))
    assert set(s.protocols) == {("LLDP", ""), ("802.3/LLC", ""), ("ethertype 0x1234", "")}
    netlink = sll2(0x0000, bytes(20), hatype=824)
    assert set(parse_pcap(pcap([(T0, netlink)], link=SLL2)).protocols) == {("netlink", "")}


def test_empty_capture_and_frames() -> None:
    s = parse_pcap(pcap([], link=SLL2))
    assert s.packets == 0 and s.first is None and s.duration == 0.0
    frames = s.to_frames()
    assert list(frames) == ["overview", "protocols", "talkers", "ports"]
    assert frames["talkers"].empty and list(frames["ports"].columns) == [
        "transport",
        "port",
        "packets",
        "bytes",
    ]


def test_frames_order_by_bytes_and_keep_top() -> None:
    frames = parse_pcap(pcap(sample_packets(SLL2), link=SLL2)).to_frames(top=2)
    talkers = frames["talkers"]
    assert len(talkers) == 2 and list(talkers["bytes"]) == sorted(talkers["bytes"], reverse=True)
    assert talkers.iloc[0].to_dict()["source"] == "10.0.0.5"
    assert frames["protocols"].iloc[0]["transport"] == "TCP"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "shorter than the 24-byte global header"),
        (b"\x0a\x0d\x0d\x0a" + bytes(40), "pcapng"),
        (b"GIF89a" + bytes(30), "not a classic pcap file"),
        (struct.pack("<IHHiIII", MAGIC_US, 1, 0, 0, 0, 65535, 1), "format version 1.0"),
        (struct.pack("<IHHiIII", MAGIC_US, 2, 4, 0, 0, 65535, 105), "link type 105"),
        (pcap([]) + struct.pack("<IIII", 0, 1_000_000, 4, 4) + bytes(4), "out of range"),
        (pcap([]) + struct.pack("<IIII", 0, 0, 300000, 300000), "above the snaplen"),
        (pcap([]) + struct.pack("<IIII", 0, 0, 60, 40) + bytes(60), "above the wire length"),
        (pcap([]) + struct.pack("<IIII", 0, 0, 60, 60) + bytes(59), "file ends 1 bytes"),
        (pcap([]) + bytes(15), "inside the header of record 1"),
    ],
)
def test_not_a_pcap_raises_parse_error(data: bytes, reason: str) -> None:
    with pytest.raises(ParseError, match=re.escape(reason)):
        parse_pcap(data)


def test_nanosecond_fraction_range() -> None:
    ok = struct.pack("<IHHiIII", MAGIC_NS, 2, 4, 0, 0, 65535, 1)
    ok += struct.pack("<IIII", 5, 999_999_999, 14, 14) + ethernet(0x0800, b"")
    assert parse_pcap(ok).first == datetime.fromtimestamp(5.999999999, UTC)


# ----------------------------------------------------------------------------- properties

_addresses_v4 = st.sampled_from(["10.0.0.1", "10.0.0.2", "192.168.7.9", "172.30.0.10"])
_addresses_v6 = st.sampled_from(["fd00::1", "fd00::2", "2001:db8::7"])
_ports = st.integers(min_value=0, max_value=65535)
_payloads = st.binary(max_size=64)


@st.composite
def _packet(draw: st.DrawFn) -> tuple[bytes, int, tuple[str, str], tuple[str, str], Any]:
    """(ethertype-framed IP packet, ethertype, protocol key, talker key, port key or None)."""
    v6 = draw(st.booleans())
    src, dst = (
        draw(_addresses_v6 if v6 else _addresses_v4),
        draw(_addresses_v6 if v6 else _addresses_v4),
    )
    kind = draw(st.sampled_from(["TCP", "UDP", "ICMP"]))
    sport, dport, payload = draw(_ports), draw(_ports), draw(_payloads)
    if kind == "TCP":
        proto, segment = 6, tcp(sport, dport, payload)
    elif kind == "UDP":
        proto, segment = 17, udp(sport, dport, payload)
    else:
        proto, segment = (58 if v6 else 1), icmp_echo()
        kind = "ICMPv6" if v6 else "ICMP"
    packet = ipv6(src, dst, proto, segment) if v6 else ipv4(src, dst, proto, segment)
    port = (kind, min(sport, dport)) if kind in ("TCP", "UDP") else None
    return packet, 0x86DD if v6 else 0x0800, ("IPv6" if v6 else "IPv4", kind), (src, dst), port


_layouts = st.tuples(
    st.sampled_from([ETHERNET, SLL, SLL2, RAW]), st.sampled_from(["<", ">"]), st.booleans()
)


@settings(max_examples=150, deadline=None)
@given(packets=st.lists(_packet(), max_size=12), layout=_layouts)
def test_property_counts_match_what_was_written(packets: list[Any], layout: Any) -> None:
    link, order, nano = layout
    frames = [(T0 + i * 0.001, frame(link, et, p)) for i, (p, et, *_rest) in enumerate(packets)]
    s = parse_pcap(pcap(frames, link=link, order=order, nano=nano))
    expected_protocols: dict[Any, list[int]] = {}
    expected_talkers: dict[Any, list[int]] = {}
    expected_ports: dict[Any, list[int]] = {}
    for (_, data), (_, _, proto, talker, port) in zip(frames, packets, strict=True):
        for table, key in (
            (expected_protocols, proto),
            (expected_talkers, talker),
            (expected_ports, port),
        ):
            if key is not None:
                entry = table.setdefault(key, [0, 0])
                entry[0] += 1
                entry[1] += len(data)
    assert s.packets == len(packets) and s.undecoded == 0
    assert s.wire_bytes == sum(len(d) for _, d in frames)
    assert {k: list(v) for k, v in s.protocols.items()} == expected_protocols
    assert {k: list(v) for k, v in s.talkers.items()} == expected_talkers
    assert {k: list(v) for k, v in s.ports.items()} == expected_ports


@settings(max_examples=150, deadline=None)
@given(packets=st.lists(_packet(), min_size=1, max_size=6), layout=_layouts, data=st.data())
def test_property_truncated_file_raises_unless_allowed(
    packets: list[Any], layout: Any, data: st.DataObject
) -> None:
    link, order, nano = layout
    frames = [(T0, frame(link, et, p)) for p, et, *_rest in packets]
    whole = pcap(frames, link=link, order=order, nano=nano)
    boundaries = [24]
    for _, f in frames:
        boundaries.append(boundaries[-1] + 16 + len(f))
    cut = data.draw(
        st.integers(min_value=24, max_value=len(whole) - 1).filter(lambda n: n not in boundaries)
    )
    with pytest.raises(ParseError):
        parse_pcap(whole[:cut])
    lenient = parse_pcap(whole[:cut], allow_truncated=True)
    assert lenient.truncated and lenient.packets == sum(1 for b in boundaries[1:] if b <= cut)


@settings(max_examples=300, deadline=None)
@given(
    packets=st.lists(_packet(), max_size=4),
    layout=_layouts,
    flips=st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), max_size=6),
)
def test_property_garbled_bytes_parse_or_raise_parse_error(
    packets: list[Any], layout: Any, flips: list[tuple[int, int]]
) -> None:
    link, order, nano = layout
    whole = bytearray(
        pcap(
            [(T0, frame(link, et, p)) for p, et, *_r in packets], link=link, order=order, nano=nano
        )
    )
    for where, value in flips:
        whole[where % len(whole)] = value
    try:
        s = parse_pcap(bytes(whole))
    except ParseError:
        return
    assert s.packets >= 0 and s.captured_bytes <= len(whole)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_property_arbitrary_bytes_never_crash(blob: bytes) -> None:
    for data in (blob, struct.pack("<IHHiIII", MAGIC_US, 2, 4, 0, 0, 65535, SLL2) + blob):
        try:
            parse_pcap(data)
        except ParseError:
            pass


@settings(max_examples=100, deadline=None)
@given(packets=st.lists(_packet(), min_size=1, max_size=5))
def test_property_record_length_above_wire_length_is_garbled(packets: list[Any]) -> None:
    whole = bytearray(pcap([(T0, frame(SLL2, et, p)) for p, et, *_r in packets], link=SLL2))
    struct.pack_into("<I", whole, 24 + 12, 0)  # first record: orig_len 0 < incl_len
    with pytest.raises(ParseError, match="above the wire length"):
        parse_pcap(bytes(whole))


# -------------------------------------------------------------------------- argv checks


def test_argv_is_tcpdump_under_timeout_with_filter_words_after_double_dash() -> None:
    argv = capture_argv(
        interface="br-ex", seconds=20, packets=500, bpf_filter="  not port 22 and (tcp or udp)\t"
    )
    assert argv == (
        "timeout", "--signal=INT", "--kill-after=5", "20",
        "tcpdump", "-i", "br-ex", "-w", "-", "-U", "-c", "500",
        "--", "not", "port", "22", "and", "(tcp", "or", "udp)",
    )  # fmt: skip
    # a word that looks like an option stays a filter word: it follows "--"
    assert capture_argv(interface="any", seconds=1, packets=None, bpf_filter="ip[2:2] - 20 > 0")[-6:] == (
        "--", "ip[2:2]", "-", "20", ">", "0",
    )  # fmt: skip


@pytest.mark.parametrize(
    "interface",
    ["", "-w", "-i/etc/passwd", ".hidden", "eth0;id", "eth 0", "a" * 16, "eth0/1", "ens5\n", "é0"],
)
def test_interface_names_are_checked(interface: str) -> None:
    with pytest.raises(UsageError, match="is not an interface name"):
        capture_argv(interface=interface, seconds=5, packets=None, bpf_filter="")


@pytest.mark.parametrize(
    "interface",
    ["any", "lo", "br-ex", "ens5", "eth0.100", "bond0:1", "veth1a2b@if3", "genev_sys_6081"],
)
def test_real_interface_names_pass(interface: str) -> None:
    assert capture_argv(interface=interface, seconds=5, packets=None, bpf_filter="")[6] == interface


@pytest.mark.parametrize(
    "bpf",
    [
        "port 80; rm -rf /",
        "host $(id)",
        "host `id`",
        "port 80 && echo 'x'",
        'host "a"',
        "port 80\nid",
        "a\\b",
        "x" * 1025,
    ],
)
def test_filters_outside_pcap_syntax_are_refused(bpf: str) -> None:
    with pytest.raises(UsageError, match="bpf_filter"):
        capture_argv(interface="any", seconds=5, packets=None, bpf_filter=bpf)


@pytest.mark.parametrize(
    ("seconds", "packets", "message"),
    [
        (None, None, "without end"),
        (0, None, "seconds=0"),
        (3601, None, "seconds=3601"),
        (True, None, "seconds=True"),
        (5, 0, "packets=0"),
        (2.5, None, "seconds=2.5"),
    ],
)
def test_bounds_are_checked(seconds: Any, packets: Any, message: str) -> None:
    with pytest.raises(UsageError, match=re.escape(message)):
        capture_argv(interface="any", seconds=seconds, packets=packets, bpf_filter="")


# ---------------------------------------------------------------------- the simulator

SLL2_STDERR = (
    b"tcpdump: data link type LINUX_SLL2\n"
    b"tcpdump: listening on any, link-type LINUX_SLL2 (Linux cooked v2), snapshot length 262144 bytes\n"
    b"7 packets captured\n9 packets received by filter\n2 packets dropped by kernel\n"
)
TCPDUMP = "timeout --signal=INT --kill-after=5 * tcpdump *"


def canned_pcap() -> bytes:
    """Four sample packets, then three 60 kB TCP packets cut by the snaplen (70000 on the wire).

    The payload holds every byte value and invalid UTF-8: a client that decoded stdout as text
    would change the file; the records span several 32 KiB websocket frames.
    """
    blob = (bytes(range(256)) * 240)[:59989] + b"\xc3\x28\xa0\xa1\xe2\x82\x28\xf0\x28\x8c\x28"
    big: list[tuple[float, bytes] | tuple[float, bytes, int]] = [
        (
            T0 + 2 + i,
            sll2(0x0800, ipv4("10.128.0.7", "10.0.0.1", 6, tcp(6443, 40000 + i, blob))),
            70000,
        )
        for i in range(3)
    ]
    return pcap([*sample_packets(SLL2)[:4], *big], link=SLL2)


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[Simulator]:
    root = tmp_path / "capture"
    objects = [
        node("master-0", role="master", ip="10.0.0.1"),
        node("worker-0", ip="10.0.0.5"),
        cluster_version("4.16.21"),
        namespace("default"),
        namespace("openshift"),
    ]
    write_capture(root, objects)
    with Simulator(root) as server:
        yield server


@pytest.fixture
def source(sim: Simulator, tmp_path: Path) -> Iterator[LiveSource]:
    kc = sim.write_kubeconfig(tmp_path / "kc")
    src = LiveSource.from_kubeconfig(context=None, spec="kube", config_file=str(kc))
    try:
        yield src
    finally:
        src.close()


def _leftovers(server: Simulator) -> list[str]:
    pods = server.workloads.objects("pods", label_selector=TOOL)
    spaces = server.workloads.objects("namespaces", label_selector=TOOL)
    return [f"pod/{p['metadata']['name']}" for p in pods] + [
        f"namespace/{n['metadata']['name']}" for n in spaces
    ]


def _writes(server: Simulator) -> list[str]:
    return [
        f"{r.method} {r.path}" for r in server.requests if r.method in ("POST", "DELETE", "PATCH")
    ]


def _execs(server: Simulator) -> list[list[str]]:
    return [r.param("command") for r in server.requests_to("/api/v1/namespaces/*/pods/*/exec")]


def _created_pods(server: Simulator) -> list[dict[str, Any]]:
    return [
        o
        for _rv, plural, kind, o in server.workloads.events
        if plural == "pods" and kind == "ADDED"
    ]


@pytest.mark.parametrize("protocols", [("v5.channel.k8s.io",), ("v4.channel.k8s.io",)])
def test_capture_end_to_end(
    sim: Simulator, source: LiveSource, tmp_path: Path, protocols: tuple[str, ...]
) -> None:
    data = canned_pcap()
    sim.workloads.script.exec_protocols = protocols
    sim.workloads.script.container_answers[TCPDUMP] = (data, SLL2_STDERR, 124)
    out_dir = tmp_path / "private" / "pcaps"
    result = capture_packets(
        source, node="worker-0", seconds=5, bpf_filter="tcp port 6443 or udp",
        out_dir=out_dir, confirm=True, start_timeout=10,
    )  # fmt: skip

    # the file: binary-exact, 0600, named <node>-<UTC time>.pcap, outside any report
    assert result.path.parent == out_dir.absolute()
    assert re.fullmatch(r"worker-0-\d{8}T\d{6}Z\.pcap", result.path.name)
    assert result.path.read_bytes() == data and result.size == len(data)
    assert stat.S_IMODE(result.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(out_dir.stat().st_mode) == 0o700
    assert list(out_dir.iterdir()) == [result.path]

    # the summary
    s = result.summary
    assert s.link_type == SLL2 and s.packets == 7 and s.cut_frames == 3
    assert s.protocols[("IPv4", "TCP")][0] == 5
    small = sum(len(p[1]) for p in sample_packets(SLL2)[:2])
    assert s.ports[("TCP", 6443)] == (5, 3 * 70000 + small)
    assert s.talkers[("10.128.0.7", "10.0.0.1")] == (3, 3 * 70000)
    assert result.exit_code == 124 and result.kernel_dropped == 2
    assert result.notes == ("stopped at the time limit (exit code 124)",)
    frames = result.to_frames()
    assert frames["overview"].iloc[0].to_dict() == {"field": "node", "value": "worker-0"}
    assert all(
        str(result.path) not in f.to_csv() and "pcap" not in f.to_csv() for f in frames.values()
    )

    # the command: argv only, in the toolbox container, no shell, no chroot
    (command,) = _execs(sim)
    assert command == list(result.argv) == [
        "timeout", "--signal=INT", "--kill-after=5", "5", "tcpdump", "-i", "any", "-w", "-", "-U",
        "--", "tcp", "port", "6443", "or", "udp",
    ]  # fmt: skip
    assert not {"sh", "bash", "-c", "chroot", "/bin/sh"} & set(command)

    # the pod: privileged, host network, on the node, support-tools fallback image; gone now
    (pod,) = _created_pods(sim)
    spec = pod["spec"]
    assert spec["nodeName"] == "worker-0" and spec["hostNetwork"] is True
    assert spec["containers"][0]["securityContext"] == {"privileged": True, "runAsUser": 0}
    assert spec["containers"][0]["image"] == "registry.redhat.io/rhel9/support-tools"
    assert spec["activeDeadlineSeconds"] <= 5 + 120 + 60
    assert result.image == "registry.redhat.io/rhel9/support-tools"
    assert result.pod == f"{pod['metadata']['namespace']}/{pod['metadata']['name']}"
    assert _leftovers(sim) == []


def test_packets_only_capture_with_an_image(
    sim: Simulator, source: LiveSource, tmp_path: Path
) -> None:
    data = pcap(sample_packets(ETHERNET)[:3], link=ETHERNET, order=">", nano=True)
    sim.workloads.script.container_answers[TCPDUMP] = (data, b"3 packets captured\n", 0)
    result = capture_packets(
        source, node="master-0", interface="br-ex", seconds=None, packets=3,
        image="quay.io/example/toolbox:1", out_dir=tmp_path / "out", confirm=True, start_timeout=10,
    )  # fmt: skip
    assert _execs(sim) == [list(result.argv)]
    assert result.argv[:4] == ("timeout", "--signal=INT", "--kill-after=5", "300")
    assert result.argv[-2:] == ("-c", "3") and "--" not in result.argv
    assert result.summary.packets == 3 and result.notes == () and result.kernel_dropped is None
    assert _created_pods(sim)[0]["spec"]["containers"][0]["image"] == "quay.io/example/toolbox:1"
    assert _leftovers(sim) == []


# ------------------------------------------------------------------------------ refusals


def test_refused_without_confirm(sim: Simulator, source: LiveSource, tmp_path: Path) -> None:
    sim.workloads.script.container_answers[TCPDUMP] = (pcap([]), b"", 0)
    for confirm in (False, "yes", 1):
        with pytest.raises(CaptureRefused, match="confirm is not True") as err:
            capture_packets(source, node="worker-0", out_dir=tmp_path / "o", confirm=confirm)  # type: ignore[arg-type]
        assert "timeout --signal=INT --kill-after=5 30 tcpdump -i any -w - -U" in str(err.value)
    assert _writes(sim) == [] and not (tmp_path / "o").exists()


def test_refused_for_demo_and_capture_sources(tmp_path: Path) -> None:
    demo = open_source("demo")
    with pytest.raises(CaptureRefused, match="the demo source 'demo' has no nodes"):
        capture_packets(demo, node="worker-0", out_dir=tmp_path / "o", confirm=True)
    assert capture_refusal(demo, confirm=False) is not None
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("value", ["1", "true", "YES"])
def test_refused_in_a_scheduled_run(
    sim: Simulator, source: LiveSource, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("RHCOS_RUNBOOKS_SCHEDULED", value)
    with pytest.raises(CaptureRefused, match="refused in a scheduled run"):
        capture_packets(source, node="worker-0", out_dir=tmp_path / "o", confirm=True)
    assert _writes(sim) == [] and _execs(sim) == []


def test_refused_into_a_report_directory(
    sim: Simulator, source: LiveSource, tmp_path: Path
) -> None:
    report = tmp_path / "report"
    report.mkdir()
    (report / "index.html").write_text("<html></html>")
    (report / "summary.json").write_text("{}")
    with pytest.raises(CaptureRefused, match="inside the report directory"):
        capture_packets(source, node="worker-0", out_dir=report / "pcaps", confirm=True)
    assert _writes(sim) == [] and not (report / "pcaps").exists()


def test_bad_parameters_are_refused_before_any_request(
    sim: Simulator, source: LiveSource, tmp_path: Path
) -> None:
    with pytest.raises(UsageError, match="not an interface name"):
        capture_packets(
            source, node="worker-0", interface="-Z root", out_dir=tmp_path, confirm=True
        )
    with pytest.raises(UsageError, match="not a node name"):
        capture_packets(source, node="../../etc", out_dir=tmp_path, confirm=True)
    assert sim.requests == []


# ----------------------------------------------------------------- failures leave nothing


def test_tcpdump_failure_removes_pod_and_file(
    sim: Simulator, source: LiveSource, tmp_path: Path
) -> None:
    sim.workloads.script.container_answers[TCPDUMP] = (
        b"", b"tcpdump: eth9: No such device exists\n(SIOCGIFHWADDR: No such device)\n", 1,
    )  # fmt: skip
    with pytest.raises(
        CaptureError,
        match=r"exited with 1 on node worker-0: tcpdump: eth9: No such device exists; check the interface",
    ):
        capture_packets(
            source,
            node="worker-0",
            interface="eth9",
            out_dir=tmp_path / "o",
            confirm=True,
            start_timeout=10,
        )
    assert list((tmp_path / "o").iterdir()) == []
    assert _leftovers(sim) == []


def test_image_without_tcpdump(sim: Simulator, source: LiveSource, tmp_path: Path) -> None:
    # no scripted answer: the simulator answers as a container without the executable
    with pytest.raises(CaptureError, match="image lacks tcpdump"):
        capture_packets(
            source, node="worker-0", out_dir=tmp_path / "o", confirm=True, start_timeout=10
        )
    assert _leftovers(sim) == [] and list((tmp_path / "o").iterdir()) == []


def test_garbage_instead_of_a_pcap(sim: Simulator, source: LiveSource, tmp_path: Path) -> None:
    sim.workloads.script.container_answers[TCPDUMP] = (b"tcpdump: not a pcap\n", b"", 0)
    with pytest.raises(CaptureError, match="not a usable pcap"):
        capture_packets(
            source, node="worker-0", out_dir=tmp_path / "o", confirm=True, start_timeout=10
        )
    assert _leftovers(sim) == [] and list((tmp_path / "o").iterdir()) == []


def test_pod_that_cannot_start(sim: Simulator, source: LiveSource, tmp_path: Path) -> None:
    sim.workloads.script.node_outcomes["worker-0"] = "ImagePullBackOff"
    with pytest.raises(CaptureError, match="no toolbox pod on node worker-0: .*cannot pull image"):
        capture_packets(
            source, node="worker-0", out_dir=tmp_path / "o", confirm=True, start_timeout=10
        )
    assert _execs(sim) == [] and _leftovers(sim) == []


def test_unknown_node(sim: Simulator, source: LiveSource, tmp_path: Path) -> None:
    with pytest.raises(CaptureError, match="node 'worker-9' not found"):
        capture_packets(
            source, node="worker-9", out_dir=tmp_path / "o", confirm=True, start_timeout=10
        )
    assert _leftovers(sim) == []


def test_size_limit_stops_and_keeps_whole_records(
    sim: Simulator, source: LiveSource, tmp_path: Path
) -> None:
    data = canned_pcap()
    sim.workloads.script.container_answers[TCPDUMP] = (data, SLL2_STDERR, 124)
    result = capture_packets(
        source, node="worker-0", out_dir=tmp_path / "o", confirm=True, start_timeout=10,
        max_bytes=40000,
    )  # fmt: skip
    assert result.size == 40000 and result.path.read_bytes() == data[:40000]
    assert result.summary.truncated and result.summary.packets == 4
    assert result.notes[0].startswith("stopped at max_bytes=40000")
    assert _leftovers(sim) == []


def test_keyboard_interrupt_during_the_capture(
    sim: Simulator, source: LiveSource, tmp_path: Path
) -> None:
    sim.workloads.script.container_answers[TCPDUMP] = (pcap([]), b"", 124)
    sim.workloads.script.exec_delays["timeout *"] = 10.0
    timer = threading.Timer(
        0.5, signal.pthread_kill, (threading.main_thread().ident, signal.SIGINT)
    )
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            capture_packets(
                source,
                node="worker-0",
                seconds=5,
                out_dir=tmp_path / "o",
                confirm=True,
                start_timeout=10,
            )
    finally:
        timer.cancel()
    assert _leftovers(sim) == []
    assert list((tmp_path / "o").iterdir()) == []


def test_keyboard_interrupt_during_the_exec_handshake(
    sim: Simulator, source: LiveSource, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kubernetes.stream import ws_client

    def interrupted(self: Any, *args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(ws_client.WSClient, "__init__", interrupted)
    with pytest.raises(KeyboardInterrupt):
        capture_packets(
            source, node="worker-0", seconds=5, out_dir=tmp_path / "o", confirm=True,
            start_timeout=10,
        )  # fmt: skip
    assert _leftovers(sim) == []
    assert not (tmp_path / "o").exists() or list((tmp_path / "o").iterdir()) == []
