"""A real OpenSSH server on 127.0.0.1 for the SSH runner's tests.

``from tests.sshd import sshd_server`` in a test module makes the session-scoped fixture
available. It starts ``/usr/sbin/sshd -D -e -f CONFIG`` on a free loopback port with a generated
ed25519 host key and one authorised client key, all under a pytest temporary directory, and
stops it (and every process it started) at the end of the session. The login user is whoever
runs the tests (root in CI, where ``.ci/run`` installs ``openssh-server openssh-client sudo``).

Client side, :attr:`SshServer.client_config` is an ``ssh -F`` file holding everything the tests
need (the key, ``IdentitiesOnly``, a private ``known_hosts``), so the developer's own
``~/.ssh/config`` and agent keys never take part.
"""

from __future__ import annotations

import getpass
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

SSHD = "/usr/sbin/sshd"
HOST = "127.0.0.1"
_START_TIMEOUT = 10.0

__all__ = ["HOST", "SshServer", "descendants", "free_port", "running_sshd", "sshd_server"]


@dataclass(frozen=True)
class SshServer:
    """A running sshd and the client files that log in to it.

    Attributes:
        host: the loopback address sshd listens on.
        port: its port.
        user: the login user (the user running the tests).
        pid: sshd's process id.
        directory: the temporary directory holding all files below.
        client_key: private key listed in sshd's AuthorizedKeysFile.
        wrong_key: a private key sshd does not know.
        client_config: ``ssh -F`` file: client_key, IdentitiesOnly, private known_hosts, batch mode.
        keyless_config: the same without an IdentityFile (the key comes from ``-i``).
        log: sshd's log (``-e``: its stderr), at LogLevel VERBOSE.
    """

    host: str
    port: int
    user: str
    pid: int
    directory: Path
    client_key: Path
    wrong_key: Path
    client_config: Path
    keyless_config: Path
    log: Path

    def logins(self) -> int:
        """Accepted public-key logins so far (a ProxyJump run makes two)."""
        return self.log.read_text(errors="replace").count("Accepted publickey for ")


def free_port() -> int:
    """A loopback TCP port that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def descendants(pid: int) -> list[int]:
    """Process ids below ``pid`` (children, grandchildren...), read from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...; comm may hold spaces and parentheses
        fields = stat[stat.rindex(")") + 2 :].split()
        parents[int(entry.name)] = int(fields[1])
    found: list[int] = []
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        children = [p for p, pp in parents.items() if pp == parent]
        found += children
        frontier += children
    return found


def _keygen(path: Path, comment: str) -> None:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)],
        check=True,
        stdin=subprocess.DEVNULL,
    )


def _wait_for_banner(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    """Return once sshd answers with its ``SSH-2.0-`` banner; fail with its log otherwise."""
    deadline = time.monotonic() + _START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"sshd exited with {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            with socket.create_connection((HOST, port), timeout=1) as sock:
                if sock.recv(64).startswith(b"SSH-2.0-"):
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"sshd did not answer on {HOST}:{port}: {log.read_text()[-2000:]}")


@contextmanager
def running_sshd(directory: Path) -> Iterator[SshServer]:
    """Start sshd with files under ``directory``; stop it and its children on exit."""
    host_key, client_key, wrong_key = (directory / n for n in ("host_key", "client", "wrong"))
    _keygen(host_key, "rhcos-runbooks test host")
    _keygen(client_key, "rhcos-runbooks test client")
    _keygen(wrong_key, "rhcos-runbooks unknown client")
    authorized = directory / "authorized_keys"
    authorized.write_text(client_key.with_suffix(".pub").read_text())
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation dir
    log = directory / "sshd.log"
    known_hosts = directory / "known_hosts"
    client_common = (
        "Host *\n"
        "  BatchMode yes\n"
        "  IdentitiesOnly yes\n"
        f"  UserKnownHostsFile {known_hosts}\n"
        "  GlobalKnownHostsFile /dev/null\n"
        "  StrictHostKeyChecking accept-new\n"
    )
    keyless_config = directory / "ssh_config_keyless"
    keyless_config.write_text(client_common)
    client_config = directory / "ssh_config"
    client_config.write_text(client_common + f"  IdentityFile {client_key}\n")
    last_error: Exception | None = None
    for _attempt in range(3):  # the free port may be taken between probe and bind
        port = free_port()
        config = directory / "sshd_config"
        config.write_text(
            f"Port {port}\n"
            f"ListenAddress {HOST}\n"
            f"HostKey {host_key}\n"
            f"AuthorizedKeysFile {authorized}\n"
            f"PidFile {directory / 'sshd.pid'}\n"
            "UsePAM no\n"
            "StrictModes no\n"
            "PasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\n"
            "PermitRootLogin prohibit-password\n"
            "AllowTcpForwarding yes\n"
            "LogLevel VERBOSE\n"
        )
        with log.open("ab") as log_file:
            proc = subprocess.Popen(
                [SSHD, "-D", "-e", "-f", str(config)],
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=log_file,
                start_new_session=True,
            )
        try:
            _wait_for_banner(port, proc, log)
        except RuntimeError as err:
            last_error = err
            _stop(proc)
            continue
        try:
            yield SshServer(
                host=HOST,
                port=port,
                user=getpass.getuser(),
                pid=proc.pid,
                directory=directory,
                client_key=client_key,
                wrong_key=wrong_key,
                client_config=client_config,
                keyless_config=keyless_config,
                log=log,
            )
        finally:
            _stop(proc)
        return
    raise RuntimeError(f"sshd would not start: {last_error}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop sshd's per-connection children first (they outlive it), then sshd itself."""
    for pid in descendants(proc.pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="session")
def sshd_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshServer]:
    """A real sshd on 127.0.0.1 for the whole test session (skips when OpenSSH is missing)."""
    missing = [
        name
        for name, path in (("sshd", SSHD), ("ssh", "ssh"), ("ssh-keygen", "ssh-keygen"))
        if shutil.which(path) is None
    ]
    if missing:
        pytest.skip(
            f"OpenSSH not installed ({', '.join(missing)} missing): "
            "apt-get install -y openssh-server openssh-client sudo"
        )
    with running_sshd(tmp_path_factory.mktemp("sshd")) as server:
        yield server
