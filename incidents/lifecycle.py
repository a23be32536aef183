"""Handlers that move an incident through its life: ack, updates, severity, phase, roles.
Its end (mitigated, resolved, closed) is in `incidents.ending`."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from incidents import commands as c
from incidents import events as e
from incidents.decision import (
    Decision,
    Handler,
    checked_text,
    clean,
    stamp,
    to_channel,
)
from incidents.ending import close_incident, mark_mitigated
from incidents.errors import InvalidCommand, NotAllowedInPhase
from incidents.examples import example_of
from incidents.messages import Audience, Mention, Message, MessageKind, Part, Tone, at_name
from incidents.model import EntryKind, Incident, Role, StatusUpdate
from incidents.people import Person
from incidents.phase import Phase, check_transition
from incidents.policy import Policy
from incidents.targets import acknowledgement_text, window_breaches, window_ends_text
from incidents.text import has_visible
from incidents.timefmt import clock_text, duration_text, when_text
from incidents.timers import review_due_at
from incidents.wording import core_facts, shared_headline

MAX_TITLE = 200  # as an incident's own title


def _acknowledge(
    incident: Incident, command: c.Command, actor: Person, now: datetime, policy: Policy
) -> Decision:
    if incident.acknowledged_at is not None:
        raise NotAllowedInPhase(
            f"#{incident.number} was already acknowledged by {at_name(incident.acknowledged_by)} "
            f"at {clock_text(incident.acknowledged_at, now)} UTC."
        )
    took = now - incident.declared_at
    said = acknowledgement_text(incident.severity, incident.declared_at, now, policy)
    late = now > policy.response_deadline(incident.severity, incident.declared_at)
    updated = replace(incident, acknowledged_at=now, acknowledged_by=actor)
    updated = stamp(
        updated,
        now,
        actor,
        EntryKind.ACKNOWLEDGED,
        # Late, the record says by how much; on time, the target is in the review beside it.
        f"A{said[1:]}" if late else f"Acknowledged in {duration_text(took)}",
        seconds=str(int(took.total_seconds())),
    )
    # Escalation runs only while the incident is active; after resolution there is none to stop.
    running = incident.oncall is not None and incident.is_active
    escalation = " Escalation stopped." if running else ""
    message = to_channel(
        updated,
        MessageKind.ACKNOWLEDGED,
        ("✅ ", Mention(actor), f" {said}.{escalation}"),
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
    shown = example_of(command)  # the external form for an external update
    text = checked_text(command.text, "A status update", shown)
    title = _public_title(command)
    same_kind = [u for u in incident.status_updates if u.external == command.external]
    update = StatusUpdate(
        at=now,
        author=actor,
        text=text,
        external=command.external,
        number=len(same_kind) + 1,
        title=title,
    )
    updated = replace(incident, status_updates=(*incident.status_updates, update))
    kind = EntryKind.EXTERNAL_UPDATE if command.external else EntryKind.STATUS_UPDATE
    updated = stamp(updated, now, actor, kind, text, **({"title": title} if title else {}))
    label = "📣 External update" if command.external else "📝 Status update"
    published = f"\nPublic title: {title}" if title else ""
    message = to_channel(
        updated,
        MessageKind.EXTERNAL_UPDATE if command.external else MessageKind.STATUS_UPDATE,
        (f"{label} from ", Mention(actor), ": ", text + published),
        facts=core_facts(updated, policy, now),
    )
    return Decision(
        incident=updated,
        events=(e.StatusUpdated(number=incident.number, at=now, external=command.external),),
        messages=(message,),
    )


def _public_title(command: c.PostStatusUpdate) -> str | None:
    """The public title an external update publishes, checked; None when it publishes none."""
    if command.title is None:
        return None
    if not command.external:
        raise InvalidCommand(
            "`--title` names what customers read, so it goes with an external update: "
            '`/incident status --external --title "Degraded checkout" We are on it`.'
        )
    title = " ".join(clean(command.title).split())
    if not has_visible(title):
        raise InvalidCommand('A public title needs some text, e.g. `--title "Degraded checkout"`.')
    if len(title) > MAX_TITLE:
        raise InvalidCommand(
            f"That public title is {len(title)} characters; keep it under {MAX_TITLE}."
        )
    return title


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
    detail = _running_deadlines(incident, updated, policy, now)
    direction = "raised" if command.severity < before else "lowered"
    change: tuple[Part, ...] = (
        f"Severity {direction} {before.label} → {command.severity.label} by ",
        Mention(actor),
        f".{detail}",
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
            title=f"{command.severity.emoji} {shared_headline(updated)}",
            # A private incident's change is told without who made it or what it means.
            text=(f"Severity {direction} {before.label} → {command.severity.label}.",)
            if incident.private
            else change,
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


def _running_deadlines(before: Incident, after: Incident, policy: Policy, now: datetime) -> str:
    """What a severity change does to the deadlines still running, and nothing else: the
    response target while unacknowledged and active; the review once resolved."""
    said = ""
    if after.is_active and after.acknowledged_at is None:
        target = policy.response_targets[after.severity].describe()
        deadline = policy.response_deadline(after.severity, after.declared_at)
        if deadline > now:
            said += f" Response target now {target}: acknowledge by {when_text(deadline, now)}."
        else:
            said += (
                f" Response target now {target}, which ended at {clock_text(deadline, now)} UTC: "
                "acknowledge now."
            )
    due = review_due_at(after, policy)
    if not after.is_active and due is not None and after.review_done_at is None:
        held = after.highest_severity
        still = "still" if review_due_at(before, policy) == due else "now"
        review = f"review is {still} due {when_text(due, now)}."
        if held < after.severity:
            said += f" It reached {held.label}, so its {review}"
        else:
            said += f" R{review[1:]}"
    return said


def _phase(
    incident: Incident, command: c.Command, actor: Person, now: datetime, policy: Policy
) -> Decision:
    assert isinstance(command, c.ChangePhase)
    check_transition(incident.number, incident.phase, command.phase)
    if command.phase is Phase.RESOLUTION:
        return mark_mitigated(incident, c.MarkMitigated(), actor, now, policy)
    if command.phase is Phase.CLOSED:
        return close_incident(incident, c.Close(), actor, now, policy)
    if command.phase is Phase.POST_INCIDENT and incident.is_active:
        raise NotAllowedInPhase(
            f"#{incident.number} is mitigated but not resolved yet. "
            "Resolve it first: `/incident resolve <summary>`."
        )
    before = incident.phase
    reopening = command.phase.is_active and not incident.is_active
    updated = replace(incident, phase=command.phase)
    if before is Phase.RESOLUTION and not reopening:
        # Back from resolution while still open: the mitigation did not hold.
        updated = replace(updated, mitigated_at=None)
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
    updated, breach = window_breaches(incident, updated, policy, now)
    message = to_channel(
        updated,
        MessageKind.PHASE_CHANGED,
        (
            f"{prefix}: {before.value} → {command.phase.value} (",
            Mention(actor),
            f").{window_ends_text(updated, policy, now)}",
        ),
        facts=core_facts(updated, policy, now),
    )
    return Decision(
        incident=updated,
        events=(
            e.PhaseChanged(number=incident.number, at=now, before=before, after=command.phase),
        ),
        messages=(message, *breach),
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


LIFECYCLE_HANDLERS: dict[type[c.Command], Handler] = {
    c.Acknowledge: _acknowledge,
    c.PostStatusUpdate: _status,
    c.ChangeSeverity: _severity,
    c.ChangePhase: _phase,
    c.AssignRole: _role,
}
