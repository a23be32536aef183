"""`sevbot demo`: a whole SEV-1 played through the real code paths with a simulated clock."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol, TextIO

from adapters.console.chat import ConsoleChat
from adapters.console.render import WHERE_WIDTH, short
from bot.chat import ChatPorts
from bot.clock import FakeClock
from incidents.model import OnCall
from incidents.people import Person
from incidents.severity import Severity
from incidents.timefmt import clock_text

START = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # a Monday afternoon
TITLE = "Checkout is failing for card payments"


@dataclass(frozen=True, slots=True)
class Step:
    """At `at` minutes after the start, `who` types `text`; timers fire on the way there."""

    at: float
    who: str
    text: str


SCRIPT: tuple[Step, ...] = (
    Step(0, "maria", f"/incident open sev1 {TITLE}"),
    Step(3, "sam", "/incident ack"),
    Step(4, "sam", "/incident ic @sam"),
    Step(6, "sam", "/incident phase triage"),
    Step(
        10, "sam", "/incident status Card payments fail with 502s from the processor since ~13:55"
    ),
    Step(20, "sam", "/incident phase investigation"),
    Step(25, "sam", "/incident sev sev0"),
    Step(30, "sam", "/incident role comms @ana"),
    # 14:40 ⏰ first status reminder (30 min without an update), answered late:
    Step(43, "sam", "/incident status Suspect deploy 8812 (13:55); rolling it back"),
    Step(55, "sam", "/incident phase mitigation"),
    # 15:00 📣 the first external notice is due (within 1 h for SEV-0/1):
    Step(
        62,
        "ana",
        "/incident status --external Card payments are failing; we are rolling back a change",
    ),
    Step(80, "li", "/incident note Error rate back to baseline at 15:19"),
    # 15:32 ⏰ second status reminder:
    Step(33 + 60, "sam", "/incident status Rollback done; error rate at baseline, watching"),
    # 16:03 ⏰ third status reminder:
    Step(65 + 60, "sam", "/incident resolve Rolled back deploy 8812; payments recovered at 15:19"),
    Step(66 + 60, "sam", "/incident action Alert on card-processor 502s @sam"),
    Step(67 + 60, "li", "/incident action Canary the payment service deploys @li"),
    # the next day, 📝 the review reminder 24 h after resolution:
    Step(24 * 60 + 150, "sam", "/incident phase post-incident"),
    Step(24 * 60 + 151, "sam", "/incident review"),
    Step(24 * 60 + 170, "sam", "/incident review done https://wiki.example.com/postmortems/1"),
    Step(24 * 60 + 171, "sam", "/incident close"),
)


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


def demo_oncall(severity: Severity) -> OnCall:
    """Who the demo's incident pages: sam, then li, then everyone."""
    return OnCall(
        rotation="maintainers",
        primary=Person("console:sam"),
        backup=Person("console:li"),
        everyone=(Person("console:sam"), Person("console:li"), Person("console:ana")),
    )


async def play(
    out: TextIO,
    review_path: Path,
    *,
    ports: ChatPorts,
    loops: Loops,
    clock: FakeClock,
    chat: ConsoleChat,
) -> int:
    """Play the script, print the transcript, write the review; return an exit status."""
    print(f"sevbot demo: a SEV-1 on {START:%A %d %B %Y}, times in UTC", file=out)
    print("(simulated clock; the real store, scheduler and outbox)\n", file=out)
    channel = ""
    for step in SCRIPT:
        await _advance(loops, clock, START + timedelta(minutes=step.at))
        where = short("#" + channel) if channel else "#general"
        chat.mark_day(clock.now())
        print(
            f"{clock_text(clock.now(), clock.now())}  {where:<{WHERE_WIDTH}}  "
            f"@{step.who}: {step.text}",
            file=out,
        )
        outcome = await ports.commands.handle_text(
            step.text,
            actor=Person.of("console", step.who),
            platform="console",
            channel_id=channel or None,
        )
        if outcome.reply is not None and (not outcome.ok or outcome.opened is not None):
            print(
                f"{'':5}  {'(only @' + step.who + ')':<{WHERE_WIDTH}}  {outcome.reply_text}",
                file=out,
            )
        if not outcome.ok:
            return 1
        await loops.deliver_due()
        if outcome.opened is not None:
            # The console adapter named and bound the channel when the summary arrived there.
            channel = await ports.channels.channel_of(outcome.opened.number, "console") or ""
    review = chat.files.get("incident-1-review.md")
    if review is None:
        print("the review was not posted", file=out)
        return 1
    await asyncio.to_thread(review_path.write_text, review, encoding="utf-8")
    print(f"\nThe review draft is in {review_path}", file=out)
    return 0


async def _advance(loops: Loops, clock: FakeClock, until: datetime) -> None:
    """Move the clock to `until`, firing every timer on its way at its own due time."""
    while True:
        next_due = await loops.next_due()
        if next_due is None or next_due > until:
            break
        clock.set(max(next_due, clock.now()))
        await loops.fire_due()
        await loops.deliver_due()
    clock.set(until)
