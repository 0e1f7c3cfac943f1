"""redaction - remove credentials from anything a report shows or saves.

Two kinds of rules, both deterministic (the same input always gives the same output):

* **By path** (:func:`redact`): the value under a sensitive key (``sshAuthorizedKeys``,
  ``.dockerconfigjson``, ``auths``, ``pullSecret``, ``token``, ``client-key-data``, ``password``,
  ``privateKey``, ...), the ``data``/``stringData`` of Secret objects, and the ``value`` of an
  environment entry whose ``name`` (pod specs) or ``key`` (``crictl inspect`` ``envs``) looks
  like a secret (``DB_PASSWORD``, ``GITHUB_TOKEN``, ...) are replaced whole by
  ``"<redacted: KIND>"``.
* **By content shape** (:func:`redact_text`, applied to every string): PEM private keys, ssh
  public keys, ``sha256~`` OAuth tokens, JWTs (service-account tokens), ``Bearer``/
  ``Authorization`` credentials, pull-secret blobs (plain, base64 or percent-encoded), kubeconfig
  ``token:``/``client-key-data:`` lines, ``PASSWORD=``/``_TOKEN=``/``SECRET=`` values and names
  ending in ``_PASS``/``_PWD``/``_AUTH``/``_KEY`` (:func:`secret_env_name`), the same names as
  environment entries (``{"key": "DB_PASSWORD", "value": ...}`` in ``crictl inspect``,
  ``&KeyValue{Key:DB_PASS,Value:...}`` in CRI-O logs, ``- name: DB_PASSWORD`` / ``value: ...``
  in pod specs), passwords in URLs, AWS access key ids, and PEM private keys encoded in base64
  again (``tls.key: LS0tLS1CRUdJTi...``; base64 certificates stay). A quoted value is redacted
  up to its closing quote, spaces included.

Image digests (``sha256:...``), machine ids, UUIDs and ordinary base64 data URLs are left alone.

Examples:
    >>> redact_text("Authorization: Bearer sha256~AbCdEfGhIjKlMnOpQrStUvWxYz0123456789")
    'Authorization: Bearer <redacted: token>'
    >>> redact_text("env DB_PASSWORD=hunter2 DEBUG=1")
    'env DB_PASSWORD=<redacted: password> DEBUG=1'
    >>> redact_text('MYSQL_PWD=s3cr3t PWD=/root password: "two words"')
    'MYSQL_PWD=<redacted: password> PWD=/root password: "<redacted: credential>"'
    >>> redact_text("tls.key: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlF")
    'tls.key: <redacted: private-key>'
    >>> redact({"spec": {"pullSecret": "{...}", "image": "quay.io/x@sha256:0a1b"}})
    {'spec': {'pullSecret': '<redacted: pull-secret>', 'image': 'quay.io/x@sha256:0a1b'}}
    >>> redact({"kind": "Secret", "data": {"tls.key": "LS0t"}})
    {'kind': 'Secret', 'data': {'tls.key': '<redacted: secret-data>'}}
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "redact",
    "redact_frame",
    "redact_html",
    "redact_text",
    "redacted",
    "secret_env_name",
]


def redacted(kind: str) -> str:
    """The replacement text for one redacted value of ``kind``.

    Examples:
        >>> redacted("ssh-key")
        '<redacted: ssh-key>'
    """
    return f"<redacted: {kind}>"


# --- by path ---------------------------------------------------------------------------------


def _norm(key: str) -> str:
    return re.sub(r"[^a-z0-9]", "", key.lower())


#: normalised key -> kind. A key is normalised by lower-casing and dropping ``-_.`` etc.
_SENSITIVE_KEYS: dict[str, str] = {
    "sshauthorizedkeys": "ssh-key",
    "dockerconfigjson": "pull-secret",
    "dockercfg": "pull-secret",
    "auths": "pull-secret",
    "pullsecret": "pull-secret",
    "token": "token",
    "accesstoken": "token",
    "refreshtoken": "token",
    "idtoken": "token",
    "bearertoken": "token",
    "clientkeydata": "private-key",
    "clientkey": "private-key",
    "clientcertificatedata": "certificate",
    "password": "password",
    "secret": "secret",
    "clientsecret": "secret",
    "privatekey": "private-key",
    "sshprivatekey": "private-key",
    "awssecretaccesskey": "secret",
}

_SECRET_KINDS = {"Secret"}
_LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def _key_kind(key: object) -> str | None:
    if not isinstance(key, str):
        return None
    norm = _norm(key)
    kind = _SENSITIVE_KEYS.get(norm)
    if kind is None and norm.endswith("password"):
        kind = "password"
    return kind


def _hide(value: Any, kind: str) -> Any:
    """Replace a value found under a sensitive key; booleans, ``None`` and ``""`` stay."""
    if value is None or isinstance(value, bool) or (isinstance(value, str) and not value):
        return value
    if isinstance(value, float) and value != value:  # NaN: a missing cell in a DataFrame
        return value
    return redacted(kind)


def redact(obj: Any) -> Any:
    """A copy of ``obj`` with every credential replaced (by path and by content shape).

    Walks dicts, lists and tuples; strings go through :func:`redact_text`; DataFrames through
    :func:`redact_frame`; other values are returned unchanged.

    Args:
        obj: a JSON-like value: API objects, records, tables, strings.

    Returns:
        The same structure with ``"<redacted: KIND>"`` in place of each credential.

    Examples:
        >>> redact({"users": [{"name": "core", "sshAuthorizedKeys": ["ssh-ed25519 AAAAC3 x"]}]})
        {'users': [{'name': 'core', 'sshAuthorizedKeys': '<redacted: ssh-key>'}]}
        >>> redact(("token: abcdef123456", 3, None))
        ('token: <redacted: credential>', 3, None)
    """
    if isinstance(obj, str):
        return redact_text(obj)
    if isinstance(obj, dict):
        return _redact_dict(obj)
    if isinstance(obj, list):
        return [redact(v) for v in obj]
    if isinstance(obj, tuple):
        return tuple(redact(v) for v in obj)
    if _is_frame(obj):
        return redact_frame(obj)
    return obj


def _env_entry_kind(obj: dict[Any, Any]) -> str | None:
    """The kind of secret an environment entry holds, or ``None``.

    An entry is ``{"name": NAME, "value": ...}`` (pod specs) or ``{"key": NAME, "value": ...}``
    (``crictl inspect`` ``info.config.envs``) whose NAME holds a word like ``PASSWORD``,
    ``TOKEN`` or ``SECRET`` (the names the ``NAME=value`` text rule redacts).

    Examples:
        >>> _env_entry_kind({"key": "DB_PASSWORD", "value": "x"})
        'password'
        >>> _env_entry_kind({"name": "PATH", "value": "/bin"}) is None
        True
    """
    if "value" not in obj:
        return None
    name = obj.get("key", obj.get("name"))
    if not isinstance(name, str) or not secret_env_name(name):
        return None
    return _env_kind(name)


def secret_env_name(name: str) -> bool:
    """Whether an environment variable's name says its value is a secret.

    A name holding ``PASSWORD``, ``PASSWD``, ``TOKEN``, ``SECRET``, ``API_KEY``,
    ``ACCESS_KEY``, ``PRIVATE_KEY`` or ``CREDENTIAL``, or ending in ``_PASS``, ``_PWD``,
    ``_AUTH`` or ``_KEY`` (``MYSQL_ROOT_PASS``, ``MYSQL_PWD``, ``REGISTRY_AUTH``,
    ``ENCRYPTION_KEY``). ``PWD`` alone is the shell's working directory, and a name that only
    goes on after ``_KEY`` (``TLS_KEY_FILE``) names a file: both stay.

    Examples:
        >>> [secret_env_name(n) for n in ("DB_PASS", "MYSQL_PWD", "REGISTRY_AUTH", "ENCRYPTION_KEY",
        ...                               "GITHUB_TOKEN", "DB_PASSWORD_FILE")]
        [True, True, True, True, True, True]
        >>> [secret_env_name(n) for n in ("PWD", "PATH", "TLS_KEY_FILE", "KUBERNETES_SERVICE_PORT",
        ...                               "BYPASS", "AUTHOR")]
        [False, False, False, False, False, False]
    """
    lowered = name.lower()
    return any(word in lowered for word in _ENV_WORDS) or lowered.endswith(_ENV_SUFFIXES)


def _redact_dict(obj: dict[Any, Any]) -> dict[Any, Any]:
    is_secret = obj.get("kind") in _SECRET_KINDS and ("data" in obj or "stringData" in obj)
    env_kind = _env_entry_kind(obj)
    out: dict[Any, Any] = {}
    for key, value in obj.items():
        if env_kind and key == "value":
            out[key] = _hide(value, env_kind)
            continue
        if is_secret and key in ("data", "stringData") and isinstance(value, dict):
            out[key] = {k: _hide(v, "secret-data") for k, v in value.items()}
            continue
        if is_secret and key == "metadata" and isinstance(value, dict):
            out[key] = _redact_secret_metadata(value)
            continue
        kind = _key_kind(key)
        out[key] = _hide(value, kind) if kind else redact(value)
    return out


def _redact_secret_metadata(meta: dict[Any, Any]) -> dict[Any, Any]:
    """A Secret's last-applied annotation repeats its data: drop that annotation's value."""
    result = redact(meta)
    assert isinstance(result, dict)
    annotations = result.get("annotations")
    if isinstance(annotations, dict) and _LAST_APPLIED in annotations:
        annotations[_LAST_APPLIED] = redacted("secret-data")
    return result


def _is_frame(obj: object) -> bool:
    return type(obj).__name__ == "DataFrame" and hasattr(obj, "columns")


def redact_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of a DataFrame with credentials replaced.

    Columns named like a sensitive key are replaced whole; cells of object columns (strings,
    dicts, lists) go through :func:`redact`. Numeric columns are not touched.

    Examples:
        >>> import pandas as pd
        >>> df = pd.DataFrame({"name": ["a"], "token": ["abc"], "env": ["X_TOKEN=zz9"]})
        >>> redact_frame(df).iloc[0].tolist()
        ['a', '<redacted: token>', 'X_TOKEN=<redacted: token>']
    """
    out = df.copy()
    for column in out.columns:
        kind = _key_kind(column)
        series = out[column]
        if kind:
            out[column] = series.map(lambda v, k=kind: _hide(v, k))
        elif series.dtype == object or str(series.dtype) in ("string", "str"):
            out[column] = series.map(redact)
    return out


