"""A message someone wrote in a Slack incident channel, read for relaying to the incident's other
platforms (`[mirror] relay_messages`): pure functions over the `message` event.

Slack's markup is made readable there, not kept: `<@U123>` reads `@U123` (`@sam` when Slack
gave the name), `<!everyone>` reads `@everyone`, `<https://x|docs>` reads `docs (https://x)`.
The result is text a person typed, so the other side's renderer escapes it: nothing relayed
pings anyone ("Formatting text for app surfaces", docs.slack.dev/messaging/formatting-message-text:
user mentions `<@U…>`, special mentions `<!here>`, links `<url|text>`, and `&`, `<`, `>`
escaped as `&amp;`, `&lt;`, `&gt;`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from adapters.slack.parse import PARTICIPANT_SUBTYPES

_MARKUP = re.compile(r"<([^<>]*)>")


@dataclass(frozen=True, slots=True, kw_only=True)
class Said:
    """A person's message in a channel: where, who, its `ts`, its text, its files' links."""

    channel_id: str
    user_id: str
    ts: str
    text: str
    links: tuple[str, ...] = ()
    name: str | None = None  # the author's name, when the event carries their profile


def said(event: Mapping[str, Any]) -> Said | None:
    """The message event as something to relay; None for bots (the bot's own posts above all:
    no loops), edits, deletions, joins and other subtypes."""
    if event.get("type") != "message" or event.get("subtype") not in PARTICIPANT_SUBTYPES:
        return None
    if event.get("bot_id") or event.get("bot_profile"):
        return None
    channel, user, ts = event.get("channel"), event.get("user"), event.get("ts")
    if not all(isinstance(value, str) and value for value in (channel, user, ts)):
        return None
    links = tuple(
        str(link)
        for item in event.get("files") or ()
        if isinstance(item, Mapping) and (link := item.get("permalink") or item.get("url_private"))
    )
    profile = event.get("user_profile") or {}
    name = profile.get("display_name") or profile.get("real_name") or None
    return Said(
        channel_id=str(channel),
        user_id=str(user),
        ts=str(ts),
        text=readable(str(event.get("text") or "")),
        links=links,
        name=name if isinstance(name, str) else None,
    )


def readable(text: str) -> str:
    """Slack's message markup as plain text: mentions, channels and links written out."""
    return _unescape(_MARKUP.sub(lambda found: _written(found.group(1)), text))


def _written(inside: str) -> str:
    target, _, label = inside.partition("|")
    if target.startswith("@"):  # a user: <@U123> or <@U123|sam>
        return "@" + (label or target[1:])
    if target.startswith("#"):  # a channel: <#C123|general>
        return "#" + (label or target[1:])
    if target.startswith("!"):  # <!here>, <!subteam^S1|@sre>, <!date^…|fallback>
        return label or "@" + target[1:].split("^", 1)[-1]
    if label and label != target:
        return f"{label} ({target})"
    return target.removeprefix("mailto:")


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


__all__ = ["Said", "readable", "said"]
