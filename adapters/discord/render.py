"""Core messages → Discord: content, an embed, buttons, a file, and exactly who may be pinged.

Every string part of a core message may hold user text, so each one is escaped: `@everyone`,
`@here`, `<@123…>` and `<@&123…>` typed by a person never ping. The bot's own `Mention` parts
become `<@id>`, and each send carries `allowed_mentions` listing exactly those users; only the
escalation's on-call message may use `@here`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import discord
from discord.utils import escape_markdown, escape_mentions

from adapters.discord.components import incident_buttons
from adapters.discord.parse import discord_user_id
from incidents.messages import Audience, Everyone, Mention, Message, MessageKind, Text, Tone
from incidents.model import Incident
from incidents.people import Person

CONTENT_LIMIT, TITLE_LIMIT, DESCRIPTION_LIMIT = 2000, 256, 4096
FIELD_NAME_LIMIT, FIELD_VALUE_LIMIT, FIELDS_LIMIT, TOPIC_LIMIT = 256, 1024, 25, 1024
COLOURS: dict[Tone, int] = {
    Tone.INFO: 0x5865F2,
    Tone.SUCCESS: 0x57F287,
    Tone.WARNING: 0xFEE75C,
    Tone.DANGER: 0xED4245,
}


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def safe(text: str) -> str:
    """User text that cannot ping anyone: every mention form is broken with a zero-width space."""
    return escape_mentions(text)


@dataclass(frozen=True, slots=True)
class RenderedText:
    """Text for Discord, with the users (and @here) it means to ping."""

    text: str
    users: tuple[int, ...] = ()
    everyone: bool = False


def render_text(parts: Text, *, allow_here: bool = False) -> RenderedText:
    """Escape user text; Discord mentions become `<@id>`; others a plain `@name`."""
    out: list[str] = []
    users: list[int] = []
    everyone = False
    for part in parts:
        if isinstance(part, Mention):
            user_id = discord_user_id(part.user)
            if user_id is None:
                out.append(safe("@" + escape_markdown(part.user.id)))
            else:
                out.append(f"<@{user_id}>")
                if user_id not in users:
                    users.append(user_id)
        elif isinstance(part, Everyone):
            out.append("@here" if allow_here else "everyone")
            everyone = everyone or allow_here
        else:
            out.append(safe(part))
    return RenderedText("".join(out), tuple(users), everyone)


def allowed(users: tuple[int, ...], *, here: bool = False) -> discord.AllowedMentions:
    """Exactly these users (and @here when meant); never roles, never a reply ping."""
    return discord.AllowedMentions(
        everyone=here,
        users=[discord.Object(id=user) for user in users],
        roles=False,
        replied_user=False,
    )


@dataclass(frozen=True, slots=True)
class DiscordPost:
    """One Discord message: what `Messageable.send` gets (a fresh file on every attempt)."""

    content: str | None
    embed: discord.Embed | None
    view: discord.ui.View | None
    allowed_mentions: discord.AllowedMentions
    attachment: tuple[str, bytes] | None = None
    pings: tuple[int, ...] = field(default=())

    def send_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for `send` / `followup.send`."""
        kwargs: dict[str, Any] = {"allowed_mentions": self.allowed_mentions}
        if self.content:
            kwargs["content"] = self.content
        if self.embed is not None:
            kwargs["embed"] = self.embed
        if self.view is not None:
            kwargs["view"] = self.view
        if self.attachment is not None:
            name, body = self.attachment
            kwargs["file"] = discord.File(io.BytesIO(body), filename=name)
        return kwargs


def render_message(message: Message) -> DiscordPost:
    """A core message as a Discord message: plain text, or an embed when it has a title/facts."""
    body = render_text(message.text, allow_here=message.audience is Audience.ONCALL)
    attachment = None
    if message.attachment_name and message.attachment is not None:
        attachment = (message.attachment_name, message.attachment.encode("utf-8"))
    view = incident_buttons(message.buttons, message.incident) if message.incident else None
    if not (message.title or message.facts or message.buttons):
        return DiscordPost(
            content=clip(body.text, CONTENT_LIMIT),
            embed=None,
            view=view,
            allowed_mentions=allowed(body.users, here=body.everyone),
            attachment=attachment,
            pings=body.users,
        )
    embed = discord.Embed(
        title=clip(message.title, TITLE_LIMIT) if message.title else None,
        description=clip(body.text, DESCRIPTION_LIMIT) or None,
        colour=COLOURS[message.tone],
    )
    for fact in message.facts[:FIELDS_LIMIT]:
        value = render_text(fact.value).text.strip() or "—"
        embed.add_field(
            name=clip(fact.label, FIELD_NAME_LIMIT),
            value=clip(value, FIELD_VALUE_LIMIT),
            inline=True,
        )
    # Mentions inside an embed never notify; the people meant are pinged in the content.
    pings = " ".join(f"<@{user}>" for user in body.users)
    content = " ".join(part for part in ("@here" if body.everyone else "", pings) if part)
    return DiscordPost(
        content=content or None,
        embed=embed,
        view=view,
        allowed_mentions=allowed(body.users, here=body.everyone),
        attachment=attachment,
        pings=body.users,
    )


#: The answer when something on our side failed.
FAILED = "Sorry, that did not work because of a problem on our side; please try again."


def render_reply(message: Message | None, fallback: str) -> DiscordPost:
    """An ephemeral answer to whoever asked: text, an embed when long, a file when longer."""
    text = render_text(message.text).text if message is not None else fallback
    text = text or fallback
    none = discord.AllowedMentions.none()
    if len(text) <= CONTENT_LIMIT:
        return DiscordPost(content=text, embed=None, view=None, allowed_mentions=none)
    if len(text) <= DESCRIPTION_LIMIT:
        embed = discord.Embed(description=text, colour=COLOURS[Tone.INFO])
        return DiscordPost(content=None, embed=embed, view=None, allowed_mentions=none)
    kind = message.kind if message is not None else MessageKind.REPLY
    return DiscordPost(
        content=clip(text.split("\n", 1)[0], CONTENT_LIMIT),
        embed=None,
        view=None,
        allowed_mentions=none,
        attachment=(f"{kind}.md", text.encode("utf-8")),
    )


def person_text(user: Person | None) -> str:
    """`<@id>` for a Discord user, `@name` for anyone else, `unassigned` for nobody."""
    if user is None:
        return "unassigned"
    return render_text((Mention(user),)).text


def channel_topic(incident: Incident) -> str:
    """`🔴 SEV-1 · investigation · IC: <@42> · #42 Checkout is failing`."""
    severity = incident.severity
    topic = (
        f"{severity.emoji} {severity.label} · {incident.phase.value} · "
        f"IC: {person_text(incident.incident_commander)} · #{incident.number} "
        f"{safe(incident.title)}"
    )
    return clip(topic, TOPIC_LIMIT)
