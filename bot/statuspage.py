"""The status page's records outside incidents: scheduled maintenance (the core plans it, the
store keeps it, the asker hears what the page now says; its status moves by the clock alone,
see `incidents.maintenance`) and when each configured component first appeared."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from incidents import commands as c
from incidents.maintenance import announcement, plan_maintenance
from incidents.messages import Audience, Message, MessageKind
from incidents.people import Person
from incidents.policy import Policy
from incidents.ports import StatusPageRecords, Store


async def schedule_maintenance(
    records: StatusPageRecords,
    request: c.ScheduleMaintenance,
    *,
    actor: Person,
    now: datetime,
    policy: Policy,
) -> Message:
    """Store the planned work `request` announces; the reply says what the page shows. A
    request the core refuses (it ends before it starts, starts in the past…) raises."""
    planned = plan_maintenance(request, actor=actor, now=now, policy=policy)
    planned = replace(planned, id=await records.add_maintenance(planned))
    return Message(
        kind=MessageKind.MAINTENANCE, audience=Audience.REPLY, text=(announcement(planned),)
    )


async def register_components(store: Store, names: Sequence[str], now: datetime) -> None:
    """At start-up: a component configured for the first time is created `now` (its
    `created_at` in `summary.json` stays what it was first seen as)."""
    if not names:
        return
    async with store.transaction() as uow:
        await uow.register_components(names, now)
