"""Handlers that add records to an incident: notes, action items, the review link, pins."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from urllib.parse import urlsplit

from incidents import commands as c
from incidents import events as e
from incidents.decision import MAX_TEXT, Decision, Handler, checked_text, clean, stamp, to_channel
from incidents.errors import InvalidCommand, NotAllowedInPhase
from incidents.examples import example
from incidents.messages import Mention, MessageKind, Part, Tone
from incidents.model import ActionItem, EntryKind, Incident
from incidents.people import Person
from incidents.policy import Policy


def _note(
    incident: Incident, command: c.Command, actor: Person, now: datetime, policy: Policy
) -> Decision:
    assert isinstance(command, c.AddNote)
    text = checked_text(command.text, "A note", example("note"))
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
    text = checked_text(command.text, "An action item", example("action"))
    item = ActionItem(
        number=len(incident.action_items) + 1,
        text=text,
        owner=command.owner,
        created_at=now,
        created_by=actor,
        issue=command.issue,
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
    link, reason = review_record(command.link)
    updated = replace(incident, review_done_at=now, review_link=link)
    if link is not None:
        said = f"Review written: {link}"
        updated = stamp(updated, now, actor, EntryKind.REVIEW_DONE, said, link=link)
    else:
        said = f"Review done without a write-up: {reason}"
        updated = stamp(updated, now, actor, EntryKind.REVIEW_DONE, said, reason=reason)
    what = f": {link}" if link is not None else f", without a write-up: {reason}"
    message = to_channel(
        updated,
        MessageKind.REVIEW_DONE,
        ("📘 Review for #", str(incident.number), " marked done by ", Mention(actor), what),
        tone=Tone.SUCCESS,
    )
    return Decision(
        incident=updated,
        events=(e.TimelineNoted(number=incident.number, at=now, kind="review_done"),),
        messages=(message,),
    )


def review_record(text: str) -> tuple[str | None, str]:
    """What `review done` records: (the review's web address, "") for an http(s) link, or
    (None, why) for `none <why>`. Anything else is refused, saying what is valid."""
    typed = checked_text(
        text, "Marking the review done", example("review done")
    )  # empty, or overlong
    first, _, rest = typed.partition(" ")
    if first.lower() == "none":
        reason = clean(rest)
        if not reason:
            raise InvalidCommand(
                f"Say why there is no written review: `{example('review done none')}`."
            )
        return None, reason
    if not _is_web_link(typed):
        shown = typed if len(typed) <= 60 else typed[:59] + "…"
        raise InvalidCommand(
            f"`{shown}` is not a link to the review. Give its address (http:// or https://), "
            f"e.g. `{example('review done')}`, or `none` and why there is no write-up: "
            f"`{example('review done none')}`. Nothing was changed."
        )
    return typed, ""


def _is_web_link(text: str) -> bool:
    """An http or https address with a host and no spaces (the review's page)."""
    if any(character.isspace() for character in text):
        return False
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:  # a malformed port or IPv6 address
        return False
    return parts.scheme.lower() in ("http", "https") and bool(host)


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
