"""services: systemctl show / list-units in every layout, node selection, MCD pods, fleet."""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from rhcos_helpers import services
from rhcos_helpers.errors import ParseError, UsageError
from rhcos_helpers.services.systemctl import (
    KEY_SERVICES,
    key_services,
    parse_list_units,
    parse_systemctl_show,
    parse_systemd_timestamp,
    service_state,
)
from rhcos_helpers.services.targets import target_nodes
from rhcos_helpers.sources import open_source
from rhcos_helpers.sources.base import NodeOutput, attempt
from tests.fakes import FakeSource

ROOT = Path(__file__).resolve().parent
SHOW = ROOT / "data" / "commands" / "systemctl_show"
UNITS = ROOT / "data" / "commands" / "systemctl_list_units"
DEMO = ROOT.parent / "rhcos_helpers" / "demos" / "data"
DEMO_SHOW = sorted(DEMO.glob("*/nodes/*/systemctl_show.out"))
DEMO_UNITS = sorted(DEMO.glob("*/nodes/*/systemctl_list_units.out"))


def _id(p: Path) -> str:
    return f"{p.parts[-4]}/{p.parts[-2]}"


# ---------------------------------------------------------------------------- systemctl show


def test_show_insights_sample() -> None:
    units = parse_systemctl_show((SHOW / "rhel-7-services-insights-core.txt").read_text())
    assert list(units) == ["postfix.service", "postgresql.service", "tuned.service"]
    assert units["postfix.service"]["LimitMEMLOCK"] == ""  # empty values are kept
    assert units["tuned.service"]["ABC"] == ""
    # the wrapped line "basic.target dbus.service" (no '=') is skipped, not glued to a key
    assert not any(" " in key for key in units["tuned.service"])
    assert units["tuned.service"]["After"].endswith("systemd-journald.socket")
    assert units["postgresql.service"]["ExecStart"].startswith("{ path=/usr/bin/pg_ctl ;")
    tuned = service_state(units["tuned.service"], node="n")
    assert tuned.since is None and tuned.since_raw == "Tue 2019-11-19 23:55:53 EST"


@pytest.mark.parametrize("path", DEMO_SHOW, ids=_id)
def test_show_demo_outputs(path: Path) -> None:
    states = key_services(path.read_text(), node="n")
    assert [s.unit for s in states] == list(KEY_SERVICES)
    kubelet = states[1]
    assert kubelet.active and kubelet.sub_state == "running" and kubelet.main_pid
    assert kubelet.since is not None and kubelet.since.tzinfo is UTC
    assert kubelet.n_restarts is not None and kubelet.memory_bytes
    rpm = states[5]
    assert (rpm.active_state, rpm.main_pid, rpm.memory_bytes, rpm.since) == (
        "inactive", None, None, None,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Thu 2026-11-19 07:12:03 UTC", datetime(2026, 11, 19, 7, 12, 3, tzinfo=UTC)),
        ("Tue 2020-02-25 10:39:46 GMT", datetime(2020, 2, 25, 10, 39, 46, tzinfo=UTC)),
        ("Thu 2026-11-19 07:12:03.5 UTC", datetime(2026, 11, 19, 7, 12, 3, 500000, tzinfo=UTC)),
        ("2026-11-19 07:12:03", datetime(2026, 11, 19, 7, 12, 3, tzinfo=UTC)),
        ("Tue 2019-11-19 23:55:53 EST", None),
        ("Thu 2018-01-11 14:22:33 CST", None),
        ("--- XXXX-XX-XX XX:XX:XX UTC", None),
        ("n/a", None),
        ("", None),
        ("Thu 2026-02-30 07:12:03 UTC", None),
    ],
)
def test_systemd_timestamps(value: str, expected: datetime | None) -> None:
    assert parse_systemd_timestamp(value) == expected


