"""The schedule people actually follow: the rotation order, changed by overrides and swaps.

Edits are data applied in the order they were made. A swap exchanges the primaries of two
shifts (so the same swap twice changes nothing); an override puts a person in a role for a
window of time, or, when it fulfils a cover request, in whatever role the person asking held.
The backup is never the primary: when an edit would make them one person, the backup falls to
the person the edit displaced.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from incidents.oncall.rotation import (
    OnCallRole,
    Rotation,
    Shift,
    base_backup,
    base_primary,
    base_shift,
    handoff_at,
    shift_index,
)
from incidents.people import Person


@dataclass(frozen=True, slots=True, kw_only=True)
class Override:
    """`person` covers `role` from `start` until `end`; with `replaces`, only where that
    person is on call, in whichever role they hold (a taken cover request)."""

    person: Person
    start: datetime
    end: datetime
    role: OnCallRole = OnCallRole.PRIMARY
    replaces: Person | None = None
    id: int = 0
    created_by: Person | None = None
    created_at: datetime | None = None
    cover_request: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Swap:
    """The primaries of the shifts starting at `first` and `second` trade places."""

    first: datetime
    second: datetime
    id: int = 0
    created_by: Person | None = None
    created_at: datetime | None = None


Edit = Override | Swap


@dataclass(frozen=True, slots=True, kw_only=True)
class CoverRequest:
    """Someone asks for cover from `start` until `end`; another member may take it."""

    id: int
    rotation: str
    requester: Person
    start: datetime
    end: datetime
    created_at: datetime
    taken_by: Person | None = None
    taken_at: datetime | None = None
    cancelled_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        """Neither taken nor cancelled."""
        return self.taken_by is None and self.cancelled_at is None

    def as_override(self, taker: Person, now: datetime) -> Override:
        """The override that taking this request makes."""
        return Override(
            person=taker,
            start=self.start,
            end=self.end,
            replaces=self.requester,
            created_by=taker,
            created_at=now,
            cover_request=self.id,
        )


def _swap_pairs(rotation: Rotation, edits: Sequence[Edit]) -> list[tuple[int, int]]:
    """The swaps as pairs of shift indices, in order; a swap whose instants are no longer
    handoffs (the rotation was redefined since) is left out."""
    pairs = []
    for swap in edits:
        if isinstance(swap, Swap):
            first, second = _aligned(rotation, swap.first), _aligned(rotation, swap.second)
            if first is not None and second is not None:
                pairs.append((first, second))
    return pairs


def _swapped_index(pairs: Sequence[tuple[int, int]], index: int) -> int:
    """Whose turn (by rotation order) shift `index` holds after the swaps, applied in order."""
    position = index
    for first, second in reversed(pairs):
        if position == first:
            position = second
        elif position == second:
            position = first
    return position


def _aligned(rotation: Rotation, start: datetime) -> int | None:
    """The shift starting exactly at `start`, if there is one."""
    index = shift_index(rotation, start)
    if index is None or handoff_at(rotation, index) != start:
        return None
    return index


def holders_at(rotation: Rotation, edits: Sequence[Edit], instant: datetime) -> Shift | None:
    """The shift (its index and the people) at `instant`, with every edit applied."""
    index = shift_index(rotation, instant)
    if index is None:
        return None
    return _holders(rotation, edits, _swap_pairs(rotation, edits), index, instant)


def _holders(
    rotation: Rotation,
    edits: Sequence[Edit],
    pairs: Sequence[tuple[int, int]],
    index: int,
    instant: datetime,
) -> Shift:
    turn = _swapped_index(pairs, index)
    primary = base_primary(rotation, turn)
    backup = base_backup(rotation, index)
    for override in edits:
        if not isinstance(override, Override) or not override.start <= instant < override.end:
            continue
        if override.replaces is None:
            if override.role is OnCallRole.PRIMARY:
                primary = override.person
            else:
                backup = override.person
        elif primary == override.replaces:
            primary = override.person
        elif backup == override.replaces:
            backup = override.person
    if backup is None or backup == primary:
        backup = _fallback_backup(rotation, index, turn, primary)
    base = base_shift(rotation, index)
    return replace(
        base,
        primary=primary,
        backup=backup,
        edited=(primary, backup) != (base.primary, base.backup),
    )


def _fallback_backup(rotation: Rotation, index: int, turn: int, primary: Person) -> Person | None:
    """Someone other than `primary`: the displaced people first, then the rotation order."""
    count = len(rotation.members)
    candidates = [
        base_backup(rotation, index),
        base_primary(rotation, index),
        base_primary(rotation, turn),
        *(
            rotation.backups[(index + i) % len(rotation.backups)]
            for i in range(len(rotation.backups))
        ),
        *(rotation.members[(index + i) % count] for i in range(count)),
    ]
    return next((c for c in candidates if c is not None and c != primary), None)


def _cuts(rotation: Rotation, edits: Sequence[Edit], index: int) -> list[datetime]:
    """Where shift `index` may change hands: its start, and overrides starting or ending in it."""
    start, end = handoff_at(rotation, index), handoff_at(rotation, index + 1)
    inner = {
        moment
        for edit in edits
        if isinstance(edit, Override)
        for moment in (edit.start, edit.end)
        if start < moment < end
    }
    return [start, *sorted(inner)]


def schedule(
    rotation: Rotation, edits: Sequence[Edit], start: datetime, end: datetime
) -> tuple[Shift, ...]:
    """The shifts (and parts of shifts an override changed) overlapping [start, end).

    Consecutive: each one ends where the next begins. Nothing before the rotation starts.
    """
    first = shift_index(rotation, start)
    if first is None:
        first = 0
    pairs = _swap_pairs(rotation, edits)
    pieces: list[Shift] = []
    index = first
    while handoff_at(rotation, index) < end:
        shift_end = handoff_at(rotation, index + 1)
        cuts = _cuts(rotation, edits, index)
        for position, cut in enumerate(cuts):
            until = cuts[position + 1] if position + 1 < len(cuts) else shift_end
            piece = replace(_holders(rotation, edits, pairs, index, cut), start=cut, end=until)
            if pieces and _same_people(pieces[-1], piece):
                pieces[-1] = replace(
                    pieces[-1], end=until, edited=pieces[-1].edited or piece.edited
                )
            else:
                pieces.append(piece)
        index += 1
    return tuple(p for p in pieces if p.end > start and p.start < end and p.end > p.start)


def _same_people(earlier: Shift, later: Shift) -> bool:
    return (earlier.index, earlier.primary, earlier.backup) == (
        later.index,
        later.primary,
        later.backup,
    )


def whole_shifts(rotation: Rotation, start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """[start, end) widened to the handoffs around it."""
    first = shift_index(rotation, start)
    last = shift_index(rotation, max(start, end - timedelta(microseconds=1)))
    return (
        handoff_at(rotation, first) if first is not None else start,
        handoff_at(rotation, last + 1) if last is not None else end,
    )


def edit_window(rotation: Rotation, edit: Edit) -> tuple[datetime, datetime]:
    """The whole shifts an edit can change: those its override window touches, or the two
    swapped shifts and those between them."""
    if isinstance(edit, Override):
        return whole_shifts(rotation, edit.start, edit.end)
    earlier, later = sorted((edit.first, edit.second))
    return whole_shifts(rotation, earlier, later + timedelta(microseconds=1))


@dataclass(frozen=True, slots=True, kw_only=True)
class Duty:
    """A span during which someone holds a role."""

    role: OnCallRole
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class ShiftChange:
    """How an edit moved one person's on-call time: their duties before and after it."""

    person: Person
    before: tuple[Duty, ...]
    after: tuple[Duty, ...]


