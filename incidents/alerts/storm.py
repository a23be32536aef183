"""The storm guard: beyond `max_incidents_per_minute` new incidents from one source, further
groups join one "alert storm" incident instead of opening their own."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

WINDOW = timedelta(minutes=1)


@dataclass(frozen=True, slots=True, kw_only=True)
class StormState:
    """One source's recent openings (within the last minute) and its storm incident, if any."""

    source: str
    openings: tuple[datetime, ...] = ()
    incident: int | None = None  # the storm incident groups join while it is open
    joined: int = 0  # groups that joined it

    def recent(self, now: datetime) -> tuple[datetime, ...]:
        """Openings within the minute before `now` (a clock that went back keeps them)."""
        return tuple(at for at in self.openings if now - at < WINDOW)


def in_storm(state: StormState, limit: int | None, now: datetime) -> bool:
    """Whether one more incident from the source would exceed `limit` a minute (None: off)."""
    return limit is not None and len(state.recent(now)) >= limit


def opened(state: StormState, now: datetime) -> StormState:
    """The state after the source opened an incident of its own at `now`."""
    return replace(state, openings=(*state.recent(now), now))


def storm_started(state: StormState, number: int) -> StormState:
    """The state once storm incident `number` was opened (its first group joined it)."""
    return replace(state, incident=number, joined=1)


def joined(state: StormState) -> StormState:
    """The state after one more group joined the storm incident."""
    return replace(state, joined=state.joined + 1)
