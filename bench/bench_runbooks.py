"""Benchmark: every runbook on the demo against a floor measured in the same run.

The floor is papermill executing, in this same process and the same number of times, a notebook
that imports pandas, matplotlib and itables and does nothing else, followed by the same HTML
export. Target (issue 2): each runbook <= 1.5x the floor.

    .venv/bin/python bench/bench_runbooks.py [--repeat 3] [--source demo]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from rhcos_helpers.report.html import notebook_to_html
from rhcos_helpers.report.runner import execute_notebook

ROOT = Path(__file__).resolve().parent.parent
TARGET = 1.5


def floor_notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    params = nbformat.v4.new_code_cell('SOURCE: str = "demo"  # unused')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        nbformat.v4.new_markdown_cell("# floor"),
        params,
        nbformat.v4.new_code_cell("import pandas\nimport matplotlib.pyplot\nimport itables"),
    ]
    return nb


def run_once(notebook: Path, source: str, out: Path) -> float:
    """papermill as the runner runs it (same kernel manager, same options), then HTML."""
    start = time.perf_counter()
    nb = execute_notebook(notebook, out, {"SOURCE": source}, cwd=out.parent)
    notebook_to_html(nb, title=out.stem)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--source", default="demo")
    args = parser.parse_args()
    runbooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    results: dict[str, list[float]] = {"floor": []}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        floor_path = out / "floor-input.ipynb"
        nbformat.write(floor_notebook(), floor_path)
        run_once(floor_path, args.source, out / "warmup.ipynb")  # imports, caches
        for i in range(args.repeat):  # interleave so drift hits floor and runbooks alike
            results["floor"].append(run_once(floor_path, args.source, out / f"floor{i}.ipynb"))
            for rb in runbooks:
                results.setdefault(rb.stem, []).append(
                    run_once(rb, args.source, out / f"{rb.stem}{i}.ipynb")
                )
    floor = statistics.median(results["floor"])
    report = {
        "source": args.source,
        "repeat": args.repeat,
        "floor_s": round(floor, 3),
        "runbooks": {},
    }
    print(
        f"floor (papermill + HTML, imports pandas/matplotlib/itables): {floor:.2f} s (median of {args.repeat})"
    )
    worst = 0.0
    for name, times in results.items():
        if name == "floor":
            continue
        median = statistics.median(times)
        ratio = median / floor
        worst = max(worst, ratio)
        report["runbooks"][name] = {"median_s": round(median, 3), "ratio": round(ratio, 2)}
        flag = "ok" if ratio <= TARGET else f"OVER {TARGET}x"
        print(f"{name:28s} {median:6.2f} s   {ratio:4.2f}x floor   {flag}")
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(exist_ok=True)
    (results_dir / "runbooks.json").write_text(json.dumps(report, indent=2))
    return 0 if worst <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
