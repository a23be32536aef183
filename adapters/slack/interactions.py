"""What Slack users do, handed to the command bus after the acknowledgement.

Every entry point here returns what to acknowledge with as soon as the command is written to
the inbox (one small INSERT: acknowledged means durable, see `bot/inbox.py`); the slow part,
the store transaction and any Web API call, is queued for a few worker tasks, and the inbox
entry is marked done once the person has the answer. At start, `replay` queues what an
earlier process acknowledged and did not finish. Reads (`list`, `timeline`) are the exception:
they change nothing, so they run at once and answer in the acknowledgement itself. Both the
HTTP fast path and slack-bolt's listeners (HTTP and Socket Mode) call these. Last, the name
of whoever acted is asked for (`users.info`) when the one kept is missing or stale, so reviews
and plain text show it.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import parse as p
from adapters.slack.channels import IncidentChannels
from adapters.slack.components import resolve_modal, severity_modal, status_modal
from adapters.slack.errors import error_code
from adapters.slack.groups import SlackGroups
from adapters.slack.overflow import Overflow
from adapters.slack.recorded import (
    ACKNOWLEDGE,
    ALERT,
    FORM,
    INCIDENT,
    ONCALL,
    Recorded,
    request_of,
)
from adapters.slack.render import ephemeral
from adapters.slack.respond import post_response
from bot.chat import CommandBus, CommandHandler, Outcome, PeopleNames
from bot.inbox import Inbox
from incidents import commands as c
from incidents.messages import ALERT_BUTTONS, Button

log = logging.getLogger(__name__)
PLATFORM = "slack"
WORKERS = 4  # background jobs at once (per process)
# Reads answered in the acknowledgement itself when ready this soon (Slack waits 3 s for it).
ANSWER_NOW_SECONDS = 1.0
# What only reads the store: no inbox entry, answered now (see `SlackInbound._read_now`).
ANSWERED_NOW = (c.ListIncidents, c.ShowTimeline)
FAILED = (
    "Sorry, that did not go through on sevbot's side. `/incident timeline` shows what was "
    "recorded; try again in a moment."
)
NOT_RECORDED = (
    "Sorry, sevbot could not take that just now, so nothing was done. Try again in a moment."
)
NOT_RECORDED_FIELD = "sevbot could not take this just now; nothing was done. Submit again shortly."
# The first field of each form, where a refused submission says why (`response_action: errors`).
FORM_FIELDS = {p.STATUS_MODAL: "status", p.SEVERITY_MODAL: "severity", p.RESOLVE_MODAL: "summary"}
WHICH_INCIDENT = (
    "Which incident? Run `/incident status` in the incident's channel, or name it: "
    "`/incident status 42`."
)


class Replier:
    """Where an answer to one person goes: the interaction's response_url, else ephemeral."""

    def __init__(
        self,
        *,
        client: AsyncWebClient,
        session: aiohttp.ClientSession | None,
        user_id: str,
        channel_id: str | None,
        response_url: str | None,
        quiet: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._client = client
        self._session = session
        self.user_id = user_id
        self.channel_id = channel_id
        self.response_url = response_url
        self._quiet = quiet

    async def send(self, payload: dict[str, Any]) -> None:
        """Best effort: a reply that cannot be sent is logged, never retried. It goes once
        the messages the command queued are out (`Inbox.quiet`, capped): the person has the
        acknowledgement already, and an incident's new channel should not wait for it."""
        if self._quiet is not None:
            await self._quiet()
        try:
            if self.response_url:
                # Without replace_original=false, an answer to a button click would replace
                # the message the button is on (the pinned summary) instead of adding to it.
                status, body = await post_response(
                    self._session, self.response_url, {**payload, "replace_original": False}
                )
                if status >= 300:  # `expired_url` after 30 minutes, `used_url`
                    log.warning(
                        "could not reply to %s: HTTP %s %s", self.user_id, status, body[:100]
                    )
            elif self.channel_id:
                await self._client.chat_postEphemeral(
                    channel=self.channel_id,
                    user=self.user_id,
                    text=payload.get("text", ""),
                    blocks=payload.get("blocks"),
                )
        except (SlackApiError, aiohttp.ClientError, TimeoutError, OSError) as error:
            log.warning("could not reply to %s: %s", self.user_id, error)


class SlackInbound:
    """Slash commands, button clicks, modal submissions and channel events."""

    def __init__(
        self,
        *,
        commands: CommandBus,
        oncall: CommandHandler,
        client: AsyncWebClient,
        channels: IncidentChannels,
        session: aiohttp.ClientSession | None,
        groups: SlackGroups | None = None,
        inbox: Inbox | None = None,
        overflow: Overflow | None = None,
        names: PeopleNames | None = None,
    ) -> None:
        self._service = commands
        self._names = names
        self.answer_now = ANSWER_NOW_SECONDS  # a read's answer this soon goes in the ack
        self._overflow = overflow or Overflow(client=client)
        self._inbox = inbox
        self._groups = groups
        self._oncall_handler = oncall
        self._client = client
        self._channels = channels
        self._session = session
        self._queue: deque[tuple[Awaitable[None], str]] = deque()
        self._workers: set[asyncio.Task[None]] = set()

    # -- background work --------------------------------------------------------------

    def spawn(self, work: Awaitable[None], what: str, *, urgent: bool = False) -> None:
        """Run `work` after the acknowledgement; `urgent` work (views.open) goes first."""
        job = (work, what)
        if urgent:
            self._queue.appendleft(job)
        else:
            self._queue.append(job)
        # A worker that just found the queue empty is done before its callback drops it.
        if sum(not worker.done() for worker in self._workers) < WORKERS:
            worker = asyncio.get_running_loop().create_task(self._work(), name="slack-work")
            self._workers.add(worker)
            worker.add_done_callback(self._workers.discard)

    async def _work(self) -> None:
        # A few workers, not a task per request: a burst of fifty `/incident open`s would
        # otherwise run fifty transactions at once, and the acknowledgements still waiting
        # in the same burst would queue behind all of them.
        while self._queue:
            # Acknowledgements go first: those waiting for the loop, and those whose command
            # is still being written to the inbox (`Inbox.acknowledged_first`).
            await asyncio.sleep(0)
            if self._inbox is not None:
                await self._inbox.acknowledged_first()
            if not self._queue:
                return
            work, what = self._queue.popleft()
            try:
                await work
            except Exception:
                log.exception("slack %s failed", what)

    async def settle(self) -> None:
        """Wait until no background work is left (tests, and draining on shutdown)."""
        while self._workers:
            await asyncio.gather(*list(self._workers), return_exceptions=True)

    async def close(self, grace: float) -> None:
        """Let background work finish for up to `grace` seconds, then cancel the rest."""
        if self._workers:
            _, pending = await asyncio.wait(list(self._workers), timeout=grace)
            for worker in pending:
                worker.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        while self._queue:
            work, what = self._queue.popleft()
            # A recorded command stays in the inbox: the next start runs it.
            log.warning("slack %s not run before shutdown", what)
            if inspect.iscoroutine(work):
                work.close()

    async def groups_of(self, user_id: str) -> frozenset[str]:
        """The configured user groups (`slack-group:S…`) the person is in."""
        return frozenset() if self._groups is None else await self._groups.of(user_id)

    def replier(self, user_id: str, channel_id: str | None, response_url: str | None) -> Replier:
        """A Replier for one person."""
        return Replier(
            client=self._client,
            session=self._session,
            user_id=user_id,
            channel_id=channel_id,
            response_url=response_url,
            quiet=self._inbox.quiet if self._inbox is not None else None,
        )

    # -- the inbox: written before the acknowledgement, done after the answer -----------

    async def _record(self, command: Recorded) -> bool:
        """Write the command to the inbox; False when that failed (then it is not accepted)."""
        if self._inbox is None or command.key is None:
            return True  # nothing to keep it by: it runs as before, in memory only
        return await self._inbox.record(command.key, PLATFORM, command.dump())

    async def _accept(self, command: Recorded, ack: dict[str, Any] | None) -> dict[str, Any] | None:
        """Record, then queue the work; the acknowledgement, or a polite refusal."""
        if not await self._record(command):
            return ephemeral(NOT_RECORDED)
        self.spawn(self._perform(command), command.kind)
        return ack

    async def replay(self) -> int:
        """Queue what an earlier process acknowledged and did not finish; how many."""
        if self._inbox is None:
            return 0
        entries = await self._inbox.take_back(PLATFORM)
        for entry in entries:
            command = Recorded.load(entry.key, entry.command)
            if command is None:
                log.error("slack: cannot read inbox entry %s; it is left out", entry.key)
                await self._inbox.done(entry.key)
                continue
            self.spawn(self._perform(command, replayed=True), f"{command.kind} (replayed)")
        return len(entries)

    async def _perform(self, command: Recorded, *, replayed: bool = False) -> None:
        """Run a recorded command and answer its person, then mark it done. A replayed one
        answers even when the command bus finds it done before the restart: the answer may
        not have reached the person then (the reply is best effort: response_url lasts 30
        minutes)."""
        reply = self.replier(command.user_id, command.channel_id, command.response_url)
        try:
            if command.kind == ONCALL:
                await self._oncall(command.text, reply, command.key, replayed=replayed)
            else:
                request = request_of(command)
                if request is None:
                    log.error("slack: %s asks for nothing that can run; left out", command.key)
                else:
                    await self._run(
                        request[0],
                        number=request[1],
                        reply=reply,
                        request_key=command.key,
                        replayed=replayed,
                    )
        except Exception:
            log.exception("slack %s failed", command.kind)
            await reply.send(ephemeral(FAILED))
        if self._inbox is not None and command.key is not None:
            await self._inbox.done(command.key)
        await self.learn_name(command.user_id)

    async def learn_name(self, user_id: str) -> None:
        """Keep the user's name (asked with `users.info` when the one kept is missing or
        stale); after the person has the answer, never on the way to it. Best effort."""
        if self._names is None or not user_id:
            return
        try:
            person = p.actor(user_id)
        except ValueError:
            return
        await self._names.refresh(person, lambda: self._channels.ask_name(user_id))

    async def _run(
        self,
        request: c.Request,
        *,
        number: int | None,
        reply: Replier,
        request_key: str | None,
        replayed: bool = False,
    ) -> None:
        try:
            outcome = await self._service.handle(
                request,
                actor=p.actor(reply.user_id),
                platform=PLATFORM,
                number=number,
                channel_id=reply.channel_id,
                request_key=request_key,
                groups=await self.groups_of(reply.user_id),
            )
        except Exception:
            log.exception("handling %s from slack failed", type(request).__name__)
            await reply.send(ephemeral(FAILED))
            return
        await self._answer(outcome, reply, replayed=replayed)

    async def _answer(self, outcome: Outcome, reply: Replier, *, replayed: bool = False) -> None:
        if outcome.reply is not None and (replayed or not outcome.duplicate):
            await reply.send(await self._overflow.reply(outcome.reply, reply.user_id))

    # -- slash commands ---------------------------------------------------------------

    async def slash_command(self, command: p.SlashCommand) -> dict[str, Any] | None:
        """The acknowledgement for `/incident …` or `/oncall …`, once the command is in the
        inbox; the work follows in a task."""
        if command.command == "/oncall":  # without rotations, the handler says how to add one
            return await self._accept(_recorded(command, ONCALL), None)
        if command.command != "/incident":
            return ephemeral(f"sevbot does not know `{command.command}`; try `/incident help`.")
        plan = p.plan_incident_command(command.text)
        if isinstance(plan, p.Answer):
            return plan.payload
        if isinstance(plan, p.Dispatch) and isinstance(plan.request, ANSWERED_NOW):
            return await self._read_now(command, plan)
        if isinstance(plan, p.AskStatus):
            reply = self.replier(command.user_id, command.channel_id, command.response_url)
            context = p.ModalContext(
                incident=plan.incident,
                channel_id=command.channel_id,
                response_url=command.response_url,
            )
            self.spawn(
                self._status_modal(command.trigger_id, context, reply), "status-modal", urgent=True
            )
            return None
        return await self._accept(_recorded(command, INCIDENT), plan.ack)

    async def _read_now(self, command: p.SlashCommand, plan: p.Dispatch) -> dict[str, Any] | None:
        """`list` and `timeline` change nothing, so they are not written to the inbox: they run
        now, and the answer is the acknowledgement itself when it is ready within
        `answer_now` seconds (no response_url POST after). A slower one is acknowledged empty
        and answers by response_url when done. A crash in between loses only that answer;
        nothing was changed, and the person asks again."""
        reply = self.replier(command.user_id, command.channel_id, command.response_url)
        read = asyncio.ensure_future(self._read(plan, reply))
        done, _ = await asyncio.wait({read}, timeout=self.answer_now)
        if read in done:
            self.spawn(self.learn_name(command.user_id), "name")
            return read.result()
        self.spawn(self._answer_late(read, reply), "read")
        return None

    async def _read(self, plan: p.Dispatch, reply: Replier) -> dict[str, Any] | None:
        """The answer to a read, as a reply payload; a polite failure if it raised."""
        try:
            outcome = await self._service.handle(
                plan.request,
                actor=p.actor(reply.user_id),
                platform=PLATFORM,
                number=plan.incident,
                channel_id=reply.channel_id,
                groups=await self.groups_of(reply.user_id),
            )
            if outcome.reply is None:
                return None
            return await self._overflow.reply(outcome.reply, reply.user_id)
        except Exception:
            log.exception("reading %s for slack failed", type(plan.request).__name__)
            return ephemeral(FAILED)

    async def _answer_late(
        self, read: asyncio.Future[dict[str, Any] | None], reply: Replier
    ) -> None:
        answer = await read
        if answer is not None:
            await reply.send(answer)
        await self.learn_name(reply.user_id)

    async def _oncall(
        self, text: str, reply: Replier, key: str | None, *, replayed: bool = False
    ) -> None:
        try:
            outcome = await self._oncall_handler.handle_text(
                p.neutral_text(text),
                actor=p.actor(reply.user_id),
                platform=PLATFORM,
                channel_id=reply.channel_id,
                request_key=key,
                groups=await self.groups_of(reply.user_id),
            )
        except Exception:
            log.exception("/oncall from slack failed")
            await reply.send(ephemeral(FAILED))
            return
        await self._answer(outcome, reply, replayed=replayed)

    async def _status_modal(
        self, trigger_id: str | None, context: p.ModalContext, reply: Replier
    ) -> None:
        if context.incident is None and context.channel_id is not None:
            number = await self._channels.incident_of(context.channel_id)
            context = p.ModalContext(
                incident=number, channel_id=context.channel_id, response_url=context.response_url
            )
        if context.incident is None:
            await reply.send(ephemeral(WHICH_INCIDENT))
            return
        await self._open_view(trigger_id, status_modal(context), reply)

    async def _open_view(
        self, trigger_id: str | None, view: dict[str, Any], reply: Replier
    ) -> None:
        if not trigger_id:
            await reply.send(ephemeral("Slack sent no trigger to open a form with; try again."))
            return
        try:
            await self._client.views_open(trigger_id=trigger_id, view=view)
        except SlackApiError as error:
            log.warning("views.open failed: %s", error_code(error))
            await reply.send(
                ephemeral("Could not open the form (Slack allows 3 s); click or run it again.")
            )

    # -- interactivity ----------------------------------------------------------------

    async def block_action(self, body: Mapping[str, Any]) -> None:
        """A click on a summary button: Acknowledge is recorded (then acknowledged and run),
        the others open the matching modal."""
        click = p.button_click(body)
        if click is None:
            return
        reply = self.replier(click.user_id, click.channel_id, click.response_url)
        if click.button in ALERT_BUTTONS:  # an alert card's: `incident` holds the alert group
            await self._alert_click(click, reply)
            return
        if click.button is Button.ACKNOWLEDGE:
            recorded = Recorded(
                key=f"slack:action:{click.trigger_id}" if click.trigger_id else None,
                kind=ACKNOWLEDGE,
                user_id=click.user_id,
                channel_id=click.channel_id,
                response_url=click.response_url,
                incident=click.incident,
            )
            if await self._record(recorded):
                self.spawn(self._perform(recorded), "button-acknowledge")
            else:
                self.spawn(reply.send(ephemeral(NOT_RECORDED)), "button-acknowledge")
            return
        context = p.ModalContext(
            incident=click.incident, channel_id=click.channel_id, response_url=click.response_url
        )
        if click.button is Button.CHANGE_SEVERITY:
            work = self._severity_modal(click.trigger_id, context, reply)
        elif click.button is Button.RESOLVE:
            work = self._open_view(click.trigger_id, resolve_modal(context), reply)
        else:
            work = self._open_view(click.trigger_id, status_modal(context), reply)
        self.spawn(work, f"button-{click.button.value}", urgent=True)  # views.open: within 3 s

    async def _alert_click(self, click: p.ButtonClick, reply: Replier) -> None:
        """Acknowledge or Declare incident on an alert card: recorded, then run."""
        recorded = Recorded(
            key=f"slack:action:{click.trigger_id}" if click.trigger_id else None,
            kind=ALERT,
            user_id=click.user_id,
            channel_id=click.channel_id,
            response_url=click.response_url,
            text=click.button.value,
            alert=click.incident,
        )
        if await self._record(recorded):
            self.spawn(self._perform(recorded), f"button-{click.button.value}")
        else:
            self.spawn(reply.send(ephemeral(NOT_RECORDED)), f"button-{click.button.value}")

    async def _severity_modal(
        self, trigger_id: str | None, context: p.ModalContext, reply: Replier
    ) -> None:
        incident = await self._service.load(context.incident) if context.incident else None
        current = incident.severity if incident is not None else None
        await self._open_view(trigger_id, severity_modal(context, current), reply)

    async def view_submission(self, body: Mapping[str, Any]) -> dict[str, Any] | None:
        """A submitted sevbot modal, once recorded: the modal closes (the ack, None) and the
        request runs after. Not recorded: the form stays open and says why (the ack's errors)."""
        view = body.get("view") or {}
        submission = p.modal_submission(view)
        if submission is None:
            return None
        context = submission.context
        recorded = Recorded(
            key=f"slack:view:{view.get('id')}:{view.get('hash')}" if view.get("id") else None,
            kind=FORM,
            user_id=str((body.get("user") or {}).get("id", "")),
            channel_id=context.channel_id,
            response_url=context.response_url,
            view=view,
        )
        if not await self._record(recorded):
            field = FORM_FIELDS.get(str(view.get("callback_id")), "status")
            return {"response_action": "errors", "errors": {field: NOT_RECORDED_FIELD}}
        self.spawn(self._perform(recorded), "modal")
        return None


def _recorded(command: p.SlashCommand, kind: str) -> Recorded:
    """A slash command as the inbox keeps it, keyed by its trigger id."""
    return Recorded(
        key=f"slack:command:{command.trigger_id}" if command.trigger_id else None,
        kind=kind,
        user_id=command.user_id,
        channel_id=command.channel_id,
        response_url=command.response_url,
        text=command.text,
    )
