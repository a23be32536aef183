"""What happens when a durable timer fires: reminders, warnings, breaches, escalation steps."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from incidents import commands as c
from incidents import events as e
from incidents.all_hands import everyone_of, first_responder_text, page_everyone
from incidents.decision import Decision, Handler, stamp
from incidents.messages import (
    Audience,
    Everyone,
    Mention,
    Message,
    MessageKind,
    Part,
    Tone,
    at_name,
    mention_list,
)
from incidents.model import EntryKind, Incident, OnCall
from incidents.people import Person
from incidents.phase import Phase
from incidents.policy import PageTarget, Policy
from incidents.timefmt import clock_text, duration_text, relative_text, when_text
from incidents.timers import TimerKind, TimerSpec, pending_timers
from incidents.wording import headline, shared_headline


def fire_timer(
    incident: Incident, command: c.Command, actor: Person, now: datetime, policy: Policy
) -> Decision:
    """Act on a due timer. A timer that no longer applies (stale row) changes nothing."""
    assert isinstance(command, c.FireTimer)
    spec = next((s for s in pending_timers(incident, policy) if s.key == command.key), None)
    if spec is None or spec.due_at > now:
        return Decision(incident=incident)
    if spec.kind not in (TimerKind.STATUS_REMINDER, TimerKind.EXTERNAL_UPDATE):
        incident = replace(incident, fired_timers=incident.fired_timers | {spec.fired_key})
    if spec.kind is TimerKind.ESCALATION and command.oncall is not None:
        # A step pages whoever holds the role as it fires: a handoff may have come since.
        incident = replace(incident, oncall=command.oncall)
    fire = _FIRE[spec.kind]
    updated, messages = fire(incident, spec, now, policy)
    return Decision(
        incident=updated,
        events=(e.TimerFired(number=incident.number, at=now, key=spec.key, due_at=spec.due_at),),
        messages=messages,
    )


def _owner(incident: Incident) -> Person | None:
    """Who a reminder speaks to: the incident commander, else whoever acknowledged, else the
    primary on call who was paged, else the declarer. Never a tool (`api:…`): a tool that
    declared reads no reminders. None: nobody to address; the channel is told."""
    candidates = (
        incident.incident_commander,
        incident.acknowledged_by,
        _paged_primary(incident),
        incident.declared_by,
    )
    return next((p for p in candidates if p is not None and not _is_tool(p)), None)


def _is_tool(who: Person) -> bool:
    return Person.stored(who).is_tool  # read back as a Person: old rows may hold plain text


def _paged_primary(incident: Incident) -> Person | None:
    """The primary on call the incident last paged (a page waiting for business hours has
    not gone out: the holder of the role today is not yet involved)."""
    for entry in reversed(incident.timeline):
        user = entry.get("user")
        paged = entry.kind in (EntryKind.PAGED, EntryKind.ESCALATED)
        if paged and entry.get("target") == PageTarget.PRIMARY.value and user:
            return Person.stored(user)
    return None


def _addressed(icon: str, who: Person | None, text: str) -> tuple[Part, ...]:
    """`⏰ @sam, no status update…`; without anyone to address, `⏰ No status update…`."""
    if who is None:
        return (f"{icon} {text[:1].upper()}{text[1:]}",)
    return (f"{icon} ", Mention(who), f", {text}")


def _message(
    incident: Incident,
    kind: MessageKind,
    text: tuple[Part, ...],
    tone: Tone = Tone.WARNING,
    audience: Audience = Audience.INCIDENT,
    recipient: Person | None = None,
) -> Message:
    return Message(
        kind=kind,
        audience=audience,
        incident=incident.number,
        text=text,
        tone=tone,
        recipient=recipient,
        rotation=incident.oncall.rotation if incident.oncall else None,
    )


_Result = tuple[Incident, tuple[Message, ...]]


def _status_reminder(incident: Incident, spec: TimerSpec, now: datetime, policy: Policy) -> _Result:
    since = incident.last_status_update_at or incident.declared_at
    silent = duration_text(now - since)
    updated = replace(incident, last_status_reminder_at=now)
    updated = stamp(
        updated,
        now,
        None,
        EntryKind.REMINDER,
        f"Status reminder: no update for {silent}",
        timer=spec.key,
    )
    text = _addressed(
        "⏰",
        _owner(incident),
        f"no status update for {silent}. What do we know, what are we doing, when is the next update? `/incident status …`",
    )
    return updated, (_message(updated, MessageKind.STATUS_REMINDER, text, Tone.INFO),)


def _external_update(incident: Incident, spec: TimerSpec, now: datetime, policy: Policy) -> _Result:
    updated = replace(incident, last_external_reminder_at=now)
    if incident.last_external_update_at is None:
        first = policy.external_first_notice[incident.severity]
        why = f"first notice within {duration_text(first)}"
    else:
        why = f"every {duration_text(policy.external_interval[incident.severity])}; last {relative_text(incident.last_external_update_at, now)}"
    updated = stamp(
        updated, now, None, EntryKind.REMINDER, f"External update due ({why})", timer=spec.key
    )
    lead = incident.communications_lead
    speaker = lead if lead is not None and not _is_tool(lead) else _owner(incident)
    page = (
        f" It goes to the status page: {policy.status_page_url}" if policy.status_page_url else ""
    )
    if incident.private:
        page = " This incident is private: the status page never shows it."
    text = _addressed(
        "📣",
        speaker,
        f"external update due for {incident.severity.label} ({why}). "
        f"`/incident status --external …`{page}",
    )
    return updated, (_message(updated, MessageKind.EXTERNAL_UPDATE_DUE, text),)


def _response_warning(
    incident: Incident, spec: TimerSpec, now: datetime, policy: Policy
) -> _Result:
    assert spec.deadline is not None
    if now >= spec.deadline:
        return incident, ()
    target = policy.response_targets[incident.severity].describe()
    updated = stamp(
        incident,
        now,
        None,
        EntryKind.WARNING,
        f"Response target ends {clock_text(spec.deadline, now)} UTC",
        timer=spec.key,
    )
    text = (
        f"⚠️ Not acknowledged yet. Response target for {incident.severity.label} ({target}) ends {when_text(spec.deadline, now)}. `/incident ack`",
    )
    return updated, (_message(updated, MessageKind.RESPONSE_WARNING, text),)


def _response_breach(incident: Incident, spec: TimerSpec, now: datetime, policy: Policy) -> _Result:
    target = policy.response_targets[incident.severity].describe()
    updated = stamp(
        incident, now, None, EntryKind.BREACH, f"Response target missed ({target})", timer=spec.key
    )
    text = (
        f"🚨 Response target missed: {headline(incident)} was not acknowledged within {target}. `/incident ack`",
    )
    messages = [_message(updated, MessageKind.RESPONSE_BREACH, text, Tone.DANGER)]
    if incident.oncall is not None:
        shared = (
            f"🚨 Response target missed: {shared_headline(incident)} was not acknowledged within {target}. `/incident ack`",
        )
        messages.append(
            _message(updated, MessageKind.RESPONSE_BREACH, shared, Tone.DANGER, Audience.ONCALL)
        )
    return updated, tuple(messages)


def _phase_warning(incident: Incident, spec: TimerSpec, now: datetime, policy: Policy) -> _Result:
    assert spec.deadline is not None
    assert spec.phase is not None
    if now >= spec.deadline:
        return incident, ()
    left = duration_text(spec.deadline - now)
    name = spec.phase.value.capitalize()
    updated = stamp(
        incident,
        now,
        None,
        EntryKind.WARNING,
        f"{name} window ends {clock_text(spec.deadline, now)} UTC",
        timer=spec.key,
    )
    text = (f"⚠️ {name} window ends at {clock_text(spec.deadline, now)} UTC ({left} left).",)
    return updated, (_message(updated, MessageKind.PHASE_WARNING, text),)


def _phase_breach(incident: Incident, spec: TimerSpec, now: datetime, policy: Policy) -> _Result:
    assert spec.deadline is not None
    assert spec.phase is not None
    name = spec.phase.value
    updated = stamp(
        incident, now, None, EntryKind.BREACH, f"{name.capitalize()} window missed", timer=spec.key
    )
    text = _addressed(
        "🚨",
        _owner(incident),
        f"the {name} window ended at {clock_text(spec.deadline, now)} UTC and #{incident.number} is still in {name}. {_next_step(spec.phase)}",
    )
    return updated, (_message(updated, MessageKind.PHASE_BREACH, text, Tone.DANGER),)


def _next_step(phase: Phase) -> str:
    """What to do when a phase window ends: the next command, named (not `<next>`)."""
    if phase is Phase.RESOLUTION:
        return "Resolve it with `/incident resolve <summary>`, or post an update."
    if phase is Phase.POST_INCIDENT:
        return "Finish the review: `/incident review`, then `/incident review done <link>`."
    order = list(Phase)
    following = order[order.index(phase) + 1]
    return f"Move on with `/incident phase {following.value}` or post an update."


def _all_hands(incident: Incident, oncall: OnCall, now: datetime) -> _Result:
    """A first page to everyone that waited (the severity was raised to one paging all hands):
    everyone by direct message, and the channel hears who leads."""
    updated, pages = page_everyone(incident, oncall, now, step=0)
    text: tuple[Part, ...] = (
        f"📟 Paging everyone in {oncall.rotation} at once: ",
        *mention_list(everyone_of(oncall)),
        ". ",
        *first_responder_text(oncall),
        ". `/incident ack` stops this.",
    )
    return updated, (_message(updated, MessageKind.ESCALATION, text, Tone.DANGER), *pages)


def _escalation(incident: Incident, spec: TimerSpec, now: datetime, policy: Policy) -> _Result:
    oncall = incident.oncall
    assert oncall is not None
    assert spec.step is not None
    step = policy.escalation[incident.severity][spec.step]
    waited = duration_text(now - incident.declared_at)
    messages: list[Message] = []
    if step.target is PageTarget.EVERYONE and spec.step == 0:
        return _all_hands(incident, oncall, now)
    if step.target is PageTarget.EVERYONE:
        people = tuple(oncall.everyone) or tuple(p for p in (oncall.primary, oncall.backup) if p)
        updated = stamp(
            incident,
            now,
            None,
            EntryKind.ESCALATED,
            f"Escalated to everyone in {oncall.rotation}",
            target="everyone",
            step=str(spec.step),
        )
        text: tuple[Part, ...] = (
            f"📟 No acknowledgement after {waited}. Paging everyone on {oncall.rotation}: ",
            *mention_list(people),
            ". `/incident ack` stops this.",
        )
        messages.append(_message(updated, MessageKind.ESCALATION, text, Tone.DANGER))
        messages.append(
            _message(
                updated,
                MessageKind.ESCALATION,
                (
                    Everyone(),
                    f" {shared_headline(incident)} is unacknowledged after {waited}. Can someone take it? `/incident ack {incident.number}`",
                ),
                Tone.DANGER,
                Audience.ONCALL,
            )
        )
        return updated, tuple(messages)
    who = oncall.backup if step.target is PageTarget.BACKUP else oncall.primary
    label = step.target.value
    if who is None:
        updated = stamp(
            incident,
            now,
            None,
            EntryKind.ESCALATED,
            f"No {label} to page in {oncall.rotation}",
            target=label,
            step=str(spec.step),
        )
        return updated, (
            _message(
                updated,
                MessageKind.ESCALATION,
                (
                    f"📟 No acknowledgement after {waited}, and {oncall.rotation} has no {label} on call.",
                ),
                Tone.DANGER,
            ),
        )
    updated = stamp(
        incident,
        now,
        None,
        EntryKind.ESCALATED,
        f"Paged {at_name(who)} ({label})",
        target=label,
        user=who,
        rotation=oncall.rotation,
        step=str(spec.step),
    )
    messages.append(
        _message(
            updated,
            MessageKind.ESCALATION,
            (
                f"📟 No acknowledgement after {waited}. Paging ",
                Mention(who),
                f" ({label}). `/incident ack` stops escalation.",
            ),
            Tone.DANGER,
        )
    )
    messages.append(
        _message(
            updated,
            MessageKind.PAGE,
            (
                f"📟 You are paged ({label}, {oncall.rotation}) for {headline(incident)}: unacknowledged for {waited}. `/incident ack {incident.number}`",
            ),
            Tone.DANGER,
            Audience.DIRECT,
            who,
        )
    )
    return updated, tuple(messages)


def _review_reminder(incident: Incident, spec: TimerSpec, now: datetime, policy: Policy) -> _Result:
    assert spec.deadline is not None
    updated = stamp(
        incident,
        now,
        None,
        EntryKind.REMINDER,
        f"Review due {clock_text(spec.deadline, now)} UTC",
        timer=spec.key,
    )
    owner = _owner(incident)
    text = _addressed(
        "📝",
        owner,
        f"the review of #{incident.number} is due {when_text(spec.deadline, now)}. `/incident review` drafts it; `/incident review done <link>` when it is written.",
    )
    messages = [_message(updated, MessageKind.REVIEW_REMINDER, text, Tone.INFO)]
    if owner is not None:
        messages.append(
            _message(updated, MessageKind.REVIEW_REMINDER, text, Tone.INFO, Audience.DIRECT, owner)
        )
    return updated, tuple(messages)


def _review_due(incident: Incident, spec: TimerSpec, now: datetime, policy: Policy) -> _Result:
    updated = stamp(incident, now, None, EntryKind.BREACH, "Review due date missed", timer=spec.key)
    owner = _owner(incident)
    text: tuple[Part, ...] = (
        "🚨 The review of #",
        str(incident.number),
        " was due now and is not marked done. ",
        *((Mention(owner), ", please") if owner is not None else ("Please",)),
        " finish it: `/incident review done <link>`.",
    )
    reminder = (
        f"📝 The review of {headline(incident)} was due now. `/incident review {incident.number}` "
        f"drafts it; `/incident review {incident.number} done <link>` records the final one.",
    )
    messages = [_message(updated, MessageKind.REVIEW_OVERDUE, text, Tone.DANGER)]
    if owner is not None:
        messages.append(
            _message(
                updated, MessageKind.REVIEW_OVERDUE, reminder, Tone.DANGER, Audience.DIRECT, owner
            )
        )
    return updated, tuple(messages)


_FIRE = {
    TimerKind.STATUS_REMINDER: _status_reminder,
    TimerKind.EXTERNAL_UPDATE: _external_update,
    TimerKind.RESPONSE_WARNING: _response_warning,
    TimerKind.RESPONSE_BREACH: _response_breach,
    TimerKind.PHASE_WARNING: _phase_warning,
    TimerKind.PHASE_BREACH: _phase_breach,
    TimerKind.ESCALATION: _escalation,
    TimerKind.REVIEW_REMINDER: _review_reminder,
    TimerKind.REVIEW_DUE: _review_due,
}


FIRING_HANDLERS: dict[type[c.Command], Handler] = {
    c.FireTimer: fire_timer,
}
