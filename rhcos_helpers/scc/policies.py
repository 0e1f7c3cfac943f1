"""scc.policies - the cluster's SCCs in admission order: restrictiveness scores and loading.

* :func:`score` is the admission plugin's restrictiveness (``pointValue``, lower is more
  restrictive) with the 4.3-4.8 or the 4.9+ weights (:func:`weights_for`), and
  :func:`admission_order` the order in which admission tries the SCCs: priority (higher first),
  then score, then name;
* :class:`Policies` holds a cluster's SCCs in that order beside the objects that do not parse
  (:func:`policies_from_objects`), with the cluster's version and the version it was installed
  at; :func:`load_policies` reads them from a source.

Each SCC is read by :mod:`rhcos_helpers.scc.parse`; ``oc get scc``, ``oc describe scc``, the
order table, what each SCC allows beyond ``restricted-v2`` and the findings are
:mod:`rhcos_helpers.scc.policy_tables`. Who may use which SCC is :mod:`rhcos_helpers.scc.access`;
which SCC admits a pod is :mod:`rhcos_helpers.scc.admission`; granting one is
:mod:`rhcos_helpers.scc.grant`.

Examples:
    >>> s = parse_scc(SAMPLE_SCC_ANYUID)
    >>> score(s, version="4.16.21"), score(s, version="4.8.2")
    (154950, 104950)
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rhcos_helpers.errors import ParseError
from rhcos_helpers.scc.parse import Scc, parse_scc
from rhcos_helpers.sources.base import Source

__all__ = [
    "Policies",
    "Weights",
    "admission_order",
    "load_policies",
    "minor_version",
    "policies_from_objects",
    "score",
    "score_parts",
    "weights_for",
]

log = logging.getLogger(__name__)

#: Volumes that do not count as "non-trivial" in the score.
TRIVIAL_VOLUMES = frozenset({"secret", "configMap", "emptyDir", "downwardAPI", "projected", "none"})


# ------------------------------------------------------------------------------- scoring


@dataclass(frozen=True)
class Weights:
    """The restrictiveness weights of one release range (apiserver-library-go ``pointValue``)."""

    label: str
    privileged: int
    host_ports: int
    host_network: int
    host_volume: int
    non_trivial_volume: int


WEIGHTS_49 = Weights("4.9+", 1_600_000, 800_000, 400_000, 200_000, 100_000)
WEIGHTS_43 = Weights("4.3-4.8", 1_000_000, 400_000, 200_000, 100_000, 50_000)
_RUN_AS_POINTS = {"RunAsAny": 40_000, "MustRunAsNonRoot": 30_000, "MustRunAsRange": 20_000}
_MUST_RUN_AS_POINTS = 10_000


def minor_version(version: str | None) -> tuple[int, int] | None:
    """``(major, minor)`` of a version string, or ``None``.

    Examples:
        >>> minor_version("4.16.21"), minor_version("4.3.5"), minor_version(None)
        ((4, 16), (4, 3), None)
    """
    if not version:
        return None
    parts = version.lstrip("v").split(".")
    try:
        return int(parts[0]), int(parts[1])
    except (ValueError, IndexError):
        return None


def weights_for(version: str | None) -> Weights:
    """The weights the cluster's release uses (4.9+ when the version is unknown).

    Examples:
        >>> weights_for("4.8.57").label, weights_for("4.9.0").label, weights_for(None).label
        ('4.3-4.8', '4.9+', '4.9+')
    """
    mv = minor_version(version)
    return WEIGHTS_43 if mv is not None and mv < (4, 9) else WEIGHTS_49


def _strategy_points(kind: str) -> int:
    return _RUN_AS_POINTS.get(kind, _MUST_RUN_AS_POINTS)


def score_parts(scc: Scc, *, version: str | None) -> dict[str, int]:
    """The parts of :func:`score`: privileged, hostPorts, hostNetwork, volumes, SELinux, user, caps."""
    w = weights_for(version)
    if "hostPath" in scc.volumes or "*" in scc.volumes:
        volumes = w.host_volume
    elif any(v not in TRIVIAL_VOLUMES for v in scc.volumes):
        volumes = w.non_trivial_volume
    else:
        volumes = 0
    caps = 5000 + 300 * len(scc.default_add_caps)
    if "*" in scc.allowed_caps or "ALL" in scc.allowed_caps:
        caps += 4000
    else:
        caps += 10 * len(scc.allowed_caps)
    if "ALL" in scc.required_drop_caps:
        caps -= 3000
    else:
        caps -= 50 * len(scc.required_drop_caps)
    return {
        "privileged": w.privileged if scc.allow_privileged else 0,
        "host_ports": w.host_ports if scc.host_ports else 0,
        "host_network": w.host_network if scc.host_network else 0,
        "volumes": volumes,
        "selinux": _strategy_points(scc.selinux.type),
        "run_as_user": _strategy_points(scc.run_as_user.type),
        "capabilities": max(0, min(caps, 9999)),
    }


def score(scc: Scc, *, version: str | None) -> int:
    """The restrictiveness score (lower is more restrictive) with the release's weights."""
    return sum(score_parts(scc, version=version).values())


