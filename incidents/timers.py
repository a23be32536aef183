"""What is due when: a pure function of (incident, policy, now) that lists pending timers.

The application stores these as durable rows and re-derives them whenever the incident
changes. One-shot timers that fired are remembered on the incident (`fired_timers`, keyed by
name and due time), so re-deriving never brings one back; recurring reminders remember when
they last fired, so a reminder missed several times during downtime fires once.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from incidents.model import EntryKind, Incident
from incidents.phase import Phase
from incidents.policy import PageTarget, Policy


class TimerKind(enum.StrEnum):
    """The kinds of durable timer."""

    STATUS_REMINDER = "status-reminder"
    EXTERNAL_UPDATE = "external-update"
    RESPONSE_WARNING = "response-warning"
    RESPONSE_BREACH = "response-breach"
    PHASE_WARNING = "phase-warning"
    PHASE_BREACH = "phase-breach"
    ESCALATION = "escalation"
    REVIEW_REMINDER = "review-reminder"
    REVIEW_DUE = "review-due"


RECURRING = frozenset({TimerKind.STATUS_REMINDER, TimerKind.EXTERNAL_UPDATE})
REVIEW_REMINDER_NOTICE = timedelta(hours=24)  # the review reminder comes this long before due


@dataclass(frozen=True, slots=True, kw_only=True)
class TimerSpec:
    """A timer that should exist: a unique key per incident, its kind and its due time."""

    key: str
    kind: TimerKind
    due_at: datetime
    deadline: datetime | None = None
    phase: Phase | None = None
    step: int | None = None

    @property
    def fired_key(self) -> str:
        """The mark left on the incident once this one-shot timer fired."""
        return f"{self.key}@{self.due_at.isoformat()}"


def recurring_due(
    base: datetime, first: timedelta, interval: timedelta, last_fired: datetime | None
) -> datetime:
    """The first of base+first, base+first+interval, ... that is after `last_fired`."""
    due = base + first
    if last_fired is not None and last_fired >= due and interval > timedelta(0):
        periods = (last_fired - due) // interval + 1
        due += interval * periods
    return due


def pending_timers(incident: Incident, policy: Policy) -> tuple[TimerSpec, ...]:
    """Every timer the incident should have now, earliest first."""
    specs: list[TimerSpec] = []
    if incident.phase is Phase.CLOSED:
        return ()
    if incident.is_active:
        specs.extend(_activity_timers(incident, policy))
        specs.extend(_response_timers(incident, policy))
        specs.extend(_phase_timers(incident, policy))
        specs.extend(_escalation_timers(incident, policy))
    specs.extend(_review_timers(incident, policy))
    pending = [s for s in specs if s.kind in RECURRING or s.fired_key not in incident.fired_timers]
    return tuple(sorted(pending, key=lambda s: (s.due_at, s.key)))


def _shown_timers(incident: Incident, policy: Policy) -> list[TimerSpec]:
    """The pending timers `next_deadline` can show (reminders, breaches, the review's due
    time), in no order: `pending_timers` without the warnings and escalation steps, which it
    would compute (business-hours calendar arithmetic, on-call wall clocks) only to drop."""
    if incident.phase is Phase.CLOSED:
        return []
    specs: list[TimerSpec] = []
    if incident.is_active:
        specs.extend(_activity_timers(incident, policy))
        specs.extend(_response_timers(incident, policy, warning=False))
        specs.extend(_phase_timers(incident, policy, warning=False))
    specs.extend(_review_timers(incident, policy, reminder=False))
    return [s for s in specs if s.kind in RECURRING or s.fired_key not in incident.fired_timers]


def _activity_timers(incident: Incident, policy: Policy) -> list[TimerSpec]:
    """Status and external-update reminders; a business-hours severity's wait for opening."""
    specs = [
        TimerSpec(
            key=TimerKind.STATUS_REMINDER.value,
            kind=TimerKind.STATUS_REMINDER,
            due_at=_reminder_due(
                incident,
                policy,
                incident.last_status_update_at or incident.declared_at,
                policy.status_interval,
                policy.status_interval,
                incident.last_status_reminder_at,
            ),
        )
    ]
    first = policy.external_first_notice.get(incident.severity)
    interval = policy.external_interval.get(incident.severity)
    if first is not None and interval is not None:
        last_external = incident.last_external_update_at
        specs.append(
            TimerSpec(
                key=TimerKind.EXTERNAL_UPDATE.value,
                kind=TimerKind.EXTERNAL_UPDATE,
                due_at=_reminder_due(
                    incident,
                    policy,
                    last_external or incident.declared_at,
                    interval if last_external else first,
                    interval,
                    incident.last_external_reminder_at,
                ),
            )
        )
    return specs


