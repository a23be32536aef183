"""The doorbell rung after a change commits: the scheduler and the dispatcher wake to re-read.

It also tells who is waiting on whom: a change rung in may have queued messages (an incident's
first message creates its channel, which people are waiting for), so until the running outbox
dispatcher has had its round after the latest ring, work that can wait (marking an inbox
command done, learning a name, the scheduler's round) waits for it, a few milliseconds, capped.
"""

from __future__ import annotations

import asyncio
import contextlib

QUIET_CAP = 0.05
"""The most a deferred piece of work waits for the dispatcher, in seconds."""


class Wakeup:
    """Rung by whoever committed a change; each loop that listens gets its own event."""

    def __init__(self) -> None:
        self._events: list[asyncio.Event] = []
        self._caught_up = asyncio.Event()  # set: the dispatcher's round after the last ring ended
        self._caught_up.set()
        self.dispatching = False  # a dispatcher's run loop is running (it says so)

    def listen(self) -> asyncio.Event:
        """A new event that every `ring()` sets (the listener clears it when it has looked)."""
        event = asyncio.Event()
        self._events.append(event)
        return event

    def ring(self) -> None:
        """Wake every listener: timers or outbox items may be due earlier now."""
        self._caught_up.clear()
        for event in self._events:
            event.set()

    def caught_up(self) -> None:
        """The dispatcher: a round that began after the latest ring has finished."""
        self._caught_up.set()

    async def quiet(self, cap: float = QUIET_CAP) -> None:
        """Wait (at most `cap` seconds) until the running dispatcher has delivered what the
        latest change queued; at once when no dispatcher runs or it is caught up."""
        if not self.dispatching or self._caught_up.is_set():
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._caught_up.wait(), cap)
