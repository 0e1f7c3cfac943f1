from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rhcos_helpers.errors import ParseError
from rhcos_helpers.node_os.os_release import parse_os_release
from tests.conftest import DATA

SAMPLES = DATA / "commands" / "os_release"


@pytest.mark.parametrize(
    ("sample", "flavour", "openshift", "base", "build", "coreos"),
    [
        ("rhcos-4.3.txt", "RHCOS", "4.3", "8.0", "43.81.202003052336.0", True),
        ("rhcos-4.12.txt", "RHCOS", "4.12", "8.6", "412.86.202301311551-0", True),
        ("rhcos-4.13.txt", "RHCOS", "4.13", "9.0", "413.90.202212151724-0", True),
        ("rhcos-10.1-ocp-4.20.txt", "RHCOS", "4.20", "10.1", "10.1.20251005-0", True),
        ("scos-4.12.txt", "SCOS", "4.12", "9.202211241749-0", "412.9.202211241749-0", True),
        ("fcos-37.txt", "FCOS", "", "37", "37.20230126.20.0", True),
    ],
)
def test_os_release_generations(sample, flavour, openshift, base, build, coreos):
    osr = parse_os_release((SAMPLES / sample).read_text())
    assert (osr.flavour, osr.openshift_version, osr.base_version, osr.build, osr.is_coreos) == (
        flavour, openshift, base, build, coreos,
    )  # fmt: skip


def test_rhcos_10_reports_id_rhel_but_is_rhcos():
    osr = parse_os_release((SAMPLES / "rhcos-10.1-ocp-4.20.txt").read_text())
    assert osr.id == "rhel"
    assert osr.is_el_coreos


def test_rhel_worker_is_not_coreos():
    osr = parse_os_release('NAME="Red Hat Enterprise Linux"\nID="rhel"\nVERSION_ID="8.6"\n')
    assert (osr.flavour, osr.is_coreos) == ("RHEL", False)


def test_no_id_is_a_parse_error_with_excerpt():
    with pytest.raises(ParseError, match="no ID= line") as info:
        parse_os_release("NAME=x\n" * 100)
    assert len(info.value.excerpt) == 200


@given(st.text())
def test_parser_returns_or_raises_parse_error(text: str):
    try:
        parse_os_release(text)
    except ParseError:
        pass


# ---------------------------------------------------------------------- rpm-ostree status

from datetime import UTC, datetime  # noqa: E402

from rhcos_helpers.node_os.rpm_ostree import parse_rpm_ostree_status  # noqa: E402
from rhcos_helpers.node_os.uname import parse_uname  # noqa: E402
from rhcos_helpers.node_os.versions import (  # noqa: E402
    deployments_frame,
    kernel_frame,
    os_frame,
)
from tests.node_fleet_fakes import fake_fleet, node_obj, ok  # noqa: E402

RPM = DATA / "commands" / "rpm_ostree_status"
UNAME = DATA / "commands" / "uname"


