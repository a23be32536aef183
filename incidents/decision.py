"""A handler's result, and the one way to stamp an entry on an incident's timeline."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from incidents.commands import Command
from incidents.errors import InvalidCommand
from incidents.events import Event
from incidents.messages import Audience, Button, Fact, Message, MessageKind, Text, Tone
from incidents.model import EntryKind, Incident, TimelineEntry
from incidents.people import Person
from incidents.policy import Policy
from incidents.text import has_visible, strip_invisible


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    """What a handler decided: the new incident, events, messages to post, and a reply."""

    incident: Incident
    events: tuple[Event, ...] = ()
    messages: tuple[Message, ...] = ()
    reply: Message | None = None


def stamp(
    incident: Incident,
    now: datetime,
    actor: Person | None,
    kind: EntryKind,
    text: str,
    **data: str,
) -> Incident:
    """Append a timeline entry: when, who (None for the bot), what kind, what changed."""
    entry = TimelineEntry(at=now, actor=actor, kind=kind, text=text, data=tuple(data.items()))
    return replace(incident, timeline=(*incident.timeline, entry))


MAX_TEXT = 3000
Handler = Callable[[Incident, Command, Person, datetime, Policy], "Decision"]


def reply_to(
    incident: Incident | None, text: str, kind: MessageKind = MessageKind.REPLY
) -> Message:
    """An ephemeral reply to whoever issued the command."""
    number = None if incident is None else incident.number
    return Message(kind=kind, audience=Audience.REPLY, text=(text,), incident=number)


def to_channel(
    incident: Incident,
    kind: MessageKind,
    text: Text,
    *,
    title: str | None = None,
    facts: tuple[Fact, ...] = (),
    buttons: tuple[Button, ...] = (),
    tone: Tone = Tone.INFO,
    pin: bool = False,
) -> Message:
    """A message for the incident's own channel."""
    return Message(
        kind=kind,
        audience=Audience.INCIDENT,
        text=text,
        incident=incident.number,
        title=title,
        facts=facts,
        buttons=buttons,
        tone=tone,
        pin=pin,
    )


def clean(text: str) -> str:
    """User text without control, bidi and zero-width characters (newlines and tabs stay, and
    emoji keep their joiners; see `incidents.text`), trimmed."""
    return strip_invisible(text).strip()


def checked_text(text: str, what: str, example: str) -> str:
    """Trimmed user text; text that shows nothing, or overlong text, is refused with an example
    of valid input."""
    cleaned = clean(text)
    if not has_visible(cleaned):
        raise InvalidCommand(f"{what} needs some text, e.g. `{example}`.")
    if len(cleaned) > MAX_TEXT:
        raise InvalidCommand(f"{what} is too long ({len(cleaned)} characters; at most {MAX_TEXT}).")
    return cleaned
