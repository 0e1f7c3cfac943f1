"""report.history - runs over time: an output root of runs, and what changed between two runs.

With ``rhcos-runbooks run --out-root ROOT`` every run goes into ``ROOT/<cluster-id>/<UTC time>/``
and ``ROOT/index.html`` lists every run. A run's ``index.html`` shows its diff against the
previous run of the same cluster: the same ClusterVersion ``spec.clusterID``, read from the
``source.cluster_id`` of each run's ``summary.json``.

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
                   files, units, kernel arguments, SSH or generating controller
=================  =========================================================================

Everything here except :func:`load_runs` and :func:`write_root_index` is pure.

Examples:
    >>> run_dir_name(datetime(2026, 11, 20, 9, 30, tzinfo=UTC))
    '20261120T093000Z'
    >>> cluster_dir_name("4f9c2a61-8d3e-4b7a"), cluster_dir_name(None), cluster_dir_name("a/../b")
    ('4f9c2a61-8d3e-4b7a', 'unknown-cluster', 'a-..-b')
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from rhcos_helpers.redaction import redact_html

__all__ = [
    "ROOT_INDEX",
    "Change",
    "RunDiff",
    "RunEntry",
    "SectionDiff",
    "cluster_dir_name",
    "diff_runs",
    "entry_from_summary",
    "load_runs",
    "previous_run",
    "render_diff_html",
    "render_root_index",
    "run_dir_name",
    "write_root_index",
]

log = logging.getLogger(__name__)

ROOT_INDEX = "index.html"
SUMMARY = "summary.json"
_UNKNOWN_CLUSTER = "unknown-cluster"
_SEVERITIES = ("critical", "warning", "info")


def run_dir_name(when: datetime) -> str:
    """The directory name of a run started at ``when`` (UTC, to the second)."""
    return when.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def cluster_dir_name(cluster_id: str | None) -> str:
    """A safe directory name for a cluster ID (``unknown-cluster`` when there is none)."""
    text = re.sub(r"[^A-Za-z0-9._-]+", "-", (cluster_id or "").strip()).strip("-.")
    return text[:80] or _UNKNOWN_CLUSTER


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
        ("GENERATEDBYCONTROLLER", "FILES", "UNITS", "KERNEL ARGS", "SSH"),
    ),
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
        (Change(item='b', before='OS build=1', after='OS build=2'),)
    """
    sections = (
        _compare_section("nodes", "Nodes", previous, current, _NODES),
        _compare_section("os_builds", "OS builds", previous, current, _OS_BUILDS, membership=False),
        _compare_section("pools", "Machine config pools", previous, current, _POOLS),
        _compare_section("scc_grants", "SCC grants", previous, current, _SCC_GRANTS),
        _compare_section("machineconfigs", "MachineConfigs", previous, current, _MACHINECONFIGS),
    )
    return RunDiff(
        cluster_id=_cluster_id(current) or "",
        previous_generated_at=_generated_at(previous),
        current_generated_at=_generated_at(current),
        sections=sections,
    )


# --- the runs of a root -------------------------------------------------------------------


@dataclass(frozen=True)
class RunEntry:
    """One run in an output root, as ``ROOT/index.html`` lists it.

    Attributes:
        path: the run's directory relative to the root (POSIX form).
        cluster_id: the ClusterVersion ``spec.clusterID``, or ``None``.
        cluster_version: the cluster's version, or ``None``.
        generated_at: when its summary was written (ISO 8601).
        source: the ``--source`` spec.
        demo: the source is a bundled demo.
        ok: runbooks that ran to the end.
        failed: runbooks that failed.
        findings: number of findings by severity.
    """

    path: str
    cluster_id: str | None
    cluster_version: str | None
    generated_at: str
    source: str
    demo: bool
    ok: int
    failed: int
    findings: dict[str, int]


def entry_from_summary(summary: Mapping[str, Any], *, path: str) -> RunEntry:
    """The index entry of a run.

    Args:
        summary: the run's ``summary.json``.
        path: the run's directory relative to the root.
    """
    source = summary.get("source") if isinstance(summary.get("source"), Mapping) else {}
    assert isinstance(source, Mapping)
    runbooks = summary.get("runbooks") or {}
    statuses = Counter(str(rb.get("status")) for rb in runbooks.values())
    severities: Counter[str] = Counter()
    for rb in runbooks.values():
        for finding in rb.get("findings") or []:
            if isinstance(finding, Mapping):
                severities[str(finding.get("severity"))] += 1
    return RunEntry(
        path=path,
        cluster_id=_cluster_id(summary),
        cluster_version=source.get("cluster_version") or None,
        generated_at=_generated_at(summary),
        source=str(source.get("spec") or ""),
        demo=source.get("kind") == "demo",
        ok=statuses.get("ok", 0),
        failed=statuses.get("failed", 0),
        findings={s: severities.get(s, 0) for s in _SEVERITIES},
    )


