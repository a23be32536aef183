"""Text views for queries: the incident list, the timeline, help.

Views are message parts: people are `Mention`s, which chat shows as the platform's mention
(the name, rendered by the platform, pinging nobody in an ephemeral reply) and plain text as
the person's name from `Names` (`@id` when it is not known).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from incidents.messages import Mention, Part, Text, render_plain
from incidents.mirror import platform_label
from incidents.model import Incident, TimelineEntry
from incidents.names import NO_NAMES, Names, plain_name
from incidents.people import Person
from incidents.policy import Policy
from incidents.private import visible_to
from incidents.timefmt import clock_text, duration_text, when_text
from incidents.timers import next_deadline


def person_name(user: Person | None, names: Names = NO_NAMES) -> str:
    """`slack:U123` → its name in `names` (made inert), else `@U123`; None → `unassigned`."""
    return plain_name(user, names, empty="unassigned")


def _person(user: Person | None, empty: str = "unassigned") -> Part:
    return Mention(user) if user is not None else empty


def entry_parts(entry: TimelineEntry) -> Text:
    """A timeline entry's text, with the person it names (paged, given a role) as a mention.

    The core wrote that person's handle (`Paged @U0SAM (primary…)`) into the text when it
    happened; a view shows their name in its place.
    """
    user = entry.get("user")
    if not user:
        return (entry.text,)
    person = Person.stored(user)
    before, found, after = entry.text.partition(person.handle)
    if not found:
        return (entry.text,)
    return (before, Mention(person), after) if before else (Mention(person), after)


Deadline = tuple[str, datetime] | None
"""`incidents.timers.next_deadline`: what is due next, and when (None: nothing)."""


class Deadlines:
    """`next_deadline` of the incidents listed last, kept while each is the very same object
    under the very same policy: the store hands an open incident that did not change out again
    as it decoded it (`Store.reading`), so a list asked again recomputes no calendar."""

    def __init__(self) -> None:
        self._kept: dict[int, tuple[Incident, Policy, Deadline]] = {}

    def of(self, incidents: Sequence[Incident], policy: Policy) -> dict[int, Deadline]:
        """Each incident's next deadline, by number; only these incidents are kept."""
        kept: dict[int, tuple[Incident, Policy, Deadline]] = {}
        for incident in incidents:
            known = self._kept.get(incident.number)
            if known is not None and known[0] is incident and known[1] is policy:
                kept[incident.number] = known
            else:
                kept[incident.number] = (incident, policy, next_deadline(incident, policy))
        self._kept = kept
        return {number: deadline for number, (_, _, deadline) in kept.items()}


def incident_list(
    incidents: list[Incident],
    policy: Policy,
    now: datetime,
    viewer: Person | None = None,
    upcoming: Mapping[int, Deadline] | None = None,
) -> Text:
    """One line per open incident: severity, number, title, phase, IC, age, next deadline.

    With a `viewer`, private incidents they are not inside are left out, without a trace;
    None (an admin, the CLI) lists them all. Private ones are marked 🔒. `upcoming`: each
    incident's next deadline, already known (`Deadlines`).
    """
    if viewer is not None:
        incidents = [i for i in incidents if visible_to(i, viewer)]
    if not incidents:
        return ("No open incidents. 🎉",)
    parts: list[Part] = [f"Open incidents ({len(incidents)}):"]
    for incident in incidents:
        parts += [
            f"\n{incident.severity.emoji} {incident.severity.label} #{incident.number} "
            f"{'🔒 ' if incident.private else ''}"
            f"{incident.title} · {incident.phase.value} · IC ",
            _person(incident.incident_commander),
            f" · open {duration_text(now - incident.declared_at)}",
        ]
        due = next_deadline(incident, policy) if upcoming is None else upcoming[incident.number]
        if due is not None:
            parts.append(f" · {due[0]} {when_text(due[1], now)}")
    return tuple(parts)


def timeline_parts(incident: Incident, now: datetime) -> Text:
    """The timeline, one entry per line, times in UTC; people as mentions."""
    parts: list[Part] = [f"Timeline of #{incident.number} {incident.title} (UTC):"]
    for entry in incident.timeline:
        parts += [f"\n{clock_text(entry.at, now)}  ", _person(entry.actor, "sevbot")]
        behalf = entry.get("on_behalf_of")
        if behalf:  # an API client said whom it acted for (recorded; it granted nothing)
            parts.append(f" (for {behalf})")
        platform = entry.get("platform")
        if platform:  # a mirrored incident: where they acted
            parts.append(f" ({platform_label(platform)})")
        parts += ["  ", *entry_parts(entry)]
    return tuple(parts)


def timeline_text(incident: Incident, now: datetime, names: Names = NO_NAMES) -> str:
    """The timeline as plain text: people by name (`@id` when not known)."""
    return render_plain(timeline_parts(incident, now), names)


__all__ = [
    "entry_parts",
    "incident_list",
    "person_name",
    "render_plain",
    "timeline_parts",
    "timeline_text",
]
