"""Start-up waits for the database: a server still starting is not a reason to exit.

`sevbot run` often starts beside its database (docker compose, a pod, a reboot). It tries to
open the store for up to `SEVBOT_DB_WAIT`, saying every few seconds what it waits for (host
and port, or file) and why; then it gives up with that message. A fault that waiting cannot
cure (no such database, credentials refused, no driver) ends the wait at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from incidents.ports import Store, StoreUnavailable

log = logging.getLogger(__name__)

SAY_EVERY = 5.0  # seconds between "still waiting" lines
RETRY_EVERY = 0.5  # seconds between attempts (a refused connection costs nothing)


async def wait_for_store(
    open_store: Callable[[], Awaitable[Store]],
    *,
    wait: timedelta,
    say: Callable[[str], None] = log.warning,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    monotonic: Callable[[], float] | None = None,
) -> Store:
    """Open the store, trying again for up to `wait` while it is unavailable; then raise the
    last `StoreUnavailable`, its cause saying how long it waited."""
    clock = monotonic or asyncio.get_running_loop().time
    limit = wait.total_seconds()
    started = clock()
    said_at: float | None = None
    while True:
        try:
            return await open_store()
        except StoreUnavailable as fault:
            waited = clock() - started
            if fault.lasting:
                raise
            if waited >= limit:
                if limit <= 0:
                    raise
                cause = f"{fault.cause} (gave up after waiting {limit:g} s: SEVBOT_DB_WAIT)"
                raise StoreUnavailable(fault.where, cause, lasting=True) from fault
            if said_at is None or clock() - said_at >= SAY_EVERY:
                said_at = clock()
                say(
                    f"waiting for the database, {fault.where}: {fault.cause} "
                    f"({waited:.0f} s of {limit:g} s, SEVBOT_DB_WAIT)"
                )
            await sleep(min(RETRY_EVERY, max(limit - waited, 0.0)))
