"""index.html of a run: what needs attention and what changed, said at the top."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from rhcos_helpers.report.index import write_index
from rhcos_helpers.report.results import RunbookResult
from rhcos_helpers.sources.base import SourceIdentity

IDENTITY = SourceIdentity(
    kind="capture", spec="/cases/1", cluster_id="c1", cluster_version="4.16.21"
)


def _run(nodes: list[str], findings: list[dict[str, Any]]) -> list[RunbookResult]:
    return [
        RunbookResult(
            name="00-cluster-overview",
            status="ok",
            duration_s=1.0,
            parameters={"SOURCE": "/cases/1"},
            title="Cluster overview",
            records={
                "findings": findings,
                "nodes": [
                    {"NAME": n, "OS-IMAGE": "Red Hat Enterprise Linux CoreOS 416"} for n in nodes
                ],
            },
        )
    ]


def _text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page))


WARN = {"severity": "warning", "title": "Pool infra is paused", "what": "x", "where": "mcp/infra"}


def test_the_headline_says_what_needs_attention_and_what_changed_before_the_findings(
    tmp_path: Path,
) -> None:
    first = write_index(tmp_path / "a", _run(["m0", "w0", "w1"], []), identity=IDENTITY)
    write_index(
        tmp_path / "b",
        _run(["m0", "w0", "w2"], [WARN]),
        identity=IDENTITY,
        previous=first,
        previous_href="../a/index.html",
    )
    page = (tmp_path / "b" / "index.html").read_text()
    text = _text(page)
    headline = text.index("Needs attention: 1 warning (findings).")
    assert "Since the previous run" in text[headline:]
    assert "2 change(s) (Nodes 2)" in text[headline:]
    assert headline < text.index("Findings (1)") < text.index("Changes since the previous run")
    assert text.index("Changes since the previous run") < text.index("Runbooks")
    assert '<a href="#changes">' in page and 'id="changes"' in page
    assert '<a href="#findings">' in page and 'id="findings"' in page


def test_a_first_run_and_a_run_without_history_say_so(tmp_path: Path) -> None:
    write_index(tmp_path / "a", _run(["m0"], []), identity=IDENTITY, compare=True)
    text = _text((tmp_path / "a" / "index.html").read_text())
    assert "Needs attention: nothing. Since the previous run: no earlier run" in text
    write_index(tmp_path / "b", _run(["m0"], [WARN]), identity=IDENTITY)
    text = _text((tmp_path / "b" / "index.html").read_text())
    assert "Needs attention: 1 warning (findings)." in text
    assert "Since the previous run" not in text
