"""DebugPodRunner against the API simulator: the unmodified official client over real HTTP."""

from __future__ import annotations

import json
import re
import signal
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from kubernetes import config as k8s_config

from rhcos_helpers.errors import UsageError
from rhcos_helpers.node_access import DebugPodRunner, sweep
from rhcos_helpers.node_access.debug_manifests import (
    MANAGED_BY_LABEL,
    RUN_ID_LABEL,
    debug_pod_manifest,
    fallback_image,
    make_simple_name,
)
from rhcos_helpers.sources.live import LiveSource
from tests.simulator import Simulator
from tests.simulator.builders import cluster_version, namespace, node, write_capture

TOOL = f"{MANAGED_BY_LABEL}=rhcos-runbooks"
OS_RELEASE = 'NAME="Red Hat Enterprise Linux CoreOS"\nID="rhcos"\nVERSION_ID="4.16"\n'
TOOLS_IMAGE = "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:" + "ab" * 32
LS_ARGV = ["ls", "-l", "/etc/nope"]


# ------------------------------------------------------------------------------ fixtures


def _node(
    name: str, *, role: str = "worker", windows: bool = False, ready: bool = True
) -> dict[str, Any]:
    obj = node(name, role=role)
    if windows:
        obj["metadata"]["labels"]["kubernetes.io/os"] = "windows"
        obj["status"]["nodeInfo"]["operatingSystem"] = "windows"
    if not ready:
        for cond in obj["status"]["conditions"]:
            if cond["type"] == "Ready":
                cond.update(status="Unknown", reason="NodeStatusUnknown",
                            message="Kubelet stopped posting node status.")  # fmt: skip
    return obj


