"""Clocks: the system clock for production and a fake one that tests and the demo drive."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from typing import Protocol


class SystemClock:
    """The real time. The only place in the application that reads it."""

    def now(self) -> datetime:
        """The current time, aware UTC."""
        return datetime.now(UTC)

    async def sleep_until(self, when: datetime, wake: asyncio.Event) -> None:
        """Return at `when`, or earlier when `wake` is set."""
        delay = (when - self.now()).total_seconds()
        if delay <= 0:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), timeout=delay)


class FakeClock:
    """A clock that moves only when told to: `clock.advance(minutes=30)`."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self._changed = asyncio.Event()
        self.naps = 0  # waits `sleep_until` began, and how many wait now: tests move time on
        self.sleepers = 0  # once a loop has gone back to sleep

    def now(self) -> datetime:
        """The fake current time."""
        return self._now

    def advance(self, **delta: float) -> datetime:
        """Move time forward by a timedelta's keyword arguments; wakes sleepers."""
        return self.set(self._now + timedelta(**delta))

    def set(self, moment: datetime) -> datetime:
        """Jump to `moment` (never backwards); wakes sleepers."""
        if moment < self._now:
            raise ValueError("time does not go backwards")
        self._now = moment
        self._changed.set()
        self._changed = asyncio.Event()
        return self._now

    async def sleep_until(self, when: datetime, wake: asyncio.Event) -> None:
        """Return once fake time reaches `when`, or when `wake` is set."""
        if self._now >= when or wake.is_set():
            return
        self.naps += 1
        self.sleepers += 1
        try:
            while self._now < when and not wake.is_set():
                changed = asyncio.ensure_future(self._changed.wait())
                woken = asyncio.ensure_future(wake.wait())
                done = {changed, woken}
                _, pending = await asyncio.wait(done, return_when=asyncio.FIRST_COMPLETED)
                for task in pending:
                    task.cancel()
        finally:
            self.sleepers -= 1


class Clock(Protocol):
    """A clock the long-running loops can also wait on."""

    def now(self) -> datetime:
        """The current time, aware UTC."""
        ...

    async def sleep_until(self, when: datetime, wake: asyncio.Event) -> None:
        """Return at `when`, or earlier when `wake` is set."""
        ...
