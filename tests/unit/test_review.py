"""The facts of a post-incident review: durations, phase verdicts, response verdict."""

from __future__ import annotations

from datetime import timedelta

from incidents import commands as c
from incidents.model import Incident, Role
from incidents.phase import Phase
from incidents.review import PhaseSpan, Verdict, phase_spans, review_facts
from incidents.severity import Severity

from .helpers import ANA, LI, MARIA, POLICY, SAM, T0, act, hours, minutes, opened


def scripted() -> Incident:
    """SEV-1: ack 3 min, triage at 10 min, investigation at 40 min, SEV-0 at 80, resolved 110."""
    incident = opened(Severity.SEV1)
    incident = act(incident, c.Acknowledge(), at=T0 + minutes(3))
    incident = act(
        incident, c.AssignRole(role=Role.INCIDENT_COMMANDER, user=SAM), at=T0 + minutes(4)
    )
    incident = act(incident, c.ChangePhase(phase=Phase.TRIAGE), at=T0 + minutes(10))
    incident = act(incident, c.ChangePhase(phase=Phase.INVESTIGATION), at=T0 + minutes(40))
    incident = act(
        incident, c.AssignRole(role=Role.RESPONDER, user=ANA), at=T0 + minutes(45), actor=LI
    )
    incident = act(incident, c.ChangeSeverity(severity=Severity.SEV0), at=T0 + minutes(80))
    return act(incident, c.Resolve(summary="Rolled back"), at=T0 + minutes(110))


def spans_by_phase(incident: Incident, now_offset: timedelta) -> dict[Phase, PhaseSpan]:
    """phase_spans keyed by phase, as of T0 + now_offset."""
    return {span.phase: span for span in phase_spans(incident, POLICY, T0 + now_offset)}


def test_durations_since_declaration() -> None:
    """Time to acknowledge and to resolve are measured from the declaration."""
    facts = review_facts(scripted(), POLICY, T0 + hours(3))
    assert facts.time_to_acknowledge == minutes(3)
    assert facts.time_to_resolve == minutes(110)
    assert facts.generated_at == T0 + hours(3)


def test_each_phase_met_missed_skipped_or_pending() -> None:
    """Each windowed phase is judged by when it was left against its window's end."""
    spans = spans_by_phase(scripted(), hours(3))
    detection = spans[Phase.DETECTION]
    assert (detection.entered_at, detection.left_at) == (T0, T0 + minutes(10))
    assert detection.duration == minutes(10)
    assert detection.window_end == T0 + minutes(15)
    assert detection.verdict is Verdict.MET
    assert spans[Phase.TRIAGE].verdict is Verdict.MISSED  # left at 40, window ended at 30
    assert spans[Phase.TRIAGE].duration == minutes(30)
    assert spans[Phase.INVESTIGATION].verdict is Verdict.MET  # left at 110, window ends at 120
    assert spans[Phase.INVESTIGATION].duration == minutes(70)
    mitigation = spans[Phase.MITIGATION]
    assert mitigation.verdict is Verdict.SKIPPED
    assert (mitigation.entered_at, mitigation.duration) == (None, None)
    resolution = spans[Phase.RESOLUTION]
    assert resolution.verdict is Verdict.MET  # resolved at 110 min, window ends at 24 h
    assert resolution.duration == minutes(70)
    assert spans[Phase.POST_INCIDENT].verdict is Verdict.NOT_REACHED  # never entered


def test_phase_still_open_after_its_window_is_missed() -> None:
    """A phase the incident is still in after its window ended counts as missed."""
    incident = act(opened(), c.ChangePhase(phase=Phase.INVESTIGATION), at=T0 + minutes(20))
    assert spans_by_phase(incident, hours(1))[Phase.INVESTIGATION].verdict is Verdict.PENDING
    assert spans_by_phase(incident, hours(3))[Phase.INVESTIGATION].verdict is Verdict.MISSED
    assert spans_by_phase(incident, hours(3))[Phase.TRIAGE].verdict is Verdict.SKIPPED


def test_phases_cover_every_windowed_phase_in_order() -> None:
    """The review lists detection to post-incident, in order."""
    spans = phase_spans(scripted(), POLICY, T0 + hours(3))
    assert [s.phase for s in spans] == [
        Phase.DETECTION,
        Phase.TRIAGE,
        Phase.INVESTIGATION,
        Phase.MITIGATION,
        Phase.RESOLUTION,
        Phase.POST_INCIDENT,
    ]


def test_reopened_phase_adds_up_both_stays() -> None:
    """A phase entered twice (after a reopen) counts both stays and is judged on the last exit."""
    incident = act(opened(), c.ChangePhase(phase=Phase.INVESTIGATION), at=T0 + minutes(30))
    incident = act(incident, c.Resolve(), at=T0 + hours(1))
    incident = act(incident, c.ChangePhase(phase=Phase.INVESTIGATION), at=T0 + hours(2))
    incident = act(incident, c.Resolve(), at=T0 + hours(3))
    investigation = spans_by_phase(incident, hours(4))[Phase.INVESTIGATION]
    assert investigation.entered_at == T0 + minutes(30)
    assert investigation.left_at == T0 + hours(3)
    assert investigation.duration == minutes(90)
    assert investigation.verdict is Verdict.MISSED


def test_closing_skips_post_incident_and_ends_resolution() -> None:
    """Closing straight from resolution ends the resolution phase and skips post-incident."""
    incident = act(opened(Severity.SEV2), c.Resolve(), at=T0 + hours(1))
    incident = act(incident, c.Close(), at=T0 + hours(5))
    spans = spans_by_phase(incident, hours(6))
    assert spans[Phase.RESOLUTION].left_at == T0 + hours(5)
    assert spans[Phase.RESOLUTION].verdict is Verdict.MET
    assert spans[Phase.POST_INCIDENT].verdict is Verdict.SKIPPED


def test_response_met_missed_and_pending() -> None:
    """Acknowledged within the target is met, later is missed; unacknowledged is pending, then missed."""
    met = act(opened(), c.Acknowledge(), at=T0 + minutes(59))
    assert review_facts(met, POLICY, T0 + hours(2)).response_verdict is Verdict.MET
    late = act(opened(), c.Acknowledge(), at=T0 + minutes(70))
    assert review_facts(late, POLICY, T0 + hours(2)).response_verdict is Verdict.MISSED
    unacknowledged = opened()
    assert review_facts(unacknowledged, POLICY, T0 + minutes(30)).response_verdict is (
        Verdict.PENDING
    )
    facts = review_facts(unacknowledged, POLICY, T0 + hours(2))
    assert facts.response_verdict is Verdict.MISSED
    assert facts.time_to_acknowledge is None
    assert facts.time_to_resolve is None
    assert facts.response_deadline == T0 + hours(1)


def test_severity_changes_are_listed() -> None:
    """Every severity change, and only those, appears with its before and after."""
    facts = review_facts(scripted(), POLICY, T0 + hours(3))
    (change,) = facts.severity_changes
    assert (change.get("before"), change.get("after")) == ("SEV-1", "SEV-0")
    assert change.at == T0 + minutes(80)
    assert change.actor == SAM


def test_review_due_and_participants() -> None:
    """The review is due 48 h after resolution; participants are everyone who took part."""
    facts = review_facts(scripted(), POLICY, T0 + hours(3))
    assert facts.review_due == T0 + minutes(110) + hours(48)
    assert facts.participants == (MARIA, SAM, LI, ANA)
