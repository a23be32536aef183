"""How times and durations read to a person: `14:15 UTC`, `1 h 10 min`, `in 12 min`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def duration_text(span: timedelta) -> str:
    """A compact duration: `45 s`, `12 min`, `1 h 10 min`, `2 d 3 h`."""
    seconds = int(abs(span.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes, _ = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def exact_duration_text(span: timedelta) -> str:
    """Every unit down to the second, none rounded away: `1 min 36 s`, `1 h 30 s`, `2 d 3 h`.

    For a measure held against a target, where `duration_text` could round a miss into a match.
    """
    seconds = int(abs(span.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    units = ((days, "d"), (hours, "h"), (minutes, "min"), (seconds, "s"))
    return " ".join(f"{value} {unit}" for value, unit in units if value) or "0 s"


def clock_text(moment: datetime, now: datetime) -> str:
    """`14:15` on the same UTC day as `now`, otherwise `Sun 29 Nov 14:15`."""
    moment = moment.astimezone(UTC)
    if moment.date() == now.astimezone(UTC).date():
        return moment.strftime("%H:%M")
    return moment.strftime("%a %d %b %H:%M")


def relative_text(moment: datetime, now: datetime) -> str:
    """`in 12 min`, `12 min ago` or `now`."""
    delta = moment - now
    if abs(delta) < timedelta(seconds=30):
        return "now"
    if delta > timedelta(0):
        return f"in {duration_text(delta)}"
    return f"{duration_text(delta)} ago"


def when_text(moment: datetime, now: datetime) -> str:
    """`14:15 UTC (in 12 min)`: the absolute UTC time with a relative hint."""
    return f"{clock_text(moment, now)} UTC ({relative_text(moment, now)})"


def stamp(moment: datetime) -> str:
    """A full UTC timestamp for documents: `2026-11-27 14:03 UTC`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
