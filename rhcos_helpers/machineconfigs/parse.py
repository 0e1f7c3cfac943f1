"""machineconfigs.parse - what each MachineConfig writes to the nodes (``oc get mc``, decoded).

Reads MachineConfig objects (Ignition 2.2 and 3.x alike) into frozen records: the ``oc get mc``
columns plus role and origin, every file with its decoded contents (the three data-URL forms and
gzip, see :func:`rhcos_helpers.machineconfigs.dataurl.decode_data_url`), systemd units and drop-ins, kernel arguments, extensions,
FIPS, kernel type and OS image. ``passwd.users[].sshAuthorizedKeys`` are secrets: a record keeps
only how many keys each user has and a short digest of each key (for diffs), never the key.

Sample (``tests/data/api/machineconfigs/50-worker-chrony-4.16.yaml``, the seed's chrony example
as Ignition 3.4)::

    spec:
      config:
        ignition: {version: 3.4.0}
        storage:
          files:
          - contents:
              source: data:text/plain;charset=utf-8;base64,c2VydmVyIHRpY2su...
            mode: 420
            overwrite: true
            path: /etc/chrony.conf

Examples:
    >>> mc = parse_machineconfig(SAMPLE_MC_CHRONY_416)
    >>> mc.name, mc.role, mc.origin, mc.ignition_version
    ('50-worker-chrony', 'worker', 'user', '3.4.0')
    >>> f = mc.files[0]
    >>> f.path, f.mode_octal, f.overwrite, f.text.splitlines()[0]
    ('/etc/chrony.conf', '0644', True, 'server tick.stdtime.gov.tw maxdelay 0.4 offline')
    >>> parse_machineconfig(SAMPLE_MC_CHRONY_43).files[0].effective_overwrite  # 2.2 default
    True
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rhcos_helpers.cluster import EXTERNAL, HOSTED_REASON, control_plane_topology
from rhcos_helpers.errors import NotApplicable, ParseError
from rhcos_helpers.machineconfigs.dataurl import as_text, decode_data_url
from rhcos_helpers.sources.base import Source

__all__ = [
    "GENERATED_BY_ANNOTATION",
    "IGNITION_VERSIONS",
    "ROLE_LABEL",
    "McDropin",
    "McFile",
    "McSet",
    "McUnit",
    "MachineConfigInfo",
    "decode_data_url",
    "parse_machineconfig",
    "read_machineconfigs",
    "selector_matches",
]

log = logging.getLogger(__name__)

ROLE_LABEL = "machineconfiguration.openshift.io/role"
GENERATED_BY_ANNOTATION = "machineconfiguration.openshift.io/generated-by-controller-version"

_SPEC = "machineconfig"

#: Ignition spec versions the machine-config operator reads: 2.x through Ignition's chained 2.2
#: parser, 3.0-3.5 (which 3.x a release reads depends on it: 3.1 in 4.6, 3.2 in 4.7-4.13, 3.4 in
#: 4.14-4.18, 3.5 from 4.19). Anything else fails the render with "parsing Ignition config
#: failed: unknown version" (MCO pkg/controller/common/helpers.go ``IgnParseWrapper``).
IGNITION_VERSIONS = (
    "2.0.0",
    "2.1.0",
    "2.2.0",
    "3.0.0",
    "3.1.0",
    "3.2.0",
    "3.3.0",
    "3.4.0",
    "3.5.0",
)


# --- records ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class McFile:
    """One ``storage.files[]`` entry.

    Attributes:
        path: absolute path on the node.
        mode: the mode as the API holds it (decimal integer), ``None`` when unset.
        overwrite: as written; ``None`` when unset (2.2 default true, 3.x default false; MCO
            sets true in rendered configs).
        user: owner name or id, ``""`` when unset (root).
        group: group name or id, ``""`` when unset.
        source: the data URL (kept for re-encoding; shown decoded, never raw).
        compression: ``""`` or ``"gzip"``.
        contents: decoded bytes, ``None`` when the URL could not be decoded or is absent.
        error: why the contents could not be decoded, ``""`` when they could.
        append: the file appends instead of replacing (2.2 ``append: true``, 3.x ``append[]``).
        ignition_major: 2 or 3 (for the overwrite default).
    """

    path: str
    mode: int | None
    overwrite: bool | None
    user: str
    group: str
    source: str | None
    compression: str
    contents: bytes | None
    error: str = ""
    append: bool = False
    ignition_major: int = 3

    @property
    def mode_octal(self) -> str:
        """The mode in octal as people write it (``0644``); ``""`` when unset."""
        return "" if self.mode is None else f"{self.mode:04o}"

    @property
    def effective_overwrite(self) -> bool:
        """The overwrite flag with the spec's default (2.2: true; 3.x: false)."""
        if self.overwrite is not None:
            return self.overwrite
        return self.ignition_major == 2

    @property
    def text(self) -> str | None:
        """Decoded contents as text; ``None`` for binary or undecodable contents."""
        return None if self.contents is None else as_text(self.contents)

    @property
    def digest(self) -> str:
        """A short sha256 of the decoded contents (FIPS-safe), ``""`` without contents."""
        if self.contents is None:
            return ""
        return hashlib.sha256(self.contents).hexdigest()[:12]


