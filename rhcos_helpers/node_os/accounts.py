"""node_os.accounts - local accounts (``/etc/passwd``) and sudo rules (``/etc/sudoers``) of nodes.

On RHCOS the ``core`` user (uid 1000, home ``/var/home/core``) is the only login user; SSH keys
from MachineConfigs go to it. ``/etc/sudoers`` is RHEL's stock file; its ``#includedir
/etc/sudoers.d`` (not a comment) pulls in drop-ins this runbook does not collect.

Sample (RHCOS 4.16 ``/etc/passwd``, last lines; full file in ``tests/data/commands/passwd/``)::

    systemd-oom:x:993:990:systemd Userspace OOM Killer:/:/usr/sbin/nologin
    core:x:1000:1000:CoreOS Admin:/var/home/core:/bin/bash
    containers:x:994:991:User for housing the sub ID range for containers:/var/home/containers:/sbin/nologin

Examples:
    >>> [e.name for e in parse_passwd(PASSWD_416) if e.can_log_in]
    ['root', 'core']
    >>> [r.who for r in parse_sudoers(SUDOERS_416) if r.kind == "include"]
    ['/etc/sudoers.d']
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from rhcos_helpers.errors import ParseError
from rhcos_helpers.findings import Finding, Severity
from rhcos_helpers.node_os.fleet import NodeFleet, parse_output
from rhcos_helpers.node_os.versions import is_coreos
from rhcos_helpers.sources.base import Attempt

__all__ = [
    "ACCOUNT_COLUMNS",
    "SUDO_COLUMNS",
    "PasswdEntry",
    "SudoRule",
    "accounts_frame",
    "findings",
    "parse_passwd",
    "parse_sudoers",
    "sudo_frame",
]

COL_NODE = "node"
COL_NOTE = "node output"


@dataclass(frozen=True)
class PasswdEntry:
    """One ``/etc/passwd`` line."""

    name: str
    uid: int
    gid: int
    gecos: str
    home: str
    shell: str

    @property
    def can_log_in(self) -> bool:
        """A real shell (not ``nologin``, ``false``, ``sync``, ``shutdown`` or ``halt``)."""
        return not re.search(r"(nologin|false|sync|shutdown|halt)$", self.shell)


def parse_passwd(text: str) -> list[PasswdEntry]:
    """Parse ``/etc/passwd`` (seven colon-separated fields per line).

    Raises:
        ParseError: empty input, or a line without seven fields or with a non-numeric id.

    Examples:
        >>> core = next(e for e in parse_passwd(PASSWD_416) if e.name == "core")
        >>> core.uid, core.home, core.can_log_in
        (1000, '/var/home/core', True)
    """
    entries = []
    for no, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith(("#", "+", "-")):
            continue
        parts = line.split(":")
        if len(parts) != 7:
            raise ParseError("passwd", f"line {no} has {len(parts)} fields, not 7", excerpt=line)
        try:
            uid, gid = int(parts[2]), int(parts[3])
        except ValueError:
            raise ParseError("passwd", f"line {no}: non-numeric uid/gid", excerpt=line) from None
        entries.append(PasswdEntry(parts[0], uid, gid, parts[4], parts[5], parts[6]))
    if not entries:
        raise ParseError("passwd", "no account lines", excerpt=text)
    return entries


@dataclass(frozen=True)
class SudoRule:
    """One active line of ``/etc/sudoers``.

    Attributes:
        line: line number (of the first physical line).
        kind: ``rule`` (a user specification), ``defaults``, ``alias`` or ``include``
            (``#include``/``#includedir``/``@include``/``@includedir``: not comments).
        who: the user, ``%group`` or alias a rule applies to; the alias name; the include path.
        runas: the ``(user:group)`` part of a rule.
        commands: the commands of a rule, or the rest of the line for other kinds.
        nopasswd: the rule carries ``NOPASSWD:``.
    """

    line: int
    kind: str
    who: str
    runas: str
    commands: str
    nopasswd: bool = False


_RULE = re.compile(
    r"^(?P<who>\S+)\s+(?P<hosts>[^=]+?)\s*=\s*(?:\((?P<runas>[^)]*)\))?\s*(?P<rest>.*)$"
)
_TAG = re.compile(r"^([A-Z_]+):\s*")


def parse_sudoers(text: str) -> list[SudoRule]:
    """Parse ``/etc/sudoers``: rules, Defaults, aliases and include directives.

    ``#`` starts a comment except in ``#include``/``#includedir``; a trailing backslash
    continues a line.

    Raises:
        ParseError: empty input, or an active line that is none of the four kinds.

    Examples:
        >>> [(r.kind, r.who, r.runas, r.commands) for r in parse_sudoers(SUDOERS_416)
        ...  if r.kind in ("rule", "include")]
        [('rule', 'root', 'ALL', 'ALL'), ('rule', '%wheel', 'ALL', 'ALL'), ('include', '/etc/sudoers.d', '', '')]
    """
    if not text.strip():
        raise ParseError("sudoers", "empty file")
    rules: list[SudoRule] = []
    logical: list[tuple[int, str]] = []
    buf, first = "", 0
    for no, raw in enumerate(text.splitlines(), 1):
        if not buf:
            first = no
        if raw.endswith("\\"):
            buf += raw[:-1] + " "
            continue
        logical.append((first, buf + raw))
        buf = ""
    if buf:
        logical.append((first, buf))
    for no, line in logical:
        s = line.strip()
        directive = re.match(r"^[#@](include|includedir)\s+(\S+)", s)
        if directive:
            rules.append(SudoRule(no, "include", directive.group(2), "", ""))
            continue
        s = s.split("#", 1)[0].strip() if not s.startswith("#") else ""
        if not s:
            continue
        word = s.split()[0]
        if word.startswith("Defaults"):
            rules.append(SudoRule(no, "defaults", word, "", s[len(word) :].strip()))
        elif word in ("User_Alias", "Runas_Alias", "Host_Alias", "Cmnd_Alias", "Cmd_Alias"):
            name, _, value = s[len(word) :].partition("=")
            rules.append(SudoRule(no, "alias", name.strip(), "", f"{word} = {value.strip()}"))
        else:
            match = _RULE.match(s)
            if match is None:
                raise ParseError("sudoers", f"line {no} is not a sudoers rule", excerpt=line)
            rest, tags = match.group("rest"), []
            while tag := _TAG.match(rest):
                tags.append(tag.group(1))
                rest = rest[tag.end() :]
            rules.append(
                SudoRule(
                    no,
                    "rule",
                    match.group("who"),
                    (match.group("runas") or "root").strip(),
                    rest.strip(),
                    "NOPASSWD" in tags,
                )
            )
    return rules


ACCOUNT_COLUMNS = [
    COL_NODE, "accounts", "root", "core", "other uid 0", "can log in", COL_NOTE,
]  # fmt: skip


def accounts_frame(fleet: NodeFleet) -> pd.DataFrame:
    """Per node: root, the ``core`` user (uid 1000, home /var/home/core on CoreOS), extra uid 0."""
    rows: list[dict[str, Any]] = []
    for node in fleet.nodes:
        pw = parse_output(fleet.output(node, "passwd"), parse_passwd)
        if pw.value is None:
            rows.append({COL_NODE: node, COL_NOTE: pw.note})
            continue
        by = {e.name: e for e in pw.value}
        root, core = by.get("root"), by.get("core")
        rows.append(
            {
                COL_NODE: node,
                "accounts": len(pw.value),
                "root": f"uid {root.uid}, {root.shell}" if root else "MISSING",
                "core": f"uid {core.uid}, {core.home}, {core.shell}" if core else "absent",
                "other uid 0": ", ".join(
                    e.name for e in pw.value if e.uid == 0 and e.name != "root"
                ),
                "can log in": ", ".join(e.name for e in pw.value if e.can_log_in),
                COL_NOTE: pw.origin,
            }
        )
    return pd.DataFrame(rows, columns=ACCOUNT_COLUMNS, dtype=object).fillna("")


SUDO_COLUMNS = [COL_NODE, "line", "kind", "who", "runas", "commands", "NOPASSWD", COL_NOTE]


def sudo_frame(fleet: NodeFleet) -> pd.DataFrame:
    """The sudo rules, aliases and include directives of every node (Defaults left out)."""
    rows: list[dict[str, Any]] = []
    for node in fleet.nodes:
        su = parse_output(fleet.output(node, "sudoers"), parse_sudoers)
        if su.value is None:
            rows.append({COL_NODE: node, COL_NOTE: su.note})
            continue
        for r in su.value:
            if r.kind == "defaults":
                continue
            note = su.origin
            if r.kind == "include":
                note = f"drop-ins in {r.who} are read by sudo but not collected here"
            rows.append(
                {
                    COL_NODE: node,
                    "line": r.line,
                    "kind": r.kind,
                    "who": r.who,
                    "runas": r.runas,
                    "commands": r.commands,
                    "NOPASSWD": r.nopasswd,
                    COL_NOTE: note,
                }
            )
    return pd.DataFrame(rows, columns=SUDO_COLUMNS, dtype=object).fillna("")


def findings(fleet: NodeFleet | Attempt[NodeFleet]) -> list[Finding]:
    """Extra uid-0 accounts, and a missing or changed ``core`` user on CoreOS nodes."""
    if isinstance(fleet, Attempt):
        if fleet.value is None:
            return []
        fleet = fleet.value
    out: list[Finding] = []
    for node in fleet.nodes:
        pw = parse_output(fleet.output(node, "passwd"), parse_passwd).value
        if pw is not None:
            out.extend(_account_findings(node, pw, is_coreos(fleet, node) is True))
    return out


def _account_findings(node: str, entries: list[PasswdEntry], coreos: bool) -> Iterable[Finding]:
    where = f"node/{node}"
    extra = [e.name for e in entries if e.uid == 0 and e.name != "root"]
    if extra:
        yield Finding(
            Severity.WARNING,
            f"Node {node}: accounts other than root have uid 0 ({', '.join(extra)})",
            "A second superuser is not part of RHCOS; find who added it.",
            where,
        )
    core = next((e for e in entries if e.name == "core"), None)
    if coreos and (core is None or core.uid != 1000 or core.home != "/var/home/core"):
        yield Finding(
            Severity.WARNING,
            f"Node {node}: the core user is missing or changed",
            "RHCOS creates core with uid 1000 and home /var/home/core; SSH keys from "
            "MachineConfigs go to that user.",
            where,
            "40-machineconfigs",
        )
