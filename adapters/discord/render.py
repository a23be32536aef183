"""Core messages → Discord: content, an embed, buttons, a file, and exactly who may be pinged.

Every string part of a core message may hold user text, so each one is escaped: `@everyone`,
`@here`, `<@123…>` and `<@&123…>` typed by a person never ping. The bot's own `Mention` parts
become `<@id>`, and each send carries `allowed_mentions` listing exactly those users; only the
escalation's on-call message may use `@here`.

Nothing a person wrote is lost to Discord's limits (discord.com/developers/docs/resources/
message, "Create Message" and "Embed Limits"): text over the 2,000 characters of `content` goes
in an embed's description (4,096; 6,000 across the embed), which holds the core's longest text
(3,000 characters, `incidents.decision.MAX_TEXT`) even with every mention escaped. Longer text
(a timeline, a list) is cut at a line break (`fit.py`) and says so: the whole of it is attached
as a file, and the dashboard link follows when the dashboard is on.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import discord
from discord.utils import escape_markdown, escape_mentions

from adapters.discord.components import incident_buttons
from adapters.discord.fit import clip, closed, cut_point
from adapters.discord.parse import discord_user_id
from incidents.directory import NOBODY, PeopleDirectory
from incidents.messages import Audience, Everyone, Mention, Message, MessageKind, Text, Tone
from incidents.model import Incident
from incidents.people import Person

CONTENT_LIMIT, TITLE_LIMIT, DESCRIPTION_LIMIT, EMBED_LIMIT = 2000, 256, 4096, 6000
FIELD_NAME_LIMIT, FIELD_VALUE_LIMIT, FIELDS_LIMIT, TOPIC_LIMIT = 256, 1024, 25, 1024
COLOURS: dict[Tone, int] = {
    Tone.INFO: 0x5865F2,
    Tone.SUCCESS: 0x57F287,
    Tone.WARNING: 0xFEE75C,
    Tone.DANGER: 0xED4245,
}


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


def dashboard_link(dashboard_url: str | None, incident: int | None) -> str | None:
    """The incident's page on the dashboard (or the dashboard), when it is on."""
    if not dashboard_url:
        return None
    base = dashboard_url.rstrip("/")
    return f"{base}/incidents/{incident}" if incident else f"{base}/"


@dataclass(frozen=True, slots=True)
class Fitted:
    """Text within a limit, and the whole of it as a file when it had to be cut."""

    text: str
    whole: tuple[str, bytes] | None = None


def fit(text: str, limit: int, *, name: str, link: str | None, attach: bool = True) -> Fitted:
    """`text` within `limit` characters; when it must be cut, cut at a line break and say so,
    and where the rest is: the attached file `name` (if `attach`) and the dashboard `link`."""
    text = text.strip()  # as Discord counts an embed's text
    if len(text) <= limit:
        return Fitted(text)
    where = [f"in the attached {name}"] if attach else []
    if link:
        where.append(f"at {link}")
    said = f"the full text is {' and '.join(where)}." if where else "ask again for the full text."
    note = f"\n\n✂️ Cut to fit in Discord: {said}"
    room = max(limit - len(note) - len("\n```"), 0)  # the note, and a fence to close
    head = closed(text[: cut_point(text, room)].rstrip())
    whole = (name, text.encode("utf-8")) if attach else None
    return Fitted((head + note).strip(), whole)


