"""What the bot says about on-call: who is on call now and next, the schedule, moved shifts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from incidents.messages import Audience, Mention, Message, MessageKind, Part, Text, Tone
from incidents.oncall.rotation import Rotation, Shift, handoff_at, shift_index
from incidents.oncall.schedule import Duty, Edit, Override, ShiftChange, Swap, schedule
from incidents.people import Person
from incidents.timefmt import duration_text, relative_text


def day_text(rotation: Rotation, instant: datetime, now: datetime) -> str:
    """`Mon 14 Dec` in the rotation's zone (with the year when it is not this year's)."""
    local = instant.astimezone(rotation.zone)
    year = "" if local.year == now.astimezone(rotation.zone).year else f" {local.year}"
    return f"{local:%a} {local.day} {local:%b}{year}"


def moment_text(rotation: Rotation, instant: datetime, now: datetime) -> str:
    """`Mon 14 Dec 09:00 UTC`, or `Mon 14 Dec 09:00 Europe/Oslo (08:00 UTC)`."""
    local = instant.astimezone(rotation.zone)
    text = f"{day_text(rotation, instant, now)} {local:%H:%M} {rotation.handoff.zone}"
    if local.utcoffset() or rotation.handoff.zone != "UTC":
        text += f" ({instant.astimezone(UTC):%H:%M} UTC)"
    return text


def span_text(rotation: Rotation, start: datetime, end: datetime, now: datetime) -> str:
    """`Mon 14 Dec 09:00 → Mon 21 Dec 09:00 Europe/Oslo`, in the rotation's zone."""
    first, last = start.astimezone(rotation.zone), end.astimezone(rotation.zone)
    return (
        f"{day_text(rotation, start, now)} {first:%H:%M} → "
        f"{day_text(rotation, end, now)} {last:%H:%M} {rotation.handoff.zone}"
    )


def people(shift: Shift) -> Text:
    """`@alice (primary), @bob (backup)`."""
    parts: list[Part] = [Mention(shift.primary), " (primary)"]
    if shift.backup:
        parts += [", ", Mention(shift.backup), " (backup)"]
    return tuple(parts)


def reply(text: Text, kind: MessageKind = MessageKind.ONCALL) -> Message:
    """An ephemeral answer to whoever asked."""
    return Message(kind=kind, audience=Audience.REPLY, text=text)


def current_and_next(
    rotation: Rotation, edits: Sequence[Edit], now: datetime
) -> tuple[Shift | None, Shift | None]:
    """Who is on call at `now` (None before the rotation starts), and the shift after it."""
    horizon = max(now, handoff_at(rotation, 0))
    pieces = schedule(rotation, edits, horizon, horizon + rotation.length * 2)
    current = next((p for p in pieces if p.contains(now)), None)
    later = [p for p in pieces if p.start > now]
    return current, (later[0] if later else None)


def who_text(rotation: Rotation, edits: Sequence[Edit], now: datetime) -> Text:
    """The `/oncall` answer for one rotation: primary and backup now, until when, and next."""
    current, upcoming = current_and_next(rotation, edits, now)
    if current is None:
        first = handoff_at(rotation, 0)
        parts: list[Part] = [
            f"📟 {rotation.name} starts {moment_text(rotation, first, now)} "
            f"({relative_text(first, now)}); nobody is on call in it until then."
        ]
        if upcoming is not None:
            parts += ["\nFirst shift: ", *people(upcoming), "."]
        return tuple(parts)
    parts = [f"📟 {rotation.name} · on call now\nPrimary: ", Mention(current.primary)]
    parts += [" · Backup: ", *((Mention(current.backup),) if current.backup else ("nobody",))]
    edited = " (changed by an override or swap)" if current.edited else ""
    parts.append(
        f"{edited}\nUntil {moment_text(rotation, current.end, now)}, "
        f"{relative_text(current.end, now)}."
    )
    if upcoming is not None:
        parts += [
            "\nNext: ",
            *people(upcoming),
            f" from {moment_text(rotation, upcoming.start, now)}.",
        ]
    return tuple(parts)


def schedule_text(rotation: Rotation, edits: Sequence[Edit], now: datetime, weeks: int) -> Text:
    """`/oncall schedule`: every shift (or edited part) in the coming `weeks`."""
    start = max(now, handoff_at(rotation, 0))
    pieces = schedule(rotation, edits, start, start + timedelta(weeks=weeks))
    plural = "" if weeks == 1 else "s"
    parts: list[Part] = [
        f"🗓 {rotation.name} · next {weeks} week{plural} · hands off {rotation.handoff.describe()}"
        f" every {duration_text(rotation.length)}"
    ]
    if shift_index(rotation, now) is None:
        parts.append(f"\nStarts {moment_text(rotation, handoff_at(rotation, 0), now)}.")
    for piece in pieces:
        parts += [f"\n• {span_text(rotation, piece.start, piece.end, now)}: ", *people(piece)]
        if piece.edited:
            parts.append(" · edited")
        if piece.contains(now):
            parts.append(" · now")
    return tuple(parts)


def duty_text(rotation: Rotation, duties: Sequence[Duty], now: datetime) -> str:
    """`primary Mon 21 Dec 09:00 → Thu 24 Dec 00:00 UTC; …`, or `not on call`."""
    if not duties:
        return "not on call"
    return "; ".join(f"{d.role.value} {span_text(rotation, d.start, d.end, now)}" for d in duties)


def edit_text(rotation: Rotation, edit: Edit, now: datetime) -> Text:
    """One edit as people read it, e.g. `override: @dana primary Thu 24 Dec 00:00 → …`."""
    if isinstance(edit, Override):
        who: list[Part] = [Mention(edit.person)]
        if edit.replaces:
            who += [" covers ", Mention(edit.replaces)]
        else:
            who.append(f" is {edit.role.value}")
        return ("override: ", *who, f" {span_text(rotation, edit.start, edit.end, now)}")
    assert isinstance(edit, Swap)
    return (
        f"swap: the shifts of {day_text(rotation, edit.first, now)} and "
        f"{day_text(rotation, edit.second, now)} trade primaries",
    )


def change_messages(
    rotation: Rotation,
    changes: Sequence[ShiftChange],
    *,
    actor: Person,
    what: Text,
    now: datetime,
) -> tuple[Message, ...]:
    """A direct message to each person whose shifts moved, with before and after."""
    messages = []
    for change in changes:
        text: Text = (
            f"🔁 Your on-call time in {rotation.name} changed: ",
            *what,
            " (by ",
            Mention(actor),
            f").\nBefore: {duty_text(rotation, change.before, now)}"
            f"\nAfter: {duty_text(rotation, change.after, now)}",
        )
        messages.append(
            Message(
                kind=MessageKind.ONCALL_CHANGED,
                audience=Audience.DIRECT,
                recipient=change.person,
                rotation=rotation.name,
                text=text,
                tone=Tone.INFO,
            )
        )
    return tuple(messages)