def make_capture(root: Path, *, version: str = "4.16.21", tools_stream: bool = False) -> Path:
    restricted = namespace("restricted-ns")
    restricted["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] = "restricted"
    infra_only = namespace("infra-only")
    infra_only["metadata"]["annotations"]["openshift.io/node-selector"] = (
        "node-role.kubernetes.io/infra="
    )
    objects: list[dict[str, Any]] = [
        _node("master-0", role="master"),
        _node("worker-0"),
        _node("win-0", windows=True),
        _node("worker-nr", ready=False),
        cluster_version(version),
        namespace("default"),
        namespace("openshift"),
        restricted,
        infra_only,
    ]
    if tools_stream:
        objects.append(_image_stream())
    node_files: dict[str, dict[str, str]] = {}
    for name in ("master-0", "worker-0"):
        node_files[name] = {
            "os_release": OS_RELEASE,
            "hostname": f"{name}\n",
            "crictl_ps": json.dumps({"containers": [{"id": name}]}) + "\n",
            "ls_nope": "",
        }
    write_capture(root, objects, node_files=node_files)
    for name in node_files:
        facts = {
            "os_release": _fact("os_release", ["cat", "/etc/os-release"], 0),
            "hostname": _fact("hostname", ["hostname"], 0),
            "crictl_ps": _fact("crictl_ps", ["crictl", "ps", "-a", "-o", "json"], 0),
            "ls_nope": _fact("ls_nope", LS_ARGV, 2),
        }
        (root / "nodes" / name / "facts.json").write_text(json.dumps(facts))
        (root / "nodes" / name / "ls_nope.err").write_text(
            "ls: cannot access '/etc/nope': No such file or directory\n"
        )
    return root


def _fact(name: str, argv: list[str], code: int) -> dict[str, Any]:
    return {"fact": name, "status": "ok" if code == 0 else "failed", "argv": argv,
            "exit_code": code, "format": "text", "origin": "debug-pod", "reason": ""}  # fmt: skip


def _image_stream() -> dict[str, Any]:
    return {
        "apiVersion": "image.openshift.io/v1",
        "kind": "ImageStream",
        "metadata": {"name": "tools", "namespace": "openshift", "uid": "u-tools",
                     "resourceVersion": "100", "creationTimestamp": "2024-11-18T08:12:31Z"},
        "spec": {"lookupPolicy": {"local": False}, "tags": [{"name": "latest", "from": {
            "kind": "DockerImage", "name": TOOLS_IMAGE}}]},
        "status": {"dockerImageRepository": "", "tags": [{"tag": "latest", "items": [{
            "created": "2024-11-18T08:12:31Z", "dockerImageReference": TOOLS_IMAGE,
            "image": "sha256:" + "ab" * 32, "generation": 2}]}]},
    }  # fmt: skip


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[Simulator]:
    with Simulator(make_capture(tmp_path / "capture")) as server:
        yield server


def _config(server: Simulator, tmp_path: Path) -> Any:
    kc = server.write_kubeconfig(tmp_path / f"kc-{id(server)}")
    return k8s_config.new_client_from_config(
        config_file=str(kc), persist_config=False
    ).configuration


def _runner(server: Simulator, tmp_path: Path, **kw: Any) -> DebugPodRunner:
    kw.setdefault("start_timeout", 10.0)
    return DebugPodRunner(_config(server, tmp_path), **kw)


def _leftovers(server: Simulator) -> list[str]:
    pods = server.workloads.objects("pods", label_selector=TOOL)
    spaces = server.workloads.objects("namespaces", label_selector=TOOL)
    return [f"pod/{p['metadata']['name']}" for p in pods] + [
        f"namespace/{n['metadata']['name']}" for n in spaces
    ]


def _pod_creations(server: Simulator) -> int:
    return len([r for r in server.requests_to("/api/v1/namespaces/*/pods") if r.method == "POST"])


# --------------------------------------------------------------------------- pod and namespace


def test_pod_spec_namespace_and_output(sim: Simulator, tmp_path: Path) -> None:
    kc = sim.write_kubeconfig(tmp_path / "kc")
    with LiveSource.from_kubeconfig(
        context=None, spec="kube", config_file=str(kc), node_access="debug-pod"
    ) as src:
        out = src.node_output("master-0", "os_release")
        pods = sim.workloads.objects("pods", label_selector=TOOL)
        spaces = sim.workloads.objects("namespaces", label_selector=TOOL)
        runner = src.node_runner
        assert isinstance(runner, DebugPodRunner)
        run_id = runner.run_id
    assert out.ok and out.fact == "os_release" and out.stdout == OS_RELEASE
    assert out.exit_code == 0 and out.argv == ("cat", "/etc/os-release")
    assert re.fullmatch(
        r"debug-pod:openshift-debug-[a-z0-9]{5}/master-0-debug-[a-z0-9]{5}", out.origin
    )

    (pod,) = pods
    meta, spec = pod["metadata"], pod["spec"]
    (container,) = spec["containers"]
    assert re.fullmatch(r"master-0-debug-[bcdfghjklmnpqrstvwxz2456789]{5}", meta["name"])
    assert meta["labels"] == {MANAGED_BY_LABEL: "rhcos-runbooks", RUN_ID_LABEL: run_id}
    assert "debug.openshift.io/managed-by" not in meta["labels"]
    assert meta["annotations"]["openshift.io/required-scc"] == "privileged"
    assert (
        meta["annotations"]["debug.openshift.io/source-resource"] == "/v1, Resource=nodes/master-0"
    )
    assert meta["annotations"]["debug.openshift.io/source-container"] == "container-00"
    assert datetime.fromisoformat(
        meta["annotations"]["rhcos-runbooks/created-at"].replace("Z", "+00:00")
    )
    assert spec["nodeName"] == "master-0"
    assert spec["hostNetwork"] and spec["hostPID"] and spec["hostIPC"]
    assert spec["restartPolicy"] == "Never"
    assert spec["priorityClassName"] == "openshift-user-critical"
    assert spec["volumes"] == [{"name": "host", "hostPath": {"path": "/", "type": "Directory"}}]
    assert spec["activeDeadlineSeconds"] == 3630
    assert container["name"] == "container-00"
    assert container["command"] == ["sleep", "3600"]
    assert container["securityContext"] == {"privileged": True, "runAsUser": 0}
    assert container["volumeMounts"] == [{"name": "host", "mountPath": "/host"}]
    assert container["env"] == [
        {"name": "TMOUT", "value": "900"},
        {"name": "HOST", "value": "/host"},
    ]
    assert container["image"] == "registry.redhat.io/rhel9/support-tools"  # no tools stream

    (ns,) = spaces
    assert ns["metadata"]["name"].startswith("openshift-debug-")
    assert ns["metadata"]["name"] == meta["namespace"]
    labels = ns["metadata"]["labels"]
    for mode in ("enforce", "audit", "warn"):
        assert labels[f"pod-security.kubernetes.io/{mode}"] == "privileged"
    assert labels["security.openshift.io/scc.podSecurityLabelSync"] == "false"
    assert labels[RUN_ID_LABEL] == run_id and labels[MANAGED_BY_LABEL] == "rhcos-runbooks"
    assert ns["metadata"]["annotations"]["openshift.io/node-selector"] == ""
    assert _leftovers(sim) == []  # closed with the source
    deletes = [r for r in sim.requests if r.method == "DELETE"]
    assert [r.param("gracePeriodSeconds") for r in deletes] == [["0"], ["0"]]


@pytest.mark.parametrize(
    ("version", "ipc", "priority", "env", "required_scc"),
    [
        ("4.11.5", False, False, ["TMOUT"], False),
        ("4.14.9", True, True, ["TMOUT"], False),
        ("4.15.2", True, True, ["TMOUT"], True),
        ("4.16.21", True, True, ["TMOUT", "HOST"], True),
        (None, True, False, ["TMOUT", "HOST"], True),
    ],
)
def test_pod_follows_the_clusters_oc_debug(
    version: str | None, ipc: bool, priority: bool, env: list[str], required_scc: bool
) -> None:
    pod = debug_pod_manifest(node="n.example.com", name="p", namespace="ns", image="i",
                             cluster_version=version, run_id="r", lifetime=120,
                             created_at="2026-01-01T00:00:00Z")  # fmt: skip
    spec = pod["spec"]
    assert spec.get("hostIPC", False) is ipc
    assert ("priorityClassName" in spec) is priority
    assert [e["name"] for e in spec["containers"][0]["env"]] == env
    assert ("openshift.io/required-scc" in pod["metadata"]["annotations"]) is required_scc
    assert spec["containers"][0]["command"] == ["sleep", "120"]
    assert spec["activeDeadlineSeconds"] == 150


def test_names_and_fallback_images() -> None:
    assert make_simple_name("ip-10-0-18-226.ec2.internal") == "ip-10-0-18-226ec2internal"
    assert make_simple_name("-Node_A-") == "nodea"
    assert fallback_image("4.5.1") == "registry.redhat.io/rhel7/support-tools"
    assert (
        fallback_image("4.6.0")
        == fallback_image("4.15.40")
        == "registry.redhat.io/rhel8/support-tools"
    )
    assert (
        fallback_image("4.16.0") == fallback_image(None) == "registry.redhat.io/rhel9/support-tools"
    )


def test_image_from_the_tools_image_stream(tmp_path: Path) -> None:
    with Simulator(make_capture(tmp_path / "c", tools_stream=True)) as server:
        with _runner(server, tmp_path) as runner:
            assert runner.run("worker-0", ("hostname",), timeout=10).ok
            (pod,) = server.workloads.objects("pods", label_selector=TOOL)
            assert runner.image_origin == "imagestreamtag openshift/tools:latest"
        assert pod["spec"]["containers"][0]["image"] == TOOLS_IMAGE
        assert server.requests_to(
            "/apis/image.openshift.io/v1/namespaces/openshift/imagestreams/tools"
        )


def test_image_parameter_wins_and_414_fallback_is_rhel8(tmp_path: Path) -> None:
    with Simulator(make_capture(tmp_path / "c", version="4.14.9", tools_stream=True)) as server:
        with _runner(server, tmp_path, image="mirror.local/support-tools:1") as runner:
            assert runner.run("worker-0", ("hostname",), timeout=10).ok
            (pod,) = server.workloads.objects("pods", label_selector=TOOL)
        assert pod["spec"]["containers"][0]["image"] == "mirror.local/support-tools:1"
        assert not server.requests_to("/apis/image.openshift.io/*")
    with Simulator(make_capture(tmp_path / "d", version="4.14.9")) as server:
        with _runner(server, tmp_path) as runner:
            assert runner.run("worker-0", ("hostname",), timeout=10).ok
            (pod,) = server.workloads.objects("pods", label_selector=TOOL)
            assert runner.image_origin.startswith("fallback")
        assert pod["spec"]["containers"][0]["image"] == "registry.redhat.io/rhel8/support-tools"
        assert "openshift.io/required-scc" not in pod["metadata"]["annotations"]


# ------------------------------------------------------------------------------------ exec


def test_one_pod_per_node_across_facts(sim: Simulator, tmp_path: Path) -> None:
    kc = sim.write_kubeconfig(tmp_path / "kc")
    with LiveSource.from_kubeconfig(
        context=None, spec="kube", config_file=str(kc), node_access="debug-pod"
    ) as src:
        outs = [
            src.node_output(n, f)
            for n in ("master-0", "worker-0")
            for f in ("os_release", "hostname", "crictl_ps")
        ]
    assert all(o.ok for o in outs), [o.reason for o in outs]
    assert _pod_creations(sim) == 2
    assert len({o.origin for o in outs if o.node == "master-0"}) == 1
    assert len({o.origin for o in outs}) == 2
    assert len(sim.requests_to("/api/v1/namespaces/*/pods/*/exec")) == 6
    assert (
        len([r for r in sim.requests if r.path == "/api/v1/namespaces" and r.method == "POST"]) == 1
    )
    crictl = next(o for o in outs if o.node == "worker-0" and o.fact == "crictl_ps")
    assert (
        json.loads(crictl.stdout) == {"containers": [{"id": "worker-0"}]}
        and crictl.format == "json"
    )
    assert _leftovers(sim) == []


def test_stdout_stderr_and_exit_code_apart(sim: Simulator, tmp_path: Path) -> None:
    with _runner(sim, tmp_path) as runner:
        failed = runner.run("worker-0", tuple(LS_ARGV), timeout=10)
        unknown = runner.run("worker-0", ("no-such-tool", "--flag"), timeout=10)
    assert failed.status == "failed" and failed.exit_code == 2 and failed.stdout == ""
    assert failed.stderr == "ls: cannot access '/etc/nope': No such file or directory\n"
    assert failed.reason.startswith("`ls -l /etc/nope` exited with 2 on node worker-0: ls: cannot")
    assert unknown.exit_code == 127 and unknown.stdout == ""
    assert (
        unknown.stderr
        == "chroot: failed to run command 'no-such-tool': No such file or directory\n"
    )


def test_shell_metacharacters_stay_one_argv_element(sim: Simulator, tmp_path: Path) -> None:
    nasty = "x; rm -rf / && $(reboot) | `id` > /etc/passwd"
    with _runner(sim, tmp_path) as runner:
        out = runner.run("worker-0", ("echo", nasty), timeout=10)
    (rec,) = sim.requests_to("/api/v1/namespaces/*/pods/*/exec")
    assert rec.param("command") == ["chroot", "/host", "echo", nasty]
    assert "sh" not in rec.param("command") and "-c" not in rec.param("command")
    assert rec.param("container") == ["container-00"]
    assert rec.param("stdout") == ["true"] and rec.param("stderr") == ["true"]
    assert out.argv == ("echo", nasty)


def test_exec_over_v4_only(sim: Simulator, tmp_path: Path) -> None:
    sim.workloads.script.exec_protocols = ("v4.channel.k8s.io",)
    with _runner(sim, tmp_path) as runner:
        out = runner.run("worker-0", ("cat", "/etc/os-release"), timeout=10)
        bad = runner.run("worker-0", tuple(LS_ARGV), timeout=10)
    assert out.ok and out.stdout == OS_RELEASE
    assert bad.exit_code == 2


def test_waits_for_the_default_service_account(sim: Simulator, tmp_path: Path) -> None:
    sim.workloads.script.sa_delay = 0.8
    with _runner(sim, tmp_path) as runner:
        assert runner.run("worker-0", ("hostname",), timeout=10).ok
    assert _pod_creations(sim) >= 2  # refused while the service account did not exist


# ------------------------------------------------------------------------------ failures


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        ("ImagePullBackOff", r"cannot pull image registry\.redhat\.io/rhel9/support-tools \(ImagePullBackOff: Back-off pulling image .*\); mirror the image .* pass image="),
        ("NodeAffinity", r"was rejected: NodeAffinity \(Pod was rejected: Predicate NodeAffinity failed\); a project node selector excludes the node: set annotation openshift\.io/node-selector=\"\" on namespace"),
        ("OutOfpods", r"was rejected: OutOfpods \(Pod was rejected: Node didn't have enough resource: pods, .*\); the node has no room"),
    ],
)  # fmt: skip
def test_start_failures_are_diagnosed(
    sim: Simulator, tmp_path: Path, outcome: str, expected: str
) -> None:
    sim.workloads.script.node_outcomes["worker-0"] = outcome
    with _runner(sim, tmp_path) as runner:
        first = runner.run("worker-0", ("hostname",), timeout=10)
        again = runner.run("worker-0", ("cat", "/etc/os-release"), timeout=10)
        other = runner.run("master-0", ("hostname",), timeout=10)
        assert [
            p["spec"]["nodeName"] for p in sim.workloads.objects("pods", label_selector=TOOL)
        ] == ["master-0"]
    assert first.status == "failed" and re.search(expected, first.reason), first.reason
    assert "\n" not in first.reason
    assert again.reason == first.reason  # the node is not retried within the run
    assert other.ok
    assert _pod_creations(sim) == 2
    assert _leftovers(sim) == []


