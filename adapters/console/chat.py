"""Console chat adapters: print the transcript, or append it to a JSON-lines file."""

from __future__ import annotations

import asyncio
import json
import os
from datetime import datetime
from pathlib import Path
from typing import TextIO

from adapters.console.channels import LocalChannels
from adapters.console.render import DaySeparator, render_lines
from bot.chat import ChannelBindings, CommandBus, PeopleNames
from incidents.messages import Audience, Message, mentioned, render_plain
from incidents.names import NO_NAMES, Names
from incidents.naming import channel_name
from incidents.ports import Clock, OutboxItem


class ConsoleChat:
    """Prints delivered messages to a stream, the way `sevbot console` (and `sevbot run` with
    no chat platform) shows them. With `files_dir`, a posted file (a review draft) is written
    there under its name, as a person would download it from the chat."""

    platform = "console"

    def __init__(
        self,
        out: TextIO,
        clock: Clock,
        *,
        channels: ChannelBindings,
        commands: CommandBus,
        files_dir: Path | None = None,
        names: PeopleNames | None = None,
    ) -> None:
        self._out = out
        self._names = names  # people read by name where the platforms told it
        self._clock = clock
        self._channels = LocalChannels(self.platform, bindings=channels, commands=commands)
        self._delivered: set[int] = set()
        self.channels = self._channels.names  # incident → its channel's name
        self.files: dict[str, str] = {}
        self._files_dir = files_dir
        self._days = DaySeparator()

    async def channel(self, number: int) -> str | None:
        """The incident's channel here, named and bound on first use (None: no such incident)."""
        return await self._channels.of(number)

    def mark_day(self, at: datetime) -> None:
        """Print a separator when the transcript moves to another UTC day."""
        separator = self._days.line(at)
        if separator is not None:
            print(separator, file=self._out)

    async def deliver(self, item: OutboxItem) -> None:
        """Print the message once per outbox item."""
        if item.id in self._delivered:
            return
        self._delivered.add(item.id)
        message = item.message
        if message.audience is Audience.INCIDENT and message.incident is not None:
            await self._channels.of(message.incident)
        saved, file_line = "", None
        if message.attachment_name and message.attachment is not None:
            self.files[message.attachment_name] = message.attachment
            saved = await self._save(message.attachment_name, message.attachment, message)
            file_line = f"📎 {message.attachment_name}"
        self.mark_day(self._clock.now())
        names = await self._names_in(message)
        for line in render_lines(message, self._clock.now(), self.channels, names):
            print(line + (saved if file_line and line.endswith(file_line) else ""), file=self._out)
        self._out.flush()

    async def _names_in(self, message: Message) -> Names:
        """The names of the people the message mentions, shows in its facts, or goes to."""
        people = [*mentioned(message.text), *(p for f in message.facts for p in mentioned(f.value))]
        if message.recipient is not None:
            people.append(message.recipient)
        if self._names is None or not people:
            return NO_NAMES
        return await self._names.names_of(people)

    async def _save(self, name: str, content: str, message: Message) -> str:
        """Write a posted file to `files_dir`; what the transcript adds after its name."""
        if self._files_dir is None:
            number = message.incident
            return f" (`sevbot review {number}` writes it to a file)" if number else ""
        path = (self._files_dir / Path(name).name).absolute()  # the name is ours; no folders
        try:
            await asyncio.to_thread(path.write_text, content, encoding="utf-8")
        except OSError as error:
            return f" (not saved: {path}: {error.strerror or error})"
        return f" → saved as {path}"


class TranscriptFileChat:
    """Appends each delivered message as a JSON line; idempotent per outbox id across restarts.

    For running `sevbot run` locally without a chat platform, and for the crash tests: the file
    is the "chat", and an id already in it is never written again.
    """

    def __init__(self, path: str, *, platform: str = "console") -> None:
        self.platform = platform
        self._path = Path(path)
        self._seen: set[int] = set()
        if self._path.exists():
            for line in self._path.read_text(encoding="utf-8").splitlines():
                try:
                    self._seen.add(int(json.loads(line)["outbox_id"]))
                except (ValueError, KeyError, TypeError):
                    continue  # a line cut short by a crash: its item was not marked delivered

    async def deliver(self, item: OutboxItem) -> None:
        """Append the message unless this outbox id was delivered before."""
        if item.id in self._seen:
            return
        message = item.message
        where = message.audience.value
        if message.audience is Audience.INCIDENT and message.incident is not None:
            where = "#" + channel_name(message.incident, "")
        record = {
            "outbox_id": item.id,
            "incident": message.incident,
            "kind": message.kind,
            "where": where,
            "recipient": message.recipient,
            "title": message.title,
            "text": render_plain(message.text),
        }
        await asyncio.to_thread(self._append, json.dumps(record, ensure_ascii=False))
        self._seen.add(item.id)

    def _append(self, line: str) -> None:
        # The leading newline seals off a line a crash may have cut short.
        with self._path.open("a", encoding="utf-8") as out:
            out.write("\n" + line + "\n")
            out.flush()
            os.fsync(out.fileno())
