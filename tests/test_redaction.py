from __future__ import annotations

import base64
import json
import urllib.parse
from typing import Any

import pandas as pd
import pytest

from rhcos_helpers.redaction import redact, redact_frame, redact_html, redact_text

# Every canary is unique, so a survivor names the rule that let it through.
PEM_BODY = "MIIEpAIBAAKCAQEAcanaryPEMbody0001\nQ2FuYXJ5UEVNYm9keTAwMDI=\n"
SSH_RSA = "AAAAB3NzaC1yc2EAAAADAQABAAABAQCanarySshRsa0003"
SSH_ED = "AAAAC3NzaC1lZDI1NTE5AAAAICanarySshEd0004"
SSH_ECDSA = "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYCanaryEcdsa0005"
OAUTH = "sha256~CanaryOauthToken0006abcdefghijklmnop"
JWT = (
    "eyJhbGciOiJSUzI1NiIsImtpZCI6IkNhbmFyeSJ9"
    ".eyJpc3MiOiJrdWJlcm5ldGVzL3NlcnZpY2VhY2NvdW50In0"
    ".CanaryJwtSignature0007_-abc"
)
BEARER = "CanaryBearer0008.xyz"
BASIC = "Q2FuYXJ5QmFzaWMwMDA5"
REG_AUTH = "Y2FuYXJ5OnJlZ2lzdHJ5MDAxMA=="
PULL = json.dumps({"auths": {"quay.io": {"auth": REG_AUTH, "email": "x@example.com"}}})
PULL_B64 = base64.b64encode(PULL.encode()).decode()
KUBE_TOKEN = "CanaryKubeconfigToken0011"
KEY_DATA = "LS0tLS1CRUdJTiBDanaryClientKeyData0012"
CERT_DATA = "LS0tLS1CRUdJTiBDanaryClientCertData0013"
ENV_PASSWORD = "CanaryEnvPassword0014"
ENV_TOKEN = "CanaryEnvToken0015"
ENV_SECRET = "CanaryEnvSecret0016"
AWS = "AKIACANARY0017ABCDEF"
URL_PASSWORD = "CanaryUrlPassword0018"
LOWER_PASSWORD = "CanaryLowerPassword0019"
INSPECT_PASSWORD = "CanaryInspectPassword0020"
INSPECT_KEY = "CanaryInspectApiKey0021"
POD_ENV_TOKEN = "CanaryPodEnvToken0022"

#: ``crictl inspect CONTAINER`` (CRI-O 1.29) abridged: the environment is in the container's
#: config (``info.config.envs``, key/value objects) and in its OCI spec (``process.env``).
CRICTL_INSPECT = {
    "status": {
        "id": "4c1b9a7e2f6d",
        "metadata": {"attempt": 0, "name": "app"},
        "state": "CONTAINER_RUNNING",
        "image": {"image": "quay.io/demo/app@sha256:" + "ab" * 32},
        "labels": {"io.kubernetes.pod.name": "app-7d9f", "io.kubernetes.pod.namespace": "demo"},
    },
    "info": {
        "sandboxID": "9e8d7c6b5a4f",
        "pid": 4242,
        "config": {
            "metadata": {"name": "app"},
            "envs": [
                {"key": "PATH", "value": "/usr/local/bin:/usr/bin"},
                {"key": "DB_PASSWORD", "value": INSPECT_PASSWORD},
                {"key": "STRIPE_API_KEY", "value": INSPECT_KEY},
                {"key": "KUBERNETES_SERVICE_HOST", "value": "172.30.0.1"},
            ],
        },
        "runtimeSpec": {
            "process": {
                "env": [
                    "PATH=/usr/local/bin:/usr/bin",
                    f"DB_PASSWORD={INSPECT_PASSWORD}",
                    f"STRIPE_API_KEY={INSPECT_KEY}",
                    "KUBERNETES_SERVICE_HOST=172.30.0.1",
                ]
            }
        },
    },
}
POD_ENV_YAML = (
    "containers:\n- name: app\n  env:\n  - name: PATH\n    value: /usr/bin\n"
    f"  - name: GITHUB_TOKEN\n    value: {POD_ENV_TOKEN}\n"
    "  - name: DB_PASSWORD_FILE\n    valueFrom:\n      secretKeyRef: {name: db, key: pw}\n"
)

