"""All hands: a first escalation step of `everyone` pages every member of the rotation at once
(`[policy.escalation] sev0 = ["0m everyone"]`, the shipped SEV-0 default), each by direct
message, with the on-call primary named as first responder (who leads until an incident
commander is named)."""

from __future__ import annotations

from datetime import datetime

from incidents.decision import stamp
from incidents.messages import Audience, Mention, Message, MessageKind, Part, Tone, at_name
from incidents.model import EntryKind, Incident, OnCall
from incidents.people import Person
from incidents.policy import PageTarget, Policy
from incidents.wording import headline


def pages_everyone_first(incident: Incident, policy: Policy) -> bool:
    """True when the incident's first escalation step pages everyone on call."""
    steps = policy.escalation.get(incident.severity, ())
    return bool(steps) and steps[0].target is PageTarget.EVERYONE


def everyone_of(oncall: OnCall) -> tuple[Person, ...]:
    """Who `everyone` pages: the rotation's members and backups, else whoever is on call."""
    return tuple(oncall.everyone) or tuple(p for p in (oncall.primary, oncall.backup) if p)


def first_responder_text(oncall: OnCall) -> tuple[Part, ...]:
    """`@sam (primary) is first responder`, or that nobody is primary right now."""
    if oncall.primary is None:
        return (f"nobody is primary in {oncall.rotation} right now: whoever acknowledges leads",)
    return (Mention(oncall.primary), " (primary) is first responder")


def page_everyone(
    incident: Incident, oncall: OnCall, now: datetime, step: int | None = None
) -> tuple[Incident, tuple[Message, ...]]:
    """The all-hands page: one timeline entry and a direct message to each person."""
    people = everyone_of(oncall)
    first = f"; first responder {at_name(oncall.primary)}" if oncall.primary else ""
    fields: dict[str, str] = {"target": "everyone", "rotation": oncall.rotation}
    if step is not None:
        fields["step"] = str(step)
    updated = stamp(
        incident,
        now,
        None,
        EntryKind.PAGED,
        f"Paged everyone in {oncall.rotation} at once ({len(people)}){first}",
        **fields,
    )
    ack = f"Acknowledge with `/incident ack {incident.number}`."
    messages = []
    for person in people:
        if person == oncall.primary:
            text: tuple[Part, ...] = (
                f"📟 You are paged (primary, {oncall.rotation}) for {headline(incident)}: "
                "everyone on call is paged at once, and you are first responder: lead until "
                f"an incident commander is named. {ack}",
            )
        else:
            text = (
                f"📟 You are paged (everyone, {oncall.rotation}) for {headline(incident)}: "
                "all hands. ",
                *first_responder_text(oncall),
                f". {ack}",
            )
        messages.append(
            Message(
                kind=MessageKind.PAGE,
                audience=Audience.DIRECT,
                recipient=person,
                incident=incident.number,
                text=text,
                tone=Tone.DANGER,
            )
        )
    return updated, tuple(messages)