def _duties(pieces: Iterable[Shift], person: Person) -> list[Duty]:
    """The person's duties in `pieces`, merging adjacent spans of the same role."""
    duties: list[Duty] = []
    for piece in pieces:
        role = piece.holds(person)
        if role is None:
            continue
        if duties and duties[-1].role is role and duties[-1].end == piece.start:
            duties[-1] = replace(duties[-1], end=piece.end)
        else:
            duties.append(Duty(role=role, start=piece.start, end=piece.end))
    return duties


def _covered(pieces: Sequence[Shift], instant: datetime) -> bool:
    return any(p.contains(instant) for p in pieces)


def _role_at(pieces: Sequence[Shift], person: Person, instant: datetime) -> OnCallRole | None:
    piece = next((p for p in pieces if p.contains(instant)), None)
    return None if piece is None else piece.holds(person)


def shift_changes(before: Sequence[Shift], after: Sequence[Shift]) -> tuple[ShiftChange, ...]:
    """Whose on-call time differs between two schedules of the same span, and how.

    Only the span both schedules cover counts. Each change lists the duties that overlap or
    adjoin a span where the person's role differs, so a shift an override cut in two reads as
    its two remaining parts.
    """
    people = {p for piece in (*before, *after) for p in (piece.primary, piece.backup) if p}
    cuts = sorted({moment for piece in (*before, *after) for moment in (piece.start, piece.end)})
    changes = []
    for person in sorted(people):
        moved = [
            (start, end)
            for start, end in itertools.pairwise(cuts)
            if _covered(before, start)
            and _covered(after, start)
            and _role_at(before, person, start) != _role_at(after, person, start)
        ]
        if not moved:
            continue

        def touched(duty: Duty, spans: list[tuple[datetime, datetime]] = moved) -> bool:
            return any(duty.start <= end and start <= duty.end for start, end in spans)

        changes.append(
            ShiftChange(
                person=person,
                before=tuple(d for d in _duties(before, person) if touched(d)),
                after=tuple(d for d in _duties(after, person) if touched(d)),
            )
        )
    return tuple(changes)