def render_message(message: Message, *, dashboard_url: str | None = None) -> DiscordPost:
    """A core message as a Discord message: plain text, or an embed when it has a title, facts
    or buttons, or more text than `content` holds."""
    body = render_text(message.text, allow_here=message.audience is Audience.ONCALL)
    attachment = None
    if message.attachment_name and message.attachment is not None:
        attachment = (message.attachment_name, message.attachment.encode("utf-8"))
    target = message.incident or message.alert  # an alert card's buttons act on its group
    view = incident_buttons(message.buttons, target) if target else None
    mentions = allowed(body.users, here=body.everyone)
    plain = not (message.title or message.facts or message.buttons)
    if plain and len(body.text) <= CONTENT_LIMIT:
        return DiscordPost(
            content=body.text,
            embed=None,
            view=view,
            allowed_mentions=mentions,
            attachment=attachment,
            pings=body.users,
        )
    title = clip(message.title, TITLE_LIMIT) if message.title else None
    fields = [
        (
            clip(fact.label, FIELD_NAME_LIMIT),
            clip(render_text(fact.value).text.strip() or "—", FIELD_VALUE_LIMIT),
        )
        for fact in message.facts[:FIELDS_LIMIT]
    ]
    used = len(title or "") + sum(len(name) + len(value) for name, value in fields)
    fitted = fit(
        body.text,
        max(min(DESCRIPTION_LIMIT, EMBED_LIMIT - used), 0),
        name=f"{message.kind}.md",
        link=dashboard_link(dashboard_url, message.incident),
        attach=attachment is None,  # one file per message: the message's own comes first
    )
    embed = discord.Embed(
        title=title, description=fitted.text or None, colour=COLOURS[message.tone]
    )
    for name, value in fields:
        embed.add_field(name=name, value=value, inline=True)
    # Mentions inside an embed never notify; the people meant are pinged in the content.
    pings = " ".join(f"<@{user}>" for user in body.users)
    content = " ".join(part for part in ("@here" if body.everyone else "", pings) if part)
    return DiscordPost(
        content=content or None,
        embed=embed,
        view=view,
        allowed_mentions=mentions,
        attachment=attachment or fitted.whole,
        pings=body.users,
    )


#: The answer when something on our side failed.
FAILED = "Sorry, that did not work because of a problem on our side; please try again."


def render_reply(
    message: Message | None, fallback: str, *, dashboard_url: str | None = None
) -> DiscordPost:
    """An ephemeral answer to whoever asked: text, an embed when long; when longer still, the
    beginning in the embed, saying so, and the whole as a file (and the dashboard link)."""
    text = render_text(message.text).text if message is not None else fallback
    text = text or fallback
    none = discord.AllowedMentions.none()
    if len(text) <= CONTENT_LIMIT:
        return DiscordPost(content=text, embed=None, view=None, allowed_mentions=none)
    kind = message.kind if message is not None else MessageKind.REPLY
    incident = message.incident if message is not None else None
    fitted = fit(
        text, DESCRIPTION_LIMIT, name=f"{kind}.md", link=dashboard_link(dashboard_url, incident)
    )
    embed = discord.Embed(description=fitted.text, colour=COLOURS[Tone.INFO])
    return DiscordPost(
        content=None, embed=embed, view=None, allowed_mentions=none, attachment=fitted.whole
    )


def reply_body(text: str, *, link: str | None = None) -> dict[str, Any]:
    """A reply as the raw JSON of an ephemeral follow-up (no file: the replay posts JSON)."""
    body: dict[str, Any] = {"flags": 64, "allowed_mentions": {"parse": []}}
    if len(text) <= CONTENT_LIMIT:
        return body | {"content": text}
    fitted = fit(text, DESCRIPTION_LIMIT, name="", link=link, attach=False)
    return body | {"embeds": [{"description": fitted.text, "color": COLOURS[Tone.INFO]}]}


def person_text(user: Person | None) -> str:
    """`<@id>` for a Discord user, `@name` for anyone else, `unassigned` for nobody."""
    if user is None:
        return "unassigned"
    return render_text((Mention(user),)).text


def channel_topic(incident: Incident, people: PeopleDirectory = NOBODY) -> str:
    """`🔴 SEV-1 · investigation · IC: <@42> · #42 Checkout is failing` (a `[[person]]` as
    their Discord identity)."""
    severity = incident.severity
    ic = incident.incident_commander
    ic = None if ic is None else people.identity_on(ic, "discord") or ic
    topic = (
        f"{severity.emoji} {severity.label} · {incident.phase.value} · "
        f"IC: {person_text(ic)} · #{incident.number} "
        f"{safe(incident.title)}"
    )
    return clip(topic, TOPIC_LIMIT)
