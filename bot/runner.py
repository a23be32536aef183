"""`sevbot run`: store, scheduler, dispatcher, HTTP and chat adapters in one TaskGroup."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import sys

from aiohttp import web

from bot.bootstrap import App, build_app, open_store
from bot.config import Settings
from bot.startup import wait_for_store
from bot.web.connections import connection_options

log = logging.getLogger(__name__)
DRAIN_SECONDS = 5.0


class StartupError(Exception):
    """`sevbot run` cannot start: the message says what and where."""


async def serve(settings: Settings) -> None:
    """Wait for the database (up to SEVBOT_DB_WAIT), run until SIGTERM or SIGINT, then drain
    and return."""
    store = await wait_for_store(
        lambda: open_store(settings.database_url, serving=True), wait=settings.db_wait
    )
    try:
        app = await build_app(settings, store=store)
    except BaseException:
        await store.close()
        raise
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
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
        async with asyncio.TaskGroup() as group:
            loops = [
                group.create_task(app.scheduler.run(), name="scheduler"),
                group.create_task(app.dispatcher.run(), name="dispatcher"),
            ]
            connections = [
                group.create_task(adapter.run(), name=f"chat-{adapter.platform}")
                for adapter in app.adapters
            ]
            await stop.wait()
            log.info("stopping: draining for up to %.0f s", DRAIN_SECONDS)
            await _drain(app, loops, connections)
    finally:
        await runner.cleanup()
        await app.close()
    log.info("stopped")


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


def setup_logging(level: str) -> None:
    """Plain, greppable log lines on stderr."""
    logging.basicConfig(
        level=level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
