"""machineconfigs.render - rendered configs: which MachineConfigs make them, the check against a local merge, diffs.

A pool's target (``spec.configuration``) and current (``status.configuration``) rendered
configs list their source MachineConfigs; :func:`check_rendered` merges those locally
(:mod:`rhcos_helpers.machineconfigs.merge`) and compares; :func:`diff_configs` says what changes on a node
going from one rendered config to another (e.g. its currentConfig and desiredConfig).

Examples:
    >>> from dataclasses import replace
    >>> from rhcos_helpers.machineconfigs.parse import McFile
    >>> a = MergedConfig("old", "3.4.0", (), (), (), (), (), False, "default", None)
    >>> f = McFile("/etc/x", 420, True, "", "", "data:,y", "", b"y")
    >>> [c.change for c in diff_configs(replace(a, files=(f,)), a).changes]
    ['removed']
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from rhcos_helpers.cluster import SINGLE_REPLICA
from rhcos_helpers.findings import Finding, Severity
from rhcos_helpers.machineconfigs.merge import MergedConfig, from_rendered, merge, order, rules_for
from rhcos_helpers.machineconfigs.parse import McFile, McSet, McUnit, selector_matches
from rhcos_helpers.redaction import redact_text

__all__ = [
    "Change",
    "ConfigDiff",
    "RenderCheck",
    "check_rendered",
    "composition_frame",
    "diff_configs",
    "diff_frame",
    "empty_pool_note",
    "machine_count",
    "pool_sources",
    "reach_findings",
]

# --- composition and check ---------------------------------------------------------------------


def pool_sources(
    mcs: McSet, pool: Mapping[str, Any], *, which: Literal["spec", "status"] = "spec"
) -> tuple[list[str], list[str]]:
    """The MachineConfig names that make a pool's rendered config, and those missing.

    Uses ``<which>.configuration.source`` when the pool lists it; otherwise the pool's
    ``machineConfigSelector`` against the MachineConfigs' labels.

    Returns:
        ``(names present in the source, names listed by the pool but not found)``.
    """
    conf = (pool.get(which) or {}).get("configuration") or {}
    listed = [str(s.get("name", "")) for s in conf.get("source") or []]
    if listed:
        return [n for n in listed if n in mcs.configs], [n for n in listed if n not in mcs.configs]
    selector = (pool.get("spec") or {}).get("machineConfigSelector")
    chosen = [m.name for m in mcs.sources() if selector_matches(selector, m.labels)]
    return chosen, []


def composition_frame(mcs: McSet, pools: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Per pool and rendered config (target and current): the MachineConfigs in merge order."""
    rows = []
    for pool in pools:
        pname = str(pool["metadata"]["name"])
        selector = (pool.get("spec") or {}).get("machineConfigSelector")
        whiches: tuple[tuple[Literal["spec", "status"], str], ...] = (
            ("spec", "target"),
            ("status", "current"),
        )
        for which, label in whiches:
            rendered = str(((pool.get(which) or {}).get("configuration") or {}).get("name", ""))
            names, missing = pool_sources(mcs, pool, which=which)
            chosen = [mcs.configs[n] for n in names]
            selected_now = {m.name for m in mcs.sources() if selector_matches(selector, m.labels)}
            for pos, mc in enumerate(order(chosen, "head"), start=1):
                rows.append(
                    {
                        "POOL": pname,
                        "CONFIG": label,
                        "RENDERED": rendered,
                        "ORDER": pos,
                        "MACHINECONFIG": mc.name,
                        "ROLE": mc.role,
                        "ORIGIN": mc.origin,
                        "SELECTED NOW": mc.name in selected_now,
                    }
                )
            for n in missing:
                rows.append(
                    {
                        "POOL": pname,
                        "CONFIG": label,
                        "RENDERED": rendered,
                        "ORDER": None,
                        "MACHINECONFIG": n,
                        "ROLE": "",
                        "ORIGIN": "(unreadable)" if n in mcs.errors else "(deleted since)",
                        "SELECTED NOW": False,
                    }  # fmt: skip
                )
    cols = ["POOL", "CONFIG", "RENDERED", "ORDER", "MACHINECONFIG", "ROLE", "ORIGIN",
            "SELECTED NOW"]  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


