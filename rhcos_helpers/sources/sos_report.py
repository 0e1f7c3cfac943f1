"""sources.sos_report - sos reports of nodes: which node each one is, and the facts it holds.

A sos report (``sosreport-*``, a directory or a tarball, :func:`_is_sos`) is taken on one node
(``oc debug node/NAME``, ``chroot /host``, ``toolbox``, ``sos report``). :class:`_SosReport` reads
what identifies its host: ``etc/machine-id`` and the host names it recorded.
:func:`_match_reports` gives each report its node: by machine-id
(= ``status.nodeInfo.machineID``), then by host name (full, then short); a report that matches
no node, or two reports of one node, get a note (shown in ``identity.notes``), never silence.
:func:`_from_sos` reads a node fact from the report: a per-unit journal when the fact names a
unit, else the first existing :attr:`~rhcos_helpers.catalogue.NodeFact.sos` path, else a
``missing`` output naming the sos plugin that adds it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rhcos_helpers.catalogue import NodeFact, SosPath
from rhcos_helpers.sources.base import NodeOutput
from rhcos_helpers.sources.must_gather import _read_text, _short

log = logging.getLogger(__name__)

_Objects = list[dict[str, Any]]


def _is_sos(path: Path) -> bool:
    return (path / "sos_commands").is_dir() or (
        (path / "version.txt").is_file() and (path / "sos_reports").is_dir()
    )


def _first_line(path: Path) -> str | None:
    if not path.is_file():
        return None
    lines = _read_text(path).strip().splitlines()
    return lines[0].strip() if lines else None


@dataclass
class _SosReport:
    """One sos report directory and what identifies its host."""

    path: Path
    machine_id: str | None = None
    hostnames: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.name

    @classmethod
    def read(cls, path: Path) -> _SosReport:
        mid = _first_line(path / "etc" / "machine-id") or _first_line(
            path / "var" / "lib" / "dbus" / "machine-id"
        )
        hosts: list[str] = []
        for rel in ("hostname", "sos_commands/host/hostname", "sos_commands/host/hostname_-f",
                    "etc/hostname"):  # fmt: skip
            name = _first_line(path / rel)
            if name and name not in hosts:
                hosts.append(name)
        return cls(path=path, machine_id=mid.lower() if mid else None, hostnames=hosts)


def _match_reports(
    reports: list[_SosReport], nodes: _Objects
) -> tuple[dict[str, _SosReport], list[str]]:
    """Each report's node, and a note for every report left out or read some other way.

    Without Node objects a report is read as the node its first host name names.
    """
    by_node: dict[str, _SosReport] = {}
    notes: list[str] = []
    for sos in reports:
        if not nodes:
            host = sos.hostnames[0] if sos.hostnames else None
            if host:
                by_node[host] = sos
                notes.append(
                    f"sos report {sos.name}: no Node objects in this capture; its data is "
                    f"read as node {host!r} (its host name)"
                )
            else:
                notes.append(f"sos report {sos.name}: no host name in the report; not used")
            continue
        node, how = _match_one(sos, nodes)
        if node is None:
            notes.append(
                f"sos report {sos.name}: matches no node of this capture ({how}); not used"
            )
            continue
        if node in by_node:
            notes.append(
                f"sos reports {by_node[node].name} and {sos.name} both match node {node}; "
                f"using {sos.name}"
            )
        by_node[node] = sos
        log.info("sos report %s is node %s (by %s)", sos.name, node, how)
    return by_node, notes


def _match_one(sos: _SosReport, nodes: _Objects) -> tuple[str | None, str]:
    """The node a report belongs to and how it matched, or ``None`` and what was tried."""
    if sos.machine_id:
        hits = [
            n["metadata"]["name"]
            for n in nodes
            if str(((n.get("status") or {}).get("nodeInfo") or {}).get("machineID", "")).lower()
            == sos.machine_id
        ]
        if len(hits) == 1:
            return hits[0], "machine-id"
    names = {
        n["metadata"]["name"]: {n["metadata"]["name"].lower()}
        | {
            str(a.get("address", "")).lower()
            for a in (n.get("status") or {}).get("addresses") or []
            if a.get("type") == "Hostname"
        }
        for n in nodes
    }
    for host in sos.hostnames:
        exact = [name for name, aliases in names.items() if host.lower() in aliases]
        if len(exact) == 1:
            return exact[0], "host name"
    for host in sos.hostnames:
        short = [
            name for name, aliases in names.items() if _short(host) in {_short(a) for a in aliases}
        ]
        if len(short) == 1:
            return short[0], "short host name"
        if len(short) > 1:
            return None, f"short host name {_short(host)!r} is ambiguous: {', '.join(short)}"
    mid = sos.machine_id or "none in the report"
    hosts = ", ".join(sos.hostnames) or "none in the report"
    return None, f"machine-id {mid}, host name {hosts}"


def _from_sos(node: str, fact_: NodeFact, sos: _SosReport, unit_stem: str | None) -> NodeOutput:
    """A node fact from the node's sos report: a per-unit journal first, then the fact's paths."""
    candidates: list[SosPath] = []
    if unit_stem:
        # a per-unit journal (add_journal(units=...)) beats the whole journal
        pattern = re.compile(
            rf"^journalctl_--no-pager_--unit_{re.escape(unit_stem)}(\.service)?(_--.*)?$"
        )
        for path in sorted((sos.path / "sos_commands").glob("*/journalctl_--no-pager_--unit_*")):
            if pattern.match(path.name):
                rel = path.relative_to(sos.path).as_posix()
                candidates.append(SosPath(rel, "text"))
    candidates += fact_.sos
    for sp in candidates:
        path = sos.path / sp.path
        if path.is_file():
            return NodeOutput(
                node,
                fact_.name,
                "ok",
                stdout=_read_text(path),
                format=sp.format,
                origin=f"sos:{sos.name}/{sp.path}",
            )
    if not fact_.sos:
        reason = (
            f"sos reports do not hold {fact_.name}; run against the live cluster (--source kube)"
        )
    else:
        plugins = sorted({p.path.split("/")[1] for p in fact_.sos if p.path.startswith("sos_")})
        hint = f"re-run sos report with -o {','.join(plugins)}" if plugins else "re-run sos report"
        wanted = " or ".join(p.path for p in fact_.sos)
        reason = f"sos report {sos.name} has no {wanted}; {hint}"
    return NodeOutput(node, fact_.name, "missing", format=fact_.format, reason=reason)
