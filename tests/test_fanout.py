"""Fan-out: LiveSource against the API simulator (real HTTP) with fake node runners."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rhcos_helpers.errors import NotApplicable, UsageError
from rhcos_helpers.node_access.fanout import FleetResult, collect_facts, fact_key, skip_reason
from rhcos_helpers.sources.base import NodeOutput
from rhcos_helpers.sources.live import LiveSource
from tests.fakes import FakeSource
from tests.simulator import Faults, Simulator
from tests.simulator.builders import node, write_capture

FACTS: list[Any] = ["os_release", "hostname", ("journal_unit", {"unit": "crio", "since": "-1h"})]
KEYS = ["os_release", "hostname", "journal_unit.crio"]


def _windows(name: str, *, by_label: bool) -> dict[str, Any]:
    obj = node(name)
    if by_label:
        obj["metadata"]["labels"]["kubernetes.io/os"] = "windows"
    else:
        obj["metadata"]["labels"].pop("kubernetes.io/os", None)
        obj["metadata"]["labels"].pop("beta.kubernetes.io/os", None)
        obj["status"]["nodeInfo"]["operatingSystem"] = "windows"
    return obj


def _not_ready(name: str) -> dict[str, Any]:
    obj = node(name)
    for cond in obj["status"]["conditions"]:
        if cond["type"] == "Ready":
            cond.update(
                status="False", reason="KubeletNotReady", message="container runtime is down"
            )
    return obj


@pytest.fixture
def fleet_capture(tmp_path: Path) -> Path:
    objects = [
        node("worker-b"),
        node("worker-a"),
        node("worker-c"),
        _windows("win-label", by_label=True),
        _windows("win-info", by_label=False),
        _not_ready("sick-0"),
    ]
    summary = json.dumps({"node": {"nodeName": "worker-a"}}) + "\n"
    files = {"worker-a": {"kubelet_stats_summary": summary}}
    return write_capture(tmp_path / "fleet", objects, node_files=files)


@pytest.fixture
def fleet_sim(fleet_capture: Path) -> Iterator[Simulator]:
    with Simulator(fleet_capture, faults=Faults(retry_after=0)) as sim:
        yield sim


class Runner:
    """Answers every argv; optional per-node delay, hang and error; records calls and overlap."""

    def __init__(
        self,
        *,
        delay: float = 0.0,
        hang: dict[str, float] | None = None,
        explode: set[str] | None = None,
    ) -> None:
        self.delay = delay
        self.hang = hang or {}
        self.explode = explode or set()
        self.calls: list[tuple[str, tuple[str, ...]]] = []
        self.lock = threading.Lock()
        self.busy: set[str] = set()
        self.max_busy = 0

    def run(self, node: str, argv: tuple[str, ...], *, timeout: float) -> NodeOutput:
        with self.lock:
            self.calls.append((node, argv))
            self.busy.add(node)
            self.max_busy = max(self.max_busy, len(self.busy))
        try:
            if node in self.explode:
                raise RuntimeError("runner bug")
            time.sleep(self.delay)
            if node in self.hang and argv[0] == "hostname":
                time.sleep(self.hang[node])
            return NodeOutput(
                node, "", "ok", stdout=f"{node}:{' '.join(argv)}\n", exit_code=0,
                origin="debug-pod", argv=argv,
            )  # fmt: skip
        finally:
            with self.lock:
                self.busy.discard(node)


def _live(sim: Simulator, tmp_path: Path, runner: Runner | None = None) -> LiveSource:
    kc = sim.write_kubeconfig(tmp_path / "kc")
    return LiveSource.from_kubeconfig(
        context=None, spec="kube", config_file=str(kc), node_runner=runner
    )


def test_every_node_appears_sorted_with_skips_and_fact_order(
    fleet_sim: Simulator, tmp_path: Path
) -> None:
    runner = Runner()
    with _live(fleet_sim, tmp_path, runner) as src:
        result = collect_facts(src, facts=FACTS, progress=False)
    assert result.nodes == ("sick-0", "win-info", "win-label", "worker-a", "worker-b", "worker-c")
    assert list(result.outputs) == list(result.nodes)
    assert result.facts == tuple(KEYS)
    for name in ("worker-a", "worker-b", "worker-c"):
        outs = result.outputs[name]
        assert list(outs) == KEYS
        assert all(o.ok and o.origin == "debug-pod" for o in outs.values())
        assert outs["journal_unit.crio"].fact == "journal_unit"
        # facts of one node run in the order given (one debug pod reused)
        argvs = [argv for n, argv in runner.calls if n == name]
        assert [a[0] for a in argvs] == ["cat", "hostname", "journalctl"]
    assert {n for n, _ in runner.calls} == {"worker-a", "worker-b", "worker-c"}
    win = result.outputs["win-label"]["os_release"]
    assert win.status == "failed"
    assert win.reason == (
        "skipped: Windows node (kubernetes.io/os=windows); RHCOS facts do not apply"
    )
    assert result.outputs["win-info"]["hostname"].reason.startswith(
        "skipped: Windows node (nodeInfo)"
    )
    sick = result.outputs["sick-0"]["journal_unit.crio"]
    assert sick.status == "failed"
    assert sick.argv[:2] == ("journalctl", "--no-pager")
    assert sick.reason.startswith(
        "skipped: node is NotReady (Ready=False: KubeletNotReady: container runtime is down)"
    )
    assert set(result.skipped) == {"sick-0", "win-info", "win-label"}
    assert list(result.failed_nodes()) == ["sick-0", "win-info", "win-label"]


def test_concurrency_is_bounded_and_used(fleet_sim: Simulator, tmp_path: Path) -> None:
    runner = Runner(delay=0.1)
    with _live(fleet_sim, tmp_path, runner) as src:
        result = collect_facts(src, facts=["os_release"], concurrency=2, progress=False)
    assert runner.max_busy == 2
    assert result.concurrency == 2
    assert not result.failed_nodes().keys() & {"worker-a", "worker-b", "worker-c"}


def test_node_over_budget_gets_failed_outputs_for_the_rest(
    fleet_sim: Simulator, tmp_path: Path
) -> None:
    runner = Runner(hang={"worker-b": 20.0})
    started = time.monotonic()
    with _live(fleet_sim, tmp_path, runner) as src:
        result = collect_facts(src, facts=FACTS, node_timeout=0.5, progress=False)
    assert time.monotonic() - started < 15  # returned without waiting for the 20 s hang
    slow = result.outputs["worker-b"]
    assert slow["os_release"].ok
    for key in ("hostname", "journal_unit.crio"):
        assert slow[key].status == "failed"
        assert slow[key].reason == (
            "node worker-b exceeded its 0.5 s budget before hostname answered; "
            "raise node_timeout or check the node (`oc describe node`)"
        )
    assert all(o.ok for o in result.outputs["worker-a"].values())
    assert result.failed_nodes()["worker-b"].startswith("node worker-b exceeded")


def test_a_runner_error_fails_that_node_only(
    fleet_sim: Simulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    runner = Runner(explode={"worker-c"})
    with _live(fleet_sim, tmp_path, runner) as src:
        result = collect_facts(src, facts=["os_release"], progress=False)
    out = result.outputs["worker-c"]["os_release"]
    assert out.status == "failed"
    assert out.reason.startswith("unexpected RuntimeError: runner bug; this is a bug")
    assert result.outputs["worker-a"]["os_release"].ok
    assert "unexpected error" in caplog.text


def test_unknown_node_appears_as_failed(fleet_sim: Simulator, tmp_path: Path) -> None:
    with _live(fleet_sim, tmp_path, Runner()) as src:
        result = collect_facts(src, nodes=["worker-a", "nope"], facts=["uname"], progress=False)
    assert result.nodes == ("nope", "worker-a")
    assert result.outputs["nope"]["uname"].reason == (
        "skipped: no node 'nope' in this cluster; check the name with `oc get nodes`"
    )
    assert result.outputs["worker-a"]["uname"].ok


def test_node_proxy_facts_back_off_on_429(fleet_sim: Simulator, tmp_path: Path) -> None:
    path = "/api/v1/nodes/worker-a/proxy/stats/summary"
    fleet_sim.faults.fail_once.append((path, 429))
    with _live(fleet_sim, tmp_path) as src:  # API-only: no runner
        result = collect_facts(
            src, nodes=["worker-a"], facts=["kubelet_stats_summary"], progress=False
        )
    out = result.outputs["worker-a"]["kubelet_stats_summary"]
    assert out.ok, out.reason
    assert out.origin == "api:" + path
    assert len(fleet_sim.requests_to(path)) == 2


def test_without_a_runner_host_facts_are_missing_not_failed(
    fleet_sim: Simulator, tmp_path: Path
) -> None:
    with _live(fleet_sim, tmp_path) as src:
        result = collect_facts(src, nodes=["worker-b"], facts=["os_release"], progress=False)
    assert result.outputs["worker-b"]["os_release"].status == "missing"
    assert result.failed_nodes() == {}


def test_to_frame_and_records(fleet_sim: Simulator, tmp_path: Path) -> None:
    with _live(fleet_sim, tmp_path, Runner()) as src:
        result = collect_facts(src, facts=["os_release"], progress=False)
    frame = result.to_frame()
    assert list(frame.columns) == [
        "node", "fact", "status", "origin", "reason", "exit_code", "duration",
    ]  # fmt: skip
    assert len(frame) == len(result.nodes)
    row = frame[frame.node == "worker-a"].iloc[0]
    assert (row.status, row.origin, row.exit_code) == ("ok", "debug-pod", 0)
    assert len(list(result)) == len(result.nodes)


def test_progress_bar_is_shown_when_asked(
    fleet_sim: Simulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with _live(fleet_sim, tmp_path, Runner()) as src:
        collect_facts(src, facts=["os_release"], progress=True)
        assert "nodes: 100%" in capsys.readouterr().err
        collect_facts(src, facts=["os_release"], progress=False)
        assert capsys.readouterr().err == ""


def test_usage_errors() -> None:
    src = FakeSource({"nodes": [node("a")]})
    with pytest.raises(UsageError, match="unknown node fact 'nope'"):
        collect_facts(src, facts=["nope"], progress=False)
    with pytest.raises(UsageError, match="facts asked twice: uname"):
        collect_facts(src, facts=["uname", "uname"], progress=False)
    with pytest.raises(UsageError, match="concurrency must be at least 1"):
        collect_facts(src, facts=["uname"], concurrency=0, progress=False)
    with pytest.raises(UsageError, match="unsafe|characters outside"):
        collect_facts(src, facts=[("journal_unit", {"unit": "x;y", "since": "-1h"})])


def test_captures_are_read_as_recorded_and_node_list_is_required() -> None:
    sick = _not_ready("sick-0")
    out = NodeOutput("sick-0", "uname", "ok", stdout="Linux\n")
    result = collect_facts(
        FakeSource({"nodes": [sick]}, outputs={("sick-0", "uname"): out}),
        facts=["uname"],
        progress=False,
    )
    assert isinstance(result, FleetResult)
    assert result.outputs["sick-0"]["uname"].ok  # a capture is not skipped
    with pytest.raises(NotApplicable):
        collect_facts(FakeSource({}), facts=["uname"], progress=False)
    given = collect_facts(FakeSource({}), nodes=["x"], facts=["uname"], progress=False)
    assert given.outputs["x"]["uname"].status == "missing"


def test_fact_keys_and_skip_reason() -> None:
    assert fact_key(("journal_unit", {"unit": "kubelet.service", "since": "-2h"})) == (
        "journal_unit.kubelet"
    )
    assert skip_reason(node("fine")) is None
    bare = node("bare")
    bare["status"]["conditions"] = []
    assert (skip_reason(bare) or "").startswith("skipped: node has no Ready condition")


def test_interrupt_stops_starting_nodes_and_returns_at_once(
    fleet_sim: Simulator, tmp_path: Path
) -> None:
    def sigint() -> None:  # what Ctrl-C and a Jupyter kernel interrupt send
        os.kill(os.getpid(), signal.SIGINT)

    class Interrupting(Runner):
        def run(self, node: str, argv: tuple[str, ...], *, timeout: float) -> NodeOutput:
            if not self.calls:  # a kernel interrupt while the first command runs
                threading.Timer(0.1, sigint).start()
            return super().run(node, argv, timeout=timeout)

    runner = Interrupting(delay=0.4)
    with _live(fleet_sim, tmp_path, runner) as src:
        with pytest.raises(KeyboardInterrupt):
            collect_facts(src, facts=FACTS, concurrency=1, progress=False)
        interrupted = time.monotonic()
        calls = len(runner.calls)
        time.sleep(0.8)
    assert runner.calls and time.monotonic() - interrupted > 0.7
    assert len(runner.calls) == calls == 1  # the fact in flight finishes, no other starts
    assert runner.busy == set()
