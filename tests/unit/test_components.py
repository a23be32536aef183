"""Status-page components: their statuses, the page's status blended from them, and what
incidents say of them (set at opening, by `/incident component`, let go at resolution)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from incidents import commands as c
from incidents.components import (
    ComponentStatus,
    StatusPagePolicy,
    blend,
    page_status,
    parse_component_status,
)
from incidents.errors import DomainError, InvalidCommand, NotAllowedInPhase
from incidents.handlers import execute, open_incident
from incidents.maintenance import Maintenance
from incidents.model import EntryKind, Incident
from incidents.policy import Policy
from incidents.severity import Severity
from incidents.statuspage import status_page

T0 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
PAGE = StatusPagePolicy(components=("API", "Checkout", "Dashboard"))
POLICY = replace(Policy(), status_page=PAGE)
OK, MAINT, DEGRADED, PARTIAL, MAJOR = tuple(ComponentStatus)


def _open(number: int, severity: Severity, *components: str, private: bool = False) -> Incident:
    return open_incident(
        c.OpenIncident(
            severity=severity, title="Disk 95% on db-3", components=components, private=private
        ),
        number=number,
        actor="slack:U1",
        now=T0,
        policy=POLICY,
    ).incident


def _set(incident: Incident, name: str, status: ComponentStatus, minutes: int = 5) -> Incident:
    command = c.SetComponentStatus(component=name, status=status)
    at = T0 + timedelta(minutes=minutes)
    return execute(incident, command, actor="slack:U1", now=at, policy=POLICY).incident


def _statuses(incidents: list[Incident], now: datetime, *planned: Maintenance) -> list[str]:
    page = status_page(incidents, config=PAGE, now=now, maintenances=planned)
    return [state.status.value for state in page.components]


@pytest.mark.parametrize(
    ("statuses", "indicator", "description"),
    [
        ([], "none", "All Systems Operational"),
        ([OK, OK], "none", "All Systems Operational"),
        ([MAINT], "maintenance", "Service Under Maintenance"),
        ([DEGRADED], "minor", "Partially Degraded Service"),
        ([PARTIAL], "major", "Partial System Outage"),
        ([MAJOR], "critical", "Major System Outage"),
        ([MAJOR, MAJOR, MAJOR], "critical", "Major System Outage"),
        ([MAJOR, OK, DEGRADED], "major", "Partial System Outage"),
        ([PARTIAL, PARTIAL], "major", "Partial System Outage"),
        ([PARTIAL, OK], "minor", "Minor Service Outage"),
        ([DEGRADED, DEGRADED], "minor", "Degraded System Service"),
        ([DEGRADED, OK], "minor", "Partially Degraded Service"),
        ([MAINT, OK], "maintenance", "Service Under Maintenance"),
    ],
)
def test_the_page_status_is_blended_from_the_components(
    statuses: list[ComponentStatus], indicator: str, description: str
) -> None:
    """Statuspage's top-level status: one component speaks for the page; of several the worst
    decides, "all" a step worse than "some"."""
    blended = blend(statuses)
    assert (blended.indicator.value, blended.description) == (indicator, description)


def test_open_incidents_count_when_they_say_worse_than_the_components() -> None:
    """A critical open incident over degraded components: Major System Outage; a minor one
    over a major outage: the components' status stands."""
    assert page_status([DEGRADED, OK], ["critical"]).description == "Major System Outage"
    assert page_status([MAJOR, OK], ["minor"]).description == "Partial System Outage"


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("operational", OK),
        ("degraded", DEGRADED),
        ("Partial", PARTIAL),
        ("major", MAJOR),
        ("major_outage", MAJOR),
        ("degraded-performance", DEGRADED),
    ],
)
def test_status_words(word: str, status: ComponentStatus) -> None:
    """The command's four words, in any case, and Statuspage's own names."""
    assert parse_component_status(word) is status


@pytest.mark.parametrize("word", ["broken", "under_maintenance", ""])
def test_other_status_words_are_refused_naming_the_valid_ones(word: str) -> None:
    """Maintenance is planned work's, not a word to set; an unknown word lists the four."""
    with pytest.raises(InvalidCommand, match="operational, degraded, partial or major"):
        parse_component_status(word)


def test_component_names_match_in_any_case_and_unknown_ones_are_listed() -> None:
    """`checkout` is Checkout; `Chekout` is refused with the configured names."""
    assert PAGE.component(" checkout ", "x") == "Checkout"
    with pytest.raises(DomainError, match="Use one of: API, Checkout, Dashboard"):
        PAGE.component("Chekout", "x")
    with pytest.raises(DomainError, match=r"\[status_page\] components"):
        StatusPagePolicy().component("API", "x")


