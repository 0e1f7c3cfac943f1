"""node_access.ssh - run a command on a node as ``ssh core@NODE sudo -n -- CMD``.

.. warning:: SSH logins are visible on the cluster. The machine-config daemon notices them and
   annotates the node ``machineconfiguration.openshift.io/ssh=accessed`` (support and alerting
   read that mark). The debug pod (``oc debug node/X``) is the default way to reach a node;
   runbooks print :data:`SSH_NOTICE` before they use SSH, and :class:`SshRunner` logs it once.

:class:`SshRunner` is a :class:`~rhcos_helpers.sources.live_nodes.NodeRunner` that calls the system
OpenSSH client (``ssh``) in a subprocess, never through a shell. Because the real client runs,
everything an administrator already set up works unchanged: ``~/.ssh/config`` (``Host`` entries,
``ProxyJump``, ``IdentityFile``), the agent (``SSH_AUTH_SOCK``), ``known_hosts``, hardware keys.

How the argv travels (why every word is quoted): SSH carries one command *string*, not an argv.
The client joins the words after the host with spaces; ``sshd`` hands that string to the remote
user's login shell as ``$SHELL -c STRING``. A word such as ``a;b`` or ``$(id)`` would otherwise be
run by that shell. So each element is quoted for a POSIX shell with :func:`shlex.quote` before it
is given to ``ssh``: the remote shell then removes exactly one level of quoting and ``sudo``
receives the original elements, one argument each. This is the only correct way to pass an argv
over SSH; it assumes a POSIX login shell on the node (``/bin/bash`` for ``core`` on RHCOS).
``sudo -n --``: ``-n`` fails at once instead of waiting for a password, ``--`` ends sudo's options.

The command line built for ``ssh`` (see :meth:`SshRunner.ssh_argv`)::

    ssh -T -o BatchMode=yes -o ConnectTimeout=10 -o StrictHostKeyChecking=accept-new
        [-F CONFIG] [-i KEY] [-p PORT] [-J BASTION] [-o EXTRA=...] -o LogLevel=ERROR
        -l core HOST -- sudo -n -- 'cat' '/etc/os-release'

* ``-T`` (no terminal): stdout and stderr stay apart and no escape character is active.
* ``BatchMode=yes``: never a password or passphrase prompt; the process also runs in its own
  session (no controlling terminal) with ``SSH_ASKPASS_REQUIRE=never``, so the bastion's own
  ``ssh`` (``ProxyJump``) cannot prompt either.
* ``StrictHostKeyChecking``: ``accept-new`` by default. RHCOS nodes generate their host keys on
  first boot and nothing publishes them, so a first connection is always trust-on-first-use;
  ``accept-new`` records a new node's key and **still refuses a changed key** (a reinstalled
  node or someone in the middle), which is what an administrator running ``ssh core@node`` by
  hand ends up doing. ``None`` leaves the setting to ``~/.ssh/config``; ``"no"`` is accepted with a
  warning. Options given with ``-o`` win over ``~/.ssh/config``.
* ``LogLevel=ERROR``: keeps ssh's own errors but drops login banners and the "Permanently added"
  line, so stderr is the remote command's (an ``extra_options`` ``LogLevel`` replaces it).
* ``ssh`` does not pass ``-o`` options to the ``ProxyJump`` connection (it passes ``-F``): the
  bastion is reached with ``~/.ssh/config`` (or the ``ssh_config`` file), and its host key must
  already be known.

Exit codes: ``ssh`` exits 255 for its own failures (connection, authentication, host key) and
otherwise with the remote command's code. A 255 is reported as an SSH failure naming the host
and the next step (:mod:`~rhcos_helpers.node_access.ssh_errors`); a remote command that itself
exits 255 cannot be told apart (none of the catalogue's commands does).

Examples:
    >>> runner = SshRunner(port=2222, connect_timeout=5)
    >>> cmd = runner.ssh_argv("10.0.0.5", ("echo", "a;b", "$(id)", "it's"))
    >>> cmd[-6:-1]
    ['10.0.0.5', '--', 'sudo', '-n', '--']
    >>> print(cmd[-1])
    echo 'a;b' '$(id)' 'it'"'"'s'
    >>> node_internal_ip({"status": {"addresses": [
    ...     {"type": "Hostname", "address": "worker-0"},
    ...     {"type": "InternalIP", "address": "10.0.0.5"}]}})
    '10.0.0.5'
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
import re
import shlex
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from rhcos_helpers.errors import UsageError
from rhcos_helpers.node_access.ssh_errors import _command_failure, _one_line, _ssh_failure
from rhcos_helpers.sources.base import NodeOutput
from rhcos_helpers.sources.live_nodes import NodeRunner

__all__ = ["SSH_NOTICE", "HostKeyChecking", "SshRunner", "node_internal_ip"]

log = logging.getLogger(__name__)

#: What a runbook prints before it uses SSH (and what :class:`SshRunner` logs on first use).
SSH_NOTICE = (
    "SSH access: logging in to a node over SSH makes the machine-config daemon annotate it "
    "`machineconfiguration.openshift.io/ssh=accessed`, a mark that stays on the node. The debug "
    "pod (`oc debug node/NAME`) is the default way to reach nodes; use SSH only when the API "
    "cannot start one (API down, kubelet broken, no pod exec rights)."
)

HostKeyChecking = Literal["yes", "accept-new", "no"]

#: ``ssh``'s own failures (connection, authentication, host key) exit with this code.
SSH_FAILURE_EXIT = 255

_HOST_KEY_CHECKING: frozenset[str] = frozenset({"yes", "accept-new", "no"})
_OPTION_KEY = re.compile(r"[A-Za-z][A-Za-z0-9]*\Z")
_USER = re.compile(r"[A-Za-z0-9_.][A-Za-z0-9_.-]*\Z")
#: ``-o`` keys the runner sets itself, each with the parameter to use instead.
_RESERVED_OPTIONS = {
    "batchmode": "it is always yes: a runner must never prompt",
    "requesttty": "a terminal would merge stderr into stdout",
    "remotecommand": "the runner sends the command",
    "sessiontype": "the runner sends the command",
    "connecttimeout": "use connect_timeout=",
    "stricthostkeychecking": "use strict_host_key_checking=",
    "user": "use user=",
    "port": "use port=",
    "identityfile": "use identity_file=",
    "proxyjump": "use jump_host=",
}


def node_internal_ip(node: Mapping[str, Any] | None) -> str | None:
    """The first ``InternalIP`` of a Node object (``status.addresses``), or ``None``.

    Args:
        node: a Node as the API returns it (a plain dict), or ``None``.

    Examples:
        >>> node_internal_ip({"status": {"addresses": [{"type": "ExternalIP", "address": "x"}]}})
        >>> node_internal_ip(None)
    """
    if not node:
        return None
    for address in (node.get("status") or {}).get("addresses") or []:
        if address.get("type") == "InternalIP" and address.get("address"):
            return str(address["address"])
    return None


class SshRunner(NodeRunner):
    """Runs an argv on a node's host as ``ssh USER@HOST sudo -n -- ARGV`` (see the module doc).

    Thread-safe: one runner can serve a fan-out over many nodes; each call is one ``ssh``
    process. :meth:`run` never raises for a node it cannot reach.

    Args:
        user: the remote user (``core`` on RHCOS; it has passwordless sudo).
        identity_file: private key (``-i``); ``None`` uses the agent and ``~/.ssh/config``.
        jump_host: bastion(s) for ``-J`` (``[user@]host[:port]``, comma-separated for a chain).
        port: the node's SSH port (``-p``); ``None`` means 22 or ``~/.ssh/config``'s ``Port``.
        ssh_config: a config file for ``-F``. ``None`` lets ``ssh`` read ``~/.ssh/config`` and
            ``/etc/ssh/ssh_config`` as usual; a file given here replaces both.
        host_for: maps a node name to the address to connect to. Wins over ``node_lookup``.
        node_lookup: returns a node's Node object (e.g. ``lambda n: source.get("nodes", n)``);
            the node's first ``InternalIP`` is then used. Without either, the node name is used
            as the host (resolved by DNS or ``~/.ssh/config``).
        connect_timeout: seconds for the TCP connection and handshake (``ConnectTimeout``).
        strict_host_key_checking: ``"accept-new"`` (default), ``"yes"``, ``"no"`` or ``None`` to
            leave it to ``~/.ssh/config`` (see the module doc for why ``accept-new``).
        extra_options: more ``-o`` options as ``"Key=Value"`` strings, e.g.
            ``["IdentitiesOnly=yes", "ControlMaster=auto"]``. Keys the runner sets itself are
            refused with the parameter to use instead.
        ssh_binary: the OpenSSH client to run.

    Raises:
        UsageError: a parameter that cannot work (bad option, missing key or config file,
            unknown host key policy, no ``ssh`` client).
    """

    def __init__(
        self,
        *,
        user: str = "core",
        identity_file: str | os.PathLike[str] | None = None,
        jump_host: str | None = None,
        port: int | None = None,
        ssh_config: str | os.PathLike[str] | None = None,
        host_for: Callable[[str], str] | None = None,
        node_lookup: Callable[[str], Mapping[str, Any] | None] | None = None,
        connect_timeout: float = 10.0,
        strict_host_key_checking: HostKeyChecking | None = "accept-new",
        extra_options: Sequence[str] = (),
        ssh_binary: str = "ssh",
    ) -> None:
        if not _USER.match(user):
            raise UsageError(f"SSH user {user!r} is not a valid user name; use e.g. user='core'")
        self.user = user
        self.identity_file = _existing_file(identity_file, what="identity_file (private key)")
        self.ssh_config = _existing_file(ssh_config, what="ssh_config")
        self.jump_host = _checked_jump_host(jump_host)
        if port is not None and not 0 < port < 65536:
            raise UsageError(f"SSH port {port} is out of range; use 1-65535 (22 by default)")
        self.port = port
        if not connect_timeout > 0:
            raise UsageError(f"connect_timeout={connect_timeout} must be positive (seconds)")
        self.connect_timeout = max(1, math.ceil(connect_timeout))
        if strict_host_key_checking is not None:
            if strict_host_key_checking not in _HOST_KEY_CHECKING:
                raise UsageError(
                    f"strict_host_key_checking={strict_host_key_checking!r} is not one of "
                    "'accept-new', 'yes', 'no' or None"
                )
            if strict_host_key_checking == "no":
                log.warning(
                    "strict_host_key_checking='no': node host keys are not checked, a "
                    "man-in-the-middle would go unnoticed; prefer 'accept-new'"
                )
        self.strict_host_key_checking = strict_host_key_checking
        self.extra_options = tuple(_checked_option(o) for o in extra_options)
        self._ssh_binary = ssh_binary
        self._host_for = host_for
        self._node_lookup = node_lookup
        self._hosts: dict[str, str] = {}
        self._lock = threading.Lock()
        self._noticed = False
        if shutil.which(ssh_binary) is None:
            raise UsageError(
                f"the OpenSSH client {ssh_binary!r} is not installed or not on PATH; install "
                "openssh-clients (RHEL/Fedora) or openssh-client (Debian/Ubuntu)"
            )

    def __repr__(self) -> str:
        via = f" via {self.jump_host}" if self.jump_host else ""
        return f"SshRunner({self.user}@<node>{via})"

    def with_node_lookup(self, node_lookup: Callable[[str], Mapping[str, Any] | None]) -> SshRunner:
        """A copy of this runner that maps nodes to their InternalIP through ``node_lookup``.

        For a source built after the runner: ``runner.with_node_lookup(lambda n:
        source.get("nodes", n))``. A ``host_for`` given to the constructor still wins.
        """
        clone = SshRunner.__new__(SshRunner)
        clone.__dict__.update(self.__dict__)
        clone._node_lookup = node_lookup
        clone._hosts = {}
        clone._lock = threading.Lock()
        return clone

    # ------------------------------------------------------------------------------- argv

    def ssh_argv(self, host: str, argv: Sequence[str]) -> list[str]:
        """The full ``ssh`` command line that runs ``argv`` with sudo on ``host``.

        Each element of ``argv`` is quoted with :func:`shlex.quote` for the remote login shell
        (see the module doc), so metacharacters arrive as literal arguments.

        Raises:
            UsageError: an empty argv, or an element holding a NUL byte (cannot travel).
        """
        _check_argv(argv)
        cmd = [self._ssh_binary, "-T", "-o", "BatchMode=yes"]
        cmd += ["-o", f"ConnectTimeout={self.connect_timeout}"]
        if self.strict_host_key_checking is not None:
            cmd += ["-o", f"StrictHostKeyChecking={self.strict_host_key_checking}"]
        if self.ssh_config is not None:
            cmd += ["-F", self.ssh_config]
        if self.identity_file is not None:
            cmd += ["-i", self.identity_file]
        if self.port is not None:
            cmd += ["-p", str(self.port)]
        if self.jump_host is not None:
            cmd += ["-J", self.jump_host]
        for option in self.extra_options:
            cmd += ["-o", option]
        cmd += ["-o", "LogLevel=ERROR"]  # after the extras: the first value given wins
        remote = " ".join(shlex.quote(a) for a in argv)
        return [*cmd, "-l", self.user, host, "--", "sudo", "-n", "--", remote]

    # --------------------------------------------------------------------------------- run

    def host(self, node: str) -> str:
        """The address ``ssh`` connects to for ``node`` (cached per node).

        Raises:
            Exception: whatever ``host_for`` or ``node_lookup`` raises (:meth:`run` reports it).
        """
        with self._lock:
            cached = self._hosts.get(node)
        if cached is not None:
            return cached
        if self._host_for is not None:
            host = self._host_for(node)
        elif self._node_lookup is not None:
            ip = node_internal_ip(self._node_lookup(node))
            if ip is None:
                log.warning("node %s has no InternalIP in its Node object; using its name", node)
            host = ip or node
        else:
            host = node
        if not host or host.startswith("-") or any(c.isspace() or c in "@\0" for c in host):
            raise ValueError(f"{host!r} is not a host name or address")
        with self._lock:
            self._hosts[node] = host
        return host

    def run(self, node: str, argv: tuple[str, ...], *, timeout: float) -> NodeOutput:
        """Run ``argv`` with sudo on ``node``; never raises for a node it cannot reach.

        Args:
            node: node name (mapped to an address by ``host_for``/``node_lookup``).
            argv: the command, one element per argument.
            timeout: seconds for the whole call; then ``ssh`` (and a ``ProxyJump`` helper) is
                killed. The command may go on running on the node until it ends.

        Returns:
            ``ok`` with stdout/stderr and exit code 0; ``failed`` with the exit code when the
            command failed; ``failed`` without one when ssh could not connect or log in, or the
            time ran out. ``origin`` is ``ssh:<user>@<host>``; ``fact`` is left empty.

        Raises:
            UsageError: an empty argv or one holding a NUL byte (a caller error).
        """
        _check_argv(argv)
        self._notice_once()
        try:
            host = self.host(node)
        except Exception as err:  # a node we cannot map is a failed node
            return NodeOutput(
                node=node,
                fact="",
                status="failed",
                origin="ssh",
                argv=tuple(argv),
                reason=f"no SSH address for node {node!r}: {_one_line(err)}; check host_for= "
                "or node_lookup= (the Node's InternalIP)",
            )
        cmd = self.ssh_argv(host, argv)
        target = f"{self.user}@{host}"
        argv = tuple(argv)
        base = NodeOutput(node=node, fact="", status="failed", origin=f"ssh:{target}", argv=argv)
        log.debug("node %s: %s", node, shlex.join(cmd))
        started = time.monotonic()
        try:
            proc = subprocess.Popen(  # an argv list, never shell=True
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,  # no controlling tty (no prompts); killable as a group
                env={**os.environ, "SSH_ASKPASS_REQUIRE": "never"},
            )
        except OSError as err:
            return _replace(
                base,
                reason=f"cannot start {self._ssh_binary!r}: {_one_line(err)}; install the "
                "OpenSSH client or pass ssh_binary=",
            )
        try:
            out_b, err_b = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            out_b, err_b = _stop(proc)
            return _replace(
                base,
                stdout=_text(out_b),
                stderr=_text(err_b),
                reason=_one_line(
                    f"`{shlex.join(argv)}` on {node} via ssh {target} did not finish within "
                    f"{timeout:g} s; ssh was stopped (the command may still run on the node): "
                    "raise the timeout or check the node's load"
                ),
            )
        except BaseException:  # KeyboardInterrupt, kernel interrupt: leave no ssh behind
            _stop(proc)
            raise
        rc = proc.returncode
        stdout, stderr = _text(out_b), _text(err_b)
        log.debug("node %s: exit %s in %.2f s", node, rc, time.monotonic() - started)
        result = _replace(base, stdout=stdout, stderr=stderr)
        if rc == 0:
            return _replace(result, status="ok", exit_code=0)
        if rc == SSH_FAILURE_EXIT:
            reason = _ssh_failure(
                node,
                host,
                stderr,
                user=self.user,
                port=self.port,
                jump_host=self.jump_host,
                connect_timeout=self.connect_timeout,
            )
            return _replace(result, reason=reason)
        if rc < 0:
            return _replace(
                result,
                reason=_one_line(
                    f"ssh {target} was killed by signal {-rc} while running "
                    f"`{shlex.join(argv)}`; run it again"
                ),
            )
        reason = _command_failure(node, argv, rc, stderr, user=self.user)
        return _replace(result, exit_code=rc, reason=reason)

    def _notice_once(self) -> None:
        with self._lock:
            if self._noticed:
                return
            self._noticed = True
        log.warning("%s", SSH_NOTICE)


# ------------------------------------------------------------------------------- helpers


def _check_argv(argv: Sequence[str]) -> None:
    if not argv:
        raise UsageError("empty argv for SSH; pass the command as a tuple, e.g. ('uptime',)")
    for element in argv:
        if "\0" in element:
            raise UsageError(f"argv element {element!r} holds a NUL byte, which SSH cannot carry")


def _checked_option(option: str) -> str:
    """``Key=Value`` for ``-o``, validated; ``UsageError`` with the reason otherwise."""
    key, sep, value = option.partition("=")
    key = key.strip()
    if not sep or not _OPTION_KEY.match(key) or not value.strip():
        raise UsageError(
            f"extra SSH option {option!r} is not 'Key=Value'; write e.g. 'IdentitiesOnly=yes'"
        )
    if any(c in value for c in "\n\r\0"):
        raise UsageError(f"extra SSH option {key} holds a line break or NUL; remove it")
    reserved = _RESERVED_OPTIONS.get(key.lower())
    if reserved:
        raise UsageError(f"extra SSH option {key} is set by the runner: {reserved}")
    return f"{key}={value.strip()}"


def _checked_jump_host(jump_host: str | None) -> str | None:
    if jump_host is None:
        return None
    hops = jump_host.split(",")
    if not jump_host or any(
        not hop or hop.startswith("-") or any(c.isspace() or c == "\0" for c in hop) for hop in hops
    ):
        raise UsageError(
            f"jump_host {jump_host!r} is not [user@]host[:port][,...]; write e.g. "
            "'core@bastion.example.com' or 'admin@bastion:2222'"
        )
    return jump_host


def _existing_file(path: str | os.PathLike[str] | None, *, what: str) -> str | None:
    if path is None:
        return None
    resolved = Path(path).expanduser()
    if not resolved.is_file():
        raise UsageError(f"{what} {str(path)!r} does not exist or is not a file; check the path")
    return str(resolved)


def _stop(proc: subprocess.Popen[bytes]) -> tuple[bytes, bytes]:
    """Kill ``proc``'s process group (ssh and a ProxyJump helper), reap it, keep its output."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    except PermissionError:  # not our group after all: kill ssh itself
        proc.kill()
    try:
        out, err = proc.communicate(timeout=5)
    except subprocess.TimeoutExpired:  # a grandchild left the group and holds the pipes
        proc.kill()
        proc.wait()
        return b"", b""
    return out or b"", err or b""


def _text(data: bytes | None) -> str:
    return (data or b"").decode("utf-8", errors="replace")


def _replace(out: NodeOutput, **changes: Any) -> NodeOutput:
    return dataclasses.replace(out, **changes)
