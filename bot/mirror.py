"""Mirrored incidents in the running bot: what people write in one incident channel, relayed to
the incident's channels on its other platforms (`[mirror] relay_messages = true`).

The chat adapters hand each message written in an incident channel (never the bot's own, so
nothing loops) to the command bus as `RelayMessage`, with a request key of its own
(`slack:relay:<channel>:<ts>`, `discord:relay:<message id>`): a retried event is relayed once.
The copy is one outbox row per other platform, in order with the incident's other messages
there, and names its author as text (`incidents.mirror.relay_message`): it pings nobody.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.chat import Outcome
from bot.names import names_in
from bot.service import IncidentService, Refused, RequestContext, TransactionHandler
from incidents import commands as c
from incidents.access import rule
from incidents.directory import PeopleDirectory
from incidents.events import Event
from incidents.mirror import author_name, relay_message
from incidents.ports import UnitOfWork


def relay_handler(people: PeopleDirectory, *, enabled: bool) -> TransactionHandler:
    """The handler of `RelayMessage`: relays to the incident's other platforms when `enabled`
    and the incident is mirrored; otherwise does nothing."""

    async def relay(
        service: IncidentService, uow: UnitOfWork, request: c.Request, context: RequestContext
    ) -> tuple[Outcome, Sequence[Event]]:
        assert isinstance(request, c.RelayMessage)
        if not enabled or context.number is None:
            return Outcome(ok=False), ()
        incident = await uow.load(context.number)
        if incident is None or incident.closed_at is not None or not incident.mirrored:
            return Outcome(ok=False, incident=context.number), ()
        ruling = rule(request, incident, context.principal, service.access, service.clock.now())
        if not ruling.allowed:
            raise Refused(ruling, incident.number)
        others = [platform for platform in incident.home if platform != context.platform]
        if not others or not (request.text.strip() or request.links):
            return Outcome(ok=True, incident=incident.number), ()
        names = {**await names_in(uow, [request.author]), **people.names()}
        message = relay_message(
            incident.number,
            author=author_name(request.author, names, request.name),
            platform=context.platform,
            text=request.text,
            links=request.links,
        )
        await service.enqueue(uow, [message], others)
        return Outcome(ok=True, incident=incident.number), ()

    return relay


__all__ = ["relay_handler"]
