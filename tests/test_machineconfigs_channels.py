"""machineconfigs.channels: Tuned CRs and Profiles, host-access DaemonSets, Day-1 MachineConfigs."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rhcos_helpers.errors import ClusterAccessError, ParseError
from rhcos_helpers.findings import Severity
from rhcos_helpers.machineconfigs import channels as nc_mod
from rhcos_helpers.machineconfigs.channels import (
    collect,
    daemonsets_table,
    day1_table,
    findings,
    host_access,
    node_daemonsets_table,
    node_profiles_table,
    parse_profile,
    parse_tuned,
    tuned_recommend_table,
)
from rhcos_helpers.machineconfigs.parse import read_machineconfigs
from rhcos_helpers.sources import open_source
from rhcos_helpers.sources.base import Attempt, attempt
from tests.fakes import FakeSource

NS = nc_mod.NTO_NAMESPACE


def _node(name: str) -> dict[str, Any]:
    return {"metadata": {"name": name}}


def _profile(node: str, *, applied: str = "True", degraded: str = "False", **extra: str) -> dict:
    return {
        "metadata": {"name": node, "namespace": NS},
        "spec": {"config": {"tunedProfile": "openshift-node"}},
        "status": {
            "tunedProfile": "openshift-node",
            "conditions": [
                {"type": "Applied", "status": applied, "reason": extra.get("ar", "AsExpected"),
                 "message": extra.get("am", "TuneD profile applied.")},
                {"type": "Degraded", "status": degraded, "reason": extra.get("dr", "AsExpected"),
                 "message": extra.get("dm", "No warning or error messages observed applying "
                                            "the TuneD daemon profile.")},
            ],
        },
    }  # fmt: skip


def _ds_pod(ns: str, ds: str, node: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "metadata": {"name": f"{ds}-{node}", "namespace": ns,
                     "ownerReferences": [{"kind": "DaemonSet", "name": ds}]},
        "spec": {"nodeName": node, **spec},
    }  # fmt: skip


ROOT_WRITER = {
    "hostPID": True,
    "containers": [{"name": "agent", "securityContext": {"privileged": True}}],
    "volumes": [{"name": "host", "hostPath": {"path": "/"}}],
}

TUNED_CUSTOM = {
    "metadata": {"name": "hugepages", "namespace": NS, "creationTimestamp": "2025-09-10T00:00:00Z"},
    "spec": {
        "profile": [{"name": "openshift-node-hugepages",
                     "data": "[main]\nsummary=Boot time configuration for hugepages\n"
                             "include=openshift-node\n[bootloader]\n"
                             "cmdline_openshift_node_hugepages=hugepagesz=2M hugepages=50\n"}],
        "recommend": [{"machineConfigLabels": {"machineconfiguration.openshift.io/role":
                                               "worker-hp"},
                       "priority": 30, "profile": "openshift-node-hugepages"}],
    },
}  # fmt: skip


# --- parsers ----------------------------------------------------------------------------------


def test_parse_tuned_nested_match_and_machine_config_labels():
    t = parse_tuned(TUNED_CUSTOM)
    assert t.owner == "user"
    assert t.profiles[0].summary == "Boot time configuration for hugepages"
    assert t.profiles[0].include == "openshift-node"
    assert t.rules[0].machine_config_labels == "machineconfiguration.openshift.io/role=worker-hp"
    es = parse_tuned({"metadata": {"name": "default"}, "spec": {"recommend": [{
        "profile": "openshift-control-plane-es", "priority": 10,
        "match": [{"label": "tuned.openshift.io/elasticsearch", "type": "pod",
                   "match": [{"label": "node-role.kubernetes.io/master"},
                             {"label": "node-role.kubernetes.io/infra", "value": ""}]}]}]}})  # fmt: skip
    assert es.rules[0].match == (
        "(pod tuned.openshift.io/elasticsearch AND (node node-role.kubernetes.io/master OR "
        "node node-role.kubernetes.io/infra))"
    )


@pytest.mark.parametrize(
    ("obj", "fragment"),
    [
        ({}, "no metadata.name"),
        ({"metadata": {"name": "x"}, "spec": []}, "spec is not a mapping"),
        ({"metadata": {"name": "x"}, "spec": {"profile": {}}}, "not a list"),
        ({"metadata": {"name": "x"}, "spec": {"profile": [{"data": ""}]}}, "has no name"),
        ({"metadata": {"name": "x"}, "spec": {"recommend": [{"match": [{}]}]}}, "no label"),
    ],
)
def test_parse_tuned_errors(obj, fragment):
    with pytest.raises(ParseError, match=fragment):
        parse_tuned(obj)


def test_parse_profile_degraded_and_bad_conditions():
    p = parse_profile(_profile("infra-0", degraded="True", dr="TunedSysctlOverride", dm="x"))
    assert (p.degraded, p.degraded_reason) == ("True", "TunedSysctlOverride")
    with pytest.raises(ParseError, match="conditions"):
        parse_profile({"metadata": {"name": "n"}, "status": {"conditions": ["Applied"]}})
    # before the conditions existed (an early Profile: spec.config.tunedProfile only)
    old = parse_profile({"metadata": {"name": "n"}, "spec": {"config": {"tunedProfile": "a"}}})
    assert (old.requested, old.applied, old.degraded) == ("a", "", "")


def test_host_access_paths_and_modes():
    assert host_access(ROOT_WRITER) == (("privileged", "hostPath /", "hostPID"), ("/",))
    assert host_access({"volumes": [{"hostPath": {"path": "/etc/"}}]})[1] == ("/etc",)
    # /var/log and /etcd are not /etc
    assert host_access({"volumes": [{"hostPath": {"path": "/var/log"}},
                                    {"hostPath": {"path": "/etcd"}}]}) == ((), ())  # fmt: skip
    assert host_access({"initContainers": [{"securityContext": {"privileged": True}}]})[0] == (
        "privileged",
    )
    with pytest.raises(ParseError):
        host_access({"containers": ["x"]})


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=4),
    max_leaves=12,
)  # fmt: skip
_objs = st.dictionaries(
    st.sampled_from(["metadata", "spec", "status", "kind"]), _json, max_size=4
) | st.fixed_dictionaries({"metadata": st.fixed_dictionaries({"name": st.text(max_size=5)}),
                           "spec": _json, "status": _json})  # fmt: skip


@given(_objs)
def test_parse_tuned_returns_or_raises_parse_error(obj):
    try:
        parse_tuned(obj)
    except ParseError:
        pass


@given(_objs)
def test_parse_profile_returns_or_raises_parse_error(obj):
    try:
        parse_profile(obj)
    except ParseError:
        pass


@given(st.dictionaries(st.sampled_from(["containers", "volumes", "hostPID", "hostNetwork",
                                        "initContainers"]), _json, max_size=5))  # fmt: skip
def test_host_access_returns_or_raises_parse_error(spec):
    try:
        host_access(spec)
    except ParseError:
        pass


# --- collect, tables, findings ----------------------------------------------------------------


def _fake(**objects: list[dict[str, Any]]) -> FakeSource:
    base: dict[str, list[dict[str, Any]]] = {
        "nodes": [_node("w-0"), _node("w-1"), _node("w-2")],
        "clusterversions": [{"metadata": {"name": "version"}, "status": {
            "desired": {"version": "4.16.21"},
            "history": [{"startedTime": "2026-01-01T00:00:00Z", "version": "4.16.21"},
                        {"startedTime": "2025-09-02T10:15:00Z", "version": "4.14.38"}]}}],
    }  # fmt: skip
    base.update(objects)
    return FakeSource(base)


def test_user_daemonset_bypasses_mco_and_nodes_without_profile():
    src = _fake(
        tuneds=[TUNED_CUSTOM],
        profiles=[_profile("w-0"), _profile("w-1", applied="False", ar="Failed", am="nope")],
        pods=[_ds_pod("acme-agent", "node-tweaker", "w-0", ROOT_WRITER),
              _ds_pod("acme-agent", "node-tweaker", "w-1", ROOT_WRITER),
              _ds_pod("openshift-dns", "node-resolver", "w-0", {"hostNetwork": True}),
              _ds_pod("acme-web", "web", "w-0", {"containers": [{"name": "web"}]})],
    )  # fmt: skip
    nc = collect(src)
    assert nc.daemonsets.value is not None
    ds = {(d.namespace, d.name): d for d in nc.daemonsets.value}
    assert set(ds) == {("acme-agent", "node-tweaker"), ("openshift-dns", "node-resolver")}
    assert ds[("acme-agent", "node-tweaker")].from_pods and not ds[("acme-agent",
                                                                     "node-tweaker")].platform  # fmt: skip
    table = daemonsets_table(nc).value
    assert table is not None
    row = table[table["DAEMONSET"] == "node-tweaker"].iloc[0]
    assert row["CHANNEL"] == "user: changes nodes outside MCO" and row["NODES"] == "2: w-0, w-1"
    per_node = node_daemonsets_table(nc).value
    assert per_node is not None
    assert list(per_node["NODE"]) == ["w-0", "w-1", "w-2"]
    assert per_node.iloc[2]["HOST-ACCESS DAEMONSET PODS"].startswith("none running")
    assert per_node.iloc[0]["OUTSIDE openshift-*"] == "acme-agent/node-tweaker"
    profiles = node_profiles_table(nc).value
    assert profiles is not None
    assert profiles.set_index("NODE").loc["w-2", "REASON"] == "NoProfile"
    by_title = {f.title: f for f in findings(nc)}
    assert "DaemonSet acme-agent/node-tweaker can change nodes outside MCO" in by_title
    assert "Node w-2 has no TuneD Profile" in by_title
    assert by_title["TuneD profile on node w-1 is not applied"].severity is Severity.WARNING
    assert "Tuned hugepages writes a MachineConfig for openshift-node-hugepages" in by_title
    rules = tuned_recommend_table(nc).value
    assert rules is not None and list(rules["PRIORITY"]) == [30]


def test_daemonset_objects_win_over_pods_and_cover_unscheduled_ones():
    ds_obj = {"metadata": {"name": "idle", "namespace": "acme"},
              "spec": {"template": {"spec": ROOT_WRITER}}}  # fmt: skip
    nc = collect(_fake(daemonsets=[ds_obj], pods=[]))
    assert nc.daemonsets.value is not None
    (d,) = nc.daemonsets.value
    assert (d.name, d.nodes, d.from_pods) == ("idle", (), False)


def test_nothing_collected_says_why():
    nc = collect(_fake())
    for table in (node_profiles_table(nc), daemonsets_table(nc), day1_table(nc)):
        assert table.value is None and table.reason
    assert "tuneds not collected" in (nc.tuneds.reason or "")
    assert findings(nc) == []


def test_bad_objects_become_findings_and_the_rest_is_read():
    nc = collect(_fake(tuneds=[{"metadata": {"name": "broken", "namespace": NS}, "spec": {"profile": "x"}},
                               TUNED_CUSTOM], profiles=[_profile("w-0")]))  # fmt: skip
    assert [t.name for t in nc.tuneds.value or []] == ["hugepages"]
    assert any("tuned/broken" in f.what for f in findings(nc))


def test_profiles_before_46_are_explained():
    src = _fake(profiles=[], tuneds=[TUNED_CUSTOM])
    src.objects["clusterversions"][0]["status"]["desired"]["version"] = "4.3.5"
    nc = collect(src)
    assert "predates the per-node Profile objects" in (nc.profiles.reason or "")


def test_day1_from_the_install_time():
    src = open_source("demo")
    nc = collect(src, machineconfigs=attempt(read_machineconfigs, src))
    table = day1_table(nc).value
    assert table is not None
    days = dict(zip(table["MACHINECONFIG"], table["DAY"], strict=True))
    assert days == {"50-infra-sysctl": "Day-2", "50-worker-chrony": "Day-2",
                    "99-master-ssh": "Day-1", "99-worker-ssh": "Day-1"}  # fmt: skip
    # no ClusterVersion history: say so
    fake = _fake()
    fake.objects["clusterversions"][0]["status"]["history"] = []
    nc2 = collect(fake, machineconfigs=attempt(read_machineconfigs, src))
    assert "no history" in (day1_table(nc2).reason or "")
    nc3 = collect(fake, machineconfigs=Attempt(None, "machineconfigs were not collected"))
    assert day1_table(nc3).reason == "machineconfigs were not collected"


@pytest.mark.parametrize("spec", ["demo", "demo:4.3"])
def test_demos(spec):
    src = open_source(spec)
    nc = collect(src)
    assert nc.tuneds.value and nc.tuneds.value[0].name == "default"
    titles = [f.title for f in findings(nc)]
    if spec == "demo":
        profiles = node_profiles_table(nc).value
        assert profiles is not None and len(profiles) == 7
        row = profiles.set_index("NODE").loc["infra-0"]
        assert (row["TUNED PROFILE"], row["REASON"]) == (
            "openshift-infra-router",
            "TunedSysctlOverride",
        )
        assert titles == ["TuneD profile on node infra-0 is Degraded"]
    else:
        assert "predates" in (node_profiles_table(nc).reason or "")
        assert titles == []
    assert all(d.platform for d in nc.daemonsets.value or [])


class _NoNto(FakeSource):
    def list(self, resource, *, namespace=None, label_selector=None):
        if resource in ("tuneds", "profiles"):
            raise ClusterAccessError(f"{resource}: 404 Not Found", status=404)
        return super().list(resource, namespace=namespace, label_selector=label_selector)


def test_no_node_tuning_operator_is_named():
    nc = collect(_NoNto(_fake().objects))
    assert "NodeTuning capability" in (nc.tuneds.reason or "")
    assert "NodeTuning capability" in (nc.profiles.reason or "")
