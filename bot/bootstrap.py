"""The composition root: the one place that builds a running sevbot from `Settings`.

`build_app` makes every part, each given what it needs through its constructor: the store,
the router and the outbox writer, on-call, the command bus, the chat ports and adapters, the
dispatcher, the scheduler and its jobs, metrics and the web application. `sevbot run` runs
what it returns; `demo`, `simulate` and `console` (`bot/local.py`, the root's local runs),
`review` and `report` call it (or `open_store`) with their own clock or chat; tests pass their
overrides as arguments. With `bot/local.py`, this is the only module of `bot` that imports
`adapters` (tests/unit/test_architecture.py keeps it so).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from adapters.stores.faults import NoDatabase
from adapters.stores.migrate import SchemaTooNew
from bot.alert_jobs import retired_jobs
from bot.audit import record_access_config
from bot.chat import ChatAdapter, ChatPorts, CommandHandler
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.events import EventHandler, EventPublisher
from bot.faults import StoreHealth
from bot.health import PROBE_JOB, HealthCheck, expire_probe
from bot.inbox import PRUNE_JOB as INBOX_PRUNE_JOB
from bot.inbox import Inbox, prune_job, seed_inbox_pruning
from bot.mirror import relay_handler
from bot.names import NameBook, keep_configured
from bot.oncall.config import page_map
from bot.oncall.handoff import Handoffs
from bot.oncall.service import OnCallService
from bot.oncall.unconfigured import NoRotations
from bot.outbox import PRUNE_JOB, Dispatcher, prune_delivered, seed_pruning
from bot.review.actions import NAG_JOB, nag_job, seed_action_nag
from bot.routing import Directory, OutboxWriter, Router
from bot.scheduler import JobHandler, Scheduler
from bot.service import IncidentService, OnCallLookup
from bot.statuspage import register_components
from bot.wakeup import Wakeup
from incidents import commands as c
from incidents.policy import Policy
from incidents.ports import ChatPort, Store, StoreUnavailable

if TYPE_CHECKING:
    from aiohttp import web

    from bot.alerts import Alerts
    from bot.github.wiring import GitHubParts
    from bot.metrics import Metrics

__all__ = [
    "App",
    "NoDatabase",
    "SchemaTooNew",
    "build_app",
    "known_migrations",
    "open_store",
    "store_where",
]


class ChatFactory(Protocol):
    """Builds one platform's chat adapter from the settings and the chat ports."""

    def __call__(
        self, settings: Settings, ports: ChatPorts, /, **options: Any
    ) -> ChatPort | ChatAdapter:
        """The adapter; `options` are extra keyword arguments for it (tests use them)."""
        ...


async def open_store(
    url: str, *, migrate: bool = True, serving: bool = False, create: bool = True
) -> Store:
    """The store for a database URL: SQLite (embedded default) or PostgreSQL. `serving`: for
    `sevbot run` (on SQLite, it warns when another one runs on the same file; on PostgreSQL, its
    connections are kept open and warmed). `create=False`:
    a SQLite file (or its folder) that does not exist is not made but raises `NoDatabase`. A
    store that cannot be opened raises `StoreUnavailable` naming it (host and port, or file)."""
    if url.startswith("sqlite:///"):
        from adapters.stores.sqlite import SqliteStore

        return await SqliteStore.open(url, migrate=migrate, serving=serving, create=create)
    url = url.replace("postgres://", "postgresql://", 1)
    try:
        from adapters.stores.postgres import PostgresStore
    except ImportError as error:  # a dependency of sevbot, but an environment may lack it
        from adapters.stores.faults import postgres_where

        missing = (
            f"the PostgreSQL driver asyncpg is not installed ({error}); it comes with sevbot: "
            "pip install asyncpg (or reinstall sevbot)"
        )
        raise StoreUnavailable(postgres_where(url), missing, lasting=True) from error
    return await PostgresStore.open(url, migrate=migrate, serving=serving)


def store_where(url: str) -> str:
    """The store a database URL names, in words: `SQLite file /abs/sevbot.db` or `PostgreSQL
    at db:5432/sevbot` (never the credentials)."""
    from adapters.stores.faults import postgres_where, sqlite_path, sqlite_where

    if url.startswith("sqlite:///"):
        return sqlite_where(sqlite_path(url))
    return postgres_where(url)


def known_migrations(url: str) -> list[tuple[int, str]]:
    """(version, name) of every migration this sevbot has for the URL's database, in order."""
    from adapters.stores.migrate import migrations

    dialect = "sqlite" if url.startswith("sqlite:///") else "postgres"
    return [(version, name) for version, name, _ in migrations(dialect)]


