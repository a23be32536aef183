"""What the public status page derives: its status, public views, statuses, titles, history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from incidents import commands as c
from incidents.components import Indicator, StatusPagePolicy
from incidents.handlers import execute, open_incident
from incidents.model import Incident
from incidents.phase import Phase
from incidents.policy import Policy
from incidents.severity import Severity
from incidents.statuspage import PublicStatus, impact, public_status, public_view, status_page

T0 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
POLICY = Policy()
PAGE = StatusPagePolicy()


def _incident(number: int, severity: Severity, at: datetime = T0) -> Incident:
    return open_incident(
        c.OpenIncident(severity=severity, title=f"Disk 95% on db-{number}"),
        number=number,
        actor="slack:U1",
        now=at,
        policy=POLICY,
    ).incident


def _do(incident: Incident, command: c.Command, at: datetime) -> Incident:
    return execute(incident, command, actor="slack:U1", now=at, policy=POLICY).incident


def _external(incident: Incident, text: str, at: datetime, title: str | None = None) -> Incident:
    return _do(incident, c.PostStatusUpdate(text=text, external=True, title=title), at)


def _status(incidents: list[Incident], now: datetime = T0) -> tuple[str, str]:
    page = status_page(incidents, config=PAGE, now=now)
    return page.status.indicator.value, page.status.description


def test_nothing_open_is_all_systems_operational() -> None:
    """No open public incident: indicator none, "All Systems Operational"."""
    assert _status([]) == ("none", "All Systems Operational")


@pytest.mark.parametrize(
    ("severity", "expected"),
    [
        (Severity.SEV0, ("critical", "Major System Outage")),
        (Severity.SEV1, ("major", "Partial System Outage")),
        (Severity.SEV2, ("minor", "Minor Service Outage")),
    ],
)
def test_an_open_incident_sets_the_status_in_statuspage_words(
    severity: Severity, expected: tuple[str, str]
) -> None:
    """On a page without components an open incident's impact decides, in Statuspage's words."""
    assert _status([_incident(1, severity)]) == expected


def test_the_worst_open_incident_decides() -> None:
    """A SEV-2 and a SEV-1 open: the SEV-1's major impact."""
    both = [_incident(1, Severity.SEV2), _incident(2, Severity.SEV1)]
    assert _status(both)[0] == Indicator.MAJOR.value


def test_resolved_incidents_do_not_count() -> None:
    """A resolved SEV-0 leaves the page operational."""
    resolved = _do(_incident(1, Severity.SEV0), c.Resolve(summary="fixed"), T0 + timedelta(hours=1))
    assert _status([resolved], T0 + timedelta(hours=2)) == ("none", "All Systems Operational")


@pytest.mark.parametrize(
    ("phase", "resolved", "status"),
    [
        (Phase.DETECTION, False, PublicStatus.INVESTIGATING),
        (Phase.TRIAGE, False, PublicStatus.INVESTIGATING),
        (Phase.INVESTIGATION, False, PublicStatus.INVESTIGATING),
        (Phase.MITIGATION, False, PublicStatus.IDENTIFIED),
        (Phase.RESOLUTION, False, PublicStatus.MONITORING),
        (Phase.RESOLUTION, True, PublicStatus.RESOLVED),
        (Phase.POST_INCIDENT, True, PublicStatus.RESOLVED),
        (Phase.CLOSED, True, PublicStatus.RESOLVED),
    ],
)
def test_public_status_follows_the_phase(phase: Phase, resolved: bool, status: str) -> None:
    """Detection to investigation investigating, mitigation identified, mitigated monitoring."""
    assert public_status(phase, resolved) == status


def test_each_update_keeps_the_status_it_was_posted_with() -> None:
    """Updates posted in detection, mitigation and after `mitigated` stay investigating,
    identified and monitoring, also once the incident is resolved."""
    incident = _incident(1, Severity.SEV1)
    incident = _external(incident, "Looking into it", T0 + timedelta(minutes=1))
    incident = _do(incident, c.ChangePhase(phase=Phase.MITIGATION), T0 + timedelta(minutes=2))
    incident = _external(incident, "Rolling back", T0 + timedelta(minutes=3))
    incident = _do(incident, c.MarkMitigated(), T0 + timedelta(minutes=4))
    incident = _external(incident, "Recovered; watching", T0 + timedelta(minutes=5))
    assert public_view(incident).status is PublicStatus.MONITORING
    incident = _do(incident, c.Resolve(), T0 + timedelta(minutes=6))
    view = public_view(incident)
    assert [(u.text, u.status.value) for u in view.updates] == [
        ("Recovered; watching", "monitoring"),
        ("Rolling back", "identified"),
        ("Looking into it", "investigating"),
    ]
    assert view.status is PublicStatus.RESOLVED


