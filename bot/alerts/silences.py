"""Silence on acknowledge, through Alertmanager's API (api/v2/openapi.yaml in
prometheus/alertmanager): `POST /api/v2/silences` with a `postableSilence` (`matchers` of
`name`, `value`, `isRegex`, `isEqual`; `startsAt`, `endsAt`, `createdBy`, `comment`) answers
`{"silenceID": …}`; `DELETE /api/v2/silence/{silenceID}` expires it (404: no such silence).

A durable job (`alert-silences`) reconciles: a group whose incident is acknowledged and not
resolved gets a silence of its group labels; one whose incident resolved has it expired; each
silence's id goes on the incident's timeline. The job runs every 30 s and at once after an
acknowledgement or a resolution (`observe`), so a failed call or a restart is put right.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

import aiohttp

from bot.alert_jobs import SILENCE_JOB
from bot.alerts.service import AlertService
from bot.wakeup import Wakeup
from incidents import commands as c
from incidents import events as e
from incidents.alerts.model import AlertGroup
from incidents.alerts.silence import (
    LONGEST,
    SilenceStep,
    expiry_entry,
    silence_entry,
    silence_step,
    silenced,
    unsilenced,
)
from incidents.ports import Clock, Store, UnitOfWork

log = logging.getLogger(__name__)
JOB = SILENCE_JOB
EVERY = timedelta(seconds=30)
TIMEOUT = 5.0  # seconds for each call to Alertmanager


class SilenceError(Exception):
    """Alertmanager refused or did not answer; the next pass tries again."""


class AlertmanagerClient:
    """The two calls sevbot makes of Alertmanager's API v2."""

    def __init__(self, session: aiohttp.ClientSession | None = None) -> None:
        self._session = session

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT))
        return self._session

    async def create(
        self, url: str, group: AlertGroup, starts: datetime, ends: datetime, comment: str
    ) -> str:
        """Create a silence of the group's labels; its id."""
        body = {
            "matchers": [
                {"name": name, "value": value, "isRegex": False, "isEqual": True}
                for name, value in group.matchers()
            ],
            "startsAt": starts.isoformat(),
            "endsAt": ends.isoformat(),
            "createdBy": "sevbot",
            "comment": comment,
        }
        try:
            async with self._client().post(f"{url}/api/v2/silences", json=body) as response:
                answer = await response.json(content_type=None)
                if response.status != 200 or not isinstance(answer, dict):
                    raise SilenceError(f"HTTP {response.status}: {str(answer)[:200]}")
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            raise SilenceError(f"{type(error).__name__}: {error}") from error
        silence_id = answer.get("silenceID")
        if not isinstance(silence_id, str) or not silence_id:
            raise SilenceError(f"no silenceID in {str(answer)[:200]}")
        return silence_id

    async def expire(self, url: str, silence_id: str) -> None:
        """Expire a silence (one already gone is fine)."""
        try:
            async with self._client().delete(f"{url}/api/v2/silence/{silence_id}") as response:
                if response.status not in (200, 404):
                    raise SilenceError(f"HTTP {response.status}: {(await response.text())[:200]}")
        except (aiohttp.ClientError, TimeoutError) as error:
            raise SilenceError(f"{type(error).__name__}: {error}") from error

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()


class Silencer:
    """Keeps Alertmanager's silences in step with acknowledged incidents (see the module)."""

    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        alerts: AlertService,
        urls: Mapping[str, str],
        wakeup: Wakeup,
        client: AlertmanagerClient | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._alerts = alerts
        self.urls = dict(urls)  # source → Alertmanager's address
        self._wakeup = wakeup
        self.client = client or AlertmanagerClient()
        self._pokes: set[asyncio.Task[None]] = set()

    async def seed(self) -> None:
        """Give the job its row (one already scheduled keeps its time)."""
        async with self._store.transaction() as uow:
            if await uow.job_due(JOB) is None:
                await uow.schedule_job(JOB, self._clock.now())

    def observe(self, event: e.Event) -> None:
        """An event handler: an acknowledgement or a resolution makes the job due now."""
        if isinstance(event, e.IncidentAcknowledged | e.IncidentResolved | e.PhaseChanged):
            task = asyncio.get_running_loop().create_task(self._poke())
            self._pokes.add(task)
            task.add_done_callback(self._pokes.discard)

    async def _poke(self) -> None:
        try:
            async with self._store.transaction() as uow:
                await uow.schedule_job(JOB, self._clock.now())
        except Exception as error:  # the job comes round within EVERY anyway
            log.warning("could not bring the silences job forward: %s", error)
        self._wakeup.ring()

    async def settle(self) -> None:
        """Wait for pending pokes (tests)."""
        while self._pokes:
            await asyncio.gather(*list(self._pokes), return_exceptions=True)

    async def run(self, uow: UnitOfWork, job: str, due: datetime, now: datetime) -> datetime:
        """The job: create or expire what the groups' incidents call for; next pass."""
        for group in await uow.alert_groups_to_silence(sorted(self.urls)):
            incident = await uow.load(group.incident) if group.incident is not None else None
            step = silence_step(group, incident, now)
            if step is None:
                continue
            try:
                await self._carry_out(uow, group, step, now)
            except SilenceError as error:
                log.warning(
                    "alertmanager silence for %s %s failed: %s (tried again within %s s)",
                    group.source,
                    group.key,
                    error,
                    int(EVERY.total_seconds()),
                )
                break  # Alertmanager is likely down: the others wait for the next pass too
        return now + EVERY

    async def _carry_out(
        self, uow: UnitOfWork, group: AlertGroup, step: SilenceStep, now: datetime
    ) -> None:
        url = self.urls[group.source]
        rules = self._alerts.sources[group.source]
        old = group.silence_id
        if step is SilenceStep.CREATE:
            if old is not None:  # it ended by itself: make sure, then make a new one
                await self.client.expire(url, old)
            until = now + LONGEST
            comment = f"sevbot: incident #{group.incident} acknowledged; until it resolves"
            silence_id = await self.client.create(url, group, now, until, comment)
            group = await uow.save_alert_group(silenced(group, silence_id, until), now)
            entry, text = silence_entry(group, silence_id, until)
        else:
            assert old is not None
            await self.client.expire(url, old)
            number = group.silenced_for
            group = await uow.save_alert_group(unsilenced(group), now)
            entry, text = expiry_entry(group, old)
            if number is None:
                return
            await self._alerts.record_in(uow, number, c.RecordAlerts(entry=entry, text=text), rules)
            return
        assert group.incident is not None
        await self._alerts.record_in(
            uow, group.incident, c.RecordAlerts(entry=entry, text=text), rules
        )
