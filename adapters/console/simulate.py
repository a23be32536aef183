"""`sevbot simulate`: a scenario played against the real service with simulated chats.

Each chat platform a scenario's people use gets a `SimulatedChat` that names and binds incident
channels the way a real adapter does and writes what it would post to a transcript, in time
order: as text (the demo's layout) or as JSON lines (`Jsonl`, one object per step, message and
reply: `at`, `kind`, `platform`, `to`, `incident`, `text`; steps and replies add `from`, a page
read with `GET` adds `status`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser
from typing import Protocol, TextIO

from adapters.console.channels import LocalChannels
from adapters.console.render import WHERE_WIDTH, DaySeparator, lines_at, short
from bot.chat import ChatPorts, Outcome
from bot.scenario import MoveClock, ReadPage, RunCommand, Step
from incidents.messages import Audience, Message, MessageKind, render_plain
from incidents.people import EMAIL, TOOL, Person
from incidents.ports import Clock, OutboxItem
from incidents.timefmt import clock_text

STEP = "step"
PAGE = "web"
# Replies shown in the text transcript: what only the asker sees and nobody else would.
SHOWN_REPLIES = frozenset(
    {
        MessageKind.ERROR,
        MessageKind.OPENING,
        MessageKind.MAINTENANCE,
        MessageKind.HELP,
        MessageKind.LIST,
        MessageKind.TIMELINE,
        MessageKind.DASHBOARD,
        MessageKind.ONCALL,
    }
)


class Transcript(Protocol):
    """Where a simulation writes what happens, in time order."""

    def step(self, at: datetime, person: Person, platform: str, where: str, text: str) -> None:
        """A person typed `text` in `where`."""
        ...

    def message(self, at: datetime, platform: str, to: str, message: Message) -> None:
        """The bot posted `message` to `to` on `platform`."""
        ...

    def reply(self, at: datetime, person: Person, platform: str, outcome: Outcome) -> None:
        """The bot answered the person who typed, only to them."""
        ...

    def page(self, at: datetime, page: Page) -> None:
        """A `GET` step read a page of the bot's web server."""
        ...


@dataclass(frozen=True, slots=True)
class Page:
    """What the web server answered to a `GET` step."""

    path: str
    status: int
    content_type: str
    body: str

    def readable(self) -> str:
        """The body as people read it: JSON indented, HTML as its visible text, else as is."""
        if self.content_type == "application/json":
            try:
                return json.dumps(json.loads(self.body), indent=2, ensure_ascii=False)
            except ValueError:
                return self.body
        if self.content_type == "text/html":
            visible = _VisibleText()
            visible.feed(self.body)
            return "\n".join(visible.lines)
        return self.body.strip()


class _VisibleText(HTMLParser):
    """The text a browser shows, a line per block of text (scripts and styles left out)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head"):
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head") and self._hidden > 0:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text and not self._hidden:
            self.lines.append(text)


class PageReader(Protocol):
    """Reads a path from the app's web server (a `GET` step)."""

    async def get(self, path: str) -> Page:
        """What the server answers to `GET path`."""
        ...


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


class Jsonl:
    """One JSON object per line; the format `sevbot simulate --format jsonl` promises."""

    def __init__(self, out: TextIO) -> None:
        self._out = out

    def _write(self, record: dict[str, object]) -> None:
        print(json.dumps(record, ensure_ascii=False), file=self._out)

    def step(self, at: datetime, person: Person, platform: str, where: str, text: str) -> None:
        """`{"kind": "step", "from": "slack:U1", "to": "#general", "text": "/incident …"}`."""
        incident = _incident_of(where)
        self._write(
            {
                "at": _iso(at),
                "kind": STEP,
                "platform": platform,
                "from": str(person),
                "to": where,
                "incident": incident,
                "text": text,
            }
        )

    def message(self, at: datetime, platform: str, to: str, message: Message) -> None:
        """A message as its kind, where it went and its plain text."""
        text = render_plain(message.text)
        if message.title:
            text = f"{message.title}\n{text}" if text else message.title
        self._write(
            {
                "at": _iso(at),
                "kind": message.kind.value,
                "platform": platform,
                "to": to,
                "incident": message.incident,
                "text": text,
            }
        )

    def reply(self, at: datetime, person: Person, platform: str, outcome: Outcome) -> None:
        """The reply to the person who asked (`to` is that person)."""
        if outcome.reply is None:
            return
        self._write(
            {
                "at": _iso(at),
                "kind": outcome.reply.kind.value,
                "platform": platform,
                "to": str(person),
                "incident": outcome.incident,
                "text": outcome.reply_text,
            }
        )

    def page(self, at: datetime, page: Page) -> None:
        """`{"kind": "web", "to": "/status/summary.json", "status": 200, "text": <body>}`."""
        self._write(
            {
                "at": _iso(at),
                "kind": PAGE,
                "platform": None,
                "to": page.path,
                "incident": None,
                "status": page.status,
                "text": page.body,
            }
        )