@dataclass(frozen=True)
class McDropin:
    """One systemd drop-in of a unit."""

    name: str
    contents: str | None


@dataclass(frozen=True)
class McUnit:
    """One ``systemd.units[]`` entry (``enabled``/``mask`` ``None`` when unset)."""

    name: str
    enabled: bool | None
    mask: bool | None
    contents: str | None
    dropins: tuple[McDropin, ...] = ()


@dataclass(frozen=True)
class MachineConfigInfo:
    """One MachineConfig, decoded.

    Attributes:
        name: object name.
        role: the ``machineconfiguration.openshift.io/role`` label (``""`` for rendered).
        origin: ``template``, ``installer``, ``kubeletconfig``, ``containerruntimeconfig``,
            ``image-policy``, ``controller``, ``rendered`` or ``user``.
        origin_detail: e.g. the KubeletConfig's name, or the controller that made it.
        generated_by: the generated-by-controller-version annotation (``""`` when absent).
        ignition_version: ``spec.config.ignition.version`` (``""`` without a config).
        created: creationTimestamp.
        labels: the object's labels.
        files: ``storage.files``.
        units: ``systemd.units``.
        ssh_keys: per user, short digests of the authorized keys (never the keys).
        kernel_arguments: ``spec.kernelArguments``.
        extensions: ``spec.extensions``.
        fips: ``spec.fips``.
        kernel_type: ``spec.kernelType`` (``""`` when unset).
        os_image_url: ``spec.osImageURL``.
        base_os_extensions: ``spec.baseOSExtensionsContainerImage``.
        unsupported: what the machine-config daemon refuses (directories, links, users other
            than core, filesystems ...), one line each.
        owners: ``kind/name`` of each ownerReference.
    """

    name: str
    role: str
    origin: str
    origin_detail: str
    generated_by: str
    ignition_version: str
    created: str
    labels: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    files: tuple[McFile, ...] = ()
    units: tuple[McUnit, ...] = ()
    ssh_keys: tuple[tuple[str, tuple[str, ...]], ...] = ()
    kernel_arguments: tuple[str, ...] = ()
    extensions: tuple[str, ...] = ()
    fips: bool = False
    kernel_type: str = ""
    os_image_url: str = ""
    base_os_extensions: str = ""
    unsupported: tuple[str, ...] = ()
    owners: tuple[str, ...] = ()

    @property
    def is_rendered(self) -> bool:
        """True for ``rendered-<pool>-<hash>`` configs made by the render controller."""
        return self.origin == "rendered"

    @property
    def ignition_major(self) -> int:
        """2 or 3 (3 when there is no config)."""
        return 2 if self.ignition_version.startswith("2.") else 3

    @property
    def ssh_summary(self) -> str:
        """``"N key(s) for core: SHA256:..."`` per user (fingerprints); ``""`` without keys."""
        return "; ".join(
            f"{len(keys)} key(s) for {user}: {', '.join(keys)}" for user, keys in self.ssh_keys
        )


#: ``ssh-ed25519``, ``ssh-rsa``, ``ecdsa-sha2-nistp256``, ``sk-ssh-ed25519@openssh.com`` ...
_SSH_KEY_TYPE = re.compile(r"^(ssh|ecdsa|sk)-[A-Za-z0-9@.+-]+$")


