"""On-call rotations as data, and their shifts: who is primary and backup, from when to when.

A rotation hands off at a wall-clock time in an IANA zone (`MON 09:00 Europe/Oslo` stays
09:00 in Oslo across daylight-saving changes). Shift `k` starts at the handoff on
`start + k × length` and ends where shift `k + 1` starts, so shifts are consecutive and every
instant from the first handoff on belongs to exactly one. Before `start` nobody is on call.
Pure: every function takes the instant it is about; nothing here reads the clock.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from incidents.errors import DomainError
from incidents.people import Person

DAY = timedelta(days=1)
WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
_WEEKDAY_NAMES = {name: i for i, name in enumerate(WEEKDAYS)} | {
    full: i
    for i, full in enumerate(
        ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
    )
}
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
MEMBER_PLATFORMS = ("slack", "discord", "console", "email")
HANDOFF_HINT = 'a weekday, a time and an IANA zone, e.g. "MON 09:00 UTC" or "MON 09:00 Europe/Oslo"'


class RotationError(DomainError):
    """A rotation definition that cannot work; the message says what would be valid."""


class OnCallRole(enum.StrEnum):
    """The two on-call roles of a shift."""

    PRIMARY = "primary"
    BACKUP = "backup"


def zone_named(name: str) -> ZoneInfo:
    """The IANA zone `name`, or a RotationError that names valid ones."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise RotationError(
            f"Unknown time zone `{name}`; use an IANA name such as UTC, Europe/Oslo or "
            "America/New_York."
        ) from None


@dataclass(frozen=True, slots=True, kw_only=True)
class Handoff:
    """When shifts change: a wall-clock time in a zone, on a weekday (None: any day)."""

    at: time = time(9, 0)
    zone: str = "UTC"
    weekday: int | None = 0

    def describe(self) -> str:
        """`MON 09:00 Europe/Oslo`, the way it is configured."""
        day = "" if self.weekday is None else WEEKDAYS[self.weekday] + " "
        return f"{day}{self.at:%H:%M} {self.zone}"


def parse_handoff(text: str) -> Handoff:
    """`MON 09:00 UTC`, `monday 9:00 Europe/Oslo`, `09:00 America/New_York` (daily)."""
    words = text.split()
    weekday: int | None = None
    if words and words[0].upper() in _WEEKDAY_NAMES:
        weekday = _WEEKDAY_NAMES[words.pop(0).upper()]
    clock = _CLOCK.match(words.pop(0)) if words else None
    if clock is None or len(words) > 1:
        raise RotationError(f"`{text}` is not a handoff time; use {HANDOFF_HINT}.")
    zone = words[0] if words else "UTC"
    zone_named(zone)
    return Handoff(at=time(int(clock.group(1)), int(clock.group(2))), zone=zone, weekday=weekday)


def member_identity(text: str) -> Person:
    """A member as stored: `slack:U01`, `discord:123`, or an email as `email:carol@…`."""
    try:
        member = Person(text)
    except ValueError:
        member = None
    if member is not None and member.platform in MEMBER_PLATFORMS:
        return member
    raise RotationError(
        f"`{text}` is not a member; use slack:U…, discord:<user id> or an email address "
        "(resolved to a Slack user)."
    )


@dataclass(frozen=True, kw_only=True)
class Rotation:
    """An on-call rotation: who takes turns, for how long, handing off when and where."""

    name: str
    members: tuple[Person, ...]
    start: date
    length: timedelta = timedelta(weeks=1)
    handoff: Handoff = field(default_factory=Handoff)
    backups: tuple[Person, ...] = ()
    channels: Mapping[str, str] = field(default_factory=dict)
    reminder: timedelta | None = timedelta(hours=1)

    def __post_init__(self) -> None:
        if not self.members:
            raise RotationError(f"Rotation `{self.name}` has no members; list at least one.")
        for people, what in ((self.members, "members"), (self.backups, "backups")):
            repeated = sorted({p for p in people if people.count(p) > 1})
            if repeated:
                raise RotationError(
                    f"Rotation `{self.name}` lists {', '.join(repeated)} twice in {what}; "
                    "list each person once."
                )
        if self.length < DAY or self.length % DAY:
            raise RotationError(
                f"Rotation `{self.name}`: a shift lasts whole days (1d, 1w, 2w …), "
                f"not {self.length}."
            )
        weekday = self.handoff.weekday
        if weekday is not None and self.days % 7:
            raise RotationError(
                f"Rotation `{self.name}` hands off every {self.days} d, so not always on a "
                f"{WEEKDAYS[weekday]}; drop the weekday (handoff = "
                f'"{self.handoff.at:%H:%M} {self.handoff.zone}") or use a length in weeks.'
            )
        if weekday is not None and self.start.weekday() != weekday:
            first = self.start + timedelta(days=(weekday - self.start.weekday()) % 7)
            raise RotationError(
                f"Rotation `{self.name}`: start {self.start} is a "
                f"{WEEKDAYS[self.start.weekday()]}, but the handoff is on {WEEKDAYS[weekday]}; "
                f"make start the first handoff date, e.g. {first}."
            )
        if self.reminder is not None and not timedelta(0) < self.reminder < self.length:
            raise RotationError(
                f"Rotation `{self.name}`: the reminder comes a while before the handoff, "
                f"shorter than a shift ({self.length}); use e.g. 1h, or none."
            )
        zone_named(self.handoff.zone)

    @property
    def days(self) -> int:
        """The shift length in calendar days."""
        return self.length // DAY

    @property
    def zone(self) -> ZoneInfo:
        """The zone handoffs are set in."""
        return zone_named(self.handoff.zone)

    @property
    def everyone(self) -> tuple[Person, ...]:
        """Members, then backups not among them: who `everyone` pages."""
        return self.members + tuple(b for b in self.backups if b not in self.members)


