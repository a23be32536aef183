"""The composition root: builds the whole application from Settings. Tests call it too."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from bot.chat import ChatAdapter
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.directory import Directory
from bot.events import EventPublisher
from bot.metrics import Metrics
from bot.oncall.setup import install_oncall, oncall_from_settings
from bot.outbox import PRUNE_JOB, Dispatcher, prune_delivered
from bot.review.actions import install_action_nag
from bot.review.markdown import load_template
from bot.scheduler import Scheduler
from bot.service import CommandHandler, IncidentService, OnCallLookup
from incidents.policy import Policy
from incidents.ports import ChatPort, Store


async def open_store(url: str, *, migrate: bool = True) -> Store:
    """The store for a database URL: SQLite (embedded default) or PostgreSQL."""
    if url.startswith("sqlite:///"):
        from adapters.stores.sqlite import SqliteStore

        return await SqliteStore.open(url, migrate=migrate)
    from adapters.stores.postgres import PostgresStore

    return await PostgresStore.open(url.replace("postgres://", "postgresql://", 1), migrate=migrate)


@dataclass(kw_only=True)
class App:
    """Everything a running sevbot is made of."""

    settings: Settings
    store: Store
    clock: Clock
    policy: Policy
    service: IncidentService
    scheduler: Scheduler
    dispatcher: Dispatcher
    events: EventPublisher
    chats: dict[str, ChatPort] = field(default_factory=dict)
    adapters: list[ChatAdapter] = field(default_factory=list)
    directory: Directory = field(default_factory=Directory)
    oncall: CommandHandler | None = None  # `/oncall …`, when rotations are configured
    metrics: Metrics | None = None  # GET /metrics; build_app sets it

    def add_chat(self, chat: ChatPort | ChatAdapter) -> None:
        """Register a chat platform: it gets outbox items; an adapter also runs and serves."""
        self.chats[chat.platform] = chat
        self.dispatcher.add_chat(chat)
        if isinstance(chat, ChatAdapter):
            self.adapters.append(chat)

    @property
    def default_platform(self) -> str:
        """Where incidents opened outside chat (API, CLI) post: the first chat adapter."""
        return next(iter(self.chats), "console")

    @property
    def ready(self) -> bool:
        """True once the store is open and the scheduler loop runs."""
        return self.scheduler.running

    async def close(self) -> None:
        """Release the store."""
        await self.store.close()


AdapterFactory = Callable[[App], ChatPort | ChatAdapter]


def chat_factories(settings: Settings) -> list[AdapterFactory]:
    """The chat platforms these settings turn on, as factories that get the built App."""
    factories: list[AdapterFactory] = []
    if settings.transcript_file:
        from adapters.console.chat import TranscriptFileChat

        path = settings.transcript_file
        factories.append(lambda app: TranscriptFileChat(path))
    if settings.slack_bot_token is not None:
        from adapters.slack import build_adapter as build_slack

        factories.append(build_slack)
    if settings.discord_bot_token is not None:
        from adapters.discord import build_adapter as build_discord

        factories.append(build_discord)
    if not factories:
        # No chat platform: print what the bot says, so a local `sevbot run` shows it.
        import sys

        from adapters.console.chat import ConsoleChat

        factories.append(lambda app: ConsoleChat(sys.stdout, app.clock))
    return factories


async def _install_outbox_pruning(app: App) -> None:
    """Register the daily job that forgets long-delivered messages; seed it once."""
    app.scheduler.register_job(PRUNE_JOB.split(":", 1)[0], prune_delivered)
    async with app.store.transaction() as uow:
        if await uow.job_due(PRUNE_JOB) is None:
            await uow.schedule_job(PRUNE_JOB, app.clock.now() + timedelta(hours=1))


async def build_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    chats: Iterable[ChatPort] = (),
    oncall: OnCallLookup | None = None,
    store: Store | None = None,
) -> App:
    """Open the store and wire service, scheduler and dispatcher around it."""
    clock = clock or SystemClock()
    policy = settings.domain_policy()
    if settings.review_template is not None:
        load_template(settings.review_template)  # a broken team template stops start-up
    store = store or await open_store(settings.database_url)
    events = EventPublisher()
    chat_map = {chat.platform: chat for chat in chats}
    dispatcher = Dispatcher(store=store, clock=clock, chats=chat_map)
    rotations = oncall_from_settings(settings, store=store, clock=clock)  # [[rotation]] tables
    service = IncidentService(
        store=store, clock=clock, policy=policy, oncall=oncall or rotations, events=events
    )
    scheduler = Scheduler(store=store, service=service, clock=clock)

    def changed() -> None:
        scheduler.poke()
        dispatcher.poke()

    service.on_change = changed
    service.review_template = settings.review_template
    metrics = Metrics(store)
    metrics.count_failures_of(dispatcher)
    events.subscribe(metrics.observe)
    directory = Directory()
    if settings.slack_announce_channel:
        directory.announce_channels["slack"] = settings.slack_announce_channel
    if settings.discord_announce_channel:
        directory.announce_channels["discord"] = str(settings.discord_announce_channel)
    app = App(
        metrics=metrics,
        directory=directory,
        settings=settings,
        store=store,
        clock=clock,
        policy=policy,
        service=service,
        scheduler=scheduler,
        dispatcher=dispatcher,
        events=events,
        chats=chat_map,
    )
    await install_action_nag(app)  # the weekly `nag:actions` job (bot/review/actions.py)
    await _install_outbox_pruning(app)
    await install_oncall(app, rotations)  # /oncall, handoff jobs, on-call channels
    return app
