"""report.history - runs over time: an output root of runs, the previous run, the root's index.

With ``rhcos-runbooks run --out-root ROOT`` every run goes into ``ROOT/<cluster-id>/<UTC time>/``
and ``ROOT/index.html`` lists every run. A run's ``index.html`` shows its diff
(:mod:`rhcos_helpers.report.run_diff`) against the previous run of the same cluster: the same
ClusterVersion ``spec.clusterID``, read from the ``source.cluster_id`` of each run's
``summary.json``.

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
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rhcos_helpers.redaction import redact_html
from rhcos_helpers.report.run_diff import _cluster_id, _e, _generated_at, diff_runs

__all__ = [
    "ROOT_INDEX",
    "RunEntry",
    "cluster_dir_name",
    "entry_from_summary",
    "load_runs",
    "previous_run",
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
