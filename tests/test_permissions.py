"""Pre-flight permissions against the simulator's scripted identities (real HTTP)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rhcos_helpers.errors import ClusterAccessError, UsageError
from rhcos_helpers.permissions import SECTIONS, Access, preflight
from rhcos_helpers.sources import open_source
from rhcos_helpers.sources.live import LiveSource
from tests.simulator import Simulator
from tests.simulator.authz import Identity, Rule, cluster_admin, cluster_reader, dedicated_admin

SSAR = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
SSRR = "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews"
SSR = "/apis/authentication.k8s.io/v1/selfsubjectreviews"


def _live(sim: Simulator, tmp_path: Path, identity: Identity) -> LiveSource:
    sim.identity = identity  # type: ignore[attr-defined]
    kc = sim.write_kubeconfig(tmp_path / "kc")
    return LiveSource.from_kubeconfig(context=None, spec="kube", config_file=str(kc))


def test_cluster_admin_may_run_everything(simulator: Simulator, tmp_path: Path) -> None:
    with _live(simulator, tmp_path, cluster_admin()) as src:
        pf = preflight(src)
    assert pf.user == "kube:admin"
    assert [c.section for c in pf.checks] == list(SECTIONS)
    assert all(c.allowed for c in pf.checks)
    assert pf.check("node-commands").path == "temporary namespace (as oc debug)"
    assert not pf.api_only
    assert "node-stats uses a privileged-equivalent grant (nodes/proxy)" in pf.notes
    # every distinct access asked once, through SelfSubjectAccessReview POSTs
    assert len(simulator.requests_to(SSAR)) == pf.reviews
    assert all(r.method == "POST" for r in simulator.requests_to(SSAR))
    assert simulator.requests_to(SSRR) == []


def test_cluster_reader_without_exec_falls_back_to_api_only(
    simulator: Simulator, tmp_path: Path
) -> None:
    with _live(simulator, tmp_path, cluster_reader("bob")) as src:
        pf = preflight(src)
    for name in ("cluster", "nodes", "machine-config", "scc"):
        assert pf.allowed(name), name
    stats = pf.check("node-stats")
    assert not stats.allowed and stats.privileged
    assert stats.denied == ("get nodes/proxy (cluster-wide)",)
    assert stats.rules == (
        'ClusterRole rule {apiGroups: [""], resources: ["nodes/proxy"], verbs: ["get"]}',
    )
    assert "add-cluster-role-to-user rhcos-runbooks-node-proxy bob" in stats.grant
    assert "privileged-equivalent" in stats.grant
    cmds = pf.check("node-commands")
    assert not cmds.allowed
    assert "create pods/exec (cluster-wide)" in cmds.denied
    assert "use securitycontextconstraints.security.openshift.io 'privileged' (cluster-wide)" in (
        cmds.denied
    )
    assert cmds.grant.endswith("oc adm policy add-scc-to-user privileged bob")
    assert cmds.effect.startswith("node commands fall back to API-only data")
    assert pf.api_only
    assert pf.notes[0].startswith("node commands are not allowed (no privileged debug pod)")
    frame = pf.to_frame()
    assert list(frame.columns) == [
        "section", "title", "allowed", "path", "privileged", "denied", "grant", "effect",
    ]  # fmt: skip
    assert frame.set_index("section").loc["node-commands", "allowed"] == False  # noqa: E712
    assert [c.section for c in pf.denied()] == ["node-stats", "node-logs", "node-commands"]


def test_dedicated_admin_without_privileged_scc(simulator: Simulator, tmp_path: Path) -> None:
    with _live(simulator, tmp_path, dedicated_admin("alice")) as src:
        pf = preflight(src, debug_namespace="rhcos-debug")
    cmds = pf.check("node-commands")
    assert not cmds.allowed
    assert cmds.path == "debug namespace rhcos-debug"
    assert cmds.denied == (
        "use securitycontextconstraints.security.openshift.io 'privileged' in namespace "
        "rhcos-debug",
    )
    assert cmds.grant == "oc adm policy add-scc-to-user privileged alice -n rhcos-debug"
    assert cmds.rules == (
        'Role (namespace rhcos-debug) rule {apiGroups: ["security.openshift.io"], '
        'resources: ["securitycontextconstraints"], resourceNames: ["privileged"], '
        'verbs: ["use"]}',
    )
    assert pf.api_only
    # one rules review settles what it allows in the namespace; the rest are access reviews
    assert len(simulator.requests_to(SSRR)) == 1
    assert pf.reviews == len(simulator.requests_to(SSAR)) + 1


def test_scc_granted_in_the_debug_namespace_enables_node_commands(
    simulator: Simulator, tmp_path: Path
) -> None:
    base = dedicated_admin("alice")
    scc = Rule(
        ("use",),
        ("security.openshift.io",),
        ("securitycontextconstraints",),
        resource_names=("privileged",),
        namespaces=("rhcos-debug",),
    )
    identity = Identity(base.user, base.groups, [*base.allowed, scc])
    with _live(simulator, tmp_path, identity) as src:
        pf = preflight(src, sections=["node-commands"], debug_namespace="rhcos-debug")
        assert pf.allowed("node-commands")
        assert pf.check("node-commands").path == "debug namespace rhcos-debug"
        assert not pf.api_only
        # without the namespace only the temporary-namespace way is checked, and it is denied
        assert not preflight(src, sections=["node-commands"]).allowed("node-commands")


def test_unknown_user_and_retried_review(simulator: Simulator, tmp_path: Path) -> None:
    simulator.faults.retry_after = 0
    simulator.faults.fail_once += [(SSR, 404), (SSAR, 429)]
    with _live(simulator, tmp_path, cluster_reader()) as src:
        pf = preflight(src, sections=["node-stats", "nodes"])
    assert pf.user is None
    assert pf.check("node-stats").grant.startswith("oc create clusterrole")
    assert "add-cluster-role-to-user rhcos-runbooks-node-proxy USER" in pf.check("node-stats").grant
    assert pf.allowed("nodes")
    assert [c.section for c in pf.checks] == ["nodes", "node-stats"]


def test_invalid_token_is_one_line_error(simulator: Simulator, tmp_path: Path) -> None:
    kc = simulator.write_kubeconfig(tmp_path / "kc", token="sha256~wrong")
    with LiveSource.from_kubeconfig(context=None, spec="kube", config_file=str(kc)) as src:
        with pytest.raises(ClusterAccessError, match=r"401 .*run `oc login` again"):
            preflight(src)


def test_offline_sources_need_no_api() -> None:
    pf = preflight(open_source("demo"))
    assert pf.source_kind == "demo"
    assert all(c.allowed for c in pf.checks)
    assert pf.reviews == 0
    assert pf.notes[0].startswith("demo: no API access is needed")


def test_unknown_section() -> None:
    with pytest.raises(UsageError, match="unknown section.*known sections: cluster, nodes"):
        preflight(open_source("demo"), sections=["nope"])
    with pytest.raises(UsageError, match="was not checked"):
        preflight(open_source("demo"), sections=["nodes"]).check("scc")


def test_access_attributes() -> None:
    a = Access("create", "", "pods", "exec", namespace="ns1")
    assert a.attributes() == {
        "verb": "create", "group": "", "resource": "pods", "subresource": "exec",
        "namespace": "ns1",
    }  # fmt: skip
    assert a.describe() == "create pods/exec in namespace ns1"
