"""sources._archive - extract must-gather and sos report tarballs once, safely, into a cache.

Support cases carry must-gathers as ``.tar.gz`` and sos reports as ``.tar.xz``. Each runbook runs
in its own kernel, so every kernel would unpack the same tarball again; instead the first one
extracts it into ``$XDG_CACHE_HOME/rhcos-runbooks/extract/<key>/`` (``~/.cache`` by default) and the
others reuse that directory. ``<key>`` is the SHA-256 of the archive's absolute path, size and
modification time, so a re-downloaded archive gets a fresh directory.

Extraction is:

* **selective** - only the members a capture reader needs (:func:`wanted_member`): the YAML of
  ``cluster-scoped-resources/`` and ``namespaces/``, ``host_service_logs/``, the must-gather
  ``timestamp`` and ``version`` files, the project's own capture files, and from sos reports
  ``etc/``, ``sos_commands/``, ``sos_reports/`` and the few root files; pod logs, audit logs,
  metrics dumps and the sos copies of ``/proc`` and ``/sys`` are skipped;
* **safe** - every member passes :func:`tarfile.data_filter` (no absolute paths, no ``..``, no
  links leaving the directory, no devices); members it rejects are skipped with a warning;
* **atomic** - members go into a temporary sibling directory that is renamed into place only when
  complete, so two kernels opening the same tarball at once never see a half-written tree.
"""

from __future__ import annotations

import hashlib
import logging
import lzma
import os
import re
import shutil
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from rhcos_helpers.errors import SourceError

__all__ = ["ARCHIVE_SUFFIXES", "cache_root", "extract_archive", "is_archive", "wanted_member"]

log = logging.getLogger(__name__)

#: File name endings read as tar archives (compression detected from the content).
ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.bz2", ".tbz2", ".tar")

_SOS_DIR = re.compile(r"^sosreport-")
#: sos report paths (relative to the report root) a capture reader uses.
_SOS_KEEP_PREFIXES = ("etc/", "sos_commands/", "sos_reports/", "var/lib/dbus/", "usr/lib/")
_SOS_KEEP_FILES = {"hostname", "version.txt", "uname", "df", "date", "uptime", "installed-rpms"}
#: must-gather directories a reader never needs (large: metrics, audit logs, network dumps).
_MG_SKIP_DIRS = {"audit_logs", "monitoring", "network_logs", "etcd_info", "ingress_controllers"}
_MG_KEEP_SUFFIXES = (".yaml", ".yml", ".json")
_MG_KEEP_FILES = {"timestamp", "version"}


def is_archive(path: Path) -> bool:
    """Whether a file name says tar archive.

    Examples:
        >>> is_archive(Path("must-gather.local.123.tar.gz")), is_archive(Path("sosreport-x.tar.xz"))
        (True, True)
        >>> is_archive(Path("nodes.yaml"))
        False
    """
    name = path.name.lower()
    return any(name.endswith(s) for s in ARCHIVE_SUFFIXES)


def wanted_member(name: str) -> bool:
    """Whether a capture reader needs an archive member (by its path inside the archive).

    Inside a ``sosreport-*`` directory only ``etc/``, ``sos_commands/``, ``sos_reports/`` and the
    root files are kept; elsewhere (must-gather, ``oc adm inspect``, the project's capture layout)
    YAML/JSON files, ``timestamp``/``version``, ``host_service_logs/`` and the project's
    ``nodes/<node>/*.out|*.err`` are kept, pod logs and the bulky gather directories are not.

    Examples:
        >>> wanted_member("mg/img/namespaces/openshift-etcd/core/pods.yaml")
        True
        >>> wanted_member("mg/img/namespaces/ns/pods/p/c/c/logs/current.log")
        False
        >>> wanted_member("mg/img/host_service_logs/masters/crio_service.log")
        True
        >>> wanted_member("sosreport-n1-2024-abc/sos_commands/crio/crictl_ps_-a")
        True
        >>> wanted_member("sosreport-n1-2024-abc/proc/meminfo")
        False
    """
    parts = tuple(p for p in PurePosixPath(name).parts if p not in (".", "/"))
    for i, part in enumerate(parts[:-1]):
        if _SOS_DIR.match(part):
            rel = "/".join(parts[i + 1 :])
            return rel in _SOS_KEEP_FILES or rel.startswith(_SOS_KEEP_PREFIXES)
    if not parts:
        return False
    if any(p in _MG_SKIP_DIRS for p in parts[:-1]):
        return False
    if "host_service_logs" in parts[:-1] or "machine_config_ondisk" in parts[:-1]:
        return True
    leaf = parts[-1]
    if len(parts) >= 3 and parts[-3] == "nodes" and leaf.endswith((".out", ".err")):
        return True  # the project's own layout: nodes/<node>/<stem>.out
    return leaf in _MG_KEEP_FILES or leaf.endswith(_MG_KEEP_SUFFIXES)


def cache_root() -> Path:
    """``$XDG_CACHE_HOME/rhcos-runbooks/extract`` (``~/.cache/...`` when the variable is unset)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rhcos-runbooks" / "extract"


def _cache_key(path: Path) -> str:
    st = path.stat()
    text = f"{path.resolve()}\0{st.st_size}\0{st.st_mtime_ns}"
    return hashlib.sha256(text.encode()).hexdigest()


def _safe_filter(member: tarfile.TarInfo, dest: str) -> tarfile.TarInfo | None:
    """``tarfile.data_filter`` that skips (with a warning) instead of aborting the extraction."""
    try:
        return tarfile.data_filter(member, dest)
    except tarfile.FilterError as exc:
        log.warning("skipping unsafe archive member %r: %s", member.name, exc)
        return None


def _selected(tar: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    for member in tar:
        if member.isdir() or member.issym() or member.islnk():
            # directories give the tree; links are cheap and sos uses them for root files
            # (``hostname`` -> ``sos_commands/host/hostname``); the filter checks their targets.
            yield member
        elif member.isfile() and wanted_member(member.name):
            yield member


def extract_archive(path: Path, *, cache_dir: Path | None = None) -> Path:
    """Extract an archive once and return the directory holding its (selected) members.

    A second call for the same archive (same absolute path, size and mtime) returns the same
    directory without reading the archive again, also from another process.

    Args:
        path: the ``.tar.gz``/``.tgz``/``.tar.xz``/``.tar`` file.
        cache_dir: where extracted trees live; :func:`cache_root` when ``None``.

    Raises:
        SourceError: the file is not a readable tar archive (corrupt, truncated, wrong format).
    """
    root = cache_dir or cache_root()
    dest = root / _cache_key(path)
    if dest.is_dir():
        log.debug("reusing extracted %s at %s", path, dest)
        return dest
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name[:16]}.", suffix=".partial", dir=root))
    log.info("extracting %s into %s", path, dest)
    try:
        with tarfile.open(path, "r:*") as tar:
            tar.extractall(tmp, members=_selected(tar), filter=_safe_filter)
    except (tarfile.TarError, EOFError, OSError, lzma.LZMAError, zlib.error) as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise SourceError(
            f"source {str(path)!r}: cannot read the archive ({type(exc).__name__}: {exc}); "
            f"check the download with `tar -tf {path}` or pass the extracted directory"
        ) from None
    try:
        tmp.rename(dest)
    except OSError:
        # another kernel finished the same archive first: use its tree, drop ours
        shutil.rmtree(tmp, ignore_errors=True)
        if not dest.is_dir():
            raise
    return dest
