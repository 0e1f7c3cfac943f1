"""The exec websocket of the simulator, answering ``chroot /host ARGV`` from a capture.

``GET /api/v1/namespaces/<ns>/pods/<pod>/exec?command=chroot&command=/host&command=...`` with a
websocket upgrade and subprotocol ``v5.channel.k8s.io`` or ``v4.channel.k8s.io`` (the official
client offers both, v5 first; :attr:`PodScript.exec_protocols` narrows what is accepted). Frames
are binary, the first byte is the channel: 1 stdout, 2 stderr, 3 the final ``Status`` (always
sent: ``Success``, or ``Failure``/``NonZeroExitCode`` with the exit code in
``details.causes[0]``, or ``InternalError`` when the executable does not exist in the
container); then a websocket close frame (code 1000).

The host argv is looked up in ``nodes/<node>/facts.json`` of the capture (the entry whose
``argv`` equals it): stdout from ``<stem>.out``, stderr from ``<stem>.err``, the exit code from
the entry (a fact recorded as failed without an exit code answers its reason on stderr and 1).
An argv the capture does not hold answers as chroot does for a missing program: stderr
``chroot: failed to run command '<argv0>': No such file or directory``, exit code 127.

A command run in the container itself (no ``chroot /host``) answers from
:attr:`PodScript.container_answers` (bytes as given: binary-safe, e.g. a pcap from
``tcpdump -w -``), else ``true``/``echo``, else as a missing executable.

Refusals before the upgrade come as Status errors: 404 for a missing pod, 400 for a pod not
running or a wrong container, 400 without an upgrade request.
"""

from __future__ import annotations

import asyncio
import fnmatch
import json
import logging
import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from tests.simulator.pods import _Invalid, exec_delay

if TYPE_CHECKING:
    from tests.simulator.pods import Workloads
    from tests.simulator.server import _App

__all__ = ["host_answer", "serve_exec"]

log = logging.getLogger(__name__)

STDOUT, STDERR, ERROR = 1, 2, 3
_CHUNK = 32 * 1024


async def serve_exec(
    wl: Workloads, app: _App, request: web.Request, user: str, namespace: str, name: str
) -> web.StreamResponse:
    """Answer one exec request (see the module docstring)."""
    pods = wl._resource("pods")
    app._authorize(user, pods, "create", namespace=namespace, name=name, subresource="exec")
    pod = pods.find(name, namespace)
    if pod is None:
        raise _Invalid(404, "NotFound", f'pods "{name}" not found', {"name": name, "kind": "pods"})
    containers = [c["name"] for c in pod["spec"].get("containers") or []]
    container = request.query.get("container") or (containers[0] if len(containers) == 1 else "")
    if container not in containers:
        raise _Invalid(400, "BadRequest", f"container {container} is not valid for pod {name}")
    phase = (pod.get("status") or {}).get("phase")
    if phase in ("Succeeded", "Failed"):
        raise _Invalid(
            400,
            "BadRequest",
            f"cannot exec into a container in a completed pod; current phase is {phase}",
        )
    if phase != "Running":
        raise _Invalid(
            400, "BadRequest", f'unable to upgrade connection: container not found ("{container}")'
        )
    command = request.query.getall("command", [])
    if not command:
        raise _Invalid(400, "BadRequest", "you must specify at least 1 command")
    if request.headers.get("Upgrade", "").lower() != "websocket":
        raise _Invalid(400, "BadRequest", "Upgrade request required")
    ws = web.WebSocketResponse(protocols=wl.script.exec_protocols)
    await ws.prepare(request)
    node = str(pod["spec"].get("nodeName") or "")
    host_argv = command[2:] if command[:2] == ["chroot", "/host"] else None
    delay = exec_delay(wl.script, host_argv if host_argv is not None else command)
    if delay > 0 and await _client_left(ws, delay):
        return ws
    if host_argv is None:
        out, err, status = _container_answer(command, wl.script.container_answers)
    else:
        out, err, code = host_answer(wl.sim.state.root, node, host_argv)
        status = _exit_status(command, code)
    try:
        for channel, data in ((STDOUT, out), (STDERR, err)):
            for start in range(0, len(data), _CHUNK):
                await ws.send_bytes(bytes([channel]) + data[start : start + _CHUNK])
        await ws.send_bytes(bytes([ERROR]) + json.dumps(status).encode())
        await ws.close()
    except (ConnectionResetError, ConnectionError) as exc:
        log.debug("exec client went away: %s", exc)
    return ws


async def _client_left(ws: web.WebSocketResponse, seconds: float) -> bool:
    """Wait ``seconds`` (the command running); ``True`` when the client closed meanwhile."""
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while (left := end - loop.time()) > 0:
        try:
            msg = await ws.receive(timeout=left)
        except TimeoutError:
            return False
        if msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
            return True
    return False


def host_answer(root: Path, node: str, argv: list[str]) -> tuple[bytes, bytes, int]:
    """(stdout, stderr, exit code) of host ``argv`` on ``node`` from the capture at ``root``."""
    if not argv:
        return b"", b"", 0  # `chroot /host` alone starts a shell that reads an empty stdin
    node_dir = root / "nodes" / node
    try:
        facts = json.loads((node_dir / "facts.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        facts = {}
    for stem, entry in facts.items():
        if isinstance(entry, dict) and list(entry.get("argv") or []) == argv:
            out_path, err_path = node_dir / f"{stem}.out", node_dir / f"{stem}.err"
            out = out_path.read_bytes() if out_path.is_file() else b""
            err = err_path.read_bytes() if err_path.is_file() else b""
            code = entry.get("exit_code")
            if code is None:
                if entry.get("status") == "ok":
                    return out, err, 0
                reason = str(entry.get("reason") or "the command did not run")
                return out, err or (reason + "\n").encode(), 1
            return out, err, int(code)
    return (
        b"",
        f"chroot: failed to run command '{argv[0]}': No such file or directory\n".encode(),
        127,
    )


def _exit_status(command: list[str], code: int) -> dict[str, Any]:
    if code == 0:
        return {"metadata": {}, "status": "Success"}
    return {
        "metadata": {},
        "status": "Failure",
        "message": f"command terminated with non-zero exit code: error executing command "
        f"[{' '.join(command)}], exit code {code}",
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]},
    }


def _container_answer(
    command: list[str], scripted: dict[str, tuple[bytes, bytes, int]]
) -> tuple[bytes, bytes, dict[str, Any]]:
    """Commands in the debug container itself: scripted ones, ``true``, ``echo``; no others."""
    joined = " ".join(command)
    for pattern, (out, err, code) in scripted.items():
        if fnmatch.fnmatchcase(joined, pattern):
            return out, err, _exit_status(command, code)
    if command[0] == "true":
        return b"", b"", _exit_status(command, 0)
    if command[0] == "echo":
        return (" ".join(command[1:]) + "\n").encode(), b"", _exit_status(command, 0)
    message = (
        "Internal error occurred: error executing command in container: failed to exec in "
        f"container: failed to start exec: OCI runtime exec failed: exec failed: unable to start "
        f'container process: exec: "{command[0]}": executable file not found in $PATH: unknown'
    )
    status = {
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": "InternalError",
        "details": {"causes": [{"message": message}]},
        "code": 500,
    }
    log.debug("exec of %s: no such executable in the container", shlex.join(command))
    return b"", b"", status
