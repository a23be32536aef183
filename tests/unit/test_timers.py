"""What is due when: reminders, warnings, breaches, escalation and review timers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from incidents import commands as c
from incidents import events as e
from incidents.handlers import execute
from incidents.messages import Audience, Everyone, Mention
from incidents.model import EntryKind, Incident, Role
from incidents.people import Person
from incidents.phase import Phase
from incidents.severity import Severity
from incidents.timers import (
    TimerKind,
    next_deadline,
    pending_timers,
    recurring_due,
    review_due_at,
)

from .helpers import (
    ANA,
    FRIDAY,
    LI,
    ONCALL,
    POLICY,
    SAM,
    T0,
    act,
    declare,
    fire,
    hours,
    minutes,
    opened,
    resolved,
    timers,
)

STATUS = TimerKind.STATUS_REMINDER.value
EXTERNAL = TimerKind.EXTERNAL_UPDATE.value
WARNING = TimerKind.RESPONSE_WARNING.value
BREACH = TimerKind.RESPONSE_BREACH.value
REVIEW_REMINDER = TimerKind.REVIEW_REMINDER.value
REVIEW_DUE = TimerKind.REVIEW_DUE.value


# Status reminders


def test_status_reminder_30_min_after_declaration() -> None:
    """A new incident is reminded to post a status update 30 min after it was declared."""
    assert timers(opened())[STATUS].due_at == T0 + minutes(30)


def test_each_status_update_resets_the_reminder() -> None:
    """The reminder is 30 min after the latest status update, internal or external."""
    incident = act(opened(), c.PostStatusUpdate(text="Looking"), at=T0 + minutes(20))
    assert timers(incident)[STATUS].due_at == T0 + minutes(50)
    incident = act(
        incident, c.PostStatusUpdate(text="Rolling back", external=True), at=T0 + minutes(45)
    )
    assert timers(incident)[STATUS].due_at == T0 + minutes(75)


def test_after_a_reminder_fires_the_next_is_30_min_later() -> None:
    """Firing the reminder posts it and moves the next one 30 min on."""
    decision = fire(opened(), STATUS, now=T0 + minutes(30))
    (message,) = decision.messages
    assert message.kind == "status_reminder"
    assert Mention(SAM) not in message.text  # nobody leads yet: the declarer is reminded
    assert "no status update for 30 min" in message.plain_text()
    assert decision.incident.timeline[-1].kind is EntryKind.REMINDER
    assert decision.incident.timeline[-1].at == T0 + minutes(30)
    assert timers(decision.incident)[STATUS].due_at == T0 + minutes(60)


def test_reminder_speaks_to_the_incident_commander() -> None:
    """Once there is an incident commander, the reminder mentions them."""
    incident = act(
        opened(), c.AssignRole(role=Role.INCIDENT_COMMANDER, user=SAM), at=T0 + minutes(2)
    )
    (message,) = fire(incident, STATUS, now=T0 + minutes(30)).messages
    assert message.text[1] == Mention(SAM)


def test_reminder_missed_for_three_intervals_fires_once() -> None:
    """After downtime the reminder fires once, and the next one is after now."""
    now = T0 + minutes(100)  # due at +30, +60 and +90 were all missed
    decision = fire(opened(), STATUS, now=now)
    assert len(decision.messages) == 1
    assert "no status update for 1 h 40 min" in decision.messages[0].plain_text()
    next_due = timers(decision.incident)[STATUS].due_at
    assert next_due > now
    assert next_due == T0 + minutes(120)
    again = fire(decision.incident, STATUS, now=now)
    assert again.messages == ()
    assert again.incident == decision.incident


@pytest.mark.parametrize(
    ("last_fired", "expected"),
    [
        (None, T0 + minutes(30)),
        (T0 + minutes(10), T0 + minutes(30)),
        (T0 + minutes(30), T0 + minutes(60)),
        (T0 + minutes(59), T0 + minutes(60)),
        (T0 + minutes(100), T0 + minutes(120)),
    ],
)
def test_recurring_due_is_the_first_slot_after_the_last_firing(
    last_fired: datetime | None, expected: datetime
) -> None:
    """recurring_due skips every slot at or before the last firing."""
    assert recurring_due(T0, minutes(30), minutes(30), last_fired) == expected


def test_no_status_reminder_after_resolution() -> None:
    """Resolving stops status and external reminders and all response/phase timers."""
    pending = timers(resolved())
    assert STATUS not in pending
    assert EXTERNAL not in pending
    assert not any(
        spec.kind in (TimerKind.RESPONSE_BREACH, TimerKind.PHASE_BREACH, TimerKind.PHASE_WARNING)
        for spec in pending.values()
    )


# Response target


@pytest.mark.parametrize(
    ("severity", "warn", "breach"),
    [
        (Severity.SEV0, minutes(12), minutes(15)),
        (Severity.SEV1, minutes(48), minutes(60)),
        (Severity.SEV2, hours(3.2), hours(4)),
    ],
)
def test_response_warning_at_80_percent_and_breach_at_target(
    severity: Severity, warn: timedelta, breach: timedelta
) -> None:
    """An unacknowledged incident warns at 80 % of its response target and breaches at it."""
    pending = timers(opened(severity))
    assert pending[WARNING].due_at == T0 + warn
    assert pending[BREACH].due_at == T0 + breach
    assert pending[BREACH].deadline == T0 + breach


def test_acknowledging_removes_response_timers() -> None:
    """Once acknowledged, neither the response warning nor the breach is pending."""
    incident = act(opened(), c.Acknowledge(), at=T0 + minutes(3))
    assert WARNING not in timers(incident)
    assert BREACH not in timers(incident)


def test_response_warning_fires_with_the_deadline() -> None:
    """The warning says the target and when it ends."""
    decision = fire(opened(), WARNING, now=T0 + minutes(48))
    (message,) = decision.messages
    assert message.kind == "response_warning"
    assert "Response target for SEV-1 (1 h) ends 15:00 UTC (in 12 min)" in message.plain_text()
    assert decision.incident.timeline[-1].kind is EntryKind.WARNING


def test_response_breach_also_tells_the_oncall_channel() -> None:
    """A breach posts in the incident channel and, with a rotation, in the on-call channel."""
    decision = fire(opened(oncall=ONCALL), BREACH, now=T0 + hours(1))
    assert [m.audience for m in decision.messages] == [Audience.INCIDENT, Audience.ONCALL]
    assert all(m.kind == "response_breach" for m in decision.messages)
    assert "not acknowledged within 1 h" in decision.messages[0].plain_text()
    assert decision.incident.timeline[-1].kind is EntryKind.BREACH


def test_sev3_response_deadline_over_a_weekend() -> None:
    """A SEV-3 declared Friday 14:00 breaches Monday 14:00 and warns Monday morning, not Sunday."""
    pending = timers(opened(Severity.SEV3, at=FRIDAY))
    monday = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
    assert pending[BREACH].due_at == monday
    assert pending[WARNING].due_at == datetime(2026, 11, 30, 9, 12, tzinfo=UTC)


def test_severity_change_retargets_response_timers() -> None:
    """Raising SEV-2 to SEV-1 moves the response deadline from 4 h to 1 h after declaration."""
    incident = opened(Severity.SEV2)
    assert timers(incident)[BREACH].due_at == T0 + hours(4)
    assert EXTERNAL not in timers(incident)
    raised = act(incident, c.ChangeSeverity(severity=Severity.SEV1), at=T0 + minutes(10))
    pending = timers(raised)
    assert pending[BREACH].due_at == T0 + hours(1)
    assert pending[WARNING].due_at == T0 + minutes(48)
    assert pending[EXTERNAL].due_at == T0 + hours(1)


def test_lowering_severity_retargets_too() -> None:
    """Lowering SEV-1 to SEV-2 gives the 4 h target and drops external updates."""
    lowered = act(opened(), c.ChangeSeverity(severity=Severity.SEV2), at=T0 + minutes(10))
    assert timers(lowered)[BREACH].due_at == T0 + hours(4)
    assert EXTERNAL not in timers(lowered)


# Phase windows


def test_phase_timers_for_detection_at_declaration() -> None:
    """A new incident warns at 80 % of the detection window and breaches at 15 min."""
    pending = timers(opened())
    assert pending["phase-warning:detection"].due_at == T0 + minutes(12)
    assert pending["phase-breach:detection"].due_at == T0 + minutes(15)
    assert pending["phase-breach:detection"].phase is Phase.DETECTION


def test_phase_timers_follow_the_current_phase_only() -> None:
    """After moving to triage only triage's window is timed, from its start and end."""
    incident = act(opened(), c.ChangePhase(phase=Phase.TRIAGE), at=T0 + minutes(5))
    phase_keys = {k for k in timers(incident) if k.startswith("phase-")}
    assert phase_keys == {"phase-warning:triage", "phase-breach:triage"}
    assert timers(incident)["phase-warning:triage"].due_at == T0 + minutes(27)
    assert timers(incident)["phase-breach:triage"].due_at == T0 + minutes(30)


