"""The response policy as data: every target, window, interval and escalation step."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import MappingProxyType
from typing import TypeVar

from incidents.calendar import DEFAULT_BUSINESS_HOURS, BusinessHours
from incidents.components import StatusPagePolicy
from incidents.phase import Phase
from incidents.severity import Severity
from incidents.timefmt import duration_text

K = TypeVar("K")
V = TypeVar("V")


class PageTarget(enum.StrEnum):
    """Who an escalation step pages."""

    PRIMARY = "primary"
    BACKUP = "backup"
    EVERYONE = "everyone"


@dataclass(frozen=True, slots=True, kw_only=True)
class ResponseTarget:
    """How soon an incident must be acknowledged: a duration or a number of business days."""

    duration: timedelta | None = None
    business_days: int = 0

    @property
    def counts_business_days(self) -> bool:
        """True for a target in business days: such incidents wait for business hours."""
        return self.duration is None

    def deadline(
        self,
        declared_at: datetime,
        holidays: frozenset[date],
        business_hours: BusinessHours = DEFAULT_BUSINESS_HOURS,
    ) -> datetime:
        """When the target ends for an incident declared at `declared_at`."""
        if self.duration is not None:
            return declared_at + self.duration
        return business_hours.add_days(declared_at, self.business_days, holidays)

    def describe(self) -> str:
        """Human wording, e.g. `1 h` or `1 business day`."""
        if self.duration is not None:
            return duration_text(self.duration)
        plural = "" if self.business_days == 1 else "s"
        return f"{self.business_days} business day{plural}"


@dataclass(frozen=True, slots=True, kw_only=True)
class EscalationStep:
    """Page `target` when a page is still unacknowledged `after` the declaration.

    For a severity whose response target counts business days, `after` is business time from
    the first business moment at or after the declaration (`Policy.page_due`).
    """

    after: timedelta
    target: PageTarget


@dataclass(frozen=True, slots=True, kw_only=True)
class PhaseWindow:
    """The span after declaration during which an incident is expected to be in a phase."""

    start: timedelta
    end: timedelta


def _frozen(mapping: Mapping[K, V]) -> Mapping[K, V]:
    return MappingProxyType(dict(mapping))


DEFAULT_RESPONSE_TARGETS: Mapping[Severity, ResponseTarget] = _frozen(
    {
        Severity.SEV0: ResponseTarget(duration=timedelta(minutes=15)),
        Severity.SEV1: ResponseTarget(duration=timedelta(hours=1)),
        Severity.SEV2: ResponseTarget(duration=timedelta(hours=4)),
        Severity.SEV3: ResponseTarget(business_days=1),
    }
)

DEFAULT_PHASE_WINDOWS: Mapping[Phase, PhaseWindow] = _frozen(
    {
        Phase.DETECTION: PhaseWindow(start=timedelta(0), end=timedelta(minutes=15)),
        Phase.TRIAGE: PhaseWindow(start=timedelta(minutes=15), end=timedelta(minutes=30)),
        Phase.INVESTIGATION: PhaseWindow(start=timedelta(minutes=30), end=timedelta(hours=2)),
        Phase.MITIGATION: PhaseWindow(start=timedelta(hours=2), end=timedelta(hours=4)),
        Phase.RESOLUTION: PhaseWindow(start=timedelta(hours=4), end=timedelta(hours=24)),
        Phase.POST_INCIDENT: PhaseWindow(start=timedelta(hours=24), end=timedelta(hours=48)),
    }
)

DEFAULT_EXTERNAL_FIRST_NOTICE: Mapping[Severity, timedelta] = _frozen(
    {Severity.SEV0: timedelta(hours=1), Severity.SEV1: timedelta(hours=1)}
)
DEFAULT_EXTERNAL_INTERVAL: Mapping[Severity, timedelta] = _frozen(
    {Severity.SEV0: timedelta(hours=2), Severity.SEV1: timedelta(hours=4)}
)
DEFAULT_REVIEW_DUE: Mapping[Severity, timedelta] = _frozen(
    {Severity.SEV0: timedelta(hours=48), Severity.SEV1: timedelta(hours=48)}
)
DEFAULT_ESCALATION: Mapping[Severity, tuple[EscalationStep, ...]] = _frozen(
    {
        # All hands: every member at once, the primary named as first responder.
        Severity.SEV0: (EscalationStep(after=timedelta(0), target=PageTarget.EVERYONE),),
        Severity.SEV1: (
            EscalationStep(after=timedelta(0), target=PageTarget.PRIMARY),
            EscalationStep(after=timedelta(minutes=15), target=PageTarget.BACKUP),
            EscalationStep(after=timedelta(minutes=30), target=PageTarget.EVERYONE),
        ),
        Severity.SEV2: (
            EscalationStep(after=timedelta(0), target=PageTarget.PRIMARY),
            EscalationStep(after=timedelta(hours=1), target=PageTarget.BACKUP),
            EscalationStep(after=timedelta(hours=2), target=PageTarget.EVERYONE),
        ),
        # In business hours: at once, or at the next opening (the SEV-3 target is 1 business day).
        Severity.SEV3: (EscalationStep(after=timedelta(0), target=PageTarget.PRIMARY),),
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Policy:
    """Every number the response process runs on; the defaults are the documented ones."""

    response_targets: Mapping[Severity, ResponseTarget] = field(
        default_factory=lambda: DEFAULT_RESPONSE_TARGETS
    )
    phase_windows: Mapping[Phase, PhaseWindow] = field(
        default_factory=lambda: DEFAULT_PHASE_WINDOWS
    )
    status_interval: timedelta = timedelta(minutes=30)
    external_first_notice: Mapping[Severity, timedelta] = field(
        default_factory=lambda: DEFAULT_EXTERNAL_FIRST_NOTICE
    )
    external_interval: Mapping[Severity, timedelta] = field(
        default_factory=lambda: DEFAULT_EXTERNAL_INTERVAL
    )
    review_due: Mapping[Severity, timedelta] = field(default_factory=lambda: DEFAULT_REVIEW_DUE)
    escalation: Mapping[Severity, tuple[EscalationStep, ...]] = field(
        default_factory=lambda: DEFAULT_ESCALATION
    )
    warning_fraction: float = 0.8
    holidays: frozenset[date] = field(default_factory=frozenset)
    business_hours: BusinessHours = DEFAULT_BUSINESS_HOURS  # for business-day severities
    status_page_url: str | None = None  # linked from external-update reminders
    status_page: StatusPagePolicy = field(default_factory=StatusPagePolicy)  # its components

    def response_deadline(self, severity: Severity, declared_at: datetime) -> datetime:
        """When an incident of `severity` declared at `declared_at` must be acknowledged."""
        return self.response_targets[severity].deadline(
            declared_at, self.holidays, self.business_hours
        )

    def response_warning_at(self, severity: Severity, declared_at: datetime) -> datetime:
        """When to warn that the response target is near.

        For a business-day target the warning comes the same share of a working day before
        the deadline, so a SEV-3 declared on Friday is not warned about on Sunday.
        """
        target = self.response_targets[severity]
        deadline = target.deadline(declared_at, self.holidays, self.business_hours)
        if target.duration is not None:
            return self.warning_at(declared_at, deadline)
        return deadline - timedelta(days=target.business_days) * (1 - self.warning_fraction)

    def warning_at(self, start: datetime, deadline: datetime) -> datetime:
        """The moment to warn before `deadline`, at `warning_fraction` of the span."""
        return start + (deadline - start) * self.warning_fraction

    def business_hours_for(self, severity: Severity) -> BusinessHours | None:
        """The business hours that pages and reminders of `severity` keep to: those of a
        severity whose response target counts business days; None: round the clock."""
        target = self.response_targets[severity]
        return self.business_hours if target.counts_business_days else None

    def page_due(self, severity: Severity, declared_at: datetime, after: timedelta) -> datetime:
        """When an escalation step `after` the declaration pages.

        Round the clock that is `declared_at + after`; in business hours it is `after` of
        business time from the first business moment at or after the declaration, so a SEV-3
        declared on Friday evening pages at the next opening, not at 3 a.m. or at its deadline.
        """
        hours = self.business_hours_for(severity)
        if hours is None:
            return declared_at + after
        return hours.after(declared_at, after, self.holidays)
