"""node_access.packet_capture - tcpdump on a node through a toolbox pod; the pcap comes back locally.

:func:`capture_packets` is opt-in only (``confirm=True``, a live source, never in a scheduled
run: :func:`~rhcos_helpers.node_access.capture_policy.capture_refusal`). It starts one
privileged pod with host network on the node (the pod of
:class:`~rhcos_helpers.node_access.debug_pod.DebugPodRunner`: ``oc debug node/X``'s pod, its
image from the ``image`` parameter, else the ``openshift/tools`` image stream tag, else
``registry.redhat.io/rhel9/support-tools``), and execs in the toolbox container itself (not
``chroot /host``) one argv, never ``sh -c``
(:func:`~rhcos_helpers.node_access.capture_policy.capture_argv`)::

    timeout --signal=INT --kill-after=5 N tcpdump -i IFACE -w - -U [-c M] [-- FILTER WORDS]

The pcap comes back as the exec's stdout, read in binary mode (``stream(..., binary=True)``:
the client's default decodes every frame as UTF-8 with replacement characters, which would
corrupt the capture), and streams straight into ``out_dir/<node>-<UTC time>.pcap``, created
with mode 0600 (a directory holding a report index is refused: payloads can hold
credentials, so the pcap is never embedded in nor linked from a shared report). The pod and
its temporary namespace are removed on every path (success, error, timeout,
``KeyboardInterrupt``). The result holds the pcap's summary
(:func:`~rhcos_helpers.node_access.pcap.parse_pcap`).
"""

from __future__ import annotations

import logging
import os
import re
import shlex
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rhcos_helpers.errors import ParseError, RhcosHelpersError, UsageError
from rhcos_helpers.node_access.capture_policy import (
    _bound,
    _report_dir,
    capture_argv,
    capture_refusal,
)
from rhcos_helpers.node_access.pcap import PcapSummary, _iso, parse_pcap

if TYPE_CHECKING:
    import pandas as pd

    from rhcos_helpers.node_access.debug_manifests import _Pod
    from rhcos_helpers.node_access.debug_pod import DebugPodRunner
    from rhcos_helpers.sources.base import Source

__all__ = ["CaptureError", "CaptureRefused", "PacketCapture", "capture_packets"]

log = logging.getLogger(__name__)

#: Default cap of the pcap size; the capture stops there (the last record may be cut).
DEFAULT_MAX_BYTES = 512 * 1024 * 1024
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_KERNEL_DROPS = re.compile(r"(\d+) packets? dropped by kernel")
_OK_EXIT_CODES = {0: "", 124: "stopped at the time limit", 137: "tcpdump ignored SIGINT; killed"}
_STDERR_KEEP = 64 * 1024


class CaptureRefused(UsageError):
    """A packet capture that may not run: not confirmed, not live, scheduled, or bad output."""


class CaptureError(RhcosHelpersError):
    """A packet capture that ran and failed: no pod, tcpdump failed, nothing usable came back."""


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
            ``packets`` only (then bounded by
            :data:`~rhcos_helpers.node_access.capture_policy.PACKETS_ONLY_SECONDS`).
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

    from rhcos_helpers.node_access.debug_exec import _handshake_error, reraise_interrupt
    from rhcos_helpers.node_access.debug_manifests import CONTAINER_NAME

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
        reraise_interrupt(err)
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
    from rhcos_helpers.node_access.debug_exec import _exit_status

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
