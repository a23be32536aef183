"""Render core messages as Slack Block Kit: pure functions, no I/O.

User text is escaped (`&`, `<`, `>`) and broadcast words are defanged, so nothing a person
typed can ping `@channel`/`@here`/`@everyone` or forge a link; only the bot's own `Mention`
and `Everyone` parts become `<@U…>` and `<!here>`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from incidents.messages import Button, Everyone, Fact, Mention, Message, Text
from incidents.model import Incident
from incidents.people import Person

Block = dict[str, Any]

ACTION_PREFIX = "sevbot_"
BUTTON_LABELS: dict[Button, str] = {
    Button.ACKNOWLEDGE: "Acknowledge",
    Button.POST_UPDATE: "Post update",
    Button.CHANGE_SEVERITY: "Change severity",
    Button.RESOLVE: "Resolve",
}
SECTION_LIMIT = 3000  # Slack's limit for a section's text
HEADER_LIMIT = 150
FIELD_LIMIT = 2000
TOPIC_LIMIT = 250
FALLBACK_LIMIT = 3000

_SLACK_ID = re.compile(r"^[UWB][A-Z0-9]{2,}$")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
_BROADCAST = re.compile(r"([@!])(here|channel|everyone)\b", re.IGNORECASE)
_WORD_JOINER = "\u2060"  # invisible; keeps `@here` from reading as one word


def escape(text: str) -> str:
    """User text made inert: `&<>` escaped, `@here`/`@channel`/`@everyone` defanged."""
    return defang(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


def defang(text: str) -> str:
    """Plain text (headers, topics) is never parsed by Slack; defang broadcast words anyway."""
    return _BROADCAST.sub(lambda m: m.group(1) + _WORD_JOINER + m.group(2), text)


def slack_user_id(identity: Person) -> str | None:
    """`slack:U123` → `U123`; None for identities of other platforms or malformed ids."""
    if identity.platform == "slack" and _SLACK_ID.match(identity.id):
        return identity.id
    return None


def channel_link(channel_id: str) -> str:
    """`<#C123>` for a channel id; an escaped name for anything else."""
    return f"<#{channel_id}>" if _CHANNEL_ID.match(channel_id) else escape(channel_id)


def mention(identity: Person, resolved: Mapping[Person, str]) -> str:
    """A ping for a Slack user (or an email resolved to one); plain `@name` otherwise."""
    user_id = slack_user_id(identity) or resolved.get(identity)
    if user_id is not None and _SLACK_ID.match(user_id):
        return f"<@{user_id}>"
    return escape(Person(identity).handle)


def mrkdwn(text: Text, resolved: Mapping[Person, str] | None = None) -> str:
    """Message parts as Slack mrkdwn: user text escaped, the bot's mentions as pings."""
    out: list[str] = []
    for part in text:
        if isinstance(part, Mention):
            out.append(mention(part.user, resolved or {}))
        elif isinstance(part, Everyone):
            out.append("<!here>")
        else:
            out.append(escape(part))
    return "".join(out)


def mentioned_users(message: Message) -> set[Person]:
    """Every identity the message mentions (text and facts), for resolving emails first."""
    parts = [*message.text, *(p for fact in message.facts for p in fact.value)]
    return {part.user for part in parts if isinstance(part, Mention)}


def _chunks(text: str, limit: int) -> list[str]:
    """Split text at line breaks into pieces of at most `limit` characters."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current or not pieces:
        pieces.append(current)
    return [piece for piece in pieces if piece.strip()] or [" "]


def _fact_fields(facts: tuple[Fact, ...], resolved: Mapping[Person, str]) -> list[Block]:
    sections: list[Block] = []
    fields = [
        {
            "type": "mrkdwn",
            "text": f"*{escape(fact.label)}*\n{mrkdwn(fact.value, resolved)}"[:FIELD_LIMIT],
        }
        for fact in facts
    ]
    for start in range(0, len(fields), 10):  # at most 10 fields per section
        sections.append({"type": "section", "fields": fields[start : start + 10]})
    return sections


def buttons_block(message: Message) -> Block:
    """The summary's actions: stable action ids, the incident number as the value."""
    elements: list[Block] = []
    for button in message.buttons:
        element: Block = {
            "type": "button",
            "action_id": ACTION_PREFIX + button.value,
            "text": {"type": "plain_text", "text": BUTTON_LABELS[button]},
            "value": str(message.incident),
        }
        if button is Button.ACKNOWLEDGE:
            element["style"] = "primary"
        elements.append(element)
    return {
        "type": "actions",
        "block_id": f"sevbot_actions_{message.incident}",
        "elements": elements,
    }


def render_blocks(
    message: Message,
    *,
    resolved: Mapping[Person, str] | None = None,
    incident_channel: str | None = None,
) -> tuple[str, list[Block]]:
    """(notification text, blocks): header, sections, facts as fields, link, buttons."""
    resolved = resolved or {}
    body = mrkdwn(message.text, resolved)
    blocks: list[Block] = []
    if message.title:
        blocks.append(
            {
                "type": "header",
                "text": {
                    "type": "plain_text",
                    "text": defang(message.title)[:HEADER_LIMIT],
                    "emoji": True,
                },
            }
        )
    blocks += [
        {"type": "section", "text": {"type": "mrkdwn", "text": chunk}}
        for chunk in _chunks(body, SECTION_LIMIT)
    ]
    blocks += _fact_fields(message.facts, resolved)
    context: list[str] = []
    if incident_channel is not None:
        context.append(f"→ {channel_link(incident_channel)}")
    if message.incident is not None:
        context.append(f"incident #{message.incident}")
    if context:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(context)}]}
        )
    if message.buttons and message.incident is not None:
        blocks.append(buttons_block(message))
    fallback = body if not message.title else f"{escape(message.title)}\n{body}"
    return fallback[:FALLBACK_LIMIT], blocks[:50]


def reply_payload(message: Message) -> dict[str, Any]:
    """An ephemeral reply (response_url or chat.postEphemeral): text plus sections."""
    text, blocks = render_blocks(message)
    return {"response_type": "ephemeral", "text": text, "blocks": blocks}


def ephemeral(text: str) -> dict[str, Any]:
    """An ephemeral answer; escaped, as parse errors quote what the person typed."""
    return {"response_type": "ephemeral", "text": escape(text)}


def topic(incident: Incident, names: Mapping[Person, str]) -> str:
    """`🔴 SEV-1 · investigation · IC: @sam · Checkout is failing` (topics are plain text)."""
    ic = incident.incident_commander
    ic_name = "unassigned" if ic is None else "@" + names.get(ic, ic.id)
    head = f"{incident.severity.emoji} {incident.severity.label} · {incident.phase.value} · IC: {ic_name}"
    full = f"{head} · {incident.title}"
    text = defang(full)
    return text if len(text) <= TOPIC_LIMIT else text[: TOPIC_LIMIT - 1] + "…"