def ssh_fingerprint(key: str) -> str:
    """The OpenSSH SHA256 fingerprint of an authorized key, what ``ssh-keygen -l`` prints.

    A fingerprint identifies a key without showing it (a swapped key is a visible change). A
    line whose key part does not decode as base64 is identified by a short digest of the line.
    The key part is the word after the key type (``authorized_keys`` options may come first),
    else the first word that starts like one (``AAAA``: the length of the type name).

    Examples:
        >>> ssh_fingerprint("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDemoDemoDemoDemoDemoDemoDemoDemo"
        ...                 "DemoDemo000 demo@example")
        'SHA256:pQSEEDFZ9UXwa/ywrpMGLi2Dx65OCp69nSdHygwOJcE'
        >>> ssh_fingerprint('no-pty,command="echo AAAA" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDemo'
        ...                 "DemoDemoDemoDemoDemoDemoDemoDemoDemo000 demo@example")
        'SHA256:pQSEEDFZ9UXwa/ywrpMGLi2Dx65OCp69nSdHygwOJcE'
        >>> ssh_fingerprint("ssh-ed25519 AAAAnot-base64 x")
        'line sha256 6fe781fe764f'
    """
    import base64
    import binascii

    parts = key.split()
    typed = (
        value
        for name, value in zip(parts, parts[1:], strict=False)
        if _SSH_KEY_TYPE.match(name) and value.startswith("AAAA")
    )
    blob = next(typed, "") or next((p for p in parts if p.startswith("AAAA")), "")
    try:
        raw = base64.b64decode(blob, validate=True) if blob else b""
    except (binascii.Error, ValueError):
        raw = b""
    if not raw:
        return f"line sha256 {hashlib.sha256(key.encode()).hexdigest()[:12]}"
    return "SHA256:" + base64.b64encode(hashlib.sha256(raw).digest()).decode().rstrip("=")


# --- parsing ----------------------------------------------------------------------------------


def _id_or_name(obj: Any) -> str:
    if not isinstance(obj, dict):
        return ""
    if obj.get("name"):
        return str(obj["name"])
    if obj.get("id") is not None:
        return str(obj["id"])
    return ""


def _opt_bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


def _obj(value: Any, where: str, mc: str) -> dict[str, Any]:
    """``value`` as an object (``{}`` when unset); ParseError when it is something else."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ParseError(_SPEC, f"{mc}: {where} is not an object", excerpt=repr(value))
    return value


def _list(value: Any, where: str, mc: str) -> list[Any]:
    """``value`` as a list (``[]`` when unset); ParseError when it is something else."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ParseError(_SPEC, f"{mc}: {where} is not a list", excerpt=repr(value))
    return value


def _parse_file(entry: Any, *, mc: str, major: int) -> tuple[McFile, list[str]]:
    if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
        raise ParseError(_SPEC, f"{mc}: a storage.files entry has no path", excerpt=repr(entry))
    problems: list[str] = []
    path = entry["path"]
    contents_obj = entry.get("contents") or {}
    if not isinstance(contents_obj, dict):
        raise ParseError(_SPEC, f"{mc}: {path}: contents is not an object", excerpt=repr(entry))
    source = contents_obj.get("source")
    compression = str(contents_obj.get("compression") or "")
    data: bytes | None = None
    error = ""
    if source is not None:
        try:
            data = decode_data_url(str(source), compression=compression)
        except ParseError as exc:
            error = _decode_error(exc.reason, mc)
    elif major == 3 and not entry.get("append"):
        data = b""  # Ignition 3 creates an empty file
    append_value = entry.get("append")
    append = bool(append_value) if major == 2 else bool(append_value)
    if major == 2:
        fs = entry.get("filesystem")
        if fs not in (None, "root"):
            problems.append(f"file {path} on filesystem {fs!r} (only 'root' is supported)")
    mode = entry.get("mode")
    if mode is not None and not isinstance(mode, int):
        raise ParseError(_SPEC, f"{mc}: {path}: mode {mode!r} is not an integer")
    if isinstance(mode, int) and mode > 0o777:
        problems.append(f"file {path} mode {mode:04o} has special bits (not supported)")
    return (
        McFile(
            path=path,
            mode=mode,
            overwrite=_opt_bool(entry.get("overwrite")),
            user=_id_or_name(entry.get("user")),
            group=_id_or_name(entry.get("group")),
            source=None if source is None else str(source),
            compression=compression,
            contents=data,
            error=error,
            append=append,
            ignition_major=major,
        ),
        problems,
    )


