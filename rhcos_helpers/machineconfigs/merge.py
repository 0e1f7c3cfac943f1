"""machineconfigs.merge - the render controller's merge of MachineConfigs, repeated locally.

The machine-config controller merges the MachineConfigs a pool selects into
``rendered-<pool>-<hash>``. :func:`merge` repeats that merge locally with the rules of the
cluster's release, so a report can check the cluster's rendered config against it
(:mod:`rhcos_helpers.machineconfigs.render`).

Rules (``rules="head"``, openshift/machine-config-operator ``MergeMachineConfigs`` at HEAD):
MachineConfigs labelled role ``worker`` first, then the rest, each sorted by name; the first
is the base and each next one is merged over it with Ignition 3 semantics (a later file
replaces fields of an earlier one at the same path, in place; units and drop-ins likewise by
name; new entries are appended); files without ``overwrite`` get ``true``; kernel arguments and
extensions are concatenated in merge order; ``fips`` is true if any MC sets it; ``kernelType``
is ``realtime``/``64k-pages`` if an MC sets it, else ``default``; ``osImageURL`` comes from the
ControllerConfig unless an MC sets one.

``rules="4.3"`` (release-4.3 ``MergeMachineConfigs``): all MCs sorted by name, Ignition 2.2
``Append`` (every list concatenated, so a path can appear twice: the later entry is written
last and wins on the node), kernel arguments concatenated, FIPS if any, OS image from the CVO.

Caveat: between 4.6 and the worker-first change MCO sorted all MCs by name (the result only
differs when a custom pool's MC and a worker MC write the same path); some of those releases
also dropped duplicate kernel arguments. :func:`rules_for` applies HEAD rules from 4.6 on.

Examples:
    >>> from rhcos_helpers.machineconfigs.parse import parse_machineconfig
    >>> a = parse_machineconfig(SAMPLE_MC_CHRONY_416)
    >>> m = merge([a], rules="head")
    >>> [f.path for f in m.files], m.kernel_type
    (['/etc/chrony.conf'], 'default')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from rhcos_helpers.errors import UsageError
from rhcos_helpers.machineconfigs.parse import (
    ROLE_LABEL,
    MachineConfigInfo,
    McDropin,
    McFile,
    McUnit,
)

__all__ = ["MergedConfig", "Rules", "from_rendered", "merge", "minor_version", "order", "rules_for"]

Rules = Literal["head", "4.3"]


def minor_version(version: str) -> tuple[int, int]:
    """``(major, minor)`` of an OpenShift version string.

    Raises:
        UsageError: for something that is not ``4.N[.z...]``.

    Examples:
        >>> minor_version("4.16.21"), minor_version("4.3"), minor_version("4.19.0-ec.2")
        ((4, 16), (4, 3), (4, 19))
    """
    parts = version.strip().lstrip("v").split(".")
    try:
        major, minor = int(parts[0]), int(parts[1].split("-")[0])
    except (IndexError, ValueError):
        raise UsageError(
            f"unknown OpenShift version {version!r}; give it as 4.N or 4.N.z (e.g. 4.16)"
        ) from None
    if major != 4:
        raise UsageError(f"unknown OpenShift version {version!r}: only OpenShift 4 is known")
    return major, minor


def rules_for(version: str) -> Rules:
    """The merge rules of a release: ``4.3`` before 4.6 (Ignition 2.2), ``head`` from 4.6.

    Examples:
        >>> rules_for("4.3.5"), rules_for("4.5"), rules_for("4.16.21")
        ('4.3', '4.3', 'head')
    """
    return "4.3" if minor_version(version) < (4, 6) else "head"


@dataclass(frozen=True)
class MergedConfig:
    """A rendered config: the cluster's (:func:`from_rendered`) or a local merge (:func:`merge`).

    ``files`` keeps the list as rendered (4.3 may hold a path twice); :meth:`file_map` gives the
    file each path ends up with on the node.
    """

    name: str
    ignition_version: str
    files: tuple[McFile, ...]
    units: tuple[McUnit, ...]
    ssh_keys: tuple[tuple[str, tuple[str, ...]], ...]
    kernel_arguments: tuple[str, ...]
    extensions: tuple[str, ...]
    fips: bool
    kernel_type: str
    os_image_url: str | None
    sources: tuple[str, ...] = ()
    unsupported: tuple[str, ...] = ()

    def file_map(self) -> dict[str, McFile]:
        """Path -> the file written last at that path."""
        return {f.path: f for f in self.files}

    def unit_map(self) -> dict[str, McUnit]:
        """Unit name -> the unit as it ends up (later entries win)."""
        return {u.name: u for u in self.units}

    @property
    def duplicate_paths(self) -> tuple[str, ...]:
        """Paths listed more than once (Ignition 2.2 append semantics)."""
        seen: dict[str, int] = {}
        for f in self.files:
            seen[f.path] = seen.get(f.path, 0) + 1
        return tuple(p for p, n in seen.items() if n > 1)


def from_rendered(mc: MachineConfigInfo) -> MergedConfig:
    """The cluster's rendered config as a :class:`MergedConfig` (files as listed)."""
    return MergedConfig(
        name=mc.name,
        ignition_version=mc.ignition_version,
        files=mc.files,
        units=mc.units,
        ssh_keys=mc.ssh_keys,
        kernel_arguments=mc.kernel_arguments,
        extensions=mc.extensions,
        fips=mc.fips,
        kernel_type=mc.kernel_type or "default",
        os_image_url=mc.os_image_url,
        unsupported=mc.unsupported,
    )


# --- merge ------------------------------------------------------------------------------------