TEXT_CANARIES = {
    "pem-rsa": f"-----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}-----END RSA PRIVATE KEY-----",
    "pem-openssh": f"-----BEGIN OPENSSH PRIVATE KEY-----\n{PEM_BODY}-----END OPENSSH PRIVATE KEY-----",
    "pem-ec": f"-----BEGIN EC PRIVATE KEY-----\n{PEM_BODY}-----END EC PRIVATE KEY-----",
    "pem-pkcs8": f"-----BEGIN PRIVATE KEY-----\n{PEM_BODY}-----END PRIVATE KEY-----",
    "pem-escaped": "key: -----BEGIN PRIVATE KEY-----\\n" + PEM_BODY.replace("\n", "\\n"),
    "pem-truncated": f"-----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}",
    "ssh-rsa": f"ssh-rsa {SSH_RSA} core@bastion",
    "ssh-ed25519": f'["ssh-ed25519 {SSH_ED}"]',
    "ecdsa": f"ecdsa-sha2-nistp256 {SSH_ECDSA}= root@host",
    "oauth": f"oc login --token={OAUTH} --server=https://api:6443",
    "jwt": f'{{"token": "{JWT}"}}',
    "bearer": f"curl -H 'Authorization: Bearer {BEARER}' https://api",
    "bearer-alone": f"using bearer {BEARER} for the request",
    "basic": f"Authorization: Basic {BASIC}",
    "header-json": f'"Authorization": ["Bearer {BEARER}"]',
    "pull-json": f"pull secret: {PULL}",
    "pull-escaped": json.dumps({"config": PULL}),
    "pull-pretty": json.dumps(json.loads(PULL), indent=2),
    "pull-b64": f"data:text/plain;charset=utf-8;base64,{PULL_B64}",
    "pull-pct": "data:," + urllib.parse.quote(PULL),
    "kubeconfig": (
        f"users:\n- name: admin\n  user:\n    token: {KUBE_TOKEN}\n"
        f"    client-key-data: {KEY_DATA}\n    client-certificate-data: {CERT_DATA}\n"
    ),
    "env-crictl": json.dumps(
        {
            "env": [
                "PATH=/usr/bin",
                f"DB_PASSWORD={ENV_PASSWORD}",
                f"GITHUB_TOKEN={ENV_TOKEN}",
                f"SECRET={ENV_SECRET}",
            ]
        }
    ),
    "aws": f"aws_access_key_id = {AWS}",
    "url-password": f"proxy: http://user:{URL_PASSWORD}@proxy.example.com:3128",
    "lower-password": f"mysql -u root password={LOWER_PASSWORD}",
    "crictl-inspect": json.dumps(CRICTL_INSPECT, indent=2),
    "crictl-inspect-compact": json.dumps(CRICTL_INSPECT),
    "crictl-inspect-in-json-string": json.dumps({"output": json.dumps(CRICTL_INSPECT)}),
    "pod-env-yaml": POD_ENV_YAML,
    "pod-env-json": json.dumps(
        {"env": [{"name": "GITHUB_TOKEN", "value": POD_ENV_TOKEN}, {"name": "A", "value": "b"}]}
    ),
    "journal": (
        f"Nov 20 09:30:00 worker-1 kubelet[2345]: I1120 request Authorization: Bearer {JWT}\n"
        f"Nov 20 09:30:01 worker-1 crio[1]: env PASSWORD={ENV_PASSWORD} TOKEN={ENV_TOKEN}\n"
    ),
}

