"""The schedule people follow: overrides, swaps, cover, and which shifts an edit moved."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from incidents.oncall.rotation import OnCallRole, Rotation, Shift, handoff_at, parse_handoff
from incidents.oncall.schedule import (
    CoverRequest,
    Duty,
    Edit,
    Override,
    Swap,
    edit_window,
    holders_at,
    schedule,
    shift_changes,
)

ALICE, BOB, CAROL, DANA = "slack:UALICE", "slack:UBOB", "email:carol@example.com", "discord:42"
WEEKLY = Rotation(
    name="maintainers",
    members=(ALICE, BOB, CAROL),
    start=date(2026, 11, 30),
    handoff=parse_handoff("MON 09:00 UTC"),
)
SHIFT = [handoff_at(WEEKLY, k) for k in range(8)]  # Mondays from 30 Nov 2026
SPAN = (SHIFT[0], SHIFT[6])


def utc(*args: int) -> datetime:
    """An aware UTC datetime."""
    return datetime(*args, tzinfo=UTC)


def who(edits: list[Edit], instant: datetime) -> tuple[str, str | None]:
    """(primary, backup) at `instant`."""
    shift = holders_at(WEEKLY, edits, instant)
    assert shift is not None
    return shift.primary, shift.backup


def test_an_override_makes_someone_primary_for_its_window_only() -> None:
    """Dana is primary 24-27 Dec; alice's week around it is cut in two, backup unchanged."""
    dana = Override(person=DANA, start=utc(2026, 12, 24), end=utc(2026, 12, 28))
    assert who([dana], utc(2026, 12, 23)) == (ALICE, BOB)
    assert who([dana], utc(2026, 12, 25)) == (DANA, BOB)
    pieces = schedule(WEEKLY, [dana], utc(2026, 12, 21, 9), utc(2026, 12, 28, 9))
    assert [(p.start, p.end, p.primary, p.edited) for p in pieces] == [
        (utc(2026, 12, 21, 9), utc(2026, 12, 24), ALICE, False),
        (utc(2026, 12, 24), utc(2026, 12, 28), DANA, True),
        (utc(2026, 12, 28), utc(2026, 12, 28, 9), ALICE, False),
    ]


def test_a_backup_override_and_a_clash_with_the_primary() -> None:
    """A backup override replaces the backup; one naming the primary leaves someone else as backup."""
    backup = Override(person=DANA, start=SHIFT[0], end=SHIFT[1], role=OnCallRole.BACKUP)
    assert who([backup], SHIFT[0]) == (ALICE, DANA)
    clash = Override(person=BOB, start=SHIFT[1], end=SHIFT[2])  # bob's own week, carol backs up
    primary_is_backup = Override(person=CAROL, start=SHIFT[1], end=SHIFT[2])
    assert who([clash], SHIFT[1]) == (BOB, CAROL)
    assert who([primary_is_backup], SHIFT[1]) == (CAROL, BOB)


def test_a_taken_cover_request_replaces_the_requester_in_their_role() -> None:
    """Dana covering bob takes his primary week and, the week before, his backup days."""
    request = CoverRequest(
        id=3,
        rotation="maintainers",
        requester=BOB,
        start=SHIFT[0],
        end=SHIFT[2],
        created_at=SHIFT[0],
    )
    cover = request.as_override(DANA, SHIFT[0])
    assert cover.replaces == BOB
    assert who([cover], SHIFT[0]) == (ALICE, DANA)
    assert who([cover], SHIFT[1]) == (DANA, CAROL)
    assert who([cover], SHIFT[2]) == (CAROL, ALICE)


def test_a_swap_trades_two_shifts_primaries() -> None:
    """Alice and bob swap weeks 0 and 1; backups stay apart from the new primaries."""
    swap = Swap(first=SHIFT[0], second=SHIFT[1])
    assert who([swap], SHIFT[0]) == (BOB, ALICE)
    assert who([swap], SHIFT[1]) == (ALICE, CAROL)
    assert who([swap], SHIFT[2]) == (CAROL, ALICE)


def test_a_swap_that_no_longer_names_two_shifts_is_ignored() -> None:
    """After the rotation is redefined, a swap of instants that are no handoffs changes nothing."""
    stale = Swap(first=SHIFT[0] + timedelta(hours=1), second=SHIFT[1])
    assert who([stale], SHIFT[0]) == (ALICE, BOB)


def test_before_the_start_nobody_is_on_call_even_with_edits() -> None:
    """An override before the rotation starts puts nobody on call."""
    early = Override(person=DANA, start=utc(2026, 11, 1), end=utc(2026, 12, 2))
    assert holders_at(WEEKLY, [early], utc(2026, 11, 15)) is None
    assert who([early], utc(2026, 12, 1)) == (DANA, BOB)


