"""report.run_diff - what changed between two runs of the same cluster, from their ``summary.json``.

The diff reads only what ``summary.json`` holds, the tables runbooks recorded, and compares a
section only when both runs recorded a table for it (else it says why not):

=================  =========================================================================
nodes              ``00-cluster-overview`` ``nodes``, else ``10-node-os`` ``os``, else
                   ``50-pool-rollout`` ``pool_nodes``: added and removed nodes
OS builds          ``10-node-os`` ``os`` (``OS build``), else ``00-cluster-overview`` ``nodes``
                   (``OS-IMAGE``): per node in both runs
pools              ``50-pool-rollout`` or ``00-cluster-overview`` ``machineconfigpools``:
                   added, removed, and paused/updating/degraded/updated/config changes
SCC grants         ``60-scc`` ``grants``: (SCC, subject, through what) added and removed
MachineConfigs     ``40-machineconfigs`` ``machineconfigs``: added, removed, and changed
                   kernel arguments, SSH key fingerprints, Ignition version or generating
                   controller; with ``mc_files`` and ``mc_units`` in both runs, each file
                   (contents, mode, overwrite, owner) and unit (enabled, mask, contents)
                   added, removed or changed inside the MachineConfigs both runs have
=================  =========================================================================

:func:`diff_runs` returns a :class:`RunDiff` and :func:`render_diff_html` the "changes since the
previous run" section of a run's ``index.html``; both are pure. Which run is the previous one is
:mod:`rhcos_helpers.report.history`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from html import escape
from typing import Any

__all__ = [
    "Change",
    "RunDiff",
    "SectionDiff",
    "diff_runs",
    "render_diff_html",
]

# --- reading summaries --------------------------------------------------------------------


def _cluster_id(summary: Mapping[str, Any]) -> str | None:
    source = summary.get("source")
    value = source.get("cluster_id") if isinstance(source, Mapping) else None
    return str(value) if value else None


def _generated_at(summary: Mapping[str, Any]) -> str:
    return str(summary.get("generated_at") or "")


def _rows(summary: Mapping[str, Any], runbook: str, table: str) -> list[dict[str, Any]] | None:
    """The recorded rows of a table, or ``None`` when the run has no usable table."""
    entry = (summary.get("runbooks") or {}).get(runbook)
    if not isinstance(entry, Mapping):
        return None
    value = (entry.get("tables") or {}).get(table)
    if not isinstance(value, list):
        return None
    return [row for row in value if isinstance(row, Mapping)]  # type: ignore[misc]


def _text(value: Any) -> str:
    return "" if value is None else str(value)


# --- the diff -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One item whose value changed between two runs.

    Attributes:
        item: what changed (a node, a pool, a MachineConfig).
        before: the earlier value, described.
        after: the later value, described.
    """

    item: str
    before: str
    after: str

    def to_dict(self) -> dict[str, str]:
        """JSON-ready form."""
        return {"item": self.item, "before": self.before, "after": self.after}


@dataclass(frozen=True)
class SectionDiff:
    """What changed in one aspect of the cluster.

    Attributes:
        key: ``nodes``, ``os_builds``, ``pools``, ``scc_grants`` or ``machineconfigs``.
        title: a heading for people.
        compared: False when one of the runs has no table to compare (``note`` says why).
        basis: where the values come from (``runbook/table``).
        added: items only in the later run.
        removed: items only in the earlier run.
        changed: items in both whose value differs.
        note: why the section was not compared.
    """

    key: str
    title: str
    compared: bool
    basis: str = ""
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[Change, ...] = ()
    note: str = ""

    @property
    def count(self) -> int:
        """How many items were added, removed or changed."""
        return len(self.added) + len(self.removed) + len(self.changed)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "key": self.key,
            "title": self.title,
            "compared": self.compared,
            "basis": self.basis,
            "added": list(self.added),
            "removed": list(self.removed),
            "changed": [c.to_dict() for c in self.changed],
            "note": self.note,
        }


