"""What the public status page derives: overall state, public views, history window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from incidents import commands as c
from incidents.handlers import execute, open_incident
from incidents.model import Incident
from incidents.policy import Policy
from incidents.severity import Severity
from incidents.statuspage import OverallState, impact, overall_state, public_view, status_page

T0 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
POLICY = Policy()
PUBLIC = frozenset({Severity.SEV0, Severity.SEV1, Severity.SEV2})


def _incident(number: int, severity: Severity, at: datetime = T0) -> Incident:
    return open_incident(
        c.OpenIncident(severity=severity, title=f"Incident {number}"),
        number=number,
        actor="slack:U1",
        now=at,
        policy=POLICY,
    ).incident


def _do(incident: Incident, command: c.Command, at: datetime) -> Incident:
    return execute(incident, command, actor="slack:U1", now=at, policy=POLICY).incident


def test_state_is_worst_open_severity() -> None:
    """SEV-0/1 open → major outage; only SEV-2/3 → degraded; nothing open → operational."""
    assert overall_state([]) is OverallState.OPERATIONAL
    assert overall_state([public_view(_incident(1, Severity.SEV2))]) is OverallState.DEGRADED
    both = [public_view(_incident(1, Severity.SEV2)), public_view(_incident(2, Severity.SEV1))]
    assert overall_state(both) is OverallState.MAJOR_OUTAGE


def test_resolved_incidents_do_not_count() -> None:
    """A resolved SEV-0 leaves the page operational."""
    resolved = _do(_incident(1, Severity.SEV0), c.Resolve(summary="fixed"), T0 + timedelta(hours=1))
    assert overall_state([public_view(resolved)]) is OverallState.OPERATIONAL


def test_public_view_keeps_only_external_updates_newest_first() -> None:
    """Internal updates are dropped; external ones come newest first; after resolution, summary."""
    incident = _incident(1, Severity.SEV1)
    incident = _do(
        incident, c.PostStatusUpdate(text="internal", external=False), T0 + timedelta(minutes=5)
    )
    incident = _do(
        incident, c.PostStatusUpdate(text="first", external=True), T0 + timedelta(minutes=10)
    )
    incident = _do(
        incident, c.PostStatusUpdate(text="second", external=True), T0 + timedelta(minutes=20)
    )
    incident = _do(incident, c.Resolve(), T0 + timedelta(minutes=30))
    incident = _do(
        incident, c.PostStatusUpdate(text="summary", external=True), T0 + timedelta(hours=5)
    )
    view = public_view(incident)
    assert [u.text for u in view.updates] == ["second", "first"]
    assert view.summary is not None
    assert view.summary.text == "summary"
    assert view.public_status == "resolved"


def test_page_filters_severities_and_history() -> None:
    """Non-public severities never show; resolved incidents older than 90 days drop off."""
    now = T0 + timedelta(days=100)
    old = _do(_incident(1, Severity.SEV1), c.Resolve(), T0 + timedelta(hours=1))
    recent = _do(
        _incident(2, Severity.SEV2, now - timedelta(days=3)), c.Resolve(), now - timedelta(days=2)
    )
    hidden = _incident(3, Severity.SEV3, now - timedelta(hours=1))
    state, open_, past = status_page([old, recent, hidden], public_severities=PUBLIC, now=now)
    assert state is OverallState.OPERATIONAL
    assert open_ == []
    assert [i.number for i in past] == [2]


def test_impact_names() -> None:
    """Severities map to the status-page impact vocabulary."""
    assert [impact(s) for s in Severity] == ["critical", "major", "minor", "minor"]
    assert OverallState.DEGRADED.indicator == "minor"
