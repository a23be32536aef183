"""Business-day arithmetic: weekends and a supplied set of holiday dates do not count."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta


def is_business_day(day: date, holidays: Collection[date] = ()) -> bool:
    """True for Monday to Friday unless the date is a holiday."""
    return day.weekday() < 5 and day not in holidays


def add_business_days(start: datetime, days: int, holidays: Collection[date] = ()) -> datetime:
    """The same time of day `days` business days after `start`'s date.

    Friday 14:00 plus one business day is Monday 14:00; Saturday 10:00 plus one is Monday
    10:00. Holidays are skipped like weekends.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_business_day(current.date(), holidays):
            remaining -= 1
    return current