# --- by content shape ------------------------------------------------------------------------

_Repl = str | Callable[[re.Match[str]], str]


class _Rule:
    """One content rule: a cheap substring trigger, then a precompiled regex.

    With ``anchored=True`` every match starts at one of the triggers (searched in the
    lower-cased text with ``str.find``) and the regex is only tried at those positions, which
    keeps case-insensitive keyword rules fast on megabytes of text.
    """

    __slots__ = ("anchored", "lower", "pattern", "replacement", "triggers")

    def __init__(
        self,
        pattern: str,
        replacement: _Repl,
        triggers: tuple[str, ...],
        *,
        flags: int = 0,
        lower: bool = False,
        anchored: bool = False,
    ) -> None:
        self.pattern = re.compile(pattern, flags)
        self.replacement = replacement
        self.triggers = triggers
        self.lower = lower or anchored
        self.anchored = anchored

    def _replace(self, match: re.Match[str]) -> str:
        if isinstance(self.replacement, str):
            return match.expand(self.replacement)
        return self.replacement(match)

    def apply(self, text: str, lowered: str) -> str:
        haystack = lowered if self.lower else text
        if not any(t in haystack for t in self.triggers):
            return text
        if not self.anchored or len(lowered) != len(text):
            return self.pattern.sub(self.replacement, text)
        hits: set[int] = set()
        for trigger in self.triggers:
            at = lowered.find(trigger)
            while at >= 0:
                hits.add(at)
                at = lowered.find(trigger, at + 1)
        pieces: list[str] = []
        position = 0
        for at in sorted(hits):
            if at < position:
                continue
            match = self.pattern.match(text, at)
            if match is None or match.end() == match.start():
                continue
            pieces.append(text[position:at])
            pieces.append(self._replace(match))
            position = match.end()
        if not pieces:
            return text
        pieces.append(text[position:])
        return "".join(pieces)