def test_project_node_selector_gives_node_affinity(sim: Simulator, tmp_path: Path) -> None:
    with _runner(sim, tmp_path, namespace="infra-only") as runner:
        out = runner.run("worker-0", ("hostname",), timeout=10)
    assert "NodeAffinity" in out.reason and "namespace infra-only" in out.reason
    assert sim.workloads.objects("namespaces", label_selector=TOOL) == []  # none created
    assert sim.workloads.objects("pods", label_selector=TOOL) == []


def test_pod_security_rejection_is_quoted(sim: Simulator, tmp_path: Path) -> None:
    with _runner(sim, tmp_path, namespace="restricted-ns") as runner:
        out = runner.run("worker-0", ("hostname",), timeout=10)
        again = runner.run("master-0", ("hostname",), timeout=10)
    assert out.reason.startswith(
        "Pod Security admission refused debug pod restricted-ns/worker-0-debug-"
    )
    assert (
        'violates PodSecurity "restricted:latest": host namespaces (hostNetwork=true, hostPID=true, hostIPC=true), privileged (container "container-00" must not set securityContext.privileged=true)'
        in out.reason
    )
    assert "pod-security.kubernetes.io/enforce=privileged" in out.reason
    assert again.reason == out.reason and _pod_creations(sim) == 1  # the whole run stops


