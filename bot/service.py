"""The command bus: runs a request through the core inside one store transaction.

The incident change, its timeline entries, the messages it causes (outbox) and its re-derived
timers commit together, so a crash loses or doubles none of them.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from bot.chat import CommandHandler, Outcome
from bot.events import EventPublisher
from bot.faults import COMMANDS, StoreHealth
from bot.names import names_in
from bot.routing import OutboxWriter
from bot.statuspage import schedule_maintenance
from bot.views import Deadlines, incident_list, timeline_parts
from incidents import commands as c
from incidents.access import Access, AuditEntry, Principal, Ruling, rule
from incidents.decision import Decision
from incidents.errors import DomainError, IncidentNotFound, NotPermitted
from incidents.events import Event
from incidents.examples import example_of
from incidents.handlers import INCIDENT_HANDLERS, execute, open_incident
from incidents.messages import Audience, Message, MessageKind, Text
from incidents.mirror import attribute
from incidents.model import Incident, OnCall
from incidents.parser import ParseError, help_text, parse
from incidents.people import SEVBOT, Person
from incidents.policy import Policy
from incidents.ports import Clock, Store, StoreUnavailable, UnitOfWork
from incidents.private import visible_to
from incidents.review import review_facts
from incidents.severity import Severity
from incidents.timers import TimerKind, pending_timers, timer_kind

log = logging.getLogger(__name__)
__all__ = ["CommandHandler", "IncidentService", "OnCallLookup", "Outcome"]


class OnCallLookup(Protocol):
    """Who is on call for a new incident (the on-call rotations provide this)."""

    def __call__(self, severity: Severity) -> OnCall | None:
        """The on-call snapshot to page for an incident of `severity`."""
        ...


def _reply(
    text: str | Text, number: int | None = None, kind: MessageKind = MessageKind.REPLY
) -> Message:
    parts = (text,) if isinstance(text, str) else text
    return Message(kind=kind, audience=Audience.REPLY, text=parts, incident=number)


@dataclass(slots=True, kw_only=True)
class RequestContext:
    """Who asked (and the groups their platform says they are in), where, about which incident
    (`number`, filled in once it is known); `on_behalf_of` is what an API client says it acts
    for (recorded, grants nothing)."""

    actor: Person
    platform: str
    number: int | None = None
    channel_id: str | None = None
    request_key: str | None = None
    groups: frozenset[str] = frozenset()
    on_behalf_of: str | None = None
    rotation: str | None = None  # opening pages this rotation, not the `page` rule's (alerts)

    @property
    def principal(self) -> Principal:
        """Who asks, as the access rules read it."""
        return Principal(self.actor, self.groups)


class Refused(NotPermitted):
    """A request the access rules refuse; audited after the transaction rolls back."""

    def __init__(self, ruling: Ruling, number: int | None) -> None:
        super().__init__(ruling.reason)
        self.ruling = ruling
        self.number = number


RequestHandler = Callable[["IncidentService", c.Request, RequestContext], Awaitable[Outcome]]
"""Handles one type of request; `REQUEST_HANDLERS` has one for each."""
_Handled = tuple[Outcome, Sequence[Event]]
_TransactionHandler = Callable[
    ["IncidentService", UnitOfWork, c.Request, RequestContext], Awaitable[_Handled]
]
TransactionHandler = _TransactionHandler
"""Handles a request inside its transaction: (outcome, events to publish once committed)."""
_IncidentHandler = Callable[
    ["IncidentService", UnitOfWork, Incident, c.Request, RequestContext], Awaitable[_Handled]
]


class IncidentService:
    """Handles requests from any chat adapter, the HTTP API, the CLI and the scheduler."""

    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        policy: Policy,
        outbox: OutboxWriter,
        oncall: OnCallLookup | None = None,
        refresh_oncall: Callable[[UnitOfWork], Awaitable[None]] | None = None,
        events: EventPublisher | None = None,
        on_change: Callable[[], None] = lambda: None,
        review_template: str | None = None,
        dashboard_link: Callable[[], str | None] = lambda: None,
        access: Access | None = None,
        health: StoreHealth | None = None,
        oncall_in: Callable[[str], OnCall | None] | None = None,
        committed_change: Callable[[UnitOfWork, Incident, Incident], Awaitable[None]] | None = None,
    ) -> None:
        self.store = store
        # In a command's transaction, with the incident before and after it: what GitHub is
        # told (`bot/github/out.py`) is enqueued there, or the command refused.
        self.committed_change = committed_change or _no_change_hook
        # Who is on call in a named rotation now: an alert source's own, and escalation of an
        # incident that paged a rotation other than its severity's.
        self._oncall_in = oncall_in
        self._handlers: dict[type[c.Request], RequestHandler] = dict(REQUEST_HANDLERS)
        self._health = health or StoreHealth(clock)  # store faults met by commands
        self.clock = clock
        self.policy = policy
        self._outbox = outbox
        self._oncall = oncall
        # Reloads on-call edits inside the opening transaction (another replica may have
        # made some): the on-call rotations' `refresh`.
        self._refresh_oncall = refresh_oncall
        self._events = events or EventPublisher()
        self._on_change = on_change
        self.review_template = review_template  # SEVBOT_REVIEW_TEMPLATE; None: the shipped one
        self._dashboard_link = dashboard_link
        self.access = access or Access()  # [access] and [[api_client]]: who may do what
        # Opens take their number one at a time, in the order they reached the bus (a FIFO
        # lock): else overlapping transactions number them in whatever order they commit.
        self._opening = asyncio.Lock()
        self._deadlines = Deadlines()  # `/incident list`'s next deadlines, per incident value

    async def handle_text(
        self,
        text: str,
        *,
        actor: str | Person,
        platform: str,
        channel_id: str | None = None,
        request_key: str | None = None,
        groups: frozenset[str] = frozenset(),
        on_behalf_of: str | None = None,
    ) -> Outcome:
        """Parse `text` in the command language and handle it (`actor`: see `handle`)."""
        parsed = parse(text, platform)
        if isinstance(parsed, ParseError):
            return Outcome(ok=False, reply=_reply(parsed.message, kind=MessageKind.ERROR))
        return await self.handle(
            parsed.request,
            actor=actor,
            platform=platform,
            number=parsed.incident,
            channel_id=channel_id,
            request_key=request_key,
            groups=groups,
            on_behalf_of=on_behalf_of,
        )

    async def handle(
        self,
        request: c.Request,
        *,
        actor: str | Person,
        platform: str,
        number: int | None = None,
        channel_id: str | None = None,
        request_key: str | None = None,
        groups: frozenset[str] = frozenset(),
        on_behalf_of: str | None = None,
    ) -> Outcome:
        """Handle a parsed request; domain errors come back as a polite reply, nothing changed.

        `actor` is who asked, as `platform:id` (`slack:U1`); text is read as a `Person` here.
        `groups` are the user groups or roles the chat platform says the actor is in.
        """
        people = self._outbox.router.people  # one person, several identities: one key
        request = people.canonical_request(request)
        context = RequestContext(
            actor=people.canonical(Person(actor)),
            platform=platform,
            number=number,
            channel_id=channel_id,
            request_key=request_key,
            groups=groups,
            on_behalf_of=on_behalf_of,
        )
        handler = self._handlers[type(request)]
        started = self.clock.now()
        try:
            outcome = await self._attempt(handler, request, context)
        except StoreUnavailable as fault:
            # Once more when that is safe: nothing was committed, or the request key makes a
            # repeat answer with the first answer. Else the person hears what happened.
            self._health.failed(COMMANDS, fault, started=started)
            if fault.committed is not False and context.request_key is None:
                return _store_fault_outcome(fault, context)
            try:
                outcome = await self._attempt(handler, request, context)
            except StoreUnavailable as again:
                self._health.failed(COMMANDS, again)
                return _store_fault_outcome(again, context)
        # Only a request that committed a change proves the store takes writes again.
        self._health.recovered(COMMANDS, wrote=outcome.ok and not isinstance(request, _READS))
        return outcome

    async def _attempt(
        self, handler: RequestHandler, request: c.Request, context: RequestContext
    ) -> Outcome:
        """Run the request's handler once; domain errors come back as a polite reply."""
        try:
            return await handler(self, request, context)
        except DomainError as error:
            number = context.number
            reply = _reply(error.message, number, MessageKind.ERROR)
            if isinstance(error, Refused):  # with mentions: who may do it
                await self._audit_refusal(error, context)
                reply = replace(reply, text=error.ruling.said)
            return Outcome(ok=False, reply=reply, incident=number)

    def _may_see(self, incident: Incident, context: RequestContext) -> bool:
        """A private incident shows (even its number) only to people inside and admins."""
        return self.access.is_admin(context.principal) or visible_to(incident, context.actor)

    def _check(
        self, request: c.Request, incident: Incident | None, context: RequestContext
    ) -> Ruling:
        """The access rules' ruling; raises Refused when the request is not allowed."""
        ruling = rule(request, incident, context.principal, self.access, self.clock.now())
        if not ruling.allowed:
            raise Refused(ruling, None if incident is None else incident.number)
        return ruling

    def _audit_entry(
        self, ruling: Ruling, context: RequestContext, number: int | None
    ) -> AuditEntry:
        return AuditEntry(
            at=self.clock.now(),
            actor=context.actor,
            action=ruling.verb.value,
            what=ruling.what,
            incident=number,
            allowed=ruling.allowed,
            reason=ruling.reason,
            on_behalf_of=context.on_behalf_of,
        )

    async def _audit_allowed(
        self, uow: UnitOfWork, ruling: Ruling, context: RequestContext, number: int | None
    ) -> None:
        """Audit a privileged action in the transaction that makes it."""
        if ruling.privileged:
            await uow.append_audit(self._audit_entry(ruling, context, number))

    async def _audit_refusal(self, refused: Refused, context: RequestContext) -> None:
        """Audit a refusal, in its own transaction (the request's rolled back)."""
        async with self.store.transaction() as uow:
            await uow.append_audit(self._audit_entry(refused.ruling, context, refused.number))

    async def _help(self, request: c.Request, context: RequestContext) -> Outcome:
        return Outcome(ok=True, reply=_reply(help_text(), kind=MessageKind.HELP))

    async def _list(self, request: c.Request, context: RequestContext) -> Outcome:
        async with self.store.reading() as reads:  # a view: no write transaction
            incidents = await reads.open_incidents()
            commanders = [i.incident_commander for i in incidents if i.incident_commander]
            names = await names_in(reads, commanders)
        now = self.clock.now()
        # Private incidents are listed only to the people in them, and to admins.
        viewer = None if self.access.is_admin(context.principal) else context.actor
        upcoming = self._deadlines.of(incidents, self.policy)
        text = incident_list(incidents, self.policy, now, viewer, upcoming)
        return Outcome(ok=True, reply=_reply(text, kind=MessageKind.LIST), names=names)

    async def _alerts_off(self, request: c.Request, context: RequestContext) -> Outcome:
        """An alert card's button when no alert source is configured (any more)."""
        text = "Alerts are not configured here, so this alert card does nothing any more."
        return Outcome(ok=False, reply=_reply(text, kind=MessageKind.ERROR))

    async def _relay_off(self, request: c.Request, context: RequestContext) -> Outcome:
        """A message to relay when relaying is not wired (`bot/mirror.py` registers it)."""
        return Outcome(ok=False)

    async def _dashboard(self, request: c.Request, context: RequestContext) -> Outcome:
        link = self._dashboard_link()
        text = (
            f"Your sign-in link to the incident dashboard (valid 10 min, once): {link}"
            if link
            else "The dashboard is off. Set SEVBOT_WEB_TOKEN (and SEVBOT_PUBLIC_URL "
            "for links) to turn it on."
        )
        return Outcome(ok=link is not None, reply=_reply(text, kind=MessageKind.DASHBOARD))

    async def _open(self, uow: UnitOfWork, request: c.Request, context: RequestContext) -> _Handled:
        assert isinstance(request, c.OpenIncident)
        ruling = self._check(request, None, context)
        number = await uow.allocate_number()
        if self._refresh_oncall is not None:
            await self._refresh_oncall(uow)
        oncall = self._paging(request.severity, context.rotation)
        decision = open_incident(
            request,
            number=number,
            actor=context.actor,
            now=self.clock.now(),
            policy=self.policy,
            origin=context.platform,
            oncall=oncall,
            platforms=self._outbox.router.home_for(context.platform),
        )
        decision = _on_behalf(decision, context, before=0)
        await self._commit(uow, decision, new=True)
        await self._audit_allowed(uow, ruling, context, number)
        outcome = Outcome(ok=True, reply=decision.reply, incident=number, opened=decision.incident)
        return outcome, decision.events

    async def _maintenance(
        self, uow: UnitOfWork, request: c.Request, context: RequestContext
    ) -> _Handled:
        """Announce planned work on the status page (audited: it is a public statement)."""
        assert isinstance(request, c.ScheduleMaintenance)
        ruling = self._check(request, None, context)
        now = self.clock.now()
        reply = await schedule_maintenance(
            uow, request, actor=context.actor, now=now, policy=self.policy
        )
        await self._audit_allowed(uow, ruling, context, None)
        return Outcome(ok=True, reply=reply), ()

    async def _incident(
        self, uow: UnitOfWork, request: c.Request, context: RequestContext
    ) -> Incident:
        """The incident a request is about: its number, else its channel's; refused if none,
        with the request's own command as the example."""
        if context.number is None and context.channel_id is not None:
            context.number = await uow.incident_in_channel(context.platform, context.channel_id)
        number = context.number
        if number is None:
            visible = [
                i.number
                for i in await uow.open_incidents()
                if not i.private or self._may_see(i, context)
            ]
            listing = ", ".join(f"#{n}" for n in visible) if visible else "none"
            raise IncidentNotFound(
                "Which incident? Run this in the incident's channel or add its number, "
                f"e.g. `{example_of(request, visible[0] if visible else 42)}`. "
                f"Open incidents: {listing}."
            )
        incident = await uow.load(number)
        if incident is None:
            raise IncidentNotFound(
                f"There is no incident #{number}. `/incident list` shows the open ones."
            )
        return incident

    async def _execute(
        self, uow: UnitOfWork, incident: Incident, request: c.Request, context: RequestContext
    ) -> _Handled:
        """A command on the incident: the domain decides (`execute`), the decision commits."""
        assert isinstance(request, c.Command)
        ruling = self._check(request, incident, context)
        now = self.clock.now()
        decision = execute(incident, request, actor=context.actor, now=now, policy=self.policy)
        decision = _on_behalf(decision, context, before=len(incident.timeline))
        decision = _from_where(decision, context, before=len(incident.timeline))
        await self._commit(uow, decision)
        await self.committed_change(uow, incident, decision.incident)
        await self._audit_allowed(uow, ruling, context, incident.number)
        return Outcome(ok=True, reply=decision.reply, incident=incident.number), decision.events

    async def _timeline(
        self, uow: UnitOfWork, incident: Incident, request: c.Request, context: RequestContext
    ) -> _Handled:
        self._check(request, incident, context)  # a private incident's timeline is private
        text = timeline_parts(incident, self.clock.now())
        reply = _reply(text, incident.number, MessageKind.TIMELINE)
        names = await names_in(uow, incident.named_people)
        return Outcome(ok=True, reply=reply, incident=incident.number, names=names), ()

    async def _review(
        self, uow: UnitOfWork, incident: Incident, request: c.Request, context: RequestContext
    ) -> _Handled:
        """Draft the review and post it as a Markdown file in the incident channel."""
        from bot.review.markdown import render_review  # jinja2: not for the CLI's store verbs

        self._check(request, incident, context)
        markdown = render_review(
            review_facts(incident, self.policy, self.clock.now()),
            template_path=self.review_template,
            names=await names_in(uow, incident.named_people),
        )
        name = f"incident-{incident.number}-review.md"
        message = Message(
            kind=MessageKind.REVIEW,
            audience=Audience.INCIDENT,
            incident=incident.number,
            text=(
                f"📘 Review draft for #{incident.number}: fill in the prompts, then "
                "`/incident review done <link>`.",
            ),
            attachment_name=name,
            attachment=markdown,
        )
        await self.enqueue(uow, [message], incident.home)
        reply = _reply(
            f"Drafted the review of #{incident.number}; it is posted as {name}.", incident.number
        )
        return Outcome(ok=True, reply=reply, incident=incident.number), ()

    async def _commit(self, uow: UnitOfWork, decision: Decision, *, new: bool = False) -> None:
        """Store the decided incident, its messages (in the outbox) and its timers, in the
        batch forms: a few statements whatever the number of entries, messages and timers.
        `new`: its number was just allocated here, so nothing of it is read first."""
        incident = decision.incident
        if new:
            await uow.create(incident)
        else:
            await uow.save_all([incident])
        home = incident.home
        deliveries = await self._outbox.deliveries(
            uow, decision.messages, [home] if isinstance(home, str) else home
        )
        await uow.enqueue_all(deliveries, now=self._outbox.clock.now())
        await uow.replace_all_timers({incident.number: pending_timers(incident, self.policy)})

    async def enqueue(
        self, uow: UnitOfWork, messages: Sequence[Message], home: str | Sequence[str]
    ) -> None:
        """Put messages in the outbox of each platform the router picks for something living
        on `home` (an incident's platforms, or one platform), in this transaction."""
        await self._outbox.enqueue_on(uow, messages, [home] if isinstance(home, str) else home)

    async def fire_due_timers(self, number: int) -> int:
        """Fire the incident's due timers in one transaction; 0 if another worker has it."""
        async with self.store.transaction() as uow:
            if not await uow.lock_incident(number):
                return 0
            now = self.clock.now()
            due = await uow.due_timers(number, now)
            incident = await uow.load(number)
            if incident is None or not due:
                return 0
            decision, events = await self._fire_on(uow, incident, due, now)
            await self._commit(uow, decision)
        self._on_change()
        self._events.publish(events)
        return len(due)

    async def fire_claimed(self, numbers: Sequence[int], *, holder: str) -> int:
        """Fire the timers `holder` claimed (`Store.claim_due_timers`) on the incidents
        `numbers`, all in one transaction of a few statements whatever their number. Only
        timers still claimed by `holder` fire: one whose lease ended and that another
        scheduler claimed (and fired), or that a command re-scheduled meanwhile, does not.
        Returns how many fired; an error leaves nothing fired (the claims stay)."""
        events: list[Event] = []
        fired = 0
        async with self.store.transaction() as uow:
            incidents = await uow.load_all(numbers)
            claimed = await uow.claimed_timers(numbers, holder)
            now = self.clock.now()
            changed: list[Incident] = []
            deliveries: list[tuple[str, Message]] = []
            for incident in incidents:
                due = [(key, at) for key, at in claimed.get(incident.number, ()) if at <= now]
                if not due:
                    continue
                decision, fired_events = await self._fire_on(uow, incident, due, now)
                changed.append(decision.incident)
                home = decision.incident.home
                deliveries += await self._outbox.deliveries(
                    uow, decision.messages, [home] if isinstance(home, str) else home
                )
                events += fired_events
                fired += len(due)
            await uow.save_all(changed)
            await uow.enqueue_all(deliveries, now=now)
            await uow.replace_all_timers(
                {incident.number: pending_timers(incident, self.policy) for incident in changed}
            )
        if fired:
            self._on_change()
            self._events.publish(events)
        return fired

    async def _fire_on(
        self,
        uow: UnitOfWork,
        incident: Incident,
        due: Sequence[tuple[str, datetime]],
        now: datetime,
    ) -> tuple[Decision, list[Event]]:
        """The incident after its `due` timers fired, with their messages and events."""
        events: list[Event] = []
        messages: list[Message] = []
        oncall = await self._oncall_now(uow, incident, [key for key, _ in due])
        for key, due_at in due:
            decision = execute(
                incident,
                c.FireTimer(key=key, due_at=due_at, oncall=oncall),
                actor=SEVBOT,
                now=now,
                policy=self.policy,
            )
            incident = decision.incident
            messages.extend(decision.messages)
            events.extend(decision.events)
        return Decision(incident=incident, messages=tuple(messages)), events

    async def _oncall_now(
        self, uow: UnitOfWork, incident: Incident, keys: Sequence[str]
    ) -> OnCall | None:
        """Who holds the on-call roles now, when one of `keys` is an escalation step: it pages
        them, not the holders at declaration. None: no step fires, or no lookup, or nobody is
        on call (the step then pages the incident's last snapshot)."""
        if self._oncall is None or not any(timer_kind(key) is TimerKind.ESCALATION for key in keys):
            return None
        if self._refresh_oncall is not None:
            await self._refresh_oncall(uow)
        return self._paging(
            incident.severity, incident.oncall.rotation if incident.oncall else None
        )

    def _paging(self, severity: Severity, rotation: str | None) -> OnCall | None:
        """Who is on call to page: in `rotation` when named (and known), else by the `page`
        rule for `severity`."""
        if rotation is not None and self._oncall_in is not None:
            return self._oncall_in(rotation)
        return self._oncall(severity) if self._oncall else None

    async def paging_now(
        self, uow: UnitOfWork, severity: Severity, rotation: str | None
    ) -> OnCall | None:
        """Who is on call to page now (edits reloaded in this transaction): in `rotation`
        when named, else by the `page` rule; for alert cards."""
        if self._refresh_oncall is not None:
            await self._refresh_oncall(uow)
        return self._paging(severity, rotation)

    def register(self, request_type: type[c.Request], handler: TransactionHandler) -> None:
        """Handle `request_type` with `handler`, in one transaction per request, once per
        request key (the alert cards' buttons: `bot/alerts`)."""
        self._handlers[request_type] = _in_transaction(handler)

    async def open_in(
        self, uow: UnitOfWork, request: c.OpenIncident, context: RequestContext
    ) -> tuple[Outcome, Sequence[Event]]:
        """Open an incident inside the caller's transaction (alerts, heartbeats)."""
        return await self._open(uow, request, context)

    async def execute_in(
        self, uow: UnitOfWork, incident: Incident, request: c.Command, context: RequestContext
    ) -> tuple[Outcome, Sequence[Event]]:
        """Run a command on `incident` inside the caller's transaction; DomainError if refused."""
        return await self._execute(uow, incident, request, context)

    def committed(self, events: Sequence[Event]) -> None:
        """After the caller's transaction committed: wake the loops, publish the events."""
        self._on_change()
        self._events.publish(events)

    async def bind_channel(self, number: int, platform: str, channel_id: str) -> None:
        """Record the channel a chat adapter created for an incident."""
        async with self.store.transaction() as uow:
            await uow.bind_channel(number, platform, channel_id)

    # Reads outside a write transaction (`Store.reading`): one statement each, no BEGIN and
    # COMMIT, no row lock; what they return is as the last commit left it. The delivery path
    # runs them before creating an incident's channel (issue 20: the first channel).

    async def channel_of(self, number: int, platform: str) -> str | None:
        """The incident's channel on `platform`, if one was created."""
        async with self.store.reading() as reads:
            return await reads.channel_of(number, platform)

    async def incident_in_channel(self, platform: str, channel_id: str) -> int | None:
        """The incident whose channel this is, if any."""
        async with self.store.reading() as reads:
            return await reads.incident_in_channel(platform, channel_id)

    async def load(self, number: int) -> Incident | None:
        """Read an incident (for adapters rendering summaries and the CLI)."""
        async with self.store.reading() as reads:
            return await reads.load(number)