@dataclass(frozen=True, kw_only=True)
class App:
    """Everything a running sevbot is made of, built once by `build_app`."""

    settings: Settings
    store: Store
    clock: Clock
    policy: Policy
    router: Router
    service: IncidentService
    oncall: OnCallService | None  # `/oncall …` and handoffs, when rotations are configured
    ports: ChatPorts  # what the chat adapters were given
    chats: Mapping[str, ChatPort]  # every platform the outbox delivers to, the default first
    adapters: tuple[ChatAdapter, ...]  # the chats that also run a connection or serve HTTP
    dispatcher: Dispatcher
    scheduler: Scheduler
    events: EventPublisher
    metrics: Metrics
    web: web.Application
    store_health: StoreHealth  # store faults as the loops, the commands and /healthz met them
    alerts: Alerts | None = None  # alert sources and heartbeats, when configured
    github: GitHubParts | None = None  # `[github]`: public issues, action items as issues

    @property
    def default_platform(self) -> str:
        """Where incidents opened outside chat (API, CLI) post: the first chat platform."""
        return self.router.default_platform

    @property
    def ready(self) -> bool:
        """True once the store is open and the scheduler loop runs."""
        return self.scheduler.running

    async def close(self) -> None:
        """Release the store (and the alerts' worker and HTTP session)."""
        if self.alerts is not None:
            await self.alerts.close()
        if self.github is not None:
            await self.github.sink.close()
        await self.store.close()


def _slack(settings: Settings, ports: ChatPorts, /, **options: Any) -> ChatAdapter:
    from adapters.slack import build_adapter

    return build_adapter(settings, ports, **options)


def _discord(settings: Settings, ports: ChatPorts, /, **options: Any) -> ChatAdapter:
    from adapters.discord import build_adapter

    return build_adapter(settings, ports, **options)


def _transcript(settings: Settings, ports: ChatPorts, /, **options: Any) -> ChatPort:
    from adapters.console.chat import TranscriptFileChat

    assert settings.transcript_file is not None
    return TranscriptFileChat(settings.transcript_file, **options)


def console_chat(out: TextIO, files_dir: Path | None = None) -> ChatFactory:
    """A factory for the console chat printing to `out` (and writing the files it is posted,
    review drafts, to `files_dir` when given)."""

    def build(settings: Settings, ports: ChatPorts, /, **options: Any) -> ChatPort:
        from adapters.console.chat import ConsoleChat

        return ConsoleChat(
            out,
            ports.clock,
            channels=ports.channels,
            commands=ports.commands,
            names=ports.names,
            files_dir=files_dir,
            **options,
        )

    return build


def chat_factories(settings: Settings) -> dict[str, ChatFactory]:
    """The chat platforms these settings turn on, by platform name, in their order."""
    factories: dict[str, ChatFactory] = {}
    if settings.transcript_file:
        factories["console"] = _transcript
    if settings.slack_bot_token is not None:
        factories["slack"] = _slack
    if settings.discord_bot_token is not None:
        factories["discord"] = _discord
    if not factories:
        import sys

        # No chat platform: print what the bot says, so a local `sevbot run` shows it.
        factories["console"] = console_chat(sys.stdout)
    return factories


def _directory(settings: Settings) -> Directory:
    """Configured channels: announce channels per platform, each rotation's on-call channels."""
    directory = Directory()
    if settings.slack_announce_channel:
        directory.announce_channels["slack"] = settings.slack_announce_channel
    if settings.discord_announce_channel:
        directory.announce_channels["discord"] = str(settings.discord_announce_channel)
    for rotation in (r.to_rotation() for r in settings.rotation):
        for platform, channel in rotation.channels.items():
            directory.oncall_channels[(rotation.name, platform)] = channel
    return directory


def _router(settings: Settings, platforms: tuple[str, ...], directory: Directory) -> Router:
    """The one routing decision, for these running platforms: channels, the people directory,
    the mirrored platforms that run, and `default_platform`."""
    mirror = settings.mirror.platforms if settings.mirror else ()
    return Router(
        platforms=platforms,
        directory=directory,
        people=settings.people(),
        mirrored=tuple(platform for platform in mirror if platform in platforms),
        default=settings.default_platform,
    )


def _rotations(
    settings: Settings, *, store: Store, clock: Clock, outbox: OutboxWriter, wakeup: Wakeup
) -> OnCallService | None:
    """The `[[rotation]]` tables as a running service, or None when there are none."""
    if not settings.rotation:
        return None
    tokens = {r.name: r.feed_token.get_secret_value() for r in settings.rotation if r.feed_token}
    return OnCallService(
        rotations=[r.to_rotation() for r in settings.rotation],
        page=page_map(settings.rotation, settings.page),
        store=store,
        clock=clock,
        outbox=outbox,
        on_change=wakeup.ring,
        feed_tokens=tokens,
        access=settings.access_policy(),
    )


