"""Business-day arithmetic: weekends and holidays do not count."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incidents.calendar import (
    BusinessHours,
    BusinessHoursError,
    add_business_days,
    is_business_day,
    parse_business_hours,
)

from .helpers import FRIDAY, SATURDAY, SUNDAY, T0

THURSDAY = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
MONDAY_NEXT = date(2026, 11, 30)


def test_friday_plus_one_is_monday_same_time() -> None:
    """Friday 14:00 plus one business day is Monday 14:00."""
    assert add_business_days(FRIDAY, 1) == datetime(2026, 11, 30, 14, 0, tzinfo=UTC)


def test_saturday_plus_one_is_monday() -> None:
    """Saturday 10:00 plus one business day is Monday 10:00."""
    assert add_business_days(SATURDAY, 1) == datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def test_sunday_plus_one_is_monday() -> None:
    """Sunday 10:00 plus one business day is Monday 10:00."""
    assert add_business_days(SUNDAY, 1) == datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def test_thursday_plus_two_is_monday() -> None:
    """Thursday plus two business days skips the weekend to Monday."""
    assert add_business_days(THURSDAY, 2) == datetime(2026, 11, 30, 9, 30, tzinfo=UTC)


def test_weekday_plus_one_is_next_day() -> None:
    """Monday plus one business day is Tuesday."""
    assert add_business_days(T0, 1) == T0 + timedelta(days=1)


def test_monday_holiday_makes_friday_plus_one_tuesday() -> None:
    """A holiday on Monday pushes Friday + 1 to Tuesday."""
    result = add_business_days(FRIDAY, 1, holidays={MONDAY_NEXT})
    assert result == datetime(2026, 12, 1, 14, 0, tzinfo=UTC)


def test_consecutive_holidays_are_all_skipped() -> None:
    """Monday and Tuesday holidays push Friday + 1 to Wednesday."""
    holidays = {MONDAY_NEXT, date(2026, 12, 1)}
    assert add_business_days(FRIDAY, 1, holidays=holidays) == datetime(
        2026, 12, 2, 14, 0, tzinfo=UTC
    )


def test_holiday_on_a_weekend_changes_nothing() -> None:
    """A holiday that falls on a weekend does not push the result further."""
    assert add_business_days(FRIDAY, 1, holidays={date(2026, 11, 28)}) == add_business_days(
        FRIDAY, 1
    )


def test_zero_days_is_the_start_itself() -> None:
    """Adding zero business days returns the start unchanged, even on a weekend."""
    assert add_business_days(T0, 0) == T0
    assert add_business_days(SATURDAY, 0) == SATURDAY


def test_negative_days_raise() -> None:
    """A negative count is a programming error."""
    with pytest.raises(ValueError, match="negative"):
        add_business_days(T0, -1)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 11, 23), True),
        (date(2026, 11, 27), True),
        (date(2026, 11, 28), False),
        (date(2026, 11, 29), False),
    ],
)
def test_is_business_day(day: date, expected: bool) -> None:
    """Monday to Friday are business days; Saturday and Sunday are not."""
    assert is_business_day(day) is expected


def test_holiday_is_not_a_business_day() -> None:
    """A weekday in the holiday set is not a business day."""
    assert not is_business_day(date(2026, 11, 23), holidays={date(2026, 11, 23)})


@settings(max_examples=200)
@given(
    start=st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
    ),
    days=st.integers(min_value=1, max_value=30),
    holidays=st.frozensets(
        st.dates(min_value=date(2020, 1, 1), max_value=date(2036, 12, 31)), max_size=40
    ),
)
def test_result_is_a_later_business_day_at_the_same_time(
    start: datetime, days: int, holidays: frozenset[date]
) -> None:
    """For days >= 1 the result is a business day, strictly later, at the same time of day."""
    result = add_business_days(start, days, holidays)
    assert is_business_day(result.date(), holidays)
    assert result > start
    assert result.timetz() == start.timetz()
    counted = sum(
        is_business_day(start.date() + timedelta(days=n), holidays)
        for n in range(1, (result.date() - start.date()).days + 1)
    )
    assert counted == days


OFFICE = BusinessHours()  # MON-FRI 09:00-17:00 UTC
FRIDAY_EVENING = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("at", "opens"),
    [
        (datetime(2026, 11, 27, 14, 0, tzinfo=UTC), datetime(2026, 11, 27, 14, 0, tzinfo=UTC)),
        (datetime(2026, 11, 27, 8, 0, tzinfo=UTC), datetime(2026, 11, 27, 9, 0, tzinfo=UTC)),
        (FRIDAY_EVENING, datetime(2026, 11, 30, 9, 0, tzinfo=UTC)),
        (SATURDAY, datetime(2026, 11, 30, 9, 0, tzinfo=UTC)),
    ],
)
def test_next_open_is_now_within_hours_else_the_next_opening(at: datetime, opens: datetime) -> None:
    """Within business hours it is the moment itself; 17:00 and the weekend wait for 09:00."""
    assert OFFICE.next_open(at) == opens


def test_next_open_skips_a_holiday_monday() -> None:
    """Friday evening before a holiday Monday opens again Tuesday 09:00."""
    assert OFFICE.next_open(FRIDAY_EVENING, {MONDAY_NEXT}) == datetime(
        2026, 12, 1, 9, 0, tzinfo=UTC
    )


def test_business_time_stops_at_closing_and_goes_on_at_opening() -> None:
    """Friday 16:00 plus 2 h of business time is Monday 10:00; after hours, 0 is the opening."""
    friday_four = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
    assert OFFICE.after(friday_four, timedelta(hours=2)) == datetime(
        2026, 11, 30, 10, 0, tzinfo=UTC
    )
    assert OFFICE.after(SATURDAY, timedelta(0)) == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def test_business_hours_follow_the_zone_across_daylight_saving() -> None:
    """09:00 in Oslo is 08:00 UTC in winter and 07:00 UTC in summer."""
    oslo = parse_business_hours("MON-FRI 09:00-17:00 Europe/Oslo")
    assert oslo.next_open(SATURDAY) == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    june = datetime(2026, 6, 6, 12, 0, tzinfo=UTC)  # a Saturday
    assert oslo.next_open(june) == datetime(2026, 6, 8, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "days", "described"),
    [
        ("MON-FRI 09:00-17:00 UTC", {0, 1, 2, 3, 4}, "MON-FRI 09:00-17:00 UTC"),
        (
            "sun-thu 8:30-17:30 Asia/Jerusalem",
            {6, 0, 1, 2, 3},
            "MON-THU,SUN 08:30-17:30 Asia/Jerusalem",
        ),
        ("MON,WED,FRI 10:00-14:00", {0, 2, 4}, "MON,WED,FRI 10:00-14:00 UTC"),
    ],
)
def test_business_hours_are_read_as_written(text: str, days: set[int], described: str) -> None:
    """Ranges (wrapping round the week too), lists, and an optional zone (UTC by default)."""
    hours = parse_business_hours(text)
    assert hours.days == frozenset(days)
    assert hours.describe() == described
    assert parse_business_hours(hours.describe()) == hours


@pytest.mark.parametrize(
    "text", ["", "MON-FRI", "MON-FUN 09:00-17:00", "MON-FRI 9-5", "MON-FRI 17:00-09:00 UTC"]
)
def test_unreadable_business_hours_say_what_is_valid(text: str) -> None:
    """A bad value is refused with an example of a good one."""
    with pytest.raises(BusinessHoursError, match="MON-FRI 09:00-17:00 UTC"):
        parse_business_hours(text)


@given(
    start=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
    ),
    days=st.integers(min_value=0, max_value=30),
)
@settings(max_examples=200)
def test_business_days_in_utc_are_the_plain_business_day_count(start: datetime, days: int) -> None:
    """The default business hours count days exactly as add_business_days does."""
    holidays = {MONDAY_NEXT}
    assert OFFICE.add_days(start, days, holidays) == add_business_days(start, days, holidays)
