"""Rotation arithmetic: handoff instants across DST and zone changes, lengths, the order."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incidents.oncall.rotation import (
    Handoff,
    Rotation,
    RotationError,
    base_backup,
    base_primary,
    base_shift,
    handoff_at,
    member_identity,
    parse_handoff,
    shift_index,
    shift_on,
    wall_instant,
)

ALICE, BOB, CAROL, DANA = "slack:UALICE", "slack:UBOB", "email:carol@example.com", "discord:42"


def rotation(
    handoff: str = "MON 09:00 UTC",
    start: date = date(2026, 1, 5),
    length: timedelta = timedelta(weeks=1),
    members: tuple[str, ...] = (ALICE, BOB, CAROL),
    backups: tuple[str, ...] = (),
) -> Rotation:
    """A rotation of alice, bob and carol unless told otherwise."""
    return Rotation(
        name="maintainers",
        members=members,
        start=start,
        length=length,
        handoff=parse_handoff(handoff),
        backups=backups,
    )


def utc(*args: int) -> datetime:
    """An aware UTC datetime."""
    return datetime(*args, tzinfo=UTC)


def test_weekly_handoffs_are_mondays_at_nine_utc() -> None:
    """The default rotation hands off every Monday 09:00 UTC from its start date."""
    weekly = rotation()
    assert [handoff_at(weekly, k) for k in range(3)] == [
        utc(2026, 1, 5, 9),
        utc(2026, 1, 12, 9),
        utc(2026, 1, 19, 9),
    ]


@pytest.mark.parametrize(
    ("length", "second"),
    [
        (timedelta(days=1), utc(2026, 1, 6, 9)),
        (timedelta(weeks=2), utc(2026, 1, 19, 9)),
        (timedelta(days=3), utc(2026, 1, 8, 9)),
    ],
)
def test_lengths(length: timedelta, second: datetime) -> None:
    """1d, 2w and 3d rotations hand off that many days apart."""
    spec = "09:00 UTC" if length.days % 7 else "MON 09:00 UTC"
    assert handoff_at(rotation(spec, length=length), 1) == second


def test_members_take_turns_and_the_backup_is_the_next_one() -> None:
    """Shift k's primary is member k (cyclic); the backup is the member after."""
    weekly = rotation()
    people = [(base_primary(weekly, k), base_backup(weekly, k)) for k in range(4)]
    assert people == [(ALICE, BOB), (BOB, CAROL), (CAROL, ALICE), (ALICE, BOB)]


def test_a_separate_backup_list_takes_turns_too() -> None:
    """With `backups`, the backup comes from that list, skipping the primary."""
    weekly = rotation(members=(ALICE, BOB), backups=(BOB, DANA))
    assert [base_backup(weekly, k) for k in range(4)] == [BOB, DANA, BOB, DANA]
    clash = rotation(members=(ALICE, BOB), backups=(ALICE, DANA))
    assert base_backup(clash, 0) == DANA  # alice is primary in shift 0


def test_a_single_member_has_no_backup() -> None:
    """Alone in a rotation, the primary has nobody behind them."""
    assert base_backup(rotation(members=(ALICE,)), 3) is None


def test_before_start_nobody_is_on_call() -> None:
    """Instants before the first handoff are in no shift."""
    weekly = rotation()
    assert shift_index(weekly, utc(2026, 1, 5, 8, 59)) is None
    assert shift_index(weekly, utc(2026, 1, 5, 9)) == 0


def test_shifts_end_where_the_next_begins() -> None:
    """A shift's end is the next one's start, and the boundary belongs to the later shift."""
    weekly = rotation()
    first, second = base_shift(weekly, 0), base_shift(weekly, 1)
    assert first.end == second.start
    assert shift_index(weekly, first.end - timedelta(microseconds=1)) == 0
    assert shift_index(weekly, first.end) == 1


