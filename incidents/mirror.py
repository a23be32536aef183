"""One incident on several platforms (`[mirror]`): what each side reads. Pure.

A mirrored incident has a channel on each platform it lives on (`Incident.home`); every message
for its channel goes to each of them (one outbox row per platform, `bot/routing.py`). Here:

* `attribute`: a message a person's command caused says where they typed it, so the other
  side knows ("📝 Status update from @Ana Lima (Discord): …").
* `localise`: a message as one platform should read it: a mention of someone with an identity
  there pings that identity; a mention of someone known only on another chat platform becomes
  their name (an id of another platform means nothing, and must ping nobody).
* `relay_message`: what someone wrote in one incident channel, for the others: the author's
  name as text, never a mention; attachments as links. All of it is text a person typed, so
  each renderer escapes it (no `@everyone`, no `<@U…>` pings on any side).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from incidents.directory import PeopleDirectory
from incidents.messages import Audience, Fact, Mention, Message, MessageKind, Part, Text
from incidents.names import NO_NAMES, Names, clean_name, plain_name
from incidents.people import Person
from incidents.text import strip_invisible

CHAT_PLATFORMS = frozenset({"slack", "discord"})
"""Platforms whose ids mean nothing on the other: a mention crossing over becomes a name."""
LABELS = {"slack": "Slack", "discord": "Discord", "console": "console"}
RELAY_LIMIT = 3000  # characters of a relayed message kept (the core's longest text)
UNATTRIBUTED = frozenset({MessageKind.SUMMARY, MessageKind.RELAYED})
"""Incident-channel messages that are not an answer to someone: the summary card, a relay."""


def platform_label(platform: str) -> str:
    """How a platform is named to people: `Discord` for `discord`."""
    return LABELS.get(platform, platform)


def attribute(messages: Sequence[Message], actor: Person, platform: str) -> tuple[Message, ...]:
    """The incident-channel messages of a command `actor` gave on `platform`, each saying
    where it came from: ` (Discord)` after the actor's first mention, or a closing line."""
    label = f" ({platform_label(platform)})"
    said: list[Message] = []
    for message in messages:
        if message.audience is not Audience.INCIDENT or message.kind in UNATTRIBUTED:
            said.append(message)
            continue
        parts = list(message.text)
        where = next(
            (i for i, part in enumerate(parts) if part == Mention(actor)),
            None,
        )
        if where is None:
            parts += ["\n— from ", Mention(actor), label]
        else:
            parts.insert(where + 1, label)
        said.append(replace(message, text=tuple(parts)))
    return tuple(said)


def relay_message(
    number: int,
    *,
    author: str,
    platform: str,
    text: str,
    links: Sequence[str] = (),
) -> Message:
    """What someone (`author`, their name) wrote in incident `number`'s channel on `platform`,
    for its channels elsewhere; no part of it is a mention."""
    body = strip_invisible(text).strip()
    if len(body) > RELAY_LIMIT:
        body = body[: RELAY_LIMIT - 1].rstrip() + "…"
    parts: list[Part] = [f"💬 {author} ({platform_label(platform)}): ", body]
    for link in links:
        parts.append(f"\n📎 {link}")
    return Message(
        kind=MessageKind.RELAYED,
        audience=Audience.INCIDENT,
        incident=number,
        text=tuple(parts),
    )


def author_name(author: Person, names: Names, heard: str | None) -> str:
    """Who wrote a relayed message, as plain text that pings nobody: the configured or kept
    name, else the name the platform just gave, else the handle."""
    if author in names:
        return plain_name(author, names)
    fresh = clean_name(heard)
    return plain_name(author, {author: fresh} if fresh else NO_NAMES)


def foreign(message: Message, platform: str, people: PeopleDirectory) -> set[Person]:
    """The people a message mentions who have no identity on `platform` but one on another
    chat platform: `localise` writes their names, so whoever renders needs them."""
    if platform not in CHAT_PLATFORMS:
        return set()
    return {
        part.user
        for part in _parts(message)
        if isinstance(part, Mention)
        and people.identity_on(part.user, platform) is None
        and Person.stored(part.user).platform in CHAT_PLATFORMS
    }


def localise(
    message: Message, platform: str, people: PeopleDirectory, names: Names = NO_NAMES
) -> Message:
    """`message` as `platform` should read it: each mention of a person with an identity
    there is of that identity; one known only on another chat platform is their name."""
    strangers = foreign(message, platform, people)

    def local(text: Text) -> Text:
        out: list[Part] = []
        for part in text:
            if isinstance(part, Mention):
                if part.user in strangers:
                    out.append(plain_name(part.user, names))
                    continue
                there = people.identity_on(part.user, platform)
                out.append(Mention(there) if there is not None else part)
            else:
                out.append(part)
        return tuple(out)

    text = local(message.text)
    facts = tuple(Fact(fact.label, local(fact.value)) for fact in message.facts)
    if text == message.text and facts == message.facts:
        return message
    return replace(message, text=text, facts=facts)


def _parts(message: Message) -> list[Part]:
    return [*message.text, *(part for fact in message.facts for part in fact.value)]


__all__ = [
    "CHAT_PLATFORMS",
    "attribute",
    "author_name",
    "foreign",
    "localise",
    "platform_label",
    "relay_message",
]
