"""What /healthz answers: the store read and written just now, and no loop failing for long.

The check reads the outbox backlog and writes one row, the `health:probe` job, due a day
ahead (a write the disk has to take: a read-only file, a full disk or a read-only standby
refuses it). Writes are at most one a second, shared by concurrent checks; the `health` job
handler removes the row if no check has pushed it forward for a day. A scheduler or
dispatcher failing for longer than `FAILING_LIMIT` also makes the answer 503, with its cause.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.faults import FAILING_LIMIT, HEALTH_CHECK, StoreHealth, describe
from incidents.ports import Clock, Store, UnitOfWork

PROBE_JOB = "health:probe"
PROBE_EVERY = timedelta(seconds=1)  # a check within this of the last write reuses its answer
PROBE_TIMEOUT = 5.0  # seconds: a store slower than this is as good as unavailable
PROBE_KEEP = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Verdict:
    """The answer of a health check."""

    status: str  # ok | starting | store unavailable | failing
    reason: str | None = None
    outbox_pending: int | None = None

    @property
    def ok(self) -> bool:
        """Whether /healthz answers 200."""
        return self.status == "ok"

    def body(self) -> dict[str, object]:
        """The JSON body: the status, and the reason or the outbox backlog."""
        body: dict[str, object] = {"status": self.status}
        if self.reason is not None:
            body["reason"] = self.reason
        if self.outbox_pending is not None:
            body["outbox_pending"] = self.outbox_pending
        return body


class HealthCheck:
    """The readiness check behind /healthz (see the module)."""

    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        health: StoreHealth,
        ready: Callable[[], bool],
        limit: timedelta = FAILING_LIMIT,
    ) -> None:
        self._store = store
        self._clock = clock
        self._health = health
        self._ready = ready
        self._limit = limit
        self._lock = asyncio.Lock()
        self._probed_at: datetime | None = None
        self._probe_error: Exception | None = None

    async def verdict(self) -> Verdict:
        """Starting, the store unavailable (with why), a loop failing (with why), or ok."""
        if not self._ready():
            return Verdict("starting")
        started = self._clock.now()
        try:
            async with asyncio.timeout(PROBE_TIMEOUT):
                backlog = await self._store.outbox_backlog()
                wrote = await self._write_probe()
        except TimeoutError as error:
            self._health.failed(HEALTH_CHECK, error, started=started)
            return Verdict(
                "store unavailable", f"the store did not answer within {PROBE_TIMEOUT:.0f} s"
            )
        except Exception as error:  # whatever the store raised: the check says why
            self._health.failed(HEALTH_CHECK, error, started=started)
            return Verdict("store unavailable", describe(error))
        # A reused answer proves nothing about the store now: it ends no outage.
        self._health.recovered(HEALTH_CHECK, wrote=wrote)
        trouble = self._health.trouble(self._limit)
        if trouble is not None:
            return Verdict("failing", trouble, backlog)
        return Verdict("ok", None, backlog)

    async def _write_probe(self) -> bool:
        """Write the probe's row, or reuse the answer of a write less than a second old.
        Returns whether this call wrote (False: it reused an earlier good answer)."""
        async with self._lock:
            now = self._clock.now()
            if self._probed_at is not None and timedelta(0) <= now - self._probed_at < PROBE_EVERY:
                if self._probe_error is not None:
                    raise self._probe_error
                return False
            self._probed_at = now
            try:
                async with self._store.transaction() as uow:
                    await uow.schedule_job(PROBE_JOB, now + PROBE_KEEP)
            except Exception as error:
                self._probe_error = error
                raise
            self._probe_error = None
            return True


async def expire_probe(uow: UnitOfWork, name: str, due: datetime, now: datetime) -> None:
    """The `health` job: no check has written the probe's row for a day; remove it."""
    return None
