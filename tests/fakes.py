"""Fakes of our own ports for tests: a chat that records, and one that fails on demand."""

from __future__ import annotations

from collections import deque
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

    async def deliver(self, item: OutboxItem) -> None:
        """Raise the next queued failure, if any; otherwise record the item once."""
        self.attempts += 1
        if self.failures:
            raise self.failures.popleft()
        if all(seen.id != item.id for seen in self.delivered):
            self.delivered.append(item)

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
