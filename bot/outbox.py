"""The outbox dispatcher: delivers stored messages with retries, backoff and Retry-After.

A message is written to the outbox in the same transaction as the change that caused it.
Delivery is at-least-once from here; each chat adapter is idempotent per outbox item id, so
what people see is exactly once. A rate limit re-schedules a message without counting as a
failure; a message is given up on only when a retry cannot help (a permanent error) or when
it has waited longer than `give_up` (24 h), and `sevbot outbox retry` sends it again.

Each dispatcher is a sender with an identity and a heartbeat in the store: the claims of a
sender that stops beating (a killed process) are released within seconds, not at the end of
their lease; on SQLite, which serves one process, a starting sender releases every claim.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.faults import DISPATCHER, StoreHealth
from bot.wakeup import Wakeup
from incidents.ports import (
    ChatPort,
    DeliveryError,
    OutboxItem,
    Store,
    StoreUnavailable,
    UnitOfWork,
)

log = logging.getLogger(__name__)
_DELIVERED, _RETRY, _GAVE_UP = "delivered", "retry", "gave up"
GIVE_UP = timedelta(hours=24)
HEARTBEAT = timedelta(seconds=0.5)
# Six missed heartbeats: the sender is gone (a killed process's claims are back within 3.5 s).
# A live process that cannot beat for that long (its event loop or its store stalled) may see
# a message it is sending tried by another replica too: the adapters' idempotency covers that.
GONE_AFTER = timedelta(seconds=3)
LEASE_MARGIN = timedelta(seconds=5)  # a claim's lease outlasts the delivery timeout by this


def backoff(failures: int) -> timedelta:
    """1 s, 2 s, 4 s, … capped at 5 min."""
    return timedelta(seconds=min(2 ** min(max(failures - 1, 0), 9), 300))


def sender_name() -> str:
    """This process's identity as an outbox sender: `host:pid:random` (seen in `sevbot outbox`)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class Dispatcher:
    """Claims due outbox items and hands them to the chat adapter of their platform.

    A claim names this sender and is a lease (the delivery timeout and a margin): a claim
    whose sender stopped beating is released by the next heartbeat of any sender; a claim
    whose lease ended is taken again even so.
    """

    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        chats: Mapping[str, ChatPort],
        give_up: timedelta = GIVE_UP,
        batch: int = 100,
        idle: timedelta = timedelta(seconds=2),
        timeout: float = 10.0,
        wakeup: Wakeup | None = None,
        failed: Callable[[], None] = lambda: None,
        rate_limited: Callable[[], None] = lambda: None,
        sender: str | None = None,
        heartbeat: timedelta = HEARTBEAT,
        gone_after: timedelta = GONE_AFTER,
        health: StoreHealth | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._health = health or StoreHealth(clock)  # the run loop's store faults
        self._chats = dict(chats)
        self._lease = timedelta(seconds=timeout) + LEASE_MARGIN
        self._give_up = give_up
        self._batch = batch
        self._idle = idle
        self._timeout = timeout
        self._wakeup = wakeup or Wakeup()
        self._wake = self._wakeup.listen()
        self._count_failure = failed  # the metrics' counter of failed attempts
        self._count_rate_limit = rate_limited  # the metrics' counter of rate limits
        self.sender = sender or sender_name()
        self._heartbeat = heartbeat
        self._gone_after = gone_after
        self._stopped = asyncio.Event()
        self._limited: set[str] = set()  # platforms rate limiting us now (logged once)
        # Delivered, but the store failed while writing so (a dropped connection): the mark is
        # written first thing in the next round, and the item is not delivered again meanwhile.
        self._unmarked: dict[int, datetime] = {}
        self._stopping = False
        self.running = False
        self.delivered = 0
        self.failures = 0

    def stop(self) -> None:
        """Finish the current round, then return from `run`."""
        self._stopping = True
        self._stopped.set()
        self._wake.set()

    def poke(self) -> None:
        """Wake the loop: something was enqueued."""
        self._wake.set()

    async def deliver_due(self) -> int:
        """Deliver everything due now, round after round; returns how many were delivered."""
        total = 0
        while not self._stopping:
            total += await self._mark_the_unmarked()
            now = self._clock.now()
            items = await self._store.claim_outbox(
                now, now + self._lease, self._batch, sender=self.sender
            )
            if not items:
                return total
            results = await asyncio.gather(*(self._deliver(item) for item in items))
            total += results.count(_DELIVERED)
            if _DELIVERED not in results and _GAVE_UP not in results:
                return total  # everything claimed waits for a retry
        return total

    async def _mark_the_unmarked(self) -> int:
        """Write the marks the store failed to take after a delivery (see `_marked`); how many.
        A store still failing raises: the run loop backs off, and they wait here."""
        marked = 0
        for item_id, at in list(self._unmarked.items()):
            await self._store.mark_delivered(item_id, at)
            if self._unmarked.pop(item_id, None) is not None:  # not marked by a rival round
                marked += 1
                self.delivered += 1
        return marked

    async def _last_marks(self) -> None:
        """On stop, the marks still owed (see `_marked`), once; what the store still refuses
        is delivered again by the next start, and said so."""
        try:
            await self._mark_the_unmarked()
        except Exception as error:  # a store fault at shutdown
            log.warning(
                "outbox items %s were delivered but the store did not take the mark (%s); the "
                "next start delivers them again",
                sorted(self._unmarked),
                error,
            )

    async def _marked(self, item: OutboxItem, at: datetime) -> None:
        """Write that `item` was delivered. Should the store fail (a connection cut while it
        writes), the delivery is remembered and the store fault raised: the next round writes
        the mark first, and a claim of the item meanwhile is not delivered again. Marking
        twice is harmless: two rounds may run at once (a console's and the run loop's)."""
        try:
            await self._store.mark_delivered(item.id, at)
        except BaseException:  # a store fault, or cancelled: the mark may be missing
            self._unmarked[item.id] = at
            raise
        self._unmarked.pop(item.id, None)

    async def _deliver(self, item: OutboxItem) -> str:
        delivered_at = self._unmarked.get(item.id)
        if delivered_at is not None:  # delivered already, its mark failed: not again
            await self._marked(item, delivered_at)
            self.delivered += 1
            return _DELIVERED
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
        except StoreUnavailable:
            raise  # the adapter's own store call (a channel binding) failed: a store fault
        except Exception as error:  # an adapter bug must not kill the loop
            log.exception("delivering outbox item %s failed", item.id)
            return await self._failed(item, f"{type(error).__name__}: {error}", None, False)
        await self._marked(item, self._clock.now())
        if item.platform in self._limited:
            self._limited.discard(item.platform)
            log.info("%s accepts messages again after rate limiting", item.platform)
        self.delivered += 1
        return _DELIVERED

    async def _failed(
        self, item: OutboxItem, reason: str, retry_after: float | None, permanent: bool
    ) -> str:
        now = self._clock.now()
        limited = retry_after is not None
        if limited:  # a wait the platform asked for, not a failure
            self._count_rate_limit()
        else:
            self.failures += 1
            self._count_failure()
        waited = now - item.waiting_since
        if permanent or waited >= self._give_up:
            log.error(
                "giving up on outbox item %s (incident #%s, %s) after %s attempts: %s%s",
                item.id,
                item.message.incident,
                item.message.kind,
                item.attempts,
                reason,
                "" if permanent else f" (undelivered for {waited}; `sevbot outbox retry` resends)",
            )
            await self._store.mark_failed(item.id, reason, None, now, rate_limited=limited)
            return _GAVE_UP
        if retry_after is not None:  # the platform said when: a wait, not a failure
            delay = timedelta(seconds=retry_after)
            if item.platform not in self._limited:
                self._limited.add(item.platform)
                log.warning(
                    "%s is rate limiting (Retry-After %.0f s); messages wait, none is lost",
                    item.platform,
                    retry_after,
                )
        else:
            delay = backoff(item.failures)
            log.warning(
                "outbox item %s (incident #%s) not delivered, retrying in %s: %s",
                item.id,
                item.message.incident,
                delay,
                reason,
            )
        await self._store.mark_failed(item.id, reason, now + delay, now, rate_limited=limited)
        return _RETRY

    async def _beat(self) -> None:
        """The heartbeat: tell the store this sender lives; release the claims of the gone."""
        failing = False
        while not self._stopping:
            try:
                released = await self._store.renew_sender(
                    self.sender, self._clock.now(), self._gone_after
                )
            except Exception as error:  # a store fault: the next beat tries again
                if not failing:
                    log.warning("outbox heartbeat failed (retrying): %s", error)
                failing = True
            else:
                if failing:
                    log.info("outbox heartbeat recovered")
                failing = False
                if released:
                    log.warning("took back %s outbox claims of a sender that is gone", released)
                    self.poke()
            await self._clock.sleep_until(self._clock.now() + self._heartbeat, self._stopped)

    async def _start(self) -> asyncio.Task[None]:
        """Register this sender (releasing what a gone one held), then start the heartbeat."""
        try:
            released = await self._store.start_sender(self.sender, self._clock.now())
        except Exception as error:  # the heartbeat registers it once the store answers
            log.warning("outbox sender %s not registered yet: %s", self.sender, error)
        else:
            if released:
                log.info("took back %s outbox claims left by a stopped process", released)
        return asyncio.create_task(self._beat(), name="outbox-heartbeat")

    async def run(self) -> None:
        """Deliver, then sleep until the next item is due (or `idle`, or a poke), until stopped."""
        self.running = True
        heartbeat = await self._start()
        self._wakeup.dispatching = True
        try:
            while not self._stopping:
                self._wake.clear()
                started = self._clock.now()
                try:
                    delivered = await self.deliver_due()
                    if not self._wake.is_set():  # no change rang during the round
                        self._wakeup.caught_up()
                    next_due = await self._store.next_outbox_due()
                except Exception as error:  # a store fault (or a bug): back off, never die
                    delay = self._health.failed(DISPATCHER, error, started=started)
                    await self._clock.sleep_until(self._clock.now() + delay, self._wake)
                    continue
                self._health.recovered(DISPATCHER, wrote=delivered > 0)
                now = self._clock.now()
                until = now + self._idle
                if next_due is not None and next_due < until:
                    until = max(next_due, now + timedelta(milliseconds=20))
                await self._clock.sleep_until(until, self._wake)
            await self._last_marks()
        finally:
            self._wakeup.dispatching = False
            self._wakeup.caught_up()
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
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
