"""display - what runbooks show: the run context, findings first, tables, and missing data.

Presentation only: every value passes through :mod:`rhcos_helpers.redaction` before it is shown,
and what a runbook shows as its main tables and findings is also recorded for ``summary.json``
(:func:`rhcos_helpers.report.record`). Tables are interactive (sortable, searchable) through
itables in offline mode: its JavaScript is embedded once per notebook, nothing is fetched.
"""

from __future__ import annotations

import html
import platform
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from IPython.display import HTML
from IPython.display import display as _display

from rhcos_helpers.findings import Finding, Severity, sort_findings
from rhcos_helpers.redaction import redact, redact_frame, redact_text
from rhcos_helpers.report import record
from rhcos_helpers.report.html import RUN_CONTEXT_BANNER_CLASS
from rhcos_helpers.sources.base import Attempt, Source, attempt

__all__ = [
    "code",
    "facts",
    "figure",
    "findings",
    "not_available",
    "run_context",
    "setup",
    "table",
]

_SEVERITY_STYLE = {
    Severity.CRITICAL: ("#a30000", "CRITICAL"),
    Severity.WARNING: ("#b35c00", "WARNING"),
    Severity.INFO: ("#2a6ebb", "INFO"),
}

_CSS = """
<style>
.rr-banner{background:#f0ab00;color:#151515;font-weight:700;padding:.6em 1em;
  border-radius:4px;margin:.5em 0;font-size:1.1em}
.rr-kv{border-collapse:collapse;margin:.3em 0}
.rr-kv th{text-align:left;padding:.15em 1em .15em 0;color:#444;font-weight:600;vertical-align:top}
.rr-kv td{padding:.15em 0;font-family:monospace}
.rr-findings{border-collapse:collapse;width:100%}
.rr-findings td,.rr-findings th{border-bottom:1px solid #ddd;padding:.3em .5em;text-align:left;
  vertical-align:top}
.rr-sev{color:#fff;border-radius:3px;padding:.1em .4em;font-size:.85em;font-weight:700}
.rr-none{color:#555;font-style:italic;border-left:4px solid #8a8d90;padding:.3em .8em;margin:.4em 0}
.rr-note{border-left:4px solid #f0ab00;padding:.3em .8em;margin:.4em 0}
.jp-RenderedHTMLCommon td,.jp-RenderedHTMLCommon th{text-align:left !important}
table.dataTable td{white-space:nowrap}
.rr-count{color:#444;margin:.2em 0 .5em 0}
</style>
"""

_ready = False
#: The runbook this kernel runs (set by :func:`run_context`): a finding that points to it says
#: "below" instead of linking its own report.
_this_runbook: str | None = None


def setup() -> None:
    """Prepare the notebook: itables offline mode and the report's CSS (once per kernel)."""
    global _ready
    if _ready:
        return
    from itables import init_notebook_mode

    init_notebook_mode(all_interactive=False, connected=False)
    pd.set_option("display.max_colwidth", 200)
    _display(HTML(_CSS))
    _ready = True


def _kv_html(pairs: Mapping[str, object]) -> str:
    rows = "".join(
        f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(redact_text(str(v)))}</td></tr>"
        for k, v in pairs.items()
    )
    return f'<table class="rr-kv">{rows}</table>'


