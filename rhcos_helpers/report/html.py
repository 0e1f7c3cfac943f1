"""report.html - render an executed runbook as a shareable, self-contained, offline HTML page.

Uses nbconvert's ``lab`` template through ``templates/rhcos_report.html.j2``:

* **No request leaves the page.** The scripts the lab template loads from CDNs (require.js,
  MathJax, mermaid, the widget manager) are dropped, and a Content-Security-Policy
  (:data:`CSP`) allows inline (and evaluated) code, the blob: module itables builds from its
  embedded bundle, and data: images and fonts only. The itables JavaScript (``display.setup()`` runs
  ``init_notebook_mode(connected=False)`` once per kernel) is kept exactly once per page.
* **Static widgets.** A widget output renders as its static fallback (an HTML or image
  representation next to the widget view) or is replaced by a note that it is interactive only,
  never as a blank area.
* **Figures** are ``<img>`` elements with data: URIs and an alt text (the nearest heading).
* **Report header.** The DEMO DATA banner at the very top for a demo source (the one
  :func:`rhcos_helpers.display.run_context` shows for interactive sessions, marked with
  :data:`RUN_CONTEXT_BANNER_CLASS`, is then dropped: one banner per page); after the title
  cell a findings summary when the runbook does not show its findings first, a run-context line
  when the runbook did not get to show its own, and a table of contents of the headings.
* Code is hidden unless asked for, prompts are never shown, the ``injected-parameters`` cell is
  removed, papermill's error banner and the failing cell's traceback stay visible, and
  :func:`~rhcos_helpers.report.record.record` outputs are stripped.
* Links to another runbook's report (``<next>.html``) stay links only when that report is part
  of the same run; otherwise the runbook's name is plain text.

Every text output is redacted, and the final page is redacted once more.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Collection, Iterator, Mapping
from html import escape, unescape
from pathlib import Path
from typing import Any

from rhcos_helpers.redaction import redact_html, redact_text
from rhcos_helpers.report.record import _record_payload, read_records, strip_records
from rhcos_helpers.report.results import CONTEXT, FINDINGS
from rhcos_helpers.sources.base import SourceIdentity

__all__ = [
    "CSP",
    "DEMO_BANNER",
    "RUN_CONTEXT_BANNER_CLASS",
    "WIDGET_NOTE",
    "findings_come_first",
    "notebook_to_html",
    "redact_outputs",
    "table_of_contents",
]

_TEMPLATES = Path(__file__).resolve().parent / "templates"
_TEMPLATE_FILE = "rhcos_report.html.j2"
_HIDDEN_CELL_TAGS = frozenset({"injected-parameters"})
_ERROR_TAG = "papermill-error-cell-tag"
#: outputs rendered as markup: a placeholder must be escaped to show (and not be a tag).
_HTML_MIMES = frozenset({"text/html", "text/markdown", "image/svg+xml"})
_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
_WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
#: the itables offline bundle (``init_notebook_mode(connected=False)``), one per kernel.
_ITABLES_INIT = re.compile(r"if \(!window\._itables_[0-9_]+\)")
_TOC_MARK = "<!-- rhcos-runbooks:toc -->"
_HEADING = re.compile(
    r'<h([23]) id="([^"]+)">(.*?)<a class="anchor-link" href="#[^"]*">', re.DOTALL
)
_TAG = re.compile(r"<[^>]+>")
_RUNBOOK_LINK = re.compile(r'<a href="(\d{2}-[A-Za-z0-9_-]+)\.html">(.*?)</a>', re.DOTALL)
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$", re.MULTILINE)

#: Content-Security-Policy of every report: nothing is fetched, whatever an output holds.
#: ``'unsafe-eval'`` is for itables, which evaluates the column renderers a table passes as
#: JavaScript functions (``columnDefs``); evaluating code fetches nothing.
CSP = (
    "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval' blob:; style-src 'unsafe-inline'; "
    "img-src data:; font-src data:; connect-src 'none'; media-src 'none'; object-src 'none'; "
    "frame-src 'none'; worker-src 'none'; base-uri 'none'; form-action 'none'"
)
#: The banner at the top of every page of a demo run.
DEMO_BANNER = (
    '<div class="rr-banner rr-demo-top" role="note">DEMO DATA: this report was made from a '
    "synthetic cluster bundled with rhcos-runbooks. It describes no real cluster.</div>"
)
#: The class of the DEMO DATA banner :func:`rhcos_helpers.display.run_context` shows in a
#: notebook (interactive sessions need it); a report that shows :data:`DEMO_BANNER` drops it.
RUN_CONTEXT_BANNER_CLASS = "rr-demo-context"
_RUN_CONTEXT_BANNER = f'<div class="rr-banner {RUN_CONTEXT_BANNER_CLASS}"'
#: What a report shows instead of a widget that has no static rendering.
WIDGET_NOTE = (
    '<div class="rr-none rr-widget-note">Interactive only: this widget works in JupyterLab '
    "with a running kernel; the report shows the static tables instead.</div>"
)

_CSS = """
.rr-banner{background:#f0ab00;color:#151515;font-weight:700;padding:.6em 1em;border-radius:4px;
  margin:.5em 0;font-size:1.1em}