# --- pools without nodes (compact and single-node clusters) -----------------------------------


def machine_count(pool: Mapping[str, Any]) -> int | None:
    """``status.machineCount`` of a pool; ``None`` when the pool reports none yet.

    Examples:
        >>> machine_count({"status": {"machineCount": 0}}), machine_count({}) is None
        (0, True)
    """
    raw = (pool.get("status") or {}).get("machineCount")
    try:
        return None if raw is None else int(raw)
    except (TypeError, ValueError):
        return None


def _where_nodes_are(topology: str) -> str:
    if topology == SINGLE_REPLICA:
        return ("this single-node cluster's one node is in pool master (a node that matches "
                "both master and worker stays in master)")  # fmt: skip
    return ("every node of this cluster is in another pool: on a compact cluster the "
            "schedulable masters match both master and worker and stay in master")  # fmt: skip


def empty_pool_note(pool: Mapping[str, Any], *, topology: str = "") -> str:
    """A sentence when ``pool`` has no nodes (what it selects reaches none), else ``""``.

    Examples:
        >>> p = {"metadata": {"name": "worker"}, "status": {"machineCount": 0}}
        >>> empty_pool_note(p, topology="SingleReplica")[:60]
        'pool worker has no nodes, so what it selects reaches no node'
    """
    if machine_count(pool) != 0:
        return ""
    name = str((pool.get("metadata") or {}).get("name", ""))
    return (
        f"pool {name} has no nodes, so what it selects reaches no node: "
        f"{_where_nodes_are(topology)}. Write it for role master to change the nodes there are; "
        f"as it is, it takes effect only when nodes join pool {name}"
    )


def reach_findings(mcs: McSet, pools: Sequence[Mapping[str, Any]]) -> list[Finding]:
    """User MachineConfigs that reach no node: every pool selecting them has no nodes.

    The machine-config controller renders them into those pools' configs all the same, so
    ``oc get mcp`` shows the pool updated while no node changed (compact and single-node
    clusters, whose worker pool is empty).
    """
    out: list[Finding] = []
    for mc in mcs.sources():
        if mc.origin != "user":
            continue
        selecting = [
            p for p in pools
            if selector_matches((p.get("spec") or {}).get("machineConfigSelector"), mc.labels)
        ]  # fmt: skip
        if not selecting or any(machine_count(p) != 0 for p in selecting):
            continue
        names = ", ".join(str(p["metadata"]["name"]) for p in selecting)
        out.append(
            Finding(
                Severity.WARNING,
                f"MachineConfig {mc.name} reaches no node",
                f"Only pool(s) {names} select it (role {mc.role or 'unset'}), and they have no "
                f"nodes: {_where_nodes_are(mcs.control_plane_topology)}. It changes nothing on "
                "the nodes there are and takes effect only when nodes join those pools; to "
                "change the nodes you have, write it for role master.",
                f"machineconfig/{mc.name}",
            )
        )
    return out


@dataclass(frozen=True)
class RenderCheck:
    """A cluster's rendered config compared with the local merge of its sources.

    Attributes:
        pool: the pool.
        which: ``target`` (spec) or ``current`` (status).
        rendered: the rendered config's name.
        equal: True when every file, unit, key and setting matches.
        differences: one line per difference (paths, units, settings).
        note: what could not be checked (e.g. the OS image without a ControllerConfig).
    """

    pool: str
    which: str
    rendered: str
    equal: bool | None
    differences: tuple[str, ...]
    note: str = ""


def _differences(local: MergedConfig, cluster: MergedConfig) -> list[str]:
    out = [f"{c.kind} {c.item}: {c.change}{' (' + c.detail + ')' if c.detail else ''}"
           for c in diff_configs(cluster, local, with_text=False).changes]  # fmt: skip
    if local.duplicate_paths != cluster.duplicate_paths:
        out.append(
            f"paths listed twice: cluster {list(cluster.duplicate_paths)}, "
            f"local {list(local.duplicate_paths)}"
        )
    return out


