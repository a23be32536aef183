"""`sevbot console`: type `/incident …` commands against a local store, see what the bot posts."""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from adapters.console.chat import ConsoleChat
from bot.bootstrap import build_app
from bot.clock import SystemClock
from bot.config import Settings
from incidents.naming import channel_name

BANNER = """sevbot console: you are @{who} in #general. Type /incident help (or `quit`).
Commands after opening an incident run in its channel; `/incident status 42 …` names one."""


async def run_console(settings: Settings, who: str, stdin: TextIO, out: TextIO) -> int:
    """Read commands line by line until end of input; print replies and delivered messages."""
    clock = SystemClock()
    chat = ConsoleChat(out, clock)
    app = await build_app(settings, clock=clock, chats=[chat])
    scheduler = asyncio.create_task(app.scheduler.run())
    dispatcher = asyncio.create_task(app.dispatcher.run())
    channel: str | None = None
    print(BANNER.format(who=who), file=out)
    try:
        while True:
            if stdin.isatty():
                print(f"{'#' + channel if channel else '#general'}> ", end="", file=out, flush=True)
            line = await asyncio.to_thread(stdin.readline)
            if not line or line.strip() in ("quit", "exit"):
                break
            if not line.strip():
                continue
            handler = (
                app.oncall if line.strip().startswith("/oncall") and app.oncall else app.service
            )
            outcome = await handler.handle_text(
                line.strip(), actor=f"console:{who}", platform="console", channel_id=channel
            )
            if outcome.opened is not None:
                channel = channel_name(outcome.opened.number, outcome.opened.title)
                await app.service.bind_channel(outcome.opened.number, "console", channel)
            if outcome.reply is not None:
                print(f"(only you) {outcome.reply_text}", file=out)
            await app.dispatcher.deliver_due()
    finally:
        app.scheduler.stop()
        app.dispatcher.stop()
        await asyncio.gather(scheduler, dispatcher, return_exceptions=True)
        await app.close()
    return 0


def main(settings: Settings, who: str) -> int:
    """Entry point for the CLI."""
    return asyncio.run(run_console(settings, who, sys.stdin, sys.stdout))
