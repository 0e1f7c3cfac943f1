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
    "internal-pull-secret": {"4.13": ("reboot", True), "4.14": ("none", False), "4.17": ("none", False)},
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


# Every release 4.3..4.18, every path class and item kind: (action, drain). The rows follow the
# module's sources: 4.3-4.6 always reboot; 4.7 the first reboot-less paths (still drained);
# 4.8-4.13 more paths, no drain for "none"; 4.14-4.16 the exact release-4.14 paths incl. the
# crio restart for the user CA bundle; 4.17+ (and 4.16 TechPreview) NodeDisruptionPolicy
# defaults.
R, N, NOD = ("reboot", True), ("none", False), ("none", True)
RC, RCN = ("reload crio", True), ("reload crio", False)
NDP_RELOAD = ("reload crio.service", False)
OLD = {c: R for c in (*PATHS, "unit", "kernel-argument", "ssh-keys")}
V47 = {**OLD, "pull-secret": NOD, "registries": RC, "ssh-keys": NOD}
V48 = {**V47, "kubelet-ca": N, "pull-secret": N, "policy": RCN, "gpg": RCN, "ssh-keys": N}
V414 = {**V48, "internal-pull-secret": N, "user-ca": ("restart crio", False)}
V417 = {**OLD, "pull-secret": N, "internal-pull-secret": N, "registries": ("reload crio.service", True), "policy": NDP_RELOAD,
        "gpg": NDP_RELOAD, "registries.d": NDP_RELOAD, "ssh-keys": N,
        "user-ca": ("restart coreos-update-ca-trust.service, restart crio.service", False)}  # fmt: skip
BY_MINOR = {
    **{m: OLD for m in range(3, 7)}, 7: V47, **{m: V48 for m in range(8, 14)},
    **{m: V414 for m in range(14, 17)}, 17: V417, 18: V417,
}  # fmt: skip
MATRIX = [(f"4.{m}", cls, exp) for m, row in BY_MINOR.items() for cls, exp in row.items()]


def _change(cls: str) -> Change:
    if cls in PATHS:
        return Change("file", PATHS[cls], "changed")
    return Change(cls, {"unit": "chronyd.service", "ssh-keys": "core"}.get(cls, "x"), "changed")


@pytest.mark.parametrize(
    ("version", "cls", "expected"), MATRIX, ids=[f"{v}-{c}" for v, c, _ in MATRIX]
)
def test_every_release_from_43_to_418(version, cls, expected):
    d = ConfigDiff("a", "b", (_change(cls),))
    (item,) = predict(d, version=f"{version}.7").items
    assert (item.action, item.drain) == expected, item.reason


def test_every_minor_is_in_the_matrix():
    assert sorted(BY_MINOR) == list(range(3, 19))


def test_416_techpreview_and_the_basis_per_release():
    d = ConfigDiff("a", "b", (_change("registries.d"),))
    assert predict(d, version="4.16.3").items[0].action == "reboot"  # release-4.14 paths
    tp = predict(d, version="4.16.3", tech_preview=True)
    assert tp.items[0].action == "reload crio.service" and "defaults" in tp.basis
    bases = {v: predict(d, version=v).basis for v in ("4.3", "4.7", "4.12", "4.15", "4.18")}
    assert bases == {
        "4.3": "always drain and reboot (4.3-4.6)",
        "4.7": "release-4.7 post-config actions",
        "4.12": "release-4.8..4.13 post-config actions",
        "4.15": "release-4.14 post-config action paths",
        "4.18": "NodeDisruptionPolicy defaults (no MachineConfiguration status read)",
    }


def test_a_release_newer_than_the_rules_says_so():
    imp = predict(ConfigDiff("a", "b", (_change("pull-secret"),)), version="4.24.1")
    assert (imp.items[0].action, imp.items[0].drain) == ("none", False)
    assert "4.24 is newer than 4.21" in imp.basis


@pytest.mark.parametrize("version", ["banana", "5.1", "4", "", "4.x", "4.0", "v3.11"])
def test_unknown_versions_name_the_input_and_the_form_to_use(version):
    with pytest.raises(UsageError, match="unknown OpenShift version") as err:
        predict(ConfigDiff("a", "b", (_change("other"),)), version=version)
    assert repr(version) in str(err.value)
    assert "4.N" in str(err.value) or "only OpenShift 4" in str(err.value)


@pytest.mark.parametrize("version", ["4.14.30", "4.16.21", "4.17.2"])
def test_single_node_is_never_drained_and_says_the_api_goes_away(version):
    d = ConfigDiff("a", "b", (_change("other"), _change("registries"), _change("kernel-argument")))
    ha = predict(d, version=version)
    sno = predict(d, version=version, topology="SingleReplica")
    assert ha.drain and not sno.drain and sno.single_node
    assert [i.action for i in sno.items] == [i.action for i in ha.items]
    assert all(not i.drain for i in sno.items) and sno.action == "reboot"
    assert "single-node: never drained" in sno.basis
    assert "not drained" in sno.summary and "the API and every workload are down" in sno.summary
    quiet = predict(ConfigDiff("a", "b", (_change("pull-secret"),)), version=version,
                    topology="SingleReplica")  # fmt: skip
    assert quiet.summary.startswith("The single node is not drained") and "API" not in quiet.summary
