"""machineconfigs.parse / dataurl / tables: decoding MachineConfigs of Ignition 2.2 and 3.x."""

from __future__ import annotations

import base64
import gzip
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from rhcos_helpers.errors import NotApplicable, ParseError
from rhcos_helpers.machineconfigs.dataurl import decode_data_url
from rhcos_helpers.machineconfigs.parse import parse_machineconfig, read_machineconfigs
from rhcos_helpers.machineconfigs.tables import files_frame, generator_frame, kernel_frame, to_frame
from rhcos_helpers.sources import open_source

DATA = Path(__file__).parent / "data" / "api" / "machineconfigs"
CHRONY = (
    b"server tick.stdtime.gov.tw maxdelay 0.4 offline\n"
    b"server time.stdtime.gov.tw maxdelay 0.4 offline"
)


def load(name: str) -> dict:
    return yaml.safe_load((DATA / name).read_text())


@pytest.mark.parametrize(
    ("url", "compression", "expected"),
    [
        ("data:,%5Bcrio%5D%0Ax%20%3D%201%0A", None, b"[crio]\nx = 1\n"),
        ("data:,", "", b""),
        ("data:,%20", None, b" "),
        ("data:text/plain;charset=utf-8;base64,aGVsbG8K", None, b"hello\n"),
        ("data:;base64,aGVsbG8K", "", b"hello\n"),
        ("data:application/octet-stream;base64,AAEC", None, b"\x00\x01\x02"),
        (
            "data:;base64," + base64.b64encode(gzip.compress(b"x" * 100)).decode(),
            "gzip",
            b"x" * 100,
        ),
        ("data:text/plain;charset=utf-8;base64,aGVs\nbG8K", None, b"hello\n"),
    ],
    ids=["percent", "empty", "space", "mime-base64", "butane-base64", "binary", "gzip", "wrapped"],
)
def test_data_url_forms(url, compression, expected):
    assert decode_data_url(url, compression=compression) == expected


@pytest.mark.parametrize(
    ("url", "compression", "fragment"),
    [
        ("https://example.com/x", None, "not a data URL"),
        ("data:nocomma", None, "without a comma"),
        ("data:;base64,@@@", None, "bad base64"),
        ("data:,50%", None, "bad %-escape"),
        ("data:;base64,aGVsbG8K", "gzip", "bad gzip"),
        ("data:,x", "bzip2", "unknown compression"),
    ],
)
def test_data_url_errors(url, compression, fragment):
    with pytest.raises(ParseError, match=fragment):
        decode_data_url(url, compression=compression)


@given(st.text(max_size=200), st.sampled_from([None, "", "gzip", "xz"]))
def test_decoder_returns_bytes_or_parse_error(url, compression):
    try:
        out = decode_data_url(url, compression=compression)
    except ParseError:
        return
    assert isinstance(out, bytes)


@given(st.binary(max_size=300), st.booleans())
def test_decoder_round_trips_what_butane_and_mco_write(data, gz):
    payload = gzip.compress(data) if gz else data
    url = "data:;base64," + base64.b64encode(payload).decode()
    assert decode_data_url(url, compression="gzip" if gz else "") == data


def test_ignition_34_and_22_chrony_decode_alike():
    new, old = (
        parse_machineconfig(load("50-worker-chrony-4.16.yaml")),
        parse_machineconfig(load("50-worker-chrony-4.3.yaml")),
    )
    assert (new.ignition_version, old.ignition_version) == ("3.4.0", "2.2.0")
    assert new.files[0].contents == old.files[0].contents == CHRONY
    assert new.files[0].mode_octal == old.files[0].mode_octal == "0644"
    assert new.files[0].overwrite is True and old.files[0].overwrite is None
    assert old.files[0].effective_overwrite is True  # 2.2 default
    assert new.role == old.role == "worker" and new.origin == "user"


def test_butane_gzip_and_percent_forms():
    mc = parse_machineconfig(load("99-worker-butane-sysctl-4.14.yaml"))
    files = {f.path: f for f in mc.files}
    assert files["/etc/example"].text == "hello world\n"
    assert files["/etc/sysctl.d/99-arp.conf"].text.startswith("net.ipv4.conf.all.arp_ignore_0 = 1")
    frame = files_frame_for(mc)
    assert dict(zip(frame["PATH"], frame["ENCODING"], strict=True)) == {
        "/etc/example": "percent",
        "/etc/sysctl.d/99-arp.conf": "base64+gzip",
    }