_ENV_WORDS = (
    "password",
    "passwd",
    "token",
    "secret",
    "api_key",
    "apikey",
    "access_key",
    "accesskey",
    "private_key",
    "privatekey",
    "credential",
)
#: name endings that make a variable a secret only where the name ends (``MYSQL_ROOT_PASS``,
#: ``MYSQL_PWD``, ``REGISTRY_AUTH``, ``ENCRYPTION_KEY``; not ``PWD``, ``AUTHOR``, ``KEY_FILE``).
_ENV_SUFFIXES = ("_pass", "_pwd", "_auth", "_key")
_KV_KEYS = (
    "token",
    "id-token",
    "refresh-token",
    "access-token",
    "client-key-data",
    "client-certificate-data",
    "password",
    "passwd",
    "secret",
    "client-secret",
    "aws_secret_access_key",
)
#: an optional quote, also as HTML escapes it (the final pass runs over whole HTML pages).
_Q = r"(?:[\"']|&quot;|&#39;|&#x27;)?"
#: the same, also escaped inside a JSON string (``\"``).
_QE = r"(?:\\*[\"']|&quot;|&#39;|&#x27;)?"
_VALUE = r"(?!<redacted|&lt;redacted)(?!(?:null|true|false|none)\b)[^\s\"'\\,;&}\]<>]+"
#: a value: quoted (up to the same closing quote, spaces included: ``"pass with spaces"``), or
#: bare up to a space or separator, after an optional opening quote (a value cut short).
_ANY_VALUE = (
    r"(?:(?P<q>\\*\"|'|&quot;|&#39;|&#x27;)(?P<inner>(?!<redacted|&lt;redacted)(?:(?!(?P=q)).)+?)"
    r"(?P=q)|(?P<open>" + _QE + ")(?P<bare>" + _VALUE + "))"
)
#: a secret-looking variable name (the start of one: it may go on, ``DB_PASSWORD_FILE``).
_ENV_NAME = r"(?:password|passwd|token|secret|api_?key|access_?key|private_?key|credentials?)"
#: the same for the endings that count only at the end of the name (:data:`_ENV_SUFFIXES`).
_ENV_SUFFIX = r"(?:_pass|_pwd|_auth|_key)"
#: the rest of ``NAME=value`` up to the value.
_ENV_ASSIGN = r"[A-Za-z0-9_]*="
#: the rest of an environment entry up to its value: ``NAME", "value": `` (crictl inspect's
#: ``{"key": NAME, "value": ...}``, JSON pod specs), ``NAME,Value:`` (CRI-O's ``KeyValue``) or
#: ``NAME\n  value: `` (YAML pod specs).
_ENV_ENTRY_REST = _QE + r"\s*,?\s*" + _QE + "value" + _QE + r"[ \t]*:[ \t]*"
_ENV_ENTRY = r"[A-Za-z0-9_.-]*" + _ENV_ENTRY_REST