def _incident_of(where: str) -> int | None:
    """`#inc-12-disk-full` → 12."""
    if not where.startswith("#inc-"):
        return None
    number = where[5:].split("-", 1)[0]
    return int(number) if number.isdigit() else None


class Text:
    """The demo's layout: time, a short channel label, what was said; a line per UTC day."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._days = DaySeparator()

    def _mark_day(self, at: datetime) -> None:
        separator = self._days.line(at)
        if separator is not None:
            print(separator, file=self._out)

    def step(self, at: datetime, person: Person, platform: str, where: str, text: str) -> None:
        """`14:03  #inc-1-checkou…  @sam: /incident ack`."""
        self._mark_day(at)
        print(
            f"{clock_text(at, at)}  {short(where):<{WHERE_WIDTH}}  {person.handle}: {text}",
            file=self._out,
        )

    def message(self, at: datetime, platform: str, to: str, message: Message) -> None:
        """The message's lines, labelled with where it went."""
        self._mark_day(at)
        label = "DM " + Person(to).handle if message.audience is Audience.DIRECT else short(to)
        for line in lines_at(message, at, label):
            print(line, file=self._out)
        self._out.flush()

    def reply(self, at: datetime, person: Person, platform: str, outcome: Outcome) -> None:
        """Errors, the opening reply and answers to questions; the rest is posted anyway."""
        if outcome.reply is None or (outcome.ok and outcome.reply.kind not in SHOWN_REPLIES):
            return
        label = "(only " + person.handle + ")"
        print(f"{'':5}  {label:<{WHERE_WIDTH}}  {outcome.reply_text}", file=self._out)

    def page(self, at: datetime, page: Page) -> None:
        """`14:03  web               GET /status/summary.json → 200`, then the page, indented."""
        self._mark_day(at)
        print(
            f"{clock_text(at, at)}  {'web':<{WHERE_WIDTH}}  GET {page.path} → {page.status}",
            file=self._out,
        )
        for line in page.readable().splitlines():
            print(f"{'':5}  {'':<{WHERE_WIDTH}}  {line}".rstrip(), file=self._out)


class SimulatedChat:
    """A chat platform that posts to the transcript, naming incident channels as Slack does."""

    def __init__(
        self, platform: str, transcript: Transcript, *, ports: ChatPorts, clock: Clock
    ) -> None:
        self.platform = platform
        self._transcript = transcript
        self._ports = ports
        self._clock = clock
        self._channels = LocalChannels(platform, bindings=ports.channels, commands=ports.commands)
        self._delivered: set[int] = set()

    async def channel(self, number: int) -> str | None:
        """The incident's channel here, created (named and bound) on first use; None if there
        is no such incident."""
        return await self._channels.of(number)

    async def deliver(self, item: OutboxItem) -> None:
        """Write the message to the transcript once per outbox item."""
        if item.id in self._delivered:
            return
        self._delivered.add(item.id)
        message = item.message
        to = await self._destination(message)
        if to is not None:
            self._transcript.message(self._clock.now(), self.platform, to, message)

    async def _destination(self, message: Message) -> str | None:
        if message.audience is Audience.REPLY:
            return None
        if message.audience is Audience.DIRECT:
            return str(message.recipient)
        if message.audience is Audience.INCIDENT and message.incident is not None:
            name = await self.channel(message.incident)
            return f"#{name}" if name else None
        configured = self._ports.routes.channel_for(message, self.platform)
        fallback = "incidents" if message.audience is Audience.ANNOUNCE else "oncall"
        return f"#{configured or fallback}"