@pytest.mark.parametrize(
    ("zone", "before", "after"),
    [
        # Europe/Oslo: clocks go forward on Sun 29 Mar 2026 and back on Sun 25 Oct 2026.
        ("Europe/Oslo", (2026, 3, 23, 8), (2026, 3, 30, 7)),
        ("Europe/Oslo", (2026, 10, 19, 7), (2026, 10, 26, 8)),
        # America/New_York: forward on Sun 8 Mar 2026, back on Sun 1 Nov 2026.
        ("America/New_York", (2026, 3, 2, 14), (2026, 3, 9, 13)),
        ("America/New_York", (2026, 10, 26, 13), (2026, 11, 2, 14)),
    ],
)
def test_monday_nine_local_stays_nine_local_across_dst(
    zone: str, before: tuple[int, ...], after: tuple[int, ...]
) -> None:
    """The Monday handoffs either side of a DST change are 09:00 local, so 1 h apart in UTC."""
    first = utc(*before)
    weekly = rotation(f"MON 09:00 {zone}", start=first.astimezone(ZoneInfo(zone)).date())
    assert handoff_at(weekly, 0) == first
    assert handoff_at(weekly, 1) == utc(*after)
    assert {handoff_at(weekly, k).astimezone(ZoneInfo(zone)).time() for k in (0, 1)} == {time(9)}
    shift = base_shift(weekly, 0)
    assert abs(shift.end - shift.start - timedelta(weeks=1)) == timedelta(hours=1)


def test_a_handoff_in_the_spring_gap_is_when_the_clocks_jumped() -> None:
    """02:30 on the Oslo spring-forward night does not exist: the handoff is at the jump."""
    daily = rotation("02:30 Europe/Oslo", start=date(2026, 3, 27), length=timedelta(days=1))
    assert handoff_at(daily, 1) == utc(2026, 3, 28, 1, 30)  # 02:30 CET
    assert handoff_at(daily, 2) == utc(2026, 3, 29, 1, 0)  # 02:00 CET became 03:00 CEST
    assert handoff_at(daily, 3) == utc(2026, 3, 30, 0, 30)  # 02:30 CEST


def test_an_ambiguous_autumn_handoff_is_the_first_occurrence() -> None:
    """02:30 happens twice on the Oslo autumn night; the handoff is the first (CEST)."""
    daily = rotation("02:30 Europe/Oslo", start=date(2026, 10, 24), length=timedelta(days=1))
    assert handoff_at(daily, 1) == utc(2026, 10, 25, 0, 30)
    assert handoff_at(daily, 2) == utc(2026, 10, 26, 1, 30)


def test_a_zone_that_skipped_a_whole_day_still_has_consecutive_shifts() -> None:
    """Samoa skipped 30 Dec 2011 (it crossed the date line): that day's shift is short, not gone."""
    daily = rotation("09:00 Pacific/Apia", start=date(2011, 12, 28), length=timedelta(days=1))
    starts = [handoff_at(daily, k) for k in range(4)]
    assert starts == [
        utc(2011, 12, 28, 19),
        utc(2011, 12, 29, 19),
        utc(2011, 12, 30, 10),  # the moment the clocks jumped to 31 Dec 00:00
        utc(2011, 12, 30, 19),  # 31 Dec 09:00 at UTC+14
    ]
    assert [shift_index(daily, s) for s in starts] == [0, 1, 2, 3]


def test_changing_the_rotations_zone_moves_the_instants_not_the_order() -> None:
    """The same rotation set in another zone hands off at 09:00 there; who is on call by date stays."""
    in_utc = rotation("MON 09:00 UTC")
    in_tokyo = rotation("MON 09:00 Asia/Tokyo")
    assert handoff_at(in_tokyo, 2) == handoff_at(in_utc, 2) - timedelta(hours=9)
    assert shift_on(in_utc, date(2026, 1, 21)) == shift_on(in_tokyo, date(2026, 1, 21)) == 2


