"""Alerts in: the hooks (`/hooks/alertmanager`, `/hooks/events`, `/hooks/github`,
`/hooks/heartbeat/<name>`), the intake that keeps what they receive, the service that applies
it, GitHub's deliveries and digests, heartbeats and silences.
`build_alerts` makes them from the settings for the composition root."""

from __future__ import annotations

from dataclasses import dataclass

from bot.alert_jobs import DIGEST_JOB, HEARTBEAT_JOB, SILENCE_JOB, retired_jobs
from bot.alerts.github import GitHubAlerts
from bot.alerts.heartbeats import Heartbeats
from bot.alerts.hooks import AlertHooks, HookSource
from bot.alerts.intake import AlertIntake
from bot.alerts.service import AlertService
from bot.alerts.silences import Silencer
from bot.config import Settings
from bot.events import EventPublisher
from bot.inbox import Inbox
from bot.routing import OutboxWriter
from bot.scheduler import JobHandler
from bot.service import IncidentService
from bot.wakeup import Wakeup
from incidents.alerts.github import Cadence, daily_schedule, weekly_schedule
from incidents.alerts.model import DEFAULT_OPEN
from incidents.oncall.rotation import Handoff, parse_handoff
from incidents.ports import Clock, Store


@dataclass(frozen=True, slots=True, kw_only=True)
class Alerts:
    """The running parts of alerts in."""

    service: AlertService
    intake: AlertIntake
    hooks: AlertHooks
    heartbeats: Heartbeats
    silencer: Silencer | None
    github: GitHubAlerts | None = None

    def jobs(self) -> dict[str, JobHandler]:
        """The scheduler's handlers: heartbeats' silences, the silences job, the digests."""
        jobs = retired_jobs() | {HEARTBEAT_JOB: self.heartbeats.fire}
        if self.silencer is not None:
            jobs[SILENCE_JOB] = self.silencer.run
        if self.github is not None:
            jobs[DIGEST_JOB] = self.github.fire
        return jobs

    async def seed(self) -> None:
        """Give the heartbeats, the silences job and the digests their rows."""
        await self.heartbeats.seed()
        if self.github is not None:
            await self.github.seed()
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
    github = _github(settings, store=store, clock=clock, alerts=service)
    intake = AlertIntake(inbox=Inbox(store=store, clock=clock), alerts=service, github=github)
    heartbeats = Heartbeats(store=store, clock=clock, rules=beats, alerts=service, wakeup=wakeup)
    urls = {s.name: s.alertmanager_url for s in settings.alert_source if s.alertmanager_url}
    silencer = None
    if urls:
        silencer = Silencer(store=store, clock=clock, alerts=service, urls=urls, wakeup=wakeup)
        events.subscribe(silencer.observe)
    hooks = AlertHooks(
        sources={
            s.name: HookSource(
                name=s.name,
                kind=s.kind,
                token=s.token(),
                severity_label=s.severity_label,
                github=s.github_rules() if s.kind == "github" else None,
            )
            for s in settings.alert_source
        },
        intake=intake,
        heartbeats=heartbeats,
        heartbeat_tokens={beat.name: beat.token() for beat in settings.heartbeat},
    )
    return Alerts(
        service=service,
        intake=intake,
        hooks=hooks,
        heartbeats=heartbeats,
        silencer=silencer,
        github=github,
    )


def _github(
    settings: Settings, *, store: Store, clock: Clock, alerts: AlertService
) -> GitHubAlerts | None:
    """The GitHub sources with their digests' schedules: daily at 09:00 in the policy's zone,
    weekly with the source's rotation's weekly handoff (else Monday 09:00 UTC)."""
    chosen = [s for s in settings.alert_source if s.kind == "github"]
    if not chosen:
        return None
    zone = settings.domain_policy().business_hours.zone
    handoffs = {r.name: parse_handoff(r.handoff) for r in settings.rotation}
    schedules: dict[Cadence, dict[str, Handoff]] = {Cadence.DAILY: {}, Cadence.WEEKLY: {}}
    for source in chosen:
        page = settings.page if isinstance(settings.page, str) else None
        rotation = source.rotation or page
        schedules[Cadence.DAILY][source.name] = daily_schedule(zone)
        schedules[Cadence.WEEKLY][source.name] = weekly_schedule(handoffs.get(rotation or ""))
    return GitHubAlerts(
        store=store,
        clock=clock,
        alerts=alerts,
        rules={s.name: s.github_rules() for s in chosen},
        schedules=schedules,
    )


__all__ = ["Alerts", "build_alerts", "retired_jobs"]