@dataclass(frozen=True)
class RunDiff:
    """A run compared with the previous run of the same cluster.

    Attributes:
        cluster_id: the ClusterVersion ``spec.clusterID`` both runs read.
        previous_generated_at: when the previous run's summary was written.
        current_generated_at: when this run's summary was written.
        sections: one per aspect, in a fixed order.
    """

    cluster_id: str
    previous_generated_at: str
    current_generated_at: str
    sections: tuple[SectionDiff, ...] = field(default_factory=tuple)

    @property
    def count(self) -> int:
        """How many items changed over every compared section."""
        return sum(s.count for s in self.sections)

    def section(self, key: str) -> SectionDiff:
        """The section with this key.

        Raises:
            KeyError: for an unknown key.
        """
        for item in self.sections:
            if item.key == key:
                return item
        raise KeyError(key)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "cluster_id": self.cluster_id,
            "previous_generated_at": self.previous_generated_at,
            "current_generated_at": self.current_generated_at,
            "changes": self.count,
            "sections": [s.to_dict() for s in self.sections],
        }


@dataclass(frozen=True)
class _Basis:
    runbook: str
    table: str
    key: tuple[str, ...]
    fields: tuple[str, ...] = ()


def _first_common(
    previous: Mapping[str, Any], current: Mapping[str, Any], bases: Sequence[_Basis]
) -> tuple[_Basis, list[dict[str, Any]], list[dict[str, Any]]] | None:
    for basis in bases:
        before = _rows(previous, basis.runbook, basis.table)
        after = _rows(current, basis.runbook, basis.table)
        if before is not None and after is not None:
            return basis, before, after
    return None


def _not_compared(key: str, title: str, bases: Sequence[_Basis]) -> SectionDiff:
    wanted = " or ".join(f"{b.runbook}/{b.table}" for b in bases)
    return SectionDiff(
        key=key, title=title, compared=False, note=f"not compared: both runs need {wanted}"
    )


def _keyed(rows: Iterable[Mapping[str, Any]], key: Sequence[str]) -> dict[str, Mapping[str, Any]]:
    out: dict[str, Mapping[str, Any]] = {}
    for row in rows:
        name = " / ".join(_text(row.get(k)) for k in key)
        if name.strip(" /"):
            out.setdefault(name, row)
    return out


def _describe(row: Mapping[str, Any], fields: Sequence[str]) -> str:
    return ", ".join(f"{f}={_text(row.get(f))}" for f in fields if f in row)


def _compare_section(
    key: str,
    title: str,
    previous: Mapping[str, Any],
    current: Mapping[str, Any],
    bases: Sequence[_Basis],
    *,
    membership: bool = True,
) -> SectionDiff:
    found = _first_common(previous, current, bases)
    if found is None:
        return _not_compared(key, title, bases)
    basis, before_rows, after_rows = found
    before, after = _keyed(before_rows, basis.key), _keyed(after_rows, basis.key)
    changed = []
    for name in sorted(before.keys() & after.keys()):
        old, new = before[name], after[name]
        diffs = [f for f in basis.fields if _text(old.get(f)) != _text(new.get(f))]
        if diffs:
            changed.append(Change(name, _describe(old, diffs), _describe(new, diffs)))
    return SectionDiff(
        key=key,
        title=title,
        compared=True,
        basis=f"{basis.runbook}/{basis.table}",
        added=tuple(sorted(after.keys() - before.keys())) if membership else (),
        removed=tuple(sorted(before.keys() - after.keys())) if membership else (),
        changed=tuple(changed),
    )


_NODES = (
    _Basis("00-cluster-overview", "nodes", ("NAME",)),
    _Basis("10-node-os", "os", ("node",)),
    _Basis("50-pool-rollout", "pool_nodes", ("NODE",)),
    _Basis("10-node-os", "collection", ("node",)),
)
_OS_BUILDS = (
    _Basis("10-node-os", "os", ("node",), ("OS build",)),
    _Basis("00-cluster-overview", "nodes", ("NAME",), ("OS-IMAGE",)),
)
_POOL_FIELDS = ("PAUSED", "UPDATING", "DEGRADED", "UPDATED", "CONFIG")
_POOLS = (
    _Basis("50-pool-rollout", "machineconfigpools", ("NAME",), _POOL_FIELDS),
    _Basis("00-cluster-overview", "machineconfigpools", ("NAME",), _POOL_FIELDS),
)
_SCC_GRANTS = (_Basis("60-scc", "grants", ("SCC", "SUBJECT KIND", "SUBJECT", "THROUGH")),)
_MACHINECONFIGS = (
    _Basis(
        "40-machineconfigs",
        "machineconfigs",
        ("NAME",),
        ("GENERATEDBYCONTROLLER", "IGNITIONVERSION", "FILES", "UNITS", "KERNEL ARGS", "SSH"),
    ),
)


