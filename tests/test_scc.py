"""SCC policies, access, admission, Pod Security and grant plans (table-driven)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from rhcos_helpers import scc
from rhcos_helpers.errors import ParseError
from rhcos_helpers.sources import open_source

DATA = Path(__file__).parent / "data" / "api" / "scc"
DEMO = Path(__file__).resolve().parents[1] / "rhcos_helpers" / "demos" / "data"
SCC_DIR = "cluster/cluster-scoped-resources/security.openshift.io/securitycontextconstraints"


def _load(directory: Path) -> list[dict[str, Any]]:
    return [yaml.safe_load(p.read_text()) for p in sorted(directory.glob("*.yaml"))]


def _set(name: str) -> tuple[list[dict[str, Any]], str]:
    if name == "head":
        return _load(DATA / "head"), "4.20.0"
    if name == "4.3":
        return _load(DEMO / "ocp-4.3" / SCC_DIR), "4.3.5"
    objs = [
        o for o in _load(DEMO / "ocp-4.16" / SCC_DIR) if o["metadata"]["name"] != "node-exporter"
    ]
    if name == "upgraded-4.14":
        for o in objs:
            if o["metadata"]["name"] == "restricted":
                o["groups"] = ["system:authenticated"]
    return objs, "4.14.38"


def policies(name: str) -> scc.policies.Policies:
    objs, version = _set(name)
    installed = "4.8.2" if name == "upgraded-4.14" else version
    return scc.policies.policies_from_objects(objs, version=version, installed_version=installed)


HEAD_SCORES = {
    "anyuid": 154950, "restricted-v2": 132010, "restricted-v3": 132010, "restricted": 134800,
    "nested-container": 135020, "nonroot-v2": 142010, "nonroot": 144800,
    "hostmount-anyuid": 254950, "hostmount-anyuid-v2": 284950, "hostnetwork-v2": 1332010,
    "hostnetwork": 1334800, "hostaccess": 1434800, "privileged": 3089000,
}  # fmt: skip


def test_head_scores_and_order_match_the_domain_facts():
    p = policies("head")
    assert {s.name: scc.policies.score(s, version=p.version) for s in p.sccs} == HEAD_SCORES
    assert [s.name for s in p.sccs] == list(HEAD_SCORES)  # §3.2 lists them in admission order
    assert scc.policy_tables.order_frame(p)["WEIGHTS"].unique().tolist() == ["4.9+"]


def test_43_uses_the_old_weights_and_orders_restricted_before_nonroot():
    p = policies("4.3")
    frame = scc.policy_tables.order_frame(p)
    assert frame[scc.policy_tables.COL_NAME].tolist() == [
        "anyuid", "restricted", "nonroot", "hostmount-anyuid", "hostnetwork", "hostaccess",
        "privileged",
    ]  # fmt: skip
    scores = dict(
        zip(frame[scc.policy_tables.COL_NAME], frame[scc.policy_tables.COL_SCORE], strict=True)
    )
    assert scores["privileged"] == 1_000_000 + 400_000 + 200_000 + 100_000 + 80_000 + 9000
    assert scores["restricted"] == 50_000 + 30_000 + 4800
    assert set(frame["WEIGHTS"]) == {"4.3-4.8"}


def test_ties_break_by_name_and_priority_wins():
    objs, _ = _set("head")
    custom = copy.deepcopy(next(o for o in objs if o["metadata"]["name"] == "privileged"))
    custom["metadata"]["name"] = "zz-custom"
    custom["priority"] = 20
    p = scc.policies.policies_from_objects([*objs, custom], version="4.16.0")
    assert [s.name for s in p.sccs][:3] == ["zz-custom", "anyuid", "restricted-v2"]


def test_oc_get_scc_columns_as_oc_prints_them():
    frame = scc.policy_tables.get_frame(policies("head"))
    assert list(frame.columns) == scc.policy_tables.GET_COLUMNS
    row = frame.set_index("NAME").loc["anyuid"]
    assert (row["PRIV"], row["CAPS"], row["PRIORITY"]) == ("false", "<no value>", "10")
    assert frame.set_index("NAME").loc["restricted-v2"]["CAPS"] == '["NET_BIND_SERVICE"]'


def test_describe_and_beyond():
    p = policies("head")
    desc = dict(scc.policy_tables.describe_frame(p.get("anyuid")).values.tolist())
    assert desc["Access: Groups"] == "system:cluster-admins"
    assert desc["Create-only (kept across upgrades)"] == "yes"
    beyond = scc.policy_tables.beyond_frame(p).set_index(scc.policy_tables.COL_NAME)
    assert beyond.loc["anyuid", "COMPARED WITH"] == "restricted-v2"
    assert "any UID" in beyond.loc["anyuid", "ALLOWS BEYOND IT"]
    assert "privileged containers" in beyond.loc["privileged", "ALLOWS BEYOND IT"]
    assert scc.policy_tables.beyond_frame(policies("4.3"))["COMPARED WITH"].unique().tolist() == [
        "restricted"
    ]


@pytest.mark.parametrize(
    ("name", "open_to_all", "finding"),
    [("installed-4.14", False, False), ("upgraded-4.14", True, True), ("4.3", True, False)],
)
def test_create_only_restricted_kept_on_upgrade(name, open_to_all, finding):
    p = policies(name)
    row = (
        scc.policy_tables.create_only_frame(p)
        .set_index(scc.policy_tables.COL_NAME)
        .loc["restricted"]
    )
    assert ("system:authenticated" in row["GROUPS"]) is open_to_all
    titles = [f.title for f in scc.policy_tables.policy_findings(p)]
    assert ("SCC restricted is still open to system:authenticated" in titles) is finding


@pytest.mark.parametrize(
    "obj",
    [{"metadata": {}}, {"metadata": {"name": "x"}, "priority": "high"},
     {"metadata": {"name": "x"}, "volumes": "secret"}, [1, 2],
     {"metadata": {"name": "x"}, "runAsUser": {"type": "MustRunAsRange", "uidRangeMin": "a"}}],
)  # fmt: skip
def test_bad_scc_objects_raise_parse_error_and_become_marked_rows(obj):
    with pytest.raises(ParseError, match="securitycontextconstraints"):
        scc.parse.parse_scc(obj)
    p = scc.policies.policies_from_objects([obj, *_set("head")[0]], version="4.16.0")
    assert len(p.errors) == 1
    assert "(unreadable)" in scc.policy_tables.get_frame(p)["NAME"].iloc[-1]


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=4),
                    max_leaves=20))  # fmt: skip
def test_parse_scc_returns_or_raises_parse_error(obj):
    try:
        scc.parse.parse_scc(obj)
    except ParseError:
        pass


@given(st.text(max_size=200))
def test_parse_pod_yaml_returns_or_raises_parse_error(text):
    try:
        scc.admission_input.parse_pod_yaml(text)
    except ParseError:
        pass


# ------------------------------------------------------------------------------ admission

NS = {
    "metadata": {
        "name": "team",
        "annotations": {
            "openshift.io/sa.scc.uid-range": "1000680000/10000",
            "openshift.io/sa.scc.supplemental-groups": "1000680000/10000",
            "openshift.io/sa.scc.mcs": "s0:c26,c15",
        },
    }
}


def _pod(container_sc=None, **spec):
    c = {"name": "app", "image": "x"}
    if container_sc is not None:
        c["securityContext"] = container_sc
    return {"kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [c], **spec}}


def _rbac(*bindings):
    objs, _ = _set("head")
    crb_restricted = {"metadata": {"name": "system:openshift:scc:restricted-v2"},
                      "roleRef": {"kind": "ClusterRole", "name": "system:openshift:scc:restricted-v2"},
                      "subjects": [{"kind": "Group", "name": "system:authenticated"}]}  # fmt: skip
    roles = [{"metadata": {"name": f"system:openshift:scc:{n}"},
              "rules": [{"apiGroups": ["security.openshift.io"], "resources": ["securitycontextconstraints"],
                         "resourceNames": [n], "verbs": ["use"]}]}
             for n in ("anyuid", "restricted-v2", "privileged", "hostnetwork-v2", "hostaccess", "nonroot-v2")]  # fmt: skip
    crbs = [crb_restricted, *[b for b in bindings if "namespace" not in b["metadata"]]]
    rbs = [b for b in bindings if "namespace" in b["metadata"]]
    return scc.access.rbac_from_objects(
        cluster_roles=roles, cluster_role_bindings=crbs, role_bindings=rbs
    )


def _grant(scc_name, ns=None, sa="app", sa_ns="team"):
    meta = {"name": f"g-{scc_name}", **({"namespace": ns} if ns else {})}
    return {"metadata": meta, "roleRef": {"kind": "ClusterRole", "name": f"system:openshift:scc:{scc_name}"},
            "subjects": [{"kind": "ServiceAccount", "name": sa, "namespace": sa_ns}]}  # fmt: skip


SA_APP = scc.access.service_account_identity("team", "app")
ADMIN = scc.access.CLUSTER_ADMIN
CTRL = scc.access.CONTROLLER


@pytest.mark.parametrize(
    ("case", "pod", "bindings", "who", "chosen", "why_fragment"),
    [
        ("plain", _pod(), [], CTRL, "restricted-v2", None),
        ("root by controller", _pod({"runAsUser": 0}), [], CTRL, None,
         "runAsUser: Invalid value: 0: must be in the ranges: [1000680000, 1000689999]"),
        ("root by cluster-admin", _pod({"runAsUser": 0}), [], ADMIN, "anyuid", None),
        ("root with anyuid grant", _pod({"runAsUser": 0}), [_grant("anyuid")], CTRL, "anyuid", None),
        ("root with RoleBinding here", _pod({"runAsUser": 0}), [_grant("anyuid", ns="team")], CTRL, "anyuid", None),
        ("RoleBinding elsewhere", _pod({"runAsUser": 0}), [_grant("anyuid", ns="other")], CTRL, None,
         'provider "anyuid": Forbidden: not usable by user or serviceaccount'),
        ("privileged", _pod({"privileged": True}), [], CTRL, None, "Privileged containers are not allowed"),
        ("privileged by admin", _pod({"privileged": True}), [], ADMIN, "privileged", None),
        ("host network", _pod(hostNetwork=True), [], CTRL, None, "Host network is not allowed to be used"),
        ("host network granted", _pod(hostNetwork=True), [_grant("hostnetwork-v2")], CTRL, "hostnetwork-v2", None),
        ("hostPath", _pod(volumes=[{"name": "h", "hostPath": {"path": "/"}}]), [], CTRL, None,
         '"hostPath": hostPath volumes are not allowed to be used'),
        ("hostPath granted", _pod(volumes=[{"name": "h", "hostPath": {"path": "/"}}]), [_grant("hostaccess")], CTRL, "hostaccess", None),
        ("added capability", _pod({"capabilities": {"add": ["NET_ADMIN"]}}), [], CTRL, None,
         '"NET_ADMIN": capability may not be added'),
        ("host port", {"kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [
            {"name": "a", "ports": [{"containerPort": 80, "hostPort": 8080}]}]}}, [], CTRL, None,
         "Host ports are not allowed to be used"),
        ("privilege escalation", _pod({"allowPrivilegeEscalation": True}), [], CTRL, None,
         "Allowing privilege escalation for containers is not allowed"),
        ("nonroot-v2 refuses root", _pod({"runAsUser": 0}), [_grant("nonroot-v2")], CTRL, None,
         "running with the root UID is forbidden"),
        ("fsGroup outside", _pod(securityContext={"fsGroup": 5}), [], CTRL, None, "5 is not an allowed group"),
        ("selinux level", _pod(securityContext={"seLinuxOptions": {"level": "s0:c1,c2"}}), [], CTRL, None,
         'Invalid value: "s0:c1,c2": must be s0:c26,c15'),
        ("seccomp with anyuid", _pod({"runAsUser": 0}, securityContext={"seccompProfile": {"type": "RuntimeDefault"}}),
         [_grant("anyuid")], CTRL, None, "seccomp may not be set"),
        ("seccomp unconfined", _pod(securityContext={"seccompProfile": {"type": "Unconfined"}}), [], CTRL, None,
         "unconfined is not an allowed seccomp profile"),
    ],
)  # fmt: skip
def test_admission_cases(case, pod, bindings, who, chosen, why_fragment):
    rev = scc.admission.review(policies("head"), _rbac(*bindings), pod=pod, namespace=NS, requester=who,
                               service_account="app")  # fmt: skip
    assert rev.chosen == chosen, (case, rev.message)
    if why_fragment:
        assert why_fragment in rev.message, rev.message


def test_restricted_v2_fills_the_security_context_from_the_namespace():
    rev = scc.admission.review(policies("head"), _rbac(), pod=_pod(), namespace=NS, requester=CTRL)
    spec = rev.pod["spec"]
    c = spec["containers"][0]["securityContext"]
    assert c["runAsUser"] == 1000680000
    assert c["capabilities"] == {"drop": ["ALL"]} and c["allowPrivilegeEscalation"] is False
    assert spec["securityContext"]["seLinuxOptions"] == {"level": "s0:c26,c15"}
    assert spec["securityContext"]["fsGroup"] == 1000680000
    assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert rev.pod["metadata"]["annotations"]["openshift.io/scc"] == "restricted-v2"
    verdicts = {v.scc: v.result for v in rev.verdicts}
    assert verdicts["anyuid"] == "not usable" and verdicts["privileged"] == "not tried"


def test_namespace_without_annotations_cannot_decide():
    bare = {"metadata": {"name": "bare"}}
    rev = scc.admission.review(
        policies("head"), _rbac(), pod=_pod(), namespace=bare, requester=CTRL
    )
    assert rev.outcome == "cannot decide"
    assert "has no annotation openshift.io/sa.scc.uid-range" in rev.cannot_decide


def test_required_scc_annotation_limits_the_walk():
    pod = _pod()
    pod["metadata"]["annotations"] = {"openshift.io/required-scc": "nonroot-v2"}
    rev = scc.admission.review(policies("head"), _rbac(), pod=pod, namespace=NS, requester=CTRL)
    assert [v.scc for v in rev.verdicts] == ["nonroot-v2"] and rev.chosen is None


def test_43_restricted_open_to_everyone_admits_a_plain_pod():
    rev = scc.admission.review(policies("4.3"), scc.access.rbac_from_objects(), pod=_pod(),
                               namespace=NS, requester=CTRL)  # fmt: skip
    assert rev.chosen == "restricted"


@pytest.mark.parametrize(
    "text",
    [
        "a: [",
        "",
        "just a string",
        "kind: Service\nspec: {}",
        "kind: Pod\nspec: {containers: [{image: x}]}",
    ],
)
def test_bad_pod_yaml_is_one_line(text):
    with pytest.raises(ParseError) as err:
        scc.admission_input.parse_pod_yaml(text)
    assert "\n" not in str(err.value) and str(err.value).startswith("pod yaml: ")


def test_deployment_yaml_gives_its_template():
    doc = {"kind": "Deployment", "metadata": {"name": "d"},
           "spec": {"template": {"spec": {"containers": [{"name": "a"}]}}}}  # fmt: skip
    assert scc.admission_input.parse_pod_yaml(yaml.safe_dump(doc))["metadata"]["name"] == "d"


# ------------------------------------------------------------------------------ Pod Security


@pytest.mark.parametrize(
    ("pod", "baseline", "restricted"),
    [
        (_pod(), [], ["allowPrivilegeEscalation", "unrestricted capabilities", "runAsNonRoot", "seccompProfile"]),
        (_pod({"privileged": True}), ["privileged"], ["privileged"]),
        (_pod(hostPID=True), ["host namespaces (hostPID=true)"], ["host namespaces"]),
        (_pod(volumes=[{"name": "h", "hostPath": {"path": "/"}}]), ["hostPath volumes"], ["hostPath volumes"]),
        (_pod({"capabilities": {"add": ["SYS_ADMIN"]}}), ["non-default capabilities"], ["non-default"]),
        (_pod({"runAsNonRoot": True, "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
              securityContext={"seccompProfile": {"type": "RuntimeDefault"}}), [], []),
    ],
)  # fmt: skip
def test_pod_security_levels(pod, baseline, restricted):
    assert all(any(b in v for v in scc.psa.check(pod, "baseline")) for b in baseline)
    assert bool(scc.psa.check(pod, "baseline")) == bool(baseline)
    got = scc.psa.check(pod, "restricted")
    assert all(any(r in v for v in got) for r in restricted) and bool(got) == bool(restricted)
    assert scc.psa.check(pod, "privileged") == []


def test_psa_frame_modes_defaults_and_sync():
    ns = {
        "metadata": {"name": "team", "labels": {"pod-security.kubernetes.io/enforce": "baseline"}}
    }
    frame = scc.psa.psa_frame(ns, _pod(hostNetwork=True), version="4.16.21").set_index("MODE")
    assert (
        frame.loc["enforce", "RESULT"] == "rejected" and frame.loc["enforce", "SET BY"] == "label"
    )
    assert (
        frame.loc["warn", "LEVEL"] == "restricted"
        and frame.loc["warn", "SET BY"] == "cluster default"
    )
    assert frame.loc["label sync", "RESULT"].startswith("on")
    old = scc.psa.psa_frame(ns, _pod(), version="4.3.5")
    assert old["RESULT"].tolist() == ["not applicable"]


# ------------------------------------------------------------------------------ grants


@pytest.mark.parametrize(
    ("spec", "explicit", "kinds"),
    [
        ("demo:4.3", False, [("create", "ServiceAccount"), ("update", "SecurityContextConstraints")]),
        ("demo", False, [("create", "ServiceAccount"), ("none", "ClusterRole"), ("update", "ClusterRoleBinding")]),
        ("demo", True, [("create", "ServiceAccount"), ("none", "ClusterRole"), ("create", "RoleBinding")]),
    ],
)  # fmt: skip
def test_grant_objects_by_release(spec, explicit, kinds):
    src = open_source(spec)
    p = scc.policies.load_policies(src)
    r = scc.access.load_rbac(src)
    plan = scc.grant.plan(src, p, r, scc="anyuid", namespace="demo-app", service_account="newsa",
                          explicit_namespace=explicit)  # fmt: skip
    assert [(s.action, s.kind) for s in plan.steps] == kinds
    last = plan.steps[-1].body
    if spec == "demo:4.3":
        assert last["users"][-1] == "system:serviceaccount:demo-app:newsa"
    else:
        assert {"kind": "ServiceAccount", "name": "newsa", "namespace": "demo-app"} in last[
            "subjects"
        ]
        assert last["metadata"]["name"] == "system:openshift:scc:anyuid"
        assert ("namespace" in last["metadata"]) is explicit
    ns = src.get("namespaces", "demo-app")
    pod = scc.admission_input.seed_pod("newsa")
    before = scc.admission.review(p, r, pod=pod, namespace=ns, requester=CTRL)
    p2, r2 = scc.grant.simulate(p, r, plan)
    after = scc.admission.review(p2, r2, pod=pod, namespace=ns, requester=CTRL)
    assert (before.chosen, after.chosen) == (None, "anyuid")
    assert "dry run" in scc.grant.apply(src, plan, apply=False)["RESULT"][0]
    refused = scc.grant.apply(src, plan, apply=True)["RESULT"][0]
    assert refused.startswith("APPLY refused: the demo source") and "\n" not in refused


def test_revoke_on_the_demo_removes_the_binding_subject():
    src = open_source("demo")
    p, r = scc.policies.load_policies(src), scc.access.load_rbac(src)
    plan = scc.grant.plan(src, p, r, scc="anyuid", namespace="demo-app",
                          service_account="runasanyuid", revoke=True)  # fmt: skip
    assert [(s.action, s.kind) for s in plan.steps] == [("delete", "ClusterRoleBinding")]
    p2, r2 = scc.grant.simulate(p, r, plan)
    rev = scc.admission.review(p2, r2, pod=scc.admission_input.seed_pod("runasanyuid"),
                               namespace=src.get("namespaces", "demo-app"), requester=CTRL)  # fmt: skip
    assert rev.chosen is None


def test_demo_grants_show_the_seed_service_account_both_ways():
    src = open_source("demo")
    p, r = scc.policies.load_policies(src), scc.access.load_rbac(src)
    grants = scc.access.all_grants(p, r)
    sa = "system:serviceaccount:demo-app:runasanyuid"
    assert any(
        g.scc == "anyuid" and g.subject == sa and "ClusterRoleBinding" in g.through for g in grants
    )
    by_subject = scc.access.grants_frame(grants, by="subject")
    assert by_subject[by_subject["SUBJECT"] == sa]["SCC"].tolist() == ["anyuid"]
    assert r.visible


def test_must_gather_without_rbac_says_grants_are_invisible():
    r = scc.access.load_rbac(open_source("demo:4.3"))
    assert not r.visible and "oc adm inspect clusterrolebindings,rolebindings" in (r.reason or "")