def test_no_phase_timers_when_entered_after_the_deadline() -> None:
    """A phase entered after its window ended gets no warning or breach: the review records it."""
    incident = act(opened(), c.ChangePhase(phase=Phase.TRIAGE), at=T0 + minutes(35))
    assert not [k for k in timers(incident) if k.startswith("phase-")]


def test_no_phase_warning_when_entered_after_the_warning_time() -> None:
    """A phase entered between its warning time and deadline gets only the breach."""
    incident = act(opened(), c.ChangePhase(phase=Phase.TRIAGE), at=T0 + minutes(28))
    phase_keys = {k for k in timers(incident) if k.startswith("phase-")}
    assert phase_keys == {"phase-breach:triage"}


def test_phase_warning_and_breach_messages() -> None:
    """The warning says how long is left; the breach names the phase and the way on."""
    warning = fire(opened(), "phase-warning:detection", now=T0 + minutes(12))
    assert warning.messages[0].kind == "phase_warning"
    assert "Detection window ends at 14:15 UTC (3 min left)" in warning.messages[0].plain_text()
    breach = fire(warning.incident, "phase-breach:detection", now=T0 + minutes(15))
    assert breach.messages[0].kind == "phase_breach"
    assert "#42 is still in detection" in breach.messages[0].plain_text()