ALL_SECRETS = [
    "CanaryPEMbody0001",
    "Q2FuYXJ5UEVNYm9keTAwMDI",
    SSH_RSA,
    SSH_ED,
    SSH_ECDSA,
    OAUTH,
    "CanaryJwtSignature0007",
    "eyJpc3MiOiJrdWJlcm5ldGVzL3NlcnZpY2VhY2NvdW50In0",
    BEARER,
    BASIC,
    REG_AUTH,
    PULL_B64[:20],
    KUBE_TOKEN,
    KEY_DATA,
    CERT_DATA,
    ENV_PASSWORD,
    ENV_TOKEN,
    ENV_SECRET,
    AWS,
    URL_PASSWORD,
    LOWER_PASSWORD,
    INSPECT_PASSWORD,
    INSPECT_KEY,
    POD_ENV_TOKEN,
    "core@bastion",
]


def survivors(text: str) -> list[str]:
    return [s for s in ALL_SECRETS if s in text]


@pytest.mark.parametrize("name", sorted(TEXT_CANARIES))
def test_redact_text_removes_canary(name: str) -> None:
    out = redact_text(TEXT_CANARIES[name])
    assert survivors(out) == [], out
    assert "<redacted: " in out


def test_redact_text_all_canaries_together() -> None:
    out = redact_text("\n".join(TEXT_CANARIES.values()))
    assert survivors(out) == []


def test_redact_text_is_idempotent_and_deterministic() -> None:
    text = "\n".join(TEXT_CANARIES.values())
    once = redact_text(text)
    assert redact_text(text) == once
    assert redact_text(once) == once


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (TEXT_CANARIES["ssh-rsa"], "ssh-key"),
        (TEXT_CANARIES["pem-rsa"], "private-key"),
        (TEXT_CANARIES["oauth"], "token"),
        (TEXT_CANARIES["jwt"], "jwt"),
        (TEXT_CANARIES["pull-b64"], "pull-secret"),
        (TEXT_CANARIES["aws"], "aws-key"),
        (TEXT_CANARIES["url-password"], "password"),
    ],
)
def test_replacement_names_the_kind(text: str, kind: str) -> None:
    assert f"<redacted: {kind}>" in redact_text(text)


CHRONY = "server 0.rhel.pool.ntp.org iburst\ndriftfile /var/lib/chrony/drift\nmakestep 1.0 3\n"
HARMLESS = [
    "image: quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:" + "0a1b2c3d" * 8,
    "machine-id 3f9c2a618d3e4b7a9c152e6f0d8a7b43",
    "uid: 6f1c2e3a-1b2c-4d5e-8f90-123456789abc",
    "source: data:text/plain;charset=utf-8;base64," + base64.b64encode(CHRONY.encode()).decode(),
    "source: data:," + urllib.parse.quote(CHRONY),
    "serviceAccountName: builder\nsecretName: builder-dockercfg-x7k2p",
    "automountServiceAccountToken: false",
    "-----BEGIN CERTIFICATE-----\nMIIDCTCCAfGgAwIBAgIIcert\n-----END CERTIFICATE-----",
    "kubelet: token refresh for serviceaccount default/builder failed, retrying",
    "Nov 20 09:30:00 worker-1 systemd[1]: Started Kubernetes Kubelet.",
    "https://console-openshift-console.apps.example.com/k8s/cluster/nodes",
    "ssh-rsa is the key type; use ssh-ed25519 instead",
    "spec:\n  config:\n    passwd:\n      users:\n      - name: core\n",
    "token:\n  expirationSeconds: 3600\n",
    '{"key": "LOG_LEVEL", "value": "debug"}, {"key": "PATH", "value": "/usr/bin"}',
    "- name: DB_PASSWORD_FILE\n  valueFrom:\n    secretKeyRef: {name: db, key: password}\n",
]


