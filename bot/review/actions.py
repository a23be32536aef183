"""Action items across incidents: the open list (for the Monday handoff) and the weekly nag.

The nag is a durable job, `nag:actions`: once a week (Monday 09:00 UTC) each owner gets one
direct message listing their open items across every incident, closed ones included, until
they are done. It runs in the job's transaction, so several replicas send it once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, time, timedelta

from incidents.messages import Audience, Message, MessageKind, Part, Tone
from incidents.model import ActionItem, Incident
from incidents.people import Person
from incidents.ports import ActionItemRecords, Store, UnitOfWork
from incidents.timefmt import duration_text

log = logging.getLogger(__name__)

NAG_JOB = "nag:actions"
NAG_WEEKDAY = 0  # Monday
NAG_TIME = time(9, 0)  # UTC, with the on-call handoff


async def open_action_items(
    uow: ActionItemRecords, now: datetime
) -> list[tuple[Incident, ActionItem]]:
    """Every action item not done yet, across all incidents (closed ones too), as of `now`.

    Ordered by incident number, then item number. The Monday handoff lists these.
    """
    return [
        (incident, item)
        for incident in await uow.incidents_with_open_action_items()
        for item in incident.action_items
        if item.done_at is None
    ]


def next_nag_at(now: datetime) -> datetime:
    """The first Monday 09:00 UTC strictly after `now`."""
    utc = now.astimezone(UTC)
    days = (NAG_WEEKDAY - utc.weekday()) % 7
    candidate = datetime.combine(utc.date() + timedelta(days=days), NAG_TIME, tzinfo=UTC)
    return candidate if candidate > utc else candidate + timedelta(weeks=1)


def item_line(incident: Incident, item: ActionItem, now: datetime) -> str:
    """`#42 Checkout is failing · 1. Add a 502 alert (open 8 d)`: one item, for lists."""
    age = duration_text(now - item.created_at)
    return f"#{incident.number} {incident.title} · {item.number}. {item.text} (open {age})"


def nag_message(owner: Person, items: list[tuple[Incident, ActionItem]], now: datetime) -> Message:
    """The weekly direct message to one owner, listing their open items."""
    count = len(items)
    lines: list[Part] = [
        f"☑️ You have {count} open action item{'s' if count != 1 else ''}:",
    ]
    for incident, item in items:
        lines.append(f"\n• {item_line(incident, item, now)}")
    first_incident, first_item = items[0]
    lines.append(
        "\nWhen one is done: `/incident action <incident> done <item>`, e.g. "
        f"`/incident action {first_incident.number} done {first_item.number}`."
    )
    return Message(
        kind=MessageKind.ACTION_ITEMS_NAG,
        audience=Audience.DIRECT,
        recipient=owner,
        title="Open action items",
        text=tuple(lines),
        tone=Tone.INFO,
    )


Enqueue = Callable[[UnitOfWork, list[Message], str], Awaitable[None]]


def nag_job(
    enqueue: Enqueue, sent: Callable[[int], None] = lambda count: None
) -> Callable[[UnitOfWork, str, datetime, datetime], Awaitable[datetime | None]]:
    """The `nag:actions` job handler: one DM per owner, then due again next Monday."""

    async def run(uow: UnitOfWork, name: str, due_at: datetime, now: datetime) -> datetime:
        by_owner: dict[Person, list[tuple[Incident, ActionItem]]] = {}
        for incident, item in await open_action_items(uow, now):
            if item.owner is not None:
                by_owner.setdefault(item.owner, []).append((incident, item))
        for owner, items in sorted(by_owner.items()):
            await enqueue(uow, [nag_message(owner, items, now)], items[0][0].origin)
        if by_owner:
            log.info("nagged %s owners about their open action items", len(by_owner))
        sent(len(by_owner))
        return next_nag_at(now)

    return run


async def seed_action_nag(store: Store, now: datetime) -> None:
    """Make sure the weekly nag's job row exists (kept where it is if already scheduled)."""
    async with store.transaction() as uow:
        if await uow.job_due(NAG_JOB) is None:
            await uow.schedule_job(NAG_JOB, next_nag_at(now))
