"""Benchmark: decode and merge 200 MachineConfigs holding 2,000 files (issue 5).

Measured in the same run, on the same already-parsed objects (dicts, as the API returns them):

* **ours**: ``parse_machineconfig`` of every MC (decoding every data URL once) plus the HEAD
  ``merge`` of all of them (``rhcos_helpers.machineconfigs.merge``);
* **floor**: ``decode_data_url`` of the same 2,000 data URLs, keeping the decoded bytes (a merge
  needs them all at once), nothing else.

The files use the three forms seen in clusters (a third each): ``data:,`` percent-escaped,
``data:text/plain;charset=utf-8;base64,`` and ``data:;base64,`` with gzip; contents are ~1 KiB
text. Some paths repeat across MCs so the merge replaces entries. Time is the median of
``--repeat`` runs, the two run alternately; peak memory is tracemalloc's peak of one run each. Target: ours <= 2 x floor.
Writes ``bench/results/machineconfigs.json``.

    .venv/bin/python bench/bench_machineconfigs.py [--mcs 200] [--files 2000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import base64
import gc
import gzip
import json
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rhcos_helpers.machineconfigs.dataurl import decode_data_url  # noqa: E402
from rhcos_helpers.machineconfigs.merge import merge  # noqa: E402
from rhcos_helpers.machineconfigs.parse import parse_machineconfig  # noqa: E402


def build(n_mcs: int, n_files: int) -> list[dict[str, Any]]:
    per = n_files // n_mcs
    out = []
    k = 0
    for m in range(n_mcs):
        files = []
        for _ in range(per):
            body = (f"# file {k}\n" + f"key_{k} = value with spaces and = signs\n" * 25).encode()
            form = k % 3
            if form == 0:
                source, comp = "data:," + quote(body.decode(), safe=""), ""
            elif form == 1:
                source, comp = (
                    "data:text/plain;charset=utf-8;base64," + base64.b64encode(body).decode(),
                    "",
                )
            else:
                source = (
                    "data:;base64," + base64.b64encode(gzip.compress(body, 9, mtime=0)).decode()
                )
                comp = "gzip"
            files.append(
                {
                    "contents": {"compression": comp, "source": source},
                    "mode": 420,
                    "overwrite": True,
                    "path": f"/etc/bench/{(k * 7) % (n_files // 2)}.conf",
                }
            )
            k += 1
        out.append(
            {
                "metadata": {
                    "name": f"{m:03d}-worker-bench",
                    "labels": {"machineconfiguration.openshift.io/role": "worker"},
                },
                "spec": {
                    "config": {"ignition": {"version": "3.4.0"}, "storage": {"files": files}},
                    "kernelArguments": [f"arg{m}=1"],
                },
            }
        )
    return out


def ours(objs: list[dict[str, Any]]) -> int:
    mcs = [parse_machineconfig(o) for o in objs]
    return len(merge(mcs, rules="head").files)


def floor(urls: list[tuple[str, str]]) -> list[bytes]:
    """Decode every URL and keep the bytes (a merge needs them all at once)."""
    return [decode_data_url(u, compression=c) for u, c in urls]


def measure(
    a: Callable[[], object], b: Callable[[], object], repeat: int
) -> tuple[float, float, int, int]:
    """Median times of a and b, run alternately (both see the same machine load), and peaks."""
    ta, tb = [], []
    for _ in range(repeat):
        for fn, times in ((a, ta), (b, tb)):
            gc.collect()
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
    peaks = []
    for fn in (a, b):
        gc.collect()
        tracemalloc.start()
        fn()
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    return statistics.median(ta), statistics.median(tb), peaks[0], peaks[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mcs", type=int, default=200)
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    objs = build(args.mcs, args.files)
    urls = [
        (f["contents"]["source"], f["contents"]["compression"])
        for o in objs
        for f in o["spec"]["config"]["storage"]["files"]
    ]
    t_ours, t_floor, m_ours, m_floor = measure(lambda: ours(objs), lambda: floor(urls), args.repeat)
    result = {
        "mcs": args.mcs,
        "files": len(urls),
        "repeat": args.repeat,
        "ours_s": round(t_ours, 4),
        "floor_s": round(t_floor, 4),
        "time_ratio": round(t_ours / t_floor, 2),
        "ours_peak_bytes": m_ours,
        "floor_peak_bytes": m_floor,
        "memory_ratio": round(m_ours / m_floor, 2),
    }
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "machineconfigs.json").write_text(
        json.dumps(result, indent=2) + "\n"
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