async def _no_change_hook(uow: UnitOfWork, before: Incident, after: Incident) -> None:
    """No `committed_change` hook: nothing more happens in the transaction."""


def _in_transaction(handler: _TransactionHandler) -> RequestHandler:
    """Run `handler` in one store transaction, once per request key; publish what committed."""

    async def handle(
        service: IncidentService, request: c.Request, context: RequestContext
    ) -> Outcome:
        async with service.store.transaction() as uow:
            key = context.request_key
            if key is not None and not await uow.remember_request(key, service.clock.now()):
                return _repeat(await uow.request_answer(key))
            outcome, events = await handler(service, uow, request, context)
            if key is not None:
                await uow.record_answer(key, _answer(outcome))
        service._on_change()
        service._events.publish(events)
        return outcome

    return handle


def _in_arrival_order(handler: RequestHandler) -> RequestHandler:
    """Run `handler` one request at a time, in the order the requests reached the bus. Taking
    the lock does not wait when it is free, so the order is that of the calls; and it is taken
    before the transaction, so a request waiting its turn holds no database connection."""

    async def in_order(
        service: IncidentService, request: c.Request, context: RequestContext
    ) -> Outcome:
        async with service._opening:
            return await handler(service, request, context)

    return in_order


def _store_fault_outcome(fault: StoreUnavailable, context: RequestContext) -> Outcome:
    """The polite failure of a request the store could not take: whether it was done."""
    if fault.committed is None:
        text = (
            "⚠️ sevbot lost its database connection while saving this, so it may or may not "
            "have been done. Check `/incident list` or the incident's timeline before trying "
            "again."
        )
    else:
        text = (
            "⚠️ sevbot cannot reach its database right now, so nothing was done. Please try "
            "again in a minute."
        )
    reply = _reply(text, context.number, MessageKind.ERROR)
    return Outcome(ok=False, reply=reply, incident=context.number, unavailable=True)