def _reminder_due(
    incident: Incident,
    policy: Policy,
    base: datetime,
    first: timedelta,
    interval: timedelta,
    last_fired: datetime | None,
) -> datetime:
    """When a recurring reminder is next due. Round the clock: on the grid from `base`. In
    business hours: `interval` after the last reminder (or `first` after `base`), and after
    hours at the next opening, so the weekend is quiet and Monday starts with one reminder."""
    hours = policy.business_hours_for(incident.severity)
    if hours is None or interval <= timedelta(0):
        return recurring_due(base, first, interval, last_fired)
    due = base + first
    if last_fired is not None and last_fired >= due:
        due = last_fired + interval
    return hours.next_open(due, policy.holidays)


def _response_timers(
    incident: Incident, policy: Policy, *, warning: bool = True
) -> list[TimerSpec]:
    if incident.acknowledged_at is not None:
        return []
    deadline = policy.response_deadline(incident.severity, incident.declared_at)
    breach = TimerSpec(
        key=TimerKind.RESPONSE_BREACH.value,
        kind=TimerKind.RESPONSE_BREACH,
        due_at=deadline,
        deadline=deadline,
    )
    if not warning:
        return [breach]
    return [
        TimerSpec(
            key=TimerKind.RESPONSE_WARNING.value,
            kind=TimerKind.RESPONSE_WARNING,
            due_at=policy.response_warning_at(incident.severity, incident.declared_at),
            deadline=deadline,
        ),
        breach,
    ]


def timer_kind(key: str) -> TimerKind | None:
    """The kind of the timer stored under `key` (`escalation:1` is an escalation step)."""
    try:
        return TimerKind(key.partition(":")[0])
    except ValueError:
        return None


def phase_deadline(incident: Incident, policy: Policy) -> datetime | None:
    """When the current phase's target window ends, if it has one."""
    window = policy.phase_windows.get(incident.phase)
    return None if window is None else incident.declared_at + window.end


def _phase_timers(incident: Incident, policy: Policy, *, warning: bool = True) -> list[TimerSpec]:
    window = policy.phase_windows.get(incident.phase)
    if window is None:
        return []
    entered = incident.phase_entered_at
    deadline = incident.declared_at + window.end
    if deadline <= entered:
        # Entered already late: the review records the miss; announcing it now is noise.
        return []
    warn = policy.warning_at(incident.declared_at + window.start, deadline)
    specs = []
    if warning and warn > entered:
        specs.append(
            TimerSpec(
                key=f"{TimerKind.PHASE_WARNING.value}:{incident.phase.value}",
                kind=TimerKind.PHASE_WARNING,
                due_at=warn,
                deadline=deadline,
                phase=incident.phase,
            )
        )
    specs.append(
        TimerSpec(
            key=f"{TimerKind.PHASE_BREACH.value}:{incident.phase.value}",
            kind=TimerKind.PHASE_BREACH,
            due_at=deadline,
            deadline=deadline,
            phase=incident.phase,
        )
    )
    return specs


