"""Benchmark: fleet collection over 100 simulated nodes (2 s pod start, 50 ms per exec, 6 commands).

Three figures (issue 3), all from costs measured in this run:

* **naive**: ``oc debug node/X -- chroot /host CMD`` once per command, one after another:
  600 x (setup + pod start + exec + delete), computed from single costs measured on one or two
  nodes (not run); ``setup`` is the temporary namespace and look-ups every ``oc debug`` repeats;
* **this project**: the makespan of ``collect_facts`` at the chosen concurrency, the final
  clean-up (every debug pod and the temporary namespace deleted) included;
* **ideal** at that concurrency: ceil(100 / c) x (start + 6 x exec), with the nominal start and
  exec (2 s, 50 ms); the target is makespan <= 1.2 x ideal.

Mode ``debug-pod`` (the default when available) runs the real path: ``LiveSource`` with a
``DebugPodRunner`` against the API simulator in a separate process (pods Pending -> Running after
``start_delay``, exec over the websocket answering after ``exec_latency``). Mode ``fake`` uses a
NodeRunner that sleeps the start on a node's first command and the exec on every command (the
node list still comes from the simulator over HTTP); it is used when the debug-pod runner or
the simulator's pod support is missing, and the output says so.

    .venv/bin/python bench/bench_fleet.py [--concurrency 4 10] [--mode auto|debug-pod|fake]
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rhcos_helpers.catalogue import fact as catalogue_fact  # noqa: E402
from rhcos_helpers.node_access.fanout import collect_facts  # noqa: E402
from rhcos_helpers.sources.base import NodeOutput  # noqa: E402
from rhcos_helpers.sources.live import LiveSource  # noqa: E402
from tests.simulator.builders import node, write_capture  # noqa: E402

TARGET = 1.2
FACTS = ["os_release", "machine_id", "hostname", "uname", "rpm_ostree_status", "crictl_version"]
log = logging.getLogger("bench_fleet")

_SERVE = """
import sys
from pathlib import Path
sys.path.insert(0, {root!r})
from tests.simulator import Simulator
sim = Simulator(Path({capture!r}))
workloads = getattr(sim, "workloads", None)
if workloads is not None:
    workloads.script.start_delay = {start!r}
    workloads.script.exec_latency = {exec_!r}
with sim:
    sim.write_kubeconfig(Path({kubeconfig!r}))
    print(sim.url, "pods" if workloads is not None else "no-pods", flush=True)
    sys.stdin.read()
"""


def build_capture(root: Path, n_nodes: int) -> Path:
    """``n_nodes`` Ready workers whose facts.json answers the six commands (for the exec)."""
    names = [f"worker-{i:03d}" for i in range(n_nodes)]
    files: dict[str, dict[str, str]] = {}
    for name in names:
        files[name] = {f: f"{name} {f}\n" for f in FACTS}
    write_capture(
        root,
        [node(n, ip=f"10.0.{i // 250}.{i % 250 + 1}") for i, n in enumerate(names)],
        node_files=files,
    )
    for name in names:
        facts = {
            f: {"fact": f, "status": "ok", "argv": list(catalogue_fact(f).argv), "exit_code": 0,
                "format": catalogue_fact(f).format, "origin": "debug-pod", "reason": ""}
            for f in FACTS
        }  # fmt: skip
        (root / "nodes" / name / "facts.json").write_text(json.dumps(facts))
    return root


class FakeRunner:
    """Sleeps ``start`` on a node's first command and ``exec_`` on every command."""

    def __init__(self, start: float, exec_: float) -> None:
        self.start, self.exec_ = start, exec_
        self.started: set[str] = set()
        self.lock = threading.Lock()

    def run(self, node: str, argv: tuple[str, ...], *, timeout: float) -> NodeOutput:
        with self.lock:
            first = node not in self.started
            self.started.add(node)
        time.sleep((self.start if first else 0.0) + self.exec_)
        return NodeOutput(node, "", "ok", stdout="x\n", exit_code=0, origin="fake", argv=argv)

    def close(self) -> None:
        return None


