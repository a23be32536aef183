"""Heartbeats in the running bot: pings, and the durable job that notices a silence.

Each heartbeat has a row (its last ping) and a job `heartbeat:<name>` due when it would be
silent (last ping + `expect_every` + `grace`). A ping moves the job; a job that comes due
declares the silence: an alert of the heartbeat's own group, which opens an incident or posts
a card as any alert does. The next ping resolves that alert: the channel hears it is back.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from bot.alert_jobs import HEARTBEAT_JOB
from bot.alerts.service import AlertService
from bot.wakeup import Wakeup
from incidents.alerts.heartbeat import (
    HeartbeatRules,
    HeartbeatState,
    back_notification,
    due_at,
    is_silent,
    pinged,
    silenced,
    silent_notification,
)
from incidents.events import Event
from incidents.ports import Clock, Store, UnitOfWork

log = logging.getLogger(__name__)
JOB = HEARTBEAT_JOB  # jobs `heartbeat:<name>`


def job_name(name: str) -> str:
    """The heartbeat's job: `heartbeat:prometheus-watchdog`."""
    return f"{JOB}:{name}"


class Heartbeats:
    """The configured heartbeats: pings from the hook, silences from the scheduler."""

    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        rules: Mapping[str, HeartbeatRules],
        alerts: AlertService,
        wakeup: Wakeup,
    ) -> None:
        self._store = store
        self._clock = clock
        self.rules = dict(rules)
        self._alerts = alerts
        self._wakeup = wakeup

    async def seed(self) -> None:
        """Watch each heartbeat from now if it never was, and give each that is not silent its
        job: when it would be silent, but not before `grace` from now (pings sent while sevbot
        was down found nobody: they get their grace again, not a false alarm at start-up)."""
        now = self._clock.now()
        async with self._store.transaction() as uow:
            for name, rules in self.rules.items():
                state = await uow.heartbeat(name)
                if state is None:
                    state = HeartbeatState(name=name, watched_since=now)
                    await uow.save_heartbeat(state)
                if state.silent_since is None:
                    due = max(due_at(state, rules), now + rules.grace)
                    await uow.schedule_job(job_name(name), due)

    async def ping(self, name: str) -> datetime | None:
        """A ping now: the heartbeat is alive (and back, if it was silent); when it would be
        silent next. None when the store could not take it."""
        rules = self.rules[name]
        try:
            async with self._store.transaction() as uow:
                now = self._clock.now()
                state = await uow.heartbeat(name) or HeartbeatState(name=name, watched_since=now)
                events: list[Event] = []
                if state.silent_since is not None:
                    back = back_notification(rules, state, now)
                    events = await self._alerts.receive_in(uow, back, self._alerts.sources[name])
                state = pinged(state, now)
                await uow.save_heartbeat(state)
                due = due_at(state, rules)
                await uow.schedule_job(job_name(name), due)
        except Exception as error:  # a store fault: the sender pings again
            log.error("heartbeat %s: the ping was not stored: %s", name, error)
            return None
        self._alerts.committed(events)
        self._wakeup.ring()
        return due

    async def fire(
        self, uow: UnitOfWork, job: str, due: datetime, now: datetime
    ) -> datetime | None:
        """The job of one heartbeat came due: silent (no ping since) → its alert fires; the
        job ends until the next ping. A ping that moved it meanwhile: next due then."""
        name = job.partition(":")[2]
        rules = self.rules.get(name)
        if rules is None:
            return None  # taken out of the configuration
        state = await uow.heartbeat(name)
        if state is None or state.silent_since is not None:
            return None
        if not is_silent(state, rules, now):
            return due_at(state, rules)
        notification = silent_notification(rules, state, now)
        await uow.save_heartbeat(silenced(state, now))
        events = await self._alerts.receive_in(uow, notification, self._alerts.sources[name])
        self._alerts.committed(events)  # published as the job commits
        return None