def files_frame_for(mc):
    from datetime import UTC, datetime

    from rhcos_helpers.machineconfigs.parse import McSet

    return files_frame(McSet({mc.name: mc}, {}, (), (), datetime.now(UTC)))


def test_refused_content_is_named_and_keys_never_kept():
    obj = load("60-worker-refused-4.12.yaml")
    mc = parse_machineconfig(obj)
    text = " ".join(mc.unsupported)
    assert "directory /var/lib/example" in text
    assert "link /etc/localtime" in text
    assert "user alice" in text
    assert mc.files[0].error.startswith("bad base64")
    assert mc.ssh_summary == "1 key(s) for alice: line sha256 f5121382e31a"
    assert "AAAAC3Nza" not in repr(mc)


@pytest.mark.parametrize(
    ("name", "meta", "origin"),
    [
        ("00-worker", {"annotations": {"machineconfiguration.openshift.io/generated-by-controller-version": "x"}}, "template"),
        ("99-worker-ssh", {}, "installer"),
        ("99-worker-generated-registries", {}, "image-policy"),
        ("99-worker-b3d2e28e-a1e9-44f6-80a5-2d74bca78e7f-registries", {}, "image-policy"),
        ("99-worker-generated-kubelet", {"ownerReferences": [{"kind": "KubeletConfig", "name": "max-pods"}]}, "kubeletconfig"),
        ("99-worker-generated-containerruntime", {"ownerReferences": [{"kind": "ContainerRuntimeConfig", "name": "pids"}]}, "containerruntimeconfig"),
        ("98-worker-generated-kubelet", {}, "controller"),
        ("rendered-worker-0123", {"ownerReferences": [{"kind": "MachineConfigPool", "name": "worker"}]}, "rendered"),
        ("50-worker-chrony", {}, "user"),
    ],
)  # fmt: skip
def test_origin(name, meta, origin):
    obj = {
        "metadata": {"name": name, **meta},
        "spec": {"config": {"ignition": {"version": "3.2.0"}}},
    }
    assert parse_machineconfig(obj).origin == origin


@pytest.mark.parametrize(
    ("obj", "fragment"),
    [
        ({"metadata": {}}, "without metadata.name"),
        ({"metadata": {"name": "x"}, "spec": {"config": "nope"}}, "spec.config is not an object"),
        ({"metadata": {"name": "x"}, "spec": {"config": {"ignition": {"version": "1.0"}}}}, "ignition.version '1.0' is not an Ignition spec"),
        ({"metadata": {"name": "x"}, "spec": {"config": {"ignition": {"version": "3.6.0-experimental"}}}}, "ignition.version '3.6.0-experimental' is not"),
        ({"metadata": {"name": "x"}, "spec": {"config": {"ignition": {"version": "3.4"}}}}, "ignition.version '3.4' is not"),
        ({"metadata": {"name": "x"}, "spec": {"config": {"storage": {"files": []}}}}, "spec.config has no ignition.version"),
        ({"metadata": {"name": "x"}, "spec": {"config": {"apiVersion": "v1", "kind": "ConfigMap"}}}, "not an Ignition config"),
        ({"metadata": {"name": "x"}, "spec": {"config": {"ignition": {"version": "3.2.0"}, "storage": {"files": [{"mode": 420}]}}}}, "has no path"),
    ],
)  # fmt: skip
def test_invalid_objects(obj, fragment):
    with pytest.raises(ParseError, match=re.escape(fragment)) as err:
        parse_machineconfig(obj)
    if "ignition" in fragment or "Ignition" in fragment or "object" in fragment:
        # the input is named, and the next step: edit or delete that MachineConfig
        assert "fails to render" in str(err.value) and "`oc edit mc x`" in str(err.value)


@pytest.mark.parametrize("version", ["2.0.0", "2.1.0", "2.2.0", "3.0.0", "3.1.0", "3.2.0", "3.3.0",
                                     "3.4.0", "3.5.0"])  # fmt: skip
def test_every_ignition_spec_mco_reads_is_accepted(version):
    obj = {"metadata": {"name": "x"}, "spec": {"config": {"ignition": {"version": version}}}}
    assert parse_machineconfig(obj).ignition_major == int(version[0])


