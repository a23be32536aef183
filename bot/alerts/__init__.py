"""Alerts in: the hooks (`/hooks/alertmanager`, `/hooks/events`, `/hooks/heartbeat/<name>`),
the intake that keeps what they receive, the service that applies it, heartbeats and silences.
`build_alerts` makes them from the settings for the composition root."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.alerts.heartbeats import JOB as HEARTBEAT_JOB
from bot.alerts.heartbeats import Heartbeats
from bot.alerts.hooks import AlertHooks, HookSource
from bot.alerts.intake import AlertIntake
from bot.alerts.service import AlertService
from bot.alerts.silences import JOB as SILENCE_JOB
from bot.alerts.silences import Silencer
from bot.config import Settings
from bot.events import EventPublisher
from bot.inbox import Inbox
from bot.routing import OutboxWriter
from bot.scheduler import JobHandler
from bot.service import IncidentService
from bot.wakeup import Wakeup
from incidents.alerts.model import DEFAULT_OPEN
from incidents.ports import Clock, Store, UnitOfWork


@dataclass(frozen=True, slots=True, kw_only=True)
class Alerts:
    """The running parts of alerts in."""

    service: AlertService
    intake: AlertIntake
    hooks: AlertHooks
    heartbeats: Heartbeats
    silencer: Silencer | None

    def jobs(self) -> dict[str, JobHandler]:
        """The scheduler's handlers: heartbeats' silences, and the silences job."""
        jobs = retired_jobs() | {HEARTBEAT_JOB: self.heartbeats.fire}
        if self.silencer is not None:
            jobs[SILENCE_JOB] = self.silencer.run
        return jobs

    async def seed(self) -> None:
        """Give the heartbeats and the silences job their rows."""
        await self.heartbeats.seed()
        if self.silencer is not None:
            await self.silencer.seed()

    async def start(self) -> int:
        """Apply what an earlier process received and did not finish; how many."""
        return await self.intake.replay()

    async def settle(self) -> None:
        """Wait until everything received is applied (tests, benchmarks)."""
        await self.intake.settle()
        if self.silencer is not None:
            await self.silencer.settle()

    async def close(self, grace: float = 5.0) -> None:
        """Let the intake finish for up to `grace` seconds; close Alertmanager's session."""
        await self.intake.close(grace)
        if self.silencer is not None:
            await self.silencer.client.close()


async def _retire(uow: UnitOfWork, name: str, due: datetime, now: datetime) -> None:
    """A job of alerts no longer configured: it ends (else it would stay due forever)."""
    return None


def retired_jobs() -> dict[str, JobHandler]:
    """Handlers ending the alerts' jobs when heartbeats or silences are not configured (any
    more): taken out of the settings, their rows go at their next due time."""
    return {HEARTBEAT_JOB: _retire, SILENCE_JOB: _retire}


def build_alerts(
    settings: Settings,
    *,
    store: Store,
    clock: Clock,
    incidents: IncidentService,
    outbox: OutboxWriter,
    events: EventPublisher,
    wakeup: Wakeup,
    platform: str,
) -> Alerts | None:
    """The alert sources and heartbeats the settings configure, wired; None when there are
    none (the hooks then answer 404)."""
    if not settings.alert_source and not settings.heartbeat:
        return None
    sources = {source.name: source.rules() for source in settings.alert_source}
    beats = {beat.name: beat.rules() for beat in settings.heartbeat}
    for name, beat in beats.items():
        sources[name] = beat.source_rules(DEFAULT_OPEN)
    service = AlertService(
        store=store,
        clock=clock,
        incidents=incidents,
        outbox=outbox,
        sources=sources,
        platform=platform,
    )
    intake = AlertIntake(inbox=Inbox(store=store, clock=clock), alerts=service)
    heartbeats = Heartbeats(store=store, clock=clock, rules=beats, alerts=service, wakeup=wakeup)
    urls = {s.name: s.alertmanager_url for s in settings.alert_source if s.alertmanager_url}
    silencer = None
    if urls:
        silencer = Silencer(store=store, clock=clock, alerts=service, urls=urls, wakeup=wakeup)
        events.subscribe(silencer.observe)
    hooks = AlertHooks(
        sources={
            s.name: HookSource(
                name=s.name, kind=s.kind, token=s.token(), severity_label=s.severity_label
            )
            for s in settings.alert_source
        },
        intake=intake,
        heartbeats=heartbeats,
        heartbeat_tokens={beat.name: beat.token() for beat in settings.heartbeat},
    )
    return Alerts(
        service=service, intake=intake, hooks=hooks, heartbeats=heartbeats, silencer=silencer
    )


__all__ = ["Alerts", "build_alerts", "retired_jobs"]
