"""The composition root's local runs: `sevbot demo`, `sevbot simulate` and `sevbot console`.

They build the application with `bot.bootstrap.build_app`, with their own clock and chats
(simulated or printing), and drive it step by step. With `bot.bootstrap`, this is the only
module of `bot` that imports `adapters` (tests/unit/test_architecture.py keeps it so).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import tempfile
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

import aiohttp
from aiohttp import web

from bot.bootstrap import App, ChatFactory, build_app, console_chat, store_where
from bot.chat import ChatPorts
from bot.clock import FakeClock
from bot.config import Settings
from bot.oncall.config import RotationSettings
from bot.scenario import MoveClock, RunCommand, Step, parse_scenario
from incidents.ports import ChatPort, OutboxItem

DEMO_ROTATION = RotationSettings(
    name="maintainers",
    members=["console:sam", "console:li", "console:ana"],
    start=date(2026, 11, 23),
)


def demo_scenario() -> str:
    """The shipped demo scenario (`bot/scenarios/demo.scenario`)."""
    return resources.files("bot").joinpath("scenarios", "demo.scenario").read_text("utf-8")


async def run_demo(out: TextIO, review_path: Path) -> int:
    """`sevbot demo`: the shipped SEV-1 scenario with the demo's rotation, in the console's
    layout; the review draft it posts is written to `review_path`."""
    steps = parse_scenario(demo_scenario(), "demo.scenario")
    settings = Settings(database_url="sqlite:///unused.db", rotation=[DEMO_ROTATION])
    start = steps[0]
    assert isinstance(start, MoveClock)
    print(f"sevbot demo: a SEV-1 on {start.to:%A %d %B %Y}, times in UTC", file=out)
    print("(simulated clock; the real store, scheduler and outbox)\n", file=out)
    files: dict[str, str] = {}
    failed = await run_simulation(settings, steps, out, fmt="text", files=files)
    review = files.get("incident-1-review.md")
    if failed or review is None:
        print("the demo did not run as scripted", file=out)
        return 1
    await asyncio.to_thread(review_path.write_text, review, encoding="utf-8")
    print(f"\nThe review draft is in {review_path}", file=out)
    return 0


async def run_simulation(
    settings: Settings,
    steps: list[Step],
    out: TextIO,
    *,
    fmt: str = "text",
    files: dict[str, str] | None = None,
) -> int:
    """`sevbot simulate`: play `steps` against the real service, a throw-away SQLite store, the
    scheduler, the outbox, and the rotations and policy of `settings`, with a simulated clock;
    write what the bot would post to `out`. Returns how many commands failed. Files the bot
    posts (review drafts) are collected in `files` when given."""
    from adapters.console import simulate

    start = steps[0]
    assert isinstance(start, MoveClock)
    clock = FakeClock(start.to)
    transcript: simulate.Transcript = simulate.Jsonl(out) if fmt == "jsonl" else simulate.Text(out)
    platforms = _scenario_platforms(steps)
    chats: dict[str, simulate.SimulatedChat] = {}

    def factory(platform: str) -> ChatFactory:
        def build(settings: Settings, ports: ChatPorts, /, **options: Any) -> ChatPort:
            chat = _FileKeeper(
                simulate.SimulatedChat(platform, transcript, ports=ports, clock=clock), files
            )
            chats[platform] = chat.inner
            return chat

        return build

    with tempfile.TemporaryDirectory(prefix="sevbot-simulate-") as folder:
        url = f"sqlite:///{folder}/sim.db"
        rehearsal = settings.model_copy(update={"database_url": url})
        from adapters.stores.sqlite import SqliteStore

        app = await build_app(
            rehearsal,
            clock=clock,
            store=await SqliteStore.open(url, inline=True),  # nothing else runs meanwhile
            chat_factories_override={platform: factory(platform) for platform in platforms},
        )
        pages = _WebPages(app)
        try:
            run = simulate.Rehearsal(
                ports=app.ports,
                loops=_Loops(app),
                clock=clock,
                chats=chats,
                transcript=transcript,
                default_platform=app.default_platform,
                pages=pages,
            )
            return await simulate.play(steps, run)
        finally:
            await pages.close()
            await app.close()


def _scenario_platforms(steps: list[Step]) -> list[str]:
    """The chat platforms a scenario's people type on, first come first; the first is where
    things opened outside chat live. Every simulated platform is there, so direct messages to
    people on any of them are shown."""
    from adapters.console.simulate import platform_of

    seen: dict[str, None] = {}
    for step in steps:
        if isinstance(step, RunCommand):
            seen.setdefault(platform_of(step.person, "console"), None)
    for platform in ("console", "slack", "discord"):
        seen.setdefault(platform, None)
    return list(seen)


class _WebPages:
    """The app's web server, started on 127.0.0.1 at the first `GET` step of a rehearsal and
    read over HTTP as a customer's browser would (links are relative unless `public_url` is
    set: the Host header, `sevbot.local` here, never makes a link)."""

    HOST = "sevbot.local"

    def __init__(self, app: App) -> None:
        self._app = app
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._base = ""

    async def get(self, path: str) -> Any:
        """`GET path` → the page (status, content type, body)."""
        from adapters.console.simulate import Page

        if self._session is None:
            self._runner = web.AppRunner(self._app.web, access_log=None)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            await site.start()
            port = self._runner.addresses[0][1]
            self._base = f"http://127.0.0.1:{port}"
            self._session = aiohttp.ClientSession()
        async with self._session.get(self._base + path, headers={"Host": self.HOST}) as answer:
            body = await answer.text()
            return Page(path, answer.status, answer.content_type, body)

    async def close(self) -> None:
        """Stop the server if it was started."""
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()


class _FileKeeper:
    """A chat that also keeps the files posted through it (the demo writes the review)."""

    def __init__(self, inner: Any, files: dict[str, str] | None) -> None:
        self.inner = inner
        self.platform: str = inner.platform
        self._files = files

    async def deliver(self, item: OutboxItem) -> None:
        """Deliver, and keep the attachment."""
        message = item.message
        if self._files is not None and message.attachment_name and message.attachment:
            self._files[message.attachment_name] = message.attachment
        await self.inner.deliver(item)


async def run_console(
    settings: Settings, who: str, stdin: TextIO, out: TextIO, *, files_dir: Path
) -> int:
    """`sevbot console`: type commands against the configured store; the bot answers here. At
    a terminal: line editing, history, messages printed above the prompt and log lines in a
    file; elsewhere, lines are read one by one. Review drafts are written to `files_dir`
    (an absolute path)."""
    from adapters.console import lines, repl
    from adapters.console.chat import ConsoleChat

    with contextlib.ExitStack() as session:
        log_file = _logs_aside(session, lines.state_dir() / "console.log")
        source: lines.LineSource
        if lines.is_terminal(stdin, out):
            source = lines.TerminalLines(lines.state_dir() / "console-history")
            out = session.enter_context(lines.terminal_session())
        else:
            source = lines.PipedLines(stdin, out)
        factory = console_chat(out, files_dir=files_dir)
        app = await build_app(settings, chat_factories_override={"console": factory})
        chat = app.chats["console"]
        assert isinstance(chat, ConsoleChat)
        setting = repl.Setting(
            store=store_where(settings.database_url),
            files=str(files_dir),
            log_file=None if log_file is None else str(log_file),
        )
        scheduler = asyncio.create_task(app.scheduler.run())
        dispatcher = asyncio.create_task(app.dispatcher.run())
        try:
            return await repl.read_commands(
                who,
                source,
                out,
                ports=app.ports,
                loops=_Loops(app),
                channel_of=chat.channel,
                setting=setting,
            )
        finally:
            app.scheduler.stop()
            app.dispatcher.stop()
            await asyncio.gather(scheduler, dispatcher, return_exceptions=True)
            await app.close()


def _logs_aside(session: contextlib.ExitStack, path: Path) -> Path | None:
    """When standard error is the terminal, log lines (an outbox warning…) would land among
    the transcript: for the session they go to `path` instead. None: they stay on standard
    error, which goes elsewhere (or the file cannot be opened)."""
    try:
        if not sys.stderr.isatty():
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
        log = session.enter_context(path.open("a", encoding="utf-8"))
    except (OSError, ValueError):
        return None
    root = logging.getLogger()
    kept = root.handlers[:]
    aside = logging.StreamHandler(log)
    aside.setFormatter(kept[0].formatter if kept else logging.Formatter(logging.BASIC_FORMAT))
    root.handlers = [aside]
    logging.captureWarnings(True)
    session.callback(logging.captureWarnings, False)
    session.callback(setattr, root, "handlers", kept)
    return path


class _Loops:
    """The scheduler and dispatcher, driven step by step by the demo and the console."""

    def __init__(self, app: App) -> None:
        self._app = app

    async def next_due(self) -> Any:
        """When the earliest timer or job is due (None: nothing is)."""
        return await self._app.store.next_timer_due()

    async def fire_due(self) -> None:
        """Fire every timer and job due now."""
        await self._app.scheduler.fire_due()

    async def deliver_due(self) -> None:
        """Deliver every outbox message due now."""
        await self._app.dispatcher.deliver_due()