# External updates


def test_external_update_first_within_one_hour_for_sev1() -> None:
    """A SEV-1 is reminded of its first external notice 1 h after declaration."""
    assert timers(opened(Severity.SEV1))[EXTERNAL].due_at == T0 + hours(1)


def test_external_update_every_4h_after_the_last_for_sev1() -> None:
    """After an external update, the next is due 4 h after it (2 h for SEV-0)."""
    sev1 = act(
        opened(Severity.SEV1),
        c.PostStatusUpdate(text="Investigating", external=True),
        at=T0 + minutes(50),
    )
    assert timers(sev1)[EXTERNAL].due_at == T0 + minutes(50) + hours(4)
    sev0 = act(
        opened(Severity.SEV0),
        c.PostStatusUpdate(text="Investigating", external=True),
        at=T0 + minutes(50),
    )
    assert timers(sev0)[EXTERNAL].due_at == T0 + minutes(50) + hours(2)


def test_internal_update_does_not_count_as_external() -> None:
    """An internal status update leaves the external-update reminder where it was."""
    incident = act(opened(), c.PostStatusUpdate(text="Looking"), at=T0 + minutes(10))
    assert timers(incident)[EXTERNAL].due_at == T0 + hours(1)


def test_external_reminder_fired_without_update_repeats_after_interval() -> None:
    """If nobody posts externally, the reminder comes back one interval after it fired."""
    decision = fire(opened(), EXTERNAL, now=T0 + hours(1))
    assert decision.messages[0].kind == "external_update_due"
    assert "first notice within 1 h" in decision.messages[0].plain_text()
    assert timers(decision.incident)[EXTERNAL].due_at == T0 + hours(5)


@pytest.mark.parametrize("severity", [Severity.SEV2, Severity.SEV3])
def test_no_external_update_for_sev2_and_sev3(severity: Severity) -> None:
    """SEV-2/3 incidents have no external-update timer."""
    assert EXTERNAL not in timers(opened(severity))


# Escalation


def test_no_escalation_without_an_oncall_snapshot() -> None:
    """Without an on-call rotation there is nobody to escalate to, so no escalation timers."""
    assert not [k for k in timers(opened()) if k.startswith("escalation")]


def test_sev1_escalation_steps_at_15_and_30_min() -> None:
    """SEV-1 escalates to the backup at 15 min and everyone at 30 min; step 0 was the page."""
    pending = timers(opened(oncall=ONCALL))
    escalations = {k: s.due_at for k, s in pending.items() if k.startswith("escalation")}
    assert escalations == {"escalation:1": T0 + minutes(15), "escalation:2": T0 + minutes(30)}


