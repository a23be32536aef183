"""Handlers that add records to an incident: notes, action items, the review link, pins."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from incidents import commands as c
from incidents import events as e
from incidents.decision import MAX_TEXT, Decision, Handler, checked_text, clean, stamp, to_channel
from incidents.errors import InvalidCommand, NotAllowedInPhase
from incidents.messages import Mention, MessageKind, Part, Tone
from incidents.model import ActionItem, EntryKind, Incident
from incidents.people import Person
from incidents.policy import Policy


def _note(
    incident: Incident, command: c.Command, actor: Person, now: datetime, policy: Policy
) -> Decision:
    assert isinstance(command, c.AddNote)
    text = checked_text(command.text, "A note", "/incident note Paused the nightly batch")
    updated = stamp(incident, now, actor, EntryKind.NOTE, text)
    message = to_channel(updated, MessageKind.NOTE, ("🗒 Note from ", Mention(actor), ": ", text))
    return Decision(
        incident=updated,
        events=(e.TimelineNoted(number=incident.number, at=now, kind="note"),),
        messages=(message,),
    )


def _action(
    incident: Incident, command: c.Command, actor: Person, now: datetime, policy: Policy
) -> Decision:
    assert isinstance(command, c.AddActionItem)
    text = checked_text(
        command.text, "An action item", "/incident action Add an alert on 502s @sam"
    )
    item = ActionItem(
        number=len(incident.action_items) + 1,
        text=text,
        owner=command.owner,
        created_at=now,
        created_by=actor,
    )
    updated = replace(incident, action_items=(*incident.action_items, item))
    updated = stamp(
        updated,
        now,
        actor,
        EntryKind.ACTION_ADDED,
        f"Action item {item.number}: {text}",
        item=str(item.number),
        owner=command.owner or "",
    )
    owner: tuple[Part, ...] = (
        (" (owner ", Mention(command.owner), ")") if command.owner else (" (no owner yet)",)
    )
    message = to_channel(
        updated, MessageKind.ACTION_ADDED, (f"☑️ Action item {item.number}: {text}", *owner)
    )
    return Decision(
        incident=updated,
        events=(e.TimelineNoted(number=incident.number, at=now, kind="action"),),
        messages=(message,),
    )


def _action_done(
    incident: Incident, command: c.Command, actor: Person, now: datetime, policy: Policy
) -> Decision:
    assert isinstance(command, c.CompleteActionItem)
    items = {item.number: item for item in incident.action_items}
    item = items.get(command.number)
    if item is None:
        valid = ", ".join(str(n) for n in items) or "none yet"
        raise InvalidCommand(
            f"#{incident.number} has no action item {command.number} (items: {valid})."
        )
    if item.done_at is not None:
        raise InvalidCommand(f"Action item {item.number} is already done.")
    done = replace(item, done_at=now)
    updated = replace(
        incident,
        action_items=tuple(done if i.number == item.number else i for i in incident.action_items),
    )
    updated = stamp(
        updated,
        now,
        actor,
        EntryKind.ACTION_DONE,
        f"Action item {item.number} done: {item.text}",
        item=str(item.number),
    )
    message = to_channel(
        updated,
        MessageKind.ACTION_DONE,
        (f"✔️ Action item {item.number} done: {item.text} (", Mention(actor), ")."),
    )
    return Decision(
        incident=updated,
        events=(e.TimelineNoted(number=incident.number, at=now, kind="action_done"),),
        messages=(message,),
    )


def _review_done(
    incident: Incident, command: c.Command, actor: Person, now: datetime, policy: Policy
) -> Decision:
    assert isinstance(command, c.MarkReviewDone)
    if incident.is_active:
        raise NotAllowedInPhase(
            f"#{incident.number} is not resolved yet; the review comes after `/incident resolve`."
        )
    link = checked_text(
        command.link,
        "Marking the review done",
        "/incident review done https://wiki.example.com/pir-42",
    )
    updated = replace(incident, review_done_at=now, review_link=link)
    updated = stamp(
        updated, now, actor, EntryKind.REVIEW_DONE, f"Review written: {link}", link=link
    )
    message = to_channel(
        updated,
        MessageKind.REVIEW_DONE,
        ("📘 Review for #", str(incident.number), " marked done by ", Mention(actor), f": {link}"),
        tone=Tone.SUCCESS,
    )
    return Decision(
        incident=updated,
        events=(e.TimelineNoted(number=incident.number, at=now, kind="review_done"),),
        messages=(message,),
    )


def _pinned(
    incident: Incident, command: c.Command, actor: Person, now: datetime, policy: Policy
) -> Decision:
    assert isinstance(command, c.RecordPinnedMessage)
    text = clean(command.text)[:MAX_TEXT]
    data = {"author": command.author} | ({"link": command.link} if command.link else {})
    updated = stamp(incident, now, actor, EntryKind.PINNED, text, **data)
    return Decision(
        incident=updated, events=(e.TimelineNoted(number=incident.number, at=now, kind="pinned"),)
    )


def _participant(
    incident: Incident, command: c.Command, actor: Person, now: datetime, policy: Policy
) -> Decision:
    assert isinstance(command, c.RecordParticipant)
    if command.user in incident.participants:
        return Decision(incident=incident)
    return Decision(incident=replace(incident, speakers=(*incident.speakers, command.user)))


RECORD_HANDLERS: dict[type[c.Command], Handler] = {
    c.RecordParticipant: _participant,
    c.AddNote: _note,
    c.AddActionItem: _action,
    c.CompleteActionItem: _action_done,
    c.MarkReviewDone: _review_done,
    c.RecordPinnedMessage: _pinned,
}
