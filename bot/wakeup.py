"""The doorbell rung after a change commits: the scheduler and the dispatcher wake to re-read."""

from __future__ import annotations

import asyncio


class Wakeup:
    """Rung by whoever committed a change; each loop that listens gets its own event."""

    def __init__(self) -> None:
        self._events: list[asyncio.Event] = []

    def listen(self) -> asyncio.Event:
        """A new event that every `ring()` sets (the listener clears it when it has looked)."""
        event = asyncio.Event()
        self._events.append(event)
        return event

    def ring(self) -> None:
        """Wake every listener: timers or outbox items may be due earlier now."""
        for event in self._events:
            event.set()
