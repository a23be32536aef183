"""`sevbot run`: store, scheduler, dispatcher, HTTP and chat adapters in one TaskGroup."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal

from aiohttp import web

from bot.bootstrap import App, build_app, open_store, store_where
from bot.config import Settings
from bot.config_file import find_config
from bot.config_summary import summary_line
from bot.no_platform import no_platform_hints
from bot.preflight import start_up_problem
from bot.startup import wait_for_store
from bot.web.connections import connection_options

log = logging.getLogger(__name__)
DRAIN_SECONDS = 5.0


class StartupError(Exception):
    """`sevbot run` cannot start: the message says what and where."""


async def serve(settings: Settings) -> None:
    """Check the settings as a whole (a problem: `StartupError` at once, nothing opened), say
    which configuration is in use, wait for the database (up to SEVBOT_DB_WAIT), run until
    SIGTERM or SIGINT, then drain and return. A signal during start-up ends it there."""
    problem = start_up_problem(settings)
    if problem is not None:
        raise StartupError(problem)
    log.info("%s", find_config().describe())
    log.info("%s", summary_line(settings, store_where(settings.database_url)))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    app = await _start(settings, stop)
    if app is None:
        log.info("stopped before start-up finished")
        return
    # What start-up made (modules, the app) lives as long as the process: moved out of the
    # collector's sight, a full collection scans only newer objects and pauses the event loop
    # for tens of milliseconds instead of a hundred.
    gc.collect()
    gc.freeze()
    runner = web_runner(app.web, settings)
    await runner.setup()
    try:
        site = web.TCPSite(runner, settings.host, settings.port)
        try:
            await site.start()
        except OSError as error:
            where = f"{settings.host}:{settings.port}"
            raise StartupError(
                f"cannot listen on {where}: {error.strerror or error} (set PORT or SEVBOT_HOST)"
            ) from error
        log.info(
            "sevbot listening on http://%s:%s (store %s, chat: %s)",
            settings.host,
            settings.port,
            settings.database_url.split("@")[-1],
            ", ".join(app.chats) or "none",
        )
        for hint in no_platform_hints(settings):
            log.info("%s", hint)
        async with asyncio.TaskGroup() as group:
            loops = [
                group.create_task(app.scheduler.run(), name="scheduler"),
                group.create_task(app.dispatcher.run(), name="dispatcher"),
            ]
            connections = [
                group.create_task(adapter.run(), name=f"chat-{adapter.platform}")
                for adapter in app.adapters
            ]
            if app.alerts is not None:  # what an earlier process received and did not apply
                await app.alerts.start()
            await stop.wait()
            log.info("stopping: draining for up to %.0f s", DRAIN_SECONDS)
            await _drain(app, loops, connections)
    finally:
        await runner.cleanup()
        await app.close()
    log.info("stopped")


async def _start(settings: Settings, stop: asyncio.Event) -> App | None:
    """Open the store and build the application, or None when `stop` is set first (a signal
    while waiting for the database): then nothing is left open."""
    starting = asyncio.create_task(_build(settings), name="start-up")
    stopping = asyncio.create_task(stop.wait(), name="start-up-signal")
    try:
        await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
        if not starting.done():
            starting.cancel()
    try:
        app = await starting
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if stop.is_set() and current is not None and not current.cancelling():
            return None
        raise
    if stop.is_set():
        await app.close()
        return None
    return app


async def _build(settings: Settings) -> App:
    """The application on its store (the store closed again if building fails)."""
    store = await wait_for_store(
        lambda: open_store(settings.database_url, serving=True), wait=settings.db_wait
    )
    try:
        return await build_app(settings, store=store)
    except BaseException:
        await store.close()
        raise


def web_runner(web_app: web.Application, settings: Settings) -> web.AppRunner:
    """The runner of the HTTP server: idle and header timeouts, limits on request lines and
    headers, an access log with secrets redacted (bot/web/connections.py)."""
    return web.AppRunner(web_app, handle_signals=False, **connection_options(settings))


async def _drain(
    app: App, loops: list[asyncio.Task[None]], connections: list[asyncio.Task[None]]
) -> None:
    """Let the loops finish their round (bounded), then close the chat connections."""
    app.scheduler.stop()
    app.dispatcher.stop()
    _, pending = await asyncio.wait(loops, timeout=DRAIN_SECONDS)
    for task in [*pending, *connections]:
        task.cancel()
    for task in [*pending, *connections]:
        with contextlib.suppress(asyncio.CancelledError):
            await task
