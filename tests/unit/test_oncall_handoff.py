"""Handoff and reminder wording from the pure core, and times shown in a rotation's zone."""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from incidents.messages import Audience
from incidents.model import OnCall
from incidents.oncall.handoff import _median, belongs_to, handoff_messages, reminder_message
from incidents.oncall.rotation import Rotation, base_shift, parse_handoff
from incidents.oncall.text import moment_text, span_text
from tests.unit.helpers import opened

ALICE, BOB = "slack:UALICE", "slack:UBOB"
OSLO = Rotation(
    name="maintainers",
    members=(ALICE, BOB),
    start=date(2026, 11, 30),
    handoff=parse_handoff("MON 09:00 Europe/Oslo"),
)
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def test_times_read_in_the_rotations_zone_with_utc_beside() -> None:
    """09:00 Oslo in winter reads `Mon 30 Nov 09:00 Europe/Oslo (08:00 UTC)`."""
    assert moment_text(OSLO, NOW, NOW) == "Mon 30 Nov 09:00 Europe/Oslo (08:00 UTC)"
    span = span_text(OSLO, NOW, NOW + timedelta(weeks=1), NOW)
    assert span == "Mon 30 Nov 09:00 → Mon 7 Dec 09:00 Europe/Oslo"
    assert moment_text(OSLO, datetime(2027, 1, 4, 8, tzinfo=UTC), NOW).startswith("Mon 4 Jan 2027")


def test_the_first_handoff_has_no_outgoing_people_and_no_last_shift() -> None:
    """The very first shift: incoming people only, nothing open, no last-shift tally."""
    first = base_shift(OSLO, 0)
    channel, *direct = handoff_messages(
        OSLO,
        handoff=first.start,
        incoming=first,
        outgoing=None,
        last_shift_start=None,
        open_incidents=(),
        recent_incidents=(),
        with_action_items=(),
        now=first.start,
        late=False,
    )
    assert channel.audience is Audience.ONCALL
    assert channel.plain_text().splitlines() == [
        "Primary @UALICE   Backup @UBOB",
        "Until Mon 7 Dec 09:00 Europe/Oslo (08:00 UTC).",
        "No open incidents.",
        "No open action items.",
    ]
    assert [m.recipient for m in direct] == [ALICE, BOB]
    assert all(m.audience is Audience.DIRECT for m in direct)


def test_a_late_handoff_says_so_in_title_and_text() -> None:
    """Marked late: the title ends `· late` and the text says how late."""
    first = base_shift(OSLO, 0)
    channel = handoff_messages(
        OSLO,
        handoff=first.start,
        incoming=first,
        outgoing=None,
        last_shift_start=None,
        open_incidents=(),
        recent_incidents=(),
        with_action_items=(),
        now=first.start + timedelta(hours=3),
        late=True,
    )[0]
    assert channel.title == "🔁 On-call handoff · maintainers · week of Mon 30 Nov · late"
    assert "3 h ago (sevbot was not running then)" in channel.plain_text()


def test_the_reminder_goes_to_the_incoming_primary() -> None:
    """The reminder DM names the role, the rotation, when, and the backup."""
    shift = base_shift(OSLO, 1)
    message = reminder_message(OSLO, shift, shift.start - timedelta(hours=1))
    assert message.recipient == BOB
    assert message.plain_text().startswith(
        "⏰ Your on-call shift starts in 1 h: primary for maintainers from Mon 7 Dec 09:00"
    )
    assert "Backup: @UALICE" in message.plain_text()


def test_which_incidents_belong_to_a_rotation() -> None:
    """An incident belongs to the rotation it paged; one that paged none, to the default."""
    paged = opened(oncall=OnCall(rotation="maintainers", primary=ALICE, backup=BOB))
    other = opened(oncall=OnCall(rotation="sre", primary=ALICE, backup=BOB))
    unpaged = opened()
    assert belongs_to(paged, OSLO, default=False)
    assert not belongs_to(other, OSLO, default=True)
    assert belongs_to(unpaged, OSLO, default=True)
    assert not belongs_to(unpaged, OSLO, default=False)


@given(st.lists(st.floats(min_value=0, max_value=1e7), min_size=1, max_size=40))
def test_the_median_time_to_ack_is_the_statistics_median(values: list[float]) -> None:
    """The handoff's own median (not `statistics`, to keep its imports out of start-up)
    agrees with `statistics.median`, for odd and even counts."""
    assert _median(values) == pytest.approx(statistics.median(values))
