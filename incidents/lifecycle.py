"""Handlers that move an incident through its life: ack, updates, severity, phase, roles,
resolution and closing."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from incidents import commands as c
from incidents import events as e
from incidents.decision import (
    MAX_TEXT,
    Decision,
    Handler,
    checked_text,
    clean,
    stamp,
    to_channel,
)
from incidents.errors import InvalidCommand, NotAllowedInPhase, NotPermitted
from incidents.messages import Audience, Mention, Message, MessageKind, Part, Tone, at_name
from incidents.model import EntryKind, Incident, Role, StatusUpdate
from incidents.people import Person
from incidents.phase import Phase, check_transition
from incidents.policy import Policy
from incidents.timefmt import clock_text, duration_text, when_text
from incidents.timers import phase_deadline, review_due_at
from incidents.wording import core_facts, headline


def _acknowledge(
    incident: Incident, command: c.Command, actor: Person, now: datetime, policy: Policy
) -> Decision:
    if incident.acknowledged_at is not None:
        raise NotAllowedInPhase(
            f"#{incident.number} was already acknowledged by {at_name(incident.acknowledged_by)} "
            f"at {clock_text(incident.acknowledged_at, now)} UTC."
        )
    took = now - incident.declared_at
    target = policy.response_targets[incident.severity].describe()
    updated = replace(incident, acknowledged_at=now, acknowledged_by=actor)
    updated = stamp(
        updated,
        now,
        actor,
        EntryKind.ACKNOWLEDGED,
        f"Acknowledged in {duration_text(took)}",
        seconds=str(int(took.total_seconds())),
    )
    escalation = " Escalation stopped." if incident.oncall is not None else ""
    message = to_channel(
        updated,
        MessageKind.ACKNOWLEDGED,
        (
            "✅ ",
            Mention(actor),
            f" acknowledged in {duration_text(took)} (target {target}).{escalation}",
        ),
        tone=Tone.SUCCESS,
    )
    return Decision(
        incident=updated,
        events=(
            e.IncidentAcknowledged(
                number=incident.number,
                at=now,
                by=actor,
                severity=incident.severity,
                declared_at=incident.declared_at,
            ),
        ),
        messages=(message,),
    )


def _status(
    incident: Incident, command: c.Command, actor: Person, now: datetime, policy: Policy
) -> Decision:
    assert isinstance(command, c.PostStatusUpdate)
    example = (
        "/incident status --external We are investigating"
        if command.external
        else "/incident status Rolled back the deploy; error rate falling"
    )
    text = checked_text(command.text, "A status update", example)
    update = StatusUpdate(at=now, author=actor, text=text, external=command.external)
    updated = replace(incident, status_updates=(*incident.status_updates, update))
    kind = EntryKind.EXTERNAL_UPDATE if command.external else EntryKind.STATUS_UPDATE
    updated = stamp(updated, now, actor, kind, text)
    label = "📣 External update" if command.external else "📝 Status update"
    message = to_channel(
        updated,
        MessageKind.EXTERNAL_UPDATE if command.external else MessageKind.STATUS_UPDATE,
        (f"{label} from ", Mention(actor), ": ", text),
        facts=core_facts(updated, policy, now),
    )
    return Decision(
        incident=updated,
        events=(e.StatusUpdated(number=incident.number, at=now, external=command.external),),
        messages=(message,),
    )


def _severity(
    incident: Incident, command: c.Command, actor: Person, now: datetime, policy: Policy
) -> Decision:
    assert isinstance(command, c.ChangeSeverity)
    before = incident.severity
    if command.severity == before:
        raise InvalidCommand(f"#{incident.number} is already {before.label}.")
    updated = replace(incident, severity=command.severity)
    updated = stamp(
        updated,
        now,
        actor,
        EntryKind.SEVERITY_CHANGED,
        f"Severity {before.label} → {command.severity.label}",
        before=before.label,
        after=command.severity.label,
    )
    target = policy.response_targets[command.severity]
    detail = f" Response target now {target.describe()}"
    if incident.acknowledged_at is None:
        deadline = policy.response_deadline(command.severity, incident.declared_at)
        detail += f": acknowledge by {when_text(deadline, now)}"
    direction = "raised" if command.severity < before else "lowered"
    change: tuple[Part, ...] = (
        f"Severity {direction} {before.label} → {command.severity.label} by ",
        Mention(actor),
        f".{detail}.",
    )
    text: tuple[Part, ...] = (f"{command.severity.emoji} ", *change)
    messages = (
        to_channel(
            updated,
            MessageKind.SEVERITY_CHANGED,
            text,
            facts=core_facts(updated, policy, now),
            tone=Tone.WARNING,
        ),
        Message(
            kind=MessageKind.SEVERITY_ANNOUNCEMENT,
            audience=Audience.ANNOUNCE,
            incident=incident.number,
            title=f"{command.severity.emoji} {headline(updated)}",
            text=change,
        ),
    )
    return Decision(
        incident=updated,
        events=(
            e.SeverityChanged(
                number=incident.number, at=now, before=before, after=command.severity
            ),
        ),
        messages=messages,
    )


def _phase(
    incident: Incident, command: c.Command, actor: Person, now: datetime, policy: Policy
) -> Decision:
    assert isinstance(command, c.ChangePhase)
    check_transition(incident.number, incident.phase, command.phase)
    if command.phase is Phase.RESOLUTION:
        return _resolve(incident, c.Resolve(), actor, now, policy)
    if command.phase is Phase.CLOSED:
        return _close(incident, c.Close(), actor, now, policy)
    before = incident.phase
    reopening = command.phase.is_active and not before.is_active
    updated = replace(incident, phase=command.phase)
    if reopening:
        updated = replace(updated, resolved_at=None, resolution_summary=None, mitigated_at=None)
        updated = stamp(
            updated,
            now,
            actor,
            EntryKind.REOPENED,
            f"Reopened into {command.phase.value}",
            before=before.value,
            after=command.phase.value,
        )
    else:
        updated = stamp(
            updated,
            now,
            actor,
            EntryKind.PHASE_CHANGED,
            f"Phase {before.value} → {command.phase.value}",
            before=before.value,
            after=command.phase.value,
        )
    prefix = "🔁 Reopened" if reopening else "➡️ Phase"
    deadline = phase_deadline(updated, policy)
    ends = ""
    if deadline is not None and updated.is_active:
        ends = f" {command.phase.value.capitalize()} window ends {when_text(deadline, now)}."
    message = to_channel(
        updated,
        MessageKind.PHASE_CHANGED,
        (f"{prefix}: {before.value} → {command.phase.value} (", Mention(actor), f").{ends}"),
        facts=core_facts(updated, policy, now),
    )
    return Decision(
        incident=updated,
        events=(
            e.PhaseChanged(number=incident.number, at=now, before=before, after=command.phase),
        ),
        messages=(message,),
    )


def _role(
    incident: Incident, command: c.Command, actor: Person, now: datetime, policy: Policy
) -> Decision:
    assert isinstance(command, c.AssignRole)
    if command.role is Role.INCIDENT_COMMANDER:
        if incident.incident_commander == command.user:
            raise InvalidCommand(
                f"{at_name(command.user)} is already incident commander of #{incident.number}."
            )
        updated = replace(incident, incident_commander=command.user)
    elif command.role is Role.COMMUNICATIONS_LEAD:
        updated = replace(incident, communications_lead=command.user)
    else:
        if command.user in incident.responders:
            raise InvalidCommand(
                f"{at_name(command.user)} is already a responder on #{incident.number}."
            )
        updated = replace(incident, responders=(*incident.responders, command.user))
    updated = stamp(
        updated,
        now,
        actor,
        EntryKind.ROLE_ASSIGNED,
        f"{at_name(command.user)} is {command.role.label}",
        role=command.role.value,
        user=command.user,
    )
    message = to_channel(
        updated, MessageKind.ROLE_ASSIGNED, (Mention(command.user), f" is {command.role.label}.")
    )
    return Decision(
        incident=updated,
        events=(
            e.RoleAssigned(number=incident.number, at=now, role=command.role, user=command.user),
        ),
        messages=(message,),
    )


def _resolve(
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
    due = review_due_at(updated, policy)
    review = (
        f"Review due {when_text(due, now)}."
        if due is not None
        else "No review is required for this severity."
    )
    text: tuple[Part, ...] = (
        "✅ Resolved by ",
        Mention(actor),
        f" after {duration_text(took)}." + (f" {summary}" if summary else ""),
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
            title=f"✅ Resolved: {headline(updated)}",
            text=(f"Resolved after {duration_text(took)}." + (f" {summary}" if summary else ""),),
            tone=Tone.SUCCESS,
        ),
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


def _close(
    incident: Incident, command: c.Command, actor: Person, now: datetime, policy: Policy
) -> Decision:
    assert isinstance(command, c.Close)
    if incident.is_active:
        raise NotAllowedInPhase(
            f"#{incident.number} is still in {incident.phase.value}. Resolve it first: `/incident resolve <summary>`."
        )
    needs_review = incident.severity in policy.review_due and incident.review_done_at is None
    if needs_review and not command.force:
        raise NotAllowedInPhase(
            f"#{incident.number} ({incident.severity.label}) needs its post-incident review before it closes. "
            "Draft it with `/incident review`, then `/incident review done <link>`; "
            "the incident commander can skip it with `/incident close --force`."
        )
    if command.force and needs_review and incident.incident_commander not in (None, actor):
        raise NotPermitted(
            f"Only the incident commander ({at_name(incident.incident_commander)}) can force-close #{incident.number}."
        )
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


LIFECYCLE_HANDLERS: dict[type[c.Command], Handler] = {
    c.Acknowledge: _acknowledge,
    c.PostStatusUpdate: _status,
    c.ChangeSeverity: _severity,
    c.ChangePhase: _phase,
    c.AssignRole: _role,
    c.Resolve: _resolve,
    c.Close: _close,
}
