"""node_os.os_release - file ``/etc/os-release``: which OS a node runs, classified as the MCO does.

Sample ``/etc/os-release`` (RHCOS 4.13, from the machine-config-operator's own tests; every
sample lives in ``tests/data/commands/os_release/``)::

    NAME="Red Hat Enterprise Linux CoreOS"
    ID="rhcos"
    VERSION="413.90.202212151724-0"
    VARIANT_ID=coreos
    OPENSHIFT_VERSION="4.13"
    RHEL_VERSION="9.0"

Examples:
    >>> osr = parse_os_release(OS_RELEASE_413)
    >>> osr.id, osr.openshift_version, osr.base_version, osr.flavour
    ('rhcos', '4.13', '9.0', 'RHCOS')
    >>> osr.build
    '413.90.202212151724-0'
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rhcos_helpers.errors import ParseError

__all__ = ["OsRelease", "parse_os_release"]


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