@pytest.mark.parametrize(
    ("severity", "status"),
    [(Severity.SEV0, MAJOR), (Severity.SEV1, PARTIAL), (Severity.SEV2, DEGRADED)],
)
def test_opening_with_components_sets_them_by_severity_and_stamps_the_timeline(
    severity: Severity, status: ComponentStatus
) -> None:
    """`open sev1 --component checkout` says Checkout is in a partial outage, on the timeline."""
    incident = _open(1, severity, "checkout")
    assert [(i.name, i.status) for i in incident.components] == [("Checkout", status)]
    (entry,) = [e for e in incident.timeline if e.kind is EntryKind.COMPONENT_CHANGED]
    assert (entry.get("component"), entry.get("status")) == ("Checkout", status.value)


def test_opening_with_an_unknown_component_opens_nothing() -> None:
    """An unknown component refuses the whole declaration, naming the valid ones."""
    with pytest.raises(DomainError, match="Unknown component `Payments`"):
        _open(1, Severity.SEV1, "Payments")


def test_setting_a_component_stamps_and_tells_the_channel() -> None:
    """`component API major`: the incident says so, the timeline records before and after, and
    the channel hears it."""
    incident = _open(1, Severity.SEV1, "Checkout")
    decision = execute(
        incident,
        c.SetComponentStatus(component="api", status=MAJOR),
        actor="slack:U1",
        now=T0,
        policy=POLICY,
    )
    said = {i.name: i.status for i in decision.incident.components}
    assert said == {"Checkout": PARTIAL, "API": MAJOR}
    entry = decision.incident.timeline[-1]
    assert (entry.kind, entry.get("before"), entry.get("status")) == (
        EntryKind.COMPONENT_CHANGED,
        "operational",
        "major_outage",
    )
    (message,) = decision.messages
    assert "API → major outage (was operational)" in message.plain_text()


def test_setting_the_same_status_again_is_refused() -> None:
    """Saying what the incident already says changes nothing."""
    with pytest.raises(InvalidCommand, match="already says Checkout is partial outage"):
        _set(_open(1, Severity.SEV1, "Checkout"), "Checkout", PARTIAL)


def test_a_resolved_incident_no_longer_sets_components() -> None:
    """After resolution the page no longer counts the incident; the command says so."""
    incident = _open(1, Severity.SEV1, "Checkout")
    incident = execute(incident, c.Resolve(), actor="slack:U1", now=T0, policy=POLICY).incident
    with pytest.raises(NotAllowedInPhase, match="is resolved"):
        _set(incident, "Checkout", MAJOR)


def test_a_private_incident_is_told_customers_will_not_see_it() -> None:
    """The channel hears that the status page never shows a private incident."""
    incident = _open(1, Severity.SEV1, private=True)
    decision = execute(
        incident,
        c.SetComponentStatus(component="API", status=MAJOR),
        actor="slack:U1",
        now=T0,
        policy=POLICY,
    )
    assert "private: the status page never shows it" in decision.messages[0].plain_text()
    assert _statuses([decision.incident], T0) == ["operational"] * 3


def test_components_show_the_worst_an_open_public_incident_says() -> None:
    """Two open incidents on Checkout: the worse one shows; a SEV-3 (not public) counts not."""
    first = _open(1, Severity.SEV2, "Checkout")
    second = _open(2, Severity.SEV0, "Checkout", "API")
    hidden = _open(3, Severity.SEV3, "Dashboard")
    assert _statuses([first, second, hidden], T0) == ["major_outage", "major_outage", "operational"]


def test_a_resolved_incident_returns_its_components_unless_another_says_otherwise() -> None:
    """Resolving #2 frees API (operational again) but Checkout stays degraded: #1 says so."""
    first = _open(1, Severity.SEV2, "Checkout")
    second = _open(2, Severity.SEV0, "Checkout", "API")
    later = T0 + timedelta(minutes=30)
    second = execute(second, c.Resolve(), actor="slack:U1", now=later, policy=POLICY).incident
    page = status_page([first, second], config=PAGE, now=later)
    assert [(s.name, s.status.value, s.updated_at) for s in page.components] == [
        ("API", "operational", later),
        ("Checkout", "degraded_performance", later),
        ("Dashboard", "operational", later),
    ]


def test_planned_work_in_progress_puts_its_components_under_maintenance() -> None:
    """While in progress Dashboard is under maintenance; before and after it is operational;
    an outage on it during the work shows the outage."""
    planned = Maintenance(
        id=1,
        title="Database upgrade",
        starts_at=T0 + timedelta(hours=1),
        ends_at=T0 + timedelta(hours=2),
        components=("Dashboard",),
        created_at=T0,
        created_by="slack:U1",
    )
    during = T0 + timedelta(minutes=90)
    assert _statuses([], T0, planned) == ["operational"] * 3
    assert _statuses([], during, planned)[2] == "under_maintenance"
    assert _statuses([], T0 + timedelta(hours=3), planned)[2] == "operational"
    outage = _open(1, Severity.SEV0, "Dashboard")
    assert _statuses([outage], during, planned)[2] == "major_outage"
    page = status_page([], config=PAGE, now=during, maintenances=[planned])
    assert (page.status.indicator.value, page.status.description) == (
        "maintenance",
        "Service Under Maintenance",
    )
