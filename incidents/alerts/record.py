"""The incident side of alerts: what fired or resolved goes on the timeline and in the channel."""

from __future__ import annotations

from datetime import datetime

from incidents import commands as c
from incidents import events as e
from incidents.decision import Decision, Handler, stamp, to_channel
from incidents.messages import Button, MessageKind, Tone
from incidents.model import EntryKind, Incident
from incidents.people import Person
from incidents.policy import Policy


def record_alerts(
    incident: Incident, command: c.Command, actor: Person, now: datetime, policy: Policy
) -> Decision:
    """One timeline entry and one message in the incident channel; a Resolve button when every
    alert resolved and the incident is still active."""
    assert isinstance(command, c.RecordAlerts)
    updated = stamp(incident, now, actor, EntryKind.ALERT, command.entry)
    offer = command.offer_resolve and incident.is_active
    message = to_channel(
        updated,
        MessageKind.ALERTS,
        (command.text,),
        buttons=(Button.RESOLVE,) if offer else (),
        pin=command.pin,
        tone=Tone.SUCCESS if command.offer_resolve else Tone.WARNING,
    )
    return Decision(
        incident=updated,
        events=(e.TimelineNoted(number=incident.number, at=now, kind="alert"),),
        messages=(message,),
    )


ALERT_HANDLERS: dict[type[c.Command], Handler] = {c.RecordAlerts: record_alerts}
"""The domain's handler of the alert command on an incident."""
