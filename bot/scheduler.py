"""The durable scheduler: fires timer rows that are due, then sleeps until the next one.

Timers are rows, not sleeping tasks. Each incident's due timers fire in one transaction that
also re-derives its timers, so a restart neither skips nor repeats one, and several replicas
claim each incident's timers once (its row lock).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.faults import SCHEDULER, StoreHealth, backoff
from bot.service import IncidentService
from bot.wakeup import Wakeup
from incidents.ports import Store, StoreUnavailable, UnitOfWork

log = logging.getLogger(__name__)

JobHandler = Callable[[UnitOfWork, str, datetime, datetime], Awaitable[datetime | None]]
"""(uow, job name, due at, now) → when the job is next due, or None to end it.

A handler runs inside the job's transaction: what it writes (outbox messages, state) commits
with the job's new due time, so a job fires once even with several replicas.
"""


class Scheduler:
    """One loop per process. `poke()` wakes it when a change may have added an earlier timer."""

    def __init__(
        self,
        *,
        store: Store,
        service: IncidentService,
        clock: Clock,
        wakeup: Wakeup | None = None,
        jobs: Mapping[str, JobHandler] | None = None,
        idle: timedelta = timedelta(seconds=2),
        batch: int = 200,
        health: StoreHealth | None = None,
    ) -> None:
        self._store = store
        self._health = health or StoreHealth(clock)  # store faults: backoff, logged once
        # Incidents (`#12`) and jobs whose firing raised something other than a store fault:
        # each is logged once until it fires again, and the loop backs off meanwhile.
        self._broken: set[str] = set()
        self._round_errors = 0
        self._failing_rounds = 0
        self._service = service
        self._clock = clock
        self._idle = idle
        self._batch = batch
        self._wakeup = wakeup or Wakeup()
        self._wake = self._wakeup.listen()
        self._stopping = False
        self.running = False
        self.fired = 0
        self._random = random.Random()
        # Handlers by job-name prefix: `handoff` handles `handoff:maintainers`.
        self._jobs: dict[str, JobHandler] = dict(jobs or {})

    def stop(self) -> None:
        """Finish the current round, then return from `run`."""
        self._stopping = True
        self._wake.set()

    def poke(self) -> None:
        """Wake the loop to re-read the next due time."""
        self._wake.set()

    async def fire_due(self) -> int:
        """Fire every timer and job due now, batch by batch, until none is left or stopped."""
        total = 0
        while True:
            numbers = await self._store.incidents_with_due_timers(self._clock.now(), self._batch)
            # Replicas see the same most-overdue batch; each takes it in its own order so they
            # spread out instead of queueing on the same incident locks.
            self._random.shuffle(numbers)
            fired = 0
            for number in numbers:
                if self._stopping:
                    break
                try:
                    fired += await self._service.fire_due_timers(number)
                except StoreUnavailable:
                    raise  # the store's fault, not this incident's: the loop backs off
                except Exception:
                    self._failed_once(f"#{number}", f"firing timers of incident #{number}")
                else:
                    self._broken.discard(f"#{number}")
            fired += await self._fire_jobs()  # jobs are not starved by a timer backlog
            self.fired += fired
            total += fired
            if self._stopping or fired == 0 or len(numbers) < self._batch:
                return total

    async def _fire_jobs(self) -> int:
        """Run due jobs, each in its own transaction under its row lock."""
        fired = 0
        for name in await self._store.due_jobs(self._clock.now(), self._batch):
            handler = self._jobs.get(name.split(":", 1)[0])
            if handler is None:
                continue  # a job for a feature this process does not run
            try:
                async with self._store.transaction() as uow:
                    due = await uow.claim_job(name)
                    now = self._clock.now()
                    if due is None or due > now:
                        continue
                    next_due = await handler(uow, name, due, now)
                    if next_due is None:
                        await uow.cancel_job(name)
                    else:
                        await uow.schedule_job(name, max(next_due, now + timedelta(seconds=1)))
                fired += 1
                self._broken.discard(name)
            except StoreUnavailable:
                raise  # the store's fault, not this job's: the loop backs off
            except Exception:
                self._failed_once(name, f"job {name}")
        if fired:
            self._wakeup.ring()
        return fired

    def _failed_once(self, key: str, what: str) -> None:
        """Log a firing that raised (with its traceback) once until it succeeds again."""
        self._round_errors += 1
        if key not in self._broken:
            self._broken.add(key)
            log.exception("%s failed; retrying with backoff (logged once)", what)

    async def run(self) -> None:
        """Fire, then sleep until the next due timer (or `idle`, or a poke), until stopped.

        A store fault does not end the loop: it waits a capped, jittered backoff and tries
        again; `StoreHealth` logs one line when the fault starts and one when it clears."""
        self.running = True
        try:
            while not self._stopping:
                self._wake.clear()
                self._round_errors = 0
                try:
                    fired = await self.fire_due()
                    next_due = await self._store.next_timer_due()
                except Exception as error:  # a store fault (or a bug): back off, never die
                    delay = self._health.failed(SCHEDULER, error)
                    await self._clock.sleep_until(self._clock.now() + delay, self._wake)
                    continue
                self._health.recovered(SCHEDULER, wrote=fired > 0)
                self._failing_rounds = self._failing_rounds + 1 if self._round_errors else 0
                now = self._clock.now()
                until = now + self._idle
                if next_due is not None and next_due < until:
                    until = next_due
                if until > now:
                    await self._clock.sleep_until(until, self._wake)
                elif self._round_errors:  # due, but its firing fails: not every 50 ms
                    delay = backoff(self._failing_rounds, self._random)
                    await self._clock.sleep_until(now + delay, self._wake)
                else:
                    await asyncio.sleep(0.05)  # due but locked elsewhere: let the holder finish
        finally:
            self.running = False
