"""LiveSource against the API simulator: the unmodified official client over real HTTP(S)."""

# The simulator's fixtures are imported below; their names then come back as test arguments.

from __future__ import annotations

import json
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from kubernetes import client as k8s_client
from kubernetes import config as k8s_config

from rhcos_helpers.errors import ClusterAccessError, NotApplicable, SourceError
from rhcos_helpers.sources.base import NodeOutput
from rhcos_helpers.sources.live import LiveSource
from rhcos_helpers.sources.live_nodes import NODE_ACCESS_REASON, NodeRunner
from tests.simulator import Simulator
from tests.simulator.builders import namespace, node, pod, write_capture


def _open(path: Path, **kw: object) -> LiveSource:
    return LiveSource.from_kubeconfig(
        context=None,
        spec="kube",
        config_file=str(path),
        **kw,  # type: ignore[arg-type]
    )


# --------------------------------------------------------------------------- construction


def test_construction_sends_nothing(simulator: Simulator, kubeconfig: Path) -> None:
    with _open(kubeconfig) as src:
        assert simulator.requests == []
        assert src.identity.context == "simulator"
    assert simulator.requests_to("/apis/config.openshift.io/v1/clusterversions/version")


def test_unknown_context_lists_contexts(simulator: Simulator, tmp_path: Path) -> None:
    cfg = simulator.write_kubeconfig(tmp_path / "kc", extra_contexts=("admin", "dev"))
    with pytest.raises(SourceError) as err:
        LiveSource.from_kubeconfig(context="prod", spec="kube:prod", config_file=str(cfg))
    assert str(err.value) == (f"kube context 'prod' not in {cfg}; contexts: simulator, admin, dev")
    assert simulator.requests == []


def test_missing_kubeconfig_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "nope"))
    with pytest.raises(
        SourceError, match=r"no kubeconfig at .*nope \(from KUBECONFIG\); run `oc login`"
    ):
        LiveSource.from_kubeconfig(context=None, spec="kube")


