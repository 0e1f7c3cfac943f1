"""journal: every journal form (JSON, node-logs API text, must-gather, sos), paging, frames."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rhcos_helpers import catalogue, services
from rhcos_helpers.errors import ParseError, UsageError
from rhcos_helpers.services.journal_json import journal_frame, parse_journal_json
from rhcos_helpers.services.journal_read import journal_window, parse_journal_output, parse_since
from rhcos_helpers.services.journal_records import classify_event, message_level, to_frame
from rhcos_helpers.services.journal_text import parse_journal_text
from rhcos_helpers.sources import open_source
from rhcos_helpers.sources.base import NodeOutput, SourceIdentity
from tests.fakes import FakeSource
from tests.simulator.server import journal_short_precise

ROOT = Path(__file__).resolve().parent
SAMPLES = ROOT / "data" / "commands" / "journal_unit"
DEMO = ROOT.parent / "rhcos_helpers" / "demos" / "data"
MG_CRIO = (
    ROOT / "data" / "capture" / "mg-4.16" / "host_service_logs" / "masters" / "crio_service.log"
)
SOS_CRIO = ROOT / "data" / "capture" / "sos-4.16" / "journalctl-unit-crio-4.16.txt"
DEMO_JSON = sorted(DEMO.glob("*/nodes/*/journal_unit.*.out"))


def _line(**fields: Any) -> str:
    base = {"__REALTIME_TIMESTAMP": "1732094400000000", "PRIORITY": "6", "MESSAGE": "hello"}
    base.update(fields)
    return json.dumps({k: v for k, v in base.items() if v is not ...})


# ---------------------------------------------------------------------------- JSON


def test_json_sample_from_systemd_219() -> None:
    (e,) = parse_journal_json((SAMPLES / "systemd-219-json-unit-start.txt").read_text())
    assert e.time == datetime(2015, 2, 3, 19, 6, 4, 739502, tzinfo=UTC)
    assert (e.host, e.unit, e.identifier, e.pid) == ("desktop", "nginx.service", "systemd", 1)
    assert (e.priority, e.level, e.level_from, e.event) == (6, "info", "journal", "")


@pytest.mark.parametrize(
    ("fields", "attr", "expected"),
    [
        ({"MESSAGE": [104, 105, 255]}, "message", "hi\ufffd"),  # non-UTF-8: byte array
        ({"MESSAGE": ["a", [98]]}, "message", "a\nb"),  # field present twice
        ({"MESSAGE": None}, "message", ""),  # over journalctl's 4096-byte threshold
        ({"PRIORITY": ...}, "level", "unknown"),
        ({"PRIORITY": "9"}, "priority", None),
        ({"PRIORITY": "x"}, "level", "unknown"),
        ({"_SYSTEMD_UNIT": "init.scope", "UNIT": "kubelet.service"}, "unit", "kubelet.service"),
        ({"_SYSTEMD_UNIT": "crio.service"}, "unit", "crio.service"),
        ({"_PID": "12", "SYSLOG_PID": "99"}, "pid", 12),
        ({"SYSLOG_PID": "99"}, "pid", 99),
        ({"SYSLOG_IDENTIFIER": ..., "_COMM": "crio"}, "identifier", "crio"),
        (
            {"PRIORITY": "6", "MESSAGE": "E1120 09:20:01.234567    2291 x.go:1] boom"},
            "level",
            "err",
        ),
        (
            {"PRIORITY": "3", "MESSAGE": "I1120 09:20:01.234567    2291 x.go:1] fine"},
            "level",
            "err",
        ),
    ],
)
def test_json_field_forms(fields: dict[str, Any], attr: str, expected: Any) -> None:
    (e,) = parse_journal_json(_line(**fields))
    assert getattr(e, attr) == expected


def test_json_garbled_and_truncated_lines_are_skipped() -> None:
    good = _line()
    text = "\n".join([good, "not json", good[:30], "", json.dumps([1, 2]), good])
    assert len(parse_journal_json(text, node="n1")) == 2
    assert {e.node for e in parse_journal_json(text, node="n1")} == {"n1"}


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("-- No entries --", "no journal entry in 1 line(s)"),
        ('{"MESSAGE": "no timestamp"}', "no journal entry in 1 line(s)"),
        ('{"__REALTIME_TIMESTAMP": "soon"}\n[', "no journal entry in 2 line(s)"),
    ],
)
def test_json_without_any_entry_is_a_parse_error(text: str, fragment: str) -> None:
    with pytest.raises(ParseError, match="journal_unit") as info:
        parse_journal_json(text)
    assert fragment in str(info.value)


def test_empty_json_is_an_empty_journal() -> None:
    assert parse_journal_json("") == [] and parse_journal_json("\n\n") == []
    assert journal_frame("").empty


@pytest.mark.parametrize("path", DEMO_JSON, ids=lambda p: f"{p.parts[-4]}/{p.parts[-2]}/{p.stem}")
def test_fast_path_matches_records_on_every_demo_journal(path: Path) -> None:
    text = path.read_text()
    fast = journal_frame(text, node="n")
    slow = to_frame(parse_journal_json(text, node="n"))
    assert list(fast.columns) == list(services.journal_records.COLUMNS)
    pd.testing.assert_frame_equal(fast, slow, check_dtype=False)


def test_demo_worker2_kubelet_has_the_planted_oom_and_crashloop() -> None:
    entries = parse_journal_json(
        (DEMO / "ocp-4.16" / "nodes" / "worker-2" / "journal_unit.kubelet.out").read_text()
    )
    assert len(entries) == 16 and all(e.identifier == "kubenswrapper" for e in entries)
    by_event = {e.event: e for e in entries if e.event}
    assert set(by_event) == {"oom", "crashloop"}
    assert "Got sys oom event" in by_event["oom"].message
    assert by_event["crashloop"].level == "err"


# ---------------------------------------------------------------------------- text


@pytest.mark.parametrize(
    "path", DEMO_JSON[:6], ids=lambda p: f"{p.parts[-4]}/{p.parts[-2]}/{p.stem}"
)
def test_node_logs_text_round_trips_the_json(path: Path) -> None:
    """The simulator serves demo JSON as the kubelet would (short-precise, UTC)."""
    text = path.read_text()
    from_json = parse_journal_json(text)
    ref = max(e.time for e in from_json)
    from_text = parse_journal_text(journal_short_precise(text), reference=ref, unit="x")
    assert [e.time for e in from_text] == [e.time for e in from_json]
    assert [e.message for e in from_text] == [e.message for e in from_json]
    assert [e.pid for e in from_text] == [e.pid for e in from_json]
    assert all(e.priority is None for e in from_text)
    # klog's own level survives the text form; lines without one are unknown, never invented
    assert {e.level for e in from_text} <= {"info", "err", "warning", "unknown"}


def test_must_gather_host_service_log() -> None:
    entries = parse_journal_text(MG_CRIO.read_text(), unit="crio")
    assert [e.host for e in entries] == ["master-0", "master-0", "master-0", "master-1"]
    assert entries[0].time == datetime(2024, 4, 30, 8, 3, 1, tzinfo=UTC)  # year from the header
    assert entries[0].identifier == "systemd" and entries[0].level == "unknown"
    assert entries[1].level == "info" and entries[1].level_from == "message"  # logrus level=info
    assert all(e.unit == "crio.service" for e in entries)


def test_sos_per_unit_journal_takes_the_year_from_the_capture_time() -> None:
    entries = parse_journal_text(
        SOS_CRIO.read_text(), reference=datetime(2024, 5, 2, 10, 10, tzinfo=UTC)
    )
    assert entries and all(e.time.year == 2024 for e in entries)


def test_year_rollover_and_precision() -> None:
    text = (
        "Dec 31 23:59:59 n crio[1]: old\n"
        "Jan  1 00:00:01.5 n crio[1]: new\n"  # syslog-style space-padded day, short fraction
    )
    old, new = parse_journal_text(text, reference=datetime(2025, 1, 1, 1, tzinfo=UTC))
    assert old.time == datetime(2024, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert new.time == datetime(2025, 1, 1, 0, 0, 1, 500000, tzinfo=UTC)


def test_text_continuations_markers_and_garbage() -> None:
    text = (
        "-- Boot 2a45907e46d44fb9afe2b251feceda42 --\n"
        "Nov 20 09:20:00.000001 w kubenswrapper[2]: first\n"
        "    continued\n"
        "garbage in the middle\n"
        "Nov 20 09:20:01.000001 w kernel: Out of memory: Killed process 5000 (demo-app)\n"
        "-- Reboot --\n"
    )
    first, kernel = parse_journal_text(text, year=2026)
    assert first.message == "first\ncontinued"
    assert kernel.pid is None and kernel.identifier == "kernel" and kernel.event == "oom"
    assert parse_journal_text("-- No entries --\n", year=2026) == []
    assert parse_journal_text("", year=2026) == []


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("\nerror: journal output not available\n", "the kubelet answered without journal lines"),
        ("\nfailed to get logging cmd: boom\n", "failed to get logging cmd"),
        ('<pre>\n<a href="crio/">crio/</a>\n</pre>', "no journal line in 3 line(s)"),
        ("Nov 20 09:2", "no journal line in 1 line(s)"),  # truncated
    ],
)
def test_text_without_journal_lines_is_a_parse_error(text: str, fragment: str) -> None:
    with pytest.raises(ParseError, match=re.escape(fragment)):
        parse_journal_text(text, year=2026)


def test_text_needs_a_year() -> None:
    with pytest.raises(ParseError, match="carry no year"):
        parse_journal_text("Nov 20 09:20:00 w crio[1]: x")
    with pytest.raises(UsageError, match="not both"):
        parse_journal_text("", year=2024, reference=datetime(2024, 1, 1, tzinfo=UTC))


def test_whole_journal_from_sos_is_narrowed_to_the_unit() -> None:
    text = (
        "Nov 20 09:20:00 w systemd[1]: Starting Kubernetes Kubelet...\n"
        "Nov 20 09:20:00 w systemd[1]: kubelet.service: Main process exited, code=exited, "
        "status=255/EXCEPTION\n"
        "Nov 20 09:20:01 w kubenswrapper[2]: I1120 09:20:01.000001       2 server.go:1] hi\n"
        'Nov 20 09:20:02 w crio[3]: time="x" level=info msg="other unit"\n'
        "Nov 20 09:20:03 w sshd[4]: Accepted publickey for core\n"
    )
    out = NodeOutput(
        "w", "journal_unit", "ok", stdout=text, origin="sos:sosreport-w/sos_commands/logs/"
        "journalctl_--no-pager",
    )  # fmt: skip
    entries, note = parse_journal_output(
        out, unit="kubelet", reference=datetime(2026, 11, 21, tzinfo=UTC)
    )
    assert [e.identifier for e in entries] == ["systemd", "kubenswrapper"]
    assert entries[0].event == "failed"
    assert "narrowed" in note and all(e.unit == "kubelet.service" for e in entries)


# ---------------------------------------------------------------------------- levels, events


@pytest.mark.parametrize(
    ("message", "priority"),
    [
        ('F1120 09:20:01.234567    2291 server.go:1] "fatal"', 2),
        ("W0415 12:40:18.037168       1 mount_helper_common.go:142] Warning: x", 4),
        ("I0316 09:45:00.283541    2129 kubelet.go:2431] x", 6),
        ("E1120 09:20:01 no microseconds] x", None),  # not klog's header: no guess
        ('time="2024-05-02 09:58:11.020345123Z" level=error msg="x"', 3),
        ('time="2024-05-02 09:58:11.020345123Z" level=fatal msg="x"', 2),
        ("<error> [1732094400.1234] device (br-ex): activation failed", 3),
        ("<info>  [1732094400.1234] manager: startup complete", 6),
        ("2024-11-20T09:20:01.234Z|00003|bridge|WARN|could not open", 4),
        ("Selected source 10.0.0.1 (pool.ntp.org)", None),
        ("", None),
    ],
)
def test_message_level(message: str, priority: int | None) -> None:
    assert message_level(message) == priority


@pytest.mark.parametrize(
    ("message", "event"),
    [
        ("Memory cgroup out of memory: Killed process 64868 (python3)", "oom"),
        ('"Container exited" reason="OOMKilled"', "oom"),
        ("kubelet.service: Failed with result 'exit-code'.", "failed"),
        ("Failed to start Kubernetes Kubelet.", "failed"),
        ("crio.service: Main process exited, code=killed, status=9/KILL", "failed"),
        ("kubelet.service: Scheduled restart job, restart counter is at 2.", "restart"),
        ("Back-off restarting failed container ... CrashLoopBackOff", "crashloop"),
        ("Started Kubernetes Kubelet.", ""),
    ],
)
def test_classify_event(message: str, event: str) -> None:
    assert classify_event(message) == event


def test_parse_since() -> None:
    now = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    assert parse_since("-90m", now=now) == now - timedelta(minutes=90)
    assert parse_since("+1d", now=now) == now + timedelta(days=1)
    assert parse_since("2026-11-20 08:00:00", now=now) == datetime(2026, 11, 20, 8, tzinfo=UTC)
    with pytest.raises(UsageError, match="neither relative"):
        parse_since("yesterday", now=now)


# ---------------------------------------------------------------------------- reading sources


class _LiveFake(FakeSource):
    """A live-kind source that records each journal request and answers with JSON lines."""

    def __init__(self, entries_at: list[datetime], now: datetime) -> None:
        super().__init__({}, now=now)
        self._identity = SourceIdentity(kind="live", spec="fake-live")
        self._now = now
        self.entries_at = entries_at
        self.calls: list[dict[str, str]] = []

    def now(self) -> datetime:
        return self._now

    def node_output(self, node: str, fact: str, **params: str) -> NodeOutput:
        self.calls.append(params)
        lo = parse_since(params["since"], now=self._now)
        hi = parse_since(params["until"], now=self._now) if "until" in params else self._now
        lines = [
            _line(
                __REALTIME_TIMESTAMP=str(int(t.timestamp() * 1_000_000)),
                _SYSTEMD_UNIT="crio.service",
                MESSAGE=f"m{i}",
            )
            for i, t in enumerate(self.entries_at)
            if lo <= t <= hi
        ]
        return NodeOutput(node, fact, "ok", stdout="\n".join(lines), format="json", origin="fake")


NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
EVERY_10_MIN = [NOW - timedelta(minutes=10 * i) for i in range(1, 6 * 24 + 3)]  # 24 h 20 min


def test_live_pages_by_window_when_the_catalogue_takes_until(monkeypatch: pytest.MonkeyPatch):
    f = catalogue.CATALOGUE["journal_unit"]
    monkeypatch.setitem(
        catalogue.CATALOGUE, "journal_unit", dataclasses.replace(f, params=(*f.params, "until"))
    )
    src = _LiveFake(EVERY_10_MIN, NOW)
    (res,) = journal_window(src, "w", units=["crio"], since="-24h", window=timedelta(hours=6))
    assert res.ok and res.requests == 4 and len(src.calls) == 4
    assert [c["unit"] for c in src.calls] == ["crio"] * 4  # the API refuses dotted names
    assert "until" in src.calls[0] and "until" not in src.calls[-1]
    # windows overlap by a margin; entries are cut to the window, none twice, none lost
    times = [e.time for e in res.entries]
    assert len(times) == len(set(times)) == 144
    assert min(times) >= NOW - timedelta(hours=24)


def test_live_source_pages_the_node_logs_api_by_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """journal_window on a LiveSource against the simulator: one request per window, each with
    since/until as the kubelet takes them, the unit without .service; nothing lost or doubled."""
    from rhcos_helpers.sources.live import LiveSource
    from tests.simulator import Simulator
    from tests.simulator.server import MINI_CAPTURE

    capture = tmp_path / "capture"
    shutil.copytree(MINI_CAPTURE, capture)
    (capture / "nodes" / "worker-0" / "journal_unit.crio.out").write_text(
        "".join(
            _line(
                __REALTIME_TIMESTAMP=str(int(t.timestamp() * 1_000_000)),
                _SYSTEMD_UNIT="crio.service",
                SYSLOG_IDENTIFIER="crio",
                _PID="2291",
                _HOSTNAME="worker-0",
                MESSAGE=f'time="x" level=info msg="m{i}"',
            )
            + "\n"
            for i, t in enumerate(EVERY_10_MIN)
        )
    )
    monkeypatch.setattr(LiveSource, "now", lambda self: NOW)
    with Simulator(capture, clock=lambda: NOW) as sim:
        with LiveSource.from_kubeconfig(
            context=None, spec="kube", config_file=str(sim.write_kubeconfig(tmp_path / "kc"))
        ) as src:
            (res,) = journal_window(
                src, "worker-0", units=["crio.service"], since="-24h", window=timedelta(hours=6)
            )
            # a bad bound comes back from the kubelet as a 400, not as an empty journal
            bad = src.node_output("worker-0", "journal_unit", unit="crio", since="-1h",
                                  until="2026-11-20T08:00")  # fmt: skip
    calls = sim.requests_to("/api/v1/nodes/worker-0/proxy/logs/journal")
    assert res.ok and res.requests == 4
    assert [c.param("unit") for c in calls[:4]] == [["crio"]] * 4
    assert [c.param("query") for c in calls[:4]] == [["crio"]] * 4
    assert calls[0].param("since") == [f"-{24 * 3600 + 60}s"]
    assert calls[0].param("until") == [f"-{18 * 3600 - 60}s"]
    assert calls[3].param("until") == []  # the last window runs to now
    times = [e.time for e in res.entries]
    assert len(times) == len(set(times)) == 144  # 24 h of entries every 10 min, the edge's cut
    assert min(times) >= NOW - timedelta(hours=24) and max(times) < NOW
    assert bad.status == "failed" and "400" in bad.reason


def test_live_without_until_reads_once_per_unit(monkeypatch: pytest.MonkeyPatch) -> None:
    f = catalogue.CATALOGUE["journal_unit"]
    without = tuple(p for p in f.params if p != "until")
    monkeypatch.setitem(catalogue.CATALOGUE, "journal_unit", dataclasses.replace(f, params=without))
    src = _LiveFake(EVERY_10_MIN, NOW)
    res = journal_window(src, "w", units=["crio", "kubelet.service"], since="-2h")
    assert [r.requests for r in res] == [1, 1]
    assert [c["unit"] for c in src.calls] == ["crio", "kubelet"]
    assert src.calls[0]["since"] == "-7200s"
    assert len(res[0].entries) == 12  # cut to [since, now)


def test_window_errors() -> None:
    src = _LiveFake([], NOW)
    with pytest.raises(UsageError, match="before it starts"):
        journal_window(src, "w", units=["crio"], since="-1h", until="-2h")
    with pytest.raises(UsageError, match="window must be positive"):
        journal_window(src, "w", units=["crio"], window=timedelta(0))
    with pytest.raises(UsageError, match="no journal unit"):
        services.journal_read.collect(src, nodes=["w"], units=" , ")


def test_unparsable_output_is_a_marked_result_not_an_exception() -> None:
    bad = NodeOutput("w", "journal_unit", "ok", stdout="garbage\n", format="json", origin="x")
    src = FakeSource({}, outputs={("w", "journal_unit"): bad})
    (res,) = journal_window(src, "w", units=["crio"])
    assert res.status == "unparsed" and "no journal entry" in res.reason and not res.entries


def test_collect_on_the_demo_names_every_node() -> None:
    src = open_source("demo")
    rep = services.journal_read.collect(src, nodes=src.node_names(), units="crio,kubelet")
    status = services.journal_analysis.status_frame(rep)
    assert len(status) == 14 and set(status["node"]) == set(src.node_names())
    w1 = status[status["node"] == "worker-1"]
    assert set(w1["status"]) == {"failed"} and w1["reason"].str.contains("NotReady").all()
    errors = services.journal_analysis.errors_frame(rep.frame)
    assert set(errors["event"]) == {"oom", "crashloop"} and set(errors["node"]) == {"worker-2"}
    titles = [f.title for f in services.journal_analysis.findings(rep)]
    assert "OOM kill in the kubelet.service journal of worker-2" in titles
    assert "CrashLoopBackOff in the kubelet.service journal of worker-2" in titles
    counts = services.journal_analysis.counts_frame(rep.frame)
    assert counts["messages"].sum() == len(rep.frame)
    assert services.journal_analysis.plot_activity(rep.frame) is not None
    assert services.journal_analysis.plot_activity(rep.frame.iloc[0:0]) is None


def test_collect_on_the_43_demo() -> None:
    src = open_source("demo:4.3")
    rep = services.journal_read.collect(src, nodes=["compute-0"], units=["kubelet"])
    assert rep.captured and {e.identifier for e in rep.entries} == {"hyperkube"}


def test_live_simulator_node_logs(
    simulator: Any, kubeconfig: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rhcos_helpers.sources.live import LiveSource

    # the simulator's kubelet clock is the mini capture's time: the client's must agree
    monkeypatch.setattr(LiveSource, "now", lambda self: datetime(2024, 11, 20, 9, 30, tzinfo=UTC))
    with LiveSource.from_kubeconfig(context=None, spec="kube", config_file=str(kubeconfig)) as src:
        (res,) = journal_window(src, "worker-0", units=["crio"], since="-1h")
        (absent,) = journal_window(src, "worker-0", units=["chronyd"], since="-1h")
    assert res.ok and res.origin.startswith("api:/api/v1/nodes/worker-0/proxy/logs/journal")
    assert [e.identifier for e in res.entries] == ["crio"] * 3
    assert res.entries[1].level == "info" and res.entries[0].level == "unknown"
    assert absent.status == "failed" and "404" in absent.reason


def test_error_bursts() -> None:
    t0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    lines = [
        _line(
            __REALTIME_TIMESTAMP=str(int((t0 + timedelta(seconds=5 * i)).timestamp() * 1e6)),
            _SYSTEMD_UNIT="kubelet.service",
            MESSAGE=f"E1120 09:00:{i % 60:02d}.000000    1 x.go:1] boom {i}",
        )
        for i in range(25)
    ]
    frame = journal_frame("\n".join(lines), node="w")
    bursts = services.journal_analysis.error_bursts(frame)
    assert bursts.to_dict("records")[0]["errors"] == 25
    rep = services.journal_read.JournalReport((), t0, t0, True, frame=frame)
    assert any(f.title.startswith("Error burst") for f in services.journal_analysis.findings(rep))


# ---------------------------------------------------------------------------- properties

_ANY_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400)
_JOURNALISH = st.lists(
    st.one_of(
        st.builds(
            lambda ts, msg, prio: json.dumps(
                {"__REALTIME_TIMESTAMP": ts, "MESSAGE": msg, "PRIORITY": prio}
            ),
            st.one_of(st.integers(min_value=0, max_value=2**64).map(str), st.text(max_size=5)),
            st.one_of(st.text(max_size=30), st.lists(st.integers(0, 300), max_size=5), st.none()),
            st.one_of(st.text(max_size=2), st.none()),
        ),
        st.sampled_from(
            ["Nov 20 09:20:00.123 w crio[1]: x", "Feb 29 00:00:00 w k: leap", "-- x --", "  c"]
        ),
        _ANY_TEXT,
    ),
    max_size=8,
).map("\n".join)


@settings(max_examples=300, deadline=None)
@given(_JOURNALISH)
def test_json_parsers_return_entries_or_parse_error(text: str) -> None:
    for parse in (parse_journal_json, journal_frame):
        try:
            parse(text)
        except ParseError:
            pass


@settings(max_examples=300, deadline=None)
@given(_JOURNALISH, st.integers(min_value=1970, max_value=2100))
def test_text_parser_returns_entries_or_parse_error(text: str, year: int) -> None:
    try:
        parse_journal_text(text, year=year)
    except ParseError:
        pass
    try:
        parse_journal_text(text, reference=datetime(year, 3, 1, tzinfo=UTC))
    except ParseError:
        pass
