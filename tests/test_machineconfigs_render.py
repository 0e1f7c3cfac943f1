"""machineconfigs.merge / render: MCO's merge rules (HEAD and 4.3), the demos' rendered configs, diffs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from rhcos_helpers.machineconfigs.merge import from_rendered, merge, rules_for
from rhcos_helpers.machineconfigs.parse import (
    ROLE_LABEL,
    MachineConfigInfo,
    McFile,
    McUnit,
    parse_machineconfig,
    read_machineconfigs,
)
from rhcos_helpers.machineconfigs.render import (
    check_rendered,
    composition_frame,
    diff_configs,
    diff_frame,
)
from rhcos_helpers.sources import open_source


def f(path, body, mode=420, overwrite=None, major=3):
    return McFile(
        path, mode, overwrite, "", "", f"data:,{body}", "", body.encode(), ignition_major=major
    )


def mc(name, role="worker", files=(), units=(), kargs=(), fips=False, kt="", ext=(), os=""):
    return MachineConfigInfo(
        name, role, "user", "", "", "3.4.0", "", labels={ROLE_LABEL: role}, files=tuple(files),
        units=tuple(units), kernel_arguments=tuple(kargs), fips=fips, kernel_type=kt,
        extensions=tuple(ext), os_image_url=os,
    )  # fmt: skip


# (case, inputs, rules, expected [(path, contents)] as listed, expected kargs)
CASES = [
    ("later name wins", [mc("50-a", files=[f("/x", "1")]), mc("60-a", files=[f("/x", "2")])],
     "head", [("/x", "2")], ()),
    ("custom pool after worker (HEAD)", [mc("99-worker-x", files=[f("/x", "w")]), mc("10-infra-x", "infra", files=[f("/x", "i")])],
     "head", [("/x", "i")], ()),
    ("by name only (4.3)", [mc("99-worker-x", files=[f("/x", "w")]), mc("10-infra-x", "infra", files=[f("/x", "i")])],
     "4.3", [("/x", "i"), ("/x", "w")], ()),
    ("4.3 append keeps both entries", [mc("00-a", files=[f("/x", "1")]), mc("99-a", files=[f("/x", "2")])],
     "4.3", [("/x", "1"), ("/x", "2")], ()),
    ("replaced in place, new appended", [mc("00-a", files=[f("/x", "1"), f("/y", "1")]), mc("50-a", files=[f("/z", "3"), f("/x", "2")])],
     "head", [("/x", "2"), ("/y", "1"), ("/z", "3")], ()),
    ("kargs concatenated in merge order", [mc("50-b", kargs=["b"]), mc("10-infra", "infra", kargs=["i"]), mc("00-a", kargs=["a", "b"])],
     "head", [], ("a", "b", "b", "i")),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "inputs", "rules", "files", "kargs"), CASES, ids=[c[0] for c in CASES]
)
def test_merge_rules(case, inputs, rules, files, kargs):
    out = merge(inputs, rules=rules)
    assert [(x.path, x.contents.decode()) for x in out.files] == files
    assert out.kernel_arguments == kargs
    assert all(x.overwrite is True for x in out.files)


def test_field_level_merge_and_settings():
    parent = mc("00-a", files=[f("/x", "1", mode=0o600)], units=[McUnit("a.service", True, None, "[Unit]\n")],
                ext=["usbguard"])  # fmt: skip
    child = mc("50-a", files=[McFile("/x", None, False, "", "", "data:,2", "", b"2")],
               units=[McUnit("a.service", None, True, None)], fips=True, kt="realtime",
               ext=["kerberos"], os="quay.io/x@sha256:1")  # fmt: skip
    out = merge([child, parent], rules="head", os_image_url="quay.io/default")
    (x,) = out.files
    assert (x.mode, x.overwrite, x.contents) == (0o600, False, b"2")
    (u,) = out.units
    assert (u.enabled, u.mask, u.contents) == (True, True, "[Unit]\n")
    assert (out.fips, out.kernel_type, out.extensions, out.os_image_url) == (
        True, "realtime", ("usbguard", "kerberos"), "quay.io/x@sha256:1",
    )  # fmt: skip
    assert (
        merge([parent], rules="head", os_image_url="quay.io/default").os_image_url
        == "quay.io/default"
    )


@pytest.mark.parametrize(
    ("version", "rules"),
    [("4.3.5", "4.3"), ("4.5.1", "4.3"), ("4.6.0", "head"), ("4.16.21", "head")],
)
def test_rules_for(version, rules):
    assert rules_for(version) == rules


@pytest.mark.parametrize(("spec", "version"), [("demo", "4.16.21"), ("demo:4.3", "4.3.5")])
def test_local_merge_equals_every_pools_target_rendered_config(spec, version):
    src = open_source(spec)
    mcs = read_machineconfigs(src)
    pools = src.list("machineconfigpools")
    for pool in pools:
        check = check_rendered(mcs, pool, version=version, which="spec")
        assert check.equal, (pool["metadata"]["name"], check.differences)
    current = {
        p["metadata"]["name"]: check_rendered(mcs, p, version=version, which="status")
        for p in pools
    }
    assert current["master"].equal and current["worker" if spec == "demo" else "master"].equal
    # made before an upgrade rewrote the templates: expected to differ, and said so
    stale = current["infra" if spec == "demo" else "worker"]
    assert stale.equal is False and "expected to differ" in stale.note


@pytest.mark.parametrize("spec", ["demo", "demo:4.3"])
def test_every_rendered_config_of_the_demos_merges_from_its_listed_sources(spec):
    src = open_source(spec)
    mcs = read_machineconfigs(src)
    frame = composition_frame(mcs, src.list("machineconfigpools"))
    assert set(frame["CONFIG"]) == {"target", "current"}
    assert not (frame["ORIGIN"] == "(deleted since)").any()


def test_diff_worker_old_new_on_the_416_demo():
    mcs = read_machineconfigs(open_source("demo"))
    old = from_rendered(mcs.configs["rendered-worker-f346376daed17dc90a08f21259a56253"])
    new = from_rendered(mcs.configs["rendered-worker-f7657e01dc6be7a1a39bf960924afe88"])
    d = diff_configs(old, new)
    assert [(c.kind, c.item, c.change) for c in d.changes] == [
        ("file", "/etc/chrony.conf", "added")
    ]
    assert "+server tick.stdtime.gov.tw" in d.changes[0].diff
    assert diff_configs(new, new).empty
    back = diff_frame(diff_configs(new, old))
    assert back.iloc[0]["CHANGE"] == "removed"


def test_diff_reports_every_kind_and_redacts():
    a = merge([mc("00-a", files=[f("/x", "token: abc")], units=[McUnit("a.service", True, None, "x")],
                  kargs=["a"], os="img1")], os_image_url=None)  # fmt: skip
    b = merge([mc("00-a", files=[f("/x", "token: s3cr3tvalue", mode=0o600)], kargs=["b"], fips=True,
                  kt="realtime", ext=["usbguard"], os="img2")])  # fmt: skip
    d = diff_configs(a, b)
    kinds = {(c.kind, c.change) for c in d.changes}
    assert kinds >= {("file", "changed"), ("unit", "removed"), ("kernel-argument", "removed"),
                     ("kernel-argument", "added"), ("extension", "added"), ("os-image", "changed"),
                     ("fips", "changed"), ("kernel-type", "changed")}  # fmt: skip
    filechange = next(c for c in d.changes if c.kind == "file")
    assert "mode 0644 -> 0600" in filechange.detail
    assert "s3cr3tvalue" not in filechange.diff


# Every rendered config of both demos, the ones no pool or node names any more included (made
# from the templates of the release before the upgrade, which the cluster no longer holds): the
# demo generator knows each one's sources; merged here with the release's rules, they must give
# the rendered config the demo holds.
_GENERATOR_SOURCES = """
import importlib, json, sys
sys.path.insert(0, ".")
import api
mod = importlib.import_module(sys.argv[1])
out = {}
for name, rc in mod.Rendering().rendered.items():
    out[name] = {"release": rc.release, "sources": [
        api.machine_config(m.name, m.created, mod.P, m.config, role=m.role,
                           generated=m.generated, extra_spec=m.extra_spec)
        for m in rc.sources]}