def test_kubeconfig_env_list_is_merged(
    simulator: Simulator, kubeconfig: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBECONFIG", f"{tmp_path / 'missing'}:{kubeconfig}")
    with LiveSource.from_kubeconfig(context="simulator", spec="kube:simulator") as src:
        assert len(src.list("nodes")) == 2


# --------------------------------------------------------------------------- list and get


def test_lists_over_https_with_ca_from_kubeconfig(
    tls_simulator: Simulator, tls_kubeconfig: Path
) -> None:
    with _open(tls_kubeconfig) as src:
        assert src.api_url.startswith("https://127.0.0.1:")
        nodes = src.list("nodes")
        assert [n["metadata"]["name"] for n in nodes] == ["master-0", "worker-0"]
        assert {(n["apiVersion"], n["kind"]) for n in nodes} == {("v1", "Node")}
        pods = src.list("pods")
        assert len(pods) == 4 and all(p["kind"] == "Pod" for p in pods)
        mcd = src.list("pods", namespace="openshift-machine-config-operator")
        assert len(mcd) == 3
        sccs = src.list("securitycontextconstraints")
        assert {s["metadata"]["name"] for s in sccs} == {"privileged", "restricted-v2"}
        assert sccs[0]["apiVersion"] == "security.openshift.io/v1"
        assert sccs[0]["kind"] == "SecurityContextConstraints"
        mcps = src.list("machineconfigpools")
        assert {m["status"]["machineCount"] for m in mcps} == {1}
    auth = {r.authorization for r in tls_simulator.requests}
    assert auth == {f"Bearer {tls_simulator.token}"}


def test_typed_client_accepts_simulator_answers(
    tls_simulator: Simulator, tls_kubeconfig: Path
) -> None:
    """The simulator's objects pass the client's pydantic models (schema-complete)."""
    api = k8s_config.new_client_from_config(  # type: ignore[no-untyped-call]
        config_file=str(tls_kubeconfig), persist_config=False
    )
    with api:
        assert k8s_client.VersionApi(api).get_code().git_version == "v1.29.9+5865c5b"
        nodes = k8s_client.CoreV1Api(api).list_node()
        status = nodes.items[0].status
        assert status is not None and status.node_info is not None
        assert status.node_info.os_image.startswith("Red Hat Enterprise Linux CoreOS")
        pods = k8s_client.CoreV1Api(api).list_pod_for_all_namespaces()
        assert len(pods.items) == 4


def test_paging_over_more_than_limit(tmp_path: Path) -> None:
    ns = "openshift-big"
    pods = [pod(f"p-{i:04d}", ns, node_name="worker-0") for i in range(1200)]
    capture = write_capture(
        tmp_path / "big", [node("worker-0"), namespace(ns), *pods], as_json=True
    )
    with Simulator(capture) as sim:
        with _open(sim.write_kubeconfig(tmp_path / "kc")) as src:
            got = src.list("pods", namespace=ns)
    assert len(got) == 1200
    assert len({p["metadata"]["name"] for p in got}) == 1200
    calls = sim.requests_to(f"/api/v1/namespaces/{ns}/pods")
    assert [c.param("limit") for c in calls] == [["500"]] * 3
    assert calls[0].param("continue") == [] and all(c.param("continue") for c in calls[1:])


def test_label_selector_goes_to_the_server(simulator: Simulator, kubeconfig: Path) -> None:
    with _open(kubeconfig) as src:
        daemons = src.list("pods", label_selector="k8s-app=machine-config-daemon")
        workers = src.list("nodes", label_selector="node-role.kubernetes.io/worker")
    assert sorted(p["spec"]["nodeName"] for p in daemons) == ["master-0", "worker-0"]
    assert [n["metadata"]["name"] for n in workers] == ["worker-0"]
    assert simulator.requests_to("/api/v1/pods")[0].param("labelSelector") == [
        "k8s-app=machine-config-daemon"
    ]


def test_get_found_and_404(kubeconfig: Path) -> None:
    with _open(kubeconfig) as src:
        pool = src.get("machineconfigpools", "worker")
        assert pool is not None and pool["kind"] == "MachineConfigPool"
        assert src.get("nodes", "no-such-node") is None
        assert src.get("pods", "nope", namespace="default") is None


def test_unserved_openshift_kind_is_not_applicable(kubeconfig: Path) -> None:
    with _open(kubeconfig) as src, pytest.raises(NotApplicable) as err:
        src.list("machineconfigs")
    assert "machineconfigs.machineconfiguration.openshift.io" in str(err.value)
    assert "hosted-control-plane" in str(err.value)


def test_identity_from_clusterversion(simulator: Simulator, kubeconfig: Path) -> None:
    with _open(kubeconfig) as src:
        ident = src.identity
        assert src.identity is ident  # cached
    assert ident.kind == "live" and ident.spec == "kube"
    assert ident.cluster_version == "4.16.21"
    assert ident.cluster_id == "2f8a6c1e-4b7d-4f53-9c1a-6d0e8b3a7f21"
    assert ident.api_url == simulator.url and ident.captured_at is None
    assert len(simulator.requests) == 1


# --------------------------------------------------------------------------- errors


def test_wrong_token_is_401_with_oc_login_hint(simulator: Simulator, tmp_path: Path) -> None:
    cfg = simulator.write_kubeconfig(tmp_path / "kc", token="sha256~expired")
    with _open(cfg) as src, pytest.raises(ClusterAccessError) as err:
        src.list("nodes")
    assert err.value.status == 401
    assert str(err.value) == (
        f"{simulator.url}: 401 Unauthorized: token expired or invalid; run `oc login` again"
    )


def test_forbidden_names_verb_resource_and_rbac(simulator: Simulator, kubeconfig: Path) -> None:
    simulator.faults.forbidden.add("securitycontextconstraints")
    with _open(kubeconfig) as src, pytest.raises(ClusterAccessError) as err:
        src.list("securitycontextconstraints")
    text = str(err.value)
    assert err.value.status == 403 and "\n" not in text
    assert text.startswith(
        "forbidden to list securitycontextconstraints.security.openshift.io (403: "
    )
    assert 'User "kube:admin" cannot list resource "securitycontextconstraints"' in text
    assert text.endswith(
        "ask for RBAC `get/list securitycontextconstraints` or use a cluster-admin context"
    )


def test_unreachable_port_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    cfg = tmp_path / "kc"
    sim_cfg = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "c", "cluster": {"server": f"http://127.0.0.1:{port}"}}],
        "users": [{"name": "u", "user": {"token": "t"}}],
        "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
        "current-context": "x",
    }
    cfg.write_text(json.dumps(sim_cfg))
    with _open(cfg) as src, pytest.raises(ClusterAccessError) as err:
        src.list("nodes")
    assert str(err.value) == (
        f"cannot reach http://127.0.0.1:{port}: connection refused; check the URL, "
        "VPN/proxy (HTTPS_PROXY) or `oc login`"
    )


