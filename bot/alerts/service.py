"""Alerts applied: each notification in one store transaction with everything it causes.

The domain (`incidents.alerts`) says what a notification means for its group; here that is
done: an incident opened by the source (`alerts:<name>`, a tool) and paged as any incident, a
timeline entry and a message on the incident, a card in the on-call channel, a resolution.
The group, the incident and the outbox commit together, once per received notification (its
inbox key is remembered in the same transaction), so a restart repeats and loses nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from bot.chat import Outcome
from bot.routing import OutboxWriter
from bot.service import IncidentService, RequestContext
from incidents import commands as c
from incidents.alerts import storm
from incidents.alerts.cards import card_acknowledged, card_changes, card_declared, card_messages
from incidents.alerts.grouping import Reception, Step, carded, opened, receive
from incidents.alerts.model import (
    UNMAPPED,
    AlertGroup,
    Notification,
    SourceRules,
    source_actor,
)
from incidents.alerts.wording import (
    all_resolved,
    changes,
    incident_title,
    opening_summary,
    storm_note,
    storm_opening,
)
from incidents.errors import IncidentNotFound
from incidents.events import Event
from incidents.messages import Audience, Mention, Message, MessageKind, Part
from incidents.model import Incident
from incidents.people import Person
from incidents.phase import Phase
from incidents.ports import Clock, Store, UnitOfWork
from incidents.severity import Severity

log = logging.getLogger(__name__)
Events = list[Event]


@dataclass(frozen=True, slots=True, kw_only=True)
class _Work:
    """One notification being applied: its transaction, rules, what the domain made of it."""

    uow: UnitOfWork
    rules: SourceRules
    before: AlertGroup | None
    reception: Reception
    storm: storm.StormState
    incident: Incident | None
    now: datetime


def _reply(*text: Part, number: int | None = None) -> Message:
    return Message(kind=MessageKind.REPLY, audience=Audience.REPLY, text=text, incident=number)


def _known(severity: Severity | None) -> Severity:
    """The severity, or SEV-3 when there is none (SEV-0 is falsy: never `or` a severity)."""
    return severity if severity is not None else UNMAPPED


def _human_ack(incident: Incident) -> bool:
    """Acknowledged by a person (a tool's acknowledgement, an Events `acknowledge`, is not)."""
    who = incident.acknowledged_by
    return who is not None and not Person.stored(who).is_tool


class AlertService:
    """Applies notifications of the configured sources (heartbeats included), and answers the
    buttons of alert cards (registered with the command bus)."""

    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        incidents: IncidentService,
        outbox: OutboxWriter,
        sources: Mapping[str, SourceRules],
        platform: str,
    ) -> None:
        self._store = store
        self._clock = clock
        self._incidents = incidents
        self._outbox = outbox
        self.sources = dict(sources)
        self._platform = platform  # where incidents opened by alerts live
        incidents.register(c.AcknowledgeAlert, self._acknowledge_card)
        incidents.register(c.DeclareAlertIncident, self._declare)

    async def receive(self, notification: Notification, key: str) -> bool:
        """Apply a notification recorded under `key`, once: False when it was applied before
        (a restart found it done) or its source is no longer configured."""
        rules = self.sources.get(notification.source)
        if rules is None:
            log.error("alert %s: source `%s` is not configured; left out", key, notification.source)
            return False
        async with self._store.transaction() as uow:
            if not await uow.remember_request(key, self._clock.now()):
                return False
            events = await self.receive_in(uow, notification, rules)
        self._incidents.committed(events)
        return True

    def committed(self, events: Sequence[Event]) -> None:
        """After the caller's transaction committed: wake the loops, publish the events."""
        self._incidents.committed(events)

    async def receive_in(
        self, uow: UnitOfWork, notification: Notification, rules: SourceRules
    ) -> Events:
        """Apply a notification inside the caller's transaction; the events to publish."""
        now = self._clock.now()
        state = await uow.storm_state(rules.name)  # locks the source: one at a time
        group = await uow.alert_group(notification.source, notification.group_key)
        incident = await self._incident_of(uow, group)
        active = incident is not None and incident.is_active
        reception = receive(group, notification, rules, now, incident_active=active)
        work = _Work(
            uow=uow,
            rules=rules,
            before=group,
            reception=reception,
            storm=state,
            incident=incident,
            now=now,
        )
        return await _STEPS[reception.step](self, work)

    async def _incident_of(self, uow: UnitOfWork, group: AlertGroup | None) -> Incident | None:
        if group is None or group.incident is None:
            return None
        return await uow.load(group.incident)

    # -- on incidents -----------------------------------------------------------------

    async def _open_incident(
        self,
        uow: UnitOfWork,
        severity: Severity,
        title: str,
        rules: SourceRules,
        context: RequestContext | None = None,
    ) -> tuple[Outcome, Events]:
        """Declare an incident as the source (or as whoever `context` says), paging the
        source's rotation (or the `page` rule's)."""
        context = context or RequestContext(actor=source_actor(rules.name), platform=self._platform)
        context.rotation = rules.rotation
        request = c.OpenIncident(severity=severity, title=title)
        outcome, events = await self._incidents.open_in(uow, request, context)
        return outcome, list(events)

    async def record_in(
        self,
        uow: UnitOfWork,
        number: int,
        command: c.Command,
        rules: SourceRules,
        *,
        loaded: Incident | None = None,
    ) -> Events:
        """Run `command` on incident `number` as the source, in the caller's transaction. The
        incident is read again (each command sees the one before) unless `loaded` is it as
        read in this transaction and not changed since."""
        incident = loaded if loaded is not None else await uow.load(number)
        if incident is None or incident.phase is Phase.CLOSED:
            return []
        context = RequestContext(
            actor=source_actor(rules.name), platform=incident.origin, number=number
        )
        _, events = await self._incidents.execute_in(uow, incident, command, context)
        return list(events)

    async def _post(self, uow: UnitOfWork, messages: Sequence[Message]) -> None:
        """Cards and their news go where the rotation's on-call channel is, on every running
        platform (as on-call messages do); a page by direct message to its person's."""
        await self._outbox.enqueue_on(
            uow, messages, self._outbox.router.platforms or [self._platform]
        )

    # -- the steps ----------------------------------------------------------------------

    async def _nothing(self, work: _Work) -> Events:
        group = work.reception.group
        if group.id or group.alerts:  # a group worth remembering (not a stray resolution)
            await work.uow.save_alert_group(group, work.now)
        return []

    async def _open(self, work: _Work) -> Events:
        severity = _known(work.reception.severity)
        rules = work.rules
        if storm.in_storm(work.storm, rules.max_incidents_per_minute, work.now):
            return await self._storm(work, severity)
        group = work.reception.group
        outcome, events = await self._open_incident(
            work.uow, severity, incident_title(group), rules
        )
        number = outcome.incident
        assert number is not None
        group = await work.uow.save_alert_group(opened(group, number), work.now)
        entry, text = opening_summary(group, rules, work.now)
        events += await self.record_in(
            work.uow, number, c.RecordAlerts(entry=entry, text=text, pin=True), rules
        )
        await work.uow.save_storm_state(storm.opened(work.storm, work.now))
        before = work.before
        if before is not None and before.card_at is not None and before.firing:
            note = (
                f"🚨 The alert {incident_title(group)} crossed the incident threshold: #{number}."
            )
            await self._post_card_news(work, group, severity, (note,))
        return events

    async def _storm(self, work: _Work, severity: Severity) -> Events:
        """Beyond the limit: the group joins the source's storm incident (opened if none is
        active), which lists every group that joins and says why."""
        rules = work.rules
        limit = rules.max_incidents_per_minute or 0
        state = work.storm
        current = await work.uow.load(state.incident) if state.incident is not None else None
        events: Events = []
        if current is not None and current.is_active:
            number = current.number
            state = storm.joined(state)
        else:
            outcome, events = await self._open_incident(
                work.uow, severity, storm_opening(rules.name, limit), rules
            )
            assert outcome.incident is not None
            number = outcome.incident
            entry, text = storm_note(rules.name, limit)
            events += await self.record_in(
                work.uow, number, c.RecordAlerts(entry=entry, text=text, pin=True), rules
            )
            state = storm.storm_started(state, number)
        group = await work.uow.save_alert_group(opened(work.reception.group, number), work.now)
        entry, text = opening_summary(group, rules, work.now, storm=True)
        events += await self.record_in(
            work.uow, number, c.RecordAlerts(entry=entry, text=text), rules
        )
        await work.uow.save_storm_state(state)
        return events

    async def _update(self, work: _Work) -> Events:
        """Tell the group's incident what fired or resolved; when every alert it follows has
        resolved, say so with the times, and resolve it (`auto_resolve`, no person's
        acknowledgement) or offer the Resolve button."""
        reception, rules, now = work.reception, work.rules, work.now
        group = await work.uow.save_alert_group(reception.group, now)
        incident = work.incident
        if incident is None or incident.phase is Phase.CLOSED:
            return []
        entry, text = changes(group, reception.fired, reception.resolved, rules, now)
        offer = resolving = False
        if reception.all_resolved:
            groups = await work.uow.alert_groups_of(incident.number)
            if not any(each.firing for each in groups):
                alerts = [
                    alert
                    for each in groups
                    for alert in each.alerts
                    if alert.ends_at is None or alert.ends_at >= incident.declared_at
                ]
                resolving = rules.auto_resolve and incident.is_active and not _human_ack(incident)
                said, text = all_resolved(
                    alerts, now, resolving=resolving, resolved_already=not incident.is_active
                )
                entry = f"{entry}; {said}"
                offer = incident.is_active and not resolving
        command = c.RecordAlerts(entry=entry, text=text, offer_resolve=offer)
        events = await self.record_in(work.uow, incident.number, command, rules, loaded=incident)
        if resolving:
            summary = f"Every alert resolved; resolved by {rules.name} (auto_resolve)."
            events += await self.record_in(
                work.uow, incident.number, c.Resolve(summary=summary), rules
            )
        return events

    async def _rotation(
        self, uow: UnitOfWork, rules: SourceRules, severity: Severity
    ) -> str | None:
        oncall = await self._incidents.paging_now(uow, severity, rules.rotation)
        return oncall.rotation if oncall is not None else rules.rotation

    async def rotation_in(self, uow: UnitOfWork, source: str, severity: Severity) -> str | None:
        """The rotation whose on-call channel hears `source` (its own, else the `page` rule's)."""
        return await self._rotation(uow, self.sources[source], severity)

    async def post_in(self, uow: UnitOfWork, messages: Sequence[Message]) -> None:
        """Enqueue on-call messages of alerts (a digest) in the caller's transaction."""
        await self._post(uow, messages)

    async def _card(self, work: _Work) -> Events:
        severity = _known(work.reception.severity)
        oncall = await self._incidents.paging_now(work.uow, severity, work.rules.rotation)
        group = await work.uow.save_alert_group(carded(work.reception.group, work.now), work.now)
        messages = card_messages(group, work.rules, oncall, severity, work.now)
        await self._post(work.uow, messages)
        return []

    async def _card_update(self, work: _Work) -> Events:
        reception = work.reception
        group = await work.uow.save_alert_group(reception.group, work.now)
        severity = _known(work.rules.worst(group.alerts))
        rotation = await self._rotation(work.uow, work.rules, severity)
        message = card_changes(
            group, reception.fired, reception.resolved, work.rules, work.now, rotation
        )
        await self._post(work.uow, [message])
        return []

    async def _post_card_news(
        self, work: _Work, group: AlertGroup, severity: Severity, text: tuple[Part, ...]
    ) -> None:
        rotation = await self._rotation(work.uow, work.rules, severity)
        message = Message(
            kind=MessageKind.ALERT_UPDATE,
            audience=Audience.ONCALL,
            text=text,
            rotation=rotation,
            alert=group.id,
        )
        await self._post(work.uow, [message])

    async def _acknowledge(self, work: _Work) -> Events:
        """An Events API `acknowledge`: the group's incident is acknowledged by the source (a
        tool: reminders still address people), or its card is."""
        group, incident = work.reception.group, work.incident
        if incident is not None and incident.is_active and group.card_at is None:
            if incident.acknowledged_at is not None:
                return []
            return await self.record_in(work.uow, incident.number, c.Acknowledge(), work.rules)
        if group.card_at is None or group.acknowledged_by is not None:
            return []
        actor = source_actor(work.rules.name)
        group = await work.uow.save_alert_group(replace(group, acknowledged_by=actor), work.now)
        severity = _known(work.rules.worst(group.alerts))
        rotation = await self._rotation(work.uow, work.rules, severity)
        await self._post(work.uow, [card_acknowledged(group, actor, rotation)])
        return []

    # -- an alert card's buttons ----------------------------------------------------------

    async def _card_group(self, uow: UnitOfWork, alert: int) -> tuple[AlertGroup, SourceRules]:
        group = await uow.alert_group_by_id(alert)
        if group is None:
            raise IncidentNotFound(f"There is no alert {alert} here (its card may be old).")
        return group, self.sources.get(group.source) or SourceRules(name=group.source)

    async def _acknowledge_card(
        self,
        service: IncidentService,
        uow: UnitOfWork,
        request: c.Request,
        context: RequestContext,
    ) -> tuple[Outcome, Sequence[Event]]:
        """Acknowledge on a card: the card's alert is acknowledged (if it became an incident
        meanwhile, the incident is)."""
        assert isinstance(request, c.AcknowledgeAlert)
        context.number = None
        group, rules = await self._card_group(uow, request.alert)
        name = incident_title(group)
        if group.card_at is None and group.incident is not None:
            incident = await uow.load(group.incident)
            if incident is not None and incident.is_active:
                context.number = incident.number
                return await service.execute_in(uow, incident, c.Acknowledge(), context)
        if group.acknowledged_by is not None:
            said = _reply(
                f"The alert {name} was acknowledged already, by ",
                Mention(group.acknowledged_by),
                ".",
            )
            return Outcome(ok=True, reply=said), ()
        now = self._clock.now()
        group = await uow.save_alert_group(replace(group, acknowledged_by=context.actor), now)
        rotation = await self._rotation(uow, rules, _known(rules.worst(group.alerts)))
        await self._post(uow, [card_acknowledged(group, context.actor, rotation)])
        return Outcome(ok=True, reply=_reply(f"👀 You acknowledged the alert {name}.")), ()

    async def _declare(
        self,
        service: IncidentService,
        uow: UnitOfWork,
        request: c.Request,
        context: RequestContext,
    ) -> tuple[Outcome, Sequence[Event]]:
        """Declare incident on a card: an incident opened by whoever clicked, at the alert's
        severity, paging the source's rotation; the alert goes with it."""
        assert isinstance(request, c.DeclareAlertIncident)
        context.number = None
        group, rules = await self._card_group(uow, request.alert)
        if group.card_at is None and group.incident is not None:
            said = _reply(
                f"The alert is incident #{group.incident} already.", number=group.incident
            )
            return Outcome(ok=True, reply=said, incident=group.incident), ()
        now = self._clock.now()
        firing = rules.worst(group.firing)
        severity = _known(firing if firing is not None else rules.worst(group.alerts))
        outcome, events = await self._open_incident(
            uow, severity, incident_title(group), rules, context
        )
        number = outcome.incident
        assert number is not None
        group = await uow.save_alert_group(opened(group, number), now)
        entry, text = opening_summary(group, rules, now)
        events += await self.record_in(
            uow, number, c.RecordAlerts(entry=entry, text=text, pin=True), rules
        )
        rotation = await self._rotation(uow, rules, severity)
        await self._post(uow, [card_declared(group, context.actor, number, rotation)])
        return outcome, events


_Step = Callable[[AlertService, _Work], Awaitable[Events]]
_STEPS: dict[Step, _Step] = {
    Step.NOTHING: AlertService._nothing,
    Step.OPEN: AlertService._open,
    Step.UPDATE: AlertService._update,
    Step.CARD: AlertService._card,
    Step.CARD_UPDATE: AlertService._card_update,
    Step.ACKNOWLEDGE: AlertService._acknowledge,
}
"""What each step of `incidents.alerts.grouping` does: one handler each."""