.rr-header{margin:.5em 0 1em 0;padding:0 var(--jp-cell-padding,5px)}
.rr-header h2{font-size:1.2em;margin:.6em 0 .3em 0}
.rr-toc{border:1px solid #d0d7de;border-radius:4px;padding:.4em 1em;margin:.6em 0;
  background:#f6f8fa}
.rr-toc ol{margin:.2em 0;padding-left:1.4em} .rr-toc li.rr-toc-sub{margin-left:1.2em;
  list-style-type:circle}
.rr-context{font-family:monospace;color:#444;margin:.3em 0}
.rr-none{color:#555;font-style:italic;border-left:4px solid #8a8d90;padding:.3em .8em;
  margin:.4em 0}
.rr-summary{border-collapse:collapse;width:100%} .rr-summary td,.rr-summary th{
  border-bottom:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}
.rr-sev{font-weight:700;text-transform:uppercase;font-size:.85em}
.rr-sev-critical{color:#a30000} .rr-sev-warning{color:#b35c00} .rr-sev-info{color:#2a6ebb}
"""


@functools.cache
def _exporter(show_code: bool) -> Any:
    from nbconvert import HTMLExporter

    return HTMLExporter(  # type: ignore[no-untyped-call]
        template_name="lab",
        template_file=_TEMPLATE_FILE,
        extra_template_paths=[str(_TEMPLATES)],
        exclude_input=not show_code,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )


def _tags(cell: Any) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def redact_outputs(nb: Any) -> None:
    """Redact every text output of a notebook in place (streams, text data, tracebacks).

    Image and other binary outputs are left alone.

    Args:
        nb: a notebook (``nbformat.NotebookNode`` or the same structure as dicts).
    """
    for cell in nb["cells"]:
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            kind = output.get("output_type")
            if kind == "stream":
                output["text"] = redact_text(_joined(output.get("text", "")))
            elif kind == "error":
                output["traceback"] = [redact_text(line) for line in output.get("traceback", [])]
                output["evalue"] = redact_text(output.get("evalue", ""))
            elif kind in ("display_data", "execute_result"):
                data = output.get("data", {})
                for mime, value in list(data.items()):
                    if mime in _HTML_MIMES:
                        data[mime] = redact_html(_joined(value))
                    elif mime.startswith("text/") or mime == "application/javascript":
                        data[mime] = redact_text(_joined(value))


def _joined(value: Any) -> str:
    """Join a multi-line string that nbformat stores as a list of lines."""
    return "".join(value) if isinstance(value, list) else str(value)


def _code_outputs(nb: Any) -> Iterator[Any]:
    for cell in nb["cells"]:
        if cell.get("cell_type") == "code":
            yield from cell.get("outputs", [])


def _static_widgets(nb: Any) -> None:
    """Replace widget views by their static fallback, or by :data:`WIDGET_NOTE` (in place).

    A widget view renders blank without the widget manager, which a self-contained page does
    not load; an HTML or image representation beside it is kept instead.
    """
    for output in _code_outputs(nb):
        data = output.get("data")
        if not isinstance(data, dict) or _WIDGET_VIEW not in data:
            continue
        del data[_WIDGET_VIEW]
        if not any(m in data for m in ("text/html", "image/png", "image/jpeg", "image/svg+xml")):
            data.clear()
            data["text/html"] = WIDGET_NOTE
            data["text/plain"] = "Interactive only (widget)."
    metadata = nb.get("metadata", {})
    metadata.pop("widgets", None)


def _drop_run_context_banner(nb: Any) -> None:
    """Drop the outputs that are the run context's DEMO DATA banner (in place)."""
    for cell in nb["cells"]:
        if cell.get("cell_type") != "code" or not cell.get("outputs"):
            continue
        cell["outputs"] = [
            output
            for output in cell["outputs"]
            if not _joined((output.get("data") or {}).get("text/html", ""))
            .lstrip()
            .startswith(_RUN_CONTEXT_BANNER)
        ]


def _one_itables_bundle(nb: Any) -> None:
    """Keep the first itables offline bundle and drop any later one (in place)."""
    seen = False
    for cell in nb["cells"]:
        if cell.get("cell_type") != "code" or not cell.get("outputs"):
            continue
        kept = []
        for output in cell["outputs"]:
            html = _joined((output.get("data") or {}).get("text/html", ""))
            if _ITABLES_INIT.search(html):
                if seen:
                    continue
                seen = True
            kept.append(output)
        cell["outputs"] = kept


def _figure_alt_texts(nb: Any) -> None:
    """Give every image output an alt text: its caption or the nearest heading before it."""
    heading = ""
    for cell in nb["cells"]:
        if cell.get("cell_type") == "markdown":
            found = _MD_HEADING.findall(_joined(cell.get("source", "")))
            if found:
                heading = re.sub(r"[`*_]", "", found[-1][1])
            continue
        caption = ""
        for output in cell.get("outputs", []):
            data = output.get("data") or {}
            bold = re.search(r"^<p><b>(.*?)</b></p>$", _joined(data.get("text/html", "")))
            if bold:
                caption = unescape(bold.group(1))
            if "image/png" in data or "image/jpeg" in data:
                alt = caption or heading or "Figure"
                output.setdefault("metadata", {})["rr_alt"] = f"Figure: {alt}"


def findings_come_first(nb: Any) -> bool:
    """True when the runbook shows its findings before any section or table of its own.

    The findings are first when the cell recording them comes before every other recorded
    table and before every second-level heading other than one about findings.

    Args:
        nb: the executed notebook, records not yet stripped.
    """
    for cell in nb["cells"]:
        if cell.get("cell_type") == "markdown":
            for level, text in _MD_HEADING.findall(_joined(cell.get("source", ""))):
                if len(level) >= 2 and "finding" not in text.lower():
                    return False
            continue
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            payload = _record_payload(output)
            if payload is None:
                continue
            if payload["name"] == FINDINGS:
                return True
            if payload["name"] != CONTEXT:
                return False
    return False


def table_of_contents(body: str) -> str:
    """A ``<nav>`` listing the second- and third-level headings of a rendered page.

    Args:
        body: the page as nbconvert renders it (headings carry ids and anchor links).

    Returns:
        The nav element with one link per heading, or ``""`` when the page has none.

    Examples:
        >>> print(table_of_contents('<h2 id="Findings">Findings<a class="anchor-link" '
        ...                         'href="#Findings">¶</a></h2>'))
        <nav class="rr-toc" aria-label="Contents"><strong>Contents</strong><ol><li><a href="#Findings">Findings</a></li></ol></nav>
    """
    items = []
    for level, anchor, inner in _HEADING.findall(body):
        text = " ".join(_TAG.sub("", inner).split())
        if not text:
            continue
        css = ' class="rr-toc-sub"' if level == "3" else ""
        items.append(f'<li{css}><a href="#{anchor}">{text}</a></li>')
    if not items:
        return ""
    return (
        '<nav class="rr-toc" aria-label="Contents"><strong>Contents</strong><ol>'
        + "".join(items)
        + "</ol></nav>"
    )


def _runbook_link(name: str, available: Collection[str] | None) -> str:
    if available is None or name in available:
        return f'<a href="{escape(name)}.html">{escape(name)}</a>'
    return escape(name)


def _unlink_missing(body: str, available: Collection[str] | None) -> str:
    """Turn links to runbook reports that are not part of this run into plain text."""
    if available is None:
        return body

    def replace(match: re.Match[str]) -> str:
        return match.group(0) if match.group(1) in available else match.group(2)

    return _RUNBOOK_LINK.sub(replace, body)


def _findings_summary(
    findings: Any, *, recorded: bool, failed: bool, available: Collection[str] | None
) -> str:
    parts = ['<section class="rr-findings-summary"><h2 id="rr-findings">Findings</h2>']
    items = [f for f in findings if isinstance(f, Mapping)] if isinstance(findings, list) else []
    if not recorded:
        why = "the runbook failed before it recorded them" if failed else "none were recorded"
        parts.append(f'<div class="rr-none">Findings not available: {why}.</div>')
    elif not items:
        parts.append(
            '<div class="rr-none">Nothing needs attention in what this runbook reads.</div>'
        )
    else:
        parts.append(
            '<table class="rr-summary"><tr><th>Severity</th><th>What</th><th>Where</th>'
            "<th>Open next</th></tr>"
        )
        for item in items:
            severity = escape(str(item.get("severity") or ""))
            nxt = item.get("next_runbook")
            parts.append(
                f'<tr><td class="rr-sev rr-sev-{severity}">{severity}</td>'
                f"<td><b>{escape(redact_text(str(item.get('title') or '')))}</b><br>"
                f"{escape(redact_text(str(item.get('what') or '')))}</td>"
                f"<td><code>{escape(redact_text(str(item.get('where') or '')))}</code></td>"
                f"<td>{_runbook_link(str(nxt), available) if nxt else ''}</td></tr>"
            )
        parts.append("</table>")
    parts.append("</section>")
    return "".join(parts)


def _context_line(identity: SourceIdentity) -> str:
    fields = [
        f"source {identity.spec} ({identity.kind})",
        f"cluster ID {identity.cluster_id or 'unknown'}",
        f"version {identity.cluster_version or 'unknown'}",
    ]
    if identity.captured_at:
        fields.append(f"captured {identity.captured_at.isoformat()}")
    return f'<div class="rr-context">{escape(redact_text(" · ".join(fields)))}</div>'


def _title_cell(nb: Any) -> Any:
    for cell in nb.cells:
        if cell.cell_type == "markdown" and re.match(r"\s*# ", _joined(cell.source)):
            return cell
    return None


def notebook_to_html(
    nb: Any,
    *,
    show_code: bool = False,
    title: str,
    identity: SourceIdentity | None = None,
    available: Collection[str] | None = None,
    failed: bool = False,
) -> str:
    """Render an executed notebook as one self-contained HTML page.

    The notebook passed in is not modified.

    Args:
        nb: the executed notebook (``nbformat.NotebookNode``), failed or not.
        show_code: show code cells' input (default: outputs only).
        title: the page title.
        identity: the source the runbook read: a demo gets the DEMO DATA banner at the top
            (instead of the run context's own, so the page has one), and a runbook that did not
            show its run context gets a one-line one.
        available: the runbooks whose reports are part of the same run; a link to any other
            runbook's report becomes plain text. ``None`` keeps every link.
        failed: the runbook failed (said in the findings summary when it recorded none).

    Returns:
        The HTML page, redacted.
    """
    import nbformat

    nb = nbformat.from_dict(copy.deepcopy(nb))  # type: ignore[no-untyped-call]
    records = read_records(nb)
    summary_needed = not findings_come_first(nb)
    strip_records(nb)
    redact_outputs(nb)
    demo = identity is not None and identity.is_demo
    if demo:
        _drop_run_context_banner(nb)  # the page's own banner replaces it
    _static_widgets(nb)
    _one_itables_bundle(nb)
    _figure_alt_texts(nb)
    nb.metadata["title"] = title
    kept = []
    for cell in nb.cells:
        if _tags(cell) & _HIDDEN_CELL_TAGS:
            continue
        if (
            not show_code
            and cell.cell_type == "code"
            and not cell.get("outputs")
            and _ERROR_TAG not in _tags(cell)
        ):
            continue
        kept.append(cell)
    nb.cells = kept

    header = ['<div class="rr-header">']
    if identity is not None and CONTEXT not in records:
        header.append(_context_line(identity))
    if summary_needed:
        header.append(
            _findings_summary(
                records.get(FINDINGS),
                recorded=FINDINGS in records,
                failed=failed,
                available=available,
            )
        )
    header.append(_TOC_MARK)
    header.append("</div>")
    title_cell = _title_cell(nb)
    if title_cell is not None and not title_cell.get("id"):
        title_cell["id"] = "rr-title"
    resources = {
        "rr": {
            "csp": CSP,
            "css": _CSS,
            "demo_banner": DEMO_BANNER if demo else "",
            "header": "".join(header),
            "title_cell_id": title_cell.get("id") if title_cell is not None else "",
        }
    }
    body, _resources = _exporter(show_code).from_notebook_node(nb, resources=resources)
    page = str(body)
    page = page.replace(_TOC_MARK, table_of_contents(page), 1)
    page = _unlink_missing(page, available)
    return redact_html(page)