def test_unset_counters() -> None:
    s = service_state(
        {"Id": "x.service", "MainPID": "0", "NRestarts": "", "MemoryCurrent": "18446744073709551615",
         "ExecMainStartTimestamp": "", "ActiveEnterTimestamp": "Thu 2026-11-19 07:12:03 UTC"},
        node="n",
    )  # fmt: skip
    assert (s.main_pid, s.n_restarts, s.memory_bytes) == (None, None, None)
    assert s.since == datetime(2026, 11, 19, 7, 12, 3, tzinfo=UTC)  # falls back to ActiveEnter


def test_missing_unit_is_marked_not_listed() -> None:
    states = key_services("Id=crio.service\nActiveState=active\n", node="n")
    assert states[0].active and states[1].load_state == "not listed"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty output"),
        ("\n  \n", "empty output"),
        ("ActiveState=active\nSubState=running\n", "no block names a unit"),
        ("garbage without equals\n", "no block names a unit"),
    ],
)
def test_show_errors(text: str, fragment: str) -> None:
    with pytest.raises(ParseError, match=fragment):
        parse_systemctl_show(text)


def test_show_truncated_block_keeps_what_is_there() -> None:
    text = (SHOW / "rhel-7-target-gmt-insights-core.txt").read_text()[:200]
    (state,) = [service_state(b, node="n") for b in parse_systemctl_show(text).values()]
    assert state.unit == "network.target" and state.active_state == ""


# ---------------------------------------------------------------------------- list-units


def test_list_units_rhcos_43() -> None:
    rows = parse_list_units((UNITS / "rhcos-4.3-running-services.txt").read_text())
    assert len(rows) == 18 and not any(r.failed for r in rows)
    assert rows[-1].unit == "vmtoolsd.service"
    assert rows[9].description == "NFS status monitor for NFSv2/3 locking."


def test_list_units_failed_rows_without_header() -> None:
    rows = parse_list_units((UNITS / "rhel-7-failed-insights-core.txt").read_text())
    failed = [r for r in rows if r.failed]
    assert [r.unit for r in failed] == [
        "docker-storage-setup.service", "NetworkManager-wait-online.service",
        "ovirt-guest-agent.service",
    ]  # fmt: skip
    assert all(r.marked for r in failed) and not any(r.marked for r in rows if not r.failed)
    assert rows[1].unit == r"sys-devices-virtual-net-ovs\x2dsystem.device"


@pytest.mark.parametrize("path", DEMO_UNITS, ids=_id)
def test_list_units_demo_outputs(path: Path) -> None:
    text = path.read_text()
    rows = parse_list_units(text)
    listed = int(re.search(r"(\d+) loaded units listed", text).group(1))  # type: ignore[union-attr]
    assert len(rows) == listed
    assert {"crio.service", "kubelet.service"} <= {r.unit for r in rows}


def test_list_units_ascii_bullet_and_legend_stop() -> None:
    text = (
        "  UNIT          LOAD   ACTIVE SUB    DESCRIPTION\n"
        "* kubelet.service loaded failed failed Kubernetes Kubelet\n"
        "  crio.service  loaded active running\n"
        "\n"
        "LOAD   = Reflects whether the unit definition was properly loaded.\n"
        "  after.service loaded active running Never read\n"
    )
    rows = parse_list_units(text)
    assert [(r.unit, r.failed, r.description) for r in rows] == [
        ("kubelet.service", True, "Kubernetes Kubelet"),
        ("crio.service", False, ""),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "UNIT LOAD ACTIVE SUB DESCRIPTION\n",
        "0 loaded units listed.\n",
        "NAME                     STATUS\nfoo                      bar\n",
        "  crio.service  loa",  # truncated mid-row
    ],
)
def test_list_units_errors(text: str) -> None:
    with pytest.raises(ParseError, match="systemctl_list_units: no unit rows"):
        parse_list_units(text)


# ---------------------------------------------------------------------------- selection


