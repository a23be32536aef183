"""Who may change what the status page says: components (as external updates) and planned work
(as declaring), and the verbs an API client needs for them."""

from __future__ import annotations

from datetime import UTC, datetime

from incidents import commands as c
from incidents.access import Access, Principal, Verb, rule, verb_of
from incidents.components import ComponentStatus
from incidents.model import Role
from incidents.people import Person
from tests.unit.helpers import LI, MARIA, T0, act, declare

EVE = Person("console:eve")
SET_API = c.SetComponentStatus(component="API", status=ComponentStatus.MAJOR_OUTAGE)
PLAN = c.ScheduleMaintenance(
    starts_at=datetime(2026, 12, 5, 2, tzinfo=UTC),
    ends_at=datetime(2026, 12, 5, 4, tzinfo=UTC),
    title="Database upgrade",
)


def test_components_are_set_by_the_communications_lead_or_a_lead() -> None:
    """A stranger is refused, naming who may; the declarer and the communications lead may."""
    incident = declare().incident
    refused = rule(SET_API, incident, Principal(EVE), Access(), T0)
    assert not refused.allowed
    assert refused.reason == (
        "Only the communications lead, the declarer @maria or an admin can change what the "
        "status page says of a component for #42. Ask one of them."
    )
    assert rule(SET_API, incident, Principal(Person(MARIA)), Access(), T0).allowed
    incident = act(incident, c.AssignRole(role=Role.COMMUNICATIONS_LEAD, user=LI), at=T0)
    assert rule(SET_API, incident, Principal(Person(LI)), Access(), T0).allowed


def test_maintenance_is_for_whoever_may_declare_and_always_audited() -> None:
    """Anyone by default (audited, as a public statement); with `[access] declare` only those."""
    anyone = rule(PLAN, None, Principal(EVE), Access(), T0)
    assert (anyone.allowed, anyone.privileged) == (True, True)
    limited = Access(declare=frozenset({MARIA}))
    refused = rule(PLAN, None, Principal(EVE), limited, T0)
    assert not refused.allowed
    assert "can schedule maintenance on the status page here" in refused.reason
    assert rule(PLAN, None, Principal(Person(MARIA)), limited, T0).allowed


def test_api_clients_need_the_component_and_maintenance_verbs() -> None:
    """Each is its own verb on a client's `may` list."""
    incident = declare().incident
    tool = Principal(Person("api:statusbot"))
    assert (verb_of(SET_API), verb_of(PLAN)) == (Verb.COMPONENT, Verb.MAINTENANCE)
    assert not rule(SET_API, incident, tool, Access(), T0).allowed
    assert not rule(PLAN, None, tool, Access(), T0).allowed
    verbs = Access(api_clients={"statusbot": frozenset({Verb.COMPONENT, Verb.MAINTENANCE})})
    assert rule(SET_API, incident, tool, verbs, T0).allowed
    assert rule(PLAN, None, tool, verbs, T0).allowed
