"""node_access.debug_exec - one command in a debug pod: ``exec chroot /host ARGV``, output apart.

The runner (:mod:`~rhcos_helpers.node_access.debug_pod`) hands every command of a node to
:func:`_exec`: an ``exec`` of ``["chroot", "/host", *argv]`` in the pod's container (an argv
list, never ``sh -c``) over the exec websocket, with stdout, stderr and the exit code (from the
channel-3 Status) kept apart. The result is a
:class:`~rhcos_helpers.sources.base.NodeOutput`: ``ok`` for exit code 0, else ``failed`` with a
reason naming the cause and the next step (a non-zero exit, a timeout, a dropped connection, a
refused handshake: 403, 401, or a pod that is gone).

Examples:
    >>> _exit_status('{"status": "Failure", "details": {"causes": '
    ...              '[{"reason": "ExitCode", "message": "2"}]}}')
    (2, '')
    >>> _exit_status('{"status": "Success"}')
    (0, '')
"""

from __future__ import annotations

import json
import logging
import re
import shlex
import time
from collections.abc import Callable
from typing import Any

import yaml
from kubernetes.client.exceptions import ApiException
from kubernetes.stream import stream as k8s_stream
from kubernetes.stream import ws_client
from websocket import WebSocketException

from rhcos_helpers.node_access._kube_http import _one_line
from rhcos_helpers.node_access.debug_manifests import CONTAINER_NAME, _Pod
from rhcos_helpers.sources.base import NodeOutput

log = logging.getLogger(__name__)

_HANDSHAKE_STATUS = re.compile(r"Handshake status (\d{3})")
_STATUS_MESSAGE = re.compile(r'"message"\s*:\s*"((?:[^"\\]|\\.)*)"')


def _exec(
    core_api: Any,
    pod: _Pod,
    argv: tuple[str, ...],
    timeout: float,
    *,
    forget: Callable[[_Pod], None],
) -> NodeOutput:
    """Run ``chroot /host *argv`` in the pod through ``core_api`` (a ``CoreV1Api``).

    ``forget`` drops a pod the exec found gone, so that the next command starts a new one.
    """
    command = ["chroot", "/host", *argv]
    started = time.monotonic()
    try:
        ws = k8s_stream(
            core_api.connect_get_namespaced_pod_exec,
            pod.name,
            pod.namespace,
            command=command,
            container=CONTAINER_NAME,
            stderr=True,
            stdin=False,
            stdout=True,
            tty=False,
            _preload_content=False,
        )
    except ApiException as err:
        reraise_interrupt(err)
        return _exec_refused(pod, argv, err, forget=forget)
    stdout = stderr = status_text = ""
    timed_out = dropped = False
    try:
        if ws.sock is not None:
            ws.sock.settimeout(max(1.0, timeout))
        while ws.is_open():
            remaining = started + timeout - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            ws.update(timeout=min(remaining, 5.0))
    except (WebSocketException, OSError) as err:
        log.debug("exec in %s: connection ended: %s", pod.origin, err)
        dropped = True
    finally:
        stdout = _read_channel(ws, ws_client.STDOUT_CHANNEL)
        stderr = _read_channel(ws, ws_client.STDERR_CHANNEL)
        status_text = _read_channel(ws, ws_client.ERROR_CHANNEL)
        ws.close()
        if ws.sock is not None:
            # websocket-client leaves the socket open when the server closed first
            # (its close() returns early once it answered the server's close frame).
            ws.sock.shutdown()
    shown = shlex.join(argv)
    if timed_out:
        return _failed(
            pod.node, argv, pod.origin,
            f"`{shown}` did not finish within {timeout:g} s on node {pod.node}; raise the "
            "node timeout or check the node (the command may still run in the pod)",
            stdout=stdout, stderr=stderr,
        )  # fmt: skip
    exit_code, problem = _exit_status(status_text)
    if exit_code is None:
        why = problem or ("connection dropped" if dropped else "no exit status received")
        return _failed(
            pod.node, argv, pod.origin,
            f"exec of `{shown}` in {pod.origin} failed: {why}; retry, or check the pod with "
            f"`oc describe pod -n {pod.namespace} {pod.name}`",
            stdout=stdout, stderr=stderr,
        )  # fmt: skip
    if exit_code != 0:
        first = next((ln for ln in stderr.splitlines() if ln.strip()), "")
        return NodeOutput(
            node=pod.node,
            fact="",
            status="failed",
            stdout=stdout,
            stderr=stderr,
            exit_code=exit_code,
            origin=pod.origin,
            argv=argv,
            reason=f"`{shown}` exited with {exit_code} on node {pod.node}"
            + (f": {_one_line(first)}" if first else "")
            + "; see stderr",
        )
    return NodeOutput(
        node=pod.node,
        fact="",
        status="ok",
        stdout=stdout,
        stderr=stderr,
        exit_code=0,
        origin=pod.origin,
        argv=argv,
    )


