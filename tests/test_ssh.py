"""SshRunner: argv building and validation, then real runs against sshd on 127.0.0.1.

The sshd fixture (tests/sshd.py) logs in as the user running the tests; ``sudo -n`` must work
for that user without a password (root in CI).
"""

from __future__ import annotations

import contextlib
import getpass
import logging
import os
import shlex
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from rhcos_helpers.errors import UsageError
from rhcos_helpers.node_access.ssh import SSH_NOTICE, SshRunner, node_internal_ip
from rhcos_helpers.sources.live import LiveSource
from rhcos_helpers.sources.live_nodes import NodeRunner
from tests.simulator import Simulator
from tests.simulator.builders import node, write_capture
from tests.sshd import SshServer, descendants, free_port, sshd_server  # noqa: F401

NODE = "worker-ssh-0"

# --------------------------------------------------------------------------- argv, no sshd


def _remote_words(cmd: list[str]) -> list[str]:
    """What the remote shell makes of the command string (one level of quotes removed)."""
    assert cmd[-5:-1] == ["--", "sudo", "-n", "--"]
    return shlex.split(cmd[-1])


def test_argv_shape_and_defaults() -> None:
    runner = SshRunner()
    cmd = runner.ssh_argv("10.0.0.5", ("cat", "/etc/os-release"))
    assert cmd[:9] == [
        "ssh",
        "-T",
        "-o",
        "BatchMode=yes",
        "-o",
        "ConnectTimeout=10",
        "-o",
        "StrictHostKeyChecking=accept-new",
        "-o",
    ]
    assert cmd[-8:] == ["-l", "core", "10.0.0.5", "--", "sudo", "-n", "--", "cat /etc/os-release"]
    # No -F: the user's ~/.ssh/config is honoured. No -i, -p, -J unless asked for.
    assert not {"-F", "-i", "-p", "-J"} & set(cmd)
    assert isinstance(runner, NodeRunner)


def test_argv_with_every_parameter(tmp_path: Path) -> None:
    key, config = tmp_path / "id_ed25519", tmp_path / "config"
    key.write_text("k")
    config.write_text("")
    runner = SshRunner(
        user="admin",
        identity_file=key,
        jump_host="bastion-user@bastion.example.com:2222",
        port=2200,
        ssh_config=config,
        connect_timeout=2.5,
        strict_host_key_checking=None,
        extra_options=["IdentitiesOnly=yes", "ControlMaster=auto"],
    )
    cmd = runner.ssh_argv("10.0.0.5", ("true",))
    joined = " ".join(cmd)
    assert "-F " + str(config) in joined and "-i " + str(key) in joined
    assert "-p 2200" in joined and "-J bastion-user@bastion.example.com:2222" in joined
    assert "ConnectTimeout=3" in cmd and "StrictHostKeyChecking" not in joined
    assert joined.index("IdentitiesOnly=yes") < joined.index("LogLevel=ERROR")
    assert cmd[-8:-5] == ["-l", "admin", "10.0.0.5"]