def test_target_nodes() -> None:
    src = open_source("demo")
    assert target_nodes(src).nodes == tuple(src.node_names())
    t = target_nodes(src, names="worker-2, worker-1,", limit=1)
    assert t.nodes == ("worker-1",) and t.left_out == {"worker-2": "not read: MAX_NODES=1 reached"}
    assert target_nodes(src, selector="node-role.kubernetes.io/infra=").nodes == ("infra-0",)
    with pytest.raises(UsageError, match="MAX_NODES must be at least 1"):
        target_nodes(src, limit=0)
    empty = target_nodes(FakeSource({}))
    assert empty.nodes == () and "not collected" in empty.reason


# ---------------------------------------------------------------------------- fleet


def test_collect_on_the_demo_marks_worker_1() -> None:
    src = open_source("demo")
    targets = target_nodes(src)
    rep = services.units_read.collect(src, nodes=targets.nodes, progress=False)
    assert rep.nodes == targets.nodes
    assert len(rep.services) == 6 * len(KEY_SERVICES)
    assert rep.status["worker-1"]["systemctl_show"][0] == "failed"
    assert "NotReady" in rep.status["worker-1"]["systemctl_list_units"][2]
    assert rep.status["worker-2"]["systemctl_show"][0] == "ok"
    frame = services.units_analysis.status_frame(targets, rep)
    assert set(frame["node"]) == set(targets.nodes)
    titles = [f.title for f in services.units_analysis.findings(rep)]
    assert "Node worker-1: services could not be read" in titles
    assert services.units_analysis.failed_frame(rep).empty
    table = services.units_analysis.to_frame(rep.services, now=src.now())
    assert table["since"].notna().sum() == 6 * 6  # rpm-ostreed is inactive
    assert table.loc[0, "age"]


def test_bad_output_is_a_marked_row_and_the_rest_is_read() -> None:
    good_show = next(p for p in DEMO_SHOW if "worker-2" in str(p)).read_text()
    outputs = {
        ("a", "systemctl_show"): NodeOutput("a", "systemctl_show", "ok", stdout=""),
        ("a", "systemctl_list_units"): NodeOutput(
            "a", "systemctl_list_units", "ok", stdout="  UNIT LOAD ACTIV"
        ),
        ("b", "systemctl_show"): NodeOutput("b", "systemctl_show", "ok", stdout=good_show),
        ("b", "systemctl_list_units"): NodeOutput(
            "b", "systemctl_list_units", "ok",
            stdout="● kubelet.service loaded failed failed Kubernetes Kubelet\n",
        ),
    }  # fmt: skip
    src = FakeSource({}, outputs=outputs)
    rep = services.units_read.collect(src, nodes=["a", "b"], progress=False)
    assert rep.status["a"]["systemctl_show"][:1] == ("unparsed",)
    assert "systemctl_show: empty output" in rep.status["a"]["systemctl_show"][2]
    assert rep.status["a"]["systemctl_list_units"][0] == "unparsed"
    assert rep.status["b"]["systemctl_show"][0] == "ok"
    failed = services.units_analysis.failed_frame(rep)
    assert failed.to_dict("records")[0]["unit"] == "kubelet.service"
    found = services.units_analysis.findings(rep)
    assert any(f.title == "1 failed unit(s) on b" and f.severity == "critical" for f in found)
    assert sum("could not be parsed" in f.title for f in found) == 2


def test_not_active_and_restarts_findings() -> None:
    show = (
        "Id=crio.service\nLoadState=loaded\nActiveState=activating\nSubState=auto-restart\n"
        "Result=exit-code\nNRestarts=5\n\n"
        "Id=rpm-ostreed.service\nLoadState=loaded\nActiveState=inactive\nSubState=dead\n"
    )
    src = FakeSource(
        {}, outputs={("a", "systemctl_show"): NodeOutput("a", "systemctl_show", "ok", stdout=show)}
    )
    rep = services.units_read.collect(src, nodes=["a"], progress=False)
    titles = {f.title: f.severity for f in services.units_analysis.findings(rep)}
    assert titles["crio.service is not active on a"] == "critical"
    assert "crio.service restarted automatically on 1 node(s)" in titles
    assert not any("rpm-ostreed" in t for t in titles)  # on demand: inactive is normal