def _escalation_timers(incident: Incident, policy: Policy) -> list[TimerSpec]:
    if incident.oncall is None or incident.acknowledged_at is not None:
        return []
    specs = []
    sent = _first_page_sent(incident)
    nobody = incident.oncall.primary is None
    for index, step in enumerate(policy.escalation.get(incident.severity, ())):
        due = policy.page_due(incident.severity, incident.declared_at, step.after)
        # The first page goes out once: with the declaration, or as this timer. One waiting for
        # business hours when the severity is raised is due at once (not skipped as "sent").
        # A first step paging everyone (all hands) counts as sent only once everyone was paged:
        # raised to SEV-0, an incident whose primary alone was paged pages all hands at once.
        if step.target is PageTarget.EVERYONE and index == 0:
            if _everyone_paged(incident):
                continue
        elif index == 0 and (sent or (nobody and due == incident.declared_at)):
            continue
        specs.append(
            TimerSpec(
                key=f"{TimerKind.ESCALATION.value}:{index}",
                kind=TimerKind.ESCALATION,
                due_at=due,
                step=index,
            )
        )
    return specs


def _everyone_paged(incident: Incident) -> bool:
    """True once a page or escalation went to everyone on call."""
    return any(
        entry.kind in (EntryKind.PAGED, EntryKind.ESCALATED) and entry.get("target") == "everyone"
        for entry in incident.timeline
    )


def _first_page_sent(incident: Incident) -> bool:
    """True once the first escalation step went out: with the declaration, or as a timer."""
    return any(
        entry.kind is EntryKind.PAGED
        or (entry.kind is EntryKind.ESCALATED and entry.get("step") == "0")
        for entry in incident.timeline
    )


def _review_timers(incident: Incident, policy: Policy, *, reminder: bool = True) -> list[TimerSpec]:
    if incident.resolved_at is None or incident.review_done_at is not None:
        return []  # before the timeline scan `review_due_after` makes
    due_after = review_due_after(incident, policy)
    if due_after is None:
        return []
    due = incident.resolved_at + due_after
    due_spec = TimerSpec(
        key=TimerKind.REVIEW_DUE.value, kind=TimerKind.REVIEW_DUE, due_at=due, deadline=due
    )
    if not reminder:
        return [due_spec]
    # A day's notice before the due time; halfway there when the review is due sooner.
    remind = max(incident.resolved_at + due_after / 2, due - REVIEW_REMINDER_NOTICE)
    return [
        TimerSpec(
            key=TimerKind.REVIEW_REMINDER.value,
            kind=TimerKind.REVIEW_REMINDER,
            due_at=remind,
            deadline=due,
        ),
        due_spec,
    ]


def review_due_after(incident: Incident, policy: Policy) -> timedelta | None:
    """How long after resolution the review is due: set by the highest severity the incident
    reached, so a later downgrade is recorded but does not lift the obligation."""
    return policy.review_due.get(incident.highest_severity)


def review_due_at(incident: Incident, policy: Policy) -> datetime | None:
    """When the post-incident review is due, if its highest severity needs one and it is resolved."""
    due_after = review_due_after(incident, policy)
    if due_after is None or incident.resolved_at is None:
        return None
    return incident.resolved_at + due_after


def next_deadline(incident: Incident, policy: Policy) -> tuple[str, datetime] | None:
    """The most pressing deadline a person should see: what, and when."""
    candidates: list[tuple[str, datetime]] = []
    # Which of them comes first does not depend on their order: ties on (due time, rank) are
    # the same candidate.
    for spec in _shown_timers(incident, policy):
        if spec.kind is TimerKind.RESPONSE_BREACH:
            candidates.append(("acknowledge", spec.due_at))
        elif spec.kind is TimerKind.PHASE_BREACH and spec.phase is not None:
            candidates.append((f"{spec.phase.value} ends", spec.due_at))
        elif spec.kind is TimerKind.STATUS_REMINDER:
            candidates.append(("status update", spec.due_at))
        elif spec.kind is TimerKind.EXTERNAL_UPDATE:
            candidates.append(("external update", spec.due_at))
        elif spec.kind is TimerKind.REVIEW_DUE:
            candidates.append(("review", spec.due_at))
    priority = ["acknowledge", "status update", "external update", "review"]

    def rank(candidate: tuple[str, datetime]) -> tuple[datetime, int]:
        what = candidate[0]
        return candidate[1], priority.index(what) if what in priority else len(priority)

    return min(candidates, key=rank) if candidates else None