def test_sev0_pages_everyone_at_once_and_leaves_no_escalation_timer() -> None:
    """SEV-0 pages all hands as it is declared: nobody is left to escalate to later."""
    pending = timers(opened(Severity.SEV0, oncall=ONCALL))
    assert not [key for key in pending if key.startswith("escalation")]


def test_sev3_declared_in_business_hours_pages_the_primary_at_once() -> None:
    """A SEV-3 declared Friday 14:00 UTC pages the primary then; no escalation timer waits."""
    decision = declare(Severity.SEV3, at=FRIDAY, oncall=ONCALL)
    pages = [m for m in decision.messages if m.audience is Audience.DIRECT]
    assert [m.recipient for m in pages] == [SAM]
    assert not [k for k in timers(decision.incident) if k.startswith("escalation")]


def test_sev3_declared_after_hours_pages_at_the_next_opening() -> None:
    """A SEV-3 declared Friday 18:00 UTC pages the primary Monday 09:00, not at its deadline."""
    evening = FRIDAY.replace(hour=18)
    decision = declare(Severity.SEV3, at=evening, oncall=ONCALL)
    assert not [m for m in decision.messages if m.audience is Audience.DIRECT]
    pending = timers(decision.incident)
    assert pending["escalation:0"].due_at == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    assert [k for k in pending if k.startswith("escalation")] == ["escalation:0"]


def test_acknowledging_stops_escalation() -> None:
    """After ack no escalation timer is pending."""
    incident = act(opened(oncall=ONCALL), c.Acknowledge(), at=T0 + minutes(3))
    assert not [k for k in timers(incident) if k.startswith("escalation")]


def test_escalation_to_backup_pages_them_directly() -> None:
    """The backup step mentions the backup in the channel and sends them a direct page."""
    decision = fire(opened(oncall=ONCALL), "escalation:1", now=T0 + minutes(15))
    channel, page = decision.messages
    assert Mention(LI) in channel.text
    assert page.audience is Audience.DIRECT
    assert page.recipient == LI
    assert "No acknowledgement after 15 min" in channel.plain_text()
    entry = decision.incident.timeline[-1]
    assert entry.kind is EntryKind.ESCALATED
    assert entry.get("user") == LI


def test_escalation_to_everyone_pings_the_oncall_channel() -> None:
    """The last step mentions everyone on the rotation and @here in the on-call channel."""
    decision = fire(opened(oncall=ONCALL), "escalation:2", now=T0 + minutes(30))
    channel, oncall_channel = decision.messages
    assert {p for p in channel.text if isinstance(p, Mention)} == {
        Mention(SAM),
        Mention(LI),
        Mention(ANA),
    }
    assert oncall_channel.audience is Audience.ONCALL
    assert Everyone() in oncall_channel.text


def test_sev3_primary_is_paged_once() -> None:
    """A SEV-3 pages the primary once: either at declaration or at the next opening."""
    decision = declare(Severity.SEV3, at=FRIDAY, oncall=ONCALL)
    pages_now = [m for m in decision.messages if m.kind == "page" and m.recipient == SAM]
    pages_later = [k for k in timers(decision.incident) if k.startswith("escalation")]
    assert len(pages_now) + len(pages_later) == 1


# Review


def test_review_reminder_at_24h_and_due_at_48h_for_sev1() -> None:
    """A resolved SEV-1 is reminded of its review after 24 h; it is due after 48 h."""
    incident = resolved(Severity.SEV1, at=T0 + hours(1))
    pending = timers(incident)
    assert pending[REVIEW_REMINDER].due_at == T0 + hours(25)
    assert pending[REVIEW_DUE].due_at == T0 + hours(49)
    assert review_due_at(incident, POLICY) == T0 + hours(49)


def test_review_reminder_goes_to_channel_and_owner() -> None:
    """The reminder posts in the channel and DMs the incident commander."""
    decision = fire(resolved(), REVIEW_REMINDER, now=T0 + hours(25))
    channel, direct = decision.messages
    assert channel.audience is Audience.INCIDENT
    assert direct.audience is Audience.DIRECT
    assert direct.recipient == SAM
    assert "`/incident review done <link>`" in channel.plain_text()


def test_no_review_timers_for_sev2() -> None:
    """SEV-2 needs no review, so no review timers."""
    pending = timers(resolved(Severity.SEV2))
    assert REVIEW_REMINDER not in pending
    assert REVIEW_DUE not in pending
    assert review_due_at(resolved(Severity.SEV2), POLICY) is None


