"""node_access.ssh_errors - what a failed ``ssh`` call means, in one line with the next step.

``ssh`` exits 255 for its own failures (connection, authentication, host key) and otherwise with
the remote command's code. :func:`_ssh_failure` turns an exit 255 into one line: what ``ssh``
said on stderr, what it means (a changed or unknown host key, a key file others can read, an
agent offering too many keys, a refused key, a name that does not resolve, nothing listening, a
timeout or no route that points at a bastion, a connection closed during the handshake) and
what to do next, the first match in :data:`_SSH_ERRORS` winning. :func:`_command_failure` does
the same for a remote command that ran and failed (sudo asking for a password, a missing
command). :class:`~rhcos_helpers.node_access.ssh.SshRunner` puts these lines in the ``reason``
of its failed outputs.

Examples:
    >>> _ssh_failure("worker-0", "10.0.0.5", "ssh: connect to host 10.0.0.5 port 22: "
    ...              "Connection refused", user="core", port=None, jump_host=None,
    ...              connect_timeout=10).split(": ")[-1]
    'nothing listens on the SSH port; check port= and that sshd runs, or reach the node through a bastion (jump_host= or ProxyJump in ~/.ssh/config)'
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence

#: (text in ssh's stderr, what it means and what to do next). First match wins.
_SSH_ERRORS: tuple[tuple[str, str], ...] = (
    (
        "REMOTE HOST IDENTIFICATION HAS CHANGED",
        "the host key of {target} changed (node reinstalled, or someone in the middle); if the "
        "node was reinstalled, remove the old key with `ssh-keygen -R {known_host}` and retry",
    ),
    (
        "Host key verification failed",
        "the host key of {target} is not known and strict checking is on; check its fingerprint "
        "and add it to known_hosts, or use strict_host_key_checking='accept-new'",
    ),
    (
        "UNPROTECTED PRIVATE KEY FILE",
        "the private key file is readable by others and ssh ignores it; `chmod 600` it",
    ),
    (
        "Too many authentication failures",
        "the server gave up after too many keys were offered (agent); pass identity_file= and "
        "extra_options=['IdentitiesOnly=yes']",
    ),
    (
        "Permission denied",
        "authentication as {user} failed; check that the key (identity_file=, ssh-agent or an "
        "IdentityFile in ~/.ssh/config) is in the node's authorized_keys (MachineConfig "
        "99-<pool>-ssh)",
    ),
    (
        "Could not resolve hostname",
        "the name does not resolve; map nodes to their InternalIP (node_lookup= or host_for=) "
        "or add a Host entry with HostName to ~/.ssh/config",
    ),
    (
        "Connection refused",
        "nothing listens on the SSH port; check port= and that sshd runs, or reach the node "
        "through a bastion (jump_host= or ProxyJump in ~/.ssh/config)",
    ),
    (
        "timed out",
        "no answer within {connect_timeout} s; the node is probably reachable only through a "
        "bastion: set jump_host= (or ProxyJump in ~/.ssh/config)",
    ),
    (
        "No route to host",
        "no route to the node from here; reach it through a bastion (jump_host= or ProxyJump in "
        "~/.ssh/config)",
    ),
    (
        "Network is unreachable",
        "no route to the node from here; reach it through a bastion (jump_host= or ProxyJump in "
        "~/.ssh/config)",
    ),
    (
        "Connection closed",
        "the connection was closed during the handshake (a bastion that cannot reach the node, "
        "a firewall, or sshd refusing the client); check the bastion and ~/.ssh/config",
    ),
)
_SSH_ERROR_DEFAULT = "check the key, the bastion (jump_host=) and ~/.ssh/config"


def _ssh_failure(
    node: str,
    host: str,
    stderr: str,
    *,
    user: str,
    port: int | None,
    jump_host: str | None,
    connect_timeout: int,
) -> str:
    """One line for an ssh exit 255: what ssh said, what it means, the next step."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip(" @")]
    target = f"{user}@{host}"
    known_host = f"[{host}]:{port}" if port and port != 22 else host
    via = f" via bastion {jump_host}" if jump_host else ""
    for needle, advice in _SSH_ERRORS:
        said = next((line for line in lines if needle.lower() in line.lower()), None)
        if said is not None:
            text = advice.format(
                target=target,
                known_host=known_host,
                user=user,
                connect_timeout=connect_timeout,
            )
            return _one_line(f"ssh {target}{via} (node {node}) failed: {said}: {text}")
    said = lines[-1] if lines else "no message"
    return _one_line(
        f"ssh {target}{via} (node {node}) failed with exit 255: {said}; {_SSH_ERROR_DEFAULT}"
    )


def _command_failure(node: str, argv: Sequence[str], rc: int, stderr: str, *, user: str) -> str:
    """One line for a remote command that ran and exited non-zero."""
    first = next((line.strip() for line in stderr.splitlines() if line.strip()), "")
    if "a password is required" in stderr or "a terminal is required" in stderr:
        return _one_line(
            f"sudo on {node} needs a password for {user}: {first}; use a user with "
            "passwordless sudo (core has it on RHCOS)"
        )
    said = f": {first}" if first else " (no stderr)"
    hint = "; the command is missing on the node" if rc == 127 else "; see stderr"
    return _one_line(f"command `{shlex.join(argv)}` failed on {node} with exit {rc}{said}{hint}")


def _one_line(value: object) -> str:
    """Collapse whitespace so a message stays on one line (cut at 400 characters)."""
    text = " ".join(str(value).split())
    return text if len(text) <= 400 else text[:397] + "..."