def run_context(source: Source, *, runbook: str, parameters: Mapping[str, object]) -> None:
    """Show (and record) where the data comes from; a DEMO DATA banner for the bundled demos.

    The banner is for interactive sessions; an HTML report of a demo shows its own at the top
    instead (:data:`~rhcos_helpers.report.html.RUN_CONTEXT_BANNER_CLASS`).
    """
    global _this_runbook
    setup()
    from rhcos_helpers import __version__

    _this_runbook = runbook
    ident = source.identity
    if ident.is_demo:
        _display(
            HTML(
                f'<div class="rr-banner {RUN_CONTEXT_BANNER_CLASS}">DEMO DATA: a synthetic '
                "cluster bundled with rhcos-runbooks, not a real cluster. Run with --source "
                "kube or a must-gather path for your own.</div>"
            )
        )
    where = ident.api_url if ident.kind == "live" else ident.shown_capture
    pairs: dict[str, object] = {
        "Runbook": runbook,
        "Source": f"{ident.shown_spec} ({ident.kind})",
        "Cluster ID": ident.cluster_id or "unknown",
        "Cluster version": ident.cluster_version or "unknown",
        "API URL" if ident.kind == "live" else "Capture": where or "unknown",
    }
    if ident.context:
        pairs["Context"] = ident.context
    if ident.captured_at:
        pairs["Captured at (UTC)"] = ident.captured_at.strftime("%Y-%m-%d %H:%M:%S")
        pairs["Ages computed at"] = "the capture time"
    pairs["Parameters"] = ", ".join(f"{k}={v!r}" for k, v in parameters.items()) or "none"
    pairs["rhcos_helpers"] = __version__
    pairs["Report made (UTC)"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
    pairs["Python"] = platform.python_version()
    _display(HTML(_kv_html(pairs)))
    for note in ident.notes:
        _display(HTML(f'<div class="rr-note">{html.escape(redact_text(note))}</div>'))
    if ident.kind == "live":
        _live_preamble(source)
    record(
        "context",
        {
            "runbook": runbook,
            "source": ident.to_dict(),
            "parameters": dict(parameters),
            "tool_version": __version__,
        },
    )


def _live_preamble(source: Source) -> None:
    """Before a live run: how nodes are reached, and what the caller's rights allow."""
    from rhcos_helpers.node_access.ssh import SSH_NOTICE, SshRunner
    from rhcos_helpers.permissions import preflight

    runner = getattr(source, "node_runner", None)
    if isinstance(runner, SshRunner):
        _display(HTML(f'<div class="rr-note">{html.escape(SSH_NOTICE)}</div>'))
    from rhcos_helpers.sources import debug_namespace

    checked = attempt(preflight, source, debug_namespace=debug_namespace())
    if not checked.ok or checked.value is None:
        not_available("Pre-flight permission check", checked.reason or "no answer")
        return
    verdict = checked.value
    record("permissions", verdict.to_records())
    denied = verdict.denied()
    if not denied:
        _display(HTML('<div class="rr-none">Pre-flight: your rights allow every section.</div>'))
    else:
        _display(
            HTML(
                f'<div class="rr-note">Pre-flight: {len(denied)} section(s) will be skipped '
                "with your rights; the table says which grant would enable each.</div>"
            )
        )
        table(verdict.to_frame(), caption="What your rights allow")
    for note in verdict.notes:
        _display(HTML(f'<div class="rr-note">{html.escape(redact_text(note))}</div>'))


def findings(items: Sequence[Finding]) -> None:
    """Show findings, most severe first, each with the runbook to open next; record them."""
    setup()
    ordered = sort_findings(items)
    record("findings", [f.to_dict() for f in ordered])
    if not ordered:
        _display(
            HTML('<div class="rr-none">Nothing needs attention in what this runbook reads.</div>')
        )
        return
    counts = ", ".join(
        f"{sum(1 for f in ordered if f.severity == sev)} {sev.value}"
        for sev in Severity
        if any(f.severity == sev for f in ordered)
    )
    rows = []
    for f in ordered:
        colour, label = _SEVERITY_STYLE[f.severity]
        if not f.next_runbook:
            nxt = ""
        elif f.next_runbook == _this_runbook:
            nxt = "this runbook, below"
        else:
            nxt = f'<a href="{html.escape(f.next_runbook)}.html">{html.escape(f.next_runbook)}</a>'
        rows.append(
            f'<tr><td><span class="rr-sev" style="background:{colour}">{label}</span></td>'
            f"<td><b>{html.escape(redact_text(f.title))}</b><br>{html.escape(redact_text(f.what))}"
            f"</td><td><code>{html.escape(redact_text(f.where))}</code></td><td>{nxt}</td></tr>"
        )
    _display(
        HTML(
            f'<div class="rr-count">{len(ordered)} finding(s): {counts}</div>'
            '<table class="rr-findings"><tr><th>Severity</th><th>What</th><th>Where</th>'
            f"<th>Open next</th></tr>{''.join(rows)}</table>"
        )
    )


def not_available(what: str, reason: str) -> None:
    """Say explicitly that something could not be read, and why (never an empty table)."""
    setup()
    _display(
        HTML(
            f'<div class="rr-none">{html.escape(what)}: not available. '
            f"{html.escape(redact_text(reason))}</div>"
        )
    )


def table(
    data: pd.DataFrame | Attempt[pd.DataFrame],
    *,
    name: str | None = None,
    caption: str | None = None,
    empty: str = "No rows.",
) -> None:
    """Show a table (interactive, redacted); record it under ``name`` for ``summary.json``.

    Args:
        data: a DataFrame, or an :class:`~rhcos_helpers.sources.base.Attempt` of one (its reason
            is shown when the source could not provide it).
        name: record the table under this name (the runbook's main tables).
        caption: a caption above the table.
        empty: what to say when there are no rows (the source answered, and there is nothing).
    """
    setup()
    if isinstance(data, Attempt):
        if not data.ok or data.value is None:
            not_available(caption or name or "table", data.reason or "no data")
            if name:
                record(name, {"not_available": data.reason})
            return
        frame = data.value
    else:
        frame = data
    frame = redact_frame(frame)
    if name:
        record(name, frame)
    if caption:
        _display(HTML(f"<p><b>{html.escape(caption)}</b></p>"))
    if frame.empty:
        _display(HTML(f'<div class="rr-none">{html.escape(empty)}</div>'))
        return
    from itables import show

    show(
        frame,
        paging=len(frame) > 50,
        pageLength=50,
        scrollX=True,
        classes="display compact",
        showIndex=False,
        text_in_header_can_be_selected=False,  # a click on a header's text sorts, as expected
    )


def facts(
    pairs: Mapping[str, Any] | Attempt[dict[str, object]], *, name: str | None = None
) -> None:
    """Show a short key/value list (e.g. the cluster version summary); record it if named."""
    setup()
    if isinstance(pairs, Attempt):
        if not pairs.ok or pairs.value is None:
            not_available(name or "summary", pairs.reason or "no data")
            return
        pairs = pairs.value
    clean = redact(dict(pairs))
    if name:
        record(name, clean)
    _display(HTML(_kv_html(clean)))


def figure(fig: Any, *, caption: str | None = None, empty: str = "Nothing to plot.") -> None:
    """Show a matplotlib figure as a static PNG (``None``: say there is nothing to plot).

    ``fig`` may be an :class:`~rhcos_helpers.sources.base.Attempt` of a figure: its reason (not
    applicable, could not be read) is shown instead of ``empty``.
    """
    setup()
    if isinstance(fig, Attempt):
        if not fig.ok:
            not_available(caption or "figure", fig.reason or "no data")
            return
        fig = fig.value
    if caption:
        _display(HTML(f"<p><b>{html.escape(caption)}</b></p>"))
    if fig is None:
        _display(HTML(f'<div class="rr-none">{html.escape(empty)}</div>'))
        return
    import io

    from IPython.display import Image

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    _display(Image(data=buf.getvalue(), format="png"))


def code(text: str | Attempt[str], *, name: str | None = None, caption: str | None = None) -> None:
    """Show a block of text as-is (e.g. a YAML object to save), redacted; record it if named."""
    setup()
    if isinstance(text, Attempt):
        if not text.ok or text.value is None:
            not_available(caption or name or "text", text.reason or "no data")
            if name:
                record(name, {"not_available": text.reason})
            return
        text = text.value
    clean = redact_text(text)
    if name:
        record(name, clean)
    if caption:
        _display(HTML(f"<p><b>{html.escape(caption)}</b></p>"))
    _display(HTML(f"<pre>{html.escape(clean)}</pre>"))
