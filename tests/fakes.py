"""Fakes of our own ports for tests: a chat that records, and one that fails on demand."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from incidents.messages import Message
from incidents.ports import DeliveryError, OutboxItem


@dataclass
class RecordingChat:
    """A ChatPort that keeps what it was asked to deliver; idempotent per outbox id."""

    platform: str = "console"
    delivered: list[OutboxItem] = field(default_factory=list)
    failures: deque[DeliveryError] = field(default_factory=deque)
    attempts: int = 0
    _delivery: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    async def deliver(self, item: OutboxItem) -> None:
        """Raise the next queued failure, if any; otherwise record the item once."""
        self.attempts += 1
        if self.failures:
            raise self.failures.popleft()
        if all(seen.id != item.id for seen in self.delivered):
            self.delivered.append(item)
            self._delivery.set()

    async def until(self, check: Callable[[], bool], what: str) -> None:
        """Wait, without polling, until `check` holds after a delivery (the dispatcher runs in
        a task and the store answers from its thread); the 5 s only guard against a hang."""
        try:
            async with asyncio.timeout(5):
                while not check():
                    self._delivery.clear()
                    await self._delivery.wait()
        except TimeoutError:
            raise AssertionError(f"never delivered: {what}") from None

    @property
    def messages(self) -> list[Message]:
        """The delivered messages, in delivery order."""
        return [item.message for item in self.delivered]

    def kinds(self) -> list[str]:
        """The kinds of the delivered messages, in order."""
        return [message.kind for message in self.messages]

    def clear(self) -> None:
        """Forget what was delivered so far."""
        self.delivered.clear()