def _exec_refused(
    pod: _Pod, argv: tuple[str, ...], err: ApiException, *, forget: Callable[[_Pod], None]
) -> NodeOutput:
    status, message = _handshake_error(err)
    if status == 404 or (status == 400 and "container not found" in message.lower()):
        forget(pod)
        reason = (
            f"debug pod {pod.namespace}/{pod.name} is gone ({status}: {message}); the next "
            "command starts a new one"
        )
    elif status == 403:
        reason = (
            f"forbidden to exec in {pod.origin} (403: {message}); ask for RBAC "
            "`create pods/exec` or use a cluster-admin context"
        )
    elif status == 401:
        reason = "401 Unauthorized on exec: token expired or invalid; run `oc login` again"
    else:
        what = f"{status}: {message}" if status else message
        reason = f"exec in {pod.origin} failed ({what}); check the API server and retry"
    return _failed(pod.node, argv, pod.origin, reason)


def _failed(
    node: str,
    argv: tuple[str, ...],
    origin: str,
    reason: str,
    *,
    stdout: str = "",
    stderr: str = "",
) -> NodeOutput:
    return NodeOutput(
        node=node,
        fact="",
        status="failed",
        stdout=stdout,
        stderr=stderr,
        origin=origin or "debug-pod",
        argv=argv,
        reason=reason,
    )


def _read_channel(ws: Any, channel: int) -> str:
    """What a WSClient buffered on one channel (without waiting for more)."""
    try:
        return str(ws.read_channel(channel, timeout=0))
    except (WebSocketException, OSError) as err:
        log.debug("reading channel %d after the connection ended: %s", channel, err)
        return ""


def _exit_status(text: str) -> tuple[int | None, str]:
    """Exit code from the exec's channel-3 Status, or ``None`` and what went wrong."""
    if not text.strip():
        return None, ""
    try:
        status = json.loads(text)
    except ValueError:
        try:
            status = yaml.safe_load(text)
        except yaml.YAMLError:
            return None, _one_line(text)
    if not isinstance(status, dict):
        return None, _one_line(text)
    if status.get("status") == "Success":
        return 0, ""
    for cause in (status.get("details") or {}).get("causes") or []:
        if cause.get("reason") == "ExitCode":
            try:
                return int(cause.get("message")), ""
            except (TypeError, ValueError):
                break
    return None, _one_line(status.get("message") or text)


def reraise_interrupt(err: ApiException) -> None:
    """Raise the Ctrl-C (or exit) that ``kubernetes.stream`` wrapped into ``ApiException(0, '')``.

    The client's ``websocket_call`` catches ``KeyboardInterrupt`` and ``SystemExit`` during the
    exec handshake and raises ``ApiException(status=0, reason=str(e))`` from them: an interrupt
    must stay an interrupt (the caller's cleanup removes the debug pod and stops the run).
    """
    if isinstance(err.__context__, KeyboardInterrupt | SystemExit):
        raise err.__context__


def _handshake_error(err: ApiException) -> tuple[int, str]:
    """HTTP status and Status message of a refused exec websocket handshake."""
    text = str(err.reason or "")
    match = _HANDSHAKE_STATUS.search(text)
    status = int(match.group(1)) if match else int(err.status or 0)
    messages = _STATUS_MESSAGE.findall(text)
    if messages:
        try:
            return status, _one_line(json.loads(f'"{messages[-1]}"'))
        except ValueError:
            return status, _one_line(messages[-1])
    return status, _one_line(text.split(" -+-+- ")[0])
