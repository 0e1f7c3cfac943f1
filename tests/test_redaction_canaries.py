"""Planted canaries: no credential of any kind reaches any output file of any runbook.

The 4.16 demo is copied into a temporary capture, and one unique canary of each kind is planted
where the runbooks read and display: an ``sshAuthorizedKeys`` entry, a pull secret
(``/var/lib/kubelet/config.json`` as a base64 data URL), a PEM private key (a URL-encoded data
URL), a kubeconfig ``client-key-data`` and an AWS key pair in MachineConfig files; a ``sha256~``
OAuth token and a service-account JWT in kubelet journal error lines; a bearer token and a
``PASSWORD=`` environment value in CRI-O journal error lines; secret-looking values in a
container's annotations in ``crictl ps`` output. The same kinds once more inside journal error
lines, each with its own canary: an ssh key, a pull secret (JSON and a base64
``.dockerconfigjson``), a PEM private key with escaped newlines, kubeconfig credentials
(``token:``, ``client-key-data:``, ``password:``), an AWS secret key, and a container's
environment as CRI-O logs it (``&KeyValue{Key:DB_PASSWORD,Value:...}``, what ``crictl inspect``
shows as ``info.config.envs``); names that are secrets by their ending (``DB_PASS``,
``MYSQL_PWD``, ``MYSQL_ROOT_PASS``, ``REGISTRY_AUTH``, ``ENCRYPTION_KEY``) and a base64-encoded
PEM private key; in MachineConfig files also a quoted password with spaces and a base64 PEM
private key under ``tls.key:``. Every runbook then runs through the runner on that capture, and
no canary, raw or encoded as it was planted, may appear in any file written: notebooks, HTML
pages, ``index.html`` and ``summary.json``.
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

# the same kinds inside journal lines, each with its own canary
J_SSH_KEY = "AAAAC3NzaC1lZDI1NTE5AAAAIJournalSshKeyCanary00000000000000000002"
J_PULL_AUTH = base64.b64encode(b"journal-robot:CanaryJournalPullPass77").decode()
J_DOCKERCONFIGJSON = base64.b64encode(
    json.dumps({"auths": {"quay.io": {"auth": "Q2FuYXJ5Sm91cm5hbERvY2tlckNmZzk5"}}}).encode()
).decode()
J_PEM_BODY = "MIIEowIBAAKCAQEAJournalPemCanaryBody31"
J_KUBE_TOKEN = "CanaryJournalKubeconfigToken8"
J_KUBE_KEY = "LS0tLS1CRUdJTiBFQyBDanaryJournalClientKey9"
J_KUBE_PASSWORD = "CanaryJournalKubePassw0rd"
J_AWS_SECRET = "CanaryJournalAwsSecretKey/Zq7Xw3Ve"
J_CRIO_ENV_PASSWORD = "CanaryCrioEnvPassw0rd61"
J_CRIO_ENV_KEY = "CanaryCrioEnvApiKey62"
# names that are secrets by their ending, quoted values with spaces, base64 PEM private keys
J_DB_PASS = "CanaryJDbPass4"
J_MYSQL_PWD = "CanaryJMysqlPwd5"
J_ROOT_PASS = "CanaryJRootPass6"
J_REGISTRY_AUTH = "CanaryJRegistryAuth7"
J_ENCRYPTION_KEY = "CanaryJEncryptionKey8"
SPACED_PASSWORD = "CanarySpaced pass with spaces"
B64_PEM_KEY = base64.b64encode(
    b"-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEACanaryB64PemKeyBody19\n"
    b"-----END RSA PRIVATE KEY-----\n"
).decode()

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
    "journal: ssh key": [J_SSH_KEY],
    "journal: pull secret": [
        J_PULL_AUTH,
        "CanaryJournalPullPass77",
        J_DOCKERCONFIGJSON[20:80],
        "Q2FuYXJ5Sm91cm5hbERvY2tlckNmZzk5",
    ],
    "journal: pem private key": [J_PEM_BODY],
    "journal: kubeconfig": [J_KUBE_TOKEN, J_KUBE_KEY, J_KUBE_PASSWORD],
    "journal: aws key": [J_AWS_SECRET],
    "journal: container env": [J_CRIO_ENV_PASSWORD, J_CRIO_ENV_KEY],
    "journal: env names by ending": [
        J_DB_PASS, J_MYSQL_PWD, J_ROOT_PASS, J_REGISTRY_AUTH, J_ENCRYPTION_KEY,
    ],
    "quoted value with spaces": [SPACED_PASSWORD, "pass with spaces"],
    "base64 pem private key": [B64_PEM_KEY[:60], "CanaryB64PemKeyBody19"],
}  # fmt: skip


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
        ("/etc/canary/app.yaml", _b64_url(f'password: "{SPACED_PASSWORD}"\n'), 384),
        ("/etc/canary/tls.yaml", _b64_url(f"tls.key: {B64_PEM_KEY}\n"), 384),
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
    # every kind once more, inside journal error lines
    _journal_line(kubelet, f"E1120 09:00:03 ssh.go:12] unexpected key ssh-ed25519 {J_SSH_KEY} x@y")
    _journal_line(
        kubelet,
        'E1120 09:00:04 pull.go:7] bad pull secret {"auths": {"quay.io": {"auth": '
        f'"{J_PULL_AUTH}", "email": "x@example.com"}}}}}}',
    )
    _journal_line(kubelet, f"E1120 09:00:05 secret.go:9] .dockerconfigjson: {J_DOCKERCONFIGJSON}")
    _journal_line(
        kubelet,
        "E1120 09:00:06 tls.go:3] cannot parse -----BEGIN RSA PRIVATE KEY-----\\n"
        f"{J_PEM_BODY}\\n-----END RSA PRIVATE KEY-----",
    )
    _journal_line(
        kubelet,
        "E1120 09:00:07 kubeconfig.go:5] invalid kubeconfig user admin: "
        f"{{token: {J_KUBE_TOKEN}, client-key-data: {J_KUBE_KEY}, password: {J_KUBE_PASSWORD}}}",
    )
    _journal_line(crio, f"error in env file: AWS_SECRET_ACCESS_KEY={J_AWS_SECRET}")
    _journal_line(
        crio,
        'level=error msg="CreateContainer failed: &ContainerConfig{Envs:[]*KeyValue{'
        "&KeyValue{Key:PATH,Value:/usr/bin,},"
        f"&KeyValue{{Key:DB_PASSWORD,Value:{J_CRIO_ENV_PASSWORD},}},"
        f'&KeyValue{{Key:STRIPE_API_KEY,Value:{J_CRIO_ENV_KEY},}},}}}}"',
    )
    _journal_line(
        kubelet,
        f"E1120 09:00:08 kuberuntime.go:3] container env DB_PASS={J_DB_PASS} "
        f"MYSQL_PWD={J_MYSQL_PWD} REGISTRY_AUTH={J_REGISTRY_AUTH} ENCRYPTION_KEY={J_ENCRYPTION_KEY}",
    )
    _journal_line(
        crio,
        'level=error msg="CreateContainer failed: &ContainerConfig{Envs:[]*KeyValue{'
        f'&KeyValue{{Key:MYSQL_ROOT_PASS,Value:{J_ROOT_PASS},}},}}}}"',
    )
    _journal_line(kubelet, f"E1120 09:00:09 secret.go:9] cannot load tls.key: {B64_PEM_KEY}")
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
    for planted in ("unexpected key", "bad pull secret", ".dockerconfigjson", "cannot parse"):
        assert planted in messages, planted
    for planted in ("invalid kubeconfig", "error in env file", "&KeyValue{Key:PATH"):
        assert planted in messages, planted
    for planted in ("container env DB_PASS=", "Key:MYSQL_ROOT_PASS", "cannot load tls.key"):
        assert planted in messages, planted
    assert "/etc/canary/app.yaml" in paths and "/etc/canary/tls.yaml" in paths


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