@pytest.mark.parametrize(
    ("sample", "roles", "booted_version", "image_prefix", "digest_prefix", "ts"),
    [
        ("rhcos-4.0-text.txt", ["booted"], "47.249", "pivot://registry.svc.ci", "sha256:002775f2",
         datetime(2019, 1, 7, 17, 47, 35, tzinfo=UTC)),
        ("rhcos-4.3-json.txt", ["booted", "rollback"], "43.81.202003052336.0", "pivot://quay.io",
         "sha256:f4eba859", datetime(2020, 3, 5, 23, 36, 46, tzinfo=UTC)),
        ("rhcos-4.5-text.txt", ["booted", "rollback"], "45.82.202007240629-0", "pivot://quay.io",
         "sha256:77e9ace1", datetime(2020, 7, 24, 6, 33, 19, tzinfo=UTC)),
        ("rhcos-4.16-json.txt", ["booted", "rollback"], "416.94.202409191851-0",
         "ostree-unverified-registry:quay.io", "sha256:37e7b610",
         datetime(2024, 9, 19, 18, 55, 2, tzinfo=UTC)),
        ("rhcos-4.16-json-staged.txt", ["staged", "booted", "rollback"], "416.94.202409191851-0",
         "ostree-unverified-registry:quay.io", "sha256:37e7b610",
         datetime(2024, 9, 19, 18, 55, 2, tzinfo=UTC)),
        ("rhcos-4.16-verbose-staged.txt", ["staged", "booted", "rollback"],
         "416.94.202409191851-0", "ostree-unverified-registry:quay.io", "sha256:37e7b610",
         datetime(2024, 9, 19, 18, 55, 2, tzinfo=UTC)),
        ("rhcos-4.17-text.txt", ["booted"], "417.94.202408190141-0",
         "ostree-unverified-registry:registry.ci", "sha256:f686bc1e",
         datetime(2024, 8, 19, 1, 45, 32, tzinfo=UTC)),
        ("fcos-37-container-json.txt", ["booted"], "37.20221211.3.0",
         "ostree-remote-registry:fedora:quay.io", "sha256:5ae2c8ac", None),
    ],
)  # fmt: skip
def test_rpm_ostree_status_every_form(
    sample, roles, booted_version, image_prefix, digest_prefix, ts
):
    st = parse_rpm_ostree_status((RPM / sample).read_text())
    assert [d.role for d in st.deployments] == roles
    b = st.booted
    assert b is not None
    assert (b.version, b.image.startswith(image_prefix), b.digest[:15]) == (
        booted_version, True, digest_prefix,
    )  # fmt: skip
    if ts is not None:
        assert b.timestamp == ts


def test_rpm_ostree_verbose_reads_staged_commit_and_stateroot():
    st = parse_rpm_ostree_status((RPM / "rhcos-4.16-verbose-staged.txt").read_text())
    staged = st.with_role("staged")
    assert staged is not None and staged.staged and not staged.booted
    assert staged.osname == "rhcos" and staged.checksum.startswith("5e0c1b7a")
    assert st.state == "idle"


def test_rpm_ostree_pending_deployment_without_staged_flag():
    text = (RPM / "rhcos-4.5-text.txt").read_text().replace("* pivot", "  pivot", 1)
    text = text.replace(
        "\n  pivot://quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:62",
        "\n* pivot://quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:62",
    )
    st = parse_rpm_ostree_status(text)
    assert [d.role for d in st.deployments] == ["pending", "booted"]


def test_rpm_ostree_custom_origin_description_in_both_forms():
    for sample in ("rhcos-4.3-json.txt", "rhcos-4.5-text.txt"):
        booted = parse_rpm_ostree_status((RPM / sample).read_text()).booted
        assert booted is not None
        assert booted.origin_description == "Managed by machine-config-operator"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty output"),
        ('{"deployments": [', "not JSON"),
        ('{"transaction": null}', "without a deployments list"),
        ('{"deployments": [{"version": "1"}]}', "neither checksum nor id"),
        ("State: idle\n", "no 'Deployments:' line"),
        ("State: idle\nDeployments:\n", "lists no deployment"),
        ('{"deployments": [{"id": "x", "timestamp": "soon"}]}', "is not a number"),
    ],
)
def test_rpm_ostree_bad_input_is_a_parse_error(text, fragment):
    with pytest.raises(ParseError, match=fragment):
        parse_rpm_ostree_status(text)


@given(st.text())
def test_rpm_ostree_parser_returns_or_raises_parse_error(text: str):
    try:
        parse_rpm_ostree_status(text)
    except ParseError:
        pass


@given(st.text().map(lambda t: "{" + t))
def test_rpm_ostree_json_branch_returns_or_raises_parse_error(text: str):
    try:
        parse_rpm_ostree_status(text)
    except ParseError:
        pass


# ---------------------------------------------------------------------- uname