def _keep_quotes(kind: str) -> Callable[[re.Match[str]], str]:
    """A replacement for an :data:`_ANY_VALUE` match: the value redacted, its quotes kept."""

    def replace(m: re.Match[str]) -> str:
        head = m.group(1)
        label = redacted(_env_kind(head) if kind == "env" else kind)
        if m.group("q") is not None:
            return f"{head}{m.group('q')}{label}{m.group('q')}"
        return f"{head}{m.group('open') or ''}{label}"

    return replace


#: base64 of ``-----BEGIN`` (a PEM block encoded again, as in a Secret's ``tls.key`` or a
#: data URL), and what its first line decodes to when it is a private key.
_B64_PEM = "LS0tLS1CRUdJTi"
_B64_PEM_BLOCK = _B64_PEM + r"[A-Za-z0-9+/]*={0,2}(?:(?:\r?\n|\\n)[A-Za-z0-9+/]{16,}={0,2})*"


def _b64_private_key(m: re.Match[str]) -> str:
    """Redact a base64 PEM block when it is a private key; certificates are public: kept."""
    import base64
    import binascii

    head = re.sub(r"\\n|\s", "", m.group(0))[:60]
    try:
        decoded = base64.b64decode(head[: len(head) - len(head) % 4])
    except (binascii.Error, ValueError):
        return m.group(0)
    return redacted("private-key") if b"PRIVATE KEY" in decoded else m.group(0)


def _blob_end(text: str, start: int) -> int:
    """End of the ``{...}`` object opening at ``start``: its matching brace, else the line end."""
    depth = 0
    for index in range(start, len(text)):
        char = text[index]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index + 1
        elif char == "\n":
            return index
    return len(text)


