"""The handoff: what the on-call channel reads when shifts change, and the incoming DMs.

Built from the rotation's shifts and the incidents' own records (timelines, action items), so
it says the same thing whenever it is posted; a late one says it is late.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from incidents.messages import Audience, Mention, Message, MessageKind, Part, Tone, person
from incidents.model import EntryKind, Incident
from incidents.oncall.rotation import Rotation, Shift
from incidents.oncall.text import day_text, moment_text
from incidents.people import Person
from incidents.private import shared_title
from incidents.timefmt import duration_text

NIGHT = (22, 7)  # local hours [22:00, 07:00) count as night in the page tally
MAX_LISTED = 8


def belongs_to(incident: Incident, rotation: Rotation, default: bool) -> bool:
    """True when the incident paged this rotation (or paged none and this is the default)."""
    if incident.oncall is None:
        return default
    return incident.oncall.rotation == rotation.name


def _pages(incidents: Sequence[Incident], start: datetime, end: datetime) -> list[datetime]:
    """When pages went out between `start` and `end`: first pages and escalation steps."""
    return sorted(
        entry.at
        for incident in incidents
        for entry in incident.timeline
        if entry.kind in (EntryKind.PAGED, EntryKind.ESCALATED)
        and (entry.get("user") or entry.get("target") == "everyone")
        and start <= entry.at < end
    )


def _is_night(rotation: Rotation, moment: datetime) -> bool:
    hour = moment.astimezone(rotation.zone).hour
    return hour >= NIGHT[0] or hour < NIGHT[1]


def last_shift_text(
    rotation: Rotation, incidents: Sequence[Incident], start: datetime, end: datetime
) -> list[Part]:
    """`Last shift: 5 pages (2 at night), 3 incidents (SEV-1 ×1, SEV-2 ×2); median …`."""
    pages = _pages(incidents, start, end)
    declared = [i for i in incidents if start <= i.declared_at < end]
    night = sum(1 for at in pages if _is_night(rotation, at))
    text = f"Last shift: {len(pages)} page{'s' if len(pages) != 1 else ''}"
    if night:
        text += f" ({night} at night)"
    text += f", {len(declared)} incident{'s' if len(declared) != 1 else ''}"
    if declared:
        counts: dict[str, int] = {}
        for incident in sorted(declared, key=lambda i: i.severity):
            counts[incident.severity.label] = counts.get(incident.severity.label, 0) + 1
        text += " (" + ", ".join(f"{label} ×{n}" for label, n in counts.items()) + ")"
    acks = [
        (i.acknowledged_at - i.declared_at).total_seconds()
        for i in declared
        if i.acknowledged_at is not None
    ]
    if acks:
        text += f"; median time to ack {duration_text(timedelta(seconds=_median(acks)))}"
    parts: list[Part] = [text + "."]
    for incident in declared[:MAX_LISTED]:
        took = (
            f"acked in {duration_text(incident.acknowledged_at - incident.declared_at)}"
            if incident.acknowledged_at is not None
            else "not acknowledged"
        )
        parts.append(
            f"\n  #{incident.number} {incident.severity.label} {shared_title(incident)} · {took}"
        )
    return parts


def open_incidents_text(incidents: Sequence[Incident], now: datetime) -> list[Part]:
    """Every open incident with severity, phase, incident commander and age."""
    if not incidents:
        return ["No open incidents."]
    parts: list[Part] = [f"Open incidents ({len(incidents)}):"]
    for incident in incidents:
        parts += [
            f"\n  {incident.severity.emoji} {incident.severity.label} #{incident.number} "
            f"{shared_title(incident)} · {incident.phase.value} · IC ",
            *person(incident.incident_commander),
            f" · open {duration_text(now - incident.declared_at)}",
        ]
    return parts


def action_items_text(incidents: Sequence[Incident]) -> list[Part]:
    """Open action items (not done) across the incidents, with owners."""
    items = [
        (incident, item)
        for incident in sorted(incidents, key=lambda i: i.number)
        for item in incident.action_items
        if item.done_at is None
    ]
    if not items:
        return ["No open action items."]
    parts: list[Part] = [f"Open action items ({len(items)}):"]
    for incident, item in items[:MAX_LISTED]:
        # What a private incident's follow-up says stays inside it, like its title.
        text = shared_title(incident) if incident.private else item.text
        parts.append(f"\n  #{incident.number} {text}")
        if item.owner:
            parts += [" (", Mention(item.owner), ")"]
    if len(items) > MAX_LISTED:
        parts.append(f"\n  … and {len(items) - MAX_LISTED} more")
    return parts


def _swap_line(incoming: Shift, outgoing: Shift | None) -> list[Part]:
    parts: list[Part] = ["Primary ", Mention(incoming.primary)]
    if outgoing is not None:
        parts += [" ← ", Mention(outgoing.primary)]
    parts += ["   Backup ", *person(incoming.backup, "nobody")]
    if outgoing is not None:
        parts += [" ← ", *person(outgoing.backup, "nobody")]
    return parts


def handoff_messages(
    rotation: Rotation,
    *,
    handoff: datetime,
    incoming: Shift,
    outgoing: Shift | None,
    last_shift_start: datetime | None,
    open_incidents: Sequence[Incident],
    recent_incidents: Sequence[Incident],
    with_action_items: Sequence[Incident],
    now: datetime,
    late: bool,
    github: Sequence[Part] = (),
) -> tuple[Message, ...]:
    """The on-call channel's handoff message and a DM to each incoming person.

    `open_incidents` are every incident not closed; `recent_incidents` this rotation's that may
    hold the last shift's pages; `with_action_items` this rotation's with items not done;
    `github` the repository's urgent backlog (`incidents.oncall.backlog`), when configured.
    """
    span = "week" if rotation.days % 7 == 0 else "shift"
    title = f"🔁 On-call handoff · {rotation.name} · {span} of {day_text(rotation, handoff, now)}"
    parts: list[Part] = []
    if late:
        title += " · late"
        parts.append(
            f"⏰ Posted late: the handoff was at {moment_text(rotation, handoff, now)}, "
            f"{duration_text(now - handoff)} ago (sevbot was not running then).\n"
        )
    parts += _swap_line(incoming, outgoing)
    parts.append(f"\nUntil {moment_text(rotation, incoming.end, now)}.\n")
    parts += open_incidents_text(open_incidents, now)
    if last_shift_start is not None:
        parts.append("\n")
        parts += last_shift_text(rotation, recent_incidents, last_shift_start, handoff)
    parts.append("\n")
    parts += action_items_text(with_action_items)
    parts += github
    channel = Message(
        kind=MessageKind.HANDOFF,
        audience=Audience.ONCALL,
        rotation=rotation.name,
        title=title,
        text=tuple(parts),
        tone=Tone.WARNING if late else Tone.INFO,
    )
    dms = [
        _incoming_dm(rotation, incoming, role, who, len(open_incidents), now)
        for role, who in (("primary", incoming.primary), ("backup", incoming.backup))
        if who is not None
    ]
    return (channel, *dms)


def _incoming_dm(
    rotation: Rotation, shift: Shift, role: str, who: Person, open_count: int, now: datetime
) -> Message:
    other = shift.backup if role == "primary" else shift.primary
    other_role = "Backup" if role == "primary" else "Primary"
    text: tuple[Part, ...] = (
        f"🔁 You are {role} on call for {rotation.name} from now until "
        f"{moment_text(rotation, shift.end, now)}. {other_role}: ",
        *person(other, "nobody"),
        f". Open incidents: {open_count}. `/oncall` shows who is on call.",
    )
    return Message(
        kind=MessageKind.HANDOFF_DM,
        audience=Audience.DIRECT,
        recipient=who,
        rotation=rotation.name,
        text=text,
    )


def reminder_message(rotation: Rotation, shift: Shift, now: datetime) -> Message:
    """The DM to the incoming primary a while before their shift starts."""
    text: tuple[Part, ...] = (
        f"⏰ Your on-call shift starts in {duration_text(shift.start - now)}: primary for "
        f"{rotation.name} from {moment_text(rotation, shift.start, now)} until "
        f"{moment_text(rotation, shift.end, now)}. Backup: ",
        *person(shift.backup, "nobody"),
        ". `/oncall` shows who is on call.",
    )
    return Message(
        kind=MessageKind.HANDOFF_REMINDER,
        audience=Audience.DIRECT,
        recipient=shift.primary,
        rotation=rotation.name,
        text=text,
    )


LATE_AFTER = timedelta(minutes=5)
"""A handoff posted this long after its time is marked late."""


def _median(values: Sequence[float]) -> float:
    """The middle value, or the mean of the two middle ones (as `statistics.median`, which
    would import fractions and decimal, about 1 MiB, for this one line)."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2
