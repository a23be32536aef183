"""Targets judged one way for chat and the review: the response target and the phase windows.

A phase window is met when the incident left that phase, or was resolved, before the window
ended. Chat announces every miss, once: a timer when the incident is still in the phase as its
window ends, or at once when a phase change comes first (`window_breaches`): entering a phase
whose window has already ended, or leaving one late before its timer fired. The review's
marks (`incidents.review`) use the same rules, so the two never disagree.
"""

from __future__ import annotations

from datetime import datetime

from incidents.decision import stamp
from incidents.messages import Audience, Message, MessageKind, Tone
from incidents.model import EntryKind, Incident
from incidents.phase import Phase
from incidents.policy import Policy
from incidents.severity import Severity
from incidents.timefmt import clock_text, duration_text, exact_duration_text, when_text
from incidents.timers import TimerKind, phase_deadline


def acknowledgement_text(
    severity: Severity, declared_at: datetime, acknowledged_at: datetime, policy: Policy
) -> str:
    """`acknowledged in 3 min (target 1 h)`; past the target, exactly how far past it:
    `acknowledged in 1 min 36 s, 36 s past the 1 min target`. A miss never reads as a match."""
    target = policy.response_targets[severity].describe()
    deadline = policy.response_deadline(severity, declared_at)
    took = acknowledged_at - declared_at
    if acknowledged_at > deadline:
        late = exact_duration_text(acknowledged_at - deadline)
        return f"acknowledged in {exact_duration_text(took)}, {late} past the {target} target"
    return f"acknowledged in {duration_text(took)} (target {target})"


def window_end(incident: Incident, policy: Policy, phase: Phase) -> datetime | None:
    """When `phase`'s window ends for this incident, if the policy gives it one."""
    window = policy.phase_windows.get(phase)
    return None if window is None else incident.declared_at + window.end


def resolved_before(incident: Incident, moment: datetime) -> bool:
    """True when the incident was resolved before `moment` (and not reopened since)."""
    return incident.resolved_at is not None and incident.resolved_at < moment


def resolved_as_window_ended(incident: Incident, end: datetime) -> bool:
    """True when the incident stood resolved as `end` came, even if it was reopened later: its
    stays in a phase up to then were in time."""
    resolved = False
    for entry in incident.timeline:
        if entry.at >= end:
            break
        if entry.kind is EntryKind.RESOLVED:
            resolved = True
        elif entry.kind is EntryKind.REOPENED:
            resolved = False
    return resolved


def entered_late(incident: Incident, policy: Policy, phase: Phase, entered_at: datetime) -> bool:
    """True when entering `phase` at `entered_at` misses its window: the window had ended and
    the incident was not resolved before it did. No timer can announce such a miss."""
    end = window_end(incident, policy, phase)
    return end is not None and entered_at >= end and not resolved_before(incident, end)


def breach_key(phase: Phase) -> str:
    """The key a phase window's breach is recorded under, by its timer or by a phase change."""
    return f"{TimerKind.PHASE_BREACH.value}:{phase.value}"


def window_breaches(
    before: Incident, after: Incident, policy: Policy, now: datetime
) -> tuple[Incident, tuple[Message, ...]]:
    """The window breaches a change (`before` → `after`, at `now`) makes due at once, each said
    once: the phase left (or resolved) after its window ended when no timer said so yet (the
    change came first), and the phase entered after its window had ended."""
    updated = after
    messages: list[Message] = []
    left = before.phase
    end = window_end(before, policy, left)
    leaving = left is not after.phase or not after.is_active
    # Active until now, so not resolved before the window ended: leaving late is the miss.
    if before.is_active and leaving and end is not None and now >= end:
        why = f"while #{after.number} was still in {left.value}"
        updated, said = _breach(updated, left, end, now, why)
        messages += said
    entered = after.phase
    if entered is not left and entered_late(after, policy, entered, now):
        end = window_end(after, policy, entered)
        assert end is not None
        why = f"{duration_text(now - end)} before #{after.number} reached {entered.value}"
        updated, said = _breach(updated, entered, end, now, why)
        messages += said
    return updated, tuple(messages)


def _breach(
    incident: Incident, phase: Phase, end: datetime, now: datetime, why: str
) -> tuple[Incident, tuple[Message, ...]]:
    """Stamp and say the breach of `phase`'s window, unless it was said before."""
    key = breach_key(phase)
    if any(e.kind is EntryKind.BREACH and e.get("timer") == key for e in incident.timeline):
        return incident, ()
    name = phase.value
    updated = stamp(
        incident, now, None, EntryKind.BREACH, f"{name.capitalize()} window missed", timer=key
    )
    message = Message(
        kind=MessageKind.PHASE_BREACH,
        audience=Audience.INCIDENT,
        incident=incident.number,
        text=(f"🚨 The {name} window ended at {clock_text(end, now)} UTC, {why}.",),
        tone=Tone.DANGER,
        rotation=incident.oncall.rotation if incident.oncall else None,
    )
    return updated, (message,)


def window_ends_text(incident: Incident, policy: Policy, now: datetime) -> str:
    """` Triage window ends 14:30 UTC (in 24 min).` while that window is still running."""
    deadline = phase_deadline(incident, policy)
    if deadline is None or not incident.is_active or deadline <= now:
        return ""
    return f" {incident.phase.value.capitalize()} window ends {when_text(deadline, now)}."
