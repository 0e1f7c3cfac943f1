"""node_os.uname - command ``uname -a``: the kernel a node runs, its architecture and variant.

Every sample lives in ``tests/data/commands/uname/``.

Examples:
    >>> parse_uname(UNAME_416).release
    '5.14.0-427.37.1.el9_4.x86_64'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rhcos_helpers.errors import ParseError

__all__ = ["Uname", "parse_uname"]


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