def _merge_file(parent: McFile, child: McFile) -> McFile:
    """Ignition 3 merge of two entries at one path (child's set fields win)."""
    body = child if child.source is not None else parent
    source, compression, contents, error = body.source, body.compression, body.contents, body.error
    return McFile(
        path=parent.path,
        mode=child.mode if child.mode is not None else parent.mode,
        overwrite=child.overwrite if child.overwrite is not None else parent.overwrite,
        user=child.user or parent.user,
        group=child.group or parent.group,
        source=source,
        compression=compression,
        contents=contents,
        error=error,
        append=parent.append or child.append,
        ignition_major=3,
    )


def _merge_unit(parent: McUnit, child: McUnit) -> McUnit:
    dropins = {d.name: d for d in parent.dropins}
    for d in child.dropins:
        old = dropins.get(d.name)
        dropins[d.name] = McDropin(
            d.name, d.contents if d.contents is not None else (old.contents if old else None)
        )
    return McUnit(
        name=parent.name,
        enabled=child.enabled if child.enabled is not None else parent.enabled,
        mask=child.mask if child.mask is not None else parent.mask,
        contents=child.contents if child.contents is not None else parent.contents,
        dropins=tuple(dropins.values()),
    )


def order(mcs: Sequence[MachineConfigInfo], rules: Rules) -> list[MachineConfigInfo]:
    """The merge order: by name (4.3); worker-labelled first, then the rest (HEAD)."""
    if rules == "4.3":
        return sorted(mcs, key=lambda m: m.name)
    worker = sorted((m for m in mcs if m.labels.get(ROLE_LABEL) == "worker"), key=lambda m: m.name)
    other = sorted((m for m in mcs if m.labels.get(ROLE_LABEL) != "worker"), key=lambda m: m.name)
    return worker + other


def merge(
    mcs: Sequence[MachineConfigInfo],
    *,
    rules: Rules = "head",
    os_image_url: str | None = None,
    ignition_version: str | None = None,
    name: str = "local merge",
) -> MergedConfig:
    """Merge MachineConfigs the way the render controller does.

    Args:
        mcs: the MachineConfigs a pool selects (any order).
        rules: ``head`` or ``4.3`` (see the module docstring and :func:`rules_for`).
        os_image_url: the ControllerConfig's OS image; ``None`` when unknown (then only an MC's
            own osImageURL is known).
        ignition_version: the version the controller writes (its internal one); default: the
            highest version among the inputs.
        name: a label for the result.

    Examples:
        >>> from rhcos_helpers.machineconfigs.parse import McFile
        >>> f1 = McFile("/etc/a", 420, None, "", "", "data:,1", "", b"1")
        >>> f2 = McFile("/etc/a", None, None, "", "", "data:,2", "", b"2")
        >>> mc = lambda n, f, role="worker": MachineConfigInfo(n, role, "user", "", "", "3.4.0",
        ...     "", labels={ROLE_LABEL: role}, files=(f,))
        >>> out = merge([mc("99-infra-a", f2, "infra"), mc("50-worker-a", f1)])
        >>> [(f.path, f.contents, f.mode, f.overwrite) for f in out.files]
        [('/etc/a', b'2', 420, True)]
        >>> [(f.path, f.contents) for f in merge([mc("99-a", f2), mc("50-a", f1)],
        ...                                      rules="4.3").files]
        [('/etc/a', b'1'), ('/etc/a', b'2')]
    """
    ordered = order(mcs, rules)
    files: dict[str, McFile] | list[McFile]
    kernel_type = ""
    if rules == "4.3":
        flist: list[McFile] = []
        ulist: list[McUnit] = []
        users: list[tuple[str, tuple[str, ...]]] = []
        for mc in ordered:
            flist.extend(mc.files)
            ulist.extend(mc.units)
            users.extend(mc.ssh_keys)
        out_files = tuple(
            f if f.overwrite is not None else replace(f, overwrite=True) for f in flist
        )
        out_units = tuple(ulist)
        ssh = tuple(users)
    else:
        files = {}
        units: dict[str, McUnit] = {}
        keys: dict[str, list[str]] = {}
        for mc in ordered:
            for f in mc.files:
                f3 = f if f.ignition_major == 3 else replace(f, ignition_major=3)
                files[f.path] = _merge_file(files[f.path], f3) if f.path in files else f3
            for u in mc.units:
                units[u.name] = _merge_unit(units[u.name], u) if u.name in units else u
            for user, digests in mc.ssh_keys:
                have = keys.setdefault(user, [])
                have.extend(d for d in digests if d not in have)
        out_files = tuple(
            f if f.overwrite is not None else replace(f, overwrite=True) for f in files.values()
        )
        out_units = tuple(units.values())
        ssh = tuple((u, tuple(d)) for u, d in keys.items())
        for mc in ordered:
            if mc.kernel_type in ("realtime", "64k-pages"):
                kernel_type = mc.kernel_type
    image = os_image_url
    for mc in ordered:
        if mc.os_image_url and rules != "4.3":
            image = mc.os_image_url
    versions = sorted(
        (m.ignition_version for m in ordered if m.ignition_version),
        key=lambda v: tuple(int(x) for x in v.split(".")[:3] if x.isdigit()),
    )
    unsupported = tuple(u for mc in ordered for u in mc.unsupported)
    return MergedConfig(
        name=name,
        ignition_version=ignition_version or (versions[-1] if versions else ""),
        files=out_files,
        units=out_units,
        ssh_keys=ssh,
        kernel_arguments=tuple(a for mc in ordered for a in mc.kernel_arguments),
        extensions=tuple(e for mc in ordered for e in mc.extensions),
        fips=any(mc.fips for mc in ordered),
        kernel_type=(kernel_type or "default") if rules != "4.3" else "default",
        os_image_url=image,
        sources=tuple(mc.name for mc in ordered),
        unsupported=unsupported,
    )