def wall_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant the clocks in `zone` show `at` on `day`.

    A wall time that a clock change skips (02:30 on a spring-forward night, or a whole day
    skipped by a zone changing sides of the date line) maps to the moment the clocks jumped:
    the first instant that exists after it. An ambiguous one (autumn) is its first occurrence.
    """
    wall = datetime.combine(day, at)
    early = wall.replace(tzinfo=zone).astimezone(UTC)
    if early.astimezone(zone).replace(tzinfo=None) == wall:
        return early
    late = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    low, high = min(early, late), max(early, late)
    while high - low > timedelta(seconds=1):
        middle = low + timedelta(seconds=(high - low).total_seconds() // 2)
        if middle.astimezone(zone).replace(tzinfo=None) >= wall:
            high = middle
        else:
            low = middle
    return high


def handoff_at(rotation: Rotation, index: int) -> datetime:
    """When shift `index` starts (0 is the first, on `start`), in UTC."""
    return _handoff(
        rotation.start, rotation.days, rotation.handoff.at, rotation.handoff.zone, index
    )


@functools.lru_cache(maxsize=8192)
def _handoff(start: date, days: int, at: time, zone: str, index: int) -> datetime:
    """`handoff_at`, remembered: schedules and feeds ask for the same handoffs many times."""
    return wall_instant(start + timedelta(days=index * days), at, zone_named(zone))


def shift_index(rotation: Rotation, instant: datetime) -> int | None:
    """Which shift `instant` falls in; None before the rotation starts."""
    first = handoff_at(rotation, 0)
    if instant < first:
        return None
    index = max(0, (instant - first) // rotation.length)
    while index > 0 and handoff_at(rotation, index) > instant:
        index -= 1
    while handoff_at(rotation, index + 1) <= instant:
        index += 1
    return index


def shift_on(rotation: Rotation, day: date) -> int | None:
    """The shift people mean by a date: the one running at the handoff time that day."""
    return shift_index(rotation, wall_instant(day, rotation.handoff.at, rotation.zone))


def local_midnight(rotation: Rotation, day: date) -> datetime:
    """The start of `day` in the rotation's zone, in UTC (date ranges in edits use it)."""
    return wall_instant(day, time(0, 0), rotation.zone)


def base_primary(rotation: Rotation, index: int) -> Person:
    """Who the rotation order makes primary in shift `index`."""
    return rotation.members[index % len(rotation.members)]


def base_backup(rotation: Rotation, index: int) -> Person | None:
    """The backup by rotation order: the next member, or the backups list in turn."""
    primary = base_primary(rotation, index)
    if rotation.backups:
        count = len(rotation.backups)
        for step in range(count):
            candidate = rotation.backups[(index + step) % count]
            if candidate != primary:
                return candidate
    count = len(rotation.members)
    for step in range(1, count):
        candidate = rotation.members[(index + step) % count]
        if candidate != primary:
            return candidate
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Shift:
    """Who is on call from `start` until `end` (a whole shift, or the part an edit changed)."""

    index: int
    start: datetime
    end: datetime
    primary: Person
    backup: Person | None
    edited: bool = False

    def contains(self, instant: datetime) -> bool:
        """True when `instant` is within [start, end)."""
        return self.start <= instant < self.end

    def holds(self, person: Person) -> OnCallRole | None:
        """The role `person` has in this shift, if any."""
        if person == self.primary:
            return OnCallRole.PRIMARY
        if person == self.backup:
            return OnCallRole.BACKUP
        return None


def base_shift(rotation: Rotation, index: int) -> Shift:
    """Shift `index` as the rotation order has it, before any override or swap."""
    return Shift(
        index=index,
        start=handoff_at(rotation, index),
        end=handoff_at(rotation, index + 1),
        primary=base_primary(rotation, index),
        backup=base_backup(rotation, index),
    )