async def build_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    store: Store | None = None,
    chats: Iterable[ChatPort] | None = None,
    chat_factories_override: Mapping[str, ChatFactory] | None = None,
    adapter_options: Mapping[str, Mapping[str, Any]] | None = None,
    oncall: OnCallLookup | None = None,
    oncall_commands: CommandHandler | None = None,
    oncall_channels: Mapping[tuple[str, str], str] | None = None,
    event_handlers: Iterable[EventHandler] = (),
) -> App:
    """Build the whole application. Overrides, for tests and the local verbs: `clock`; an open
    `store`; `chats` (ready-made chat ports, instead of the platforms the settings turn on) or
    `chat_factories_override` (platform → factory given the ports); `adapter_options` (extra
    keyword arguments per platform's adapter); `oncall` (who an incident pages); `oncall_commands`
    (what answers `/oncall`); `oncall_channels` ((rotation, platform) → channel, beside the
    configured ones); `event_handlers` (more subscribers to committed events)."""
    # Imported here, not with this module: the CLI's store verbs (`outbox`, `migrate`) open a
    # store through `open_store` without the web stack, metrics and review templates.
    from bot.http import make_web_app
    from bot.metrics import Metrics
    from bot.review.markdown import load_template
    from bot.web.auth import Signer
    from bot.web.context import SignInLinks, WebContext

    clock = clock or SystemClock()
    policy = settings.domain_policy()
    if settings.review_template is not None:
        load_template(settings.review_template)  # a broken team template stops start-up
    if store is None:  # opened here, so closed here if building fails (else its thread stays)
        opened = await open_store(settings.database_url)
        try:
            return await build_app(
                settings,
                clock=clock,
                store=opened,
                chats=chats,
                chat_factories_override=chat_factories_override,
                adapter_options=adapter_options,
                oncall=oncall,
                oncall_commands=oncall_commands,
                oncall_channels=oncall_channels,
                event_handlers=event_handlers,
            )
        except BaseException:
            await opened.close()
            raise
    access = settings.access_policy()
    api_token = settings.api_token is not None
    await record_access_config(store, access, api_token=api_token, now=clock.now())
    await register_components(store, settings.status_page.components, clock.now())
    ready_chats, factories = _chat_plan(settings, chats, chat_factories_override)
    directory = _directory(settings)
    directory.oncall_channels.update(oncall_channels or {})
    router = _router(settings, (*ready_chats, *factories), directory)
    await keep_configured(store, router.people.names(), clock.now())
    outbox = OutboxWriter(router=router, clock=clock)
    wakeup = Wakeup()
    health = StoreHealth(clock)
    rotations = _rotations(settings, store=store, clock=clock, outbox=outbox, wakeup=wakeup)
    metrics = Metrics(store)
    events = EventPublisher([metrics.observe, *event_handlers])
    token = settings.web_token
    signer = Signer(token.get_secret_value()) if token is not None else None
    service = IncidentService(
        store=store,
        clock=clock,
        policy=policy,
        outbox=outbox,
        oncall=oncall or rotations,
        refresh_oncall=rotations.refresh if rotations is not None else None,
        events=events,
        on_change=wakeup.ring,
        review_template=settings.review_template,
        dashboard_link=SignInLinks(signer=signer, settings=settings, clock=clock),
        access=access,
        health=health,
        oncall_in=rotations.holders if rotations is not None else None,
    )
    relaying = bool(settings.mirror and settings.mirror.relay_messages) and len(router.mirrored) > 1
    service.register(c.RelayMessage, relay_handler(router.people, enabled=relaying))
    github = _github(
        settings,
        store=store,
        clock=clock,
        service=service,
        outbox=outbox,
        status_page=policy.status_page_url,
    )
    alerts = _alerts(
        settings,
        store=store,
        clock=clock,
        incidents=service,
        outbox=outbox,
        events=events,
        wakeup=wakeup,
        platform=router.default_platform,
    )
    ports = ChatPorts(
        commands=service,
        channels=service,
        routes=router,
        clock=clock,
        oncall=oncall_commands or (rotations if rotations is not None else NoRotations()),
        inbox=Inbox(store=store, clock=clock, quiet=wakeup.quiet),
        names=NameBook(store=store, clock=clock, configured=router.people.names()),
        people=router.people,
        relay_messages=relaying,
    )
    built: dict[str, ChatPort] = dict(ready_chats)
    for platform, factory in factories.items():
        built[platform] = factory(settings, ports, **(adapter_options or {}).get(platform, {}))
    if github is not None:  # GitHub's outbox rows: delayed only by GitHub
        built[github.sink.platform] = github.sink
        if alerts is not None and alerts.github is not None:
            alerts.github.issues = github.issues.issue_event
    dispatcher = Dispatcher(
        store=store,
        clock=clock,
        chats=built,
        wakeup=wakeup,
        failed=metrics.delivery_failed,
        rate_limited=metrics.delivery_rate_limited,
        give_up=settings.outbox_give_up,
        health=health,
    )
    handoffs = _handoffs(rotations, github)
    scheduler = Scheduler(
        store=store,
        service=service,
        clock=clock,
        wakeup=wakeup,
        jobs=_jobs(outbox, metrics, handoffs, store)
        | (alerts.jobs() if alerts else retired_jobs()),
        prepare=handoffs.prepares() if handoffs is not None else None,
        health=health,
    )
    await _seed_jobs(store, clock, handoffs)
    if alerts is not None:
        await alerts.seed()
    if rotations is not None:
        await rotations.load()
    adapters = tuple(chat for chat in built.values() if isinstance(chat, ChatAdapter))
    context = WebContext(
        settings=settings,
        store=store,
        clock=clock,
        policy=policy,
        service=service,
        oncall=rotations,
        metrics=metrics,
        signer=signer,
        default_platform=router.default_platform,
        platforms=router.platforms or (router.default_platform,),
        api_tokens=settings.api_tokens(),
        ready=lambda: scheduler.running,
        health_check=HealthCheck(
            store=store, clock=clock, health=health, ready=lambda: scheduler.running
        ),
    )
    return App(
        settings=settings,
        store=store,
        clock=clock,
        policy=policy,
        router=router,
        service=service,
        oncall=rotations,
        ports=ports,
        chats=built,
        adapters=adapters,
        dispatcher=dispatcher,
        scheduler=scheduler,
        events=events,
        metrics=metrics,
        web=_with_hooks(make_web_app(context, adapters), alerts),
        store_health=health,
        alerts=alerts,
        github=github,
    )