@pytest.mark.parametrize("text", HARMLESS)
def test_false_positives_survive(text: str) -> None:
    assert redact_text(text) == text


def test_redact_by_path() -> None:
    machineconfig = {
        "kind": "MachineConfig",
        "spec": {
            "config": {
                "passwd": {"users": [{"name": "core", "sshAuthorizedKeys": ["CanaryPathSsh01"]}]},
                "storage": {"files": [{"path": "/etc/chrony.conf", "contents": {"source": "x"}}]},
            }
        },
    }
    out = redact(machineconfig)
    assert out["spec"]["config"]["passwd"]["users"][0] == {
        "name": "core",
        "sshAuthorizedKeys": "<redacted: ssh-key>",
    }
    assert out["spec"]["config"]["storage"] == machineconfig["spec"]["config"]["storage"]
    assert machineconfig["spec"]["config"]["passwd"]["users"][0]["sshAuthorizedKeys"] == [
        "CanaryPathSsh01"
    ]


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        (".dockerconfigjson", "pull-secret"),
        (".dockercfg", "pull-secret"),
        ("auths", "pull-secret"),
        ("pullSecret", "pull-secret"),
        ("token", "token"),
        ("client-key-data", "private-key"),
        ("client-certificate-data", "certificate"),
        ("password", "password"),
        ("kubeadminPassword", "password"),
        ("secret", "secret"),
        ("privateKey", "private-key"),
    ],
)
def test_sensitive_keys(key: str, kind: str) -> None:
    out = redact({"outer": {key: {"nested": "CanaryKeyValue02"}, "keep": "visible"}})
    assert out == {"outer": {key: f"<redacted: {kind}>", "keep": "visible"}}


def test_sensitive_keys_keep_booleans_and_none() -> None:
    assert redact({"token": None, "password": False, "secret": ""}) == {
        "token": None,
        "password": False,
        "secret": "",
    }


def test_secret_objects() -> None:
    secret: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "kubernetes.io/dockerconfigjson",
        "metadata": {
            "name": "pull-secret",
            "annotations": {
                "kubectl.kubernetes.io/last-applied-configuration": '{"data":{"x":"CanaryLA03"}}',
                "owner": "me",
            },
        },
        "data": {"ca.crt": "CanarySecretData04", "namespace": "CanarySecretData05"},
        "stringData": {"user": "CanarySecretData06"},
    }
    out = redact({"items": [secret]})
    text = json.dumps(out)
    assert "Canary" not in text
    item = out["items"][0]
    assert item["data"] == {
        "ca.crt": "<redacted: secret-data>",
        "namespace": "<redacted: secret-data>",
    }
    assert item["metadata"]["name"] == "pull-secret"
    assert item["metadata"]["annotations"]["owner"] == "me"
    assert item["type"] == "kubernetes.io/dockerconfigjson"


def test_crictl_inspect_environment() -> None:
    # by path: the value of every secret-looking entry of info.config.envs, whole
    out = redact(CRICTL_INSPECT)
    assert survivors(json.dumps(out)) == []
    envs = {e["key"]: e["value"] for e in out["info"]["config"]["envs"]}
    assert envs == {
        "PATH": "/usr/local/bin:/usr/bin",
        "DB_PASSWORD": "<redacted: password>",
        "STRIPE_API_KEY": "<redacted: credential>",
        "KUBERNETES_SERVICE_HOST": "172.30.0.1",
    }
    assert out["info"]["runtimeSpec"]["process"]["env"] == [
        "PATH=/usr/local/bin:/usr/bin",
        "DB_PASSWORD=<redacted: password>",
        "STRIPE_API_KEY=<redacted: credential>",
        "KUBERNETES_SERVICE_HOST=172.30.0.1",
    ]
    assert out["status"] == CRICTL_INSPECT["status"]  # the image digest and the rest stay
    # as text (what a report shows), pretty, compact or escaped inside another JSON string
    for name in ("crictl-inspect", "crictl-inspect-compact", "crictl-inspect-in-json-string"):
        text = redact_text(TEXT_CANARIES[name])
        assert survivors(text) == [], name
        assert "172.30.0.1" in text and "/usr/local/bin:/usr/bin" in text, name


