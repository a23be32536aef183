"""Incidents for the store tests, built through the pure core at fixed UTC instants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from incidents import commands as c
from incidents.decision import Decision
from incidents.handlers import execute, open_incident
from incidents.messages import Audience, Message
from incidents.model import Incident, OnCall, Role
from incidents.phase import Phase
from incidents.policy import Policy
from incidents.severity import Severity
from incidents.timers import TimerKind, TimerSpec, pending_timers

T0 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # a Monday
POLICY = Policy()
MARIA = "console:maria"
SAM = "console:sam"
LI = "console:li"
ANA = "console:ana"
ONCALL = OnCall(rotation="maintainers", primary=SAM, backup=LI, everyone=(SAM, LI, ANA))


def minutes(count: float) -> timedelta:
    """`count` minutes."""
    return timedelta(minutes=count)


def declare(number: int, *, at: datetime = T0, severity: Severity = Severity.SEV1) -> Decision:
    """Open incident `number` at `at` through the real handler, with MARIA declaring."""
    return open_incident(
        c.OpenIncident(severity=severity, title=f"Checkout is failing ({number})"),
        number=number,
        actor=MARIA,
        now=at,
        policy=POLICY,
        oncall=ONCALL,
    )


def act(incident: Incident, command: c.Command, *, at: datetime, actor: str = SAM) -> Incident:
    """Apply `command` through `execute` and return the new incident."""
    return execute(incident, command, actor=actor, now=at, policy=POLICY).incident


def eventful(number: int, *, at: datetime = T0) -> Incident:
    """An incident with a fired timer, roles, status updates, action items and a long timeline."""
    incident = declare(number, at=at).incident
    first = pending_timers(incident, POLICY)[0]  # a one-shot timer (the response warning)
    incident = act(incident, c.FireTimer(key=first.key, due_at=first.due_at), at=first.due_at)
    later = first.due_at + minutes(1)
    incident = act(incident, c.Acknowledge(), at=later)
    incident = act(incident, c.AssignRole(role=Role.INCIDENT_COMMANDER, user=SAM), at=later)
    incident = act(incident, c.AssignRole(role=Role.COMMUNICATIONS_LEAD, user=LI), at=later)
    incident = act(incident, c.AssignRole(role=Role.RESPONDER, user=ANA), at=later)
    incident = act(incident, c.PostStatusUpdate(text="Rolled back the deploy"), at=later)
    incident = act(
        incident, c.PostStatusUpdate(text="We are investigating", external=True), at=later
    )
    incident = act(incident, c.AddActionItem(text="Alert on 502s", owner=ANA), at=later)
    incident = act(incident, c.AddActionItem(text="Canary the deploy"), at=later)
    incident = act(incident, c.CompleteActionItem(number=1), at=later + minutes(5))
    return act(incident, c.AddNote(text="Paused the nightly batch ✓ «quotes» 'single'"), at=later)


def closed(number: int, *, at: datetime = T0) -> Incident:
    """An incident declared at `at`, resolved, reviewed and closed within two hours."""
    incident = declare(number, at=at).incident
    incident = act(incident, c.Resolve(summary="Rolled back"), at=at + minutes(30))
    incident = act(incident, c.MarkReviewDone(link="https://wiki.example/pir"), at=at + minutes(60))
    incident = act(incident, c.Close(), at=at + minutes(90))
    assert incident.phase is Phase.CLOSED
    return incident


def note(number: int, text: str) -> Message:
    """A message for incident `number`'s channel whose text says `text`."""
    return Message(kind="note", audience=Audience.INCIDENT, text=(text,), incident=number)


def timer(key: str, due_at: datetime) -> TimerSpec:
    """A status-reminder timer named `key`, due at `due_at`."""
    return TimerSpec(key=key, kind=TimerKind.STATUS_REMINDER, due_at=due_at)
