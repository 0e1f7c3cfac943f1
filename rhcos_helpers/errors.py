"""errors - the exception hierarchy of ``rhcos_helpers``.

Every error a user can cause or meet says what failed, which input it was about and what to
do next, in one line. The command line prints ``str(error)`` and exits 2; notebooks show it as
a one-line message instead of a traceback.

::

    RhcosHelpersError
    ├── UsageError              bad input from the user: unknown runbook, parameter, node, source
    │   └── SourceError         a source spec or path that is not a cluster, capture or demo
    ├── ParseError              a command output or object that does not have its real format
    ├── NotApplicable           the data does not exist for this node/cluster (not an error)
    └── ClusterAccessError      the API refused or could not be reached (keeps the HTTP status)
"""

from __future__ import annotations

__all__ = [
    "ClusterAccessError",
    "NotApplicable",
    "ParseError",
    "RhcosHelpersError",
    "SourceError",
    "UsageError",
]


class RhcosHelpersError(Exception):
    """Base of every error raised on purpose by ``rhcos_helpers``."""


class UsageError(RhcosHelpersError):
    """The user asked for something that does not exist or cannot work (exit code 2)."""


class SourceError(UsageError):
    """A ``--source`` value that names no usable cluster, capture or demo."""


class ParseError(RhcosHelpersError):
    """Input that does not have the format its parser expects.

    Args:
        spec: the catalogue fact or object kind being parsed, e.g. ``"os_release"``.
        reason: what is wrong, in a few words.
        excerpt: the start of the offending input, cut to 200 characters.

    Examples:
        >>> str(ParseError("os_release", "no ID= line", excerpt="NAME=x"))
        "os_release: no ID= line (input starts: 'NAME=x')"
    """

    def __init__(self, spec: str, reason: str, *, excerpt: str = "") -> None:
        self.spec = spec
        self.reason = reason
        self.excerpt = excerpt[:200]
        text = f"{spec}: {reason}"
        if self.excerpt:
            text += f" (input starts: {self.excerpt!r})"
        super().__init__(text)


class NotApplicable(RhcosHelpersError):
    """The fact does not exist here (e.g. not an RHCOS node, not collected by this capture)."""


class ClusterAccessError(RhcosHelpersError):
    """The Kubernetes API refused a request or could not be reached.

    Args:
        message: one line naming the request and the next step.
        status: the HTTP status when there was one (403, 404, 401, ...).
    """

    def __init__(self, message: str, *, status: int | None = None) -> None:
        self.status = status
        super().__init__(message)