def _sub_pull_secret_blobs(text: str) -> str:
    """Replace every JSON pull-secret object (``{"auths": {...}}``) in ``text``."""
    pieces: list[str] = []
    position = 0
    for match in _AUTHS_OPEN.finditer(text):
        if match.start() < position:
            continue
        pieces.append(text[position : match.start()])
        pieces.append(redacted("pull-secret"))
        position = _blob_end(text, match.start())
    if not pieces:
        return text
    pieces.append(text[position:])
    return "".join(pieces)


_AUTHS_OPEN = re.compile(r"\{\s*(?:\\*\"|&quot;)auths(?:\\*\"|&quot;)\s*:")

_RULES: tuple[_Rule, ...] = (
    # PEM private keys encoded in base64 again (``tls.key: LS0tLS1CRUdJTi...``).
    _Rule(_B64_PEM_BLOCK, _b64_private_key, (_B64_PEM,)),
    # PEM private keys (also with escaped newlines, also cut off before the END line).
    _Rule(
        r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----"
        r"(?:.*?-----END [A-Z0-9 ]*PRIVATE KEY-----|[A-Za-z0-9+/=\s\\:,-]*)",
        redacted("private-key"),
        ("PRIVATE KEY-----",),
        flags=re.DOTALL,
    ),
    # ssh public keys with their comment.
    _Rule(
        r"\b(?:sk-)?(?:ssh-(?:rsa|ed25519|dss)|ecdsa-sha2-nistp\d+)(?:@openssh\.com)?"
        r"\s+AAAA[A-Za-z0-9+/]+={0,3}(?:[ \t]+[^\s\"',\]\\]+)?",
        redacted("ssh-key"),
        ("AAAA",),
    ),
    # base64 and percent-encoded pull secrets (before the JWT rule: both start with eyJ).
    _Rule(
        r"(?:eyJhdXRocyI|eyAiYXV0aHMi|ewogICJhdXRocyI|ewogICAgImF1dGhzI|ewoJImF1dGhzI)"
        r"[A-Za-z0-9+/=]*",
        redacted("pull-secret"),
        ("eyJhdXRocyI", "eyAiYXV0aHMi", "ewogICJhdXRocyI", "ewogICAgImF1dGhzI", "ewoJImF1dGhzI"),
    ),
    _Rule(
        r"%7B(?:%20|%0A|%09)*%22auths%22[^\s\"'\\]*",
        redacted("pull-secret"),
        ("%22auths%22",),
        flags=re.IGNORECASE,
        lower=True,
    ),
    # registry credentials inside a pull secret cut short or in another JSON shape.
    _Rule(
        r"((?:\\*\"|&quot;)(?:auth|password|identitytoken|registrytoken)(?:\\*\"|&quot;)\s*:\s*"
        r"(?:\\*\"|&quot;))(?!<redacted|&lt;redacted)[^\"\\&]+",
        lambda m: m.group(1) + redacted("registry-auth"),
        tuple(
            q + k
            for q in ('"', "&quot;")
            for k in ("auth", "password", "identitytoken", "registrytoken")
        ),
        flags=re.IGNORECASE,
        lower=True,
    ),
    # OpenShift OAuth access tokens.
    _Rule(r"sha256~[A-Za-z0-9_-]{8,}", redacted("token"), ("sha256~",)),
    # JWTs: service-account and OIDC tokens.
    _Rule(
        r"\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*",
        redacted("jwt"),
        ("eyj",),
        anchored=True,
    ),
    # Authorization headers and bearer tokens.
    _Rule(
        r"(authorization"
        + _Q
        + r"\s*[:=]\s*\[?\s*"
        + _Q
        + r")(bearer|basic|token|negotiate|digest)\s+"
        r"(?!<redacted|&lt;redacted)[A-Za-z0-9._~+/=:-]+",
        lambda m: f"{m.group(1)}{m.group(2)} {redacted('credential')}",
        ("authorization",),
        flags=re.IGNORECASE,
        anchored=True,
    ),
    _Rule(
        r"\b(bearer)\s+(?!<redacted|&lt;redacted)(?=[A-Za-z0-9._~+/-]*[0-9._~+/-])[A-Za-z0-9._~+/-]{8,}=*",
        lambda m: f"{m.group(1)} {redacted('token')}",
        ("bearer",),
        flags=re.IGNORECASE,
        anchored=True,
    ),
    # AWS access key ids.
    _Rule(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b", redacted("aws-key"), ("AKIA", "ASIA")),
    # passwords in URLs: scheme://user:password@host
    _Rule(
        r"(://[^\s:/@\"']+:)(?!<redacted|&lt;redacted)([^\s@/\"']+)(@)",
        lambda m: f"{m.group(1)}{redacted('password')}{m.group(3)}",
        ("://",),
        anchored=True,
    ),
    # env-style NAME=value: PASSWORD=, DB_PASSWORD=, GITHUB_TOKEN=, SECRET=, AWS_SECRET_ACCESS_KEY=;
    # and the same names as environment entries, the value on the next key: crictl inspect's
    # {"key": "DB_PASSWORD", "value": "..."}, a pod spec's "- name: DB_PASSWORD" / "value: ...".
    _Rule(
        "(" + _ENV_NAME + "(?:" + _ENV_ASSIGN + "|" + _ENV_ENTRY + "))" + _ANY_VALUE,
        _keep_quotes("env"),
        _ENV_WORDS,
        flags=re.IGNORECASE,
        anchored=True,
    ),
    # names that are secrets by their ending only: DB_PASS=, MYSQL_PWD=, REGISTRY_AUTH=,
    # ENCRYPTION_KEY= (and as environment entries), not PWD= or TLS_KEY_FILE=.
    _Rule(
        "(" + _ENV_SUFFIX + "(?:=|" + _ENV_ENTRY_REST + "))" + _ANY_VALUE,
        _keep_quotes("env"),
        _ENV_SUFFIXES,
        flags=re.IGNORECASE,
        anchored=True,
    ),
    # key: value (kubeconfig, YAML, JSON) for exactly-named credential keys.
    _Rule(
        r"((?<![\w.-])(?:"
        + "|".join(re.escape(k) for k in _KV_KEYS)
        + r")"
        + _Q
        + r"[ \t]*:[ \t]*)"
        + _ANY_VALUE,
        _keep_quotes("credential"),
        _KV_KEYS,
        flags=re.IGNORECASE,
        anchored=True,
    ),
)


def _env_kind(name: str) -> str:
    lowered = name.lower()
    for needle, kind in (
        ("pass", "password"),
        ("pwd", "password"),
        ("token", "token"),
        ("secret", "secret"),
    ):
        if needle in lowered:
            return kind
    return "credential"


def redact_text(text: str) -> str:
    """``text`` with every credential-shaped substring replaced by ``<redacted: KIND>``.

    Fast enough for whole journals and reports (precompiled patterns, each gated by a substring
    test, so text without credentials costs little more than a few ``in`` checks).

    Args:
        text: any text: command output, a journal, an HTML page, a JSON document.

    Examples:
        >>> redact_text("core ssh-rsa AAAAB3NzaC1yc2E= core@bastion")
        'core <redacted: ssh-key>'
        >>> redact_text("image: quay.io/openshift@sha256:" + "ab" * 32) == (
        ...     "image: quay.io/openshift@sha256:" + "ab" * 32)
        True
    """
    if not text:
        return text
    lowered = text.lower()
    if ('"auths' in lowered or "&quot;auths" in lowered) and _AUTHS_OPEN.search(text):
        text = _sub_pull_secret_blobs(text)
        lowered = text.lower()
    for rule in _RULES:
        new = rule.apply(text, lowered)
        if new != text:
            text = new
            lowered = text.lower()
    return text


_PLACEHOLDER = re.compile(r"<redacted: ([a-z-]+)>")


def redact_html(text: str) -> str:
    """:func:`redact_text` for HTML: the placeholders are escaped so a browser shows them.

    Examples:
        >>> redact_html("<td>GITHUB_TOKEN=ghp0123</td>")
        '<td>GITHUB_TOKEN=&lt;redacted: token&gt;</td>'
    """
    redacted_text = redact_text(text)
    if "<redacted: " not in redacted_text:
        return redacted_text
    return _PLACEHOLDER.sub(r"&lt;redacted: \1&gt;", redacted_text)
