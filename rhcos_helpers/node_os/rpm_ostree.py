"""node_os.release - what a node says about its OS: os-release, rpm-ostree deployments, the kernel.

Pure parsers (``str -> record``) for ``/etc/os-release`` (classified the way the MCO does it),
``rpm-ostree status`` (``--json`` live, the ``-v`` text sos reports hold) and ``uname -a``, and
the per-node tables of runbook 10 that show them beside what nodeInfo says. Accounts and sudo
live in :mod:`~rhcos_helpers.node_os.accounts`, the cross-node comparison in
:mod:`~rhcos_helpers.node_os.drift`. Every sample lives in ``tests/data/commands/<fact>/``.

Sample ``/etc/os-release`` (RHCOS 4.13, from the machine-config-operator's own tests)::

    NAME="Red Hat Enterprise Linux CoreOS"
    ID="rhcos"
    VERSION="413.90.202212151724-0"
    VARIANT_ID=coreos
    OPENSHIFT_VERSION="4.13"
    RHEL_VERSION="9.0"

Sample ``rpm-ostree status`` on RHCOS 4.17 (container-native form, as ``oc debug`` prints it)::

    State: idle
    Deployments:
    * ostree-unverified-registry:registry.ci.openshift.org/ocp/4.17-2024-08-19-220527@sha256:f686...
                        Digest: sha256:f686...
                      Version: 417.94.202408190141-0 (2024-08-19T01:45:32Z)

Examples:
    >>> osr = parse_os_release(OS_RELEASE_413)
    >>> osr.id, osr.openshift_version, osr.base_version, osr.flavour
    ('rhcos', '4.13', '9.0', 'RHCOS')
    >>> osr.build
    '413.90.202212151724-0'
    >>> st = parse_rpm_ostree_status(RPM_OSTREE_416_STAGED)
    >>> [(d.role, d.version) for d in st.deployments]
    [('staged', '416.94.202411041719-0'), ('booted', '416.94.202409191851-0'), ('rollback', '415.92.202501081346-0')]
    >>> parse_uname(UNAME_416).release
    '5.14.0-427.37.1.el9_4.x86_64'
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from rhcos_helpers.errors import ParseError
from rhcos_helpers.findings import Finding, Severity
from rhcos_helpers.node_os.fleet import NodeFleet, Parsed, parse_output
from rhcos_helpers.sources.base import Attempt

__all__ = [
    "NOT_COREOS",
    "Deployment",
    "OsRelease",
    "RpmOstreeStatus",
    "Uname",
    "build_from_os_image",
    "deployments_frame",
    "findings",
    "is_coreos",
    "kernel_frame",
    "os_frame",
    "os_release_of",
    "parse_os_release",
    "parse_rpm_ostree_status",
    "parse_uname",
    "rpm_ostree_of",
    "uname_of",
]

NOT_COREOS = "not a CoreOS node (a RHEL worker has no rpm-ostree deployments)"


@dataclass(frozen=True)
class OsRelease:
    """The fields of ``/etc/os-release`` the runbooks use, plus the MCO's classification.

    Attributes:
        id: ``ID`` (``rhcos``, ``scos``, ``rhel``, ``fedora``, ``centos``...).
        variant_id: ``VARIANT_ID`` (``coreos`` on RHCOS 9+, SCOS and FCOS; absent on RHCOS 8).
        name: ``NAME``.
        pretty_name: ``PRETTY_NAME`` (what ``nodeInfo.osImage`` reports).
        version: ``VERSION`` as written.
        version_id: ``VERSION_ID``.
        openshift_version: ``OPENSHIFT_VERSION`` (``4.16``), or ``""``.
        base_version: the base OS version as the MCO computes it: ``RHEL_VERSION``, else
            ``VERSION`` without the ``<openshift version without dots>.`` prefix, else
            ``VERSION_ID``.
        build: the OS build (``OSTREE_VERSION``, else ``VERSION`` without a trailing
            ``(codename)``).
        raw: every field.
    """

    id: str
    variant_id: str
    name: str
    pretty_name: str
    version: str
    version_id: str
    openshift_version: str
    base_version: str
    build: str
    raw: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_el_coreos(self) -> bool:
        """RHCOS or SCOS: ``ID`` rhcos/scos, or rhel/centos with ``VARIANT_ID=coreos``."""
        return self.id in ("rhcos", "scos") or (
            self.id in ("rhel", "centos") and self.variant_id == "coreos"
        )

    @property
    def is_coreos(self) -> bool:
        """Any CoreOS (ostree + Ignition): RHCOS, SCOS or FCOS."""
        return self.variant_id == "coreos" or self.is_el_coreos

    @property
    def flavour(self) -> str:
        r"""``RHCOS``, ``SCOS``, ``FCOS``, ``RHEL`` (a RHEL worker) or the upper-cased ID.

        Examples:
            >>> parse_os_release('ID="rhel"\nVARIANT_ID=coreos\nNAME="Red Hat Enterprise Linux CoreOS"').flavour
            'RHCOS'
        """
        if self.id == "scos" or (self.id == "centos" and self.variant_id == "coreos"):
            return "SCOS"
        if self.is_el_coreos:
            return "RHCOS"
        if self.id == "fedora" and self.variant_id == "coreos":
            return "FCOS"
        return self.id.upper()


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def parse_os_release(text: str) -> OsRelease:
    """Parse ``/etc/os-release`` (both quote styles and unquoted values, as RHCOS writes them).

    Raises:
        ParseError: when there is no ``ID=`` line (not an os-release file).

    Examples:
        >>> parse_os_release(OS_RELEASE_43).base_version   # unquoted RHEL_VERSION=8.0
        '8.0'
        >>> parse_os_release("hello")
        Traceback (most recent call last):
        ...
        rhcos_helpers.errors.ParseError: os_release: no ID= line (input starts: 'hello')
    """
    fields: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        fields[key.strip()] = _unquote(value)
    if "ID" not in fields:
        raise ParseError("os_release", "no ID= line", excerpt=text)
    version = fields.get("VERSION", "")
    openshift = fields.get("OPENSHIFT_VERSION", "")
    if "RHEL_VERSION" in fields:
        base = fields["RHEL_VERSION"]
    elif openshift and version.startswith(openshift.replace(".", "") + "."):
        base = version.removeprefix(openshift.replace(".", "") + ".")
    else:
        base = fields.get("VERSION_ID", "")
    build = fields.get("OSTREE_VERSION") or version.split(" (", 1)[0]
    return OsRelease(
        id=fields["ID"],
        variant_id=fields.get("VARIANT_ID", ""),
        name=fields.get("NAME", ""),
        pretty_name=fields.get("PRETTY_NAME", ""),
        version=version,
        version_id=fields.get("VERSION_ID", ""),
        openshift_version=openshift,
        base_version=base,
        build=build,
        raw=fields,
    )


# ---------------------------------------------------------------------- rpm-ostree status

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


# ---------------------------------------------------------------------- uname

_ARCH = re.compile(r"^(x86_64|aarch64|arm64|ppc64le|ppc64|s390x|i[3-6]86|armv\w+|riscv64|unknown)$")


@dataclass(frozen=True)
class Uname:
    """``uname -a``.

    Attributes:
        kernel_name: ``Linux``.
        nodename: the host name.
        release: the kernel release (``5.14.0-427.37.1.el9_4.x86_64``), what nodeInfo's
            ``kernelVersion`` reports.
        version: the build string (``#1 SMP PREEMPT_DYNAMIC Fri Sep 13 12:41:50 EDT 2024``).
        machine: the architecture (``x86_64``, ``aarch64``, ``ppc64le``, ``s390x``).
        operating_system: ``GNU/Linux``.
    """

    kernel_name: str
    nodename: str
    release: str
    version: str
    machine: str
    operating_system: str

    @property
    def variant(self) -> str:
        """``realtime``, ``64k`` (aarch64 64k pages) or ``default``.

        Examples:
            >>> parse_uname(UNAME_414_RT).variant
            'realtime'
        """
        if ".rt" in self.release or "PREEMPT_RT" in self.version:
            return "realtime"
        if self.release.endswith("+64k"):
            return "64k"
        return "default"


def parse_uname(text: str) -> Uname:
    """Parse ``uname -a`` (processor and platform may be absent when ``unknown``).

    Raises:
        ParseError: fewer than three fields.

    Examples:
        >>> u = parse_uname(UNAME_416_ARM64K)
        >>> u.machine, u.variant, u.version[:2]
        ('aarch64', '64k', '#1')
    """
    line = next((ln for ln in text.splitlines() if ln.strip()), "")
    tokens = line.split()
    if len(tokens) < 3:
        raise ParseError("uname", "fewer than 3 fields (expected uname -a)", excerpt=text)
    rest = tokens[3:]
    has_os = bool(rest) and ("/" in rest[-1] or rest[-1] == "Linux")
    operating_system = rest.pop() if has_os else ""
    arch: list[str] = []
    while rest and _ARCH.match(rest[-1]) and len(arch) < 3:
        arch.insert(0, rest.pop())
    return Uname(
        kernel_name=tokens[0],
        nodename=tokens[1],
        release=tokens[2],
        version=" ".join(rest),
        machine=arch[0] if arch else "",
        operating_system=operating_system,
    )


# ---------------------------------------------------------------------- per-node views

COL_NODE = "node"
COL_POOL = "pool"
COL_ARCH = "arch"
COL_NOTE = "node output"


def os_release_of(fleet: NodeFleet, node: str) -> Parsed[OsRelease]:
    """The node's ``/etc/os-release``, parsed, or why not."""
    return parse_output(fleet.output(node, "os_release"), parse_os_release)


def uname_of(fleet: NodeFleet, node: str) -> Parsed[Uname]:
    """The node's ``uname -a``, parsed, or why not."""
    return parse_output(fleet.output(node, "uname"), parse_uname)


def is_coreos(fleet: NodeFleet, node: str) -> bool | None:
    """CoreOS per the node's os-release (the MCO's rule), else per nodeInfo's osImage; or None."""
    osr = os_release_of(fleet, node)
    if osr.ok and osr.value is not None:
        return osr.value.is_coreos
    image = fleet.node_info(node).get("osImage", "")
    if not image:
        return None
    return "CoreOS" in image


def rpm_ostree_of(fleet: NodeFleet, node: str) -> Parsed[RpmOstreeStatus]:
    """The node's ``rpm-ostree status``, parsed; ``not applicable`` on a non-CoreOS node."""
    if is_coreos(fleet, node) is False:
        return Parsed(node, "rpm_ostree_status", None, "not applicable", NOT_COREOS)
    return parse_output(fleet.output(node, "rpm_ostree_status"), parse_rpm_ostree_status)


_BUILD_IN_IMAGE = re.compile(r"\b(\d+\.\d+\.\d{8,12}[-.]\d+)\b")


def build_from_os_image(os_image: str) -> str:
    """The OS build inside nodeInfo's ``osImage`` (the os-release PRETTY_NAME).

    Examples:
        >>> build_from_os_image("Red Hat Enterprise Linux CoreOS 416.94.202409191851-0 (Plow)")
        '416.94.202409191851-0'
        >>> build_from_os_image("Red Hat Enterprise Linux 8.6 (Ootpa)")
        'Red Hat Enterprise Linux 8.6'
    """
    match = _BUILD_IN_IMAGE.search(os_image)
    return match.group(1) if match else os_image.split(" (", 1)[0]


def _same(a: str, b: str) -> str:
    if not a or not b:
        return ""
    return "yes" if a == b else "NO"


OS_COLUMNS = [
    COL_NODE, COL_POOL, COL_ARCH, "flavour", "CoreOS (MCO rule)", "OpenShift", "base OS",
    "OS build", "PRETTY_NAME", "nodeInfo osImage", "osImage = PRETTY_NAME", "kernel (uname -r)",
    "nodeInfo kernelVersion", "kernel matches", "nodeInfo containerRuntimeVersion",
    "nodeInfo kubeletVersion", COL_NOTE,
]  # fmt: skip


def os_frame(fleet: NodeFleet) -> pd.DataFrame:
    """One row per node: os-release and its classification beside what nodeInfo says."""
    rows = []
    for node in fleet.nodes:
        info = fleet.node_info(node)
        osr, un = os_release_of(fleet, node), uname_of(fleet, node)
        o, u = osr.value, un.value
        coreos = is_coreos(fleet, node)
        if o is not None:
            kind = f"yes ({o.flavour})" if o.is_coreos else "no"
        else:
            kind = {True: "yes (nodeInfo)", False: "no (nodeInfo)", None: ""}[coreos]
        notes = [p.note.replace(": ", f" {p.fact}: ", 1) for p in (osr, un) if not p.ok]
        rows.append(
            {
                COL_NODE: node,
                COL_POOL: fleet.pool_of(node),
                COL_ARCH: info.get("architecture", u.machine if u else ""),
                "flavour": o.flavour if o else "",
                "CoreOS (MCO rule)": kind,
                "OpenShift": o.openshift_version if o else "",
                "base OS": o.base_version if o else "",
                "OS build": o.build if o else "",
                "PRETTY_NAME": o.pretty_name if o else "",
                "nodeInfo osImage": info.get("osImage", ""),
                "osImage = PRETTY_NAME": _same(o.pretty_name if o else "", info.get("osImage", "")),
                "kernel (uname -r)": u.release if u else "",
                "nodeInfo kernelVersion": info.get("kernelVersion", ""),
                "kernel matches": _same(u.release if u else "", info.get("kernelVersion", "")),
                "nodeInfo containerRuntimeVersion": info.get("containerRuntimeVersion", ""),
                "nodeInfo kubeletVersion": info.get("kubeletVersion", ""),
                COL_NOTE: "; ".join(notes) or osr.origin,
            }
        )
    return pd.DataFrame(rows, columns=OS_COLUMNS)


DEPLOYMENT_COLUMNS = [
    COL_NODE, "role", "version", "timestamp (UTC)", "image", "digest", "origin", "stateroot",
    "pinned", "layered packages", COL_NOTE,
]  # fmt: skip


def deployments_frame(fleet: NodeFleet) -> pd.DataFrame:
    """Booted, staged, pending and rollback deployments of every node (marked rows otherwise)."""
    rows: list[dict[str, Any]] = []
    for node in fleet.nodes:
        rpm = rpm_ostree_of(fleet, node)
        if rpm.value is None:
            rows.append({COL_NODE: node, COL_NOTE: rpm.note})
            continue
        for d in rpm.value.deployments:
            rows.append(
                {
                    COL_NODE: node,
                    "role": d.role,
                    "version": d.version,
                    "timestamp (UTC)": d.timestamp.strftime("%Y-%m-%d %H:%M:%S")
                    if d.timestamp
                    else "",
                    "image": d.image,
                    "digest": d.digest,
                    "origin": d.origin_description,
                    "stateroot": d.osname,
                    "pinned": d.pinned,
                    "layered packages": " ".join(d.layered_packages),
                    COL_NOTE: f"{rpm.origin} ({rpm.format})",
                }
            )
    return pd.DataFrame(rows, columns=DEPLOYMENT_COLUMNS, dtype=object).fillna("")


KERNEL_COLUMNS = [
    COL_NODE, COL_ARCH, "release", "variant", "build", "nodeInfo kernelVersion", "matches",
    COL_NOTE,
]  # fmt: skip


def kernel_frame(fleet: NodeFleet) -> pd.DataFrame:
    """The running kernel of every node (``uname -a``), beside nodeInfo's kernelVersion."""
    rows = []
    for node in fleet.nodes:
        un, info = uname_of(fleet, node), fleet.node_info(node)
        u = un.value
        rows.append(
            {
                COL_NODE: node,
                COL_ARCH: u.machine if u else info.get("architecture", ""),
                "release": u.release if u else "",
                "variant": u.variant if u else "",
                "build": u.version if u else "",
                "nodeInfo kernelVersion": info.get("kernelVersion", ""),
                "matches": _same(u.release if u else "", info.get("kernelVersion", "")),
                COL_NOTE: un.note or un.origin,
            }
        )
    return pd.DataFrame(rows, columns=KERNEL_COLUMNS)


# ---------------------------------------------------------------------- findings


def findings(fleet: NodeFleet | Attempt[NodeFleet]) -> list[Finding]:
    """Deployments needing attention: a non-default boot, a staged update, unlocked, layered."""
    if isinstance(fleet, Attempt):
        if fleet.value is None:
            return []
        fleet = fleet.value
    out: list[Finding] = []
    for node in fleet.nodes:
        rpm = rpm_ostree_of(fleet, node).value
        if rpm is not None:
            out.extend(_deployment_findings(node, rpm))
    return out


def _deployment_findings(node: str, rpm: RpmOstreeStatus) -> Iterable[Finding]:
    where = f"node/{node}"
    booted = rpm.booted
    if booted is not None and booted.index > 0 and rpm.deployments[0].role != "staged":
        yield Finding(
            Severity.WARNING,
            f"Node {node} booted a non-default deployment ({booted.version})",
            f"The default is {rpm.deployments[0].version}; someone rolled back or a boot failed.",
            where,
            "50-pool-rollout",
        )
    staged = rpm.with_role("staged") or rpm.with_role("pending")
    if staged is not None:
        yield Finding(
            Severity.INFO,
            f"Node {node} has a {staged.role} deployment {staged.version}",
            "It becomes the booted OS at the next reboot (the MCD reboots after staging).",
            where,
            "50-pool-rollout",
        )
    for d in rpm.deployments:
        if d.unlocked not in ("", "none"):
            yield Finding(
                Severity.WARNING,
                f"Node {node}: deployment {d.version} is unlocked ({d.unlocked})",
                "ostree admin unlock makes /usr writable; the MCO does not expect it.",
                where,
            )
        if d.layered_packages and d.booted:
            yield Finding(
                Severity.INFO,
                f"Node {node} has layered packages: {' '.join(d.layered_packages)}",
                "Client-side layering outside the MCO's extensions survives until the next OS "
                "update rebases the node.",
                where,
                "40-machineconfigs",
            )
