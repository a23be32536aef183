"""The facts of a post-incident review, computed from the incident's record."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from incidents.model import EntryKind, Incident, TimelineEntry
from incidents.people import Person
from incidents.phase import Phase
from incidents.policy import Policy
from incidents.private import insiders
from incidents.severity import Severity, parse_severity
from incidents.targets import entered_late, resolved_as_window_ended, resolved_before
from incidents.timers import review_due_at


class Verdict(enum.StrEnum):
    """Whether a target was met."""

    MET = "met"
    MISSED = "missed"
    PENDING = "in progress"
    SKIPPED = "skipped"
    NOT_REACHED = "not reached"  # a phase not entered (yet), with none after it reached


@dataclass(frozen=True, slots=True, kw_only=True)
class PhaseSpan:
    """How long an incident spent in a phase, against that phase's target window."""

    phase: Phase
    entered_at: datetime | None
    left_at: datetime | None
    duration: timedelta | None
    window_end: datetime
    verdict: Verdict


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewFacts:
    """Everything the bot knows for the review; people write the rest."""

    incident: Incident
    generated_at: datetime  # the facts hold as of this moment (the closing time, once closed)
    severity_changes: tuple[TimelineEntry, ...]
    time_to_acknowledge: timedelta | None
    time_to_mitigate: timedelta | None
    time_to_resolve: timedelta | None
    response_deadline: datetime
    response_verdict: Verdict
    response_target: str
    response_overshoot: timedelta | None  # how long after the deadline it was acknowledged
    phases: tuple[PhaseSpan, ...]
    review_due: datetime | None
    participants: tuple[Person, ...]
    private: bool = False  # seen only by the people in it, never on the status page
    insiders: tuple[Person, ...] = ()  # who could see it, when private


def _phase_entries(incident: Incident) -> list[tuple[Phase, datetime]]:
    """Every (phase, entered at) in order, from the timeline."""
    moves = [(Phase.DETECTION, incident.declared_at)]
    for entry in incident.timeline:
        if entry.kind is EntryKind.RESOLVED:
            if entry.get("before") != Phase.RESOLUTION.value:  # not when mitigated before
                moves.append((Phase.RESOLUTION, entry.at))
        elif entry.kind is EntryKind.CLOSED:
            moves.append((Phase.CLOSED, entry.at))
        elif entry.kind in (EntryKind.PHASE_CHANGED, EntryKind.REOPENED):
            after = entry.get("after")
            if after is not None:
                moves.append((Phase(after), entry.at))
    return moves


def phase_spans(incident: Incident, policy: Policy, now: datetime) -> tuple[PhaseSpan, ...]:
    """Each windowed phase: first entered, last left, time spent, and met/missed.

    Met when the incident left the phase, or was resolved, before the window ended; missed
    when it did not, or entered the phase after its window ended (the same rules by which chat
    announces each breach, see `incidents.targets`). A phase not entered is skipped when a
    later one was reached, else not reached.
    """
    moves = _phase_entries(incident)
    spans = []
    for phase, window in policy.phase_windows.items():
        window_end = incident.declared_at + window.end
        entered = [at for p, at in moves if p is phase]
        if not entered:
            reached_later = any(list(Phase).index(p) > list(Phase).index(phase) for p, _ in moves)
            verdict = Verdict.SKIPPED if reached_later else Verdict.NOT_REACHED
            spans.append(
                PhaseSpan(
                    phase=phase,
                    entered_at=None,
                    left_at=None,
                    duration=None,
                    window_end=window_end,
                    verdict=verdict,
                )
            )
            continue
        spent = timedelta(0)
        left_at: datetime | None = None
        for index, (p, at) in enumerate(moves):
            if p is not phase:
                continue
            leave = moves[index + 1][1] if index + 1 < len(moves) else None
            spent += (leave or now) - at
            left_at = leave
        if resolved_before(incident, window_end):
            verdict = Verdict.MET
        elif entered_late(incident, policy, phase, entered[-1]):
            verdict = Verdict.MISSED
        elif resolved_as_window_ended(incident, window_end):
            verdict = Verdict.MET  # resolved in time, reopened after the window ended
        elif left_at is None:
            verdict = Verdict.MISSED if now >= window_end else Verdict.PENDING
        else:
            verdict = Verdict.MET if left_at < window_end else Verdict.MISSED
        spans.append(
            PhaseSpan(
                phase=phase,
                entered_at=entered[0],
                left_at=left_at,
                duration=spent,
                window_end=window_end,
                verdict=verdict,
            )
        )
    return tuple(spans)


def severity_at(incident: Incident, moment: datetime) -> Severity:
    """The severity in force at `moment`, replaying the recorded severity changes."""
    severity = incident.severity
    for entry in reversed(incident.timeline):
        if entry.kind is EntryKind.SEVERITY_CHANGED and entry.at > moment:
            before = entry.get("before")
            if before is not None:
                severity = parse_severity(before)
    return severity


def review_facts(incident: Incident, policy: Policy, now: datetime) -> ReviewFacts:
    """Compute the review's facts for `incident` as of `now` (as of closing, once closed).

    A closed incident's facts no longer move with the clock, so its review renders the same
    bytes whenever it is drawn up again.
    """
    if incident.closed_at is not None and incident.closed_at < now:
        now = incident.closed_at
    judged_at = incident.acknowledged_at or now
    judged_severity = severity_at(incident, judged_at)
    deadline = policy.response_deadline(judged_severity, incident.declared_at)
    overshoot: timedelta | None = None
    if incident.acknowledged_at is not None:
        response = Verdict.MET if incident.acknowledged_at <= deadline else Verdict.MISSED
        if response is Verdict.MISSED:
            overshoot = incident.acknowledged_at - deadline
    else:
        response = Verdict.MISSED if now > deadline else Verdict.PENDING

    def since_declared(moment: datetime | None) -> timedelta | None:
        return None if moment is None else moment - incident.declared_at

    return ReviewFacts(
        incident=incident,
        generated_at=now,
        severity_changes=tuple(
            e for e in incident.timeline if e.kind is EntryKind.SEVERITY_CHANGED
        ),
        time_to_acknowledge=since_declared(incident.acknowledged_at),
        time_to_mitigate=since_declared(incident.mitigated_at),
        time_to_resolve=since_declared(incident.resolved_at),
        response_deadline=deadline,
        response_verdict=response,
        response_target=policy.response_targets[judged_severity].describe(),
        response_overshoot=overshoot,
        phases=phase_spans(incident, policy, now),
        review_due=review_due_at(incident, policy),
        participants=incident.participants,
        private=incident.private,
        insiders=insiders(incident) if incident.private else (),
    )
