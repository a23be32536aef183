"""Acknowledged means durable: a chat command is written down before it is acknowledged.

A chat adapter records each command it is about to acknowledge, keyed by its request key (the
key the command bus remembers, so a command is carried out once), then acknowledges it, runs
it, and marks it done once the person has the answer or was told it failed. A process that
starts runs again what an earlier one acknowledged and never finished: a command that had
committed before the crash is a duplicate to the command bus, so nothing is done twice. A
command that could not be written down is not acknowledged as accepted.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from incidents.ports import Clock, CommandInbox, InboxEntry, Store, UnitOfWork

log = logging.getLogger(__name__)
PRUNE_JOB = "inbox:prune"
KEEP_DONE = timedelta(days=1)  # done commands are kept this long, for a look after an outage
REPLAY_LIMIT = 10_000  # commands taken back at one start; more is an outage of its own
# How long work that follows an acknowledgement waits, at most, for the commands being written
# down to be acknowledged first (`Inbox.acknowledged_first`): a bound, so a steady stream of
# commands delays the work behind them by this much and never starves it.
ACKS_FIRST_SECONDS = 0.05


class Inbox:
    """The inbox as a chat adapter uses it: what this process has in flight, faults logged."""

    def __init__(
        self,
        *,
        store: CommandInbox,
        clock: Clock,
        quiet: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._in_flight: set[str] = set()  # recorded or taken back here, not done yet
        self.acks_first = ACKS_FIRST_SECONDS  # the bound of `acknowledged_first`
        self._recording = 0  # `record` calls under way (their commands not yet acknowledged)
        self._recorded = asyncio.Event()  # set while none is
        self._recorded.set()
        # Marking done can wait for the messages the command queued (`Wakeup.quiet`): the
        # person has the answer already, and an incident's first channel should not queue
        # behind the bookkeeping.
        self._quiet = quiet

    def in_flight(self, key: str) -> bool:
        """Whether this process recorded (or took back) `key` and has not finished it."""
        return key in self._in_flight

    async def record(self, key: str, platform: str, command: str) -> bool:
        """Write the command down; True once it is committed. False when the store failed:
        the command must then not be acknowledged as accepted."""
        entry = InboxEntry(
            key=key, platform=platform, command=command, received_at=self._clock.now()
        )
        self._recording += 1
        self._recorded.clear()
        try:
            await self._store.record_command(entry)
        except Exception as error:  # any store fault: the person is told it did not go through
            log.error("could not record %s before acknowledging it: %s", key, error)
            return False
        finally:
            self._recording -= 1
            if not self._recording:
                self._recorded.set()
        self._in_flight.add(key)
        return True

    async def acknowledged_first(self) -> None:
        """Wait, `acks_first` seconds at most, until no command is being written down. Work
        that follows an acknowledgement calls this before it starts: in a burst (twenty
        `/incident open`s at once) the first command's transaction would otherwise hold the
        loop while the other nineteen wait for their INSERT's answer, and their
        acknowledgements with it."""
        if not self._recording:
            return
        try:
            async with asyncio.timeout(self.acks_first):
                await self._recorded.wait()
        except TimeoutError:  # a steady stream: the work goes on after the bound
            pass

    async def quiet(self) -> None:
        """Wait (a few milliseconds at most) until the messages the latest change queued are
        out (`Wakeup.quiet`): for work that should not compete with them for the loop."""
        if self._quiet is not None:
            await self._quiet()

    async def done(self, key: str) -> None:
        """Mark a command of this process done. A store fault only logs: the next start runs
        the command again, and the command bus finds it done already."""
        if key not in self._in_flight:
            return
        await self.quiet()
        self._in_flight.discard(key)
        try:
            await self._store.command_done(key, self._clock.now())
        except Exception as error:  # the command is done; only its mark is missing
            log.warning("could not mark %s done in the inbox: %s", key, error)

    async def take_back(self, platform: str) -> list[InboxEntry]:
        """What an earlier process acknowledged on `platform` and did not finish, oldest first;
        each is in flight here from now on (run it, then call `done`)."""
        try:
            entries = await self._store.pending_commands(platform, REPLAY_LIMIT)
        except Exception as error:  # left pending: the next start takes them back
            log.error("could not read the %s inbox: %s", platform, error)
            return []
        taken = [entry for entry in entries if entry.key not in self._in_flight]
        self._in_flight.update(entry.key for entry in taken)
        if taken:
            log.warning(
                "%s: running again %d command(s) acknowledged before a restart and not finished",
                platform,
                len(taken),
            )
        return taken


async def seed_inbox_pruning(store: Store, now: datetime) -> None:
    """Make sure the daily pruning job's row exists (kept if already scheduled)."""
    async with store.transaction() as uow:
        if await uow.job_due(PRUNE_JOB) is None:
            await uow.schedule_job(PRUNE_JOB, now + timedelta(hours=1))


def prune_job(
    inbox: CommandInbox,
) -> Callable[[UnitOfWork, str, datetime, datetime], Awaitable[datetime]]:
    """The daily `inbox:prune` job: forget commands done more than KEEP_DONE ago. It works
    beside the job's transaction, not in it: on SQLite the inbox is a file of its own."""

    async def prune(uow: UnitOfWork, name: str, due: datetime, now: datetime) -> datetime:
        removed = await inbox.prune_commands(now - KEEP_DONE)
        if removed:
            log.info("pruned %s inbox commands done before %s", removed, now - KEEP_DONE)
        return now + timedelta(days=1)

    return prune
