"""Business-day arithmetic: weekends and holidays do not count."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incidents.calendar import add_business_days, is_business_day

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
