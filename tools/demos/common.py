"""Shared helpers for the demo generator: deterministic ids, dumpers, time, Ignition merge.

Nothing here reads the clock or a random source: every id is derived from a seed string with
sha256, so two runs write byte-identical files.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import urllib.parse
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import yaml

# --------------------------------------------------------------------------------------------
# deterministic ids


def hexid(*parts: object, n: int = 64) -> str:
    """``n`` hex digits derived from ``parts`` (sha256, extended as needed)."""
    seed = ":".join(str(p) for p in parts)
    out = ""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(f"{seed}#{i}".encode()).hexdigest()
        i += 1
    return out[:n]


def uid(*parts: object) -> str:
    """A version-4-shaped UUID derived from ``parts``."""
    return str(uuid.UUID(hex=hexid("uuid", *parts, n=32), version=4))


def num(*parts: object, lo: int, hi: int) -> int:
    """A deterministic integer in ``[lo, hi]``."""
    return lo + int(hexid("num", *parts, n=12), 16) % (hi - lo + 1)


def suffix5(*parts: object) -> str:
    """A Kubernetes-style 5-character name suffix (consonants and digits, as generateName)."""
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    h = int(hexid("sfx", *parts, n=16), 16)
    out = ""
    for _ in range(5):
        h, r = divmod(h, len(alphabet))
        out += alphabet[r]
    return out


def safe_encode(s: str) -> str:
    """Kubernetes ``rand.SafeEncodeString``: each byte mapped into the alphabet above."""
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    return "".join(alphabet[ord(ch) % len(alphabet)] for ch in s)


def rs_hash(*parts: object) -> str:
    """A ``pod-template-hash`` / ``controller-revision-hash`` the way Kubernetes' ComputeHash
    makes one: ``SafeEncodeString(fmt.Sprint(fnv32a))``, i.e. the decimal digits of a uint32
    each mapped into the safe alphabet (so only ``4-9`` and ``b c d f`` appear, 1-10 chars)."""
    h = int(hexid("rshash", *parts, n=8), 16)  # a uint32
    return safe_encode(str(h))


def digest(*parts: object) -> str:
    return "sha256:" + hexid("digest", *parts)


# --------------------------------------------------------------------------------------------
# time


def parse_time(iso: str) -> datetime:
    return datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def iso(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def ns(t: datetime) -> str:
    """Unix nanoseconds as a string (protobuf int64 in JSON)."""
    return str(int(t.timestamp()) * 1_000_000_000)


def us(t: datetime) -> int:
    return int(t.timestamp()) * 1_000_000


def systemd_ts(t: datetime) -> str:
    """``systemctl show`` timestamp form: ``Thu 2026-11-19 02:11:08 UTC``."""
    return t.astimezone(UTC).strftime("%a %Y-%m-%d %H:%M:%S UTC")


def later(t: datetime, **kw: float) -> datetime:
    return t + timedelta(**kw)


# --------------------------------------------------------------------------------------------
# dumpers


class _Dumper(yaml.SafeDumper):
    pass


def _str_repr(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_Dumper.add_representer(str, _str_repr)


def to_yaml(obj: Any) -> str:
    """YAML as ``oc get -o yaml`` writes it: keys sorted, block style, no line folding."""
    return yaml.dump(
        obj,
        Dumper=_Dumper,
        sort_keys=True,
        default_flow_style=False,
        width=100_000,
        allow_unicode=True,
    )


def to_json(obj: Any, indent: int | None = 2) -> str:
    return json.dumps(obj, indent=indent, ensure_ascii=False) + "\n"


def glib_json(obj: Any, pad: int = 0) -> str:
    """JSON the way json-glib pretty-prints it (rpm-ostree): ``"key" : value``, 2-space indent,
    empty containers opened and closed on separate lines."""
    sp = " " * pad
    inner = " " * (pad + 2)
    if isinstance(obj, dict):
        if not obj:
            return "{\n" + sp + "}"
        items = [f"{inner}{json.dumps(k)} : {glib_json(v, pad + 2)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + sp + "}"
    if isinstance(obj, list):
        if not obj:
            return "[\n" + sp + "]"
        items = [inner + glib_json(v, pad + 2) for v in obj]
        return "[\n" + ",\n".join(items) + "\n" + sp + "]"
    return json.dumps(obj)


class Tree:
    """The files of one demo, path -> bytes, written or compared by generate.py."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def text(self, path: str, content: str) -> None:
        if path in self.files:
            raise ValueError(f"duplicate file {path}")
        self.files[path] = content.encode()

    def yaml(self, path: str, obj: Any) -> None:
        self.text(path, to_yaml(obj))

    def json(self, path: str, obj: Any) -> None:
        self.text(path, to_json(obj))


