"""catalogue - every node-level fact the runbooks use, and how each source obtains it.

One :class:`NodeFact` per fact. A live source runs :attr:`NodeFact.argv` on the host (through
a debug pod: ``chroot /host`` + argv, or ``ssh core@node sudo`` + argv) or calls the API-only
way in :attr:`NodeFact.api`; a capture reads the first existing :attr:`NodeFact.sos` path of the
node's sos report or the :attr:`NodeFact.must_gather` path; the project's own capture layout
(and the bundled demos) store the live output under ``nodes/<node>/<fact>.out``.

Argv templates may hold ``{name}`` placeholders (``journal_unit`` takes ``unit``, ``since`` and
the optional ``until``); :func:`render_argv` fills them from validated values and never builds a
shell string. An option whose placeholder is optional and not given is left out with its flag.

Examples:
    >>> CATALOGUE["os_release"].argv
    ('cat', '/etc/os-release')
    >>> render_argv(fact("journal_unit"), unit="crio", since="-1h")
    ('journalctl', '--no-pager', '-o', 'json', '--since', '-1h', '-u', 'crio')
    >>> render_argv(fact("journal_unit"), unit="crio", since="-2h", until="-1h")
    ('journalctl', '--no-pager', '-o', 'json', '--since', '-2h', '--until', '-1h', '-u', 'crio')
    >>> [p.path for p in CATALOGUE["crictl_ps"].sos]
    ['sos_commands/crio/crictl_ps_-a', 'sos_commands/crio/crictl_ps']
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

from rhcos_helpers.errors import UsageError

__all__ = [
    "CATALOGUE",
    "NodeFact",
    "SosPath",
    "fact",
    "render_argv",
    "render_template",
]


@dataclass(frozen=True)
class SosPath:
    """A file inside a sos report that carries a fact, and the format it is in.

    Attributes:
        path: relative to the sos report root (``sosreport-<host>-.../``).
        format: ``text``, ``json``, ``table`` (crictl's human table) or ``verbose`` (text form of a
            command whose live form is JSON, e.g. ``rpm-ostree status -v``).
    """

    path: str
    format: str


@dataclass(frozen=True)
class NodeFact:
    """One node-level fact.

    Attributes:
        name: catalogue key, also the file stem in the project's capture layout.
        question: what the fact answers, for people.
        argv: the command on the host (after ``chroot /host``); empty for API-only facts.
        format: the format of the live command's stdout (``json`` or ``text``).
        sos: sos report files that hold the fact, preferred first.
        must_gather: path template (relative to the must-gather image directory) or ``None``.
        must_gather_format: format of that file.
        api: the API-only way (``nodeInfo``, ``stats/summary``, ``logs/journal``) or ``None``.
        since: first OpenShift release whose nodes have the command, or ``None`` for all 4.x.
        params: names of the placeholders ``argv`` and the paths take.
        optional: the params that may be left out; :func:`render_argv` then drops the argument
            holding the placeholder and, when it is an option's value, the option before it.
    """

    name: str
    question: str
    argv: tuple[str, ...]
    format: str = "text"
    sos: tuple[SosPath, ...] = ()
    must_gather: str | None = None
    must_gather_format: str = "text"
    api: str | None = None
    since: str | None = None
    params: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()


_SYSTEMD_UNITS = (
    "crio.service",
    "kubelet.service",
    "NetworkManager.service",
    "ovs-vswitchd.service",
    "ovsdb-server.service",
    "rpm-ostreed.service",
    "chronyd.service",
)

_FACTS = [
    NodeFact(
        "os_release",
        "Which OS and build the node runs (/etc/os-release)",
        ("cat", "/etc/os-release"),
        sos=(SosPath("etc/os-release", "text"), SosPath("usr/lib/os-release", "text")),
        api="nodeInfo",
    ),
    NodeFact(
        "machine_id",
        "The node's machine id (matches nodeInfo.machineID)",
        ("cat", "/etc/machine-id"),
        sos=(SosPath("etc/machine-id", "text"), SosPath("var/lib/dbus/machine-id", "text")),
        api="nodeInfo",
    ),
    NodeFact(
        "hostname",
        "The node's host name",
        ("hostname",),
        sos=(
            SosPath("hostname", "text"),
            SosPath("sos_commands/host/hostname", "text"),
            SosPath("etc/hostname", "text"),
        ),
    ),
    NodeFact(
        "uname",
        "Running kernel (uname -a)",
        ("uname", "-a"),
        sos=(SosPath("sos_commands/kernel/uname_-a", "text"),),
        api="nodeInfo",
    ),
    NodeFact(
        "rpm_ostree_status",
        "Booted, staged, pending and rollback OS deployments",
        ("rpm-ostree", "status", "--json"),
        format="json",
        sos=(SosPath("sos_commands/rpmostree/rpm-ostree_status_-v", "verbose"),),
    ),
    NodeFact(
        "passwd",
        "Local accounts (core, root)",
        ("cat", "/etc/passwd"),
        sos=(SosPath("etc/passwd", "text"),),
    ),
    NodeFact(
        "sudoers",
        "sudo rules",
        ("cat", "/etc/sudoers"),
        sos=(SosPath("etc/sudoers", "text"),),
    ),
    NodeFact(
        "crictl_ps",
        "All containers CRI-O knows (running and exited)",
        ("crictl", "ps", "-a", "-o", "json"),
        format="json",
        sos=(
            SosPath("sos_commands/crio/crictl_ps_-a", "table"),
            SosPath("sos_commands/crio/crictl_ps", "table"),
        ),
    ),
    NodeFact(
        "crictl_pods",
        "Pod sandboxes on the node",
        ("crictl", "pods", "-o", "json"),
        format="json",
        sos=(SosPath("sos_commands/crio/crictl_pods", "table"),),
    ),
    NodeFact(
        "crictl_images",
        "Images in CRI-O's store",
        ("crictl", "images", "-o", "json"),
        format="json",
        sos=(SosPath("sos_commands/crio/crictl_images", "table"),),
    ),
    NodeFact(
        "crictl_stats",
        "Per-container CPU, memory and writable-layer use (one sample)",
        ("crictl", "stats", "-a", "-o", "json"),
        format="json",
        sos=(SosPath("sos_commands/crio/crictl_stats", "table"),),
    ),
    NodeFact(
        "crictl_statsp",
        "Per-pod CPU and memory (one sample)",
        ("crictl", "statsp", "-o", "json"),
        format="json",
        since="4.11",
    ),
    NodeFact(
        "crictl_imagefsinfo",
        "Image filesystem use",
        ("crictl", "imagefsinfo"),
        format="json",
        since="4.11",
    ),
    NodeFact(
        "crictl_version",
        "CRI-O and CRI API versions",
        ("crictl", "version"),
        sos=(SosPath("sos_commands/crio/crictl_version", "text"),),
        api="nodeInfo",
    ),
    NodeFact(
        "systemctl_list_units",
        "Every loaded unit and its state",
        ("systemctl", "list-units", "--all", "--no-pager"),
        sos=(
            SosPath("sos_commands/systemd/systemctl_list-units_--all", "text"),
            SosPath("sos_commands/systemd/systemctl_list-units", "text"),
        ),
    ),
    NodeFact(
        "systemctl_show",
        "Properties of the node's key services",
        ("systemctl", "show", *_SYSTEMD_UNITS),
        sos=(SosPath("sos_commands/systemd/systemctl_show_service_--all", "text"),),
    ),
    NodeFact(
        "journal_unit",
        "A unit's journal over a bounded window",
        (
            "journalctl",
            "--no-pager",
            "-o",
            "json",
            "--since",
            "{since}",
            "--until",
            "{until}",
            "-u",
            "{unit}",
        ),  # fmt: skip
        format="json",
        sos=(SosPath("sos_commands/logs/journalctl_--no-pager", "text"),),
        must_gather="host_service_logs/masters/{unit_stem}_service.log",
        api="logs/journal",
        params=("unit", "since", "until"),
        optional=("until",),
    ),
    NodeFact(
        "chrony_tracking",
        "Time synchronisation state",
        ("chronyc", "-n", "tracking"),
        sos=(SosPath("sos_commands/chrony/chronyc_tracking", "text"),),
    ),
    NodeFact(
        "df",
        "Filesystem use of /var and the container storage",
        ("df", "-P", "-T", "-B1", "/", "/var", "/var/lib/containers"),
        sos=(SosPath("sos_commands/filesys/df_-al_-x_autofs", "text"),),
    ),
    NodeFact(
        "kubelet_stats_summary",
        "The kubelet Summary API (node, pod and container usage; no privileged pod)",
        (),
        format="json",
        api="stats/summary",
    ),
]

CATALOGUE: dict[str, NodeFact] = {f.name: f for f in _FACTS}

_SAFE_VALUE = re.compile(r"^[A-Za-z0-9@%+=:,./_-]+$")


def fact(name: str) -> NodeFact:
    """Look a fact up by name.

    Raises:
        UsageError: for a name the catalogue does not hold.
    """
    try:
        return CATALOGUE[name]
    except KeyError:
        raise UsageError(
            f"unknown node fact {name!r}; known facts: {', '.join(sorted(CATALOGUE))}"
        ) from None


def render_template(template: str, fact_: NodeFact, params: dict[str, str]) -> str:
    """Fill ``{name}`` placeholders of one template with validated values.

    ``unit_stem`` is derived from ``unit`` (``crio.service`` and ``crio`` both give ``crio``).

    Raises:
        UsageError: for a missing, unknown or unsafe value.

    Examples:
        >>> render_template("{unit_stem}_service.log", fact("journal_unit"), {"unit": "crio.service"})
        'crio_service.log'
        >>> render_template("{unit}", fact("journal_unit"), {"unit": "x; rm -rf /"})
        Traceback (most recent call last):
        ...
        rhcos_helpers.errors.UsageError: journal_unit: value 'x; rm -rf /' for unit has characters outside [A-Za-z0-9@%+=:,./_-]; pass a plain unit name or time
    """
    unknown = set(params) - set(fact_.params)
    if unknown:
        raise UsageError(
            f"{fact_.name}: unknown parameter(s) {sorted(unknown)}; it takes {list(fact_.params)}"
        )
    values = dict(params)
    for key, value in params.items():
        if not _SAFE_VALUE.match(value):
            raise UsageError(
                f"{fact_.name}: value {value!r} for {key} has characters outside "
                "[A-Za-z0-9@%+=:,./_-]; pass a plain unit name or time"
            )
    if "unit" in values:
        values["unit_stem"] = values["unit"].removesuffix(".service")
    needed = {f for _, f, _, _ in string.Formatter().parse(template) if f}
    missing = needed - set(values)
    if missing:
        raise UsageError(f"{fact_.name}: missing parameter(s) {sorted(missing)}")
    return template.format(**values)


def render_argv(fact_: NodeFact, **params: str) -> tuple[str, ...]:
    """The argv of a fact with its placeholders filled; each element stays one argument.

    An argument whose placeholder is one of :attr:`NodeFact.optional` and not given is dropped,
    and with it the option (``--until``) it is the value of.

    Raises:
        UsageError: for a missing, unknown or unsafe value.
    """
    skipped = {name for name in fact_.optional if not params.get(name)}
    given = {k: v for k, v in params.items() if k not in skipped}
    out: list[str] = []
    for arg in fact_.argv:
        if _placeholders(arg) & skipped:
            if out and out[-1].startswith("-") and not _placeholders(out[-1]):
                out.pop()  # the option whose value is left out
            continue
        out.append(arg)
    return tuple(render_template(a, fact_, given) for a in out)


def _placeholders(arg: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(arg) if f}
