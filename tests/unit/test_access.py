"""The permission rules as pure functions (incidents/access.py): rulings and their wording."""

from __future__ import annotations

from incidents import commands as c
from incidents.access import Access, Principal, Verb, rule, verb_of
from incidents.messages import Mention
from incidents.model import Role
from incidents.people import SEVBOT, Person
from tests.unit.helpers import MARIA, SAM, T0, act, declare, minutes

EVE = Person("console:eve")


def test_a_self_appointed_commander_may_force_close_after_a_minute() -> None:
    """Taking the open IC role and force-closing in the same minute is refused; later, the
    commander's right holds (the rule is about one-move take-overs)."""
    incident = declare().incident
    incident = act(incident, c.Resolve(summary="Fixed"), at=T0 + minutes(5), actor=MARIA)
    took = T0 + minutes(10)
    incident = act(
        incident, c.AssignRole(role=Role.INCIDENT_COMMANDER, user=EVE), at=took, actor=EVE
    )
    force = c.Close(force=True)
    soon = rule(force, incident, Principal(EVE), Access(), took + minutes(0.5))
    assert not soon.allowed
    assert "less than a minute ago" in soon.reason
    later = rule(force, incident, Principal(EVE), Access(), took + minutes(1))
    assert later.allowed


def test_a_commander_named_by_the_declarer_may_force_close_at_once() -> None:
    """Named by a lead, not self-appointed: no wait."""
    incident = act(
        declare().incident,
        c.AssignRole(role=Role.INCIDENT_COMMANDER, user=SAM),
        at=T0 + minutes(1),
        actor=MARIA,
    )
    assert rule(c.Close(force=True), incident, Principal(SAM), Access(), T0 + minutes(1)).allowed


def test_refusals_mention_who_may() -> None:
    """The refusal's parts carry mentions (chat renders them as names), and read plainly."""
    incident = declare().incident
    ruling = rule(
        c.ChangeSeverity(severity=incident.severity), incident, Principal(EVE), Access(), T0
    )
    assert Mention(Person(MARIA)) in ruling.said
    assert ruling.reason == "Only the declarer @maria or an admin can change the severity of #42."


def test_tools_use_only_their_verbs_and_the_bot_all() -> None:
    """`api:alertmanager` with the default verbs may post an internal update but not an
    external one (`external` is its own verb); the bot itself is never refused."""
    incident = declare().incident
    tool = Principal(Person("api:alertmanager"))
    internal = c.PostStatusUpdate(text="firing")
    external = c.PostStatusUpdate(text="we are on it", external=True)
    assert rule(internal, incident, tool, Access(), T0).allowed
    refused = rule(external, incident, tool, Access(), T0)
    assert not refused.allowed
    assert "may use: note, open, status" in refused.reason
    assert verb_of(external) is Verb.EXTERNAL
    allowed = Access(api_clients={"alertmanager": frozenset({Verb.EXTERNAL})})
    assert rule(external, incident, tool, allowed, T0).allowed
    assert rule(c.Resolve(summary="x"), incident, Principal(SEVBOT), Access(), T0).allowed


def test_admins_by_person_or_group() -> None:
    """An admin is named, or in a named group."""
    access = Access(admins=frozenset({"console:root", "slack-group:S0SRE"}))
    assert access.is_admin(Principal(Person("console:root")))
    assert access.is_admin(Principal(EVE, frozenset({"slack-group:S0SRE"})))
    assert not access.is_admin(Principal(EVE, frozenset({"slack-group:S0OTHER"})))