@pytest.mark.parametrize(
    ("url", "compression", "effect"),
    [
        ("data:;base64,@@@", None, "fails to render (RenderDegraded)"),
        ("data:,50%", None, "fails to render (RenderDegraded)"),
        ("data:,x", "bzip2", "fails to render (RenderDegraded)"),
        ("data:;base64,aGVsbG8K", "gzip", "the node goes Degraded"),
        ("https://example.com/chrony.conf", None, "the node goes Degraded"),
    ],
)
def test_an_undecodable_file_names_the_field_its_effect_and_the_fix(url, compression, effect):
    obj = {"metadata": {"name": "50-worker-bad"}, "spec": {"config": {
        "ignition": {"version": "3.4.0"},
        "storage": {"files": [{"path": "/etc/x", "contents": {"source": url, "compression": compression}}]},
    }}}  # fmt: skip
    (f,) = parse_machineconfig(obj).files
    assert f.contents is None
    assert effect in f.error and "fix contents.source with `oc edit mc 50-worker-bad`" in f.error
    assert "\n" not in f.error  # one line


def test_units_and_dropins_22_and_3x():
    mc = parse_machineconfig(
        {
            "metadata": {"name": "x"},
            "spec": {"config": {"ignition": {"version": "2.2.0"}, "systemd": {"units": [
                {"name": "a.service", "enable": True, "contents": "[Unit]\n"},
                {"name": "b.service", "mask": True, "dropins": [{"name": "10.conf", "contents": "[Service]\n"}]},
            ]}}},
        }
    )  # fmt: skip
    a, b = mc.units
    assert (a.enabled, a.mask, b.mask, b.dropins[0].name) == (True, None, True, "10.conf")


@pytest.mark.parametrize("spec", ["demo", "demo:4.3"])
def test_oc_get_mc_columns_on_the_demos(spec):
    mcs = read_machineconfigs(open_source(spec))
    frame = to_frame(mcs, ignition_22_columns=spec == "demo:4.3")
    assert list(frame.columns[:4]) == [
        "NAME", "GENERATEDBYCONTROLLER", "IGNITIONVERSION", "CREATED" if spec == "demo:4.3" else "AGE",
    ]  # fmt: skip
    rows = {r["NAME"]: r for r in frame.to_dict("records")}
    assert rows["50-worker-chrony"]["ORIGIN"] == "user"
    assert rows["99-worker-ssh"]["SSH"] == "1 key(s) for core: line sha256 17a292eaa24e"
    assert "AAAA" not in frame.to_string()
    kernel = kernel_frame(mcs)
    assert "AAAA" not in kernel.to_string()
    gens = generator_frame(mcs)
    assert set(gens["NAME"]) == {"(not collected by this source)"}


def test_generators_matched_by_owner(tmp_path):
    from datetime import UTC, datetime

    from rhcos_helpers.machineconfigs.parse import McSet

    mc = parse_machineconfig({
        "metadata": {"name": "99-worker-generated-kubelet", "labels": {"machineconfiguration.openshift.io/role": "worker"},
                     "ownerReferences": [{"kind": "KubeletConfig", "name": "set-max-pods"}]},
        "spec": {"config": {"ignition": {"version": "3.4.0"}}},
    })  # fmt: skip
    kc = {"metadata": {"name": "set-max-pods"},
          "spec": {"machineConfigPoolSelector": {"matchLabels": {"pools.operator.machineconfiguration.openshift.io/worker": ""}}},
          "status": {"conditions": [{"type": "Success", "message": "Success"}]}}  # fmt: skip
    pool = {
        "metadata": {
            "name": "worker",
            "labels": {"pools.operator.machineconfiguration.openshift.io/worker": ""},
        }
    }
    mcs = McSet({mc.name: mc}, {}, (kc,), (), datetime.now(UTC))
    row = generator_frame(mcs, [pool]).iloc[0].to_dict()
    assert row == {"KIND": "KubeletConfig", "NAME": "set-max-pods", "POOLS": "worker",
                   "MACHINECONFIGS": "99-worker-generated-kubelet", "STATUS": "Success: Success"}  # fmt: skip


def test_capture_without_machineconfigs_says_so():
    from tests.test_capture import MG

    src = open_source(str(MG))
    with pytest.raises(NotApplicable):
        read_machineconfigs(src)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=12,
)


