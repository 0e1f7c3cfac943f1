"""report.html without a kernel: widgets, itables once, findings summary, links, TOC, CSP."""

from __future__ import annotations

from typing import Any

import nbformat
from nbformat import v4

from rhcos_helpers.report.html import CSP, WIDGET_NOTE, findings_come_first, notebook_to_html
from rhcos_helpers.report.record import MIME
from rhcos_helpers.sources.base import SourceIdentity

DEMO = SourceIdentity(kind="demo", spec="demo", cluster_id="c-1", cluster_version="4.16.21")
ITABLES = "<script>if (!window._itables_2_9_1) { window._itables_2_9_1 = 1; }</script>"
FINDING = {
    "severity": "warning",
    "title": "Pool worker is paused",
    "what": "w",
    "where": "machineconfigpool/worker",
    "next_runbook": "50-pool-rollout",
}


def record_output(name: str, value: Any) -> Any:
    return v4.new_output("display_data", data={MIME: {"name": name, "value": value}})


def html_output(html: str) -> Any:
    return v4.new_output("display_data", data={"text/html": html, "text/plain": "x"})


def notebook(*, findings_late: bool = False) -> Any:
    cells = [v4.new_markdown_cell("# 50 · Pools\n\nWhat state are the pools in?")]
    setup = v4.new_code_cell("display.setup()")
    setup.outputs = [html_output(ITABLES), html_output(ITABLES)]
    widget = v4.new_code_cell("w")
    widget.outputs = [
        v4.new_output(
            "display_data",
            data={
                "application/vnd.jupyter.widget-view+json": {"model_id": "m"},
                "text/plain": "VBox()",
            },
        )
    ]
    findings = v4.new_code_cell("display.findings(...)")
    findings.outputs = [record_output("findings", [FINDING]), html_output("<p>findings table</p>")]
    section = v4.new_markdown_cell("## 1 · Which pools?\n\n### Details")
    table = v4.new_code_cell("display.table(...)")
    table.outputs = [record_output("pools", [{"NAME": "worker"}]), html_output("<p>t</p>")]
    body = [section, table, findings] if findings_late else [findings, section, table]
    cells += [setup, widget, v4.new_markdown_cell("## Findings"), *body]
    nb = v4.new_notebook(cells=cells)
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    return nbformat.from_dict(nb)


def test_self_contained_page() -> None:
    page = notebook_to_html(notebook(), title="50: Pools", identity=DEMO)
    assert f'content="{CSP}"' in page
    assert "<script src" not in page and "widget-state+json" not in page
    assert page.count("if (!window._itables_2_9_1)") == 1
    assert WIDGET_NOTE in page and "VBox()" not in page
    # the DEMO DATA banner is the first thing in <main>
    assert page.index("<main>") < page.index("rr-demo-top") < page.index("<h1")


def test_toc_after_the_title() -> None:
    page = notebook_to_html(notebook(), title="t")
    toc = page.index('<nav class="rr-toc"')
    assert page.index("<h1") < toc < page.index('<h2 id="Findings"')
    assert '<li><a href="#Findings">Findings</a></li>' in page
    assert '<li class="rr-toc-sub"><a href="#Details">Details</a></li>' in page


def test_findings_summary_only_when_findings_come_late() -> None:
    early, late = notebook(), notebook(findings_late=True)
    assert findings_come_first(early) and not findings_come_first(late)
    assert "rr-findings-summary" not in notebook_to_html(early, title="t")
    page = notebook_to_html(late, title="t", available={"50-pool-rollout"})
    summary = page.index("rr-findings-summary")
    assert page.index("<h1") < summary < page.index('<h2 id="1-%C2%B7-Which-pools?"')
    assert '<a href="50-pool-rollout.html">50-pool-rollout</a>' in page[summary:]


def test_link_to_a_report_outside_the_run_is_text() -> None:
    nb = notebook(findings_late=True)
    nb.cells[-1].outputs.append(html_output('<a href="50-pool-rollout.html">50-pool-rollout</a>'))
    page = notebook_to_html(nb, title="t", available={"10-node-os"})
    assert 'href="50-pool-rollout.html"' not in page
    assert "50-pool-rollout" in page
    kept = notebook_to_html(nb, title="t")  # no run given: links kept
    assert 'href="50-pool-rollout.html"' in kept


def test_failed_runbook_without_findings_says_so() -> None:
    nb = v4.new_notebook(cells=[v4.new_markdown_cell("# 10 · X")])
    page = notebook_to_html(nb, title="t", identity=DEMO, failed=True)
    assert "Findings not available: the runbook failed before it recorded them." in page
    assert "cluster ID c-1" in page  # no run context shown by the runbook: one line instead
