"""machineconfigs.impact: the machine-config daemon's post-config action per release and path class."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from rhcos_helpers.errors import UsageError
from rhcos_helpers.machineconfigs.impact import policy_from_machineconfiguration, predict
from rhcos_helpers.machineconfigs.render import Change, ConfigDiff

DATA = Path(__file__).parent / "data" / "api" / "machineconfigs"

PATHS = {
    "kubelet-ca": "/etc/kubernetes/kubelet-ca.crt",
    "pull-secret": "/var/lib/kubelet/config.json",
    "internal-pull-secret": "/etc/mco/internal-registry-pull-secret.json",
    "registries": "/etc/containers/registries.conf",
    "policy": "/etc/containers/policy.json",
    "gpg": "/etc/machine-config-daemon/no-reboot/containers-gpg.pub",
    "user-ca": "/etc/pki/ca-trust/source/anchors/openshift-config-user-ca-bundle.crt",
    "registries.d": "/etc/containers/registries.d/quay.yaml",
    "other": "/etc/chrony.conf",
}

# (path class, {version: (action, drain)})
TABLE = {
    "kubelet-ca": {"4.3": ("reboot", True), "4.6": ("reboot", True), "4.7": ("reboot", True),
                   "4.8": ("none", False), "4.14": ("none", False), "4.17": ("reboot", True)},
    "pull-secret": {"4.3": ("reboot", True), "4.7": ("none", True), "4.8": ("none", False),
                    "4.14": ("none", False), "4.17": ("none", False)},
    "internal-pull-secret": {"4.13": ("reboot", True), "4.14": ("none", False)},
    "registries": {"4.5": ("reboot", True), "4.7": ("reload crio", True), "4.10": ("reload crio", True),
                   "4.14": ("reload crio", True), "4.17": ("reload crio.service", True)},
    "policy": {"4.7": ("reboot", True), "4.10": ("reload crio", False), "4.14": ("reload crio", False),
               "4.17": ("reload crio.service", False)},
    "gpg": {"4.7": ("reboot", True), "4.12": ("reload crio", False), "4.17": ("reload crio.service", False)},
    "user-ca": {"4.13": ("reboot", True), "4.14": ("restart crio", False), "4.16": ("restart crio", False),
                "4.17": ("restart coreos-update-ca-trust.service, restart crio.service", False)},
    "registries.d": {"4.14": ("reboot", True), "4.17": ("reload crio.service", False)},
    "other": {"4.3": ("reboot", True), "4.7": ("reboot", True), "4.14": ("reboot", True), "4.19": ("reboot", True)},
}  # fmt: skip

ROWS = [(cls, v, exp) for cls, by in TABLE.items() for v, exp in by.items()]


@pytest.mark.parametrize(("cls", "version", "expected"), ROWS, ids=[f"{c}-{v}" for c, v, _ in ROWS])
def test_file_actions_by_release(cls, version, expected):
    d = ConfigDiff("a", "b", (Change("file", PATHS[cls], "changed"),))
    (item,) = predict(d, version=version).items
    assert (item.action, item.drain) == expected, item.reason


@pytest.mark.parametrize(
    ("kind", "version", "action", "drain"),
    [
        ("unit", "4.3", "reboot", True), ("unit", "4.14", "reboot", True), ("unit", "4.17", "reboot", True),
        ("kernel-argument", "4.14", "reboot", True), ("extension", "4.10", "reboot", True),
        ("os-image", "4.16", "reboot", True), ("kernel-type", "4.12", "reboot", True),
        ("ssh-keys", "4.5", "reboot", True), ("ssh-keys", "4.7", "none", True),
        ("ssh-keys", "4.9", "none", False), ("ssh-keys", "4.17", "none", False),
        ("fips", "4.3", "unreconcilable", False), ("fips", "4.16", "unreconcilable", False),
        ("unsupported", "4.14", "unreconcilable", False),
    ],
)  # fmt: skip
def test_other_kinds(kind, version, action, drain):
    d = ConfigDiff("a", "b", (Change(kind, "x", "changed"),))
    imp = predict(d, version=version)
    assert (imp.items[0].action, imp.items[0].drain) == (action, drain)
    if kind == "fips":
        assert imp.unreconcilable and "Unreconcilable" in imp.summary


def test_overall_action_and_summary():
    d = ConfigDiff("a", "b", (
        Change("file", PATHS["pull-secret"], "changed"),
        Change("file", PATHS["policy"], "changed"),
    ))  # fmt: skip
    imp = predict(d, version="4.14.3")
    assert (imp.action, imp.drain, imp.reboot) == ("reload crio", False, False)
    assert "not drained" in imp.summary
    assert predict(ConfigDiff("a", "b", ()), version="4.14").action == "no change"


def test_cluster_policy_status_is_used_in_416_and_417():
    obj = yaml.safe_load((DATA / "machineconfiguration-cluster-4.17.yaml").read_text())
    policy = policy_from_machineconfiguration(obj)
    d = ConfigDiff("a", "b", (
        Change("file", "/etc/chrony.conf", "changed"),
        Change("unit", "chronyd.service", "changed"),
        Change("unit", "other.service", "changed"),
    ))  # fmt: skip
    imp = predict(d, version="4.17.2", policy=policy)
    assert "status" in imp.basis
    assert [(i.action, i.drain) for i in imp.items] == [
        ("restart chronyd.service", False), ("restart chronyd.service", False), ("reboot", True),
    ]  # fmt: skip
    # 4.16 without the status: the legacy paths (TechPreview not on); with it: the policy
    assert predict(d, version="4.16.21").basis.startswith("release-4.14")
    assert predict(d, version="4.16.21", policy=policy).items[0].action == "restart chronyd.service"


def test_unknown_version_is_a_named_error():
    with pytest.raises(UsageError, match="unknown OpenShift version"):
        predict(ConfigDiff("a", "b", ()), version="banana")
