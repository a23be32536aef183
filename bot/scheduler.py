"""The durable scheduler: fires timer rows that are due, then sleeps until the next one.

Timers are rows, not sleeping tasks. Each incident's due timers fire in one transaction that
also re-derives its timers, so a restart neither skips nor repeats one, and several replicas
claim each incident's timers once (its row lock).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from incidents.ports import Store

from bot.clock import Clock
from bot.service import IncidentService

log = logging.getLogger(__name__)


class Scheduler:
    """One loop per process. `poke()` wakes it when a change may have added an earlier timer."""

    def __init__(
        self,
        *,
        store: Store,
        service: IncidentService,
        clock: Clock,
        idle: timedelta = timedelta(seconds=2),
        batch: int = 200,
    ) -> None:
        self._store = store
        self._service = service
        self._clock = clock
        self._idle = idle
        self._batch = batch
        self._wake = asyncio.Event()
        self._stopping = False
        self.running = False
        self.fired = 0

    def stop(self) -> None:
        """Finish the current round, then return from `run`."""
        self._stopping = True
        self._wake.set()

    def poke(self) -> None:
        """Wake the loop to re-read the next due time."""
        self._wake.set()

    async def fire_due(self) -> int:
        """Fire every timer due now; returns how many fired."""
        total = 0
        while True:
            numbers = await self._store.incidents_with_due_timers(self._clock.now(), self._batch)
            fired = 0
            for number in numbers:
                try:
                    fired += await self._service.fire_due_timers(number)
                except Exception:
                    log.exception("firing timers of incident #%s failed; will retry", number)
            total += fired
            if fired == 0 or len(numbers) < self._batch:
                break
        self.fired += total
        return total

    async def run(self) -> None:
        """Fire, then sleep until the next due timer (or `idle`, or a poke), until stopped."""
        self.running = True
        try:
            while not self._stopping:
                self._wake.clear()
                await self.fire_due()
                now = self._clock.now()
                until = now + self._idle
                next_due = await self._store.next_timer_due()
                if next_due is not None and next_due < until:
                    until = next_due
                if until > now:
                    await self._clock.sleep_until(until, self._wake)
                else:
                    await asyncio.sleep(0.05)  # due but locked elsewhere: let the holder finish
        finally:
            self.running = False