def debug_pod_available() -> str | None:
    """``None`` when the real path can run, else why not."""
    try:
        from rhcos_helpers.node_access.debug_pod import DebugPodRunner  # noqa: F401
    except ImportError as err:
        return f"rhcos_helpers.node_access.debug_pod.DebugPodRunner not importable ({err})"
    if not (ROOT / "tests" / "simulator" / "exec.py").is_file():
        return "the simulator has no exec websocket (tests/simulator/exec.py)"
    return None


def make_runner(mode: str, live: LiveSource, start: float, exec_: float) -> Any:
    if mode == "fake":
        return FakeRunner(start, exec_)
    from rhcos_helpers.node_access.debug_pod import DebugPodRunner

    return DebugPodRunner(live._api.configuration, image="registry.example/tools:latest")


def open_live(kubeconfig: Path, runner: Any | None) -> LiveSource:
    return LiveSource.from_kubeconfig(
        context=None, spec="kube", config_file=str(kubeconfig), node_runner=runner
    )


def single_costs(kubeconfig: Path, mode: str, start: float, exec_: float) -> dict[str, float]:
    """Per-run setup, pod start, exec and delete (pods + temporary namespace), measured.

    ``setup`` is what the first pod of a run costs on top of the next ones (temporary namespace,
    image and cluster-version look-ups); ``oc debug`` pays it on every invocation.
    """
    with open_live(kubeconfig, None) as plain:
        runner = make_runner(mode, plain, start, exec_)
    argv = catalogue_fact("uname").argv
    outs: list[NodeOutput] = []

    def clock(node_name: str) -> float:
        t0 = time.perf_counter()
        outs.append(runner.run(node_name, argv, timeout=60))
        return time.perf_counter() - t0

    t_first_run = clock("worker-000")
    t_first_node = clock("worker-001")
    t_exec = statistics.median(clock("worker-001") for _ in range(5))
    bad = [o.reason for o in outs if not o.ok]
    if bad:
        raise RuntimeError(f"probe command failed: {bad[0]}")
    t0 = time.perf_counter()
    runner.close()
    t_delete = time.perf_counter() - t0
    return {
        "setup": max(0.0, t_first_run - t_first_node),
        "start": t_first_node - t_exec,
        "exec": t_exec,
        "delete": t_delete,
    }