def test_review_timers_gone_once_review_is_done() -> None:
    """Marking the review done removes its reminder and due timers."""
    incident = act(
        resolved(), c.MarkReviewDone(link="https://wiki.example.com/pir-42"), at=T0 + hours(20)
    )
    assert REVIEW_REMINDER not in timers(incident)
    assert REVIEW_DUE not in timers(incident)


def test_review_timers_survive_moving_to_post_incident() -> None:
    """Moving a resolved SEV-1 to post-incident keeps the review reminder and due date."""
    incident = act(resolved(), c.ChangePhase(phase=Phase.POST_INCIDENT), at=T0 + hours(2))
    assert timers(incident)[REVIEW_DUE].due_at == T0 + hours(49)


# Firing rules


def test_fired_one_shot_timer_never_comes_back() -> None:
    """A one-shot timer that fired is remembered and not derived again, even after changes."""
    decision = fire(opened(), WARNING, now=T0 + minutes(48))
    assert WARNING not in timers(decision.incident)
    later = act(decision.incident, c.PostStatusUpdate(text="Still looking"), at=T0 + minutes(50))
    assert WARNING not in timers(later)
    assert BREACH in timers(later)


def test_firing_a_stale_key_changes_nothing() -> None:
    """A timer that no longer applies, or is not due yet, leaves the incident as it was."""
    acknowledged = act(opened(), c.Acknowledge(), at=T0 + minutes(3))
    for key, now in [
        (WARNING, T0 + minutes(48)),  # acknowledged: no longer applies
        ("no-such-timer", T0 + minutes(48)),
        (STATUS, T0 + minutes(10)),  # not due yet
    ]:
        decision = fire(acknowledged, key, now=now)
        assert decision.incident == acknowledged
        assert decision.messages == ()
        assert decision.events == ()


def test_firing_records_a_timer_fired_event() -> None:
    """A timer that fires emits TimerFired with its key, when it fired and when it was due."""
    decision = fire(opened(), STATUS, now=T0 + minutes(31))
    (event,) = decision.events
    assert event == e.TimerFired(
        number=42, at=T0 + minutes(31), key=STATUS, due_at=T0 + minutes(30)
    )


def test_closed_incident_has_no_timers() -> None:
    """Closing ends every timer, and firing one on a closed incident changes nothing."""
    incident = act(resolved(Severity.SEV2), c.Close(), at=T0 + hours(2))
    assert pending_timers(incident, POLICY) == ()
    assert fire(incident, STATUS, now=T0 + hours(3)).incident == incident


def test_pending_timers_are_sorted_by_due_time() -> None:
    """pending_timers lists the earliest first."""
    specs = pending_timers(opened(oncall=ONCALL), POLICY)
    assert [s.due_at for s in specs] == sorted(s.due_at for s in specs)
    assert specs[0].key == "phase-warning:detection"


# Next deadline


def test_next_deadline_picks_the_earliest() -> None:
    """The most pressing deadline is the earliest of ack, phase end, status, external, review."""
    assert next_deadline(opened(), POLICY) == ("detection ends", T0 + minutes(15))
    incident = act(opened(), c.ChangePhase(phase=Phase.INVESTIGATION), at=T0 + minutes(10))
    assert next_deadline(incident, POLICY) == ("status update", T0 + minutes(30))
    incident = act(
        incident, c.PostStatusUpdate(text="Found it", external=True), at=T0 + minutes(40)
    )
    assert next_deadline(incident, POLICY) == ("acknowledge", T0 + hours(1))


def test_next_deadline_after_resolution_is_the_review() -> None:
    """A resolved SEV-1's next deadline is its review; a resolved SEV-2 has none."""
    assert next_deadline(resolved(), POLICY) == ("review", T0 + hours(49))
    assert next_deadline(resolved(Severity.SEV2), POLICY) is None


def test_sev3_status_reminder_waits_for_business_hours() -> None:
    """A SEV-3 declared Friday 18:00 is first reminded Monday 09:00; a SEV-1 at 18:30."""
    evening = FRIDAY.replace(hour=18)
    monday_nine = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    assert timers(opened(Severity.SEV3, at=evening))["status-reminder"].due_at == monday_nine
    sev1 = timers(opened(Severity.SEV1, at=evening))["status-reminder"]
    assert sev1.due_at == evening + minutes(30)


