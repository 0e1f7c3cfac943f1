"""machineconfigs.author: MachineConfigs from plain inputs, per target release; what MCO would refuse."""

from __future__ import annotations

import pytest
import yaml

from rhcos_helpers.machineconfigs.author import (
    AuthoringError,
    FileSpec,
    UnitSpec,
    author_machineconfig,
    ignition_version_for,
)
from rhcos_helpers.machineconfigs.parse import parse_machineconfig

CHRONY = "server tick.stdtime.gov.tw maxdelay 0.4 offline\nserver time.stdtime.gov.tw maxdelay 0.4 offline"
SEED_URL = "data:text/plain;charset=utf-8;base64,c2VydmVyIHRpY2suc3RkdGltZS5nb3YudHcgbWF4ZGVsYXkgMC40IG9mZmxpbmUKc2VydmVyIHRpbWUuc3RkdGltZS5nb3YudHcgbWF4ZGVsYXkgMC40IG9mZmxpbmU="


@pytest.mark.parametrize(
    ("version", "ign"),
    [("4.3", "2.2.0"), ("4.5.9", "2.2.0"), ("4.6", "3.1.0"), ("4.7", "3.2.0"), ("4.13", "3.2.0"),
     ("4.14", "3.4.0"), ("4.18", "3.4.0"), ("4.19", "3.5.0"), ("4.21", "3.5.0")],
)  # fmt: skip
def test_ignition_version_per_release(version, ign):
    assert ignition_version_for(version) == ign


@pytest.mark.parametrize("version", ["4.3.5", "4.16.21"])
def test_chrony_example_matches_the_seed(version):
    out = author_machineconfig(name="50-worker-chrony", role="worker", target_version=version,
                               files=[FileSpec("/etc/chrony.conf", CHRONY, mode="0644")])  # fmt: skip
    obj = yaml.safe_load(out.yaml)
    assert (
        obj["apiVersion"] == "machineconfiguration.openshift.io/v1"
        and obj["kind"] == "MachineConfig"
    )
    assert obj["metadata"]["labels"] == {"machineconfiguration.openshift.io/role": "worker"}
    (entry,) = obj["spec"]["config"]["storage"]["files"]
    assert entry["contents"]["source"] == SEED_URL and entry["mode"] == 420
    assert ("filesystem" in entry) == version.startswith("4.3")
    back = parse_machineconfig(obj)
    assert back.files[0].text == CHRONY and back.unsupported == ()
    assert out.create_command() == "oc create -f 50-worker-chrony.yaml"


def test_units_and_kernel_arguments():
    out = author_machineconfig(
        name="99-worker-kargs", role="worker", target_version="4.14",
        units=[UnitSpec("hello.service", "[Unit]\n", dropins=(("10-x.conf", "[Service]\n"),))],
        kernel_arguments=["nosmt"],
    )  # fmt: skip
    spec = out.obj["spec"]
    assert spec["kernelArguments"] == ["nosmt"]
    assert spec["config"]["systemd"]["units"][0]["dropins"][0]["name"] == "10-x.conf"


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"users": ["alice"]}, "only manages core's SSH keys"),
        ({"directories": ["/var/lib/x"]}, "does not create directories"),
        ({"links": ["/etc/localtime"]}, "does not create links"),
        ({"files": [FileSpec("/etc/a", "1"), FileSpec("/etc/a", "2")]}, "listed twice"),
        ({"files": [FileSpec("/etc/a", "1", mode="4755")]}, "bits beyond 0777"),
        ({"files": [FileSpec("/etc/a", "1", mode=0o1777)]}, "bits beyond 0777"),
        ({"files": [FileSpec("/etc/a", "1", mode="rw-r--r--")]}, "not an octal mode"),
        ({"files": [FileSpec("etc/a", "1")]}, "is not absolute"),
        ({"files": [FileSpec("/etc/../a", "1")]}, "not a clean file path"),
        ({"units": [UnitSpec("hello")]}, "no systemd unit suffix"),
        ({"name": "Bad_Name"}, "not a valid object name"),
        ({}, "nothing to write"),
    ],
)
def test_rejections(kwargs, fragment):
    base = {"name": "50-worker-x", "role": "worker", "target_version": "4.16"}
    with pytest.raises(AuthoringError, match=fragment) as info:
        author_machineconfig(**{**base, **kwargs})
    assert "\n" not in str(info.value)


def test_duplicates_allowed_in_22():
    out = author_machineconfig(name="50-worker-x", role="worker", target_version="4.3",
                               files=[FileSpec("/etc/a", "1"), FileSpec("/etc/a", "2")])  # fmt: skip
    assert len(out.obj["spec"]["config"]["storage"]["files"]) == 2
