"""Interactions → the command bus, answered within Discord's 3 s (defer when work is slow).

Every request carries `request_key = discord:<interaction id>`, so an INTERACTION_CREATE the
gateway replays after a RESUME changes nothing the second time. A request is written to the
inbox under that key before it is deferred (acknowledged means durable, see `bot/inbox.py`)
and marked done once it is answered; at start, `replay` runs what an earlier process deferred
and did not answer, and follows it up while the interaction token still works (15 minutes).
Answers are ephemeral; errors come worded by the core, saying what would have been valid.
Once answered, the name of whoever acted is kept: Discord sends it with the interaction
(`member.nick`, else `user.global_name`, else `user.username`), so no call is needed.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Mapping
from typing import Any

import discord
from discord import app_commands
from discord.http import Route

from adapters.discord.callbacks import CallbackError, CallbackPoster
from adapters.discord.channels import IncidentChannels
from adapters.discord.components import resolve_modal, severity_picker, status_modal
from adapters.discord.early import EarlyDeferral
from adapters.discord.parse import (
    ACKNOWLEDGE,
    ALERT_ACK,
    CHANGE_SEVERITY,
    DECLARE,
    PLATFORM,
    POST_UPDATE,
    RESOLVE,
    SET_SEVERITY,
    CustomId,
    OnCallText,
    Option,
    StatusModal,
    component_request,
    defers_at_once,
    incident_request,
    modal_values,
    neutral_text,
    parse_custom_id,
    raw_request,
    recorded_interaction,
    recorded_roles,
    user_identity,
)
from adapters.discord.render import (
    FAILED,
    dashboard_link,
    render_reply,
    render_text,
    reply_body,
)
from bot.chat import CommandBus, CommandHandler, Outcome, PeopleNames
from bot.inbox import Inbox
from incidents import commands as c
from incidents.messages import Audience, Message, MessageKind
from incidents.parser import Parsed, ParseError

log = logging.getLogger(__name__)
USER_AGENT = f"DiscordBot (https://github.com/Rapptz/discord.py, {discord.__version__}) sevbot"
# Seconds of work before deferring. At 0, anything touching the store is deferred from the raw
# gateway payload (`early.py`) and followed up with the reply, so a burst of commands queued on
# the store never nears Discord's 3 s limit; errors found while parsing are already done and
# are answered directly. Tests pass a large value to see direct answers.
DEFER_AFTER = 0.0
WORKERS = 4
BAD_OPTION = "That is not a value this option takes; pick one of the choices Discord offers."
NOT_RECORDED = (
    "Sorry, sevbot could not take that just now, so nothing was done. Try again in a moment."
)
REPLAY_TIMEOUT = 5.0  # seconds for each follow-up of a replayed interaction (best effort)


class InteractionHandler:
    """Answers slash commands, button clicks, the severity picker and modal submissions."""

    def __init__(
        self,
        *,
        commands: CommandBus,
        oncall: CommandHandler,
        channels: IncidentChannels,
        defer_after: float = DEFER_AFTER,
        inbox: Inbox | None = None,
        names: PeopleNames | None = None,
        dashboard_url: str | None = None,
    ) -> None:
        self._commands = commands
        self._inbox = inbox
        self._names = names
        self._dashboard_url = dashboard_url  # where a reply cut to fit says the rest is
        self._oncall = oncall
        self._workers = asyncio.Semaphore(WORKERS)
        self._channels = channels
        self.defer_after = defer_after
        self.early: EarlyDeferral | None = None  # set by the client when it defers at once

    @property
    def defers_early(self) -> bool:
        """Whether work that touches the store is deferred without waiting for it."""
        return self.defer_after <= 0

    def wants_early_deferral(self, payload: Mapping[str, Any]) -> bool:
        """Whether a raw INTERACTION_CREATE runs a request and can be deferred at once."""
        return defers_at_once(payload)

    async def on_command_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        """A command discord.py could not run: an option it could not convert, or a failure."""
        if isinstance(error, app_commands.TransformerError):
            log.info("discord: a command option was refused: %s", error)
            await self._answer(interaction, _error(BAD_OPTION))
            return
        log.error("discord: command failed: %s", error, exc_info=error)
        await self._answer(interaction, _error(FAILED))

    async def on_incident_command(
        self, interaction: discord.Interaction[Any], verb: str, options: dict[str, Option]
    ) -> None:
        """`/incident <verb>`: parse the typed options, run the request, answer."""
        parsed = incident_request(verb, options)
        if isinstance(parsed, StatusModal):
            modal = status_modal(parsed.incident, external=parsed.external)
            await self._respond(interaction.response.send_modal(modal))
            return
        if isinstance(parsed, ParseError):
            await self._answer(interaction, _error(parsed.message))
            return
        await self._run(interaction, parsed.request, parsed.incident)

    async def on_oncall_command(self, interaction: discord.Interaction[Any], text: str) -> None:
        """`/oncall …`, answered by the on-call rotations (or, without any, by how to add one)."""
        if not await self._recorded(interaction):
            await self._answer(interaction, _error(NOT_RECORDED))
            return
        work = self._oncall.handle_text(
            neutral_text(text.strip()),
            actor=user_identity(interaction.user.id),
            platform=PLATFORM,
            channel_id=_channel(interaction),
            request_key=f"discord:{interaction.id}",
            groups=roles_of(interaction),
        )
        await self._answer(interaction, work, key=f"discord:{interaction.id}")
        await self._learn_name(interaction)

    async def on_button(
        self, interaction: discord.Interaction[Any], action: str, number: int
    ) -> None:
        """A summary button: acknowledge now, or open the form the action needs."""
        if action == ACKNOWLEDGE:
            await self._run(interaction, c.Acknowledge(), number)
        elif action == ALERT_ACK:  # an alert card's: `number` is the alert group
            await self._run(interaction, c.AcknowledgeAlert(alert=number), None)
        elif action == DECLARE:
            await self._run(interaction, c.DeclareAlertIncident(alert=number), None)
        elif action == POST_UPDATE:
            await self._respond(interaction.response.send_modal(status_modal(number)))
        elif action == RESOLVE:
            await self._respond(interaction.response.send_modal(resolve_modal(number)))
        elif action == CHANGE_SEVERITY:
            await self._respond(
                interaction.response.send_message(
                    f"New severity for #{number}:",
                    view=severity_picker(number),
                    ephemeral=True,
                    allowed_mentions=discord.AllowedMentions.none(),
                )
            )

    async def on_severity_pick(
        self, interaction: discord.Interaction[Any], number: int, level: str
    ) -> None:
        """The severity picker's choice."""
        await self._component(
            interaction, CustomId(action=SET_SEVERITY, incident=number), {"level": level}
        )

    async def on_modal(self, interaction: discord.Interaction[Any]) -> None:
        """A submitted status or resolve form (handled by custom id, so restarts do not matter)."""
        data: dict[str, Any] = dict(interaction.data or {})
        target = parse_custom_id(str(data.get("custom_id", "")))
        if target is None:
            return
        await self._component(interaction, target, modal_values(data.get("components") or []))

    async def _component(
        self, interaction: discord.Interaction[Any], target: CustomId, values: dict[str, str]
    ) -> None:
        request = component_request(target, values)
        if isinstance(request, ParseError):
            await self._answer(interaction, _error(request.message))
        elif request is not None:
            await self._run(interaction, request, target.incident)

    async def _run(
        self, interaction: discord.Interaction[Any], request: c.Request, number: int | None
    ) -> None:
        if not await self._recorded(interaction):
            await self._answer(interaction, _error(NOT_RECORDED))
            return

        async def handle() -> Outcome:
            outcome = await self._commands.handle(
                request,
                actor=user_identity(interaction.user.id),
                platform=PLATFORM,
                number=number,
                channel_id=_channel(interaction),
                request_key=f"discord:{interaction.id}",
                groups=roles_of(interaction),
            )
            if outcome.opened is not None and interaction.guild_id:
                # Before the dispatcher runs: its channel goes in the server it was opened in.
                self._channels.origin_guild[outcome.opened.number] = interaction.guild_id
            return outcome

        await self._answer(interaction, handle(), key=f"discord:{interaction.id}")
        await self._learn_name(interaction)

    async def _learn_name(self, interaction: discord.Interaction[Any]) -> None:
        """Keep the name Discord sent with the interaction, after the answer. discord.py's
        `display_name` is the member's server nickname, else the user's global display name,
        else the username (`nick`: discord.com/developers/docs/resources/guild#guild-member-
        object; `global_name`: discord.com/developers/docs/resources/user#user-object)."""
        if self._names is not None:
            user = interaction.user
            await self._names.heard(user_identity(user.id), user.display_name)

    async def _answer(
        self,
        interaction: discord.Interaction[Any],
        work: Awaitable[Outcome],
        *,
        key: str | None = None,
    ) -> None:
        """Reply ephemerally; defer first when the work takes longer than `defer_after` (or
        follow up on the deferral sent from the raw payload). Then the inbox entry `key` is
        done."""
        task = asyncio.ensure_future(self._bounded(work))
        if self.early is not None and self.early.take(interaction.id):
            deferred = True
        elif isinstance(work, asyncio.Future) and work.done():
            deferred = False  # an error found while parsing: answered directly
        else:
            done, _ = await asyncio.wait({task}, timeout=self.defer_after)
            deferred = not done
            if deferred:
                await self._respond(interaction.response.defer(ephemeral=True, thinking=True))
        try:
            outcome = await task
        except Exception:
            log.exception("discord: interaction %s failed", interaction.id)
            outcome = None
        if outcome is None:
            post = render_reply(None, FAILED)
        elif outcome.duplicate:
            post = render_reply(None, "Already done: that request was handled before.")
        else:
            done_text = f"Done (#{outcome.incident})." if outcome.incident else "Done."
            post = render_reply(outcome.reply, done_text, dashboard_url=self._dashboard_url)
        if deferred:
            await self._respond(interaction.followup.send(**post.send_kwargs(), ephemeral=True))
        else:
            await self._respond(
                interaction.response.send_message(**post.send_kwargs(), ephemeral=True)
            )
        if key is not None and self._inbox is not None:
            await self._inbox.done(key)

    # -- the inbox: written before the deferral, done after the answer --------------------

    async def record_raw(self, payload: Mapping[str, Any]) -> bool:
        """Write a raw INTERACTION_CREATE to the inbox before it is deferred; False if that
        failed (then it is not deferred early, and the handler tries once more)."""
        if self._inbox is None:
            return True
        recorded = recorded_interaction(payload)
        return await self._inbox.record(f"discord:{recorded['id']}", PLATFORM, _dump(recorded))

    async def abandon(self, interaction_id: int) -> None:
        """An interaction deferred and never answered (its person got an apology): done."""
        if self._inbox is not None:
            await self._inbox.done(f"discord:{interaction_id}")

    async def _recorded(self, interaction: discord.Interaction[Any]) -> bool:
        """Whether the interaction is in the inbox: written from the raw payload already, or
        now (the handler answers it, or defers it, only then)."""
        key = f"discord:{interaction.id}"
        if self._inbox is None or self._inbox.in_flight(key):
            return True
        return await self._inbox.record(key, PLATFORM, _dump(interaction_record(interaction)))

    async def replay(self) -> int:
        """Run, one by one in the order they came, the interactions an earlier process
        deferred and did not answer; follow each up (best effort: the token lasts 15 minutes).
        Returns how many were taken back."""
        if self._inbox is None:
            return 0
        entries = await self._inbox.take_back(PLATFORM)
        if not entries:
            return 0
        poster = CallbackPoster(Route.BASE, user_agent=USER_AGENT, connections=2)
        try:
            for entry in entries:
                await self._replay(entry.key, entry.command, poster)
        finally:
            poster.close()
        return len(entries)

    async def _replay(self, key: str, command: str, poster: CallbackPoster) -> None:
        try:
            recorded = json.loads(command)
        except ValueError:
            recorded = None
        if not isinstance(recorded, dict):
            log.error("discord: cannot read inbox entry %s; it is left out", key)
            await self._inbox_done(key)
            return
        wanted = raw_request(recorded)
        outcome: Outcome | None = None
        try:
            if wanted is None:
                log.error("discord: inbox entry %s asks for nothing that can run", key)
            else:
                outcome = await self._bounded(self._rerun(wanted, recorded, key))
        except Exception:
            log.exception("discord: replaying %s failed", key)
        text, link = FAILED, None
        if outcome is not None:
            done_text = f"Done (#{outcome.incident})." if outcome.incident else "Done."
            reply = render_text(outcome.reply.text).text if outcome.reply is not None else ""
            text = reply or done_text
            link = dashboard_link(self._dashboard_url, outcome.incident)
        body = reply_body(text, link=link)
        follow_up = f"/webhooks/{recorded.get('application_id')}/{recorded.get('token')}"
        try:
            async with asyncio.timeout(REPLAY_TIMEOUT):
                status = await poster.post(follow_up, json.dumps(body).encode())
            if status >= 300:
                log.warning("discord: the follow-up of replayed %s got HTTP %s", key, status)
        except (CallbackError, TimeoutError) as error:
            log.warning("discord: could not follow up replayed %s: %s", key, error)
        await self._inbox_done(key)

    async def _rerun(
        self, wanted: Parsed | OnCallText, recorded: dict[str, Any], key: str
    ) -> Outcome:
        """The recorded interaction's request, through the same handlers as a live one."""
        actor = user_identity(str(recorded.get("user_id", "")))
        channel = recorded.get("channel_id")
        groups = recorded_roles(recorded)
        if isinstance(wanted, OnCallText):
            return await self._oncall.handle_text(
                neutral_text(wanted.text.strip()),
                actor=actor,
                platform=PLATFORM,
                channel_id=channel,
                request_key=key,
                groups=groups,
            )
        outcome = await self._commands.handle(
            wanted.request,
            actor=actor,
            platform=PLATFORM,
            number=wanted.incident,
            channel_id=channel,
            request_key=key,
            groups=groups,
        )
        guild = recorded.get("guild_id")
        if outcome.opened is not None and guild:
            self._channels.origin_guild[outcome.opened.number] = int(guild)
        return outcome

    async def _inbox_done(self, key: str) -> None:
        if self._inbox is not None:
            await self._inbox.done(key)

    async def _bounded(self, work: Awaitable[Outcome]) -> Outcome:
        """Run at most WORKERS commands at once: a burst then queues behind the store instead of
        crowding the event loop, so deferrals of the rest still go out at once. Nor does one
        start while commands are being written to the inbox (`Inbox.acknowledged_first`)."""
        async with self._workers:
            if self._inbox is not None:
                await self._inbox.acknowledged_first()
            return await work

    @staticmethod
    async def _respond(call: Awaitable[Any]) -> None:
        """Send an interaction response; a replayed or expired interaction only logs."""
        try:
            await call
        except (discord.HTTPException, discord.InteractionResponded) as error:
            log.warning("discord: could not answer an interaction: %s", error)


