"""deploy/: the scheduled-run manifests, validated offline, and the grants they give.

Every manifest is validated against the Kubernetes JSON schemas that the ``kubernetes-validate``
wheel ships (no network), in strict mode (unknown fields fail), for the Kubernetes releases of
OpenShift 4.16 (1.29) and 4.20 (1.33) and the newest the wheel knows. The roles are checked
against what the runbooks need (``rhcos_helpers.permissions.SECTIONS`` and
``rhcos_helpers.kinds.KINDS``), and one slow test runs every runbook the way the CronJob does
against the API simulator and checks each request it sent against the default roles.
"""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import kubernetes_validate
import pytest
import yaml

from rhcos_helpers.cli import build_parser
from rhcos_helpers.kinds import KINDS
from rhcos_helpers.permissions import DEBUG_NS, SECTIONS, Access

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
BASE = DEPLOY / "base"
COMPONENT = DEPLOY / "components" / "node-collection"
OVERLAY = DEPLOY / "node-collection"
NAMESPACE = "rhcos-runbooks"
SERVICE_ACCOUNT = "rhcos-runbooks"
#: Kubernetes of OpenShift 4.16 (the demo cluster's release), of 4.20, and the newest known.
K8S_VERSIONS = ("1.29.0", "1.33.0", kubernetes_validate.latest_version())
READ_VERBS = frozenset({"get", "list", "watch"})
#: Sections whose accesses are API reads (the rest need nodes/proxy or node commands).
API_READ_SECTIONS = ("cluster", "nodes", "machine-config", "scc")


# ------------------------------------------------------------------------------- loading


def _docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def _kustomization(directory: Path) -> dict[str, Any]:
    (doc,) = _docs(directory / "kustomization.yaml")
    return doc


def _resource_files(directory: Path) -> list[Path]:
    return [directory / name for name in _kustomization(directory).get("resources", [])]


def _patch_files(directory: Path) -> list[Path]:
    return [directory / p["path"] for p in _kustomization(directory).get("patches", [])]


BASE_FILES = _resource_files(BASE)
COMPONENT_FILES = _resource_files(COMPONENT)
PATCH_FILES = _patch_files(COMPONENT)
BASE_DOCS = [d for f in BASE_FILES for d in _docs(f)]
COMPONENT_DOCS = [d for f in COMPONENT_FILES for d in _docs(f)]
MANIFESTS = [(f, i, d) for f in BASE_FILES + COMPONENT_FILES for i, d in enumerate(_docs(f))]