def test_scc_rejection_names_the_missing_use(sim: Simulator, tmp_path: Path) -> None:
    sim.workloads.script.scc_denied = True
    with _runner(sim, tmp_path) as runner:
        out = runner.run("worker-0", ("hostname",), timeout=10)
    assert "SCC admission refused debug pod" in out.reason
    assert (
        'unable to validate against any security context constraint: [provider "privileged": Forbidden: not usable by user or serviceaccount]'
        in out.reason
    )
    assert "lacks `use` of SCC privileged" in out.reason
    assert _leftovers(sim) == []


def test_start_timeout_is_diagnosed(sim: Simulator, tmp_path: Path) -> None:
    sim.workloads.script.node_outcomes["worker-0"] = "Pending"
    with _runner(sim, tmp_path, start_timeout=0.6) as runner:
        out = runner.run("worker-0", ("hostname",), timeout=10)
        assert sim.workloads.objects("pods", label_selector=TOOL) == []  # removed at once
    assert re.search(
        r"on node worker-0 not running after 0\.6 s \(last state: ContainerCreating: \); check `oc describe pod",
        out.reason,
    )
    assert _leftovers(sim) == []


def test_windows_and_notready_nodes_are_skipped(sim: Simulator, tmp_path: Path) -> None:
    with _runner(sim, tmp_path) as runner:
        win = runner.run("win-0", ("hostname",), timeout=10)
        down = runner.run("worker-nr", ("hostname",), timeout=10)
        gone = runner.run("no-such-node", ("hostname",), timeout=10)
    assert win.status == "failed" and "Windows node" in win.reason
    assert down.status == "failed" and "NotReady (Ready=Unknown: NodeStatusUnknown" in down.reason
    assert "not found (404)" in gone.reason
    assert _pod_creations(sim) == 0


