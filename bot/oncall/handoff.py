"""Handoffs as durable jobs: `handoff:<rotation>` at each handoff, and
`handoff-reminder:<rotation>` a while before it.

A job row holds the next due time. The scheduler runs a due job under its row lock in one
transaction with the messages it enqueues and its next due time, so a handoff is posted once
even with several replicas. A bot that was down at the handoff posts it once on its return,
marked late; a reminder whose shift has already started is dropped (the handoff says it all).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import replace
from datetime import datetime, timedelta

from bot.oncall.service import OnCallService
from bot.scheduler import JobHandler
from incidents.messages import Part
from incidents.model import Incident
from incidents.oncall.handoff import LATE_AFTER, belongs_to, handoff_messages, reminder_message
from incidents.oncall.rotation import Rotation, handoff_at, shift_index
from incidents.oncall.schedule import holders_at
from incidents.ports import JobRecords, Store, UnitOfWork

HANDOFF = "handoff"
REMINDER = "handoff-reminder"
# An incident declared this long before the last shift may still have paged during it (a
# SEV-3's next-business-day page after a long weekend).
PAGES_LOOKBACK = timedelta(days=7)
TOLERANCE = timedelta(minutes=1)


def next_handoff(rotation: Rotation, after: datetime) -> datetime:
    """The first handoff strictly after `after` (the first one, before the rotation starts)."""
    index = shift_index(rotation, after)
    return handoff_at(rotation, 0 if index is None else index + 1)


def next_reminder(rotation: Rotation, after: datetime) -> datetime | None:
    """When the next reminder is due: the first handoff whose reminder time is after `after`."""
    lead = rotation.reminder
    if lead is None:
        return None
    handoff = next_handoff(rotation, after)
    while handoff - lead <= after:
        handoff = next_handoff(rotation, handoff)
    return handoff - lead


class Handoffs:
    """The two job handlers, and seeding their rows at start-up."""

    def __init__(
        self,
        oncall: OnCallService,
        *,
        github: Callable[[datetime], list[Part]] | None = None,
        prepare: Callable[[str], Awaitable[None]] | None = None,
    ) -> None:
        self.oncall = oncall
        # `[github]`: the handoff's section on the repository's urgent backlog, and its read
        # from GitHub, which the scheduler awaits before the job's transaction.
        self._github = github
        self._prepare = prepare

    def jobs(self) -> dict[str, JobHandler]:
        """The scheduler's handlers for `handoff:*` and `handoff-reminder:*` jobs."""
        return {HANDOFF: self.fire_handoff, REMINDER: self.fire_reminder}

    def prepares(self) -> dict[str, Callable[[str], Awaitable[None]]]:
        """What the scheduler awaits before a due job's transaction, by job prefix."""
        return {HANDOFF: self._prepare} if self._prepare is not None else {}

    async def seed(self, store: Store, now: datetime) -> None:
        """Give each rotation its job rows. A row already due stays (it fires, late); a future
        one moves only if the rotation's handoff times changed; other jobs are left alone."""
        async with store.transaction() as uow:
            for rotation in self.oncall.rotations.values():
                await _seed(uow, f"{HANDOFF}:{rotation.name}", next_handoff(rotation, now), now)
                reminder = next_reminder(rotation, now)
                name = f"{REMINDER}:{rotation.name}"
                if reminder is None:
                    await uow.cancel_job(name)
                else:
                    await _seed(uow, name, reminder, now)

    def _rotation(self, job: str) -> Rotation | None:
        return self.oncall.rotations.get(job.split(":", 1)[1])

    async def fire_handoff(
        self, uow: UnitOfWork, job: str, due_at: datetime, now: datetime
    ) -> datetime | None:
        """Post the latest handoff at or before `now`, once; returns the next handoff."""
        rotation = self._rotation(job)
        if rotation is None:
            return None  # the rotation was removed from the settings
        index = shift_index(rotation, now)
        if index is None:
            return handoff_at(rotation, 0)
        handoff = handoff_at(rotation, index)
        if handoff > due_at - rotation.length:
            await self._post_handoff(uow, rotation, index, now)
        return handoff_at(rotation, index + 1)

    async def _post_handoff(
        self, uow: UnitOfWork, rotation: Rotation, index: int, now: datetime
    ) -> None:
        handoff = handoff_at(rotation, index)
        last_start = handoff_at(rotation, index - 1) if index > 0 else None
        edits = await uow.oncall_edits(rotation.name, (last_start or handoff) - timedelta(days=1))
        incoming = holders_at(rotation, edits, handoff)
        assert incoming is not None
        incoming = replace(incoming, start=handoff, end=handoff_at(rotation, index + 1))
        outgoing = holders_at(rotation, edits, handoff - timedelta(microseconds=1))
        open_incidents = await uow.open_incidents()
        since = (last_start or handoff) - PAGES_LOOKBACK
        known: dict[int, Incident] = {i.number: i for i in await uow.incidents_since(since)}
        known.update({i.number: i for i in open_incidents})
        is_default = rotation.name == self.oncall.default.name

        def ours(incidents: Iterable[Incident]) -> list[Incident]:
            return [i for i in incidents if belongs_to(i, rotation, is_default)]

        recent = ours(sorted(known.values(), key=lambda i: i.number))
        messages = handoff_messages(
            rotation,
            handoff=handoff,
            incoming=incoming,
            outgoing=outgoing,
            last_shift_start=last_start,
            open_incidents=open_incidents,
            recent_incidents=recent,
            with_action_items=ours(await uow.incidents_with_open_action_items()),
            now=now,
            late=now - handoff > LATE_AFTER,
            github=self._github(now) if self._github is not None else (),
        )
        await self.oncall.post(uow, rotation, messages)

    async def fire_reminder(
        self, uow: UnitOfWork, job: str, due_at: datetime, now: datetime
    ) -> datetime | None:
        """DM the incoming primary before their shift; skip it if the shift has started."""
        rotation = self._rotation(job)
        if rotation is None or rotation.reminder is None:
            return None
        handoff = next_handoff(rotation, now)
        if handoff - now <= rotation.reminder + TOLERANCE:
            index = shift_index(rotation, handoff)
            assert index is not None
            edits = await uow.oncall_edits(rotation.name, now - timedelta(days=1))
            incoming = holders_at(rotation, edits, handoff)
            assert incoming is not None
            shift = replace(incoming, start=handoff, end=handoff_at(rotation, index + 1))
            await self.oncall.post(uow, rotation, [reminder_message(rotation, shift, now)])
            return next_reminder(rotation, handoff)
        return next_reminder(rotation, now)


async def _seed(uow: JobRecords, name: str, want: datetime, now: datetime) -> None:
    due = await uow.job_due(name)
    if due is None or (due > now and due != want):
        await uow.schedule_job(name, want)
