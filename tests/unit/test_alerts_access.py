"""Access for alerts: an alert source's verbs, its right to declare, and the person who
acknowledges a tool's incident standing in for its declarer."""

from __future__ import annotations

from datetime import UTC, datetime

from incidents import commands as c
from incidents.access import Access, Principal, rule
from incidents.handlers import open_incident
from incidents.messages import render_plain
from incidents.model import Incident
from incidents.people import Person
from incidents.policy import Policy
from incidents.severity import Severity
from tests.unit.helpers import act

T0 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
SOURCE = Person("alerts:prometheus")
SAM, LI = Person("console:sam"), Person("console:li")


def alert_incident() -> Incident:
    """Incident #1, declared by the alert source."""
    return open_incident(
        c.OpenIncident(severity=Severity.SEV1, title="API latency is high"),
        number=1,
        actor=SOURCE,
        now=T0,
        policy=Policy(),
    ).incident


def test_an_alert_source_opens_acks_notes_and_resolves_but_changes_nothing_else() -> None:
    """The source's verbs: open (even where `[access] declare` is restricted), ack, record its
    alerts and resolve; not change severity."""
    incident = alert_incident()
    source = Principal(SOURCE)
    restricted = Access(declare=frozenset({"slack:U0BOSS"}))
    opening = c.OpenIncident(severity=Severity.SEV1, title="x")
    assert rule(opening, None, source, restricted, T0).allowed
    for allowed in (c.Acknowledge(), c.Resolve(), c.RecordAlerts(entry="e", text="t")):
        assert rule(allowed, incident, source, Access(), T0).allowed
    refused = rule(c.ChangeSeverity(severity=Severity.SEV0), incident, source, Access(), T0)
    assert not refused.allowed


def test_whoever_acknowledges_a_tools_incident_stands_in_for_its_declarer() -> None:
    """Before an acknowledgement only an admin may resolve, and the refusal says acknowledging
    is the way; after sam acknowledged, sam may resolve and li is told sam may."""
    incident = alert_incident()
    before = rule(c.Resolve(), incident, Principal(SAM), Access(), T0)
    assert not before.allowed
    assert "whoever acknowledges it (`/incident ack 1`) or an admin" in before.reason
    acked = act(incident, c.Acknowledge(), at=T0, actor=SAM)
    assert rule(c.Resolve(), acked, Principal(SAM), Access(), T0).allowed
    refused = rule(c.Resolve(), acked, Principal(LI), Access(), T0)
    assert not refused.allowed
    assert "whoever acknowledged it (@sam)" in render_plain(refused.said)
