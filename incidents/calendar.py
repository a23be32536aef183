"""Business-day arithmetic: weekends and a supplied set of holiday dates do not count.

`BusinessHours` adds the working window: which weekdays, from when to when, in which zone.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from incidents.errors import DomainError
from incidents.oncall.rotation import WEEKDAYS, wall_instant


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


MAX_DAYS_AHEAD = 2 * 366  # how far to look for business hours before giving up
BUSINESS_HOURS_HINT = (
    'weekdays, opening hours and an IANA zone, e.g. "MON-FRI 09:00-17:00 UTC" or '
    '"SUN-THU 08:30-17:30 Asia/Jerusalem"'
)
_HOURS = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)-([01]?\d|2[0-3]):([0-5]\d)$")


class BusinessHoursError(DomainError):
    """Business hours that cannot work; the message says what would be valid."""


@dataclass(frozen=True, slots=True, kw_only=True)
class BusinessHours:
    """When work that can wait is done: some weekdays, between two wall-clock times, in a zone.

    Holidays are dates in that zone. The window includes its opening minute and ends just
    before its closing one: with 09:00-17:00, 17:00 is after hours.
    """

    days: frozenset[int] = frozenset(range(5))  # 0 is Monday
    opens: time = time(9, 0)
    closes: time = time(17, 0)
    zone: str = "UTC"

    def __post_init__(self) -> None:
        if not self.days or not self.days <= frozenset(range(7)):
            raise BusinessHoursError(
                f"Business hours need at least one weekday; use {BUSINESS_HOURS_HINT}."
            )
        if self.closes <= self.opens:
            raise BusinessHoursError(
                f"Business hours close ({self.closes:%H:%M}) before they open "
                f"({self.opens:%H:%M}); a window past midnight is not supported. "
                f"Use {BUSINESS_HOURS_HINT}."
            )
        _zone(self.zone)

    def describe(self) -> str:
        """`MON-FRI 09:00-17:00 UTC`, the way it is configured."""
        return f"{_days_text(self.days)} {self.opens:%H:%M}-{self.closes:%H:%M} {self.zone}"

    def is_workday(self, day: date, holidays: Collection[date] = ()) -> bool:
        """True for one of the working weekdays that is not a holiday."""
        return day.weekday() in self.days and day not in holidays

    def next_open(self, at: datetime, holidays: Collection[date] = ()) -> datetime:
        """`at` itself when it is within business hours, else the next opening after it."""
        zone = _zone(self.zone)
        first = at.astimezone(zone).date()
        for offset in range(MAX_DAYS_AHEAD):
            day = first + timedelta(days=offset)
            if not self.is_workday(day, holidays):
                continue
            opens, closes = self._window(day, zone)
            if at < opens:
                return opens
            if at < closes:
                return at
        raise BusinessHoursError(
            f"No business hours ({self.describe()}) within {MAX_DAYS_AHEAD} days of "
            f"{at:%Y-%m-%d}; check the holidays."
        )

    def after(self, start: datetime, span: timedelta, holidays: Collection[date] = ()) -> datetime:
        """The moment `span` of business time has passed since `start` (the next opening,
        when `start` is after hours): Friday 16:00 plus 2 h is Monday 10:00."""
        zone = _zone(self.zone)
        at = self.next_open(start, holidays)
        left = span
        while True:
            _, closes = self._window(at.astimezone(zone).date(), zone)
            if left < closes - at:
                return at + left
            left -= closes - at
            at = self.next_open(closes, holidays)

    def add_days(self, start: datetime, days: int, holidays: Collection[date] = ()) -> datetime:
        """The same wall-clock time `days` working days after `start`'s date in the zone."""
        if days < 0:
            raise ValueError("days must not be negative")
        zone = _zone(self.zone)
        local = start.astimezone(zone)
        day = local.date()
        remaining = days
        while remaining > 0:
            day += timedelta(days=1)
            if self.is_workday(day, holidays):
                remaining -= 1
        return wall_instant(day, local.time(), zone)

    def _window(self, day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
        return wall_instant(day, self.opens, zone), wall_instant(day, self.closes, zone)


def parse_business_hours(text: str) -> BusinessHours:
    """`MON-FRI 09:00-17:00 UTC`, `SUN-THU 08:30-17:30 Asia/Jerusalem`, `MON,WED 10:00-14:00`
    (the zone defaults to UTC); a BusinessHoursError says what would be valid."""
    words = text.split()
    hours = _HOURS.match(words[1]) if len(words) in (2, 3) else None
    days = _days(words[0]) if words else None
    if hours is None or days is None:
        raise BusinessHoursError(f"`{text}` are not business hours; use {BUSINESS_HOURS_HINT}.")
    opens = time(int(hours.group(1)), int(hours.group(2)))
    closes = time(int(hours.group(3)), int(hours.group(4)))
    return BusinessHours(
        days=days, opens=opens, closes=closes, zone=words[2] if len(words) == 3 else "UTC"
    )


def _days(text: str) -> frozenset[int] | None:
    """`MON-FRI` or `MON,WED,FRI` or `SUN-THU` (a range may wrap round the week)."""
    days: set[int] = set()
    for part in text.upper().split(","):
        first, dash, last = part.partition("-")
        if first not in WEEKDAYS or (dash and last not in WEEKDAYS):
            return None
        start = WEEKDAYS.index(first)
        end = WEEKDAYS.index(last) if dash else start
        days.update((start + step) % 7 for step in range((end - start) % 7 + 1))
    return frozenset(days)


def _days_text(days: frozenset[int]) -> str:
    """`MON-FRI`, `MON,WED`: consecutive weekdays as ranges, from Monday."""
    runs: list[list[int]] = []
    for day in sorted(days):
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(
        WEEKDAYS[run[0]] if len(run) == 1 else f"{WEEKDAYS[run[0]]}-{WEEKDAYS[run[-1]]}"
        for run in runs
    )


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise BusinessHoursError(
            f"Unknown time zone `{name}` in business hours; use an IANA name such as UTC, "
            "Europe/Oslo or America/New_York."
        ) from None


DEFAULT_BUSINESS_HOURS = BusinessHours()
