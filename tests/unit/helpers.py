"""Shared builders for the unit tests: fixed instants and incidents built through the handlers.

A fake clock in the pure core is just the datetimes passed in: every helper takes `at`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from incidents import commands as c
from incidents.decision import Decision
from incidents.handlers import execute, open_incident
from incidents.model import Incident, OnCall, Role
from incidents.policy import Policy
from incidents.severity import Severity
from incidents.timers import TimerSpec, pending_timers

T0 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # a Monday
FRIDAY = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)
SATURDAY = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
SUNDAY = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
POLICY = Policy()

MARIA = "console:maria"  # declares incidents
SAM = "console:sam"  # on call (primary), usually the incident commander
LI = "console:li"  # backup
ANA = "console:ana"
ONCALL = OnCall(rotation="maintainers", primary=SAM, backup=LI, everyone=(SAM, LI, ANA))


def minutes(count: float) -> timedelta:
    """`count` minutes."""
    return timedelta(minutes=count)


def hours(count: float) -> timedelta:
    """`count` hours."""
    return timedelta(hours=count)


def declare(
    severity: Severity = Severity.SEV1,
    *,
    at: datetime = T0,
    title: str = "Checkout is failing",
    number: int = 42,
    oncall: OnCall | None = None,
    policy: Policy = POLICY,
) -> Decision:
    """Open an incident through the real handler."""
    return open_incident(
        c.OpenIncident(severity=severity, title=title),
        number=number,
        actor=MARIA,
        now=at,
        policy=policy,
        oncall=oncall,
    )


def opened(
    severity: Severity = Severity.SEV1,
    *,
    at: datetime = T0,
    oncall: OnCall | None = None,
    policy: Policy = POLICY,
) -> Incident:
    """The incident `declare` creates."""
    return declare(severity, at=at, oncall=oncall, policy=policy).incident


def act(
    incident: Incident,
    command: c.Command,
    *,
    at: datetime,
    actor: str = SAM,
    policy: Policy = POLICY,
) -> Incident:
    """Apply a command through `execute` and return the new incident."""
    return execute(incident, command, actor=actor, now=at, policy=policy).incident


def fire(incident: Incident, key: str, *, now: datetime, policy: Policy = POLICY) -> Decision:
    """Fire the timer `key` at `now`, as the scheduler would."""
    return execute(incident, c.FireTimer(key=key, due_at=now), actor=SAM, now=now, policy=policy)


def timers(incident: Incident, policy: Policy = POLICY) -> dict[str, TimerSpec]:
    """The pending timers by key."""
    return {spec.key: spec for spec in pending_timers(incident, policy)}


def resolved(
    severity: Severity = Severity.SEV1, *, at: datetime = T0 + timedelta(hours=1)
) -> Incident:
    """An incident declared at T0, acknowledged and led by SAM, resolved at `at`."""
    incident = opened(severity)
    incident = act(incident, c.Acknowledge(), at=T0 + timedelta(minutes=3))
    incident = act(
        incident,
        c.AssignRole(role=Role.INCIDENT_COMMANDER, user=SAM),
        at=T0 + timedelta(minutes=4),
    )
    return act(incident, c.Resolve(summary="Rolled back"), at=at)