def _one(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    found = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
    return found[0]


def _cronjob(docs: list[dict[str, Any]] = BASE_DOCS) -> dict[str, Any]:
    return _one(docs, "CronJob", "rhcos-runbooks")


def _container(cronjob: dict[str, Any]) -> dict[str, Any]:
    (container,) = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    return container


def _env(container: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container.get("env", [])}


def _merge(base: Any, patch: Any) -> Any:
    """Strategic merge as far as these patches need it: maps merge, named lists merge by name."""
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for key, value in patch.items():
            out[key] = _merge(base[key], value) if key in base else copy.deepcopy(value)
        return out
    if (
        isinstance(base, list)
        and isinstance(patch, list)
        and all(isinstance(x, dict) and "name" in x for x in base + patch)
    ):
        out_list = [copy.deepcopy(x) for x in base]
        for item in patch:
            at = next((i for i, x in enumerate(out_list) if x["name"] == item["name"]), None)
            if at is None:
                out_list.append(copy.deepcopy(item))
            else:
                out_list[at] = _merge(out_list[at], item)
        return out_list
    return copy.deepcopy(patch)


def _with_component() -> list[dict[str, Any]]:
    """The objects `oc apply -k deploy/node-collection` sends."""
    docs = [copy.deepcopy(d) for d in BASE_DOCS]
    for path in PATCH_FILES:
        for patch in _docs(path):
            target = _one(docs, patch["kind"], patch["metadata"]["name"])
            docs[docs.index(target)] = _merge(target, patch)
    return docs + [copy.deepcopy(d) for d in COMPONENT_DOCS]


# ------------------------------------------------------------------------------ RBAC matching


def _rules(docs: list[dict[str, Any]], kind: str, name: str) -> list[dict[str, Any]]:
    return list(_one(docs, kind, name)["rules"])


def _allows(rules: list[dict[str, Any]], access: Access) -> bool:
    """RBAC's matching of one access against policy rules (no wildcards are used here)."""
    for rule in rules:
        names = rule.get("resourceNames") or []
        if (
            access.verb in rule["verbs"]
            and access.group in rule["apiGroups"]
            and access.plural in rule["resources"]
            and (not names or access.name in names)
        ):
            return True
    return False


def _granted(rules: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {
        (verb, group, resource)
        for r in rules
        for verb in r["verbs"]
        for group in r["apiGroups"]
        for resource in r["resources"]
    }


READ_ONLY = _rules(BASE_DOCS, "ClusterRole", "rhcos-runbooks-read-only")
NODE_PROXY = _rules(BASE_DOCS, "ClusterRole", "rhcos-runbooks-node-proxy")
NODE_COLLECTION = _rules(COMPONENT_DOCS, "Role", "rhcos-runbooks-node-collection")


# ------------------------------------------------------------------------------ schemas


@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize(
    ("path", "index", "doc"),
    MANIFESTS,
    ids=[f"{p.relative_to(DEPLOY)}#{i}-{d['kind']}" for p, i, d in MANIFESTS],
)
def test_every_manifest_validates_against_the_kubernetes_schema(path, index, doc, version):
    kubernetes_validate.validate(doc, version, strict=True)


@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_the_objects_with_node_collection_enabled_validate(version):
    for doc in _with_component():
        kubernetes_validate.validate(doc, version, strict=True)


def test_every_yaml_file_says_what_it_grants_in_comments():
    for path in sorted(DEPLOY.rglob("*.yaml")):
        head = path.read_text().splitlines()[:3]
        assert head and all(line.startswith("#") for line in head), f"{path}: no comment header"
    for path in BASE_FILES + COMPONENT_FILES:
        text = path.read_text()
        assert text.count("\n#") + 1 >= 2 * len(_docs(path)), f"{path}: a document lacks comments"


# ------------------------------------------------------------------------------ kustomize


def test_the_default_set_is_the_base_and_excludes_node_collection():
    top = _kustomization(DEPLOY)
    assert top["kind"] == "Kustomization" and top["resources"] == ["base"]
    base = _kustomization(BASE)
    assert base["kind"] == "Kustomization"
    assert "components" not in base and "components" not in top
    listed = {p.name for p in BASE_FILES}
    on_disk = {p.name for p in BASE.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == on_disk, "every base file is listed, and only those"
    assert all(p.is_file() for p in BASE_FILES)
    for path in [DEPLOY / "kustomization.yaml", BASE / "kustomization.yaml", *BASE_FILES]:
        text = yaml.safe_dump_all(_docs(path))  # comments may name it, objects may not
        assert "node-collection" not in text, f"{path} pulls node collection in"
    kinds = {(d["kind"], d["metadata"]["name"]) for d in BASE_DOCS}
    assert ("Role", "rhcos-runbooks-node-collection") not in kinds
    assert not any(d["kind"] in ("Role", "RoleBinding") for d in BASE_DOCS)


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl (kustomize) not installed")
@pytest.mark.parametrize("enabled", [False, True], ids=["deploy", "deploy/node-collection"])
def test_kustomize_builds_what_the_tests_check(enabled):
    """`kubectl kustomize` (what `oc apply -k` runs) renders the objects checked here."""
    target = OVERLAY if enabled else DEPLOY
    out = subprocess.run(
        ["kubectl", "kustomize", str(target)], capture_output=True, text=True, check=True
    ).stdout
    built = {(d["kind"], d["metadata"]["name"]): d for d in yaml.safe_load_all(out) if d}
    expected = {(d["kind"], d["metadata"]["name"]): d for d in _with_component()}
    if not enabled:
        expected = {(d["kind"], d["metadata"]["name"]): d for d in BASE_DOCS}
    assert sorted(built) == sorted(expected)
    for key, doc in built.items():
        kubernetes_validate.validate(doc, K8S_VERSIONS[-1], strict=True)
        if key[0] != "CronJob":
            assert doc == expected[key], key
    container = _container(built[("CronJob", "rhcos-runbooks")])
    assert _env(container) == _env(_container(expected[("CronJob", "rhcos-runbooks")]))
    image = _kustomization(BASE)["images"][0]
    assert container["image"] == f"{image['newName']}:{image['newTag']}"


def test_node_collection_is_an_opt_in_component_and_overlay():
    component = _kustomization(COMPONENT)
    assert component["apiVersion"] == "kustomize.config.k8s.io/v1alpha1"
    assert component["kind"] == "Component"
    assert all(p.is_file() for p in COMPONENT_FILES + PATCH_FILES)
    overlay = _kustomization(OVERLAY)
    assert overlay["resources"] == ["../base"]
    assert overlay["components"] == ["../components/node-collection"]
    # kustomize refuses an overlay inside the directory of its base (a "cycle"):
    for root in (BASE, COMPONENT):
        assert not OVERLAY.resolve().is_relative_to(root.resolve())


def test_every_object_lives_in_the_tools_namespace_and_binds_only_its_service_account():
    for doc in BASE_DOCS + COMPONENT_DOCS:
        if doc["kind"] in ("Namespace", "ClusterRole", "ClusterRoleBinding"):
            assert "namespace" not in doc["metadata"]
        else:
            assert doc["metadata"]["namespace"] == NAMESPACE, doc["kind"]
    bindings = [d for d in BASE_DOCS + COMPONENT_DOCS if d["kind"].endswith("Binding")]
    assert len(bindings) == 3
    roles = {(d["kind"], d["metadata"]["name"]) for d in BASE_DOCS + COMPONENT_DOCS}
    for binding in bindings:
        assert binding["subjects"] == [
            {"kind": "ServiceAccount", "name": SERVICE_ACCOUNT, "namespace": NAMESPACE}
        ]
        assert (binding["roleRef"]["kind"], binding["roleRef"]["name"]) in roles


# ------------------------------------------------------------------------------ the roles


def test_read_only_role_only_reads_and_never_nodes_proxy_or_secrets():
    granted = _granted(READ_ONLY)
    assert {verb for verb, _, _ in granted} <= READ_VERBS
    resources = {res for _, _, res in granted}
    assert "nodes/proxy" not in resources
    assert "secrets" not in resources and "configmaps" not in resources
    assert not any("/" in r for r in resources), "no subresource (exec, log, proxy) at all"
    assert not any("*" in x for rule in READ_ONLY for v in rule.values() for x in v)
    assert all("resourceNames" not in r and "nonResourceURLs" not in r for r in READ_ONLY)


def test_read_only_role_covers_every_api_read_of_the_permission_sections():
    """A scheduled run gets no 403 for any API read the runbooks' sections declare."""
    needed = [
        a for s in API_READ_SECTIONS for p in SECTIONS[s].paths for a in p.needs if not a.privileged
    ]
    assert needed and all(a.verb in READ_VERBS for a in needed)
    missing = [a.describe() for a in needed if not _allows(READ_ONLY, a)]
    assert missing == []
    for a in needed:  # whatever a section lists it also gets and watches
        for verb in READ_VERBS:
            assert _allows(READ_ONLY, Access(verb, a.group, a.resource)), a.describe()


def test_read_only_role_is_exactly_the_kinds_the_runbooks_read():
    wanted = {(k.group, k.plural) for k in KINDS.values()} | {
        (a.group, a.resource) for s in API_READ_SECTIONS for p in SECTIONS[s].paths for a in p.needs
    }
    granted = {(group, res) for _, group, res in _granted(READ_ONLY)}
    assert granted == wanted
    # each (group, resource) in exactly one rule: a rule repeated is a role nobody re-read
    pairs = [(g, r) for rule in READ_ONLY for g in rule["apiGroups"] for r in rule["resources"]]
    assert sorted(pairs) == sorted(set(pairs)), [p for p in set(pairs) if pairs.count(p) > 1]
    assert _granted(READ_ONLY) == {(v, g, r) for g, r in wanted for v in READ_VERBS}


def test_node_proxy_role_is_only_get_nodes_proxy_and_serves_stats_and_logs():
    assert NODE_PROXY == [{"apiGroups": [""], "resources": ["nodes/proxy"], "verbs": ["get"]}]
    for section in ("node-stats", "node-logs"):
        for access in SECTIONS[section].paths[0].needs:
            assert _allows(NODE_PROXY, access), access.describe()
    text = (BASE / "role-node-proxy.yaml").read_text()
    assert "PRIVILEGED-EQUIVALENT" in text and "exec" in text


def test_node_collection_role_is_one_namespace_and_covers_the_debug_namespace_path():
    role = _one(COMPONENT_DOCS, "Role", "rhcos-runbooks-node-collection")
    binding = _one(COMPONENT_DOCS, "RoleBinding", "rhcos-runbooks-node-collection")
    assert role["metadata"]["namespace"] == binding["metadata"]["namespace"] == NAMESPACE
    assert not any(d["kind"].startswith("Cluster") for d in COMPONENT_DOCS)
    path = next(p for p in SECTIONS["node-commands"].paths if "debug namespace" in p.label)
    for access in path.needs:
        assert access.namespace == DEBUG_NS
        assert _allows(NODE_COLLECTION, access), access.describe()
    # The Python client's exec is a websocket GET: authorised as `get pods/exec` (and, from
    # Kubernetes 1.35, `create` as well).
    assert _allows(NODE_COLLECTION, Access("get", "", "pods", "exec"))
    scc = [r for r in NODE_COLLECTION if "securitycontextconstraints" in r["resources"]]
    assert scc == [
        {
            "apiGroups": ["security.openshift.io"],
            "resources": ["securitycontextconstraints"],
            "resourceNames": ["privileged"],
            "verbs": ["use"],
        }
    ]
    assert {r for _, _, r in _granted(NODE_COLLECTION)} == {
        "pods",
        "pods/exec",
        "securitycontextconstraints",
    }, "no namespaces, no other resource"
    text = (COMPONENT / "kustomization.yaml").read_text()
    assert "CLUSTER-ADMIN-EQUIVALENT" in text


# ------------------------------------------------------------------------------ the CronJob


def _argv(container: dict[str, Any]) -> list[str]:
    return [*container.get("command", []), *container.get("args", [])]


@pytest.mark.parametrize("enabled", [False, True], ids=["base", "node-collection"])
def test_cronjob_never_passes_apply_flags_and_is_marked_scheduled(enabled):
    docs = _with_component() if enabled else BASE_DOCS
    container = _container(_cronjob(docs))
    argv = _argv(container)
    assert argv[0] == "rhcos-runbooks", "the CLI itself, no shell"
    assert not {"sh", "bash", "/bin/sh", "-c"} & set(argv)
    joined = " ".join(argv).upper()
    assert "APPLY" not in joined and "ACTION" not in joined
    assert "-p" not in argv and "--parameter" not in argv, "scheduled runs pass no parameters"
    args = build_parser().parse_args(argv[1:])
    assert args.command == "run" and args.source == "in-cluster"
    assert args.parameter == [] and args.runbooks == []
    assert str(args.out_root) == "/reports" and args.out is None
    env = _env(container)
    assert env["RHCOS_RUNBOOKS_SCHEDULED"] == "1"
    assert not any("APPLY" in name for name in env)
    if enabled:
        assert env["RHCOS_RUNBOOKS_NODE_ACCESS"] == "debug-pod"
        assert env["RHCOS_RUNBOOKS_DEBUG_NAMESPACE"] == {
            "fieldRef": {"fieldPath": "metadata.namespace"}
        }
    else:
        assert env["RHCOS_RUNBOOKS_NODE_ACCESS"] == "none"
        assert "RHCOS_RUNBOOKS_DEBUG_NAMESPACE" not in env


def test_cronjob_runs_one_at_a_time_into_the_claim_as_restricted_v2():
    cronjob = _cronjob()
    spec = cronjob["spec"]
    assert spec["concurrencyPolicy"] == "Forbid"
    pod = spec["jobTemplate"]["spec"]["template"]
    assert pod["metadata"]["annotations"]["openshift.io/required-scc"] == "restricted-v2"
    pod_spec = pod["spec"]
    assert pod_spec["serviceAccountName"] == SERVICE_ACCOUNT
    assert pod_spec["securityContext"]["runAsNonRoot"] is True
    assert pod_spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    forbidden = {"hostNetwork", "hostPID", "hostIPC", "nodeName"}
    assert not forbidden & set(pod_spec)
    container = _container(cronjob)
    sc = container["securityContext"]
    assert sc["allowPrivilegeEscalation"] is False
    assert sc["capabilities"] == {"drop": ["ALL"]}
    assert sc["runAsNonRoot"] is True and sc["seccompProfile"] == {"type": "RuntimeDefault"}
    assert "privileged" not in sc and "runAsUser" not in sc and "fsGroup" not in pod_spec
    for kind in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(container["resources"][kind])
    claim = _one(BASE_DOCS, "PersistentVolumeClaim", "rhcos-runbooks-reports")
    volumes = {v["name"]: v for v in pod_spec["volumes"]}
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    assert (
        volumes[mounts["/reports"]]["persistentVolumeClaim"]["claimName"]
        == (claim["metadata"]["name"])
    )
    assert "emptyDir" in volumes[mounts["/tmp"]]
    assert _env(container)["HOME"].startswith("/tmp")
    namespace = _one(BASE_DOCS, "Namespace", NAMESPACE)
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


def test_node_collection_makes_the_namespace_privileged_for_debug_pods():
    namespace = _one(_with_component(), "Namespace", NAMESPACE)
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "privileged"
    assert namespace["metadata"]["annotations"]["openshift.io/node-selector"] == ""


# ------------------------------------------------------------------------------ image, README


def test_containerfile_is_ubi9_python311_non_root_with_the_notebooks():
    text = (DEPLOY / "Containerfile").read_text()
    assert "ARG BASE_IMAGE=registry.access.redhat.com/ubi9/python-311" in text
    assert re.search(r"^FROM \$\{BASE_IMAGE\}$", text, re.M)
    users = re.findall(r"^USER (\S+)$", text, re.M)
    assert users and users[-1] not in ("0", "root") and users[-1].isdigit()
    assert "RHCOS_RUNBOOKS_NOTEBOOKS=" in text and "COPY --chown=1001:0 notebooks/" in text
    assert "oc image mirror" in text and "skopeo copy" in text


def test_readme_documents_roles_deployment_bastion_and_object_storage():
    text = (DEPLOY / "README.md").read_text()
    for needle in (
        "privileged-equivalent",
        "cluster-admin-equivalent",
        "oc apply -k deploy/",
        "oc apply -k deploy/node-collection",
        "crontab",
        "--source kube",
        "s3://",
        "gs://",
        "abs://",
        "papermill[s3]",
        "aws s3 sync",
        "RHCOS_RUNBOOKS_DEBUG_NAMESPACE",
    ):
        assert needle in text, needle


def test_top_readme_shows_scheduled_runs_cron_and_object_storage():
    text = (DEPLOY.parent / "README.md").read_text()
    section = text[text.index("## Scheduled runs") : text.index("## JupyterLab")]
    for needle in (
        "deploy/README.md",
        "oc apply -k deploy/",
        "oc apply -k deploy/node-collection",
        "privileged-equivalent",
        "cluster-admin-equivalent",
        "```crontab",
        "RHCOS_RUNBOOKS_SCHEDULED=1",
        "--out-root",
        "s3://",
        "gs://",
        "abs://",
        "papermill[s3]",
    ):
        assert needle in section, needle
    # the crontab line has no % (cron would cut the command there)
    cron = section[section.index("```crontab") :].split("```")[1]
    assert "%" not in cron


# ------------------------------------------------------------------------------ a real run


_SELF_REVIEWS = re.compile(
    r"^/apis/(authorization\.k8s\.io/v1/selfsubject(access|rules)reviews"
    r"|authentication\.k8s\.io/v1/selfsubjectreviews)$"
)
_PSPSR = re.compile(
    r"^/apis/security\.openshift\.io/v1/namespaces/[^/]+/podsecuritypolicysubjectreviews$"
)


def _access_of(method: str, path: str, query: str) -> Access | None:
    """The RBAC attributes of one GET (``None`` for discovery paths)."""
    assert method == "GET"
    segs = [s for s in path.split("/") if s]
    if segs[:2] == ["api", "v1"]:
        group, rest = "", segs[2:]
    elif segs[:1] == ["apis"] and len(segs) >= 3:
        group, rest = segs[1], segs[3:]
    else:
        return None
    if not rest:
        return None
    namespace = None
    if rest[0] == "namespaces" and len(rest) >= 3:
        namespace, rest = rest[1], rest[2:]
    resource, name = rest[0], rest[1] if len(rest) > 1 else ""
    sub = rest[2] if len(rest) > 2 else ""
    watch = parse_qs(query).get("watch", ["false"])[0] in ("1", "true")
    verb = "watch" if watch else ("get" if name else "list")
    return Access(verb, group, resource, sub, namespace, name)


@pytest.mark.notebooks
def test_a_scheduled_api_only_run_needs_nothing_beyond_the_default_roles(tmp_path, monkeypatch):
    """Every runbook as the CronJob runs it (API-only, scheduled) against the API simulator."""
    from rhcos_helpers.report.runner import run_runbooks
    from tests.simulator import Simulator
    from tests.simulator.server import DEMO_CAPTURE

    with Simulator(DEMO_CAPTURE) as sim:
        monkeypatch.setenv("KUBECONFIG", str(sim.write_kubeconfig(tmp_path / "kubeconfig")))
        monkeypatch.setenv("RHCOS_RUNBOOKS_SCHEDULED", "1")
        monkeypatch.setenv("RHCOS_RUNBOOKS_NODE_ACCESS", "none")
        run = run_runbooks(None, source="kube", parameters={}, out_root=tmp_path / "reports")
        requests = list(sim.requests)
    assert all(r.status == "ok" for r in run.results), [(r.name, r.error) for r in run.results]
    writes = [(r.method, r.path) for r in requests if r.method not in ("GET", "POST")]
    assert writes == [], "a scheduled run changes nothing"
    posts = {r.path for r in requests if r.method == "POST"}
    assert all(_SELF_REVIEWS.match(p) or _PSPSR.match(p) for p in posts), posts
    rules = READ_ONLY + NODE_PROXY
    denied = set()
    for r in requests:
        if r.method != "GET":
            continue
        access = _access_of(r.method, r.path, "&".join(f"{k}={v}" for k, v in r.query))
        if access is not None and not _allows(rules, access):
            denied.add(access.describe())
    assert denied == set()