def test_unknown_node_access_is_refused(sim: Simulator, tmp_path: Path) -> None:
    kc = sim.write_kubeconfig(tmp_path / "kc")
    with pytest.raises(
        UsageError, match="unknown node_access 'pods'; use one of: none, debug-pod, ssh"
    ):
        LiveSource.from_kubeconfig(
            context=None, spec="kube", config_file=str(kc), node_access="pods"
        )  # type: ignore[arg-type]
    with pytest.raises(UsageError, match=r"node_access_options for 'debug-pod': .*colour"):
        LiveSource.from_kubeconfig(context=None, spec="kube", config_file=str(kc),
                                   node_access="debug-pod", node_access_options={"colour": 1})  # fmt: skip


# ---------------------------------------------------------------------------------- leaks


def test_no_leak_after_an_exception_mid_run(sim: Simulator, tmp_path: Path) -> None:
    kc = sim.write_kubeconfig(tmp_path / "kc")
    with pytest.raises(RuntimeError, match="parser bug"):
        with LiveSource.from_kubeconfig(
            context=None, spec="kube", config_file=str(kc), node_access="debug-pod"
        ) as src:
            assert src.node_output("worker-0", "os_release").ok
            assert src.node_output("master-0", "os_release").ok
            assert len(_leftovers(sim)) == 3
            raise RuntimeError("parser bug")
    assert _leftovers(sim) == []


