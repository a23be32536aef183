"""Events: what happened, in the past tense. Handlers elsewhere may react to them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from incidents.model import Role
from incidents.phase import Phase
from incidents.severity import Severity


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Base of every event: which incident, and when."""

    number: int
    at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class IncidentOpened(Event):
    """A new incident was declared."""

    severity: Severity
    title: str


@dataclass(frozen=True, slots=True, kw_only=True)
class IncidentAcknowledged(Event):
    """Someone acknowledged the page (`at - declared_at` is the time to acknowledge)."""

    by: str
    severity: Severity | None = None
    declared_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusUpdated(Event):
    """A status update was posted."""

    external: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class SeverityChanged(Event):
    """The severity changed."""

    before: Severity
    after: Severity


@dataclass(frozen=True, slots=True, kw_only=True)
class PhaseChanged(Event):
    """The incident moved to another phase."""

    before: Phase
    after: Phase


@dataclass(frozen=True, slots=True, kw_only=True)
class RoleAssigned(Event):
    """Someone took a role."""

    role: Role
    user: str


@dataclass(frozen=True, slots=True, kw_only=True)
class IncidentResolved(Event):
    """The incident was resolved (`at - declared_at` is the time to resolve)."""

    severity: Severity | None = None
    declared_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class IncidentClosed(Event):
    """The incident was closed."""

    forced: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class TimelineNoted(Event):
    """A note, action item, pinned message or review link was recorded."""

    kind: str


@dataclass(frozen=True, slots=True, kw_only=True)
class WindowMissed(Event):
    """A phase window's breach was announced by a change (a phase entered or left late) rather
    than by its timer (which says `TimerFired` with the breach's key)."""

    phase: Phase


@dataclass(frozen=True, slots=True, kw_only=True)
class TimerFired(Event):
    """A durable timer fired (reminder, warning, breach, escalation, review due)."""

    key: str
    due_at: datetime | None = None  # when it was due (a recurring timer's key repeats)
