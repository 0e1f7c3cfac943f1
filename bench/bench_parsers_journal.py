"""Benchmark: a 200,000-line ``journalctl -o json`` export into a DataFrame, against the floor.

The export is generated (seeded) from the shape of real kubelet and CRI-O entries: every field
journald writes for a service's stdout (``__CURSOR``, ``__REALTIME_TIMESTAMP``, ``_BOOT_ID``,
``_SYSTEMD_UNIT``, ``_CAP_EFFECTIVE``, ``_SELINUX_CONTEXT``...: 24 fields, about 1 kB a line),
klog and logrus messages, systemd's own unit messages (``UNIT=``), an OOM line now and then and
a few ``MESSAGE`` values as byte arrays (journalctl's form for invalid UTF-8). All ways get the
same ``str``:

* floor: ``json.loads`` of each line, then ``pandas.DataFrame`` of those plain records (every
  field a column, no conversion);
* this project, fast path: :func:`rhcos_helpers.services.journal_json.journal_frame` (the one
  ``journalctl -o json`` parser, owned by :mod:`rhcos_helpers.services.journal_json`): the same
  ``json.loads`` per line, fields picked into column lists, levels and events classified,
  timestamps converted in one vectorised step;
* this project, records: ``services.journal_records.to_frame(services.journal_json.parse_journal_json(text))``
  (a frozen record per entry), for information.

Time: median of ``--repeat`` runs, the ways alternating. Peak memory: ``tracemalloc`` peak of
one more run of each (timed separately: tracemalloc slows everything down); the input text is
allocated before tracing starts, so it counts for none of them. Target (issue 4): ratio <= 2.

    .venv/bin/python bench/bench_parsers_journal.py [--lines 200000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import platform
import random
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

from rhcos_helpers import services  # noqa: E402

TARGET = 2.0
OUT = ROOT / "bench" / "results" / "services.journal_json.json"
log = logging.getLogger("bench_parsers_journal")

_KLOG = [
    'I{md} {hms}.{us:06d}    {pid} kubelet.go:2431] "SyncLoop UPDATE" source="api" pods=["openshift-multus/multus-{r5}"]',
    'I{md} {hms}.{us:06d}    {pid} container_gc.go:88] "Attempting to delete unused containers"',
    'E{md} {hms}.{us:06d}    {pid} pod_workers.go:1298] "Error syncing pod, skipping" err="failed to \\"StartContainer\\" for \\"app\\" with CrashLoopBackOff: \\"back-off 40s restarting failed container=app pod=app-{r5}_demo({uid})\\"" pod="demo/app-{r5}"',
    'I{md} {hms}.{us:06d}    {pid} oom_watcher_linux.go:77] "Got sys oom event" event={{"Pid":{pid2},"ProcessName":"app","ContainerName":"/kubepods.slice/crio-{id64}.scope"}}',
    'W{md} {hms}.{us:06d}    {pid} reflector.go:462] watch of *v1.ConfigMap ended with: an error on the server ("unable to decode an event from the watch stream") has prevented the request from succeeding',
]
_LOGRUS = [
    'time="{date} {hms}.{ns:09d}Z" level=info msg="Checking image status: quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:{id64}" id={uid} name=/runtime.v1.ImageService/ImageStatus',
    'time="{date} {hms}.{ns:09d}Z" level=info msg="Ran pod sandbox {id64} with infra container: openshift-dns/dns-default-{r5}/POD" id={uid} name=/runtime.v1.RuntimeService/RunPodSandbox',
    'time="{date} {hms}.{ns:09d}Z" level=error msg="Failed to remove container {id64}: container not known" id={uid}',
]
_SYSTEMD = [
    "Started Kubernetes Kubelet.",
    "kubelet.service: Main process exited, code=exited, status=255/EXCEPTION",
    "kubelet.service: Scheduled restart job, restart counter is at 1.",
]


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def generate(lines: int, *, seed: int = 4) -> str:
    """A ``journalctl -o json`` export of ``lines`` entries (kubelet, crio and systemd)."""
    rng = random.Random(seed)
    boot, machine = _hex(rng, 32), _hex(rng, 32)
    ids = [_hex(rng, 64) for _ in range(64)]
    uids = [
        f"{_hex(rng, 8)}-{_hex(rng, 4)}-{_hex(rng, 4)}-{_hex(rng, 4)}-{_hex(rng, 12)}"
        for _ in range(64)
    ]
    start = 1_795_080_600_000_000
    out = []
    for i in range(lines):
        usec = start + i * 431_000 + rng.randrange(1000)
        secs = usec // 1_000_000
        tm = time.gmtime(secs)
        fill = {
            "md": time.strftime("%m%d", tm),
            "hms": time.strftime("%H:%M:%S", tm),
            "date": time.strftime("%Y-%m-%d", tm),
            "us": usec % 1_000_000,
            "ns": (usec % 1_000_000) * 1000,
            "pid": 3495,
            "pid2": 80_000 + i % 5000,
            "r5": _hex(rng, 5),
            "uid": rng.choice(uids),
            "id64": rng.choice(ids),
        }
        roll = rng.random()
        if roll < 0.55:
            unit, ident, comm, pid = "kubelet.service", "kubenswrapper", "kubelet", "3495"
            k = 0 if roll < 0.3 else 1 if roll < 0.5 else 4 if roll < 0.545 else 2
            if i % 20_000 == 7:
                k = 3
            message: Any = _KLOG[k].format(**fill)
        elif roll < 0.995:
            unit, ident, comm, pid = "crio.service", "crio", "crio", "3064"
            message = _LOGRUS[0 if roll < 0.8 else 1 if roll < 0.99 else 2].format(**fill)
        else:
            unit, ident, comm, pid = "", "systemd", "systemd", "1"
            message = rng.choice(_SYSTEMD)
        if i % 50_000 == 11:
            message = list((message[:40] + "\udcff").encode("utf-8", "surrogateescape"))
        entry = {
            "__CURSOR": f"s={boot};i={i:x};b={boot};m={usec - start:x};t={usec:x};x={_hex(rng, 16)}",
            "__REALTIME_TIMESTAMP": str(usec),
            "__MONOTONIC_TIMESTAMP": str(usec - start + 26_095_474_000_000),
            "_BOOT_ID": boot,
            "PRIORITY": "6" if ident != "systemd" or "exited" not in str(message) else "4",
            "SYSLOG_FACILITY": "3",
            "_UID": "0",
            "_GID": "0",
            "_CAP_EFFECTIVE": "1ffffffffff",
            "_SELINUX_CONTEXT": "system_u:system_r:container_runtime_t:s0",
            "_MACHINE_ID": machine,
            "_HOSTNAME": "worker-0",
            "_TRANSPORT": "stdout" if ident != "systemd" else "journal",
            "_STREAM_ID": _hex(rng, 32),
            "SYSLOG_IDENTIFIER": ident,
            "_PID": pid,
            "_COMM": comm,
            "_EXE": f"/usr/bin/{comm}",
            "_SYSTEMD_CGROUP": f"/system.slice/{unit or 'init.scope'}",
            "_SYSTEMD_UNIT": unit or "init.scope",
            "_SYSTEMD_SLICE": "system.slice" if unit else "-.slice",
            "_SYSTEMD_INVOCATION_ID": _hex(rng, 32),
            "MESSAGE": message,
        }
        if not unit:
            entry["UNIT"] = "kubelet.service"
        out.append(json.dumps(entry, separators=(",", ":")))
    return "\n".join(out) + "\n"


def floor(text: str) -> pd.DataFrame:
    """``json.loads`` per line, then a DataFrame of the plain records."""
    loads = json.loads
    return pd.DataFrame([loads(line) for line in text.splitlines() if line])


def fast(text: str) -> pd.DataFrame:
    return services.journal_json.journal_frame(text)


def records(text: str) -> pd.DataFrame:
    return services.journal_records.to_frame(services.journal_json.parse_journal_json(text))


def _timed(fn: Callable[[str], pd.DataFrame], text: str) -> tuple[float, int]:
    gc.collect()
    t0 = time.perf_counter()
    frame = fn(text)
    took = time.perf_counter() - t0
    rows = len(frame)
    del frame
    return took, rows


def _peak(fn: Callable[[str], pd.DataFrame], text: str) -> float:
    gc.collect()
    tracemalloc.start()
    frame = fn(text)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del frame
    return peak / 2**20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    log.info("generating %d journal lines ...", args.lines)
    text = generate(args.lines)
    ways: dict[str, Callable[[str], pd.DataFrame]] = {
        "floor": floor,
        "journal_frame": fast,
        "parse_journal_json+to_frame": records,
    }
    runs: dict[str, list[float]] = {w: [] for w in ways}
    rows: dict[str, int] = {}
    for _ in range(args.repeat):
        for name, fn in ways.items():
            took, n = _timed(fn, text)
            runs[name].append(round(took, 4))
            rows[name] = n
    peaks = {name: round(_peak(fn, text), 1) for name, fn in ways.items()}
    median = {name: statistics.median(r) for name, r in runs.items()}
    results = {
        "benchmark": "bench_parsers_journal",
        "lines": args.lines,
        "input_mib": round(len(text.encode()) / 2**20, 1),
        "repeat": args.repeat,
        "target_ratio": TARGET,
        "python": platform.python_version(),
        "pandas": pd.__version__,
        "results": [
            {
                "way": name,
                "rows": rows[name],
                "median_s": round(median[name], 3),
                "runs_s": runs[name],
                "peak_mib": peaks[name],
                "time_ratio": round(median[name] / median["floor"], 3),
                "memory_ratio": round(peaks[name] / peaks["floor"], 3),
            }
            for name in ways
        ],
    }
    fast_row = results["results"][1]
    results["within_target"] = (
        fast_row["time_ratio"] <= TARGET and fast_row["memory_ratio"] <= TARGET
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(
        f"{args.lines:,} lines ({results['input_mib']} MiB), median of {args.repeat}, "
        f"target <= {TARGET}x the floor"
    )
    print(f"{'way':<30} {'rows':>8} {'time s':>8} {'x floor':>8} {'peak MiB':>9} {'x floor':>8}")
    for r in results["results"]:
        print(
            f"{r['way']:<30} {r['rows']:>8} {r['median_s']:>8.3f} {r['time_ratio']:>8.2f} "
            f"{r['peak_mib']:>9.1f} {r['memory_ratio']:>8.2f}"
        )
    print(f"wrote {args.out}")
    return 0 if results["within_target"] else 1


if __name__ == "__main__":
    sys.exit(main())
