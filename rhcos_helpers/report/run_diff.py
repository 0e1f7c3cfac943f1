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
                   controller; with ``mc_kernel`` extensions, FIPS, kernel type and OS
                   image; with ``mc_files`` and ``mc_units`` each file (contents by size,
                   mode, owner, overwrite) and unit or drop-in (enabled, masked, contents by
                   size) added, removed or changed inside the MachineConfigs both runs have
                   (a table missing in a run: the note says so, and they are counted)
=================  =========================================================================

:func:`diff_runs` returns a :class:`RunDiff` and :func:`render_diff_html` the "changes since the
previous run" section of a run's ``index.html``; both are pure. Which run is the previous one is
:mod:`rhcos_helpers.report.history`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
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
        item: what changed (a node, a pool, a MachineConfig, a file or unit of one).
        before: the earlier value, described.
        after: the later value, described.
        what: the change in a few words, where ``before -> after`` does not say it well
            (``contents changed (412 -> 418 bytes); mode 0644 -> 0600``, ``file added``).
    """

    item: str
    before: str
    after: str
    what: str = ""

    @property
    def line(self) -> str:
        """``item: what`` (or ``item: before -> after``), one line for people.

        Examples:
            >>> Change("infra-0", "OS build=1", "OS build=2").line
            'infra-0: OS build=1 -> OS build=2'
            >>> Change("50-w /etc/a", "mode 0644", "mode 0600", "mode 0644 -> 0600").line
            '50-w /etc/a: mode 0644 -> 0600'
        """
        return f"{self.item}: {self.what or f'{self.before} -> {self.after}'}"

    def to_dict(self) -> dict[str, str]:
        """JSON-ready form."""
        return {"item": self.item, "before": self.before, "after": self.after, "what": self.what}


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
# --- MachineConfigs -----------------------------------------------------------------------

_MC_RUNBOOK = "40-machineconfigs"
_MACHINECONFIGS = (_Basis(_MC_RUNBOOK, "machineconfigs", ("NAME",)),)

#: the ``oc get mc`` columns compared per MachineConfig: column -> what an admin calls it
_MC_FIELDS = {
    "GENERATEDBYCONTROLLER": "generating controller",
    "IGNITIONVERSION": "Ignition version",
    "KERNEL ARGS": "kernel arguments",
    "SSH": "SSH keys",
}
#: ``mc_kernel`` columns the ``oc get mc`` row does not have (a MachineConfig without a row
#: sets none of them)
_KERNEL_FIELDS = {
    "EXTENSIONS": "extensions",
    "FIPS": "FIPS",
    "KERNEL TYPE": "kernel type",
    "OS IMAGE": "OS image",
}


@dataclass(frozen=True)
class _ItemTable:
    """A table of runbook 40 with one row per file or unit of a MachineConfig."""

    table: str
    key: tuple[str, ...]
    count: str  # the ``oc get mc`` column that counts them (compared where this is not)
    label: str


_ITEM_TABLES = (
    _ItemTable("mc_files", ("MACHINECONFIG", "PATH"), "FILES", "files"),
    _ItemTable("mc_units", ("MACHINECONFIG", "UNIT", "DROP-IN"), "UNITS", "units"),
)


def _parameter(summary: Mapping[str, Any], runbook: str, name: str) -> str:
    """A runbook's parameter as the run gave it (``""`` when not given: the default)."""
    entry = (summary.get("runbooks") or {}).get(runbook)
    params = entry.get("parameters") if isinstance(entry, Mapping) else None
    if not isinstance(params, Mapping):
        return ""
    return next((_text(v) for k, v in params.items() if str(k).upper() == name), "")


def _item_scope(rows: Mapping[str, Mapping[str, Any]], machineconfig: str) -> set[str]:
    """The MachineConfigs whose files and units runbook 40 listed.

    The one named by MACHINECONFIG, else every readable non-rendered one (as ``files_frame``).
    """
    if machineconfig:
        return {machineconfig}
    return {
        name
        for name, row in rows.items()
        if _text(row.get("ORIGIN")) not in ("rendered", "unreadable")
        and not (not row.get("ORIGIN") and name.startswith("rendered-"))
    }