def test_a_reopened_incident_investigates_again() -> None:
    """Resolved, then back to investigation: a new update is investigating, the old resolved one
    stays resolved."""
    incident = _do(_incident(1, Severity.SEV1), c.Resolve(), T0 + timedelta(minutes=5))
    incident = _external(incident, "Fixed", T0 + timedelta(minutes=6))
    incident = _do(incident, c.ChangePhase(phase=Phase.INVESTIGATION), T0 + timedelta(minutes=7))
    incident = _external(incident, "It is back", T0 + timedelta(minutes=8))
    view = public_view(incident)
    assert [(u.text, u.status.value) for u in view.updates] == [
        ("It is back", "investigating"),
        ("Fixed", "resolved"),
    ]


def test_update_numbers_are_their_own_and_do_not_move() -> None:
    """External updates are numbered 1, 2, 3 as posted (internal ones apart), and a new one
    leaves the numbers of the others as they were."""
    incident = _incident(1, Severity.SEV1)
    incident = _do(incident, c.PostStatusUpdate(text="internal"), T0)
    incident = _external(incident, "first", T0)
    incident = _external(incident, "second", T0)
    before = {u.text: u.number for u in public_view(incident).updates}
    incident = _external(incident, "third", T0)
    after = {u.text: u.number for u in public_view(incident).updates}
    assert before == {"first": 1, "second": 2}
    assert after == {"first": 1, "second": 2, "third": 3}
    assert [u.text for u in public_view(incident).updates] == ["third", "second", "first"]


def test_the_internal_title_is_never_public() -> None:
    """Until an external update publishes a title the view has the neutral one; then that."""
    incident = _external(_incident(1, Severity.SEV1), "Looking", T0)
    assert public_view(incident).title == "Service disruption"
    assert public_view(incident, "Something is wrong").title == "Something is wrong"
    incident = _external(incident, "Found it", T0, title="Degraded checkout")
    incident = _external(incident, "Still on it", T0)
    assert public_view(incident).title == "Degraded checkout"
    assert "db-1" not in repr(public_view(incident))


def test_public_view_keeps_only_external_updates_and_the_summary() -> None:
    """Internal updates are dropped; an external update after resolution is the summary."""
    incident = _incident(1, Severity.SEV1)
    incident = _do(incident, c.PostStatusUpdate(text="internal"), T0 + timedelta(minutes=5))
    incident = _external(incident, "first", T0 + timedelta(minutes=10))
    incident = _do(incident, c.Resolve(), T0 + timedelta(minutes=30))
    incident = _external(incident, "summary", T0 + timedelta(hours=5))
    view = public_view(incident)
    assert [u.text for u in view.updates] == ["first"]
    assert view.summary is not None
    assert (view.summary.text, view.summary.status) == ("summary", PublicStatus.RESOLVED)


def test_page_filters_severities_and_history() -> None:
    """Non-public severities never show; resolved incidents older than 90 days drop off."""
    now = T0 + timedelta(days=100)
    old = _do(_incident(1, Severity.SEV1), c.Resolve(), T0 + timedelta(hours=1))
    recent = _do(
        _incident(2, Severity.SEV2, now - timedelta(days=3)), c.Resolve(), now - timedelta(days=2)
    )
    hidden = _incident(3, Severity.SEV3, now - timedelta(hours=1))
    page = status_page([old, recent, hidden], config=PAGE, now=now)
    assert page.status.indicator is Indicator.NONE
    assert page.open_incidents == []
    assert [i.number for i in page.past_incidents] == [2]


def test_impact_names() -> None:
    """Severities map to the status-page impact vocabulary."""
    assert [impact(s) for s in Severity] == ["critical", "major", "minor", "minor"]


def test_the_incident_changed_publicly_when_its_status_or_impact_changed() -> None:
    """A phase change within investigating, or between two minor severities, is no public
    change; mitigation, a lower impact and resolution are."""
    incident = _incident(1, Severity.SEV1)
    incident = _do(incident, c.ChangePhase(phase=Phase.TRIAGE), T0 + timedelta(minutes=1))
    assert public_view(incident).updated_at == T0
    incident = _do(incident, c.ChangePhase(phase=Phase.MITIGATION), T0 + timedelta(minutes=2))
    incident = _do(incident, c.ChangeSeverity(severity=Severity.SEV2), T0 + timedelta(minutes=3))
    incident = _do(incident, c.ChangeSeverity(severity=Severity.SEV3), T0 + timedelta(minutes=4))
    incident = _do(incident, c.Resolve(), T0 + timedelta(minutes=5))
    view = public_view(incident)
    assert view.status_changes == (
        T0 + timedelta(minutes=2),
        T0 + timedelta(minutes=3),
        T0 + timedelta(minutes=5),
    )
    assert view.updated_at == T0 + timedelta(minutes=5)
