"""report.index - the front page (``index.html``) and machine summary (``summary.json``) of a run.

``index.html`` is one self-contained file (inline CSS, no scripts, no external assets, a
Content-Security-Policy that allows no request): a DEMO DATA banner for the bundled demos, the
run context, every finding first, most severe first, linking to the runbook's page and to the
runbook to open next (a link when its report is part of the run, else its name), then one row
per runbook with its status, duration and findings by severity, and, in an output root, the
changes since the previous run of the same cluster (:mod:`rhcos_helpers.report.run_diff`).

``summary.json``::

    {"tool_version": "0.1.0", "generated_at": "2026-11-20T09:30:00+00:00",
     "source": {...SourceIdentity.to_dict()...},
     "runbooks": {"10-node-os": {"status": "ok", "duration_s": 2.1, "parameters": {...},
                                 "error": null, "findings": [{..., "next_runbook": "50-x",
                                 "next_html": "50-x.html"}], "tables": {...},
                                 "context": {...}, "notebook": "10-node-os.ipynb",
                                 "html": "10-node-os.html"}},
     "changes_since_previous": {...RunDiff.to_dict(), "previous": "../<time>/index.html"}}

(``changes_since_previous`` only in an output root, when the cluster ran there before.)

Both are redacted before they are written.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from html import escape
from importlib import metadata
from pathlib import Path
from typing import Any

from rhcos_helpers.findings import Severity
from rhcos_helpers.redaction import redact, redact_html
from rhcos_helpers.report.history import PAGE_CSP
from rhcos_helpers.report.results import RunbookResult
from rhcos_helpers.report.run_diff import RunDiff, diff_runs, render_diff_html
from rhcos_helpers.sources.base import SourceIdentity

__all__ = ["INDEX_FILE", "SUMMARY_FILE", "build_summary", "tool_version", "write_index"]

log = logging.getLogger(__name__)

INDEX_FILE = "index.html"
SUMMARY_FILE = "summary.json"
_SEVERITIES = [s.value for s in Severity]


def tool_version() -> str:
    """The installed ``rhcos-runbooks`` version, or ``unknown``."""
    try:
        return metadata.version("rhcos-runbooks")
    except metadata.PackageNotFoundError:
        return "unknown"


def _severity_rank(finding: dict[str, Any]) -> int:
    severity = finding.get("severity")
    return _SEVERITIES.index(severity) if severity in _SEVERITIES else len(_SEVERITIES)


def _with_next_html(findings: list[dict[str, Any]], known: set[str]) -> list[dict[str, Any]]:
    """Findings with ``next_html``: the next runbook's report when it is part of the run."""
    out = []
    for finding in findings:
        nxt = finding.get("next_runbook")
        out.append({**finding, "next_html": f"{nxt}.html" if nxt in known else None})
    return out


def build_summary(
    runs: list[RunbookResult], *, identity: SourceIdentity, generated_at: datetime
) -> dict[str, Any]:
    """The ``summary.json`` document (redacted).

    Each finding carries ``next_html``: the report of its ``next_runbook`` when that runbook
    is part of the run, else ``None``.
    """
    known = {run.name for run in runs}
    runbooks = {
        run.name: {
            "title": run.title,
            "status": run.status,
            "duration_s": round(run.duration_s, 3),
            "parameters": run.parameters,
            "error": run.error,
            "findings": _with_next_html(run.findings, known),
            "tables": run.tables,
            "context": run.context,
            "notebook": run.notebook.name if run.notebook else None,
            "html": run.html.name if run.html else None,
        }
        for run in runs
    }
    summary = {
        "tool_version": tool_version(),
        "generated_at": generated_at.isoformat(),
        "source": identity.to_dict(),
        "runbooks": runbooks,
    }
    result = redact(summary)
    assert isinstance(result, dict)
    return result