def test_no_leak_after_a_command_timeout(sim: Simulator, tmp_path: Path) -> None:
    sim.workloads.script.exec_delays["sleep *"] = 5.0
    with _runner(sim, tmp_path) as runner:
        out = runner.run("worker-0", ("sleep", "30"), timeout=0.5)
        after = runner.run("worker-0", ("hostname",), timeout=10)
    assert out.status == "failed" and out.exit_code is None
    assert out.reason.startswith("`sleep 30` did not finish within 0.5 s on node worker-0")
    assert after.ok  # the pod still serves the next command
    assert _leftovers(sim) == []


def test_no_leak_after_keyboard_interrupt_inside_a_command(sim: Simulator, tmp_path: Path) -> None:
    """A kernel interrupt (SIGINT) while a command runs removes the run's pods at once."""
    sim.workloads.script.exec_delays["sleep *"] = 10.0
    runner = _runner(sim, tmp_path)
    assert runner.run("master-0", ("hostname",), timeout=10).ok
    timer = threading.Timer(
        0.5, signal.pthread_kill, (threading.main_thread().ident, signal.SIGINT)
    )
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            runner.run("worker-0", ("sleep", "30"), timeout=20)
    finally:
        timer.cancel()
    assert _leftovers(sim) == []  # before close(): the interrupt cleaned up
    assert runner.run("worker-0", ("hostname",), timeout=10).ok  # still usable, new pod
    runner.close()
    assert _leftovers(sim) == []


