"""_time - timestamps and ages as ``oc`` shows them.

Examples:
    >>> human_duration(timedelta(days=412, hours=3))
    '412d'
    >>> human_duration(timedelta(hours=5, minutes=3))
    '5h3m'
    >>> parse_time("2024-05-02T10:11:12Z").isoformat()
    '2024-05-02T10:11:12+00:00'
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

__all__ = ["age", "human_duration", "parse_time"]


def parse_time(value: str | None) -> datetime | None:
    """Parse an RFC 3339 timestamp from the API (``...Z`` or with an offset); ``None`` stays."""
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def human_duration(delta: timedelta) -> str:
    """Format a duration the way kubectl's AGE column does (apimachinery ``HumanDuration``).

    Examples:
        >>> [human_duration(timedelta(seconds=s)) for s in (5, 119, 125, 600, 4000)]
        ['5s', '119s', '2m5s', '10m', '66m']
        >>> [human_duration(timedelta(hours=h)) for h in (9, 50, 200, 24 * 800, 24 * 365 * 9)]
        ['9h', '2d2h', '8d', '2y70d', '9y']
    """
    seconds = int(delta.total_seconds())
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 120:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 10:
        rest = seconds % 60
        return f"{minutes}m" if rest == 0 else f"{minutes}m{rest}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = seconds // 3600
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h" if rest == 0 else f"{hours}h{rest}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rest = hours % 24
        return f"{hours // 24}d" if rest == 0 else f"{hours // 24}d{rest}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        years = hours // 24 // 365
        return f"{years}y" if days == 0 else f"{years}y{days}d"
    return f"{hours // 24 // 365}y"


def age(created: str | None, *, now: datetime) -> str:
    """The AGE column for a ``creationTimestamp`` seen at ``now`` (the capture time for captures).

    Examples:
        >>> age("2024-01-01T00:00:00Z", now=datetime(2024, 1, 3, 6, tzinfo=UTC))
        '2d6h'
        >>> age(None, now=datetime(2024, 1, 1, tzinfo=UTC))
        '<unknown>'
    """
    when = parse_time(created)
    if when is None:
        return "<unknown>"
    return human_duration(now - when)