def write_index(
    out_dir: Path,
    runs: list[RunbookResult],
    *,
    identity: SourceIdentity,
    previous: Mapping[str, Any] | None = None,
    previous_href: str | None = None,
    compare: bool = False,
) -> dict[str, Any]:
    """Write ``index.html`` and ``summary.json`` for a run into ``out_dir``.

    Args:
        out_dir: the run's report directory (created if missing).
        runs: the runbook results, in run order.
        identity: the source the runbooks read.
        previous: the summary of the previous run of the same cluster; its diff goes into
            ``index.html`` and ``summary.json`` (``changes_since_previous``).
        previous_href: a link to the previous run's ``index.html``.
        compare: show the "changes since the previous run" section even without a previous
            run (an output root's first run of a cluster says so).

    Returns:
        The summary written.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    generated_at = datetime.now(UTC).replace(microsecond=0)
    summary = build_summary(runs, identity=identity, generated_at=generated_at)
    diff = diff_runs(previous, summary) if previous is not None else None
    if diff is not None:
        summary["changes_since_previous"] = {**diff.to_dict(), "previous": previous_href}
    (out_dir / SUMMARY_FILE).write_text(
        json.dumps(summary, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
    )
    changes = render_diff_html(diff, previous_href=previous_href) if compare or diff else ""
    page = _render(
        summary,
        runs,
        identity=identity,
        headline=_headline(summary, diff, compared=compare or diff is not None),
        changes=changes,
    )
    (out_dir / INDEX_FILE).write_text(redact_html(page), encoding="utf-8")
    log.info("wrote %s and %s", out_dir / INDEX_FILE, out_dir / SUMMARY_FILE)
    return summary


_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2em auto;
       max-width: 75em; padding: 0 1em; color: #1f2328; line-height: 1.4; }
h1 { font-size: 1.6em; margin-bottom: .2em; } h2 { font-size: 1.25em; margin-top: 1.6em; }
table { border-collapse: collapse; width: 100%; margin: .5em 0; }
th, td { text-align: left; padding: .35em .6em; border-bottom: 1px solid #d0d7de;
         vertical-align: top; }
th { background: #f6f8fa; } table.context th { width: 14em; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.demo { background: #fff3cd; border: 2px solid #d4a000; padding: .7em 1em; font-weight: bold;
        margin: 1em 0; }
.status-ok { color: #1a7f37; font-weight: bold; } .status-failed { color: #cf222e;
             font-weight: bold; }
.sev { font-weight: bold; text-transform: uppercase; font-size: .85em; }
.sev-critical { color: #cf222e; } .sev-warning { color: #9a6700; } .sev-info { color: #0969da; }
.error { font-family: ui-monospace, monospace; font-size: .9em; color: #cf222e; }
.muted { color: #656d76; } ul.notes { margin: .3em 0; }
.headline { font-size: 1.1em; background: #f6f8fa; border-left: 4px solid #0969da;
            padding: .5em .8em; }
"""


def _e(value: Any) -> str:
    return escape("" if value is None else str(value))


def _link(name: str, known: set[str]) -> str:
    if name in known:
        return f'<a href="{_e(name)}.html">{_e(name)}</a>'
    return _e(name)


def _context_rows(summary: dict[str, Any], identity: SourceIdentity) -> list[tuple[str, str]]:
    source = summary["source"]
    rows = [
        ("Source", f"{identity.shown_spec} ({source['kind']})"),
        ("Cluster ID", source["cluster_id"] or "unknown"),
        ("Cluster version", source["cluster_version"] or "unknown"),
    ]
    if identity.shown_capture:
        rows.append(("Capture", identity.shown_capture))
    if source["captured_at"]:
        rows.append(("Captured at", source["captured_at"]))
    if source["api_url"]:
        rows.append(("API URL", source["api_url"]))
    if source["context"]:
        rows.append(("Kube context", source["context"]))
    rows.append(("Tool version", f"rhcos-runbooks {summary['tool_version']}"))
    rows.append(("Generated (UTC)", summary["generated_at"]))
    return [(k, _e(v)) for k, v in rows]