def test_no_leak_at_interpreter_exit(sim: Simulator, tmp_path: Path) -> None:
    runner = _runner(sim, tmp_path)
    assert runner.run("worker-0", ("hostname",), timeout=10).ok
    runner._at_exit()  # what atexit calls
    assert _leftovers(sim) == []
    runner.close()


# ----------------------------------------------------------------------------------- sweep


def _leftover_pod(
    name: str, ns: str, *, run: str | None, age: timedelta, oc: bool = False
) -> dict[str, Any]:
    created = (datetime.now(UTC) - age).strftime("%Y-%m-%dT%H:%M:%SZ")
    labels = (
        {"debug.openshift.io/managed-by": "oc-debug"}
        if oc
        else {MANAGED_BY_LABEL: "rhcos-runbooks"}
    )
    if run:
        labels[RUN_ID_LABEL] = run
    pod = debug_pod_manifest(node="worker-0", name=name, namespace=ns, image="i", cluster_version="4.16.1",
                             run_id=run or "x", lifetime=60, created_at=created)  # fmt: skip
    pod["metadata"].update(labels=labels, uid=f"uid-{name}", creationTimestamp=created)
    pod["status"] = {"phase": "Running"}
    return pod


def _leftover_ns(name: str, *, run: str, age: timedelta) -> dict[str, Any]:
    obj = namespace(name)
    obj["metadata"]["labels"].update({MANAGED_BY_LABEL: "rhcos-runbooks", RUN_ID_LABEL: run})
    obj["metadata"]["creationTimestamp"] = (datetime.now(UTC) - age).strftime("%Y-%m-%dT%H:%M:%SZ")
    return obj


def test_sweep_removes_only_dead_runs(sim: Simulator, tmp_path: Path) -> None:
    old, fresh = timedelta(hours=5), timedelta(minutes=2)
    sim.workloads.inject(_leftover_ns("openshift-debug-dead1", run="dead-run", age=old))
    sim.workloads.inject(
        _leftover_pod("worker-0-debug-dead1", "openshift-debug-dead1", run="dead-run", age=old)
    )
    sim.workloads.inject(
        _leftover_pod("worker-0-debug-oc123", "default", run=None, age=old, oc=True)
    )
    sim.workloads.inject(
        _leftover_pod("worker-0-debug-young", "default", run="other-live-run", age=fresh)
    )
    sim.workloads.inject(_leftover_pod("worker-0-debug-norun", "default", run=None, age=old))
    runner = _runner(sim, tmp_path)
    assert runner.run("master-0", ("hostname",), timeout=10).ok  # this process's live run
    api = k8s_config.new_client_from_config(
        config_file=str(sim.write_kubeconfig(tmp_path / "kc-sweep")), persist_config=False
    )
    expected = ["namespace/openshift-debug-dead1", "pod/openshift-debug-dead1/worker-0-debug-dead1"]
    assert sweep(api, older_than=timedelta(hours=1)) == expected  # dry run: nothing removed
    assert len(sim.workloads.objects("pods")) == 5
    # older_than=0 would take everything older than now: the live run is still kept
    assert sweep(api, older_than=timedelta(0), dry_run=False) == sorted(
        [*expected, "pod/default/worker-0-debug-young"]
    )
    names = sorted(p["metadata"]["name"] for p in sim.workloads.objects("pods"))
    assert names[1:] == ["worker-0-debug-norun", "worker-0-debug-oc123"]  # not this tool's runs
    assert names[0].startswith("master-0-debug-")  # the live run's pod
    assert [
        n["metadata"]["name"] for n in sim.workloads.objects("namespaces", label_selector=TOOL)
    ] == [runner.namespace]
    runner.close()
    api.close()
    assert _leftovers(sim) == ["pod/worker-0-debug-norun"]  # no run id: never swept


# ------------------------------------------------------------------------------- simulator