@pytest.mark.parametrize(
    ("sample", "release", "machine", "variant"),
    [
        ("rhcos-4.3.txt", "4.18.0-147.3.1.el8_1.x86_64", "x86_64", "default"),
        ("rhcos-4.16.txt", "5.14.0-427.37.1.el9_4.x86_64", "x86_64", "default"),
        ("rhcos-4.16-aarch64-64k.txt", "5.14.0-427.13.1.el9_4.aarch64+64k", "aarch64", "64k"),
        ("rhcos-4.14-realtime.txt", "5.14.0-284.52.1.rt14.337.el9_2.x86_64", "x86_64", "realtime"),
        ("rhel-7.2-insights.txt", "3.10.0-327.el7.x86_64", "x86_64", "default"),
    ],
)
def test_uname_samples(sample, release, machine, variant):
    u = parse_uname((UNAME / sample).read_text())
    assert (u.release, u.machine, u.variant, u.operating_system) == (
        release, machine, variant, "GNU/Linux",
    )  # fmt: skip
    assert u.version.startswith("#1 SMP")


def test_uname_without_processor_fields():
    u = parse_uname(
        "Linux n1 5.14.0-1.el9.x86_64 #1 SMP Mon Jan 1 00:00:00 UTC 2024 x86_64 GNU/Linux"
    )
    assert (u.machine, u.version[-4:]) == ("x86_64", "2024")


def test_uname_too_short_is_a_parse_error():
    with pytest.raises(ParseError, match="fewer than 3 fields"):
        parse_uname("Linux\n")


@given(st.text())
def test_uname_parser_returns_or_raises_parse_error(text: str):
    try:
        parse_uname(text)
    except ParseError:
        pass


# ---------------------------------------------------------------------- per-node tables

RHEL_OS_RELEASE = (
    'NAME="Red Hat Enterprise Linux"\nVERSION="8.6 (Ootpa)"\nID="rhel"\nVERSION_ID="8.6"\n'
    'PRETTY_NAME="Red Hat Enterprise Linux 8.6 (Ootpa)"\n'
)


def test_rhel_worker_only_rpm_ostree_is_not_applicable():
    fleet = fake_fleet(
        {
            "rhel-0": {
                "os_release": ok(RHEL_OS_RELEASE),
                "uname": ok((UNAME / "rhcos-4.3.txt").read_text().replace("compute-1", "rhel-0")),
                "rpm_ostree_status": ("failed", "rpm-ostree: command not found (exit 127)"),
            }
        },
        objects={"rhel-0": node_obj("rhel-0", os_image="Red Hat Enterprise Linux 8.6 (Ootpa)")},
    )
    dep = deployments_frame(fleet).to_dict("records")
    assert dep[0]["node output"].startswith("not applicable: not a CoreOS node")
    osr = os_frame(fleet).to_dict("records")[0]
    assert (osr["flavour"], osr["CoreOS (MCO rule)"], osr["osImage = PRETTY_NAME"]) == (
        "RHEL", "no", "yes",
    )  # fmt: skip
    assert kernel_frame(fleet).to_dict("records")[0]["release"] == "4.18.0-147.3.1.el8_1.x86_64"


def test_garbled_and_missing_outputs_become_marked_rows():
    fleet = fake_fleet(
        {
            "n1": {"os_release": ok("garbage without an id"), "uname": ok("")},
            "n2": {},  # nothing collected
        }
    )
    rows = os_frame(fleet).to_dict("records")
    assert [r["node"] for r in rows] == ["n1", "n2"]
    assert "unparsable os_release: os_release: no ID= line" in rows[0]["node output"]
    assert "unparsable uname" in rows[0]["node output"]
    assert rows[1]["node output"].startswith("missing os_release")
    dep = deployments_frame(fleet).to_dict("records")
    assert [d["node"] for d in dep] == ["n1", "n2"]


@given(st.text().map(lambda t: "State: idle\nDeployments:\n" + t))
def test_rpm_ostree_text_branch_returns_or_raises_parse_error(text: str):
    try:
        parse_rpm_ostree_status(text)
    except ParseError:
        pass