def test_shift_on_a_date_is_the_one_running_at_handoff_time() -> None:
    """A date names the shift running at the handoff time that day (a Monday: the new one)."""
    weekly = rotation()
    assert shift_on(weekly, date(2026, 1, 12)) == 1
    assert shift_on(weekly, date(2026, 1, 18)) == 1
    assert shift_on(weekly, date(2026, 1, 4)) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MON 09:00 UTC", Handoff(weekday=0, at=time(9), zone="UTC")),
        ("friday 17:30 Europe/Oslo", Handoff(weekday=4, at=time(17, 30), zone="Europe/Oslo")),
        ("8:00 America/New_York", Handoff(weekday=None, at=time(8), zone="America/New_York")),
        ("TUE 10:00", Handoff(weekday=1, at=time(10), zone="UTC")),
    ],
)
def test_parse_handoff(text: str, expected: Handoff) -> None:
    """Handoffs read as weekday (optional), HH:MM and an IANA zone (default UTC)."""
    assert parse_handoff(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("MON 9am UTC", "MON 09:00 Europe/Oslo"),
        ("MON 09:00 Europe/Olso", "IANA name"),
        ("MON 25:00 UTC", "is not a handoff time"),
        ("", "is not a handoff time"),
    ],
)
def test_bad_handoffs_say_what_is_valid(text: str, says: str) -> None:
    """A bad handoff raises a RotationError that shows a valid one."""
    with pytest.raises(RotationError) as error:
        parse_handoff(text)
    assert says in error.value.message


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"start": date(2026, 1, 6)}, "make start the first handoff date, e.g. 2026-01-12"),
        ({"length": timedelta(hours=12)}, "whole days"),
        ({"length": timedelta(days=3)}, "drop the weekday"),
        ({"members": ()}, "no members"),
        ({"members": (ALICE, ALICE)}, "twice"),
        ({"reminder": timedelta(weeks=2)}, "shorter than a shift"),
    ],
)
def test_bad_rotations_say_what_is_valid(change: dict[str, object], says: str) -> None:
    """An impossible rotation is refused with a message that says what would work."""
    fields: dict[str, object] = {
        "name": "maintainers",
        "members": (ALICE, BOB),
        "start": date(2026, 1, 5),
        **change,
    }
    with pytest.raises(RotationError) as error:
        Rotation(**fields)  # type: ignore[arg-type]
    assert says in error.value.message


@pytest.mark.parametrize(
    ("text", "identity"),
    [
        ("carol@Example.com", "email:carol@example.com"),
        ("slack:U01ALICE", "slack:U01ALICE"),
        ("discord:123456789012345678", "discord:123456789012345678"),
    ],
)
def test_member_identities(text: str, identity: str) -> None:
    """Chat identities pass through; an email address is stored as `email:…`."""
    assert member_identity(text) == identity


def test_a_bare_name_is_not_a_member() -> None:
    """`bob` alone names nobody; the error lists the forms that do."""
    with pytest.raises(RotationError, match="slack:U"):
        member_identity("bob")


ZONES = sorted(available_timezones() - {"Factory", "localtime"})


@settings(max_examples=300, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    start=st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 12, 31)),
    hour=st.integers(0, 23),
    minute=st.sampled_from([0, 15, 30, 45]),
    days=st.sampled_from([1, 2, 7, 14]),
)
def test_handoffs_in_any_zone_are_increasing_and_at_the_wall_time(
    zone: str, start: date, hour: int, minute: int, days: int
) -> None:
    """In every IANA zone handoffs strictly increase, index back to themselves, and fall at the
    configured wall time whenever that wall time exists that day."""
    daily = Rotation(
        name="r",
        members=(ALICE, BOB),
        start=start,
        length=timedelta(days=days),
        handoff=Handoff(at=time(hour, minute), zone=zone, weekday=None),
    )
    starts = [handoff_at(daily, k) for k in range(12)]
    assert all(a < b for a, b in itertools.pairwise(starts))
    assert [shift_index(daily, s) for s in starts] == list(range(12))
    for k, moment in enumerate(starts):
        # The wall time on the handoff's own date: a skipped one (a DST jump at 23:00) moves the
        # instant to the jump, which can fall on the next local date.
        day = start + timedelta(days=k * days)
        local = moment.astimezone(ZoneInfo(zone))
        wall = datetime.combine(day, time(hour, minute))
        exists = (
            wall_instant(day, time(hour, minute), ZoneInfo(zone))
            .astimezone(ZoneInfo(zone))
            .replace(tzinfo=None)
            == wall
        )
        assert local.replace(tzinfo=None) == wall or not exists