print(json.dumps(out, default=str))
"""


def _generator_rendering(module: str) -> dict[str, Any]:
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-c", _GENERATOR_SOURCES, module],
        cwd=root / "tools" / "demos", capture_output=True, text=True, check=True, timeout=300,
    )  # fmt: skip
    return dict(json.loads(done.stdout))


@pytest.mark.parametrize(("spec", "module"), [("demo", "ocp416"), ("demo:4.3", "ocp43")])
def test_every_rendered_config_of_the_demos_equals_the_merge_of_its_sources(spec, module):
    mcs = read_machineconfigs(open_source(spec))
    rendered = {n for n, m in mcs.configs.items() if m.is_rendered}
    generated = _generator_rendering(module)
    assert set(generated) == rendered
    for name, info in sorted(generated.items()):
        cluster = from_rendered(mcs.configs[name])
        local = merge(
            [parse_machineconfig(obj) for obj in info["sources"]],
            rules=rules_for(info["release"]),
            os_image_url=cluster.os_image_url,
            ignition_version=cluster.ignition_version,
        )
        changes = diff_configs(cluster, local, with_text=False).changes
        assert changes == (), (name, [(c.kind, c.item, c.change) for c in changes])
        assert local.duplicate_paths == cluster.duplicate_paths, name
        assert (local.kernel_arguments, local.extensions, local.fips) == (
            cluster.kernel_arguments, cluster.extensions, cluster.fips,
        ), name  # fmt: skip


@pytest.mark.parametrize("spec", ["demo", "demo:4.3"])
def test_every_rendered_config_a_pool_or_node_names_matches_its_local_merge(spec):
    src = open_source(spec)
    mcs = read_machineconfigs(src)
    pools = src.list("machineconfigpools")
    named = {
        n["metadata"]["annotations"][f"machineconfiguration.openshift.io/{k}"]
        for n in src.list("nodes")
        for k in ("currentConfig", "desiredConfig")
    }
    checked = {
        c.rendered: c
        for p in pools
        for which in ("spec", "status")
        for c in [check_rendered(mcs, p, version=src.identity.cluster_version or "", which=which)]
    }  # fmt: skip
    # a node's config is always one of its pool's target and current ones
    assert named <= set(checked)
    stale = {n for n, c in checked.items() if not c.equal}
    assert all("expected to differ" in checked[n].note for n in stale)
