"""Handlers of what the status page says of an incident beyond its updates: its components.

What an incident says of a component counts on the page while the incident is open and public;
once it is resolved it no longer counts, so the component returns to operational unless another
open incident (or planned work in progress) says otherwise.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from incidents import commands as c
from incidents import events as e
from incidents.components import ComponentImpact, ComponentStatus
from incidents.decision import Decision, Handler, stamp, to_channel
from incidents.errors import InvalidCommand, NotAllowedInPhase
from incidents.messages import Mention, MessageKind
from incidents.model import EntryKind, Incident
from incidents.people import Person
from incidents.policy import Policy
from incidents.statuspage import is_public

EXAMPLE = "/incident component Checkout degraded"


def said_of(incident: Incident, name: str) -> ComponentStatus | None:
    """What the incident says of component `name` now; None if it never named it."""
    return next((i.status for i in incident.components if i.name == name), None)


def set_component(
    incident: Incident, name: str, status: ComponentStatus, actor: Person | None, now: datetime
) -> Incident:
    """The incident saying `status` of component `name`, stamped on its timeline."""
    before = said_of(incident, name) or ComponentStatus.OPERATIONAL
    others = tuple(i for i in incident.components if i.name != name)
    updated = replace(incident, components=(*others, ComponentImpact(name, status)))
    return stamp(
        updated,
        now,
        actor,
        EntryKind.COMPONENT_CHANGED,
        f"Status page: {name} → {status.label}",
        component=name,
        status=status.value,
        before=before.value,
    )


def unseen_note(incident: Incident, policy: Policy) -> str:
    """Why customers will not see what this incident says, or "" when they will."""
    if incident.private:
        return f" #{incident.number} is private: the status page never shows it."
    if not is_public(incident, policy.status_page.public_severities):
        return (
            f" #{incident.number} is not on the status page ({incident.severity.label} is not "
            "a public severity), so customers do not see this."
        )
    return ""


def _component(
    incident: Incident, command: c.Command, actor: Person, now: datetime, policy: Policy
) -> Decision:
    assert isinstance(command, c.SetComponentStatus)
    name = policy.status_page.component(command.component, EXAMPLE)
    if not incident.is_active:
        raise NotAllowedInPhase(
            f"#{incident.number} is resolved, so the status page no longer counts what it says "
            f"of {name}. Set it in an open incident."
        )
    before = said_of(incident, name)
    if before is command.status:
        raise InvalidCommand(f"#{incident.number} already says {name} is {before.label}.")
    updated = set_component(incident, name, command.status, actor, now)
    was = (before or ComponentStatus.OPERATIONAL).label
    message = to_channel(
        updated,
        MessageKind.COMPONENT_CHANGED,
        (
            f"🧩 Status page: {name} → {command.status.label} (was {was}), set by ",
            Mention(actor),
            "." + unseen_note(updated, policy),
        ),
    )
    return Decision(
        incident=updated,
        events=(e.TimelineNoted(number=incident.number, at=now, kind="component"),),
        messages=(message,),
    )


PUBLISHING_HANDLERS: dict[type[c.Command], Handler] = {c.SetComponentStatus: _component}