#: per-file and per-unit rows runbook 40 records: (table, key columns, compared columns).
_MC_ITEMS = (
    ("mc_files", ("MACHINECONFIG", "PATH"), ("MODE", "OVERWRITE", "OWNER", "CONTENTS")),
    ("mc_units", ("MACHINECONFIG", "UNIT", "DROP-IN"), ("ENABLED", "MASK", "CONTENTS")),
)


def _item_name(row: Mapping[str, Any], key: Sequence[str]) -> str:
    """``50-worker-chrony /etc/chrony.conf``, ``00-worker kubelet.service 10-x.conf``."""
    return " ".join(_text(row.get(k)) for k in key if _text(row.get(k)))


def _describe_item(row: Mapping[str, Any], fields: Sequence[str], *, changed: bool) -> str:
    """The compared fields of a file or unit; contents by size only (they are in the report)."""
    parts = []
    for f in fields:
        if f == "CONTENTS":
            size = _text(row.get("BYTES")) or str(len(_text(row.get("CONTENTS"))))
            parts.append(f"contents {'changed, ' if changed else ''}{size} bytes")
        else:
            parts.append(f"{f}={_text(row.get(f))}")
    return ", ".join(parts)


def _machineconfig_items(previous: Mapping[str, Any], current: Mapping[str, Any]) -> list[Change]:
    """Files and units added, removed or changed inside MachineConfigs of both runs."""
    changes: list[Change] = []
    for table, key, fields in _MC_ITEMS:
        before_rows = _rows(previous, "40-machineconfigs", table)
        after_rows = _rows(current, "40-machineconfigs", table)
        if before_rows is None or after_rows is None:
            continue
        before = {_item_name(r, key): r for r in before_rows}
        after = {_item_name(r, key): r for r in after_rows}
        kept = {_text(r.get("MACHINECONFIG")) for r in before_rows} & {
            _text(r.get("MACHINECONFIG")) for r in after_rows
        }
        for name in sorted(before.keys() | after.keys()):
            old, new = before.get(name), after.get(name)
            mc = _text((old or new or {}).get("MACHINECONFIG"))
            if mc not in kept:
                continue  # the MachineConfig itself was added or removed: said once, above
            if old is None and new is not None:
                changes.append(
                    Change(name, "absent", "added: " + _describe_item(new, fields, changed=False))
                )
            elif new is None and old is not None:
                changes.append(Change(name, _describe_item(old, fields, changed=False), "removed"))
            elif old is not None and new is not None:
                diffs = [f for f in fields if _text(old.get(f)) != _text(new.get(f))]
                if diffs:
                    changes.append(
                        Change(
                            name,
                            _describe_item(old, diffs, changed=False),
                            _describe_item(new, diffs, changed=True),
                        )
                    )
    return changes


def _compare_machineconfigs(previous: Mapping[str, Any], current: Mapping[str, Any]) -> SectionDiff:
    """MachineConfigs added, removed or changed, and what changed inside them.

    Their ``oc get mc`` rows (SSH key fingerprints included) and, when both runs recorded them,
    each file and unit of the MachineConfigs both runs have.
    """
    compared = [t for t, _, _ in _MC_ITEMS if _rows(previous, "40-machineconfigs", t) is not None
                and _rows(current, "40-machineconfigs", t) is not None]  # fmt: skip
    bases: tuple[_Basis, ...] = _MACHINECONFIGS
    if len(compared) == len(_MC_ITEMS):  # the files and units themselves say more than counts
        bases = tuple(
            replace(b, fields=tuple(f for f in b.fields if f not in ("FILES", "UNITS")))
            for b in _MACHINECONFIGS
        )
    section = _compare_section("machineconfigs", "MachineConfigs", previous, current, bases)
    if not section.compared:
        return section
    items = _machineconfig_items(previous, current)
    basis = section.basis + "".join(f", 40-machineconfigs/{t}" for t in compared)
    return replace(section, changed=section.changed + tuple(items), basis=basis)


