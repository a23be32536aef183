"""Command handlers: (incident, command, actor, now, policy) → a Decision. Pure functions."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from incidents import commands as c
from incidents import events as e
from incidents.alerts.record import ALERT_HANDLERS
from incidents.all_hands import (
    everyone_of,
    first_responder_text,
    page_everyone,
    pages_everyone_first,
)
from incidents.components import status_for_severity
from incidents.decision import (
    Decision,
    Handler,
    clean,
    reply_to,
    stamp,
    to_channel,
)
from incidents.ending import ENDING_HANDLERS
from incidents.errors import InvalidCommand, NotAllowedInPhase
from incidents.firing import FIRING_HANDLERS
from incidents.lifecycle import LIFECYCLE_HANDLERS
from incidents.messages import (
    SUMMARY_BUTTONS,
    Audience,
    Mention,
    Message,
    MessageKind,
    Part,
    Tone,
    at_name,
)
from incidents.model import EntryKind, Incident, OnCall
from incidents.people import Person
from incidents.phase import Phase
from incidents.policy import Policy
from incidents.publishing import PUBLISHING_HANDLERS, set_component, unseen_note
from incidents.records import RECORD_HANDLERS
from incidents.text import has_visible
from incidents.wording import (
    core_facts,
    first_page_at_declaration,
    headline,
    later_page_text,
    paging_line,
    phase_line,
    response_line,
)

MAX_TITLE = 200
PRIVATE_NOTE = (
    "\n🔒 Private: only the people in it see this channel. The status page never shows it; "
    "#incidents reads its number and severity, not its title.",
)


def summary_message(incident: Incident, policy: Policy, now: datetime) -> Message:
    """The pinned summary in the incident channel, with the action buttons."""
    return to_channel(
        incident,
        MessageKind.SUMMARY,
        (
            *phase_line(incident, policy, now),
            "\n",
            response_line(incident, policy, now),
            "\n",
            *paging_line(incident, policy, now),
            *(PRIVATE_NOTE if incident.private else ()),
        ),
        title=f"{incident.severity.emoji} {incident.severity.label} · {incident.title}",
        facts=core_facts(incident, policy, now),
        buttons=SUMMARY_BUTTONS,
        pin=True,
        tone=Tone.DANGER if incident.severity <= 1 else Tone.WARNING,
    )


def private_announcement(incident: Incident) -> Message:
    """What the incidents channel reads of a private incident: that one was declared, its
    number and severity; never its title, nor who is in it."""
    label = incident.severity.label
    return Message(
        kind=MessageKind.ANNOUNCEMENT,
        audience=Audience.ANNOUNCE,
        incident=incident.number,
        title=f"{incident.severity.emoji} Private {label} #{incident.number}",
        text=(
            f"A private {label} was declared: #{incident.number}. "
            "Only the people in it see its channel and details.",
        ),
        tone=Tone.DANGER if incident.severity <= 1 else Tone.WARNING,
    )


def open_incident(
    command: c.OpenIncident,
    *,
    number: int,
    actor: Person,
    now: datetime,
    policy: Policy,
    origin: str = "console",
    oncall: OnCall | None = None,
    platforms: tuple[str, ...] = (),
) -> Decision:
    """Declare incident `number`: summary, announcement, and the first page. `platforms`:
    every platform it lives on when mirrored (else it lives on `origin`)."""
    title = " ".join(clean(command.title).split())
    if not has_visible(title):  # empty, or only spaces, zero-width and bidi characters
        raise InvalidCommand(
            "An incident needs a title, e.g. `/incident open sev1 Checkout is failing`."
        )
    if len(title) > MAX_TITLE:
        raise InvalidCommand(f"That title is {len(title)} characters; keep it under {MAX_TITLE}.")
    components = policy.status_page.components_named(
        command.components, f"/incident open {command.severity.token} --component Checkout {title}"
    )
    incident = Incident(
        number=number,
        title=title,
        severity=command.severity,
        phase=Phase.DETECTION,
        declared_at=now,
        declared_by=actor,
        origin=origin,
        platforms=platforms if len(platforms) > 1 else (),
        private=command.private,
        oncall=oncall,
    )
    private = " (private)" if command.private else ""
    incident = stamp(
        incident,
        now,
        actor,
        EntryKind.DECLARED,
        f"Declared {command.severity.label}{private}: {title}",
        severity=command.severity.label,
    )
    for name in components:
        incident = set_component(incident, name, status_for_severity(command.severity), actor, now)
    messages: list[Message] = [summary_message(incident, policy, now)]
    announce_line: list[Part] = ["declared by ", Mention(actor), " · IC: unassigned"]
    pages_now = first_page_at_declaration(command.severity, now, policy)
    all_hands = pages_now and oncall is not None and pages_everyone_first(incident, policy)
    if oncall is not None and all_hands and everyone_of(oncall):
        announce_line += [
            f" · paging everyone in {oncall.rotation} at once: ",
            *first_responder_text(oncall),
        ]
        incident, pages = page_everyone(incident, oncall, now)
        messages.extend(pages)
    elif oncall is not None and oncall.primary is not None and pages_now:
        announce_line += [" · on call: ", Mention(oncall.primary), " (primary)"]
        if oncall.backup:
            announce_line += [", ", Mention(oncall.backup), " (backup)"]
    elif oncall is not None and oncall.primary is not None:
        # Whoever holds the role when the page goes out is paged; today's holder may not be.
        announce_line += [" · pages ", later_page_text(incident, policy, now)]
    if oncall is not None and oncall.primary is not None and pages_now and not all_hands:
        incident = stamp(
            incident,
            now,
            None,
            EntryKind.PAGED,
            f"Paged {at_name(oncall.primary)} (primary, rotation {oncall.rotation})",
            target="primary",
            user=oncall.primary,
        )
        messages.append(
            Message(
                kind=MessageKind.PAGE,
                audience=Audience.DIRECT,
                recipient=oncall.primary,
                incident=number,
                text=(
                    "📟 You are paged (primary, ",
                    oncall.rotation,
                    ") for ",
                    headline(incident),
                    ". Acknowledge with `/incident ack ",
                    str(number),
                    "`.",
                ),
                tone=Tone.DANGER,
            )
        )
    announcement = Message(
        kind=MessageKind.ANNOUNCEMENT,
        audience=Audience.ANNOUNCE,
        incident=number,
        title=f"{command.severity.emoji} {headline(incident)}",
        text=tuple(announce_line),
        tone=Tone.DANGER if command.severity <= 1 else Tone.WARNING,
    )
    messages.append(private_announcement(incident) if command.private else announcement)
    return Decision(
        incident=incident,
        events=(e.IncidentOpened(number=number, at=now, severity=command.severity, title=title),),
        messages=tuple(messages),
        reply=reply_to(
            incident,
            f"Opening incident #{number}… its channel is being created.{_shown(incident, policy)}",
            MessageKind.OPENING,
        ),
    )


def _shown(incident: Incident, policy: Policy) -> str:
    """What the status page says of the components an incident opened with, if any."""
    if not incident.components:
        return ""
    said = ", ".join(f"{i.name} {i.status.label}" for i in incident.components)
    return f" Status page: {said}.{unseen_note(incident, policy)}"


def execute(
    incident: Incident, command: c.Command, *, actor: Person, now: datetime, policy: Policy
) -> Decision:
    """Apply `command` to `incident`; raise a DomainError that says what would be valid."""
    # Action items outlive the incident: they are nagged weekly until done, after closing too.
    if incident.phase is Phase.CLOSED and not isinstance(
        command,
        c.FireTimer
        | c.RecordPinnedMessage
        | c.RecordParticipant
        | c.AddActionItem
        | c.CompleteActionItem,
    ):
        raise NotAllowedInPhase(
            f"#{incident.number} is closed. Open a new incident with `/incident open`."
        )
    handler = INCIDENT_HANDLERS.get(type(command))
    if handler is None:
        raise InvalidCommand(f"`{type(command).__name__}` does not apply to an existing incident.")
    decision = handler(incident, command, actor, now, policy)
    if isinstance(command, c.FireTimer):
        return decision  # a breach timer says TimerFired itself
    missed = _windows_missed(incident, decision.incident, now)
    return replace(decision, events=(*decision.events, *missed)) if missed else decision


def _windows_missed(before: Incident, after: Incident, now: datetime) -> tuple[e.Event, ...]:
    """`WindowMissed` for each phase-window breach a change stamped (metrics count them)."""
    added = after.timeline[len(before.timeline) :]
    return tuple(
        e.WindowMissed(number=after.number, at=now, phase=Phase(phase))
        for entry in added
        if entry.kind is EntryKind.BREACH
        for phase in [(entry.get("timer") or "").partition(":")[2]]
        if phase in _PHASES
    )


_PHASES = frozenset(phase.value for phase in Phase)


INCIDENT_HANDLERS: dict[type[c.Command], Handler] = {
    **LIFECYCLE_HANDLERS,
    **ENDING_HANDLERS,
    **RECORD_HANDLERS,
    **PUBLISHING_HANDLERS,
    **FIRING_HANDLERS,
    **ALERT_HANDLERS,
}
"""The domain's handler of each command on an existing incident, timer firings included."""
