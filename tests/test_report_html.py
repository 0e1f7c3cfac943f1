"""report.html without a kernel: widgets, itables once, findings summary, links, TOC, CSP, banner."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import pytest
from IPython.display import HTML
from nbformat import v4

from rhcos_helpers import display
from rhcos_helpers.report.html import (
    CSP,
    DEMO_BANNER,
    RUN_CONTEXT_BANNER_CLASS,
    WIDGET_NOTE,
    findings_come_first,
    notebook_to_html,
)
from rhcos_helpers.report.record import MIME
from rhcos_helpers.report.runner import run_runbooks
from rhcos_helpers.sources import open_source
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


# --- one DEMO DATA banner per page ---------------------------------------------------------


def run_context_outputs(monkeypatch: pytest.MonkeyPatch, source: str) -> list[Any]:
    """What display.run_context shows for a source, as notebook outputs (no kernel needed)."""
    shown: list[Any] = []
    monkeypatch.setattr(display, "_display", shown.append)
    monkeypatch.setattr(display, "_ready", True)  # no itables set-up outside a kernel
    with open_source(source) as src:
        display.run_context(src, runbook="00-cluster-overview", parameters={"SOURCE": source})
    return [html_output(str(obj.data)) for obj in shown if isinstance(obj, HTML)]


def with_run_context(outputs: list[Any]) -> Any:
    nb = notebook()
    context = v4.new_code_cell("display.run_context(src, ...)")
    context.outputs = outputs
    nb.cells.insert(1, context)
    return nb


def banners(page: str) -> int:
    return page.count('class="rr-banner')


def test_interactive_sessions_show_the_run_context_banner(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    outputs = run_context_outputs(monkeypatch, "demo")
    shown = [o["data"]["text/html"] for o in outputs]
    assert sum("DEMO DATA" in html for html in shown) == 1
    assert any(f'class="rr-banner {RUN_CONTEXT_BANNER_CLASS}"' in html for html in shown)


def test_a_demo_report_shows_one_banner_at_the_top(monkeypatch: pytest.MonkeyPatch) -> None:
    nb = with_run_context(run_context_outputs(monkeypatch, "demo"))
    page = notebook_to_html(nb, title="t", identity=DEMO)
    assert banners(page) == 1 and page.count("DEMO DATA") == 1
    assert DEMO_BANNER in page
    assert page.index("<main>") < page.index("rr-demo-top") < page.index("<h1")
    assert RUN_CONTEXT_BANNER_CLASS not in page
    assert "Cluster version" in page  # the rest of the run context stays
    assert "rr-demo-context" in str(nb)  # the notebook passed in is not modified


def test_without_a_demo_identity_the_run_context_banner_stays(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # re-rendering an executed demo notebook without its identity: the runbook's own banner
    page = notebook_to_html(with_run_context(run_context_outputs(monkeypatch, "demo")), title="t")
    assert banners(page) == 1 and page.count("DEMO DATA") == 1
    assert RUN_CONTEXT_BANNER_CLASS in page


def test_no_banner_for_a_cluster() -> None:
    live = SourceIdentity(kind="live", spec="kube", cluster_id="c-2", cluster_version="4.16.21")
    page = notebook_to_html(notebook(), title="t", identity=live)
    assert banners(page) == 0 and "DEMO DATA" not in page


@pytest.mark.notebooks
def test_a_rendered_demo_runbook_has_exactly_one_banner(tmp_path: Path) -> None:
    run = run_runbooks(["00"], source="demo", parameters={}, out_dir=tmp_path)
    assert run.ok, [(r.name, r.error) for r in run.results]
    page = (tmp_path / "00-cluster-overview.html").read_text()
    assert banners(page) == 1 and page.count("DEMO DATA") == 1
    assert page.index("<main>") < page.index("rr-demo-top") < page.index("<h1")
    # the executed notebook keeps the run context's banner for whoever opens it in JupyterLab
    executed = (tmp_path / "00-cluster-overview.ipynb").read_text()
    assert executed.count(RUN_CONTEXT_BANNER_CLASS) == 1