@pytest.mark.parametrize(
    "argv",
    [
        ("printf", "%s\n", "a;b", "$(id)", "it's", "two words", '"dq"', "`id`", "*", "", "x\ny"),
        ("sh", "-c", "echo $HOME && exit 3", "ignored"),
        ("--help",),
    ],
)
def test_each_argv_element_survives_the_remote_shell(argv: tuple[str, ...]) -> None:
    assert _remote_words(SshRunner().ssh_argv("h", argv)) == list(argv)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"extra_options": ["IdentitiesOnly"]}, "is not 'Key=Value'"),
        ({"extra_options": ["-oProxyCommand=x"]}, "is not 'Key=Value'"),
        ({"extra_options": ["Port=2222"]}, "use port="),
        ({"extra_options": ["batchmode=no"]}, "always yes"),
        ({"extra_options": ["RequestTTY=yes"]}, "merge stderr"),
        ({"extra_options": ["ProxyCommand=a\nb"]}, "line break"),
        ({"jump_host": "-oProxyCommand=x"}, "is not [user@]host"),
        ({"jump_host": "a b"}, "is not [user@]host"),
        ({"user": "-x"}, "not a valid user name"),
        ({"port": 0}, "out of range"),
        ({"connect_timeout": 0}, "must be positive"),
        ({"strict_host_key_checking": "ask"}, "is not one of"),
        ({"identity_file": "/nonexistent/id_ed25519"}, "does not exist"),
        ({"ssh_config": "/nonexistent/config"}, "does not exist"),
        ({"ssh_binary": "no-such-ssh-client"}, "not installed"),
    ],
)
def test_bad_parameters_are_one_line_usage_errors(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(UsageError) as info:
        SshRunner(**kwargs)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_strict_host_key_checking_no_warns(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        SshRunner(strict_host_key_checking="no")
    assert "man-in-the-middle" in caplog.text


@pytest.mark.parametrize("argv", [(), ("cat", "a\0b")])
def test_argv_that_cannot_travel_is_a_usage_error(argv: tuple[str, ...]) -> None:
    with pytest.raises(UsageError):
        SshRunner().run("n", argv, timeout=1)


def test_host_mapping() -> None:
    nodes = {
        "a": {"status": {"addresses": [{"type": "InternalIP", "address": "10.0.0.7"}]}},
        "b": {"status": {"addresses": [{"type": "Hostname", "address": "b"}]}},
    }
    calls: list[str] = []

    def lookup(name: str) -> dict[str, Any] | None:
        calls.append(name)
        return nodes.get(name)

    runner = SshRunner(node_lookup=lookup)
    assert runner.host("a") == "10.0.0.7" and runner.host("a") == "10.0.0.7"
    assert calls == ["a"]  # cached
    assert runner.host("b") == "b"  # no InternalIP: the node name
    assert SshRunner().host("worker-0") == "worker-0"
    assert SshRunner(host_for=lambda n: n + ".lab", node_lookup=lookup).host("a") == "a.lab"
    rebound = SshRunner().with_node_lookup(lookup)
    assert rebound.host("a") == "10.0.0.7"
    assert node_internal_ip({"status": {}}) is None


def test_unmappable_node_is_a_failed_output_not_an_exception() -> None:
    def host_for(name: str) -> str:
        raise KeyError(name)

    out = SshRunner(host_for=host_for).run("ghost", ("true",), timeout=5)
    assert out.status == "failed" and out.exit_code is None
    assert "no SSH address for node 'ghost'" in out.reason and "host_for=" in out.reason
    bad = SshRunner(host_for=lambda n: "-oProxyCommand=x").run("n", ("true",), timeout=5)
    assert bad.status == "failed" and "not a host name" in bad.reason


def test_notice() -> None:
    assert "machineconfiguration.openshift.io/ssh=accessed" in SSH_NOTICE
    assert "debug pod" in SSH_NOTICE


# ------------------------------------------------------------------------ against sshd


@pytest.fixture(scope="session")
def sudo_works() -> None:
    try:
        done = subprocess.run(["sudo", "-n", "true"], capture_output=True, timeout=10)
    except FileNotFoundError:
        pytest.skip("sudo is not installed: apt-get install -y sudo")
    if done.returncode != 0:
        pytest.skip(
            f"`sudo -n true` fails for {getpass.getuser()}: run the tests as root (as CI does)"
        )


@pytest.fixture
def make_runner(sshd_server: SshServer, sudo_works: None) -> Callable[..., SshRunner]:  # noqa: F811
    """An SshRunner aimed at the test sshd; keyword arguments override the defaults."""

    def make(**kwargs: Any) -> SshRunner:
        options: dict[str, Any] = {
            "user": sshd_server.user,
            "port": sshd_server.port,
            "ssh_config": sshd_server.client_config,
            "host_for": lambda _node: sshd_server.host,
            "connect_timeout": 5,
        }
        options.update(kwargs)
        return SshRunner(**options)

    return make


def test_cat_os_release(
    make_runner: Callable[..., SshRunner],
    sshd_server: SshServer,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    runner = make_runner()
    with caplog.at_level(logging.WARNING, logger="rhcos_helpers.node_access.ssh"):
        out = runner.run(NODE, ("cat", "/etc/os-release"), timeout=30)
        again = runner.run(NODE, ("cat", "/etc/os-release"), timeout=30)
    assert out.status == "ok", out.reason
    assert out.stdout == Path("/etc/os-release").read_text()
    assert out.stderr == "" and out.exit_code == 0 and out.reason == ""
    assert out.origin == f"ssh:{sshd_server.user}@127.0.0.1"
    assert out.node == NODE and out.argv == ("cat", "/etc/os-release")
    assert again.ok
    assert caplog.text.count("ssh=accessed") == 1  # the notice, once per runner


def test_runs_as_root_through_sudo(make_runner: Callable[..., SshRunner]) -> None:
    out = make_runner().run(NODE, ("id", "-u"), timeout=30)
    assert out.ok and out.stdout == "0\n"


def test_stdout_stderr_and_exit_code_apart(make_runner: Callable[..., SshRunner]) -> None:
    runner = make_runner()
    missing = runner.run(NODE, ("ls", "/nonexistent"), timeout=30)
    assert missing.status == "failed" and missing.stdout == ""
    assert missing.exit_code == 2 and "/nonexistent" in missing.stderr
    assert "command `ls /nonexistent` failed on worker-ssh-0 with exit 2" in missing.reason
    assert "ssh " not in missing.reason.split(":")[0]

    both = runner.run(NODE, ("sh", "-c", "echo out; echo err >&2; exit 3"), timeout=30)
    assert (both.stdout, both.stderr, both.exit_code) == ("out\n", "err\n", 3)
    assert both.status == "failed" and "exit 3" in both.reason

    absent = runner.run(NODE, ("no-such-command-xyz",), timeout=30)
    assert absent.exit_code == 1 or absent.exit_code == 127  # sudo: "command not found" is 1


def test_metacharacters_arrive_literally(
    make_runner: Callable[..., SshRunner], tmp_path: Path
) -> None:
    marker = tmp_path / "must-not-exist"
    args = (
        "a;b",
        "$(id)",
        "it's",
        "two  words",
        '"dq"',
        "`id`",
        "*",
        "",
        "x\ny",
        f";touch {marker}",
    )
    argv = ("printf", "%s\n", *args)
    out = make_runner().run(NODE, argv, timeout=30)
    local = subprocess.run(argv, capture_output=True, text=True, check=True)
    assert out.ok, out.reason
    assert out.stdout == local.stdout == "".join(a + "\n" for a in args)
    assert not marker.exists()


def test_wrong_key_is_an_ssh_failure(
    make_runner: Callable[..., SshRunner],
    sshd_server: SshServer,  # noqa: F811
) -> None:
    runner = make_runner(ssh_config=sshd_server.keyless_config, identity_file=sshd_server.wrong_key)
    out = runner.run(NODE, ("true",), timeout=30)
    assert out.status == "failed" and out.exit_code is None  # ssh's 255, not the command's
    assert "Permission denied" in out.stderr
    assert out.reason.startswith(f"ssh {sshd_server.user}@127.0.0.1 (node {NODE}) failed:")
    assert "Permission denied" in out.reason and "authorized_keys" in out.reason
    assert "\n" not in out.reason
    right = make_runner(ssh_config=sshd_server.keyless_config, identity_file=sshd_server.client_key)
    assert right.run(NODE, ("true",), timeout=30).ok


def test_connection_refused(make_runner: Callable[..., SshRunner]) -> None:
    closed = free_port()
    out = make_runner(port=closed).run(NODE, ("true",), timeout=30)
    assert out.status == "failed" and out.exit_code is None
    assert f"port {closed}: Connection refused" in out.reason and "jump_host=" in out.reason


def test_changed_host_key_is_refused(
    make_runner: Callable[..., SshRunner],
    sshd_server: SshServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    other = (sshd_server.wrong_key.with_suffix(".pub")).read_text().split()
    known = tmp_path / "known_hosts"
    known.write_text(f"[127.0.0.1]:{sshd_server.port} {other[0]} {other[1]}\n")
    out = make_runner(extra_options=[f"UserKnownHostsFile={known}"]).run(
        NODE, ("true",), timeout=30
    )
    assert out.status == "failed" and out.exit_code is None
    assert f"ssh-keygen -R [127.0.0.1]:{sshd_server.port}" in out.reason

    strict = make_runner(
        strict_host_key_checking="yes", extra_options=[f"UserKnownHostsFile={tmp_path / 'none'}"]
    ).run(NODE, ("true",), timeout=30)
    assert "Host key verification failed" in strict.reason and "accept-new" in strict.reason


def _ssh_processes(marker: str) -> list[int]:
    """Local processes whose command line mentions ``marker`` (psutil when installed)."""
    try:
        import psutil  # type: ignore[import-untyped]
    except ImportError:
        found = []
        for entry in Path("/proc").iterdir():
            try:
                cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if entry.name.isdigit() and marker in cmdline:
                found.append(int(entry.name))
        return found
    return [
        p.pid
        for p in psutil.process_iter(["cmdline"])
        if any(marker in part for part in p.info["cmdline"] or ())
    ]


def _remote_sleeps(sshd_pid: int) -> set[int]:
    """``sleep 30`` processes sshd runs for a session (the timeout test's remote command)."""
    found = set()
    for pid in descendants(sshd_pid):
        try:
            if Path(f"/proc/{pid}/cmdline").read_bytes() == b"sleep\x0030\x00":
                found.add(pid)
        except OSError:
            continue
    return found


@contextlib.contextmanager
def _reaping_remote_sleeps(sshd_pid: int) -> Iterator[set[int]]:
    """Note the remote ``sleep 30`` while sshd owns it; stop it on exit.

    A command that outlives its dropped session is reparented to init, so its pid is noted
    while it is still below sshd; the set yielded holds the pids seen.
    """
    remote: set[int] = set()
    running = threading.Event()
    running.set()

    def watch() -> None:
        while running.is_set():
            remote.update(_remote_sleeps(sshd_pid))
            time.sleep(0.02)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        yield remote
    finally:
        running.clear()
        watcher.join()
        for pid in remote:
            with contextlib.suppress(OSError):
                if Path(f"/proc/{pid}/cmdline").read_bytes() == b"sleep\x0030\x00":
                    os.kill(pid, signal.SIGKILL)


def _private_config(server: SshServer, tmp_path: Path) -> Path:
    """A copy of the client config at a path only this test's ssh processes mention."""
    config = tmp_path / "ssh_config_marker"
    config.write_text(server.client_config.read_text())
    return config


def test_timeout_kills_ssh(
    make_runner: Callable[..., SshRunner],
    sshd_server: SshServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    config = _private_config(sshd_server, tmp_path)
    started = time.monotonic()
    with _reaping_remote_sleeps(sshd_server.pid) as remote:
        out = make_runner(ssh_config=config).run(NODE, ("sleep", "30"), timeout=8)
        elapsed = time.monotonic() - started
    assert out.status == "failed" and out.exit_code is None
    assert "did not finish within 8 s; ssh was stopped" in out.reason
    assert elapsed < 25  # stopped well before the remote sleep 30 would have ended
    assert remote, "the remote command never started: the timeout hit during the login"
    assert _ssh_processes(str(config)) == []


def test_keyboard_interrupt_kills_ssh_and_propagates(
    make_runner: Callable[..., SshRunner],
    sshd_server: SshServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    config = _private_config(sshd_server, tmp_path)

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        with _reaping_remote_sleeps(sshd_server.pid) as remote:
            signal.setitimer(signal.ITIMER_REAL, 1.5)
            with pytest.raises(KeyboardInterrupt):
                make_runner(ssh_config=config).run(NODE, ("sleep", "30"), timeout=60)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert remote
    assert _ssh_processes(str(config)) == []


def test_proxy_jump_through_a_bastion(
    make_runner: Callable[..., SshRunner],
    sshd_server: SshServer,  # noqa: F811
) -> None:
    # The bastion is the same sshd; the node is `localhost` so ssh sees no jump loop.
    bastion = f"{sshd_server.user}@127.0.0.1:{sshd_server.port}"
    runner = make_runner(jump_host=bastion, host_for=lambda _node: "localhost")
    before = sshd_server.logins()
    out = runner.run(NODE, ("cat", "/etc/os-release"), timeout=30)
    assert out.ok, out.reason
    assert out.stdout == Path("/etc/os-release").read_text()
    assert out.origin == f"ssh:{sshd_server.user}@localhost"
    deadline = time.monotonic() + 5
    while sshd_server.logins() < before + 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sshd_server.logins() == before + 2  # one login on the bastion, one on the node


def test_dead_bastion_names_the_bastion(
    make_runner: Callable[..., SshRunner],
    sshd_server: SshServer,  # noqa: F811
) -> None:
    bastion = f"{sshd_server.user}@127.0.0.1:{free_port()}"
    out = make_runner(jump_host=bastion, host_for=lambda _node: "localhost").run(
        NODE, ("true",), timeout=30
    )
    assert out.status == "failed" and out.exit_code is None
    assert f"via bastion {bastion}" in out.reason and "Connection refused" in out.reason


def test_live_source_uses_the_runner_with_the_node_internal_ip(
    make_runner: Callable[..., SshRunner], tmp_path: Path
) -> None:
    """End to end: LiveSource (simulator) -> SshRunner -> sshd, address from the Node object."""
    capture = write_capture(tmp_path / "cap", [node(NODE, ip="127.0.0.1")])
    with Simulator(capture) as sim:
        kubeconfig = sim.write_kubeconfig(tmp_path / "kc")
        runner = make_runner(host_for=None)
        with LiveSource.from_kubeconfig(
            context=None, spec="kube", config_file=str(kubeconfig)
        ) as probe:
            bound = runner.with_node_lookup(lambda n: probe.get("nodes", n))
            with LiveSource.from_kubeconfig(
                context=None, spec="kube", config_file=str(kubeconfig), node_runner=bound
            ) as src:
                out = src.node_output(NODE, "os_release")
    assert out.ok, out.reason
    assert out.fact == "os_release" and out.origin.endswith("@127.0.0.1")
    assert out.stdout == Path("/etc/os-release").read_text()