def _decode_error(reason: str, mc: str) -> str:
    """One line: what is wrong with ``contents.source``, what it does, and what to do."""
    if "gzip" in reason or "not a data URL" in reason:
        effect = "the machine-config daemon cannot write it and the node goes Degraded"
    else:
        effect = (
            "Ignition validation rejects it, so every pool selecting this MachineConfig fails "
            "to render (RenderDegraded)"
        )
    return f"{reason}: {effect}; fix contents.source with `oc edit mc {mc}`"


def _parse_unit(entry: Any, *, mc: str, major: int) -> McUnit:
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        raise ParseError(_SPEC, f"{mc}: a systemd.units entry has no name", excerpt=repr(entry))
    enabled = entry.get("enabled")
    if enabled is None and major == 2 and entry.get("enable"):
        enabled = True  # 2.x deprecated 'enable'
    dropins = tuple(
        McDropin(name=str(d.get("name", "")), contents=d.get("contents"))
        for d in _list(entry.get("dropins"), f"unit {entry['name']} dropins", mc)
        if isinstance(d, dict)
    )
    return McUnit(
        name=entry["name"],
        enabled=_opt_bool(enabled),
        mask=_opt_bool(entry.get("mask")),
        contents=entry.get("contents"),
        dropins=dropins,
    )


_TEMPLATE = re.compile(r"^0[01]-")
_GENERATED = re.compile(
    r"^(\d\d)-(?P<role>.+?)-generated-(?P<what>kubelet|containerruntime|registries)"
)
_OLD_GENERATED = re.compile(
    r"^99-(?P<role>.+)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-"
    r"(?P<what>kubelet|containerruntime|registries)$"
)


def _origin(name: str, meta: dict[str, Any]) -> tuple[str, str]:
    owners = meta.get("ownerReferences") or []
    for ref in owners:
        kind = ref.get("kind")
        if kind == "MachineConfigPool" or name.startswith("rendered-"):
            return "rendered", f"pool {ref.get('name', '')}"
        if kind == "KubeletConfig":
            return "kubeletconfig", str(ref.get("name", ""))
        if kind == "ContainerRuntimeConfig":
            return "containerruntimeconfig", str(ref.get("name", ""))
    if name.startswith("rendered-"):
        return "rendered", ""
    annotations = meta.get("annotations") or {}
    generated = GENERATED_BY_ANNOTATION in annotations
    match = _GENERATED.match(name) or _OLD_GENERATED.match(name)
    if match:
        what = match.group("what")
        prefix = name[:2]
        if what == "registries":
            return "image-policy", "image content policies (ICSP/IDMS/ITMS, image.config)"
        if what == "containerruntime":
            return "containerruntimeconfig", "a ContainerRuntimeConfig (owner not recorded)"
        if prefix == "97":
            return "controller", "node config (nodes.config.openshift.io cluster)"
        if prefix == "98":
            return "controller", "feature gates"
        return "kubeletconfig", "a KubeletConfig (owner not recorded)"
    if generated and _TEMPLATE.match(name):
        return "template", "MCO templates"
    if generated:
        return "controller", "machine-config controller"
    if re.match(r"^99-.+-ssh$", name):
        return "installer", "installer (ssh key)"
    return "user", ""