_READS = (c.ShowTimeline, c.ListIncidents, c.Help, c.ShowDashboardLink)
"""Requests that only read the store."""


def _answer(outcome: Outcome) -> str:
    """What a repeat of the request answers: the first answer, as stored JSON."""
    return json.dumps(
        {"ok": outcome.ok, "incident": outcome.incident, "reply": outcome.reply_text},
        ensure_ascii=False,
    )


def _repeat(stored: str | None) -> Outcome:
    """The outcome of a repeated request: the first answer, marked as a duplicate."""
    if stored is None:  # remembered before answers were kept
        return Outcome(ok=True, duplicate=True)
    first = json.loads(stored)
    reply = _reply(str(first.get("reply") or ""), first.get("incident"))
    return Outcome(
        ok=bool(first.get("ok")), reply=reply, incident=first.get("incident"), duplicate=True
    )


def _on_behalf(decision: Decision, context: RequestContext, *, before: int) -> Decision:
    """Mark the timeline entries this request added with whom an API client acted for."""
    if not context.on_behalf_of:
        return decision
    incident = decision.incident
    stamped = tuple(
        entry
        if index < before or entry.actor != context.actor
        else replace(entry, data=(*entry.data, ("on_behalf_of", context.on_behalf_of)))
        for index, entry in enumerate(incident.timeline)
    )
    return replace(decision, incident=replace(incident, timeline=stamped))


