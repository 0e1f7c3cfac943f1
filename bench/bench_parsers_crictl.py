"""Benchmark: parse ``crictl stats -o json`` for 5,000 containers into a DataFrame (issue 4).

Measured in the same run, on the same bytes (a protojson document in cri-tools 1.29's shape,
built from the real sample ``tests/data/commands/crictl_stats/crictl-stats-1.29.json``):

* **ours**: ``crio.stats_frame(crio.parse_stats(text))`` (validation, int64-string
  conversion, records, DataFrame);
* **floor**: ``json.loads(text)`` plus ``pd.DataFrame(records)`` from plain dicts holding the
  same columns (built beforehand, outside the timing).

Time is the median of ``--repeat`` runs; peak memory is tracemalloc's peak of one run each. The
target is ours <= 2 x floor for both. Writes ``bench/results/crictl.json``.

    .venv/bin/python bench/bench_parsers_crictl.py [--containers 5000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import copy
import gc
import json
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rhcos_helpers import crio  # noqa: E402

SAMPLE = ROOT / "tests/data/commands/crictl_stats/crictl-stats-1.29.json"
RESULT = ROOT / "bench/results/crictl.json"


def build(n: int) -> str:
    template = json.loads(SAMPLE.read_text())["stats"]
    stats = []
    for i in range(n):
        item = copy.deepcopy(template[i % len(template)])
        item["attributes"]["id"] = f"{i:064x}"
        item["memory"]["workingSetBytes"]["value"] = str(10_000_000 + i)
        item["cpu"]["usageCoreNanoSeconds"]["value"] = str(5_000_000_000 + 7 * i)
        stats.append(item)
    return json.dumps({"stats": stats}, indent=2)  # crictl indents with two spaces


def plain_records(doc: dict[str, Any]) -> list[dict[str, Any]]:
    def v(obj: Any) -> Any:
        return None if obj is None else obj.get("value")

    return [
        {
            "id": s["attributes"]["id"],
            "name": s["attributes"]["metadata"]["name"],
            "pod_name": s["attributes"]["labels"].get("io.kubernetes.pod.name", ""),
            "namespace": s["attributes"]["labels"].get("io.kubernetes.pod.namespace", ""),
            "timestamp_ns": s["cpu"]["timestamp"],
            "cpu_usage_core_ns": v(s["cpu"].get("usageCoreNanoSeconds")),
            "cpu_usage_nano_cores": v(s["cpu"].get("usageNanoCores")),
            "cpu_percent": None,
            "memory_working_set_bytes": v(s["memory"].get("workingSetBytes")),
            "writable_layer_bytes": v(s["writableLayer"].get("usedBytes")),
            "writable_layer_inodes": v(s["writableLayer"].get("inodesUsed")),
            "swap_bytes": v(s["swap"].get("swapUsageBytes")),
            "truncated": False,
        }
        for s in doc["stats"]
    ]


def measure(fn: Callable[[], Any], repeat: int) -> tuple[float, int]:
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    gc.collect()
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(times), peak


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--containers", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    text = build(args.containers)
    records = plain_records(json.loads(text))

    def ours() -> pd.DataFrame:
        return crio.stats_frame(crio.parse_stats(text))

    def floor() -> pd.DataFrame:
        json.loads(text)
        return pd.DataFrame(records)

    frame = ours()
    assert len(frame) == args.containers and list(frame.columns) == crio.STATS_FRAME_COLUMNS
    t_ours, m_ours = measure(ours, args.repeat)
    t_floor, m_floor = measure(floor, args.repeat)
    result = {
        "benchmark": "crictl stats -o json -> DataFrame",
        "containers": args.containers,
        "input_bytes": len(text.encode()),
        "repeat": args.repeat,
        "ours_s": round(t_ours, 4),
        "floor_s": round(t_floor, 4),
        "time_ratio": round(t_ours / t_floor, 2),
        "ours_peak_mib": round(m_ours / 2**20, 1),
        "floor_peak_mib": round(m_floor / 2**20, 1),
        "memory_ratio": round(m_ours / m_floor, 2),
        "target_ratio": 2.0,
        "python": sys.version.split()[0],
        "pandas": pd.__version__,
    }
    result["ok"] = result["time_ratio"] <= 2.0 and result["memory_ratio"] <= 2.0
    RESULT.parent.mkdir(exist_ok=True)
    RESULT.write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"{args.containers} containers, {result['input_bytes'] / 2**20:.1f} MiB of JSON\n"
        f"  ours : {t_ours * 1000:7.1f} ms  peak {result['ours_peak_mib']:6.1f} MiB\n"
        f"  floor: {t_floor * 1000:7.1f} ms  peak {result['floor_peak_mib']:6.1f} MiB\n"
        f"  ratio: time {result['time_ratio']}x, memory {result['memory_ratio']}x "
        f"(target <= 2x) -> {'OK' if result['ok'] else 'OVER TARGET'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
