"""`sevbot console`: type `/incident …` commands against a local store, see what the bot posts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, TextIO

from adapters.console.lines import LineSource
from bot.chat import ChatPorts
from incidents.people import Person

QUIT = ("quit", "exit")


class Deliveries(Protocol):
    """The outbox dispatcher, asked to deliver what is due before the next prompt."""

    async def deliver_due(self) -> None:
        """Deliver every outbox message due now."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Setting:
    """What the banner tells: the store in use, where posted files and log lines go."""

    store: str  # `SQLite file /abs/sevbot.db`, `PostgreSQL at db:5432/sevbot`
    files: str | None = None  # the folder review drafts are written to
    log_file: str | None = None  # None: log lines go to standard error


def banner(who: str, setting: Setting) -> str:
    """The lines printed first: who you are, how to leave, the store, files and logs."""
    lines = [
        f"sevbot console: you are @{who} in #general. `/incident help` lists the commands; "
        "`quit` or Ctrl-D leaves.",
        f"Store: {setting.store} (SEVBOT_DATABASE_URL chooses another).",
    ]
    if setting.files:
        lines.append(f"Review drafts the bot posts are written to {setting.files}.")
    if setting.log_file:
        lines.append(f"Log lines go to {setting.log_file}.")
    lines.append(
        "Commands after opening an incident run in its channel; `/incident status 42 …` names one."
    )
    return "\n".join(lines)


async def read_commands(
    who: str,
    lines: LineSource,
    out: TextIO,
    *,
    ports: ChatPorts,
    loops: Deliveries,
    channel_of: Callable[[int], Awaitable[str | None]],
    setting: Setting,
) -> int:
    """Read commands until `quit` or the end of input; print replies and delivered messages.
    `channel_of` names (and binds) an incident's console channel, so the next command runs
    there even before the dispatcher has delivered its first message."""
    channel: str | None = None
    actor = Person.of("console", who)
    print(banner(who, setting), file=out, flush=True)
    while True:
        line = await lines.read(f"#{channel or 'general'}> ")
        if line is None or line.strip().lower() in QUIT:
            return 0
        text = line.strip()
        if not text:
            continue
        # `/oncall …` has its own handler (which explains how to add a rotation when none is).
        handler = ports.oncall if text.startswith("/oncall") else ports.commands
        outcome = await handler.handle_text(
            text, actor=actor, platform="console", channel_id=channel
        )
        if outcome.reply is not None:
            print(f"(only you) {outcome.reply_text}", file=out, flush=True)
        if outcome.opened is not None:
            channel = await channel_of(outcome.opened.number)
        await loops.deliver_due()
