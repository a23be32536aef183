"""The command bus: runs a request through the core inside one store transaction.

The incident change, its timeline entries, the messages it causes (outbox) and its re-derived
timers commit together, so a crash loses or doubles none of them.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.events import EventPublisher
from bot.review.markdown import render_review
from bot.views import incident_list, timeline_text
from incidents import commands as c
from incidents.decision import Decision
from incidents.errors import DomainError, IncidentNotFound
from incidents.events import Event
from incidents.handlers import execute, open_incident
from incidents.messages import Audience, Message
from incidents.model import Incident, OnCall
from incidents.parser import ParseError, help_text, parse
from incidents.policy import Policy
from incidents.ports import Clock, Store, UnitOfWork
from incidents.review import review_facts
from incidents.severity import Severity
from incidents.timers import pending_timers

log = logging.getLogger(__name__)


Router = Callable[[Message, str], Sequence[str]]


def default_route(message: Message, origin: str) -> Sequence[str]:
    """Which platforms' outboxes a message goes to: a DM to its recipient's platform, else origin."""
    if message.audience is Audience.DIRECT and message.recipient and ":" in message.recipient:
        platform = message.recipient.split(":", 1)[0]
        if platform == "email":
            return ["slack"]  # the Slack adapter resolves it with users.lookupByEmail
        if platform != "api":
            return [platform]
    return [origin]


class CommandHandler(Protocol):
    """Something that answers a line of chat commands (`/oncall …` has its own)."""

    async def handle_text(
        self,
        text: str,
        *,
        actor: str,
        platform: str,
        channel_id: str | None = None,
        request_key: str | None = None,
    ) -> Outcome:
        """Handle one command line; errors come back as a polite reply."""
        ...


class OnCallLookup(Protocol):
    """Who is on call for a new incident (the on-call rotations provide this)."""

    def __call__(self, severity: Severity) -> OnCall | None:
        """The on-call snapshot to page for an incident of `severity`."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """What a request did: a reply for the person who asked, and the incident it touched."""

    ok: bool
    reply: Message | None = None
    incident: int | None = None
    duplicate: bool = False
    opened: Incident | None = None

    @property
    def reply_text(self) -> str:
        """The reply as plain text ('' when there is none)."""
        return "" if self.reply is None else self.reply.plain_text()


def _reply(text: str, number: int | None = None, kind: str = "reply") -> Message:
    return Message(kind=kind, audience=Audience.REPLY, text=(text,), incident=number)


class IncidentService:
    """Handles requests from any chat adapter, the HTTP API, the CLI and the scheduler."""

    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        policy: Policy,
        oncall: OnCallLookup | None = None,
        events: EventPublisher | None = None,
        on_change: Callable[[], None] = lambda: None,
        route: Router = default_route,
    ) -> None:
        self.store = store
        self.clock = clock
        self.policy = policy
        self._oncall = oncall
        self._events = events or EventPublisher()
        self.on_change = on_change
        self.route = route
        # Reloads on-call edits inside the opening transaction (set by the on-call rotations).
        self.refresh_oncall: Callable[[UnitOfWork], Awaitable[None]] | None = None
        self.review_template: str | None = None  # SEVBOT_REVIEW_TEMPLATE; None: the shipped one
        self.dashboard_link: Callable[[], str | None] = lambda: None

    async def handle_text(
        self,
        text: str,
        *,
        actor: str,
        platform: str,
        channel_id: str | None = None,
        request_key: str | None = None,
    ) -> Outcome:
        """Parse `text` in the command language and handle it."""
        parsed = parse(text, platform)
        if isinstance(parsed, ParseError):
            return Outcome(ok=False, reply=_reply(parsed.message, kind="error"))
        return await self.handle(
            parsed.request,
            actor=actor,
            platform=platform,
            number=parsed.incident,
            channel_id=channel_id,
            request_key=request_key,
        )

    async def handle(
        self,
        request: c.Request,
        *,
        actor: str,
        platform: str,
        number: int | None = None,
        channel_id: str | None = None,
        request_key: str | None = None,
    ) -> Outcome:
        """Handle a parsed request; domain errors come back as a polite reply, nothing changed."""
        try:
            if isinstance(request, c.Help):
                return Outcome(ok=True, reply=_reply(help_text(), kind="help"))
            if isinstance(request, c.ListIncidents):
                return await self._list()
            if isinstance(request, c.ShowDashboardLink):
                link = self.dashboard_link()
                text = (
                    f"Your sign-in link to the incident dashboard (valid 10 min, once): {link}"
                    if link
                    else "The dashboard is off. Set SEVBOT_WEB_TOKEN (and SEVBOT_PUBLIC_URL "
                    "for links) to turn it on."
                )
                return Outcome(ok=link is not None, reply=_reply(text, kind="dashboard"))
            async with self.store.transaction() as uow:
                if request_key is not None and not await uow.remember_request(
                    request_key, self.clock.now()
                ):
                    return Outcome(ok=True, duplicate=True)
                if isinstance(request, c.OpenIncident):
                    outcome, events = await self._open(uow, request, actor, platform)
                else:
                    if number is None and channel_id is not None:
                        number = await uow.incident_in_channel(platform, channel_id)
                    outcome, events = await self._on_incident(uow, request, actor, number)
        except DomainError as error:
            return Outcome(ok=False, reply=_reply(error.message, number, "error"), incident=number)
        self.on_change()
        self._events.publish(events)
        return outcome

    async def _list(self) -> Outcome:
        async with self.store.transaction() as uow:
            incidents = await uow.open_incidents()
        now = self.clock.now()
        return Outcome(
            ok=True, reply=_reply(incident_list(incidents, self.policy, now), kind="list")
        )

    async def _open(
        self, uow: UnitOfWork, request: c.OpenIncident, actor: str, platform: str
    ) -> tuple[Outcome, Sequence[Event]]:
        number = await uow.allocate_number()
        if self.refresh_oncall is not None:
            await self.refresh_oncall(uow)
        oncall = self._oncall(request.severity) if self._oncall else None
        decision = open_incident(
            request,
            number=number,
            actor=actor,
            now=self.clock.now(),
            policy=self.policy,
            origin=platform,
            oncall=oncall,
        )
        await self._commit(uow, decision)
        outcome = Outcome(ok=True, reply=decision.reply, incident=number, opened=decision.incident)
        return outcome, decision.events

    async def _on_incident(
        self, uow: UnitOfWork, request: c.Request, actor: str, number: int | None
    ) -> tuple[Outcome, Sequence[Event]]:
        if number is None:
            open_numbers = [f"#{i.number}" for i in await uow.open_incidents()]
            listing = ", ".join(open_numbers) if open_numbers else "none"
            raise IncidentNotFound(
                "Which incident? Run this in the incident's channel or add its number, "
                f"e.g. `/incident status 42 Rolled back`. Open incidents: {listing}."
            )
        incident = await uow.load(number)
        if incident is None:
            raise IncidentNotFound(
                f"There is no incident #{number}. `/incident list` shows the open ones."
            )
        now = self.clock.now()
        if isinstance(request, c.ShowTimeline):
            return Outcome(
                ok=True,
                reply=_reply(timeline_text(incident, now), number, "timeline"),
                incident=number,
            ), ()
        if isinstance(request, c.ShowReview):
            return await self._review(uow, incident), ()
        assert not isinstance(
            request, c.Help | c.ListIncidents | c.OpenIncident | c.ShowDashboardLink
        )
        decision = execute(incident, request, actor=actor, now=now, policy=self.policy)
        await self._commit(uow, decision)
        return Outcome(ok=True, reply=decision.reply, incident=number), decision.events

    async def _review(self, uow: UnitOfWork, incident: Incident) -> Outcome:
        """Draft the review and post it as a Markdown file in the incident channel."""
        markdown = render_review(
            review_facts(incident, self.policy, self.clock.now()),
            template_path=self.review_template,
        )
        name = f"incident-{incident.number}-review.md"
        message = Message(
            kind="review",
            audience=Audience.INCIDENT,
            incident=incident.number,
            text=(
                f"📘 Review draft for #{incident.number}: fill in the prompts, then "
                "`/incident review done <link>`.",
            ),
            attachment_name=name,
            attachment=markdown,
        )
        await self.enqueue(uow, [message], incident.origin)
        reply = _reply(
            f"Drafted the review of #{incident.number}; it is posted as {name}.", incident.number
        )
        return Outcome(ok=True, reply=reply, incident=incident.number)

    async def _commit(self, uow: UnitOfWork, decision: Decision) -> None:
        incident = decision.incident
        await uow.save(incident)
        await self.enqueue(uow, decision.messages, incident.origin)
        await uow.replace_timers(incident.number, pending_timers(incident, self.policy))

    async def enqueue(self, uow: UnitOfWork, messages: Sequence[Message], origin: str) -> None:
        """Put messages in the outbox of each platform the router picks, in this transaction."""
        now = self.clock.now()
        for message in messages:
            for platform in self.route(message, origin):
                await uow.enqueue([message], platform=platform, now=now)

    async def fire_due_timers(self, number: int) -> int:
        """Fire the incident's due timers in one transaction; 0 if another worker has it."""
        events: list[Event] = []
        fired = 0
        async with self.store.transaction() as uow:
            if not await uow.lock_incident(number):
                return 0
            now = self.clock.now()
            due = await uow.due_timers(number, now)
            incident = await uow.load(number)
            if incident is None or not due:
                return 0
            messages: list[Message] = []
            for key, due_at in due:
                decision = execute(
                    incident,
                    c.FireTimer(key=key, due_at=due_at),
                    actor="sevbot",
                    now=now,
                    policy=self.policy,
                )
                incident = decision.incident
                messages.extend(decision.messages)
                events.extend(decision.events)
                fired += 1
            await self._commit(uow, Decision(incident=incident, messages=tuple(messages)))
        self.on_change()
        self._events.publish(events)
        return fired

    async def bind_channel(self, number: int, platform: str, channel_id: str) -> None:
        """Record the channel a chat adapter created for an incident."""
        async with self.store.transaction() as uow:
            await uow.bind_channel(number, platform, channel_id)

    async def load(self, number: int) -> Incident | None:
        """Read an incident (for adapters rendering summaries and the CLI)."""
        async with self.store.transaction() as uow:
            return await uow.load(number)