def _bool_word(value: Any, yes: str, no: str, unset: str = "") -> str:
    text = _text(value).strip().lower()
    if text in ("true", "1", "yes"):
        return yes
    if text in ("false", "0", "no"):
        return no
    return unset or no


def _size(row: Mapping[str, Any], *, recorded: bool = False) -> int | None:
    """A file's size from BYTES; a unit's from its recorded (redacted) text."""
    if recorded:
        return len(_text(row.get("CONTENTS")).encode())
    value = row.get("BYTES")
    try:
        return None if value is None or value == "" else int(value)
    except (TypeError, ValueError):
        return None


def _bytes(size: int | None) -> str:
    return "size unknown" if size is None else f"{size} bytes"


def _contents_changed(old: Mapping[str, Any], new: Mapping[str, Any], *, recorded: bool) -> str:
    """``contents changed (412 -> 418 bytes)``; ``""`` for equal recorded contents and sizes."""
    a, b = _size(old, recorded=recorded), _size(new, recorded=recorded)
    if _text(old.get("CONTENTS")) == _text(new.get("CONTENTS")) and a == b:
        return ""
    if a is None or b is None:
        return "contents changed"
    return f"contents changed ({a} -> {b} bytes)"


def _file_state(row: Mapping[str, Any]) -> str:
    overwrite = _bool_word(row.get("OVERWRITE"), "true", "false")
    return (
        f"mode {_text(row.get('MODE'))}, owner {_text(row.get('OWNER'))}, "
        f"overwrite {overwrite}, {_bytes(_size(row))}"
    )


def _unit_state(row: Mapping[str, Any]) -> str:
    parts = []
    if not _text(row.get("DROP-IN")):
        parts.append(_bool_word(row.get("ENABLED"), "enabled", "disabled", "enabled not set"))
        if _bool_word(row.get("MASK"), "masked", "") == "masked":
            parts.append("masked")
    size = _size(row, recorded=True)
    parts.append(f"{size} bytes" if size else "no contents")
    return ", ".join(parts)


