"""The outbox dispatcher: delivers stored messages with retries, backoff and Retry-After.

A message is written to the outbox in the same transaction as the change that caused it.
Delivery is at-least-once from here; each chat adapter is idempotent per outbox item id, so
what people see is exactly once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.wakeup import Wakeup
from incidents.ports import ChatPort, DeliveryError, OutboxItem, Store, UnitOfWork

log = logging.getLogger(__name__)
_DELIVERED, _RETRY, _GAVE_UP = "delivered", "retry", "gave up"


def backoff(attempts: int) -> timedelta:
    """1 s, 2 s, 4 s, … capped at 5 min."""
    return timedelta(seconds=min(2 ** max(attempts - 1, 0), 300))


class Dispatcher:
    """Claims due outbox items and hands them to the chat adapter of their platform.

    A claim is a lease: if this process dies mid-delivery, another (or the restarted one)
    retries the item once the lease ends. The lease outlasts the delivery timeout.
    """

    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        chats: Mapping[str, ChatPort],
        lease: timedelta = timedelta(seconds=15),
        max_attempts: int = 12,
        batch: int = 100,
        idle: timedelta = timedelta(seconds=2),
        timeout: float = 10.0,
        wakeup: Wakeup | None = None,
        failed: Callable[[], None] = lambda: None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._chats = dict(chats)
        self._lease = lease
        self._max_attempts = max_attempts
        self._batch = batch
        self._idle = idle
        self._timeout = timeout
        self._wake = (wakeup or Wakeup()).listen()
        self._count_failure = failed  # the metrics' counter of failed attempts
        self._stopping = False
        self.running = False
        self.delivered = 0
        self.failures = 0

    def stop(self) -> None:
        """Finish the current round, then return from `run`."""
        self._stopping = True
        self._wake.set()

    def poke(self) -> None:
        """Wake the loop: something was enqueued."""
        self._wake.set()

    async def deliver_due(self) -> int:
        """Deliver everything due now, round after round; returns how many were delivered."""
        total = 0
        while not self._stopping:
            now = self._clock.now()
            items = await self._store.claim_outbox(now, now + self._lease, self._batch)
            if not items:
                return total
            results = await asyncio.gather(*(self._deliver(item) for item in items))
            total += results.count(_DELIVERED)
            if _DELIVERED not in results and _GAVE_UP not in results:
                return total  # everything claimed waits for a retry
        return total

    async def _deliver(self, item: OutboxItem) -> str:
        chat = self._chats.get(item.platform)
        try:
            if chat is None:
                raise DeliveryError(f"no chat adapter is configured for {item.platform!r}")
            async with asyncio.timeout(self._timeout):
                await chat.deliver(item)
        except DeliveryError as error:
            return await self._failed(item, error.reason, error.retry_after, error.permanent)
        except TimeoutError:
            return await self._failed(item, f"timed out after {self._timeout:.0f} s", None, False)
        except Exception as error:  # an adapter bug must not kill the loop
            log.exception("delivering outbox item %s failed", item.id)
            return await self._failed(item, f"{type(error).__name__}: {error}", None, False)
        await self._store.mark_delivered(item.id, self._clock.now())
        self.delivered += 1
        return _DELIVERED

    async def _failed(
        self, item: OutboxItem, reason: str, retry_after: float | None, permanent: bool
    ) -> str:
        self.failures += 1
        self._count_failure()
        now = self._clock.now()
        if permanent or item.attempts >= self._max_attempts:
            log.error(
                "giving up on outbox item %s (incident #%s, %s) after %s attempts: %s",
                item.id,
                item.message.incident,
                item.message.kind,
                item.attempts,
                reason,
            )
            await self._store.mark_failed(item.id, reason, None, now)
            return _GAVE_UP
        delay = (
            timedelta(seconds=retry_after) if retry_after is not None else backoff(item.attempts)
        )
        log.warning(
            "outbox item %s (incident #%s) not delivered, retrying in %s: %s",
            item.id,
            item.message.incident,
            delay,
            reason,
        )
        await self._store.mark_failed(item.id, reason, now + delay, now)
        return _RETRY

    async def run(self) -> None:
        """Deliver, then sleep until the next item is due (or `idle`, or a poke), until stopped."""
        self.running = True
        try:
            while not self._stopping:
                self._wake.clear()
                try:
                    await self.deliver_due()
                except Exception:
                    log.exception("outbox round failed; retrying shortly")
                now = self._clock.now()
                until = now + self._idle
                next_due = await self._store.next_outbox_due()
                if next_due is not None and next_due < until:
                    until = max(next_due, now + timedelta(milliseconds=20))
                await self._clock.sleep_until(until, self._wake)
        finally:
            self.running = False


OUTBOX_KEEP = timedelta(days=7)
PRUNE_JOB = "prune:outbox"


async def seed_pruning(store: Store, now: datetime) -> None:
    """Make sure the daily pruning job's row exists (kept if already scheduled)."""
    async with store.transaction() as uow:
        if await uow.job_due(PRUNE_JOB) is None:
            await uow.schedule_job(PRUNE_JOB, now + timedelta(hours=1))


async def prune_delivered(uow: UnitOfWork, name: str, due: datetime, now: datetime) -> datetime:
    """The daily `prune:outbox` job: forget messages delivered more than a week ago."""
    removed = await uow.prune_outbox(now - OUTBOX_KEEP)
    if removed:
        log.info("pruned %s delivered outbox messages older than %s", removed, OUTBOX_KEEP)
    return now + timedelta(days=1)
