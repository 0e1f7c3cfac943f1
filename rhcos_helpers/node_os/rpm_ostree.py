"""node_os.rpm_ostree - command ``rpm-ostree status``: the ostree deployments a node holds.

``--json`` live; the text form (plain or ``-v``) sos reports hold. Every sample lives in
``tests/data/commands/rpm_ostree_status/``.

Sample ``rpm-ostree status`` on RHCOS 4.17 (container-native form, as ``oc debug`` prints it)::

    State: idle
    Deployments:
    * ostree-unverified-registry:registry.ci.openshift.org/ocp/4.17-2024-08-19-220527@sha256:f686...
                        Digest: sha256:f686...
                      Version: 417.94.202408190141-0 (2024-08-19T01:45:32Z)

Examples:
    >>> st = parse_rpm_ostree_status(RPM_OSTREE_416_STAGED)
    >>> [(d.role, d.version) for d in st.deployments]
    [('staged', '416.94.202411041719-0'), ('booted', '416.94.202409191851-0'), ('rollback', '415.92.202501081346-0')]
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from rhcos_helpers.errors import ParseError

__all__ = ["Deployment", "RpmOstreeStatus", "parse_rpm_ostree_status"]


_RPM = "rpm_ostree_status"


@dataclass(frozen=True)
class Deployment:
    """One ostree deployment as ``rpm-ostree status`` lists it (first = default for next boot).

    Attributes:
        index: position in the list (0 is what the node boots next).
        role: ``booted``, ``staged`` (written, applied at the next reboot), ``pending`` (the
            next boot's default, not yet booted), ``rollback`` (after the booted one) or ``other``.
        booted: the running deployment.
        staged: finalized at shutdown (``staged`` in JSON, ``Staged: yes`` in ``-v``).
        version: the OS build (``416.94.202409191851-0``).
        timestamp: the commit time, UTC.
        image: the origin: ``container-image-reference`` (4.12+: ``ostree-unverified-registry:``),
            the ``custom-origin`` URL (4.3-4.11: ``pivot://``), else the refspec or checksum.
        digest: the image digest (``sha256:...``), when known.
        origin_description: ``CustomOrigin`` (``Managed by machine-config-operator``).
        checksum: the ostree commit.
        osname: the stateroot (``rhcos``, ``fedora-coreos``).
        pinned: kept from garbage collection.
        unlocked: ``none`` unless someone ran ``ostree admin unlock``.
        layered_packages: ``requested-packages`` (client-side layering; none on a healthy RHCOS).
    """

    index: int
    role: str
    booted: bool
    staged: bool
    version: str
    timestamp: datetime | None
    image: str
    digest: str
    origin_description: str
    checksum: str
    osname: str
    pinned: bool = False
    unlocked: str = "none"
    layered_packages: tuple[str, ...] = ()


@dataclass(frozen=True)
class RpmOstreeStatus:
    """The parsed ``rpm-ostree status``.

    Attributes:
        state: ``idle``, ``busy`` (a transaction runs) or ``""`` when the output does not say.
        deployments: in the bootloader's order.
        raw: the JSON document (empty for the text form).
    """

    state: str
    deployments: tuple[Deployment, ...]
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def with_role(self, role: str) -> Deployment | None:
        """The first deployment with that role, or ``None``."""
        return next((d for d in self.deployments if d.role == role), None)

    @property
    def booted(self) -> Deployment | None:
        """The running deployment."""
        return self.with_role("booted")


def _roles(items: list[tuple[bool, bool, str]], booted_osname: str) -> list[str]:
    """Roles from (booted, staged, osname) in list order."""
    booted_at = next((i for i, (b, _, _) in enumerate(items) if b), None)
    out = []
    for i, (booted, staged, osname) in enumerate(items):
        if booted:
            out.append("booted")
        elif staged:
            out.append("staged")
        elif i == 0 and (not booted_osname or osname == booted_osname):
            out.append("pending")
        elif booted_at is not None and i > booted_at:
            out.append("rollback")
        else:
            out.append("other")
    return out


def _digest(image: str) -> str:
    match = re.search(r"@(sha256:[0-9a-f]{64})", image)
    return match.group(1) if match else ""


def _json_deployment(i: int, d: dict[str, Any]) -> dict[str, Any]:
    custom = d.get("custom-origin")
    custom_url = str(custom[0]) if isinstance(custom, list) and custom else ""
    custom_desc = str(custom[1]) if isinstance(custom, list) and len(custom) > 1 else ""
    image = str(
        d.get("container-image-reference") or custom_url or d.get("origin") or d.get("checksum", "")
    )
    ts = d.get("timestamp")
    if "base-timestamp" in d:
        ts = d["base-timestamp"]
    if ts is not None and not isinstance(ts, int | float):
        raise ParseError(_RPM, f"deployment {i}: timestamp {ts!r} is not a number")
    packages = d.get("requested-packages") or []
    return {
        "index": i,
        "booted": d.get("booted") is True,
        "staged": d.get("staged") is True,
        "version": str(d.get("version") or (d.get("base-commit-meta") or {}).get("version") or ""),
        "timestamp": datetime.fromtimestamp(ts, UTC) if ts is not None else None,
        "image": image,
        "digest": str(d.get("container-image-reference-digest") or _digest(image)),
        "origin_description": custom_desc,
        "checksum": str(d.get("checksum", "")),
        "osname": str(d.get("osname", "")),
        "pinned": d.get("pinned") is True,
        "unlocked": str(d.get("unlocked") or "none"),
        "layered_packages": tuple(str(p) for p in packages) if isinstance(packages, list) else (),
    }


def _build(state: str, items: list[dict[str, Any]], raw: dict[str, Any]) -> RpmOstreeStatus:
    booted_os = next((d["osname"] for d in items if d["booted"]), "")
    roles = _roles([(d["booted"], d["staged"], d["osname"]) for d in items], booted_os)
    deployments = tuple(Deployment(role=r, **d) for r, d in zip(roles, items, strict=True))
    return RpmOstreeStatus(state=state, deployments=deployments, raw=raw)


def _parse_json(text: str) -> RpmOstreeStatus:
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ParseError(_RPM, f"not JSON ({exc})", excerpt=text) from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("deployments"), list):
        raise ParseError(_RPM, "JSON without a deployments list", excerpt=text)
    items = []
    for i, d in enumerate(doc["deployments"]):
        if not isinstance(d, dict) or not ("checksum" in d or "id" in d):
            raise ParseError(_RPM, f"deployment {i} has neither checksum nor id", excerpt=text)
        items.append(_json_deployment(i, d))
    txn = doc.get("transaction")
    return _build("idle" if txn is None else "busy", items, doc)


_KV = re.compile(r"^\s+([A-Z][A-Za-z]*):(?: (.*))?$")
_VERSION = re.compile(r"^(?P<v>\S+) \((?P<ts>[^)]+)\)$")


def _text_time(value: str) -> datetime | None:
    for fmt in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(value.strip(), fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def _parse_text(text: str) -> RpmOstreeStatus:
    lines = text.splitlines()
    state = ""
    start = None
    for i, line in enumerate(lines):
        if line.startswith("State:"):
            state = line.partition(":")[2].strip().split(";")[0]
        elif line.rstrip() == "Deployments:":
            start = i + 1
            break
    if start is None:
        raise ParseError(
            _RPM, "no 'Deployments:' line (not rpm-ostree status output)", excerpt=text
        )
    items: list[dict[str, Any]] = []
    for line in lines[start:]:
        if not line.strip():
            continue
        head = line[:1]
        is_booted_head = head in ("●", "*") and line[1:2] == " "
        is_other_head = line.startswith("  ") and bool(line[2:3].strip()) and not _KV.match(line)
        if is_booted_head or is_other_head:
            origin = line[2:].strip()
            items.append(
                {
                    "index": len(items),
                    "booted": is_booted_head,
                    "staged": False,
                    "version": "",
                    "timestamp": None,
                    "image": origin,
                    "digest": _digest(origin),
                    "origin_description": "",
                    "checksum": origin if re.fullmatch(r"[0-9a-f]{64}", origin) else "",
                    "osname": "",
                    "pinned": False,
                    "unlocked": "none",
                    "layered_packages": (),
                }
            )
            continue
        match = _KV.match(line)
        if match is None or not items:
            continue  # tree glyph lines (origin repos), wrapped diff lines
        key, value = match.group(1), (match.group(2) or "").strip()
        cur = items[-1]
        if key == "Version":
            ver = _VERSION.match(value)
            cur["version"] = ver.group("v") if ver else value
            cur["timestamp"] = _text_time(ver.group("ts")) if ver else None
        elif key == "Timestamp":
            cur["timestamp"] = _text_time(value)
        elif key == "CustomOrigin":
            cur["origin_description"] = value
        elif key == "Digest":
            cur["digest"] = value
        elif key in ("Commit", "BaseCommit", "BootedCommit"):
            cur["checksum"] = cur["checksum"] or value
        elif key == "Staged":
            cur["staged"] = value == "yes"
        elif key == "StateRoot":
            cur["osname"] = value
        elif key == "Pinned":
            cur["pinned"] = value == "yes"
        elif key == "Unlocked":
            cur["unlocked"] = value
        elif key == "LayeredPackages":
            cur["layered_packages"] = tuple(value.split())
    if not items:
        raise ParseError(_RPM, "'Deployments:' lists no deployment", excerpt=text)
    return _build(state, items, {})


def parse_rpm_ostree_status(text: str) -> RpmOstreeStatus:
    """Parse ``rpm-ostree status --json`` or its text form (plain or ``-v``, bullet ``●``/``*``).

    JSON is recognised by its opening brace; everything else is read as text: ``State:``, then
    after ``Deployments:`` one block per deployment whose first line is the origin (prefixed by
    the booted bullet or two spaces) followed by right-aligned ``Key: value`` lines.

    Raises:
        ParseError: empty input, JSON without ``deployments``, text without deployments.

    Examples:
        >>> st = parse_rpm_ostree_status(RPM_OSTREE_43)
        >>> st.booted.image[:40], st.booted.origin_description
        ('pivot://quay.io/openshift-release-dev/oc', 'Managed by machine-config-operator')
        >>> st.with_role("rollback").version
        '43.81.202002032142.0'
        >>> parse_rpm_ostree_status(RPM_OSTREE_417_TEXT).booted.digest[:15]
        'sha256:f686bc1e'
    """
    if not text.strip():
        raise ParseError(_RPM, "empty output")
    if text.lstrip().startswith("{"):
        return _parse_json(text)
    return _parse_text(text)
