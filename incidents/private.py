"""Private incidents: who is inside one, and how one is named where others read.

A private incident is seen only by the people in it: whoever declared it, its incident
commander and communications lead, its responders, the people on call for it and everyone an
escalation step paged, anyone who acted on it, and the owners of its action items (someone
inside gave them work on it: their weekly reminder names it, and they may mark it done). Admins see everything too, but that is the
caller's to add (`incidents.access`): nothing here knows who is an admin.
"""

from __future__ import annotations

from incidents.model import EntryKind, Incident
from incidents.people import Person

PRIVATE_TITLE = "(private)"


def insiders(incident: Incident) -> tuple[Person, ...]:
    """Everyone inside the incident, in order of first appearance (tools and the bot too)."""
    seen: dict[Person, None] = {incident.declared_by: None}
    for person in (incident.incident_commander, incident.communications_lead):
        if person is not None:
            seen.setdefault(person, None)
    owners = (item.owner for item in incident.action_items if item.owner is not None)
    for person in (*incident.responders, *paged(incident), *incident.participants, *owners):
        seen.setdefault(person, None)
    return tuple(seen)


def paged(incident: Incident) -> tuple[Person, ...]:
    """The people on call for the incident and everyone its escalation paged so far."""
    people: dict[Person, None] = {}
    oncall = incident.oncall
    if oncall is not None:
        for person in (oncall.primary, oncall.backup):
            if person is not None:
                people.setdefault(person, None)
    for entry in incident.timeline:
        if entry.kind not in (EntryKind.PAGED, EntryKind.ESCALATED):
            continue
        user = entry.get("user")
        if user:
            people.setdefault(Person.stored(user), None)
        elif entry.get("target") == "everyone" and oncall is not None:
            for person in oncall.everyone or (oncall.primary, oncall.backup):
                if person is not None:
                    people.setdefault(person, None)
    return tuple(people)


def visible_to(incident: Incident, person: Person) -> bool:
    """Whether `person` may see the incident: anyone for a public one; for a private one,
    only its insiders. Admins are not known here: the caller adds them."""
    return not incident.private or person in insiders(incident)


def shared_title(incident: Incident) -> str:
    """The title where people outside the incident may read it: `(private)` for a private one."""
    return PRIVATE_TITLE if incident.private else incident.title