class Loops(Protocol):
    """The scheduler and dispatcher, stepped by hand under a simulated clock."""

    async def next_due(self) -> datetime | None:
        """When the earliest timer or job is due."""
        ...

    async def fire_due(self) -> None:
        """Fire every timer and job due now."""
        ...

    async def deliver_due(self) -> None:
        """Deliver every outbox message due now."""
        ...


class SettableClock(Clock, Protocol):
    """A simulated clock."""

    def set(self, moment: datetime) -> datetime:
        """Move the clock to `moment`; returns it."""
        ...


def platform_of(person: Person, default: str) -> str:
    """Where a person types: their own platform; email people through Slack; tools: default."""
    if person.platform == EMAIL:
        return "slack"
    if person.platform == TOOL:
        return default
    return person.platform


@dataclass(frozen=True, slots=True, kw_only=True)
class Rehearsal:
    """What a simulation runs against: the app's chat ports and loops, the simulated clock,
    the simulated chats by platform, and the transcript."""

    ports: ChatPorts
    loops: Loops
    clock: SettableClock
    chats: dict[str, SimulatedChat]
    transcript: Transcript
    default_platform: str
    pages: PageReader | None = None


async def play(steps: list[Step], rehearsal: Rehearsal) -> int:
    """Run the steps in order; returns how many commands failed (errors are part of a
    rehearsal: the transcript shows them and the scenario goes on)."""
    failed = 0
    for step in steps:
        if isinstance(step, MoveClock):
            await advance(rehearsal.loops, rehearsal.clock, step.to)
        elif isinstance(step, ReadPage):
            failed += not await _read(step, rehearsal)
        else:
            failed += not await _run(step, rehearsal)
    return failed


async def _read(step: ReadPage, rehearsal: Rehearsal) -> bool:
    if rehearsal.pages is None:
        raise RuntimeError("this rehearsal has no web server to read pages from")
    page = await rehearsal.pages.get(step.path)
    rehearsal.transcript.page(rehearsal.clock.now(), page)
    return page.status == 200


async def _run(step: RunCommand, rehearsal: Rehearsal) -> bool:
    ports, loops, clock = rehearsal.ports, rehearsal.loops, rehearsal.clock
    chats, transcript, default_platform = (
        rehearsal.chats,
        rehearsal.transcript,
        rehearsal.default_platform,
    )
    platform = platform_of(step.person, default_platform)
    chat = chats[platform]
    channel = None if step.incident is None else await chat.channel(step.incident)
    where = "#general" if channel is None else f"#{channel}"
    transcript.step(clock.now(), step.person, platform, where, step.text)
    if step.incident is not None and channel is None:
        refusal = Outcome(
            ok=False,
            reply=Message(
                kind=MessageKind.ERROR,
                audience=Audience.REPLY,
                text=(f"There is no incident #{step.incident} (yet) to type in.",),
            ),
        )
        transcript.reply(clock.now(), step.person, platform, refusal)
        return False
    oncall = step.text.lower().startswith("/oncall")
    handler = ports.oncall if oncall else ports.commands
    outcome = await handler.handle_text(
        step.text, actor=step.person, platform=platform, channel_id=channel
    )
    transcript.reply(clock.now(), step.person, platform, outcome)
    await loops.deliver_due()
    return outcome.ok


async def advance(loops: Loops, clock: SettableClock, until: datetime) -> None:
    """Move the clock to `until`, firing every timer and job on the way at its own due time
    and delivering what each causes."""
    while True:
        next_due = await loops.next_due()
        if next_due is None or next_due > until:
            break
        clock.set(max(next_due, clock.now()))
        await loops.fire_due()
        await loops.deliver_due()
    clock.set(until)
    await loops.deliver_due()