def _handoffs(rotations: OnCallService | None, github: GitHubParts | None) -> Handoffs | None:
    """The rotations' handoff jobs; with `[github]`, listing the repository's urgent backlog."""
    if rotations is None:
        return None
    if github is None or not github.backlog.wanted:
        return Handoffs(rotations)
    return Handoffs(rotations, github=github.backlog.text, prepare=github.backlog.prepare)


def _github(settings: Settings, **parts: Any) -> GitHubParts | None:
    """`[github]` wired, when configured; without it `--issue` is refused."""
    if settings.github is None:
        from bot.github import no_github

        parts["service"].committed_change = no_github
        return None
    from bot.github.wiring import build_github

    return build_github(settings.github, **parts)


def _alerts(settings: Settings, **parts: Any) -> Alerts | None:
    """The alert sources and heartbeats, wired; their machinery is imported only when the
    settings configure some."""
    if not settings.alert_source and not settings.heartbeat:
        return None
    from bot.alerts import build_alerts

    return build_alerts(settings, **parts)


def _with_hooks(web_app: web.Application, alerts: Alerts | None) -> web.Application:
    """The web application with the alert hooks' routes, when alerts are configured."""
    if alerts is not None:
        alerts.hooks.mount(web_app)
    return web_app


def _chat_plan(
    settings: Settings,
    chats: Iterable[ChatPort] | None,
    factories: Mapping[str, ChatFactory] | None,
) -> tuple[dict[str, ChatPort], dict[str, ChatFactory]]:
    """The chats given ready-made, and the factories of the others; the settings' platforms
    when the caller gave neither."""
    if chats is None and factories is None:
        return {}, chat_factories(settings)
    return {chat.platform: chat for chat in chats or ()}, dict(factories or {})


def _jobs(
    outbox: OutboxWriter, metrics: Metrics, handoffs: Handoffs | None, store: Store
) -> dict[str, JobHandler]:
    """The scheduler's job handlers by name prefix: nags, pruning, and the rotations' handoffs."""

    def nags_sent(count: int) -> None:
        metrics.reminders_sent.labels(kind="action_items").inc(count)

    jobs: dict[str, JobHandler] = {
        _prefix(NAG_JOB): nag_job(outbox.enqueue, nags_sent),
        _prefix(PRUNE_JOB): prune_delivered,
        _prefix(PROBE_JOB): expire_probe,
        _prefix(INBOX_PRUNE_JOB): prune_job(store),
    }
    return jobs | (handoffs.jobs() if handoffs is not None else {})


async def _seed_jobs(store: Store, clock: Clock, handoffs: Handoffs | None) -> None:
    """Give each job its row (rows already scheduled keep their time)."""
    now = clock.now()
    await seed_action_nag(store, now)
    await seed_pruning(store, now)
    await seed_inbox_pruning(store, now)
    if handoffs is not None:
        await handoffs.seed(store, now)


def _prefix(job: str) -> str:
    """`nag` for `nag:actions`: the scheduler finds a job's handler by the name's prefix."""
    return job.partition(":")[0]