def _from_where(decision: Decision, context: RequestContext, *, before: int) -> Decision:
    """On a mirrored incident, what a person's command posts in its channels says on which
    platform they gave it ("… from @Ana Lima (Discord)"), and so do the timeline entries it
    added (the review and the timeline show it)."""
    incident = decision.incident
    if not incident.mirrored or context.actor.is_tool or context.platform not in incident.home:
        return decision
    stamped = tuple(
        replace(entry, data=(*entry.data, ("platform", context.platform)))
        if index >= before and entry.actor == context.actor
        else entry
        for index, entry in enumerate(incident.timeline)
    )
    messages = attribute(decision.messages, context.actor, context.platform)
    return replace(decision, incident=replace(incident, timeline=stamped), messages=messages)


def _on_incident(handler: _IncidentHandler) -> RequestHandler:
    """Run `handler` on the request's incident, loaded (locked) in the transaction."""

    async def with_incident(
        service: IncidentService, uow: UnitOfWork, request: c.Request, context: RequestContext
    ) -> _Handled:
        incident = await service._incident(uow, request, context)
        return await handler(service, uow, incident, request, context)

    return _in_transaction(with_incident)


EXECUTE_ON_INCIDENT: RequestHandler = _on_incident(IncidentService._execute)
"""The handler of every command on an existing incident: the domain's table picks its handler."""

REQUEST_HANDLERS: dict[type[c.Request], RequestHandler] = {
    **dict.fromkeys(INCIDENT_HANDLERS, EXECUTE_ON_INCIDENT),
    c.Help: IncidentService._help,
    c.ListIncidents: IncidentService._list,
    c.ShowDashboardLink: IncidentService._dashboard,
    # Numbers in arrival order: the first open acknowledged gets the lower number.
    c.OpenIncident: _in_arrival_order(_in_transaction(IncidentService._open)),
    c.ScheduleMaintenance: _in_transaction(IncidentService._maintenance),
    c.ShowTimeline: _on_incident(IncidentService._timeline),
    c.ShowReview: _on_incident(IncidentService._review),
    # An alert card's buttons: the alert service (bot/alerts) registers its own handlers.
    c.AcknowledgeAlert: IncidentService._alerts_off,
    c.DeclareAlertIncident: IncidentService._alerts_off,
    c.RelayMessage: IncidentService._relay_off,
}
"""Each request type's one handler: queries and opening here, incident commands in the domain."""
