"""Store faults are weather, not death: back off, say once that it started and once that it ended.

Each part of the process that uses the store on its own (the scheduler, the dispatcher, the
commands, the health check) reports how its store calls went to one `StoreHealth`. The first
failure of an outage logs one line, with its cause; a loop waits a capped, jittered backoff
before it tries again, and stays quiet meanwhile; when the last failing part succeeds again,
one line says the outage is over and how long it lasted. /healthz reads the same state.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from incidents.ports import Clock, StoreUnavailable

log = logging.getLogger(__name__)

SCHEDULER = "scheduler"
DISPATCHER = "dispatcher"
COMMANDS = "commands"
HEALTH_CHECK = "health check"
LOOPS = (SCHEDULER, DISPATCHER)  # the parts that retry by themselves, and that /healthz judges

FIRST_RETRY = timedelta(milliseconds=200)
MAX_RETRY = timedelta(seconds=10)
FAILING_LIMIT = timedelta(seconds=30)  # /healthz answers 503 once a loop has failed this long


def backoff(failures: int, rng: random.Random) -> timedelta:
    """How long to wait after the `failures`-th failure in a row: 0.2 s, 0.4 s, 0.8 s, …
    capped at 10 s, each drawn between half and all of that so that replicas spread out."""
    ceiling = min(MAX_RETRY, FIRST_RETRY * (1 << min(max(failures - 1, 0), 16)))
    return ceiling * rng.uniform(0.5, 1.0)


def describe(error: BaseException) -> str:
    """A failure in one line: the store's own words for a fault, else the exception."""
    if isinstance(error, StoreUnavailable):
        return str(error)
    return f"{type(error).__name__}: {error}"


@dataclass(slots=True)
class Failing:
    """One part's current run of failures."""

    since: datetime
    failures: int
    cause: str


class StoreHealth:
    """The store as the process's parts find it; logs one line per outage start and end."""

    def __init__(
        self,
        clock: Clock,
        *,
        rng: random.Random | None = None,
        logger: logging.Logger = log,
    ) -> None:
        self._clock = clock
        self._rng = rng or random.Random()
        self._log = logger
        self._failing: dict[str, Failing] = {}
        self._outage_since: datetime | None = None
        self._outage_failures = 0
        self._cleared_at: datetime | None = None  # when the last outage ended
        self.outages = 0  # how many began since start (for tests and the figures)

    def failed(
        self, part: str, error: BaseException, *, started: datetime | None = None
    ) -> timedelta:
        """Record a failed store call of `part`; returns how long it should wait to retry.

        Logs one line when this starts an outage: the cause, without a traceback for a store
        fault (expected weather), with one for anything else (a bug worth reading once). A call
        `started` before the last outage cleared failed in that outage, not a new one: it is
        counted (the part is failing until its next good round) but starts no outage."""
        now = self._clock.now()
        cause = describe(error)
        run = self._failing.get(part)
        if run is None:
            run = self._failing[part] = Failing(since=now, failures=0, cause=cause)
        run.failures += 1
        run.cause = cause
        self._outage_failures += 1
        stale = started is not None and self._cleared_at is not None and started < self._cleared_at
        if self._outage_since is None and not stale:
            self._outage_since = now
            self.outages += 1
            self._log.error(
                "store fault (%s): %s; retrying with backoff, quietly until it clears",
                part,
                cause,
                exc_info=None if isinstance(error, StoreUnavailable) else error,
            )
        else:
            self._log.debug("still failing (%s): %s", part, cause)
        return backoff(run.failures, self._rng)

    def recovered(self, part: str, *, wrote: bool = True) -> None:
        """Record a successful round of `part`. The health check reads and writes, so its
        success also clears the commands (which do not retry by themselves).

        A round that only read (`wrote=False`: a loop that found nothing to do) no longer
        counts `part` as failing, but does not end the outage: a read-only store or a full disk
        still reads. The outage ends, in one line, at the next successful write of any part."""
        if not self._failing and self._outage_since is None:
            return
        self._failing.pop(part, None)
        if part == HEALTH_CHECK:
            self._failing.pop(COMMANDS, None)
        if self._failing or self._outage_since is None or not wrote:
            return
        lasted = (self._clock.now() - self._outage_since).total_seconds()
        self._log.warning(
            "store fault cleared after %.1f s (%s failed store calls meanwhile)",
            lasted,
            self._outage_failures,
        )
        self._outage_since = None
        self._outage_failures = 0
        self._cleared_at = self._clock.now()

    def failing(self, part: str) -> Failing | None:
        """`part`'s current run of failures, if it is failing."""
        return self._failing.get(part)

    def trouble(self, limit: timedelta = FAILING_LIMIT) -> str | None:
        """Why /healthz should say 503: a loop failing for longer than `limit`; None if none."""
        now = self._clock.now()
        for part in LOOPS:
            run = self._failing.get(part)
            if run is not None and now - run.since > limit:
                seconds = (now - run.since).total_seconds()
                return f"the {part} has failed for {seconds:.0f} s: {run.cause}"
        return None
