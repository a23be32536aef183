"""The durable scheduler: fires timer rows that are due, then sleeps until the next one.

Timers are rows, not sleeping tasks. A round claims a batch of due timers in one statement
(a lease naming this scheduler and the round), then fires them in a few transactions side by
side, each for a chunk of incidents, which also re-derive their timers: a restart neither skips
nor repeats one. Several replicas claim disjoint batches; a replica that dies mid-batch leaves
its claims to the others when the lease ends, and a firing transaction fires only what is
still claimed by its own round, so a timer fires once.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import random
import secrets
import socket
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
        prepare: Mapping[str, Callable[[str], Awaitable[None]]] | None = None,
        idle: timedelta = timedelta(seconds=2),
        batch: int = 200,
        chunk: int = 50,
        lease: timedelta = timedelta(seconds=5),
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
        self._batch = batch  # timers claimed per round
        self._chunk = chunk  # incidents per firing transaction; a round's chunks run together
        # A claim outlives a round's transactions by far (milliseconds): it only decides how
        # soon the timers of a replica that died mid-round fire elsewhere (a slower round is
        # safe too: its timers may be claimed again, and then its firing finds them gone).
        # On SQLite, which one process serves, a starting `sevbot run` voids every claim.
        self._lease = lease
        self._holder = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self._rounds = itertools.count(1)
        self._wakeup = wakeup or Wakeup()
        self._wake = self._wakeup.listen()
        self._stopping = False
        self.running = False
        self.fired = 0
        self._random = random.Random()
        # Handlers by job-name prefix: `handoff` handles `handoff:maintainers`.
        self._jobs: dict[str, JobHandler] = dict(jobs or {})
        # Awaited before a due job's transaction, by the same prefix: reads that must not
        # hold the job's row lock (the handoff's GitHub backlog). They bound their own wait.
        self._prepare = dict(prepare or {})

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
            now = self._clock.now()
            token = f"{self._holder}:{next(self._rounds)}"  # this round's claims, no other's
            claims = await self._store.claim_due_timers(
                now, now + self._lease, self._batch, holder=token
            )
            numbers = list(dict.fromkeys(claim.incident for claim in claims))  # most overdue first
            chunks = [numbers[i : i + self._chunk] for i in range(0, len(numbers), self._chunk)]
            results = await asyncio.gather(
                *(self._fire_chunk(chunk, token) for chunk in chunks), return_exceptions=True
            )
            for result in results:
                if isinstance(result, BaseException):
                    raise result  # a store fault: the loop backs off (the claims' lease ends)
            fired = sum(result for result in results if isinstance(result, int))
            fired += await self._fire_jobs()  # jobs are not starved by a timer backlog
            self.fired += fired
            total += fired
            if self._stopping or fired == 0 or len(claims) < self._batch:
                return total

    async def _fire_chunk(self, numbers: list[int], token: str) -> int:
        """Fire the claimed timers of `numbers` in one transaction. When that raises (a bug,
        not a store fault), each incident is tried alone, and one that fails alone gives its
        claims back and waits for the next round, logged once."""
        try:
            fired = await self._service.fire_claimed(numbers, holder=token)
        except StoreUnavailable:
            raise  # the store's fault, not these incidents': the loop backs off
        except Exception:
            if len(numbers) > 1:
                return sum([await self._fire_chunk([number], token) for number in numbers])
            self._failed_once(f"#{numbers[0]}", f"firing timers of incident #{numbers[0]}")
            await self._store.release_timers(numbers, holder=token)
            return 0
        for number in numbers:
            self._broken.discard(f"#{number}")
        return fired

    async def _fire_jobs(self) -> int:
        """Run due jobs, each in its own transaction under its row lock."""
        fired = 0
        for name in await self._store.due_jobs(self._clock.now(), self._batch):
            prefix = name.split(":", 1)[0]
            handler = self._jobs.get(prefix)
            if handler is None:
                continue  # a job for a feature this process does not run
            try:
                if prefix in self._prepare:
                    await self._prepared(prefix, name)
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

    async def _prepared(self, prefix: str, name: str) -> None:
        """Await the job's preparation; one that raises is logged and the job runs anyway
        (it says what it lacks: a handoff without GitHub's list is still a handoff)."""
        try:
            await self._prepare[prefix](name)
        except Exception:
            log.exception("preparing job %s failed; running it without", name)

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
                # A change just rang: its messages (an incident's first, its channel) go out
                # before this round's statements and work share the loop with them.
                await self._wakeup.quiet()
                if self._stopping:
                    break  # stopped meanwhile: its wake-up must not be cleared and slept on
                self._wake.clear()
                self._round_errors = 0
                started = self._clock.now()
                try:
                    fired = await self.fire_due()
                    next_due = await self._store.next_timer_due()
                except Exception as error:  # a store fault (or a bug): back off, never die
                    delay = self._health.failed(SCHEDULER, error, started=started)
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