def test_changes_name_everyone_whose_time_moved_with_before_and_after() -> None:
    """An override in alice's week: alice loses the middle, dana gains it, bob is untouched."""
    dana = Override(person=DANA, start=utc(2026, 12, 24), end=utc(2026, 12, 28))
    window = edit_window(WEEKLY, dana)
    assert window == (SHIFT[3], SHIFT[4])
    changes = shift_changes(schedule(WEEKLY, [], *window), schedule(WEEKLY, [dana], *window))
    assert {c.person for c in changes} == {ALICE, DANA}
    alice = next(c for c in changes if c.person == ALICE)
    primary = OnCallRole.PRIMARY
    assert alice.before == (Duty(role=primary, start=SHIFT[3], end=SHIFT[4]),)
    assert alice.after == (
        Duty(role=primary, start=SHIFT[3], end=utc(2026, 12, 24)),
        Duty(role=primary, start=utc(2026, 12, 28), end=SHIFT[4]),
    )
    dana_change = next(c for c in changes if c.person == DANA)
    assert dana_change.before == ()
    assert dana_change.after == (Duty(role=primary, start=dana.start, end=dana.end),)


def test_a_swap_tells_both_people_and_the_displaced_backups() -> None:
    """Swapping weeks 0 and 1 moves alice and bob, and carol's backup week is untouched."""
    before = schedule(WEEKLY, [], SHIFT[0], SHIFT[2])
    after = schedule(WEEKLY, [Swap(first=SHIFT[0], second=SHIFT[1])], SHIFT[0], SHIFT[2])
    assert {c.person for c in shift_changes(before, after)} == {ALICE, BOB}


# Properties over random edits. ------------------------------------------------------------

PEOPLE = st.sampled_from([ALICE, BOB, CAROL, DANA, "slack:UEVE"])
HOURS = st.integers(0, 6 * 7 * 24 - 1)


@st.composite
def overrides(draw: st.DrawFn) -> Override:
    """An override of a random person, role and window within the first six weeks."""
    start = SHIFT[0] + timedelta(hours=draw(HOURS))
    return Override(
        person=draw(PEOPLE),
        start=start,
        end=start + timedelta(hours=draw(st.integers(1, 10 * 24))),
        role=draw(st.sampled_from(OnCallRole)),
        replaces=draw(st.none() | PEOPLE),
    )


@st.composite
def swaps(draw: st.DrawFn) -> Swap:
    """A swap of two of the first six shifts."""
    first, second = draw(st.lists(st.integers(0, 5), min_size=2, max_size=2, unique=True))
    return Swap(first=SHIFT[first], second=SHIFT[second])


EDITS = st.lists(st.one_of(overrides(), swaps()), max_size=6)


@settings(max_examples=200, deadline=None)
@given(edits=EDITS, hours=st.lists(HOURS, min_size=1, max_size=10))
def test_every_instant_has_exactly_one_primary_distinct_from_the_backup(
    edits: list[Edit], hours: list[int]
) -> None:
    """Whatever the edits, the schedule is consecutive, each instant is in exactly one piece,
    whose primary is who holders_at names, and the backup is someone else."""
    pieces = schedule(WEEKLY, edits, *SPAN)
    assert all(a.end == b.start for a, b in itertools.pairwise(pieces))
    for hour in hours:
        instant = SHIFT[0] + timedelta(hours=hour)
        containing = [p for p in pieces if p.contains(instant)]
        assert len(containing) == 1
        holders = holders_at(WEEKLY, edits, instant)
        assert holders is not None
        assert containing[0].primary == holders.primary
        assert holders.backup is not None
        assert holders.backup != holders.primary


@settings(max_examples=200, deadline=None)
@given(edits=EDITS, swap=swaps())
def test_a_swap_made_twice_changes_nothing(edits: list[Edit], swap: Swap) -> None:
    """Any schedule with the same swap appended twice equals the schedule without it."""
    assert schedule(WEEKLY, [*edits, swap, swap], *SPAN) == schedule(WEEKLY, edits, *SPAN)


@settings(max_examples=100, deadline=None)
@given(edits=EDITS, extra=st.one_of(overrides(), swaps()))
def test_changes_are_found_exactly_when_someone_moved(edits: list[Edit], extra: Edit) -> None:
    """shift_changes names someone iff, at some instant, who holds what differs."""
    before = schedule(WEEKLY, edits, *SPAN)
    after = schedule(WEEKLY, [*edits, extra], *SPAN)
    cuts = sorted({p.start for p in (*before, *after)})
    same = all(_holders(before, t) == _holders(after, t) for t in cuts)
    assert bool(shift_changes(before, after)) is not same


def _holders(pieces: tuple[Shift, ...], instant: datetime) -> tuple[str, str | None] | None:
    piece = next((p for p in pieces if p.contains(instant)), None)
    return None if piece is None else (piece.primary, piece.backup)