def check_rendered(
    mcs: McSet,
    pool: Mapping[str, Any],
    *,
    version: str,
    which: Literal["spec", "status"] = "spec",
    os_image_url: str | None = None,
) -> RenderCheck:
    """Merge a pool's sources locally and compare with the cluster's rendered config."""
    pname = str(pool["metadata"]["name"])
    label = "target" if which == "spec" else "current"
    rendered = str(((pool.get(which) or {}).get("configuration") or {}).get("name", ""))
    if not rendered:
        return RenderCheck(pname, label, "", None, (), "the pool names no rendered config")
    cluster_mc = mcs.get(rendered)
    if cluster_mc is None:
        why = mcs.errors.get(rendered, "not in this source")
        return RenderCheck(pname, label, rendered, None, (), f"rendered config unreadable: {why}")
    names, missing = pool_sources(mcs, pool, which=which)
    cluster = from_rendered(cluster_mc)
    local = merge(
        [mcs.configs[n] for n in names],
        rules=rules_for(version),
        os_image_url=os_image_url if os_image_url is not None else cluster.os_image_url,
        ignition_version=cluster.ignition_version,
    )
    notes = []
    if os_image_url is None:
        notes.append("OS image taken from the rendered config (no ControllerConfig read)")
    unreadable = [n for n in missing if n in mcs.errors]
    if unreadable:
        notes.append(
            f"sources that could not be read (left out of the local merge): {', '.join(unreadable)}"
        )
    deleted = [n for n in missing if n not in mcs.errors]
    if deleted:
        notes.append(f"sources deleted since: {', '.join(deleted)}")
    diffs = _differences(local, cluster)
    if diffs and which == "status":
        notes.append(
            "a current config made before the last change of its sources (an upgrade rewrites "
            "the templates) is expected to differ"
        )
    return RenderCheck(pname, label, rendered, not diffs, tuple(diffs), "; ".join(notes))