def parse_machineconfig(obj: Mapping[str, Any]) -> MachineConfigInfo:
    """Decode one MachineConfig object (as the API returns it).

    Files whose contents cannot be decoded keep ``error`` set; an object that is not a
    MachineConfig or whose Ignition config is invalid raises.

    Raises:
        ParseError: no name, a config that is not an object or not Ignition, an Ignition
            version the machine-config operator does not read, files or units without
            path/name. The message names the field and what to do.

    Examples:
        >>> bad = {"metadata": {"name": "x"}, "spec": {"config": {"ignition": {"version": "3.9.0"}}}}
        >>> parse_machineconfig(bad)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        rhcos_helpers.errors.ParseError: machineconfig: x: spec.config.ignition.version '3.9.0' is not an Ignition spec the machine-config operator reads (2.2.0, 3.0.0-3.5.0): ...
    """
    if not isinstance(obj, Mapping):
        raise ParseError(_SPEC, "not an object", excerpt=repr(obj))
    meta = obj.get("metadata") or {}
    name = meta.get("name")
    if not isinstance(name, str) or not name:
        raise ParseError(_SPEC, "object without metadata.name", excerpt=repr(obj))
    spec = obj.get("spec") or {}
    if not isinstance(spec, dict):
        raise ParseError(_SPEC, f"{name}: spec is not an object")
    config = spec.get("config")
    if config is None:
        config = {}
    if not isinstance(config, dict):
        raise ParseError(
            _SPEC,
            f"{name}: spec.config is not an object, so not an Ignition config: every pool "
            f"selecting it fails to render; fix or delete it (`oc edit mc {name}`)",
            excerpt=repr(config),
        )
    version = str(_obj(config.get("ignition"), "ignition", name).get("version") or "")
    if config and not version:
        raise ParseError(
            _SPEC,
            f"{name}: spec.config has no ignition.version, so it is not an Ignition config: "
            f"every pool selecting it fails to render; fix or delete it (`oc edit mc {name}`)",
            excerpt=repr(config),
        )
    if config and version not in IGNITION_VERSIONS:
        raise ParseError(
            _SPEC,
            f"{name}: spec.config.ignition.version {version!r} is not an Ignition spec the "
            "machine-config operator reads (2.2.0, 3.0.0-3.5.0): every pool selecting it fails "
            'to render (RenderDegraded, "unknown version"); set a version the release reads '
            f"(`oc edit mc {name}`) or delete it",
        )
    major = 2 if version.startswith("2.") else 3
    storage = _obj(config.get("storage"), "storage", name)
    files: list[McFile] = []
    unsupported: list[str] = []
    for entry in _list(storage.get("files"), "storage.files", name):
        parsed, problems = _parse_file(entry, mc=name, major=major)
        files.append(parsed)
        unsupported.extend(problems)
    for section, what in (
        ("directories", "directory"),
        ("links", "link"),
        ("filesystems", "filesystem"),
        ("disks", "disk"),
        ("raid", "RAID array"),
        ("luks", "LUKS device"),
    ):
        for item in _list(storage.get(section), f"storage.{section}", name):
            item = _obj(item, f"a storage.{section} entry", name)
            label = item.get("path") or item.get("device") or item.get("name") or "?"
            unsupported.append(f"{what} {label} (storage.{section} is not supported)")
    units = tuple(
        _parse_unit(u, mc=name, major=major)
        for u in _list(_obj(config.get("systemd"), "systemd", name).get("units"), "units", name)
    )
    keys: list[tuple[str, tuple[str, ...]]] = []
    passwd = _obj(config.get("passwd"), "passwd", name)
    for user in _list(passwd.get("users"), "passwd.users", name):
        user = _obj(user, "a passwd.users entry", name)
        uname = str(user.get("name", ""))
        if uname != "core":
            unsupported.append(f"user {uname} (only core's sshAuthorizedKeys are supported)")
        digests = tuple(
            ssh_fingerprint(str(k))
            for k in _list(user.get("sshAuthorizedKeys"), "sshAuthorizedKeys", name)
        )
        if digests:
            keys.append((uname, digests))
        extra = sorted(set(user) - {"name", "sshAuthorizedKeys"})
        if extra and uname == "core":
            unsupported.append(f"user core fields {', '.join(extra)} (not supported)")
    if passwd.get("groups"):
        unsupported.append("passwd.groups (not supported)")
    origin, detail = _origin(name, meta)
    labels = meta.get("labels") or {}
    annotations = meta.get("annotations") or {}
    return MachineConfigInfo(
        name=name,
        role=str(labels.get(ROLE_LABEL, "")),
        origin=origin,
        origin_detail=detail,
        generated_by=str(annotations.get(GENERATED_BY_ANNOTATION, "")),
        ignition_version=version,
        created=str(meta.get("creationTimestamp", "") or ""),
        labels=dict(labels),
        files=tuple(files),
        units=units,
        ssh_keys=tuple(keys),
        kernel_arguments=tuple(str(a) for a in spec.get("kernelArguments") or []),
        extensions=tuple(str(e) for e in spec.get("extensions") or []),
        fips=bool(spec.get("fips", False)),
        kernel_type=str(spec.get("kernelType") or ""),
        os_image_url=str(spec.get("osImageURL") or ""),
        base_os_extensions=str(spec.get("baseOSExtensionsContainerImage") or ""),
        unsupported=tuple(unsupported),
        owners=tuple(
            f"{r.get('kind', '')}/{r.get('name', '')}" for r in meta.get("ownerReferences") or []
        ),
    )