def _error(message: str) -> Awaitable[Outcome]:
    """An already-finished outcome carrying an error reply."""
    future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
    reply = Message(kind=MessageKind.ERROR, audience=Audience.REPLY, text=(message,))
    future.set_result(Outcome(ok=False, reply=reply))
    return future


def _channel(interaction: discord.Interaction[Any]) -> str | None:
    return str(interaction.channel_id) if interaction.channel_id is not None else None


def roles_of(interaction: discord.Interaction[Any]) -> frozenset[str]:
    """The member's roles in the server, as `[access]` names them (`discord-role:<id>`); none
    in a direct message. Discord sends them with the interaction (`member.roles`)."""
    roles = getattr(interaction.user, "roles", None) or ()
    return frozenset(f"discord-role:{role.id}" for role in roles)


def interaction_record(interaction: discord.Interaction[Any]) -> dict[str, Any]:
    """What the inbox keeps of an interaction discord.py parsed (`recorded_interaction`'s
    fields, read from the Interaction instead of the raw payload)."""
    data: Mapping[str, Any] = interaction.data or {}
    return {
        "id": str(interaction.id),
        "application_id": str(interaction.application_id),
        "token": interaction.token,
        "type": interaction.type.value,
        "data": {key: value for key, value in data.items() if key != "resolved"},
        "guild_id": str(interaction.guild_id) if interaction.guild_id else None,
        "channel_id": _channel(interaction),
        "user_id": str(interaction.user.id),
        "roles": [str(role.id) for role in getattr(interaction.user, "roles", None) or ()],
    }


def _dump(recorded: Mapping[str, Any]) -> str:
    return json.dumps(recorded, ensure_ascii=False, separators=(",", ":"))