def _file_change(name: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> Change | None:
    """What changed in one file: contents (by size), mode, owner, overwrite.

    Examples:
        >>> old = {"MODE": "0644", "OWNER": "root:root", "OVERWRITE": True, "BYTES": 412,
        ...        "CONTENTS": "server a iburst"}
        >>> _file_change("50-worker-chrony /etc/chrony.conf", old,
        ...              {**old, "MODE": "0600", "BYTES": 418, "CONTENTS": "server b iburst"})
        ... # doctest: +NORMALIZE_WHITESPACE
        Change(item='50-worker-chrony /etc/chrony.conf', before='412 bytes, mode 0644',
               after='418 bytes, mode 0600',
               what='contents changed (412 -> 418 bytes); mode 0644 -> 0600')
        >>> _file_change("x /etc/y", old, dict(old)) is None
        True
    """
    what: list[str] = []
    before: list[str] = []
    after: list[str] = []
    contents = _contents_changed(old, new, recorded=False)
    if contents:
        what.append(contents)
        before.append(_bytes(_size(old)))
        after.append(_bytes(_size(new)))
    for column, label in (("MODE", "mode"), ("OWNER", "owner"), ("OVERWRITE", "overwrite")):
        a, b = _text(old.get(column)), _text(new.get(column))
        if column == "OVERWRITE":
            a, b = _bool_word(a, "true", "false"), _bool_word(b, "true", "false")
        if a != b:
            what.append(f"{label} {a} -> {b}")
            before.append(f"{label} {a}")
            after.append(f"{label} {b}")
    if not what:
        return None
    return Change(name, ", ".join(before), ", ".join(after), "; ".join(what))


def _unit_change(name: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> Change | None:
    """What changed in one unit or drop-in: enabled, masked, contents (by size).

    Examples:
        >>> old = {"UNIT": "openvswitch.service", "ENABLED": True, "MASK": "", "CONTENTS": ""}
        >>> _unit_change("00-worker openvswitch.service", old, {**old, "ENABLED": False})
        ... # doctest: +NORMALIZE_WHITESPACE
        Change(item='00-worker openvswitch.service', before='enabled', after='disabled',
               what='enabled -> disabled')
    """
    what: list[str] = []
    before: list[str] = []
    after: list[str] = []
    for column, yes, no, unset in (
        ("ENABLED", "enabled", "disabled", "enabled not set"),
        ("MASK", "masked", "not masked", "not masked"),
    ):
        a = _bool_word(old.get(column), yes, no, unset)
        b = _bool_word(new.get(column), yes, no, unset)
        if a != b:
            what.append(f"{a} -> {b}")
            before.append(a)
            after.append(b)
    contents = _contents_changed(old, new, recorded=True)
    if contents:
        what.append(contents)
        before.append(_bytes(_size(old, recorded=True)))
        after.append(_bytes(_size(new, recorded=True)))
    if not what:
        return None
    return Change(name, ", ".join(before), ", ".join(after), "; ".join(what))


def _item_name(row: Mapping[str, Any], table: _ItemTable) -> str:
    """``50-worker-chrony /etc/chrony.conf``, ``00-worker kubelet.service drop-in 10-x.conf``."""
    parts = [_text(row.get(k)) for k in table.key]
    if table.table == "mc_units" and parts[-1]:
        parts[-1] = f"drop-in {parts[-1]}"
    return " ".join(p for p in parts if p)


def _items_of(
    rows: Iterable[Mapping[str, Any]], table: _ItemTable, scope: set[str]
) -> dict[str, Mapping[str, Any]]:
    out: dict[str, Mapping[str, Any]] = {}
    for row in rows:
        if _text(row.get("MACHINECONFIG")) in scope:
            out.setdefault(_item_name(row, table), row)
    return out


def _item_changes(
    table: _ItemTable,
    before_rows: list[dict[str, Any]],
    after_rows: list[dict[str, Any]],
    scope: set[str],
) -> list[tuple[str, Change]]:
    """(MachineConfig, change) for each file or unit added, removed or changed in ``scope``."""
    before = _items_of(before_rows, table, scope)
    after = _items_of(after_rows, table, scope)
    files = table.table == "mc_files"
    out: list[tuple[str, Change]] = []
    for name in sorted(before.keys() | after.keys()):
        old, new = before.get(name), after.get(name)
        row = old if old is not None else new
        assert row is not None
        kind = "file" if files else ("drop-in" if _text(row.get("DROP-IN")) else "unit")
        state = _file_state if files else _unit_state
        change: Change | None
        if old is None and new is not None:
            change = Change(name, "absent", state(new), f"{kind} added")
        elif new is None and old is not None:
            change = Change(name, state(old), "absent", f"{kind} removed")
        elif old is not None and new is not None:
            change = (_file_change if files else _unit_change)(name, old, new)
        else:  # pragma: no cover - a name comes from one of the two
            change = None
        if change is not None:
            out.append((_text(row.get("MACHINECONFIG")), change))
    return out


def _kernel_values(rows: list[dict[str, Any]] | None) -> dict[str, dict[str, str]]:
    """Per MachineConfig its ``mc_kernel`` settings, written the same way whatever the run."""
    out: dict[str, dict[str, str]] = {}
    for row in rows or []:
        values = {c: _text(row.get(c)).strip() for c in _KERNEL_FIELDS}
        values["FIPS"] = _bool_word(row.get("FIPS"), "True", "False")
        if values["KERNEL TYPE"] in ("", "default"):
            values["KERNEL TYPE"] = "default"
        out.setdefault(_text(row.get("MACHINECONFIG")), values)
    return out


_KERNEL_UNSET = {"EXTENSIONS": "", "FIPS": "False", "KERNEL TYPE": "default", "OS IMAGE": ""}


def _machineconfig_change(
    name: str,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    fields: Mapping[str, str],
) -> Change | None:
    """The ``oc get mc`` (and ``mc_kernel``) values of one MachineConfig that changed."""
    if (_text(old.get("ORIGIN")) == "unreadable") != (_text(new.get("ORIGIN")) == "unreadable"):

        def state(row: Mapping[str, Any]) -> str:
            if _text(row.get("ORIGIN")) == "unreadable":
                return f"unreadable: {_text(row.get('PROBLEMS'))}"
            return "readable"

        what = "could not be read" if _text(new.get("ORIGIN")) == "unreadable" else "readable again"
        return Change(name, state(old), state(new), what)
    diffs = [f for f in fields if _text(old.get(f)) != _text(new.get(f))]
    if not diffs:
        return None
    parts = [
        f"{fields[f]} {_text(old.get(f)) or 'none'} -> {_text(new.get(f)) or 'none'}"
        if f in _SHORT_FIELDS
        else f"{fields[f]} changed"  # long values: before and after show them
        for f in diffs
    ]
    return Change(name, _describe(old, diffs), _describe(new, diffs), "; ".join(parts))


#: values short enough to show in a change's description (``FIPS False -> True``)
_SHORT_FIELDS = ("FILES", "UNITS", "IGNITIONVERSION", "EXTENSIONS", "FIPS", "KERNEL TYPE")


def _compare_machineconfigs(previous: Mapping[str, Any], current: Mapping[str, Any]) -> SectionDiff:
    """MachineConfigs added, removed or changed, and what changed inside them.

    From the ``oc get mc`` rows (kernel arguments, SSH key fingerprints, Ignition version,
    generating controller) and, when both runs recorded them for the same MachineConfigs
    (runbook 40 run with the same MACHINECONFIG), ``mc_kernel`` (extensions, FIPS, kernel
    type, OS image) and each file (``mc_files``: contents, mode, owner, overwrite) and unit
    or drop-in (``mc_units``: enabled, masked, contents) of the MachineConfigs both runs have.
    Files and units of a MachineConfig added or removed are not listed one by one.

    Contents are compared as recorded: redacted, and cut after 4000 characters unless
    MACHINECONFIG named the MachineConfig; with the size (a file's BYTES) a change hidden by
    either shows when the size changes. The diff names a change and its size, never the
    contents (they are in the runbook's report). Where a run lacks a table, the note says
    what was not compared; the files and units are then counted instead.

    Examples:
        >>> def run(files, ssh="1 key(s) for core: SHA256:aaa"):
        ...     mcs = [{"NAME": "50-w", "ORIGIN": "user", "FILES": len(files), "UNITS": 0,
        ...             "SSH": ssh}]
        ...     rows = [{"MACHINECONFIG": "50-w", "PATH": p, "MODE": m, "OWNER": "root:root",
        ...              "OVERWRITE": True, "BYTES": len(c), "CONTENTS": c}
        ...             for p, (m, c) in files.items()]
        ...     tables = {"machineconfigs": mcs, "mc_files": rows, "mc_units": [],
        ...               "mc_kernel": []}
        ...     return {"runbooks": {"40-machineconfigs": {"tables": tables}}}
        >>> a = run({"/etc/a": ("0644", "x=1"), "/etc/b": ("0644", "y")})
        >>> b = run({"/etc/a": ("0600", "x=22"), "/etc/c": ("0644", "z")},
        ...         ssh="1 key(s) for core: SHA256:bbb")
        >>> for c in _compare_machineconfigs(a, b).changed:
        ...     print(c.line)
        50-w: SSH keys changed
        50-w /etc/a: contents changed (3 -> 4 bytes); mode 0644 -> 0600
        50-w /etc/b: file removed
        50-w /etc/c: file added
        >>> _compare_machineconfigs(a, a).count
        0

        A run without ``mc_files`` (runbook 40 not run, or an older ``summary.json``):

        >>> c = run({"/etc/a": ("0644", "x=1")})
        >>> del c["runbooks"]["40-machineconfigs"]["tables"]["mc_files"]
        >>> d = _compare_machineconfigs(a, c)
        >>> [c.line for c in d.changed]
        ['50-w: files 2 -> 1']
        >>> d.note
        'files not compared: both runs need 40-machineconfigs/mc_files (counted instead)'
    """
    found = _first_common(previous, current, _MACHINECONFIGS)
    if found is None:
        return _not_compared("machineconfigs", "MachineConfigs", _MACHINECONFIGS)
    basis, before_rows, after_rows = found
    before, after = _keyed(before_rows, basis.key), _keyed(after_rows, basis.key)
    kept = before.keys() & after.keys()

    notes: list[str] = []
    bases = [f"{basis.runbook}/{basis.table}"]
    fields = dict(_MC_FIELDS)
    counted: set[str] = set()  # FILES, UNITS: counted for every MachineConfig, not listed
    items: list[tuple[str, Change]] = []
    shown = (_parameter(previous, _MC_RUNBOOK, "MACHINECONFIG"),
             _parameter(current, _MC_RUNBOOK, "MACHINECONFIG"))  # fmt: skip
    same_scope = shown[0] == shown[1]
    scope = kept & _item_scope(before, shown[0]) & _item_scope(after, shown[1])
    if not same_scope:
        a, b = (f"MACHINECONFIG={s}" if s else "every MachineConfig" for s in shown)
        notes.append(
            f"files, units and kernel settings not compared: runbook 40 showed {a} before "
            f"and {b} now (files and units counted instead)"
        )
    for table in _ITEM_TABLES:
        old_rows = _rows(previous, _MC_RUNBOOK, table.table)
        new_rows = _rows(current, _MC_RUNBOOK, table.table)
        if not same_scope or old_rows is None or new_rows is None:
            fields[table.count] = table.label
            counted.add(table.count)
            if same_scope:
                notes.append(
                    f"{table.label} not compared: both runs need {_MC_RUNBOOK}/{table.table} "
                    "(counted instead)"
                )
            continue
        bases.append(f"{_MC_RUNBOOK}/{table.table}")
        if scope != kept:  # MachineConfigs the table leaves out are counted
            fields[table.count] = table.label
        items += _item_changes(table, old_rows, new_rows, scope)

    old_kernel = _rows(previous, _MC_RUNBOOK, "mc_kernel")
    new_kernel = _rows(current, _MC_RUNBOOK, "mc_kernel")
    kernel: tuple[dict[str, dict[str, str]], dict[str, dict[str, str]]] | None = None
    if same_scope and old_kernel is not None and new_kernel is not None:
        bases.append(f"{_MC_RUNBOOK}/mc_kernel")
        kernel = (_kernel_values(old_kernel), _kernel_values(new_kernel))
    elif same_scope:
        notes.append(
            f"extensions, FIPS, kernel type and OS image not compared: both runs need "
            f"{_MC_RUNBOOK}/mc_kernel"
        )

    changes: list[tuple[str, Change]] = []
    for name in sorted(kept):
        old, new = dict(before[name]), dict(after[name])
        these = {f: label for f, label in fields.items()
                 if f not in ("FILES", "UNITS") or f in counted or name not in scope}  # fmt: skip
        if kernel is not None:
            old.update(kernel[0].get(name, _KERNEL_UNSET))
            new.update(kernel[1].get(name, _KERNEL_UNSET))
            these.update(_KERNEL_FIELDS)
        change = _machineconfig_change(name, old, new, these)
        if change is not None:
            changes.append((name, change))
    # per MachineConfig: its own values, then its files, then its units (a stable sort)
    ordered = sorted(changes + items, key=lambda mc_change: mc_change[0])
    return SectionDiff(
        key="machineconfigs",
        title="MachineConfigs",
        compared=True,
        basis=", ".join(bases),
        added=tuple(sorted(after.keys() - before.keys())),
        removed=tuple(sorted(before.keys() - after.keys())),
        changed=tuple(c for _, c in ordered),
        note="; ".join(notes),
    )


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
        (Change(item='b', before='OS build=1', after='OS build=2', what=''),)
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
        note = f" {_e(section.note[:1].upper() + section.note[1:])}." if section.note else ""
        if not section.count:
            parts.append(f'<p class="muted">No change (from {_e(section.basis)}).{note}</p>')
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
            f"<tr><td>{_e(c.what or 'changed')}</td><td>{_e(c.item)}</td><td>{_e(c.before)}</td>"
            f"<td>{_e(c.after)}</td></tr>"
            for c in section.changed
        ]
        parts.append(
            f'<table class="diff" data-section="{_e(section.key)}"><tr><th>Change</th>'
            "<th>Item</th><th>Before</th><th>After</th></tr>" + "".join(rows) + "</table>"
        )
        parts.append(f'<p class="muted">From {_e(section.basis)}.{note}</p>')
    return "\n".join(parts)