# --- selectors --------------------------------------------------------------------------------


def selector_matches(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """Whether labels satisfy a Kubernetes ``LabelSelector`` (matchLabels + matchExpressions).

    An empty or missing selector matches nothing here: MCO refuses to render a pool whose
    machineConfigSelector is empty (event ``SelectingAll``).

    Examples:
        >>> sel = {"matchExpressions": [{"key": ROLE_LABEL, "operator": "In",
        ...                               "values": ["worker", "infra"]}]}
        >>> selector_matches(sel, {ROLE_LABEL: "infra"}), selector_matches(sel, {})
        (True, False)
        >>> selector_matches({}, {ROLE_LABEL: "worker"})
        False
    """
    if not selector or not (selector.get("matchLabels") or selector.get("matchExpressions")):
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op = expr.get("key"), expr.get("operator")
        values = expr.get("values") or []
        present = key in labels
        if op == "In" and (not present or labels[key] not in values):
            return False
        if op == "NotIn" and present and labels[key] in values:
            return False
        if op == "Exists" and not present:
            return False
        if op == "DoesNotExist" and present:
            return False
    return True


# --- reading a source -------------------------------------------------------------------------


@dataclass(frozen=True)
class McSet:
    """Every MachineConfig a source holds, decoded, plus their generators.

    Attributes:
        configs: name -> decoded MachineConfig (sorted by name).
        errors: name -> why that object could not be decoded (shown as a marked row).
        kubeletconfigs: the KubeletConfig objects (``None``: not collected).
        containerruntimeconfigs: the ContainerRuntimeConfig objects (``None``: not collected).
        now: the reference time for ages.
        control_plane_topology: Infrastructure ``status.controlPlaneTopology`` (``""`` when
            unknown): ``SingleReplica`` changes what a rollout does (no drain; the API goes
            away while the node reboots).
    """

    configs: Mapping[str, MachineConfigInfo]
    errors: Mapping[str, str]
    kubeletconfigs: tuple[Mapping[str, Any], ...] | None
    containerruntimeconfigs: tuple[Mapping[str, Any], ...] | None
    now: datetime
    control_plane_topology: str = ""

    def get(self, name: str) -> MachineConfigInfo | None:
        """One MachineConfig by name."""
        return self.configs.get(name)

    def sources(self) -> list[MachineConfigInfo]:
        """The non-rendered MachineConfigs (the inputs of the pools' rendered configs)."""
        return [m for m in self.configs.values() if not m.is_rendered]


def _optional_list(source: Source, resource: str) -> tuple[Mapping[str, Any], ...] | None:
    try:
        return tuple(source.list(resource))
    except NotApplicable:
        return None


def read_machineconfigs(source: Source) -> McSet:
    """Read and decode every MachineConfig (and KubeletConfigs/ContainerRuntimeConfigs).

    Raises:
        NotApplicable: the source has no MachineConfigs: a hosted control plane's guest
            cluster (Infrastructure ``controlPlaneTopology: External``, said first and with
            where to look instead), or a capture that did not collect them.
    """
    topology = control_plane_topology(source)
    if topology == EXTERNAL:
        raise NotApplicable(HOSTED_REASON)
    objects = source.list("machineconfigs")
    if not objects:
        raise NotApplicable(
            "no MachineConfig objects: a hosted control plane's guest cluster has none "
            "(the management cluster renders node configs), or the capture holds none"
        )
    configs: dict[str, MachineConfigInfo] = {}
    errors: dict[str, str] = {}
    for obj in objects:
        name = str((obj.get("metadata") or {}).get("name", "?"))
        try:
            configs[name] = parse_machineconfig(obj)
        except ParseError as exc:
            log.warning("machineconfig %s: %s", name, exc)
            errors[name] = str(exc)
    return McSet(
        configs=dict(sorted(configs.items())),
        errors=errors,
        kubeletconfigs=_optional_list(source, "kubeletconfigs"),
        containerruntimeconfigs=_optional_list(source, "containerruntimeconfigs"),
        now=source.now(),
        control_plane_topology=topology,
    )