def test_429_and_500_are_retried(simulator: Simulator, kubeconfig: Path) -> None:
    simulator.faults.retry_after = 0
    simulator.faults.fail_once += [("/api/v1/nodes", 429), ("/api/v1/nodes", 500)]
    with _open(kubeconfig) as src:
        assert len(src.list("nodes")) == 2
    assert len(simulator.requests_to("/api/v1/nodes")) == 3


def test_persistent_500_gives_up(simulator: Simulator, kubeconfig: Path) -> None:
    simulator.faults.fail_once += [("/api/v1/nodes", 503)] * 3
    with _open(kubeconfig, retries=2) as src, pytest.raises(ClusterAccessError) as err:
        src.list("nodes")
    assert err.value.status == 503 and "try again later" in str(err.value)


def test_dropped_connection_is_retried(simulator: Simulator, kubeconfig: Path) -> None:
    simulator.faults.drop_once.append("/api/v1/nodes")
    with _open(kubeconfig) as src:
        assert len(src.list("nodes")) == 2
    assert len(simulator.requests_to("/api/v1/nodes")) == 2


def test_latency_beyond_read_timeout(simulator: Simulator, kubeconfig: Path) -> None:
    simulator.faults.latency["/api/v1/nodes"] = 1.0
    with _open(kubeconfig, read_timeout=0.2) as src, pytest.raises(ClusterAccessError) as err:
        src.list("nodes")
    assert "cannot reach" in str(err.value) and "timed out" in str(err.value)


# --------------------------------------------------------------------------- proxies


