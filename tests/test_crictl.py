"""crictl parsers (every JSON version and table layout), joins, findings and the collector."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rhcos_helpers import crio
from rhcos_helpers.crio.fleet import _node_crio
from rhcos_helpers.crio.parse import _PARSERS
from rhcos_helpers.crio.tables import human_size, split_table
from rhcos_helpers.errors import ParseError
from rhcos_helpers.findings import Severity
from rhcos_helpers.sources import open_source
from rhcos_helpers.sources.base import Attempt, NodeOutput
from rhcos_helpers.widgets import filter_frame, nodes_parameter

DATA = Path(__file__).parent / "data" / "commands"


def sample(cmd: str, name: str) -> str:
    return (DATA / f"crictl_{cmd}" / name).read_text()


# ------------------------------------------------------------------------------ ps, every layout


@pytest.mark.parametrize(
    ("name", "count", "has_pod", "has_ns", "truncated"),
    [
        ("crictl-ps-1.13.txt", 2, False, False, True),
        ("crictl-ps-1.16.txt", 4, False, False, True),
        ("crictl-ps-1.29.txt", 4, True, False, True),
        ("crictl-ps-1.32.txt", 4, True, True, True),
        ("crictl-ps-1.16.json", 3, True, True, False),
        ("crictl-ps-1.29.json", 4, True, True, False),
    ],
)
def test_ps_every_layout(name: str, count: int, has_pod: bool, has_ns: bool, truncated: bool):
    rows = crio.parse_ps(sample("ps", name))
    assert len(rows) == count
    assert all(c.state in ("Running", "Exited") for c in rows)
    assert all(bool(c.pod_name) == has_pod for c in rows)
    assert all(bool(c.namespace) == has_ns for c in rows)
    assert all(c.truncated == truncated for c in rows)
    if truncated:
        assert all(len(c.id) == 13 and c.created_at is None and c.created for c in rows)
    else:
        assert all(len(c.id) == 64 and c.created_at and c.created_at.tzinfo for c in rows)


def test_ps_table_keeps_cells_with_spaces_and_exited_state():
    rows = crio.parse_ps(sample("ps", "crictl-ps-1.32.txt"))
    assert rows[0].created == "About a minute ago"
    assert (rows[1].state, rows[1].attempt, rows[1].namespace) == ("Exited", 2, "demo-app")
    assert rows[2].image.startswith("quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:")


def test_ps_json_restart_annotation_and_v1alpha2_subset():
    new = crio.parse_ps(sample("ps", "crictl-ps-1.29.json"))
    assert [(c.name, c.attempt, c.restart_count) for c in new][:2] == [
        ("demo-app", 3, 3),
        ("demo-app", 2, 2),
    ]
    old = crio.parse_ps(sample("ps", "crictl-ps-1.16.json"))
    assert old[0].image == "c6b811e62aa93447d9c44ff97d83f4f60d49dda6f36dd46747ce5679c6d05490"
    assert old[0].created_at is not None and old[0].created_at.year == 2020


def test_ps_accepts_enum_numbers_and_null_lists():
    doc = {"containers": [{"id": "a" * 64, "metadata": {"name": "x", "attempt": 0}, "state": 2}]}
    assert crio.parse_ps(json.dumps(doc))[0].state == "Exited"
    assert crio.parse_ps('{"containers": null}') == []
    assert crio.parse_ps('{"containers": []}') == []


# ---------------------------------------------------------------------------- pods and images


@pytest.mark.parametrize(
    ("name", "runtime"),
    [("crictl-pods-1.16.txt", ""), ("crictl-pods-1.29.txt", "(default)")],
)
def test_pods_tables_with_and_without_runtime(name: str, runtime: str):
    pods = crio.parse_pods(sample("pods", name))
    assert len(pods) == 3
    assert all(p.state == "Ready" and p.runtime_handler == runtime for p in pods)
    assert all(p.namespace and p.name and len(p.id) == 13 for p in pods)


@pytest.mark.parametrize("name", ["crictl-pods-1.16.json", "crictl-pods-1.29.json"])
def test_pods_json_uses_items(name: str):
    pods = crio.parse_pods(sample("pods", name))
    assert pods and all(p.uid and p.created_at for p in pods)
    with pytest.raises(ParseError, match="without a 'items' key"):
        crio.parse_pods(sample("pods", name).replace('"items"', '"pods"'))


def test_images_116_none_example_sizes_are_decimal_bytes():
    images = crio.parse_images(sample("images", "crictl-images-1.16.txt"))
    assert images[0] == crio.Image(
        id="493f2db8b5178",
        repo_tags=(),
        repo_digests=(),
        repository="",
        size_bytes=728_000_000,
        truncated=True,
    )
    assert all(i.untagged for i in images)


def test_images_129_table_groups_tags_and_keeps_repository():
    images = crio.parse_images(sample("images", "crictl-images-1.29.txt"))
    assert len(images) == 5
    assert images[0].repository == "quay.io/openshift-release-dev/ocp-v4.0-art-dev"
    assert images[0].untagged and not images[2].untagged
    assert images[2].repo_tags == ("quay.io/example/demo-app:1.4.2",)


@pytest.mark.parametrize(
    ("name", "pinned"), [("crictl-images-1.16.json", None), ("crictl-images-1.29.json", False)]
)
def test_images_json(name: str, pinned: bool | None):
    images = crio.parse_images(sample("images", name))
    assert all(i.size_bytes > 10**8 and len(i.id) == 64 for i in images)
    assert {i.pinned for i in images} == {pinned}


# ---------------------------------------------------------------------------------- stats


@pytest.mark.parametrize(
    ("name", "named", "swap"),
    [
        ("crictl-stats-1.16.txt", False, False),
        ("crictl-stats-1.27.txt", True, False),
        ("crictl-stats-1.32.txt", True, True),
    ],
)
def test_stats_tables(name: str, named: bool, swap: bool):
    text = sample("stats", name)
    assert text.startswith("\x1b[2J\x1b[H") == (name == "crictl-stats-1.32.txt")
    rows = crio.parse_stats(text)
    assert [r.cpu_percent for r in rows] == [6.2, 0.8, 0.1]
    assert all(bool(r.name) == named for r in rows)
    assert all((r.swap_bytes is not None) == swap for r in rows)
    assert rows[0].memory_working_set_bytes == 223_800_000
    assert rows[2].writable_layer_bytes == 368_400


def test_cpu_percent_two_samples_crictl_formula():
    first = crio.parse_stats(sample("stats", "crictl-stats-1.29.json"))
    second = crio.parse_stats(sample("stats", "crictl-stats-1.29-second-sample.json"))
    pct = crio.cpu_percent(first, second)
    table = {
        r.id: r.cpu_percent for r in crio.parse_stats(sample("stats", "crictl-stats-1.27.txt"))
    }
    assert pct == table
    # the runtime's own rate gives the same figure from one sample
    assert {s.id[:13]: round(s.cpu_usage_nano_cores / 1e7, 2) for s in first} == pct  # type: ignore[operator]
    assert crio.cpu_percent(first, first) == {}  # timestamps did not move


def test_stats_116_json_has_no_rate():
    rows = crio.parse_stats(sample("stats", "crictl-stats-1.16.json"))
    assert all(r.cpu_usage_nano_cores is None and r.cpu_usage_core_ns for r in rows)
    assert rows[0].timestamp is not None and rows[0].timestamp.year == 2020


def test_statsp_imagefsinfo_and_summary():
    pods = crio.parse_statsp(sample("statsp", "crictl-statsp-1.29.json"))
    assert pods[0].memory_working_set_bytes == sum(
        c.memory_working_set_bytes or 0 for c in pods[0].containers
    )
    assert [
        f.role
        for f in crio.parse_imagefsinfo(sample("imagefsinfo", "crictl-imagefsinfo-1.29.json"))
    ] == ["image", "container"]
    summary = crio.parse_kubelet_summary(sample("stats", "kubelet-summary-1.29.json"))
    assert summary.image_fs_capacity_bytes and summary.containers


# ------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize("parser", sorted(_PARSERS))
@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("   \n", "empty"),
        ('{"stats": [{"attributes": {"id": "ab', "not valid JSON"),
        ("[1, 2]", None),
    ],
)
def test_every_parser_rejects_empty_and_truncated(parser: str, text: str, fragment: str | None):
    with pytest.raises(ParseError, match=fragment):
        _PARSERS[parser](text)


@pytest.mark.parametrize(
    ("cmd", "text", "fragment"),
    [
        ("ps", "CONTAINER   IMAGE   COLOUR\nabc   x   red\n", "unknown column 'COLOUR'"),
        ("ps", "hello world\n", "unknown column"),
        (
            "stats",
            "CONTAINER           CPU %               MEM\nabc                 x                   1MB\n",
            "CPU % 'x'",
        ),
        (
            "stats",
            "CONTAINER           CPU %               MEM\nabc                 1.0                 lots\n",
            "not a size",
        ),
        (
            "images",
            "IMAGE               TAG                 IMAGE ID            SIZE\n<none>              <none>              493f2db8b5178\n",
            "empty SIZE",
        ),
        ("pods", "POD ID              CREATED             STATE\n", "no NAME column"),
        (
            "ps",
            "CONTAINER           IMAGE               CREATED             STATE               NAME                ATTEMPT\nfd90ad82deefa       c6b8               2 days agoRunning      x   0\n",
            "does not line up",
        ),
        (
            "pods",
            "POD ID              CREATED             STATE               NAME                NAMESPACE           ATTEMPT\n37f0cabf3f171       2 hours ago         Sleeping            a                   b                   0\n",
            "unknown sandbox state",
        ),
    ],
)
def test_garbled_tables(cmd: str, text: str, fragment: str):
    parser = getattr(crio, f"parse_{cmd}")
    with pytest.raises(ParseError, match=fragment):
        parser(text)


def test_truncated_table_file():
    text = sample("ps", "crictl-ps-1.29.txt")
    cut = text[: text.rindex("\n", 0, len(text) - 1) + 40]  # last row cut inside IMAGE
    with pytest.raises(ParseError, match="empty .* cell"):
        crio.parse_ps(cut)


def test_wrong_types_inside_json_are_parse_errors():
    for doc in (
        {"containers": [{"id": "x", "metadata": "oops"}]},
        {"containers": [{"id": "x", "createdAt": "soon"}]},
        {"containers": [{"id": "x", "state": "CONTAINER_DANCING"}]},
        {"containers": [{"metadata": {"name": "no id"}}]},
    ):
        with pytest.raises(ParseError):
            crio.parse_ps(json.dumps(doc))


def test_human_size_and_split_table_helpers():
    assert human_size("34.63MB") == 34_630_000
    assert human_size("1.2e+03kB") == 1_200_000
    table = split_table(
        "x", "\x1b[2J\x1b[HA                   B\n1                   \n", ("A", "B")
    )
    assert table.rows == ({"A": "1", "B": ""},)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
_keys = st.sampled_from(["containers", "items", "images", "stats", "status", "node", "pods"])


@pytest.mark.parametrize("parser", sorted(_PARSERS))
@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=300) | st.builds(lambda k, v: json.dumps({k: v}), _keys, _json))
def test_property_parsers_return_or_raise_parse_error(parser: str, text: str):
    try:
        _PARSERS[parser](text)
    except ParseError:
        pass


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_property_garbled_real_tables(data: st.DataObject):
    name = data.draw(st.sampled_from(sorted(p.name for p in DATA.glob("crictl_*/*.txt"))))
    path = next(DATA.glob(f"crictl_*/{name}"))
    text = path.read_text()
    i = data.draw(st.integers(0, len(text)))
    j = data.draw(st.integers(i, min(len(text), i + 30)))
    garbled = text[:i] + data.draw(st.text(max_size=10)) + text[j:]
    parser = _PARSERS["crictl_" + path.parent.name.removeprefix("crictl_")]
    try:
        parser(garbled)
    except ParseError:
        pass


# ----------------------------------------------------------------- collect, joins, findings


@pytest.fixture(scope="module")
def fleet_416() -> crio.CrioFleet:
    return crio.collect(open_source("demo"), progress=False)


@pytest.fixture(scope="module")
def fleet_43() -> crio.CrioFleet:
    return crio.collect(open_source("demo:4.3"), progress=False)


def test_collect_marks_worker_1_failed(fleet_416: crio.CrioFleet):
    status = crio.status_frame(fleet_416).set_index("NODE")
    assert len(status) == 7
    assert status.loc["worker-1", "STATUS"] == "failed"
    assert "NotReady" in status.loc["worker-1", "REASON"]
    assert status.loc["worker-0", "crictl_ps"] == "ok (json)"


def test_joined_containers_have_pod_image_and_usage(fleet_416: crio.CrioFleet):
    frame = crio.containers_frame(fleet_416)
    assert not frame[crio.COL_NAMESPACE].eq("").any()
    assert frame["IMAGE SIZE (MB)"].notna().all()
    running = frame[frame[crio.COL_STATE] == "Running"]
    assert running[crio.COL_CPU].notna().all() and running[crio.COL_MEMORY].notna().all()
    demo = frame[(frame[crio.COL_NAMESPACE] == "demo-app") & (frame[crio.COL_STATE] == "Running")]
    assert demo.iloc[0]["IMAGE"] == "quay.io/example/demo-app:1.4.2"
    assert demo.iloc[0]["API RESTARTS"] == 3


def test_43_cpu_falls_back_to_the_kubelet(fleet_43: crio.CrioFleet):
    frame = crio.containers_frame(fleet_43)
    assert frame[frame[crio.COL_STATE] == "Running"][crio.COL_CPU].notna().all()
    assert crio.status_frame(fleet_43)["crictl_statsp"].eq("missing").all()


def test_findings_on_the_demos(fleet_416: crio.CrioFleet, fleet_43: crio.CrioFleet):
    titles = [f.title for f in crio.findings(fleet_416)]
    assert "CRI-O facts could not be read on 1 node(s)" in titles
    assert any(t.startswith("Container demo-app of demo-app/") for t in titles)
    none_43 = [f for f in crio.findings(fleet_43) if f.title.startswith("<none> images")]
    assert none_43 and none_43[0].severity == Severity.WARNING
    assert "compute-1 0.6 GB (2 images)" in none_43[0].what


def test_findings_for_an_unreadable_source():
    out = crio.findings(Attempt(None, "no node access"))
    assert out[0].what == "no node access"
    assert crio.containers_frame(Attempt(None, "x")).empty


def test_other_frames(fleet_416: crio.CrioFleet):
    assert len(crio.top_consumers_frame(fleet_416, n=3)) >= 3
    assert crio.restarts_frame(fleet_416)["RESTARTS"].tolist() == [3]
    disk = crio.image_disk_frame(fleet_416).set_index("NODE")
    assert "worker-1" not in disk.index and disk.loc["worker-2", "IMAGEFS USE %"] == 25.5
    cross = crio.crosscheck_frame(fleet_416)
    assert cross["DIFF %"].abs().max() < 20  # MiB rounding on small containers
    chart = crio.plot_top_consumers(fleet_416)
    assert chart is not None and chart._repr_png_().startswith(b"\x89PNG")


def test_parse_error_on_one_node_is_a_marked_row():
    bad = NodeOutput("n1", "crictl_ps", "ok", stdout="{trunc", format="json", origin="debug-pod")
    node = _node_crio("n1", {"crictl_ps": bad})
    assert node.facts["crictl_ps"].status == "parse-error"
    assert node.status == "failed" and "parse error" in node.reason
    fleet = crio.CrioFleet(nodes={"n1": node})
    titles = [f.title for f in crio.findings(fleet)]
    assert "crictl output that does not parse on 1 node(s)" in titles


def test_sos_tables_through_the_collector(tmp_path: Path):
    from tests.test_capture import MASTER, WORKER, build_mg, build_sos

    case = tmp_path / "case"
    case.mkdir()
    build_mg(case, "local")
    build_sos(case, "master-0", machine_id=None, hostname=MASTER)
    src = open_source(str(case))
    fleet = crio.collect(src, progress=False)
    status = crio.status_frame(fleet).set_index("NODE")
    assert status.loc[MASTER, "crictl_ps"] == "ok (table)"
    assert status.loc[WORKER, "STATUS"] == "missing"
    frame = crio.containers_frame(fleet)
    assert set(frame[crio.COL_CONTAINER]) == {"etcd", "installer"}


def test_split_nodes_and_widget_helpers(fleet_416: crio.CrioFleet):
    assert crio.split_nodes("a,,b ") == ["a", "b"]
    frame = crio.containers_frame(fleet_416)
    assert set(filter_frame(frame, node="worker-2", state="Exited")[crio.COL_NODE]) == {"worker-2"}
    assert len(filter_frame(frame, node="(all)")) == len(frame)
    assert nodes_parameter([]) == ""


def test_max_nodes_caps_and_lists_the_rest():
    fleet = crio.collect(open_source("demo"), max_nodes=2, progress=False)
    assert list(fleet.nodes) == ["infra-0", "master-0"]
    status = crio.status_frame(fleet)
    assert status["STATUS"].tolist()[-1] == "skipped" and len(status) == 7
