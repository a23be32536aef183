"""The default response policy, and that a custom policy changes what the timers compute."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from incidents.calendar import BusinessHours
from incidents.phase import Phase
from incidents.policy import (
    EscalationStep,
    PageTarget,
    PhaseWindow,
    Policy,
    ResponseTarget,
)
from incidents.severity import Severity
from incidents.timers import TimerKind

from .helpers import FRIDAY, ONCALL, POLICY, T0, hours, minutes, opened, timers


@pytest.mark.parametrize(
    ("severity", "target"),
    [
        (Severity.SEV0, minutes(15)),
        (Severity.SEV1, hours(1)),
        (Severity.SEV2, hours(4)),
    ],
)
def test_default_response_targets(severity: Severity, target: timedelta) -> None:
    """SEV-0 must be acknowledged within 15 min, SEV-1 1 h, SEV-2 4 h."""
    assert POLICY.response_deadline(severity, T0) == T0 + target


def test_sev3_response_target_is_one_business_day() -> None:
    """SEV-3 is due the next business day at the same time: Monday → Tuesday."""
    assert POLICY.response_deadline(Severity.SEV3, T0) == T0 + timedelta(days=1)
    assert POLICY.response_targets[Severity.SEV3].describe() == "1 business day"


def test_sev3_declared_friday_is_due_monday() -> None:
    """A SEV-3 declared Friday 14:00 must be acknowledged by Monday 14:00."""
    assert POLICY.response_deadline(Severity.SEV3, FRIDAY) == datetime(
        2026, 11, 30, 14, 0, tzinfo=UTC
    )


def test_sev3_response_skips_policy_holidays() -> None:
    """A holiday in the policy pushes the SEV-3 deadline past it."""
    policy = Policy(holidays=frozenset({date(2026, 11, 30)}))
    assert policy.response_deadline(Severity.SEV3, FRIDAY) == datetime(
        2026, 12, 1, 14, 0, tzinfo=UTC
    )


def test_response_target_wording() -> None:
    """Targets read as people say them."""
    assert POLICY.response_targets[Severity.SEV0].describe() == "15 min"
    assert POLICY.response_targets[Severity.SEV1].describe() == "1 h"
    assert ResponseTarget(business_days=2).describe() == "2 business days"


@pytest.mark.parametrize(
    ("phase", "start", "end"),
    [
        (Phase.DETECTION, timedelta(0), minutes(15)),
        (Phase.TRIAGE, minutes(15), minutes(30)),
        (Phase.INVESTIGATION, minutes(30), hours(2)),
        (Phase.MITIGATION, hours(2), hours(4)),
        (Phase.RESOLUTION, hours(4), hours(24)),
        (Phase.POST_INCIDENT, hours(24), hours(48)),
    ],
)
def test_default_phase_windows(phase: Phase, start: timedelta, end: timedelta) -> None:
    """Each phase has its window after declaration: 15m, 30m, 2h, 4h, 24h, 48h."""
    assert POLICY.phase_windows[phase] == PhaseWindow(start=start, end=end)


def test_closed_has_no_window() -> None:
    """Closed is not timed."""
    assert Phase.CLOSED not in POLICY.phase_windows


def test_status_interval_and_warning_fraction() -> None:
    """Status updates are expected every 30 min; warnings come at 80 % of a span."""
    assert POLICY.status_interval == minutes(30)
    assert POLICY.warning_at(T0, T0 + hours(1)) == T0 + minutes(48)


@pytest.mark.parametrize(
    ("severity", "first", "interval"),
    [(Severity.SEV0, hours(1), hours(2)), (Severity.SEV1, hours(1), hours(4))],
)
def test_external_updates_for_sev0_and_sev1(
    severity: Severity, first: timedelta, interval: timedelta
) -> None:
    """SEV-0/1 need a first external notice within 1 h, then every 2 h / 4 h."""
    assert POLICY.external_first_notice[severity] == first
    assert POLICY.external_interval[severity] == interval


@pytest.mark.parametrize("severity", [Severity.SEV2, Severity.SEV3])
def test_no_external_updates_or_review_for_sev2_and_sev3(severity: Severity) -> None:
    """SEV-2/3 need neither external updates nor a post-incident review."""
    assert severity not in POLICY.external_first_notice
    assert severity not in POLICY.external_interval
    assert severity not in POLICY.review_due


@pytest.mark.parametrize("severity", [Severity.SEV0, Severity.SEV1])
def test_review_due_48h_for_sev0_and_sev1(severity: Severity) -> None:
    """SEV-0/1 reviews are due 48 h after resolution."""
    assert POLICY.review_due[severity] == hours(48)


@pytest.mark.parametrize(
    ("severity", "steps"),
    [
        (Severity.SEV0, [(timedelta(0), PageTarget.EVERYONE)]),  # all hands at once
        (
            Severity.SEV1,
            [
                (timedelta(0), PageTarget.PRIMARY),
                (minutes(15), PageTarget.BACKUP),
                (minutes(30), PageTarget.EVERYONE),
            ],
        ),
        (
            Severity.SEV2,
            [
                (timedelta(0), PageTarget.PRIMARY),
                (hours(1), PageTarget.BACKUP),
                (hours(2), PageTarget.EVERYONE),
            ],
        ),
    ],
)
def test_default_escalation_steps(
    severity: Severity, steps: list[tuple[timedelta, PageTarget]]
) -> None:
    """Escalation pages primary, then backup, then everyone, on the documented schedule; a
    SEV-0 pages everyone at once."""
    policy_steps = POLICY.escalation[severity]
    assert [(s.after, s.target) for s in policy_steps] == steps
    assert POLICY.business_hours_for(severity) is None


def test_sev3_escalation_is_primary_only_in_business_hours() -> None:
    """SEV-3 pages only the primary, as soon as business hours allow (Mon-Fri 09-17 UTC)."""
    (step,) = POLICY.escalation[Severity.SEV3]
    assert (step.after, step.target) == (timedelta(0), PageTarget.PRIMARY)
    assert POLICY.business_hours_for(Severity.SEV3) == BusinessHours()
    assert BusinessHours().describe() == "MON-FRI 09:00-17:00 UTC"


def test_default_policy_mappings_are_read_only() -> None:
    """The documented defaults cannot be changed by accident at run time."""
    with pytest.raises(TypeError):
        POLICY.response_targets[Severity.SEV1] = ResponseTarget(duration=hours(9))  # type: ignore[index]  # writing is the point: it must fail


def test_custom_policy_changes_what_timers_compute() -> None:
    """A policy with other numbers moves the response, status and escalation timers."""
    policy = Policy(
        response_targets={
            **POLICY.response_targets,
            Severity.SEV1: ResponseTarget(duration=minutes(20)),
        },
        status_interval=minutes(10),
        warning_fraction=0.5,
        escalation={
            **POLICY.escalation,
            Severity.SEV1: (
                POLICY.escalation[Severity.SEV1][0],
                EscalationStep(after=minutes(3), target=PageTarget.BACKUP),
            ),
        },
    )
    incident = opened(Severity.SEV1, oncall=ONCALL, policy=policy)
    pending = timers(incident, policy)
    assert pending[TimerKind.RESPONSE_BREACH].due_at == T0 + minutes(20)
    assert pending[TimerKind.RESPONSE_WARNING].due_at == T0 + minutes(10)
    assert pending[TimerKind.STATUS_REMINDER].due_at == T0 + minutes(10)
    assert pending["escalation:1"].due_at == T0 + minutes(3)
    assert "escalation:2" not in pending
    default = timers(opened(Severity.SEV1, oncall=ONCALL))
    assert default[TimerKind.RESPONSE_BREACH].due_at == T0 + hours(1)


def test_custom_policy_with_sev2_external_updates() -> None:
    """Giving SEV-2 an external cadence makes SEV-2 incidents get external-update timers."""
    policy = Policy(
        external_first_notice={Severity.SEV2: hours(3)},
        external_interval={Severity.SEV2: hours(6)},
    )
    incident = opened(Severity.SEV2, policy=policy)
    assert timers(incident, policy)[TimerKind.EXTERNAL_UPDATE].due_at == T0 + hours(3)
    assert TimerKind.EXTERNAL_UPDATE not in timers(opened(Severity.SEV2))