def _raw(
    sim: Simulator, method: str, path: str, body: dict[str, Any] | None = None
) -> tuple[int, Any]:
    req = urllib.request.Request(
        sim.url + path, method=method, data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {sim.token}", "Content-Type": "application/json"},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 - loopback only
            text = resp.read().decode()
            status = resp.status
    except urllib.error.HTTPError as err:
        text, status = err.read().decode(), err.code
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    return status, lines[0] if len(lines) == 1 else lines


def test_simulator_dry_run_conflict_invalid_and_watch_gone(sim: Simulator) -> None:
    pod = _leftover_pod("p-1", "default", run="r", age=timedelta(0))
    del pod["metadata"]["uid"], pod["metadata"]["creationTimestamp"], pod["status"]
    status, body = _raw(sim, "POST", "/api/v1/namespaces/default/pods?dryRun=All", pod)
    assert status == 201 and body["metadata"]["name"] == "p-1"
    assert sim.workloads.objects("pods") == []
    assert _raw(sim, "POST", "/api/v1/namespaces/default/pods", pod)[0] == 201
    status, body = _raw(sim, "POST", "/api/v1/namespaces/default/pods", pod)
    assert (status, body["reason"], body["message"]) == (
        409,
        "AlreadyExists",
        'pods "p-1" already exists',
    )
    empty = {"metadata": {"name": "p-2"}, "spec": {"containers": []}}
    status, body = _raw(sim, "POST", "/api/v1/namespaces/default/pods", empty)
    assert (status, body["reason"], body["message"]) == (
        422,
        "Invalid",
        'Pod "p-2" is invalid: spec.containers: Required value',
    )
    status, events = _raw(
        sim,
        "GET",
        "/api/v1/namespaces/default/pods?watch=true&timeoutSeconds=1&fieldSelector=metadata.name%3Dp-1",
    )
    kinds = [e["type"] for e in (events if isinstance(events, list) else [events])]
    assert status == 200 and kinds[0] == "ADDED" and "MODIFIED" in kinds  # Pending, then Running
    sim.workloads.compact()
    status, event = _raw(
        sim, "GET", "/api/v1/namespaces/default/pods?watch=true&resourceVersion=1001"
    )
    assert status == 200 and event["type"] == "ERROR" and event["object"]["code"] == 410
    assert event["object"]["reason"] == "Expired" and event["object"]["message"].startswith(
        "too old resource version: 1001 ("
    )
    status, _ = _raw(sim, "DELETE", "/api/v1/namespaces/default/pods/p-1?gracePeriodSeconds=0")
    assert status == 200 and sim.workloads.objects("pods") == []


def test_demo_capture_answers_through_exec(demo_simulator: Simulator, tmp_path: Path) -> None:
    demo = demo_simulator.capture_dir
    facts = json.loads((demo / "nodes" / "master-0" / "facts.json").read_text())
    if "os_release" not in facts or "crictl_ps" not in facts:
        pytest.skip("the 4.16 demo has no os_release/crictl_ps facts yet")
    kc = demo_simulator.write_kubeconfig(tmp_path / "kc-demo")
    with LiveSource.from_kubeconfig(
        context=None, spec="kube", config_file=str(kc), node_access="debug-pod"
    ) as src:
        os_release = src.node_output("master-0", "os_release")
        crictl = src.node_output("master-0", "crictl_ps")
    assert (
        os_release.ok and os_release.stdout == (demo / "nodes/master-0/os_release.out").read_text()
    )
    assert crictl.ok and json.loads(crictl.stdout) == json.loads(
        (demo / "nodes/master-0/crictl_ps.out").read_text()
    )
    assert _leftovers(demo_simulator) == []


def _interrupt_the_handshake(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C while the exec websocket connects (kubernetes.stream wraps it in ApiException)."""
    from kubernetes.stream import ws_client

    def interrupted(self: Any, *args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(ws_client.WSClient, "__init__", interrupted)


def test_keyboard_interrupt_during_the_exec_handshake_stays_an_interrupt(
    sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = _runner(sim, tmp_path)
    assert runner.run("master-0", ("hostname",), timeout=10).ok
    _interrupt_the_handshake(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        runner.run("master-0", ("hostname",), timeout=10)
    assert _leftovers(sim) == []
    monkeypatch.undo()
    runner.close()