def fleet_run(
    kubeconfig: Path, mode: str, concurrency: int, start: float, exec_: float
) -> dict[str, Any]:
    with open_live(kubeconfig, None) as plain:
        runner = make_runner(mode, plain, start, exec_)
    with open_live(kubeconfig, runner) as live:
        t0 = time.perf_counter()
        result = collect_facts(
            live, facts=FACTS, concurrency=concurrency, progress=False, node_timeout=300
        )
        t_collect = time.perf_counter() - t0
        runner.close()
        t_total = time.perf_counter() - t0
    statuses: dict[str, int] = {}
    for out in result:
        statuses[out.status] = statuses.get(out.status, 0) + 1
    return {
        "concurrency": concurrency,
        "nodes": len(result.nodes),
        "collect_s": round(t_collect, 3),
        "makespan_s": round(t_total, 3),
        "cleanup_s": round(t_total - t_collect, 3),
        "statuses": statuses,
        "failed_nodes": dict(list(result.failed_nodes().items())[:3]),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=100)
    parser.add_argument("--start", type=float, default=2.0, help="pod start seconds")
    parser.add_argument("--exec", dest="exec_", type=float, default=0.05, help="exec seconds")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[4, 10])
    parser.add_argument("--mode", choices=("auto", "debug-pod", "fake"), default="auto")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "bench_fleet.json")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("rhcos_helpers").setLevel(logging.WARNING)

    why_not = debug_pod_available()
    mode = args.mode
    if mode == "auto":
        mode = "fake" if why_not else "debug-pod"
    elif mode == "debug-pod" and why_not:
        log.error("debug-pod mode not possible: %s; use --mode fake", why_not)
        return 2
    if mode == "fake":
        log.info("MODE fake NodeRunner (sleeps %.2f s on a node's first command, %.3f s per command)%s",
                 args.start, args.exec_, f": {why_not}" if why_not else "")  # fmt: skip
    else:
        log.info("MODE debug-pod: LiveSource + DebugPodRunner against the simulator "
                 "(start_delay %.2f s, exec_latency %.3f s)", args.start, args.exec_)  # fmt: skip

    with tempfile.TemporaryDirectory(prefix="bench-fleet-") as tmp:
        capture = build_capture(Path(tmp) / "capture", args.nodes)
        kubeconfig = Path(tmp) / "kubeconfig"
        script = _SERVE.format(root=str(ROOT), capture=str(capture), kubeconfig=str(kubeconfig),
                               start=args.start, exec_=args.exec_)  # fmt: skip
        server = subprocess.Popen(
            [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
        try:
            assert server.stdout is not None
            url, _, pods = server.stdout.readline().strip().partition(" ")
            if not url.startswith("http://127.0.0.1:"):
                raise RuntimeError(f"simulator did not start (got {url!r})")
            if mode == "debug-pod" and pods != "pods":
                raise RuntimeError("the simulator has no pod support (Simulator.workloads)")
            costs = single_costs(kubeconfig, mode, args.start, args.exec_)
            log.info("single costs: run setup %.3f s, pod start %.3f s, exec %.3f s, delete %.3f s",
                     costs["setup"], costs["start"], costs["exec"], costs["delete"])  # fmt: skip
            runs = [
                fleet_run(kubeconfig, mode, c, args.start, args.exec_) for c in args.concurrency
            ]
        finally:
            if server.stdin is not None:
                server.stdin.close()
            server.wait(30)

    commands = args.nodes * len(FACTS)
    naive = commands * (costs["setup"] + costs["start"] + costs["exec"] + costs["delete"])
    ok = True
    for r in runs:
        c = r["concurrency"]
        waves = math.ceil(args.nodes / c)
        r["ideal_s"] = round(waves * (args.start + len(FACTS) * args.exec_), 3)
        r["ideal_measured_costs_s"] = round(
            waves * (costs["start"] + len(FACTS) * costs["exec"]), 3
        )
        r["ratio_to_ideal"] = round(r["makespan_s"] / r["ideal_s"], 3)
        r["speedup_vs_naive"] = round(naive / r["makespan_s"], 1)
        r["target_met"] = r["ratio_to_ideal"] <= TARGET
        ok = ok and r["target_met"]
        log.info(
            "c=%-3d makespan %.1f s (collect %.1f + cleanup %.1f) | ideal %.1f s -> %.2fx "
            "(target <= %.1fx) | naive %.0f s (%.1f min) -> %.0fx faster | outputs %s",
            c, r["makespan_s"], r["collect_s"], r["cleanup_s"], r["ideal_s"], r["ratio_to_ideal"],
            TARGET, naive, naive / 60, r["speedup_vs_naive"], r["statuses"],
        )  # fmt: skip
    report = {
        "benchmark": "bench_fleet",
        "mode": mode,
        "mode_note": why_not or "",
        "nodes": args.nodes,
        "commands_per_node": len(FACTS),
        "nominal": {"start_s": args.start, "exec_s": args.exec_},
        "single_costs_s": {k: round(v, 4) for k, v in costs.items()},
        "naive_s": round(naive, 1),
        "naive_formula": f"{commands} x (setup + start + exec + delete)",
        "target_ratio": TARGET,
        "runs": runs,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    log.info("wrote %s; %s", args.out, "target met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
