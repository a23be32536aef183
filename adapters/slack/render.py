"""Render core messages as Slack Block Kit: pure functions, no I/O.

User text is escaped (`&`, `<`, `>`) and broadcast words are defanged, so nothing a person
typed can ping `@channel`/`@here`/`@everyone` or forge a link; only the bot's own `Mention`
and `Everyone` parts become `<@U…>` and `<!here>`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from adapters.slack.text import clip, split
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
    Button.ACKNOWLEDGE_ALERT: "Acknowledge",
    Button.DECLARE_INCIDENT: "Declare incident",
}
# Slack's limits (the stand-in's table, tests/adapters/slack/limits.py, cites where each is
# documented); lengths as `adapters.slack.text.units` counts them.
SECTION_LIMIT = 3000  # a section's text
HEADER_LIMIT = 150  # a header's text
FIELD_LIMIT = 2000  # each of a section's fields
TOPIC_LIMIT = 250  # conversations.setTopic
FALLBACK_LIMIT = 3000  # our choice: the notification text, well under Slack's 40,000
MAX_BLOCKS = 50  # blocks in one message
TEXT_LIMIT = 40_000  # a message's `text`

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


def _fact_fields(facts: tuple[Fact, ...], resolved: Mapping[Person, str]) -> list[Block]:
    sections: list[Block] = []
    fields = [
        {
            "type": "mrkdwn",
            "text": clip(f"*{escape(fact.label)}*\n{mrkdwn(fact.value, resolved)}", FIELD_LIMIT),
        }
        for fact in facts
    ]
    for start in range(0, len(fields), 10):  # at most 10 fields per section
        sections.append({"type": "section", "fields": fields[start : start + 10]})
    return sections


def buttons_block(message: Message) -> Block:
    """The summary's actions: stable action ids, the incident number as the value (an alert
    card's: the alert group's id)."""
    alert = message.incident is None and message.alert is not None
    target = message.alert if alert else message.incident
    elements: list[Block] = []
    for button in message.buttons:
        element: Block = {
            "type": "button",
            "action_id": ACTION_PREFIX + button.value,
            "text": {"type": "plain_text", "text": BUTTON_LABELS[button]},
            "value": str(target),
        }
        if button in (Button.ACKNOWLEDGE, Button.ACKNOWLEDGE_ALERT):
            element["style"] = "primary"
        elif button is Button.DECLARE_INCIDENT:
            element["style"] = "danger"
        elements.append(element)
    return {
        "type": "actions",
        "block_id": f"sevbot_alert_{target}" if alert else f"sevbot_actions_{target}",
        "elements": elements,
    }


@dataclass(frozen=True, slots=True)
class Rendered:
    """A message as Slack takes it: notification text and blocks; `cut` when its body did not
    fit in one message (then a section after the part shown says so, and where the rest is)."""

    text: str
    blocks: list[Block]
    cut: bool = False


def render(
    message: Message,
    *,
    resolved: Mapping[Person, str] | None = None,
    incident_channel: str | None = None,
    rest_at: str | None = None,
) -> Rendered:
    """Header, sections, facts as fields, link, buttons: at most MAX_BLOCKS blocks. A body too
    long for them is cut at a section, and a note says so and, given `rest_at` (mrkdwn), where
    the rest is."""
    resolved = resolved or {}
    body = mrkdwn(message.text, resolved)
    head: list[Block] = []
    if message.title:
        title = clip(defang(message.title), HEADER_LIMIT)
        head.append(
            {"type": "header", "text": {"type": "plain_text", "text": title, "emoji": True}}
        )
    sections = [
        {"type": "section", "text": {"type": "mrkdwn", "text": chunk}}
        for chunk in split(body, SECTION_LIMIT)
    ]
    tail = _fact_fields(message.facts, resolved)
    context: list[str] = []
    if incident_channel is not None:
        context.append(f"→ {channel_link(incident_channel)}")
    if message.incident is not None:
        context.append(f"incident #{message.incident}")
    if context:
        tail.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(context)}]}
        )
    if message.buttons and (message.incident is not None or message.alert is not None):
        tail.append(buttons_block(message))
    room = MAX_BLOCKS - len(head) - len(tail)
    cut = len(sections) > room
    if cut:
        shown, hidden = sections[: room - 1], sections[room - 1 :]
        sections = [*shown, _cut_note(hidden, rest_at)]
    fallback = body if not message.title else f"{escape(message.title)}\n{body}"
    return Rendered(clip(fallback, FALLBACK_LIMIT), [*head, *sections, *tail], cut)


def _cut_note(hidden: list[Block], rest_at: str | None) -> Block:
    """The section that stands for the part of a body that did not fit."""
    lines = sum(block["text"]["text"].count("\n") + 1 for block in hidden)
    where = f" The rest: {rest_at}." if rest_at else ""
    text = f"✂️ _Cut here: about {lines} more lines did not fit in one Slack message._{where}"
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, SECTION_LIMIT)}}


def render_blocks(
    message: Message,
    *,
    resolved: Mapping[Person, str] | None = None,
    incident_channel: str | None = None,
) -> tuple[str, list[Block]]:
    """(notification text, blocks), as `render` makes them."""
    rendered = render(message, resolved=resolved, incident_channel=incident_channel)
    return rendered.text, rendered.blocks


def reply_payload(message: Message, *, rest_at: str | None = None) -> dict[str, Any]:
    """An ephemeral reply (response_url or chat.postEphemeral): text plus sections."""
    return rendered_reply(render(message, rest_at=rest_at))


def rendered_reply(rendered: Rendered) -> dict[str, Any]:
    """`reply_payload` of a message already rendered (without `rest_at`: it was not cut)."""
    return {"response_type": "ephemeral", "text": rendered.text, "blocks": rendered.blocks}


def ephemeral(text: str) -> dict[str, Any]:
    """An ephemeral answer; escaped, as parse errors quote what the person typed."""
    return {"response_type": "ephemeral", "text": clip(escape(text), TEXT_LIMIT)}


def topic(incident: Incident, names: Mapping[Person, str]) -> str:
    """`🔴 SEV-1 · investigation · IC: @sam · Checkout is failing` (topics are plain text)."""
    ic = incident.incident_commander
    ic_name = "unassigned" if ic is None else "@" + names.get(ic, ic.id)
    head = f"{incident.severity.emoji} {incident.severity.label} · {incident.phase.value} · IC: {ic_name}"
    full = f"{head} · {incident.title}"
    return clip(defang(full), TOPIC_LIMIT)
