"""No secret string from any fixture appears in any output of runbooks 40 and 50.

The secrets are taken from the fixtures themselves (:func:`fixture_secrets`): every
``sshAuthorizedKeys`` entry, every MachineConfig file whose decoded contents redaction changes
(the parts it removes, and a slice of the data URL as stored), the data of Secret objects, and
for live runs the simulator's bearer token. The runs: both bundled demos; a capture (the
single-node topology capture with a MachineConfig of credentials added: the kubelet pull secret,
the internal registry pull secret MCO writes to ``/etc/mco``, a private key, a kubeconfig
with a token, and one more SSH key), once with MACHINECONFIG naming that MachineConfig so its
files are shown in full; and the same capture live through the API simulator. Every file the
runner writes (notebooks, HTML pages, ``index.html``, ``summary.json``) is searched.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from rhcos_helpers.errors import ParseError
from rhcos_helpers.machineconfigs.dataurl import as_text, decode_data_url
from rhcos_helpers.redaction import redact_text
from rhcos_helpers.report.runner import run_runbooks
from tests.simulator.capture import load_yaml
from tests.simulator.server import DEFAULT_TOKEN, Simulator

pytestmark = pytest.mark.notebooks

REPO = Path(__file__).resolve().parents[1]
DEMOS = {"demo": REPO / "rhcos_helpers/demos/data/ocp-4.16",
         "demo:4.3": REPO / "rhcos_helpers/demos/data/ocp-4.3"}  # fmt: skip
SNO = REPO / "tests/data/topologies/sno-4.16"
MCS = Path("cluster/cluster-scoped-resources/machineconfiguration.openshift.io/machineconfigs")
BOTH = ["40-machineconfigs", "50-pool-rollout"]
_TOKEN = re.compile(r"[A-Za-z0-9+/=_~.\-]{16,}")

PULL = {"auths": {"registry.example.com": {"auth": base64.b64encode(
    b"robot:FixturePullPassw0rd8Q").decode(), "email": "ops@example.com"}}}  # fmt: skip
INTERNAL = {"auths": {"image-registry.openshift-image-registry.svc:5000": {
    "auth": base64.b64encode(b"<token>:eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJtY28ifQ.FixtureInternalSig")
    .decode()}}}  # fmt: skip
KEY = ("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAFixturePrivateKeyBodyLine1xYz9\n"
       "FixturePrivateKeyBodyLine2AbCdEfGhIjKlMnOp\n-----END RSA PRIVATE KEY-----\n")  # fmt: skip
KUBECONFIG = ("apiVersion: v1\nkind: Config\nusers:\n- name: robot\n  user:\n"
              "    token: sha256~FixtureKubeconfigTokenQrStUvWxYz0123456789\n")  # fmt: skip
SSH = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFixtureExtraSshKey00000000000000000009 ops@example"


def _b64(text: str) -> str:
    return "data:text/plain;charset=utf-8;base64," + base64.b64encode(text.encode()).decode()


def _plant(capture: Path) -> None:
    files = [
        ("/var/lib/kubelet/config.json", _b64(json.dumps(PULL))),
        ("/etc/mco/internal-registry-pull-secret.json", _b64(json.dumps(INTERNAL))),
        ("/etc/pki/fixture/tls.key", "data:," + urllib.parse.quote(KEY)),
        ("/etc/kubernetes/fixture.kubeconfig", _b64(KUBECONFIG)),
    ]
    mc = {
        "apiVersion": "machineconfiguration.openshift.io/v1", "kind": "MachineConfig",
        "metadata": {"name": "60-master-secrets", "creationTimestamp": "2026-11-19T08:00:00Z",
                     "labels": {"machineconfiguration.openshift.io/role": "master"}},
        "spec": {"config": {
            "ignition": {"version": "3.4.0"},
            "passwd": {"users": [{"name": "core", "sshAuthorizedKeys": [SSH]}]},
            "storage": {"files": [{"path": p, "mode": 384, "overwrite": True,
                                   "contents": {"source": s}} for p, s in files]},
        }},
    }  # fmt: skip
    (capture / MCS / "60-master-secrets.yaml").write_text(yaml.safe_dump(mc))


# ------------------------------------------------------------------------------ the secrets


def _walk(obj: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield str(k), v
            yield from _walk(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _walk(v)


def _objects(capture: Path) -> Iterator[dict[str, Any]]:
    for path in sorted((capture / "cluster").rglob("*.y*ml")):
        doc = load_yaml(path)
        if isinstance(doc, dict):
            yield from (doc.get("items") or []) if "items" in doc else [doc]


_HOST = re.compile(r"[a-z0-9-]+(\.[a-z0-9-]+)+(:\d+)?")


def _removed_by_redaction(text: str) -> list[str]:
    """The long tokens redaction takes out of ``text`` (host names aside: they are no secret)."""
    kept = set(_TOKEN.findall(redact_text(text)))
    return [t for t in _TOKEN.findall(text) if t not in kept and not _HOST.fullmatch(t)]


def fixture_secrets(capture: Path) -> dict[str, list[str]]:
    """Where each secret of a capture is (object/field), and the strings that must not leak."""
    found: dict[str, list[str]] = {}
    for obj in _objects(capture):
        meta = obj.get("metadata") or {}
        where = f"{obj.get('kind', '?')}/{meta.get('name', '?')}"
        if obj.get("kind") == "Secret":
            for k, v in {**(obj.get("data") or {}), **(obj.get("stringData") or {})}.items():
                if len(str(v)) >= 8:
                    found.setdefault(f"{where}: {k}", []).append(str(v))
        for key, value in _walk(obj):
            if key == "sshAuthorizedKeys":
                for entry in value or []:
                    parts = str(entry).split()
                    found.setdefault(f"{where}: sshAuthorizedKeys", []).extend(
                        [str(entry), max(parts, key=len)]
                    )
            if key == "files" and obj.get("kind") == "MachineConfig":
                for f in value or []:
                    source = str((f.get("contents") or {}).get("source") or "")
                    try:
                        data = decode_data_url(source, compression=(f.get("contents") or {})
                                               .get("compression"))  # fmt: skip
                    except ParseError:
                        continue
                    text = as_text(data)
                    if text is None or redact_text(text) == text:
                        continue
                    payload = source.split(",", 1)[1]
                    found.setdefault(f"{where}: {f.get('path')}", []).extend(
                        [*_removed_by_redaction(text), payload[20:80]]
                    )
    return {k: sorted({n for n in v if len(n) >= 12}) for k, v in found.items()}


def _leaks(out: Path, secrets: dict[str, list[str]]) -> list[tuple[str, str, str]]:
    files = sorted(p for p in out.rglob("*") if p.is_file())
    assert {p.suffix for p in files} >= {".ipynb", ".html", ".json"}
    return [
        (path.name, where, needle[:24])
        for path in files
        for text in [path.read_text(errors="replace")]
        for where, needles in secrets.items()
        for needle in needles
        if needle in text
    ]


def _run(source: str, out: Path, **params: str) -> None:
    run = run_runbooks(BOTH, source=source, parameters=params, out_dir=out)
    assert [(r.name, r.status) for r in run.results] == [(n, "ok") for n in BOTH]


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    capture = tmp_path_factory.mktemp("secrets") / "sno-with-secrets"
    shutil.copytree(SNO, capture)
    _plant(capture)
    return capture


def test_the_fixture_secrets_are_found(planted: Path):
    secrets = fixture_secrets(planted)
    assert {k for k in secrets if k.startswith("MachineConfig/60-master-secrets: /")} == {
        f"MachineConfig/60-master-secrets: {p}" for p in (
            "/var/lib/kubelet/config.json", "/etc/mco/internal-registry-pull-secret.json",
            "/etc/pki/fixture/tls.key", "/etc/kubernetes/fixture.kubeconfig")
    }  # fmt: skip
    assert any("FixturePrivateKeyBodyLine2" in n for n in sum(secrets.values(), []))
    for demo in DEMOS.values():
        assert any(k.endswith("sshAuthorizedKeys") for k in fixture_secrets(demo))


def test_the_search_finds_a_planted_leak(planted: Path, tmp_path: Path):
    secrets = fixture_secrets(planted)
    needle = secrets["MachineConfig/60-master-secrets: /etc/pki/fixture/tls.key"][0]
    for name in ("x.ipynb", "x.html", "summary.json"):
        (tmp_path / name).write_text("{}")
    (tmp_path / "x.html").write_text(f"<pre>{needle}</pre>")
    assert [leak[0] for leak in _leaks(tmp_path, secrets)] == ["x.html"]


@pytest.mark.parametrize("spec", list(DEMOS))
def test_no_demo_secret_in_any_output(spec: str, tmp_path: Path):
    _run(spec, tmp_path)
    assert _leaks(tmp_path, fixture_secrets(DEMOS[spec])) == []


def test_no_capture_secret_in_any_output(planted: Path, tmp_path: Path):
    _run(str(planted), tmp_path / "all", POOL="master")
    _run(str(planted), tmp_path / "one", POOL="master", MACHINECONFIG="60-master-secrets")
    summary = json.loads((tmp_path / "one" / "summary.json").read_text())
    paths = {r["PATH"] for r in summary["runbooks"]["40-machineconfigs"]["tables"]["mc_files"]}
    assert "/etc/mco/internal-registry-pull-secret.json" in paths  # read and shown, redacted
    secrets = fixture_secrets(planted)
    assert _leaks(tmp_path / "all", secrets) == []
    assert _leaks(tmp_path / "one", secrets) == []


def test_no_secret_in_any_output_of_a_live_run(
    planted: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    with Simulator(planted) as sim:
        kubeconfig = sim.write_kubeconfig(tmp_path / "kubeconfig")
        monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
        monkeypatch.setenv("RHCOS_RUNBOOKS_NODE_ACCESS", "none")
        _run("kube", tmp_path / "out", POOL="master", MACHINECONFIG="60-master-secrets")
    secrets = {**fixture_secrets(planted), "simulator bearer token": [DEFAULT_TOKEN]}
    assert _leaks(tmp_path / "out", secrets) == []
