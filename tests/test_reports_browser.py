"""Every demo report in Debian's headless Chromium, with the network cut.

The runner runs once on the demo (module scope). Each page is opened from ``file://`` with
every other request aborted and recorded; the test then checks what a reader gets offline:
interactive tables (present, sortable by a header click, searchable through the itables search
box), figures as ``<img>`` with ``data:`` URIs, the DEMO DATA banner first, a table of contents
whose links land on headings, no console error and no request leaving the page. A full-page
PNG screenshot of each page is kept under ``reports/test-artifacts/`` (git-ignored).

Driven with Playwright's Python package against ``/usr/bin/chromium`` (never ``playwright
install``); CI installs both (``.ci/run``, ``pyproject.toml``).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from rhcos_helpers.report.results import RunSummary
from rhcos_helpers.report.runner import run_runbooks

pytestmark = pytest.mark.notebooks

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "reports" / "test-artifacts"
LOCAL_SCHEMES = ("file:", "data:", "blob:")

if not CHROMIUM.exists() or shutil.which(str(CHROMIUM)) is None:
    if os.environ.get("CI"):
        pytest.fail("CI must install chromium (apt-get install chromium)", pytrace=False)
    pytest.skip("no /usr/bin/chromium", allow_module_level=True)
if os.environ.get("CI"):
    import playwright.sync_api  # noqa: F401 - CI must have it: fail, never skip
sync_api = pytest.importorskip("playwright.sync_api")


@dataclass
class Visit:
    """One page opened offline: the page and what it tried and said."""

    page: Any
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def demo_reports(tmp_path_factory: pytest.TempPathFactory) -> RunSummary:
    out = tmp_path_factory.mktemp("browser-demo")
    run = run_runbooks(None, source="demo", parameters={}, out_dir=out)
    assert run.ok, [(r.name, r.error) for r in run.results]
    return run


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    profile = tempfile.mkdtemp(prefix="rr-chromium-")
    try:
        with sync_api.sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                profile,
                executable_path=str(CHROMIUM),
                args=FLAGS,
                headless=True,
                viewport={"width": 1280, "height": 900},
                service_workers="block",
            )
            try:
                yield context
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def _open(context: Any, path: Path) -> Iterator[Visit]:
    page = context.new_page()
    visit = Visit(page)

    def cut(route: Any) -> None:
        visit.requests.append(route.request.url)
        route.abort()

    page.route(lambda url: not url.startswith(LOCAL_SCHEMES), cut)
    page.on(
        "request",
        lambda r: visit.requests.append(r.url) if not r.url.startswith(LOCAL_SCHEMES) else None,
    )
    page.on("console", lambda m: visit.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: visit.errors.append(f"page error: {exc}"))
    page.goto(path.as_uri(), wait_until="load")
    try:
        yield visit
    finally:
        page.close()


def _report_names(run: RunSummary) -> list[str]:
    return [r.name for r in run.results]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # One test per demo runbook report (names from the notebooks directory).
    if "report_name" in metafunc.fixturenames:
        from rhcos_helpers.report.runbooks import discover_runbooks

        metafunc.parametrize("report_name", list(discover_runbooks(None)))


@pytest.fixture
def visit(browser: Any, demo_reports: RunSummary, report_name: str) -> Iterator[Visit]:
    yield from _open(browser, demo_reports.out_dir / f"{report_name}.html")


_FIRST_ROWS = """(wrapper) => Array.from(wrapper.querySelectorAll('tbody tr'))
    .filter(tr => tr.offsetParent !== null).map(tr => tr.innerText)"""


def _rows(wrapper: Any) -> list[str]:
    return list(wrapper.evaluate(_FIRST_ROWS))


def _check_sortable(page: Any) -> str:
    """Click the headers of the first table with distinct rows until its first row changes."""
    wrappers = page.locator("div.dt-container")
    for index in range(wrappers.count()):
        wrapper = wrappers.nth(index)
        before = _rows(wrapper)
        if len(set(before)) < 2:
            continue
        # what a reader clicks: the header's text (not only the small order icon)
        headers = wrapper.locator("div.dt-scroll-head thead th span.dt-column-title")
        if not headers.count():
            headers = wrapper.locator("table.dataTable thead th span.dt-column-title")
        for column in range(min(headers.count(), 6)):
            for _click in range(2):  # ascending, then descending
                headers.nth(column).click()
                after = _rows(wrapper)
                assert sorted(after) == sorted(before), "sorting keeps the rows"
                if after[0] != before[0]:
                    return f"table {index} column {column}"
        pytest.fail(f"table {index}: no header click changed the first row")
    pytest.fail("no table with two distinct rows to sort")


def _check_searchable(page: Any) -> str:
    """Type a word of one row into the first search box: fewer rows, all holding the word."""
    wrappers = page.locator("div.dt-container:has(div.dt-search input)")
    assert wrappers.count() > 0, "a table with a search box"
    wrapper = wrappers.first
    before = _rows(wrapper)
    words = {w for row in before for w in row.split() if len(w) > 3}
    term = next(
        w for w in sorted(words) if 0 < sum(w.lower() in r.lower() for r in before) < len(before)
    )
    wrapper.locator("div.dt-search input").fill(term)
    after = _rows(wrapper)
    assert 0 < len(after) < len(before), term
    assert all(term.lower() in row.lower() for row in after), term
    wrapper.locator("div.dt-search input").fill("no-such-row-anywhere-31337")
    assert _rows(wrapper)[0].startswith("No matching records")
    return term


def _screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 10_000


def test_report_offline(visit: Visit, report_name: str) -> None:
    page = visit.page
    page.wait_for_selector("div.dt-container table.dataTable")
    # the header first: the DEMO DATA banner, then the title, then the table of contents
    first = page.locator("main > *").first
    assert "DEMO DATA" in first.inner_text()
    assert page.locator("main .rr-banner").count() == 1  # one banner: the run context's is dropped
    toc = page.locator("nav.rr-toc a")
    assert toc.count() >= 3
    for href in toc.evaluate_all("links => links.map(a => a.getAttribute('href'))"):
        target = href[1:]
        assert page.evaluate(
            "(id) => !!(document.getElementById(id) || "
            "document.getElementById(decodeURIComponent(id)))",
            target,
        ), href
    assert page.locator("main h1").count() == 1
    # no widget area left blank, no code shown
    assert page.locator(".jupyter-widgets").count() == 0
    assert page.locator(".jp-InputArea .highlight").count() == 0
    # tables: interactive, sortable, searchable
    assert page.locator("div.dt-container").count() >= 1
    assert page.locator("div.dt-container").count() == page.locator("table[id^=itables_]").count()
    _check_sortable(page)
    _check_searchable(page)
    # figures: images embedded as data: URIs
    sources = page.locator("img").evaluate_all("imgs => imgs.map(i => i.getAttribute('src'))")
    assert all(src.startswith("data:image/") for src in sources), sources
    assert page.locator("img").evaluate_all("imgs => imgs.every(i => i.naturalWidth > 0)")
    _screenshot(page, report_name)
    assert visit.errors == []
    assert visit.requests == []


def test_index_offline(browser: Any, demo_reports: RunSummary) -> None:
    for visit in _open(browser, demo_reports.index):
        page = visit.page
        assert "DEMO DATA" in page.locator("body").inner_text()
        assert page.locator("script").count() == 0
        names = _report_names(demo_reports)
        hrefs = set(page.locator("a").evaluate_all("links => links.map(a => a.href)"))
        for name in names:
            assert (demo_reports.out_dir / f"{name}.html").as_uri() in hrefs
        # findings before the runbook table
        text = page.locator("body").inner_text()
        assert text.index("Findings (") < text.index("Runbooks")
        _screenshot(page, "index")
        assert visit.errors == []
        assert visit.requests == []


def test_demo_reports_have_figures(demo_reports: RunSummary) -> None:
    # the demo reports carry figures at all (else "figures are images" checks nothing)
    pages = [(demo_reports.out_dir / f"{r.name}.html").read_text() for r in demo_reports.results]
    figures = [m for page in pages for m in re.findall(r"<img [^>]*>", page)]
    assert len(figures) >= 2
    for tag in figures:
        assert ' src="data:image/png;base64,' in tag and ' alt="Figure: ' in tag, tag[:120]
