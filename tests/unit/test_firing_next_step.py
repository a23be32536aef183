"""A phase window's breach names the command that moves on: the next phase, or resolve."""

from __future__ import annotations

import pytest

from incidents.firing import _next_step
from incidents.phase import Phase


@pytest.mark.parametrize(
    ("phase", "says"),
    [
        (Phase.DETECTION, "`/incident phase triage`"),
        (Phase.TRIAGE, "`/incident phase investigation`"),
        (Phase.INVESTIGATION, "`/incident phase mitigation`"),
        (Phase.MITIGATION, "`/incident phase resolution`"),
        (Phase.RESOLUTION, "`/incident resolve <summary>`"),
        (Phase.POST_INCIDENT, "`/incident review done <link>`"),
    ],
)
def test_the_breach_names_the_next_command(phase: Phase, says: str) -> None:
    """Never `<next>`: people at 3 a.m. copy the command as written."""
    assert says in _next_step(phase)
    assert "<next>" not in _next_step(phase)