def _headline(summary: dict[str, Any], diff: RunDiff | None, *, compared: bool) -> str:
    """One line at the top: what needs attention, and what changed since the previous run.

    Examples:
        >>> s = {"runbooks": {"a": {"findings": [{"severity": "warning"}, {"severity": "info"}]}}}
        >>> _headline(s, None, compared=False)
        'Needs attention: 1 warning, 1 info (<a href="#findings">findings</a>).'
        >>> _headline({"runbooks": {}}, None, compared=True)  # doctest: +NORMALIZE_WHITESPACE
        'Needs attention: nothing. Since the previous run: no earlier run of this cluster in this
        output root.'
    """
    counts = Counter(
        str(f.get("severity")) for entry in summary["runbooks"].values() for f in entry["findings"]
    )
    attention = ", ".join(f"{counts[s]} {s}" for s in _SEVERITIES if counts.get(s))
    line = (
        f'Needs attention: {attention} (<a href="#findings">findings</a>).'
        if attention
        else "Needs attention: nothing."
    )
    if not compared:
        return line
    if diff is None:
        return line + " Since the previous run: no earlier run of this cluster in this output root."
    touched = [f"{sec.title} {sec.count}" for sec in diff.sections if sec.compared and sec.count]
    what = f" ({', '.join(touched)})" if touched else ""
    return (
        f"{line} Since the previous run ({_e(diff.previous_generated_at)}): "
        f'<a href="#changes">{diff.count} change(s)</a>{_e(what)}.'
    )


def _render(
    summary: dict[str, Any],
    runs: list[RunbookResult],
    *,
    identity: SourceIdentity,
    headline: str = "",
    changes: str = "",
) -> str:
    known = {run.name for run in runs}
    runbooks = summary["runbooks"]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{PAGE_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>rhcos-runbooks report: {_e(summary['source']['spec'])}</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>rhcos-runbooks report</h1>",
    ]
    if identity.is_demo:
        parts.append(
            '<div class="demo">DEMO DATA: this report was made from a synthetic cluster bundled '
            "with rhcos-runbooks. It describes no real cluster.</div>"
        )
    parts.append('<table class="context">')
    parts += [f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in _context_rows(summary, identity)]
    parts.append("</table>")
    notes = summary["source"].get("notes") or []
    if notes:
        parts.append('<ul class="notes">' + "".join(f"<li>{_e(n)}</li>" for n in notes) + "</ul>")

    if headline:
        parts.append(f'<p class="headline">{headline}</p>')

    findings = [(name, f) for name, entry in runbooks.items() for f in entry["findings"]]
    findings.sort(key=lambda item: (_severity_rank(item[1]), item[0], str(item[1].get("title"))))
    parts.append(f'<h2 id="findings">Findings ({len(findings)})</h2>')
    if not findings:
        parts.append('<p class="muted">No runbook recorded a finding.</p>')
    else:
        parts.append(
            "<table><tr><th>Severity</th><th>Finding</th><th>Where</th><th>Runbook</th>"
            "<th>Next</th></tr>"
        )
        for name, finding in findings:
            severity = str(finding.get("severity") or "")
            next_runbook = finding.get("next_runbook")
            parts.append(
                f"<tr><td class='sev sev-{_e(severity)}'>{_e(severity)}</td>"
                f"<td><strong>{_e(finding.get('title'))}</strong><br>{_e(finding.get('what'))}"
                f"</td><td>{_e(finding.get('where'))}</td><td>{_link(name, known)}</td>"
                f"<td>{_link(str(next_runbook), known) if next_runbook else ''}</td></tr>"
            )
        parts.append("</table>")
    if changes:
        parts.append(changes)
    parts.append("<h2>Runbooks</h2>")
    parts.append(
        "<table><tr><th>Runbook</th><th>Title</th><th>Status</th><th class='num'>Duration</th>"
        + "".join(f"<th class='num'>{s.capitalize()}</th>" for s in _SEVERITIES)
        + "<th>Error</th></tr>"
    )
    for run in runs:
        entry = runbooks[run.name]
        counts = Counter(f.get("severity") for f in entry["findings"])
        parts.append(
            f"<tr><td>{_link(run.name, known)}</td><td>{_e(entry['title'])}</td>"
            f"<td class='status-{_e(entry['status'])}'>{_e(entry['status'])}</td>"
            f"<td class='num'>{entry['duration_s']:.1f} s</td>"
            + "".join(f"<td class='num'>{counts.get(s, 0) or ''}</td>" for s in _SEVERITIES)
            + f"<td class='error'>{_e(entry['error'] or '')}</td></tr>"
        )
    parts.append("</table>")

    parts.append("</body></html>\n")
    return "\n".join(parts)