def test_sev3_reminders_go_on_30_min_after_the_one_at_opening() -> None:
    """After Monday's 09:00 reminder the next is 09:30, not the old grid's 09:00 + 0."""
    incident = opened(Severity.SEV3, at=FRIDAY.replace(hour=17, minute=50))
    monday_nine = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    incident = fire(incident, "status-reminder", now=monday_nine).incident
    assert timers(incident)["status-reminder"].due_at == monday_nine + minutes(30)


def test_an_escalation_step_pages_the_oncall_given_as_it_fires() -> None:
    """The application passes who is on call now; the step pages them and keeps them."""
    evening = FRIDAY.replace(hour=18)
    incident = opened(Severity.SEV3, at=evening, oncall=ONCALL)
    now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    handed_off = replace(ONCALL, primary=ANA, backup=SAM)
    decision = execute(
        incident,
        c.FireTimer(key="escalation:0", due_at=now, oncall=handed_off),
        actor=SAM,
        now=now,
        policy=POLICY,
    )
    assert [m.recipient for m in decision.messages if m.audience is Audience.DIRECT] == [ANA]
    assert decision.incident.oncall == handed_off
    entry = decision.incident.timeline[-1]
    assert (entry.text, entry.get("user"), entry.get("rotation")) == (
        "Paged @ana (primary)",
        ANA,
        "maintainers",
    )


def test_a_tool_declarer_is_never_reminded() -> None:
    """Declared by api:alertmanager with nobody on call: the reminder addresses no one."""
    incident = replace(opened(), declared_by=Person("api:alertmanager"))
    (message,) = fire(incident, "status-reminder", now=T0 + minutes(30)).messages
    assert not [p for p in message.text if isinstance(p, Mention)]
    assert message.plain_text().startswith("⏰ No status update for 30 min.")


def test_a_waiting_sev3_page_raised_to_sev1_goes_out_at_once() -> None:
    """Raised on Saturday before its Monday page, the primary is paged now, not never."""
    incident = opened(Severity.SEV3, at=FRIDAY.replace(hour=18), oncall=ONCALL)
    saturday = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    incident = act(incident, c.ChangeSeverity(severity=Severity.SEV1), at=saturday)
    first = timers(incident)["escalation:0"]
    assert first.due_at <= saturday
    pages = [m for m in fire(incident, "escalation:0", now=saturday).messages if m.recipient]
    assert [m.recipient for m in pages] == [SAM]


def _shown_of_pending(incident: Incident) -> tuple[str, datetime] | None:
    """The deadline a person sees, chosen from every pending timer (what `next_deadline`
    computes without the warnings and escalation steps it never shows)."""
    shown = {
        TimerKind.RESPONSE_BREACH: "acknowledge",
        TimerKind.STATUS_REMINDER: "status update",
        TimerKind.EXTERNAL_UPDATE: "external update",
        TimerKind.REVIEW_DUE: "review",
    }
    order = list(shown.values())
    candidates = [
        (shown.get(spec.kind) or f"{spec.phase.value} ends", spec.due_at)
        for spec in pending_timers(incident, POLICY)
        if spec.kind in shown or (spec.kind is TimerKind.PHASE_BREACH and spec.phase)
    ]
    return min(
        candidates,
        key=lambda c: (c[1], order.index(c[0]) if c[0] in order else len(order)),
        default=None,
    )


def test_next_deadline_is_the_most_pressing_pending_timer_shown() -> None:
    """Whatever the severity, hours, on-call, phase, acknowledgement, fired timers or
    resolution, the deadline shown is the one the full list of pending timers gives."""
    evening = FRIDAY.replace(hour=18)
    cases = []
    for severity in Severity:
        for at in (T0, evening):
            incident = opened(severity, at=at, oncall=ONCALL)
            investigating = act(
                incident, c.ChangePhase(phase=Phase.INVESTIGATION), at=at + minutes(10)
            )
            acknowledged = act(investigating, c.Acknowledge(), at=at + minutes(12))
            fired = replace(
                incident,
                fired_timers=frozenset(spec.fired_key for spec in pending_timers(incident, POLICY)),
            )
            cases += [opened(severity, at=at), incident, investigating, acknowledged, fired]
        cases.append(resolved(severity))
    for incident in cases:
        assert next_deadline(incident, POLICY) == _shown_of_pending(incident), incident.severity