def previous_run(
    runs: Iterable[tuple[str, Mapping[str, Any]]],
    *,
    cluster_id: str | None,
    before: str,
    exclude: str | None = None,
) -> tuple[str, Mapping[str, Any]] | None:
    """The latest run of the same cluster written before ``before``.

    Args:
        runs: ``(path, summary)`` pairs, as :func:`load_runs` returns them.
        cluster_id: the cluster to look for (``None`` never matches: no diff).
        before: an ISO 8601 time; only runs generated strictly earlier count.
        exclude: a path to skip (the current run).

    Examples:
        >>> runs = [("c/1", {"generated_at": "2026-01-01", "source": {"cluster_id": "c"}}),
        ...         ("c/2", {"generated_at": "2026-01-02", "source": {"cluster_id": "c"}}),
        ...         ("d/1", {"generated_at": "2026-01-02", "source": {"cluster_id": "d"}})]
        >>> previous_run(runs, cluster_id="c", before="2026-01-03")[0]
        'c/2'
        >>> previous_run(runs, cluster_id="c", before="2026-01-02")[0]
        'c/1'
    """
    if not cluster_id:
        return None
    candidates = [
        (path, summary)
        for path, summary in runs
        if path != exclude
        and _cluster_id(summary) == cluster_id
        and _generated_at(summary) < before
    ]
    return max(candidates, key=lambda item: (_generated_at(item[1]), item[0]), default=None)


def load_runs(root: Path) -> list[tuple[str, dict[str, Any]]]:
    """Every run under an output root: ``(path relative to root, summary)``, oldest first.

    A ``summary.json`` that cannot be read is skipped with a warning.
    """
    runs = []
    for path in sorted(Path(root).glob(f"*/*/{SUMMARY}")):
        try:
            summary = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            log.warning("skipping %s: %s", path, exc)
            continue
        if isinstance(summary, dict):
            runs.append((path.parent.relative_to(root).as_posix(), summary))
    runs.sort(key=lambda item: (_generated_at(item[1]), item[0]))
    return runs


# --- HTML ---------------------------------------------------------------------------------

ROOT_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2em auto;
       max-width: 75em; padding: 0 1em; color: #1f2328; line-height: 1.4; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 1.6em; }
table { border-collapse: collapse; width: 100%; margin: .5em 0; }
th, td { text-align: left; padding: .35em .6em; border-bottom: 1px solid #d0d7de;
         vertical-align: top; }
th { background: #f6f8fa; } .num { text-align: right; font-variant-numeric: tabular-nums; }
.muted { color: #656d76; } .failed { color: #cf222e; font-weight: bold; }
.demo { background: #fff3cd; border: 1px solid #d4a000; padding: 0 .3em; font-size: .8em; }
"""

#: Content-Security-Policy of the pages written here and by report/index.py: no request.
PAGE_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'none'"
)


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


def render_root_index(
    runs: Sequence[tuple[str, Mapping[str, Any]]], *, generated_at: datetime
) -> str:
    """``ROOT/index.html``: every run, grouped by cluster, newest first, with its changes.

    Args:
        runs: ``(path, summary)`` pairs (see :func:`load_runs`).
        generated_at: when the page is written.
    """
    by_cluster: dict[str, list[tuple[str, Mapping[str, Any]]]] = {}
    for path, summary in runs:
        by_cluster.setdefault(_cluster_id(summary) or _UNKNOWN_CLUSTER, []).append((path, summary))
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{PAGE_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>rhcos-runbooks runs</title>",
        f"<style>{ROOT_CSS}</style></head><body>",
        "<h1>rhcos-runbooks runs</h1>",
        f'<p class="muted">{len(runs)} run(s) of {len(by_cluster)} cluster(s); written '
        f"{_e(generated_at.isoformat())}.</p>",
    ]
    for cluster in sorted(by_cluster):
        cluster_runs = sorted(by_cluster[cluster], key=lambda item: _generated_at(item[1]))
        changes: dict[str, int | None] = {}
        for index, (path, summary) in enumerate(cluster_runs):
            if index == 0 or cluster == _UNKNOWN_CLUSTER:
                changes[path] = None
            else:
                changes[path] = diff_runs(cluster_runs[index - 1][1], summary).count
        parts.append(f"<h2>Cluster {_e(cluster)}</h2>")
        parts.append(
            "<table><tr><th>Run (UTC)</th><th>Version</th><th>Source</th>"
            "<th class='num'>OK</th><th class='num'>Failed</th>"
            + "".join(f"<th class='num'>{s.capitalize()}</th>" for s in _SEVERITIES)
            + "<th class='num'>Changes</th></tr>"
        )
        for path, summary in reversed(cluster_runs):
            entry = entry_from_summary(summary, path=path)
            demo = ' <span class="demo">DEMO DATA</span>' if entry.demo else ""
            failed = (
                f"<td class='num failed'>{entry.failed}</td>"
                if entry.failed
                else ("<td class='num'>0</td>")
            )
            count = changes[path]
            parts.append(
                f'<tr><td><a href="{_e(path)}/index.html">{_e(entry.generated_at)}</a></td>'
                f"<td>{_e(entry.cluster_version or 'unknown')}</td>"
                f"<td>{_e(entry.source)}{demo}</td><td class='num'>{entry.ok}</td>{failed}"
                + "".join(f"<td class='num'>{entry.findings[s] or ''}</td>" for s in _SEVERITIES)
                + f"<td class='num'>{'first run' if count is None else count}</td></tr>"
            )
        parts.append("</table>")
    parts.append("</body></html>\n")
    return redact_html("\n".join(parts))


def write_root_index(root: Path) -> Path:
    """Rewrite ``ROOT/index.html`` from every run under the root; return its path."""
    root = Path(root)
    page = render_root_index(load_runs(root), generated_at=datetime.now(UTC).replace(microsecond=0))
    target = root / ROOT_INDEX
    target.write_text(page, encoding="utf-8")
    return target