@given(
    st.fixed_dictionaries(
        {"metadata": st.fixed_dictionaries({"name": st.text(min_size=1, max_size=10)})},
        optional={"spec": st.fixed_dictionaries({}, optional={
            "config": st.fixed_dictionaries({}, optional={
                "ignition": st.fixed_dictionaries({"version": st.sampled_from(["2.2.0", "3.4.0", "x"])}),
                "storage": st.fixed_dictionaries({}, optional={"files": st.lists(_json, max_size=3)}),
                "systemd": st.fixed_dictionaries({}, optional={"units": st.lists(_json, max_size=3)}),
                "passwd": _json,
            }),
            "kernelArguments": st.lists(st.text(max_size=5), max_size=3),
        })},
    )
)  # fmt: skip
def test_parse_machineconfig_returns_or_raises_parse_error(obj):
    try:
        mc = parse_machineconfig(obj)
    except ParseError:
        return
    assert mc.name == obj["metadata"]["name"]


def test_ssh_keys_are_shown_as_the_fingerprints_ssh_keygen_prints(tmp_path: Path) -> None:
    import shutil
    import subprocess

    from rhcos_helpers.machineconfigs.parse import ssh_fingerprint

    if not shutil.which("ssh-keygen"):
        pytest.skip("ssh-keygen (openssh-client) is not installed")
    key = tmp_path / "id"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "x@y", "-f", str(key)], check=True
    )
    line = (tmp_path / "id.pub").read_text().strip()
    listed = subprocess.run(
        ["ssh-keygen", "-l", "-f", str(tmp_path / "id.pub")],
        check=True, capture_output=True, text=True,
    ).stdout.split()[1]  # fmt: skip
    assert ssh_fingerprint(line) == listed
    obj = load("50-worker-chrony-4.16.yaml")
    obj["spec"]["config"]["passwd"] = {"users": [{"name": "core", "sshAuthorizedKeys": [line]}]}
    mc = parse_machineconfig(obj)
    assert mc.ssh_summary == f"1 key(s) for core: {listed}"
    assert line.split()[1] not in repr(mc)


#: a real-format ed25519 public key and what ``ssh-keygen -l`` prints for it
NEW_SSH_KEY = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDemoDemoDemoDemoDemoDemoDemoDemoDemoDemo000 new@example"
)
NEW_SSH_FINGERPRINT = "SHA256:pQSEEDFZ9UXwa/ywrpMGLi2Dx65OCp69nSdHygwOJcE"


def _with_keys(keys: list[str]):
    from datetime import UTC, datetime

    from rhcos_helpers.machineconfigs.parse import McSet

    obj = load("50-worker-chrony-4.16.yaml")
    obj["spec"]["config"]["passwd"] = {"users": [{"name": "core", "sshAuthorizedKeys": keys}]}
    mc = parse_machineconfig(obj)
    return McSet({mc.name: mc}, {}, (), (), datetime.now(UTC))


def test_the_ssh_column_names_each_key_by_its_fingerprint_never_the_key() -> None:
    from rhcos_helpers.redaction import redact_frame, redact_text

    keys = [
        NEW_SSH_KEY,
        'restrict,command="echo AAAA" ' + NEW_SSH_KEY.replace("new@", "other@"),  # options first
        "ssh-rsa not-a-key bad@example",  # does not decode: named, not a failure
    ]
    mcs = _with_keys(keys)
    ssh = to_frame(mcs).loc[0, "SSH"]
    assert ssh.startswith(f"3 key(s) for core: {NEW_SSH_FINGERPRINT}, {NEW_SSH_FINGERPRINT}, ")
    assert re.fullmatch(r".*, line sha256 [0-9a-f]{12}", ssh)
    # a fingerprint is no secret: redaction keeps it whole, in the table and in the record
    assert redact_text(ssh) == ssh
    assert redact_frame(to_frame(mcs)).loc[0, "SSH"] == ssh
    assert redact_frame(kernel_frame(mcs)).loc[0, "SSH KEYS"] == ssh
    shown = to_frame(mcs).to_string() + kernel_frame(mcs).to_string() + repr(mcs)
    assert "AAAAC3NzaC1lZDI1NTE5" not in shown and "not-a-key" not in shown


def test_a_swapped_ssh_key_changes_the_ssh_column() -> None:
    before = to_frame(_with_keys([NEW_SSH_KEY])).loc[0, "SSH"]
    swapped = NEW_SSH_KEY.replace("000 new@", "001 new@")  # another key, same size and comment
    after = to_frame(_with_keys([swapped])).loc[0, "SSH"]
    assert before == f"1 key(s) for core: {NEW_SSH_FINGERPRINT}"
    assert after != before and after.startswith("1 key(s) for core: SHA256:")
    # the comment is not part of the key: a renamed comment is the same key
    renamed = NEW_SSH_KEY.replace("new@example", "someone@else")
    assert to_frame(_with_keys([renamed])).loc[0, "SSH"] == before
