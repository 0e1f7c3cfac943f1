"""Benchmark: size of every demo report, and its render time against nbconvert's plain export.

Every runbook in notebooks/ runs once on the source (papermill, exactly as the runner runs it);
then, for each executed notebook:

* **size** of the page our renderer writes (``report.html.notebook_to_html``, with the run's
  identity and runbook list, as the runner calls it), split into embedded JavaScript (the
  contents of every ``<script>`` element; of which ``itables`` is the offline bundle, once per
  page, and the rest each table's init code with its rows), images (the ``data:`` URIs of
  ``<img>`` figures), CSS (``<style>`` elements, the lab template's icons included) and the
  rest (markup, text, static tables); and the same for the whole set. Each page is
  self-contained, so the set total counts the JavaScript once per page. Beside it, the size of
  nbconvert's plain export of the same notebook;
* **render time**: the median of ``--repeat`` renders with our renderer against the median of
  as many renders with nbconvert's ``HTMLExporter()`` (default template, no options) of the same
  executed notebook, interleaved in the same run; the ratio is ours / plain. Target: <= 2x.

    .venv/bin/python bench/bench_reports.py [--repeat 5] [--source demo]

Writes bench/results/reports.json.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from nbconvert import HTMLExporter

from rhcos_helpers.report.html import notebook_to_html, redact_outputs
from rhcos_helpers.report.runbooks import discover_runbooks, read_runbook
from rhcos_helpers.report.runner import (
    _quiet_papermill,
    absolute_source,
    execute_notebook,
    probe_source,
)

ROOT = Path(__file__).resolve().parent.parent
TARGET = 2.0

_SCRIPT = re.compile(r"(<script\b[^>]*>)(.*?)(</script>)", re.DOTALL | re.IGNORECASE)
_STYLE = re.compile(r"(<style\b[^>]*>)(.*?)(</style>)", re.DOTALL | re.IGNORECASE)
_IMG_SRC = re.compile(r"<img\b[^>]*?\ssrc=\"(data:[^\"]*)\"", re.IGNORECASE)
_ITABLES_BUNDLE = re.compile(r"if \(!window\._itables_[0-9_]+\)")


def sizes(page: str) -> dict[str, int]:
    """Bytes of the page: total, embedded JavaScript, images, CSS and the rest (UTF-8)."""
    total = len(page.encode())
    scripts = [m.group(2) for m in _SCRIPT.finditer(page)]
    js = sum(len(body.encode()) for body in scripts)
    bundle = sum(len(body.encode()) for body in scripts if _ITABLES_BUNDLE.search(body))
    markup = _SCRIPT.sub(r"\1\3", page)  # a "<style>" or "<img" inside a script is script
    images = sum(len(m.group(1).encode()) for m in _IMG_SRC.finditer(markup))
    css = sum(len(m.group(2).encode()) for m in _STYLE.finditer(markup))
    return {
        "total": total,
        "js": js,
        "js_itables_bundle": bundle,
        "images": images,
        "css": css,
        "rest": total - js - images - css,
        "itables_bundles": sum(1 for body in scripts if _ITABLES_BUNDLE.search(body)),
    }


def timed(render: Any) -> tuple[float, str]:
    start = time.perf_counter()
    page = render()
    return time.perf_counter() - start, page


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--source", default="demo")
    args = parser.parse_args()

    known = discover_runbooks(ROOT / "notebooks")
    infos = [read_runbook(name, path) for name, path in known.items()]
    source = absolute_source(args.source)
    identity = probe_source(source)
    available = frozenset(info.name for info in infos)
    _quiet_papermill()
    plain = HTMLExporter()  # type: ignore[no-untyped-call]

    executed: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        for info in infos:
            nb = execute_notebook(
                info.path, out / f"{info.name}.ipynb", {"SOURCE": source}, cwd=out
            )
            redact_outputs(nb)  # what the runner renders
            executed[info.name] = nb

    def ours(name: str) -> str:
        info = next(i for i in infos if i.name == name)
        return notebook_to_html(
            executed[name],
            title=f"{info.name}: {info.title}",
            identity=identity,
            available=available,
        )

    def floor(name: str) -> str:
        body, _ = plain.from_notebook_node(executed[name])  # it copies the notebook itself
        return str(body)

    ours_s: dict[str, list[float]] = {name: [] for name in executed}
    floor_s: dict[str, list[float]] = {name: [] for name in executed}
    pages: dict[str, str] = {}
    plain_pages: dict[str, str] = {}
    for name in executed:  # warm-up: templates compiled, imports done
        pages[name] = ours(name)
        plain_pages[name] = floor(name)
    for _ in range(args.repeat):  # interleaved, so drift hits both alike
        for name in executed:
            seconds, _page = timed(lambda n=name: floor(n))
            floor_s[name].append(seconds)
            seconds, _page = timed(lambda n=name: ours(n))
            ours_s[name].append(seconds)

    report: dict[str, Any] = {
        "source": args.source,
        "repeat": args.repeat,
        "target_ratio": TARGET,
        "reports": {},
    }
    columns = [("page", "total"), ("JS", "js"), ("itables", "js_itables_bundle")]
    columns += [("images", "images"), ("CSS", "css"), ("rest", "rest")]
    head = f"{'report':20s}" + "".join(f" {label:>10s}" for label, _ in columns)
    head += f" {'plain page':>11s} {'ours ms':>8s} {'plain ms':>9s} {'ratio':>6s}"
    print(f"{len(executed)} reports on {args.source}; bytes; render time: median of {args.repeat}")
    print(head)
    print("-" * len(head))
    totals = dict.fromkeys([key for _, key in columns] + ["plain_total"], 0)
    worst = 0.0
    bundles = set()
    for name in executed:
        size = sizes(pages[name])
        bundles.add(size["itables_bundles"])
        plain_size = len(plain_pages[name].encode())
        o, f = statistics.median(ours_s[name]), statistics.median(floor_s[name])
        ratio = o / f
        worst = max(worst, ratio)
        for _, key in columns:
            totals[key] += size[key]
        totals["plain_total"] += plain_size
        report["reports"][name] = {
            "bytes": size,
            "plain_export_bytes": plain_size,
            "render_ms": round(o * 1000, 1),
            "plain_export_ms": round(f * 1000, 1),
            "ratio": round(ratio, 2),
        }
        flag = "" if ratio <= TARGET else f"  OVER {TARGET}x"
        print(
            f"{name:20s}"
            + "".join(f" {size[key]:10,d}" for _, key in columns)
            + f" {plain_size:11,d} {o * 1000:8.1f} {f * 1000:9.1f} {ratio:5.2f}x{flag}"
        )
    print("-" * len(head))
    print(
        f"{'set of ' + str(len(executed)) + ' pages':20s}"
        + "".join(f" {totals[key]:10,d}" for _, key in columns)
        + f" {totals['plain_total']:11,d}"
    )
    print(
        f"itables bundles per page: {sorted(bundles)}; worst ratio {worst:.2f}x (target {TARGET}x)"
    )
    report["set_bytes"] = totals
    report["worst_ratio"] = round(worst, 2)
    print(json.dumps(report))
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(exist_ok=True)
    (results_dir / "reports.json").write_text(json.dumps(report, indent=2))
    return 0 if worst <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
