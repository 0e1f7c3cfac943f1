"""Planted canaries: no credential of any kind reaches any output file of any runbook.

The 4.16 demo is copied into a temporary capture, and one unique canary of each kind is planted
where the runbooks read and display: an ``sshAuthorizedKeys`` entry, a pull secret
(``/var/lib/kubelet/config.json`` as a base64 data URL), a PEM private key (a URL-encoded data
URL), a kubeconfig ``client-key-data`` and an AWS key pair in MachineConfig files; a ``sha256~``
OAuth token and a service-account JWT in kubelet journal error lines; a bearer token and a
``PASSWORD=`` environment value in CRI-O journal error lines; secret-looking values in a
container's annotations in ``crictl ps`` output. Every runbook then runs through the runner on
that capture, and no canary, raw or encoded as it was planted, may appear in any file written:
notebooks, HTML pages, ``index.html`` and ``summary.json``.
"""

from __future__ import annotations

import base64
import copy
import json
import shutil
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
import yaml

from rhcos_helpers.report.results import RunSummary
from rhcos_helpers.report.runner import run_runbooks

pytestmark = pytest.mark.notebooks

DEMO = Path(__file__).resolve().parent.parent / "rhcos_helpers" / "demos" / "data" / "ocp-4.16"
MC_DIR = Path("cluster/cluster-scoped-resources/machineconfiguration.openshift.io/machineconfigs")

SSH_KEY = "AAAAC3NzaC1lZDI1NTE5AAAAICanarySshKeyQ7x0000000000000000000000001"
PULL_PASSWORD = "CanaryPullPassw0rdZq81"
PULL_AUTH = base64.b64encode(f"canary-robot:{PULL_PASSWORD}".encode()).decode()
PEM_BODY = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCanaryPemKeyBody7Hn2Xq"
CLIENT_KEY_DATA = base64.b64encode(
    b"-----BEGIN EC PRIVATE KEY-----\nCanaryKubeconfigClientKey55\n-----END EC PRIVATE KEY-----\n"
).decode()
AWS_ACCESS_KEY = "AKIACANARY7EXAMPLEQ2"
AWS_SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYCanaryAwsSecret9"
OAUTH_TOKEN = "sha256~CanaryOauthTokenAbCdEfGhIjKlMnOpQrStUvWxYz0123"
JWT = (
    "eyJhbGciOiJSUzI1NiIsImtpZCI6ImNhbmFyeSJ9"
    ".eyJpc3MiOiJrdWJlcm5ldGVzL3NlcnZpY2VhY2NvdW50Iiwic3ViIjoiY2FuYXJ5In0"
    ".CanaryJwtSignatureSegment_q9Zx-77"
)
BEARER = "CanaryBearerTokenRk5vT2xkZXIx9Qw"
ENV_PASSWORD = "CanaryEnvPassw0rd4471"
ANNOTATION_SECRET = "CanaryAnnotationSecretX91"

PULL_SECRET_JSON = json.dumps(
    {"auths": {"registry.canary.example.com": {"auth": PULL_AUTH, "email": "x@example.com"}}}
)
PEM = f"-----BEGIN PRIVATE KEY-----\n{PEM_BODY}\n-----END PRIVATE KEY-----\n"
KUBECONFIG = f"""apiVersion: v1
kind: Config
clusters:
- cluster:
    server: https://api.canary.example.com:6443
  name: canary
users:
- name: canary-admin
  user:
    client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==
    client-key-data: {CLIENT_KEY_DATA}
"""
AWS_ENV = f"AWS_ACCESS_KEY_ID={AWS_ACCESS_KEY}\nAWS_SECRET_ACCESS_KEY={AWS_SECRET_KEY}\n"


def _b64_url(text: str) -> str:
    return "data:text/plain;charset=utf-8;base64," + base64.b64encode(text.encode()).decode()


def _plain_url(text: str) -> str:
    return "data:," + urllib.parse.quote(text)


#: every canary, raw and in each encoding it was planted in
CANARIES = {
    "ssh key": [SSH_KEY],
    "pull secret": [PULL_PASSWORD, PULL_AUTH, _b64_url(PULL_SECRET_JSON).split(",")[1][20:80]],
    "pem private key": [PEM_BODY, urllib.parse.quote(PEM_BODY)],
    "kubeconfig client key": [CLIENT_KEY_DATA, "CanaryKubeconfigClientKey55"],
    "aws key": [AWS_ACCESS_KEY, AWS_SECRET_KEY, "CanaryAwsSecret9"],
    "oauth token": [OAUTH_TOKEN, "CanaryOauthTokenAbCdEf"],
    "jwt": [JWT, "CanaryJwtSignatureSegment"],
    "bearer token": [BEARER],
    "env password": [ENV_PASSWORD],
    "annotation secret": [ANNOTATION_SECRET],
}


