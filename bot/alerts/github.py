"""GitHub deliveries applied, and the digests as durable jobs.

A delivery (recorded by `/hooks/github` under its `X-GitHub-Delivery` id) is applied once, in
one transaction that remembers its key: a finding whose level pages becomes a notification of
its group (a failing workflow on a branch, or a security alert by number) for the alert
service, which opens, updates or resolves as for any source; a finding whose level is a digest
waits in the store. Each digest is a job `alert-digest:<source>:<daily|weekly>` whose row
holds its next time: the job posts what waits (one message to the rotation's on-call channel)
and deletes it in the transaction that moves the row on, so a restart loses none and repeats
none, and a bot that was down at 09:00 posts once when it is back.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

from bot.alert_jobs import DIGEST_JOB
from bot.alerts.github_payloads import ISSUES_EVENT, github_finding
from bot.alerts.service import AlertService
from incidents.alerts.github import (
    Cadence,
    Finding,
    GitHubRules,
    digest_item,
    digest_message,
    next_run,
    notification,
)
from incidents.alerts.model import UNMAPPED
from incidents.events import Event
from incidents.oncall.rotation import Handoff
from incidents.ports import Clock, Store, UnitOfWork

log = logging.getLogger(__name__)


def job_name(source: str, cadence: Cadence) -> str:
    """The digest's job: `alert-digest:github:daily`."""
    return f"{DIGEST_JOB}:{source}:{cadence.value}"


class GitHubAlerts:
    """The `kind = "github"` sources: deliveries in, digests out."""

    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        alerts: AlertService,
        rules: Mapping[str, GitHubRules],
        schedules: Mapping[Cadence, Mapping[str, Handoff]],
    ) -> None:
        self._store = store
        self._clock = clock
        self._alerts = alerts
        self.rules = dict(rules)
        self._schedules = schedules  # cadence → source → when its digest goes out
        # `issues` deliveries (an action item's issue closed): `[github]` sets it.
        self.issues: Callable[[UnitOfWork, Mapping[str, Any]], Awaitable[list[Event]]] | None = None

    def _schedule(self, source: str, cadence: Cadence) -> Handoff:
        return self._schedules[cadence][source]

    async def receive(self, source: str, event: str, body: Any, key: str) -> bool:
        """Apply a delivery recorded under `key`, once: False when it was applied before or
        its source is no longer configured."""
        rules = self.rules.get(source)
        if rules is None:
            log.error("delivery %s: source `%s` is not a GitHub source; left out", key, source)
            return False
        if event == ISSUES_EVENT:
            return await self._issue(body, key)
        finding = github_finding(event, body, rules=rules)
        async with self._store.transaction() as uow:
            if not await uow.remember_request(key, self._clock.now()):
                return False
            events = await self.apply_in(uow, finding, rules) if finding is not None else []
        self._alerts.committed(events)
        return True

    async def _issue(self, body: Any, key: str) -> bool:
        """An `issues` delivery, once: `[github]` marks an action item done when its issue
        closes; without `[github]` it means nothing."""
        if self.issues is None or not isinstance(body, Mapping):
            return False
        async with self._store.transaction() as uow:
            if not await uow.remember_request(key, self._clock.now()):
                return False
            events = await self.issues(uow, body)
        self._alerts.committed(events)
        return True

    async def apply_in(self, uow: UnitOfWork, finding: Finding, rules: GitHubRules) -> list[Event]:
        """Apply a finding in the caller's transaction; the events to publish."""
        await uow.storm_state(rules.name)  # the source's lock, taken first as the service does
        if finding.firing:
            route = rules.route(finding.level)
            if isinstance(route, Cadence):
                now = self._clock.now()
                await uow.save_digest_item(digest_item(finding, rules.name, route, now))
                return []
        else:
            await uow.drop_digest_item(rules.name, finding.key)
        group = await uow.alert_group(rules.name, finding.key)
        if not finding.firing and group is None:
            return []  # a resolution of something that never paged
        said = notification(finding, rules.name, group)
        return await self._alerts.receive_in(uow, said, self._alerts.sources[rules.name])

    def cadences(self, source: str) -> set[Cadence]:
        """The digests a source has findings mapped to."""
        return {to for to in self.rules[source].levels.values() if isinstance(to, Cadence)}

    async def seed(self) -> None:
        """Give each digest its job row: its next time, unless a row is already due (it
        fires, late) or set for a time the schedule still has; digests no longer configured
        lose theirs."""
        now = self._clock.now()
        async with self._store.transaction() as uow:
            for source in self.rules:
                for cadence in Cadence:
                    name = job_name(source, cadence)
                    if cadence not in self.cadences(source):
                        await uow.cancel_job(name)
                        continue
                    wanted = next_run(self._schedule(source, cadence), now)
                    due = await uow.job_due(name)
                    if due is None or (due > now and due != wanted):
                        await uow.schedule_job(name, wanted)

    async def fire(
        self, uow: UnitOfWork, job: str, due: datetime, now: datetime
    ) -> datetime | None:
        """A digest came due: post what waits (nothing waiting: no message); the next time."""
        _, source, cadence_name = job.split(":", 2)
        rules = self.rules.get(source)
        try:
            cadence = Cadence(cadence_name)
        except ValueError:
            return None
        if rules is None or cadence not in self.cadences(source):
            return None  # taken out of the configuration
        items = await uow.digest_items(source, cadence)
        if items:
            rotation = await self._alerts.rotation_in(uow, source, UNMAPPED)
            await self._alerts.post_in(uow, [digest_message(items, cadence, source, rotation)])
            await uow.digest_posted([item.id for item in items])
        return next_run(self._schedule(source, cadence), now)
