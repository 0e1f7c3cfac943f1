"""node_access.capture_policy - what a packet capture may run on a node, and when it may not.

:func:`capture_argv` builds the one argv a capture runs in the toolbox container, after checking
every parameter (an interface name Linux would accept, a filter in pcap-filter syntax, bounds in
range), so that no word can become an option or reach a shell::

    timeout --signal=INT --kill-after=5 N tcpdump -i IFACE -w - -U [-c M] [-- FILTER WORDS]

:func:`capture_refusal` says why a capture will not run: not confirmed (``confirm=True``), not a
live source, or a scheduled run. :func:`_report_dir` finds a report directory around an output
directory (a pcap can hold credentials and is never written into a report).

Examples:
    >>> capture_argv(interface="br-ex", seconds=10, packets=None, bpf_filter="tcp port 6443")
    ('timeout', '--signal=INT', '--kill-after=5', '10', 'tcpdump', '-i', 'br-ex', '-w', '-', '-U', '--', 'tcp', 'port', '6443')
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from rhcos_helpers.errors import UsageError

if TYPE_CHECKING:
    from rhcos_helpers.sources.base import Source

__all__ = ["capture_argv", "capture_refusal"]

#: Longest ``seconds`` accepted.
MAX_SECONDS = 3600
#: Bound of a capture limited by ``packets`` only (``seconds=None``).
PACKETS_ONLY_SECONDS = 300
#: Most packets accepted for ``packets``.
MAX_PACKETS = 10_000_000

# Linux IFNAMSIZ is 16 (15 characters); "any" is tcpdump's pseudo-device.
_INTERFACE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:@-]{0,14}")
# pcap-filter(7) syntax: words, numbers, addresses, nets, [] () arithmetic and comparisons.
_FILTER_CHARS = re.compile(r"[A-Za-z0-9 \t._:/!&|()<>=\[\]+*%^,-]*")


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


def _report_dir(path: Path) -> Path | None:
    """The report directory (``index.html`` plus ``summary.json``) holding ``path``, if any."""
    from rhcos_helpers.report.index import INDEX_FILE, SUMMARY_FILE

    for candidate in (path, *path.parents):
        if (candidate / INDEX_FILE).is_file() and (candidate / SUMMARY_FILE).is_file():
            return candidate
    return None
