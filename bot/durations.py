"""Durations as people write them in settings: `45s`, `30m`, `2h`, `1d`, `1w`, `1h30m`."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(w|d|h|m|s)", re.IGNORECASE)
_WHOLE = re.compile(r"^\s*(?:\d+(?:\.\d+)?\s*[wdhms]\s*)+$", re.IGNORECASE)
_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DURATION_HINT = "a duration like 45s, 30m, 2h, 1d, 1w or 1h30m"


def parse_duration(text: str) -> timedelta:
    """Parse a duration; raise ValueError saying what is valid."""
    if not _WHOLE.match(text):
        raise ValueError(f"`{text}` is not {DURATION_HINT}")
    total = timedelta(0)
    for amount, unit in _PART.findall(text):
        total += timedelta(**{_UNITS[unit.lower()]: float(amount)})
    if total <= timedelta(0):
        raise ValueError(f"`{text}` must be longer than zero")
    return total


def format_duration(span: timedelta) -> str:
    """The inverse of `parse_duration` for whole seconds: `1h30m`, `45s`."""
    seconds = int(span.total_seconds())
    out = ""
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            out += f"{count}{unit}"
    return out or "0s"


def parse_since(text: str, now: datetime) -> datetime:
    """`30d`, `2w`, `12h` before now, or a UTC date `2026-11-01` / ISO time; ValueError if not."""
    text = text.strip()
    if _DATE.match(text):
        return datetime.combine(datetime.fromisoformat(text).date(), time(0), tzinfo=UTC)
    try:
        return now - parse_duration(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"`{text}` is neither a duration like 30d, 2w or 12h nor a date like 2026-11-01"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
