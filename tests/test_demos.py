"""The bundled demos: up to date with their generator, and internally consistent."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "rhcos_helpers" / "demos" / "data"
DEMOS = ["ocp-4.16", "ocp-4.3"]
CSR = "cluster/cluster-scoped-resources"
MCO = "machineconfiguration.openshift.io"


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def _objects(demo: str, group: str, plural: str) -> dict[str, dict[str, Any]]:
    d = DATA / demo / CSR / group / plural
    return {p.stem: _load(p) for p in sorted(d.glob("*.yaml"))}


def _pods(demo: str) -> list[dict[str, Any]]:
    out = []
    for f in sorted((DATA / demo / "cluster" / "namespaces").glob("*/core/pods.yaml")):
        out += _load(f)["items"]
    return out


def _readable_nodes(demo: str) -> list[str]:
    out = []
    for facts in sorted((DATA / demo / "nodes").glob("*/facts.json")):
        data = json.loads(facts.read_text())
        if data["os_release"]["status"] == "ok":
            out.append(facts.parent.name)
    return out


def test_generate_check_passes() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools/demos/generate.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("demo", DEMOS)
def test_manifest(demo: str) -> None:
    manifest = json.loads((DATA / demo / "rhcos-capture.json").read_text())
    assert manifest["kind"] == "demo"
    assert manifest["format"] == "rhcos-runbooks-capture/1"


def test_cluster_version_416() -> None:
    cv = _load(DATA / "ocp-4.16" / CSR / "config.openshift.io/clusterversions/version.yaml")
    assert cv["status"]["desired"]["version"] == "4.16.21"


@pytest.mark.parametrize("demo", DEMOS)
def test_json_files_parse(demo: str) -> None:
    for facts in (DATA / demo / "nodes").glob("*/facts.json"):
        data = json.loads(facts.read_text())
        for stem, entry in data.items():
            out = facts.parent / f"{stem}.out"
            if entry["status"] == "ok":
                text = out.read_text()
                if entry["format"] == "json":
                    if stem.startswith("journal_unit"):
                        for line in text.splitlines():
                            json.loads(line)
                    else:
                        json.loads(text)
            else:
                assert not out.exists(), out


@pytest.mark.parametrize("demo", DEMOS)
def test_pods_on_known_nodes(demo: str) -> None:
    nodes = set(_objects(demo, "core", "nodes"))
    for pod in _pods(demo):
        assert pod["spec"]["nodeName"] in nodes, pod["metadata"]["name"]


@pytest.mark.parametrize("demo", DEMOS)
def test_crictl_containers_match_sandboxes_and_pods(demo: str) -> None:
    api_pods = {
        (p["metadata"]["namespace"], p["metadata"]["name"], p["spec"]["nodeName"])
        for p in _pods(demo)
    }
    for node in _readable_nodes(demo):
        base = DATA / demo / "nodes" / node
        sandboxes = {
            s["id"]: s for s in json.loads((base / "crictl_pods.out").read_text())["items"]
        }
        for c in json.loads((base / "crictl_ps.out").read_text())["containers"]:
            sb = sandboxes[c["podSandboxId"]]
            labels = c["labels"]
            assert labels["io.kubernetes.pod.name"] == sb["metadata"]["name"]
            assert labels["io.kubernetes.pod.namespace"] == sb["metadata"]["namespace"]
            key = (labels["io.kubernetes.pod.namespace"], labels["io.kubernetes.pod.name"], node)
            assert key in api_pods, key


@pytest.mark.parametrize("demo", DEMOS)
def test_node_identity_matches_api(demo: str) -> None:
    nodes = _objects(demo, "core", "nodes")
    for name in _readable_nodes(demo):
        base = DATA / demo / "nodes" / name
        info = nodes[name]["status"]["nodeInfo"]
        assert (base / "machine_id.out").read_text().strip() == info["machineID"]
        os_release = dict(
            line.split("=", 1)
            for line in (base / "os_release.out").read_text().splitlines()
            if "=" in line
        )
        version = os_release["VERSION"].strip("\"'")
        assert version in info["osImage"]
        assert os_release["PRETTY_NAME"].strip('"') == info["osImage"]
        assert info["kernelVersion"] in (base / "uname.out").read_text()


def _selected(pool: dict[str, Any], mcs: dict[str, dict[str, Any]]) -> list[str]:
    sel = pool["spec"]["machineConfigSelector"]
    roles: list[str] = []
    if "matchLabels" in sel:
        roles.append(sel["matchLabels"]["machineconfiguration.openshift.io/role"])
    for expr in sel.get("matchExpressions", []):
        roles += expr["values"]
    return sorted(
        n
        for n, mc in mcs.items()
        if (mc["metadata"].get("labels") or {}).get("machineconfiguration.openshift.io/role")
        in roles
    )


@pytest.mark.parametrize("demo", DEMOS)
def test_pool_sources_match_rendered(demo: str) -> None:
    mcs = _objects(demo, MCO, "machineconfigs")
    for name, pool in _objects(demo, MCO, "machineconfigpools").items():
        target = pool["spec"]["configuration"]
        sources = [s["name"] for s in target["source"]]
        assert sources == _selected(pool, mcs), name
        rendered = mcs[target["name"]]
        assert rendered["metadata"]["ownerReferences"][0]["name"] == name
        want_paths: set[str] = set()
        for src in sources:
            for f in mcs[src]["spec"]["config"].get("storage", {}).get("files", []):
                want_paths.add(f["path"])
        got = {f["path"] for f in rendered["spec"]["config"]["storage"]["files"]}
        assert got == want_paths, name
        for s in pool["status"]["configuration"]["source"]:
            assert s["name"] in mcs
        assert pool["status"]["configuration"]["name"] in mcs


@pytest.mark.parametrize("demo", DEMOS)
def test_node_configs_exist(demo: str) -> None:
    mcs = _objects(demo, MCO, "machineconfigs")
    for node in _objects(demo, "core", "nodes").values():
        ann = node["metadata"]["annotations"]
        assert ann["machineconfiguration.openshift.io/currentConfig"] in mcs
        assert ann["machineconfiguration.openshift.io/desiredConfig"] in mcs


def test_worker1_unreadable_416() -> None:
    facts = json.loads((DATA / "ocp-4.16/nodes/worker-1/facts.json").read_text())
    assert all(e["status"] == "failed" and e["exit_code"] is None for e in facts.values())
    assert list((DATA / "ocp-4.16/nodes/worker-1").glob("*.out")) == []


def test_43_has_no_statsp() -> None:
    for facts in (DATA / "ocp-4.3" / "nodes").glob("*/facts.json"):
        data = json.loads(facts.read_text())
        assert "crictl_statsp" not in data and "crictl_imagefsinfo" not in data
