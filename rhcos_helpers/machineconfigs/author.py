r"""machineconfigs.author - write a MachineConfig from plain inputs, refusing what MCO would refuse.

The seed's workflow, done safely: contents and mode in, a ``50-worker-chrony.yaml``-style object
out (base64 data URL, mode as the decimal integer the API stores, ``overwrite: true``), in the
Ignition version the target release writes (2.2.0 for 4.3–4.5, 3.1.0 for 4.6, 3.2.0 for
4.7–4.13, 3.4.0 for 4.14–4.18, 3.5.0 from 4.19). Nothing is applied here (pure functions):
:mod:`rhcos_helpers.machineconfigs.create` sends the object, after a server-side dry run and
only by hand, and the rollout is followed in ``50-pool-rollout``.

Refused with a one-line :class:`AuthoringError` (what the machine-config daemon or Butane
refuses): users other than ``core``, directories, links, duplicate paths (Ignition 3), modes
with bits beyond 0777, relative paths, bad names, units without a unit suffix.

Examples:
    >>> mc = author_machineconfig(name="50-worker-chrony", role="worker",
    ...     files=[FileSpec("/etc/chrony.conf", "server a iburst\n", mode="0644")],
    ...     target_version="4.16")
    >>> mc.ignition_version, mc.obj["spec"]["config"]["storage"]["files"][0]["mode"]
    ('3.4.0', 420)
    >>> print(mc.yaml.splitlines()[0])
    apiVersion: machineconfiguration.openshift.io/v1
    >>> author_machineconfig(name="x", role="worker", target_version="4.16",
    ...     files=[FileSpec("etc/x", "")])
    Traceback (most recent call last):
    ...
    rhcos_helpers.machineconfigs.author.AuthoringError: file path 'etc/x' is not absolute
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from rhcos_helpers.errors import UsageError
from rhcos_helpers.machineconfigs.merge import minor_version
from rhcos_helpers.machineconfigs.parse import ROLE_LABEL

__all__ = [
    "AuthoredMachineConfig",
    "AuthoringError",
    "FileSpec",
    "UnitSpec",
    "author_machineconfig",
    "ignition_version_for",
    "parse_mode",
]


class AuthoringError(UsageError):
    """An input MCO would refuse (one line: what and why)."""


@dataclass(frozen=True)
class FileSpec:
    """A file to write: absolute path, text or bytes, mode (``0644``, ``"0644"`` or 420)."""

    path: str
    contents: str | bytes
    mode: int | str = 0o644
    user: str = ""
    group: str = ""


@dataclass(frozen=True)
class UnitSpec:
    """A systemd unit: contents (``None`` to only enable/mask), enabled, mask, drop-ins."""

    name: str
    contents: str | None = None
    enabled: bool | None = True
    mask: bool | None = None
    dropins: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class AuthoredMachineConfig:
    """The object (as the API stores it), its YAML and the Ignition version used."""

    obj: dict[str, Any]
    yaml: str
    ignition_version: str

    @property
    def name(self) -> str:
        """``metadata.name``."""
        return str(self.obj["metadata"]["name"])

    def create_command(self, filename: str | None = None) -> str:
        """The ``oc create -f`` command a person runs after saving :attr:`yaml` to a file."""
        return f"oc create -f {filename or self.name + '.yaml'}"


def ignition_version_for(target_version: str) -> str:
    """The Ignition spec MCO writes on a release.

    Examples:
        >>> [ignition_version_for(v) for v in ("4.3", "4.6", "4.12", "4.16", "4.19")]
        ['2.2.0', '3.1.0', '3.2.0', '3.4.0', '3.5.0']
    """
    _, minor = minor_version(target_version)
    if minor <= 5:
        return "2.2.0"
    if minor == 6:
        return "3.1.0"
    if minor <= 13:
        return "3.2.0"
    if minor <= 18:
        return "3.4.0"
    return "3.5.0"


def parse_mode(mode: int | str) -> int:
    """A file mode from ``0644``/``"0644"``/``"644"`` (octal text) or an int (as given).

    Raises:
        AuthoringError: not octal, or bits beyond 0777 (setuid/setgid/sticky).

    Examples:
        >>> parse_mode("0644"), parse_mode("755"), parse_mode(0o600)
        (420, 493, 384)
        >>> parse_mode("4755")
        Traceback (most recent call last):
        ...
        rhcos_helpers.machineconfigs.author.AuthoringError: mode 4755 has bits beyond 0777 (setuid, setgid or sticky): the machine-config daemon does not support them
    """
    if isinstance(mode, str):
        text = mode.strip().removeprefix("0o")
        if not re.fullmatch(r"[0-7]{1,4}", text):
            raise AuthoringError(f"mode {mode!r} is not an octal mode such as 0644")
        value = int(text, 8)
    else:
        value = int(mode)
    if value < 0 or value > 0o777:
        raise AuthoringError(
            f"mode {value:o} has bits beyond 0777 (setuid, setgid or sticky): the "
            "machine-config daemon does not support them"
        )
    return value


_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
_ROLE = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
_UNIT_SUFFIXES = (".service", ".socket", ".device", ".mount", ".automount", ".swap", ".target",
                  ".path", ".timer", ".slice", ".scope")  # fmt: skip


def _data_url(data: bytes) -> str:
    return "data:text/plain;charset=utf-8;base64," + base64.b64encode(data).decode()


def author_machineconfig(
    *,
    name: str,
    role: str,
    target_version: str,
    files: Sequence[FileSpec] = (),
    units: Sequence[UnitSpec] = (),
    kernel_arguments: Sequence[str] = (),
    users: Sequence[str] = (),
    directories: Sequence[str] = (),
    links: Sequence[str] = (),
) -> AuthoredMachineConfig:
    """Build a MachineConfig for a target release.

    Args:
        name: the MachineConfig's name (e.g. ``50-worker-chrony``; the number orders the merge).
        role: the pool role label (``worker``, ``master``, a custom pool's role).
        target_version: the cluster's OpenShift version (``4.N`` or ``4.N.z``).
        files: files to write.
        units: systemd units.
        kernel_arguments: arguments added to the kernel command line.
        users: accounts whose SSH keys would be set: only ``core`` is supported.
        directories: refused (the daemon does not create directories).
        links: refused (the daemon does not create links).

    Raises:
        AuthoringError: what MCO would refuse, in one line.
        UsageError: an unknown target version.
    """
    if not _NAME.match(name):
        raise AuthoringError(
            f"name {name!r} is not a valid object name (lower-case letters, digits, '-', '.')"
        )
    if not _ROLE.match(role):
        raise AuthoringError(f"role {role!r} is not a valid label value")
    for user in users:
        if user != "core":
            raise AuthoringError(
                f"user {user!r}: the machine-config daemon only manages core's SSH keys"
            )
    if directories:
        raise AuthoringError(
            f"directory {directories[0]!r}: the machine-config daemon does not create "
            "directories (write a file in it; parents are created)"
        )
    if links:
        raise AuthoringError(f"link {links[0]!r}: the machine-config daemon does not create links")
    if not (files or units or kernel_arguments):
        raise AuthoringError("nothing to write: give at least a file, a unit or a kernel argument")
    ign = ignition_version_for(target_version)
    v2 = ign.startswith("2.")
    seen: set[str] = set()
    out_files = []
    for f in files:
        if not f.path.startswith("/"):
            raise AuthoringError(f"file path {f.path!r} is not absolute")
        if f.path.endswith("/") or "/../" in f.path + "/" or "//" in f.path:
            raise AuthoringError(f"file path {f.path!r} is not a clean file path")
        if f.path in seen and not v2:
            raise AuthoringError(
                f"file {f.path} is listed twice: Ignition {ign} refuses duplicate paths"
            )
        seen.add(f.path)
        data = f.contents.encode() if isinstance(f.contents, str) else bytes(f.contents)
        entry: dict[str, Any] = {
            "contents": {"source": _data_url(data)},
            "mode": parse_mode(f.mode),
            "overwrite": True,
            "path": f.path,
        }
        if v2:
            entry["filesystem"] = "root"
        if f.user:
            entry["user"] = {"name": f.user}
        if f.group:
            entry["group"] = {"name": f.group}
        out_files.append(entry)
    out_units = []
    unit_names: set[str] = set()
    for u in units:
        if not u.name.endswith(_UNIT_SUFFIXES) or "/" in u.name:
            raise AuthoringError(f"unit {u.name!r} has no systemd unit suffix (e.g. .service)")
        if u.name in unit_names:
            raise AuthoringError(f"unit {u.name} is listed twice")
        unit_names.add(u.name)
        unit: dict[str, Any] = {"name": u.name}
        if u.contents is not None:
            unit["contents"] = u.contents
        if u.enabled is not None:
            unit["enabled"] = u.enabled
        if u.mask is not None:
            unit["mask"] = u.mask
        if u.dropins:
            unit["dropins"] = [{"name": n, "contents": c} for n, c in u.dropins]
        out_units.append(unit)
    config: dict[str, Any] = {"ignition": {"version": ign}}
    if out_files:
        config["storage"] = {"files": out_files}
    if out_units:
        config["systemd"] = {"units": out_units}
    spec: dict[str, Any] = {"config": config}
    if kernel_arguments:
        spec["kernelArguments"] = [str(a) for a in kernel_arguments]
    obj: dict[str, Any] = {
        "apiVersion": "machineconfiguration.openshift.io/v1",
        "kind": "MachineConfig",
        "metadata": {"labels": {ROLE_LABEL: role}, "name": name},
        "spec": spec,
    }
    text = yaml.safe_dump(obj, sort_keys=False, default_flow_style=False, width=100000)
    return AuthoredMachineConfig(obj=obj, yaml=text, ignition_version=ign)
