from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rhcos_helpers.errors import ParseError
from rhcos_helpers.node_os import parse_os_release
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