class _CountingProxy:
    """A forward HTTP proxy on loopback (absolute-URI GETs, no CONNECT) that counts requests."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                outer.seen.append(self.path)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                req = urllib.request.Request(self.path, headers=headers)
                opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
                try:
                    with opener.open(req, timeout=10) as resp:
                        status, body, ctype = resp.status, resp.read(), resp.headers["Content-Type"]
                except urllib.error.HTTPError as err:
                    status, body, ctype = err.code, err.read(), err.headers["Content-Type"]
                self.send_response(status)
                self.send_header("Content-Type", ctype or "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> _CountingProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def proxy() -> Iterator[_CountingProxy]:
    with _CountingProxy() as p:
        yield p


@pytest.fixture
def no_env_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def test_kubeconfig_proxy_url_is_used(
    simulator: Simulator, proxy: _CountingProxy, tmp_path: Path, no_env_proxy: None
) -> None:
    cfg = simulator.write_kubeconfig(tmp_path / "kc", proxy_url=proxy.url)
    with _open(cfg) as src:
        assert len(src.list("nodes")) == 2
    assert proxy.seen == [f"{simulator.url}/api/v1/nodes?limit=500"]
    assert len(simulator.requests) == 1


def test_env_proxy_and_no_proxy(
    simulator: Simulator,
    kubeconfig: Path,
    proxy: _CountingProxy,
    monkeypatch: pytest.MonkeyPatch,
    no_env_proxy: None,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)  # the simulator is an http:// target
    with _open(kubeconfig) as src:
        src.list("nodes")
    assert len(proxy.seen) == 1
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with _open(kubeconfig) as src:
        src.list("nodes")
    assert len(proxy.seen) == 1 and len(simulator.requests) == 2


# --------------------------------------------------------------------------- node facts


def test_stats_summary_from_the_kubelet(simulator: Simulator, kubeconfig: Path) -> None:
    with _open(kubeconfig) as src:
        out = src.node_output("worker-0", "kubelet_stats_summary")
    assert out.ok and out.format == "json"
    assert out.origin == "api:/api/v1/nodes/worker-0/proxy/stats/summary"
    summary = json.loads(out.stdout)
    assert summary["node"]["nodeName"] == "worker-0"
    assert {p["podRef"]["name"] for p in summary["pods"]} >= {"machine-config-daemon-b9lcz"}


@pytest.mark.parametrize("gz", [False, True])
def test_journal_unit_from_node_logs(mini_capture: Path, tmp_path: Path, gz: bool) -> None:
    with Simulator(mini_capture, journal_gzip=gz) as sim:
        with _open(sim.write_kubeconfig(tmp_path / "kc")) as src:
            out = src.node_output("worker-0", "journal_unit", unit="crio", since="-1h")
    assert out.ok and out.format == "text"
    assert out.stdout.splitlines()[0] == (
        "Nov 20 09:20:00.000000 worker-0 crio[2291]: "
        "Started Container Runtime Interface for OCI (CRI-O)."
    )
    (call,) = sim.requests_to("/api/v1/nodes/worker-0/proxy/logs/journal")
    assert call.param("unit") == ["crio"] and call.param("query") == ["crio"]
    assert call.param("since") == ["-1h"]


def test_node_facts_fail_without_raising(simulator: Simulator, kubeconfig: Path) -> None:
    simulator.faults.forbidden.add("nodes/proxy")
    with _open(kubeconfig) as src:
        denied = src.node_output("worker-0", "kubelet_stats_summary")
        simulator.faults.forbidden.clear()
        absent = src.node_output("no-such-node", "kubelet_stats_summary")
        no_unit = src.node_output("worker-0", "journal_unit", unit="chronyd", since="-1h")
    assert denied.status == "failed" and "ask for RBAC `get nodes/proxy`" in denied.reason
    assert absent.status == "failed" and "check that node 'no-such-node' exists" in absent.reason
    assert no_unit.status == "failed" and "404" in no_unit.reason


@pytest.mark.parametrize("fact", ["os_release", "machine_id", "crictl_ps", "rpm_ostree_status"])
def test_command_facts_are_missing_without_a_runner(
    simulator: Simulator, kubeconfig: Path, fact: str
) -> None:
    with _open(kubeconfig) as src:
        out = src.node_output("worker-0", fact)
    assert out.status == "missing" and out.reason == NODE_ACCESS_REASON
    assert simulator.requests == []


def test_a_node_runner_plugs_in(kubeconfig: Path) -> None:
    class Runner:
        def __init__(self) -> None:
            self.calls: list[tuple[str, tuple[str, ...], float]] = []

        def run(self, node: str, argv: tuple[str, ...], *, timeout: float) -> NodeOutput:
            self.calls.append((node, argv, timeout))
            return NodeOutput(node=node, fact="", status="ok", stdout="ID=\"rhcos\"\n",
                              exit_code=0, origin="debug-pod", argv=argv)  # fmt: skip

    runner = Runner()
    assert isinstance(runner, NodeRunner)
    with _open(kubeconfig, node_runner=runner, node_timeout=30.0) as src:
        out = src.node_output("worker-0", "os_release")
        journal = src.node_output("worker-0", "journal_unit", unit="crio", since="-1h")
    assert out.ok and out.fact == "os_release" and out.origin == "debug-pod"
    assert runner.calls[0] == ("worker-0", ("cat", "/etc/os-release"), 30.0)
    assert journal.fact == "journal_unit"
    assert runner.calls[1][1] == (
        "journalctl", "--no-pager", "-o", "json", "--since", "-1h", "-u", "crio",
    )  # fmt: skip