# --------------------------------------------------------------------------------------------
# Ignition data URLs and the MCO merge


def data_url_b64(text: str) -> str:
    """``data:text/plain;charset=utf-8;base64,...`` (MCO dataurl.EncodeBytes form)."""
    return "data:text/plain;charset=utf-8;base64," + base64.b64encode(text.encode()).decode()


def data_url_escaped(text: str) -> str:
    """``data:,<percent-escaped>`` (MCO template form)."""
    return "data:," + urllib.parse.quote(text, safe="")


def ign3_file(path: str, text: str, mode: int = 420, *, b64: bool = False) -> dict[str, Any]:
    source = data_url_b64(text) if b64 else data_url_escaped(text)
    return {"contents": {"source": source}, "mode": mode, "overwrite": True, "path": path}


def ign3_unit(
    name: str,
    contents: str | None = None,
    *,
    enabled: bool | None = True,
    dropins: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    unit: dict[str, Any] = {"name": name}
    if contents is not None:
        unit["contents"] = contents
    if enabled is not None:
        unit["enabled"] = enabled
    if dropins:
        unit["dropins"] = dropins
    return unit


def merge_ign3(configs: list[dict[str, Any]], version: str) -> dict[str, Any]:
    """Ignition 3 merge as MCO's MergeMachineConfigs applies it: files replaced per path,
    units per name, ssh keys of ``core`` replaced by the child's."""
    files: dict[str, dict[str, Any]] = {}
    units: dict[str, dict[str, Any]] = {}
    users: dict[str, dict[str, Any]] = {}
    for cfg in configs:
        for f in cfg.get("storage", {}).get("files", []):
            f = copy.deepcopy(f)
            f["contents"].setdefault("compression", "")
            f.setdefault("overwrite", True)
            files[f["path"]] = f
        for u in cfg.get("systemd", {}).get("units", []):
            units[u["name"]] = copy.deepcopy(u)
        for u in cfg.get("passwd", {}).get("users", []):
            users[u["name"]] = copy.deepcopy(u)
    out: dict[str, Any] = {"ignition": {"version": version}}
    if users:
        out["passwd"] = {"users": list(users.values())}
    out["storage"] = {"files": list(files.values())}
    out["systemd"] = {"units": list(units.values())}
    return out


def merge_ign22(configs: list[dict[str, Any]]) -> dict[str, Any]:
    """Ignition 2.2 Append as MCO 4.3 does it: lists concatenated in name order."""
    files: list[dict[str, Any]] = []
    units: list[dict[str, Any]] = []
    users: list[dict[str, Any]] = []
    for cfg in configs:
        files += copy.deepcopy(cfg.get("storage", {}).get("files", []))
        units += copy.deepcopy(cfg.get("systemd", {}).get("units", []))
        users += copy.deepcopy(cfg.get("passwd", {}).get("users", []))
    out: dict[str, Any] = {
        "ignition": {"config": {}, "security": {"tls": {}}, "timeouts": {}, "version": "2.2.0"},
        "networkd": {},
        "passwd": {"users": users} if users else {},
        "storage": {"files": files},
        "systemd": {"units": units},
    }
    return out