# --- diff -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One difference between two rendered configs.

    Attributes:
        kind: ``file``, ``unit``, ``kernel-argument``, ``extension``, ``os-image``, ``fips``,
            ``kernel-type``, ``ssh-keys`` or ``unsupported``.
        item: the path, unit name, argument ...
        change: ``added``, ``removed`` or ``changed``.
        detail: what changed (``contents``, ``mode 0644 -> 0600`` ...).
        diff: a unified diff of decoded text contents (redacted), ``""`` otherwise.
    """

    kind: str
    item: str
    change: str
    detail: str = ""
    diff: str = ""


@dataclass(frozen=True)
class ConfigDiff:
    """What changes on a node going from ``old`` to ``new``."""

    old: str
    new: str
    changes: tuple[Change, ...]
    new_unsupported: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """True when nothing changes."""
        return not self.changes


def _text_diff(old: McFile | None, new: McFile | None, path: str) -> str:
    a = old.text if old is not None else ""
    b = new.text if new is not None else ""
    if a is None or b is None:
        return "(binary contents)"
    lines = difflib.unified_diff(
        a.splitlines(keepends=True), b.splitlines(keepends=True), f"a{path}", f"b{path}", n=2
    )
    return redact_text("".join(lines))


def _file_detail(a: McFile, b: McFile) -> list[str]:
    out = []
    if a.contents != b.contents or a.error != b.error:
        out.append("contents")
    if a.mode != b.mode:
        out.append(f"mode {a.mode_octal or 'unset'} -> {b.mode_octal or 'unset'}")
    if a.effective_overwrite != b.effective_overwrite:
        out.append(f"overwrite {a.effective_overwrite} -> {b.effective_overwrite}")
    if (a.user, a.group) != (b.user, b.group):
        out.append(f"owner {a.user or 'root'}:{a.group or 'root'} -> "
                   f"{b.user or 'root'}:{b.group or 'root'}")  # fmt: skip
    return out


def _unit_detail(a: McUnit, b: McUnit) -> list[str]:
    out = []
    if a.contents != b.contents:
        out.append("contents")
    if a.enabled != b.enabled:
        out.append(f"enabled {a.enabled} -> {b.enabled}")
    if a.mask != b.mask:
        out.append(f"mask {a.mask} -> {b.mask}")
    da = {d.name: d.contents for d in a.dropins}
    db = {d.name: d.contents for d in b.dropins}
    for name in sorted(set(da) | set(db)):
        if name not in da:
            out.append(f"drop-in {name} added")
        elif name not in db:
            out.append(f"drop-in {name} removed")
        elif da[name] != db[name]:
            out.append(f"drop-in {name} changed")
    return out


def _multiset_changes(kind: str, old: Iterable[str], new: Iterable[str]) -> list[Change]:
    before, after = list(old), list(new)
    out = []
    rest = list(after)
    for item in before:
        if item in rest:
            rest.remove(item)
        else:
            out.append(Change(kind, item, "removed"))
    out.extend(Change(kind, item, "added") for item in rest)
    return out


def diff_configs(old: MergedConfig, new: MergedConfig, *, with_text: bool = True) -> ConfigDiff:
    r"""What changes between two rendered configs (e.g. a node's current and desired).

    Examples:
        >>> from dataclasses import replace
        >>> from rhcos_helpers.machineconfigs.parse import McFile
        >>> a = MergedConfig("old", "3.4.0", (), (), (), (), (), False, "default", None)
        >>> f = McFile("/etc/chrony.conf", 420, True, "", "", "data:,x", "", b"server x\n")
        >>> d = diff_configs(a, replace(a, name="new", files=(f,)))
        >>> [(c.kind, c.item, c.change) for c in d.changes]
        [('file', '/etc/chrony.conf', 'added')]
    """
    changes: list[Change] = []
    fa, fb = old.file_map(), new.file_map()
    for path in sorted(set(fa) | set(fb)):
        a, b = fa.get(path), fb.get(path)
        if a is None and b is not None:
            changes.append(
                Change(
                    "file",
                    path,
                    "added",
                    f"mode {b.mode_octal}",
                    _text_diff(None, b, path) if with_text else "",
                )  # fmt: skip
            )
        elif b is None and a is not None:
            changes.append(Change("file", path, "removed"))
        elif a is not None and b is not None:
            detail = _file_detail(a, b)
            if detail:
                text = _text_diff(a, b, path) if with_text and "contents" in detail else ""
                changes.append(Change("file", path, "changed", ", ".join(detail), text))
    ua, ub = old.unit_map(), new.unit_map()
    for name in sorted(set(ua) | set(ub)):
        x, y = ua.get(name), ub.get(name)
        if x is None:
            changes.append(Change("unit", name, "added"))
        elif y is None:
            changes.append(Change("unit", name, "removed"))
        else:
            detail = _unit_detail(x, y)
            if detail:
                changes.append(Change("unit", name, "changed", ", ".join(detail)))
    changes.extend(_multiset_changes("kernel-argument", old.kernel_arguments, new.kernel_arguments))
    changes.extend(_multiset_changes("extension", old.extensions, new.extensions))
    if old.os_image_url != new.os_image_url and old.os_image_url and new.os_image_url:
        changes.append(Change("os-image", "osImageURL", "changed",
                              f"{old.os_image_url} -> {new.os_image_url}"))  # fmt: skip
    if old.fips != new.fips:
        changes.append(Change("fips", "fips", "changed", f"{old.fips} -> {new.fips}"))
    if (old.kernel_type or "default") != (new.kernel_type or "default"):
        changes.append(
            Change(
                "kernel-type", "kernelType", "changed", f"{old.kernel_type} -> {new.kernel_type}"
            )
        )
    ka, kb = dict(old.ssh_keys), dict(new.ssh_keys)
    for user in sorted(set(ka) | set(kb)):
        if set(ka.get(user, ())) != set(kb.get(user, ())):
            changes.append(
                Change(
                    "ssh-keys",
                    user,
                    "changed",
                    f"{len(ka.get(user, ()))} -> {len(kb.get(user, ()))} key(s)",
                )  # fmt: skip
            )
    new_unsupported = tuple(u for u in new.unsupported if u not in old.unsupported)
    changes.extend(Change("unsupported", u, "added") for u in new_unsupported)
    return ConfigDiff(old.name, new.name, tuple(changes), new_unsupported)


def diff_frame(diff: ConfigDiff) -> pd.DataFrame:
    """One row per change, with the unified diff of text contents (redacted)."""
    rows = [
        {"KIND": c.kind, "ITEM": c.item, "CHANGE": c.change, "DETAIL": c.detail, "DIFF": c.diff}
        for c in diff.changes
    ]
    return pd.DataFrame(rows, columns=["KIND", "ITEM", "CHANGE", "DETAIL", "DIFF"])
