"""node_os filesystems, time_sync, health: df, kubelet summary, chrony, journal events, pressure."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rhcos_helpers.errors import ParseError
from rhcos_helpers.node_os.filesystems import filesystems_frame, parse_df, parse_summary_filesystems
from rhcos_helpers.node_os.fleet import collect
from rhcos_helpers.node_os.health import (
    findings,
    journal_events_frame,
    journal_frame,
    pressure_frame,
)
from rhcos_helpers.node_os.time_sync import chrony_frame, parse_chrony_tracking
from rhcos_helpers.sources import open_source
from tests.conftest import DATA
from tests.node_fleet_fakes import fake_fleet, node_obj, ok

DF = DATA / "commands" / "df"
CHRONY = DATA / "commands" / "chrony_tracking"


def test_df_live_form_in_bytes():
    rows = parse_df((DF / "rhcos-4.16-P-T-B1.txt").read_text())
    assert [(r.fstype, r.mountpoint) for r in rows] == [
        ("xfs", "/"),
        ("xfs", "/var"),
        ("xfs", "/var"),
    ]
    assert rows[0].size_bytes == 254763810816 and rows[0].used_bytes == 56640497403


def test_df_sos_form_kib_and_pseudo_filesystems():
    rows = parse_df((DF / "sos-df-al-x-autofs-4.16.txt").read_text())
    proc = rows[0]
    assert (proc.filesystem, proc.size_bytes, proc.use_pct) == ("proc", 0, None)
    var = next(r for r in rows if r.mountpoint == "/var")
    assert (var.size_bytes, var.use_pct) == (248792784 * 1024, 23)


def test_df_wrapped_source_and_mountpoint_with_spaces():
    text = (
        "Filesystem     1K-blocks  Used Available Use% Mounted on\n"
        "/dev/mapper/a-very-long-volume-group-name\n"
        "                 1000   500       500  50% /mnt/with space\n"
    )
    [r] = parse_df(text)
    assert (r.filesystem, r.mountpoint, r.used_bytes) == (
        "/dev/mapper/a-very-long-volume-group-name", "/mnt/with space", 512000,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "no 'Filesystem' header"),
        (
            "Filesystem Size Used Avail Use% Mounted on\n/dev/sda4 100G 1G 99G 1% /\n",
            "run df without -h",
        ),
        (
            "Filesystem 1K-blocks Used Available Use% Mounted on\n/dev/sda4 1 2\n",
            "row with 3 fields",
        ),
        (
            "Filesystem 1K-blocks Used Available Use% Mounted on\n/dev/sda4 1 x 2 5% /\n",
            "not a number",
        ),
        (
            "Filesystem 1K-blocks Used Available Use% Mounted on\n/dev/sda4 1 1 2 lots /\n",
            "not a percentage",
        ),
        ("Filesystem 1K-blocks Used Available Use% Mounted on\n/dev/truncated\n", "wrapped row"),
    ],
)
def test_df_bad_input(text, fragment):
    with pytest.raises(ParseError, match=fragment):
        parse_df(text)


@given(st.text())
def test_df_parser_returns_or_raises_parse_error(text: str):
    try:
        parse_df(text)
    except ParseError:
        pass


@given(st.text().map(lambda t: "Filesystem 1K-blocks Used Available Use% Mounted on\n" + t))
def test_df_rows_return_or_raise_parse_error(text: str):
    try:
        parse_df(text)
    except ParseError:
        pass


@pytest.mark.parametrize(
    ("sample", "stratum", "offset", "synced"),
    [
        ("rhcos-4.3.txt", 2, -0.000086785, True),
        ("rhcos-4.16.txt", 3, 0.000019311, True),
        ("unsynchronised.txt", 0, 0.0, False),
    ],
)
def test_chrony_samples(sample, stratum, offset, synced):
    t = parse_chrony_tracking((CHRONY / sample).read_text())
    assert (t.stratum, t.system_time_offset_s, t.synchronised) == (stratum, offset, synced)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("", "no 'Leap status'"), ("Stratum : x\nLeap status : Normal\n", "not a number")],
)
def test_chrony_bad_input(text, fragment):
    with pytest.raises(ParseError, match=fragment):
        parse_chrony_tracking(text)


@given(st.text())
def test_chrony_parser_returns_or_raises_parse_error(text: str):
    try:
        parse_chrony_tracking(text)
    except ParseError:
        pass


def test_summary_filesystems_on_a_4_3_kubelet_without_container_fs():
    text = (
        DATA.parent.parent
        / "rhcos_helpers/demos/data/ocp-4.3/nodes/compute-1/kubelet_stats_summary.out"
    ).read_text()
    assert [f.name for f in parse_summary_filesystems(text)] == ["nodefs", "imagefs"]


@pytest.mark.parametrize(
    ("text", "fragment"), [("", "empty"), ("{", "not valid JSON"), ("[]", "without a 'node'")]
)
def test_summary_bad_input(text, fragment):
    with pytest.raises(ParseError, match=fragment):
        parse_summary_filesystems(text)


@given(st.text())
def test_summary_parser_returns_or_raises_parse_error(text: str):
    try:
        parse_summary_filesystems(text)
    except ParseError:
        pass


def test_demo_health_tables():
    fleet = collect(open_source("demo"))
    journal = {(r["node"], r["unit"]): r for r in journal_frame(fleet).to_dict("records")}
    assert journal[("worker-2", "kubelet")]["OOM"] == 1
    assert journal[("worker-2", "kubelet")]["CrashLoopBackOff"] == 1
    assert journal[("worker-1", "crio")]["node output"].startswith(
        "failed: node worker-1 is NotReady"
    )
    events = journal_events_frame(fleet)
    assert sorted(events["event"]) == ["crashloop", "oom"]
    fs = filesystems_frame(fleet)
    infra = fs[fs["node"] == "infra-0"]
    assert list(infra["holds"]) == [
        "root (/)", "/var, image storage (/var/lib/containers)", "kubelet nodefs", "kubelet imagefs",
        "kubelet containerfs",
    ]  # fmt: skip
    assert chrony_frame(fleet).set_index("node").loc["worker-1", "node output"].startswith("failed")
    assert pressure_frame(fleet).set_index("node").loc["worker-1", "Ready"] == "Unknown"
    titles = [f.title for f in findings(fleet)]
    assert titles == [
        "Node worker-2: 1 OOM kill line(s) in the kubelet journal",
        "Node worker-2: 1 CrashLoopBackOff line(s) in the kubelet journal",
    ]


def test_health_findings_full_disk_pressure_and_clock():
    full = "Filesystem Type 1-blocks Used Available Capacity Mounted on\n/dev/sdb1 xfs 100 96 4 96% /var\n/dev/sda4 xfs 100 10 90 10% /\n"
    summary = json.dumps(
        {"node": {"fs": {"capacityBytes": 100, "usedBytes": 88, "availableBytes": 12}}}
    )
    unit_fail = json.dumps(
        {"__REALTIME_TIMESTAMP": "1795080600000000", "PRIORITY": "3", "SYSLOG_IDENTIFIER": "systemd",
         "UNIT": "crio.service", "MESSAGE": "crio.service: Failed with result 'exit-code'."}
    )  # fmt: skip
    pressure = [{"type": "Ready", "status": "True"},
                {"type": "DiskPressure", "status": "True", "message": "kubelet has disk pressure"}]  # fmt: skip
    fleet = fake_fleet(
        {
            "n1": {
                "df": ok(full),
                "kubelet_stats_summary": ok(summary, "json"),
                "chrony_tracking": ok((CHRONY / "unsynchronised.txt").read_text()),
                "journal_unit.crio": ok(unit_fail + "\n", "json"),
            },
            "n2": {
                "chrony_tracking": ok(
                    (CHRONY / "rhcos-4.16.txt")
                    .read_text()
                    .replace("0.000019311 seconds fast", "0.250000000 seconds slow")
                ),
                "df": ok("garbled"),
            },
        },
        objects={"n1": node_obj("n1", conditions=pressure), "n2": node_obj("n2")},
    )
    got = [(f.severity.value, f.title) for f in findings(fleet)]
    assert got == [
        ("warning", "Node n1 reports DiskPressure"),
        ("critical", "Node n1: /var, image storage (/var/lib/containers) is 96% full"),
        ("warning", "Node n1: kubelet nodefs is 88% full"),
        ("warning", "Node n1: crio failed 1 time(s), restarted 0 time(s)"),
        ("critical", "Node n1: the clock is not synchronised (chrony: Not synchronised)"),
        ("warning", "Node n2: the clock is -0.250 s off NTP time"),
    ]
    fs = filesystems_frame(fleet).to_dict("records")
    assert [r["from"][:22] for r in fs if r["node"] == "n2"] == [
        "unparsable: df: no 'Fi", "missing: kubelet_stats",
    ]  # fmt: skip
