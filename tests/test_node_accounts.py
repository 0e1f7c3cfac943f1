"""node_os.accounts: /etc/passwd and /etc/sudoers of nodes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rhcos_helpers.errors import ParseError
from rhcos_helpers.node_os.accounts import (
    accounts_frame,
    findings,
    parse_passwd,
    parse_sudoers,
    sudo_frame,
)
from tests.conftest import DATA
from tests.node_fleet_fakes import fake_fleet, node_obj, ok

PASSWD = DATA / "commands" / "passwd"
SUDOERS = DATA / "commands" / "sudoers"


@pytest.mark.parametrize("sample", ["rhcos-4.3.txt", "rhcos-4.16.txt"])
def test_core_and_root_on_every_generation(sample):
    by = {e.name: e for e in parse_passwd((PASSWD / sample).read_text())}
    assert (by["core"].uid, by["core"].home, by["core"].shell) == (
        1000,
        "/var/home/core",
        "/bin/bash",
    )
    assert by["root"].uid == 0


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "no account lines"),
        ("root:x:0:0:root:/root\n", "6 fields"),
        ("a:x:z:0:::/bin/sh", "non-numeric"),
    ],
)
def test_passwd_bad_input(text, fragment):
    with pytest.raises(ParseError, match=fragment):
        parse_passwd(text)


@pytest.mark.parametrize("sample", ["rhcos-4.3.txt", "rhcos-4.16.txt"])
def test_sudoers_stock_rhel_file(sample):
    rules = parse_sudoers((SUDOERS / sample).read_text())
    kinds = {r.kind for r in rules}
    assert kinds == {"defaults", "rule", "include"}
    assert [r.who for r in rules if r.kind == "rule"] == ["root", "%wheel"]
    assert not any(r.nopasswd for r in rules)  # "# %wheel ... NOPASSWD: ALL" is a comment


def test_sudoers_tags_aliases_continuations_and_at_include():
    text = (
        "User_Alias ADMINS = alice, \\\n    bob\n"
        "core ALL=(ALL) NOPASSWD: SETENV: /usr/bin/systemctl restart crio\n"
        "@includedir /etc/sudoers.d\n"
        "ADMINS ALL = ALL  # trailing comment\n"
    )
    rules = parse_sudoers(text)
    assert [(r.line, r.kind, r.who) for r in rules] == [
        (1, "alias", "ADMINS"), (3, "rule", "core"), (4, "include", "/etc/sudoers.d"),
        (5, "rule", "ADMINS"),
    ]  # fmt: skip
    assert rules[0].commands == "User_Alias = alice,      bob"
    assert (rules[1].nopasswd, rules[1].commands) == (True, "/usr/bin/systemctl restart crio")
    assert (rules[3].runas, rules[3].commands) == ("root", "ALL")


@pytest.mark.parametrize(
    ("text", "fragment"), [("", "empty file"), ("justoneword\n", "not a sudoers rule")]
)
def test_sudoers_bad_input(text, fragment):
    with pytest.raises(ParseError, match=fragment):
        parse_sudoers(text)


@given(st.text())
def test_passwd_parser_returns_or_raises_parse_error(text: str):
    try:
        parse_passwd(text)
    except ParseError:
        pass


@given(st.text())
def test_sudoers_parser_returns_or_raises_parse_error(text: str):
    try:
        parse_sudoers(text)
    except ParseError:
        pass


def test_frames_and_findings():
    passwd = (PASSWD / "rhcos-4.16.txt").read_text()
    rhcos = (DATA / "commands" / "os_release" / "rhcos-4.13.txt").read_text()
    fleet = fake_fleet(
        {
            "n1": {
                "os_release": ok(rhcos),
                "passwd": ok(passwd + "toor:x:0:0::/root:/bin/bash\n"),
                "sudoers": ok((SUDOERS / "rhcos-4.16.txt").read_text()),
            },
            "n2": {
                "os_release": ok(rhcos),
                "passwd": ok(passwd.replace("core:x:1000", "core:x:1001")),
            },
            "n3": {"passwd": ("failed", "node n3 is NotReady")},
        },
        objects={n: node_obj(n) for n in ("n1", "n2", "n3")},
    )
    acc = {r["node"]: r for r in accounts_frame(fleet).to_dict("records")}
    assert acc["n1"]["other uid 0"] == "toor" and acc["n1"]["core"].startswith("uid 1000")
    assert acc["n3"]["node output"] == "failed: node n3 is NotReady"
    sudo = sudo_frame(fleet).to_dict("records")
    assert [r["node"] for r in sudo] == ["n1", "n1", "n1", "n2", "n3"]
    assert "not collected here" in sudo[2]["node output"]
    assert sudo[3]["node output"].startswith("missing:")
    titles = [f.title for f in findings(fleet)]
    assert titles == [
        "Node n1: accounts other than root have uid 0 (toor)",
        "Node n2: the core user is missing or changed",
    ]
