"""Review follow-ups in the core: reminder timing, the due-time DM, events for the metrics."""

from __future__ import annotations

from dataclasses import replace

from incidents import commands as c
from incidents import events as e
from incidents.handlers import execute
from incidents.messages import Audience
from incidents.phase import Phase
from incidents.review import review_facts
from incidents.severity import Severity
from incidents.timers import TimerKind

from .helpers import POLICY, SAM, T0, act, fire, hours, minutes, opened, resolved, timers

REMINDER = TimerKind.REVIEW_REMINDER.value
DUE = TimerKind.REVIEW_DUE.value


def test_reminder_comes_a_day_before_a_longer_due_date() -> None:
    """Due 72 h after resolution: reminded 48 h after (24 h ahead), due at 72 h."""
    policy = replace(POLICY, review_due={Severity.SEV1: hours(72)})
    pending = timers(resolved(at=T0 + hours(1)), policy)
    assert pending[REMINDER].due_at == T0 + hours(49)
    assert pending[DUE].due_at == T0 + hours(73)


def test_reminder_comes_halfway_to_a_shorter_due_date() -> None:
    """Due 12 h after resolution: a day's notice is impossible, so halfway, at 6 h."""
    policy = replace(POLICY, review_due={Severity.SEV1: hours(12)})
    pending = timers(resolved(at=T0 + hours(1)), policy)
    assert pending[REMINDER].due_at == T0 + hours(7)
    assert pending[DUE].due_at == T0 + hours(13)


def test_due_time_reminds_the_incident_commander_directly() -> None:
    """At the due time the channel hears it was missed and the IC gets a direct reminder."""
    decision = fire(resolved(), DUE, now=T0 + hours(49))
    channel, direct = decision.messages
    assert (channel.kind, channel.audience) == ("review_overdue", Audience.INCIDENT)
    assert (direct.audience, direct.recipient) == (Audience.DIRECT, SAM)
    assert "`/incident review 42 done <link>`" in direct.plain_text()
    assert decision.events == (
        e.TimerFired(number=42, at=T0 + hours(49), key=DUE, due_at=T0 + hours(49)),
    )


def test_acknowledged_and_resolved_events_carry_what_the_histograms_need() -> None:
    """Both events name the severity and the declaration time, for TTA and TTR."""
    incident = opened(Severity.SEV2)
    acked = execute(incident, c.Acknowledge(), actor=SAM, now=T0 + minutes(7), policy=POLICY)
    (ack,) = acked.events
    assert isinstance(ack, e.IncidentAcknowledged)
    assert (ack.severity, ack.declared_at, ack.at - T0) == (Severity.SEV2, T0, minutes(7))
    done = execute(acked.incident, c.Resolve(), actor=SAM, now=T0 + hours(2), policy=POLICY)
    resolution, missed = done.events  # resolved still in detection: its window was missed
    assert missed == e.WindowMissed(
        number=resolution.number, at=T0 + hours(2), phase=Phase.DETECTION
    )
    assert isinstance(resolution, e.IncidentResolved)
    assert (resolution.severity, resolution.declared_at) == (Severity.SEV2, T0)


def test_closed_incident_facts_are_as_of_closing() -> None:
    """After closing, the facts (and so the review) no longer change with the clock."""
    incident = act(resolved(Severity.SEV2), c.Close(), at=T0 + hours(3))
    soon = review_facts(incident, POLICY, T0 + hours(4))
    later = review_facts(incident, POLICY, T0 + hours(400))
    assert soon == later
    assert soon.generated_at == T0 + hours(3)


def test_facts_name_the_response_target() -> None:
    """The response target in force is described for the review, e.g. `1 h` for SEV-1."""
    assert review_facts(resolved(), POLICY, T0 + hours(2)).response_target == "1 h"
