"""Benchmark: LiveSource.list of 5,000 nodes and 50,000 pods against raw HTTP + json.loads.

The API simulator serves a generated capture (tests/simulator/builders, written as JSON) from a
separate process on 127.0.0.1, so the client side measured here is alone in this process. Both
ways use the same paging (``limit=500`` and the ``continue`` token) and collect every item into
one list:

* floor: ``http.client`` (one keep-alive connection) + ``json.loads`` of each page;
* this project: ``LiveSource.list`` (the official client's ``ApiClient.call_api`` + ``json.loads``
  + ``apiVersion``/``kind`` filled in on items).

Time: median of ``--repeat`` runs, the two ways alternating. Peak memory: ``tracemalloc`` peak of
one more run of each (timed separately: tracemalloc slows everything down). Target (issue 3):
time and memory ratios <= 1.5. The simulator filters every object for every page, so wall time
is mostly the server's; the client-CPU ratio (``time.process_time`` of this process only) shows
the client's own overhead.

    .venv/bin/python bench/bench_list.py [--nodes 5000] [--pods 50000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import http.client
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rhcos_helpers.sources.live import PAGE_SIZE, LiveSource  # noqa: E402
from tests.simulator.builders import namespace, node, pod  # noqa: E402

TARGET = 1.5
log = logging.getLogger("bench_list")

_SERVE = """
import sys
from pathlib import Path
sys.path.insert(0, {root!r})
from tests.simulator import Simulator
with Simulator(Path({capture!r})) as sim:
    sim.write_kubeconfig(Path({kubeconfig!r}))
    print(sim.url, flush=True)
    sys.stdin.read()
