"""Handlers of an incident's end: mitigated (the resolution phase begins), resolved, closed."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from incidents import commands as c
from incidents import events as e
from incidents.decision import (
    MAX_TEXT,
    Decision,
    Handler,
    clean,
    stamp,
    to_channel,
)
from incidents.errors import NotAllowedInPhase
from incidents.messages import Audience, Mention, Message, MessageKind, Part, Tone
from incidents.model import EntryKind, Incident
from incidents.people import Person
from incidents.phase import Phase, check_transition
from incidents.policy import Policy
from incidents.targets import window_breaches, window_ends_text
from incidents.timefmt import clock_text, duration_text, when_text
from incidents.timers import review_due_after, review_due_at
from incidents.wording import core_facts, shared_headline


def mark_mitigated(
    incident: Incident, command: c.Command, actor: Person, now: datetime, policy: Policy
) -> Decision:
    assert isinstance(command, c.MarkMitigated)
    if not incident.is_active:
        raise NotAllowedInPhase(
            f"#{incident.number} is already resolved (phase {incident.phase.value})."
        )
    if incident.phase is Phase.RESOLUTION:
        raise NotAllowedInPhase(
            f"#{incident.number} was already mitigated at "
            f"{clock_text(incident.mitigated_at or incident.phase_entered_at, now)} UTC. "
            "When it is over: `/incident resolve <summary>`."
        )
    check_transition(incident.number, incident.phase, Phase.RESOLUTION)
    summary = clean(command.summary)[:MAX_TEXT]
    took = now - incident.declared_at
    before = incident.phase
    updated = replace(incident, phase=Phase.RESOLUTION, mitigated_at=now)
    updated = stamp(
        updated,
        now,
        actor,
        EntryKind.PHASE_CHANGED,
        f"Mitigated after {duration_text(took)}" + (f": {summary}" if summary else ""),
        before=before.value,
        after=Phase.RESOLUTION.value,
    )
    updated, breach = window_breaches(incident, updated, policy, now)
    ends = window_ends_text(updated, policy, now)
    text: tuple[Part, ...] = (
        f"🩹 Mitigated after {duration_text(took)} (",
        Mention(actor),
        f"): {before.value} → resolution." + (f" {summary}" if summary else ""),
        f"\n{ends.strip()}{' ' if ends else ''}"
        "Status reminders go on until `/incident resolve <summary>`.",
    )
    message = to_channel(
        updated, MessageKind.PHASE_CHANGED, text, facts=core_facts(updated, policy, now)
    )
    return Decision(
        incident=updated,
        events=(
            e.PhaseChanged(number=incident.number, at=now, before=before, after=Phase.RESOLUTION),
        ),
        messages=(message, *breach),
    )


def resolve_incident(
    incident: Incident, command: c.Command, actor: Person, now: datetime, policy: Policy
) -> Decision:
    assert isinstance(command, c.Resolve)
    if not incident.is_active:
        raise NotAllowedInPhase(
            f"#{incident.number} is already resolved (phase {incident.phase.value}). To reopen it: `/incident phase investigation`."
        )
    summary = clean(command.summary)[:MAX_TEXT]
    took = now - incident.declared_at
    updated = replace(
        incident,
        phase=Phase.RESOLUTION,
        resolved_at=now,
        resolution_summary=summary or None,
        # Mitigated when it entered resolution; resolving straight away mitigates it too.
        mitigated_at=incident.mitigated_at or now,
    )
    updated = stamp(
        updated,
        now,
        actor,
        EntryKind.RESOLVED,
        f"Resolved after {duration_text(took)}" + (f": {summary}" if summary else ""),
        before=incident.phase.value,
    )
    updated, breach = window_breaches(incident, updated, policy, now)
    due = review_due_at(updated, policy)
    review = (
        f"Review due {when_text(due, now)}."
        if due is not None
        else "No review is required for this severity."
    )
    mitigated = ""
    if incident.mitigated_at is not None:
        mitigated = (
            f" (mitigated after {duration_text(incident.mitigated_at - incident.declared_at)})"
        )
    text: tuple[Part, ...] = (
        "✅ Resolved by ",
        Mention(actor),
        f" after {duration_text(took)}{mitigated}." + (f" {summary}" if summary else ""),
        f"\n{review}\nStatus reminders stopped. `/incident review` drafts the review.",
    )
    messages = (
        to_channel(
            updated,
            MessageKind.RESOLVED,
            text,
            tone=Tone.SUCCESS,
            facts=core_facts(updated, policy, now),
        ),
        Message(
            kind=MessageKind.RESOLUTION_ANNOUNCEMENT,
            audience=Audience.ANNOUNCE,
            incident=incident.number,
            title=f"✅ Resolved: {shared_headline(updated)}",
            text=(
                f"Resolved after {duration_text(took)}."
                + (f" {summary}" if summary and not incident.private else ""),
            ),
            tone=Tone.SUCCESS,
        ),
        *breach,
    )
    return Decision(
        incident=updated,
        events=(
            e.IncidentResolved(
                number=incident.number,
                at=now,
                severity=incident.severity,
                declared_at=incident.declared_at,
            ),
        ),
        messages=messages,
    )


def close_incident(
    incident: Incident, command: c.Command, actor: Person, now: datetime, policy: Policy
) -> Decision:
    assert isinstance(command, c.Close)
    if incident.is_active:
        raise NotAllowedInPhase(
            f"#{incident.number} is still in {incident.phase.value}. Resolve it first: `/incident resolve <summary>`."
        )
    needs_review = (
        review_due_after(incident, policy) is not None and incident.review_done_at is None
    )
    if needs_review and not command.force:
        held = incident.highest_severity
        reached = f", reached {held.label}" if held < incident.severity else ""
        raise NotAllowedInPhase(
            f"#{incident.number} ({incident.severity.label}{reached}) needs its post-incident review before it closes. "
            "Draft it with `/incident review`, then `/incident review done <link>`; "
            "the incident commander can skip it with `/incident close --force`."
        )
    # Who may force a close is the access rules' call (incidents/access.py).
    updated = replace(incident, phase=Phase.CLOSED, closed_at=now)
    forced = command.force and needs_review
    updated = stamp(
        updated,
        now,
        actor,
        EntryKind.CLOSED,
        "Closed without a review (forced)" if forced else "Closed",
        forced=str(forced).lower(),
    )
    message = to_channel(
        updated,
        MessageKind.CLOSED,
        (
            "🔒 #",
            str(incident.number),
            " closed by ",
            Mention(actor),
            " (review skipped)." if forced else ".",
        ),
    )
    return Decision(
        incident=updated,
        events=(e.IncidentClosed(number=incident.number, at=now, forced=forced),),
        messages=(message,),
    )


ENDING_HANDLERS: dict[type[c.Command], Handler] = {
    c.MarkMitigated: mark_mitigated,
    c.Resolve: resolve_incident,
    c.Close: close_incident,
}