# ---------------------------------------------------------------------------- MCD pods


def _demo_pods() -> list[dict[str, Any]]:
    path = (DEMO / "ocp-4.16" / "cluster" / "namespaces" / "openshift-machine-config-operator"
            / "core" / "pods.yaml")  # fmt: skip
    return list(yaml.safe_load(path.read_text())["items"])


def test_mcd_pods_on_the_demo() -> None:
    src = open_source("demo")
    pods = services.mcd.mcd_pods(src, nodes=src.node_names())
    by_node = {p.node: p for p in pods}
    assert len(pods) == 7 and by_node["worker-1"].state == "NotReady"
    assert by_node["worker-2"].healthy and by_node["worker-2"].ready == "2/2"
    titles = [
        f.title
        for f in services.mcd.mcd_findings(attempt(services.mcd.mcd_pods, src, nodes=["worker-1"]))
    ]
    assert titles == ["Machine-config daemon on worker-1 is not ready (NotReady)"]


def test_mcd_pod_states() -> None:
    pods = _demo_pods()
    crashing = copy.deepcopy(next(p for p in pods if p["spec"]["nodeName"] == "worker-0"))
    cs = crashing["status"]["containerStatuses"][0]
    cs["ready"], cs["restartCount"] = False, 7
    cs["state"] = {"waiting": {"reason": "CrashLoopBackOff"}}
    cs["lastState"] = {"terminated": {"reason": "OOMKilled", "exitCode": 137}}
    src = FakeSource({"pods": [crashing]})  # a capture: no MCD pod at all would be "unknown"
    (p, none) = services.mcd.mcd_pods(src, nodes=["worker-0", "lonely"])
    assert (p.state, p.restarts, p.last_termination, p.healthy) == (
        "CrashLoopBackOff", 7, "OOMKilled", False,
    )  # fmt: skip
    assert none.pod == "" and none.phase == "no pod"
    frame = services.mcd.mcd_frame([p, none])
    assert frame["restarts"].tolist()[1] is None or str(frame["restarts"].tolist()[1]) == "<NA>"
    titles = [
        f.title
        for f in services.mcd.mcd_findings(
            attempt(services.mcd.mcd_pods, src, nodes=["worker-0", "lonely"])
        )
    ]
    assert titles == [
        "Machine-config daemon on worker-0 is not ready (CrashLoopBackOff)",
        "No machine-config daemon pod on lonely",
    ]


def test_mcd_pods_not_collected_is_a_reason() -> None:
    got = attempt(services.mcd.mcd_pods, FakeSource({}), nodes=["a"])
    assert not got.ok and "not collected" in (got.reason or "")
    assert services.mcd.mcd_findings(got) == []
    empty = attempt(services.mcd.mcd_pods, FakeSource({"pods": []}), nodes=["a"])
    assert not empty.ok and "holds no pod of openshift-machine-config-operator" in str(empty.reason)


# ---------------------------------------------------------------------------- properties

_LINES = st.lists(
    st.one_of(
        st.sampled_from(
            ["Id=crio.service", "Names=a.service b.service", "ActiveState=", "", "=x", "● x",
             "  crio.service loaded active running CRI-O", "LOAD   = x", "3 loaded units listed.",
             "ExecMainStartTimestamp=Thu 2026-11-19 07:12:03 UTC", "MemoryCurrent=[not set]",
             "NRestarts=²", "MainPID=-1"]
        ),
        st.text(max_size=60),
    ),
    max_size=12,
).map("\n".join)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(_LINES)
def test_parsers_return_records_or_parse_error(text: str) -> None:
    try:
        for props in parse_systemctl_show(text).values():
            service_state(props, node="n")
        key_services(text, node="n")
    except ParseError:
        pass
    try:
        parse_list_units(text)
    except ParseError:
        pass