def _plant_machineconfigs(capture: Path) -> None:
    ssh = capture / MC_DIR / "99-worker-ssh.yaml"
    mc = yaml.safe_load(ssh.read_text())
    mc["spec"]["config"]["passwd"]["users"][0]["sshAuthorizedKeys"].append(
        f"ssh-ed25519 {SSH_KEY} canary@example"
    )
    ssh.write_text(yaml.safe_dump(mc))

    chrony = yaml.safe_load((capture / MC_DIR / "50-worker-chrony.yaml").read_text())
    canary_mc = copy.deepcopy(chrony)
    canary_mc["metadata"]["name"] = "60-worker-canaries"
    canary_mc["metadata"]["uid"] = "c4a1a2b3-0000-4000-8000-00000000ca11"
    files = [
        ("/var/lib/kubelet/config.json", _b64_url(PULL_SECRET_JSON), 384),
        ("/etc/pki/canary/tls.key", _plain_url(PEM), 384),
        ("/etc/kubernetes/canary.kubeconfig", _b64_url(KUBECONFIG), 384),
        ("/etc/sysconfig/canary-aws", _b64_url(AWS_ENV), 384),
    ]
    canary_mc["spec"]["config"]["storage"]["files"] = [
        {"contents": {"source": source}, "mode": mode, "overwrite": True, "path": path}
        for path, source, mode in files
    ]
    (capture / MC_DIR / "60-worker-canaries.yaml").write_text(yaml.safe_dump(canary_mc))


def _journal_line(path: Path, message: str) -> None:
    lines = path.read_text().splitlines()
    entry = json.loads(lines[-1])
    entry.update(PRIORITY="3", MESSAGE=message)
    entry["__REALTIME_TIMESTAMP"] = str(int(entry["__REALTIME_TIMESTAMP"]) + 1_000_000)
    path.write_text("\n".join([*lines, json.dumps(entry)]) + "\n")


def _plant_nodes(capture: Path) -> None:
    node = capture / "nodes" / "worker-0"
    kubelet = node / "journal_unit.kubelet.out"
    _journal_line(kubelet, f'E1120 09:00:01 oauth.go:88] failed to refresh token "{OAUTH_TOKEN}"')
    _journal_line(kubelet, f"E1120 09:00:02 auth.go:41] rejected service account token {JWT}")
    crio = node / "journal_unit.crio.out"
    _journal_line(crio, f"error pulling image: request with Authorization: Bearer {BEARER} denied")
    _journal_line(crio, f"error starting container: exec env PASSWORD={ENV_PASSWORD} /bin/app")
    ps_path = node / "crictl_ps.out"
    ps: dict[str, Any] = json.loads(ps_path.read_text())
    container = ps["containers"][0]
    container["annotations"]["io.kubernetes.container.env.PASSWORD"] = ANNOTATION_SECRET
    container["annotations"]["canary/secret"] = f"PASSWORD={ANNOTATION_SECRET}"
    ps_path.write_text(json.dumps(ps, indent=2))


@pytest.fixture(scope="module")
def canary_run(tmp_path_factory: pytest.TempPathFactory) -> RunSummary:
    capture = tmp_path_factory.mktemp("canaries") / "capture"
    shutil.copytree(DEMO, capture)
    _plant_machineconfigs(capture)
    _plant_nodes(capture)
    out = tmp_path_factory.mktemp("canary-reports")
    return run_runbooks(None, source=str(capture), parameters={}, out_dir=out)


def test_canaries_are_where_the_runbooks_read(canary_run: RunSummary) -> None:
    # the planted objects were read: the canary MachineConfig and the journal errors show up
    summary = json.loads(canary_run.summary.read_text())
    mcs = summary["runbooks"]["40-machineconfigs"]["tables"]["machineconfigs"]
    assert "60-worker-canaries" in {row["NAME"] for row in mcs}
    paths = {row["PATH"] for row in summary["runbooks"]["40-machineconfigs"]["tables"]["mc_files"]}
    assert "/var/lib/kubelet/config.json" in paths and "/etc/pki/canary/tls.key" in paths
    errors = summary["runbooks"]["30-node-services"]["tables"]["journal_errors"]
    messages = " ".join(str(row.get("message")) for row in errors)
    assert "failed to refresh token" in messages and "Authorization: Bearer" in messages
    assert "<redacted:" in messages


def test_no_canary_in_any_output_file(canary_run: RunSummary) -> None:
    assert {r.name for r in canary_run.results} >= {"40-machineconfigs", "30-node-services"}
    files = sorted(p for p in canary_run.out_dir.rglob("*") if p.is_file())
    assert {p.suffix for p in files} >= {".ipynb", ".html", ".json"}
    leaks = [
        (path.name, kind, needle)
        for path in files
        for text in [path.read_text(errors="replace")]
        for kind, needles in CANARIES.items()
        for needle in needles
        if needle in text
    ]
    assert leaks == []
