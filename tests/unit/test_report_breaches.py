"""`sevbot report` counts every phase window the review marks missed, resolution included."""

from __future__ import annotations

from bot.report import figures
from incidents import commands as c
from incidents.review import Verdict, review_facts
from tests.unit.helpers import MARIA, POLICY, T0, act, declare, hours


def test_a_late_resolution_counts_as_a_phase_breach() -> None:
    """Mitigated within the hour, resolved after 30 h: the resolution window (to 24 h) was
    missed, as the review says and chat announced; the report counts it."""
    incident = declare().incident
    incident = act(incident, c.MarkMitigated(summary="Failed over"), at=T0 + hours(1), actor=MARIA)
    incident = act(incident, c.Resolve(summary="Fixed"), at=T0 + hours(30), actor=MARIA)
    now = T0 + hours(31)
    missed = [
        span.phase.value
        for span in review_facts(incident, POLICY, now).phases
        if span.verdict is Verdict.MISSED
    ]
    assert "resolution" in missed
    assert figures("SEV-1", [incident], POLICY, now).phase_breaches == len(missed)
