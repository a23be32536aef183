"""Interactions → the command bus, answered within Discord's 3 s (defer when work is slow).

Every request carries `request_key = discord:<interaction id>`, so an INTERACTION_CREATE the
gateway replays after a RESUME changes nothing the second time. Answers are ephemeral; errors
come worded by the core, saying what would have been valid.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Mapping
from typing import Any

import discord
from discord import app_commands

from adapters.discord.channels import IncidentChannels
from adapters.discord.components import resolve_modal, severity_picker, status_modal
from adapters.discord.early import EarlyDeferral
from adapters.discord.parse import (
    ACKNOWLEDGE,
    CHANGE_SEVERITY,
    PLATFORM,
    POST_UPDATE,
    RESOLVE,
    SET_SEVERITY,
    CustomId,
    Option,
    StatusModal,
    component_request,
    defers_at_once,
    incident_request,
    modal_values,
    neutral_text,
    parse_custom_id,
    user_identity,
)
from adapters.discord.render import FAILED, render_reply
from bot.chat import CommandBus, CommandHandler, Outcome
from incidents import commands as c
from incidents.messages import Audience, Message, MessageKind
from incidents.parser import ParseError

log = logging.getLogger(__name__)
# Seconds of work before deferring. At 0, anything touching the store is deferred from the raw
# gateway payload (`early.py`) and followed up with the reply, so a burst of commands queued on
# the store never nears Discord's 3 s limit; errors found while parsing are already done and
# are answered directly. Tests pass a large value to see direct answers.
DEFER_AFTER = 0.0
WORKERS = 4
BAD_OPTION = "That is not a value this option takes; pick one of the choices Discord offers."
NO_ONCALL = (
    "No on-call rotation is configured. Add a `[[rotation]]` to sevbot.toml "
    "(see the README), then `/oncall` shows who is on call."
)


class InteractionHandler:
    """Answers slash commands, button clicks, the severity picker and modal submissions."""

    def __init__(
        self,
        *,
        commands: CommandBus,
        oncall: CommandHandler | None,
        channels: IncidentChannels,
        defer_after: float = DEFER_AFTER,
    ) -> None:
        self._commands = commands
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
        return defers_at_once(payload, oncall=self._oncall is not None)

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
        """`/oncall …`, answered by the on-call rotations when they are configured."""
        oncall = self._oncall
        if oncall is None:
            await self._answer(interaction, _error(NO_ONCALL))
            return
        work = oncall.handle_text(
            neutral_text(text.strip()),
            actor=user_identity(interaction.user.id),
            platform=PLATFORM,
            channel_id=_channel(interaction),
            request_key=f"discord:{interaction.id}",
            groups=roles_of(interaction),
        )
        await self._answer(interaction, work)

    async def on_button(
        self, interaction: discord.Interaction[Any], action: str, number: int
    ) -> None:
        """A summary button: acknowledge now, or open the form the action needs."""
        if action == ACKNOWLEDGE:
            await self._run(interaction, c.Acknowledge(), number)
        elif action == POST_UPDATE:
            await self._respond(interaction.response.send_modal(status_modal(number)))
        elif action == RESOLVE:
            await self._respond(interaction.response.send_modal(resolve_modal(number)))
        elif action == CHANGE_SEVERITY:
            await self._respond(
                interaction.response.send_message(
                    f"New severity for #{number}:", view=severity_picker(number), ephemeral=True
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

        await self._answer(interaction, handle())

    async def _answer(
        self, interaction: discord.Interaction[Any], work: Awaitable[Outcome]
    ) -> None:
        """Reply ephemerally; defer first when the work takes longer than `defer_after` (or
        follow up on the deferral sent from the raw payload)."""
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
            post = render_reply(outcome.reply, done_text)
        if deferred:
            await self._respond(interaction.followup.send(**post.send_kwargs(), ephemeral=True))
        else:
            await self._respond(
                interaction.response.send_message(**post.send_kwargs(), ephemeral=True)
            )

    async def _bounded(self, work: Awaitable[Outcome]) -> Outcome:
        """Run at most WORKERS commands at once: a burst then queues behind the store instead of
        crowding the event loop, so deferrals of the rest still go out at once."""
        async with self._workers:
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