def test_pod_spec_environment() -> None:
    pod = {
        "env": [
            {"name": "GITHUB_TOKEN", "value": POD_ENV_TOKEN},
            {"name": "LOG_LEVEL", "value": "debug"},
            {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "pw"}}},
        ]
    }
    assert redact(pod)["env"] == [
        {"name": "GITHUB_TOKEN", "value": "<redacted: token>"},
        {"name": "LOG_LEVEL", "value": "debug"},
        pod["env"][2],  # a reference to a Secret is no secret: kept
    ]
    text = redact_text(POD_ENV_YAML)
    assert survivors(text) == []
    assert "value: /usr/bin" in text and "secretKeyRef: {name: db, key: pw}" in text


def test_redact_walks_strings_lists_and_tuples() -> None:
    out = redact(["ok", (TEXT_CANARIES["oauth"], 1), {"msg": TEXT_CANARIES["journal"]}, 2.5])
    assert survivors(json.dumps(out)) == []
    assert out[0] == "ok" and isinstance(out[1], tuple) and out[3] == 2.5


def test_redact_frame() -> None:
    df = pd.DataFrame(
        {
            "name": ["a", "b"],
            "token": ["CanaryFrameTok07", None],
            "env": [f"DB_PASSWORD={ENV_PASSWORD}", "PATH=/bin"],
            "count": [1, 2],
        }
    )
    out = redact_frame(df)
    assert out["token"][0] == "<redacted: token>"
    assert out["token"].isna().tolist() == [False, True]
    assert out["env"].tolist() == ["DB_PASSWORD=<redacted: password>", "PATH=/bin"]
    assert out["count"].tolist() == [1, 2]
    assert df["token"][0] == "CanaryFrameTok07"
    assert isinstance(redact(df), pd.DataFrame)


def test_redact_html_escapes_placeholders_and_handles_escaped_text() -> None:
    page = (
        f"<pre>token: {KUBE_TOKEN}</pre><pre>token: &lt;redacted: token&gt;</pre>"
        f"<td>&quot;password&quot;: &quot;{LOWER_PASSWORD}&quot;</td>"
    )
    out = redact_html(page)
    assert survivors(out) == []
    assert "<redacted" not in out
    assert "<pre>token: &lt;redacted: token&gt;</pre>" in out


def test_five_megabytes_of_journal_lose_every_canary() -> None:
    """Large input: every canary goes (speed is measured in bench/bench_redaction.py)."""
    lines = [
        'Nov 20 09:30:00 worker-1 kubelet[2345]: I1120 "SyncLoop" pod="openshift-dns/dns-default" '
        'event={"ID":"6f1c2e3a-1b2c-4d5e-8f90-123456789abc","Type":"ContainerStarted"}',
        'Nov 20 09:30:01 worker-1 crio[1234]: level=info msg="Pulled image: quay.io/x@sha256:'
        + "0123456789abcdef" * 4
        + '" id=abc',
        '{"kind":"ConfigMap","data":{"key":"value","service-account-token-ttl":"3600"}}',
        "Nov 20 09:30:02 worker-1 kubelet[2345]: token refresh for serviceaccount failed; key "
        "rotation pending, see https://docs.openshift.com/x?y=z",
        TEXT_CANARIES["journal"],
    ]
    text = "\n".join(lines * (5_000_000 // sum(len(x) + 1 for x in lines) + 1))
    assert len(text) >= 5_000_000
    out = redact_text(text)
    assert survivors(out) == []
    assert out.count("dns-default") == text.count("dns-default")  # ordinary lines survive