def admission_order(sccs: Iterable[Scc], *, version: str | None) -> list[Scc]:
    """SCCs in the order admission tries them: priority desc, score asc, name asc."""
    return sorted(sccs, key=lambda s: (-(s.priority or 0), score(s, version=version), s.name))


# ------------------------------------------------------------------------------- loading


@dataclass(frozen=True)
class Policies:
    """The SCCs of a cluster, in admission order, and the ones that could not be read.

    Attributes:
        sccs: the readable SCCs in admission order.
        errors: ``(name, reason)`` of SCC objects that do not parse (shown as marked rows).
        version: the cluster version (decides the score weights and restricted vs restricted-v2).
        installed_version: the version the cluster was installed at (ClusterVersion history).
    """

    sccs: tuple[Scc, ...]
    errors: tuple[tuple[str, str], ...] = ()
    version: str | None = None
    installed_version: str | None = None

    def get(self, name: str) -> Scc | None:
        """The SCC called ``name``."""
        return next((s for s in self.sccs if s.name == name), None)

    @property
    def baseline_name(self) -> str:
        """``restricted-v2`` when the cluster has it (4.11+), else ``restricted``."""
        return "restricted-v2" if self.get("restricted-v2") is not None else "restricted"

    @property
    def weights(self) -> Weights:
        """The score weights of the cluster's release."""
        return weights_for(self.version)


def policies_from_objects(
    objects: Iterable[Mapping[str, Any]],
    *,
    version: str | None,
    installed_version: str | None = None,
) -> Policies:
    """Parse SCC objects; the ones that do not parse become ``errors``, the rest are ordered."""
    good: list[Scc] = []
    bad: list[tuple[str, str]] = []
    for obj in objects:
        try:
            good.append(parse_scc(obj))
        except ParseError as err:
            meta = obj.get("metadata") if isinstance(obj, Mapping) else None
            name = str(meta.get("name") or "?") if isinstance(meta, Mapping) else "?"
            log.warning("SCC %s does not parse: %s", name, err)
            bad.append((name, str(err)))
    return Policies(
        tuple(admission_order(good, version=version)),
        tuple(bad),
        version,
        installed_version,
    )


def load_policies(source: Source) -> Policies:
    """Read every SCC and the cluster version from a source.

    Raises:
        NotApplicable: the source holds no SCCs (not collected, or not OpenShift).
        ClusterAccessError: the API refused the list.
    """
    objects = source.list("securitycontextconstraints")
    version = source.identity.cluster_version
    installed = None
    cv = source.get("clusterversions", "version")
    if cv is not None:
        history = (cv.get("status") or {}).get("history") or []
        if history:
            installed = str(history[-1].get("version") or "") or None
    return policies_from_objects(objects, version=version, installed_version=installed)