def diff_runs(previous: Mapping[str, Any], current: Mapping[str, Any]) -> RunDiff:
    """Compare two runs' ``summary.json`` documents (the earlier one first).

    Args:
        previous: the earlier run's summary.
        current: the later run's summary.

    Returns:
        Nodes, OS builds, pools, SCC grants and MachineConfigs, each compared when both runs
        recorded a table for it.

    Examples:
        >>> def run(nodes):
        ...     rows = [{"node": n, "OS build": b} for n, b in nodes.items()]
        ...     return {"generated_at": "t", "source": {"cluster_id": "c"},
        ...             "runbooks": {"10-node-os": {"tables": {"os": rows}}}}
        >>> d = diff_runs(run({"a": "1", "b": "1"}), run({"b": "2", "c": "2"}))
        >>> d.section("nodes").added, d.section("nodes").removed
        (('c',), ('a',))
        >>> d.section("os_builds").changed
        (Change(item='b', before='OS build=1', after='OS build=2'),)
    """
    sections = (
        _compare_section("nodes", "Nodes", previous, current, _NODES),
        _compare_section("os_builds", "OS builds", previous, current, _OS_BUILDS, membership=False),
        _compare_section("pools", "Machine config pools", previous, current, _POOLS),
        _compare_section("scc_grants", "SCC grants", previous, current, _SCC_GRANTS),
        _compare_machineconfigs(previous, current),
    )
    return RunDiff(
        cluster_id=_cluster_id(current) or "",
        previous_generated_at=_generated_at(previous),
        current_generated_at=_generated_at(current),
        sections=sections,
    )


# --- HTML ---------------------------------------------------------------------------------


def _e(value: Any) -> str:
    return escape("" if value is None else str(value))


def render_diff_html(diff: RunDiff | None, *, previous_href: str | None = None) -> str:
    """The "changes since the previous run" section of a run's ``index.html``.

    Args:
        diff: the comparison, or ``None`` when there is no previous run of the cluster.
        previous_href: a link to the previous run's ``index.html``.
    """
    parts = ['<h2 id="changes">Changes since the previous run</h2>']
    if diff is None:
        parts.append('<p class="muted">No earlier run of this cluster in this output root.</p>')
        return "\n".join(parts)
    when = _e(diff.previous_generated_at)
    link = f'<a href="{_e(previous_href)}">{when}</a>' if previous_href else when
    parts.append(f"<p>Compared with the run of {link}: {diff.count} change(s).</p>")
    for section in diff.sections:
        parts.append(f"<h3>{_e(section.title)}</h3>")
        if not section.compared:
            parts.append(f'<p class="muted">{_e(section.note)}</p>')
            continue
        if not section.count:
            parts.append(f'<p class="muted">No change (from {_e(section.basis)}).</p>')
            continue
        rows = [
            f"<tr><td>added</td><td>{_e(item)}</td><td></td><td></td></tr>"
            for item in section.added
        ]
        rows += [
            f"<tr><td>removed</td><td>{_e(item)}</td><td></td><td></td></tr>"
            for item in section.removed
        ]
        rows += [
            f"<tr><td>changed</td><td>{_e(c.item)}</td><td>{_e(c.before)}</td>"
            f"<td>{_e(c.after)}</td></tr>"
            for c in section.changed
        ]
        parts.append(
            f'<table class="diff" data-section="{_e(section.key)}"><tr><th>Change</th>'
            "<th>Item</th><th>Before</th><th>After</th></tr>" + "".join(rows) + "</table>"
        )
        parts.append(f'<p class="muted">From {_e(section.basis)}.</p>')
    return "\n".join(parts)