"""


def build_capture(root: Path, n_nodes: int, n_pods: int, n_namespaces: int = 100) -> Path:
    """Nodes as one JSON List, pods as one JSON List per namespace (valid YAML, fast to load)."""
    nodes = [
        node(f"worker-{i:05d}", ip=f"10.{i // 65536}.{i // 256 % 256}.{i % 256}")
        for i in range(n_nodes)
    ]
    core = root / "cluster" / "cluster-scoped-resources" / "core"
    core.mkdir(parents=True)
    (core / "nodes.yaml").write_text(
        json.dumps({"apiVersion": "v1", "kind": "NodeList", "metadata": {}, "items": nodes})
    )
    per_ns = max(1, n_pods // n_namespaces)
    made = 0
    for n in range(n_namespaces):
        ns = f"app-{n:03d}"
        ns_dir = root / "cluster" / "namespaces" / ns
        (ns_dir / "core").mkdir(parents=True)
        (ns_dir / f"{ns}.yaml").write_text(json.dumps(namespace(ns)))
        count = per_ns if n < n_namespaces - 1 else n_pods - made
        pods = [
            pod(f"app-{n:03d}-{i:05d}", ns, node_name=f"worker-{(made + i) % n_nodes:05d}")
            for i in range(count)
        ]
        made += count
        (ns_dir / "core" / "pods.yaml").write_text(
            json.dumps({"apiVersion": "v1", "kind": "PodList", "metadata": {}, "items": pods})
        )
    (root / "rhcos-capture.json").write_text(
        json.dumps({"format": "rhcos-runbooks-capture/1", "kind": "capture", "notes": []})
    )
    return root


class RawClient:
    """The floor: http.client on one keep-alive connection, json.loads per page."""

    def __init__(self, url: str, token: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)

    def list(self, path: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        token = ""
        while True:
            query = [("limit", str(PAGE_SIZE))] + ([("continue", token)] if token else [])
            self.conn.request("GET", f"{path}?{urlencode(query)}", headers=self.headers)
            resp = self.conn.getresponse()
            body = json.loads(resp.read())
            if resp.status != 200:
                raise RuntimeError(f"GET {path}: {resp.status} {body.get('message')}")
            items.extend(body["items"])
            token = (body.get("metadata") or {}).get("continue") or ""
            if not token:
                return items

    def close(self) -> None:
        self.conn.close()


def timed(fn: Callable[[], list[dict[str, Any]]]) -> tuple[float, float, int]:
    """(wall seconds, this process's CPU seconds, items); the server is another process."""
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    items = fn()
    took, cpu_took = time.perf_counter() - start, time.process_time() - cpu
    count = len(items)
    del items
    return took, cpu_took, count


def peak(fn: Callable[[], list[dict[str, Any]]]) -> int:
    gc.collect()
    tracemalloc.start()
    items = fn()
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del items
    return top


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--pods", type=int, default=50000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "bench_list.json")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    with tempfile.TemporaryDirectory(prefix="bench-list-") as tmp:
        t0 = time.perf_counter()
        capture = build_capture(Path(tmp) / "capture", args.nodes, args.pods)
        kubeconfig = Path(tmp) / "kubeconfig"
        log.info(
            "built capture: %d nodes, %d pods in %.1f s",
            args.nodes,
            args.pods,
            time.perf_counter() - t0,
        )
        script = _SERVE.format(root=str(ROOT), capture=str(capture), kubeconfig=str(kubeconfig))
        server = subprocess.Popen(
            [sys.executable, "-c", script],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        try:
            assert server.stdout is not None
            url = server.stdout.readline().strip()
            if not url.startswith("http://127.0.0.1:"):
                raise RuntimeError(f"simulator did not start (got {url!r})")
            log.info("simulator at %s (pid %d)", url, server.pid)
            results = run(url, kubeconfig, args.repeat)
        finally:
            if server.stdin is not None:
                server.stdin.close()
            server.wait(30)

    report = {
        "benchmark": "bench_list",
        "nodes": args.nodes,
        "pods": args.pods,
        "page_size": PAGE_SIZE,
        "repeat": args.repeat,
        "target_ratio": TARGET,
        "python": sys.version.split()[0],
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    ok = True
    for r in results:
        log.info(
            "%-5s %6d items: raw %.3f s / %.1f MiB, LiveSource %.3f s / %.1f MiB -> time %.2fx, "
            "memory %.2fx (target <= %.1fx); client CPU %.3f s vs %.3f s -> %.2fx",
            r["resource"], r["items"], r["raw_s"], r["raw_peak_mib"], r["live_s"],
            r["live_peak_mib"], r["time_ratio"], r["memory_ratio"], TARGET,
            r["raw_client_cpu_s"], r["live_client_cpu_s"], r["client_cpu_ratio"],
        )  # fmt: skip
        ok = ok and r["time_ratio"] <= TARGET and r["memory_ratio"] <= TARGET
    log.info("wrote %s; %s", args.out, "target met" if ok else "TARGET MISSED")
    return 0 if ok else 1


def run(url: str, kubeconfig: Path, repeat: int) -> list[dict[str, Any]]:
    import yaml

    token = yaml.safe_load(kubeconfig.read_text())["users"][0]["user"]["token"]
    raw = RawClient(url, token)
    live = LiveSource.from_kubeconfig(context=None, spec="kube", config_file=str(kubeconfig))
    out: list[dict[str, Any]] = []
    try:
        for resource, path in (("nodes", "/api/v1/nodes"), ("pods", "/api/v1/pods")):
            raw_fn: Callable[[], list[dict[str, Any]]] = lambda p=path: raw.list(p)  # noqa: E731
            live_fn: Callable[[], list[dict[str, Any]]] = lambda r=resource: live.list(r)  # noqa: E731
            timed(raw_fn), timed(live_fn)  # warm-up: connections, server caches
            raw_t: list[float] = []
            live_t: list[float] = []
            raw_cpu: list[float] = []
            live_cpu: list[float] = []
            count = 0
            for _ in range(repeat):
                took, cpu, count = timed(raw_fn)
                raw_t.append(took)
                raw_cpu.append(cpu)
                took, cpu, live_count = timed(live_fn)
                live_t.append(took)
                live_cpu.append(cpu)
                if live_count != count:
                    raise RuntimeError(
                        f"{resource}: raw saw {count} items, LiveSource {live_count}"
                    )
            raw_peak, live_peak = peak(raw_fn), peak(live_fn)
            raw_s, live_s = statistics.median(raw_t), statistics.median(live_t)
            out.append(
                {
                    "resource": resource,
                    "items": count,
                    "raw_s": round(raw_s, 4),
                    "live_s": round(live_s, 4),
                    "raw_runs_s": [round(t, 4) for t in raw_t],
                    "live_runs_s": [round(t, 4) for t in live_t],
                    "time_ratio": round(live_s / raw_s, 3),
                    "raw_client_cpu_s": round(statistics.median(raw_cpu), 4),
                    "live_client_cpu_s": round(statistics.median(live_cpu), 4),
                    "client_cpu_ratio": round(
                        statistics.median(live_cpu) / statistics.median(raw_cpu), 3
                    ),
                    "raw_peak_mib": round(raw_peak / 2**20, 1),
                    "live_peak_mib": round(live_peak / 2**20, 1),
                    "memory_ratio": round(live_peak / raw_peak, 3),
                }
            )
    finally:
        raw.close()
        live.close()
    return out


if __name__ == "__main__":
    sys.exit(main())
