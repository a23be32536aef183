"""`sevbot console`: type `/incident …` commands against a local store, see what the bot posts."""

from __future__ import annotations

import asyncio
from typing import Protocol, TextIO

from bot.chat import ChatPorts
from incidents.people import Person

BANNER = """sevbot console: you are @{who} in #general. Type /incident help (or `quit`).
Commands after opening an incident run in its channel; `/incident status 42 …` names one."""


class Deliveries(Protocol):
    """The outbox dispatcher, asked to deliver what is due before the next prompt."""

    async def deliver_due(self) -> None:
        """Deliver every outbox message due now."""
        ...


async def read_commands(
    who: str, stdin: TextIO, out: TextIO, *, ports: ChatPorts, loops: Deliveries
) -> int:
    """Read commands line by line until end of input; print replies and delivered messages."""
    channel: str | None = None
    actor = Person.of("console", who)
    print(BANNER.format(who=who), file=out)
    while True:
        if stdin.isatty():
            print(f"{'#' + channel if channel else '#general'}> ", end="", file=out, flush=True)
        line = await asyncio.to_thread(stdin.readline)
        if not line or line.strip() in ("quit", "exit"):
            break
        if not line.strip():
            continue
        oncall = line.strip().startswith("/oncall") and ports.oncall is not None
        handler = ports.oncall if oncall and ports.oncall is not None else ports.commands
        outcome = await handler.handle_text(
            line.strip(), actor=actor, platform="console", channel_id=channel
        )
        if outcome.reply is not None:
            print(f"(only you) {outcome.reply_text}", file=out)
        await loops.deliver_due()
        if outcome.opened is not None:
            # The console adapter named and bound the channel when the summary arrived there.
            channel = await ports.channels.channel_of(outcome.opened.number, "console")
    return 0
